#!/bin/sh
# Face coverage of the tracker (`facestitch faces`) per clip and detector, for docs/faces.md:
# frames decoded, tracks kept, face-frames (observations, gaps filled included) and frames with at
# least one face. Needs the face-api networks for the ssd rows (scripts/fetch-face-api).
# Usage: tests/tools/face_coverage.sh FACESTITCH MAX_FRAMES CLIP...   (prints a Markdown table)
set -eu
B=$1
N=$2
shift 2
echo "| clip | detector | frames | tracks | face-frames | frames with a face | seconds |"
echo "|---|---|---|---|---|---|---|"
T=$(mktemp -d /tmp/fs_coverage_XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
for clip in "$@"; do
    for det in haar ssd; do
        t0=$(date +%s)
        "$B" -q faces "$clip" --max-frames "$N" --detector "$det" > "$T/f.json" 2> "$T/err" || { echo "| $(basename "$clip") | $det | error: $(head -n1 "$T/err") |"; continue; }
        t1=$(date +%s)
        jq -r --arg c "$(basename "$clip")" --arg d "$det" --arg s "$((t1 - t0))" \
            '"| \($c) | \($d) | \(.frames) | \(.tracks | length) | \([.tracks[].frames | length] | add // 0) | \([.tracks[].frames[].frame] | unique | length) | \($s) |"' "$T/f.json"
    done
done
