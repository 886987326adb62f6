package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// eventLog collects server events.
type eventLog struct {
	mu sync.Mutex
	ev []ServerEvent
}

func (l *eventLog) add(e ServerEvent) { l.mu.Lock(); l.ev = append(l.ev, e); l.mu.Unlock() }

// wait returns the first event of kind, waiting up to 5 s.
func (l *eventLog) wait(t *testing.T, kind string) ServerEvent {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		for _, e := range l.ev {
			if e.Kind == kind {
				l.mu.Unlock()
				return e
			}
		}
		l.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var got []string
	for _, e := range l.ev {
		got = append(got, e.Kind+": "+e.Text)
	}
	t.Fatalf("no %s event; events:\n%s", kind, strings.Join(got, "\n"))
	return ServerEvent{}
}

// startServer starts the diagnostic server with the env's server
// certificate (when tlsOn) and returns its address and event log.
func (e *env) startServer(t *testing.T, tlsOn bool, mod func(*ServerOptions)) (string, *eventLog) {
	t.Helper()
	log := &eventLog{}
	o := ServerOptions{Listen: "127.0.0.1:0", OnEvent: log.add, Timeout: 3 * time.Second}
	if tlsOn {
		o.Certificates = []tls.Certificate{e.pki.Server.TLS()}
	}
	if mod != nil {
		mod(&o)
	}
	s, err := NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s.Addr().String(), log
}

func requireClientCert(e *env) func(*ServerOptions) {
	return func(o *ServerOptions) {
		o.ClientAuth = tls.RequireAndVerifyClientCert
		o.ClientCAs = e.pki.Pool()
	}
}

// sClient runs openssl s_client with a GET request on stdin and returns its
// output.
func sClient(t *testing.T, addr string, args ...string) string {
	t.Helper()
	bin := pkitest.Tool(t, "openssl")
	base := []string{"s_client", "-connect", addr, "-nocommands", "-ign_eof"}
	cmd := exec.Command(bin, append(base, args...)...)
	cmd.Stdin = strings.NewReader("GET /report HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd = exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	cmd.Stdin = strings.NewReader("GET /report HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	out, _ := cmd.CombinedOutput() // a failed handshake is an expected outcome here
	return string(out)
}

func TestServerWithOpenSSLClient(t *testing.T) {
	e := newEnv(t)
	for _, v := range tlsVersions {
		t.Run(v.name+"/with_cert", func(t *testing.T) {
			addr, log := e.startServer(t, true, requireClientCert(e))
			out := sClient(t, addr, v.flag, "-CAfile", e.path("ca.pem"), "-cert", e.path("client.pem"), "-key", e.path("client.key"))
			ev := log.wait(t, "handshake")
			if ev.TLS == nil || len(ev.TLS.ClientChain) == 0 || ev.TLS.ClientChain[0].Subject != "CN=client" || !ev.TLS.ClientVerified {
				t.Fatalf("handshake event %+v", ev)
			}
			if ev.TLS.Version != VersionName(v.v) {
				t.Errorf("version %s", ev.TLS.Version)
			}
			hello := log.wait(t, "client_hello")
			if hello.Hello == nil || len(hello.Hello.CipherSuites) == 0 || len(hello.Hello.Groups) == 0 || len(hello.Hello.SignatureSchemes) == 0 {
				t.Errorf("client hello %+v", hello.Hello)
			}
			log.wait(t, "http_request")
			if !strings.Contains(out, `client certificate [0]: subject "CN=client"`) || !strings.Contains(out, "GET /report HTTP/1.1") {
				t.Errorf("s_client did not get the connection report:\n%s", out)
			}
		})
		t.Run(v.name+"/without_cert", func(t *testing.T) {
			addr, log := e.startServer(t, true, requireClientCert(e))
			sClient(t, addr, v.flag, "-CAfile", e.path("ca.pem"))
			ev := log.wait(t, "handshake_failed")
			if ev.Failure == nil || ev.Failure.CauseID != CauseClientCertRequired {
				t.Fatalf("failure %+v", ev.Failure)
			}
			want := uint8(40)
			if v.v == tls.VersionTLS13 {
				want = 116
			}
			if ev.Failure.Alert == nil || ev.Failure.Alert.Code != want || !ev.Failure.Alert.Sent {
				t.Errorf("alert %v, want %d sent", ev.Failure.Alert, want)
			}
			if !strings.Contains(ev.Failure.Cause, `"CN=wsskit test CA"`) || !strings.Contains(ev.Failure.Cause, "websocket-sharp") {
				t.Errorf("cause %q lacks the listed CA or the peer hints", ev.Failure.Cause)
			}
		})
		t.Run(v.name+"/untrusted_client_cert", func(t *testing.T) {
			addr, log := e.startServer(t, true, requireClientCert(e))
			_, _ = e.writeCert("other-client", e.other.Client)
			sClient(t, addr, v.flag, "-CAfile", e.path("ca.pem"), "-cert", e.path("other-client.pem"), "-key", e.path("other-client.key"))
			ev := log.wait(t, "handshake_failed")
			if ev.Failure == nil || ev.Failure.CauseID != CauseClientCertUntrusted || !strings.Contains(ev.Failure.Cause, `"CN=other CA"`) {
				t.Fatalf("failure %+v", ev.Failure)
			}
		})
		t.Run(v.name+"/client_does_not_trust_server", func(t *testing.T) {
			addr, log := e.startServer(t, true, nil)
			sClient(t, addr, v.flag, "-CAfile", e.path("other-ca.pem"), "-verify_return_error")
			ev := log.wait(t, "handshake_failed")
			f := ev.Failure
			if f == nil || f.CauseID != CauseServerCertUntrusted || f.Alert == nil || f.Alert.Sent || f.Alert.Code != 48 {
				t.Fatalf("failure %+v", f)
			}
			if !strings.Contains(f.Cause, "the client rejected this server's certificate") {
				t.Errorf("cause %q", f.Cause)
			}
		})
		t.Run(v.name+"/client_name_mismatch", func(t *testing.T) {
			addr, log := e.startServer(t, true, nil)
			sClient(t, addr, v.flag, "-CAfile", e.path("ca.pem"), "-servername", "wrong.example", "-verify_hostname", "wrong.example", "-verify_return_error")
			ev := log.wait(t, "handshake_failed")
			if ev.Failure == nil || ev.Failure.CauseID != CauseServerCertNameMismatch || !strings.Contains(ev.Failure.Cause, "SNI wrong.example") {
				t.Fatalf("failure %+v", ev.Failure)
			}
		})
		t.Run(v.name+"/client_name_mismatch_without_sni", func(t *testing.T) {
			// With no SNI (as Go and most clients send when dialling an
			// IP) the server cannot tell a name mismatch from an
			// untrusted issuer: OpenSSL sends bad_certificate for both.
			addr, log := e.startServer(t, true, nil)
			sClient(t, addr, v.flag, "-CAfile", e.path("ca.pem"), "-noservername", "-verify_hostname", "wrong.example", "-verify_return_error")
			f := log.wait(t, "handshake_failed").Failure
			if f == nil || f.CauseID != CauseServerCertUntrusted || f.Alert == nil || f.Alert.Sent || f.Alert.Code != 42 {
				t.Fatalf("failure %+v", f)
			}
			for _, want := range []string{"either it does not trust its issuer", "not among the certificate's names (", "IP 127.0.0.1"} {
				if !strings.Contains(f.Cause, want) {
					t.Errorf("cause %q lacks %q", f.Cause, want)
				}
			}
			// TLS 1.3: OpenSSL sends the alert before switching to its
			// handshake keys, and Go reports bad record MAC.
			if got := strings.Contains(f.Cause, "bad record MAC"); got != strings.Contains(f.Raw, "bad record MAC") || got != (v.v == tls.VersionTLS13) {
				t.Errorf("raw %q, cause %q: want the unencrypted-alert note exactly for TLS 1.3", f.Raw, f.Cause)
			}
		})
	}
	t.Run("protocol_version_mismatch", func(t *testing.T) {
		addr, log := e.startServer(t, true, func(o *ServerOptions) { o.MaxVersion = tls.VersionTLS12 })
		sClient(t, addr, "-tls1_3", "-CAfile", e.path("ca.pem"))
		ev := log.wait(t, "handshake_failed")
		if ev.Failure == nil || ev.Failure.CauseID != CauseProtocolVersionMismatch || !strings.Contains(ev.Failure.Cause, "accepts only TLS 1.2") {
			t.Fatalf("failure %+v", ev.Failure)
		}
	})
	t.Run("old_client", func(t *testing.T) {
		addr, log := e.startServer(t, true, nil)
		sClient(t, addr, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-CAfile", e.path("ca.pem"))
		f := log.wait(t, "handshake_failed").Failure
		if f == nil || f.CauseID != CauseProtocolVersionMismatch || !strings.Contains(f.Cause, "offered TLS 1.1") {
			t.Fatalf("failure %+v", f)
		}
		if !strings.Contains(f.Fix, "start this server with --min-tls 1.1") || strings.Contains(f.Fix, "wsskit client") {
			t.Errorf("fix %q: want the server-side remedy", f.Fix)
		}
	})
	t.Run("no_shared_cipher", func(t *testing.T) {
		addr, log := e.startServer(t, true, func(o *ServerOptions) {
			o.MaxVersion = tls.VersionTLS12
			o.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}
		})
		sClient(t, addr, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384", "-CAfile", e.path("ca.pem"))
		ev := log.wait(t, "handshake_failed")
		if ev.Failure == nil || ev.Failure.CauseID != CauseNoSharedCipher || !strings.Contains(ev.Failure.Cause, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384") {
			t.Fatalf("failure %+v", ev.Failure)
		}
		if strings.Contains(ev.Failure.Cause, "SCSV") || !strings.Contains(ev.Failure.Fix, "widen this server's --ciphers") {
			t.Errorf("cause %q, fix %q: want no signalling values and the --ciphers remedy", ev.Failure.Cause, ev.Failure.Fix)
		}
	})
	t.Run("client_offers_only_suites_go_lacks", func(t *testing.T) {
		// DHE and CCM exist in OpenSSL, not in crypto/tls: named by their
		// IANA names, and the fix says no server flag can help.
		addr, log := e.startServer(t, true, nil)
		sClient(t, addr, "-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-CCM", "-CAfile", e.path("ca.pem"))
		f := log.wait(t, "handshake_failed").Failure
		if f == nil || f.CauseID != CauseNoSharedCipher {
			t.Fatalf("failure %+v", f)
		}
		for _, want := range []string{"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"} {
			if !strings.Contains(f.Cause, want) {
				t.Errorf("cause %q lacks %s", f.Cause, want)
			}
		}
		if strings.Contains(f.Cause, "0x") || strings.Contains(f.Cause, "SCSV") || !strings.Contains(f.Fix, "Go's TLS does not implement") {
			t.Errorf("cause %q, fix %q", f.Cause, f.Fix)
		}
	})
}

func TestServerWithGnuTLSClient(t *testing.T) {
	e := newEnv(t)
	bin := pkitest.Tool(t, "gnutls-cli")
	for _, withCert := range []bool{true, false} {
		t.Run(map[bool]string{true: "with_cert", false: "without_cert"}[withCert], func(t *testing.T) {
			addr, log := e.startServer(t, true, requireClientCert(e))
			host, port, _ := net.SplitHostPort(addr)
			args := []string{"--x509cafile", e.path("ca.pem"), "-p", port, host}
			if withCert {
				args = append([]string{"--x509certfile", e.path("client.pem"), "--x509keyfile", e.path("client.key")}, args...)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Stdin = strings.NewReader("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			out, _ := cmd.CombinedOutput() // the outcome is judged from the server's events
			if withCert {
				ev := log.wait(t, "handshake")
				if len(ev.TLS.ClientChain) == 0 || ev.TLS.ClientChain[0].Subject != "CN=client" {
					t.Fatalf("event %+v; gnutls-cli said:\n%s", ev, out)
				}
				return
			}
			ev := log.wait(t, "handshake_failed")
			if ev.Failure == nil || ev.Failure.CauseID != CauseClientCertRequired {
				t.Fatalf("failure %+v; gnutls-cli said:\n%s", ev.Failure, out)
			}
		})
	}
}

func TestServerWithNodeClient(t *testing.T) {
	e := newEnv(t)
	bin := pkitest.Tool(t, "node")
	addr, log := e.startServer(t, true, requireClientCert(e))
	script, _ := filepath.Abs(filepath.Join("..", "testdata", "probe", "node-ws-client.js"))
	mods, _ := filepath.Abs(filepath.Join("..", "testdata", "node", "node_modules"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, script, "wss://"+addr+"/echo", e.path("ca.pem"), e.path("client.pem"), e.path("client.key"))
	cmd.Env = append(cmd.Environ(), "NODE_PATH="+mods)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "REPLY hello from node") {
		t.Fatalf("node client: %v\n%s", err, out)
	}
	ev := log.wait(t, "handshake")
	if ev.TLS.ClientChain[0].Subject != "CN=client" {
		t.Errorf("client subject %q", ev.TLS.ClientChain[0].Subject)
	}
	m := log.wait(t, "ws_message")
	if m.Message == nil || m.Message.Data != "hello from node" {
		t.Errorf("message %+v", m.Message)
	}
	if c := log.wait(t, "ws_close"); c.Close == nil || c.Close.Code != 1000 {
		t.Errorf("close %+v", c.Close)
	}
}

func TestServerWithProbe(t *testing.T) {
	e := newEnv(t)
	t.Run("echo", func(t *testing.T) {
		addr, log := e.startServer(t, true, func(o *ServerOptions) { requireClientCert(e)(o); o.Trace = true })
		o := e.clientOpts("wss://" + addr + "/echo")
		o.Send = []Message{Text("hi")}
		want := "hi"
		o.Expect = &want
		if _, f, err := run(t, o); err != nil {
			t.Fatalf("%v %+v", err, f)
		}
		log.wait(t, "ws_message")
		tr := log.wait(t, "trace")
		if tr.Trace == nil || tr.Trace.Dir != "received" || len(tr.Trace.Messages) == 0 || tr.Trace.Messages[0].Type != "ClientHello" {
			t.Errorf("first trace event %+v, want the received ClientHello", tr.Trace)
		}
	})
	t.Run("plain_to_tls", func(t *testing.T) {
		addr, log := e.startServer(t, true, nil)
		_, f, err := run(t, e.clientOpts("ws://"+addr+"/echo"))
		wantCause(t, f, err, CausePlainToTLSServer, ExitHTTP, "bad handshake")
		log.wait(t, "plain_http_on_tls")
	})
	t.Run("tls_to_plain", func(t *testing.T) {
		addr, log := e.startServer(t, false, nil)
		_, f, err := run(t, e.clientOpts("wss://"+addr+"/echo"))
		wantCause(t, f, err, CauseTLSToPlainServer, ExitTLS, "")
		log.wait(t, "tls_on_plain")
		// and ws:// works there
		if _, f, err := run(t, e.clientOpts("ws://"+addr+"/echo")); err != nil {
			t.Fatalf("%v %+v", err, f)
		}
	})
	t.Run("raw_bytes", func(t *testing.T) {
		addr, log := e.startServer(t, true, nil)
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write([]byte("SSH-2.0-test\r\n"))
		ev := log.wait(t, "raw_bytes")
		c.Close()
		if !strings.Contains(ev.Bytes, "SSH-2.0-test") {
			t.Errorf("bytes %q", ev.Bytes)
		}
	})
	t.Run("client_cert_revoked", func(t *testing.T) {
		crl := parseCRL(t, e)
		addr, log := e.startServer(t, true, func(o *ServerOptions) {
			requireClientCert(e)(o)
			o.CRLs = []*x509.RevocationList{crl}
		})
		_, f, err := run(t, e.clientOpts("wss://"+addr+"/"))
		wantCause(t, f, err, CauseClientCertRejected, ExitTLS, "bad certificate")
		ev := log.wait(t, "handshake_failed")
		if ev.Failure.CauseID != CauseClientCertRevoked {
			t.Errorf("server cause %s", ev.Failure.CauseID)
		}
	})
	t.Run("client_closed_during_handshake", func(t *testing.T) {
		addr, log := e.startServer(t, true, nil)
		raw, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		// A client that hangs up as soon as the server's first flight comes.
		hang := &hangUpConn{Conn: raw}
		_ = tls.Client(hang, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12}).Handshake() // fails: we hung up
		ev := log.wait(t, "handshake_failed")
		if ev.Failure.CauseID != CauseClientClosedHandshake || !strings.Contains(ev.Failure.Cause, "without sending an alert") {
			t.Errorf("failure %+v", ev.Failure)
		}
	})
}

// hangUpConn closes the connection after the first read.
type hangUpConn struct{ net.Conn }

func (c *hangUpConn) Read(p []byte) (int, error) {
	n, _ := c.Conn.Read(p)
	c.Conn.Close()
	if n > 0 {
		return 0, io.ErrUnexpectedEOF
	}
	return 0, io.EOF
}

func parseCRL(t *testing.T, e *env) *x509.RevocationList {
	t.Helper()
	path := e.crl(e.pki.Client)
	der := readPEM(t, path)
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	return crl
}

// TestServerOwnCertDefects points real clients at a server whose own
// certificate is wrong and checks that the server names the defect. Measured:
// GnuTLS and Go send bad_certificate (42) for every verification error,
// OpenSSL 42 for "not yet valid", 43 for a missing serverAuth and 48 for a
// self-signed certificate, and Node.js sends no alert at all (it checks
// after the handshake messages and hangs up).
func TestServerOwnCertDefects(t *testing.T) {
	e := newEnv(t)
	ip := []net.IP{net.IPv4(127, 0, 0, 1)}
	serverEKU := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	future := time.Now().Add(48 * time.Hour)
	past := time.Now().Add(-48 * time.Hour)
	certs := []struct {
		name string
		cert *pkitest.Cert
		id   string
	}{
		{"not_yet_valid", pkitest.Issue(t, pkitest.Template{CN: "127.0.0.1", IPs: ip, EKU: serverEKU, NotBefore: future, NotAfter: future.Add(time.Hour)}, e.pki.CA), CauseServerCertNotYetValid},
		{"expired", pkitest.Issue(t, pkitest.Template{CN: "127.0.0.1", IPs: ip, EKU: serverEKU, NotBefore: past.Add(-time.Hour), NotAfter: past}, e.pki.CA), CauseServerCertExpired},
		{"wrong_usage", pkitest.Issue(t, pkitest.Template{CN: "127.0.0.1", IPs: ip, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, e.pki.CA), CauseServerCertWrongUsage},
		{"cn_only", pkitest.Issue(t, pkitest.Template{CN: "127.0.0.1", EKU: serverEKU}, e.pki.CA), CauseServerCertCNOnly},
		{"self_signed", pkitest.Issue(t, pkitest.Template{CN: "127.0.0.1", IPs: ip, EKU: serverEKU}, nil), CauseServerCertSelfSignedLeaf},
	}
	caFile := e.path("ca.pem")
	mods, _ := filepath.Abs(filepath.Join("..", "testdata", "node", "node_modules"))
	nodeScript, _ := filepath.Abs(filepath.Join("..", "testdata", "probe", "node-ws-client.js"))
	peers := []struct {
		name string
		// alert is the alert the peer sends (0: none, it hangs up); by
		// certificate name when it depends on the defect.
		alert map[string]uint8
		run   func(t *testing.T, addr string)
	}{
		{"openssl_tls12", map[string]uint8{"not_yet_valid": 42, "expired": 45, "wrong_usage": 43, "cn_only": 0, "self_signed": 48}, func(t *testing.T, addr string) {
			sClient(t, addr, "-tls1_2", "-CAfile", caFile, "-verify_return_error", "-purpose", "sslserver")
		}},
		{"openssl_tls13", map[string]uint8{"not_yet_valid": 42, "expired": 45, "wrong_usage": 43, "cn_only": 0, "self_signed": 48}, func(t *testing.T, addr string) {
			sClient(t, addr, "-tls1_3", "-CAfile", caFile, "-verify_return_error", "-purpose", "sslserver")
		}},
		{"gnutls", map[string]uint8{"not_yet_valid": 42, "expired": 42, "wrong_usage": 42, "cn_only": 42, "self_signed": 42}, func(t *testing.T, addr string) {
			host, port, _ := net.SplitHostPort(addr)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, pkitest.Tool(t, "gnutls-cli"), "--x509cafile", caFile, "-p", port, host)
			cmd.Stdin = strings.NewReader("")
			_, _ = cmd.CombinedOutput() // it fails; the server's event is what is checked
		}},
		{"node", map[string]uint8{}, func(t *testing.T, addr string) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, pkitest.Tool(t, "node"), nodeScript, "wss://"+addr+"/echo", caFile)
			cmd.Env = append(cmd.Environ(), "NODE_PATH="+mods)
			_, _ = cmd.CombinedOutput() // it fails; the server's event is what is checked
		}},
	}
	for _, p := range peers {
		for _, c := range certs {
			if p.name != "node" && p.name != "gnutls" && c.name == "cn_only" {
				continue // OpenSSL without -verify_hostname/-verify_ip does not check names
			}
			t.Run(p.name+"/"+c.name, func(t *testing.T) {
				addr, log := e.startServer(t, true, func(o *ServerOptions) { o.Certificates = []tls.Certificate{c.cert.TLS()} })
				p.run(t, addr)
				f := log.wait(t, "handshake_failed").Failure
				id, text := c.id, "the client rejected this server's certificate"
				if p.name == "node" && c.name == "self_signed" {
					// A self-signed certificate may well be trusted as
					// its own CA: a silent hang-up only hints at it.
					id, text = CauseClientClosedHandshake, "this certificate is self-signed"
				}
				if f == nil || f.CauseID != id {
					t.Fatalf("failure %+v, want cause %s", f, id)
				}
				want := p.alert[c.name]
				if (want == 0) != (f.Alert == nil) || f.Alert != nil && (f.Alert.Code != want || f.Alert.Sent) {
					t.Errorf("alert %v, want %d received (0: none)", f.Alert, want)
				}
				if !strings.Contains(f.Cause, text) {
					t.Errorf("cause %q lacks %q", f.Cause, text)
				}
				t.Logf("%s: %s (%v)\n  cause: %s\n  fix: %s", f.CauseID, f.Raw, f.Alert, f.Cause, f.Fix)
			})
		}
	}
}
