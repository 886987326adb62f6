#!/bin/sh
# Run every Go fuzz target (func FuzzXxx) of every package, one after the
# other, each for FUZZTIME (default 30s). `make fuzz FUZZTIME=10m` calls it.
#
#   testdata/fuzz-all.sh                 all targets, 30s each
#   FUZZTIME=10m testdata/fuzz-all.sh    all targets, 10 minutes each
#   testdata/fuzz-all.sh ./pki Load      targets of ./pki whose name matches Load
#
# Environment:
#   FUZZTIME      -fuzztime per target (a duration like 30s, or Nx runs)
#   FUZZPARALLEL  -parallel (fuzzing workers; default: GOMAXPROCS)
#   FUZZMINIMIZETIME  -fuzzminimizetime (default 60s; lower it on a busy
#                 machine: new inputs of targets that write files, like
#                 FuzzCAPath, take long to minimise)
#   TMPDIR        FuzzCAPath writes a CA folder per input under it; a RAM
#                 file system (tmpfs) makes that 30 times faster
#   GO            the go command (default: go)
#
# A target that fails leaves its crasher in PKG/testdata/fuzz/FuzzXxx/ (add
# it to git: it becomes a regression test of `go test`). The script goes on
# with the other targets and exits 1 at the end if any failed.
set -u
cd "$(dirname "$0")/.." || exit 1
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}
pkgs=${1:-./...}
match=${2:-.}
par=
[ -n "${FUZZPARALLEL:-}" ] && par="-parallel ${FUZZPARALLEL}"
[ -n "${FUZZMINIMIZETIME:-}" ] && par="$par -fuzzminimizetime ${FUZZMINIMIZETIME}"

failed=
total=0
for pkg in $($GO list "$pkgs"); do
	# -list needs the package to compile; errors are shown and counted.
	targets=$($GO test -list '^Fuzz' "$pkg") || { failed="$failed $pkg(list)"; continue; }
	for t in $(printf '%s\n' "$targets" | grep '^Fuzz' | grep -- "$match"); do
		total=$((total + 1))
		echo "== fuzz $pkg $t ($FUZZTIME)"
		# shellcheck disable=SC2086 # $par is a list of flags
		if ! $GO test "$pkg" -run '^$' -fuzz "^$t\$" -fuzztime "$FUZZTIME" $par; then
			failed="$failed $pkg.$t"
		fi
	done
done
if [ "$total" = 0 ]; then
	echo "fuzz-all: no fuzz target matched" >&2
	exit 1
fi
if [ -n "$failed" ]; then
	echo "fuzz-all: FAILED:$failed" >&2
	exit 1
fi
echo "fuzz-all: $total targets passed"
