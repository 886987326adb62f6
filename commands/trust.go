package commands

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki/truststore"
)

func trustCommand() *cli.Command {
	return &cli.Command{
		Name:     "trust",
		Category: catCheck,
		Usage:    "put a CA into (or take it out of) the system, NSS (Chromium/Firefox) and Java trust stores [update-ca-certificates, certutil -A, keytool -importcert]",
		Description: "Stores: system (Linux bundle: Debian/Ubuntu, Fedora/RHEL, openSUSE, Arch; macOS System\n" +
			"keychain; Windows ROOT store), nss (Chromium's ~/.pki/nssdb, Firefox and Thunderbird\n" +
			"profiles), java (the JDK's cacerts, or --java-keystore). Without --store: every one that exists.\n" +
			"See docs/trust.md for who reads which store and the exact commands run.\n\n" + example(
			"wsskit trust install --ca pki/ca.pem --dry-run       # show what would change",
			"wsskit trust install --ca pki/ca.pem --store nss     # Chromium and Firefox, no sudo needed",
			"sudo wsskit trust install --ca pki/ca.pem --store system,java",
			"wsskit trust list --ca pki/ca.pem",
			"wsskit trust uninstall --ca pki/ca.pem",
		),
		Subcommands: []*cli.Command{
			trustSubcommand(truststore.OpInstall),
			trustSubcommand(truststore.OpUninstall),
			trustSubcommand(truststore.OpList),
		},
	}
}

func trustFlagsFor(op truststore.Op) []cli.Flag {
	caUsage := "the CA certificate (PEM, DER or PFX)"
	if op == truststore.OpList {
		caUsage += "; without it, list every CA wsskit added"
	}
	flags := []cli.Flag{
		&cli.StringFlag{Name: "ca", Usage: caUsage, TakesFile: true},
		passinFlag(),
		&cli.StringSliceFlag{Name: "store", Usage: "system, nss, java or all (repeatable, or comma-separated; default all that exist here)"},
		&cli.StringSliceFlag{Name: "nss-db", Usage: "use this NSS database folder (sql:DIR or DIR) instead of the home folder's (repeatable)", TakesFile: true},
		&cli.StringFlag{Name: "java-keystore", Usage: "use this Java keystore instead of the JDK's cacerts (install creates it, PKCS#12)", TakesFile: true},
		&cli.StringFlag{Name: "storepass", Usage: "Java keystore password source: pass:TEXT, env:VAR, file:PATH, fd:N or stdin (default: changeit, the JDK's)"},
		&cli.StringFlag{Name: "java-home", Usage: "JDK whose keytool and cacerts to use (default: $JAVA_HOME, else keytool on PATH)", TakesFile: true},
		&cli.StringFlag{Name: "root", Value: "/", Usage: "treat this folder as / for the Linux system store (an image or chroot)", TakesFile: true},
		jsonFlag(),
	}
	if op != truststore.OpList {
		flags = append(flags, &cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "look and print the plan (files and commands), change nothing"})
	}
	return flags
}

func trustSubcommand(op truststore.Op) *cli.Command {
	cmd := &cli.Command{
		Name:   string(op),
		Flags:  trustFlagsFor(op),
		Action: func(c *cli.Context) error { return trustAction(c, op) },
	}
	common := "[--store system|nss|java|all]... [--nss-db DIR]... [--java-keystore F] [--storepass SRC] [--root DIR] [--json]"
	switch op {
	case truststore.OpInstall:
		cmd.Usage = "add the CA to the trust stores, trusted for TLS servers"
		cmd.UsageText = "wsskit trust install --ca F [--dry-run] " + common
		cmd.Description = "Idempotent: a store that already trusts the CA is left alone and reported as such.\n" +
			"Stores that need root are reported with the exact command to run under sudo.\n\n" + example(
			"wsskit trust install --ca pki/ca.pem --store nss",
			"wsskit trust install --ca pki/ca.pem --store java --java-keystore truststore.p12 --storepass pass:changeit",
			"wsskit trust install --ca pki/ca.pem --dry-run --json",
		)
	case truststore.OpUninstall:
		cmd.Usage = "remove what trust install added for the CA"
		cmd.UsageText = "wsskit trust uninstall --ca F [--dry-run] " + common
		cmd.Description = "Only entries wsskit made (its nickname, alias or anchor file) are removed; other copies\n" +
			"of the CA are reported and left alone.\n\n" + example(
			"wsskit trust uninstall --ca pki/ca.pem",
			"wsskit trust uninstall --ca pki/ca.pem --store nss --dry-run",
		)
	default:
		cmd.Usage = "show which stores hold the CA, or every CA wsskit added"
		cmd.UsageText = "wsskit trust list [--ca F] " + common
		cmd.Description = example(
			"wsskit trust list --ca pki/ca.pem",
			"wsskit trust list --store nss --json",
		)
	}
	return cmd
}

// trustOptions reads the flags shared by install, uninstall and list.
func (e *Env) trustOptions(c *cli.Context, op truststore.Op) (truststore.Options, error) {
	kinds, err := truststore.ParseKinds(c.StringSlice("store"))
	if err != nil {
		return truststore.Options{}, usageErr("--store: %s", strings.TrimPrefix(err.Error(), "truststore: "))
	}
	o := truststore.Options{
		Stores:       kinds,
		NSSDBs:       c.StringSlice("nss-db"),
		JavaKeystore: c.String("java-keystore"),
		JavaHome:     c.String("java-home"),
		Root:         c.String("root"),
	}
	if op != truststore.OpList {
		o.DryRun = c.Bool("dry-run")
	}
	if o.JavaHome == "" {
		o.JavaHome = os.Getenv("JAVA_HOME")
	}
	if st, err := os.Stat(o.Root); err != nil || !st.IsDir() {
		return o, usageErr("--root %s is not a folder", o.Root)
	}
	if abs, err := filepath.Abs(o.Root); err == nil {
		o.Root = abs
	}
	// Chromium makes ~/.pki/nssdb on its first start; when the user names
	// NSS (or a database) explicitly, make it so the CA is there from the
	// first start on.
	o.CreateNSSDB = len(o.NSSDBs) > 0 || containsKind(kinds, truststore.NSS)
	if spec := c.String("storepass"); spec != "" {
		p, err := e.readPassSource(spec)
		if err != nil {
			return o, usageErr("--storepass: %w", err)
		}
		o.JavaStorepass = string(p)
	}
	return o, nil
}

func containsKind(ks []truststore.Kind, k truststore.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// loadTrustCA reads --ca: exactly one CA certificate. It returns the path
// to hand to the tools when the file holds just that certificate (PEM or
// DER), else "" (the library then writes a temporary PEM copy).
func (e *Env) loadTrustCA(c *cli.Context) (*truststore.CA, string, error) {
	path := c.String("ca")
	b, err := e.loadBundle(path, c.String("passin"))
	if err != nil {
		return nil, "", err
	}
	var cas []int
	for i, cert := range b.Certs {
		if cert.IsCA {
			cas = append(cas, i)
		}
	}
	switch {
	case len(b.Certs) == 0:
		return nil, "", inputErr(path, fmt.Errorf("holds no certificate (%s)", b.Summary()))
	case len(b.Certs) > 1 && len(cas) != 1:
		return nil, "", inputErr(path, fmt.Errorf("holds %d certificates (%d of them CAs): give a file with the one CA to trust", len(b.Certs), len(cas)))
	}
	i := 0
	if len(cas) == 1 {
		i = cas[0]
	}
	ca, err := truststore.NewCA(b.Certs[i])
	if err != nil {
		return nil, "", inputErr(path, err)
	}
	toolFile := ""
	if path != "-" && len(b.Certs) == 1 && len(b.Keys) == 0 && b.PFX == nil {
		if data, err := os.ReadFile(path); err == nil && onlyCert(data, ca) {
			toolFile, _ = filepath.Abs(path) // Abs fails only without a working directory; then the copy is used
		}
	}
	return ca, toolFile, nil
}

// onlyCert reports whether data is exactly the CA as DER or as one PEM
// block with nothing but white space around it, so every tool reads it.
func onlyCert(data []byte, ca *truststore.CA) bool {
	if bytes.Equal(data, ca.Cert.Raw) {
		return true
	}
	blk, rest := pem.Decode(data)
	if blk == nil || blk.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) > 0 || !bytes.Equal(blk.Bytes, ca.Cert.Raw) {
		return false
	}
	return bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN"))
}

// trustReport is trust's --json output.
type trustReport struct {
	Operation truststore.Op      `json:"operation"`
	DryRun    bool               `json:"dry_run"`
	CA        *trustCAJSON       `json:"ca,omitempty"`
	Stores    []trustResultJSON  `json:"stores"`
	Installed []truststore.Entry `json:"installed,omitempty"`
	Warnings  []string           `json:"warnings,omitempty"`
	// SudoCommand is the command to run for the stores that need root.
	SudoCommand string `json:"sudo_command,omitempty"`
}

type trustCAJSON struct {
	Name      string `json:"name"`
	Subject   string `json:"subject"`
	SHA256    string `json:"sha256_fingerprint"`
	SHA1      string `json:"sha1_fingerprint"`
	Nickname  string `json:"nss_nickname"`
	JavaAlias string `json:"java_alias"`
	FileName  string `json:"anchor_file_name"`
}

type trustResultJSON struct {
	truststore.Result
	Error string `json:"error,omitempty"`
}

func trustAction(c *cli.Context, op truststore.Op) error {
	e := envOf(c)
	if err := noArgs(c); err != nil {
		return err
	}
	if c.String("ca") == "" && op != truststore.OpList {
		return usageErr("flag --ca is required: the CA certificate to %s", op)
	}
	opts, err := e.trustOptions(c, op)
	if err != nil {
		return err
	}
	var ca *truststore.CA
	if c.String("ca") != "" {
		if ca, opts.CAFile, err = e.loadTrustCA(c); err != nil {
			return err
		}
	}
	if op != truststore.OpList && os.Geteuid() == 0 && os.Getenv("SUDO_USER") != "" && (opts.Stores == nil || containsKind(opts.Stores, truststore.NSS)) && len(opts.NSSDBs) == 0 {
		e.Warnf("running under sudo: the NSS databases are those of %s, not %s's browsers; run --store nss without sudo", homeOrRoot(), os.Getenv("SUDO_USER"))
	}
	var rep *truststore.Report
	switch op {
	case truststore.OpInstall:
		rep, err = truststore.Install(c.Context, ca, opts)
	case truststore.OpUninstall:
		rep, err = truststore.Uninstall(c.Context, ca, opts)
	default:
		rep, err = truststore.List(c.Context, ca, opts)
	}
	if err != nil {
		return err
	}
	sudo := sudoCommand(op, rep, c.String, c.String("root"))
	if e.JSON {
		if err := e.writeJSON(trustJSON(rep, sudo)); err != nil {
			return err
		}
	} else {
		renderTrust(e, rep, sudo)
	}
	if len(rep.Failed()) > 0 {
		return checkFailed()
	}
	return nil
}

func homeOrRoot() string {
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return "root"
}

func trustJSON(rep *truststore.Report, sudo string) trustReport {
	out := trustReport{Operation: rep.Op, DryRun: rep.DryRun, Installed: rep.Installed, Warnings: rep.Warnings, SudoCommand: sudo, Stores: []trustResultJSON{}}
	if ca := rep.CA; ca != nil {
		out.CA = &trustCAJSON{Name: ca.Name, Subject: ca.Cert.Subject.String(), SHA256: ca.SHA256, SHA1: ca.SHA1,
			Nickname: ca.Nickname, JavaAlias: ca.Alias, FileName: ca.FileName}
	}
	for _, r := range rep.Results {
		j := trustResultJSON{Result: r}
		if r.Err != nil {
			j.Error = r.Err.Error()
		}
		out.Stores = append(out.Stores, j)
	}
	return out
}

// sudoCommand returns the command that would finish the job for the stores
// that need root, or "".
func sudoCommand(op truststore.Op, rep *truststore.Report, flag func(string) string, root string) string {
	var kinds []string
	for _, r := range rep.Results {
		if r.Status == truststore.StatusNeedsRoot && !containsString(kinds, string(r.Store)) {
			kinds = append(kinds, string(r.Store))
		}
	}
	if len(kinds) == 0 {
		return ""
	}
	args := []string{"sudo", "wsskit", "trust", string(op), "--ca", flag("ca"), "--store", strings.Join(kinds, ",")}
	for _, f := range []string{"java-keystore", "java-home"} {
		if v := flag(f); v != "" {
			args = append(args, "--"+f, v)
		}
	}
	for _, f := range []string{"passin", "storepass"} {
		if v := flag(f); v != "" {
			if strings.HasPrefix(v, "pass:") {
				v = "pass:…" // never echo a pass phrase
			}
			args = append(args, "--"+f, v)
		}
	}
	if root != "/" && root != "" {
		args = append(args, "--root", root)
	}
	for i, a := range args {
		args[i] = quoteArg(a)
	}
	return strings.Join(args, " ")
}

// quoteArg quotes a shell word when needed.
func quoteArg(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,+@%…", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// statusWord is the bracketed word a result line starts with, and its colour.
func statusWord(s truststore.Status) (string, colorName) {
	switch s {
	case truststore.StatusAdded, truststore.StatusRemoved, truststore.StatusPresent:
		return string(s), colorGreen
	case truststore.StatusPlanned:
		return "dry run", colorCyan
	case truststore.StatusSkipped:
		return "skipped", colorYellow
	case truststore.StatusFailed:
		return "failed", colorRed
	case truststore.StatusNeedsRoot:
		return "needs root", colorRed
	}
	return string(s), colorDim
}

func renderTrust(e *Env, rep *truststore.Report, sudo string) {
	w := e.Stdout
	bold := e.paint(w, colorBold)
	if ca := rep.CA; ca != nil {
		fmt.Fprintf(w, "%s %s (SHA-256 %s)\n", bold("CA"), ca.Name, ca.SHA256)
	}
	for _, warn := range rep.Warnings {
		e.Warnf("%s", warn)
	}
	for _, r := range rep.Results {
		word, col := statusWord(r.Status)
		fmt.Fprintf(w, "%-8s %s %s\n", r.Store, e.paint(w, col)("["+word+"]"), r.Message)
		renderActions(e, w, r)
		for _, n := range r.Notes {
			fmt.Fprintf(w, "         note: %s\n", n)
		}
	}
	if rep.Op == truststore.OpList && rep.CA == nil {
		if len(rep.Installed) == 0 {
			fmt.Fprintln(w, "no CA added by wsskit found")
		}
		for _, en := range rep.Installed {
			tr := "[trusted]"
			if !en.Trusted {
				tr = "[not trusted]"
			}
			fmt.Fprintf(w, "%-8s %s '%s' in %s\n         %s, SHA-256 %s\n", en.Store, tr, en.Label, en.Description, en.Subject, en.SHA256)
		}
	}
	if sudo != "" {
		fmt.Fprintf(e.Stderr, "hint:  finish with: %s\n", sudo)
	}
	if rep.DryRun {
		e.Notef("dry run: nothing was changed")
	}
}

// renderActions lists what was done (or would be done) in a store.
func renderActions(e *Env, w io.Writer, r truststore.Result) {
	verb := "did:"
	switch r.Status {
	case truststore.StatusPlanned:
		verb = "would:"
	case truststore.StatusNeedsRoot:
		verb = "needs:"
	case truststore.StatusAdded, truststore.StatusRemoved:
	default:
		if !e.Verbose {
			return
		}
		if r.Status == truststore.StatusFailed {
			verb = "tried:"
		}
	}
	for _, a := range r.Actions {
		root := ""
		if a.NeedsRoot && r.Status == truststore.StatusPlanned {
			root = "  (needs root)"
			if runtime.GOOS == "windows" {
				root = "  (needs an Administrator prompt)"
			}
		}
		fmt.Fprintf(w, "         %-6s %s%s\n", verb, a.String(), root)
	}
}
