//go:build !unix

package commands

import "io"

// stdinUsable: only Unix stops background readers of the terminal.
func stdinUsable(io.Reader) bool { return true }
