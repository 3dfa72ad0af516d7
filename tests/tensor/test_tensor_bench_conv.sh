#!/bin/sh
# `facestitch bench conv`: --help, bad usage exits 2, a --quick run prints one row per shape with
# positive GFLOP/s and ends with conv_vs_sgemm=<number> (speed itself is not judged here).
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
check help "$B bench conv --help | grep -q 'conv_vs_sgemm'"
$B bench conv --no-such-option >/dev/null 2>&1; rc=$?
check bad_option_exit2 "[ $rc -eq 2 ]"
$B bench conv --repeat 0 >/dev/null 2>&1; rc=$?
check bad_repeat_exit2 "[ $rc -eq 2 ]"
out=$($B --threads 2 bench conv --quick); rc=$?
echo "$out"
check quick_exit0 "[ $rc -eq 0 ]"
check last_line "echo \"\$out\" | tail -n 1 | grep -Eq '^conv_vs_sgemm=[0-9]+\.[0-9]+$'"
check four_rows "[ \$(echo \"\$out\" | grep -Ec '^(up |modconv )?[0-9]+->[0-9]+ ') -eq 4 ]"
# fwd, bwd-data and bwd-wgt GFLOP/s of each row: finite numbers > 0 (num refuses nan and inf, which
# mawk's awk compared as true or let through)
rates=$(echo "$out" | grep -E '^(up |modconv )?[0-9]+->' | awk '{ print $(NF-4), $(NF-3), $(NF-2) }')
nrates=0 pos=1
for r in $rates; do nrates=$((nrates + 1)); num "$r" '>' 0 || pos=0; done
check positive "[ $nrates -eq 12 ] && [ $pos -eq 1 ]"
finish
