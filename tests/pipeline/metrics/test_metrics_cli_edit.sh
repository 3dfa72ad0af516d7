#!/bin/sh
# End to end: `facestitch edit` (tiny models, lossless output, first 6 frames) then `facestitch metrics`:
# the background outside the crop quads must be bit-identical, the face must have changed, and a
# comparison with the whole original is refused with a hint to use --max-frames.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
S=${FS_SHARED:-../shared}
CLIP=$S/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4
need_shared "$CLIP"
T=$(mktemp -d /tmp/fs_test_metrics_edit_XXXXXX)
trap 'rm -rf "$T"' EXIT

$B -q models init --tiny --out "$T/m" || { echo "FAIL models init"; exit 1; }
$B -q --threads 2 edit "$CLIP" --models "$T/m" --project "$T/p" --edit age=-6 -o "$T/out.mp4" --pti-steps 1 \
   --max-frames 6 --stitch-steps 5 --crf 0 2>"$T/log"; rc=$?
check edit_exit0 "[ $rc -eq 0 ]"
[ $rc -eq 0 ] || { cat "$T/log"; exit 1; }

$B -q metrics "$CLIP" "$T/out.mp4" --max-frames 6 --json >"$T/m.json" 2>"$T/err"; rc=$?
check metrics_exit0 "[ $rc -eq 0 ]"
[ $rc -eq 0 ] || cat "$T/err"
cat "$T/m.json"
check frames "[ \"$(key frames $T/m.json)\" = 6 ]"
check background_identical "[ \"$(key background_psnr_db $T/m.json)\" = 999.0 ] && [ \"$(key background_max_abs_diff $T/m.json)\" = 0 ]"
check face_changed "num '$(key face_psnr_db $T/m.json)' '<' 60"
check faces_found "[ \"$(key faces_tracked_frames $T/m.json)\" = 6 ]"
check flicker_defined "[ \"$(key flicker_pairs $T/m.json)\" = 5 ] && num '$(key flicker_ratio $T/m.json)' '>' 0"

# the same project edited into a PNG sequence (a directory of frames is a video too)
$B -q edit --project "$T/p" --models "$T/m" --edit smile=2 -o "$T/png/" --no-stitch 2>/dev/null; rc=$?
$B -q metrics "$CLIP" "$T/png" --max-frames 6 --json >"$T/p.json" 2>"$T/err"; rc2=$?
check png_dir "[ $rc -eq 0 ] && [ $rc2 -eq 0 ] && [ \"$(key frames $T/p.json)\" = 6 ] && [ \"$(key background_psnr_db $T/p.json)\" = 999.0 ]"

# the whole original has 75 frames: refused, with the hint
$B metrics "$CLIP" "$T/out.mp4" 2>"$T/err"; rc=$?
check whole_refused "[ $rc -eq 1 ] && [ \$(wc -l < $T/err) -eq 1 ] && grep -q 'out.mp4: has 6 frames' $T/err && grep -q -- '--max-frames 6' $T/err"
exit $fail
