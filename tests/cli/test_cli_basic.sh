#!/bin/sh
# The CLI's contract basics: --version, --help, exit codes for bad usage.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
check version "$B --version | grep -q '^facestitch [0-9]'"
check help "$B --help | grep -q 'Commands:'"
check help_lists_edit "$B --help | grep -q ' edit '"
$B no-such-command >/dev/null 2>&1; rc=$?
check unknown_cmd_exit2 "[ $rc -eq 2 ]"
$B >/dev/null 2>&1; rc=$?
check no_args_exit2 "[ $rc -eq 2 ]"
$B --threads abc --help >/dev/null 2>&1; rc=$?
check bad_threads_exit2 "[ $rc -eq 2 ]"
for c in inspect convert models generate encode lpips parse faces align composite invert edit metrics bench; do
  check "help_$c" "$B $c --help >/dev/null"
done
exit $fail
