package wsecho

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// frame builds one WebSocket frame, masked with a fixed key unless
// unmasked. A non-zero hugeLen is announced as the length (8-byte form)
// whatever payload actually follows.
type frame struct {
	fin      bool
	rsv      byte // RSV1..3 bits, already shifted (0x40, 0x20, 0x10)
	opcode   byte
	payload  []byte
	unmasked bool
	hugeLen  uint64
}

func (f frame) bytes() []byte {
	b0 := f.opcode | f.rsv
	if f.fin {
		b0 |= 0x80
	}
	out := []byte{b0}
	maskBit := byte(0x80)
	if f.unmasked {
		maskBit = 0
	}
	n := uint64(len(f.payload))
	if f.hugeLen != 0 {
		n = f.hugeLen
	}
	switch {
	case f.hugeLen != 0 || n > 65535:
		out = append(out, maskBit|127)
		out = binary.BigEndian.AppendUint64(out, n)
	case n > 125:
		out = append(out, maskBit|126)
		out = binary.BigEndian.AppendUint16(out, uint16(n))
	default:
		out = append(out, maskBit|byte(n))
	}
	key := []byte{0x11, 0x22, 0x33, 0x44}
	p := append([]byte(nil), f.payload...)
	if !f.unmasked {
		out = append(out, key...)
		for i := range p {
			p[i] ^= key[i%4]
		}
	}
	return append(out, p...)
}

func closePayload(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// rawUpgrade opens a WebSocket to path by hand (TLS when cfg is set) and
// returns the connection with its reader after the 101.
func rawUpgrade(t testing.TB, addr, path string, cfg *tls.Config) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if cfg != nil {
		tc := tls.Client(c, cfg)
		if err := tc.HandshakeContext(context.Background()); err != nil {
			c.Close()
			t.Fatal(err)
		}
		c = tc
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, addr)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		t.Fatalf("upgrade: %s", resp.Status)
	}
	return c, br
}

// readServerClose reads frames from the server until its close frame and
// returns the close code (1005 for an empty close, -1 when the connection
// ended without one). Echoed data frames are skipped.
func readServerClose(t testing.TB, br *bufio.Reader) (code int, reason string) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		var h [2]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return -1, err.Error()
		}
		if h[1]&0x80 != 0 {
			t.Fatalf("the server sent a masked frame")
		}
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var l [2]byte
			if _, err := io.ReadFull(br, l[:]); err != nil {
				return -1, err.Error()
			}
			n = uint64(binary.BigEndian.Uint16(l[:]))
		case 127:
			var l [8]byte
			if _, err := io.ReadFull(br, l[:]); err != nil {
				return -1, err.Error()
			}
			n = binary.BigEndian.Uint64(l[:])
		}
		if n > 1<<24 {
			t.Fatalf("the server announced a %d-byte frame", n)
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(br, p); err != nil {
			return -1, err.Error()
		}
		if h[0]&0x0f == 0x8 {
			if len(p) < 2 {
				return 1005, ""
			}
			return int(binary.BigEndian.Uint16(p)), string(p[2:])
		}
	}
	t.Fatal("no close frame after 1000 frames")
	return 0, ""
}

// TestMalformedFrames sends the protocol violations of RFC 6455 to the
// echo service, over ws:// and wss://, and checks the close code each one
// earns (1002 protocol error, 1007 bad data, 1009 too big) and that the
// server then ends the connection. Abrupt disconnects at every point must
// only be logged.
func TestMalformedFrames(t *testing.T) {
	p := pkitest.NewPKI(t, "frames CA")
	text := func(s string) frame { return frame{fin: true, opcode: 1, payload: []byte(s)} }
	// want lists the acceptable answers; -1 is a connection dropped
	// without a close frame, which RFC 6455 §7.1.7 allows (it SHOULD send
	// one). Where gorilla/websocket answers differently from the RFC's
	// first choice, the case says so.
	tests := []struct {
		name   string
		frames []frame
		want   []int
	}{
		{"unmasked client frame", []frame{{fin: true, opcode: 1, payload: []byte("hi"), unmasked: true}}, []int{1002}},
		{"RSV1 without an extension", []frame{{fin: true, rsv: 0x40, opcode: 1, payload: []byte("hi")}}, []int{1002}},
		{"RSV2", []frame{{fin: true, rsv: 0x20, opcode: 2, payload: []byte("hi")}}, []int{1002}},
		{"reserved data opcode 3", []frame{{fin: true, opcode: 3, payload: []byte("hi")}}, []int{1002}},
		{"reserved control opcode 0xB", []frame{{fin: true, opcode: 0xB}}, []int{1002}},
		{"fragmented ping", []frame{{fin: false, opcode: 9, payload: []byte("p")}}, []int{1002}},
		{"ping over 125 bytes", []frame{{fin: true, opcode: 9, payload: make([]byte, 126)}}, []int{1002}},
		{"continuation without a start", []frame{{fin: true, opcode: 0, payload: []byte("x")}}, []int{1002}},
		{"new message inside a fragmented one", []frame{{fin: false, opcode: 1, payload: []byte("a")}, text("b")}, []int{1002}},
		{"invalid UTF-8 text", []frame{text("ab\xff\xfe")}, []int{1007}},
		{"UTF-8 split across fragments is fine, then bad", []frame{{fin: false, opcode: 1, payload: []byte("\xe2\x82")}, {fin: true, opcode: 0, payload: []byte("\xac")}, text("\xc3")}, []int{1007}},
		// gorilla reads a one-byte close body as "no status" and wsecho
		// answers in kind; the RFC wants 1002 (Autobahn 7.3.2).
		{"close with a one-byte body", []frame{{fin: true, opcode: 8, payload: []byte{3}}}, []int{1002, 1005}},
		{"close with code 999", []frame{{fin: true, opcode: 8, payload: closePayload(999, "")}}, []int{1002}},
		{"close with reserved code 1005", []frame{{fin: true, opcode: 8, payload: closePayload(1005, "")}}, []int{1002}},
		{"close with reserved code 1006", []frame{{fin: true, opcode: 8, payload: closePayload(1006, "")}}, []int{1002}},
		{"close reason not UTF-8", []frame{{fin: true, opcode: 8, payload: closePayload(1000, "\xff")}}, []int{1007, 1002}},
		{"frame over the read limit", []frame{{fin: true, opcode: 2, payload: make([]byte, 2000)}}, []int{1009}},
		// The limit counts bytes received (so that it also bounds
		// decompressed messages): a frame announcing 2^62 bytes is refused
		// once more than the limit has arrived, not at its header.
		{"length 2^62 announced", []frame{{fin: true, opcode: 2, hugeLen: 1 << 62, payload: make([]byte, 1500)}}, []int{1009}},
		// gorilla drops the connection without a close frame.
		{"length with the top bit set", []frame{{fin: true, opcode: 2, hugeLen: 1 << 63}}, []int{1002, -1}},
		{"normal close", []frame{{fin: true, opcode: 8, payload: closePayload(1000, "bye")}}, []int{1000}},
	}
	for _, tlsOn := range []bool{false, true} {
		opts := Options{ReadLimit: 1000, CloseGrace: time.Second}
		var cfg *tls.Config
		if tlsOn {
			opts.TLS = serverTLS(p, tls.NoClientCert)
			cfg = &tls.Config{RootCAs: p.Pool(), ServerName: "127.0.0.1"}
		}
		s, lb := start(t, opts)
		for _, tc := range tests {
			t.Run(fmt.Sprintf("tls=%v/%s", tlsOn, tc.name), func(t *testing.T) {
				c, br := rawUpgrade(t, hostPort(s), "/echo", cfg)
				defer c.Close()
				for _, f := range tc.frames {
					if _, err := c.Write(f.bytes()); err != nil {
						t.Fatal(err)
					}
				}
				code, reason := readServerClose(t, br)
				if !slices.Contains(tc.want, code) {
					t.Fatalf("got close %d %q, want one of %v", code, reason, tc.want)
				}
				if code > 0 && !utf8.ValidString(reason) {
					t.Errorf("close reason %q is not UTF-8", reason)
				}
				// Answer the close, as a client should: the server then
				// ends the connection (else CloseGrace later).
				if code > 0 {
					_, _ = c.Write(frame{fin: true, opcode: 8, payload: closePayload(1000, "")}.bytes())
				}
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
				if _, err := io.Copy(io.Discard, br); err != nil && !isClosedErr(err) {
					t.Errorf("connection not ended by the server: %v", err)
				}
			})
		}
		// Abrupt disconnects: in the middle of a frame header, of a
		// payload, of a fragmented message, and before any frame.
		for i, partial := range [][]byte{nil, {0x81}, text("hello world").bytes()[:8], frame{fin: false, opcode: 1, payload: []byte("a")}.bytes()} {
			c, _ := rawUpgrade(t, hostPort(s), "/echo", cfg)
			if _, err := c.Write(partial); err != nil {
				t.Fatalf("abrupt %d: %v", i, err)
			}
			c.Close()
		}
		lb.waitCount(t, "disconnected", len(tests)+4)
		if strings.Contains(lb.String(), "panic") {
			t.Errorf("the server log mentions a panic:\n%s", lb.String())
		}
	}
}

// isClosedErr reports an error that only says the peer ended the stream.
func isClosedErr(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "EOF") || strings.Contains(s, "broken pipe")
}
