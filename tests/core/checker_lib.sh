# checker_lib.sh — sourced by the tests of the scripts/check-* source checkers:
#   check NAME 'SHELL TEST'   prints OK/FAIL NAME and sets fail=1 on a failure (exit $fail at the end)
#   $T                        an empty scratch folder for a small made-up source tree, removed at exit
fail=0
check() { if eval "$2"; then echo "OK $1"; else echo "FAIL $1"; fail=1; fi; }
T=$(mktemp -d "${TMPDIR:-/tmp}/fs-checker.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
