package probe

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"
)

// TraceEvent is one TLS record seen on the wire, like a line of
// `openssl s_client -msg`.
type TraceEvent struct {
	// At is the time since the traced connection was wrapped.
	At time.Duration `json:"at_ns"`
	// Dir is "sent" (written by this side) or "received".
	Dir string `json:"dir"`
	// Type is the record type: handshake, alert, change_cipher_spec,
	// application_data, heartbeat, or "not_tls" for bytes that are no TLS
	// record at all.
	Type string `json:"type"`
	// Version is the record-layer version ("TLS 1.2"; TLS 1.3 records say
	// TLS 1.2 on the wire by design).
	Version string `json:"version,omitempty"`
	// Length is the record's payload length.
	Length int `json:"length"`
	// Encrypted is true when the payload is encrypted, so its content is not
	// shown (after ChangeCipherSpec in TLS 1.2, after ServerHello in 1.3).
	Encrypted bool `json:"encrypted,omitempty"`
	// Messages are the handshake messages starting in this record, while
	// the handshake is still in plaintext.
	Messages []HandshakeMessage `json:"messages,omitempty"`
	// Alert and AlertLevel describe a plaintext alert record.
	Alert      *Alert `json:"alert,omitempty"`
	AlertLevel string `json:"alert_level,omitempty"`
	// Bytes quotes the start of data that is not TLS.
	Bytes string `json:"bytes,omitempty"`
}

// HandshakeMessage is one handshake message named in a trace.
type HandshakeMessage struct {
	// Type is the message name, e.g. "ClientHello", "CertificateRequest".
	Type string `json:"type"`
	// Length is the message body length from its header.
	Length int `json:"length"`
	// Detail holds what the tracer read from it (chosen version and cipher
	// of a ServerHello, number of certificates, ...).
	Detail string `json:"detail,omitempty"`
}

// String renders the event in the style of `openssl s_client -msg`.
func (e TraceEvent) String() string {
	arrow := "<<<"
	if e.Dir == "sent" {
		arrow = ">>>"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s %s [length %d]", arrow, orDefault(e.Version, "?"), e.Type, e.Length)
	switch {
	case e.Type == "not_tls":
		fmt.Fprintf(&b, " %s", e.Bytes)
	case e.Encrypted:
		b.WriteString(" (encrypted)")
	case e.Alert != nil:
		fmt.Fprintf(&b, " %s %s (%d)", e.AlertLevel, e.Alert.Name, e.Alert.Code)
	}
	for _, m := range e.Messages {
		fmt.Fprintf(&b, ", %s", m.Type)
		if m.Detail != "" {
			fmt.Fprintf(&b, " (%s)", m.Detail)
		}
	}
	return b.String()
}

// maxTraceEvents bounds the memory of a long traced session.
const maxTraceEvents = 4096

// Tracer records the TLS records that cross the connections it wraps, in
// both directions. It is safe for concurrent use. A Tracer serves one
// connection.
type Tracer struct {
	mu      sync.Mutex
	start   time.Time
	events  []TraceEvent
	dropped int
	client  bool // this side is the TLS client
	dirs    [2]recordParser
	tls13   bool
	// serverHello is set once a ServerHello (not a HelloRetryRequest) was
	// seen from the server; serverVersion is the version it chose.
	serverHello   bool
	serverVersion uint16
	certRequest   bool
	// lastAlert holds the last plaintext alert per direction (0 sent, 1 received).
	lastAlert [2]*Alert
	// firstRecv holds the first bytes received, raw, for diagnosis.
	firstRecv []byte
	// onEvent, when set, is called (outside the lock) for each event.
	onEvent func(TraceEvent)
}

// NewTracer returns a tracer; client says whether this side is the TLS
// client (it decides which direction carries the ServerHello).
func NewTracer(client bool) *Tracer {
	t := &Tracer{start: time.Now(), client: client}
	t.dirs[0].sent = true
	return t
}

// Wrap returns c with every byte written and read fed to the tracer.
func (t *Tracer) Wrap(c net.Conn) net.Conn { return &tracedConn{Conn: c, t: t} }

// Events returns a copy of the events so far.
func (t *Tracer) Events() []TraceEvent {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]TraceEvent(nil), t.events...)
}

// Dropped returns how many events were not kept because of the limit.
func (t *Tracer) Dropped() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dropped
}

// ServerHello reports whether a ServerHello arrived and the version it chose.
func (t *Tracer) ServerHello() (seen bool, version uint16) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.serverHello, t.serverVersion
}

// LastAlert returns the last plaintext alert seen in one direction (sent by
// this side when sent is true), or nil. It finds alerts crypto/tls could not
// read itself, such as a TLS 1.3 peer's plaintext alert that Go tries to
// decrypt ("bad record MAC").
func (t *Tracer) LastAlert(sent bool) *Alert {
	t.mu.Lock()
	defer t.mu.Unlock()
	if sent {
		return t.lastAlert[0]
	}
	return t.lastAlert[1]
}

// receivedBytes returns the first bytes received (at most 64).
func (t *Tracer) receivedBytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]byte(nil), t.firstRecv...)
}

// Feed passes bytes to the tracer as if they crossed the connection; sent
// is true for bytes this side wrote. Wrap calls it; tests and fuzzers may
// call it directly.
func (t *Tracer) Feed(sent bool, p []byte) {
	t.mu.Lock()
	i := 1
	if sent {
		i = 0
	}
	if !sent && len(t.firstRecv) < 64 {
		t.firstRecv = append(t.firstRecv, p[:min(len(p), 64-len(t.firstRecv))]...)
	}
	start := len(t.events)
	t.dirs[i].feed(t, p)
	var fresh []TraceEvent
	if t.onEvent != nil && len(t.events) > start {
		fresh = append(fresh, t.events[start:]...)
	}
	cb := t.onEvent
	t.mu.Unlock()
	for _, e := range fresh {
		cb(e)
	}
}

func (t *Tracer) add(e TraceEvent) {
	if len(t.events) >= maxTraceEvents {
		t.dropped++
		return
	}
	e.At = time.Since(t.start)
	t.events = append(t.events, e)
}

type tracedConn struct {
	net.Conn
	t *Tracer
}

func (c *tracedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.t.Feed(false, p[:n])
	}
	return n, err
}

func (c *tracedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.t.Feed(true, p[:n])
	}
	return n, err
}

// Record and handshake limits (RFC 8446 §5.1, §5.2).
const (
	recordHeaderLen = 5
	maxRecordLen    = 16384 + 2048
	// maxKeptHandshake bounds how much of one handshake message is kept to
	// read details from; longer ones (big certificate chains) are counted,
	// not buffered.
	maxKeptHandshake = 1 << 16
)

// recordParser follows one direction of the byte stream.
type recordParser struct {
	sent    bool
	buf     []byte // incomplete record
	notTLS  bool   // the stream is not TLS: stop parsing
	ccsSeen bool   // a ChangeCipherSpec went this way (TLS 1.2: encrypted after)
	// handshake message reassembly across records
	hsHdr   []byte
	hsType  uint8
	hsLeft  int
	hsBody  []byte
	hsEvent int // event index holding the current message, -1 if none
	hsMsg   int // index of the message in that event
}

func (d *recordParser) dir() string {
	if d.sent {
		return "sent"
	}
	return "received"
}

func (d *recordParser) feed(t *Tracer, p []byte) {
	if d.notTLS {
		return
	}
	d.buf = append(d.buf, p...)
	for len(d.buf) >= recordHeaderLen {
		typ, major, minor := d.buf[0], d.buf[1], d.buf[2]
		length := int(binary.BigEndian.Uint16(d.buf[3:5]))
		if typ < 20 || typ > 24 || major != 3 || minor > 4 || length > maxRecordLen {
			t.add(TraceEvent{Dir: d.dir(), Type: "not_tls", Length: len(d.buf), Bytes: quoteStart(d.buf, 48)})
			d.notTLS = true
			d.buf = nil
			return
		}
		if len(d.buf) < recordHeaderLen+length {
			return
		}
		payload := d.buf[recordHeaderLen : recordHeaderLen+length]
		d.record(t, typ, uint16(major)<<8|uint16(minor), payload)
		d.buf = d.buf[recordHeaderLen+length:]
	}
	if len(d.buf) == 0 {
		d.buf = nil // let a long session's buffer go
	}
}

func (d *recordParser) fromServer(t *Tracer) bool { return d.sent != t.client }

func (d *recordParser) record(t *Tracer, typ uint8, version uint16, payload []byte) {
	e := TraceEvent{Dir: d.dir(), Type: recordTypeName(typ), Version: VersionName(version), Length: len(payload)}
	encrypted := (d.ccsSeen && !t.tls13) || (t.tls13 && typ == 23) || (t.tls13 && t.serverHello && typ == 22 && d.fromServer(t))
	if typ == 23 && !t.serverHello {
		encrypted = true // application data is always protected
	}
	switch {
	case typ == 20:
		if !t.tls13 {
			d.ccsSeen = true
		}
	case encrypted:
		e.Encrypted = true
	case typ == 21:
		if len(payload) == 2 {
			level := "warning"
			if payload[0] == 2 {
				level = "fatal"
			}
			e.AlertLevel = level
			e.Alert = &Alert{Name: AlertName(payload[1]), Code: payload[1], Sent: d.sent}
			a := *e.Alert
			if d.sent {
				t.lastAlert[0] = &a
			} else {
				t.lastAlert[1] = &a
			}
		}
	}
	idx := -1
	if len(t.events) < maxTraceEvents {
		idx = len(t.events)
	}
	t.add(e)
	if typ == 22 && !encrypted {
		d.handshake(t, idx, payload)
	}
}

// handshake splits plaintext handshake bytes into messages, which may span
// records. Each message is listed on the event of the record it starts in
// (events[idx]; idx < 0 when that event was dropped).
func (d *recordParser) handshake(t *Tracer, idx int, p []byte) {
	for len(p) > 0 {
		if d.hsLeft == 0 {
			need := 4 - len(d.hsHdr)
			if need > len(p) {
				need = len(p)
			}
			d.hsHdr = append(d.hsHdr, p[:need]...)
			p = p[need:]
			if len(d.hsHdr) < 4 {
				break
			}
			d.hsType = d.hsHdr[0]
			d.hsLeft = int(d.hsHdr[1])<<16 | int(d.hsHdr[2])<<8 | int(d.hsHdr[3])
			d.hsHdr = d.hsHdr[:0]
			d.hsBody = nil
			d.hsEvent, d.hsMsg = -1, -1
			if idx >= 0 {
				ev := &t.events[idx]
				ev.Messages = append(ev.Messages, HandshakeMessage{Type: handshakeName(d.hsType), Length: d.hsLeft})
				d.hsEvent, d.hsMsg = idx, len(ev.Messages)-1
			}
			if d.hsLeft == 0 {
				d.finishMessage(t)
				continue
			}
		}
		n := d.hsLeft
		if n > len(p) {
			n = len(p)
		}
		if len(d.hsBody)+n <= maxKeptHandshake {
			d.hsBody = append(d.hsBody, p[:n]...)
		}
		d.hsLeft -= n
		p = p[n:]
		if d.hsLeft == 0 {
			d.finishMessage(t)
		}
	}
}

// finishMessage reads details from a complete message.
func (d *recordParser) finishMessage(t *Tracer) {
	var scratch HandshakeMessage
	m := &scratch
	if d.hsEvent >= 0 && d.hsEvent < len(t.events) && d.hsMsg >= 0 && d.hsMsg < len(t.events[d.hsEvent].Messages) {
		m = &t.events[d.hsEvent].Messages[d.hsMsg]
	}
	body := d.hsBody
	d.hsBody = nil
	switch d.hsType {
	case 2: // ServerHello or HelloRetryRequest
		if !d.fromServer(t) {
			return
		}
		sh, ok := parseServerHello(body)
		if !ok {
			return
		}
		if sh.hrr {
			m.Type = "HelloRetryRequest"
			return
		}
		t.serverHello = true
		t.serverVersion = sh.version
		t.tls13 = sh.version == 0x0304
		m.Detail = VersionName(sh.version) + ", " + tls.CipherSuiteName(sh.cipher)
	case 1:
		if ch, ok := parseClientHelloSNI(body); ok {
			m.Detail = ch
		}
	case 11:
		if n, ok := countCertificates(body, t.tls13); ok {
			m.Detail = strconv.Itoa(n) + " certificates"
			if n == 1 {
				m.Detail = "1 certificate"
			}
		}
	case 13:
		if d.fromServer(t) {
			t.certRequest = true
		}
	}
}

// helloRetryRandom is the fixed ServerHello.random of a HelloRetryRequest
// (RFC 8446 §4.1.3).
var helloRetryRandom = []byte{
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
}

type serverHello struct {
	version uint16
	cipher  uint16
	hrr     bool
}

// parseServerHello reads the chosen version (supported_versions wins over
// legacy_version) and cipher suite.
func parseServerHello(b []byte) (serverHello, bool) {
	var sh serverHello
	if len(b) < 2+32+1 {
		return sh, false
	}
	sh.version = binary.BigEndian.Uint16(b)
	sh.hrr = bytes.Equal(b[2:34], helloRetryRandom)
	b = b[34:]
	sid := int(b[0])
	if len(b) < 1+sid+3 {
		return sh, false
	}
	b = b[1+sid:]
	sh.cipher = binary.BigEndian.Uint16(b)
	b = b[3:] // cipher suite + compression method
	if len(b) < 2 {
		return sh, true
	}
	extLen := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	if extLen < len(b) {
		b = b[:extLen]
	}
	for len(b) >= 4 {
		typ, l := binary.BigEndian.Uint16(b), int(binary.BigEndian.Uint16(b[2:]))
		b = b[4:]
		if l > len(b) {
			break
		}
		if typ == 43 && l == 2 { // supported_versions
			sh.version = binary.BigEndian.Uint16(b)
		}
		b = b[l:]
	}
	return sh, true
}

// parseClientHelloSNI returns "SNI name" or "no SNI" from a ClientHello body.
func parseClientHelloSNI(b []byte) (string, bool) {
	if len(b) < 2+32+1 {
		return "", false
	}
	b = b[34:]
	sid := int(b[0])
	if len(b) < 1+sid+2 {
		return "", false
	}
	b = b[1+sid:]
	cs := int(binary.BigEndian.Uint16(b))
	if len(b) < 2+cs+1 {
		return "", false
	}
	b = b[2+cs:]
	comp := int(b[0])
	if len(b) < 1+comp+2 {
		return "no SNI", true
	}
	b = b[1+comp:]
	extLen := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	if extLen < len(b) {
		b = b[:extLen]
	}
	for len(b) >= 4 {
		typ, l := binary.BigEndian.Uint16(b), int(binary.BigEndian.Uint16(b[2:]))
		b = b[4:]
		if l > len(b) {
			break
		}
		if typ == 0 && l >= 5 { // server_name: list len, type 0, name len, name
			ext := b[:l]
			nl := int(binary.BigEndian.Uint16(ext[3:]))
			if 5+nl <= len(ext) {
				return "SNI " + strconv.Quote(string(ext[5:5+nl])), true
			}
		}
		b = b[l:]
	}
	return "no SNI", true
}

// countCertificates counts the entries of a Certificate message.
func countCertificates(b []byte, tls13 bool) (int, bool) {
	if tls13 {
		if len(b) < 1 || len(b) < 1+int(b[0]) {
			return 0, false
		}
		b = b[1+int(b[0]):] // certificate_request_context
	}
	if len(b) < 3 {
		return 0, false
	}
	total := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
	b = b[3:]
	if total < len(b) {
		b = b[:total]
	}
	n := 0
	for len(b) >= 3 {
		l := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
		if 3+l > len(b) {
			return n, false
		}
		b = b[3+l:]
		n++
		if tls13 { // per-certificate extensions
			if len(b) < 2 {
				break
			}
			el := int(binary.BigEndian.Uint16(b))
			if 2+el > len(b) {
				return n, false
			}
			b = b[2+el:]
		}
	}
	return n, true
}

func recordTypeName(t uint8) string {
	switch t {
	case 20:
		return "change_cipher_spec"
	case 21:
		return "alert"
	case 22:
		return "handshake"
	case 23:
		return "application_data"
	case 24:
		return "heartbeat"
	}
	return "record_type_" + strconv.Itoa(int(t))
}

var handshakeNames = map[uint8]string{
	0: "HelloRequest", 1: "ClientHello", 2: "ServerHello", 3: "HelloVerifyRequest", 4: "NewSessionTicket",
	5: "EndOfEarlyData", 8: "EncryptedExtensions", 11: "Certificate", 12: "ServerKeyExchange",
	13: "CertificateRequest", 14: "ServerHelloDone", 15: "CertificateVerify", 16: "ClientKeyExchange",
	20: "Finished", 21: "CertificateURL", 22: "CertificateStatus", 24: "KeyUpdate", 25: "CompressedCertificate",
	254: "MessageHash",
}

func handshakeName(t uint8) string {
	if n, ok := handshakeNames[t]; ok {
		return n
	}
	return "handshake_type_" + strconv.Itoa(int(t))
}

// VersionName names a TLS protocol version the way wsskit writes them
// ("TLS 1.2"); unknown values are shown in hex.
func VersionName(v uint16) string {
	switch v {
	case 0x0300:
		return "SSL 3.0"
	case 0x0301:
		return "TLS 1.0"
	case 0x0302:
		return "TLS 1.1"
	case 0x0303:
		return "TLS 1.2"
	case 0x0304:
		return "TLS 1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

// quoteStart quotes at most n bytes of b as a Go string literal, marking a cut.
func quoteStart(b []byte, n int) string {
	if len(b) <= n {
		return strconv.Quote(string(b))
	}
	return strconv.Quote(string(b[:n])) + "..."
}
