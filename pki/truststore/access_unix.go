//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package truststore

import "syscall"

// canWrite reports whether this process may create or replace files at path
// (access(2) W_OK on path, or on its nearest existing parent).
func canWrite(path string) bool {
	for i := 0; i < 64; i++ {
		err := syscall.Access(path, 2) // W_OK
		if err == nil {
			return true
		}
		if err != syscall.ENOENT {
			return false
		}
		parent := parentDir(path)
		if parent == path {
			return false
		}
		path = parent
	}
	return false
}
