package commands

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
	"github.com/wsskit/wsskit/probe"
)

func loadCommand() *cli.Command {
	return &cli.Command{
		Name:     "load",
		Category: catProbe,
		Usage:    "bounded WebSocket load: echo throughput and latency, TLS handshake rate, idle connections [websocket load generator]",
		UsageText: "wsskit load URL [-c N] [-n N | --duration D] [--size S] [--rate R] [--mode echo|handshake|idle]\n" +
			"                [--cert F --key F | --pfx F | --certs DIR] [--passin SRC] [--capath D | --cafile F | --insecure]\n" +
			"                [--servername N] [--min-tls V] [--max-tls V] [--timeout D] [--allow-remote] [--json]",
		Description: `Modes:
   echo        N connections, each sending a message of --size and waiting for its
               echo, again and again: messages/s, MB/s (payload echoed), latency
               p50/p90/p99/p99.9 (measured from the moment all connections are open)
   handshake   N workers running full cycles: TCP connect, TLS handshake (never
               resumed), WebSocket upgrade, one message and its echo, closing
               handshake: cycles/s, cycle and connect latency
   idle        open N connections, hold them for --duration answering pings, then
               close them cleanly (memory and keepalive testing of the server)

With --certs DIR every connection (or cycle) presents the next client certificate
of the folder (NAME.pem + NAME.key pairs, else NAME.pfx; server and CA
certificates are skipped), as 'wsskit pki init --clients N' writes them.

Failures are counted by cause_id; TLS and HTTP failures are diagnosed once more
with a probe after the run. The exit status is 0 when nothing failed, 1 when some
connections or messages failed, and the failure's own code (4 network, 5 TLS,
6 HTTP, 7 WebSocket) when no connection ever succeeded.

Limits: at most 20000 connections, 1h, 1000000 operations/s and 16 MiB messages.
Only loopback targets (127.0.0.0/8, ::1, or a name resolving only to them) unless
--allow-remote. Sizes take B, KiB/KB, MiB/MB suffixes (k and m mean KiB and MiB).

` + example(
			"wsskit load ws://127.0.0.1:8080/echo -c 50 --duration 10s --size 1KiB",
			"wsskit load wss://127.0.0.1:8443/echo --cafile pki/ca.pem --pfx pki/client.pfx --passin pass:changeit -c 4 --size 64KiB",
			"wsskit load wss://localhost:8443/echo --mode handshake --certs pki --capath pki/ca -c 8 -n 10000",
			"wsskit load wss://127.0.0.1:8443/echo --mode idle -c 5000 --duration 1m --cafile pki/ca.pem --json",
		),
		Flags: append(append(append([]cli.Flag{
			&cli.IntFlag{Name: "connections", Aliases: []string{"c"}, Value: 10, Usage: "connections (echo, idle) or concurrent workers (handshake)"},
			&cli.Int64Flag{Name: "messages", Aliases: []string{"n"}, Usage: "stop after N echoes (echo) or cycles (handshake) in total", DefaultText: "none"},
			&cli.DurationFlag{Name: "duration", Aliases: []string{"d"}, Usage: "run for D (echo, handshake) or hold the connections for D (idle)", DefaultText: "10s without -n"},
			&cli.StringFlag{Name: "size", Aliases: []string{"s"}, Value: "1KiB", Usage: "message payload size, e.g. 16, 1KiB, 64KiB, 1MiB"},
			&cli.Float64Flag{Name: "rate", Usage: "at most R messages (echo), cycles (handshake) or connection attempts (idle) per second in total", DefaultText: "no limit"},
			&cli.StringFlag{Name: "mode", Aliases: []string{"m"}, Value: "echo", Usage: "echo, handshake or idle"},
			&cli.StringFlag{Name: "certs", Usage: "folder of client certificates to rotate through (pki init --clients N)", TakesFile: true},
		}, credentialFlags()...), append(trustFlags(), dialFlags()...)...),
			timeoutFlag("limit for each connection attempt, echo and close"),
			configFlag(),
			&cli.BoolFlag{Name: "allow-remote", Usage: "allow a target outside loopback (load only machines you are allowed to load)"},
			jsonFlag(),
		),
		Action: loadAction,
	}
}

func loadAction(c *cli.Context) error {
	e := envOf(c)
	o, err := e.loadOptions(c)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var progress func(probe.LoadProgress)
	live := isTerminal(e.Stderr) && !e.Quiet
	if live {
		progress = func(p probe.LoadProgress) {
			fmt.Fprintf(e.Stderr, "\r\033[K%s", progressLine(p))
		}
	}
	rep, err := probe.Load(ctx, o, progress)
	if live {
		fmt.Fprint(e.Stderr, "\r\033[K")
	}
	var le *probe.LimitError
	var re *probe.RemoteTargetError
	var fe *probe.FailureError
	switch {
	case errors.As(err, &le):
		return usageErr("%s", loadLimitText(le))
	case errors.As(err, &re):
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s resolves to %s, outside loopback: wsskit load only loads this machine unless told otherwise",
			re.Host, strings.Join(re.Addrs, ", ")), Hint: "add --allow-remote to load a machine you are allowed to load"}
	case errors.Is(err, probe.ErrBadURL):
		return usageErr("%v", err)
	case rep == nil && errors.As(err, &fe):
		return &ExitError{Code: fe.Failure.ExitCode, Err: err, Hint: fe.Failure.Cause + "; " + fe.Failure.Fix}
	case rep == nil:
		return err
	}
	if e.JSON {
		if jerr := e.writeJSON(rep); jerr != nil {
			return jerr
		}
	} else {
		writeLoadReport(e, rep)
	}
	switch {
	case errors.As(err, &fe):
		if e.JSON {
			return silentExit(fe.Failure.ExitCode)
		}
		return &ExitError{Code: fe.Failure.ExitCode, Err: fmt.Errorf("no connection succeeded: %w", err), Hint: fe.Failure.Fix}
	case err != nil:
		return err
	case rep.ErrorsTotal > 0:
		return checkFailed()
	}
	return nil
}

// loadOptions turns the flags into probe.LoadOptions; only validation.
func (e *Env) loadOptions(c *cli.Context) (probe.LoadOptions, error) {
	var o probe.LoadOptions
	url, err := e.dialURL(c)
	if err != nil {
		return o, err
	}
	if c.IsSet("messages") && c.IsSet("duration") && c.String("mode") != "idle" {
		return o, usageErr("-n and --duration are mutually exclusive: give one")
	}
	size, err := parseSize(c.String("size"))
	if err != nil {
		return o, usageErr("--size: %w", err)
	}
	o = probe.LoadOptions{
		URL:         url,
		Mode:        probe.LoadMode(c.String("mode")),
		Connections: c.Int("connections"),
		Messages:    c.Int64("messages"),
		Duration:    c.Duration("duration"),
		Size:        size,
		Rate:        c.Float64("rate"),
		Insecure:    c.Bool("insecure"),
		ServerName:  c.String("servername"),
		Timeout:     c.Duration("timeout"),
		AllowRemote: c.Bool("allow-remote"),
	}
	switch o.Mode {
	case probe.LoadEcho, probe.LoadHandshake, probe.LoadIdle:
	default:
		return o, usageErr("--mode must be echo, handshake or idle, got %q", o.Mode)
	}
	if c.IsSet("messages") && o.Messages <= 0 {
		return o, usageErr("-n must be at least 1, got %d", o.Messages)
	}
	if c.IsSet("duration") && o.Duration <= 0 {
		return o, usageErr("--duration must be positive, got %s", o.Duration)
	}
	if c.IsSet("rate") && o.Rate <= 0 {
		return o, usageErr("--rate must be positive, got %v", o.Rate)
	}
	if c.IsSet("timeout") && o.Timeout <= 0 {
		return o, usageErr("--timeout must be positive, got %s", o.Timeout)
	}
	secure := strings.HasPrefix(o.URL, "wss://") || strings.HasPrefix(o.URL, "https://")
	tlsFlags := []string{"cert", "key", "pfx", "certs", "capath", "cafile", "insecure", "servername", "min-tls", "max-tls"}
	if !secure {
		for _, f := range tlsFlags {
			if c.IsSet(f) {
				e.Warnf("--%s is ignored: %s is plain ws://, with no TLS (use wss://)", f, o.URL)
			}
		}
		return o, nil
	}
	if c.IsSet("certs") && (c.IsSet("cert") || c.IsSet("pfx")) {
		return o, usageErr("--certs and --cert/--pfx are mutually exclusive")
	}
	if c.Bool("insecure") && (c.IsSet("capath") || c.IsSet("cafile")) {
		return o, usageErr("--insecure and --capath/--cafile are mutually exclusive")
	}
	creds, err := e.loadCredentials(c)
	if err != nil {
		return o, err
	}
	if creds != nil {
		o.Certificates = []tls.Certificate{creds.Certificate}
	}
	if dir := c.String("certs"); dir != "" {
		if o.Certificates, err = e.loadClientCertDir(dir, c.String("passin")); err != nil {
			return o, err
		}
	}
	trust, err := e.loadTrust(c)
	if err != nil {
		return o, err
	}
	if trust != nil {
		o.RootCAs, o.RootsDescription = trust.Pool, trust.Description
		o.Verify = opensslVerifier(trust, e.Now)
	}
	if o.MinVersion, o.MaxVersion, err = tlsVersionRange(c); err != nil {
		return o, err
	}
	return o, nil
}

// loadClientCertDir reads every client certificate with its key from dir:
// NAME.pem/.crt/.cer with NAME.key, else NAME.pfx/.p12 (read with passin).
// CA certificates and certificates without clientAuth are skipped, so a
// `pki init` folder can be given as it is; duplicates count once.
func (e *Env) loadClientCertDir(dir, passin string) ([]tls.Certificate, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, inputErr("", err)
	}
	files := map[string]map[string]string{} // stem → extension → path
	var stems []string
	for _, de := range entries {
		if de.IsDir() {
			continue
		}
		ext := strings.ToLower(filepath.Ext(de.Name()))
		stem := strings.TrimSuffix(de.Name(), filepath.Ext(de.Name()))
		if files[stem] == nil {
			files[stem] = map[string]string{}
			stems = append(stems, stem)
		}
		files[stem][ext] = filepath.Join(dir, de.Name())
	}
	slices.Sort(stems)
	var out []tls.Certificate
	var seen [][]byte
	for _, stem := range stems {
		certs, keys, src, err := e.clientPair(files[stem], passin)
		if err != nil {
			return nil, err
		}
		if len(keys) == 0 || len(certs) == 0 || !isClientLeaf(certs[0]) {
			continue
		}
		if slices.ContainsFunc(seen, func(raw []byte) bool { return bytes.Equal(raw, certs[0].Raw) }) {
			continue
		}
		tc, err := pki.KeyPair(certs, keys)
		if err != nil {
			return nil, inputErr(src, err)
		}
		seen = append(seen, certs[0].Raw)
		out = append(out, tc)
	}
	if len(out) == 0 {
		return nil, inputErr(dir, errors.New("no client certificate with its key in it (looked for NAME.pem + NAME.key and NAME.pfx with clientAuth)"))
	}
	return out, nil
}

// clientPair reads one NAME.* group of a --certs folder: the certificate
// and key files when both exist and the certificate is a client one, else
// the PFX. It returns no keys when the group holds no client credential.
func (e *Env) clientPair(f map[string]string, passin string) ([]*x509.Certificate, []crypto.Signer, string, error) {
	if key := f[".key"]; key != "" {
		for _, ext := range []string{".pem", ".crt", ".cer"} {
			p := f[ext]
			if p == "" {
				continue
			}
			b, err := e.loadBundle(p, passin)
			if err != nil {
				return nil, nil, "", err
			}
			if len(b.Certs) == 0 || !isClientLeaf(b.Certs[0]) {
				return nil, nil, "", nil
			}
			kb, err := e.loadKey(key, passin)
			if err != nil {
				return nil, nil, "", err
			}
			return b.Certs, kb.Keys, p + " + " + key, nil
		}
	}
	for _, ext := range []string{".pfx", ".p12"} {
		if p := f[ext]; p != "" {
			b, err := e.loadBundle(p, passin)
			if err != nil {
				return nil, nil, "", err
			}
			return b.Certs, b.Keys, p, nil
		}
	}
	return nil, nil, "", nil
}

// isClientLeaf reports whether c may serve as a TLS client certificate: not
// a CA, and clientAuth (or any, or no EKU at all) among its usages.
func isClientLeaf(c *x509.Certificate) bool {
	if c.IsCA {
		return false
	}
	if len(c.ExtKeyUsage) == 0 {
		return true
	}
	return slices.ContainsFunc(c.ExtKeyUsage, func(u x509.ExtKeyUsage) bool {
		return u == x509.ExtKeyUsageClientAuth || u == x509.ExtKeyUsageAny
	})
}

// parseSize reads a byte count: 1024, 1KiB, 1KB (1000), 64k, 1MiB, 1MB.
func parseSize(s string) (int, error) {
	t := strings.TrimSpace(s)
	i := len(t)
	for i > 0 && (t[i-1] < '0' || t[i-1] > '9') {
		i--
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	mult := map[string]int64{"": 1, "b": 1, "k": 1 << 10, "ki": 1 << 10, "kib": 1 << 10, "kb": 1000,
		"m": 1 << 20, "mi": 1 << 20, "mib": 1 << 20, "mb": 1000 * 1000}[strings.ToLower(unit)]
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || mult == 0 || n <= 0 {
		return 0, fmt.Errorf("%q is not a size (e.g. 16, 1KiB, 64KiB, 1MiB)", s)
	}
	if n > probe.MaxLoadSize/mult {
		return 0, fmt.Errorf("%s is over the %d MiB limit", s, probe.MaxLoadSize>>20)
	}
	return int(n * mult), nil
}

func loadLimitText(le *probe.LimitError) string {
	flag := map[string]string{"connections": "-c", "messages": "-n", "duration": "--duration", "size": "--size",
		"rate": "--rate", "timeout": "--timeout", "connections × size": "-c × --size"}[le.Option]
	return fmt.Sprintf("%s %s is out of range: %s", flag, le.Value, le.Limit)
}

// progressLine is the one updating line shown on a terminal.
func progressLine(p probe.LoadProgress) string {
	el := p.Elapsed.Truncate(100 * time.Millisecond)
	switch p.Mode {
	case probe.LoadHandshake:
		return fmt.Sprintf("handshake %6s  %8.0f cycles/s  %d cycles  %d errors", el, p.Rate, p.Handshakes, p.Errors)
	case probe.LoadIdle:
		return fmt.Sprintf("idle %6s  %d open  %d opened  %d errors", el, p.Open, p.Opened, p.Errors)
	}
	return fmt.Sprintf("echo %6s  %d open  %8.0f msg/s  %7.1f MB/s  %d messages  %d errors", el, p.Open, p.Rate, p.MBPerS, p.Messages, p.Errors)
}

// writeLoadReport prints the summary table.
func writeLoadReport(e *Env, r *probe.LoadReport) {
	w := e.Stdout
	bold := e.paint(w, colorBold)
	head := fmt.Sprintf("%s %s: %s mode, %d %s", "load", r.URL, r.Mode, r.Connections, plural(r.Connections, "connection", "connections"))
	if r.Mode == probe.LoadHandshake {
		head = fmt.Sprintf("load %s: handshake mode, %d %s", r.URL, r.Connections, plural(r.Connections, "worker", "workers"))
	}
	if r.Size > 0 {
		head += ", " + formatSize(r.Size) + " messages"
	}
	fmt.Fprintln(w, bold(head))
	row := func(k, format string, args ...any) { fmt.Fprintf(w, "  %-13s %s\n", k, fmt.Sprintf(format, args...)) }
	row("target", "%s", r.Address)
	if r.TLSVersion != "" {
		certs := "no client certificate"
		if r.ClientCertificates > 0 {
			certs = fmt.Sprintf("%d client %s", r.ClientCertificates, plural(r.ClientCertificates, "certificate", "certificates"))
		}
		row("tls", "%s %s, %s", r.TLSVersion, r.CipherSuite, certs)
	}
	stopped := map[string]string{"messages": "all messages done", "duration": "duration reached",
		"canceled": "interrupted", "failed": "no connection succeeded"}[r.Stopped]
	if r.Mode == probe.LoadIdle {
		row("run", "%s; held %.3f s of %.3f s", stopped, r.HeldS, r.ElapsedS)
		row("connections", "%d opened, %d open at the end, %d closed cleanly", r.ConnectionsOpened, r.OpenAtEnd, r.ClosedCleanly)
	} else if r.Stopped == "failed" {
		row("run", "%s", stopped)
	} else {
		row("run", "%s after %.3f s", stopped, r.ElapsedS)
		row("connections", "%d opened, %d at most at once, %d closed cleanly", r.ConnectionsOpened, r.PeakOpen, r.ClosedCleanly)
	}
	if r.ConnectionsOpened == 0 {
		writeLoadErrors(e, w, r)
		return
	}
	switch r.Mode {
	case probe.LoadEcho:
		row("messages", "%d echoed, %.1f/s", r.Messages, r.MessagesPerS)
		row("throughput", "%.1f MB/s echoed (%d bytes sent, %d received)", r.MBPerS, r.BytesSent, r.BytesReceived)
	case probe.LoadHandshake:
		row("cycles", "%d completed, %.1f/s", r.Handshakes, r.HandshakesPerS)
	}
	if r.Latency != nil || r.ConnectLatency != nil {
		fmt.Fprintf(w, "  %-13s %9s %9s %9s %9s %9s %9s %9s\n", "latency (ms)", "min", "p50", "p90", "p99", "p99.9", "max", "mean")
		lat := func(name string, s *probe.LatencySummary) {
			if s == nil {
				return
			}
			ms := func(us float64) string { return strconv.FormatFloat(us/1000, 'f', 3, 64) }
			fmt.Fprintf(w, "  %-13s %9s %9s %9s %9s %9s %9s %9s\n", name, ms(s.MinUS), ms(s.P50US), ms(s.P90US), ms(s.P99US), ms(s.P999US), ms(s.MaxUS), ms(s.MeanUS))
		}
		if r.Mode == probe.LoadHandshake {
			lat("cycle", r.Latency)
		} else {
			lat("echo", r.Latency)
		}
		lat("connect", r.ConnectLatency)
	}
	writeLoadErrors(e, w, r)
}

func writeLoadErrors(e *Env, w io.Writer, r *probe.LoadReport) {
	if r.ErrorsTotal == 0 {
		row := "none"
		fmt.Fprintf(w, "  %-13s %s\n", "errors", e.paint(w, colorGreen)(row))
		return
	}
	red := e.paint(w, colorRed)
	fmt.Fprintf(w, "  %-13s %s\n", "errors", red(strconv.FormatUint(r.ErrorsTotal, 10)+" FAILED"))
	for _, er := range r.Errors {
		how := ""
		if er.Diagnosed {
			how = ", diagnosed by a probe after the run"
		}
		fmt.Fprintf(w, "    %d × %s (%s stage%s)\n", er.Count, er.CauseID, er.Stage, how)
		fmt.Fprintf(w, "      raw:   %s\n", er.Raw)
		if er.Alert != nil {
			fmt.Fprintf(w, "      alert: %s\n", er.Alert)
		}
		fmt.Fprintf(w, "      cause: %s\n", er.Cause)
		fmt.Fprintf(w, "      fix:   %s\n", er.Fix)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func formatSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d-byte", n)
}
