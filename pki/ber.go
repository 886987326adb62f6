package pki

import (
	"bytes"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// BER to DER conversion for PKCS#12 input. Windows and Java may write
// PKCS#12 with indefinite lengths and OCTET STRINGs split into segments
// (X.690 BER); Go's parsers, and cryptobyte, take DER only.

// berToDER re-encodes one BER element as DER: indefinite lengths become
// definite, long-form lengths minimal, and constructed string types (as
// Windows and Java write large OCTET STRINGs) primitive. Context-specific
// constructed elements are kept as they are, since only the schema knows
// whether they hold an IMPLICIT string; readImplicitOctetString handles the
// one case PKCS#12 needs. Input that is already DER comes back unchanged.
func berToDER(in []byte) ([]byte, error) {
	out, rest, err := berElement(in, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%d bytes of trailing data", len(rest))
	}
	return out, nil
}

// berStringTags are the universal string types BER may split into segments.
var berStringTags = map[byte]bool{4: true, 12: true, 18: true, 19: true, 20: true, 21: true, 22: true, 25: true, 26: true, 27: true, 28: true, 30: true}

const maxBERDepth = 64

// berElement converts the first element of in and returns the rest.
func berElement(in []byte, depth int) (out, rest []byte, err error) {
	if depth > maxBERDepth {
		return nil, nil, errors.New("ASN.1 nested too deeply")
	}
	if len(in) < 2 {
		return nil, nil, errors.New("truncated ASN.1 element")
	}
	// Identifier octets.
	idLen := 1
	if in[0]&0x1f == 0x1f {
		for {
			if idLen >= len(in) || idLen > 5 {
				return nil, nil, errors.New("malformed ASN.1 tag")
			}
			b := in[idLen]
			idLen++
			if b&0x80 == 0 {
				break
			}
		}
	}
	id := in[:idLen]
	constructed := in[0]&0x20 != 0
	// Length octets.
	if idLen >= len(in) {
		return nil, nil, errors.New("truncated ASN.1 length")
	}
	lb := in[idLen]
	pos := idLen + 1
	var body []byte
	indefinite := false
	switch {
	case lb < 0x80:
		if len(in)-pos < int(lb) {
			return nil, nil, errors.New("truncated ASN.1 content")
		}
		body, rest = in[pos:pos+int(lb)], in[pos+int(lb):]
	case lb == 0x80:
		if !constructed {
			return nil, nil, errors.New("indefinite length on a primitive ASN.1 element")
		}
		indefinite = true
		rest = in[pos:]
	default:
		n := int(lb & 0x7f)
		if n > 4 || len(in)-pos < n {
			return nil, nil, errors.New("malformed ASN.1 length")
		}
		l := 0
		for _, b := range in[pos : pos+n] {
			l = l<<8 | int(b)
		}
		pos += n
		if l < 0 || len(in)-pos < l {
			return nil, nil, errors.New("truncated ASN.1 content")
		}
		body, rest = in[pos:pos+l], in[pos+l:]
	}
	if !constructed {
		return appendTLV(nil, id, body), rest, nil
	}
	// Constructed: convert the children.
	var children [][]byte
	src := body
	if indefinite {
		src = rest
	}
	for {
		if indefinite {
			if len(src) >= 2 && src[0] == 0 && src[1] == 0 {
				rest = src[2:]
				break
			}
			if len(src) == 0 {
				return nil, nil, errors.New("missing end-of-contents in indefinite-length ASN.1")
			}
		} else if len(src) == 0 {
			break
		}
		child, r, err := berElement(src, depth+1)
		if err != nil {
			return nil, nil, err
		}
		children = append(children, child)
		src = r
	}
	universal := in[0]&0xc0 == 0
	if tagNum := in[0] & 0x1f; universal && berStringTags[tagNum] {
		// A constructed string: concatenate the (already primitive) segments.
		var content []byte
		for _, c := range children {
			if c[0]&0x1f != tagNum || c[0]&0x20 != 0 {
				return nil, nil, errors.New("constructed ASN.1 string holds a segment of another type")
			}
			seg, err := splitTLV(c)
			if err != nil {
				return nil, nil, err
			}
			content = append(content, seg...)
		}
		return appendTLV(nil, []byte{in[0] &^ 0x20}, content), rest, nil
	}
	if universal && in[0]&0x1f == 3 {
		return nil, nil, errors.New("constructed BIT STRING is not supported")
	}
	return appendTLV(nil, id, bytes.Join(children, nil)), rest, nil
}

// splitTLV returns the content of a DER element made by appendTLV with a
// one-byte identifier.
func splitTLV(b []byte) ([]byte, error) {
	s := cryptobyte.String(b)
	var content cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&content, &tag) || !s.Empty() {
		return nil, errors.New("malformed ASN.1 string segment")
	}
	return content, nil
}

// appendTLV appends identifier id, a minimal DER length and content.
func appendTLV(dst, id, content []byte) []byte {
	dst = append(dst, id...)
	l := len(content)
	switch {
	case l < 0x80:
		dst = append(dst, byte(l))
	case l < 1<<8:
		dst = append(dst, 0x81, byte(l))
	case l < 1<<16:
		dst = append(dst, 0x82, byte(l>>8), byte(l))
	case l < 1<<24:
		dst = append(dst, 0x83, byte(l>>16), byte(l>>8), byte(l))
	default:
		dst = append(dst, 0x84, byte(l>>24), byte(l>>16), byte(l>>8), byte(l))
	}
	return append(dst, content...)
}
