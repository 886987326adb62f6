package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Test helpers that build raw DER by hand: Go's encoders will not write
// UniversalString, BIT STRING or unknown-tag values, Latin-1 bytes in a
// PrintableString, unsorted SETs, empty RDNs or BER forms, and OpenSSL must
// be shown all of those.

func hxTLV(tag byte, content ...[]byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.Tag(tag), func(b *cryptobyte.Builder) {
		for _, c := range content {
			b.AddBytes(c)
		}
	})
	return b.BytesOrPanic()
}

func hxOID(o asn1.ObjectIdentifier) []byte {
	b, err := asn1.Marshal(o)
	if err != nil {
		panic(err)
	}
	return b
}

// hxAVA makes SEQUENCE{oid, value} with value = tag + content.
func hxAVA(o asn1.ObjectIdentifier, tag byte, v string) []byte {
	return hxTLV(0x30, hxOID(o), hxTLV(tag, []byte(v)))
}

// hxAVARaw makes SEQUENCE{oid, raw value element}.
func hxAVARaw(o asn1.ObjectIdentifier, raw []byte) []byte { return hxTLV(0x30, hxOID(o), raw) }

func hxSet(avas ...[]byte) []byte    { return hxTLV(0x31, avas...) }
func hxName(rdns ...[]byte) []byte   { return hxTLV(0x30, rdns...) }
func hxCN(tag byte, v string) []byte { return hxName(hxSet(hxAVA(hxOIDCN, tag, v))) }

var (
	hxOIDCN    = asn1.ObjectIdentifier{2, 5, 4, 3}
	hxOIDO     = asn1.ObjectIdentifier{2, 5, 4, 10}
	hxOIDOU    = asn1.ObjectIdentifier{2, 5, 4, 11}
	hxOIDC     = asn1.ObjectIdentifier{2, 5, 4, 6}
	hxOIDEmail = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	hxOIDDC    = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}
)

func hxBMP(s string) string {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>8), byte(r))
	}
	return string(b)
}

func hxUniversal(s string) string {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>24), byte(r>>16), byte(r>>8), byte(r))
	}
	return string(b)
}

var hxKey = sync.OnceValue(func() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
})

var hxOIDECDSASHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}

func hxSPKI(k *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		panic(err)
	}
	return der
}

func hxSign(k *ecdsa.PrivateKey, tbs []byte) []byte {
	h := sha256.Sum256(tbs)
	sig, err := ecdsa.SignASN1(rand.Reader, k, h[:])
	if err != nil {
		panic(err)
	}
	alg := hxTLV(0x30, hxOID(hxOIDECDSASHA256))
	return hxTLV(0x30, tbs, alg, hxTLV(0x03, []byte{0}, sig))
}

func hxTime(t time.Time) []byte {
	return hxTLV(0x17, []byte(t.UTC().Format("060102150405Z")))
}

// hxCertOpts are the optional parts of a hand-built certificate.
type hxCertOpts struct {
	key, signer *ecdsa.PrivateKey // subject key (default hxKey), signing key (default key)
	serial      int64
	ca          bool
	notBefore   time.Time
	notAfter    time.Time
	skid, akid  []byte
}

// hxCert builds a v3 certificate with raw subject and issuer Names, signed
// with ECDSA P-256.
func hxCert(subject, issuer []byte, o hxCertOpts) []byte {
	if o.key == nil {
		o.key = hxKey()
	}
	if o.signer == nil {
		o.signer = o.key
	}
	if o.serial == 0 {
		o.serial = 1
	}
	if o.notBefore.IsZero() {
		o.notBefore = time.Now().Add(-time.Hour)
	}
	if o.notAfter.IsZero() {
		o.notAfter = time.Now().Add(24 * time.Hour)
	}
	alg := hxTLV(0x30, hxOID(hxOIDECDSASHA256))
	serial, _ := asn1.Marshal(big.NewInt(o.serial))
	var exts [][]byte
	if o.ca {
		bc := hxTLV(0x30, hxTLV(0x01, []byte{0xff}))
		exts = append(exts, hxTLV(0x30, hxOID(asn1.ObjectIdentifier{2, 5, 29, 19}), hxTLV(0x01, []byte{0xff}), hxTLV(0x04, bc)))
		ku := hxTLV(0x03, []byte{1, 0x06}) // keyCertSign | cRLSign
		exts = append(exts, hxTLV(0x30, hxOID(asn1.ObjectIdentifier{2, 5, 29, 15}), hxTLV(0x01, []byte{0xff}), hxTLV(0x04, ku)))
	}
	if o.skid != nil {
		exts = append(exts, hxTLV(0x30, hxOID(asn1.ObjectIdentifier{2, 5, 29, 14}), hxTLV(0x04, hxTLV(0x04, o.skid))))
	}
	if o.akid != nil {
		exts = append(exts, hxTLV(0x30, hxOID(asn1.ObjectIdentifier{2, 5, 29, 35}), hxTLV(0x04, hxTLV(0x30, hxTLV(0x80, o.akid)))))
	}
	fields := [][]byte{hxTLV(0xa0, hxTLV(0x02, []byte{2})), serial, alg, issuer,
		hxTLV(0x30, hxTime(o.notBefore), hxTime(o.notAfter)), subject, hxSPKI(o.key)}
	if len(exts) > 0 {
		fields = append(fields, hxTLV(0xa3, hxTLV(0x30, exts...)))
	}
	return hxSign(o.signer, hxTLV(0x30, fields...))
}

// hxCRL builds a v2 CRL with a raw issuer Name revoking the given serials.
func hxCRL(issuer []byte, signer *ecdsa.PrivateKey, thisUpdate, nextUpdate time.Time, revoked ...int64) []byte {
	return hxCRLAKID(issuer, signer, thisUpdate, nextUpdate, nil, revoked...)
}

// hxCRLAKID is hxCRL with an authority key identifier extension when akid
// is set.
func hxCRLAKID(issuer []byte, signer *ecdsa.PrivateKey, thisUpdate, nextUpdate time.Time, akid []byte, revoked ...int64) []byte {
	if signer == nil {
		signer = hxKey()
	}
	alg := hxTLV(0x30, hxOID(hxOIDECDSASHA256))
	fields := [][]byte{hxTLV(0x02, []byte{1}), alg, issuer, hxTime(thisUpdate), hxTime(nextUpdate)}
	if len(revoked) > 0 {
		var entries [][]byte
		for _, s := range revoked {
			serial, _ := asn1.Marshal(big.NewInt(s))
			entries = append(entries, hxTLV(0x30, serial, hxTime(thisUpdate)))
		}
		fields = append(fields, hxTLV(0x30, entries...))
	}
	if akid != nil {
		ext := hxTLV(0x30, hxOID(asn1.ObjectIdentifier{2, 5, 29, 35}), hxTLV(0x04, hxTLV(0x30, hxTLV(0x80, akid))))
		fields = append(fields, hxTLV(0xa0, hxTLV(0x30, ext)))
	}
	return hxSign(signer, hxTLV(0x30, fields...))
}

func hxPEM(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestParseNameStructure(t *testing.T) {
	name := hxName(
		hxSet(hxAVA(hxOIDC, 19, "US")),
		hxSet(),
		hxSet(hxAVA(hxOIDOU, 12, "b"), hxAVA(hxOIDCN, 12, "a")),
	)
	n, err := ParseName(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(n) != 3 || len(n[0]) != 1 || len(n[1]) != 0 || len(n[2]) != 2 {
		t.Fatalf("got shape %v, want [1 0 2]", n)
	}
	if got, want := n[0][0].Type.String(), "2.5.4.6"; got != want {
		t.Errorf("type: got %q, want %q", got, want)
	}
	if n[0][0].Tag != 19 || string(n[0][0].Value) != "US" {
		t.Errorf("value: got tag %d %q, want 19 %q", n[0][0].Tag, n[0][0].Value, "US")
	}
	if got, want := n.OneLine(), "C = US, OU = b + CN = a"; got != want {
		t.Errorf("OneLine: got %q, want %q", got, want)
	}
	if got, want := n.String(), "OU=b+CN=a,C=US"; got != want {
		t.Errorf("String: got %q, want %q", got, want)
	}
}

func TestParseNameBER(t *testing.T) {
	// The same CN "abC" in BER forms OpenSSL 3.0 loads (checked with
	// openssl x509 -subject_hash: cf4dffc9 for each).
	tests := []struct {
		name string
		der  []byte
	}{
		{"DER", hxCN(12, "abC")},
		{"non-minimal value length", hxName(hxSet(hxTLV(0x30, hxOID(hxOIDCN), []byte{0x0c, 0x81, 3, 'a', 'b', 'C'})))},
		{"length with leading zero octets", hxName(hxSet(hxTLV(0x30, hxOID(hxOIDCN), []byte{0x0c, 0x83, 0, 0, 3, 'a', 'b', 'C'})))},
		{"constructed UTF8String", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x2c, hxTLV(0x0c, []byte("ab")), hxTLV(0x0c, []byte("C"))))))},
		{"nested constructed, other segment tags", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x2c, hxTLV(0x2c, hxTLV(0x13, []byte("ab"))), hxTLV(0x04, []byte("C"))))))},
		{"indefinite constructed string", hxName(hxSet(hxAVARaw(hxOIDCN, []byte{0x2c, 0x80, 0x0c, 1, 'a', 0x0c, 2, 'b', 'C', 0, 0})))},
		{"indefinite name", []byte{0x30, 0x80, 0x31, 0x0c, 0x30, 0x0a, 6, 3, 0x55, 4, 3, 0x0c, 3, 'a', 'b', 'C', 0, 0}},
		{"six constructed levels", hxName(hxSet(hxAVARaw(hxOIDCN, hxNest(6, hxTLV(0x0c, []byte("abC"))))))},
		{"indefinite set and attribute", []byte{0x30, 0x12, 0x31, 0x80, 0x30, 0x80, 6, 3, 0x55, 4, 3, 0x0c, 3, 'a', 'b', 'C', 0, 0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := NameHash(tc.der)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := FormatHash(h), "cf4dffc9"; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// hxBadName is a Name ParseName must refuse. embed is set when the bytes
// can stand as a certificate's subject, so that openssl can be shown the
// same name (and must refuse the certificate).
type hxBadName struct {
	name  string
	der   []byte
	want  error
	sub   string
	embed bool
}

var hxBadNames = []hxBadName{
	{"empty input", nil, ErrMalformedName, "truncated", false},
	{"not a sequence", hxSet(), ErrMalformedName, "not a SEQUENCE", false},
	{"trailing bytes", append(hxName(), 0), ErrMalformedName, "after the name", false},
	{"rdn not a set", hxName(hxTLV(0x30)), ErrMalformedName, "not a SET", true},
	{"empty attribute", hxName(hxSet(hxTLV(0x30))), ErrMalformedName, "attribute type", true},
	{"three elements", hxName(hxSet(hxTLV(0x30, hxOID(hxOIDCN), hxTLV(12, []byte("a")), hxTLV(12, []byte("b"))))), ErrMalformedName, "more than a type and a value", true},
	{"empty OID", hxName(hxSet(hxTLV(0x30, []byte{6, 0}, hxTLV(12, []byte("a"))))), ErrMalformedName, "empty OBJECT IDENTIFIER", true},
	{"OID 0x80 padding", hxName(hxSet(hxTLV(0x30, []byte{6, 4, 0x55, 4, 0x80, 3}, hxTLV(12, []byte("a"))))), ErrMalformedName, "leading 0x80", true},
	{"truncated length", []byte{0x30, 0x05, 0x31}, ErrMalformedName, "truncated", false},
	{"indefinite primitive", hxName(hxSet(hxAVARaw(hxOIDCN, []byte{0x0c, 0x80, 'a', 0, 0}))), ErrMalformedName, "indefinite length on a primitive", true},
	{"missing EOC", []byte{0x30, 0x80, 0x31, 0x00}, ErrMalformedName, "end-of-contents", false},
	{"EOC in definite set", hxName([]byte{0x31, 0x02, 0x00, 0x00}), ErrMalformedName, "end-of-contents", true},
	{"VisibleString", hxCN(26, "a"), ErrUnsupportedName, "VisibleString", true},
	{"GeneralString", hxCN(27, "a"), ErrUnsupportedName, "GeneralString", true},
	{"OCTET STRING", hxCN(4, "a"), ErrUnsupportedName, "OCTET STRING", true},
	{"INTEGER", hxCN(2, "\x01"), ErrUnsupportedName, "INTEGER", true},
	{"UTCTime", hxCN(23, "250101000000Z"), ErrUnsupportedName, "UTCTime", true},
	{"context tag", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x8c, []byte("a"))))), ErrUnsupportedName, "non-universal", true},
	{"high tag number", hxName(hxSet(hxAVARaw(hxOIDCN, []byte{0x1f, 0x28, 1, 'x'}))), ErrUnsupportedName, "universal tag 40", true},
	{"primitive SEQUENCE", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x10, []byte("a"))))), ErrMalformedName, "primitive SEQUENCE", true},
	{"invalid UTF-8", hxCN(12, "a\xff"), ErrUnsupportedName, "not valid UTF-8", true},
	{"overlong UTF-8", hxCN(12, "\xc0\xaf"), ErrUnsupportedName, "not valid UTF-8", true},
	{"UTF-8 surrogate", hxCN(12, "\xed\xa0\x80"), ErrUnsupportedName, "not valid UTF-8", true},
	{"UTF-8 above U+10FFFF", hxCN(12, "\xf4\x90\x80\x80"), ErrUnsupportedName, "not valid UTF-8", true},
	{"BMP surrogate", hxCN(30, "\xd8\x00\xdc\x00"), ErrUnsupportedName, "surrogate", true},
	{"BMP odd length", hxCN(30, "\x00A\x00"), ErrMalformedName, "odd length", true},
	{"Universal above U+10FFFF", hxCN(28, "\x00\x11\x00\x00"), ErrUnsupportedName, "invalid code point", true},
	{"Universal surrogate", hxCN(28, "\x00\x00\xd8\x00"), ErrUnsupportedName, "invalid code point", true},
	{"Universal length 6", hxCN(28, "\x00\x00\x00A\x00\x00"), ErrMalformedName, "multiple of 4", true},
	{"empty BIT STRING", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x03)))), ErrMalformedName, "empty BIT STRING", true},
	{"BIT STRING 8 unused", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x03, []byte{8, 0})))), ErrMalformedName, "8 unused bits", true},
	{"string nested too deep", hxName(hxSet(hxAVARaw(hxOIDCN, hxNest(7, hxTLV(0x0c, []byte("a")))))), ErrMalformedName, "nested too deep", true},
}

func TestParseNameErrors(t *testing.T) {
	for _, tc := range hxBadNames {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseName(tc.der)
			if err == nil {
				t.Fatal("got no error")
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want errors.Is %v", err, tc.want)
			}
			var ne *NameError
			if !errors.As(err, &ne) {
				t.Errorf("got %T, want *NameError", err)
			}
			if !strings.Contains(err.Error(), tc.sub) {
				t.Errorf("got %q, want it to contain %q", err, tc.sub)
			}
			if _, herr := NameHash(tc.der); herr == nil {
				t.Error("NameHash accepted a name ParseName refuses")
			}
		})
	}
}

// hxNest wraps v in n constructed UTF8String levels.
func hxNest(n int, v []byte) []byte {
	for range n {
		v = hxTLV(0x2c, v)
	}
	return v
}

func TestOneLine(t *testing.T) {
	// Expected strings as printed by openssl x509 -noout -subject (3.0).
	tests := []struct {
		name string
		der  []byte
		want string
	}{
		{"empty", hxName(), ""},
		{"utf8 non-ascii", hxCN(12, "Caf\xc3\x89 x"), `CN = Caf\C3\89 x`},
		{"latin1 printable", hxCN(19, "Caf\xe9"), `CN = Caf\C3\A9`},
		{"bmp", hxCN(30, "\x00C\x00\xe9\x01\x00"), `CN = C\C3\A9\C4\80`},
		{"universal", hxCN(28, "\x00\x00\x00A\x00\x01\xf6\x00"), `CN = A\F0\9F\98\80`},
		{"quotes and backslashes", hxName(hxSet(hxAVA(hxOIDO, 12, "Example, Inc.")), hxSet(hxAVA(hxOIDCN, 12, `a"b\c`))), `O = "Example, Inc.", CN = a\"b\\c`},
		{"multi-valued", hxName(hxSet(hxAVA(hxOIDCN, 12, "a"), hxAVA(hxOIDOU, 12, "b"))), "CN = a + OU = b"},
		{"leading space", hxCN(12, " x"), `CN = " x"`},
		{"single space", hxCN(12, " "), `CN = " "`},
		{"single hash", hxCN(12, "#"), "CN = #"},
		{"leading hash", hxCN(12, "#a"), `CN = "#a"`},
		{"controls", hxCN(12, "a\nb\x00c\x7fd"), `CN = a\0Ab\00c\7Fd`},
		{"semicolon and angles", hxCN(12, "a;b<c>d=e"), `CN = "a;b<c>d=e"`},
		{"spaces and tab", hxCN(12, " \t "), `CN = " \09 "`},
		{"bit string", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x03, []byte{0, 0x41})))), "CN = #03020041"},
		{"bit string unused bits cleared", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x03, []byte{3, 0xff})))), "CN = #030203F8"},
		{"tag 29", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(29, []byte("Ab c"))))), "CN = #1D0441622063"},
		{"sequence value", hxName(hxSet(hxAVARaw(hxOIDCN, []byte{0x30, 0x80, 0x0c, 1, 'x', 0, 0}))), "CN = #30800C01780000"},
		{"numeric", hxCN(18, "12 34"), "CN = 12 34"},
		{"unknown oid", hxName(hxSet(hxAVA(asn1.ObjectIdentifier{1, 2, 3, 4}, 12, "v"))), "1.2.3.4 = v"},
		{"oid 1.3", hxName(hxSet(hxAVA(asn1.ObjectIdentifier{1, 3}, 12, "a"))), "ORG = a"},
		{"pkcs9 contentType", hxName(hxSet(hxAVA(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}, 12, "a"))), "contentType = a"},
		{"big arc", hxName(hxSet(hxTLV(0x30, []byte{6, 12, 0x69, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 1}, hxTLV(12, []byte("a"))))), "2.25.1199256811571335283969 = a"},
		{"long oid truncated", hxName(hxSet(hxAVA(asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35}, 12, "a"))),
			"1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.25.26.27.28.29.3 = a"},
		{"empty rdn skipped", hxName(hxSet(), hxSet(hxAVA(hxOIDCN, 12, "a")), hxSet()), "CN = a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NameOneLine(tc.der)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNameString(t *testing.T) {
	tests := []struct {
		name string
		der  []byte
		want string
	}{
		{"reversed", hxName(hxSet(hxAVA(hxOIDC, 19, "US")), hxSet(hxAVA(hxOIDO, 12, "Example, Inc.")), hxSet(hxAVA(hxOIDCN, 12, "a"))), `CN=a,O=Example\, Inc.,C=US`},
		{"utf8 readable", hxCN(12, "Café"), "CN=Café"},
		{"latin1 decoded", hxCN(19, "Caf\xe9"), "CN=Café"},
		{"bmp decoded", hxCN(30, hxBMP("Ωmega")), "CN=Ωmega"},
		{"edges escaped", hxCN(12, "# a "), `CN=\# a\ `},
		{"specials", hxCN(12, `a+b;c<d>e"f\g`), `CN=a\+b\;c\<d\>e\"f\\g`},
		{"control", hxCN(12, "a\x00b\nc"), `CN=a\00b\0Ac`},
		{"non-text", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x03, []byte{0, 0x41})))), "CN=#03020041"},
		{"multi-valued", hxName(hxSet(hxAVA(hxOIDCN, 12, "a"), hxAVA(hxOIDEmail, 22, "x@y"))), "CN=a+emailAddress=x@y"},
		{"empty", hxName(), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ParseName(tc.der)
			if err != nil {
				t.Fatal(err)
			}
			if got := n.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCertCRLCSRNames(t *testing.T) {
	subj := hxCN(12, "subject")
	iss := hxName(hxSet(hxAVA(hxOIDO, 19, "Issuer")))
	cert := hxCert(subj, iss, hxCertOpts{})
	s, i, err := CertNames(cert)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s, subj) || !bytes.Equal(i, iss) {
		t.Errorf("CertNames: got %x / %x, want %x / %x", s, i, subj, iss)
	}
	// Cross-check with crypto/x509 on a certificate it can parse.
	c, err := x509.ParseCertificate(cert)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.RawSubject, s) || !bytes.Equal(c.RawIssuer, i) {
		t.Error("CertNames differs from crypto/x509's RawSubject/RawIssuer")
	}
	crl := hxCRL(iss, nil, time.Now(), time.Now().Add(time.Hour), 5)
	ci, err := CRLIssuerName(crl)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ci, iss) {
		t.Errorf("CRLIssuerName: got %x, want %x", ci, iss)
	}
	k := hxKey()
	csr := hxSign(k, hxTLV(0x30, hxTLV(0x02, []byte{0}), subj, hxSPKI(k), hxTLV(0xa0)))
	cs, err := CSRSubjectName(csr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cs, subj) {
		t.Errorf("CSRSubjectName: got %x, want %x", cs, subj)
	}
	for _, bad := range [][]byte{nil, {0x30, 0}, hxTLV(0x30, hxTLV(0x30, hxTLV(0x02, []byte{1})))} {
		if _, _, err := CertNames(bad); !errors.Is(err, ErrMalformedDER) {
			t.Errorf("CertNames(%x): got %v, want ErrMalformedDER", bad, err)
		}
		if _, err := CRLIssuerName(bad); !errors.Is(err, ErrMalformedDER) {
			t.Errorf("CRLIssuerName(%x): got %v, want ErrMalformedDER", bad, err)
		}
		if _, err := CSRSubjectName(bad); !errors.Is(err, ErrMalformedDER) {
			t.Errorf("CSRSubjectName(%x): got %v, want ErrMalformedDER", bad, err)
		}
	}
}

func TestOIDTableSorted(t *testing.T) {
	for i := 1; i < len(rnOIDTable); i++ {
		if rnOIDTable[i-1].der >= rnOIDTable[i].der {
			t.Fatalf("rnOIDTable not sorted at %d (%q)", i, rnOIDTable[i].sn)
		}
	}
	for _, e := range rnOIDTable {
		if sn, ok := rnOIDShortName([]byte(e.der)); !ok || sn != e.sn {
			t.Fatalf("lookup %q: got %q %v", e.sn, sn, ok)
		}
	}
}
