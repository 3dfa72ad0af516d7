#!/bin/sh
# test_weights_cli.sh — `facestitch inspect` and `facestitch convert` end to end:
#  * every hostile file: exit 1, ONE line "facestitch: FILE: reason" on stderr, no sanitizer
#    report, nothing executed (the os.system pickles would create a marker file);
#  * every .pt/.pth/.pkl of ../shared/fixtures converts (auto kind and --kind raw), and the
#    result inspects back with the expected tensor count;
#  * usage errors exit 2, unreadable input / unwritable output exit 1, no partial output.
set -u
BIN=${FS_BIN:?FS_BIN not set}
SRC=${FS_SRC:?FS_SRC not set}
SHARED=${FS_SHARED:-../shared}
HOSTILE="$SRC/tests/weights/hostile"
T=$(mktemp -d /tmp/fs_weights_cli.XXXXXX)
MARKER=/tmp/facestitch_hostile_pwned
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

rm -f "$MARKER"
n=0
for f in "$HOSTILE"/*; do
    n=$((n + 1))
    "$BIN" inspect "$f" >"$T/out" 2>"$T/err"
    rc=$?
    [ $rc -eq 1 ] || bad "inspect $(basename "$f"): exit $rc (want 1)"
    lines=$(wc -l <"$T/err")
    [ "$lines" -eq 1 ] || { bad "inspect $(basename "$f"): $lines lines on stderr"; cat "$T/err"; }
    grep -q "^facestitch: $f: ." "$T/err" || bad "inspect $(basename "$f"): message does not name the file: $(cat "$T/err")"
    if grep -q -i 'sanitizer\|runtime error' "$T/err"; then bad "sanitizer report for $(basename "$f")"; cat "$T/err"; fi
done
# the same refusals through --json and convert (a sample: each process start costs ~0.1 s)
for f in "$HOSTILE"/pkl_os_system.pkl "$HOSTILE"/zip_os_system.pt "$HOSTILE"/st_overlap.safetensors \
         "$HOSTILE"/legacy_truncated_storage.pth "$HOSTILE"/npy_truncated_data.npy "$HOSTILE"/pkl_memo_cycle_list.pkl; do
    "$BIN" inspect --json "$f" >/dev/null 2>&1
    [ $? -eq 1 ] || bad "inspect --json $(basename "$f"): not exit 1"
    "$BIN" convert "$f" "$T/h.safetensors" >/dev/null 2>&1
    [ $? -eq 1 ] || bad "convert $(basename "$f"): not exit 1"
    [ ! -e "$T/h.safetensors" ] || bad "convert $(basename "$f") left an output file"
    ls "$T" | grep -q tmp && bad "convert $(basename "$f") left a temporary file"
done
[ ! -e "$MARKER" ] || { bad "a hostile pickle ran code ($MARKER exists)"; rm -f "$MARKER"; }
echo "hostile corpus: $n files, all refused with exit 1"
"$BIN" inspect "$HOSTILE/pkl_os_system.pkl" 2>&1 | grep -q "refuses a call to os.system" || bad "os.system not named"

# usage
"$BIN" inspect >/dev/null 2>&1; [ $? -eq 2 ] || bad "inspect without FILE: not exit 2"
"$BIN" convert a.pt >/dev/null 2>&1; [ $? -eq 2 ] || bad "convert with one arg: not exit 2"
"$BIN" convert a.pt b.safetensors --kind nope >/dev/null 2>&1; [ $? -eq 2 ] || bad "convert --kind nope: not exit 2"
"$BIN" convert a.pt b.bin >/dev/null 2>&1; [ $? -eq 2 ] || bad "convert to .bin: not exit 2"
"$BIN" inspect --help | grep -q "Usage: facestitch inspect" || bad "inspect --help"
"$BIN" convert --help | grep -q -- "--kind" || bad "convert --help"
"$BIN" inspect "$T/missing.pt" 2>"$T/err"; [ $? -eq 1 ] || bad "inspect missing file: not exit 1"
grep -q "missing.pt" "$T/err" || bad "missing-file message does not name the file"

if [ ! -d "$SHARED/fixtures" ]; then
    echo "SKIP fixture part: $SHARED/fixtures not found"
    [ $fail -eq 0 ] && exit 0 || exit 1
fi
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
for f in "$F"/*/*.pt "$F"/*/*.pth "$F"/*/*.pkl "$F"/real/*/*.pth; do
    [ -e "$f" ] || continue
    "$BIN" convert "$f" "$T/any.safetensors" >/dev/null 2>"$T/err" || bad "convert $f: $(cat "$T/err")"
done
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
