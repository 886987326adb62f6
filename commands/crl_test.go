package commands

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki"
	"github.com/wsskit/wsskit/pki/pkitest"
)

// crlPKI makes a test PKI with wsskit pki init and returns its folder.
func crlPKI(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pki")
	mustRun(t, "-q", "pki", "init", "--dir", dir, "--clients", "2")
	return dir
}

func crlOpenSSLVerify(t *testing.T, openssl string, args ...string) (int, string) {
	t.Helper()
	out, err := exec.Command(openssl, append([]string{"verify", "-no-CAfile", "-no-CApath", "-no-CAstore"}, args...)...).CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

func TestCRLNewAndRevoke(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	dir := crlPKI(t)
	ca, caKey := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca.key")
	crl := filepath.Join(dir, "ca.crl")

	r := mustRun(t, "crl", "new", "--ca", ca, "--ca-key", caKey, "--days", "7", "--out", crl)
	if !strings.Contains(r.stderr, "wrote "+crl+": CRL number 1 of CN=wsskit test CA") {
		t.Errorf("stderr: %q", r.stderr)
	}
	text := pkitest.Run(t, openssl, "crl", "-in", crl, "-text", "-noout", "-CAfile", ca)
	for _, want := range []string{"verify OK", "X509v3 CRL Number: \n                1\n", "No Revoked Certificates.", "X509v3 Authority Key Identifier"} {
		if !strings.Contains(text, want) {
			t.Errorf("openssl crl -text lacks %q:\n%s", want, text)
		}
	}
	client2 := filepath.Join(dir, "client-2.pem")
	code, out := crlOpenSSLVerify(t, openssl, "-CAfile", ca, "-crl_check", "-CRLfile", crl, client2)
	if code != 0 {
		t.Fatalf("before revoking: exit %d %s", code, out)
	}

	// Revoke in place: no --force needed.
	r = mustRun(t, "crl", "revoke", "--crl", crl, "--ca", ca, "--ca-key", caKey, "--reason", "keyCompromise", client2)
	if !strings.Contains(r.stdout, "revoked ") || !strings.Contains(r.stdout, "reason keyCompromise") ||
		!strings.Contains(r.stdout, "wrote "+crl+": CRL number 2, 1 revoked") {
		t.Errorf("stdout: %q", r.stdout)
	}
	code, out = crlOpenSSLVerify(t, openssl, "-CAfile", ca, "-crl_check", "-CRLfile", crl, client2)
	if code != 2 || !strings.Contains(out, "error 23 at 0 depth lookup: certificate revoked") {
		t.Errorf("revoked client-2: exit %d, %q; want error 23", code, out)
	}
	code, out = crlOpenSSLVerify(t, openssl, "-CAfile", ca, "-crl_check", "-CRLfile", crl, filepath.Join(dir, "client.pem"))
	if code != 0 {
		t.Errorf("client still good: exit %d, %q", code, out)
	}
	// wsskit verify reads the same CRL the same way.
	vr := run(t, "", "verify", "--cafile", ca, "--crl", crl, "--crl-check", "leaf", client2)
	if vr.code != ExitCheckFailed || !strings.Contains(vr.stdout+vr.stderr, "error 23 at 0 depth lookup: certificate revoked") {
		t.Errorf("wsskit verify --crl: exit %d\n%s%s", vr.code, vr.stdout, vr.stderr)
	}
	mustRun(t, "verify", "--cafile", ca, "--crl", crl, "--crl-check", "leaf", filepath.Join(dir, "client.pem"))
	text = pkitest.Run(t, openssl, "crl", "-in", crl, "-text", "-noout")
	if !strings.Contains(text, "Key Compromise") || !strings.Contains(text, "X509v3 CRL Number: \n                2\n") {
		t.Errorf("openssl crl -text:\n%s", text)
	}

	// Again, plus a serial: idempotent for client-2, number 3.
	r = mustRun(t, "crl", "revoke", "--crl", crl, "--ca", ca, "--ca-key", caKey, "--serial", "0A:BC", "--json", client2)
	var rep crlRevokeReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if rep.Number != "3" || rep.Total != 2 || len(rep.Revoked) != 2 || rep.Revoked[0].New || rep.Revoked[0].Reason != "keyCompromise" ||
		!rep.Revoked[1].New || rep.Revoked[1].Serial != "ABC" || rep.Revoked[1].Reason != "unspecified" {
		t.Errorf("got %+v", rep)
	}

	// --out elsewhere: the input stays, the output must not exist.
	other := filepath.Join(dir, "other.crl")
	before, _ := os.ReadFile(crl)
	mustRun(t, "crl", "revoke", "--crl", crl, "--ca", ca, "--ca-key", caKey, "--out", other, filepath.Join(dir, "client.pem"))
	after, _ := os.ReadFile(crl)
	if string(before) != string(after) {
		t.Error("--out changed the --crl file")
	}
	run(t, "", "crl", "revoke", "--crl", crl, "--ca", ca, "--ca-key", caKey, "--out", other, client2).wantFail(t, ExitUsage, "already exists")
	mustRun(t, "crl", "revoke", "--crl", crl, "--ca", ca, "--ca-key", caKey, "--out", other, "--force", client2)
}

func TestCRLRevokeKeepsDER(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	dir := crlPKI(t)
	ca, caKey := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca.key")
	r := mustRun(t, "crl", "new", "--ca", ca, "--ca-key", caKey)
	l, err := pki.ParseCRL([]byte(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	der := pkitest.WriteFile(t, dir, "ca.crl.der", l.Raw)
	mustRun(t, "crl", "revoke", "--crl", der, "--ca", ca, "--ca-key", caKey, filepath.Join(dir, "client.pem"))
	data, _ := os.ReadFile(der)
	if len(data) == 0 || data[0] != 0x30 {
		t.Fatalf("the DER CRL was rewritten as %q...", data[:min(20, len(data))])
	}
	code, out := crlOpenSSLVerify(t, openssl, "-CAfile", ca, "-crl_check", "-CRLfile", der, filepath.Join(dir, "client.pem"))
	if code != 2 || !strings.Contains(out, "error 23") {
		// -CRLfile reads PEM only in verify; convert and retry.
		pem := pkitest.Run(t, openssl, "crl", "-inform", "DER", "-in", der)
		p := pkitest.WriteFile(t, dir, "conv.crl", []byte(pem))
		code, out = crlOpenSSLVerify(t, openssl, "-CAfile", ca, "-crl_check", "-CRLfile", p, filepath.Join(dir, "client.pem"))
		if code != 2 || !strings.Contains(out, "error 23") {
			t.Errorf("exit %d, %q; want error 23", code, out)
		}
	}
}

func TestCRLErrors(t *testing.T) {
	dir := crlPKI(t)
	otherDir := crlPKI(t)
	ca, caKey := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca.key")
	crl := filepath.Join(dir, "ca.crl")
	mustRun(t, "crl", "new", "--ca", ca, "--ca-key", caKey, "--out", crl)
	otherCRL := filepath.Join(otherDir, "ca.crl")
	mustRun(t, "crl", "new", "--ca", filepath.Join(otherDir, "ca.pem"), "--ca-key", filepath.Join(otherDir, "ca.key"), "--out", otherCRL)

	tests := []struct {
		name string
		args []string
		code int
		msg  []string
	}{
		{"new without --ca", []string{"crl", "new"}, ExitUsage, []string{"--ca is required"}},
		{"new with bad days", []string{"crl", "new", "--ca", ca, "--ca-key", caKey, "--days", "0"}, ExitUsage, []string{"--days must be positive"}},
		{"new with bad number", []string{"crl", "new", "--ca", ca, "--ca-key", caKey, "--number", "x"}, ExitUsage, []string{"--number"}},
		{"new with a leaf as CA", []string{"crl", "new", "--ca", filepath.Join(dir, "server.pem"), "--ca-key", filepath.Join(dir, "server.key")},
			ExitInput, []string{"server.pem", "is not a CA certificate"}},
		{"new with the wrong key", []string{"crl", "new", "--ca", ca, "--ca-key", filepath.Join(dir, "server.key")},
			ExitInput, []string{"server.key", "does not belong to the CA certificate"}},
		{"revoke without --crl", []string{"crl", "revoke", "--ca", ca, "--ca-key", caKey, filepath.Join(dir, "client.pem")}, ExitUsage, []string{"--crl is required"}},
		{"revoke nothing", []string{"crl", "revoke", "--crl", crl, "--ca", ca, "--ca-key", caKey}, ExitUsage, []string{"nothing to revoke"}},
		{"bad reason", []string{"crl", "revoke", "--crl", crl, "--ca", ca, "--ca-key", caKey, "--reason", "stolen", filepath.Join(dir, "client.pem")},
			ExitUsage, []string{"--reason", "unknown CRL reason"}},
		{"bad serial", []string{"crl", "revoke", "--crl", crl, "--ca", ca, "--ca-key", caKey, "--serial", "xyz"}, ExitUsage, []string{"--serial"}},
		{"certificate of another CA", []string{"crl", "revoke", "--crl", crl, "--ca", ca, "--ca-key", caKey, filepath.Join(otherDir, "client.pem")},
			ExitInput, []string{"client.pem", "not issued by this CA"}},
		{"CRL of another CA", []string{"crl", "revoke", "--crl", otherCRL, "--ca", ca, "--ca-key", caKey, filepath.Join(dir, "client.pem")},
			ExitInput, []string{"ca.crl", "not issued by this CA"}},
		{"not a CRL", []string{"crl", "revoke", "--crl", ca, "--ca", ca, "--ca-key", caKey, filepath.Join(dir, "client.pem")},
			ExitInput, []string{"ca.pem", "CRL"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadFile(crl)
			run(t, "", tc.args...).wantFail(t, tc.code, tc.msg...)
			if after, _ := os.ReadFile(crl); string(after) != string(before) {
				t.Error("a failed command changed the CRL")
			}
		})
	}
}
