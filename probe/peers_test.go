package probe

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsskit/wsskit/pki/pkitest"
)

// env is one test's PKI written to files for external peers.
type env struct {
	t     *testing.T
	dir   string
	pki   *pkitest.PKI
	other *pkitest.PKI // an unrelated CA with its own server and client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), pki: pkitest.NewPKI(t, "wsskit test CA"), other: pkitest.NewPKI(t, "other CA")}
	e.writeCert("ca", e.pki.CA)
	e.writeCert("server", e.pki.Server)
	e.writeCert("client", e.pki.Client)
	e.writeCert("other-ca", e.other.CA)
	return e
}

// writeCert writes NAME.pem and NAME.key.
func (e *env) writeCert(name string, c *pkitest.Cert) (certPath, keyPath string) {
	return pkitest.WriteFile(e.t, e.dir, name+".pem", c.CertPEM()), pkitest.WriteFile(e.t, e.dir, name+".key", c.KeyPEM())
}

func (e *env) path(name string) string { return filepath.Join(e.dir, name) }

// crl writes a CRL of the wsskit CA revoking the given certificates.
func (e *env) crl(revoked ...*pkitest.Cert) string {
	e.t.Helper()
	tmpl := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(24 * time.Hour)}
	for _, c := range revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: c.Cert.SerialNumber, RevocationTime: time.Now().Add(-time.Minute)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, e.pki.CA.Cert, e.pki.CA.Key)
	if err != nil {
		e.t.Fatal(err)
	}
	return pkitest.WriteFile(e.t, e.dir, "ca.crl", pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}))
}

// startProcess runs a peer server and returns the address it printed. The
// line is found by prefix; the port is the last field.
func startProcess(t *testing.T, prefix string, stdin bool, name string, args ...string) (string, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(name, args...)
	if mods, err := filepath.Abs(filepath.Join("..", "testdata", "node", "node_modules")); err == nil {
		cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cmd.Stderr = logs
	var in io.WriteCloser
	if stdin {
		if in, err = cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			logs.Write([]byte(sc.Text() + "\n"))
			if !sent && strings.HasPrefix(sc.Text(), prefix) {
				lines <- sc.Text()
				sent = true
			}
		}
	}()
	t.Cleanup(func() {
		if in != nil {
			in.Close()
		}
		_ = cmd.Process.Kill() // the peer may already have exited
		<-done
		_ = cmd.Wait() // killed: the error says so
	})
	select {
	case l := <-lines:
		f := strings.Fields(l)
		addr := f[len(f)-1]
		if !strings.Contains(addr, ":") {
			addr = "127.0.0.1:" + addr
		}
		return addr, logs
	case <-done:
		select {
		case l := <-lines:
			t.Fatalf("%s exited right after it listened (%s): %s", name, l, logs.String())
		default:
		}
		t.Fatalf("%s exited before it listened: %s", name, logs.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not start: %s", name, logs.String())
	}
	return "", nil
}

// syncBuffer collects a peer's output.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startOpenSSL runs `openssl s_server` with the server certificate and the
// extra arguments; it returns the address.
func (e *env) startOpenSSL(t *testing.T, args ...string) string {
	t.Helper()
	bin := pkitest.Tool(t, "openssl")
	base := []string{"s_server", "-accept", "127.0.0.1:0", "-cert", e.path("server.pem"), "-key", e.path("server.key"), "-naccept", "10"}
	addr, _ := startProcess(t, "ACCEPT", true, bin, append(base, args...)...)
	return addr
}

// startNode runs testdata/probe/node-wss-server.js.
func (e *env) startNode(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	bin := pkitest.Tool(t, "node")
	mods, err := filepath.Abs(filepath.Join("..", "testdata", "node", "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(mods, "ws")); err != nil {
		if pkitest.InCI() {
			t.Fatalf("npm package ws is not installed (cd testdata/node && npm ci): %v", err)
		}
		t.Skipf("npm package ws is not installed: %v", err)
	}
	script, _ := filepath.Abs(filepath.Join("..", "testdata", "probe", "node-wss-server.js"))
	return startProcess(t, "LISTEN", true, bin, append([]string{script}, args...)...)
}

// listen opens a loopback listener closed at the end of the test.
func listen(t *testing.T, addr string) net.Listener {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// startGoServer serves h over TLS (cfg) or plain (cfg nil) until the test ends.
func startGoServer(t *testing.T, addr string, cfg *tls.Config, h http.Handler) string {
	t.Helper()
	l := listen(t, addr)
	if cfg != nil {
		l = tls.NewListener(l, cfg)
	}
	srv := &http.Server{Handler: h, ErrorLog: nullLogger(), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l) // returns http.ErrServerClosed at cleanup
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
		<-done
	})
	return l.Addr().String()
}

// rawServer accepts connections and hands each to fn, until the test ends.
func rawServer(t *testing.T, fn func(net.Conn)) string {
	t.Helper()
	l := listen(t, "")
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 100; i++ {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				fn(c)
			}()
		}
	}()
	t.Cleanup(func() { l.Close(); wg.Wait() })
	return l.Addr().String()
}

// echoHandler upgrades and echoes every message.
func echoHandler() http.Handler {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for i := 0; i < 1000; i++ {
			typ, data, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(typ, data); err != nil {
				return
			}
		}
	})
}

// serverTLS is a Go server configuration with the given certificate.
func serverTLS(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}}
}

// clientOpts trusts the env's CA and sends its client certificate.
func (e *env) clientOpts(url string) Options {
	return Options{URL: url, RootCAs: e.pki.Pool(), RootsDescription: "--cafile ca.pem",
		Certificates: []tls.Certificate{e.pki.Client.TLS()}, Timeout: 3 * time.Second}
}

// run probes and returns the report and failure.
func run(t *testing.T, o Options) (*Report, *Failure, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep, err := Run(ctx, o)
	if rep == nil {
		t.Fatalf("Run returned no report (err %v)", err)
	}
	var fe *FailureError
	if err != nil && !errors.As(err, &fe) {
		t.Fatalf("Run error %T %v is not a *FailureError", err, err)
	}
	if (err == nil) != (rep.Failure == nil) {
		t.Fatalf("error %v but report failure %+v", err, rep.Failure)
	}
	if fe != nil {
		return rep, fe.Failure, err
	}
	return rep, nil, err
}

// wantCause asserts the failure's cause id, exit code and that the raw error
// is shown (non-empty and part of the error's text).
func wantCause(t *testing.T, f *Failure, err error, id string, exit int, rawContains string) {
	t.Helper()
	if f == nil {
		t.Fatalf("no failure, want cause %s", id)
	}
	if f.CauseID != id {
		t.Fatalf("cause %q, want %q (stage %s, raw %q, alert %v, cause %q)", f.CauseID, id, f.Stage, f.Raw, f.Alert, f.Cause)
	}
	if f.ExitCode != exit {
		t.Errorf("exit code %d, want %d", f.ExitCode, exit)
	}
	if f.Raw == "" || !strings.Contains(err.Error(), f.Raw) {
		t.Errorf("raw %q is not the error's text %q", f.Raw, err.Error())
	}
	if rawContains != "" && !strings.Contains(f.Raw, rawContains) {
		t.Errorf("raw %q does not contain %q", f.Raw, rawContains)
	}
	if f.Cause == "" || f.Fix == "" {
		t.Errorf("empty cause %q or fix %q", f.Cause, f.Fix)
	}
	t.Logf("%s: %s\n  raw: %s\n  alert: %v\n  cause: %s\n  fix: %s", f.Stage, f.CauseID, f.Raw, f.Alert, f.Cause, f.Fix)
}

func wantAlert(t *testing.T, f *Failure, code uint8, sent bool) {
	t.Helper()
	if f.Alert == nil || f.Alert.Code != code || f.Alert.Sent != sent {
		t.Errorf("alert %v, want code %d (%s) sent=%v", f.Alert, code, AlertName(code), sent)
	}
}

type nullWriter struct{}

func (nullWriter) Write(p []byte) (int, error) { return len(p), nil }

func nullLogger() *log.Logger { return log.New(nullWriter{}, "", 0) }

// readPEM returns the DER of the first PEM block of a file.
func readPEM(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatalf("%s: no PEM", path)
	}
	return b.Bytes
}
