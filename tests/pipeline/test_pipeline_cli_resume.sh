#!/bin/sh
# `invert` killed with SIGKILL in the middle of PTI, then rerun, ends with the same tuned generator
# (bit-identical at the same thread count) as an uninterrupted run. `edit` killed in the middle of
# stitching, then rerun, reuses the stitched crops already written and gives the same video.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
S=${FS_SHARED:-../shared}
CLIP=$S/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4
need_shared "$CLIP"
T=$(mktemp -d /tmp/fs_test_resume_XXXXXX)
trap 'rm -rf "$T"' EXIT
$B -q models init --tiny --out "$T/m" || exit 1
ARGS="--models $T/m --pti-steps 40 --max-frames 4 --checkpoint-every 4"

$B -q --threads 2 invert "$CLIP" --project "$T/a" $ARGS || { echo "FAIL uninterrupted run"; exit 1; }

# start, wait for the first PTI checkpoint, kill -9
$B -q --threads 2 invert "$CLIP" --project "$T/b" $ARGS &
pid=$!
i=0
while [ ! -f "$T/b/checkpoint/state.json" ] && kill -0 $pid 2>/dev/null && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
sleep 0.2
kill -9 $pid 2>/dev/null; killed=$?
wait $pid 2>/dev/null
check killed_mid_pti "[ $killed -eq 0 ] && [ ! -f $T/b/generator.safetensors ]"
upd=$(grep '"updates"' "$T/b/checkpoint/state.json" | tr -dc 0-9)
echo "killed after checkpoint at update $upd of 160"
$B --threads 2 invert "$CLIP" --project "$T/b" $ARGS 2>"$T/log"; rc=$?
check rerun_exit0 "[ $rc -eq 0 ]"
check rerun_resumed "grep -q 'resuming from update' $T/log"
check same_generator "cmp -s $T/a/generator.safetensors $T/b/generator.safetensors"
check same_pivots "cmp -s $T/a/pivots.safetensors $T/b/pivots.safetensors"
# Ctrl-C (SIGINT) mid-PTI: a clean stop that saves a checkpoint, then the rerun finishes identically
$B --threads 2 invert "$CLIP" --project "$T/c" $ARGS 2>"$T/logc" &
pid=$!
i=0
while [ ! -f "$T/c/checkpoint/state.json" ] && kill -0 $pid 2>/dev/null && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
kill -INT $pid 2>/dev/null
wait $pid; rc=$?
check sigint_exit1 "[ $rc -eq 1 ] && grep -q 'interrupted at update' $T/logc && [ ! -f $T/c/generator.safetensors ]"
$B -q --threads 2 invert "$CLIP" --project "$T/c" $ARGS; rc=$?
check sigint_rerun_same_generator "[ $rc -eq 0 ] && cmp -s $T/a/generator.safetensors $T/c/generator.safetensors"

# edit killed with SIGKILL mid-stitching: the rerun reuses what was stitched, same output
cp -r "$T/a" "$T/e"
EARGS="--models $T/m --edit age=-6 --stitch-steps 400 --crf 0 --preset ultrafast"
$B -q --threads 2 edit --project "$T/a" $EARGS -o "$T/ea.mp4" || { echo "FAIL uninterrupted edit"; exit 1; }
$B -q --threads 2 edit --project "$T/e" $EARGS -o "$T/eb.mp4" &
pid=$!
i=0
while [ "$(ls "$T"/e/edits/*/t000 2>/dev/null | wc -l)" -lt 2 ] && kill -0 $pid 2>/dev/null && [ $i -lt 1200 ]; do
  sleep 0.05; i=$((i+1)); done
kill -9 $pid 2>/dev/null; killed=$?
wait $pid 2>/dev/null
done_crops=$(ls "$T"/e/edits/*/t000 2>/dev/null | wc -l)
echo "edit killed with $done_crops of 4 stitched crops written"
check edit_killed_mid_stitch "[ $killed -eq 0 ] && [ $done_crops -ge 2 ] && [ $done_crops -lt 4 ] && [ ! -e $T/eb.mp4 ]"
$B --threads 2 edit --project "$T/e" $EARGS -o "$T/eb.mp4" 2>"$T/loge"; rc=$?
check edit_rerun_reused "[ $rc -eq 0 ] && grep -q \"edit: $done_crops stitched crop(s) reused\" $T/loge"
check edit_rerun_same_video "cmp -s $T/ea.mp4 $T/eb.mp4"
# other stitching options: other crops (a new key), nothing reused
$B --threads 2 edit --project "$T/e" $EARGS --stitch-steps 3 -o "$T/ec.mp4" 2>"$T/loge2"; rc=$?
check edit_other_options_not_reused "[ $rc -eq 0 ] && ! grep -q 'reused' $T/loge2 && [ \$(ls -d $T/e/edits/* | wc -l) -eq 2 ]"

# the one-command edit (temporary project) interrupted with Ctrl-C keeps its work and says how to
# resume; resumed with --project it gives the video an uninterrupted run gives
OARGS="--models $T/m --edit age=-6 --pti-steps 40 --max-frames 4 --stitch-steps 5 --crf 0 --preset ultrafast"
$B -q --threads 2 edit "$CLIP" $OARGS -o "$T/oa.mp4" || { echo "FAIL uninterrupted one-command edit"; exit 1; }
mkdir "$T/tmp"
TMPDIR="$T/tmp" $B --threads 2 edit "$CLIP" $OARGS -o "$T/ob.mp4" 2>"$T/logo" &
pid=$!
i=0
while [ -z "$(ls "$T"/tmp/*/pivots.safetensors 2>/dev/null)" ] && kill -0 $pid 2>/dev/null && [ $i -lt 1200 ]; do
  sleep 0.05; i=$((i+1)); done
sleep 0.2
kill -INT $pid 2>/dev/null
wait $pid; rc=$?
P=$(ls -d "$T"/tmp/facestitch-* 2>/dev/null | head -1)
check oneshot_sigint_keeps_work "[ $rc -eq 1 ] && [ -n '$P' ] && grep -q -- '--project $P' $T/logo && [ ! -e $T/ob.mp4 ]"
$B -q --threads 2 edit "$CLIP" $OARGS --project "$P" -o "$T/ob.mp4"; rc=$?
check oneshot_resumed_same_video "[ $rc -eq 0 ] && cmp -s $T/oa.mp4 $T/ob.mp4"
# uninterrupted one-command runs leave nothing behind
TMPDIR="$T/tmp" $B -q --threads 2 edit "$CLIP" $OARGS -o "$T/oc.mp4"; rc=$?
check oneshot_cleans_up "[ $rc -eq 0 ] && [ \$(ls $T/tmp | wc -l) -eq 1 ]"

# a finished project: nothing to do
$B --threads 2 invert "$CLIP" --project "$T/b" $ARGS 2>"$T/log2"; rc=$?
check rerun_done_noop "[ $rc -eq 0 ] && grep -q 'already done' $T/log2"
exit $fail
