#!/bin/sh
# End to end with the tiny model set: invert + edit + composite on a real clip; the output keeps
# frame count, fps and audio; --project reuse; clear errors for broken inputs and missing models.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
S=${FS_SHARED:-../shared}
CLIP=$S/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4
need_shared "$CLIP"
command -v ffprobe >/dev/null || skip "ffprobe (Debian ffmpeg) not installed"
T=$(mktemp -d /tmp/fs_test_edit_XXXXXX)
trap 'rm -rf "$T"' EXIT

$B -q models init --tiny --out "$T/m" || { echo "FAIL models init"; exit 1; }
check tiny_set "[ -f $T/m/generator.safetensors ] && [ -f $T/m/encoder.safetensors ] && [ -f $T/m/lpips.safetensors ] && [ -f $T/m/parser.safetensors ] && [ -f $T/m/directions/age.npy ] && [ -f $T/m/directions/smile.npy ]"

# one command: video in, edited video out
$B --threads 2 edit "$CLIP" --models "$T/m" --edit age=-6 -o "$T/out.mp4" --pti-steps 2 --max-frames 8 \
   --stitch-steps 10 --preview "$T/sheet.png" 2>"$T/log"; rc=$?
check edit_exit0 "[ $rc -eq 0 ]"
[ $rc -eq 0 ] || cat "$T/log"
check edit_frames "[ \"$(probe "$T/out.mp4" v:0 stream=nb_frames)\" = 8 ]"
check edit_fps "[ \"$(probe "$T/out.mp4" v:0 stream=r_frame_rate)\" = \"$(probe "$CLIP" v:0 stream=r_frame_rate)\" ]"
check edit_size "[ \"$(probe "$T/out.mp4" v:0 stream=width)\" = \"$(probe "$CLIP" v:0 stream=width)\" ]"
ad=$(probe "$T/out.mp4" a:0 stream=duration)
check edit_audio_present "[ -n \"$ad\" ]"
# audio within one frame (0.04 s) of the 8 video frames (0.32 s), allowing one audio packet more
check edit_audio_duration "num '$ad' '>' 0.25 && num '$ad' '<' 0.39"
check edit_preview "[ -s $T/sheet.png ]"
check edit_reports_stitching "grep -q 'stitching lowered the mean border loss' $T/log"
check edit_no_tmp_left "[ -z \"$(ls $T | grep -e '\\.tmp')\" ]"

# heavy part once, then cheap edits on the project
$B -q --threads 2 invert "$CLIP" --project "$T/p" --models "$T/m" --pti-steps 1 --max-frames 6; rc=$?
check invert_exit0 "[ $rc -eq 0 ]"
check invert_files "[ -f $T/p/manifest.json ] && [ -f $T/p/pivots.safetensors ] && [ -f $T/p/generator.safetensors ]"
check invert_stages "grep -q '\"pti\":[[:space:]]*\"done\"' $T/p/manifest.json"
$B -q --threads 2 edit --project "$T/p" --models "$T/m" --edit "smile=0@f0,2@f5" -o "$T/smile.mp4" --no-stitch; rc=$?
check edit_project_exit0 "[ $rc -eq 0 ] && [ \"$(probe "$T/smile.mp4" v:0 stream=nb_frames)\" = 6 ]"
$B -q edit --project "$T/p" --models "$T/m" --edit age=2,smile=-1 -o "$T/two.mkv" --no-stitch --face largest; rc=$?
check edit_two_directions "[ $rc -eq 0 ] && [ -s $T/two.mkv ]"

# frames tuned side by side give the same pixels whatever the batch size (PNG frames out;
# 6 frames: batches 2+2+2 vs 5+1)
$B -q --threads 2 edit --project "$T/p" --models "$T/m" --edit age=-4 -o "$T/b2/" --stitch-steps 4 --stitch-batch 2; rc2=$?
rm -rf "$T/p/edits" # the same edit would reuse the stitched crops of the first run
$B -q --threads 2 edit --project "$T/p" --models "$T/m" --edit age=-4 -o "$T/b3/" --stitch-steps 4 --stitch-batch 5; rc3=$?
check stitch_batch_runs "[ $rc2 -eq 0 ] && [ $rc3 -eq 0 ] && [ \$(ls $T/b2 | wc -l) -eq 6 ]"
same=1
for f in $(ls "$T/b2"); do cmp -s "$T/b2/$f" "$T/b3/$f" || same=0; done
check stitch_batch_same_pixels "[ $same -eq 1 ]"

# a video without faces is not an error: the output is a copy (same frames)
NOFACE=$S/media/nonface_bottles_hand_640x360.mp4
if have_shared "$NOFACE"; then
  $B -q edit "$NOFACE" --models "$T/m" --edit age=-6 -o "$T/noface.mp4" --pti-steps 1 --max-frames 5 2>/dev/null; rc=$?
  check noface_copy "[ $rc -eq 0 ] && [ \"\$(probe $T/noface.mp4 v:0 stream=nb_frames)\" = 5 ]"
fi

# a project aligned first with its own smoothing (STIT's animation recipe: --center-sigma 0) is
# inverted and edited with that alignment, not refused
$B -q align "$CLIP" --project "$T/anim" --size 64 --max-frames 4 --center-sigma 0 && \
  $B -q --threads 2 edit "$CLIP" --project "$T/anim" --models "$T/m" --edit age=-4 --max-frames 4 --pti-steps 1 \
     --stitch-steps 2 -o "$T/anim.mp4" 2>"$T/err"; rc=$?
check aligned_project_keeps_smoothing "[ $rc -eq 0 ] && grep -q '\"center_sigma\":[[:space:]]*0,' $T/anim/manifest.json && [ -s $T/anim.mp4 ]"
$B -q align "$CLIP" --project "$T/al" --size 64 --max-frames 3 && $B -q invert --project "$T/al" --models "$T/m" --pti-steps 1; rc=$?
check invert_aligned_project_without_video "[ $rc -eq 0 ] && grep -q '\"pti\":[[:space:]]*\"done\"' $T/al/manifest.json"
$B invert --project "$T/nothing" --models "$T/m" 2>/dev/null; rc=$?
check invert_no_video_no_project_exit2 "[ $rc -eq 2 ] && [ ! -e $T/nothing ]"

# --range: faces are found and edited only inside the window; every other frame is the input's
$B -q --threads 2 edit "$CLIP" --models "$T/m" --edit age=-6 --max-frames 8 --range f2:f6 --pti-steps 1 \
   --stitch-steps 2 --crf 0 --project "$T/rng" -o "$T/rng.mp4"; rc=$?
$B -q metrics "$CLIP" "$T/rng.mp4" --max-frames 8 --csv "$T/rng.csv" >/dev/null; rc2=$?
outside=$(awk -F, 'NR>1 && ($1<2 || $1>=6) && $6=="inf"' "$T/rng.csv" | wc -l)
inside=$(awk -F, 'NR>1 && $1>=2 && $1<6 && $6!="inf"' "$T/rng.csv" | wc -l)
check range_only_window_edited "[ $rc -eq 0 ] && [ $rc2 -eq 0 ] && [ $outside -eq 4 ] && [ $inside -ge 1 ] && grep -q '\"range\":[[:space:]]*\"f2:f6\"' $T/rng/manifest.json"
$B edit "$CLIP" --models "$T/m" --edit age=-6 --range 5:7 -o "$T/bad.mp4" 2>/dev/null; rc=$?
check range_bad_syntax_exit2 "[ $rc -eq 2 ] && [ ! -e $T/bad.mp4 ]"

# --face: PTI tunes on the edited face only (as STIT); another face of that project is refused (Haar: it
# finds both faces in the first 4 frames, where the SSD scores the turned face below its threshold)
TWO=$S/media/multi_intel_headpose_two_people_480x270.mp4
$B --threads 2 edit "$TWO" --models "$T/m" --detector haar --edit age=-6 --face 0 --max-frames 4 --pti-steps 2 --stitch-steps 2 \
   --project "$T/two" -o "$T/two.mp4" 2>"$T/log2"; rc=$?
ntr=$(grep -o '"id":' "$T/two/tracks.json" | wc -l)
check face_pti_only_selected "[ $rc -eq 0 ] && [ $ntr -ge 2 ] && grep -q 'PTI on 4 of 8 face crops' $T/log2 && grep -q '\"tracks\":[[:space:]]*\[0\]' $T/two/manifest.json"
$B edit --project "$T/two" --models "$T/m" --edit age=-6 --face 1 -o "$T/bad.mp4" 2>"$T/err"; rc=$?
check face_not_in_pti_refused "[ $rc -eq 1 ] && grep -q 'face 1 was left out' $T/err && [ ! -e $T/bad.mp4 ]"

# errors: one line, exit 1 (input) or 2 (usage), no output file left
$B edit "$S/media/broken_text_file.mp4" --models "$T/m" --edit age=-6 -o "$T/bad.mp4" 2>"$T/err"; rc=$?
check broken_exit1 "[ $rc -eq 1 ] && [ \$(wc -l < $T/err) -eq 1 ] && grep -q broken_text_file $T/err && [ ! -e $T/bad.mp4 ]"
$B edit --project "$T/p" --models "$T/m" --edit nosuchdir=3 -o "$T/bad.mp4" 2>"$T/err"; rc=$?
check missing_direction_exit1 "[ $rc -eq 1 ] && grep -q nosuchdir $T/err && [ ! -e $T/bad.mp4 ]"
# a misspelt edit fails before any inversion work: one line, no project, no temporary dir
mkdir "$T/tmpd"
TMPDIR="$T/tmpd" $B edit "$CLIP" --models "$T/m" --edit age=-2,nosuchdir=3 -o "$T/bad.mp4" 2>"$T/err"; rc=$?
check missing_direction_before_inversion "[ $rc -eq 1 ] && [ \$(wc -l < $T/err) -eq 1 ] && [ -z \"\$(ls $T/tmpd)\" ]"
$B edit "$CLIP" --models "$T/m" --edit nosuchdir=3 --project "$T/np" -o "$T/bad.mp4" 2>"$T/err"; rc=$?
check missing_direction_no_project "[ $rc -eq 1 ] && [ ! -e $T/np ] && [ ! -e $T/bad.mp4 ]"
for o in "$T/nonexistent_dir/x.mp4" "$T/x.xyz" "$T/m/"; do
  TMPDIR="$T/tmpd" $B edit "$CLIP" --models "$T/m" --edit age=-2 -o "$o" 2>"$T/err"; rc=$?
  check "bad_output_before_inversion_$(basename "$o")" "[ $rc -eq 1 ] && [ \$(wc -l < $T/err) -eq 1 ] && [ -z \"\$(ls $T/tmpd)\" ]"
done
$B edit "$CLIP" --models "$T/nomodels" --edit age=-6 -o "$T/bad.mp4" 2>"$T/err"; rc=$?
check missing_models_exit1 "[ $rc -eq 1 ] && grep -q nomodels $T/err"
$B edit "$CLIP" --models "$T/m" --edit age -o "$T/bad.mp4" 2>/dev/null; rc=$?
check bad_edit_exit2 "[ $rc -eq 2 ]"
$B edit "$CLIP" --models "$T/m" --edit age=-6 --stitch-lr 5 -o "$T/bad.mp4" 2>/dev/null; rc=$?
check bad_stitch_lr_exit2 "[ $rc -eq 2 ] && [ ! -e $T/bad.mp4 ]"
$B edit "$CLIP" --models "$T/m" --edit age=-6 --face 1x -o "$T/bad.mp4" 2>/dev/null; rc=$?
check bad_face_exit2 "[ $rc -eq 2 ] && [ ! -e $T/bad.mp4 ]"
$B edit "$CLIP" --models "$T/m" --edit age=1 2>/dev/null; rc=$?
check no_output_exit2 "[ $rc -eq 2 ]"
$B edit --project "$T/p" --models "$T/m" --edit age=1 -o /nonexistent_dir_fs/x.mp4 2>"$T/err"; rc=$?
check unwritable_exit1 "[ $rc -eq 1 ] && grep -q nonexistent_dir_fs $T/err"
exit $fail
