#!/bin/sh
# test_weights_corpus.sh — the checked-in hostile/ and seeds/ are exactly what make_hostile.c
# writes (so the corpus can be regenerated and reviewed from source).
set -u
GEN="${FS_BUILD:?FS_BUILD not set}/tests/weights/make_hostile"
DIR="${FS_SRC:?FS_SRC not set}/tests/weights"
[ -x "$GEN" ] || { echo "SKIP: $GEN not built"; exit 77; }
T=$(mktemp -d /tmp/fs_corpus.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/hostile" "$T/seeds"
"$GEN" "$T/hostile" "$T/seeds" || { echo "FAIL: make_hostile"; exit 1; }
fail=0
for d in hostile seeds; do
    if ! diff -r "$DIR/$d" "$T/$d" >"$T/diff" 2>&1; then
        echo "FAIL: tests/weights/$d differs from make_hostile's output:"; cat "$T/diff"; fail=1
    fi
done
[ $fail -eq 0 ] && echo "OK corpus: $(ls "$DIR/hostile" | wc -l) hostile files, $(ls "$DIR/seeds" | wc -l) seeds, as generated"
exit $fail
