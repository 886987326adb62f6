package pki

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// hxNameCase is one Name of the cross-check corpus.
type hxNameCase struct {
	label string
	der   []byte
}

// hxTrickyNames are the hand-written corner cases of OPENSSL-COMPAT.md §1.
func hxTrickyNames() []hxNameCase {
	hw := "Hello World"
	cases := []hxNameCase{
		{"empty name", hxName()},
		{"only an empty RDN", hxName(hxSet())},
		{"empty RDN between", hxName(hxSet(hxAVA(hxOIDO, 12, "x")), hxSet(), hxSet(hxAVA(hxOIDCN, 12, "y")))},
		{"utf8 hello", hxCN(12, hw)},
		{"printable hello", hxCN(19, hw)},
		{"ia5 hello", hxCN(22, hw)},
		{"t61 hello", hxCN(20, hw)},
		{"bmp hello", hxCN(30, hxBMP(hw))},
		{"universal hello", hxCN(28, hxUniversal(hw))},
		{"upper", hxCN(12, "HELLO WORLD")},
		{"spaces around", hxCN(12, "   Hello    World   ")},
		{"all whitespace kinds", hxCN(12, "\t\n\v\f\r Hello\t\n\v\f\rWorld \t\n\v\f\r")},
		{"only spaces", hxCN(12, "    ")},
		{"only tab", hxCN(19, "\t")},
		{"empty utf8", hxCN(12, "")},
		{"empty printable", hxCN(19, "")},
		{"NUL inside", hxCN(12, "a\x00b")},
		{"NUL edges", hxCN(12, "\x00 a \x00")},
		{"DEL", hxCN(12, "a\x7fb")},
		{"non-ascii utf8", hxCN(12, "Ärger ÉCOLE straße")},
		{"greek capitals", hxCN(12, "ΣΟΦΙΑ σοφια")},
		{"cjk", hxCN(12, "東京　都")},
		{"emoji", hxCN(12, "x 😀 Y")},
		{"nbsp not space", hxCN(12, "\u00a0a\u00a0")},
		{"combining", hxCN(12, "e\u0301 é")},
		{"latin1 printable", hxCN(19, "Caf\xe9 \xc9T\xc9")},
		{"latin1 t61", hxCN(20, "\xa0A\xa0 \xff")},
		{"latin1 ia5", hxCN(22, "M\xfcller")},
		{"bmp non-ascii", hxCN(30, hxBMP("Ωmega ÄB 東"))},
		{"bmp spaces", hxCN(30, hxBMP("  A\tB  "))},
		{"universal emoji", hxCN(28, hxUniversal(" 😀 Ab "))},
		{"numeric", hxCN(18, "12 345")},
		{"numeric spaces", hxCN(18, "  1  2 ")},
		{"numeric letters", hxCN(18, "AB c")},
		{"printable symbols", hxCN(19, "a@b*_&")},
		{"email ia5", hxName(hxSet(hxAVA(hxOIDEmail, 22, "Root@Example.COM")))},
		{"dc ia5", hxName(hxSet(hxAVA(hxOIDDC, 22, "COM")), hxSet(hxAVA(hxOIDDC, 22, "Example")), hxSet(hxAVA(hxOIDCN, 12, "x")))},
		{"multi sorted", hxName(hxSet(hxAVA(hxOIDCN, 12, "a"), hxAVA(hxOIDOU, 12, "b")))},
		{"multi reversed", hxName(hxSet(hxAVA(hxOIDOU, 12, "b"), hxAVA(hxOIDCN, 12, "a")))},
		{"multi canon reorders", hxName(hxSet(hxAVA(hxOIDCN, 12, "b"), hxAVA(hxOIDCN, 19, "A")))},
		{"multi canon reorders 2", hxName(hxSet(hxAVA(hxOIDCN, 12, "a"), hxAVA(hxOIDCN, 12, "b")))},
		{"multi same value types", hxName(hxSet(hxAVA(hxOIDCN, 30, hxBMP("X")), hxAVA(hxOIDCN, 22, "x")))},
		{"two rdns", hxName(hxSet(hxAVA(hxOIDCN, 12, "a")), hxSet(hxAVA(hxOIDOU, 12, "b")))},
		{"rdn order", hxName(hxSet(hxAVA(hxOIDCN, 12, "b")), hxSet(hxAVA(hxOIDCN, 12, "a")))},
		{"oneline specials", hxName(hxSet(hxAVA(hxOIDO, 12, "Example, Inc.")), hxSet(hxAVA(hxOIDCN, 12, `a"b\c+d;e<f>g=h`)))},
		{"leading hash", hxCN(12, "#x")},
		{"single hash", hxCN(12, "#")},
		{"leading space quoted", hxCN(19, " x")},
		{"long value", hxCN(12, strings.Repeat("Ab ", 60))},
		{"longer value", hxCN(12, strings.Repeat("x", 300))},
		{"bit string", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x03, []byte{0, 0x41}))))},
		{"bit string unused", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x03, []byte{3, 0xff}))))},
		{"bit string no bits", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x03, []byte{5}))))},
		{"tag 7", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(7, []byte("A b")))))},
		{"tag 29", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(29, []byte("Ab c")))))},
		{"tag 13 empty", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(13))))},
		{"sequence value", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x30, hxTLV(0x0c, []byte("X"))))))},
		{"sequence indefinite", hxName(hxSet(hxAVARaw(hxOIDCN, []byte{0x30, 0x80, 0x0c, 1, 'x', 0, 0})))},
		{"constructed utf8", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x2c, hxTLV(0x0c, []byte("Ab")), hxTLV(0x0c, []byte(" C"))))))},
		{"constructed bmp odd split", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x3e, hxTLV(0x1e, []byte("\x00a\x00")), hxTLV(0x1e, []byte("B"))))))},
		{"constructed bit string", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x23, hxTLV(0x03, []byte{0, 'a'})))))},
		{"constructed empty", hxName(hxSet(hxAVARaw(hxOIDCN, []byte{0x2c, 0})))},
		{"six constructed levels", hxName(hxSet(hxAVARaw(hxOIDCN, hxNest(6, hxTLV(0x0c, []byte("q"))))))},
		{"indefinite name", []byte{0x30, 0x80, 0x31, 0x0c, 0x30, 0x0a, 6, 3, 0x55, 4, 3, 0x0c, 3, 'a', 'b', 'C', 0, 0}},
		{"indefinite set", []byte{0x30, 0x12, 0x31, 0x80, 0x30, 0x80, 6, 3, 0x55, 4, 3, 0x0c, 3, 'a', 'b', 'C', 0, 0, 0, 0}},
		{"non-minimal lengths", hxName([]byte{0x31, 0x81, 0x0d, 0x30, 0x82, 0, 0x09, 6, 3, 0x55, 4, 3, 0x0c, 0x81, 1, 'Q'})},
		{"unknown oid", hxName(hxSet(hxAVA(asn1.ObjectIdentifier{1, 2, 3, 4}, 12, "v")))},
		{"oid 1.3", hxName(hxSet(hxAVA(asn1.ObjectIdentifier{1, 3}, 12, "a")))},
		{"big arc oid", hxName(hxSet(hxTLV(0x30, []byte{6, 12, 0x69, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 1}, hxTLV(12, []byte("a")))))},
		{"long oid", hxName(hxSet(hxAVA(asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35}, 12, "a")))},
		{"typical", hxName(hxSet(hxAVA(hxOIDC, 19, "SG")), hxSet(hxAVA(hxOIDO, 12, "Test")), hxSet(hxAVA(hxOIDCN, 12, "127.0.0.1")))},
	}
	return cases
}

// hxRandomNames generates n random names from a fixed seed.
func hxRandomNames(n int) []hxNameCase {
	r := rand.New(rand.NewPCG(20260101, 3))
	oids := []asn1.ObjectIdentifier{hxOIDCN, hxOIDO, hxOIDOU, hxOIDC, hxOIDEmail, hxOIDDC,
		{2, 5, 4, 7}, {2, 5, 4, 8}, {2, 5, 4, 5}, {0, 9, 2342, 19200300, 100, 1, 1}, {1, 2, 3, 4, 5}}
	runePool := []rune("aAbBzZ09 \t\n\v\f\r ,+;<>\"\\#=.-_@*\x00\x7féÉßΣσ東😀\u00a0\u3000\u0301")
	bytePool := []byte("aAbBzZ09 \t\n\r,+;<>\"\\#=.-\x00\xe9\xc9\xa0\xff\x80")
	value := func(tag byte) string {
		l := r.IntN(12)
		if r.IntN(10) == 0 {
			l = 0
		}
		var b strings.Builder
		switch tag {
		case 12:
			for range l {
				b.WriteRune(runePool[r.IntN(len(runePool))])
			}
			return b.String()
		case 30:
			s := ""
			for range l {
				c := runePool[r.IntN(len(runePool))]
				if c > 0xffff {
					c = 'Q'
				}
				s += string(c)
			}
			return hxBMP(s)
		case 28:
			s := ""
			for range l {
				s += string(runePool[r.IntN(len(runePool))])
			}
			return hxUniversal(s)
		case 18:
			for range l {
				b.WriteByte(" 0123456789"[r.IntN(11)])
			}
			return b.String()
		default:
			for range l {
				b.WriteByte(bytePool[r.IntN(len(bytePool))])
			}
			return b.String()
		}
	}
	tags := []byte{12, 12, 12, 19, 19, 20, 22, 22, 30, 28, 18}
	var out []hxNameCase
	for i := range n {
		var rdns [][]byte
		for range r.IntN(6) {
			if r.IntN(15) == 0 {
				rdns = append(rdns, hxSet())
				continue
			}
			var avas [][]byte
			for range 1 + r.IntN(3)*r.IntN(2) {
				var o asn1.ObjectIdentifier
				if r.IntN(8) == 0 {
					e := rnOIDTable[r.IntN(len(rnOIDTable))]
					var tmp []byte
					tmp = append(tmp, 6, byte(len(e.der)))
					tmp = append(tmp, e.der...)
					if _, err := asn1.Unmarshal(tmp, &o); err != nil {
						o = hxOIDCN
					}
				} else {
					o = oids[r.IntN(len(oids))]
				}
				tag := tags[r.IntN(len(tags))]
				avas = append(avas, hxAVA(o, tag, value(tag)))
			}
			rdns = append(rdns, hxSet(avas...))
		}
		out = append(out, hxNameCase{fmt.Sprintf("random %d", i), hxName(rdns...)})
	}
	return out
}

// hxCorpus is every name the OpenSSL cross-check uses.
func hxCorpus() []hxNameCase {
	return append(hxTrickyNames(), hxRandomNames(180)...)
}

// opensslCertReport runs openssl x509 on one certificate file and returns
// its output lines, or the error and output when openssl refused it.
func opensslX509(openssl, path string, args ...string) ([]string, error) {
	out, err := exec.Command(openssl, append([]string{"x509", "-noout", "-in", path}, args...)...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, out)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n"), nil
}

// parallel runs f(i) for i in [0,n) on two workers.
func hxParallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// TestNameHashMatchesOpenSSL compares NameHash, NameHashOld and OneLine with
// openssl x509 -subject_hash -subject_hash_old -issuer_hash -subject -issuer
// on a corpus of hand-built certificates, and checks that names ParseName
// refuses make openssl refuse the certificate too.
func TestNameHashMatchesOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	corpus := hxCorpus()
	if len(corpus) < 200 {
		t.Fatalf("corpus has %d names, want >= 200", len(corpus))
	}
	dir := t.TempDir()
	type job struct {
		label           string
		subject, issuer []byte
		path            string
		refused         bool
		want            error
	}
	var jobs []job
	for i, c := range corpus {
		iss := corpus[(i+1)%len(corpus)].der
		jobs = append(jobs, job{label: c.label, subject: c.der, issuer: iss})
	}
	valid := hxCN(12, "issuer")
	for _, b := range hxBadNames {
		if b.embed {
			jobs = append(jobs, job{label: "refused " + b.name, subject: b.der, issuer: valid, refused: true, want: b.want})
		}
	}
	for i := range jobs {
		jobs[i].path = filepath.Join(dir, fmt.Sprintf("c%03d.pem", i))
		pem := hxPEM("CERTIFICATE", hxCert(jobs[i].subject, jobs[i].issuer, hxCertOpts{}))
		if err := os.WriteFile(jobs[i].path, pem, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	results := make([][]string, len(jobs))
	errs := make([]error, len(jobs))
	start := time.Now()
	hxParallel(len(jobs), func(i int) {
		results[i], errs[i] = opensslX509(openssl, jobs[i].path,
			"-subject_hash", "-subject_hash_old", "-issuer_hash", "-subject", "-issuer")
	})
	t.Logf("%d openssl runs in %v", len(jobs), time.Since(start))
	for i, j := range jobs {
		t.Run(j.label, func(t *testing.T) {
			if j.refused {
				if errs[i] == nil {
					t.Fatalf("openssl accepted the certificate: %q", results[i])
				}
				_, err := NameHash(j.subject)
				if !errors.Is(err, j.want) {
					t.Errorf("NameHash: got %v, want %v", err, j.want)
				}
				return
			}
			if errs[i] != nil {
				t.Fatalf("openssl refused a name ParseName accepts: %v", errs[i])
			}
			sh, err := NameHash(j.subject)
			if err != nil {
				t.Fatal(err)
			}
			ih, err := NameHash(j.issuer)
			if err != nil {
				t.Fatal(err)
			}
			sl, _ := NameOneLine(j.subject)
			il, _ := NameOneLine(j.issuer)
			want := results[i]
			got := []string{FormatHash(sh), FormatHash(NameHashOld(j.subject)), FormatHash(ih), "subject=" + sl, "issuer=" + il}
			if len(want) != len(got) {
				t.Fatalf("openssl printed %q", want)
			}
			for k := range got {
				if got[k] != want[k] {
					t.Errorf("line %d: got %q, want %q", k, got[k], want[k])
				}
			}
		})
	}
}

// TestCRLHashMatchesOpenSSL checks CRLIssuerName and NameHash against
// openssl crl -hash -hash_old -issuer.
func TestCRLHashMatchesOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	names := hxTrickyNames()
	for i := 0; i < len(names); i += 7 {
		c := names[i]
		t.Run(c.label, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("r%d.crl", i))
			crl := hxCRL(c.der, nil, time.Now(), time.Now().Add(time.Hour), 7)
			if err := os.WriteFile(path, hxPEM("X509 CRL", crl), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(openssl, "crl", "-noout", "-in", path, "-hash", "-hash_old", "-issuer").CombinedOutput()
			if err != nil {
				t.Fatalf("openssl crl: %v\n%s", err, out)
			}
			raw, err := CRLIssuerName(crl)
			if err != nil {
				t.Fatal(err)
			}
			h, err := NameHash(raw)
			if err != nil {
				t.Fatal(err)
			}
			line, _ := NameOneLine(raw)
			got := "issuer name hash=" + FormatHash(h) + "\nissuer name old hash=" + FormatHash(NameHashOld(raw)) + "\nissuer=" + line + "\n"
			if got != string(out) {
				t.Errorf("got %q, want %q", got, out)
			}
		})
	}
}

func TestNameHashKnownValues(t *testing.T) {
	// Values measured with OpenSSL 3.0 (OPENSSL-COMPAT.md §1.1, §1.2).
	tests := []struct {
		name     string
		der      []byte
		hash     string
		hashOld  string
		oldCheck bool
	}{
		{"empty", hxName(), "eea339da", "543b6ca4", true},
		{"utf8 Hello World", hxCN(12, "Hello World"), "72c73c2b", "", false},
		{"bmp Hello World", hxCN(30, hxBMP("Hello World")), "72c73c2b", "", false},
		{"universal Hello World", hxCN(28, hxUniversal("Hello World")), "72c73c2b", "", false},
		{"only empty rdn", hxName(hxSet()), "eea339da", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := NameHash(tc.der)
			if err != nil {
				t.Fatal(err)
			}
			if got := FormatHash(h); got != tc.hash {
				t.Errorf("hash: got %q, want %q", got, tc.hash)
			}
			if tc.oldCheck {
				if got := FormatHash(NameHashOld(tc.der)); got != tc.hashOld {
					t.Errorf("old hash: got %q, want %q", got, tc.hashOld)
				}
			}
		})
	}
	if got, want := FormatHash(0x0000abcd), "0000abcd"; got != want {
		t.Errorf("FormatHash: got %q, want %q", got, want)
	}
	if h, err := ParseHash("ABCDEF01"); err != nil || h != 0xabcdef01 {
		t.Errorf("ParseHash: got %x, %v", h, err)
	}
	if _, err := ParseHash("abc"); err == nil {
		t.Error("ParseHash accepted 3 digits")
	}
}

func FuzzParseName(f *testing.F) {
	for _, c := range hxCorpus() {
		f.Add(c.der)
	}
	for _, b := range hxBadNames {
		f.Add(b.der)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		n, err := ParseName(der)
		if err != nil {
			var ne *NameError
			if !errors.As(err, &ne) || !(errors.Is(err, ErrMalformedName) || errors.Is(err, ErrUnsupportedName)) {
				t.Fatalf("error %v is not a NameError", err)
			}
			return
		}
		_ = n.OneLine()
		_ = n.String()
		// The canonical form of a parsed name is itself a parseable name
		// body whose canonical form is unchanged (canonicalisation is
		// idempotent).
		c := n.Canonical()
		n2, err := ParseName(rnTLV(0x30, c))
		if err != nil {
			t.Fatalf("canonical form does not parse: %v", err)
		}
		if c2 := n2.Canonical(); string(c2) != string(c) {
			t.Fatalf("canonicalisation not idempotent:\n%x\n%x", c, c2)
		}
	})
}

func FuzzNameHash(f *testing.F) {
	for _, c := range hxCorpus() {
		f.Add(c.der)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		h1, err1 := NameHash(der)
		h2, err2 := NameHash(append([]byte(nil), der...))
		if (err1 == nil) != (err2 == nil) || h1 != h2 {
			t.Fatalf("unstable: %x %v / %x %v", h1, err1, h2, err2)
		}
		_ = NameHashOld(der)
		if err1 == nil {
			if _, err := ParseName(der); err != nil {
				t.Fatalf("NameHash accepted what ParseName refuses: %v", err)
			}
		}
	})
}

func BenchmarkNameHash(b *testing.B) {
	der := hxName(hxSet(hxAVA(hxOIDC, 19, "SG")), hxSet(hxAVA(hxOIDO, 12, "Example Test Org")),
		hxSet(hxAVA(hxOIDOU, 12, "Certificate Authority")), hxSet(hxAVA(hxOIDCN, 12, "Example Root CA 2026")))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NameHash(der); err != nil {
			b.Fatal(err)
		}
	}
}

func TestHashObjectsMatchesOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	subj := hxName(hxSet(hxAVA(hxOIDC, 19, "SG")), hxSet(hxAVA(hxOIDCN, 28, hxUniversal("Ünïversal"))))
	iss := hxCN(19, "Issuer CA")
	cert := hxCert(subj, iss, hxCertOpts{})
	cert2 := hxCert(iss, iss, hxCertOpts{ca: true})
	crl := hxCRL(iss, nil, time.Now(), time.Now().Add(time.Hour), 3)
	k := hxKey()
	csr := hxSign(k, hxTLV(0x30, hxTLV(0x02, []byte{0}), subj, hxSPKI(k), hxTLV(0xa0)))
	refused := hxCert(hxCN(26, "visible"), iss, hxCertOpts{})
	bundle := bytes.Join([][]byte{hxPEM("CERTIFICATE", cert), hxPEM("X509 CRL", crl), hxPEM("CERTIFICATE REQUEST", csr),
		hxPEM("PRIVATE KEY", []byte{0x30, 0}), hxPEM("CERTIFICATE", cert2), hxPEM("CERTIFICATE", refused)}, nil)
	got, err := HashObjects(bundle)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("got %d objects, want 5", len(got))
	}
	x509Out := func(der []byte) []string {
		p := filepath.Join(dir, "c.pem")
		if err := os.WriteFile(p, hxPEM("CERTIFICATE", der), 0o644); err != nil {
			t.Fatal(err)
		}
		lines, err := opensslX509(openssl, p, "-subject_hash", "-subject_hash_old", "-issuer_hash", "-fingerprint", "-sha1", "-subject", "-issuer")
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(openssl, "x509", "-noout", "-in", p, "-fingerprint", "-sha256").Output()
		if err != nil {
			t.Fatal(err)
		}
		return append(lines, strings.TrimSpace(string(out)))
	}
	for _, i := range []int{0, 3} {
		want := x509Out(got[i].DER)
		h := got[i]
		have := []string{h.SubjectHash, h.SubjectHashOld, h.IssuerHash, "sha1 Fingerprint=" + h.SHA1, "subject=" + h.Subject, "issuer=" + h.Issuer, "sha256 Fingerprint=" + h.SHA256}
		hxSameLines(t, fmt.Sprintf("certificate %d", i), have, want)
		if h.CAPathName != h.SubjectHash+".0" || h.Type != "certificate" {
			t.Errorf("certificate %d: got %+v", i, h)
		}
	}
	if c := got[1]; c.Type != "crl" || c.CAPathName != c.IssuerHash+".r0" || c.IssuerHash != hxHashOf(t, iss) {
		t.Errorf("crl: got %+v", c)
	}
	if r := got[2]; r.Type != "csr" || r.SubjectHash != hxHashOf(t, subj) || r.CAPathName != "" {
		t.Errorf("csr: got %+v", r)
	}
	if r := got[4]; r.Error == "" || r.SubjectHash != "" || r.SubjectHashOld == "" || !strings.Contains(r.Error, "VisibleString") {
		t.Errorf("refused name: got %+v", r)
	}
	// DER input of each kind.
	for _, c := range []struct {
		der  []byte
		kind string
	}{{cert, "certificate"}, {crl, "crl"}, {csr, "csr"}} {
		got, err := HashObjects(c.der)
		if err != nil || len(got) != 1 || got[0].Type != c.kind {
			t.Errorf("DER %s: got %+v, %v", c.kind, got, err)
		}
	}
	if _, err := HashObjects([]byte("hello")); !errors.Is(err, ErrNoObjects) {
		t.Errorf("got %v, want ErrNoObjects", err)
	}
}

// TestOneLineMatchesOpenSSLVerify checks the subject line openssl verify
// prints above an error against OneLine.
func TestOneLineMatchesOpenSSLVerify(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	for i, n := range []hxNameCase{
		{"specials", hxName(hxSet(hxAVA(hxOIDO, 12, "Example, Inc.")), hxSet(hxAVA(hxOIDCN, 12, `a"b\c`), hxAVA(hxOIDOU, 19, " x")))},
		{"non-ascii", hxName(hxSet(hxAVA(hxOIDCN, 30, hxBMP("Ωmega É")), hxAVA(hxOIDEmail, 22, "a@b")))},
		{"non-text", hxName(hxSet(hxAVARaw(hxOIDCN, hxTLV(0x03, []byte{0, 0x41}))))},
		{"empty", hxName()},
	} {
		t.Run(n.label, func(t *testing.T) {
			p := filepath.Join(dir, fmt.Sprintf("v%d.pem", i))
			if err := os.WriteFile(p, hxPEM("CERTIFICATE", hxCert(n.der, n.der, hxCertOpts{})), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(openssl, "verify", "-no-CAfile", "-no-CApath", "-no-CAstore", p).CombinedOutput()
			if err == nil {
				t.Fatalf("openssl verify accepted an untrusted self-signed certificate: %s", out)
			}
			lines := strings.Split(string(out), "\n")
			if len(lines) < 2 || !strings.HasPrefix(lines[1], "error 18 at 0 depth lookup") {
				t.Fatalf("unexpected openssl output %q", out)
			}
			got, err := NameOneLine(n.der)
			if err != nil {
				t.Fatal(err)
			}
			if got != lines[0] {
				t.Errorf("got %q, want %q", got, lines[0])
			}
		})
	}
}
