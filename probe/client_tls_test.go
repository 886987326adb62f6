package probe

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

var tlsVersions = []struct {
	name string
	flag string
	v    uint16
}{{"tls12", "-tls1_2", tls.VersionTLS12}, {"tls13", "-tls1_3", tls.VersionTLS13}}

func TestSuccessAgainstGoServerWithClientCert(t *testing.T) {
	e := newEnv(t)
	cfg := serverTLS(e.pki.Server.TLS())
	cfg.ClientAuth = tls.RequireAndVerifyClientCert
	cfg.ClientCAs = e.pki.Pool()
	addr := startGoServer(t, "", cfg, echoHandler())
	o := e.clientOpts("wss://" + addr + "/echo")
	o.Send = []Message{Text("hello"), {Binary: true, Data: []byte{0, 1, 2}}}
	want := "\x00\x01\x02"
	o.Expect = &want
	o.Trace = true
	rep, f, err := run(t, o)
	if err != nil {
		t.Fatalf("probe failed: %v (%+v)", err, f)
	}
	if got := len(rep.Stages); got < 5 {
		t.Errorf("%d stages, want resolve, tcp, tls, http, ws: %+v", got, rep.Stages)
	}
	if rep.TLS.Offered.SNI != "none: IP literal" {
		t.Errorf("SNI %q, want none: IP literal", rep.TLS.Offered.SNI)
	}
	if strings.Join(rep.TLS.Offered.ALPN, ",") != "http/1.1" {
		t.Errorf("ALPN offered %v, want only http/1.1", rep.TLS.Offered.ALPN)
	}
	if !rep.TLS.Verification.OK || !rep.TLS.ClientAuth.Requested || rep.TLS.ClientAuth.Sent == nil {
		t.Errorf("verification %+v client auth %+v", rep.TLS.Verification, rep.TLS.ClientAuth)
	}
	if got := rep.TLS.ClientAuth.AcceptableCAs; len(got) != 1 || got[0] != "CN=wsskit test CA" {
		t.Errorf("acceptable CAs %q, want [CN=wsskit test CA]", got)
	}
	if rep.TLS.ClientAuth.IssuerListed == nil || !*rep.TLS.ClientAuth.IssuerListed {
		t.Error("issuer not reported as listed")
	}
	if len(rep.WS.Messages) != 4 || rep.WS.Messages[3].Type != "binary" || rep.WS.Messages[1].Data != "hello" {
		t.Errorf("messages %+v", rep.WS.Messages)
	}
	if rep.WS.Close == nil || !rep.WS.Close.Clean || rep.WS.Close.Code != 1000 {
		t.Errorf("close %+v, want a clean 1000", rep.WS.Close)
	}
	if rep.TLS.Group == "" || rep.TLS.CipherSuite == "" || rep.TLS.Version != "TLS 1.3" {
		t.Errorf("negotiated %q %q %q", rep.TLS.Version, rep.TLS.CipherSuite, rep.TLS.Group)
	}
	if len(rep.HTTP.Request) == 0 || !strings.HasPrefix(rep.HTTP.Request[0], "GET /echo HTTP/1.1") {
		t.Errorf("request lines %q", rep.HTTP.Request)
	}
	var names []string
	for _, ev := range rep.Trace {
		for _, m := range ev.Messages {
			names = append(names, ev.Dir+":"+m.Type)
		}
	}
	if got := strings.Join(names, " "); got != "sent:ClientHello received:ServerHello" {
		t.Errorf("plaintext handshake messages %q", got)
	}
}

func TestSuccessAgainstNodeWithClientCert(t *testing.T) {
	e := newEnv(t)
	for _, v := range tlsVersions {
		t.Run(v.name, func(t *testing.T) {
			addr, _ := e.startNode(t, e.path("server.pem"), e.path("server.key"), e.path("ca.pem"), "require")
			o := e.clientOpts("wss://" + addr + "/")
			o.MinVersion, o.MaxVersion = v.v, v.v
			o.Send = []Message{Text("ping")}
			want := "ping"
			o.Expect = &want
			rep, f, err := run(t, o)
			if err != nil {
				t.Fatalf("probe failed: %v (%+v)", err, f)
			}
			if rep.TLS.Version != VersionName(v.v) || rep.TLS.ClientAuth.Sent == nil {
				t.Errorf("version %s, sent %+v", rep.TLS.Version, rep.TLS.ClientAuth.Sent)
			}
		})
	}
}

func TestServerCertCauses(t *testing.T) {
	e := newEnv(t)
	ip := []net.IP{net.IPv4(127, 0, 0, 1)}
	serverEKU := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	past := time.Now().Add(-48 * time.Hour)
	future := time.Now().Add(48 * time.Hour)
	tests := []struct {
		name    string
		cert    func() tls.Certificate
		listen  string
		roots   *x509.CertPool
		id      string
		openssl int
	}{
		{"untrusted", func() tls.Certificate { return e.pki.Server.TLS() }, "", e.other.Pool(), CauseServerCertUntrusted, 20},
		{"untrusted_with_root_sent", func() tls.Certificate { return e.pki.Server.TLS(e.pki.CA) }, "", e.other.Pool(), CauseServerCertUntrusted, 19},
		{"self_signed_leaf", func() tls.Certificate {
			return pkitest.Issue(t, pkitest.Template{CN: "127.0.0.1", IPs: ip, EKU: serverEKU}, nil).TLS()
		}, "", e.pki.Pool(), CauseServerCertSelfSignedLeaf, 18},
		{"name_mismatch", func() tls.Certificate { return e.pki.Server.TLS() }, "127.0.0.2:0", e.pki.Pool(), CauseServerCertNameMismatch, 64},
		{"cn_only", func() tls.Certificate {
			return pkitest.Issue(t, pkitest.Template{CN: "127.0.0.1", EKU: serverEKU}, e.pki.CA).TLS()
		}, "", e.pki.Pool(), CauseServerCertCNOnly, 64},
		{"expired", func() tls.Certificate {
			return pkitest.Issue(t, pkitest.Template{CN: "127.0.0.1", IPs: ip, EKU: serverEKU, NotBefore: past.Add(-time.Hour), NotAfter: past}, e.pki.CA).TLS()
		}, "", e.pki.Pool(), CauseServerCertExpired, 10},
		{"not_yet_valid", func() tls.Certificate {
			return pkitest.Issue(t, pkitest.Template{CN: "127.0.0.1", IPs: ip, EKU: serverEKU, NotBefore: future, NotAfter: future.Add(time.Hour)}, e.pki.CA).TLS()
		}, "", e.pki.Pool(), CauseServerCertNotYetValid, 9},
		{"wrong_usage", func() tls.Certificate {
			return pkitest.Issue(t, pkitest.Template{CN: "127.0.0.1", IPs: ip, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, e.pki.CA).TLS()
		}, "", e.pki.Pool(), CauseServerCertWrongUsage, 26},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := startGoServer(t, tc.listen, serverTLS(tc.cert()), echoHandler())
			o := e.clientOpts("wss://" + addr + "/echo")
			o.RootCAs = tc.roots
			_, f, err := run(t, o)
			wantCause(t, f, err, tc.id, ExitTLS, "tls: failed to verify certificate: x509: ")
			wantAlert(t, f, 42, true)
			if f.Stage != StageTLS {
				t.Errorf("stage %s", f.Stage)
			}
			// --insecure goes on, and still says what verification said.
			o.Insecure = true
			o.Send = []Message{Text("x")}
			rep, f2, err := run(t, o)
			if err != nil {
				t.Fatalf("insecure probe failed: %v %+v", err, f2)
			}
			v := rep.TLS.Verification
			if v.OK || !v.Skipped || v.CauseID != tc.id || len(v.OpenSSL) == 0 || v.OpenSSL[0].Code != tc.openssl {
				t.Errorf("insecure verdict %+v, want cause %s and OpenSSL error %d", v, tc.id, tc.openssl)
			}
			if len(rep.Notes) == 0 || rep.Notes[0].CauseID != tc.id {
				t.Errorf("notes %+v", rep.Notes)
			}
		})
	}
}

func TestServerCertUntrustedAgainstOpenSSL(t *testing.T) {
	e := newEnv(t)
	addr := e.startOpenSSL(t, "-www")
	o := e.clientOpts("wss://" + addr + "/")
	o.RootCAs = e.other.Pool()
	rep, f, err := run(t, o)
	wantCause(t, f, err, CauseServerCertUntrusted, ExitTLS, "certificate signed by unknown authority")
	if !strings.Contains(f.Cause, `"CN=wsskit test CA"`) || !strings.Contains(f.Cause, "--cafile ca.pem") {
		t.Errorf("cause does not name the issuer and our roots: %q", f.Cause)
	}
	if len(rep.TLS.ServerChain) != 0 && rep.TLS.ServerChain[0].Subject == "" {
		t.Errorf("server chain %+v", rep.TLS.ServerChain)
	}
}

// TestServerChainAgainstOpenSSL checks the chain an OpenSSL server sends
// with an intermediate CA: sent, missing, and under a root whose pathlen:0
// (what wsskit pki init makes) forbids any intermediate. Measured: Go says
// "certificate signed by unknown authority" for a missing intermediate,
// exactly as for an untrusted root, and "too many intermediates for path
// length constraint" for the pathlen case (OpenSSL error 25).
func TestServerChainAgainstOpenSSL(t *testing.T) {
	e := newEnv(t)
	ip := []net.IP{net.IPv4(127, 0, 0, 1)}
	serverEKU := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	tests := []struct {
		name      string
		pathLen0  bool // the root has pathlen:0
		sendInter bool
		id        string // "" means the TLS handshake succeeds
		openssl   int
		inCause   string
	}{
		{"intermediate_sent", false, true, "", 0, ""},
		{"intermediate_missing", false, false, CauseServerCertUntrusted, 20, "the server sent only its own certificate"},
		{"root_pathlen_0", true, true, CauseServerChainPathLen, 25, "pathlen:0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := pkitest.Issue(t, pkitest.Template{CN: "chain root", CA: true, PathLenZero: tc.pathLen0}, nil)
			inter := pkitest.Issue(t, pkitest.Template{CN: "chain intermediate", CA: true}, root)
			leaf := pkitest.Issue(t, pkitest.Template{CN: "127.0.0.1", IPs: ip, EKU: serverEKU}, inter)
			certPath, keyPath := e.writeCert("leaf-"+tc.name, leaf)
			interPath, _ := e.writeCert("inter-"+tc.name, inter)
			args := []string{"-cert", certPath, "-key", keyPath, "-www"}
			if tc.sendInter {
				args = append(args, "-cert_chain", interPath)
			}
			addr := e.startOpenSSL(t, args...)
			pool := x509.NewCertPool()
			pool.AddCert(root.Cert)
			o := e.clientOpts("wss://" + addr + "/")
			o.RootCAs = pool
			rep, f, err := run(t, o)
			if tc.id == "" {
				// -www answers 200, not 101: the TLS stage passed.
				wantCause(t, f, err, CauseHTTPNotWebSocket, ExitHTTP, "")
				if !rep.TLS.Verification.OK {
					t.Errorf("verification %+v", rep.TLS.Verification)
				}
				return
			}
			wantCause(t, f, err, tc.id, ExitTLS, "tls: failed to verify certificate: x509: ")
			wantAlert(t, f, 42, true)
			if !strings.Contains(f.Cause, tc.inCause) {
				t.Errorf("cause %q lacks %q", f.Cause, tc.inCause)
			}
			if v := rep.TLS.Verification; len(v.OpenSSL) == 0 || v.OpenSSL[0].Code != tc.openssl {
				t.Errorf("OpenSSL lines %+v, want error %d", v.OpenSSL, tc.openssl)
			}
		})
	}
}
