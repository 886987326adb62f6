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
#   FUZZMINIMIZETIME  -fuzzminimizetime (default 10x, see below; Go's own is 60s)
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

# Go minimises every new interesting input for up to 60 s by default. For
# targets whose runs take milliseconds (files, a loopback server, whole
# commands) and find new coverage every second, that leaves almost no time
# to fuzz (measured: FuzzShowFile spent 5 s of every 6 minimising with
# -fuzzminimizetime 5s). Ten minimising runs per input keep the fuzzing
# going; a crasher is still written and reproducible, if less trimmed
# (re-run one target with FUZZMINIMIZETIME=60s to trim it).
mini="-fuzzminimizetime ${FUZZMINIMIZETIME:-10x}"

failed=
total=0
for pkg in $($GO list "$pkgs"); do
	# -list needs the package to compile; errors are shown and counted.
	targets=$($GO test -list '^Fuzz' "$pkg") || { failed="$failed $pkg(list)"; continue; }
	for t in $(printf '%s\n' "$targets" | grep '^Fuzz' | grep -- "$match"); do
		total=$((total + 1))
		echo "== fuzz $pkg $t ($FUZZTIME)"
		# shellcheck disable=SC2086 # $par and $mini are lists of flags
		if ! $GO test "$pkg" -run '^$' -fuzz "^$t\$" -fuzztime "$FUZZTIME" $par $mini; then
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
