#!/bin/sh
# STIT's knobs (tiny models, 3 frames): each stitching/mask/latent knob set away from its default
# changes the stitched crops and gets its own cache (never the crops of another setting); the PTI
# and alignment knobs change the tuned generator / the crops; the paste knobs (--no-mask,
# --feather-radius, --hard-mask) change the output only inside the crop quads; bad values give one
# error line naming the flag.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
S=${FS_SHARED:-../shared}
CLIP=$S/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4
need_shared "$CLIP"
T=$(mktemp -d /tmp/fs_test_knobs_XXXXXX)
trap 'rm -rf "$T"' EXIT
json() { sed -n "s/.*\"$2\":[[:space:]]*\([-0-9.e+]*\).*/\1/p" "$1" | head -n 1; }

$B -q models init --tiny --out "$T/m" || { echo "FAIL models init"; exit 1; }
INV="--models $T/m --pti-steps 1 --max-frames 3"
$B -q --threads 2 invert "$CLIP" --project "$T/p" $INV || { echo "FAIL invert"; exit 1; }
# landmark masks: the tiny parser calls every pixel face, where the mask knobs have nothing to move
ED="--project $T/p --models $T/m --no-parser --edit age=-6 --stitch-steps 3 --crf 0"

# the crops of one edit: the newest DIR/edits/KEY
newest_key() { ls -td "$T"/p/edits/*/ | head -n 1; }
$B -q --threads 2 edit $ED -o "$T/base.mp4" || { echo "FAIL base edit"; exit 1; }
BASE=$(newest_key)
check base_crops "[ -n \"\$(find $BASE -name '*.png')\" ]"

knob() { # name, options: a new cache, no reuse, crops differ from the base edit's
    name=$1; shift
    $B --threads 2 edit $ED -o "$T/$name.mp4" "$@" 2>"$T/$name.log"; rc=$?
    check "${name}_exit0" "[ $rc -eq 0 ]"
    [ $rc -eq 0 ] || cat "$T/$name.log"
    K=$(newest_key)
    check "${name}_own_cache" "[ \"$K\" != \"$BASE\" ] && ! grep -q 'reused from' $T/$name.log"
    n=0; same=0
    for f in $(cd "$K" && find . -name '*.png'); do
        n=$((n + 1)); cmp -s "$K/$f" "$BASE/$f" && same=$((same + 1))
    done
    echo "knob $name: $((n - same)) of $n stitched crops differ from the default's"
    check "${name}_changes_crops" "[ $n -gt 0 ] && [ $same -lt $n ]"
}
knob content_lambda --content-lambda 5
knob l1 --l1
knob outer_dilation --outer-dilation 10
knob inner_dilation --inner-dilation 40
knob whole_image_border --whole-image-border
knob freeze_fine_layers --freeze-fine-layers 2
knob border_threshold --border-threshold 1e6
knob stitch_lr --stitch-lr 1e-2

# the same command again reuses its crops
$B --threads 2 edit $ED -o "$T/again.mp4" --l1 2>"$T/again.log"
check rerun_reuses "grep -q 'reused from' $T/again.log"

# paste knobs: only the pixels inside the crop quads change (outside them, all outputs equal the
# feathered one, so their background PSNR against the source is the same to the last digit)
$B -q --threads 2 edit $ED -o "$T/nomask.mp4" --no-mask --hard-mask "$T/hard.mp4"
$B -q --threads 2 edit $ED -o "$T/feather5.mp4" --feather-radius 5
for v in base nomask hard feather5; do
    $B -q metrics "$CLIP" "$T/$v.mp4" --max-frames 3 --json >"$T/$v.json" 2>/dev/null
    echo "paste $v: background PSNR $(json $T/$v.json background_psnr_db) dB, face PSNR $(json $T/$v.json face_psnr_db) dB"
done
for v in nomask hard feather5; do
    # numbers on both sides (a missing or nan metric reads as "", which would equal another "")
    bp=$(json $T/$v.json background_psnr_db) bp0=$(json $T/base.json background_psnr_db)
    bd=$(json $T/$v.json background_max_abs_diff) bd0=$(json $T/base.json background_max_abs_diff)
    fp=$(json $T/$v.json face_psnr_db) fp0=$(json $T/base.json face_psnr_db)
    check "${v}_same_background" "num '$bp' == '$bp0' && [ '$bp' = '$bp0' ] && num '$bd' == '$bd0' && [ '$bd' = '$bd0' ]"
    check "${v}_face_differs" "! cmp -s $T/$v.mp4 $T/base.mp4 && num '$fp' '!=' '$fp0'"
done
check hard_is_not_nomask "! cmp -s $T/hard.mp4 $T/nomask.mp4"
check background_40db "num '$(json $T/base.json background_psnr_db)' '>=' 40"

# PTI and alignment knobs: another tuned generator / other crops (each in a new project)
for k in "l2-lambda 1" "adam-beta1 0" "center-sigma 0" "xy-sigma 0"; do
    set -- $k
    $B -q --threads 2 invert "$CLIP" --project "$T/p_$1" $INV --$1 $2; rc=$?
    check "${1}_invert_exit0" "[ $rc -eq 0 ]"
    check "${1}_recorded" "grep -q \"\\\"$(echo $1 | tr - _)\\\":[[:space:]]*$2\" $T/p_$1/manifest.json"
done
check l2_lambda_generator "! cmp -s $T/p/generator.safetensors $T/p_l2-lambda/generator.safetensors"
check adam_beta1_generator "! cmp -s $T/p/generator.safetensors $T/p_adam-beta1/generator.safetensors"
check center_sigma_tracks "! cmp -s $T/p/tracks.json $T/p_center-sigma/tracks.json"
check xy_sigma_tracks "! cmp -s $T/p/tracks.json $T/p_xy-sigma/tracks.json"
# an inverted project is not reused with another PTI setting
$B -q --threads 2 invert "$CLIP" --project "$T/p_l2-lambda" $INV --l2-lambda 2 2>"$T/reinv.log"; rc=$?
check pti_knob_refuses_reuse "[ $rc -ne 0 ] && grep -q 'l2_lambda' $T/reinv.log"

# bad values: exit 2, the error line names the flag (then the usual "Try --help" line)
for bad in "--outer-dilation 0" "--content-lambda x" "--freeze-fine-layers 1.5" "--feather-radius -1" \
           "--adam-beta1 1" "--center-sigma nan" "--range f9:f2" "--face nobody"; do
    $B edit "$CLIP" --edit age=-6 -o "$T/x.mp4" $bad 2>"$T/bad.log"; rc=$?
    flag=${bad%% *}
    check "bad_${flag#--}" "[ $rc -eq 2 ] && head -n 1 $T/bad.log | grep -q -- '$flag'"
done
finish
