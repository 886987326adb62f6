package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

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
		q, ok := p256Point(&key.PublicKey)
		if !ok {
			t.Fatal("p256Point refused a P-256 key")
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
			rr, ss, err := parseECDSASig(sig)
			if err != nil {
				t.Fatal(err)
			}
			// n−s is a valid signature too; r and s out of [1, n−1] are not.
			cases["high s"] = ecdsaSig(t, rr, new(big.Int).Sub(p256N, ss))
			cases["r zero"] = ecdsaSig(t, big.NewInt(0), ss)
			cases["s zero"] = ecdsaSig(t, rr, big.NewInt(0))
			cases["r plus n"] = ecdsaSig(t, new(big.Int).Add(rr, p256N), ss)
			cases["s plus n"] = ecdsaSig(t, rr, new(big.Int).Add(ss, p256N))
			cases["r negative"] = ecdsaSig(t, new(big.Int).Neg(rr), ss)
			cases["trailing byte"] = append(append([]byte(nil), sig...), 0)
			other := digest
			other[r.IntN(32)] ^= 1
			// A SHA-384 digest whose leftmost 256 bits are digest: ECDSA
			// uses those bits only.
			long := append(append([]byte(nil), digest[:]...), msg[:min(len(msg), 16)]...)
			for name, s := range cases {
				for _, d := range [][]byte{digest[:], other[:], long} {
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
	q, _ := p256Point(&key.PublicKey)
	table := newP256Table(q)
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

func parseECDSASig(sig []byte) (r, s *big.Int, err error) {
	var v struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(sig, &v); err != nil {
		return nil, nil, err
	}
	return v.R, v.S, nil
}

func ecdsaSig(t *testing.T, r, s *big.Int) []byte {
	t.Helper()
	b, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
