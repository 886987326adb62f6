package pki

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"
)

// Severity ranks a lint finding.
type Severity int

// Severities, least severe first.
const (
	// SeverityInfo is advice: nothing refuses the certificate for it.
	SeverityInfo Severity = iota
	// SeverityWarning means trouble in some configurations or with some
	// clients, or a rule that public CAs must follow.
	SeverityWarning
	// SeverityError means at least one of the named platforms refuses the
	// certificate in its default configuration.
	SeverityError
)

// String returns "info", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// MarshalText encodes the severity as its String form (for JSON).
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads "info", "warning" or "error".
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "info":
		*s = SeverityInfo
	case "warning":
		*s = SeverityWarning
	case "error":
		*s = SeverityError
	default:
		return fmt.Errorf("pki: unknown severity %q", b)
	}
	return nil
}

// Platform names used in Finding.Platforms.
const (
	PlatformGo      = "Go"
	PlatformChrome  = "Chrome"
	PlatformFirefox = "Firefox"
	PlatformApple   = "macOS/iOS"
	PlatformJava    = "Java"
	PlatformDotNet  = ".NET"
	PlatformOpenSSL = "OpenSSL"
)

// LintPlatforms lists every platform a Finding may name, in display order.
var LintPlatforms = []string{PlatformGo, PlatformChrome, PlatformFirefox, PlatformApple, PlatformJava, PlatformDotNet, PlatformOpenSSL}

// Finding is one lint result.
//
// ID is stable snake_case (never renamed; see LintIDs). Platforms names the
// clients the finding is about: for an error, those that refuse the
// certificate. Message states the facts, naming the values found in the
// certificate and what each platform does with them; Fix says how to make a
// better certificate, with a wsskit command where one exists.
type Finding struct {
	ID        string   `json:"id"`
	Severity  Severity `json:"severity"`
	Platforms []string `json:"platforms"`
	Message   string   `json:"message"`
	Fix       string   `json:"fix"`
}

// Lint purposes.
const (
	PurposeServer       = "server"
	PurposeClient       = "client"
	PurposeServerClient = "server+client"
	PurposeCA           = "ca"
)

// ErrLintPurpose reports a purpose Lint does not know.
var ErrLintPurpose = errors.New(`pki: lint purpose must be "server", "client" or "ca"`)

// LintOptions tunes Lint.
type LintOptions struct {
	// Purpose is "server", "client", "ca", or "" to guess it from the
	// certificate (see LintPurpose).
	Purpose string
	// Now is the time validity is judged at; zero means time.Now().
	Now time.Time
}

// LintPurpose returns the purpose Lint checks cert for: the one given
// ("server", "client" or "ca"), or, when purpose is "", a guess: the
// extendedKeyUsage decides (serverAuth → "server", clientAuth → "client",
// both → "server+client"); without a usable EKU, a certificate naming a host
// or IP address (in its SANs or CN) is a "server" — even a CA:TRUE one, as the
// classic cheat sheet's self-signed server certificate is — any other CA
// certificate a "ca", anything else a "client".
func LintPurpose(cert *x509.Certificate, purpose string) (string, error) {
	switch purpose {
	case PurposeServer, PurposeClient, PurposeCA, PurposeServerClient:
		return purpose, nil
	case "":
	default:
		return "", fmt.Errorf("%w, got %q", ErrLintPurpose, purpose)
	}
	server := slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	client := slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	switch {
	case server && client:
		return PurposeServerClient, nil
	case server:
		return PurposeServer, nil
	case client:
		return PurposeClient, nil
	}
	names := len(cert.DNSNames)+len(cert.IPAddresses) > 0
	// A CA certificate named after a host or IP address is the classic cheat
	// sheet's self-signed server certificate (openssl req -x509 marks it
	// CA:TRUE); judge it as the server certificate it is used as.
	if cert.IsCA && !names && len(cert.ExtKeyUsage) == 0 && !lintHostLike(cert.Subject.CommonName) {
		return PurposeCA, nil
	}
	if names || lintHostLike(cert.Subject.CommonName) {
		return PurposeServer, nil
	}
	return PurposeClient, nil
}

// Apple's rules (HT210176) apply to TLS server certificates whose notBefore is
// on or after this date.
var appleRulesFrom = time.Date(2019, 7, 1, 0, 0, 0, 0, time.UTC)

const (
	lintDay        = 24 * time.Hour
	appleMaxDays   = 825
	publicMaxDays  = 398
	expiresSoonFor = 30 * lintDay
)

var lintAllPlatforms = LintPlatforms

// linter collects findings for one certificate.
type linter struct {
	cert    *x509.Certificate
	chain   []*x509.Certificate
	now     time.Time
	server  bool
	client  bool
	ca      bool
	private bool // issued by a CA visible in chain (or self-signed): a private PKI
	out     []Finding
}

func (l *linter) add(id string, sev Severity, platforms []string, fix string, format string, args ...any) {
	if slices.ContainsFunc(l.out, func(f Finding) bool { return f.ID == id }) {
		return
	}
	if platforms == nil {
		platforms = []string{}
	}
	l.out = append(l.out, Finding{ID: id, Severity: sev, Platforms: platforms, Message: fmt.Sprintf(format, args...), Fix: fix})
}

// Lint checks a certificate the way the client platforms (Go, Chrome,
// Firefox, macOS/iOS, Java, .NET, OpenSSL) will judge it for its purpose and
// returns what each would say, most severe first. chain holds the issuing
// CAs, nearest first (it may be empty); they are checked for validity, CA
// flags, key usage, key size and signature algorithm. Lint never fails: a
// certificate with nothing to report gives an empty, non-nil slice.
func Lint(cert *x509.Certificate, chain []*x509.Certificate, opts LintOptions) []Finding {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	purpose, err := LintPurpose(cert, opts.Purpose)
	if err != nil {
		purpose, _ = LintPurpose(cert, "")
	}
	l := &linter{
		cert: cert, chain: chain, now: now,
		server: purpose == PurposeServer || purpose == PurposeServerClient,
		client: purpose == PurposeClient || purpose == PurposeServerClient,
		ca:     purpose == PurposeCA,
		out:    []Finding{},
	}
	l.private = lintSelfSigned(cert) || len(chain) > 0 && lintSelfSigned(chain[len(chain)-1])
	l.validity()
	if l.server {
		l.names()
		l.serverValidity()
		l.caLeaf()
	}
	if l.server || l.client {
		l.eku()
		l.keyUsage()
	}
	if l.ca {
		l.caCert()
	}
	l.key()
	l.signature()
	l.keyIDs()
	l.serial()
	l.issuers()
	slices.SortStableFunc(l.out, func(a, b Finding) int { return int(b.Severity) - int(a.Severity) })
	return l.out
}

// selfSigned reports whether c is self-issued and signed by its own key; a
// signature Go refuses to check for its weak algorithm still counts, so that
// SHA-1 roots are recognised.
func lintSelfSigned(c *x509.Certificate) bool {
	if !bytes.Equal(c.RawIssuer, c.RawSubject) {
		return false
	}
	return lintSignedBy(c, c)
}

// signedBy reports whether parent's key made c's signature; an algorithm Go
// refuses as insecure counts as a match (the lint reports it separately).
func lintSignedBy(c, parent *x509.Certificate) bool {
	err := parent.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature)
	var insecure x509.InsecureAlgorithmError
	return err == nil || errors.As(err, &insecure)
}

// hostLike reports whether a CN looks like a host name or an IP address.
func lintHostLike(s string) bool {
	if net.ParseIP(s) != nil {
		return true
	}
	if s == "localhost" {
		return true
	}
	if !strings.Contains(s, ".") || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '*') {
			return false
		}
	}
	return true
}

// LintIDs lists every Finding ID Lint can return, for documentation and
// tests. IDs are never renamed.
var LintIDs = []string{
	"expired", "not_yet_valid", "expires_soon",
	"no_san", "cn_only", "ip_in_dns_san", "duplicate_san",
	"wildcard_not_leftmost", "wildcard_partial", "wildcard_too_broad", "wildcard_bare_domain",
	"validity_over_825_days", "validity_over_398_days",
	"ca_leaf", "eku_any_only", "eku_wrong", "eku_missing",
	"ku_not_critical", "ku_no_tls_usage", "ku_no_digital_signature", "ku_no_key_encipherment",
	"ca_not_ca", "ca_no_cert_sign",
	"rsa_key_weak", "rsa_key_small", "ed25519_server",
	"weak_signature", "no_subject_key_id", "no_authority_key_id",
	"serial_negative", "serial_zero", "serial_too_long", "serial_low_entropy",
	"chain_mismatch", "issuer_expired", "issuer_not_yet_valid", "issuer_not_ca", "issuer_no_cert_sign",
	"issuer_rsa_key_small", "issuer_weak_signature",
}
