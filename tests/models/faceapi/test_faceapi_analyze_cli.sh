#!/bin/sh
# `facestitch analyze`: usage errors (exit 2), missing networks and broken input (one line, exit 1),
# and, with the networks installed, an image and a few video frames written as JSON whose first
# face matches face-api's reference (data/reference.json: astronaut box 181.1181, 72.8606, ...).
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
M=${FS_SHARED:-../shared}/media
T=$(mktemp -d /tmp/fs_analyze_cli_XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
"$B" analyze > /dev/null 2>&1; check "no input: exit 2" "[ $? -eq 2 ]"
"$B" analyze x.png --detector yolo > /dev/null 2>&1; check "bad detector: exit 2" "[ $? -eq 2 ]"
"$B" analyze x.png --every 0 > /dev/null 2>&1; check "bad --every: exit 2" "[ $? -eq 2 ]"
"$B" analyze --help | grep -q 'detectAllFaces'; check "help" "[ $? -eq 0 ]"
need_shared "$M"
FACESTITCH_MODELS="$T/empty" "$B" analyze "$M/photo_astronaut_collins_512x512.png" > "$T/o" 2> "$T/e"
check "no networks: exit 1" "[ $? -eq 1 ] && [ \$(grep -c '^facestitch:' '$T/e') -eq 1 ] && grep -q 'face-api' '$T/e'"
"$B" analyze "$M/broken_random_bytes.mp4" > "$T/o" 2> "$T/e"
check "broken input: exit 1, one line" "[ $? -eq 1 ] && [ \$(grep -c '^facestitch:' '$T/e') -eq 1 ]"
"$B" models verify face-api-ssd_mobilenetv1_model face-api-face_landmark_68_model face-api-face_recognition_model \
  face-api-age_gender_model face-api-face_expression_model > /dev/null 2>&1 ||
  skip "face-api networks not installed (scripts/fetch-face-api)"
"$B" analyze "$M/photo_astronaut_collins_512x512.png" --json "$T/a.json" > "$T/o" 2>&1
check "image: exit 0" "[ $? -eq 0 ]"
check "image: frame 0, face-api's box" "grep -q '{\"frame\":0,\"faces\":\[{\"box\":\[181.118[0-9],72.860[0-9],83.277[0-9],101.722[0-9]\]' '$T/a.json'"
check "image: gender, 128 + 136 numbers" "grep -q '\"gender\":\"female\"' '$T/a.json' && [ \$(tr ',' '\n' < '$T/a.json' | wc -l) -gt 250 ]"
"$B" analyze "$M/multi_intel_classroom_five_people_480x270.mp4" --every 5 --max-frames 6 --json "$T/v.json" > "$T/o" 2>&1
check "video: frames 0 and 5, 4 faces each" "[ $? -eq 0 ] && grep -q '\"frame\":5,' '$T/v.json' && [ \$(grep -o '\"box\"' '$T/v.json' | wc -l) -eq 8 ]"
"$B" analyze "$M/multi_intel_classroom_five_people_480x270.mp4" --detector haar --max-frames 1 --json - > "$T/h.json" 2> "$T/e"
check "haar: score null" "[ $? -eq 0 ] && grep -q '\"score\":null' '$T/h.json' && grep -q 'detector haar' '$T/e'"
finish
