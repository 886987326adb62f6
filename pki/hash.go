package pki

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
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
		if len(rdn) == 1 { // the common case: no sorting, one buffer
			a := rdn[0]
			var b cryptobyte.Builder
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(a.TypeDER) })
					b.AddBytes(a.CanonicalValue())
				})
			})
			out = append(out, b.BytesOrPanic()...)
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
// the certificate when either name is refused). It returns the subject, raw
// and parsed.
func loadableCert(der []byte) (raw []byte, subject Name, err error) {
	if err := checkSigned(der, "certificate"); err != nil {
		return nil, nil, err
	}
	raw, issuer, err := CertNames(der)
	if err != nil {
		return nil, nil, err
	}
	if _, err := ParseName(issuer); err != nil {
		return nil, nil, fmt.Errorf("issuer: %w", err)
	}
	if subject, err = ParseName(raw); err != nil {
		return nil, nil, fmt.Errorf("subject: %w", err)
	}
	return raw, subject, nil
}

// loadableCRL is loadableCert for CRLs; it returns the issuer.
func loadableCRL(der []byte) (raw []byte, issuer Name, err error) {
	if err := checkSigned(der, "CRL"); err != nil {
		return nil, nil, err
	}
	if raw, err = CRLIssuerName(der); err != nil {
		return nil, nil, err
	}
	if issuer, err = ParseName(raw); err != nil {
		return nil, nil, fmt.Errorf("issuer: %w", err)
	}
	return raw, issuer, nil
}

// derShape checks that b is a BER SEQUENCE whose members have the given
// universal tags (0 = any tag) and returns the member count; more members
// than tags are allowed.
func derShape(b []byte, tags ...int) (int, bool) {
	e, _, err := berNext(b)
	if err != nil || !isSeq(e) {
		return 0, false
	}
	n := 0
	for body := e.body; len(body) > 0; n++ {
		k, rest, err := berNext(body)
		if err != nil {
			return 0, false
		}
		if n < len(tags) && tags[n] != 0 && (k.class != 0 || k.tag != tags[n]) {
			return 0, false
		}
		body = rest
	}
	return n, n >= len(tags)
}

// loadableKey approximates OpenSSL's private-key decoding in
// PEM_X509_INFO_read_bio, whose failure makes the whole file unreadable:
// encrypted keys are kept undecoded; PKCS#8 keys of algorithms crypto/x509
// knows must parse; other keys must have the shape of their format (RSA:
// version and eight integers, EC: version and private key octets, DSA: six
// integers; an unknown "X PRIVATE KEY" label any of these, as
// d2i_AutoPrivateKey guesses).
func loadableKey(o pemObject) bool {
	if o.header > 10 || o.typ == "ENCRYPTED PRIVATE KEY" {
		return true
	}
	pkcs8 := func() bool {
		if _, ok := derShape(o.der, 2, 16, 4); !ok {
			return false
		}
		if _, err := x509.ParsePKCS8PrivateKey(o.der); err == nil {
			return true
		} else if strings.Contains(err.Error(), "unknown") || strings.Contains(err.Error(), "unsupported") {
			// An algorithm Go lacks (DSA, X448, Ed448, DH, SM2...):
			// OpenSSL decodes it. There is no typed error to test.
			return true
		}
		return false
	}
	rsa := func() bool { n, ok := derShape(o.der, 2, 2, 2, 2, 2, 2, 2, 2, 2); return ok && n >= 9 }
	ec := func() bool { _, ok := derShape(o.der, 2, 4); return ok }
	dsa := func() bool { n, ok := derShape(o.der, 2, 2, 2, 2, 2, 2); return ok && n == 6 }
	switch o.typ {
	case "PRIVATE KEY":
		return pkcs8()
	case "RSA PRIVATE KEY":
		return rsa()
	case "EC PRIVATE KEY":
		return ec()
	case "DSA PRIVATE KEY":
		return dsa()
	}
	return pkcs8() || rsa() || ec() || dsa()
}

// x509Info is one X509_INFO group: at most one certificate, one CRL and one
// key, as PEM_X509_INFO_read_bio gathers consecutive objects.
type x509Info struct {
	cert, crl       []byte // DER, nil when absent
	certRaw, crlRaw []byte // raw subject of cert, raw issuer of crl
	certName        Name
	crlName         Name
	key             bool
}

// readX509Info reproduces PEM_X509_INFO_read_bio: it groups the PEM objects
// of a file into X509_INFO items (a new item starts when the current one
// already holds an object of that kind) and fails (ok = false) when any
// object is malformed or a certificate, CRL or key does not decode.
func readX509Info(data []byte) (infos []x509Info, ok bool) {
	objs, clean := scanPEM(data)
	if !clean {
		return nil, false
	}
	var cur x509Info
	used := false
	push := func() {
		infos = append(infos, cur)
		cur, used = x509Info{}, false
	}
	for _, o := range objs {
		switch pemKind(o.typ) {
		case objCert:
			if cur.cert != nil {
				push()
			}
			der, err := certElement(o.der)
			if err != nil {
				return nil, false
			}
			raw, name, err := loadableCert(der)
			if err != nil {
				return nil, false
			}
			cur.cert, cur.certRaw, cur.certName, used = der, raw, name, true
		case objCRL:
			if cur.crl != nil {
				push()
			}
			raw, name, err := loadableCRL(o.der)
			if err != nil {
				return nil, false
			}
			cur.crl, cur.crlRaw, cur.crlName, used = o.der, raw, name, true
		case objKey:
			if cur.key {
				push()
			}
			if !loadableKey(o) {
				return nil, false
			}
			cur.key, used = true, true
		}
	}
	if used {
		push()
	}
	return infos, true
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
		if _, _, err := loadableCert(der); err != nil {
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
		if _, _, err := loadableCRL(o.der); err != nil {
			return crls, false
		}
		crls = append(crls, o.der)
	}
	return crls, clean
}

// ObjectHashes are OpenSSL's name hashes and the fingerprints of one
// certificate, CRL or certificate request, as `openssl x509 -subject_hash
// -subject_hash_old -issuer_hash -fingerprint` (or crl -hash, req) print
// them.
type ObjectHashes struct {
	// Type is "certificate", "crl" or "csr".
	Type string `json:"type"`
	// Subject is the subject in OpenSSL's oneline form (empty for CRLs).
	Subject string `json:"subject,omitempty"`
	// SubjectHash and SubjectHashOld are -subject_hash and
	// -subject_hash_old (certificates and CSRs).
	SubjectHash    string `json:"subject_hash,omitempty"`
	SubjectHashOld string `json:"subject_hash_old,omitempty"`
	// Issuer is the issuer (CRL issuer) in oneline form; IssuerHash and
	// IssuerHashOld are -issuer_hash / crl -hash and their MD5 forms.
	Issuer        string `json:"issuer,omitempty"`
	IssuerHash    string `json:"issuer_hash,omitempty"`
	IssuerHashOld string `json:"issuer_hash_old,omitempty"`
	// SHA1 and SHA256 are fingerprints of the DER, colon-separated.
	SHA1   string `json:"sha1"`
	SHA256 string `json:"sha256"`
	// CAPathName is the name OpenSSL looks the object up by in a hashed CA
	// folder: HASH.0 for a certificate, HASH.r0 for a CRL (the number grows
	// when several share the hash). Empty for CSRs.
	CAPathName string `json:"capath_name,omitempty"`
	// Error says why a hash is missing: OpenSSL refuses the name.
	Error string `json:"error,omitempty"`
	// DER is the object's encoding.
	DER []byte `json:"-"`
}

// ErrNoObjects reports input without any certificate, CRL or CSR.
var ErrNoObjects = errors.New("pki: no certificate, CRL or certificate request found")

// classifyDER tells a DER certificate, CRL and CSR apart by their
// to-be-signed fields: a certificate has a serial and four SEQUENCEs up to
// the subject; a CRL has a time after its issuer; a CSR a SEQUENCE (the
// public key) after its subject.
func classifyDER(der []byte) string {
	if _, _, err := CertNames(der); err == nil {
		return "certificate"
	}
	f, err := derWalker{"object"}.tbs(der)
	if err != nil {
		return ""
	}
	if len(f) > 0 && f[0].class == 0 && f[0].tag == 2 {
		f = f[1:] // version
	}
	if len(f) >= 3 && isSeq(f[0]) && isSeq(f[1]) && f[2].class == 0 && (f[2].tag == 23 || f[2].tag == 24) {
		return "crl"
	}
	if len(f) >= 2 && isSeq(f[0]) && isSeq(f[1]) {
		return "csr"
	}
	return ""
}

// HashObjects finds every certificate, CRL and certificate request in data
// (PEM blocks of any number, or one DER object) and returns their hashes
// and fingerprints in file order. Objects whose names OpenSSL refuses are
// returned with Error set and the hashes that can be computed. The error is
// ErrNoObjects when nothing was found, or says why PEM could not be read.
func HashObjects(data []byte) ([]ObjectHashes, error) {
	type obj struct {
		typ string
		der []byte
	}
	var objs []obj
	pems, clean := scanPEM(data)
	for _, o := range pems {
		switch {
		case pemKind(o.typ) == objCert:
			if der, err := certElement(o.der); err == nil {
				objs = append(objs, obj{"certificate", der})
			}
		case pemKind(o.typ) == objCRL:
			objs = append(objs, obj{"crl", o.der})
		case o.typ == "CERTIFICATE REQUEST" || o.typ == "NEW CERTIFICATE REQUEST":
			objs = append(objs, obj{"csr", o.der})
		}
	}
	if len(pems) == 0 && looksDER(data) {
		if t := classifyDER(data); t != "" {
			e, _, _ := berNext(data)
			objs = append(objs, obj{t, e.full})
		}
	}
	if len(objs) == 0 {
		if !clean {
			return nil, fmt.Errorf("%w (malformed PEM)", ErrNoObjects)
		}
		return nil, ErrNoObjects
	}
	out := make([]ObjectHashes, 0, len(objs))
	for _, o := range objs {
		h := ObjectHashes{Type: o.typ, DER: o.der}
		s1, s256 := sha1.Sum(o.der), sha256.Sum256(o.der)
		h.SHA1, h.SHA256 = colonHex(s1[:]), colonHex(s256[:])
		var subject, issuer []byte
		var err error
		switch o.typ {
		case "certificate":
			subject, issuer, err = CertNames(o.der)
		case "crl":
			issuer, err = CRLIssuerName(o.der)
		case "csr":
			subject, err = CSRSubjectName(o.der)
		}
		if err != nil {
			h.Error = err.Error()
			out = append(out, h)
			continue
		}
		var errs []string
		if subject != nil {
			h.SubjectHashOld = FormatHash(NameHashOld(subject))
			if n, err := ParseName(subject); err != nil {
				errs = append(errs, "subject: "+err.Error())
			} else {
				h.Subject, h.SubjectHash = n.OneLine(), FormatHash(n.Hash())
			}
		}
		if issuer != nil {
			h.IssuerHashOld = FormatHash(NameHashOld(issuer))
			if n, err := ParseName(issuer); err != nil {
				errs = append(errs, "issuer: "+err.Error())
			} else {
				h.Issuer, h.IssuerHash = n.OneLine(), FormatHash(n.Hash())
			}
		}
		switch {
		case o.typ == "certificate" && h.SubjectHash != "":
			h.CAPathName = h.SubjectHash + ".0"
		case o.typ == "crl" && h.IssuerHash != "":
			h.CAPathName = h.IssuerHash + ".r0"
		}
		h.Error = strings.Join(errs, "; ")
		out = append(out, h)
	}
	return out, nil
}

// colonHex formats a digest like OpenSSL's -fingerprint: upper-case hex
// pairs joined by colons.
func colonHex(b []byte) string {
	const hexd = "0123456789ABCDEF"
	out := make([]byte, 0, len(b)*3)
	for i, c := range b {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, hexd[c>>4], hexd[c&15])
	}
	return string(out)
}
