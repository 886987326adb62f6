package pki

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

func TestPKCS12BMPPassword(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", []byte{}, "0000"},
		{"ascii", []byte("pw"), "007000770000"},
		{"latin1 as utf8", []byte("é"), "00e90000"},
		{"non-BMP surrogate pair", []byte("😀"), "d83dde000000"},
		{"invalid utf8 taken as latin1", []byte{0xe9, 'a'}, "00e900610000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hex.EncodeToString(pkcs12BMPPassword(tt.in)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPKCS12KDFAgainstOpenSSL compares the RFC 7292 appendix B KDF with
// OpenSSL's PKCS12KDF for several digests, IDs, output sizes (more than one
// digest block exercises the I_j update) and salt/password lengths.
func TestPKCS12KDFAgainstOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	tests := []struct {
		digest string
		hash   func() hash.Hash
		id     byte
		pass   string
		salt   string
		iter   int
		size   int
	}{
		{"SHA1", sha1.New, 1, "pw", "0102030405060708", 2048, 24},
		{"SHA1", sha1.New, 2, "pw", "0102030405060708", 2048, 8},
		{"SHA1", sha1.New, 3, "pw", "0102030405060708", 1, 20},
		{"SHA1", sha1.New, 1, "", "aabbcc", 3, 100},
		{"SHA1", sha1.New, 1, "a much longer pass phrase, longer than one 64-byte block of the digest", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0011223344556677", 5, 65},
		{"SHA256", sha256.New, 3, "pässwörd", "0102030405060708", 2048, 32},
		{"SHA256", sha256.New, 1, "x", "01", 7, 97},
		{"SHA512", sha512.New, 3, "pw", "0102030405060708", 10, 64},
		{"SHA512", sha512.New, 1, "pw", "0102", 2, 200},
	}
	for _, tt := range tests {
		t.Run(tt.digest+"/"+strconv.Itoa(int(tt.id))+"/"+strconv.Itoa(tt.size), func(t *testing.T) {
			bmp := pkcs12BMPPassword([]byte(tt.pass))
			out, err := exec.Command(openssl, "kdf", "-keylen", strconv.Itoa(tt.size),
				"-kdfopt", "digest:"+tt.digest, "-kdfopt", "hexpass:"+hex.EncodeToString(bmp),
				"-kdfopt", "hexsalt:"+tt.salt, "-kdfopt", "iter:"+strconv.Itoa(tt.iter),
				"-kdfopt", "id:"+strconv.Itoa(int(tt.id)), "PKCS12KDF").CombinedOutput()
			if err != nil {
				t.Fatalf("openssl kdf: %v\n%s", err, out)
			}
			want := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(string(out)), ":", ""))
			got := hex.EncodeToString(pkcs12KDF(tt.hash, tt.id, bmp, mustHex(t, tt.salt), tt.iter, tt.size))
			if got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestUnpad(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr bool
	}{
		{"full block", "0808080808080808", "", false},
		{"one byte", "4142434445464701", "41424344454647", false},
		{"zero", "4142434445464700", "", true},
		{"too big", "4142434445464709", "", true},
		{"inconsistent", "4142434445460302", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := unpad(mustHex(t, tt.in), 8)
			if tt.wantErr {
				if !errors.Is(err, errBadPadding) {
					t.Errorf("got %v, want errBadPadding", err)
				}
				return
			}
			if err != nil || hex.EncodeToString(got) != tt.want {
				t.Errorf("got %x, %v, want %s", got, err, tt.want)
			}
		})
	}
}

func TestParsePBEAlgorithmErrors(t *testing.T) {
	tests := []struct {
		name    string
		der     []byte
		wantErr string
	}{
		{"garbage", []byte{1, 2, 3}, "malformed encryption AlgorithmIdentifier"},
		{"unknown oid", marshalPKCS12PBE([]int{1, 2, 3, 4}, []byte("saltsalt"), 1), "unsupported encryption algorithm 1.2.3.4"},
		{"zero iterations", marshalPKCS12PBE(oidPBEWithSHAAnd3KeyTripleDESCBC, []byte("saltsalt"), 0), "iteration count 0 is not positive"},
		{"huge iterations", marshalPKCS12PBE(oidPBEWithSHAAnd3KeyTripleDESCBC, []byte("saltsalt"), 1<<30), "exceeds the limit"},
		{"short PBES1 salt", marshalPKCS12PBE(oidPBEWithMD5AndDESCBC, []byte("salt"), 1), "salt is 4 bytes"},
		{"short AES IV", marshalPBES2AES256(oidHMACWithSHA256, []byte("saltsalt"), 1, []byte("short")), "IV is 5 bytes"},
		{"unknown PRF", marshalPBES2AES256([]int{1, 2, 3}, []byte("saltsalt"), 1, make([]byte, 16)), "unsupported PBKDF2 PRF algorithm 1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parsePBEAlgorithm(tt.der)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
	var ua *UnsupportedAlgorithmError
	if _, err := parsePBEAlgorithm(marshalPKCS12PBE([]int{1, 2, 3, 4}, []byte("s"), 1)); !errors.As(err, &ua) {
		t.Errorf("got %T, want *UnsupportedAlgorithmError", err)
	}
}

// TestPBERoundTrip encrypts and decrypts with every scheme wsskit writes and
// checks that a wrong pass phrase fails the padding check.
func TestPBERoundTrip(t *testing.T) {
	algs := map[string][]byte{
		"3des":     marshalPKCS12PBE(oidPBEWithSHAAnd3KeyTripleDESCBC, []byte("saltsalt"), 2048),
		"2des":     marshalPKCS12PBE(oidPBEWithSHAAnd2KeyTripleDESCBC, []byte("saltsalt"), 3),
		"rc2-40":   marshalPKCS12PBE(oidPBEWithSHAAnd40BitRC2CBC, []byte("saltsalt"), 2048),
		"rc2-128":  marshalPKCS12PBE(oidPBEWithSHAAnd128BitRC2CBC, []byte("saltsalt"), 2),
		"md5-des":  marshalPKCS12PBE(oidPBEWithMD5AndDESCBC, []byte("saltsalt"), 2),
		"sha1-rc2": marshalPKCS12PBE(oidPBEWithSHA1AndRC2CBC, []byte("saltsalt"), 2),
		"pbes2":    marshalPBES2AES256(oidHMACWithSHA256, []byte("saltsalt"), 2048, make([]byte, 16)),
		"pbes2-s1": marshalPBES2AES256(oidHMACWithSHA1, []byte("saltsalt"), 1, make([]byte, 16)),
	}
	plain := []byte("0123456789abcdef0123456789abcdef-and-a-tail")
	for name, alg := range algs {
		t.Run(name, func(t *testing.T) {
			ct, err := pbeEncrypt(alg, plain, newPBEPassword([]byte("right")))
			if err != nil {
				t.Fatal(err)
			}
			s, err := parsePBEAlgorithm(alg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.decrypt(ct, newPBEPassword([]byte("right")))
			if err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("decrypt = %q, %v", got, err)
			}
			// A wrong key yields bad padding in about 255 of 256 cases; try a
			// few pass phrases so the test is deterministic enough.
			fails := 0
			for _, p := range []string{"wrong", "wrong2", "wrong3", "wrong4"} {
				if _, err := s.decrypt(ct, newPBEPassword([]byte(p))); errors.Is(err, errBadPadding) {
					fails++
				}
			}
			if fails < 3 {
				t.Errorf("only %d of 4 wrong pass phrases failed the padding check", fails)
			}
		})
	}
}
