package commands

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/wsskit/wsskit/wsecho"
)

// shutdownTimeout bounds a graceful stop (close 1001 to every client and
// wait for their answers); a second Ctrl-C stops at once.
const shutdownTimeout = 5 * time.Second

// notifySignals subscribes c to SIGINT, SIGTERM and SIGHUP. Tests replace
// it to deliver signals without sending real ones to the test process.
var notifySignals = func(c chan<- os.Signal) (stop func()) {
	signal.Notify(c, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	return func() { signal.Stop(c) }
}

func echoCommand() *cli.Command {
	flags := []cli.Flag{
		configFlag(),
		&cli.StringFlag{Name: "listen", Value: wsecho.DefaultAddr, Usage: "address to listen on (HOST:PORT; a config's url sets it)"},
	}
	flags = append(flags, credentialFlags()...)
	flags = append(flags, trustFlags()...)
	flags = append(flags, listenVersionFlags()...)
	flags = append(flags,
		crlFlag(),
		&cli.StringFlag{Name: "client-auth", Usage: "client certificates: none, request or require (default: require with --capath/--cafile, else none)"},
		&cli.StringSliceFlag{Name: "service", Usage: "PATH=KIND to serve, KIND one of echo, broadcast, info (repeatable; default /echo, /broadcast, /info)"},
		&cli.StringSliceFlag{Name: "origin", Usage: "allowed browser Origin, scheme://host[:port] or * (repeatable; the server's own host is always allowed)"},
		&cli.StringSliceFlag{Name: "subprotocol", Usage: "WebSocket subprotocol to accept, in order of preference (repeatable)"},
		&cli.BoolFlag{Name: "compression", Usage: "negotiate permessage-deflate with clients that offer it"},
		&cli.Int64Flag{Name: "read-limit", Value: wsecho.DefaultReadLimit, Usage: "largest message in bytes; larger ones close the connection with 1009"},
		&cli.IntFlag{Name: "max-conns", Usage: "most WebSocket connections at once (0: no limit); more get HTTP 503"},
		&cli.IntFlag{Name: "send-queue", Value: wsecho.DefaultSendQueue, Usage: "broadcast messages queued per client; a client that falls further behind is closed with 1008"},
		&cli.DurationFlag{Name: "ping-interval", Value: wsecho.DefaultPingInterval, Usage: "ping each client this often; one silent for twice as long is dropped (0: no keepalive)"},
		&cli.BoolFlag{Name: "no-stdin", Usage: "do not broadcast lines typed on stdin"},
		&cli.DurationFlag{Name: "duration", Usage: "stop after this long (default: run until Ctrl-C or SIGTERM)"},
		&cli.BoolFlag{Name: "json", Usage: "log as JSON lines instead of text"},
	)
	return &cli.Command{
		Name:      "echo",
		Category:  catProbe,
		Usage:     "run a ws:// or wss:// echo, broadcast and info server with a browser test page",
		UsageText: "wsskit echo [--listen ADDR] [--cert F --key F | --pfx F] [--passin SRC] [--client-auth none|request|require] [--capath D | --cafile F] [--crl F] [--service PATH=KIND]... [--config F]",
		Description: example(
			"wsskit echo                                             # ws://127.0.0.1:8080/echo, /broadcast, /info",
			"wsskit echo --cert pki/server.pem --key pki/server.key --capath pki/ca --client-auth require",
			"wsskit echo --pfx pki/server.pfx --passin env:PFX_PASS --listen 127.0.0.1:8443 --service /hello=echo",
			"wsskit echo --config echo-wss-mtls.yaml                 # see docs/examples",
		) + `

Services: echo sends every message back; broadcast sends every message,
and every line typed on stdin, to every client of its path; info sends the
connection's TLS version, client certificate and request headers as JSON.
"/" serves a browser test page (the ordinary HTTPS request that makes a
browser pick a client certificate for this host:port), "/healthz" a status.
Unknown paths get 404 naming the served ones.

Logs (stdout, text or --json) carry the client certificate subject on every
connection line; a failed handshake is logged with its cause, the likely
client-side reason and the fix. Ctrl-C or SIGTERM closes every client with
1001 and exits; SIGHUP reloads the certificate and CRLs from their files
without dropping connections.`,
		Flags:  flags,
		Action: echoAction,
	}
}

// echoSetup is what the echo command runs with.
type echoSetup struct {
	opts wsecho.Options
}

func echoOptions(e *Env, c *cli.Context) (*echoSetup, error) {
	if err := noArgs(c); err != nil {
		return nil, err
	}
	cfg, err := e.loadConfigFlag(c)
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		if err := cfg.applyEcho(c); err != nil {
			return nil, err
		}
	}
	set := &echoSetup{}
	o := &set.opts
	o.Addr = c.String("listen")
	if _, _, err := net.SplitHostPort(o.Addr); err != nil {
		return nil, usageErr("--listen %q: want HOST:PORT: %v", o.Addr, err)
	}
	if len(c.StringSlice("crl")) > 0 && c.String("capath") == "" && c.String("cafile") == "" {
		return nil, usageErr("flag --crl requires --capath or --cafile")
	}
	creds, err := e.loadCredentials(c)
	if err != nil {
		return nil, err
	}
	trust, err := e.loadTrust(c)
	if err != nil {
		return nil, err
	}
	if err := cfg.checkListenScheme(creds != nil); err != nil {
		return nil, err
	}
	auth := c.String("client-auth")
	if auth == "" {
		auth = "none"
		if trust != nil {
			auth = "require"
			if creds != nil {
				e.Notef("note: client certificates are required (--capath/--cafile given); --client-auth request or none changes that")
			}
		}
	}
	if creds == nil {
		switch {
		case auth != "none":
			return nil, usageErr("flag --client-auth %s requires --cert/--key or --pfx", auth)
		case trust != nil:
			return nil, usageErr("flags --capath/--cafile/--crl need a certificate (--cert/--key or --pfx): client certificates exist only over wss://")
		case c.IsSet("min-tls") || c.IsSet("max-tls"):
			return nil, usageErr("flags --min-tls/--max-tls need a certificate (--cert/--key or --pfx)")
		}
	}
	if creds != nil {
		cfgTLS := &tls.Config{Certificates: []tls.Certificate{creds.Certificate}}
		if cfgTLS.ClientAuth, err = clientAuthType(auth, trust != nil); err != nil {
			return nil, err
		}
		switch {
		case auth == "none" && trust != nil:
			e.Warnf("--client-auth none: --capath/--cafile are not used")
		case auth == "require" && trust == nil:
			e.Warnf("--client-auth require without --capath/--cafile accepts any client certificate without verifying it")
		}
		if trust != nil && auth != "none" {
			cfgTLS.ClientCAs = trust.Pool
			o.CRLs = trust.CRLs
		}
		if cfgTLS.MinVersion, cfgTLS.MaxVersion, err = tlsVersionRange(c); err != nil {
			return nil, err
		}
		cfgTLS.CipherSuites = e.listenSuites(cfgTLS.MinVersion, nil)
		o.TLS = cfgTLS
	}
	o.Services = map[string]wsecho.Kind{}
	for _, s := range c.StringSlice("service") {
		path, kindName, ok := strings.Cut(s, "=")
		kind := wsecho.Echo
		if ok {
			if kind, err = wsecho.ParseKind(kindName); err != nil {
				return nil, usageErr("--service %q: want PATH=KIND with KIND echo, broadcast or info", s)
			}
		}
		if !strings.HasPrefix(path, "/") {
			return nil, usageErr("--service %q: the path must start with / (e.g. /hello=echo)", s)
		}
		if _, dup := o.Services[path]; dup {
			return nil, usageErr("--service %q: path %s given twice", s, path)
		}
		o.Services[path] = kind
	}
	o.Origins = c.StringSlice("origin")
	o.Subprotocols = c.StringSlice("subprotocol")
	o.Compression = c.Bool("compression")
	if o.ReadLimit = c.Int64("read-limit"); o.ReadLimit <= 0 {
		return nil, usageErr("--read-limit %d: want a positive number of bytes", o.ReadLimit)
	}
	if o.MaxConns = c.Int("max-conns"); o.MaxConns < 0 {
		return nil, usageErr("--max-conns %d: want 0 (no limit) or more", o.MaxConns)
	}
	if o.SendQueue = c.Int("send-queue"); o.SendQueue <= 0 {
		return nil, usageErr("--send-queue %d: want a positive number of messages", o.SendQueue)
	}
	switch o.PingInterval = c.Duration("ping-interval"); {
	case o.PingInterval < 0:
		return nil, usageErr("--ping-interval %v: want 0 (off) or more", o.PingInterval)
	case o.PingInterval == 0:
		o.PingInterval = -1 // wsecho: negative turns keepalive off
	default:
		o.PongWait = 2 * o.PingInterval
	}
	return set, nil
}

// applyEcho copies the config into the echo command's flags, unless they
// were given: url → --listen and the service at its path, tls → credential
// and trust flags, services, origins, subprotocols, compression.
func (cfg *Config) applyEcho(c *cli.Context) error {
	if cfg.Listen != "" {
		return usageErr("%s: listen: is for bridge; the echo server listens on the url's host:port", cfg.At("listen"))
	}
	if cfg.URL != nil {
		host := cfg.URL.Host
		if cfg.URL.Port() == "" {
			return usageErr("%s: url %s has no port: the echo server listens on the url's host:port", cfg.At("url"), cfg.URL)
		}
		if err := setFromConfig(c, "listen", host); err != nil {
			return err
		}
	}
	services := cfg.serviceFlags()
	if len(services) == 0 && cfg.URL != nil && cfg.URL.Path != "" && cfg.URL.Path != "/" {
		// url: wss://host:port/hello alone serves /hello as echo.
		services = []string{cfg.URL.Path + "=echo"}
	}
	if err := setFromConfig(c, "service", services...); err != nil {
		return err
	}
	if err := setFromConfig(c, "origin", cfg.Origins...); err != nil {
		return err
	}
	if err := setFromConfig(c, "subprotocol", cfg.Subprotocols...); err != nil {
		return err
	}
	if cfg.Compression != nil {
		if err := setFromConfig(c, "compression", fmt.Sprint(*cfg.Compression)); err != nil {
			return err
		}
	}
	if cfg.TLS != nil && cfg.TLS.Insecure {
		return usageErr("%s: tls.insecure is for clients", cfg.At("tls.insecure"))
	}
	return cfg.applyTLS(c)
}

func echoAction(c *cli.Context) error {
	e := envOf(c)
	set, err := echoOptions(e, c)
	if err != nil {
		return err
	}
	set.opts.Logger = serverLogger(c, e.Stdout)
	hasBroadcast := len(set.opts.Services) == 0
	for _, k := range set.opts.Services {
		hasBroadcast = hasBroadcast || k == wsecho.Broadcast
	}
	if hasBroadcast && !c.Bool("no-stdin") && stdinUsable(e.Stdin) {
		set.opts.Stdin = e.Stdin
	}
	s, err := wsecho.New(set.opts)
	if err != nil {
		return usageErr("%v", err)
	}
	sigs := make(chan os.Signal, 4)
	stopSignals := notifySignals(sigs)
	defer stopSignals()
	if err := s.Start(c.Context); err != nil {
		return withCode(ExitNetwork, err)
	}
	base := s.URL()
	page := strings.Replace(strings.Replace(base, "wss://", "https://", 1), "ws://", "http://", 1)
	e.Notef("wsskit echo: serving %s (test page %s/)", base, page)
	if set.opts.Stdin != nil && isTerminal(e.Stdin) {
		e.Notef("lines typed here are sent to every broadcast client; Ctrl-C stops")
	}

	waitForStop(c, sigs, func() {
		if set.opts.TLS == nil {
			set.opts.Logger.Warn("SIGHUP: nothing to reload on a plain ws:// server")
			return
		}
		if err := reloadServer(e, c, s); err != nil {
			set.opts.Logger.Error("SIGHUP: reload failed; still serving the previous certificate", "error", err.Error())
		}
	})
	return gracefulShutdown(sigs, "the echo server", s.Shutdown)
}

// waitForStop returns when the command's context ends, --duration has
// passed, or a signal other than SIGHUP arrives; each SIGHUP calls hup
// (nil: ignored).
func waitForStop(c *cli.Context, sigs <-chan os.Signal, hup func()) {
	var timeout <-chan time.Time
	if d := c.Duration("duration"); d > 0 {
		timeout = time.After(d)
	}
	for {
		select {
		case <-c.Context.Done():
			return
		case <-timeout:
			return
		case sig := <-sigs:
			if sig != syscall.SIGHUP {
				return
			}
			if hup != nil {
				hup()
			}
		}
	}
}

// gracefulShutdown stops a server (close frames to every client, then wait
// for them) within shutdownTimeout; a second signal stops it at once.
func gracefulShutdown(sigs <-chan os.Signal, what string, shutdown func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := shutdown(ctx); err != nil && err != context.Canceled {
		return withCode(ExitNetwork, fmt.Errorf("stopping %s: %w", what, err))
	}
	return nil
}

// reloadServer reads --cert/--key or --pfx and the CRLs again and hands
// them to the running server.
func reloadServer(e *Env, c *cli.Context, s *wsecho.Server) error {
	creds, err := e.loadCredentials(c)
	if err != nil {
		return err
	}
	if creds == nil {
		return fmt.Errorf("no certificate given")
	}
	if err := s.Reload(creds.Certificate); err != nil {
		return err
	}
	if len(c.StringSlice("crl")) == 0 {
		return nil
	}
	trust, err := e.loadTrust(c)
	if err != nil {
		return err
	}
	var crls []*x509.RevocationList
	if trust != nil {
		crls = trust.CRLs
	}
	return s.SetCRLs(crls)
}

// serverLogger is the connection log of echo and bridge on w: slog text, or
// JSON lines with --json.
func serverLogger(c *cli.Context, w io.Writer) *slog.Logger {
	if c.Bool("json") {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// clientAuthType maps --client-auth none|request|require to crypto/tls's
// mode; with verify (a --capath/--cafile was given) a certificate that is
// sent must chain to it.
func clientAuthType(mode string, verify bool) (tls.ClientAuthType, error) {
	switch mode {
	case "none":
		return tls.NoClientCert, nil
	case "request":
		if verify {
			return tls.VerifyClientCertIfGiven, nil
		}
		return tls.RequestClientCert, nil
	case "require":
		if verify {
			return tls.RequireAndVerifyClientCert, nil
		}
		return tls.RequireAnyClientCert, nil
	}
	return 0, usageErr("--client-auth %q: want none, request or require", mode)
}
