package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"math/rand"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// TestVerifyRandomAgainstOpenSSL builds random PKIs (validity windows, CA
// flags, key usages, EKUs, path lengths, name constraints, same-name CAs,
// missing AKIDs, critical extensions, CRLs) and random options, and checks
// that Verify and openssl verify agree on every line. The seed is logged;
// set WSSKIT_VERIFY_SEED to replay one, WSSKIT_VERIFY_ROUNDS for more rounds.
func TestVerifyRandomAgainstOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	seed := time.Now().UnixNano()
	if s := os.Getenv("WSSKIT_VERIFY_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	rounds := 25
	if s := os.Getenv("WSSKIT_VERIFY_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	if testing.Short() {
		rounds = 5
	}
	t.Logf("seed %d (WSSKIT_VERIFY_SEED=%d to replay)", seed, seed)
	r := rand.New(rand.NewSource(seed))
	for i := 0; i < rounds; i++ {
		c := randomCase(t, r)
		t.Run(strconv.Itoa(i), func(t *testing.T) { runVerifyCase(t, openssl, c) })
	}
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.Intn(len(xs))] }

func randomCase(t *testing.T, r *rand.Rand) vcase {
	now := time.Now().Truncate(time.Second)
	day := 24 * time.Hour
	window := func() (time.Time, time.Time) {
		switch r.Intn(8) {
		case 0:
			return now.Add(-10 * day), now.Add(-2 * day) // expired
		case 1:
			return now.Add(2 * day), now.Add(10 * day) // not yet valid
		default:
			return now.Add(-time.Duration(1+r.Intn(9)) * day), now.Add(time.Duration(1+r.Intn(9)) * day)
		}
	}
	caSpec := func(cn string) certSpec {
		nb, na := window()
		s := certSpec{cn: cn, ca: true, nb: nb, na: na}
		switch r.Intn(10) {
		case 0:
			s.pathlen = intp(0)
		case 1:
			s.pathlen = intp(1)
		}
		switch r.Intn(12) {
		case 0:
			s.ku = x509.KeyUsageDigitalSignature // no keyCertSign
		case 1:
			s.ca = false // CA:FALSE
			s.ku = x509.KeyUsageCertSign
		case 2:
			s.noBC = true
			s.ku = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		case 3:
			s.ku = x509.KeyUsageCertSign // no cRLSign
		}
		switch r.Intn(10) {
		case 0:
			s.eku = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		case 1:
			s.eku = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}
		switch r.Intn(10) {
		case 0:
			s.permitted = []string{"example.org"}
		case 1:
			s.excluded = []string{"example.com"}
		}
		if r.Intn(15) == 0 {
			s.extra = []pkix.Extension{{Id: oidUnknownCritical, Critical: true, Value: []byte{5, 0}}}
		}
		if r.Intn(8) == 0 {
			s.noAKID = true
		}
		return s
	}
	var roots, inters, leaves []*tcert
	nRoots := 1 + r.Intn(2)
	for i := 0; i < nRoots; i++ {
		name := pick(r, "Root A", "Root B")
		if i == 1 && r.Intn(2) == 0 {
			name = roots[0].cert.Subject.CommonName // same-name CAs
		}
		roots = append(roots, mkCert(t, caSpec(name), nil))
	}
	issuers := append([]*tcert(nil), roots...)
	for i, n := 0, r.Intn(3); i < n; i++ {
		parent := pick(r, issuers...)
		c := mkCert(t, caSpec(pick(r, "Int 1", "Int 2", "Int 3")), parent)
		inters = append(inters, c)
		issuers = append(issuers, c)
	}
	hosts := []string{"www.example.org", "*.example.org", "www.example.com", "a.b.example.org"}
	for i, n := 0, 2+r.Intn(3); i < n; i++ {
		nb, na := window()
		s := certSpec{cn: pick(r, "www.example.org", "client", "www.example.com"), nb: nb, na: na}
		for j, m := 0, r.Intn(3); j < m; j++ {
			s.dns = append(s.dns, pick(r, hosts...))
		}
		if r.Intn(3) == 0 {
			s.ips = []net.IP{net.IPv4(127, 0, 0, byte(1+r.Intn(2)))}
		}
		switch r.Intn(4) {
		case 0:
			s.eku = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		case 1:
			s.eku = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		case 2:
			s.eku = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
		}
		switch r.Intn(6) {
		case 0:
			s.ku = x509.KeyUsageKeyEncipherment
		case 1:
			s.noKU = true
		}
		if r.Intn(15) == 0 {
			s.extra = []pkix.Extension{{Id: oidUnknownCritical, Critical: true, Value: []byte{5, 0}}}
		}
		if r.Intn(6) == 0 {
			s.noAKID = true
		}
		if r.Intn(10) == 0 {
			leaves = append(leaves, mkCert(t, s, nil)) // self-signed
			continue
		}
		leaves = append(leaves, mkCert(t, s, pick(r, issuers...)))
	}
	c := vcase{name: "random"}
	for _, l := range leaves {
		c.files = append(c.files, l.cert)
	}
	for _, ca := range roots {
		if r.Intn(4) != 0 {
			c.cafile = append(c.cafile, ca.cert)
		} else if r.Intn(2) == 0 {
			c.untrusted = append(c.untrusted, ca.cert)
		}
	}
	for _, ca := range inters {
		switch r.Intn(6) {
		case 0:
			c.cafile = append(c.cafile, ca.cert)
		case 1:
		default:
			c.untrusted = append(c.untrusted, ca.cert)
		}
	}
	if r.Intn(3) == 0 {
		c.capath, c.cafile = c.cafile, nil
	}
	// CRLs from some CAs, revoking some leaves.
	if r.Intn(2) == 0 {
		for _, ca := range issuers {
			if r.Intn(2) == 0 || ca.cert.PublicKey == nil {
				continue
			}
			var spec crlSpec
			if r.Intn(5) == 0 {
				spec.this, spec.next = now.Add(-10*day), now.Add(-day)
			}
			for _, l := range leaves {
				if r.Intn(3) == 0 {
					spec.revoked = append(spec.revoked, revoked{l.cert.SerialNumber, 1})
				}
			}
			if len(ca.cert.SubjectKeyId) == 0 {
				continue // Go cannot sign a CRL for it
			}
			crl := mkCRL(t, spec, ca)
			if len(c.capath) > 0 && r.Intn(2) == 0 {
				c.capathCRL = append(c.capathCRL, crl)
			} else {
				c.crls = append(c.crls, crl)
			}
		}
		c.crlCheck = pick(r, "", "leaf", "all")
	}
	c.purpose = pick(r, "", "", "sslclient", "sslserver")
	if r.Intn(3) == 0 {
		c.host = pick(r, "www.example.org", "x.example.org", "www.example.com", "client")
	}
	if r.Intn(5) == 0 {
		c.ip = "127.0.0.1"
	}
	c.partial = r.Intn(5) == 0
	if r.Intn(5) == 0 {
		c.depth = intp(r.Intn(2))
	}
	if r.Intn(3) == 0 {
		c.at = now.Add(time.Duration(r.Intn(13)-6) * day)
	}
	return c
}
