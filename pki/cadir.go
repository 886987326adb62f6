package pki

import (
	"bytes"
	"crypto/sha1"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// This file handles OpenSSL hashed CA folders (-CApath): looking
// certificates and CRLs up the way X509_LOOKUP_hash_dir does
// (OPENSSL-COMPAT.md §2.3), writing them the way `openssl rehash` does
// (§2.1), and checking an existing folder.

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

// HashKind selects which subject hash names the links of a CA folder.
type HashKind int

const (
	// HashNew files under X509_NAME_hash_ex (OpenSSL 1.0 and later); the
	// default.
	HashNew HashKind = iota
	// HashOld files under the MD5 hash of OpenSSL 0.9.8 (rehash -old).
	HashOld
	// HashBoth makes both links (rehash -compat).
	HashBoth
)

// MaxCAPathLinks is the most links one hash bucket may hold (openssl
// rehash's MAX_COLLISIONS).
const MaxCAPathLinks = 256

// RehashOptions tune Rehash. The zero value behaves like `openssl rehash`
// except that stale links are always replaced (see Exact).
type RehashOptions struct {
	// Hash picks the hash: HashNew (default), HashOld (-old) or HashBoth
	// (-compat).
	Hash HashKind
	// KeepLinks keeps links that are no longer needed instead of removing
	// them (openssl rehash -n).
	KeepLinks bool
	// DryRun computes and reports everything but changes nothing.
	DryRun bool
	// Copy writes regular-file copies named HASH.N instead of symlinks, for
	// Windows, where symlinks need privileges. In Copy mode every regular
	// file named like a link (8 lowercase hex digits, '.', optional 'r', a
	// number) is taken as an earlier copy: kept when its content equals a
	// file that still gets that name, else replaced or removed.
	Copy bool
	// Exact reproduces openssl rehash to the letter, including its habit of
	// keeping a link whose target is gone (or is no longer filed under that
	// hash) when its number is below the count of files sharing the hash,
	// which leaves a dangling or wrong HASH.N behind, and its lenient reading
	// of link names (upper-case hex, "HASH.", "HASH.05"), which it then
	// reports under names that do not exist. Without Exact such links are
	// removed and only names in OpenSSL's lookup form are recognised.
	Exact bool
	// Workers is the number of files parsed in parallel; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
}

// RehashEvent is one line of `openssl rehash -v` output.
type RehashEvent struct {
	// Unlink is set for "unlink NAME"; otherwise the event is
	// "link FILE -> NAME".
	Unlink bool `json:"unlink"`
	// File is the link target (a file name in the folder; for links found
	// in place, whatever they pointed to).
	File string `json:"file"`
	// Name is the link name, HASH.N or HASH.rN.
	Name string `json:"name"`
	// Kept is set when the link already existed and was left as is.
	Kept bool `json:"kept"`
}

// String renders the event as openssl rehash -v prints it.
func (e RehashEvent) String() string {
	if e.Unlink {
		return "unlink " + e.Name
	}
	return "link " + e.File + " -> " + e.Name
}

// RehashSkip is a file Rehash read but did not link, with the reason.
type RehashSkip struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// RehashResult reports what Rehash did (or would do, with DryRun).
type RehashResult struct {
	// Dir is the folder as given.
	Dir string `json:"dir"`
	// Events are the link and unlink lines in openssl rehash -v order
	// (by hash bucket, not by file).
	Events []RehashEvent `json:"events"`
	// Messages are the lines openssl rehash prints on stderr, without its
	// "rehash: " program-name prefix ("warning: skipping duplicate
	// certificate in b.pem", ...), in order.
	Messages []string `json:"messages"`
	// Errors is what openssl rehash adds to its exit status for this
	// folder: unreadable files, files holding only a private key (counted
	// silently, as OpenSSL does), failed link operations, bucket overflow.
	Errors int `json:"errors"`
	// Skipped lists every certificate-looking file that got no link, with
	// the reason, including those OpenSSL skips silently.
	Skipped []RehashSkip `json:"skipped"`
	// Created and Removed count the links (or copies) written and deleted.
	Created int `json:"created"`
	Removed int `json:"removed"`
	// Added lists what AddToCAPath put in the folder (nil for Rehash).
	Added []CAPathAdded `json:"added,omitempty"`
}

// Text returns the events as openssl rehash -v prints them on stdout,
// after its "Doing DIR" line.
func (r *RehashResult) Text() string {
	var b strings.Builder
	for _, e := range r.Events {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// rhFile is one directory entry as Rehash sees it.
type rhFile struct {
	name string
	kind int // rhLink, rhCopy, rhFileToRead, rhIgnore

	// links and copies
	hash   uint32
	crl    bool
	id     uint16
	target string

	// files
	data     []byte
	infos    []x509Info
	readable bool // PEM_X509_INFO_read_bio succeeded
	openErr  bool // the file could not be opened
	digest   [sha1.Size]byte
}

const (
	rhIgnore = iota
	rhLink
	rhCopy
	rhRead
)

// rhEntry and rhBucket mirror openssl rehash's HENTRY and BUCKET.
type rhEntry struct {
	filename string
	oldID    uint16 // 0xffff = none
	need     bool
	digest   [sha1.Size]byte
	data     []byte // Copy mode: content to write
}

type rhBucket struct {
	crl       bool
	hash      uint32
	seq       int
	entries   []*rhEntry
	numNeeded int
}

// linkSuffix is "" for certificates and "r" for CRLs.
func linkSuffix(crl bool) string {
	if crl {
		return "r"
	}
	return ""
}

func linkName(hash uint32, crl bool, id int) string {
	return FormatHash(hash) + "." + linkSuffix(crl) + strconv.Itoa(id)
}

// parseLinkNameOpenSSL reads a link name the way openssl rehash's
// handle_symlink does: 8 hex digits of either case, '.', an optional 'r'
// or 'R', then whatever strtoul(3) reads to the end of the name (empty
// counts as 0, leading white space and a sign are accepted), truncated to
// 16 bits.
func parseLinkNameOpenSSL(name string) (hash uint32, crl bool, id uint16, ok bool) {
	if len(name) < 9 {
		return 0, false, 0, false
	}
	for i := 0; i < 8; i++ {
		v, isHex := hexVal(name[i])
		if !isHex {
			return 0, false, 0, false
		}
		hash = hash<<4 | uint32(v)
	}
	if name[8] != '.' {
		return 0, false, 0, false
	}
	rest := name[9:]
	if len(rest) > 0 && (rest[0] == 'r' || rest[0] == 'R') {
		crl = true
		rest = rest[1:]
	}
	v, end := strtoul10(rest)
	if end != len(rest) {
		return 0, false, 0, false
	}
	return hash, crl, uint16(v), true
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// strtoul10 mimics strtoul(s, &end, 10) on 64-bit Linux: it returns the
// value and the index where parsing stopped (0 when no digits were read).
func strtoul10(s string) (uint64, int) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var v uint64
	overflow := false
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		d := uint64(s[i] - '0')
		if v > (^uint64(0)-d)/10 {
			overflow = true
		}
		v = v*10 + d
		i++
	}
	if i == start {
		return 0, 0
	}
	if overflow {
		return ^uint64(0), i
	}
	if neg {
		v = -v
	}
	return v, i
}

// parseLinkNameCanonical accepts only the names OpenSSL's lookup opens:
// 8 lowercase hex digits, '.', an optional 'r', a number without leading
// zeros.
func parseLinkNameCanonical(name string) (hash uint32, crl bool, id uint16, ok bool) {
	if len(name) < 10 || !isLowerHex8(name[:8]) || name[8] != '.' {
		return 0, false, 0, false
	}
	rest := name[9:]
	if rest[0] == 'r' {
		crl = true
		rest = rest[1:]
	}
	if len(rest) == 0 || len(rest) > 5 || (rest[0] == '0' && len(rest) > 1) {
		return 0, false, 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || n > 0xffff {
		return 0, false, 0, false
	}
	h, _ := ParseHash(name[:8])
	return h, crl, uint16(n), true
}

// hasCertExtension reports whether openssl rehash reads the file: its name
// ends in .pem, .crt, .cer or .crl, in any case.
func hasCertExtension(name string) bool {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return false
	}
	switch strings.ToLower(name[i+1:]) {
	case "pem", "crt", "cer", "crl":
		return true
	}
	return false
}

// readForRehash reads and classifies one file like openssl rehash's
// do_file.
func (f *rhFile) read(dir string) {
	data, err := os.ReadFile(filepath.Join(dir, f.name))
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Op == "open" {
			f.openErr = true
			return
		}
		data = nil // a folder named x.pem: it opens, then reads nothing
	}
	f.data = data
	f.infos, f.readable = readX509Info(data)
	if f.readable && len(f.infos) == 1 {
		switch in := f.infos[0]; {
		case in.cert != nil:
			f.digest = sha1.Sum(in.cert)
		case in.crl != nil:
			f.digest = sha1.Sum(in.crl)
		}
	}
}

// Rehash files every certificate and CRL of dir under its subject hash the
// way `openssl rehash` (OpenSSL 3.0) does, so that OpenSSL's -CApath
// lookups find them: it reads the files whose names end in .pem, .crt, .cer
// or .crl (any case) in bytewise name order, skips a file that does not
// hold exactly one certificate or CRL (with OpenSSL's warning) and a
// duplicate (same SHA-1 of the DER as an earlier file, with its warning),
// links certificates as HASH.0, HASH.1, ... and CRLs as HASH.r0, ... by
// relative symlinks (copies with Copy), keeps existing links that still
// fit and deletes stale ones. The result lists the same lines openssl
// rehash -v prints. The error is non-nil only when the folder cannot be
// listed; per-file problems are in the result, as OpenSSL reports them.
func Rehash(dir string, opts RehashOptions) (*RehashResult, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("pki: rehash: reading folder %s: %w", dir, err)
	}
	res := &RehashResult{Dir: dir}
	files := make([]rhFile, len(entries))
	var toRead []int
	for i, e := range entries {
		f := &files[i]
		f.name = e.Name()
		mode := e.Type()
		parse := parseLinkNameCanonical
		if opts.Exact {
			parse = parseLinkNameOpenSSL
		}
		if mode&fs.ModeSymlink != 0 {
			if h, crl, id, ok := parse(f.name); ok {
				if t, err := os.Readlink(filepath.Join(dir, f.name)); err == nil {
					f.kind, f.hash, f.crl, f.id, f.target = rhLink, h, crl, id, t
					continue
				}
			}
		} else if opts.Copy && mode.IsRegular() {
			if h, crl, id, ok := parseLinkNameCanonical(f.name); ok {
				f.kind, f.hash, f.crl, f.id = rhCopy, h, crl, id
				toRead = append(toRead, i)
				continue
			}
		}
		if hasCertExtension(f.name) {
			f.kind = rhRead
			toRead = append(toRead, i)
		}
	}
	rhParallel(len(toRead), opts.Workers, func(k int) {
		f := &files[toRead[k]]
		if f.kind == rhCopy {
			data, err := os.ReadFile(filepath.Join(dir, f.name))
			if err == nil {
				f.data = data
			}
			return
		}
		f.read(dir)
	})
	if opts.Copy {
		resolveCopies(files)
	}

	st := &rhState{opts: opts, res: res, buckets: map[rhKey]*rhBucket{}, exists: make(map[string]bool, len(entries))}
	for _, e := range entries {
		st.exists[e.Name()] = true
	}
	for i := range files {
		f := &files[i]
		switch f.kind {
		case rhLink, rhCopy:
			if st.addEntry(f.crl, f.hash, f.target, nil, false, f.id, nil) != 0 {
				// openssl rehash then treats the link as a file; its name
				// has no certificate extension, so nothing more happens.
				continue
			}
		case rhRead:
			st.doFile(f)
		}
	}
	st.finish(dir)
	return res, nil
}

// resolveCopies sets the target of each Copy-mode copy to the first file
// (in name order) with identical content, or to a name no file has.
func resolveCopies(files []rhFile) {
	first := map[string]string{}
	for i := range files {
		f := &files[i]
		if f.kind == rhRead && f.readable && len(f.infos) == 1 && (f.infos[0].cert != nil || f.infos[0].crl != nil) {
			if _, ok := first[string(f.data)]; !ok {
				first[string(f.data)] = f.name
			}
		}
	}
	for i := range files {
		f := &files[i]
		if f.kind != rhCopy {
			continue
		}
		if t, ok := first[string(f.data)]; ok && f.data != nil {
			f.target = t
		} else {
			f.target = "\x00" + f.name // matches no file: a stale copy
		}
	}
}

// rhParallel runs f(0..n-1) on workers goroutines.
func rhParallel(n, workers int, f func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

type rhKey struct {
	crl  bool
	hash uint32
}

// rhState is the simulation of openssl rehash's hash table.
type rhState struct {
	opts    RehashOptions
	res     *RehashResult
	buckets map[rhKey]*rhBucket
	seq     int
	// exists tracks the folder's names so that no unlink is attempted for
	// a name that is not there (openssl rehash tries and ignores ENOENT).
	exists map[string]bool
}

func (st *rhState) msg(format string, args ...any) {
	st.res.Messages = append(st.res.Messages, fmt.Sprintf(format, args...))
}

// addEntry is openssl rehash's add_entry; it returns the number of errors.
func (st *rhState) addEntry(crl bool, hash uint32, filename string, digest *[sha1.Size]byte, need bool, oldID uint16, data []byte) int {
	k := rhKey{crl, hash}
	b := st.buckets[k]
	if b == nil {
		b = &rhBucket{crl: crl, hash: hash, seq: st.seq}
		st.seq++
		st.buckets[k] = b
	}
	var found *rhEntry
	for _, e := range b.entries {
		if digest != nil && e.need && e.digest == *digest {
			what := "certificate"
			if crl {
				what = "CRL"
			}
			st.msg("warning: skipping duplicate %s in %s", what, filename)
			st.res.Skipped = append(st.res.Skipped, RehashSkip{filename, "duplicate of " + e.filename})
			return 0
		}
		if e.filename == filename {
			found = e
			if digest == nil {
				break
			}
		}
	}
	e := found
	if e == nil {
		if b.numNeeded >= MaxCAPathLinks {
			st.msg("error: hash table overflow for %s", filename)
			if need {
				st.res.Skipped = append(st.res.Skipped, RehashSkip{filename, fmt.Sprintf("more than %d files share hash %s", MaxCAPathLinks, FormatHash(hash))})
			}
			return 1
		}
		e = &rhEntry{filename: filename, oldID: 0xffff}
		b.entries = append(b.entries, e)
	}
	if oldID < e.oldID {
		e.oldID = oldID
	}
	if need && !e.need {
		e.need = true
		b.numNeeded++
		e.digest = *digest
		e.data = data
	}
	return 0
}

// doFile is openssl rehash's do_file after the extension test.
func (st *rhState) doFile(f *rhFile) {
	switch {
	case f.openErr:
		st.msg("error: skipping %s, cannot open file", f.name)
		st.res.Skipped = append(st.res.Skipped, RehashSkip{f.name, "cannot open file"})
		st.res.Errors++
		return
	case !f.readable:
		st.res.Skipped = append(st.res.Skipped, RehashSkip{f.name, "not readable as PEM by OpenSSL (a malformed object, or a certificate, CRL or key it cannot decode); skipped silently"})
		return
	case len(f.infos) != 1:
		st.msg("warning: skipping %s,it does not contain exactly one certificate or CRL", f.name)
		reason := fmt.Sprintf("holds %d certificate/CRL/key groups, not exactly one", len(f.infos))
		if len(f.infos) == 0 {
			reason = "holds no PEM certificate or CRL"
			if looksDER(f.data) {
				reason = "is DER, not PEM"
			}
		}
		st.res.Skipped = append(st.res.Skipped, RehashSkip{f.name, reason})
		return
	}
	in := f.infos[0]
	crl := false
	var name Name
	var raw []byte
	switch {
	case in.cert != nil:
		name, raw = in.certName, in.certRaw
	case in.crl != nil:
		crl, name, raw = true, in.crlName, in.crlRaw
	default:
		st.res.Skipped = append(st.res.Skipped, RehashSkip{f.name, "holds only a private key (counted as an error by openssl rehash)"})
		st.res.Errors++
		return
	}
	var data []byte
	if st.opts.Copy {
		data = f.data
	}
	if st.opts.Hash == HashNew || st.opts.Hash == HashBoth {
		st.res.Errors += st.addEntry(crl, name.Hash(), f.name, &f.digest, true, 0xffff, data)
	}
	if st.opts.Hash == HashOld || st.opts.Hash == HashBoth {
		st.res.Errors += st.addEntry(crl, NameHashOld(raw), f.name, &f.digest, true, 0xffff, data)
	}
}

// looksLikeCertData reports whether data is a DER certificate or CRL or
// PEM holding one.
func looksLikeCertData(data []byte) bool {
	if looksDER(data) {
		_, _, errC := CertNames(data)
		_, errL := CRLIssuerName(data)
		return errC == nil || errL == nil
	}
	infos, ok := readX509Info(data)
	if !ok {
		return false
	}
	for _, in := range infos {
		if in.cert != nil || in.crl != nil {
			return true
		}
	}
	return false
}

// looksDER reports whether data is a single BER SEQUENCE (a DER
// certificate or CRL saved without PEM armour).
func looksDER(data []byte) bool {
	e, rest, err := berNext(data)
	return err == nil && isSeq(e) && len(bytes.TrimSpace(rest)) == 0
}

// finish walks the buckets in openssl rehash's order (its 257-slot hash
// table, newest bucket first within a slot) and makes the links.
func (st *rhState) finish(dir string) {
	buckets := make([]*rhBucket, 0, len(st.buckets))
	for _, b := range st.buckets {
		buckets = append(buckets, b)
	}
	slot := func(b *rhBucket) uint32 {
		t := uint32(0)
		if b.crl {
			t = 1
		}
		return (t + b.hash) % 257
	}
	sort.Slice(buckets, func(i, j int) bool {
		si, sj := slot(buckets[i]), slot(buckets[j])
		if si != sj {
			return si < sj
		}
		return buckets[i].seq > buckets[j].seq
	})
	for _, b := range buckets {
		st.finishBucket(dir, b)
	}
}

func (st *rhState) finishBucket(dir string, b *rhBucket) {
	exact := st.opts.Exact
	kept := func(e *rhEntry) bool { return int(e.oldID) < b.numNeeded && (exact || e.need) }
	used := make([]bool, MaxCAPathLinks+1)
	for _, e := range b.entries {
		if kept(e) {
			used[e.oldID] = true
		}
	}
	// Ids handed to new links, computed first so that (without Exact) a
	// stale link whose slot is reused is replaced, not deleted afterwards.
	assigned := map[*rhEntry]int{}
	taken := map[int]bool{}
	next := 0
	for _, e := range b.entries {
		if !kept(e) && e.need {
			for next < len(used) && used[next] {
				next++
			}
			assigned[e] = next
			taken[next] = true
			if next < len(used) {
				used[next] = true
			}
		}
	}
	for _, e := range b.entries {
		switch {
		case kept(e):
			st.res.Events = append(st.res.Events, RehashEvent{File: e.filename, Name: linkName(b.hash, b.crl, int(e.oldID)), Kept: true})
		case e.need:
			name := linkName(b.hash, b.crl, assigned[e])
			st.res.Events = append(st.res.Events, RehashEvent{File: e.filename, Name: name})
			st.makeLink(dir, e, name)
		case !st.opts.KeepLinks:
			if !exact && taken[int(e.oldID)] {
				continue // replaced by a new link above
			}
			name := linkName(b.hash, b.crl, int(e.oldID))
			st.res.Events = append(st.res.Events, RehashEvent{Unlink: true, File: e.filename, Name: name})
			st.removeLink(dir, name)
		}
	}
}

// osErrText renders an OS error like strerror(3) ("Permission denied").
func osErrText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	return err.Error()
}

func (st *rhState) removeLink(dir, name string) {
	if st.opts.DryRun {
		return
	}
	path := filepath.Join(dir, name)
	if !st.exists[name] {
		return
	}
	if err := os.Remove(path); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			st.msg("Can't unlink %s, %s", path, osErrText(err))
			st.res.Errors++
		}
		return
	}
	delete(st.exists, name)
	st.res.Removed++
}

func (st *rhState) makeLink(dir string, e *rhEntry, name string) {
	if st.opts.DryRun {
		return
	}
	path := filepath.Join(dir, name)
	if st.opts.Copy {
		if err := writeFileAtomic(path, e.data, 0o644); err != nil {
			st.msg("Can't copy %s, %s", e.filename, osErrText(err))
			st.res.Errors++
			return
		}
		st.exists[name] = true
		st.res.Created++
		return
	}
	if st.exists[name] {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			st.msg("Can't unlink %s, %s", path, osErrText(err))
			st.res.Errors++
		}
		delete(st.exists, name)
	}
	if err := os.Symlink(e.filename, path); err != nil {
		st.msg("Can't symlink %s, %s", e.filename, osErrText(err))
		st.res.Errors++
		return
	}
	st.exists[name] = true
	st.res.Created++
}

// writeFileAtomic writes data to path through a temporary file in the same
// folder created with the final mode, then renames it into place.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(mode); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	ok = true
	return nil
}

// Finding identifiers of ListCAPath (stable, snake_case).
const (
	// FindingDangling: a link whose target does not exist. OpenSSL 3.0
	// skips it (the entry exists, so higher numbers are still tried).
	FindingDangling = "dangling"
	// FindingWrongName: the name's hash is not the subject (or CRL issuer)
	// hash of anything in the file, so lookups under that hash never match
	// it (renamed or replaced file, wrong hash version).
	FindingWrongName = "wrong_name"
	// FindingGap: the entry can never be reached because a lower number of
	// its hash has no directory entry (a gap at .0 hides .1).
	FindingGap = "gap"
	// FindingUnreadable: the file cannot be opened or OpenSSL cannot read
	// it as PEM (a malformed object or a certificate it refuses).
	FindingUnreadable = "unreadable"
	// FindingDER: the file is DER; OpenSSL reads only PEM in a CA folder.
	FindingDER = "der"
	// FindingNotCert: a file with a certificate extension holding no
	// certificate or CRL (a key, a CSR, text).
	FindingNotCert = "not_cert"
	// FindingBundle: a file with several certificates; openssl rehash
	// skips it, so none of them gets a link.
	FindingBundle = "bundle"
	// FindingDuplicate: the same certificate or CRL is filed twice.
	FindingDuplicate = "duplicate"
	// FindingNotLinked: a certificate or CRL file without a HASH.N link to
	// it: run rehash.
	FindingNotLinked = "not_linked"
	// FindingExpired: a certificate or CRL that is expired or not yet
	// valid.
	FindingExpired = "expired"
	// FindingOldHash: a link named by the old (MD5, OpenSSL 0.9.8) hash
	// of its content; OpenSSL 1.0 and later never look it up.
	FindingOldHash = "old_hash"
	// FindingOddName: a hash-like name OpenSSL's lookup never opens
	// (upper-case hex, leading zeros, trailing text).
	FindingOddName = "odd_name"
)

// CAPathFinding is one problem found in a CA folder entry.
type CAPathFinding struct {
	ID       string `json:"id"`
	Severity string `json:"severity"` // "error" (breaks lookups), "warning" or "info"
	Text     string `json:"text"`
}

// CAPathObject is a certificate or CRL found in an entry.
type CAPathObject struct {
	Type        string    `json:"type"`         // "certificate" or "crl"
	Subject     string    `json:"subject"`      // OneLine form; a CRL's issuer
	Hash        string    `json:"hash"`         // subject (CRL: issuer) hash
	HashOld     string    `json:"hash_old"`     // old (MD5) hash
	SHA1        string    `json:"sha1"`         // fingerprint of the DER
	NotBefore   time.Time `json:"not_before"`   // CRL: thisUpdate
	NotAfter    time.Time `json:"not_after"`    // CRL: nextUpdate (zero if none)
	IsCA        bool      `json:"is_ca"`        // basicConstraints CA:TRUE
	GoParseable bool      `json:"go_parseable"` // crypto/x509 parses it
}

// CAPathEntry is one directory entry of a CA folder.
type CAPathEntry struct {
	Name string `json:"name"`
	// Kind is "link" (symlink named HASH.N/HASH.rN), "copy" (regular file
	// with such a name), "file" (other file with a certificate
	// extension), "other" (anything else) or "dir".
	Kind   string `json:"kind"`
	Target string `json:"target,omitempty"` // symlink target
	// Hash, Number and CRL describe a link or copy name.
	Hash     string          `json:"hash,omitempty"`
	Number   int             `json:"number,omitempty"`
	CRL      bool            `json:"crl,omitempty"`
	Objects  []CAPathObject  `json:"objects,omitempty"`
	Findings []CAPathFinding `json:"findings,omitempty"`
}

// CAPathReport is the result of ListCAPath.
type CAPathReport struct {
	Dir     string        `json:"dir"`
	Entries []CAPathEntry `json:"entries"`
}

// Problems returns "NAME: TEXT" for every finding with one of the given
// IDs (all findings of severity error or warning when none are given).
func (r *CAPathReport) Problems(ids ...string) []string {
	var out []string
	for _, e := range r.Entries {
		for _, f := range e.Findings {
			if len(ids) == 0 && f.Severity == "info" {
				continue
			}
			if len(ids) > 0 && !slicesContains(ids, f.ID) {
				continue
			}
			out = append(out, e.Name+": "+f.Text)
		}
	}
	return out
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func (e *CAPathEntry) add(id, sev, format string, args ...any) {
	e.Findings = append(e.Findings, CAPathFinding{ID: id, Severity: sev, Text: fmt.Sprintf(format, args...)})
}

// describeObject fills a CAPathObject from certificate or CRL DER.
func describeObject(der []byte, crl bool) CAPathObject {
	o := CAPathObject{Type: "certificate"}
	sum := sha1.Sum(der)
	o.SHA1 = Fingerprint(sum[:])
	var raw []byte
	if crl {
		o.Type = "crl"
		raw, _ = CRLIssuerName(der)
		if l, err := x509.ParseRevocationList(der); err == nil {
			o.GoParseable = true
			o.NotBefore, o.NotAfter = l.ThisUpdate, l.NextUpdate
		}
	} else {
		raw, _, _ = CertNames(der)
		if c, err := x509.ParseCertificate(der); err == nil {
			o.GoParseable = true
			o.NotBefore, o.NotAfter, o.IsCA = c.NotBefore, c.NotAfter, c.IsCA
		}
	}
	if n, err := ParseName(raw); err == nil {
		o.Subject = n.OneLine()
		o.Hash = FormatHash(n.Hash())
	}
	o.HashOld = FormatHash(NameHashOld(raw))
	return o
}

// ListCAPath checks a hashed CA folder the way OpenSSL will use it and
// reports every entry with its certificates or CRLs and its findings:
// links whose name does not match their content's hash (wrong_name),
// dangling links, entries hidden behind a gap in the numbering, duplicates,
// unreadable and DER files, files that are no certificate, bundles,
// certificate files without a link, expired certificates and CRLs, and
// hash-like names OpenSSL never opens. Both symlinks and regular-file
// copies (Windows) are understood.
func ListCAPath(dir string) (*CAPathReport, error) {
	return listCAPath(dir, time.Now())
}

func listCAPath(dir string, now time.Time) (*CAPathReport, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("pki: reading CA folder %s: %w", dir, err)
	}
	rep := &CAPathReport{Dir: dir, Entries: make([]CAPathEntry, len(des))}
	type loaded struct {
		exists, complete bool
		ders             [][]byte
		data             []byte
	}
	info := make([]loaded, len(des))
	byName := map[string]int{}
	for i, de := range des {
		e := &rep.Entries[i]
		e.Name = de.Name()
		byName[e.Name] = i
		path := filepath.Join(dir, e.Name)
		isLink := de.Type()&fs.ModeSymlink != 0
		h, crl, id, canonical := parseLinkNameCanonical(e.Name)
		switch {
		case de.IsDir():
			e.Kind = "dir"
			continue
		case canonical && isLink:
			e.Kind = "link"
		case canonical && de.Type().IsRegular():
			e.Kind = "copy"
		case hasCertExtension(e.Name):
			e.Kind = "file"
		default:
			e.Kind = "other"
			if _, _, _, ok := parseLinkNameOpenSSL(e.Name); ok {
				e.add(FindingOddName, "warning", "looks like a hash link but OpenSSL's lookup only opens names like %s.0 (8 lower-case hex digits, no leading zeros)", strings.ToLower(e.Name[:8]))
			} else if de.Type().IsRegular() {
				if data, err := os.ReadFile(path); err == nil && looksLikeCertData(data) {
					e.add(FindingNotLinked, "warning", "holds a certificate or CRL, but openssl rehash reads only names ending in .pem, .crt, .cer or .crl (and only PEM)")
				}
			}
			continue
		}
		if isLink {
			e.Target, _ = os.Readlink(path)
		}
		if e.Kind != "file" {
			e.Hash, e.Number, e.CRL = FormatHash(h), int(id), crl
		}
		data, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && isLink {
				e.add(FindingDangling, "error", "link target %s does not exist", e.Target)
			} else {
				e.add(FindingUnreadable, "error", "cannot read: %v", err)
			}
			continue
		}
		info[i].exists, info[i].data = true, data
		if e.Kind == "file" {
			infos, ok := readX509Info(data)
			switch {
			case !ok:
				e.add(FindingUnreadable, "error", "OpenSSL cannot read this file as PEM (a malformed object, or a certificate, CRL or key it refuses)")
			case len(infos) == 0 && looksDER(data):
				e.add(FindingDER, "warning", "DER file: OpenSSL reads only PEM here; convert it (wsskit capath add does)")
			case len(infos) == 0:
				e.add(FindingNotCert, "info", "holds no certificate or CRL")
			case len(infos) > 1:
				e.add(FindingBundle, "warning", "holds %d certificates/CRLs: openssl rehash skips it; split it (wsskit capath add does)", len(infos))
			case infos[0].cert == nil && infos[0].crl == nil:
				e.add(FindingNotCert, "warning", "holds only a private key: keep keys out of a CA folder (openssl rehash counts it as an error)")
			}
			for _, in := range infos {
				if in.cert != nil {
					e.Objects = append(e.Objects, describeObject(in.cert, false))
				}
				if in.crl != nil {
					e.Objects = append(e.Objects, describeObject(in.crl, true))
				}
			}
			continue
		}
		// A link or copy: load it like X509_LOOKUP_hash_dir.
		var ders [][]byte
		var complete bool
		if crl {
			ders, complete = readPEMCRLs(data)
		} else {
			ders, complete = readPEMCerts(data)
		}
		info[i].ders, info[i].complete = ders, complete
		for _, d := range ders {
			e.Objects = append(e.Objects, describeObject(d, crl))
		}
		switch {
		case len(ders) == 0 && looksDER(data):
			e.add(FindingDER, "error", "DER content: OpenSSL reads only PEM here, so it skips this file")
		case !complete:
			e.add(FindingUnreadable, "error", "OpenSSL cannot read this file as PEM (up to a malformed object) and skips the rest of it")
		case len(ders) == 0:
			what := "certificate"
			if crl {
				what = "CRL"
			}
			e.add(FindingNotCert, "error", "holds no %s, so lookups under this name find nothing", what)
		}
		match, oldMatch := false, false
		for _, o := range e.Objects {
			match = match || o.Hash == e.Hash
			oldMatch = oldMatch || o.HashOld == e.Hash
		}
		switch {
		case len(e.Objects) == 0 || match:
		case oldMatch:
			e.add(FindingOldHash, "info", "filed under the old (MD5) hash, which only OpenSSL before 1.0 looks up; OpenSSL 3 looks for %s", e.Objects[0].Hash)
		default:
			e.add(FindingWrongName, "error", "named %s but its content hashes to %s, so lookups for %s never match it", e.Hash, e.Objects[0].Hash, e.Objects[0].Hash)
		}
	}
	// Reachability: OpenSSL 3.0 tries HASH.0, HASH.1, ... and stops at the
	// first number with no directory entry; entries it cannot load are
	// skipped, not fatal.
	type bk struct {
		hash string
		crl  bool
	}
	nums := map[bk]map[int]int{}
	for i := range rep.Entries {
		e := &rep.Entries[i]
		if e.Kind == "link" || e.Kind == "copy" {
			k := bk{e.Hash, e.CRL}
			if nums[k] == nil {
				nums[k] = map[int]int{}
			}
			nums[k][e.Number] = i
		}
	}
	reachable := map[int]bool{}
	missing := map[bk]int{}
	for k, m := range nums {
		n := 0
		for ; ; n++ {
			i, ok := m[n]
			if !ok {
				break
			}
			reachable[i] = true
		}
		missing[k] = n
	}
	// redundant reports whether every object of entry i is also in a
	// reachable entry of the same hash.
	redundant := func(i int, hash string, crl bool) bool {
		if len(rep.Entries[i].Objects) == 0 {
			return false
		}
		for _, o := range rep.Entries[i].Objects {
			found := false
			for j := range rep.Entries {
				if !reachable[j] || rep.Entries[j].Hash != hash || rep.Entries[j].CRL != crl {
					continue
				}
				for _, p := range rep.Entries[j].Objects {
					found = found || p.SHA1 == o.SHA1
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	for k, m := range nums {
		for _, i := range m {
			if reachable[i] {
				continue
			}
			why := fmt.Sprintf("%s.%s%d is missing", k.hash, linkSuffix(k.crl), missing[k])
			if redundant(i, k.hash, k.crl) {
				rep.Entries[i].add(FindingGap, "info", "never reached (%s), but everything in it is reachable under a lower number: harmless (openssl rehash leaves such links)", why)
			} else {
				rep.Entries[i].add(FindingGap, "error", "never reached: OpenSSL stops at the first missing number and %s", why)
			}
		}
	}
	// Which files are reached by a link or copy, and duplicates among the
	// reachable objects.
	linkedTo := map[int]bool{}
	seen := map[string]string{}
	for i := range rep.Entries {
		e := &rep.Entries[i]
		if (e.Kind == "link" || e.Kind == "copy") && reachable[i] {
			if e.Kind == "link" {
				if j, ok := byName[e.Target]; ok {
					linkedTo[j] = true
				}
			} else {
				for j := range rep.Entries {
					if rep.Entries[j].Kind == "file" && info[j].exists && string(info[j].data) == string(info[i].data) {
						linkedTo[j] = true
					}
				}
			}
			for _, o := range e.Objects {
				key := e.Hash + "/" + o.SHA1
				if o.Hash == e.Hash {
					if prev, dup := seen[key]; dup {
						e.add(FindingDuplicate, "warning", "%s %s is also filed as %s", o.Type, o.Subject, prev)
					} else {
						seen[key] = e.Name
					}
				}
			}
		}
	}
	fileSeen := map[string]string{}
	for i := range rep.Entries {
		e := &rep.Entries[i]
		if e.Kind != "file" {
			continue
		}
		infos, ok := readX509Info(info[i].data)
		if info[i].exists && ok && len(infos) == 1 && (infos[0].cert != nil || infos[0].crl != nil) {
			if len(e.Objects) > 0 {
				if prev, dup := fileSeen[e.Objects[0].SHA1]; dup {
					e.add(FindingDuplicate, "warning", "same %s as %s (openssl rehash links only the first)", e.Objects[0].Type, prev)
				} else {
					fileSeen[e.Objects[0].SHA1] = e.Name
					if !linkedTo[i] {
						e.add(FindingNotLinked, "warning", "no %s link points to it: run wsskit capath rehash", e.Objects[0].Hash)
					}
				}
			}
		}
	}
	// Validity, reported where the content lives (files and copies).
	for i := range rep.Entries {
		e := &rep.Entries[i]
		if e.Kind == "link" {
			continue
		}
		for _, o := range e.Objects {
			switch {
			case !o.NotAfter.IsZero() && now.After(o.NotAfter):
				e.add(FindingExpired, "warning", "%s %s expired on %s", o.Type, o.Subject, o.NotAfter.UTC().Format(time.RFC3339))
			case !o.NotBefore.IsZero() && now.Before(o.NotBefore):
				e.add(FindingExpired, "warning", "%s %s is not valid before %s", o.Type, o.Subject, o.NotBefore.UTC().Format(time.RFC3339))
			}
		}
	}
	return rep, nil
}

// ErrNothingToAdd reports an input of AddToCAPath that holds no
// certificate or CRL.
var ErrNothingToAdd = errors.New("pki: no certificate or CRL")

// CAPathAdded is one certificate or CRL AddToCAPath put in the folder (or
// found there already).
type CAPathAdded struct {
	Source  string       `json:"source"`  // the input file
	Name    string       `json:"name"`    // file name in the folder
	Object  CAPathObject `json:"object"`  // what it holds
	Present bool         `json:"present"` // already in the folder: nothing written
}

// caObject is one certificate or CRL read from an input file.
type caObject struct {
	der []byte
	crl bool
}

// readCAObjects extracts the certificates and CRLs of a PEM or DER file
// (keys and anything else are dropped) and checks that OpenSSL can load
// each of them.
func readCAObjects(path string) (objs []caObject, isPEM bool, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("pki: reading %s: %w", path, err)
	}
	pems, clean := scanPEM(data)
	if !clean {
		return nil, false, fmt.Errorf("pki: %s: malformed PEM: %w", path, ErrMalformedDER)
	}
	for _, o := range pems {
		switch pemKind(o.typ) {
		case objCert:
			der, err := certElement(o.der)
			if err != nil {
				return nil, false, fmt.Errorf("pki: %s: %w", path, err)
			}
			objs = append(objs, caObject{der: der})
		case objCRL:
			objs = append(objs, caObject{der: o.der, crl: true})
		}
	}
	if len(pems) == 0 && looksDER(data) {
		if _, _, err := CertNames(data); err == nil {
			objs = append(objs, caObject{der: data})
		} else if _, err := CRLIssuerName(data); err == nil {
			objs = append(objs, caObject{der: data, crl: true})
		}
	}
	if len(objs) == 0 {
		return nil, false, fmt.Errorf("%w in %s", ErrNothingToAdd, path)
	}
	for i, o := range objs {
		var err error
		if o.crl {
			_, _, err = loadableCRL(o.der)
		} else {
			_, _, err = loadableCert(o.der)
		}
		if err != nil {
			return nil, false, fmt.Errorf("pki: %s: object %d: OpenSSL would not load it: %w", path, i+1, err)
		}
	}
	return objs, len(pems) > 0, nil
}

// AddToCAPath puts the certificates and CRLs of files (PEM or DER, single
// or bundles; private keys and other objects are left out) into the CA
// folder dir as one PEM file each, then rehashes it with opts. A single PEM
// object keeps its file name when it ends in .pem/.crt/.cer/.crl; others are
// named after the input (ca.der becomes ca.pem, a bundle chain.pem becomes
// chain-1.pem, chain-2.pem, ...). An existing file is never overwritten: a
// different file of the same name makes the new one ca-2.pem, ca-3.pem...;
// a certificate or CRL already in the folder is not written again. All
// inputs are read and checked before anything is written, and nothing is
// left behind when writing fails. With opts.DryRun nothing is written and
// the rehash report covers the folder as it is.
func AddToCAPath(dir string, files []string, opts RehashOptions) (*RehashResult, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("pki: CA folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("pki: CA folder %s is not a folder", dir)
	}
	type plan struct {
		source string
		obj    caObject
		name   string
		data   []byte
	}
	var plans []plan
	for _, f := range files {
		objs, isPEM, err := readCAObjects(f)
		if err != nil {
			return nil, err
		}
		base := filepath.Base(f)
		ext := filepath.Ext(base)
		stem := strings.TrimSuffix(base, ext)
		keep := len(objs) == 1 && hasCertExtension(base) && isPEM
		for j, o := range objs {
			name := base
			if !keep {
				suffix := ".pem"
				if o.crl {
					suffix = ".crl"
				}
				name = stem + suffix
				if len(objs) > 1 {
					name = fmt.Sprintf("%s-%d%s", stem, j+1, suffix)
				}
			}
			typ := "CERTIFICATE"
			if o.crl {
				typ = "X509 CRL"
			}
			plans = append(plans, plan{source: f, obj: o, name: name, data: pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: o.der})})
		}
	}
	// What the folder holds already: names and object digests.
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("pki: reading CA folder %s: %w", dir, err)
	}
	taken := map[string]bool{}
	present := map[[sha1.Size]byte]string{}
	for _, e := range entries {
		taken[e.Name()] = true
		if !hasCertExtension(e.Name()) || e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if infos, ok := readX509Info(data); ok {
			for _, in := range infos {
				if in.cert != nil {
					present[sha1.Sum(in.cert)] = e.Name()
				}
				if in.crl != nil {
					present[sha1.Sum(in.crl)] = e.Name()
				}
			}
		}
	}
	var added []CAPathAdded
	var written []string
	undo := func() {
		for _, p := range written {
			os.Remove(p)
		}
	}
	for _, p := range plans {
		a := CAPathAdded{Source: p.source, Object: describeObject(p.obj.der, p.obj.crl)}
		sum := sha1.Sum(p.obj.der)
		if name, ok := present[sum]; ok {
			a.Name, a.Present = name, true
			added = append(added, a)
			continue
		}
		name := p.name
		ext := filepath.Ext(name)
		stem := strings.TrimSuffix(name, ext)
		for n := 2; taken[name]; n++ {
			name = fmt.Sprintf("%s-%d%s", stem, n, ext)
		}
		if !opts.DryRun {
			for {
				err := writeFileNoClobber(filepath.Join(dir, name), p.data, 0o644)
				if err == nil {
					break
				}
				if errors.Is(err, fs.ErrExist) { // appeared meanwhile
					taken[name] = true
					for n := 2; taken[name]; n++ {
						name = fmt.Sprintf("%s-%d%s", stem, n, ext)
					}
					continue
				}
				undo()
				return nil, fmt.Errorf("pki: writing %s: %w", filepath.Join(dir, name), err)
			}
			written = append(written, filepath.Join(dir, name))
		}
		taken[name] = true
		present[sum] = name
		a.Name = name
		added = append(added, a)
	}
	res, err := Rehash(dir, opts)
	if err != nil {
		return nil, err
	}
	res.Added = added
	return res, nil
}

// writeFileNoClobber writes data to path atomically (temporary file, then
// a hard link into place) and fails with fs.ErrExist when path exists.
func writeFileNoClobber(path string, data []byte, mode os.FileMode) error {
	tmpPath := path + ".tmp-wsskit"
	if err := writeFileAtomic(tmpPath, data, mode); err != nil {
		return err
	}
	defer os.Remove(tmpPath)
	if err := os.Link(tmpPath, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		// No hard links on this file system: check, then rename.
		if _, serr := os.Lstat(path); serr == nil {
			return fs.ErrExist
		}
		return os.Rename(tmpPath, path)
	}
	return nil
}
