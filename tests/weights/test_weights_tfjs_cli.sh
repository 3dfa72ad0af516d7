#!/bin/sh
# `facestitch inspect` / `convert` on a TF.js manifest: a good one lists its tensors and converts
# to safetensors; a damaged shard is one error line naming the file, exit 1.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
T=$(mktemp -d /tmp/fs_tfjs_cli_XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
printf '[{"paths":["n.bin"],"weights":[{"name":"conv/filters","shape":[1,1,2,2],"dtype":"float32","quantization":{"dtype":"uint8","min":-1,"scale":0.5}},{"name":"conv/bias","shape":[2],"dtype":"float32"}]}]' > "$T/n-weights_manifest.json"
printf '\001\002\003\004\000\000\200\077\000\000\000\100' > "$T/n.bin"
"$B" inspect "$T/n-weights_manifest.json" > "$T/o" 2>&1
check "inspect ok" "[ $? -eq 0 ] && grep -q 'conv/filters .*F32 *\[1, 1, 2, 2\]' '$T/o' && grep -q 'format = tfjs' '$T/o'"
"$B" convert "$T/n-weights_manifest.json" "$T/n.safetensors" > "$T/o" 2>&1
check "convert ok" "[ $? -eq 0 ] && '$B' inspect '$T/n.safetensors' | grep -q 'conv/bias'"
printf '\001\002\003' > "$T/n.bin"
"$B" inspect "$T/n-weights_manifest.json" > "$T/o" 2> "$T/e"
check "short shard: exit 1" "[ $? -eq 1 ]"
check "short shard: one line naming file + reason" "[ \$(wc -l < '$T/e') -eq 1 ] && grep -q 'n-weights_manifest.json.*shard too short' '$T/e'"
rm "$T/n.bin"
"$B" convert "$T/n-weights_manifest.json" "$T/x.safetensors" > "$T/o" 2> "$T/e"
check "missing shard: exit 1, one line" "[ $? -eq 1 ] && [ \$(wc -l < '$T/e') -eq 1 ] && grep -q 'n.bin' '$T/e' && [ ! -e '$T/x.safetensors' ]"
finish
