#!/bin/sh
# test_weights_corpus.sh — the checked-in hostile/ and seeds/ are exactly what make_hostile.c
# writes (so the corpus can be regenerated and reviewed from source).
set -u
. "${FS_SRC:?FS_SRC not set}/tests/testlib.sh"
GEN="${FS_BUILD:?FS_BUILD not set}/tests/weights/make_hostile"
DIR="${FS_SRC:?FS_SRC not set}/tests/weights"
[ -x "$GEN" ] || skip "$GEN not built"
T=$(mktemp -d /tmp/fs_corpus.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/hostile" "$T/seeds"
"$GEN" "$T/hostile" "$T/seeds" || { echo "FAIL: make_hostile"; exit 1; }
for d in hostile seeds; do
    diff -r "$DIR/$d" "$T/$d" >"$T/diff" 2>&1; rc=$?
    check "${d}_as_generated" "[ $rc -eq 0 ]"
    [ $rc -eq 0 ] || cat "$T/diff"
    check "${d}_not_empty" "[ -n \"\$(ls '$T/$d')\" ]"
done
echo "corpus: $(ls "$DIR/hostile" | wc -l) hostile files, $(ls "$DIR/seeds" | wc -l) seeds"
finish
