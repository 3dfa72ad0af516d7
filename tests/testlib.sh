# testlib.sh — what every CLI test script shares. Source it first:  . "${FS_SRC:?}/tests/testlib.sh"
#
#   check NAME 'EXPR'     runs EXPR; prints "OK NAME" or "FAIL NAME" and remembers the failure
#   close A B TOL         true when A, B and TOL are finite numbers and |A - B| <= TOL
#   num A OP B            true when A and B are finite numbers and "A OP B" holds (OP: < <= > >= == !=)
#   key NAME FILE         prints the value of "NAME": in a facestitch --json report (false when absent)
#   need_shared PATH      skips (77) when PATH under ../shared is absent; fails instead
#                         when CI=true, where ../shared is always provided
#   have_shared PATH      for a part of a test that may be left out: true when PATH under ../shared is
#                         there; else false with a note, and under CI=true a failed check as well
#   skip REASON           exits 77, or 1 when a check already failed (a skip never hides a failure)
#   finish                exits 1 when a check failed, else 0
#
# Numbers are plain decimals ("0.07", "-1e-5"): "nan", "inf", "" and anything else are not numbers,
# so a NaN distance or a missing JSON key fails the check (awk would read both as a number, mawk's NaN
# even compares as equal to everything). tests/harness/test_harness_testlib.sh checks these helpers.

# sourced twice (a test and a helper it sources): the failures seen so far are kept
[ -n "${fs__testlib:-}" ] || fail=0
fs__testlib=1

check() {
    if eval "$2"; then echo "OK $1"; else echo "FAIL $1"; fail=1; fi
}

is_num() {
    case $1 in *"
"*) return 1 ;; esac
    printf '%s\n' "$1" | grep -Eq '^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$'
}

num() {
    is_num "$1" && is_num "$3" || return 1
    awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {
        a += 0; b += 0
        if (op == "<") r = a < b; else if (op == "<=") r = a <= b; else if (op == ">") r = a > b
        else if (op == ">=") r = a >= b; else if (op == "==") r = a == b; else if (op == "!=") r = a != b
        else r = 0
        exit !r }'
}

close() {
    is_num "$1" && is_num "$2" && is_num "$3" || return 1
    awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t + 0) }'
}

key() {
    grep "^  \"$1\": " "$2" | sed -e "s/^  \"$1\": //" -e 's/,$//' | grep .
}

skip() {
    if [ "$fail" -ne 0 ]; then
        echo "FAIL: a check failed before the skip ($1)"
        exit 1
    fi
    echo "SKIP: $1"
    exit 77
}

need_shared() {
    [ -e "$1" ] && return 0
    if [ "${CI:-}" = true ]; then
        echo "FAIL: $1 not found and CI=true (CI always provides ../shared)"
        exit 1
    fi
    skip "$1 not found (../shared is absent)"
}

have_shared() {
    [ -e "$1" ] && return 0
    if [ "${CI:-}" = true ]; then
        echo "FAIL: $1 not found and CI=true (CI always provides ../shared)"
        fail=1
    else
        echo "note: $1 not found (../shared is absent): that part is left out"
    fi
    return 1
}

# probe FILE STREAMS ENTRIES: the first value ffprobe gives for ENTRIES (e.g. stream=nb_frames) of the
# STREAMS (e.g. v:0) of FILE; empty when there is none
probe() {
    ffprobe -v error -select_streams "$2" -show_entries "$3" -of default=nw=1:nk=1 "$1" | head -n 1
}

finish() {
    exit "$fail"
}
