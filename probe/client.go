package probe

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// DefaultTimeout is the per-stage time limit when Options.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Message is a WebSocket message to send or one received.
type Message struct {
	Binary bool
	Data   []byte
}

// Text returns a text message.
func Text(s string) Message { return Message{Data: []byte(s)} }

// Options configure a probe. Loading files is the caller's job: the probe
// takes parsed certificates and pools.
type Options struct {
	// URL is the ws:// or wss:// URL to dial.
	URL string
	// Certificates are client certificate chains with their keys. When the
	// server asks for a certificate the probe always sends one of them (the
	// first whose issuer the server lists, else the first), even when its
	// issuer is not listed, and says so; Go, Java and Chromium would send
	// none in that case.
	Certificates []tls.Certificate
	// RootCAs are the CAs trusted for the server's chain; nil means the
	// system roots. RootsDescription names them in reports ("--cafile ca.pem").
	RootCAs          *x509.CertPool
	RootsDescription string
	// Insecure goes on when the server's chain does not verify; the verdict
	// is still computed and reported.
	Insecure bool
	// ServerName overrides the SNI and the name verified (default: the host).
	ServerName string
	// MinVersion and MaxVersion bound the TLS versions offered (0: Go's
	// defaults, TLS 1.2 to 1.3).
	MinVersion, MaxVersion uint16
	// CipherSuites restricts the TLS 1.2 suites offered (nil: Go's default).
	CipherSuites []uint16
	// Headers are extra headers for the upgrade request.
	Headers http.Header
	// Origin, when set, is sent as the Origin header.
	Origin string
	// Subprotocols are offered in Sec-WebSocket-Protocol.
	Subprotocols []string
	// Send are the messages Run sends, each followed by reading one reply.
	Send []Message
	// Expect, when set, must equal the reply to the last message sent (or,
	// with nothing to send, the first message received).
	Expect *string
	// Timeout bounds every stage (and every wait for a reply); zero means
	// DefaultTimeout.
	Timeout time.Duration
	// Trace keeps the TLS record trace in the report; OnTrace, when set, is
	// also called with each record as it crosses.
	Trace   bool
	OnTrace func(TraceEvent)
	// KeyLog, when set, receives the NSS key log (SSLKEYLOGFILE format).
	KeyLog io.Writer
	// Verify, when set, produces the OpenSSL error lines for the server's
	// chain (e.g. from pki's OpenSSL-compatible verifier).
	Verify VerifyFunc
	// Now is the clock used for certificate checks (default time.Now).
	Now func() time.Time
	// Resolver resolves host names (nil: net.DefaultResolver).
	Resolver *net.Resolver
}

func (o *Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return DefaultTimeout
	}
	return o.Timeout
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// ErrBadURL is returned (wrapped) for a URL that cannot be dialled.
var ErrBadURL = errors.New("probe: bad URL")

// Run dials o.URL, sends o.Send, checks o.Expect and closes. It always
// returns a report; on failure the error is a *FailureError and the report's
// Failure says the same. Errors in the options are returned as plain errors
// wrapping ErrBadURL with a nil report.
func Run(ctx context.Context, o Options) (*Report, error) {
	s, rep, err := Dial(ctx, o)
	if err != nil {
		return rep, err
	}
	err = s.script(ctx, o)
	if cerr := s.Close(websocket.CloseNormalClosure, ""); cerr != nil && err == nil {
		err = cerr
	}
	return s.Report(), err
}

// Dial runs the stages up to an open WebSocket and returns the Session. The
// report is always returned (nil only with an options error); on failure
// the error is a *FailureError.
func Dial(ctx context.Context, o Options) (*Session, *Report, error) {
	p, err := newProber(o)
	if err != nil {
		return nil, nil, err
	}
	return p.dial(ctx)
}

// prober holds the state of one probe while it runs.
type prober struct {
	o      Options
	u      *url.URL
	rep    *Report
	facts  Facts
	tracer *Tracer
	secure bool
	sni    string // name used for SNI and verification

	mu           sync.Mutex // guards the fields the TLS callbacks fill
	certRequest  *tls.CertificateRequestInfo
	sentCert     *tls.Certificate
	check        clientCheck
	verification *Verification
	verifyErr    error // the error our VerifyConnection returned
	peerChain    []*x509.Certificate

	capture *captureConn
}

func newProber(o Options) (*prober, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrBadURL, o.URL, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http", "https":
		// Accept them as users paste them; dial as ws/wss.
		u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	default:
		return nil, fmt.Errorf("%w %q: scheme must be ws:// or wss://", ErrBadURL, o.URL)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%w %q: no host", ErrBadURL, o.URL)
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "wss" {
			port = "443"
		}
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	p := &prober{o: o, u: u, secure: u.Scheme == "wss", tracer: NewTracer(true)}
	p.tracer.onEvent = o.OnTrace
	p.sni = o.ServerName
	if p.sni == "" {
		p.sni = u.Hostname()
	}
	p.rep = &Report{URL: u.String(), Scheme: u.Scheme, Host: u.Hostname(), Port: port, Path: path}
	p.facts = Facts{Side: "client", URL: u.String(), Host: u.Hostname(), Port: port, Path: path,
		Timeout: o.timeout(), Roots: o.RootsDescription, Origin: o.Origin}
	if p.facts.Roots == "" && o.RootCAs == nil {
		p.facts.Roots = "the system roots"
	}
	return p, nil
}

// fail records the failure in the report and returns the error.
func (p *prober) fail(f *Failure, err error) error {
	p.rep.Failure = f
	if p.o.Trace {
		p.rep.Trace = p.tracer.Events()
	}
	return &FailureError{Failure: f, Err: err}
}

func (p *prober) stageCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, p.o.timeout())
}

func (p *prober) dial(ctx context.Context) (*Session, *Report, error) {
	host := p.u.Hostname()
	// resolve
	start := time.Now()
	var addrs []string
	if ip := net.ParseIP(host); ip != nil {
		addrs = []string{ip.String()}
		p.rep.Resolve = &ResolveInfo{Literal: true, Addrs: addrs}
		p.rep.stage(StageResolve, start, nil)
	} else {
		rctx, cancel := p.stageCtx(ctx)
		r := p.o.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		ips, err := r.LookupIPAddr(rctx, host)
		cancel()
		p.rep.stage(StageResolve, start, err)
		if err != nil {
			return nil, p.rep, p.fail(p.classifyNetwork(StageResolve, err), err)
		}
		for _, ip := range ips {
			addrs = append(addrs, ip.IP.String())
		}
		p.rep.Resolve = &ResolveInfo{Addrs: addrs}
	}

	// tcp: try each address in turn within the stage's time limit.
	start = time.Now()
	tctx, cancel := p.stageCtx(ctx)
	var conn net.Conn
	var err error
	for _, a := range addrs {
		var d net.Dialer
		conn, err = d.DialContext(tctx, "tcp", net.JoinHostPort(a, p.rep.Port))
		if err == nil || tctx.Err() != nil {
			break
		}
	}
	cancel()
	p.rep.stage(StageTCP, start, err)
	if err != nil {
		return nil, p.rep, p.fail(p.classifyNetwork(StageTCP, err), err)
	}
	p.rep.TCP = &TCPInfo{Local: conn.LocalAddr().String(), Remote: conn.RemoteAddr().String()}

	var wire net.Conn = p.tracer.Wrap(conn)
	if p.secure {
		tconn, err := p.handshake(ctx, wire)
		if err != nil {
			conn.Close()
			return nil, p.rep, err
		}
		wire = tconn
	}
	return p.upgrade(ctx, wire)
}

// tlsConfig builds the client configuration. Verification is done by the
// probe itself in VerifyConnection so that it runs, and is reported, even
// with Insecure.
func (p *prober) tlsConfig() *tls.Config {
	return &tls.Config{
		ServerName:         p.sni,
		InsecureSkipVerify: true, // verified in VerifyConnection below
		MinVersion:         p.o.MinVersion,
		MaxVersion:         p.o.MaxVersion,
		CipherSuites:       p.o.CipherSuites,
		// Never h2: a server choosing it would garble the upgrade's error
		// (OPENSSL-COMPAT.md §6).
		NextProtos:   []string{"http/1.1"},
		KeyLogWriter: p.o.KeyLog,
		GetClientCertificate: func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.certRequest = cri
			if len(p.o.Certificates) == 0 {
				return &tls.Certificate{}, nil
			}
			chosen := &p.o.Certificates[0]
			for i := range p.o.Certificates {
				if cri.SupportsCertificate(&p.o.Certificates[i]) == nil {
					chosen = &p.o.Certificates[i]
					break
				}
			}
			p.sentCert = chosen
			p.check = checkClientCert(chosen, cri.AcceptableCAs, p.o.now())
			return chosen, nil
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			v := verifyServer(cs.PeerCertificates, p.sni, p.o.RootCAs, p.o.now(), p.o.Verify)
			v.Roots = p.facts.Roots
			if v.Roots == "" {
				v.Roots = "the given CA pool"
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			p.verification = v
			p.peerChain = cs.PeerCertificates
			if v.err != nil && !p.o.Insecure {
				p.verifyErr = &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: v.err}
				return p.verifyErr
			}
			return nil
		},
	}
}

func (p *prober) handshake(ctx context.Context, wire net.Conn) (*tls.Conn, error) {
	cfg := p.tlsConfig()
	info := &TLSInfo{Offered: offer(cfg, p.u.Hostname())}
	p.rep.TLS = info
	p.facts.OfferedVersions = info.Offered.Versions
	p.facts.OfferedCiphers = info.Offered.CipherSuites
	if net.ParseIP(p.sni) == nil {
		p.facts.ServerName = p.sni
	}

	start := time.Now()
	hctx, cancel := p.stageCtx(ctx)
	defer cancel()
	if dl, ok := hctx.Deadline(); ok {
		_ = wire.SetDeadline(dl) // a deadline on a fresh TCP conn cannot fail in a way that matters here
	}
	tconn := tls.Client(wire, cfg)
	err := tconn.HandshakeContext(hctx)
	p.rep.stage(StageTLS, start, err)
	p.fillTLS(tconn, err == nil)
	if err != nil {
		if v, ok := p.legacyVersion(ctx, cfg, err); ok {
			p.facts.ServerVersions = []string{strings.TrimPrefix(VersionName(v), "TLS ")}
			p.facts.VersionsProbed = true
		}
		return nil, p.fail(p.classifyTLS(err, false), err)
	}
	_ = wire.SetDeadline(time.Time{})
	return tconn, nil
}

// offer describes what the configuration offers.
func offer(cfg *tls.Config, host string) TLSOffer {
	o := TLSOffer{ALPN: cfg.NextProtos}
	lo, hi := cfg.MinVersion, cfg.MaxVersion
	if lo == 0 {
		lo = tls.VersionTLS12
	}
	if hi == 0 {
		hi = tls.VersionTLS13
	}
	for v := lo; v <= hi; v++ {
		o.Versions = append(o.Versions, strings.TrimPrefix(VersionName(v), "TLS "))
	}
	switch {
	case cfg.ServerName != "" && net.ParseIP(cfg.ServerName) == nil:
		o.SNI = cfg.ServerName
	case net.ParseIP(host) != nil:
		o.SNI = "none: IP literal"
	default:
		o.SNI = "none"
	}
	ids := cfg.CipherSuites
	if ids == nil {
		for _, s := range tls.CipherSuites() {
			ids = append(ids, s.ID)
		}
	}
	if hi >= tls.VersionTLS13 {
		o.CipherSuites = append(o.CipherSuites, "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")
	}
	if lo <= tls.VersionTLS12 {
		for _, id := range ids {
			s := tls.CipherSuiteName(id)
			if strings.HasPrefix(s, "TLS_AES_") || strings.HasPrefix(s, "TLS_CHACHA20_") {
				continue
			}
			o.CipherSuites = append(o.CipherSuites, s)
		}
	}
	return o
}

// fillTLS copies what the handshake saw into the report and the facts.
func (p *prober) fillTLS(tconn *tls.Conn, done bool) {
	info := p.rep.TLS
	seen, ver := p.tracer.ServerHello()
	info.ServerHello = seen
	if seen {
		info.Version = VersionName(ver)
		p.facts.ServerVersions = []string{strings.TrimPrefix(VersionName(ver), "TLS ")}
	}
	if done {
		cs := tconn.ConnectionState()
		info.Version = VersionName(cs.Version)
		info.CipherSuite = tls.CipherSuiteName(cs.CipherSuite)
		if cs.CurveID != 0 {
			info.Group = cs.CurveID.String()
		}
		info.ALPN = cs.NegotiatedProtocol
		info.Resumed = cs.DidResume
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.peerChain {
		info.ServerChain = append(info.ServerChain, Describe(c))
	}
	if len(p.peerChain) > 0 {
		p.facts.ServerCert = Describe(p.peerChain[0])
		p.facts.ServerChainLen = len(p.peerChain)
	}
	v := p.verification
	if v != nil {
		info.Verification = v
		if v.err != nil {
			v.Skipped = p.o.Insecure
			f := p.facts
			p.fillServerFacts(&f, v)
			v.Cause = LookupCause(v.CauseID).Explain(f)
			if p.o.Insecure {
				p.rep.Notes = append(p.rep.Notes, Note{CauseID: v.CauseID, Text: "--insecure: the server's certificate did not verify, going on: " + v.Cause})
			}
		}
	}
	ca := &info.ClientAuth
	ca.Configured = len(p.o.Certificates) > 0
	if p.certRequest != nil {
		ca.Requested = true
		for _, der := range p.certRequest.AcceptableCAs {
			ca.AcceptableCAs = append(ca.AcceptableCAs, nameFromDER(der))
		}
		for _, s := range p.certRequest.SignatureSchemes {
			ca.SignatureSchemes = append(ca.SignatureSchemes, s.String())
		}
		p.facts.CertRequested = true
		p.facts.AcceptableCAs = ca.AcceptableCAs
	}
	if p.sentCert != nil {
		ca.Sent = Describe(leafOf(p.sentCert))
		ca.SentChain = len(p.sentCert.Certificate)
		ca.IssuerListed = p.check.issuerListed
		ca.Problems = p.check.problems
		p.facts.ClientCert = ca.Sent
		p.facts.ClientCertSent = true
		p.facts.ClientProblems = p.check.problems
		if p.check.issuerListed != nil && !*p.check.issuerListed {
			f := p.facts
			p.rep.Notes = append(p.rep.Notes, Note{CauseID: CauseClientCertNotOfferedWrong,
				Text: "we sent the configured certificate anyway: " + LookupCause(CauseClientCertNotOfferedWrong).Explain(f)})
		}
	} else if ca.Configured && !ca.Requested && done {
		p.rep.Notes = append(p.rep.Notes, Note{Text: "a client certificate was configured but the server did not ask for one, so none was sent"})
	}
}

func (p *prober) fillServerFacts(f *Facts, v *Verification) {
	if v.badCert != nil {
		f.BadCert = Describe(v.badCert)
		f.BadDepth = v.badDepth
	}
	f.VerifyError = v.Error
	if len(v.OpenSSL) > 0 {
		f.OpenSSL = v.OpenSSL[0].String()
	}
	if f.Roots == "" {
		f.Roots = v.Roots
	}
}

// upgrade runs the http stage over wire (TLS or plain) with gorilla's
// dialer, which is handed the connection already made.
func (p *prober) upgrade(ctx context.Context, wire net.Conn) (*Session, *Report, error) {
	p.capture = &captureConn{Conn: wire}
	d := websocket.Dialer{
		NetDialContext: func(context.Context, string, string) (net.Conn, error) { return p.capture, nil },
		NetDialTLSContext: func(context.Context, string, string) (net.Conn, error) {
			return p.capture, nil
		},
		Subprotocols: p.o.Subprotocols,
		Proxy:        nil,
	}
	h := http.Header{}
	for k, v := range p.o.Headers {
		h[k] = append([]string(nil), v...)
	}
	if p.o.Origin != "" {
		h.Set("Origin", p.o.Origin)
	}
	start := time.Now()
	hctx, cancel := p.stageCtx(ctx)
	defer cancel()
	dialURL := *p.u
	conn, resp, err := d.DialContext(hctx, dialURL.String(), h)
	p.rep.stage(StageHTTP, start, err)
	p.fillHTTP(resp)
	if err != nil {
		wire.Close()
		return nil, p.rep, p.fail(p.classifyHTTP(ctx, err, resp), err)
	}
	p.rep.WS = &WSInfo{Subprotocol: conn.Subprotocol(), Extensions: resp.Header.Get("Sec-WebSocket-Extensions")}
	return newSession(p, conn), p.rep, nil
}

func (p *prober) fillHTTP(resp *http.Response) {
	hi := &HTTPInfo{Request: requestLines(p.capture.written())}
	p.rep.HTTP = hi
	if resp == nil {
		if b := p.capture.readBytes(); len(b) > 0 {
			hi.FirstBytes = quoteStart(b, 64)
		}
		return
	}
	hi.Status = strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)))
	hi.Status = strconv.Itoa(resp.StatusCode) + " " + orDefault(hi.Status, http.StatusText(resp.StatusCode))
	hi.StatusCode = resp.StatusCode
	hi.Headers = headerLines(resp.Header)
	if resp.StatusCode != http.StatusSwitchingProtocols && resp.Body != nil {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024)) // gorilla already holds these bytes in memory
		hi.Body = string(b)
	}
	p.facts.HTTPStatus = hi.Status
}

// requestLines splits the request head written on the wire into lines.
func requestLines(b []byte) []string {
	head, _, _ := bytes.Cut(b, []byte("\r\n\r\n"))
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(head))
	for sc.Scan() && len(lines) < 100 {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	return lines
}

func headerLines(h http.Header) []string {
	var lines []string
	for k, vs := range h {
		for _, v := range vs {
			lines = append(lines, k+": "+v)
		}
	}
	sortStrings(lines)
	return lines
}

// captureConn keeps the first bytes written and read during the upgrade.
type captureConn struct {
	net.Conn
	mu     sync.Mutex
	w, r   []byte
	frozen bool
}

const captureMax = 8 << 10

func (c *captureConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	if !c.frozen && len(c.r) < captureMax {
		c.r = append(c.r, b[:min(n, captureMax-len(c.r))]...)
	}
	c.mu.Unlock()
	return n, err
}

func (c *captureConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	if !c.frozen && len(c.w) < captureMax {
		c.w = append(c.w, b[:min(len(b), captureMax-len(c.w))]...)
	}
	c.mu.Unlock()
	return c.Conn.Write(b)
}

func (c *captureConn) written() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.w...)
}

func (c *captureConn) readBytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.r...)
}

// freeze stops capturing once the upgrade is over.
func (c *captureConn) freeze() {
	c.mu.Lock()
	c.frozen = true
	c.w, c.r = nil, nil
	c.mu.Unlock()
}
