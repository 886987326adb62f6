package pki

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"software.sslmate.com/src/go-pkcs12"
)

// PFXOptions is the input of EncodePFX.
type PFXOptions struct {
	// Key is the private key of Cert. Required.
	Key crypto.Signer
	// Cert is the leaf certificate. Required.
	Cert *x509.Certificate
	// Chain holds the CA certificates to include, in order; they go into the
	// same encrypted safe as Cert, without attributes (as OpenSSL does).
	Chain []*x509.Certificate
	// FriendlyName, when set, is written as the friendlyName attribute of the
	// key and leaf bags: the alias Java's keytool and Windows show.
	FriendlyName string
	// Password is the pass phrase as UTF-8 bytes. nil or empty means the
	// empty pass phrase: as with OpenSSL, the file is still encrypted and
	// MACed.
	Password []byte
	// Encryption selects the algorithms; the zero value is PFXCompat.
	Encryption PFXEncryption
	// Iterations is the key derivation iteration count for encryption and
	// MAC; 0 means 2048, OpenSSL's default.
	Iterations int
	// Rand is the source of salts and IVs; nil means crypto/rand.Reader.
	Rand io.Reader
}

// EncodePFX writes a PKCS#12 file the way `openssl pkcs12 -export` does:
// an AuthenticatedSafe of an encryptedData holding the certificate bags
// (leaf first, then Chain) and a data ContentInfo holding one
// pkcs8ShroudedKeyBag, followed by a password MAC. The key and leaf bags
// carry localKeyID (SHA-1 of the leaf DER) and, when given, friendlyName.
// The algorithms are chosen by o.Encryption; see PFXCompat, PFXAES and
// PFXRC2.
func EncodePFX(o PFXOptions) ([]byte, error) {
	if o.Key == nil || o.Cert == nil {
		return nil, errors.New("pki: encoding a PFX needs both a private key and a certificate")
	}
	if !publicKeysEqual(o.Key.Public(), o.Cert.PublicKey) {
		return nil, &MismatchError{What: "PFX key and certificate",
			Detail: fmt.Sprintf("the private key (%s) does not belong to the certificate %s (%s)", KeyTypeOf(o.Key), o.Cert.Subject, KeyTypeOf(o.Cert.PublicKey))}
	}
	if o.Encryption < PFXCompat || o.Encryption > PFXRC2 {
		return nil, fmt.Errorf("pki: encoding a PFX: unknown encryption %v", o.Encryption)
	}
	iter := o.Iterations
	if iter == 0 {
		iter = defaultPBEIterations
	}
	if err := checkIterations(iter); err != nil {
		return nil, fmt.Errorf("pki: encoding a PFX: %w", err)
	}
	r := o.Rand
	if r == nil {
		r = rand.Reader
	}
	pass := o.Password
	if pass == nil {
		pass = []byte{}
	}
	pw := newPBEPassword(pass)

	keyDER, err := x509.MarshalPKCS8PrivateKey(o.Key)
	if err != nil {
		return nil, fmt.Errorf("pki: marshalling the PFX key: %w", err)
	}
	localKeyID := sha1.Sum(o.Cert.Raw)
	attrs, err := pfxBagAttributes(o.FriendlyName, localKeyID[:])
	if err != nil {
		return nil, err
	}

	newAlg := func(oid asn1.ObjectIdentifier) ([]byte, error) {
		if oid.Equal(oidPBES2) {
			return newPBES2AES256(r, iter)
		}
		salt, err := randomBytes(r, pbeSaltLen, "PKCS#12 PBE salt")
		if err != nil {
			return nil, err
		}
		return marshalPKCS12PBE(oid, salt, iter), nil
	}
	var certOID, keyOID asn1.ObjectIdentifier
	macHash, macOID := sha1.New, oidSHA1
	switch o.Encryption {
	case PFXCompat:
		certOID, keyOID = oidPBEWithSHAAnd3KeyTripleDESCBC, oidPBEWithSHAAnd3KeyTripleDESCBC
	case PFXAES:
		certOID, keyOID = oidPBES2, oidPBES2
		macHash, macOID = sha256.New, oidSHA256
	case PFXRC2:
		certOID, keyOID = oidPBEWithSHAAnd40BitRC2CBC, oidPBEWithSHAAnd3KeyTripleDESCBC
	}

	// Certificates: one SafeContents, encrypted as a whole.
	var certs cryptobyte.Builder
	certs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addCertBag(b, o.Cert.Raw, attrs)
		for _, c := range o.Chain {
			addCertBag(b, c.Raw, nil)
		}
	})
	certsDER, err := certs.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pki: encoding the PFX certificates: %w", err)
	}
	certAlg, err := newAlg(certOID)
	if err != nil {
		return nil, err
	}
	certsCT, err := pbeEncrypt(certAlg, certsDER, pw)
	if err != nil {
		return nil, fmt.Errorf("pki: encrypting the PFX certificates: %w", err)
	}

	// Key: a pkcs8ShroudedKeyBag in a plain data SafeContents.
	keyAlg, err := newAlg(keyOID)
	if err != nil {
		return nil, err
	}
	keyCT, err := pbeEncrypt(keyAlg, keyDER, pw)
	if err != nil {
		return nil, fmt.Errorf("pki: encrypting the PFX key: %w", err)
	}
	var keys cryptobyte.Builder
	keys.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidPKCS8ShroudedKey)
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddBytes(keyAlg)
					b.AddASN1OctetString(keyCT)
				})
			})
			b.AddBytes(attrs)
		})
	})
	keysDER, err := keys.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pki: encoding the PFX key bag: %w", err)
	}

	var authSafe cryptobyte.Builder
	authSafe.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		// EncryptedData ::= SEQUENCE { version 0, EncryptedContentInfo {
		//   contentType data, algorithm, [0] IMPLICIT encryptedContent } }
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidEncryptedDataContentType)
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1Int64(0)
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oidDataContentType)
						b.AddBytes(certAlg)
						b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddBytes(certsCT)
						})
					})
				})
			})
		})
		addDataContentInfo(b, keysDER)
	})
	authSafeDER, err := authSafe.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pki: encoding the PFX AuthenticatedSafe: %w", err)
	}

	macSalt, err := randomBytes(r, pbeSaltLen, "PKCS#12 MAC salt")
	if err != nil {
		return nil, err
	}
	mac := pkcs12MAC(macHash, pw.bmp, macSalt, iter, authSafeDER)

	var pfx cryptobyte.Builder
	pfx.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(3)
		addDataContentInfo(b, authSafeDER)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(macOID)
					b.AddASN1NULL()
				})
				b.AddASN1OctetString(mac)
			})
			b.AddASN1OctetString(macSalt)
			b.AddASN1Int64(int64(iter))
		})
	})
	return pfx.Bytes()
}

// pkcs12MAC computes the PKCS#12 password MAC (RFC 7292 appendix B): HMAC
// keyed with the PKCS#12 KDF (ID 3) output of the digest's size.
func pkcs12MAC(newHash func() hash.Hash, bmpPassword, salt []byte, iterations int, msg []byte) []byte {
	key := pkcs12KDF(newHash, 3, bmpPassword, salt, iterations, newHash().Size())
	return hmacSum(newHash, key, msg)
}

// addDataContentInfo writes ContentInfo { data, [0] EXPLICIT OCTET STRING }.
func addDataContentInfo(b *cryptobyte.Builder, content []byte) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidDataContentType)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1OctetString(content)
		})
	})
}

// addCertBag writes SafeBag { certBag, [0] CertBag { x509Certificate,
// [0] OCTET STRING der } } with the given DER attribute SET (may be nil).
func addCertBag(b *cryptobyte.Builder, der, attrs []byte) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidCertBag)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidX509CertType)
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1OctetString(der)
				})
			})
		})
		b.AddBytes(attrs)
	})
}

// pfxBagAttributes returns the DER SET OF PKCS12Attribute for the key and
// leaf bags: friendlyName (BMPString) when name is set, and localKeyID. The
// elements are sorted by their encoding, as DER requires for SET OF and as
// OpenSSL writes them.
func pfxBagAttributes(name string, localKeyID []byte) ([]byte, error) {
	var elems [][]byte
	if name != "" {
		bmp, err := bmpString(name)
		if err != nil {
			return nil, err
		}
		elems = append(elems, pfxAttribute(oidFriendlyName, cbasn1.Tag(30), bmp))
	}
	elems = append(elems, pfxAttribute(oidLocalKeyID, cbasn1.OCTET_STRING, localKeyID))
	slices.SortFunc(elems, bytes.Compare)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, e := range elems {
			b.AddBytes(e)
		}
	})
	return b.Bytes()
}

func pfxAttribute(oid asn1.ObjectIdentifier, tag cbasn1.Tag, value []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes(value) })
		})
	})
	return b.BytesOrPanic()
}

// bmpString encodes s as UTF-16 big-endian, the content of a BMPString
// (characters outside the BMP become surrogate pairs, as OpenSSL writes).
func bmpString(s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("pki: friendly name %q is not valid UTF-8", s)
	}
	out := make([]byte, 0, 2*len(s))
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			out = append(out, byte(r1>>8), byte(r1), byte(r2>>8), byte(r2))
			continue
		}
		out = append(out, byte(r>>8), byte(r))
	}
	return out, nil
}

// EncodeTrustStorePFX writes certs as a Java trust store (every certificate a
// trustedCertEntry, alias = subject) with go-pkcs12's EncodeTrustStore, using
// 3DES and an HMAC-SHA-1 MAC with 2048 iterations so that every Java version
// opens it. An empty password is allowed.
func EncodeTrustStorePFX(certs []*x509.Certificate, password []byte) ([]byte, error) {
	if len(certs) == 0 {
		return nil, errors.New("pki: a trust store needs at least one certificate")
	}
	der, err := pkcs12.LegacyDES.WithIterations(defaultPBEIterations).EncodeTrustStore(certs, string(password))
	if err != nil {
		return nil, fmt.Errorf("pki: encoding the PKCS#12 trust store: %w", err)
	}
	return der, nil
}
