package wsecho

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsskit/wsskit/pki/pkitest"
)

func TestEcho(t *testing.T) {
	p := pkitest.NewPKI(t, "echo test CA")
	big := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	tests := []struct {
		name        string
		tls         bool
		compression bool
	}{
		{"ws", false, false},
		{"wss", true, false},
		{"ws+deflate", false, true},
		{"wss+deflate", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{Compression: tc.compression}
			d := dialer(nil, nil)
			if tc.tls {
				opts.TLS = serverTLS(p, tls.NoClientCert)
				d = dialer(p, nil)
			}
			d.EnableCompression = tc.compression
			s, _ := start(t, opts)
			c := dial(t, d, s.URL()+"/echo", nil)
			msgs := []struct {
				mt   int
				data []byte
			}{
				{websocket.TextMessage, []byte("hello")},
				{websocket.BinaryMessage, []byte{0, 1, 2, 0xff}},
				{websocket.TextMessage, []byte("")},
				{websocket.TextMessage, []byte("héllo wörld ✓")},
				{websocket.BinaryMessage, big},
				{websocket.TextMessage, big},
			}
			for i, m := range msgs {
				if err := c.WriteMessage(m.mt, m.data); err != nil {
					t.Fatalf("write %d: %v", i, err)
				}
				mt, got := readMsg(t, c)
				if mt != m.mt || !bytes.Equal(got, m.data) {
					t.Fatalf("message %d: got type %d, %d bytes, want type %d, %d bytes", i, mt, len(got), m.mt, len(m.data))
				}
			}
		})
	}
}

func TestUpgradeRefused(t *testing.T) {
	s, lb := start(t, Options{Origins: []string{"https://app.example"}})
	tests := []struct {
		name       string
		path       string
		origin     string
		wantStatus int
		wantBody   string
		wantLog    string
	}{
		{"unknown path", "/hello", "", http.StatusNotFound,
			"wsecho: no WebSocket service at /hello; served paths: /broadcast (broadcast), /echo (echo), /info (info)", "upgrade_not_found"},
		{"foreign origin", "/echo", "https://evil.example", http.StatusForbidden,
			`wsecho: origin "https://evil.example" is not allowed`, "upgrade_forbidden"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			_, resp, err := dialer(nil, nil).Dial(s.URL()+tc.path, h)
			if !errors.Is(err, websocket.ErrBadHandshake) {
				t.Fatalf("got error %v, want %v", err, websocket.ErrBadHandshake)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("got status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			body, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(body), tc.wantBody) {
				t.Errorf("got body %q, want it to contain %q", body, tc.wantBody)
			}
			if !strings.Contains(lb.String(), tc.wantLog) {
				t.Errorf("log lacks %q:\n%s", tc.wantLog, lb.String())
			}
		})
	}
}

func TestOrigins(t *testing.T) {
	s, _ := start(t, Options{Origins: []string{"https://App.Example:8443"}})
	tests := []struct {
		origin string
		ok     bool
	}{
		{"", true},
		{"http://" + hostPort(s), true},
		{"https://app.example:8443", true},
		{"https://app.example", false},
		{"http://localhost:3000", false},
		{"null", false},
	}
	for _, tc := range tests {
		t.Run(tc.origin, func(t *testing.T) {
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			c, resp, err := dialer(nil, nil).Dial(s.URL()+"/echo", h)
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
				t.Fatalf("got %v %v, want 403", err, resp)
			}
		})
	}
}

func TestCloseCodes(t *testing.T) {
	s, lb := start(t, Options{ReadLimit: 1000})
	tests := []struct {
		name     string
		mt       int
		data     []byte
		wantCode int
	}{
		{"read limit", websocket.BinaryMessage, make([]byte, 1001), websocket.CloseMessageTooBig},
		{"invalid UTF-8", websocket.TextMessage, []byte("ab\xff\xfecd"), websocket.CloseInvalidFramePayloadData},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, dialer(nil, nil), s.URL()+"/echo", nil)
			// Exactly at the limit is fine.
			if err := c.WriteMessage(websocket.BinaryMessage, make([]byte, 1000)); err != nil {
				t.Fatal(err)
			}
			readMsg(t, c)
			if err := c.WriteMessage(tc.mt, tc.data); err != nil {
				t.Fatal(err)
			}
			ce := readClose(t, c)
			if ce.Code != tc.wantCode {
				t.Fatalf("got close %d %q, want %d", ce.Code, ce.Text, tc.wantCode)
			}
		})
	}
	t.Run("decompressed size", func(t *testing.T) {
		s, _ := start(t, Options{ReadLimit: 1000, Compression: true})
		d := dialer(nil, nil)
		d.EnableCompression = true
		c := dial(t, d, s.URL()+"/echo", nil)
		c.EnableWriteCompression(true)
		// 100 KB of zeros deflate to far less than the 1000-byte limit.
		if err := c.WriteMessage(websocket.BinaryMessage, make([]byte, 100000)); err != nil {
			t.Fatal(err)
		}
		if ce := readClose(t, c); ce.Code != websocket.CloseMessageTooBig {
			t.Fatalf("got close %d, want 1009", ce.Code)
		}
	})
	for _, r := range lb.waitCount(t, "disconnected", 2) {
		if r["closed_by"] != "client" {
			t.Errorf("got closed_by %v, want client (the client answered our close frame): %v", r["closed_by"], r)
		}
	}
}

// A TCP connect and close (a port check) is logged at INFO with its
// explanation; a client that sends a ClientHello and then fails is a WARN.
func TestPortCheckIsInfo(t *testing.T) {
	p := pkitest.NewPKI(t, "port check CA")
	s, lb := start(t, Options{TLS: serverTLS(p, tls.RequireAndVerifyClientCert)})
	c, err := net.Dial("tcp", hostPort(s))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	rec := lb.waitRecord(t, "tls handshake failed")
	if rec["level"] != "INFO" || !strings.Contains(fmt.Sprint(rec["cause"]), "before the client sent its ClientHello") {
		t.Errorf("port check logged as %v", rec)
	}
	// A certificate-less client is still a warning.
	tc := tls.Client(mustDial(t, hostPort(s)), &tls.Config{RootCAs: p.Pool(), ServerName: "127.0.0.1"})
	_ = tc.Handshake()
	buf := make([]byte, 1)
	_, _ = tc.Read(buf) // TLS 1.3: the server's alert arrives here
	tc.Close()
	rec = lb.waitMatch(t, "tls handshake failed", func(r map[string]any) bool { return r["cause_id"] == "client_cert_required" })
	if rec["level"] != "WARN" {
		t.Errorf("a refused client logged as %v", rec)
	}
}

func mustDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestPlainGET(t *testing.T) {
	p := pkitest.NewPKI(t, "page test CA")
	s, _ := start(t, Options{TLS: serverTLS(p, tls.RequireAndVerifyClientCert)})
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: p.Pool(), Certificates: []tls.Certificate{p.Client.TLS()}}}}
	defer client.CloseIdleConnections()
	base := "https://" + hostPort(s)
	tests := []struct {
		path       string
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{"/", 200, "text/html; charset=utf-8", `<script src="/_wsecho/app.js"`},
		{"/_wsecho/app.js", 200, "text/javascript; charset=utf-8", "new WebSocket("},
		{"/_wsecho/style.css", 200, "text/css; charset=utf-8", "#log"},
		{"/_wsecho/services.json", 200, "application/json", `{"path":"/broadcast","kind":"broadcast"}`},
		{"/healthz", 200, "application/json", `"status":"ok"`},
		{"/echo", 426, "text/plain; charset=utf-8", "/echo is a WebSocket endpoint (echo): connect with wss://"},
		{"/nothing", 404, "text/plain; charset=utf-8", "served paths: /broadcast (broadcast), /echo (echo), /info (info)"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := client.Get(base + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("got status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if got := resp.Header.Get("Content-Type"); got != tc.wantType {
				t.Errorf("got content type %q, want %q", got, tc.wantType)
			}
			if !strings.Contains(string(body), tc.wantBody) {
				t.Errorf("got body %q, want it to contain %q", body, tc.wantBody)
			}
			if resp.ProtoMajor != 1 {
				t.Errorf("got %s, want HTTP/1.x", resp.Proto)
			}
		})
	}
}

func TestPlainHTTPOnTLSPort(t *testing.T) {
	p := pkitest.NewPKI(t, "plain test CA")
	s, lb := start(t, Options{TLS: serverTLS(p, tls.NoClientCert)})
	_, resp, err := dialer(nil, nil).Dial("ws://"+hostPort(s)+"/echo", nil)
	if err == nil || resp == nil {
		t.Fatalf("got %v, %v; want a bad handshake with a response", err, resp)
	}
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("got status %d, want 400", resp.StatusCode)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "this port speaks wss://") {
		t.Errorf("got body %q", body)
	}
	rec := lb.waitRecord(t, "tls handshake failed")
	if !strings.Contains(fmt.Sprint(rec["error"]), "first record does not look like a TLS handshake") || rec["cause_id"] != "plain_to_tls_server" {
		t.Errorf("got error %v, cause_id %v", rec["error"], rec["cause_id"])
	}
}

func TestTLSOnPlainPort(t *testing.T) {
	s, lb := start(t, Options{})
	d := dialer(nil, nil)
	d.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} // the test expects the handshake to fail
	_, _, err := d.Dial("wss://"+hostPort(s)+"/echo", nil)
	if err == nil {
		t.Fatal("got success, want a TLS failure")
	}
	rec := lb.waitRecord(t, "client started a TLS handshake on this plain ws:// port")
	if rec["cause_id"] != "tls_to_plain_server" {
		t.Errorf("got cause_id %v", rec["cause_id"])
	}
}

func TestMutualTLS(t *testing.T) {
	p := pkitest.NewPKI(t, "mtls test CA")
	other := pkitest.NewPKI(t, "other CA")
	tests := []struct {
		name    string
		auth    tls.ClientAuthType
		client  *pkitest.Cert
		maxTLS  uint16
		wantErr string // "" = the echo works
		wantLog string
		subject string
		causeID string
	}{
		{"require with cert", tls.RequireAndVerifyClientCert, p.Client, 0, "", "connected", "CN=client", ""},
		{"require without cert tls1.3", tls.RequireAndVerifyClientCert, nil, 0, "certificate required", "tls handshake failed", "", "client_cert_required"},
		{"require without cert tls1.2", tls.RequireAndVerifyClientCert, nil, tls.VersionTLS12, "handshake failure", "tls handshake failed", "", "client_cert_required"},
		{"require untrusted cert", tls.RequireAndVerifyClientCert, other.Client, tls.VersionTLS12, "unknown certificate authority", "tls handshake failed", "CN=client", "client_cert_untrusted"},
		{"request without cert", tls.VerifyClientCertIfGiven, nil, 0, "", "client sent no certificate", "none", ""},
		{"server cert untrusted", tls.NoClientCert, nil, 0, "certificate signed by unknown authority", "tls handshake failed", "", "server_cert_untrusted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, lb := start(t, Options{TLS: serverTLS(p, tc.auth)})
			d := dialer(p, nil)
			if tc.causeID == "server_cert_untrusted" {
				d = dialer(other, nil)
			}
			if tc.client != nil {
				// GetClientCertificate sends the certificate even when
				// its CA is not one the server names (Go would not).
				cert := tc.client.TLS()
				d.TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
			}
			d.TLSClientConfig.MaxVersion = tc.maxTLS
			c, _, err := d.Dial(s.URL()+"/info", nil)
			if err == nil {
				defer c.Close()
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				_, _, err = c.ReadMessage()
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tc.wantErr)
			}
			rec := lb.waitRecord(t, tc.wantLog)
			if tc.subject != "" && rec["client_cert"] != tc.subject {
				t.Errorf("got client_cert %v, want %q", rec["client_cert"], tc.subject)
			}
			if tc.causeID != "" && rec["cause_id"] != tc.causeID {
				t.Errorf("got cause_id %v, want %q (%v)", rec["cause_id"], tc.causeID, rec)
			}
		})
	}
}

func TestCRL(t *testing.T) {
	p := pkitest.NewPKI(t, "crl test CA")
	good := p.Client
	revoked := pkitest.Issue(t, pkitest.Template{CN: "revoked client", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, p.CA)
	crl := makeCRL(t, p.CA, revoked)
	s, lb := start(t, Options{TLS: serverTLS(p, tls.RequireAndVerifyClientCert), CRLs: crl})
	for _, tc := range []struct {
		name    string
		cert    *pkitest.Cert
		wantErr bool
	}{{"good", good, false}, {"revoked", revoked, true}} {
		t.Run(tc.name, func(t *testing.T) {
			d := dialer(p, tc.cert)
			d.TLSClientConfig.MaxVersion = tls.VersionTLS12
			c, _, err := d.Dial(s.URL()+"/echo", nil)
			if tc.wantErr {
				if err == nil {
					c.Close()
					t.Fatal("got success, want the revoked certificate refused")
				}
				if !strings.Contains(err.Error(), "bad certificate") {
					t.Errorf("got %v, want alert bad certificate", err)
				}
				rec := lb.waitRecord(t, "tls handshake failed")
				if !strings.Contains(fmt.Sprint(rec["error"]), `"CN=revoked client"`) || rec["cause_id"] != "client_cert_revoked" {
					t.Errorf("got error %v, cause_id %v", rec["error"], rec["cause_id"])
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want success", err)
			}
			c.Close()
		})
	}
}

func TestInfo(t *testing.T) {
	p := pkitest.NewPKI(t, "info test CA")
	s, _ := start(t, Options{TLS: serverTLS(p, tls.RequireAndVerifyClientCert), Subprotocols: []string{"chat", "superchat"}})
	d := dialer(p, p.Client)
	d.Subprotocols = []string{"superchat", "other"}
	d.TLSClientConfig.ServerName = "localhost"
	c := dial(t, d, s.URL()+"/info?x=1", http.Header{"X-Test": {"yes"}})
	if c.Subprotocol() != "superchat" {
		t.Errorf("got subprotocol %q, want superchat", c.Subprotocol())
	}
	_, b := readMsg(t, c)
	var rep InfoReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	if rep.Service != "info" || rep.Path != "/info" || rep.Query != "x=1" || rep.Subprotocol != "superchat" {
		t.Errorf("got %+v", rep)
	}
	if got := rep.Headers["X-Test"]; len(got) != 1 || got[0] != "yes" {
		t.Errorf("got header X-Test %v", got)
	}
	if rep.TLS == nil || len(rep.TLS.ClientCertificates) != 1 || rep.TLS.ClientCertificates[0].Subject != "CN=client" || !rep.TLS.Verified {
		t.Fatalf("got TLS %+v", rep.TLS)
	}
	if rep.TLS.Version != "TLS 1.3" || rep.TLS.ServerName != "localhost" || rep.TLS.Curve == "" {
		t.Errorf("got TLS %+v", rep.TLS)
	}
	if rep.TLS.ClientHello == nil || rep.TLS.ClientHello.ServerName != "localhost" {
		t.Errorf("got client hello %+v", rep.TLS.ClientHello)
	}
	// It answers every message with the report again.
	c.WriteMessage(websocket.TextMessage, []byte("again"))
	if _, b2 := readMsg(t, c); !bytes.Equal(b, b2) {
		t.Errorf("second report differs")
	}
}

func TestBroadcast(t *testing.T) {
	const clients, senders, perSender = 100, 5, 20
	in, out := io.Pipe()
	defer out.Close()
	s, lb := start(t, Options{Stdin: in})
	conns := make([]*websocket.Conn, clients)
	for i := range conns {
		conns[i] = dial(t, dialer(nil, nil), s.URL()+"/broadcast", nil)
	}
	waitClients(t, s, clients)
	var wg sync.WaitGroup
	for i := 0; i < senders; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < perSender; j++ {
				conns[i].WriteMessage(websocket.TextMessage, fmt.Appendf(nil, "%d:%d", i, j))
			}
		}()
	}
	wg.Wait()
	errs := make(chan error, clients)
	for _, c := range conns {
		go func() {
			next := make([]int, senders)
			for n := 0; n < senders*perSender; n++ {
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				_, b, err := c.ReadMessage()
				if err != nil {
					errs <- fmt.Errorf("after %d messages: %w", n, err)
					return
				}
				var from, seq int
				if _, err := fmt.Sscanf(string(b), "%d:%d", &from, &seq); err != nil {
					errs <- fmt.Errorf("message %q: %w", b, err)
					return
				}
				if seq != next[from] {
					errs <- fmt.Errorf("from sender %d got message %d, want %d", from, seq, next[from])
					return
				}
				next[from]++
			}
			errs <- nil
		}()
	}
	for range conns {
		if err := <-errs; err != nil {
			t.Fatalf("%v\n%s", err, lb.String())
		}
	}
	// A stdin line reaches everyone too, and nothing else was queued.
	io.WriteString(out, "from the console\n")
	for _, c := range conns {
		if _, b := readMsg(t, c); string(b) != "from the console" {
			t.Fatalf("got %q, want the stdin line", b)
		}
	}
}

func waitClients(t *testing.T, s *Server, n int) {
	t.Helper()
	for i := 0; i < 500; i++ {
		s.mu.Lock()
		got := len(s.clients)
		s.mu.Unlock()
		if got == n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("server never had %d clients", n)
}

func TestSlowClient(t *testing.T) {
	s, lb := start(t, Options{SendQueue: 64, WriteTimeout: 3 * time.Second})
	d := dialer(nil, nil)
	// A small receive buffer so the server's writes to the slow client
	// block soon.
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			c.(*net.TCPConn).SetReadBuffer(4096)
		}
		return c, err
	}
	slow := dial(t, d, s.URL()+"/broadcast", nil)
	fast := dial(t, dialer(nil, nil), s.URL()+"/broadcast", nil)
	waitClients(t, s, 2)
	// The fast client sends each message and waits for it to come back
	// (its own broadcast): it never overflows its queue, while the slow
	// one, which never reads, must be dropped without slowing it down.
	const n = 400
	msg := bytes.Repeat([]byte("x"), 16<<10)
	var slowest time.Duration
	for i := 0; i < n; i++ {
		begin := time.Now()
		if err := fast.WriteMessage(websocket.BinaryMessage, msg); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		readMsg(t, fast)
		slowest = max(slowest, time.Since(begin))
	}
	// Waiting on the slow client would cost a whole write timeout (3 s).
	if slowest > 1500*time.Millisecond {
		t.Errorf("slowest broadcast round trip took %v: the slow client stalled it", slowest)
	}
	lb.waitRecord(t, "client too slow: send queue full, dropping it")
	// The slow client, reading at last, finds the end of the stream:
	// the 1008 close frame when it made it out, else a dropped connection.
	slow.SetReadDeadline(time.Now().Add(10 * time.Second))
	var err error
	got := 0
	for ; got <= n && err == nil; got++ {
		_, _, err = slow.ReadMessage()
	}
	t.Logf("slow client read %d messages, then %v", got, err)
	var ce *websocket.CloseError
	if errors.As(err, &ce) && ce.Code != websocket.ClosePolicyViolation {
		t.Errorf("got close %d, want 1008", ce.Code)
	}
	if isTimeout(err) {
		t.Errorf("slow client still connected: %v\n%s", err, lb.String())
	}
}

func TestShutdown(t *testing.T) {
	p := pkitest.NewPKI(t, "shutdown test CA")
	lb := &logBuf{}
	s, err := New(Options{Addr: "127.0.0.1:0", TLS: serverTLS(p, tls.NoClientCert), Logger: lb.logger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	var conns []*websocket.Conn
	for _, path := range []string{"/echo", "/broadcast", "/info", "/echo"} {
		conns = append(conns, dial(t, dialer(p, nil), s.URL()+path, nil))
	}
	readMsg(t, conns[2]) // the info report
	waitClients(t, s, len(conns))
	// A half-open TCP connection in its TLS handshake must not hold
	// Shutdown up either.
	raw, err := net.Dial("tcp", hostPort(s))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	type end struct {
		path string
		err  error
	}
	ends := make(chan end, len(conns))
	for i, c := range conns {
		go func() {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, _, err := c.ReadMessage()
			ends <- end{[]string{"/echo", "/broadcast", "/info", "/echo"}[i], err}
		}()
	}
	begin := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("Shutdown took %v; clients answer the close frame at once", d)
	}
	for range conns {
		e := <-ends
		if !websocket.IsCloseError(e.err, websocket.CloseGoingAway) {
			t.Errorf("%s: got %v, want close 1001", e.path, e.err)
		}
	}
	if t.Failed() {
		t.Log(lb.String())
	}
	if _, _, err := dialer(p, nil).Dial(s.URL()+"/echo", nil); err == nil {
		t.Error("dial after Shutdown succeeded")
	}
	if err := s.Start(context.Background()); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Start after Shutdown: got %v, want %v", err, ErrServerClosed)
	}
}

func TestShutdownDeadline(t *testing.T) {
	s, err := New(Options{Addr: "127.0.0.1:0", CloseGrace: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := dial(t, dialer(nil, nil), s.URL()+"/echo", nil)
	_ = c // never reads: never answers the close frame
	waitClients(t, s, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want %v", err, context.DeadlineExceeded)
	}
}

func TestReload(t *testing.T) {
	p := pkitest.NewPKI(t, "reload test CA")
	s, lb := start(t, Options{TLS: serverTLS(p, tls.NoClientCert)})
	old := dial(t, dialer(p, nil), s.URL()+"/echo", nil)

	renewed := pkitest.Issue(t, pkitest.Template{CN: "renewed", IPs: []net.IP{net.IPv4(127, 0, 0, 1)},
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, p.CA)
	if err := s.Reload(renewed.TLS()); err != nil {
		t.Fatal(err)
	}
	lb.waitRecord(t, "server certificate reloaded")
	d := dialer(p, nil)
	var seen string
	d.TLSClientConfig.VerifyConnection = func(cs tls.ConnectionState) error {
		seen = cs.PeerCertificates[0].Subject.CommonName
		return nil
	}
	fresh := dial(t, d, s.URL()+"/echo", nil)
	if seen != "renewed" {
		t.Errorf("new handshake got certificate %q, want renewed", seen)
	}
	for _, c := range []*websocket.Conn{old, fresh} {
		c.WriteMessage(websocket.TextMessage, []byte("still here"))
		if _, b := readMsg(t, c); string(b) != "still here" {
			t.Errorf("got %q", b)
		}
	}
	if err := s.Reload(tls.Certificate{Certificate: renewed.TLS().Certificate, PrivateKey: p.Client.Key}); err == nil ||
		!strings.Contains(err.Error(), "does not match certificate") {
		t.Errorf("reload with the wrong key: got %v", err)
	}
}

func TestMaxConns(t *testing.T) {
	s, _ := start(t, Options{MaxConns: 2})
	dial(t, dialer(nil, nil), s.URL()+"/echo", nil)
	dial(t, dialer(nil, nil), s.URL()+"/echo", nil)
	_, resp, err := dialer(nil, nil).Dial(s.URL()+"/echo", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("got %v %v, want 503", err, resp)
	}
}

func TestKeepaliveDropsDeadPeer(t *testing.T) {
	// A PongWait ten ping intervals long: a live client slowed by -race
	// on a busy machine still answers in time.
	s, lb := start(t, Options{PingInterval: 100 * time.Millisecond, PongWait: time.Second})
	live := dial(t, dialer(nil, nil), s.URL()+"/echo", nil)
	dead := dial(t, dialer(nil, nil), s.URL()+"/echo", nil)
	dead.SetPingHandler(func(string) error { return nil }) // never answers
	// Both read (so the live one answers pings) until the test closes them.
	for _, c := range []*websocket.Conn{live, dead} {
		go func() {
			c.SetReadDeadline(time.Now().Add(20 * time.Second))
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}()
	}
	rec := lb.waitRecord(t, "disconnected")
	if rec["closed_by"] != "network" || !strings.Contains(fmt.Sprint(rec["cause"]), "no pong") || rec["remote"] != dead.LocalAddr().String() {
		t.Errorf("got %v, want the dead client (%s) dropped for lack of pongs", rec, dead.LocalAddr())
	}
	// The live client, which answered every ping, is still served.
	time.Sleep(500 * time.Millisecond)
	s.mu.Lock()
	n := len(s.clients)
	s.mu.Unlock()
	if n != 1 || len(lb.records("disconnected")) != 1 {
		t.Errorf("got %d clients and %d disconnects, want the live client only", n, len(lb.records("disconnected")))
	}
}

func TestOptionsErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"relative path", Options{Services: map[string]Kind{"echo": Echo}}, `service path "echo" does not start with /`},
		{"reserved", Options{Services: map[string]Kind{"/healthz": Echo}}, `service path "/healthz" is reserved`},
		{"reserved prefix", Options{Services: map[string]Kind{"/_wsecho/x": Echo}}, `is reserved`},
		{"bad kind", Options{Services: map[string]Kind{"/x": 9}}, "unknown kind 9"},
		{"bad origin", Options{Origins: []string{"app.example"}}, `origin "app.example" is not scheme://host[:port]`},
		{"pong wait", Options{PingInterval: time.Minute, PongWait: time.Second}, "must be more than ping interval"},
		{"no cert", Options{TLS: &tls.Config{}}, "TLS config has no certificate"},
		{"negative limit", Options{ReadLimit: -1}, "read limit -1 is negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.opts)
			if !errors.Is(err, ErrBadOptions) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrBadOptions with %q", err, tc.want)
			}
		})
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range []Kind{Echo, Broadcast, Info} {
		got, err := ParseKind(strings.ToUpper(k.String()))
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k, got, err)
		}
	}
	if _, err := ParseKind("mirror"); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("got %v, want ErrUnknownKind", err)
	}
}

func TestKeepHelloDropsGREASE(t *testing.T) {
	h := keepHello(&tls.ClientHelloInfo{SupportedVersions: []uint16{0xbaba, tls.VersionTLS13, tls.VersionTLS12},
		CipherSuites: []uint16{0x5a5a, tls.TLS_AES_128_GCM_SHA256}, SupportedCurves: []tls.CurveID{0x2a2a, tls.X25519}})
	if fmt.Sprint(h.SupportedVersions) != "[772 771]" || fmt.Sprint(h.CipherSuites) != "[4865]" || fmt.Sprint(h.SupportedCurves) != "[X25519]" {
		t.Errorf("got %v %v %v", h.SupportedVersions, h.CipherSuites, h.SupportedCurves)
	}
}
