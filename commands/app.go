// Package commands wires wsskit's command line: flags in, options structs
// out, library calls, rendering and exit codes.
package commands

import (
	"fmt"
	"io"
)

// Version is the build's version, set by main from -ldflags.
var Version = ""

// Run runs the wsskit command line and returns the process exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stdout, "wsskit", Version)
	return 0
}
