#!/bin/sh
# No max-difference in the tests may drop a NaN: fmax/fmin (which return the other argument when one
# is NaN) are not used under tests/; check_max, check_min, check_maxdiff, check_clamp (tests/check.h)
# are. Nor the hand-written "if (!(d <= m)) m = d", which loses a NaN held in m. Comment lines are
# ignored.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
hits=$(grep -rnE '\bfm(ax|in)f?[[:space:]]*\(' "$FS_SRC/tests" --include='*.c' --include='*.h' |
       grep -vE '^[^:]*:[0-9]+:[[:space:]]*(/\*|\*|//)')
[ -n "$hits" ] && printf '%s\n' "$hits"
check no_fmax_fmin_in_tests "[ -z \"\$hits\" ]"
# nor "if (!(d <= m)) m = d": a NaN kept in m is replaced by the next finite d (guard it with m == m)
LOSES='if \(!\(([][A-Za-z0-9_.]+) <= ([][A-Za-z0-9_.]+)\)\) \2 = \1;'
loses=$(grep -rnE "$LOSES" "$FS_SRC/tests" --include='*.c' --include='*.h' | grep -vE '^[^:]*:[0-9]+:[[:space:]]*(/\*|\*|//)')
[ -n "$loses" ] && printf '%s\n' "$loses"
check no_nan_losing_max_in_tests "[ -z \"\$loses\" ]"
# the pattern finds what it is meant to, and not the guarded form
n=$(printf 'if (!(d <= md)) md = d;\nif (!(v <= worst[i])) worst[i] = v;\nif (!(d <= m) && m == m) m = d;\n' | grep -cE "$LOSES")
check pattern_found "[ '$n' = 2 ]"
finish
