package wsecho

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsskit/wsskit/pki"
	"github.com/wsskit/wsskit/probe"
)

// InfoReport is what the Info service sends: the connection as the server
// saw it. Field names are stable (snake_case JSON).
type InfoReport struct {
	Service     string              `json:"service"`
	Path        string              `json:"path"`
	Query       string              `json:"query,omitempty"`
	Remote      string              `json:"remote"`
	Host        string              `json:"host"`
	Origin      string              `json:"origin,omitempty"`
	Subprotocol string              `json:"subprotocol,omitempty"`
	Compression bool                `json:"compression"`
	Headers     map[string][]string `json:"headers"`
	TLS         *TLSReport          `json:"tls"`
	Time        string              `json:"time"`
}

// TLSReport describes the TLS side of a connection; nil on ws://.
type TLSReport struct {
	Version     string `json:"version"`
	CipherSuite string `json:"cipher_suite"`
	Curve       string `json:"curve,omitempty"`
	ServerName  string `json:"server_name,omitempty"`
	ALPN        string `json:"alpn,omitempty"`
	Resumed     bool   `json:"resumed"`
	// ClientCertificates is the chain the client sent, leaf first; empty
	// when it sent none.
	ClientCertificates []CertReport `json:"client_certificates"`
	// Verified tells whether the chain was verified against the server's
	// client CAs (false with client auth "request" and no CAs).
	Verified    bool               `json:"verified"`
	ClientHello *probe.ClientHello `json:"client_hello,omitempty"`
}

// CertReport is one certificate in an InfoReport.
type CertReport struct {
	Subject     string   `json:"subject"`
	Issuer      string   `json:"issuer"`
	Serial      string   `json:"serial"`
	NotBefore   string   `json:"not_before"`
	NotAfter    string   `json:"not_after"`
	DNSNames    []string `json:"dns_names,omitempty"`
	IPAddresses []string `json:"ip_addresses,omitempty"`
	Emails      []string `json:"emails,omitempty"`
	URIs        []string `json:"uris,omitempty"`
	ExtKeyUsage []string `json:"ext_key_usage,omitempty"`
	SHA256      string   `json:"sha256"`
}

func newCertReport(c *x509.Certificate) CertReport {
	fp := sha256.Sum256(c.Raw)
	r := CertReport{
		Subject:   c.Subject.String(),
		Issuer:    c.Issuer.String(),
		Serial:    fmt.Sprintf("%X", c.SerialNumber),
		NotBefore: c.NotBefore.UTC().Format(time.RFC3339),
		NotAfter:  c.NotAfter.UTC().Format(time.RFC3339),
		DNSNames:  c.DNSNames,
		Emails:    c.EmailAddresses,
		SHA256:    hex.EncodeToString(fp[:]),
	}
	for _, ip := range c.IPAddresses {
		r.IPAddresses = append(r.IPAddresses, ip.String())
	}
	for _, u := range c.URIs {
		r.URIs = append(r.URIs, u.String())
	}
	for _, u := range c.ExtKeyUsage {
		r.ExtKeyUsage = append(r.ExtKeyUsage, pki.ExtKeyUsageName(u))
	}
	return r
}

// newInfoReport describes the connection; compression is whether the server
// enables permessage-deflate (it is negotiated when the client offered it).
func newInfoReport(r *http.Request, ws *websocket.Conn, svc *service, compression bool) *InfoReport {
	rep := &InfoReport{
		Service:     svc.kind.String(),
		Path:        r.URL.Path,
		Query:       r.URL.RawQuery,
		Remote:      r.RemoteAddr,
		Host:        r.Host,
		Origin:      r.Header.Get("Origin"),
		Subprotocol: ws.Subprotocol(),
		Compression: compression && offersDeflate(r),
		Headers:     r.Header,
		Time:        time.Now().UTC().Format(time.RFC3339Nano),
	}
	if r.TLS != nil {
		rep.TLS = newTLSReport(r.TLS)
		if c := connFrom(r.Context()); c != nil {
			rep.TLS.ClientHello = probe.NewClientHello(c.hello)
		}
	}
	return rep
}

func newTLSReport(cs *tls.ConnectionState) *TLSReport {
	t := &TLSReport{
		Version:            tls.VersionName(cs.Version),
		CipherSuite:        tls.CipherSuiteName(cs.CipherSuite),
		ServerName:         cs.ServerName,
		ALPN:               cs.NegotiatedProtocol,
		Resumed:            cs.DidResume,
		ClientCertificates: []CertReport{},
		Verified:           len(cs.VerifiedChains) > 0,
	}
	if cs.CurveID != 0 {
		t.Curve = cs.CurveID.String()
	}
	for _, c := range cs.PeerCertificates {
		t.ClientCertificates = append(t.ClientCertificates, newCertReport(c))
	}
	return t
}

func marshalReport(rep *InfoReport) ([]byte, error) {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("wsecho: encoding info report: %w", err)
	}
	return b, nil
}

// offersDeflate reports whether the client offered permessage-deflate (RFC
// 7692), which the server then accepts.
func offersDeflate(r *http.Request) bool {
	for _, v := range r.Header.Values("Sec-Websocket-Extensions") {
		for _, ext := range strings.Split(v, ",") {
			name, _, _ := strings.Cut(ext, ";")
			if strings.EqualFold(strings.TrimSpace(name), "permessage-deflate") {
				return true
			}
		}
	}
	return false
}
