#!/bin/sh
# The testssl.sh job: scan `wsskit echo` and `wsskit server` on their
# defaults (a `pki init` certificate, loopback, an ephemeral port) with
# testssl.sh and fail on any finding of severity LOW or above, except the
# few listed below that belong to a test PKI rather than to the server's TLS.
#
#   testdata/testssl.sh              build wsskit, scan echo and server
#   WSSKIT=bin/wsskit testdata/testssl.sh echo
#
# Needs testssl.sh (Debian package testssl.sh; the command is `testssl` or
# `testssl.sh`) and go (unless WSSKIT names a binary). About a minute per
# scan. Results go to $OUT (default: a temporary folder, kept on failure).
set -eu
cd "$(dirname "$0")/.."
targets=${*:-echo server}
TESTSSL=${TESTSSL:-$(command -v testssl || command -v testssl.sh || true)}
if [ -z "$TESTSSL" ]; then
	echo "testssl: testssl.sh is not installed (apt-get install testssl.sh)" >&2
	exit 1
fi
work=$(mktemp -d)
OUT=${OUT:-$work}
mkdir -p "$OUT"
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	[ "$ok" = 1 ] && rm -rf "$work"
}
ok=0
trap cleanup EXIT

WSSKIT=${WSSKIT:-}
if [ -z "$WSSKIT" ]; then
	WSSKIT=$work/wsskit
	${GO:-go} build -o "$WSSKIT" .
fi
"$WSSKIT" -q pki init --dir "$work/pki" >/dev/null

# Findings that are about the test certificate, not the server:
#   cert_revocation      a test CA has no CRL or OCSP service, and a URL to
#                        nowhere would make Windows clients try to fetch it
#   cert_chain_of_trust  (only without --add-ca) the test CA is private
#   HSTS                 a test server on localhost must not pin browsers
#                        to HTTPS for that host for a year
#   DNS_CAArecord        there is no DNS for 127.0.0.1
#   TLS_session_ticket   Go rotates its ticket keys every 24 h and accepts
#                        tickets for 7 days; testssl.sh wants under a day
allowed=" cert_revocation HSTS DNS_CAArecord TLS_session_ticket "

status=0
for target in $targets; do
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + $$ % 20000)))
	case $target in
	echo) "$WSSKIT" echo --no-stdin --listen "127.0.0.1:$port" --cert "$work/pki/server.pem" --key "$work/pki/server.key" \
		--duration 10m >"$OUT/$target.log" 2>&1 & ;;
	server) "$WSSKIT" server --listen "127.0.0.1:$port" --cert "$work/pki/server.pem" --key "$work/pki/server.key" \
		--duration 10m >"$OUT/$target.log" 2>&1 & ;;
	*) echo "testssl: unknown target $target (want echo or server)" >&2; exit 2 ;;
	esac
	pids="$pids $!"
	for _ in $(seq 50); do
		"$WSSKIT" client "wss://127.0.0.1:$port/" --cafile "$work/pki/ca.pem" --timeout 1s >/dev/null 2>&1 && break
		grep -q "listening\|serving" "$OUT/$target.log" 2>/dev/null && break
		sleep 0.2
	done
	json=$OUT/$target.json
	rm -f "$json"
	echo "== testssl.sh against wsskit $target on 127.0.0.1:$port"
	"$TESTSSL" --quiet --color 0 --warnings off --add-ca "$work/pki/ca.pem" --severity LOW \
		--jsonfile "$json" "127.0.0.1:$port" >"$OUT/$target.txt" 2>&1 || true
	if [ ! -s "$json" ]; then
		echo "testssl: no results for $target (see $OUT/$target.txt)" >&2
		status=1
		continue
	fi
	# One finding per object: "id" then "severity" lines.
	bad=$(awk -v allowed="$allowed" '
		/"id"/ { split($0, a, "\""); id = a[4] }
		/"severity"/ { split($0, a, "\""); sev = a[4]
			if (sev ~ /^(LOW|MEDIUM|HIGH|CRITICAL)$/ && index(allowed, " " id " ") == 0) print sev " " id }' "$json")
	# The words testssl.sh uses for a failed check, whatever its severity.
	notok=$(grep -E "NOT ok|VULNERABLE" "$OUT/$target.txt" | grep -v "neither CRL nor OCSP URI" || true)
	if [ -n "$notok" ]; then
		echo "testssl: wsskit $target has checks that are NOT ok or VULNERABLE:" >&2
		echo "$notok" | sed 's/^/  /' >&2
		status=1
	fi
	if [ -n "$bad" ]; then
		echo "testssl: wsskit $target has findings:" >&2
		echo "$bad" | while read -r sev id; do
			printf '  %-8s %-28s %s\n' "$sev" "$id" "$(grep -A3 "\"$id\"" "$json" | grep '"finding"' | cut -d'"' -f4)" >&2
		done
		status=1
	else
		echo "wsskit $target: no finding of severity LOW or above (allowed: $allowed)"
	fi
done
[ "$status" = 0 ] && ok=1
exit "$status"
