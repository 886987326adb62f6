package pki

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// macDigests are the digests a PKCS#12 MAC may use, with OpenSSL's names.
var macDigests = map[string]struct {
	name string
	hash func() hash.Hash
}{
	oidMD5.String():        {"md5", md5.New},
	oidSHA1.String():       {"sha1", sha1.New},
	oidSHA224.String():     {"sha224", sha256.New224},
	oidSHA256.String():     {"sha256", sha256.New},
	oidSHA384.String():     {"sha384", sha512.New384},
	oidSHA512.String():     {"sha512", sha512.New},
	oidSHA512_224.String(): {"sha512-224", sha512.New512_224},
	oidSHA512_256.String(): {"sha512-256", sha512.New512_256},
}

// errMACMismatch is the detail of a wrong pass phrase found by the MAC.
var errMACMismatch = errors.New("pki: PKCS#12 MAC mismatch")

// maxSafeNesting bounds nested safeContentsBags and BER nesting depth.
const maxSafeNesting = 8

// ParsePFX parses a PKCS#12 file (DER, or BER with indefinite lengths and
// constructed strings as Windows and Java may write) and decrypts it with
// pass (UTF-8 bytes). Every form OpenSSL reads is supported without a
// "legacy" switch: PBES2 (PBKDF2 or scrypt; AES, 3DES, DES, RC2), the PKCS#12
// PBE schemes (3DES, 2-key 3DES, RC2-40/128, RC4) and PBES1; MACs with MD5,
// SHA-1, SHA-2 or PBMAC1.
//
// The MAC is checked first: a mismatch gives an error matching
// ErrIncorrectPassword (and pkcs12.ErrIncorrectPassword). Without a MAC the
// first decryption decides. A nil pass means none was given: the empty pass
// phrase is tried (both the two-NUL-byte form and the zero-length form, as
// OpenSSL does), and failure gives an error matching ErrPasswordRequired.
func ParsePFX(data []byte, pass []byte) (*PFX, error) {
	der, err := berToDER(data)
	if err != nil {
		return nil, fmt.Errorf("pki: not a PKCS#12 file: %w", err)
	}
	in := cryptobyte.String(der)
	var pdu, authSafe cryptobyte.String
	var version int
	if !in.ReadASN1(&pdu, cbasn1.SEQUENCE) || !in.Empty() || !pdu.ReadASN1Integer(&version) ||
		!pdu.ReadASN1(&authSafe, cbasn1.SEQUENCE) {
		return nil, errors.New("pki: not a PKCS#12 file: malformed PFX structure")
	}
	if version != 3 {
		return nil, fmt.Errorf("pki: unsupported PKCS#12 version %d (want 3)", version)
	}
	var ctype asn1.ObjectIdentifier
	if !authSafe.ReadASN1ObjectIdentifier(&ctype) {
		return nil, errors.New("pki: malformed PKCS#12 authSafe ContentInfo")
	}
	if !ctype.Equal(oidDataContentType) {
		if ctype.Equal(oidSignedDataContentType) {
			return nil, errors.New("pki: PKCS#12 public-key integrity mode (signedData) is not supported")
		}
		return nil, fmt.Errorf("pki: unsupported PKCS#12 authSafe content type %s", ctype)
	}
	authSafeBytes, err := readExplicitOctetString(&authSafe)
	if err != nil || !authSafe.Empty() {
		return nil, errors.New("pki: malformed PKCS#12 authSafe content")
	}

	p := &pfxParser{pass: pass}
	if len(pass) == 0 {
		p.candidates = []pbePassword{newPBEPassword([]byte{}), {raw: []byte{}, bmp: nil}}
	} else {
		p.candidates = []pbePassword{newPBEPassword(pass)}
	}
	out := &PFX{}
	if !pdu.Empty() {
		mac, err := p.verifyMAC(&pdu, authSafeBytes)
		if err != nil {
			return nil, err
		}
		out.MAC = mac
	}
	if !pdu.Empty() {
		return nil, errors.New("pki: trailing data after the PKCS#12 MacData")
	}

	authDER, err := berToDER(authSafeBytes)
	if err != nil {
		return nil, fmt.Errorf("pki: malformed PKCS#12 AuthenticatedSafe: %w", err)
	}
	as := cryptobyte.String(authDER)
	var infos cryptobyte.String
	if !as.ReadASN1(&infos, cbasn1.SEQUENCE) || !as.Empty() {
		return nil, errors.New("pki: malformed PKCS#12 AuthenticatedSafe")
	}
	for i := 0; !infos.Empty(); i++ {
		var ci cryptobyte.String
		if !infos.ReadASN1(&ci, cbasn1.SEQUENCE) {
			return nil, fmt.Errorf("pki: malformed PKCS#12 ContentInfo %d", i)
		}
		safe, err := p.parseContentInfo(ci)
		if err != nil {
			return nil, fmt.Errorf("%w (in PKCS#12 safe %d)", err, i)
		}
		out.Safes = append(out.Safes, *safe)
	}
	out.pickLeaf()
	return out, nil
}

// pfxParser carries the pass phrase candidates through one parse. Once a
// MAC check or a decryption has picked one, chosen is set.
type pfxParser struct {
	pass       []byte
	candidates []pbePassword
	chosen     *pbePassword
}

func (p *pfxParser) wrongPassword(op string, detail error) error {
	if p.pass == nil {
		return &PasswordError{Op: op, Required: true, Err: detail}
	}
	return incorrectPassword(op, detail)
}

// verifyMAC reads MacData and checks it against every candidate.
func (p *pfxParser) verifyMAC(in *cryptobyte.String, msg []byte) (*PFXMAC, error) {
	var md, di, alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	var digest, salt []byte
	iter := 1
	if !in.ReadASN1(&md, cbasn1.SEQUENCE) || !md.ReadASN1(&di, cbasn1.SEQUENCE) ||
		!di.ReadASN1Element(&alg, cbasn1.SEQUENCE) || !di.ReadASN1Bytes(&digest, cbasn1.OCTET_STRING) || !di.Empty() ||
		!md.ReadASN1Bytes(&salt, cbasn1.OCTET_STRING) {
		return nil, errors.New("pki: malformed PKCS#12 MacData")
	}
	if !md.Empty() && (!md.ReadASN1Integer(&iter) || !md.Empty()) {
		return nil, errors.New("pki: malformed PKCS#12 MAC iteration count")
	}
	algBody := alg
	if !algBody.ReadASN1(&algBody, cbasn1.SEQUENCE) || !algBody.ReadASN1ObjectIdentifier(&oid) {
		return nil, errors.New("pki: malformed PKCS#12 MAC algorithm")
	}
	mac := &PFXMAC{Iterations: iter, SaltLen: len(salt), Len: len(digest)}
	var compute func(pw pbePassword) []byte
	if oid.Equal(oidPBMAC1) {
		pb, err := parsePBMAC1(algBody)
		if err != nil {
			return nil, err
		}
		mac.Algorithm = pb.String()
		mac.Iterations, mac.SaltLen = pb.iterations, len(pb.salt)
		compute = func(pw pbePassword) []byte { return pb.sum(pw.raw, msg) }
	} else {
		d, ok := macDigests[oid.String()]
		if !ok {
			return nil, &UnsupportedAlgorithmError{What: "PKCS#12 MAC", OID: oid}
		}
		// PBMAC1 ignores the MacData iteration count; the classic MAC uses it.
		if err := checkIterations(iter); err != nil {
			return nil, fmt.Errorf("pki: PKCS#12 MAC: %w", err)
		}
		mac.Algorithm = d.name
		compute = func(pw pbePassword) []byte { return pkcs12MAC(d.hash, pw.bmp, salt, iter, msg) }
	}
	for i := range p.candidates {
		if hmac.Equal(compute(p.candidates[i]), digest) {
			p.chosen = &p.candidates[i]
			return mac, nil
		}
	}
	return nil, p.wrongPassword(fmt.Sprintf("verifying the PKCS#12 MAC (%s, Iteration %d)", mac.Algorithm, mac.Iterations), errMACMismatch)
}

// pbmac1 is a parsed RFC 9579 PBMAC1 algorithm.
type pbmac1 struct {
	salt       []byte
	iterations int
	keyLen     int
	prfName    string
	prf        func() hash.Hash
	macName    string
	mac        func() hash.Hash
}

func (m *pbmac1) String() string {
	return fmt.Sprintf("PBMAC1, PBKDF2, PRF %s, HMAC %s", m.prfName, m.macName)
}

func (m *pbmac1) sum(pass, msg []byte) []byte {
	key, err := pbkdf2.Key(m.prf, string(pass), m.salt, m.iterations, m.keyLen)
	if err != nil {
		return nil
	}
	return hmacSum(m.mac, key, msg)
}

// parsePBMAC1 reads PBMAC1-params ::= SEQUENCE { keyDerivationFunc
// AlgorithmIdentifier (PBKDF2), messageAuthScheme AlgorithmIdentifier }.
func parsePBMAC1(params cryptobyte.String) (*pbmac1, error) {
	var seq, kdf, kdfParams, scheme cryptobyte.String
	var kdfOID, macOID asn1.ObjectIdentifier
	if !params.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1(&kdf, cbasn1.SEQUENCE) ||
		!seq.ReadASN1(&scheme, cbasn1.SEQUENCE) || !kdf.ReadASN1ObjectIdentifier(&kdfOID) ||
		!scheme.ReadASN1ObjectIdentifier(&macOID) || !kdf.ReadASN1(&kdfParams, cbasn1.SEQUENCE) {
		return nil, errors.New("pki: malformed PBMAC1 parameters")
	}
	if !kdfOID.Equal(oidPBKDF2) {
		return nil, &UnsupportedAlgorithmError{What: "PBMAC1 key derivation", OID: kdfOID}
	}
	m := &pbmac1{prfName: "hmacWithSHA1", prf: sha1.New}
	if !kdfParams.ReadASN1Bytes(&m.salt, cbasn1.OCTET_STRING) || !kdfParams.ReadASN1Integer(&m.iterations) {
		return nil, errors.New("pki: malformed PBMAC1 PBKDF2 parameters")
	}
	if err := checkIterations(m.iterations); err != nil {
		return nil, fmt.Errorf("pki: PBMAC1: %w", err)
	}
	// RFC 9579 makes keyLength mandatory and recommends refusing lengths
	// under 20 bytes: with a short key the MAC no longer proves the pass
	// phrase. Over 64 bytes exceeds any HMAC output and only costs memory.
	if !kdfParams.ReadASN1Integer(&m.keyLen) || m.keyLen < 20 || m.keyLen > 64 {
		return nil, errors.New("pki: PBMAC1 key length missing or outside 20..64 bytes")
	}
	if !kdfParams.Empty() {
		var prfAlg cryptobyte.String
		var prfOID asn1.ObjectIdentifier
		if !kdfParams.ReadASN1(&prfAlg, cbasn1.SEQUENCE) || !prfAlg.ReadASN1ObjectIdentifier(&prfOID) {
			return nil, errors.New("pki: malformed PBMAC1 PRF")
		}
		prf, ok := hmacPRFs[prfOID.String()]
		if !ok {
			return nil, &UnsupportedAlgorithmError{What: "PBMAC1 PRF", OID: prfOID}
		}
		m.prfName, m.prf = prf.name, prf.hash
	}
	h, ok := hmacPRFs[macOID.String()]
	if !ok {
		return nil, &UnsupportedAlgorithmError{What: "PBMAC1 MAC", OID: macOID}
	}
	m.macName, m.mac = h.name, h.hash
	return m, nil
}

// readExplicitOctetString reads [0] EXPLICIT OCTET STRING, the content of a
// data ContentInfo.
func readExplicitOctetString(in *cryptobyte.String) ([]byte, error) {
	var wrap cryptobyte.String
	var b []byte
	if !in.ReadASN1(&wrap, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!wrap.ReadASN1Bytes(&b, cbasn1.OCTET_STRING) || !wrap.Empty() {
		return nil, errors.New("malformed [0] EXPLICIT OCTET STRING")
	}
	return b, nil
}

// parseContentInfo decodes one ContentInfo of the AuthenticatedSafe.
func (p *pfxParser) parseContentInfo(ci cryptobyte.String) (*PFXSafe, error) {
	var ctype asn1.ObjectIdentifier
	if !ci.ReadASN1ObjectIdentifier(&ctype) {
		return nil, errors.New("pki: malformed PKCS#12 ContentInfo")
	}
	safe := &PFXSafe{}
	var contents []byte
	switch {
	case ctype.Equal(oidDataContentType):
		b, err := readExplicitOctetString(&ci)
		if err != nil {
			return nil, fmt.Errorf("pki: PKCS#12 data ContentInfo: %w", err)
		}
		contents = b
	case ctype.Equal(oidEncryptedDataContentType):
		// [0] EXPLICIT EncryptedData ::= SEQUENCE { version INTEGER,
		//   EncryptedContentInfo ::= SEQUENCE { contentType, algorithm,
		//   encryptedContent [0] IMPLICIT OCTET STRING OPTIONAL }, ... }
		var wrap, ed, eci, alg cryptobyte.String
		var version int
		var innerType asn1.ObjectIdentifier
		if !ci.ReadASN1(&wrap, cbasn1.Tag(0).Constructed().ContextSpecific()) || !wrap.ReadASN1(&ed, cbasn1.SEQUENCE) ||
			!ed.ReadASN1Integer(&version) || !ed.ReadASN1(&eci, cbasn1.SEQUENCE) ||
			!eci.ReadASN1ObjectIdentifier(&innerType) || !eci.ReadASN1Element(&alg, cbasn1.SEQUENCE) {
			return nil, errors.New("pki: malformed PKCS#12 EncryptedData")
		}
		ct, err := readImplicitOctetString(&eci)
		if err != nil {
			return nil, fmt.Errorf("pki: PKCS#12 EncryptedData: %w", err)
		}
		s, err := parsePBEAlgorithm(alg)
		if err != nil {
			return nil, err
		}
		safe.Encrypted, safe.Algorithm = true, s.String()
		plain, err := p.decrypt(s, ct, "decrypting the PKCS#12 certificate safe ("+s.String()+")")
		if err != nil {
			return nil, err
		}
		contents = plain
	case ctype.Equal(oidEnvelopedDataContentType):
		return nil, errors.New("pki: PKCS#12 public-key privacy mode (envelopedData) is not supported")
	default:
		return nil, fmt.Errorf("pki: unsupported PKCS#12 ContentInfo type %s", ctype)
	}
	bags, err := p.parseSafeContents(contents, 0)
	if err != nil {
		return nil, err
	}
	safe.Bags = bags
	return safe, nil
}

// readImplicitOctetString reads encryptedContent [0] IMPLICIT OCTET STRING,
// primitive or (BER) constructed from OCTET STRING segments.
func readImplicitOctetString(in *cryptobyte.String) ([]byte, error) {
	// cryptobyte consumes an element even when its tag does not match, so
	// peek before choosing the form.
	if in.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()) {
		var b []byte
		if !in.ReadASN1Bytes(&b, cbasn1.Tag(0).ContextSpecific()) {
			return nil, errors.New("malformed encryptedContent")
		}
		return b, nil
	}
	var segs cryptobyte.String
	if !in.ReadASN1(&segs, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, errors.New("missing encryptedContent")
	}
	var out []byte
	for !segs.Empty() {
		var seg []byte
		if !segs.ReadASN1Bytes(&seg, cbasn1.OCTET_STRING) {
			return nil, errors.New("malformed constructed encryptedContent")
		}
		out = append(out, seg...)
	}
	return out, nil
}

// decrypt decrypts with the chosen pass phrase form, or finds the form that
// works when no MAC has chosen one. The plaintext must be one BER SEQUENCE.
func (p *pfxParser) decrypt(s *pbeScheme, ct []byte, op string) ([]byte, error) {
	cands := p.candidates
	if p.chosen != nil {
		cands = []pbePassword{*p.chosen}
	}
	var lastErr error
	for i := range cands {
		plain, err := s.decrypt(ct, cands[i])
		if err != nil && !errors.Is(err, errBadPadding) {
			return nil, fmt.Errorf("pki: %s: %w", op, err)
		}
		if err == nil {
			norm, nerr := berToDER(plain)
			if nerr == nil && isDERSequence(norm) {
				if p.chosen == nil {
					c := cands[i]
					p.chosen = &c
				}
				return norm, nil
			}
			err = errors.New("pki: decrypted data is not a SEQUENCE")
		}
		lastErr = err
	}
	return nil, p.wrongPassword(op, lastErr)
}

// parseSafeContents decodes SafeContents ::= SEQUENCE OF SafeBag.
func (p *pfxParser) parseSafeContents(der []byte, depth int) ([]PFXBag, error) {
	if depth > maxSafeNesting {
		return nil, errors.New("pki: PKCS#12 safeContentsBags nested too deeply")
	}
	norm, err := berToDER(der)
	if err != nil {
		return nil, fmt.Errorf("pki: malformed PKCS#12 SafeContents: %w", err)
	}
	in := cryptobyte.String(norm)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, errors.New("pki: malformed PKCS#12 SafeContents")
	}
	var bags []PFXBag
	for i := 0; !seq.Empty(); i++ {
		var sb, value cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !seq.ReadASN1(&sb, cbasn1.SEQUENCE) || !sb.ReadASN1ObjectIdentifier(&oid) ||
			!sb.ReadASN1(&value, cbasn1.Tag(0).Constructed().ContextSpecific()) {
			return nil, fmt.Errorf("pki: malformed PKCS#12 SafeBag %d", i)
		}
		if oid.Equal(oidSafeContentsBag) {
			inner, err := p.parseSafeContents(value, depth+1)
			if err != nil {
				return nil, err
			}
			bags = append(bags, inner...)
			continue
		}
		bag := PFXBag{}
		if !sb.Empty() {
			var attrs cryptobyte.String
			if !sb.ReadASN1(&attrs, cbasn1.SET) || !sb.Empty() {
				return nil, fmt.Errorf("pki: malformed attributes of PKCS#12 SafeBag %d", i)
			}
			if err := parseBagAttributes(attrs, &bag); err != nil {
				return nil, fmt.Errorf("pki: PKCS#12 SafeBag %d: %w", i, err)
			}
		}
		if err := p.parseBagValue(oid, value, &bag); err != nil {
			return nil, fmt.Errorf("%w (in SafeBag %d)", err, i)
		}
		bags = append(bags, bag)
	}
	return bags, nil
}

func (p *pfxParser) parseBagValue(oid asn1.ObjectIdentifier, value cryptobyte.String, bag *PFXBag) error {
	switch {
	case oid.Equal(oidCertBag), oid.Equal(oidCRLBag):
		// CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT OCTET STRING }
		// CRLBag has the same shape.
		var cb cryptobyte.String
		var typ asn1.ObjectIdentifier
		if !value.ReadASN1(&cb, cbasn1.SEQUENCE) || !cb.ReadASN1ObjectIdentifier(&typ) {
			return errors.New("pki: malformed PKCS#12 certBag")
		}
		b, err := readExplicitOctetString(&cb)
		if err != nil {
			return fmt.Errorf("pki: malformed PKCS#12 certBag: %w", err)
		}
		if oid.Equal(oidCRLBag) {
			bag.Type = "crlBag"
			if !typ.Equal(oidX509CRLType) {
				return fmt.Errorf("pki: unsupported PKCS#12 CRL type %s", typ)
			}
			bag.CRLDER = b
			return nil
		}
		bag.Type = "certBag"
		if !typ.Equal(oidX509CertType) {
			if typ.Equal(oidSDSICertType) {
				return errors.New("pki: SDSI certificates in PKCS#12 are not supported")
			}
			return fmt.Errorf("pki: unsupported PKCS#12 certificate type %s", typ)
		}
		cert, err := x509.ParseCertificate(b)
		if err != nil {
			return fmt.Errorf("pki: parsing the certificate in a PKCS#12 certBag: %w", err)
		}
		bag.Cert, bag.CertDER = cert, b
	case oid.Equal(oidKeyBag):
		bag.Type = "keyBag"
		key, err := ParsePrivateKeyDER(value)
		if err != nil {
			return err
		}
		bag.Key = key
	case oid.Equal(oidPKCS8ShroudedKey):
		bag.Type = "pkcs8ShroudedKeyBag"
		s, ct, err := parseEncryptedPKCS8(value)
		if err != nil {
			return err
		}
		bag.KeyAlgorithm = s.String()
		plain, err := p.decrypt(s, ct, "decrypting the PKCS#12 key ("+s.String()+")")
		if err != nil {
			return err
		}
		key, err := ParsePrivateKeyDER(plain)
		if err != nil {
			return err
		}
		bag.Key = key
	case oid.Equal(oidSecretBag):
		bag.Type = "secretBag"
	default:
		bag.Type = oid.String()
	}
	return nil
}

// parseBagAttributes reads SET OF PKCS12Attribute ::= SEQUENCE { attrId OID,
// attrValues SET OF ANY }.
func parseBagAttributes(attrs cryptobyte.String, bag *PFXBag) error {
	for !attrs.Empty() {
		var a, values cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !attrs.ReadASN1(&a, cbasn1.SEQUENCE) || !a.ReadASN1ObjectIdentifier(&oid) ||
			!a.ReadASN1(&values, cbasn1.SET) || !a.Empty() {
			return errors.New("malformed bag attribute")
		}
		// Only the first value counts; PKCS#12 attributes are single-valued.
		var elem, first cryptobyte.String
		var tag cbasn1.Tag
		if !values.ReadAnyASN1Element(&elem, &tag) {
			return fmt.Errorf("bag attribute %s has no value", oid)
		}
		if e := elem; !e.ReadAnyASN1(&first, &tag) {
			return fmt.Errorf("bag attribute %s has a malformed value", oid)
		}
		switch {
		case oid.Equal(oidFriendlyName):
			name, err := decodeASN1String(tag, first)
			if err != nil {
				return fmt.Errorf("friendlyName: %w", err)
			}
			bag.FriendlyName = name
		case oid.Equal(oidLocalKeyID):
			if tag != cbasn1.OCTET_STRING {
				return errors.New("localKeyID is not an OCTET STRING")
			}
			bag.LocalKeyID = append([]byte(nil), first...)
		default:
			name, ok := pfxAttributeNames[oid.String()]
			if !ok {
				name = oid.String()
			}
			text, err := decodeASN1String(tag, first)
			if err != nil {
				text = hex.EncodeToString(first)
				var v asn1.ObjectIdentifier
				if e := elem; tag == cbasn1.OBJECT_IDENTIFIER && e.ReadASN1ObjectIdentifier(&v) {
					text = v.String()
				}
			}
			bag.Attributes = append(bag.Attributes, PFXAttribute{OID: oid, Name: name, Value: text})
		}
	}
	return nil
}

// decodeASN1String decodes the string types bag attributes use.
func decodeASN1String(tag cbasn1.Tag, b []byte) (string, error) {
	switch tag {
	case cbasn1.Tag(30): // BMPString
		if len(b)%2 != 0 {
			return "", errors.New("odd-length BMPString")
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		return string(utf16.Decode(u)), nil
	case cbasn1.UTF8String, cbasn1.PrintableString, cbasn1.IA5String, cbasn1.Tag(26): // VisibleString
		if !utf8.Valid(b) {
			return "", errors.New("invalid UTF-8")
		}
		return string(b), nil
	}
	return "", fmt.Errorf("unsupported string tag %d", tag)
}

// pickLeaf fills Key, Leaf and Chain from the bags.
func (x *PFX) pickLeaf() {
	var keyID []byte
	var certs []*x509.Certificate
	var certIDs [][]byte
	for _, s := range x.Safes {
		for _, b := range s.Bags {
			if b.Key != nil && x.Key == nil {
				x.Key, keyID = b.Key, b.LocalKeyID
			}
			if b.Cert != nil {
				certs = append(certs, b.Cert)
				certIDs = append(certIDs, b.LocalKeyID)
			}
		}
	}
	leaf := -1
	if x.Key != nil {
		for i, c := range certs {
			if publicKeysEqual(x.Key.Public(), c.PublicKey) {
				leaf = i
				break
			}
		}
		if leaf < 0 && len(keyID) > 0 {
			for i, id := range certIDs {
				if bytes.Equal(id, keyID) {
					leaf = i
					break
				}
			}
		}
	}
	if leaf < 0 {
		x.Chain = certs
		return
	}
	x.Leaf = certs[leaf]
	used := make([]bool, len(certs))
	used[leaf] = true
	for cur := x.Leaf; !bytes.Equal(cur.RawIssuer, cur.RawSubject); {
		next := -1
		for i, c := range certs {
			if !used[i] && bytes.Equal(c.RawSubject, cur.RawIssuer) {
				next = i
				break
			}
		}
		if next < 0 {
			break
		}
		used[next] = true
		x.Chain = append(x.Chain, certs[next])
		cur = certs[next]
	}
	for i, c := range certs {
		if !used[i] {
			x.Chain = append(x.Chain, c)
		}
	}
}
