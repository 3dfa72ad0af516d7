#!/bin/sh
# `mpirun -np 2 facestitch edit --project DIR` (tiny models, 6 frames): the ranks share the stitching
# and the video's frames equal the 1-process video's (decoded frames bit-identical: PSNR inf);
# one rank killed with SIGKILL mid-stitching, then a rerun with 1 process: the same video, reusing
# the crops written; a damaged crop in one rank's share, and a job that cannot run, end every rank
# with one line each.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
S=${FS_SHARED:-../shared}
CLIP=$S/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4
need_shared "$CLIP"
command -v ffmpeg >/dev/null || skip "ffmpeg not found"
NAME=dist_edit
. "$(dirname "$0")/mpi_common.sh"
# the decoded frames (the encoder's header names its thread count, so files may differ)
frames() { ffmpeg -v error -i "$1" -map 0:v -f framemd5 - | grep -v '^#'; }
same_frames() { [ -s "$1" ] && [ -s "$2" ] && [ "$(frames "$1")" = "$(frames "$2")" ]; }
crops() { ls "$1"/edits/*/t000/*.png 2>/dev/null | wc -l; }

$B -q models init --tiny --out "$T/m" || exit 1
$B -q --threads 2 invert "$CLIP" --project "$T/a" --models "$T/m" --pti-steps 20 --max-frames 6 || { echo "FAIL invert"; exit 1; }
cp -r "$T/a" "$T/b" && cp -r "$T/a" "$T/c" && cp -r "$T/a" "$T/d"
EARGS="--models $T/m --edit age=-6 --stitch-steps 60 --crf 0 --preset ultrafast"
$B -q --threads 2 edit --project "$T/a" $EARGS -o "$T/ea.mp4" || { echo "FAIL 1-process edit"; exit 1; }

mpi -np 2 --oversubscribe $B --threads 1 edit --project "$T/b" $EARGS -o "$T/eb.mp4" 2>"$T/logb"; rc=$?
check two_ranks_exit0 "[ $rc -eq 0 ]"
check two_ranks_shared "grep -q 'stitch (2 ranks; rank 0 does 3 of 6 frames)' $T/logb && [ \$(grep -c 'wrote' $T/logb) -eq 1 ]"
check two_ranks_same_frames "same_frames $T/ea.mp4 $T/eb.mp4"

# kill -9 one rank once the first crop is written; mpirun ends the other
mpi -np 2 --oversubscribe $B -q --threads 1 edit --project "$T/c" $EARGS -o "$T/ec.mp4" 2>/dev/null &
mpid=$!
i=0
while [ "$(crops "$T/c")" -lt 1 ] && kill -0 $mpid 2>/dev/null && [ $i -lt 2400 ]; do sleep 0.05; i=$((i+1)); done
kill_one_rank $mpid; killed=$?
wait $mpid; rc=$?
check ranks_gone_within_60s ranks_gone
n=$(crops "$T/c")
echo "one rank killed with $n of 6 stitched crops written"
check killed_mid_stitch "[ $killed -eq 0 ] && [ $rc -ne 0 ] && [ $n -ge 1 ] && [ $n -lt 6 ] && [ ! -e $T/ec.mp4 ]"
$B --threads 2 edit --project "$T/c" $EARGS -o "$T/ec.mp4" 2>"$T/logc"; rc=$?
check rerun_one_process_reused "[ $rc -eq 0 ] && grep -q \"edit: $n stitched crop(s) reused\" $T/logc"
check rerun_same_frames "same_frames $T/ea.mp4 $T/ec.mp4"

# a damaged crop in rank 1's share (frames 3-5): every rank stops with one line, no video
printf 'not a png' > "$T/d/crops/t000/000005.png"
mpi -np 2 --oversubscribe $B -q --threads 1 edit --project "$T/d" $EARGS -o "$T/ed.mp4" 2>"$T/logf"; rc=$?
check rank_failure_one_line_each "[ $rc -ne 0 ] && [ ! -e $T/ed.mp4 ] && grep -q '^facestitch: rank 1 of 2: .*000005.png' $T/logf &&
  grep -q '^facestitch: rank 0 of 2: rank 1 failed: .*000005.png' $T/logf && [ \$(grep -c '^facestitch:' $T/logf) -eq 2 ]"

# a job that cannot run: one line on every rank, exit status 1
mpi -np 2 --oversubscribe $B -q edit "$CLIP" $EARGS -o "$T/ee.mp4" 2>"$T/logd"; rc=$?
check fails_on_every_rank "[ $rc -ne 0 ] && grep -q 'rank 0 of 2: several ranks work in one project' $T/logd &&
  grep -q 'rank 1 of 2: rank 0 failed: several ranks' $T/logd && [ ! -e $T/ee.mp4 ]"
[ $fail -eq 0 ] || { echo "--- 2-rank log"; cat "$T/logb"; echo "--- 1-process rerun log"; cat "$T/logc"; echo "--- failure logs"; cat "$T/logf" "$T/logd"; }
finish
