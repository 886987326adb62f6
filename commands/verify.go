package commands

import (
	"bufio"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:     "verify",
		Category: catCheck,
		Usage:    "verify certificates exactly as OpenSSL 3.0 does, then explain each error and how to fix it [openssl verify]",
		UsageText: "wsskit verify [--capath D] [--cafile F] [--untrusted F]... [--crl F]... [--crl-check leaf|all]\n" +
			"   [--purpose sslclient|sslserver] [--host H] [--ip I] [--email E] [--at TIME] [--partial-chain]\n" +
			"   [--verify-depth N] [--show-chain] [--json] CERT...",
		Description: `Each CERT file is checked like "openssl verify -no-CAfile -no-CApath -no-CAstore"
with the equivalent options (-CApath, -CAfile, -untrusted, -CRLfile, -crl_check,
-crl_check_all, -purpose, -verify_hostname, -verify_ip, -verify_email, -attime,
-partial_chain, -verify_depth): same exit verdict and the same
"error N at D depth lookup: TEXT" lines in the same order, each followed by the
cause in plain words and the fix. No openssl binary is needed.

Without --cafile or --capath nothing is trusted: the system store is never
used (openssl verify would use its default CA file and folder).

Like openssl verify, only the first certificate of a file is verified; give
intermediate CAs with --untrusted and the trusted root with --cafile or --capath.
CRLs found in --cafile are used for revocation checks, as OpenSSL does. --at
takes RFC 3339 (2030-01-02T15:04:05Z) or Unix seconds like -attime. Many files
are verified in parallel and reported in input order.

--json prints {"ok", "files": [{"file", "ok", "subject", "certificates_in_file",
"chain": [{"depth", "subject", "untrusted"}], "errors": [{"code", "depth", "name",
"text", "line", "subject", "cause_id", "cause", "fix"}], "error", "exit_code"}]}.

Exit status: 0 every file verified, 1 at least one failed, 3 a file could not
be read (the others are still verified).

` + example(
			"wsskit verify --cafile pki/ca.pem pki/server.pem --host localhost --purpose sslserver",
			"wsskit verify --capath pki/ca --purpose sslclient clients/*.pem",
			"wsskit verify --cafile root.pem --untrusted intermediate.pem leaf.pem",
			"wsskit verify --capath pki/ca --crl pki/ca.crl --crl-check leaf client.pem",
			"wsskit verify --cafile ca.pem --at 2030-01-01T00:00:00Z server.pem   # will it still verify then?",
		),
		Flags: append(trustFlags(),
			&cli.StringSliceFlag{Name: "untrusted", Usage: "intermediate CA certificates to build the chain with, not trusted themselves (repeatable)", TakesFile: true},
			crlFlag(),
			&cli.StringFlag{Name: "crl-check", Usage: "check revocation of the certificate (leaf) or of the whole chain (all); needs --crl or CRLs in the CA folder"},
			&cli.StringFlag{Name: "purpose", Usage: "check the chain is fit for: sslclient, sslserver (also nssslserver, smimesign, smimeencrypt, crlsign, any, ocsphelper, timestampsign)"},
			&cli.StringFlag{Name: "host", Usage: "check the certificate is valid for this DNS name (-verify_hostname)"},
			&cli.StringFlag{Name: "ip", Usage: "check the certificate is valid for this IP address (-verify_ip)"},
			&cli.StringFlag{Name: "email", Usage: "check the certificate is valid for this email address (-verify_email)"},
			&cli.StringFlag{Name: "at", Usage: "verify at this time instead of now: RFC 3339 or Unix seconds (-attime)"},
			&cli.BoolFlag{Name: "partial-chain", Usage: "accept a trusted intermediate (not self-signed) as trust anchor"},
			&cli.IntFlag{Name: "verify-depth", Value: -1, DefaultText: "100", Usage: "maximum number of intermediate CAs between certificate and trust anchor"},
			&cli.BoolFlag{Name: "show-chain", Usage: "print the chain of each verified certificate (also with -v)"},
			passinFlag(),
			jsonFlag(),
		),
		Action: verifyAction,
	}
}

// verifyFile is `verify --json`'s report of one input.
type verifyFile struct {
	File         string           `json:"file"`
	OK           bool             `json:"ok"`
	Subject      string           `json:"subject,omitempty"`
	CertsInFile  int              `json:"certificates_in_file,omitempty"`
	Chain        []verifyChainRow `json:"chain,omitempty"`
	Errors       []verifyErrorRow `json:"errors,omitempty"`
	Error        string           `json:"error,omitempty"`
	ExitCode     int              `json:"exit_code,omitempty"`
	LookupErrors []string         `json:"lookup_errors,omitempty"`
}

type verifyChainRow struct {
	Depth     int    `json:"depth"`
	Subject   string `json:"subject"`
	Untrusted bool   `json:"untrusted"`
}

type verifyErrorRow struct {
	Code    int    `json:"code"`
	Depth   int    `json:"depth"`
	Name    string `json:"name"`
	Text    string `json:"text"`
	Line    string `json:"line"`
	Subject string `json:"subject"`
	CauseID string `json:"cause_id"`
	Cause   string `json:"cause"`
	Fix     string `json:"fix,omitempty"`
}

type verifyReport struct {
	OK    bool         `json:"ok"`
	Files []verifyFile `json:"files"`
}

// parseAtTime parses --at: RFC 3339 (with or without fractional seconds) or
// Unix seconds, as openssl's -attime takes.
func parseAtTime(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--at %q is neither RFC 3339 (2030-01-02T15:04:05Z) nor Unix seconds", s)
	}
	return t, nil
}

// verifyOptions turns the flags into pki.VerifyOptions, reading the trust
// inputs. Problems with flags are usage errors, unreadable inputs exit 3.
func verifyOptions(e *Env, c *cli.Context) (pki.VerifyOptions, error) {
	opts := pki.VerifyOptions{
		CRLCheck:     c.String("crl-check"),
		Purpose:      c.String("purpose"),
		Host:         c.String("host"),
		Email:        c.String("email"),
		PartialChain: c.Bool("partial-chain"),
		MaxDepth:     c.Int("verify-depth"),
	}
	if s := c.String("ip"); s != "" {
		opts.IP = net.ParseIP(s)
		if opts.IP == nil {
			return opts, usageErr("--ip %q is not an IP address", s)
		}
	}
	if s := c.String("at"); s != "" {
		t, err := parseAtTime(s)
		if err != nil {
			return opts, usageErr("%w", err)
		}
		opts.At = t
	} else {
		opts.At = e.Now()
	}
	if err := opts.Check(); err != nil {
		msg := strings.TrimPrefix(err.Error(), pki.ErrVerifyOptions.Error()+": ")
		switch {
		case opts.CRLCheck != "" && strings.Contains(msg, "CRL check"):
			return opts, usageErr("--crl-check %q: use leaf or all", opts.CRLCheck)
		case strings.Contains(msg, "purpose"):
			return opts, usageErr("--purpose: %s", msg)
		}
		return opts, usageErr("%s", msg)
	}
	passin := c.String("passin")
	if dir := c.String("capath"); dir != "" {
		for _, d := range strings.Split(dir, string(os.PathListSeparator)) {
			st, err := os.Stat(d)
			if err != nil {
				return opts, inputErr("", err)
			}
			if !st.IsDir() {
				return opts, usageErr("--capath %s is not a folder (did you mean --cafile?)", d)
			}
		}
		opts.CAPath = pki.OpenHashDir(dir)
	}
	if f := c.String("cafile"); f != "" {
		b, err := e.loadBundle(f, passin)
		if err != nil {
			return opts, err
		}
		if len(b.Certs)+len(b.CRLs) == 0 {
			return opts, inputErr(f, fmt.Errorf("no certificate in it (it holds %s)", b.Summary()))
		}
		opts.Roots, opts.RootCRLs, opts.RootTrust = b.Certs, b.CRLs, b.Trust
	}
	for _, f := range c.StringSlice("untrusted") {
		b, err := e.loadBundle(f, passin)
		if err != nil {
			return opts, err
		}
		if len(b.Certs) == 0 {
			return opts, inputErr(f, fmt.Errorf("no certificate in it (it holds %s)", b.Summary()))
		}
		opts.Untrusted = append(opts.Untrusted, b.Certs...)
	}
	for _, f := range c.StringSlice("crl") {
		b, err := e.loadBundle(f, "")
		if err != nil {
			return opts, err
		}
		if len(b.CRLs) == 0 {
			return opts, inputErr(f, fmt.Errorf("no CRL in it (it holds %s)", b.Summary()))
		}
		opts.CRLs = append(opts.CRLs, b.CRLs...)
	}
	return opts, nil
}

func verifyAction(c *cli.Context) error {
	e := envOf(c)
	if c.NArg() == 0 {
		return usageErr("give at least one certificate file to verify")
	}
	opts, err := verifyOptions(e, c)
	if err != nil {
		return err
	}
	if opts.Roots == nil && opts.CAPath == nil {
		e.Notef("note: no --cafile or --capath given: nothing is trusted (the system store is not used)")
	}
	paths := c.Args().Slice()
	files := make([]verifyFile, len(paths))
	var certs []*x509.Certificate
	var index []int // certs[i] comes from paths[index[i]]
	var inputErrs []error
	for i, p := range paths {
		files[i].File = p
		b, err := e.loadBundle(p, c.String("passin"))
		if err == nil && len(b.Certs) == 0 {
			err = inputErr(p, fmt.Errorf("no certificate in it (it holds %s)", b.Summary()))
		}
		if err != nil {
			files[i].Error, files[i].ExitCode = err.Error(), ExitInput
			inputErrs = append(inputErrs, err)
			continue
		}
		files[i].CertsInFile = len(b.Certs)
		if e.JSON {
			files[i].Subject = pki.VerifySubject(b.Certs[0])
		}
		certs = append(certs, b.Certs[0])
		index = append(index, i)
	}
	results := pki.VerifyAll(certs, opts, runtime.GOMAXPROCS(0))
	showChain := c.Bool("show-chain") || e.Verbose
	allOK := len(inputErrs) == 0
	warned := map[string]bool{}
	for j, r := range results {
		f := &files[index[j]]
		f.OK = r.OK()
		allOK = allOK && f.OK
		if !f.OK {
			f.ExitCode = ExitCheckFailed
		}
		if e.JSON || showChain {
			for k, cert := range r.Chain {
				f.Chain = append(f.Chain, verifyChainRow{Depth: k, Subject: pki.VerifySubject(cert), Untrusted: k < r.NumUntrusted})
			}
		}
		for _, ve := range r.Errors {
			f.Errors = append(f.Errors, verifyErrorRow{
				Code: ve.Code, Depth: ve.Depth, Name: pki.VerifyErrorName(ve.Code), Text: ve.Text, Line: ve.Line(),
				Subject: ve.Subject, CauseID: ve.CauseID(opts.Purpose), Cause: ve.Cause(), Fix: ve.Fix(),
			})
		}
		if r.Err != nil {
			f.Error = r.Err.Error()
		}
		for _, le := range r.LookupErrs {
			f.LookupErrors = append(f.LookupErrors, le.Error())
			if !warned[le.Error()] && !e.JSON {
				warned[le.Error()] = true
				e.Warnf("%v", le)
			}
		}
	}

	if e.JSON {
		if err := e.writeJSON(verifyReport{OK: allOK, Files: files}); err != nil {
			return err
		}
	} else {
		renderVerify(e, showChain, files, inputErrs)
	}
	switch {
	case len(inputErrs) > 0:
		return silentExit(ExitInput)
	case !allOK:
		return checkFailed()
	}
	return nil
}

// renderVerify prints the results in input order: "FILE: OK", or the lines
// openssl verify prints (subject, "error N at D depth lookup: TEXT") each
// followed by the cause and the fix, then "error FILE: verification failed".
// Unreadable files get one "error: FILE: problem" line on stderr.
func renderVerify(e *Env, showChain bool, files []verifyFile, inputErrs []error) {
	red, green := e.paint(e.Stdout, colorRed), e.paint(e.Stdout, colorGreen)
	bold, dim := e.paint(e.Stdout, colorBold), e.paint(e.Stdout, colorDim)
	errRed := e.paint(e.Stderr, colorRed)
	// One write per line would be 10,000 system calls for 10,000 files:
	// stdout is buffered, and flushed before anything goes to stderr so
	// that the two stay in order on a terminal.
	w := bufio.NewWriter(e.Stdout)
	defer w.Flush()
	for _, f := range files {
		switch {
		case f.ExitCode == ExitInput:
			w.Flush()
			fmt.Fprintf(e.Stderr, "%s %s\n", errRed("error:"), f.Error)
			continue
		case f.OK:
			fmt.Fprintf(w, "%s: %s\n", f.File, green("OK"))
		default:
			for _, ve := range f.Errors {
				fmt.Fprintln(w, ve.Subject)
				fmt.Fprintln(w, red(ve.Line))
				fmt.Fprintf(w, "  %s %s\n", bold("cause:"), ve.Cause)
				if ve.Fix != "" {
					fmt.Fprintf(w, "  %s   %s\n", bold("fix:"), ve.Fix)
				}
			}
			if f.Error != "" {
				fmt.Fprintf(w, "  %s %s\n", bold("cause:"), f.Error)
			}
			fmt.Fprintln(w, red(fmt.Sprintf("error %s: verification failed", f.File)))
		}
		if f.CertsInFile > 1 {
			w.Flush()
			e.Notef("note: %s holds %d certificates; like openssl verify, only the first was verified (give intermediates with --untrusted)", f.File, f.CertsInFile)
		}
		if showChain && len(f.Chain) > 0 {
			fmt.Fprintln(w, "Chain:")
			for _, row := range f.Chain {
				mark := ""
				if row.Untrusted {
					mark = " " + dim("(untrusted)")
				}
				fmt.Fprintf(w, "depth=%d: %s%s\n", row.Depth, row.Subject, mark)
			}
		}
	}
	if len(inputErrs) > 0 && len(files) > 1 {
		w.Flush()
		e.Notef("%d of %d files could not be read", len(inputErrs), len(files))
	}
}
