//go:build unix

package commands

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// stdinUsable reports whether the echo server may read its console from
// r: not when r is a terminal the process does not own (started with &),
// where a read would stop the whole server with SIGTTIN.
func stdinUsable(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return true
	}
	fg, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP)
	if err != nil {
		return true // not a terminal: a pipe or a file
	}
	return fg == unix.Getpgrp()
}
