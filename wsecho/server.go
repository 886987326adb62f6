package wsecho

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsskit/wsskit/probe"
)

// Errors returned by Server methods.
var (
	// ErrNoTLS is returned by Reload and SetCRLs on a plain ws:// server.
	ErrNoTLS = errors.New("wsecho: server does not use TLS")
	// ErrServerClosed is returned by Serve and Start after Shutdown.
	ErrServerClosed = errors.New("wsecho: server closed")
	// ErrAlreadyServing is returned by Serve and Start when the server
	// already serves a listener.
	ErrAlreadyServing = errors.New("wsecho: server already serving")
)

// Server is the echo/broadcast/info WebSocket server. It serves, on one
// port, the WebSocket services, the embedded test page at "/" and
// "/healthz". Create it with New, run it with Start or Serve, stop it with
// Shutdown. Its methods are safe for concurrent use.
type Server struct {
	set      *settings
	log      *slog.Logger
	tlsCfg   *tls.Config // nil for plain ws://
	upgrader websocket.Upgrader
	http     *http.Server
	services map[string]*service

	certs       atomic.Pointer[[]tls.Certificate]
	userGetCert func(*tls.ClientHelloInfo) (*tls.Certificate, error)
	userGetCfg  func(*tls.ClientHelloInfo) (*tls.Config, error)
	userVerify  func(tls.ConnectionState) error
	crls        atomic.Pointer[crlIndex]
	// acceptableCAs are the subjects of ClientCAs, the names the server
	// sends in CertificateRequest (Java and Chromium offer only
	// certificates issued by one of them).
	acceptableCAs []string

	nextID atomic.Uint64
	// lifecycle counts the serve loop, handshakes, handlers, writers and
	// closers; its mu guards the fields below too.
	lifecycle

	quit     chan struct{} // closed by Shutdown
	clients  map[*client]struct{}
	stdinRun bool
	// pendingUpgrades counts admitted upgrades not yet in clients, for
	// MaxConns.
	pendingUpgrades int
}

// New validates opts and returns a Server ready to Start or Serve.
func New(opts Options) (*Server, error) {
	set, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	s := &Server{
		set:      set,
		log:      set.Logger,
		services: make(map[string]*service, len(set.Services)),
		clients:  make(map[*client]struct{}),
		quit:     make(chan struct{}),
	}
	for p, k := range set.Services {
		s.services[p] = &service{path: p, kind: k, clients: make(map[*client]struct{})}
	}
	if set.TLS != nil {
		if err := s.setupTLS(set.TLS); err != nil {
			return nil, err
		}
		if err := s.SetCRLs(set.CRLs); err != nil {
			return nil, err
		}
	}
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout:  set.HandshakeTimeout,
		Subprotocols:      set.Subprotocols,
		EnableCompression: set.Compression,
		CheckOrigin:       s.checkOrigin,
		// Idle connections stay small: write buffers come from a pool
		// while a message is written, and a 1 KiB read buffer replaces
		// net/http's 4 KiB one (payloads larger than it are read
		// straight into the message buffer, bypassing it).
		WriteBufferPool: &writePool,
		ReadBufferSize:  readBufferSize,
		Error:           s.upgradeError,
	}
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: set.ReadHeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ConnContext:       connContext,
		// HTTP/2 is never negotiated: ALPN offers http/1.1 only and
		// TLSNextProto is non-nil and empty.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	return s, nil
}

var writePool sync.Pool

// readBufferSize is each connection's read buffer; gorilla needs at least
// room for a control frame (2+4+125 bytes).
const readBufferSize = 1024

func (s *Server) setupTLS(base *tls.Config) error {
	cfg := base.Clone()
	if len(cfg.Certificates) > 0 {
		if err := s.Reload(cfg.Certificates...); err != nil {
			return err
		}
	}
	s.userGetCert = cfg.GetCertificate
	s.userGetCfg = cfg.GetConfigForClient
	s.userVerify = cfg.VerifyConnection
	s.acceptableCAs = probe.AcceptableCANames(cfg.ClientCAs)
	cfg.Certificates = nil
	cfg.GetCertificate = s.getCertificate
	cfg.GetConfigForClient = s.getConfigForClient
	cfg.VerifyConnection = s.verifyConnection
	// WebSocket needs HTTP/1.1 (RFC 6455); browsers use a separate
	// HTTP/1.1 connection for wss:// anyway.
	cfg.NextProtos = []string{"http/1.1"}
	s.tlsCfg = cfg
	return nil
}

// Reload replaces the server certificate(s): handshakes that start after it
// returns use them, connections already open stay up. When several are
// given, each handshake uses the first one the client supports. It is what
// SIGHUP does in the echo command.
func (s *Server) Reload(certs ...tls.Certificate) error {
	if s.set.TLS == nil {
		return ErrNoTLS
	}
	if len(certs) == 0 {
		return fmt.Errorf("wsecho: reload: no certificate given")
	}
	cs := make([]tls.Certificate, len(certs))
	for i, c := range certs {
		if len(c.Certificate) == 0 || c.PrivateKey == nil {
			return fmt.Errorf("wsecho: reload: certificate %d has no certificate or no key", i)
		}
		if c.Leaf == nil {
			leaf, err := x509.ParseCertificate(c.Certificate[0])
			if err != nil {
				return fmt.Errorf("wsecho: reload: parsing certificate %d: %w", i, err)
			}
			c.Leaf = leaf
		}
		signer, ok := c.PrivateKey.(crypto.Signer)
		if !ok {
			return fmt.Errorf("wsecho: reload: key of certificate %d (%T) cannot sign", i, c.PrivateKey)
		}
		pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !pub.Equal(c.Leaf.PublicKey) {
			return fmt.Errorf("wsecho: reload: key of certificate %d does not match certificate %s", i, c.Leaf.Subject)
		}
		cs[i] = c
	}
	old := s.certs.Swap(&cs)
	if old != nil {
		s.log.Info("server certificate reloaded", "subject", cs[0].Leaf.Subject.String(),
			"not_after", cs[0].Leaf.NotAfter.UTC().Format(time.RFC3339), "serial", fmt.Sprintf("%X", cs[0].Leaf.SerialNumber))
	}
	return nil
}

func (s *Server) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	p := s.certs.Load()
	if p == nil || len(*p) == 0 {
		if s.userGetCert != nil {
			return s.userGetCert(hello)
		}
		return nil, errors.New("wsecho: no server certificate")
	}
	certs := *p
	for i := range certs {
		if hello.SupportsCertificate(&certs[i]) == nil {
			return &certs[i], nil
		}
	}
	// None fits: let the handshake fail on the first one, with crypto/tls's
	// own error (e.g. no common signature algorithm).
	return &certs[0], nil
}

func (s *Server) getConfigForClient(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	if ci, ok := hello.Conn.(*conn); ok {
		ci.hello = keepHello(hello)
	}
	if s.userGetCfg != nil {
		return s.userGetCfg(hello)
	}
	return nil, nil
}

func (s *Server) verifyConnection(cs tls.ConnectionState) error {
	if idx := s.crls.Load(); idx != nil {
		if err := idx.check(cs.VerifiedChains); err != nil {
			return err
		}
	}
	if s.userVerify != nil {
		return s.userVerify(cs)
	}
	return nil
}

// SetCRLs replaces the CRLs checked against client certificates (see
// Options.CRLs). Handshakes that start after it returns use the new list.
func (s *Server) SetCRLs(crls []*x509.RevocationList) error {
	if s.set.TLS == nil {
		if len(crls) == 0 {
			return nil
		}
		return ErrNoTLS
	}
	idx := newCRLIndex(crls)
	now := time.Now()
	for _, c := range crls {
		if !c.NextUpdate.IsZero() && now.After(c.NextUpdate) {
			s.log.Warn("CRL is past its next update; still using it", "issuer", c.Issuer.String(),
				"next_update", c.NextUpdate.UTC().Format(time.RFC3339))
		}
	}
	s.crls.Store(idx)
	return nil
}

// Start listens on Options.Addr and serves in the background. ctx bounds
// only the listen call; stop the server with Shutdown.
func (s *Server) Start(ctx context.Context) error {
	return s.start(ctx, s.set.Addr, "", s.log, s.claim, s.serve)
}

// Serve serves connections accepted on ln until Shutdown, then returns
// ErrServerClosed. It takes ownership of ln.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.claim(ln, false); err != nil {
		return err
	}
	return s.serve(ln)
}

// claim marks the server as serving ln (with track, counting the serving
// goroutine the caller is about to start) and starts the memory releaser
// and the stdin reader.
func (s *Server) claim(ln net.Listener, track bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.claimLocked(ln, track); err != nil {
		return err
	}
	s.wg.Add(1)
	go s.releaseAfterBursts(s.quit)
	if s.set.Stdin != nil && !s.stdinRun {
		s.stdinRun = true
		go s.readStdin(s.set.Stdin)
	}
	return nil
}

func (s *Server) serve(ln net.Listener) error {
	scheme := "ws"
	var l net.Listener = &plainListener{Listener: ln, s: s}
	if s.tlsCfg != nil {
		scheme = "wss"
		tl := newTLSListener(ln, s)
		l = tl
	}
	s.log.Info("listening", "addr", ln.Addr().String(), "scheme", scheme, "services", s.serviceList(),
		"client_auth", clientAuthName(s.tlsCfg))
	err := s.http.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return ErrServerClosed
	}
	if err != nil {
		return fmt.Errorf("wsecho: serving %s: %w", ln.Addr(), err)
	}
	return nil
}

// URL returns the base URL of the server (ws://host:port or wss://host:port)
// or "" before Start or Serve.
func (s *Server) URL() string {
	a := s.Addr()
	if a == nil {
		return ""
	}
	if s.tlsCfg != nil {
		return "wss://" + a.String()
	}
	return "ws://" + a.String()
}

// Shutdown stops the server gracefully: it stops accepting, sends close
// 1001 (going away) to every WebSocket client, waits for their close frames
// (at most CloseGrace) and for every handler to return. When ctx ends first,
// the remaining connections are dropped and ctx's error is returned after
// all goroutines are gone.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	already := s.closing
	s.closing = true
	if !already {
		close(s.quit)
	}
	goAway := make([]func(), 0, len(s.clients))
	for c := range s.clients {
		goAway = append(goAway, func() { c.closeWith(websocket.CloseGoingAway, "server shutting down") })
	}
	s.mu.Unlock()
	if !already {
		s.log.Info("shutting down", "clients", len(goAway))
	}
	return s.drain(ctx, s.http, "", goAway, func() {
		for c := range s.clients {
			c.ws.NetConn().Close()
		}
	})
}

func clientAuthName(cfg *tls.Config) string {
	if cfg == nil {
		return "none"
	}
	switch cfg.ClientAuth {
	case tls.NoClientCert:
		return "none"
	case tls.RequestClientCert, tls.VerifyClientCertIfGiven:
		return "request"
	case tls.RequireAnyClientCert, tls.RequireAndVerifyClientCert:
		return "require"
	}
	return cfg.ClientAuth.String()
}
