package probe

import (
	"errors"
	"fmt"
	"time"
)

// Stage names one step of a wss:// connection, in the order they happen.
type Stage string

// The stages of a connection. A Failure always names the stage that failed.
const (
	StageResolve Stage = "resolve" // name resolution
	StageTCP     Stage = "tcp"     // TCP connect
	StageTLS     Stage = "tls"     // TLS handshake (and, under TLS 1.3, the first read after it)
	StageHTTP    Stage = "http"    // the HTTP upgrade request and its answer
	StageWS      Stage = "ws"      // WebSocket messages and the closing handshake
)

// Exit codes of DESIGN.md that a probe failure maps to.
const (
	ExitCheckFailed = 1 // the check ran and failed (--expect mismatch)
	ExitBadInput    = 3 // our own input is wrong (key does not match certificate)
	ExitNetwork     = 4 // name resolution, connection refused, timeout
	ExitTLS         = 5 // handshake failure, alert, certificate verification
	ExitHTTP        = 6 // the WebSocket upgrade was refused (status ≠ 101)
	ExitWebSocket   = 7 // closed abnormally or protocol error after the upgrade
)

// Alert is a TLS alert that was sent or received.
type Alert struct {
	// Name is the RFC 8446/5246 name, e.g. "bad_certificate".
	Name string `json:"name"`
	// Code is the alert's number on the wire, e.g. 42.
	Code uint8 `json:"code"`
	// Sent is true when this side sent the alert, false when it was received.
	Sent bool `json:"sent"`
}

// String renders the alert as "bad_certificate (42), received".
func (a *Alert) String() string {
	if a == nil {
		return ""
	}
	dir := "received"
	if a.Sent {
		dir = "sent"
	}
	return fmt.Sprintf("%s (%d), %s", a.Name, a.Code, dir)
}

// Failure is the diagnosis of one failed connection: where it failed, the raw
// error, the alert if one was seen, and the cause with its fix from the
// cause table. Its JSON form is the "failure" object of DESIGN.md.
type Failure struct {
	// Stage is the stage that failed.
	Stage Stage `json:"stage"`
	// Raw is the error text exactly as Go or the peer gave it.
	Raw string `json:"raw"`
	// Alert is the TLS alert sent or received, when there was one.
	Alert *Alert `json:"alert,omitempty"`
	// CauseID is the stable id of the cause (see Causes).
	CauseID string `json:"cause_id"`
	// Cause is one plain sentence naming both sides' facts.
	Cause string `json:"cause"`
	// Fix says what to do, as a wsskit command where one exists.
	Fix string `json:"fix"`
	// ExitCode is the process exit code for this failure (DESIGN.md).
	ExitCode int `json:"exit_code"`
}

// newFailure fills a Failure from the cause table.
func newFailure(id string, stage Stage, raw string, alert *Alert, f Facts) *Failure {
	c := LookupCause(id)
	if c == nil {
		// A programming error: every id used in the code is in the table, and
		// TestEveryCauseHasATest keeps it so. Fall back without panicking.
		c = LookupCause(CauseTLSUnexplained)
	}
	f.Stage = stage
	f.Raw = raw
	f.Alert = alert
	return &Failure{
		Stage:    stage,
		Raw:      raw,
		Alert:    alert,
		CauseID:  c.ID,
		Cause:    c.Explain(f),
		Fix:      c.Fix(f),
		ExitCode: c.ExitCode,
	}
}

// FailureError is the error returned by Run, Dial and the Session methods
// when a connection fails. It carries the diagnosis and unwraps to the raw
// error, so errors.As still finds *tls.CertificateVerificationError,
// *net.OpError, *websocket.CloseError and the like.
type FailureError struct {
	Failure *Failure
	Err     error
}

// Error returns the stage, the raw error and the cause id.
func (e *FailureError) Error() string {
	return fmt.Sprintf("probe: %s stage failed (%s): %v", e.Failure.Stage, e.Failure.CauseID, e.Err)
}

// Unwrap returns the raw error.
func (e *FailureError) Unwrap() error { return e.Err }

// ErrExpectMismatch is the raw error of an expect_mismatch failure.
var ErrExpectMismatch = errors.New("probe: reply differs from the expected message")

// ErrNoReply is the raw error when no message arrived before the timeout.
var ErrNoReply = errors.New("probe: no message arrived before the timeout")

// Facts are what a cause's Explain and Fix functions may use: what each side
// did and had. The probe and the servers fill what they know; the functions
// cope with any field left zero.
type Facts struct {
	// Side is "client" when wsskit dialled, "server" when it accepted.
	Side string
	// Stage, Raw and Alert repeat the failure's fields.
	Stage Stage
	Raw   string
	Alert *Alert

	// URL, Host, Port and Path: what was dialled.
	URL, Host, Port, Path string
	// ServerName is the SNI sent; empty when none was sent.
	ServerName string
	// Timeout is the per-stage time limit.
	Timeout time.Duration
	// FirstBytes are the first bytes the peer sent, quoted, when they explain
	// the failure (an HTTP answer on a TLS port, a TLS alert on a plain one).
	FirstBytes string

	// OfferedVersions are the TLS versions the client offered ("1.2", "1.3").
	OfferedVersions []string
	// ServerVersions are the versions the server accepts, when known.
	ServerVersions []string
	// VersionsProbed: ServerVersions came from a second handshake that
	// offered only versions below ours, after the server refused ours.
	VersionsProbed bool
	// ClosedOnHello: the server closed the connection on our ClientHello
	// without sending a byte.
	ClosedOnHello bool
	// OfferedCiphers are the cipher suites the client offered.
	OfferedCiphers []string
	// OfferedGoSuites counts the offered suites crypto/tls implements
	// (server side; the rest are DHE, CCM and the like).
	OfferedGoSuites int
	// ServerCiphers are the cipher suites the server accepts, when known.
	ServerCiphers []string

	// ServerCert is the server's leaf certificate.
	ServerCert *CertInfo
	// ServerChainLen is how many certificates the server sent (client
	// side) or sends (server side), leaf included; 0 when unknown.
	ServerChainLen int
	// BadCert is the certificate of the chain that failed a check (it may be
	// a CA rather than the leaf) and BadDepth its depth (0 = leaf).
	BadCert  *CertInfo
	BadDepth int
	// VerifyError is the x509 verification error text.
	VerifyError string
	// OpenSSL is the first OpenSSL-style verify line, e.g.
	// "error 20 at 0 depth lookup: unable to get local issuer certificate".
	OpenSSL string
	// Roots says what the verifier trusted ("--cafile ca.pem", "system roots").
	Roots string

	// CertRequested is true when the server sent a CertificateRequest.
	CertRequested bool
	// AcceptableCAs are the CA names listed in the CertificateRequest.
	AcceptableCAs []string
	// ClientCert is the client's leaf certificate (ours, or the one received).
	ClientCert *CertInfo
	// ClientCertSent is true when a client certificate was sent.
	ClientCertSent bool
	// ClientProblems are local findings about the client certificate
	// (validity, EKU, key match, issuer not listed).
	ClientProblems []string
	// PeerHints names client software that behaves this way (server side).
	PeerHints []string

	// Now is the time the checks used.
	Now time.Time

	// HTTPStatus is the status line of a non-101 answer, e.g. "403 Forbidden".
	HTTPStatus string
	// HTTPDetail is a header or body detail that explains the status
	// (WWW-Authenticate, Sec-WebSocket-Version, Location, body excerpt).
	HTTPDetail string
	// Origin is the Origin header sent, if any.
	Origin string

	// CloseCode and CloseReason are from the peer's close frame.
	CloseCode   int
	CloseReason string
	// Expected and Got are the --expect value and the reply received.
	Expected, Got string
}
