package commands

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wsskit/wsskit/pki"
)

// maxInputSize bounds every input file: no certificate, key, CSR, CRL or PFX
// a user means to give wsskit is anywhere near 10 MiB, and reading a huge
// file by mistake should fail fast rather than eat memory.
const maxInputSize = 10 << 20

// readInput reads a file ("-" is stdin) of at most maxInputSize bytes.
// Errors name the file and are exit-3 input errors.
func (e *Env) readInput(path string) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		r = e.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, inputErr("", err) // *PathError already names the file
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, inputErr(path, errors.New("is a directory"))
		}
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxInputSize+1))
	if err != nil {
		return nil, inputErr(path, err)
	}
	if len(data) > maxInputSize {
		return nil, inputErr(path, fmt.Errorf("larger than %d MiB: not a certificate, key, CSR, CRL or PKCS#12 file", maxInputSize>>20))
	}
	return data, nil
}

// loadBundle reads and parses a file; passSpec is the --passin source used
// only if something in the file is encrypted.
func (e *Env) loadBundle(path, passSpec string) (*pki.Bundle, error) {
	data, err := e.readInput(path)
	if err != nil {
		return nil, err
	}
	b, err := pki.Load(data, e.passIn(passSpec, path))
	if err != nil {
		return nil, inputErr(path, err)
	}
	return b, nil
}

// outFile is one file a command writes.
type outFile struct {
	Path string
	Data []byte
	Mode os.FileMode // 0600 for keys and PFX files, 0644 otherwise
	// Link, when set, makes Path a relative symbolic link to Link (a CA
	// folder's HASH.0 -> ca.pem). Where symlinks are unavailable (Windows
	// without developer mode) Data is written as a copy instead.
	Link string
}

// Modes of written files: anything holding a private key is readable by its
// owner only.
const (
	modeSecret os.FileMode = 0o600
	modePublic os.FileMode = 0o644
)

// ExistsError is returned when an output exists and --force was not given.
type ExistsError struct{ Path string }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s already exists (use --force to overwrite)", e.Path)
}

// checkNotExist fails with an exit-2 ExistsError when path exists and force
// is not set.
func checkNotExist(path string, force bool) error {
	if force {
		return nil
	}
	if _, err := os.Lstat(path); err == nil {
		return &ExitError{Code: ExitUsage, Err: &ExistsError{Path: path}}
	}
	return nil
}

// writeFiles writes every file or none. Each is first written to a temporary
// file in its target directory, created with its final mode (a key is never
// readable by others, not even for an instant), synced, and then moved into
// place with rename (or, without force, with link, which refuses to replace
// an existing file even if one appeared meanwhile). A reader, or a crash,
// sees each file either absent or complete.
func writeFiles(force bool, files ...outFile) (err error) {
	for _, f := range files {
		if err := checkNotExist(f.Path, force); err != nil {
			return err
		}
		// With --force, a folder in the way would fail its rename after
		// the files before it were replaced: refuse before writing any.
		if st, err := os.Lstat(f.Path); err == nil && st.IsDir() {
			return inputErr(f.Path, errors.New("is a folder, not a file: nothing was written"))
		}
	}
	temps := make([]string, len(files))
	defer func() {
		for _, t := range temps {
			if t != "" {
				os.Remove(t)
			}
		}
	}()
	for i, f := range files {
		t, err := writeTemp(f)
		if err != nil {
			return err
		}
		temps[i] = t
	}
	for i, f := range files {
		if err := commitTemp(temps[i], f.Path, force); err != nil {
			return err
		}
		temps[i] = ""
	}
	return nil
}

func writeTemp(f outFile) (string, error) {
	dir, base := filepath.Split(f.Path)
	if dir == "" {
		dir = "."
	}
	if f.Link != "" {
		name := filepath.Join(dir, "."+base+".tmp-link-"+randomSuffix())
		if err := os.Symlink(f.Link, name); err == nil {
			return name, nil
		}
		// No symlinks here: fall through and write a copy.
	}
	mode := f.Mode
	if mode == 0 {
		mode = modePublic
	}
	// os.CreateTemp creates the file 0600; widen it only for public files,
	// after the data is written.
	t, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", f.Path, err)
	}
	name := t.Name()
	fail := func(err error) (string, error) {
		t.Close()
		os.Remove(name)
		return "", fmt.Errorf("writing %s: %w", f.Path, err)
	}
	if _, err := t.Write(f.Data); err != nil {
		return fail(err)
	}
	if err := t.Sync(); err != nil {
		return fail(err)
	}
	if err := t.Chmod(mode); err != nil && !strings.Contains(err.Error(), "not supported") {
		return fail(err)
	}
	if err := t.Close(); err != nil {
		os.Remove(name)
		return "", fmt.Errorf("writing %s: %w", f.Path, err)
	}
	return name, nil
}

func commitTemp(tmp, path string, force bool) error {
	if force {
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return nil
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return &ExitError{Code: ExitUsage, Err: &ExistsError{Path: path}}
		}
		// File systems without hard links: check, then rename.
		if _, serr := os.Lstat(path); serr == nil {
			return &ExitError{Code: ExitUsage, Err: &ExistsError{Path: path}}
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return nil
	}
	os.Remove(tmp)
	return nil
}

func randomSuffix() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	return hex.EncodeToString(b)
}

// mkdirs creates dir (and parents) and returns a function that removes what
// it created, for use when the command fails.
func mkdirs(dir string) (undo func(), err error) {
	var created []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		created = append(created, d)
		if d == filepath.Dir(d) {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return func() {}, fmt.Errorf("creating %s: %w", dir, err)
	}
	return func() {
		for _, d := range created {
			os.Remove(d) // only succeeds while empty
		}
	}, nil
}

func modeOf(m uint32) os.FileMode { return os.FileMode(m) }
