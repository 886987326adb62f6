package truststore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// storepassEnv carries the keystore password to keytool (-storepass:env),
// so it never shows in argv, ps or a printed plan.
const storepassEnv = "WSSKIT_STOREPASS"

// keytoolInstall tells how to get keytool.
const keytoolInstall = "install a JDK (apt install default-jdk-headless, dnf install java-17-openjdk-headless, brew install openjdk) or set JAVA_HOME"

// javaTarget is a Java keystore: the JDK's cacerts or a given file.
type javaTarget struct {
	o       *Options
	keytool string
	// path is the keystore file; cacerts selects keytool's -cacerts
	// option (Java 9+) instead of -keystore path.
	path    string
	cacerts bool
}

func (o *Options) javaTargets() ([]target, error) {
	keytool, err := o.findKeytool()
	if err != nil {
		return nil, err
	}
	if o.JavaKeystore != "" {
		return []target{&javaTarget{o: o, keytool: keytool, path: o.JavaKeystore}}, nil
	}
	t, err := cacertsOf(keytool)
	if err != nil {
		return nil, err
	}
	t.o = o
	return []target{t}, nil
}

func (o *Options) findKeytool() (string, error) {
	exe := "keytool"
	if o.GOOS == "windows" {
		exe = "keytool.exe"
	}
	if o.JavaHome != "" {
		p := filepath.Join(o.JavaHome, "bin", exe)
		if _, err := os.Stat(p); err != nil {
			return "", &ToolMissingError{Tool: p, Store: Java, Install: "JAVA_HOME (" + o.JavaHome + ") has no bin/" + exe + "; " + keytoolInstall}
		}
		return p, nil
	}
	p, err := o.LookPath("keytool")
	if err != nil {
		return "", &ToolMissingError{Tool: "keytool", Store: Java, Install: keytoolInstall}
	}
	return p, nil
}

// cacertsOf finds the cacerts of the JDK keytool belongs to: lib/security
// (Java 9 and later, where keytool has -cacerts) or jre/lib/security
// (Java 8, which needs -keystore).
func cacertsOf(keytool string) (*javaTarget, error) {
	real, err := filepath.EvalSymlinks(keytool)
	if err != nil {
		return nil, fmt.Errorf("truststore: resolving %s: %w", keytool, err)
	}
	home := filepath.Dir(filepath.Dir(real))
	if p := filepath.Join(home, "lib", "security", "cacerts"); exists(p) {
		return &javaTarget{keytool: keytool, path: p, cacerts: true}, nil
	}
	if p := filepath.Join(home, "jre", "lib", "security", "cacerts"); exists(p) {
		return &javaTarget{keytool: keytool, path: p}, nil
	}
	return nil, fmt.Errorf("truststore: no cacerts in the JDK at %s (looked in lib/security and jre/lib/security); give a keystore with --java-keystore", home)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func (t *javaTarget) kind() Kind          { return Java }
func (t *javaTarget) name() string        { return t.path }
func (t *javaTarget) label(ca *CA) string { return ca.Alias }
func (t *javaTarget) description() string {
	if t.cacerts {
		return "Java cacerts " + t.path
	}
	return "Java keystore " + t.path
}

// storeArgs selects the keystore and its password for keytool, forcing
// English output so it can be read back.
func (t *javaTarget) storeArgs() []string {
	args := []string{"-storepass:env", storepassEnv, "-J-Duser.language=en", "-J-Duser.country=US"}
	if t.cacerts {
		return append([]string{"-cacerts"}, args...)
	}
	return append([]string{"-keystore", t.path}, args...)
}

func (t *javaTarget) env() []string { return []string{storepassEnv + "=" + t.o.JavaStorepass} }

// javaEntry is one keystore entry as keytool -list -rfc prints it.
type javaEntry struct {
	alias   string
	trusted bool // trustedCertEntry
	certs   [][]byte
}

// parseKeytoolList reads keytool -list -rfc: "Alias name: A", "Entry type:
// T", then the certificate(s) as PEM, entries separated by star lines.
func parseKeytoolList(out []byte) []javaEntry {
	var es []javaEntry
	var cur *javaEntry
	flush := func(body []byte) {
		if cur != nil {
			cur.certs = parsePEMCerts(body)
			es = append(es, *cur)
		}
	}
	var body bytes.Buffer
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.HasPrefix(line, "Alias name: "):
			flush(body.Bytes())
			body.Reset()
			cur = &javaEntry{alias: strings.TrimPrefix(line, "Alias name: ")}
		case cur != nil && strings.HasPrefix(line, "Entry type: "):
			cur.trusted = strings.TrimSpace(strings.TrimPrefix(line, "Entry type: ")) == "trustedCertEntry"
		default:
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	flush(body.Bytes())
	return es
}

func (t *javaTarget) list(ctx context.Context) ([]javaEntry, error) {
	argv := append([]string{t.keytool, "-list", "-rfc"}, t.storeArgs()...)
	out, err := t.o.run(ctx, argv, t.env())
	if err != nil {
		return nil, err
	}
	return parseKeytoolList(out), nil
}

func (t *javaTarget) check(ctx context.Context, ca *CA) (*holding, error) {
	h := &holding{}
	if _, err := os.Stat(t.path); errors.Is(err, fs.ErrNotExist) && !t.cacerts {
		return h, nil // Install creates it
	}
	entries, err := t.list(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !e.trusted || !holds(e.certs, ca.Cert.Raw) {
			continue
		}
		h.trusted = true
		if strings.EqualFold(e.alias, ca.Alias) {
			h.ours = true
		} else {
			h.others = append(h.others, e.alias)
		}
	}
	return h, nil
}

func (t *javaTarget) plan(op Op, ca *CA, h *holding) ([]Action, error) {
	root := !writable(t.path)
	if real, err := filepath.EvalSymlinks(t.path); err == nil {
		root = !writable(real)
	}
	switch {
	case op == OpInstall && !h.trusted:
		argv := append([]string{t.keytool, "-importcert", "-trustcacerts", "-noprompt", "-alias", ca.Alias, "-file", t.o.CAFile}, t.storeArgs()...)
		why := "add the CA as a trustedCertEntry"
		if !exists(t.path) {
			why += " (creates a PKCS#12 keystore)"
		}
		return []Action{{Kind: ActRun, Argv: argv, Env: t.env(), NeedsRoot: root, Why: why}}, nil
	case op == OpUninstall && h.ours:
		argv := append([]string{t.keytool, "-delete", "-alias", ca.Alias}, t.storeArgs()...)
		return []Action{{Kind: ActRun, Argv: argv, Env: t.env(), NeedsRoot: root, Why: "delete wsskit's entry"}}, nil
	}
	return nil, nil
}

func (t *javaTarget) installed(ctx context.Context) ([]Entry, error) {
	if !exists(t.path) {
		return nil, nil
	}
	entries, err := t.list(ctx)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, e := range entries {
		fp := labelFP(aliasRe, e.alias)
		if fp == "" {
			continue
		}
		for _, der := range e.certs {
			if c, err := parseIfFP(der, fp); err == nil && c != nil {
				out = append(out, newEntry(t, e.alias, c, e.trusted))
			}
		}
	}
	return out, nil
}
