package wsecho

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/wsskit/wsskit/probe"
)

// conn is the raw TCP connection under one client connection. It carries
// what the TLS handshake saw, for logs, explanations and the info service.
type conn struct {
	net.Conn
	s     *Server
	id    uint64
	hello *tls.ClientHelloInfo // set during the TLS handshake by getConfigForClient
	// tracer watches the TLS records of the handshake only (nil after it):
	// a TLS 1.3 client that rejects our certificate may send its alert in
	// plaintext, which crypto/tls reports only as "bad record MAC".
	tracer *probe.Tracer
	sniff  bool // plain ws:// only: look once at the first bytes read
}

// Read implements net.Conn. On a plain server it notices, once, a client
// that starts a TLS handshake (a wss:// URL dialled at a ws:// port) and
// says so in the log; net/http then answers 400 as usual.
func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.tracer != nil && n > 0 {
		c.tracer.Feed(false, p[:n])
	}
	if c.sniff {
		c.sniff = false
		if n >= 3 && p[0] == 0x16 && p[1] == 0x03 {
			cause := probe.LookupCause(probe.CauseTLSToPlainServer)
			f := probe.Facts{Side: "server", Host: c.LocalAddr().String()}
			c.s.log.LogAttrs(context.Background(), slog.LevelWarn, "client started a TLS handshake on this plain ws:// port",
				slog.Uint64("conn", c.id), slog.String("remote", c.RemoteAddr().String()),
				slog.String("cause_id", cause.ID), slog.String("cause", cause.Explain(f)), slog.String("fix", cause.Fix(f)))
		}
	}
	return n, err
}

// Write implements net.Conn.
func (c *conn) Write(p []byte) (int, error) {
	if c.tracer != nil {
		c.tracer.Feed(true, p)
	}
	return c.Conn.Write(p)
}

type connKey struct{}

// connContext stores the *conn of each HTTP connection in its context.
func connContext(ctx context.Context, nc net.Conn) context.Context {
	var c *conn
	switch v := nc.(type) {
	case *conn:
		c = v
	case *tls.Conn:
		c, _ = v.NetConn().(*conn)
	}
	if c == nil {
		return ctx
	}
	return context.WithValue(ctx, connKey{}, c)
}

func connFrom(ctx context.Context) *conn {
	c, _ := ctx.Value(connKey{}).(*conn)
	return c
}

// plainListener wraps accepted TCP connections for ws:// serving.
type plainListener struct {
	net.Listener
	s *Server
}

func (l *plainListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &conn{Conn: nc, s: l.s, id: l.s.nextID.Add(1), sniff: true}, nil
}

// tlsListener accepts TCP connections, runs each TLS handshake in its own
// goroutine (so a slow client never blocks Accept) and hands only finished
// handshakes to net/http. Doing the handshake here, not in net/http, is what
// lets the server log every failed handshake with the ClientHello and an
// explanation instead of net/http's one-line "TLS handshake error".
type tlsListener struct {
	raw   net.Listener
	s     *Server
	ready chan net.Conn
	done  chan struct{}

	closeOnce sync.Once
	mu        sync.Mutex
	err       error                 // why accepting stopped
	pending   map[net.Conn]struct{} // connections in their handshake
}

func newTLSListener(raw net.Listener, s *Server) *tlsListener {
	l := &tlsListener{raw: raw, s: s, ready: make(chan net.Conn), done: make(chan struct{}), pending: make(map[net.Conn]struct{})}
	if s.track() {
		go l.run()
	} else {
		l.Close()
	}
	return l
}

func (l *tlsListener) run() {
	defer l.s.wg.Done()
	var backoff time.Duration
	for {
		nc, err := l.raw.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				select {
				case <-time.After(backoff):
					continue
				case <-l.done:
				}
			}
			l.stop(err)
			return
		}
		backoff = 0
		if !l.s.track() {
			nc.Close()
			l.stop(ErrServerClosed)
			return
		}
		go l.handshake(nc)
	}
}

func (l *tlsListener) handshake(nc net.Conn) {
	defer l.s.wg.Done()
	c := &conn{Conn: nc, s: l.s, id: l.s.nextID.Add(1), tracer: probe.NewTracer(false)}
	l.mu.Lock()
	select {
	case <-l.done:
		l.mu.Unlock()
		nc.Close()
		return
	default:
	}
	l.pending[nc] = struct{}{}
	l.mu.Unlock()

	tc := tls.Server(c, l.s.tlsCfg)
	nc.SetDeadline(time.Now().Add(l.s.set.HandshakeTimeout))
	err := tc.Handshake()
	// No longer ours to close on stop once the handshake is over: from
	// here the connection is handed to net/http (or closed below).
	l.mu.Lock()
	delete(l.pending, nc)
	l.mu.Unlock()
	if err != nil {
		select {
		case <-l.done: // closed by Shutdown: not the client's fault
		default:
			cs := tc.ConnectionState()
			l.s.handshakeFailed(c, err, &cs)
		}
		nc.Close()
		return
	}
	c.tracer = nil
	nc.SetDeadline(time.Time{})
	l.s.handshakeDone(c, tc.ConnectionState())
	select {
	case l.ready <- tc:
	case <-l.done:
		tc.Close()
	}
}

// handshakeFailed answers a plain HTTP request with 400, as net/http does,
// and logs the failure with the probe's explanation.
func (s *Server) handshakeFailed(c *conn, err error, cs *tls.ConnectionState) {
	var rhe tls.RecordHeaderError
	if errors.As(err, &rhe) && rhe.Conn != nil && looksLikeHTTP(rhe.RecordHeader[:]) {
		// Same answer as net/http's: a ws:// or http:// client sees a
		// readable 400 instead of garbage.
		rhe.Conn.SetWriteDeadline(time.Now().Add(time.Second))
		io.WriteString(rhe.Conn, "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nClient sent an HTTP request to an HTTPS server: this port speaks wss:// and https:// only.\n")
	}
	f := s.explainFailure(c, err, cs)
	attrs := make([]slog.Attr, 0, 12)
	attrs = append(attrs, slog.Uint64("conn", c.id), slog.String("remote", c.RemoteAddr().String()))
	attrs = append(attrs, helloAttrs(c.hello)...)
	var cve *tls.CertificateVerificationError
	switch {
	case errors.As(err, &cve) && len(cve.UnverifiedCertificates) > 0:
		attrs = append(attrs, slog.String("client_cert", cve.UnverifiedCertificates[0].Subject.String()))
	case cs != nil && len(cs.PeerCertificates) > 0:
		attrs = append(attrs, slog.String("client_cert", cs.PeerCertificates[0].Subject.String()))
	}
	attrs = append(attrs, failureAttrs(f)...)
	s.log.LogAttrs(context.Background(), slog.LevelWarn, "tls handshake failed", attrs...)
}

// handshakeDone logs a client that was asked for a certificate and sent
// none: the handshake succeeds, but that is what most "my client cert is
// not used" reports come down to.
func (s *Server) handshakeDone(c *conn, cs tls.ConnectionState) {
	if len(cs.PeerCertificates) > 0 || s.tlsCfg.ClientAuth == tls.NoClientCert {
		return
	}
	attrs := []slog.Attr{slog.Uint64("conn", c.id), slog.String("remote", c.RemoteAddr().String()), slog.String("client_cert", "none")}
	attrs = append(attrs, helloAttrs(c.hello)...)
	attrs = append(attrs, slog.String("client_auth", clientAuthName(s.tlsCfg)), slog.String("likely_client_reason", noCertHints(s.acceptableCAs)))
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "client sent no certificate", attrs...)
}

func looksLikeHTTP(hdr []byte) bool {
	switch string(hdr) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO", "DELET", "CONNE", "PATCH":
		return true
	}
	return false
}

// Accept returns the next connection whose TLS handshake succeeded.
func (l *tlsListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ready:
		return c, nil
	case <-l.done:
		l.mu.Lock()
		defer l.mu.Unlock()
		return nil, l.err
	}
}

// stop ends accepting with err and closes every connection still in its
// handshake.
func (l *tlsListener) stop(err error) {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.err = err
		close(l.done)
		for nc := range l.pending {
			nc.Close()
		}
		l.mu.Unlock()
		l.raw.Close()
	})
}

// Close implements net.Listener.
func (l *tlsListener) Close() error {
	l.stop(net.ErrClosed)
	return nil
}

// Addr implements net.Listener.
func (l *tlsListener) Addr() net.Addr { return l.raw.Addr() }
