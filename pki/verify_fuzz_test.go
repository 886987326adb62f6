package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"testing"
)

// FuzzVerifyCertFacts feeds arbitrary certificates (those Go parses) and
// names through the raw parsers behind Verify: extension facts, canonical
// names, the oneline form and the host/email/IP and name-constraint
// matchers. None may panic.
func FuzzVerifyCertFacts(f *testing.F) {
	ca := mkCert(f, certSpec{cn: "Fuzz CA", ca: true, permitted: []string{"example.org"}}, nil)
	leaf := mkCert(f, certSpec{subject: &pkix.Name{Country: []string{"SG"}, CommonName: "www.example.org"},
		dns: []string{"*.example.org"}, ips: []net.IP{net.IPv4(127, 0, 0, 1)}, emails: []string{"a@example.org"},
		crldp: []string{"http://crl.example.org/ca.crl"}}, ca)
	f.Add(ca.cert.Raw)
	f.Add(leaf.cert.Raw)
	f.Add(leaf.cert.RawSubject)
	f.Fuzz(func(t *testing.T, der []byte) {
		_ = nameKey(der)
		_ = onelineName(der)
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return
		}
		v := newVCert(c)
		_ = checkHost(v, "www.example.org")
		_ = checkEmail(v, "a@example.org")
		_ = checkIP(v, net.IPv4(127, 0, 0, 1))
		caV := newVCert(ca.cert)
		_ = ncCheck(v, caV.nc)
		_ = ncCheckCN(v, caV.nc)
		if v.nc != nil {
			_ = ncCheck(caV, v.nc)
		}
		r := Verify(c, VerifyOptions{Roots: []*x509.Certificate{ca.cert, c}, Purpose: "sslclient", Host: "x.example.org", CRLCheck: "all", MaxDepth: -1})
		for _, e := range r.Errors {
			_, _ = e.Cause(), e.Fix()
		}
	})
}

// FuzzVerifyExtensions runs every raw extension parser of the verifier on
// arbitrary bytes.
func FuzzVerifyExtensions(f *testing.F) {
	ca := mkCert(f, certSpec{cn: "Fuzz CA", ca: true, permitted: []string{"example.org"}, pathlen: intp(1)}, nil)
	leaf := mkCert(f, certSpec{cn: "leaf", dns: []string{"a.example.org"}, crldp: []string{"http://crl.example.org/ca.crl"}}, ca)
	for _, c := range []*x509.Certificate{ca.cert, leaf.cert} {
		for _, e := range c.Extensions {
			f.Add(e.Value)
		}
	}
	f.Add([]byte("xn--bcher-kva"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v := &vcert{c: leaf.cert, pathlen: -1}
		_ = v.parseBC(b)
		_ = v.parseKU(b)
		_ = v.parseEKU(b)
		_ = v.parseNSCert(b)
		_ = v.parseSKID(b)
		_ = v.parseProxy(b)
		_, _ = parseAKID(b)
		_, _ = parseGeneralNamesExt(b)
		_, _ = parseNameConstraints(b)
		_, _ = parseCRLDP(b, leaf.cert.RawIssuer)
		_ = reasonBits(b)
		crl := &vcrl{c: &x509.RevocationList{RawIssuer: leaf.cert.RawIssuer}}
		_ = crl.parseIDP(b)
		_, _ = punycodeDecode(string(b))
		_, _ = aToULabel(string(b))
		_, _, _ = splitStringTLV(b)
		_ = looksLikeDNS(b)
		_ = validStar(b)
		_ = equalWildcard(b, []byte("www.example.org"), false)
		_ = equalEmail(b, []byte("a@example.org"))
		_ = ncEmail(b, []byte(".example.org"))
		_ = ncURI(b, []byte(".example.org"))
		_ = ncDNS(b, []byte("example.org"))
		_ = ncIP(b, []byte{10, 0, 0, 0, 255, 0, 0, 0})
	})
}
