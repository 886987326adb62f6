// Package commands wires wsskit's command line: flags in, options structs
// out, library calls, rendering and exit codes. See README.md in this
// directory for the conventions every command follows.
package commands

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// Version is the build's version, set by main from -ldflags.
var Version = ""

// Command categories, in the order help lists them.
const (
	catPKI   = "PKI"
	catCheck = "Inspect and check"
	catProbe = "Probe and serve"
	catOther = "Other"
)

// allCommands returns every top-level command. Each lives in its own file.
func allCommands() []*cli.Command {
	return []*cli.Command{
		pkiCommand(),
		keyCommand(),
		csrCommand(),
		certCommand(),
		pfxCommand(),
		showCommand(),
		verifyCommand(),
		hashCommand(),
		capathCommand(),
		lintCommand(),
		dhparamCommand(),
		crlCommand(),
		trustCommand(),
		versionCommand(),
		completionCommand(),
		genDocsCommand(),
		demoCommand(),
		clientCommand(),
		serverCommand(),
		echoCommand(),
		bridgeCommand(),
		loadCommand(),
	}
}

// globalFlags apply to every command and may be given before or after it.
func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "no-color", Usage: "no colours (also when NO_COLOR is set or stdout is not a terminal)"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print results and errors only, no notes"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print more detail"},
		&cli.BoolFlag{Name: "debug", Usage: "on failure, print every error wrap layer with its Go type"},
	}
}

func init() {
	// urfave/cli gives --version the alias -v; wsskit's -v is --verbose.
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Usage: "print the version"}
	// urfave/cli lists command categories alphabetically; wsskit's help
	// follows the life of a link instead: make the PKI, check it, probe and
	// serve, other.
	printHelp := cli.HelpPrinter
	cli.HelpPrinter = func(w io.Writer, templ string, data any) {
		if app, ok := data.(*cli.App); ok {
			data = orderedApp{app}
		}
		printHelp(w, templ, data)
	}
}

// orderedApp is the app as the help template sees it, with its command
// categories in categoryRank order.
type orderedApp struct{ *cli.App }

// VisibleCategories returns the app's categories in wsskit's order.
func (a orderedApp) VisibleCategories() []cli.CommandCategory {
	cats := a.App.VisibleCategories()
	sort.SliceStable(cats, func(i, j int) bool { return categoryRank(cats[i].Name()) < categoryRank(cats[j].Name()) })
	return cats
}

// NewApp builds the wsskit command tree writing to the given streams.
func NewApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Now: time.Now}
	app := &cli.App{
		Name:  "wsskit",
		Usage: "make, check and debug the PKI and TLS of secure WebSocket (wss://) links",
		Description: `wsskit replaces the page of OpenSSL commands a wss:// setup needs (CA, server
certificate with IP/DNS SANs, client certificates from CSRs, PFX bundles, a
subject-hash CA folder, verify, dhparam) and adds s_client/s_server-style
probes that speak WebSocket and explain every TLS failure with cause and fix.

Start with:
   wsskit demo                       the whole story on loopback in a second
   wsskit pki init --dir pki         a CA, server and client certificates, PFX files, ca/ folder`,
		Version:              versionString(),
		Reader:               stdin,
		Writer:               stdout,
		ErrWriter:            stderr,
		Flags:                globalFlags(),
		Commands:             allCommands(),
		EnableBashCompletion: true,
		Suggest:              true,
		HideHelpCommand:      true,
		Metadata:             map[string]any{envKey: env},
		// Errors are printed and mapped to exit codes by Run, never here:
		// os.Exit must not fire inside app.Run.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return &ExitError{Code: ExitUsage, Err: err}
		},
		CommandNotFound: func(c *cli.Context, name string) {
			env.commandNotFound = name
		},
		Before: func(c *cli.Context) error {
			env.NoColor = c.Bool("no-color")
			env.Quiet = c.Bool("quiet")
			env.Verbose = c.Bool("verbose")
			env.Debug = c.Bool("debug")
			return nil
		},
	}
	app.CustomAppHelpTemplate = cli.AppHelpTemplate + "\n" + exitCodesHelp
	sort.SliceStable(app.Commands, func(i, j int) bool {
		return categoryRank(app.Commands[i].Category) < categoryRank(app.Commands[j].Category)
	})
	for _, c := range app.Commands {
		prepareCommand(c, "wsskit")
	}
	return app
}

func categoryRank(c string) int {
	for i, name := range []string{catPKI, catCheck, catProbe, catOther} {
		if c == name {
			return i
		}
	}
	return 99
}

// prepareCommand gives every command the exit-code help footer and turns
// flag parse errors into usage errors naming the command.
func prepareCommand(c *cli.Command, parent string) {
	full := parent + " " + c.Name
	c.HideHelpCommand = true
	if len(c.Subcommands) == 0 {
		c.CustomHelpTemplate = cli.CommandHelpTemplate + "\n" + exitCodesHelp
	} else {
		c.CustomHelpTemplate = cli.SubcommandHelpTemplate + "\n" + exitCodesHelp
	}
	c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
		return &ExitError{Code: ExitUsage, Err: err, usageOf: full}
	}
	if c.Action != nil {
		action := c.Action
		c.Action = func(ctx *cli.Context) error {
			err := action(ctx)
			var ee *ExitError
			if err != nil && asExitError(err, &ee) && ee.Code == ExitUsage && ee.usageOf == "" {
				ee.usageOf = full
			}
			return err
		}
	}
	for _, sc := range c.Subcommands {
		prepareCommand(sc, full)
	}
}

// Run runs the wsskit command line and returns the process exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := NewApp(stdin, stdout, stderr)
	env := app.Metadata[envKey].(*Env)
	err := app.Run(reorderArgs(app, args))
	if err == nil && env.commandNotFound != "" {
		err = usageErr("unknown command %q", env.commandNotFound)
		if s := suggest(app, env.commandNotFound); s != "" {
			err = &ExitError{Code: ExitUsage, Err: err.(*ExitError).Err, Hint: "did you mean '" + s + "'?"}
		}
	}
	if err == nil {
		return ExitOK
	}
	renderError(env, err)
	return exitCode(err)
}

// suggest returns the command name closest to a mistyped one.
func suggest(app *cli.App, name string) string {
	best, bestScore := "", 3
	for _, c := range app.Commands {
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if d := editDistance(strings.ToLower(name), n); d < bestScore {
				best, bestScore = n, d
			}
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// noArgs fails with a usage error when positional arguments were given to a
// command that takes none.
func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageErr("unexpected argument %q", c.Args().First())
	}
	return nil
}

// example formats an EXAMPLES section for a command's Description.
func example(lines ...string) string {
	var b strings.Builder
	b.WriteString("EXAMPLES:\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "   %s\n", l)
	}
	return strings.TrimRight(b.String(), "\n")
}
