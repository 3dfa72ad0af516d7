#!/bin/sh
# Paths and outputs that cannot work fail before any work. An output that cannot be written: `edit -o /proc/x.mp4` (a directory that
# exists, where even root can create nothing) exits 1 with one line naming the output, before a
# project, a crop or an inversion exists. (The checks of the output run first; the loose proof of
# "within a second" is that nothing of the pipeline was started.)
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
CLIP=${FS_SHARED:-../shared}/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4
need_shared "$CLIP"
[ -d /proc/self ] || skip "no /proc on this system"
T=$(mktemp -d /tmp/fs_test_early_fail_XXXXXX)
trap 'rm -rf "$T"' EXIT
$B -q models init --tiny --out "$T/m" || { echo "FAIL models init"; exit 1; }

for out in /proc/x.mp4 /proc/frames/ "$T/missing_dir/x.mp4"; do
  n=$(echo "$out" | tr -c 'a-z0-9\n' _)
  $B edit "$CLIP" --models "$T/m" --edit age=-6 --project "$T/p$n" -o "$out" >"$T/out" 2>"$T/err"; rc=$?
  check "unwritable_${n}_exit1_one_line" "[ $rc -eq 1 ] && [ \$(wc -l <$T/err) -eq 1 ] && grep -q '$out\\|${out%/}' $T/err"
  check "unwritable_${n}_no_work_done" "[ ! -e $T/p$n ] && ! grep -q 'working in' $T/err"
done
# the same through invert --project then edit of that project: refused before the edit's work
$B edit "$CLIP" --models "$T/m" --edit age=-6 -o /proc/x.mp4 >"$T/out" 2>"$T/err"; rc=$?
check unwritable_tmp_project_not_made "[ $rc -eq 1 ] && ! grep -q 'working in' $T/err"
# a project path that leaves no room for its files (FS_PROJECT_DIR_MAX) is refused before anything is made
long="$T/$(printf '%03700d' 0 | tr 0 d)"
$B align "$CLIP" --project "$long" --max-frames 2 >/dev/null 2>"$T/err"; rc=$?
check project_path_too_long "[ $rc -eq 1 ] && [ \$(wc -l <$T/err) -eq 1 ] && grep -q 'project path too long' $T/err"
finish
