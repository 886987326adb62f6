package pki

import "bytes"

// Chain building, extension checks and signature/time checks of OpenSSL 3.0's
// x509_vfy.c, in the same order and with the same error depths.

type trustResult int

const (
	trustUntrusted trustResult = iota
	trustTrusted
	trustRejected // reported as error 28; the chain is not extended further
)

const (
	searchUntrusted = 1 << 0
	searchTrusted   = 1 << 1
)

// pickIssuer selects among candidates that likely issued x the first one
// valid at the verification time, else the one expiring last (find_issuer,
// X509_STORE_CTX_get1_issuer). skip excludes candidates.
func (r *run) pickIssuer(cands []*vcert, x *vcert, skip func(*vcert) bool) *vcert {
	var best *vcert
	for _, c := range cands {
		if !likelyIssued(c, x) || (skip != nil && skip(c)) {
			continue
		}
		if r.timeValid(c) {
			return c
		}
		if best == nil || c.c.NotAfter.After(best.c.NotAfter) {
			best = c
		}
	}
	return best
}

func (r *run) chainContains(c *vcert) bool {
	for _, x := range r.chain {
		if x == c || bytes.Equal(x.c.Raw, c.c.Raw) {
			return true
		}
	}
	return false
}

// trustedIssuer is get1_trusted_issuer: the trust store's issuer of x.
func (r *run) trustedIssuer(x *vcert) *vcert {
	return r.pickIssuer(r.v.trustedByName(r, x.iss, x.c.RawIssuer), x, nil)
}

// buildChain is build_chain with OpenSSL 3.0's defaults (trusted first, no
// DANE): extend the chain from the trust store, then from the untrusted
// certificates, until a trust anchor is reached.
func (r *run) buildChain() bool {
	maxDepth := r.v.maxDepth
	search := searchTrusted
	if len(r.v.untrusted) > 0 {
		search |= searchUntrusted
	}
	pool := append([]*vcert(nil), r.v.untrusted...)
	trust := trustUntrusted

	for search != 0 {
		num := len(r.chain)
		if search&searchTrusted != 0 {
			curr := r.chain[num-1]
			var issuer *vcert
			if num <= maxDepth {
				issuer = r.trustedIssuer(curr)
			}
			if issuer != nil {
				ok := true
				selfSigned := curr.selfSigned()
				if !selfSigned {
					r.chain = append(r.chain, issuer)
					selfSigned = issuer.selfSigned()
				} else if !bytes.Equal(curr.c.Raw, issuer.c.Raw) {
					// A self-signed look-alike of a trust anchor is not it.
					ok = false
				} else {
					num--
					r.numUntrusted = num
					r.chain[num] = issuer
				}
				if ok {
					search &^= searchUntrusted
					trust = r.checkTrust(num)
					if trust != trustUntrusted {
						break
					}
					if !selfSigned {
						continue
					}
				}
			}
			// Trusted first leaves no alternate chains to try.
			if search&searchUntrusted == 0 {
				break
			}
		}
		if search&searchUntrusted != 0 {
			num = len(r.chain)
			curr := r.chain[num-1]
			var issuer *vcert
			if !curr.selfSigned() && num <= maxDepth {
				onlyLeaf := curr.flags&exSI != 0 && len(r.chain) == 1
				issuer = r.pickIssuer(pool, curr, func(c *vcert) bool {
					return !onlyLeaf && r.chainContains(c)
				})
			}
			if issuer == nil {
				search &^= searchUntrusted
				search |= searchTrusted
				continue
			}
			for i, c := range pool {
				if c == issuer {
					pool = append(pool[:i], pool[i+1:]...)
					break
				}
			}
			r.chain = append(r.chain, issuer)
			r.numUntrusted++
		}
	}

	num := len(r.chain)
	if num <= maxDepth && trust == trustUntrusted && num == r.numUntrusted {
		trust = r.checkTrust(num)
	}
	switch trust {
	case trustTrusted:
		return true
	case trustRejected:
		return false // checkTrust already reported error 28
	}
	top := r.chain[num-1]
	if num > maxDepth {
		return r.fail(VerifyErrCertChainTooLong, num-1, top)
	}
	if top.selfSigned() {
		if num == 1 {
			return r.fail(VerifyErrDepthZeroSelfSigned, num-1, top)
		}
		return r.fail(VerifyErrSelfSignedInChain, num-1, top)
	}
	if r.numUntrusted < num {
		return r.fail(VerifyErrUnableToGetIssuerCert, num-1, top)
	}
	return r.fail(VerifyErrUnableToGetIssuerLocal, num-1, top)
}

// checkTrust is check_trust without DANE: the first trust-store
// certificate from depth numUntrusted up that its trust settings (or, having
// none, being self-signed) make trusted ends the chain; one they reject is
// error 28. With PartialChain any trusted certificate is an anchor.
func (r *run) checkTrust(numUntrusted int) trustResult {
	num := len(r.chain)
	for i := numUntrusted; i < num; i++ {
		switch checkTrustOf(r.chain[i], r.v.trust) {
		case trustTrusted:
			return trustTrusted
		case trustRejected:
			return r.rejected(i, r.chain[i])
		}
	}
	if numUntrusted < num {
		if r.v.opts.PartialChain {
			return trustTrusted
		}
		return trustUntrusted
	}
	if numUntrusted == num && r.v.opts.PartialChain {
		// Last resort: the leaf itself is in the trust store. Only an
		// explicit rejection in its trust settings stops it.
		leaf := r.chain[0]
		for _, c := range r.v.trustedByName(r, leaf.subj, leaf.c.RawSubject) {
			if bytes.Equal(c.c.Raw, leaf.c.Raw) {
				if checkTrustOf(c, r.v.trust) == trustRejected {
					return r.rejected(0, leaf)
				}
				r.chain[0] = c
				r.numUntrusted = 0
				return trustTrusted
			}
		}
	}
	return trustUntrusted
}

// rejected reports X509_V_ERR_CERT_REJECTED for the certificate at depth;
// should the callback go on, the certificate merely counts as untrusted.
func (r *run) rejected(depth int, x *vcert) trustResult {
	if r.failWith(VerifyError{Code: VerifyErrCertRejected, Depth: depth, Wanted: r.v.opts.Purpose}, x) {
		return trustUntrusted
	}
	return trustRejected
}

// checkExtensions is check_extensions: critical extensions, proxy
// certificates, CA flags, purpose and path length, leaf first.
func (r *run) checkExtensions() bool {
	num := len(r.chain)
	mustBeCA := -1
	plen, proxyPathLen := 0, 0
	for i, x := range r.chain {
		if x.flags&exCritical != 0 && !r.fail(VerifyErrUnhandledCriticalExt, i, x) {
			return false
		}
		if x.flags&exProxy != 0 && !r.fail(VerifyErrProxyNotAllowed, i, x) {
			return false
		}
		ret := x.checkCA()
		switch mustBeCA {
		case -1:
			// Only -x509_strict checks the leaf's CA markings.
		case 0:
			if ret != 0 && !r.fail(VerifyErrInvalidNonCA, i, x) {
				return false
			}
		default:
			// Intermediates must be proper CAs; the trust anchor may be a V1
			// root or a CA by key usage or Netscape type.
			if (ret == 0 || (i+1 < num && ret != 1)) && !r.fail(VerifyErrInvalidCA, i, x) {
				return false
			}
		}
		if r.v.purpose > 0 && !r.checkPurpose(x, i, mustBeCA > 0) {
			return false
		}
		if i > 1 && x.pathlen != -1 && plen > x.pathlen+proxyPathLen &&
			!r.fail(VerifyErrPathLengthExceeded, i, x) {
			return false
		}
		if i > 0 && x.flags&exSI == 0 {
			plen++
		}
		if x.flags&exProxy != 0 {
			if x.pcpathlen != -1 {
				if proxyPathLen > x.pcpathlen && !r.fail(VerifyErrProxyPathLength, i, x) {
					return false
				}
				proxyPathLen = x.pcpathlen
			}
			proxyPathLen++
			mustBeCA = 0
		} else {
			mustBeCA = 1
		}
	}
	return true
}

// checkPurpose is check_purpose for certificates without auxiliary trust.
func (r *run) checkPurpose(x *vcert, depth int, requireCA bool) bool {
	// X509_check_purpose returns -1 for a certificate whose extensions
	// cannot be decoded; outside -x509_strict that passes.
	if x.flags&exInvalid != 0 || purposeOK(x, r.v.purpose, requireCA) {
		return true
	}
	return r.failWith(VerifyError{Code: VerifyErrInvalidPurpose, Depth: depth, Wanted: r.v.opts.Purpose}, x)
}

// purposeOK is the purpose table of v3_purp.c (non-zero result = OK).
func purposeOK(x *vcert, purpose int, requireCA bool) bool {
	switch purpose {
	case purposeSSLClient:
		if x.xkuReject(xkuSSLClient) {
			return false
		}
		if requireCA {
			return checkSSLCA(x)
		}
		if x.kuReject(kuDigitalSignature | kuKeyAgreement) {
			return false
		}
		return !x.nsReject(nsSSLClient)
	case purposeSSLServer, purposeNSSSLServer:
		if x.xkuReject(xkuSSLServer | xkuSGC) {
			return false
		}
		if requireCA {
			return checkSSLCA(x)
		}
		if x.nsReject(nsSSLServer) || x.kuReject(kuDigitalSignature|kuKeyEncipherment|kuKeyAgreement) {
			return false
		}
		if purpose == purposeNSSSLServer && x.kuReject(kuKeyEncipherment) {
			return false
		}
		return true
	case purposeSMIMESign, purposeSMIMEEncrypt:
		if x.xkuReject(xkuSMIME) {
			return false
		}
		if requireCA {
			ca := x.checkCA()
			return ca != 0 && (ca != 5 || x.nscert&nsSMIMECA != 0)
		}
		if x.flags&exNSCert != 0 && x.nscert&(nsSMIME|nsSSLClient) == 0 {
			return false
		}
		if purpose == purposeSMIMESign {
			return !x.kuReject(kuDigitalSignature | kuNonRepudiation)
		}
		return !x.kuReject(kuKeyEncipherment)
	case purposeCRLSign:
		if requireCA {
			ca := x.checkCA()
			return ca != 0 && ca != 2
		}
		return !x.kuReject(kuCRLSign)
	case purposeOCSPHelper:
		if requireCA {
			return x.checkCA() != 0
		}
		return true
	case purposeTimestampSign:
		if requireCA {
			return x.checkCA() != 0
		}
		if x.flags&exKUsage != 0 &&
			(x.kusage&^(kuNonRepudiation|kuDigitalSignature) != 0 || x.kusage&(kuNonRepudiation|kuDigitalSignature) == 0) {
			return false
		}
		if x.flags&exXKUsage == 0 || x.xkusage != xkuTimestamp {
			return false
		}
		for _, e := range x.c.Extensions {
			if e.Id.Equal(oidExtExtKeyUsage) && !e.Critical {
				return false
			}
		}
		return true
	}
	return true // "any"
}

// checkSSLCA is check_ssl_ca.
func checkSSLCA(x *vcert) bool {
	ca := x.checkCA()
	if ca == 0 {
		return false
	}
	return ca != 5 || x.nscert&nsSSLCA != 0
}

// checkID is check_id: host, email and IP of the leaf.
func (r *run) checkID() bool {
	o := r.v.opts
	if o.Host != "" && !checkHost(r.leaf, o.Host) {
		if !r.failWith(VerifyError{Code: VerifyErrHostnameMismatch, Wanted: o.Host}, r.leaf) {
			return false
		}
	}
	if o.Email != "" && !checkEmail(r.leaf, o.Email) {
		if !r.failWith(VerifyError{Code: VerifyErrEmailMismatch, Wanted: o.Email}, r.leaf) {
			return false
		}
	}
	if o.IP != nil && !checkIP(r.leaf, o.IP) {
		if !r.failWith(VerifyError{Code: VerifyErrIPAddressMismatch, Wanted: o.IP.String()}, r.leaf) {
			return false
		}
	}
	return true
}

// internalVerify is internal_verify: from the top of the chain down, check
// that each issuer may sign, each signature, and each validity period.
func (r *run) internalVerify() bool {
	n := len(r.chain) - 1
	issuerIdx := n // the top is taken as its own issuer when self-issued
	if !likelyIssued(r.chain[n], r.chain[n]) && !r.v.opts.PartialChain {
		// The top certificate is not self-issued: start with the one below.
		if n > 0 {
			n--
		} else if !r.fail(VerifyErrUnableToVerifyLeafSig, 0, r.chain[0]) {
			return false
		}
	}
	for ; n >= 0; n-- {
		xs, xi := r.chain[n], r.chain[issuerIdx]
		// A self-signed certificate's own signature is not checked.
		if issuerIdx != n {
			// RFC 5280 6.1.4 (n): an issuer whose key usage forbids
			// certificate signing cannot have signed xs.
			if xs.flags&exProxy != 0 {
				if xi.kuReject(kuDigitalSignature) && !r.fail(39, issuerIdx, xi) {
					return false
				}
			} else if xi.kuReject(kuKeyCertSign) && !r.fail(VerifyErrKeyUsageNoCertSign, issuerIdx, xi) {
				return false
			}
			if xi.pubKey == keyUnknown {
				if !r.fail(VerifyErrUnableToDecodeIssuerPK, issuerIdx, xi) {
					return false
				}
			} else if !r.v.checkSig(xi, xs, xs != r.leaf) && !r.fail(VerifyErrCertSignatureFailure, n, xs) {
				return false
			}
		}
		if !r.checkCertTime(xs, n) {
			return false
		}
		issuerIdx = n
	}
	return true
}
