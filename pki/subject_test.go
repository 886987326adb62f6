package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// TestParseSubjectMatchesOpenSSL builds each subject with `openssl req -subj
// -utf8` and with ParseSubject and compares the DER byte for byte: string
// types, multi-valued RDN order, escapes and skipped empty values included.
func TestParseSubjectMatchesOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	key := filepath.Join(dir, "k.pem")
	pkitest.Run(t, openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key)
	subjects := []string{
		"/CN=127.0.0.1",
		"/C=SG/O=Test/CN=127.0.0.1",
		"/C=SG/ST=Some  State/L=Singapore/O=Test\\/Org/OU=Dev/CN=server",
		"/CN=a+OU=b",
		"/OU=b+CN=a",
		"/O=x/CN=/OU=y",
		"/emailAddress=someone@example.com/CN=mail",
		"/DC=com/DC=example/CN=dc",
		"/serialNumber=1234/CN=sn",
		"/CN=Éclair ünïcode 日本",
		"/CN=  spaces  inside  /O= lead",
		"/CN=plus\\+sign/O=back\\\\slash",
		"/UID=jdoe/GN=John/SN=Doe/title=Dr",
		"/2.5.4.3=by-oid",
		"/street=1 Main St/postalCode=12345",
		"/CN=a/CN=b",
		"/O=Example, Inc./CN=comma",
		"/",
	}
	for _, s := range subjects {
		t.Run(s, func(t *testing.T) {
			out := filepath.Join(dir, "r.der")
			cmd := exec.Command(openssl, "req", "-new", "-key", key, "-subj", s, "-utf8", "-outform", "DER", "-out", out)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("openssl req -subj %q: %v\n%s", s, err, msg)
			}
			csr, err := x509.ParseCertificateRequest(mustRead(t, out))
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := ParseSubject(s)
			if err != nil {
				t.Fatalf("ParseSubject(%q): %v", s, err)
			}
			if !bytes.Equal(got, csr.RawSubject) {
				t.Errorf("ParseSubject(%q)\n got %s\nwant %s (openssl)", s, hex.EncodeToString(got), hex.EncodeToString(csr.RawSubject))
			}
		})
	}
}

// TestRFC4514EqualsOpenSSLForm checks that the RFC 4514 spelling (most
// specific first) gives the same DER as the OpenSSL one.
func TestRFC4514EqualsOpenSSLForm(t *testing.T) {
	tests := []struct{ rfc, openssl string }{
		{"CN=127.0.0.1,O=Test,C=SG", "/C=SG/O=Test/CN=127.0.0.1"},
		{"CN=a+OU=b,O=x", "/O=x/OU=b+CN=a"},
		{`CN=Example\, Inc.,O=x`, "/O=x/CN=Example, Inc."},
		{`CN=\23hash,O=x`, "/O=x/CN=#hash"},
		{`CN="quoted, value"`, "/CN=quoted, value"},
		{"cn=lower, o=case", "/O=case/CN=lower"},
		{`CN=caf\C3\A9`, "/CN=café"},
		{"E=a@b.example,CN=x", "/CN=x/emailAddress=a@b.example"},
	}
	for _, tt := range tests {
		t.Run(tt.rfc, func(t *testing.T) {
			a, _, err := ParseSubject(tt.rfc)
			if err != nil {
				t.Fatalf("ParseSubject(%q): %v", tt.rfc, err)
			}
			b, _, err := ParseSubject(tt.openssl)
			if err != nil {
				t.Fatalf("ParseSubject(%q): %v", tt.openssl, err)
			}
			if !bytes.Equal(a, b) {
				t.Errorf("%q and %q differ:\n%x\n%x", tt.rfc, tt.openssl, a, b)
			}
		})
	}
}

func TestParseSubjectErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/XX=foo", "unknown attribute"},
		{"/CN", "has no '='"},
		{"/C=SGP", "two-letter"},
		{"/C=S@", "PrintableString"},
		{"/emailAddress=é@x", "ASCII"},
		{"justaname", "not a distinguished name"},
		{"CN=a,,O=b", "empty RDN"},
		{"/CN=trailing\\", "lone backslash"},
		{"/CN=" + string(bytes.Repeat([]byte("x"), 65)), "more than the 64"},
		{"CN=#zz", "bad hex"},
		{"CN=#010101", "must be an ASN.1 string"}, // found by FuzzParseSubject
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, _, err := ParseSubject(tt.in)
			var se *SubjectError
			if !errors.As(err, &se) {
				t.Fatalf("ParseSubject(%q) = %v, want *SubjectError", tt.in, err)
			}
			if !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestParseSubjectSkipsEmptyWithWarning(t *testing.T) {
	der, warnings, err := ParseSubject("/CN=/O=x")
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !bytes.Contains([]byte(warnings[0]), []byte(`"CN"`)) {
		t.Errorf("warnings = %q, want one about CN", warnings)
	}
	if got := CommonName(der); got != "" {
		t.Errorf("CommonName = %q, want empty", got)
	}
}

func FuzzParseSubject(f *testing.F) {
	for _, s := range []string{"/C=SG/O=Test/CN=127.0.0.1", "CN=a+OU=b,O=x", `CN=\23x`, "/CN=a\\/b", "CN=#0c0161", `CN="a,b"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		der, _, err := ParseSubject(s)
		if err != nil {
			var se *SubjectError
			if !errors.As(err, &se) {
				t.Fatalf("ParseSubject(%q) error %T is not a *SubjectError", s, err)
			}
			return
		}
		// Whatever ParseSubject accepts is one well-formed Name: a SEQUENCE
		// of non-empty SETs of SEQUENCE{OID, string}, with nothing after it.
		in := cryptobyte.String(der)
		var seq cryptobyte.String
		if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
			t.Fatalf("ParseSubject(%q) = %x: not one SEQUENCE", s, der)
		}
		for !seq.Empty() {
			var set cryptobyte.String
			if !seq.ReadASN1(&set, cbasn1.SET) || set.Empty() {
				t.Fatalf("ParseSubject(%q) = %x: bad or empty RDN", s, der)
			}
			for !set.Empty() {
				var ava cryptobyte.String
				var oid asn1.ObjectIdentifier
				var val cryptobyte.String
				var tag cbasn1.Tag
				if !set.ReadASN1(&ava, cbasn1.SEQUENCE) || !ava.ReadASN1ObjectIdentifier(&oid) ||
					!ava.ReadAnyASN1(&val, &tag) || !ava.Empty() || !isStringTag(tag) {
					t.Fatalf("ParseSubject(%q) = %x: bad attribute", s, der)
				}
			}
		}
	})
}
