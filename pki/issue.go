package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Profile is what a certificate is for.
type Profile string

// The profiles of `cert new --profile`.
const (
	ProfileCA           Profile = "ca"
	ProfileServer       Profile = "server"
	ProfileClient       Profile = "client"
	ProfileServerClient Profile = "server+client"
)

// ParseProfile parses "ca", "server", "client" or "server+client"
// ("client+server" and "both" are accepted too).
func ParseProfile(s string) (Profile, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "ca":
		return ProfileCA, nil
	case "server":
		return ProfileServer, nil
	case "client":
		return ProfileClient, nil
	case "server+client", "client+server", "both":
		return ProfileServerClient, nil
	}
	return "", fmt.Errorf("pki: unknown profile %q (want ca, server, client or server+client)", s)
}

// IsServer reports whether certificates of this profile authenticate TLS servers.
func (p Profile) IsServer() bool { return p == ProfileServer || p == ProfileServerClient }

// IsClient reports whether certificates of this profile authenticate TLS clients.
func (p Profile) IsClient() bool { return p == ProfileClient || p == ProfileServerClient }

// Default validity periods. 825 days is the longest validity macOS and iOS
// accept for a TLS server certificate issued after 2019-07-01 (Apple support
// article HT210176); a test PKI gains nothing from more, and lint warns past it.
const (
	DefaultCADays   = 3650
	DefaultLeafDays = 825
)

// backdate moves NotBefore into the past so that peers whose clocks run a
// little behind do not see a "not yet valid" certificate.
const backdate = 5 * time.Minute

// CertRequest describes a certificate to issue.
type CertRequest struct {
	// Subject is the DER of the subject Name (see ParseSubject).
	Subject []byte
	SANs    *SANs
	Profile Profile
	// PathLen limits the number of CAs below a CA certificate; negative
	// means no limit. Ignored for other profiles.
	PathLen int
	// NotBefore defaults to now minus five minutes; Days (default by
	// profile) counts from NotBefore.
	NotBefore time.Time
	Days      int
	// PublicKey is the key being certified.
	PublicKey crypto.PublicKey
	// Issuer and IssuerKey sign the certificate; both nil means self-signed
	// (IssuerKey must then be SelfKey).
	Issuer    *x509.Certificate
	IssuerKey crypto.Signer
	// SelfKey signs a self-signed certificate.
	SelfKey crypto.Signer
	// Rand is the randomness source for the serial and signature; nil means
	// crypto/rand.
	Rand io.Reader
}

// ErrServerNeedsSAN is returned when a server certificate would carry no
// subjectAltName: Go, Chrome, Firefox and Apple ignore the CN and reject it.
var ErrServerNeedsSAN = errors.New("pki: a server certificate needs at least one subjectAltName (give --san IP:... or --san DNS:...; clients ignore the CN)")

// RandomSerial returns a positive random 128-bit serial number, as CA/Browser
// Forum baseline requirements ask for at least 64 bits of entropy.
func RandomSerial(rnd io.Reader) (*big.Int, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	b := make([]byte, 16)
	if _, err := io.ReadFull(rnd, b); err != nil {
		return nil, fmt.Errorf("pki: reading randomness for a serial: %w", err)
	}
	b[0] &= 0x7f // positive in two's complement
	if b[0] == 0 {
		b[0] = 0x40 // keep all 16 bytes: some peers dislike short serials
	}
	return new(big.Int).SetBytes(b), nil
}

// SubjectKeyID computes the subjectKeyIdentifier as RFC 5280 §4.2.1.2 method
// 1 and OpenSSL do: SHA-1 of the subjectPublicKey BIT STRING contents.
func SubjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("pki: encoding public key: %w", err)
	}
	var s cryptobyte.String = spki
	var inner, algo cryptobyte.String
	var bits asn1.BitString
	if !s.ReadASN1(&inner, cbasn1.SEQUENCE) || !inner.ReadASN1(&algo, cbasn1.SEQUENCE) || !inner.ReadASN1BitString(&bits) {
		return nil, fmt.Errorf("pki: malformed SubjectPublicKeyInfo")
	}
	sum := sha1.Sum(bits.Bytes)
	return sum[:], nil
}

// keyUsageFor returns the key usage a leaf of this key type needs: every
// TLS key signs (digitalSignature); RSA keys may also be used for RSA key
// exchange in TLS 1.2 (keyEncipherment), which OpenSSL and older Windows
// clients check.
func keyUsageFor(pub crypto.PublicKey) x509.KeyUsage {
	ku := x509.KeyUsageDigitalSignature
	if _, ok := pub.(*rsa.PublicKey); ok {
		ku |= x509.KeyUsageKeyEncipherment
	}
	return ku
}

// Issue makes and signs a certificate and returns it parsed.
func Issue(r CertRequest) (*x509.Certificate, error) {
	if r.PublicKey == nil {
		return nil, errors.New("pki: no public key to certify")
	}
	rnd := r.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	sans := r.SANs
	if sans == nil {
		sans = &SANs{}
	}
	if r.Profile.IsServer() && sans.Empty() {
		return nil, ErrServerNeedsSAN
	}
	serial, err := RandomSerial(rnd)
	if err != nil {
		return nil, err
	}
	ski, err := SubjectKeyID(r.PublicKey)
	if err != nil {
		return nil, err
	}
	nb := r.NotBefore
	if nb.IsZero() {
		nb = time.Now().Add(-backdate).Truncate(time.Second)
	}
	days := r.Days
	if days <= 0 {
		days = DefaultLeafDays
		if r.Profile == ProfileCA {
			days = DefaultCADays
		}
	}
	subject := r.Subject
	if len(subject) == 0 {
		subject = []byte{0x30, 0x00}
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		RawSubject:            subject,
		NotBefore:             nb,
		NotAfter:              nb.Add(time.Duration(days) * 24 * time.Hour),
		DNSNames:              sans.DNS,
		IPAddresses:           sans.IP,
		EmailAddresses:        sans.Email,
		URIs:                  sans.URI,
		SubjectKeyId:          ski,
		BasicConstraintsValid: true,
	}
	switch r.Profile {
	case ProfileCA:
		tmpl.IsCA = true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
		if r.PathLen >= 0 {
			tmpl.MaxPathLen = r.PathLen
			tmpl.MaxPathLenZero = r.PathLen == 0
		} else {
			tmpl.MaxPathLen = -1
		}
	case ProfileServer, ProfileClient, ProfileServerClient:
		tmpl.KeyUsage = keyUsageFor(r.PublicKey)
		if r.Profile.IsServer() {
			tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
		}
		if r.Profile.IsClient() {
			tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
		}
	default:
		return nil, fmt.Errorf("pki: unknown profile %q", r.Profile)
	}
	parent, signer := r.Issuer, r.IssuerKey
	if parent == nil {
		if r.SelfKey == nil {
			return nil, errors.New("pki: a self-signed certificate needs its own private key")
		}
		if !publicKeysEqual(r.SelfKey.Public(), r.PublicKey) {
			return nil, &MismatchError{What: "self-signed certificate", Detail: "the signing key is not the certified key"}
		}
		parent, signer = tmpl, r.SelfKey
	} else {
		if signer == nil {
			return nil, errors.New("pki: no CA private key")
		}
		if !KeyMatches(signer, parent) {
			return nil, &MismatchError{What: "CA", Detail: "the CA private key does not belong to the CA certificate"}
		}
		if !parent.IsCA {
			return nil, fmt.Errorf("pki: the issuer %q is not a CA (basicConstraints CA:FALSE); OpenSSL rejects what it signs with verify error 79", parent.Subject)
		}
		if parent.KeyUsage != 0 && parent.KeyUsage&x509.KeyUsageCertSign == 0 {
			return nil, fmt.Errorf("pki: the issuer %q has no keyCertSign key usage; OpenSSL rejects what it signs with verify error 79", parent.Subject)
		}
	}
	der, err := x509.CreateCertificate(rnd, tmpl, parent, r.PublicKey, signer)
	if err != nil {
		return nil, fmt.Errorf("pki: signing certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// CreateCSR makes a PKCS#10 certificate request for key with the given
// subject DER and SANs.
func CreateCSR(key crypto.Signer, subject []byte, sans *SANs, rnd io.Reader) (*x509.CertificateRequest, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	if len(subject) == 0 {
		subject = []byte{0x30, 0x00}
	}
	tmpl := &x509.CertificateRequest{RawSubject: subject}
	if sans != nil {
		tmpl.DNSNames, tmpl.IPAddresses, tmpl.EmailAddresses, tmpl.URIs = sans.DNS, sans.IP, sans.Email, sans.URI
	}
	der, err := x509.CreateCertificateRequest(rnd, tmpl, key)
	if err != nil {
		return nil, fmt.Errorf("pki: creating CSR: %w", err)
	}
	return x509.ParseCertificateRequest(der)
}

// CSRError is returned when a CSR cannot be signed.
type CSRError struct {
	Reason string
	Err    error
}

func (e *CSRError) Error() string {
	if e.Err != nil {
		return "pki: CSR " + e.Reason + ": " + e.Err.Error()
	}
	return "pki: CSR " + e.Reason
}

func (e *CSRError) Unwrap() error { return e.Err }

// SignOptions controls SignCSR.
type SignOptions struct {
	Profile Profile
	Days    int
	// CopySANs copies the CSR's subjectAltNames; SANs adds more.
	CopySANs bool
	SANs     *SANs
	PathLen  int
	Rand     io.Reader
}

// SignCSR issues a certificate for a CSR the way `openssl ca -policy
// policy_anything` does: any subject is accepted and copied as it is. The
// CSR's signature is checked first. SANs are copied from the CSR only with
// CopySANs (as `copy_extensions = copy` would); other requested extensions
// are never copied, the profile decides them.
func SignCSR(csr *x509.CertificateRequest, ca *x509.Certificate, caKey crypto.Signer, o SignOptions) (*x509.Certificate, error) {
	if err := csr.CheckSignature(); err != nil {
		return nil, &CSRError{Reason: "signature does not verify (the request was altered or made with another key)", Err: err}
	}
	sans := &SANs{}
	if o.CopySANs {
		sans.DNS = append(sans.DNS, csr.DNSNames...)
		sans.IP = append(sans.IP, csr.IPAddresses...)
		sans.Email = append(sans.Email, csr.EmailAddresses...)
		sans.URI = append(sans.URI, csr.URIs...)
	}
	if o.SANs != nil {
		sans.DNS = append(sans.DNS, o.SANs.DNS...)
		sans.IP = append(sans.IP, o.SANs.IP...)
		sans.Email = append(sans.Email, o.SANs.Email...)
		sans.URI = append(sans.URI, o.SANs.URI...)
	}
	profile := o.Profile
	if profile == "" {
		profile = ProfileClient
	}
	return Issue(CertRequest{
		Subject:   csr.RawSubject,
		SANs:      sans,
		Profile:   profile,
		PathLen:   o.PathLen,
		Days:      o.Days,
		PublicKey: csr.PublicKey,
		Issuer:    ca,
		IssuerKey: caKey,
		Rand:      o.Rand,
	})
}

// MismatchError is returned when a key does not belong to a certificate or
// another pair of inputs that must match do not.
type MismatchError struct {
	What   string
	Detail string
}

func (e *MismatchError) Error() string {
	return "pki: " + e.What + ": " + e.Detail
}

// DefaultSANsFor guesses SANs from a CN for a server certificate given
// without --san: an IP address becomes an IP SAN, a host name a DNS SAN.
// It returns nil when the CN is neither.
func DefaultSANsFor(cn string) *SANs {
	cn = strings.TrimSpace(cn)
	if cn == "" {
		return nil
	}
	s := &SANs{}
	if ip := net.ParseIP(cn); ip != nil {
		if ip4 := ip.To4(); ip4 != nil {
			ip = ip4
		}
		s.IP = []net.IP{ip}
		return s
	}
	if checkDNSName(cn) != nil {
		return nil
	}
	s.DNS = []string{strings.ToLower(cn)}
	return s
}
