package pki

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/wsskit/wsskit/pki/pkitest"
)

func readDHFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "dh", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseDHParams(t *testing.T) {
	tests := []struct {
		file      string
		bits      int
		g         int64
		hasQ      bool
		length    int
		wantGroup string
	}{
		{file: "dh1024.pem", bits: 1024, g: 2},
		{file: "dh1024.der", bits: 1024, g: 2},
		{file: "dh1024-g5.pem", bits: 1024, g: 5},
		{file: "x942-1024.pem", bits: 1024, hasQ: true},
		{file: "ffdhe2048.pem", bits: 2048, g: 2, wantGroup: "ffdhe2048"},
		{file: "length.pem", bits: 1024, g: 2, length: 225},
		{file: "bad-generator.pem", bits: 1024, g: 1},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			p, err := ParseDHParams(readDHFixture(t, tc.file))
			if err != nil {
				t.Fatalf("ParseDHParams: %v", err)
			}
			if got := p.Bits(); got != tc.bits {
				t.Errorf("bits: got %d, want %d", got, tc.bits)
			}
			if tc.g != 0 && p.G.Cmp(big.NewInt(tc.g)) != 0 {
				t.Errorf("g: got %v, want %d", p.G, tc.g)
			}
			if got := p.Q != nil; got != tc.hasQ {
				t.Errorf("has q: got %v, want %v", got, tc.hasQ)
			}
			if p.Length != tc.length {
				t.Errorf("length: got %d, want %d", p.Length, tc.length)
			}
			if got := p.GroupName(); got != tc.wantGroup {
				t.Errorf("group: got %q, want %q", got, tc.wantGroup)
			}
		})
	}
}

func TestParseDHParamsErrors(t *testing.T) {
	good := readDHFixture(t, "dh1024.der")
	certPEM := pkitest.Issue(t, pkitest.Template{CN: "x"}, nil).CertPEM()
	tests := []struct {
		name string
		in   []byte
		want error
		sub  string
	}{
		{"empty", nil, ErrNoDHParams, "no DH parameters"},
		{"text", []byte("hello"), ErrNoDHParams, "no DH parameters"},
		{"certificate only", certPEM, ErrNoDHParams, "no DH parameters"},
		{"truncated DER", good[:len(good)-5], ErrMalformedDHParams, "DER DH parameters"},
		{"trailing DER", append(slices.Clone(good), 0), ErrMalformedDHParams, "not a single DER SEQUENCE"},
		{"bad PEM body", []byte("-----BEGIN DH PARAMETERS-----\nMAA=\n-----END DH PARAMETERS-----\n"), ErrMalformedDHParams, "DH PARAMETERS PEM block"},
		{"negative prime", dhDERSeq(big.NewInt(-23), big.NewInt(2)), ErrMalformedDHParams, "prime is not positive"},
		{"negative length", dhPEMBlock(PEMTypeDHParams, dhDERSeq(big.NewInt(23), big.NewInt(2), big.NewInt(-6))), ErrMalformedDHParams, "privateValueLength"},
		{"X9.42 without q", dhPEMBlock(PEMTypeX942DHParams, dhDERSeq(big.NewInt(23), big.NewInt(2))), ErrMalformedDHParams, "reading q INTEGER"},
		{"X9.42 DER trailing junk", dhDERSeq(big.NewInt(23), big.NewInt(2), big.NewInt(11), big.NewInt(1), big.NewInt(1)), ErrMalformedDHParams, "(X9.42)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDHParams(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.sub) {
				t.Errorf("got %q, want it to contain %q", err, tc.sub)
			}
		})
	}
}

// TestDHParamsPEMMatchesOpenSSL checks that PEM() re-encodes OpenSSL's own
// files byte for byte, and that OpenSSL reads what PEM() writes.
func TestDHParamsPEMMatchesOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	for _, f := range []string{"dh1024.pem", "dh1024-g5.pem", "ffdhe2048.pem"} {
		t.Run(f, func(t *testing.T) {
			in := readDHFixture(t, f)
			p, err := ParseDHParams(in)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.PEM(); !bytes.Equal(got, in) {
				t.Errorf("got %q, want %q", got, in)
			}
			path := pkitest.WriteFile(t, t.TempDir(), "p.pem", p.PEM())
			out := pkitest.Run(t, openssl, "dhparam", "-in", path)
			if !strings.Contains(out, string(in)) {
				t.Errorf("openssl dhparam rewrote it as %q", out)
			}
		})
	}
}

func TestDHGroupMatchesOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	for _, name := range DHGroupNames() {
		t.Run(name, func(t *testing.T) {
			g, err := DHGroup(strings.ToUpper(name))
			if err != nil {
				t.Fatal(err)
			}
			out := pkitest.Run(t, openssl, "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:"+name)
			if got := string(g.PEM()); got != out {
				t.Errorf("got %q, want %q", got, out)
			}
			if got := g.GroupName(); got != name {
				t.Errorf("GroupName: got %q, want %q", got, name)
			}
		})
	}
	if _, err := DHGroup("ffdhe1024"); err == nil || !strings.Contains(err.Error(), "unknown DH group") {
		t.Errorf("ffdhe1024: got %v, want an unknown group error", err)
	}
}

// TestDHGroupsFollowRFC7919 rebuilds each prime from RFC 7919's definition,
// p = 2^b - 2^{b-64} + {[2^{b-130} e] + X} * 2^64 - 1, independently of the
// embedded hex.
func TestDHGroupsFollowRFC7919(t *testing.T) {
	xs := map[string]struct {
		bits int
		x    int64
	}{
		"ffdhe2048": {2048, 560316}, "ffdhe3072": {3072, 2625351}, "ffdhe4096": {4096, 5736041},
		"ffdhe6144": {6144, 15705020}, "ffdhe8192": {8192, 10965728},
	}
	// floor(2^n * e) for n up to 8192 with 64 guard bits: sum of 2^(n+64)/k!.
	const prec = 8192 + 64
	e := new(big.Int)
	term := new(big.Int).Lsh(big.NewInt(1), prec)
	for k := int64(1); term.Sign() > 0; k++ {
		e.Add(e, term)
		term.Quo(term, big.NewInt(k))
	}
	for name, c := range xs {
		b := c.bits
		p := new(big.Int).Lsh(big.NewInt(1), uint(b))
		p.Sub(p, new(big.Int).Lsh(big.NewInt(1), uint(b-64)))
		mid := new(big.Int).Rsh(e, uint(prec-(b-130)))
		mid.Add(mid, big.NewInt(c.x))
		p.Add(p, mid.Lsh(mid, 64))
		p.Sub(p, big.NewInt(1))
		g, err := DHGroup(name)
		if err != nil {
			t.Fatal(err)
		}
		if g.P.Cmp(p) != 0 {
			t.Errorf("%s: embedded prime differs from RFC 7919's formula", name)
		}
	}
}

// derSeq encodes a SEQUENCE of INTEGERs (PKCS#3 or X9.42 shape).
func dhDERSeq(ints ...*big.Int) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, n := range ints {
			b.AddASN1BigInt(n)
		}
	})
	return b.BytesOrPanic()
}

var opensslDHReason = regexp.MustCompile(`:error:[0-9A-F]+:Diffie-Hellman routines:[^:]*:([^:]+):`)

// opensslDHCheck runs `openssl dhparam -check` and returns its reasons (nil
// for "DH parameters appear to be ok.").
func opensslDHCheck(t *testing.T, openssl, path, form string) []string {
	t.Helper()
	cmd := exec.Command(openssl, "dhparam", "-check", "-noout", "-inform", form, "-in", path)
	out, err := cmd.CombinedOutput()
	s := string(out)
	if err == nil {
		if !strings.Contains(s, "DH parameters appear to be ok.") {
			t.Fatalf("openssl exit 0 without the ok line: %s", s)
		}
		return nil
	}
	if !strings.Contains(s, "Error, invalid parameters generated") {
		t.Fatalf("openssl dhparam -check: %v\n%s", err, s)
	}
	var reasons []string
	for _, m := range opensslDHReason.FindAllStringSubmatch(s, -1) {
		reasons = append(reasons, m[1])
	}
	return reasons
}

// TestCheckDHParamsMatchesOpenSSL compares CheckDHParams's verdict with
// `openssl dhparam -check` on good and broken parameters.
func TestCheckDHParamsMatchesOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	dh, err := ParseDHParams(readDHFixture(t, "dh1024.pem"))
	if err != nil {
		t.Fatal(err)
	}
	x942, err := ParseDHParams(readDHFixture(t, "x942-1024.pem"))
	if err != nil {
		t.Fatal(err)
	}
	p, q := dh.P, new(big.Int).Rsh(dh.P, 1)
	pm1 := new(big.Int).Sub(p, big.NewInt(1))
	// A safe prime of about 385 bits: prime but under OpenSSL's 512-bit minimum.
	small, _ := new(big.Int).SetString("5a2fd48b0bde1bd8b5ec27ac5f4cc1eb22f7e3b1b2be8a4b1f8f1d46b0d78c52a9b7bb9b3fbfcbd5deb0c61a8bcb1f97", 16)
	smallSafe := nextSafePrimeForTest(small)
	tests := []struct {
		name string
		der  []byte
	}{
		{"openssl 1024-bit g=2", dhDERSeq(p, big.NewInt(2))},
		{"openssl 1024-bit g=5 (order not checked)", dhDERSeq(p, big.NewInt(5))},
		{"g=1", dhDERSeq(p, big.NewInt(1))},
		{"g=0", dhDERSeq(p, big.NewInt(0))},
		{"g=p-1", dhDERSeq(p, pm1)},
		{"g=p", dhDERSeq(p, p)},
		{"p even", dhDERSeq(pm1, big.NewInt(2))},
		{"p composite", dhDERSeq(new(big.Int).Add(p, big.NewInt(2)), big.NewInt(2))},
		{"p prime not safe", dhDERSeq(x942.P, big.NewInt(2))},
		{"p composite and g=1", dhDERSeq(new(big.Int).Add(p, big.NewInt(2)), big.NewInt(1))},
		{"safe prime under 512 bits", dhDERSeq(smallSafe, big.NewInt(2))},
		{"ffdhe2048", func() []byte { g, _ := DHGroup("ffdhe2048"); return g.DER() }()},
		{"x942 valid", dhDERSeq(x942.P, x942.G, x942.Q)},
		{"x942 g of wrong order", dhDERSeq(x942.P, big.NewInt(2), x942.Q)},
		{"x942 q not prime", dhDERSeq(x942.P, x942.G, new(big.Int).Add(x942.Q, big.NewInt(2)))},
		{"x942 q above p", dhDERSeq(x942.P, x942.G, new(big.Int).Lsh(x942.P, 1))},
		{"x942 safe prime with q", dhDERSeq(p, big.NewInt(4), q)},
	}
	dir := t.TempDir()
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			params, err := ParseDHParams(tc.der)
			if err != nil {
				t.Fatal(err)
			}
			path := pkitest.WriteFile(t, dir, string(rune('a'+i))+".der", tc.der)
			form := "DER"
			if params.Q != nil {
				// `dhparam -inform DER` reads PKCS#3 only; hand X9.42 over as PEM.
				path = pkitest.WriteFile(t, dir, string(rune('a'+i))+".pem",
					dhPEMBlock(PEMTypeX942DHParams, tc.der))
				form = "PEM"
			}
			want := opensslDHCheck(t, openssl, path, form)
			t.Logf("openssl: %q", want)
			got := CheckDHParams(params)
			if !slices.Equal(got, want) {
				t.Errorf("got %q, want %q (openssl)", got, want)
			}
		})
	}
}

func dhPEMBlock(typ string, der []byte) []byte {
	var buf bytes.Buffer
	buf.WriteString("-----BEGIN " + typ + "-----\n")
	enc := []byte(dhBase64(der))
	for len(enc) > 64 {
		buf.Write(enc[:64])
		buf.WriteByte('\n')
		enc = enc[64:]
	}
	buf.Write(enc)
	buf.WriteString("\n-----END " + typ + "-----\n")
	return buf.Bytes()
}

// nextSafePrimeForTest returns the first safe prime p = 2q+1 with q >= start.
func nextSafePrimeForTest(start *big.Int) *big.Int {
	q := new(big.Int).Set(start)
	q.SetBit(q, 0, 1)
	p := new(big.Int)
	for {
		p.Lsh(q, 1)
		p.Add(p, big.NewInt(1))
		if q.ProbablyPrime(10) && p.ProbablyPrime(10) {
			return p
		}
		q.Add(q, big.NewInt(2))
	}
}

func TestGenerateDHParams(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	tests := []struct {
		bits, g       int
		mod, residue  int64
		opensslNeeded bool
	}{
		{512, 2, 24, 23, true},
		{512, 5, 60, 59, true},
		{512, 3, 12, 11, true},
		{768, 2, 24, 23, true},
	}
	for _, tc := range tests {
		t.Run(strings.Join([]string{dhItoa(tc.bits), "g" + dhItoa(tc.g)}, "-"), func(t *testing.T) {
			var calls, last int
			p, err := GenerateDHParams(context.Background(), tc.bits, tc.g, 2, func(tried int) {
				calls++
				if tried < last {
					t.Errorf("progress went back from %d to %d", last, tried)
				}
				last = tried
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Bits(); got != tc.bits {
				t.Errorf("bits: got %d, want %d", got, tc.bits)
			}
			if got := new(big.Int).Mod(p.P, big.NewInt(tc.mod)).Int64(); got != tc.residue {
				t.Errorf("p mod %d: got %d, want %d", tc.mod, got, tc.residue)
			}
			if got := CheckDHParams(p); len(got) != 0 {
				t.Errorf("CheckDHParams: got %q, want none", got)
			}
			// For 2 and 5, g generates the order-q subgroup: g^q = 1 mod p.
			if tc.g != 3 {
				qq := new(big.Int).Rsh(p.P, 1)
				if new(big.Int).Exp(p.G, qq, p.P).Cmp(big.NewInt(1)) != 0 {
					t.Errorf("g^q mod p != 1")
				}
			}
			if calls == 0 {
				t.Errorf("progress was never called")
			}
			path := pkitest.WriteFile(t, t.TempDir(), "dh.pem", p.PEM())
			if got := opensslDHCheck(t, openssl, path, "PEM"); got != nil {
				t.Errorf("openssl dhparam -check: %q", got)
			}
		})
	}
}

func dhItoa(n int) string { return big.NewInt(int64(n)).String() }

func TestGenerateDHParamsErrors(t *testing.T) {
	ctx := context.Background()
	var se *DHSizeError
	if _, err := GenerateDHParams(ctx, 256, 2, 1, nil); !errors.As(err, &se) || se.Bits != 256 {
		t.Errorf("256 bits: got %v, want *DHSizeError{256}", err)
	}
	if _, err := GenerateDHParams(ctx, 10001, 2, 1, nil); !errors.As(err, &se) {
		t.Errorf("10001 bits: got %v, want *DHSizeError", err)
	}
	if _, err := GenerateDHParams(ctx, 512, 1, 1, nil); !errors.Is(err, ErrDHGenerator) {
		t.Errorf("generator 1: got %v, want ErrDHGenerator", err)
	}
}

func TestGenerateDHParamsCancel(t *testing.T) {
	if testing.Short() {
		t.Skip("sets up a 4096-bit search")
	}
	dhSievePrimes(dhSieveBound(4096)) // built once per process; not what is timed
	const wait = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	start := time.Now()
	p, err := GenerateDHParams(ctx, 4096, 2, 2, nil)
	if err == nil {
		// Possible but rare: a 4096-bit safe prime within 300ms.
		t.Skipf("found a prime before the deadline: %d bits", p.Bits())
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start) - wait; d > 2*time.Second {
		t.Errorf("took %v to stop after the deadline", d)
	}
}

func TestRemWordsAndInvMod(t *testing.T) {
	q := new(big.Int).Lsh(big.NewInt(12345678901), 2000)
	q.Add(q, big.NewInt(987654321))
	for _, m := range []uint64{3, 5, 7, 65521, 16777213, 1<<32 - 5} {
		want := new(big.Int).Mod(q, new(big.Int).SetUint64(m)).Uint64()
		if got := dhRemWords(q.Bits(), m); got != want {
			t.Errorf("%d: got %d, want %d", m, got, want)
		}
		for _, a := range []uint64{6, 12, 30} {
			if m <= a || m%2 == 0 || m%3 == 0 && m != 3 {
				continue
			}
			if inv := dhInvMod(a%m, m); inv*a%m != 1 {
				t.Errorf("dhInvMod(%d, %d) = %d", a, m, inv)
			}
		}
	}
	ps := dhSievePrimes(1000)
	if len(ps) != 168 || ps[0] != 2 || ps[len(ps)-1] != 997 {
		t.Errorf("dhSievePrimes(1000): got %d primes ending %d, want 168 ending 997", len(ps), ps[len(ps)-1])
	}
}

// BenchmarkDHGenerate measures 2048-bit generation on all cores, the
// figure docs/benchmarks.md compares with `openssl dhparam 2048`.
func BenchmarkDHGenerate(b *testing.B) {
	if testing.Short() {
		b.Skip("2048-bit safe-prime generation takes seconds")
	}
	for b.Loop() {
		if _, err := GenerateDHParams(context.Background(), 2048, 2, 0, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParseDHParams(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "dh", "*.*"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil && !strings.HasSuffix(file, ".sh") && !strings.HasSuffix(file, ".md") {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseDHParams(data)
		if err != nil {
			return
		}
		back, err := ParseDHParams(p.PEM())
		if err != nil {
			t.Fatalf("re-parsing our own PEM: %v", err)
		}
		if back.P.Cmp(p.P) != 0 || back.G.Cmp(p.G) != 0 {
			t.Fatalf("round trip changed p or g")
		}
		if p.Bits() <= 1024 {
			_ = CheckDHParams(p)
		}
	})
}

func dhBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
