#!/bin/sh
# test_weights_cli_hostile.sh — `facestitch inspect` on every file of tests/weights/hostile:
#  exit 1, ONE line "facestitch: FILE: reason" on stderr, no sanitizer report, nothing executed
#  (the os.system pickles would create a marker file); usage errors exit 2.
set -u
. "${FS_SRC:?FS_SRC not set}/tests/testlib.sh"
BIN=${FS_BIN:?FS_BIN not set}
SRC=$FS_SRC
HOSTILE="$SRC/tests/weights/hostile"
T=$(mktemp -d /tmp/fs_weights_cli.XXXXXX)
MARKER=/tmp/facestitch_hostile_pwned
trap 'rm -rf "$T"' EXIT
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
# the loop saw the whole corpus (an empty or missing folder would leave one unexpanded pattern)
check corpus_seen "[ $n -gt 0 ] && [ $n -eq \$(ls '$HOSTILE' | wc -l) ] && [ -e '$HOSTILE/pkl_os_system.pkl' ]"
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

[ $fail -eq 0 ] && echo "all hostile-input CLI checks passed"
finish
