//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package truststore

import "os"

// canWrite reports whether this process may create or replace files at path.
// Without access(2) it can only tell that the nearest existing path is not
// read-only; the tool or the write itself reports a missing elevation.
func canWrite(path string) bool {
	for i := 0; i < 64; i++ {
		st, err := os.Stat(path)
		if err == nil {
			return st.Mode().Perm()&0o200 != 0
		}
		parent := parentDir(path)
		if parent == path {
			return false
		}
		path = parent
	}
	return false
}
