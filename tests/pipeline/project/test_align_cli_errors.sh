#!/bin/sh
# Every broken_* file given to faces / align: exit 1 with exactly one line on stderr naming the
# file, no crash (scripts/test also runs this under ASan + UBSan).
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
M=${FS_SHARED:-../shared}/media
need_shared "$M"
T=$(mktemp -d /tmp/fs_test_align_err.XXXXXX)
trap 'rm -rf "$T"' EXIT
ok() { echo "OK $1"; }
bad() { echo "FAIL $1"; fail=1; }
n_broken=0
# every broken file: exit 1, exactly one line on stderr naming the file, no crash
for f in "$M"/broken_*; do
  n=$(basename "$f")
  n_broken=$((n_broken + 1))
  for cmd in faces align; do
    if [ $cmd = align ]; then extra="--project $T/p_$n"; else extra=""; fi
    $B -q $cmd "$f" $extra >/dev/null 2>"$T/err"; rc=$?
    lines=$(wc -l < "$T/err")
    if [ $rc -eq 1 ] && [ "$lines" -eq 1 ] && grep -q "$n" "$T/err" && ! grep -qi 'internal error\|sanitizer' "$T/err"; then
      ok "${cmd}_$n: $(cat "$T/err")"
    else
      bad "${cmd}_$n (rc $rc, $lines lines): $(head -c 300 "$T/err")"
    fi
  done
done

check found_broken_files "[ $n_broken -ge 9 ]"
# the project dir is not created for a file that cannot be read
check no_project_left "[ ! -e '$T/p_broken_zero_bytes.mp4' ] && [ ! -e '$T/p_broken_text_file.mp4' ]"
finish
