package commands

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
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
)

// verifyPKI is a small fixed PKI for the verify command tests: a root, an
// intermediate, a server and a client certificate with fixed validity
// (2020-2030) so that text output is stable, and a CRL revoking the client.
type verifyPKI struct {
	dir                             string
	root, inter, server, client     string // PEM files
	chain, crl, rootAndCRL, keyOnly string
}

var (
	vpNotBefore = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	vpNotAfter  = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
)

func newVerifyPKI(t *testing.T) *verifyPKI {
	t.Helper()
	dir := t.TempDir()
	root := pkitest.Issue(t, pkitest.Template{CN: "Verify Root", CA: true, NotBefore: vpNotBefore, NotAfter: vpNotAfter}, nil)
	inter := pkitest.Issue(t, pkitest.Template{CN: "Verify Intermediate", CA: true, NotBefore: vpNotBefore, NotAfter: vpNotAfter}, root)
	server := pkitest.Issue(t, pkitest.Template{CN: "server.test", DNS: []string{"server.test"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)},
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, NotBefore: vpNotBefore, NotAfter: vpNotAfter}, inter)
	client := pkitest.Issue(t, pkitest.Template{CN: "client", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		NotBefore: vpNotBefore, NotAfter: vpNotAfter}, inter)
	crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: vpNotBefore, NextUpdate: vpNotAfter,
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: client.Cert.SerialNumber, RevocationTime: vpNotBefore}},
	}, inter.Cert, inter.Key)
	if err != nil {
		t.Fatal(err)
	}
	crlPEM := pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crlDER})
	p := &verifyPKI{dir: dir}
	p.root = pkitest.WriteFile(t, dir, "root.pem", root.CertPEM())
	p.inter = pkitest.WriteFile(t, dir, "inter.pem", inter.CertPEM())
	p.server = pkitest.WriteFile(t, dir, "server.pem", server.CertPEM())
	p.client = pkitest.WriteFile(t, dir, "client.pem", client.CertPEM())
	p.chain = pkitest.WriteFile(t, dir, "chain.pem", append(server.CertPEM(), inter.CertPEM()...))
	p.crl = pkitest.WriteFile(t, dir, "inter.crl", crlPEM)
	p.rootAndCRL = pkitest.WriteFile(t, dir, "root-and-crl.pem", append(root.CertPEM(), crlPEM...))
	p.keyOnly = pkitest.WriteFile(t, dir, "key.pem", server.KeyPEM())
	return p
}

var opensslErrLine = regexp.MustCompile(`(?m)^error \d+ at \d+ depth lookup: .*$`)

// opensslFlags maps wsskit verify flags to openssl verify's.
func opensslFlags(t *testing.T, args []string) []string {
	out := []string{"verify", "-no-CAfile", "-no-CApath", "-no-CAstore"}
	names := map[string]string{
		"--cafile": "-CAfile", "--capath": "-CApath", "--untrusted": "-untrusted", "--crl": "-CRLfile",
		"--purpose": "-purpose", "--host": "-verify_hostname", "--ip": "-verify_ip", "--email": "-verify_email",
		"--verify-depth": "-verify_depth",
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case names[a] != "":
			out = append(out, names[a], args[i+1])
			i++
		case a == "--crl-check":
			if args[i+1] == "all" {
				out = append(out, "-crl_check_all")
			} else {
				out = append(out, "-crl_check")
			}
			i++
		case a == "--at":
			ts, err := parseAtTime(args[i+1])
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, "-attime", strconv.FormatInt(ts.Unix(), 10))
			i++
		case a == "--partial-chain":
			out = append(out, "-partial_chain")
		case strings.HasPrefix(a, "--"):
			t.Fatalf("no openssl equivalent for %s", a)
		default:
			out = append(out, a)
		}
	}
	return out
}

// TestVerifyCommandMatchesOpenSSL runs wsskit verify and openssl verify
// with the same inputs: same "error N at D" lines in the same order, exit
// 0 where openssl exits 0 and 1 where it exits 2.
func TestVerifyCommandMatchesOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	p := newVerifyPKI(t)
	// A CA folder made by openssl rehash itself.
	capath := filepath.Join(p.dir, "ca")
	if err := os.Mkdir(capath, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{p.root, p.crl} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pkitest.WriteFile(t, capath, filepath.Base(f), data)
	}
	pkitest.Run(t, openssl, "rehash", capath)
	// CA files in OpenSSL's TRUSTED CERTIFICATE form, with trust settings.
	rootRejectServer := filepath.Join(p.dir, "root-reject-server.pem")
	pkitest.Run(t, openssl, "x509", "-in", p.root, "-trustout", "-addreject", "serverAuth", "-out", rootRejectServer)
	interTrustServer := filepath.Join(p.dir, "inter-trust-server.pem")
	pkitest.Run(t, openssl, "x509", "-in", p.inter, "-trustout", "-addtrust", "serverAuth", "-out", interTrustServer)
	tests := []struct {
		name string
		args []string
		want []string // expected error lines' "N@D", in order
	}{
		{"ok with untrusted", []string{"--cafile", p.root, "--untrusted", p.inter, p.server}, nil},
		{"ok bundle in a file", []string{"--cafile", p.root, "--untrusted", p.inter, p.chain}, nil},
		{"missing intermediate", []string{"--cafile", p.root, p.server}, []string{"20@0"}},
		{"expired RFC 3339", []string{"--cafile", p.root, "--untrusted", p.inter, "--at", "2031-06-01T00:00:00Z", p.server}, []string{"10@2", "10@1", "10@0"}},
		{"not yet valid, Unix seconds", []string{"--cafile", p.root, "--untrusted", p.inter, "--at", "1500000000", p.server}, []string{"9@2"}},
		{"purpose", []string{"--cafile", p.root, "--untrusted", p.inter, "--purpose", "sslclient", p.server, p.client}, []string{"26@0"}},
		{"host and ip", []string{"--cafile", p.root, "--untrusted", p.inter, "--host", "other.test", p.server}, []string{"62@0"}},
		{"ip mismatch", []string{"--cafile", p.root, "--untrusted", p.inter, "--ip", "127.0.0.2", p.server}, []string{"64@0"}},
		{"email mismatch", []string{"--cafile", p.root, "--untrusted", p.inter, "--email", "a@b.test", p.server}, []string{"63@0"}},
		{"revoked with --crl", []string{"--cafile", p.root, "--untrusted", p.inter, "--crl", p.crl, "--crl-check", "leaf", p.client, p.server}, []string{"23@0"}},
		{"crl check all without root CRL", []string{"--cafile", p.root, "--untrusted", p.inter, "--crl", p.crl, "--crl-check", "all", p.server}, []string{"3@1"}},
		{"CApath and its CRL", []string{"--capath", capath, "--untrusted", p.inter, "--crl-check", "leaf", p.client}, []string{"23@0"}},
		{"CRL inside the CAfile", []string{"--cafile", p.rootAndCRL, "--untrusted", p.inter, "--crl-check", "leaf", p.client}, []string{"23@0"}},
		{"partial chain", []string{"--cafile", p.inter, "--partial-chain", p.server}, nil},
		{"anchor not self-signed", []string{"--cafile", p.inter, p.server}, []string{"2@1"}},
		{"verify depth", []string{"--cafile", p.root, "--untrusted", p.inter, "--verify-depth", "0", p.server}, []string{"22@1"}},
		{"root only untrusted", []string{"--untrusted", p.inter, "--untrusted", p.root, p.server}, []string{"19@2"}},
		{"self-signed", []string{p.root}, []string{"18@0"}},
		{"root rejected for serverAuth", []string{"--cafile", rootRejectServer, "--untrusted", p.inter, "--purpose", "sslserver", p.server}, []string{"28@2"}},
		{"root rejected for serverAuth, sslclient", []string{"--cafile", rootRejectServer, "--untrusted", p.inter, "--purpose", "sslclient", p.client}, nil},
		{"intermediate trusted for serverAuth", []string{"--cafile", interTrustServer, "--purpose", "sslserver", p.server}, nil},
		{"intermediate trusted for serverAuth, no purpose", []string{"--cafile", interTrustServer, p.server}, []string{"28@1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "", append([]string{"verify"}, tt.args...)...)
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(openssl, opensslFlags(t, tt.args)...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			sslErr := cmd.Run()
			sslCode := 0
			var ee *exec.ExitError
			if errors.As(sslErr, &ee) {
				sslCode = ee.ExitCode()
			} else if sslErr != nil {
				t.Fatal(sslErr)
			}
			wantCode := map[int]int{0: ExitOK, 2: ExitCheckFailed}[sslCode]
			if r.code != wantCode {
				t.Errorf("exit %d, openssl exited %d (want %d)\nstdout:\n%s\nstderr:\n%s", r.code, sslCode, wantCode, r.stdout, r.stderr)
			}
			got := opensslErrLine.FindAllString(r.stdout, -1)
			want := opensslErrLine.FindAllString(stderr.String(), -1)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("error lines differ\n got: %q\nwant: %q\nopenssl stderr:\n%s", got, want, stderr.String())
			}
			var codes []string
			for _, l := range want {
				var n, d int
				if _, err := parseErrLine(l, &n, &d); err != nil {
					t.Fatal(err)
				}
				codes = append(codes, strconv.Itoa(n)+"@"+strconv.Itoa(d))
			}
			if strings.Join(codes, " ") != strings.Join(tt.want, " ") {
				t.Errorf("openssl gave %v, the case expects %v", codes, tt.want)
			}
			for _, f := range tt.args {
				if strings.HasSuffix(f, ".pem") && !strings.HasPrefix(f, "-") && strings.Contains(stdout.String(), f+": OK") &&
					!strings.Contains(r.stdout, f+": OK") {
					t.Errorf("openssl says %s: OK, wsskit does not:\n%s", f, r.stdout)
				}
			}
			if strings.Count(r.stdout, "error ") != strings.Count(r.stdout, "  cause:")+strings.Count(r.stdout, "verification failed") {
				t.Errorf("every error line must be followed by a cause:\n%s", r.stdout)
			}
		})
	}
}

func parseErrLine(line string, n, d *int) (int, error) {
	m := regexp.MustCompile(`^error (\d+) at (\d+) depth`).FindStringSubmatch(line)
	if m == nil {
		return 0, errors.New("not an error line: " + line)
	}
	*n, _ = strconv.Atoi(m[1])
	*d, _ = strconv.Atoi(m[2])
	return 2, nil
}

func TestVerifyCommandGolden(t *testing.T) {
	p := newVerifyPKI(t)
	r := run(t, "", "verify", "--cafile", p.root, "--untrusted", p.inter, "--at", "2031-06-01T00:00:00Z",
		"--purpose", "sslclient", p.server, p.client)
	if r.code != ExitCheckFailed {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	golden(t, "verify-expired-purpose", mask(r.stdout, p.dir))

	r = run(t, "", "verify", "--cafile", p.root, "--untrusted", p.inter, "--show-chain", p.server)
	if r.code != ExitOK {
		t.Fatalf("exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	golden(t, "verify-ok-chain", mask(r.stdout, p.dir))
}

func TestVerifyCommandJSON(t *testing.T) {
	p := newVerifyPKI(t)
	r := run(t, "", "verify", "--json", "--cafile", p.root, "--untrusted", p.inter, "--crl", p.crl, "--crl-check", "leaf",
		"--purpose", "sslclient", p.client, p.chain, p.keyOnly)
	if r.code != ExitInput {
		t.Fatalf("exit %d, want 3 (one unreadable file)\n%s%s", r.code, r.stdout, r.stderr)
	}
	var rep struct {
		OK    bool `json:"ok"`
		Files []struct {
			File        string `json:"file"`
			OK          bool   `json:"ok"`
			Subject     string `json:"subject"`
			CertsInFile int    `json:"certificates_in_file"`
			Chain       []struct {
				Depth     int    `json:"depth"`
				Subject   string `json:"subject"`
				Untrusted bool   `json:"untrusted"`
			} `json:"chain"`
			Errors []struct {
				Code    int    `json:"code"`
				Depth   int    `json:"depth"`
				Name    string `json:"name"`
				Line    string `json:"line"`
				CauseID string `json:"cause_id"`
				Cause   string `json:"cause"`
				Fix     string `json:"fix"`
			} `json:"errors"`
			Error    string `json:"error"`
			ExitCode int    `json:"exit_code"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if rep.OK || len(rep.Files) != 3 {
		t.Fatalf("got ok=%v with %d files, want false with 3", rep.OK, len(rep.Files))
	}
	c := rep.Files[0]
	if c.OK || len(c.Errors) != 1 || c.Errors[0].Code != 23 || c.Errors[0].Name != "X509_V_ERR_CERT_REVOKED" ||
		c.Errors[0].CauseID != "client_cert_revoked" || c.Errors[0].Line != "error 23 at 0 depth lookup: certificate revoked" ||
		c.Errors[0].Cause == "" || c.Errors[0].Fix == "" || c.ExitCode != ExitCheckFailed {
		t.Errorf("client: got %+v", c)
	}
	s := rep.Files[1]
	if s.OK || s.CertsInFile != 2 || s.Subject != "CN = server.test" || len(s.Chain) != 3 || !s.Chain[0].Untrusted || s.Chain[2].Untrusted ||
		len(s.Errors) != 1 || s.Errors[0].CauseID != "client_cert_wrong_usage" {
		t.Errorf("server chain: got %+v", s)
	}
	k := rep.Files[2]
	if k.ExitCode != ExitInput || !strings.Contains(k.Error, "key.pem") || !strings.Contains(k.Error, "no certificate") {
		t.Errorf("key-only file: got %+v", k)
	}
}

func TestVerifyCommandBadInput(t *testing.T) {
	p := newVerifyPKI(t)
	missing := filepath.Join(p.dir, "missing.pem")
	garbage := pkitest.WriteFile(t, p.dir, "garbage.pem", []byte("not a certificate\n"))
	tests := []struct {
		name     string
		args     []string
		code     int
		mentions []string
	}{
		{"no files", []string{"--cafile", p.root}, ExitUsage, []string{"certificate file"}},
		{"bad ip", []string{"--ip", "300.1.1.1", p.server}, ExitUsage, []string{"--ip", "300.1.1.1"}},
		{"bad at", []string{"--at", "tomorrow", p.server}, ExitUsage, []string{"--at", "tomorrow"}},
		{"bad purpose", []string{"--purpose", "client", p.server}, ExitUsage, []string{"--purpose", "client"}},
		{"bad crl check", []string{"--crl-check", "yes", p.server}, ExitUsage, []string{"--crl-check", "leaf or all"}},
		{"capath is a file", []string{"--capath", p.root, p.server}, ExitUsage, []string{"--capath", "not a folder"}},
		{"missing cafile", []string{"--cafile", missing, p.server}, ExitInput, []string{"missing.pem"}},
		{"garbage cafile", []string{"--cafile", garbage, p.server}, ExitInput, []string{"garbage.pem"}},
		{"crl file without CRL", []string{"--crl", p.root, p.server}, ExitInput, []string{"root.pem", "no CRL"}},
		{"missing certificate", []string{"--cafile", p.root, missing}, ExitInput, []string{"missing.pem"}},
		{"garbage certificate", []string{"--cafile", p.root, garbage}, ExitInput, []string{"garbage.pem"}},
		{"key instead of certificate", []string{"--cafile", p.root, p.keyOnly}, ExitInput, []string{"key.pem", "no certificate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, "", append([]string{"verify"}, tt.args...)...).wantFail(t, tt.code, tt.mentions...)
		})
	}
	t.Run("bad file among good ones", func(t *testing.T) {
		r := run(t, "", "verify", "--cafile", p.root, "--untrusted", p.inter, p.server, missing, p.client)
		if r.code != ExitInput {
			t.Fatalf("exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, p.server+": OK") || !strings.Contains(r.stdout, p.client+": OK") {
			t.Errorf("the readable files were not verified:\n%s", r.stdout)
		}
		if !strings.Contains(r.stderr, "error: ") || !strings.Contains(r.stderr, "missing.pem") {
			t.Errorf("stderr does not name the unreadable file:\n%s", r.stderr)
		}
	})
}

// TestVerifyCommandPKIInit verifies what `wsskit pki init` writes, through
// its CA folder, the way a server using OpenSSL's -CApath would.
func TestVerifyCommandPKIInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustRun(t, "pki", "init", "--dir", dir, "--clients", "2")
	p := func(f string) string { return filepath.Join(dir, f) }
	r := mustRun(t, "verify", "--capath", p("ca"), "--purpose", "sslclient", p("client.pem"), p("client-2.pem"))
	if strings.Count(r.stdout, ": OK") != 2 {
		t.Errorf("got %q, want two OK lines", r.stdout)
	}
	mustRun(t, "verify", "--capath", p("ca"), "--purpose", "sslserver", "--ip", "127.0.0.1", "--host", "localhost", p("server.pem"))
	r = run(t, "", "verify", "--capath", p("ca"), "--purpose", "sslserver", p("client.pem"))
	if r.code != ExitCheckFailed || !strings.Contains(r.stdout, "error 26 at 0 depth lookup: unsuitable certificate purpose") {
		t.Errorf("client as server: exit %d\n%s", r.code, r.stdout)
	}
}
