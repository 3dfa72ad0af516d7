#!/bin/sh
# `facestitch parse` on the BiSeNet fixture: raw logits vs PyTorch, labels PNG, image input, errors.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
F=${FS_SHARED:?}/fixtures/bisenet
CMP=${FS_BUILD:?}/tests/models/networks/nt_compare
need_shared "$F/io.safetensors"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

$B parse --model "$F/bisenet_tiny.safetensors" "$F/io.safetensors:img_pm1" -o "$T/l.png" --raw "$T/l.safetensors" 2>"$T/err"
check raw_exit0 "[ $? -eq 0 ] && [ -s $T/l.png ]"
check raw_logits "$CMP $T/l.safetensors logits $F/io.safetensors out abs 1e-4"
# labels: greyscale class ids; the fixture has 5 pixels whose top-2 logits are within 1e-4
check labels_png "$CMP --labels $T/l.png $F/io.safetensors argmax 5"
check raw_shape "$CMP $T/l.safetensors logits --shape 2,19,64,64"
check no_tmp_left "[ \$(ls $T | wc -l) -eq 3 ]"
# the official container (.pth, torch zip) gives the same logits
$B parse --model "$F/bisenet_tiny.pth" "$F/io.safetensors:img_pm1" --raw "$T/pth.safetensors" 2>/dev/null
check official_pth "[ $? -eq 0 ] && $CMP $T/pth.safetensors logits $F/io.safetensors out abs 1e-4"
# registry default: the fixture .pth under the registry's file name
mkdir -p "$T/reg" && cp "$F/bisenet_tiny.pth" "$T/reg/79999_iter.pth"
FACESTITCH_MODELS="$T/reg" FACESTITCH_REGISTRY_MANIFEST= $B parse "$F/io.safetensors:img_pm1" --raw "$T/reg.safetensors" 2>/dev/null
check registry_default "[ $? -eq 0 ] && $CMP $T/reg.safetensors logits $F/io.safetensors out abs 1e-4"
# PNG input: resized to --size (nearest) first
IMG=${FS_SHARED}/media/photo_astronaut_collins_512x512.png
if have_shared "$IMG"; then
  $B parse --model "$F/bisenet_tiny.safetensors" "$IMG" --size 96 --raw "$T/p.safetensors" -o "$T/p.png" --color
  check png_exit0 "[ $? -eq 0 ] && [ -s $T/p.png ]"
  check png_shape "$CMP $T/p.safetensors logits --shape 1,19,96,96"
fi
# errors
$B parse --model "$F/bisenet_tiny.safetensors" "$F/io.safetensors:img_pm1" >/dev/null 2>&1
check no_output_exit2 "[ $? -eq 2 ]"
FACESTITCH_MODELS="$T/models" FACESTITCH_REGISTRY_MANIFEST= $B parse "$F/io.safetensors:img_pm1" -o "$T/x.png" >/dev/null 2>"$T/err"
check no_model_registry_exit1 "[ $? -eq 1 ] && grep -q 'bisenet-face' $T/err && [ ! -e $T/x.png ]"
$B parse --model "$F/bisenet_tiny.safetensors" "$F/io.safetensors:img_pm1" -o "$T/x.png" --size -3 >/dev/null 2>&1
check bad_size_exit2 "[ $? -eq 2 ]"
$B parse --model "$F/io.safetensors" "$F/io.safetensors:img_pm1" -o "$T/x.png" >/dev/null 2>"$T/err"
check not_a_model_exit1 "[ $? -eq 1 ] && grep -q 'io.safetensors: ' $T/err && [ ! -e $T/x.png ]"
$B parse --model "$F/bisenet_tiny.safetensors" "$F/io.safetensors:argmax" -o "$T/x.png" >/dev/null 2>"$T/err"
check int_tensor_exit1 "[ $? -eq 1 ] && [ ! -e $T/x.png ]"
$B parse --model "$F/bisenet_tiny.safetensors" "${FS_SHARED}/media/broken_text_file.mp4" -o "$T/x.png" >/dev/null 2>"$T/err"
check not_an_image_exit1 "[ $? -eq 1 ] && [ \$(wc -l <$T/err) -eq 1 ]"
$B parse --help | grep -q 'Usage: facestitch parse'
check help "[ $? -eq 0 ]"
exit $fail
