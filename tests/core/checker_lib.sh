# checker_lib.sh — sourced by the tests of the scripts/check-* source checkers:
#   tests/testlib.sh          check NAME 'SHELL TEST', num, skip, finish, ...
#   $T                        an empty scratch folder for a small made-up source tree, removed at exit
. "${FS_SRC:?}/tests/testlib.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/fs-checker.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
