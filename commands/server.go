package commands

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/probe"
)

func serverCommand() *cli.Command {
	flags := append(append(credentialFlags(), trustFlags()...), listenVersionFlags()...)
	flags = append(flags,
		crlFlag(),
		&cli.StringFlag{Name: "listen", Value: "127.0.0.1:8443", Usage: "address to listen on"},
		&cli.StringFlag{Name: "client-auth", Value: "none", Usage: "client certificates: none, request or require (verified against --capath/--cafile)"},
		&cli.StringFlag{Name: "ciphers", Usage: "TLS 1.2 cipher suites to allow, IANA names comma-separated (imitate a legacy peer)"},
		&cli.BoolFlag{Name: "trace", Usage: "log every TLS record, like openssl s_server -msg"},
		&cli.StringFlag{Name: "keylog", Usage: "append the NSS key log to this file (default: $SSLKEYLOGFILE)", TakesFile: true},
		&cli.DurationFlag{Name: "duration", Usage: "stop after this long (default: run until Ctrl-C)"},
		timeoutFlag("time limit for each connection's handshake and request"),
		configFlag(),
		jsonFlag(),
	)
	return &cli.Command{
		Name:      "server",
		Aliases:   []string{"s_server"},
		Category:  catProbe,
		Usage:     "a diagnostic wss:// server that logs every ClientHello, client certificate and alert, and echoes [s_server]",
		UsageText: "wsskit server [--listen ADDR] [--cert F --key F | --pfx F] [--client-auth none|request|require] [--capath D | --cafile F] [--trace] [--json]",
		Description: example(
			"wsskit server --cert pki/server.pem --key pki/server.key --client-auth require --cafile pki/ca.pem",
			"wsskit server --pfx pki/server.pfx --passin env:PFX_PASS --max-tls 1.2 --ciphers TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
			"wsskit server --listen 127.0.0.1:8080          # plain ws:// and http://",
		) + `

It answers a WebSocket upgrade by echoing every message, a plain HTTP(S)
request with a text report of that connection (TLS version, what the client
offered, its certificate), and logs the bytes of anything else. Each failed
handshake is explained from the server's side (cause_id, cause, fix);
--json prints one JSON object per event.`,
		Flags:  flags,
		Action: serverAction,
	}
}

func serverOptions(e *Env, c *cli.Context) (probe.ServerOptions, func(), error) {
	var o probe.ServerOptions
	done := func() {}
	if err := noArgs(c); err != nil {
		return o, done, err
	}
	cfg, err := e.listenConfig(c)
	if err != nil {
		return o, done, err
	}
	o.Listen = c.String("listen")
	creds, err := e.loadCredentials(c)
	if err != nil {
		return o, done, err
	}
	if err := cfg.checkListenScheme(creds != nil); err != nil {
		return o, done, err
	}
	if creds != nil {
		o.Certificates = []tls.Certificate{creds.Certificate}
	}
	trust, err := e.loadTrust(c)
	if err != nil {
		return o, done, err
	}
	if trust != nil {
		o.ClientCAs, o.CRLs = trust.Pool, trust.CRLs
	} else if len(c.StringSlice("crl")) > 0 {
		return o, done, usageErr("flag --crl requires --capath or --cafile")
	}
	if o.ClientAuth, err = clientAuthType(c.String("client-auth"), trust != nil); err != nil {
		return o, done, err
	}
	if o.ClientAuth != tls.NoClientCert && creds == nil {
		return o, done, usageErr("flag --client-auth %s requires --cert/--key or --pfx", c.String("client-auth"))
	}
	if o.ClientAuth == tls.RequireAnyClientCert {
		e.Warnf("--client-auth require without --capath/--cafile accepts any client certificate without verifying it")
	}
	if o.MinVersion, o.MaxVersion, err = tlsVersionRange(c); err != nil {
		return o, done, err
	}
	if s := c.String("ciphers"); s != "" {
		if o.CipherSuites, err = parseCiphers(s); err != nil {
			return o, done, err
		}
	}
	if creds != nil {
		o.CipherSuites = e.listenSuites(o.MinVersion, o.CipherSuites)
	}
	o.Trace = c.Bool("trace")
	o.Timeout = c.Duration("timeout")
	kl, _, err := openKeyLog(c)
	if err != nil {
		return o, done, err
	}
	if kl != nil {
		o.KeyLog = kl
		done = func() { kl.Close() }
	}
	return o, done, nil
}

// parseCiphers reads IANA cipher suite names (as Go and `openssl ciphers
// -stdname` print them).
func parseCiphers(s string) ([]uint16, error) {
	known := map[string]uint16{}
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		known[cs.Name] = cs.ID
	}
	var ids []uint16
	for _, name := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ':' || r == ' ' }) {
		id, ok := known[strings.ToUpper(name)]
		if !ok {
			return nil, usageErr("--ciphers: unknown or unsupported cipher suite %q (use IANA names such as TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)", name)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func serverAction(c *cli.Context) error {
	e := envOf(c)
	o, done, err := serverOptions(e, c)
	defer done()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt)
	defer stop()
	if d := c.Duration("duration"); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	var mu sync.Mutex
	o.OnEvent = func(ev probe.ServerEvent) {
		mu.Lock()
		defer mu.Unlock()
		renderServerEvent(e, ev)
	}
	s, err := probe.NewServer(o)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := s.Start(ctx); err != nil {
		return withCode(ExitNetwork, err)
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(sctx); err != nil {
		return withCode(ExitNetwork, err)
	}
	return nil
}

// renderServerEvent prints one event: a JSON line, or a text line with the
// failure's cause and fix under it.
func renderServerEvent(e *Env, ev probe.ServerEvent) {
	if e.JSON {
		b, err := json.Marshal(ev)
		if err == nil {
			fmt.Fprintln(e.Stdout, string(b))
		}
		return
	}
	w := e.Stdout
	dim, red, green := e.paint(w, colorDim), e.paint(w, colorRed), e.paint(w, colorGreen)
	conn := "      "
	if ev.Conn > 0 {
		conn = fmt.Sprintf("#%-5d", ev.Conn)
	}
	kind := ev.Kind
	switch ev.Kind {
	case "handshake", "ws_open":
		kind = green(kind)
	case "handshake_failed", "plain_http_on_tls", "tls_on_plain":
		kind = red(kind)
	}
	fmt.Fprintf(w, "%s %s %s %s\n", dim(ev.Time.Format("15:04:05.000")), conn, kind, ev.Text)
	if f := ev.Failure; f != nil {
		if f.Alert != nil {
			fmt.Fprintf(w, "                     alert: %s\n", f.Alert)
		}
		fmt.Fprintf(w, "                     cause: %s [%s]\n", f.Cause, f.CauseID)
		fmt.Fprintf(w, "                     fix:   %s\n", f.Fix)
	}
	if e.Verbose && ev.Hello != nil {
		fmt.Fprintf(w, "                     cipher suites: %s\n", strings.Join(ev.Hello.CipherSuites, ", "))
		fmt.Fprintf(w, "                     signature schemes: %s\n", strings.Join(ev.Hello.SignatureSchemes, ", "))
	}
	if ev.Bytes != "" {
		for _, l := range strings.Split(strings.TrimRight(ev.Bytes, "\n"), "\n") {
			fmt.Fprintf(w, "                     %s\n", l)
		}
	}
}
