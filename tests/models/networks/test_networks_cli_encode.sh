#!/bin/sh
# `facestitch encode` on the e4e fixture: W+ vs PyTorch (raw-tensor input), image inputs, errors.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
F=${FS_SHARED:?}/fixtures/e4e
CMP=${FS_BUILD:?}/tests/models/networks/nt_compare
need_shared "$F/io.safetensors"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

$B encode --encoder "$F/e4e_tiny.safetensors" "$F/io.safetensors:x" --raw "$T/ws.safetensors" 2>"$T/err"
check raw_exit0 "[ $? -eq 0 ]"
check wplus "$CMP $T/ws.safetensors ws $F/io.safetensors wplus abs 1e-4"
check wplus_shape "$CMP $T/ws.safetensors ws --shape 1,10,28"
$B encode --encoder "$F/e4e_tiny.safetensors" "$F/io.safetensors:x" --no-latent-avg --raw "$T/c.safetensors" 2>/dev/null
check codes "$CMP $T/c.safetensors ws $F/io.safetensors codes_encoder abs 1e-4"
# the official container (.pt, torch zip) gives the same W+
$B encode --encoder "$F/e4e_tiny.pt" "$F/io.safetensors:x" --raw "$T/wpt.safetensors" 2>/dev/null
check official_pt "[ $? -eq 0 ] && $CMP $T/wpt.safetensors ws $F/io.safetensors wplus abs 1e-4"
# registry default: the fixture .pt under the registry's file name
mkdir -p "$T/reg" && cp "$F/e4e_tiny.pt" "$T/reg/e4e_ffhq_encode.pt"
FACESTITCH_MODELS="$T/reg" FACESTITCH_REGISTRY_MANIFEST= $B encode "$F/io.safetensors:x" --raw "$T/wreg.safetensors" 2>/dev/null
check registry_default "[ $? -eq 0 ] && $CMP $T/wreg.safetensors ws $F/io.safetensors wplus abs 1e-4"
# several inputs concatenate in order; images are resized to 256 first
IMG=${FS_SHARED}/media/photo_astronaut_collins_512x512.png
if have_shared "$IMG"; then
  $B encode --encoder "$F/e4e_tiny.safetensors" "$IMG" "$F/io.safetensors:x" --raw "$T/two.safetensors" 2>/dev/null
  check two_inputs "[ $? -eq 0 ] && $CMP $T/two.safetensors ws --shape 2,10,28"
  $B encode --encoder "$F/e4e_tiny.safetensors" --antialias "$IMG" >"$T/out" 2>/dev/null
  check summary_line "[ $? -eq 0 ] && grep -q 'ws \[10, 28\]' $T/out"
fi
# errors
FACESTITCH_MODELS="$T/models" FACESTITCH_REGISTRY_MANIFEST= $B encode "$F/io.safetensors:x" >/dev/null 2>"$T/err"
check no_encoder_registry_exit1 "[ $? -eq 1 ] && grep -q 'e4e-ffhq' $T/err"
$B encode --encoder "$F/e4e_tiny.safetensors" >/dev/null 2>&1
check no_image_exit2 "[ $? -eq 2 ]"
$B encode --encoder "$F/io.safetensors" "$F/io.safetensors:x" --raw "$T/bad.safetensors" >/dev/null 2>"$T/err"
check not_a_model_exit1 "[ $? -eq 1 ] && grep -q 'io.safetensors: ' $T/err && [ ! -e $T/bad.safetensors ]"
$B encode --encoder "$F/e4e_tiny.safetensors" "$F/io.safetensors:img_decoder_const" --raw "$T/bad.safetensors" >/dev/null 2>"$T/err"
check small_ok_exit0 "[ $? -eq 0 ]"
$B encode --encoder "$F/e4e_tiny.safetensors" "$T/nope.png" --raw "$T/bad2.safetensors" >/dev/null 2>"$T/err"
check missing_exit1 "[ $? -eq 1 ] && grep -q 'nope.png' $T/err && [ ! -e $T/bad2.safetensors ]"
$B encode --help | grep -q 'Usage: facestitch encode'
check help "[ $? -eq 0 ]"
exit $fail
