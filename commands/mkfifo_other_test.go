//go:build !unix

package commands

import "errors"

// mkfifo is not available: there are no named pipes in the file system.
func mkfifo(string) error { return errors.New("named pipes are not supported here") }
