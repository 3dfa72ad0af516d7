# Sourced by the MPI tests of this folder (after setting NAME): sources tests/testlib.sh (check, skip,
# need_shared, finish); skips (77) when the build has no MPI or mpirun is absent; sets mpi (runs the
# launcher), the environment mpirun needs on CI (root, 2 cores: --oversubscribe), T (a temporary dir
# removed at exit), and
# kill_one_rank PID (SIGKILL to one rank of the job: mpirun then ends the others), ranks_gone.
. "$(dirname "$0")/../testlib.sh" # again is harmless: failures seen so far are kept
[ "${FS_HAVE_MPI:-0}" = 1 ] || skip "built without MPI (-DFS_MPI=OFF or MPI not found)"
MPI=${FS_MPIEXEC:-}
case "$MPI" in ""|*NOTFOUND) MPI=$(command -v mpirun || true) ;; esac
[ -n "$MPI" ] || skip "mpirun not found (install openmpi-bin)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# mpi ARGS...: mpirun ARGS. In sanitizer builds the ranks report leaks except Open MPI's own
# allocations held at exit (lsan-openmpi.supp; full unwinding, as its plugins are unloaded by then).
SUPP="$(cd "$(dirname "$0")" && pwd)/lsan-openmpi.supp"
mpi() {
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0" \
  LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$SUPP" "$MPI" "$@"
}
T=$(mktemp -d "/tmp/fs_test_${NAME:-dist}_XXXXXX")
trap 'rm -rf "$T"' EXIT
descendants() { for c in $(ps -o pid= --ppid "$1"); do echo "$c"; descendants "$c"; done; }
# PID: the background job started with `mpi ... &` (a subshell above mpirun, above the ranks)
kill_one_rank() {
  RANKS=$(for p in $(descendants "$1"); do ps -o pid=,comm= -p "$p"; done | awk '$2 == "facestitch" { print $1 }')
  [ "$(echo $RANKS | wc -w)" -ge 2 ] || return 1
  victim=$(echo "$RANKS" | tail -1)
  [ -n "$victim" ] && kill -9 $victim
}
# after `wait MPIRUN_PID`: waits (at most 60 s) until the other ranks are gone too (one stopped by
# SIGTERM finishes the frame it is on and keeps it)
ranks_gone() {
  i=0
  for p in $RANKS; do
    while kill -0 "$p" 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done
  done
  for p in $RANKS; do ! kill -0 "$p" 2>/dev/null || return 1; done
}
