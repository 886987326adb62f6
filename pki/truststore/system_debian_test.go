package truststore

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// TestDebianRealRefresh runs the real update-ca-certificates against a
// fake Debian tree (every folder it touches is passed as a flag, hooks
// included, so the machine's store is never read or written) and checks
// the result with openssl verify -CAfile and -CApath.
func TestDebianRealRefresh(t *testing.T) {
	tool := pkitest.Tool(t, "update-ca-certificates")
	openssl := pkitest.Tool(t, "openssl")
	root := t.TempDir()
	mkdirs(t, root, "usr/share/ca-certificates/distro", "usr/local/share/ca-certificates", "etc/ssl/certs")
	// One "distribution" CA, as on a real system: with none at all the
	// script never rewrites the bundle.
	distro := certOf(t, "Distro Root", true)
	pkitest.WriteFile(t, filepath.Join(root, "usr/share/ca-certificates/distro"), "distro.crt", pemBlock("CERTIFICATE", distro.Raw))
	pkitest.WriteFile(t, filepath.Join(root, "etc"), "ca-certificates.conf", []byte("distro/distro.crt\n"))

	p := pkitest.NewPKI(t, "wsskit test CA debian")
	ca, err := NewCA(p.CA.Cert)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	server := pkitest.WriteFile(t, dir, "server.pem", p.Server.CertPEM())
	bundle := filepath.Join(root, "etc/ssl/certs/ca-certificates.crt")
	certs := filepath.Join(root, "etc/ssl/certs")
	verify := func(args ...string) error {
		out, err := exec.Command(openssl, append(append([]string{"verify"}, args...), server)...).CombinedOutput()
		if err != nil {
			return errors.New(strings.TrimSpace(string(out)))
		}
		return nil
	}
	rec := &recorder{}
	opts := Options{Stores: []Kind{System}, Root: root, GOOS: "linux", Runner: rec,
		LookPath: func(string) (string, error) { return tool, nil }, Privileged: func() bool { return false }}

	if err := verify("-CAfile", filepath.Join(root, "usr/share/ca-certificates/distro/distro.crt")); err == nil {
		t.Fatal("openssl verify accepted the server certificate before install")
	}
	r := one(t)(Install(ctxT(t), ca, opts))
	wantStatus(t, r, StatusAdded, "Debian/Ubuntu system store")
	if err := verify("-CAfile", bundle); err != nil {
		t.Errorf("openssl verify -CAfile %s after install: %v", bundle, err)
	}
	if err := verify("-CApath", certs); err != nil {
		t.Errorf("openssl verify -CApath %s after install: %v", certs, err)
	}
	link := filepath.Join(certs, strings.TrimSuffix(ca.FileName, ".crt")+".pem")
	if target, err := os.Readlink(link); err != nil || target != filepath.Join(root, "usr/local/share/ca-certificates", ca.FileName) {
		t.Errorf("symlink %s -> %q, %v", link, target, err)
	}
	hash := strings.TrimSpace(pkitest.Run(t, openssl, "x509", "-noout", "-subject_hash", "-in", link))
	if _, err := os.Stat(filepath.Join(certs, hash+".0")); err != nil {
		t.Errorf("no hash link %s.0: %v", hash, err)
	}

	rec.reset()
	wantStatus(t, one(t)(Install(ctxT(t), ca, opts)), StatusUnchanged, "nothing to do")
	if len(rec.calls) != 0 {
		t.Errorf("second install ran %q", rec.commands())
	}

	r = one(t)(Uninstall(ctxT(t), ca, opts))
	wantStatus(t, r, StatusRemoved)
	if err := verify("-CAfile", bundle); err == nil {
		t.Error("openssl verify -CAfile still accepts the server certificate after uninstall")
	}
	if err := verify("-CApath", certs); err == nil {
		t.Error("openssl verify -CApath still accepts the server certificate after uninstall")
	}
	for _, p := range []string{link, filepath.Join(certs, hash+".0")} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind after uninstall (--fresh): %v", p, err)
		}
	}
	// The distribution's CA is untouched.
	data, err := os.ReadFile(bundle)
	if err != nil || !holds(parsePEMCerts(data), distro.Raw) {
		t.Errorf("bundle lost the distribution CA: %v", err)
	}
}
