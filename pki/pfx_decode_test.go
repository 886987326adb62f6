package pki

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// pfxFixtures are the files of testdata/pfx with their pass phrases (as in
// its README.md) and how many CA certificates each holds.
var pfxFixtures = []struct {
	file  string
	pass  string
	chain int
	mac   bool
}{
	{"default.p12", "test", 0, true},
	{"legacy.p12", "test", 0, true},
	{"compat.p12", "test", 0, true},
	{"descert.p12", "test", 0, true},
	{"nomac.p12", "test", 0, false},
	{"empty-pass.p12", "", 0, true},
	{"no-encryption.p12", "test", 0, true},
	{"chain.p12", "test", 2, true},
	{"sha512-mac.p12", "test", 0, true},
	{"plain.p12", "test", 0, false},
}

// TestPFXFixtures reads every committed PKCS#12 fixture, so that gen.sh,
// README.md and the parser agree.
func TestPFXFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "pfx", "*.p12"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(pfxFixtures) {
		t.Errorf("testdata/pfx has %d .p12 files, the table lists %d", len(files), len(pfxFixtures))
	}
	for _, fx := range pfxFixtures {
		t.Run(fx.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "testdata", "pfx", fx.file))
			if err != nil {
				t.Fatal(err)
			}
			p, err := ParsePFX(data, []byte(fx.pass))
			if err != nil {
				t.Fatal(err)
			}
			if p.Key == nil || p.Leaf == nil || !publicKeysEqual(p.Key.Public(), p.Leaf.PublicKey) || len(p.Chain) != fx.chain {
				t.Errorf("key %v leaf %v chain %d, want a matching key and leaf and %d CA certificates", p.Key != nil, p.Leaf != nil, len(p.Chain), fx.chain)
			}
			if (p.MAC != nil) != fx.mac {
				t.Errorf("MAC present %v, want %v", p.MAC != nil, fx.mac)
			}
			if p.Leaf != nil && p.Leaf.Subject.CommonName != "127.0.0.1" {
				t.Errorf("leaf CN %q, want 127.0.0.1", p.Leaf.Subject.CommonName)
			}
			if fx.mac {
				if _, err := ParsePFX(data, []byte("wrong")); !errors.Is(err, ErrIncorrectPassword) {
					t.Errorf("wrong pass phrase: got %v, want ErrIncorrectPassword", err)
				}
				if fx.file != "sha512-mac.p12" {
					// The same file as BER must read the same.
					b, err := ParsePFX(pfxToBER(t, data, []byte(fx.pass)), []byte(fx.pass))
					if err != nil || !b.Leaf.Equal(p.Leaf) || len(b.Chain) != len(p.Chain) {
						t.Errorf("BER rewrite: %v", err)
					}
				}
			}
		})
	}
}

// FuzzParsePFX feeds arbitrary bytes and pass phrases to ParsePFX, seeded
// with the fixtures (and BER rewrites of some). It must never panic, and a
// successful parse must be self-consistent.
func FuzzParsePFX(f *testing.F) {
	for _, fx := range pfxFixtures {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "pfx", fx.file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, []byte(fx.pass))
		if fx.mac && fx.file != "sha512-mac.p12" {
			f.Add(pfxToBER(f, data, []byte(fx.pass)), []byte(fx.pass))
		}
	}
	f.Add([]byte{0x30, 0x80, 0x02, 0x01, 0x03, 0x00, 0x00}, []byte(nil))
	f.Fuzz(func(t *testing.T, data, pass []byte) {
		// Keep each input cheap: hostile iteration counts are what the
		// limits are for, but the fuzzer should explore structure.
		defer func(i, m int) { maxPBEIterations, maxScryptMemBytes = i, m }(maxPBEIterations, maxScryptMemBytes)
		maxPBEIterations, maxScryptMemBytes = 4096, 1<<20
		p, err := ParsePFX(data, pass)
		if err != nil {
			return
		}
		if p.Leaf != nil && p.Key == nil {
			t.Errorf("leaf without key")
		}
		for _, s := range p.Safes {
			for _, b := range s.Bags {
				if b.Type == "certBag" && (b.Cert == nil || len(b.CertDER) == 0) {
					t.Errorf("certBag without certificate")
				}
			}
		}
	})
}

// BenchmarkParsePFX measures reading a P-256 leaf with a two-certificate
// chain in the compat and aes forms (2048 iterations each, as written).
func BenchmarkParsePFX(b *testing.B) {
	c := newPFXChain(b, nil)
	for _, enc := range []PFXEncryption{PFXCompat, PFXAES} {
		der, err := EncodePFX(c.options(enc, "bench", []byte("bench")))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(enc.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParsePFX(der, []byte("bench")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
