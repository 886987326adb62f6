package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// keyFixtures are the files of testdata/keys (see its README.md): whether
// each is encrypted (pass phrase "test") and the unsupported type, if any.
var keyFixtures = []struct {
	file        string
	encrypted   bool
	unsupported string
}{
	{"ec-p256.pem", false, ""},
	{"ec-p256-sec1.pem", false, ""},
	{"ec-p256.der", false, ""},
	{"rsa-1024.pem", false, ""},
	{"rsa-1024-pkcs1.pem", false, ""},
	{"ed25519.pem", false, ""},
	{"x25519.pem", false, "X25519"},
	{"ec-p256-pbes2-aes256.pem", true, ""},
	{"ec-p256-pbes2-aes256.der", true, ""},
	{"ec-p256-pbes2-des3-sha1.pem", true, ""},
	{"ec-p256-scrypt.pem", true, ""},
	{"ec-p256-pbe-sha1-3des.pem", true, ""},
	{"ec-p256-pbe-md5-des.pem", true, ""},
	{"ec-p256-pbe-sha1-rc2-40.pem", true, ""},
	{"ec-p256-legacy-aes128.pem", true, ""},
	{"rsa-1024-legacy-des3.pem", true, ""},
}

// TestKeyFixtures reads every committed key fixture: encrypted ones with
// "test", and the EC ones must all be the same key.
func TestKeyFixtures(t *testing.T) {
	dir := filepath.Join("..", "testdata", "keys")
	files, err := filepath.Glob(filepath.Join(dir, "*.*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".pem") || strings.HasSuffix(f, ".der") {
			n++
		}
	}
	if n != len(keyFixtures) {
		t.Errorf("testdata/keys has %d key files, the table lists %d", n, len(keyFixtures))
	}
	ecRef, err := loadKeyFile(t, filepath.Join(dir, "ec-p256.pem"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, fx := range keyFixtures {
		t.Run(fx.file, func(t *testing.T) {
			path := filepath.Join(dir, fx.file)
			key, err := loadKeyFile(t, path, []byte("test"))
			if fx.unsupported != "" {
				var uk *UnsupportedKeyError
				if !errors.As(err, &uk) || uk.Algorithm != fx.unsupported {
					t.Errorf("got %v, want *UnsupportedKeyError %q", err, fx.unsupported)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(fx.file, "ec-p256") && !publicKeysEqual(key.Public(), ecRef.Public()) {
				t.Errorf("not the same key as ec-p256.pem")
			}
			if fx.encrypted {
				if _, err := loadKeyFile(t, path, []byte("wrong")); !errors.Is(err, ErrIncorrectPassword) {
					t.Errorf("wrong pass phrase: got %v", err)
				}
			}
		})
	}
}

func TestParsePrivateKeyDERErrors(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	enc, err := EncryptPKCS8(k, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		der     []byte
		wantErr string
		is      error
	}{
		{"empty", nil, "not a private key", nil},
		{"garbage", []byte("hello"), "not a private key", nil},
		{"sequence of nothing", []byte{0x30, 0x00}, "not a private key", nil},
		{"truncated pkcs1", []byte{0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x05}, "PKCS#1", nil},
		{"encrypted", enc, "no pass phrase was given", ErrPasswordRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePrivateKeyDER(tt.der)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "pki: ") {
				t.Fatalf("got %v, want error containing %q", err, tt.wantErr)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("got %v, want errors.Is %v", err, tt.is)
			}
		})
	}
}

func TestDecryptPKCS8Errors(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := EncryptPKCS8(k, nil, nil); err == nil {
		t.Errorf("EncryptPKCS8 with nil pass: want an error")
	}
	if _, err := EncryptPKCS8(k, []byte("x"), failingReader{}); err == nil || !strings.Contains(err.Error(), "reading random") {
		t.Errorf("EncryptPKCS8 with failing rand: got %v", err)
	}
	empty, err := EncryptPKCS8(k, []byte{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if back, err := DecryptPKCS8(empty, []byte{}); err != nil || !publicKeysEqual(back.Public(), k.Public()) {
		t.Errorf("empty pass phrase round trip: %v", err)
	}
	if _, err := DecryptPKCS8(empty, nil); !errors.Is(err, ErrPasswordRequired) {
		t.Errorf("nil pass: got %v, want ErrPasswordRequired", err)
	}
	if _, err := DecryptPKCS8([]byte{0x30, 0x00}, []byte("x")); err == nil || !strings.Contains(err.Error(), "malformed EncryptedPrivateKeyInfo") {
		t.Errorf("malformed: got %v", err)
	}
}

func TestDecryptLegacyPEMErrors(t *testing.T) {
	block := func(dek string) *pem.Block {
		return &pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": dek}, Bytes: make([]byte, 32)}
	}
	tests := []struct {
		name    string
		block   *pem.Block
		pass    []byte
		wantErr string
		is      error
	}{
		{"not encrypted", &pem.Block{Type: "RSA PRIVATE KEY"}, []byte("x"), "no \"Proc-Type: 4,ENCRYPTED\" header", nil},
		{"no comma", block("AES-128-CBC"), []byte("x"), "malformed DEK-Info", nil},
		{"camellia", block("CAMELLIA-128-CBC,00112233445566778899AABBCCDDEEFF"), []byte("x"), "unsupported legacy PEM cipher \"CAMELLIA-128-CBC\"", nil},
		{"bad hex", block("AES-128-CBC,zz"), []byte("x"), "malformed DEK-Info IV", nil},
		{"short iv", block("AES-128-CBC,0011"), []byte("x"), "too short", nil},
		{"nil pass", block("AES-128-CBC,00112233445566778899AABBCCDDEEFF"), nil, "no pass phrase", ErrPasswordRequired},
		{"wrong length iv", block("AES-128-CBC,0011223344556677"), []byte("x"), "IV is 8 bytes", nil},
		{"garbage ciphertext", block("AES-128-CBC,00112233445566778899AABBCCDDEEFF"), []byte("x"), "incorrect pass phrase", ErrIncorrectPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecryptLegacyPEM(tt.block, tt.pass)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want error containing %q", err, tt.wantErr)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("got %v, want errors.Is %v", err, tt.is)
			}
		})
	}
}

// FuzzDecryptPKCS8 feeds arbitrary DER and pass phrases to DecryptPKCS8 and
// ParsePrivateKeyDER, seeded with every key fixture. They must never panic.
func FuzzDecryptPKCS8(f *testing.F) {
	for _, fx := range keyFixtures {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "keys", fx.file))
		if err != nil {
			f.Fatal(err)
		}
		if b, _ := pem.Decode(data); b != nil {
			data = b.Bytes
		}
		f.Add(data, []byte("test"))
	}
	f.Fuzz(func(t *testing.T, der, pass []byte) {
		defer func(i, m int) { maxPBEIterations, maxScryptMemBytes = i, m }(maxPBEIterations, maxScryptMemBytes)
		maxPBEIterations, maxScryptMemBytes = 4096, 1<<20
		if k, err := DecryptPKCS8(der, pass); err == nil && k == nil {
			t.Errorf("nil key without error")
		}
		if k, err := ParsePrivateKeyDER(der); err == nil && k == nil {
			t.Errorf("nil key without error")
		}
	})
}
