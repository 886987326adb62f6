package pki

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"unicode/utf8"
)

// Host, email and IP matching (crypto/x509/v3_utl.c do_x509_check with flags
// 0) and name constraints (crypto/x509/v3_ncons.c) as OpenSSL 3.0 does them.

// asciiLower lower-cases ASCII letters only.
func asciiLower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalNoCase is equal_nocase; dotSub enables the implicit sub-domain match
// of a check name that starts with '.'.
func equalNoCase(pattern, subject []byte, dotSub bool) bool {
	if dotSub {
		p := pattern
		for len(p) > len(subject) && p[0] != 0 {
			p = p[1:]
		}
		if len(p) == len(subject) {
			pattern = p
		}
	}
	if len(pattern) != len(subject) {
		return false
	}
	for i := range pattern {
		l, r := pattern[i], subject[i]
		if l == 0 {
			return false
		}
		if asciiLower(l) != asciiLower(r) {
			return false
		}
	}
	return true
}

func hasIDNAPrefix(b []byte) bool {
	return len(b) >= 4 && strings.EqualFold(string(b[:4]), "xn--")
}

// validStar is valid_star: the position of the one legal wildcard of a
// pattern, or -1.
func validStar(p []byte) int {
	const (
		labelStart  = 1 << 0
		labelHyphen = 1 << 2
		labelIDNA   = 1 << 3
	)
	star := -1
	state := labelStart
	dots := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '*':
			atStart := state&labelStart != 0
			atEnd := i == len(p)-1 || p[i+1] == '.'
			if star >= 0 || state&labelIDNA != 0 || dots > 0 {
				return -1
			}
			if !atStart && !atEnd {
				return -1
			}
			star = i
			state &^= labelStart
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'):
			if state&labelStart != 0 && hasIDNAPrefix(p[i:]) {
				state |= labelIDNA
			}
			state &^= labelHyphen | labelStart
		case c == '.':
			if state&(labelHyphen|labelStart) != 0 {
				return -1
			}
			state = labelStart
			dots++
		case c == '-':
			if state&labelStart != 0 {
				return -1
			}
			state |= labelHyphen
		default:
			return -1
		}
	}
	if state&(labelStart|labelHyphen) != 0 || dots < 2 {
		return -1
	}
	return star
}

// wildcardMatch is wildcard_match without multi-label wildcards.
func wildcardMatch(prefix, suffix, subject []byte, dotSub bool) bool {
	if len(subject) < len(prefix)+len(suffix) {
		return false
	}
	if !equalNoCase(prefix, subject[:len(prefix)], dotSub) {
		return false
	}
	wStart, wEnd := len(prefix), len(subject)-len(suffix)
	if !equalNoCase(subject[wEnd:], suffix, dotSub) {
		return false
	}
	allowIDNA := false
	if len(prefix) == 0 && len(suffix) > 0 && suffix[0] == '.' {
		// A wildcard making up the whole first label matches at least one
		// character.
		if wStart == wEnd {
			return false
		}
		allowIDNA = true
	}
	if !allowIDNA && hasIDNAPrefix(subject) {
		return false
	}
	if wEnd == wStart+1 && subject[wStart] == '*' {
		return true
	}
	for _, c := range subject[wStart:wEnd] {
		if !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-') {
			return false
		}
	}
	return true
}

// equalWildcard is equal_wildcard: pattern from the certificate, subject the
// host asked for.
func equalWildcard(pattern, subject []byte, dotSub bool) bool {
	star := -1
	if !(len(subject) > 1 && subject[0] == '.') {
		star = validStar(pattern)
	}
	if star < 0 {
		return equalNoCase(pattern, subject, dotSub)
	}
	return wildcardMatch(pattern[:star], pattern[star+1:], subject, dotSub)
}

// equalEmail is equal_email: the domain compares case-insensitively, the
// local part exactly.
func equalEmail(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	i := len(a)
	for i > 0 {
		i--
		if a[i] == '@' || b[i] == '@' {
			if !equalNoCase(a[i:], b[i:], false) {
				return false
			}
			break
		}
	}
	if i == 0 {
		i = len(a)
	}
	return bytes.Equal(a[:i], b[:i])
}

// checkHost is X509_check_host(x, host, 0, 0) > 0.
func checkHost(x *vcert, host string) bool {
	chk := []byte(host)
	if i := bytes.IndexByte(chk, 0); i >= 0 && i < len(chk)-1 {
		return false // embedded NUL
	}
	if len(chk) > 1 && chk[len(chk)-1] == 0 {
		chk = chk[:len(chk)-1]
	}
	dotSub := len(chk) > 1 && chk[0] == '.'
	sanPresent := false
	for _, g := range x.san {
		if g.typ != genDNS {
			continue
		}
		sanPresent = true
		if len(g.value) > 0 && equalWildcard(g.value, chk, dotSub) {
			return true
		}
	}
	if sanPresent {
		return false
	}
	// No DNS name in the SAN: the subject's CNs are used (Go never does).
	for _, a := range nameValues(x.c.RawSubject, oidCommonName) {
		if len(a.Value) == 0 {
			continue
		}
		u, ok := a.Text() // ASN1_STRING_to_UTF8; a non-text value fails the check
		if !ok {
			return false
		}
		if equalWildcard([]byte(u), chk, dotSub) {
			return true
		}
	}
	return false
}

// checkEmail is X509_check_email(x, email, 0, 0) > 0.
func checkEmail(x *vcert, email string) bool {
	chk := []byte(email)
	if i := bytes.IndexByte(chk, 0); i >= 0 && i < len(chk)-1 {
		return false
	}
	if len(chk) > 1 && chk[len(chk)-1] == 0 {
		chk = chk[:len(chk)-1]
	}
	sanPresent := false
	for _, g := range x.san {
		var v []byte
		switch {
		case g.typ == genEmail:
			v = g.value
		case g.typ == genOtherName && g.otherOID.Equal(oidSmtpUTF8Mailbox):
			tag, content, ok := splitStringTLV(g.otherVal)
			if !ok || tag != tagUTF8String {
				continue
			}
			v = content
		default:
			continue
		}
		sanPresent = true
		if len(v) > 0 && equalEmail(v, chk) {
			return true
		}
	}
	if sanPresent {
		return false
	}
	for _, a := range nameValues(x.c.RawSubject, oidEmailAddress) {
		if len(a.Value) == 0 {
			continue
		}
		u, ok := a.Text()
		if !ok {
			return false
		}
		if equalEmail([]byte(u), chk) {
			return true
		}
	}
	return false
}

// ipBytes returns the 4- or 16-byte form OpenSSL's a2i_ipadd gives: an
// IPv4 address (also when held in Go's 16-byte form) is 4 bytes.
func ipBytes(ip net.IP) []byte {
	if v4 := ip.To4(); v4 != nil {
		return v4
	}
	return ip
}

// checkIP is X509_check_ip(x, ip, len, 0) > 0: SAN IP addresses only.
func checkIP(x *vcert, ip net.IP) bool {
	chk := ipBytes(ip)
	for _, g := range x.san {
		if g.typ == genIPAdd && len(g.value) > 0 && bytes.Equal(g.value, chk) {
			return true
		}
	}
	return false
}

// splitStringTLV splits one DER element with a universal single-byte tag.
func splitStringTLV(der []byte) (tag int, content []byte, ok bool) {
	if len(der) < 2 {
		return 0, nil, false
	}
	tag = int(der[0] & 0x1f)
	l := int(der[1])
	rest := der[2:]
	if l >= 0x80 {
		n := l & 0x7f
		if n == 0 || n > 3 || len(rest) < n {
			return 0, nil, false
		}
		l = 0
		for _, b := range rest[:n] {
			l = l<<8 | int(b)
		}
		rest = rest[n:]
	}
	if len(rest) != l {
		return 0, nil, false
	}
	return tag, rest, true
}

// checkNameConstraints is check_name_constraints: every certificate (but
// self-issued CAs) against the constraints of every certificate above it.
func (r *run) checkNameConstraints() bool {
	num := len(r.chain)
	for i := num - 1; i >= 0; i-- {
		x := r.chain[i]
		if i != 0 && x.flags&exSI != 0 {
			continue
		}
		for j := num - 1; j > i; j-- {
			nc := r.chain[j].nc
			if nc == nil {
				continue
			}
			rv := ncCheck(x, nc)
			if rv == VerifyOK && i == 0 && !x.hasSANType(genDNS) {
				rv = ncCheckCN(x, nc)
			}
			if rv == -1 {
				r.internal = errors.New("pki: verify: converting a common name to UTF-8 for the name constraints check failed")
				return false
			}
			if rv != VerifyOK && !r.fail(rv, i, x) {
				return false
			}
		}
	}
	return true
}

const nameCheckMax = 1 << 20

// ncCheck is NAME_CONSTRAINTS_check.
func ncCheck(x *vcert, nc *nameConstraints) int {
	attrs, err := nameEntries(x.c.RawSubject)
	if err != nil {
		return VerifyErrUnsupportedNameSyntax
	}
	nameCount := len(attrs) + len(x.san)
	if nameCount > 0 && len(nc.permitted)+len(nc.excluded) > nameCheckMax/nameCount {
		return VerifyErrUnspecified
	}
	if len(attrs) > 0 {
		if r := ncMatch(gname{typ: genDirName, canon: x.subj}, nc); r != VerifyOK {
			return r
		}
		for _, a := range attrs {
			if !a.Type.Equal(oidEmailAddress) {
				continue
			}
			if a.Tag != tagIA5String {
				return VerifyErrUnsupportedNameSyntax
			}
			if r := ncMatch(gname{typ: genEmail, value: a.Value}, nc); r != VerifyOK {
				return r
			}
		}
	}
	for _, g := range x.san {
		if r := ncMatch(g, nc); r != VerifyOK {
			return r
		}
	}
	return VerifyOK
}

// ncCheckCN is NAME_CONSTRAINTS_check_CN: CNs that look like host names
// against DNS constraints. -1 is an internal error (no line printed).
func ncCheckCN(x *vcert, nc *nameConstraints) int {
	for _, a := range nameValues(x.c.RawSubject, oidCommonName) {
		t, ok := a.Text()
		if !ok {
			return -1
		}
		u := []byte(t)
		for len(u) > 0 && u[len(u)-1] == 0 {
			u = u[:len(u)-1]
		}
		if bytes.IndexByte(u, 0) >= 0 {
			return VerifyErrUnsupportedNameSyntax
		}
		if !looksLikeDNS(u) {
			continue
		}
		if r := ncMatch(gname{typ: genDNS, value: u}, nc); r != VerifyOK {
			return r
		}
	}
	return VerifyOK
}

// looksLikeDNS is cn2dnsid's test: letters, digits, '_', inner '-' and
// '.', at least two labels, no empty labels or labels ending in '-'.
func looksLikeDNS(u []byte) bool {
	isDNS := false
	for i, c := range u {
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' {
			continue
		}
		if i > 0 && i < len(u)-1 {
			if c == '-' {
				continue
			}
			if c == '.' && u[i+1] != '.' && u[i-1] != '-' && u[i+1] != '-' {
				isDNS = true
				continue
			}
		}
		return false
	}
	return isDNS
}

// ncMatch is nc_match.
func ncMatch(g gname, nc *nameConstraints) int {
	eff := g.typ
	if eff == genOtherName && g.otherOID.Equal(oidSmtpUTF8Mailbox) {
		eff = genEmail
	}
	applies := func(base gname) bool {
		if base.typ != eff {
			return false
		}
		return eff != genOtherName || base.otherOID.Equal(g.otherOID)
	}
	match := 0
	for _, sub := range nc.permitted {
		if !applies(sub.base) {
			continue
		}
		if sub.minmax {
			return VerifyErrSubtreeMinMax
		}
		if match == 2 {
			continue
		}
		match = 1
		r := ncMatchSingle(eff, g, sub.base)
		if r == VerifyOK {
			match = 2
		} else if r != VerifyErrPermittedViolation {
			return r
		}
	}
	if match == 1 {
		return VerifyErrPermittedViolation
	}
	for _, sub := range nc.excluded {
		if !applies(sub.base) {
			continue
		}
		if sub.minmax {
			return VerifyErrSubtreeMinMax
		}
		r := ncMatchSingle(eff, g, sub.base)
		if r == VerifyOK {
			return VerifyErrExcludedViolation
		} else if r != VerifyErrPermittedViolation {
			return r
		}
	}
	return VerifyOK
}

func ncMatchSingle(eff int, g, base gname) int {
	switch g.typ {
	case genOtherName:
		if eff == genEmail {
			return ncEmailEAI(g.otherVal, base.value)
		}
		return VerifyErrUnsupportedConstraint
	case genDirName:
		return ncDN(g.canon, base.canon)
	case genDNS:
		return ncDNS(g.value, base.value)
	case genEmail:
		return ncEmail(g.value, base.value)
	case genURI:
		return ncURI(g.value, base.value)
	case genIPAdd:
		return ncIP(g.value, base.value)
	}
	return VerifyErrUnsupportedConstraint
}

// ncDN: the constraint's canonical name must be a prefix (whole RDNs) of the
// name's.
func ncDN(nm, base string) int {
	if len(base) > len(nm) {
		return VerifyErrPermittedViolation
	}
	if len(base) == 0 || strings.HasPrefix(nm, base) {
		return VerifyOK
	}
	return VerifyErrPermittedViolation
}

func equalFoldASCII(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if asciiLower(a[i]) != asciiLower(b[i]) {
			return false
		}
	}
	return true
}

func ncDNS(dns, base []byte) int {
	if len(base) == 0 {
		return VerifyOK
	}
	if len(dns) < len(base) {
		return VerifyErrPermittedViolation
	}
	tail := dns
	if len(dns) > len(base) {
		tail = dns[len(dns)-len(base):]
		if base[0] != '.' && dns[len(dns)-len(base)-1] != '.' {
			return VerifyErrPermittedViolation
		}
	}
	if !equalFoldASCII(base, tail) {
		return VerifyErrPermittedViolation
	}
	return VerifyOK
}

func ncEmail(eml, base []byte) int {
	baseAt := bytes.LastIndexByte(base, '@')
	emlAt := bytes.LastIndexByte(eml, '@')
	if emlAt < 0 {
		return VerifyErrUnsupportedNameSyntax
	}
	if baseAt < 0 && len(base) > 0 && base[0] == '.' {
		if len(eml) > len(base) && equalFoldASCII(base, eml[len(eml)-len(base):]) {
			return VerifyOK
		}
		return VerifyErrPermittedViolation
	}
	baseHost := base
	if baseAt >= 0 {
		if baseAt != 0 {
			if baseAt != emlAt {
				return VerifyErrPermittedViolation
			}
			if bytes.IndexByte(base[:baseAt], 0) >= 0 || bytes.IndexByte(eml[:emlAt], 0) >= 0 {
				return VerifyErrUnsupportedNameSyntax
			}
			if !bytes.Equal(base[:baseAt], eml[:emlAt]) {
				return VerifyErrPermittedViolation
			}
		}
		baseHost = base[baseAt+1:]
	}
	if !equalFoldASCII(baseHost, eml[emlAt+1:]) {
		return VerifyErrPermittedViolation
	}
	return VerifyOK
}

// ncEmailEAI is nc_email_eai: an SmtpUTF8Mailbox against an rfc822Name
// constraint whose A-labels are decoded to U-labels first.
func ncEmailEAI(val, base []byte) int {
	if bytes.IndexByte(base, 0) >= 0 {
		return VerifyErrUnsupportedNameSyntax
	}
	tag, eml, ok := splitStringTLV(val)
	if !ok || tag != tagUTF8String {
		return VerifyErrUnsupportedNameSyntax
	}
	emlAt := bytes.LastIndexByte(eml, '@')
	if emlAt < 0 {
		return VerifyErrUnsupportedNameSyntax
	}
	if len(base) > 0 && base[0] == '.' {
		u, err := aToULabel(string(base[1:]))
		if err != nil {
			return VerifyErrUnspecified
		}
		u = "." + u
		if len(eml) > len(u) && equalFoldASCII([]byte(u), eml[len(eml)-len(u):]) {
			return VerifyOK
		}
		return VerifyErrPermittedViolation
	}
	u, err := aToULabel(string(base))
	if err != nil {
		return VerifyErrUnspecified
	}
	if !equalFoldASCII([]byte(u), eml[emlAt+1:]) {
		return VerifyErrPermittedViolation
	}
	return VerifyOK
}

func ncURI(uri, base []byte) int {
	p := bytes.IndexByte(uri, ':')
	if p < 0 || len(uri)-p < 3 || uri[p+1] != '/' || uri[p+2] != '/' {
		return VerifyErrUnsupportedNameSyntax
	}
	host := uri[p+3:]
	if e := bytes.IndexByte(host, ':'); e >= 0 {
		host = host[:e]
	} else if e := bytes.IndexByte(host, '/'); e >= 0 {
		host = host[:e]
	}
	if len(host) == 0 {
		return VerifyErrUnsupportedNameSyntax
	}
	if len(base) > 0 && base[0] == '.' {
		if len(host) > len(base) && equalFoldASCII(host[len(host)-len(base):], base) {
			return VerifyOK
		}
		return VerifyErrPermittedViolation
	}
	if !equalFoldASCII(host, base) {
		return VerifyErrPermittedViolation
	}
	return VerifyOK
}

func ncIP(ip, base []byte) int {
	if len(ip) != 4 && len(ip) != 16 {
		return VerifyErrUnsupportedNameSyntax
	}
	if len(base) != 8 && len(base) != 32 {
		return VerifyErrUnsupportedNameSyntax
	}
	if len(ip)*2 != len(base) {
		return VerifyErrPermittedViolation
	}
	mask := base[len(ip):]
	for i := range ip {
		if ip[i]&mask[i] != base[i]&mask[i] {
			return VerifyErrPermittedViolation
		}
	}
	return VerifyOK
}

// aToULabel is ossl_a2ulabel: each "xn--" label of a domain is decoded
// from Punycode (RFC 3492) to UTF-8; other labels are kept.
func aToULabel(a string) (string, error) {
	labels := strings.Split(a, ".")
	for i, l := range labels {
		if len(l) >= 4 && strings.EqualFold(l[:4], "xn--") {
			u, err := punycodeDecode(l[4:])
			if err != nil {
				return "", err
			}
			labels[i] = u
		}
	}
	return strings.Join(labels, "."), nil
}

var errPunycode = errors.New("pki: invalid punycode label")

// punycodeDecode decodes an RFC 3492 label (without the "xn--" prefix).
func punycodeDecode(s string) (string, error) {
	const (
		base        = 36
		tmin        = 1
		tmax        = 26
		skew        = 38
		damp        = 700
		initialBias = 72
		initialN    = 128
	)
	var out []rune
	if d := strings.LastIndexByte(s, '-'); d >= 0 {
		for _, c := range []byte(s[:d]) {
			if c >= 0x80 {
				return "", errPunycode
			}
			out = append(out, rune(c))
		}
		s = s[d+1:]
	}
	n, i, bias := initialN, 0, initialBias
	adapt := func(delta, numPoints int, first bool) int {
		if first {
			delta /= damp
		} else {
			delta /= 2
		}
		delta += delta / numPoints
		k := 0
		for delta > ((base-tmin)*tmax)/2 {
			delta /= base - tmin
			k += base
		}
		return k + (base-tmin+1)*delta/(delta+skew)
	}
	for pos := 0; pos < len(s); {
		oldi, w := i, 1
		for k := base; ; k += base {
			if pos >= len(s) {
				return "", errPunycode
			}
			c := s[pos]
			pos++
			var digit int
			switch {
			case c >= '0' && c <= '9':
				digit = int(c-'0') + 26
			case c >= 'a' && c <= 'z':
				digit = int(c - 'a')
			case c >= 'A' && c <= 'Z':
				digit = int(c - 'A')
			default:
				return "", errPunycode
			}
			if digit > (1<<30-i)/w {
				return "", errPunycode
			}
			i += digit * w
			t := k - bias
			if t < tmin {
				t = tmin
			} else if t > tmax {
				t = tmax
			}
			if digit < t {
				break
			}
			w *= base - t
		}
		bias = adapt(i-oldi, len(out)+1, oldi == 0)
		n += i / (len(out) + 1)
		i %= len(out) + 1
		if n > utf8.MaxRune {
			return "", errPunycode
		}
		out = append(out[:i], append([]rune{rune(n)}, out[i:]...)...)
		i++
	}
	return string(out), nil
}
