package commands

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/wsskit/wsskit/pki"
)

// TestPKIInitForceRehashesCAFolder: pki init --force makes a new CA with a
// new subject hash, so the ca/ folder must not keep the old HASH.0 entry
// for ca/ca.pem (capath list would call it wrong_name), while the entries
// of other CAs stay.
func TestPKIInitForceRehashesCAFolder(t *testing.T) {
	cases := []struct {
		name string
		// prepare changes the first PKI's ca/ folder before the --force run.
		prepare func(t *testing.T, caDir, oldLink string)
	}{
		{"symlink to ca.pem", func(*testing.T, string, string) {}},
		{"copy of ca.pem (no symlinks)", func(t *testing.T, caDir, oldLink string) {
			p := filepath.Join(caDir, oldLink)
			data := readFile(t, filepath.Join(caDir, "ca.pem"))
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"another CA's entries stay", func(t *testing.T, caDir, _ string) {
			other := filepath.Join(t.TempDir(), "other")
			mustRun(t, "-q", "pki", "init", "--dir", other)
			mustRun(t, "-q", "capath", "add", caDir, filepath.Join(other, "ca.pem"))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "pki")
			caDir := filepath.Join(dir, "ca")
			mustRun(t, "-q", "pki", "init", "--dir", dir)
			oldLink := hashLinkOf(t, filepath.Join(dir, "ca.pem"))
			tc.prepare(t, caDir, oldLink)
			var others []string
			ents, _ := os.ReadDir(caDir)
			for _, ent := range ents {
				if n := ent.Name(); n != oldLink && n != "ca.pem" {
					others = append(others, n)
				}
			}

			mustRun(t, "pki", "init", "--dir", dir, "--force")
			newLink := hashLinkOf(t, filepath.Join(dir, "ca.pem"))
			if newLink == oldLink {
				t.Skip("the new CA has the same subject hash (random CA names collided)")
			}
			if _, err := os.Lstat(filepath.Join(caDir, oldLink)); err == nil {
				t.Errorf("ca/%s of the replaced CA is still there", oldLink)
			}
			for _, n := range append(others, newLink) {
				if _, err := os.Stat(filepath.Join(caDir, n)); err != nil {
					t.Errorf("ca/%s: %v", n, err)
				}
			}
			if r := run(t, "", "capath", "list", caDir); r.code != 0 {
				t.Errorf("capath list after pki init --force: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// hashLinkOf is the HASH.0 name of a CA certificate file.
func hashLinkOf(t *testing.T, path string) string {
	t.Helper()
	b := loadFile(t, path)
	h, err := pki.NameHash(b.Certs[0].RawSubject)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%08x.0", h)
}
