#!/bin/sh
# The long stress run behind `make soak`: 5,000 concurrent wss:// echo
# connections held while slow readers (clients that send and never read)
# push at the server, on loopback; then everything must return to its
# baseline (clients, goroutines; goleak checks the package at the end).
#
#   testdata/soak.sh                          defaults below
#   SOAK_CONNS=10000 SOAK_HOLD=5m testdata/soak.sh
#
# Environment: SOAK_CONNS (5000), SOAK_SLOW (50 slow readers), SOAK_HOLD
# (30s), GO (go). Each connection needs two file descriptors in this one
# process (client and server side): the script raises the soft limit.
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}
conns=${SOAK_CONNS:-5000}
need=$((2 * conns + 1000))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
	ulimit -n "$need" 2>/dev/null || {
		echo "soak: need $need open files, the limit is $(ulimit -n) (raise it, or lower SOAK_CONNS)" >&2
		exit 1
	}
fi
export WSSKIT_SOAK=1 SOAK_CONNS="$conns" SOAK_SLOW="${SOAK_SLOW:-50}" SOAK_HOLD="${SOAK_HOLD:-30s}"
exec $GO test ./wsecho -run '^TestSoak$' -count=1 -timeout 60m -v
