// Package pki holds everything wsskit knows about keys, names, certificates,
// CSRs, signing, PKCS#12, OpenSSL subject hashes and hashed CA folders,
// verification, CRLs, DH parameters, linting and TLS material loading.
//
// It is a pure library: bytes in, bytes or structs out. It never parses
// flags, prints, picks colours or exits. Errors are prefixed "pki: " and wrap
// their cause with %w so callers can use errors.Is and errors.As.
package pki
