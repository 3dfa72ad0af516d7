#!/bin/sh
# `metrics` with the face-api networks: an align + composite round trip (no edit) of a talking head
# keeps identity (TL-ID and TG-ID within [0.97, 1.03], identity_to_source >= 0.97, age change under
# 2 years) and writes the --plot PNG. Skips without ../shared (fails under CI=true) or the networks.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
CLIP=${FS_SHARED:-../shared}/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4
need_shared "$CLIP"
"$B" models verify face-api-face_recognition_model face-api-age_gender_model face-api-face_expression_model \
  > /dev/null 2>&1 || skip "face-api networks not installed (scripts/fetch-face-api)"
T=$(mktemp -d /tmp/fs_faceapi_metrics_XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
# in_range V LO HI: V is a finite number in [LO, HI] (not nan, null or empty: num refuses them)
in_range() { num "$1" '>=' "$2" && num "$1" '<=' "$3"; }
"$B" -q align "$CLIP" --project "$T/p" --max-frames 8 || { echo "FAIL align"; exit 1; }
"$B" -q composite --project "$T/p" -o "$T/rt.mp4" --crf 0 || { echo "FAIL composite"; exit 1; }
"$B" -q metrics "$CLIP" "$T/rt.mp4" --max-frames 8 --json --plot "$T/plot.png" > "$T/m.json"
check "metrics exit 0" "[ $? -eq 0 ]"
tl=$(key tl_id "$T/m.json"); tg=$(key tg_id "$T/m.json"); its=$(key identity_to_source "$T/m.json")
echo "tl_id $tl tg_id $tg identity_to_source $its edit_effect $(key edit_effect "$T/m.json")"
check "tl_id in [0.97, 1.03]" "in_range '$tl' 0.97 1.03"
check "tg_id in [0.97, 1.03]" "in_range '$tg' 0.97 1.03"
check "identity_to_source >= 0.97" "in_range '$its' 0.97 1.0001"
check "edit effect: age change < 2 years" "grep -q '\"edit_effect\": {\"frames\": 8, \"age_delta\": ' '$T/m.json' && in_range \"\$(key edit_effect '$T/m.json' | sed 's/.*age_delta\": \([-0-9.e]*\).*/\1/')\" -2 2"
check "plot written" "[ -s '$T/plot.png' ] && head -c 4 '$T/plot.png' | grep -q PNG"
finish
