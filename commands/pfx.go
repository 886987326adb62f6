package commands

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
)

func pfxCommand() *cli.Command {
	return &cli.Command{
		Name:     "pfx",
		Category: catPKI,
		Usage:    "write and unpack PKCS#12 (PFX/.p12) files [openssl pkcs12]",
		Subcommands: []*cli.Command{
			pfxExportCommand(),
			pfxUnpackCommand(),
		},
	}
}

func pfxExportCommand() *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "bundle a key, its certificate and the CA chain into a PFX [openssl pkcs12 -export]",
		UsageText: "wsskit pfx export --cert F --key F [--chain F]... [--name N] [--passout SRC]\n" +
			"                [--encryption compat|aes|rc2] [--passin SRC] [--out F] [--force]",
		Description: example(
			"wsskit pfx export --cert server.pem --key server.key --chain ca.pem --passout env:PFX_PASS --out server.pfx",
			"# [openssl pkcs12 -export -in server.pem -inkey server.key -certfile ca.pem -name server -out server.pfx]",
			"wsskit pfx export --cert fullchain.pem --key server.key --encryption aes --out server.p12",
			"",
			"--encryption picks the algorithms; every form is MACed, even with an empty pass phrase:",
			"  compat  3DES for certificates and key, SHA-1 MAC (default): opens in every reader tested",
			"          (OpenSSL 3, Node.js, Java, .NET/Mono, GnuTLS, NSS, older Windows and macOS)",
			"  aes     OpenSSL 3's default (AES-256-CBC, PBKDF2-SHA256, SHA-256 MAC): not Mono, Windows",
			"          Server 2016, older macOS",
			"  rc2     openssl -legacy (RC2-40 certificates): not Node.js 20 or OpenSSL 3 without -legacy",
			"Certificates in --cert after the one matching the key, and every --chain file, become the chain.",
			"--name (default: the certificate's CN) is the alias keytool and Windows show. Without --passout",
			"the pass phrase is asked on a terminal, else it is \""+defaultPFXPass+"\" (printed). Java cannot open",
			"a PFX whose pass phrase is not ASCII.",
		),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "cert", Usage: "certificate (PEM/DER; a full chain is fine)", TakesFile: true},
			&cli.StringFlag{Name: "key", Usage: "its private key (any encoding, encrypted or not; default: a key in --cert)", TakesFile: true},
			&cli.StringSliceFlag{Name: "chain", Usage: "CA certificates to include (repeatable)", TakesFile: true},
			&cli.StringFlag{Name: "name", Usage: "friendly name (alias) for the key and certificate (default: the certificate's CN)"},
			&cli.StringFlag{Name: "encryption", Value: "compat", Usage: "PFX form: compat, aes or rc2"},
			passinFlag(), passoutFlag(),
			outFlag("PFX file to write (mode 0600; default: stdout when it is not a terminal)"),
			forceFlag(), jsonFlag(),
		},
		Action: pfxExportAction,
	}
}

func pfxUnpackCommand() *cli.Command {
	return &cli.Command{
		Name:      "unpack",
		Usage:     "write a PFX's certificate, chain and key as PEM files [openssl pkcs12 -nodes]",
		UsageText: "wsskit pfx unpack FILE [--passin SRC] [--out-dir D] [--passout SRC] [--force]",
		Description: example(
			"wsskit pfx unpack server.pfx --passin env:PFX_PASS --out-dir server/",
			"# [openssl pkcs12 -in server.pfx -nodes]; RC2-40 (openssl -legacy) files need no extra switch",
			"",
			"Writes cert.pem (the certificate matching the key), chain.pem (the other certificates, issuers",
			"first) and key.pem (PKCS#8, mode 0600; encrypted with AES-256 when --passout is given). A PFX",
			"with an empty pass phrase opens without --passin.",
		),
		Flags: []cli.Flag{
			passinFlag(),
			&cli.StringFlag{Name: "out-dir", Value: ".", Usage: "folder for cert.pem, chain.pem and key.pem (made if missing)", TakesFile: true},
			&cli.StringFlag{Name: "passout", Usage: "encrypt key.pem with this pass phrase source: pass:TEXT, env:VAR, file:PATH, fd:N or stdin; unencrypted when omitted"},
			forceFlag(), jsonFlag(),
		},
		Action: pfxUnpackAction,
	}
}

func pfxExportAction(c *cli.Context) error {
	e := envOf(c)
	if err := noArgs(c); err != nil {
		return err
	}
	certPath, keyPath, out := c.String("cert"), c.String("key"), c.String("out")
	if certPath == "" {
		return usageErr("--cert is required (the certificate to bundle)")
	}
	enc, err := pki.ParsePFXEncryption(c.String("encryption"))
	if err != nil {
		return usageErr("--encryption: %w", err)
	}
	if out == "" && isTerminal(e.Stdout) {
		return usageErr("refusing to write a binary PFX to the terminal: give --out F")
	}
	if out != "" {
		if err := checkNotExist(out, c.Bool("force")); err != nil {
			return err
		}
	}

	certs, key, err := e.exportInputs(c, certPath, keyPath)
	if err != nil {
		return err
	}
	leaf, chain := splitLeaf(certs, key)
	if leaf == nil {
		at := certPath
		if keyPath != "" {
			at = keyPath
		}
		return inputErr(at, &pki.MismatchError{What: "key and certificate",
			Detail: fmt.Sprintf("the %s private key belongs to none of the %d certificate(s) given (first: %s)",
				pki.KeyTypeOf(key), len(certs), certs[0].Subject)})
	}
	for _, path := range c.StringSlice("chain") {
		b, err := e.loadBundle(path, c.String("passin"))
		if err != nil {
			return err
		}
		if len(b.Certs) == 0 {
			return inputErr(path, fmt.Errorf("no certificate in it (it holds %s)", b.Summary()))
		}
		chain = appendNew(chain, leaf, b.Certs...)
	}
	name := c.String("name")
	if !c.IsSet("name") {
		name = leaf.Subject.CommonName
	}

	pass, err := e.passOut(c.String("passout"), "the PFX")
	if err != nil {
		return usageErr("--passout: %w", err)
	}
	defaulted := pass == nil
	if defaulted {
		pass = []byte(defaultPFXPass)
	}
	der, err := pki.EncodePFX(pki.PFXOptions{Key: key, Cert: leaf, Chain: chain, FriendlyName: name, Password: pass, Encryption: enc})
	if err != nil {
		return err
	}

	if out == "" {
		_, err := e.Stdout.Write(der)
		e.exportNotes(enc, pass, defaulted)
		return err
	}
	if err := writeFiles(c.Bool("force"), outFile{Path: out, Data: der, Mode: modeSecret}); err != nil {
		return err
	}
	if e.JSON {
		return e.writeJSON(map[string]any{"file": out, "encryption": enc.String(), "friendly_name": name,
			"certificate": leaf.Subject.String(), "key_type": pki.KeyTypeOf(key), "chain": len(chain), "mode": "0600",
			"default_pass": defaulted})
	}
	fmt.Fprintf(e.Stdout, "wrote %s: PKCS#12 (%s) with the %s key, %s and %d CA certificate(s), mode 0600\n",
		out, enc, pki.KeyTypeOf(key), leaf.Subject, len(chain))
	if name != "" {
		fmt.Fprintf(e.Stdout, "friendly name: %q\n", name)
	}
	if defaulted {
		fmt.Fprintf(e.Stdout, "PFX pass phrase: %q (the default; set one with --passout)\n", defaultPFXPass)
	}
	e.exportNotes(enc, pass, defaulted)
	return nil
}

// exportNotes says on stderr which readers the form suits, and warns about
// pass phrases some readers cannot use.
func (e *Env) exportNotes(enc pki.PFXEncryption, pass []byte, defaulted bool) {
	e.Notef("%s", enc.Readers())
	for _, b := range pass {
		if b >= 0x80 {
			e.Warnf("the pass phrase is not ASCII: Java (keytool, JSSE) cannot open this PFX (\"Password is not ASCII\")")
			break
		}
	}
	if len(pass) == 0 && !defaulted {
		e.Warnf("the pass phrase is empty: the PFX is still encrypted and MACed, but anyone can open it")
	}
}

// exportInputs loads the certificates of --cert and the key of --key (or
// of --cert when --key is omitted).
func (e *Env) exportInputs(c *cli.Context, certPath, keyPath string) ([]*x509.Certificate, crypto.Signer, error) {
	cb, err := e.loadBundle(certPath, c.String("passin"))
	if err != nil {
		return nil, nil, err
	}
	if len(cb.Certs) == 0 {
		return nil, nil, inputErr(certPath, fmt.Errorf("no certificate in it (it holds %s)", cb.Summary()))
	}
	if keyPath == "" {
		if len(cb.Keys) == 0 {
			return nil, nil, usageErr("--key is required: %s holds no private key", certPath)
		}
		return cb.Certs, cb.Keys[0], nil
	}
	kb, err := e.loadKey(keyPath, c.String("passin"))
	if err != nil {
		return nil, nil, err
	}
	return cb.Certs, kb.Keys[0], nil
}

// splitLeaf returns the certificate matching key and the others in order.
func splitLeaf(certs []*x509.Certificate, key crypto.Signer) (*x509.Certificate, []*x509.Certificate) {
	for i, c := range certs {
		if pki.KeyMatches(key, c) {
			return c, appendNew(nil, c, append(append([]*x509.Certificate(nil), certs[:i]...), certs[i+1:]...)...)
		}
	}
	return nil, nil
}

// appendNew appends the certificates not already in list (nor equal to
// leaf), so a CA given twice is written once.
func appendNew(list []*x509.Certificate, leaf *x509.Certificate, certs ...*x509.Certificate) []*x509.Certificate {
	for _, c := range certs {
		dup := bytes.Equal(c.Raw, leaf.Raw)
		for _, have := range list {
			dup = dup || bytes.Equal(have.Raw, c.Raw)
		}
		if !dup {
			list = append(list, c)
		}
	}
	return list
}

func pfxUnpackAction(c *cli.Context) error {
	e := envOf(c)
	if c.NArg() != 1 {
		return usageErr("pfx unpack takes one PFX file, got %d arguments", c.NArg())
	}
	path := c.Args().First()
	dir := c.String("out-dir")
	force := c.Bool("force")
	data, err := e.readInput(path)
	if err != nil {
		return err
	}
	p, err := e.parsePFX(path, data, c.String("passin"))
	if err != nil {
		return err
	}
	var keyPass []byte
	if c.IsSet("passout") {
		if keyPass, err = e.readPassSource(c.String("passout")); err != nil {
			return usageErr("--passout: %w", err)
		}
	}

	var files []outFile
	var listed []writtenFile
	add := func(name string, data []byte, mode uint32, what string) {
		p := filepath.Join(dir, name)
		files = append(files, outFile{Path: p, Data: data, Mode: modeOf(mode)})
		listed = append(listed, writtenFile{Path: p, What: what, Mode: fmt.Sprintf("%04o", mode)})
	}
	if p.Leaf != nil {
		add("cert.pem", pki.EncodeCertsPEM(p.Leaf), 0o644, "certificate: "+p.Leaf.Subject.String())
	}
	if len(p.Chain) > 0 {
		add("chain.pem", pki.EncodeCertsPEM(p.Chain...), 0o644, fmt.Sprintf("%d other certificate(s), issuers first", len(p.Chain)))
	}
	if p.Key != nil {
		k, err := pki.EncodeKeyPEM(p.Key, keyPass, nil)
		if err != nil {
			return err
		}
		what := pki.KeyTypeOf(p.Key) + " private key, PKCS#8"
		if keyPass != nil {
			what += ", encrypted (AES-256-CBC)"
		}
		add("key.pem", k, 0o600, what)
	}
	if len(files) == 0 {
		return inputErr(path, errors.New("the PFX holds no certificate and no key"))
	}
	for _, f := range files {
		if err := checkNotExist(f.Path, force); err != nil {
			return err
		}
	}
	undo, err := mkdirs(dir)
	if err != nil {
		return err
	}
	if err := writeFiles(force, files...); err != nil {
		undo()
		return err
	}
	if p.Key != nil && p.Leaf == nil {
		e.Warnf("%s: no certificate matches the private key; all certificates went to chain.pem", path)
	}
	if e.JSON {
		return e.writeJSON(map[string]any{"file": path, "files": listed, "pfx": pfxSummary(p)})
	}
	fmt.Fprintf(e.Stdout, "unpacked %s into %s\n", path, dir)
	for _, f := range listed {
		fmt.Fprintf(e.Stdout, "  %-10s %s  %s\n", filepath.Base(f.Path), f.Mode, f.What)
	}
	if e.Verbose {
		s := pfxSummary(p)
		e.Notef("PFX: MAC %s; %s", s["mac"], s["safes"])
	}
	return nil
}

// parsePFX opens a PFX: with --passin as given; without it, first with the
// empty pass phrase (as many test PFX files have), then asking on the
// terminal.
func (e *Env) parsePFX(path string, data []byte, passSpec string) (*pki.PFX, error) {
	var pass []byte
	if passSpec != "" {
		p, err := e.readPassSource(passSpec)
		if err != nil {
			return nil, usageErr("--passin: %w", err)
		}
		pass = p
	}
	p, err := pki.ParsePFX(data, pass)
	if passSpec == "" && errors.Is(err, pki.ErrPasswordRequired) {
		asked, perr := e.passIn("", path)()
		if perr != nil {
			return nil, inputErr(path, err)
		}
		p, err = pki.ParsePFX(data, asked)
	}
	if err != nil {
		return nil, inputErr(path, err)
	}
	return p, nil
}

// pfxSummary describes the PFX's protection for --json and -v.
func pfxSummary(p *pki.PFX) map[string]string {
	mac := "none"
	if p.MAC != nil {
		mac = fmt.Sprintf("%s, %d iterations", p.MAC.Algorithm, p.MAC.Iterations)
	}
	safes := ""
	for i, s := range p.Safes {
		if i > 0 {
			safes += "; "
		}
		if s.Encrypted {
			safes += "encrypted data (" + s.Algorithm + ")"
		} else {
			safes += "data"
		}
		for _, b := range s.Bags {
			if b.KeyAlgorithm != "" {
				safes += ", shrouded key (" + b.KeyAlgorithm + ")"
			}
		}
	}
	return map[string]string{"mac": mac, "safes": safes}
}

// pfx renders the PKCS#12 part of `wsskit show`: what `openssl pkcs12
// -info` prints (MAC, encryption of each safe, bags and their attributes),
// which certificate matches the key, and which readers the form suits.
func (sw showWriter) pfx(p pki.PFXInfo) {
	red, yellow := sw.e.paint(sw.w, colorRed), sw.e.paint(sw.w, colorYellow)
	if p.MAC == nil {
		sw.field("MAC", yellow("[none]")+" no integrity check (openssl -nomac)")
	} else {
		sw.field("MAC", fmt.Sprintf("%s, %d iterations, %d-byte salt", p.MAC.Algorithm, p.MAC.Iterations, p.MAC.SaltLength))
	}
	if p.Form != "" {
		sw.field("form", p.Readers)
	} else {
		sw.field("form", "not one of wsskit's forms (compat, aes, rc2); readers vary")
	}
	hasKey := false
	for i, s := range p.Safes {
		what := "plain data"
		if s.Encrypted {
			what = "encrypted: " + s.Algorithm
		}
		sw.field(fmt.Sprintf("safe %d", i+1), what)
		for _, b := range s.Bags {
			var parts []string
			switch {
			case b.Subject != "":
				if b.IsLeaf {
					parts = append(parts, b.Subject+" [matches the key]")
				} else {
					parts = append(parts, b.Subject)
				}
			case b.KeyType != "":
				hasKey = true
				parts = append(parts, b.KeyType)
				if b.KeyEncryption != "" {
					parts = append(parts, "encrypted: "+b.KeyEncryption)
				}
			}
			if b.FriendlyName != "" {
				parts = append(parts, fmt.Sprintf("friendlyName %q", b.FriendlyName))
			}
			if b.LocalKeyID != "" {
				parts = append(parts, "localKeyID "+b.LocalKeyID)
			}
			for _, k := range sortedKeys(b.Attributes) {
				parts = append(parts, fmt.Sprintf("%s %q", k, b.Attributes[k]))
			}
			fmt.Fprintf(sw.w, "      %-20s %s\n", b.Type, strings.Join(parts, ", "))
		}
	}
	switch {
	case p.Leaf != "":
		sw.field("key", "belongs to "+p.Leaf+" (matched by "+p.LeafMatch+")")
	case hasKey:
		sw.field("key", red("[mismatch]")+" no certificate in the file matches the private key")
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
