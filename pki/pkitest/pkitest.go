// Package pkitest holds helpers for wsskit's tests: locating real peers
// (openssl, node, java...) and making a small throw-away PKI with nothing but
// crypto/x509, so tests of every package can start from the canonical
// scenario without depending on the code under test.
package pkitest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// InCI reports whether the tests run under CI (the CI environment variable is
// set and not "false"/"0"). There a missing peer is a failure, not a skip.
func InCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// Tool returns the path of an external program the test needs. When it is
// missing the test is skipped on a developer machine and fails under CI, so a
// green CI run always means the cross-checks ran.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if InCI() {
			t.Fatalf("peer %s is required under CI but not installed: %v", name, err)
		}
		t.Skipf("peer %s not installed: %v", name, err)
	}
	return p
}

// Run runs an external command and fails the test with its output when it
// exits non-zero. It returns combined stdout and stderr.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// Cert is a certificate with its key, as made by this package.
type Cert struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// TLS returns the certificate (with its chain) as a tls.Certificate.
func (c *Cert) TLS(chain ...*Cert) tls.Certificate {
	tc := tls.Certificate{Certificate: [][]byte{c.Cert.Raw}, PrivateKey: c.Key, Leaf: c.Cert}
	for _, ch := range chain {
		tc.Certificate = append(tc.Certificate, ch.Cert.Raw)
	}
	return tc
}

// CertPEM returns the certificate as PEM.
func (c *Cert) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})
}

// KeyPEM returns the private key as unencrypted PKCS#8 PEM.
func (c *Cert) KeyPEM() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// Template describes a certificate for Issue. Zero values mean: ECDSA P-256
// key, valid from an hour ago for a day, not a CA, no EKU.
type Template struct {
	CN string
	CA bool
	// PathLenZero gives a CA pathlen:0 (no CA may follow below it), as
	// wsskit pki init does.
	PathLenZero bool
	IPs         []net.IP
	DNS         []string
	EKU         []x509.ExtKeyUsage
	NotBefore   time.Time
	NotAfter    time.Time
	Key         crypto.Signer
}

var serial int64

// Issue makes a certificate signed by parent (self-signed when parent is nil).
func Issue(t testing.TB, tmpl Template, parent *Cert) *Cert {
	t.Helper()
	key := tmpl.Key
	if key == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	}
	nb, na := tmpl.NotBefore, tmpl.NotAfter
	if nb.IsZero() {
		nb = time.Now().Add(-time.Hour)
	}
	if na.IsZero() {
		na = time.Now().Add(24 * time.Hour)
	}
	serial++
	x := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano() + serial),
		Subject:               pkix.Name{CommonName: tmpl.CN},
		NotBefore:             nb,
		NotAfter:              na,
		IPAddresses:           tmpl.IPs,
		DNSNames:              tmpl.DNS,
		ExtKeyUsage:           tmpl.EKU,
		BasicConstraintsValid: true,
		IsCA:                  tmpl.CA,
		KeyUsage:              x509.KeyUsageDigitalSignature,
	}
	if tmpl.CA {
		x.KeyUsage |= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		x.MaxPathLen, x.MaxPathLenZero = 0, tmpl.PathLenZero
		if !tmpl.PathLenZero {
			x.MaxPathLen = -1
		}
	}
	signer, issuer := key, x
	if parent != nil {
		signer, issuer = parent.Key, parent.Cert
	}
	der, err := x509.CreateCertificate(rand.Reader, x, issuer, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &Cert{Cert: c, Key: key}
}

// PKI is the canonical scenario: a CA, a server certificate for IP 127.0.0.1
// and DNS localhost, and a client certificate, all signed by the CA.
type PKI struct {
	CA, Server, Client *Cert
}

// NewPKI makes the canonical scenario's PKI.
func NewPKI(t testing.TB, caName string) *PKI {
	t.Helper()
	ca := Issue(t, Template{CN: caName, CA: true}, nil)
	return &PKI{
		CA: ca,
		Server: Issue(t, Template{CN: "127.0.0.1", IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, DNS: []string{"localhost"},
			EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca),
		Client: Issue(t, Template{CN: "client", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca),
	}
}

// Pool returns a cert pool holding the CA.
func (p *PKI) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.CA.Cert)
	return pool
}

// WriteFile writes data to dir/name and returns the path.
func WriteFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
