package commands

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki"
)

// jsonFieldNames returns every JSON field name reachable from t.
func jsonFieldNames(t reflect.Type, seen map[reflect.Type]bool, out map[string]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] || t.PkgPath() == "time" {
		return
	}
	seen[t] = true
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name != "" {
			out[name] = true
		}
		jsonFieldNames(f.Type, seen, out)
	}
}

// TestShowJSONDocumented fails when a `show --json` field is missing from
// docs/show-json.md.
func TestShowJSONDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "show-json.md"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	// The CA folder report is capath list's own schema; stop the walk there.
	jsonFieldNames(reflect.TypeOf(showFile{}), map[reflect.Type]bool{reflect.TypeOf(pki.CAPathReport{}): true}, names)
	if len(names) < 40 {
		t.Fatalf("found only %d fields; the reflection walk is broken", len(names))
	}
	for n := range names {
		if !strings.Contains(string(doc), "`"+n+"`") {
			t.Errorf("field %q is not documented in docs/show-json.md", n)
		}
	}
}

func TestShowEveryKind(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "pki", "init", "--dir", dir)
	p := func(n string) string { return filepath.Join(dir, n) }
	mustRun(t, "csr", "new", "--key", p("client.key"), "--subject", "/CN=req", "--out", p("req.pem"))
	r := mustRun(t, "show", p("server.pem"), p("client.key"), p("req.pem"), p("client.pfx"), "--passin", "pass:changeit")
	for _, want := range []string{"certificate 1 of 1", "[valid, ", "SANs:", "private key 1 of 1", "certificate request 1 of 1",
		"verifies", "subject hash:", "SHA-256:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = mustRun(t, "show", "--json", p("client.pfx"), "--passin", "pass:changeit")
	var out struct {
		Files []showFile `json:"files"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("show --json: %v\n%s", err, r.stdout)
	}
	f := out.Files[0]
	if f.Format != "PKCS#12" || f.PFX == nil || len(f.Certificates) != 2 || f.Certificates[0].MatchesKey == nil || !*f.Certificates[0].MatchesKey {
		t.Errorf("show --json client.pfx: %+v", f)
	}
	if f.Certificates[0].IssuedByNext == nil || !*f.Certificates[0].IssuedByNext {
		t.Errorf("client certificate not marked as issued by the CA that follows it")
	}
	// Several inputs: a bad one is reported, the others still shown, exit 3.
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("junk"), 0o644)
	r = run(t, "", "show", p("ca.pem"), bad)
	if r.code != ExitInput || !strings.Contains(r.stdout, "certificate 1 of 1") || !strings.Contains(r.stderr, "bad.pem") {
		t.Errorf("show good+bad: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestPKIInitDHAndShow(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "pki", "init", "--dir", dir, "--dh")
	r := mustRun(t, "show", filepath.Join(dir, "dh.pem"))
	for _, want := range []string{"DH parameters 1 of 1", "2048 bits, generator 2", "ffdhe2048", "OK"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show dh.pem lacks %q:\n%s", want, r.stdout)
		}
	}
	if openssl, err := exec.LookPath("openssl"); err == nil {
		out, err := exec.Command(openssl, "dhparam", "-check", "-noout", "-in", filepath.Join(dir, "dh.pem")).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "DH parameters appear to be ok") {
			t.Errorf("openssl dhparam -check: %v\n%s", err, out)
		}
	}
}

func TestShowCAFolder(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "pki", "init", "--dir", dir)
	r := mustRun(t, "show", filepath.Join(dir, "ca"))
	if !strings.Contains(r.stdout, "CA folder") || !strings.Contains(r.stdout, "ca.pem") {
		t.Errorf("show ca/:\n%s", r.stdout)
	}
	r = mustRun(t, "show", "--json", filepath.Join(dir, "ca"))
	if !strings.Contains(r.stdout, `"ca_folder"`) {
		t.Errorf("show --json ca/:\n%s", r.stdout)
	}
}

// capath add creates a missing folder, and removes it again when nothing
// could be added.
func TestCAPathAddCreatesFolder(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "pki", "init", "--dir", dir)
	folder := filepath.Join(dir, "new", "ca")
	mustRun(t, "capath", "add", folder, filepath.Join(dir, "ca.pem"))
	if entries, _ := os.ReadDir(folder); len(entries) != 2 {
		t.Errorf("new folder holds %d entries, want ca.pem and its link", len(entries))
	}
	bad := filepath.Join(dir, "other")
	r := run(t, "", "capath", "add", bad, filepath.Join(dir, "ca.key"))
	if r.code == 0 {
		t.Fatalf("adding a key succeeded:\n%s", r.stdout)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Errorf("%s was left behind after a failed add", bad)
	}
}
