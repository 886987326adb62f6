package probe

import (
	"crypto/tls"
	"fmt"
)

//go:generate sh gen_suites.sh

// Signalling values that sit in a ClientHello's cipher suite list without
// being suites (RFC 5746, RFC 7507).
const (
	suiteRenegotiationSCSV = 0x00FF // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
	suiteFallbackSCSV      = 0x5600 // TLS_FALLBACK_SCSV
)

// SuiteName returns a cipher suite's IANA name: crypto/tls's for the suites
// Go implements, else the one OpenSSL lists (DHE, CCM, CAMELLIA, ARIA, PSK
// and the like, which other clients offer), else the id in hex.
func SuiteName(id uint16) string {
	if goSuite(id) {
		return tls.CipherSuiteName(id)
	}
	switch id {
	case suiteRenegotiationSCSV:
		return "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"
	case suiteFallbackSCSV:
		return "TLS_FALLBACK_SCSV"
	}
	if n, ok := opensslSuites[id]; ok {
		return n[0]
	}
	return fmt.Sprintf("0x%04X", id)
}

// goSuite reports whether crypto/tls implements the suite, secure or not.
func goSuite(id uint16) bool {
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, s := range list {
			if s.ID == id {
				return true
			}
		}
	}
	return false
}

// offeredSuites names the real suites of a ClientHello's list, without
// GREASE and signalling values, and counts those crypto/tls implements.
func offeredSuites(ids []uint16) (names []string, inGo int) {
	for _, id := range DropGREASE(ids) {
		if id == suiteRenegotiationSCSV || id == suiteFallbackSCSV {
			continue
		}
		names = append(names, SuiteName(id))
		if goSuite(id) {
			inGo++
		}
	}
	return names, inGo
}
