#!/bin/sh
# Regenerates the CRL fixtures with openssl (3.0 or later): a CA made the
# cheat-sheet way (stock v3_ca extensions: no keyUsage), a leaf it issued and
# CRLs from `openssl ca -gencrl`. Run from this directory: ./gen.sh
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/ca.cnf" <<EOC
[ca]
default_ca = testca
[testca]
dir = $work
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
crlnumber = $work/crlnumber
default_md = sha256
default_crl_days = 30
policy = policy_anything
[policy_anything]
commonName = supplied
[v3_ca]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always,issuer
basicConstraints = critical, CA:true
[v3_noski]
subjectKeyIdentifier = none
authorityKeyIdentifier = none
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
[leaf]
basicConstraints = CA:FALSE
subjectAltName = IP:127.0.0.1
extendedKeyUsage = serverAuth
EOC
: >"$work/index.txt"
echo 1000 >"$work/serial"
echo 01 >"$work/crlnumber"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
	-config "$work/ca.cnf" -extensions v3_ca -subj "/CN=CRL Fixture CA" -days 36500 \
	-keyout ca.key -out ca.pem 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
	-keyout "$work/leaf.key" -out "$work/leaf.csr" 2>/dev/null
openssl ca -batch -config "$work/ca.cnf" -cert ca.pem -keyfile ca.key -extensions leaf \
	-days 36500 -in "$work/leaf.csr" -out leaf.pem -notext 2>/dev/null
openssl ca -batch -config "$work/ca.cnf" -cert ca.pem -keyfile ca.key -gencrl -out empty.crl 2>/dev/null
openssl ca -batch -config "$work/ca.cnf" -cert ca.pem -keyfile ca.key -revoke leaf.pem \
	-crl_reason keyCompromise 2>/dev/null
openssl ca -batch -config "$work/ca.cnf" -cert ca.pem -keyfile ca.key -gencrl -out revoked.crl 2>/dev/null
openssl crl -in revoked.crl -outform DER -out revoked.crl.der

# A CA without subjectKeyIdentifier (crypto/x509 alone refuses to sign CRLs
# for it).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
	-config "$work/ca.cnf" -extensions v3_noski -subj "/CN=CRL Fixture CA without SKI" -days 36500 \
	-keyout noski-ca.key -out noski-ca.pem 2>/dev/null
