#!/bin/sh
# Extracts the images named in tests/models/faceapi/data/inputs.txt from the shared media folder to
# rgb24 PNGs (and raw .rgb files) with ffmpeg: the exact pixels both the reference script and the
# C parity tests read. Usage: faceapi_frames.sh SHARED_MEDIA_DIR OUT_DIR
# Prints one line per image: NAME W H PNG RGB.
set -eu
MEDIA=$1
OUT=$2
LIST="$(cd "$(dirname "$0")/../models/faceapi/data" && pwd)/inputs.txt"
mkdir -p "$OUT"
grep -v '^#' "$LIST" | while read -r name file frame; do
  [ -n "$name" ] || continue
  ffmpeg -nostdin -v error -y -i "$MEDIA/$file" -vf "select=eq(n\,$frame)" -frames:v 1 -pix_fmt rgb24 "$OUT/$name.png"
  ffmpeg -nostdin -v error -y -i "$OUT/$name.png" -f rawvideo -pix_fmt rgb24 "$OUT/$name.rgb"
  wh=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$OUT/$name.png" | tr ',' ' ')
  echo "$name $wh $OUT/$name.png $OUT/$name.rgb"
done
