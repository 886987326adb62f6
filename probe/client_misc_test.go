package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestNetworkCauses(t *testing.T) {
	e := newEnv(t)
	t.Run("dns_failed", func(t *testing.T) {
		// A resolver whose DNS server is a closed loopback port: nothing
		// leaves the machine and the lookup fails as it would offline.
		closed := listen(t, "")
		dead := closed.Addr().String()
		closed.Close()
		o := e.clientOpts("wss://wsskit-test.invalid:8443/")
		o.Resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", dead)
		}}
		_, f, err := run(t, o)
		wantCause(t, f, err, CauseDNSFailed, ExitNetwork, "wsskit-test.invalid")
		if f.Stage != StageResolve {
			t.Errorf("stage %s", f.Stage)
		}
	})
	t.Run("connection_refused", func(t *testing.T) {
		l := listen(t, "")
		addr := l.Addr().String()
		l.Close()
		_, f, err := run(t, e.clientOpts("wss://"+addr+"/"))
		wantCause(t, f, err, CauseConnectionRefused, ExitNetwork, "connection refused")
	})
	t.Run("timeout_silent_server", func(t *testing.T) {
		addr := rawServer(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
		o := e.clientOpts("wss://" + addr + "/")
		o.Timeout = 300 * time.Millisecond
		start := time.Now()
		_, f, err := run(t, o)
		wantCause(t, f, err, CauseTimeout, ExitNetwork, "")
		if f.Stage != StageTLS || !strings.Contains(f.Cause, "no TLS answer") {
			t.Errorf("stage %s cause %q", f.Stage, f.Cause)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v with a 300ms timeout", d)
		}
	})
	t.Run("timeout_silent_http", func(t *testing.T) {
		// TLS completes, then the server never answers the upgrade.
		cfg := serverTLS(e.pki.Server.TLS())
		addr := rawServer(t, func(c net.Conn) {
			tc := tls.Server(c, cfg)
			_, _ = io.Copy(io.Discard, tc)
		})
		o := e.clientOpts("wss://" + addr + "/")
		o.Timeout = 300 * time.Millisecond
		_, f, err := run(t, o)
		wantCause(t, f, err, CauseTimeout, ExitNetwork, "")
		if f.Stage != StageHTTP {
			t.Errorf("stage %s, want http", f.Stage)
		}
	})
	t.Run("network_error_reset", func(t *testing.T) {
		addr := rawServer(t, func(c net.Conn) {
			buf := make([]byte, 1)
			_, _ = c.Read(buf)
			_ = c.(*net.TCPConn).SetLinger(0) // close with RST
		})
		_, f, err := run(t, e.clientOpts("wss://"+addr+"/"))
		wantCause(t, f, err, CauseNetworkError, ExitNetwork, "connection reset")
	})
}

func TestTLSMiscCauses(t *testing.T) {
	e := newEnv(t)
	t.Run("tls_to_plain_server_http", func(t *testing.T) {
		addr := startGoServer(t, "", nil, echoHandler())
		_, f, err := run(t, e.clientOpts("wss://"+addr+"/echo"))
		wantCause(t, f, err, CauseTLSToPlainServer, ExitTLS, "does not look like a TLS handshake")
		if !strings.Contains(f.Cause, "HTTP/1.") || !strings.Contains(f.Fix, "ws://"+addr+"/echo") {
			t.Errorf("cause %q fix %q", f.Cause, f.Fix)
		}
	})
	t.Run("tls_to_plain_server_banner", func(t *testing.T) {
		addr := rawServer(t, func(c net.Conn) { _, _ = c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n")); _, _ = io.Copy(io.Discard, c) })
		_, f, err := run(t, e.clientOpts("wss://"+addr+"/"))
		wantCause(t, f, err, CauseTLSToPlainServer, ExitTLS, "")
		if !strings.Contains(f.Cause, "SSH-2.0") {
			t.Errorf("cause %q does not quote the banner", f.Cause)
		}
	})
	t.Run("tls_handshake_failed_eof", func(t *testing.T) {
		addr := rawServer(t, func(c net.Conn) {
			// Read the whole ClientHello, then close cleanly (FIN, not RST).
			_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			_, _ = io.Copy(io.Discard, c)
		})
		_, f, err := run(t, e.clientOpts("wss://"+addr+"/"))
		wantCause(t, f, err, CauseTLSUnexplained, ExitTLS, "EOF")
		if !strings.Contains(f.Cause, "closed the connection on our ClientHello without sending a byte") || !strings.Contains(f.Fix, "wsskit client ws://") {
			t.Errorf("cause %q, fix %q: want the silent close on our ClientHello explained", f.Cause, f.Fix)
		}
	})
	t.Run("tls_alert_unknown", func(t *testing.T) {
		addr := rawServer(t, func(c net.Conn) {
			buf := make([]byte, 512)
			_, _ = c.Read(buf)
			_, _ = c.Write([]byte{21, 3, 3, 0, 2, 2, 80}) // fatal internal_error
		})
		_, f, err := run(t, e.clientOpts("wss://"+addr+"/"))
		wantCause(t, f, err, CauseTLSAlertUnknown, ExitTLS, "internal error")
		wantAlert(t, f, 80, false)
	})
	for _, v := range tlsVersions {
		t.Run("protocol_version_mismatch_openssl_"+v.name, func(t *testing.T) {
			addr := e.startOpenSSL(t, "-www", v.flag)
			o := e.clientOpts("wss://" + addr + "/")
			if v.v == tls.VersionTLS13 {
				o.MaxVersion = tls.VersionTLS12
			} else {
				o.MinVersion = tls.VersionTLS13
			}
			_, f, err := run(t, o)
			wantCause(t, f, err, CauseProtocolVersionMismatch, ExitTLS, "protocol version")
			wantAlert(t, f, 70, false)
			// Only a server below our lowest version gets the second,
			// older handshake; it tells which version it takes.
			if got, want := strings.Contains(f.Cause, "second handshake offering only older versions got TLS 1.2"), v.v == tls.VersionTLS12; got != want {
				t.Errorf("cause %q: want the re-probe's TLS 1.2 %v", f.Cause, want)
			}
		})
		t.Run("no_shared_cipher_openssl_"+v.name, func(t *testing.T) {
			args := []string{"-www", v.flag}
			if v.v == tls.VersionTLS13 {
				args = append(args, "-ciphersuites", "TLS_AES_128_CCM_SHA256")
			} else {
				args = append(args, "-cipher", "AES128-SHA256")
			}
			addr := e.startOpenSSL(t, args...)
			_, f, err := run(t, e.clientOpts("wss://"+addr+"/"))
			wantCause(t, f, err, CauseNoSharedCipher, ExitTLS, "handshake failure")
			wantAlert(t, f, 40, false)
		})
	}
	t.Run("protocol_version_mismatch_legacy_openssl", func(t *testing.T) {
		// A TLS 1.1-only server refuses our 1.2/1.3 with alert 70; a
		// second handshake finds out what it does take.
		addr := e.startOpenSSL(t, "-www", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
		_, f, err := run(t, e.clientOpts("wss://"+addr+"/"))
		wantCause(t, f, err, CauseProtocolVersionMismatch, ExitTLS, "protocol version")
		wantAlert(t, f, 70, false)
		for _, want := range []string{"older versions got TLS 1.1", "today's clients"} {
			if !strings.Contains(f.Cause, want) {
				t.Errorf("cause %q lacks %q", f.Cause, want)
			}
		}
		if !strings.Contains(f.Fix, "--min-tls 1.1") || !strings.Contains(f.Fix, "enable TLS 1.2") {
			t.Errorf("fix %q", f.Fix)
		}
	})
	t.Run("protocol_version_mismatch_go", func(t *testing.T) {
		cfg := serverTLS(e.pki.Server.TLS())
		cfg.MaxVersion = tls.VersionTLS12
		addr := startGoServer(t, "", cfg, echoHandler())
		o := e.clientOpts("wss://" + addr + "/")
		o.MinVersion = tls.VersionTLS13
		_, f, err := run(t, o)
		wantCause(t, f, err, CauseProtocolVersionMismatch, ExitTLS, "protocol version")
		if !strings.Contains(f.Cause, "TLS 1.3") {
			t.Errorf("cause %q does not say what we offered", f.Cause)
		}
	})
	t.Run("sni_required_go", func(t *testing.T) {
		cert := e.pki.Server.TLS()
		cfg := &tls.Config{GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
			if h.ServerName == "localhost" {
				return &cert, nil
			}
			return nil, nil // no certificate for this name: Go sends unrecognized_name
		}}
		addr := startGoServer(t, "", cfg, echoHandler())
		_, f, err := run(t, e.clientOpts("wss://"+addr+"/"))
		wantCause(t, f, err, CauseSNIRequired, ExitTLS, "unrecognized name")
		wantAlert(t, f, 112, false)
		if !strings.Contains(f.Cause, "no SNI (an IP literal") {
			t.Errorf("cause %q", f.Cause)
		}
		// With the name it works.
		o := e.clientOpts("wss://" + addr + "/")
		o.ServerName = "localhost"
		if _, f, err := run(t, o); err != nil {
			t.Errorf("with --servername: %v %+v", err, f)
		}
	})
	t.Run("sni_required_openssl", func(t *testing.T) {
		addr := e.startOpenSSL(t, "-www", "-servername", "localhost", "-servername_fatal",
			"-cert2", e.path("server.pem"), "-key2", e.path("server.key"))
		o := e.clientOpts("wss://" + addr + "/")
		o.ServerName = "wrong.example"
		_, f, err := run(t, o)
		wantCause(t, f, err, CauseSNIRequired, ExitTLS, "unrecognized name")
		if !strings.Contains(f.Cause, "SNI wrong.example") {
			t.Errorf("cause %q", f.Cause)
		}
	})
}

func TestPlainToTLSServer(t *testing.T) {
	e := newEnv(t)
	t.Run("openssl", func(t *testing.T) {
		addr := e.startOpenSSL(t, "-www")
		_, f, err := run(t, e.clientOpts("ws://"+addr+"/"))
		wantCause(t, f, err, CausePlainToTLSServer, ExitHTTP, "EOF")
		if !strings.Contains(f.Fix, "wss://"+addr+"/") {
			t.Errorf("fix %q", f.Fix)
		}
	})
	t.Run("go", func(t *testing.T) {
		addr := startGoServer(t, "", serverTLS(e.pki.Server.TLS()), echoHandler())
		_, f, err := run(t, e.clientOpts("ws://"+addr+"/echo"))
		wantCause(t, f, err, CausePlainToTLSServer, ExitHTTP, "bad handshake")
	})
}

func TestHTTPCauses(t *testing.T) {
	e := newEnv(t)
	status := func(code int, hdr ...string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i+1 < len(hdr); i += 2 {
				w.Header().Set(hdr[i], hdr[i+1])
			}
			w.WriteHeader(code)
			_, _ = io.WriteString(w, http.StatusText(code)+" from the test server\n")
		})
	}
	originCheck := websocket.Upgrader{CheckOrigin: func(r *http.Request) bool { return r.Header.Get("Origin") == "https://ok.example" }}
	tests := []struct {
		name   string
		h      http.Handler
		origin string
		id     string
		detail string
	}{
		{"http_not_websocket", status(200), "", CauseHTTPNotWebSocket, ""},
		{"upgrade_bad_request", status(400), "", CauseUpgradeBadRequest, "Bad Request from the test server"},
		{"upgrade_unauthorized", status(401, "WWW-Authenticate", `Bearer realm="api"`), "", CauseUpgradeUnauthorized, `Bearer realm="api"`},
		{"upgrade_forbidden", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := originCheck.Upgrade(w, r, nil)
			if err == nil {
				c.Close()
			}
		}), "https://evil.example", CauseUpgradeForbidden, "Origin https://evil.example"},
		{"upgrade_not_found", http.NotFoundHandler(), "", CauseUpgradeNotFound, "/ws"},
		{"upgrade_version", status(426, "Sec-WebSocket-Version", "8"), "", CauseUpgradeVersion, "Sec-WebSocket-Version: 8"},
		{"upgrade_redirect", status(301, "Location", "https://127.0.0.1/elsewhere"), "", CauseUpgradeRedirect, "Location: https://127.0.0.1/elsewhere"},
		{"upgrade_server_error", status(502), "", CauseUpgradeServerError, "502 Bad Gateway"},
		{"upgrade_invalid_response", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer c.Close()
			_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: wrong\r\n\r\n")
			_ = brw.Flush()
		}), "", CauseUpgradeInvalidResponse, "Sec-WebSocket-Accept"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := startGoServer(t, "", serverTLS(e.pki.Server.TLS()), tc.h)
			o := e.clientOpts("wss://" + addr + "/ws")
			o.Origin = tc.origin
			rep, f, err := run(t, o)
			wantCause(t, f, err, tc.id, ExitHTTP, "websocket: bad handshake")
			if !strings.Contains(f.Cause, tc.detail) {
				t.Errorf("cause %q does not contain %q", f.Cause, tc.detail)
			}
			if rep.HTTP == nil || len(rep.HTTP.Request) == 0 || (tc.id != CauseUpgradeInvalidResponse && rep.HTTP.Body == "") {
				t.Errorf("http report %+v", rep.HTTP)
			}
		})
	}
	t.Run("http_no_answer", func(t *testing.T) {
		cfg := serverTLS(e.pki.Server.TLS())
		addr := rawServer(t, func(c net.Conn) {
			tc := tls.Server(c, cfg)
			_, _ = bufio.NewReader(tc).ReadString('\n')
			tc.Close()
		})
		_, f, err := run(t, e.clientOpts("wss://"+addr+"/"))
		wantCause(t, f, err, CauseHTTPNoAnswer, ExitHTTP, "EOF")
	})
	t.Run("openssl_www", func(t *testing.T) {
		addr := e.startOpenSSL(t, "-www")
		rep, f, err := run(t, e.clientOpts("wss://"+addr+"/"))
		wantCause(t, f, err, CauseHTTPNotWebSocket, ExitHTTP, "bad handshake")
		if rep.HTTP.StatusCode != 200 || !strings.Contains(rep.HTTP.Body, "s_server") {
			t.Errorf("status %d body %q", rep.HTTP.StatusCode, rep.HTTP.Body)
		}
	})
}

func TestWSCauses(t *testing.T) {
	e := newEnv(t)
	up := websocket.Upgrader{}
	after := func(fn func(c *websocket.Conn)) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			_, _, _ = c.ReadMessage()
			fn(c)
		})
	}
	closeWith := func(code int, reason string) func(c *websocket.Conn) {
		return func(c *websocket.Conn) {
			_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
			_, _, _ = c.ReadMessage()
		}
	}
	tests := []struct {
		name   string
		fn     func(c *websocket.Conn)
		expect string
		id     string
		exit   int
		raw    string
	}{
		{"ws_policy_violation", closeWith(1008, "not allowed"), "", CauseWSPolicyViolation, ExitWebSocket, "1008"},
		{"ws_closed_by_peer", closeWith(1011, "handler crashed"), "", CauseWSClosedByPeer, ExitWebSocket, "1011"},
		{"ws_closed_abnormally", func(c *websocket.Conn) { c.NetConn().Close() }, "", CauseWSClosedAbnormally, ExitWebSocket, "1006"},
		{"ws_no_reply", func(c *websocket.Conn) { _, _, _ = c.ReadMessage() }, "", CauseWSNoReply, ExitWebSocket, "timeout"},
		{"expect_mismatch", func(c *websocket.Conn) {
			_ = c.WriteMessage(websocket.TextMessage, []byte("pong?"))
			_, _, _ = c.ReadMessage()
		}, "pong", CauseExpectMismatch, ExitCheckFailed, "differs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := startGoServer(t, "", serverTLS(e.pki.Server.TLS()), after(tc.fn))
			o := e.clientOpts("wss://" + addr + "/")
			o.Send = []Message{Text("ping")}
			o.Timeout = 500 * time.Millisecond
			if tc.expect != "" {
				o.Expect = &tc.expect
			}
			rep, f, err := run(t, o)
			wantCause(t, f, err, tc.id, tc.exit, tc.raw)
			if f.Stage != StageWS {
				t.Errorf("stage %s", f.Stage)
			}
			if len(rep.WS.Messages) == 0 || rep.WS.Messages[0].Dir != "sent" {
				t.Errorf("messages %+v", rep.WS.Messages)
			}
		})
	}
}
