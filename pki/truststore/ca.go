package truststore

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/wsskit/wsskit/pki"
)

// ErrNotCA is returned by NewCA for a certificate that is not a CA
// (basicConstraints CA:FALSE or absent): no store should anchor trust in it.
var ErrNotCA = errors.New("truststore: not a CA certificate")

// CA is a CA certificate with the labels wsskit gives it in every store.
type CA struct {
	// Cert is the CA certificate.
	Cert *x509.Certificate
	// Name is the display name: the subject's common name, else its first
	// organization, else the whole subject.
	Name string
	// Nickname labels the CA in NSS databases and is shown for the macOS
	// keychain: "NAME (3FA1B2C3)". It never holds a colon, which NSS reads
	// as "token:nickname".
	Nickname string
	// Alias is the Java keystore alias: Nickname in lower case (keytool
	// folds aliases to lower case anyway).
	Alias string
	// FileName is the anchor file name in a Linux system store:
	// "wsskit-NAME-3fa1b2c3.crt" (no doubled prefix when NAME starts with
	// "wsskit").
	FileName string
	// SHA256 is the certificate's SHA-256 fingerprint, OpenSSL style
	// (upper-case hex pairs joined by colons).
	SHA256 string
	// SHA1 is the SHA-1 thumbprint in upper-case hex without separators, as
	// the macOS and Windows tools take it.
	SHA1 string
	// PEM is the certificate as one PEM block.
	PEM []byte
}

// shortFP returns the first four bytes of the SHA-256 fingerprint as eight
// upper-case hex digits.
func shortFP(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:4]))
}

// NewCA checks that cert is a CA certificate and derives its labels.
func NewCA(cert *x509.Certificate) (*CA, error) {
	if cert == nil {
		return nil, errors.New("truststore: no certificate")
	}
	if !cert.BasicConstraintsValid || !cert.IsCA {
		return nil, fmt.Errorf("%w: %s has basicConstraints CA:FALSE (or none); trust the CA that issued it instead", ErrNotCA, cert.Subject)
	}
	name := displayName(cert)
	fp := shortFP(cert)
	nick := name + " (" + fp + ")"
	s256 := sha256.Sum256(cert.Raw)
	s1 := sha1.Sum(cert.Raw)
	return &CA{
		Cert:     cert,
		Name:     name,
		Nickname: nick,
		Alias:    strings.ToLower(nick),
		FileName: "wsskit-" + slug(name) + "-" + strings.ToLower(fp) + ".crt",
		SHA256:   pki.Fingerprint(s256[:]),
		SHA1:     strings.ToUpper(hex.EncodeToString(s1[:])),
		PEM:      pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}),
	}, nil
}

// maxNameRunes bounds the name part of labels: NSS and keytool take long
// names, but a label that fills a terminal line helps nobody.
const maxNameRunes = 64

// displayName picks a readable name for the CA and makes it safe as an NSS
// nickname and a keytool alias: printable, no colon, single spaces.
func displayName(c *x509.Certificate) string {
	name := c.Subject.CommonName
	if strings.TrimSpace(name) == "" && len(c.Subject.Organization) > 0 {
		name = c.Subject.Organization[0]
	}
	if strings.TrimSpace(name) == "" {
		name = c.Subject.String()
	}
	var b strings.Builder
	space := false
	n := 0
	for _, r := range name {
		if n >= maxNameRunes {
			break
		}
		switch {
		case unicode.IsSpace(r) || !unicode.IsPrint(r):
			space = b.Len() > 0
			continue
		case r == ':': // NSS: "token:nickname"
			r = '-'
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	if b.Len() == 0 {
		return "CA"
	}
	return b.String()
}

// slug turns a name into the lower-case ASCII word used in file names.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			if b.Len() >= 48 {
				break
			}
			continue
		}
		dash = true
	}
	s := strings.TrimPrefix(b.String(), "wsskit")
	s = strings.TrimLeft(s, "-")
	if s == "" {
		return "ca"
	}
	return s
}

var (
	nicknameRe = regexp.MustCompile(`^.+ \(([0-9A-F]{8})\)$`)
	aliasRe    = regexp.MustCompile(`^.+ \(([0-9a-f]{8})\)$`)
	fileNameRe = regexp.MustCompile(`^wsskit-[a-z0-9-]+-([0-9a-f]{8})\.crt$`)
)

// labelFP returns the fingerprint digits a wsskit label carries, or "" when
// the label is not one wsskit makes.
func labelFP(re *regexp.Regexp, label string) string {
	m := re.FindStringSubmatch(label)
	if m == nil {
		return ""
	}
	return strings.ToUpper(m[1])
}

// Entry is a CA found in a store under a wsskit label (List without a CA).
type Entry struct {
	Store  Kind   `json:"store"`
	Target string `json:"target"`
	// Description is the store in words, as in Result.Description.
	Description string `json:"description"`
	Label       string `json:"label"`
	Subject     string `json:"subject"`
	SHA256      string `json:"sha256_fingerprint"`
	// Trusted reports that the store trusts it for TLS servers (NSS trust
	// flag C, the system bundle holds it, a Java trustedCertEntry).
	Trusted bool `json:"trusted"`
}

func newEntry(t target, label string, c *x509.Certificate, trusted bool) Entry {
	s := sha256.Sum256(c.Raw)
	return Entry{Store: t.kind(), Target: t.name(), Description: t.description(), Label: label, Subject: c.Subject.String(), SHA256: pki.Fingerprint(s[:]), Trusted: trusted}
}

// parsePEMCerts returns the DER of every CERTIFICATE (or TRUSTED
// CERTIFICATE, as p11-kit writes) block in data. Text around the blocks is
// ignored.
func parsePEMCerts(data []byte) [][]byte {
	var out [][]byte
	for i := 0; i < 100000; i++ {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			out = append(out, b.Bytes)
		case "TRUSTED CERTIFICATE":
			// OpenSSL's trusted form: the certificate followed by its
			// trust settings; the certificate is the first SEQUENCE.
			if c, err := x509.ParseCertificate(b.Bytes); err == nil {
				out = append(out, c.Raw)
			} else if n := derLen(b.Bytes); n > 0 {
				out = append(out, b.Bytes[:n])
			}
		}
	}
	return out
}

// derLen returns the length of the DER element at the start of b, or 0.
func derLen(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	l := int(b[1])
	hdr := 2
	if l&0x80 != 0 {
		n := l & 0x7f
		if n == 0 || n > 3 || len(b) < 2+n {
			return 0
		}
		l = 0
		for _, x := range b[2 : 2+n] {
			l = l<<8 | int(x)
		}
		hdr += n
	}
	if hdr+l > len(b) {
		return 0
	}
	return hdr + l
}

// parseIfFP parses der and returns the certificate when the start of its
// SHA-256 fingerprint is fp (eight upper-case hex digits), else nil.
func parseIfFP(der []byte, fp string) (*x509.Certificate, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if shortFP(c) != fp {
		return nil, nil
	}
	return c, nil
}
