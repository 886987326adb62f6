package wsecho

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/wsskit/wsskit/probe"
)

// DefaultBridgeListen is where a bridge listens when BridgeOptions.Listen is
// empty: loopback only.
const DefaultBridgeListen = "127.0.0.1:8081"

// CloseUpstreamFailed (1011, internal error) is what the bridge sends its
// local client when the upstream connection fails or is lost, with the
// cause id in the reason. The registry's 1014 (bad gateway) would fit
// better, but gorilla/websocket clients (wsskit client among them) reject
// it as an invalid code.
const CloseUpstreamFailed = websocket.CloseInternalServerErr

// BridgeOptions configures a Bridge.
type BridgeOptions struct {
	// Listen is the local address (host:port) for ws:// clients. Default
	// DefaultBridgeListen. A non-loopback address is allowed but logged
	// as a warning: anyone who reaches it connects with your certificate.
	Listen string

	// To is the upstream URL, wss://HOST:PORT[/path][?query] (ws:// works
	// too). A local request for "/" goes to To's path; any other local
	// path replaces it. To's query comes first, then the local one.
	To string

	// Certificates are the client certificate chains presented upstream
	// (the first whose issuer the server lists, else the first).
	Certificates []tls.Certificate
	// RootCAs are the CAs trusted for the upstream's chain (nil: the system
	// roots); RootsDescription names them in explanations ("--cafile
	// ca.pem").
	RootCAs          *x509.CertPool
	RootsDescription string
	// ServerName overrides the SNI and the name verified upstream.
	ServerName string
	// MinVersion and MaxVersion bound the upstream TLS versions (0: Go's).
	MinVersion, MaxVersion uint16
	// Insecure goes on when the upstream's chain does not verify; the
	// verdict is still logged (a note per connection).
	Insecure bool

	// Origins are extra Origin values accepted from local clients. No
	// Origin, the bridge's own page and any origin whose host is a
	// loopback address or localhost are always accepted, so that no web
	// site you visit can use your certificate through the bridge.
	Origins []string
	// ForwardOrigin sends the local client's Origin header upstream. Off
	// by default: the upstream would judge a localhost origin it does not
	// know, and a native client sends none.
	ForwardOrigin bool

	// Timeout bounds each stage of the upstream connection (resolve, TCP,
	// TLS, upgrade). Zero means probe.DefaultTimeout.
	Timeout time.Duration
	// WriteTimeout bounds every relayed write. Zero means
	// DefaultWriteTimeout.
	WriteTimeout time.Duration
	// CloseGrace is how long a relayed close waits for the other side's
	// close frame. Zero means DefaultCloseGrace.
	CloseGrace time.Duration
	// ReadLimit, when positive, closes a side that sends a larger message
	// with 1009. Zero means no limit: messages are streamed, not buffered.
	ReadLimit int64

	// Logger receives one line per relayed connection and per failure,
	// with the probe's cause and fix. Nil discards logs.
	Logger *slog.Logger
}

// Bridge relays local ws:// connections to a wss:// server, presenting a
// client certificate there: browser JavaScript cannot present one itself.
// It also serves the test page at "/" (connecting through the bridge) and
// "/healthz".
type Bridge struct {
	o        BridgeOptions
	to       *url.URL
	log      *slog.Logger
	upgrader websocket.Upgrader
	http     *http.Server

	lifecycle // its mu guards relays too
	relays    map[*relay]struct{}
}

// NewBridge validates o and returns a Bridge ready to Start or Serve.
func NewBridge(o BridgeOptions) (*Bridge, error) {
	if o.Listen == "" {
		o.Listen = DefaultBridgeListen
	}
	u, err := url.Parse(o.To)
	switch {
	case o.To == "":
		return nil, badOption("bridge: no upstream URL (wss://HOST:PORT[/path])")
	case err != nil:
		return nil, badOption("bridge: upstream URL %q: %v", o.To, err)
	case u.Scheme != "wss" && u.Scheme != "ws":
		return nil, badOption("bridge: upstream URL %q must start with wss:// (or ws://)", o.To)
	case u.Host == "":
		return nil, badOption("bridge: upstream URL %q has no host", o.To)
	case u.Fragment != "":
		return nil, badOption("bridge: upstream URL %q has a fragment", o.To)
	}
	if u.Scheme == "ws" && len(o.Certificates) > 0 {
		return nil, badOption("bridge: a client certificate needs a wss:// upstream, not %q", o.To)
	}
	for _, or := range o.Origins {
		if or == "*" {
			continue
		}
		if ou, err := url.Parse(or); err != nil || ou.Scheme == "" || ou.Host == "" {
			return nil, badOption("origin %q is not scheme://host[:port]", or)
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = probe.DefaultTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.CloseGrace <= 0 {
		o.CloseGrace = DefaultCloseGrace
	}
	if o.ReadLimit < 0 {
		return nil, badOption("read limit %d is negative", o.ReadLimit)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	b := &Bridge{o: o, to: u, log: o.Logger, relays: make(map[*relay]struct{})}
	b.upgrader = websocket.Upgrader{
		HandshakeTimeout: o.Timeout,
		CheckOrigin:      func(r *http.Request) bool { return originAllowed(r, o.Origins, true) },
		WriteBufferPool:  &writePool,
		Error:            b.upgradeError,
	}
	b.http = &http.Server{
		Handler:           b,
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(b.log.Handler(), slog.LevelWarn),
	}
	return b, nil
}

// Start listens on BridgeOptions.Listen and serves in the background; ctx
// bounds only the listen call. Stop it with Shutdown.
func (b *Bridge) Start(ctx context.Context) error {
	return b.start(ctx, b.o.Listen, "bridge", b.log, b.claim, b.serve)
}

// Serve serves local connections accepted on ln until Shutdown, then
// returns ErrServerClosed.
func (b *Bridge) Serve(ln net.Listener) error {
	if err := b.claim(ln, false); err != nil {
		return err
	}
	return b.serve(ln)
}

func (b *Bridge) claim(ln net.Listener, track bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.claimLocked(ln, track)
}

func (b *Bridge) serve(ln net.Listener) error {
	attrs := []any{"addr", ln.Addr().String(), "to", b.to.String(), "client_certificate", b.certName()}
	if host, _, err := net.SplitHostPort(ln.Addr().String()); err == nil && !isLoopbackHost(host) {
		b.log.Warn("bridge listens beyond loopback: anyone who reaches it connects upstream with your client certificate", attrs...)
	}
	b.log.Info("bridge listening", attrs...)
	err := b.http.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return ErrServerClosed
	}
	if err != nil {
		return fmt.Errorf("wsecho: bridge: serving %s: %w", ln.Addr(), err)
	}
	return nil
}

func (b *Bridge) certName() string {
	if len(b.o.Certificates) == 0 || len(b.o.Certificates[0].Certificate) == 0 {
		return "none"
	}
	leaf := b.o.Certificates[0].Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(b.o.Certificates[0].Certificate[0]); err != nil {
			return "unparsable: " + err.Error()
		}
	}
	return leaf.Subject.String()
}

// URL returns ws://host:port of the bridge, or "" before Start or Serve.
func (b *Bridge) URL() string {
	if a := b.Addr(); a != nil {
		return "ws://" + a.String()
	}
	return ""
}

// Shutdown stops accepting, sends close 1001 to both sides of every relayed
// connection and waits for them (each at most CloseGrace). When ctx ends
// first the remaining connections are dropped and ctx's error returned.
func (b *Bridge) Shutdown(ctx context.Context) error {
	b.mu.Lock()
	b.closing = true
	goAway := make([]func(), 0, len(b.relays))
	for r := range b.relays {
		goAway = append(goAway, r.goingAway)
	}
	b.mu.Unlock()
	return b.drain(ctx, b.http, "bridge", goAway, func() {
		for r := range b.relays {
			r.local.NetConn().Close()
			r.up.NetConn().Close()
		}
	})
}

// ServeHTTP relays WebSocket upgrades and serves the test page.
func (b *Bridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if websocket.IsWebSocketUpgrade(r) {
		b.serveWS(w, r)
		return
	}
	switch p := r.URL.Path; {
	case p == "/healthz":
		b.mu.Lock()
		n := len(b.relays)
		b.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(struct {
			Status      string `json:"status"`
			To          string `json:"to"`
			Connections int    `json:"connections"`
		}{"ok", b.to.String(), n})
	case p == "/" || strings.HasPrefix(p, reservedPrefix):
		kind := "bridge to " + b.to.String()
		svcs := []pageService{{Path: "/", Kind: kind}}
		if up := b.to.EscapedPath(); up != "" && up != "/" {
			svcs = append(svcs, pageService{Path: up, Kind: kind})
		}
		servePageFor(w, r, pageInfo{Server: "wsskit bridge to " + b.to.String(), Services: svcs})
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "wsecho bridge: WebSocket connections to any path here are relayed to %s (the path replaces %q); open / for the test page.\n",
			b.to.String(), b.to.EscapedPath())
	}
}

func (b *Bridge) upgradeError(w http.ResponseWriter, r *http.Request, status int, reason error) {
	b.log.Warn("local upgrade refused", "remote", r.RemoteAddr, "path", r.URL.Path, "status", status,
		"origin", r.Header.Get("Origin"), "error", reason.Error())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	if status == http.StatusForbidden {
		fmt.Fprintf(w, "wsecho bridge: origin %q is not allowed (allowed: no Origin, loopback origins%s)\n",
			r.Header.Get("Origin"), listSuffix(b.o.Origins))
		return
	}
	fmt.Fprintln(w, reason.Error())
}

// upstreamURL maps a local request to the upstream URL.
func (b *Bridge) upstreamURL(r *http.Request) string {
	u := *b.to
	if p := r.URL.EscapedPath(); p != "" && p != "/" {
		u.Path, u.RawPath = r.URL.Path, r.URL.RawPath
	}
	switch {
	case u.RawQuery == "":
		u.RawQuery = r.URL.RawQuery
	case r.URL.RawQuery != "":
		u.RawQuery += "&" + r.URL.RawQuery
	}
	return u.String()
}

// forwardedHeaders are the local request's headers that go upstream: all
// but the hop-by-hop and WebSocket handshake ones (gorilla sets its own).
func (b *Bridge) forwardedHeaders(r *http.Request) http.Header {
	h := http.Header{}
	for k, v := range r.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Connection", "Upgrade", "Host", "Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Extensions",
			"Sec-Websocket-Protocol", "Origin", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Content-Length":
			continue
		}
		h[k] = append([]string(nil), v...)
	}
	return h
}

func (b *Bridge) serveWS(w http.ResponseWriter, r *http.Request) {
	if !b.track() {
		http.Error(w, "wsecho bridge: shutting down", http.StatusServiceUnavailable)
		return
	}
	defer b.wg.Done()
	if !b.upgrader.CheckOrigin(r) {
		// Before dialling upstream: a refused origin must not make the
		// bridge present the certificate at all.
		b.upgradeError(w, r, http.StatusForbidden, errors.New("websocket: origin not allowed"))
		return
	}
	target := b.upstreamURL(r)
	po := probe.Options{
		URL: target, Certificates: b.o.Certificates, RootCAs: b.o.RootCAs, RootsDescription: b.o.RootsDescription,
		ServerName: b.o.ServerName, MinVersion: b.o.MinVersion, MaxVersion: b.o.MaxVersion, Insecure: b.o.Insecure,
		Headers: b.forwardedHeaders(r), Subprotocols: websocket.Subprotocols(r), Timeout: b.o.Timeout,
	}
	if b.o.ForwardOrigin {
		po.Origin = r.Header.Get("Origin")
	}
	logAttrs := []slog.Attr{slog.String("remote", r.RemoteAddr), slog.String("upstream", target)}
	sess, rep, err := probe.Dial(r.Context(), po)
	if err != nil {
		b.upstreamFailed(w, r, err, logAttrs)
		return
	}
	up := sess.Conn()
	for _, n := range rep.Notes {
		b.log.LogAttrs(r.Context(), slog.LevelWarn, "upstream note", append(logAttrs, slog.String("cause_id", n.CauseID), slog.String("note", n.Text))...)
	}
	var hdr http.Header
	if p := up.Subprotocol(); p != "" {
		hdr = http.Header{"Sec-Websocket-Protocol": {p}}
	}
	local, err := b.upgrader.Upgrade(w, r, hdr)
	if err != nil {
		up.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "bridge client failed its upgrade"), time.Now().Add(b.o.CloseGrace))
		up.Close()
		return
	}
	if rep.TLS != nil {
		logAttrs = append(logAttrs, slog.String("tls", rep.TLS.Version))
		if s := rep.TLS.ClientAuth.Sent; s != nil {
			logAttrs = append(logAttrs, slog.String("client_cert", s.Subject))
		} else {
			logAttrs = append(logAttrs, slog.String("client_cert", "none"))
		}
	}
	if p := up.Subprotocol(); p != "" {
		logAttrs = append(logAttrs, slog.String("subprotocol", p))
	}
	rl := &relay{b: b, local: local, up: up}
	b.mu.Lock()
	b.relays[rl] = struct{}{}
	closing := b.closing
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.relays, rl)
		b.mu.Unlock()
	}()
	if closing {
		rl.goingAway()
	}
	b.log.LogAttrs(r.Context(), slog.LevelInfo, "bridged", logAttrs...)
	start := time.Now()
	rl.run()
	b.log.LogAttrs(context.Background(), slog.LevelInfo, "bridge closed", append(logAttrs,
		slog.String("local_close", rl.ends[0]), slog.String("upstream_close", rl.ends[1]),
		slog.Int64("to_upstream", rl.counts[0]), slog.Int64("to_local", rl.counts[1]),
		slog.Duration("duration", time.Since(start).Round(time.Millisecond)))...)
}

// upstreamFailed logs the probe's diagnosis and tells the local client:
// a browser sees neither HTTP statuses nor TLS errors of a WebSocket, so
// the bridge completes the local upgrade and closes it with 1011 and the
// cause id as reason.
func (b *Bridge) upstreamFailed(w http.ResponseWriter, r *http.Request, err error, attrs []slog.Attr) {
	reason := "upstream failed: " + err.Error()
	var fe *probe.FailureError
	if errors.As(err, &fe) {
		attrs = append(attrs, failureAttrs(fe.Failure)...)
		reason = fmt.Sprintf("upstream %s failed: %s", fe.Failure.Stage, fe.Failure.CauseID)
	} else {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	b.log.LogAttrs(r.Context(), slog.LevelWarn, "upstream connection failed", attrs...)
	local, uerr := b.upgrader.Upgrade(w, r, nil)
	if uerr != nil {
		return
	}
	defer local.Close()
	local.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(CloseUpstreamFailed, truncateReason(reason)), time.Now().Add(b.o.CloseGrace))
	// Wait briefly for the client's close frame so it reads ours, not a
	// reset.
	local.SetReadDeadline(time.Now().Add(b.o.CloseGrace))
	for i := 0; i < 100; i++ {
		if _, _, err := local.NextReader(); err != nil {
			break
		}
	}
}

// truncateReason cuts a close reason to the 123 bytes a close frame holds,
// at a UTF-8 boundary.
func truncateReason(s string) string {
	const maxReason = 123
	if len(s) <= maxReason {
		return s
	}
	s = s[:maxReason]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// relay copies messages both ways between the local and the upstream
// WebSocket and forwards close frames, so each side sees the other's close
// code and reason.
type relay struct {
	b         *Bridge
	local, up *websocket.Conn
	closeOnce [2]sync.Once // a close frame sent to local (0) / upstream (1)
	ends      [2]string    // how the local (0) / upstream (1) side ended
	counts    [2]int64     // messages to upstream (0) / to local (1)
}

func (rl *relay) conn(i int) *websocket.Conn {
	if i == 0 {
		return rl.local
	}
	return rl.up
}

// sendClose sends a close frame to side i, once.
func (rl *relay) sendClose(i int, payload []byte) {
	rl.closeOnce[i].Do(func() {
		c := rl.conn(i)
		c.WriteControl(websocket.CloseMessage, payload, time.Now().Add(rl.b.o.CloseGrace))
		// The side we closed has CloseGrace to answer.
		c.SetReadDeadline(time.Now().Add(rl.b.o.CloseGrace))
	})
}

// goingAway closes both sides with 1001 (bridge shutdown).
func (rl *relay) goingAway() {
	msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "bridge shutting down")
	rl.sendClose(0, msg)
	rl.sendClose(1, msg)
}

func (rl *relay) run() {
	for _, c := range []*websocket.Conn{rl.local, rl.up} {
		// No automatic answer: the close is relayed, and the answer
		// comes from the other side.
		c.SetCloseHandler(func(int, string) error { return nil })
		if rl.b.o.ReadLimit > 0 {
			c.SetReadLimit(rl.b.o.ReadLimit)
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		rl.pump(1, 0) // upstream → local
	}()
	rl.pump(0, 1) // local → upstream
	wg.Wait()
	rl.local.Close()
	rl.up.Close()
}

// pump copies messages from side src to side dst until src ends, then
// relays the end to dst.
func (rl *relay) pump(src, dst int) {
	in, out := rl.conn(src), rl.conn(dst)
	var err error
	for {
		var mt int
		var r io.Reader
		mt, r, err = in.NextReader()
		if err != nil {
			break
		}
		out.SetWriteDeadline(time.Now().Add(rl.b.o.WriteTimeout))
		w, werr := out.NextWriter(mt)
		if werr != nil {
			continue // dst is closing or gone: keep reading src until its end
		}
		// gorilla's writer implements io.ReaderFrom: the message streams
		// through its write buffer, never held whole.
		_, cerr := io.Copy(w, r)
		if werr := w.Close(); cerr == nil {
			cerr = werr
		}
		if cerr == nil {
			rl.counts[src]++
		}
	}
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure:
		rl.ends[src] = strings.TrimSpace(fmt.Sprintf("close %d %s", ce.Code, ce.Text))
		payload := websocket.FormatCloseMessage(ce.Code, ce.Text)
		if ce.Code == websocket.CloseNoStatusReceived {
			payload = []byte{}
		}
		rl.sendClose(dst, payload)
	case src == 1:
		rl.ends[src] = "lost: " + err.Error()
		rl.sendClose(dst, websocket.FormatCloseMessage(CloseUpstreamFailed, truncateReason("upstream connection lost: "+err.Error())))
	default:
		rl.ends[src] = "lost: " + err.Error()
		rl.sendClose(dst, websocket.FormatCloseMessage(websocket.CloseGoingAway, "bridge client went away"))
	}
}
