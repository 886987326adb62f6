package commands

import (
	"crypto/x509"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
)

func lintCommand() *cli.Command {
	return &cli.Command{
		Name:      "lint",
		Category:  catCheck,
		Usage:     "say what each client platform will think of a certificate (Go, Chrome, Firefox, macOS/iOS, Java, .NET, OpenSSL)",
		UsageText: "wsskit lint [--purpose server|client|ca] [--chain F]... [--at TIME] [--json] CERT...",
		Description: `Checks the first certificate of each CERT file for what makes real clients
refuse it: no SAN or a host name only in the CN, an IP address written as a DNS
name, wildcard misuse, validity over 825 days (macOS/iOS) or 398 days (public
CAs), a CA:TRUE certificate used as the server's own (the classic cheat sheet's
single self-signed certificate, which Firefox refuses), missing or wrong
extendedKeyUsage, keyUsage that does not fit TLS, RSA keys under 2048 bits,
SHA-1 or MD5 signatures, expiry, missing key identifiers, odd serial numbers.
Further certificates in the same file and --chain files are taken as its
issuing CAs and checked too.

Each finding has a stable id, a severity (error: a named platform refuses the
certificate in its default configuration; warning; info), the platforms it
concerns, the facts, and a fix. After the findings a line per platform sums up.
The purpose is guessed from the extendedKeyUsage (serverAuth: server, clientAuth:
client; a CA without SANs: ca) unless --purpose says it.

--json prints {"ok", "files": [{"file", "subject", "purpose", "purpose_guessed",
"ok", "findings": [{"id", "severity", "platforms", "message", "fix"}],
"platforms": {"Go": "refuses"|"warns"|"no findings", ...}}]}.

Exit status: 0 no error-level finding, 1 at least one, 3 a file could not be read.

` + example(
			"wsskit lint pki/server.pem",
			"wsskit lint --purpose client pki/client*.pem",
			"wsskit lint --chain intermediate.pem --json server.pem",
			"wsskit lint --at 2030-01-01T00:00:00Z server.pem        # still fine then?",
		),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "purpose", Usage: "server, client or ca (default: guessed from the certificate)"},
			&cli.StringSliceFlag{Name: "chain", Usage: "issuing CA certificates, nearest first (repeatable)", TakesFile: true},
			&cli.StringFlag{Name: "at", Usage: "judge validity at this time instead of now: RFC 3339 or Unix seconds"},
			passinFlag(),
			jsonFlag(),
		},
		Action: lintAction,
	}
}

// lintFile is `lint --json`'s report of one input.
type lintFile struct {
	File           string            `json:"file"`
	Subject        string            `json:"subject,omitempty"`
	Purpose        string            `json:"purpose,omitempty"`
	PurposeGuessed bool              `json:"purpose_guessed"`
	OK             bool              `json:"ok"`
	Findings       []pki.Finding     `json:"findings"`
	Platforms      map[string]string `json:"platforms,omitempty"`
	Error          string            `json:"error,omitempty"`
}

// Platform verdicts in lintFile.Platforms.
const (
	verdictRefuses = "refuses"
	verdictWarns   = "warns"
	verdictNone    = "no findings"
)

func lintAction(c *cli.Context) error {
	e := envOf(c)
	if c.NArg() == 0 {
		return usageErr("give at least one certificate file to lint")
	}
	purpose := c.String("purpose")
	if purpose != "" && purpose != pki.PurposeServer && purpose != pki.PurposeClient && purpose != pki.PurposeCA {
		return usageErr("--purpose must be server, client or ca, got %q", purpose)
	}
	opts := pki.LintOptions{Purpose: purpose, Now: e.Now()}
	if s := c.String("at"); s != "" {
		t, err := parseAtTime(s)
		if err != nil {
			return usageErr("%w", err)
		}
		opts.Now = t
	}
	var extra []*x509.Certificate
	for _, path := range c.StringSlice("chain") {
		b, err := e.loadBundle(path, c.String("passin"))
		if err != nil {
			return err
		}
		if len(b.Certs) == 0 {
			return inputErr(path, fmt.Errorf("no certificate in it (it holds %s)", b.Summary()))
		}
		extra = append(extra, b.Certs...)
	}

	var files []lintFile
	var inputErrs []error
	anyError := false
	for _, path := range c.Args().Slice() {
		f := lintFile{File: path, Findings: []pki.Finding{}}
		b, err := e.loadBundle(path, c.String("passin"))
		if err == nil && len(b.Certs) == 0 {
			err = inputErr(path, fmt.Errorf("no certificate in it (it holds %s)", b.Summary()))
		}
		if err != nil {
			f.Error = err.Error()
			inputErrs = append(inputErrs, err)
			files = append(files, f)
			continue
		}
		cert := b.Certs[0]
		chain := append(append([]*x509.Certificate{}, b.Certs[1:]...), extra...)
		f.Subject = cert.Subject.String()
		f.Purpose, _ = pki.LintPurpose(cert, purpose)
		f.PurposeGuessed = purpose == ""
		f.Findings = pki.Lint(cert, chain, opts)
		f.Platforms = platformVerdicts(f.Findings)
		f.OK = true
		for _, fd := range f.Findings {
			if fd.Severity == pki.SeverityError {
				f.OK, anyError = false, true
			}
		}
		files = append(files, f)
	}

	if e.JSON {
		ok := !anyError && len(inputErrs) == 0
		if err := e.writeJSON(struct {
			OK    bool       `json:"ok"`
			Files []lintFile `json:"files"`
		}{ok, files}); err != nil {
			return err
		}
	} else {
		for i, f := range files {
			if i > 0 {
				fmt.Fprintln(e.Stdout)
			}
			if f.Error != "" {
				continue // reported on stderr below
			}
			printLintFile(e, e.Stdout, f)
		}
	}
	if len(inputErrs) > 0 {
		for _, err := range inputErrs[:len(inputErrs)-1] {
			if !e.JSON {
				renderError(e, err)
			}
		}
		last := inputErrs[len(inputErrs)-1]
		if e.JSON {
			return silentExit(ExitInput)
		}
		return last
	}
	if anyError {
		return checkFailed()
	}
	return nil
}

// platformVerdicts sums findings up per platform.
func platformVerdicts(fs []pki.Finding) map[string]string {
	out := map[string]string{}
	for _, p := range pki.LintPlatforms {
		out[p] = verdictNone
	}
	for _, f := range fs {
		for _, p := range f.Platforms {
			switch {
			case f.Severity == pki.SeverityError:
				out[p] = verdictRefuses
			case out[p] == verdictNone:
				out[p] = verdictWarns
			}
		}
	}
	return out
}

func purposeText(p string) string {
	switch p {
	case pki.PurposeServer:
		return "a server certificate"
	case pki.PurposeClient:
		return "a client certificate"
	case pki.PurposeServerClient:
		return "a server and client certificate"
	case pki.PurposeCA:
		return "a CA certificate"
	}
	return p
}

func printLintFile(e *Env, w io.Writer, f lintFile) {
	bold, red, yellow, green, dim := e.paint(w, colorBold), e.paint(w, colorRed), e.paint(w, colorYellow), e.paint(w, colorGreen), e.paint(w, colorDim)
	how := "given with --purpose"
	if f.PurposeGuessed {
		how = "guessed from the certificate; set it with --purpose"
	}
	fmt.Fprintf(w, "%s: %s\n", bold(f.File), f.Subject)
	fmt.Fprintf(w, "  linted as %s (%s)\n", purposeText(f.Purpose), how)
	if len(f.Findings) == 0 {
		fmt.Fprintf(w, "  %s no findings\n", green("OK"))
		return
	}
	for _, fd := range f.Findings {
		label := fmt.Sprintf("%-7s", fd.Severity)
		switch fd.Severity {
		case pki.SeverityError:
			label = red(label)
		case pki.SeverityWarning:
			label = yellow(label)
		default:
			label = dim(label)
		}
		plats := ""
		if len(fd.Platforms) > 0 {
			plats = " (" + strings.Join(fd.Platforms, ", ") + ")"
		}
		fmt.Fprintf(w, "  %s %s%s\n", label, fd.ID, plats)
		fmt.Fprintf(w, "%s\n", indentWrap(fd.Message, "          ", 88))
		fmt.Fprintf(w, "%s\n", indentWrap("fix: "+fd.Fix, "          ", 88))
	}
	fmt.Fprintf(w, "  platforms:\n")
	for _, p := range pki.LintPlatforms {
		v := f.Platforms[p]
		ids := []string{}
		for _, fd := range f.Findings {
			for _, fp := range fd.Platforms {
				if fp == p && (v != verdictRefuses || fd.Severity == pki.SeverityError) {
					ids = append(ids, fd.ID)
				}
			}
		}
		text := v
		switch v {
		case verdictRefuses:
			text = red("refuses it") + ": " + strings.Join(ids, ", ")
		case verdictWarns:
			text = yellow("warnings") + ": " + strings.Join(ids, ", ")
		default:
			text = green("no findings")
		}
		fmt.Fprintf(w, "    %-10s %s\n", p, text)
	}
}

// indentWrap wraps text at width columns, each line starting with indent.
func indentWrap(text, indent string, width int) string {
	var lines []string
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	lines = append(lines, line)
	return strings.Join(lines, "\n")
}
