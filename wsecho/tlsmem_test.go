package wsecho

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// TestReleaseHandshakeBuffers checks that the crypto/tls fields the release
// relies on still exist, that it frees them, and that the connection keeps
// working both ways afterwards, including a read that is already buffered.
func TestReleaseHandshakeBuffers(t *testing.T) {
	if len(tlsHandshakeBuffers) != 2 {
		t.Fatalf("found %d of crypto/tls.Conn's rawInput and hand buffers, want 2: this Go's crypto/tls changed, update tlsmem.go", len(tlsHandshakeBuffers))
	}
	p := pkitest.NewPKI(t, "release test CA")
	srvCert := p.Server.TLS()
	cn, sn := net.Pipe()
	defer cn.Close()
	defer sn.Close()
	deadline := time.Now().Add(10 * time.Second)
	cn.SetDeadline(deadline)
	sn.SetDeadline(deadline)
	srv := tls.Server(sn, &tls.Config{Certificates: []tls.Certificate{srvCert}})
	cli := tls.Client(cn, &tls.Config{RootCAs: p.Pool(), ServerName: "localhost"})
	errc := make(chan error, 1)
	go func() {
		if err := cli.Handshake(); err != nil {
			errc <- err
			return
		}
		// The request follows the handshake at once, as a WebSocket
		// client's upgrade does.
		_, err := cli.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
		errc <- err
	}()
	if err := srv.Handshake(); err != nil {
		t.Fatalf("server handshake: %v", err)
	}
	before := bufferCaps(srv)
	releaseHandshakeBuffers(srv)
	after := bufferCaps(srv)
	for name, c := range after {
		if c > before[name] {
			t.Errorf("%s: capacity %d after the release, more than %d before", name, c, before[name])
		}
	}
	if after["hand"] != 0 {
		t.Errorf("hand: capacity %d after the release, want 0 (nothing unread)", after["hand"])
	}
	got := make([]byte, len("GET / HTTP/1.1\r\n\r\n"))
	if _, err := io.ReadFull(srv, got); err != nil {
		t.Fatalf("reading after the release: %v", err)
	}
	if string(got) != "GET / HTTP/1.1\r\n\r\n" {
		t.Errorf("read %q after the release, want the request", got)
	}
	if err := <-errc; err != nil {
		t.Fatalf("client: %v", err)
	}
	go srv.Write([]byte("HTTP/1.1 101 Switching Protocols\r\n\r\n"))
	reply := make([]byte, 12)
	if _, err := io.ReadFull(cli, reply); err != nil || string(reply) != "HTTP/1.1 101" {
		t.Fatalf("client read %q, %v after the release, want the reply", reply, err)
	}
}

// bufferCaps returns the capacities of tc's rawInput and hand buffers.
func bufferCaps(tc *tls.Conn) map[string]int {
	v := reflect.ValueOf(tc).Elem()
	out := map[string]int{}
	for _, name := range []string{"rawInput", "hand"} {
		f := v.FieldByName(name)
		if f.IsValid() && f.Type() == reflect.TypeFor[bytes.Buffer]() {
			out[name] = f.FieldByName("buf").Cap()
		}
	}
	return out
}
