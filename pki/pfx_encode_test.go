package pki

import "testing"

// BenchmarkEncodePFX measures writing a P-256 leaf with a two-certificate
// chain in the compat and aes forms (2048 iterations for encryption and MAC).
func BenchmarkEncodePFX(b *testing.B) {
	c := newPFXChain(b, nil)
	for _, enc := range []PFXEncryption{PFXCompat, PFXAES} {
		b.Run(enc.String(), func(b *testing.B) {
			o := c.options(enc, "bench", []byte("bench"))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := EncodePFX(o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
