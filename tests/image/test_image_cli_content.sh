#!/bin/sh
# Inputs are recognised by content, not by name: a safetensors file named x.st is a model, a tensor
# input and an NAME-picked tensor; a PNG named photo.bin is an image; a frame directory holds the
# PNG/JPEG files whatever their names and ignores other files.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
S=${FS_SHARED:-../shared}
F=$S/fixtures/lpips
IMG=$S/media/photo_astronaut_collins_512x512.png
need_shared "$F/io_alex.safetensors"
need_shared "$IMG"
T=$(mktemp -d /tmp/fs_test_content_XXXXXX)
trap 'rm -rf "$T"' EXIT

cp "$F/lpips_alex.safetensors" "$T/alex.st" && cp "$F/io_alex.safetensors" "$T/io.st"
$B lpips --model "$T/alex.st" "$T/io.st:in0" "$T/io.st:in1" >"$T/out" 2>"$T/err"; rc=$?
check st_model_and_named_tensors "[ $rc -eq 0 ] && close \$(sed -n 1p $T/out) 0.0711961836 1e-5"
[ $rc -eq 0 ] || cat "$T/err"
cp "$IMG" "$T/photo.bin"
$B lpips --model "$T/alex.st" "$T/photo.bin" "$IMG" >"$T/out" 2>"$T/err"; rc=$?
check png_named_bin "[ $rc -eq 0 ] && close \$(cat $T/out) 0 1e-12"
[ $rc -eq 0 ] || cat "$T/err"
# a text file named .png is refused by content, naming the file
echo "not an image" >"$T/fake.png"
$B lpips --model "$T/alex.st" "$T/fake.png" "$IMG" >/dev/null 2>"$T/err"; rc=$?
check fake_png_refused "[ $rc -eq 1 ] && [ \$(wc -l <$T/err) -eq 1 ] && grep -q 'fake.png' $T/err"

# the generator of `models init --tiny` renamed G.st, and its raw output ws.st as input
$B -q models init --tiny --out "$T/m" || { echo "FAIL models init"; exit 1; }
cp "$T/m/generator.safetensors" "$T/G.st"
$B -q generate --model "$T/G.st" --seed 1 --raw "$T/r.st" 2>"$T/err"; rc=$?
check st_generator "[ $rc -eq 0 ] && [ -s $T/r.st ]"
$B -q generate --model "$T/G.st" --ws "$T/r.st" --raw "$T/r2.st" 2>"$T/err"; rc=$?
check st_ws_input "[ $rc -eq 0 ] && [ -s $T/r2.st ]"
$B inspect "$T/G.st" >/dev/null 2>"$T/err"; rc=$?
check st_inspect "[ $rc -eq 0 ]"

# a frame directory: PNGs named anything are frames, other files are not
mkdir "$T/frames"
cp "$IMG" "$T/frames/000.frame" && cp "$IMG" "$T/frames/001.png" && echo notes >"$T/frames/notes.png"
$B faces "$T/frames" >"$T/out" 2>"$T/err"; rc=$?
check frame_dir_by_content "[ $rc -eq 0 ] && grep -q '^{\"frames\":2,' $T/out"
[ $rc -eq 0 ] || cat "$T/err"
finish
