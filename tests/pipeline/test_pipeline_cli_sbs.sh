#!/bin/sh
# STIT's side-by-side video and --output_frames (tiny models, 4 frames): --side-by-side has 4
# labelled columns (original | inversion | naive edit | stitched), the source's frame count and
# audio; --output-frames writes DIR/{inversion,naive,stitched,final}/NNNNNN.png.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
S=${FS_SHARED:-../shared}
CLIP=$S/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4
need_shared "$CLIP"
command -v ffmpeg >/dev/null || skip "ffmpeg (Debian) not installed"
T=$(mktemp -d /tmp/fs_test_sbs_XXXXXX)
trap 'rm -rf "$T"' EXIT

$B -q models init --tiny --out "$T/m" || { echo "FAIL models init"; exit 1; }
$B -q --threads 2 edit "$CLIP" --models "$T/m" --edit age=-6 -o "$T/out.mp4" --side-by-side "$T/sbs.mp4" \
   --output-frames "$T/frames" --pti-steps 1 --stitch-steps 2 --max-frames 4; rc=$?
check edit_exit0 "[ $rc -eq 0 ]"
check sbs_frames "[ \"$(probe "$T/sbs.mp4" v:0 stream=nb_frames)\" = 4 ]"
check sbs_fps "[ \"$(probe "$T/sbs.mp4" v:0 stream=r_frame_rate)\" = \"$(probe "$CLIP" v:0 stream=r_frame_rate)\" ]"
check sbs_audio "[ -n \"$(probe "$T/sbs.mp4" a:0 stream=codec_name)\" ]"
GW=$(probe "$T/sbs.mp4" v:0 stream=width); GH=$(probe "$T/sbs.mp4" v:0 stream=height)
check sbs_four_square_columns "[ \$((GW % 4)) -eq 0 ] && [ $GH -gt \$((GW / 4)) ]"
CW=$((GW / 4))
for c in 0 1 2 3; do
    lit=$(ffmpeg -v error -i "$T/sbs.mp4" -vf "crop=$CW:$((GH - CW)):$((c * CW)):0" -frames:v 1 -f rawvideo -pix_fmt gray - |
          od -An -v -tu1 | tr -s ' ' '\n' | awk '$1 > 160 {n++} END {print n + 0}')
    echo "side-by-side column $c: $lit label pixels"
    check "sbs_label_$c" "[ $lit -gt 20 ]"
done
for s in inversion naive stitched final; do
    n=$(ls "$T/frames/$s" 2>/dev/null | grep -c '^[0-9]\{6\}\.png$')
    check "frames_$s" "[ $n -eq 4 ]"
done
check naive_vs_stitched "! cmp -s $T/frames/naive/000001.png $T/frames/stitched/000001.png"
finish
