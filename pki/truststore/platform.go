package truststore

import (
	"bytes"
	"context"
	"strings"
)

// systemKeychain is the macOS keychain whose trust settings apply to every
// user, read by Safari, Chrome, curl (SecureTransport) and Go.
const systemKeychain = "/Library/Keychains/System.keychain"

// keychainTarget is the macOS System keychain, changed with security(1).
// The keychain labels a certificate with its common name, so wsskit finds
// the CA by its SHA-1 hash rather than by a label of its own.
type keychainTarget struct {
	o *Options
}

func (t *keychainTarget) security() string {
	if p, err := t.o.LookPath("security"); err == nil {
		return p
	}
	return "/usr/bin/security"
}

func (t *keychainTarget) kind() Kind          { return System }
func (t *keychainTarget) name() string        { return systemKeychain }
func (t *keychainTarget) description() string { return "macOS System keychain " + systemKeychain }
func (t *keychainTarget) label(ca *CA) string { return ca.Name + " (SHA-1 " + ca.SHA1 + ")" }

func (t *keychainTarget) check(ctx context.Context, ca *CA) (*holding, error) {
	out, err := t.o.run(ctx, []string{t.security(), "find-certificate", "-a", "-Z", systemKeychain}, nil)
	if err != nil {
		return nil, err
	}
	h := &holding{}
	h.ours = hasHashLine(out, "SHA-1 hash:", ca.SHA1)
	h.trusted = h.ours // add-trusted-cert stores the certificate and its trust together
	return h, nil
}

// hasHashLine reports whether out has a line "PREFIX HEX" with HEX equal
// to want (case and spaces ignored).
func hasHashLine(out []byte, prefix, want string) bool {
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, prefix); ok && normHex(v) == normHex(want) {
			return true
		}
	}
	return false
}

func normHex(s string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", ":", "", "\t", "", "\r", "").Replace(s))
}

func (t *keychainTarget) plan(op Op, ca *CA, h *holding) ([]Action, error) {
	root := !t.o.Privileged()
	sec := t.security()
	switch {
	case op == OpInstall && !h.ours:
		return []Action{{Kind: ActRun, Argv: []string{sec, "add-trusted-cert", "-d", "-r", "trustRoot", "-k", systemKeychain, t.o.CAFile},
			NeedsRoot: root, Why: "add the CA to the System keychain, trusted as a root for every user"}}, nil
	case op == OpUninstall && h.ours:
		return []Action{
			{Kind: ActRun, Argv: []string{sec, "remove-trusted-cert", "-d", t.o.CAFile}, NeedsRoot: root, Why: "drop its admin trust settings"},
			{Kind: ActRun, Argv: []string{sec, "delete-certificate", "-Z", ca.SHA1, systemKeychain}, NeedsRoot: root, Why: "delete it from the System keychain"},
		}, nil
	}
	return nil, nil
}

func (t *keychainTarget) installed(context.Context) ([]Entry, error) { return nil, errNoInventory }

// windowsTarget is the Windows machine ROOT store ("Trusted Root
// Certification Authorities", Local Computer), changed with certutil.exe and
// read by Schannel, Edge, Chrome, .NET and Go. Certificates there are found
// by SHA-1 thumbprint.
type windowsTarget struct {
	o *Options
}

func (t *windowsTarget) certutil() string {
	if p, err := t.o.LookPath("certutil.exe"); err == nil {
		return p
	}
	return `C:\Windows\System32\certutil.exe`
}

func (t *windowsTarget) kind() Kind          { return System }
func (t *windowsTarget) name() string        { return "ROOT" }
func (t *windowsTarget) description() string { return "Windows ROOT store (Local Computer)" }
func (t *windowsTarget) label(ca *CA) string { return ca.Name + " (SHA-1 " + ca.SHA1 + ")" }

func (t *windowsTarget) check(ctx context.Context, ca *CA) (*holding, error) {
	argv := []string{t.certutil(), "-store", "ROOT", ca.SHA1}
	rctx, cancel := context.WithTimeout(ctx, t.o.CommandTimeout)
	defer cancel()
	out, errOut, err := t.o.Runner.Run(rctx, argv, nil)
	h := &holding{}
	present, known := parseWindowsStore(append(out, errOut...), ca.SHA1)
	switch {
	case known:
		h.ours, h.trusted = present, present
		return h, nil
	case err != nil:
		return nil, &ToolError{Argv: argv, Stderr: tail(append(out, errOut...)), Err: err}
	}
	return h, nil
}

// parseWindowsStore reads certutil.exe -store ROOT HASH output: the
// thumbprint line "Cert Hash(sha1): ..." when the certificate is there,
// CRYPT_E_NOT_FOUND (0x80092004) when it is not. known is false for any
// other answer.
func parseWindowsStore(out []byte, sha1 string) (present, known bool) {
	s := string(out)
	for _, line := range strings.Split(s, "\n") {
		if _, v, ok := strings.Cut(line, "Cert Hash(sha1):"); ok && normHex(v) == normHex(sha1) {
			return true, true
		}
	}
	if strings.Contains(s, "CRYPT_E_NOT_FOUND") || strings.Contains(strings.ToLower(s), "0x80092004") {
		return false, true
	}
	if bytes.Contains(out, []byte("command completed successfully")) {
		return false, true
	}
	return false, false
}

func (t *windowsTarget) plan(op Op, ca *CA, h *holding) ([]Action, error) {
	cu := t.certutil()
	switch {
	case op == OpInstall && !h.ours:
		return []Action{{Kind: ActRun, Argv: []string{cu, "-addstore", "-f", "ROOT", t.o.CAFile}, NeedsRoot: true,
			Why: "add the CA to the machine's trusted roots (needs an Administrator prompt)"}}, nil
	case op == OpUninstall && h.ours:
		return []Action{{Kind: ActRun, Argv: []string{cu, "-delstore", "ROOT", ca.SHA1}, NeedsRoot: true,
			Why: "delete it from the machine's trusted roots (needs an Administrator prompt)"}}, nil
	}
	return nil, nil
}

func (t *windowsTarget) installed(context.Context) ([]Entry, error) { return nil, errNoInventory }
