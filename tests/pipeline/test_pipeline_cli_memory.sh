#!/bin/sh
# Peak memory of `edit` does not grow with the clip's length: a clip and the same clip looped 4x.
set -u
B=${FS_BIN:?}
S=${FS_SHARED:-../shared}
CLIP=$S/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4
[ -f "$CLIP" ] || { echo "SKIP: $CLIP not found (../shared is absent)"; exit 77; }
command -v ffmpeg >/dev/null || { echo "SKIP: ffmpeg (Debian) not installed"; exit 77; }
T=$(mktemp -d /tmp/fs_test_mem_XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
check() { if eval "$2"; then echo "OK $1"; else echo "FAIL $1"; fail=1; fi; }
$B -q models init --tiny --out "$T/m" || exit 1
ffmpeg -v error -stream_loop 3 -i "$CLIP" -c copy "$T/long.mp4" || { echo "FAIL making the 4x clip"; exit 1; }
run() { $B --threads 2 edit "$1" --models "$T/m" --edit age=-6 -o "$2" --pti-steps 1 --stitch-steps 2 2>&1 |
        sed -n 's/.*peak memory \([0-9.]*\) MB.*/\1/p'; }
m1=$(run "$CLIP" "$T/a.mp4")
m4=$(run "$T/long.mp4" "$T/b.mp4")
echo "peak memory: 1x clip $m1 MB, 4x clip $m4 MB"
check measured "[ -n \"$m1\" ] && [ -n \"$m4\" ]"
# bounded: the 4x clip may not need more than 15% (+5 MB) over the 1x clip
check no_growth "awk 'BEGIN{exit !($m4 <= $m1 * 1.15 + 5)}'"
exit $fail
