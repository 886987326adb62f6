package wsecho

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// startBridge runs a bridge on 127.0.0.1:0 and shuts it down at cleanup.
func startBridge(t *testing.T, o BridgeOptions) (*Bridge, *logBuf) {
	t.Helper()
	lb := &logBuf{}
	o.Listen = "127.0.0.1:0"
	o.Logger = lb.logger()
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	b, err := NewBridge(o)
	if err != nil {
		t.Fatalf("NewBridge: %v", err)
	}
	if err := b.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := b.Shutdown(ctx); err != nil {
			t.Errorf("bridge Shutdown: %v", err)
		}
	})
	return b, lb
}

func TestBridgeRelay(t *testing.T) {
	p := pkitest.NewPKI(t, "bridge test CA")
	up, upLog := start(t, Options{TLS: serverTLS(p, tls.RequireAndVerifyClientCert), Subprotocols: []string{"chat"}})
	b, blog := startBridge(t, BridgeOptions{To: up.URL() + "/echo?from=bridge", Certificates: []tls.Certificate{p.Client.TLS()}, RootCAs: p.Pool()})

	t.Run("echo", func(t *testing.T) {
		d := dialer(nil, nil)
		d.Subprotocols = []string{"other", "chat"}
		c := dial(t, d, b.URL()+"/", nil)
		if c.Subprotocol() != "chat" {
			t.Errorf("got subprotocol %q, want chat (the upstream's choice)", c.Subprotocol())
		}
		for _, m := range []struct {
			mt   int
			data string
		}{{websocket.TextMessage, "through the bridge"}, {websocket.BinaryMessage, "\x00\x01\xff"}, {websocket.BinaryMessage, strings.Repeat("z", 200000)}} {
			if err := c.WriteMessage(m.mt, []byte(m.data)); err != nil {
				t.Fatal(err)
			}
			mt, got := readMsg(t, c)
			if mt != m.mt || string(got) != m.data {
				t.Fatalf("got type %d, %d bytes; want type %d, %d bytes", mt, len(got), m.mt, len(m.data))
			}
		}
		// The local client's close code and reason reach the upstream, and
		// the upstream's answer comes back.
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4001, "bye"), time.Now().Add(time.Second))
		if ce := readClose(t, c); ce.Code != 4001 {
			t.Errorf("got close answer %d, want 4001", ce.Code)
		}
		rec := upLog.waitRecord(t, "disconnected")
		if rec["code"] != float64(4001) || rec["reason"] != "bye" || rec["closed_by"] != "client" || rec["client_cert"] != "CN=client" {
			t.Errorf("upstream saw %v", rec)
		}
		rec = blog.waitRecord(t, "bridge closed")
		if rec["local_close"] != "close 4001 bye" || rec["to_upstream"] != float64(3) || rec["to_local"] != float64(3) {
			t.Errorf("bridge logged %v", rec)
		}
	})

	t.Run("path, query and headers", func(t *testing.T) {
		c := dial(t, dialer(nil, nil), b.URL()+"/info?x=1", http.Header{"X-Test": {"yes"}, "Origin": {"http://localhost:3000"}})
		_, data := readMsg(t, c)
		var rep InfoReport
		if err := json.Unmarshal(data, &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Path != "/info" || rep.Query != "from=bridge&x=1" || rep.Origin != "" {
			t.Errorf("got path %q query %q origin %q", rep.Path, rep.Query, rep.Origin)
		}
		if got := rep.Headers["X-Test"]; len(got) != 1 || got[0] != "yes" {
			t.Errorf("got X-Test %v", got)
		}
		if rep.TLS == nil || len(rep.TLS.ClientCertificates) == 0 || rep.TLS.ClientCertificates[0].Subject != "CN=client" {
			t.Errorf("got TLS %+v", rep.TLS)
		}
	})

	t.Run("upstream closes", func(t *testing.T) {
		c := dial(t, dialer(nil, nil), b.URL()+"/echo", nil)
		c.WriteMessage(websocket.TextMessage, []byte("\xff")) // not UTF-8: the upstream closes with 1007
		ce := readClose(t, c)
		if ce.Code != websocket.CloseInvalidFramePayloadData || !strings.Contains(ce.Text, "UTF-8") {
			t.Errorf("got close %d %q, want 1007 from upstream", ce.Code, ce.Text)
		}
	})
}

func TestBridgeUpstreamFailures(t *testing.T) {
	p := pkitest.NewPKI(t, "bridge failure CA")
	other := pkitest.NewPKI(t, "other CA")
	up, _ := start(t, Options{TLS: serverTLS(p, tls.RequireAndVerifyClientCert)})
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := closed.Addr().String()
	closed.Close()
	tests := []struct {
		name    string
		o       BridgeOptions
		path    string
		wantWhy string
	}{
		{"no client certificate", BridgeOptions{To: up.URL() + "/echo", RootCAs: p.Pool()}, "/", "client_cert_required"},
		{"untrusted server", BridgeOptions{To: up.URL() + "/echo", RootCAs: other.Pool(), Certificates: []tls.Certificate{p.Client.TLS()}}, "/", "server_cert_untrusted"},
		{"unknown path", BridgeOptions{To: up.URL() + "/echo", RootCAs: p.Pool(), Certificates: []tls.Certificate{p.Client.TLS()}}, "/nope", "upgrade_not_found"},
		{"refused", BridgeOptions{To: "wss://" + refused + "/echo", RootCAs: p.Pool()}, "/", "connection_refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, blog := startBridge(t, tc.o)
			c := dial(t, dialer(nil, nil), b.URL()+tc.path, nil)
			ce := readClose(t, c)
			if ce.Code != CloseUpstreamFailed || !strings.Contains(ce.Text, tc.wantWhy) {
				t.Errorf("got close %d %q, want 1011 naming %s", ce.Code, ce.Text, tc.wantWhy)
			}
			rec := blog.waitRecord(t, "upstream connection failed")
			if rec["cause_id"] != tc.wantWhy || rec["cause"] == "" || rec["fix"] == "" {
				t.Errorf("got %v", rec)
			}
		})
	}
}

func TestBridgeOrigin(t *testing.T) {
	up, upLog := start(t, Options{})
	b, _ := startBridge(t, BridgeOptions{To: up.URL() + "/echo", Origins: []string{"https://app.example"}})
	tests := []struct {
		origin string
		ok     bool
	}{
		{"", true},
		{"http://localhost:5173", true},
		{"http://127.0.0.1:8000", true},
		{"http://[::1]:8000", true},
		{"https://app.example", true},
		{"https://evil.example", false},
		{"http://localhost.evil.example", false},
	}
	for _, tc := range tests {
		t.Run(tc.origin, func(t *testing.T) {
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			c, resp, err := dialer(nil, nil).Dial(b.URL()+"/", h)
			if tc.ok {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				c.Close()
				return
			}
			if err == nil {
				c.Close()
				t.Fatal("got success, want 403")
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("got %v, want 403", err)
			}
			body, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(body), "is not allowed") {
				t.Errorf("got body %q", body)
			}
		})
	}
	// Refused origins never reached the upstream. The upstream logs after
	// its 101, so wait for the five it should have.
	for _, r := range upLog.waitCount(t, "connected", 5) {
		if r["origin"] != nil {
			t.Errorf("upstream got an Origin: %v", r)
		}
	}
	if got := len(upLog.records("connected")); got != 5 {
		t.Errorf("upstream saw %d connections, want 5", got)
	}
}

func TestBridgePageAndShutdown(t *testing.T) {
	up, _ := start(t, Options{})
	b, err := NewBridge(BridgeOptions{Listen: "127.0.0.1:0", To: up.URL() + "/echo"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://" + b.Addr().String() + "/_wsecho/services.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"server":"wsskit bridge to ` + up.URL() + `/echo","services":[{"path":"/","kind":"bridge to ` + up.URL() + `/echo"},{"path":"/echo"`
	if !strings.HasPrefix(string(body), want) {
		t.Errorf("got %s, want it to start with %s", body, want)
	}
	c := dial(t, dialer(nil, nil), b.URL()+"/", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- b.Shutdown(ctx) }()
	if ce := readClose(t, c); ce.Code != websocket.CloseGoingAway {
		t.Errorf("got close %d, want 1001", ce.Code)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestBridgeOptions(t *testing.T) {
	p := pkitest.NewPKI(t, "bridge options CA")
	tests := []struct {
		name string
		o    BridgeOptions
		want string
	}{
		{"no target", BridgeOptions{}, "no upstream URL"},
		{"http", BridgeOptions{To: "https://127.0.0.1:1/"}, "must start with wss://"},
		{"no host", BridgeOptions{To: "wss:///x"}, "has no host"},
		{"cert over ws", BridgeOptions{To: "ws://127.0.0.1:1/", Certificates: []tls.Certificate{p.Client.TLS()}}, "needs a wss:// upstream"},
		{"origin", BridgeOptions{To: "wss://127.0.0.1:1/", Origins: []string{"localhost"}}, `origin "localhost"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewBridge(tc.o)
			if !errors.Is(err, ErrBadOptions) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrBadOptions with %q", err, tc.want)
			}
		})
	}
	for host, want := range map[string]bool{"127.0.0.1": true, "127.8.9.10": true, "::1": true, "[::1]": true, "localhost": true,
		"app.localhost": true, "0.0.0.0": false, "10.0.0.1": false, "example.com": false, "localhost.example.com": false} {
		if got := isLoopbackHost(host); got != want {
			t.Errorf("isLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestBridgeInsecure(t *testing.T) {
	p := pkitest.NewPKI(t, "bridge insecure CA")
	up, _ := start(t, Options{TLS: serverTLS(p, tls.NoClientCert)})
	b, blog := startBridge(t, BridgeOptions{To: up.URL() + "/echo", Insecure: true}) // system roots: the test CA is unknown
	c := dial(t, dialer(nil, nil), b.URL()+"/", nil)
	c.WriteMessage(websocket.TextMessage, []byte("anyway"))
	if _, got := readMsg(t, c); string(got) != "anyway" {
		t.Errorf("got %q", got)
	}
	rec := blog.waitRecord(t, "upstream note")
	if rec["cause_id"] != "server_cert_untrusted" {
		t.Errorf("got %v, want a server_cert_untrusted note", rec)
	}
}
