package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"math/big"
	"sync"
	"sync/atomic"

	"filippo.io/nistec"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ECDSA P-256 signature checks for a batch of certificates signed by one
// CA key (verify of 10,000 client certificates). Go's crypto/ecdsa
// computes u1·G + u2·Q with a precomputed table for the base point G but a
// generic scalar multiplication for the public key Q: most of its 70-80 µs
// per check here. Once a CA key has checked p256FastAfter signatures, the
// verifier precomputes a table for Q as well (32 windows of 8 bits, 255
// multiples each: about 0.8 MB and 5 ms), and u2·Q becomes 32 table
// additions. The point arithmetic is filippo.io/nistec's (the constant-time,
// formally verified field code crypto/ecdsa itself is built on, exported as
// a module): only the table and the ECDSA equation are written here.
//
// A signature this path does not accept is checked again by crypto/x509, so
// a rejection, its error and any case not handled here (other curves and
// algorithms, malformed signatures) are exactly crypto/x509's.

// p256FastAfter is how many checks with one CA key precede its table.
const p256FastAfter = 64

var p256N = elliptic.P256().Params().N

// p256Table holds j·2^(8i)·Q for i < 32 and 1 ≤ j ≤ 255, at index
// i·255 + j−1.
type p256Table []nistec.P256Point

func newP256Table(q *nistec.P256Point) p256Table {
	t := make(p256Table, 32*255)
	base := nistec.NewP256Point().Set(q)
	for i := range 32 {
		row := t[i*255 : (i+1)*255]
		row[0].Set(base)
		for j := 1; j < 255; j++ {
			row[j].Add(&row[j-1], base)
		}
		// The next window's base is 2^8·base = 2·(128·base).
		base.Double(&row[127])
	}
	return t
}

// mul returns k·Q, k given as 32 big-endian bytes.
func (t p256Table) mul(k *[32]byte) *nistec.P256Point {
	acc := nistec.NewP256Point()
	for i := range 32 {
		if b := k[31-i]; b != 0 {
			acc.Add(acc, &t[i*255+int(b)-1])
		}
	}
	return acc
}

// p256Issuer counts the checks made with one CA key and holds its table
// once there were enough.
type p256Issuer struct {
	checks atomic.Int64
	once   sync.Once
	table  p256Table // nil until built, or when the key is not usable
}

// fastP256 reports whether the fast path accepts subject's signature by
// issuer's key. false means "not accepted here": the caller checks again
// with crypto/x509.
func (v *verifier) fastP256(issuer, subject *x509.Certificate) bool {
	pub, ok := issuer.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return false
	}
	var digest []byte
	switch subject.SignatureAlgorithm {
	case x509.ECDSAWithSHA256:
		h := sha256.Sum256(subject.RawTBSCertificate)
		digest = h[:]
	case x509.ECDSAWithSHA384:
		h := sha512.Sum384(subject.RawTBSCertificate)
		digest = h[:]
	case x509.ECDSAWithSHA512:
		h := sha512.Sum512(subject.RawTBSCertificate)
		digest = h[:]
	default:
		return false
	}
	v.mu.Lock()
	if v.p256 == nil {
		v.p256 = make(map[*x509.Certificate]*p256Issuer)
	}
	iss := v.p256[issuer]
	if iss == nil {
		iss = &p256Issuer{}
		v.p256[issuer] = iss
	}
	v.mu.Unlock()
	if iss.checks.Add(1) <= p256FastAfter {
		return false
	}
	iss.once.Do(func() {
		if q, ok := p256Point(pub); ok {
			iss.table = newP256Table(q)
		}
	})
	if iss.table == nil {
		return false
	}
	return p256Verify(iss.table, digest, subject.Signature)
}

// p256Point returns pub as a nistec point; SetBytes checks that it is on
// the curve (crypto/ecdsa did too when the certificate was parsed).
func p256Point(pub *ecdsa.PublicKey) (*nistec.P256Point, bool) {
	b, err := pub.Bytes()
	if err != nil {
		return nil, false
	}
	q, err := nistec.NewP256Point().SetBytes(b)
	if err != nil {
		return nil, false
	}
	return q, true
}

// p256Verify checks an ASN.1 ECDSA signature of digest (SEC 1 §4.1.4) with
// the key whose table is q.
func p256Verify(q p256Table, digest, sig []byte) bool {
	r, s := new(big.Int), new(big.Int)
	input := cryptobyte.String(sig)
	var inner cryptobyte.String
	if !input.ReadASN1(&inner, cbasn1.SEQUENCE) || !input.Empty() ||
		!inner.ReadASN1Integer(r) || !inner.ReadASN1Integer(s) || !inner.Empty() {
		return false
	}
	if r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(p256N) >= 0 || s.Cmp(p256N) >= 0 {
		return false
	}
	if len(digest) > 32 {
		digest = digest[:32] // the leftmost 256 bits (n has 256)
	}
	e := new(big.Int).SetBytes(digest)
	w := new(big.Int).ModInverse(s, p256N)
	if w == nil {
		return false
	}
	u1 := new(big.Int).Mul(e, w)
	u1.Mod(u1, p256N)
	u2 := new(big.Int).Mul(r, w)
	u2.Mod(u2, p256N)
	var k1, k2 [32]byte
	u1.FillBytes(k1[:])
	u2.FillBytes(k2[:])
	p, err := nistec.NewP256Point().ScalarBaseMult(k1[:])
	if err != nil {
		return false
	}
	p.Add(p, q.mul(&k2))
	x, err := p.BytesX() // fails for the point at infinity
	if err != nil {
		return false
	}
	xr := new(big.Int).SetBytes(x)
	return xr.Mod(xr, p256N).Cmp(r) == 0
}
