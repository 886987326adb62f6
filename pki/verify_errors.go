package pki

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"
)

// verifyErrorStrings is X509_verify_cert_error_string of OpenSSL 3.0, codes
// 0..94, copied from the library's own output (crypto/x509/x509_txt.c).
var verifyErrorStrings = [...]string{
	0:  "ok",
	1:  "unspecified certificate verification error",
	2:  "unable to get issuer certificate",
	3:  "unable to get certificate CRL",
	4:  "unable to decrypt certificate's signature",
	5:  "unable to decrypt CRL's signature",
	6:  "unable to decode issuer public key",
	7:  "certificate signature failure",
	8:  "CRL signature failure",
	9:  "certificate is not yet valid",
	10: "certificate has expired",
	11: "CRL is not yet valid",
	12: "CRL has expired",
	13: "format error in certificate's notBefore field",
	14: "format error in certificate's notAfter field",
	15: "format error in CRL's lastUpdate field",
	16: "format error in CRL's nextUpdate field",
	17: "out of memory",
	18: "self-signed certificate",
	19: "self-signed certificate in certificate chain",
	20: "unable to get local issuer certificate",
	21: "unable to verify the first certificate",
	22: "certificate chain too long",
	23: "certificate revoked",
	24: "issuer certificate doesn't have a public key",
	25: "path length constraint exceeded",
	26: "unsuitable certificate purpose",
	27: "certificate not trusted",
	28: "certificate rejected",
	29: "subject issuer mismatch",
	30: "authority and subject key identifier mismatch",
	31: "authority and issuer serial number mismatch",
	32: "key usage does not include certificate signing",
	33: "unable to get CRL issuer certificate",
	34: "unhandled critical extension",
	35: "key usage does not include CRL signing",
	36: "unhandled critical CRL extension",
	37: "invalid non-CA certificate (has CA markings)",
	38: "proxy path length constraint exceeded",
	39: "key usage does not include digital signature",
	40: "proxy certificates not allowed, please set the appropriate flag",
	41: "invalid or inconsistent certificate extension",
	42: "invalid or inconsistent certificate policy extension",
	43: "no explicit policy",
	44: "different CRL scope",
	45: "unsupported extension feature",
	46: "RFC 3779 resource not subset of parent's resources",
	47: "permitted subtree violation",
	48: "excluded subtree violation",
	49: "name constraints minimum and maximum not supported",
	50: "application verification failure",
	51: "unsupported name constraint type",
	52: "unsupported or invalid name constraint syntax",
	53: "unsupported or invalid name syntax",
	54: "CRL path validation error",
	55: "path loop",
	56: "Suite B: certificate version invalid",
	57: "Suite B: invalid public key algorithm",
	58: "Suite B: invalid ECC curve",
	59: "Suite B: invalid signature algorithm",
	60: "Suite B: curve not allowed for this LOS",
	61: "Suite B: cannot sign P-384 with P-256",
	62: "hostname mismatch",
	63: "email address mismatch",
	64: "IP address mismatch",
	65: "no matching DANE TLSA records",
	66: "EE certificate key too weak",
	67: "CA certificate key too weak",
	68: "CA signature digest algorithm too weak",
	69: "invalid certificate verification context",
	70: "issuer certificate lookup error",
	71: "Certificate Transparency required, but no valid SCTs found",
	72: "proxy subject name violation",
	73: "OCSP verification needed",
	74: "OCSP verification failed",
	75: "OCSP unknown cert",
	76: "Cannot find certificate signature algorithm",
	77: "subject signature algorithm and issuer public key algorithm mismatch",
	78: "cert info signature and signature algorithm mismatch",
	79: "invalid CA certificate",
	80: "Path length invalid for non-CA cert",
	81: "Path length given without key usage keyCertSign",
	82: "Key usage keyCertSign invalid for non-CA cert",
	83: "Issuer name empty",
	84: "Subject name empty",
	85: "Missing Authority Key Identifier",
	86: "Missing Subject Key Identifier",
	87: "Empty Subject Alternative Name extension",
	88: "Subject empty and Subject Alt Name extension not critical",
	89: "Basic Constraints of CA cert not marked critical",
	90: "Authority Key Identifier marked critical",
	91: "Subject Key Identifier marked critical",
	92: "CA cert does not include key usage extension",
	93: "Using cert extension requires at least X509v3",
	94: "Certificate public key has explicit ECC parameters",
}

// verifyErrorNames are the X509_V_ERR_* macro names of OpenSSL 3.0
// (include/openssl/x509_vfy.h), the words users search OpenSSL's docs for.
var verifyErrorNames = [...]string{
	0:  "X509_V_OK",
	1:  "X509_V_ERR_UNSPECIFIED",
	2:  "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT",
	3:  "X509_V_ERR_UNABLE_TO_GET_CRL",
	4:  "X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE",
	5:  "X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE",
	6:  "X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
	7:  "X509_V_ERR_CERT_SIGNATURE_FAILURE",
	8:  "X509_V_ERR_CRL_SIGNATURE_FAILURE",
	9:  "X509_V_ERR_CERT_NOT_YET_VALID",
	10: "X509_V_ERR_CERT_HAS_EXPIRED",
	11: "X509_V_ERR_CRL_NOT_YET_VALID",
	12: "X509_V_ERR_CRL_HAS_EXPIRED",
	13: "X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD",
	14: "X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD",
	15: "X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD",
	16: "X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD",
	17: "X509_V_ERR_OUT_OF_MEM",
	18: "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT",
	19: "X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN",
	20: "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
	21: "X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE",
	22: "X509_V_ERR_CERT_CHAIN_TOO_LONG",
	23: "X509_V_ERR_CERT_REVOKED",
	24: "X509_V_ERR_NO_ISSUER_PUBLIC_KEY",
	25: "X509_V_ERR_PATH_LENGTH_EXCEEDED",
	26: "X509_V_ERR_INVALID_PURPOSE",
	27: "X509_V_ERR_CERT_UNTRUSTED",
	28: "X509_V_ERR_CERT_REJECTED",
	29: "X509_V_ERR_SUBJECT_ISSUER_MISMATCH",
	30: "X509_V_ERR_AKID_SKID_MISMATCH",
	31: "X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH",
	32: "X509_V_ERR_KEYUSAGE_NO_CERTSIGN",
	33: "X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER",
	34: "X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION",
	35: "X509_V_ERR_KEYUSAGE_NO_CRL_SIGN",
	36: "X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION",
	37: "X509_V_ERR_INVALID_NON_CA",
	38: "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED",
	39: "X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE",
	40: "X509_V_ERR_PROXY_CERTIFICATES_NOT_ALLOWED",
	41: "X509_V_ERR_INVALID_EXTENSION",
	42: "X509_V_ERR_INVALID_POLICY_EXTENSION",
	43: "X509_V_ERR_NO_EXPLICIT_POLICY",
	44: "X509_V_ERR_DIFFERENT_CRL_SCOPE",
	45: "X509_V_ERR_UNSUPPORTED_EXTENSION_FEATURE",
	46: "X509_V_ERR_UNNESTED_RESOURCE",
	47: "X509_V_ERR_PERMITTED_VIOLATION",
	48: "X509_V_ERR_EXCLUDED_VIOLATION",
	49: "X509_V_ERR_SUBTREE_MINMAX",
	50: "X509_V_ERR_APPLICATION_VERIFICATION",
	51: "X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE",
	52: "X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX",
	53: "X509_V_ERR_UNSUPPORTED_NAME_SYNTAX",
	54: "X509_V_ERR_CRL_PATH_VALIDATION_ERROR",
	55: "X509_V_ERR_PATH_LOOP",
	56: "X509_V_ERR_SUITE_B_INVALID_VERSION",
	57: "X509_V_ERR_SUITE_B_INVALID_ALGORITHM",
	58: "X509_V_ERR_SUITE_B_INVALID_CURVE",
	59: "X509_V_ERR_SUITE_B_INVALID_SIGNATURE_ALGORITHM",
	60: "X509_V_ERR_SUITE_B_LOS_NOT_ALLOWED",
	61: "X509_V_ERR_SUITE_B_CANNOT_SIGN_P_384_WITH_P_256",
	62: "X509_V_ERR_HOSTNAME_MISMATCH",
	63: "X509_V_ERR_EMAIL_MISMATCH",
	64: "X509_V_ERR_IP_ADDRESS_MISMATCH",
	65: "X509_V_ERR_DANE_NO_MATCH",
	66: "X509_V_ERR_EE_KEY_TOO_SMALL",
	67: "X509_V_ERR_CA_KEY_TOO_SMALL",
	68: "X509_V_ERR_CA_MD_TOO_WEAK",
	69: "X509_V_ERR_INVALID_CALL",
	70: "X509_V_ERR_STORE_LOOKUP",
	71: "X509_V_ERR_NO_VALID_SCTS",
	72: "X509_V_ERR_PROXY_SUBJECT_NAME_VIOLATION",
	73: "X509_V_ERR_OCSP_VERIFY_NEEDED",
	74: "X509_V_ERR_OCSP_VERIFY_FAILED",
	75: "X509_V_ERR_OCSP_CERT_UNKNOWN",
	76: "X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM",
	77: "X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH",
	78: "X509_V_ERR_SIGNATURE_ALGORITHM_INCONSISTENCY",
	79: "X509_V_ERR_INVALID_CA",
	80: "X509_V_ERR_PATHLEN_INVALID_FOR_NON_CA",
	81: "X509_V_ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN",
	82: "X509_V_ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA",
	83: "X509_V_ERR_ISSUER_NAME_EMPTY",
	84: "X509_V_ERR_SUBJECT_NAME_EMPTY",
	85: "X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER",
	86: "X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER",
	87: "X509_V_ERR_EMPTY_SUBJECT_ALT_NAME",
	88: "X509_V_ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL",
	89: "X509_V_ERR_CA_BCONS_NOT_CRITICAL",
	90: "X509_V_ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL",
	91: "X509_V_ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL",
	92: "X509_V_ERR_CA_CERT_MISSING_KEY_USAGE",
	93: "X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3",
	94: "X509_V_ERR_EC_KEY_EXPLICIT_PARAMS",
}

// VerifyErrorName returns OpenSSL's macro name for a verification error
// code ("X509_V_ERR_CERT_HAS_EXPIRED"), or "" outside 0..94.
func VerifyErrorName(code int) string {
	if code < 0 || code >= len(verifyErrorNames) {
		return ""
	}
	return verifyErrorNames[code]
}

// Verification error codes wsskit refers to by name (X509_V_ERR_* of
// OpenSSL 3.0). Every other code 0..94 is still reported with its number and
// OpenSSL's text.
const (
	VerifyOK                        = 0
	VerifyErrUnspecified            = 1
	VerifyErrUnableToGetIssuerCert  = 2
	VerifyErrUnableToGetCRL         = 3
	VerifyErrUnableToDecodeIssuerPK = 6
	VerifyErrCertSignatureFailure   = 7
	VerifyErrCRLSignatureFailure    = 8
	VerifyErrCertNotYetValid        = 9
	VerifyErrCertHasExpired         = 10
	VerifyErrCRLNotYetValid         = 11
	VerifyErrCRLHasExpired          = 12
	VerifyErrDepthZeroSelfSigned    = 18
	VerifyErrSelfSignedInChain      = 19
	VerifyErrUnableToGetIssuerLocal = 20
	VerifyErrUnableToVerifyLeafSig  = 21
	VerifyErrCertChainTooLong       = 22
	VerifyErrCertRevoked            = 23
	VerifyErrPathLengthExceeded     = 25
	VerifyErrInvalidPurpose         = 26
	VerifyErrCertRejected           = 28
	VerifyErrKeyUsageNoCertSign     = 32
	VerifyErrUnableToGetCRLIssuer   = 33
	VerifyErrUnhandledCriticalExt   = 34
	VerifyErrKeyUsageNoCRLSign      = 35
	VerifyErrUnhandledCriticalCRL   = 36
	VerifyErrInvalidNonCA           = 37
	VerifyErrProxyPathLength        = 38
	VerifyErrProxyNotAllowed        = 40
	VerifyErrInvalidExtension       = 41
	VerifyErrDifferentCRLScope      = 44
	VerifyErrPermittedViolation     = 47
	VerifyErrExcludedViolation      = 48
	VerifyErrSubtreeMinMax          = 49
	VerifyErrUnsupportedConstraint  = 51
	VerifyErrUnsupportedNameSyntax  = 53
	VerifyErrHostnameMismatch       = 62
	VerifyErrEmailMismatch          = 63
	VerifyErrIPAddressMismatch      = 64
	VerifyErrInvalidCA              = 79
)

// VerifyErrorString returns OpenSSL 3.0's text for a verification error
// code, exactly as X509_verify_cert_error_string prints it; codes outside
// 0..94 give "unknown certificate verification error", as OpenSSL does.
func VerifyErrorString(code int) string {
	if code < 0 || code >= len(verifyErrorStrings) {
		return "unknown certificate verification error"
	}
	return verifyErrorStrings[code]
}

// continueCodes are the errors after which `openssl verify`'s callback lets
// verification go on (apps/verify.c cb), so more lines may follow. Every
// other error ends verification.
var continueCodes = map[int]bool{
	43: true, 10: true, 18: true, 79: true, 37: true, 25: true, 12: true, 11: true, 34: true, 26: true,
	// -x509_strict conformance errors (not produced by wsskit, listed for completeness)
	80: true, 81: true, 89: true, 92: true, 82: true, 83: true, 84: true, 88: true, 87: true,
	78: true, 90: true, 91: true, 85: true, 86: true, 93: true,
}

// certLabel names the certificate an error is about for the sentences below.
func (e VerifyError) certLabel() string {
	name := e.Subject
	if e.Cert != nil {
		if cn := e.Cert.Subject.CommonName; cn != "" {
			name = "CN=" + cn
		}
	}
	if name == "" {
		name = "(empty subject)"
	}
	if e.Depth == 0 {
		return "the certificate " + quoteName(name)
	}
	return fmt.Sprintf("the CA certificate %s (depth %d)", quoteName(name), e.Depth)
}

func quoteName(s string) string { return "\u201c" + s + "\u201d" }

func (e VerifyError) issuerLabel() string {
	if e.Cert == nil {
		return "its issuer"
	}
	if cn := e.Cert.Issuer.CommonName; cn != "" {
		return quoteName("CN=" + cn)
	}
	if s := onelineName(e.Cert.RawIssuer); s != "" {
		return quoteName(s)
	}
	return quoteName("(empty name)")
}

func crlIssuerLabel(e VerifyError) string {
	if e.CRL == nil {
		return "its CA"
	}
	if cn := e.CRL.Issuer.CommonName; cn != "" {
		return quoteName("CN=" + cn)
	}
	return quoteName(onelineName(e.CRL.RawIssuer))
}

const timeLayout = "2006-01-02 15:04:05 UTC"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// certNames lists the names a certificate is valid for, for mismatch
// explanations.
func certNames(c *x509.Certificate) string {
	var parts []string
	for _, d := range c.DNSNames {
		parts = append(parts, "DNS "+d)
	}
	for _, ip := range c.IPAddresses {
		parts = append(parts, "IP "+ip.String())
	}
	for _, m := range c.EmailAddresses {
		parts = append(parts, "email "+m)
	}
	if len(c.DNSNames) == 0 && c.Subject.CommonName != "" {
		parts = append(parts, "CN "+c.Subject.CommonName+" (no DNS name in the SAN, so OpenSSL falls back to the CN; Go and browsers do not)")
	}
	if len(parts) == 0 {
		return "no name at all (no subjectAltName)"
	}
	return strings.Join(parts, ", ")
}

// purposeReason explains why a certificate fails a purpose.
func purposeReason(e VerifyError) string {
	if e.Cert == nil {
		return ""
	}
	x := newVCert(e.Cert)
	var want uint32
	var wantName string
	switch purposeIDs[e.Wanted] {
	case purposeSSLClient:
		want, wantName = xkuSSLClient, "clientAuth (TLS client authentication)"
	case purposeSSLServer, purposeNSSSLServer:
		want, wantName = xkuSSLServer|xkuSGC, "serverAuth (TLS server authentication)"
	case purposeSMIMESign, purposeSMIMEEncrypt:
		want, wantName = xkuSMIME, "emailProtection"
	case purposeTimestampSign:
		want, wantName = xkuTimestamp, "timeStamping (critical, and nothing else)"
	}
	if want != 0 && x.xkuReject(want) {
		return fmt.Sprintf("its Extended Key Usage does not include %s", wantName)
	}
	if e.Depth > 0 {
		return "it is not a CA certificate acceptable for this purpose"
	}
	if x.flags&exKUsage != 0 {
		return "its Key Usage does not allow this use (e.g. digitalSignature is missing)"
	}
	if x.flags&exNSCert != 0 {
		return "its Netscape certificate type does not allow this use"
	}
	return "its extensions do not allow this use"
}

func invalidCAReason(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	x := newVCert(c)
	switch {
	case x.kuReject(kuKeyCertSign):
		return "its Key Usage does not include keyCertSign"
	case x.flags&exBCons != 0 && x.flags&exCA == 0:
		return "its Basic Constraints say CA:FALSE"
	case x.flags&exBCons == 0:
		return "it has no Basic Constraints extension with CA:TRUE"
	}
	return "it is not a proper CA certificate"
}

func unknownCritical(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	var ids []string
	for _, ext := range c.Extensions {
		if ext.Critical && !isSupportedCritical(ext.Id) {
			ids = append(ids, ext.Id.String())
		}
	}
	return strings.Join(ids, ", ")
}

// Cause explains the error in one plain sentence that names the facts of
// both sides (the certificate's and what was asked for). For codes wsskit
// has no explanation for, it restates OpenSSL's text.
func (e VerifyError) Cause() string {
	who := e.certLabel()
	switch e.Code {
	case VerifyErrUnableToGetIssuerCert:
		return fmt.Sprintf("the chain ends at %s, which is trusted but not self-signed, and the CA that issued it (%s) was not given", who, e.issuerLabel())
	case VerifyErrUnableToGetCRL:
		return fmt.Sprintf("CRL checking is on, but no usable CRL issued by %s (the issuer of %s) was found", e.issuerLabel(), who)
	case VerifyErrUnableToDecodeIssuerPK, 24:
		return fmt.Sprintf("the public key of %s cannot be used to check signatures", who)
	case VerifyErrCertSignatureFailure:
		return fmt.Sprintf("the signature on %s does not verify with the key of the CA it names as issuer (%s); usually two CA certificates share that name and it was signed by the other one", who, e.issuerLabel())
	case VerifyErrCRLSignatureFailure:
		return fmt.Sprintf("the CRL that claims to come from %s is not signed by that CA's key", crlIssuerLabel(e))
	case VerifyErrCertNotYetValid:
		if e.Cert != nil {
			return fmt.Sprintf("%s is valid only from %s, but the verification time is %s", who, fmtTime(e.Cert.NotBefore), fmtTime(e.At))
		}
	case VerifyErrCertHasExpired:
		if e.Cert != nil {
			return fmt.Sprintf("%s expired at %s, and the verification time is %s", who, fmtTime(e.Cert.NotAfter), fmtTime(e.At))
		}
	case VerifyErrCRLNotYetValid:
		if e.CRL != nil {
			return fmt.Sprintf("the CRL of %s is valid only from %s (thisUpdate), but the verification time is %s", crlIssuerLabel(e), fmtTime(e.CRL.ThisUpdate), fmtTime(e.At))
		}
	case VerifyErrCRLHasExpired:
		if e.CRL != nil {
			return fmt.Sprintf("the CRL of %s expired at %s (nextUpdate), and the verification time is %s", crlIssuerLabel(e), fmtTime(e.CRL.NextUpdate), fmtTime(e.At))
		}
	case VerifyErrDepthZeroSelfSigned:
		return fmt.Sprintf("%s is self-signed and is not itself in the trust store", who)
	case VerifyErrSelfSignedInChain:
		return fmt.Sprintf("the chain ends at the self-signed %s, which was given only as an untrusted certificate, not as a trusted CA", who)
	case VerifyErrUnableToGetIssuerLocal:
		if e.Depth == 0 {
			return fmt.Sprintf("the CA that issued %s (%s) is neither in the trust store nor among the untrusted certificates", who, e.issuerLabel())
		}
		return fmt.Sprintf("the chain reaches %s, but its issuer %s is not in the trust store", who, e.issuerLabel())
	case VerifyErrUnableToVerifyLeafSig:
		return fmt.Sprintf("%s is not self-issued and nothing was found to check its signature with", who)
	case VerifyErrCertChainTooLong:
		return fmt.Sprintf("reaching a trusted CA from the certificate takes more intermediate CAs than allowed; the chain was cut at %s", who)
	case VerifyErrCertRevoked:
		return fmt.Sprintf("%s is listed as revoked in the CRL of %s", who, crlIssuerLabel(e))
	case VerifyErrPathLengthExceeded:
		if e.Cert != nil {
			return fmt.Sprintf("%s allows at most %d intermediate CA(s) below it (pathlen), but the chain has more", who, e.Cert.MaxPathLen)
		}
	case VerifyErrInvalidPurpose:
		return fmt.Sprintf("%s may not be used for %q: %s", who, e.Wanted, purposeReason(e))
	case VerifyErrCertRejected:
		what := "any purpose"
		if e.Wanted != "" {
			what = fmt.Sprintf("purpose %q", e.Wanted)
		}
		return fmt.Sprintf("%s is in the trust store as a TRUSTED CERTIFICATE whose OpenSSL trust settings (-addtrust/-addreject) do not allow %s", who, what)
	case VerifyErrKeyUsageNoCertSign:
		return fmt.Sprintf("%s signed the certificate below it, but its Key Usage does not include keyCertSign", who)
	case VerifyErrUnableToGetCRLIssuer:
		return fmt.Sprintf("the CA that signed the CRL for %s could not be found", who)
	case VerifyErrUnhandledCriticalExt:
		return fmt.Sprintf("%s has a critical extension OpenSSL does not understand (%s), so it must be rejected", who, unknownCritical(e.Cert))
	case VerifyErrKeyUsageNoCRLSign:
		return fmt.Sprintf("the CRL was signed by %s, whose Key Usage does not include cRLSign", crlIssuerLabel(e))
	case VerifyErrUnhandledCriticalCRL:
		return fmt.Sprintf("the CRL of %s has a critical extension OpenSSL does not understand", crlIssuerLabel(e))
	case VerifyErrInvalidNonCA:
		return fmt.Sprintf("%s follows a proxy certificate but is marked as a CA", who)
	case VerifyErrProxyNotAllowed:
		return fmt.Sprintf("%s is a proxy certificate (RFC 3820), which is not accepted", who)
	case VerifyErrDifferentCRLScope:
		return fmt.Sprintf("the CRL of %s does not cover %s (its issuing distribution point limits it to other certificates)", crlIssuerLabel(e), who)
	case VerifyErrPermittedViolation:
		return fmt.Sprintf("a name of %s (its subject or a subjectAltName) is outside the names a CA above it is permitted to certify (name constraints)", who)
	case VerifyErrExcludedViolation:
		return fmt.Sprintf("a name of %s (its subject or a subjectAltName) is in a subtree a CA above it excludes (name constraints)", who)
	case VerifyErrSubtreeMinMax, VerifyErrUnsupportedConstraint, 52, VerifyErrUnsupportedNameSyntax:
		return fmt.Sprintf("the name constraints of a CA above %s cannot be applied to its names (%s)", who, e.Text)
	case VerifyErrHostnameMismatch:
		if e.Cert != nil {
			return fmt.Sprintf("the certificate is valid for %s, but the host checked is %q", certNames(e.Cert), e.Wanted)
		}
	case VerifyErrEmailMismatch:
		if e.Cert != nil {
			return fmt.Sprintf("the certificate is valid for %s, but the email checked is %q", certNames(e.Cert), e.Wanted)
		}
	case VerifyErrIPAddressMismatch:
		if e.Cert != nil {
			return fmt.Sprintf("the certificate is valid for %s, but the IP checked is %s (OpenSSL matches IPs only against IP SANs)", certNames(e.Cert), e.Wanted)
		}
	case VerifyErrInvalidCA:
		return fmt.Sprintf("%s is used as a CA, but %s", who, invalidCAReason(e.Cert))
	}
	return fmt.Sprintf("OpenSSL reports %q for %s", e.Text, who)
}

// Fix says what to do about the error, as a wsskit command where one
// exists. It is empty when there is no general advice.
func (e VerifyError) Fix() string {
	switch e.Code {
	case VerifyErrUnableToGetIssuerCert:
		return "pass the root CA that issued it with --cafile (or put it in the CA folder: wsskit capath add DIR root.pem), or accept this CA as the trust anchor with --partial-chain"
	case VerifyErrUnableToGetCRL:
		return "pass the CA's CRL with --crl FILE or put it in the CA folder (wsskit capath add DIR ca.crl); a wsskit CA makes one with: wsskit crl new --ca ca.pem --ca-key ca.key"
	case VerifyErrCertSignatureFailure:
		return "verify against the CA that really issued it (compare the Authority Key ID with the CA's Subject Key ID: wsskit show FILE), remove stale same-name CAs from the CA folder (wsskit capath list DIR), or reissue the certificate: wsskit cert sign --csr F --ca ca.pem --ca-key ca.key"
	case VerifyErrCRLSignatureFailure:
		return "regenerate the CRL with the CA's own key: wsskit crl new --ca ca.pem --ca-key ca.key"
	case VerifyErrCertNotYetValid:
		return "check the clocks of both machines; test another time with --at; or reissue the certificate with a start time in the past"
	case VerifyErrCertHasExpired:
		if e.Depth == 0 {
			return "issue a new certificate: wsskit cert sign --csr F --ca ca.pem --ca-key ca.key (or wsskit cert new ... --ca ca.pem --ca-key ca.key)"
		}
		return "renew the CA certificate and reissue the certificates below it; for a test PKI: wsskit pki init --force"
	case VerifyErrCRLNotYetValid:
		return "check the clocks of both machines, or regenerate the CRL: wsskit crl new --ca ca.pem --ca-key ca.key"
	case VerifyErrCRLHasExpired:
		return "publish a fresh CRL before its nextUpdate: wsskit crl new --ca ca.pem --ca-key ca.key"
	case VerifyErrDepthZeroSelfSigned:
		return "trust it explicitly by passing the certificate itself with --cafile, or issue it from a CA instead: wsskit pki init"
	case VerifyErrSelfSignedInChain:
		return "pass the root CA with --cafile (not --untrusted), or put it in the CA folder: wsskit capath add DIR ca.pem"
	case VerifyErrUnableToGetIssuerLocal:
		if e.Depth == 0 {
			return "pass the issuing CA with --cafile or put it in the CA folder: wsskit capath add DIR ca.pem; pass intermediate CAs with --untrusted"
		}
		return "pass the root CA that issued this intermediate with --cafile or put it in the CA folder: wsskit capath add DIR root.pem"
	case VerifyErrUnableToVerifyLeafSig:
		return "pass the CA that issued it with --cafile"
	case VerifyErrCertChainTooLong:
		return "raise --verify-depth, or issue the certificate from a CA closer to the root"
	case VerifyErrCertRevoked:
		return "issue a new certificate and install it: wsskit cert sign --csr F --ca ca.pem --ca-key ca.key"
	case VerifyErrPathLengthExceeded:
		return "issue the certificate from a CA allowed to have that many CAs below it, or reissue the CA with a larger path length"
	case VerifyErrInvalidPurpose:
		switch purposeIDs[e.Wanted] {
		case purposeSSLClient:
			if e.Depth == 0 {
				return "issue a client certificate (EKU clientAuth): wsskit cert sign --csr F --profile client --ca ca.pem --ca-key ca.key"
			}
			return "use a CA whose Extended Key Usage (if any) includes clientAuth"
		case purposeSSLServer, purposeNSSSLServer:
			if e.Depth == 0 {
				return "issue a server certificate (EKU serverAuth): wsskit cert new --profile server --san IP:127.0.0.1 --ca ca.pem --ca-key ca.key"
			}
			return "use a CA whose Extended Key Usage (if any) includes serverAuth"
		}
		return "issue a certificate whose Key Usage and Extended Key Usage allow this purpose"
	case VerifyErrCertRejected:
		return "pass the CA as a plain CERTIFICATE block (openssl x509 -in CAFILE -out ca.pem drops the trust settings), or allow this use in its trust settings (openssl x509 -trustout -addtrust serverAuth or clientAuth)"
	case VerifyErrKeyUsageNoCertSign, VerifyErrInvalidCA:
		return "sign certificates only with a real CA certificate (CA:TRUE, keyCertSign): wsskit cert new --profile ca --subject S, then reissue the certificates it signs"
	case VerifyErrUnhandledCriticalExt:
		return "reissue the certificate without that critical extension (or mark it non-critical)"
	case VerifyErrKeyUsageNoCRLSign:
		return "reissue the CA with cRLSign in its Key Usage (wsskit cert new --profile ca) and regenerate the CRL"
	case VerifyErrDifferentCRLScope:
		return "pass the CRL that covers this certificate (the one its CRL distribution point names)"
	case VerifyErrPermittedViolation, VerifyErrExcludedViolation:
		return "issue the certificate with names the CA may certify (see the CA's Name Constraints: wsskit show ca.pem), or use a CA without such constraints"
	case VerifyErrHostnameMismatch:
		return fmt.Sprintf("reissue the certificate with that name in its subjectAltName: wsskit cert new --profile server --san DNS:%s --ca ca.pem --ca-key ca.key (or connect to a name it has)", e.Wanted)
	case VerifyErrEmailMismatch:
		return fmt.Sprintf("reissue the certificate with --san email:%s", e.Wanted)
	case VerifyErrIPAddressMismatch:
		return fmt.Sprintf("reissue the certificate with that IP in its subjectAltName: wsskit cert new --profile server --san IP:%s --ca ca.pem --ca-key ca.key (or connect to an IP it has)", e.Wanted)
	}
	return ""
}

// CauseID returns a stable snake_case identifier for the error, for JSON
// output. Where DESIGN.md's cause table has an entry for the role the
// certificate plays (purpose "sslclient" for a client certificate,
// "sslserver" for a server certificate), that id is used; otherwise it is
// "verify_" plus the lower-cased OpenSSL name ("verify_cert_has_expired").
func (e VerifyError) CauseID(purpose string) string {
	role := ""
	switch purpose {
	case "sslclient":
		role = "client"
	case "sslserver", "nssslserver":
		role = "server"
	}
	if role != "" {
		switch e.Code {
		case VerifyErrCertHasExpired:
			if e.Depth == 0 {
				return role + "_cert_expired"
			}
		case VerifyErrCertNotYetValid:
			if e.Depth == 0 {
				return role + "_cert_not_yet_valid"
			}
		case VerifyErrUnableToGetIssuerCert, VerifyErrUnableToGetIssuerLocal, VerifyErrDepthZeroSelfSigned,
			VerifyErrSelfSignedInChain, VerifyErrCertSignatureFailure:
			return role + "_cert_untrusted"
		case VerifyErrInvalidPurpose:
			if e.Depth == 0 {
				return role + "_cert_wrong_usage"
			}
		case VerifyErrCertRevoked:
			if role == "client" && e.Depth == 0 {
				return "client_cert_revoked"
			}
		}
	}
	switch e.Code {
	case VerifyErrHostnameMismatch, VerifyErrIPAddressMismatch:
		return "server_cert_name_mismatch"
	}
	name := VerifyErrorName(e.Code)
	if name == "" {
		return "verify_unknown_error"
	}
	return "verify_" + strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(name, "X509_V_ERR_"), "X509_V_"))
}
