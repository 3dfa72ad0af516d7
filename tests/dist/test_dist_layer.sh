#!/bin/sh
# The MPI layer over 2 ranks (mpirun -np 2 --oversubscribe: CI has 2 cores and runs as root), and
# the same program alone (one rank). Skips when the build has no MPI or mpirun is absent.
set -u
BIN=${1:?test binary}
"$BIN" 1 || { echo "FAIL one process"; exit 1; }
NAME=dist_layer
. "$(dirname "$0")/mpi_common.sh"
mpi -np 2 --oversubscribe "$BIN" 2 || { echo "FAIL 2 ranks"; exit 1; }
mpi -np 3 --oversubscribe "$BIN" 3 || { echo "FAIL 3 ranks"; exit 1; }
echo "OK"
