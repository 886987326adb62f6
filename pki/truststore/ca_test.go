package truststore

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

func TestNewCALabels(t *testing.T) {
	tests := []struct {
		name     string
		subject  pkix.Name
		wantName string
		wantFile string // prefix, before the fingerprint digits
	}{
		{"wsskit CA", pkix.Name{CommonName: "wsskit test CA 1a2b"}, "wsskit test CA 1a2b", "wsskit-test-ca-1a2b-"},
		{"plain CN", pkix.Name{CommonName: "Acme Root"}, "Acme Root", "wsskit-acme-root-"},
		{"colon is NSS's token separator", pkix.Name{CommonName: "Test: CA"}, "Test- CA", "wsskit-test-ca-"},
		{"white space folded", pkix.Name{CommonName: "  A \t  B\nC "}, "A B C", "wsskit-a-b-c-"},
		{"organization when no CN", pkix.Name{Organization: []string{"Org Only"}}, "Org Only", "wsskit-org-only-"},
		{"subject when no CN or O", pkix.Name{Country: []string{"SG"}}, "C=SG", "wsskit-c-sg-"},
		{"non-ASCII kept in nickname, dropped in file", pkix.Name{CommonName: "Prüf CA"}, "Prüf CA", "wsskit-pr-f-ca-"},
		{"only non-ASCII", pkix.Name{CommonName: "認証局"}, "認証局", "wsskit-ca-"},
		{"long name cut", pkix.Name{CommonName: strings.Repeat("x", 100)}, strings.Repeat("x", 64), "wsskit-" + strings.Repeat("x", 48) + "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := issueWithSubject(t, tt.subject)
			ca, err := NewCA(c)
			if err != nil {
				t.Fatal(err)
			}
			fp := shortFP(c)
			if ca.Name != tt.wantName {
				t.Errorf("Name %q, want %q", ca.Name, tt.wantName)
			}
			if want := tt.wantName + " (" + fp + ")"; ca.Nickname != want {
				t.Errorf("Nickname %q, want %q", ca.Nickname, want)
			}
			if strings.Contains(ca.Nickname, ":") {
				t.Errorf("Nickname %q holds a colon", ca.Nickname)
			}
			if ca.Alias != strings.ToLower(ca.Nickname) {
				t.Errorf("Alias %q, want lower-case nickname", ca.Alias)
			}
			if want := tt.wantFile + strings.ToLower(fp) + ".crt"; ca.FileName != want {
				t.Errorf("FileName %q, want %q", ca.FileName, want)
			}
			// Every label is recognised as wsskit's, with this CA's digits.
			for _, l := range []struct {
				label string
				got   string
			}{
				{ca.Nickname, labelFP(nicknameRe, ca.Nickname)},
				{ca.Alias, labelFP(aliasRe, ca.Alias)},
				{ca.FileName, labelFP(fileNameRe, ca.FileName)},
			} {
				if l.got != fp {
					t.Errorf("label %q: fingerprint digits %q, want %q", l.label, l.got, fp)
				}
			}
			if !strings.HasPrefix(ca.SHA256, fp[:2]+":"+fp[2:4]+":") || len(ca.SHA256) != 95 {
				t.Errorf("SHA256 %q does not start with %s", ca.SHA256, fp)
			}
			if len(ca.SHA1) != 40 {
				t.Errorf("SHA1 %q is not 40 hex digits", ca.SHA1)
			}
		})
	}
}

func issueWithSubject(t testing.TB, name pkix.Name) *x509.Certificate {
	t.Helper()
	c := pkitest.Issue(t, pkitest.Template{CN: name.CommonName, CA: true}, nil)
	if len(name.Organization) == 0 && len(name.Country) == 0 {
		return c.Cert
	}
	tmpl := *c.Cert
	tmpl.Subject, tmpl.RawSubject, tmpl.RawIssuer = name, nil, nil
	der, err := x509.CreateCertificate(nil, &tmpl, &tmpl, c.Key.Public(), c.Key)
	if err != nil {
		t.Fatal(err)
	}
	out, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestNewCARejectsLeaf(t *testing.T) {
	leaf := certOf(t, "127.0.0.1", false)
	_, err := NewCA(leaf)
	if !errors.Is(err, ErrNotCA) {
		t.Fatalf("got %v, want ErrNotCA", err)
	}
	if !strings.Contains(err.Error(), "CN=127.0.0.1") {
		t.Errorf("error %q does not name the certificate", err)
	}
}

func TestLabelsRejectOthers(t *testing.T) {
	for _, s := range []string{"Acme Root", "x (3FA1B2C)", "x (3fa1b2c3)", "x(3FA1B2C3)", "NSS Certificate DB:x (3F:A1:B2:C3)"} {
		if got := labelFP(nicknameRe, s); got != "" {
			t.Errorf("nickname %q recognised as wsskit's (%q)", s, got)
		}
	}
	for _, s := range []string{"debian:wsskit-test-ca-3fa1b2c3.pem", "wsskit-3fa1b2c3.crt", "wsskit-x-3FA1B2C3.crt", "custom.crt"} {
		if got := labelFP(fileNameRe, s); got != "" {
			t.Errorf("file %q recognised as wsskit's (%q)", s, got)
		}
	}
}

func TestParseKinds(t *testing.T) {
	tests := []struct {
		in      []string
		want    []Kind
		wantErr string
	}{
		{nil, nil, ""},
		{[]string{"all"}, nil, ""},
		{[]string{"nss"}, []Kind{NSS}, ""},
		{[]string{"system,java"}, []Kind{System, Java}, ""},
		{[]string{"java", "NSS", "java"}, []Kind{Java, NSS}, ""},
		{[]string{"nss,all"}, nil, ""},
		{[]string{"firefox"}, nil, `unknown store "firefox"`},
	}
	for _, tt := range tests {
		got, err := ParseKinds(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseKinds(%q): error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || strings.Join(kindStrings(got), ",") != strings.Join(kindStrings(tt.want), ",") || (got == nil) != (tt.want == nil) {
			t.Errorf("ParseKinds(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func kindStrings(ks []Kind) []string {
	var s []string
	for _, k := range ks {
		s = append(s, string(k))
	}
	return s
}

func TestParsePEMCertsTrustedForm(t *testing.T) {
	c := certOf(t, "x", true)
	// OpenSSL's TRUSTED CERTIFICATE: the certificate DER followed by
	// trust settings (here a bare SEQUENCE).
	trusted := append(append([]byte(nil), c.Raw...), 0x30, 0x00)
	data := []byte("text before\n")
	data = append(data, pemBlock("TRUSTED CERTIFICATE", trusted)...)
	data = append(data, pemBlock("CERTIFICATE", c.Raw)...)
	data = append(data, pemBlock("X509 CRL", []byte{1, 2})...)
	got := parsePEMCerts(data)
	if len(got) != 2 || string(got[0]) != string(c.Raw) || string(got[1]) != string(c.Raw) {
		t.Fatalf("got %d certificates, want the same one twice", len(got))
	}
}
