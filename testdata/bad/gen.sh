#!/bin/sh
# Regenerates the bad-input corpus in this folder with openssl 3 (see
# README.md for what each file is). Contents are random each time; the
# tests only rely on each file's kind of badness.
# Usage: ./gen.sh   (run from anywhere; writes next to this script)
#
# Not committed, made by commands/badinput_test.go at test time: an
# oversized (> 10 MiB) file, a directory and a dangling symbolic link where
# a file is expected, and an unreadable file (chmod 000; as root, where
# permissions do not stop reads, a FIFO fed with noise instead).
set -eu
cd "$(dirname "$0")"
umask 022
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
P256="-algorithm EC -pkeyopt ec_paramgen_curve:P-256"

# Good material the bad cases are made from (and paired with).
# shellcheck disable=SC2086
openssl genpkey $P256 -out ca.key
openssl req -x509 -new -key ca.key -subj "/O=wsskit bad corpus/CN=Bad Corpus CA" -days 3650 \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out ca.pem
# shellcheck disable=SC2086
openssl genpkey $P256 -out key.pem
openssl req -new -key key.pem -subj "/CN=127.0.0.1" -addext subjectAltName=IP:127.0.0.1 -out csr.pem
openssl x509 -req -in csr.pem -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -copy_extensions copy \
	-extfile /dev/stdin -out cert.pem <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
EOF
rm -f ca.srl
# shellcheck disable=SC2086
openssl genpkey $P256 -out other-key.pem

# Empty and noise.
: >empty.pem
openssl rand 4096 >noise.bin

# Truncated PEM (no END line, body cut) and DER (cut in the middle).
head -c 300 cert.pem >truncated-cert.pem
openssl x509 -in cert.pem -outform DER -out "$tmp/cert.der"
head -c 200 "$tmp/cert.der" >truncated-cert.der
head -c 120 key.pem >truncated-key.pem

# Valid PEM armour around garbage: random bytes, then text that is not base64.
{
	echo "-----BEGIN CERTIFICATE-----"
	openssl rand -base64 300
	echo "-----END CERTIFICATE-----"
} >garbage-in-armour.pem
printf -- '-----BEGIN PRIVATE KEY-----\nthis is not base64 at all!\n-----END PRIVATE KEY-----\n' >bad-base64.pem

# Encrypted inputs: the pass phrase is "right-pass"; the tests give a wrong one.
openssl pkcs8 -topk8 -in key.pem -passout pass:right-pass -v2 aes-256-cbc -out key-encrypted.pem
openssl pkcs12 -export -in cert.pem -inkey key.pem -certfile ca.pem -passout pass:right-pass -out right-pass.p12

# A PFX whose MAC no longer matches (one byte of the MAC value flipped),
# and a PFX cut short.
python3 - right-pass.p12 broken-mac.p12 <<'EOF'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
# The MacData's digest OCTET STRING sits near the end, before the salt and
# iteration count: flip a byte 40 from the end (inside the 32-byte digest).
d[-40] ^= 0x01
open(sys.argv[2], "wb").write(bytes(d))
EOF
head -c 700 right-pass.p12 >truncated.p12

# A CSR whose signature no longer verifies (last signature byte flipped).
openssl req -in csr.pem -outform DER -out "$tmp/csr.der"
python3 - "$tmp/csr.der" "$tmp/bad.der" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[-1] ^= 0x01
open(sys.argv[2], "wb").write(bytes(d))
EOF
openssl req -inform DER -in "$tmp/bad.der" -out csr-bad-signature.pem

# A CRL where a certificate is expected.
cat >"$tmp/ca.cnf" <<EOF
[ca]
default_ca = bad
[bad]
database = $tmp/index.txt
crlnumber = $tmp/crlnumber
default_md = sha256
default_crl_days = 30
EOF
: >"$tmp/index.txt"
echo 01 >"$tmp/crlnumber"
openssl ca -config "$tmp/ca.cnf" -gencrl -keyfile ca.key -cert ca.pem -out ca.crl 2>/dev/null

# Sanity: the broken files are broken the way they should be.
if openssl pkcs12 -in broken-mac.p12 -passin pass:right-pass -noout 2>/dev/null; then
	echo "broken-mac.p12 still opens" >&2
	exit 1
fi
# (openssl 3.0 req -verify exits 0 either way: read what it says.)
if openssl req -in csr-bad-signature.pem -verify -noout 2>&1 | grep -q "verify OK"; then
	echo "csr-bad-signature.pem still verifies" >&2
	exit 1
fi
chmod 0644 ./*
chmod 0755 gen.sh
echo "bad corpus regenerated"
