package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"math/big"
	"math/bits"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ECDSA P-256 signature checks for a batch of certificates signed by one
// CA key (verify of 10,000 client certificates). Go's crypto/ecdsa
// computes u1·G + u2·Q with a precomputed table for the base point G but a
// generic scalar multiplication for the public key Q: about three quarters
// of its 75 µs per check here. Once a CA key has checked p256FastAfter
// signatures, the verifier precomputes a table for Q as well (32 windows of
// 8 bits, 255 affine multiples each: 0.5 MB and a few milliseconds), and
// both products become 32 table additions each. The point arithmetic is
// plain Go (no assembly), in Jacobian coordinates with mixed additions, and
// the final check compares X with r·Z² instead of inverting Z.
//
// A signature this path does not accept is checked again by crypto/x509, so
// a rejection, its error and any case not handled here (other curves and
// algorithms, malformed signatures) are exactly crypto/x509's.

// p256FastAfter is how many checks with one CA key precede its table.
const p256FastAfter = 64

// fe is a P-256 field element in Montgomery form (x·2^256 mod p), four
// little-endian 64-bit limbs, always fully reduced.
type fe [4]uint64

var (
	p256P = fe{0xffffffffffffffff, 0x00000000ffffffff, 0, 0xffffffff00000001}
	// p256RR is 2^512 mod p: feMul(x, RR) takes x into Montgomery form.
	p256RR  fe
	p256One fe // 1 in Montgomery form (2^256 mod p)
	p256N   = elliptic.P256().Params().N
)

func init() {
	p := elliptic.P256().Params().P
	r := new(big.Int).Lsh(big.NewInt(1), 256)
	feFromBig(&p256One, new(big.Int).Mod(r, p))
	feFromBig(&p256RR, new(big.Int).Mod(new(big.Int).Mul(r, r), p))
}

// feFromBig sets z to x (0 ≤ x < p), not converted.
func feFromBig(z *fe, x *big.Int) {
	var b [32]byte
	x.FillBytes(b[:])
	for i := range 4 {
		z[i] = uint64(b[31-8*i]) | uint64(b[30-8*i])<<8 | uint64(b[29-8*i])<<16 | uint64(b[28-8*i])<<24 |
			uint64(b[27-8*i])<<32 | uint64(b[26-8*i])<<40 | uint64(b[25-8*i])<<48 | uint64(b[24-8*i])<<56
	}
}

// feMont sets z to x (0 ≤ x < p) in Montgomery form.
func feMont(z *fe, x *big.Int) {
	var t fe
	feFromBig(&t, x)
	feMul(z, &t, &p256RR)
}

// feMul sets z = x·y·2^-256 mod p (CIOS Montgomery multiplication; for
// P-256, −p⁻¹ mod 2^64 is 1).
func feMul(z, x, y *fe) {
	var t0, t1, t2, t3, t4, t5, c, hi, lo, cc uint64
	var yi, m uint64
	// Four rounds, unrolled: t += x·y[i], then t = (t + m·p)/2^64.
	yi = y[0]
	// t += x·yi
	hi, lo = bits.Mul64(x[0], yi)
	t0, cc = bits.Add64(t0, lo, 0)
	c = hi + cc
	hi, lo = bits.Mul64(x[1], yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t1, cc = bits.Add64(t1, lo, 0)
	c = hi + cc
	hi, lo = bits.Mul64(x[2], yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t2, cc = bits.Add64(t2, lo, 0)
	c = hi + cc
	hi, lo = bits.Mul64(x[3], yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t3, cc = bits.Add64(t3, lo, 0)
	c = hi + cc
	t4, cc = bits.Add64(t4, c, 0)
	t5 = cc
	// t += m·p with m = t0, then t /= 2^64. p's limbs are 2^64−1,
	// 2^32−1, 0 and 2^64−2^32+1.
	// Limb 0: m·(2^64−1) + t0 = m·2^64 (m = t0), so it carries m.
	m = t0
	c = m
	hi, lo = bits.Mul64(m, p256P[1])
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t0, cc = bits.Add64(t1, lo, 0)
	c = hi + cc
	t1, cc = bits.Add64(t2, c, 0)
	c = cc
	hi, lo = bits.Mul64(m, p256P[3])
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t2, cc = bits.Add64(t3, lo, 0)
	c = hi + cc
	t3, cc = bits.Add64(t4, c, 0)
	t4 = t5 + cc
	yi = y[1]
	hi, lo = bits.Mul64(x[0], yi)
	t0, cc = bits.Add64(t0, lo, 0)
	c = hi + cc
	hi, lo = bits.Mul64(x[1], yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t1, cc = bits.Add64(t1, lo, 0)
	c = hi + cc
	hi, lo = bits.Mul64(x[2], yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t2, cc = bits.Add64(t2, lo, 0)
	c = hi + cc
	hi, lo = bits.Mul64(x[3], yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t3, cc = bits.Add64(t3, lo, 0)
	c = hi + cc
	t4, cc = bits.Add64(t4, c, 0)
	t5 = cc
	m = t0
	c = m
	hi, lo = bits.Mul64(m, p256P[1])
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t0, cc = bits.Add64(t1, lo, 0)
	c = hi + cc
	t1, cc = bits.Add64(t2, c, 0)
	c = cc
	hi, lo = bits.Mul64(m, p256P[3])
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t2, cc = bits.Add64(t3, lo, 0)
	c = hi + cc
	t3, cc = bits.Add64(t4, c, 0)
	t4 = t5 + cc
	yi = y[2]
	hi, lo = bits.Mul64(x[0], yi)
	t0, cc = bits.Add64(t0, lo, 0)
	c = hi + cc
	hi, lo = bits.Mul64(x[1], yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t1, cc = bits.Add64(t1, lo, 0)
	c = hi + cc
	hi, lo = bits.Mul64(x[2], yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t2, cc = bits.Add64(t2, lo, 0)
	c = hi + cc
	hi, lo = bits.Mul64(x[3], yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t3, cc = bits.Add64(t3, lo, 0)
	c = hi + cc
	t4, cc = bits.Add64(t4, c, 0)
	t5 = cc
	m = t0
	c = m
	hi, lo = bits.Mul64(m, p256P[1])
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t0, cc = bits.Add64(t1, lo, 0)
	c = hi + cc
	t1, cc = bits.Add64(t2, c, 0)
	c = cc
	hi, lo = bits.Mul64(m, p256P[3])
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t2, cc = bits.Add64(t3, lo, 0)
	c = hi + cc
	t3, cc = bits.Add64(t4, c, 0)
	t4 = t5 + cc
	yi = y[3]
	hi, lo = bits.Mul64(x[0], yi)
	t0, cc = bits.Add64(t0, lo, 0)
	c = hi + cc
	hi, lo = bits.Mul64(x[1], yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t1, cc = bits.Add64(t1, lo, 0)
	c = hi + cc
	hi, lo = bits.Mul64(x[2], yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t2, cc = bits.Add64(t2, lo, 0)
	c = hi + cc
	hi, lo = bits.Mul64(x[3], yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t3, cc = bits.Add64(t3, lo, 0)
	c = hi + cc
	t4, cc = bits.Add64(t4, c, 0)
	t5 = cc
	m = t0
	c = m
	hi, lo = bits.Mul64(m, p256P[1])
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t0, cc = bits.Add64(t1, lo, 0)
	c = hi + cc
	t1, cc = bits.Add64(t2, c, 0)
	c = cc
	hi, lo = bits.Mul64(m, p256P[3])
	lo, cc = bits.Add64(lo, c, 0)
	hi += cc
	t2, cc = bits.Add64(t3, lo, 0)
	c = hi + cc
	t3, cc = bits.Add64(t4, c, 0)
	t4 = t5 + cc
	// t < 2p: subtract p once if needed.
	var b uint64
	r0, b := bits.Sub64(t0, p256P[0], 0)
	r1, b := bits.Sub64(t1, p256P[1], b)
	r2, b := bits.Sub64(t2, p256P[2], b)
	r3, b := bits.Sub64(t3, p256P[3], b)
	_, b = bits.Sub64(t4, 0, b)
	if b == 0 {
		t0, t1, t2, t3 = r0, r1, r2, r3
	}
	z[0], z[1], z[2], z[3] = t0, t1, t2, t3
}

func feSqr(z, x *fe) { feMul(z, x, x) }

// feAdd sets z = x + y mod p.
func feAdd(z, x, y *fe) {
	var c, b uint64
	t0, c := bits.Add64(x[0], y[0], 0)
	t1, c := bits.Add64(x[1], y[1], c)
	t2, c := bits.Add64(x[2], y[2], c)
	t3, c := bits.Add64(x[3], y[3], c)
	r0, b := bits.Sub64(t0, p256P[0], 0)
	r1, b := bits.Sub64(t1, p256P[1], b)
	r2, b := bits.Sub64(t2, p256P[2], b)
	r3, b := bits.Sub64(t3, p256P[3], b)
	_, b = bits.Sub64(c, 0, b)
	if b == 0 {
		t0, t1, t2, t3 = r0, r1, r2, r3
	}
	z[0], z[1], z[2], z[3] = t0, t1, t2, t3
}

// feSub sets z = x − y mod p.
func feSub(z, x, y *fe) {
	var b, c uint64
	t0, b := bits.Sub64(x[0], y[0], 0)
	t1, b := bits.Sub64(x[1], y[1], b)
	t2, b := bits.Sub64(x[2], y[2], b)
	t3, b := bits.Sub64(x[3], y[3], b)
	if b != 0 {
		t0, c = bits.Add64(t0, p256P[0], 0)
		t1, c = bits.Add64(t1, p256P[1], c)
		t2, c = bits.Add64(t2, p256P[2], c)
		t3, _ = bits.Add64(t3, p256P[3], c)
	}
	z[0], z[1], z[2], z[3] = t0, t1, t2, t3
}

func (x *fe) isZero() bool { return x[0]|x[1]|x[2]|x[3] == 0 }

// feInv sets z = x⁻¹ (x^(p−2)); x must not be zero.
func feInv(z, x *fe) {
	// p − 2 = ffffffff 00000001 00000000 00000000 00000000 ffffffff ffffffff fffffffd
	e := fe{0xfffffffffffffffd, 0x00000000ffffffff, 0, 0xffffffff00000001}
	r := p256One
	for i := 255; i >= 0; i-- {
		feSqr(&r, &r)
		if e[i/64]>>(i%64)&1 == 1 {
			feMul(&r, &r, x)
		}
	}
	*z = r
}

// jacobian is a point (X/Z², Y/Z³); Z = 0 is the point at infinity.
type jacobian struct{ x, y, z fe }

// affine is a point (x, y), never the point at infinity.
type affine struct{ x, y fe }

// double sets q = 2p (dbl-2001-b, a = −3).
func (q *jacobian) double(p *jacobian) {
	if p.z.isZero() {
		*q = *p
		return
	}
	var delta, gamma, beta, alpha, t, u fe
	feSqr(&delta, &p.z)
	feSqr(&gamma, &p.y)
	feMul(&beta, &p.x, &gamma)
	feSub(&t, &p.x, &delta)
	feAdd(&u, &p.x, &delta)
	feMul(&alpha, &t, &u)
	feAdd(&t, &alpha, &alpha)
	feAdd(&alpha, &t, &alpha) // alpha = 3(x−δ)(x+δ)
	var x3, y3, z3 fe
	feSqr(&x3, &alpha)
	feAdd(&t, &beta, &beta) // 2β
	feAdd(&t, &t, &t)       // 4β
	feAdd(&u, &t, &t)       // 8β
	feSub(&x3, &x3, &u)
	feAdd(&z3, &p.y, &p.z)
	feSqr(&z3, &z3)
	feSub(&z3, &z3, &gamma)
	feSub(&z3, &z3, &delta)
	feSub(&u, &t, &x3)
	feMul(&y3, &alpha, &u)
	feSqr(&gamma, &gamma)
	feAdd(&gamma, &gamma, &gamma) // 2γ²
	feAdd(&gamma, &gamma, &gamma) // 4γ²
	feAdd(&gamma, &gamma, &gamma) // 8γ²
	feSub(&y3, &y3, &gamma)
	q.x, q.y, q.z = x3, y3, z3
}

// addAffine sets q = p + a (madd-2007-bl).
func (q *jacobian) addAffine(p *jacobian, a *affine) {
	if p.z.isZero() {
		q.x, q.y, q.z = a.x, a.y, p256One
		return
	}
	var z1z1, u2, s2, h, hh, i, j, r, v, t fe
	feSqr(&z1z1, &p.z)
	feMul(&u2, &a.x, &z1z1)
	feMul(&s2, &a.y, &p.z)
	feMul(&s2, &s2, &z1z1)
	feSub(&h, &u2, &p.x)
	feSub(&r, &s2, &p.y)
	if h.isZero() {
		if r.isZero() {
			q.double(p)
		} else {
			*q = jacobian{} // p = −a
		}
		return
	}
	feAdd(&r, &r, &r)
	feSqr(&hh, &h)
	feAdd(&i, &hh, &hh)
	feAdd(&i, &i, &i)
	feMul(&j, &h, &i)
	feMul(&v, &p.x, &i)
	var x3, y3, z3 fe
	feSqr(&x3, &r)
	feSub(&x3, &x3, &j)
	feSub(&x3, &x3, &v)
	feSub(&x3, &x3, &v)
	feSub(&t, &v, &x3)
	feMul(&y3, &r, &t)
	feMul(&t, &p.y, &j)
	feAdd(&t, &t, &t)
	feSub(&y3, &y3, &t)
	feAdd(&z3, &p.z, &h)
	feSqr(&z3, &z3)
	feSub(&z3, &z3, &z1z1)
	feSub(&z3, &z3, &hh)
	q.x, q.y, q.z = x3, y3, z3
}

// normalize converts points (none at infinity) to affine with one
// inversion.
func normalize(out []affine, in []jacobian) {
	prefix := make([]fe, len(in))
	acc := p256One
	for i := range in {
		prefix[i] = acc
		feMul(&acc, &acc, &in[i].z)
	}
	var inv fe
	feInv(&inv, &acc)
	for i := len(in) - 1; i >= 0; i-- {
		var zi, zi2, zi3 fe
		feMul(&zi, &inv, &prefix[i]) // 1/Z_i
		feMul(&inv, &inv, &in[i].z)
		feSqr(&zi2, &zi)
		feMul(&zi3, &zi2, &zi)
		feMul(&out[i].x, &in[i].x, &zi2)
		feMul(&out[i].y, &in[i].y, &zi3)
	}
}

// p256Table holds j·2^(8i)·P for i < 32 and 1 ≤ j ≤ 255.
type p256Table [32][255]affine

func newP256Table(base affine) *p256Table {
	t := new(p256Table)
	b := base
	row := make([]jacobian, 255)
	for i := range 32 {
		row[0] = jacobian{b.x, b.y, p256One}
		for j := 1; j < 255; j++ {
			row[j].addAffine(&row[j-1], &b)
		}
		normalize(t[i][:], row)
		if i < 31 {
			// 2^8·b = 2·(128·b)
			var n jacobian
			n.double(&row[127])
			var nb [1]affine
			normalize(nb[:], []jacobian{n})
			b = nb[0]
		}
	}
	return t
}

// addScalar adds k·P to acc, k given as 32 big-endian bytes.
func (t *p256Table) addScalar(acc *jacobian, k *[32]byte) {
	for i := range 32 {
		if b := k[31-i]; b != 0 {
			acc.addAffine(acc, &t[i][b-1])
		}
	}
}

var p256GTable = sync.OnceValue(func() *p256Table {
	params := elliptic.P256().Params()
	var g affine
	feMont(&g.x, params.Gx)
	feMont(&g.y, params.Gy)
	return newP256Table(g)
})

// p256Issuer counts the checks made with one CA key and holds its table
// once there were enough.
type p256Issuer struct {
	checks atomic.Int64
	once   sync.Once
	table  *p256Table // nil until built, or when the key is not usable
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
		if q, ok := p256Affine(pub); ok {
			iss.table = newP256Table(q)
		}
	})
	if iss.table == nil {
		return false
	}
	return p256Verify(iss.table, digest, subject.Signature)
}

// p256Affine returns pub's point, which crypto/ecdsa checked to be on the
// curve when it was parsed (Bytes fails otherwise).
func p256Affine(pub *ecdsa.PublicKey) (affine, bool) {
	b, err := pub.Bytes()
	if err != nil || len(b) != 65 || b[0] != 4 {
		return affine{}, false
	}
	var q affine
	feMont(&q.x, new(big.Int).SetBytes(b[1:33]))
	feMont(&q.y, new(big.Int).SetBytes(b[33:]))
	return q, true
}

// p256Verify checks an ASN.1 ECDSA signature of digest with the key whose
// table is q.
func p256Verify(q *p256Table, digest, sig []byte) bool {
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
		digest = digest[:32] // the leftmost 256 bits
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
	var acc jacobian
	p256GTable().addScalar(&acc, &k1)
	q.addScalar(&acc, &k2)
	if acc.z.isZero() {
		return false
	}
	// x(R) = X/Z² ≡ r (mod n): X = r·Z², or (r+n)·Z² when r+n < p.
	var z2, rz fe
	feSqr(&z2, &acc.z)
	for _, cand := range []*big.Int{r, new(big.Int).Add(r, p256N)} {
		if cand.Cmp(elliptic.P256().Params().P) >= 0 {
			break
		}
		var rm fe
		feMont(&rm, cand)
		feMul(&rz, &rm, &z2)
		if rz == acc.x {
			return true
		}
	}
	return false
}
