package pki

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// This file is wsskit's `openssl verify`: the OpenSSL 3.0 algorithm of
// crypto/x509/x509_vfy.c (build_chain, check_extensions, check_id,
// check_revocation, internal_verify, check_name_constraints) re-implemented
// so that the error numbers, depths, order and the errors after which
// verification continues are the ones `openssl verify` prints. It does not
// use x509.Certificate.Verify, whose rules differ (no CN fallback, other
// purpose and constraint semantics, no CRLs).

// IssuerLookup is a folder of trusted CA certificates and CRLs looked up by
// name, like `openssl verify -CApath`. rawName is the DER Name to look up (a
// certificate's issuer); implementations return every candidate filed under
// that name's subject hash (HASH.0, HASH.1, ... up to the first gap for
// certificates, HASH.r0, ... for CRLs), in file order. Verify compares the
// full names itself, so hash collisions are harmless. Implementations must
// be safe for concurrent use when passed to VerifyAll.
type IssuerLookup interface {
	LookupIssuers(rawName []byte) ([]*x509.Certificate, error)
	LookupCRLs(rawName []byte) ([]*x509.RevocationList, error)
}

// VerifyOptions are the inputs of Verify, named after the openssl verify
// options they mirror.
type VerifyOptions struct {
	// Roots are trusted certificates (-CAfile), in file order.
	Roots []*x509.Certificate
	// RootTrust holds the OpenSSL trust settings of the Roots that came
	// from "TRUSTED CERTIFICATE" blocks (Bundle.Trust); nil means none.
	RootTrust map[*x509.Certificate]*TrustSettings
	// RootCRLs are CRLs found in the -CAfile file: OpenSSL adds them to the
	// trust store, where they are searched after CRLs.
	RootCRLs []*x509.RevocationList
	// CAPath is the hashed CA folder (-CApath), or nil. As in OpenSSL, the
	// folder is consulted for an issuer name only when Roots holds no
	// certificate with that subject.
	CAPath IssuerLookup
	// Untrusted are intermediate candidates (-untrusted), in file order.
	Untrusted []*x509.Certificate
	// CRLs are -CRLfile CRLs.
	CRLs []*x509.RevocationList
	// CRLCheck is "" (no revocation check), "leaf" (-crl_check) or "all"
	// (-crl_check_all).
	CRLCheck string
	// Purpose is "" (none) or an OpenSSL purpose short name: sslclient,
	// sslserver, nssslserver, smimesign, smimeencrypt, crlsign, any,
	// ocsphelper, timestampsign (-purpose).
	Purpose string
	// Host, Email and IP are checked against the leaf (-verify_hostname,
	// -verify_email, -verify_ip) when set.
	Host, Email string
	IP          net.IP
	// At is the verification time (-attime); zero means now. OpenSSL
	// compares whole seconds, so At is truncated to the second.
	At time.Time
	// PartialChain accepts a trusted certificate that is not self-signed as
	// trust anchor (-partial_chain).
	PartialChain bool
	// MaxDepth is -verify_depth: the number of intermediates allowed between
	// the leaf and the trust anchor. Negative means OpenSSL's default, 100.
	// Note that 0 is taken literally (no intermediate allowed), as with
	// -verify_depth 0: callers that build options from flags should set -1
	// when the flag is absent.
	MaxDepth int
}

// ErrVerifyOptions reports options Verify cannot use (an unknown purpose or
// CRL check mode); errors.Is matches it.
var ErrVerifyOptions = errors.New("pki: invalid verify options")

// purposeIDs are OpenSSL's X509_PURPOSE ids by short name.
var purposeIDs = map[string]int{
	"sslclient": 1, "sslserver": 2, "nssslserver": 3, "smimesign": 4, "smimeencrypt": 5,
	"crlsign": 6, "any": 7, "ocsphelper": 8, "timestampsign": 9,
}

const (
	purposeSSLClient     = 1
	purposeSSLServer     = 2
	purposeNSSSLServer   = 3
	purposeSMIMESign     = 4
	purposeSMIMEEncrypt  = 5
	purposeCRLSign       = 6
	purposeAny           = 7
	purposeOCSPHelper    = 8
	purposeTimestampSign = 9
)

// Check reports whether the options are usable: a known purpose and CRL
// check mode. Verify returns the same error in VerifyResult.Err.
func (o VerifyOptions) Check() error {
	if o.Purpose != "" {
		if _, ok := purposeIDs[o.Purpose]; !ok {
			return fmt.Errorf("%w: unknown purpose %q (known: sslclient, sslserver, nssslserver, smimesign, smimeencrypt, crlsign, any, ocsphelper, timestampsign)", ErrVerifyOptions, o.Purpose)
		}
	}
	switch o.CRLCheck {
	case "", "leaf", "all":
	default:
		return fmt.Errorf("%w: CRL check %q is not leaf or all", ErrVerifyOptions, o.CRLCheck)
	}
	if o.IP != nil && len(o.IP) != net.IPv4len && len(o.IP) != net.IPv6len {
		return fmt.Errorf("%w: IP address of %d bytes", ErrVerifyOptions, len(o.IP))
	}
	return nil
}

// VerifyError is one line `openssl verify` prints on failure: the error code,
// the depth in the chain (0 = the certificate verified), the subject of the
// certificate at that depth in OpenSSL's oneline form, and OpenSSL's text.
type VerifyError struct {
	Code    int
	Depth   int
	Subject string // XN_FLAG_ONELINE form, printed by openssl on the line above
	Text    string // VerifyErrorString(Code)
	// Cert is the certificate the error is about (OpenSSL's current cert).
	Cert *x509.Certificate
	// CRL is the CRL being checked, for CRL errors (8, 11, 12, 23, 35, 36, 44).
	CRL *x509.RevocationList
	// Wanted is what the check asked for: the host, email or IP for 62-64,
	// the purpose for 26 and 28.
	Wanted string
	// At is the verification time used.
	At time.Time
}

// VerifySubject returns a certificate's subject in the oneline form openssl
// verify prints above each error line ("C = SG, O = Test, CN = a").
func VerifySubject(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	return onelineName(c.RawSubject)
}

// Line returns the error as openssl verify prints it:
// "error N at D depth lookup: TEXT".
func (e VerifyError) Line() string {
	return fmt.Sprintf("error %d at %d depth lookup: %s", e.Code, e.Depth, e.Text)
}

// Error implements error with Line.
func (e VerifyError) Error() string { return "pki: verify: " + e.Line() }

// VerifyResult is the outcome of verifying one certificate.
type VerifyResult struct {
	// Errors are every error line openssl verify would print, in order.
	Errors []VerifyError
	// Chain is the chain built, leaf first, as far as it got.
	Chain []*x509.Certificate
	// NumUntrusted is how many certificates at the start of Chain did not come
	// from the trust store (what -show_chain marks "(untrusted)").
	NumUntrusted int
	// Err is set when verification could not run: unusable options
	// (ErrVerifyOptions) or a certificate OpenSSL would fail on without
	// printing an error line. OpenSSL exits 2 in that case too.
	Err error
	// LookupErrs are CA folder lookup failures (unreadable files); like
	// OpenSSL, Verify goes on as if the entry were absent.
	LookupErrs []error
}

// OK reports whether verification succeeded (openssl verify prints
// "FILE: OK" and exits 0).
func (r *VerifyResult) OK() bool {
	return r != nil && r.Err == nil && len(r.Errors) == 0
}

// Verify verifies cert the way `openssl verify` of OpenSSL 3.0 does with the
// equivalent options and returns every error it would print. It never
// returns nil.
func Verify(cert *x509.Certificate, opts VerifyOptions) *VerifyResult {
	v, err := newVerifier(opts)
	if err != nil {
		return &VerifyResult{Err: err}
	}
	return v.verify(cert)
}

// VerifyAll verifies each certificate with the same options using up to
// workers goroutines (runtime.NumCPU() when workers <= 0) and returns the
// results in input order. Parsed issuers, CA folder lookups, CRL facts and
// issuer signature checks are shared between the certificates.
func VerifyAll(certs []*x509.Certificate, opts VerifyOptions, workers int) []*VerifyResult {
	out := make([]*VerifyResult, len(certs))
	v, err := newVerifier(opts)
	if err != nil {
		for i := range out {
			out[i] = &VerifyResult{Err: err}
		}
		return out
	}
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	if workers > len(certs) {
		workers = len(certs)
	}
	// Workers take the next index from a counter: a channel hand-off per
	// certificate cost more in scheduler wake-ups than many verifications.
	var wg sync.WaitGroup
	var next atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(certs) {
					return
				}
				out[i] = v.verify(certs[i])
			}
		}()
	}
	wg.Wait()
	return out
}

// verifier holds the options and the caches shared by every verification
// made with them.
type verifier struct {
	opts      VerifyOptions
	purpose   int
	trust     trustKind // the trust id OpenSSL derives from the purpose
	maxDepth  int       // param depth + 1: chains are built one longer than allowed
	fixedTime time.Time

	roots     []*vcert
	untrusted []*vcert
	crls      []*vcrl
	rootCRLs  []*vcrl

	mu         sync.Mutex
	certs      map[*x509.Certificate]*vcert
	crlInfo    map[*x509.RevocationList]*vcrl
	capathCert map[string]capathCerts
	capathCRL  map[string]capathCRLs
	sigs       map[sigKey]bool
	issuerKeys map[string]string
	p256       map[*x509.Certificate]*p256Issuer // CA keys checking many signatures
}

type capathCerts struct {
	certs []*vcert
	err   error
}

type capathCRLs struct {
	crls []*vcrl
	err  error
}

type sigKey struct {
	issuer, subject any
}

func newVerifier(opts VerifyOptions) (*verifier, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	v := &verifier{
		opts:       opts,
		purpose:    purposeIDs[opts.Purpose],
		trust:      trustKindFor(purposeIDs[opts.Purpose]),
		certs:      map[*x509.Certificate]*vcert{},
		crlInfo:    map[*x509.RevocationList]*vcrl{},
		capathCert: map[string]capathCerts{},
		capathCRL:  map[string]capathCRLs{},
		sigs:       map[sigKey]bool{},
		issuerKeys: map[string]string{},
	}
	depth := opts.MaxDepth
	if depth < 0 {
		depth = 100
	}
	if depth > 1<<30 {
		depth = 1 << 30
	}
	v.maxDepth = depth + 1
	if !opts.At.IsZero() {
		v.fixedTime = time.Unix(opts.At.Unix(), 0)
	}
	for _, c := range opts.Roots {
		if c != nil {
			vc := v.cert(c)
			if ts := opts.RootTrust[c]; ts != nil {
				// A copy, so that the same certificate given as untrusted
				// (one cached view) carries no trust settings.
				cp := *vc
				cp.aux = ts
				vc = &cp
			}
			v.roots = append(v.roots, vc)
		}
	}
	for _, c := range opts.Untrusted {
		if c != nil {
			v.untrusted = append(v.untrusted, v.cert(c))
		}
	}
	for _, c := range opts.CRLs {
		if c != nil {
			v.crls = append(v.crls, v.crl(c))
		}
	}
	for _, c := range opts.RootCRLs {
		if c != nil {
			v.rootCRLs = append(v.rootCRLs, v.crl(c))
		}
	}
	return v, nil
}

// cert returns the cached OpenSSL view of c.
func (v *verifier) cert(c *x509.Certificate) *vcert {
	v.mu.Lock()
	vc, ok := v.certs[c]
	v.mu.Unlock()
	if ok {
		return vc
	}
	vc = newVCert(c)
	v.mu.Lock()
	if old, ok := v.certs[c]; ok {
		vc = old
	} else {
		v.certs[c] = vc
	}
	v.mu.Unlock()
	return vc
}

// leafCert returns the OpenSSL view of a certificate to verify: the cached
// one if it is also a root or untrusted certificate, else a fresh one that
// is not kept (leaves are seen once; caching them would only grow memory).
func (v *verifier) leafCert(c *x509.Certificate) *vcert {
	v.mu.Lock()
	vc, ok := v.certs[c]
	v.mu.Unlock()
	if ok {
		return vc
	}
	return newVCertNames(c, v.issuerKey)
}

// issuerKey is nameKey cached per raw name: the leaves of a batch mostly
// share one issuer. The cache is bounded to keep memory flat on batches of
// unrelated certificates.
func (v *verifier) issuerKey(raw []byte) string {
	v.mu.Lock()
	k, ok := v.issuerKeys[string(raw)]
	v.mu.Unlock()
	if ok {
		return k
	}
	k = nameKey(raw)
	v.mu.Lock()
	if len(v.issuerKeys) < 1024 {
		v.issuerKeys[string(raw)] = k
	}
	v.mu.Unlock()
	return k
}

// crl returns the cached OpenSSL view of c.
func (v *verifier) crl(c *x509.RevocationList) *vcrl {
	v.mu.Lock()
	vc, ok := v.crlInfo[c]
	v.mu.Unlock()
	if ok {
		return vc
	}
	vc = newVCRL(c)
	v.mu.Lock()
	if old, ok := v.crlInfo[c]; ok {
		vc = old
	} else {
		v.crlInfo[c] = vc
	}
	v.mu.Unlock()
	return vc
}

// The trust store of one verification behaves like OpenSSL's X509_STORE:
// the CAfile's certificates and CRLs are in it from the start; a CA folder
// file, once read, adds all its certificates (or CRLs) to it, whatever
// their names; a certificate lookup by name answers from the store when it
// already holds that name and reads the folder (the name's HASH.N files)
// only otherwise, while a CRL lookup always reads the folder first. Each
// verification starts from the CAfile alone, as if each certificate were
// checked by its own `openssl verify` run (a multi-file openssl run keeps
// what earlier files loaded; wsskit does not, so results never depend on
// the order or parallelism of a batch).

// folderCerts returns the certificates of the CA folder files for a name's
// hash, read once per verifier.
func (v *verifier) folderCerts(hash string, raw []byte) capathCerts {
	v.mu.Lock()
	e, ok := v.capathCert[hash]
	v.mu.Unlock()
	if ok {
		return e
	}
	certs, err := v.opts.CAPath.LookupIssuers(raw)
	for _, c := range certs {
		if c != nil {
			e.certs = append(e.certs, v.cert(c))
		}
	}
	if err != nil {
		e.err = fmt.Errorf("pki: looking up issuer in CA folder: %w", err)
	}
	v.mu.Lock()
	v.capathCert[hash] = e
	v.mu.Unlock()
	return e
}

// folderCRLs is folderCerts for HASH.rN files.
func (v *verifier) folderCRLs(hash string, raw []byte) capathCRLs {
	v.mu.Lock()
	e, ok := v.capathCRL[hash]
	v.mu.Unlock()
	if ok {
		return e
	}
	crls, err := v.opts.CAPath.LookupCRLs(raw)
	for _, c := range crls {
		if c != nil {
			e.crls = append(e.crls, v.crl(c))
		}
	}
	if err != nil {
		e.err = fmt.Errorf("pki: looking up CRL in CA folder: %w", err)
	}
	v.mu.Lock()
	v.capathCRL[hash] = e
	v.mu.Unlock()
	return e
}

// storeHas reports whether the store of this run already holds an identical
// certificate (X509_STORE keeps one copy).
func (r *run) storeHas(c *vcert) bool {
	for _, x := range r.v.roots {
		if x == c || bytes.Equal(x.c.Raw, c.c.Raw) {
			return true
		}
	}
	for _, x := range r.folderCerts {
		if x == c || bytes.Equal(x.c.Raw, c.c.Raw) {
			return true
		}
	}
	return false
}

// trustedByName returns the store's certificates with the given subject, in
// store order (X509_STORE_CTX_get1_certs / get1_issuer).
func (v *verifier) trustedByName(r *run, key string, raw []byte) []*vcert {
	var out []*vcert
	for _, c := range v.roots {
		if c.subj == key {
			out = append(out, c)
		}
	}
	for _, c := range r.folderCerts {
		if c.subj == key {
			out = append(out, c)
		}
	}
	if len(out) > 0 || v.opts.CAPath == nil {
		return out
	}
	hash, err := nameHashHex(raw)
	if err != nil || r.loadedCertHash[hash] {
		return nil
	}
	if r.loadedCertHash == nil {
		r.loadedCertHash = map[string]bool{}
	}
	r.loadedCertHash[hash] = true
	e := v.folderCerts(hash, raw)
	if e.err != nil {
		r.lookupErrs = append(r.lookupErrs, e.err)
	}
	for _, c := range e.certs {
		if !r.storeHas(c) {
			r.folderCerts = append(r.folderCerts, c)
		}
	}
	for _, c := range r.folderCerts {
		if c.subj == key {
			out = append(out, c)
		}
	}
	return out
}

// storeCRLs returns the store's CRLs issued under the given name, after
// reading the name's HASH.rN files (X509_STORE_CTX_get1_crls): those of the
// CAfile first, then those read from the folder. nil means none.
func (v *verifier) storeCRLs(r *run, key string, raw []byte) []*vcrl {
	if v.opts.CAPath != nil {
		if hash, err := nameHashHex(raw); err == nil && !r.loadedCRLHash[hash] {
			if r.loadedCRLHash == nil {
				r.loadedCRLHash = map[string]bool{}
			}
			r.loadedCRLHash[hash] = true
			e := v.folderCRLs(hash, raw)
			if e.err != nil {
				r.lookupErrs = append(r.lookupErrs, e.err)
			}
		next:
			for _, c := range e.crls {
				for _, x := range append(append([]*vcrl(nil), v.rootCRLs...), r.folderCRLs...) {
					if bytes.Equal(x.c.Raw, c.c.Raw) {
						continue next
					}
				}
				r.folderCRLs = append(r.folderCRLs, c)
			}
		}
	}
	var out []*vcrl
	for _, c := range v.rootCRLs {
		if c.iss == key {
			out = append(out, c)
		}
	}
	for _, c := range r.folderCRLs {
		if c.iss == key {
			out = append(out, c)
		}
	}
	return out
}

// checkSig reports whether issuer's key verifies subject's signature. Checks
// of CA certificates are cached per pair, so a CA's signature on an
// intermediate is checked once for a whole batch; a leaf's own signature is
// checked once anyway and not cached.
func (v *verifier) checkSig(issuer, subject *vcert, cache bool) bool {
	if !cache {
		return v.fastP256(issuer.c, subject.c) ||
			issuer.c.CheckSignature(subject.c.SignatureAlgorithm, subject.c.RawTBSCertificate, subject.c.Signature) == nil
	}
	k := sigKey{issuer.c, subject.c}
	v.mu.Lock()
	ok, found := v.sigs[k]
	v.mu.Unlock()
	if found {
		return ok
	}
	ok = issuer.c.CheckSignature(subject.c.SignatureAlgorithm, subject.c.RawTBSCertificate, subject.c.Signature) == nil
	v.mu.Lock()
	v.sigs[k] = ok
	v.mu.Unlock()
	return ok
}

// checkCRLSig reports whether issuer's key verifies the CRL's signature.
func (v *verifier) checkCRLSig(issuer *vcert, crl *vcrl) bool {
	k := sigKey{issuer.c, crl.c}
	v.mu.Lock()
	ok, found := v.sigs[k]
	v.mu.Unlock()
	if found {
		return ok
	}
	ok = issuer.c.CheckSignature(crl.c.SignatureAlgorithm, crl.c.RawTBSRevocationList, crl.c.Signature) == nil
	v.mu.Lock()
	v.sigs[k] = ok
	v.mu.Unlock()
	return ok
}

// run is the state of one verification (OpenSSL's X509_STORE_CTX).
type run struct {
	v            *verifier
	at           time.Time
	leaf         *vcert
	chain        []*vcert
	numUntrusted int
	errs         []VerifyError
	lookupErrs   []error
	internal     error // OpenSSL's internal-error return: failure without a line

	// The part of the trust store read from the CA folder so far.
	folderCerts    []*vcert
	folderCRLs     []*vcrl
	loadedCertHash map[string]bool
	loadedCRLHash  map[string]bool

	// CRL state of check_cert.
	currentIssuer  *vcert
	currentScore   int
	currentReasons uint32
}

func (v *verifier) verify(cert *x509.Certificate) *VerifyResult {
	if cert == nil {
		return &VerifyResult{Err: errors.New("pki: verify: no certificate")}
	}
	r := &run{v: v, at: v.fixedTime}
	if r.at.IsZero() {
		r.at = time.Unix(time.Now().Unix(), 0)
	}
	r.leaf = v.leafCert(cert)
	r.chain = []*vcert{r.leaf}
	r.numUntrusted = 1
	r.verifyChain()
	res := &VerifyResult{Errors: r.errs, NumUntrusted: r.numUntrusted, LookupErrs: r.lookupErrs, Err: r.internal}
	for _, c := range r.chain {
		res.Chain = append(res.Chain, c.c)
	}
	return res
}

// verifyChain is verify_chain: the order of the checks decides which error
// openssl reports first.
func (r *run) verifyChain() {
	_ = r.buildChain() &&
		r.checkExtensions() &&
		r.checkID() &&
		r.checkRevocation() &&
		r.internalVerify() &&
		r.checkNameConstraints()
}

// fail reports an error to the "callback" and says whether verification
// goes on, as openssl verify's callback decides.
func (r *run) fail(code, depth int, c *vcert) bool {
	return r.failWith(VerifyError{Code: code, Depth: depth}, c)
}

func (r *run) failWith(e VerifyError, c *vcert) bool {
	e.Text = VerifyErrorString(e.Code)
	e.At = r.at
	if c != nil {
		e.Cert = c.c
		e.Subject = onelineName(c.c.RawSubject)
	}
	r.errs = append(r.errs, e)
	return continueCodes[e.Code]
}

// timeValid is ossl_x509_check_cert_time without callback:
// notBefore <= t < notAfter.
func (r *run) timeValid(c *vcert) bool {
	return !c.c.NotBefore.After(r.at) && c.c.NotAfter.After(r.at)
}

// checkCertTime is ossl_x509_check_cert_time with callback.
func (r *run) checkCertTime(c *vcert, depth int) bool {
	if c.c.NotBefore.After(r.at) && !r.fail(VerifyErrCertNotYetValid, depth, c) {
		return false
	}
	if !c.c.NotAfter.After(r.at) && !r.fail(VerifyErrCertHasExpired, depth, c) {
		return false
	}
	return true
}
