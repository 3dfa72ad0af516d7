#!/bin/sh
# The MPI layer over 2 ranks (mpirun -np 2 --oversubscribe: CI has 2 cores and runs as root), and
# the same program alone (one rank). Skips when the build has no MPI or mpirun is absent.
set -u
T=${1:?test binary}
"$T" 1 || { echo "FAIL one process"; exit 1; }
[ "${FS_HAVE_MPI:-0}" = 1 ] || { echo "SKIP: built without MPI (-DFS_MPI=OFF or MPI not found)"; exit 77; }
MPI=${FS_MPIEXEC:-}
case "$MPI" in ""|*NOTFOUND) MPI=$(command -v mpirun || true) ;; esac
[ -n "$MPI" ] || { echo "SKIP: mpirun not found (install openmpi-bin)"; exit 77; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" # Open MPI's own allocations at exit
"$MPI" -np 2 --oversubscribe "$T" 2 || { echo "FAIL 2 ranks"; exit 1; }
"$MPI" -np 3 --oversubscribe "$T" 3 || { echo "FAIL 3 ranks"; exit 1; }
echo "OK"
