package pki

import (
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// TrustSettings are OpenSSL's auxiliary trust settings, the X509_CERT_AUX
// that `openssl x509 -trustout -addtrust/-addreject/-setalias` appends to a
// certificate in a "TRUSTED CERTIFICATE" PEM block (Fedora/RHEL ship their
// ca-bundle.trust.crt this way). OpenSSL's verifier honours them for
// certificates in its trust store: a purpose listed in Reject, or a Trust
// list that does not name the purpose, makes the anchor "certificate
// rejected" (28); a purpose listed in Trust makes the certificate a trust
// anchor even when it is not self-signed.
type TrustSettings struct {
	// Trust and Reject are the EKU OIDs of -addtrust and -addreject. A nil
	// slice means the list is absent; an empty non-nil one that it is
	// present but empty (OpenSSL treats the two differently).
	Trust, Reject []asn1.ObjectIdentifier
	// Alias is -setalias, or "".
	Alias string
}

var (
	oidEKUAny          = asn1.ObjectIdentifier{2, 5, 29, 37, 0}
	oidEKUServerAuth   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}
	oidEKUClientAuth   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}
	oidEKUEmail        = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 4}
	oidEKUTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

// ParseTrustSettings decodes X509_CERT_AUX ::= SEQUENCE { trust SEQUENCE OF
// OBJECT OPTIONAL, reject [0] IMPLICIT SEQUENCE OF OBJECT OPTIONAL, alias
// UTF8String OPTIONAL, keyid OCTET STRING OPTIONAL, other [1] IMPLICIT
// SEQUENCE OF AlgorithmIdentifier OPTIONAL }. Bytes after it are ignored,
// as d2i_X509_AUX does.
func ParseTrustSettings(der []byte) (*TrustSettings, error) {
	in := cryptobyte.String(der)
	var aux cryptobyte.String
	if !in.ReadASN1(&aux, cbasn1.SEQUENCE) {
		return nil, errors.New("pki: trust settings: not a SEQUENCE")
	}
	ts := &TrustSettings{}
	readOIDs := func(tag cbasn1.Tag) ([]asn1.ObjectIdentifier, error) {
		var list cryptobyte.String
		var present bool
		if !aux.ReadOptionalASN1(&list, &present, tag) {
			return nil, errors.New("malformed OID list")
		}
		if !present {
			return nil, nil
		}
		out := []asn1.ObjectIdentifier{}
		for !list.Empty() {
			var oid asn1.ObjectIdentifier
			if !list.ReadASN1ObjectIdentifier(&oid) {
				return nil, errors.New("malformed OID in list")
			}
			out = append(out, oid)
		}
		return out, nil
	}
	var err error
	if ts.Trust, err = readOIDs(cbasn1.SEQUENCE); err != nil {
		return nil, fmt.Errorf("pki: trust settings: trust: %w", err)
	}
	if ts.Reject, err = readOIDs(cbasn1.Tag(0).Constructed().ContextSpecific()); err != nil {
		return nil, fmt.Errorf("pki: trust settings: reject: %w", err)
	}
	var alias cryptobyte.String
	var present bool
	if !aux.ReadOptionalASN1(&alias, &present, cbasn1.UTF8String) {
		return nil, errors.New("pki: trust settings: malformed alias")
	}
	ts.Alias = string(alias)
	return ts, nil
}

// trustKind is how X509_check_trust judges a store certificate for the
// trust id OpenSSL derives from the purpose (X509_STORE_CTX_init).
type trustKind struct {
	oid    asn1.ObjectIdentifier
	anyEKU bool // X509_TRUST_OK_ANY_EKU: anyExtendedKeyUsage counts as oid
	compat bool // X509_TRUST_COMPAT: aux settings are ignored
}

// trustKindFor maps a purpose to its X509_PURPOSE trust id: sslclient ->
// SSL_CLIENT, sslserver and nssslserver -> SSL_SERVER, smime* -> EMAIL,
// timestampsign -> TSA (all trust_1oidany), crlsign and ocsphelper ->
// COMPAT, and none or "any" -> X509_TRUST_DEFAULT (obj_trust of
// anyExtendedKeyUsage alone).
func trustKindFor(purpose int) trustKind {
	switch purpose {
	case purposeSSLClient:
		return trustKind{oid: oidEKUClientAuth, anyEKU: true}
	case purposeSSLServer, purposeNSSSLServer:
		return trustKind{oid: oidEKUServerAuth, anyEKU: true}
	case purposeSMIMESign, purposeSMIMEEncrypt:
		return trustKind{oid: oidEKUEmail, anyEKU: true}
	case purposeTimestampSign:
		return trustKind{oid: oidEKUTimeStamping, anyEKU: true}
	case purposeCRLSign, purposeOCSPHelper:
		return trustKind{compat: true}
	}
	return trustKind{oid: oidEKUAny}
}

// checkTrustOf is X509_check_trust for a store certificate: rejected when
// Reject names the purpose, trusted when Trust does, rejected when Trust is
// present without it, else trusted only if self-signed.
func checkTrustOf(x *vcert, k trustKind) trustResult {
	ts := x.aux
	if !k.compat && ts != nil {
		match := func(o asn1.ObjectIdentifier) bool {
			return o.Equal(k.oid) || (k.anyEKU && o.Equal(oidEKUAny))
		}
		for _, o := range ts.Reject {
			if match(o) {
				return trustRejected
			}
		}
		if ts.Trust != nil {
			for _, o := range ts.Trust {
				if match(o) {
					return trustTrusted
				}
			}
			// obj_trust: explicit trust uses that do not match reject, so
			// that a partial chain cannot succeed on them.
			return trustRejected
		}
	}
	if x.selfSigned() {
		return trustTrusted
	}
	return trustUntrusted
}
