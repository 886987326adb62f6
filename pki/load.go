package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// PassFunc returns the pass phrase for an encrypted input. Load calls it
// only when it meets an encrypted key or PKCS#12 file, and at most once.
type PassFunc func() ([]byte, error)

// Bundle is everything Load found in one input.
type Bundle struct {
	// Format is "PEM", "DER" or "PKCS#12".
	Format string
	Certs  []*x509.Certificate
	Keys   []crypto.Signer
	CSRs   []*x509.CertificateRequest
	CRLs   []*x509.RevocationList
	// DHParams holds PKCS#3 ("DH PARAMETERS") and X9.42 ("X9.42 DH
	// PARAMETERS") parameters.
	DHParams []*DHParams
	// PublicKeys holds bare public keys ("PUBLIC KEY" blocks).
	PublicKeys []crypto.PublicKey
	// Trust holds the OpenSSL trust settings that followed a certificate in
	// a "TRUSTED CERTIFICATE" block, keyed by that certificate; nil when
	// there were none.
	Trust map[*x509.Certificate]*TrustSettings
	// PFX is the decoded PKCS#12 file when Format is "PKCS#12".
	PFX *PFX
	// Encrypted reports that a pass phrase protected a key or the PFX.
	Encrypted bool
	// Skipped lists PEM block types Load recognised but has no use for
	// ("EC PARAMETERS").
	Skipped []string
}

// Empty reports whether the bundle holds nothing.
func (b *Bundle) Empty() bool {
	return len(b.Certs)+len(b.Keys)+len(b.CSRs)+len(b.CRLs)+len(b.DHParams)+len(b.PublicKeys) == 0 && b.PFX == nil
}

// Summary lists what the bundle holds, e.g. "2 certificates, 1 key".
func (b *Bundle) Summary() string {
	var parts []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(len(b.Certs), "certificate", "certificates")
	add(len(b.Keys), "private key", "private keys")
	add(len(b.CSRs), "CSR", "CSRs")
	add(len(b.CRLs), "CRL", "CRLs")
	add(len(b.DHParams), "set of DH parameters", "sets of DH parameters")
	add(len(b.PublicKeys), "public key", "public keys")
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// ErrEmpty is returned for an input of zero bytes (or only white space).
var ErrEmpty = errors.New("pki: input is empty")

// ErrUnrecognized is returned for an input that is neither PEM nor DER of a
// kind wsskit reads.
var ErrUnrecognized = errors.New("pki: not PEM, and not a DER certificate, CSR, CRL, private key, DH parameters or PKCS#12 file")

// LoadError explains why one PEM block or DER object could not be read.
type LoadError struct {
	// Block is the PEM type ("CERTIFICATE") or, for DER, the kind it was
	// taken for ("DER certificate").
	Block string
	// Index counts PEM blocks from 1 (0 for DER).
	Index int
	Err   error
}

func (e *LoadError) Error() string {
	if e.Index > 0 {
		return fmt.Sprintf("pki: PEM block %d (%s): %v", e.Index, e.Block, e.Err)
	}
	return fmt.Sprintf("pki: %s: %v", e.Block, e.Err)
}

func (e *LoadError) Unwrap() error { return e.Err }

// Load reads certificates, keys, CSRs, CRLs, DH parameters, public keys or a
// PKCS#12 file from data, recognising PEM or DER by content, not by file
// name. PEM text may hold any mix of blocks and surrounding text (as `openssl
// pkcs12 -nodes` writes it). Keys may be PKCS#8, PKCS#1 or SEC1, encrypted
// PKCS#8 or legacy encrypted PEM ("Proc-Type: 4,ENCRYPTED"); PKCS#12 files
// may use AES, 3DES or RC2-40. pass is asked only when something is
// encrypted; it may be nil, and then encrypted inputs fail with
// ErrPasswordRequired.
func Load(data []byte, pass PassFunc) (*Bundle, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, ErrEmpty
	}
	l := &loader{pass: pass, b: &Bundle{}}
	if bytes.Contains(data, []byte("-----BEGIN ")) {
		l.b.Format = "PEM"
		if err := l.loadPEM(data); err != nil {
			return nil, err
		}
	} else {
		if err := l.loadDER(data); err != nil {
			return nil, err
		}
	}
	if l.b.Empty() && len(l.b.Skipped) == 0 {
		return nil, ErrUnrecognized
	}
	return l.b, nil
}

type loader struct {
	pass   PassFunc
	cached []byte
	asked  bool
	b      *Bundle
}

func (l *loader) passphrase() ([]byte, error) {
	if l.asked {
		return l.cached, nil
	}
	if l.pass == nil {
		return nil, ErrPasswordRequired
	}
	p, err := l.pass()
	if err != nil {
		return nil, err
	}
	l.asked, l.cached = true, p
	return p, nil
}

func (l *loader) loadPEM(data []byte) error {
	rest := data
	index := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		index++
		if err := l.pemBlock(block); err != nil {
			return &LoadError{Block: block.Type, Index: index, Err: err}
		}
	}
	if i := bytes.Index(rest, []byte("-----BEGIN ")); i >= 0 {
		typ := string(rest[i+len("-----BEGIN "):])
		if j := strings.Index(typ, "-----"); j >= 0 {
			typ = typ[:j]
		} else {
			typ = "?"
		}
		return &LoadError{Block: typ, Index: index + 1, Err: errors.New("truncated or damaged PEM block (no matching END line, or bad base64)")}
	}
	if index == 0 {
		return ErrUnrecognized
	}
	return nil
}

func (l *loader) pemBlock(block *pem.Block) error {
	switch block.Type {
	case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE":
		der := block.Bytes
		var ts *TrustSettings
		if block.Type == "TRUSTED CERTIFICATE" {
			// OpenSSL appends its trust settings (X509_CERT_AUX) after the
			// certificate; it refuses the block when they are malformed.
			der = firstElement(der)
			if aux := block.Bytes[len(der):]; len(aux) > 0 {
				var err error
				if ts, err = ParseTrustSettings(aux); err != nil {
					return err
				}
			}
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return err
		}
		l.b.Certs = append(l.b.Certs, c)
		if ts != nil {
			if l.b.Trust == nil {
				l.b.Trust = map[*x509.Certificate]*TrustSettings{}
			}
			l.b.Trust[c] = ts
		}
	case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
		r, err := x509.ParseCertificateRequest(block.Bytes)
		if err != nil {
			return err
		}
		l.b.CSRs = append(l.b.CSRs, r)
	case "X509 CRL":
		c, err := x509.ParseRevocationList(block.Bytes)
		if err != nil {
			return err
		}
		l.b.CRLs = append(l.b.CRLs, c)
	case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
		der := block.Bytes
		if block.Headers["Proc-Type"] != "" {
			p, err := l.passphrase()
			if err != nil {
				return err
			}
			if der, err = DecryptLegacyPEM(block, p); err != nil {
				return err
			}
			l.b.Encrypted = true
		}
		k, err := ParsePrivateKeyDER(der)
		if err != nil {
			return err
		}
		l.b.Keys = append(l.b.Keys, k)
	case "ENCRYPTED PRIVATE KEY":
		p, err := l.passphrase()
		if err != nil {
			return err
		}
		k, err := DecryptPKCS8(block.Bytes, p)
		if err != nil {
			return err
		}
		l.b.Encrypted = true
		l.b.Keys = append(l.b.Keys, k)
	case "DH PARAMETERS", "X9.42 DH PARAMETERS":
		p, err := ParseDHParams(pem.EncodeToMemory(block))
		if err != nil {
			return err
		}
		l.b.DHParams = append(l.b.DHParams, p)
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return err
		}
		l.b.PublicKeys = append(l.b.PublicKeys, k)
	case "EC PARAMETERS":
		l.b.Skipped = append(l.b.Skipped, block.Type)
	case "PKCS12":
		return l.loadPFX(block.Bytes)
	default:
		return fmt.Errorf("unsupported PEM block type %q", block.Type)
	}
	return nil
}

// firstElement returns the first complete DER element of b, or b.
func firstElement(b []byte) []byte {
	s := cryptobyte.String(b)
	var elem cryptobyte.String
	var tag cbasn1.Tag
	if s.ReadAnyASN1Element(&elem, &tag) {
		return elem
	}
	return b
}

func (l *loader) loadPFX(der []byte) error {
	// Try without a pass phrase first: ParsePFX then tries the empty one,
	// which OpenSSL writes with -passout pass: (and which a MAC-less file
	// needs). Ask only when the file really is protected.
	pfx, err := ParsePFX(der, nil)
	if errors.Is(err, ErrPasswordRequired) {
		var p []byte
		if p, err = l.passphrase(); err != nil {
			return err
		}
		pfx, err = ParsePFX(der, p)
	}
	if err != nil {
		return err
	}
	l.b.Format = "PKCS#12"
	l.b.PFX = pfx
	l.b.Encrypted = pfx.MAC != nil || pfxHasEncryptedSafe(pfx)
	if pfx.Key != nil {
		l.b.Keys = append(l.b.Keys, pfx.Key)
	}
	if pfx.Leaf != nil {
		l.b.Certs = append(l.b.Certs, pfx.Leaf)
	}
	l.b.Certs = append(l.b.Certs, pfx.Chain...)
	return nil
}

func pfxHasEncryptedSafe(p *PFX) bool {
	for _, s := range p.Safes {
		if s.Encrypted {
			return true
		}
	}
	return false
}

// loadDER tries each DER kind in turn. The first structural match wins, so
// a malformed object of a recognised shape reports its own error.
func (l *loader) loadDER(data []byte) error {
	l.b.Format = "DER"
	if looksLikePFX(data) {
		if err := l.loadPFX(data); err != nil {
			return &LoadError{Block: "PKCS#12", Err: err}
		}
		return nil
	}
	if c, err := x509.ParseCertificate(data); err == nil {
		l.b.Certs = append(l.b.Certs, c)
		return nil
	}
	if r, err := x509.ParseCertificateRequest(data); err == nil {
		l.b.CSRs = append(l.b.CSRs, r)
		return nil
	}
	if c, err := x509.ParseRevocationList(data); err == nil {
		l.b.CRLs = append(l.b.CRLs, c)
		return nil
	}
	if k, err := ParsePrivateKeyDER(data); err == nil {
		l.b.Keys = append(l.b.Keys, k)
		return nil
	}
	if looksLikeEncryptedPKCS8(data) {
		p, err := l.passphrase()
		if err != nil {
			return &LoadError{Block: "DER encrypted private key", Err: err}
		}
		k, err := DecryptPKCS8(data, p)
		if err != nil {
			return &LoadError{Block: "DER encrypted private key", Err: err}
		}
		l.b.Encrypted = true
		l.b.Keys = append(l.b.Keys, k)
		return nil
	}
	if k, err := x509.ParsePKIXPublicKey(data); err == nil {
		l.b.PublicKeys = append(l.b.PublicKeys, k)
		return nil
	}
	if looksLikeDHParams(data) {
		p, err := ParseDHParams(data)
		if err != nil {
			return &LoadError{Block: "DER DH parameters", Err: err}
		}
		l.b.DHParams = append(l.b.DHParams, p)
		return nil
	}
	if s := cryptobyte.String(data); !isWellFormedDER(s) {
		return ErrUnrecognized
	}
	// Well-formed DER of an unknown kind: say what we can, and why a
	// certificate parse failed, since that is the most common intent.
	_, err := x509.ParseCertificate(data)
	return fmt.Errorf("%w (as a certificate: %v)", ErrUnrecognized, err)
}

func isWellFormedDER(s cryptobyte.String) bool {
	var elem cryptobyte.String
	var tag cbasn1.Tag
	return s.ReadAnyASN1Element(&elem, &tag) && s.Empty()
}

// looksLikePFX matches PFX ::= SEQUENCE { version INTEGER (3), authSafe
// ContentInfo, ... }, in DER or in the BER with indefinite lengths that
// Windows and Java exports may use.
func looksLikePFX(data []byte) bool {
	if bytes.HasPrefix(data, []byte{0x30, 0x80, 0x02, 0x01, 0x03}) {
		return true
	}
	s := cryptobyte.String(data)
	var pfx, ci cryptobyte.String
	var version int
	if !s.ReadASN1(&pfx, cbasn1.SEQUENCE) || !pfx.ReadASN1Integer(&version) || version != 3 {
		return false
	}
	return pfx.ReadASN1(&ci, cbasn1.SEQUENCE)
}

// looksLikeEncryptedPKCS8 matches EncryptedPrivateKeyInfo ::= SEQUENCE {
// AlgorithmIdentifier, OCTET STRING }.
func looksLikeEncryptedPKCS8(data []byte) bool {
	s := cryptobyte.String(data)
	var epki, algo cryptobyte.String
	if !s.ReadASN1(&epki, cbasn1.SEQUENCE) || !epki.ReadASN1(&algo, cbasn1.SEQUENCE) {
		return false
	}
	var oid cryptobyte.String
	if !algo.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) {
		return false
	}
	var octets cryptobyte.String
	if !epki.ReadASN1(&octets, cbasn1.OCTET_STRING) {
		return false
	}
	return len(octets) > 0 && epki.Empty()
}

// looksLikeDHParams matches DHParameter ::= SEQUENCE { prime INTEGER, base
// INTEGER, privateValueLength INTEGER OPTIONAL } (and X9.42's p, g, q) with
// a prime of at least 256 bits, to avoid claiming arbitrary small sequences.
func looksLikeDHParams(data []byte) bool {
	s := cryptobyte.String(data)
	var seq, p cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() || !seq.ReadASN1(&p, cbasn1.INTEGER) || len(p) < 32 {
		return false
	}
	var g cryptobyte.String
	return seq.ReadASN1(&g, cbasn1.INTEGER)
}
