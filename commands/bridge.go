package commands

import (
	"crypto/tls"
	"net"
	"net/url"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/wsskit/wsskit/wsecho"
)

func bridgeCommand() *cli.Command {
	flags := []cli.Flag{
		configFlag(),
		&cli.StringFlag{Name: "listen", Value: wsecho.DefaultBridgeListen, Usage: "local ws:// address (HOST:PORT); keep it on loopback: anyone reaching it uses your certificate"},
		&cli.StringFlag{Name: "to", Usage: "upstream wss://HOST:PORT[/path][?query] (a config's url sets it)"},
	}
	flags = append(flags, credentialFlags()...)
	flags = append(flags, trustFlags()...)
	flags = append(flags, dialFlags()...)
	flags = append(flags,
		&cli.StringSliceFlag{Name: "origin", Usage: "extra browser Origin allowed locally, scheme://host[:port] or * (repeatable; loopback origins always are)"},
		&cli.BoolFlag{Name: "forward-origin", Usage: "send the local client's Origin header upstream"},
		timeoutFlag("time limit for each stage of an upstream connection"),
		&cli.DurationFlag{Name: "duration", Usage: "stop after this long (default: run until Ctrl-C or SIGTERM)"},
		&cli.BoolFlag{Name: "json", Usage: "log as JSON lines instead of text"},
	)
	return &cli.Command{
		Name:      "bridge",
		Category:  catProbe,
		Usage:     "a local ws:// endpoint relaying to a wss:// server with your client certificate (for browser JavaScript)",
		UsageText: "wsskit bridge --listen 127.0.0.1:PORT --to wss://HOST:PORT[/path] [--cert F --key F | --pfx F] [--passin SRC] [--capath D | --cafile F] [--config F]",
		Description: example(
			"wsskit bridge --to wss://127.0.0.1:8443/echo --pfx pki/client.pfx --passin env:PFX_PASS --cafile pki/ca.pem",
			"wsskit bridge --listen 127.0.0.1:9000 --to wss://api.test:443/ws --cert client.pem --key client.key --capath pki/ca",
			"wsskit bridge --config client-wss.yaml --listen 127.0.0.1:8081",
		) + `

Browser JavaScript cannot present a client certificate on a WebSocket. Point
it at ws://127.0.0.1:PORT/ instead: each connection is relayed to --to with
the certificate; the path (a local "/" means --to's path), query,
subprotocols and headers are forwarded, messages and close codes relayed
both ways. When the upstream fails the local client gets close 1011 with
the cause id as reason, and the log explains it with the cause and fix.
Local connections whose Origin is not loopback (or --origin) get 403, so no
web site you visit can use your certificate. "/" serves the test page.`,
		Flags:  flags,
		Action: bridgeAction,
	}
}

func bridgeOptions(e *Env, c *cli.Context) (wsecho.BridgeOptions, error) {
	var o wsecho.BridgeOptions
	if err := noArgs(c); err != nil {
		return o, err
	}
	cfg, err := e.loadConfigFlag(c)
	if err != nil {
		return o, err
	}
	if cfg != nil {
		if err := cfg.applyBridge(c); err != nil {
			return o, err
		}
	}
	o.Listen, o.To = c.String("listen"), c.String("to")
	if o.To == "" {
		return o, usageErr("flag --to is required: the wss://HOST:PORT[/path] to relay to")
	}
	u, err := url.Parse(o.To)
	if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" {
		return o, usageErr("--to %q: want wss://HOST:PORT[/path]", o.To)
	}
	host, _, err := net.SplitHostPort(o.Listen)
	if err != nil {
		return o, usageErr("--listen %q: want HOST:PORT: %v", o.Listen, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		e.Warnf("--listen %s is not a loopback address: anyone who reaches it connects to %s with your client certificate", o.Listen, o.To)
	}
	creds, err := e.loadCredentials(c)
	if err != nil {
		return o, err
	}
	if creds != nil {
		if u.Scheme != "wss" {
			return o, usageErr("--to %s is ws://: a client certificate needs wss://", o.To)
		}
		o.Certificates = []tls.Certificate{creds.Certificate}
	} else {
		e.Notef("note: no client certificate (--cert/--key or --pfx): the bridge connects upstream without one")
	}
	trust, err := e.loadTrust(c)
	if err != nil {
		return o, err
	}
	if trust != nil {
		o.RootCAs, o.RootsDescription = trust.Pool, trust.Description
	}
	o.ServerName, o.Insecure = c.String("servername"), c.Bool("insecure")
	if o.Insecure {
		e.Warnf("--insecure: the upstream's certificate is not verified (the verdict is still logged)")
	}
	if o.MinVersion, o.MaxVersion, err = tlsVersionRange(c); err != nil {
		return o, err
	}
	o.Origins = c.StringSlice("origin")
	o.ForwardOrigin = c.Bool("forward-origin")
	o.Timeout = c.Duration("timeout")
	return o, nil
}

// applyBridge copies the config into the bridge's flags unless given: url
// → --to (the upstream), listen → --listen, tls → credentials and trust.
func (cfg *Config) applyBridge(c *cli.Context) error {
	if len(cfg.Services) > 0 {
		return usageErr("%s: services: is for the echo server, not bridge", cfg.At("services"))
	}
	if cfg.TLS != nil && cfg.TLS.ClientAuth != "" {
		return usageErr("%s: tls.client_auth is for servers; the bridge is a client", cfg.At("tls.client_auth"))
	}
	if cfg.URL != nil {
		if err := setFromConfig(c, "to", cfg.URL.String()); err != nil {
			return err
		}
	}
	if cfg.Listen != "" {
		if err := setFromConfig(c, "listen", cfg.Listen); err != nil {
			return err
		}
	}
	return cfg.applyTLS(c)
}

func bridgeAction(c *cli.Context) error {
	e := envOf(c)
	o, err := bridgeOptions(e, c)
	if err != nil {
		return err
	}
	o.Logger = serverLogger(c, e.Stdout)
	b, err := wsecho.NewBridge(o)
	if err != nil {
		return usageErr("%v", err)
	}
	sigs := make(chan os.Signal, 4)
	stopSignals := notifySignals(sigs)
	defer stopSignals()
	if err := b.Start(c.Context); err != nil {
		return withCode(ExitNetwork, err)
	}
	e.Notef("wsskit bridge: %s/ relays to %s (test page http://%s/)", b.URL(), o.To, b.Addr())
	waitForStop(c, sigs, nil) // nothing to reload on SIGHUP
	return gracefulShutdown(sigs, "the bridge", b.Shutdown)
}
