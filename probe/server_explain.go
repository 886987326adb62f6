package probe

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"syscall"
	"time"

	"github.com/wsskit/wsskit/pki"
)

// ClientHello is what a client offered, as logged by the servers.
type ClientHello struct {
	// ServerName is the SNI; empty when the client sent none (IP literal).
	ServerName       string   `json:"server_name"`
	Versions         []string `json:"versions"`
	CipherSuites     []string `json:"cipher_suites"`
	Groups           []string `json:"groups"`
	ALPN             []string `json:"alpn,omitempty"`
	SignatureSchemes []string `json:"signature_schemes"`
}

// NewClientHello summarises a tls.ClientHelloInfo (nil gives nil).
func NewClientHello(h *tls.ClientHelloInfo) *ClientHello {
	if h == nil {
		return nil
	}
	ch := &ClientHello{ServerName: h.ServerName, ALPN: h.SupportedProtos}
	for _, v := range DropGREASE(h.SupportedVersions) {
		ch.Versions = append(ch.Versions, VersionName(v))
	}
	for _, c := range DropGREASE(h.CipherSuites) {
		ch.CipherSuites = append(ch.CipherSuites, SuiteName(c))
	}
	for _, g := range DropGREASE(h.SupportedCurves) {
		ch.Groups = append(ch.Groups, g.String())
	}
	for _, s := range h.SignatureSchemes {
		ch.SignatureSchemes = append(ch.SignatureSchemes, s.String())
	}
	return ch
}

// isGREASE reports the reserved values 0x0A0A, 0x1A1A ... 0xFAFA that
// clients such as Chromium sprinkle into versions, suites, groups and
// extensions to keep servers tolerant (RFC 8701); they mean nothing.
func isGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

// DropGREASE returns vs without GREASE values.
func DropGREASE[T ~uint16](vs []T) []T {
	out := make([]T, 0, len(vs))
	for _, v := range vs {
		if !isGREASE(uint16(v)) {
			out = append(out, v)
		}
	}
	return out
}

// ServerSide is what a server knows about itself when it explains a failed
// handshake.
type ServerSide struct {
	// Certificate is the server's leaf certificate (nil if unknown).
	Certificate *x509.Certificate
	// AcceptableCAs are the CA names it lists in its CertificateRequest
	// (ClientCAs.Subjects() rendered; see AcceptableCANames).
	AcceptableCAs []string
	// MinVersion, MaxVersion and CipherSuites are its TLS settings (zero:
	// Go's defaults).
	MinVersion, MaxVersion uint16
	CipherSuites           []uint16
	// ClientChain is the client's chain when it is known from elsewhere
	// (e.g. a VerifyPeerCertificate hook); a *tls.CertificateVerificationError
	// carries it too.
	ClientChain []*x509.Certificate
	// Now is the clock for validity checks (zero: time.Now()).
	Now time.Time
	// ChainLen is how many certificates this server sends (leaf first;
	// 0: unknown). 1 with a leaf that is not self-signed means it sends
	// no intermediate.
	ChainLen int
	// ReceivedAlert is an alert from the client seen on the wire (a
	// Tracer's LastAlert) when err does not carry it: a TLS 1.3 client
	// that rejects the server's certificate may send it in plaintext, which
	// Go reports only as "bad record MAC".
	ReceivedAlert *Alert
}

// AcceptableCANames renders a pool's subjects as the names a Go server
// lists in its CertificateRequest.
func AcceptableCANames(pool *x509.CertPool) []string {
	if pool == nil {
		return nil
	}
	var names []string
	//lint:ignore SA1019 Subjects is deprecated only for the system pool; ClientCAs is never one.
	for _, der := range pool.Subjects() {
		names = append(names, nameFromDER(der))
	}
	return names
}

// RevokedError is returned by CheckRevocation for a revoked certificate.
type RevokedError struct {
	Subject   string
	Serial    *big.Int
	RevokedAt time.Time
}

// Error names the certificate and when it was revoked.
func (e *RevokedError) Error() string {
	return fmt.Sprintf("probe: certificate %q (serial %s) was revoked on %s", e.Subject, e.Serial.Text(16), ts(e.RevokedAt))
}

// CheckRevocation returns a *RevokedError when the leaf of chain is listed
// in one of the CRLs whose issuer is the leaf's issuer and whose signature
// that issuer (the next certificate of the chain) made. A CRL that does not
// apply is ignored.
func CheckRevocation(chain []*x509.Certificate, crls []*x509.RevocationList) error {
	if len(chain) == 0 {
		return nil
	}
	leaf := chain[0]
	for _, crl := range crls {
		if crl == nil || !equalBytes(crl.RawIssuer, leaf.RawIssuer) {
			continue
		}
		if len(chain) > 1 && crl.CheckSignatureFrom(chain[1]) != nil {
			continue
		}
		for _, r := range crl.RevokedCertificateEntries {
			if r.SerialNumber != nil && r.SerialNumber.Cmp(leaf.SerialNumber) == 0 {
				return &RevokedError{Subject: leaf.Subject.String(), Serial: leaf.SerialNumber, RevokedAt: r.RevocationTime}
			}
		}
	}
	return nil
}

func equalBytes(a, b []byte) bool { return string(a) == string(b) }

// ExplainServerHandshake gives the server's view of a failed handshake and
// the likely reason on the client's side. err is the error of the server's
// Handshake; hello is what the client offered (nil if the ClientHello never
// arrived); cs is the connection state after the failure (may be nil);
// clientAuth is the server's client-certificate policy. It never returns nil.
func ExplainServerHandshake(err error, hello *tls.ClientHelloInfo, cs *tls.ConnectionState, clientAuth tls.ClientAuthType, side ServerSide) *Failure {
	f := Facts{Side: "server", AcceptableCAs: side.AcceptableCAs, Now: side.Now}
	if f.Now.IsZero() {
		f.Now = time.Now()
	}
	f.ServerCert = Describe(side.Certificate)
	f.ServerChainLen = side.ChainLen
	if hello != nil {
		f.ServerName = hello.ServerName
		ch := NewClientHello(hello)
		f.OfferedVersions = trimTLS(ch.Versions)
		f.OfferedCiphers, f.OfferedGoSuites = offeredSuites(hello.CipherSuites)
	}
	f.ServerVersions = versionRange(side.MinVersion, side.MaxVersion)
	for _, c := range side.CipherSuites {
		f.ServerCiphers = append(f.ServerCiphers, tls.CipherSuiteName(c))
	}
	if len(f.ServerCiphers) == 0 {
		f.ServerCiphers = []string{"Go's defaults"}
	}
	if err == nil {
		return newFailure(CauseTLSUnexplained, StageTLS, "no error", nil, f)
	}
	raw := err.Error()
	chain := side.ClientChain
	var cve *tls.CertificateVerificationError
	if errors.As(err, &cve) && len(cve.UnverifiedCertificates) > 0 {
		chain = cve.UnverifiedCertificates
	}
	if len(chain) == 0 && cs != nil {
		chain = cs.PeerCertificates
	}
	if len(chain) > 0 {
		f.ClientCert = Describe(chain[0])
		f.ClientCertSent = true
	}
	if f.ServerCert == nil && cs != nil && len(cs.PeerCertificates) == 0 {
		// Our own certificate is not in the state; leave it unknown.
		f.ServerCert = nil
	}

	var rev *RevokedError
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var rhe tls.RecordHeaderError
	alert := AlertFromError(err)
	if alert == nil && side.ReceivedAlert != nil && !side.ReceivedAlert.Sent && side.ReceivedAlert.Code != 0 {
		alert = side.ReceivedAlert
	}
	switch {
	case errors.As(err, &rev):
		return newFailure(CauseClientCertRevoked, StageTLS, raw, sentAlert(42), f)
	case cve != nil && errors.As(err, &ua):
		return newFailure(CauseClientCertUntrusted, StageTLS, raw, sentAlert(48), f)
	case cve != nil && errors.As(err, &ci) && ci.Reason == x509.Expired:
		if len(chain) > 0 && f.Now.Before(chain[0].NotBefore) {
			return newFailure(CauseClientCertNotYetValid, StageTLS, raw, sentAlert(45), f)
		}
		return newFailure(CauseClientCertExpired, StageTLS, raw, sentAlert(45), f)
	case cve != nil && errors.As(err, &ci) && ci.Reason == x509.IncompatibleUsage:
		return newFailure(CauseClientCertWrongUsage, StageTLS, raw, sentAlert(42), f)
	case cve != nil:
		return newFailure(CauseClientCertRejected, StageTLS, raw, sentAlert(42), f)
	case strings.Contains(raw, "client didn't provide a certificate"):
		// crypto/tls has no type for this error (handshake_server.go).
		code := uint8(40)
		if cs != nil && cs.Version == tls.VersionTLS13 || hello != nil && maxVersion(hello.SupportedVersions) >= tls.VersionTLS13 && side.MaxVersion != tls.VersionTLS12 {
			code = 116
		}
		f.PeerHints = clientCertPeerHints(f)
		return newFailure(CauseClientCertRequired, StageTLS, raw, sentAlert(code), f)
	case strings.Contains(raw, "client offered only unsupported versions"), strings.Contains(raw, "unsupported versions"):
		// No type either: the ClientHello's versions and ours do not meet.
		return newFailure(CauseProtocolVersionMismatch, StageTLS, raw, sentAlert(70), f)
	case strings.Contains(raw, "no cipher suite supported by both client and server"):
		return newFailure(CauseNoSharedCipher, StageTLS, raw, sentAlert(40), f)
	case errors.As(err, &rhe):
		f.FirstBytes = quoteStart(rhe.RecordHeader[:], 16)
		return newFailure(CausePlainToTLSServer, StageHTTP, raw, nil, f)
	case alert != nil:
		return explainClientAlert(raw, alert, f, side)
	case isTimeout(err):
		return newFailure(CauseTimeout, StageTLS, raw, nil, f)
	case hello != nil && (isClosed(err) || errors.Is(err, syscall.ECONNRESET)):
		// Node.js (and Mono) check the server's certificate after the
		// handshake messages and hang up without an alert whatever is
		// wrong with it. A defect of our own certificate that every
		// verifying client refuses is then the answer.
		if id := ownCertDefect(side.Certificate, f.Now); id != "" {
			return newFailure(id, StageTLS, raw, nil, f)
		}
		f.PeerHints = hangUpHints(f, side, clientAuth)
		return newFailure(CauseClientClosedHandshake, StageTLS, raw, nil, f)
	}
	return newFailure(CauseTLSUnexplained, StageTLS, raw, alert, f)
}

// explainClientAlert explains an alert the client sent about us.
func explainClientAlert(raw string, a *Alert, f Facts, side ServerSide) *Failure {
	switch a.Code {
	case 42, 46, 48, 43: // bad_certificate, certificate_unknown, unknown_ca, unsupported_certificate
		if side.Certificate != nil && f.ServerName != "" && side.Certificate.VerifyHostname(f.ServerName) != nil {
			return newFailure(CauseServerCertNameMismatch, StageTLS, raw, a, f)
		}
		// GnuTLS and Go send bad_certificate for every verification
		// error, OpenSSL 42 for a certificate not yet valid and 43 for
		// a missing serverAuth: what is wrong with our own certificate
		// says more than the alert. unknown_ca is about the issuer.
		if id := ownCertDefect(side.Certificate, f.Now); id != "" && a.Code != 48 {
			return newFailure(id, StageTLS, raw, a, f)
		}
		if side.Certificate != nil && pki.IsSelfSigned(side.Certificate) {
			return newFailure(CauseServerCertSelfSignedLeaf, StageTLS, raw, a, f)
		}
		return newFailure(CauseServerCertUntrusted, StageTLS, raw, a, f)
	case 45:
		return newFailure(CauseServerCertExpired, StageTLS, raw, a, f)
	case 70:
		return newFailure(CauseProtocolVersionMismatch, StageTLS, raw, a, f)
	}
	return newFailure(CauseTLSAlertUnknown, StageTLS, raw, a, f)
}

// ownCertDefect names what is wrong with the server's own leaf certificate
// in a way every verifying client refuses, or "" when nothing is: outside
// its validity at now, an extended key usage without serverAuth, or no
// subjectAltName at all (clients ignore the CN).
func ownCertDefect(c *x509.Certificate, now time.Time) string {
	switch {
	case c == nil:
		return ""
	case now.Before(c.NotBefore):
		return CauseServerCertNotYetValid
	case now.After(c.NotAfter):
		return CauseServerCertExpired
	case !hasEKU(c, x509.ExtKeyUsageServerAuth):
		return CauseServerCertWrongUsage
	case len(c.DNSNames) == 0 && len(c.IPAddresses) == 0 && len(c.URIs) == 0 && len(c.EmailAddresses) == 0:
		return CauseServerCertCNOnly
	}
	return ""
}

func sentAlert(code uint8) *Alert { return &Alert{Name: AlertName(code), Code: code, Sent: true} }

// NoClientCertHints are the client-side reasons PEERS.md measured for a
// client that was asked for a certificate and sent none; acceptable are the
// CA names the server listed. Servers log them even when client auth is
// only "request" and the connection goes on.
func NoClientCertHints(acceptable []string) []string {
	return clientCertPeerHints(Facts{AcceptableCAs: acceptable})
}

// clientCertPeerHints are the client-side reasons PEERS.md measured for a
// client that sends no certificate.
func clientCertPeerHints(f Facts) []string {
	h := []string{
		"a browser's WebSocket never asks the user for a certificate: open an ordinary page of this host:port first so the browser selects and caches one (Chromium headless: AutoSelectCertificateForUrls policy)",
		"websocket-sharp sends one only from its ClientCertificateSelectionCallback",
		"Mono's ClientWebSocket never sends an ECDSA client certificate (RSA works)",
	}
	if len(f.AcceptableCAs) > 0 {
		h = append(h, fmt.Sprintf("Java, Chromium and Go clients send only a certificate issued by one of %s, silently none otherwise", f.acceptable()))
	}
	return h
}

// hangUpHints are reasons PEERS.md measured for clients that close without
// an alert.
func hangUpHints(f Facts, side ServerSide, clientAuth tls.ClientAuthType) []string {
	var h []string
	if c := side.Certificate; c != nil && f.ServerName != "" && c.VerifyHostname(f.ServerName) != nil {
		// Node.js checks the name itself once the handshake is through
		// and destroys the socket: no alert ("Hostname/IP does not match
		// certificate's altnames").
		h = append(h, fmt.Sprintf("it asked for SNI %s, which is not among the certificate's names, and clients such as Node.js that check the name themselves hang up without an alert", f.ServerName))
	}
	if c := side.Certificate; c != nil && len(c.DNSNames) == 0 && len(c.IPAddresses) > 0 {
		h = append(h, "this certificate names only IP addresses, and Mono/.NET-on-Mono clients cannot match IP SANs: give it a DNS name such as localhost and dial that")
	}
	if c := side.Certificate; c != nil && pki.IsSelfSigned(c) {
		h = append(h, "this certificate is self-signed, so a client trusts it only when given this very certificate as its CA")
	} else if c != nil && side.ChainLen == 1 {
		h = append(h, fmt.Sprintf("this server sends only its own certificate: if %s is an intermediate CA, a client that trusts only the root above it cannot build the chain (Node.js: UNABLE_TO_VERIFY_LEAF_SIGNATURE; put the intermediate after the leaf in the certificate file)", certIssuer(f.ServerCert, "its issuer")))
	}
	h = append(h, "Node.js, Mono's ClientWebSocket and websocket-sharp (close code 1015) hang up without an alert when they do not trust the server's certificate")
	if clientAuth == tls.RequireAnyClientCert || clientAuth == tls.RequireAndVerifyClientCert {
		h = append(h, "a browser's WebSocket with no client certificate selected for this host:port just closes (1006)")
	}
	return h
}

func trimTLS(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.TrimPrefix(v, "TLS ")
	}
	return out
}

func versionRange(lo, hi uint16) []string {
	if lo == 0 {
		lo = tls.VersionTLS12
	}
	if hi == 0 {
		hi = tls.VersionTLS13
	}
	var out []string
	for v := lo; v <= hi && v <= tls.VersionTLS13; v++ {
		out = append(out, strings.TrimPrefix(VersionName(v), "TLS "))
	}
	return out
}

func maxVersion(vs []uint16) uint16 {
	var m uint16
	for _, v := range vs {
		if v > m && v <= tls.VersionTLS13 {
			m = v
		}
	}
	return m
}
