package pki

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// TestRC2Vectors checks the eight test vectors of RFC 2268 section 5, both
// directions.
func TestRC2Vectors(t *testing.T) {
	tests := []struct {
		key, plain, cipher string
		bits               int
	}{
		{"0000000000000000", "0000000000000000", "ebb773f993278eff", 63},
		{"ffffffffffffffff", "ffffffffffffffff", "278b27e42e2f0d49", 64},
		{"3000000000000000", "1000000000000001", "30649edf9be7d2c2", 64},
		{"88", "0000000000000000", "61a8a244adacccf0", 64},
		{"88bca90e90875a", "0000000000000000", "6ccf4308974c267f", 64},
		{"88bca90e90875a7f0f79c384627bafb2", "0000000000000000", "1a807d272bbe5db1", 64},
		{"88bca90e90875a7f0f79c384627bafb2", "0000000000000000", "2269552ab0f85ca6", 128},
		{"88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e", "0000000000000000", "5b78d3a43dfff1f1", 129},
	}
	for _, tt := range tests {
		t.Run(tt.key+"/"+tt.cipher, func(t *testing.T) {
			c, err := newRC2Cipher(mustHex(t, tt.key), tt.bits)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 8)
			c.Encrypt(got, mustHex(t, tt.plain))
			if hex.EncodeToString(got) != tt.cipher {
				t.Errorf("Encrypt = %x, want %s", got, tt.cipher)
			}
			back := make([]byte, 8)
			c.Decrypt(back, got)
			if hex.EncodeToString(back) != tt.plain {
				t.Errorf("Decrypt = %x, want %s", back, tt.plain)
			}
		})
	}
}

func TestRC2BadParameters(t *testing.T) {
	tests := []struct {
		name    string
		keyLen  int
		bits    int
		wantErr string
	}{
		{"empty key", 0, 40, "key length 0"},
		{"long key", 129, 40, "key length 129"},
		{"zero bits", 5, 0, "effective key bits 0"},
		{"too many bits", 5, 1025, "effective key bits 1025"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newRC2Cipher(make([]byte, tt.keyLen), tt.bits)
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.wantErr)) {
				t.Errorf("got %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestRC2AgainstOpenSSL encrypts random data with RC2-CBC in Go and with
// `openssl enc` (legacy provider) for the three key sizes PKCS#12 and PBES1
// use, and compares.
func TestRC2AgainstOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	tests := []struct {
		cipher string
		keyLen int
		bits   int
	}{
		{"rc2-40-cbc", 5, 40},
		{"rc2-64-cbc", 8, 64},
		{"rc2-cbc", 16, 128},
	}
	for _, tt := range tests {
		t.Run(tt.cipher, func(t *testing.T) {
			key, iv, plain := randBytes(t, tt.keyLen), randBytes(t, 8), randBytes(t, 80)
			in := filepath.Join(dir, tt.cipher+".in")
			if err := os.WriteFile(in, plain, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(openssl, "enc", "-provider", "legacy", "-provider", "default", "-"+tt.cipher,
				"-K", hex.EncodeToString(key), "-iv", hex.EncodeToString(iv), "-nopad", "-in", in).Output()
			if err != nil {
				t.Fatalf("openssl enc: %v", err)
			}
			c, err := newRC2Cipher(key, tt.bits)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(plain))
			cipher.NewCBCEncrypter(c, iv).CryptBlocks(got, plain)
			if !bytes.Equal(got, out) {
				t.Errorf("Go RC2 = %x\nopenssl = %x", got, out)
			}
			back := make([]byte, len(got))
			cipher.NewCBCDecrypter(c, iv).CryptBlocks(back, got)
			if !bytes.Equal(back, plain) {
				t.Errorf("decrypt did not round-trip")
			}
		})
	}
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func randBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}
