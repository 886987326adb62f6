package commands

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"
)

// Env is what every action needs from its surroundings: the injected
// streams, the global output switches and a clock. Tests construct it
// through Run; nothing writes to os.Stdout directly.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer

	NoColor bool // --no-color
	Quiet   bool // -q: drop notes, never errors
	Verbose bool // -v: more detail
	Debug   bool // --debug: print error wrap layers with their types
	JSON    bool // the running command's --json

	// Now is the clock; tests may replace it.
	Now func() time.Time

	stdinReader     *stdinLines
	commandNotFound string
}

const envKey = "wsskit-env"

// envOf returns the Env of the running app and records the command's --json.
func envOf(c *cli.Context) *Env {
	e := c.App.Metadata[envKey].(*Env)
	for _, name := range c.FlagNames() {
		if name == "json" {
			e.JSON = c.Bool("json")
		}
	}
	return e
}

// Notef prints a note on stderr unless -q was given.
func (e *Env) Notef(format string, args ...any) {
	if e.Quiet {
		return
	}
	fmt.Fprintf(e.Stderr, format+"\n", args...)
}

// Warnf prints a warning on stderr (also under -q).
func (e *Env) Warnf(format string, args ...any) {
	yellow := e.paint(e.Stderr, colorYellow)
	fmt.Fprintf(e.Stderr, "%s %s\n", yellow("warning:"), fmt.Sprintf(format, args...))
}

// writeJSON prints v as indented JSON on stdout.
func (e *Env) writeJSON(v any) error {
	enc := json.NewEncoder(e.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

// writePublicPEM writes a public PEM file (a CSR or a CRL): to out (0644;
// force replaces an existing one) or, without out, to stdout. With --json
// it prints report j instead, with "file", or "pem" when there is no out;
// otherwise note tells what was written.
func (e *Env) writePublicPEM(force bool, out string, data []byte, j map[string]any, note func()) error {
	if out == "" {
		if e.JSON {
			j["pem"] = string(data)
			return e.writeJSON(j)
		}
		_, err := e.Stdout.Write(data)
		return err
	}
	if err := writeFiles(force, outFile{Path: out, Data: data, Mode: modePublic}); err != nil {
		return err
	}
	if e.JSON {
		j["file"] = out
		return e.writeJSON(j)
	}
	note()
	return nil
}

type colorName int

const (
	colorRed colorName = iota
	colorYellow
	colorGreen
	colorBold
	colorDim
	colorCyan
)

var colorAttrs = map[colorName][]color.Attribute{
	colorRed:    {color.FgRed, color.Bold},
	colorYellow: {color.FgYellow},
	colorGreen:  {color.FgGreen},
	colorBold:   {color.Bold},
	colorDim:    {color.Faint},
	colorCyan:   {color.FgCyan},
}

// colorEnabled reports whether text written to w may carry colour: not with
// --no-color, not with NO_COLOR set (https://no-color.org), and only when w
// is a terminal.
func (e *Env) colorEnabled(w io.Writer) bool {
	if e.NoColor || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// paint returns a function that colours text for w, or returns it unchanged
// when colour is off. Colour only adds emphasis: callers always print a word
// too ("[expired]", "OK").
func (e *Env) paint(w io.Writer, name colorName) func(string) string {
	if !e.colorEnabled(w) {
		return func(s string) string { return s }
	}
	c := color.New(colorAttrs[name]...)
	c.EnableColor()
	return func(s string) string { return c.Sprint(s) }
}

// isTerminal reports whether r or w is an interactive terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
