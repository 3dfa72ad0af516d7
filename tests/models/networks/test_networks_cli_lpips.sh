#!/bin/sh
# `facestitch lpips` on the LPIPS fixture: distances, --grad file, raw-tensor inputs, errors.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
F=${FS_SHARED:?}/fixtures/lpips
CMP=${FS_BUILD:?}/tests/models/networks/nt_compare
need_shared "$F/io_alex.safetensors"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

for net in alex vgg; do
  $B lpips --model "$F/lpips_$net.safetensors" "$F/io_$net.safetensors:in0" "$F/io_$net.safetensors:in1" \
     --grad "$T/g_$net.safetensors" >"$T/out" 2>"$T/err"
  check "${net}_exit0" "[ $? -eq 0 ]"
  check "${net}_three_lines" "[ \$(wc -l <\"$T/out\") -eq 3 ]"
  if [ $net = alex ]; then d0=0.0711961836; d1=0.0622130074; else d0=0.0604991242; d1=0.0584446192; fi
  check "${net}_dist0" "close \$(sed -n 1p $T/out) $d0 1e-5"
  check "${net}_dist1" "close \$(sed -n 2p $T/out) $d1 1e-5"
  check "${net}_mean_last" "close \$(sed -n 3p $T/out) \$(awk 'BEGIN{print ($d0+$d1)/2}') 1e-5"
  check "${net}_grad_file" "$CMP $T/g_$net.safetensors grad $F/io_$net.safetensors grad_in0 rel 1e-3"
done
# official files: the lin-layer .pth + torchvision trunk .pth, converted, give the same distances
if $B convert --kind lpips "$F/lpips_alex_lin_v0.1.pth" "$T/conv.safetensors" --backbone "$F/alex_backbone_torchvision_layout.pth" >/dev/null 2>&1; then
  $B lpips --model "$T/conv.safetensors" "$F/io_alex.safetensors:in0" "$F/io_alex.safetensors:in1" >"$T/out" 2>/dev/null
  check converted_alex "close \$(sed -n 1p $T/out) 0.0711961836 1e-5 && close \$(sed -n 2p $T/out) 0.0622130074 1e-5"
else
  echo "FAIL convert --kind lpips --backbone"; fail=1
fi
# registry default: the fixture's lin .pth and trunk .pth under the registry's file names
mkdir -p "$T/reg/lpips" && cp "$F/lpips_alex_lin_v0.1.pth" "$T/reg/lpips/alex.pth" && cp "$F/alex_backbone_torchvision_layout.pth" "$T/reg/alexnet-owt-7be5be79.pth"
FACESTITCH_MODELS="$T/reg" FACESTITCH_REGISTRY_MANIFEST= $B lpips "$F/io_alex.safetensors:in0" "$F/io_alex.safetensors:in1" >"$T/out" 2>"$T/err"
check registry_default "[ $? -eq 0 ] && close \$(sed -n 1p $T/out) 0.0711961836 1e-5 && close \$(sed -n 2p $T/out) 0.0622130074 1e-5"
# a single-tensor file is used as is: the gradient file is one [2,3,64,64] tensor
$B lpips --model "$F/lpips_alex.safetensors" "$T/g_alex.safetensors" "$T/g_alex.safetensors" >"$T/out" 2>"$T/err"
check raw_single_tensor "[ \$? -eq 0 ] && close \$(tail -n 1 $T/out) 0 1e-12"
# PNG inputs: an image against itself is 0
IMG=${FS_SHARED}/media/photo_astronaut_collins_512x512.png
if have_shared "$IMG"; then
  $B lpips --model "$F/lpips_alex.safetensors" "$IMG" "$IMG" >"$T/out" 2>/dev/null
  check png_same_zero "[ $? -eq 0 ] && [ \$(wc -l <$T/out) -eq 1 ] && close \$(cat $T/out) 0 1e-12"
  $B lpips --model "$F/lpips_alex.safetensors" "$IMG" "$F/io_alex.safetensors:in0" >/dev/null 2>"$T/err"
  check png_vs_other_size_exit1 "[ $? -eq 1 ] && grep -q 'differs' $T/err"
fi
# errors: usage 2, input 1 with one line naming the file
# without --model the registry's lpips-alex is used: missing there -> exit 1 saying how to get it
FACESTITCH_MODELS="$T/models" FACESTITCH_REGISTRY_MANIFEST= $B lpips "$F/io_alex.safetensors:in0" "$F/io_alex.safetensors:in1" >/dev/null 2>"$T/err"
check no_model_registry_exit1 "[ $? -eq 1 ] && grep -q 'lpips-alex' $T/err && grep -q 'facestitch models fetch' $T/err"
$B lpips --model "$F/lpips_alex.safetensors" "$F/io_alex.safetensors:in0" >/dev/null 2>&1
check one_input_exit2 "[ $? -eq 2 ]"
$B lpips --model "$F/lpips_alex.safetensors" "$T/missing.png" "$F/io_alex.safetensors:in1" >/dev/null 2>"$T/err"
check missing_exit1 "[ $? -eq 1 ] && grep -q 'missing.png' $T/err && [ \$(wc -l <$T/err) -eq 1 ]"
$B lpips --model "$F/lpips_alex.safetensors" "$F/io_alex.safetensors" "$F/io_alex.safetensors:in1" >/dev/null 2>"$T/err"
check ambiguous_exit1 "[ $? -eq 1 ] && grep -q 'NAME' $T/err"
$B lpips --model "$F/io_alex.safetensors" "$F/io_alex.safetensors:in0" "$F/io_alex.safetensors:in1" >/dev/null 2>"$T/err"
check not_a_model_exit1 "[ $? -eq 1 ] && grep -q 'io_alex.safetensors: ' $T/err"
# an LPIPS lin-layer .pth alone has no trunk: the message says how to convert it
if have_shared "$F/lpips_alex_lin_v0.1.pth"; then
  $B lpips --model "$F/lpips_alex_lin_v0.1.pth" "$F/io_alex.safetensors:in0" "$F/io_alex.safetensors:in1" >/dev/null 2>"$T/err"
  check lin_only_exit1 "[ $? -eq 1 ] && grep -q 'lpips_alex_lin_v0.1.pth' $T/err"
fi
$B lpips --model "$F/lpips_alex.safetensors" "$F/io_alex.safetensors:in0" "$F/io_alex.safetensors:feat0.relu1" >/dev/null 2>"$T/err"
check bad_shape_exit1 "[ $? -eq 1 ]"
$B lpips --model "$F/lpips_alex.safetensors" "$F/io_alex.safetensors:in0" "$F/io_alex.safetensors:in1" --grad /nonexistent/dir/g.safetensors >/dev/null 2>"$T/err"
check unwritable_exit1 "[ $? -eq 1 ]"
$B lpips --help | grep -q 'Usage: facestitch lpips'
check help "[ $? -eq 0 ]"
exit $fail
