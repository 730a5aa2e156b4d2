#!/bin/sh
# run_under_mpirun.sh MPIEXEC NP EXECUTABLE [ARGS...]
# Runs EXECUTABLE on NP ranks of this machine (oversubscribed: the tests use more ranks than
# CI has cores) under a watchdog: a hung job is killed after DSGDLAB_MPI_TEST_TIMEOUT seconds
# (default 600) and fails with exit code 124. A machine whose mpirun cannot start processes at
# all (a container without a launcher) exits 77, which ctest reports as skipped.
set -u
mpiexec=$1
np=$2
shift 2
flags="--oversubscribe"
if [ "$(id -u)" = 0 ]; then flags="$flags --allow-run-as-root"; fi
if ! timeout 60 "$mpiexec" $flags -np 2 true >/dev/null 2>&1; then
  echo "mpirun cannot start processes on this machine ($mpiexec $flags -np 2 true failed); skipped"
  exit 77
fi
exec timeout --kill-after=10 "${DSGDLAB_MPI_TEST_TIMEOUT:-600}" "$mpiexec" $flags -np "$np" "$@"
