package wsecho

import (
	"bytes"
	"crypto/tls"
	"reflect"
	"unsafe"
)

// tlsHandshakeBuffers are the fields of crypto/tls.Conn that keep, for the
// whole life of a connection, buffers sized by the largest handshake record
// (a ClientHello with a post-quantum key share is about 1.5 KB): rawInput
// (undecrypted records read from the socket) and hand (handshake messages
// read but not yet parsed). Their offsets are looked up once; a field that
// is missing or of another type leaves the release a no-op, so a future Go
// with different internals only loses the saving.
var tlsHandshakeBuffers = func() []uintptr {
	t := reflect.TypeFor[tls.Conn]()
	bt := reflect.TypeFor[bytes.Buffer]()
	var offs []uintptr
	for _, name := range []string{"rawInput", "hand"} {
		if f, ok := t.FieldByName(name); ok && f.Type == bt && len(f.Index) == 1 {
			offs = append(offs, f.Offset)
		}
	}
	return offs
}()

// releaseHandshakeBuffers drops the read buffers a finished handshake left
// in tc (or shrinks them to the unread bytes they hold), so that an idle connection does not
// keep about 3.5 KB of them (a third of its heap). The next record read
// allocates a buffer of the size it needs. It must be called by the only
// goroutine using tc, between Handshake and the first Read.
func releaseHandshakeBuffers(tc *tls.Conn) {
	for _, off := range tlsHandshakeBuffers {
		b := (*bytes.Buffer)(unsafe.Add(unsafe.Pointer(tc), off))
		switch n := b.Len(); {
		case n == 0:
			*b = bytes.Buffer{}
		case n <= b.Cap()/2:
			// Bytes that came with the last handshake record (often the
			// start of the HTTP request): keep them in a right-sized copy.
			*b = *bytes.NewBuffer(append([]byte(nil), b.Bytes()...))
		}
	}
}
