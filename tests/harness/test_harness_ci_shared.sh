#!/bin/sh
# scripts/test with CI=true fails (exit 1, one line naming the folder) when ../shared/fixtures or
# ../shared/media is missing or empty, before it installs or builds anything; without CI it warns
# and goes on. Runs only the preflight (scripts/test --preflight), never the suite.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
T=$(mktemp -d /tmp/fs_test_ci_shared_XXXXXX)
trap 'rm -rf "$T"' EXIT
TEST="$FS_SRC/scripts/test"
pre() { FS_SHARED="$1" timeout 20 sh "$TEST" --preflight >"$T/out" 2>"$T/err"; }

mkdir -p "$T/empty" "$T/half/fixtures" "$T/full/fixtures" "$T/full/media" "$T/hollow/fixtures" "$T/hollow/media"
echo x >"$T/half/fixtures/a" && echo x >"$T/full/fixtures/a" && echo x >"$T/full/media/b" && echo x >"$T/hollow/fixtures/a"
CI=true pre "$T/empty"; rc=$?
check ci_empty_fails "[ $rc -eq 1 ] && [ \$(wc -l <$T/err) -eq 1 ] && grep -q '$T/empty/fixtures' $T/err && grep -q CI=true $T/err"
CI=true pre "$T/half"; rc=$?
check ci_no_media_fails "[ $rc -eq 1 ] && grep -q '$T/half/media' $T/err"
CI=true pre "$T/hollow"; rc=$?
check ci_empty_media_fails "[ $rc -eq 1 ] && grep -q '$T/hollow/media' $T/err"
CI=true pre "$T/full"; rc=$?
check ci_full_passes "[ $rc -eq 0 ] && [ ! -s $T/err ]"
env -u CI FS_SHARED="$T/empty" timeout 20 sh "$TEST" --preflight >"$T/out" 2>"$T/err"; rc=$?
check no_ci_warns "[ $rc -eq 0 ] && grep -q 'warning: $T/empty/fixtures is missing' $T/err"
CI=false pre "$T/empty"; rc=$?
check ci_false_warns "[ $rc -eq 0 ] && grep -q warning $T/err"
finish
