package truststore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Layout is one family of Linux system trust stores: where local anchors go,
// which command folds them into the bundle, and where that bundle is.
type Layout struct {
	// Name is the short name: debian, fedora, suse, arch.
	Name string
	// Description names the family for people.
	Description string
	// AnchorDir holds local CA files (relative to the root).
	AnchorDir string
	// Bundle is the PEM bundle the refresh writes (relative to the root),
	// which OpenSSL, GnuTLS and Go read.
	Bundle string
	// Refresh and RefreshRemove are the commands that rebuild the bundle
	// after an anchor was added or removed.
	Refresh, RefreshRemove []string
	// Markers are paths (relative to the root) whose presence identifies
	// the family; the first layout with one present wins.
	Markers []string
	// Package is how to get the refresh command.
	Package string
}

// Layouts lists the supported families in detection order. Debian comes
// first because its ca-certificates.conf is unique to it; Arch's
// trust-source folder comes last because p11-kit may create it elsewhere.
var Layouts = []Layout{
	{
		Name: "debian", Description: "Debian/Ubuntu system store",
		AnchorDir: "usr/local/share/ca-certificates", Bundle: "etc/ssl/certs/ca-certificates.crt",
		// --fresh on removal: without it the removed anchor's symlink and
		// hash link stay in /etc/ssl/certs (the script only prunes them
		// when it also added something).
		Refresh: []string{"update-ca-certificates"}, RefreshRemove: []string{"update-ca-certificates", "--fresh"},
		Markers: []string{"etc/ca-certificates.conf"},
		Package: "apt install ca-certificates",
	},
	{
		Name: "fedora", Description: "Fedora/RHEL system store",
		AnchorDir: "etc/pki/ca-trust/source/anchors", Bundle: "etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
		Refresh: []string{"update-ca-trust", "extract"}, RefreshRemove: []string{"update-ca-trust", "extract"},
		Markers: []string{"etc/pki/ca-trust/source"},
		Package: "dnf install ca-certificates",
	},
	{
		Name: "suse", Description: "openSUSE/SLES system store",
		AnchorDir: "etc/pki/trust/anchors", Bundle: "var/lib/ca-certificates/ca-bundle.pem",
		Refresh: []string{"update-ca-certificates"}, RefreshRemove: []string{"update-ca-certificates"},
		Markers: []string{"etc/pki/trust"},
		Package: "zypper install ca-certificates",
	},
	{
		Name: "arch", Description: "Arch Linux system store",
		AnchorDir: "etc/ca-certificates/trust-source/anchors", Bundle: "etc/ca-certificates/extracted/tls-ca-bundle.pem",
		Refresh: []string{"trust", "extract-compat"}, RefreshRemove: []string{"trust", "extract-compat"},
		Markers: []string{"etc/ca-certificates/trust-source"},
		Package: "pacman -S p11-kit ca-certificates-utils",
	},
	{
		// Debian-like systems without ca-certificates.conf (Alpine, a bare
		// Debian tree with only the local folder).
		Name: "debian", Description: "Debian/Ubuntu system store",
		AnchorDir: "usr/local/share/ca-certificates", Bundle: "etc/ssl/certs/ca-certificates.crt",
		Refresh: []string{"update-ca-certificates"}, RefreshRemove: []string{"update-ca-certificates", "--fresh"},
		Markers: []string{"usr/local/share/ca-certificates"},
		Package: "apt install ca-certificates",
	},
}

// ErrNoSystemStore is returned when no known layout is found under the root.
var ErrNoSystemStore = errors.New("truststore: no known Linux system trust store layout")

// DetectLayout returns the layout of the system store under root ("/" for
// the running system).
func DetectLayout(root string) (Layout, error) {
	var looked []string
	for _, l := range Layouts {
		for _, m := range l.Markers {
			p := filepath.Join(root, m)
			if _, err := os.Stat(p); err == nil {
				return l, nil
			}
			looked = append(looked, p)
		}
	}
	return Layout{}, fmt.Errorf("%w under %s (looked for %s)", ErrNoSystemStore, root, strings.Join(looked, ", "))
}

func parentDir(p string) string { return filepath.Dir(p) }

// systemTarget is a Linux system store.
type systemTarget struct {
	o      *Options
	layout Layout
	// refresh and refreshRemove are the resolved command lines.
	refresh, refreshRemove []string
}

func (o *Options) linuxSystem() (*systemTarget, error) {
	l, err := DetectLayout(o.Root)
	if err != nil {
		return nil, err
	}
	t := &systemTarget{o: o, layout: l}
	prog, err := o.findSystemTool(l, l.Refresh[0])
	if err != nil {
		return nil, &ToolMissingError{Tool: l.Refresh[0], Store: System, Install: l.Package}
	}
	t.refresh = t.command(prog, l.Refresh)
	t.refreshRemove = t.command(prog, l.RefreshRemove)
	return t, nil
}

// findSystemTool finds a refresh command: on PATH, else in the sbin folders
// a non-root PATH often lacks, else (for another root) inside the tree.
func (o *Options) findSystemTool(l Layout, name string) (string, error) {
	if o.Root != "/" && l.Name != "debian" {
		return name, nil // run inside the tree by chroot
	}
	if p, err := o.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("truststore: %s not found", name)
}

// command builds the refresh command line for the root.
func (t *systemTarget) command(prog string, base []string) []string {
	argv := append([]string{prog}, base[1:]...)
	if t.o.Root == "/" {
		return argv
	}
	if t.layout.Name == "debian" {
		r := t.o.Root
		return append(argv,
			"--certsconf", filepath.Join(r, "etc/ca-certificates.conf"),
			"--certsdir", filepath.Join(r, "usr/share/ca-certificates"),
			"--localcertsdir", filepath.Join(r, t.layout.AnchorDir),
			"--etccertsdir", filepath.Join(r, "etc/ssl/certs"),
			"--hooksdir", filepath.Join(r, "etc/ca-certificates/update.d"))
	}
	return append([]string{"chroot", t.o.Root}, argv...)
}

func (t *systemTarget) kind() Kind { return System }
func (t *systemTarget) anchorDir() string {
	return filepath.Join(t.o.Root, t.layout.AnchorDir)
}
func (t *systemTarget) bundle() string { return filepath.Join(t.o.Root, t.layout.Bundle) }
func (t *systemTarget) name() string   { return t.layout.Name + ":" + t.anchorDir() }
func (t *systemTarget) description() string {
	if t.o.Root != "/" {
		return t.layout.Description + " under " + t.o.Root
	}
	return t.layout.Description
}
func (t *systemTarget) label(ca *CA) string { return filepath.Join(t.anchorDir(), ca.FileName) }

// maxAnchorFiles bounds the walk of an anchor folder.
const maxAnchorFiles = 10000

// anchors returns every file under the anchor folder (following symlinks,
// as update-ca-certificates' find -L does) with the certificates it holds.
func (t *systemTarget) anchors() (map[string][][]byte, error) {
	out := map[string][][]byte{}
	dir := t.anchorDir()
	n := 0
	var walk func(d string, depth int) error
	walk = func(d string, depth int) error {
		ents, err := os.ReadDir(d)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && d == dir {
				return nil
			}
			return fmt.Errorf("truststore: reading %s: %w", d, err)
		}
		for _, e := range ents {
			if n++; n > maxAnchorFiles {
				return fmt.Errorf("truststore: %s holds more than %d files", dir, maxAnchorFiles)
			}
			p := filepath.Join(d, e.Name())
			st, err := os.Stat(p)
			if err != nil {
				continue // dangling symlink: not an anchor
			}
			if st.IsDir() {
				if depth < 8 {
					if err := walk(p, depth+1); err != nil {
						return err
					}
				}
				continue
			}
			if !st.Mode().IsRegular() || st.Size() > 10<<20 {
				continue
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("truststore: reading %s: %w", p, err)
			}
			out[p] = parsePEMCerts(data)
		}
		return nil
	}
	return out, walk(dir, 0)
}

func holds(certs [][]byte, der []byte) bool {
	for _, c := range certs {
		if bytes.Equal(c, der) {
			return true
		}
	}
	return false
}

func (t *systemTarget) check(_ context.Context, ca *CA) (*holding, error) {
	h := &holding{}
	anchors, err := t.anchors()
	if err != nil {
		return nil, err
	}
	ours := t.label(ca)
	var others []string
	for p, certs := range anchors {
		if !holds(certs, ca.Cert.Raw) {
			continue
		}
		if p == ours {
			h.ours = true
		} else {
			others = append(others, p)
		}
	}
	sort.Strings(others)
	h.others = others
	data, err := os.ReadFile(t.bundle())
	switch {
	case err == nil:
		h.trusted = holds(parsePEMCerts(data), ca.Cert.Raw)
	case errors.Is(err, fs.ErrNotExist):
	default:
		return nil, fmt.Errorf("truststore: reading %s: %w", t.bundle(), err)
	}
	if h.trusted && !h.present() {
		// Shipped with the system (or added to the bundle by hand).
		h.others = append(h.others, t.bundle())
	}
	return h, nil
}

func (t *systemTarget) plan(op Op, ca *CA, h *holding) ([]Action, error) {
	bundleDir := filepath.Dir(t.bundle())
	run := func(argv []string) Action {
		root := !writable(bundleDir) || (t.o.Root != "/" && t.layout.Name != "debian")
		return Action{Kind: ActRun, Argv: argv, NeedsRoot: root, Why: "rebuild " + t.bundle()}
	}
	var plan []Action
	switch op {
	case OpInstall:
		if !h.present() {
			p := t.label(ca)
			plan = append(plan, Action{Kind: ActWrite, Path: p, Data: ca.PEM, Mode: 0o644,
				NeedsRoot: !writable(t.anchorDir()), Why: "add the CA as a local anchor"})
			if _, err := os.Stat(t.anchorDir()); err != nil {
				plan = append([]Action{{Kind: ActMkdir, Path: t.anchorDir(), Mode: 0o755, NeedsRoot: !writable(t.anchorDir())}}, plan...)
			}
		}
		if len(plan) > 0 || !h.trusted {
			plan = append(plan, run(t.refresh))
		}
	case OpUninstall:
		if h.ours {
			p := t.label(ca)
			plan = append(plan, Action{Kind: ActRemove, Path: p, NeedsRoot: !writable(p) || !writable(t.anchorDir()), Why: "remove wsskit's anchor"},
				run(t.refreshRemove))
		}
	}
	return plan, nil
}

func (t *systemTarget) installed(_ context.Context) ([]Entry, error) {
	anchors, err := t.anchors()
	if err != nil {
		return nil, err
	}
	var bundle [][]byte
	if data, err := os.ReadFile(t.bundle()); err == nil {
		bundle = parsePEMCerts(data)
	}
	var out []Entry
	paths := make([]string, 0, len(anchors))
	for p := range anchors {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fp := labelFP(fileNameRe, filepath.Base(p))
		if fp == "" {
			continue
		}
		for _, der := range anchors[p] {
			c, err := parseIfFP(der, fp)
			if err == nil && c != nil {
				out = append(out, newEntry(t, p, c, holds(bundle, der)))
			}
		}
	}
	return out, nil
}

// notes names the hooks Debian's update-ca-certificates runs after a
// change: on Debian they carry the change into Java's cacerts
// (jks-keystore, ca-certificates-java) and Mono's store (mono-keystore).
func (t *systemTarget) notes(Op) []string {
	if t.layout.Name != "debian" {
		return nil
	}
	dir := filepath.Join(t.o.Root, "etc/ca-certificates/update.d")
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) == 0 {
		return nil
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return []string{fmt.Sprintf("update-ca-certificates also runs the hooks in %s (%s)", dir, strings.Join(names, ", "))}
}
