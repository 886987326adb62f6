package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
)

// Exit codes, as documented in DESIGN.md, the README and every --help.
const (
	ExitOK          = 0 // success; the check passed
	ExitCheckFailed = 1 // the check ran and failed (verify, lint errors, --expect mismatch)
	ExitUsage       = 2 // usage error: unknown flag, missing argument, conflicting options
	ExitInput       = 3 // bad input: unreadable, malformed, wrong pass phrase, key/cert mismatch
	ExitNetwork     = 4 // network: name resolution, connection refused, timeout
	ExitTLS         = 5 // TLS: handshake failure, alert, certificate verification
	ExitHTTP        = 6 // HTTP: the WebSocket upgrade was refused (status != 101)
	ExitWebSocket   = 7 // WebSocket: closed abnormally or protocol error after the upgrade
)

// exitCodesHelp is appended to every --help.
const exitCodesHelp = `EXIT CODES:
   0  success; the check passed
   1  the check ran and failed (verify, lint errors, --expect mismatch)
   2  usage error: unknown flag, missing argument, conflicting options
   3  bad input: unreadable, malformed, wrong pass phrase, key does not match certificate
   4  network: name resolution, connection refused, timeout
   5  TLS: handshake failure, alert, certificate verification
   6  HTTP: the WebSocket upgrade was refused (status != 101)
   7  WebSocket: closed abnormally or protocol error after the upgrade
`

// ExitError carries an exit code with the error that caused it. Silent
// errors have already been reported (a failed check printed its results)
// and only set the exit code.
type ExitError struct {
	Code   int
	Err    error
	Hint   string
	Silent bool
	// usageOf names the command whose --help the user should read.
	usageOf string
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageErr returns an exit-2 error: wrong flags or arguments.
func usageErr(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// inputErr returns an exit-3 error naming the file and the problem.
func inputErr(path string, err error) error {
	if path == "" {
		return &ExitError{Code: ExitInput, Err: err}
	}
	return &ExitError{Code: ExitInput, Err: fmt.Errorf("%s: %w", path, err)}
}

// withCode attaches an exit code to err.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: code, Err: err}
}

// checkFailed is returned when a check printed its failing result already.
func checkFailed() error {
	return &ExitError{Code: ExitCheckFailed, Silent: true}
}

// silentExit returns an error that sets code and prints nothing more.
func silentExit(code int) error {
	return &ExitError{Code: code, Silent: true}
}

// exitCode maps an error to the documented exit code.
func exitCode(err error) int {
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	var pe *fs.PathError
	var netErr net.Error
	switch {
	case errors.As(err, &pe):
		return ExitInput
	case errors.Is(err, pki.ErrIncorrectPassword), errors.Is(err, pki.ErrPasswordRequired):
		return ExitInput
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr):
		return ExitNetwork
	}
	return ExitCheckFailed
}

// hintFor returns advice for well-known error types, or "". A wrong hint is
// worse than none, so only real types are matched.
func hintFor(err error) string {
	var ee *ExitError
	if errors.As(err, &ee) && ee.Hint != "" {
		return ee.Hint
	}
	var mm *pki.MismatchError
	var se *pki.SubjectError
	var sane *pki.SANError
	switch {
	case errors.Is(err, pki.ErrIncorrectPassword):
		return "check the pass phrase source (--passin pass:TEXT, env:VAR, file:PATH, fd:N or stdin); wsskit pki init prints the PFX pass phrase it used"
	case errors.Is(err, pki.ErrPasswordRequired):
		return "the input is encrypted: give its pass phrase with --passin (pass:TEXT, env:VAR, file:PATH, fd:N, stdin), or run on a terminal to be asked"
	case errors.As(err, &mm):
		return "compare the keys with: wsskit show CERT KEY (each prints its public-key SHA-256)"
	case errors.As(err, &se):
		return "subjects look like /C=SG/O=Test/CN=127.0.0.1 (OpenSSL) or CN=127.0.0.1,O=Test,C=SG (RFC 4514)"
	case errors.As(err, &sane):
		return "SANs look like IP:127.0.0.1, DNS:localhost, email:a@example.com or URI:spiffe://x/y"
	case errors.Is(err, pki.ErrEmpty), errors.Is(err, pki.ErrUnrecognized):
		return "wsskit reads PEM or DER certificates, keys, CSRs, CRLs, DH parameters and PKCS#12 files; `wsskit show FILE` tells what a file holds"
	}
	return ""
}

// renderError prints err as DESIGN.md and STYLE.md say: "error: " + the
// error unchanged, then "hint: " when one applies; under --json an object
// {"error", "hint"} on stdout instead.
func renderError(e *Env, err error) {
	var ee *ExitError
	if errors.As(err, &ee) && ee.Silent {
		return
	}
	msg := err.Error()
	hint := hintFor(err)
	if e.JSON {
		out := struct {
			Error string `json:"error"`
			Hint  string `json:"hint,omitempty"`
			Code  int    `json:"exit_code"`
		}{msg, hint, exitCode(err)}
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out) // nothing more can be done if stdout fails
		return
	}
	red := e.paint(e.Stderr, colorRed)
	fmt.Fprintf(e.Stderr, "%s %s\n", red("error:"), msg)
	if hint != "" {
		fmt.Fprintf(e.Stderr, "hint:  %s\n", hint)
	}
	if errors.As(err, &ee) && ee.Code == ExitUsage {
		cmd := "wsskit"
		if ee.usageOf != "" {
			cmd = ee.usageOf
		}
		fmt.Fprintf(e.Stderr, "run '%s --help' for usage\n", cmd)
	}
	if e.Debug {
		debugChain(e.Stderr, err)
	}
}

// debugChain prints every wrap layer with its Go type (--debug).
func debugChain(w io.Writer, err error) {
	for depth := 0; err != nil && depth < 32; depth++ {
		fmt.Fprintf(w, "debug: %s%T: %v\n", strings.Repeat("  ", depth), err, err)
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				debugChain(w, inner)
			}
			return
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		default:
			return
		}
	}
}

// asExitError is errors.As for *ExitError.
func asExitError(err error, target **ExitError) bool { return errors.As(err, target) }
