package pki

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// attrType is one X.520 attribute wsskit knows by name.
type attrType struct {
	short, long string
	oid         asn1.ObjectIdentifier
	tag         cbasn1.Tag // string type OpenSSL's default string_mask (utf8only) picks
	maxLen      int        // upper bound from RFC 5280 Appendix A (ub-*), 0 = none
}

// Tags OpenSSL uses for subjects it builds from -subj with the default
// string_mask utf8only: countryName, serialNumber and dnQualifier are always
// PrintableString, emailAddress and domainComponent always IA5String and
// everything else UTF8String (OPENSSL-COMPAT.md §1.4).
const (
	tagUTF8      = cbasn1.Tag(12)
	tagPrintable = cbasn1.Tag(19)
	tagIA5       = cbasn1.Tag(22)
)

var attrTypes = []attrType{
	{"C", "countryName", asn1.ObjectIdentifier{2, 5, 4, 6}, tagPrintable, 2},
	{"ST", "stateOrProvinceName", asn1.ObjectIdentifier{2, 5, 4, 8}, tagUTF8, 128},
	{"L", "localityName", asn1.ObjectIdentifier{2, 5, 4, 7}, tagUTF8, 128},
	{"O", "organizationName", asn1.ObjectIdentifier{2, 5, 4, 10}, tagUTF8, 64},
	{"OU", "organizationalUnitName", asn1.ObjectIdentifier{2, 5, 4, 11}, tagUTF8, 64},
	{"CN", "commonName", asn1.ObjectIdentifier{2, 5, 4, 3}, tagUTF8, 64},
	{"emailAddress", "emailAddress", asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, tagIA5, 128},
	{"serialNumber", "serialNumber", asn1.ObjectIdentifier{2, 5, 4, 5}, tagPrintable, 64},
	{"DC", "domainComponent", asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}, tagIA5, 0},
	{"UID", "userId", asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}, tagUTF8, 0},
	{"street", "streetAddress", asn1.ObjectIdentifier{2, 5, 4, 9}, tagUTF8, 0},
	{"title", "title", asn1.ObjectIdentifier{2, 5, 4, 12}, tagUTF8, 64},
	{"SN", "surname", asn1.ObjectIdentifier{2, 5, 4, 4}, tagUTF8, 0},
	{"GN", "givenName", asn1.ObjectIdentifier{2, 5, 4, 42}, tagUTF8, 0},
	{"initials", "initials", asn1.ObjectIdentifier{2, 5, 4, 43}, tagUTF8, 0},
	{"pseudonym", "pseudonym", asn1.ObjectIdentifier{2, 5, 4, 65}, tagUTF8, 0},
	{"dnQualifier", "dnQualifier", asn1.ObjectIdentifier{2, 5, 4, 46}, tagPrintable, 0},
	{"postalCode", "postalCode", asn1.ObjectIdentifier{2, 5, 4, 17}, tagUTF8, 40},
	{"name", "name", asn1.ObjectIdentifier{2, 5, 4, 41}, tagUTF8, 0},
	{"businessCategory", "businessCategory", asn1.ObjectIdentifier{2, 5, 4, 15}, tagUTF8, 0},
	{"organizationIdentifier", "organizationIdentifier", asn1.ObjectIdentifier{2, 5, 4, 97}, tagUTF8, 0},
}

func lookupAttr(key string) (attrType, error) {
	for _, a := range attrTypes {
		if strings.EqualFold(key, a.short) || strings.EqualFold(key, a.long) {
			return a, nil
		}
	}
	// OpenSSL also accepts "E" in some front ends; keep the common alias.
	if strings.EqualFold(key, "E") {
		return lookupAttr("emailAddress")
	}
	if oid, ok := parseOID(key); ok {
		return attrType{short: key, oid: oid, tag: tagUTF8}, nil
	}
	return attrType{}, fmt.Errorf("unknown attribute %q (use C, ST, L, O, OU, CN, emailAddress, serialNumber, DC, UID, ... or a dotted OID)", key)
}

func parseOID(s string) (asn1.ObjectIdentifier, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "OID."), "oid.")
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, false
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, false
		}
		oid[i] = n
	}
	return oid, true
}

// SubjectError is returned by ParseSubject for a subject it cannot read.
type SubjectError struct {
	Subject string
	Reason  string
}

func (e *SubjectError) Error() string {
	return fmt.Sprintf("pki: subject %q: %s", e.Subject, e.Reason)
}

// subjectAVA is one attribute as typed by the user, before encoding.
type subjectAVA struct {
	attr  attrType
	value []byte // UTF-8, or raw BER when raw is set
	raw   bool   // value is a complete BER element (RFC 4514 "#hex" form)
}

// ParseSubject parses a distinguished name in OpenSSL's form
// ("/C=SG/O=Test/CN=127.0.0.1", "+" joining a multi-valued RDN, "\" escaping)
// or RFC 4514 form ("CN=127.0.0.1,O=Test,C=SG", most specific first) and
// returns the DER of the Name, encoded the way `openssl req -subj` does with
// its default string_mask. Empty values are skipped as OpenSSL does; the
// returned warnings say so.
func ParseSubject(s string) (der []byte, warnings []string, err error) {
	fail := func(format string, args ...any) ([]byte, []string, error) {
		return nil, nil, &SubjectError{Subject: s, Reason: fmt.Sprintf(format, args...)}
	}
	trimmed := strings.TrimSpace(s)
	var rdns [][]subjectAVA
	switch {
	case trimmed == "" || trimmed == "/":
		rdns = nil // the empty Name
	case strings.HasPrefix(trimmed, "/"):
		rdns, warnings, err = parseOpenSSLSubject(trimmed)
	case strings.Contains(trimmed, "="):
		rdns, warnings, err = parseRFC4514(trimmed)
	default:
		return fail("not a distinguished name: write /CN=%s (OpenSSL form) or CN=%s (RFC 4514 form)", trimmed, trimmed)
	}
	if err != nil {
		return fail("%v", err)
	}
	der, err = encodeName(rdns)
	if err != nil {
		return fail("%v", err)
	}
	return der, warnings, nil
}

// splitUnescaped splits s at every sep that is not escaped with a
// backslash and not inside double quotes (RFC 2253 quoted values).
func splitUnescaped(s string, sep byte) []string {
	var parts []string
	start := 0
	quoted := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			quoted = !quoted
		case sep:
			if !quoted {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

func unescapeOpenSSL(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			if i+1 == len(s) {
				return "", fmt.Errorf("value %q ends in a lone backslash", s)
			}
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}

func parseOpenSSLSubject(s string) ([][]subjectAVA, []string, error) {
	var rdns [][]subjectAVA
	var warnings []string
	comps := splitUnescaped(s[1:], '/')
	for i, comp := range comps {
		if comp == "" && i == len(comps)-1 {
			break // trailing slash
		}
		var rdn []subjectAVA
		for _, part := range splitUnescaped(comp, '+') {
			key, val, ok := strings.Cut(part, "=")
			if !ok {
				return nil, nil, fmt.Errorf("%q has no '=' (write KEY=VALUE, escape '/' and '+' in values as \\/ and \\+)", part)
			}
			attr, err := lookupAttr(strings.TrimSpace(key))
			if err != nil {
				return nil, nil, err
			}
			v, err := unescapeOpenSSL(val)
			if err != nil {
				return nil, nil, err
			}
			if v == "" {
				warnings = append(warnings, fmt.Sprintf("no value provided for subject name attribute %q, skipped", attr.short))
				continue
			}
			rdn = append(rdn, subjectAVA{attr: attr, value: []byte(v)})
		}
		if len(rdn) > 0 {
			rdns = append(rdns, rdn)
		}
	}
	return rdns, warnings, nil
}

// parseRFC4514 reads an RFC 4514 string. RDNs are listed most specific first,
// so the result is reversed into DER order.
func parseRFC4514(s string) ([][]subjectAVA, []string, error) {
	var rdns [][]subjectAVA
	var warnings []string
	for _, comp := range splitUnescaped(s, ',') {
		comp = strings.TrimSpace(comp)
		if comp == "" {
			return nil, nil, fmt.Errorf("empty RDN between commas")
		}
		var rdn []subjectAVA
		for _, part := range splitUnescaped(comp, '+') {
			key, val, ok := strings.Cut(part, "=")
			if !ok {
				return nil, nil, fmt.Errorf("%q has no '='", strings.TrimSpace(part))
			}
			attr, err := lookupAttr(strings.TrimSpace(key))
			if err != nil {
				return nil, nil, err
			}
			ava, err := rfc4514Value(attr, strings.TrimSpace(val))
			if err != nil {
				return nil, nil, err
			}
			if len(ava.value) == 0 {
				warnings = append(warnings, fmt.Sprintf("no value provided for subject name attribute %q, skipped", attr.short))
				continue
			}
			rdn = append(rdn, ava)
		}
		if len(rdn) > 0 {
			rdns = append(rdns, rdn)
		}
	}
	slices.Reverse(rdns)
	return rdns, warnings, nil
}

func rfc4514Value(attr attrType, v string) (subjectAVA, error) {
	if strings.HasPrefix(v, "#") {
		raw, err := hex.DecodeString(v[1:])
		if err != nil {
			return subjectAVA{}, fmt.Errorf("%s=%s: bad hex after '#': %v", attr.short, v, err)
		}
		var rest cryptobyte.String = raw
		var elem cryptobyte.String
		var tag cbasn1.Tag
		if !rest.ReadAnyASN1Element(&elem, &tag) || !rest.Empty() {
			return subjectAVA{}, fmt.Errorf("%s=%s: the '#' value is not one BER element", attr.short, v)
		}
		if !isStringTag(tag) {
			return subjectAVA{}, fmt.Errorf("%s=%s: the '#' value must be an ASN.1 string (UTF8, Numeric, Printable, T61, IA5, Visible, Universal or BMP)", attr.short, v)
		}
		return subjectAVA{attr: attr, value: raw, raw: true}, nil
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1] // RFC 2253 quoted form
	}
	var b []byte
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		if i+1 == len(v) {
			return subjectAVA{}, fmt.Errorf("%s=%s ends in a lone backslash", attr.short, v)
		}
		if i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]) {
			x, _ := strconv.ParseUint(v[i+1:i+3], 16, 8)
			b = append(b, byte(x))
			i += 2
			continue
		}
		i++
		b = append(b, v[i])
	}
	return subjectAVA{attr: attr, value: b}, nil
}

// isStringTag reports whether tag is one of the universal string types a
// DirectoryString-like attribute value may carry.
func isStringTag(tag cbasn1.Tag) bool {
	switch tag {
	case 12, 18, 19, 20, 22, 26, 28, 30:
		return true
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isPrintableString(b []byte) bool {
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte(" '()+,-./:=?", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func encodeAVAValue(a subjectAVA) ([]byte, error) {
	if a.raw {
		return a.value, nil
	}
	if !utf8.Valid(a.value) {
		return nil, fmt.Errorf("%s value is not valid UTF-8", a.attr.short)
	}
	if a.attr.short == "C" && len(a.value) != 2 {
		return nil, fmt.Errorf("country (C) must be a two-letter code, got %q", a.value)
	}
	if n := utf8.RuneCount(a.value); a.attr.maxLen > 0 && n > a.attr.maxLen {
		return nil, fmt.Errorf("%s value has %d characters, more than the %d RFC 5280 allows", a.attr.short, n, a.attr.maxLen)
	}
	switch a.attr.tag {
	case tagPrintable:
		if !isPrintableString(a.value) {
			return nil, fmt.Errorf("%s value %q has characters a PrintableString cannot hold", a.attr.short, a.value)
		}
	case tagIA5:
		for _, c := range a.value {
			if c >= 0x80 {
				return nil, fmt.Errorf("%s value %q must be ASCII (IA5String)", a.attr.short, a.value)
			}
		}
	}
	var b cryptobyte.Builder
	b.AddASN1(a.attr.tag, func(b *cryptobyte.Builder) { b.AddBytes(a.value) })
	return b.Bytes()
}

func encodeName(rdns [][]subjectAVA) ([]byte, error) {
	var outer cryptobyte.Builder
	var encErr error
	outer.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, rdn := range rdns {
			// DER SET OF: elements sorted by their encodings (X.690 11.6).
			elems := make([][]byte, 0, len(rdn))
			for _, ava := range rdn {
				val, err := encodeAVAValue(ava)
				if err != nil {
					encErr = err
					return
				}
				var e cryptobyte.Builder
				e.AddASN1(cbasn1.SEQUENCE, func(e *cryptobyte.Builder) {
					e.AddASN1ObjectIdentifier(ava.attr.oid)
					e.AddBytes(val)
				})
				eb, err := e.Bytes()
				if err != nil {
					encErr = err
					return
				}
				elems = append(elems, eb)
			}
			slices.SortFunc(elems, bytes.Compare)
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				for _, e := range elems {
					b.AddBytes(e)
				}
			})
		}
	})
	if encErr != nil {
		return nil, encErr
	}
	return outer.Bytes()
}

// CommonName returns the (last) commonName of a Name DER, or "".
func CommonName(nameDER []byte) string {
	var rdns pkix.RDNSequence
	if rest, err := asn1.Unmarshal(nameDER, &rdns); err != nil || len(rest) > 0 {
		return ""
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdns)
	return n.CommonName
}
