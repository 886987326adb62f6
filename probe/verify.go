package probe

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/wsskit/wsskit/pki"
)

// VerifyError is one OpenSSL-style verification result line.
type VerifyError struct {
	// Code is OpenSSL's X509_V_ERR number (e.g. 20), Depth the chain depth
	// (0 = leaf), Text OpenSSL 3.0's wording.
	Code  int    `json:"code"`
	Depth int    `json:"depth"`
	Text  string `json:"text"`
}

// String renders the line as `openssl verify` prints it.
func (v VerifyError) String() string {
	return fmt.Sprintf("error %d at %d depth lookup: %s", v.Code, v.Depth, v.Text)
}

// VerifyFunc checks a chain the way OpenSSL would and returns its error
// lines (none when it verifies). Callers plug pki's OpenSSL-compatible
// verifier in here; without one, the probe derives the common numbers from
// Go's verdict.
type VerifyFunc func(chain []*x509.Certificate, host string) []VerifyError

// Verification is the verdict on the server's chain. It is computed even
// with Insecure, so the report can say what verification would have said.
type Verification struct {
	// OK is true when the chain verified for the host dialled.
	OK bool `json:"ok"`
	// Skipped is true when Insecure made the probe go on regardless.
	Skipped bool `json:"skipped,omitempty"`
	// Roots says what was trusted.
	Roots string `json:"roots"`
	// Error is Go's verification error text.
	Error string `json:"error,omitempty"`
	// CauseID and Cause explain a failed verification.
	CauseID string `json:"cause_id,omitempty"`
	Cause   string `json:"cause,omitempty"`
	// OpenSSL holds OpenSSL-style error lines with their numbers.
	OpenSSL []VerifyError `json:"openssl,omitempty"`
	// Problems lists every independent finding (time, name, usage, trust),
	// including those hidden behind the first error.
	Problems []string `json:"problems,omitempty"`

	err      error
	badCert  *x509.Certificate
	badDepth int
}

// OpenSSL 3.0 verify error texts used by the built-in mapping.
var opensslText = map[int]string{
	9: "certificate is not yet valid", 10: "certificate has expired", 18: "self-signed certificate",
	19: "self-signed certificate in certificate chain", 20: "unable to get local issuer certificate",
	25: "path length constraint exceeded", 26: "unsuitable certificate purpose", 62: "hostname mismatch", 64: "IP address mismatch",
	79: "invalid CA certificate",
}

func vErr(code, depth int) VerifyError {
	return VerifyError{Code: code, Depth: depth, Text: opensslText[code]}
}

// verifyServer checks the server's chain for host as Go's client would, then
// names the cause and the independent problems.
func verifyServer(chain []*x509.Certificate, host string, roots *x509.CertPool, now time.Time, hook VerifyFunc) *Verification {
	v := &Verification{}
	if len(chain) == 0 {
		v.Error = "the server sent no certificate"
		v.err = errors.New("probe: the server sent no certificate")
		v.CauseID = CauseServerCertUntrusted
		return v
	}
	leaf := chain[0]
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{DNSName: host, Intermediates: inter, Roots: roots, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	_, err := leaf.Verify(opts)
	v.err = err
	v.OK = err == nil
	if err != nil {
		v.Error = err.Error()
	}

	// Independent findings, so one error does not hide another.
	for d, c := range chain {
		if now.After(c.NotAfter) {
			v.Problems = append(v.Problems, fmt.Sprintf("certificate at depth %d %q expired on %s", d, c.Subject.String(), ts(c.NotAfter)))
		} else if now.Before(c.NotBefore) {
			v.Problems = append(v.Problems, fmt.Sprintf("certificate at depth %d %q is valid only from %s", d, c.Subject.String(), ts(c.NotBefore)))
		}
	}
	if host != "" {
		if herr := leaf.VerifyHostname(host); herr != nil {
			v.Problems = append(v.Problems, fmt.Sprintf("%s is not among its names (%s)", hostWord(host), certSANs(Describe(leaf))))
		}
	}
	if !hasEKU(leaf, x509.ExtKeyUsageServerAuth) {
		v.Problems = append(v.Problems, "its extended key usage lacks serverAuth")
	}
	trustOpts := x509.VerifyOptions{Intermediates: inter, Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		CurrentTime: leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)}
	_, terr := leaf.Verify(trustOpts)
	var ua x509.UnknownAuthorityError
	if errors.As(terr, &ua) {
		if pki.IsSelfSigned(leaf) {
			v.Problems = append(v.Problems, "it is self-signed and not trusted")
		} else {
			v.Problems = append(v.Problems, fmt.Sprintf("its issuer %q does not lead to a trusted CA", leaf.Issuer.String()))
		}
	}

	if err != nil {
		v.CauseID, v.badCert, v.badDepth, v.OpenSSL = serverCause(err, chain, host, now)
	}
	if hook != nil {
		v.OpenSSL = hook(chain, host)
	}
	return v
}

func hostWord(h string) string {
	if net.ParseIP(h) != nil {
		return "IP " + h
	}
	return "DNS name " + h
}

// serverCause maps Go's verification error to a cause id, the certificate
// at fault and OpenSSL's numbers (OPENSSL-COMPAT.md §3).
func serverCause(err error, chain []*x509.Certificate, host string, now time.Time) (string, *x509.Certificate, int, []VerifyError) {
	leaf := chain[0]
	var he x509.HostnameError
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &he):
		code := 62
		if net.ParseIP(host) != nil {
			code = 64
		}
		if len(leaf.DNSNames) == 0 && len(leaf.IPAddresses) == 0 && leaf.Subject.CommonName != "" {
			return CauseServerCertCNOnly, leaf, 0, []VerifyError{vErr(code, 0)}
		}
		return CauseServerCertNameMismatch, leaf, 0, []VerifyError{vErr(code, 0)}
	case errors.As(err, &ua):
		if pki.IsSelfSigned(leaf) {
			return CauseServerCertSelfSignedLeaf, leaf, 0, []VerifyError{vErr(18, 0)}
		}
		last := chain[len(chain)-1]
		if pki.IsSelfSigned(last) {
			return CauseServerCertUntrusted, last, len(chain) - 1, []VerifyError{vErr(19, len(chain)-1)}
		}
		return CauseServerCertUntrusted, last, len(chain) - 1, []VerifyError{vErr(20, len(chain)-1)}
	case errors.As(err, &ci):
		switch ci.Reason {
		case x509.Expired:
			// OpenSSL reports time errors from the root down; Go stops at the
			// first. Name the deepest certificate out of its validity.
			for d := len(chain) - 1; d >= 0; d-- {
				c := chain[d]
				if now.After(c.NotAfter) {
					return CauseServerCertExpired, c, d, []VerifyError{vErr(10, d)}
				}
				if now.Before(c.NotBefore) {
					return CauseServerCertNotYetValid, c, d, []VerifyError{vErr(9, d)}
				}
			}
			// The anchor itself (from the trust store) is out of validity.
			if ci.Cert != nil && now.Before(ci.Cert.NotBefore) {
				return CauseServerCertNotYetValid, ci.Cert, len(chain), []VerifyError{vErr(9, len(chain))}
			}
			return CauseServerCertExpired, ci.Cert, len(chain), []VerifyError{vErr(10, len(chain))}
		case x509.IncompatibleUsage:
			return CauseServerCertWrongUsage, leaf, 0, []VerifyError{vErr(26, 0)}
		case x509.TooManyIntermediates:
			// ci.Cert is the CA whose pathLenConstraint the chain exceeds;
			// it may be the trust anchor, one past the chain sent.
			d := len(chain)
			for i, c := range chain {
				if ci.Cert != nil && c.Equal(ci.Cert) {
					d = i
				}
			}
			return CauseServerChainPathLen, ci.Cert, d, []VerifyError{vErr(25, d)}
		case x509.NotAuthorizedToSign:
			return CauseServerCertUntrusted, ci.Cert, 1, []VerifyError{vErr(79, 1)}
		}
	}
	return CauseServerCertUntrusted, leaf, 0, nil
}

// clientCheck is the local check of the client certificate we send.
type clientCheck struct {
	expired, notYetValid, wrongUsage, keyMismatch bool
	// issuerListed is nil when the server listed no CA names.
	issuerListed *bool
	problems     []string
}

// checkClientCert checks our own certificate: validity, EKU, whether the key
// belongs to it, and whether any issuer in its chain is among the names the
// server listed (tls.CertificateRequestInfo.SupportsCertificate does the
// same comparison before a Go client agrees to send it).
func checkClientCert(c *tls.Certificate, acceptable [][]byte, now time.Time) clientCheck {
	var cc clientCheck
	leaf := leafOf(c)
	if leaf == nil {
		cc.problems = append(cc.problems, "our client certificate could not be parsed")
		return cc
	}
	if now.After(leaf.NotAfter) {
		cc.expired = true
		cc.problems = append(cc.problems, fmt.Sprintf("it expired on %s", ts(leaf.NotAfter)))
	} else if now.Before(leaf.NotBefore) {
		cc.notYetValid = true
		cc.problems = append(cc.problems, fmt.Sprintf("it is valid only from %s", ts(leaf.NotBefore)))
	}
	if !hasEKU(leaf, x509.ExtKeyUsageClientAuth) {
		cc.wrongUsage = true
		cc.problems = append(cc.problems, "its extended key usage lacks clientAuth")
	}
	if pk, ok := c.PrivateKey.(crypto.Signer); ok {
		if eq, ok := pk.Public().(interface{ Equal(crypto.PublicKey) bool }); ok && !eq.Equal(leaf.PublicKey) {
			cc.keyMismatch = true
			cc.problems = append(cc.problems, "the private key does not belong to it")
		}
	}
	if len(acceptable) > 0 {
		listed := false
		for _, der := range c.Certificate {
			x, err := x509.ParseCertificate(der)
			if err != nil {
				continue
			}
			for _, ca := range acceptable {
				if bytes.Equal(x.RawIssuer, ca) {
					listed = true
				}
			}
		}
		cc.issuerListed = &listed
		if !listed {
			cc.problems = append(cc.problems, fmt.Sprintf("its issuer %q is not among the CAs the server listed", leaf.Issuer.String()))
		}
	}
	return cc
}

func leafOf(c *tls.Certificate) *x509.Certificate {
	if c == nil || len(c.Certificate) == 0 {
		return nil
	}
	if c.Leaf != nil {
		return c.Leaf
	}
	x, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return nil
	}
	return x
}
