package commands

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki"
	"github.com/wsskit/wsskit/pki/pkitest"
)

func TestPKIInitFilesAndModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	r := mustRun(t, "pki", "init", "--dir", dir, "--clients", "2", "--ip", "10.1.2.3", "--dns", "myhost.test")
	for _, name := range []string{"ca.pem", "server.pem", "client.pem", "client-2.pem", filepath.Join("ca", "ca.pem")} {
		assertMode(t, filepath.Join(dir, name), 0o644)
	}
	for _, name := range []string{"ca.key", "server.key", "server.pfx", "client.key", "client.pfx", "client-2.key", "client-2.pfx"} {
		assertMode(t, filepath.Join(dir, name), 0o600)
	}
	if !strings.Contains(r.stdout, `PFX pass phrase: "changeit"`) {
		t.Errorf("default PFX pass phrase not printed:\n%s", r.stdout)
	}
	b := loadFile(t, filepath.Join(dir, "server.pem"))
	s := pki.SANsOf(b.Certs[0]).String()
	for _, want := range []string{"IP Address:127.0.0.1", "IP Address:10.1.2.3", "DNS:localhost", "DNS:myhost.test"} {
		if !strings.Contains(s, want) {
			t.Errorf("server SANs %q lack %q", s, want)
		}
	}
	golden(t, "pki-init", mask(r.stdout, dir))

	// No overwrite without --force; nothing changes.
	before := readFile(t, filepath.Join(dir, "ca.key"))
	run(t, "", "pki", "init", "--dir", dir).wantFail(t, ExitUsage, "already exists", "--force")
	if readFile(t, filepath.Join(dir, "ca.key")) != before {
		t.Error("ca.key changed without --force")
	}
	mustRun(t, "pki", "init", "--dir", dir, "--force")
	if readFile(t, filepath.Join(dir, "ca.key")) == before {
		t.Error("ca.key not replaced with --force")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// TestPKIInitOpenSSLAccepts: openssl verify with -CAfile and -CApath ca/,
// pkcs12 -info on every PFX form, keytool on every form.
func TestPKIInitOpenSSLAccepts(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	for _, enc := range []string{"compat", "aes", "rc2"} {
		t.Run(enc, func(t *testing.T) {
			dir := t.TempDir()
			mustRun(t, "pki", "init", "--dir", dir, "--clients", "2", "--pfx-encryption", enc, "--pfx-pass", "pass:s3cret")
			p := func(n string) string { return filepath.Join(dir, n) }
			for _, trust := range [][]string{{"-CAfile", p("ca.pem"), "-no-CApath"}, {"-CApath", p("ca"), "-no-CAfile"}} {
				base := append([]string{"verify", "-no-CAstore"}, trust...)
				pkitest.Run(t, openssl, append(base, "-purpose", "sslserver", "-verify_ip", "127.0.0.1", p("server.pem"))...)
				pkitest.Run(t, openssl, append(base, "-purpose", "sslclient", p("client.pem"), p("client-2.pem"))...)
			}
			args := []string{"pkcs12", "-info", "-noout", "-in", p("server.pfx"), "-passin", "pass:s3cret"}
			if enc == "rc2" {
				args = append(args, "-legacy")
			}
			out := pkitest.Run(t, openssl, args...)
			if !strings.Contains(out, "Shrouded Keybag") {
				t.Errorf("openssl pkcs12 -info:\n%s", out)
			}
			keytool := pkitest.Tool(t, "keytool")
			out = pkitest.Run(t, keytool, "-list", "-storetype", "PKCS12", "-keystore", p("client.pfx"), "-storepass", "s3cret")
			if !strings.Contains(out, "PrivateKeyEntry") {
				t.Errorf("keytool -list:\n%s", out)
			}
		})
	}
}

// TestPKIInitTLS13Handshake is the acceptance: a TLS 1.3 handshake
// between a server using server.pfx and a client using client.pfx, each
// trusting only ca/, and a failing one with a client certificate from a
// second CA.
func TestPKIInitTLS13Handshake(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	mustRun(t, "pki", "init", "--dir", dir)
	mustRun(t, "pki", "init", "--dir", other)
	creds := func(path string) tls.Certificate {
		b := loadFile(t, path, "changeit")
		tc, err := pki.KeyPair(b.Certs, b.Keys)
		if err != nil {
			t.Fatal(err)
		}
		return tc
	}
	caCerts, err := pki.CAPathCerts(filepath.Join(dir, "ca"))
	if err != nil || len(caCerts) == 0 {
		t.Fatalf("CA folder: %v (%d certs)", err, len(caCerts))
	}
	pool := pki.CertPool(caCerts)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{creds(filepath.Join(dir, "server.pfx"))},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool, MinVersion: tls.VersionTLS13})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	serverErrs := make(chan error, 2)
	go func() {
		for i := 0; i < 2; i++ {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			err = conn.(*tls.Conn).Handshake()
			if err == nil {
				var line string
				if line, err = bufio.NewReader(conn).ReadString('\n'); err == nil {
					_, err = fmt.Fprint(conn, line)
				}
			}
			serverErrs <- err
			conn.Close()
		}
	}()
	dial := func(cert tls.Certificate) (string, error) {
		cfg := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS13,
			// Always send our certificate, even when its issuer is not among
			// the server's acceptable CAs (Go would otherwise send none).
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }}
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ln.Addr().String(), cfg)
		if err != nil {
			return "", err
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		if conn.ConnectionState().Version != tls.VersionTLS13 {
			t.Errorf("negotiated %s, want TLS 1.3", tls.VersionName(conn.ConnectionState().Version))
		}
		fmt.Fprint(conn, "hello\n")
		return bufio.NewReader(conn).ReadString('\n')
	}
	if got, err := dial(creds(filepath.Join(dir, "client.pfx"))); err != nil || got != "hello\n" {
		t.Fatalf("good client: %q, %v", got, err)
	}
	if err := <-serverErrs; err != nil {
		t.Fatalf("server: %v", err)
	}
	_, err = dial(creds(filepath.Join(other, "client.pfx")))
	if err == nil || !strings.Contains(err.Error(), "unknown certificate authority") {
		t.Errorf("client from another CA: got %v, want the server's unknown_ca alert", err)
	}
	serr := <-serverErrs
	var uae x509.UnknownAuthorityError
	if !errors.As(serr, &uae) {
		t.Errorf("server error %v, want x509.UnknownAuthorityError", serr)
	}
}

// TestCheatSheetFlow walks the original cheat sheet's issuing steps with
// wsskit commands and checks each result with openssl.
func TestCheatSheetFlow(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	// req -x509 -newkey rsa:2048 with a SAN config: a self-signed server certificate.
	mustRun(t, "cert", "new", "--type", "rsa:2048", "--subject", "/C=SG/O=Test/CN=127.0.0.1", "--san", "IP:127.0.0.1", "--out", p("selfsigned.pem"))
	assertMode(t, p("selfsigned.key"), 0o600)
	out := pkitest.Run(t, openssl, "x509", "-noout", "-text", "-in", p("selfsigned.pem"))
	for _, want := range []string{"Subject: C = SG, O = Test, CN = 127.0.0.1", "IP Address:127.0.0.1", "Public-Key: (2048 bit)"} {
		if !strings.Contains(out, want) {
			t.Errorf("self-signed cert lacks %q", want)
		}
	}
	// A CA, then genrsa + req -new + ca -policy policy_anything.
	mustRun(t, "cert", "new", "--profile", "ca", "--subject", "/O=Test/CN=Test CA", "--out", p("ca.pem"))
	mustRun(t, "key", "new", "--type", "rsa:2048", "--out", p("client.key"))
	mustRun(t, "csr", "new", "--key", p("client.key"), "--subject", "/C=US/ST=Anything/O=Whoever/CN=client1", "--out", p("client.csr"))
	pkitest.Run(t, openssl, "req", "-verify", "-noout", "-in", p("client.csr"))
	mustRun(t, "cert", "sign", "--csr", p("client.csr"), "--ca", p("ca.pem"), "--ca-key", p("ca.key"), "--out", p("client.pem"))
	pkitest.Run(t, openssl, "verify", "-no-CApath", "-no-CAstore", "-CAfile", p("ca.pem"), "-purpose", "sslclient", p("client.pem"))
	// Flags after positional-free subcommands, and a server cert from an openssl CSR with --copy-sans.
	pkitest.Run(t, openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", p("s.key"),
		"-subj", "/CN=srv", "-addext", "subjectAltName=DNS:srv.test", "-out", p("s.csr"))
	mustRun(t, "cert", "sign", "--out", p("s.pem"), "--csr", p("s.csr"), "--profile", "server", "--copy-sans", "--ca", p("ca.pem"), "--ca-key", p("ca.key"))
	pkitest.Run(t, openssl, "verify", "-no-CApath", "-no-CAstore", "-CAfile", p("ca.pem"), "-purpose", "sslserver", "-verify_hostname", "srv.test", p("s.pem"))
	// A server profile without SANs is refused when the CSR asks for some.
	run(t, "", "cert", "sign", "--csr", p("s.csr"), "--profile", "server", "--ca", p("ca.pem"), "--ca-key", p("ca.key")).wantFail(t, ExitUsage, "--copy-sans")
}

func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "pki", "init", "--dir", dir)
	other := t.TempDir()
	mustRun(t, "pki", "init", "--dir", other)
	p := func(n string) string { return filepath.Join(dir, n) }
	garbage := pkitest.WriteFile(t, dir, "garbage.pem", []byte("not a certificate at all\n"))
	empty := pkitest.WriteFile(t, dir, "empty.pem", nil)
	cert := readFile(t, p("server.pem"))
	truncated := pkitest.WriteFile(t, dir, "trunc.pem", []byte(cert[:len(cert)/2]))
	big := pkitest.WriteFile(t, dir, "big.bin", make([]byte, 11<<20))
	// A CSR whose signature is broken: flip a byte near the end of the DER.
	mustRun(t, "csr", "new", "--key", p("client.key"), "--subject", "/CN=x", "--out", p("x.csr"))
	b := loadFile(t, p("x.csr"))
	der := append([]byte(nil), b.CSRs[0].Raw...)
	der[len(der)-3] ^= 0x55
	badCSR := pkitest.WriteFile(t, dir, "bad.csr", der)

	tests := []struct {
		name     string
		args     []string
		code     int
		mentions []string
	}{
		{"missing file", []string{"csr", "new", "--key", p("nope.key"), "--subject", "/CN=x"}, ExitInput, []string{"nope.key"}},
		{"garbage key", []string{"csr", "new", "--key", garbage, "--subject", "/CN=x"}, ExitInput, []string{"garbage.pem", "not PEM"}},
		{"empty key", []string{"csr", "new", "--key", empty, "--subject", "/CN=x"}, ExitInput, []string{"empty.pem", "empty"}},
		{"truncated CSR", []string{"cert", "sign", "--csr", truncated, "--ca", p("ca.pem"), "--ca-key", p("ca.key")}, ExitInput, []string{"trunc.pem", "truncated"}},
		{"oversized", []string{"cert", "sign", "--csr", big, "--ca", p("ca.pem"), "--ca-key", p("ca.key")}, ExitInput, []string{"big.bin", "larger than 10 MiB"}},
		{"cert is not a key", []string{"csr", "new", "--key", p("ca.pem"), "--subject", "/CN=x"}, ExitInput, []string{"ca.pem", "no private key"}},
		{"CA key mismatch", []string{"cert", "sign", "--csr", p("x.csr"), "--ca", p("ca.pem"), "--ca-key", filepath.Join(other, "ca.key")}, ExitInput, []string{"ca.key", "does not belong"}},
		{"broken CSR signature", []string{"cert", "sign", "--csr", badCSR, "--ca", p("ca.pem"), "--ca-key", p("ca.key")}, ExitInput, []string{"bad.csr", "signature"}},
		{"wrong PFX pass phrase", []string{"cert", "new", "--subject", "/CN=x", "--profile", "client", "--ca", p("server.pfx"), "--passin", "pass:wrong"}, ExitInput, []string{"server.pfx"}},
		{"malformed subject", []string{"csr", "new", "--key", p("client.key"), "--subject", "/XX=1"}, ExitUsage, []string{"--subject", "unknown attribute"}},
		{"malformed SAN", []string{"csr", "new", "--key", p("client.key"), "--subject", "/CN=x", "--san", "IP:1.2.3"}, ExitUsage, []string{"--san", "1.2.3"}},
		{"unknown flag", []string{"csr", "new", "--nope"}, ExitUsage, []string{"nope"}},
		{"unknown command", []string{"frobnicate"}, ExitUsage, []string{"frobnicate"}},
		{"missing --key", []string{"csr", "new", "--subject", "/CN=x"}, ExitUsage, []string{"--key is required"}},
		{"bad key type", []string{"key", "new", "--type", "rsa:1024"}, ExitUsage, []string{"--type", "1024"}},
		{"conflicting --key and --type", []string{"cert", "new", "--subject", "/CN=x", "--key", p("client.key"), "--type", "ed25519"}, ExitUsage, []string{"mutually exclusive"}},
		{"unset env pass", []string{"key", "new", "--passout", "env:WSSKIT_SURELY_UNSET"}, ExitUsage, []string{"WSSKIT_SURELY_UNSET"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outDir := t.TempDir()
			args := append(tt.args, "--out", filepath.Join(outDir, "out.pem"))
			if tt.name == "unknown command" || tt.name == "unknown flag" {
				args = tt.args
			}
			r := run(t, "", args...)
			r.wantFail(t, tt.code, tt.mentions...)
			if entries, _ := os.ReadDir(outDir); len(entries) > 0 {
				t.Errorf("files written despite the failure: %v", entries)
			}
		})
	}
}

func TestPassSources(t *testing.T) {
	dir := t.TempDir()
	passFile := pkitest.WriteFile(t, dir, "pass.txt", []byte("fromfile\nsecond line ignored\n"))
	t.Setenv("WSSKIT_TEST_PASS", "fromenv")
	tests := []struct {
		name, spec, stdin, pass string
	}{
		{"pass", "pass:inline", "", "inline"},
		{"env", "env:WSSKIT_TEST_PASS", "", "fromenv"},
		{"file", "file:" + passFile, "", "fromfile"},
		{"stdin", "stdin", "fromstdin\n", "fromstdin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := t.TempDir()
			r := run(t, tt.stdin, "pki", "init", "--dir", d, "--pfx-pass", tt.spec)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, tt.pass) {
				t.Errorf("the pass phrase %q was printed", tt.pass)
			}
			b := loadFile(t, filepath.Join(d, "client.pfx"), "pass:"+tt.pass)
			if len(b.Keys) != 1 {
				t.Errorf("PFX opened with %q holds %s", tt.pass, b.Summary())
			}
		})
	}
}

func TestHelpHasExamplesAndExitCodes(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"pki", "init", "--help"}, {"cert", "new", "--help"}, {"cert", "sign", "--help"},
		{"key", "new", "--help"}, {"csr", "new", "--help"}, {"demo", "--help"}, {"version", "--help"}} {
		r := mustRun(t, args...)
		if !strings.Contains(r.stdout, "EXIT CODES") {
			t.Errorf("wsskit %v: no exit codes in help", args)
		}
		if len(args) > 1 && !strings.Contains(r.stdout, "wsskit "+args[0]) {
			t.Errorf("wsskit %v: no example in help:\n%s", args, r.stdout)
		}
	}
}

func TestVersion(t *testing.T) {
	r := mustRun(t, "version", "--json")
	if !strings.Contains(r.stdout, `"go_version"`) {
		t.Errorf("version --json: %s", r.stdout)
	}
}

func assertMode(t testing.TB, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != want {
		t.Errorf("%s: mode %04o, want %04o", path, st.Mode().Perm(), want)
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// loadFile loads a file with pki.Load and an optional pass phrase.
func loadFile(t testing.TB, path string, pass ...string) *pki.Bundle {
	t.Helper()
	var pf pki.PassFunc
	if len(pass) > 0 {
		p := strings.TrimPrefix(pass[0], "pass:")
		pf = func() ([]byte, error) { return []byte(p), nil }
	}
	b, err := pki.Load([]byte(readFile(t, path)), pf)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}
