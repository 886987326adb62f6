package pki

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"
)

// PKCS#12 (RFC 7292) object identifiers.
var (
	oidDataContentType          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedDataContentType    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidEnvelopedDataContentType = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 3}
	oidEncryptedDataContentType = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}

	oidKeyBag             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 1}
	oidPKCS8ShroudedKey   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidCertBag            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidCRLBag             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 4}
	oidSecretBag          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 5}
	oidSafeContentsBag    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 6}
	oidX509CertType       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
	oidSDSICertType       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 2}
	oidX509CRLType        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 23, 1}
	oidFriendlyName       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 20}
	oidLocalKeyID         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 21}
	oidMSCSPName          = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 17, 1}
	oidMSLocalMachine     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 17, 2}
	oidJavaTrustedKeyUses = asn1.ObjectIdentifier{2, 16, 840, 1, 113894, 746875, 1, 1}

	oidMD5        = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}
	oidSHA1       = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidSHA512_224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 5}
	oidSHA512_256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 6}
)

// PFXEncryption selects the algorithms EncodePFX writes. The zero value is
// PFXCompat.
type PFXEncryption int

const (
	// PFXCompat encrypts certificates and key with
	// pbeWithSHAAnd3-KeyTripleDES-CBC and uses an HMAC-SHA-1 MAC, 2048
	// iterations each: `openssl pkcs12 -export -certpbe PBE-SHA1-3DES
	// -keypbe PBE-SHA1-3DES -macalg sha1`. It opened in every reader tested
	// (Node 20, OpenSSL 3 without -legacy, Mono, Java 17, GnuTLS, NSS), so it
	// is the default for test PKIs. 3DES is weak: the file is protected by
	// where it is kept, not by its pass phrase.
	PFXCompat PFXEncryption = iota
	// PFXAES is OpenSSL 3.0's default layout exactly: PBES2 with
	// PBKDF2-HMAC-SHA256 and AES-256-CBC for certificates and key, an
	// HMAC-SHA-256 MAC, 2048 iterations, 8-byte salts. Mono, Windows Server
	// 2016 and older macOS cannot open it.
	PFXAES
	// PFXRC2 is `openssl pkcs12 -export -legacy` (and OpenSSL 1.x's default):
	// RC2-40 for certificates, 3DES for the key, HMAC-SHA-1 MAC, 2048
	// iterations. Node 20 and OpenSSL 3 without -legacy cannot open it.
	PFXRC2
)

// ParsePFXEncryption parses "compat", "aes" or "rc2" (case-insensitive).
func ParsePFXEncryption(s string) (PFXEncryption, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "compat":
		return PFXCompat, nil
	case "aes":
		return PFXAES, nil
	case "rc2":
		return PFXRC2, nil
	}
	return 0, fmt.Errorf("pki: unknown PFX encryption %q (want compat, aes or rc2)", s)
}

// String returns "compat", "aes" or "rc2".
func (e PFXEncryption) String() string {
	switch e {
	case PFXCompat:
		return "compat"
	case PFXAES:
		return "aes"
	case PFXRC2:
		return "rc2"
	}
	return fmt.Sprintf("PFXEncryption(%d)", int(e))
}

// Readers returns one sentence, for a note on stderr, saying what the form
// is and which PKCS#12 readers open it (as measured, see PEERS.md).
func (e PFXEncryption) Readers() string {
	switch e {
	case PFXCompat:
		return "compat PFX (3DES certificates and key, SHA-1 MAC): opens in every reader tested " +
			"(OpenSSL 3 without -legacy, Node.js, Java keytool, .NET/Mono, GnuTLS, NSS/Chromium) and, by vendor " +
			"reports, in older Windows and macOS importers; 3DES is weak, so protect the file itself."
	case PFXAES:
		return "aes PFX (OpenSSL 3 default: AES-256-CBC, PBKDF2-SHA256, SHA-256 MAC): opens in OpenSSL 1.1.1+, " +
			"Node.js, Java 12+, GnuTLS and NSS/Chromium, but not in Mono/.NET on Mono, Windows Server 2016 " +
			"or older macOS keychains, which report a wrong password; use --encryption compat for those."
	case PFXRC2:
		return "rc2 PFX (openssl -legacy: RC2-40 certificates, 3DES key, SHA-1 MAC): opens in OpenSSL 1.x, " +
			"Mono/.NET, Java, GnuTLS, NSS/Chromium (and, by vendor reports, Windows and macOS), but not in Node.js 20 or OpenSSL 3 " +
			"without -legacy; use --encryption compat for those."
	}
	return e.String() + " is not a known PFX encryption."
}

// PFX is everything ParsePFX found in a PKCS#12 file: the integrity and
// encryption algorithms (what `openssl pkcs12 -info` prints) and the
// decrypted contents.
type PFX struct {
	// MAC is nil when the file has no MAC (`openssl pkcs12 -nomac`).
	MAC *PFXMAC
	// Safes are the ContentInfos of the AuthenticatedSafe, in file order.
	Safes []PFXSafe
	// Key is the first private key found, nil if there is none.
	Key crypto.Signer
	// Leaf is the certificate whose public key matches Key, else the one
	// whose localKeyID equals the key's; nil if none matches (or no key).
	Leaf *x509.Certificate
	// Chain holds every other certificate: first the issuers of Leaf in
	// chain order as far as they are present, then the rest in file order.
	Chain []*x509.Certificate
}

// PFXMAC describes the MacData of a PFX.
type PFXMAC struct {
	// Algorithm is the digest as OpenSSL names it ("sha1", "sha256"), or
	// "PBMAC1, PBKDF2, PRF hmacWithSHA256, HMAC hmacWithSHA256" for RFC 9579
	// PBMAC1.
	Algorithm string
	// Iterations is the MAC key derivation iteration count.
	Iterations int
	// SaltLen is the MAC salt length in bytes.
	SaltLen int
	// Len is the MAC length in bytes.
	Len int
}

// PFXSafe is one ContentInfo of the AuthenticatedSafe.
type PFXSafe struct {
	// Encrypted is true for an encryptedData ContentInfo ("PKCS7 Encrypted
	// data"), false for plain data ("PKCS7 Data").
	Encrypted bool
	// Algorithm describes the encryption like `openssl pkcs12 -info`, e.g.
	// "PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256";
	// empty when not encrypted.
	Algorithm string
	// Bags are the SafeBags, nested safeContentsBags flattened in order.
	Bags []PFXBag
}

// PFXBag is one SafeBag.
type PFXBag struct {
	// Type is "certBag", "pkcs8ShroudedKeyBag", "keyBag", "crlBag" or
	// "secretBag".
	Type string
	// FriendlyName is the friendlyName attribute (the alias Java shows).
	FriendlyName string
	// LocalKeyID is the localKeyID attribute; OpenSSL sets it to the SHA-1
	// of the leaf certificate on both the key and the leaf.
	LocalKeyID []byte
	// Cert and CertDER are set for certBags holding an X.509 certificate.
	Cert    *x509.Certificate
	CertDER []byte
	// CRLDER is set for crlBags.
	CRLDER []byte
	// Key is set for keyBags and pkcs8ShroudedKeyBags.
	Key crypto.Signer
	// KeyAlgorithm describes the encryption of a pkcs8ShroudedKeyBag like
	// `openssl pkcs12 -info` ("pbeWithSHA1And3-KeyTripleDES-CBC, Iteration
	// 2048").
	KeyAlgorithm string
	// Attributes lists the bag attributes other than friendlyName and
	// localKeyID (for example Microsoft's CSP name or Java's trusted-key
	// usage).
	Attributes []PFXAttribute
}

// PFXAttribute is a bag attribute wsskit does not interpret further.
type PFXAttribute struct {
	OID asn1.ObjectIdentifier
	// Name is a readable name when known ("Microsoft CSP Name",
	// "Java trusted key usage"), else the dotted OID.
	Name string
	// Value is the first value as text when it is a string type, else hex.
	Value string
}

var pfxAttributeNames = map[string]string{
	oidMSCSPName.String():          "Microsoft CSP Name",
	oidMSLocalMachine.String():     "Microsoft Local Key Set",
	oidJavaTrustedKeyUses.String(): "Java trusted key usage",
}

// Form reports which of wsskit's PFX forms p uses, judged by its algorithms
// (not iteration counts): certificates and key encryption and MAC digest. ok
// is false for any other combination (e.g. `openssl pkcs12 -descert`, or no
// encryption).
func (p *PFX) Form() (form PFXEncryption, ok bool) {
	var certAlg, keyAlg string
	for _, s := range p.Safes {
		if s.Encrypted && certAlg == "" {
			certAlg = s.Algorithm
		}
		for _, b := range s.Bags {
			if b.KeyAlgorithm != "" && keyAlg == "" {
				keyAlg = b.KeyAlgorithm
			}
		}
	}
	if p.MAC == nil || certAlg == "" || keyAlg == "" {
		return 0, false
	}
	const tdes, rc2, aes = "pbeWithSHA1And3-KeyTripleDES-CBC,", "pbeWithSHA1And40BitRC2-CBC,", "PBES2, PBKDF2, AES-256-CBC,"
	has := strings.HasPrefix
	switch {
	case p.MAC.Algorithm == "sha1" && has(certAlg, tdes) && has(keyAlg, tdes):
		return PFXCompat, true
	case p.MAC.Algorithm == "sha256" && has(certAlg, aes) && has(keyAlg, aes):
		return PFXAES, true
	case p.MAC.Algorithm == "sha1" && has(certAlg, rc2) && has(keyAlg, tdes):
		return PFXRC2, true
	}
	return 0, false
}

// PFXInfo is `wsskit show`'s stable description of a PKCS#12 file: what
// `openssl pkcs12 -info` tells (MAC, encryption, bags, attributes) plus which
// certificate matches the key and which readers the form suits. JSON field
// names are a documented interface: add fields, never rename one.
type PFXInfo struct {
	// MAC is nil when the file has no MAC.
	MAC *PFXMACInfo `json:"mac"`
	// Form is "compat", "aes" or "rc2" when the algorithms are exactly one
	// of wsskit's forms, else "".
	Form string `json:"form,omitempty"`
	// Readers is PFXEncryption.Readers for Form, else "".
	Readers string        `json:"readers,omitempty"`
	Safes   []PFXSafeInfo `json:"safes"`
	// Leaf is the subject of the certificate matching the key; "" if none.
	Leaf string `json:"leaf,omitempty"`
	// LeafMatch says how Leaf was found: "public key" or "localKeyID".
	LeafMatch string `json:"leaf_match,omitempty"`
}

// PFXMACInfo describes the MAC.
type PFXMACInfo struct {
	Algorithm  string `json:"algorithm"`
	Iterations int    `json:"iterations"`
	SaltLength int    `json:"salt_length"`
	Length     int    `json:"length"`
}

// PFXSafeInfo describes one ContentInfo of the AuthenticatedSafe.
type PFXSafeInfo struct {
	Encrypted bool         `json:"encrypted"`
	Algorithm string       `json:"algorithm,omitempty"` // like openssl -info
	Bags      []PFXBagInfo `json:"bags"`
}

// PFXBagInfo describes one SafeBag.
type PFXBagInfo struct {
	Type         string `json:"type"` // certBag, pkcs8ShroudedKeyBag, keyBag, crlBag, secretBag
	FriendlyName string `json:"friendly_name,omitempty"`
	LocalKeyID   string `json:"local_key_id,omitempty"` // hex
	// Subject and SHA256 are set for certificates.
	Subject string `json:"subject,omitempty"`
	SHA256  string `json:"sha256_fingerprint,omitempty"`
	// IsLeaf marks the certificate matching the key.
	IsLeaf bool `json:"leaf,omitempty"`
	// KeyType is set for keys ("ec:P-256"); KeyEncryption for shrouded keys.
	KeyType       string `json:"key_type,omitempty"`
	KeyEncryption string `json:"key_encryption,omitempty"`
	// Attributes holds other bag attributes by name.
	Attributes map[string]string `json:"attributes,omitempty"`
}

// DescribePFX describes a parsed PFX for display.
func DescribePFX(p *PFX) PFXInfo {
	info := PFXInfo{Safes: []PFXSafeInfo{}}
	if p.MAC != nil {
		info.MAC = &PFXMACInfo{Algorithm: p.MAC.Algorithm, Iterations: p.MAC.Iterations, SaltLength: p.MAC.SaltLen, Length: p.MAC.Len}
	}
	if f, ok := p.Form(); ok {
		info.Form, info.Readers = f.String(), f.Readers()
	}
	if p.Leaf != nil {
		info.Leaf, info.LeafMatch = p.Leaf.Subject.String(), "localKeyID"
		if publicKeysEqual(p.Key.Public(), p.Leaf.PublicKey) {
			info.LeafMatch = "public key"
		}
	}
	for _, s := range p.Safes {
		si := PFXSafeInfo{Encrypted: s.Encrypted, Algorithm: s.Algorithm, Bags: []PFXBagInfo{}}
		for _, b := range s.Bags {
			bi := PFXBagInfo{Type: b.Type, FriendlyName: b.FriendlyName, KeyEncryption: b.KeyAlgorithm}
			if len(b.LocalKeyID) > 0 {
				bi.LocalKeyID = hex.EncodeToString(b.LocalKeyID)
			}
			if b.Cert != nil {
				sum := sha256.Sum256(b.CertDER)
				bi.Subject, bi.SHA256 = b.Cert.Subject.String(), Fingerprint(sum[:])
				bi.IsLeaf = p.Leaf != nil && b.Cert.Equal(p.Leaf)
			}
			if b.Key != nil {
				bi.KeyType = KeyTypeOf(b.Key)
			}
			for _, a := range b.Attributes {
				if bi.Attributes == nil {
					bi.Attributes = map[string]string{}
				}
				bi.Attributes[a.Name] = a.Value
			}
			si.Bags = append(si.Bags, bi)
		}
		info.Safes = append(info.Safes, si)
	}
	return info
}
