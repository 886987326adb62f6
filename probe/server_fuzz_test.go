package probe

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// serverEventKinds are the ServerEvent kinds the documentation promises.
var serverEventKinds = map[string]bool{
	"listening": true, "accepted": true, "client_hello": true, "handshake": true,
	"handshake_failed": true, "plain_http_on_tls": true, "tls_on_plain": true,
	"raw_bytes": true, "http_request": true, "ws_open": true, "ws_message": true,
	"ws_close": true, "closed": true, "trace": true,
}

// FuzzServerFirstBytes sends arbitrary bytes to the diagnostic server (TLS
// with tracing, or plain) over loopback and half-closes. The server must
// answer and close the connection well within its timeout, keep serving,
// and report only documented events that encode as JSON.
func FuzzServerFirstBytes(f *testing.F) {
	upgrade := "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	f.Add(clientHelloBytes(f), true)
	f.Add(clientHelloBytes(f), false)
	f.Add([]byte("GET /report HTTP/1.1\r\nHost: x\r\n\r\n"), true)
	f.Add([]byte("GET /report HTTP/1.1\r\nHost: x\r\n\r\n"), false)
	f.Add([]byte(upgrade+"\x81\x85\x01\x02\x03\x04iglhn\x88\x80\x00\x00\x00\x00"), false)
	f.Add([]byte(upgrade+"\x81\x05hello"), false) // unmasked client frame
	f.Add([]byte(upgrade+"\x82\xff\x7f\xff\xff\xff\xff\xff\xff\xff"), false)
	f.Add([]byte{0x16, 0x03, 0x01, 0xff, 0xff, 0x01}, true)
	f.Add([]byte("\x00\x01binary"), true)

	p := pkitest.NewPKI(f, "fuzz CA")
	bad := make(chan string, 1)
	onEvent := func(e ServerEvent) {
		_, err := json.Marshal(e)
		switch {
		case !serverEventKinds[e.Kind]:
			err = errUndocumented
		case e.Text == "":
			err = errNoText
		}
		if err != nil {
			select {
			case bad <- e.Kind + ": " + err.Error():
			default:
			}
		}
	}
	start := func(tlsOn bool) string {
		o := ServerOptions{Listen: "127.0.0.1:0", Timeout: 2 * time.Second, IdleTimeout: 2 * time.Second, OnEvent: onEvent, Trace: tlsOn}
		if tlsOn {
			o.Certificates = []tls.Certificate{p.Server.TLS()}
		}
		s, err := NewServer(o)
		if err != nil {
			f.Fatal(err)
		}
		if err := s.Start(context.Background()); err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.Shutdown(ctx); err != nil {
				f.Errorf("shutdown: %v", err)
			}
		})
		return s.Addr().String()
	}
	addrs := map[bool]string{true: start(true), false: start(false)}

	f.Fuzz(func(t *testing.T, data []byte, tlsOn bool) {
		c, err := net.DialTimeout("tcp", addrs[tlsOn], 2*time.Second)
		if err != nil {
			t.Fatalf("the server stopped accepting: %v", err)
		}
		defer c.Close()
		began := time.Now()
		_ = c.SetDeadline(began.Add(5 * time.Second))
		_, _ = c.Write(data) // the server may close before reading it all
		_ = c.(*net.TCPConn).CloseWrite()
		n, err := io.Copy(io.Discard, io.LimitReader(c, 1<<20))
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("the server kept the connection open %v after the client half-closed (%d bytes read)", time.Since(began), n)
		}
		select {
		case msg := <-bad:
			t.Fatalf("bad event %s", msg)
		default:
		}
	})
}

type fuzzErr string

func (e fuzzErr) Error() string { return string(e) }

const (
	errUndocumented fuzzErr = "undocumented event kind"
	errNoText       fuzzErr = "event without text"
)

// TestServerForgetsClosedConnections: the server keeps per-connection info
// (with its tracer) only while the connection is open. Connections that
// closed mid-request, or after plain HTTP requests, used to stay in memory
// for the server's lifetime, so a client dribbling aborted requests grew it
// without bound.
func TestServerForgetsClosedConnections(t *testing.T) {
	p := pkitest.NewPKI(t, "forget CA")
	for _, tlsOn := range []bool{false, true} {
		o := ServerOptions{Listen: "127.0.0.1:0", Timeout: 2 * time.Second, Trace: tlsOn}
		if tlsOn {
			o.Certificates = []tls.Certificate{p.Server.TLS()}
		}
		s, err := NewServer(o)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 20; i++ {
			c, err := net.DialTimeout("tcp", s.Addr().String(), 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if tlsOn {
				tc := tls.Client(c, &tls.Config{RootCAs: p.Pool(), ServerName: "127.0.0.1"})
				if err := tc.Handshake(); err != nil {
					t.Fatal(err)
				}
				c = tc
			}
			req := "GET /report HTTP/1.1\r\nHost: x\r\n" // aborted: no blank line
			if i%2 == 0 {
				req += "Connection: close\r\n\r\n" // complete, answered
			}
			_ = c.SetDeadline(time.Now().Add(2 * time.Second))
			_, _ = io.WriteString(c, req)
			if i%2 == 0 {
				_, _ = io.Copy(io.Discard, c)
			}
			c.Close()
		}
		left := -1
		for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
			s.mu.Lock()
			left = len(s.info)
			s.mu.Unlock()
			if left == 0 {
				break
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		cancel()
		if left != 0 {
			t.Errorf("TLS %v: %d connections still remembered after all 20 closed", tlsOn, left)
		}
	}
}
