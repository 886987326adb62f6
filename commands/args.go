package commands

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// reorderArgs lets flags follow positional arguments, as users type them
// ("wsskit verify client.pem --capath ca/"). urfave/cli v2 stops parsing
// flags at the first positional argument, so the arguments of the invoked
// (leaf) command are rearranged once, here: its flags (with their values)
// first, then "--", then the positional arguments. Global flags found after
// the command move before it. Everything after a literal "--" stays
// positional.
func reorderArgs(app *cli.App, args []string) []string {
	// Shell completion needs its flag last, exactly as the shell gave it.
	if len(args) < 2 || args[len(args)-1] == "--generate-bash-completion" {
		return args
	}
	rest := args[1:]
	var globals []string
	i := 0
	for i < len(rest) && isFlagToken(rest[i]) {
		n := flagConsumes(app.Flags, rest, i)
		if n == 0 {
			return args // unknown leading flag: let the parser complain
		}
		globals = append(globals, rest[i:i+n]...)
		i += n
	}
	var path []string
	var cmd *cli.Command
	cmds := app.Commands
	for i < len(rest) {
		c := findCommand(cmds, rest[i])
		if c == nil {
			break
		}
		path = append(path, rest[i])
		cmd = c
		cmds = c.Subcommands
		i++
		if len(cmds) == 0 {
			break
		}
	}
	if cmd == nil {
		return args
	}
	var flags, positional []string
	for j := i; j < len(rest); j++ {
		a := rest[j]
		if a == "--" {
			positional = append(positional, rest[j+1:]...)
			break
		}
		if !isFlagToken(a) {
			positional = append(positional, a)
			continue
		}
		if n := flagConsumes(cmd.Flags, rest, j); n > 0 {
			flags = append(flags, rest[j:j+n]...)
			j += n - 1
			continue
		}
		if n := flagConsumes(app.Flags, rest, j); n > 0 {
			globals = append(globals, rest[j:j+n]...)
			j += n - 1
			continue
		}
		flags = append(flags, a) // unknown: the parser reports it
	}
	out := append([]string{args[0]}, globals...)
	out = append(out, path...)
	out = append(out, flags...)
	if len(positional) > 0 {
		out = append(out, "--")
		out = append(out, positional...)
	}
	return out
}

func isFlagToken(a string) bool {
	return len(a) > 1 && a[0] == '-' && a != "--"
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.Name == name {
			return c
		}
		for _, a := range c.Aliases {
			if a == name {
				return c
			}
		}
	}
	return nil
}

// flagConsumes returns how many arguments the flag at args[i] takes (1 for
// a boolean or "--name=value", 2 for "--name value"), or 0 when it is not
// one of flags.
func flagConsumes(flags []cli.Flag, args []string, i int) int {
	name := strings.TrimLeft(args[i], "-")
	name, _, hasValue := strings.Cut(name, "=")
	if name == "help" || name == "h" {
		return 1
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if n != name {
				continue
			}
			if hasValue {
				return 1
			}
			if tv, ok := f.(cli.DocGenerationFlag); ok && tv.TakesValue() && i+1 < len(args) {
				return 2
			}
			return 1
		}
	}
	return 0
}
