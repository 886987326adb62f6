package pki

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// SANs holds subjectAltName values by kind, in the order they were given.
type SANs struct {
	DNS    []string
	IP     []net.IP
	Email  []string
	URI    []*url.URL
	Quoted []string // the values as the user wrote them, for messages
}

// Empty reports whether no SAN is present.
func (s *SANs) Empty() bool {
	return len(s.DNS)+len(s.IP)+len(s.Email)+len(s.URI) == 0
}

// String lists the SANs the way `openssl x509 -ext subjectAltName` does:
// "DNS:localhost, IP Address:127.0.0.1".
func (s *SANs) String() string {
	return strings.Join(s.labelled("IP Address:"), ", ")
}

// labelled spells each SAN with its type prefix, IP addresses with ipLabel.
func (s *SANs) labelled(ipLabel string) []string {
	var out []string
	for _, d := range s.DNS {
		out = append(out, "DNS:"+d)
	}
	for _, ip := range s.IP {
		out = append(out, ipLabel+ip.String())
	}
	for _, e := range s.Email {
		out = append(out, "email:"+e)
	}
	for _, u := range s.URI {
		out = append(out, "URI:"+u.String())
	}
	return out
}

// SANError is returned for a subjectAltName value that cannot be used.
type SANError struct {
	Value  string
	Reason string
}

func (e *SANError) Error() string {
	return fmt.Sprintf("pki: subjectAltName %q: %s", e.Value, e.Reason)
}

// AddSAN parses one --san value and adds it. A value may hold several SANs
// separated by commas, as in OpenSSL's subjectAltName config line
// ("IP:127.0.0.1,DNS:localhost"). Each is "IP:", "DNS:", "email:" or "URI:"
// followed by the value (prefixes are case-insensitive, "IP Address:" is
// accepted as OpenSSL prints it), or a bare value classified by its shape:
// an IP address, something with "://" is a URI, something with "@" an email
// address, anything else a DNS name.
func (s *SANs) AddSAN(value string) error {
	for _, v := range splitSANList(value) {
		if err := s.addOne(strings.TrimSpace(v)); err != nil {
			return err
		}
	}
	return nil
}

// splitSANList splits at commas; a piece without a kind prefix that follows
// a URI belongs to that URI (URIs may contain commas).
func splitSANList(value string) []string {
	var out []string
	for _, p := range strings.Split(value, ",") {
		if n := len(out); n > 0 && isURIValue(out[n-1]) && kindPrefix(p) == "" {
			out[n-1] += "," + p
			continue
		}
		out = append(out, p)
	}
	return out
}

func isURIValue(v string) bool {
	return kindPrefix(v) == "uri" || (kindPrefix(v) == "" && strings.Contains(v, "://"))
}

// kindPrefix returns "ip", "dns", "email" or "uri" when v starts with that
// SAN kind and a colon ("IP Address:" counts as "ip"), else "".
func kindPrefix(v string) string {
	k, _, ok := strings.Cut(v, ":")
	if !ok {
		return ""
	}
	switch strings.ToLower(strings.TrimSpace(k)) {
	case "ip", "ip address":
		return "ip"
	case "dns":
		return "dns"
	case "email":
		return "email"
	case "uri":
		return "uri"
	}
	return ""
}

func (s *SANs) addOne(v string) error {
	if v == "" {
		return &SANError{Value: v, Reason: "empty value"}
	}
	kind, val := kindPrefix(v), v
	if kind != "" {
		_, rest, _ := strings.Cut(v, ":")
		val = strings.TrimSpace(rest)
	}
	if kind == "" {
		switch {
		case net.ParseIP(strings.Trim(v, "[]")) != nil:
			kind, val = "ip", strings.Trim(v, "[]")
		case strings.Contains(v, "://"):
			kind = "uri"
		case strings.Contains(v, "@"):
			kind = "email"
		default:
			kind = "dns"
		}
	}
	switch kind {
	case "ip":
		ip := net.ParseIP(val)
		if ip == nil {
			return &SANError{Value: v, Reason: "not an IPv4 or IPv6 address"}
		}
		if ip4 := ip.To4(); ip4 != nil {
			ip = ip4
		}
		s.IP = append(s.IP, ip)
	case "dns":
		if net.ParseIP(val) != nil {
			return &SANError{Value: v, Reason: "an IP address written as a DNS name: clients compare IP addresses only with IP SANs; write IP:" + val}
		}
		if err := checkDNSName(val); err != nil {
			return &SANError{Value: v, Reason: err.Error()}
		}
		s.DNS = append(s.DNS, strings.ToLower(val))
	case "email":
		local, domain, ok := strings.Cut(val, "@")
		if !ok || local == "" || domain == "" || strings.ContainsAny(val, " \t<>") {
			return &SANError{Value: v, Reason: "not an email address (want user@example.com)"}
		}
		// rfc822Name is an IA5String (RFC 5280 §4.2.1.6): ASCII only.
		// Internationalised addresses need an SmtpUTF8Mailbox otherName
		// (RFC 8398), which wsskit does not write.
		if !isASCII(val) {
			return &SANError{Value: v, Reason: "an email SAN must be ASCII (internationalised addresses are not supported)"}
		}
		s.Email = append(s.Email, val)
	case "uri":
		u, err := url.Parse(val)
		if err != nil || u.Scheme == "" {
			return &SANError{Value: v, Reason: "not an absolute URI (want scheme://...)"}
		}
		// uniformResourceIdentifier is an IA5String (RFC 5280 §4.2.1.6),
		// and Go refuses to parse a certificate whose URI host has an empty
		// or non-ASCII label.
		if !isASCII(u.String()) {
			return &SANError{Value: v, Reason: "a URI SAN must be ASCII (percent-encode other characters)"}
		}
		if !uriHostValid(u.Host) {
			return &SANError{Value: v, Reason: "the URI's host has an empty label, a trailing dot or a space or control character"}
		}
		s.URI = append(s.URI, u)
	}
	s.Quoted = append(s.Quoted, v)
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// uriHostValid applies the checks crypto/x509 makes when it parses a URI
// SAN's host: no empty label (so no leading or trailing dot) and only
// printable ASCII without spaces.
func uriHostValid(h string) bool {
	if h == "" {
		return true
	}
	for _, l := range strings.Split(h, ".") {
		if l == "" {
			return false
		}
		for i := 0; i < len(l); i++ {
			if l[i] < 33 || l[i] > 126 {
				return false
			}
		}
	}
	return true
}

// checkDNSName accepts host names of letters, digits, hyphens and
// underscores, with an optional leading "*." wildcard label.
func checkDNSName(name string) error {
	n := strings.TrimSuffix(name, ".")
	if n == "" || len(n) > 253 {
		return fmt.Errorf("not a DNS name (empty or longer than 253 characters)")
	}
	labels := strings.Split(n, ".")
	for i, l := range labels {
		if l == "*" && i == 0 && len(labels) > 1 {
			continue
		}
		if l == "" || len(l) > 63 {
			return fmt.Errorf("not a DNS name (empty label or a label longer than 63 characters)")
		}
		for _, c := range l {
			if !(c == '-' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				if c == '*' {
					return fmt.Errorf("a wildcard is allowed only as the whole first label (*.example.com)")
				}
				return fmt.Errorf("character %q is not allowed in a DNS name", c)
			}
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("label %q starts or ends with a hyphen", l)
		}
	}
	return nil
}

// SANsOf returns the subjectAltNames of a certificate.
func SANsOf(c *x509.Certificate) *SANs {
	return &SANs{DNS: c.DNSNames, IP: c.IPAddresses, Email: c.EmailAddresses, URI: c.URIs}
}

// SANsOfCSR returns the subjectAltNames a CSR asks for.
func SANsOfCSR(r *x509.CertificateRequest) *SANs {
	return &SANs{DNS: r.DNSNames, IP: r.IPAddresses, Email: r.EmailAddresses, URI: r.URIs}
}

// List returns the SANs as "DNS:name", "IP:addr", "email:addr" and
// "URI:uri" strings, the spelling --san accepts.
func (s *SANs) List() []string { return s.labelled("IP:") }
