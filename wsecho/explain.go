package wsecho

import (
	"crypto/tls"
	"log/slog"
	"strings"

	"github.com/wsskit/wsskit/probe"
)

// keepHello copies what logs, explanations and the info report need from a
// ClientHello, without the connection and context it points to, and
// without GREASE values (RFC 8701: Chromium offers e.g. version 0xbaba).
func keepHello(h *tls.ClientHelloInfo) *tls.ClientHelloInfo {
	return &tls.ClientHelloInfo{
		CipherSuites:      dropGREASE(h.CipherSuites),
		ServerName:        h.ServerName,
		SupportedCurves:   dropGREASE(h.SupportedCurves),
		SupportedPoints:   h.SupportedPoints,
		SignatureSchemes:  h.SignatureSchemes,
		SupportedProtos:   h.SupportedProtos,
		SupportedVersions: dropGREASE(h.SupportedVersions),
		Extensions:        dropGREASE(h.Extensions),
	}
}

// isGREASE reports the reserved values 0x0A0A, 0x1A1A ... 0xFAFA.
func isGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

func dropGREASE[T ~uint16](vs []T) []T {
	out := make([]T, 0, len(vs))
	for _, v := range vs {
		if !isGREASE(uint16(v)) {
			out = append(out, v)
		}
	}
	return out
}

// explainFailure asks the probe's server-side explainer (the one
// failure→cause table, see DESIGN.md) why a handshake failed.
func (s *Server) explainFailure(c *conn, err error, cs *tls.ConnectionState) *probe.Failure {
	side := probe.ServerSide{
		AcceptableCAs: s.acceptableCAs,
		MinVersion:    s.tlsCfg.MinVersion,
		MaxVersion:    s.tlsCfg.MaxVersion,
		CipherSuites:  s.tlsCfg.CipherSuites,
	}
	if cert := s.leafFor(c.hello); cert != nil {
		side.Certificate = cert.Leaf
	}
	if c.tracer != nil {
		side.ReceivedAlert = c.tracer.LastAlert(false)
	}
	return probe.ExplainServerHandshake(err, c.hello, cs, s.tlsCfg.ClientAuth, side)
}

// leafFor returns the server certificate a handshake with hello got (or
// would have got).
func (s *Server) leafFor(hello *tls.ClientHelloInfo) *tls.Certificate {
	p := s.certs.Load()
	if p == nil || len(*p) == 0 {
		return nil
	}
	if hello != nil {
		for i := range *p {
			if hello.SupportsCertificate(&(*p)[i]) == nil {
				return &(*p)[i]
			}
		}
	}
	return &(*p)[0]
}

// failureAttrs renders a probe failure as log attributes.
func failureAttrs(f *probe.Failure) []slog.Attr {
	a := []slog.Attr{slog.String("stage", string(f.Stage)), slog.String("error", f.Raw)}
	if f.Alert != nil {
		a = append(a, slog.String("alert", f.Alert.String()))
	}
	return append(a, slog.String("cause_id", f.CauseID), slog.String("cause", f.Cause), slog.String("fix", f.Fix))
}

// helloAttrs names what the client offered.
func helloAttrs(h *tls.ClientHelloInfo) []slog.Attr {
	if h == nil {
		return []slog.Attr{slog.String("client_hello", "none")}
	}
	ch := probe.NewClientHello(h)
	sni := ch.ServerName
	if sni == "" {
		sni = "(none)"
	}
	return []slog.Attr{
		slog.String("sni", sni),
		slog.String("offered_versions", strings.Join(ch.Versions, ",")),
		slog.String("offered_alpn", strings.Join(ch.ALPN, ",")),
	}
}

// noCertHints is why a client asked for a certificate sends none, as
// measured in PEERS.md. It is a note, not a failure: with client auth
// "request" the connection goes on.
func noCertHints(acceptable []string) string {
	h := []string{
		"a browser's WebSocket never asks the user for a certificate: open an ordinary page of this host:port first so the browser selects and caches one",
		"websocket-sharp sends one only from its ClientCertificateSelectionCallback",
		"Mono's ClientWebSocket never sends an ECDSA client certificate",
	}
	if len(acceptable) > 0 {
		h = append(h, "Java, Chromium and Go clients send only a certificate issued by one of the listed CAs ("+strings.Join(acceptable, "; ")+")")
	}
	return strings.Join(h, "; ")
}
