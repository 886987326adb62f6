package wsecho

// Real clients against the echo server: Node's ws, openssl s_client doing a
// raw upgrade, a C++ websocketpp client trusting an OpenSSL hashed CA
// folder, and wsskit's own probe. They skip on a laptop without the peer and
// fail under CI (pkitest.Tool).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki"
	"github.com/wsskit/wsskit/pki/pkitest"
	"github.com/wsskit/wsskit/probe"
)

// peerEnv is a PKI written to files, as the peers read it.
type peerEnv struct {
	p                   *pkitest.PKI
	dir                 string
	ca                  string // CA certificate (PEM)
	clientCert, clientK string
}

func newPeerEnv(t *testing.T) *peerEnv {
	t.Helper()
	dir := t.TempDir()
	p := pkitest.NewPKI(t, "wsecho peers CA")
	e := &peerEnv{p: p, dir: dir}
	e.ca = pkitest.WriteFile(t, dir, "ca.pem", p.CA.CertPEM())
	e.clientCert = pkitest.WriteFile(t, dir, "client.pem", p.Client.CertPEM())
	e.clientK = pkitest.WriteFile(t, dir, "client.key", p.Client.KeyPEM())
	return e
}

// hashedCAPath makes an OpenSSL CA folder holding the CA under its
// subject-hash name with wsskit's own capath code (pki.AddToCAPath), and
// checks the name against openssl x509 -subject_hash.
func (e *peerEnv) hashedCAPath(t *testing.T) string {
	t.Helper()
	openssl := pkitest.Tool(t, "openssl")
	dir := filepath.Join(e.dir, "ca")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := pki.AddToCAPath(dir, []string{e.ca}, pki.RehashOptions{}); err != nil {
		t.Fatal(err)
	}
	hash := strings.TrimSpace(pkitest.Run(t, openssl, "x509", "-noout", "-subject_hash", "-in", e.ca))
	if _, err := os.Stat(filepath.Join(dir, hash+".0")); err != nil {
		t.Fatalf("the CA folder has no %s.0 (openssl's subject hash): %v", hash, err)
	}
	return dir
}

// syncBuffer is a bytes.Buffer safe for a process writing while a test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}

// runPeer runs a peer program with a deadline and returns its output.
func runPeer(t *testing.T, timeout time.Duration, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s timed out after %v:\n%s", name, timeout, out)
	}
	return string(out), err
}

func nodeModules(t *testing.T) string {
	t.Helper()
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
	return mods
}

func TestPeerNodeWS(t *testing.T) {
	node := pkitest.Tool(t, "node")
	mods := nodeModules(t)
	e := newPeerEnv(t)
	s, lb := start(t, Options{TLS: serverTLS(e.p, tls.RequireAndVerifyClientCert)})
	script, _ := filepath.Abs(filepath.Join("..", "testdata", "wsecho", "node_client.js"))
	tests := []struct {
		name       string
		cert, key  string
		serverName string
		wantEcho   bool
		wantCause  string
		wantText   string
	}{
		{"with client certificate", e.clientCert, e.clientK, "", true, "", ""},
		{"without client certificate", "-", "-", "", false, "client_cert_required", "CN=wsecho peers CA"},
		// Node checks the name itself and hangs up without an alert.
		{"wrong server name", e.clientCert, e.clientK, "wrong.example", false, "client_closed_during_handshake", "SNI wrong.example, which is not among the certificate's names"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runPeer(t, 20*time.Second, []string{"NODE_PATH=" + mods}, node, script, s.URL()+"/echo", e.ca, tc.cert, tc.key, "hello from node", tc.serverName)
			if err != nil {
				t.Fatalf("node: %v\n%s", err, out)
			}
			events := map[string]map[string]any{}
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				var ev map[string]any
				if json.Unmarshal([]byte(line), &ev) == nil {
					events[fmt.Sprint(ev["event"])] = ev
				}
			}
			if tc.wantEcho {
				if m := events["message"]; m == nil || m["data"] != "hello from node" || events["close"]["code"] != float64(1000) {
					t.Fatalf("got events %v, want the echo and close 1000", out)
				}
				rec := lb.waitRecord(t, "disconnected")
				if rec["client_cert"] != "CN=client" || rec["code"] != float64(1000) || rec["reason"] != "done" {
					t.Errorf("server logged %v", rec)
				}
				return
			}
			if events["message"] != nil || events["error"] == nil {
				t.Fatalf("got events %v, want an error and no echo", out)
			}
			lb.waitMatch(t, "tls handshake failed", func(rec map[string]any) bool {
				return rec["cause_id"] == tc.wantCause && strings.Contains(fmt.Sprint(rec["cause"]), tc.wantText)
			})
		})
	}
}

// TestPeerNodeWSServerCertDefects: Node's ws client checks the server's
// certificate after the handshake messages and hangs up without an alert
// whatever is wrong (measured: CERT_HAS_EXPIRED, CERT_NOT_YET_VALID,
// INVALID_PURPOSE, UNABLE_TO_VERIFY_LEAF_SIGNATURE). The echo server must
// name the defect of its own certificate, or the missing intermediate.
func TestPeerNodeWSServerCertDefects(t *testing.T) {
	node := pkitest.Tool(t, "node")
	mods := nodeModules(t)
	e := newPeerEnv(t)
	script, _ := filepath.Abs(filepath.Join("..", "testdata", "wsecho", "node_client.js"))
	ip := []net.IP{net.IPv4(127, 0, 0, 1)}
	eku := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	past := time.Now().Add(-48 * time.Hour)
	inter := pkitest.Issue(t, pkitest.Template{CN: "wsecho intermediate", CA: true}, e.p.CA)
	tests := []struct {
		name      string
		cert      tls.Certificate
		wantCause string
		wantText  string
	}{
		{"expired", pkitest.Issue(t, pkitest.Template{CN: "127.0.0.1", IPs: ip, EKU: eku, NotBefore: past.Add(-time.Hour), NotAfter: past}, e.p.CA).TLS(),
			probe.CauseServerCertExpired, "no alert, it just closed the connection"},
		{"without serverAuth", pkitest.Issue(t, pkitest.Template{CN: "127.0.0.1", IPs: ip, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, e.p.CA).TLS(),
			probe.CauseServerCertWrongUsage, "without serverAuth"},
		{"intermediate not sent", pkitest.Issue(t, pkitest.Template{CN: "127.0.0.1", IPs: ip, EKU: eku}, inter).TLS(),
			probe.CauseClientClosedHandshake, `this server sends only its own certificate: if "CN=wsecho intermediate" is an intermediate CA`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, lb := start(t, Options{TLS: &tls.Config{Certificates: []tls.Certificate{tc.cert}}})
			out, err := runPeer(t, 20*time.Second, []string{"NODE_PATH=" + mods}, node, script, s.URL()+"/echo", e.ca, "-", "-", "hello from node")
			if err != nil {
				t.Fatalf("node: %v\n%s", err, out)
			}
			if !strings.Contains(out, `"event":"error"`) {
				t.Fatalf("node did not fail:\n%s", out)
			}
			lb.waitMatch(t, "tls handshake failed", func(rec map[string]any) bool {
				return rec["cause_id"] == tc.wantCause && strings.Contains(fmt.Sprint(rec["cause"]), tc.wantText)
			})
		})
	}
}

func TestPeerOpenSSLRawUpgrade(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	e := newPeerEnv(t)
	s, lb := start(t, Options{TLS: serverTLS(e.p, tls.RequireAndVerifyClientCert)})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// -nocommands: a line starting with R, Q, k or K must not be taken as
	// an s_client command (PEERS.md).
	cmd := exec.CommandContext(ctx, openssl, "s_client", "-connect", hostPort(s), "-quiet", "-nocommands",
		"-CAfile", e.ca, "-verify_return_error", "-verify_ip", "127.0.0.1", "-cert", e.clientCert, "-key", e.clientK)
	cmd.WaitDelay = time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	}()
	waitFor := func(what string, want []byte) {
		t.Helper()
		for ctx.Err() == nil {
			if bytes.Contains(stdout.Bytes(), want) {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("no %s from openssl s_client; stdout %q\nstderr %s\nserver log:\n%s", what, stdout.Bytes(), stderr.Bytes(), lb.String())
	}
	io.WriteString(stdin, "GET /echo HTTP/1.1\r\nHost: "+hostPort(s)+"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	// RFC 6455 §1.3's example key and answer.
	waitFor("101 answer", []byte("HTTP/1.1 101 Switching Protocols\r\n"))
	waitFor("Sec-WebSocket-Accept", []byte("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"))
	// Only after the 101: data sent with the request would be refused.
	payload := []byte("Ready? Quit! king")
	stdin.Write(maskedFrame(0x1, payload))
	waitFor("echo frame", append([]byte{0x81, byte(len(payload))}, payload...))
	stdin.Write(maskedFrame(0x8, []byte{0x03, 0xe8})) // close 1000
	waitFor("close answer", []byte{0x88, 0x02, 0x03, 0xe8})
	rec := lb.waitRecord(t, "disconnected")
	if rec["client_cert"] != "CN=client" || rec["code"] != float64(1000) || rec["in"] != float64(1) {
		t.Errorf("server logged %v", rec)
	}
}

// maskedFrame builds a final client frame (masked, RFC 6455 §5.3).
func maskedFrame(opcode byte, payload []byte) []byte {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	f := []byte{0x80 | opcode, 0x80 | byte(len(payload))}
	f = append(f, key[:]...)
	for i, b := range payload {
		f = append(f, b^key[i%4])
	}
	return f
}

// websocketppClient builds testdata/cpp/echo_client.cpp once per source
// version and caches the binary in testdata/.cache/.
func websocketppClient(t *testing.T) string {
	t.Helper()
	gxx := pkitest.Tool(t, "g++")
	for _, h := range []string{"/usr/include/websocketpp/client.hpp", "/usr/include/asio.hpp", "/usr/include/openssl/ssl.h"} {
		if _, err := os.Stat(h); err != nil {
			if pkitest.InCI() {
				t.Fatalf("%s missing (libwebsocketpp-dev, libasio-dev, libssl-dev): %v", h, err)
			}
			t.Skipf("%s missing: %v", h, err)
		}
	}
	src, err := filepath.Abs(filepath.Join("..", "testdata", "cpp", "echo_client.cpp"))
	if err != nil {
		t.Fatal(err)
	}
	code, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(code)
	cache, _ := filepath.Abs(filepath.Join("..", "testdata", ".cache"))
	bin := filepath.Join(cache, "echo_client-"+hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := fmt.Sprintf("%s.tmp%d", bin, os.Getpid())
	out, err := runPeer(t, 5*time.Minute, nil, gxx, "-std=c++17", "-O1", "-o", tmp, src, "-lssl", "-lcrypto", "-lpthread")
	if err != nil {
		os.Remove(tmp)
		t.Fatalf("building the websocketpp client: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

func TestPeerWebsocketpp(t *testing.T) {
	bin := websocketppClient(t)
	e := newPeerEnv(t)
	capath := e.hashedCAPath(t)
	s, lb := start(t, Options{TLS: serverTLS(e.p, tls.RequireAndVerifyClientCert)})
	tests := []struct {
		name      string
		host      string
		cert, key string
		wantOK    bool
		wantOut   string
		// wantCause and wantText: what the server must log about it.
		wantCause, wantText string
	}{
		{"mTLS with 64 KiB binary", "127.0.0.1", e.clientCert, e.clientK, true, "received binary: 65536 bytes", "", ""},
		// asio's host_name_verification says no without an X509 error,
		// which OpenSSL sends as internal_error (80).
		{"wrong host name", "wrong.example", e.clientCert, e.clientK, false, "failed:", probe.CauseTLSAlertUnknown, "host_name_verification"},
		{"without client certificate", "127.0.0.1", "-", "-", false, "", probe.CauseClientCertRequired, "CN=wsecho peers CA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runPeer(t, 20*time.Second, nil, bin, s.URL()+"/echo", tc.host, capath, tc.cert, tc.key, "hello from websocketpp", "65536")
			if tc.wantOK != (err == nil) {
				t.Fatalf("got %v, want success %v:\n%s\nserver log:\n%s", err, tc.wantOK, out, lb.String())
			}
			if !strings.Contains(out, tc.wantOut) {
				t.Errorf("got output %q, want it to contain %q", out, tc.wantOut)
			}
			if tc.wantOK && !strings.Contains(out, "received text: hello from websocketpp") {
				t.Errorf("got output %q", out)
			}
			if tc.wantCause != "" {
				// The server logs after its alert, so the record may
				// trail the client's exit.
				lb.waitMatch(t, "tls handshake failed", func(rec map[string]any) bool {
					return rec["cause_id"] == tc.wantCause && strings.Contains(fmt.Sprint(rec["cause"]), tc.wantText)
				})
			}
		})
	}
}

func TestPeerProbe(t *testing.T) {
	e := newPeerEnv(t)
	s, _ := start(t, Options{TLS: serverTLS(e.p, tls.RequireAndVerifyClientCert)})
	hello := "hello from wsskit client"
	tests := []struct {
		name      string
		certs     []tls.Certificate
		wantCause string
	}{
		{"with client certificate", []tls.Certificate{e.p.Client.TLS()}, ""},
		{"without client certificate", nil, "client_cert_required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rep, err := probe.Run(ctx, probe.Options{URL: s.URL() + "/echo", Certificates: tc.certs, RootCAs: e.p.Pool(),
				Send: []probe.Message{probe.Text(hello)}, Expect: &hello, Timeout: 5 * time.Second})
			if tc.wantCause == "" {
				if err != nil {
					t.Fatalf("probe: %v", err)
				}
				return
			}
			if err == nil || rep.Failure == nil || rep.Failure.CauseID != tc.wantCause {
				t.Fatalf("got %v, failure %+v; want %s", err, rep.Failure, tc.wantCause)
			}
		})
	}
}
