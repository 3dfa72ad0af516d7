#!/bin/sh
# Extracts the reference images from ../shared/media with ffmpeg (tests/tools/faceapi_frames.sh)
# and runs test_faceapi_units on them. Skips (77) without ../shared (fails under CI=true) or ffmpeg.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
M=${FS_SHARED:-../shared}/media
need_shared "$M"
command -v ffmpeg >/dev/null 2>&1 || skip "ffmpeg not found"
T=$(mktemp -d /tmp/fs_faceapi_XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
sh "$FS_SRC/tests/tools/faceapi_frames.sh" "$M" "$T" > /dev/null || { echo "FAIL extracting the frames from $M"; exit 1; }
"${FS_BUILD:?}/tests/models/faceapi/${1:-test_faceapi_units}" "$T"
