#!/bin/sh
# The comparison tools the CLI scripts call fail on a NaN: st_maxdiff (tests/dist: every tensor of two
# safetensors files) and nt_compare (tests/models/networks: one tensor), fed a NaN followed by a
# larger finite difference (the order in which "if (!(d <= m)) m = d" lost the NaN); both still pass
# finite data within the tolerance and fail it over the tolerance.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
ST=${FS_BUILD:?}/tests/dist/st_maxdiff
NT=$FS_BUILD/tests/models/networks/nt_compare
[ -x "$ST" ] && [ -x "$NT" ] || { echo "FAIL $ST or $NT not built"; exit 1; }
T=$(mktemp -d /tmp/fs_test_maxdiff_tools_XXXXXX)
trap 'rm -rf "$T"' EXIT
# st FILE BYTES: a safetensors file with one F32 tensor "a" of shape [2] (BYTES: printf escapes, 8 bytes)
st() {
  h='{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
  while [ $((${#h} % 8)) -ne 0 ]; do h="$h "; done
  { printf "\\$(printf %03o ${#h})\\000\\000\\000\\000\\000\\000\\000"; printf '%s' "$h"; printf "$2"; } >"$1"
}
# the tools' own OK/FAIL lines are not shown: only the verdicts below
stm() { "$ST" "$@" >/dev/null; }
ntc() { "$NT" "$@" >/dev/null; }
# fails TOOL ARGS: the tool's verdict is "differs" (exit 1), not a read or usage error (2) or a crash
fails() { "$@"; [ $? -eq 1 ]; }
NAN='\000\000\300\177' ONE='\000\000\200\077' ZERO='\000\000\000\000'
st "$T/nan_one.st" "$NAN$ONE"
st "$T/zero_one.st" "$ZERO$ONE"
st "$T/zeros.st" "$ZERO$ZERO"
check st_maxdiff_nan_fails "fails stm $T/nan_one.st $T/zeros.st 10 && fails stm $T/zeros.st $T/nan_one.st 10"
check st_maxdiff_within_passes "stm $T/zero_one.st $T/zeros.st 1"
check st_maxdiff_over_fails "fails stm $T/zero_one.st $T/zeros.st 0.5"
check nt_compare_nan_fails "fails ntc $T/nan_one.st a $T/zeros.st a abs 10 && fails ntc $T/zeros.st a $T/nan_one.st a abs 10"
check nt_compare_within_passes "ntc $T/zero_one.st a $T/zeros.st a abs 1"
check nt_compare_over_fails "fails ntc $T/zero_one.st a $T/zeros.st a abs 0.5"
finish
