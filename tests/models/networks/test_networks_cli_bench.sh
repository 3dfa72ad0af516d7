#!/bin/sh
# `facestitch bench networks --quick` runs and prints a figure for each network.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
$B --threads 1 bench networks --quick >"$T/out" 2>"$T/err"
check exit0 "[ $? -eq 0 ]"
cat "$T/out"
check baseline "grep -q 'SGEMM' $T/out"
check lpips_fwd "grep -q '^lpips-alex 256 forward .*images/s' $T/out"
check lpips_bwd "grep -q '^lpips-alex 256 fwd+bwd .*images/s' $T/out"
check bisenet "grep -q '^bisenet 256 .*images/s' $T/out"
check no_failed "! grep -q failed $T/out"
$B bench networks --repeat 0 >/dev/null 2>&1
check bad_repeat_exit2 "[ $? -eq 2 ]"
$B bench networks --help | grep -q 'Usage: facestitch'
check help "[ $? -eq 0 ]"
exit $fail
