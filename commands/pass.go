package commands

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/wsskit/wsskit/pki"
	"golang.org/x/term"
)

// passSourceHelp documents pass-phrase sources for flag usage texts.
const passSourceHelp = "pass phrase source: pass:TEXT, env:VAR, file:PATH, fd:N or stdin; asked on the terminal when omitted"

// stdinLines hands out stdin one line at a time, so that "--passin stdin
// --passout stdin" reads two lines as OpenSSL does.
type stdinLines struct {
	r *bufio.Reader
}

func (e *Env) stdinLine() (string, error) {
	if e.stdinReader == nil {
		e.stdinReader = &stdinLines{r: bufio.NewReader(e.Stdin)}
	}
	line, err := e.stdinReader.r.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("reading pass phrase from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// readPassSource reads a pass phrase from an OpenSSL-style source. The
// returned error never contains the pass phrase itself.
func (e *Env) readPassSource(spec string) ([]byte, error) {
	kind, arg, _ := strings.Cut(spec, ":")
	switch kind {
	case "pass":
		return []byte(arg), nil
	case "env":
		v, ok := os.LookupEnv(arg)
		if !ok {
			return nil, fmt.Errorf("pass phrase source env:%s: variable %s is not set", arg, arg)
		}
		return []byte(v), nil
	case "file":
		data, err := os.ReadFile(arg)
		if err != nil {
			return nil, fmt.Errorf("pass phrase source file:%s: %w", arg, err)
		}
		line, _, _ := strings.Cut(string(data), "\n")
		return []byte(strings.TrimRight(line, "\r")), nil
	case "fd":
		if runtime.GOOS == "windows" {
			return nil, errors.New("pass phrase source fd:N is not available on Windows; use env:VAR or file:PATH")
		}
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("pass phrase source fd:%s: not a file descriptor number", arg)
		}
		f := os.NewFile(uintptr(n), "fd:"+arg)
		if f == nil {
			return nil, fmt.Errorf("pass phrase source fd:%s: invalid descriptor", arg)
		}
		line, err := bufio.NewReader(f).ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return nil, fmt.Errorf("pass phrase source fd:%s: %w", arg, err)
		}
		return []byte(strings.TrimRight(line, "\r\n")), nil
	case "stdin":
		line, err := e.stdinLine()
		return []byte(line), err
	}
	return nil, fmt.Errorf("unknown pass phrase source %q (want pass:TEXT, env:VAR, file:PATH, fd:N or stdin)", redactPass(spec))
}

// redactPass hides what follows "pass:" so that a typo never prints a secret.
// A spec without a colon other than "stdin" is hidden whole: it is most
// likely the pass phrase itself, typed without "pass:".
func redactPass(spec string) string {
	if i := strings.Index(spec, ":"); i >= 0 && len(spec) > i+1 {
		return spec[:i+1] + "…"
	}
	if !strings.Contains(spec, ":") && spec != "stdin" && spec != "" {
		return "…"
	}
	return spec
}

// terminalFile returns stdin as a terminal *os.File, or nil.
func (e *Env) terminalFile() *os.File {
	f, ok := e.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return f
}

// prompt asks for a pass phrase on the terminal without echo.
func (e *Env) prompt(text string, confirm bool) ([]byte, error) {
	f := e.terminalFile()
	if f == nil {
		return nil, pki.ErrPasswordRequired
	}
	fmt.Fprint(e.Stderr, text)
	p, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.Stderr)
	if err != nil {
		return nil, fmt.Errorf("reading pass phrase: %w", err)
	}
	if confirm {
		fmt.Fprint(e.Stderr, "Verifying - "+text)
		again, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.Stderr)
		if err != nil {
			return nil, fmt.Errorf("reading pass phrase: %w", err)
		}
		if string(again) != string(p) {
			return nil, errors.New("the two pass phrases differ")
		}
	}
	return p, nil
}

// passIn returns a lazy pass-phrase function for reading an input: the
// source is read (or the terminal asked) only if the input is encrypted.
func (e *Env) passIn(spec, what string) pki.PassFunc {
	return func() ([]byte, error) {
		if spec != "" {
			return e.readPassSource(spec)
		}
		return e.prompt("Enter pass phrase for "+what+": ", false)
	}
}

// passOut returns the pass phrase for an output. When spec is empty it asks
// on the terminal (twice) if there is one and returns nil otherwise, so the
// caller applies its own default.
func (e *Env) passOut(spec, what string) ([]byte, error) {
	if spec != "" {
		return e.readPassSource(spec)
	}
	if e.terminalFile() == nil {
		return nil, nil
	}
	return e.prompt("Enter pass phrase for "+what+": ", true)
}
