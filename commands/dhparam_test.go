package commands

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki"
	"github.com/wsskit/wsskit/pki/pkitest"
)

func dhFixture(name string) string { return filepath.Join("..", "testdata", "dh", name) }

func TestDHParamGroup(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	for _, g := range []string{"ffdhe2048", "ffdhe4096"} {
		t.Run(g, func(t *testing.T) {
			r := mustRun(t, "dhparam", "--group", g)
			want := pkitest.Run(t, openssl, "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:"+g)
			if r.stdout != want {
				t.Errorf("got %q, want openssl's %q", r.stdout, want)
			}
		})
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "dh.pem")
	r := mustRun(t, "dhparam", "--group", "ffdhe3072", "--out", out)
	if !strings.Contains(r.stderr, "wrote "+out+": 3072-bit DH parameters, generator 2 (RFC 7919 ffdhe3072)") {
		t.Errorf("stderr %q lacks the wrote line", r.stderr)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("stat %s: %v, %v; want mode 0644", out, st, err)
	}
	run(t, "", "dhparam", "--group", "ffdhe2048", "--out", out).wantFail(t, ExitUsage, "already exists")
	mustRun(t, "dhparam", "--group", "ffdhe2048", "--out", out, "--force")
}

func TestDHParamGenerate(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	out := filepath.Join(dir, "dh.pem")
	r := mustRun(t, "dhparam", "--bits", "512", "--generator", "5", "--out", out)
	for _, want := range []string{
		"warning: 512-bit DH parameters are refused by OpenSSL at security level 2",
		"generating 512-bit DH parameters (safe prime, generator 5)",
		"found a 512-bit safe prime after",
		"wrote " + out + ": 512-bit DH parameters, generator 5",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	check := pkitest.Run(t, openssl, "dhparam", "-check", "-noout", "-text", "-in", out)
	if !strings.Contains(check, "DH parameters appear to be ok.") || !strings.Contains(check, "G:    5 (0x5)") {
		t.Errorf("openssl dhparam -check: %s", check)
	}
	// stdout, quiet: only the PEM.
	r = mustRun(t, "-q", "dhparam", "--bits", "512")
	if !strings.HasPrefix(r.stdout, "-----BEGIN DH PARAMETERS-----\n") || strings.Contains(r.stderr, "generating") {
		t.Errorf("stdout %q, stderr %q", r.stdout, r.stderr)
	}
}

func TestDHParamCheck(t *testing.T) {
	tests := []struct {
		file   string
		code   int
		stdout []string
	}{
		{"dh1024.pem", 0, []string{"dh1024.pem: DH parameters appear to be ok.", "1024-bit, generator 2, PKCS#3 (p, g)",
			"note: OpenSSL at security level 2"}},
		{"dh1024.der", 0, []string{"DH parameters appear to be ok."}},
		{"ffdhe2048.pem", 0, []string{"RFC 7919 group ffdhe2048"}},
		{"x942-1024.pem", 0, []string{"X9.42 (p, g, q)", "generator a 10"}},
		{"not-safe.pem", 1, []string{"Error, invalid DH parameters", "  check p not safe prime: p is prime but (p-1)/2 is not"}},
		{"not-prime.pem", 1, []string{"  check p not prime: p is not a prime number"}},
		{"bad-generator.pem", 1, []string{"  not suitable generator: g must be greater than 1"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			r := run(t, "", "dhparam", "--check", dhFixture(tc.file))
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, tc.code, r.stdout, r.stderr)
			}
			for _, want := range tc.stdout {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
				}
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		r := run(t, "", "dhparam", "--json", "--check", dhFixture("not-safe.pem"))
		if r.code != ExitCheckFailed {
			t.Fatalf("exit %d, want 1", r.code)
		}
		var rep dhCheckReport
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		if rep.OK || rep.Bits != 1024 || len(rep.Reasons) != 1 || rep.Reasons[0].Reason != pki.DHCheckPNotSafePrime || rep.Reasons[0].Meaning == "" {
			t.Errorf("got %+v", rep)
		}
	})
	t.Run("not DH parameters", func(t *testing.T) {
		run(t, "", "dhparam", "--check", filepath.Join("..", "testdata", "crl", "ca.pem")).
			wantFail(t, ExitInput, "ca.pem", "no DH parameters found")
	})
	t.Run("missing file", func(t *testing.T) {
		run(t, "", "dhparam", "--check", filepath.Join(t.TempDir(), "nope.pem")).wantFail(t, ExitInput, "nope.pem")
	})
}

func TestDHParamUsage(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"dhparam", "--bits", "256"}, "--bits must be between 512 and 10000"},
		{[]string{"dhparam", "--generator", "1"}, "--generator must be at least 2"},
		{[]string{"dhparam", "--group", "ffdhe1024"}, "unknown DH group"},
		{[]string{"dhparam", "--group", "ffdhe2048", "--bits", "4096"}, "--group cannot be combined with --bits"},
		{[]string{"dhparam", "--check", dhFixture("dh1024.pem"), "--out", "x.pem"}, "--check cannot be combined with --out"},
		{[]string{"dhparam", "extra"}, "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args[1:], " "), func(t *testing.T) {
			run(t, "", tc.args...).wantFail(t, ExitUsage, tc.msg)
		})
	}
}

func TestDHParamJSONWithoutCheck(t *testing.T) {
	r := run(t, "", "dhparam", "--json")
	if r.code != ExitUsage || !strings.Contains(r.stdout, `"error": "flag --json requires --check"`) {
		t.Errorf("exit %d, stdout %q; want 2 and a JSON error", r.code, r.stdout)
	}
}

// TestDHParamSmallRefusedByOpenSSL holds the help text and warning to the
// truth: OpenSSL at security level 2 refuses 1024-bit DH parameters when a
// server loads them.
func TestDHParamSmallRefusedByOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	p := pkitest.NewPKI(t, "DH Claim CA")
	dir := t.TempDir()
	cert := pkitest.WriteFile(t, dir, "s.pem", p.Server.CertPEM())
	key := pkitest.WriteFile(t, dir, "s.key", p.Server.KeyPEM())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, openssl, "s_server", "-accept", "127.0.0.1:0", "-cert", cert, "-key", key,
		"-cipher", "DEFAULT:@SECLEVEL=2", "-dhparam", dhFixture("dh1024.pem"), "-naccept", "1").CombinedOutput()
	if !strings.Contains(string(out), "dh key too small") {
		t.Errorf("openssl s_server -dhparam 1024-bit at level 2: %s", out)
	}
}
