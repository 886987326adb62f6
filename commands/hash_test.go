package commands

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// hashFixture is a file of testdata/hash.
func hashFixture(name string) string { return filepath.Join("..", "testdata", "hash", name) }

func TestHashGolden(t *testing.T) {
	r := mustRun(t, "hash", hashFixture("chain.pem"), hashFixture("leaf.csr"), hashFixture("ca.der"))
	golden(t, "hash-fixtures", strings.ReplaceAll(r.stdout, filepath.Join("..", "testdata"), "testdata"))
}

func TestHashMatchesOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	mustRun(t, "pki", "init", "--dir", dir)
	for _, f := range []string{"ca.pem", "server.pem", "client.pem", hashFixture("ca.pem"), hashFixture("leaf.pem")} {
		path := f
		if !strings.Contains(f, string(filepath.Separator)) {
			path = filepath.Join(dir, f)
		}
		for _, c := range []struct{ only, flag string }{
			{"subject_hash", "-subject_hash"}, {"subject_hash_old", "-subject_hash_old"},
			{"issuer_hash", "-issuer_hash"}, {"issuer_hash_old", "-issuer_hash_old"},
		} {
			got := mustRun(t, "hash", "--only", c.only, path).stdout
			want, err := exec.Command(openssl, "x509", "-noout", c.flag, "-in", path).Output()
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s %s: got %q, want %q", filepath.Base(path), c.only, got, want)
			}
		}
		for _, alg := range []string{"sha1", "sha256"} {
			got := strings.TrimSpace(mustRun(t, "hash", "--only", alg, path).stdout)
			want, err := exec.Command(openssl, "x509", "-noout", "-fingerprint", "-"+alg, "-in", path).Output()
			if err != nil {
				t.Fatal(err)
			}
			if _, fp, _ := strings.Cut(strings.TrimSpace(string(want)), "="); got != fp {
				t.Errorf("%s %s: got %q, want %q", filepath.Base(path), alg, got, fp)
			}
		}
	}
	// PKCS#12 input.
	r := mustRun(t, "hash", "--only", "subject_hash", filepath.Join(dir, "client.pfx"), "--passin", "pass:changeit")
	want, err := exec.Command(openssl, "x509", "-noout", "-subject_hash", "-in", filepath.Join(dir, "client.pem")).Output()
	if err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(r.stdout, "\n"); first+"\n" != string(want) {
		t.Errorf("pfx: got %q, want first line %q", r.stdout, want)
	}
}

func TestHashJSON(t *testing.T) {
	r := mustRun(t, "hash", "--json", hashFixture("chain.pem"))
	var got struct {
		Files []struct {
			File    string `json:"file"`
			Objects []struct {
				Type        string `json:"type"`
				SubjectHash string `json:"subject_hash"`
				IssuerHash  string `json:"issuer_hash"`
				CAPathName  string `json:"capath_name"`
				SHA256      string `json:"sha256"`
			} `json:"objects"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(got.Files) != 1 || len(got.Files[0].Objects) != 2 {
		t.Fatalf("got %+v", got)
	}
	o := got.Files[0].Objects
	if o[0].IssuerHash != o[1].SubjectHash || o[1].CAPathName != o[1].SubjectHash+".0" || len(o[0].SHA256) != 95 {
		t.Errorf("got %+v", o)
	}
}

func TestHashBadInput(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.pem")
	if err := os.WriteFile(text, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "", "hash", filepath.Join(dir, "missing.pem")).wantFail(t, ExitInput, "missing.pem")
	run(t, "", "hash", text).wantFail(t, ExitInput, "notes.pem", "no certificate, CRL or certificate request")
	run(t, "", "hash").wantFail(t, ExitUsage, "FILE")
	run(t, "", "hash", "--only", "md5", hashFixture("ca.pem")).wantFail(t, ExitUsage, "--only")
	// Good files are still printed when another is bad.
	r := run(t, "", "hash", "--only", "subject_hash", hashFixture("ca.pem"), text)
	if r.code != ExitInput || r.stdout == "" {
		t.Errorf("got exit %d, stdout %q", r.code, r.stdout)
	}
	// JSON reports the failure per file.
	r = run(t, "", "hash", "--json", text)
	if r.code != ExitInput || !strings.Contains(r.stdout, `"error": "`) || !strings.Contains(r.stdout, "notes.pem") {
		t.Errorf("got exit %d, stdout %q", r.code, r.stdout)
	}
}
