package pki

import (
	"crypto/sha1"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// This file checks an existing hashed CA folder (`wsskit capath list`).

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
