package pki

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rc4"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"io"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/scrypt"
)

// Password-based encryption as used by encrypted PKCS#8 keys and PKCS#12
// files: the PKCS#12 PBE schemes (RFC 7292 appendix B and C), PBES1 (RFC 8018
// section 6.1) and PBES2 with PBKDF2 or scrypt (RFC 8018 section 6.2, RFC
// 7914). Names in descriptions are OpenSSL's, so they read like `openssl
// pkcs12 -info`.

var (
	oidPBEWithSHAAnd128BitRC4        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 1}
	oidPBEWithSHAAnd40BitRC4         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 2}
	oidPBEWithSHAAnd3KeyTripleDESCBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBEWithSHAAnd2KeyTripleDESCBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 4}
	oidPBEWithSHAAnd128BitRC2CBC     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 5}
	oidPBEWithSHAAnd40BitRC2CBC      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 6}

	oidPBEWithMD5AndDESCBC  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 3}
	oidPBEWithMD5AndRC2CBC  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 6}
	oidPBEWithSHA1AndDESCBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 10}
	oidPBEWithSHA1AndRC2CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 11}

	oidPBKDF2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidPBES2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBMAC1 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
	oidScrypt = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 4, 11}

	oidHMACWithSHA1      = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACWithSHA224    = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACWithSHA256    = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACWithSHA384    = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACWithSHA512    = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidHMACWithSHA512224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 12}
	oidHMACWithSHA512256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 13}

	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	oidDESCBC     = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 7}
	oidRC2CBC     = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 2}
)

// Bounds on the work an input may ask for. Files in the wild use 1 to a few
// hundred thousand iterations and scrypt N up to 2^20; the bounds stop a
// hostile file from pinning a CPU or exhausting memory. Fuzz tests lower them.
var (
	maxPBEIterations  = 10_000_000
	maxScryptMemBytes = 1 << 30 // 128 * N * r, as scrypt allocates
)

// errBadPadding is what a CBC decryption with the wrong key nearly always
// produces; callers turn it into ErrIncorrectPassword.
var errBadPadding = errors.New("pki: bad padding after decryption")

// pbePassword is a pass phrase in the two encodings the schemes use: raw
// bytes (PBES1, PBES2 and PBMAC1; OpenSSL passes the UTF-8 bytes unchanged)
// and the PKCS#12 form, a BMPString with a two-byte NUL terminator (RFC 7292
// appendix B.1).
type pbePassword struct {
	raw []byte
	bmp []byte
}

func newPBEPassword(raw []byte) pbePassword {
	return pbePassword{raw: raw, bmp: pkcs12BMPPassword(raw)}
}

// pkcs12BMPPassword converts a UTF-8 pass phrase to UTF-16 big-endian with a
// trailing NUL, as OpenSSL's PKCS12_key_gen_utf8 does. Like OpenSSL, bytes
// that are not valid UTF-8 are taken one byte per character (Latin-1).
func pkcs12BMPPassword(raw []byte) []byte {
	out := make([]byte, 0, 2*len(raw)+2)
	if utf8.Valid(raw) {
		for _, r := range string(raw) {
			if r >= 0x10000 {
				r1, r2 := utf16.EncodeRune(r)
				out = append(out, byte(r1>>8), byte(r1), byte(r2>>8), byte(r2))
				continue
			}
			out = append(out, byte(r>>8), byte(r))
		}
	} else {
		for _, b := range raw {
			out = append(out, 0, b)
		}
	}
	return append(out, 0, 0)
}

// pbeFamily tells how a scheme turns a pass phrase into key and IV.
type pbeFamily int

const (
	pbeFamilyPKCS12 pbeFamily = iota + 1 // RFC 7292 appendix B KDF, BMP password
	pbeFamilyPBES1                       // PBKDF1, raw password
	pbeFamilyPBES2                       // PBKDF2 or scrypt, raw password
)

// pbeCipherSpec describes a content cipher.
type pbeCipherSpec struct {
	name    string // OpenSSL short name, e.g. "AES-256-CBC"
	keyLen  int
	rc2Bits int  // effective key bits, RC2 only
	rc4     bool // stream cipher, no IV, no padding
	block   func(key []byte) (cipher.Block, error)
}

func aesSpec(name string, keyLen int) pbeCipherSpec {
	return pbeCipherSpec{name: name, keyLen: keyLen, block: aes.NewCipher}
}

func rc2Spec(name string, keyLen, effBits int) pbeCipherSpec {
	return pbeCipherSpec{name: name, keyLen: keyLen, rc2Bits: effBits, block: func(k []byte) (cipher.Block, error) {
		return newRC2Cipher(k, effBits)
	}}
}

var (
	specDESEDE3 = pbeCipherSpec{name: "DES-EDE3-CBC", keyLen: 24, block: des.NewTripleDESCipher}
	specDES     = pbeCipherSpec{name: "DES-CBC", keyLen: 8, block: des.NewCipher}
	// Two-key triple DES: K1, K2, K1 (RFC 7292 appendix C).
	specDESEDE2 = pbeCipherSpec{name: "DES-EDE-CBC", keyLen: 16, block: func(k []byte) (cipher.Block, error) {
		return des.NewTripleDESCipher(append(append([]byte(nil), k[:16]...), k[:8]...))
	}}
)

// pkcs12PBESchemes are the PKCS#12 PBE algorithms (RFC 7292 appendix C),
// keyed by OID string, with OpenSSL's long names.
var pkcs12PBESchemes = map[string]struct {
	name string
	spec pbeCipherSpec
}{
	oidPBEWithSHAAnd128BitRC4.String():        {"pbeWithSHA1And128BitRC4", pbeCipherSpec{name: "RC4", keyLen: 16, rc4: true}},
	oidPBEWithSHAAnd40BitRC4.String():         {"pbeWithSHA1And40BitRC4", pbeCipherSpec{name: "RC4-40", keyLen: 5, rc4: true}},
	oidPBEWithSHAAnd3KeyTripleDESCBC.String(): {"pbeWithSHA1And3-KeyTripleDES-CBC", specDESEDE3},
	oidPBEWithSHAAnd2KeyTripleDESCBC.String(): {"pbeWithSHA1And2-KeyTripleDES-CBC", specDESEDE2},
	oidPBEWithSHAAnd128BitRC2CBC.String():     {"pbeWithSHA1And128BitRC2-CBC", rc2Spec("RC2-CBC", 16, 128)},
	oidPBEWithSHAAnd40BitRC2CBC.String():      {"pbeWithSHA1And40BitRC2-CBC", rc2Spec("RC2-40-CBC", 5, 40)},
}

// pbes1Schemes are the PKCS#5 v1.5 schemes (RFC 8018 section 6.1) that
// OpenSSL can still write with `-v1` and the legacy provider. MD2 variants
// are not supported.
var pbes1Schemes = map[string]struct {
	name string
	hash func() hash.Hash
	spec pbeCipherSpec
}{
	oidPBEWithMD5AndDESCBC.String():  {"pbeWithMD5AndDES-CBC", md5.New, specDES},
	oidPBEWithSHA1AndDESCBC.String(): {"pbeWithSHA1AndDES-CBC", sha1.New, specDES},
	oidPBEWithMD5AndRC2CBC.String():  {"pbeWithMD5AndRC2-CBC", md5.New, rc2Spec("RC2-64-CBC", 8, 64)},
	oidPBEWithSHA1AndRC2CBC.String(): {"pbeWithSHA1AndRC2-CBC", sha1.New, rc2Spec("RC2-64-CBC", 8, 64)},
}

// hmacPRFs are the PBKDF2 pseudo-random functions of RFC 8018 appendix B.1.
var hmacPRFs = map[string]struct {
	name string
	hash func() hash.Hash
}{
	oidHMACWithSHA1.String():      {"hmacWithSHA1", sha1.New},
	oidHMACWithSHA224.String():    {"hmacWithSHA224", sha256.New224},
	oidHMACWithSHA256.String():    {"hmacWithSHA256", sha256.New},
	oidHMACWithSHA384.String():    {"hmacWithSHA384", sha512.New384},
	oidHMACWithSHA512.String():    {"hmacWithSHA512", sha512.New},
	oidHMACWithSHA512224.String(): {"hmacWithSHA512-224", sha512.New512_224},
	oidHMACWithSHA512256.String(): {"hmacWithSHA512-256", sha512.New512_256},
}

// pbeScheme is a parsed password-based encryption AlgorithmIdentifier.
type pbeScheme struct {
	family     pbeFamily
	name       string // OpenSSL long name of the outer algorithm
	spec       pbeCipherSpec
	salt       []byte
	iterations int

	hash func() hash.Hash // PBES1 digest

	// PBES2 only.
	kdf                       string // "PBKDF2" or "scrypt"
	prfName                   string
	prf                       func() hash.Hash
	keyLen                    int // from the KDF parameters, 0 when absent
	scryptN, scryptR, scryptP int
	iv                        []byte
}

// String describes the scheme the way `openssl pkcs12 -info` does, e.g.
// "PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256" or
// "pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048".
func (s *pbeScheme) String() string {
	switch s.family {
	case pbeFamilyPBES2:
		if s.kdf == "scrypt" {
			return fmt.Sprintf("PBES2, scrypt, %s, Salt length: %d, Cost(N): %d, Block size(r): %d, Parallelism(p): %d",
				s.spec.name, len(s.salt), s.scryptN, s.scryptR, s.scryptP)
		}
		return fmt.Sprintf("PBES2, PBKDF2, %s, Iteration %d, PRF %s", s.spec.name, s.iterations, s.prfName)
	default:
		return fmt.Sprintf("%s, Iteration %d", s.name, s.iterations)
	}
}

// parsePBEAlgorithm parses an AlgorithmIdentifier (the whole DER SEQUENCE)
// naming a password-based encryption scheme.
func parsePBEAlgorithm(der []byte) (*pbeScheme, error) {
	in := cryptobyte.String(der)
	var alg, params cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !in.ReadASN1(&alg, cbasn1.SEQUENCE) || !in.Empty() || !alg.ReadASN1ObjectIdentifier(&oid) {
		return nil, errors.New("pki: malformed encryption AlgorithmIdentifier")
	}
	if !alg.ReadAnyASN1Element(&params, nil) {
		return nil, fmt.Errorf("pki: encryption algorithm %s has no parameters", oid)
	}
	if s, ok := pkcs12PBESchemes[oid.String()]; ok {
		salt, iter, err := parsePBEParams(params)
		if err != nil {
			return nil, fmt.Errorf("pki: %s parameters: %w", s.name, err)
		}
		return &pbeScheme{family: pbeFamilyPKCS12, name: s.name, spec: s.spec, salt: salt, iterations: iter}, nil
	}
	if s, ok := pbes1Schemes[oid.String()]; ok {
		salt, iter, err := parsePBEParams(params)
		if err != nil {
			return nil, fmt.Errorf("pki: %s parameters: %w", s.name, err)
		}
		if len(salt) != 8 {
			return nil, fmt.Errorf("pki: %s salt is %d bytes, want 8", s.name, len(salt))
		}
		return &pbeScheme{family: pbeFamilyPBES1, name: s.name, spec: s.spec, salt: salt, iterations: iter, hash: s.hash}, nil
	}
	if oid.Equal(oidPBES2) {
		s, err := parsePBES2Params(params)
		if err != nil {
			return nil, fmt.Errorf("pki: PBES2 parameters: %w", err)
		}
		return s, nil
	}
	return nil, &UnsupportedAlgorithmError{What: "encryption", OID: oid}
}

// UnsupportedAlgorithmError reports an algorithm wsskit recognises the place
// of but cannot use, such as an unknown encryption or MAC OID.
type UnsupportedAlgorithmError struct {
	What string // "encryption", "PBKDF2 PRF", "MAC", ...
	OID  asn1.ObjectIdentifier
}

func (e *UnsupportedAlgorithmError) Error() string {
	return fmt.Sprintf("pki: unsupported %s algorithm %s", e.What, e.OID)
}

// parsePBEParams reads PBEParameter / pkcs-12PbeParams:
// SEQUENCE { salt OCTET STRING, iterations INTEGER }.
func parsePBEParams(params cryptobyte.String) (salt []byte, iter int, err error) {
	var seq cryptobyte.String
	if !params.ReadASN1(&seq, cbasn1.SEQUENCE) || !params.Empty() ||
		!seq.ReadASN1Bytes(&salt, cbasn1.OCTET_STRING) || !seq.ReadASN1Integer(&iter) || !seq.Empty() {
		return nil, 0, errors.New("malformed PBE parameters")
	}
	if err := checkIterations(iter); err != nil {
		return nil, 0, err
	}
	return salt, iter, nil
}

func checkIterations(iter int) error {
	if iter < 1 {
		return fmt.Errorf("iteration count %d is not positive", iter)
	}
	if iter > maxPBEIterations {
		return fmt.Errorf("iteration count %d exceeds the limit of %d", iter, maxPBEIterations)
	}
	return nil
}

// deriveKeyIV turns the pass phrase into the content key and IV.
func (s *pbeScheme) deriveKeyIV(pw pbePassword) (key, iv []byte, err error) {
	switch s.family {
	case pbeFamilyPKCS12:
		key = pkcs12KDF(sha1.New, 1, pw.bmp, s.salt, s.iterations, s.spec.keyLen)
		if !s.spec.rc4 {
			iv = pkcs12KDF(sha1.New, 2, pw.bmp, s.salt, s.iterations, 8)
		}
		return key, iv, nil
	case pbeFamilyPBES1:
		// PBKDF1 (RFC 8018 section 5.1): T = H^c(P || S); key = T[0:8], IV = T[8:16].
		h := s.hash()
		h.Write(pw.raw)
		h.Write(s.salt)
		t := h.Sum(nil)
		for i := 1; i < s.iterations; i++ {
			h.Reset()
			h.Write(t)
			t = h.Sum(t[:0])
		}
		return t[:8], t[8:16], nil
	case pbeFamilyPBES2:
		if s.kdf == "scrypt" {
			key, err = scrypt.Key(pw.raw, s.salt, s.scryptN, s.scryptR, s.scryptP, s.spec.keyLen)
		} else {
			key, err = pbkdf2.Key(s.prf, string(pw.raw), s.salt, s.iterations, s.spec.keyLen)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("pki: deriving the %s key: %w", s.kdf, err)
		}
		return key, s.iv, nil
	}
	return nil, nil, errors.New("pki: unknown PBE family")
}

// decrypt decrypts ciphertext. A wrong pass phrase is reported as
// errBadPadding (for stream ciphers it cannot be detected here).
func (s *pbeScheme) decrypt(ciphertext []byte, pw pbePassword) ([]byte, error) {
	key, iv, err := s.deriveKeyIV(pw)
	if err != nil {
		return nil, err
	}
	if s.spec.rc4 {
		c, err := rc4.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("pki: %s: %w", s.name, err)
		}
		out := make([]byte, len(ciphertext))
		c.XORKeyStream(out, ciphertext)
		return out, nil
	}
	block, err := s.spec.block(key)
	if err != nil {
		return nil, fmt.Errorf("pki: %s key: %w", s.spec.name, err)
	}
	return cbcDecrypt(block, iv, ciphertext)
}

// encrypt encrypts plaintext with CBC and PKCS#7 padding.
func (s *pbeScheme) encrypt(plaintext []byte, pw pbePassword) ([]byte, error) {
	key, iv, err := s.deriveKeyIV(pw)
	if err != nil {
		return nil, err
	}
	if s.spec.rc4 {
		return nil, fmt.Errorf("pki: writing %s is not supported", s.name)
	}
	block, err := s.spec.block(key)
	if err != nil {
		return nil, fmt.Errorf("pki: %s key: %w", s.spec.name, err)
	}
	return cbcEncrypt(block, iv, plaintext), nil
}

func cbcDecrypt(block cipher.Block, iv, ciphertext []byte) ([]byte, error) {
	bs := block.BlockSize()
	if len(iv) != bs {
		return nil, fmt.Errorf("pki: IV is %d bytes, want %d", len(iv), bs)
	}
	if len(ciphertext) == 0 || len(ciphertext)%bs != 0 {
		return nil, fmt.Errorf("pki: ciphertext length %d is not a positive multiple of the block size %d", len(ciphertext), bs)
	}
	out := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, ciphertext)
	return unpad(out, bs)
}

func cbcEncrypt(block cipher.Block, iv, plaintext []byte) []byte {
	bs := block.BlockSize()
	n := bs - len(plaintext)%bs
	buf := make([]byte, len(plaintext)+n)
	copy(buf, plaintext)
	for i := len(plaintext); i < len(buf); i++ {
		buf[i] = byte(n)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)
	return buf
}

// unpad removes PKCS#7 padding (RFC 5652 section 6.3).
func unpad(b []byte, bs int) ([]byte, error) {
	n := int(b[len(b)-1])
	if n == 0 || n > bs || n > len(b) {
		return nil, errBadPadding
	}
	want := bytes.Repeat([]byte{byte(n)}, n)
	if subtle.ConstantTimeCompare(b[len(b)-n:], want) != 1 {
		return nil, errBadPadding
	}
	return b[:len(b)-n], nil
}

// pkcs12KDF is the key derivation function of RFC 7292 appendix B.2. id is
// 1 for key material, 2 for an IV and 3 for a MAC key; password is the
// NUL-terminated BMPString (or empty for a NULL password).
func pkcs12KDF(newHash func() hash.Hash, id byte, password, salt []byte, iterations, size int) []byte {
	h := newHash()
	u, v := h.Size(), h.BlockSize()
	d := bytes.Repeat([]byte{id}, v)
	fill := func(b []byte) []byte {
		if len(b) == 0 {
			return nil
		}
		n := v * ((len(b) + v - 1) / v)
		out := make([]byte, n)
		for i := range out {
			out[i] = b[i%len(b)]
		}
		return out
	}
	in := append(fill(salt), fill(password)...)
	out := make([]byte, 0, size+u)
	a := make([]byte, 0, u)
	b := make([]byte, v)
	for len(out) < size {
		h.Reset()
		h.Write(d)
		h.Write(in)
		a = h.Sum(a[:0])
		for i := 1; i < iterations; i++ {
			h.Reset()
			h.Write(a)
			a = h.Sum(a[:0])
		}
		out = append(out, a...)
		if len(out) >= size {
			break
		}
		for i := range b {
			b[i] = a[i%u]
		}
		// I_j = (I_j + B + 1) mod 2^(8v) for every v-byte block of I.
		for j := 0; j < len(in); j += v {
			carry := 1
			blk := in[j : j+v]
			for k := v - 1; k >= 0; k-- {
				carry += int(blk[k]) + int(b[k])
				blk[k] = byte(carry)
				carry >>= 8
			}
		}
	}
	return out[:size]
}

// Builders for the AlgorithmIdentifiers wsskit writes.

// marshalPKCS12PBE writes a PKCS#12 PBE AlgorithmIdentifier (RFC 7292
// appendix C): SEQUENCE { oid, SEQUENCE { salt, iterations } }.
func marshalPKCS12PBE(oid asn1.ObjectIdentifier, salt []byte, iterations int) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1OctetString(salt)
			b.AddASN1Int64(int64(iterations))
		})
	})
	return b.BytesOrPanic()
}

// pbeEncrypt parses the AlgorithmIdentifier it was given (so that what is
// written is exactly what a reader will parse) and encrypts plaintext.
func pbeEncrypt(algID, plaintext []byte, pw pbePassword) ([]byte, error) {
	s, err := parsePBEAlgorithm(algID)
	if err != nil {
		return nil, err
	}
	return s.encrypt(plaintext, pw)
}

// randomBytes reads n bytes from r, naming what they are for in the error.
func randomBytes(r io.Reader, n int, what string) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("pki: reading random %s: %w", what, err)
	}
	return b, nil
}

// hmacSum returns HMAC(key, msg) with the given hash.
func hmacSum(newHash func() hash.Hash, key, msg []byte) []byte {
	m := hmac.New(newHash, key)
	m.Write(msg)
	return m.Sum(nil)
}
