package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"
)

// The Info types below are wsskit's stable description of what a file holds:
// `wsskit show --json` prints them, and their JSON field names are a
// documented interface (docs/show-json.md). Add fields; never rename one.

// KeyInfo describes a public or private key.
type KeyInfo struct {
	Type            string `json:"type"` // "ec:P-256", "rsa:2048", "ed25519"
	Bits            int    `json:"bits"` // modulus or curve size
	Curve           string `json:"curve,omitempty"`
	PublicKeySHA256 string `json:"public_key_sha256"` // hex SHA-256 of the SubjectPublicKeyInfo DER
	Private         bool   `json:"private"`
	Encrypted       bool   `json:"encrypted,omitempty"`
}

// DescribeKey describes a key (a crypto.Signer or a public key).
func DescribeKey(key any) KeyInfo {
	info := KeyInfo{Type: KeyTypeOf(key)}
	pub := key
	if s, ok := key.(crypto.Signer); ok {
		pub = s.Public()
		info.Private = true
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		info.Bits = k.N.BitLen()
	case *ecdsa.PublicKey:
		info.Bits = k.Curve.Params().BitSize
		info.Curve = k.Curve.Params().Name
	case ed25519.PublicKey:
		info.Bits = 256
		info.Curve = "Ed25519"
	}
	info.PublicKeySHA256, _ = PublicKeyFingerprint(pub)
	return info
}

// Validity describes a certificate's or CRL's time window relative to now.
type Validity struct {
	NotBefore   time.Time `json:"not_before"`
	NotAfter    time.Time `json:"not_after"`
	Days        int       `json:"days"`      // total length in whole days
	DaysLeft    int       `json:"days_left"` // negative once expired
	Expired     bool      `json:"expired"`
	NotYetValid bool      `json:"not_yet_valid"`
}

func describeValidity(nb, na, now time.Time) Validity {
	return Validity{
		NotBefore:   nb.UTC(),
		NotAfter:    na.UTC(),
		Days:        int(na.Sub(nb).Hours() / 24),
		DaysLeft:    int(math.Floor(na.Sub(now).Hours() / 24)),
		Expired:     now.After(na),
		NotYetValid: now.Before(nb),
	}
}

// SANInfo lists subjectAltNames by kind.
type SANInfo struct {
	DNS   []string `json:"dns,omitempty"`
	IP    []string `json:"ip,omitempty"`
	Email []string `json:"email,omitempty"`
	URI   []string `json:"uri,omitempty"`
}

func describeSANs(s *SANs) SANInfo {
	var out SANInfo
	out.DNS = s.DNS
	for _, ip := range s.IP {
		out.IP = append(out.IP, ip.String())
	}
	out.Email = s.Email
	for _, u := range s.URI {
		out.URI = append(out.URI, u.String())
	}
	return out
}

// CertInfo describes a certificate.
type CertInfo struct {
	Subject            string   `json:"subject"` // RFC 4514
	Issuer             string   `json:"issuer"`
	SubjectHash        string   `json:"subject_hash"` // openssl x509 -subject_hash
	SubjectHashOld     string   `json:"subject_hash_old"`
	IssuerHash         string   `json:"issuer_hash"`
	Serial             string   `json:"serial"` // hex, as openssl -serial prints it
	Version            int      `json:"version"`
	Validity           Validity `json:"validity"`
	SANs               SANInfo  `json:"sans"`
	Key                KeyInfo  `json:"key"`
	SignatureAlgorithm string   `json:"signature_algorithm"`
	KeyUsage           []string `json:"key_usage,omitempty"`
	ExtKeyUsage        []string `json:"ext_key_usage,omitempty"`
	IsCA               bool     `json:"is_ca"`
	// PathLen is the CA's path length constraint; nil means none.
	PathLen             *int     `json:"path_len,omitempty"`
	BasicConstraints    bool     `json:"basic_constraints"`
	SubjectKeyID        string   `json:"subject_key_id,omitempty"`
	AuthorityKeyID      string   `json:"authority_key_id,omitempty"`
	SelfSigned          bool     `json:"self_signed"`
	CRLDistribution     []string `json:"crl_distribution_points,omitempty"`
	OCSPServers         []string `json:"ocsp_servers,omitempty"`
	SHA1                string   `json:"sha1_fingerprint"`
	SHA256              string   `json:"sha256_fingerprint"`
	UnhandledCritical   []string `json:"unhandled_critical_extensions,omitempty"`
	PermittedDNSDomains []string `json:"permitted_dns_domains,omitempty"`
	ExcludedDNSDomains  []string `json:"excluded_dns_domains,omitempty"`
	MatchesKey          *bool    `json:"matches_key,omitempty"`    // set when the same input held a private key
	IssuedByNext        *bool    `json:"issued_by_next,omitempty"` // in a chain: signed by the following certificate
}

// Fingerprint formats a digest as OpenSSL does: upper-case hex pairs joined
// by colons.
func Fingerprint(sum []byte) string {
	h := strings.ToUpper(hex.EncodeToString(sum))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

func hexID(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return Fingerprint(b)
}

var keyUsageNames = []struct {
	bit  x509.KeyUsage
	name string
}{
	{x509.KeyUsageDigitalSignature, "digitalSignature"},
	{x509.KeyUsageContentCommitment, "nonRepudiation"},
	{x509.KeyUsageKeyEncipherment, "keyEncipherment"},
	{x509.KeyUsageDataEncipherment, "dataEncipherment"},
	{x509.KeyUsageKeyAgreement, "keyAgreement"},
	{x509.KeyUsageCertSign, "keyCertSign"},
	{x509.KeyUsageCRLSign, "cRLSign"},
	{x509.KeyUsageEncipherOnly, "encipherOnly"},
	{x509.KeyUsageDecipherOnly, "decipherOnly"},
}

// KeyUsageNames lists the RFC 5280 names of the bits set in ku.
func KeyUsageNames(ku x509.KeyUsage) []string {
	var out []string
	for _, k := range keyUsageNames {
		if ku&k.bit != 0 {
			out = append(out, k.name)
		}
	}
	return out
}

var extKeyUsageNames = map[x509.ExtKeyUsage]string{
	x509.ExtKeyUsageAny:                            "any",
	x509.ExtKeyUsageServerAuth:                     "serverAuth",
	x509.ExtKeyUsageClientAuth:                     "clientAuth",
	x509.ExtKeyUsageCodeSigning:                    "codeSigning",
	x509.ExtKeyUsageEmailProtection:                "emailProtection",
	x509.ExtKeyUsageIPSECEndSystem:                 "ipsecEndSystem",
	x509.ExtKeyUsageIPSECTunnel:                    "ipsecTunnel",
	x509.ExtKeyUsageIPSECUser:                      "ipsecUser",
	x509.ExtKeyUsageTimeStamping:                   "timeStamping",
	x509.ExtKeyUsageOCSPSigning:                    "OCSPSigning",
	x509.ExtKeyUsageMicrosoftServerGatedCrypto:     "msSGC",
	x509.ExtKeyUsageNetscapeServerGatedCrypto:      "nsSGC",
	x509.ExtKeyUsageMicrosoftCommercialCodeSigning: "msCodeCom",
	x509.ExtKeyUsageMicrosoftKernelCodeSigning:     "msKernelCode",
}

// ExtKeyUsageName names one extended key usage as RFC 5280 and OpenSSL's
// config do ("serverAuth", "clientAuth"...).
func ExtKeyUsageName(u x509.ExtKeyUsage) string {
	if n, ok := extKeyUsageNames[u]; ok {
		return n
	}
	return fmt.Sprintf("eku(%d)", u)
}

// ExtKeyUsageNames lists a certificate's extended key usages by name
// (unknown ones as dotted OIDs).
func ExtKeyUsageNames(c *x509.Certificate) []string {
	var out []string
	for _, u := range c.ExtKeyUsage {
		out = append(out, ExtKeyUsageName(u))
	}
	for _, oid := range c.UnknownExtKeyUsage {
		out = append(out, oid.String())
	}
	return out
}

// DescribeCert describes a certificate as of now.
func DescribeCert(c *x509.Certificate, now time.Time) CertInfo {
	s1 := sha1.Sum(c.Raw)
	s256 := sha256.Sum256(c.Raw)
	info := CertInfo{
		Subject:             c.Subject.String(),
		Issuer:              c.Issuer.String(),
		Serial:              strings.ToUpper(c.SerialNumber.Text(16)),
		Version:             c.Version,
		Validity:            describeValidity(c.NotBefore, c.NotAfter, now),
		SANs:                describeSANs(SANsOf(c)),
		Key:                 DescribeKey(c.PublicKey),
		SignatureAlgorithm:  c.SignatureAlgorithm.String(),
		KeyUsage:            KeyUsageNames(c.KeyUsage),
		ExtKeyUsage:         ExtKeyUsageNames(c),
		IsCA:                c.IsCA,
		BasicConstraints:    c.BasicConstraintsValid,
		SubjectKeyID:        hexID(c.SubjectKeyId),
		AuthorityKeyID:      hexID(c.AuthorityKeyId),
		SelfSigned:          IsSelfSigned(c),
		CRLDistribution:     c.CRLDistributionPoints,
		OCSPServers:         c.OCSPServer,
		SHA1:                Fingerprint(s1[:]),
		SHA256:              Fingerprint(s256[:]),
		PermittedDNSDomains: c.PermittedDNSDomains,
		ExcludedDNSDomains:  c.ExcludedDNSDomains,
	}
	if c.IsCA && (c.MaxPathLen > 0 || c.MaxPathLenZero) {
		n := c.MaxPathLen
		info.PathLen = &n
	}
	for _, oid := range c.UnhandledCriticalExtensions {
		info.UnhandledCritical = append(info.UnhandledCritical, oid.String())
	}
	if h, err := NameHash(c.RawSubject); err == nil {
		info.SubjectHash = fmt.Sprintf("%08x", h)
	}
	info.SubjectHashOld = fmt.Sprintf("%08x", NameHashOld(c.RawSubject))
	if h, err := NameHash(c.RawIssuer); err == nil {
		info.IssuerHash = fmt.Sprintf("%08x", h)
	}
	return info
}

// IsSelfSigned reports whether c's issuer is its subject and its signature
// verifies with its own key.
func IsSelfSigned(c *x509.Certificate) bool {
	if string(c.RawIssuer) != string(c.RawSubject) {
		return false
	}
	return c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// IssuedBy reports whether parent's key signed c (names and signature).
func IssuedBy(c, parent *x509.Certificate) bool {
	return string(c.RawIssuer) == string(parent.RawSubject) && c.CheckSignatureFrom(parent) == nil
}

// CSRInfo describes a certificate request.
type CSRInfo struct {
	Subject            string  `json:"subject"`
	SANs               SANInfo `json:"sans"`
	Key                KeyInfo `json:"key"`
	SignatureAlgorithm string  `json:"signature_algorithm"`
	SignatureValid     bool    `json:"signature_valid"`
	SignatureError     string  `json:"signature_error,omitempty"`
	MatchesKey         *bool   `json:"matches_key,omitempty"`
}

// DescribeCSR describes a certificate request, checking its signature.
func DescribeCSR(r *x509.CertificateRequest) CSRInfo {
	info := CSRInfo{
		Subject:            r.Subject.String(),
		SANs:               describeSANs(SANsOfCSR(r)),
		Key:                DescribeKey(r.PublicKey),
		SignatureAlgorithm: r.SignatureAlgorithm.String(),
	}
	if err := r.CheckSignature(); err != nil {
		info.SignatureError = err.Error()
	} else {
		info.SignatureValid = true
	}
	return info
}

// RevokedInfo is one CRL entry.
type RevokedInfo struct {
	Serial    string    `json:"serial"`
	RevokedAt time.Time `json:"revoked_at"`
	Reason    string    `json:"reason,omitempty"`
}

// CRLInfo describes a certificate revocation list.
type CRLInfo struct {
	Issuer             string        `json:"issuer"`
	IssuerHash         string        `json:"issuer_hash"` // openssl crl -hash
	Number             string        `json:"number,omitempty"`
	ThisUpdate         time.Time     `json:"this_update"`
	NextUpdate         time.Time     `json:"next_update,omitempty"`
	Expired            bool          `json:"expired"`
	SignatureAlgorithm string        `json:"signature_algorithm"`
	AuthorityKeyID     string        `json:"authority_key_id,omitempty"`
	Revoked            []RevokedInfo `json:"revoked"`
}

// CRL reason codes (RFC 5280 §5.3.1) by number.
var crlReasons = []string{"unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
	"cessationOfOperation", "certificateHold", "", "removeFromCRL", "privilegeWithdrawn", "aACompromise"}

// CRLReasonName names a CRL reason code.
func CRLReasonName(code int) string {
	if code >= 0 && code < len(crlReasons) && crlReasons[code] != "" {
		return crlReasons[code]
	}
	return fmt.Sprintf("reason(%d)", code)
}

// DescribeCRL describes a CRL as of now.
func DescribeCRL(l *x509.RevocationList, now time.Time) CRLInfo {
	info := CRLInfo{
		Issuer:             l.Issuer.String(),
		ThisUpdate:         l.ThisUpdate.UTC(),
		NextUpdate:         l.NextUpdate.UTC(),
		Expired:            !l.NextUpdate.IsZero() && now.After(l.NextUpdate),
		SignatureAlgorithm: l.SignatureAlgorithm.String(),
		AuthorityKeyID:     hexID(l.AuthorityKeyId),
		Revoked:            []RevokedInfo{},
	}
	if l.Number != nil {
		info.Number = strings.ToUpper(l.Number.Text(16))
	}
	if h, err := NameHash(l.RawIssuer); err == nil {
		info.IssuerHash = fmt.Sprintf("%08x", h)
	}
	for _, e := range l.RevokedCertificateEntries {
		ri := RevokedInfo{Serial: strings.ToUpper(e.SerialNumber.Text(16)), RevokedAt: e.RevocationTime.UTC()}
		if e.ReasonCode != 0 {
			ri.Reason = CRLReasonName(e.ReasonCode)
		}
		info.Revoked = append(info.Revoked, ri)
	}
	return info
}

// DHInfo describes DH parameters.
type DHInfo struct {
	Bits      int    `json:"bits"`
	Generator string `json:"generator"`
	// Group is the RFC 7919 group name ("ffdhe2048") when p and g are one.
	Group string `json:"group,omitempty"`
	// X942 is true for X9.42 parameters (with q).
	X942 bool `json:"x942"`
	// Check lists `openssl dhparam -check`'s complaints; empty when OK.
	Check []string `json:"check"`
	OK    bool     `json:"ok"`
}

// DescribeDH describes DH parameters and checks them as `openssl dhparam
// -check` does.
func DescribeDH(p *DHParams) DHInfo {
	info := DHInfo{Bits: p.Bits(), Generator: p.G.String(), Group: p.GroupName(), X942: p.Q != nil, Check: CheckDHParams(p)}
	if info.Check == nil {
		info.Check = []string{}
	}
	info.OK = len(info.Check) == 0
	return info
}
