package pki

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file reads OpenSSL hashed CA folders (-CApath): looking certificates
// and CRLs up the way X509_LOOKUP_hash_dir does (OPENSSL-COMPAT.md §2.3).
// Writing them is cadir_rehash.go and cadir_add.go, checking them
// cadir_list.go.

// CAPath is a hashed CA folder (or several, like OpenSSL's -CApath
// "dir1:dir2", separated by os.PathListSeparator) read the way OpenSSL's
// X509_LOOKUP_hash_dir reads it. It implements the IssuerLookup interface
// of Verify. It is safe for concurrent use; parsed files are cached and
// re-read when their size or modification time changes.
type CAPath struct {
	dirs []string

	mu    sync.Mutex
	cache map[string]*caFile
}

// caFile is a parsed HASH.N or HASH.rN file.
type caFile struct {
	size     int64
	mod      time.Time
	ders     [][]byte // certificates or CRLs, in file order
	complete bool     // OpenSSL read the whole file without error
	certs    []*x509.Certificate
	crls     []*x509.RevocationList
	canon    [][]byte // canonical subject (certs) or issuer (CRLs) of each
}

// OpenCAPath returns the CA folder(s) dir. Nothing is read until a lookup.
func OpenCAPath(dir string) *CAPath {
	var dirs []string
	for _, d := range filepath.SplitList(dir) {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	return &CAPath{dirs: dirs, cache: map[string]*caFile{}}
}

// Dirs returns the folders searched, in order.
func (p *CAPath) Dirs() []string { return append([]string(nil), p.dirs...) }

// CAPathError reports a file of the folder that could not be read for a
// reason other than its absence (which simply ends the HASH.N sequence).
type CAPathError struct {
	Path string
	Err  error
}

func (e *CAPathError) Error() string { return fmt.Sprintf("pki: CA folder file %s: %v", e.Path, e.Err) }

// Unwrap returns the underlying error.
func (e *CAPathError) Unwrap() error { return e.Err }

// LookupIssuers returns the certificates whose subject equals rawName (a
// DER Name, typically a certificate's issuer) found in the folder the way
// OpenSSL 3.0 finds them: the new subject hash of rawName, then DIR/HASH.0,
// HASH.1, ... until the first number with no directory entry (entries that
// cannot be read as PEM, such as dangling links or DER files, are skipped),
// every certificate of each file (up to a malformed object), kept when its
// subject equals rawName by OpenSSL's canonical comparison (so hash
// collisions are harmless). Certificates crypto/x509 cannot parse are
// skipped. The error is non-nil when rawName cannot be hashed or a file
// exists but cannot be read; certificates found before are still returned.
func (p *CAPath) LookupIssuers(rawName []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	err := p.lookup(rawName, false, func(f *caFile, i int) {
		if f.certs[i] != nil {
			out = append(out, f.certs[i])
		}
	})
	return out, err
}

// LookupCRLs is LookupIssuers for CRLs, filed as HASH.r0, HASH.r1, ... under
// the hash of their issuer.
func (p *CAPath) LookupCRLs(rawName []byte) ([]*x509.RevocationList, error) {
	var out []*x509.RevocationList
	err := p.lookup(rawName, true, func(f *caFile, i int) {
		if f.crls[i] != nil {
			out = append(out, f.crls[i])
		}
	})
	return out, err
}

// StoreLookup returns p as OpenSSL's X509_STORE sees it for Verify: a
// lookup returns every certificate (or CRL) of each HASH.N file it reads,
// not only those named rawName, because by_dir.c adds a whole file to the
// store, so a root filed in its intermediate's file is then found too. The
// verifier compares names itself.
func (p *CAPath) StoreLookup() IssuerLookup { return storeLookup{p} }

type storeLookup struct{ p *CAPath }

func (s storeLookup) LookupIssuers(rawName []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	err := s.p.lookupFiles(rawName, false, func(f *caFile) {
		for _, c := range f.certs {
			if c != nil {
				out = append(out, c)
			}
		}
	})
	return out, err
}

func (s storeLookup) LookupCRLs(rawName []byte) ([]*x509.RevocationList, error) {
	var out []*x509.RevocationList
	err := s.p.lookupFiles(rawName, true, func(f *caFile) {
		for _, c := range f.crls {
			if c != nil {
				out = append(out, c)
			}
		}
	})
	return out, err
}

func (p *CAPath) lookup(rawName []byte, crl bool, found func(f *caFile, i int)) error {
	var canon []byte
	if n, err := ParseName(rawName); err == nil {
		canon = n.Canonical()
	}
	return p.lookupFiles(rawName, crl, func(f *caFile) {
		for i := range f.ders {
			if string(f.canon[i]) == string(canon) {
				found(f, i)
			}
		}
	})
}

// lookupFiles visits every HASH.N (or HASH.rN) file for rawName's hash.
func (p *CAPath) lookupFiles(rawName []byte, crl bool, visit func(f *caFile)) error {
	n, err := ParseName(rawName)
	if err != nil {
		return err
	}
	hash := FormatHash(n.Hash())
	suffix := "."
	if crl {
		suffix = ".r"
	}
	var errs []error
	for _, dir := range p.dirs {
		p.walk(dir, hash+suffix, crl, &errs, visit)
	}
	return errors.Join(errs...)
}

// walk visits DIR/PREFIX0, PREFIX1, ... like OpenSSL 3.0's
// X509_LOOKUP_hash_dir: it stops at the first number with no directory
// entry at all; an entry that cannot be loaded (a dangling link, DER, a
// malformed PEM object, no certificate) is skipped and the walk goes on.
func (p *CAPath) walk(dir, prefix string, crl bool, errs *[]error, visit func(*caFile)) {
	for k := 0; ; k++ {
		path := filepath.Join(dir, prefix+strconv.Itoa(k))
		if _, err := os.Lstat(path); err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				*errs = append(*errs, &CAPathError{Path: path, Err: err})
			}
			return
		}
		f, err := p.file(path, crl)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				*errs = append(*errs, &CAPathError{Path: path, Err: err})
			}
			continue
		}
		visit(f)
	}
}

// file stats, reads and parses path, using the cache when unchanged.
func (p *CAPath) file(path string, crl bool) (*caFile, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	f := p.cache[path]
	p.mu.Unlock()
	if f != nil && f.size == st.Size() && f.mod.Equal(st.ModTime()) {
		return f, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f = &caFile{size: st.Size(), mod: st.ModTime()}
	if crl {
		f.ders, f.complete = readPEMCRLs(data)
		f.crls = make([]*x509.RevocationList, len(f.ders))
		f.canon = make([][]byte, len(f.ders))
		for i, der := range f.ders {
			if c, err := x509.ParseRevocationList(der); err == nil {
				f.crls[i] = c
			}
			raw, _ := CRLIssuerName(der)
			f.canon[i], _ = CanonicalName(raw)
		}
	} else {
		f.ders, f.complete = readPEMCerts(data)
		f.certs = make([]*x509.Certificate, len(f.ders))
		f.canon = make([][]byte, len(f.ders))
		for i, der := range f.ders {
			if c, err := x509.ParseCertificate(der); err == nil {
				f.certs[i] = c
			}
			raw, _, _ := CertNames(der)
			f.canon[i], _ = CanonicalName(raw)
		}
	}
	p.mu.Lock()
	p.cache[path] = f
	p.mu.Unlock()
	return f, nil
}

// Certificates returns every certificate OpenSSL can reach through the
// folder: for each HASH present as HASH.0, the certificates of HASH.0,
// HASH.1, ... (up to the first missing number) whose subject hashes to
// HASH — a
// certificate filed under another hash is never found by a lookup. Each
// certificate appears once, in hash then file order.
func (p *CAPath) Certificates() ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	seen := map[string]bool{}
	var errs []error
	for _, dir := range p.dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("pki: reading CA folder %s: %w", dir, err)
		}
		var hashes []string
		for _, e := range entries {
			if h, ok := strings.CutSuffix(e.Name(), ".0"); ok && isLowerHex8(h) {
				hashes = append(hashes, h)
			}
		}
		sort.Strings(hashes)
		for _, h := range hashes {
			want, _ := ParseHash(h)
			p.walk(dir, h+".", false, &errs, func(f *caFile) {
				for i, der := range f.ders {
					raw, _, _ := CertNames(der)
					if hv, err := NameHash(raw); err != nil || hv != want || f.certs[i] == nil || seen[string(der)] {
						continue
					}
					seen[string(der)] = true
					out = append(out, f.certs[i])
				}
			})
		}
	}
	return out, errors.Join(errs...)
}

// isLowerHex8 reports whether s is eight lowercase hex digits, the form
// OpenSSL looks files up by (%08lx).
func isLowerHex8(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < 8; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// CAPathCerts returns every certificate reachable through the hashed CA
// folder dir (see CAPath.Certificates).
func CAPathCerts(dir string) ([]*x509.Certificate, error) {
	return OpenCAPath(dir).Certificates()
}

// LoadCAPathPool returns a pool of every certificate reachable through the
// hashed CA folder dir, for Go's TLS (tls.Config.RootCAs / ClientCAs).
func LoadCAPathPool(dir string) (*x509.CertPool, error) {
	certs, err := CAPathCerts(dir)
	if err != nil && len(certs) == 0 {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, err
}
