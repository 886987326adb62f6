package wsecho

import (
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// RevokedError is returned during a TLS handshake (and logged) when a
// certificate of the client's chain is listed in one of Options.CRLs.
type RevokedError struct {
	Subject   string    // the revoked certificate's subject
	Serial    *big.Int  // its serial number
	RevokedAt time.Time // the CRL entry's revocation time
	Issuer    string    // the CRL's issuer
}

func (e *RevokedError) Error() string {
	return fmt.Sprintf("wsecho: client certificate %q (serial %X) was revoked at %s by the CRL of %q",
		e.Subject, e.Serial, e.RevokedAt.UTC().Format(time.RFC3339), e.Issuer)
}

// crlIndex holds CRLs by issuer name, with their revoked serials in a map.
type crlIndex struct {
	byIssuer map[string][]*indexedCRL
}

type indexedCRL struct {
	crl     *x509.RevocationList
	revoked map[string]time.Time // serial bytes → revocation time
	// sigOK caches signature checks by the SHA-256 of the issuer
	// certificate: a CRL under the right name but signed by another key
	// must not revoke (nor be trusted).
	sigOK sync.Map // [32]byte → bool
}

func newCRLIndex(crls []*x509.RevocationList) *crlIndex {
	idx := &crlIndex{byIssuer: make(map[string][]*indexedCRL)}
	for _, c := range crls {
		ic := &indexedCRL{crl: c, revoked: make(map[string]time.Time, len(c.RevokedCertificateEntries))}
		for _, e := range c.RevokedCertificateEntries {
			ic.revoked[string(e.SerialNumber.Bytes())] = e.RevocationTime
		}
		idx.byIssuer[string(c.RawIssuer)] = append(idx.byIssuer[string(c.RawIssuer)], ic)
	}
	return idx
}

// check returns a *RevokedError when a certificate of a verified chain
// (all but the trust anchor) is revoked by a CRL its issuer signed.
func (idx *crlIndex) check(chains [][]*x509.Certificate) error {
	for _, chain := range chains {
		for i := 0; i+1 < len(chain); i++ {
			cert, issuer := chain[i], chain[i+1]
			for _, ic := range idx.byIssuer[string(issuer.RawSubject)] {
				at, ok := ic.revoked[string(cert.SerialNumber.Bytes())]
				if !ok || !ic.signedBy(issuer) {
					continue
				}
				return &RevokedError{Subject: cert.Subject.String(), Serial: cert.SerialNumber, RevokedAt: at, Issuer: ic.crl.Issuer.String()}
			}
		}
	}
	return nil
}

func (ic *indexedCRL) signedBy(issuer *x509.Certificate) bool {
	key := sha256.Sum256(issuer.Raw)
	if v, ok := ic.sigOK.Load(key); ok {
		return v.(bool)
	}
	ok := ic.crl.CheckSignatureFrom(issuer) == nil
	ic.sigOK.Store(key, ok)
	return ok
}
