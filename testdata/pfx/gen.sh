#!/bin/sh
# Regenerates the PKCS#12 fixtures in this folder with openssl 3: a P-256 CA,
# an intermediate and a leaf, exported with the option sets wsskit must read.
# Pass phrases are listed in README.md ("test" unless it says otherwise).
# Usage: ./gen.sh   (run from anywhere; writes next to this script)
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PASS=pass:test
EC="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"

cat >"$tmp/ext.cnf" <<'CNF'
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
CNF
# shellcheck disable=SC2086
openssl req -x509 $EC -keyout "$tmp/root.key" -out "$tmp/root.pem" -subj "/CN=wsskit fixture root" -days 3650 \
	-addext "keyUsage = critical,keyCertSign,cRLSign"
# shellcheck disable=SC2086
openssl req -new $EC -keyout "$tmp/int.key" -out "$tmp/int.csr" -subj "/CN=wsskit fixture intermediate"
openssl x509 -req -in "$tmp/int.csr" -CA "$tmp/root.pem" -CAkey "$tmp/root.key" -CAcreateserial -days 3650 \
	-extfile "$tmp/ext.cnf" -extensions ca -out "$tmp/int.pem" 2>/dev/null
# shellcheck disable=SC2086
openssl req -new $EC -keyout "$tmp/leaf.key" -out "$tmp/leaf.csr" -subj "/CN=127.0.0.1"
openssl x509 -req -in "$tmp/leaf.csr" -CA "$tmp/int.pem" -CAkey "$tmp/int.key" -CAcreateserial -days 3650 \
	-extfile "$tmp/ext.cnf" -extensions leaf -out "$tmp/leaf.pem" 2>/dev/null
cat "$tmp/int.pem" "$tmp/root.pem" >"$tmp/chain.pem"

export_p12() {
	out=$1
	shift
	openssl pkcs12 -export -in "$tmp/leaf.pem" -inkey "$tmp/leaf.key" -out "$out" "$@"
}
export_p12 default.p12 -passout $PASS
export_p12 legacy.p12 -passout $PASS -legacy
export_p12 compat.p12 -passout $PASS -certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1
export_p12 descert.p12 -passout $PASS -descert
export_p12 nomac.p12 -passout $PASS -nomac
export_p12 empty-pass.p12 -passout pass:
export_p12 no-encryption.p12 -passout $PASS -certpbe NONE -keypbe NONE
export_p12 chain.p12 -passout $PASS -certfile "$tmp/chain.pem" -name "wsskit fixture"
export_p12 sha512-mac.p12 -passout $PASS -macalg sha512 -iter 1000
export_p12 plain.p12 -passout $PASS -certpbe NONE -keypbe NONE -nomac
