package truststore

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// newNSSDB makes an empty NSS database with the real certutil.
func newNSSDB(t *testing.T, certutil string) string {
	t.Helper()
	dir := t.TempDir()
	pkitest.Run(t, certutil, "-N", "-d", "sql:"+dir, "--empty-password")
	return dir
}

// nssTrustOf returns the trust flags certutil -L shows for a nickname, or
// "" when the database has no such entry.
func nssTrustOf(t *testing.T, certutil, dir, nick string) string {
	t.Helper()
	for _, e := range parseNSSList([]byte(pkitest.Run(t, certutil, "-L", "-d", "sql:"+dir))) {
		if e.nick == nick {
			return e.trust
		}
	}
	return ""
}

func TestNSSRealCertutil(t *testing.T) {
	certutil := pkitest.Tool(t, "certutil")
	dir := newNSSDB(t, certutil)
	p := pkitest.NewPKI(t, "wsskit test CA nss")
	ca, err := NewCA(p.CA.Cert)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := testCA(t, "Unrelated CA")
	rec := &recorder{}
	opts := Options{Stores: []Kind{NSS}, NSSDBs: []string{"sql:" + dir}, Runner: rec, CAFile: caFile(t, t.TempDir(), ca)}
	// An unrelated certificate in the database, so the scan has work.
	pkitest.Run(t, certutil, "-A", "-d", "sql:"+dir, "-n", other.Nickname, "-t", "C,,", "-i", caFile(t, t.TempDir(), other))

	// NSS's own verdict on a server certificate signed by the CA:
	// certutil -V -u V (SSL server) on a copy imported without trust.
	pkitest.Run(t, certutil, "-A", "-d", "sql:"+dir, "-n", "server", "-t", ",,", "-i", pkitest.WriteFile(t, t.TempDir(), "server.pem", p.Server.CertPEM()))
	serverValid := func() (bool, string) {
		out, err := exec.Command(certutil, "-V", "-d", "sql:"+dir, "-n", "server", "-u", "V").CombinedOutput()
		return err == nil, strings.TrimSpace(string(out))
	}
	if ok, out := serverValid(); ok {
		t.Fatalf("NSS accepts the server certificate before install: %s", out)
	}

	dry := opts
	dry.DryRun = true
	r := one(t)(Install(ctxT(t), ca, dry))
	wantStatus(t, r, StatusPlanned, "would add to NSS db sql:"+dir, ca.Nickname)
	if nssTrustOf(t, certutil, dir, ca.Nickname) != "" {
		t.Fatal("dry run added the CA")
	}

	r = one(t)(Install(ctxT(t), ca, opts))
	wantStatus(t, r, StatusAdded, "added to NSS db sql:"+dir+" as '"+ca.Nickname+"'")
	if got := nssTrustOf(t, certutil, dir, ca.Nickname); got != "C,," {
		t.Errorf("certutil -L shows trust %q, want C,,", got)
	}
	if ok, out := serverValid(); !ok {
		t.Errorf("NSS rejects the server certificate after install: %s", out)
	}
	if len(r.Actions) != 1 || !strings.Contains(r.Actions[0].String(), "-t C,, -i ") {
		t.Errorf("actions %v", r.Actions)
	}

	rec.reset()
	r = one(t)(Install(ctxT(t), ca, opts))
	wantStatus(t, r, StatusUnchanged, "already in", "nothing to do")
	for _, c := range rec.commands() {
		if strings.Contains(c, " -A ") || strings.Contains(c, " -M ") {
			t.Errorf("second install changed the database: %s", c)
		}
	}

	wantStatus(t, one(t)(List(ctxT(t), ca, opts)), StatusPresent, "'"+ca.Nickname+"'")
	rep, err := List(ctxT(t), nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Installed) != 2 { // "server" carries no wsskit label
		t.Fatalf("List(nil) found %d entries, want 2 (both carry wsskit labels): %+v", len(rep.Installed), rep.Installed)
	}
	for _, e := range rep.Installed {
		if e.Label == ca.Nickname && (e.SHA256 != ca.SHA256 || !e.Trusted || e.Target != "sql:"+dir) {
			t.Errorf("entry %+v", e)
		}
	}

	r = one(t)(Uninstall(ctxT(t), ca, opts))
	wantStatus(t, r, StatusRemoved, "removed '"+ca.Nickname+"' from NSS db")
	if got := nssTrustOf(t, certutil, dir, ca.Nickname); got != "" {
		t.Errorf("still listed with trust %q", got)
	}
	if got := nssTrustOf(t, certutil, dir, other.Nickname); got != "C,," {
		t.Errorf("uninstall touched the other CA: trust %q", got)
	}
	if ok, _ := serverValid(); ok {
		t.Error("NSS still accepts the server certificate after uninstall")
	}
	wantStatus(t, one(t)(Uninstall(ctxT(t), ca, opts)), StatusUnchanged, "nothing to remove")
	wantStatus(t, one(t)(List(ctxT(t), ca, opts)), StatusAbsent)
}

// NSS keeps the first nickname a certificate was imported with: a CA
// already in the database untrusted, under another name, gets trusted
// and reported under that name; uninstall leaves it alone.
func TestNSSHeldUnderOtherNickname(t *testing.T) {
	certutil := pkitest.Tool(t, "certutil")
	dir := newNSSDB(t, certutil)
	ca, _ := testCA(t, "Imported Elsewhere CA")
	file := caFile(t, t.TempDir(), ca)
	pkitest.Run(t, certutil, "-A", "-d", "sql:"+dir, "-n", "my import", "-t", ",,", "-i", file)
	opts := Options{Stores: []Kind{NSS}, NSSDBs: []string{dir}, CAFile: file}

	r := one(t)(List(ctxT(t), ca, opts))
	wantStatus(t, r, StatusPresent, "'my import'", "not added by wsskit", "not trusted")
	r = one(t)(Install(ctxT(t), ca, opts))
	wantStatus(t, r, StatusAdded, "already held it as 'my import'", "now trusted")
	if got := nssTrustOf(t, certutil, dir, "my import"); got != "C,," {
		t.Errorf("trust %q, want C,,", got)
	}
	r = one(t)(Uninstall(ctxT(t), ca, opts))
	wantStatus(t, r, StatusUnchanged)
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "'my import'") {
		t.Errorf("notes %q", r.Notes)
	}
}

// With CreateNSSDB, install into a home without ~/.pki/nssdb makes it the
// way Chromium would, then adds the CA.
func TestNSSCreatesChromiumDB(t *testing.T) {
	certutil := pkitest.Tool(t, "certutil")
	home := t.TempDir()
	ca, _ := testCA(t, "Fresh Home CA")
	opts := Options{Stores: []Kind{NSS}, Home: home, GOOS: "linux"}
	rep, err := Install(ctxT(t), ca, opts)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, rep.Results[0], StatusFailed, "no NSS database found")

	opts.CreateNSSDB = true
	r := one(t)(Install(ctxT(t), ca, opts))
	db := filepath.Join(home, ".pki", "nssdb")
	wantStatus(t, r, StatusAdded, "sql:"+db+" (Chromium)")
	if len(r.Actions) != 3 || r.Actions[0].Kind != ActMkdir || !strings.Contains(r.Actions[1].String(), "-N -d sql:"+db+" --empty-password") {
		t.Errorf("actions %v", r.Actions)
	}
	if st, err := os.Stat(db); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("%s: %v %v, want a 0700 folder", db, err, st)
	}
	if got := nssTrustOf(t, certutil, db, ca.Nickname); got != "C,," {
		t.Errorf("trust %q", got)
	}
	// Found by discovery from now on, without CreateNSSDB.
	opts.CreateNSSDB = false
	wantStatus(t, one(t)(List(ctxT(t), ca, opts)), StatusPresent)
}

func TestFindNSSDBs(t *testing.T) {
	home := t.TempDir()
	for _, d := range []string{
		".pki/nssdb",
		".mozilla/firefox/abcd.default-release",
		".mozilla/firefox/efgh.dev",
		"snap/firefox/common/.mozilla/firefox/snap1.default",
		".var/app/org.mozilla.firefox/.mozilla/firefox/flat1.default",
		".thunderbird/tb1.default",
		"Library/Application Support/Firefox/Profiles/mac1.default",
	} {
		mkdirs(t, home, d)
		pkitest.WriteFile(t, filepath.Join(home, d), "cert9.db", nil)
	}
	mkdirs(t, home, ".mozilla/firefox/old.legacy") // cert8.db only: skipped
	pkitest.WriteFile(t, filepath.Join(home, ".mozilla/firefox/old.legacy"), "cert8.db", nil)

	got := FindNSSDBs(home, "linux")
	var apps []string
	for _, d := range got {
		if !d.Exists || !strings.HasPrefix(d.Dir, home) {
			t.Errorf("db %+v", d)
		}
		apps = append(apps, d.App)
	}
	want := "Chromium|Firefox profile abcd.default-release|Firefox profile efgh.dev|Firefox snap profile snap1.default|Firefox flatpak profile flat1.default|Thunderbird profile tb1.default"
	if strings.Join(apps, "|") != want {
		t.Errorf("linux: got %q\nwant %q", strings.Join(apps, "|"), want)
	}
	if got := FindNSSDBs(home, "darwin"); len(got) != 1 || got[0].App != "Firefox profile mac1.default" {
		t.Errorf("darwin: %+v", got)
	}
	if got := FindNSSDBs(home, "windows"); len(got) != 0 {
		t.Errorf("windows: %+v", got)
	}
}

func TestNSSMissingCertutil(t *testing.T) {
	dir := t.TempDir()
	pkitest.WriteFile(t, dir, "cert9.db", nil)
	ca, _ := testCA(t, "No Tool CA")
	for _, tc := range []struct {
		goos, want string
	}{
		{"linux", "apt install libnss3-tools"},
		{"darwin", "brew install nss"},
		{"windows", "security.enterprise_roots.enabled"},
	} {
		rep, err := Install(ctxT(t), ca, Options{Stores: []Kind{NSS}, NSSDBs: []string{dir}, GOOS: tc.goos, LookPath: notFound, Runner: &recorder{}})
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, rep.Results[0], StatusFailed, tc.want)
	}
}

func TestParseNSSList(t *testing.T) {
	out := `
Certificate Nickname                                         Trust Attributes
                                                             SSL,S/MIME,JAR/XPI

wsskit test CA 1a2b (3FA1B2C3)                               C,,  
my import                                                    ,,   
Server-Cert                                                  u,u,u
NSS Certificate DB:odd (3F:A1)                               CT,C,C
`
	got := parseNSSList([]byte(out))
	want := []nssEntry{{"wsskit test CA 1a2b (3FA1B2C3)", "C,,"}, {"my import", ",,"}, {"Server-Cert", "u,u,u"}, {"NSS Certificate DB:odd (3F:A1)", "CT,C,C"}}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: got %q, want %q", i, got[i], want[i])
		}
	}
	for trust, want := range map[string]bool{"C,,": true, "CT,C,C": true, ",,": false, "T,,": false, "u,u,u": false, ",C,": false} {
		if serverTrusted(trust) != want {
			t.Errorf("serverTrusted(%q) = %v", trust, !want)
		}
	}
}
