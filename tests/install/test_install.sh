#!/bin/sh
# `cmake --install build --prefix P` installs the binary, libfacestitch (static and shared), the header,
# facestitch.pc, the man page and bash completion; a C program built with
# `pkg-config --cflags --libs facestitch` (and --static) against P calls the public API.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
BUILD=${FS_BUILD:?}
command -v pkg-config >/dev/null || skip "pkg-config not installed"
command -v cc >/dev/null || skip "no C compiler (cc)"
T=$(mktemp -d /tmp/fs_test_install_XXXXXX)
trap 'rm -rf "$T"' EXIT
P=$T/prefix

cmake --install "$BUILD" --prefix "$P" >"$T/log" 2>&1; rc=$?
check install_exit0 "[ $rc -eq 0 ]"
[ $rc -eq 0 ] || { cat "$T/log"; finish; }
LIB=$(ls -d "$P"/lib* | head -n 1)
check binary "[ -x $P/bin/facestitch ] && $P/bin/facestitch --version | grep -q '^facestitch [0-9]'"
check static_lib "[ -s $LIB/libfacestitch.a ]"
check shared_lib "[ -s $LIB/libfacestitch.so ] && ls $LIB/libfacestitch.so.* >/dev/null 2>&1"
check header "cmp -s $P/include/facestitch.h $FS_SRC/include/facestitch.h"
check pc_file "[ -s $LIB/pkgconfig/facestitch.pc ]"
if command -v help2man >/dev/null; then
  check man_page "grep -q '^\\.TH FACESTITCH \"1\"' $P/share/man/man1/facestitch.1 && grep -q 'edit' $P/share/man/man1/facestitch.1"
else
  echo "SKIP man_page: help2man not installed"
fi
check bash_completion "[ -s $P/share/bash-completion/completions/facestitch ]"
if command -v bash >/dev/null; then
  # complete "facestitch ed" and "facestitch edit --ed" with the installed binary first on PATH
  cat >"$T/c.sh" <<EOS
PATH="$P/bin:\$PATH"
. "$P/share/bash-completion/completions/facestitch"
COMP_WORDS=(facestitch ed); COMP_CWORD=1; _facestitch; echo "cmds: \${COMPREPLY[*]}"
COMP_WORDS=(facestitch edit --ed); COMP_CWORD=2; _facestitch; echo "opts: \${COMPREPLY[*]}"
EOS
  bash "$T/c.sh" >"$T/comp" 2>&1
  check completion_works "grep -q '^cmds: edit\$' $T/comp && grep -q '^opts: .*--edit' $T/comp"
fi

# a program outside the tree, against the installed prefix only (an ASan build's library needs the
# sanitizer runtime in the program too)
SAN=""
grep -q '^FS_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" && SAN="-fsanitize=address,undefined"
export PKG_CONFIG_PATH="$LIB/pkgconfig"
flags=$(pkg-config --cflags --libs facestitch); rc=$?
check pkg_config "[ $rc -eq 0 ] && echo '$flags' | grep -q -- '-lfacestitch' && [ -f \"\$(pkg-config --variable=includedir facestitch)/facestitch.h\" ]"
cc -std=c11 -Wall -Werror $SAN -o "$T/use_api" "$FS_SRC/tests/install/use_api.c" $flags 2>"$T/cc.err"; rc=$?
check build_shared "[ $rc -eq 0 ]"
[ $rc -eq 0 ] || cat "$T/cc.err"
LD_LIBRARY_PATH="$LIB" "$T/use_api" "$T/missing.mp4" "$T/out.mp4" >"$T/run" 2>&1; rc=$?
check run_shared "[ $rc -eq 0 ] && grep -q '^facestitch [0-9]' $T/run && [ ! -e $T/out.mp4 ]"
[ $rc -eq 0 ] || cat "$T/run"
check uses_installed_so "LD_LIBRARY_PATH=$LIB ldd $T/use_api | grep -q '$LIB/libfacestitch.so'"
# the static library with its dependencies (Requires.private, libs_private) linked the ordinary (shared) way
deps=$(pkg-config --print-requires-private facestitch | cut -d' ' -f1)
cc -std=c11 $SAN -o "$T/use_api_static" "$FS_SRC/tests/install/use_api.c" $(pkg-config --cflags facestitch) \
   "$LIB/libfacestitch.a" $(pkg-config --libs $deps) $(pkg-config --variable=libs_private facestitch) \
   2>"$T/cc2.err"; rc=$?
check build_static "[ $rc -eq 0 ]"
[ $rc -eq 0 ] || cat "$T/cc2.err"
"$T/use_api_static" "$T/missing.mp4" "$T/out.mp4" >"$T/run2" 2>&1; rc=$?
check run_static "[ $rc -eq 0 ] && ! ldd $T/use_api_static | grep -q libfacestitch"
finish
