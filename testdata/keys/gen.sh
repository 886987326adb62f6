#!/bin/sh
# Regenerates the private-key fixtures in this folder with openssl 3.
# Every encrypted file uses the pass phrase "test" (see README.md).
# Usage: ./gen.sh   (run from anywhere; writes next to this script)
set -eu
cd "$(dirname "$0")"
PASS=pass:test
LEGACY="-provider legacy -provider default"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec-p256.pem
openssl pkey -in ec-p256.pem -traditional -out ec-p256-sec1.pem
openssl pkey -in ec-p256.pem -outform DER -out ec-p256.der
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa-1024.pem
openssl pkey -in rsa-1024.pem -traditional -out rsa-1024-pkcs1.pem
openssl genpkey -algorithm ed25519 -out ed25519.pem
openssl genpkey -algorithm x25519 -out x25519.pem

openssl pkcs8 -topk8 -in ec-p256.pem -passout $PASS -v2 aes-256-cbc -out ec-p256-pbes2-aes256.pem
openssl pkcs8 -topk8 -in ec-p256.pem -passout $PASS -v2 aes-256-cbc -outform DER -out ec-p256-pbes2-aes256.der
openssl pkcs8 -topk8 -in ec-p256.pem -passout $PASS -v2 des3 -v2prf hmacWithSHA1 -out ec-p256-pbes2-des3-sha1.pem
openssl pkcs8 -topk8 -in ec-p256.pem -passout $PASS -scrypt -scrypt_N 1024 -out ec-p256-scrypt.pem
openssl pkcs8 -topk8 -in ec-p256.pem -passout $PASS -v1 PBE-SHA1-3DES -out ec-p256-pbe-sha1-3des.pem
# shellcheck disable=SC2086
openssl pkcs8 $LEGACY -topk8 -in ec-p256.pem -passout $PASS -v1 PBE-MD5-DES -out ec-p256-pbe-md5-des.pem
# shellcheck disable=SC2086
openssl pkcs8 $LEGACY -topk8 -in ec-p256.pem -passout $PASS -v1 PBE-SHA1-RC2-40 -out ec-p256-pbe-sha1-rc2-40.pem
openssl pkey -in ec-p256.pem -traditional -aes128 -passout $PASS -out ec-p256-legacy-aes128.pem
openssl pkey -in rsa-1024.pem -traditional -des3 -passout $PASS -out rsa-1024-legacy-des3.pem
