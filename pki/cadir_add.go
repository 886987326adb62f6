package pki

import (
	"crypto/sha1"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// This file copies certificates and CRLs into a hashed CA folder and
// rehashes it (`wsskit capath add`).

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
