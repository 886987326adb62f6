package pki

import (
	"crypto/sha1"
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// PBES2 (RFC 8018 section 6.2) parameters: PBKDF2 or scrypt (RFC 7914) key
// derivation, and the AES, 3DES, DES or RC2 content cipher.

func parsePBES2Params(params cryptobyte.String) (*pbeScheme, error) {
	var seq, kdfAlg, encAlg, kdfParams cryptobyte.String
	var kdfOID, encOID asn1.ObjectIdentifier
	if !params.ReadASN1(&seq, cbasn1.SEQUENCE) || !params.Empty() ||
		!seq.ReadASN1(&kdfAlg, cbasn1.SEQUENCE) || !seq.ReadASN1(&encAlg, cbasn1.SEQUENCE) || !seq.Empty() ||
		!kdfAlg.ReadASN1ObjectIdentifier(&kdfOID) || !encAlg.ReadASN1ObjectIdentifier(&encOID) {
		return nil, errors.New("malformed PBES2-params")
	}
	s := &pbeScheme{family: pbeFamilyPBES2, name: "PBES2"}
	if !kdfAlg.ReadASN1(&kdfParams, cbasn1.SEQUENCE) || !kdfAlg.Empty() {
		return nil, errors.New("malformed key derivation parameters")
	}
	switch {
	case kdfOID.Equal(oidPBKDF2):
		s.kdf = "PBKDF2"
		// PBKDF2-params ::= SEQUENCE { salt CHOICE { specified OCTET STRING, ... },
		//   iterationCount INTEGER, keyLength INTEGER OPTIONAL,
		//   prf AlgorithmIdentifier DEFAULT hmacWithSHA1 }
		if !kdfParams.ReadASN1Bytes(&s.salt, cbasn1.OCTET_STRING) {
			return nil, errors.New("PBKDF2 salt is not an OCTET STRING (otherSource is not supported)")
		}
		if !kdfParams.ReadASN1Integer(&s.iterations) {
			return nil, errors.New("malformed PBKDF2 iteration count")
		}
		if err := checkIterations(s.iterations); err != nil {
			return nil, fmt.Errorf("PBKDF2: %w", err)
		}
		if kdfParams.PeekASN1Tag(cbasn1.INTEGER) {
			if !kdfParams.ReadASN1Integer(&s.keyLen) || s.keyLen < 1 || s.keyLen > 256 {
				return nil, errors.New("malformed PBKDF2 key length")
			}
		}
		s.prfName, s.prf = "hmacWithSHA1", sha1.New
		if !kdfParams.Empty() {
			var prfAlg cryptobyte.String
			var prfOID asn1.ObjectIdentifier
			if !kdfParams.ReadASN1(&prfAlg, cbasn1.SEQUENCE) || !kdfParams.Empty() || !prfAlg.ReadASN1ObjectIdentifier(&prfOID) {
				return nil, errors.New("malformed PBKDF2 PRF")
			}
			prf, ok := hmacPRFs[prfOID.String()]
			if !ok {
				return nil, &UnsupportedAlgorithmError{What: "PBKDF2 PRF", OID: prfOID}
			}
			s.prfName, s.prf = prf.name, prf.hash
		}
	case kdfOID.Equal(oidScrypt):
		s.kdf = "scrypt"
		// scrypt-params ::= SEQUENCE { salt OCTET STRING, costParameter INTEGER,
		//   blockSize INTEGER, parallelizationParameter INTEGER, keyLength INTEGER OPTIONAL }
		if !kdfParams.ReadASN1Bytes(&s.salt, cbasn1.OCTET_STRING) || !kdfParams.ReadASN1Integer(&s.scryptN) ||
			!kdfParams.ReadASN1Integer(&s.scryptR) || !kdfParams.ReadASN1Integer(&s.scryptP) {
			return nil, errors.New("malformed scrypt parameters")
		}
		if kdfParams.PeekASN1Tag(cbasn1.INTEGER) {
			if !kdfParams.ReadASN1Integer(&s.keyLen) || s.keyLen < 1 || s.keyLen > 256 {
				return nil, errors.New("malformed scrypt key length")
			}
		}
		if !kdfParams.Empty() {
			return nil, errors.New("trailing data in scrypt parameters")
		}
		n, r, p := s.scryptN, s.scryptR, s.scryptP
		if n < 2 || n&(n-1) != 0 || r < 1 || p < 1 || r > 1<<20 || p > 1<<20 {
			return nil, fmt.Errorf("scrypt parameters N=%d r=%d p=%d are invalid", n, r, p)
		}
		if mem := 128 * int64(n) * int64(r); mem > int64(maxScryptMemBytes) || int64(n)*int64(r)*int64(p) > int64(maxPBEIterations)*8 {
			return nil, fmt.Errorf("scrypt parameters N=%d r=%d p=%d exceed the work limit", n, r, p)
		}
	default:
		return nil, &UnsupportedAlgorithmError{What: "PBES2 key derivation", OID: kdfOID}
	}

	switch {
	case encOID.Equal(oidAES128CBC):
		s.spec = aesSpec("AES-128-CBC", 16)
	case encOID.Equal(oidAES192CBC):
		s.spec = aesSpec("AES-192-CBC", 24)
	case encOID.Equal(oidAES256CBC):
		s.spec = aesSpec("AES-256-CBC", 32)
	case encOID.Equal(oidDESEDE3CBC):
		s.spec = specDESEDE3
	case encOID.Equal(oidDESCBC):
		s.spec = specDES
	case encOID.Equal(oidRC2CBC):
		// RC2-CBC-Parameter ::= SEQUENCE { rc2ParameterVersion INTEGER OPTIONAL, iv OCTET STRING }
		var p cryptobyte.String
		version := -1
		if !encAlg.ReadASN1(&p, cbasn1.SEQUENCE) || !encAlg.Empty() {
			return nil, errors.New("malformed RC2-CBC parameters")
		}
		if p.PeekASN1Tag(cbasn1.INTEGER) && !p.ReadASN1Integer(&version) {
			return nil, errors.New("malformed RC2 parameter version")
		}
		if !p.ReadASN1Bytes(&s.iv, cbasn1.OCTET_STRING) || !p.Empty() {
			return nil, errors.New("malformed RC2-CBC IV")
		}
		keyLen := s.keyLen
		if keyLen == 0 {
			keyLen = 16 // OpenSSL's RC2-CBC default
		}
		if keyLen > 128 {
			return nil, fmt.Errorf("RC2 key length %d exceeds 128", keyLen)
		}
		bits, err := rc2EffectiveBits(version)
		if err != nil {
			return nil, err
		}
		name := "RC2-CBC"
		switch bits {
		case 40:
			name = "RC2-40-CBC"
		case 64:
			name = "RC2-64-CBC"
		}
		s.spec = rc2Spec(name, keyLen, bits)
		return s, s.checkIV()
	default:
		return nil, &UnsupportedAlgorithmError{What: "PBES2 encryption", OID: encOID}
	}
	if !encAlg.ReadASN1Bytes(&s.iv, cbasn1.OCTET_STRING) || !encAlg.Empty() {
		return nil, fmt.Errorf("malformed %s IV", s.spec.name)
	}
	if s.keyLen != 0 && s.keyLen != s.spec.keyLen {
		return nil, fmt.Errorf("key length %d does not fit %s", s.keyLen, s.spec.name)
	}
	return s, s.checkIV()
}

// rc2EffectiveBits maps rc2ParameterVersion to effective key bits (RFC 8018
// appendix B.2.3): 160, 120 and 58 encode 40, 64 and 128 bits; values of 256
// and above are the bit count itself; an absent version means 32 bits.
func rc2EffectiveBits(version int) (int, error) {
	switch {
	case version == -1:
		return 32, nil
	case version == 160:
		return 40, nil
	case version == 120:
		return 64, nil
	case version == 58:
		return 128, nil
	case version >= 256 && version <= 1024:
		return version, nil
	}
	return 0, fmt.Errorf("unsupported RC2 parameter version %d", version)
}

func (s *pbeScheme) checkIV() error {
	c, err := s.spec.block(make([]byte, s.spec.keyLen))
	if err != nil {
		return err
	}
	if len(s.iv) != c.BlockSize() {
		return fmt.Errorf("%s IV is %d bytes, want %d", s.spec.name, len(s.iv), c.BlockSize())
	}
	return nil
}

// marshalPBES2AES256 writes PBES2 with PBKDF2 and AES-256-CBC exactly as
// OpenSSL 3.0 does: no keyLength, and the PRF written out with a NULL
// parameter unless it is the default hmacWithSHA1.
func marshalPBES2AES256(prf asn1.ObjectIdentifier, salt []byte, iterations int, iv []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidPBES2)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidPBKDF2)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1OctetString(salt)
					b.AddASN1Int64(int64(iterations))
					if !prf.Equal(oidHMACWithSHA1) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(prf)
							b.AddASN1NULL()
						})
					}
				})
			})
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidAES256CBC)
				b.AddASN1OctetString(iv)
			})
		})
	})
	return b.BytesOrPanic()
}
