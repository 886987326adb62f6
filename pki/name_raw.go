package pki

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file reads X.509 Names the way OpenSSL 3.0 does, without
// crypto/x509: Go rejects names OpenSSL accepts (UniversalString, BIT STRING
// and unknown-tag values, PrintableString with '@', IA5String with bytes
// >= 0x80), and the subject hash must be computed for every name OpenSSL
// loads (OPENSSL-COMPAT.md §1.3, §1.5). OpenSSL's decoder is BER-tolerant
// (indefinite and non-minimal lengths, constructed strings), so the reader
// below is too; cryptobyte, which is DER-only, builds the canonical form.

// Name is a decoded X.509 Name: its RDNs in encoding order. Build one with
// ParseName. An RDN with no attributes is kept (OpenSSL ignores it when
// hashing and printing).
type Name []RDN

// RDN is one RelativeDistinguishedName: the attributes of one SET, in
// encoding order (which need not be DER order).
type RDN []AVA

// AVA is one AttributeTypeAndValue as encoded.
type AVA struct {
	// Type is the attribute OID. It is nil when an arc does not fit an int;
	// TypeDER always holds the OID.
	Type asn1.ObjectIdentifier
	// TypeDER is the content octets of the OID.
	TypeDER []byte
	// Tag is the universal tag number of the value (12 UTF8String, 19
	// PrintableString, 30 BMPString, ...).
	Tag int
	// Value is the content octets of the value. A constructed BER string is
	// given as the concatenation of its segments, as OpenSSL reads it.
	Value []byte
	// Raw is the complete encoding of the value as it appears in the Name
	// (tag, length, content). For a SEQUENCE value it is what OpenSSL keeps
	// and re-emits unchanged.
	Raw []byte
}

// Sentinel errors of ParseName; NameError wraps one of them.
var (
	// ErrMalformedName reports bytes that are not a BER Name at all.
	ErrMalformedName = errors.New("pki: malformed name")
	// ErrUnsupportedName reports a well-formed Name that OpenSSL refuses to
	// load ("unsupported"): a value type outside its DirectoryString set, or
	// text it cannot convert (invalid UTF-8, a BMPString surrogate, a
	// UniversalString code point above U+10FFFF).
	ErrUnsupportedName = errors.New("pki: name not accepted by OpenSSL")
)

// NameError describes why ParseName refused a Name. RDN and AVA are 0-based
// positions (-1 when the problem is not inside an attribute).
type NameError struct {
	RDN, AVA int
	Reason   string
	Err      error // ErrMalformedName or ErrUnsupportedName
}

func (e *NameError) Error() string {
	prefix := "pki: malformed name"
	if e.Err == ErrUnsupportedName {
		prefix = "pki: name not accepted by OpenSSL"
	}
	if e.RDN >= 0 && e.AVA >= 0 {
		return fmt.Sprintf("%s: RDN %d, attribute %d: %s", prefix, e.RDN+1, e.AVA+1, e.Reason)
	}
	if e.RDN >= 0 {
		return fmt.Sprintf("%s: RDN %d: %s", prefix, e.RDN+1, e.Reason)
	}
	return prefix + ": " + e.Reason
}

// Unwrap returns ErrMalformedName or ErrUnsupportedName.
func (e *NameError) Unwrap() error { return e.Err }

// Universal tags OpenSSL's name decoder deals with.
const (
	rnTagBitString   = 3
	rnTagOID         = 6
	rnTagUTF8        = 12
	rnTagSequence    = 16
	rnTagSet         = 17
	rnTagNumeric     = 18
	rnTagPrintable   = 19
	rnTagT61         = 20
	rnTagIA5         = 22
	rnTagUniversal   = 28
	rnTagBMP         = 30
	rnMaxStringNest  = 5  // ASN1_MAX_STRING_NEST
	rnMaxOIDTextSize = 79 // OBJ_obj2txt into an 80-byte buffer when printing
)

// rnValueTagOK is OpenSSL's B_ASN1_PRINTABLE mask for X509_NAME_ENTRY
// values: NumericString, PrintableString, T61String, IA5String, BIT STRING,
// UniversalString, BMPString, UTF8String, SEQUENCE and the "unknown"
// universal tags 7-9, 11, 13-15, 29.
func rnValueTagOK(tag int) bool {
	switch tag {
	case rnTagBitString, 7, 8, 9, 11, rnTagUTF8, 13, 14, 15, rnTagSequence,
		rnTagNumeric, rnTagPrintable, rnTagT61, rnTagIA5, rnTagUniversal, 29, rnTagBMP:
		return true
	}
	return false
}

// berTLV is one BER element.
type berTLV struct {
	class byte // 0 universal, 1 application, 2 context, 3 private
	tag   int
	cons  bool
	body  []byte // content; for indefinite length, up to the end-of-contents
	full  []byte // the whole element, header (and end-of-contents) included
}

var errBERTruncated = errors.New("truncated or overlong element")

// berNext reads one element from b like OpenSSL's ASN1_get_object: low and
// high tag numbers, short, long (also non-minimal) and indefinite lengths.
// An end-of-contents marker is an error here; callers of indefinite
// elements never see one.
func berNext(b []byte) (berTLV, []byte, error) {
	var t berTLV
	if len(b) < 2 {
		return t, nil, errBERTruncated
	}
	if b[0] == 0 && b[1] == 0 {
		return t, nil, errors.New("unexpected end-of-contents")
	}
	t.class = b[0] >> 6
	t.cons = b[0]&0x20 != 0
	p := 1
	if b[0]&0x1f == 0x1f {
		n := 0
		for {
			if p >= len(b) {
				return t, nil, errBERTruncated
			}
			c := b[p]
			p++
			n = n<<7 | int(c&0x7f)
			if n > (1<<31-1)>>7 {
				return t, nil, errors.New("tag number too large")
			}
			if c&0x80 == 0 {
				break
			}
		}
		t.tag = n
	} else {
		t.tag = int(b[0] & 0x1f)
	}
	if p >= len(b) {
		return t, nil, errBERTruncated
	}
	lb := b[p]
	p++
	if lb == 0x80 {
		if !t.cons {
			return t, nil, errors.New("indefinite length on a primitive element")
		}
		end, next, err := berFindEnd(b[p:])
		if err != nil {
			return t, nil, err
		}
		t.body = b[p : p+end]
		t.full = b[:p+next]
		return t, b[p+next:], nil
	}
	length := uint64(lb)
	if lb&0x80 != 0 {
		n := int(lb & 0x7f)
		if n > len(b)-p {
			return t, nil, errBERTruncated
		}
		for n > 0 && b[p] == 0 { // OpenSSL skips leading zero octets
			p++
			n--
		}
		if n > 8 {
			return t, nil, errBERTruncated
		}
		length = 0
		for ; n > 0; n-- {
			length = length<<8 | uint64(b[p])
			p++
		}
	}
	if length > uint64(len(b)-p) {
		return t, nil, errBERTruncated
	}
	t.body = b[p : p+int(length)]
	t.full = b[:p+int(length)]
	return t, b[p+int(length):], nil
}

// berFindEnd finds the end-of-contents closing an indefinite-length element
// whose content starts at b, counting nested indefinite elements like
// OpenSSL's asn1_find_end. It returns the content length and the number of
// bytes consumed including the marker.
func berFindEnd(b []byte) (end, next int, err error) {
	expected := 1
	p := 0
	for p < len(b) {
		if len(b)-p >= 2 && b[p] == 0 && b[p+1] == 0 {
			expected--
			if expected == 0 {
				return p, p + 2, nil
			}
			p += 2
			continue
		}
		hdr, indef, length, err := berHeader(b[p:])
		if err != nil {
			return 0, 0, err
		}
		if indef {
			expected++
			if expected > 1<<20 {
				return 0, 0, errors.New("indefinite nesting too deep")
			}
			p += hdr
			continue
		}
		if length > uint64(len(b)-p-hdr) {
			return 0, 0, errBERTruncated
		}
		p += hdr + int(length)
	}
	return 0, 0, errors.New("missing end-of-contents")
}

// berHeader parses only the identifier and length octets.
func berHeader(b []byte) (hdr int, indef bool, length uint64, err error) {
	if len(b) < 2 {
		return 0, false, 0, errBERTruncated
	}
	cons := b[0]&0x20 != 0
	p := 1
	if b[0]&0x1f == 0x1f {
		n := 0
		for {
			if p >= len(b) {
				return 0, false, 0, errBERTruncated
			}
			c := b[p]
			p++
			n = n<<7 | int(c&0x7f)
			if n > (1<<31-1)>>7 {
				return 0, false, 0, errors.New("tag number too large")
			}
			if c&0x80 == 0 {
				break
			}
		}
	}
	if p >= len(b) {
		return 0, false, 0, errBERTruncated
	}
	lb := b[p]
	p++
	if lb == 0x80 {
		if !cons {
			return 0, false, 0, errors.New("indefinite length on a primitive element")
		}
		return p, true, 0, nil
	}
	if lb&0x80 == 0 {
		return p, false, uint64(lb), nil
	}
	n := int(lb & 0x7f)
	if n > len(b)-p {
		return 0, false, 0, errBERTruncated
	}
	for n > 0 && b[p] == 0 {
		p++
		n--
	}
	if n > 8 {
		return 0, false, 0, errBERTruncated
	}
	for ; n > 0; n-- {
		length = length<<8 | uint64(b[p])
		p++
	}
	return p, false, length, nil
}

// berCollect concatenates the segments of a constructed string. Like
// OpenSSL's asn1_collect it accepts segments of any tag and limits nesting.
func berCollect(dst, body []byte, depth int) ([]byte, error) {
	for len(body) > 0 {
		seg, rest, err := berNext(body)
		if err != nil {
			return nil, err
		}
		if seg.cons {
			if depth >= rnMaxStringNest {
				return nil, errors.New("constructed string nested too deep")
			}
			if dst, err = berCollect(dst, seg.body, depth+1); err != nil {
				return nil, err
			}
		} else {
			dst = append(dst, seg.body...)
		}
		body = rest
	}
	return dst, nil
}

// ParseName decodes the DER (or BER) encoding of a Name — the complete
// SEQUENCE, as in Certificate.RawSubject — and accepts exactly what OpenSSL
// 3.0 accepts when it loads a certificate. The error is a *NameError
// wrapping ErrMalformedName or ErrUnsupportedName. The returned Name's byte
// slices alias der.
func ParseName(der []byte) (Name, error) {
	bad := func(rdn, ava int, format string, args ...any) error {
		return &NameError{RDN: rdn, AVA: ava, Reason: fmt.Sprintf(format, args...), Err: ErrMalformedName}
	}
	top, rest, err := berNext(der)
	if err != nil {
		return nil, bad(-1, -1, "%v", err)
	}
	if len(rest) != 0 {
		return nil, bad(-1, -1, "%d bytes after the name", len(rest))
	}
	if top.class != 0 || top.tag != rnTagSequence || !top.cons {
		return nil, bad(-1, -1, "not a SEQUENCE")
	}
	var name Name
	body := top.body
	for i := 0; len(body) > 0; i++ {
		set, r, err := berNext(body)
		if err != nil {
			return nil, bad(i, -1, "%v", err)
		}
		body = r
		if set.class != 0 || set.tag != rnTagSet || !set.cons {
			return nil, bad(i, -1, "RDN is not a SET")
		}
		rdn := RDN{}
		sb := set.body
		for j := 0; len(sb) > 0; j++ {
			seq, r, err := berNext(sb)
			if err != nil {
				return nil, bad(i, j, "%v", err)
			}
			sb = r
			ava, err := parseAVA(seq)
			if err != nil {
				var ne *NameError
				if errors.As(err, &ne) {
					ne.RDN, ne.AVA = i, j
				}
				return nil, err
			}
			rdn = append(rdn, ava)
		}
		name = append(name, rdn)
	}
	return name, nil
}

func parseAVA(seq berTLV) (AVA, error) {
	bad := func(format string, args ...any) (AVA, error) {
		return AVA{}, &NameError{Reason: fmt.Sprintf(format, args...), Err: ErrMalformedName}
	}
	unsupported := func(format string, args ...any) (AVA, error) {
		return AVA{}, &NameError{Reason: fmt.Sprintf(format, args...), Err: ErrUnsupportedName}
	}
	if seq.class != 0 || seq.tag != rnTagSequence || !seq.cons {
		return bad("attribute is not a SEQUENCE")
	}
	oid, rest, err := berNext(seq.body)
	if err != nil {
		return bad("attribute type: %v", err)
	}
	if oid.class != 0 || oid.tag != rnTagOID || oid.cons {
		return bad("attribute type is not an OBJECT IDENTIFIER")
	}
	if err := checkOIDContent(oid.body); err != nil {
		return bad("attribute type: %v", err)
	}
	val, rest, err := berNext(rest)
	if err != nil {
		return bad("attribute value: %v", err)
	}
	if len(rest) != 0 {
		return bad("attribute has more than a type and a value")
	}
	a := AVA{Type: oidFromContent(oid.body), TypeDER: oid.body, Tag: val.tag, Raw: val.full}
	if val.class != 0 {
		return unsupported("value has a non-universal tag")
	}
	if !rnValueTagOK(val.tag) {
		return unsupported("value type %s", tagName(val.tag))
	}
	switch {
	case val.tag == rnTagSequence:
		if !val.cons {
			return bad("primitive SEQUENCE value")
		}
		a.Value = val.body
	case val.cons:
		v, err := berCollect(nil, val.body, 0)
		if err != nil {
			return bad("constructed %s: %v", tagName(val.tag), err)
		}
		a.Value = v
	default:
		a.Value = val.body
	}
	if err := checkValue(a.Tag, a.Value); err != nil {
		return AVA{}, err
	}
	return a, nil
}

// checkValue applies OpenSSL's content checks: the c2i checks of BIT STRING,
// BMPString and UniversalString lengths, and the UTF-8 conversion done when
// the name is canonicalised at load time.
func checkValue(tag int, v []byte) error {
	bad := func(format string, args ...any) error {
		return &NameError{Reason: fmt.Sprintf(format, args...), Err: ErrMalformedName}
	}
	unsupported := func(format string, args ...any) error {
		return &NameError{Reason: fmt.Sprintf(format, args...), Err: ErrUnsupportedName}
	}
	switch tag {
	case rnTagBitString:
		if len(v) < 1 {
			return bad("empty BIT STRING")
		}
		if v[0] > 7 {
			return bad("BIT STRING with %d unused bits", v[0])
		}
	case rnTagBMP:
		if len(v)%2 != 0 {
			return bad("BMPString of odd length %d", len(v))
		}
		for i := 0; i < len(v); i += 2 {
			if c := rune(v[i])<<8 | rune(v[i+1]); c >= 0xd800 && c <= 0xdfff {
				return unsupported("BMPString holds surrogate U+%04X", c)
			}
		}
	case rnTagUniversal:
		if len(v)%4 != 0 {
			return bad("UniversalString length %d is not a multiple of 4", len(v))
		}
		for i := 0; i < len(v); i += 4 {
			c := uint32(v[i])<<24 | uint32(v[i+1])<<16 | uint32(v[i+2])<<8 | uint32(v[i+3])
			if c > utf8.MaxRune || (c >= 0xd800 && c <= 0xdfff) {
				return unsupported("UniversalString holds invalid code point U+%04X", c)
			}
		}
	case rnTagUTF8:
		if !utf8.Valid(v) {
			return unsupported("UTF8String is not valid UTF-8")
		}
	}
	return nil
}

// checkOIDContent applies OpenSSL's c2i_ASN1_OBJECT checks.
func checkOIDContent(b []byte) error {
	if len(b) == 0 {
		return errors.New("empty OBJECT IDENTIFIER")
	}
	if b[len(b)-1]&0x80 != 0 {
		return errors.New("OBJECT IDENTIFIER ends inside a sub-identifier")
	}
	for i, c := range b {
		if c == 0x80 && (i == 0 || b[i-1]&0x80 == 0) {
			return errors.New("OBJECT IDENTIFIER sub-identifier with a leading 0x80")
		}
	}
	return nil
}

// oidArcs decodes OID content octets into decimal arcs (arbitrary size).
func oidArcs(b []byte) []string {
	var arcs []string
	v := new(big.Int)
	small := uint64(0)
	useBig := false
	first := true
	for _, c := range b {
		if !useBig && small > (1<<56) {
			useBig = true
			v.SetUint64(small)
		}
		if useBig {
			v.Lsh(v, 7)
			v.Or(v, big.NewInt(int64(c&0x7f)))
		} else {
			small = small<<7 | uint64(c&0x7f)
		}
		if c&0x80 != 0 {
			continue
		}
		if !useBig {
			v.SetUint64(small)
		}
		if first {
			first = false
			switch {
			case v.Cmp(big.NewInt(40)) < 0:
				arcs = append(arcs, "0", v.String())
			case v.Cmp(big.NewInt(80)) < 0:
				arcs = append(arcs, "1", new(big.Int).Sub(v, big.NewInt(40)).String())
			default:
				arcs = append(arcs, "2", new(big.Int).Sub(v, big.NewInt(80)).String())
			}
		} else {
			arcs = append(arcs, v.String())
		}
		small, useBig = 0, false
		v.SetUint64(0)
	}
	return arcs
}

// oidFromContent converts OID content octets into an ObjectIdentifier, or
// nil when an arc does not fit an int.
func oidFromContent(b []byte) asn1.ObjectIdentifier {
	oid := make(asn1.ObjectIdentifier, 0, len(b)+1)
	v := 0
	for _, c := range b {
		if v > (1<<62)>>7 {
			return nil
		}
		v = v<<7 | int(c&0x7f)
		if c&0x80 != 0 {
			continue
		}
		if len(oid) == 0 {
			switch {
			case v < 40:
				oid = append(oid, 0, v)
			case v < 80:
				oid = append(oid, 1, v-40)
			default:
				oid = append(oid, 2, v-80)
			}
		} else {
			oid = append(oid, v)
		}
		v = 0
	}
	return oid
}

// OIDText returns the dotted form of the attribute type, exact for any
// arc size.
func (a AVA) OIDText() string { return strings.Join(oidArcs(a.TypeDER), ".") }

// ShortName returns the attribute name as OpenSSL prints it: its short name
// (CN, O, emailAddress, ...) when OpenSSL 3.0 knows the OID, else the dotted
// OID.
func (a AVA) ShortName() string {
	if sn, ok := rnOIDShortName(a.TypeDER); ok {
		return sn
	}
	return a.OIDText()
}

func tagName(tag int) string {
	switch tag {
	case 1:
		return "BOOLEAN"
	case 2:
		return "INTEGER"
	case rnTagBitString:
		return "BIT STRING"
	case 4:
		return "OCTET STRING"
	case 5:
		return "NULL"
	case rnTagOID:
		return "OBJECT IDENTIFIER"
	case 10:
		return "ENUMERATED"
	case rnTagUTF8:
		return "UTF8String"
	case rnTagSequence:
		return "SEQUENCE"
	case rnTagSet:
		return "SET"
	case rnTagNumeric:
		return "NumericString"
	case rnTagPrintable:
		return "PrintableString"
	case rnTagT61:
		return "T61String"
	case 21:
		return "VideotexString"
	case rnTagIA5:
		return "IA5String"
	case 23:
		return "UTCTime"
	case 24:
		return "GeneralizedTime"
	case 25:
		return "GraphicString"
	case 26:
		return "VisibleString"
	case 27:
		return "GeneralString"
	case rnTagUniversal:
		return "UniversalString"
	case rnTagBMP:
		return "BMPString"
	}
	return "universal tag " + strconv.Itoa(tag)
}

// TagName returns the ASN.1 name of the value's type ("UTF8String",
// "PrintableString", ...), or "universal tag N".
func (a AVA) TagName() string { return tagName(a.Tag) }

// rnOIDShortName looks the OID up in OpenSSL's object table.
func rnOIDShortName(der []byte) (string, bool) {
	key := string(der)
	lo, hi := 0, len(rnOIDTable)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if rnOIDTable[m].der < key {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(rnOIDTable) && rnOIDTable[lo].der == key {
		return rnOIDTable[lo].sn, true
	}
	return "", false
}

// rnCharWidth is OpenSSL's tag2nbyte: bytes per character of a string type
// when printing (0 = UTF-8 printed byte by byte, -1 = not text: dumped).
func rnCharWidth(tag int) int {
	switch tag {
	case rnTagUTF8:
		return 0
	case rnTagNumeric, rnTagPrintable, rnTagT61, 21, rnTagIA5, 23, 24, 25, 26, 27:
		return 1
	case rnTagUniversal:
		return 4
	case rnTagBMP:
		return 2
	}
	return -1
}

// IsText reports whether OpenSSL prints the value as text (true) or as a
// "#" hex dump of its encoding (false: BIT STRING, SEQUENCE, unknown tags).
func (a AVA) IsText() bool { return rnCharWidth(a.Tag) >= 0 }

// Text returns the value as UTF-8 text: UTF8String as is, Printable, T61,
// IA5 and NumericString read one byte per character (Latin-1, as OpenSSL
// does), BMPString and UniversalString decoded. ok is false for values that
// are not text (see IsText).
func (a AVA) Text() (s string, ok bool) {
	switch rnCharWidth(a.Tag) {
	case 0:
		return string(a.Value), true
	case 1:
		var b strings.Builder
		for _, c := range a.Value {
			b.WriteRune(rune(c))
		}
		return b.String(), true
	case 2, 4:
		var b strings.Builder
		rnEachRune(a.Tag, a.Value, func(r rune) { b.WriteRune(r) })
		return b.String(), true
	}
	return "", false
}

// rnEachRune calls f for each character of a BMPString or UniversalString
// (or each byte, as a Latin-1 character, for one-byte types).
func rnEachRune(tag int, v []byte, f func(rune)) {
	switch rnCharWidth(tag) {
	case 2:
		for i := 0; i+1 < len(v); i += 2 {
			f(rune(v[i])<<8 | rune(v[i+1]))
		}
	case 4:
		for i := 0; i+3 < len(v); i += 4 {
			f(rune(uint32(v[i])<<24 | uint32(v[i+1])<<16 | uint32(v[i+2])<<8 | uint32(v[i+3])))
		}
	default:
		for _, c := range v {
			f(rune(c))
		}
	}
}

// Encoded returns the value as OpenSSL re-encodes it (i2d): a SEQUENCE
// exactly as it appeared, a BIT STRING with its unused bits cleared, any
// other type as a primitive DER element holding Value. This is what OneLine
// dumps after "#" and what the subject hash uses for types it does not
// convert to UTF-8.
func (a AVA) Encoded() []byte {
	if a.Tag == rnTagSequence && len(a.Raw) > 0 {
		return a.Raw
	}
	v := a.Value
	if a.Tag == rnTagBitString && len(v) > 0 {
		if len(v) == 1 {
			v = []byte{0} // no bits: OpenSSL writes 0 unused bits
		} else if u := v[0] & 7; u != 0 && v[len(v)-1]&(1<<u-1) != 0 {
			c := append([]byte(nil), v...)
			c[len(c)-1] &= 0xff << u
			v = c
		}
	}
	return rnTLV(byte(a.Tag), v)
}

// rnTLV encodes a low-tag-number element with a DER length.
func rnTLV(tag byte, content []byte) []byte {
	n := len(content)
	var out []byte
	switch {
	case n < 0x80:
		out = make([]byte, 0, 2+n)
		out = append(out, tag, byte(n))
	case n <= 0xff:
		out = make([]byte, 0, 3+n)
		out = append(out, tag, 0x81, byte(n))
	case n <= 0xffff:
		out = make([]byte, 0, 4+n)
		out = append(out, tag, 0x82, byte(n>>8), byte(n))
	case n <= 0xffffff:
		out = make([]byte, 0, 5+n)
		out = append(out, tag, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		out = make([]byte, 0, 6+n)
		out = append(out, tag, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(out, content...)
}

// OpenSSL's char_type table bits (crypto/asn1/charmap.h) and the
// XN_FLAG_ONELINE string flags.
const (
	rnEsc2253     = 0x01
	rnEscCtrl     = 0x02
	rnEscMSB      = 0x04
	rnEscQuote    = 0x08
	rnFirstEsc    = 0x20
	rnLastEsc     = 0x40
	rnBSEsc       = rnEsc2253 | rnFirstEsc | rnLastEsc
	rnOnelineFlag = rnEsc2253 | rnEscCtrl | rnEscMSB | rnEscQuote
)

// rnCharType returns OpenSSL's char_type bits for an ASCII byte.
func rnCharType(c byte) int {
	switch {
	case c == 0:
		return 0x400 | rnEscCtrl // ESC_2254 | ESC_CTRL
	case c < 0x20 || c == 0x7f:
		return rnEscCtrl
	case c == ' ':
		return rnLastEsc | rnFirstEsc | 0x10 | rnEscQuote
	case c == '#':
		return rnFirstEsc | rnEscQuote
	case c == ',' || c == '+':
		return 0x10 | rnEscQuote | rnEsc2253
	case c == ';' || c == '<' || c == '>':
		return rnEscQuote | rnEsc2253
	case c == '"' || c == '\\':
		return rnEsc2253
	}
	return 0
}

const rnHexUpper = "0123456789ABCDEF"

// OneLine renders the Name as OpenSSL 3.0 prints it by default (openssl
// x509 -subject, the subject lines of openssl verify; XN_FLAG_ONELINE):
// "C = US, O = \"Example, Inc.\", CN = a + OU = b". Attributes appear in
// encoding order; bytes >= 0x80 and control characters are written as \XX
// (UTF-8 bytes for converted types); a value needing RFC 2253 escapes is
// quoted; non-text values are "#" and the hex of their encoding. The empty
// Name is "".
func (n Name) OneLine() string {
	var b strings.Builder
	first := true
	for _, rdn := range n {
		for j, a := range rdn {
			if !first {
				if j > 0 {
					b.WriteString(" + ")
				} else {
					b.WriteString(", ")
				}
			}
			first = false
			sn := a.ShortName()
			if len(sn) > rnMaxOIDTextSize {
				sn = sn[:rnMaxOIDTextSize]
			}
			b.WriteString(sn)
			b.WriteString(" = ")
			rnOnelineValue(&b, a)
		}
	}
	return b.String()
}

// rnOnelineValue writes one value like OpenSSL's do_print_ex/do_buf/
// do_esc_char with ASN1_STRFLGS_RFC2253 | ASN1_STRFLGS_ESC_QUOTE.
func rnOnelineValue(b *strings.Builder, a AVA) {
	w := rnCharWidth(a.Tag)
	if w < 0 {
		enc := a.Encoded()
		b.WriteByte('#')
		for _, c := range enc {
			b.WriteByte(rnHexUpper[c>>4])
			b.WriteByte(rnHexUpper[c&15])
		}
		return
	}
	// Characters: for UTF8String each byte is one character (OpenSSL does
	// not convert UTF-8 to UTF-8), for the others each code point, written
	// as its UTF-8 bytes.
	var chars [][]byte
	if w == 0 {
		chars = make([][]byte, len(a.Value))
		for i := range a.Value {
			chars[i] = a.Value[i : i+1]
		}
	} else {
		rnEachRune(a.Tag, a.Value, func(r rune) {
			chars = append(chars, utf8.AppendRune(nil, r))
		})
	}
	var out strings.Builder
	quote := false
	for i, ch := range chars {
		flags := rnOnelineFlag
		if i == len(chars)-1 {
			flags |= rnLastEsc
		} else if i == 0 {
			flags |= rnFirstEsc
		}
		for _, c := range ch {
			var t int
			if c > 0x7f {
				t = flags & rnEscMSB
			} else {
				t = rnCharType(c) & flags
			}
			switch {
			case t&rnBSEsc != 0 && t&rnEscQuote != 0:
				quote = true
				out.WriteByte(c)
			case t&rnBSEsc != 0:
				out.WriteByte('\\')
				out.WriteByte(c)
			case t&(rnEscCtrl|rnEscMSB|0x400) != 0:
				out.WriteByte('\\')
				out.WriteByte(rnHexUpper[c>>4])
				out.WriteByte(rnHexUpper[c&15])
			default:
				out.WriteByte(c)
			}
		}
	}
	if quote {
		b.WriteByte('"')
		b.WriteString(out.String())
		b.WriteByte('"')
		return
	}
	b.WriteString(out.String())
}

// String renders the Name in RFC 4514 form for display: RDNs in reverse
// order ("CN=a,O=b,C=US"), multi-valued RDNs joined with "+", OpenSSL's
// short names (dotted OIDs when unknown), values as readable UTF-8 with the
// RFC 4514 escapes (plus \XX for control characters), non-text values as
// "#" and hex.
func (n Name) String() string {
	var b strings.Builder
	first := true
	for i := len(n) - 1; i >= 0; i-- {
		if len(n[i]) == 0 {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		for j, a := range n[i] {
			if j > 0 {
				b.WriteByte('+')
			}
			b.WriteString(a.ShortName())
			b.WriteByte('=')
			s, ok := a.Text()
			if !ok {
				b.WriteByte('#')
				for _, c := range a.Encoded() {
					b.WriteByte("0123456789abcdef"[c>>4])
					b.WriteByte("0123456789abcdef"[c&15])
				}
				continue
			}
			rnRFC4514Escape(&b, s)
		}
	}
	return b.String()
}

func rnRFC4514Escape(b *strings.Builder, s string) {
	for i, r := range s {
		switch {
		case r == '"' || r == '+' || r == ',' || r == ';' || r == '<' || r == '>' || r == '\\',
			(r == ' ' || r == '#') && i == 0,
			r == ' ' && i == len(s)-1:
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			b.WriteByte('\\')
			b.WriteByte(rnHexUpper[r>>4])
			b.WriteByte(rnHexUpper[r&15])
		default:
			b.WriteRune(r)
		}
	}
}

// NameOneLine is a convenience for ParseName(der).OneLine(); for a name that
// ParseName refuses it returns "" and the error.
func NameOneLine(der []byte) (string, error) {
	n, err := ParseName(der)
	if err != nil {
		return "", err
	}
	return n.OneLine(), nil
}
