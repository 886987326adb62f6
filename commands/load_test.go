package commands

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/wsskit/wsskit/probe"
)

// echoServer is a gorilla/websocket echo server on 127.0.0.1:0 that records
// the client certificates it saw.
type echoServer struct {
	url      string
	mu       sync.Mutex
	cns      map[string]int
	handlers sync.WaitGroup
}

func startEchoServer(t *testing.T, cfg *tls.Config) *echoServer {
	t.Helper()
	s := &echoServer{cns: map[string]int{}}
	up := websocket.Upgrader{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.handlers.Add(1)
		defer s.handlers.Done()
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			s.mu.Lock()
			s.cns[r.TLS.PeerCertificates[0].Subject.CommonName]++
			s.mu.Unlock()
		}
		for range 100000 {
			mt, data, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(mt, data); err != nil {
				return
			}
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if cfg != nil {
		srv.TLS = cfg
		srv.StartTLS()
		s.url = "wss://" + srv.Listener.Addr().String() + "/echo"
	} else {
		srv.Start()
		s.url = "ws://" + srv.Listener.Addr().String() + "/echo"
	}
	t.Cleanup(func() { srv.Close(); s.handlers.Wait() })
	return s
}

// mtlsServerFrom serves with dir's server.pem/key and requires client
// certificates from dir's ca.pem, as a pki init folder holds them.
func mtlsServerFrom(t *testing.T, dir string) *tls.Config {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	return &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert}
}

func TestLoadCommandEchoJSON(t *testing.T) {
	s := startEchoServer(t, nil)
	r := mustRun(t, "load", s.url, "-c", "2", "-n", "50", "--size", "2KiB", "--json")
	var rep probe.LoadReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if rep.Messages != 50 || rep.Size != 2048 || rep.Connections != 2 || rep.BytesReceived != 50*2048 || rep.ErrorsTotal != 0 {
		t.Errorf("report %+v, want 50 messages of 2048 bytes on 2 connections, no errors", rep)
	}
	for _, field := range []string{`"messages_per_s"`, `"mb_per_s"`, `"p99_9_us"`, `"errors": []`} {
		if !strings.Contains(r.stdout, field) {
			t.Errorf("JSON lacks %s:\n%s", field, r.stdout)
		}
	}
	if r.stderr != "" {
		t.Errorf("stderr %q, want nothing (not a terminal: no progress line)", r.stderr)
	}
}

func TestLoadCommandText(t *testing.T) {
	s := startEchoServer(t, nil)
	r := mustRun(t, "load", s.url, "-n", "20", "-c", "2", "--size", "100")
	for _, want := range []string{"echo mode, 2 connections, 100-byte messages", "all messages done",
		"20 echoed", "latency (ms)", "p99.9", "errors        none"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestLoadCommandRotatesPKIInitClients(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "pki", "init", "--dir", dir, "--clients", "3")
	s := startEchoServer(t, mtlsServerFrom(t, dir))
	r := mustRun(t, "load", s.url, "--mode", "handshake", "-c", "3", "-n", "9", "--certs", dir,
		"--cafile", filepath.Join(dir, "ca.pem"), "--json")
	var rep probe.LoadReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if rep.Handshakes != 9 || rep.ClientCertificates != 3 || rep.ErrorsTotal != 0 {
		t.Errorf("handshakes %d with %d certificates, errors %+v; want 9 with 3, none", rep.Handshakes, rep.ClientCertificates, rep.Errors)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cns) != 3 {
		t.Fatalf("server saw client certificates %v, want 3 distinct", s.cns)
	}
	for cn, n := range s.cns {
		if n != 3 {
			t.Errorf("server saw %q %d times, want 3 (all: %v)", cn, n, s.cns)
		}
	}
}

func TestLoadCommandTLSVersionAndPFX(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "pki", "init", "--dir", dir)
	s := startEchoServer(t, mtlsServerFrom(t, dir))
	for _, v := range []string{"1.2", "1.3"} {
		r := mustRun(t, "load", s.url, "-n", "4", "-c", "2", "--max-tls", v, "--pfx", filepath.Join(dir, "client.pfx"),
			"--passin", "pass:changeit", "--capath", filepath.Join(dir, "ca"), "--json")
		var rep probe.LoadReport
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
		}
		if rep.TLSVersion != "TLS "+v || rep.Messages != 4 || rep.ClientCertificates != 1 {
			t.Errorf("--max-tls %s: %s, %d messages, %d client certificates; want TLS %s, 4, 1", v, rep.TLSVersion, rep.Messages, rep.ClientCertificates, v)
		}
	}
}

func TestLoadCommandPartialFailureExits1(t *testing.T) {
	dir, foreign := t.TempDir(), t.TempDir()
	mustRun(t, "pki", "init", "--dir", dir)
	mustRun(t, "pki", "init", "--dir", foreign)
	certs := t.TempDir()
	for src, dst := range map[string]string{
		filepath.Join(dir, "client.pem"): "good.pem", filepath.Join(dir, "client.key"): "good.key",
		filepath.Join(foreign, "client.pem"): "other.pem", filepath.Join(foreign, "client.key"): "other.key",
		filepath.Join(dir, "server.pem"): "server.pem", filepath.Join(dir, "server.key"): "server.key",
		filepath.Join(dir, "ca.pem"): "ca.pem",
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(certs, dst), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := startEchoServer(t, mtlsServerFrom(t, dir))
	r := run(t, "", "load", s.url, "--mode", "handshake", "-c", "1", "-n", "6", "--certs", certs, "--cafile", filepath.Join(dir, "ca.pem"))
	if r.code != ExitCheckFailed {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, ExitCheckFailed, r.stdout, r.stderr)
	}
	for _, want := range []string{"3 completed", "3 FAILED", "3 × client_cert_untrusted", "cause: ", "fix:   "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestLoadCommandNothingWorks(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := run(t, "", "load", "ws://"+addr+"/", "-c", "2", "-n", "5")
	r.wantFail(t, ExitNetwork, "no connection succeeded", "connection refused")
	if !strings.Contains(r.stdout, "2 × connection_refused (tcp stage)") || !strings.Contains(r.stderr, "hint:") {
		t.Errorf("stdout lacks the cause or stderr the hint:\n%s\n%s", r.stdout, r.stderr)
	}
	j := run(t, "", "load", "ws://"+addr+"/", "-c", "2", "-n", "5", "--json")
	if j.code != ExitNetwork || !json.Valid([]byte(j.stdout)) || !strings.Contains(j.stdout, `"cause_id": "connection_refused"`) {
		t.Errorf("--json: exit %d, stdout %s", j.code, j.stdout)
	}
}

func TestLoadCommandUsage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		mentions string
	}{
		{"no url", []string{"load"}, "one URL"},
		{"two urls", []string{"load", "ws://127.0.0.1:1/", "ws://127.0.0.1:2/"}, "one URL"},
		{"n and duration", []string{"load", "ws://127.0.0.1:1/", "-n", "5", "--duration", "1s"}, "mutually exclusive"},
		{"bad size", []string{"load", "ws://127.0.0.1:1/", "--size", "lots"}, "--size"},
		{"size over the limit", []string{"load", "ws://127.0.0.1:1/", "--size", "17MiB"}, "16 MiB"},
		{"too many connections", []string{"load", "ws://127.0.0.1:1/", "-c", "20001"}, "-c 20001 is out of range"},
		{"too long", []string{"load", "ws://127.0.0.1:1/", "--duration", "2h"}, "--duration 2h0m0s is out of range"},
		{"rate", []string{"load", "ws://127.0.0.1:1/", "--rate", "2000000"}, "--rate"},
		{"mode", []string{"load", "ws://127.0.0.1:1/", "--mode", "flood"}, "--mode"},
		{"scheme", []string{"load", "ftp://127.0.0.1:1/"}, "scheme"},
		{"remote", []string{"load", "ws://192.0.2.1:80/"}, "outside loopback"},
		{"certs and pfx", []string{"load", "wss://127.0.0.1:1/", "--certs", ".", "--pfx", "x.pfx"}, "mutually exclusive"},
		{"tls versions", []string{"load", "wss://127.0.0.1:1/", "--min-tls", "1.3", "--max-tls", "1.2"}, "above --max-tls"},
		{"tls version", []string{"load", "wss://127.0.0.1:1/", "--min-tls", "9"}, "--min-tls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "", tt.args...)
			r.wantFail(t, ExitUsage, tt.mentions)
		})
	}
	r := run(t, "", "load", "ws://192.0.2.1:80/")
	if !strings.Contains(r.stderr, "--allow-remote") {
		t.Errorf("remote target: stderr %q lacks the --allow-remote hint", r.stderr)
	}
}

func TestLoadCommandWarnsAboutTLSFlagsOnPlainWS(t *testing.T) {
	s := startEchoServer(t, nil)
	r := mustRun(t, "load", s.url, "-n", "2", "-c", "1", "--cafile", "nowhere.pem")
	if !strings.Contains(r.stderr, "warning: --cafile is ignored") {
		t.Errorf("stderr %q, want a warning about --cafile on ws://", r.stderr)
	}
}

func TestLoadCommandCertsFolderErrors(t *testing.T) {
	empty := t.TempDir()
	r := run(t, "", "load", "wss://127.0.0.1:1/", "--certs", empty)
	r.wantFail(t, ExitInput, empty, "no client certificate")
	r = run(t, "", "load", "wss://127.0.0.1:1/", "--certs", filepath.Join(empty, "missing"))
	r.wantFail(t, ExitInput, "missing")
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"1", 1, true}, {"1024", 1024, true}, {"1KiB", 1024, true}, {"64KiB", 65536, true}, {"64k", 65536, true},
		{"1KB", 1000, true}, {"1kb", 1000, true}, {"2MiB", 2 << 20, true}, {"1MB", 1000000, true}, {"16MiB", 16 << 20, true},
		{"100B", 100, true}, {" 8 KiB ", 8192, true},
		{"0", 0, false}, {"-1", 0, false}, {"KiB", 0, false}, {"1GiB", 0, false}, {"1.5KiB", 0, false}, {"17MiB", 0, false}, {"", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSize(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("parseSize(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}
