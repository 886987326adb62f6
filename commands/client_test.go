package commands

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
	"github.com/wsskit/wsskit/probe"
)

// probePKI writes a throw-away PKI and returns its folder.
func probePKI(t *testing.T) (string, *pkitest.PKI) {
	t.Helper()
	dir := t.TempDir()
	p := pkitest.NewPKI(t, "wsskit test CA")
	other := pkitest.NewPKI(t, "other CA")
	pkitest.WriteFile(t, dir, "ca.pem", p.CA.CertPEM())
	pkitest.WriteFile(t, dir, "other-ca.pem", other.CA.CertPEM())
	pkitest.WriteFile(t, dir, "server.pem", p.Server.CertPEM())
	pkitest.WriteFile(t, dir, "server.key", p.Server.KeyPEM())
	pkitest.WriteFile(t, dir, "client.pem", p.Client.CertPEM())
	pkitest.WriteFile(t, dir, "client.key", p.Client.KeyPEM())
	return dir, p
}

// startProbeServer runs the diagnostic server from the probe package.
func startProbeServer(t *testing.T, p *pkitest.PKI, auth tls.ClientAuthType) string {
	t.Helper()
	o := probe.ServerOptions{Listen: "127.0.0.1:0", Certificates: []tls.Certificate{p.Server.TLS()}, ClientAuth: auth, ClientCAs: p.Pool(), Timeout: 3 * time.Second}
	s, err := probe.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx) // the test is over; a slow shutdown changes nothing it checked
	})
	return s.Addr().String()
}

func TestClientCommand(t *testing.T) {
	dir, p := probePKI(t)
	f := func(n string) string { return filepath.Join(dir, n) }
	addr := startProbeServer(t, p, tls.RequireAndVerifyClientCert)
	url := "wss://" + addr + "/echo"

	t.Run("success", func(t *testing.T) {
		r := mustRun(t, "client", url, "--cafile", f("ca.pem"), "--cert", f("client.pem"), "--key", f("client.key"), "--send", "hello", "--expect", "hello")
		for _, want := range []string{"OK resolve", "OK tls", "TLS 1.3", "SNI none: IP literal", "verification: OK", `sent "CN=client"`, "(its issuer is listed)", "101 Switching Protocols", "< text 5 bytes", "close 1000 by client (clean)"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
			}
		}
	})
	t.Run("s_client_alias_flags_after_url", func(t *testing.T) {
		mustRun(t, "s_client", url, "--cafile", f("ca.pem"), "--cert", f("client.pem"), "--key", f("client.key"))
	})
	t.Run("client_cert_required", func(t *testing.T) {
		r := run(t, "", "client", url, "--cafile", f("ca.pem"))
		if r.code != ExitTLS {
			t.Fatalf("exit %d, want %d\n%s%s", r.code, ExitTLS, r.stdout, r.stderr)
		}
		for _, want := range []string{"FAILED at the tls stage: remote error: tls: certificate required", "alert:  certificate_required (116), received", "[client_cert_required]", "fix:    send one: wsskit client " + url + " --cert"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
			}
		}
	})
	t.Run("json_untrusted", func(t *testing.T) {
		r := run(t, "", "client", url, "--cafile", f("other-ca.pem"), "--json")
		if r.code != ExitTLS {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		var rep probe.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, r.stdout)
		}
		if rep.Failure == nil || rep.Failure.CauseID != "server_cert_untrusted" || rep.Failure.Stage != "tls" ||
			!strings.Contains(rep.Failure.Raw, "unknown authority") || rep.Failure.Alert == nil || rep.Failure.Alert.Code != 42 {
			t.Errorf("failure %+v", rep.Failure)
		}
		var raw map[string]any
		_ = json.Unmarshal([]byte(r.stdout), &raw)
		fail := raw["failure"].(map[string]any)
		for _, k := range []string{"stage", "raw", "alert", "cause_id", "cause", "fix"} {
			if _, ok := fail[k]; !ok {
				t.Errorf("failure object lacks %q: %v", k, fail)
			}
		}
	})
	t.Run("expect_mismatch", func(t *testing.T) {
		r := run(t, "", "client", url, "--cafile", f("ca.pem"), "--cert", f("client.pem"), "--key", f("client.key"), "--send", "a", "--expect", "b")
		if r.code != ExitCheckFailed || !strings.Contains(r.stdout, "[expect_mismatch]") {
			t.Errorf("exit %d\n%s", r.code, r.stdout)
		}
	})
	t.Run("plain_to_tls", func(t *testing.T) {
		r := run(t, "", "client", "ws://"+addr+"/echo")
		if r.code != ExitHTTP || !strings.Contains(r.stdout, "[plain_to_tls_server]") {
			t.Errorf("exit %d\n%s", r.code, r.stdout)
		}
	})
	t.Run("trace_and_keylog_env", func(t *testing.T) {
		kl := filepath.Join(t.TempDir(), "keys.log")
		t.Setenv("SSLKEYLOGFILE", kl)
		r := mustRun(t, "client", url, "--cafile", f("ca.pem"), "--cert", f("client.pem"), "--key", f("client.key"), "--trace", "--max-tls", "1.2")
		if !regexp.MustCompile(`trace >>> TLS 1\.\d handshake \[length \d+\], ClientHello`).MatchString(r.stdout) ||
			!strings.Contains(r.stdout, "CertificateRequest") {
			t.Errorf("no record trace:\n%s", r.stdout)
		}
		b, err := os.ReadFile(kl)
		if err != nil || !bytes.HasPrefix(b, []byte("CLIENT_RANDOM ")) {
			t.Errorf("key log %q, %v", b, err)
		}
		flagFile := filepath.Join(t.TempDir(), "flag.log")
		mustRun(t, "client", url, "--cafile", f("ca.pem"), "--cert", f("client.pem"), "--key", f("client.key"), "--keylog", flagFile)
		if b, err := os.ReadFile(flagFile); err != nil || len(b) == 0 {
			t.Errorf("--keylog did not win over SSLKEYLOGFILE: %v", err)
		}
	})
	t.Run("usage", func(t *testing.T) {
		run(t, "", "client").wantFail(t, ExitUsage, "URL")
		run(t, "", "client", url, "--min-tls", "9").wantFail(t, ExitUsage, "--min-tls")
		run(t, "", "client", url, "--header", "nocolon").wantFail(t, ExitUsage, "--header")
		run(t, "", "client", "ftp://x/").wantFail(t, ExitUsage, "ws://")
	})
}

// lockedBuffer is a bytes.Buffer safe for a server goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServerCommand(t *testing.T) {
	dir, p := probePKI(t)
	f := func(n string) string { return filepath.Join(dir, n) }
	for _, jsonOut := range []bool{false, true} {
		t.Run(map[bool]string{false: "text", true: "json"}[jsonOut], func(t *testing.T) {
			var out, errOut lockedBuffer
			args := []string{"wsskit", "s_server", "--listen", "127.0.0.1:0", "--cert", f("server.pem"), "--key", f("server.key"),
				"--client-auth", "require", "--cafile", f("ca.pem"), "--duration", "3s"}
			if jsonOut {
				args = append(args, "--json")
			}
			code := make(chan int, 1)
			go func() { code <- Run(args, strings.NewReader(""), &out, &errOut) }()
			re := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
			var addr string
			for i := 0; i < 200 && addr == ""; i++ {
				if m := re.FindStringSubmatch(out.String()); m != nil {
					addr = m[1]
				}
				time.Sleep(10 * time.Millisecond)
			}
			if addr == "" {
				t.Fatalf("server did not start: %s %s", out.String(), errOut.String())
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			want := "hi"
			o := probe.Options{URL: "wss://" + addr + "/echo", RootCAs: p.Pool(), Certificates: []tls.Certificate{p.Client.TLS()}, Send: []probe.Message{probe.Text("hi")}, Expect: &want}
			if _, err := probe.Run(ctx, o); err != nil {
				t.Fatalf("probe: %v", err)
			}
			o.Certificates = nil
			o.Send, o.Expect = nil, nil
			_, _ = probe.Run(ctx, o) // fails: no client certificate; the server logs why
			if c := <-code; c != 0 {
				t.Fatalf("exit %d\n%s\n%s", c, out.String(), errOut.String())
			}
			s := out.String()
			if jsonOut {
				kinds := map[string]bool{}
				for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
					var ev probe.ServerEvent
					if err := json.Unmarshal([]byte(line), &ev); err != nil {
						t.Fatalf("line %q is not JSON: %v", line, err)
					}
					kinds[ev.Kind] = true
					if ev.Kind == "handshake_failed" && (ev.Failure == nil || ev.Failure.CauseID != "client_cert_required") {
						t.Errorf("failure %+v", ev.Failure)
					}
				}
				for _, k := range []string{"listening", "client_hello", "handshake", "ws_message", "handshake_failed"} {
					if !kinds[k] {
						t.Errorf("no %s event in\n%s", k, s)
					}
				}
				return
			}
			for _, want := range []string{`client certificate "CN=client" issued by "CN=wsskit test CA", verified`, "ws_message text message, 2 bytes: hi", "handshake_failed handshake failed: tls: client didn't provide a certificate", "[client_cert_required]"} {
				if !strings.Contains(s, want) {
					t.Errorf("server output lacks %q:\n%s", want, s)
				}
			}
		})
	}
	t.Run("usage", func(t *testing.T) {
		run(t, "", "server", "--client-auth", "bogus", "--cert", f("server.pem"), "--key", f("server.key")).wantFail(t, ExitUsage, "--client-auth")
		run(t, "", "server", "--client-auth", "require").wantFail(t, ExitUsage, "requires --cert")
		run(t, "", "server", "--cert", f("server.pem"), "--key", f("server.key"), "--ciphers", "NOPE").wantFail(t, ExitUsage, "--ciphers")
	})
}

// TestClientOpenSSLNumbers: with explicit trust, the report carries pki's
// OpenSSL-compatible verdict on the server chain (error 20: the server sent
// only its leaf and the trusted CA did not issue it), equal to what `openssl
// verify` says for the same chain.
func TestClientOpenSSLNumbers(t *testing.T) {
	dir, p := probePKI(t)
	addr := startProbeServer(t, p, tls.NoClientCert)
	r := run(t, "", "client", "wss://"+addr+"/echo", "--cafile", filepath.Join(dir, "other-ca.pem"), "--json", "--timeout", "3s")
	if r.code != ExitTLS {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, ExitTLS, r.stdout, r.stderr)
	}
	for _, want := range []string{`"code": 20`, `"depth": 0`, `"text": "unable to get local issuer certificate"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("JSON report lacks %s:\n%s", want, r.stdout)
		}
	}
	openssl := pkitest.Tool(t, "openssl")
	out, _ := exec.Command(openssl, "verify", "-no-CApath", "-no-CAstore", "-CAfile", filepath.Join(dir, "other-ca.pem"),
		"-purpose", "sslserver", filepath.Join(dir, "server.pem")).CombinedOutput()
	if !strings.Contains(string(out), "error 20 at 0 depth lookup: unable to get local issuer certificate") {
		t.Errorf("openssl verify disagrees:\n%s", out)
	}
}
