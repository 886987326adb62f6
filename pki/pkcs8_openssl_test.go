package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
	"software.sslmate.com/src/go-pkcs12"
)

// testPass is a pass phrase with a space and non-ASCII letters, so both the
// raw UTF-8 (PBES1/PBES2) and the BMPString (PKCS#12 PBE) encodings are
// exercised against OpenSSL.
const testPass = "wss kit: pässwörd"

// openssl runs the openssl binary and fails the test with its output on error.
func openssl(t testing.TB, args ...string) string {
	t.Helper()
	return pkitest.Run(t, pkitest.Tool(t, "openssl"), args...)
}

// loadKeyFile reads a key file the way wsskit's loader will: PEM or DER,
// plain, encrypted PKCS#8 or legacy encrypted PEM.
func loadKeyFile(t testing.TB, path string, pass []byte) (crypto.Signer, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		k, err := ParsePrivateKeyDER(data)
		if errors.Is(err, ErrPasswordRequired) {
			return DecryptPKCS8(data, pass)
		}
		return k, err
	}
	switch {
	case block.Type == "ENCRYPTED PRIVATE KEY":
		return DecryptPKCS8(block.Bytes, pass)
	case IsLegacyEncryptedPEM(block):
		der, err := DecryptLegacyPEM(block, pass)
		if err != nil {
			return nil, err
		}
		return ParsePrivateKeyDER(der)
	}
	return ParsePrivateKeyDER(block.Bytes)
}

// opensslPublicKey asks openssl for the public key of an unencrypted key file.
func opensslPublicKey(t testing.TB, path string) crypto.PublicKey {
	t.Helper()
	out, err := exec.Command(pkitest.Tool(t, "openssl"), "pkey", "-in", path, "-pubout", "-outform", "DER").Output()
	if err != nil {
		t.Fatalf("openssl pkey -pubout %s: %v", path, err)
	}
	pub, err := x509.ParsePKIXPublicKey(out)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

type keyVariant struct {
	name      string
	args      []string // openssl arguments; IN and OUT are replaced
	encrypted bool
	full      bool // only run on the keys that get the full matrix
}

var legacyProvider = []string{"-provider", "legacy", "-provider", "default"}

func keyVariants() []keyVariant {
	pk8 := func(name string, full bool, extra ...string) keyVariant {
		args := append([]string{"pkcs8", "-topk8", "-in", "IN", "-out", "OUT", "-passout", "pass:" + testPass}, extra...)
		return keyVariant{name: name, args: args, encrypted: true, full: full}
	}
	legacy := func(name string, full bool, extra ...string) keyVariant {
		args := append([]string{"pkey", "-traditional", "-in", "IN", "-out", "OUT", "-passout", "pass:" + testPass}, extra...)
		return keyVariant{name: name, args: args, encrypted: true, full: full}
	}
	return []keyVariant{
		{name: "pkcs8-pem", args: []string{"pkey", "-in", "IN", "-out", "OUT"}},
		{name: "pkcs8-der", args: []string{"pkey", "-in", "IN", "-out", "OUT", "-outform", "DER"}},
		{name: "traditional-pem", args: []string{"pkey", "-traditional", "-in", "IN", "-out", "OUT"}},
		{name: "traditional-der", args: []string{"pkey", "-traditional", "-in", "IN", "-out", "OUT", "-outform", "DER"}},
		pk8("v2-aes-256-cbc", false, "-v2", "aes-256-cbc"),
		pk8("v2-aes-128-cbc", true, "-v2", "aes-128-cbc"),
		pk8("v2-aes-192-cbc", true, "-v2", "aes-192-cbc"),
		pk8("v2-des3", true, "-v2", "des3"),
		pk8("v2prf-hmacWithSHA1", true, "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA1"),
		pk8("v2prf-hmacWithSHA224", true, "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA224"),
		pk8("v2prf-hmacWithSHA384", true, "-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA384"),
		pk8("v2prf-hmacWithSHA512", true, "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA512"),
		pk8("scrypt", true, "-scrypt", "-scrypt_N", "1024"),
		pk8("v2-der", true, "-v2", "aes-256-cbc", "-outform", "DER"),
		pk8("iter-1", true, "-v2", "aes-256-cbc", "-iter", "1"),
		pk8("v1-PBE-SHA1-3DES", false, "-v1", "PBE-SHA1-3DES"),
		pk8("v1-PBE-SHA1-2DES", true, "-v1", "PBE-SHA1-2DES"),
		pk8("v1-PBE-MD5-DES", false, append(legacyProvider, "-v1", "PBE-MD5-DES")...),
		pk8("v1-PBE-SHA1-DES", true, append(legacyProvider, "-v1", "PBE-SHA1-DES")...),
		pk8("v1-PBE-SHA1-RC2-40", true, append(legacyProvider, "-v1", "PBE-SHA1-RC2-40")...),
		pk8("v1-PBE-SHA1-RC2-128", true, append(legacyProvider, "-v1", "PBE-SHA1-RC2-128")...),
		pk8("v1-PBE-SHA1-RC2-64", true, append(legacyProvider, "-v1", "PBE-SHA1-RC2-64")...),
		pk8("v1-PBE-MD5-RC2-64", true, append(legacyProvider, "-v1", "PBE-MD5-RC2-64")...),
		pk8("v1-PBE-SHA1-RC4-128", true, append(legacyProvider, "-v1", "PBE-SHA1-RC4-128")...),
		pk8("v1-PBE-SHA1-RC4-40", true, append(legacyProvider, "-v1", "PBE-SHA1-RC4-40")...),
		pk8("v2-des", true, append(legacyProvider, "-v2", "des")...),
		pk8("v2-rc2", true, append(legacyProvider, "-v2", "rc2")...),
		pk8("v2-rc2-40", true, append(legacyProvider, "-v2", "rc2-40-cbc")...),
		legacy("legacy-aes256", false, "-aes256"),
		legacy("legacy-aes192", true, "-aes192"),
		legacy("legacy-aes128", true, "-aes128"),
		legacy("legacy-des3", true, "-des3"),
		legacy("legacy-des", true, append(legacyProvider, "-des")...),
	}
}

// TestKeysFromOpenSSL makes keys of every type with openssl, writes them in
// every encoding and encryption openssl offers, and checks that wsskit reads
// each one back to the same public key, rejects a wrong pass phrase with
// ErrIncorrectPassword and a missing one with ErrPasswordRequired.
func TestKeysFromOpenSSL(t *testing.T) {
	pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	keys := []struct {
		name        string
		gen         []string
		full        bool
		traditional bool // has a PKCS#1/SEC1 form
	}{
		{"rsa-2048", []string{"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"}, true, true},
		{"ec-p256", []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"}, true, true},
		{"ec-p384", []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"}, false, true},
		{"ec-p521", []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"}, false, true},
		{"ed25519", []string{"-algorithm", "ed25519"}, false, false},
	}
	for _, k := range keys {
		t.Run(k.name, func(t *testing.T) {
			src := filepath.Join(dir, k.name+".pem")
			openssl(t, append([]string{"genpkey", "-out", src}, k.gen...)...)
			want := opensslPublicKey(t, src)
			for _, v := range keyVariants() {
				if v.full && !k.full {
					continue
				}
				if (strings.HasPrefix(v.name, "legacy-") || strings.HasPrefix(v.name, "traditional-")) && !k.traditional {
					continue
				}
				t.Run(v.name, func(t *testing.T) {
					out := filepath.Join(dir, k.name+"-"+v.name)
					args := make([]string, len(v.args))
					for i, a := range v.args {
						args[i] = strings.NewReplacer("IN", src, "OUT", out).Replace(a)
					}
					openssl(t, args...)
					key, err := loadKeyFile(t, out, []byte(testPass))
					if err != nil {
						t.Fatalf("reading %s: %v", v.name, err)
					}
					if !publicKeysEqual(key.Public(), want) {
						t.Fatalf("public key differs from openssl's")
					}
					if !v.encrypted {
						return
					}
					_, err = loadKeyFile(t, out, []byte("not the pass phrase"))
					if !errors.Is(err, ErrIncorrectPassword) || !errors.Is(err, pkcs12.ErrIncorrectPassword) {
						t.Errorf("wrong pass phrase: got %v, want ErrIncorrectPassword", err)
					}
					var pe *PasswordError
					if !errors.As(err, &pe) || !strings.Contains(err.Error(), "incorrect pass phrase") {
						t.Errorf("wrong pass phrase: got %v, want *PasswordError saying incorrect pass phrase", err)
					}
					if _, err := loadKeyFile(t, out, nil); !errors.Is(err, ErrPasswordRequired) {
						t.Errorf("no pass phrase: got %v, want ErrPasswordRequired", err)
					}
				})
			}
		})
	}
}

// TestUnsupportedKeysFromOpenSSL checks that keys Go cannot sign with are
// recognised and named, plain or encrypted.
func TestUnsupportedKeysFromOpenSSL(t *testing.T) {
	pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	tests := []struct {
		name string
		gen  []string
		want string
	}{
		{"x25519", []string{"-algorithm", "x25519"}, "X25519"},
		{"x448", []string{"-algorithm", "x448"}, "X448"},
		{"ed448", []string{"-algorithm", "ed448"}, "Ed448"},
		{"secp256k1", []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"}, "EC secp256k1"},
		{"rsa-pss", []string{"-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:1024"}, "RSASSA-PSS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain := filepath.Join(dir, tt.name+".pem")
			openssl(t, append([]string{"genpkey", "-out", plain}, tt.gen...)...)
			enc := filepath.Join(dir, tt.name+"-enc.pem")
			openssl(t, "pkcs8", "-topk8", "-in", plain, "-out", enc, "-passout", "pass:"+testPass)
			for _, f := range []string{plain, enc} {
				_, err := loadKeyFile(t, f, []byte(testPass))
				var uk *UnsupportedKeyError
				if !errors.As(err, &uk) || uk.Algorithm != tt.want {
					t.Errorf("%s: got %v, want *UnsupportedKeyError for %q", filepath.Base(f), err, tt.want)
				}
			}
			if tt.name == "secp256k1" {
				sec1 := filepath.Join(dir, "sec1.pem")
				openssl(t, "pkey", "-traditional", "-in", plain, "-out", sec1)
				_, err := loadKeyFile(t, sec1, nil)
				var uk *UnsupportedKeyError
				if !errors.As(err, &uk) || uk.Algorithm != tt.want {
					t.Errorf("SEC1: got %v, want *UnsupportedKeyError for %q", err, tt.want)
				}
			}
		})
	}
}

// TestEncryptPKCS8ReadByOpenSSL checks that openssl decrypts what
// EncryptPKCS8 writes, for every key type, and that the AlgorithmIdentifier
// is byte for byte what `openssl pkcs8 -topk8 -v2 aes-256-cbc` and `openssl
// genpkey -aes256` write once salt and IV are swapped in.
func TestEncryptPKCS8ReadByOpenSSL(t *testing.T) {
	pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	keys := map[string]crypto.Signer{"rsa": rsaKey, "p256": p256, "p384": p384, "p521": p521, "ed25519": edKey}
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			der, err := EncryptPKCS8(key, []byte(testPass), nil)
			if err != nil {
				t.Fatal(err)
			}
			path := pkitest.WriteFile(t, dir, name+".pem", pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der}))
			out, err := exec.Command(pkitest.Tool(t, "openssl"), "pkey", "-in", path, "-passin", "pass:"+testPass, "-pubout", "-outform", "DER").Output()
			if err != nil {
				t.Fatalf("openssl pkey: %v", err)
			}
			want, _ := x509.MarshalPKIXPublicKey(key.Public())
			if !bytes.Equal(out, want) {
				t.Errorf("openssl's public key differs from ours")
			}
			if err := exec.Command(pkitest.Tool(t, "openssl"), "pkey", "-in", path, "-passin", "pass:wrong", "-noout").Run(); err == nil {
				t.Errorf("openssl accepted a wrong pass phrase")
			}
			back, err := DecryptPKCS8(der, []byte(testPass))
			if err != nil || !publicKeysEqual(back.Public(), key.Public()) {
				t.Errorf("DecryptPKCS8 round trip: %v", err)
			}
		})
	}

	ref := filepath.Join(dir, "ref.pem")
	openssl(t, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ref)
	pk8 := filepath.Join(dir, "ref-pk8.pem")
	openssl(t, "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", ref, "-out", pk8, "-passout", "pass:x")
	gen := filepath.Join(dir, "ref-gen.pem")
	openssl(t, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "pass:x", "-out", gen)
	ours, err := EncryptPKCS8(p256, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{pk8, gen} {
		data, _ := os.ReadFile(f)
		block, _ := pem.Decode(data)
		theirs := encryptedPKCS8AlgID(t, block.Bytes)
		s, _, err := parseEncryptedPKCS8(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		rebuilt := marshalPBES2AES256(oidHMACWithSHA256, s.salt, s.iterations, s.iv)
		if !bytes.Equal(rebuilt, theirs) {
			t.Errorf("%s: AlgorithmIdentifier\n got %x\nwant %x", filepath.Base(f), rebuilt, theirs)
		}
		so, _, _ := parseEncryptedPKCS8(ours)
		if so.String() != s.String() || len(so.salt) != len(s.salt) {
			t.Errorf("%s: got %q salt %d, want %q salt %d", filepath.Base(f), so.String(), len(so.salt), s.String(), len(s.salt))
		}
	}
}

// encryptedPKCS8AlgID returns the AlgorithmIdentifier element of an
// EncryptedPrivateKeyInfo.
func encryptedPKCS8AlgID(t testing.TB, der []byte) []byte {
	t.Helper()
	// SEQUENCE header, then the AlgorithmIdentifier SEQUENCE.
	_, rest, err := berElement(der, 0)
	if err != nil || len(rest) != 0 {
		t.Fatalf("malformed EncryptedPrivateKeyInfo: %v", err)
	}
	hdr := 2
	if der[1]&0x80 != 0 {
		hdr += int(der[1] & 0x7f)
	}
	alg, _, err := berElement(der[hdr:], 0)
	if err != nil {
		t.Fatal(err)
	}
	return alg
}
