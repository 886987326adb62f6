package pki

import (
	"crypto"
	"crypto/x509"
	"os"
	"testing"
)

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type (
	x509Cert = x509.Certificate
	signer   = crypto.Signer
)
