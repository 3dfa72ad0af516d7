#!/bin/sh
# `facestitch models fetch` against fs_test_httpd on 127.0.0.1 (nothing else is contacted):
# a good file, a wrong hash, a truncated transfer, a resumed transfer (Range), a server that ignores
# Range, a 404, a size mismatch, a closed port (offline), a manual-only model, an unpinned model
# (pinned on first download), --force over a bad file, a redirect, and the built-in Drive entries.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
HTTPD=${FS_BUILD:?}/tests/registry/fs_test_httpd
[ -x "$HTTPD" ] || skip "$HTTPD not built"
command -v sha256sum >/dev/null 2>&1 || skip "sha256sum not found"

T=$(mktemp -d /tmp/fs_registry_fetch_XXXXXX)
SRV=
cleanup() {
  if [ -n "$SRV" ]; then kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; fi
  rm -rf "$T"
}
trap cleanup EXIT INT TERM

# Never use a proxy; only 127.0.0.1 is ever contacted.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy FACESTITCH_MIRROR
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { wc -c < "$1" | tr -d ' '; }

mkdir -p "$T/www" "$T/m"
head -c 300000 /dev/urandom > "$T/www/good.bin"
mkdir -p "$T/www/sub"
head -c 5000 /dev/urandom > "$T/www/sub/nohash.bin"
cp "$T/www/good.bin" "$T/www/other.bin"
cp "$T/www/good.bin" "$T/www/sized.bin"
head -c 2000000 /dev/zero > "$T/www/est.bin"
H=$(sha "$T/www/good.bin")

"$HTTPD" --root "$T/www" --port-file "$T/port" --log "$T/log" --max-requests 200 --timeout 120 &
SRV=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$T/port" ] || { echo "FAIL server did not start"; exit 1; }
PORT=$(cat "$T/port")
BASE="http://127.0.0.1:$PORT"
echo "server on $BASE"

cat > "$T/manifest.json" <<EOF
{"models": [
  {"name": "t-good", "file": "good.bin", "url": "$BASE/good.bin", "size": 300000, "sha256": "$H",
   "licence": "test licence", "purpose": "a good file"},
  {"name": "t-other", "file": "other.bin", "url": "$BASE/other.bin", "size": 300000, "sha256": "$H"},
  {"name": "t-nohash", "file": "sub/nohash.bin", "url": "$BASE/sub/nohash.bin"},
  {"name": "t-missing", "file": "missing.bin", "url": "$BASE/missing.bin"},
  {"name": "t-size", "file": "sized.bin", "url": "$BASE/sized.bin", "size": 12345, "sha256": "$H"},
  {"name": "t-est", "file": "est.bin", "url": "$BASE/est.bin", "size_est": 1000},
  {"name": "t-manual", "file": "manual.bin", "page": "https://example.org/manual-download",
   "how": "ask the authors for it", "auto_fetch": false}
]}
EOF
export FACESTITCH_REGISTRY_MANIFEST="$T/manifest.json"
export FACESTITCH_MODELS="$T/m"
logn() { grep -c "$1" "$T/log" 2>/dev/null || true; }

# 1. A good file: hash verified, final file present, no .part left.
FACESTITCH_MIRROR="$BASE" $B models fetch t-good > "$T/out" 2> "$T/err"; rc=$?
cat "$T/err"
check good_exit0 "[ $rc -eq 0 ]"
check good_file "[ -f '$T/m/good.bin' ] && [ \"\$(sha '$T/m/good.bin')\" = '$H' ]"
check good_no_part "[ ! -e '$T/m/good.bin.part' ]"
check good_says_ok "grep -q 'sha256 OK' '$T/err'"
check good_progress "grep -q 'fetch t-good' '$T/err'"
check path_good "[ \"\$($B models path t-good)\" = '$T/m/good.bin' ]"
check verify_good "$B models verify t-good | grep -q '^ok .*t-good'"

# 2. Fetching a present, good file downloads nothing.
n1=$(logn 'GET /good.bin')
FACESTITCH_MIRROR="$BASE" $B models fetch t-good 2> "$T/err"; rc=$?
check present_exit0 "[ $rc -eq 0 ] && grep -q 'present' '$T/err'"
check present_no_request "[ \"\$(logn 'GET /good.bin')\" = '$n1' ]"

# 3. Wrong content: exit 1, clear message, nothing under the final name, kept as .bad.
export FACESTITCH_MODELS="$T/m2"
FACESTITCH_MIRROR="$BASE/bad" $B models fetch t-good 2> "$T/err"; rc=$?
cat "$T/err"
check badhash_exit1 "[ $rc -eq 1 ]"
check badhash_message "grep -q 't-good: sha256 mismatch' '$T/err' && grep -q '$H' '$T/err'"
check badhash_no_final "[ ! -e '$T/m2/good.bin' ]"
check badhash_no_part "[ ! -e '$T/m2/good.bin.part' ]"
check badhash_kept_bad "[ -f '$T/m2/good.bin.bad' ]"
$B models path t-good > /dev/null 2> "$T/err"; rc=$?
check path_missing_exit1 "[ $rc -eq 1 ] && grep -q 'model not found' '$T/err' && grep -q '$T/m2/good.bin' '$T/err'"

# 4. Truncated transfer: exit 1, the .part kept for resume.
export FACESTITCH_MODELS="$T/m3"
FACESTITCH_MIRROR="$BASE/trunc/100000" $B models fetch t-good 2> "$T/err"; rc=$?
cat "$T/err"
check trunc_exit1 "[ $rc -eq 1 ]"
check trunc_message "grep -q 'cut short' '$T/err' && grep -q 'resume' '$T/err'"
check trunc_part_kept "[ -f '$T/m3/good.bin.part' ] && [ \"\$(size '$T/m3/good.bin.part')\" = 100000 ]"
check trunc_no_final "[ ! -e '$T/m3/good.bin' ]"

# 5. Resumed transfer: the server sees a Range request from byte 100000; the final hash is good.
FACESTITCH_MIRROR="$BASE" $B models fetch t-good 2> "$T/err"; rc=$?
cat "$T/err"
check resume_exit0 "[ $rc -eq 0 ]"
check resume_range_seen "grep -q 'GET /good.bin range=100000' '$T/log'"
check resume_hash "[ \"\$(sha '$T/m3/good.bin')\" = '$H' ]"
check resume_no_part "[ ! -e '$T/m3/good.bin.part' ]"
check resume_said "grep -q 'resuming at byte 100000' '$T/err'"

# 6. A server that ignores Range (200): the part is started over and the result is still right.
export FACESTITCH_MODELS="$T/m4"
FACESTITCH_MIRROR="$BASE/trunc/7000" $B models fetch t-good 2> /dev/null
FACESTITCH_MIRROR="$BASE/norange" $B models fetch t-good 2> "$T/err"; rc=$?
check norange_exit0 "[ $rc -eq 0 ] && grep -q 'starting over' '$T/err'"
check norange_hash "[ \"\$(sha '$T/m4/good.bin')\" = '$H' ]"

# 7. 404: exit 1, message names the URL and the model; no files left behind.
export FACESTITCH_MODELS="$T/m5"
FACESTITCH_MIRROR="$BASE" $B models fetch t-missing 2> "$T/err"; rc=$?
cat "$T/err"
check 404_exit1 "[ $rc -eq 1 ]"
check 404_message "grep -q 't-missing: HTTP 404 from $BASE/missing.bin' '$T/err'"
check 404_no_files "[ -z \"\$(ls -A '$T/m5' 2>/dev/null)\" ]"
# the official URL (no mirror) gives the same clear message and names where to get it
$B models fetch t-missing 2> "$T/err"; rc=$?
check 404_official "[ $rc -eq 1 ] && grep -q 'HTTP 404' '$T/err' && grep -q 'put it at' '$T/err'"
FACESTITCH_MIRROR="$BASE/status/500" $B models fetch t-good 2> "$T/err"; rc=$?
check 500_message "[ $rc -eq 1 ] && grep -q 'HTTP 500' '$T/err'"

# 8. Size mismatch (server file longer than the manifest says): exit 1, nothing saved.
FACESTITCH_MIRROR="$BASE" $B models fetch t-size 2> "$T/err"; rc=$?
cat "$T/err"
check size_exit1 "[ $rc -eq 1 ] && grep -q 'size mismatch' '$T/err'"
check size_no_final "[ ! -e '$T/m5/sized.bin' ] && [ ! -e '$T/m5/sized.bin.part' ]"

# 8b. Unknown exact size: a server sending far more than the estimate is cut off; the .part is kept.
FACESTITCH_MIRROR="$BASE" $B models fetch t-est 2> "$T/err"; rc=$?
check estimate_cap "[ $rc -eq 1 ] && grep -q 'more than 3x the expected' '$T/err' && [ ! -e '$T/m5/est.bin' ]"

# 9. Unreachable host (closed port on 127.0.0.1): a clear offline message, quickly.
t0=$(date +%s)
FACESTITCH_MIRROR="http://127.0.0.1:1" $B models fetch --connect-timeout 5 t-good 2> "$T/err"; rc=$?
t1=$(date +%s)
cat "$T/err"
check offline_exit1 "[ $rc -eq 1 ]"
check offline_message "grep -q 'cannot connect to http://127.0.0.1:1/good.bin (offline' '$T/err'"
check offline_quick "[ \$(( $t1 - $t0 )) -le 6 ]"

# 10. Manual-only model without a mirror: where to get it and exactly where to put it.
$B models fetch t-manual 2> "$T/err"; rc=$?
cat "$T/err"
check manual_exit1 "[ $rc -eq 1 ]"
check manual_message "grep -q 'cannot be fetched automatically' '$T/err' && grep -q 'example.org/manual-download' '$T/err' && grep -q 'ask the authors' '$T/err' && grep -q \"Put it at $T/m5/manual.bin\" '$T/err'"

# 11. No published hash: the first download prints its sha256 and pins it; verify uses the pin.
export FACESTITCH_MODELS="$T/m6"
HN=$(sha "$T/www/sub/nohash.bin")
FACESTITCH_MIRROR="$BASE" $B models fetch t-nohash 2> "$T/err"; rc=$?
cat "$T/err"
check nohash_exit0 "[ $rc -eq 0 ] && grep -q '$HN' '$T/err'"
check nohash_pinned "[ -f '$T/m6/sub/nohash.bin.sha256' ] && grep -q '^$HN  nohash.bin' '$T/m6/sub/nohash.bin.sha256'"
check nohash_verify "$B models verify t-nohash | grep -q '^ok .*pinned'"
printf 'x' >> "$T/m6/sub/nohash.bin"
$B models verify t-nohash > "$T/out"; rc=$?
check pin_mismatch "[ $rc -eq 1 ] && grep -q 'BAD-HASH' '$T/out'"
FACESTITCH_MIRROR="$BASE/bad" $B models fetch --force t-nohash 2> "$T/err"; rc=$?
check pin_guards_refetch "[ $rc -eq 1 ] && grep -q 'pinned by an earlier download' '$T/err' && grep -q 'nohash.bin.sha256' '$T/err'"

# 12. A present file that went bad: verify says so, fetch refuses, fetch --force repairs it.
export FACESTITCH_MODELS="$T/m"
printf 'corrupt' | dd of="$T/m/good.bin" bs=1 seek=1000 conv=notrunc 2>/dev/null
$B models verify t-good > "$T/out"; rc=$?
check verify_bad "[ $rc -eq 1 ] && grep -q '^BAD-HASH *t-good' '$T/out'"
FACESTITCH_MIRROR="$BASE" $B models fetch t-good 2> "$T/err"; rc=$?
check fetch_refuses_bad "[ $rc -eq 1 ] && grep -q -- '--force' '$T/err'"
FACESTITCH_MIRROR="$BASE" $B models fetch --force t-good 2> "$T/err"; rc=$?
check force_repairs "[ $rc -eq 0 ] && [ \"\$(sha '$T/m/good.bin')\" = '$H' ]"

# 13. Redirects are followed.
export FACESTITCH_MODELS="$T/m7"
FACESTITCH_MIRROR="$BASE/redirect" $B models fetch t-other 2> "$T/err"; rc=$?
check redirect "[ $rc -eq 0 ] && [ \"\$(sha '$T/m7/other.bin')\" = '$H' ]"

# 13b. A stalled transfer gives up after --stall-timeout and keeps the .part; a second fetch of the
#      same model meanwhile is refused (lock), not allowed to corrupt the .part.
export FACESTITCH_MODELS="$T/m8"
t0=$(date +%s)
FACESTITCH_MIRROR="$BASE/stall/50000" $B models fetch --stall-timeout 2 t-good 2> "$T/err_a" &
A=$!
i=0
while [ "$(size "$T/m8/good.bin.part" 2>/dev/null || echo 0)" != 50000 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
FACESTITCH_MIRROR="$BASE" $B models fetch t-good 2> "$T/err"; rc=$?
check lock_refuses "[ $rc -eq 1 ] && grep -q 'another facestitch' '$T/err'"
wait $A; rc=$?
t1=$(date +%s)
cat "$T/err_a"
check stall_exit1 "[ $rc -eq 1 ] && grep -q 'cut short' '$T/err_a' && grep -q 'no data for 2 s' '$T/err_a'"
check stall_part_kept "[ \"\$(size '$T/m8/good.bin.part')\" = 50000 ] && [ ! -e '$T/m8/good.bin' ]"
check stall_bounded "[ \$(( $t1 - $t0 )) -le 5 ]"
FACESTITCH_MIRROR="$BASE" $B models fetch t-good 2> "$T/err"; rc=$?
check stall_then_resume "[ $rc -eq 0 ] && grep -q 'GET /good.bin range=50000' '$T/log' && [ \"\$(sha '$T/m8/good.bin')\" = '$H' ]"

# A server that answers the headers and then sends nothing: a clear message, no .part left.
export FACESTITCH_MODELS="$T/m10"
FACESTITCH_MIRROR="$BASE/stall/0" $B models fetch --stall-timeout 1 t-good 2> "$T/err"; rc=$?
cat "$T/err"
check stall_no_data "[ $rc -eq 1 ] && grep -q 'no data from .* for 1 s' '$T/err' && [ ! -e '$T/m10/good.bin.part' ]"

# 13c. A complete .part of known size is checked without any request; a complete .part of unknown
#      size gets 416 from the server and is then checked (and pinned); an oversized .part restarts.
export FACESTITCH_MODELS="$T/m9"
mkdir -p "$T/m9/sub"
cp "$T/www/good.bin" "$T/m9/good.bin.part"
n1=$(wc -l < "$T/log")
FACESTITCH_MIRROR="$BASE" $B models fetch t-good 2> "$T/err"; rc=$?
check complete_part_no_request "[ $rc -eq 0 ] && [ \"\$(wc -l < '$T/log')\" = '$n1' ] && [ -f '$T/m9/good.bin' ]"
cp "$T/www/sub/nohash.bin" "$T/m9/sub/nohash.bin.part"
FACESTITCH_MIRROR="$BASE" $B models fetch t-nohash 2> "$T/err"; rc=$?
check part_416 "[ $rc -eq 0 ] && grep -q 'GET /sub/nohash.bin range=5000' '$T/log' && grep -q '^$HN' '$T/m9/sub/nohash.bin.sha256'"
rm -f "$T/m9/good.bin"
head -c 400000 /dev/zero > "$T/m9/good.bin.part"
FACESTITCH_MIRROR="$BASE" $B models fetch t-good 2> "$T/err"; rc=$?
check oversized_part_restarts "[ $rc -eq 0 ] && [ \"\$(sha '$T/m9/good.bin')\" = '$H' ]"

# 14. list / verify / --json.
export FACESTITCH_MODELS="$T/m"
$B models list > "$T/out"; rc=$?
check list_exit0 "[ $rc -eq 0 ] && grep -q '^t-good .*present' '$T/out' && grep -q '^t-manual .*missing *manual' '$T/out'"
check list_builtin "grep -q '^stylegan2-ffhq ' '$T/out' && grep -q '^e4e-ffhq ' '$T/out'"
$B models list --json > "$T/out"; rc=$?
check list_json "[ $rc -eq 0 ] && grep -q '\"name\":.*\"t-good\"' '$T/out' && grep -q '\"present\":.*true' '$T/out'"
$B models verify > "$T/out"; rc=$?
cat "$T/out"
check verify_all "[ $rc -eq 0 ] && grep -q '^missing *t-manual .*example.org' '$T/out'"
$B models verify --json t-good > "$T/out"; rc=$?
check verify_json "[ $rc -eq 0 ] && grep -q '\"state\":.*\"ok\"' '$T/out'"

# 15. Usage and manifest errors.
$B models > /dev/null 2>&1; rc=$?
check no_sub_exit2 "[ $rc -eq 2 ]"
$B models fetch no-such-model > /dev/null 2>&1; rc=$?
check fetch_unknown_exit2 "[ $rc -eq 2 ]"
$B models path no-such-model 2> "$T/err"; rc=$?
check path_unknown_exit1 "[ $rc -eq 1 ] && grep -q 'unknown model' '$T/err'"
$B -q models init --tiny --out "$T/tiny" 2> "$T/err"; rc=$?
check init_tiny "[ $rc -eq 0 ] && [ -s '$T/tiny/generator.safetensors' ] && [ -s '$T/tiny/directions/age.npy' ]"
$B models init --out "$T/tiny2" 2> "$T/err"; rc=$?
check init_needs_tiny "[ $rc -eq 2 ] && [ ! -e '$T/tiny2' ]"
echo '{"models": [{"name": "x", "file": "../escape"}]}' > "$T/evil.json"
FACESTITCH_REGISTRY_MANIFEST="$T/evil.json" $B models list > /dev/null 2> "$T/err"; rc=$?
check manifest_evil "[ $rc -eq 1 ] && grep -q 'evil.json' '$T/err' && grep -q '\.\.' '$T/err'"
echo '{"models": [' > "$T/broken.json"
FACESTITCH_REGISTRY_MANIFEST="$T/broken.json" $B models list > /dev/null 2> "$T/err"; rc=$?
check manifest_broken "[ $rc -eq 1 ] && grep -q 'broken.json: not valid JSON' '$T/err'"

# 16. Built-in Google Drive models: no download attempted, where to get + where to put.
unset FACESTITCH_REGISTRY_MANIFEST
$B models fetch e4e-ffhq 2> "$T/err"; rc=$?
cat "$T/err"
check drive_exit1 "[ $rc -eq 1 ] && grep -q 'drive.google.com' '$T/err' && grep -q \"Put it at $T/m/e4e_ffhq_encode.pt\" '$T/err'"
$B models path bisenet-face 2> "$T/err"; rc=$?
check drive_path "[ $rc -eq 1 ] && grep -q 'bisenet-face: model not found (79999_iter.pth)' '$T/err'"
if [ -f /usr/share/dlib/shape_predictor_68_face_landmarks.dat ]; then
  check dlib_system "[ \"\$($B models path dlib-68)\" = /usr/share/dlib/shape_predictor_68_face_landmarks.dat ]"
else
  echo "SKIP dlib_system (libdlib-data not installed)"
fi

kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; SRV=
echo "server log:"; cat "$T/log"
exit $fail
