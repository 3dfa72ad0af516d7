#!/bin/sh
# facestitch metrics from the command line: a clip against itself (--json keys and values, text
# table), usage errors (exit 2), broken / missing / mismatched videos (exit 1, one line naming the file).
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
S=${FS_SHARED:-../shared}
M=$S/media
CLIP=$M/th_intel_headpose_male_480x270.mp4
need_shared "$CLIP"
T=$(mktemp -d /tmp/fs_test_metrics_cli_XXXXXX)
trap 'rm -rf "$T"' EXIT

# help and usage
$B metrics --help >"$T/help"; rc=$?
check help "[ $rc -eq 0 ] && grep -q 'Usage: facestitch metrics ORIGINAL EDITED' $T/help && grep -q -- '--max-frames' $T/help && grep -q -- '--track-chunk N' $T/help && grep -q background_psnr_db $T/help"
$B metrics 2>"$T/err"; rc=$?
check no_args_exit2 "[ $rc -eq 2 ] && grep -q 'ORIGINAL and EDITED' $T/err"
$B metrics "$CLIP" 2>/dev/null; rc=$?
check one_arg_exit2 "[ $rc -eq 2 ]"
$B metrics "$CLIP" "$CLIP" "$CLIP" 2>/dev/null; rc=$?
check three_args_exit2 "[ $rc -eq 2 ]"
$B metrics "$CLIP" "$CLIP" --max-frames 0 2>/dev/null; rc=$?
check bad_max_frames_exit2 "[ $rc -eq 2 ]"
$B metrics "$CLIP" "$CLIP" --max-frames 2x 2>/dev/null; rc=$?
check bad_max_frames2_exit2 "[ $rc -eq 2 ]"
$B metrics "$CLIP" "$CLIP" --face-margin -1 2>/dev/null; rc=$?
check bad_margin_exit2 "[ $rc -eq 2 ]"
$B metrics "$CLIP" "$CLIP" --track-chunk -1 2>"$T/err"; rc=$?
check bad_track_chunk_exit2 "[ $rc -eq 2 ] && grep -q -- '--track-chunk' $T/err"
$B metrics "$CLIP" "$CLIP" --bogus 2>/dev/null; rc=$?
check unknown_option_exit2 "[ $rc -eq 2 ]"

# the clip against itself (both tracked in chunks of 2 frames: the same tracks, shift 0)
$B -q metrics "$CLIP" "$CLIP" --json --max-frames 6 --track-chunk 2 --csv "$T/self.csv" >"$T/self.json" 2>"$T/err"; rc=$?
check self_exit0 "[ $rc -eq 0 ] && [ ! -s $T/err ]"
check self_frames "[ \"$(key frames $T/self.json)\" = 6 ] && [ \"$(key width $T/self.json)\" = 480 ] && [ \"$(key height $T/self.json)\" = 270 ]"
check self_bg_inf "[ \"$(key background_psnr_db $T/self.json)\" = 999.0 ] && [ \"$(key background_psnr_min_db $T/self.json)\" = 999.0 ] && [ \"$(key background_max_abs_diff $T/self.json)\" = 0 ]"
check self_flicker_ratio1 "[ \"$(key flicker_ratio $T/self.json)\" = 1 ] && [ \"$(key flicker_pairs $T/self.json)\" = 5 ]"
check self_jitter_ratio1 "[ \"$(key landmark_jitter_ratio $T/self.json)\" = 1 ] && [ \"$(key landmark_shift $T/self.json)\" = 0 ]"
check self_faces "[ \"$(key faces_tracked_frames $T/self.json)\" = 6 ] && [ \"$(key tracks_matched $T/self.json)\" = 1 ]"
# null without a face-embedding model; with the face-api networks installed, a clip against itself gives 1
check self_id_null_or_1 "{ [ \"$(key tl_id $T/self.json)\" = null ] && [ \"$(key tg_id $T/self.json)\" = null ]; } || { [ \"$(key tl_id $T/self.json)\" = 1 ] && [ \"$(key tg_id $T/self.json)\" = 1 ]; }"
check self_fraction "num '$(key background_pixels_fraction $T/self.json)' '>' 0.5 && num '$(key background_pixels_fraction $T/self.json)' '<' 1"
check self_json_shape "[ \"$(head -c 1 $T/self.json)\" = '{' ] && [ \"$(tail -n 1 $T/self.json)\" = '}' ]"
check self_csv "[ \$(wc -l < $T/self.csv) -eq 7 ] && head -n 1 $T/self.csv | grep -q '^frame,faces,background_psnr_db,' && grep -q '^0,1,inf,inf,inf,inf,,\$' $T/self.csv && [ \$(awk -F, 'NR>2 && \$7 != \"\" && \$7 == \$8' $T/self.csv | wc -l) -eq 5 ]"
$B -q metrics "$CLIP" "$M/broken_text_file.mp4" --csv "$T/bad.csv" 2>/dev/null; rc=$?
check csv_not_left_on_error "[ $rc -eq 1 ] && [ -z \"\$(ls $T | grep bad.csv)\" ]"
$B -q metrics "$CLIP" "$CLIP" --max-frames 2 --csv /nonexistent_dir_fs/x.csv >/dev/null 2>"$T/err"; rc=$?
check csv_unwritable_exit1 "[ $rc -eq 1 ] && grep -q nonexistent_dir_fs $T/err"

# two faces, text table: each track matched to itself
TWO=$M/multi_intel_headpose_two_people_480x270.mp4
$B -q metrics "$TWO" "$TWO" --max-frames 4 >"$T/two.txt" 2>/dev/null; rc=$?
check two_faces_text "[ $rc -eq 0 ] && grep -q 'background (outside crop quads) *inf' $T/two.txt && grep -Eq 'n/a: needs a face-embedding model|identity TL-ID / TG-ID +1.0000 / 1.0000' $T/two.txt && grep -q '2 of 2 tracks matched' $T/two.txt && [ \$(grep -c 'track [01] (edited [01]).* 1.000 *shift 0.0000' $T/two.txt) -eq 2 ]"

# no face at all: background = every pixel, face metrics not defined (null)
NOFACE=$M/nonface_bottles_hand_640x360.mp4
$B -q metrics "$NOFACE" "$NOFACE" --json --max-frames 3 >"$T/nf.json" 2>/dev/null; rc=$?
check noface_exit0 "[ $rc -eq 0 ] && [ \"$(key faces_tracked_frames $T/nf.json)\" = 0 ] && [ \"$(key background_pixels_fraction $T/nf.json)\" = 1 ]"
check noface_nulls "[ \"$(key flicker_ratio $T/nf.json)\" = null ] && [ \"$(key landmark_shift $T/nf.json)\" = null ] && [ \"$(key face_psnr_db $T/nf.json)\" = null ] && grep -q '\"tracks\": \[\]' $T/nf.json"

# broken or missing files: exit 1, one line on stderr naming the file, nothing on stdout
for f in "$M"/broken_*; do
  n=$(basename "$f")
  $B metrics "$f" "$CLIP" --max-frames 4 >"$T/out" 2>"$T/err"; rc=$?
  check "broken_original_$n" "[ $rc -eq 1 ] && [ \$(wc -l < $T/err) -eq 1 ] && grep -q '$n' $T/err && [ ! -s $T/out ]"
  $B metrics "$CLIP" "$f" --max-frames 4 >"$T/out" 2>"$T/err"; rc=$?
  check "broken_edited_$n" "[ $rc -eq 1 ] && [ \$(wc -l < $T/err) -eq 1 ] && grep -q '$n' $T/err && [ ! -s $T/out ]"
done
$B metrics "$CLIP" "$T/missing.mp4" 2>"$T/err"; rc=$?
check missing_exit1 "[ $rc -eq 1 ] && [ \$(wc -l < $T/err) -eq 1 ] && grep -q missing.mp4 $T/err"

# mismatched videos: frame counts (62 vs 23), sizes
OTHER=$M/th_intel_headpose_female_480x270.mp4
$B metrics "$CLIP" "$OTHER" >"$T/out" 2>"$T/err"; rc=$?
check frames_mismatch_exit1 "[ $rc -eq 1 ] && [ \$(wc -l < $T/err) -eq 1 ] && grep -q 'female_480x270.mp4: has 23 frames' $T/err && grep -q 'male_480x270.mp4 has 62' $T/err && [ ! -s $T/out ]"
$B -q metrics "$CLIP" "$OTHER" --max-frames 4 --json >"$T/o.json"; rc=$?
check other_first_frames_exit0 "[ $rc -eq 0 ] && [ \"$(key frames $T/o.json)\" = 4 ] && num '$(key background_psnr_db $T/o.json)' '<' 40"
$B metrics "$CLIP" "$M/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4" 2>"$T/err"; rc=$?
check size_mismatch_exit1 "[ $rc -eq 1 ] && [ \$(wc -l < $T/err) -eq 1 ] && grep -q '512x600' $T/err && grep -q '480x270' $T/err"
exit $fail
