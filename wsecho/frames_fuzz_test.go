package wsecho

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// FuzzEchoFrames sends arbitrary bytes after a WebSocket upgrade to the
// echo, broadcast or info service, then half-closes. The server must end
// the connection well within its deadlines, whatever it received, and keep
// serving; goleak checks at the end that nothing was left running.
func FuzzEchoFrames(f *testing.F) {
	text := func(s string) []byte { return frame{fin: true, opcode: 1, payload: []byte(s)}.bytes() }
	join := func(bs ...[]byte) []byte {
		var out []byte
		for _, b := range bs {
			out = append(out, b...)
		}
		return out
	}
	f.Add(text("hello"), uint8(0))
	f.Add(join(text("a"), frame{fin: true, opcode: 9, payload: []byte("p")}.bytes(), frame{fin: true, opcode: 8, payload: closePayload(1000, "bye")}.bytes()), uint8(1))
	f.Add(join(frame{opcode: 1, payload: []byte("frag")}.bytes(), frame{fin: true, payload: []byte("ment")}.bytes()), uint8(2))
	f.Add(frame{fin: true, opcode: 2, payload: make([]byte, 300)}.bytes(), uint8(0))
	f.Add(frame{fin: true, opcode: 1, payload: []byte("\xff"), unmasked: true}.bytes(), uint8(0))
	f.Add(frame{fin: true, opcode: 2, hugeLen: 1 << 40}.bytes(), uint8(1))
	f.Add(frame{fin: true, rsv: 0x40, opcode: 1, payload: []byte("deflated?")}.bytes(), uint8(0))
	f.Add([]byte{0x81, 0xfe}, uint8(2))

	// Short deadlines keep each input cheap; compression makes RSV1 and
	// inflation reachable.
	s, err := New(Options{Addr: "127.0.0.1:0", ReadLimit: 4096, Compression: true, CloseGrace: 200 * time.Millisecond,
		WriteTimeout: time.Second, PingInterval: time.Second, PongWait: 2 * time.Second, Logger: quietLogger()})
	if err != nil {
		f.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			f.Errorf("Shutdown: %v", err)
		}
	})
	paths := []string{"/echo", "/broadcast", "/info"}

	f.Fuzz(func(t *testing.T, data []byte, svc uint8) {
		c, br := rawUpgrade(t, hostPort(s), paths[int(svc)%len(paths)], nil)
		defer c.Close()
		began := time.Now()
		_ = c.SetDeadline(began.Add(5 * time.Second))
		_, _ = c.Write(data) // the server may close before reading it all
		_ = c.(*net.TCPConn).CloseWrite()
		_, err := io.Copy(io.Discard, br)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("the server kept the connection open %v after the client half-closed", time.Since(began))
		}
	})
}
