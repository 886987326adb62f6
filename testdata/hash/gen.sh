#!/bin/sh
# Regenerates the fixtures of testdata/hash (see README.md). Needs openssl.
set -eu
cd "$(dirname "$0")"
days=36500
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -utf8 \
  -subj '/C=SG/O=Example, Inc./CN=Test CA É+OU=Ops' -days $days \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -keyout ca.key -out ca.pem
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj '/CN=leaf.example/emailAddress=Admin@Example.COM' -keyout leaf.key -out leaf.csr
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days $days -out leaf.pem
cat leaf.pem ca.pem > chain.pem
openssl x509 -in ca.pem -outform DER -out ca.der
rm -f leaf.key
