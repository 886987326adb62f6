package pki

import (
	"crypto/x509"
	"encoding/asn1"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Revocation checking as OpenSSL 3.0's check_revocation/check_cert does it
// without -extended_crl and -use_deltas: pick the best-scoring CRL (the
// -CRLfile ones first, then the trust store's), check its issuer's key usage,
// scope, times and signature, then look the certificate up. Indirect CRLs,
// CRLs limited to some reasons and delta CRLs score 0 there, so they are
// never used, exactly as in OpenSSL without those flags.

// CRL score bits (CRL_SCORE_*).
const (
	crlScoreNoCritical  = 0x100
	crlScoreScope       = 0x080
	crlScoreTime        = 0x040
	crlScoreIssuerName  = 0x020
	crlScoreValid       = crlScoreNoCritical | crlScoreTime | crlScoreScope
	crlScoreIssuerCert  = 0x018
	crlScoreSamePath    = 0x008
	crlScoreAKID        = 0x004
	crlReasonRemoveFrom = 8
)

// IDP flags.
const (
	idpPresent  = 0x1
	idpInvalid  = 0x2
	idpOnlyUser = 0x4
	idpOnlyCA   = 0x8
	idpOnlyAttr = 0x10
	idpIndirect = 0x20
	idpReasons  = 0x40
)

var (
	oidCRLExtIDP          = asn1.ObjectIdentifier{2, 5, 29, 28}
	oidCRLExtDelta        = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidCRLEntryCertIssuer = asn1.ObjectIdentifier{2, 5, 29, 29}
	oidCRLEntryReasonCode = asn1.ObjectIdentifier{2, 5, 29, 21}
)

type revEntry struct {
	reason int
	issuer []gname // certificateIssuer in effect for this entry, if any
}

// vcrl is a CRL with OpenSSL's cached view of it (crl_cb, crl_set_issuers).
type vcrl struct {
	c          *x509.RevocationList
	iss        string
	critical   bool // an unhandled critical CRL or entry extension
	idpFlags   int
	idpReasons uint32
	idpDP      *dpName // IDP distributionPoint, nil when absent
	hasIDP     bool
	akid       *akidInfo
	isDelta    bool
	revoked    map[string][]revEntry // by serial number (hex)
}

func newVCRL(c *x509.RevocationList) *vcrl {
	v := &vcrl{c: c, iss: nameKey(c.RawIssuer), idpReasons: crlAllReasons}
	for _, e := range c.Extensions {
		switch {
		case e.Id.Equal(oidCRLExtIDP):
			v.hasIDP = true
			v.idpFlags |= idpPresent
			if !v.parseIDP(e.Value) {
				v.idpFlags |= idpInvalid
			}
		case e.Id.Equal(oidExtAKID):
			v.akid, _ = parseAKID(e.Value)
		case e.Id.Equal(oidCRLExtDelta):
			v.isDelta = true
		}
	}
	for _, e := range c.Extensions {
		if e.Critical && !e.Id.Equal(oidCRLExtIDP) && !e.Id.Equal(oidExtAKID) && !e.Id.Equal(oidCRLExtDelta) {
			v.critical = true
			break
		}
	}
	v.revoked = map[string][]revEntry{}
	var issuer []gname
	for _, rc := range c.RevokedCertificateEntries {
		reason := -1 // CRL_REASON_NONE
		for _, e := range rc.Extensions {
			switch {
			case e.Id.Equal(oidCRLEntryCertIssuer):
				if g, ok := parseGeneralNamesExt(e.Value); ok {
					issuer = g
				}
			case e.Id.Equal(oidCRLEntryReasonCode):
				reason = rc.ReasonCode
			}
			if e.Critical && !e.Id.Equal(oidCRLEntryCertIssuer) {
				v.critical = true
			}
		}
		if rc.SerialNumber == nil {
			continue
		}
		k := rc.SerialNumber.Text(16)
		v.revoked[k] = append(v.revoked[k], revEntry{reason: reason, issuer: issuer})
	}
	return v
}

func readImplicitBool(s *cryptobyte.String, n int) (bool, bool) {
	var v cryptobyte.String
	var present bool
	if !s.ReadOptionalASN1(&v, &present, cbasn1.Tag(n).ContextSpecific()) {
		return false, false
	}
	if !present {
		return false, true
	}
	if len(v) != 1 {
		return false, false
	}
	return v[0] != 0, true
}

// parseIDP is d2i of the IssuingDistributionPoint plus setup_idp.
func (v *vcrl) parseIDP(der []byte) bool {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return false
	}
	var dp cryptobyte.String
	var hasDP bool
	if !seq.ReadOptionalASN1(&dp, &hasDP, cbasn1.Tag(0).ContextSpecific().Constructed()) {
		return false
	}
	if hasDP {
		n, ok := readDPName(dp, v.c.RawIssuer)
		if !ok {
			return false
		}
		v.idpDP = n
	}
	only := 0
	onlyUser, ok := readImplicitBool(&seq, 1)
	if !ok {
		return false
	}
	onlyCA, ok := readImplicitBool(&seq, 2)
	if !ok {
		return false
	}
	var reasons cryptobyte.String
	var hasReasons bool
	if !seq.ReadOptionalASN1(&reasons, &hasReasons, cbasn1.Tag(3).ContextSpecific()) {
		return false
	}
	indirect, ok := readImplicitBool(&seq, 4)
	if !ok {
		return false
	}
	onlyAttr, ok := readImplicitBool(&seq, 5)
	if !ok || !seq.Empty() {
		return false
	}
	if onlyUser {
		only++
		v.idpFlags |= idpOnlyUser
	}
	if onlyCA {
		only++
		v.idpFlags |= idpOnlyCA
	}
	if onlyAttr {
		only++
		v.idpFlags |= idpOnlyAttr
	}
	if only > 1 {
		v.idpFlags |= idpInvalid
	}
	if indirect {
		v.idpFlags |= idpIndirect
	}
	if hasReasons {
		v.idpFlags |= idpReasons
		v.idpReasons = reasonBits(reasons)
	}
	return true
}

// lookup is X509_CRL_get0_by_cert: 0 not listed, 1 revoked, 2 listed with
// reason removeFromCRL.
func (v *vcrl) lookup(x *vcert) int {
	for _, e := range v.revoked[x.c.SerialNumber.Text(16)] {
		match := false
		if e.issuer == nil {
			match = x.iss == v.iss
		} else {
			for _, g := range e.issuer {
				if g.typ == genDirName && g.canon == x.iss {
					match = true
					break
				}
			}
		}
		if match {
			if e.reason == crlReasonRemoveFrom {
				return 2
			}
			return 1
		}
	}
	return 0
}

// crlTimeValid is check_crl_time without notification.
func (r *run) crlTimeValid(c *vcrl) bool {
	if c.c.ThisUpdate.After(r.at) {
		return false
	}
	return c.c.NextUpdate.IsZero() || c.c.NextUpdate.After(r.at)
}

// checkRevocation is check_revocation.
func (r *run) checkRevocation() bool {
	last := 0
	switch r.v.opts.CRLCheck {
	case "":
		return true
	case "all":
		last = len(r.chain) - 1
	}
	for i := 0; i <= last; i++ {
		if !r.checkCert(i) {
			return false
		}
	}
	return true
}

// checkCert is check_cert for the certificate at depth.
func (r *run) checkCert(depth int) bool {
	x := r.chain[depth]
	r.currentIssuer = nil
	r.currentScore = 0
	r.currentReasons = 0
	if x.flags&exProxy != 0 {
		return true
	}
	for r.currentReasons != crlAllReasons {
		lastReasons := r.currentReasons
		crl := r.getCRL(depth, x)
		if crl == nil {
			return r.fail(VerifyErrUnableToGetCRL, depth, x)
		}
		if !r.checkCRL(depth, x, crl) {
			return false
		}
		if r.certCRL(depth, x, crl) == 0 {
			return false
		}
		if lastReasons == r.currentReasons {
			return r.fail(VerifyErrUnableToGetCRL, depth, x)
		}
	}
	return true
}

// getCRL is get_crl_delta without deltas: the best CRL for x, searching the
// -CRLfile CRLs first and the store only when none of those is fully valid.
func (r *run) getCRL(depth int, x *vcert) *vcrl {
	var best *vcrl
	var issuer *vcert
	score := 0
	reasons := r.currentReasons
	if !r.getCRLSk(depth, x, &best, &issuer, &score, &reasons, r.v.crls) {
		store := r.v.storeCRLs(r, x.iss, x.c.RawIssuer)
		r.getCRLSk(depth, x, &best, &issuer, &score, &reasons, store)
	}
	if best == nil {
		return nil
	}
	r.currentIssuer = issuer
	r.currentScore = score
	r.currentReasons = reasons
	return best
}

// getCRLSk is get_crl_sk.
func (r *run) getCRLSk(depth int, x *vcert, pcrl **vcrl, pissuer **vcert, pscore *int, preasons *uint32, crls []*vcrl) bool {
	bestScore := *pscore
	var best *vcrl
	var bestIssuer *vcert
	var bestReasons uint32
	for _, c := range crls {
		reasons := *preasons
		score, issuer := r.crlScore(depth, x, c, &reasons)
		if score < bestScore || score == 0 {
			continue
		}
		// An equally good CRL is used only if it is newer.
		if score == bestScore && best != nil && !c.c.ThisUpdate.After(best.c.ThisUpdate) {
			continue
		}
		best, bestIssuer, bestScore, bestReasons = c, issuer, score, reasons
	}
	if best != nil {
		*pcrl, *pissuer, *pscore, *preasons = best, bestIssuer, bestScore, bestReasons
	}
	return bestScore >= crlScoreValid
}

// crlScore is get_crl_score.
func (r *run) crlScore(depth int, x *vcert, c *vcrl, preasons *uint32) (int, *vcert) {
	tmp := *preasons
	if c.idpFlags&idpInvalid != 0 || c.isDelta {
		return 0, nil
	}
	// Reason-limited and indirect CRLs need -extended_crl.
	if c.idpFlags&(idpIndirect|idpReasons) != 0 {
		return 0, nil
	}
	if x.iss != c.iss {
		return 0, nil
	}
	score := crlScoreIssuerName
	if !c.critical {
		score |= crlScoreNoCritical
	}
	if r.crlTimeValid(c) {
		score |= crlScoreTime
	}
	issuer := r.crlAKIDCheck(depth, c, &score)
	if score&crlScoreAKID == 0 {
		return 0, nil
	}
	if ok, crlReasons := crlDPCheck(x, c, score); ok {
		if crlReasons&^tmp == 0 {
			return 0, nil
		}
		tmp |= crlReasons
		score |= crlScoreScope
	}
	*preasons = tmp
	return score, issuer
}

// crlAKIDCheck is crl_akid_check: the CRL issuer is the certificate's issuer
// or another certificate of the chain with the CRL's issuer name.
func (r *run) crlAKIDCheck(depth int, c *vcrl, score *int) *vcert {
	num := len(r.chain)
	cidx := depth
	if cidx != num-1 {
		cidx++
	}
	ci := r.chain[cidx]
	if checkAKID(ci, c.akid) && *score&crlScoreIssuerName != 0 {
		*score |= crlScoreAKID | crlScoreIssuerCert
		return ci
	}
	for cidx++; cidx < num; cidx++ {
		ci = r.chain[cidx]
		if ci.subj != c.iss {
			continue
		}
		if checkAKID(ci, c.akid) {
			*score |= crlScoreAKID | crlScoreSamePath
			return ci
		}
	}
	return nil
}

// crlDPCheck is crl_crldp_check: is x within the CRL's scope?
func crlDPCheck(x *vcert, c *vcrl, score int) (bool, uint32) {
	if c.idpFlags&idpOnlyAttr != 0 {
		return false, 0
	}
	if x.flags&exCA != 0 {
		if c.idpFlags&idpOnlyUser != 0 {
			return false, 0
		}
	} else if c.idpFlags&idpOnlyCA != 0 {
		return false, 0
	}
	reasons := c.idpReasons
	for _, dp := range x.crldp {
		if crlDPCheckIssuer(dp, c, score) {
			if !c.hasIDP || idpCheckDP(dp.name, c.idpDP) {
				return true, reasons & dp.reasons
			}
		}
	}
	return (!c.hasIDP || c.idpDP == nil) && score&crlScoreIssuerName != 0, reasons
}

func crlDPCheckIssuer(dp distPoint, c *vcrl, score int) bool {
	if dp.crlIssuer == nil {
		return score&crlScoreIssuerName != 0
	}
	for _, g := range dp.crlIssuer {
		if g.typ == genDirName && g.canon == c.iss {
			return true
		}
	}
	return false
}

// generalNameEqual is GENERAL_NAME_cmp == 0.
func generalNameEqual(a, b gname) bool {
	if a.typ != b.typ {
		return false
	}
	switch a.typ {
	case genDirName:
		return a.canon == b.canon
	case genOtherName:
		return a.otherOID.Equal(b.otherOID) && string(a.otherVal) == string(b.otherVal)
	}
	return string(a.value) == string(b.value)
}

// idpCheckDP is idp_check_dp: a missing name matches anything.
func idpCheckDP(a, b *dpName) bool {
	if a == nil || b == nil {
		return true
	}
	if a.relative {
		if b.relative {
			return a.dirName == b.dirName
		}
		return dirNameIn(a.dirName, b.full)
	}
	if b.relative {
		return dirNameIn(b.dirName, a.full)
	}
	for _, ga := range a.full {
		for _, gb := range b.full {
			if generalNameEqual(ga, gb) {
				return true
			}
		}
	}
	return false
}

func dirNameIn(name string, gens []gname) bool {
	for _, g := range gens {
		if g.typ == genDirName && g.canon == name {
			return true
		}
	}
	return false
}

// checkCRL is check_crl.
func (r *run) checkCRL(depth int, x *vcert, c *vcrl) bool {
	num := len(r.chain)
	issuer := r.currentIssuer
	if issuer == nil {
		if depth < num-1 {
			issuer = r.chain[depth+1]
		} else {
			issuer = r.chain[num-1]
			if !likelyIssued(issuer, issuer) && !r.crlFail(VerifyErrUnableToGetCRLIssuer, depth, x, c) {
				return false
			}
		}
	}
	if !c.isDelta {
		if issuer.flags&exKUsage != 0 && issuer.kusage&kuCRLSign == 0 &&
			!r.crlFail(VerifyErrKeyUsageNoCRLSign, depth, x, c) {
			return false
		}
		if r.currentScore&crlScoreScope == 0 && !r.crlFail(VerifyErrDifferentCRLScope, depth, x, c) {
			return false
		}
		// CRL path validation (error 54) needs -extended_crl: without it the
		// issuer is always on the certificate's own path.
		if c.idpFlags&idpInvalid != 0 && !r.crlFail(VerifyErrInvalidExtension, depth, x, c) {
			return false
		}
	}
	if r.currentScore&crlScoreTime == 0 {
		if c.c.ThisUpdate.After(r.at) && !r.crlFail(VerifyErrCRLNotYetValid, depth, x, c) {
			return false
		}
		if !c.c.NextUpdate.IsZero() && !c.c.NextUpdate.After(r.at) && !r.crlFail(VerifyErrCRLHasExpired, depth, x, c) {
			return false
		}
	}
	if issuer.pubKey == keyUnknown {
		return r.crlFail(VerifyErrUnableToDecodeIssuerPK, depth, x, c)
	}
	if !r.v.checkCRLSig(issuer, c) && !r.crlFail(VerifyErrCRLSignatureFailure, depth, x, c) {
		return false
	}
	return true
}

// certCRL is cert_crl: 0 stop, 1 go on, 2 listed as removeFromCRL.
func (r *run) certCRL(depth int, x *vcert, c *vcrl) int {
	if c.critical && !r.crlFail(VerifyErrUnhandledCriticalCRL, depth, x, c) {
		return 0
	}
	switch c.lookup(x) {
	case 2:
		return 2
	case 1:
		if !r.crlFail(VerifyErrCertRevoked, depth, x, c) {
			return 0
		}
	}
	return 1
}

func (r *run) crlFail(code, depth int, x *vcert, c *vcrl) bool {
	return r.failWith(VerifyError{Code: code, Depth: depth, CRL: c.c}, x)
}
