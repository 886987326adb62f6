package pki

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// This file holds the few raw-name operations the verifier needs: walking the
// attributes of a DER Name, the canonical encoding OpenSSL compares names by
// (X509_NAME_cmp, the same bytes the subject hash is computed over), and the
// conversion of ASN.1 string types to UTF-8 (ASN1_STRING_to_UTF8).

// ASN.1 universal string tags OpenSSL treats as text.
const (
	tagUTF8String      = 12
	tagNumericString   = 18
	tagPrintableString = 19
	tagT61String       = 20
	tagIA5String       = 22
	tagVisibleString   = 26
	tagUniversalString = 28
	tagBMPString       = 30
)

// nameAttr is one AttributeTypeAndValue of a Name, with the index of the RDN
// (SET) it belongs to.
type nameAttr struct {
	rdn    int
	oid    asn1.ObjectIdentifier
	tag    int        // universal tag number of the value; >= 0x100 for other classes or constructed values
	rawTag cbasn1.Tag // the full tag (class and constructed bit included)
	value  []byte     // value contents (without tag and length)
}

var errBadName = errors.New("pki: malformed distinguished name")

// nameAttrs walks a DER Name (SEQUENCE OF SET OF SEQUENCE{OID, ANY}).
func nameAttrs(der []byte) ([]nameAttr, error) {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, errBadName
	}
	var out []nameAttr
	for rdn := 0; !seq.Empty(); rdn++ {
		var set cryptobyte.String
		if !seq.ReadASN1(&set, cbasn1.SET) {
			return nil, errBadName
		}
		for !set.Empty() {
			var atv cryptobyte.String
			var oid asn1.ObjectIdentifier
			var val cryptobyte.String
			var tag cbasn1.Tag
			if !set.ReadASN1(&atv, cbasn1.SEQUENCE) || !atv.ReadASN1ObjectIdentifier(&oid) ||
				!atv.ReadAnyASN1(&val, &tag) || !atv.Empty() {
				return nil, errBadName
			}
			n := int(tag)
			if tag&0xe0 != 0 {
				n |= 0x100 // not a universal primitive: never one of the string types
			}
			out = append(out, nameAttr{rdn: rdn, oid: oid, tag: n, rawTag: tag, value: val})
		}
	}
	return out, nil
}

// isTextTag reports whether OpenSSL converts values of this tag to UTF-8
// when canonicalising a name.
func isTextTag(tag int) bool {
	switch tag {
	case tagUTF8String, tagPrintableString, tagT61String, tagIA5String,
		tagVisibleString, tagUniversalString, tagBMPString:
		return true
	}
	return false
}

// stringToUTF8 converts an ASN.1 string value to UTF-8 the way
// ASN1_STRING_to_UTF8 does: 8-bit types are Latin-1, BMPString is UCS-2 and
// UniversalString UCS-4, both big-endian. Other tags are returned unchanged.
func stringToUTF8(tag int, v []byte) ([]byte, error) {
	switch tag {
	case tagUTF8String:
		if !utf8.Valid(v) {
			return nil, errors.New("pki: invalid UTF-8 in UTF8String")
		}
		return v, nil
	case tagPrintableString, tagT61String, tagIA5String, tagVisibleString, tagNumericString:
		var b []byte
		for _, c := range v {
			b = utf8.AppendRune(b, rune(c))
		}
		return b, nil
	case tagBMPString:
		if len(v)%2 != 0 {
			return nil, errors.New("pki: odd-length BMPString")
		}
		var b []byte
		for i := 0; i < len(v); i += 2 {
			r := rune(v[i])<<8 | rune(v[i+1])
			if utf16.IsSurrogate(r) {
				return nil, errors.New("pki: surrogate in BMPString")
			}
			b = utf8.AppendRune(b, r)
		}
		return b, nil
	case tagUniversalString:
		if len(v)%4 != 0 {
			return nil, errors.New("pki: bad UniversalString length")
		}
		var b []byte
		for i := 0; i < len(v); i += 4 {
			r := rune(v[i])<<24 | rune(v[i+1])<<16 | rune(v[i+2])<<8 | rune(v[i+3])
			if r > utf8.MaxRune || utf16.IsSurrogate(r) {
				return nil, errors.New("pki: invalid code point in UniversalString")
			}
			b = utf8.AppendRune(b, r)
		}
		return b, nil
	}
	return v, nil
}

func isOSSLSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

// canonText applies asn1_string_canon to UTF-8 bytes: trim whitespace, collapse
// inner runs to one space, lower-case ASCII letters; bytes >= 0x80 untouched.
func canonText(v []byte) []byte {
	for len(v) > 0 && isOSSLSpace(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && isOSSLSpace(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c >= 0x80:
			out = append(out, c)
			i++
		case isOSSLSpace(c):
			out = append(out, ' ')
			for i < len(v) && isOSSLSpace(v[i]) {
				i++
			}
		default:
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			out = append(out, c)
			i++
		}
	}
	return out
}

// canonicalName returns the canonical encoding OpenSSL's X509_NAME_cmp and
// subject hash use: each RDN as a DER SET of canonicalised attributes (text
// values as lower-cased, space-collapsed UTF8String, sorted by encoding),
// concatenated without the outer SEQUENCE. Empty RDNs contribute nothing.
func canonicalName(der []byte) ([]byte, error) {
	attrs, err := nameAttrs(der)
	if err != nil {
		return nil, err
	}
	var out cryptobyte.Builder
	for i := 0; i < len(attrs); {
		j := i
		for j < len(attrs) && attrs[j].rdn == attrs[i].rdn {
			j++
		}
		elems := make([][]byte, 0, j-i)
		for _, a := range attrs[i:j] {
			e, err := canonicalATV(a)
			if err != nil {
				return nil, err
			}
			elems = append(elems, e)
		}
		if len(elems) > 1 {
			sort.Slice(elems, func(x, y int) bool { return bytes.Compare(elems[x], elems[y]) < 0 })
		}
		out.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			for _, e := range elems {
				b.AddBytes(e)
			}
		})
		i = j
	}
	b, err := out.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pki: encoding canonical name: %w", err)
	}
	return b, nil
}

// canonicalATV encodes one attribute with its canonical value.
func canonicalATV(a nameAttr) ([]byte, error) {
	tag, val := a.rawTag, a.value
	if isTextTag(a.tag) {
		u, err := stringToUTF8(a.tag, val)
		if err != nil {
			return nil, fmt.Errorf("pki: canonicalising name attribute %v: %w", a.oid, err)
		}
		tag, val = cbasn1.UTF8String, canonText(u)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(a.oid)
		b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes(val) })
	})
	e, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pki: encoding canonical name: %w", err)
	}
	return e, nil
}

// nameKey is canonicalName as a string map key; a name that cannot be
// canonicalised compares by its raw bytes (prefixed so it never equals a
// canonical form).
func nameKey(der []byte) string {
	c, err := canonicalName(der)
	if err != nil {
		return "\x00raw:" + string(der)
	}
	return string(c)
}

var (
	oidCommonName   = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidEmailAddress = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
)

// shortNames are OpenSSL's short names for the attributes seen in practice.
var shortNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.4": "SN", "2.5.4.5": "serialNumber", "2.5.4.6": "C",
	"2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.9": "street", "2.5.4.10": "O",
	"2.5.4.11": "OU", "2.5.4.12": "title", "2.5.4.42": "GN", "2.5.4.43": "initials",
	"2.5.4.46": "dnQualifier", "2.5.4.65": "pseudonym", "2.5.4.97": "organizationIdentifier",
	"1.2.840.113549.1.9.1": "emailAddress", "0.9.2342.19200300.100.1.25": "DC",
	"0.9.2342.19200300.100.1.1": "UID", "2.5.4.17": "postalCode", "2.5.4.15": "businessCategory",
}

// onelineName renders a DER Name like OpenSSL's XN_FLAG_ONELINE
// ("C = US, O = Example, CN = a + OU = b"), the form openssl verify prints
// above each error line. Values needing RFC 2253 escapes are quoted; bytes
// >= 0x80 of the UTF-8 form are written as \XX.
func onelineName(der []byte) string {
	attrs, err := nameAttrs(der)
	if err != nil {
		return ""
	}
	var sb strings.Builder
	for i, a := range attrs {
		if i > 0 {
			if a.rdn == attrs[i-1].rdn {
				sb.WriteString(" + ")
			} else {
				sb.WriteString(", ")
			}
		}
		name, ok := shortNames[a.oid.String()]
		if !ok {
			name = a.oid.String()
		}
		sb.WriteString(name)
		sb.WriteString(" = ")
		sb.WriteString(onelineValue(a))
	}
	return sb.String()
}

func onelineValue(a nameAttr) string {
	if !isTextTag(a.tag) && a.tag != tagNumericString {
		// ASN1_STRFLGS_DUMP_UNKNOWN|DUMP_DER: '#' and the hex of the DER.
		var b cryptobyte.Builder
		b.AddASN1(a.rawTag, func(b *cryptobyte.Builder) { b.AddBytes(a.value) })
		der, _ := b.Bytes() // cannot fail: fixed-size inputs
		return "#" + strings.ToUpper(fmt.Sprintf("%x", der))
	}
	u, err := stringToUTF8(a.tag, a.value)
	if err != nil {
		u = a.value
	}
	quote := false
	var sb strings.Builder
	for i, c := range u {
		switch {
		case c >= 0x80:
			fmt.Fprintf(&sb, "\\%02X", c)
		case c == '"' || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case strings.IndexByte(",+<>;", c) >= 0:
			quote = true
			sb.WriteByte(c)
		case (c == ' ' && (i == 0 || i == len(u)-1)) || (c == '#' && i == 0):
			quote = true
			sb.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&sb, "\\%02X", c)
		default:
			sb.WriteByte(c)
		}
	}
	if quote {
		return `"` + sb.String() + `"`
	}
	return sb.String()
}

// nameUTF8Values returns the UTF-8 values of every attribute of the Name with
// the given type, in order, with their original tags.
func nameValues(der []byte, oid asn1.ObjectIdentifier) []nameAttr {
	attrs, err := nameAttrs(der)
	if err != nil {
		return nil
	}
	var out []nameAttr
	for _, a := range attrs {
		if a.oid.Equal(oid) {
			out = append(out, a)
		}
	}
	return out
}
