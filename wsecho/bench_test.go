package wsecho

import (
	"bytes"
	"context"
	"crypto/tls"
	"runtime"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// benchServer starts a wss:// server (with client authentication when
// mtls) for a benchmark.
func benchServer(b *testing.B, mtls bool) (*Server, *pkitest.PKI) {
	b.Helper()
	p := pkitest.NewPKI(b, "bench CA")
	auth := tls.NoClientCert
	if mtls {
		auth = tls.RequireAndVerifyClientCert
	}
	s, err := New(Options{Addr: "127.0.0.1:0", TLS: serverTLS(p, auth)})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s, p
}

func benchEcho(b *testing.B, size int) {
	s, p := benchServer(b, false)
	d := dialer(p, nil)
	c, _, err := d.Dial(s.URL()+"/echo", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg := bytes.Repeat([]byte("x"), size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEcho measures one echo round trip over wss:// (client and
// server in this process; bench/compare.sh measures the server alone).
func BenchmarkEcho1KiB(b *testing.B)  { benchEcho(b, 1<<10) }
func BenchmarkEcho64KiB(b *testing.B) { benchEcho(b, 64<<10) }

// BenchmarkMTLSHandshake measures a full mTLS connection: TCP, TLS 1.3 with
// a client certificate, upgrade, close.
func BenchmarkMTLSHandshake(b *testing.B) {
	s, p := benchServer(b, true)
	d := dialer(p, p.Client)
	d.TLSClientConfig.ClientSessionCache = nil
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, _, err := d.Dial(s.URL()+"/echo", nil)
		if err != nil {
			b.Fatal(err)
		}
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		c.ReadMessage()
		c.Close()
	}
}

// BenchmarkBroadcast measures one message to 100 clients.
func BenchmarkBroadcast(b *testing.B) {
	s, p := benchServer(b, false)
	const n = 100
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		c, _, err := dialer(p, nil).Dial(s.URL()+"/broadcast", nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	msg := bytes.Repeat([]byte("b"), 256)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := conns[0].WriteMessage(websocket.TextMessage, msg); err != nil {
			b.Fatal(err)
		}
		for _, c := range conns {
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, _, err := c.ReadMessage(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkIdleConnection reports the server-side memory of idle wss://
// connections (heap and stacks, after GC); the clients live in the same
// process, so it is an upper bound: bench/compare.sh measures RSS.
func BenchmarkIdleConnection(b *testing.B) {
	s, p := benchServer(b, false)
	const n = 200
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < b.N; i++ {
		conns := make([]*websocket.Conn, n)
		for j := range conns {
			c, _, err := dialer(p, nil).Dial(s.URL()+"/echo", nil)
			if err != nil {
				b.Fatal(err)
			}
			conns[j] = c
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse+after.StackInuse-before.HeapInuse-before.StackInuse)/n, "B/conn(server+client)")
		for _, c := range conns {
			c.Close()
		}
	}
}
