#!/bin/sh
# test_function_length.sh — no function in src/ is over 200 lines except the pickle VM's opcode
# switch (scripts/check-function-length), and the checker does catch a 201-line function, one-line
# functions and prototypes aside, in a small tree made here.
set -u
S=${FS_SRC:?}
CHK="$S/scripts/check-function-length"
. "$S/tests/core/checker_lib.sh"

"$CHK" "$S/src" || fail=1

mkdir -p "$T/src/weights" "$T/src/core"
# body N: a function whose braces are N lines apart inclusive, after a two-line signature
body() {
    printf 'static int %s(int a,\n                 int b) {\n' "$1"
    i=2; while [ "$i" -lt "$2" ]; do echo "    a += b;"; i=$((i + 1)); done
    echo "}"
}
{ echo "int proto(int a);"; echo "static int one(int a) { return a; }"
  echo "static const int table[] = {"; echo "    1,"; echo "};"; body fits 200; } > "$T/src/core/a.c"
check exactly_200_passes "'$CHK' '$T/src' >/dev/null"
body fs_pickle_run 400 > "$T/src/weights/pickle.c"
check pickle_vm_allowed "'$CHK' '$T/src' >/dev/null"
body too_long 201 >> "$T/src/core/a.c"
out=$("$CHK" "$T/src" 2>&1); rc=$?
check line_201_fails "[ $rc -eq 1 ] && echo \"\$out\" | grep -q 'src/core/a.c:[0-9]*: too_long is 201 lines (max 200)'"
check only_the_long_one "[ \$(echo \"\$out\" | grep -c ' lines (max') -eq 1 ]"
check allow_option "'$CHK' --allow src/core/a.c:too_long '$T/src' >/dev/null"
body fs_pickle_run 400 > "$T/src/core/pickle.c"
out=$("$CHK" --allow src/core/a.c:too_long "$T/src" 2>&1); rc=$?
check allowance_names_the_file "[ $rc -eq 1 ] && echo \"\$out\" | grep -q 'src/core/pickle.c:2: fs_pickle_run is 400'"
finish
