package wsecho

import (
	"crypto/tls"
	"log/slog"
)

// handshakeEvent is what the server knows about a failed TLS handshake, or
// about a client that was asked for a certificate and sent none.
type handshakeEvent struct {
	Remote        string
	Err           error // nil when NoClientCert
	NoClientCert  bool
	Hello         *ClientHello
	ClientAuth    tls.ClientAuthType
	AcceptableCAs []string // subjects sent in CertificateRequest
}

// explanation is the cause of a handshake event, taken from the probe's
// failure→cause table, plus what the client side most likely did.
type explanation struct {
	CauseID    string
	Cause      string
	Fix        string
	ClientHint string
}

// explainHandshake is the seam to probe's server-side explainer (the one
// failure→cause table lives in probe, see DESIGN.md). Until it is wired,
// events are logged with their raw error only.
var explainHandshake = func(ev *handshakeEvent) explanation { return explanation{} }

func (e explanation) logAttrs() []slog.Attr {
	var a []slog.Attr
	if e.CauseID != "" {
		a = append(a, slog.String("cause_id", e.CauseID))
	}
	if e.Cause != "" {
		a = append(a, slog.String("cause", e.Cause))
	}
	if e.ClientHint != "" {
		a = append(a, slog.String("client_hint", e.ClientHint))
	}
	if e.Fix != "" {
		a = append(a, slog.String("fix", e.Fix))
	}
	return a
}
