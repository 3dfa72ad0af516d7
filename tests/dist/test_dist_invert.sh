#!/bin/sh
# `mpirun -np 2 facestitch invert` (tiny models, 6 frames, global batch 4): pivots computed half by
# each rank equal one process's (bit for bit); data-parallel PTI gives a generator within 1e-5 of one
# process's with the same global batch; with batch 1 (rank 0 alone) the same bits; one rank killed with SIGKILL after a PTI checkpoint, then a
# rerun with 1 process resumes from it and ends within 1e-5 of the uninterrupted run.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
S=${FS_SHARED:-../shared}
CLIP=$S/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4
DIFF=${FS_BUILD:?}/tests/dist/st_maxdiff
need_shared "$CLIP"
NAME=dist_invert
. "$(dirname "$0")/mpi_common.sh"
$B -q models init --tiny --out "$T/m" || exit 1
ARGS="--models $T/m --pti-steps 10 --batch 4 --max-frames 6 --checkpoint-every 4"

$B -q --threads 1 invert "$CLIP" --project "$T/a" $ARGS || { echo "FAIL 1-process invert"; exit 1; }
mpi -np 2 --oversubscribe $B --threads 1 invert "$CLIP" --project "$T/b" $ARGS 2>"$T/logb"; rc=$?
check two_ranks_exit0 "[ $rc -eq 0 ] && [ \$(grep -c 'invert: done' $T/logb) -eq 1 ]"
check two_ranks_same_tracks "cmp -s $T/a/tracks.json $T/b/tracks.json"
check two_ranks_same_pivots "$DIFF $T/a/pivots.safetensors $T/b/pivots.safetensors 0"
check two_ranks_generator_1e-5 "$DIFF $T/a/generator.safetensors $T/b/generator.safetensors 1e-5"

# STIT's batch 1 cannot be split: rank 0 tunes alone and the others receive its generator
$B -q --threads 1 invert --project "$T/a1" "$CLIP" $ARGS --batch 1 || { echo "FAIL 1-process invert, batch 1"; exit 1; }
mpi -np 2 --oversubscribe $B -q --threads 1 invert "$CLIP" --project "$T/b1" $ARGS --batch 1; rc=$?
check batch1_two_ranks_same_generator "[ $rc -eq 0 ] && $DIFF $T/a1/generator.safetensors $T/b1/generator.safetensors 0"

# kill -9 one rank after the first checkpoint (update 4 of 20), resume with one process
mpi -np 2 --oversubscribe $B -q --threads 1 invert "$CLIP" --project "$T/c" $ARGS 2>/dev/null &
mpid=$!
i=0
while [ ! -f "$T/c/checkpoint/state.json" ] && kill -0 $mpid 2>/dev/null && [ $i -lt 2400 ]; do sleep 0.05; i=$((i+1)); done
kill_one_rank $mpid; killed=$?
wait $mpid; rc=$?
check ranks_gone_within_60s ranks_gone
check killed_mid_pti "[ $killed -eq 0 ] && [ $rc -ne 0 ] && [ ! -f $T/c/generator.safetensors ]"
$B --threads 1 invert "$CLIP" --project "$T/c" $ARGS 2>"$T/logc"; rc=$?
check resumed_with_one_process "[ $rc -eq 0 ] && grep -q 'resuming from update' $T/logc"
check resumed_generator_1e-5 "$DIFF $T/a/generator.safetensors $T/c/generator.safetensors 1e-5"
[ $fail -eq 0 ] || { echo "--- 2-rank log"; cat "$T/logb"; }
finish
