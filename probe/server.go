package probe

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// ServerOptions configure the diagnostic server (wsskit server, s_server).
type ServerOptions struct {
	// Listen is the address to listen on (default 127.0.0.1:8443).
	Listen string
	// Certificates (or GetCertificate) make it a TLS server; with neither it
	// serves plain ws:// and http://.
	Certificates   []tls.Certificate
	GetCertificate func(*tls.ClientHelloInfo) (*tls.Certificate, error)
	// ClientAuth is the client-certificate policy; ClientCAs are the CAs
	// accepted for clients and listed in the CertificateRequest; CRLs are
	// checked for the client's certificate.
	ClientAuth tls.ClientAuthType
	ClientCAs  *x509.CertPool
	CRLs       []*x509.RevocationList
	// MinVersion, MaxVersion and CipherSuites imitate other servers.
	MinVersion, MaxVersion uint16
	CipherSuites           []uint16
	// Timeout bounds each connection's handshake and request (default 10s);
	// IdleTimeout bounds the wait for the next WebSocket message (default 2m).
	Timeout, IdleTimeout time.Duration
	// Trace reports every TLS record as a "trace" event.
	Trace bool
	// KeyLog receives the NSS key log.
	KeyLog io.Writer
	// OnEvent receives every event. It is called from the connections'
	// goroutines, so it must be safe for concurrent use; nil drops events.
	OnEvent func(ServerEvent)
}

// ServerEvent is one thing the diagnostic server saw.
type ServerEvent struct {
	Time time.Time `json:"time"`
	// Conn numbers the connection (from 1); 0 for server-wide events.
	Conn   int    `json:"conn"`
	Remote string `json:"remote,omitempty"`
	// Kind is one of: listening, accepted, client_hello, handshake,
	// handshake_failed, plain_http_on_tls, tls_on_plain, raw_bytes,
	// http_request, ws_open, ws_message, ws_close, closed, trace.
	Kind string `json:"kind"`
	// Text is a one-line summary for logs.
	Text    string           `json:"text"`
	Hello   *ClientHello     `json:"client_hello,omitempty"`
	TLS     *ServerTLSResult `json:"tls,omitempty"`
	Failure *Failure         `json:"failure,omitempty"`
	Request []string         `json:"request,omitempty"`
	Message *WSMessage       `json:"message,omitempty"`
	Close   *CloseInfo       `json:"close,omitempty"`
	// Bytes is a hex dump of data that was neither TLS nor HTTP.
	Bytes string      `json:"bytes,omitempty"`
	Trace *TraceEvent `json:"trace,omitempty"`
}

// ServerTLSResult is a completed handshake seen by the server.
type ServerTLSResult struct {
	Version     string `json:"version"`
	CipherSuite string `json:"cipher_suite"`
	Group       string `json:"group,omitempty"`
	ALPN        string `json:"alpn,omitempty"`
	ServerName  string `json:"server_name,omitempty"`
	// ClientChain is the client's certificate chain (empty: none sent).
	ClientChain []*CertInfo `json:"client_chain,omitempty"`
	// ClientVerified says whether the chain verified against ClientCAs.
	ClientVerified bool `json:"client_verified"`
}

// Server is the diagnostic server. Start it, read Addr, Shutdown at the end.
type Server struct {
	o      ServerOptions
	tlsCfg *tls.Config
	ln     net.Listener
	http   *http.Server
	conns  chan net.Conn // connections handed to the HTTP server
	n      atomic.Int64
	wg     sync.WaitGroup
	mu     sync.Mutex
	info   map[string]*connInfo // by remote address
	quit   chan struct{}
	once   sync.Once
	// handlers counts running HTTP handlers (hijacked WebSockets are not
	// tracked by http.Server); closing stops new ones from being counted.
	handlers sync.WaitGroup
	closing  bool
	// ctx ends at Shutdown; open WebSockets close with it.
	ctx    context.Context
	cancel context.CancelFunc
}

type connInfo struct {
	id     int
	hello  *tls.ClientHelloInfo
	tracer *Tracer
}

// ErrServerClosed is returned by Start after Shutdown.
var ErrServerClosed = errors.New("probe: server closed")

// NewServer checks the options and returns a server that is not started.
func NewServer(o ServerOptions) (*Server, error) {
	if o.Listen == "" {
		o.Listen = "127.0.0.1:8443"
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 2 * time.Minute
	}
	s := &Server{o: o, conns: make(chan net.Conn), info: map[string]*connInfo{}, quit: make(chan struct{})}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if len(o.Certificates) > 0 || o.GetCertificate != nil {
		s.tlsCfg = &tls.Config{
			Certificates:   o.Certificates,
			GetCertificate: o.GetCertificate,
			ClientAuth:     o.ClientAuth,
			ClientCAs:      o.ClientCAs,
			MinVersion:     o.MinVersion,
			MaxVersion:     o.MaxVersion,
			CipherSuites:   o.CipherSuites,
			NextProtos:     []string{"http/1.1"},
			KeyLogWriter:   o.KeyLog,
		}
		if len(o.CRLs) > 0 {
			crls := o.CRLs
			s.tlsCfg.VerifyPeerCertificate = func(_ [][]byte, chains [][]*x509.Certificate) error {
				for _, ch := range chains {
					if err := CheckRevocation(ch, crls); err != nil {
						return err
					}
				}
				return nil
			}
		}
	} else if o.ClientAuth != tls.NoClientCert {
		return nil, errors.New("probe: client authentication needs a TLS server: give it a certificate")
	}
	return s, nil
}

// Start listens and serves in the background until Shutdown or ctx ends.
func (s *Server) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.o.Listen)
	if err != nil {
		return fmt.Errorf("probe: listening on %s: %w", s.o.Listen, err)
	}
	s.ln = ln
	s.http = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: s.o.Timeout,
		ErrorLog:          log.New(io.Discard, "", 0),
		// A connection's info (and its tracer) goes when the connection
		// does, whether or not a request ever completed on it; hijacked
		// WebSockets are forgotten by serveHTTP.
		ConnState: func(c net.Conn, st http.ConnState) {
			if st == http.StateClosed {
				s.mu.Lock()
				delete(s.info, c.RemoteAddr().String())
				s.mu.Unlock()
			}
		},
	}
	l := &chanListener{conns: s.conns, addr: ln.Addr(), quit: s.quit}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		_ = s.http.Serve(l) // ends with http.ErrServerClosed at Shutdown
	}()
	go func() {
		defer s.wg.Done()
		s.acceptLoop()
	}()
	stop := context.AfterFunc(ctx, func() { _ = s.Shutdown(context.Background()) })
	context.AfterFunc(s.ctx, func() { stop() })
	mode := "plain ws:// and http://"
	if s.tlsCfg != nil {
		mode = "TLS (wss:// and https://), client auth " + clientAuthName(s.o.ClientAuth)
	}
	s.emit(ServerEvent{Kind: "listening", Text: "listening on " + ln.Addr().String() + ": " + mode})
	return nil
}

// Addr is the address the server listens on (after Start).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Shutdown stops accepting, closes open connections and waits for the
// server's goroutines (bounded by ctx).
func (s *Server) Shutdown(ctx context.Context) error {
	s.once.Do(func() {
		s.cancel()
		close(s.quit)
		if s.ln != nil {
			s.ln.Close()
		}
	})
	var err error
	if s.http != nil {
		if err = s.http.Shutdown(ctx); err != nil {
			s.http.Close()
		}
	}
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); s.handlers.Wait(); close(done) }()
	select {
	case <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("probe: shutting down the server: %w", ctx.Err())
	}
}

func (s *Server) emit(e ServerEvent) {
	if s.o.OnEvent == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	s.o.OnEvent(e)
}

func (s *Server) acceptLoop() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.quit:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		id := int(s.n.Add(1))
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(id, c)
		}()
	}
}

// handle looks at the first bytes, runs the TLS handshake and hands the
// connection to the HTTP server.
func (s *Server) handle(id int, c net.Conn) {
	remote := c.RemoteAddr().String()
	ev := func(e ServerEvent) { e.Conn, e.Remote = id, remote; s.emit(e) }
	ev(ServerEvent{Kind: "accepted", Text: "connection from " + remote})
	ci := &connInfo{id: id, tracer: NewTracer(false)}
	if s.o.Trace {
		ci.tracer.onEvent = func(t TraceEvent) { ev(ServerEvent{Kind: "trace", Text: t.String(), Trace: &t}) }
	}
	_ = c.SetDeadline(time.Now().Add(s.o.Timeout)) // reset below; errors surface on the first read
	br := bufio.NewReader(c)
	first, err := br.Peek(5)
	if err != nil && len(first) == 0 {
		ev(ServerEvent{Kind: "closed", Text: "closed before sending anything: " + err.Error()})
		c.Close()
		return
	}
	pc := &prefixConn{Conn: c, r: br}
	looksTLS := first[0] == 0x16 && (len(first) < 2 || first[1] == 0x03)
	switch {
	case s.tlsCfg != nil && looksTLS:
		s.serveTLS(ci, pc, ev)
	case s.tlsCfg != nil && looksHTTP(first):
		f := newFailure(CausePlainToTLSServer, StageHTTP, "plain HTTP request on a TLS port", nil,
			Facts{Side: "server", FirstBytes: quoteStart(first, 16)})
		ev(ServerEvent{Kind: "plain_http_on_tls", Text: "plain HTTP on this TLS port", Failure: f})
		_, _ = io.WriteString(c, "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"+
			goHTTPSOnPlainBody+".\nThis port speaks TLS: use wss:// or https://.\n")
		c.Close()
	case s.tlsCfg == nil && looksTLS:
		f := newFailure(CauseTLSToPlainServer, StageTLS, "TLS ClientHello on a plain port", nil, Facts{Side: "server"})
		ev(ServerEvent{Kind: "tls_on_plain", Text: "TLS ClientHello on this plain port", Failure: f})
		// A plain HTTP answer makes TLS clients say "does not look like TLS".
		_, _ = io.WriteString(c, "HTTP/1.0 400 Bad Request\r\nConnection: close\r\n\r\nThis port speaks plain ws:// and http://, not TLS.\n")
		c.Close()
	case looksHTTP(first):
		_ = c.SetDeadline(time.Time{})
		s.toHTTP(ci, pc)
	default:
		buf := make([]byte, 4096)
		n, _ := io.ReadAtLeast(br, buf, 1) // whatever arrived before the deadline
		ev(ServerEvent{Kind: "raw_bytes", Text: fmt.Sprintf("%d bytes that are neither TLS nor HTTP", n), Bytes: hex.Dump(buf[:n])})
		c.Close()
	}
}

func (s *Server) serveTLS(ci *connInfo, pc net.Conn, ev func(ServerEvent)) {
	cfg := s.tlsCfg.Clone()
	cfg.GetConfigForClient = func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		ci.hello = h
		ev(ServerEvent{Kind: "client_hello", Text: helloText(h), Hello: NewClientHello(h)})
		return nil, nil
	}
	tc := tls.Server(ci.tracer.Wrap(pc), cfg)
	ctx, cancel := context.WithTimeout(context.Background(), s.o.Timeout)
	err := tc.HandshakeContext(ctx)
	cancel()
	cs := tc.ConnectionState()
	if err != nil {
		side := ServerSide{AcceptableCAs: AcceptableCANames(s.o.ClientCAs), MinVersion: s.o.MinVersion,
			MaxVersion: s.o.MaxVersion, CipherSuites: s.o.CipherSuites, ReceivedAlert: ci.tracer.LastAlert(false)}
		if c := s.certFor(ci.hello); c != nil {
			side.Certificate, side.ChainLen = leafOf(c), len(c.Certificate)
		}
		f := ExplainServerHandshake(err, ci.hello, &cs, s.o.ClientAuth, side)
		ev(ServerEvent{Kind: "handshake_failed", Text: "handshake failed: " + f.Raw, Failure: f})
		tc.Close()
		return
	}
	res := &ServerTLSResult{Version: VersionName(cs.Version), CipherSuite: tls.CipherSuiteName(cs.CipherSuite),
		ALPN: cs.NegotiatedProtocol, ServerName: cs.ServerName, ClientVerified: len(cs.VerifiedChains) > 0}
	if cs.CurveID != 0 {
		res.Group = cs.CurveID.String()
	}
	for _, c := range cs.PeerCertificates {
		res.ClientChain = append(res.ClientChain, Describe(c))
	}
	text := fmt.Sprintf("handshake done: %s, %s", res.Version, res.CipherSuite)
	if len(res.ClientChain) > 0 {
		verdict := "not verified (client auth " + clientAuthName(s.o.ClientAuth) + ")"
		if res.ClientVerified {
			verdict = "verified"
		}
		text += fmt.Sprintf(", client certificate %q issued by %q, %s", res.ClientChain[0].Subject, res.ClientChain[0].Issuer, verdict)
	} else {
		text += ", no client certificate"
	}
	ev(ServerEvent{Kind: "handshake", Text: text, TLS: res})
	_ = pc.SetDeadline(time.Time{})
	s.toHTTP(ci, tc)
}

// certFor returns the certificate (with its chain) a handshake with h got,
// or would have got.
func (s *Server) certFor(h *tls.ClientHelloInfo) *tls.Certificate {
	var c *tls.Certificate
	if s.o.GetCertificate != nil && h != nil {
		c, _ = s.o.GetCertificate(h) // only for the explanation; its error was already the handshake's
	}
	if c == nil && len(s.o.Certificates) > 0 {
		c = &s.o.Certificates[0]
	}
	return c
}

// toHTTP hands the connection to the HTTP server.
func (s *Server) toHTTP(ci *connInfo, c net.Conn) {
	s.mu.Lock()
	s.info[c.RemoteAddr().String()] = ci
	s.mu.Unlock()
	select {
	case s.conns <- c:
	case <-s.quit:
		c.Close()
	}
}

func (s *Server) connInfo(r *http.Request) *connInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ci := s.info[r.RemoteAddr]; ci != nil {
		return ci
	}
	return &connInfo{}
}

func (s *Server) forget(r *http.Request) {
	s.mu.Lock()
	delete(s.info, r.RemoteAddr)
	s.mu.Unlock()
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return
	}
	s.handlers.Add(1)
	s.mu.Unlock()
	defer s.handlers.Done()
	ci := s.connInfo(r)
	ev := func(e ServerEvent) { e.Conn, e.Remote = ci.id, r.RemoteAddr; s.emit(e) }
	req := append([]string{r.Method + " " + r.RequestURI + " " + r.Proto}, headerLines(r.Header)...)
	ev(ServerEvent{Kind: "http_request", Text: r.Method + " " + r.RequestURI, Request: req})
	if websocket.IsWebSocketUpgrade(r) {
		s.echo(w, r, ev)
		s.forget(r)
		return
	}
	// The report quotes the request's headers: never let a browser sniff
	// it into HTML, run anything in it, or cache it.
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, connectionReport(r, ci, req))
}

// echo upgrades and echoes every frame, logging each.
func (s *Server) echo(w http.ResponseWriter, r *http.Request, ev func(ServerEvent)) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }} // a diagnostic server accepts any Origin and logs it
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		ev(ServerEvent{Kind: "ws_close", Text: "upgrade failed: " + err.Error()})
		return
	}
	defer c.Close()
	stop := context.AfterFunc(s.ctx, func() { c.Close() })
	defer stop()
	ev(ServerEvent{Kind: "ws_open", Text: "WebSocket open, origin " + orDefault(r.Header.Get("Origin"), "(none)")})
	for i := 0; i < 1_000_000; i++ {
		_ = c.SetReadDeadline(time.Now().Add(s.o.IdleTimeout)) // a failure shows up in ReadMessage
		typ, data, err := c.ReadMessage()
		if err != nil {
			ci := &CloseInfo{By: "client", Code: websocket.CloseAbnormalClosure, Reason: err.Error()}
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				ci.Code, ci.Reason, ci.Clean = ce.Code, ce.Text, ce.Code != websocket.CloseAbnormalClosure
			}
			ev(ServerEvent{Kind: "ws_close", Text: fmt.Sprintf("closed: %d %s", ci.Code, ci.Reason), Close: ci})
			return
		}
		m := record("received", Message{Binary: typ == websocket.BinaryMessage, Data: data}, 0)
		ev(ServerEvent{Kind: "ws_message", Text: fmt.Sprintf("%s message, %d bytes: %s", m.Type, m.Size, m.Data), Message: &m})
		_ = c.SetWriteDeadline(time.Now().Add(s.o.Timeout))
		if err := c.WriteMessage(typ, data); err != nil {
			ev(ServerEvent{Kind: "ws_close", Text: "echo failed: " + err.Error()})
			return
		}
	}
}

// connectionReport is the text answer to a plain HTTP(S) request.
func connectionReport(r *http.Request, ci *connInfo, req []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "wsskit server: report of your connection\n\nremote: %s\n", r.RemoteAddr)
	if r.TLS == nil {
		b.WriteString("TLS: none (plain HTTP)\n")
	} else {
		cs := r.TLS
		fmt.Fprintf(&b, "TLS: %s, %s", VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite))
		if cs.CurveID != 0 {
			fmt.Fprintf(&b, ", group %s", cs.CurveID)
		}
		fmt.Fprintf(&b, ", ALPN %q, SNI %q\n", cs.NegotiatedProtocol, cs.ServerName)
		if h := NewClientHello(ci.hello); h != nil {
			fmt.Fprintf(&b, "you offered: versions %s; groups %s; ALPN %s\n  cipher suites %s\n",
				strings.Join(h.Versions, ", "), strings.Join(h.Groups, ", "), strings.Join(h.ALPN, ", "), strings.Join(h.CipherSuites, ", "))
		}
		if len(cs.PeerCertificates) == 0 {
			b.WriteString("client certificate: none sent\n")
		}
		for i, c := range cs.PeerCertificates {
			d := Describe(c)
			fmt.Fprintf(&b, "client certificate [%d]: subject %q, issuer %q, valid %s to %s, %s\n", i, d.Subject, d.Issuer, ts(d.NotBefore), ts(d.NotAfter), d.Key)
		}
		if len(cs.PeerCertificates) > 0 {
			fmt.Fprintf(&b, "client certificate verified: %v\n", len(cs.VerifiedChains) > 0)
		}
	}
	b.WriteString("\nrequest:\n")
	for _, l := range req {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

func helloText(h *tls.ClientHelloInfo) string {
	ch := NewClientHello(h)
	sni := "no SNI"
	if ch.ServerName != "" {
		sni = "SNI " + ch.ServerName
	}
	return fmt.Sprintf("ClientHello: %s, versions %s, %d cipher suites, groups %s, ALPN %s",
		sni, strings.Join(ch.Versions, "/"), len(ch.CipherSuites), strings.Join(ch.Groups, ","), orDefault(strings.Join(ch.ALPN, ","), "none"))
}

func clientAuthName(a tls.ClientAuthType) string {
	switch a {
	case tls.NoClientCert:
		return "none"
	case tls.RequestClientCert, tls.VerifyClientCertIfGiven:
		return "request"
	}
	return "require"
}

func looksHTTP(b []byte) bool {
	for _, m := range []string{"GET ", "POST", "HEAD", "PUT ", "OPTI", "DELE", "PATC", "CONN", "PRI "} {
		if bytes.HasPrefix(b, []byte(m[:min(len(m), len(b))])) && len(b) >= 3 {
			return true
		}
	}
	return false
}

// prefixConn reads first from the buffered reader that peeked.
type prefixConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *prefixConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// chanListener feeds http.Server the connections handle prepared.
type chanListener struct {
	conns chan net.Conn
	addr  net.Addr
	quit  chan struct{}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.quit:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error   { return nil }
func (l *chanListener) Addr() net.Addr { return l.addr }
