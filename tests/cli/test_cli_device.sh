#!/bin/sh
# --device / --precision / FS_DEVICE: bench generator runs on the sim device (CPU kernels behind the device seam),
# commands not on the seam are refused with one clear line, bad values are refused, cuda without a GPU says why.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# with an argument: one short bench run on sim (slow: sim toggles page protection around every op)
if [ "${1:-}" = bench ]; then
  FS_DEVICE=sim $B --threads 2 bench generator --res 8 --batch 1 --min-time 0 --no-backward >"$T/env" 2>&1; rc=$?
  check env_selects_sim_and_bench_runs "[ $rc -eq 0 ] && grep -q '^device sim' $T/env && grep -q '^8 ' $T/env"
  finish
fi
$B --device sim generate --help >"$T/gen" 2>&1; rc=$?
check refused_off_seam "[ $rc -eq 1 ] && [ \$(wc -l <$T/gen) -eq 1 ] && grep -q 'does not run on the device yet' $T/gen"
$B --device warp bench generator >"$T/bad" 2>&1; rc=$?
check bad_device "[ $rc -eq 1 ] && grep -q 'unknown device' $T/bad"
$B --precision fp64 bench generator >"$T/prec" 2>&1; rc=$?
check bad_precision "[ $rc -eq 1 ] && grep -q 'expected fp32' $T/prec"
$B --device cuda:x bench generator >"$T/idx" 2>&1; rc=$?
check bad_cuda_index "[ $rc -eq 1 ] && grep -q 'cuda:I' $T/idx"
$B --device cuda bench generator --res 16 --min-time 0 >"$T/cuda" 2>&1; rc=$?
check cuda_without_gpu_says_why "[ $rc -eq 0 ] || grep -Eq 'no CUDA backend|no usable NVIDIA GPU|GPUs? visible' $T/cuda"
finish
