package pki

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// TestLintClaimsJava holds the lint messages' statements about Java's
// hostname and EKU checks to a real Java 17 client
// (testdata/lint/JavaTLSCheck.java) connecting to Go servers on loopback.
func TestLintClaimsJava(t *testing.T) {
	java := pkitest.Tool(t, "java")
	ca := makeLintCA(t, "Java Claims CA", nil, nil)
	cases := []struct {
		name   string
		mod    func(*x509.Certificate)
		host   string
		lintID string
		want   string // "OK" or a substring of the FAIL line
	}{
		{"CN-only host", func(c *x509.Certificate) { c.DNSNames, c.IPAddresses = nil, nil }, "localhost", "cn_only", "OK"},
		{"CN-only IP", func(c *x509.Certificate) { c.Subject.CommonName, c.DNSNames, c.IPAddresses = "127.0.0.1", nil, nil },
			"127.0.0.1", "cn_only", "No subject alternative names present"},
		{"IP as DNS SAN", func(c *x509.Certificate) { c.DNSNames, c.IPAddresses = []string{"127.0.0.1"}, nil },
			"127.0.0.1", "ip_in_dns_san", "No subject alternative names matching IP address 127.0.0.1"},
		{"EKU without serverAuth", func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} },
			"localhost", "eku_wrong", "Extended key usage does not permit use for TLS server authentication"},
		{"clean", nil, "localhost", "", "OK"},
	}
	var targets []string
	for _, tc := range cases {
		leaf, key := lintLeaf(t, ca, nil, tc.mod)
		if tc.lintID != "" {
			f, ok := lintFinding(Lint(leaf, nil, LintOptions{Purpose: "server"}), tc.lintID)
			if !ok {
				t.Fatalf("%s: lint does not report %s", tc.name, tc.lintID)
			}
			if tc.want != "OK" && !strings.Contains(strings.Join(f.Platforms, ","), PlatformJava) {
				t.Errorf("%s: finding %s does not name Java among the platforms that refuse it", tc.name, tc.lintID)
			}
		}
		ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{lintTLSCert(leaf, key)}})
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(20 * time.Second))
			_ = c.(*tls.Conn).Handshake() // the verdict is the client's
		}()
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		targets = append(targets, net.JoinHostPort(tc.host, port))
	}
	caPath := pkitest.WriteFile(t, t.TempDir(), "ca.pem", lintCertPEM(ca.cert))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{filepath.Join("..", "testdata", "lint", "JavaTLSCheck.java"), caPath}, targets...)
	out, err := exec.CommandContext(ctx, java, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("java: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("java printed %d lines, want %d:\n%s", len(lines), len(cases), out)
	}
	for i, tc := range cases {
		got := lines[i]
		if tc.want == "OK" && got != "OK" || tc.want != "OK" && (!strings.HasPrefix(got, "FAIL") || !strings.Contains(got, tc.want)) {
			t.Errorf("%s: java said %q, want %q", tc.name, got, tc.want)
		}
	}
}
