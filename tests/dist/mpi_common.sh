# Sourced by the MPI tests of this folder (after setting NAME): skips (exit 77) when the build has
# no MPI or mpirun is absent; sets mpi (runs the launcher), the environment mpirun needs on CI (root,
# 2 cores: --oversubscribe), T (a temporary dir removed at exit), check NAME CONDITION, and
# kill_one_rank MPIRUN_PID (SIGKILL to one of its ranks: mpirun then ends the others).
[ "${FS_HAVE_MPI:-0}" = 1 ] || { echo "SKIP: built without MPI (-DFS_MPI=OFF or MPI not found)"; exit 77; }
MPI=${FS_MPIEXEC:-}
case "$MPI" in ""|*NOTFOUND) MPI=$(command -v mpirun || true) ;; esac
[ -n "$MPI" ] || { echo "SKIP: mpirun not found (install openmpi-bin)"; exit 77; }
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
fail=0
check() { if eval "$2"; then echo "OK $1"; else echo "FAIL $1"; fail=1; fi; }
kill_one_rank() {
  victim=$(ps -o pid= --ppid "$1" | tail -1)
  [ -n "$victim" ] && kill -9 $victim
}
