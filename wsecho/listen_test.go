package wsecho

import (
	"math/rand/v2"
	"testing"

	"github.com/wsskit/wsskit/probe"
)

// TestAlertWatchMatchesTracer feeds the same received byte streams, cut at
// random places, to alertWatch and to probe.Tracer, and wants the same last
// plaintext alert.
func TestAlertWatchMatchesTracer(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	record := func(typ byte, body []byte) []byte {
		return append([]byte{typ, 3, 3, byte(len(body) >> 8), byte(len(body))}, body...)
	}
	for i := range 500 {
		var stream []byte
		for range r.IntN(6) {
			switch r.IntN(5) {
			case 0: // a plaintext alert
				stream = append(stream, record(21, []byte{byte(1 + r.IntN(2)), byte(r.IntN(256))})...)
			case 1: // an encrypted alert (TLS 1.2 AEAD)
				stream = append(stream, record(21, make([]byte, 26))...)
			case 2:
				stream = append(stream, record(22, make([]byte, r.IntN(3000)))...)
			case 3:
				stream = append(stream, record(23, make([]byte, r.IntN(17000)))...)
			case 4:
				if r.IntN(10) == 0 { // not TLS at all
					stream = append(stream, "GET / HTTP/1.1\r\n"...)
				} else {
					stream = append(stream, record(23, nil)...)
				}
			}
		}
		if r.IntN(4) == 0 && len(stream) > 0 { // cut short
			stream = stream[:r.IntN(len(stream))]
		}
		var w alertWatch
		tr := probe.NewTracer(false)
		for rest := stream; len(rest) > 0; {
			n := min(len(rest), 1+r.IntN(40))
			if r.IntN(3) == 0 {
				n = min(len(rest), 1+r.IntN(20000))
			}
			w.feed(rest[:n])
			tr.Feed(false, rest[:n])
			rest = rest[n:]
		}
		got, want := w.last(), tr.LastAlert(false)
		switch {
		case got == nil && want == nil:
		case got == nil || want == nil:
			t.Fatalf("stream %d: alertWatch found %v, probe.Tracer %v", i, got, want)
		case got.Code != want.Code || got.Name != want.Name || got.Sent != want.Sent:
			t.Fatalf("stream %d: alertWatch found %+v, probe.Tracer %+v", i, *got, *want)
		}
	}
}
