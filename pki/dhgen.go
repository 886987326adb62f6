package pki

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// How GenerateDHParams searches for a safe prime p = 2q+1.
//
// Candidates q run through an arithmetic progression q0 + k*m, where m and the
// residue of q0 encode the generator's congruence (OpenSSL's: p = 23 mod 24 for
// g=2, p = 59 mod 60 for g=5, p = 11 mod 12 otherwise). The progression is cut
// into windows of dhWindow candidates; the workers take windows in turn. In
// each window a sieve strikes every k for which a small prime r divides q or
// 2q+1 (r | 2q+1 exactly when q = (r-1)/2 mod r), for all odd primes r up to a
// bound that grows with the size of p. Only the survivors (about 1 in 300 for
// 2048 bits) get a Fermat test of q to base 2; the few that pass it get a
// Fermat test of p to base 2, which together with q prime proves p prime
// (Pocklington: p-1 = 2q with q > sqrt(p), and gcd(2^2-1, p) = 1 because 3
// never divides p here). The winner is then confirmed with
// big.Int.ProbablyPrime (Miller-Rabin plus Baillie-PSW) on q and p.
//
// Sieving deeper than OpenSSL (which trial-divides by 384 primes for 2048 bits)
// is what makes the search fast: the expected number of modular
// exponentiations falls with the square of the logarithm of the sieve bound.

// dhWindow is the number of candidates per sieve window (a bitset of 32 KiB,
// small enough to stay in a core's L1/L2 cache while it is struck).
const dhWindow = 1 << 18

// dhSieveBound returns the largest small prime the sieve uses for a modulus
// of the given size. Larger bounds cost a one-off reduction of q0 by every
// prime (a few hundred milliseconds at 2^24) and pay off only when each
// modular exponentiation is expensive.
func dhSieveBound(bits int) uint32 {
	switch {
	case bits <= 768:
		return 1 << 16
	case bits <= 1536:
		return 1 << 20
	case bits <= 3072:
		return 1 << 24
	default:
		return 1 << 25
	}
}

// ErrDHGenerator is returned for a generator below 2.
var ErrDHGenerator = errors.New("pki: DH generator must be at least 2")

// DHSizeError reports a requested modulus size outside what OpenSSL accepts.
type DHSizeError struct {
	Bits int
}

func (e *DHSizeError) Error() string {
	return fmt.Sprintf("pki: DH modulus of %d bits is outside OpenSSL's range %d..%d", e.Bits, DHMinBits, DHMaxBits)
}

// dhRand is the randomness source for GenerateDHParams (tests may replace it).
var dhRand io.Reader = rand.Reader

// GenerateDHParams generates DH parameters with a new random safe prime p of
// exactly bits bits (p = 2q+1, q prime) and the given generator, the way
// `openssl dhparam -2|-5 bits` does: for generator 2, p = 23 mod 24; for 5,
// p = 59 mod 60; for any other generator (>= 2), p = 11 mod 12. For 2 and 5 the
// generator then generates the subgroup of prime order q.
//
// workers goroutines search in parallel (workers <= 0 means
// runtime.GOMAXPROCS(0)); when one finds a prime the others stop. progress,
// if not nil, is called with the running total of candidates that reached a
// modular-exponentiation test; calls come from the worker goroutines but
// never concurrently. Cancelling ctx stops the search and returns ctx's error.
// bits must be within [DHMinBits, DHMaxBits].
func GenerateDHParams(ctx context.Context, bits, generator int, workers int, progress func(tried int)) (*DHParams, error) {
	if bits < DHMinBits || bits > DHMaxBits {
		return nil, &DHSizeError{Bits: bits}
	}
	if generator < 2 {
		return nil, fmt.Errorf("%w: got %d", ErrDHGenerator, generator)
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// q = qRes mod qMod, from OpenSSL's p = rem mod add.
	var qMod, qRes uint64
	switch generator {
	case 2:
		qMod, qRes = 12, 11 // p = 23 mod 24
	case 5:
		qMod, qRes = 30, 29 // p = 59 mod 60
	default:
		qMod, qRes = 6, 5 // p = 11 mod 12
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := newSafePrimeSearch(ctx, bits, qMod, qRes, dhSieveBound(bits))
	if err != nil {
		return nil, fmt.Errorf("pki: generating %d-bit DH parameters: %w", bits, err)
	}

	var (
		mu     sync.Mutex
		tried  int
		found  *big.Int
		window atomic.Uint64
		wg     sync.WaitGroup
	)
	report := func(n int) {
		mu.Lock()
		defer mu.Unlock()
		tried += n
		if progress != nil && found == nil {
			progress(tried)
		}
	}
	win := func(p *big.Int) {
		mu.Lock()
		defer mu.Unlock()
		if found == nil {
			found = p
		}
		cancel()
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.work(ctx, &window, report, win)
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if found == nil {
		if err := context.Cause(ctx); err != nil {
			return nil, fmt.Errorf("pki: generating %d-bit DH parameters: %w", bits, err)
		}
		return nil, fmt.Errorf("pki: generating %d-bit DH parameters: search space exhausted", bits)
	}
	return &DHParams{P: found, G: big.NewInt(int64(generator))}, nil
}

// safePrimeSearch is the shared, read-only state of one generation.
type safePrimeSearch struct {
	bits   int
	qMod   uint64
	q0     *big.Int // start of the progression; q0 = qRes mod qMod
	primes []uint32 // odd sieve primes not dividing qMod
	q0mod  []uint32 // q0 mod primes[i]
	inv    []uint32 // qMod^-1 mod primes[i]
}

func newSafePrimeSearch(ctx context.Context, bits int, qMod, qRes uint64, bound uint32) (*safePrimeSearch, error) {
	// q has bits-1 bits with the top one set, so p = 2q+1 has exactly bits
	// bits; the second bit is cleared so the progression cannot overflow.
	buf := make([]byte, (bits-1+7)/8)
	if _, err := io.ReadFull(dhRand, buf); err != nil {
		return nil, fmt.Errorf("reading randomness: %w", err)
	}
	q0 := new(big.Int).SetBytes(buf)
	q0.Rsh(q0, uint(len(buf)*8-(bits-1)))
	q0.SetBit(q0, bits-2, 1)
	q0.SetBit(q0, bits-3, 0)
	r := new(big.Int).Mod(q0, new(big.Int).SetUint64(qMod)).Uint64()
	q0.Sub(q0, new(big.Int).SetUint64(r))
	q0.Add(q0, new(big.Int).SetUint64(qRes))

	all := dhSievePrimes(bound)
	s := &safePrimeSearch{bits: bits, qMod: qMod, q0: q0}
	s.primes = make([]uint32, 0, len(all))
	for _, p := range all {
		if p > 2 && qMod%uint64(p) != 0 {
			s.primes = append(s.primes, p)
		}
	}
	s.q0mod = make([]uint32, len(s.primes))
	s.inv = make([]uint32, len(s.primes))
	words := q0.Bits()
	// Reduce q0 by every prime, in parallel: this is the sieve's one large
	// fixed cost.
	n := runtime.GOMAXPROCS(0)
	chunk := (len(s.primes) + n - 1) / n
	var wg sync.WaitGroup
	for lo := 0; lo < len(s.primes); lo += chunk {
		hi := min(lo+chunk, len(s.primes))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				if i%(1<<14) == 0 && ctx.Err() != nil {
					return
				}
				p := s.primes[i]
				s.q0mod[i] = uint32(dhRemWords(words, uint64(p)))
				s.inv[i] = uint32(dhInvMod(qMod%uint64(p), uint64(p)))
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// remWords returns the value of words (little-endian big.Word digits) mod m
// for 2 < m < 2^32. It walks 32-bit halves and reduces each step with a
// Barrett multiplication by floor(2^64/m) instead of a 64-bit division,
// which is several times slower.
func dhRemWords(words []big.Word, m uint64) uint64 {
	recip, _ := bits.Div64(1, 0, m) // floor(2^64 / m); m > 1
	red := func(v uint64) uint64 {  // v mod m for v < m*2^32
		q, _ := bits.Mul64(v, recip)
		r := v - q*m
		for r >= m {
			r -= m
		}
		return r
	}
	var r uint64
	for i := len(words) - 1; i >= 0; i-- {
		w := uint64(words[i])
		if bits.UintSize == 64 {
			r = red(r<<32 | w>>32)
			w &= 1<<32 - 1
		}
		r = red(r<<32 | w)
	}
	return r
}

// invMod returns a^-1 mod m for 0 < a < m and gcd(a, m) = 1, by the extended
// Euclidean algorithm.
func dhInvMod(a, m uint64) uint64 {
	t, newT := int64(0), int64(1)
	r, newR := int64(m), int64(a)
	for newR != 0 {
		q := r / newR
		t, newT = newT, t-q*newT
		r, newR = newR, r-q*newR
	}
	if t < 0 {
		t += int64(m)
	}
	return uint64(t)
}

// sieveWindow sets bit k of sieve when a sieve prime divides q or 2q+1 for
// q = q0 + (start+k)*qMod.
func (s *safePrimeSearch) sieveWindow(ctx context.Context, start uint64, sieve []uint64) {
	clear(sieve)
	for i, r32 := range s.primes {
		if i%(1<<16) == 0 && ctx.Err() != nil {
			return
		}
		r := uint64(r32)
		// x = q0 + start*qMod mod r.
		x := (uint64(s.q0mod[i]) + start%r*(s.qMod%r)) % r
		inv := uint64(s.inv[i])
		// k with x + k*qMod = 0 (r | q), and = (r-1)/2 (r | 2q+1).
		k1 := (r - x) % r * inv % r
		k2 := ((r-1)/2 + r - x) % r * inv % r
		for k := k1; k < dhWindow; k += r {
			sieve[k>>6] |= 1 << (k & 63)
		}
		for k := k2; k < dhWindow; k += r {
			sieve[k>>6] |= 1 << (k & 63)
		}
	}
}

// work sieves and tests windows until ctx is done or a prime is found.
func (s *safePrimeSearch) work(ctx context.Context, next *atomic.Uint64, report func(int), win func(*big.Int)) {
	sieve := make([]uint64, dhWindow/64)
	var (
		base = new(big.Int)
		q    = new(big.Int)
		qm1  = new(big.Int)
		p    = new(big.Int)
		pm1  = new(big.Int)
		t    = new(big.Int)
		off  = new(big.Int)
		two  = big.NewInt(2)
		one  = big.NewInt(1)
		bigM = new(big.Int).SetUint64(s.qMod)
	)
	for ctx.Err() == nil {
		w := next.Add(1) - 1
		start := w * dhWindow // index k of the window's first candidate
		// base = q0 + start*qMod
		base.SetUint64(start)
		base.Mul(base, bigM)
		base.Add(base, s.q0)
		if base.BitLen() != s.bits-1 {
			return // ran off the top of the range: give up this worker
		}
		s.sieveWindow(ctx, start, sieve)
		if ctx.Err() != nil {
			return
		}
		tested := 0
		for wi, word := range sieve {
			free := ^word
			for free != 0 {
				if ctx.Err() != nil {
					report(tested)
					return
				}
				b := bits.TrailingZeros64(free)
				free &= free - 1
				k := uint64(wi*64 + b)
				off.SetUint64(k * s.qMod)
				q.Add(base, off)
				tested++
				if tested%16 == 0 {
					report(16)
					tested = 0
				}
				// Fermat test of q to base 2.
				qm1.Sub(q, one)
				if t.Exp(two, qm1, q).Cmp(one) != 0 {
					continue
				}
				// Fermat test of p = 2q+1 to base 2 (a proof, given q prime).
				p.Lsh(q, 1)
				p.Add(p, one)
				pm1.Lsh(q, 1)
				if t.Exp(two, pm1, p).Cmp(one) != 0 {
					continue
				}
				if !q.ProbablyPrime(dhPrimeRounds) || !p.ProbablyPrime(1) {
					continue
				}
				report(tested)
				win(new(big.Int).Set(p))
				return
			}
		}
		report(tested)
	}
}

var (
	dhSieveMu    sync.Mutex
	dhSieveCache = map[uint32][]uint32{}
)

// sievePrimes returns all primes below bound (cached; callers must not modify
// the slice).
func dhSievePrimes(bound uint32) []uint32 {
	dhSieveMu.Lock()
	defer dhSieveMu.Unlock()
	if ps, ok := dhSieveCache[bound]; ok {
		return ps
	}
	// Odd-only sieve of Eratosthenes: bit i stands for 2i+1.
	n := bound / 2
	composite := make([]uint64, n/64+1)
	for i := uint32(1); ; i++ {
		p := 2*i + 1
		if uint64(p)*uint64(p) >= uint64(bound) {
			break
		}
		if composite[i>>6]&(1<<(i&63)) != 0 {
			continue
		}
		for j := (p*p - 1) / 2; j < n; j += p {
			composite[j>>6] |= 1 << (j & 63)
		}
	}
	ps := []uint32{2}
	for i := uint32(1); i < n; i++ {
		if composite[i>>6]&(1<<(i&63)) == 0 {
			ps = append(ps, 2*i+1)
		}
	}
	dhSieveCache[bound] = ps
	return ps
}
