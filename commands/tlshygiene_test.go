package commands

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/big"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// hygienePKI writes a CA, a server certificate, a good client, a client
// whose EKU is serverAuth only, a revoked client and the CA's CRL.
type hygienePKI struct {
	p                              *pkitest.PKI
	serverPEM, serverKey, caPEM    string
	crl                            string
	good, serverOnly, revoked, bad tls.Certificate
}

func newHygienePKI(t *testing.T) *hygienePKI {
	t.Helper()
	dir := t.TempDir()
	p := pkitest.NewPKI(t, "hygiene CA")
	h := &hygienePKI{p: p,
		serverPEM: pkitest.WriteFile(t, dir, "server.pem", p.Server.CertPEM()),
		serverKey: pkitest.WriteFile(t, dir, "server.key", p.Server.KeyPEM()),
		caPEM:     pkitest.WriteFile(t, dir, "ca.pem", p.CA.CertPEM()),
		good:      p.Client.TLS(),
	}
	h.serverOnly = pkitest.Issue(t, pkitest.Template{CN: "server-only", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, p.CA).TLS()
	revoked := pkitest.Issue(t, pkitest.Template{CN: "revoked", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, p.CA)
	h.revoked = revoked.TLS()
	other := pkitest.NewPKI(t, "other CA")
	h.bad = other.Client.TLS()
	tmpl := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(24 * time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: revoked.Cert.SerialNumber, RevocationTime: time.Now().Add(-time.Minute)}}}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, p.CA.Cert, p.CA.Key)
	if err != nil {
		t.Fatal(err)
	}
	h.crl = pkitest.WriteFile(t, dir, "ca.crl", der)
	return h
}

// serveFor runs `wsskit ARGS --listen ADDR --duration D` in-process until
// the port answers, and returns the address and a function that waits for
// the command to end and returns what it printed.
func serveFor(t *testing.T, d time.Duration, args ...string) (string, func() result) {
	t.Helper()
	addr := freePort(t)
	done := make(chan result, 1)
	go func() { done <- run(t, "", append(args, "--listen", addr, "--duration", d.String())...) }()
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			break
		}
		select {
		case r := <-done:
			t.Fatalf("wsskit %s ended before listening: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
		default:
		}
		if time.Now().After(end) {
			t.Fatalf("wsskit %s does not listen on %s", strings.Join(args, " "), addr)
		}
	}
	return addr, func() result {
		select {
		case r := <-done:
			return r
		case <-time.After(d + 10*time.Second):
			t.Fatalf("wsskit %s did not stop after --duration %v", strings.Join(args, " "), d)
			return result{}
		}
	}
}

// handshake dials addr with cfg and completes the handshake, then a
// round trip that needs the server to accept the client certificate
// (TLS 1.3 servers reject it after the client's handshake is done).
func handshake(addr string, cfg *tls.Config) error {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 3 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 12)
	_, err = c.Read(buf)
	return err
}

var cbcSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256}

// TestListenTLSDefaults checks the TLS of `echo` and `server` on their
// defaults: TLS 1.2 and 1.3 only, AEAD suites only, no renegotiation,
// client certificates verified for the clientAuth EKU, against the CA and
// the CRL. `--min-tls 1.0` and `--ciphers` bring legacy back, with a
// warning, to reproduce old peers.
func TestListenTLSDefaults(t *testing.T) {
	h := newHygienePKI(t)
	roots := h.p.Pool()
	client := func(mod func(*tls.Config)) *tls.Config {
		cfg := &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", Certificates: []tls.Certificate{h.good}}
		if mod != nil {
			mod(cfg)
		}
		return cfg
	}
	for _, cmd := range []string{"echo", "server"} {
		t.Run(cmd, func(t *testing.T) {
			args := []string{cmd, "--cert", h.serverPEM, "--key", h.serverKey, "--cafile", h.caPEM, "--client-auth", "require", "--crl", h.crl}
			if cmd == "echo" {
				args = append(args, "--no-stdin")
			}
			addr, wait := serveFor(t, 3*time.Second, args...)
			cases := []struct {
				name string
				cfg  *tls.Config
				ok   bool
			}{
				{"TLS 1.3", client(nil), true},
				{"TLS 1.2 AEAD", client(func(c *tls.Config) {
					c.MaxVersion = tls.VersionTLS12
					c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
				}), true},
				{"TLS 1.2 CBC only", client(func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12; c.CipherSuites = cbcSuites }), false},
				{"TLS 1.1", client(func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS10, tls.VersionTLS11 }), false},
				{"TLS 1.0", client(func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS10, tls.VersionTLS10 }), false},
				{"client certificate for serverAuth only", client(func(c *tls.Config) { c.Certificates = []tls.Certificate{h.serverOnly} }), false},
				{"revoked client certificate", client(func(c *tls.Config) { c.Certificates = []tls.Certificate{h.revoked} }), false},
				{"client certificate of another CA", client(func(c *tls.Config) { c.Certificates = []tls.Certificate{h.bad} }), false},
				{"no client certificate", client(func(c *tls.Config) { c.Certificates = nil }), false},
				{"revoked, over TLS 1.2", client(func(c *tls.Config) {
					c.MaxVersion = tls.VersionTLS12
					c.Certificates = []tls.Certificate{h.revoked}
				}), false},
			}
			for _, tc := range cases {
				if err := handshake(addr, tc.cfg); (err == nil) != tc.ok {
					t.Errorf("%s: got error %v, want success %v", tc.name, err, tc.ok)
				}
			}
			if openssl := pkitest.Tool(t, "openssl"); openssl != "" {
				checkNoRenegotiation(t, openssl, addr, h)
			}
			if r := wait(); r.code != 0 {
				t.Errorf("exit %d\n%s", r.code, r.stderr)
			}
		})
	}
	t.Run("echo --min-tls 1.0", func(t *testing.T) {
		addr, wait := serveFor(t, time.Second, "echo", "--no-stdin", "--cert", h.serverPEM, "--key", h.serverKey, "--min-tls", "1.0")
		cfg := client(func(c *tls.Config) {
			c.MinVersion, c.MaxVersion, c.CipherSuites = tls.VersionTLS10, tls.VersionTLS10, cbcSuites
		})
		if err := handshake(addr, cfg); err != nil {
			t.Errorf("TLS 1.0 with --min-tls 1.0: %v", err)
		}
		if r := wait(); !strings.Contains(r.stderr, "warning: --min-tls 1.0") || !strings.Contains(r.stderr, "RFC 8996") {
			t.Errorf("no warning about TLS 1.0:\n%s", r.stderr)
		}
	})
	t.Run("server --ciphers CBC", func(t *testing.T) {
		addr, wait := serveFor(t, time.Second, "server", "--cert", h.serverPEM, "--key", h.serverKey, "--max-tls", "1.2",
			"--ciphers", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")
		cfg := client(func(c *tls.Config) { c.MaxVersion, c.CipherSuites = tls.VersionTLS12, cbcSuites })
		if err := handshake(addr, cfg); err != nil {
			t.Errorf("CBC with --ciphers: %v", err)
		}
		if r := wait(); !strings.Contains(r.stderr, "not an AEAD suite") {
			t.Errorf("no warning about the CBC suite:\n%s", r.stderr)
		}
	})
}

// checkNoRenegotiation asks for a renegotiation with openssl s_client's
// "R" command over TLS 1.2: the server must refuse it (Go never
// renegotiates as a server).
func checkNoRenegotiation(t *testing.T, openssl, addr string, h *hygienePKI) {
	t.Helper()
	dir := t.TempDir()
	cert := pkitest.WriteFile(t, dir, "client.pem", h.p.Client.CertPEM())
	key := pkitest.WriteFile(t, dir, "client.key", h.p.Client.KeyPEM())
	// Interactive mode (no -quiet) is what reads the R command; stdin
	// stays open until the server has answered (or 10 s), as EOF ends
	// s_client before a slow answer arrives.
	cmd := exec.Command(openssl, "s_client", "-connect", addr, "-tls1_2", "-CAfile", h.caPEM, "-cert", cert, "-key", key)
	pr, pw := io.Pipe()
	cmd.Stdin = pr
	var buf lockedBuffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); pr.Close(); close(done) }()
	go pw.Write([]byte("R\n")) // returns when s_client reads it or exits
	answered := func() bool {
		s := buf.String()
		return strings.Contains(s, "no renegotiation") || strings.Contains(s, "alert")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !answered() && time.Now().Before(deadline) {
		select {
		case <-done:
			deadline = time.Now()
		case <-time.After(20 * time.Millisecond):
		}
	}
	pw.Close()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("openssl s_client hung:\n%s", buf.String())
	}
	s := buf.String()
	if !strings.Contains(s, "RENEGOTIATING") {
		t.Fatalf("openssl did not try to renegotiate:\n%s", s)
	}
	if !strings.Contains(s, "no renegotiation") && !strings.Contains(s, "alert") {
		t.Errorf("the server did not refuse the renegotiation:\n%s", s)
	}
}
