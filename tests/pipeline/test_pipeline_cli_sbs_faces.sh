#!/bin/sh
# Which face the side-by-side video shows on a two-face clip (tiny models, 3 frames, Haar pinned as
# test_pipeline_cli_edit does: it finds both faces there): without --face or with --face largest, the
# largest one (box area summed over its frames, computed here from tracks.json); with --face ID, that
# face. The check: the "original" column of a frame is that track's aligned crop from the project
# (upscaled by nearest neighbour as the video draws it), close in PSNR, and far from the other
# face's crop.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
S=${FS_SHARED:-../shared}
CLIP=$S/media/multi_intel_headpose_two_people_480x270.mp4
need_shared "$CLIP"
command -v ffmpeg >/dev/null || skip "ffmpeg (Debian) not installed"
T=$(mktemp -d /tmp/fs_test_sbs_faces_XXXXXX)
trap 'rm -rf "$T"' EXIT

# "ID AREA" per track of a project's tracks.json (AREA: its boxes' areas summed over its frames)
track_areas() {
    tr -d '\n' <"$1/tracks.json" | sed 's/{"id":/\n&/g' | grep '^{"id":' | while read -r l; do
        id=$(printf '%s' "$l" | sed 's/^{"id":\([0-9]*\).*/\1/')
        printf '%s' "$l" | grep -o '"box":\[[^]]*\]' | tr -d '"box:[]' |
            awk -F, -v id="$id" '{ a += ($3 - $1) * ($4 - $2) } END { printf "%s %.17g\n", id, a }'
    done
}

# PSNR (dB, average of R, G, B) of side-by-side SBS's original column at frame F against IMG
# (a crop, upscaled by nearest neighbour to the column's width); empty when ffmpeg fails
column_psnr() {
    gw=$(probe "$1" v:0 stream=width); gh=$(probe "$1" v:0 stream=height); cw=$((gw / 4))
    ffmpeg -hide_banner -nostats -i "$1" -i "$3" -lavfi \
        "[0:v]select=eq(n\,$2),crop=$cw:$cw:0:$((gh - cw)),format=rgb24,settb=1/25,setpts=0[a];[1:v]scale=$cw:$cw:flags=neighbor,format=rgb24,settb=1/25,setpts=0[b];[a][b]psnr" \
        -frames:v 1 -f null - 2>&1 | grep 'PSNR r:' | sed 's/.*average:\([^ ]*\).*/\1/' | head -n 1
}

# the first frame with a crop of track ID in project P
first_frame() { ls "$1/crops/$(printf 't%03d' "$2")" 2>/dev/null | grep '^[0-9]\{6\}\.png$' | head -n 1 | sed 's/\.png$//'; }

$B -q models init --tiny --out "$T/m" || { echo "FAIL models init"; exit 1; }
$B -q --threads 2 edit "$CLIP" --models "$T/m" --detector haar --edit age=-6 --max-frames 3 --pti-steps 1 \
   --stitch-steps 1 --project "$T/p" -o "$T/out.mp4" --side-by-side "$T/sbs_default.mp4"; rc=$?
check edit_default_exit0 "[ $rc -eq 0 ] && [ -s $T/sbs_default.mp4 ]"
track_areas "$T/p" >"$T/areas"
cat "$T/areas"
ntr=$(wc -l <"$T/areas")
check two_faces_found "[ $ntr -ge 2 ]"
[ "$ntr" -ge 2 ] || finish
BIG=$(sort -k2,2 -g -r "$T/areas" | head -n 1 | cut -d' ' -f1)
OTHER=$(grep -v "^$BIG " "$T/areas" | head -n 1 | cut -d' ' -f1)
echo "largest face: track $BIG, other: track $OTHER"

$B -q --threads 2 edit --project "$T/p" --models "$T/m" --edit age=-6 --stitch-steps 1 --face "$OTHER" \
   -o "$T/out_other.mp4" --side-by-side "$T/sbs_other.mp4"; rc=$?
check edit_face_other_exit0 "[ $rc -eq 0 ] && [ -s $T/sbs_other.mp4 ]"
$B -q --threads 2 edit --project "$T/p" --models "$T/m" --edit age=-6 --stitch-steps 1 --face largest \
   -o "$T/out_largest.mp4" --side-by-side "$T/sbs_largest.mp4"; rc=$?
check edit_face_largest_exit0 "[ $rc -eq 0 ] && [ -s $T/sbs_largest.mp4 ]"

# a frame where both faces have a crop
F=$(first_frame "$T/p" "$BIG"); FO=$(first_frame "$T/p" "$OTHER")
[ -n "$F" ] && [ -n "$FO" ] && [ "$FO" -gt "$F" ] 2>/dev/null && F=$FO
check common_frame "[ -n '$F' ] && [ -f $T/p/crops/$(printf 't%03d' "$BIG")/$F.png ] && [ -f $T/p/crops/$(printf 't%03d' "$OTHER")/$F.png ]"
CB=$T/p/crops/$(printf 't%03d' "$BIG")/$F.png
CO=$T/p/crops/$(printf 't%03d' "$OTHER")/$F.png
n=$(printf '%s' "$F" | sed 's/^0*\(.\)/\1/')
d_big=$(column_psnr "$T/sbs_default.mp4" "$n" "$CB")
d_oth=$(column_psnr "$T/sbs_default.mp4" "$n" "$CO")
o_oth=$(column_psnr "$T/sbs_other.mp4" "$n" "$CO")
o_big=$(column_psnr "$T/sbs_other.mp4" "$n" "$CB")
l_big=$(column_psnr "$T/sbs_largest.mp4" "$n" "$CB")
echo "frame $n: no --face: PSNR vs largest $d_big dB, vs other $d_oth dB; --face $OTHER: vs other $o_oth dB, vs largest $o_big dB; --face largest: vs largest $l_big dB"
# encoded (yuv420) copies of nearest-upscaled crops: ~42 dB measured; a different face: ~14 dB
check default_shows_largest "num '$d_big' '>=' 32"
check default_not_other "num '$d_oth' '<=' 24"
check face_id_shows_that_face "num '$o_oth' '>=' 32"
check face_id_not_largest "num '$o_big' '<=' 24"
check face_largest_shows_largest "num '$l_big' '>=' 32"
# the two side-by-side videos' original columns differ (each column against the other video's frame)
gw=$(probe "$T/sbs_default.mp4" v:0 stream=width); gh=$(probe "$T/sbs_default.mp4" v:0 stream=height); cw=$((gw / 4))
ffmpeg -v error -i "$T/sbs_other.mp4" -vf "select=eq(n\,$n),crop=$cw:$cw:0:$((gh - cw))" -frames:v 1 "$T/col_other.png"
x=$(column_psnr "$T/sbs_default.mp4" "$n" "$T/col_other.png")
echo "original columns of the two videos: PSNR $x dB"
check columns_differ "num '$x' '<=' 24"
finish
