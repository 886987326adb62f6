//go:build unix

package commands

import "syscall"

// mkfifo makes a named pipe (the bad-input test's "not a regular file").
func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }
