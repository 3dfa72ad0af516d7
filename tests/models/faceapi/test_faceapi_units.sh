#!/bin/sh
# Extracts the reference images from ../shared/media with ffmpeg (tests/tools/faceapi_frames.sh)
# and runs test_faceapi_units on them. Skips (77) without ../shared or ffmpeg.
set -u
[ -d "${FS_SHARED:-}/media" ] || { echo "SKIP: ${FS_SHARED:-../shared}/media not found"; exit 77; }
command -v ffmpeg >/dev/null 2>&1 || { echo "SKIP: ffmpeg not found"; exit 77; }
T=$(mktemp -d /tmp/fs_faceapi_XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
sh "$FS_SRC/tests/tools/faceapi_frames.sh" "$FS_SHARED/media" "$T" > /dev/null || exit 1
"$FS_BUILD/tests/models/faceapi/${1:-test_faceapi_units}" "$T"
