package pki

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PEMTypeCRL is the PEM block type of a certificate revocation list.
const PEMTypeCRL = "X509 CRL"

var (
	// ErrCRLIssuer means a CRL or a certificate to revoke was not issued by
	// the CA given.
	ErrCRLIssuer = errors.New("pki: not issued by this CA")
	// ErrCRLSerial means a serial number is missing, zero or negative.
	ErrCRLSerial = errors.New("pki: serial number to revoke must be positive")
	// ErrCRLReason means a revocation reason is unknown.
	ErrCRLReason = errors.New("pki: unknown CRL reason")
)

var oidKeyUsageExt = asn1.ObjectIdentifier{2, 5, 29, 15}

// crlSigner checks that ca may sign CRLs with caKey and returns the issuer
// certificate as crypto/x509 wants it.
//
// Two kinds of CA OpenSSL accepts but x509.CreateRevocationList refuses are
// let through: a CA certificate with no keyUsage extension at all (what
// `openssl req -x509` makes with the stock openssl.cnf; RFC 5280 puts no
// restriction on such a key and OpenSSL verifies its CRLs) and one with no
// subjectKeyIdentifier (the CRL's authorityKeyIdentifier then carries the
// RFC 5280 method-1 key ID, which OpenSSL only compares when the CA declares
// one). A keyUsage extension without cRLSign is an error: OpenSSL rejects
// such a CRL with verify error 35 ("key usage does not include CRL signing").
func crlSigner(ca *x509.Certificate, caKey crypto.Signer) (*x509.Certificate, error) {
	if ca == nil || caKey == nil {
		return nil, errors.New("pki: signing a CRL needs the CA certificate and its key")
	}
	if !KeyMatches(caKey, ca) {
		return nil, &MismatchError{What: "CA key", Detail: fmt.Sprintf("the key does not belong to the CA certificate %s", ca.Subject)}
	}
	if !ca.IsCA {
		return nil, fmt.Errorf("pki: %s is not a CA certificate (basicConstraints CA:TRUE is missing); OpenSSL would not accept CRLs it signs", ca.Subject)
	}
	issuer := *ca
	hasKU := slices.ContainsFunc(ca.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(oidKeyUsageExt) })
	if !hasKU {
		issuer.KeyUsage |= x509.KeyUsageCRLSign
	} else if ca.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return nil, fmt.Errorf("pki: the key usage of CA %s lacks cRLSign: OpenSSL rejects CRLs it signs (verify error 35, key usage does not include CRL signing)", ca.Subject)
	}
	if len(issuer.SubjectKeyId) == 0 {
		id, err := SubjectKeyID(ca.PublicKey)
		if err != nil {
			return nil, err
		}
		issuer.SubjectKeyId = id
	}
	return &issuer, nil
}

// NewCRL makes and signs a CRL (DER) for the CA: issuer = the CA's subject,
// authorityKeyIdentifier = its key ID, cRLNumber = number (1 when nil),
// thisUpdate as given (now when zero), nextUpdate = thisUpdate + validity,
// and one entry per revoked certificate with its reason code (ReasonCode 0,
// "unspecified", is written as no reasonCode extension, as RFC 5280 §5.3.1
// asks and `openssl ca -revoke` without -crl_reason does). Entries are
// sorted by serial number as `openssl ca -gencrl` sorts them. The signature
// algorithm follows the key (ECDSA with SHA-256/384, RSA PKCS#1 v1.5 with
// SHA-256, Ed25519).
func NewCRL(ca *x509.Certificate, caKey crypto.Signer, revoked []x509.RevocationListEntry, number *big.Int, thisUpdate time.Time, validity time.Duration) ([]byte, error) {
	issuer, err := crlSigner(ca, caKey)
	if err != nil {
		return nil, err
	}
	if validity <= 0 {
		return nil, fmt.Errorf("pki: CRL validity must be positive, got %v", validity)
	}
	if number == nil {
		number = big.NewInt(1)
	}
	if number.Sign() < 0 {
		return nil, fmt.Errorf("pki: CRL number must not be negative, got %v", number)
	}
	if thisUpdate.IsZero() {
		thisUpdate = time.Now()
	}
	entries := make([]x509.RevocationListEntry, 0, len(revoked))
	seen := map[string]bool{}
	for _, e := range revoked {
		if e.SerialNumber == nil || e.SerialNumber.Sign() <= 0 {
			return nil, fmt.Errorf("%w: got %v", ErrCRLSerial, e.SerialNumber)
		}
		if err := checkReasonCode(e.ReasonCode); err != nil {
			return nil, err
		}
		key := e.SerialNumber.String()
		if seen[key] {
			return nil, fmt.Errorf("pki: serial %s is listed twice", crlSerialHex(e.SerialNumber))
		}
		seen[key] = true
		if e.RevocationTime.IsZero() {
			e.RevocationTime = thisUpdate
		}
		// Only serial, time and reason are kept: stale raw bytes or
		// extensions from a parsed CRL would be copied blindly.
		entries = append(entries, x509.RevocationListEntry{
			SerialNumber:   e.SerialNumber,
			RevocationTime: e.RevocationTime.UTC().Truncate(time.Second),
			ReasonCode:     e.ReasonCode,
		})
	}
	slices.SortFunc(entries, func(a, b x509.RevocationListEntry) int { return a.SerialNumber.Cmp(b.SerialNumber) })
	tmpl := &x509.RevocationList{
		RevokedCertificateEntries: entries,
		Number:                    number,
		ThisUpdate:                thisUpdate.UTC().Truncate(time.Second),
		NextUpdate:                thisUpdate.Add(validity).UTC().Truncate(time.Second),
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, issuer, caKey)
	if err != nil {
		return nil, fmt.Errorf("pki: signing CRL for %s: %w", ca.Subject, err)
	}
	return der, nil
}

// ParseCRL reads one CRL from PEM ("X509 CRL"; other blocks are skipped) or
// DER.
func ParseCRL(data []byte) (*x509.RevocationList, error) {
	der := data
	if block, rest := pem.Decode(data); block != nil {
		for block != nil && block.Type != PEMTypeCRL {
			block, rest = pem.Decode(rest)
		}
		if block == nil {
			return nil, errors.New("pki: no X509 CRL PEM block found")
		}
		der = block.Bytes
	}
	l, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("pki: parsing CRL: %w", err)
	}
	return l, nil
}

// EncodeCRLPEM wraps CRL DER in an "X509 CRL" PEM block.
func EncodeCRLPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: PEMTypeCRL, Bytes: der})
}

// RevokeInCRL returns a new CRL signed by the CA: the entries of crlDER plus
// one for each serial not already on it (revoked at `at` with reason; a
// serial already revoked keeps its original time and reason, so revoking
// twice changes nothing but the CRL's own dates and number). The cRLNumber
// becomes the old one plus one, thisUpdate becomes at (now when zero) and
// the validity period (nextUpdate - thisUpdate) is kept. crlDER must have
// been issued by ca: its issuer name must equal ca's subject and its
// signature must verify with ca's key (ErrCRLIssuer otherwise).
func RevokeInCRL(crlDER []byte, ca *x509.Certificate, caKey crypto.Signer, serials []*big.Int, reason int, at time.Time) ([]byte, error) {
	old, err := x509.ParseRevocationList(crlDER)
	if err != nil {
		return nil, fmt.Errorf("pki: parsing CRL: %w", err)
	}
	if !bytes.Equal(old.RawIssuer, ca.RawSubject) {
		return nil, fmt.Errorf("%w: the CRL's issuer is %s, the CA is %s", ErrCRLIssuer, old.Issuer, ca.Subject)
	}
	if err := old.CheckSignatureFrom(crlSignatureChecker(ca)); err != nil {
		return nil, fmt.Errorf("%w: the CRL's signature does not verify with the key of %s: %w", ErrCRLIssuer, ca.Subject, err)
	}
	if err := checkReasonCode(reason); err != nil {
		return nil, err
	}
	if at.IsZero() {
		at = time.Now()
	}
	validity := old.NextUpdate.Sub(old.ThisUpdate)
	if old.NextUpdate.IsZero() || validity <= 0 {
		validity = 30 * 24 * time.Hour // OpenSSL's default_crl_days
	}
	entries := make([]x509.RevocationListEntry, 0, len(old.RevokedCertificateEntries)+len(serials))
	seen := map[string]bool{}
	for _, e := range old.RevokedCertificateEntries {
		if seen[e.SerialNumber.String()] {
			continue
		}
		seen[e.SerialNumber.String()] = true
		entries = append(entries, e)
	}
	for _, s := range serials {
		if s == nil || s.Sign() <= 0 {
			return nil, fmt.Errorf("%w: got %v", ErrCRLSerial, s)
		}
		if seen[s.String()] {
			continue
		}
		seen[s.String()] = true
		entries = append(entries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: at, ReasonCode: reason})
	}
	number := big.NewInt(1)
	if old.Number != nil {
		number.Add(old.Number, number)
	}
	return NewCRL(ca, caKey, entries, number, at, validity)
}

// RevokeCertsInCRL is RevokeInCRL for certificates: each must have been
// issued by ca (see CheckIssuedBy), since a CRL can only revoke its own CA's
// certificates.
func RevokeCertsInCRL(crlDER []byte, ca *x509.Certificate, caKey crypto.Signer, certs []*x509.Certificate, reason int, at time.Time) ([]byte, error) {
	serials := make([]*big.Int, 0, len(certs))
	for _, c := range certs {
		if err := CheckIssuedBy(c, ca); err != nil {
			return nil, err
		}
		serials = append(serials, c.SerialNumber)
	}
	return RevokeInCRL(crlDER, ca, caKey, serials, reason, at)
}

// CheckIssuedBy returns an ErrCRLIssuer error unless cert names ca's subject
// as its issuer and its signature verifies with ca's key.
func CheckIssuedBy(cert, ca *x509.Certificate) error {
	if !bytes.Equal(cert.RawIssuer, ca.RawSubject) {
		return fmt.Errorf("%w: certificate %s (serial %s) was issued by %s, not %s", ErrCRLIssuer, cert.Subject, crlSerialHex(cert.SerialNumber), cert.Issuer, ca.Subject)
	}
	if err := cert.CheckSignatureFrom(crlSignatureChecker(ca)); err != nil {
		return fmt.Errorf("%w: certificate %s (serial %s) is not signed by the key of %s: %w", ErrCRLIssuer, cert.Subject, crlSerialHex(cert.SerialNumber), ca.Subject, err)
	}
	return nil
}

// crlSignatureChecker returns ca with the cRLSign/keyCertSign usage and CA
// flag Go's CheckSignatureFrom demands when the CA has no keyUsage extension
// (see crlSigner).
func crlSignatureChecker(ca *x509.Certificate) *x509.Certificate {
	if slices.ContainsFunc(ca.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(oidKeyUsageExt) }) {
		return ca
	}
	c := *ca
	c.KeyUsage |= x509.KeyUsageCRLSign | x509.KeyUsageCertSign
	return &c
}

// CRL reason codes by name (RFC 5280 §5.3.1), including the spellings
// `openssl ca -crl_reason` takes.
var reasonByName = map[string]int{
	"unspecified":          0,
	"keycompromise":        1,
	"cacompromise":         2,
	"affiliationchanged":   3,
	"superseded":           4,
	"cessationofoperation": 5,
	"certificatehold":      6,
	"removefromcrl":        8,
	"privilegewithdrawn":   9,
	"aacompromise":         10,
}

// ParseReason reads a CRL reason: a name as `openssl ca -crl_reason` takes
// it (keyCompromise, CACompromise, affiliationChanged, superseded,
// cessationOfOperation, certificateHold, removeFromCRL, plus
// privilegeWithdrawn and aACompromise), case-insensitive and ignoring
// '-', '_' and spaces, or its RFC 5280 number (0-10 except 7). "" means
// unspecified (0).
func ParseReason(s string) (int, error) {
	trimmed := strings.TrimSpace(s)
	if trimmed == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(trimmed); err == nil {
		if err := checkReasonCode(n); err != nil {
			return 0, err
		}
		return n, nil
	}
	key := strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(trimmed))
	if n, ok := reasonByName[key]; ok {
		return n, nil
	}
	return 0, fmt.Errorf("%w %q (known: unspecified, keyCompromise, CACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, removeFromCRL, privilegeWithdrawn, aACompromise)", ErrCRLReason, s)
}

func checkReasonCode(n int) error {
	if n < 0 || n > 10 || n == 7 {
		return fmt.Errorf("%w: code %d (RFC 5280 defines 0-6 and 8-10)", ErrCRLReason, n)
	}
	return nil
}

// serialHex formats a serial number as OpenSSL prints it (upper-case hex).
func crlSerialHex(n *big.Int) string {
	if n == nil {
		return "<nil>"
	}
	return strings.ToUpper(n.Text(16))
}
