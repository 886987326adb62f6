package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

func TestGenerateRSAKey(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	for _, bits := range []int{2048, 3072} {
		t.Run(big.NewInt(int64(bits)).String(), func(t *testing.T) {
			key, err := generateRSAKey(rand.Reader, bits)
			if err != nil {
				t.Fatalf("generateRSAKey(%d): %v", bits, err)
			}
			if got := key.N.BitLen(); got != bits {
				t.Errorf("modulus has %d bits, want %d", got, bits)
			}
			if key.E != 65537 {
				t.Errorf("E = %d, want 65537", key.E)
			}
			one := big.NewInt(1)
			for i, p := range key.Primes {
				if p.BitLen() != bits/2 || p.Bit(bits/2-2) != 1 {
					t.Errorf("prime %d has %d bits (second bit %d), want %d bits with the top two set", i, p.BitLen(), p.Bit(bits/2-2), bits/2)
				}
				if !p.ProbablyPrime(20) {
					t.Errorf("prime %d is composite", i)
				}
				if g := new(big.Int).GCD(nil, nil, new(big.Int).Sub(p, one), big.NewInt(65537)); g.Cmp(one) != 0 {
					t.Errorf("prime %d: gcd(p-1, 65537) = %v, want 1", i, g)
				}
			}
			digest := sha256.Sum256([]byte("wsskit"))
			sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
			if err != nil {
				t.Fatalf("signing: %v", err)
			}
			if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
				t.Errorf("verifying: %v", err)
			}
			// OpenSSL checks p and q for primality, n = pq, d, dmp1, dmq1
			// and iqmp.
			path := filepath.Join(dir, "rsa.key")
			der := x509.MarshalPKCS1PrivateKey(key)
			if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(openssl, "rsa", "-check", "-noout", "-in", path).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "RSA key ok") {
				t.Errorf("openssl rsa -check: %v\n%s", err, out)
			}
		})
	}
}

func TestGenerateRSAKeyDeterministic(t *testing.T) {
	gen := func() *rsa.PrivateKey {
		k, err := generateRSAKey(mrand.NewChaCha8([32]byte{7}), 2048)
		if err != nil {
			t.Fatalf("generateRSAKey: %v", err)
		}
		return k
	}
	if a, b := gen(), gen(); !a.Equal(b) {
		t.Errorf("two keys from the same random stream differ")
	}
}

func TestGenerateRSAKeyErrors(t *testing.T) {
	if _, err := generateRSAKey(failingReader{}, 2048); !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "reading randomness") {
		t.Errorf("failing reader: got %v, want a wrapped read error", err)
	}
	if _, err := generateRSAKey(rand.Reader, 1023); err == nil || !strings.Contains(err.Error(), "even number of bits") {
		t.Errorf("1023 bits: got %v, want a size error", err)
	}
}

func TestRandomRSAPrime(t *testing.T) {
	r := mrand.NewChaCha8([32]byte{1})
	for i := range 100 {
		p, err := randomRSAPrime(r, 256)
		if err != nil {
			t.Fatal(err)
		}
		if p.BitLen() != 256 || p.Bit(254) != 1 || !p.ProbablyPrime(20) {
			t.Fatalf("prime %d: %v is not a 256-bit prime with the top two bits set", i, p)
		}
	}
}

func TestMarkMultiples(t *testing.T) {
	r := mrand.New(mrand.NewPCG(1, 2))
	for range 200 {
		p := uint64([]uint32{3, 5, 7, 65521, 65537}[r.IntN(5)])
		base := r.Uint64N(1<<40) | 1
		target := r.Uint64N(2)
		sieve := make([]bool, 500)
		markMultiples(sieve, base%p, p, target)
		for k, marked := range sieve {
			want := (base+2*uint64(k))%p == target
			if marked != want {
				t.Fatalf("p=%d base=%d target=%d k=%d: marked %v, want %v", p, base, target, k, marked, want)
			}
		}
	}
}
