package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// lintCA is a CA for lint tests, with its key.
type lintCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

var (
	lintKeysOnce sync.Once
	lintRSA1024  *rsa.PrivateKey
	lintRSA2048  *rsa.PrivateKey
)

// lintKeys makes the RSA keys once: RSA generation is the slow part.
func lintKeys(t *testing.T) {
	t.Helper()
	lintKeysOnce.Do(func() {
		var err error
		if lintRSA1024, err = rsa.GenerateKey(rand.Reader, 1024); err != nil {
			panic(err)
		}
		if lintRSA2048, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
}

func lintECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func lintSKI(t *testing.T, pub crypto.PublicKey) []byte {
	t.Helper()
	id, err := SubjectKeyID(pub)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// makeLintCA makes a self-signed CA; mod may change the template.
func makeLintCA(t *testing.T, cn string, key crypto.Signer, mod func(*x509.Certificate)) *lintCA {
	t.Helper()
	if key == nil {
		key = lintECKey(t)
	}
	serial, err := RandomSerial(nil)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(3650 * lintDay),
		BasicConstraintsValid: true, IsCA: true,
		KeyUsage:     x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId: lintSKI(t, key.Public()),
	}
	if mod != nil {
		mod(tmpl)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &lintCA{cert: c, key: key}
}

// lintLeaf issues a certificate from ca (self-signed when ca is nil). The
// template starts as a clean server certificate: ECDSA P-256, serverAuth,
// digitalSignature, IP 127.0.0.1 and DNS localhost, 90 days, random serial,
// SKI. mod changes it; key replaces the key.
func lintLeaf(t *testing.T, ca *lintCA, key crypto.Signer, mod func(*x509.Certificate)) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	if key == nil {
		key = lintECKey(t)
	}
	serial, err := RandomSerial(nil)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * lintDay),
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		SubjectKeyId:          lintSKI(t, key.Public()),
	}
	if _, ok := key.Public().(*rsa.PublicKey); ok {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	if mod != nil {
		mod(tmpl)
	}
	parent, signer := tmpl, key
	if ca != nil {
		parent, signer = ca.cert, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

// kuExtension is a keyUsage extension with the given bits and criticality,
// for ExtraExtensions (crypto/x509 always marks its own critical).
func lintKUExt(t *testing.T, ku x509.KeyUsage, critical bool) pkix.Extension {
	t.Helper()
	var b [2]byte
	b[0] = lintReverseBits(byte(ku))
	b[1] = lintReverseBits(byte(ku >> 8))
	n := 16
	for n > 0 && (b[(n-1)/8]>>(7-uint((n-1)%8)))&1 == 0 {
		n--
	}
	val, err := asn1.Marshal(asn1.BitString{Bytes: b[:(n+7)/8], BitLength: n})
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: oidKeyUsageExt, Critical: critical, Value: val}
}

func lintReverseBits(b byte) byte {
	var r byte
	for i := 0; i < 8; i++ {
		r = r<<1 | b&1
		b >>= 1
	}
	return r
}

func lintIDsOf(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

func lintFinding(fs []Finding, id string) (Finding, bool) {
	for _, f := range fs {
		if f.ID == id {
			return f, true
		}
	}
	return Finding{}, false
}

func TestLint(t *testing.T) {
	lintKeys(t)
	ca := makeLintCA(t, "Lint CA", nil, nil)
	rsaCA := makeLintCA(t, "Lint RSA CA", lintRSA2048, nil)
	otherCA := makeLintCA(t, "Other CA", nil, nil)
	expiredCA := makeLintCA(t, "Expired CA", nil, func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = time.Now().Add(-100*lintDay), time.Now().Add(-lintDay)
	})
	noCertSignCA := makeLintCA(t, "No CertSign CA", nil, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageDigitalSignature })
	smallCA := makeLintCA(t, "Small RSA CA", lintRSA1024, nil)
	notCA := makeLintCA(t, "Not a CA", nil, func(c *x509.Certificate) { c.IsCA = false; c.KeyUsage = x509.KeyUsageDigitalSignature })
	sha1Inter := func() *lintCA {
		k := lintECKey(t)
		c, _ := lintLeaf(t, rsaCA, k, func(c *x509.Certificate) {
			c.Subject = pkix.Name{CommonName: "SHA-1 Intermediate"}
			c.IsCA, c.KeyUsage, c.ExtKeyUsage, c.DNSNames, c.IPAddresses = true, x509.KeyUsageCertSign, nil, nil, nil
			c.SignatureAlgorithm = x509.SHA1WithRSA
		})
		return &lintCA{cert: c, key: k}
	}()
	fixtureNoSKI, fixtureNoSKIKey := crlFixtureCA(t, "noski-ca")
	noSKICA := &lintCA{cert: fixtureNoSKI, key: fixtureNoSKIKey}
	rsa512 := func() *rsa.PublicKey {
		p, _ := rand.Prime(rand.Reader, 256)
		q, _ := rand.Prime(rand.Reader, 256)
		return &rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537}
	}()
	now := time.Now()

	type tc struct {
		name    string
		cert    func() *x509.Certificate
		chain   []*x509.Certificate
		opts    LintOptions
		want    []string // IDs that must be present
		sev     Severity // severity of want[0]
		notWant []string
	}
	leaf := func(c *lintCA, mod func(*x509.Certificate)) func() *x509.Certificate {
		return func() *x509.Certificate { x, _ := lintLeaf(t, c, nil, mod); return x }
	}
	leafKey := func(c *lintCA, key crypto.Signer, mod func(*x509.Certificate)) func() *x509.Certificate {
		return func() *x509.Certificate { x, _ := lintLeaf(t, c, key, mod); return x }
	}
	chain := []*x509.Certificate{ca.cert}
	tests := []tc{
		{name: "clean server", cert: leaf(ca, nil), chain: chain},
		{name: "clean client", cert: leaf(ca, func(c *x509.Certificate) {
			c.Subject.CommonName, c.DNSNames, c.IPAddresses = "alice", nil, nil
			c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}), chain: chain},
		{name: "clean RSA server", cert: leafKey(rsaCA, lintRSA2048, nil), chain: []*x509.Certificate{rsaCA.cert}},
		{name: "expired", cert: leaf(ca, func(c *x509.Certificate) { c.NotBefore, c.NotAfter = now.Add(-10*lintDay), now.Add(-lintDay) }),
			want: []string{"expired"}, sev: SeverityError},
		{name: "not yet valid", cert: leaf(ca, func(c *x509.Certificate) { c.NotBefore = now.Add(lintDay) }),
			want: []string{"not_yet_valid"}, sev: SeverityError},
		{name: "expires soon", cert: leaf(ca, func(c *x509.Certificate) { c.NotAfter = now.Add(10 * lintDay) }),
			want: []string{"expires_soon"}, sev: SeverityInfo},
		{name: "no SAN, CN not a host", cert: leaf(ca, func(c *x509.Certificate) {
			c.Subject.CommonName, c.DNSNames, c.IPAddresses = "My Server", nil, nil
		}), opts: LintOptions{Purpose: "server"}, want: []string{"no_san"}, sev: SeverityError},
		{name: "CN-only host name", cert: leaf(ca, func(c *x509.Certificate) { c.DNSNames, c.IPAddresses = nil, nil }),
			want: []string{"cn_only"}, sev: SeverityError},
		{name: "CN-only IP", cert: leaf(ca, func(c *x509.Certificate) {
			c.Subject.CommonName, c.DNSNames, c.IPAddresses = "127.0.0.1", nil, nil
		}), want: []string{"cn_only"}, sev: SeverityError},
		{name: "IP as DNS SAN", cert: leaf(ca, func(c *x509.Certificate) { c.DNSNames, c.IPAddresses = []string{"127.0.0.1"}, nil }),
			want: []string{"ip_in_dns_san"}, sev: SeverityError},
		{name: "IP as DNS SAN and IP SAN", cert: leaf(ca, func(c *x509.Certificate) { c.DNSNames = []string{"127.0.0.1"} }),
			want: []string{"ip_in_dns_san"}, sev: SeverityInfo},
		{name: "duplicate SAN", cert: leaf(ca, func(c *x509.Certificate) { c.DNSNames = []string{"localhost", "LOCALHOST"} }),
			want: []string{"duplicate_san"}, sev: SeverityInfo},
		{name: "wildcard not leftmost", cert: leaf(ca, func(c *x509.Certificate) { c.DNSNames = []string{"a.*.example.com"} }),
			want: []string{"wildcard_not_leftmost"}, sev: SeverityError},
		{name: "partial wildcard", cert: leaf(ca, func(c *x509.Certificate) { c.DNSNames = []string{"f*.example.com"} }),
			want: []string{"wildcard_partial"}, sev: SeverityError},
		{name: "wildcard on a TLD", cert: leaf(ca, func(c *x509.Certificate) { c.DNSNames = []string{"*.com"} }),
			want: []string{"wildcard_too_broad"}, sev: SeverityError},
		{name: "wildcard without its base", cert: leaf(ca, func(c *x509.Certificate) { c.DNSNames = []string{"*.example.com"} }),
			want: []string{"wildcard_bare_domain"}, sev: SeverityInfo},
		{name: "wildcard with its base", cert: leaf(ca, func(c *x509.Certificate) { c.DNSNames = []string{"*.example.com", "example.com"} }),
			notWant: []string{"wildcard_bare_domain"}},
		{name: "826 days", cert: leaf(ca, func(c *x509.Certificate) { c.NotAfter = c.NotBefore.Add(826 * lintDay) }), chain: chain,
			want: []string{"validity_over_825_days"}, sev: SeverityError, notWant: []string{"validity_over_398_days"}},
		{name: "825 days exactly (wsskit's default)", cert: leaf(ca, func(c *x509.Certificate) { c.NotAfter = c.NotBefore.Add(825 * lintDay) }), chain: chain,
			want: []string{"validity_over_398_days"}, sev: SeverityInfo, notWant: []string{"validity_over_825_days"}},
		{name: "500 days, issuer unknown", cert: leaf(ca, func(c *x509.Certificate) { c.NotAfter = c.NotBefore.Add(500 * lintDay) }),
			want: []string{"validity_over_398_days"}, sev: SeverityInfo},
		{name: "900 days issued before July 2019", cert: leaf(ca, func(c *x509.Certificate) {
			c.NotBefore = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
			c.NotAfter = c.NotBefore.Add(900 * lintDay)
		}), chain: chain, opts: LintOptions{Now: time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)},
			want: []string{"validity_over_398_days"}, notWant: []string{"validity_over_825_days"}, sev: SeverityInfo},
		{name: "CA:TRUE server certificate", cert: leaf(nil, func(c *x509.Certificate) {
			c.IsCA, c.KeyUsage = true, x509.KeyUsageDigitalSignature|x509.KeyUsageCertSign
		}), want: []string{"ca_leaf"}, sev: SeverityError},
		{name: "EKU without serverAuth", cert: leaf(ca, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning} }),
			opts: LintOptions{Purpose: "server"}, want: []string{"eku_wrong"}, sev: SeverityError},
		{name: "server cert used as client", cert: leaf(ca, nil), opts: LintOptions{Purpose: "client"},
			want: []string{"eku_wrong"}, sev: SeverityError},
		{name: "anyExtendedKeyUsage only", cert: leaf(ca, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny} }),
			want: []string{"eku_any_only"}, sev: SeverityError},
		{name: "no EKU", cert: leaf(ca, func(c *x509.Certificate) { c.ExtKeyUsage = nil }),
			want: []string{"eku_missing"}, sev: SeverityError},
		{name: "keyUsage not critical", cert: leaf(ca, func(c *x509.Certificate) {
			c.ExtraExtensions = []pkix.Extension{lintKUExt(t, x509.KeyUsageDigitalSignature, false)}
		}), want: []string{"ku_not_critical"}, sev: SeverityInfo},
		{name: "keyUsage without TLS bits", cert: leaf(ca, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageDataEncipherment }),
			want: []string{"ku_no_tls_usage"}, sev: SeverityError},
		{name: "client keyUsage keyEncipherment only", cert: leaf(ca, func(c *x509.Certificate) {
			c.KeyUsage, c.ExtKeyUsage = x509.KeyUsageKeyEncipherment, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}), want: []string{"ku_no_tls_usage"}, sev: SeverityError},
		{name: "ECDSA without digitalSignature", cert: leaf(ca, func(c *x509.Certificate) {
			c.KeyUsage = x509.KeyUsageKeyEncipherment | x509.KeyUsageKeyAgreement
		}), want: []string{"ku_no_digital_signature"}, sev: SeverityError},
		{name: "RSA without digitalSignature", cert: leafKey(rsaCA, lintRSA2048, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyEncipherment }),
			want: []string{"ku_no_digital_signature"}, sev: SeverityWarning, notWant: []string{"ku_no_key_encipherment"}},
		{name: "RSA without keyEncipherment", cert: leafKey(rsaCA, lintRSA2048, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageDigitalSignature }),
			want: []string{"ku_no_key_encipherment"}, sev: SeverityInfo},
		{name: "RSA 1024 server", cert: leafKey(ca, lintRSA1024, nil), want: []string{"rsa_key_small"}, sev: SeverityError},
		{name: "RSA 1024 client", cert: leafKey(ca, lintRSA1024, func(c *x509.Certificate) {
			c.Subject.CommonName, c.DNSNames, c.IPAddresses = "alice", nil, nil
			c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}), want: []string{"rsa_key_small"}, sev: SeverityWarning},
		{name: "RSA 512", cert: func() *x509.Certificate {
			// crypto/rsa will not make a 512-bit key, so certify a bare public key.
			c, _ := lintLeaf(t, ca, nil, nil)
			tmpl := *c
			tmpl.SubjectKeyId = lintSKI(t, rsa512)
			der, err := x509.CreateCertificate(rand.Reader, &tmpl, ca.cert, rsa512, ca.key)
			if err != nil {
				t.Fatal(err)
			}
			out, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}, want: []string{"rsa_key_weak"}, sev: SeverityError},
		{name: "Ed25519 server", cert: func() *x509.Certificate {
			_, k, _ := ed25519.GenerateKey(rand.Reader)
			c, _ := lintLeaf(t, ca, k, nil)
			return c
		}, want: []string{"ed25519_server"}, sev: SeverityError},
		{name: "SHA-1 signature", cert: leaf(rsaCA, func(c *x509.Certificate) { c.SignatureAlgorithm = x509.SHA1WithRSA }),
			want: []string{"weak_signature"}, sev: SeverityError},
		{name: "SHA-1 self-signed", cert: leafKey(nil, lintRSA2048, func(c *x509.Certificate) { c.SignatureAlgorithm = x509.SHA1WithRSA }),
			want: []string{"weak_signature"}, sev: SeverityInfo},
		{name: "no SKI", cert: leaf(ca, func(c *x509.Certificate) { c.SubjectKeyId = nil }),
			want: []string{"no_subject_key_id"}, sev: SeverityInfo},
		{name: "CA without SKI", cert: func() *x509.Certificate { return fixtureNoSKI }, opts: LintOptions{Now: now},
			want: []string{"no_subject_key_id"}, sev: SeverityWarning},
		{name: "no AKI", cert: leaf(noSKICA, nil), want: []string{"no_authority_key_id"}, sev: SeverityWarning},
		{name: "serial zero", cert: leaf(ca, func(c *x509.Certificate) { c.SerialNumber = big.NewInt(0) }),
			want: []string{"serial_zero"}, sev: SeverityWarning},
		{name: "serial negative", cert: func() *x509.Certificate {
			// Go 1.23+ neither writes nor parses one: change the parsed struct.
			c, _ := lintLeaf(t, ca, nil, nil)
			c.SerialNumber = big.NewInt(-5)
			return c
		}, want: []string{"serial_negative"}, sev: SeverityError},
		{name: "serial too long", cert: func() *x509.Certificate {
			c, _ := lintLeaf(t, ca, nil, nil)
			c.SerialNumber = new(big.Int).Lsh(big.NewInt(1), 170)
			return c
		}, want: []string{"serial_too_long"}, sev: SeverityWarning},
		{name: "serial 1000", cert: leaf(ca, func(c *x509.Certificate) { c.SerialNumber = big.NewInt(1000) }),
			want: []string{"serial_low_entropy"}, sev: SeverityInfo},
		{name: "chain of another CA", cert: leaf(ca, nil), chain: []*x509.Certificate{otherCA.cert},
			want: []string{"chain_mismatch"}, sev: SeverityWarning},
		{name: "expired issuer", cert: leaf(expiredCA, func(c *x509.Certificate) { c.NotBefore = now.Add(-50 * lintDay) }),
			chain: []*x509.Certificate{expiredCA.cert}, want: []string{"issuer_expired"}, sev: SeverityError},
		{name: "issuer not a CA", cert: leaf(notCA, nil), chain: []*x509.Certificate{notCA.cert},
			want: []string{"issuer_not_ca"}, sev: SeverityError},
		{name: "issuer without keyCertSign", cert: leaf(noCertSignCA, nil), chain: []*x509.Certificate{noCertSignCA.cert},
			want: []string{"issuer_no_cert_sign"}, sev: SeverityError},
		{name: "issuer with RSA 1024", cert: leaf(smallCA, nil), chain: []*x509.Certificate{smallCA.cert},
			want: []string{"issuer_rsa_key_small"}, sev: SeverityError},
		{name: "SHA-1 intermediate", cert: leaf(sha1Inter, nil), chain: []*x509.Certificate{sha1Inter.cert, rsaCA.cert},
			want: []string{"issuer_weak_signature"}, sev: SeverityError, notWant: []string{"chain_mismatch"}},
		{name: "CA without keyCertSign", cert: func() *x509.Certificate { return noCertSignCA.cert }, opts: LintOptions{Purpose: "ca"},
			want: []string{"ca_no_cert_sign"}, sev: SeverityError},
		{name: "leaf linted as CA", cert: leaf(ca, nil), opts: LintOptions{Purpose: "ca"},
			want: []string{"ca_not_ca"}, sev: SeverityError},
		{name: "clean CA", cert: func() *x509.Certificate { return ca.cert }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cert := tc.cert()
			got := Lint(cert, tc.chain, tc.opts)
			if got == nil {
				t.Fatal("Lint returned nil, want a non-nil slice")
			}
			for _, f := range got {
				checkFindingShape(t, f)
			}
			if len(tc.want) == 0 && len(tc.notWant) == 0 {
				if len(got) != 0 {
					t.Errorf("got %q, want no findings", lintIDsOf(got))
				}
				return
			}
			for i, id := range tc.want {
				f, ok := lintFinding(got, id)
				if !ok {
					t.Errorf("got %q, want %q among them", lintIDsOf(got), id)
					continue
				}
				if i == 0 && f.Severity != tc.sev {
					t.Errorf("%s: got severity %v, want %v", id, f.Severity, tc.sev)
				}
			}
			for _, id := range tc.notWant {
				if _, ok := lintFinding(got, id); ok {
					t.Errorf("got %q, want no %q", lintIDsOf(got), id)
				}
			}
			for i := 1; i < len(got); i++ {
				if got[i].Severity > got[i-1].Severity {
					t.Errorf("findings not sorted by severity: %q", lintIDsOf(got))
				}
			}
		})
	}
}

func checkFindingShape(t *testing.T, f Finding) {
	t.Helper()
	if !slices.Contains(LintIDs, f.ID) {
		t.Errorf("ID %q is not listed in LintIDs", f.ID)
	}
	if f.Message == "" || f.Fix == "" {
		t.Errorf("%s: empty message or fix", f.ID)
	}
	if f.Platforms == nil {
		t.Errorf("%s: nil platforms", f.ID)
	}
	for _, p := range f.Platforms {
		if !slices.Contains(LintPlatforms, p) {
			t.Errorf("%s: unknown platform %q", f.ID, p)
		}
	}
	if f.Severity == SeverityError && len(f.Platforms) == 0 {
		t.Errorf("%s: an error must name the platforms that refuse the certificate", f.ID)
	}
	if strings.HasSuffix(f.Message, " ") || !strings.HasSuffix(f.Message, ".") {
		t.Errorf("%s: message %q should be whole sentences", f.ID, f.Message)
	}
}

func TestLintPurpose(t *testing.T) {
	ca := makeLintCA(t, "Purpose CA", nil, nil)
	tests := []struct {
		name, purpose, want string
		mod                 func(*x509.Certificate)
		cert                *x509.Certificate
	}{
		{name: "serverAuth", want: "server"},
		{name: "clientAuth", want: "client", mod: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} }},
		{name: "both", want: "server+client", mod: func(c *x509.Certificate) {
			c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}
		}},
		{name: "no EKU, SANs", want: "server", mod: func(c *x509.Certificate) { c.ExtKeyUsage = nil }},
		{name: "no EKU, CN host", want: "server", mod: func(c *x509.Certificate) { c.ExtKeyUsage, c.DNSNames, c.IPAddresses = nil, nil, nil }},
		{name: "no EKU, CN person", want: "client", mod: func(c *x509.Certificate) {
			c.ExtKeyUsage, c.DNSNames, c.IPAddresses, c.Subject.CommonName = nil, nil, nil, "Alice Example"
		}},
		{name: "CA", want: "ca", cert: ca.cert},
		{name: "cheat-sheet self-signed CA:TRUE server", want: "server", cert: func() *x509.Certificate {
			c, _ := lintLeaf(t, nil, nil, func(c *x509.Certificate) {
				c.Subject.CommonName, c.IsCA, c.ExtKeyUsage, c.DNSNames, c.IPAddresses = "127.0.0.1", true, nil, nil, nil
			})
			return c
		}()},
		{name: "explicit", purpose: "client", want: "client"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.cert
			if c == nil {
				c, _ = lintLeaf(t, ca, nil, tc.mod)
			}
			got, err := LintPurpose(c, tc.purpose)
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	c, _ := lintLeaf(t, ca, nil, nil)
	if _, err := LintPurpose(c, "web"); err == nil || !strings.Contains(err.Error(), "lint purpose") {
		t.Errorf("purpose web: got %v, want ErrLintPurpose", err)
	}
}

func TestFindingJSON(t *testing.T) {
	f := Finding{ID: "cn_only", Severity: SeverityError, Platforms: []string{PlatformGo}, Message: "m.", Fix: "f"}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"cn_only","severity":"error","platforms":["Go"],"message":"m.","fix":"f"}`
	if string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	var back Finding
	if err := json.Unmarshal(b, &back); err != nil || back.Severity != SeverityError {
		t.Errorf("round trip: %+v, %v", back, err)
	}
}

func FuzzLint(f *testing.F) {
	for _, name := range []string{"ca.pem", "leaf.pem", "noski-ca.pem"} {
		if b, err := os.ReadFile(filepath.Join("..", "testdata", "crl", name)); err == nil {
			if block, _ := pem.Decode(b); block != nil {
				f.Add(block.Bytes, "")
				f.Add(block.Bytes, "client")
			}
		}
	}
	f.Fuzz(func(t *testing.T, der []byte, purpose string) {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return
		}
		for _, fd := range Lint(c, []*x509.Certificate{c}, LintOptions{Purpose: purpose}) {
			if fd.ID == "" || fd.Message == "" {
				t.Fatalf("empty finding %+v", fd)
			}
		}
	})
}
