package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

func sortStrings(s []string) { sort.Strings(s) }

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrNoReply) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isClosed reports whether err means the peer closed or reset the
// connection without saying anything more.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// classifyNetwork explains a failure of the resolve or tcp stage.
func (p *prober) classifyNetwork(stage Stage, err error) *Failure {
	f := p.facts
	var dnsErr *net.DNSError
	switch {
	case isTimeout(err):
		return newFailure(CauseTimeout, stage, err.Error(), nil, f)
	case errors.As(err, &dnsErr):
		return newFailure(CauseDNSFailed, StageResolve, err.Error(), nil, f)
	case errors.Is(err, syscall.ECONNREFUSED):
		return newFailure(CauseConnectionRefused, StageTCP, err.Error(), nil, f)
	}
	return newFailure(CauseNetworkError, stage, err.Error(), nil, f)
}

// classifyTLS explains a failed TLS handshake (afterHandshake false) or a
// TLS error at the first read after a TLS 1.3 handshake (true). It decides
// from what the handshake saw, not from the error text alone: whether a
// ServerHello arrived, whether a CertificateRequest came and what it
// listed, what we sent, and local checks of our own certificate.
func (p *prober) classifyTLS(err error, afterHandshake bool) *Failure {
	f := p.facts
	raw := err.Error()
	alert := AlertFromError(err)
	if a := p.tracer.LastAlert(false); alert == nil && a != nil && a.Code != 0 {
		alert = a // a plaintext alert crypto/tls did not report as such
	}
	serverHello, _ := p.tracer.ServerHello()

	p.mu.Lock()
	requested := p.certRequest != nil
	sent := p.sentCert != nil
	check := p.check
	verifyErr := p.verifyErr
	v := p.verification
	p.mu.Unlock()

	// We rejected the server's certificate; we sent alert 42.
	var cve *tls.CertificateVerificationError
	if verifyErr != nil && errors.As(err, &cve) && v != nil {
		p.fillServerFacts(&f, v)
		return newFailure(v.CauseID, StageTLS, raw, &Alert{Name: AlertName(42), Code: 42, Sent: true}, f)
	}

	var rhe tls.RecordHeaderError
	if errors.As(err, &rhe) {
		f.FirstBytes = p.firstReceived(rhe.RecordHeader[:])
		return newFailure(CauseTLSToPlainServer, StageTLS, raw, nil, f)
	}
	if isTimeout(err) {
		return newFailure(CauseTimeout, StageTLS, raw, nil, f)
	}

	if alert != nil {
		switch alert.Code {
		case 70: // protocol_version
			return newFailure(CauseProtocolVersionMismatch, StageTLS, raw, alert, f)
		case 112: // unrecognized_name
			return newFailure(CauseSNIRequired, StageTLS, raw, alert, f)
		}
	} else if strings.Contains(raw, "server selected unsupported protocol version") {
		// crypto/tls has no type for this local error: the ServerHello chose
		// a version outside our range (e.g. a TLS 1.0-only server). We sent
		// alert protocol_version.
		return newFailure(CauseProtocolVersionMismatch, StageTLS, raw, &Alert{Name: AlertName(70), Code: 70, Sent: true}, f)
	}

	// The server asked for a certificate and then ended the connection:
	// its complaint is about our certificate (or its absence), whatever the
	// alert says (TLS 1.2 servers often send only 40, Node sends none).
	if requested && (alert != nil || isClosed(err)) {
		if !sent {
			return newFailure(CauseClientCertRequired, StageTLS, raw, alert, f)
		}
		code := uint8(0)
		if alert != nil {
			code = alert.Code
		}
		switch {
		case check.keyMismatch:
			return newFailure(CauseClientCertKeyMismatch, StageTLS, raw, alert, f)
		case code == 44:
			return newFailure(CauseClientCertRevoked, StageTLS, raw, alert, f)
		case check.expired:
			return newFailure(CauseClientCertExpired, StageTLS, raw, alert, f)
		case check.notYetValid:
			return newFailure(CauseClientCertNotYetValid, StageTLS, raw, alert, f)
		case check.wrongUsage || code == 43:
			return newFailure(CauseClientCertWrongUsage, StageTLS, raw, alert, f)
		case code == 48 || (check.issuerListed != nil && !*check.issuerListed):
			return newFailure(CauseClientCertUntrusted, StageTLS, raw, alert, f)
		case code == 45:
			return newFailure(CauseClientCertExpired, StageTLS, raw, alert, f)
		case code == 116:
			return newFailure(CauseClientCertRequired, StageTLS, raw, alert, f)
		}
		return newFailure(CauseClientCertRejected, StageTLS, raw, alert, f)
	}

	if alert != nil {
		switch {
		case alert.Code == 40 && !serverHello:
			return newFailure(CauseNoSharedCipher, StageTLS, raw, alert, f)
		case alert.Code == 116:
			return newFailure(CauseClientCertRequired, StageTLS, raw, alert, f)
		}
		return newFailure(CauseTLSAlertUnknown, StageTLS, raw, alert, f)
	}
	if errors.Is(err, syscall.ECONNRESET) {
		return newFailure(CauseNetworkError, StageTLS, raw, nil, f)
	}
	if p.closedOnHello(err, afterHandshake) {
		// Closed on our ClientHello with no word: servers that dislike the
		// offer (no shared suite or version) sometimes do this, but so do
		// other things. When a second handshake with older versions got a
		// ServerHello (legacyVersion), it was the version.
		if f.VersionsProbed {
			return newFailure(CauseProtocolVersionMismatch, StageTLS, raw, nil, f)
		}
		f.ClosedOnHello = true
		return newFailure(CauseTLSUnexplained, StageTLS, raw, nil, f)
	}
	return newFailure(CauseTLSUnexplained, StageTLS, raw, nil, f)
}

// firstReceived quotes the first bytes the server sent, from the trace.
func (p *prober) firstReceived(fallback []byte) string {
	b := p.tracer.receivedBytes()
	if len(b) == 0 {
		b = fallback
	}
	return quoteStart(b, 48)
}

// goHTTPSOnPlainBody is what Go's net/http TLS server answers to plain HTTP
// (net/http server.go); no error type exists for it, so the body is compared.
const goHTTPSOnPlainBody = "Client sent an HTTP request to an HTTPS server"

// classifyHTTP explains a failed upgrade.
func (p *prober) classifyHTTP(ctx context.Context, err error, resp *http.Response) *Failure {
	f := p.facts
	raw := err.Error()
	first := p.capture.readBytes()

	// TLS 1.3: a rejected client certificate surfaces at the first read.
	if p.secure && (AlertFromError(err) != nil || (isClosed(err) && p.certRequested())) {
		p.rep.TLS.RejectedAfterHandshake = true
		p.rep.Stages[len(p.rep.Stages)-1].Error += " (TLS alert after the handshake)"
		return p.classifyTLS(err, true)
	}
	if isTimeout(err) {
		return newFailure(CauseTimeout, StageHTTP, raw, nil, f)
	}
	if resp == nil {
		if len(first) >= 2 && (first[0] == 0x15 || first[0] == 0x16) && first[1] == 0x03 {
			f.FirstBytes = quoteStart(first, 16) + " (a TLS record)"
			return newFailure(CausePlainToTLSServer, StageHTTP, raw, nil, f)
		}
		if len(first) == 0 && isClosed(err) {
			// OpenSSL closes without a word on plain HTTP ("http request"
			// error). Find out whether that port speaks TLS by trying.
			if !p.secure {
				if v, ok := p.speaksTLS(ctx); ok {
					f.FirstBytes = "no answer, but a TLS handshake on the same port got a " + VersionName(v) + " ServerHello"
					return newFailure(CausePlainToTLSServer, StageHTTP, raw, nil, f)
				}
			}
			return newFailure(CauseHTTPNoAnswer, StageHTTP, raw, nil, f)
		}
		if len(first) > 0 {
			f.HTTPDetail = "first bytes " + quoteStart(first, 32)
			return newFailure(CauseUpgradeInvalidResponse, StageHTTP, raw, nil, f)
		}
		return newFailure(CauseNetworkError, StageHTTP, raw, nil, f)
	}
	body := p.rep.HTTP.Body
	switch code := resp.StatusCode; {
	case code == http.StatusSwitchingProtocols:
		f.HTTPDetail = upgradeDefect(resp)
		return newFailure(CauseUpgradeInvalidResponse, StageHTTP, raw, nil, f)
	case code == http.StatusBadRequest && strings.Contains(body, goHTTPSOnPlainBody):
		f.FirstBytes = quoteStart([]byte(body), 64)
		return newFailure(CausePlainToTLSServer, StageHTTP, raw, nil, f)
	case code == http.StatusBadRequest:
		f.HTTPDetail = bodyDetail(body)
		return newFailure(CauseUpgradeBadRequest, StageHTTP, raw, nil, f)
	case code == http.StatusUnauthorized:
		f.HTTPDetail = headerDetail(resp, "WWW-Authenticate")
		return newFailure(CauseUpgradeUnauthorized, StageHTTP, raw, nil, f)
	case code == http.StatusForbidden:
		f.HTTPDetail = bodyDetail(body)
		return newFailure(CauseUpgradeForbidden, StageHTTP, raw, nil, f)
	case code == http.StatusNotFound:
		return newFailure(CauseUpgradeNotFound, StageHTTP, raw, nil, f)
	case code == http.StatusUpgradeRequired:
		f.HTTPDetail = headerDetail(resp, "Sec-WebSocket-Version")
		if f.HTTPDetail == "" {
			f.HTTPDetail = headerDetail(resp, "Upgrade")
		}
		return newFailure(CauseUpgradeVersion, StageHTTP, raw, nil, f)
	case code >= 300 && code < 400:
		f.HTTPDetail = headerDetail(resp, "Location")
		return newFailure(CauseUpgradeRedirect, StageHTTP, raw, nil, f)
	case code >= 500:
		f.HTTPDetail = bodyDetail(body)
		return newFailure(CauseUpgradeServerError, StageHTTP, raw, nil, f)
	}
	return newFailure(CauseHTTPNotWebSocket, StageHTTP, raw, nil, f)
}

func (p *prober) certRequested() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.certRequest != nil
}

func upgradeDefect(resp *http.Response) string {
	switch {
	case !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket"):
		return "Upgrade header is " + quoteStart([]byte(resp.Header.Get("Upgrade")), 40)
	case !strings.Contains(strings.ToLower(resp.Header.Get("Connection")), "upgrade"):
		return "Connection header is " + quoteStart([]byte(resp.Header.Get("Connection")), 40)
	}
	return "Sec-WebSocket-Accept does not match our key"
}

func headerDetail(resp *http.Response, name string) string {
	if v := resp.Header.Get(name); v != "" {
		return name + ": " + v
	}
	return ""
}

func bodyDetail(body string) string {
	body = strings.TrimSpace(body)
	if body == "" {
		return ""
	}
	if len(body) > 120 {
		body = body[:120] + "..."
	}
	return "body: " + body
}

// classifyWS explains an error after the upgrade.
func classifyWS(f Facts, err error) *Failure {
	raw := err.Error()
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		f.CloseCode, f.CloseReason = ce.Code, ce.Text
		switch ce.Code {
		case websocket.ClosePolicyViolation:
			return newFailure(CauseWSPolicyViolation, StageWS, raw, nil, f)
		case websocket.CloseAbnormalClosure:
			return newFailure(CauseWSClosedAbnormally, StageWS, raw, nil, f)
		case websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived:
			return newFailure(CauseWSNoReply, StageWS, raw, nil, f)
		}
		return newFailure(CauseWSClosedByPeer, StageWS, raw, nil, f)
	}
	if a := AlertFromError(err); a != nil {
		return newFailure(CauseTLSAlertUnknown, StageTLS, raw, a, f)
	}
	if isTimeout(err) {
		return newFailure(CauseWSNoReply, StageWS, raw, nil, f)
	}
	if isClosed(err) {
		return newFailure(CauseWSClosedAbnormally, StageWS, raw, nil, f)
	}
	return newFailure(CauseWSClosedByPeer, StageWS, raw, nil, f)
}

// closedOnHello reports whether the server closed the connection on our
// ClientHello without sending a single byte.
func (p *prober) closedOnHello(err error, afterHandshake bool) bool {
	seen, _ := p.tracer.ServerHello()
	return isClosed(err) && !afterHandshake && !seen && len(p.tracer.receivedBytes()) == 0
}

// legacyVersion finds the version of a server that refused every version
// we offered (alert protocol_version, or a silent close, before any
// ServerHello) because it is older than our lowest: one extra, bounded
// handshake offering only the versions below ours. It reports the version
// the server chose.
func (p *prober) legacyVersion(ctx context.Context, cfg *tls.Config, err error) (uint16, bool) {
	alert := AlertFromError(err)
	if a := p.tracer.LastAlert(false); alert == nil && a != nil {
		alert = a
	}
	refused := alert != nil && alert.Code == 70 && !alert.Sent || alert == nil && p.closedOnHello(err, false)
	lo := cfg.MinVersion
	if lo == 0 {
		lo = tls.VersionTLS12 // crypto/tls's client default
	}
	if seen, _ := p.tracer.ServerHello(); seen || !refused ||
		lo <= tls.VersionTLS10 || (cfg.MaxVersion != 0 && cfg.MaxVersion < tls.VersionTLS13) || p.rep.TCP == nil {
		return 0, false
	}
	v, seen := p.sideHello(ctx, &tls.Config{
		ServerName:         p.sni,
		InsecureSkipVerify: true, // only looking for the ServerHello's version
		MinVersion:         tls.VersionTLS10,
		MaxVersion:         lo - 1,
	})
	return v, seen && v >= tls.VersionTLS10 && v < lo
}

// speaksTLS makes one extra, bounded connection to the same address and
// reports whether a ServerHello answers a ClientHello there.
func (p *prober) speaksTLS(ctx context.Context) (uint16, bool) {
	return p.sideHello(ctx, &tls.Config{InsecureSkipVerify: true, ServerName: p.sni}) // only looking for a ServerHello
}

// sideHello makes one extra connection to the server, bounded by the stage
// timeout and 3 s, sends cfg's ClientHello and reports the version of the
// ServerHello that answered, if one did. The handshake's own error does not
// matter: the trace tells.
func (p *prober) sideHello(ctx context.Context, cfg *tls.Config) (uint16, bool) {
	if p.rep.TCP == nil {
		return 0, false
	}
	limit := p.o.timeout()
	if limit > 3*time.Second {
		limit = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", p.rep.TCP.Remote)
	if err != nil {
		return 0, false
	}
	defer c.Close()
	tr := NewTracer(true)
	_ = tls.Client(tr.Wrap(c), cfg).HandshakeContext(ctx)
	seen, v := tr.ServerHello()
	return v, seen
}
