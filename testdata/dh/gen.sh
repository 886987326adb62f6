#!/bin/sh
# Regenerates the DH parameter fixtures with openssl (3.0 or later).
# Run from this directory: ./gen.sh
set -eu
cd "$(dirname "$0")"

openssl dhparam -out dh1024.pem 1024
openssl dhparam -in dh1024.pem -outform DER -out dh1024.der
openssl dhparam -5 -out dh1024-g5.pem 1024
openssl dhparam -dsaparam -out x942-1024.pem 1024
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out ffdhe2048.pem

# hexint FILE N: the Nth INTEGER of FILE's top-level SEQUENCE, in hex.
hexint() {
	openssl asn1parse -in "$1" | awk -F: '/prim: INTEGER/ {n++; if (n == '"$2"') print $NF}'
}

# mkdh OUT P_HEX G [LENGTH]: PKCS#3 DH PARAMETERS PEM from raw numbers.
mkdh() {
	cnf=$(mktemp)
	der=$(mktemp)
	{
		echo "asn1=SEQUENCE:dh"
		echo "[dh]"
		echo "p=INTEGER:0x$2"
		echo "g=INTEGER:$3"
		if [ $# -ge 4 ]; then echo "l=INTEGER:$4"; fi
	} >"$cnf"
	openssl asn1parse -genconf "$cnf" -noout -out "$der"
	openssl dhparam -inform DER -in "$der" -out "$1" 2>/dev/null ||
		{ printf -- '-----BEGIN DH PARAMETERS-----\n%s\n-----END DH PARAMETERS-----\n' \
			"$(openssl base64 -in "$der")" >"$1"; }
	rm -f "$cnf" "$der"
}

P=$(hexint dh1024.pem 1)
DSAP=$(hexint x942-1024.pem 1)
DSAG=$(hexint x942-1024.pem 2)
# p-2: the last hex digit of an odd prime is odd, so it moves from d to d-2
# (or wraps); p-2 is composite unless p-2 and p happen to be twin primes,
# which `openssl dhparam -check` would report.
LAST=$(printf '%s' "$P" | tail -c 1)
case $LAST in
1) NEW=F ;; 3) NEW=1 ;; 5) NEW=3 ;; 7) NEW=5 ;; 9) NEW=7 ;; B) NEW=9 ;; D) NEW=B ;; F) NEW=D ;;
esac
NOTPRIME=$(printf '%s' "$P" | sed "s/.\$/$NEW/")

mkdh length.pem "$P" 2 225
mkdh bad-generator.pem "$P" 1
mkdh not-prime.pem "$NOTPRIME" 2
mkdh not-safe.pem "$DSAP" "0x$DSAG"
