package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// TestFieldArithmetic checks the P-256 field operations against math/big on
// random and edge values.
func TestFieldArithmetic(t *testing.T) {
	p := elliptic.P256().Params().P
	r := mrand.New(mrand.NewPCG(5, 6))
	rinv := new(big.Int).ModInverse(new(big.Int).Lsh(big.NewInt(1), 256), p)
	val := func(i int) *big.Int {
		switch i % 5 {
		case 0:
			return big.NewInt(int64(i % 3))
		case 1:
			return new(big.Int).Sub(p, big.NewInt(int64(1+i%3)))
		}
		b := make([]byte, 32)
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		return new(big.Int).Mod(new(big.Int).SetBytes(b), p)
	}
	toBig := func(x *fe) *big.Int {
		b := new(big.Int)
		for i := 3; i >= 0; i-- {
			b.Lsh(b, 64)
			b.Or(b, new(big.Int).SetUint64(x[i]))
		}
		return b
	}
	for i := range 2000 {
		a, b := val(i), val(i+7)
		var x, y, z fe
		feFromBig(&x, a)
		feFromBig(&y, b)
		feMul(&z, &x, &y) // a·b·R⁻¹
		want := new(big.Int).Mul(a, b)
		want.Mul(want, rinv).Mod(want, p)
		if toBig(&z).Cmp(want) != 0 {
			t.Fatalf("feMul(%x, %x) = %x, want %x", a, b, toBig(&z), want)
		}
		feAdd(&z, &x, &y)
		if want := new(big.Int).Add(a, b); toBig(&z).Cmp(want.Mod(want, p)) != 0 {
			t.Fatalf("feAdd(%x, %x) = %x, want %x", a, b, toBig(&z), want)
		}
		feSub(&z, &x, &y)
		if want := new(big.Int).Sub(a, b); toBig(&z).Cmp(want.Mod(want, p)) != 0 {
			t.Fatalf("feSub(%x, %x) = %x, want %x", a, b, toBig(&z), want)
		}
		if a.Sign() != 0 && i%50 == 0 {
			var m, inv, one fe
			feMont(&m, a)
			feInv(&inv, &m)
			feMul(&one, &inv, &m)
			if one != p256One {
				t.Fatalf("feInv(%x)·%x ≠ 1", a, a)
			}
		}
	}
}

// TestP256VerifyMatchesECDSA signs with random keys and checks that the
// table path accepts exactly what crypto/ecdsa accepts, for good, tampered
// and malformed signatures.
func TestP256VerifyMatchesECDSA(t *testing.T) {
	r := mrand.New(mrand.NewPCG(7, 8))
	for k := range 3 {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		q, ok := p256Affine(&key.PublicKey)
		if !ok {
			t.Fatal("p256Affine refused a P-256 key")
		}
		table := newP256Table(q)
		for i := range 60 {
			msg := make([]byte, 1+r.IntN(100))
			for j := range msg {
				msg[j] = byte(r.Uint32())
			}
			digest := sha256.Sum256(msg)
			sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
			if err != nil {
				t.Fatal(err)
			}
			cases := map[string][]byte{"good": sig}
			bad := append([]byte(nil), sig...)
			bad[len(bad)-1-r.IntN(8)] ^= byte(1 + r.IntN(255))
			cases["tampered"] = bad
			cases["truncated"] = sig[:len(sig)-1]
			other := digest
			other[r.IntN(32)] ^= 1
			for name, s := range cases {
				for _, d := range [][]byte{digest[:], other[:]} {
					want := ecdsa.VerifyASN1(&key.PublicKey, d, s)
					if got := p256Verify(table, d, s); got != want {
						t.Fatalf("key %d sig %d %s: p256Verify = %v, crypto/ecdsa = %v", k, i, name, got, want)
					}
				}
			}
		}
	}
}

func BenchmarkP256Verify(b *testing.B) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	digest := sha256.Sum256([]byte("wsskit"))
	sig, _ := ecdsa.SignASN1(rand.Reader, key, digest[:])
	q, _ := p256Affine(&key.PublicKey)
	table := newP256Table(q)
	p256GTable()
	b.Run("table", func(b *testing.B) {
		for b.Loop() {
			if !p256Verify(table, digest[:], sig) {
				b.Fatal("rejected")
			}
		}
	})
	b.Run("crypto-ecdsa", func(b *testing.B) {
		for b.Loop() {
			if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
				b.Fatal("rejected")
			}
		}
	})
	b.Run("build-table", func(b *testing.B) {
		for b.Loop() {
			newP256Table(q)
		}
	})
}

// TestVerifyManyWithOneCA verifies enough certificates of one P-256 CA for
// the table path to take over, some with broken signatures, and wants the
// same verdicts as for the first ones (checked by crypto/x509 alone).
func TestVerifyManyWithOneCA(t *testing.T) {
	ca := pkitest.Issue(t, pkitest.Template{CN: "many CA", CA: true}, nil)
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3 * p256FastAfter
	v, err := newVerifier(VerifyOptions{Roots: []*x509.Certificate{ca.Cert}, At: time.Now(), MaxDepth: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		leaf := pkitest.Issue(t, pkitest.Template{CN: fmt.Sprintf("leaf %d", i), Key: leafKey}, ca).Cert
		broken := i%7 == 3
		if broken {
			c := *leaf
			c.Signature = append([]byte(nil), leaf.Signature...)
			c.Signature[len(c.Signature)-2] ^= 0x40
			leaf = &c
		}
		res := v.verify(leaf)
		switch {
		case broken && (res.OK() || len(res.Errors) == 0 || res.Errors[0].Code != VerifyErrCertSignatureFailure):
			t.Fatalf("leaf %d with a broken signature: got %+v, want error %d", i, res.Errors, VerifyErrCertSignatureFailure)
		case !broken && !res.OK():
			t.Fatalf("leaf %d: got %+v, want OK", i, res.Errors)
		}
	}
	iss := v.p256[ca.Cert]
	if iss == nil || iss.table == nil {
		t.Fatalf("after %d leaves the CA key has no table: the fast path was not used", n)
	}
}
