package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// TestServerSlowloris holds 300 slow connections against the diagnostic
// server (TCP open and silent, a ClientHello dribbled a byte at a time, a
// finished handshake whose HTTP request is dribbled) while real clients get
// their report without waiting on them; the server drops every slow
// connection once its timeout passes, forgets them, and its goroutines
// come back to baseline.
func TestServerSlowloris(t *testing.T) {
	p := pkitest.NewPKI(t, "slowloris CA")
	const timeout = 1500 * time.Millisecond
	s, err := NewServer(ServerOptions{Listen: "127.0.0.1:0", Certificates: []tls.Certificate{p.Server.TLS()}, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}()
	addr := s.Addr().String()
	baseG := runtime.NumGoroutine()
	hello := clientHelloBytes(t)
	cfg := &tls.Config{RootCAs: p.Pool(), ServerName: "127.0.0.1"}

	var slow, helloConns, headerConns []net.Conn
	defer func() {
		for _, c := range slow {
			c.Close()
		}
	}()
	for i := 0; i < 300; i++ {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		slow = append(slow, c)
		switch i % 3 {
		case 1:
			helloConns = append(helloConns, c)
		case 2:
			tc := tls.Client(c, cfg)
			_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
			if err := tc.Handshake(); err != nil {
				t.Fatal(err)
			}
			headerConns = append(headerConns, tc)
		}
	}
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
				_ = c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
				_, _ = c.Write(data[i%len(data) : i%len(data)+1]) // fails once the server dropped it
			}
		}
	}
	dribblers.Add(2)
	go dribble(helloConns, hello)
	go dribble(headerConns, append([]byte("GET /report HTTP/1.1\r\nHost: x\r\nX-Pad: "), bytes.Repeat([]byte("a"), 4096)...))
	stopped := false
	stopDribbling := func() {
		if !stopped {
			close(stop)
			dribblers.Wait()
			stopped = true
		}
	}
	defer stopDribbling()

	for i := 0; i < 20; i++ {
		began := time.Now()
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", addr, cfg)
		if err != nil {
			t.Fatalf("real client %d: %v", i, err)
		}
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		_, _ = io.WriteString(c, "GET /report HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		body, err := io.ReadAll(c)
		c.Close()
		if err != nil || !bytes.Contains(body, []byte("report of your connection")) {
			t.Fatalf("real client %d: %v\n%s", i, err, body)
		}
		if took := time.Since(began); took > time.Second {
			t.Errorf("real client %d took %v with 300 slow connections open", i, took)
		}
	}
	deadline := time.Now().Add(timeout + 5*time.Second)
	var stillOpen atomic.Int64
	var wg sync.WaitGroup
	for _, c := range slow {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(deadline)
			_, err := io.Copy(io.Discard, c)
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				stillOpen.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := stillOpen.Load(); n > 0 {
		t.Errorf("%d of %d slow connections still open %v after the server's timeout", n, len(slow), timeout+5*time.Second)
	}
	stopDribbling()
	for _, c := range slow {
		c.Close()
	}
	var left, g int
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		s.mu.Lock()
		left = len(s.info)
		s.mu.Unlock()
		if g = runtime.NumGoroutine(); left == 0 && g <= baseG+10 {
			break
		}
	}
	if left != 0 || g > baseG+10 {
		t.Errorf("after the slow connections went: %d remembered, %d goroutines (baseline %d)", left, g, baseG)
	}
}

// TestReportSecurityHeaders: the plain HTTP(S) report quotes the request's
// headers, so it must not be sniffed into HTML, run scripts or be cached
// (testssl.sh rated the server's answer MEDIUM without these headers).
func TestReportSecurityHeaders(t *testing.T) {
	s, err := NewServer(ServerOptions{Listen: "127.0.0.1:0", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	c, err := net.DialTimeout("tcp", s.Addr().String(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	_, _ = io.WriteString(c, "GET /report HTTP/1.1\r\nHost: x\r\nX-Evil: <script>alert(1)</script>\r\nConnection: close\r\n\r\n")
	resp, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := bytes.Cut(resp, []byte("\r\n\r\n"))
	for _, h := range []string{"Content-Type: text/plain; charset=utf-8", "X-Content-Type-Options: nosniff", "Content-Security-Policy: default-src 'none'", "Cache-Control: no-store"} {
		if !bytes.Contains(head, []byte(h)) {
			t.Errorf("response lacks %q:\n%s", h, head)
		}
	}
}
