package probe

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"strings"
	"time"

	"github.com/wsskit/wsskit/pki"
)

// CertInfo is the summary of one certificate shown in reports.
type CertInfo struct {
	// Subject and Issuer in RFC 4514 form.
	Subject string `json:"subject"`
	Issuer  string `json:"issuer"`
	// SANs as "DNS:name", "IP:addr", "email:x", "URI:x".
	SANs      []string  `json:"sans,omitempty"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	// Key is the public key, e.g. "ECDSA P-256", "RSA 2048", "Ed25519".
	Key string `json:"key"`
	// ExtKeyUsage lists the extended key usages ("serverAuth", "clientAuth").
	ExtKeyUsage []string `json:"ext_key_usage,omitempty"`
	IsCA        bool     `json:"is_ca"`
	// PathLen is a CA's path length constraint; nil means none.
	PathLen *int `json:"path_len,omitempty"`
	// SelfSigned is true when issuer and subject are equal and the
	// certificate's own key verifies its signature.
	SelfSigned bool `json:"self_signed"`
	// SHA256 is the fingerprint of the DER.
	SHA256 string `json:"sha256"`
}

// Describe summarises a certificate. It returns nil for nil.
func Describe(c *x509.Certificate) *CertInfo {
	if c == nil {
		return nil
	}
	sum := sha256.Sum256(c.Raw)
	ci := &CertInfo{
		Subject:    c.Subject.String(),
		Issuer:     c.Issuer.String(),
		SANs:       pki.SANsOf(c).List(),
		NotBefore:  c.NotBefore.UTC(),
		NotAfter:   c.NotAfter.UTC(),
		Key:        keyDescription(c.PublicKey),
		IsCA:       c.IsCA,
		SelfSigned: pki.IsSelfSigned(c),
		SHA256:     hex.EncodeToString(sum[:]),
	}
	if c.IsCA && (c.MaxPathLen > 0 || c.MaxPathLenZero) {
		n := c.MaxPathLen
		ci.PathLen = &n
	}
	for _, u := range c.ExtKeyUsage {
		ci.ExtKeyUsage = append(ci.ExtKeyUsage, pki.ExtKeyUsageName(u))
	}
	for _, oid := range c.UnknownExtKeyUsage {
		ci.ExtKeyUsage = append(ci.ExtKeyUsage, oid.String())
	}
	return ci
}

func keyDescription(pub any) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case *rsa.PublicKey:
		return "RSA " + itoa(k.N.BitLen())
	case ed25519.PublicKey:
		return "Ed25519"
	case nil:
		return "unknown"
	}
	return "unsupported key type"
}

// hasEKU reports whether the certificate may be used for want: no EKU
// extension at all, "any", or want itself.
func hasEKU(c *x509.Certificate, want x509.ExtKeyUsage) bool {
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return true
	}
	for _, u := range c.ExtKeyUsage {
		if u == want || u == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}

// nameFromDER renders a DER-encoded distinguished name (as listed in a
// CertificateRequest) in RFC 4514 form, or as hex when it does not parse.
func nameFromDER(der []byte) string {
	var rdn pkix.RDNSequence
	if rest, err := asn1Unmarshal(der, &rdn); err != nil || len(rest) != 0 {
		return "(unparsable name " + hex.EncodeToString(der) + ")"
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdn)
	return n.String()
}

// joinOr lists items as "a, b or c"; empty gives "none".
func joinOr(items []string, word string) string {
	switch len(items) {
	case 0:
		return "none"
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + word + " " + items[len(items)-1]
}

func asn1Unmarshal(der []byte, v any) ([]byte, error) { return asn1.Unmarshal(der, v) }
