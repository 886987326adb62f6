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
		CipherSuites:      probe.DropGREASE(h.CipherSuites),
		ServerName:        h.ServerName,
		SupportedCurves:   probe.DropGREASE(h.SupportedCurves),
		SupportedPoints:   h.SupportedPoints,
		SignatureSchemes:  h.SignatureSchemes,
		SupportedProtos:   h.SupportedProtos,
		SupportedVersions: probe.DropGREASE(h.SupportedVersions),
		Extensions:        probe.DropGREASE(h.Extensions),
	}
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
		side.Certificate, side.ChainLen = cert.Leaf, len(cert.Certificate)
	}
	side.ReceivedAlert = c.alerts.last()
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
// measured in PEERS.md (the probe's list). It is a note, not a failure:
// with client auth "request" the connection goes on.
func noCertHints(acceptable []string) string {
	return strings.Join(probe.NoClientCertHints(acceptable), "; ")
}
