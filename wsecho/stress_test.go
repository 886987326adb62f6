package wsecho

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// quietLogger drops the log: thousands of connections would fill a test
// buffer, and these tests watch the server's state instead.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// clientCount is how many WebSocket clients the server holds.
func clientCount(s *Server) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

// waitFor polls cond every 20 ms until it holds or limit passes.
func waitFor(limit time.Duration, cond func() bool) bool {
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// settled waits for the goroutine count to come back to at most base+slack
// and returns the last count seen.
func settled(base, slack int, limit time.Duration) (int, bool) {
	n := 0
	ok := waitFor(limit, func() bool { n = runtime.NumGoroutine(); return n <= base+slack })
	return n, ok
}

// heapMiB is the live heap after a collection, in MiB.
func heapMiB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// holdConnections opens n WebSocket connections to url (at most 64
// handshakes at a time), sends one message on each and reads its echo,
// all concurrently, and returns them open.
func holdConnections(t testing.TB, d *websocket.Dialer, url string, n int) []*websocket.Conn {
	t.Helper()
	conns := make([]*websocket.Conn, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			c, _, err := d.DialContext(ctx, url, nil)
			cancel()
			<-sem
			if err != nil {
				errs <- fmt.Errorf("dial %d: %w", i, err)
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
		t.Fatal(err)
	}
	var failed atomic.Int64
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := []byte("hello " + strconv.Itoa(i))
			c.SetWriteDeadline(time.Now().Add(20 * time.Second))
			c.SetReadDeadline(time.Now().Add(20 * time.Second))
			if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
				failed.Add(1)
				return
			}
			if _, got, err := c.ReadMessage(); err != nil || !bytes.Equal(got, msg) {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		t.Fatalf("%d of %d connections did not echo", f, n)
	}
	return conns
}

// closeAll closes the connections the way clients leave: half with a
// close frame, half by dropping the TCP connection.
func closeAll(conns []*websocket.Conn) {
	for i, c := range conns {
		if i%2 == 0 {
			c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		}
		c.Close()
	}
}

// TestManyConnections holds 1,000 concurrent wss:// echo connections (and
// 1,000 more over ws:// when not racing), each echoing a message, then lets
// them all go: the server's clients, goroutines and heap come back to
// their baseline.
func TestManyConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	p := pkitest.NewPKI(t, "stress CA")
	for _, tlsOn := range []bool{true, false} {
		t.Run(fmt.Sprintf("tls=%v", tlsOn), func(t *testing.T) {
			n := 1000
			opts := Options{Logger: quietLogger()}
			d := &websocket.Dialer{HandshakeTimeout: 20 * time.Second}
			if tlsOn {
				opts.TLS = serverTLS(p, tls.NoClientCert)
				// Resumed handshakes after the first: 1,000 full ones
				// cost both sides seconds of CPU on a small machine.
				d.TLSClientConfig = &tls.Config{RootCAs: p.Pool(), ClientSessionCache: tls.NewLRUClientSessionCache(n)}
			}
			s, _ := start(t, opts)
			baseG, baseHeap := runtime.NumGoroutine(), heapMiB()
			began := time.Now()
			conns := holdConnections(t, d, s.URL()+"/echo", n)
			if !waitFor(10*time.Second, func() bool { return clientCount(s) == n }) {
				closeAll(conns)
				t.Fatalf("server holds %d clients, want %d", clientCount(s), n)
			}
			peakG, peakHeap := runtime.NumGoroutine(), heapMiB()
			t.Logf("%d connections open and echoed in %v: %d goroutines (base %d), heap %.1f MiB (base %.1f)",
				n, time.Since(began).Round(time.Millisecond), peakG, baseG, peakHeap, baseHeap)
			closeAll(conns)
			if !waitFor(15*time.Second, func() bool { return clientCount(s) == 0 }) {
				t.Fatalf("server still holds %d clients after all left", clientCount(s))
			}
			if g, ok := settled(baseG, 10, 10*time.Second); !ok {
				t.Errorf("%d goroutines after all clients left, baseline %d", g, baseG)
			}
			if h := heapMiB(); h > baseHeap+16 {
				t.Errorf("heap %.1f MiB after all clients left, baseline %.1f MiB", h, baseHeap)
			}
		})
		if raceEnabled {
			break
		}
	}
}

// TestSlowloris holds 500 slow connections against a wss:// server — TCP
// open and silent, a ClientHello dribbled a byte at a time, and a finished
// handshake whose HTTP request is dribbled — while real clients connect
// and echo without waiting on them. The server drops every slow connection
// once its handshake or header timeout passes, then returns to baseline.
func TestSlowloris(t *testing.T) {
	p := pkitest.NewPKI(t, "slowloris CA")
	const timeout = 1500 * time.Millisecond
	s, _ := start(t, Options{TLS: serverTLS(p, tls.NoClientCert), HandshakeTimeout: timeout, ReadHeaderTimeout: timeout, Logger: quietLogger()})
	addr := hostPort(s)
	baseG := runtime.NumGoroutine()
	hello := clientHello(t)

	const silent, helloDribble, headerDribble = 200, 150, 150
	var slow []net.Conn
	defer func() {
		for _, c := range slow {
			c.Close()
		}
	}()
	dialRaw := func() net.Conn {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("slow connection %d: %v", len(slow), err)
		}
		slow = append(slow, c)
		return c
	}
	for i := 0; i < silent; i++ {
		dialRaw()
	}
	var helloConns, headerConns []net.Conn
	for i := 0; i < helloDribble; i++ {
		helloConns = append(helloConns, dialRaw())
	}
	for i := 0; i < headerDribble; i++ {
		c := dialRaw()
		tc := tls.Client(c, &tls.Config{RootCAs: p.Pool(), ServerName: "127.0.0.1"})
		tc.SetDeadline(time.Now().Add(5 * time.Second))
		if err := tc.Handshake(); err != nil {
			t.Fatalf("handshake of slow connection: %v", err)
		}
		headerConns = append(headerConns, tc)
	}
	// Dribble: one byte per connection every 100 ms.
	stop := make(chan struct{})
	var dribblers sync.WaitGroup
	dribble := func(conns []net.Conn, data []byte) {
		defer dribblers.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			for _, c := range conns {
				c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
				c.Write(data[i%len(data) : i%len(data)+1]) // fails once the server dropped it
			}
		}
	}
	dribblers.Add(2)
	go dribble(helloConns, hello)
	go dribble(headerConns, []byte("GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nX-Pad: "+string(bytes.Repeat([]byte("a"), 4096))))
	defer func() { close(stop); dribblers.Wait() }()

	// Real clients, meanwhile, each within a second.
	d := dialer(p, nil)
	for i := 0; i < 20; i++ {
		began := time.Now()
		c := dial(t, d, s.URL()+"/echo", nil)
		if err := c.WriteMessage(websocket.TextMessage, []byte("real")); err != nil {
			t.Fatal(err)
		}
		readMsg(t, c)
		c.Close()
		if took := time.Since(began); took > time.Second {
			t.Errorf("real client %d took %v with 500 slow connections open", i, took)
		}
	}
	// Every slow connection is dropped by the server: reads end with EOF
	// or a reset, not our own deadline, soon after the server's timeouts.
	deadline := time.Now().Add(timeout + 5*time.Second)
	var stillOpen atomic.Int64
	var wg sync.WaitGroup
	for _, c := range slow {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.SetReadDeadline(deadline)
			_, err := io.Copy(io.Discard, c)
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				stillOpen.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := stillOpen.Load(); n > 0 {
		t.Errorf("%d of %d slow connections were still open %v after the server's timeouts", n, len(slow), timeout+5*time.Second)
	}
	close(stop)
	dribblers.Wait()
	stop = make(chan struct{}) // for the deferred close
	for _, c := range slow {
		c.Close()
	}
	if g, ok := settled(baseG, 10, 10*time.Second); !ok {
		t.Errorf("%d goroutines after the slow connections went, baseline %d", g, baseG)
	}
}

// clientHello returns the first flight of a Go TLS client.
func clientHello(t testing.TB) []byte {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go tls.Client(a, &tls.Config{ServerName: "127.0.0.1", InsecureSkipVerify: true}).Handshake() // fails: nobody answers
	b.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, err := b.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}

// TestSlowReaderBounded: an echo client that sends and never reads makes
// the server's writes block; the server then stops reading it (TCP flow
// control holds the client back) and drops it after WriteTimeout. The
// server's heap must not grow with what the client sends.
func TestSlowReaderBounded(t *testing.T) {
	s, _ := start(t, Options{WriteTimeout: time.Second, ReadLimit: 1 << 20, Logger: quietLogger()})
	baseHeap := heapMiB()
	d := dialer(nil, nil)
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			c.(*net.TCPConn).SetReadBuffer(4096)
		}
		return c, err
	}
	c := dial(t, d, s.URL()+"/echo", nil)
	msg := bytes.Repeat([]byte("y"), 64<<10)
	sent := 0
	began := time.Now()
	var peak float64
	for time.Since(began) < 4*time.Second {
		c.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
		if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
			break // flow control stopped us, or the server dropped us
		}
		sent += len(msg)
		if sent%(4<<20) == 0 {
			peak = max(peak, heapMiB())
		}
	}
	peak = max(peak, heapMiB())
	t.Logf("client sent %d MiB without reading; server heap peak %.1f MiB (base %.1f)", sent>>20, peak, baseHeap)
	if peak > baseHeap+32 {
		t.Errorf("heap grew to %.1f MiB from %.1f MiB while a client did not read", peak, baseHeap)
	}
	if !waitFor(5*time.Second, func() bool { return clientCount(s) == 0 }) {
		t.Errorf("the server still holds the client that stopped reading")
	}
}

// TestSoak is the long run behind `make soak`: WSSKIT_SOAK=1 with
// SOAK_CONNS (default 5000) wss:// connections held for SOAK_HOLD
// (default 30s) while SOAK_SLOW (default 50) clients send without reading;
// then everything must return to baseline.
func TestSoak(t *testing.T) {
	if os.Getenv("WSSKIT_SOAK") == "" {
		t.Skip("set WSSKIT_SOAK=1 (make soak)")
	}
	envInt := func(name string, def int) int {
		if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
			return v
		}
		return def
	}
	n, slowN := envInt("SOAK_CONNS", 5000), envInt("SOAK_SLOW", 50)
	hold, err := time.ParseDuration(os.Getenv("SOAK_HOLD"))
	if err != nil || hold <= 0 {
		hold = 30 * time.Second
	}
	p := pkitest.NewPKI(t, "soak CA")
	s, _ := start(t, Options{TLS: serverTLS(p, tls.NoClientCert), WriteTimeout: 2 * time.Second, Logger: quietLogger()})
	baseG, baseHeap := runtime.NumGoroutine(), heapMiB()
	d := dialer(p, nil)
	d.TLSClientConfig.ClientSessionCache = tls.NewLRUClientSessionCache(n)
	began := time.Now()
	conns := holdConnections(t, d, s.URL()+"/echo", n)
	t.Logf("%d connections open in %v: %d goroutines, heap %.1f MiB (base %d, %.1f MiB)",
		n, time.Since(began).Round(time.Millisecond), runtime.NumGoroutine(), heapMiB(), baseG, baseHeap)
	var wg sync.WaitGroup
	msg := bytes.Repeat([]byte("z"), 64<<10)
	for i := 0; i < slowN; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _, err := d.Dial(s.URL()+"/echo", nil)
			if err != nil {
				t.Errorf("slow reader %d: %v", i, err)
				return
			}
			defer c.Close()
			for end := time.Now().Add(hold); time.Now().Before(end); {
				c.SetWriteDeadline(time.Now().Add(time.Second))
				if c.WriteMessage(websocket.BinaryMessage, msg) != nil {
					return
				}
			}
		}()
	}
	var peak float64
	for end := time.Now().Add(hold); time.Now().Before(end); time.Sleep(time.Second) {
		peak = max(peak, heapMiB())
		// The held connections still echo.
		c := conns[int(time.Now().UnixNano())%len(conns)]
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if err := c.WriteMessage(websocket.TextMessage, []byte("ping")); err != nil {
			t.Fatalf("held connection: %v", err)
		}
		if _, _, err := c.ReadMessage(); err != nil {
			t.Fatalf("held connection: %v", err)
		}
	}
	wg.Wait()
	closeAll(conns)
	if !waitFor(30*time.Second, func() bool { return clientCount(s) == 0 }) {
		t.Fatalf("server still holds %d clients", clientCount(s))
	}
	g, ok := settled(baseG, 20, 30*time.Second)
	t.Logf("soak: %d connections and %d slow readers for %v; heap peak %.1f MiB; after: %d goroutines (base %d), heap %.1f MiB (base %.1f)",
		n, slowN, hold, peak, g, baseG, heapMiB(), baseHeap)
	if !ok {
		t.Errorf("goroutines did not return to baseline")
	}
}

// TestBridgeManyConnections relays 200 concurrent local ws:// clients
// through the bridge to an mTLS echo server, each echoing a message; when
// they leave, the bridge, the upstream and the goroutine count come back
// to baseline.
func TestBridgeManyConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	p := pkitest.NewPKI(t, "bridge stress CA")
	up, _ := start(t, Options{TLS: serverTLS(p, tls.RequireAndVerifyClientCert), Logger: quietLogger()})
	b, _ := startBridge(t, BridgeOptions{To: up.URL() + "/echo", Certificates: []tls.Certificate{p.Client.TLS()}, RootCAs: p.Pool()})
	baseG := runtime.NumGoroutine()
	n := 200
	if raceEnabled {
		n = 100
	}
	began := time.Now()
	conns := holdConnections(t, dialer(nil, nil), b.URL()+"/echo", n)
	if !waitFor(10*time.Second, func() bool { return clientCount(up) == n }) {
		closeAll(conns)
		t.Fatalf("upstream holds %d clients, want %d", clientCount(up), n)
	}
	t.Logf("%d bridged connections open and echoed in %v: %d goroutines (base %d)",
		n, time.Since(began).Round(time.Millisecond), runtime.NumGoroutine(), baseG)
	closeAll(conns)
	if !waitFor(15*time.Second, func() bool { return clientCount(up) == 0 }) {
		t.Fatalf("upstream still holds %d clients after the bridge's clients left", clientCount(up))
	}
	if g, ok := settled(baseG, 10, 10*time.Second); !ok {
		t.Errorf("%d goroutines after all bridged clients left, baseline %d", g, baseG)
	}
}
