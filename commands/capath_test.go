package commands

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// copyFixtures copies testdata/hash files into dir.
func copyFixtures(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		b, err := os.ReadFile(hashFixture(n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCapathRehashMatchesOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	base := t.TempDir()
	mustRun(t, "pki", "init", "--dir", filepath.Join(base, "p"))
	ours, theirs := filepath.Join(base, "ours"), filepath.Join(base, "theirs")
	for _, d := range []string{ours, theirs} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		copyFixtures(t, d, "ca.pem", "leaf.pem", "chain.pem", "ca.der", "leaf.csr")
		for _, f := range []string{"ca.pem", "server.pem", "client.key"} {
			b, err := os.ReadFile(filepath.Join(base, "p", f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(d, "p-"+f+".pem"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(d, "COPY.PEM"), mustReadFile(t, hashFixture("ca.pem")), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("gone.pem", filepath.Join(d, "00000000.0")); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(openssl, "rehash", "-v", theirs)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	r := run(t, "", "capath", "rehash", "-v", ours)
	if got, want := strings.ReplaceAll(r.stdout, ours, "DIR"), strings.ReplaceAll(stdout.String(), theirs, "DIR"); got != want {
		t.Errorf("stdout:\n got %q\nwant %q", got, want)
	}
	var msgs []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "rehash: ") {
			msgs = append(msgs, l)
		}
	}
	if got, want := strings.Join(msgs, "\n"), strings.TrimSpace(stderr.String()); got != want {
		t.Errorf("messages:\n got %q\nwant %q", got, want)
	}
	// openssl rehash exits 1 for the key-only file; wsskit exits 3.
	if ee == nil || ee.ExitCode() != 1 || r.code != ExitInput {
		t.Errorf("exit: openssl %v, wsskit %d", err, r.code)
	}
	if !strings.Contains(r.stderr, "error: capath: 1 problem(s) in "+ours) {
		t.Errorf("stderr: %q", r.stderr)
	}
}

func mustReadFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCapathAddListGolden(t *testing.T) {
	dir := t.TempDir()
	r := mustRun(t, "capath", "add", dir, hashFixture("chain.pem"), hashFixture("ca.der"))
	got := mask(r.stdout+"--- stderr\n"+r.stderr, dir)
	got = strings.ReplaceAll(got, filepath.Join("..", "testdata"), "testdata")
	golden(t, "capath-add", got)
	r = mustRun(t, "capath", "list", dir)
	golden(t, "capath-list", strings.ReplaceAll(r.stdout, dir, "DIR"))
	// Idempotent: adding again writes nothing.
	r = mustRun(t, "capath", "add", dir, hashFixture("ca.pem"))
	if !strings.Contains(r.stderr, "already in the folder as chain-2.pem") || strings.Contains(r.stdout, "added") {
		t.Errorf("second add: stdout %q stderr %q", r.stdout, r.stderr)
	}
}

func TestCapathListFindsProblems(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "capath", "add", dir, hashFixture("ca.pem"))
	if err := os.Symlink("nowhere.pem", filepath.Join(dir, "41612bfa.1")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("ca.pem", filepath.Join(dir, "0c5bc516.0")); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "capath", "list", dir)
	if r.code != ExitCheckFailed {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"41612bfa.1 -> nowhere.pem", "error [dangling]", "0c5bc516.0 -> ca.pem", "error [wrong_name]", "fix: wsskit capath rehash"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	r = run(t, "", "capath", "list", "--json", dir)
	var rep struct {
		OK      bool `json:"ok"`
		Entries []struct {
			Name     string `json:"name"`
			Findings []struct {
				ID string `json:"id"`
			} `json:"findings"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.OK || r.code != ExitCheckFailed {
		t.Fatalf("json: %v ok=%v exit %d\n%s", err, rep.OK, r.code, r.stdout)
	}
	// rehash repairs it.
	r = mustRun(t, "capath", "rehash", dir)
	if !strings.Contains(r.stdout, "unlink 41612bfa.1") || !strings.Contains(r.stdout, "unlink 0c5bc516.0") {
		t.Errorf("rehash: %q", r.stdout)
	}
	mustRun(t, "capath", "list", dir)
	// --json rehash.
	r = mustRun(t, "capath", "rehash", "--json", "--dry-run", dir)
	var res struct {
		Events []struct {
			File string `json:"file"`
			Name string `json:"name"`
			Kept bool   `json:"kept"`
		} `json:"events"`
		Errors int `json:"errors"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res.Events) != 1 || !res.Events[0].Kept || res.Events[0].Name != "41612bfa.0" {
		t.Errorf("json rehash: %v %+v\n%s", err, res, r.stdout)
	}
}

func TestCapathCopyMode(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "capath", "add", "--copy", dir, hashFixture("ca.pem"))
	st, err := os.Lstat(filepath.Join(dir, "41612bfa.0"))
	if err != nil || !st.Mode().IsRegular() {
		t.Fatalf("41612bfa.0: %v %v, want a regular file", st, err)
	}
	r := mustRun(t, "capath", "rehash", "--copy", dir)
	if strings.TrimSpace(r.stdout) != "link ca.pem -> 41612bfa.0" || !strings.Contains(r.stderr, "1 copies kept, 0 written") {
		t.Errorf("second run: %q %q", r.stdout, r.stderr)
	}
}

func TestCapathUsage(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.pem")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "", "capath", "rehash", "--old", "--compat", dir).wantFail(t, ExitUsage, "--old and --compat")
	run(t, "", "capath", "rehash", "--copy", "--symlinks", dir).wantFail(t, ExitUsage, "--copy and --symlinks")
	run(t, "", "capath", "rehash", filepath.Join(dir, "missing")).wantFail(t, ExitInput, "missing")
	run(t, "", "capath", "rehash", file).wantFail(t, ExitUsage, "not a folder")
	run(t, "", "capath", "rehash", dir, dir).wantFail(t, ExitUsage, "one DIR")
	run(t, "", "capath", "rehash").wantFail(t, ExitUsage, "missing argument")
	run(t, "", "capath", "add", dir).wantFail(t, ExitUsage, "missing argument")
	run(t, "", "capath", "add", dir, file).wantFail(t, ExitInput, "no certificate or CRL", "f.pem")
	run(t, "", "capath", "list").wantFail(t, ExitUsage, "missing argument")
}
