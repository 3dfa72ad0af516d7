#!/bin/sh
# test_weights_cli_convert.sh — `facestitch convert` / `inspect` on ../shared/fixtures: every
#  .pt/.pth/.pkl converts (auto kind and --kind raw), the result inspects back with the expected
#  tensor count and the summary has the sha256; an unwritable output exits 1 with one line.
set -u
BIN=${FS_BIN:?FS_BIN not set}
SRC=${FS_SRC:?FS_SRC not set}
SHARED=${FS_SHARED:-../shared}
T=$(mktemp -d /tmp/fs_weights_cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/testlib.sh"
bad() { echo "FAIL: $*"; fail=1; }

need_shared "$SHARED/fixtures"
F="$SHARED/fixtures"
# convert FILE KIND EXPECTED_COUNT
conv() {
    out="$T/c.safetensors"
    rm -f "$out"
    if ! "$BIN" convert "$1" "$out" --kind "$2" >"$T/sum" 2>"$T/err"; then bad "convert $1 --kind $2: $(cat "$T/err")"; return; fi
    grep -q "sha256      [0-9a-f]\{64\}" "$T/sum" || bad "convert $1: no sha256 in the summary"
    c=$("$BIN" inspect --json "$out" | grep -o '"name":' | wc -l)
    [ "$c" -eq "$3" ] || bad "convert $1 --kind $2: $c tensors, want $3"
    echo "OK convert $(basename "$1") --kind $2: $c tensors"
}
conv "$F/stylegan2_nvidia/network-snapshot-style.pkl" auto 80
conv "$F/stylegan2_nvidia/network-snapshot-style.pkl" raw 191
conv "$F/stylegan2_rosinality/stylegan2_tiny.pt" auto 80
conv "$F/e4e/e4e_tiny.pt" auto 590
conv "$F/bisenet/bisenet_tiny.pth" auto 160
conv "$F/lpips/lpips_alex_lin_v0.1.pth" auto 7
conv "$F/lpips/alex_backbone_torchvision_layout.pth" auto 10
"$BIN" convert "$F/lpips/lpips_vgg_lin_v0.1.pth" "$T/l.safetensors" --backbone "$F/lpips/vgg_backbone_torchvision_layout.pth" >/dev/null \
    || bad "lpips --backbone"
c=$("$BIN" inspect --json "$T/l.safetensors" | grep -o '"name":' | wc -l)
[ "$c" -eq 33 ] || bad "lpips vgg + backbone: $c tensors, want 33"
# every PyTorch file of the fixtures converts
n=0
for f in "$F"/*/*.pt "$F"/*/*.pth "$F"/*/*.pkl "$F"/real/*/*.pth; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    "$BIN" convert "$f" "$T/any.safetensors" >/dev/null 2>"$T/err" || bad "convert $f: $(cat "$T/err")"
done
[ $n -gt 0 ] || bad "no PyTorch file found under $F"
# raw names keep the full key path; the pkl summary carries the architecture facts
"$BIN" inspect "$F/stylegan2_rosinality/stylegan2_tiny.pt" | grep -q "g_ema/convs.0.conv.weight" || bad "raw key path"
"$BIN" convert "$F/stylegan2_nvidia/network-snapshot-style.pkl" "$T/g.safetensors" | grep -q "conv_clamp  256" || bad "pkl conv_clamp"
"$BIN" inspect "$F/real/w_directions/age.npy" | grep -q "F32  \[18, 512\]" || bad "npy shape"
# unwritable output: exit 1, nothing left behind
"$BIN" convert "$F/bisenet/bisenet_tiny.pth" /nonexistent/dir/x.safetensors >/dev/null 2>"$T/err"
[ $? -eq 1 ] || bad "unwritable output: not exit 1"
[ "$(wc -l <"$T/err")" -eq 1 ] || bad "unwritable output: not one line"
[ $fail -eq 0 ] && echo "all CLI checks passed"
exit $fail
