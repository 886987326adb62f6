package pki

// The lint messages state what Go and OpenSSL do with each kind of
// certificate. These tests hold those statements to the real peers: Go's
// crypto/tls over loopback and the openssl binary.

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

func lintCertPEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// osslVerify runs openssl verify with trusted (as -CAfile), untrusted and the
// leaf, plus args; it returns the exit code and the combined output.
func lintOSSLVerify(t *testing.T, openssl string, trusted, untrusted []*x509.Certificate, leaf *x509.Certificate, args ...string) (int, string) {
	t.Helper()
	dir := t.TempDir()
	cmdArgs := []string{"verify", "-no-CAfile", "-no-CApath", "-no-CAstore",
		"-CAfile", pkitest.WriteFile(t, dir, "ca.pem", lintCertPEM(trusted...))}
	if len(untrusted) > 0 {
		cmdArgs = append(cmdArgs, "-untrusted", pkitest.WriteFile(t, dir, "untrusted.pem", lintCertPEM(untrusted...)))
	}
	cmdArgs = append(cmdArgs, args...)
	cmdArgs = append(cmdArgs, pkitest.WriteFile(t, dir, "leaf.pem", lintCertPEM(leaf)))
	out, err := exec.Command(openssl, cmdArgs...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	}
	t.Fatalf("openssl verify: %v", err)
	return -1, ""
}

func lintWantOSSL(t *testing.T, code int, out, want string) {
	t.Helper()
	if want == "OK" {
		if code != 0 || !strings.Contains(out, ": OK") {
			t.Errorf("openssl verify: exit %d, %q; want OK", code, out)
		}
		return
	}
	if code == 0 || !strings.Contains(out, want) {
		t.Errorf("openssl verify: exit %d, %q; want %q", code, out, want)
	}
}

// goHandshake runs one TLS handshake over loopback between a Go server
// presenting cert and a Go client trusting roots and dialling serverName. It
// returns the client's and the server's errors.
func lintGoHandshake(t *testing.T, server tls.Certificate, roots *x509.CertPool, serverName string, maxVersion uint16, clientCert *tls.Certificate, clientCAs *x509.CertPool) (clientErr, serverErr error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srvCfg := &tls.Config{Certificates: []tls.Certificate{server}, MaxVersion: maxVersion}
	if clientCAs != nil {
		srvCfg.ClientAuth, srvCfg.ClientCAs = tls.RequireAndVerifyClientCert, clientCAs
	}
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		tc := tls.Server(c, srvCfg)
		err = tc.Handshake()
		if err == nil {
			// TLS 1.3: the client certificate verdict reaches the client at
			// its first read; give it something to read.
			_, err = tc.Write([]byte("x"))
		}
		done <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cliCfg := &tls.Config{RootCAs: roots, ServerName: serverName, MaxVersion: maxVersion}
	if clientCert != nil {
		cliCfg.Certificates = []tls.Certificate{*clientCert}
	}
	d := tls.Dialer{Config: cliCfg}
	conn, err := d.DialContext(ctx, "tcp", ln.Addr().String())
	if err == nil {
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		_, err = conn.Read(make([]byte, 1))
		conn.Close()
	}
	return err, <-done
}

func lintTLSCert(c *x509.Certificate, key crypto.Signer) tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{c.Raw}, PrivateKey: key, Leaf: c}
}

func lintPool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

// TestLintClaimsGo checks what the lint messages say about Go's crypto/tls
// and crypto/x509.
func TestLintClaimsGo(t *testing.T) {
	lintKeys(t)
	ca := makeLintCA(t, "Go Claims CA", nil, nil)
	rsaCA := makeLintCA(t, "Go Claims RSA CA", lintRSA2048, nil)
	roots := lintPool(ca.cert)
	type claim struct {
		name       string
		mod        func(*x509.Certificate)
		key        crypto.Signer
		selfSigned bool
		serverName string
		maxVersion uint16
		lintID     string
		wantErr    string // "" = handshake succeeds
	}
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	claims := []claim{
		{name: "CN-only host", mod: func(c *x509.Certificate) { c.DNSNames, c.IPAddresses = nil, nil }, serverName: "localhost",
			lintID: "cn_only", wantErr: "x509: certificate relies on legacy Common Name field, use SANs instead"},
		{name: "CN-only IP", mod: func(c *x509.Certificate) { c.Subject.CommonName, c.DNSNames, c.IPAddresses = "127.0.0.1", nil, nil },
			serverName: "127.0.0.1", lintID: "cn_only", wantErr: "x509: certificate relies on legacy Common Name field, use SANs instead"},
		{name: "IP as DNS SAN", mod: func(c *x509.Certificate) { c.DNSNames, c.IPAddresses = []string{"127.0.0.1"}, nil },
			serverName: "127.0.0.1", lintID: "ip_in_dns_san", wantErr: "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"},
		{name: "CA:TRUE server certificate trusted as itself", selfSigned: true, serverName: "localhost", lintID: "ca_leaf",
			mod: func(c *x509.Certificate) {
				c.IsCA, c.KeyUsage = true, x509.KeyUsageDigitalSignature|x509.KeyUsageCertSign
			}},
		{name: "EKU without serverAuth", mod: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} },
			serverName: "localhost", lintID: "eku_wrong", wantErr: "x509: certificate specifies an incompatible key usage"},
		{name: "anyExtendedKeyUsage only", mod: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny} },
			serverName: "localhost", lintID: "eku_any_only"},
		{name: "no EKU", mod: func(c *x509.Certificate) { c.ExtKeyUsage = nil }, serverName: "localhost", lintID: "eku_missing"},
		{name: "keyUsage without TLS bits", mod: func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageDataEncipherment },
			serverName: "localhost", lintID: "ku_no_tls_usage"},
		{name: "ECDSA without digitalSignature, TLS 1.2", mod: func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyEncipherment },
			serverName: "localhost", maxVersion: tls.VersionTLS12, lintID: "ku_no_digital_signature"},
		{name: "ECDSA without digitalSignature, TLS 1.3", mod: func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyEncipherment },
			serverName: "localhost", lintID: "ku_no_digital_signature"},
		{name: "RSA 1024", key: lintRSA1024, serverName: "localhost", lintID: "rsa_key_small"},
		{name: "Ed25519", key: edKey, serverName: "localhost", lintID: "ed25519_server"},
	}
	for _, c := range claims {
		t.Run(c.name, func(t *testing.T) {
			issuer, trust := ca, roots
			if c.selfSigned {
				issuer = nil
			}
			leaf, key := lintLeaf(t, issuer, c.key, c.mod)
			if c.selfSigned {
				trust = lintPool(leaf)
			}
			if _, ok := lintFinding(Lint(leaf, nil, LintOptions{Purpose: "server"}), c.lintID); !ok {
				t.Fatalf("lint does not report %s for this certificate", c.lintID)
			}
			got, _ := lintGoHandshake(t, lintTLSCert(leaf, key), trust, c.serverName, c.maxVersion, nil, nil)
			if c.wantErr == "" {
				if got != nil {
					t.Errorf("Go client: got %v, want success", got)
				}
				return
			}
			if got == nil || !strings.Contains(got.Error(), c.wantErr) {
				t.Errorf("Go client: got %v, want %q", got, c.wantErr)
			}
		})
	}

	t.Run("server certificate as client certificate", func(t *testing.T) {
		srv, srvKey := lintLeaf(t, ca, nil, nil)
		client := lintTLSCert(srv, srvKey) // serverAuth only
		if _, ok := lintFinding(Lint(srv, nil, LintOptions{Purpose: "client"}), "eku_wrong"); !ok {
			t.Fatal("lint does not report eku_wrong")
		}
		_, serverErr := lintGoHandshake(t, lintTLSCert(srv, srvKey), roots, "localhost", 0, &client, roots)
		if serverErr == nil || !strings.Contains(serverErr.Error(), "x509: certificate specifies an incompatible key usage") {
			t.Errorf("Go server: got %v, want incompatible key usage", serverErr)
		}
	})
	t.Run("SHA-1 signature", func(t *testing.T) {
		leaf, _ := lintLeaf(t, rsaCA, nil, func(c *x509.Certificate) { c.SignatureAlgorithm = x509.SHA1WithRSA })
		_, err := leaf.Verify(x509.VerifyOptions{Roots: lintPool(rsaCA.cert), DNSName: "localhost"})
		if err == nil || !strings.Contains(err.Error(), "insecure algorithm SHA1-RSA") {
			t.Errorf("got %v, want insecure algorithm SHA1-RSA", err)
		}
	})
	t.Run("RSA under 1024 bits", func(t *testing.T) {
		if _, err := rsa.GenerateKey(rand.Reader, 512); err == nil || !strings.Contains(err.Error(), "512-bit keys are insecure") {
			t.Errorf("rsa.GenerateKey(512): got %v, want 512-bit keys are insecure", err)
		}
		p, _ := rand.Prime(rand.Reader, 256)
		q, _ := rand.Prime(rand.Reader, 256)
		pub := &rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537}
		sum := sha256.Sum256([]byte("x"))
		err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], make([]byte, 64))
		if err == nil || !strings.Contains(err.Error(), "512-bit keys are insecure") {
			t.Errorf("rsa.VerifyPKCS1v15 with 512 bits: got %v, want 512-bit keys are insecure", err)
		}
	})
	t.Run("wildcards", func(t *testing.T) {
		for _, w := range lintWildcardFacts {
			leaf, _ := lintLeaf(t, ca, nil, func(c *x509.Certificate) { c.DNSNames, c.IPAddresses = []string{w.pattern}, nil })
			_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: w.host})
			if got := err == nil; got != w.goMatches {
				t.Errorf("Go: %s for %s: got match %v, want %v", w.pattern, w.host, got, w.goMatches)
			}
		}
	})
}

// lintWildcardFacts is what the wildcard findings say about matching.
var lintWildcardFacts = []struct {
	pattern, host             string
	goMatches, opensslMatches bool
}{
	{"*.example.com", "a.example.com", true, true},
	{"*.example.com", "example.com", false, false},
	{"*.example.com", "a.b.example.com", false, false},
	{"f*.example.com", "foo.example.com", false, true},
	{"x*.example.com", "xa.example.com", false, true},
	{"*.com", "example.com", true, false},
	{"a.*.example.com", "a.b.example.com", false, false},
}

// TestLintClaimsOpenSSL checks what the lint messages say about OpenSSL.
func TestLintClaimsOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	lintKeys(t)
	ca := makeLintCA(t, "OpenSSL Claims CA", nil, nil)
	rsaCA := makeLintCA(t, "OpenSSL Claims RSA CA", lintRSA2048, nil)
	trusted := []*x509.Certificate{ca.cert}
	type claim struct {
		name   string
		issuer *lintCA // nil: self-signed, trusted as itself
		key    crypto.Signer
		mod    func(*x509.Certificate)
		args   []string
		lintID string
		want   string // "OK" or an error line
	}
	claims := []claim{
		{name: "CN-only host", issuer: ca, mod: func(c *x509.Certificate) { c.DNSNames, c.IPAddresses = nil, nil },
			args: []string{"-verify_hostname", "localhost"}, lintID: "cn_only", want: "OK"},
		{name: "CN-only IP", issuer: ca, mod: func(c *x509.Certificate) { c.Subject.CommonName, c.DNSNames, c.IPAddresses = "127.0.0.1", nil, nil },
			args: []string{"-verify_ip", "127.0.0.1"}, lintID: "cn_only", want: "error 64 at 0 depth lookup: IP address mismatch"},
		{name: "IP as DNS SAN", issuer: ca, mod: func(c *x509.Certificate) { c.DNSNames, c.IPAddresses = []string{"127.0.0.1"}, nil },
			args: []string{"-verify_ip", "127.0.0.1"}, lintID: "ip_in_dns_san", want: "error 64 at 0 depth lookup: IP address mismatch"},
		{name: "CA:TRUE server certificate", mod: func(c *x509.Certificate) {
			c.IsCA, c.KeyUsage = true, x509.KeyUsageDigitalSignature|x509.KeyUsageCertSign
		},
			args: []string{"-purpose", "sslserver"}, lintID: "ca_leaf", want: "OK"},
		{name: "EKU without serverAuth", issuer: ca, mod: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} },
			args: []string{"-purpose", "sslserver"}, lintID: "eku_wrong", want: "error 26 at 0 depth lookup: unsuitable certificate purpose"},
		{name: "anyExtendedKeyUsage only", issuer: ca, mod: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny} },
			args: []string{"-purpose", "sslserver"}, lintID: "eku_any_only", want: "error 26 at 0 depth lookup: unsuitable certificate purpose"},
		{name: "no EKU", issuer: ca, mod: func(c *x509.Certificate) { c.ExtKeyUsage = nil },
			args: []string{"-purpose", "sslserver"}, lintID: "eku_missing", want: "OK"},
		{name: "keyUsage without TLS bits", issuer: ca, mod: func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageDataEncipherment },
			args: []string{"-purpose", "sslserver"}, lintID: "ku_no_tls_usage", want: "error 26 at 0 depth lookup: unsuitable certificate purpose"},
		{name: "client keyUsage keyEncipherment only", issuer: ca, mod: func(c *x509.Certificate) {
			c.KeyUsage, c.ExtKeyUsage = x509.KeyUsageKeyEncipherment, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}, args: []string{"-purpose", "sslclient"}, lintID: "ku_no_tls_usage", want: "error 26 at 0 depth lookup: unsuitable certificate purpose"},
		{name: "RSA 1024 at level 2", issuer: ca, key: lintRSA1024, args: []string{"-auth_level", "2"},
			lintID: "rsa_key_small", want: "error 66 at 0 depth lookup: EE certificate key too weak"},
		{name: "SHA-1 at level 1", issuer: rsaCA, mod: func(c *x509.Certificate) { c.SignatureAlgorithm = x509.SHA1WithRSA },
			args: []string{"-auth_level", "1"}, lintID: "weak_signature", want: "error 68 at 0 depth lookup: CA signature digest algorithm too weak"},
		{name: "expired", issuer: ca, mod: func(c *x509.Certificate) {
			c.NotBefore, c.NotAfter = time.Now().Add(-9*lintDay), time.Now().Add(-lintDay)
		},
			lintID: "expired", want: "error 10 at 0 depth lookup: certificate has expired"},
		{name: "not yet valid", issuer: ca, mod: func(c *x509.Certificate) { c.NotBefore = time.Now().Add(lintDay) },
			lintID: "not_yet_valid", want: "error 9 at 0 depth lookup: certificate is not yet valid"},
	}
	for _, c := range claims {
		t.Run(c.name, func(t *testing.T) {
			leaf, _ := lintLeaf(t, c.issuer, c.key, c.mod)
			tr := trusted
			switch {
			case c.issuer == nil:
				tr = []*x509.Certificate{leaf}
			case c.issuer == rsaCA:
				tr = []*x509.Certificate{rsaCA.cert}
			}
			purpose := "server"
			if strings.Contains(strings.Join(c.args, " "), "sslclient") {
				purpose = "client"
			}
			f, ok := lintFinding(Lint(leaf, nil, LintOptions{Purpose: purpose}), c.lintID)
			if !ok {
				t.Fatalf("lint does not report %s", c.lintID)
			}
			if strings.Contains(c.want, "error ") {
				num := strings.Fields(c.want)[1]
				if !strings.Contains(f.Message, "error "+num) {
					t.Errorf("lint message %q does not quote OpenSSL's error %s", f.Message, num)
				}
			}
			code, out := lintOSSLVerify(t, openssl, tr, nil, leaf, c.args...)
			lintWantOSSL(t, code, out, c.want)
		})
	}

	t.Run("RSA 1024 accepted without auth level", func(t *testing.T) {
		leaf, _ := lintLeaf(t, ca, lintRSA1024, nil)
		code, out := lintOSSLVerify(t, openssl, trusted, nil, leaf)
		lintWantOSSL(t, code, out, "OK")
	})
	t.Run("RSA 512 at level 1", func(t *testing.T) {
		p, _ := rand.Prime(rand.Reader, 256)
		q, _ := rand.Prime(rand.Reader, 256)
		pub := &rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537}
		tmpl, _ := lintLeaf(t, ca, nil, nil)
		tmpl.SubjectKeyId = lintSKI(t, pub)
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
		if err != nil {
			t.Fatal(err)
		}
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		code, out := lintOSSLVerify(t, openssl, trusted, nil, leaf, "-auth_level", "1")
		lintWantOSSL(t, code, out, "error 66 at 0 depth lookup: EE certificate key too weak")
	})
	t.Run("no AKI with -x509_strict", func(t *testing.T) {
		noSKI, noSKIKey := crlFixtureCA(t, "noski-ca")
		leaf, _ := lintLeaf(t, &lintCA{cert: noSKI, key: noSKIKey}, nil, nil)
		if len(leaf.AuthorityKeyId) != 0 {
			t.Fatal("leaf has an AKI")
		}
		code, out := lintOSSLVerify(t, openssl, []*x509.Certificate{noSKI}, nil, leaf, "-x509_strict")
		lintWantOSSL(t, code, out, "error 85 at 0 depth lookup: Missing Authority Key Identifier")
	})
	t.Run("issuer without keyCertSign", func(t *testing.T) {
		bad := makeLintCA(t, "No CertSign", nil, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageDigitalSignature })
		leaf, _ := lintLeaf(t, bad, nil, nil)
		code, out := lintOSSLVerify(t, openssl, []*x509.Certificate{bad.cert}, nil, leaf)
		lintWantOSSL(t, code, out, "error 79 at 1 depth lookup: invalid CA certificate")
	})
	t.Run("issuer not a CA", func(t *testing.T) {
		bad := makeLintCA(t, "Not CA", nil, func(c *x509.Certificate) { c.IsCA = false; c.KeyUsage = x509.KeyUsageDigitalSignature })
		leaf, _ := lintLeaf(t, bad, nil, nil)
		code, out := lintOSSLVerify(t, openssl, []*x509.Certificate{bad.cert}, nil, leaf)
		lintWantOSSL(t, code, out, "error 79 at 1 depth lookup: invalid CA certificate")
	})
	t.Run("issuer RSA 1024 at level 2", func(t *testing.T) {
		small := makeLintCA(t, "Small CA", lintRSA1024, nil)
		leaf, _ := lintLeaf(t, small, nil, nil)
		code, out := lintOSSLVerify(t, openssl, []*x509.Certificate{small.cert}, nil, leaf, "-auth_level", "2")
		lintWantOSSL(t, code, out, "error 67 at 1 depth lookup: CA certificate key too weak")
	})
	t.Run("wildcards", func(t *testing.T) {
		for _, w := range lintWildcardFacts {
			leaf, _ := lintLeaf(t, ca, nil, func(c *x509.Certificate) { c.DNSNames, c.IPAddresses = []string{w.pattern}, nil })
			code, out := lintOSSLVerify(t, openssl, trusted, nil, leaf, "-verify_hostname", w.host)
			if got := code == 0; got != w.opensslMatches {
				t.Errorf("OpenSSL: %s for %s: got match %v, want %v (%s)", w.pattern, w.host, got, w.opensslMatches, out)
			}
		}
	})
	t.Run("negative serial", func(t *testing.T) {
		dir := t.TempDir()
		pkitest.Run(t, openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
			"-keyout", filepath.Join(dir, "k.pem"), "-out", filepath.Join(dir, "c.pem"), "-subj", "/CN=neg", "-set_serial", "-5", "-days", "1")
		b := pkitest.Run(t, openssl, "x509", "-in", filepath.Join(dir, "c.pem"), "-outform", "PEM")
		block, _ := pem.Decode([]byte(b))
		if block == nil {
			t.Fatal("no PEM from openssl")
		}
		if _, err := x509.ParseCertificate(block.Bytes); err == nil || !strings.Contains(err.Error(), "x509: negative serial number") {
			t.Errorf("Go parse: got %v, want x509: negative serial number", err)
		}
	})
}

// TestLintClaimsOpenSSLTLS checks the handshake claims against openssl
// s_server: it will not use an ECDSA key without digitalSignature for
// ECDHE-ECDSA in TLS 1.2 but does in TLS 1.3, and it serves Ed25519.
func TestLintClaimsOpenSSLTLS(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	ca := makeLintCA(t, "s_server CA", nil, nil)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	cases := []struct {
		name    string
		key     crypto.Signer
		mod     func(*x509.Certificate)
		max     uint16
		wantErr string
	}{
		{"ECDSA without digitalSignature, TLS 1.2", nil, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyEncipherment | x509.KeyUsageKeyAgreement },
			tls.VersionTLS12, "remote error: tls: handshake failure"},
		{"ECDSA without digitalSignature, TLS 1.3", nil, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyEncipherment | x509.KeyUsageKeyAgreement },
			tls.VersionTLS13, ""},
		{"Ed25519", edKey, nil, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			leaf, key := lintLeaf(t, ca, tc.key, tc.mod)
			err := lintSServerHandshake(t, openssl, leaf, key, lintPool(ca.cert), tc.max)
			if tc.wantErr == "" {
				if err != nil {
					t.Errorf("Go client to openssl s_server: got %v, want success", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Go client to openssl s_server: got %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// handshakeWithSServer starts openssl s_server with the certificate on a
// loopback port and returns the Go client's handshake error.
func lintSServerHandshake(t *testing.T, openssl string, leaf *x509.Certificate, key crypto.Signer, roots *x509.CertPool, maxVersion uint16) error {
	t.Helper()
	dir := t.TempDir()
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath := pkitest.WriteFile(t, dir, "c.pem", lintCertPEM(leaf))
	keyPath := pkitest.WriteFile(t, dir, "k.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	// Find a free port, then let s_server bind it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, openssl, "s_server", "-accept", addr, "-cert", certPath, "-key", keyPath, "-naccept", "1", "-quiet")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var conn *tls.Conn
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err = tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", addr,
			&tls.Config{RootCAs: roots, ServerName: "localhost", MaxVersion: maxVersion})
		var opErr *net.OpError
		if err != nil && errors.As(err, &opErr) && opErr.Op == "dial" && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond) // s_server not listening yet
			continue
		}
		break
	}
	if err != nil {
		return err
	}
	conn.Close()
	return nil
}
