package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// Test PKI builder for the verify tests: certificates with exactly the
// extensions a case needs, made with crypto/x509 (fast P-256 keys).

type tcert struct {
	cert *x509.Certificate
	key  crypto.Signer
}

type certSpec struct {
	cn        string
	subject   *pkix.Name // overrides cn
	ca        bool
	noBC      bool // no basic constraints at all
	pathlen   *int // nil: none
	ku        x509.KeyUsage
	noKU      bool
	eku       []x509.ExtKeyUsage
	dns       []string
	ips       []net.IP
	emails    []string
	nb, na    time.Time
	noAKID    bool   // issue without an Authority Key Identifier
	akid      []byte // issue with this Authority Key Identifier
	issuerRaw []byte // write this DER as the issuer name instead of the parent's
	extra     []pkix.Extension
	permitted []string // permitted DNS name constraints
	excluded  []string
	permIPs   []*net.IPNet
	permMails []string
	permURIs  []string
	uris      []string
	crldp     []string
	key       crypto.Signer
}

var testSerial atomic.Int64

func intp(n int) *int { return &n }

func newKey(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// mkCert issues a certificate from spec, signed by parent (self-signed when
// parent is nil).
func mkCert(t testing.TB, s certSpec, parent *tcert) *tcert {
	t.Helper()
	key := s.key
	if key == nil {
		key = newKey(t)
	}
	now := time.Now().Truncate(time.Second)
	nb, na := s.nb, s.na
	if nb.IsZero() {
		nb = now.Add(-24 * time.Hour)
	}
	if na.IsZero() {
		na = now.Add(24 * time.Hour)
	}
	subj := pkix.Name{CommonName: s.cn}
	if s.subject != nil {
		subj = *s.subject
	}
	tmpl := &x509.Certificate{
		SerialNumber:            big.NewInt(1000 + testSerial.Add(1)),
		Subject:                 subj,
		NotBefore:               nb,
		NotAfter:                na,
		DNSNames:                s.dns,
		IPAddresses:             s.ips,
		EmailAddresses:          s.emails,
		URIs:                    mustURLs(t, s.uris),
		ExtKeyUsage:             s.eku,
		ExtraExtensions:         s.extra,
		PermittedDNSDomains:     s.permitted,
		ExcludedDNSDomains:      s.excluded,
		PermittedIPRanges:       s.permIPs,
		PermittedEmailAddresses: s.permMails,
		PermittedURIDomains:     s.permURIs,
		CRLDistributionPoints:   s.crldp,
		AuthorityKeyId:          s.akid, // used by Go only for self-issued certificates
	}
	if !s.noBC {
		tmpl.BasicConstraintsValid = true
		tmpl.IsCA = s.ca
		if s.ca && s.pathlen != nil {
			tmpl.MaxPathLen = *s.pathlen
			tmpl.MaxPathLenZero = *s.pathlen == 0
		} else {
			tmpl.MaxPathLen = -1
		}
	}
	if !s.noKU {
		tmpl.KeyUsage = s.ku
		if tmpl.KeyUsage == 0 {
			if s.ca {
				tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
			} else {
				tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
			}
		}
	}
	signer, issuer := key, tmpl
	if parent != nil {
		signer = parent.key
		p := *parent.cert
		if s.noAKID {
			p.SubjectKeyId = nil
		}
		if s.akid != nil {
			p.SubjectKeyId = s.akid
		}
		if s.issuerRaw != nil {
			p.RawSubject = s.issuerRaw
		}
		issuer = &p
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &tcert{cert: c, key: key}
}

func mustURLs(t testing.TB, raw []string) []*url.URL {
	t.Helper()
	var out []*url.URL
	for _, r := range raw {
		u, err := url.Parse(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

type revoked struct {
	serial *big.Int
	reason int
}

type crlSpec struct {
	this, next time.Time
	revoked    []revoked
	signWith   crypto.Signer // sign with another key under the issuer's name
	extra      []pkix.Extension
}

func mkCRL(t testing.TB, s crlSpec, issuer *tcert) *x509.RevocationList {
	t.Helper()
	now := time.Now().Truncate(time.Second)
	this, next := s.this, s.next
	if this.IsZero() {
		this = now.Add(-time.Hour)
	}
	if next.IsZero() {
		next = now.Add(7 * 24 * time.Hour)
	}
	tmpl := &x509.RevocationList{Number: big.NewInt(testSerial.Add(1)), ThisUpdate: this, NextUpdate: next, ExtraExtensions: s.extra}
	for _, r := range s.revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber: r.serial, RevocationTime: this, ReasonCode: r.reason,
		})
	}
	// Go insists on cRLSign in the issuer; OpenSSL checks that itself (35).
	c := *issuer.cert
	c.KeyUsage |= x509.KeyUsageCRLSign
	iss, key := &c, issuer.key
	if s.signWith != nil {
		c.PublicKey = s.signWith.Public()
		key = s.signWith
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, iss, key)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	return crl
}

func certsPEM(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

func crlsPEM(crls ...*x509.RevocationList) []byte {
	var b bytes.Buffer
	for _, c := range crls {
		_ = pem.Encode(&b, &pem.Block{Type: "X509 CRL", Bytes: c.Raw})
	}
	return b.Bytes()
}

func writeTestFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func testNameHash(raw []byte) string {
	h, err := nameHashHex(raw)
	if err != nil {
		return "invalid"
	}
	return h
}
