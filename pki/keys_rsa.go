package pki

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
)

// RSA key generation for test PKIs. crypto/rsa.GenerateKey draws a fresh
// random candidate for every primality test, rules out composites by trial
// division by 255 small primes only, and runs each Miller-Rabin round with
// constant-time arithmetic; a 2048-bit key costs it about 130 ms of CPU
// here, nearly all in Miller-Rabin rounds on composites. The search below
// sieves a window of consecutive odd candidates by every odd prime below
// 2^16 (a tenth of the candidates survive, against 15%), tests the
// survivors with one base-2 Miller-Rabin round (math/big's variable-time
// arithmetic: about three times faster), and gives a survivor of that the
// full random-base rounds (the FIPS 186-5 counts crypto/rsa uses). The
// key is then built and checked like crypto/rsa's: e = 65537, d = e⁻¹ mod
// λ(N), |p − q| > 2^(bits/2 − 100), exact modulus size, Validate.
//
// The arithmetic is not constant-time: key generation runs once, locally,
// for a test PKI, where no one can time it.

const (
	rsaExponent = 65537
	// rsaWindow is the number of consecutive odd candidates sieved at a
	// time; a 1024-bit window holds about 5.8 primes.
	rsaWindow = 2048
)

var rsaSieve = sync.OnceValue(func() []uint32 {
	const bound = 1 << 16
	composite := make([]bool, bound)
	var primes []uint32
	for i := 3; i < bound; i += 2 {
		if composite[i] {
			continue
		}
		primes = append(primes, uint32(i))
		for j := i * i; j < bound; j += 2 * i {
			composite[j] = true
		}
	}
	return primes
})

// generateRSAKey makes an RSA key of bits bits (even, at least 1024) with
// public exponent 65537, reading randomness from rnd.
func generateRSAKey(rnd io.Reader, bits int) (*rsa.PrivateKey, error) {
	if bits < 1024 || bits%2 != 0 {
		return nil, fmt.Errorf("pki: RSA key size %d: want an even number of bits, at least 1024", bits)
	}
	half := bits / 2
	minDiff := new(big.Int).Lsh(big.NewInt(1), uint(half-100))
	for {
		p, err := randomRSAPrime(rnd, half)
		if err != nil {
			return nil, err
		}
		q, err := randomRSAPrime(rnd, half)
		if err != nil {
			return nil, err
		}
		if new(big.Int).Sub(p, q).CmpAbs(minDiff) <= 0 {
			continue // p and q too close (or equal): probability 2^-97
		}
		n := new(big.Int).Mul(p, q)
		if n.BitLen() != bits {
			return nil, fmt.Errorf("pki: internal error: RSA modulus of %d bits, want %d", n.BitLen(), bits)
		}
		one := big.NewInt(1)
		pm1, qm1 := new(big.Int).Sub(p, one), new(big.Int).Sub(q, one)
		g := new(big.Int).GCD(nil, nil, pm1, qm1)
		lambda := new(big.Int).Mul(pm1, qm1)
		lambda.Quo(lambda, g)
		d := new(big.Int).ModInverse(big.NewInt(rsaExponent), lambda)
		if d == nil {
			return nil, errors.New("pki: internal error: 65537 is not invertible modulo λ(N)")
		}
		key := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: rsaExponent}, D: d, Primes: []*big.Int{p, q}}
		key.Precompute()
		if err := key.Validate(); err != nil {
			return nil, fmt.Errorf("pki: internal error: generated RSA key is invalid: %w", err)
		}
		return key, nil
	}
}

// randomRSAPrime returns a random prime of exactly bits bits with its top
// two bits set (so that two of them multiply to exactly 2·bits bits) and
// p − 1 coprime to 65537.
func randomRSAPrime(rnd io.Reader, bits int) (*big.Int, error) {
	primes := rsaSieve()
	buf := make([]byte, (bits+7)/8)
	sieve := make([]bool, rsaWindow)
	base, c := new(big.Int), new(big.Int)
	mr := newMillerRabin(rnd, bits)
	for {
		if _, err := io.ReadFull(rnd, buf); err != nil {
			return nil, fmt.Errorf("pki: generating an RSA prime: reading randomness: %w", err)
		}
		excess := uint(len(buf)*8 - bits)
		buf[0] &= 0xff >> excess
		base.SetBytes(buf)
		base.SetBit(base, bits-1, 1)
		base.SetBit(base, bits-2, 1)
		base.SetBit(base, 0, 1)

		// sieve[k] marks base + 2k as certainly unusable: divisible by a
		// small prime, or ≡ 1 mod 65537.
		clear(sieve)
		words := base.Bits()
		for _, p := range primes {
			markMultiples(sieve, dhRemWords(words, uint64(p)), uint64(p), 0)
		}
		markMultiples(sieve, dhRemWords(words, rsaExponent), rsaExponent, 1)

		for k, skip := range sieve {
			if skip {
				continue
			}
			c.SetInt64(int64(2 * k))
			c.Add(c, base)
			if c.BitLen() != bits {
				break // ran over the top: draw a new base
			}
			ok, err := mr.isPrime(c)
			if err != nil {
				return nil, err
			}
			if ok {
				return c, nil
			}
		}
	}
}

// markMultiples marks every k < len(sieve) with base + 2k ≡ target (mod
// p), where r = base mod p and p is odd.
func markMultiples(sieve []bool, r, p, target uint64) {
	// 2k ≡ target − r (mod p); 2⁻¹ ≡ (p+1)/2.
	k := (target + p - r) % p * ((p + 1) / 2) % p
	for ; k < uint64(len(sieve)); k += p {
		sieve[k] = true
	}
}

// millerRabin tests candidates of one size.
type millerRabin struct {
	rnd    io.Reader
	rounds int
	buf    []byte
	two    *big.Int
}

func newMillerRabin(rnd io.Reader, bits int) *millerRabin {
	// Rounds for random candidates of this size: FIPS 186-5 Table B.1, as
	// crypto/rsa counts them (the first one here is base 2).
	rounds := 5
	switch {
	case bits >= 3747:
		rounds = 3
	case bits >= 1345:
		rounds = 4
	}
	return &millerRabin{rnd: rnd, rounds: rounds, buf: make([]byte, (bits+7)/8), two: big.NewInt(2)}
}

// isPrime runs base 2, then the remaining rounds with random bases.
func (m *millerRabin) isPrime(w *big.Int) (bool, error) {
	one := big.NewInt(1)
	wm1 := new(big.Int).Sub(w, one)
	s := wm1.TrailingZeroBits()
	d := new(big.Int).Rsh(wm1, s)
	x, a := new(big.Int), new(big.Int)
	for round := 0; round < m.rounds; round++ {
		if round == 0 {
			a.Set(m.two)
		} else {
			// A random base in [2, w−2].
			for {
				if _, err := io.ReadFull(m.rnd, m.buf); err != nil {
					return false, fmt.Errorf("pki: generating an RSA prime: reading randomness: %w", err)
				}
				a.SetBytes(m.buf)
				a.Rsh(a, uint(len(m.buf)*8-w.BitLen()))
				if a.Cmp(one) > 0 && a.Cmp(wm1) < 0 {
					break
				}
			}
		}
		x.Exp(a, d, w)
		if x.Cmp(one) == 0 || x.Cmp(wm1) == 0 {
			continue
		}
		witness := true
		for i := uint(1); i < s; i++ {
			x.Mul(x, x).Mod(x, w)
			if x.Cmp(wm1) == 0 {
				witness = false
				break
			}
			if x.Cmp(one) == 0 {
				return false, nil
			}
		}
		if witness {
			return false, nil
		}
	}
	return true, nil
}
