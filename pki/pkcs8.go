package pki

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"software.sslmate.com/src/go-pkcs12"
)

// ErrIncorrectPassword is matched (with errors.Is) by every error that means
// "this pass phrase does not open this input": a failed PKCS#12 MAC, bad
// padding after decryption, or decrypted bytes that are not a key. Such
// errors also match go-pkcs12's pkcs12.ErrIncorrectPassword, so one check
// covers both libraries. The concrete type is *PasswordError.
var ErrIncorrectPassword = errors.New("pki: incorrect pass phrase")

// ErrPasswordRequired is matched (with errors.Is) when the input is encrypted
// and no pass phrase was given (a nil pass argument). The concrete type is
// *PasswordError.
var ErrPasswordRequired = errors.New("pki: pass phrase required")

// PasswordError reports that an encrypted input could not be opened: either
// the pass phrase is wrong (errors.Is ErrIncorrectPassword and
// pkcs12.ErrIncorrectPassword) or none was given (errors.Is
// ErrPasswordRequired).
type PasswordError struct {
	// Op says what was being opened, e.g. "verifying the PKCS#12 MAC
	// (sha256, Iteration 2048)".
	Op string
	// Required is true when no pass phrase was given at all.
	Required bool
	// Err is the low-level detail (MAC mismatch, bad padding), if any.
	Err error
}

func (e *PasswordError) Error() string {
	if e.Required {
		return "pki: " + e.Op + ": the input is encrypted and no pass phrase was given"
	}
	return "pki: " + e.Op + ": incorrect pass phrase"
}

// Unwrap returns the low-level detail.
func (e *PasswordError) Unwrap() error { return e.Err }

// Is makes a PasswordError match ErrIncorrectPassword and
// pkcs12.ErrIncorrectPassword, or ErrPasswordRequired.
func (e *PasswordError) Is(target error) bool {
	if e.Required {
		return target == ErrPasswordRequired
	}
	return target == ErrIncorrectPassword || target == pkcs12.ErrIncorrectPassword
}

func incorrectPassword(op string, detail error) error {
	return &PasswordError{Op: op, Err: detail}
}

func passwordRequired(op string) error {
	return &PasswordError{Op: op, Required: true}
}

// UnsupportedKeyError reports a private key wsskit recognises but cannot use
// as a signer: X25519/X448 (key agreement only), Ed448, DSA, RSASSA-PSS, or an
// elliptic curve Go does not implement.
type UnsupportedKeyError struct {
	// Algorithm is a readable name, e.g. "X25519", "Ed448", "EC secp256k1".
	Algorithm string
	// OID is the algorithm (or curve) identifier when known.
	OID asn1.ObjectIdentifier
	// Err is the parser's error, if any.
	Err error
}

func (e *UnsupportedKeyError) Error() string {
	switch e.Algorithm {
	case "X25519", "X448":
		return fmt.Sprintf("pki: %s key is a key-agreement key and cannot sign (certificates and TLS need RSA, ECDSA or Ed25519)", e.Algorithm)
	}
	if e.OID != nil && e.Algorithm != e.OID.String() {
		return fmt.Sprintf("pki: unsupported private key type %s (%s); use RSA, ECDSA P-256/P-384/P-521 or Ed25519", e.Algorithm, e.OID)
	}
	return fmt.Sprintf("pki: unsupported private key type %s; use RSA, ECDSA P-256/P-384/P-521 or Ed25519", e.Algorithm)
}

// Unwrap returns the parser's error.
func (e *UnsupportedKeyError) Unwrap() error { return e.Err }

var (
	oidKeyRSAPSS    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidKeyDSA       = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}
	oidKeyEC        = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidKeyDH        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 3, 1}
	oidKeyX942DH    = asn1.ObjectIdentifier{1, 2, 840, 10046, 2, 1}
	oidKeyX25519    = asn1.ObjectIdentifier{1, 3, 101, 110}
	oidKeyX448      = asn1.ObjectIdentifier{1, 3, 101, 111}
	oidKeyEd448     = asn1.ObjectIdentifier{1, 3, 101, 113}
	oidKeySM2       = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301}
	oidCurveSecp256 = asn1.ObjectIdentifier{1, 3, 132, 0, 10}
)

// keyAlgorithmNames names the PKCS#8 algorithms Go's parser does not take.
var keyAlgorithmNames = map[string]string{
	oidKeyRSAPSS.String(): "RSASSA-PSS",
	oidKeyDSA.String():    "DSA",
	oidKeyDH.String():     "DH",
	oidKeyX942DH.String(): "X9.42 DH",
	oidKeyX25519.String(): "X25519",
	oidKeyX448.String():   "X448",
	oidKeyEd448.String():  "Ed448",
	oidKeySM2.String():    "SM2",
}

var curveNames = map[string]string{
	oidCurveSecp256.String(): "secp256k1",
	asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 7}.String():  "brainpoolP256r1",
	asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 11}.String(): "brainpoolP384r1",
	asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 13}.String(): "brainpoolP512r1",
	asn1.ObjectIdentifier{1, 3, 132, 0, 33}.String():               "secp224r1",
	asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 1}.String():      "prime192v1",
}

// keyShape tells which structure a DER private key has, so the right parser's
// error is reported.
type keyShape int

const (
	shapeUnknown keyShape = iota
	shapePKCS8
	shapePKCS1
	shapeSEC1
	shapeEncryptedPKCS8
)

func classifyKeyDER(der []byte) (keyShape, asn1.ObjectIdentifier) {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return shapeUnknown, nil
	}
	if seq.PeekASN1Tag(cbasn1.SEQUENCE) {
		// EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }
		var alg cryptobyte.String
		var oid asn1.ObjectIdentifier
		if seq.ReadASN1(&alg, cbasn1.SEQUENCE) && alg.ReadASN1ObjectIdentifier(&oid) && seq.PeekASN1Tag(cbasn1.OCTET_STRING) {
			return shapeEncryptedPKCS8, oid
		}
		return shapeUnknown, nil
	}
	var version int64
	if !seq.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) {
		return shapeUnknown, nil
	}
	switch {
	case seq.PeekASN1Tag(cbasn1.SEQUENCE):
		var alg cryptobyte.String
		var oid asn1.ObjectIdentifier
		if seq.ReadASN1(&alg, cbasn1.SEQUENCE) && alg.ReadASN1ObjectIdentifier(&oid) {
			if oid.Equal(oidKeyEC) {
				var curve asn1.ObjectIdentifier
				if alg.ReadASN1ObjectIdentifier(&curve) {
					return shapePKCS8, curve
				}
			}
			return shapePKCS8, oid
		}
	case version == 1 && seq.PeekASN1Tag(cbasn1.OCTET_STRING):
		var priv []byte
		var params cryptobyte.String
		if seq.ReadASN1Bytes(&priv, cbasn1.OCTET_STRING) && seq.ReadASN1(&params, cbasn1.Tag(0).Constructed().ContextSpecific()) {
			var curve asn1.ObjectIdentifier
			if params.ReadASN1ObjectIdentifier(&curve) {
				return shapeSEC1, curve
			}
		}
		return shapeSEC1, nil
	case seq.PeekASN1Tag(cbasn1.INTEGER):
		return shapePKCS1, nil
	}
	return shapeUnknown, nil
}

// ParsePrivateKeyDER parses an unencrypted private key in PKCS#8
// ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY") DER,
// recognised by content. It returns *rsa.PrivateKey, *ecdsa.PrivateKey (P-256,
// P-384, P-521) or ed25519.PrivateKey. Keys of other types (X25519, X448,
// Ed448, DSA, RSASSA-PSS, other curves) give an *UnsupportedKeyError naming
// the type; an EncryptedPrivateKeyInfo gives an error matching
// ErrPasswordRequired (use DecryptPKCS8).
func ParsePrivateKeyDER(der []byte) (crypto.Signer, error) {
	shape, oid := classifyKeyDER(der)
	switch shape {
	case shapeEncryptedPKCS8:
		return nil, passwordRequired("reading an encrypted PKCS#8 key")
	case shapePKCS8:
		k, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			if name, ok := keyAlgorithmNames[oid.String()]; ok {
				return nil, &UnsupportedKeyError{Algorithm: name, OID: oid, Err: err}
			}
			if name, ok := curveNames[oid.String()]; ok {
				return nil, &UnsupportedKeyError{Algorithm: "EC " + name, OID: oid, Err: err}
			}
			return nil, fmt.Errorf("pki: parsing PKCS#8 private key: %w", err)
		}
		return asSigner(k)
	case shapePKCS1:
		k, err := x509.ParsePKCS1PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("pki: parsing PKCS#1 RSA private key: %w", err)
		}
		return k, nil
	case shapeSEC1:
		k, err := x509.ParseECPrivateKey(der)
		if err != nil {
			if name, ok := curveNames[oid.String()]; ok {
				return nil, &UnsupportedKeyError{Algorithm: "EC " + name, OID: oid, Err: err}
			}
			return nil, fmt.Errorf("pki: parsing SEC1 EC private key: %w", err)
		}
		return k, nil
	}
	return nil, errors.New("pki: not a private key: expected PKCS#8, PKCS#1 or SEC1 DER")
}

// asSigner narrows what x509.ParsePKCS8PrivateKey returns to the signers
// wsskit can use.
func asSigner(k any) (crypto.Signer, error) {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	case *ecdh.PrivateKey:
		if k.Curve() == ecdh.X25519() {
			return nil, &UnsupportedKeyError{Algorithm: "X25519", OID: oidKeyX25519}
		}
		return nil, &UnsupportedKeyError{Algorithm: fmt.Sprintf("ECDH %v", k.Curve())}
	}
	return nil, &UnsupportedKeyError{Algorithm: fmt.Sprintf("%T", k)}
}

// parseEncryptedPKCS8 splits an EncryptedPrivateKeyInfo into its algorithm
// and ciphertext.
func parseEncryptedPKCS8(der []byte) (*pbeScheme, []byte, error) {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	var alg cryptobyte.String
	var ct []byte
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadASN1Element(&alg, cbasn1.SEQUENCE) || !seq.ReadASN1Bytes(&ct, cbasn1.OCTET_STRING) || !seq.Empty() {
		return nil, nil, errors.New("pki: malformed EncryptedPrivateKeyInfo")
	}
	s, err := parsePBEAlgorithm(alg)
	if err != nil {
		return nil, nil, err
	}
	return s, ct, nil
}

// DecryptPKCS8 decrypts an EncryptedPrivateKeyInfo ("ENCRYPTED PRIVATE KEY")
// and parses the key inside. Every scheme OpenSSL writes is supported: PBES2
// with PBKDF2 (hmacWithSHA1/224/256/384/512) or scrypt and AES-128/192/256-CBC,
// DES-EDE3-CBC, DES-CBC or RC2-CBC; the PKCS#12 PBE schemes (3DES, 2-key 3DES,
// RC2-40/128, RC4); and PBES1 (MD5 or SHA-1 with DES or RC2) written by
// `openssl pkcs8 -v1`.
//
// pass is the pass phrase as UTF-8 bytes; nil means none was given and gives
// an error matching ErrPasswordRequired. A wrong pass phrase gives an error
// matching ErrIncorrectPassword.
func DecryptPKCS8(der []byte, pass []byte) (crypto.Signer, error) {
	s, ct, err := parseEncryptedPKCS8(der)
	if err != nil {
		return nil, err
	}
	op := "decrypting the PKCS#8 key (" + s.String() + ")"
	if pass == nil {
		return nil, passwordRequired(op)
	}
	plain, err := s.decrypt(ct, newPBEPassword(pass))
	if errors.Is(err, errBadPadding) {
		return nil, incorrectPassword(op, err)
	}
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", op, err)
	}
	if !isDERSequence(plain) {
		return nil, incorrectPassword(op, errors.New("pki: decrypted data is not a DER SEQUENCE"))
	}
	return ParsePrivateKeyDER(plain)
}

// isDERSequence reports whether b is exactly one SEQUENCE. After decryption
// with a wrong key (when the padding happened to look right, about 1 in 256
// tries for CBC, or always for RC4) this is almost surely false.
func isDERSequence(b []byte) bool {
	in := cryptobyte.String(b)
	var seq cryptobyte.String
	return in.ReadASN1(&seq, cbasn1.SEQUENCE) && in.Empty()
}

// EncryptPKCS8 marshals key as PKCS#8 and encrypts it the way OpenSSL 3.0
// does for `openssl pkcs8 -topk8 -v2 aes-256-cbc` and `openssl genpkey
// -aes256`: PBES2 with PBKDF2-HMAC-SHA256 (2048 iterations, 8-byte salt) and
// AES-256-CBC. It returns the DER EncryptedPrivateKeyInfo, to be written as a
// PEM block of type "ENCRYPTED PRIVATE KEY". pass must not be nil (an empty
// pass phrase is allowed, as in OpenSSL). If rand is nil, crypto/rand.Reader
// is used.
func EncryptPKCS8(key crypto.Signer, pass []byte, rand io.Reader) ([]byte, error) {
	if pass == nil {
		return nil, errors.New("pki: encrypting a PKCS#8 key: no pass phrase given")
	}
	plain, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: marshalling the PKCS#8 key: %w", err)
	}
	alg, err := newPBES2AES256(rand, defaultPBEIterations)
	if err != nil {
		return nil, err
	}
	ct, err := pbeEncrypt(alg, plain, newPBEPassword(pass))
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(alg)
		b.AddASN1OctetString(ct)
	})
	return b.Bytes()
}

// defaultPBEIterations is OpenSSL's PKCS5_DEFAULT_ITER and PKCS12_DEFAULT_ITER.
const defaultPBEIterations = 2048

// pbeSaltLen is OpenSSL 3.0's PKCS5_SALT_LEN and PKCS12_SALT_LEN.
const pbeSaltLen = 8

// newPBES2AES256 returns a fresh PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC
// AlgorithmIdentifier with random salt and IV.
func newPBES2AES256(r io.Reader, iterations int) ([]byte, error) {
	if r == nil {
		r = rand.Reader
	}
	salt, err := randomBytes(r, pbeSaltLen, "PBKDF2 salt")
	if err != nil {
		return nil, err
	}
	iv, err := randomBytes(r, aes.BlockSize, "AES IV")
	if err != nil {
		return nil, err
	}
	return marshalPBES2AES256(oidHMACWithSHA256, salt, iterations, iv), nil
}

// legacyPEMCiphers are the DEK-Info ciphers of OpenSSL's traditional
// encrypted PEM ("Proc-Type: 4,ENCRYPTED") that Go can run.
var legacyPEMCiphers = map[string]struct {
	keyLen int
	block  func([]byte) (cipher.Block, error)
}{
	"AES-128-CBC":  {16, aes.NewCipher},
	"AES-192-CBC":  {24, aes.NewCipher},
	"AES-256-CBC":  {32, aes.NewCipher},
	"DES-EDE3-CBC": {24, des.NewTripleDESCipher},
	"DES-CBC":      {8, des.NewCipher},
}

// IsLegacyEncryptedPEM reports whether block is OpenSSL's traditional
// encrypted PEM (header "Proc-Type: 4,ENCRYPTED"), as written by `openssl rsa
// -aes256` or `openssl ec -aes128`.
func IsLegacyEncryptedPEM(block *pem.Block) bool {
	return block != nil && strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED")
}

// DecryptLegacyPEM decrypts OpenSSL's traditional encrypted PEM ("Proc-Type:
// 4,ENCRYPTED" with "DEK-Info: CIPHER,IV"; ciphers AES-128/192/256-CBC,
// DES-EDE3-CBC and DES-CBC) and returns the DER inside (PKCS#1 or SEC1; parse
// it with ParsePrivateKeyDER). The key is derived as OpenSSL's
// EVP_BytesToKey with MD5, one iteration and the first 8 IV bytes as salt.
//
// pass nil gives an error matching ErrPasswordRequired; a wrong pass phrase
// one matching ErrIncorrectPassword. A block without the Proc-Type header is
// an error.
func DecryptLegacyPEM(block *pem.Block, pass []byte) ([]byte, error) {
	if !IsLegacyEncryptedPEM(block) {
		return nil, errors.New("pki: PEM block has no \"Proc-Type: 4,ENCRYPTED\" header")
	}
	dek := block.Headers["DEK-Info"]
	name, ivHex, ok := strings.Cut(dek, ",")
	if !ok {
		return nil, fmt.Errorf("pki: malformed DEK-Info header %q", dek)
	}
	name = strings.ToUpper(strings.TrimSpace(name))
	c, ok := legacyPEMCiphers[name]
	if !ok {
		return nil, fmt.Errorf("pki: unsupported legacy PEM cipher %q (supported: AES-128-CBC, AES-192-CBC, AES-256-CBC, DES-EDE3-CBC, DES-CBC)", name)
	}
	iv, err := hex.DecodeString(strings.TrimSpace(ivHex))
	if err != nil {
		return nil, fmt.Errorf("pki: malformed DEK-Info IV %q: %w", ivHex, err)
	}
	op := "decrypting the " + block.Type + " (" + name + ")"
	if pass == nil {
		return nil, passwordRequired(op)
	}
	if len(iv) < 8 {
		return nil, fmt.Errorf("pki: DEK-Info IV is %d bytes, too short", len(iv))
	}
	key := evpBytesToKeyMD5(pass, iv[:8], c.keyLen)
	blk, err := c.block(key)
	if err != nil {
		return nil, fmt.Errorf("pki: %s key: %w", name, err)
	}
	plain, err := cbcDecrypt(blk, iv, block.Bytes)
	if errors.Is(err, errBadPadding) {
		return nil, incorrectPassword(op, err)
	}
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", op, err)
	}
	if !isDERSequence(plain) {
		return nil, incorrectPassword(op, errors.New("pki: decrypted data is not a DER SEQUENCE"))
	}
	return plain, nil
}

// evpBytesToKeyMD5 is OpenSSL's EVP_BytesToKey(MD5, count 1) key part:
// D_1 = MD5(pass || salt), D_i = MD5(D_{i-1} || pass || salt).
func evpBytesToKeyMD5(pass, salt []byte, n int) []byte {
	var out, d []byte
	for len(out) < n {
		h := md5.New()
		h.Write(d)
		h.Write(pass)
		h.Write(salt)
		d = h.Sum(nil)
		out = append(out, d...)
	}
	return out[:n]
}
