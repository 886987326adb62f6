package pki

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// TestLintClaimsChromium holds the ed25519_server finding to Chromium: its
// ClientHello offers no Ed25519 signature scheme.
func TestLintClaimsChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a headless Chromium")
	}
	chromium := pkitest.Tool(t, "chromium")
	ca := makeLintCA(t, "Chromium Claims CA", nil, nil)
	leaf, key := lintLeaf(t, ca, nil, nil)
	hello := make(chan []tls.SignatureScheme, 1)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{lintTLSCert(leaf, key)},
		GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
			select {
			case hello <- h.SignatureSchemes:
			default:
			}
			return nil, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for i := 0; i < 20; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				_ = c.(*tls.Conn).Handshake() // Chromium does not trust the CA; only the hello matters
			}(c)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := pkitest.ChromiumCommand(ctx, t, chromium, "", "--dump-dom", "https://"+ln.Addr().String()+"/")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case schemes := <-hello:
		if len(schemes) == 0 {
			t.Fatal("Chromium's ClientHello listed no signature schemes")
		}
		if slices.Contains(schemes, tls.Ed25519) {
			t.Errorf("Chromium offers Ed25519 (%v): the ed25519_server finding is wrong", schemes)
		}
		if !slices.Contains(schemes, tls.ECDSAWithP256AndSHA256) {
			t.Errorf("Chromium does not offer ecdsa_secp256r1_sha256 (%v)", schemes)
		}
	case <-ctx.Done():
		t.Fatal("no ClientHello from Chromium within 30s")
	}
}

// chromiumTrust makes a HOME whose NSS database (the one Chromium on Linux
// reads) trusts the given CA certificates for TLS servers.
func lintChromiumTrust(t *testing.T, certs ...*x509.Certificate) string {
	t.Helper()
	certutil := pkitest.Tool(t, "certutil")
	home := t.TempDir()
	db := filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(db, 0o700); err != nil {
		t.Fatal(err)
	}
	pkitest.Run(t, certutil, "-N", "-d", "sql:"+db, "--empty-password")
	for i, c := range certs {
		p := pkitest.WriteFile(t, home, fmt.Sprintf("ca%d.pem", i), lintCertPEM(c))
		pkitest.Run(t, certutil, "-A", "-d", "sql:"+db, "-n", fmt.Sprintf("wsskit-test-%d", i), "-t", "C,,", "-i", p)
	}
	return home
}

// chromiumFetch loads url in headless Chromium with HOME=home and returns
// "OK" when the page (served by a wsskit test server) arrived, else the
// net::ERR_ code Chromium showed.
func lintChromiumFetch(t *testing.T, chromium, home, url string) string {
	t.Helper()
	s, err := pkitest.DumpDOM(t, chromium, home, url, 60*time.Second)
	if strings.Contains(s, lintChromiumMarker) {
		return "OK"
	}
	if m := regexp.MustCompile(`ERR_[A-Z_]+`).FindString(s); m != "" {
		return m
	}
	t.Fatalf("chromium: %v, no page and no error code:\n%s", err, s)
	return ""
}

const lintChromiumMarker = "WSSKIT-LINT-PAGE"

// serveHTTPS serves the marker page with cert on loopback until the test ends.
func lintServeHTTPS(t *testing.T, cert tls.Certificate, maxVersion uint16) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, lintChromiumMarker) }),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: maxVersion},
		ErrorLog:          log.New(io.Discard, "", 0),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// TestLintClaimsChrome holds the lint messages' statements about Chrome to
// a real headless Chromium that trusts the test CA through its NSS database.
func TestLintClaimsChrome(t *testing.T) {
	if testing.Short() {
		t.Skip("starts headless Chromium about ten times")
	}
	chromium := pkitest.Tool(t, "chromium")
	ca := makeLintCA(t, "Chrome Claims CA", nil, nil)
	caLeaf, caLeafKey := lintLeaf(t, nil, nil, func(c *x509.Certificate) {
		c.Subject.CommonName = "CA leaf"
		c.IsCA, c.KeyUsage = true, x509.KeyUsageDigitalSignature|x509.KeyUsageCertSign
	})
	home := lintChromiumTrust(t, ca.cert, caLeaf)
	cases := []struct {
		name   string
		mod    func(*x509.Certificate)
		self   bool
		host   string
		max    uint16
		lintID string
		want   string
	}{
		{name: "clean", want: "OK"},
		{name: "CN-only", mod: func(c *x509.Certificate) { c.DNSNames, c.IPAddresses = nil, nil }, lintID: "cn_only", want: "ERR_CERT_COMMON_NAME_INVALID"},
		{name: "IP as DNS SAN", mod: func(c *x509.Certificate) { c.DNSNames, c.IPAddresses = []string{"127.0.0.1"}, nil }, host: "127.0.0.1",
			lintID: "ip_in_dns_san", want: "ERR_CERT_COMMON_NAME_INVALID"},
		{name: "partial wildcard", mod: func(c *x509.Certificate) { c.DNSNames, c.IPAddresses = []string{"local*"}, nil },
			lintID: "wildcard_partial", want: "ERR_CERT_COMMON_NAME_INVALID"},
		{name: "EKU without serverAuth", mod: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} },
			lintID: "eku_wrong", want: "ERR_CERT_INVALID"},
		{name: "SHA-1 signature", mod: func(c *x509.Certificate) { c.SignatureAlgorithm = x509.ECDSAWithSHA1 },
			lintID: "weak_signature", want: "ERR_CERT_INVALID"},
		{name: "ECDSA without digitalSignature, TLS 1.3", mod: func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyEncipherment | x509.KeyUsageKeyAgreement },
			lintID: "ku_no_digital_signature", want: "ERR_SSL_KEY_USAGE_INCOMPATIBLE"},
		{name: "ECDSA without digitalSignature, TLS 1.2", mod: func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyEncipherment | x509.KeyUsageKeyAgreement },
			max: tls.VersionTLS12, lintID: "ku_no_digital_signature", want: "ERR_SSL_KEY_USAGE_INCOMPATIBLE"},
		{name: "keyUsage without TLS bits", mod: func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageDataEncipherment },
			lintID: "ku_no_tls_usage", want: "ERR_SSL_KEY_USAGE_INCOMPATIBLE"},
		{name: "no EKU", mod: func(c *x509.Certificate) { c.ExtKeyUsage = nil }, lintID: "eku_missing", want: "OK"},
		{name: "CA:TRUE server certificate", self: true, lintID: "ca_leaf", want: "OK"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each case is one Chromium start; -parallel bounds them
			var leaf *x509.Certificate
			var key crypto.Signer
			if tc.self {
				leaf, key = caLeaf, caLeafKey
			} else {
				leaf, key = lintLeaf(t, ca, nil, tc.mod)
			}
			if tc.lintID != "" {
				f, ok := lintFinding(Lint(leaf, nil, LintOptions{Purpose: "server"}), tc.lintID)
				if !ok {
					t.Fatalf("lint does not report %s", tc.lintID)
				}
				refuses := slices.Contains(f.Platforms, PlatformChrome)
				if refuses != (tc.want != "OK") {
					t.Errorf("finding %s names Chrome: %v, but Chrome says %s", tc.lintID, refuses, tc.want)
				}
				if tc.want != "OK" && !strings.Contains(f.Message, tc.want) {
					t.Errorf("finding %s does not quote Chrome's %s: %q", tc.lintID, tc.want, f.Message)
				}
			}
			host := tc.host
			if host == "" {
				host = "localhost"
			}
			port := lintServeHTTPS(t, lintTLSCert(leaf, key), tc.max)
			if got := lintChromiumFetch(t, chromium, home, "https://"+net.JoinHostPort(host, port)+"/"); got != tc.want {
				t.Errorf("Chromium: got %s, want %s", got, tc.want)
			}
		})
	}
}
