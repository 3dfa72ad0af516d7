#!/bin/sh
# tests/testlib.sh must fail when it should: close/num refuse nan, inf and empty values (mawk reads
# "nan" as a number that compares equal to anything), key is empty and false for a missing key (so a
# missing metric is not read as 0), a skip after a failed check exits 1, and need_shared and
# have_shared fail under CI=true. Every helper also passes on good input.
set -u
LIB=${FS_SRC:?}/tests/testlib.sh
. "$LIB"
T=$(mktemp -d /tmp/fs_test_testlib_XXXXXX)
trap 'rm -rf "$T"' EXIT

# close A B TOL
check close_equal "close 0.0711961836 0.07119619 1e-5"
check close_exp "close 1e-7 0 1e-5 && close -2.5E+1 -25 0"
check close_far_fails "! close 0.07 0.08 1e-5"
for v in nan NaN -nan inf -inf '' ' ' 0.07x x 1..2 '0.07
0.07'; do
  check "close_refuses_[$v]" "! close '$v' 0.07 1 && ! close 0.07 '$v' 1 && ! close 0.07 0.07 '$v'"
done
check close_nan_nan "! close nan nan 1"
check close_inf_inf "! close inf inf 1"
# num A OP B
check num_lt "num 3 '<' 60 && num -1 '<=' -1 && num 61 '>' 60 && num 2 '>=' 2 && num 5 '==' 5.0 && num 5 '!=' 6"
check num_false "! num 61 '<' 60 && ! num 3 '>' 60 && ! num 5 '==' 6"
check num_refuses "! num '' '<' 60 && ! num nan '<' 60 && ! num 3 '<' nan && ! num inf '>' 1 && ! num 3 '<>' 4"
# key NAME FILE on a facestitch --json report
printf '{\n  "frames": 6,\n  "face_psnr_db": 31.5,\n  "tl_id": null\n}\n' >"$T/r.json"
check key_value "[ \"\$(key frames $T/r.json)\" = 6 ] && [ \"\$(key face_psnr_db $T/r.json)\" = 31.5 ]"
check key_missing_false "! key background_psnr_db $T/r.json >/dev/null && [ -z \"\$(key background_psnr_db $T/r.json)\" ]"
check missing_key_fails_num "! num \"\$(key background_psnr_db $T/r.json)\" '<' 40"
check null_key_fails_num "! num \"\$(key tl_id $T/r.json)\" '<' 40"
# a script that fails a check and then skips exits 1; one that only skips exits 77
printf '. "%s"\ncheck one false\nskip "later"\n' "$LIB" >"$T/s1.sh"
sh "$T/s1.sh" >"$T/out" 2>&1; rc=$?
check skip_after_failure_exits1 "[ $rc -eq 1 ] && grep -q 'FAIL one' $T/out"
printf '. "%s"\ncheck one true\nskip "nothing here"\n' "$LIB" >"$T/s2.sh"
sh "$T/s2.sh" >"$T/out" 2>&1; rc=$?
check clean_skip_exits77 "[ $rc -eq 77 ] && grep -q 'SKIP: nothing here' $T/out"
# try SCRIPT CI PATH: a made-up script run with CI set to CI (unset when empty) and PATH as $1; sets rc
try() {
  if [ -n "$2" ]; then CI=$2 sh "$1" "$3" >"$T/out" 2>&1; else env -u CI sh "$1" "$3" >"$T/out" 2>&1; fi
  rc=$?
}
# need_shared: absent -> 77, or 1 when CI=true; present -> continue
printf '. "%s"\nneed_shared "$1"\necho reached\nfinish\n' "$LIB" >"$T/s3.sh"
try "$T/s3.sh" "" "$T/absent"; check shared_absent_skips "[ $rc -eq 77 ] && ! grep -q reached $T/out"
try "$T/s3.sh" true "$T/absent"; check shared_absent_ci_fails "[ $rc -eq 1 ] && grep -q 'CI=true' $T/out && ! grep -q reached $T/out"
try "$T/s3.sh" true "$T/r.json"; check shared_present_runs "[ $rc -eq 0 ] && grep -q reached $T/out"
# have_shared: absent -> false and the script goes on (0), or a failure (1) when CI=true; present -> true
printf '. "%s"\nif have_shared "$1"; then echo present; fi\necho reached\nfinish\n' "$LIB" >"$T/s5.sh"
try "$T/s5.sh" "" "$T/absent"
check optional_absent_left_out "[ $rc -eq 0 ] && grep -q reached $T/out && ! grep -q present $T/out && grep -q 'left out' $T/out"
try "$T/s5.sh" true "$T/absent"; check optional_absent_ci_fails "[ $rc -eq 1 ] && grep -q 'CI=true' $T/out && ! grep -q present $T/out"
try "$T/s5.sh" true "$T/r.json"; check optional_present_runs "[ $rc -eq 0 ] && grep -q present $T/out"
# sourced again after a failed check: the failure is kept
printf '. "%s"\ncheck one false\n. "%s"\nfinish\n' "$LIB" "$LIB" >"$T/s6.sh"
sh "$T/s6.sh" >/dev/null 2>&1; rc=$?
check second_source_keeps_failure "[ $rc -eq 1 ]"
# finish: 1 after a failure
printf '. "%s"\ncheck one false\ncheck two true\nfinish\n' "$LIB" >"$T/s4.sh"
sh "$T/s4.sh" >/dev/null 2>&1; rc=$?
check finish_after_failure_exits1 "[ $rc -eq 1 ]"
finish
