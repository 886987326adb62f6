package commands

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki"
	"github.com/wsskit/wsskit/pki/pkitest"
)

// cheatSheetCert writes the classic cheat sheet's server certificate
// (openssl req -x509 -subj /C=SG/O=Test/CN=127.0.0.1 -days 3650: self-signed,
// CA:TRUE, no SAN, no EKU) with fixed dates and serial, and returns its path.
func lintCheatSheetCert(t *testing.T, dir string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	nb := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(0x1000),
		Subject:               pkix.Name{Country: []string{"SG"}, Organization: []string{"Test"}, CommonName: "127.0.0.1"},
		NotBefore:             nb,
		NotAfter:              nb.AddDate(10, 0, 0),
		BasicConstraintsValid: true,
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return pkitest.WriteFile(t, dir, "cheatsheet.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestLintCheatSheetGolden(t *testing.T) {
	dir := t.TempDir()
	path := lintCheatSheetCert(t, dir)
	r := run(t, "", "lint", "--at", "2025-01-01T00:00:00Z", path)
	if r.code != ExitCheckFailed {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	golden(t, "lint-cheatsheet", mask(r.stdout, dir))
}

func TestLintPKIInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustRun(t, "-q", "pki", "init", "--dir", dir)
	ca := filepath.Join(dir, "ca.pem")
	tests := []struct {
		args    []string
		purpose string
		ids     []string
	}{
		{[]string{"--chain", ca, filepath.Join(dir, "server.pem")}, "server", []string{"validity_over_398_days"}},
		{[]string{filepath.Join(dir, "client.pem")}, "client", nil},
		{[]string{ca}, "ca", nil},
		{[]string{"--purpose", "client", filepath.Join(dir, "server.pem")}, "client", []string{"eku_wrong"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := run(t, "", append([]string{"lint", "--json"}, tc.args...)...)
			var rep struct {
				OK    bool       `json:"ok"`
				Files []lintFile `json:"files"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("%v\n%s", err, r.stdout)
			}
			if len(rep.Files) != 1 {
				t.Fatalf("got %d files", len(rep.Files))
			}
			f := rep.Files[0]
			if f.Purpose != tc.purpose {
				t.Errorf("purpose: got %q, want %q", f.Purpose, tc.purpose)
			}
			var got []string
			hasError := false
			for _, fd := range f.Findings {
				got = append(got, fd.ID)
				hasError = hasError || fd.Severity == pki.SeverityError
			}
			if strings.Join(got, ",") != strings.Join(tc.ids, ",") {
				t.Errorf("findings: got %q, want %q", got, tc.ids)
			}
			wantCode := ExitOK
			if hasError {
				wantCode = ExitCheckFailed
			}
			if r.code != wantCode || rep.OK != !hasError || f.OK != !hasError {
				t.Errorf("exit %d, ok %v/%v; want exit %d", r.code, rep.OK, f.OK, wantCode)
			}
			if len(f.Platforms) != len(pki.LintPlatforms) {
				t.Errorf("platforms: %v", f.Platforms)
			}
		})
	}
}

func TestLintTextAndExit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustRun(t, "-q", "pki", "init", "--dir", dir)
	bad := lintCheatSheetCert(t, dir)
	r := run(t, "", "lint", filepath.Join(dir, "client.pem"), bad)
	if r.code != ExitCheckFailed {
		t.Fatalf("exit %d, want 1", r.code)
	}
	for _, want := range []string{
		"client.pem: CN=client,O=wsskit test\n  linted as a client certificate (guessed from the certificate; set it with --purpose)\n  OK no findings\n",
		"cheatsheet.pem: CN=127.0.0.1,O=Test,C=SG\n  linted as a server certificate",
		"  error   ca_leaf (Firefox)\n",
		"    Firefox    refuses it: ca_leaf\n",
		"    .NET       no findings\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	// An unreadable file: exit 3, the others are still linted.
	r = run(t, "", "lint", filepath.Join(dir, "missing.pem"), filepath.Join(dir, "client.pem"))
	if r.code != ExitInput || !strings.Contains(r.stdout, "OK no findings") || !strings.Contains(r.stderr, "missing.pem") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	run(t, "", "lint", filepath.Join(dir, "ca.key")).wantFail(t, ExitInput, "ca.key", "no certificate in it")
}

func TestLintUsage(t *testing.T) {
	run(t, "", "lint").wantFail(t, ExitUsage, "at least one certificate")
	run(t, "", "lint", "--purpose", "web", "x.pem").wantFail(t, ExitUsage, "--purpose must be server, client or ca")
	run(t, "", "lint", "--at", "tomorrow", "x.pem").wantFail(t, ExitUsage, "--at")
}
