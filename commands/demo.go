package commands

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
	"github.com/wsskit/wsskit/probe"
	"github.com/wsskit/wsskit/wsecho"
)

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:      "demo",
		Category:  catOther,
		Usage:     "the whole story on loopback in about a second: test PKI, mTLS echo server, a good and a refused client",
		UsageText: "wsskit demo [--dir D] [--keep] [--force]",
		Description: `Makes a test PKI, starts a wss:// echo server on 127.0.0.1 that requires a client
certificate (path /hello, trust from the hashed CA folder), probes it once with
client.pfx (the full staged report) and once without a certificate (the server's
refusal, with cause and fix), prints the wsskit commands that do each step by
hand, and shuts the server down. Exit 0 only if both probes behaved as expected.

` + example(
			"wsskit demo                 # in a temporary folder, removed afterwards",
			"wsskit demo --dir demo-pki  # keep the PKI to play with",
		),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Usage: "make the PKI here and keep it (default: a temporary folder, removed afterwards)", TakesFile: true},
			&cli.BoolFlag{Name: "keep", Usage: "keep the temporary folder and print its name"},
			forceFlag(),
		},
		Action: demoAction,
	}
}

// demoLog collects the echo server's log lines so the demo can show what
// the server saw (the refusal is explained on both sides).
type demoLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *demoLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// record returns the first JSON log record whose cause_id is id, or nil.
func (l *demoLog) record(id string) map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range strings.Split(l.buf.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["cause_id"] == id {
			return rec
		}
	}
	return nil
}

func demoAction(c *cli.Context) error {
	e := envOf(c)
	if err := noArgs(c); err != nil {
		return err
	}
	dir := c.String("dir")
	if dir == "" {
		tmp, err := os.MkdirTemp("", "wsskit-demo-")
		if err != nil {
			return err
		}
		if c.Bool("keep") {
			defer e.Notef("kept %s", tmp)
		} else {
			defer os.RemoveAll(tmp)
		}
		dir = tmp
	}
	bold, green, red := e.paint(e.Stdout, colorBold), e.paint(e.Stdout, colorGreen), e.paint(e.Stdout, colorRed)
	start := time.Now()
	p := func(name string) string { return filepath.Join(dir, name) }

	// 1. The test PKI, written exactly as `wsskit pki init` writes it.
	fmt.Fprintf(e.Stdout, "%s\n", bold("1. a test PKI (wsskit pki init --dir "+dir+")"))
	pk, err := pki.InitPKI(pki.InitOptions{IPs: []net.IP{net.IPv4(127, 0, 0, 1).To4(), net.IPv6loopback}, DNS: []string{"localhost"}, Clients: 1})
	if err != nil {
		return err
	}
	files, _, err := pkiFiles(dir, pk, []byte(defaultPFXPass), pki.PFXCompat)
	if err != nil {
		return err
	}
	if _, err := mkdirs(p("ca")); err != nil {
		return err
	}
	var stale []string
	if c.Bool("force") {
		stale = staleCALinks(p("ca"), files)
	}
	if err := writeFiles(c.Bool("force"), files...); err != nil {
		return err
	}
	for _, s := range stale {
		os.Remove(s)
	}
	fmt.Fprintf(e.Stdout, "   CA %q; server certificate for %s; client certificate %q;\n   PFX files (pass phrase %q) and the hashed CA folder ca/\n\n",
		pk.CA.Cert.Subject.String(), pki.SANsOf(pk.Server.Cert), pk.Clients[0].Cert.Subject.String(), defaultPFXPass)

	// 2. The mTLS echo server, trusting only the CA folder, loaded from
	// the files just written (so the demo proves the files, not memory).
	passin := "pass:" + defaultPFXPass
	srvBundle, err := e.loadBundle(p("server.pfx"), passin)
	if err != nil {
		return err
	}
	srvCert, err := pki.KeyPair(srvBundle.Certs, srvBundle.Keys)
	if err != nil {
		return inputErr(p("server.pfx"), err)
	}
	caCerts, err := pki.CAPathCerts(p("ca"))
	if err != nil {
		return inputErr(p("ca"), err)
	}
	pool := pki.CertPool(caCerts)
	slogs := &demoLog{}
	srv, err := wsecho.New(wsecho.Options{
		Addr:     "127.0.0.1:0",
		TLS:      &tls.Config{Certificates: []tls.Certificate{srvCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool, MinVersion: tls.VersionTLS12},
		Services: map[string]wsecho.Kind{"/hello": wsecho.Echo},
		Logger:   slog.New(slog.NewJSONHandler(slogs, nil)),
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Context, 30*time.Second)
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		return withCode(ExitNetwork, err)
	}
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx) // the demo's result is already decided; a slow close changes nothing
	}()
	url := "wss://" + srv.Addr().String() + "/hello"
	fmt.Fprintf(e.Stdout, "%s\n   %s, client certificate required, trust: %s\n\n", bold("2. an mTLS echo server (wsskit echo)"), url, p("ca"))

	// 3. A probe with the client certificate: the full staged report.
	cliBundle, err := e.loadBundle(p("client.pfx"), passin)
	if err != nil {
		return err
	}
	cliCert, err := pki.KeyPair(cliBundle.Certs, cliBundle.Keys)
	if err != nil {
		return inputErr(p("client.pfx"), err)
	}
	trust := &Trust{Pool: pool, CAPath: p("ca"), Description: "CA folder " + p("ca")}
	expect := "hello"
	base := probe.Options{URL: url, RootCAs: pool, RootsDescription: trust.Description, Timeout: 5 * time.Second,
		Verify: opensslVerifier(trust, e.Now)}
	good := base
	good.Certificates = []tls.Certificate{cliCert}
	good.Send = []probe.Message{probe.Text("hello")}
	good.Expect = &expect
	fmt.Fprintf(e.Stdout, "%s\n", bold("3. a client with client.pfx (wsskit client)"))
	r := &clientRenderer{e: e, w: e.Stdout}
	rep, err := probe.Run(ctx, good)
	if rep != nil {
		r.report(rep)
	}
	goodOK := err == nil
	if goodOK {
		fmt.Fprintf(e.Stdout, "   %s the server accepted the client certificate and echoed the message\n\n", green("OK"))
	} else {
		fmt.Fprintf(e.Stdout, "   %s %v\n\n", red("UNEXPECTED"), err)
	}

	// 4. A probe without one: refused, and explained on both sides.
	fmt.Fprintf(e.Stdout, "%s\n", bold("4. a client without a certificate"))
	bad := base
	bad.Send = []probe.Message{probe.Text("hello")}
	rep, err = probe.Run(ctx, bad)
	if rep != nil {
		r.report(rep)
	}
	var fe *probe.FailureError
	badOK := errors.As(err, &fe) && fe.Failure.CauseID == probe.CauseClientCertRequired
	if badOK {
		fmt.Fprintf(e.Stdout, "   %s refused as expected (cause_id %s)\n", green("OK"), fe.Failure.CauseID)
	} else {
		fmt.Fprintf(e.Stdout, "   %s want the client_cert_required refusal, got: %v\n", red("UNEXPECTED"), err)
	}
	// The server's log line for the refused handshake says the same from
	// its side; it may land a moment after the client saw the alert.
	var rec map[string]any
	for i := 0; i < 50 && rec == nil; i++ {
		if rec = slogs.record(probe.CauseClientCertRequired); rec == nil {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if rec != nil {
		fmt.Fprintf(e.Stdout, "   the server logged: %v: %v\n", rec["msg"], rec["error"])
		fmt.Fprintf(e.Stdout, "     cause: %v\n", cut(fmt.Sprint(rec["cause"]), 300))
	}

	// 5. The same by hand.
	fmt.Fprintf(e.Stdout, "\n%s\n", bold("5. the same by hand"))
	for _, l := range []string{
		"wsskit pki init --dir pki",
		"wsskit echo --listen 127.0.0.1:8443 --pfx pki/server.pfx --passin pass:changeit --client-auth require --capath pki/ca --service /hello=echo",
		"wsskit client wss://127.0.0.1:8443/hello --pfx pki/client.pfx --passin pass:changeit --capath pki/ca --send hello --expect hello",
		"wsskit client wss://127.0.0.1:8443/hello --capath pki/ca --send hello     # refused: no client certificate",
		"wsskit verify --capath pki/ca --purpose sslclient pki/client.pem          # what an OpenSSL server will say",
		"wsskit bridge --listen 127.0.0.1:9000 --to wss://127.0.0.1:8443/hello --pfx pki/client.pfx --passin pass:changeit --capath pki/ca",
	} {
		fmt.Fprintf(e.Stdout, "   %s\n", l)
	}
	fmt.Fprintf(e.Stdout, "\ndone in %s\n", time.Since(start).Round(time.Millisecond))
	if !goodOK || !badOK {
		return withCode(ExitCheckFailed, errors.New("demo: a probe did not behave as expected"))
	}
	return nil
}
