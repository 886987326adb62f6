package commands

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
)

func showCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Category:  catCheck,
		Usage:     "describe certificates, chains, CSRs, keys, PFX files, CRLs, DH parameters and CA folders [openssl x509/req/pkcs12/crl -text]",
		UsageText: "wsskit show [--passin SRC] [--json] FILE|DIR...",
		Description: "Inputs are recognised by content (PEM or DER, any mix of blocks), not by name.\n" +
			"JSON fields are documented in docs/show-json.md.\n\n" + example(
			"wsskit show pki/server.pem",
			"wsskit show pki/client.pfx --passin pass:changeit",
			"wsskit show --json pki/ca.pem | jq .files[0].certificates[0].validity",
			"wsskit show pki/ca/                       # a hashed CA folder",
		),
		Flags:  []cli.Flag{passinFlag(), jsonFlag()},
		Action: showAction,
	}
}

// showFile is `show --json`'s description of one input.
type showFile struct {
	File         string         `json:"file"`
	Format       string         `json:"format"`
	Summary      string         `json:"summary"`
	Certificates []pki.CertInfo `json:"certificates,omitempty"`
	Keys         []pki.KeyInfo  `json:"keys,omitempty"`
	CSRs         []pki.CSRInfo  `json:"csrs,omitempty"`
	CRLs         []pki.CRLInfo  `json:"crls,omitempty"`
	PublicKeys   []pki.KeyInfo  `json:"public_keys,omitempty"`
	DHParams     []pki.DHInfo   `json:"dh_params,omitempty"`
	PFX          *pki.PFXInfo   `json:"pfx,omitempty"` // rendered by showWriter.pfx (pfx.go)
	// CAFolder is the `capath list` report when the input is a folder.
	CAFolder *pki.CAPathReport `json:"ca_folder,omitempty"`
}

func describeBundle(path string, b *pki.Bundle, now time.Time) showFile {
	f := showFile{File: path, Format: b.Format, Summary: b.Summary()}
	if b.PFX != nil {
		info := pki.DescribePFX(b.PFX)
		f.PFX = &info
	}
	for i, c := range b.Certs {
		info := pki.DescribeCert(c, now)
		if len(b.Keys) > 0 {
			m := false
			for _, k := range b.Keys {
				m = m || pki.KeyMatches(k, c)
			}
			info.MatchesKey = &m
		}
		if i+1 < len(b.Certs) {
			ok := pki.IssuedBy(c, b.Certs[i+1])
			info.IssuedByNext = &ok
		}
		f.Certificates = append(f.Certificates, info)
	}
	for _, k := range b.Keys {
		ki := pki.DescribeKey(k)
		ki.Encrypted = b.Encrypted
		f.Keys = append(f.Keys, ki)
	}
	for _, r := range b.CSRs {
		info := pki.DescribeCSR(r)
		if len(b.Keys) > 0 {
			m := false
			for _, k := range b.Keys {
				m = m || pki.PublicKeyMatches(k, r.PublicKey)
			}
			info.MatchesKey = &m
		}
		f.CSRs = append(f.CSRs, info)
	}
	for _, l := range b.CRLs {
		f.CRLs = append(f.CRLs, pki.DescribeCRL(l, now))
	}
	for _, k := range b.PublicKeys {
		f.PublicKeys = append(f.PublicKeys, pki.DescribeKey(k))
	}
	for _, p := range b.DHParams {
		f.DHParams = append(f.DHParams, pki.DescribeDH(p))
	}
	return f
}

func showAction(c *cli.Context) error {
	e := envOf(c)
	if c.NArg() == 0 {
		return usageErr("give at least one FILE or DIR to show")
	}
	now := e.Now()
	var files []showFile
	var firstErr error
	for _, path := range c.Args().Slice() {
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			rep, err := pki.ListCAPath(path)
			if err != nil {
				return inputErr("", err)
			}
			if e.JSON {
				files = append(files, showFile{File: path, Format: "CA folder", Summary: fmt.Sprintf("%d entries", len(rep.Entries)), CAFolder: rep})
			} else {
				fmt.Fprintf(e.Stdout, "%s CA folder (as wsskit capath list shows it)\n", e.paint(e.Stdout, colorBold)(path+":"))
				printCAPathReport(e, e.Stdout, rep)
			}
			continue
		}
		b, err := e.loadBundle(path, c.String("passin"))
		if err != nil {
			if len(c.Args().Slice()) == 1 {
				return err
			}
			// Several inputs: report this one and go on with the others.
			renderError(e, err)
			if firstErr == nil {
				firstErr = silentExit(exitCode(err))
			}
			continue
		}
		sf := describeBundle(path, b, now)
		if e.JSON {
			files = append(files, sf)
			continue
		}
		renderShowFile(e, e.Stdout, sf)
	}
	if e.JSON {
		if err := e.writeJSON(map[string]any{"files": files}); err != nil {
			return err
		}
	}
	return firstErr
}

// Rendering of show's text output. Labels are padded to one column so that
// the eye finds a field quickly; problems carry a word and a colour.

type showWriter struct {
	e *Env
	w io.Writer
}

func (sw showWriter) field(label, value string) {
	if value == "" {
		return
	}
	fmt.Fprintf(sw.w, "    %-13s %s\n", label+":", value)
}

func renderShowFile(e *Env, w io.Writer, f showFile) {
	bold := e.paint(w, colorBold)
	fmt.Fprintf(w, "%s %s (%s)\n", bold(f.File+":"), f.Summary, f.Format)
	sw := showWriter{e, w}
	if f.PFX != nil {
		fmt.Fprintf(w, "  %s\n", bold("PKCS#12"))
		sw.pfx(*f.PFX)
	}
	for i, c := range f.Certificates {
		fmt.Fprintf(w, "  %s\n", bold(fmt.Sprintf("certificate %d of %d", i+1, len(f.Certificates))))
		sw.cert(c)
	}
	for i, r := range f.CSRs {
		fmt.Fprintf(w, "  %s\n", bold(fmt.Sprintf("certificate request %d of %d", i+1, len(f.CSRs))))
		sw.csr(r)
	}
	for i, k := range f.Keys {
		fmt.Fprintf(w, "  %s\n", bold(fmt.Sprintf("private key %d of %d", i+1, len(f.Keys))))
		sw.key(k)
	}
	for i, k := range f.PublicKeys {
		fmt.Fprintf(w, "  %s\n", bold(fmt.Sprintf("public key %d of %d", i+1, len(f.PublicKeys))))
		sw.key(k)
	}
	for i, l := range f.CRLs {
		fmt.Fprintf(w, "  %s\n", bold(fmt.Sprintf("CRL %d of %d", i+1, len(f.CRLs))))
		sw.crl(l)
	}
	for i, d := range f.DHParams {
		fmt.Fprintf(w, "  %s\n", bold(fmt.Sprintf("DH parameters %d of %d", i+1, len(f.DHParams))))
		sw.dh(d)
	}
}

func (sw showWriter) validity(v pki.Validity) string {
	red, yellow, green := sw.e.paint(sw.w, colorRed), sw.e.paint(sw.w, colorYellow), sw.e.paint(sw.w, colorGreen)
	span := fmt.Sprintf("%s to %s UTC (%d days)", v.NotBefore.Format("2006-01-02 15:04"), v.NotAfter.Format("2006-01-02 15:04"), v.Days)
	switch {
	case v.Expired:
		return span + " " + red(fmt.Sprintf("[expired %d days ago]", -v.DaysLeft))
	case v.NotYetValid:
		return span + " " + red("[not yet valid]")
	case v.DaysLeft < 30:
		return span + " " + yellow(fmt.Sprintf("[%d days left]", v.DaysLeft))
	}
	return span + " " + green(fmt.Sprintf("[valid, %d days left]", v.DaysLeft))
}

func sanList(s pki.SANInfo) string {
	var parts []string
	for _, d := range s.DNS {
		parts = append(parts, "DNS:"+d)
	}
	for _, ip := range s.IP {
		parts = append(parts, "IP:"+ip)
	}
	for _, m := range s.Email {
		parts = append(parts, "email:"+m)
	}
	for _, u := range s.URI {
		parts = append(parts, "URI:"+u)
	}
	return strings.Join(parts, ", ")
}

func keyLine(k pki.KeyInfo) string {
	fp := k.PublicKeySHA256
	if len(fp) > 16 {
		fp = fp[:16] + "…"
	}
	s := fmt.Sprintf("%s, public key SHA-256 %s", k.Type, fp)
	if k.Encrypted {
		s += ", encrypted"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (sw showWriter) cert(c pki.CertInfo) {
	red, yellow := sw.e.paint(sw.w, colorRed), sw.e.paint(sw.w, colorYellow)
	sw.field("subject", c.Subject)
	issuer := c.Issuer
	if c.SelfSigned {
		issuer += " (self-signed)"
	}
	sw.field("issuer", issuer)
	sw.field("validity", sw.validity(c.Validity))
	sans := sanList(c.SANs)
	if sans == "" && !c.IsCA {
		sans = yellow("[none]") + " Go, browsers and Apple ignore the CN and will reject this as a server certificate"
	}
	sw.field("SANs", sans)
	sw.field("key", keyLine(c.Key))
	sw.field("signature", c.SignatureAlgorithm)
	usage := strings.Join(c.KeyUsage, ", ")
	if len(c.ExtKeyUsage) > 0 {
		usage += "; extended: " + strings.Join(c.ExtKeyUsage, ", ")
	}
	sw.field("usage", usage)
	ca := "no"
	if c.IsCA {
		ca = "yes"
		if c.PathLen != nil {
			ca += fmt.Sprintf(", path length %d", *c.PathLen)
		}
	}
	if !c.BasicConstraints {
		ca += " (no basicConstraints extension)"
	}
	sw.field("CA", ca)
	sw.field("serial", c.Serial)
	sw.field("SKI", c.SubjectKeyID)
	sw.field("AKI", c.AuthorityKeyID)
	sw.field("subject hash", fmt.Sprintf("%s (old %s), issuer hash %s", c.SubjectHash, c.SubjectHashOld, c.IssuerHash))
	sw.field("SHA-1", c.SHA1)
	sw.field("SHA-256", c.SHA256)
	if len(c.UnhandledCritical) > 0 {
		sw.field("critical", red("[unhandled] ")+strings.Join(c.UnhandledCritical, ", "))
	}
	if len(c.CRLDistribution) > 0 {
		sw.field("CRL", strings.Join(c.CRLDistribution, ", "))
	}
	if c.MatchesKey != nil {
		if *c.MatchesKey {
			sw.field("private key", "present in this input and matches")
		} else {
			sw.field("private key", red("[mismatch]")+" the key in this input belongs to another certificate")
		}
	}
	if c.IssuedByNext != nil {
		if *c.IssuedByNext {
			sw.field("chain", "signed by the next certificate")
		} else {
			sw.field("chain", yellow("[broken]")+" not signed by the next certificate in this file")
		}
	}
}

func (sw showWriter) csr(r pki.CSRInfo) {
	red := sw.e.paint(sw.w, colorRed)
	sw.field("subject", r.Subject)
	sw.field("SANs", sanList(r.SANs))
	sw.field("key", keyLine(r.Key))
	sig := r.SignatureAlgorithm + ", verifies"
	if !r.SignatureValid {
		sig = r.SignatureAlgorithm + " " + red("[bad signature]") + " " + r.SignatureError
	}
	sw.field("signature", sig)
	if r.MatchesKey != nil {
		sw.field("private key", "present, matches: "+yesNo(*r.MatchesKey))
	}
}

func (sw showWriter) key(k pki.KeyInfo) {
	sw.field("type", k.Type)
	sw.field("size", fmt.Sprintf("%d bits", k.Bits))
	sw.field("public key", "SHA-256 "+k.PublicKeySHA256)
	if k.Private {
		sw.field("encrypted", yesNo(k.Encrypted))
	}
}

func (sw showWriter) crl(l pki.CRLInfo) {
	red := sw.e.paint(sw.w, colorRed)
	sw.field("issuer", l.Issuer)
	sw.field("issuer hash", l.IssuerHash)
	sw.field("number", l.Number)
	next := l.NextUpdate.Format("2006-01-02 15:04")
	if l.Expired {
		next += " " + red("[expired]")
	}
	sw.field("updated", l.ThisUpdate.Format("2006-01-02 15:04")+" UTC, next "+next)
	sw.field("signature", l.SignatureAlgorithm)
	sw.field("revoked", fmt.Sprintf("%d certificate(s)", len(l.Revoked)))
	for _, r := range l.Revoked {
		line := r.Serial + " at " + r.RevokedAt.Format("2006-01-02 15:04")
		if r.Reason != "" {
			line += " (" + r.Reason + ")"
		}
		fmt.Fprintf(sw.w, "      %s\n", line)
	}
}

func (sw showWriter) dh(d pki.DHInfo) {
	red, green := sw.e.paint(sw.w, colorRed), sw.e.paint(sw.w, colorGreen)
	form := "PKCS#3"
	if d.X942 {
		form = "X9.42 (with q)"
	}
	sw.field("prime", fmt.Sprintf("%d bits, generator %s, %s", d.Bits, d.Generator, form))
	if d.Group != "" {
		sw.field("group", d.Group+" (RFC 7919)")
	}
	if d.OK {
		sw.field("check", green("OK")+" (openssl dhparam -check: DH parameters appear to be ok)")
	} else {
		sw.field("check", red("[invalid] ")+strings.Join(d.Check, "; "))
	}
	sw.field("note", "Go's crypto/tls never uses finite-field DH; OpenSSL-based servers with DHE suites (websocketpp/asio set_tmp_dh) read this file")
}
