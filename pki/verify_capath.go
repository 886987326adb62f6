package pki

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// HashDir reads an OpenSSL hashed CA folder the way X509_LOOKUP_hash_dir
// (crypto/x509/by_dir.c) does for `openssl verify -CApath`: for a name it
// reads DIR/HASH.0, HASH.1, ... (HASH.r0, ... for CRLs) until the first
// number that does not exist, skipping dangling links and files that do not
// load, and takes every PEM certificate (or CRL) of each file. DER files are
// ignored, as by OpenSSL. It implements IssuerLookup and is safe for
// concurrent use.
type HashDir struct {
	// Dirs are searched in order.
	Dirs []string
}

// OpenHashDir returns a HashDir for a -CApath value: one folder, or several
// separated by the OS path list separator (':' on Unix, ';' on Windows), as
// OpenSSL accepts. It does not read anything yet.
func OpenHashDir(path string) *HashDir {
	var dirs []string
	for _, d := range strings.Split(path, string(os.PathListSeparator)) {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	return &HashDir{Dirs: dirs}
}

// nameHashHex is X509_NAME_hash_ex as the folder's file names spell it.
func nameHashHex(rawName []byte) (string, error) {
	h, err := NameHash(rawName)
	if err != nil {
		return "", err
	}
	return FormatHash(h), nil
}

// files returns the contents of the HASH.N (or HASH.rN) files for a name.
func (h *HashDir) files(rawName []byte, crl bool) ([][]byte, []error) {
	hash, err := nameHashHex(rawName)
	if err != nil {
		return nil, []error{fmt.Errorf("pki: hashing name for CA folder lookup: %w", err)}
	}
	prefix := "."
	if crl {
		prefix = ".r"
	}
	var out [][]byte
	var errs []error
	for _, dir := range h.Dirs {
		for k := 0; ; k++ {
			p := filepath.Join(dir, fmt.Sprintf("%s%s%d", hash, prefix, k))
			if _, err := os.Lstat(p); err != nil {
				break // no such entry: the scan stops at the first gap
			}
			data, err := os.ReadFile(p)
			if err != nil {
				errs = append(errs, fmt.Errorf("pki: reading CA folder entry: %w", err))
				continue // a dangling link or unreadable file is skipped
			}
			out = append(out, data)
		}
	}
	return out, errs
}

// pemObjects decodes the PEM blocks of the given types from data, in order,
// stopping at the first one that does not parse (as OpenSSL's PEM loop does).
func pemObjects[T any](data []byte, types []string, parse func([]byte) (T, error)) ([]T, error) {
	var out []T
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out, nil
		}
		match := false
		for _, t := range types {
			match = match || b.Type == t
		}
		if !match {
			continue
		}
		v, err := parse(b.Bytes)
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
}

// parseTrustedCertificate parses a certificate, ignoring OpenSSL's auxiliary
// trust data after it ("TRUSTED CERTIFICATE" blocks).
func parseTrustedCertificate(der []byte) (*x509.Certificate, error) {
	if elem, _, ok := splitDER(der); ok {
		der = elem
	}
	return x509.ParseCertificate(der)
}

// splitDER returns the bytes after the first DER element of b.
func splitDER(b []byte) (elem, rest []byte, ok bool) {
	if len(b) < 2 {
		return nil, nil, false
	}
	l, hdr := int(b[1]), 2
	if l >= 0x80 {
		n := l & 0x7f
		if n == 0 || n > 4 || len(b) < 2+n {
			return nil, nil, false
		}
		l = 0
		for _, c := range b[2 : 2+n] {
			l = l<<8 | int(c)
		}
		hdr += n
	}
	if l < 0 || hdr+l > len(b) {
		return nil, nil, false
	}
	return b[:hdr+l], b[hdr+l:], true
}

// LookupIssuers returns the certificates filed under rawName's subject hash.
func (h *HashDir) LookupIssuers(rawName []byte) ([]*x509.Certificate, error) {
	files, errs := h.files(rawName, false)
	var out []*x509.Certificate
	for _, data := range files {
		certs, err := pemObjects(data, []string{"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"}, parseTrustedCertificate)
		if err != nil {
			errs = append(errs, fmt.Errorf("pki: parsing certificate in CA folder: %w", err))
		}
		out = append(out, certs...)
	}
	return out, errors.Join(errs...)
}

// LookupCRLs returns the CRLs filed under rawName's subject hash.
func (h *HashDir) LookupCRLs(rawName []byte) ([]*x509.RevocationList, error) {
	files, errs := h.files(rawName, true)
	var out []*x509.RevocationList
	for _, data := range files {
		crls, err := pemObjects(data, []string{"X509 CRL"}, x509.ParseRevocationList)
		if err != nil {
			errs = append(errs, fmt.Errorf("pki: parsing CRL in CA folder: %w", err))
		}
		out = append(out, crls...)
	}
	return out, errors.Join(errs...)
}
