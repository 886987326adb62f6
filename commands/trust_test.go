package commands

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
	"github.com/wsskit/wsskit/pki/truststore"
)

// Every test here names its stores and points them at temporary copies
// (--root, --nss-db, --java-keystore, HOME): the tests run as root in CI
// containers, and must never change the machine's own trust stores.

// trustPKI makes a test PKI with `pki init` and returns its folder.
func trustPKI(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pki")
	mustRun(t, "pki", "init", "--dir", dir)
	return dir
}

// fakeDebianRoot makes a Debian tree update-ca-certificates can run in.
func fakeDebianRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"usr/share/ca-certificates/distro", "usr/local/share/ca-certificates", "etc/ssl/certs"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	distro := pkitest.Issue(t, pkitest.Template{CN: "Distro Root", CA: true}, nil)
	pkitest.WriteFile(t, filepath.Join(root, "usr/share/ca-certificates/distro"), "distro.crt", distro.CertPEM())
	pkitest.WriteFile(t, filepath.Join(root, "etc"), "ca-certificates.conf", []byte("distro/distro.crt\n"))
	return root
}

var trustMasks = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`([0-9A-F]{2}:){31}[0-9A-F]{2}`), "SHA256"},
	{regexp.MustCompile(`\([0-9A-F]{8}\)`), "(FP)"},
	{regexp.MustCompile(`\([0-9a-f]{8}\)`), "(fp)"},
	{regexp.MustCompile(`-[0-9a-f]{8}-[0-9a-f]{8}\.crt`), "-XXXXXXXX-fp.crt"},
	{regexp.MustCompile(`wsskit test ca [0-9a-f]{8}`), "wsskit test ca xxxxxxxx"},
	{regexp.MustCompile(`/\S*/(update-ca-certificates|certutil|keytool)\b`), "/PATH/$1"},
}

func maskTrust(s string, dirs map[string]string) string {
	for dir, name := range dirs {
		s = strings.ReplaceAll(s, dir, name)
	}
	s = mask(s, "")
	for _, m := range trustMasks {
		s = m.re.ReplaceAllString(s, m.repl)
	}
	return s
}

// goldenTrust compares with testdata/trust/golden/NAME.golden.
func goldenTrust(t *testing.T, name, got string) {
	t.Helper()
	golden(t, filepath.Join("..", "trust", "golden", name), got)
}

func TestTrustUsage(t *testing.T) {
	dir := trustPKI(t)
	tests := []struct {
		name     string
		args     []string
		code     int
		mentions []string
	}{
		{"install without --ca", []string{"trust", "install", "--store", "nss"}, ExitUsage, []string{"flag --ca is required"}},
		{"uninstall without --ca", []string{"trust", "uninstall", "--store", "nss"}, ExitUsage, []string{"flag --ca is required"}},
		{"unknown store", []string{"trust", "install", "--ca", filepath.Join(dir, "ca.pem"), "--store", "firefox"}, ExitUsage, []string{`--store: unknown store "firefox"`}},
		{"root not a folder", []string{"trust", "install", "--ca", filepath.Join(dir, "ca.pem"), "--store", "system", "--root", filepath.Join(dir, "ca.pem")}, ExitUsage, []string{"is not a folder"}},
		{"bad storepass source", []string{"trust", "install", "--ca", filepath.Join(dir, "ca.pem"), "--store", "java", "--storepass", "changeit"}, ExitUsage, []string{"--storepass", "unknown pass phrase source"}},
		{"positional argument", []string{"trust", "list", "extra"}, ExitUsage, []string{`unexpected argument "extra"`}},
		{"leaf is not a CA", []string{"trust", "install", "--ca", filepath.Join(dir, "server.pem"), "--store", "nss"}, ExitInput, []string{"server.pem", "not a CA certificate"}},
		{"no certificate", []string{"trust", "install", "--ca", filepath.Join(dir, "ca.key"), "--store", "nss"}, ExitInput, []string{"ca.key", "holds no certificate"}},
		{"missing file", []string{"trust", "install", "--ca", filepath.Join(dir, "nope.pem"), "--store", "nss"}, ExitInput, []string{"nope.pem"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, "", tt.args...).wantFail(t, tt.code, tt.mentions...)
		})
	}
}

func TestTrustSystemRoot(t *testing.T) {
	pkitest.Tool(t, "update-ca-certificates")
	dir := trustPKI(t)
	root := fakeDebianRoot(t)
	ca := filepath.Join(dir, "ca.pem")
	dirs := map[string]string{root: "ROOT", dir: "PKI"}
	args := []string{"trust", "install", "--ca", ca, "--store", "system", "--root", root}

	r := mustRun(t, append(args, "--dry-run")...)
	goldenTrust(t, "install-system-dry-run", maskTrust(r.stdout+"--- stderr\n"+r.stderr, dirs))
	if ents, _ := os.ReadDir(filepath.Join(root, "usr/local/share/ca-certificates")); len(ents) != 0 {
		t.Fatalf("dry run wrote %v", ents)
	}

	r = mustRun(t, args...)
	goldenTrust(t, "install-system", maskTrust(r.stdout, dirs))
	r = mustRun(t, args...)
	if !strings.Contains(r.stdout, "[unchanged] already in Debian/Ubuntu system store under "+root) {
		t.Errorf("second install:\n%s", r.stdout)
	}
	r = mustRun(t, "trust", "list", "--store", "system", "--root", root)
	goldenTrust(t, "list-system-installed", maskTrust(r.stdout, dirs))
	r = mustRun(t, "trust", "uninstall", "--ca", ca, "--store", "system", "--root", root)
	goldenTrust(t, "uninstall-system", maskTrust(r.stdout, dirs))
	if ents, _ := os.ReadDir(filepath.Join(root, "usr/local/share/ca-certificates")); len(ents) != 0 {
		t.Errorf("uninstall left %v", ents)
	}
}

func TestTrustNSSAndJavaJSON(t *testing.T) {
	certutil := pkitest.Tool(t, "certutil")
	keytool := pkitest.Tool(t, "keytool")
	dir := trustPKI(t)
	ca := filepath.Join(dir, "ca.pem")
	db := t.TempDir()
	pkitest.Run(t, certutil, "-N", "-d", "sql:"+db, "--empty-password")
	ks := filepath.Join(t.TempDir(), "trust.p12")
	pkitest.Run(t, keytool, "-genkeypair", "-alias", "app", "-keyalg", "EC", "-dname", "CN=app", "-keystore", ks, "-storetype", "PKCS12", "-storepass", "pw123456")
	t.Setenv("WSSKIT_TEST_STOREPASS", "pw123456")
	common := []string{"--store", "nss,java", "--nss-db", "sql:" + db, "--java-keystore", ks, "--storepass", "env:WSSKIT_TEST_STOREPASS", "--json"}

	var rep struct {
		Operation string `json:"operation"`
		DryRun    bool   `json:"dry_run"`
		CA        struct {
			Name, Subject string
			SHA256        string `json:"sha256_fingerprint"`
			Nickname      string `json:"nss_nickname"`
			JavaAlias     string `json:"java_alias"`
			FileName      string `json:"anchor_file_name"`
		} `json:"ca"`
		Stores []struct {
			Store, Target, Label, Status, Message string
			Present, Trusted                      bool
			Actions                               []struct {
				Kind      string   `json:"kind"`
				Argv      []string `json:"argv"`
				Text      string   `json:"text"`
				NeedsRoot bool     `json:"needs_root"`
			} `json:"actions"`
		} `json:"stores"`
		Installed []truststore.Entry `json:"installed"`
	}
	decode := func(out string) {
		t.Helper()
		rep.Stores, rep.Installed = nil, nil
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}

	decode(mustRun(t, append([]string{"trust", "install", "--ca", ca, "--dry-run"}, common...)...).stdout)
	if rep.Operation != "install" || !rep.DryRun || len(rep.Stores) != 2 {
		t.Fatalf("dry run: %+v", rep)
	}
	for _, s := range rep.Stores {
		if s.Status != "planned" || len(s.Actions) != 1 || s.Actions[0].Kind != "run" || !strings.Contains(s.Actions[0].Text, ca) {
			t.Errorf("dry run store %+v", s)
		}
	}

	decode(mustRun(t, append([]string{"trust", "install", "--ca", ca}, common...)...).stdout)
	if !strings.HasPrefix(rep.CA.Name, "wsskit test CA ") || rep.CA.Nickname != rep.CA.Name+" ("+strings.ReplaceAll(rep.CA.SHA256[:11], ":", "")+")" {
		t.Errorf("ca %+v", rep.CA)
	}
	want := map[string]string{"nss": "sql:" + db, "java": ks}
	for _, s := range rep.Stores {
		if s.Status != "added" || !s.Present || !s.Trusted || s.Target != want[s.Store] {
			t.Errorf("install store %+v", s)
		}
		for _, a := range s.Actions {
			if strings.Contains(a.Text, "pw123456") || strings.Contains(strings.Join(a.Argv, " "), "pw123456") {
				t.Errorf("keystore password in the report: %+v", a)
			}
		}
	}
	if out := pkitest.Run(t, keytool, "-list", "-keystore", ks, "-storepass", "pw123456"); !strings.Contains(out, rep.CA.JavaAlias) {
		t.Errorf("keytool -list lacks %q:\n%s", rep.CA.JavaAlias, out)
	}

	decode(mustRun(t, append([]string{"trust", "install", "--ca", ca}, common...)...).stdout)
	for _, s := range rep.Stores {
		if s.Status != "unchanged" || len(s.Actions) != 0 {
			t.Errorf("second install store %+v", s)
		}
	}

	decode(mustRun(t, append([]string{"trust", "list"}, common...)...).stdout)
	if len(rep.Installed) != 2 {
		t.Fatalf("list: installed %+v", rep.Installed)
	}
	for _, e := range rep.Installed {
		if !e.Trusted || e.SHA256 != rep.CA.SHA256 && rep.CA.SHA256 != "" {
			t.Errorf("entry %+v", e)
		}
	}

	decode(mustRun(t, append([]string{"trust", "uninstall", "--ca", ca}, common...)...).stdout)
	for _, s := range rep.Stores {
		if s.Status != "removed" || s.Present {
			t.Errorf("uninstall store %+v", s)
		}
	}

	// A failing store: exit 1, the others still done, and the error in JSON.
	r := run(t, "", append([]string{"trust", "install", "--ca", ca}, append(common[:len(common)-3], "--storepass", "pass:wrong", "--json")...)...)
	if r.code != ExitCheckFailed {
		t.Fatalf("wrong storepass: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var failed struct {
		Stores []struct{ Store, Status, Error string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &failed); err != nil {
		t.Fatal(err)
	}
	for _, s := range failed.Stores {
		switch s.Store {
		case "nss":
			if s.Status != "added" {
				t.Errorf("nss %+v", s)
			}
		case "java":
			if s.Status != "failed" || !strings.Contains(s.Error, "password was incorrect") {
				t.Errorf("java %+v", s)
			}
		}
	}
}

func TestTrustListNothing(t *testing.T) {
	pkitest.Tool(t, "certutil")
	home := t.TempDir()
	t.Setenv("HOME", home)
	r := mustRun(t, "trust", "list", "--store", "nss")
	if !strings.Contains(r.stdout, "nss      [skipped] no NSS database found in "+home) || !strings.Contains(r.stdout, "no CA added by wsskit found") {
		t.Errorf("list in a fresh home:\n%s", r.stdout)
	}
	r = run(t, "", "trust", "install", "--ca", filepath.Join(trustPKI(t), "ca.pem"), "--store", "nss", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "would: mkdir "+filepath.Join(home, ".pki", "nssdb")) {
		t.Errorf("dry run into a fresh home: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(home, ".pki")); !os.IsNotExist(err) {
		t.Errorf("dry run made ~/.pki: %v", err)
	}
}

func TestTrustSudoCommand(t *testing.T) {
	rep := &truststore.Report{Results: []truststore.Result{
		{Store: truststore.System, Status: truststore.StatusNeedsRoot},
		{Store: truststore.NSS, Status: truststore.StatusAdded},
		{Store: truststore.Java, Status: truststore.StatusNeedsRoot},
	}}
	flags := map[string]string{"ca": "my pki/ca.pem", "storepass": "pass:secret", "java-home": "/opt/jdk"}
	got := sudoCommand(truststore.OpInstall, rep, func(n string) string { return flags[n] }, "/")
	want := "sudo wsskit trust install --ca 'my pki/ca.pem' --store system,java --java-home /opt/jdk --storepass pass:…"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := sudoCommand(truststore.OpInstall, &truststore.Report{Results: rep.Results[1:2]}, func(string) string { return "" }, "/"); got != "" {
		t.Errorf("no store needs root, got %q", got)
	}
}
