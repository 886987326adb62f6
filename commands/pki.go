package commands

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
)

// defaultPFXPass is the PFX pass phrase `pki init` uses when none is given.
// It is Java's well-known keystore default (mkcert uses it too): a test PKI's
// PFX needs some pass phrase because several readers refuse an empty one,
// and a documented default is better than a random one nobody wrote down.
const defaultPFXPass = "changeit"

func pkiCommand() *cli.Command {
	return &cli.Command{
		Name:     "pki",
		Category: catPKI,
		Usage:    "make a whole test PKI in one command",
		Subcommands: []*cli.Command{{
			Name:  "init",
			Usage: "make a CA, a server certificate, client certificates, PFX files and a hashed CA folder",
			UsageText: "wsskit pki init [--dir pki] [--ip 127.0.0.1]... [--dns localhost]... [--clients N]\n" +
				"                [--key-type T] [--pfx-pass SRC] [--pfx-encryption compat|aes|rc2] [--force]",
			Description: `Writes into --dir:
   ca.pem, ca.key              the test CA (10 years, pathlen 0)
   server.pem, server.key      server certificate (serverAuth) for 127.0.0.1, ::1, localhost
                               and every --ip/--dns; server.pfx with the CA chain
   client.pem, client.key      client certificate (clientAuth) signed by the CA; client.pfx;
                               client-2... with --clients
   ca/                         OpenSSL hashed CA folder (HASH.0 -> ca.pem) for -CApath,
                               websocketpp add_verify_path, wsskit --capath
   dh.pem                      with --dh: the RFC 7919 ffdhe2048 group (Go's TLS never uses it;
                               OpenSSL-based servers with DHE suites do)
Keys are unencrypted PEM, mode 0600. PFX files use the pass phrase from --pfx-pass,
or "changeit" (printed) when none is given.

` + example(
				"wsskit pki init",
				"wsskit pki init --dir pki --ip 192.168.1.20 --dns myhost.local --clients 3",
				"wsskit pki init --key-type rsa:2048 --pfx-pass env:PFX_PASS   # RSA for Mono's ClientWebSocket",
			),
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "dir", Value: "pki", Usage: "output folder", TakesFile: true},
				&cli.StringSliceFlag{Name: "ip", Usage: "extra server IP SAN (127.0.0.1 and ::1 are always included; repeatable)"},
				&cli.StringSliceFlag{Name: "dns", Usage: "extra server DNS SAN (localhost is always included; repeatable)"},
				&cli.IntFlag{Name: "clients", Value: 1, Usage: "number of client certificates"},
				keyTypeFlag("key-type"),
				&cli.StringFlag{Name: "pfx-pass", Usage: `PFX pass phrase source: pass:TEXT, env:VAR, file:PATH, fd:N or stdin (default "changeit", printed; never asked)`},
				&cli.StringFlag{Name: "pfx-encryption", Value: "compat", Usage: "PFX form: compat (3DES, read by every peer tested), aes (OpenSSL 3 default), rc2 (OpenSSL -legacy)"},
				&cli.StringFlag{Name: "ca-name", Usage: `CA common name (default "wsskit test CA" and a random suffix)`},
				&cli.BoolFlag{Name: "dh", Usage: "also write dh.pem, the RFC 7919 ffdhe2048 group, for OpenSSL-based servers with DHE suites (websocketpp set_tmp_dh)"},
				daysFlag(),
				forceFlag(), jsonFlag(),
			},
			Action: pkiInitAction,
		}},
	}
}

// initOptions reads pki init's flags into the library's options.
func initOptions(c *cli.Context) (pki.InitOptions, error) {
	o := pki.InitOptions{IPs: []net.IP{net.IPv4(127, 0, 0, 1).To4(), net.IPv6loopback}, DNS: []string{"localhost"},
		Clients: c.Int("clients"), CAName: c.String("ca-name"), LeafDays: c.Int("days")}
	var err error
	if o.KeyType, err = pki.ParseKeyType(c.String("key-type")); err != nil {
		return o, usageErr("--key-type: %w", err)
	}
	if o.Clients < 1 || o.Clients > 1000 {
		return o, usageErr("--clients must be from 1 to 1000, got %d", o.Clients)
	}
	for _, v := range c.StringSlice("ip") {
		ip := net.ParseIP(strings.TrimSpace(v))
		if ip == nil {
			return o, usageErr("--ip %q is not an IP address", v)
		}
		if ip4 := ip.To4(); ip4 != nil {
			ip = ip4
		}
		if !containsIP(o.IPs, ip) {
			o.IPs = append(o.IPs, ip)
		}
	}
	for _, v := range c.StringSlice("dns") {
		s := &pki.SANs{}
		if err := s.AddSAN("DNS:" + v); err != nil {
			return o, usageErr("--dns: %w", err)
		}
		for _, d := range s.DNS {
			if !containsString(o.DNS, d) {
				o.DNS = append(o.DNS, d)
			}
		}
	}
	return o, nil
}

func containsIP(ips []net.IP, ip net.IP) bool {
	for _, x := range ips {
		if x.Equal(ip) {
			return true
		}
	}
	return false
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// writtenFile describes one file of a test PKI for the summary.
type writtenFile struct {
	Path string `json:"path"`
	What string `json:"what"`
	Mode string `json:"mode"`
}

// pkiFiles turns a test PKI into the files pki init writes.
func pkiFiles(dir string, p *pki.TestPKI, pfxPass []byte, enc pki.PFXEncryption) ([]outFile, []writtenFile, error) {
	var files []outFile
	var listed []writtenFile
	add := func(name string, data []byte, mode uint32, what string) {
		files = append(files, outFile{Path: filepath.Join(dir, name), Data: data, Mode: modeOf(mode)})
		listed = append(listed, writtenFile{Path: filepath.Join(dir, name), What: what, Mode: fmt.Sprintf("%04o", mode)})
	}
	keyPEM := func(it pki.Issued) ([]byte, error) { return pki.EncodeKeyPEM(it.Key, nil, nil) }

	caKey, err := keyPEM(p.CA)
	if err != nil {
		return nil, nil, err
	}
	add("ca.pem", pki.EncodeCertsPEM(p.CA.Cert), 0o644, "CA certificate: "+p.CA.Cert.Subject.String())
	add("ca.key", caKey, 0o600, "CA private key")
	for _, it := range append([]pki.Issued{p.Server}, p.Clients...) {
		k, err := keyPEM(it)
		if err != nil {
			return nil, nil, err
		}
		role := "client"
		if it.Name == "server" {
			role = "server"
		}
		pfx, err := pki.EncodePFX(pki.PFXOptions{Key: it.Key, Cert: it.Cert, Chain: []*x509.Certificate{p.CA.Cert},
			FriendlyName: it.Name, Password: pfxPass, Encryption: enc})
		if err != nil {
			return nil, nil, fmt.Errorf("encoding %s.pfx: %w", it.Name, err)
		}
		add(it.Name+".pem", pki.EncodeCertsPEM(it.Cert), 0o644, role+" certificate: "+it.Cert.Subject.String()+sanNote(it))
		add(it.Name+".key", k, 0o600, role+" private key")
		add(it.Name+".pfx", pfx, 0o600, role+" PFX (key, certificate and CA chain)")
	}
	h, err := pki.NameHash(p.CA.Cert.RawSubject)
	if err != nil {
		return nil, nil, err
	}
	caPEM := pki.EncodeCertsPEM(p.CA.Cert)
	add(filepath.Join("ca", "ca.pem"), caPEM, 0o644, "CA certificate for the hashed folder")
	link := fmt.Sprintf("%08x.0", h)
	files = append(files, outFile{Path: filepath.Join(dir, "ca", link), Data: caPEM, Mode: modePublic, Link: "ca.pem"})
	what := "subject-hash link to ca.pem (OpenSSL -CApath)"
	if runtime.GOOS == "windows" {
		what = "subject-hash copy of ca.pem (OpenSSL -CApath; no symlinks on Windows)"
	}
	listed = append(listed, writtenFile{Path: filepath.Join(dir, "ca", link), What: what, Mode: "0644"})
	return files, listed, nil
}

func sanNote(it pki.Issued) string {
	if s := pki.SANsOf(it.Cert).String(); s != "" {
		return " (" + s + ")"
	}
	return ""
}

func pkiInitAction(c *cli.Context) error {
	e := envOf(c)
	if err := noArgs(c); err != nil {
		return err
	}
	o, err := initOptions(c)
	if err != nil {
		return err
	}
	enc, err := pki.ParsePFXEncryption(c.String("pfx-encryption"))
	if err != nil {
		return usageErr("--pfx-encryption: %w", err)
	}
	pass, defaulted, err := e.pfxPass(c.String("pfx-pass"))
	if err != nil {
		return err
	}
	dir := c.String("dir")
	force := c.Bool("force")
	p, err := pki.InitPKI(o)
	if err != nil {
		return err
	}
	files, listed, err := pkiFiles(dir, p, pass, enc)
	if err != nil {
		return err
	}
	if c.Bool("dh") {
		// The standard group instead of a fresh safe prime: generating 2048
		// bits takes seconds to minutes, and RFC 7919 groups are what
		// OpenSSL itself recommends (openssl genpkey -pkeyopt group:ffdhe2048).
		dh, err := pki.DHGroup("ffdhe2048")
		if err != nil {
			return err
		}
		files = append(files, outFile{Path: filepath.Join(dir, "dh.pem"), Data: dh.PEM(), Mode: modePublic})
		listed = append(listed, writtenFile{Path: filepath.Join(dir, "dh.pem"), What: "DH parameters, RFC 7919 ffdhe2048 (for OpenSSL servers with DHE suites)", Mode: "0644"})
	}
	for _, f := range files {
		if err := checkNotExist(f.Path, force); err != nil {
			return err
		}
	}
	// With --force the CA changes, and so may its subject hash: the old
	// HASH.0 link to ca/ca.pem would then name the new CA under the old
	// hash (capath list: wrong_name). Find such links now, drop them once
	// the new files are in place.
	var stale []string
	if force {
		stale = staleCALinks(filepath.Join(dir, "ca"), files)
	}
	undo, err := mkdirs(filepath.Join(dir, "ca"))
	if err != nil {
		return err
	}
	if err := writeFiles(force, files...); err != nil {
		undo()
		return err
	}
	for _, s := range stale {
		if err := os.Remove(s); err != nil && !errors.Is(err, fs.ErrNotExist) {
			e.Warnf("could not remove the stale CA folder link %s: %v", s, err)
		} else {
			e.Notef("removed %s: it filed the replaced CA under its old subject hash", s)
		}
	}
	if e.JSON {
		out := map[string]any{"dir": dir, "key_type": o.KeyType.String(), "pfx_encryption": c.String("pfx-encryption"), "files": listed,
			"ca_subject_hash": fmt.Sprintf("%08x", mustHash(p.CA.Cert.RawSubject))}
		if defaulted {
			out["pfx_pass"] = defaultPFXPass
		}
		return e.writeJSON(out)
	}
	bold := e.paint(e.Stdout, colorBold)
	fmt.Fprintf(e.Stdout, "%s %s (%s keys, %d client certificate(s))\n", bold("wrote test PKI in"), dir, o.KeyType, o.Clients)
	for _, f := range listed {
		rel, _ := filepath.Rel(dir, f.Path)
		fmt.Fprintf(e.Stdout, "  %-16s %s  %s\n", rel, f.Mode, f.What)
	}
	passSrc := c.String("pfx-pass")
	if defaulted {
		fmt.Fprintf(e.Stdout, "PFX pass phrase: %q (the default; set one with --pfx-pass)\n", defaultPFXPass)
		passSrc = "pass:" + defaultPFXPass
	} else {
		fmt.Fprintf(e.Stdout, "PFX pass phrase: from %s\n", redactPass(passSrc))
		if strings.HasPrefix(passSrc, "pass:") {
			passSrc = "pass:YOUR_PASS" // never echo a pass phrase
		}
	}
	if r := enc.Readers(); r != "" {
		e.Notef("PFX form %s: %s", c.String("pfx-encryption"), r)
	}
	fmt.Fprintf(e.Stdout, "\n%s\n", bold("next:"))
	fmt.Fprintf(e.Stdout, "  wsskit echo --listen 127.0.0.1:8443 --pfx %s --passin %s --client-auth require --capath %s --service /hello=echo\n",
		filepath.Join(dir, "server.pfx"), passSrc, filepath.Join(dir, "ca"))
	fmt.Fprintf(e.Stdout, "  wsskit client wss://127.0.0.1:8443/hello --pfx %s --passin %s --capath %s --send hello\n",
		filepath.Join(dir, "client.pfx"), passSrc, filepath.Join(dir, "ca"))
	fmt.Fprintf(e.Stdout, "  wsskit verify --capath %s --purpose sslclient %s\n", filepath.Join(dir, "ca"), filepath.Join(dir, "client.pem"))
	return nil
}

func mustHash(der []byte) uint32 {
	h, _ := pki.NameHash(der)
	return h
}

// pfxPass reads a PFX pass phrase source, falling back to defaultPFXPass.
func (e *Env) pfxPass(spec string) (pass []byte, defaulted bool, err error) {
	if spec == "" {
		return []byte(defaultPFXPass), true, nil
	}
	p, err := e.readPassSource(spec)
	if err != nil {
		return nil, false, usageErr("--pfx-pass: %w", err)
	}
	return p, false, nil
}

// staleCALinks lists the HASH.N entries of caDir that stand for the CA
// certificate pki init is about to replace: symbolic links to ca.pem, or
// (where there are no symlinks) copies of the current ca.pem, other than
// the link files writes now.
func staleCALinks(caDir string, files []outFile) []string {
	keep := map[string]bool{}
	for _, f := range files {
		if f.Link != "" {
			keep[filepath.Base(f.Path)] = true
		}
	}
	entries, err := os.ReadDir(caDir)
	if err != nil {
		return nil
	}
	old, _ := os.ReadFile(filepath.Join(caDir, "ca.pem"))
	var stale []string
	for _, ent := range entries {
		name := ent.Name()
		if _, crl, _, ok := pki.ParseLinkName(name); keep[name] || !ok || crl {
			continue
		}
		path := filepath.Join(caDir, name)
		if ent.Type()&fs.ModeSymlink != 0 {
			if target, err := os.Readlink(path); err == nil && target == "ca.pem" {
				stale = append(stale, path)
			}
			continue
		}
		if ent.Type().IsRegular() && len(old) > 0 {
			if data, err := os.ReadFile(path); err == nil && bytes.Equal(data, old) {
				stale = append(stale, path)
			}
		}
	}
	return stale
}
