package truststore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// nssTrust is the trust wsskit gives a CA in NSS: a trusted CA for TLS
// server certificates ("C" in the SSL field), nothing for S/MIME or code
// signing. Chromium and Firefox read it as a trust anchor.
const nssTrust = "C,,"

// certutilInstall tells how to get NSS certutil.
const certutilInstall = "apt install libnss3-tools (Debian/Ubuntu), dnf install nss-tools (Fedora/RHEL), zypper install mozilla-nss-tools (openSUSE), pacman -S nss (Arch), brew install nss (macOS)"

// ErrNoNSSDB is returned when no NSS database is found in the home folder.
var ErrNoNSSDB = errors.New("truststore: no NSS database found")

// NSSDB is an NSS database found (or to be created) in a home folder.
type NSSDB struct {
	// Dir is the folder holding cert9.db.
	Dir string
	// App says whose it is: "Chromium", "Firefox profile x.default".
	App string
	// Exists is false for Chromium's database when it is still to be made.
	Exists bool
}

// FindNSSDBs returns the NSS databases (sql: format, cert9.db) of the
// browsers and mail clients in home on goos: Chromium's ~/.pki/nssdb (also
// under snap and flatpak), and every Firefox and Thunderbird profile
// (native, snap, flatpak). Legacy cert8.db-only profiles are not included:
// current NSS no longer writes them.
func FindNSSDBs(home, goos string) []NSSDB {
	if home == "" {
		return nil
	}
	var out []NSSDB
	add := func(dir, app string) {
		if _, err := os.Stat(filepath.Join(dir, "cert9.db")); err == nil {
			for _, d := range out {
				if d.Dir == dir {
					return
				}
			}
			out = append(out, NSSDB{Dir: dir, App: app, Exists: true})
		}
	}
	profiles := func(pattern, app string) {
		matches, _ := filepath.Glob(filepath.Join(home, pattern, "*", "cert9.db")) // Glob fails only on a bad pattern
		sort.Strings(matches)
		for _, m := range matches {
			dir := filepath.Dir(m)
			add(dir, app+" profile "+filepath.Base(dir))
		}
	}
	switch goos {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		add(filepath.Join(home, ".pki", "nssdb"), "Chromium")
		add(filepath.Join(home, "snap", "chromium", "current", ".pki", "nssdb"), "Chromium snap")
		add(filepath.Join(home, ".var", "app", "org.chromium.Chromium", ".pki", "nssdb"), "Chromium flatpak")
		add(filepath.Join(home, ".var", "app", "com.google.Chrome", ".pki", "nssdb"), "Chrome flatpak")
		profiles(".mozilla/firefox", "Firefox")
		profiles("snap/firefox/common/.mozilla/firefox", "Firefox snap")
		profiles(".var/app/org.mozilla.firefox/.mozilla/firefox", "Firefox flatpak")
		profiles(".thunderbird", "Thunderbird")
		profiles("snap/thunderbird/common/.thunderbird", "Thunderbird snap")
		profiles(".var/app/org.mozilla.Thunderbird/.thunderbird", "Thunderbird flatpak")
	case "darwin":
		profiles("Library/Application Support/Firefox/Profiles", "Firefox")
		profiles("Library/Thunderbird/Profiles", "Thunderbird")
	}
	return out
}

// findCertutil finds NSS certutil. On Windows "certutil" is Microsoft's
// unrelated tool, so NSS is not handled there.
func (o *Options) findCertutil() (string, error) {
	if o.GOOS == "windows" {
		return "", errors.New("truststore: NSS databases are not handled on Windows, where certutil.exe is Microsoft's tool: Firefox reads the Windows ROOT store when security.enterprise_roots.enabled is true, and Chrome uses the Windows store")
	}
	if p, err := o.LookPath("certutil"); err == nil {
		return p, nil
	}
	if o.GOOS == "darwin" {
		for _, p := range []string{"/opt/homebrew/opt/nss/bin/certutil", "/usr/local/opt/nss/bin/certutil"} {
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	return "", &ToolMissingError{Tool: "certutil", Store: NSS, Install: certutilInstall}
}

func (o *Options) nssTargets(op Op) ([]target, error) {
	var dbs []NSSDB
	if len(o.NSSDBs) > 0 {
		for _, d := range o.NSSDBs {
			dir := strings.TrimPrefix(d, "sql:")
			_, err := os.Stat(filepath.Join(dir, "cert9.db"))
			if err != nil && !(op == OpInstall && o.CreateNSSDB) {
				return nil, fmt.Errorf("%w at %s (no cert9.db; make one with: certutil -N -d sql:%s --empty-password)", ErrNoNSSDB, dir, dir)
			}
			dbs = append(dbs, NSSDB{Dir: dir, App: "given", Exists: err == nil})
		}
	} else {
		dbs = FindNSSDBs(o.Home, o.GOOS)
		chromium := filepath.Join(o.Home, ".pki", "nssdb")
		if op == OpInstall && o.CreateNSSDB && o.GOOS == "linux" && o.Home != "" {
			if _, err := os.Stat(filepath.Join(chromium, "cert9.db")); err != nil {
				dbs = append([]NSSDB{{Dir: chromium, App: "Chromium", Exists: false}}, dbs...)
			}
		}
		if len(dbs) == 0 {
			if o.GOOS == "windows" {
				_, err := o.findCertutil()
				return nil, err
			}
			return nil, fmt.Errorf("%w in %s (Chromium makes ~/.pki/nssdb on its first start, Firefox one per profile)", ErrNoNSSDB, o.Home)
		}
	}
	certutil, err := o.findCertutil()
	if err != nil {
		return nil, err
	}
	var out []target
	for _, db := range dbs {
		out = append(out, &nssTarget{o: o, certutil: certutil, db: db})
	}
	return out, nil
}

// nssTarget is one NSS database.
type nssTarget struct {
	o        *Options
	certutil string
	db       NSSDB
}

func (t *nssTarget) kind() Kind          { return NSS }
func (t *nssTarget) name() string        { return "sql:" + t.db.Dir }
func (t *nssTarget) label(ca *CA) string { return ca.Nickname }
func (t *nssTarget) description() string {
	if t.db.App == "given" {
		return "NSS db " + t.name()
	}
	return "NSS db " + t.name() + " (" + t.db.App + ")"
}

// nssEntry is a line of certutil -L.
type nssEntry struct {
	nick, trust string
}

var nssTrustRe = regexp.MustCompile(`^[a-zA-Z]*,[a-zA-Z]*,[a-zA-Z]*$`)

// parseNSSList reads certutil -L output: a header, then one line per
// certificate, the nickname padded with spaces and the trust flags last.
func parseNSSList(out []byte) []nssEntry {
	var es []nssEntry
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimRight(line, " \t\r")
		i := strings.LastIndexAny(line, " \t")
		if i < 0 {
			continue
		}
		nick, trust := strings.TrimSpace(line[:i]), line[i+1:]
		if nick == "" || !nssTrustRe.MatchString(trust) || strings.HasPrefix(line, "Certificate Nickname") {
			continue
		}
		es = append(es, nssEntry{nick: nick, trust: trust})
	}
	return es
}

// serverTrusted reports whether NSS trust flags make a CA an anchor for
// TLS server certificates ("C" in the SSL field).
func serverTrusted(trust string) bool {
	ssl, _, _ := strings.Cut(trust, ",")
	return strings.Contains(ssl, "C")
}

func (t *nssTarget) dbArg() string { return "sql:" + t.db.Dir }

func (t *nssTarget) list(ctx context.Context) ([]nssEntry, error) {
	out, err := t.o.run(ctx, []string{t.certutil, "-L", "-d", t.dbArg()}, nil)
	if err != nil {
		return nil, err
	}
	return parseNSSList(out), nil
}

// dump returns the certificates stored under a nickname.
func (t *nssTarget) dump(ctx context.Context, nick string) ([][]byte, error) {
	out, err := t.o.run(ctx, []string{t.certutil, "-L", "-d", t.dbArg(), "-n", nick, "-a"}, nil)
	if err != nil {
		return nil, err
	}
	return parsePEMCerts(out), nil
}

// maxNSSScan bounds how many other nicknames are dumped to find the CA
// under a name wsskit did not give it (one certutil run each).
const maxNSSScan = 500

func (t *nssTarget) check(ctx context.Context, ca *CA) (*holding, error) {
	h := &holding{}
	if !t.db.Exists {
		if _, err := os.Stat(filepath.Join(t.db.Dir, "cert9.db")); err != nil {
			return h, nil
		}
		t.db.Exists = true
	}
	entries, err := t.list(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.nick != ca.Nickname {
			continue
		}
		certs, err := t.dump(ctx, e.nick)
		if err != nil {
			return nil, err
		}
		if holds(certs, ca.Cert.Raw) {
			h.ours, h.trusted = true, serverTrusted(e.trust)
			return h, nil
		}
	}
	// Not under our nickname: NSS keeps the first nickname a certificate
	// was imported with, so look for it under any other.
	for i, e := range entries {
		if i >= maxNSSScan {
			break
		}
		certs, err := t.dump(ctx, e.nick)
		if err != nil {
			return nil, err
		}
		if holds(certs, ca.Cert.Raw) {
			h.others = append(h.others, e.nick)
			h.trusted = h.trusted || serverTrusted(e.trust)
		}
	}
	return h, nil
}

func (t *nssTarget) plan(op Op, ca *CA, h *holding) ([]Action, error) {
	root := !writable(t.db.Dir)
	db := t.dbArg()
	var plan []Action
	switch op {
	case OpInstall:
		switch {
		case h.trusted:
			return nil, nil
		case h.ours:
			return []Action{{Kind: ActRun, Argv: []string{t.certutil, "-M", "-d", db, "-n", ca.Nickname, "-t", nssTrust},
				NeedsRoot: root, Why: "trust it for TLS servers"}}, nil
		}
		if !t.db.Exists {
			plan = append(plan,
				Action{Kind: ActMkdir, Path: t.db.Dir, Mode: 0o700, NeedsRoot: root, Why: "make the NSS database folder"},
				Action{Kind: ActRun, Argv: []string{t.certutil, "-N", "-d", db, "--empty-password"}, NeedsRoot: root,
					Why: "make an empty NSS database, as Chromium does on its first start"})
		}
		// With the certificate already present under another nickname,
		// -A keeps that nickname and sets the trust flags on it.
		plan = append(plan, Action{Kind: ActRun, Argv: []string{t.certutil, "-A", "-d", db, "-n", ca.Nickname, "-t", nssTrust, "-i", t.o.CAFile},
			NeedsRoot: root, Why: "add the CA, trusted for TLS servers"})
	case OpUninstall:
		if h.ours {
			plan = append(plan, Action{Kind: ActRun, Argv: []string{t.certutil, "-D", "-d", db, "-n", ca.Nickname}, NeedsRoot: root, Why: "delete wsskit's entry"})
		}
	}
	return plan, nil
}

func (t *nssTarget) installed(ctx context.Context) ([]Entry, error) {
	entries, err := t.list(ctx)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, e := range entries {
		fp := labelFP(nicknameRe, e.nick)
		if fp == "" {
			continue
		}
		certs, err := t.dump(ctx, e.nick)
		if err != nil {
			return nil, err
		}
		for _, der := range certs {
			if c, err := parseIfFP(der, fp); err == nil && c != nil {
				out = append(out, newEntry(t, e.nick, c, serverTrusted(e.trust)))
			}
		}
	}
	return out, nil
}
