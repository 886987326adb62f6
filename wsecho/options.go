package wsecho

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Kind is what a service does with the messages it receives.
type Kind int

// The service kinds.
const (
	// Echo sends every message back to its sender, with the same type.
	Echo Kind = iota + 1
	// Broadcast sends every message, and every line read from
	// Options.Stdin, to every client connected to the same path.
	Broadcast
	// Info sends the connection's report (TLS, client certificate, request
	// headers) as a JSON text message on connect and in reply to every
	// message.
	Info
)

// String returns the kind's name as written in flags and config files.
func (k Kind) String() string {
	switch k {
	case Echo:
		return "echo"
	case Broadcast:
		return "broadcast"
	case Info:
		return "info"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) {
	if _, err := ParseKind(k.String()); err != nil {
		return nil, err
	}
	return []byte(k.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// ErrUnknownKind is returned by ParseKind for a name that is not a service
// kind.
var ErrUnknownKind = errors.New("wsecho: unknown service kind")

// ParseKind parses "echo", "broadcast" or "info" (case-insensitive).
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "echo":
		return Echo, nil
	case "broadcast":
		return Broadcast, nil
	case "info":
		return Info, nil
	}
	return 0, fmt.Errorf("%w %q (want echo, broadcast or info)", ErrUnknownKind, s)
}

// DefaultServices are served when Options.Services is empty.
func DefaultServices() map[string]Kind {
	return map[string]Kind{"/echo": Echo, "/broadcast": Broadcast, "/info": Info}
}

// Defaults used when the matching Options field is zero.
const (
	DefaultAddr              = "127.0.0.1:8080"
	DefaultReadLimit         = 1 << 20
	DefaultPingInterval      = 30 * time.Second
	DefaultPongWait          = 60 * time.Second // must be more than DefaultPingInterval
	DefaultWriteTimeout      = 10 * time.Second
	DefaultSendQueue         = 256
	DefaultHandshakeTimeout  = 10 * time.Second
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultCloseGrace is how long a side that sent a close frame waits
	// for the peer's close frame before dropping the TCP connection.
	DefaultCloseGrace = 2 * time.Second
)

// reservedPrefix holds the test page's assets; no service may live under it.
const reservedPrefix = "/_wsecho/"

// Options configures a Server. The zero value serves plain ws:// on
// DefaultAddr with the default services.
type Options struct {
	// Addr is the TCP address Start listens on (host:port). Default
	// DefaultAddr. Serve ignores it.
	Addr string

	// TLS, when not nil, makes the server speak wss:// (and https:// for
	// the test page and /healthz on the same port). The caller builds it:
	// Certificates (or GetCertificate), ClientAuth and ClientCAs. The
	// server clones it, forces NextProtos to http/1.1 (WebSocket over
	// HTTP/2 is not served) and serves the certificates through its own
	// GetCertificate so that Reload can replace them. Nil means plain ws://.
	TLS *tls.Config

	// CRLs are checked against every verified client certificate chain: a
	// client certificate (or intermediate) listed by a CRL whose issuer
	// and signature match its issuer is refused during the handshake
	// (the client sees alert 42 bad_certificate; OpenSSL servers send 44).
	// A CRL past its NextUpdate is still used, with a warning in the log.
	CRLs []*x509.RevocationList

	// Services maps URL paths ("/hello") to what is served there. Empty
	// means DefaultServices. Paths must start with "/"; "/healthz" and
	// paths under "/_wsecho/" are reserved.
	Services map[string]Kind

	// Origins lists the Origin header values accepted on upgrades
	// (scheme://host[:port], compared case-insensitively; "*" accepts
	// any). Requests without Origin (non-browser clients) and requests
	// whose Origin host:port equals the Host header are always accepted.
	// Other requests get HTTP 403 before the upgrade.
	Origins []string

	// Subprotocols are the subprotocols the server supports, in order of
	// preference. The first one the client also offers is selected; none
	// is selected when there is no match (the connection still opens).
	Subprotocols []string

	// Compression negotiates permessage-deflate (no context takeover)
	// with clients that offer it.
	Compression bool

	// ReadLimit is the largest message accepted, in bytes, after
	// decompression. Larger messages close the connection with 1009.
	// Zero means DefaultReadLimit; negative is an error.
	ReadLimit int64

	// PingInterval is how often the server pings each client; PongWait is
	// how long it waits for any pong or message before dropping a client
	// as dead. PongWait must be more than PingInterval. Zero means the
	// defaults; a negative PingInterval turns keepalive off.
	PingInterval, PongWait time.Duration

	// WriteTimeout bounds every write to one client. Zero means
	// DefaultWriteTimeout.
	WriteTimeout time.Duration

	// SendQueue is the number of broadcast messages queued for one
	// client. A client whose queue is full is too slow: it is closed with
	// 1008 (policy violation) and never delays the others. Zero means
	// DefaultSendQueue.
	SendQueue int

	// MaxConns limits concurrent WebSocket connections; upgrades beyond it
	// get HTTP 503. Zero means no limit.
	MaxConns int

	// HandshakeTimeout bounds the TLS handshake and the WebSocket upgrade
	// response; ReadHeaderTimeout bounds reading request headers. Zero
	// means the defaults.
	HandshakeTimeout, ReadHeaderTimeout time.Duration

	// CloseGrace is how long the server waits for a client's close frame
	// after sending its own. Zero means DefaultCloseGrace.
	CloseGrace time.Duration

	// Logger receives structured logs: one line per connection event,
	// carrying the client certificate subject. Nil discards logs.
	Logger *slog.Logger

	// Stdin, when not nil, is read line by line; each line is sent as a
	// text message to every client of every Broadcast service. The
	// reading goroutine ends when Stdin returns EOF or an error; Shutdown
	// does not wait for it (an os.Stdin read cannot be interrupted).
	Stdin io.Reader
}

// ErrBadOptions is wrapped by every error New returns for invalid Options.
var ErrBadOptions = errors.New("wsecho: invalid options")

func badOption(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadOptions, fmt.Sprintf(format, args...))
}

// settings is Options after defaults and validation.
type settings struct {
	Options
	paths []string // sorted service paths
}

func (o Options) normalize() (*settings, error) {
	s := &settings{Options: o}
	if s.Addr == "" {
		s.Addr = DefaultAddr
	}
	if len(s.Services) == 0 {
		s.Services = DefaultServices()
	}
	svcs := make(map[string]Kind, len(s.Services))
	for p, k := range s.Services {
		if err := checkServicePath(p); err != nil {
			return nil, err
		}
		if k != Echo && k != Broadcast && k != Info {
			return nil, badOption("service %s has unknown kind %d", p, int(k))
		}
		svcs[p] = k
		s.paths = append(s.paths, p)
	}
	s.Services = svcs
	slices.Sort(s.paths)
	for _, o := range s.Origins {
		if o == "*" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, badOption("origin %q is not scheme://host[:port]", o)
		}
	}
	switch {
	case s.ReadLimit == 0:
		s.ReadLimit = DefaultReadLimit
	case s.ReadLimit < 0:
		return nil, badOption("read limit %d is negative", s.ReadLimit)
	}
	if s.PingInterval == 0 {
		s.PingInterval = DefaultPingInterval
	}
	if s.PongWait == 0 {
		s.PongWait = max(DefaultPongWait, 2*s.PingInterval)
	}
	if s.PingInterval > 0 && s.PongWait <= s.PingInterval {
		return nil, badOption("pong wait %v must be more than ping interval %v", s.PongWait, s.PingInterval)
	}
	if s.WriteTimeout <= 0 {
		s.WriteTimeout = DefaultWriteTimeout
	}
	switch {
	case s.SendQueue == 0:
		s.SendQueue = DefaultSendQueue
	case s.SendQueue < 0:
		return nil, badOption("send queue %d is negative", s.SendQueue)
	}
	if s.MaxConns < 0 {
		return nil, badOption("max connections %d is negative", s.MaxConns)
	}
	if s.HandshakeTimeout <= 0 {
		s.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if s.ReadHeaderTimeout <= 0 {
		s.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if s.CloseGrace <= 0 {
		s.CloseGrace = DefaultCloseGrace
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.TLS != nil && len(s.TLS.Certificates) == 0 && s.TLS.GetCertificate == nil && s.TLS.GetConfigForClient == nil {
		return nil, badOption("TLS config has no certificate")
	}
	if len(s.CRLs) > 0 && (s.TLS == nil || s.TLS.ClientAuth == tls.NoClientCert) {
		return nil, badOption("CRLs are given but client certificates are not requested")
	}
	return s, nil
}

func checkServicePath(p string) error {
	switch {
	case !strings.HasPrefix(p, "/"):
		return badOption("service path %q does not start with /", p)
	case p == "/healthz" || strings.HasPrefix(p, reservedPrefix) || p+"/" == reservedPrefix:
		return badOption("service path %q is reserved", p)
	case strings.ContainsAny(p, "?# \t\r\n"):
		return badOption("service path %q holds a query, fragment or space", p)
	}
	return nil
}

// isLoopbackHost reports whether host (no port) names the local machine.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
