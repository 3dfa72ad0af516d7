#!/bin/sh
# `mpirun -np 2 facestitch align`: rank 0 tracks (pass 1), the ranks cut the crops of their frame
# ranges (pass 2); the project (manifest.json, tracks.json, every crop) is byte-identical to the
# one a single process makes. A rerun with 2 ranks after crops were deleted cuts only those.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
S=${FS_SHARED:-../shared}
CLIP=$S/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4
need_shared "$CLIP"
NAME=dist_align
. "$(dirname "$0")/mpi_common.sh"
AARGS="--size 64 --max-frames 12"
$B -q --threads 1 align "$CLIP" --project "$T/a" $AARGS || { echo "FAIL 1-process align"; exit 1; }
mpi -np 2 --oversubscribe $B -q --threads 1 align "$CLIP" --project "$T/b" $AARGS 2>"$T/logb"; rc=$?
check two_ranks_exit0 "[ $rc -eq 0 ]"
check crops_cut "[ \$(ls $T/a/crops/t000 | wc -l) -eq 12 ]"
check two_ranks_identical "diff -r $T/a $T/b"
rm -f "$T/b/crops/t000/000002.png" "$T/b/crops/t000/000009.png"
mpi -np 2 --oversubscribe $B -q --threads 1 align "$CLIP" --project "$T/b" $AARGS 2>>"$T/logb"; rc=$?
check rerun_cuts_missing "[ $rc -eq 0 ] && diff -r $T/a $T/b"
[ $fail -eq 0 ] || cat "$T/logb"
finish
