# Sourced by the MPI tests of this folder (after setting NAME): skips (exit 77) when the build has
# no MPI or mpirun is absent; sets MPI (the launcher), the environment mpirun needs on CI (root,
# 2 cores: --oversubscribe), T (a temporary dir removed at exit), check NAME CONDITION, and
# kill_one_rank MPIRUN_PID (SIGKILL to one of its ranks: mpirun then ends the others).
[ "${FS_HAVE_MPI:-0}" = 1 ] || { echo "SKIP: built without MPI (-DFS_MPI=OFF or MPI not found)"; exit 77; }
MPI=${FS_MPIEXEC:-}
case "$MPI" in ""|*NOTFOUND) MPI=$(command -v mpirun || true) ;; esac
[ -n "$MPI" ] || { echo "SKIP: mpirun not found (install openmpi-bin)"; exit 77; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" # Open MPI's own allocations at exit
T=$(mktemp -d "/tmp/fs_test_${NAME:-dist}_XXXXXX")
trap 'rm -rf "$T"' EXIT
fail=0
check() { if eval "$2"; then echo "OK $1"; else echo "FAIL $1"; fail=1; fi; }
kill_one_rank() {
  victim=$(ps -o pid= --ppid "$1" | tail -1)
  [ -n "$victim" ] && kill -9 $victim
}
