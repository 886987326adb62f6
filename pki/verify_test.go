package pki

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// benchCorpus makes n client certificates issued by one CA, as PEM bytes.
func benchCorpus(tb testing.TB, n int) (ca *tcert, pems [][]byte) {
	tb.Helper()
	ca = mkCert(tb, certSpec{cn: "Bench CA", ca: true}, nil)
	for i := 0; i < n; i++ {
		c := mkCert(tb, certSpec{cn: fmt.Sprintf("client-%d", i), eku: clientEKU}, ca)
		pems = append(pems, certsPEM(c.cert))
	}
	return ca, pems
}

var clientEKU = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}

func parsePEMCert(tb testing.TB, b []byte) *x509.Certificate {
	blk, _ := pem.Decode(b)
	if blk == nil {
		tb.Fatal("no PEM")
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// BenchmarkVerify verifies one client certificate against a CA folder
// entry, parsing included, as `wsskit verify --capath` does per file.
func BenchmarkVerify(b *testing.B) {
	ca, pems := benchCorpus(b, 1)
	opts := VerifyOptions{Roots: []*x509.Certificate{ca.cert}, Purpose: "sslclient", MaxDepth: -1}
	b.ReportAllocs()
	for b.Loop() {
		if r := Verify(parsePEMCert(b, pems[0]), opts); !r.OK() {
			b.Fatal(r.Errors)
		}
	}
}

// BenchmarkVerifyAll verifies 10,000 client certificates (parsing included)
// in one batch with shared caches, the workload the issue compares with
// `openssl verify -CApath` (docs/benchmarks.md). Set WSSKIT_BENCH_DIR to
// also write the corpus (ca.pem, capath/, certs/) for the openssl side.
func BenchmarkVerifyAll(b *testing.B) {
	const n = 10000
	ca, pems := benchCorpus(b, n)
	if dir := os.Getenv("WSSKIT_BENCH_DIR"); dir != "" {
		writeBenchCorpus(b, dir, ca, pems)
	}
	lookup := memLookup{ca.cert}
	opts := VerifyOptions{CAPath: lookup, Purpose: "sslclient", MaxDepth: -1}
	b.ReportAllocs()
	for b.Loop() {
		certs := make([]*x509.Certificate, n)
		for i, p := range pems {
			certs[i] = parsePEMCert(b, p)
		}
		for _, r := range VerifyAll(certs, opts, runtime.GOMAXPROCS(0)) {
			if !r.OK() {
				b.Fatal(r.Errors)
			}
		}
	}
}

func writeBenchCorpus(tb testing.TB, dir string, ca *tcert, pems [][]byte) {
	tb.Helper()
	for _, d := range []string{"capath", "certs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	writeTestFile(tb, dir, "ca.pem", certsPEM(ca.cert))
	writeTestFile(tb, filepath.Join(dir, "capath"), testNameHash(ca.cert.RawSubject)+".0", certsPEM(ca.cert))
	for i, p := range pems {
		writeTestFile(tb, filepath.Join(dir, "certs"), fmt.Sprintf("client-%05d.pem", i), p)
	}
}

// memLookup is an in-memory CA folder.
type memLookup []*x509.Certificate

func (m memLookup) LookupIssuers(raw []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, c := range m {
		if testNameHash(c.RawSubject) == testNameHash(raw) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (m memLookup) LookupCRLs([]byte) ([]*x509.RevocationList, error) { return nil, nil }

func TestVerifyAllOrderAndCaches(t *testing.T) {
	ca := mkCert(t, certSpec{cn: "Order CA", ca: true}, nil)
	now := time.Now()
	var certs []*x509.Certificate
	var want []string
	for i := 0; i < 50; i++ {
		spec := certSpec{cn: fmt.Sprintf("c%d", i)}
		w := ""
		if i%3 == 0 {
			spec.na = now.Add(-time.Hour)
			spec.nb = now.Add(-2 * time.Hour)
			w = "10@0"
		}
		if i%7 == 0 {
			certs = append(certs, mkCert(t, spec, nil).cert)
			w = "18@0"
			if i%3 == 0 {
				w = "18@0 10@0"
			}
			want = append(want, w)
			continue
		}
		certs = append(certs, mkCert(t, spec, ca).cert)
		want = append(want, w)
	}
	opts := VerifyOptions{Roots: []*x509.Certificate{ca.cert}, MaxDepth: -1}
	for _, workers := range []int{0, 1, 3, 64} {
		res := VerifyAll(certs, opts, workers)
		if len(res) != len(certs) {
			t.Fatalf("workers %d: got %d results, want %d", workers, len(res), len(certs))
		}
		for i, r := range res {
			if got := strings.Join(codesOf(linesOf(r)), " "); got != want[i] {
				t.Errorf("workers %d, cert %d: got %q, want %q", workers, i, got, want[i])
			}
			if !reflect.DeepEqual(linesOf(r), linesOf(Verify(certs[i], opts))) {
				t.Errorf("workers %d, cert %d: VerifyAll differs from Verify", workers, i)
			}
		}
	}
	if got := VerifyAll(nil, opts, 4); len(got) != 0 {
		t.Errorf("VerifyAll(nil) = %d results, want 0", len(got))
	}
}

func TestVerifyOptionsCheck(t *testing.T) {
	tests := []struct {
		name string
		opts VerifyOptions
		want string // substring of the error, "" for none
	}{
		{"defaults", VerifyOptions{}, ""},
		{"purpose", VerifyOptions{Purpose: "sslclient"}, ""},
		{"bad purpose", VerifyOptions{Purpose: "client"}, `unknown purpose "client"`},
		{"crl all", VerifyOptions{CRLCheck: "all"}, ""},
		{"bad crl", VerifyOptions{CRLCheck: "yes"}, `CRL check "yes"`},
		{"bad ip", VerifyOptions{IP: []byte{1, 2, 3}}, "IP address of 3 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Check()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want error containing %q", err, tt.want)
			}
			if !errors.Is(err, ErrVerifyOptions) {
				t.Errorf("got %v, want errors.Is ErrVerifyOptions", err)
			}
			r := Verify(&x509.Certificate{}, tt.opts)
			if r.OK() || !errors.Is(r.Err, ErrVerifyOptions) {
				t.Errorf("Verify with bad options: OK=%v Err=%v", r.OK(), r.Err)
			}
		})
	}
}

func TestPunycode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"bcher-kva", "bücher"},
		{"mnchen-3ya", "münchen"},
		{"wgv71a119e", "日本語"},
		{"abc-", "abc"},
	}
	for _, tt := range tests {
		got, err := punycodeDecode(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("punycodeDecode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := punycodeDecode("a\x80-b"); err == nil {
		t.Errorf("non-ASCII basic code points accepted")
	}
	if got, err := aToULabel("mail.xn--bcher-kva.example"); err != nil || got != "mail.bücher.example" {
		t.Errorf("aToULabel = %q, %v", got, err)
	}
}
