package wsecho

import (
	"crypto/tls"
	"log/slog"
	"strings"
)

// ClientHello is what a client offered in its TLS ClientHello, as the server
// saw it. GREASE values (RFC 8701) are left out.
type ClientHello struct {
	ServerName       string
	Versions         []uint16
	CipherSuites     []uint16
	ALPN             []string
	Curves           []tls.CurveID
	SignatureSchemes []tls.SignatureScheme
}

func summarizeHello(h *tls.ClientHelloInfo) *ClientHello {
	return &ClientHello{
		ServerName:       h.ServerName,
		Versions:         dropGREASE(h.SupportedVersions),
		CipherSuites:     dropGREASE(h.CipherSuites),
		ALPN:             h.SupportedProtos,
		Curves:           dropGREASE(h.SupportedCurves),
		SignatureSchemes: h.SignatureSchemes,
	}
}

// isGREASE reports the reserved values 0x0A0A, 0x1A1A ... 0xFAFA.
func isGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

func dropGREASE[T ~uint16](vs []T) []T {
	out := vs[:0:0]
	for _, v := range vs {
		if !isGREASE(uint16(v)) {
			out = append(out, v)
		}
	}
	return out
}

// VersionNames returns the offered versions as "TLS 1.3", "TLS 1.2" ...
func (h *ClientHello) VersionNames() []string {
	if h == nil {
		return nil
	}
	out := make([]string, len(h.Versions))
	for i, v := range h.Versions {
		out[i] = tls.VersionName(v)
	}
	return out
}

// CipherSuiteNames returns the offered cipher suites by IANA name (hex for
// suites Go does not know).
func (h *ClientHello) CipherSuiteNames() []string {
	if h == nil {
		return nil
	}
	out := make([]string, len(h.CipherSuites))
	for i, v := range h.CipherSuites {
		out[i] = tls.CipherSuiteName(v)
	}
	return out
}

// HelloReport is a ClientHello with names instead of numbers, as the Info
// service reports it.
type HelloReport struct {
	ServerName       string   `json:"server_name"`
	Versions         []string `json:"versions"`
	CipherSuites     []string `json:"cipher_suites"`
	ALPN             []string `json:"alpn"`
	Curves           []string `json:"curves"`
	SignatureSchemes []string `json:"signature_schemes"`
}

// Report returns the ClientHello with names; nil for a nil ClientHello.
func (h *ClientHello) Report() *HelloReport {
	if h == nil {
		return nil
	}
	j := &HelloReport{
		ServerName:   h.ServerName,
		Versions:     h.VersionNames(),
		CipherSuites: h.CipherSuiteNames(),
		ALPN:         h.ALPN,
	}
	for _, c := range h.Curves {
		j.Curves = append(j.Curves, c.String())
	}
	for _, s := range h.SignatureSchemes {
		j.SignatureSchemes = append(j.SignatureSchemes, s.String())
	}
	return j
}

func (h *ClientHello) logAttrs() []slog.Attr {
	if h == nil {
		return []slog.Attr{slog.String("client_hello", "none")}
	}
	sni := h.ServerName
	if sni == "" {
		sni = "(none)"
	}
	return []slog.Attr{
		slog.String("sni", sni),
		slog.String("offered_versions", strings.Join(h.VersionNames(), ",")),
		slog.String("offered_alpn", strings.Join(h.ALPN, ",")),
	}
}
