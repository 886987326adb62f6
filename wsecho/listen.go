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
)

// conn is the raw TCP connection under one client connection. It carries
// what the TLS handshake saw, for logs, explanations and the info service.
type conn struct {
	net.Conn
	s     *Server
	id    uint64
	hello *ClientHello // set during the TLS handshake by getConfigForClient
	sniff bool         // plain ws:// only: look once at the first bytes read
}

// Read implements net.Conn. On a plain server it notices, once, a client
// that starts a TLS handshake (a wss:// URL dialled at a ws:// port) and
// says so in the log; net/http then answers 400 as usual.
func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.sniff {
		c.sniff = false
		if n >= 3 && p[0] == 0x16 && p[1] == 0x03 {
			c.s.log.LogAttrs(context.Background(), slog.LevelWarn, "client started a TLS handshake on this plain ws:// port",
				slog.Uint64("conn", c.id), slog.String("remote", c.RemoteAddr().String()),
				slog.String("cause_id", "tls_to_plain_server"),
				slog.String("client_hint", "the client dialled wss:// but this server speaks ws://: use ws:// in the client, or start the server with a certificate"))
		}
	}
	return n, err
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
	c := &conn{Conn: nc, s: l.s, id: l.s.nextID.Add(1)}
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
	defer func() {
		l.mu.Lock()
		delete(l.pending, nc)
		l.mu.Unlock()
	}()

	tc := tls.Server(c, l.s.tlsCfg)
	nc.SetDeadline(time.Now().Add(l.s.set.HandshakeTimeout))
	err := tc.Handshake()
	if err != nil {
		select {
		case <-l.done: // closed by Shutdown: not the client's fault
		default:
			l.s.handshakeFailed(c, err)
		}
		nc.Close()
		return
	}
	nc.SetDeadline(time.Time{})
	l.s.handshakeDone(c, tc.ConnectionState())
	select {
	case l.ready <- tc:
	case <-l.done:
		tc.Close()
	}
}

// handshakeFailed answers a plain HTTP request with 400, as net/http does,
// and logs the failure with its explanation.
func (s *Server) handshakeFailed(c *conn, err error) {
	var rhe tls.RecordHeaderError
	if errors.As(err, &rhe) && rhe.Conn != nil && looksLikeHTTP(rhe.RecordHeader[:]) {
		// Same answer as net/http's: a ws:// or http:// client sees a
		// readable 400 instead of garbage.
		rhe.Conn.SetWriteDeadline(time.Now().Add(time.Second))
		io.WriteString(rhe.Conn, "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nClient sent an HTTP request to an HTTPS server: this port speaks wss:// and https:// only.\n")
	}
	ev := handshakeEvent{Err: err, Hello: c.hello, ClientAuth: s.tlsCfg.ClientAuth, Remote: c.RemoteAddr().String(), AcceptableCAs: s.acceptableCAs}
	ex := explainHandshake(&ev)
	attrs := make([]slog.Attr, 0, 12)
	attrs = append(attrs, slog.Uint64("conn", c.id), slog.String("remote", ev.Remote))
	attrs = append(attrs, c.hello.logAttrs()...)
	attrs = append(attrs, slog.String("error", err.Error()))
	attrs = append(attrs, ex.logAttrs()...)
	s.log.LogAttrs(context.Background(), slog.LevelWarn, "tls handshake failed", attrs...)
}

// handshakeDone logs a client that was asked for a certificate and sent
// none: the handshake succeeds, but that is what most "my client cert is
// not used" reports come down to.
func (s *Server) handshakeDone(c *conn, cs tls.ConnectionState) {
	if len(cs.PeerCertificates) > 0 || s.tlsCfg.ClientAuth == tls.NoClientCert {
		return
	}
	ev := handshakeEvent{ClientAuth: s.tlsCfg.ClientAuth, Hello: c.hello, Remote: c.RemoteAddr().String(), NoClientCert: true, AcceptableCAs: s.acceptableCAs}
	ex := explainHandshake(&ev)
	attrs := []slog.Attr{slog.Uint64("conn", c.id), slog.String("remote", ev.Remote), slog.String("client_cert", "none")}
	attrs = append(attrs, ex.logAttrs()...)
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
