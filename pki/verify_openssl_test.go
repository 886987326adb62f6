package pki

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The acceptance matrix of `wsskit verify`: every case is run through
// `openssl verify -no-CAfile -no-CApath -no-CAstore ...` and through Verify,
// and the exit status and every (subject, code, depth, text) line must be
// identical. Each case also states the lines it expects, so a broken
// openssl invocation cannot make both sides agree on nothing.

type vcase struct {
	name      string
	capathDir string              // a CA folder prepared by the test (instead of capath/capathCRL)
	files     []*x509.Certificate // certificates to verify, one file each
	cafile    []*x509.Certificate
	cafileCRL []*x509.RevocationList // CRLs in the CAfile
	capath    []*x509.Certificate
	capathCRL []*x509.RevocationList
	untrusted []*x509.Certificate
	crls      []*x509.RevocationList
	crlCheck  string
	purpose   string
	host      string
	email     string
	ip        string
	at        time.Time
	partial   bool
	depth     *int
	want      [][]string // per file: "code@depth" in order; nil entry = OK
}

type errLine struct {
	subject string
	code    int
	depth   int
	text    string
}

func (l errLine) String() string {
	return fmt.Sprintf("%q error %d at %d depth lookup: %s", l.subject, l.code, l.depth, l.text)
}

type fileOutcome struct {
	ok    bool
	lines []errLine
}

var errLineRE = regexp.MustCompile(`^(\[CRL path\] )?error (\d+) at (\d+) depth lookup: (.*)$`)

// runOpenSSLVerify runs openssl verify for the case and returns its exit
// status and the outcome per file name.
func runOpenSSLVerify(t *testing.T, openssl, dir string, c vcase, files []string) (int, map[string]fileOutcome) {
	t.Helper()
	args := []string{"verify", "-no-CAfile", "-no-CApath", "-no-CAstore"}
	if len(c.cafile) > 0 || len(c.cafileCRL) > 0 {
		data := append(certsPEM(c.cafile...), crlsPEM(c.cafileCRL...)...)
		args = append(args, "-CAfile", writeTestFile(t, dir, "cafile.pem", data))
	}
	if c.capathDir != "" {
		args = append(args, "-CApath", c.capathDir)
	} else if len(c.capath) > 0 || len(c.capathCRL) > 0 {
		capath := filepath.Join(dir, "capath")
		if err := os.Mkdir(capath, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, ca := range c.capath {
			writeTestFile(t, capath, fmt.Sprintf("%02d-ca.pem", i), certsPEM(ca))
		}
		for i, crl := range c.capathCRL {
			writeTestFile(t, capath, fmt.Sprintf("%02d-ca.crl", i), crlsPEM(crl))
		}
		pkitest.Run(t, openssl, "rehash", capath)
		args = append(args, "-CApath", capath)
	}
	if len(c.untrusted) > 0 {
		args = append(args, "-untrusted", writeTestFile(t, dir, "untrusted.pem", certsPEM(c.untrusted...)))
	}
	for i, crl := range c.crls {
		args = append(args, "-CRLfile", writeTestFile(t, dir, fmt.Sprintf("crl%d.pem", i), crlsPEM(crl)))
	}
	switch c.crlCheck {
	case "leaf":
		args = append(args, "-crl_check")
	case "all":
		args = append(args, "-crl_check_all")
	}
	if c.purpose != "" {
		args = append(args, "-purpose", c.purpose)
	}
	if c.host != "" {
		args = append(args, "-verify_hostname", c.host)
	}
	if c.email != "" {
		args = append(args, "-verify_email", c.email)
	}
	if c.ip != "" {
		args = append(args, "-verify_ip", c.ip)
	}
	if !c.at.IsZero() {
		args = append(args, "-attime", strconv.FormatInt(c.at.Unix(), 10))
	}
	if c.partial {
		args = append(args, "-partial_chain")
	}
	if c.depth != nil {
		args = append(args, "-verify_depth", strconv.Itoa(*c.depth))
	}
	args = append(args, files...)
	cmd := exec.Command(openssl, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("running openssl: %v", err)
		}
		code = ee.ExitCode()
	}
	t.Logf("openssl %s\nstdout:\n%sstderr:\n%s", strings.Join(args, " "), stdout.String(), stderr.String())
	out := map[string]fileOutcome{}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		if f, ok := strings.CutSuffix(sc.Text(), ": OK"); ok {
			out[f] = fileOutcome{ok: true}
		}
	}
	var pending []errLine
	prev := ""
	sc = bufio.NewScanner(&stderr)
	for sc.Scan() {
		line := sc.Text()
		if m := errLineRE.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[2])
			d, _ := strconv.Atoi(m[3])
			pending = append(pending, errLine{subject: prev, code: n, depth: d, text: m[4]})
		} else if f, ok := strings.CutPrefix(line, "error "); ok && strings.HasSuffix(f, ": verification failed") {
			out[strings.TrimSuffix(f, ": verification failed")] = fileOutcome{lines: pending}
			pending = nil
		}
		prev = line
	}
	if len(pending) > 0 {
		t.Fatalf("openssl printed error lines for no file:\n%s", stderr.String())
	}
	return code, out
}

func (c vcase) options(t *testing.T, dir string) VerifyOptions {
	o := VerifyOptions{
		Roots: c.cafile, RootCRLs: c.cafileCRL, Untrusted: c.untrusted, CRLs: c.crls, CRLCheck: c.crlCheck,
		Purpose: c.purpose, Host: c.host, Email: c.email, At: c.at, PartialChain: c.partial, MaxDepth: -1,
	}
	if c.ip != "" {
		o.IP = net.ParseIP(c.ip)
		if o.IP == nil {
			t.Fatalf("bad IP %q in case", c.ip)
		}
	}
	if c.depth != nil {
		o.MaxDepth = *c.depth
	}
	if c.capathDir != "" {
		o.CAPath = OpenHashDir(c.capathDir)
	} else if len(c.capath) > 0 || len(c.capathCRL) > 0 {
		o.CAPath = OpenHashDir(filepath.Join(dir, "capath"))
	}
	return o
}

func linesOf(r *VerifyResult) []errLine {
	var out []errLine
	for _, e := range r.Errors {
		out = append(out, errLine{subject: e.Subject, code: e.Code, depth: e.Depth, text: e.Text})
	}
	return out
}

func codesOf(lines []errLine) []string {
	var out []string
	for _, l := range lines {
		out = append(out, fmt.Sprintf("%d@%d", l.code, l.depth))
	}
	return out
}

func runVerifyCase(t *testing.T, openssl string, c vcase) {
	dir := t.TempDir()
	var files []string
	for i, f := range c.files {
		files = append(files, writeTestFile(t, dir, fmt.Sprintf("cert%d.pem", i), certsPEM(f)))
	}
	sslExit, sslOut := runOpenSSLVerify(t, openssl, dir, c, files)
	opts := c.options(t, dir)
	results := VerifyAll(c.files, opts, 2)
	ourExit := 0
	for i, f := range files {
		single := Verify(c.files[i], opts)
		if got, want := fmt.Sprint(linesOf(single)), fmt.Sprint(linesOf(results[i])); got != want {
			t.Errorf("%s: Verify and VerifyAll differ: %s vs %s", f, got, want)
		}
		res := results[i]
		if !res.OK() {
			ourExit = 2
		}
		ssl, ok := sslOut[f]
		if !ok {
			t.Fatalf("%s: openssl gave no verdict", f)
		}
		if res.OK() != ssl.ok {
			t.Errorf("%s: OK() = %v, openssl OK = %v (%v)", f, res.OK(), ssl.ok, res.Err)
		}
		got, want := linesOf(res), ssl.lines
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: lines differ\n got: %v\nwant: %v", f, got, want)
		}
		if c.want != nil {
			if g, w := strings.Join(codesOf(want), " "), strings.Join(c.want[i], " "); g != w {
				t.Errorf("%s: openssl gave %q, the case expects %q", f, g, w)
			}
		}
		for _, e := range res.Errors {
			if e.Cause() == "" || !strings.Contains(e.Line(), e.Text) {
				t.Errorf("%s: error %d has no cause", f, e.Code)
			}
		}
	}
	if ourExit != sslExit {
		t.Errorf("exit status: got %d, openssl %d", ourExit, sslExit)
	}
}

func w(codes ...string) [][]string { return [][]string{codes} }

var oidUnknownCritical = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55555, 1}

func TestVerifyMatchesOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	now := time.Now().Truncate(time.Second)
	day := 24 * time.Hour
	at := func(d time.Duration) time.Time { return now.Add(d) }
	serverAuth := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	clientAuth := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}

	// The main PKI: root (±10 days) -> intermediate (±5 days) -> leaves (±2 days).
	root := mkCert(t, certSpec{cn: "Root CA", ca: true, nb: at(-10 * day), na: at(10 * day)}, nil)
	inter := mkCert(t, certSpec{cn: "Intermediate CA", ca: true, nb: at(-5 * day), na: at(5 * day)}, root)
	leaf := mkCert(t, certSpec{
		subject: &pkix.Name{Country: []string{"SG"}, Organization: []string{"Test, Inc."}, CommonName: "leaf.example.com"},
		dns:     []string{"leaf.example.com", "*.wild.example.com"}, ips: []net.IP{net.IPv4(127, 0, 0, 1)},
		emails: []string{"Alice@example.com"}, eku: serverAuth, nb: at(-2 * day), na: at(2 * day),
	}, inter)
	client := mkCert(t, certSpec{cn: "client", eku: clientAuth, ku: x509.KeyUsageDigitalSignature}, inter)
	noDS := mkCert(t, certSpec{cn: "no digitalSignature", eku: clientAuth, ku: x509.KeyUsageKeyEncipherment}, inter)
	nsServer := mkCert(t, certSpec{cn: "netscape server", extra: []pkix.Extension{
		{Id: oidExtNSCertType, Value: []byte{0x03, 0x02, 0x06, 0x40}},
	}}, inter)
	cnOnly := mkCert(t, certSpec{cn: "cn.example.com", ips: []net.IP{net.IPv4(127, 0, 0, 1)}}, inter)
	cnIP := mkCert(t, certSpec{cn: "127.0.0.1"}, inter)
	// An intermediate that expires before its leaf.
	shortInter := mkCert(t, certSpec{cn: "Short CA", ca: true, nb: at(-5 * day), na: at(day)}, root)
	longLeaf := mkCert(t, certSpec{cn: "outlives its CA", nb: at(-2 * day), na: at(5 * day)}, shortInter)
	// Self-signed leaf.
	self := mkCert(t, certSpec{cn: "self-signed.example", dns: []string{"self-signed.example"}, nb: at(-day), na: at(day)}, nil)
	// Path length: root -> pathlen 0 -> CA -> leaf.
	plen0 := mkCert(t, certSpec{cn: "Pathlen0 CA", ca: true, pathlen: intp(0)}, root)
	underPlen := mkCert(t, certSpec{cn: "Below pathlen CA", ca: true}, plen0)
	plenLeaf := mkCert(t, certSpec{cn: "pathlen leaf"}, underPlen)
	// Invalid CAs.
	notCA := mkCert(t, certSpec{cn: "Not a CA", ku: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}, root)
	notCALeaf := mkCert(t, certSpec{cn: "signed by a leaf"}, notCA)
	noCertSign := mkCert(t, certSpec{cn: "CA without keyCertSign", ca: true, ku: x509.KeyUsageDigitalSignature}, root)
	noCertSignLeaf := mkCert(t, certSpec{cn: "below KU CA"}, noCertSign)
	// CA restricted to serverAuth issuing a client certificate.
	ekuCA := mkCert(t, certSpec{cn: "Server-only CA", ca: true, eku: serverAuth}, root)
	ekuCAClient := mkCert(t, certSpec{cn: "client below server-only CA", eku: clientAuth}, ekuCA)
	// Critical extensions.
	critExt := []pkix.Extension{{Id: oidUnknownCritical, Critical: true, Value: []byte{0x05, 0x00}}}
	critLeaf := mkCert(t, certSpec{cn: "critical leaf", extra: critExt}, inter)
	critCA := mkCert(t, certSpec{cn: "Critical CA", ca: true, extra: critExt}, root)
	critCALeaf := mkCert(t, certSpec{cn: "below critical CA"}, critCA)
	// Name constraints.
	ncRoot := mkCert(t, certSpec{cn: "Constrained Root", ca: true, permitted: []string{"example.org"}}, nil)
	ncBad := mkCert(t, certSpec{cn: "www.example.com", dns: []string{"www.example.com"}}, ncRoot)
	ncGood := mkCert(t, certSpec{cn: "www.example.org", dns: []string{"www.example.org"}}, ncRoot)
	ncCN := mkCert(t, certSpec{cn: "www.example.com"}, ncRoot)
	exRoot := mkCert(t, certSpec{cn: "Excluding Root", ca: true, excluded: []string{"bad.example"}}, nil)
	exBad := mkCert(t, certSpec{cn: "x", dns: []string{"host.bad.example"}}, exRoot)
	// Two CAs with the same subject.
	sameA := mkCert(t, certSpec{cn: "Same Name CA", ca: true}, nil)
	sameB := mkCert(t, certSpec{cn: "Same Name CA", ca: true}, nil)
	sameNoAKID := mkCert(t, certSpec{cn: "no akid", noAKID: true}, sameB)
	sameAKID := mkCert(t, certSpec{cn: "with akid"}, sameB)
	// CRLs.
	crlLeaf := mkCert(t, certSpec{cn: "revoked leaf"}, inter)
	interCRLRevoking := mkCRL(t, crlSpec{revoked: []revoked{{crlLeaf.cert.SerialNumber, 1}}}, inter)
	interCRL := mkCRL(t, crlSpec{}, inter)
	rootCRL := mkCRL(t, crlSpec{}, root)
	expiredCRL := mkCRL(t, crlSpec{this: at(-10 * day), next: at(-day)}, inter)
	expiredRevoking := mkCRL(t, crlSpec{this: at(-10 * day), next: at(-day), revoked: []revoked{{crlLeaf.cert.SerialNumber, 1}}}, inter)
	futureCRL := mkCRL(t, crlSpec{this: at(day), next: at(10 * day)}, inter)
	forgedCRL := mkCRL(t, crlSpec{signWith: newKey(t)}, inter)

	cases := []vcase{
		{name: "ok", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, want: [][]string{nil}},
		{name: "leaf expired", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, at: at(3 * day), want: w("10@0")},
		{name: "leaf and intermediate expired", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, at: at(6 * day), want: w("10@1", "10@0")},
		{name: "all expired", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, at: at(11 * day), want: w("10@2", "10@1", "10@0")},
		{name: "intermediate expired only", files: []*x509.Certificate{longLeaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{shortInter.cert}, at: at(2 * day), want: w("10@1")},
		{name: "leaf not yet valid", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, at: at(-3 * day), want: w("9@0")},
		{name: "intermediate not yet valid", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, at: at(-6 * day), want: w("9@1")},
		{name: "root not yet valid", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, at: at(-11 * day), want: w("9@2")},
		{name: "root only untrusted", files: []*x509.Certificate{leaf.cert}, untrusted: []*x509.Certificate{inter.cert, root.cert}, want: w("19@2")},
		{name: "missing intermediate", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, want: w("20@0")},
		{name: "missing root", files: []*x509.Certificate{leaf.cert}, untrusted: []*x509.Certificate{inter.cert}, want: w("20@1")},
		{name: "no trust at all", files: []*x509.Certificate{leaf.cert}, want: w("20@0")},
		{name: "self-signed leaf", files: []*x509.Certificate{self.cert}, want: w("18@0")},
		{name: "self-signed leaf expired", files: []*x509.Certificate{self.cert}, at: at(2 * day), want: w("18@0", "10@0")},
		{name: "self-signed leaf trusted", files: []*x509.Certificate{self.cert}, cafile: []*x509.Certificate{self.cert}, host: "self-signed.example", want: [][]string{nil}},
		{name: "anchor not self-signed", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{inter.cert}, want: w("2@1")},
		{name: "partial chain", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{inter.cert}, partial: true, want: [][]string{nil}},
		{name: "partial chain leaf trusted", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{leaf.cert}, partial: true, want: [][]string{nil}},
		{name: "partial chain expired anchor", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{inter.cert}, partial: true, at: at(6 * day), want: w("10@1", "10@0")},
		{name: "verify depth 0", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, depth: intp(0), want: w("22@1")},
		{name: "verify depth 1", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, depth: intp(1), want: [][]string{nil}},
		{name: "server cert as client", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, purpose: "sslclient", want: w("26@0")},
		{name: "client cert as server", files: []*x509.Certificate{client.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, purpose: "sslserver", want: w("26@0")},
		{name: "client cert as client", files: []*x509.Certificate{client.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, purpose: "sslclient", want: [][]string{nil}},
		{name: "client without digitalSignature", files: []*x509.Certificate{noDS.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, purpose: "sslclient", want: w("26@0")},
		{name: "netscape server type as client", files: []*x509.Certificate{nsServer.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, purpose: "sslclient", want: w("26@0")},
		{name: "netscape server type as server", files: []*x509.Certificate{nsServer.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, purpose: "sslserver", want: [][]string{nil}},
		{name: "server-only CA issuing client", files: []*x509.Certificate{ekuCAClient.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{ekuCA.cert}, purpose: "sslclient", want: w("26@1")},
		{name: "purpose and expiry", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, purpose: "sslclient", at: at(3 * day), want: w("26@0", "10@0")},
		{name: "host ok", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, host: "LEAF.example.com", want: [][]string{nil}},
		{name: "host wildcard", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, host: "a.wild.example.com", want: [][]string{nil}},
		{name: "host wildcard two labels", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, host: "a.b.wild.example.com", want: w("62@0")},
		{name: "host wildcard base", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, host: "wild.example.com", want: w("62@0")},
		{name: "host mismatch", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, host: "other.example.com", want: w("62@0")},
		{name: "host CN fallback", files: []*x509.Certificate{cnOnly.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, host: "cn.example.com", want: [][]string{nil}},
		{name: "host CN ignored with DNS SAN", files: []*x509.Certificate{ncGood.cert}, cafile: []*x509.Certificate{ncRoot.cert}, host: "www.example.org", want: [][]string{nil}},
		{name: "ip ok", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, ip: "127.0.0.1", want: [][]string{nil}},
		{name: "ip mismatch", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, ip: "127.0.0.2", want: w("64@0")},
		{name: "ip only in CN", files: []*x509.Certificate{cnIP.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, ip: "127.0.0.1", want: w("64@0")},
		{name: "ipv6 mismatch", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, ip: "::1", want: w("64@0")},
		{name: "email domain case", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, email: "Alice@EXAMPLE.com", want: [][]string{nil}},
		{name: "email local part case", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, email: "alice@example.com", want: w("63@0")},
		{name: "host email ip all wrong", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, host: "x.example", email: "x@x.example", ip: "10.0.0.1", want: w("62@0")},
		{name: "revoked via CRLfile", files: []*x509.Certificate{crlLeaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, crls: []*x509.RevocationList{interCRLRevoking}, crlCheck: "leaf", want: w("23@0")},
		{name: "revoked via CApath", files: []*x509.Certificate{crlLeaf.cert}, capath: []*x509.Certificate{root.cert}, capathCRL: []*x509.RevocationList{interCRLRevoking}, untrusted: []*x509.Certificate{inter.cert}, crlCheck: "leaf", want: w("23@0")},
		{name: "CRL not checked without flag", files: []*x509.Certificate{crlLeaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, crls: []*x509.RevocationList{interCRLRevoking}, want: [][]string{nil}},
		{name: "crl check without CRL", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, crlCheck: "leaf", want: w("3@0")},
		{name: "crl check ok", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, crls: []*x509.RevocationList{interCRL}, crlCheck: "leaf", want: [][]string{nil}},
		{name: "crl check all missing root CRL", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, crls: []*x509.RevocationList{interCRL}, crlCheck: "all", want: w("3@1")},
		{name: "crl check all ok", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, crls: []*x509.RevocationList{interCRL, rootCRL}, crlCheck: "all", want: [][]string{nil}},
		{name: "CRL expired", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, crls: []*x509.RevocationList{expiredCRL}, crlCheck: "leaf", want: w("12@0")},
		{name: "CRL expired and revoked", files: []*x509.Certificate{crlLeaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, crls: []*x509.RevocationList{expiredRevoking}, crlCheck: "leaf", want: w("12@0", "23@0")},
		{name: "CRL expired, valid one in CApath", files: []*x509.Certificate{leaf.cert}, capath: []*x509.Certificate{root.cert}, capathCRL: []*x509.RevocationList{interCRL}, untrusted: []*x509.Certificate{inter.cert}, crls: []*x509.RevocationList{expiredCRL}, crlCheck: "leaf", want: w("12@0")},
		{name: "CRL not yet valid", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, crls: []*x509.RevocationList{futureCRL}, crlCheck: "leaf", want: w("11@0")},
		{name: "CRL newest wins", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, crls: []*x509.RevocationList{expiredCRL, interCRL}, crlCheck: "leaf", want: [][]string{nil}},
		{name: "CRL signed by wrong key", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, crls: []*x509.RevocationList{forgedCRL}, crlCheck: "leaf", want: w("8@0")},
		{name: "path length", files: []*x509.Certificate{plenLeaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{plen0.cert, underPlen.cert}, want: w("25@2")},
		{name: "CA:FALSE issuer", files: []*x509.Certificate{notCALeaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{notCA.cert}, want: w("79@1")},
		{name: "CA without keyCertSign", files: []*x509.Certificate{noCertSignLeaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{noCertSign.cert}, want: w("79@1", "32@1")},
		{name: "unknown critical extension in leaf", files: []*x509.Certificate{critLeaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, want: w("34@0")},
		{name: "unknown critical extension in CA", files: []*x509.Certificate{critCALeaf.cert}, cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{critCA.cert}, want: w("34@1")},
		{name: "name constraints permitted violation", files: []*x509.Certificate{ncBad.cert}, cafile: []*x509.Certificate{ncRoot.cert}, want: w("47@0")},
		{name: "name constraints ok", files: []*x509.Certificate{ncGood.cert}, cafile: []*x509.Certificate{ncRoot.cert}, want: [][]string{nil}},
		{name: "name constraints on CN", files: []*x509.Certificate{ncCN.cert}, cafile: []*x509.Certificate{ncRoot.cert}, want: w("47@0")},
		{name: "name constraints excluded", files: []*x509.Certificate{exBad.cert}, cafile: []*x509.Certificate{exRoot.cert}, want: w("48@0")},
		{name: "same-subject CAs without AKID", files: []*x509.Certificate{sameNoAKID.cert}, cafile: []*x509.Certificate{sameA.cert, sameB.cert}, want: w("7@0")},
		{name: "same-subject CAs with AKID", files: []*x509.Certificate{sameAKID.cert}, cafile: []*x509.Certificate{sameA.cert, sameB.cert}, want: [][]string{nil}},
		{name: "same-subject CAs in CApath without AKID", files: []*x509.Certificate{sameNoAKID.cert}, capath: []*x509.Certificate{sameA.cert, sameB.cert}, want: w("7@0")},
		{name: "same-subject CAs in CApath with AKID", files: []*x509.Certificate{sameAKID.cert}, capath: []*x509.Certificate{sameA.cert, sameB.cert}, want: [][]string{nil}},
		{name: "CApath", files: []*x509.Certificate{leaf.cert}, capath: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert}, want: [][]string{nil}},
		{name: "CAfile intermediate and CApath root", files: []*x509.Certificate{leaf.cert}, cafile: []*x509.Certificate{inter.cert}, capath: []*x509.Certificate{root.cert}, want: [][]string{nil}},
		{name: "several files", files: []*x509.Certificate{leaf.cert, self.cert, longLeaf.cert, client.cert},
			cafile: []*x509.Certificate{root.cert}, untrusted: []*x509.Certificate{inter.cert, shortInter.cert}, at: at(36 * time.Hour),
			want: [][]string{nil, {"18@0", "10@0"}, {"10@1"}, {"10@0"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runVerifyCase(t, openssl, c) })
	}
}

// dirNameConstraint builds a NameConstraints extension permitting one
// directoryName subtree (Go cannot make those).
func dirNameConstraint(t *testing.T, name []byte) pkix.Extension {
	t.Helper()
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					b.AddBytes(name)
				})
			})
		})
	})
	der, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: oidExtNameConstraints, Critical: true, Value: der}
}

// rawName encodes a Name of single-attribute RDNs with explicit string tags.
func rawName(t *testing.T, attrs ...any) []byte {
	t.Helper()
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for i := 0; i < len(attrs); i += 3 {
			oid, tag, val := attrs[i].(asn1.ObjectIdentifier), attrs[i+1].(int), attrs[i+2].(string)
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oid)
					b.AddASN1(cbasn1.Tag(tag), func(b *cryptobyte.Builder) { b.AddBytes([]byte(val)) })
				})
			})
		}
	})
	der, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

var (
	oidOrg  = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidCN   = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidCRLx = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55555, 2}
)

func TestVerifyMatchesOpenSSLEdgeCases(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	now := time.Now().Truncate(time.Second)
	day := 24 * time.Hour
	at := func(d time.Duration) time.Time { return now.Add(d) }
	clientAuth := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}

	root := mkCert(t, certSpec{cn: "Root CA", ca: true, pathlen: intp(0), nb: at(-10 * day), na: at(10 * day)}, nil)
	// Key rollover: a self-issued CA (same name as the root, new key) does
	// not count against the root's pathlen 0.
	rollover := mkCert(t, certSpec{cn: "Root CA", ca: true, akid: root.cert.SubjectKeyId}, root)
	rollLeaf := mkCert(t, certSpec{cn: "after rollover"}, rollover)
	// Without an AKID OpenSSL takes a self-issued CA for self-signed
	// (it never checks that signature while building).
	fakeSelf := mkCert(t, certSpec{cn: "Root CA", ca: true}, root)
	fakeSelfLeaf := mkCert(t, certSpec{cn: "below self-issued CA"}, fakeSelf)
	// A second real intermediate does.
	inter := mkCert(t, certSpec{cn: "Intermediate CA", ca: true}, root)
	interLeaf := mkCert(t, certSpec{cn: "below intermediate"}, inter)
	// AKID naming a key no CA has.
	badAKID := mkCert(t, certSpec{cn: "wrong akid", akid: []byte{1, 2, 3, 4}}, root)
	// Issuer name written in another string type and case: names compare
	// canonically.
	printRoot := mkCert(t, certSpec{subject: &pkix.Name{Organization: []string{"Test Org"}, CommonName: "Print Root"}, ca: true}, nil)
	oddIssuer := mkCert(t, certSpec{cn: "odd issuer encoding",
		issuerRaw: rawName(t, oidOrg, tagUTF8String, "  test   ORG ", oidCN, tagBMPString, "\x00P\x00R\x00I\x00N\x00T\x00 \x00r\x00o\x00o\x00t")}, printRoot)
	// Root without basic constraints, CA by key usage only.
	kuRoot := mkCert(t, certSpec{cn: "KU-only Root", noBC: true, ku: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}, nil)
	kuRootLeaf := mkCert(t, certSpec{cn: "below KU root"}, kuRoot)
	kuInter := mkCert(t, certSpec{cn: "KU-only Intermediate", noBC: true, ku: x509.KeyUsageCertSign}, kuRoot)
	kuInterLeaf := mkCert(t, certSpec{cn: "below KU intermediate"}, kuInter)
	// Two roots of one name, the first one expired.
	oldRoot := mkCert(t, certSpec{cn: "Renewed Root", ca: true, nb: at(-20 * day), na: at(-10 * day)}, nil)
	newKey := newKey(t)
	newRoot := mkCert(t, certSpec{cn: "Renewed Root", ca: true, key: newKey}, nil)
	renewedLeaf := mkCert(t, certSpec{cn: "renewed", noAKID: true}, newRoot)
	// Wildcards.
	wild := mkCert(t, certSpec{cn: "wild", dns: []string{"f*.example.com", "*.com", "*.xn--bcher-kva.example"}}, root)
	// Name constraints of other types.
	dirRoot := mkCert(t, certSpec{cn: "Dir Constrained Root", ca: true,
		extra: []pkix.Extension{dirNameConstraint(t, rawName(t, oidOrg, tagPrintableString, "ACME"))}}, nil)
	dirGood := mkCert(t, certSpec{subject: &pkix.Name{Organization: []string{"acme"}, CommonName: "ok"}}, dirRoot)
	dirBad := mkCert(t, certSpec{subject: &pkix.Name{Organization: []string{"Other"}, CommonName: "bad"}}, dirRoot)
	_, tenNet, _ := net.ParseCIDR("10.0.0.0/8")
	multiRoot := mkCert(t, certSpec{cn: "Multi Constrained Root", ca: true, permIPs: []*net.IPNet{tenNet},
		permMails: []string{"example.com"}, permURIs: []string{".example.com"}}, nil)
	ipGood := mkCert(t, certSpec{cn: "ip ok", ips: []net.IP{net.IPv4(10, 1, 2, 3)}, emails: []string{"a@example.com"}, uris: []string{"https://www.example.com:8443/x"}}, multiRoot)
	ipBad := mkCert(t, certSpec{cn: "ip bad", ips: []net.IP{net.IPv4(192, 168, 1, 1)}}, multiRoot)
	ip6Bad := mkCert(t, certSpec{cn: "ip6 bad", ips: []net.IP{net.ParseIP("::1")}}, multiRoot)
	mailBad := mkCert(t, certSpec{cn: "mail bad", emails: []string{"a@other.example"}}, multiRoot)
	mailSubj := mkCert(t, certSpec{subject: &pkix.Name{CommonName: "subject mail", ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidEmailAddress, Value: "b@other.example"}}}}, multiRoot)
	uriBad := mkCert(t, certSpec{cn: "uri bad", uris: []string{"https://example.com/"}}, multiRoot)
	// SmtpUTF8Mailbox SAN (RFC 8398) against an email constraint with an
	// A-label domain.
	eaiRoot := mkCert(t, certSpec{cn: "EAI Root", ca: true, permMails: []string{"xn--bcher-kva.example"}}, nil)
	eaiGood := mkCert(t, certSpec{cn: "eai", extra: []pkix.Extension{smtpUTF8SAN(t, "δοκιμή@bücher.example")}}, eaiRoot)
	eaiBad := mkCert(t, certSpec{cn: "eai bad", extra: []pkix.Extension{smtpUTF8SAN(t, "δοκιμή@other.example")}}, eaiRoot)
	// CRL oddities.
	caNoCRLSign := mkCert(t, certSpec{cn: "CA without cRLSign", ca: true, ku: x509.KeyUsageCertSign}, nil)
	leafNoCRLSign := mkCert(t, certSpec{cn: "below no-cRLSign CA"}, caNoCRLSign)
	crlNoCRLSign := mkCRL(t, crlSpec{}, caNoCRLSign)
	crlRoot := mkCert(t, certSpec{cn: "CRL Root", ca: true}, nil)
	crlLeaf := mkCert(t, certSpec{cn: "crl leaf"}, crlRoot)
	caOnlyCRL := mkCRL(t, crlSpec{extra: []pkix.Extension{{Id: oidCRLExtIDP, Critical: true, Value: []byte{0x30, 0x03, 0x82, 0x01, 0xff}}}}, crlRoot)
	criticalCRL := mkCRL(t, crlSpec{extra: []pkix.Extension{{Id: oidCRLx, Critical: true, Value: []byte{0x05, 0x00}}}}, crlRoot)
	revokingCRL := mkCRL(t, crlSpec{revoked: []revoked{{crlLeaf.cert.SerialNumber, 1}}}, crlRoot)
	removedCRL := mkCRL(t, crlSpec{revoked: []revoked{{crlLeaf.cert.SerialNumber, 8}}}, crlRoot)
	// Self-signed CA used as a client certificate.
	selfCA := mkCert(t, certSpec{cn: "self CA", ca: true}, nil)
	client := mkCert(t, certSpec{cn: "client", eku: clientAuth, ku: x509.KeyUsageDigitalSignature}, crlRoot)

	one := func(c *tcert) []*x509.Certificate { return []*x509.Certificate{c.cert} }
	ok := [][]string{nil}
	cases := []vcase{
		{name: "rollover does not count for pathlen", files: one(rollLeaf), cafile: one(root), untrusted: one(rollover), want: ok},
		{name: "self-issued CA without AKID", files: one(fakeSelfLeaf), cafile: one(root), untrusted: one(fakeSelf), want: w("19@1")},
		{name: "intermediate under pathlen 0 root", files: one(interLeaf), cafile: one(root), untrusted: one(inter), want: w("25@2")},
		{name: "AKID mismatch", files: one(badAKID), cafile: one(root), want: w("20@0")},
		{name: "issuer name in other string type and case", files: one(oddIssuer), cafile: one(printRoot), want: ok},
		{name: "issuer name in other string type via CApath", files: one(oddIssuer), capath: one(printRoot), want: ok},
		{name: "KU-only root", files: one(kuRootLeaf), cafile: one(kuRoot), want: ok},
		{name: "KU-only intermediate", files: one(kuInterLeaf), cafile: one(kuRoot), untrusted: one(kuInter), want: w("79@1")},
		{name: "expired and renewed root", files: one(renewedLeaf), cafile: []*x509.Certificate{oldRoot.cert, newRoot.cert}, want: ok},
		{name: "expired and renewed root reversed", files: one(renewedLeaf), cafile: []*x509.Certificate{newRoot.cert, oldRoot.cert}, want: ok},
		{name: "partial wildcard", files: one(wild), cafile: one(root), host: "foo.example.com", want: ok},
		{name: "partial wildcard mismatch", files: one(wild), cafile: one(root), host: "bar.example.com", want: w("62@0")},
		{name: "wildcard on TLD", files: one(wild), cafile: one(root), host: "example.com", want: w("62@0")},
		{name: "wildcard in IDNA", files: one(wild), cafile: one(root), host: "xn--abc.example.com", want: w("62@0")},
		{name: "dot subdomain check", files: one(wild), cafile: one(root), host: ".example.com", want: ok},
		{name: "dirName constraint, other case and type", files: one(dirGood), cafile: one(dirRoot), want: ok},
		{name: "dirName constraint violated", files: one(dirBad), cafile: one(dirRoot), want: w("47@0")},
		{name: "IP, email and URI constraints ok", files: one(ipGood), cafile: one(multiRoot), want: ok},
		{name: "IP constraint violated", files: one(ipBad), cafile: one(multiRoot), want: w("47@0")},
		{name: "IPv6 against IPv4 constraint", files: one(ip6Bad), cafile: one(multiRoot), want: w("47@0")},
		{name: "email constraint violated", files: one(mailBad), cafile: one(multiRoot), want: w("47@0")},
		{name: "subject emailAddress not IA5String under email constraints", files: one(mailSubj), cafile: one(multiRoot), want: w("53@0")},
		{name: "URI constraint violated", files: one(uriBad), cafile: one(multiRoot), want: w("47@0")},
		{name: "SmtpUTF8Mailbox within A-label constraint", files: one(eaiGood), cafile: one(eaiRoot), want: ok},
		{name: "SmtpUTF8Mailbox outside constraint", files: one(eaiBad), cafile: one(eaiRoot), want: w("47@0")},
		{name: "verify_email on SmtpUTF8Mailbox", files: one(eaiGood), cafile: one(eaiRoot), email: "δοκιμή@bücher.example", want: ok},
		{name: "verify_email on SmtpUTF8Mailbox mismatch", files: one(eaiGood), cafile: one(eaiRoot), email: "x@bücher.example", want: w("63@0")},
		{name: "CRL issuer without cRLSign", files: one(leafNoCRLSign), cafile: one(caNoCRLSign), crls: []*x509.RevocationList{crlNoCRLSign}, crlCheck: "leaf", want: w("35@0")},
		{name: "CA-only CRL for a leaf", files: one(crlLeaf), cafile: one(crlRoot), crls: []*x509.RevocationList{caOnlyCRL}, crlCheck: "leaf", want: w("44@0")},
		{name: "CRL with unknown critical extension", files: one(crlLeaf), cafile: one(crlRoot), crls: []*x509.RevocationList{criticalCRL}, crlCheck: "leaf", want: w("36@0")},
		{name: "CRL in the CAfile", files: one(crlLeaf), cafile: one(crlRoot), cafileCRL: []*x509.RevocationList{revokingCRL}, crlCheck: "leaf", want: w("23@0")},
		{name: "removeFromCRL entry", files: one(crlLeaf), cafile: one(crlRoot), crls: []*x509.RevocationList{removedCRL}, crlCheck: "leaf", want: ok},
		{name: "crl check all on a one-certificate chain", files: one(crlRoot), cafile: one(crlRoot), crls: []*x509.RevocationList{revokingCRL}, crlCheck: "all", want: ok},
		{name: "self-signed CA as client", files: one(selfCA), purpose: "sslclient", want: w("18@0")},
		{name: "purpose any", files: one(client), cafile: one(crlRoot), purpose: "any", want: ok},
		{name: "purpose crlsign on a leaf", files: one(client), cafile: one(crlRoot), purpose: "crlsign", want: w("26@0")},
		{name: "purpose smimesign", files: one(client), cafile: one(crlRoot), purpose: "smimesign", want: w("26@0")},
		{name: "purpose timestampsign", files: one(client), cafile: one(crlRoot), purpose: "timestampsign", want: w("26@0")},
		{name: "purpose nssslserver", files: one(client), cafile: one(crlRoot), purpose: "nssslserver", want: w("26@0")},
		{name: "purpose ocsphelper", files: one(client), cafile: one(crlRoot), purpose: "ocsphelper", want: ok},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runVerifyCase(t, openssl, c) })
	}
}

func runVerifyCaseWithCAPath(t *testing.T, openssl string, c vcase, capath string) {
	c.capathDir = capath
	runVerifyCase(t, openssl, c)
}

// smtpUTF8SAN builds a subjectAltName with one SmtpUTF8Mailbox otherName.
func smtpUTF8SAN(t *testing.T, mailbox string) pkix.Extension {
	t.Helper()
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidSmtpUTF8Mailbox)
			b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(mailbox)) })
			})
		})
	})
	der, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: oidExtSAN, Value: der}
}

// TestVerifySubjectLinesMatchOpenSSL compares the subject line printed
// above each error with openssl's for names that need escaping.
func TestVerifySubjectLinesMatchOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	names := []pkix.Name{
		{CommonName: "a, b"},
		{CommonName: `quote " and backslash \`},
		{CommonName: "plus+sign"},
		{CommonName: " leading and trailing "},
		{CommonName: "#hash"},
		{CommonName: "équipe Ünïcode 日本"},
		{CommonName: "semi;colon <angle> = equals"},
		{Country: []string{"SG"}, Organization: []string{"Org"}, OrganizationalUnit: []string{"Unit"}, Locality: []string{"City"}, Province: []string{"State"}, CommonName: "many"},
		{CommonName: "mail", ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidEmailAddress, Value: "a@b.example"}}},
		{SerialNumber: "1234", StreetAddress: []string{"1 Road"}, PostalCode: []string{"12345"}},
	}
	var files []*x509.Certificate
	var want [][]string
	for i := range names {
		files = append(files, mkCert(t, certSpec{subject: &names[i]}, nil).cert)
		want = append(want, []string{"18@0"})
	}
	runVerifyCase(t, openssl, vcase{name: "subjects", files: files, want: want})
}
