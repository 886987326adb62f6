package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// plaintextMessages lists the handshake messages the trace could read in
// one direction.
func plaintextMessages(events []TraceEvent, dir string) []string {
	var out []string
	for _, e := range events {
		if e.Dir != dir {
			continue
		}
		for _, m := range e.Messages {
			out = append(out, m.Type)
		}
	}
	return out
}

// opensslMsgNames runs `openssl s_client -msg` against addr and returns the
// handshake message names it received, in order.
func opensslMsgNames(t *testing.T, addr string, args ...string) []string {
	t.Helper()
	bin := pkitest.Tool(t, "openssl")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"s_client", "-connect", addr, "-msg", "-nocommands"}, args...)...)
	cmd.Stdin = strings.NewReader("")
	out, _ := cmd.CombinedOutput() // the handshake's own outcome does not matter here
	re := regexp.MustCompile(`(?m)^<<< TLS 1\.[23], Handshake \[length [0-9a-f]+\], (\w+)`)
	var names []string
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		names = append(names, m[1])
	}
	if len(names) == 0 {
		t.Fatalf("no handshake messages in openssl -msg output:\n%s", out)
	}
	return names
}

// TestTraceMatchesOpenSSLMsg compares the plaintext handshake messages our
// trace names with those `openssl s_client -msg` prints for the same server.
func TestTraceMatchesOpenSSLMsg(t *testing.T) {
	e := newEnv(t)
	for _, v := range tlsVersions {
		t.Run(v.name, func(t *testing.T) {
			addr := e.startOpenSSL(t, "-www", v.flag, "-verify", "1", "-CAfile", e.path("ca.pem"))
			o := e.clientOpts("wss://" + addr + "/")
			o.Trace = true
			rep, _, _ := run(t, o) // -www answers 200: the trace is what matters
			ours := plaintextMessages(rep.Trace, "received")
			theirs := opensslMsgNames(t, addr, v.flag, "-CAfile", e.path("ca.pem"))
			if len(ours) == 0 || len(ours) > len(theirs) {
				t.Fatalf("ours %v, openssl %v", ours, theirs)
			}
			for i := range ours {
				if ours[i] != theirs[i] {
					t.Fatalf("message %d: ours %v, openssl %v", i, ours, theirs)
				}
			}
			want := map[uint16]string{
				tls.VersionTLS12: "ServerHello Certificate ServerKeyExchange CertificateRequest ServerHelloDone",
				tls.VersionTLS13: "ServerHello",
			}[v.v]
			if got := strings.Join(ours, " "); got != want {
				t.Errorf("plaintext messages %q, want %q", got, want)
			}
			if got := strings.Join(plaintextMessages(rep.Trace, "sent"), " "); !strings.HasPrefix(got, "ClientHello") {
				t.Errorf("sent %q", got)
			}
			encrypted := 0
			for _, ev := range rep.Trace {
				if ev.Encrypted {
					encrypted++
					if len(ev.Messages) > 0 || ev.Alert != nil {
						t.Errorf("encrypted record shows content: %+v", ev)
					}
				}
			}
			if encrypted == 0 {
				t.Error("no encrypted records in the trace")
			}
			for _, ev := range rep.Trace {
				if s := ev.String(); !strings.HasPrefix(s, ">>> ") && !strings.HasPrefix(s, "<<< ") {
					t.Errorf("rendered %q", s)
				}
			}
		})
	}
}

func TestTraceShowsPlaintextAlert(t *testing.T) {
	e := newEnv(t)
	addr := e.startOpenSSL(t, "-www", "-tls1_2", "-Verify", "1", "-verify_return_error", "-CAfile", e.path("ca.pem"))
	o := e.clientOpts("wss://" + addr + "/")
	o.Certificates = nil
	o.Trace = true
	var live []TraceEvent
	o.OnTrace = func(ev TraceEvent) { live = append(live, ev) }
	rep, _, _ := run(t, o)
	var alert *TraceEvent
	for i := range rep.Trace {
		if rep.Trace[i].Alert != nil {
			alert = &rep.Trace[i]
		}
	}
	if alert == nil || alert.Dir != "received" || alert.AlertLevel != "fatal" || alert.Alert.Code != 40 {
		t.Fatalf("alert event %+v in %v", alert, rep.Trace)
	}
	if !strings.Contains(alert.String(), "fatal handshake_failure (40)") {
		t.Errorf("rendered %q", alert.String())
	}
	if len(live) != len(rep.Trace) {
		t.Errorf("OnTrace saw %d events, report has %d", len(live), len(rep.Trace))
	}
}

func TestKeyLog(t *testing.T) {
	e := newEnv(t)
	addr := startGoServer(t, "", serverTLS(e.pki.Server.TLS()), echoHandler())
	for _, v := range tlsVersions {
		t.Run(v.name, func(t *testing.T) {
			var kl bytes.Buffer
			o := e.clientOpts("wss://" + addr + "/")
			o.MaxVersion = v.v
			o.KeyLog = &kl
			if _, f, err := run(t, o); err != nil {
				t.Fatalf("%v %+v", err, f)
			}
			want := map[uint16]string{tls.VersionTLS12: "CLIENT_RANDOM ", tls.VersionTLS13: "CLIENT_HANDSHAKE_TRAFFIC_SECRET "}[v.v]
			if !strings.HasPrefix(kl.String(), want) {
				t.Errorf("key log %q does not start with %q", kl.String(), want)
			}
		})
	}
}

// clientHelloBytes returns a real ClientHello as Go writes it.
func clientHelloBytes(tb testing.TB) []byte {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() {
		_ = tls.Client(a, &tls.Config{ServerName: "example.test", InsecureSkipVerify: true}).Handshake() // fails: nobody answers
	}()
	_ = b.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 4096)
	n, err := b.Read(buf)
	if err != nil {
		tb.Fatal(err)
	}
	return buf[:n]
}

func TestTraceParsesClientHelloAndPieces(t *testing.T) {
	hello := clientHelloBytes(t)
	tr := NewTracer(true)
	// Byte by byte: records and messages must be reassembled.
	for i := range hello {
		tr.Feed(true, hello[i:i+1])
	}
	ev := tr.Events()
	if len(ev) != 1 || len(ev[0].Messages) != 1 || ev[0].Messages[0].Type != "ClientHello" || ev[0].Messages[0].Detail != `SNI "example.test"` {
		t.Fatalf("events %+v", ev)
	}
	tr.Feed(false, []byte("HTTP/1.1 400 Bad Request\r\n"))
	ev = tr.Events()
	if len(ev) != 2 || ev[1].Type != "not_tls" || !strings.Contains(ev[1].Bytes, "HTTP/1.1 400") {
		t.Fatalf("events %+v", ev)
	}
}

func FuzzTraceRecords(f *testing.F) {
	f.Add(clientHelloBytes(f), []byte{22, 3, 3, 0, 4, 14, 0, 0, 0}, uint8(7))
	f.Add([]byte{21, 3, 3, 0, 2, 2, 40}, []byte{20, 3, 3, 0, 1, 1, 23, 3, 3, 0, 3, 1, 2, 3}, uint8(1))
	f.Add([]byte("GET / HTTP/1.1\r\n"), []byte{22, 3, 3, 0xff, 0xff}, uint8(3))
	f.Add([]byte{22, 3, 3, 0, 6, 2, 0, 0, 2, 3, 3}, []byte{22, 3, 1, 0, 5, 11, 0, 0, 1, 0}, uint8(2))
	f.Fuzz(func(t *testing.T, sent, received []byte, chunk uint8) {
		tr := NewTracer(true)
		step := int(chunk%16) + 1
		for i := 0; i < len(sent) || i < len(received); i += step {
			if i < len(sent) {
				tr.Feed(true, sent[i:min(i+step, len(sent))])
			}
			if i < len(received) {
				tr.Feed(false, received[i:min(i+step, len(received))])
			}
		}
		for _, e := range tr.Events() {
			if e.Length > maxRecordLen && e.Type != "not_tls" {
				t.Fatalf("record length %d over the limit", e.Length)
			}
			if e.Encrypted && (len(e.Messages) > 0 || e.Alert != nil) {
				t.Fatalf("encrypted record with content %+v", e)
			}
			_ = e.String()
		}
		if len(tr.Events()) > maxTraceEvents {
			t.Fatal("too many events kept")
		}
	})
}
