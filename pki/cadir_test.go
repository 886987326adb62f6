package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// hxNewKey makes a fresh P-256 key.
func hxNewKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func hxWrite(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func hxHashOf(t testing.TB, name []byte) string {
	t.Helper()
	h, err := NameHash(name)
	if err != nil {
		t.Fatal(err)
	}
	return FormatHash(h)
}

func TestCAPathLookup(t *testing.T) {
	dir := t.TempDir()
	caName := hxName(hxSet(hxAVA(hxOIDO, 19, "Lookup")), hxSet(hxAVA(hxOIDCN, 12, "Root CA")))
	// Same name in another encoding: equal for OpenSSL's comparison.
	caNameAlt := hxName(hxSet(hxAVA(hxOIDO, 12, "lookup")), hxSet(hxAVA(hxOIDCN, 30, hxBMP("ROOT  CA"))))
	other := hxCN(12, "someone else")
	h := hxHashOf(t, caName)
	if h2 := hxHashOf(t, caNameAlt); h2 != h {
		t.Fatalf("alternative encoding hashes to %s, want %s", h2, h)
	}
	k1, k2, k3 := hxNewKey(t), hxNewKey(t), hxNewKey(t)
	ca1 := hxCert(caName, caName, hxCertOpts{key: k1, ca: true, serial: 1})
	ca2 := hxCert(caNameAlt, caNameAlt, hxCertOpts{key: k2, ca: true, serial: 2})
	ca3 := hxCert(caName, caName, hxCertOpts{key: k3, ca: true, serial: 3})
	otherCert := hxCert(other, other, hxCertOpts{key: k3, ca: true, serial: 4})
	// HASH.0: a collision (other name) and ca1; HASH.1: ca2 with a CRL;
	// HASH.3 is behind a gap and must not be found.
	hxWrite(t, dir, h+".0", append(hxPEM("CERTIFICATE", otherCert), hxPEM("CERTIFICATE", ca1)...))
	crl := hxCRL(caName, k1, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 9)
	hxWrite(t, dir, h+".1", append(hxPEM("X509 CRL", crl), hxPEM("CERTIFICATE", ca2)...))
	hxWrite(t, dir, h+".3", hxPEM("CERTIFICATE", ca3))
	hxWrite(t, dir, h+".r0", hxPEM("X509 CRL", crl))

	p := OpenCAPath(dir)
	certs, err := p.LookupIssuers(caName)
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 2 || string(certs[0].Raw) != string(ca1) || string(certs[1].Raw) != string(ca2) {
		t.Fatalf("got %d certificates, want ca1 and ca2 in file order", len(certs))
	}
	crls, err := p.LookupCRLs(caNameAlt)
	if err != nil {
		t.Fatal(err)
	}
	if len(crls) != 1 || string(crls[0].Raw) != string(crl) {
		t.Fatalf("got %d CRLs, want 1", len(crls))
	}
	// Not filed: nothing, no error.
	if certs, err := p.LookupIssuers(hxCN(12, "nobody")); err != nil || len(certs) != 0 {
		t.Errorf("got %d, %v; want nothing", len(certs), err)
	}
	// A gap at .0 hides .1.
	if err := os.Remove(filepath.Join(dir, h+".0")); err != nil {
		t.Fatal(err)
	}
	if certs, _ := p.LookupIssuers(caName); len(certs) != 0 {
		t.Errorf("gap at .0: got %d certificates, want 0", len(certs))
	}
	// A DER file is useless to OpenSSL; so is a file with a broken object,
	// which also ends the sequence.
	hxWrite(t, dir, h+".0", ca1)
	if certs, _ := p.LookupIssuers(caName); len(certs) != 0 {
		t.Errorf("DER .0: got %d certificates, want 0", len(certs))
	}
	hxWrite(t, dir, h+".0", append(hxPEM("CERTIFICATE", ca1), []byte("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n")...))
	certs, _ = p.LookupIssuers(caName)
	if len(certs) != 1 || string(certs[0].Raw) != string(ca1) {
		t.Errorf("broken second object: got %d certificates, want ca1 only (and no .1)", len(certs))
	}
	// Reachable certificates: those in HASH.0, HASH.1 whose subject hashes
	// to HASH.
	hxWrite(t, dir, h+".0", append(hxPEM("CERTIFICATE", otherCert), hxPEM("CERTIFICATE", ca1)...))
	all, err := CAPathCerts(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Errorf("CAPathCerts: got %d certificates, want 2 (ca1, ca2)", len(all))
	}
	if _, err := LoadCAPathPool(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := p.LookupIssuers([]byte{1, 2}); err == nil {
		t.Error("LookupIssuers accepted a malformed name")
	}
}
