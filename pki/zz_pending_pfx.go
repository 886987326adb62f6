package pki

// Temporary stand-ins for the PKCS#12 and encrypted-key code of the pfx
// branch; this file is deleted when that branch merges.

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

var (
	ErrIncorrectPassword = errors.New("pki: incorrect pass phrase")
	ErrPasswordRequired  = errors.New("pki: a pass phrase is required")
)

type PFX struct {
	Key   crypto.Signer
	Leaf  *x509.Certificate
	Chain []*x509.Certificate
}

func ParsePrivateKeyDER(der []byte) (crypto.Signer, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("not a private key")
}

func DecryptPKCS8(der []byte, pass []byte) (crypto.Signer, error) {
	return nil, errors.New("pending")
}

func DecryptLegacyPEM(block *pem.Block, pass []byte) ([]byte, error) {
	return nil, errors.New("pending")
}

func EncryptPKCS8(key crypto.Signer, pass []byte, rand io.Reader) ([]byte, error) {
	return nil, errors.New("pending")
}

func ParsePFX(data []byte, pass []byte) (*PFX, error) {
	k, c, ch, err := pkcs12.DecodeChain(data, string(pass))
	if err != nil {
		return nil, err
	}
	s, _ := k.(crypto.Signer)
	return &PFX{Key: s, Leaf: c, Chain: ch}, nil
}

type PFXEncryption int

const (
	PFXCompat PFXEncryption = iota
	PFXAES
	PFXRC2
)

func ParsePFXEncryption(s string) (PFXEncryption, error) {
	switch s {
	case "compat", "":
		return PFXCompat, nil
	case "aes":
		return PFXAES, nil
	case "rc2":
		return PFXRC2, nil
	}
	return 0, fmt.Errorf("pki: unknown PFX encryption %q", s)
}

func (e PFXEncryption) Readers() string { return "" }

type PFXOptions struct {
	Key          crypto.Signer
	Cert         *x509.Certificate
	Chain        []*x509.Certificate
	FriendlyName string
	Password     []byte
	Encryption   PFXEncryption
	Iterations   int
	Rand         io.Reader
}

func EncodePFX(o PFXOptions) ([]byte, error) {
	return pkcs12.LegacyDES.Encode(o.Key, o.Cert, o.Chain, string(o.Password))
}
