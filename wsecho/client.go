package wsecho

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// errTooBig reports a message over the read limit after decompression.
var errTooBig = errors.New("wsecho: message exceeds the read limit")

// service is one served path.
type service struct {
	path string
	kind Kind

	mu      sync.Mutex
	clients map[*client]struct{} // Broadcast only
}

// client is one WebSocket connection. Its handler goroutine reads; for a
// Broadcast service a second goroutine writes from the bounded send queue.
type client struct {
	s   *Server
	svc *service
	ws  *websocket.Conn

	// On every log line: the connection id, remote address, path and
	// client certificate subject.
	id                    uint64
	remote, path, subject string

	send chan *websocket.PreparedMessage // Broadcast only

	ready    atomic.Bool  // ws is set (the upgrade succeeded)
	closing  atomic.Bool  // the server sent (or tried to send) its close frame
	sentCode atomic.Int32 // the close code the server sent
	kicked   atomic.Bool  // dropped from its broadcast hub as too slow

	pingMu      sync.Mutex
	pingTimer   *time.Timer
	pingStopped bool

	lastExtend time.Time // reader goroutine only
	in, out    int64     // messages; out is the reader's (echo, info)
	outB       atomic.Int64
}

// bufPool holds message buffers: a connection holds one only while it
// handles a message, so idle connections cost no buffer.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledBuf keeps rare huge buffers out of the pool.
const maxPooledBuf = 1 << 20

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) <= maxPooledBuf {
		*b = (*b)[:0]
		bufPool.Put(b)
	}
}

// admit counts one more WebSocket connection, unless the server is shutting
// down or full.
func (s *Server) admit() (ok bool, why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		return false, "server shutting down"
	case s.set.MaxConns > 0 && len(s.clients)+s.pendingUpgrades >= s.set.MaxConns:
		return false, fmt.Sprintf("connection limit reached (%d)", s.set.MaxConns)
	}
	s.pendingUpgrades++
	s.wg.Add(1)
	return true, ""
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request, svc *service) {
	c := connFrom(r.Context())
	if ok, why := s.admit(); !ok {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "upgrade refused", append(requestAttrs(c, r),
			slog.Int("status", http.StatusServiceUnavailable), slog.String("error", why))...)
		w.Header().Set("Retry-After", "1")
		http.Error(w, "wsecho: "+why, http.StatusServiceUnavailable)
		return
	}
	cl := &client{s: s, svc: svc, remote: r.RemoteAddr, path: r.URL.Path, subject: clientSubject(r)}
	if c != nil {
		cl.id = c.id
	}
	if svc.kind == Broadcast {
		// Join before the 101 goes out: every message published after
		// the client sees its connection open reaches it.
		cl.send = make(chan *websocket.PreparedMessage, s.set.SendQueue)
		svc.add(cl)
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		if svc.kind == Broadcast {
			svc.remove(cl)
		}
		s.mu.Lock()
		s.pendingUpgrades--
		s.mu.Unlock()
		s.wg.Done()
		return // the upgrader answered and upgradeError logged it
	}
	cl.ws = ws
	cl.ready.Store(true)
	attrs := []slog.Attr{slog.String("service", svc.kind.String())}
	if p := ws.Subprotocol(); p != "" {
		attrs = append(attrs, slog.String("subprotocol", p))
	}
	if r.TLS != nil {
		attrs = append(attrs, slog.String("tls", tls.VersionName(r.TLS.Version)))
	}
	if o := r.Header.Get("Origin"); o != "" {
		attrs = append(attrs, slog.String("origin", o))
	}
	var report []byte
	if svc.kind == Info {
		if report, err = marshalReport(newInfoReport(r, ws, svc, s.set.Compression)); err != nil {
			cl.log(slog.LevelError, "info report", slog.String("error", err.Error()))
		}
	}
	if c != nil {
		c.hello = nil // only the handshake's explanations and the report needed it
	}
	s.mu.Lock()
	s.pendingUpgrades--
	s.clients[cl] = struct{}{}
	closing := s.closing
	s.mu.Unlock()
	switch {
	case closing: // Shutdown did not see this client
		cl.closeWith(websocket.CloseGoingAway, "server shutting down")
	case cl.kicked.Load(): // its queue overflowed during the upgrade
		cl.closeWith(websocket.ClosePolicyViolation, fmt.Sprintf("too slow: %d broadcast messages queued", s.set.SendQueue))
	}
	cl.log(slog.LevelInfo, "connected", attrs...)
	// The connection lives on in its own goroutine, so that net/http's
	// connection, request and response (and the deeper stack of its
	// goroutine) are freed: an idle WebSocket costs that much less.
	go func() {
		defer s.wg.Done() // counted by admit
		defer func() {
			if svc.kind == Broadcast {
				svc.remove(cl)
			}
			s.mu.Lock()
			delete(s.clients, cl)
			s.mu.Unlock()
		}()
		cl.run(report)
	}()
}

// logAttrs are the attributes of every line about this client: the
// connection id, remote address, path and client certificate subject.
func (cl *client) logAttrs(extra int) []slog.Attr {
	a := make([]slog.Attr, 0, 4+extra)
	if cl.id != 0 {
		a = append(a, slog.Uint64("conn", cl.id))
	}
	return append(a, slog.String("remote", cl.remote), slog.String("path", cl.path), slog.String("client_cert", cl.subject))
}

func (cl *client) log(level slog.Level, msg string, attrs ...slog.Attr) {
	cl.s.log.LogAttrs(context.Background(), level, msg, append(cl.logAttrs(len(attrs)), attrs...)...)
}

func (cl *client) run(report []byte) {
	s, ws := cl.s, cl.ws
	start := time.Now()
	// No ws.SetReadLimit: next enforces the limit on the decompressed
	// size and then closes with a proper close handshake, while gorilla's
	// limit leaves the connection unable to read the client's close.
	if s.set.Compression {
		ws.EnableWriteCompression(true)
	}
	ws.SetCloseHandler(cl.onClose)

	if s.set.PingInterval > 0 {
		cl.lastExtend = start
		ws.SetReadDeadline(start.Add(s.set.PongWait))
		ws.SetPongHandler(func(string) error {
			if !cl.closing.Load() {
				ws.SetReadDeadline(time.Now().Add(s.set.PongWait))
			}
			return nil
		})
		cl.pingTimer = time.AfterFunc(s.set.PingInterval, cl.ping)
		if cl.closing.Load() {
			// closeWith ran before the deadline above: keep its grace.
			ws.SetReadDeadline(time.Now().Add(s.set.CloseGrace))
		}
	}

	var err error
	switch cl.svc.kind {
	case Echo:
		err = cl.runEcho()
	case Info:
		err = cl.runInfo(report)
	case Broadcast:
		err = cl.runBroadcast()
	}
	cl.stopPing()
	cl.finish(err, time.Since(start))
}

// onClose answers the client's close frame with the same code, as gorilla's
// default handler does, unless the server already sent its own.
func (cl *client) onClose(code int, text string) error {
	if cl.closing.CompareAndSwap(false, true) {
		msg := websocket.FormatCloseMessage(code, "")
		if code == websocket.CloseNoStatusReceived {
			msg = []byte{}
		}
		cl.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(cl.s.set.CloseGrace))
	}
	return nil
}

func (cl *client) ping() {
	cl.pingMu.Lock()
	defer cl.pingMu.Unlock()
	if cl.pingStopped || cl.closing.Load() {
		return
	}
	// An error here shows up in the reader as a missing pong.
	cl.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(cl.s.set.WriteTimeout))
	cl.pingTimer.Reset(cl.s.set.PingInterval)
}

// stopPing stops the keepalive timer and waits for a running ping.
func (cl *client) stopPing() {
	if cl.pingTimer == nil {
		return
	}
	cl.pingMu.Lock()
	cl.pingStopped = true
	cl.pingTimer.Stop()
	cl.pingMu.Unlock()
}

// alive extends the read deadline on traffic, at most four times per
// PongWait, so a busy client is never dropped for a late pong.
func (cl *client) alive(now time.Time) {
	if cl.s.set.PingInterval <= 0 || cl.closing.Load() {
		return
	}
	if now.Sub(cl.lastExtend) > cl.s.set.PongWait/4 {
		cl.lastExtend = now
		cl.ws.SetReadDeadline(now.Add(cl.s.set.PongWait))
	}
}

// closeWith sends a close frame with code and reason (once), then gives
// the client CloseGrace to answer before the reader gives up. When the frame
// cannot be written in time the TCP connection is dropped.
func (cl *client) closeWith(code int, reason string) {
	if !cl.closing.CompareAndSwap(false, true) {
		return
	}
	cl.sentCode.Store(int32(code))
	grace := cl.s.set.CloseGrace
	err := cl.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(grace))
	if err != nil {
		cl.abort()
		return
	}
	cl.ws.SetReadDeadline(time.Now().Add(grace))
}

// abort drops the connection with a TCP reset. It is for a client that
// stopped reading: a plain close would leave the kernel trickling the
// queued megabytes to it (or stalling), the client seeing neither data nor
// an end; the reset ends it at once.
func (cl *client) abort() {
	nc := cl.ws.NetConn()
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	if c, ok := nc.(*conn); ok {
		nc = c.Conn
	}
	if tcp, ok := nc.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	cl.ws.NetConn().Close()
}

// readMessage reads one message into buf, up to limit bytes.
func readMessage(r io.Reader, buf []byte, limit int64) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			grow := max(cap(buf), 512)
			if int64(cap(buf)+grow) > limit+1 {
				grow = max(int(limit+1)-cap(buf), 1)
			}
			buf = append(buf, make([]byte, grow)...)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, errTooBig
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// next reads the next message into a pooled buffer and checks it: size
// (close 1009) and UTF-8 of text (close 1007). It returns ok=false with a
// nil error when the message was refused and the connection is closing;
// while closing it discards messages until the client's close frame.
func (cl *client) next() (mt int, bp *[]byte, ok bool, err error) {
	for {
		mt, r, err := cl.ws.NextReader()
		if err != nil {
			return 0, nil, false, err
		}
		if cl.closing.Load() {
			io.Copy(io.Discard, io.LimitReader(r, cl.s.set.ReadLimit+1))
			continue
		}
		bp := getBuf()
		buf, err := readMessage(r, *bp, cl.s.set.ReadLimit)
		*bp = buf
		switch {
		case errors.Is(err, errTooBig):
			putBuf(bp)
			cl.closeWith(websocket.CloseMessageTooBig, fmt.Sprintf("message over %d bytes", cl.s.set.ReadLimit))
			continue
		case err != nil:
			putBuf(bp)
			return 0, nil, false, err
		case mt == websocket.TextMessage && !utf8.Valid(buf):
			putBuf(bp)
			cl.closeWith(websocket.CloseInvalidFramePayloadData, "text message is not valid UTF-8")
			continue
		}
		cl.in++
		cl.alive(time.Now())
		return mt, bp, true, nil
	}
}

func (cl *client) runEcho() error {
	for {
		mt, bp, _, err := cl.next()
		if err != nil {
			return err
		}
		cl.ws.SetWriteDeadline(time.Now().Add(cl.s.set.WriteTimeout))
		err = cl.ws.WriteMessage(mt, *bp)
		putBuf(bp)
		if err != nil {
			if errors.Is(err, websocket.ErrCloseSent) {
				continue // closing: keep reading until the client's close
			}
			return err
		}
		cl.out++
	}
}

func (cl *client) runInfo(report []byte) error {
	cl.ws.SetWriteDeadline(time.Now().Add(cl.s.set.WriteTimeout))
	if err := cl.ws.WriteMessage(websocket.TextMessage, report); err != nil {
		return err
	}
	cl.out++
	for {
		_, bp, _, err := cl.next()
		if err != nil {
			return err
		}
		putBuf(bp)
		cl.ws.SetWriteDeadline(time.Now().Add(cl.s.set.WriteTimeout))
		if err := cl.ws.WriteMessage(websocket.TextMessage, report); err != nil {
			if errors.Is(err, websocket.ErrCloseSent) {
				continue
			}
			return err
		}
		cl.out++
	}
}

func (cl *client) runBroadcast() error {
	var writer sync.WaitGroup
	stop := make(chan struct{})
	writer.Add(1)
	go func() {
		defer writer.Done()
		cl.writeLoop(stop)
	}()
	defer func() {
		close(stop)
		writer.Wait()
	}()
	for {
		mt, bp, _, err := cl.next()
		if err != nil {
			return err
		}
		pm, err := websocket.NewPreparedMessage(mt, *bp) // copies the payload
		putBuf(bp)
		if err != nil {
			return fmt.Errorf("wsecho: preparing broadcast message: %w", err)
		}
		cl.svc.publish(pm)
	}
}

// writeLoop sends queued broadcast messages until the reader stops.
func (cl *client) writeLoop(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case pm := <-cl.send:
			cl.ws.SetWriteDeadline(time.Now().Add(cl.s.set.WriteTimeout))
			if err := cl.ws.WritePreparedMessage(pm); err != nil {
				if !errors.Is(err, websocket.ErrCloseSent) {
					// Broken or too slow: end the reader too.
					cl.abort()
					return
				}
				continue // closing: drop queued messages
			}
			cl.outB.Add(1)
		}
	}
}

func (svc *service) add(cl *client) {
	svc.mu.Lock()
	svc.clients[cl] = struct{}{}
	svc.mu.Unlock()
}

func (svc *service) remove(cl *client) {
	svc.mu.Lock()
	delete(svc.clients, cl)
	svc.mu.Unlock()
}

// publish queues pm for every client of the service without ever waiting:
// a client whose queue is full is removed and closed with 1008. It returns
// the number of clients the message was queued for.
func (svc *service) publish(pm *websocket.PreparedMessage) int {
	n, fullest, capacity := 0, 0, 0
	svc.mu.Lock()
	for cl := range svc.clients {
		select {
		case cl.send <- pm:
			n++
			fullest, capacity = max(fullest, len(cl.send)), cap(cl.send)
		default:
			delete(svc.clients, cl)
			cl.kick()
		}
	}
	svc.mu.Unlock()
	if fullest > capacity/2 {
		// A burst from one sender must not overflow healthy clients
		// whose writers have not been scheduled yet: let them run.
		runtime.Gosched()
	}
	return n
}

// kick closes a client that cannot keep up, in its own goroutine: the
// publisher never waits for a slow client.
func (cl *client) kick() {
	if !cl.kicked.CompareAndSwap(false, true) || !cl.ready.Load() {
		return // already kicked, or serveWS closes it after the upgrade
	}
	if !cl.s.track() {
		return // shutting down: Shutdown closes it
	}
	go func() {
		defer cl.s.wg.Done()
		cl.log(slog.LevelWarn, "client too slow: send queue full, dropping it", slog.Int("send_queue", cl.s.set.SendQueue))
		cl.closeWith(websocket.ClosePolicyViolation, fmt.Sprintf("too slow: %d broadcast messages queued", cl.s.set.SendQueue))
	}()
}

// finish closes the connection and logs its end: who closed it, with
// which code, and the message counts.
func (cl *client) finish(err error, d time.Duration) {
	cl.ws.Close()
	var ce *websocket.CloseError
	peerClosed := errors.As(err, &ce)

	attrs := []slog.Attr{slog.Int64("in", cl.in), slog.Int64("out", cl.out+cl.outB.Load()), slog.Duration("duration", d.Round(time.Millisecond))}
	level := slog.LevelInfo
	switch {
	case peerClosed:
		attrs = append(attrs, slog.String("closed_by", "client"), slog.Int("code", ce.Code))
		if ce.Text != "" {
			attrs = append(attrs, slog.String("reason", ce.Text))
		}
		if code := cl.sentCode.Load(); code != 0 {
			attrs = append(attrs, slog.Int("sent_code", int(code)))
		}
	case cl.sentCode.Load() != 0:
		attrs = append(attrs, slog.String("closed_by", "server"), slog.Int("code", int(cl.sentCode.Load())))
		if err != nil && !isTimeout(err) {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
	default:
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("closed_by", "network"), slog.Int("code", websocket.CloseAbnormalClosure))
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		if isTimeout(err) {
			attrs = append(attrs, slog.String("cause", "no pong or message within the pong wait: the client is gone or stalled"))
		}
	}
	cl.log(level, "disconnected", attrs...)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
