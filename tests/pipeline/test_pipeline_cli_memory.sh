#!/bin/sh
# Peak memory of `edit` does not grow with the clip's length: a clip and the same clip looped 4x.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
S=${FS_SHARED:-../shared}
CLIP=$S/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4
need_shared "$CLIP"
command -v ffmpeg >/dev/null || skip "ffmpeg (Debian) not installed"
T=$(mktemp -d /tmp/fs_test_mem_XXXXXX)
trap 'rm -rf "$T"' EXIT
$B -q models init --tiny --out "$T/m" || exit 1
ffmpeg -v error -stream_loop 3 -i "$CLIP" -c copy "$T/long.mp4" || { echo "FAIL making the 4x clip"; exit 1; }
run() { $B --threads 2 edit "$1" --models "$T/m" --edit age=-6 -o "$2" --pti-steps 1 --stitch-steps 2 2>&1 |
        sed -n 's/.*peak memory \([0-9.]*\) MB.*/\1/p'; }
m1=$(run "$CLIP" "$T/a.mp4")
m4=$(run "$T/long.mp4" "$T/b.mp4")
echo "peak memory: 1x clip $m1 MB, 4x clip $m4 MB"
check measured "[ -n \"$m1\" ] && [ -n \"$m4\" ]"
# bounded: the 4x clip may not need more than 15% (+5 MB) over the 1x clip
check no_growth "num '$m4' '<=' \$(awk 'BEGIN{print $m1 * 1.15 + 5}')"
exit $fail
