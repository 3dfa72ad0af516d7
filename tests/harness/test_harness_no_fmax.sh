#!/bin/sh
# No max-difference in the tests may drop a NaN: fmax/fmin (which return the other argument when one
# is NaN) are not used under tests/; check_max, check_min, check_maxdiff, check_clamp (tests/check.h)
# are. Comment lines are ignored.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
hits=$(grep -rnE '\bfm(ax|in)f?[[:space:]]*\(' "$FS_SRC/tests" --include='*.c' --include='*.h' |
       grep -vE '^[^:]*:[0-9]+:[[:space:]]*(/\*|\*|//)')
[ -n "$hits" ] && printf '%s\n' "$hits"
check no_fmax_fmin_in_tests "[ -z \"\$hits\" ]"
finish
