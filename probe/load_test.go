package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsskit/wsskit/pki/pkitest"
)

// loadServer is an in-test gorilla/websocket echo server that counts what it
// sees, for checking that the load generator's counts add up.
type loadServer struct {
	URL          string
	srv          *httptest.Server
	handlers     sync.WaitGroup
	messages     atomic.Int64
	active, peak atomic.Int64
	upgrades     atomic.Int64
	mu           sync.Mutex
	clientCNs    map[string]int
	// corrupt makes every echo differ from the message (a broken server).
	corrupt bool
}

// startLoadServer serves /echo (plain when cfg is nil) until the test ends.
func startLoadServer(t *testing.T, cfg *tls.Config, mod func(*loadServer)) *loadServer {
	t.Helper()
	s := &loadServer{clientCNs: map[string]int{}}
	if mod != nil {
		mod(s)
	}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		s.handlers.Add(1)
		defer s.handlers.Done()
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		s.upgrades.Add(1)
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			s.mu.Lock()
			s.clientCNs[r.TLS.PeerCertificates[0].Subject.CommonName]++
			s.mu.Unlock()
		}
		n := s.active.Add(1)
		defer s.active.Add(-1)
		for {
			p := s.peak.Load()
			if n <= p || s.peak.CompareAndSwap(p, n) {
				break
			}
		}
		for range 1_000_000 {
			typ, data, err := c.ReadMessage()
			if err != nil {
				return // gorilla answered a close frame already
			}
			s.messages.Add(1)
			if s.corrupt && len(data) > 0 {
				data[len(data)-1] ^= 0xff
			}
			if err := c.WriteMessage(typ, data); err != nil {
				return
			}
		}
	})
	s.srv = httptest.NewUnstartedServer(mux)
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if cfg != nil {
		s.srv.TLS = cfg
		s.srv.StartTLS()
		s.URL = "wss://" + s.srv.Listener.Addr().String() + "/echo"
	} else {
		s.srv.Start()
		s.URL = "ws://" + s.srv.Listener.Addr().String() + "/echo"
	}
	t.Cleanup(func() {
		s.srv.Close()
		s.handlers.Wait()
	})
	return s
}

// waitIdle waits until the server has no open WebSocket.
func (s *loadServer) waitIdle(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); s.active.Load() != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("server still has %d WebSockets open", s.active.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func loadCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustLoad(t *testing.T, o LoadOptions) *LoadReport {
	t.Helper()
	rep, err := Load(loadCtx(t), o, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return rep
}

func requireMTLS(p *pkitest.PKI) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.Server.TLS()}, ClientCAs: p.Pool(),
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS13}
}

func TestLoadEchoCountsAddUp(t *testing.T) {
	p := pkitest.NewPKI(t, "load test CA")
	tests := []struct {
		name  string
		tls   *tls.Config
		certs []tls.Certificate
		conns int
		n     int64
		size  int
	}{
		{"ws 1KiB", nil, nil, 4, 200, 1024},
		{"ws 64KiB", nil, nil, 2, 20, 64 << 10},
		{"ws 3 bytes", nil, nil, 3, 30, 3},
		{"wss mTLS 1KiB", requireMTLS(p), []tls.Certificate{p.Client.TLS()}, 4, 200, 1024},
		{"wss 64KiB", &tls.Config{Certificates: []tls.Certificate{p.Server.TLS()}}, nil, 2, 20, 64 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startLoadServer(t, tt.tls, nil)
			rep := mustLoad(t, LoadOptions{URL: s.URL, Connections: tt.conns, Messages: tt.n, Size: tt.size,
				RootCAs: p.Pool(), Certificates: tt.certs, Timeout: 5 * time.Second})
			s.waitIdle(t)
			if rep.Messages != uint64(tt.n) || s.messages.Load() != tt.n {
				t.Errorf("messages: report %d, server %d, want %d", rep.Messages, s.messages.Load(), tt.n)
			}
			if want := uint64(tt.n) * uint64(tt.size); rep.BytesSent != want || rep.BytesReceived != want {
				t.Errorf("bytes sent %d received %d, want %d", rep.BytesSent, rep.BytesReceived, want)
			}
			if rep.Latency == nil || rep.Latency.Count != uint64(tt.n) {
				t.Errorf("latency %+v, want %d samples", rep.Latency, tt.n)
			} else if !(rep.Latency.MinUS <= rep.Latency.P50US && rep.Latency.P50US <= rep.Latency.P99US && rep.Latency.P999US <= rep.Latency.MaxUS) {
				t.Errorf("latency percentiles out of order: %+v", rep.Latency)
			}
			if rep.ConnectionsOpened != uint64(tt.conns) || s.upgrades.Load() != int64(tt.conns) || rep.PeakOpen != int64(tt.conns) {
				t.Errorf("connections opened %d (server %d, peak %d), want %d", rep.ConnectionsOpened, s.upgrades.Load(), rep.PeakOpen, tt.conns)
			}
			if rep.ClosedCleanly != uint64(tt.conns) {
				t.Errorf("closed cleanly %d, want %d", rep.ClosedCleanly, tt.conns)
			}
			if rep.ErrorsTotal != 0 || len(rep.Errors) != 0 {
				t.Errorf("errors %d %+v, want none", rep.ErrorsTotal, rep.Errors)
			}
			if rep.Stopped != "messages" {
				t.Errorf("stopped %q, want %q", rep.Stopped, "messages")
			}
			if rep.MessagesPerS <= 0 || rep.ElapsedS <= 0 {
				t.Errorf("rates: %v messages/s over %v s, want positive", rep.MessagesPerS, rep.ElapsedS)
			}
			if tt.tls != nil && rep.TLSVersion != "TLS 1.3" {
				t.Errorf("TLS version %q, want %q", rep.TLSVersion, "TLS 1.3")
			}
			if len(tt.certs) > 0 && s.clientCNs["client"] != tt.conns {
				t.Errorf("server saw client certificates %v, want client × %d", s.clientCNs, tt.conns)
			}
		})
	}
}

func TestLoadDurationAndRate(t *testing.T) {
	s := startLoadServer(t, nil, nil)
	t.Run("duration", func(t *testing.T) {
		rep := mustLoad(t, LoadOptions{URL: s.URL, Connections: 2, Duration: 300 * time.Millisecond, Size: 100})
		if rep.Stopped != "duration" || rep.Messages == 0 {
			t.Errorf("stopped %q after %d messages, want duration and some", rep.Stopped, rep.Messages)
		}
		if rep.ElapsedS < 0.29 || rep.ElapsedS > 3 {
			t.Errorf("elapsed %v s, want about 0.3", rep.ElapsedS)
		}
	})
	t.Run("rate", func(t *testing.T) {
		rep := mustLoad(t, LoadOptions{URL: s.URL, Connections: 3, Duration: time.Second, Rate: 40, Size: 10})
		// 40/s for 1 s: the first slot is at once, so at most 41. How many
		// fewer depends on a loaded machine's scheduling, so only the limit
		// is asserted (no timed lower bound: the machines are shared).
		if rep.Messages < 1 || rep.Messages > 41 {
			t.Errorf("%d messages at --rate 40 for 1s, want 1..41", rep.Messages)
		}
	})
	s.waitIdle(t)
}

func TestLoadLimits(t *testing.T) {
	url := "ws://127.0.0.1:1/"
	tests := []struct {
		name   string
		o      LoadOptions
		option string
	}{
		{"connections", LoadOptions{Connections: MaxLoadConnections + 1}, "connections"},
		{"negative connections", LoadOptions{Connections: -1}, "connections"},
		{"duration", LoadOptions{Duration: MaxLoadDuration + time.Second}, "duration"},
		{"rate", LoadOptions{Rate: MaxLoadRate + 1}, "rate"},
		{"size", LoadOptions{Size: MaxLoadSize + 1}, "size"},
		{"messages", LoadOptions{Messages: MaxLoadMessages + 1}, "messages"},
		{"timeout", LoadOptions{Timeout: time.Hour}, "timeout"},
		{"memory", LoadOptions{Connections: 10000, Size: 1 << 20}, "connections × size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.URL = url
			rep, err := Load(context.Background(), tt.o, nil)
			var le *LimitError
			if !errors.As(err, &le) || !errors.Is(err, ErrLoadLimit) {
				t.Fatalf("Load() error = %v (%T), want *LimitError", err, err)
			}
			if le.Option != tt.option || rep != nil {
				t.Errorf("limit on %q (report %v), want %q and no report", le.Option, rep, tt.option)
			}
			if !strings.Contains(err.Error(), "out of range") {
				t.Errorf("error %q, want it to say out of range", err)
			}
		})
	}
	t.Run("idle with a message count", func(t *testing.T) {
		_, err := Load(context.Background(), LoadOptions{URL: url, Mode: LoadIdle, Messages: 5}, nil)
		if err == nil || !strings.Contains(err.Error(), "does not apply") {
			t.Errorf("error %v, want a message count that does not apply", err)
		}
	})
	t.Run("unknown mode", func(t *testing.T) {
		_, err := Load(context.Background(), LoadOptions{URL: url, Mode: "flood"}, nil)
		if err == nil || !strings.Contains(err.Error(), `"flood"`) {
			t.Errorf("error %v, want unknown mode", err)
		}
	})
	t.Run("bad url", func(t *testing.T) {
		_, err := Load(context.Background(), LoadOptions{URL: "ftp://127.0.0.1/"}, nil)
		if !errors.Is(err, ErrBadURL) {
			t.Errorf("error %v, want ErrBadURL", err)
		}
	})
}

func TestLoadRefusesRemoteTargets(t *testing.T) {
	// A resolver that must never be asked (IP literals) or answers from a
	// fake table: no packet leaves the machine.
	hosts := map[string][]string{
		"mixed.test":     {"127.0.0.1", "192.0.2.7"},
		"loopback.test":  {"127.0.0.2", "::1"},
		"elsewhere.test": {"198.51.100.1"},
	}
	res := fakeResolver(t, hosts)
	tests := []struct {
		url     string
		refused bool
	}{
		{"ws://192.0.2.1:80/", true},
		{"wss://[2001:db8::1]:443/", true},
		{"ws://0.0.0.0:80/", true},
		{"ws://[::ffff:192.0.2.1]:80/", true},
		{"ws://mixed.test:80/", true},
		{"ws://elsewhere.test:80/", true},
		{"ws://loopback.test:1/", false},
		{"ws://127.9.9.9:1/", false},
		{"ws://[::1]:1/", false},
		{"ws://[::ffff:127.0.0.1]:1/", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			o := LoadOptions{URL: tt.url, Resolver: res, Messages: 1, Connections: 1, Timeout: 2 * time.Second}
			_, err := Load(loadCtx(t), o, nil)
			var re *RemoteTargetError
			if got := errors.As(err, &re); got != tt.refused {
				t.Fatalf("Load(%s) error = %v, refused %v, want %v", tt.url, err, got, tt.refused)
			}
			if tt.refused && (!errors.Is(err, ErrRemoteTarget) || !strings.Contains(err.Error(), "AllowRemote")) {
				t.Errorf("error %q, want ErrRemoteTarget naming AllowRemote", err)
			}
		})
	}
}

// fakeResolver answers A/AAAA queries from hosts through a DNS server on
// loopback, so name checks run without the network.
func fakeResolver(t *testing.T, hosts map[string][]string) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 1500)
		for range 10000 {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := dnsAnswer(buf[:n], hosts); resp != nil {
				_, _ = pc.WriteTo(resp, from) // a lost answer shows as a test failure
			}
		}
	}()
	t.Cleanup(func() { pc.Close(); wg.Wait() })
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", pc.LocalAddr().String())
	}}
}

// dnsAnswer builds the answer to one DNS query (RFC 1035 §4) from hosts.
func dnsAnswer(q []byte, hosts map[string][]string) []byte {
	if len(q) < 12 {
		return nil
	}
	// Question: name labels, then type and class.
	i := 12
	var labels []string
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	if i+5 > len(q) {
		return nil
	}
	qtype := int(q[i+1])<<8 | int(q[i+2])
	question := q[12 : i+5]
	name := strings.Join(labels, ".")
	var answers [][]byte
	for _, a := range hosts[name] {
		ip := net.ParseIP(a)
		if v4 := ip.To4(); v4 != nil && qtype == 1 {
			answers = append(answers, v4)
		} else if v4 == nil && qtype == 28 {
			answers = append(answers, ip.To16())
		}
	}
	resp := append([]byte{q[0], q[1], 0x81, 0x80, 0, 1, 0, byte(len(answers)), 0, 0, 0, 0}, question...)
	if _, ok := hosts[name]; !ok {
		resp[3] = 0x83 // NXDOMAIN
	}
	for _, a := range answers {
		resp = append(resp, 0xc0, 12, byte(qtype>>8), byte(qtype), 0, 1, 0, 0, 0, 60, 0, byte(len(a)))
		resp = append(resp, a...)
	}
	return resp
}

func TestLoadHandshakeRotatesClientCerts(t *testing.T) {
	p := pkitest.NewPKI(t, "load test CA")
	var certs []tls.Certificate
	for _, cn := range []string{"alice", "bob", "carol"} {
		c := pkitest.Issue(t, pkitest.Template{CN: cn, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, p.CA)
		certs = append(certs, c.TLS())
	}
	s := startLoadServer(t, requireMTLS(p), nil)
	rep := mustLoad(t, LoadOptions{URL: s.URL, Mode: LoadHandshake, Connections: 3, Messages: 30, Size: 64,
		RootCAs: p.Pool(), Certificates: certs, Timeout: 5 * time.Second})
	s.waitIdle(t)
	if rep.Handshakes != 30 || rep.ConnectionsOpened != 30 || s.upgrades.Load() != 30 || s.messages.Load() != 30 {
		t.Errorf("handshakes %d, opened %d, server upgrades %d and messages %d, want 30 each",
			rep.Handshakes, rep.ConnectionsOpened, s.upgrades.Load(), s.messages.Load())
	}
	for _, cn := range []string{"alice", "bob", "carol"} {
		if s.clientCNs[cn] != 10 {
			t.Errorf("server saw %s %d times, want 10 (all: %v)", cn, s.clientCNs[cn], s.clientCNs)
		}
	}
	if rep.ClosedCleanly != 30 || rep.ErrorsTotal != 0 {
		t.Errorf("closed cleanly %d, errors %d %+v, want 30 and 0", rep.ClosedCleanly, rep.ErrorsTotal, rep.Errors)
	}
	if rep.Latency == nil || rep.Latency.Count != 30 || rep.ConnectLatency == nil || rep.ConnectLatency.Count != 30 {
		t.Errorf("latency %+v / connect latency %+v, want 30 samples each", rep.Latency, rep.ConnectLatency)
	}
	if rep.HandshakesPerS <= 0 || rep.ClientCertificates != 3 {
		t.Errorf("handshakes/s %v, client certificates %d, want positive and 3", rep.HandshakesPerS, rep.ClientCertificates)
	}
}

func TestLoadIdleHoldsAndClosesCleanly(t *testing.T) {
	p := pkitest.NewPKI(t, "load test CA")
	s := startLoadServer(t, &tls.Config{Certificates: []tls.Certificate{p.Server.TLS()}}, nil)
	const n = 40
	var mu sync.Mutex
	var snaps []LoadProgress
	rep, err := Load(loadCtx(t), LoadOptions{URL: s.URL, Mode: LoadIdle, Connections: n, Duration: 400 * time.Millisecond,
		RootCAs: p.Pool(), ProgressInterval: 50 * time.Millisecond}, func(lp LoadProgress) {
		mu.Lock()
		snaps = append(snaps, lp)
		mu.Unlock()
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if s.peak.Load() != n || rep.PeakOpen != n || rep.OpenAtEnd != n {
		t.Errorf("server peak %d, report peak %d, open at end %d, want %d", s.peak.Load(), rep.PeakOpen, rep.OpenAtEnd, n)
	}
	if rep.ClosedCleanly != n || rep.ErrorsTotal != 0 {
		t.Errorf("closed cleanly %d, errors %+v, want %d and none", rep.ClosedCleanly, rep.Errors, n)
	}
	if rep.HeldS < 0.39 || rep.HeldS > 3 {
		t.Errorf("held %v s, want about 0.4", rep.HeldS)
	}
	s.waitIdle(t)
	mu.Lock()
	defer mu.Unlock()
	if len(snaps) < 3 {
		t.Fatalf("%d progress snapshots, want several", len(snaps))
	}
	// While held, a snapshot shows all n open; a tick may also fall in the
	// closing that follows, where fewer are still open.
	held := false
	for _, lp := range snaps {
		if lp.Mode != LoadIdle {
			t.Fatalf("progress %+v, want idle mode", lp)
		}
		held = held || lp.Open == n
	}
	if last := snaps[len(snaps)-1]; !held || last.Opened != n {
		t.Errorf("progress %+v, want a snapshot with %d open and %d opened at the end", snaps, n, n)
	}
}

func TestLoadErrorsByCause(t *testing.T) {
	p := pkitest.NewPKI(t, "load test CA")
	other := pkitest.NewPKI(t, "another CA")
	mtls := startLoadServer(t, requireMTLS(p), nil)
	plain := startLoadServer(t, nil, nil)
	broken := startLoadServer(t, nil, func(s *loadServer) { s.corrupt = true })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	t.Run("nothing works", func(t *testing.T) {
		tests := []struct {
			name  string
			o     LoadOptions
			cause string
			exit  int
		}{
			{"connection refused", LoadOptions{URL: "ws://" + closed + "/"}, CauseConnectionRefused, ExitNetwork},
			{"no client certificate", LoadOptions{URL: mtls.URL, RootCAs: p.Pool()}, CauseClientCertRequired, ExitTLS},
			{"server not trusted", LoadOptions{URL: mtls.URL, RootCAs: other.Pool(), Certificates: []tls.Certificate{p.Client.TLS()}}, CauseServerCertUntrusted, ExitTLS},
			{"upgrade 404", LoadOptions{URL: strings.Replace(plain.URL, "/echo", "/nothing", 1)}, CauseUpgradeNotFound, ExitHTTP},
			{"tls to plain", LoadOptions{URL: strings.Replace(plain.URL, "ws://", "wss://", 1), Mode: LoadHandshake}, CauseTLSToPlainServer, ExitTLS},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.o.Connections, tt.o.Messages, tt.o.Timeout = 3, 10, 3*time.Second
				if tt.o.Mode == LoadHandshake {
					tt.o.Messages = 1000
				}
				rep, err := Load(loadCtx(t), tt.o, nil)
				var fe *FailureError
				if !errors.As(err, &fe) {
					t.Fatalf("Load() error = %v (%T), want *FailureError", err, err)
				}
				if fe.Failure.CauseID != tt.cause || fe.Failure.ExitCode != tt.exit {
					t.Errorf("cause %s (exit %d), want %s (exit %d); raw %q", fe.Failure.CauseID, fe.Failure.ExitCode, tt.cause, tt.exit, fe.Failure.Raw)
				}
				if rep == nil || rep.Stopped != "failed" || len(rep.Errors) == 0 || rep.Errors[0].CauseID != tt.cause {
					t.Fatalf("report %+v, want stopped failed with cause %s first", rep, tt.cause)
				}
				if rep.ErrorsTotal < 3 || rep.ErrorsTotal > 20 {
					t.Errorf("errors total %d, want every worker to fail once and stop soon after", rep.ErrorsTotal)
				}
				if fe.Failure.Cause == "" || fe.Failure.Fix == "" || rep.Errors[0].Raw == "" {
					t.Errorf("failure %+v lacks cause, fix or raw text", rep.Errors[0])
				}
			})
		}
	})

	t.Run("some client certificates rejected", func(t *testing.T) {
		bad := pkitest.Issue(t, pkitest.Template{CN: "stranger", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, other.CA)
		rep := mustLoad(t, LoadOptions{URL: mtls.URL, Mode: LoadHandshake, Connections: 2, Messages: 20,
			RootCAs: p.Pool(), Certificates: []tls.Certificate{p.Client.TLS(), bad.TLS()}, Timeout: 3 * time.Second})
		if rep.Handshakes+rep.ErrorsTotal != 20 || rep.Handshakes != 10 {
			t.Errorf("handshakes %d + errors %d, want 10 + 10", rep.Handshakes, rep.ErrorsTotal)
		}
		if len(rep.Errors) != 1 || rep.Errors[0].Count != 10 || !strings.HasPrefix(rep.Errors[0].CauseID, "client_cert_") {
			t.Fatalf("errors %+v, want 10 client certificate failures", rep.Errors)
		}
		if !rep.Errors[0].Diagnosed || rep.Errors[0].CauseID != CauseClientCertUntrusted {
			t.Errorf("error %+v, want diagnosed as %s", rep.Errors[0], CauseClientCertUntrusted)
		}
	})

	t.Run("echo mismatch", func(t *testing.T) {
		rep := mustLoad(t, LoadOptions{URL: broken.URL, Connections: 2, Messages: 20, Size: 16})
		if rep.Messages != 0 || rep.ErrorsTotal != 20 || len(rep.Errors) != 1 || rep.Errors[0].CauseID != CauseExpectMismatch {
			t.Errorf("messages %d, errors %d %+v, want 0 and 20 %s", rep.Messages, rep.ErrorsTotal, rep.Errors, CauseExpectMismatch)
		}
		if !strings.Contains(rep.Errors[0].Cause, "16 bytes") {
			t.Errorf("cause %q, want it to describe the messages", rep.Errors[0].Cause)
		}
	})
	for _, s := range []*loadServer{mtls, plain, broken} {
		s.waitIdle(t)
	}
}

func TestLoadCancel(t *testing.T) {
	s := startLoadServer(t, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	t0 := time.Now()
	rep, err := Load(ctx, LoadOptions{URL: s.URL, Connections: 3, Duration: time.Minute}, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if rep.Stopped != "canceled" || time.Since(t0) > 5*time.Second {
		t.Errorf("stopped %q after %v, want canceled within seconds", rep.Stopped, time.Since(t0))
	}
	if rep.Messages == 0 || rep.ClosedCleanly != 3 {
		t.Errorf("messages %d, closed cleanly %d, want some and 3", rep.Messages, rep.ClosedCleanly)
	}
	s.waitIdle(t)
}

// BenchmarkLoadEcho measures the load generator's own cost per 1 KiB echo
// against an in-process gorilla server (both sides in one process: compare
// runs, not absolute numbers).
func BenchmarkLoadEcho(b *testing.B) {
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			typ, rd, err := c.NextReader()
			if err != nil {
				return
			}
			wr, err := c.NextWriter(typ)
			if err != nil {
				return
			}
			if _, err := io.Copy(wr, rd); err != nil {
				return
			}
			if err := wr.Close(); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	b.SetBytes(1024)
	b.ReportAllocs()
	rep, err := Load(context.Background(), LoadOptions{URL: "ws" + strings.TrimPrefix(srv.URL, "http") + "/",
		Connections: 4, Messages: int64(b.N), Size: 1024}, nil)
	if err != nil || rep.Messages != uint64(b.N) {
		b.Fatalf("Load: %v (%d messages of %d)", err, rep.Messages, b.N)
	}
}
