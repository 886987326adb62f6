package wsecho

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
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
	// alerts watches the records the client sends during the handshake
	// only (watching is false after it): a TLS 1.3 client that rejects our
	// certificate may send its alert in plaintext, which crypto/tls
	// reports only as "bad record MAC".
	alerts   alertWatch
	watching bool
	sniff    bool // plain ws:// only: look once at the first bytes read
}

// alertWatch finds the last plaintext alert in a stream of TLS records as
// probe.Tracer does (a record of type alert with a 2-byte body: encrypted
// alerts are longer), without keeping the records: it costs no
// allocation per handshake, where a full trace cost about 12 KB.
type alertWatch struct {
	hdr     [5]byte
	nhdr    int // header bytes read
	left    int // body bytes of the current record still to come
	body    [2]byte
	nbody   int  // body bytes kept (alert records only)
	isAlert bool // the current record is a 2-byte alert
	stopped bool // not TLS: nothing more to find
	seen    bool
	code    uint8 // the last alert's description
}

// maxRecordLen is the longest TLS record (RFC 8446 section 5.2).
const maxRecordLen = 1<<14 + 2048

func (w *alertWatch) feed(p []byte) {
	for len(p) > 0 && !w.stopped {
		if w.nhdr < len(w.hdr) {
			k := copy(w.hdr[w.nhdr:], p)
			w.nhdr += k
			p = p[k:]
			if w.nhdr < len(w.hdr) {
				return
			}
			typ, major, minor := w.hdr[0], w.hdr[1], w.hdr[2]
			length := int(w.hdr[3])<<8 | int(w.hdr[4])
			if typ < 20 || typ > 24 || major != 3 || minor > 4 || length > maxRecordLen {
				w.stopped = true
				return
			}
			w.left, w.isAlert, w.nbody = length, typ == 21 && length == 2, 0
		}
		k := min(w.left, len(p))
		if w.isAlert {
			w.nbody += copy(w.body[w.nbody:], p[:k])
		}
		w.left -= k
		p = p[k:]
		if w.left == 0 {
			w.nhdr = 0
			if w.isAlert {
				w.seen, w.code = true, w.body[1]
			}
		}
	}
}

// last returns the last complete plaintext alert, or nil.
func (w *alertWatch) last() *probe.Alert {
	if !w.seen {
		return nil
	}
	return &probe.Alert{Name: probe.AlertName(w.code), Code: w.code}
}

// Read implements net.Conn. On a plain server it notices, once, a client
// that starts a TLS handshake (a wss:// URL dialled at a ws:// port) and
// says so in the log; net/http then answers 400 as usual.
func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.watching && n > 0 {
		c.alerts.feed(p[:n])
	}
	if c.sniff {
		c.sniff = false
		c.sniffTLS(p[:n])
	}
	return n, err
}

// sniffTLS logs a client that starts a TLS handshake on a plain port. It is
// kept out of Read (never inlined) because its log call needs a 1.5 KB
// stack frame, and every idle connection's reader goroutine parks inside
// Read: a frame that large there doubles each idle connection's stack.
//
//go:noinline
func (c *conn) sniffTLS(p []byte) {
	if len(p) >= 3 && p[0] == 0x16 && p[1] == 0x03 {
		cause := probe.LookupCause(probe.CauseTLSToPlainServer)
		f := probe.Facts{Side: "server", Host: c.LocalAddr().String()}
		c.s.log.LogAttrs(context.Background(), slog.LevelWarn, "client started a TLS handshake on this plain ws:// port",
			slog.Uint64("conn", c.id), slog.String("remote", c.RemoteAddr().String()),
			slog.String("cause_id", cause.ID), slog.String("cause", cause.Explain(f)), slog.String("fix", cause.Fix(f)))
	}
}

type connKey struct{}

// connContext stores the *conn of each HTTP connection in its context.
func connContext(ctx context.Context, nc net.Conn) context.Context {
	var c *conn
	switch v := nc.(type) {
	case *conn:
		c = v
	case *tlsConn:
		c = v.c
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

// tlsListener hands net/http connections whose TLS handshake runs on their
// first read or write, in the goroutine net/http starts for the connection
// (one goroutine per connection, as a plain crypto/tls server has, so a
// slow client never blocks Accept), but through the server's own
// handshake: a failed handshake is logged with the ClientHello and an
// explanation instead of net/http's one-line "TLS handshake error".
type tlsListener struct {
	raw  net.Listener
	s    *Server
	done chan struct{}

	closeOnce sync.Once
	mu        sync.Mutex
	err       error              // why accepting stopped
	pending   map[*conn]struct{} // connections in their handshake
}

func newTLSListener(raw net.Listener, s *Server) *tlsListener {
	return &tlsListener{raw: raw, s: s, done: make(chan struct{}), pending: make(map[*conn]struct{})}
}

// Accept returns the next connection, its handshake still to come.
func (l *tlsListener) Accept() (net.Conn, error) {
	nc, err := l.raw.Accept()
	if err != nil {
		select {
		case <-l.done:
			l.mu.Lock()
			defer l.mu.Unlock()
			return nil, l.err
		default:
		}
		return nil, err // net/http retries temporary errors with a backoff
	}
	c := &conn{Conn: nc, s: l.s, id: l.s.nextID.Add(1), watching: true}
	return &tlsConn{Conn: tls.Server(c, l.s.tlsCfg), c: c, l: l}, nil
}

// tlsConn is one accepted wss:// (or https://) connection.
type tlsConn struct {
	*tls.Conn
	c     *conn
	l     *tlsListener
	ready atomic.Bool // the handshake succeeded

	mu       sync.Mutex // serializes the handshake
	err      error      // the handshake failed with it
	rdl, wdl time.Time  // deadlines net/http set before the handshake ended
}

// Read implements net.Conn, running the handshake first.
func (t *tlsConn) Read(p []byte) (int, error) {
	if !t.ready.Load() {
		if err := t.handshake(); err != nil {
			return 0, err
		}
	}
	return t.Conn.Read(p)
}

// Write implements net.Conn, running the handshake first.
func (t *tlsConn) Write(p []byte) (int, error) {
	if !t.ready.Load() {
		if err := t.handshake(); err != nil {
			return 0, err
		}
	}
	return t.Conn.Write(p)
}

// ConnectionState runs the handshake and returns the connection's TLS
// state. net/http asks for it first thing for every connection that has
// this method (it is what sets Request.TLS), so the handshake runs there,
// before net/http sets its header-read deadline.
func (t *tlsConn) ConnectionState() tls.ConnectionState {
	if !t.ready.Load() {
		t.handshake() // a failure is logged; reads and writes return it
	}
	return t.Conn.ConnectionState()
}

// SetDeadline implements net.Conn; a deadline set before the handshake
// ends applies after it (the handshake has its own).
func (t *tlsConn) SetDeadline(d time.Time) error {
	t.note(&d, &d)
	return t.Conn.SetDeadline(d)
}

// SetReadDeadline implements net.Conn, like SetDeadline.
func (t *tlsConn) SetReadDeadline(d time.Time) error {
	t.note(&d, nil)
	return t.Conn.SetReadDeadline(d)
}

// SetWriteDeadline implements net.Conn, like SetDeadline.
func (t *tlsConn) SetWriteDeadline(d time.Time) error {
	t.note(nil, &d)
	return t.Conn.SetWriteDeadline(d)
}

func (t *tlsConn) note(rd, wd *time.Time) {
	if t.ready.Load() {
		return
	}
	t.mu.Lock()
	if rd != nil {
		t.rdl = *rd
	}
	if wd != nil {
		t.wdl = *wd
	}
	t.mu.Unlock()
}

// handshake runs the TLS handshake once, logs a failure with its
// explanation, and prepares the connection for a long idle life.
func (t *tlsConn) handshake() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ready.Load() {
		return nil
	}
	if t.err != nil {
		return t.err
	}
	l, c := t.l, t.c
	l.mu.Lock()
	select {
	case <-l.done:
		l.mu.Unlock()
		c.Close()
		t.err = net.ErrClosed
		return t.err
	default:
	}
	l.pending[c] = struct{}{}
	l.mu.Unlock()

	c.Conn.SetDeadline(time.Now().Add(l.s.set.HandshakeTimeout))
	err := t.Conn.Handshake()
	// No longer ours to close on stop once the handshake is over: from
	// here net/http owns the connection.
	l.mu.Lock()
	delete(l.pending, c)
	l.mu.Unlock()
	if err != nil {
		select {
		case <-l.done: // closed by Shutdown: not the client's fault
		default:
			cs := t.Conn.ConnectionState()
			l.s.handshakeFailed(c, err, &cs)
		}
		c.Close()
		t.err = err
		return err
	}
	c.watching = false
	cs := t.Conn.ConnectionState()
	c.Conn.SetReadDeadline(t.rdl)
	c.Conn.SetWriteDeadline(t.wdl)
	l.s.handshakeDone(c, cs)
	t.ready.Store(true)
	return nil
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
	level := slog.LevelWarn
	if c.hello == nil && errors.Is(err, io.EOF) {
		// Not a byte before the close: a port check or a health probe,
		// which would otherwise fill the log with warnings.
		level = slog.LevelInfo
	}
	s.log.LogAttrs(context.Background(), level, "tls handshake failed", attrs...)
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

// stop ends accepting with err and closes every connection still in its
// handshake.
func (l *tlsListener) stop(err error) {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.err = err
		close(l.done)
		for c := range l.pending {
			c.Close()
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
