package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// KeyType names a key algorithm and size as written on the command line:
// "ec:P-256" (the default), "ec:P-384", "ec:P-521", "rsa:2048", "rsa:3072",
// "rsa:4096" and "ed25519".
type KeyType struct {
	Algorithm string // "ec", "rsa" or "ed25519"
	Bits      int    // RSA modulus size; 0 otherwise
	Curve     string // "P-256", "P-384" or "P-521" for EC; "" otherwise
}

// DefaultKeyType is the key type used when none is given: ECDSA P-256, which
// every peer wsskit is tested with accepts (Mono's ClientWebSocket is the one
// exception for client certificates, see PEERS.md, and wants rsa:2048).
var DefaultKeyType = KeyType{Algorithm: "ec", Curve: "P-256"}

// String returns the command-line spelling of the key type.
func (k KeyType) String() string {
	switch k.Algorithm {
	case "ec":
		return "ec:" + k.Curve
	case "rsa":
		return "rsa:" + strconv.Itoa(k.Bits)
	}
	return k.Algorithm
}

// KeyTypes lists the spellings ParseKeyType accepts, for help texts.
const KeyTypes = "ec:P-256 (default), ec:P-384, ec:P-521, rsa:2048, rsa:3072, rsa:4096, ed25519"

// ParseKeyType parses a key type such as "ec:P-256", "rsa:3072" or
// "ed25519". The bare words "ec" and "rsa" mean ec:P-256 and rsa:2048; case
// and the dash in curve names are not significant ("ec:p256").
func ParseKeyType(s string) (KeyType, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	algo, param, _ := strings.Cut(v, ":")
	switch algo {
	case "", "ec", "ecdsa":
		curve := strings.ReplaceAll(param, "-", "")
		switch curve {
		case "", "p256", "prime256v1", "secp256r1":
			return KeyType{Algorithm: "ec", Curve: "P-256"}, nil
		case "p384", "secp384r1":
			return KeyType{Algorithm: "ec", Curve: "P-384"}, nil
		case "p521", "secp521r1":
			return KeyType{Algorithm: "ec", Curve: "P-521"}, nil
		}
		return KeyType{}, fmt.Errorf("pki: unknown EC curve %q (want P-256, P-384 or P-521)", param)
	case "rsa":
		if param == "" {
			return KeyType{Algorithm: "rsa", Bits: 2048}, nil
		}
		bits, err := strconv.Atoi(param)
		if err != nil || bits < 2048 || bits > 8192 || bits%8 != 0 {
			return KeyType{}, fmt.Errorf("pki: RSA key size %q is not a multiple of 8 from 2048 to 8192", param)
		}
		return KeyType{Algorithm: "rsa", Bits: bits}, nil
	case "ed25519":
		if param != "" {
			return KeyType{}, fmt.Errorf("pki: ed25519 takes no parameter (got %q)", param)
		}
		return KeyType{Algorithm: "ed25519"}, nil
	}
	return KeyType{}, fmt.Errorf("pki: unknown key type %q (want one of %s)", s, KeyTypes)
}

// GenerateKey makes a new private key of type k, reading randomness from
// rnd (crypto/rand when nil).
func GenerateKey(k KeyType, rnd io.Reader) (crypto.Signer, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	switch k.Algorithm {
	case "ec":
		var c elliptic.Curve
		switch k.Curve {
		case "P-256":
			c = elliptic.P256()
		case "P-384":
			c = elliptic.P384()
		case "P-521":
			c = elliptic.P521()
		default:
			return nil, fmt.Errorf("pki: unknown EC curve %q", k.Curve)
		}
		return ecdsa.GenerateKey(c, rnd)
	case "rsa":
		return rsa.GenerateKey(rnd, k.Bits)
	case "ed25519":
		_, priv, err := ed25519.GenerateKey(rnd)
		return priv, err
	}
	return nil, fmt.Errorf("pki: unknown key algorithm %q", k.Algorithm)
}

// KeyTypeOf describes a public or private key the way users write key types
// ("ec:P-256", "rsa:2048", "ed25519"); unknown keys give their Go type.
func KeyTypeOf(key any) string {
	if s, ok := key.(crypto.Signer); ok {
		key = s.Public()
	}
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		return "ec:" + k.Curve.Params().Name
	case *rsa.PublicKey:
		return "rsa:" + strconv.Itoa(k.N.BitLen())
	case ed25519.PublicKey:
		return "ed25519"
	}
	return fmt.Sprintf("%T", key)
}

// PublicKeyFingerprint returns the hex SHA-256 of the key's
// SubjectPublicKeyInfo DER, the form `openssl pkey -pubout -outform DER |
// sha256sum` prints, so a key, its CSR and its certificate can be matched.
func PublicKeyFingerprint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("pki: encoding public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}

// publicKeysEqual reports whether two public keys are the same key.
func publicKeysEqual(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if e, ok := a.(equaler); ok {
		return e.Equal(b)
	}
	return false
}

// KeyMatches reports whether the private key belongs to the certificate.
func KeyMatches(key crypto.Signer, cert *x509.Certificate) bool {
	return key != nil && cert != nil && publicKeysEqual(key.Public(), cert.PublicKey)
}

// EncodeKeyPEM encodes a private key as PKCS#8 PEM ("PRIVATE KEY", what
// OpenSSL 3 writes by default), or, when pass is not nil, as encrypted
// PKCS#8 ("ENCRYPTED PRIVATE KEY": PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC,
// as `openssl genpkey -aes256` writes). An empty, non-nil pass still
// encrypts.
func EncodeKeyPEM(key crypto.Signer, pass []byte, rnd io.Reader) ([]byte, error) {
	if pass != nil {
		der, err := EncryptPKCS8(key, pass, rnd)
		if err != nil {
			return nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der}), nil
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: encoding private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// EncodeCertsPEM encodes certificates as concatenated PEM blocks.
func EncodeCertsPEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// EncodeCSRPEM encodes a certificate request as PEM.
func EncodeCSRPEM(csr *x509.CertificateRequest) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr.Raw})
}

// PublicKeyMatches reports whether the private key belongs to pub.
func PublicKeyMatches(key crypto.Signer, pub crypto.PublicKey) bool {
	return key != nil && publicKeysEqual(key.Public(), pub)
}
