#!/bin/sh
# `mpirun -np 2 facestitch align` with pass 1 split: the tracking chunks (--track-chunk 10 and 15) are dealt
# to the ranks, rank 0 joins the tracklets; the project (manifest, tracklets, tracks.json, crops) is
# byte-identical to one process's, on a one-face and a two-face clip. A face crossing chunk
# boundaries stays one track (the tracks match one sequential pass, --track-chunk 0, track for track).
# Resume: with tracks.json and one chunk file deleted, a rerun tracks that chunk only and ends with
# the same project.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
S=${FS_SHARED:-../shared}
need_shared "$S/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4"
NAME=dist_track
. "$(dirname "$0")/mpi_common.sh"
CMP=${FS_BUILD:?}/tests/dist/tracks_compare
ONE=$S/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4
TWO=$S/media/multi_intel_headpose_two_people_480x270.mp4
AARGS="--size 64 --max-frames 30 --detector haar"
# chunks of 10 frames (3 chunks, rank 0 tracks two) for the single face; of 15 for the two rolling heads
# (Haar finds them only in the first frames, followed by tracking; a warm-up of 15 frames reaches them)
K_ONE=10 K_TWO=15 N_ONE=3 N_TWO=2
for clip in ONE TWO; do
  eval v=\$$clip k=\$K_$clip nc=\$N_$clip
  $B -q --threads 1 align "$v" --project "$T/$clip.1" $AARGS --track-chunk $k || { echo "FAIL 1-process align of $v"; exit 1; }
  mpi -np 2 --oversubscribe $B -q --threads 1 align "$v" --project "$T/$clip.2" $AARGS --track-chunk $k 2>>"$T/log"; rc=$?
  check "${clip}_two_ranks_exit0" "[ $rc -eq 0 ]"
  check "${clip}_${nc}_chunks" "[ \$(ls $T/$clip.2/tracklets | wc -l) -eq $nc ]"
  check "${clip}_two_ranks_identical" "diff -r $T/$clip.1 $T/$clip.2"
done
# one track per face across the chunk boundaries, as one sequential pass finds
$B -q --threads 1 faces "$ONE" --max-frames 30 --track-chunk 0 --detector haar --json "$T/one_seq.json"
check one_face_one_track "[ \$(grep -o '\"id\":' $T/ONE.1/tracks.json | wc -l) -eq 1 ]"
check one_face_as_sequential "$CMP $T/one_seq.json $T/ONE.1/tracks.json 0.1"
# `faces` (chunks read back in memory) makes the tracks `align` stores
$B -q --threads 1 faces "$ONE" --max-frames 30 --track-chunk 10 --detector haar --json "$T/one_k10.json"
check faces_as_align "$CMP $T/one_k10.json $T/ONE.1/tracks.json 0"
$B -q --threads 1 faces "$TWO" --max-frames 30 --track-chunk 0 --detector haar --json "$T/two_seq.json"
check two_faces_as_sequential "$CMP $T/two_seq.json $T/TWO.1/tracks.json 0.1"
# resume: chunk 1 and tracks.json gone (a pass 1 killed midway); the others are not tracked again
rm -f "$T/TWO.2/tracks.json" "$T/TWO.2/tracklets/c000001.json"
touch "$T/mark"
sleep 1
mpi -np 2 --oversubscribe $B -q --threads 1 align "$TWO" --project "$T/TWO.2" $AARGS --track-chunk 15 2>>"$T/log"; rc=$?
check resume_exit0 "[ $rc -eq 0 ]"
check resume_tracks_only_missing_chunk "[ \"\$(find $T/TWO.2/tracklets -newer $T/mark -name '*.json')\" = $T/TWO.2/tracklets/c000001.json ]"
check resume_identical "diff -r $T/TWO.1 $T/TWO.2"
[ $fail -eq 0 ] || cat "$T/log"
finish
