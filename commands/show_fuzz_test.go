package commands

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// FuzzShowFile runs `show`, `show --json` and `verify` on arbitrary file
// contents, the way a user points wsskit at whatever file they have. Each
// run ends with a documented exit code; a failure is one "error: " line
// naming the file; JSON output is valid JSON; nothing panics.
func FuzzShowFile(f *testing.F) {
	p := pkitest.NewPKI(f, "fuzz CA")
	f.Add(p.Server.CertPEM())
	f.Add(append(p.Client.CertPEM(), p.Client.KeyPEM()...))
	f.Add(p.CA.Cert.Raw)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAMCAQA=\n-----END ENCRYPTED PRIVATE KEY-----\n"))
	for _, name := range []string{"keys/ec-p256-pbes2-aes256.pem", "keys/rsa-1024-legacy-des3.pem", "pfx/default.p12", "pfx/legacy.p12"} {
		if b, err := os.ReadFile(filepath.Join("..", "testdata", name)); err == nil {
			f.Add(b)
		}
	}
	path := filepath.Join(f.TempDir(), "input")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"show", "--passin", "pass:test", path},
			{"show", "--json", "--passin", "pass:test", path},
			{"verify", "--cafile", path, path},
		} {
			r := run(t, "", args...)
			allowed := map[int]bool{ExitOK: true, ExitInput: true}
			if args[0] == "verify" {
				allowed[ExitCheckFailed] = true
			}
			if !allowed[r.code] {
				t.Fatalf("wsskit %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
				t.Fatalf("wsskit %s: panic\n%s", strings.Join(args, " "), r.stderr)
			}
			if args[1] == "--json" {
				if !json.Valid([]byte(r.stdout)) {
					t.Fatalf("wsskit %s: stdout is not JSON:\n%s", strings.Join(args, " "), r.stdout)
				}
				continue
			}
			if r.code == ExitInput {
				first, _, _ := strings.Cut(r.stderr, "\n")
				if !strings.HasPrefix(first, "error: ") || !strings.Contains(first, path) {
					t.Fatalf("wsskit %s: exit 3 without one error line naming the file:\n%s", strings.Join(args, " "), r.stderr)
				}
			}
		}
	})
}
