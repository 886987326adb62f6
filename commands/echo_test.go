package commands

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsskit/wsskit/pki/pkitest"
	"github.com/wsskit/wsskit/wsecho"
)

// lockedBuffer (client_test.go) holds a running command's output.

// running is a long-running command (echo, bridge) started in-process.
type running struct {
	t            *testing.T
	stdout       *lockedBuffer
	stderr       *lockedBuffer
	sigs         chan os.Signal
	done         chan int
	code         int
	finished     bool
	restoreNotif func()
}

var servingLine = regexp.MustCompile(`(?m)^wsskit (?:echo: serving|bridge:) (wss?://[0-9.:]+)`)

// startRunning runs wsskit args in the background; signals go through
// r.signal instead of the process. It waits for the serving note and
// returns the base URL.
func startRunning(t *testing.T, stdin io.Reader, args ...string) (*running, string) {
	t.Helper()
	r := &running{t: t, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, sigs: make(chan os.Signal, 4), done: make(chan int, 1)}
	saved := notifySignals
	notifySignals = func(c chan<- os.Signal) func() {
		stop := make(chan struct{})
		go func() {
			for {
				select {
				case s := <-r.sigs:
					c <- s
				case <-stop:
					return
				}
			}
		}()
		return func() { close(stop) }
	}
	r.restoreNotif = func() { notifySignals = saved }
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	go func() { r.done <- Run(append([]string{"wsskit"}, args...), stdin, r.stdout, r.stderr) }()
	t.Cleanup(func() {
		if !r.finished {
			r.signal(syscall.SIGTERM)
			r.wait()
		}
		r.restoreNotif()
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingLine.FindStringSubmatch(r.stderr.String()); m != nil {
			return r, m[1]
		}
		select {
		case code := <-r.done:
			r.finished, r.code = true, code
			t.Fatalf("wsskit %v exited %d before serving\nstdout:\n%s\nstderr:\n%s", args, code, r.stdout, r.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("wsskit %v never said it was serving\nstderr:\n%s", args, r.stderr)
	return nil, ""
}

func (r *running) signal(s os.Signal) { r.sigs <- s }

// wait waits for the command to exit and returns its code.
func (r *running) wait() int {
	r.t.Helper()
	if r.finished {
		return r.code
	}
	select {
	case r.code = <-r.done:
		r.finished = true
	case <-time.After(15 * time.Second):
		r.t.Fatalf("command did not exit\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	return r.code
}

// waitLog waits for a log line containing all of parts.
func (r *running) waitLog(parts ...string) string {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(r.stdout.String(), "\n") {
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(line, p)
			}
			if ok {
				return line
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.t.Fatalf("no log line with %q in:\n%s", parts, r.stdout)
	return ""
}

func wsDial(t *testing.T, d *websocket.Dialer, u string) *websocket.Conn {
	t.Helper()
	if d == nil {
		d = &websocket.Dialer{}
	}
	d.HandshakeTimeout = 5 * time.Second
	c, resp, err := d.Dial(u, nil)
	if err != nil {
		status := ""
		if resp != nil {
			status = resp.Status
		}
		t.Fatalf("dial %s: %v %s", u, err, status)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func wsRead(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, b, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

func wsEcho(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if got := wsRead(t, c); got != msg {
		t.Fatalf("got %q, want %q", got, msg)
	}
}

func TestEchoCommand(t *testing.T) {
	stdin, console := io.Pipe()
	defer console.Close()
	r, base := startRunning(t, stdin, "echo", "--listen", "127.0.0.1:0", "--service", "/hello=echo", "--service", "/all=broadcast", "--service", "/me=info")
	if !strings.HasPrefix(base, "ws://127.0.0.1:") {
		t.Fatalf("serving %s", base)
	}
	hello := wsDial(t, nil, base+"/hello")
	wsEcho(t, hello, "hi")
	all := wsDial(t, nil, base+"/all")
	r.waitLog("msg=connected", "path=/all")
	io.WriteString(console, "typed on the console\n")
	if got := wsRead(t, all); got != "typed on the console" {
		t.Errorf("broadcast got %q", got)
	}
	me := wsDial(t, nil, base+"/me")
	if got := wsRead(t, me); !strings.Contains(got, `"service": "info"`) {
		t.Errorf("info got %s", got)
	}
	_, resp, err := (&websocket.Dialer{}).Dial(base+"/echo", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("/echo is not served here: got %v %v, want 404", err, resp)
	}
	r.signal(syscall.SIGTERM)
	for _, c := range []*websocket.Conn{hello, all, me} {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		for i := 0; i < 10; i++ {
			if _, _, err = c.ReadMessage(); err != nil {
				break
			}
		}
		if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Errorf("got %v, want close 1001", err)
		}
	}
	if code := r.wait(); code != 0 {
		t.Fatalf("exit %d\n%s", code, r.stderr)
	}
	r.waitLog("msg=disconnected", "path=/hello", "closed_by=client", "code=1001")
}

// writePKI writes p's server and client credentials and CA to dir.
func writePKI(t *testing.T, dir string, p *pkitest.PKI) {
	t.Helper()
	pkitest.WriteFile(t, dir, "ca.pem", p.CA.CertPEM())
	pkitest.WriteFile(t, dir, "server.pem", p.Server.CertPEM())
	pkitest.WriteFile(t, dir, "server.key", p.Server.KeyPEM())
	pkitest.WriteFile(t, dir, "client.pem", p.Client.CertPEM())
	pkitest.WriteFile(t, dir, "client.key", p.Client.KeyPEM())
}

// The same config file switches from ws:// to wss:// with client
// certificates by changing the url's scheme and adding a tls: block.
func TestEchoCommandConfigSwitch(t *testing.T) {
	dir := t.TempDir()
	p := pkitest.NewPKI(t, "echo config CA")
	if err := os.MkdirAll(filepath.Join(dir, "pki"), 0o755); err != nil {
		t.Fatal(err)
	}
	writePKI(t, filepath.Join(dir, "pki"), p)
	addr := freePort(t)
	services := "services:\n  /hello: echo\n"
	plain := pkitest.WriteFile(t, dir, "echo.yaml", []byte("url: ws://"+addr+"/hello\n"+services))

	r, base := startRunning(t, nil, "echo", "--config", plain)
	if base != "ws://"+addr {
		t.Fatalf("serving %s, want ws://%s", base, addr)
	}
	wsEcho(t, wsDial(t, nil, base+"/hello"), "plain")
	r.signal(syscall.SIGINT)
	if code := r.wait(); code != 0 {
		t.Fatalf("exit %d\n%s", code, r.stderr)
	}

	secure := pkitest.WriteFile(t, dir, "echo.yaml", []byte("url: wss://"+addr+"/hello\n"+
		"tls:\n  cert: pki/server.pem\n  key: pki/server.key\n  client_auth: require\n  cafile: pki/ca.pem\n"+services))
	r, base = startRunning(t, nil, "echo", "--config", secure)
	if base != "wss://"+addr {
		t.Fatalf("serving %s, want wss://%s", base, addr)
	}
	d := &websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: p.Pool(), Certificates: []tls.Certificate{p.Client.TLS()}}}
	wsEcho(t, wsDial(t, d, base+"/hello"), "secure")
	r.waitLog("msg=connected", `client_cert="CN=client"`)
	noCert := &websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: p.Pool()}, HandshakeTimeout: 5 * time.Second}
	if c, _, err := noCert.Dial(base+"/hello", nil); err == nil {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _, err = c.ReadMessage()
		c.Close()
		if err == nil {
			t.Error("a client without certificate got an echo")
		}
	}
	r.waitLog("tls handshake failed", "cause_id=client_cert_required")
}

func TestEchoCommandReload(t *testing.T) {
	dir := t.TempDir()
	p := pkitest.NewPKI(t, "echo reload CA")
	writePKI(t, dir, p)
	r, base := startRunning(t, nil, "echo", "--listen", "127.0.0.1:0", "--cert", filepath.Join(dir, "server.pem"), "--key", filepath.Join(dir, "server.key"))
	trust := &tls.Config{RootCAs: p.Pool()}
	seen := func() string {
		var cn string
		cfg := trust.Clone()
		cfg.VerifyConnection = func(cs tls.ConnectionState) error { cn = cs.PeerCertificates[0].Subject.CommonName; return nil }
		wsEcho(t, wsDial(t, &websocket.Dialer{TLSClientConfig: cfg}, base+"/echo"), "x")
		return cn
	}
	if cn := seen(); cn != "127.0.0.1" {
		t.Fatalf("first certificate %q", cn)
	}
	old := wsDial(t, &websocket.Dialer{TLSClientConfig: trust}, base+"/echo")
	renewed := pkitest.Issue(t, pkitest.Template{CN: "renewed", IPs: []net.IP{net.IPv4(127, 0, 0, 1)}}, p.CA)
	pkitest.WriteFile(t, dir, "server.pem", renewed.CertPEM())
	pkitest.WriteFile(t, dir, "server.key", renewed.KeyPEM())
	r.signal(syscall.SIGHUP)
	r.waitLog("server certificate reloaded", "CN=renewed")
	if cn := seen(); cn != "renewed" {
		t.Errorf("after SIGHUP a new handshake got %q, want renewed", cn)
	}
	wsEcho(t, old, "the old connection is still up")
	// A broken file keeps the old certificate and says so.
	pkitest.WriteFile(t, dir, "server.key", []byte("not a key"))
	r.signal(syscall.SIGHUP)
	r.waitLog("reload failed; still serving the previous certificate")
	if cn := seen(); cn != "renewed" {
		t.Errorf("after a failed reload got %q", cn)
	}
}

func TestEchoCommandErrors(t *testing.T) {
	dir := t.TempDir()
	p := pkitest.NewPKI(t, "echo errors CA")
	writePKI(t, dir, p)
	cert, key := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
	wssNoCert := pkitest.WriteFile(t, dir, "nocert.yaml", []byte("url: wss://127.0.0.1:1/\n"))
	wsCfg := pkitest.WriteFile(t, dir, "ws.yaml", []byte("url: ws://127.0.0.1:1/\n"))
	bad := pkitest.WriteFile(t, dir, "bad.yaml", []byte("url: ws://127.0.0.1:1/\nservice:\n  /x: echo\n"))
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name     string
		args     []string
		code     int
		mentions []string
	}{
		{"service path", []string{"--service", "hello=echo"}, ExitUsage, []string{`--service "hello=echo": the path must start with /`}},
		{"service kind", []string{"--service", "/x=mirror"}, ExitUsage, []string{`--service "/x=mirror"`}},
		{"client auth", []string{"--cert", cert, "--key", key, "--client-auth", "maybe"}, ExitUsage, []string{`--client-auth "maybe"`}},
		{"client auth without cert", []string{"--client-auth", "require"}, ExitUsage, []string{"requires --cert/--key or --pfx"}},
		{"crl without trust", []string{"--cert", cert, "--key", key, "--crl", cert}, ExitUsage, []string{"--crl requires --capath or --cafile"}},
		{"listen", []string{"--listen", "8080"}, ExitUsage, []string{`--listen "8080"`}},
		{"wss config without cert", []string{"--config", wssNoCert}, ExitUsage, []string{"nocert.yaml:1: url is wss:// but no certificate"}},
		{"ws config with cert", []string{"--config", wsCfg, "--cert", cert, "--key", key}, ExitUsage, []string{"ws.yaml:1: url is ws://"}},
		{"config error", []string{"--config", bad}, ExitInput, []string{"bad.yaml:2: service: unknown key; did you mean services?"}},
		{"config missing", []string{"--config", filepath.Join(dir, "none.yaml")}, ExitInput, []string{"none.yaml"}},
		{"port in use", []string{"--listen", busy.Addr().String()}, ExitNetwork, []string{"address already in use"}},
		{"argument", []string{"extra"}, ExitUsage, []string{`unexpected argument "extra"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run(t, "", append([]string{"echo"}, tc.args...)...).wantFail(t, tc.code, tc.mentions...)
		})
		// The diagnostic server follows its config's url scheme too.
		if strings.HasPrefix(tc.name, "wss config") || strings.HasPrefix(tc.name, "ws config") {
			t.Run("server "+tc.name, func(t *testing.T) {
				run(t, "", append([]string{"server"}, tc.args...)...).wantFail(t, tc.code, tc.mentions...)
			})
		}
	}
}

func TestBridgeCommand(t *testing.T) {
	dir := t.TempDir()
	p := pkitest.NewPKI(t, "bridge command CA")
	writePKI(t, dir, p)
	up, err := wsecho.New(wsecho.Options{Addr: "127.0.0.1:0", TLS: &tls.Config{Certificates: []tls.Certificate{p.Server.TLS()},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: p.Pool()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := up.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		up.Shutdown(ctx)
	}()

	t.Run("flags", func(t *testing.T) {
		r, base := startRunning(t, nil, "bridge", "--listen", "127.0.0.1:0", "--to", up.URL()+"/echo",
			"--cert", filepath.Join(dir, "client.pem"), "--key", filepath.Join(dir, "client.key"), "--cafile", filepath.Join(dir, "ca.pem"))
		c := wsDial(t, nil, base+"/")
		wsEcho(t, c, "through the bridge command")
		r.signal(syscall.SIGINT)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Errorf("got %v, want close 1001", err)
		}
		if code := r.wait(); code != 0 {
			t.Fatalf("exit %d\n%s", code, r.stderr)
		}
		r.waitLog("msg=bridged", `client_cert="CN=client"`)
	})
	t.Run("config", func(t *testing.T) {
		cfg := pkitest.WriteFile(t, dir, "client.yaml", []byte("url: "+up.URL()+"/info\ntls:\n  cert: client.pem\n  key: client.key\n  cafile: ca.pem\n"))
		_, base := startRunning(t, nil, "bridge", "--config", cfg, "--listen", "127.0.0.1:0")
		if got := wsRead(t, wsDial(t, nil, base+"/")); !strings.Contains(got, `"subject": "CN=client"`) {
			t.Errorf("info through the bridge: %s", got)
		}
	})
	t.Run("upstream refuses", func(t *testing.T) {
		r, base := startRunning(t, nil, "bridge", "--listen", "127.0.0.1:0", "--to", up.URL()+"/echo", "--cafile", filepath.Join(dir, "ca.pem"))
		c := wsDial(t, nil, base+"/")
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _, err := c.ReadMessage()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != wsecho.CloseUpstreamFailed || !strings.Contains(ce.Text, "client_cert_required") {
			t.Errorf("got %v, want close 1011 naming client_cert_required", err)
		}
		r.waitLog("upstream connection failed", "cause_id=client_cert_required")
		if !strings.Contains(r.stderr.String(), "no client certificate") {
			t.Errorf("no note about the missing certificate: %s", r.stderr)
		}
	})
	t.Run("errors", func(t *testing.T) {
		run(t, "", "bridge").wantFail(t, ExitUsage, "flag --to is required")
		run(t, "", "bridge", "--to", "https://x:1/").wantFail(t, ExitUsage, `--to "https://x:1/"`)
		run(t, "", "bridge", "--to", "ws://127.0.0.1:1/", "--cert", filepath.Join(dir, "client.pem"), "--key", filepath.Join(dir, "client.key")).
			wantFail(t, ExitUsage, "a client certificate needs wss://")
		svc := pkitest.WriteFile(t, dir, "svc.yaml", []byte("url: wss://127.0.0.1:1/\nservices:\n  /x: echo\n"))
		run(t, "", "bridge", "--config", svc).wantFail(t, ExitUsage, "svc.yaml:2: services: is for the echo server")
	})
}

// wsskit client against wsskit echo, both in-process: the pair a user runs
// first.
func TestClientAgainstEcho(t *testing.T) {
	dir := t.TempDir()
	p := pkitest.NewPKI(t, "client vs echo CA")
	writePKI(t, dir, p)
	f := func(name string) string { return filepath.Join(dir, name) }
	_, base := startRunning(t, nil, "echo", "--listen", "127.0.0.1:0", "--cert", f("server.pem"), "--key", f("server.key"),
		"--cafile", f("ca.pem"))
	mustRun(t, "client", base+"/echo", "--cafile", f("ca.pem"), "--cert", f("client.pem"), "--key", f("client.key"),
		"--send", "hello echo", "--expect", "hello echo")
	r := run(t, "", "client", base+"/echo", "--cafile", f("ca.pem"), "--send", "no certificate")
	if r.code != ExitTLS || !strings.Contains(r.stdout+r.stderr, "client_cert_required") {
		t.Errorf("without a client certificate: exit %d, want %d and client_cert_required\n%s%s", r.code, ExitTLS, r.stdout, r.stderr)
	}
	r = run(t, "", "client", base+"/nothing", "--cafile", f("ca.pem"), "--cert", f("client.pem"), "--key", f("client.key"))
	if r.code != ExitHTTP || !strings.Contains(r.stdout+r.stderr, "/broadcast (broadcast), /echo (echo), /info (info)") {
		t.Errorf("unknown path: exit %d, want %d and the served paths\n%s%s", r.code, ExitHTTP, r.stdout, r.stderr)
	}
}
