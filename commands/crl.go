package commands

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
)

func crlCommand() *cli.Command {
	return &cli.Command{
		Name:     "crl",
		Category: catPKI,
		Usage:    "keep a certificate revocation list for a wsskit CA [openssl ca -gencrl, ca -revoke]",
		Subcommands: []*cli.Command{
			crlNewCommand(),
			crlRevokeCommand(),
		},
	}
}

// defaultCRLDays is OpenSSL's default_crl_days.
const defaultCRLDays = 30

func crlNewCommand() *cli.Command {
	return &cli.Command{
		Name:      "new",
		Usage:     "make an empty CRL signed by the CA [openssl ca -gencrl]",
		UsageText: "wsskit crl new --ca CERT --ca-key KEY [--days 30] [--number N] [--out F] [--force]",
		Description: `Writes a PEM "X509 CRL" (to --out or stdout) naming the CA as issuer, with its
authorityKeyIdentifier and cRLNumber (default 1), valid from now for --days.
OpenSSL-based servers check client certificates against it with -CRLfile / a CA
folder's HASH.r0 link (wsskit capath add), websocketpp with X509_V_FLAG_CRL_CHECK.

A CA whose keyUsage lacks cRLSign cannot sign CRLs OpenSSL accepts (error 35);
a CA without keyUsage at all (the stock "openssl req -x509" CA) is fine.

` + example(
			"wsskit crl new --ca pki/ca.pem --ca-key pki/ca.key --out pki/ca.crl",
			"# [openssl ca -gencrl -cert ca.pem -keyfile ca.key -out ca.crl] without the index.txt/serial/crlnumber files",
			"wsskit verify --cafile pki/ca.pem --crl pki/ca.crl --crl-check leaf pki/client.pem",
		),
		Flags: append(caFlags(),
			&cli.IntFlag{Name: "days", Value: defaultCRLDays, Usage: "days until nextUpdate (when clients consider the CRL expired: OpenSSL error 12)"},
			&cli.StringFlag{Name: "number", Value: "1", Usage: "cRLNumber, decimal"},
			passinFlag(),
			outFlag("CRL file to write (default: stdout)"),
			forceFlag(),
			jsonFlag(),
		),
		Action: crlNewAction,
	}
}

func crlNewAction(c *cli.Context) error {
	e := envOf(c)
	if err := noArgs(c); err != nil {
		return err
	}
	if c.String("ca") == "" {
		return usageErr("--ca is required (the CA certificate, with --ca-key)")
	}
	days := c.Int("days")
	if days <= 0 {
		return usageErr("--days must be positive, got %d", days)
	}
	number, ok := new(big.Int).SetString(c.String("number"), 10)
	if !ok || number.Sign() < 0 {
		return usageErr("--number must be a non-negative decimal integer, got %q", c.String("number"))
	}
	out := c.String("out")
	if out != "" {
		if err := checkNotExist(out, c.Bool("force")); err != nil {
			return err
		}
	}
	ca, key, err := e.loadCA(c)
	if err != nil {
		return err
	}
	der, err := pki.NewCRL(ca, key, nil, number, e.Now(), time.Duration(days)*24*time.Hour)
	if err != nil {
		return inputErr(c.String("ca"), err)
	}
	data := pki.EncodeCRLPEM(der)
	next := e.Now().Add(time.Duration(days) * 24 * time.Hour).UTC()
	j := map[string]any{"issuer": ca.Subject.String(), "number": number.String(), "revoked": 0, "next_update": next.Format(time.RFC3339)}
	return e.writePublicPEM(c.Bool("force"), out, data, j, func() {
		e.Notef("wrote %s: CRL number %s of %s, no revoked certificates, next update %s", out, number, ca.Subject, next.Format(time.RFC3339))
	})
}

func crlRevokeCommand() *cli.Command {
	return &cli.Command{
		Name:  "revoke",
		Usage: "add certificates to a CA's CRL and re-sign it [openssl ca -revoke, then -gencrl]",
		UsageText: "wsskit crl revoke --crl F --ca CERT --ca-key KEY [--reason R] [--serial HEX]... [CERT...]\n" +
			"                [--out F2 [--force]] [--json]",
		Description: `Adds each CERT (the first certificate in each file) and each --serial to the
CRL, then signs a new CRL with the next cRLNumber, thisUpdate now and the same
validity period as before.

In place: the CRL file given with --crl is replaced by the new CRL, atomically
(a reader sees the old CRL or the new one, never half a file) and in the same
encoding (PEM or DER). Replacing it is the point of revoke, so no --force is
needed for that. With --out the new CRL goes to F2 instead and --crl is left
untouched; F2 must not exist unless --force is given.

Revoking is idempotent: a serial already on the CRL keeps its original date and
reason (reported as "already revoked"). Every CERT must have been issued by
--ca, and the CRL must have been signed by it. --serial takes hex, as
"openssl x509 -serial" and "wsskit show" print it.

Reasons: unspecified (no reason extension, the default), keyCompromise,
CACompromise, affiliationChanged, superseded, cessationOfOperation,
certificateHold, removeFromCRL, privilegeWithdrawn, aACompromise (or the
RFC 5280 number).

` + example(
			"wsskit crl revoke --crl pki/ca.crl --ca pki/ca.pem --ca-key pki/ca.key --reason keyCompromise pki/client-2.pem",
			"# [openssl ca -revoke client-2.pem -crl_reason keyCompromise; openssl ca -gencrl -out ca.crl]",
			"wsskit crl revoke --crl ca.crl --ca ca.pem --ca-key ca.key --serial 4A3F0C --out ca-new.crl",
		),
		Flags: append(caFlags(),
			&cli.StringFlag{Name: "crl", Usage: "the CA's current CRL (PEM or DER); replaced in place unless --out is given", TakesFile: true},
			&cli.StringFlag{Name: "reason", Usage: "revocation reason, e.g. keyCompromise, superseded, cessationOfOperation (default: unspecified)"},
			&cli.StringSliceFlag{Name: "serial", Usage: "serial number to revoke, hex (repeatable)"},
			passinFlag(),
			outFlag("write the new CRL here instead of replacing --crl"),
			forceFlag(),
			jsonFlag(),
		),
		Action: crlRevokeAction,
	}
}

// crlRevokeReport is `crl revoke --json`'s output.
type crlRevokeReport struct {
	CRL        string           `json:"crl"`
	Number     string           `json:"number"`
	ThisUpdate time.Time        `json:"this_update"`
	NextUpdate time.Time        `json:"next_update"`
	Revoked    []crlRevokeEntry `json:"revoked"`
	Total      int              `json:"total_revoked"`
}

type crlRevokeEntry struct {
	Serial    string    `json:"serial"`
	Subject   string    `json:"subject,omitempty"`
	File      string    `json:"file,omitempty"`
	Reason    string    `json:"reason"`
	RevokedAt time.Time `json:"revoked_at"`
	New       bool      `json:"new"`
}

func crlRevokeAction(c *cli.Context) error {
	e := envOf(c)
	crlPath := c.String("crl")
	if crlPath == "" {
		return usageErr("--crl is required (the CRL to add to; make one with wsskit crl new)")
	}
	if c.String("ca") == "" {
		return usageErr("--ca is required (the CA that signs the CRL, with --ca-key)")
	}
	if c.NArg() == 0 && len(c.StringSlice("serial")) == 0 {
		return usageErr("nothing to revoke: give certificate files or --serial HEX")
	}
	reason, err := pki.ParseReason(c.String("reason"))
	if err != nil {
		return usageErr("--reason: %w", err)
	}
	var serials []*big.Int
	for _, s := range c.StringSlice("serial") {
		h := strings.TrimPrefix(strings.TrimPrefix(strings.ReplaceAll(s, ":", ""), "0x"), "0X")
		n, ok := new(big.Int).SetString(h, 16)
		if !ok || n.Sign() <= 0 {
			return usageErr("--serial %q is not a positive hex serial number", s)
		}
		serials = append(serials, n)
	}
	out, force := c.String("out"), c.Bool("force")
	if out == "" {
		out, force = crlPath, true // in place: replacing --crl is what revoke does
	} else if err := checkNotExist(out, force); err != nil {
		return err
	}

	data, err := e.readInput(crlPath)
	if err != nil {
		return err
	}
	old, err := pki.ParseCRL(data)
	if err != nil {
		return inputErr(crlPath, err)
	}
	isPEM := false
	if block, _ := pem.Decode(data); block != nil {
		isPEM = true
	}
	ca, key, err := e.loadCA(c)
	if err != nil {
		return err
	}
	type target struct {
		serial  *big.Int
		subject string
		file    string
	}
	var targets []target
	var certs []*x509.Certificate
	for _, path := range c.Args().Slice() {
		b, err := e.loadBundle(path, c.String("passin"))
		if err != nil {
			return err
		}
		if len(b.Certs) == 0 {
			return inputErr(path, fmt.Errorf("no certificate in it (it holds %s)", b.Summary()))
		}
		certs = append(certs, b.Certs[0])
		targets = append(targets, target{b.Certs[0].SerialNumber, b.Certs[0].Subject.String(), path})
	}
	for _, s := range serials {
		targets = append(targets, target{serial: s})
	}
	already := map[string]x509.RevocationListEntry{}
	for _, en := range old.RevokedCertificateEntries {
		already[en.SerialNumber.String()] = en
	}

	all := make([]*big.Int, 0, len(targets))
	for i, cert := range certs {
		if err := pki.CheckIssuedBy(cert, ca); err != nil {
			return inputErr(targets[i].file, err)
		}
	}
	for _, tg := range targets {
		all = append(all, tg.serial)
	}
	now := e.Now()
	der, err := pki.RevokeInCRL(old.Raw, ca, key, all, reason, now)
	if err != nil {
		return inputErr(crlPath, err)
	}
	newCRL, err := x509.ParseRevocationList(der)
	if err != nil {
		return inputErr(crlPath, fmt.Errorf("reading back the new CRL: %w", err))
	}
	outData := der
	if isPEM {
		outData = pki.EncodeCRLPEM(der)
	}
	if err := writeFiles(force, outFile{Path: out, Data: outData, Mode: modePublic}); err != nil {
		return err
	}

	rep := crlRevokeReport{CRL: out, Number: newCRL.Number.String(), ThisUpdate: newCRL.ThisUpdate.UTC(),
		NextUpdate: newCRL.NextUpdate.UTC(), Total: len(newCRL.RevokedCertificateEntries), Revoked: []crlRevokeEntry{}}
	seen := map[string]bool{}
	for _, tg := range targets {
		k := tg.serial.String()
		if seen[k] {
			continue
		}
		seen[k] = true
		en := crlRevokeEntry{Serial: strings.ToUpper(tg.serial.Text(16)), Subject: tg.subject, File: tg.file}
		if prev, ok := already[k]; ok {
			en.Reason, en.RevokedAt = reasonText(prev.ReasonCode), prev.RevocationTime.UTC()
		} else {
			en.Reason, en.RevokedAt, en.New = reasonText(reason), now.UTC().Truncate(time.Second), true
		}
		rep.Revoked = append(rep.Revoked, en)
	}
	if e.JSON {
		return e.writeJSON(rep)
	}
	for _, en := range rep.Revoked {
		who := en.Serial
		if en.Subject != "" {
			who = fmt.Sprintf("%s (%s, %s)", en.Serial, en.Subject, en.File)
		}
		if en.New {
			fmt.Fprintf(e.Stdout, "revoked %s, reason %s\n", who, en.Reason)
		} else {
			fmt.Fprintf(e.Stdout, "already revoked %s since %s, reason %s (kept)\n", who, en.RevokedAt.Format(time.RFC3339), en.Reason)
		}
	}
	fmt.Fprintf(e.Stdout, "wrote %s: CRL number %s, %d revoked, next update %s\n", out, rep.Number, rep.Total, rep.NextUpdate.Format(time.RFC3339))
	return nil
}

func reasonText(code int) string {
	if code == 0 {
		return "unspecified"
	}
	return pki.CRLReasonName(code)
}
