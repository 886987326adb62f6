package wsecho

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/wsskit/wsskit/pki/pkitest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// logBuf collects JSON log lines from a server under test.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// records returns the log records whose msg is msg.
func (l *logBuf) records(msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(l.String(), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// waitRecord waits up to 5 s for a log record with msg and returns the
// last one.
func (l *logBuf) waitRecord(t *testing.T, msg string) map[string]any {
	t.Helper()
	return l.waitMatch(t, msg, func(map[string]any) bool { return true })
}

// waitMatch waits up to 5 s for a log record with msg for which ok holds
// and returns the last such record. A server logs after it has answered,
// so a record can land just after the peer that caused it has exited.
func (l *logBuf) waitMatch(t *testing.T, msg string, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var last map[string]any
		for _, r := range l.records(msg) {
			if ok(r) {
				last = r
			}
		}
		if last != nil {
			return last
		}
		if time.Now().After(deadline) {
			t.Fatalf("no matching log record %q in:\n%s", msg, l.String())
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitCount waits up to 5 s until at least n records with msg are logged
// and returns them.
func (l *logBuf) waitCount(t *testing.T, msg string, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := l.records(msg)
		if len(r) >= n {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d log records %q, want %d:\n%s", len(r), msg, n, l.String())
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (l *logBuf) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// start runs a server on 127.0.0.1:0 and shuts it down at cleanup.
func start(t *testing.T, opts Options) (*Server, *logBuf) {
	t.Helper()
	lb := &logBuf{}
	if opts.Logger == nil {
		opts.Logger = lb.logger()
	}
	opts.Addr = "127.0.0.1:0"
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return s, lb
}

// serverTLS is a server config for p's server certificate, with optional
// client authentication against p's CA.
func serverTLS(p *pkitest.PKI, auth tls.ClientAuthType) *tls.Config {
	cfg := &tls.Config{Certificates: []tls.Certificate{p.Server.TLS()}, ClientAuth: auth}
	if auth != tls.NoClientCert {
		cfg.ClientCAs = p.Pool()
	}
	return cfg
}

// dialer trusts p's CA and presents client (when not nil).
func dialer(p *pkitest.PKI, client *pkitest.Cert) *websocket.Dialer {
	d := &websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	if p != nil {
		d.TLSClientConfig = &tls.Config{RootCAs: p.Pool()}
		if client != nil {
			d.TLSClientConfig.Certificates = []tls.Certificate{client.TLS()}
		}
	}
	return d
}

func dial(t *testing.T, d *websocket.Dialer, url string, h http.Header) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := d.DialContext(ctx, url, h)
	if err != nil {
		status := ""
		if resp != nil {
			status = resp.Status
		}
		t.Fatalf("dial %s: %v %s", url, err, status)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readMsg reads one message with a 5 s deadline.
func readMsg(t *testing.T, c *websocket.Conn) (int, []byte) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	mt, b, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return mt, b
}

// readClose reads until the connection closes and returns the close error.
func readClose(t *testing.T, c *websocket.Conn) *websocket.CloseError {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i := 0; i < 100000; i++ {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		ce, ok := err.(*websocket.CloseError)
		if !ok {
			t.Fatalf("read: got %v (%T), want a close frame", err, err)
		}
		return ce
	}
	t.Fatal("no close frame after 100000 messages")
	return nil
}

func hostPort(s *Server) string { return s.Addr().(*net.TCPAddr).String() }

// makeCRL returns a CRL signed by ca revoking the given certificates.
func makeCRL(t *testing.T, ca *pkitest.Cert, revoked ...*pkitest.Cert) []*x509.RevocationList {
	t.Helper()
	tmpl := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(24 * time.Hour)}
	for _, r := range revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber: r.Cert.SerialNumber, RevocationTime: time.Now().Add(-time.Minute)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	return []*x509.RevocationList{crl}
}
