package commands

import (
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
)

func hashCommand() *cli.Command {
	return &cli.Command{
		Name:      "hash",
		Category:  catCheck,
		Usage:     "subject hash, old hash, issuer hash and SHA-1/SHA-256 fingerprints [openssl x509 -subject_hash -subject_hash_old -issuer_hash -fingerprint]",
		UsageText: "wsskit hash [--only FIELD] [--passin SRC] [--json] FILE...",
		Description: `Prints, for every certificate, CRL and certificate request in each FILE (PEM
with any number of blocks, DER, or PKCS#12 with --passin), the hashes OpenSSL
files and finds it by in a -CApath folder: the subject hash (x509
-subject_hash, the HASH of HASH.0), the old MD5 hash (-subject_hash_old), the
issuer hash (-issuer_hash; for a CRL, crl -hash and its HASH.r0 name) and the
SHA-1 and SHA-256 fingerprints. Hashes are computed from the names exactly as
encoded, like OpenSSL, including names Go's own parser rejects; a name OpenSSL
refuses to load is reported instead of hashed.

--only prints just one value per object, one per line, like openssl's single
options: subject_hash, subject_hash_old, issuer_hash, issuer_hash_old, sha1,
sha256, capath_name.

--json prints {"files": [{"file", "objects": [{"type", "subject",
"subject_hash", "subject_hash_old", "issuer", "issuer_hash", "issuer_hash_old",
"sha1", "sha256", "capath_name", "error"}], "error"}]}.

Exit status: 0, or 3 when a file cannot be read, holds nothing to hash, or
holds a name OpenSSL refuses (the other files are still printed).

` + example(
			"wsskit hash pki/ca.pem",
			"wsskit hash --only subject_hash pki/ca.pem        # same as openssl x509 -noout -subject_hash",
			"wsskit hash chain.pem ca.crl --json",
		),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "only", Usage: "print only this value: subject_hash, subject_hash_old, issuer_hash, issuer_hash_old, sha1, sha256 or capath_name"},
			passinFlag(),
			jsonFlag(),
		},
		Action: hashAction,
	}
}

// hashFile is `hash --json`'s report of one input.
type hashFile struct {
	File    string             `json:"file"`
	Objects []pki.ObjectHashes `json:"objects"`
	Error   string             `json:"error,omitempty"`
}

// hashOnlyFields maps --only values to the field they select.
var hashOnlyFields = map[string]func(pki.ObjectHashes) string{
	"subject_hash":     func(h pki.ObjectHashes) string { return h.SubjectHash },
	"subject_hash_old": func(h pki.ObjectHashes) string { return h.SubjectHashOld },
	"issuer_hash":      func(h pki.ObjectHashes) string { return h.IssuerHash },
	"issuer_hash_old":  func(h pki.ObjectHashes) string { return h.IssuerHashOld },
	"sha1":             func(h pki.ObjectHashes) string { return h.SHA1 },
	"sha256":           func(h pki.ObjectHashes) string { return h.SHA256 },
	"capath_name":      func(h pki.ObjectHashes) string { return h.CAPathName },
}

func hashAction(c *cli.Context) error {
	e := envOf(c)
	if c.NArg() == 0 {
		return usageErr("give at least one FILE")
	}
	only := c.String("only")
	var pick func(pki.ObjectHashes) string
	if only != "" {
		var ok bool
		if pick, ok = hashOnlyFields[only]; !ok {
			return usageErr("--only %q is not one of subject_hash, subject_hash_old, issuer_hash, issuer_hash_old, sha1, sha256, capath_name", only)
		}
	}
	var files []hashFile
	var errs []error
	for _, path := range c.Args().Slice() {
		f := hashFile{File: path, Objects: []pki.ObjectHashes{}}
		objs, err := e.hashObjects(path, c.String("passin"))
		if err != nil {
			f.Error = err.Error()
			errs = append(errs, err)
		}
		f.Objects = append(f.Objects, objs...)
		for _, o := range objs {
			if o.Error != "" {
				errs = append(errs, inputErr(path, fmt.Errorf("%s: OpenSSL refuses to load it: %s", o.Type, o.Error)))
			}
		}
		files = append(files, f)
	}
	if e.JSON {
		if err := e.writeJSON(map[string]any{"files": files}); err != nil {
			return err
		}
		if len(errs) > 0 {
			return silentExit(ExitInput)
		}
		return nil
	}
	for _, f := range files {
		if pick != nil {
			for _, o := range f.Objects {
				fmt.Fprintln(e.Stdout, pick(o))
			}
			continue
		}
		printHashFile(e, e.Stdout, f)
	}
	if len(errs) == 0 {
		return nil
	}
	for _, err := range errs[1:] {
		e.Warnf("%v", err)
	}
	return errs[0]
}

// hashObjects reads one input and hashes its objects. PEM and DER are read
// raw (names Go rejects included); anything else goes through the loader,
// which also opens PKCS#12.
func (e *Env) hashObjects(path, passSpec string) ([]pki.ObjectHashes, error) {
	data, err := e.readInput(path)
	if err != nil {
		return nil, err
	}
	objs, err := pki.HashObjects(data)
	if err == nil {
		return objs, nil
	}
	if !errors.Is(err, pki.ErrNoObjects) {
		return nil, inputErr(path, err)
	}
	b, lerr := pki.Load(data, e.passIn(passSpec, path))
	if lerr != nil || len(b.Certs) == 0 {
		return nil, inputErr(path, err)
	}
	for _, cert := range b.Certs {
		h, err := pki.HashObjects(cert.Raw)
		if err != nil {
			return nil, inputErr(path, err)
		}
		objs = append(objs, h...)
	}
	return objs, nil
}

func printHashFile(e *Env, w io.Writer, f hashFile) {
	bold := e.paint(w, colorBold)
	red := e.paint(w, colorRed)
	for i, o := range f.Objects {
		what := map[string]string{"certificate": "certificate", "crl": "CRL", "csr": "certificate request"}[o.Type]
		fmt.Fprintf(w, "%s: %s %d of %d\n", bold(f.File), what, i+1, len(f.Objects))
		field := func(name, value string) {
			if value != "" {
				fmt.Fprintf(w, "  %-17s %s\n", name+":", value)
			}
		}
		if o.Type != "crl" {
			field("subject", o.Subject)
			field("subject hash", o.SubjectHash)
			field("subject hash old", o.SubjectHashOld)
		}
		field("issuer", o.Issuer)
		field("issuer hash", o.IssuerHash)
		field("issuer hash old", o.IssuerHashOld)
		field("SHA-1", o.SHA1)
		field("SHA-256", o.SHA256)
		if o.CAPathName != "" {
			field("CApath name", o.CAPathName)
		}
		if o.Error != "" {
			field(red("error"), "OpenSSL refuses to load it: "+o.Error)
		}
	}
}
