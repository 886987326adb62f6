package pki

import (
	"encoding/asn1"
)

// The verifier compares names the way OpenSSL's X509_NAME_cmp does, by their
// canonical encodings (Name.Canonical, the bytes the subject hash is computed
// over), and prints them in OpenSSL's oneline form (Name.OneLine).

// ASN.1 universal string tags the verifier tests for.
const (
	tagUTF8String      = 12
	tagPrintableString = 19
	tagIA5String       = 22
	tagBMPString       = 30
)

var (
	oidCommonName   = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidEmailAddress = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
)

// nameKey is a Name's canonical form as a string map key. A name OpenSSL
// would refuse to load compares by its raw bytes, prefixed so that it never
// equals a canonical form.
func nameKey(der []byte) string {
	c, err := CanonicalName(der)
	if err != nil {
		return "\x00raw:" + string(der)
	}
	return string(c)
}

// onelineName is the XN_FLAG_ONELINE form openssl verify prints above each
// error line ("" for a name OpenSSL refuses).
func onelineName(der []byte) string {
	s, err := NameOneLine(der)
	if err != nil {
		return ""
	}
	return s
}

// nameEntries returns every attribute of a Name, in order
// (X509_NAME_entry_count counts these, not RDNs).
func nameEntries(der []byte) ([]AVA, error) {
	n, err := ParseName(der)
	if err != nil {
		return nil, err
	}
	var out []AVA
	for _, rdn := range n {
		out = append(out, rdn...)
	}
	return out, nil
}

// nameValues returns the attributes of a Name with the given type, in order.
func nameValues(der []byte, oid asn1.ObjectIdentifier) []AVA {
	all, err := nameEntries(der)
	if err != nil {
		return nil
	}
	var out []AVA
	for _, a := range all {
		if a.Type.Equal(oid) {
			out = append(out, a)
		}
	}
	return out
}
