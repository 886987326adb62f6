package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

func readCRLFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "crl", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtureCA loads a CA certificate and key written by testdata/crl/gen.sh.
func crlFixtureCA(t *testing.T, prefix string) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	cb, _ := pem.Decode(readCRLFixture(t, prefix+".pem"))
	kb, _ := pem.Decode(readCRLFixture(t, prefix+".key"))
	if cb == nil || kb == nil {
		t.Fatalf("%s: no PEM", prefix)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key.(crypto.Signer)
}

// opensslVerifyCRL runs `openssl verify -crl_check` and returns its exit
// code and combined output.
func opensslVerifyCRL(t *testing.T, openssl string, ca *x509.Certificate, crlDER []byte, leaf *x509.Certificate) (int, string) {
	t.Helper()
	dir := t.TempDir()
	caPath := pkitest.WriteFile(t, dir, "ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}))
	crlPath := pkitest.WriteFile(t, dir, "crl.pem", EncodeCRLPEM(crlDER))
	leafPath := pkitest.WriteFile(t, dir, "leaf.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}))
	cmd := exec.Command(openssl, "verify", "-no-CAfile", "-no-CApath", "-no-CAstore",
		"-CAfile", caPath, "-crl_check", "-CRLfile", crlPath, leafPath)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	default:
		t.Fatalf("openssl verify: %v", err)
		return -1, ""
	}
}

func opensslCRLText(t *testing.T, openssl string, crlDER []byte) string {
	t.Helper()
	p := pkitest.WriteFile(t, t.TempDir(), "crl.der", crlDER)
	return pkitest.Run(t, openssl, "crl", "-inform", "DER", "-in", p, "-text", "-noout")
}

func TestNewCRLReadByOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	p := pkitest.NewPKI(t, "CRL Test CA")
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	revoked := []x509.RevocationListEntry{
		{SerialNumber: big.NewInt(0x2000), RevocationTime: now.Add(-time.Hour), ReasonCode: 4},
		{SerialNumber: big.NewInt(0x1000), RevocationTime: now.Add(-2 * time.Hour), ReasonCode: 1},
		{SerialNumber: big.NewInt(0x3000), ReasonCode: 0},
	}
	der, err := NewCRL(p.CA.Cert, p.CA.Key, revoked, big.NewInt(42), now, 7*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	text := opensslCRLText(t, openssl, der)
	ski := strings.ToUpper(fmt.Sprintf("% x", p.CA.Cert.SubjectKeyId))
	ski = strings.ReplaceAll(ski, " ", ":")
	for _, want := range []string{
		"Issuer: CN = CRL Test CA",
		"Last Update: Jan  2 03:04:05 2030 GMT",
		"Next Update: Jan  9 03:04:05 2030 GMT",
		"X509v3 CRL Number: \n                42\n",
		"X509v3 Authority Key Identifier: \n                " + ski,
		"Serial Number: 1000\n        Revocation Date: Jan  2 01:04:05 2030 GMT\n        CRL entry extensions:\n            X509v3 CRL Reason Code: \n                Key Compromise",
		"Serial Number: 2000\n        Revocation Date: Jan  2 02:04:05 2030 GMT\n        CRL entry extensions:\n            X509v3 CRL Reason Code: \n                Superseded",
		"Serial Number: 3000\n        Revocation Date: Jan  2 03:04:05 2030 GMT\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("openssl crl -text lacks %q:\n%s", want, text)
		}
	}
	// Sorted by serial, as openssl ca -gencrl writes them.
	if i, j := strings.Index(text, "Serial Number: 1000"), strings.Index(text, "Serial Number: 2000"); i < 0 || j < i {
		t.Errorf("entries not sorted by serial:\n%s", text)
	}
	if strings.Contains(text[strings.Index(text, "Serial Number: 3000"):], "Reason Code") {
		t.Errorf("reason 0 (unspecified) written as an extension:\n%s", text)
	}
	caPath := pkitest.WriteFile(t, t.TempDir(), "ca.pem", p.CA.CertPEM())
	crlPath := pkitest.WriteFile(t, t.TempDir(), "crl.pem", EncodeCRLPEM(der))
	if out := pkitest.Run(t, openssl, "crl", "-in", crlPath, "-CAfile", caPath, "-noout"); !strings.Contains(out, "verify OK") {
		t.Errorf("openssl crl -CAfile: %q, want verify OK", out)
	}
}

func TestCRLRevocationSeenByOpenSSLVerify(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, caKey := range []crypto.Signer{nil, rsaKey} {
		name := "ecdsa"
		if caKey != nil {
			name = "rsa"
		}
		t.Run(name, func(t *testing.T) {
			ca := pkitest.Issue(t, pkitest.Template{CN: "CRL " + name + " CA", CA: true, Key: caKey}, nil)
			good := pkitest.Issue(t, pkitest.Template{CN: "good", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca)
			bad := pkitest.Issue(t, pkitest.Template{CN: "bad", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca)
			now := time.Now()
			empty, err := NewCRL(ca.Cert, ca.Key, nil, nil, now.Add(-time.Minute), 24*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			crl, err := RevokeCertsInCRL(empty, ca.Cert, ca.Key, []*x509.Certificate{bad.Cert}, 1, now.Add(-time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			code, out := opensslVerifyCRL(t, openssl, ca.Cert, crl, bad.Cert)
			if code != 2 || !strings.Contains(out, "error 23 at 0 depth lookup: certificate revoked") {
				t.Errorf("revoked cert: exit %d, output %q; want exit 2 and error 23", code, out)
			}
			code, out = opensslVerifyCRL(t, openssl, ca.Cert, crl, good.Cert)
			if code != 0 || !strings.Contains(out, ": OK") {
				t.Errorf("good cert: exit %d, output %q; want OK", code, out)
			}
		})
	}
}

func TestRevokeInCRL(t *testing.T) {
	p := pkitest.NewPKI(t, "Revoke CA")
	t0 := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	crl1, err := NewCRL(p.CA.Cert, p.CA.Key, nil, big.NewInt(1), t0, 10*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	serial := p.Client.Cert.SerialNumber
	crl2, err := RevokeInCRL(crl1, p.CA.Cert, p.CA.Key, []*big.Int{serial}, 4, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// Revoking again: same entry (time and reason kept), number still bumps.
	crl3, err := RevokeInCRL(crl2, p.CA.Cert, p.CA.Key, []*big.Int{serial, big.NewInt(77)}, 1, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		der     []byte
		number  int64
		entries int
		this    time.Time
	}{
		{"new", crl1, 1, 0, t0},
		{"revoked once", crl2, 2, 1, t0.Add(time.Hour)},
		{"revoked again plus one", crl3, 3, 2, t0.Add(2 * time.Hour)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ParseCRL(EncodeCRLPEM(tc.der))
			if err != nil {
				t.Fatal(err)
			}
			if l.Number.Int64() != tc.number {
				t.Errorf("number: got %v, want %d", l.Number, tc.number)
			}
			if got := len(l.RevokedCertificateEntries); got != tc.entries {
				t.Errorf("entries: got %d, want %d", got, tc.entries)
			}
			if !l.ThisUpdate.Equal(tc.this) {
				t.Errorf("thisUpdate: got %v, want %v", l.ThisUpdate, tc.this)
			}
			if got := l.NextUpdate.Sub(l.ThisUpdate); got != 10*24*time.Hour {
				t.Errorf("validity: got %v, want 240h (kept from the first CRL)", got)
			}
			for _, e := range l.RevokedCertificateEntries {
				if e.SerialNumber.Cmp(serial) == 0 {
					if e.ReasonCode != 4 || !e.RevocationTime.Equal(t0.Add(time.Hour)) {
						t.Errorf("first revocation changed: reason %d at %v", e.ReasonCode, e.RevocationTime)
					}
				}
			}
			if err := l.CheckSignatureFrom(p.CA.Cert); err != nil {
				t.Errorf("signature: %v", err)
			}
		})
	}
}

// TestRevokeInOpenSSLCRL extends CRLs `openssl ca -gencrl` made for a CA
// without keyUsage (the cheat-sheet CA), which crypto/x509 alone refuses.
func TestRevokeInOpenSSLCRL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	ca, key := crlFixtureCA(t, "ca")
	lb, _ := pem.Decode(readCRLFixture(t, "leaf.pem"))
	leaf, err := x509.ParseCertificate(lb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	// empty.crl: revoke the leaf; revoked.crl.der: already revoked.
	for _, f := range []string{"empty.crl", "revoked.crl.der"} {
		t.Run(f, func(t *testing.T) {
			old, err := ParseCRL(readCRLFixture(t, f))
			if err != nil {
				t.Fatal(err)
			}
			der, err := RevokeCertsInCRL(old.Raw, ca, key, []*x509.Certificate{leaf}, 5, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			text := opensslCRLText(t, openssl, der)
			wantNum := fmt.Sprintf("X509v3 CRL Number: \n                %d\n", old.Number.Int64()+1)
			if !strings.Contains(text, wantNum) || strings.Count(text, "Serial Number: 1000") != 1 {
				t.Errorf("openssl crl -text: want %q and one entry for 1000:\n%s", wantNum, text)
			}
			if code, out := opensslVerifyCRL(t, openssl, ca, der, leaf); code != 2 || !strings.Contains(out, "error 23 at 0") {
				t.Errorf("exit %d, %q; want error 23", code, out)
			}
		})
	}
}

func TestNewCRLForCAWithoutSKI(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	ca, key := crlFixtureCA(t, "noski-ca")
	if len(ca.SubjectKeyId) != 0 {
		t.Fatal("fixture has a subjectKeyIdentifier")
	}
	leaf := pkitest.Issue(t, pkitest.Template{CN: "leaf"}, &pkitest.Cert{Cert: ca, Key: key})
	der, err := NewCRL(ca, key, []x509.RevocationListEntry{{SerialNumber: leaf.Cert.SerialNumber}}, nil, time.Now().Add(-time.Minute), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if code, out := opensslVerifyCRL(t, openssl, ca, der, leaf.Cert); code != 2 || !strings.Contains(out, "error 23 at 0") {
		t.Errorf("exit %d, %q; want error 23", code, out)
	}
}

func TestCRLErrors(t *testing.T) {
	p := pkitest.NewPKI(t, "Err CA")
	other := pkitest.NewPKI(t, "Other CA")
	now := time.Now()
	otherCRL, err := NewCRL(other.CA.Cert, other.CA.Key, nil, nil, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ownCRL, err := NewCRL(p.CA.Cert, p.CA.Key, nil, nil, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Same subject, other key: the name matches but the signature does not.
	twinKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	twin := crlSelfSigned(t, "Err CA", twinKey, x509.KeyUsageCertSign|x509.KeyUsageCRLSign)
	noCRLSign := crlSelfSigned(t, "No CRLSign CA", twinKey, x509.KeyUsageCertSign)
	var mm *MismatchError
	tests := []struct {
		name string
		run  func() error
		is   error
		as   any
		sub  string
	}{
		{"key of another CA", func() error {
			_, err := NewCRL(p.CA.Cert, other.CA.Key, nil, nil, now, time.Hour)
			return err
		}, nil, &mm, "does not belong to the CA certificate"},
		{"leaf as CA", func() error {
			_, err := NewCRL(p.Server.Cert, p.Server.Key, nil, nil, now, time.Hour)
			return err
		}, nil, nil, "not a CA certificate"},
		{"keyUsage without cRLSign", func() error {
			_, err := NewCRL(noCRLSign, twinKey, nil, nil, now, time.Hour)
			return err
		}, nil, nil, "lacks cRLSign"},
		{"zero validity", func() error {
			_, err := NewCRL(p.CA.Cert, p.CA.Key, nil, nil, now, 0)
			return err
		}, nil, nil, "validity must be positive"},
		{"zero serial", func() error {
			_, err := NewCRL(p.CA.Cert, p.CA.Key, []x509.RevocationListEntry{{SerialNumber: big.NewInt(0)}}, nil, now, time.Hour)
			return err
		}, ErrCRLSerial, nil, "must be positive"},
		{"duplicate serial", func() error {
			_, err := NewCRL(p.CA.Cert, p.CA.Key, []x509.RevocationListEntry{{SerialNumber: big.NewInt(5)}, {SerialNumber: big.NewInt(5)}}, nil, now, time.Hour)
			return err
		}, nil, nil, "serial 5 is listed twice"},
		{"reason 7", func() error {
			_, err := RevokeInCRL(ownCRL, p.CA.Cert, p.CA.Key, []*big.Int{big.NewInt(9)}, 7, now)
			return err
		}, ErrCRLReason, nil, "code 7"},
		{"CRL of another CA", func() error {
			_, err := RevokeInCRL(otherCRL, p.CA.Cert, p.CA.Key, []*big.Int{big.NewInt(9)}, 0, now)
			return err
		}, ErrCRLIssuer, nil, "the CRL's issuer is CN=Other CA"},
		{"CRL of a same-named CA", func() error {
			_, err := RevokeInCRL(ownCRL, twin, twinKey, []*big.Int{big.NewInt(9)}, 0, now)
			return err
		}, ErrCRLIssuer, nil, "signature does not verify"},
		{"certificate of another CA", func() error {
			_, err := RevokeCertsInCRL(ownCRL, p.CA.Cert, p.CA.Key, []*x509.Certificate{other.Client.Cert}, 0, now)
			return err
		}, ErrCRLIssuer, nil, "was issued by CN=Other CA"},
		{"not a CRL", func() error {
			_, err := RevokeInCRL([]byte("junk"), p.CA.Cert, p.CA.Key, nil, 0, now)
			return err
		}, nil, nil, "parsing CRL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil {
				t.Fatal("got nil error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("got %v, want errors.Is %v", err, tc.is)
			}
			if tc.as != nil && !errors.As(err, tc.as) {
				t.Errorf("got %T, want %T", err, tc.as)
			}
			if !strings.Contains(err.Error(), tc.sub) {
				t.Errorf("got %q, want it to contain %q", err, tc.sub)
			}
		})
	}
}

func crlSelfSigned(t *testing.T, cn string, key crypto.Signer, ku x509.KeyUsage) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		BasicConstraintsValid: true, IsCA: true, KeyUsage: ku,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseReason(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  bool
	}{
		{"", 0, false},
		{"unspecified", 0, false},
		{"keyCompromise", 1, false},
		{"key-compromise", 1, false},
		{"CACompromise", 2, false},
		{"cACompromise", 2, false},
		{"affiliationChanged", 3, false},
		{"superseded", 4, false},
		{"Cessation_Of_Operation", 5, false},
		{"certificateHold", 6, false},
		{"removeFromCRL", 8, false},
		{"privilegeWithdrawn", 9, false},
		{"aACompromise", 10, false},
		{"4", 4, false},
		{"7", 0, true},
		{"11", 0, true},
		{"-1", 0, true},
		{"stolen", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseReason(tc.in)
			if tc.err {
				if !errors.Is(err, ErrCRLReason) {
					t.Errorf("got %v, want ErrCRLReason", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func FuzzParseCRL(f *testing.F) {
	for _, name := range []string{"empty.crl", "revoked.crl", "revoked.crl.der"} {
		if b, err := os.ReadFile(filepath.Join("..", "testdata", "crl", name)); err == nil {
			f.Add(b)
		}
	}
	ca := pkitest.NewPKI(f, "Fuzz CA").CA
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseCRL(data)
		if err != nil {
			return
		}
		// Whatever parses must not make RevokeInCRL panic.
		_, _ = RevokeInCRL(l.Raw, ca.Cert, ca.Key, []*big.Int{big.NewInt(1)}, 1, time.Now())
	})
}
