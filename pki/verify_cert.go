package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// This file computes, for one certificate, the facts OpenSSL 3.0 caches in
// ossl_x509v3_cache_extensions (crypto/x509/v3_purp.c): the EXFLAG_* bits, key
// usage, extended key usage, Netscape cert type, path length, key
// identifiers, alternative names, name constraints and CRL distribution
// points, all read from the raw extensions so that nothing Go's parser
// normalises changes the outcome.

// EXFLAG_* values of OpenSSL (include/openssl/x509v3.h).
const (
	exBCons    = 0x1
	exKUsage   = 0x2
	exXKUsage  = 0x4
	exNSCert   = 0x8
	exCA       = 0x10
	exSI       = 0x20 // self-issued
	exV1       = 0x40
	exInvalid  = 0x80
	exCritical = 0x200 // an unhandled critical extension
	exProxy    = 0x400
	exFreshest = 0x1000
	exSS       = 0x2000 // self-signed (name, AKID and algorithm match itself)
)

// Key usage bits as OpenSSL stores them (first two bytes of the BIT STRING).
const (
	kuDigitalSignature = 0x0080
	kuNonRepudiation   = 0x0040
	kuKeyEncipherment  = 0x0020
	kuKeyAgreement     = 0x0008
	kuKeyCertSign      = 0x0004
	kuCRLSign          = 0x0002
)

// Netscape cert type bits.
const (
	nsSSLClient = 0x80
	nsSSLServer = 0x40
	nsSMIME     = 0x20
	nsSSLCA     = 0x04
	nsSMIMECA   = 0x02
	nsObjSignCA = 0x01
	nsAnyCA     = nsSSLCA | nsSMIMECA | nsObjSignCA
)

// Extended key usage bits (XKU_*).
const (
	xkuSSLServer = 0x1
	xkuSSLClient = 0x2
	xkuSMIME     = 0x4
	xkuCodeSign  = 0x8
	xkuSGC       = 0x10
	xkuOCSPSign  = 0x20
	xkuTimestamp = 0x40
	xkuDVCS      = 0x80
	xkuAnyEKU    = 0x100
)

// crlAllReasons is CRLDP_ALL_REASONS.
const crlAllReasons = 0x807f

// General name types (GEN_*).
const (
	genOtherName = 0
	genEmail     = 1
	genDNS       = 2
	genX400      = 3
	genDirName   = 4
	genEDIParty  = 5
	genURI       = 6
	genIPAdd     = 7
	genRID       = 8
)

// gname is one GeneralName: its type, the raw contents (for a dirName the DER
// Name, for otherName the OID and value), and for a dirName its canonical key.
type gname struct {
	typ      int
	value    []byte
	canon    string                // dirName only
	otherOID asn1.ObjectIdentifier // otherName only
	otherVal []byte                // otherName only: the full DER of the [0] value's content
}

type akidInfo struct {
	keyID     []byte
	hasKeyID  bool
	issuer    []gname
	serial    *big.Int
	hasSerial bool
}

type subtree struct {
	base   gname
	minmax bool // minimum != 0 or maximum present (unsupported)
}

type nameConstraints struct {
	permitted, excluded []subtree
}

// dpName is a DistributionPointName. Relative names are resolved to full
// directory names (setup_dp / DIST_POINT_set_dpname), so dirName is set for
// them and full is nil.
type dpName struct {
	full     []gname
	relative bool
	dirName  string // canonical key of the resolved name (relative only)
}

type distPoint struct {
	name      *dpName
	reasons   uint32
	crlIssuer []gname
}

type keyKind int

const (
	keyUnknown keyKind = iota
	keyRSA
	keyDSA
	keyEC
	keyEd25519
)

// vcert is a certificate with OpenSSL's cached view of it.
type vcert struct {
	c         *x509.Certificate
	subj, iss string // canonical name keys
	flags     uint32
	kusage    uint32
	xkusage   uint32
	nscert    byte
	pathlen   int // -1 when absent
	pcpathlen int
	skid      []byte
	akid      *akidInfo
	san       []gname
	hasSAN    bool
	nc        *nameConstraints
	crldp     []distPoint
	pubKey    keyKind
	sigKey    keyKind        // key type of the algorithm that signed this certificate
	sigOK     bool           // sigKey known (OBJ_find_sigid_algs succeeded)
	aux       *TrustSettings // trust settings of a trust-store certificate, or nil
}

var (
	oidExtBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidExtNSCertType       = asn1.ObjectIdentifier{2, 16, 840, 1, 113730, 1, 1}
	oidExtSKID             = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidExtAKID             = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtSAN              = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtNameConstraints  = asn1.ObjectIdentifier{2, 5, 29, 30}
	oidExtCRLDP            = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidExtProxyCertInfo    = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 14}
	oidExtFreshestCRL      = asn1.ObjectIdentifier{2, 5, 29, 46}
	oidSmtpUTF8Mailbox     = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 8, 9}
)

// supportedCritical is X509_supported_extension's list: a critical extension
// not listed makes OpenSSL report error 34.
var supportedCritical = []asn1.ObjectIdentifier{
	{2, 16, 840, 1, 113730, 1, 1},   // Netscape cert type
	{2, 5, 29, 15},                  // key usage
	{2, 5, 29, 17},                  // subject alt name
	{2, 5, 29, 19},                  // basic constraints
	{2, 5, 29, 32},                  // certificate policies
	{2, 5, 29, 31},                  // CRL distribution points
	{2, 5, 29, 37},                  // extended key usage
	{1, 3, 6, 1, 5, 5, 7, 1, 7},     // sbgp-ipAddrBlock
	{1, 3, 6, 1, 5, 5, 7, 1, 8},     // sbgp-autonomousSysNum
	{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}, // OCSP no check
	{2, 5, 29, 36},                  // policy constraints
	{1, 3, 6, 1, 5, 5, 7, 1, 14},    // proxyCertInfo
	{2, 5, 29, 30},                  // name constraints
	{2, 5, 29, 33},                  // policy mappings
	{2, 5, 29, 54},                  // inhibit any policy
}

func isSupportedCritical(id asn1.ObjectIdentifier) bool {
	for _, s := range supportedCritical {
		if s.Equal(id) {
			return true
		}
	}
	return false
}

var ekuBits = []struct {
	oid asn1.ObjectIdentifier
	bit uint32
}{
	{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}, xkuSSLServer},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}, xkuSSLClient},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 4}, xkuSMIME},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 3}, xkuCodeSign},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 3}, xkuSGC}, // Microsoft SGC
	{asn1.ObjectIdentifier{2, 16, 840, 1, 113730, 4, 1}, xkuSGC},     // Netscape SGC
	{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 9}, xkuOCSPSign},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}, xkuTimestamp},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 10}, xkuDVCS},
	{asn1.ObjectIdentifier{2, 5, 29, 37, 0}, xkuAnyEKU},
}

func ekuBit(oid asn1.ObjectIdentifier) uint32 {
	for _, e := range ekuBits {
		if e.oid.Equal(oid) {
			return e.bit
		}
	}
	return 0
}

func newVCert(c *x509.Certificate) *vcert { return newVCertNames(c, nameKey) }

// newVCertNames is newVCert with a (caching) name canonicaliser for the
// issuer name, which a batch of leaves shares.
func newVCertNames(c *x509.Certificate, issuerKey func([]byte) string) *vcert {
	v := &vcert{c: c, pathlen: -1, pcpathlen: -1}
	v.subj = nameKey(c.RawSubject)
	if bytes.Equal(c.RawSubject, c.RawIssuer) {
		v.iss = v.subj
	} else {
		v.iss = issuerKey(c.RawIssuer)
	}
	if c.Version == 1 {
		v.flags |= exV1
	}
	v.pubKey = pubKeyKind(c)
	v.sigKey, v.sigOK = sigKeyKind(c.SignatureAlgorithm)

	for i, e := range c.Extensions {
		for _, prev := range c.Extensions[:i] {
			if prev.Id.Equal(e.Id) {
				// X509_get_ext_d2i finds more than one: the extension is unusable.
				v.flags |= exInvalid
			}
		}
		var ok bool
		switch {
		case e.Id.Equal(oidExtBasicConstraints):
			ok = v.parseBC(e.Value)
		case e.Id.Equal(oidExtKeyUsage):
			ok = v.parseKU(e.Value)
		case e.Id.Equal(oidExtExtKeyUsage):
			ok = v.parseEKU(e.Value)
		case e.Id.Equal(oidExtNSCertType):
			ok = v.parseNSCert(e.Value)
		case e.Id.Equal(oidExtSKID):
			ok = v.parseSKID(e.Value)
		case e.Id.Equal(oidExtAKID):
			v.akid, ok = parseAKID(e.Value)
		case e.Id.Equal(oidExtSAN):
			v.san, ok = parseGeneralNamesExt(e.Value)
			v.hasSAN = ok
		case e.Id.Equal(oidExtNameConstraints):
			v.nc, ok = parseNameConstraints(e.Value)
		case e.Id.Equal(oidExtCRLDP):
			v.crldp, ok = parseCRLDP(e.Value, c.RawIssuer)
		case e.Id.Equal(oidExtProxyCertInfo):
			ok = v.parseProxy(e.Value)
		default:
			ok = true
		}
		if !ok {
			v.flags |= exInvalid
		}
		if e.Id.Equal(oidExtFreshestCRL) {
			v.flags |= exFreshest
		}
	}
	// OpenSSL stops at the first unsupported critical extension.
	for _, e := range c.Extensions {
		if e.Critical && !isSupportedCritical(e.Id) {
			v.flags |= exCritical
			break
		}
	}
	if v.flags&exProxy != 0 && (v.flags&exCA != 0 || v.hasSAN || hasExt(c, asn1.ObjectIdentifier{2, 5, 29, 18})) {
		v.flags |= exInvalid
	}
	if v.subj == v.iss {
		v.flags |= exSI
		if checkAKID(v, v.akid) && v.sigAlgMatches(v) {
			v.flags |= exSS
		}
	}
	return v
}

func hasExt(c *x509.Certificate, id asn1.ObjectIdentifier) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(id) {
			return true
		}
	}
	return false
}

func pubKeyKind(c *x509.Certificate) keyKind {
	if c.PublicKey == nil {
		return keyUnknown
	}
	switch c.PublicKeyAlgorithm {
	case x509.RSA:
		return keyRSA
	case x509.DSA:
		return keyDSA
	case x509.ECDSA:
		return keyEC
	case x509.Ed25519:
		return keyEd25519
	}
	return keyUnknown
}

func sigKeyKind(a x509.SignatureAlgorithm) (keyKind, bool) {
	switch a {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.SHA256WithRSA,
		x509.SHA384WithRSA, x509.SHA512WithRSA,
		x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
		return keyRSA, true
	case x509.DSAWithSHA1, x509.DSAWithSHA256:
		return keyDSA, true
	case x509.ECDSAWithSHA1, x509.ECDSAWithSHA256, x509.ECDSAWithSHA384, x509.ECDSAWithSHA512:
		return keyEC, true
	case x509.PureEd25519:
		return keyEd25519, true
	}
	return keyUnknown, false
}

// sigAlgMatches is check_sig_alg_match(issuer key, v): the algorithm that
// signed v belongs to the issuer's key type.
func (v *vcert) sigAlgMatches(issuer *vcert) bool {
	return issuer.pubKey != keyUnknown && v.sigOK && v.sigKey == issuer.pubKey
}

func (v *vcert) parseBC(der []byte) bool {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return false
	}
	ca := false
	if seq.PeekASN1Tag(cbasn1.BOOLEAN) && !seq.ReadASN1Boolean(&ca) {
		return false
	}
	if seq.PeekASN1Tag(cbasn1.INTEGER) {
		var n big.Int
		if !seq.ReadASN1Integer(&n) {
			return false
		}
		if n.Sign() < 0 {
			return false // X509V3_R_NEGATIVE_PATHLEN
		}
		if n.IsInt64() && n.Int64() < 1<<31 {
			v.pathlen = int(n.Int64())
		} else {
			v.pathlen = 1<<31 - 1
		}
	}
	if !seq.Empty() {
		return false
	}
	if ca {
		v.flags |= exCA
	}
	v.flags |= exBCons
	return true
}

// readBitStringBytes returns the bytes of a DER BIT STRING with unused bits
// cleared, as OpenSSL stores them.
func readBitStringBytes(s *cryptobyte.String) ([]byte, bool) {
	var bs asn1.BitString
	if !s.ReadASN1BitString(&bs) {
		return nil, false
	}
	return bs.Bytes, true
}

func (v *vcert) parseKU(der []byte) bool {
	in := cryptobyte.String(der)
	b, ok := readBitStringBytes(&in)
	if !ok || !in.Empty() {
		return false
	}
	v.flags |= exKUsage
	if len(b) > 0 {
		v.kusage = uint32(b[0])
		if len(b) > 1 {
			v.kusage |= uint32(b[1]) << 8
		}
	}
	// RFC 5280 4.2.1.3: an empty key usage makes the certificate invalid.
	return v.kusage != 0
}

func (v *vcert) parseEKU(der []byte) bool {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return false
	}
	v.flags |= exXKUsage
	for !seq.Empty() {
		var oid asn1.ObjectIdentifier
		if !seq.ReadASN1ObjectIdentifier(&oid) {
			return false
		}
		v.xkusage |= ekuBit(oid)
	}
	return true
}

func (v *vcert) parseNSCert(der []byte) bool {
	in := cryptobyte.String(der)
	b, ok := readBitStringBytes(&in)
	if !ok || !in.Empty() {
		return false
	}
	v.flags |= exNSCert
	if len(b) > 0 {
		v.nscert = b[0]
	}
	return true
}

func (v *vcert) parseSKID(der []byte) bool {
	in := cryptobyte.String(der)
	var id cryptobyte.String
	if !in.ReadASN1(&id, cbasn1.OCTET_STRING) || !in.Empty() {
		return false
	}
	v.skid = id
	return true
}

func (v *vcert) parseProxy(der []byte) bool {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return false
	}
	if seq.PeekASN1Tag(cbasn1.INTEGER) {
		var n int64
		if !seq.ReadASN1Int64WithTag(&n, cbasn1.INTEGER) {
			return false
		}
		v.pcpathlen = int(n)
	}
	v.flags |= exProxy
	return true
}

func parseAKID(der []byte) (*akidInfo, bool) {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, false
	}
	a := &akidInfo{}
	var id cryptobyte.String
	var present bool
	if !seq.ReadOptionalASN1(&id, &present, cbasn1.Tag(0).ContextSpecific()) {
		return nil, false
	}
	if present {
		a.keyID, a.hasKeyID = id, true
	}
	var gens cryptobyte.String
	if !seq.ReadOptionalASN1(&gens, &present, cbasn1.Tag(1).ContextSpecific().Constructed()) {
		return nil, false
	}
	if present {
		g, ok := parseGeneralNames(gens)
		if !ok {
			return nil, false
		}
		a.issuer = g
	}
	var serial cryptobyte.String
	if !seq.ReadOptionalASN1(&serial, &present, cbasn1.Tag(2).ContextSpecific()) {
		return nil, false
	}
	if present {
		a.serial, a.hasSerial = integerFromContents(serial), true
	}
	if !seq.Empty() {
		return nil, false
	}
	return a, true
}

// integerFromContents decodes two's-complement INTEGER contents.
func integerFromContents(b []byte) *big.Int {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(len(b)*8)))
	}
	return n
}

func parseGeneralNamesExt(der []byte) ([]gname, bool) {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, false
	}
	return parseGeneralNames(seq)
}

// parseGeneralNames reads the contents of a GeneralNames SEQUENCE.
func parseGeneralNames(s cryptobyte.String) ([]gname, bool) {
	var out []gname
	for !s.Empty() {
		g, ok := readGeneralName(&s)
		if !ok {
			return nil, false
		}
		out = append(out, g)
	}
	return out, true
}

func readGeneralName(s *cryptobyte.String) (gname, bool) {
	var val cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&val, &tag) {
		return gname{}, false
	}
	if tag&0xc0 != 0x80 { // must be context-specific
		return gname{}, false
	}
	g := gname{typ: int(tag & 0x1f), value: val}
	switch g.typ {
	case genDirName:
		var name cryptobyte.String
		if !val.ReadASN1Element(&name, cbasn1.SEQUENCE) || !val.Empty() {
			return gname{}, false
		}
		g.value = name
		g.canon = nameKey(name)
	case genOtherName:
		inner := val
		if !inner.ReadASN1ObjectIdentifier(&g.otherOID) {
			return gname{}, false
		}
		var v cryptobyte.String
		if !inner.ReadASN1(&v, cbasn1.Tag(0).ContextSpecific().Constructed()) {
			return gname{}, false
		}
		g.otherVal = v
	}
	return g, true
}

func parseNameConstraints(der []byte) (*nameConstraints, bool) {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, false
	}
	nc := &nameConstraints{}
	for i, dst := range []*[]subtree{&nc.permitted, &nc.excluded} {
		var trees cryptobyte.String
		var present bool
		if !seq.ReadOptionalASN1(&trees, &present, cbasn1.Tag(i).ContextSpecific().Constructed()) {
			return nil, false
		}
		for present && !trees.Empty() {
			var st cryptobyte.String
			if !trees.ReadASN1(&st, cbasn1.SEQUENCE) {
				return nil, false
			}
			base, ok := readGeneralName(&st)
			if !ok {
				return nil, false
			}
			t := subtree{base: base}
			var minimum cryptobyte.String
			var has bool
			if !st.ReadOptionalASN1(&minimum, &has, cbasn1.Tag(0).ContextSpecific()) {
				return nil, false
			}
			if has && integerFromContents(minimum).Sign() != 0 {
				t.minmax = true
			}
			if !st.Empty() { // maximum present
				t.minmax = true
			}
			*dst = append(*dst, t)
		}
	}
	if !seq.Empty() {
		return nil, false
	}
	return nc, true
}

// readDPName reads a DistributionPointName from the contents of its [0]
// wrapper; relative names are resolved against base (a DER Name).
func readDPName(s cryptobyte.String, base []byte) (*dpName, bool) {
	var val cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&val, &tag) || !s.Empty() {
		return nil, false
	}
	switch tag {
	case cbasn1.Tag(0).ContextSpecific().Constructed():
		g, ok := parseGeneralNames(val)
		return &dpName{full: g}, ok
	case cbasn1.Tag(1).ContextSpecific().Constructed():
		// nameRelativeToCRLIssuer: append this RDN to the issuer name.
		in := cryptobyte.String(base)
		var rdns cryptobyte.String
		if !in.ReadASN1(&rdns, cbasn1.SEQUENCE) {
			return nil, false
		}
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(rdns)
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(val) })
		})
		full, err := b.Bytes()
		if err != nil {
			return nil, false
		}
		return &dpName{relative: true, dirName: nameKey(full)}, true
	}
	return nil, false
}

func parseCRLDP(der []byte, issuer []byte) ([]distPoint, bool) {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, false
	}
	var out []distPoint
	for !seq.Empty() {
		var dps cryptobyte.String
		if !seq.ReadASN1(&dps, cbasn1.SEQUENCE) {
			return nil, false
		}
		var dp distPoint
		var name, reasons, crlIssuer cryptobyte.String
		var hasName, hasReasons, hasIssuer bool
		if !dps.ReadOptionalASN1(&name, &hasName, cbasn1.Tag(0).ContextSpecific().Constructed()) ||
			!dps.ReadOptionalASN1(&reasons, &hasReasons, cbasn1.Tag(1).ContextSpecific()) ||
			!dps.ReadOptionalASN1(&crlIssuer, &hasIssuer, cbasn1.Tag(2).ContextSpecific().Constructed()) ||
			!dps.Empty() {
			return nil, false
		}
		if hasIssuer {
			g, ok := parseGeneralNames(crlIssuer)
			if !ok {
				return nil, false
			}
			dp.crlIssuer = g
		}
		if !hasName && len(dp.crlIssuer) == 0 {
			return nil, false // X509_R_INVALID_DISTPOINT
		}
		dp.reasons = crlAllReasons
		if hasReasons {
			dp.reasons = reasonBits(reasons)
		}
		if hasName {
			base := issuer
			for _, g := range dp.crlIssuer {
				if g.typ == genDirName {
					base = g.value
					break
				}
			}
			n, ok := readDPName(name, base)
			if !ok {
				return nil, false
			}
			dp.name = n
		}
		out = append(out, dp)
	}
	return out, true
}

// reasonBits decodes the contents of an implicitly tagged ReasonFlags BIT
// STRING (unused-bits octet first) into OpenSSL's 16-bit form.
func reasonBits(contents []byte) uint32 {
	if len(contents) < 2 {
		return 0
	}
	b := append([]byte(nil), contents[1:]...)
	if pad := contents[0]; pad < 8 {
		b[len(b)-1] &= 0xff << pad
	}
	r := uint32(b[0])
	if len(b) > 1 {
		r |= uint32(b[1]) << 8
	}
	return r & crlAllReasons
}

// checkAKID is X509_check_akid(issuer, akid) == X509_V_OK.
func checkAKID(issuer *vcert, a *akidInfo) bool {
	if a == nil {
		return true
	}
	if a.hasKeyID && issuer.skid != nil && !bytes.Equal(a.keyID, issuer.skid) {
		return false
	}
	if a.hasSerial && a.serial.Cmp(issuer.c.SerialNumber) != 0 {
		return false
	}
	for _, g := range a.issuer {
		if g.typ == genDirName {
			return g.canon == issuer.iss
		}
	}
	return true
}

// likelyIssued is ossl_x509_likely_issued(issuer, subject) == X509_V_OK:
// names match, the subject's AKID fits the issuer, and the subject's
// signature algorithm belongs to the issuer's key type. The signature itself
// is not checked here (internal_verify does that later).
func likelyIssued(issuer, subject *vcert) bool {
	if issuer.subj != subject.iss {
		return false
	}
	if issuer.flags&exInvalid != 0 || subject.flags&exInvalid != 0 {
		return false
	}
	if !checkAKID(issuer, subject.akid) {
		return false
	}
	return subject.sigAlgMatches(issuer)
}

// selfSigned is X509_self_signed(cert, 0) > 0.
func (v *vcert) selfSigned() bool {
	return v.flags&exInvalid == 0 && v.flags&exSS != 0
}

// checkCA is X509_check_ca: 0 not a CA, 1 a CA, 3 V1 self-signed root, 4 key
// usage with keyCertSign but no basic constraints, 5 Netscape CA type.
func (v *vcert) checkCA() int {
	if v.flags&exInvalid != 0 {
		return 0
	}
	if v.kuReject(kuKeyCertSign) {
		return 0
	}
	if v.flags&exBCons != 0 {
		if v.flags&exCA != 0 {
			return 1
		}
		return 0
	}
	switch {
	case v.flags&(exV1|exSS) == exV1|exSS:
		return 3
	case v.flags&exKUsage != 0:
		return 4
	case v.flags&exNSCert != 0 && v.nscert&nsAnyCA != 0:
		return 5
	}
	return 0
}

func (v *vcert) kuReject(usage uint32) bool {
	return v.flags&exKUsage != 0 && v.kusage&usage == 0
}

func (v *vcert) xkuReject(usage uint32) bool {
	return v.flags&exXKUsage != 0 && v.xkusage&usage == 0
}

func (v *vcert) nsReject(usage byte) bool {
	return v.flags&exNSCert != 0 && v.nscert&usage == 0
}

// hasSANType is has_san_id.
func (v *vcert) hasSANType(typ int) bool {
	for _, g := range v.san {
		if g.typ == typ {
			return true
		}
	}
	return false
}
