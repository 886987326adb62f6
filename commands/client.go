package commands

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
	"github.com/wsskit/wsskit/probe"
)

func clientCommand() *cli.Command {
	flags := append(append(credentialFlags(), trustFlags()...), dialFlags()...)
	flags = append(flags,
		&cli.StringSliceFlag{Name: "header", Aliases: []string{"H"}, Usage: "extra upgrade request header 'Name: value' (repeatable)"},
		&cli.StringFlag{Name: "origin", Usage: "Origin header to send"},
		&cli.StringSliceFlag{Name: "subprotocol", Usage: "WebSocket subprotocol to offer (repeatable)"},
		&cli.StringSliceFlag{Name: "send", Usage: "text message to send, each followed by reading one reply (repeatable)"},
		&cli.StringFlag{Name: "expect", Usage: "fail with exit 1 unless the reply to the last --send (or the first message) equals this"},
		&cli.BoolFlag{Name: "trace", Usage: "print every TLS record, like openssl s_client -msg"},
		&cli.StringFlag{Name: "keylog", Usage: "append the NSS key log to this file, for Wireshark (default: $SSLKEYLOGFILE)", TakesFile: true},
		timeoutFlag("time limit of each stage"),
		configFlag(),
		jsonFlag(),
	)
	return &cli.Command{
		Name:      "client",
		Aliases:   []string{"s_client"},
		Category:  catProbe,
		Usage:     "connect to a ws:// or wss:// URL and explain every stage, or why it failed [s_client]",
		UsageText: "wsskit client URL [--cert F --key F | --pfx F] [--capath D | --cafile F | --insecure] [--send MSG]... [--expect MSG] [--trace] [--json]",
		Description: example(
			"wsskit client wss://127.0.0.1:8443/echo --cafile pki/ca.pem --cert pki/client.pem --key pki/client.key",
			"wsskit client wss://127.0.0.1:8443/echo --cafile pki/ca.pem --pfx pki/client.pfx --send ping --expect ping",
			"wsskit client wss://localhost:8443/echo --insecure --trace     # what does the handshake look like?",
		) + `

Stages: resolve, tcp, tls, http (the upgrade), ws. On failure it prints the
stage, the raw error (and TLS alert), the cause in one sentence and the fix;
--json prints the whole report with a "failure" object (stage, raw, alert,
cause_id, cause, fix). Without --send and on a terminal it is interactive:
each line typed is sent, replies are printed; Ctrl-D closes.`,
		Flags:  flags,
		Action: clientAction,
	}
}

// tlsVersionOf reads "1.0" .. "1.3", also written "1", "tls1.2", "TLSv1.2"
// or "TLS 1.2"; ok is false for anything else.
func tlsVersionOf(s string) (v uint16, ok bool) {
	t := strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "tlsv"), "tls")
	switch strings.TrimSpace(t) {
	case "1.0", "1":
		return tls.VersionTLS10, true
	case "1.1":
		return tls.VersionTLS11, true
	case "1.2":
		return tls.VersionTLS12, true
	case "1.3":
		return tls.VersionTLS13, true
	}
	return 0, false
}

// parseTLSVersion reads --min-tls/--max-tls ("" means the default, 0).
func parseTLSVersion(flag, s string) (uint16, error) {
	if s == "" {
		return 0, nil
	}
	if v, ok := tlsVersionOf(s); ok {
		return v, nil
	}
	return 0, usageErr("--%s %q: want 1.0, 1.1, 1.2 or 1.3", flag, s)
}

// tlsVersionRange reads --min-tls and --max-tls together. Go offers and
// accepts TLS 1.2 and 1.3 unless told otherwise, so --max-tls 1.0 or 1.1
// alone would leave no version at all: the user asked for an old peer's
// versions, so the range then starts at TLS 1.0 (as openssl's
// -max_protocol does). A minimum above the maximum is a usage error.
func tlsVersionRange(c *cli.Context) (min, max uint16, err error) {
	if min, err = parseTLSVersion("min-tls", c.String("min-tls")); err != nil {
		return 0, 0, err
	}
	if max, err = parseTLSVersion("max-tls", c.String("max-tls")); err != nil {
		return 0, 0, err
	}
	if min == 0 && max != 0 && max < tls.VersionTLS12 {
		min = tls.VersionTLS10
	}
	if min != 0 && max != 0 && min > max {
		return 0, 0, usageErr("--min-tls %s is above --max-tls %s", versionFlagName(min), versionFlagName(max))
	}
	return min, max, nil
}

// openKeyLog opens --keylog, or $SSLKEYLOGFILE when the flag is absent.
func openKeyLog(c *cli.Context) (io.WriteCloser, string, error) {
	path := c.String("keylog")
	if path == "" {
		path = os.Getenv("SSLKEYLOGFILE")
	}
	if path == "" {
		return nil, "", nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, "", inputErr(path, err)
	}
	return f, path, nil
}

func clientOptions(e *Env, c *cli.Context) (probe.Options, io.Closer, error) {
	var o probe.Options
	url, err := e.dialURL(c)
	if err != nil {
		return o, nil, err
	}
	o.URL = url
	creds, err := e.loadCredentials(c)
	if err != nil {
		return o, nil, err
	}
	if creds != nil {
		o.Certificates = []tls.Certificate{creds.Certificate}
	}
	trust, err := e.loadTrust(c)
	if err != nil {
		return o, nil, err
	}
	if trust != nil {
		o.RootCAs, o.RootsDescription = trust.Pool, trust.Description
		o.Verify = opensslVerifier(trust, e.Now)
	}
	o.Insecure = c.Bool("insecure")
	o.ServerName = c.String("servername")
	if o.MinVersion, o.MaxVersion, err = tlsVersionRange(c); err != nil {
		return o, nil, err
	}
	o.Headers = http.Header{}
	for _, h := range c.StringSlice("header") {
		k, v, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return o, nil, usageErr("--header %q: want 'Name: value'", h)
		}
		o.Headers.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	o.Origin = c.String("origin")
	o.Subprotocols = c.StringSlice("subprotocol")
	for _, m := range c.StringSlice("send") {
		o.Send = append(o.Send, probe.Text(m))
	}
	if c.IsSet("expect") {
		x := c.String("expect")
		o.Expect = &x
	}
	o.Timeout = c.Duration("timeout")
	if o.Timeout <= 0 {
		return o, nil, usageErr("--timeout must be positive")
	}
	o.Trace = c.Bool("trace")
	o.Now = e.Now
	kl, _, err := openKeyLog(c)
	if err != nil {
		return o, nil, err
	}
	if kl != nil {
		o.KeyLog = kl
	}
	return o, kl, nil
}

func clientAction(c *cli.Context) error {
	e := envOf(c)
	o, kl, err := clientOptions(e, c)
	if err != nil {
		return err
	}
	if kl != nil {
		defer kl.Close()
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt)
	defer stop()
	r := &clientRenderer{e: e, w: e.Stdout}
	if o.Trace && !e.JSON {
		o.OnTrace = func(ev probe.TraceEvent) { r.trace(ev) }
	}
	interactive := len(o.Send) == 0 && o.Expect == nil && !e.JSON && isTerminal(e.Stdin)
	var rep *probe.Report
	if interactive {
		rep, err = runInteractive(ctx, e, o, r)
	} else {
		rep, err = probe.Run(ctx, o)
	}
	if rep == nil {
		return usageErr("%v", err)
	}
	if e.JSON {
		if jerr := e.writeJSON(rep); jerr != nil {
			return jerr
		}
	} else {
		r.report(rep)
	}
	var fe *probe.FailureError
	if errors.As(err, &fe) {
		return silentExit(fe.Failure.ExitCode)
	}
	return err
}

// runInteractive dials, then sends each stdin line and prints replies until
// stdin ends or the server closes.
func runInteractive(ctx context.Context, e *Env, o probe.Options, r *clientRenderer) (*probe.Report, error) {
	s, rep, err := probe.Dial(ctx, o)
	if err != nil {
		return rep, err
	}
	r.report(rep) // the stages so far
	r.printed = true
	fmt.Fprintln(e.Stderr, "connected: type a line to send it, Ctrl-D to close")
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	recvErr := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			m, err := s.Receive(ctx)
			if err != nil {
				recvErr <- err
				return
			}
			r.message("<", m)
		}
	}()
	lines := make(chan string)
	go func() { // ends when stdin ends; the process exits after a Ctrl-D anyway
		sc := bufio.NewScanner(e.Stdin)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var sendErr error
loop:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				break loop
			}
			if sendErr = s.Send(ctx, probe.Text(l)); sendErr != nil {
				break loop
			}
		case err := <-recvErr:
			recvErr <- err
			break loop
		case <-ctx.Done():
			break loop
		}
	}
	closeErr := s.Close(1000, "")
	cancel()
	wg.Wait()
	rerr := <-recvErr
	var fe *probe.FailureError
	switch {
	case sendErr != nil:
		return s.Report(), sendErr
	case errors.As(rerr, &fe) && fe.Failure.CauseID != probe.CauseWSNoReply:
		return s.Report(), rerr // the server ended it badly
	}
	return s.Report(), closeErr
}

// clientRenderer prints a report as staged text.
type clientRenderer struct {
	e       *Env
	w       io.Writer
	mu      sync.Mutex
	printed bool // the stages up to ws were already printed (interactive)
}

func (r *clientRenderer) trace(ev probe.TraceEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	dim := r.e.paint(r.w, colorDim)
	fmt.Fprintf(r.w, "%s %s\n", dim("trace"), ev.String())
}

func (r *clientRenderer) message(dir string, m probe.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	typ := "text"
	if m.Binary {
		typ = "binary"
	}
	data := string(m.Data)
	if m.Binary {
		data = fmt.Sprintf("%q", m.Data)
	}
	fmt.Fprintf(r.w, "%s %s %d bytes: %s\n", dir, typ, len(m.Data), data)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// report prints the stages, then the failure if any.
func (r *clientRenderer) report(rep *probe.Report) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.w
	bold, green, red, yellow := r.e.paint(w, colorBold), r.e.paint(w, colorGreen), r.e.paint(w, colorRed), r.e.paint(w, colorYellow)
	stageLine := func(s probe.Stage, text string) {
		for _, st := range rep.Stages {
			if st.Stage != s {
				continue
			}
			verdict := green("OK")
			if !st.OK {
				verdict = red("FAILED")
			}
			fmt.Fprintf(w, "%s %-8s %s  (%s)\n", verdict, bold(string(s)), text, ms(st.Duration))
			return
		}
	}
	if !r.printed {
		if rep.Resolve != nil {
			what := strings.Join(rep.Resolve.Addrs, ", ")
			if rep.Resolve.Literal {
				what += " (IP literal, nothing to resolve)"
			}
			stageLine(probe.StageResolve, rep.Host+" → "+what)
		} else {
			stageLine(probe.StageResolve, rep.Host)
		}
		if rep.TCP != nil {
			stageLine(probe.StageTCP, rep.TCP.Local+" → "+rep.TCP.Remote)
		} else {
			stageLine(probe.StageTCP, rep.Host+":"+rep.Port)
		}
		if rep.TLS != nil {
			r.tls(rep, stageLine, yellow, red, green)
		}
		if rep.HTTP != nil {
			text := "GET " + rep.Path
			if rep.HTTP.Status != "" {
				text += " → " + rep.HTTP.Status
			}
			stageLine(probe.StageHTTP, text)
			if rep.TLS != nil && rep.TLS.RejectedAfterHandshake {
				fmt.Fprintf(w, "           the server refused us after the TLS 1.3 handshake had completed: its alert arrived at our first read\n")
			}
			if r.e.Verbose || (rep.HTTP.StatusCode != 0 && rep.HTTP.StatusCode != 101) {
				for _, l := range rep.HTTP.Request {
					fmt.Fprintf(w, "           > %s\n", l)
				}
				for _, l := range rep.HTTP.Headers {
					fmt.Fprintf(w, "           < %s\n", l)
				}
			}
			if rep.HTTP.Body != "" {
				fmt.Fprintf(w, "           < body: %q\n", cut(rep.HTTP.Body, 300))
			}
			if rep.HTTP.FirstBytes != "" {
				fmt.Fprintf(w, "           < first bytes: %s\n", rep.HTTP.FirstBytes)
			}
		}
	}
	if rep.WS != nil {
		if !r.printed {
			fmt.Fprintf(w, "%s %-8s subprotocol %s, extensions %s\n", green("OK"), bold("ws"), orNone(rep.WS.Subprotocol), orNone(rep.WS.Extensions))
		}
		for _, m := range rep.WS.Messages {
			arrow, lat := ">", ""
			if m.Dir == "received" {
				arrow = "<"
				if m.Latency > 0 {
					lat = " after " + ms(m.Latency)
				}
			}
			if !r.printed {
				fmt.Fprintf(w, "           %s %s %d bytes%s: %s\n", arrow, m.Type, m.Size, lat, cut(m.Data, 200))
			}
		}
		if cl := rep.WS.Close; cl != nil {
			clean := "clean"
			if !cl.Clean {
				clean = "not answered"
			}
			reason := ""
			if cl.Reason != "" {
				reason = fmt.Sprintf(" %q", cl.Reason)
			}
			fmt.Fprintf(w, "           close %d%s by %s (%s)\n", cl.Code, reason, cl.By, clean)
		}
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "%s %s\n", yellow("note:"), n.Text)
	}
	if f := rep.Failure; f != nil {
		fmt.Fprintf(w, "\n%s at the %s stage: %s\n", red("FAILED"), f.Stage, f.Raw)
		if f.Alert != nil {
			fmt.Fprintf(w, "  alert:  %s\n", f.Alert)
		}
		fmt.Fprintf(w, "  cause:  %s [%s]\n", f.Cause, f.CauseID)
		fmt.Fprintf(w, "  fix:    %s\n", f.Fix)
	}
}

func (r *clientRenderer) tls(rep *probe.Report, stageLine func(probe.Stage, string), yellow, red, green func(string) string) {
	w, t := r.w, rep.TLS
	text := "handshake"
	if t.Version != "" {
		text = t.Version
		if t.CipherSuite != "" {
			text += ", " + t.CipherSuite
		}
		if t.Group != "" {
			text += ", " + t.Group
		}
		if t.ALPN != "" {
			text += ", ALPN " + t.ALPN
		}
	}
	stageLine(probe.StageTLS, text)
	fmt.Fprintf(w, "           offered: TLS %s; SNI %s; ALPN %s\n", strings.Join(t.Offered.Versions, ", "), t.Offered.SNI, strings.Join(t.Offered.ALPN, ", "))
	if r.e.Verbose {
		fmt.Fprintf(w, "           cipher suites: %s\n", strings.Join(t.Offered.CipherSuites, ", "))
	}
	for i, c := range t.ServerChain {
		fmt.Fprintf(w, "           server [%d] %s, issuer %s\n", i, c.Subject, c.Issuer)
		if i == 0 || r.e.Verbose {
			fmt.Fprintf(w, "               SANs %s; valid %s to %s; %s\n", orNone(strings.Join(c.SANs, ", ")), c.NotBefore.Format(time.RFC3339), c.NotAfter.Format(time.RFC3339), c.Key)
		}
	}
	if v := t.Verification; v != nil {
		if v.OK {
			fmt.Fprintf(w, "           verification: %s against %s\n", green("OK"), v.Roots)
		} else {
			fmt.Fprintf(w, "           verification: %s against %s: %s\n", red("FAILED"), v.Roots, v.Error)
			for _, l := range v.OpenSSL {
				fmt.Fprintf(w, "               openssl: %s\n", l)
			}
			for _, p := range v.Problems {
				fmt.Fprintf(w, "               - %s\n", p)
			}
		}
	}
	ca := t.ClientAuth
	switch {
	case ca.Requested:
		fmt.Fprintf(w, "           client certificate requested; acceptable CAs: %s\n", orNone(quoteJoin(ca.AcceptableCAs)))
		if ca.Sent != nil {
			listed := ""
			if ca.IssuerListed != nil && *ca.IssuerListed {
				listed = " (its issuer is listed)"
			} else if ca.IssuerListed != nil {
				listed = yellow(" (its issuer is NOT listed; sent anyway)")
			}
			fmt.Fprintf(w, "           sent %q issued by %q%s\n", ca.Sent.Subject, ca.Sent.Issuer, listed)
			for _, p := range ca.Problems {
				fmt.Fprintf(w, "               - %s\n", p)
			}
		} else {
			fmt.Fprintf(w, "           sent no certificate (none configured: --cert/--key or --pfx)\n")
		}
	case ca.Configured && t.Version != "":
		fmt.Fprintf(w, "           client certificate not requested by the server\n")
	}
}

func quoteJoin(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// opensslVerifier plugs pki's OpenSSL-compatible verifier into the probe, so
// the report gives the server chain's verdict with OpenSSL's error numbers
// and depths (what an OpenSSL-based client such as websocketpp would say)
// next to Go's. It needs explicit trust: pki.Verify does not read system
// stores.
func opensslVerifier(t *Trust, now func() time.Time) probe.VerifyFunc {
	return func(chain []*x509.Certificate, host string) []probe.VerifyError {
		if len(chain) == 0 {
			return nil
		}
		opts := pki.VerifyOptions{Roots: t.Certs, Untrusted: chain[1:], Purpose: "sslserver", At: now(), MaxDepth: -1}
		if t.CAPath != "" {
			opts.CAPath = pki.OpenHashDir(t.CAPath)
		}
		if ip := net.ParseIP(host); ip != nil {
			opts.IP = ip
		} else {
			opts.Host = host
		}
		var out []probe.VerifyError
		for _, ve := range pki.Verify(chain[0], opts).Errors {
			out = append(out, probe.VerifyError{Code: ve.Code, Depth: ve.Depth, Text: ve.Text})
		}
		return out
	}
}
