package probe

import (
	"context"
	"crypto/tls"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// BenchmarkTraceFeed measures the tracer on a handshake followed by 64 KiB
// of application data records.
func BenchmarkTraceFeed(b *testing.B) {
	hello := clientHelloBytes(b)
	app := make([]byte, 0, 70000)
	for len(app) < 65536 {
		app = append(app, 23, 3, 3, 0x40, 0x00)
		app = append(app, make([]byte, 0x4000)...)
	}
	b.SetBytes(int64(len(hello) + len(app)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr := NewTracer(true)
		tr.Feed(true, hello)
		tr.Feed(false, app)
	}
}

// BenchmarkRun measures a whole probe (TLS 1.3, client certificate, one
// echo) against a local Go server.
func BenchmarkRun(b *testing.B) {
	p := pkitest.NewPKI(b, "bench CA")
	s, err := NewServer(ServerOptions{Listen: "127.0.0.1:0", Certificates: []tls.Certificate{p.Server.TLS()}})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := s.Shutdown(context.Background()); err != nil {
			b.Error(err)
		}
	}()
	o := Options{URL: "wss://" + s.Addr().String() + "/echo", RootCAs: p.Pool(), Send: []Message{Text("ping")}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Run(context.Background(), o); err != nil {
			b.Fatal(err)
		}
	}
}
