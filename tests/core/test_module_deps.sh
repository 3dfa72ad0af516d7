#!/bin/sh
# scripts/check-module-deps: passes on this tree, and fails on a made-up tree whose module includes
# a folder it does not declare (and declares one it does not use).
set -u
S=${FS_SRC:?}
. "$S/tests/testlib.sh"
sh "$S/scripts/check-module-deps" "$S"; rc=$?
check tree "[ $rc -eq 0 ]"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/src/a" "$t/src/b" "$t/src/c"
echo 'fs_module(fs_a a fs_b)' > "$t/CMakeLists.txt"
printf '#include "c/y.h"\n' > "$t/src/a/x.c"
out=$(sh "$S/scripts/check-module-deps" "$t" 2>&1); rc=$?
check mismatch_found "[ $rc -eq 1 ] && echo \"\$out\" | grep -q 'CMake lists \[b\] but the sources include \[c\]'"
[ $fail -eq 0 ] || echo "$out"
finish
