package wsecho

import (
	"crypto/sha256"
	"crypto/x509"
	"sync"
	"time"

	"github.com/wsskit/wsskit/probe"
)

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

// check returns a *probe.RevokedError (which the probe's explainer
// recognises) when a certificate of a verified chain
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
				return &probe.RevokedError{Subject: cert.Subject.String(), Serial: cert.SerialNumber, RevokedAt: at}
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
