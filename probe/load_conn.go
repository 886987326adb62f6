package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// loadDialer opens the connections of a load run, one stage at a time, so a
// failure is known by its stage: TCP to the pinned address, TLS (ours, so
// the client certificate can rotate per connection and the server's
// request is seen), then the upgrade by gorilla/websocket over that
// connection.
type loadDialer struct {
	t     *loadTarget
	o     *LoadOptions
	tls   *tls.Config
	net   net.Dialer
	ws    websocket.Dialer // template; copied per dial
	certs []tls.Certificate
}

// dialState is what the TLS callbacks of one connection saw.
type dialState struct {
	cert      *tls.Certificate // the certificate this connection presents
	requested bool             // the server sent a CertificateRequest
	sent      bool             // we answered it with a certificate
}

type dialStateKey struct{}

func newLoadDialer(o *LoadOptions, t *loadTarget) *loadDialer {
	d := &loadDialer{t: t, o: o, certs: o.Certificates}
	d.tls = &tls.Config{
		ServerName:         t.sni,
		RootCAs:            o.RootCAs,
		InsecureSkipVerify: o.Insecure, // only when the user said --insecure
		MinVersion:         o.MinVersion,
		MaxVersion:         o.MaxVersion,
		// Never h2: a server choosing it would garble the upgrade.
		NextProtos: []string{"http/1.1"},
		// Full-size records from the first byte: the load generator must
		// not spend more per byte than the server it measures.
		DynamicRecordSizingDisabled: true,
		// No ClientSessionCache: every handshake is a full one.
		GetClientCertificate: func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			st, _ := cri.Context().Value(dialStateKey{}).(*dialState)
			if st == nil {
				return &tls.Certificate{}, nil
			}
			st.requested = true
			if st.cert == nil {
				return &tls.Certificate{}, nil
			}
			st.sent = true
			return st.cert, nil
		},
	}
	switch o.Mode {
	case LoadIdle:
		// Idle connections read nothing but pings and close frames: keep
		// their buffers small and the write buffer pooled.
		d.ws.ReadBufferSize, d.ws.WriteBufferSize = 512, 512
		d.ws.WriteBufferPool = &sync.Pool{}
	default:
		// One frame, one write per message; reads of a whole message go
		// straight into the caller's buffer (bufio skips its own buffer for
		// large reads).
		d.ws.WriteBufferSize = o.Size
		d.ws.ReadBufferSize = min(o.Size+16, 64<<10)
		d.ws.ReadBufferSize = max(d.ws.ReadBufferSize, 4096)
	}
	return d
}

// loadFail is one failed connection, cycle or message.
type loadFail struct {
	stage  Stage
	err    error
	st     *dialState // nil for ws:// or after the upgrade
	status int        // HTTP status of a refused upgrade
	// mismatch: the echo differed from what was sent.
	mismatch      bool
	expected, got string
}

// dial opens connection number n. On failure the connection is closed and
// the failure says at which stage.
func (d *loadDialer) dial(ctx context.Context, n uint64) (*websocket.Conn, *tls.ConnectionState, *loadFail) {
	ctx, cancel := context.WithTimeout(ctx, d.o.Timeout)
	defer cancel()
	c, err := d.net.DialContext(ctx, "tcp", d.t.addr)
	if err != nil {
		return nil, nil, &loadFail{stage: StageTCP, err: err}
	}
	var conn net.Conn = c
	var st *dialState
	var cs *tls.ConnectionState
	if d.t.secure {
		st = &dialState{}
		if len(d.certs) > 0 {
			st.cert = &d.certs[n%uint64(len(d.certs))]
		}
		tc := tls.Client(c, d.tls)
		if err := tc.HandshakeContext(context.WithValue(ctx, dialStateKey{}, st)); err != nil {
			c.Close()
			return nil, nil, &loadFail{stage: StageTLS, err: err, st: st}
		}
		s := tc.ConnectionState()
		cs = &s
		conn = tc
	}
	wd := d.ws
	wd.NetDialContext = func(context.Context, string, string) (net.Conn, error) { return conn, nil }
	ws, resp, err := wd.DialContext(ctx, d.t.wsURL, nil)
	if err != nil {
		conn.Close()
		f := &loadFail{stage: StageHTTP, err: err, st: st}
		if resp != nil {
			f.status = resp.StatusCode
		}
		return nil, nil, f
	}
	return ws, cs, nil
}

// kind names the failure for counting: same stage and kind, same cause.
func (f *loadFail) kind() string {
	err := f.err
	var cve *tls.CertificateVerificationError
	var rhe tls.RecordHeaderError
	var ce *websocket.CloseError
	k := "other"
	switch {
	case f.mismatch:
		k = "mismatch"
	case AlertFromError(err) != nil:
		k = "alert_" + AlertFromError(err).Name
	case errors.As(err, &cve):
		k = "verify"
	case errors.As(err, &rhe):
		k = "record_header"
	case errors.As(err, &ce):
		k = fmt.Sprintf("close_%d", ce.Code)
	case f.status != 0:
		k = fmt.Sprintf("status_%d", f.status)
	case isTimeout(err):
		k = "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		k = "refused"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		k = "no_local_port"
	case errors.Is(err, syscall.ECONNRESET):
		k = "reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		k = "eof"
	case errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		k = "closed"
	}
	if f.st != nil && f.st.requested {
		k += "_cert_requested"
		if !f.st.sent {
			k += "_none_sent"
		}
	}
	return string(f.stage) + "/" + k
}

// facts returns what the failure's explanation may use.
func (r *loadRun) facts(f *loadFail) Facts {
	t := r.t
	fa := Facts{Side: "client", URL: t.u.String(), Host: t.host, Port: t.port, Path: t.path,
		Timeout: r.o.Timeout, Roots: r.o.RootsDescription, Now: time.Now()}
	if t.secure {
		fa.ServerName = t.sni
		if fa.Roots == "" && r.o.RootCAs == nil {
			fa.Roots = "the system roots"
		}
	}
	if f.st != nil {
		fa.CertRequested = f.st.requested
		fa.ClientCertSent = f.st.sent
		if f.st.cert != nil {
			if leaf := leafOf(f.st.cert); leaf != nil {
				fa.ClientCert = Describe(leaf)
			}
		}
	}
	fa.Expected, fa.Got = f.expected, f.got
	return fa
}

// classify explains a failure from what the load run saw: the stage, the
// error's type, the alert, whether the server asked for a certificate and
// whether one was sent. It is the fallback when no follow-up probe
// reproduced the failure (for TLS and HTTP stages), and the only
// classification for the others.
func (r *loadRun) classify(f *loadFail) *Failure {
	fa := r.facts(f)
	err := f.err
	raw := err.Error()
	alert := AlertFromError(err)
	var cve *tls.CertificateVerificationError
	var rhe tls.RecordHeaderError
	switch f.stage {
	case StageTCP:
		switch {
		case isTimeout(err):
			return newFailure(CauseTimeout, StageTCP, raw, nil, fa)
		case errors.Is(err, syscall.ECONNREFUSED):
			return newFailure(CauseConnectionRefused, StageTCP, raw, nil, fa)
		}
		return newFailure(CauseNetworkError, StageTCP, raw, nil, fa)
	case StageWS:
		if f.mismatch {
			return newFailure(CauseExpectMismatch, StageWS, raw, nil, fa)
		}
		return classifyWS(fa, err)
	}
	// TLS, and HTTP (where TLS 1.3 reports a rejected client certificate).
	requested := f.st != nil && f.st.requested
	switch {
	case errors.As(err, &cve):
		id, _, _, _ := serverCause(cve.Err, cve.UnverifiedCertificates, r.t.sni, fa.Now)
		return newFailure(id, StageTLS, raw, &Alert{Name: AlertName(42), Code: 42, Sent: true}, fa)
	case errors.As(err, &rhe):
		return newFailure(CauseTLSToPlainServer, StageTLS, raw, nil, fa)
	case isTimeout(err):
		return newFailure(CauseTimeout, f.stage, raw, nil, fa)
	case alert != nil && alert.Code == 70:
		return newFailure(CauseProtocolVersionMismatch, StageTLS, raw, alert, fa)
	case alert != nil && alert.Code == 112:
		return newFailure(CauseSNIRequired, StageTLS, raw, alert, fa)
	case requested && (alert != nil || isClosed(err)):
		code := uint8(0)
		if alert != nil {
			code = alert.Code
		}
		switch {
		case !f.st.sent || code == 116:
			return newFailure(CauseClientCertRequired, StageTLS, raw, alert, fa)
		case code == 44:
			return newFailure(CauseClientCertRevoked, StageTLS, raw, alert, fa)
		case code == 45:
			return newFailure(CauseClientCertExpired, StageTLS, raw, alert, fa)
		case code == 43:
			return newFailure(CauseClientCertWrongUsage, StageTLS, raw, alert, fa)
		case code == 48:
			return newFailure(CauseClientCertUntrusted, StageTLS, raw, alert, fa)
		}
		return newFailure(CauseClientCertRejected, StageTLS, raw, alert, fa)
	case alert != nil && alert.Code == 116:
		return newFailure(CauseClientCertRequired, StageTLS, raw, alert, fa)
	case alert != nil:
		return newFailure(CauseTLSAlertUnknown, StageTLS, raw, alert, fa)
	}
	if f.stage == StageTLS {
		if errors.Is(err, syscall.ECONNRESET) {
			return newFailure(CauseNetworkError, StageTLS, raw, nil, fa)
		}
		return newFailure(CauseTLSUnexplained, StageTLS, raw, nil, fa)
	}
	switch code := f.status; {
	case code == 0 && isClosed(err):
		return newFailure(CauseHTTPNoAnswer, StageHTTP, raw, nil, fa)
	case code == 0:
		return newFailure(CauseUpgradeInvalidResponse, StageHTTP, raw, nil, fa)
	case code == http.StatusSwitchingProtocols:
		return newFailure(CauseUpgradeInvalidResponse, StageHTTP, raw, nil, fa)
	case code == http.StatusBadRequest:
		return newFailure(CauseUpgradeBadRequest, StageHTTP, raw, nil, fa)
	case code == http.StatusUnauthorized:
		return newFailure(CauseUpgradeUnauthorized, StageHTTP, raw, nil, fa)
	case code == http.StatusForbidden:
		return newFailure(CauseUpgradeForbidden, StageHTTP, raw, nil, fa)
	case code == http.StatusNotFound:
		return newFailure(CauseUpgradeNotFound, StageHTTP, raw, nil, fa)
	case code == http.StatusUpgradeRequired:
		return newFailure(CauseUpgradeVersion, StageHTTP, raw, nil, fa)
	case code >= 300 && code < 400:
		return newFailure(CauseUpgradeRedirect, StageHTTP, raw, nil, fa)
	case code >= 500:
		return newFailure(CauseUpgradeServerError, StageHTTP, raw, nil, fa)
	}
	return newFailure(CauseHTTPNotWebSocket, StageHTTP, raw, nil, fa)
}

// diagnose runs one probe with the failing connection's settings, after
// the load, to get the full diagnosis (record trace, the server's
// CertificateRequest, local checks of our certificate). It returns nil
// when the probe did not fail at the TLS or HTTP stage, i.e. the failure
// did not reproduce on a quiet server.
func (r *loadRun) diagnose(ctx context.Context, f *loadFail) *Failure {
	o := Options{
		URL:              r.t.u.String(),
		RootCAs:          r.o.RootCAs,
		RootsDescription: r.o.RootsDescription,
		Insecure:         r.o.Insecure,
		ServerName:       r.o.ServerName,
		Timeout:          min(r.o.Timeout, loadDiagnoseLimit),
		Resolver:         r.o.Resolver,
		MinVersion:       r.o.MinVersion,
		MaxVersion:       r.o.MaxVersion,
		Verify:           r.o.Verify,
	}
	if f.st != nil && f.st.cert != nil {
		o.Certificates = []tls.Certificate{*f.st.cert}
	}
	_, err := Run(ctx, o)
	var fe *FailureError
	if errors.As(err, &fe) && (fe.Failure.Stage == StageTLS || fe.Failure.Stage == StageHTTP) {
		return fe.Failure
	}
	return nil
}
