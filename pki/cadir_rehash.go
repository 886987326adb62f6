package pki

import (
	"bytes"
	"crypto/sha1"
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
)

// This file writes hashed CA folders the way `openssl rehash` does
// (OPENSSL-COMPAT.md §2.1).

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

// ParseLinkName reads a hashed CA folder entry name as OpenSSL's lookup
// does: HASH.N for a certificate, HASH.rN for a CRL.
func ParseLinkName(name string) (hash uint32, crl bool, id uint16, ok bool) {
	return parseLinkNameCanonical(name)
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
