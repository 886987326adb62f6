package pki

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
)

// ErrNoKey is returned when TLS credentials have a certificate but no
// private key.
var ErrNoKey = errors.New("pki: no private key (give --key, or a PEM file holding both, or --pfx)")

// ErrNoCert is returned when TLS credentials have a key but no certificate.
var ErrNoCert = errors.New("pki: no certificate")

// KeyPair builds TLS credentials from certificates and keys found in one or
// more bundles: the leaf is the certificate whose public key matches a
// private key, and the other certificates follow it in the order given, as
// the chain sent to the peer. A self-signed root is kept when given (some
// peers want it, OpenSSL clients then report error 19 instead of 20 when they
// do not trust it, see PEERS.md).
func KeyPair(certs []*x509.Certificate, keys []crypto.Signer) (tls.Certificate, error) {
	if len(certs) == 0 {
		return tls.Certificate{}, ErrNoCert
	}
	if len(keys) == 0 {
		return tls.Certificate{}, ErrNoKey
	}
	for _, k := range keys {
		for i, c := range certs {
			if !KeyMatches(k, c) {
				continue
			}
			tc := tls.Certificate{PrivateKey: k, Leaf: c, Certificate: [][]byte{c.Raw}}
			for j, other := range certs {
				if j != i {
					tc.Certificate = append(tc.Certificate, other.Raw)
				}
			}
			return tc, nil
		}
	}
	return tls.Certificate{}, &MismatchError{
		What: "key and certificate",
		Detail: fmt.Sprintf("the private key (%s, public key SHA-256 %s) belongs to none of the %d certificate(s) (first: %s, %s)",
			KeyTypeOf(keys[0]), shortFingerprint(keys[0].Public()), len(certs), certs[0].Subject, KeyTypeOf(certs[0].PublicKey)),
	}
}

func shortFingerprint(pub crypto.PublicKey) string {
	fp, err := PublicKeyFingerprint(pub)
	if err != nil || len(fp) < 16 {
		return "?"
	}
	return fp[:16] + "…"
}

// CertPool returns a pool holding certs.
func CertPool(certs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}
