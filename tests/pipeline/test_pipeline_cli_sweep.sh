#!/bin/sh
# Strength sweep NAME=FROM:TO:STEP (STIT's --edit_range), tiny models, 4 frames: --edit age=-6:6:6
# (-6, 0, 6) writes one video per strength with the source's frame count, fps and audio, faces that differ between strengths,
# background PSNR >= 40 dB against the source; --sweep-grid has 3 columns, each under a label;
# --side-by-side, --hard-mask and --output-frames are written per strength (sbs_age-6.mp4,
# frames/age-6/...); keyframes or other edits with a sweep are refused, and so is STEP 0.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
S=${FS_SHARED:-../shared}
CLIP=$S/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4
need_shared "$CLIP"
command -v ffmpeg >/dev/null || skip "ffmpeg (Debian) not installed"
T=$(mktemp -d /tmp/fs_test_sweep_XXXXXX)
trap 'rm -rf "$T"' EXIT
json() { sed -n "s/.*\"$2\":[[:space:]]*\([-0-9.e+]*\).*/\1/p" "$1" | head -n 1; }

$B -q models init --tiny --out "$T/m" || { echo "FAIL models init"; exit 1; }
$B --threads 2 edit "$CLIP" --models "$T/m" --edit age=-6:6:6 -o "$T/out.mp4" --sweep-grid "$T/grid.mp4" \
   --side-by-side "$T/sbs.mp4" --hard-mask "$T/hard.mp4" --output-frames "$T/fr" --pti-steps 1 --stitch-steps 2 --max-frames 4 2>"$T/log"; rc=$?
check sweep_exit0 "[ $rc -eq 0 ]"
[ $rc -eq 0 ] || cat "$T/log"
check one_inversion "[ \$(grep -c 'pivots: .* done in' $T/log) -eq 1 ] && [ \$(grep -c 'sweep: age=' $T/log) -eq 3 ]"
for s in -6 0 6; do
    f=$T/out_age$s.mp4
    check "age${s}_frames" "[ \"$(probe "$f" v:0 stream=nb_frames)\" = 4 ]"
    check "age${s}_fps" "[ \"$(probe "$f" v:0 stream=r_frame_rate)\" = \"$(probe "$CLIP" v:0 stream=r_frame_rate)\" ]"
    check "age${s}_audio" "[ -n \"$(probe "$f" a:0 stream=codec_name)\" ]"
    check "age${s}_sbs" "[ \"$(probe "$T/sbs_age$s.mp4" v:0 stream=nb_frames)\" = 4 ]"
    check "age${s}_hard" "[ \"$(probe "$T/hard_age$s.mp4" v:0 stream=nb_frames)\" = 4 ] && ! cmp -s $f $T/hard_age$s.mp4"
    check "age${s}_frames_dir" "[ \$(ls $T/fr/age$s/final | wc -l) -eq 4 ] && [ \$(ls $T/fr/age$s/stitched | wc -l) -eq 4 ]"
    $B -q metrics "$CLIP" "$f" --max-frames 4 --json >"$T/m$s.json" 2>/dev/null
    bg=$(json "$T/m$s.json" background_psnr_db)
    echo "age $s: background PSNR vs source $bg dB"
    check "age${s}_background_40db" "num '$bg' '>=' 40"
done
# faces differ between strengths: the face PSNR between two strengths is finite
$B -q metrics "$T/out_age-6.mp4" "$T/out_age6.mp4" --json >"$T/pair.json" 2>/dev/null
fp=$(json "$T/pair.json" frame_psnr_db)
echo "age -6 vs age 6: frame PSNR $fp dB"
check strengths_differ "! cmp -s $T/out_age-6.mp4 $T/out_age6.mp4 && num '$fp' '<' 99"
# the grid: 3 columns of the source's width (or shrunk alike), the same frames and audio, a label
# (bright pixels on the black band) over each column
W=$(probe "$CLIP" v:0 stream=width); GW=$(probe "$T/grid.mp4" v:0 stream=width)
check grid_frames "[ \"$(probe "$T/grid.mp4" v:0 stream=nb_frames)\" = 4 ]"
check grid_audio "[ -n \"$(probe "$T/grid.mp4" a:0 stream=codec_name)\" ]"
check grid_width "[ $GW -eq \$((3 * W)) ] || [ $GW -eq \$((3 * (W / 2 & ~1))) ]"
CW=$((GW / 3))
for c in 0 1 2; do
    lit=$(ffmpeg -v error -i "$T/grid.mp4" -vf "crop=$CW:18:$((c * CW)):0" -frames:v 1 -f rawvideo -pix_fmt gray - |
          od -An -v -tu1 | tr -s ' ' '\n' | awk '$1 > 160 {n++} END {print n + 0}')
    echo "grid column $c: $lit label pixels"
    check "grid_label_$c" "[ $lit -gt 20 ]"
done
# refused: keyframes or another edit with a sweep, a grid without a sweep
$B edit "$CLIP" --models "$T/m" --edit "age=-6:6:3@2s" -o "$T/x.mp4" 2>"$T/e1"; rc=$?
check refuse_keyframes "[ $rc -eq 2 ] && grep -q 'keyframes' $T/e1"
$B edit "$CLIP" --models "$T/m" --edit age=-6:6:3 --edit "smile=0@f0,2@f3" -o "$T/x.mp4" 2>"$T/e2"; rc=$?
check refuse_with_edit "[ $rc -eq 2 ] && grep -q 'keyframes' $T/e2"
$B edit "$CLIP" --models "$T/m" --edit age=-6 --sweep-grid "$T/g.mp4" -o "$T/x.mp4" 2>"$T/e3"; rc=$?
check refuse_grid_alone "[ $rc -eq 2 ]"
$B edit "$CLIP" --models "$T/m" --edit age=-6:6:0 -o "$T/x.mp4" 2>"$T/e4"; rc=$?
check refuse_step0 "[ $rc -eq 2 ] && grep -q 'STEP must be > 0' $T/e4"
$B edit "$CLIP" --models "$T/m" --edit age=-50:50:0.5 -o "$T/x.mp4" 2>"$T/e5"; rc=$?
check refuse_too_many "[ $rc -eq 2 ] && grep -q 'at most 101' $T/e5"
check nothing_written "[ ! -e $T/x.mp4 ] && [ ! -e $T/g.mp4 ]"
finish
