#!/bin/sh
# test_comment_paths.sh — comments and docs name only files that exist in the repository
# (scripts/check-comment-paths over the real tree), and the checker does catch a missing path, a
# ../shared citation and an unmatched glob in a small tree made here.
set -u
S=${FS_SRC:?}
CHK="$S/scripts/check-comment-paths"
. "$S/tests/core/checker_lib.sh"

"$CHK" "$S" || fail=1

mkdir -p "$T/src/core" "$T/docs" "$T/tests/core"
echo "# Notes" > "$T/docs/notes.md"
printf '/* a.h - see docs/notes.md, core/b.h, tests/core/*.sh and dlib/serialize.h (not ours) */\n' > "$T/src/core/a.h"
printf '/* b.h */\nstatic const char *p = "src/not/a/comment.c"; // core/a.h\n' > "$T/src/core/b.h"
printf '#!/bin/sh\n# runs src/core/a.h and docs/<name>.md\n' > "$T/tests/core/t.sh"
check good_tree_passes "'$CHK' '$T' >/dev/null"

printf '/* c.h - see docs/method.md */\n' > "$T/src/core/c.h"
out=$("$CHK" "$T" 2>&1); rc=$?
check missing_doc_fails "[ $rc -eq 1 ] && echo \"\$out\" | grep -q 'src/core/c.h:1: docs/method.md does not exist'"
rm "$T/src/core/c.h"

printf '/* d.c\n * (reference/stit.md section 5) */\n' > "$T/src/core/d.c"
out=$("$CHK" "$T" 2>&1); rc=$?
check shared_citation_fails "[ $rc -eq 1 ] && echo \"\$out\" | grep -q 'src/core/d.c:2: reference/stit.md is in ../shared'"
rm "$T/src/core/d.c"

printf '# CMake: see src/core/zz_*.c and core/gone.h\n' > "$T/tests/core/CMakeLists.txt"
out=$("$CHK" "$T" 2>&1); rc=$?
check glob_fails "[ $rc -eq 1 ] && echo \"\$out\" | grep -q 'zz_\*.c does not exist'"
check module_path_fails "echo \"\$out\" | grep -q 'core/gone.h (src/core/gone.h) does not exist'"
finish
