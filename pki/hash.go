package pki

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// This file computes OpenSSL's subject-name hashes (OPENSSL-COMPAT.md §1.1,
// §1.2): X509_NAME_hash_ex, used by `openssl rehash`, -CApath lookups and
// `x509 -subject_hash`, and the MD5 X509_NAME_hash_old. It also finds the
// raw names inside certificates, CRLs and CSRs without crypto/x509, whose
// parser rejects names OpenSSL accepts.

// ErrMalformedDER reports a certificate, CRL or CSR whose outer structure
// could not be walked to its names.
var ErrMalformedDER = errors.New("pki: malformed DER structure")

// rnConverted reports whether OpenSSL's name canonicalisation converts values
// of this tag to UTF-8 (ASN1_MASK_CANON).
func rnConverted(tag int) bool {
	switch tag {
	case rnTagUTF8, rnTagPrintable, rnTagT61, rnTagIA5, 26, rnTagUniversal, rnTagBMP:
		return true
	}
	return false
}

// isOpenSSLSpace is ossl_isspace: the six ASCII whitespace bytes only.
func isOpenSSLSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

// CanonicalValue returns the value as OpenSSL's asn1_string_canon leaves it:
// for the text types (UTF8, Printable, T61, IA5, BMP, Universal) a
// UTF8String element holding the value converted to UTF-8, without leading
// and trailing whitespace, inner whitespace runs collapsed to one space and
// ASCII letters lowered; for every other type its re-encoding (Encoded).
// Whitespace is the six ASCII bytes 0x09-0x0D and 0x20 only; bytes >= 0x80
// are copied untouched (no Unicode case folding or normalisation).
func (a AVA) CanonicalValue() []byte {
	if !rnConverted(a.Tag) {
		return a.Encoded()
	}
	var u []byte
	switch rnCharWidth(a.Tag) {
	case 0:
		u = a.Value
	default:
		u = make([]byte, 0, len(a.Value)+8)
		rnEachRune(a.Tag, a.Value, func(r rune) { u = appendRuneUTF8(u, r) })
	}
	// Trim, collapse, lower.
	i, j := 0, len(u)
	for i < j && isOpenSSLSpace(u[i]) {
		i++
	}
	for j > i && isOpenSSLSpace(u[j-1]) {
		j--
	}
	out := make([]byte, 0, j-i)
	for k := i; k < j; {
		c := u[k]
		switch {
		case c >= 0x80:
			out = append(out, c)
			k++
		case isOpenSSLSpace(c):
			out = append(out, ' ')
			for k < j && isOpenSSLSpace(u[k]) {
				k++
			}
		default:
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			out = append(out, c)
			k++
		}
	}
	return rnTLV(rnTagUTF8, out)
}

func appendRuneUTF8(b []byte, r rune) []byte {
	switch {
	case r < 0x80:
		return append(b, byte(r))
	case r < 0x800:
		return append(b, 0xc0|byte(r>>6), 0x80|byte(r)&0x3f)
	case r < 0x10000:
		return append(b, 0xe0|byte(r>>12), 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
	default:
		return append(b, 0xf0|byte(r>>18), 0x80|byte(r>>12)&0x3f, 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
	}
}

// Canonical returns the bytes OpenSSL hashes and compares names by
// (x509_name_canon): every non-empty RDN as a DER SET of
// SEQUENCE{OID, CanonicalValue}, its members sorted by their encoding,
// concatenated without the outer SEQUENCE. The empty Name (or one with only
// empty RDNs) gives no bytes. Two names are equal for OpenSSL
// (X509_NAME_cmp) exactly when their canonical forms are equal. n should
// come from ParseName.
func (n Name) Canonical() []byte {
	var out []byte
	var elems [][]byte
	for _, rdn := range n {
		if len(rdn) == 0 {
			continue
		}
		elems = elems[:0]
		for _, a := range rdn {
			var b cryptobyte.Builder
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(a.TypeDER) })
				b.AddBytes(a.CanonicalValue())
			})
			elems = append(elems, b.BytesOrPanic())
		}
		slices.SortFunc(elems, bytes.Compare) // DER SET OF order: bytewise, shorter first
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			for _, e := range elems {
				b.AddBytes(e)
			}
		})
		out = append(out, b.BytesOrPanic()...)
	}
	return out
}

// CanonicalName parses a Name and returns its canonical form (see
// Name.Canonical), or ParseName's error.
func CanonicalName(der []byte) ([]byte, error) {
	n, err := ParseName(der)
	if err != nil {
		return nil, err
	}
	return n.Canonical(), nil
}

// Hash returns the name's OpenSSL subject hash (X509_NAME_hash_ex): the
// first four bytes of SHA-1 over Canonical, little-endian.
func (n Name) Hash() uint32 {
	sum := sha1.Sum(n.Canonical())
	return binary.LittleEndian.Uint32(sum[:4])
}

// NameHash returns OpenSSL 3.0's subject hash of a DER Name (the complete
// SEQUENCE, e.g. Certificate.RawSubject): the value of `openssl x509
// -subject_hash`, `-issuer_hash`, `openssl crl -hash` and the HASH in the
// HASH.N file names of `openssl rehash` and -CApath folders. The error is
// ParseName's for names OpenSSL refuses to load (errors.Is
// ErrUnsupportedName or ErrMalformedName).
func NameHash(der []byte) (uint32, error) {
	n, err := ParseName(der)
	if err != nil {
		return 0, err
	}
	return n.Hash(), nil
}

// NameHashOld returns OpenSSL's old (pre-1.0) subject hash,
// X509_NAME_hash_old: MD5 of the Name's encoding exactly as given (string
// types, case, spacing and set order preserved), first four bytes
// little-endian. It is what `-subject_hash_old` prints and `rehash -old`
// links.
func NameHashOld(der []byte) uint32 {
	sum := md5.Sum(der)
	return binary.LittleEndian.Uint32(sum[:4])
}

// FormatHash writes a hash as OpenSSL does: eight lowercase hex digits.
func FormatHash(h uint32) string {
	const hexd = "0123456789abcdef"
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = hexd[h&15]
		h >>= 4
	}
	return string(b[:])
}

// ParseHash reads eight hex digits (either case) as written by FormatHash.
func ParseHash(s string) (uint32, error) {
	if len(s) != 8 {
		return 0, fmt.Errorf("pki: subject hash %q is not 8 hex digits", s)
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("pki: subject hash %q is not 8 hex digits", s)
	}
	return uint32(v), nil
}

// derWalker walks the outer BER structure of a signed object.
type derWalker struct {
	what string // "certificate", "CRL", "CSR" for errors
}

func (w derWalker) fail(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformedDER, w.what, fmt.Sprintf(format, args...))
}

// tbs returns the children of the to-be-signed SEQUENCE of a SIGNED{}
// structure. Bytes after the outer SEQUENCE are ignored, as OpenSSL's d2i
// does.
func (w derWalker) tbs(der []byte) ([]berTLV, error) {
	outer, _, err := berNext(der)
	if err != nil {
		return nil, w.fail("%v", err)
	}
	if outer.class != 0 || outer.tag != rnTagSequence || !outer.cons {
		return nil, w.fail("not a SEQUENCE")
	}
	tbs, _, err := berNext(outer.body)
	if err != nil {
		return nil, w.fail("to-be-signed part: %v", err)
	}
	if tbs.class != 0 || tbs.tag != rnTagSequence || !tbs.cons {
		return nil, w.fail("to-be-signed part is not a SEQUENCE")
	}
	var kids []berTLV
	body := tbs.body
	for len(body) > 0 && len(kids) < 16 {
		k, rest, err := berNext(body)
		if err != nil {
			return nil, w.fail("field %d: %v", len(kids)+1, err)
		}
		kids = append(kids, k)
		body = rest
	}
	return kids, nil
}

func isSeq(t berTLV) bool { return t.class == 0 && t.tag == rnTagSequence && t.cons }

// CertNames returns the raw subject and issuer Names of a DER certificate,
// exactly as encoded (the bytes NameHash and NameHashOld take), by walking
// the TBSCertificate without crypto/x509. The names are not validated; pass
// them to ParseName for that.
func CertNames(certDER []byte) (subject, issuer []byte, err error) {
	w := derWalker{"certificate"}
	f, err := w.tbs(certDER)
	if err != nil {
		return nil, nil, err
	}
	if len(f) > 0 && f[0].class == 2 && f[0].tag == 0 { // [0] EXPLICIT version
		f = f[1:]
	}
	// serialNumber, signature, issuer, validity, subject
	if len(f) < 5 {
		return nil, nil, w.fail("TBSCertificate has %d fields", len(f))
	}
	if f[0].class != 0 || f[0].tag != 2 {
		return nil, nil, w.fail("serial number is not an INTEGER")
	}
	if !isSeq(f[1]) || !isSeq(f[2]) || !isSeq(f[3]) || !isSeq(f[4]) {
		return nil, nil, w.fail("signature algorithm, issuer, validity or subject is not a SEQUENCE")
	}
	return f[4].full, f[2].full, nil
}

// CRLIssuerName returns the raw issuer Name of a DER CRL.
func CRLIssuerName(crlDER []byte) ([]byte, error) {
	w := derWalker{"CRL"}
	f, err := w.tbs(crlDER)
	if err != nil {
		return nil, err
	}
	if len(f) > 0 && f[0].class == 0 && f[0].tag == 2 { // version
		f = f[1:]
	}
	if len(f) < 2 || !isSeq(f[0]) || !isSeq(f[1]) {
		return nil, w.fail("signature algorithm or issuer is not a SEQUENCE")
	}
	return f[1].full, nil
}

// CSRSubjectName returns the raw subject Name of a DER PKCS#10 request.
func CSRSubjectName(csrDER []byte) ([]byte, error) {
	w := derWalker{"CSR"}
	f, err := w.tbs(csrDER)
	if err != nil {
		return nil, err
	}
	if len(f) < 2 || f[0].class != 0 || f[0].tag != 2 || !isSeq(f[1]) {
		return nil, w.fail("CertificationRequestInfo does not start with version and subject")
	}
	return f[1].full, nil
}

// pemObject is one PEM block as OpenSSL's PEM_read_bio returns it.
type pemObject struct {
	typ    string // the label, e.g. "CERTIFICATE"
	header int    // length of the header text (OpenSSL treats > 10 as encrypted)
	der    []byte
}

// scanPEM splits data into PEM objects the way OpenSSL's PEM_read_bio
// reads them one after the other: text outside objects is skipped, a BEGIN
// line must end with "-----", the END line must name the same label, and
// the body is base64 (whitespace ignored). ok is false when the data holds
// a malformed object (OpenSSL then fails the whole read); objs are the
// objects before it.
func scanPEM(data []byte) (objs []pemObject, ok bool) {
	const begin, end, dashes = "-----BEGIN ", "-----END ", "-----"
	nextLine := func() []byte {
		i := bytes.IndexByte(data, '\n')
		var line []byte
		if i < 0 {
			line, data = data, nil
		} else {
			line, data = data[:i], data[i+1:]
		}
		return bytes.TrimRight(line, " \t\r")
	}
	for len(data) > 0 {
		// Fast skip to the next line starting with a BEGIN marker.
		if !bytes.HasPrefix(data, []byte(begin)) {
			i := bytes.Index(data, []byte("\n"+begin))
			if i < 0 {
				return objs, true
			}
			data = data[i+1:]
		}
		line := nextLine()
		if len(line) < len(begin)+len(dashes) || !bytes.HasSuffix(line, []byte(dashes)) {
			continue // not a BEGIN line after all: OpenSSL keeps looking
		}
		typ := string(line[len(begin) : len(line)-len(dashes)])
		var body []byte
		header := 0
		first := true
		inHeader := false
		for {
			if len(data) == 0 {
				return objs, false // no END line
			}
			l := nextLine()
			if bytes.HasPrefix(l, []byte(end)) {
				if string(l) != end+typ+dashes {
					return objs, false
				}
				break
			}
			if first && bytes.IndexByte(l, ':') >= 0 {
				inHeader = true
			}
			first = false
			if inHeader {
				if len(bytes.TrimSpace(l)) == 0 {
					inHeader = false
				} else {
					header += len(l) + 1
				}
				continue
			}
			body = append(body, l...)
		}
		body = bytes.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, body)
		der := make([]byte, base64.StdEncoding.DecodedLen(len(body)))
		n, err := base64.StdEncoding.Decode(der, body)
		if err != nil {
			return objs, false
		}
		objs = append(objs, pemObject{typ: typ, header: header, der: der[:n]})
	}
	return objs, true
}

// Object kinds found in PEM files.
const (
	objCert = iota + 1
	objCRL
	objKey
	objOther
)

// pemKind classifies a PEM label like PEM_X509_INFO_read_bio.
func pemKind(typ string) int {
	switch {
	case typ == "CERTIFICATE" || typ == "X509 CERTIFICATE" || typ == "TRUSTED CERTIFICATE":
		return objCert
	case typ == "X509 CRL":
		return objCRL
	case strings.Contains(typ, "PRIVATE KEY"):
		return objKey
	}
	return objOther
}

// certElement returns the certificate element of a CERTIFICATE block (for
// TRUSTED CERTIFICATE, the certificate before OpenSSL's trust data).
func certElement(der []byte) ([]byte, error) {
	e, _, err := berNext(der)
	if err != nil {
		return nil, fmt.Errorf("%w: certificate: %v", ErrMalformedDER, err)
	}
	return e.full, nil
}

// checkSigned checks the outer SIGNED{} shape: SEQUENCE{tbs SEQUENCE,
// AlgorithmIdentifier SEQUENCE, BIT STRING}.
func checkSigned(der []byte, what string) error {
	w := derWalker{what}
	outer, _, err := berNext(der)
	if err != nil || !isSeq(outer) {
		return w.fail("not a SEQUENCE")
	}
	var kids []berTLV
	for body := outer.body; len(body) > 0 && len(kids) < 4; {
		k, rest, err := berNext(body)
		if err != nil {
			return w.fail("%v", err)
		}
		kids = append(kids, k)
		body = rest
	}
	if len(kids) != 3 || !isSeq(kids[0]) || !isSeq(kids[1]) || kids[2].class != 0 || kids[2].tag != rnTagBitString {
		return w.fail("not a signed SEQUENCE{data, algorithm, signature}")
	}
	return nil
}

// loadableCert reports whether OpenSSL would load this certificate DER as
// far as wsskit can tell without a full parse: the signed structure, the
// TBSCertificate fields up to the subject, and both names (OpenSSL refuses
// the certificate when either name is refused). It returns the raw subject.
func loadableCert(der []byte) (subject []byte, err error) {
	if err := checkSigned(der, "certificate"); err != nil {
		return nil, err
	}
	subject, issuer, err := CertNames(der)
	if err != nil {
		return nil, err
	}
	if _, err := ParseName(issuer); err != nil {
		return nil, fmt.Errorf("issuer: %w", err)
	}
	if _, err := ParseName(subject); err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	return subject, nil
}

// loadableCRL is loadableCert for CRLs; it returns the raw issuer.
func loadableCRL(der []byte) (issuer []byte, err error) {
	if err := checkSigned(der, "CRL"); err != nil {
		return nil, err
	}
	issuer, err = CRLIssuerName(der)
	if err != nil {
		return nil, err
	}
	if _, err := ParseName(issuer); err != nil {
		return nil, fmt.Errorf("issuer: %w", err)
	}
	return issuer, nil
}

// readPEMCerts reproduces X509_load_cert_file in PEM mode: every certificate
// of the file in order, other objects skipped. complete is false when
// reading stopped early on a malformed object (OpenSSL keeps the
// certificates read before it but reports failure).
func readPEMCerts(data []byte) (certs [][]byte, complete bool) {
	objs, clean := scanPEM(data)
	for _, o := range objs {
		if pemKind(o.typ) != objCert {
			continue
		}
		der, err := certElement(o.der)
		if err != nil {
			return certs, false
		}
		if _, err := loadableCert(der); err != nil {
			return certs, false
		}
		certs = append(certs, der)
	}
	return certs, clean
}

// readPEMCRLs is readPEMCerts for X509_load_crl_file.
func readPEMCRLs(data []byte) (crls [][]byte, complete bool) {
	objs, clean := scanPEM(data)
	for _, o := range objs {
		if pemKind(o.typ) != objCRL {
			continue
		}
		if _, err := loadableCRL(o.der); err != nil {
			return crls, false
		}
		crls = append(crls, o.der)
	}
	return crls, clean
}
