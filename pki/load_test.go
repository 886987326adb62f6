package pki

import (
	"bytes"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// TestLoadOpenSSLOutputs reads keys, certificates, CSRs, CRLs and DH
// parameters as `openssl` writes them, in PEM and DER, and checks what Load
// found.
func TestLoadOpenSSLOutputs(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	run := func(args ...string) { t.Helper(); pkitest.Run(t, openssl, args...) }

	run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", p("ec.pem"))
	run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", p("rsa.pem"))
	run("genpkey", "-algorithm", "ED25519", "-out", p("ed.pem"))
	run("pkey", "-in", p("ec.pem"), "-outform", "DER", "-out", p("ec.der"))
	run("ec", "-in", p("ec.pem"), "-out", p("ec-sec1.pem"))
	run("ec", "-in", p("ec.pem"), "-outform", "DER", "-out", p("ec-sec1.der"))
	run("rsa", "-in", p("rsa.pem"), "-traditional", "-out", p("rsa-pkcs1.pem"))
	run("rsa", "-in", p("rsa.pem"), "-traditional", "-outform", "DER", "-out", p("rsa-pkcs1.der"))
	run("pkey", "-in", p("ec.pem"), "-pubout", "-out", p("ec-pub.pem"))
	run("req", "-new", "-x509", "-key", p("ec.pem"), "-subj", "/CN=ca", "-days", "1", "-out", p("ca.pem"))
	run("x509", "-in", p("ca.pem"), "-outform", "DER", "-out", p("ca.der"))
	run("req", "-new", "-key", p("rsa.pem"), "-subj", "/CN=r", "-out", p("req.pem"))
	run("req", "-new", "-key", p("rsa.pem"), "-subj", "/CN=r", "-outform", "DER", "-out", p("req.der"))
	run("x509", "-in", p("ca.pem"), "-trustout", "-addtrust", "serverAuth", "-out", p("trusted.pem"))

	cat := func(name string, parts ...string) {
		var all []byte
		for _, part := range parts {
			all = append(all, mustRead(t, p(part))...)
		}
		if err := os.WriteFile(p(name), append([]byte("Bag Attributes: junk text openssl writes\n"), all...), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cat("bundle.pem", "ca.pem", "ec.pem", "req.pem")

	tests := []struct {
		file   string
		format string
		want   string // Summary()
		key    string // KeyTypeOf first key
	}{
		{"ec.pem", "PEM", "1 private key", "ec:P-256"},
		{"ec.der", "DER", "1 private key", "ec:P-256"},
		{"ec-sec1.pem", "PEM", "1 private key", "ec:P-256"},
		{"ec-sec1.der", "DER", "1 private key", "ec:P-256"},
		{"rsa.pem", "PEM", "1 private key", "rsa:2048"},
		{"rsa-pkcs1.pem", "PEM", "1 private key", "rsa:2048"},
		{"rsa-pkcs1.der", "DER", "1 private key", "rsa:2048"},
		{"ed.pem", "PEM", "1 private key", "ed25519"},
		{"ec-pub.pem", "PEM", "1 public key", ""},
		{"ca.pem", "PEM", "1 certificate", ""},
		{"ca.der", "DER", "1 certificate", ""},
		{"trusted.pem", "PEM", "1 certificate", ""},
		{"req.pem", "PEM", "1 CSR", ""},
		{"req.der", "DER", "1 CSR", ""},
		{"bundle.pem", "PEM", "1 certificate, 1 private key, 1 CSR", "ec:P-256"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := Load(mustRead(t, p(tt.file)), nil)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if b.Format != tt.format || b.Summary() != tt.want {
				t.Errorf("Load = %s %q, want %s %q", b.Format, b.Summary(), tt.format, tt.want)
			}
			if tt.key != "" && KeyTypeOf(b.Keys[0]) != tt.key {
				t.Errorf("key type %s, want %s", KeyTypeOf(b.Keys[0]), tt.key)
			}
		})
	}
}

func TestLoadBadInput(t *testing.T) {
	ca, _, _ := issueChain(t, DefaultKeyType)
	certPEM := EncodeCertsPEM(ca.Cert)
	tests := []struct {
		name string
		data []byte
		is   error
		msg  string
	}{
		{"empty", nil, ErrEmpty, "empty"},
		{"whitespace", []byte(" \n\t\n"), ErrEmpty, "empty"},
		{"text", []byte("hello, I am not a certificate\n"), ErrUnrecognized, "not PEM"},
		{"binary", []byte{0xde, 0xad, 0xbe, 0xef, 0x00, 0x01}, ErrUnrecognized, "not PEM"},
		{"truncated PEM", certPEM[:len(certPEM)/2], nil, "truncated or damaged PEM block"},
		{"truncated DER", ca.Cert.Raw[:len(ca.Cert.Raw)-10], ErrUnrecognized, "not PEM"},
		{"bad base64", bytes.Replace(certPEM, []byte("M"), []byte("!"), 3), nil, "truncated or damaged"},
		{"garbage inside PEM", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), nil, "PEM block 1 (CERTIFICATE)"},
		{"unknown PEM type", []byte("-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n"), nil, `unsupported PEM block type "FOO"`},
		{"encrypted key without pass", []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), ErrPasswordRequired, "pass phrase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.data, nil)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Load error %v is not %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Load error %q does not mention %q", err, tt.msg)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("Load error spans lines: %q", err)
			}
		})
	}
}

func TestKeyPair(t *testing.T) {
	ca, srv, cli := issueChain(t, DefaultKeyType)
	// Leaf found by key, whatever the order; the rest follows as chain.
	tc, err := KeyPair([]*x509Cert{ca.Cert, srv.Cert}, []signer{srv.Key})
	if err != nil {
		t.Fatal(err)
	}
	if tc.Leaf != srv.Cert || len(tc.Certificate) != 2 || !bytes.Equal(tc.Certificate[1], ca.Cert.Raw) {
		t.Errorf("KeyPair picked leaf %s with %d certs", tc.Leaf.Subject, len(tc.Certificate))
	}
	_, err = KeyPair([]*x509Cert{srv.Cert}, []signer{cli.Key})
	var mm *MismatchError
	if !errors.As(err, &mm) {
		t.Errorf("mismatched key: got %v", err)
	}
	if _, err := KeyPair(nil, []signer{cli.Key}); !errors.Is(err, ErrNoCert) {
		t.Errorf("no cert: got %v", err)
	}
	if _, err := KeyPair([]*x509Cert{srv.Cert}, nil); !errors.Is(err, ErrNoKey) {
		t.Errorf("no key: got %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	ca, _, _ := issueChain(f, DefaultKeyType)
	f.Add(EncodeCertsPEM(ca.Cert))
	f.Add(ca.Cert.Raw)
	k, _ := EncodeKeyPEM(ca.Key, nil, nil)
	f.Add(k)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Load(data, func() ([]byte, error) { return []byte("x"), nil })
		if err == nil && b.Empty() && len(b.Skipped) == 0 {
			t.Fatalf("Load returned an empty bundle without error")
		}
	})
}

// TestLoadDERWithTrailingNewlineByte guards against trimming DER input: a
// DER object whose last byte happens to be 0x0a or 0x00 must load.
func TestLoadDERWithTrailingNewlineByte(t *testing.T) {
	for _, last := range []byte{0x0a, 0x00} {
		var der []byte
		for i := 0; i < 5000 && (len(der) == 0 || der[len(der)-1] != last); i++ {
			k, err := GenerateKey(DefaultKeyType, nil)
			if err != nil {
				t.Fatal(err)
			}
			der, _ = x509.MarshalPKCS8PrivateKey(k)
		}
		if der[len(der)-1] != last {
			t.Fatalf("no key DER ending in %#x found", last)
		}
		if _, err := Load(der, nil); err != nil {
			t.Errorf("DER ending in %#x: %v", last, err)
		}
	}
}

// TestLoadPFXAsksOnlyWhenNeeded: an empty-pass-phrase or unprotected PFX
// loads without asking; a protected one asks exactly once.
func TestLoadPFXAsksOnlyWhenNeeded(t *testing.T) {
	tests := []struct {
		file  string
		asked bool
	}{
		{"empty-pass.p12", false},
		{"plain.p12", false},
		{"default.p12", true},
		{"legacy.p12", true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			asked := 0
			b, err := Load(mustRead(t, filepath.Join("..", "testdata", "pfx", tt.file)), func() ([]byte, error) {
				asked++
				return []byte("test"), nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if (asked > 0) != tt.asked || asked > 1 {
				t.Errorf("pass phrase asked %d times, want asked=%v", asked, tt.asked)
			}
			if b.Format != "PKCS#12" || len(b.Keys) != 1 || len(b.Certs) == 0 {
				t.Errorf("Load = %s %s", b.Format, b.Summary())
			}
		})
	}
}

// TestLoadBERPFX: a PFX re-encoded with indefinite lengths (as Windows and
// Java may write) is still recognised by content.
func TestLoadBERPFX(t *testing.T) {
	der := mustRead(t, filepath.Join("..", "testdata", "pfx", "compat.p12"))
	ber := toIndefinite(t, der)
	if !bytes.HasPrefix(ber, []byte{0x30, 0x80}) {
		t.Fatalf("re-encoding did not produce BER: % x", ber[:4])
	}
	b, err := Load(ber, func() ([]byte, error) { return []byte("test"), nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Keys) != 1 {
		t.Errorf("BER PFX: %s", b.Summary())
	}
}

// toIndefinite re-encodes the outer SEQUENCE of a DER element with an
// indefinite length.
func toIndefinite(t *testing.T, der []byte) []byte {
	t.Helper()
	s := cryptobyte.String(der)
	var inner cryptobyte.String
	if !s.ReadASN1(&inner, cbasn1.SEQUENCE) {
		t.Fatal("not a SEQUENCE")
	}
	out := append([]byte{0x30, 0x80}, inner...)
	return append(out, 0x00, 0x00)
}
