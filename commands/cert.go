package commands

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
)

func certCommand() *cli.Command {
	return &cli.Command{
		Name:     "cert",
		Category: catPKI,
		Usage:    "issue certificates [openssl req -x509, x509 -req, ca]",
		Subcommands: []*cli.Command{
			certNewCommand(),
			certSignCommand(),
		},
	}
}

func caFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "ca", Usage: "issuing CA certificate (PEM/DER), or a PFX or PEM file holding the CA certificate and key", TakesFile: true},
		&cli.StringFlag{Name: "ca-key", Usage: "the CA's private key, when --ca holds only the certificate", TakesFile: true},
		&cli.StringFlag{Name: "ca-passin", Usage: "CA key or PFX " + passSourceHelp + " (default: --passin)"},
	}
}

func certNewCommand() *cli.Command {
	return &cli.Command{
		Name:  "new",
		Usage: "make a key and certificate, self-signed or signed by a CA",
		UsageText: "wsskit cert new --subject S [--san V]... [--profile server|client|server+client|ca] [--key F | --type T]\n" +
			"                [--ca CERT --ca-key KEY | --ca PFX] [--days N] [--path-len N] [--out F] [--key-out F]",
		Description: example(
			"# a CA, then a server certificate for 127.0.0.1 signed by it",
			"wsskit cert new --profile ca --subject '/O=Test/CN=Test CA' --out ca.pem",
			"wsskit cert new --subject /CN=127.0.0.1 --san IP:127.0.0.1 --san DNS:localhost --ca ca.pem --ca-key ca.key --out server.pem",
			"# the original cheat sheet's self-signed server certificate [openssl req -x509 -newkey rsa:2048 ...]",
			"wsskit cert new --type rsa:2048 --subject /C=SG/O=Test/CN=127.0.0.1 --san IP:127.0.0.1 --out server.pem",
			"",
			"The key is written next to --out with a .key extension unless --key-out or --key is given.",
			"A server certificate always gets SANs: without --san, an IP or host name CN becomes one.",
		),
		Flags: append([]cli.Flag{
			subjectFlag(), sanFlag(),
			&cli.StringFlag{Name: "profile", Value: "server", Usage: "server, client, server+client or ca"},
			&cli.StringFlag{Name: "key", Usage: "certify this existing private key instead of making one", TakesFile: true},
			keyTypeFlag("type"),
			daysFlag(),
			&cli.IntFlag{Name: "path-len", Value: -1, Usage: "for --profile ca: how many CAs may follow below it (-1: no limit)"},
			outFlag("certificate file (default: stdout, with the new key after it)"),
			&cli.StringFlag{Name: "key-out", Usage: "where to write a new key (default: --out with .key)", TakesFile: true},
			passinFlag(), keyPassoutFlag(), forceFlag(), jsonFlag(),
		}, caFlags()...),
		Action: certNewAction,
	}
}

func certNewAction(c *cli.Context) error {
	e := envOf(c)
	if err := noArgs(c); err != nil {
		return err
	}
	if !c.IsSet("subject") {
		return usageErr("--subject is required, e.g. --subject /CN=127.0.0.1")
	}
	if c.IsSet("key") && c.IsSet("type") {
		return usageErr("--key and --type are mutually exclusive: --type makes a new key")
	}
	if c.IsSet("ca-key") && !c.IsSet("ca") {
		return usageErr("flag --ca-key requires --ca")
	}
	profile, err := pki.ParseProfile(c.String("profile"))
	if err != nil {
		return usageErr("--profile: %w", err)
	}
	kt, err := pki.ParseKeyType(c.String("type"))
	if err != nil {
		return usageErr("--type: %w", err)
	}
	subject, err := parseSubjectFlag(e, c.String("subject"))
	if err != nil {
		return err
	}
	sans, err := parseSANFlags(c.StringSlice("san"))
	if err != nil {
		return err
	}
	if profile.IsServer() && sans.Empty() {
		if sans = defaultSANs(subject); sans == nil {
			return usageErr("%w", pki.ErrServerNeedsSAN)
		}
		e.Notef("note: no --san given; added %s from the CN (clients ignore the CN)", sans)
	}
	out := c.String("out")
	keyOut := c.String("key-out")
	newKey := !c.IsSet("key")
	if newKey && keyOut == "" && out != "" {
		keyOut = strings.TrimSuffix(out, filepath.Ext(out)) + ".key"
		if keyOut == out {
			keyOut = out + ".key"
		}
	}
	force := c.Bool("force")
	for _, p := range []string{out, keyOut} {
		if p != "" {
			if err := checkNotExist(p, force); err != nil {
				return err
			}
		}
	}
	var passOut []byte
	if c.IsSet("passout") {
		if passOut, err = e.readPassSource(c.String("passout")); err != nil {
			return usageErr("--passout: %w", err)
		}
	}
	var caCert *x509.Certificate
	var caKey crypto.Signer
	if c.IsSet("ca") {
		if caCert, caKey, err = e.loadCA(c); err != nil {
			return err
		}
	}
	var key crypto.Signer
	if newKey {
		if key, err = pki.GenerateKey(kt, nil); err != nil {
			return err
		}
	} else {
		kb, err := e.loadKey(c.String("key"), c.String("passin"))
		if err != nil {
			return err
		}
		key = kb.Keys[0]
	}
	req := pki.CertRequest{Subject: subject, SANs: sans, Profile: profile, PathLen: c.Int("path-len"),
		Days: c.Int("days"), PublicKey: key.Public(), Issuer: caCert, IssuerKey: caKey}
	if caCert == nil {
		req.SelfKey = key
	}
	cert, err := pki.Issue(req)
	if err != nil {
		var mm *pki.MismatchError
		if errors.As(err, &mm) {
			return inputErr(c.String("ca-key"), err)
		}
		if notIssuer(caCert) {
			return inputErr(c.String("ca"), err)
		}
		return err
	}
	certPEM := pki.EncodeCertsPEM(cert)
	var keyPEM []byte
	if newKey {
		if keyPEM, err = pki.EncodeKeyPEM(key, passOut, nil); err != nil {
			return err
		}
	}
	if out == "" && !e.JSON {
		e.Stdout.Write(certPEM)
		if keyOut == "" && keyPEM != nil {
			e.Stdout.Write(keyPEM)
		}
	}
	var files []outFile
	if out != "" {
		files = append(files, outFile{Path: out, Data: certPEM, Mode: modePublic})
	}
	if keyOut != "" && keyPEM != nil {
		files = append(files, outFile{Path: keyOut, Data: keyPEM, Mode: modeSecret})
	}
	if err := writeFiles(force, files...); err != nil {
		return err
	}
	if e.JSON {
		j := issuedJSON(out, cert, caCert, certPEM)
		if keyPEM != nil {
			j["key_type"] = kt.String()
			if keyOut != "" {
				j["key_file"] = keyOut
			} else {
				j["key_pem"] = string(keyPEM)
			}
			j["key_encrypted"] = passOut != nil
		}
		return e.writeJSON(j)
	}
	if out != "" {
		describeIssued(e, out, cert, caCert)
	}
	if keyOut != "" && keyPEM != nil {
		fmt.Fprintf(e.Stdout, "wrote %s: %s private key, mode 0600\n", keyOut, kt)
	}
	return nil
}

// notIssuer reports whether pki refuses ca as an issuer (CA:FALSE, or no
// keyCertSign): the fault is then in the --ca input, an exit-3 error that
// names the file.
func notIssuer(ca *x509.Certificate) bool {
	return ca != nil && (!ca.IsCA || ca.KeyUsage != 0 && ca.KeyUsage&x509.KeyUsageCertSign == 0)
}

// defaultSANs derives SANs from the CN of a subject DER.
func defaultSANs(subject []byte) *pki.SANs {
	return pki.DefaultSANsFor(pki.CommonName(subject))
}

// describeIssued prints one line about a certificate just written.
func describeIssued(e *Env, path string, cert, ca *x509.Certificate) {
	by := "self-signed"
	if ca != nil {
		by = "signed by " + ca.Subject.String()
	}
	fmt.Fprintf(e.Stdout, "wrote %s: %s, %s, valid until %s\n", path, cert.Subject, by, cert.NotAfter.UTC().Format("2006-01-02"))
	if s := pki.SANsOf(cert).String(); s != "" {
		e.Notef("  subjectAltName: %s", s)
	}
}

// loadCA reads --ca (a certificate, or a PFX/PEM holding certificate and
// key) and --ca-key.
func (e *Env) loadCA(c *cli.Context) (*x509.Certificate, crypto.Signer, error) {
	pass := c.String("ca-passin")
	if pass == "" {
		pass = c.String("passin")
	}
	caPath := c.String("ca")
	cb, err := e.loadBundle(caPath, pass)
	if err != nil {
		return nil, nil, err
	}
	keys := cb.Keys
	keyPath := caPath
	if c.IsSet("ca-key") {
		keyPath = c.String("ca-key")
		kb, err := e.loadKey(keyPath, pass)
		if err != nil {
			return nil, nil, err
		}
		keys = kb.Keys
	}
	if len(cb.Certs) == 0 {
		return nil, nil, inputErr(caPath, fmt.Errorf("no certificate in it (it holds %s)", cb.Summary()))
	}
	if len(keys) == 0 {
		return nil, nil, usageErr("%s holds no private key: give the CA key with --ca-key", caPath)
	}
	for _, k := range keys {
		for _, cert := range cb.Certs {
			if pki.KeyMatches(k, cert) {
				return cert, k, nil
			}
		}
	}
	return nil, nil, inputErr(keyPath, &pki.MismatchError{What: "CA key", Detail: fmt.Sprintf("the key does not belong to the CA certificate %s", cb.Certs[0].Subject)})
}

func certSignCommand() *cli.Command {
	return &cli.Command{
		Name:      "sign",
		Usage:     "sign a CSR with a CA, accepting any subject [openssl ca -policy policy_anything]",
		UsageText: "wsskit cert sign --csr F --ca CERT --ca-key KEY [--profile client] [--days N] [--copy-sans] [--san V]... [--out F]",
		Description: example(
			"wsskit cert sign --csr client.csr --ca ca.pem --ca-key ca.key --out client.pem",
			"wsskit cert sign --csr server.csr --ca ca.pfx --passin env:PFX_PASS --profile server --copy-sans --out server.pem",
			"",
			"The CSR's signature is checked first. Its subject is kept as it is. Its SANs are",
			"copied only with --copy-sans (like copy_extensions = copy); other requested",
			"extensions are never copied: the profile decides them.",
		),
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "csr", Usage: "certificate signing request (PEM or DER)", TakesFile: true},
			&cli.StringFlag{Name: "profile", Value: "client", Usage: "server, client, server+client or ca"},
			daysFlag(),
			&cli.BoolFlag{Name: "copy-sans", Usage: "copy the CSR's subjectAltNames into the certificate"},
			sanFlag(),
			&cli.IntFlag{Name: "path-len", Value: -1, Usage: "for --profile ca: how many CAs may follow below it (-1: no limit)"},
			outFlag("certificate file (default: stdout)"),
			passinFlag(), forceFlag(), jsonFlag(),
		}, caFlags()...),
		Action: certSignAction,
	}
}

func certSignAction(c *cli.Context) error {
	e := envOf(c)
	if err := noArgs(c); err != nil {
		return err
	}
	if c.String("csr") == "" {
		return usageErr("--csr is required")
	}
	if c.String("ca") == "" {
		return usageErr("--ca is required (the CA certificate, with --ca-key, or a PFX holding both)")
	}
	profile, err := pki.ParseProfile(c.String("profile"))
	if err != nil {
		return usageErr("--profile: %w", err)
	}
	sans, err := parseSANFlags(c.StringSlice("san"))
	if err != nil {
		return err
	}
	out := c.String("out")
	if out != "" {
		if err := checkNotExist(out, c.Bool("force")); err != nil {
			return err
		}
	}
	csrPath := c.String("csr")
	rb, err := e.loadBundle(csrPath, c.String("passin"))
	if err != nil {
		return err
	}
	if len(rb.CSRs) == 0 {
		return inputErr(csrPath, fmt.Errorf("no certificate request in it (it holds %s)", rb.Summary()))
	}
	csr := rb.CSRs[0]
	caCert, caKey, err := e.loadCA(c)
	if err != nil {
		return err
	}
	if profile.IsServer() && sans.Empty() && !c.Bool("copy-sans") {
		if csrSANs := pki.SANsOfCSR(csr); !csrSANs.Empty() {
			return usageErr("a server certificate needs SANs: the CSR asks for %s; add --copy-sans to copy them, or give --san", csrSANs)
		}
	}
	cert, err := pki.SignCSR(csr, caCert, caKey, pki.SignOptions{Profile: profile, Days: c.Int("days"),
		CopySANs: c.Bool("copy-sans"), SANs: sans, PathLen: c.Int("path-len")})
	if err != nil {
		var ce *pki.CSRError
		if errors.As(err, &ce) {
			return inputErr(csrPath, err)
		}
		if errors.Is(err, pki.ErrServerNeedsSAN) {
			return usageErr("%w", err)
		}
		if notIssuer(caCert) {
			return inputErr(c.String("ca"), err)
		}
		return err
	}
	data := pki.EncodeCertsPEM(cert)
	if out == "" {
		if e.JSON {
			return e.writeJSON(issuedJSON("", cert, caCert, data))
		}
		_, err := e.Stdout.Write(data)
		return err
	}
	if err := writeFiles(c.Bool("force"), outFile{Path: out, Data: data, Mode: modePublic}); err != nil {
		return err
	}
	if e.JSON {
		return e.writeJSON(issuedJSON(out, cert, caCert, data))
	}
	describeIssued(e, out, cert, caCert)
	return nil
}

// issuedJSON is the --json report of cert new and cert sign: the
// certificate written to file, or, without --out, its PEM.
func issuedJSON(file string, cert, ca *x509.Certificate, certPEM []byte) map[string]any {
	j := map[string]any{
		"subject":     cert.Subject.String(),
		"issuer":      cert.Issuer.String(),
		"self_signed": ca == nil,
		"serial":      strings.ToUpper(cert.SerialNumber.Text(16)),
		"not_before":  cert.NotBefore.UTC().Format(time.RFC3339),
		"not_after":   cert.NotAfter.UTC().Format(time.RFC3339),
		"is_ca":       cert.IsCA,
		"sans":        append([]string{}, pki.SANsOf(cert).List()...),
	}
	if file != "" {
		j["file"] = file
		j["mode"] = "0644"
	} else {
		j["pem"] = string(certPEM)
	}
	return j
}
