package pki

import (
	"crypto/x509"
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

func mustSubject(t testing.TB, s string) []byte {
	t.Helper()
	der, _, err := ParseSubject(s)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func mustKey(t testing.TB, kt string) KeyType {
	t.Helper()
	k, err := ParseKeyType(kt)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func issueChain(t testing.TB, kt KeyType) (ca, server, client *Issued) {
	t.Helper()
	p, err := InitPKI(InitOptions{IPs: []net.IP{net.IPv4(127, 0, 0, 1).To4()}, DNS: []string{"localhost"}, Clients: 1, KeyType: kt})
	if err != nil {
		t.Fatal(err)
	}
	return &p.CA, &p.Server, &p.Clients[0]
}

// TestIssuedCertsPassOpenSSLVerify is the issue's acceptance: openssl
// verify accepts the server certificate for sslserver and the client one for
// sslclient, for every key type, and shows the SANs.
func TestIssuedCertsPassOpenSSLVerify(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	for _, kts := range []string{"ec:P-256", "ec:P-384", "rsa:2048", "ed25519"} {
		t.Run(kts, func(t *testing.T) {
			ca, srv, cli := issueChain(t, mustKey(t, kts))
			dir := t.TempDir()
			caFile := pkitest.WriteFile(t, dir, "ca.pem", EncodeCertsPEM(ca.Cert))
			srvFile := pkitest.WriteFile(t, dir, "server.pem", EncodeCertsPEM(srv.Cert))
			cliFile := pkitest.WriteFile(t, dir, "client.pem", EncodeCertsPEM(cli.Cert))
			base := []string{"verify", "-no-CApath", "-no-CAstore", "-CAfile", caFile}
			pkitest.Run(t, openssl, append(base, "-purpose", "sslserver", "-verify_ip", "127.0.0.1", srvFile)...)
			pkitest.Run(t, openssl, append(base, "-purpose", "sslserver", "-verify_hostname", "localhost", srvFile)...)
			pkitest.Run(t, openssl, append(base, "-purpose", "sslclient", cliFile)...)
			// And the wrong purposes fail with error 26.
			for _, c := range []struct{ purpose, file string }{{"sslclient", srvFile}, {"sslserver", cliFile}} {
				out, err := exec.Command(openssl, append(base, "-purpose", c.purpose, c.file)...).CombinedOutput()
				if err == nil || !strings.Contains(string(out), "error 26 at 0 depth") {
					t.Errorf("openssl verify -purpose %s %s: want error 26, got %v\n%s", c.purpose, filepath.Base(c.file), err, out)
				}
			}
			text := pkitest.Run(t, openssl, "x509", "-noout", "-ext", "subjectAltName,keyUsage,extendedKeyUsage,basicConstraints,subjectKeyIdentifier,authorityKeyIdentifier", "-in", srvFile)
			for _, want := range []string{"DNS:localhost", "IP Address:127.0.0.1", "TLS Web Server Authentication", "Digital Signature", "CA:FALSE", "Subject Key Identifier", "Authority Key Identifier"} {
				if !strings.Contains(text, want) {
					t.Errorf("server certificate lacks %q:\n%s", want, text)
				}
			}
			if strings.HasPrefix(kts, "rsa") && !strings.Contains(text, "Key Encipherment") {
				t.Errorf("RSA server certificate lacks keyEncipherment:\n%s", text)
			}
		})
	}
}

func TestIssueProfilesAndDefaults(t *testing.T) {
	ca, _, _ := issueChain(t, DefaultKeyType)
	if !ca.Cert.IsCA || ca.Cert.KeyUsage&x509.KeyUsageCertSign == 0 || ca.Cert.KeyUsage&x509.KeyUsageCRLSign == 0 {
		t.Errorf("CA: IsCA=%v KeyUsage=%b", ca.Cert.IsCA, ca.Cert.KeyUsage)
	}
	if d := ca.Cert.NotAfter.Sub(ca.Cert.NotBefore); d != DefaultCADays*24*time.Hour {
		t.Errorf("CA validity %v, want %d days", d, DefaultCADays)
	}
	key, _ := GenerateKey(DefaultKeyType, nil)
	leaf, err := Issue(CertRequest{Subject: mustSubject(t, "/CN=both"), SANs: &SANs{DNS: []string{"both.test"}}, Profile: ProfileServerClient,
		PublicKey: key.Public(), Issuer: ca.Cert, IssuerKey: ca.Key})
	if err != nil {
		t.Fatal(err)
	}
	if got := leaf.NotAfter.Sub(leaf.NotBefore); got != DefaultLeafDays*24*time.Hour {
		t.Errorf("leaf validity %v, want %d days", got, DefaultLeafDays)
	}
	if len(leaf.ExtKeyUsage) != 2 {
		t.Errorf("server+client EKU = %v", leaf.ExtKeyUsage)
	}
	if leaf.SerialNumber.BitLen() < 120 || leaf.SerialNumber.Sign() <= 0 {
		t.Errorf("serial %x is not a positive ~128-bit number", leaf.SerialNumber)
	}
	if len(leaf.AuthorityKeyId) == 0 || string(leaf.AuthorityKeyId) != string(ca.Cert.SubjectKeyId) {
		t.Errorf("AKI %x != CA SKI %x", leaf.AuthorityKeyId, ca.Cert.SubjectKeyId)
	}
	if time.Since(leaf.NotBefore) < 0 {
		t.Errorf("NotBefore %v is in the future", leaf.NotBefore)
	}
}

func TestIssueErrors(t *testing.T) {
	ca, srv, _ := issueChain(t, DefaultKeyType)
	other, _, _ := issueChain(t, DefaultKeyType)
	key, _ := GenerateKey(DefaultKeyType, nil)
	tests := []struct {
		name string
		req  CertRequest
		want func(error) bool
	}{
		{"server without SANs", CertRequest{Subject: mustSubject(t, "/CN=x"), Profile: ProfileServer, PublicKey: key.Public(), Issuer: ca.Cert, IssuerKey: ca.Key},
			func(err error) bool { return errors.Is(err, ErrServerNeedsSAN) }},
		{"CA key does not match", CertRequest{Subject: mustSubject(t, "/CN=x"), Profile: ProfileClient, PublicKey: key.Public(), Issuer: ca.Cert, IssuerKey: other.Key},
			func(err error) bool { var m *MismatchError; return errors.As(err, &m) }},
		{"issuer is not a CA", CertRequest{Subject: mustSubject(t, "/CN=x"), Profile: ProfileClient, PublicKey: key.Public(), Issuer: srv.Cert, IssuerKey: srv.Key},
			func(err error) bool { return err != nil && strings.Contains(err.Error(), "not a CA") }},
		{"self-signed with another key", CertRequest{Subject: mustSubject(t, "/CN=x"), Profile: ProfileCA, PublicKey: key.Public(), SelfKey: ca.Key},
			func(err error) bool { var m *MismatchError; return errors.As(err, &m) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Issue(tt.req)
			if !tt.want(err) {
				t.Errorf("Issue: got %v", err)
			}
		})
	}
}

// TestSignOpenSSLCSR signs a CSR made by `openssl req -new` (RSA, with SANs
// requested) and checks that openssl verifies the result and that SANs are
// copied only with CopySANs.
func TestSignOpenSSLCSR(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	key := filepath.Join(dir, "k.pem")
	csrFile := filepath.Join(dir, "r.pem")
	pkitest.Run(t, openssl, "genrsa", "-out", key, "2048")
	pkitest.Run(t, openssl, "req", "-new", "-key", key, "-subj", "/C=SG/O=Test/OU=whatever/CN=client1", "-addext", "subjectAltName=DNS:client1.test,IP:10.0.0.1", "-out", csrFile)
	b, err := Load(mustRead(t, csrFile), nil)
	if err != nil || len(b.CSRs) != 1 {
		t.Fatalf("Load CSR: %v", err)
	}
	ca, _, _ := issueChain(t, DefaultKeyType)
	caFile := pkitest.WriteFile(t, dir, "ca.pem", EncodeCertsPEM(ca.Cert))
	for _, copySANs := range []bool{false, true} {
		cert, err := SignCSR(b.CSRs[0], ca.Cert, ca.Key, SignOptions{Profile: ProfileClient, CopySANs: copySANs})
		if err != nil {
			t.Fatal(err)
		}
		if string(cert.RawSubject) != string(b.CSRs[0].RawSubject) {
			t.Errorf("subject changed: %s", cert.Subject)
		}
		if got := len(cert.DNSNames) + len(cert.IPAddresses); (got > 0) != copySANs {
			t.Errorf("CopySANs=%v: certificate SANs %v %v", copySANs, cert.DNSNames, cert.IPAddresses)
		}
		f := pkitest.WriteFile(t, dir, "c.pem", EncodeCertsPEM(cert))
		pkitest.Run(t, openssl, "verify", "-no-CApath", "-no-CAstore", "-CAfile", caFile, "-purpose", "sslclient", f)
	}
	// A CSR whose signature no longer matches is refused before signing.
	bad := *b.CSRs[0]
	bad.Signature = append([]byte(nil), bad.Signature...)
	bad.Signature[len(bad.Signature)-1] ^= 0xff
	_, err = SignCSR(&bad, ca.Cert, ca.Key, SignOptions{})
	var ce *CSRError
	if !errors.As(err, &ce) {
		t.Errorf("tampered CSR: got %v, want *CSRError", err)
	}
}

// TestOpenSSLReqVerifiesOurCSR checks `openssl req -verify` on CSRs of every
// key type.
func TestOpenSSLReqVerifiesOurCSR(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	for _, kts := range []string{"ec:P-256", "ec:P-521", "rsa:2048", "ed25519"} {
		key, err := GenerateKey(mustKey(t, kts), nil)
		if err != nil {
			t.Fatal(err)
		}
		sans := &SANs{}
		if err := sans.AddSAN("DNS:a.test,IP:127.0.0.1,email:a@b.test,URI:spiffe://t/x"); err != nil {
			t.Fatal(err)
		}
		csr, err := CreateCSR(key, mustSubject(t, "/O=Test/CN="+kts), sans, nil)
		if err != nil {
			t.Fatal(err)
		}
		f := pkitest.WriteFile(t, dir, "r.pem", EncodeCSRPEM(csr))
		out := pkitest.Run(t, openssl, "req", "-verify", "-noout", "-text", "-in", f)
		if !strings.Contains(out, "verify OK") && !strings.Contains(out, "Certificate request self-signature verify OK") {
			t.Errorf("%s: openssl req -verify said:\n%s", kts, out)
		}
		if !strings.Contains(out, "URI:spiffe://t/x") || !strings.Contains(out, "IP Address:127.0.0.1") {
			t.Errorf("%s: SANs missing from CSR:\n%s", kts, out)
		}
	}
}

func TestParseKeyType(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{"", "ec:P-256", false}, {"ec", "ec:P-256", false}, {"ec:p384", "ec:P-384", false}, {"EC:P-521", "ec:P-521", false},
		{"rsa", "rsa:2048", false}, {"rsa:3072", "rsa:3072", false}, {"rsa:4096", "rsa:4096", false}, {"ed25519", "ed25519", false},
		{"rsa:1024", "", true}, {"rsa:abc", "", true}, {"ec:P-192", "", true}, {"dsa", "", true}, {"ed25519:x", "", true},
	}
	for _, tt := range tests {
		got, err := ParseKeyType(tt.in)
		if (err != nil) != tt.bad {
			t.Errorf("ParseKeyType(%q) error = %v, want error %v", tt.in, err, tt.bad)
			continue
		}
		if !tt.bad && got.String() != tt.want {
			t.Errorf("ParseKeyType(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAddSAN(t *testing.T) {
	tests := []struct {
		in   string
		want string // SANs.String()
		err  string
	}{
		{"IP:127.0.0.1", "IP Address:127.0.0.1", ""},
		{"127.0.0.1", "IP Address:127.0.0.1", ""},
		{"::1", "IP Address:::1", ""},
		{"[::1]", "IP Address:::1", ""},
		{"ip address:10.1.2.3", "IP Address:10.1.2.3", ""},
		{"DNS:LocalHost", "DNS:localhost", ""},
		{"example.com", "DNS:example.com", ""},
		{"*.example.com", "DNS:*.example.com", ""},
		{"a@b.example", "email:a@b.example", ""},
		{"URI:spiffe://td/ns/x", "URI:spiffe://td/ns/x", ""},
		{"https://a.test/x?y=1,2", "URI:https://a.test/x?y=1,2", ""},
		{"IP:127.0.0.1,DNS:localhost", "DNS:localhost, IP Address:127.0.0.1", ""},
		{"DNS:127.0.0.1", "", "IP address written as a DNS name"},
		{"IP:300.1.1.1", "", "not an IPv4"},
		{"DNS:a..b", "", "empty label"},
		{"DNS:foo.*.com", "", "wildcard"},
		{"DNS:a b", "", "not allowed"},
		{"email:nobody", "", "not an email"},
		{"URI:relative/path", "", "absolute URI"},
		{"", "", "empty value"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s := &SANs{}
			err := s.AddSAN(tt.in)
			if tt.err != "" {
				var se *SANError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("AddSAN(%q) = %v, want a *SANError mentioning %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.String(); got != tt.want {
				t.Errorf("AddSAN(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
