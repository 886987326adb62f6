// Command gencerts makes the certificate corpus of bench/compare.sh: a CA
// (DIR/ca/ca.pem, to be hashed by the tool under test or `openssl rehash`)
// and N leaf certificates signed by it (DIR/certs/leaf-NNNNN.pem), each with
// its own subject so every one has its own subject hash. ECDSA P-256 keeps
// it fast: 10,000 certificates take about a second.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

func main() {
	dir := flag.String("dir", "", "output folder (must not exist)")
	n := flag.Int("n", 10000, "number of leaf certificates")
	flag.Parse()
	if *dir == "" || *n < 1 || *n > 1000000 {
		log.Fatal("usage: gencerts -dir DIR [-n 10000]")
	}
	for _, d := range []string{"ca", "certs"} {
		if err := os.MkdirAll(filepath.Join(*dir, d), 0o755); err != nil {
			log.Fatal(err)
		}
	}
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench corpus CA", Organization: []string{"wsskit bench"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		log.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		log.Fatal(err)
	}
	write(filepath.Join(*dir, "ca", "ca.pem"), caDER)
	// One leaf key for all: the corpus tests hashing and chain checks, not
	// key generation.
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	for i := 1; i <= *n; i++ {
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i) + 1),
			Subject:      pkix.Name{CommonName: fmt.Sprintf("client %05d", i), Organization: []string{"wsskit bench"}},
			NotBefore:    now.Add(-time.Hour), NotAfter: now.AddDate(2, 0, 0),
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &leafKey.PublicKey, caKey)
		if err != nil {
			log.Fatal(err)
		}
		write(filepath.Join(*dir, "certs", fmt.Sprintf("leaf-%05d.pem", i)), der)
	}
}

func write(path string, der []byte) {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		log.Fatal(err)
	}
}
