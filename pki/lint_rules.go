package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"
)

// The individual lint rules. Each method adds its findings to l.out; the
// facts each message states about a platform are held to that platform by
// lint_openssl_test.go, lint_java_test.go and lint_chromium_test.go.

func (l *linter) validity() {
	c := l.cert
	switch {
	case l.now.After(c.NotAfter):
		l.add("expired", SeverityError, lintAllPlatforms,
			"renew it: wsskit cert new (or cert sign) with the same subject and SANs",
			"The certificate expired on %s (%s ago); every client refuses it (Go: x509: certificate has expired or is not yet valid; OpenSSL: error 10, certificate has expired).",
			lintTime(c.NotAfter), lintAge(l.now.Sub(c.NotAfter)))
	case l.now.Before(c.NotBefore):
		l.add("not_yet_valid", SeverityError, lintAllPlatforms,
			"check the clocks of the machine that made it and of the clients; re-issue it with a notBefore in the past",
			"The certificate is not valid before %s (%s from now); every client refuses it until then (OpenSSL: error 9, certificate is not yet valid). A client or CA clock that is off causes this.",
			lintTime(c.NotBefore), lintAge(c.NotBefore.Sub(l.now)))
	case c.NotAfter.Sub(l.now) < expiresSoonFor:
		l.add("expires_soon", SeverityInfo, nil,
			"renew it before then",
			"The certificate expires on %s, in %s.", lintTime(c.NotAfter), lintAge(c.NotAfter.Sub(l.now)))
	}
}

func lintTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 MST") }

func lintAge(d time.Duration) string {
	switch {
	case d >= 2*lintDay:
		return fmt.Sprintf("%d days", int(d/lintDay))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	default:
		return d.Round(time.Second).String()
	}
}

// names checks the identities a server certificate offers.
func (l *linter) names() {
	c := l.cert
	cn := c.Subject.CommonName
	if len(c.DNSNames) == 0 && len(c.IPAddresses) == 0 {
		fix := "re-issue it with the names clients dial as SANs: wsskit cert new --profile server --san IP:127.0.0.1 --san DNS:localhost ..."
		if ip := net.ParseIP(cn); ip != nil {
			fix = "re-issue it with the address as an IP SAN: wsskit cert new --profile server --san IP:" + ip.String() + " ..."
		} else if lintHostLike(cn) {
			fix = "re-issue it with the name as a DNS SAN: wsskit cert new --profile server --san DNS:" + cn + " ..."
		}
		if len(c.URIs)+len(c.EmailAddresses) > 0 || !lintHostLike(cn) {
			l.add("no_san", SeverityError, []string{PlatformGo, PlatformChrome, PlatformFirefox, PlatformApple, PlatformJava, PlatformDotNet, PlatformOpenSSL}, fix,
				"The certificate names no DNS name or IP address (no DNS or IP subjectAltName, and the CN %q is not a host name), so no client can match it to the server it dialled.", cn)
			return
		}
		if ip := net.ParseIP(cn); ip != nil {
			l.add("cn_only", SeverityError, []string{PlatformGo, PlatformChrome, PlatformApple, PlatformJava, PlatformOpenSSL}, fix,
				"The IP address %s is only in the subject CN and the certificate has no subjectAltName. No client matches an IP address against the CN: Go (x509: certificate relies on legacy Common Name field, use SANs instead), Chrome, macOS/iOS, Java (No subject alternative names present) and OpenSSL (-verify_ip: error 64, IP address mismatch) all refuse it.",
				cn)
			return
		}
		l.add("cn_only", SeverityError, []string{PlatformGo, PlatformChrome, PlatformApple}, fix,
			"The host name %q is only in the subject CN and the certificate has no subjectAltName. Go (x509: certificate relies on legacy Common Name field, use SANs instead), Chrome (NET::ERR_CERT_COMMON_NAME_INVALID) and macOS/iOS refuse it; OpenSSL (-verify_hostname) and Java still fall back to the CN when there is no DNS SAN.",
			cn)
	}
	ips := map[string]bool{}
	for _, ip := range c.IPAddresses {
		ips[ip.String()] = true
	}
	seen := map[string]bool{}
	dnsSet := map[string]bool{}
	for _, d := range c.DNSNames {
		dnsSet[strings.ToLower(d)] = true
	}
	for _, d := range c.DNSNames {
		key := "DNS:" + strings.ToLower(d)
		if seen[key] {
			l.add("duplicate_san", SeverityInfo, nil, "drop the repeated entries when the certificate is next issued",
				"The subjectAltName lists %s more than once; clients do not mind, but it is a sign of a hand-edited SAN list.", key)
		}
		seen[key] = true
		if ip := net.ParseIP(d); ip != nil {
			if ips[ip.String()] {
				l.add("ip_in_dns_san", SeverityInfo, nil, "drop DNS:"+d+"; the IP SAN already covers it",
					"DNS:%s is an IP address written as a DNS name; it is harmless here because IP:%s is also present, and clients use only that one.", d, ip)
				continue
			}
			l.add("ip_in_dns_san", SeverityError, []string{PlatformGo, PlatformChrome, PlatformJava, PlatformOpenSSL},
				"re-issue it with --san IP:"+ip.String()+" (wsskit classifies a bare 127.0.0.1 as an IP SAN)",
				"DNS:%s is an IP address written as a DNS name. Clients dialling %s compare only IP subjectAltNames: Go (x509: cannot validate certificate for %s because it doesn't contain any IP SANs), Chrome (NET::ERR_CERT_COMMON_NAME_INVALID), Java (No subject alternative names matching IP address) and OpenSSL (-verify_ip: error 64, IP address mismatch) refuse it.",
				d, ip, ip)
			continue
		}
		l.wildcard(d, dnsSet)
	}
	for _, ip := range c.IPAddresses {
		key := "IP:" + ip.String()
		if seen[key] {
			l.add("duplicate_san", SeverityInfo, nil, "drop the repeated entries when the certificate is next issued",
				"The subjectAltName lists %s more than once; clients do not mind, but it is a sign of a hand-edited SAN list.", key)
		}
		seen[key] = true
	}
}

// wildcard checks one DNS SAN holding a '*'.
func (l *linter) wildcard(name string, all map[string]bool) {
	if !strings.Contains(name, "*") {
		return
	}
	labels := strings.Split(name, ".")
	fix := "use *.example.com style wildcards (a whole leftmost label) or list the names one by one with --san DNS:..."
	stars := strings.Count(name, "*")
	switch {
	case stars > 1 || strings.Contains(strings.Join(labels[1:], "."), "*"):
		l.add("wildcard_not_leftmost", SeverityError, []string{PlatformGo, PlatformChrome, PlatformOpenSSL}, fix,
			"DNS:%s has a '*' outside the leftmost label (or more than one); Go, Chrome and OpenSSL never match such a name.", name)
	case labels[0] != "*":
		l.add("wildcard_partial", SeverityError, []string{PlatformGo, PlatformChrome}, fix,
			"DNS:%s is a partial-label wildcard; Go and Chrome (NET::ERR_CERT_COMMON_NAME_INVALID) only honour a '*' that is the whole leftmost label, so they match no name with it, while OpenSSL matches it (e.g. %s): clients disagree.",
			name, strings.Replace(name, "*", "x", 1))
	case len(labels) < 3:
		l.add("wildcard_too_broad", SeverityError, []string{PlatformOpenSSL, PlatformChrome}, fix,
			"DNS:%s covers a whole top-level domain (or everything); OpenSSL refuses to match a wildcard with fewer than two labels after it and Chrome refuses wildcards on public suffixes, while Go accepts it for any name one level below: clients disagree.", name)
	default:
		base := strings.ToLower(strings.Join(labels[1:], "."))
		if !all[base] {
			l.add("wildcard_bare_domain", SeverityInfo, nil, "add --san DNS:"+base+" if clients dial it",
				"DNS:%s matches exactly one label in place of the '*' (a.%s, not %s itself nor a.b.%s), in Go, Chrome and OpenSSL alike.",
				name, base, base, base)
		}
	}
}

// serverValidity applies Apple's 825-lintDay rule and the public-CA 398-lintDay rule.
func (l *linter) serverValidity() {
	c := l.cert
	life := c.NotAfter.Sub(c.NotBefore)
	days := int(life / lintDay)
	switch {
	case life > appleMaxDays*lintDay && !c.NotBefore.Before(appleRulesFrom):
		l.add("validity_over_825_days", SeverityError, []string{PlatformApple},
			"re-issue it with --days 825 or less (wsskit's default for leaves is 825)",
			"The certificate is valid for %d days (%s to %s). macOS 10.15+ and iOS 13+ refuse TLS server certificates issued after 2019-07-01 that are valid for more than 825 days, whoever issued them (Apple HT210176).",
			days, c.NotBefore.UTC().Format("2006-01-02"), c.NotAfter.UTC().Format("2006-01-02"))
	case life > publicMaxDays*lintDay:
		note := "If a public CA issued it, Chrome and Safari refuse it; they do not enforce the limit for a CA you installed yourself."
		if l.private {
			note = "The chain ends at your own CA, for which the limit is not enforced."
		}
		l.add("validity_over_398_days", SeverityInfo, []string{PlatformChrome, PlatformApple},
			"nothing to do for a private CA; a public CA must issue 398 days or less",
			"The certificate is valid for %d days. Since 2020-09-01 publicly trusted CAs may issue TLS server certificates for at most 398 days. %s",
			days, note)
	}
}

// caLeaf reports a CA certificate used as the server's own certificate.
func (l *linter) caLeaf() {
	if !l.cert.IsCA {
		return
	}
	l.add("ca_leaf", SeverityError, []string{PlatformFirefox},
		"make a separate CA and a CA:FALSE server certificate signed by it: wsskit pki init --ip 127.0.0.1 --dns localhost",
		"The certificate is a CA (basicConstraints CA:TRUE) but is used as the server's certificate, as in the classic cheat sheet's single self-signed certificate. Firefox refuses it even when it is trusted (MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY); Go, OpenSSL and Chrome accept it.")
}

func lintEKUNames(c *x509.Certificate) string {
	names := ExtKeyUsageNames(c)
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(names, ", ")
}

func (l *linter) eku() {
	c := l.cert
	hasEKU := len(c.ExtKeyUsage)+len(c.UnknownExtKeyUsage) > 0
	hasAny := slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny)
	check := func(want x509.ExtKeyUsage, wantName, role, profile, verifyPurpose string) {
		if !hasEKU || slices.Contains(c.ExtKeyUsage, want) {
			return
		}
		fix := "re-issue it with --profile " + profile + " (extendedKeyUsage " + wantName + ")"
		if hasAny {
			l.add("eku_any_only", SeverityError, []string{PlatformFirefox, PlatformOpenSSL}, fix,
				"The extendedKeyUsage holds anyExtendedKeyUsage but not %s. OpenSSL (-purpose %s: error 26, unsuitable certificate purpose) and Firefox (SEC_ERROR_INADEQUATE_CERT_TYPE) do not accept it for a TLS %s; Go does.",
				wantName, verifyPurpose, role)
			return
		}
		l.add("eku_wrong", SeverityError, []string{PlatformGo, PlatformChrome, PlatformFirefox, PlatformApple, PlatformJava, PlatformOpenSSL}, fix,
			"The extendedKeyUsage lists %s but not %s, so it is no TLS %s certificate: Go (x509: certificate specifies an incompatible key usage), OpenSSL (-purpose %s: error 26, unsuitable certificate purpose), Firefox (SEC_ERROR_INADEQUATE_CERT_TYPE), Java (Extended key usage does not permit use for TLS %s authentication), Chrome (NET::ERR_CERT_INVALID) and macOS/iOS refuse it.",
			lintEKUNames(c), wantName, role, verifyPurpose, role)
	}
	if l.server {
		check(x509.ExtKeyUsageServerAuth, "serverAuth", "server", "server", "sslserver")
		if !hasEKU && !c.NotBefore.Before(appleRulesFrom) {
			l.add("eku_missing", SeverityError, []string{PlatformApple},
				"re-issue it with --profile server (extendedKeyUsage serverAuth)",
				"The certificate has no extendedKeyUsage. macOS 10.15+ and iOS 13+ require id-kp-serverAuth in TLS server certificates issued after 2019-07-01 (Apple HT210176); Go, OpenSSL, Firefox and Chrome treat a missing EKU as any usage.")
		}
	}
	if l.client {
		check(x509.ExtKeyUsageClientAuth, "clientAuth", "client", "client", "sslclient")
	}
}

func lintKeyAlg(c *x509.Certificate) string {
	switch c.PublicKey.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "ECDSA"
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return c.PublicKeyAlgorithm.String()
}

func (l *linter) keyUsage() {
	c := l.cert
	found, critical := lintExtension(c, oidKeyUsageExt)
	if !found {
		return
	}
	if !critical {
		l.add("ku_not_critical", SeverityInfo, nil, "nothing to do; new wsskit certificates mark it critical",
			"The keyUsage extension is not marked critical; RFC 5280 §4.2.1.3 says it SHOULD be. No client refuses the certificate for this.")
	}
	ku := c.KeyUsage
	names := strings.Join(KeyUsageNames(ku), ", ")
	if names == "" {
		names = "(none)"
	}
	alg := lintKeyAlg(c)
	fix := "re-issue it with the usages TLS needs: wsskit cert new --profile server|client sets digitalSignature (and keyEncipherment for RSA)"
	if l.server && ku&(x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment|x509.KeyUsageKeyAgreement) == 0 {
		l.add("ku_no_tls_usage", SeverityError, []string{PlatformChrome, PlatformFirefox, PlatformOpenSSL}, fix,
			"The keyUsage (%s) allows none of digitalSignature, keyEncipherment and keyAgreement, so the key cannot be used for TLS: OpenSSL (-purpose sslserver: error 26, unsuitable certificate purpose), Firefox (SEC_ERROR_INADEQUATE_KEY_USAGE) and Chrome (ERR_SSL_KEY_USAGE_INCOMPATIBLE) refuse it; Go does not check keyUsage and accepts it.", names)
		return
	}
	if l.client && ku&(x509.KeyUsageDigitalSignature|x509.KeyUsageKeyAgreement) == 0 {
		l.add("ku_no_tls_usage", SeverityError, []string{PlatformOpenSSL}, fix,
			"The keyUsage (%s) allows neither digitalSignature nor keyAgreement, but a TLS client proves it holds the key by signing: OpenSSL-based servers refuse it (-purpose sslclient: error 26, unsuitable certificate purpose); Go does not check keyUsage and accepts it.", names)
		return
	}
	if ku&x509.KeyUsageDigitalSignature == 0 {
		if alg == "RSA" {
			if l.server {
				l.add("ku_no_digital_signature", SeverityWarning, nil, fix,
					"The keyUsage (%s) lacks digitalSignature, yet in TLS 1.3 and in TLS 1.2 ECDHE_RSA suites the server signs with this key; it works only with clients that ignore keyUsage for RSA (Go, OpenSSL) and fails with those that enforce it.", names)
			}
		} else {
			l.add("ku_no_digital_signature", SeverityError, []string{PlatformChrome, PlatformOpenSSL}, fix,
				"The keyUsage (%s) lacks digitalSignature, but an %s key is only ever used in TLS to sign. Chrome refuses such a certificate in TLS 1.2 and 1.3 (ERR_SSL_KEY_USAGE_INCOMPATIBLE), and an OpenSSL server will not use it for ECDHE-ECDSA in TLS 1.2 (the handshake fails with alert 40, handshake_failure); Go does not check keyUsage and accepts it.",
				names, alg)
		}
	}
	if alg == "RSA" && l.server && ku&x509.KeyUsageKeyEncipherment == 0 {
		l.add("ku_no_key_encipherment", SeverityInfo, nil, fix,
			"The keyUsage (%s) lacks keyEncipherment, so TLS 1.2 RSA key-exchange suites (TLS_RSA_WITH_*) cannot be used with this key; only very old clients that offer nothing else are affected.", names)
	}
}

// extension reports whether c carries the extension and whether it is
// critical.
func lintExtension(c *x509.Certificate, oid asn1.ObjectIdentifier) (found, critical bool) {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return true, e.Critical
		}
	}
	return false, false
}

func lintHasExtension(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	found, _ := lintExtension(c, oid)
	return found
}

// caCert checks a certificate linted as a CA.
func (l *linter) caCert() {
	c := l.cert
	if !c.BasicConstraintsValid || !c.IsCA {
		l.add("ca_not_ca", SeverityError, []string{PlatformGo, PlatformOpenSSL},
			"re-issue it as a CA: wsskit cert new --profile ca",
			"The certificate is not a CA (basicConstraints CA:TRUE is missing), so nothing it signs verifies: Go (x509: ... NotAuthorizedToSign) and OpenSSL (error 79, invalid CA certificate) refuse certificates it issued.")
	}
	if lintHasExtension(c, oidKeyUsageExt) && c.KeyUsage&x509.KeyUsageCertSign == 0 {
		l.add("ca_no_cert_sign", SeverityError, []string{PlatformOpenSSL},
			"re-issue it with keyUsage keyCertSign, cRLSign: wsskit cert new --profile ca",
			"The CA's keyUsage (%s) lacks keyCertSign: OpenSSL refuses certificates it issued (error 79, invalid CA certificate).", strings.Join(KeyUsageNames(c.KeyUsage), ", "))
	}
}

// key checks the public key's type and size.
func (l *linter) key() {
	c := l.cert
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		bits := k.N.BitLen()
		fix := "re-issue it with a new key: --key-type rsa:2048 (or ec:P-256)"
		switch {
		case bits < 1024:
			l.add("rsa_key_weak", SeverityError, []string{PlatformGo, PlatformChrome, PlatformApple, PlatformJava, PlatformOpenSSL}, fix,
				"The RSA key has %d bits. Go 1.24+ refuses RSA keys under 1024 bits (crypto/rsa: %d-bit keys are insecure), Java disables them (jdk.certpath.disabledAlgorithms: RSA keySize < 1024), OpenSSL refuses them from security level 1, its default (error 66, EE certificate key too weak), and Chrome and macOS/iOS refuse them too.",
				bits, bits)
		case bits < 2048:
			sev, plats := SeverityWarning, []string{PlatformOpenSSL}
			apple := ""
			if l.server {
				sev, plats = SeverityError, []string{PlatformApple, PlatformOpenSSL}
				apple = " macOS 10.15+ and iOS 13+ refuse TLS server certificates with RSA keys under 2048 bits (Apple HT210176)."
			}
			l.add("rsa_key_small", sev, plats, fix,
				"The RSA key has %d bits. OpenSSL at security level 2 — the default of Debian and Ubuntu builds — refuses it (a server fails to load it with \"ee key too small\"; verification gives error 66, EE certificate key too weak).%s Go accepts it.",
				bits, apple)
		}
	case ed25519.PublicKey:
		if l.server {
			l.add("ed25519_server", SeverityError, []string{PlatformChrome, PlatformFirefox},
				"use an ECDSA P-256 key for servers browsers must reach: --key-type ec:P-256",
				"The server key is Ed25519. Chrome and Firefox do not offer Ed25519 in the signature_algorithms of their ClientHello, so their handshake with this server fails (handshake_failure); Go and OpenSSL support it.")
		}
	}
}

var lintWeakSigAlgs = map[x509.SignatureAlgorithm]string{
	x509.MD2WithRSA:    "MD2",
	x509.MD5WithRSA:    "MD5",
	x509.SHA1WithRSA:   "SHA-1",
	x509.DSAWithSHA1:   "SHA-1",
	x509.ECDSAWithSHA1: "SHA-1",
}

// signature checks the algorithm the issuer signed the certificate with.
func (l *linter) signature() {
	c := l.cert
	hash, weak := lintWeakSigAlgs[c.SignatureAlgorithm]
	if !weak {
		return
	}
	if lintSelfSigned(c) {
		l.add("weak_signature", SeverityInfo, nil, "re-issue it with SHA-256 when convenient (any wsskit command does)",
			"The certificate signs itself with %s (%s). As a self-signed trust anchor its own signature is not checked by Go, OpenSSL or Firefox, but certificates it issues must use SHA-256 or better.", c.SignatureAlgorithm, hash)
		return
	}
	plats := []string{PlatformGo, PlatformChrome, PlatformApple, PlatformOpenSSL}
	java := ""
	if hash != "SHA-1" {
		plats = append(plats, PlatformJava)
		java = " Java disables " + hash + " signatures too."
	}
	l.add("weak_signature", SeverityError, plats,
		"re-issue it: wsskit cert new / cert sign always sign with SHA-256 or better",
		"The issuer signed the certificate with %s (%s). Go refuses it (x509: cannot verify signature: insecure algorithm %s), Chrome (NET::ERR_CERT_INVALID) and macOS/iOS refuse it, and OpenSSL-based TLS peers refuse it from security level 1, the default (error 68, CA signature digest algorithm too weak).%s",
		c.SignatureAlgorithm, hash, c.SignatureAlgorithm, java)
}

// keyIDs checks subjectKeyIdentifier and authorityKeyIdentifier.
func (l *linter) keyIDs() {
	c := l.cert
	if len(c.SubjectKeyId) == 0 {
		sev, extra := SeverityInfo, ""
		if l.ca || c.IsCA {
			sev = SeverityWarning
			extra = " For a CA it matters: certificates and CRLs it signs cannot name its key in their authorityKeyIdentifier, and OpenSSL then picks the issuer by name alone (with two CAs of one name, the wrong one)."
		}
		l.add("no_subject_key_id", sev, nil, "new wsskit certificates always carry one",
			"The certificate has no subjectKeyIdentifier (RFC 5280 §4.2.1.2).%s", extra)
	}
	if len(c.AuthorityKeyId) == 0 && !lintSelfSigned(c) {
		l.add("no_authority_key_id", SeverityWarning, []string{PlatformOpenSSL},
			"re-issue it with wsskit cert new / cert sign, which always add it",
			"The certificate has no authorityKeyIdentifier although it is not self-signed. Strict verifiers refuse it: OpenSSL with -x509_strict (error 85, Missing Authority Key Identifier) and Python 3.13+'s default TLS contexts, which turn that flag on.")
	}
}

func (l *linter) serial() {
	s := l.cert.SerialNumber
	if s == nil {
		return
	}
	switch {
	case s.Sign() < 0:
		l.add("serial_negative", SeverityError, []string{PlatformGo}, "re-issue it: wsskit uses random positive 128-bit serials",
			"The serial number %s is negative; RFC 5280 §4.1.2.2 requires a positive integer and Go 1.23+ refuses to parse such a certificate (x509: negative serial number).", s)
	case s.Sign() == 0:
		l.add("serial_zero", SeverityWarning, nil, "re-issue it: wsskit uses random positive 128-bit serials",
			"The serial number is 0; RFC 5280 §4.1.2.2 requires a positive integer, and strict parsers refuse it.")
	case len(s.Bytes()) > 20 || len(s.Bytes()) == 20 && s.Bytes()[0]&0x80 != 0:
		l.add("serial_too_long", SeverityWarning, nil, "re-issue it: wsskit uses random positive 128-bit serials",
			"The serial number is %d bytes long; RFC 5280 §4.1.2.2 allows at most 20 octets.", len(s.Bytes()))
	case s.BitLen() < 64:
		l.add("serial_low_entropy", SeverityInfo, []string{PlatformFirefox}, "wsskit uses random 128-bit serials",
			"The serial number %s has only %d bits. Publicly trusted CAs must use at least 64 random bits. For a private CA the real rule is uniqueness: if a re-created CA with the same name reuses serials, Firefox can refuse the second certificate it meets (SEC_ERROR_REUSED_ISSUER_AND_SERIAL).",
			crlSerialHex(s), s.BitLen())
	}
}

// issuers checks the CA certificates of the chain.
func (l *linter) issuers() {
	if len(l.chain) == 0 {
		return
	}
	if first := l.chain[0]; !bytes.Equal(first.RawSubject, l.cert.RawIssuer) || !lintSignedBy(l.cert, first) {
		l.add("chain_mismatch", SeverityWarning, nil, "give the issuing CA first, then its issuer, up to the root",
			"The first chain certificate (%s) is not the issuer of this certificate (issued by %s), so the chain given does not start where it should.", first.Subject, l.cert.Issuer)
	}
	for _, ca := range l.chain {
		name := ca.Subject.String()
		switch {
		case l.now.After(ca.NotAfter):
			l.add("issuer_expired", SeverityError, lintAllPlatforms, "renew the CA and re-issue what it signed",
				"The CA %s expired on %s; every client refuses certificates that chain to it (OpenSSL: error 10 at its depth).", name, lintTime(ca.NotAfter))
		case l.now.Before(ca.NotBefore):
			l.add("issuer_not_yet_valid", SeverityError, lintAllPlatforms, "check the clocks; re-issue the CA with a notBefore in the past",
				"The CA %s is not valid before %s (OpenSSL: error 9).", name, lintTime(ca.NotBefore))
		}
		if !ca.BasicConstraintsValid || !ca.IsCA {
			l.add("issuer_not_ca", SeverityError, []string{PlatformGo, PlatformOpenSSL}, "issue from a real CA: wsskit cert new --profile ca",
				"%s signed a certificate in the chain but is not a CA (basicConstraints CA:TRUE missing): Go and OpenSSL (error 79, invalid CA certificate) refuse the chain.", name)
		} else if lintHasExtension(ca, oidKeyUsageExt) && ca.KeyUsage&x509.KeyUsageCertSign == 0 {
			l.add("issuer_no_cert_sign", SeverityError, []string{PlatformOpenSSL}, "re-issue the CA with keyUsage keyCertSign, cRLSign: wsskit cert new --profile ca",
				"The CA %s has a keyUsage without keyCertSign: OpenSSL refuses the chain (error 79, invalid CA certificate).", name)
		}
		if k, ok := ca.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < 2048 {
			sev, plats := SeverityWarning, []string{PlatformOpenSSL}
			if l.server {
				sev, plats = SeverityError, []string{PlatformApple, PlatformOpenSSL}
			}
			l.add("issuer_rsa_key_small", sev, plats, "make a new CA with --key-type rsa:2048 or ec:P-256",
				"The CA %s has a %d-bit RSA key. macOS/iOS refuse TLS server chains whose issuing CAs use RSA keys under 2048 bits, and OpenSSL at security level 2 (Debian and Ubuntu's default) refuses it (error 67, CA certificate key too weak).", name, k.N.BitLen())
		}
		if hash, weak := lintWeakSigAlgs[ca.SignatureAlgorithm]; weak && !lintSelfSigned(ca) {
			l.add("issuer_weak_signature", SeverityError, []string{PlatformGo, PlatformChrome, PlatformApple, PlatformOpenSSL}, "re-issue the intermediate CA with SHA-256",
				"The intermediate CA %s is signed with %s (%s): Go, Chrome, macOS/iOS and OpenSSL (from security level 1) refuse the chain.", name, ca.SignatureAlgorithm, hash)
		}
	}
}
