package probe

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// clientCertCase is a broken client-certificate setup.
type clientCertCase struct {
	name  string
	certs func(e *env) []tls.Certificate
	extra func(e *env) []string // extra openssl s_server arguments
	id    string
	exit  int
	// alerts maps TLS version name to the alert OpenSSL sends (0: any).
	alert uint8
}

func clientCertCases(t *testing.T) []clientCertCase {
	clientEKU := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	past := time.Now().Add(-48 * time.Hour)
	future := time.Now().Add(48 * time.Hour)
	return []clientCertCase{
		{name: "required", certs: func(*env) []tls.Certificate { return nil }, id: CauseClientCertRequired, exit: ExitTLS},
		{name: "untrusted", certs: func(e *env) []tls.Certificate { return []tls.Certificate{e.other.Client.TLS()} },
			id: CauseClientCertUntrusted, exit: ExitTLS, alert: 48},
		{name: "expired", certs: func(e *env) []tls.Certificate {
			return []tls.Certificate{pkitest.Issue(t, pkitest.Template{CN: "client", EKU: clientEKU, NotBefore: past.Add(-time.Hour), NotAfter: past}, e.pki.CA).TLS()}
		}, id: CauseClientCertExpired, exit: ExitTLS, alert: 45},
		{name: "not_yet_valid", certs: func(e *env) []tls.Certificate {
			return []tls.Certificate{pkitest.Issue(t, pkitest.Template{CN: "client", EKU: clientEKU, NotBefore: future, NotAfter: future.Add(time.Hour)}, e.pki.CA).TLS()}
		}, id: CauseClientCertNotYetValid, exit: ExitTLS},
		{name: "wrong_usage", certs: func(e *env) []tls.Certificate {
			return []tls.Certificate{pkitest.Issue(t, pkitest.Template{CN: "client", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, e.pki.CA).TLS()}
		}, id: CauseClientCertWrongUsage, exit: ExitTLS, alert: 43},
		{name: "revoked", certs: func(e *env) []tls.Certificate { return []tls.Certificate{e.pki.Client.TLS()} },
			extra: func(e *env) []string { return []string{"-crl_check", "-CRL", e.crl(e.pki.Client)} },
			id:    CauseClientCertRevoked, exit: ExitTLS, alert: 44},
		{name: "key_mismatch", certs: func(e *env) []tls.Certificate {
			c := e.pki.Client.TLS()
			c.PrivateKey = e.other.Client.Key
			return []tls.Certificate{c}
		}, id: CauseClientCertKeyMismatch, exit: ExitBadInput},
	}
}

// TestClientCertCausesOpenSSL runs every broken client-certificate setup
// against `openssl s_server -Verify 1 -verify_return_error`, TLS 1.2 and 1.3:
// under 1.2 the handshake fails, under 1.3 the rejection surfaces at the
// first read (OPENSSL-COMPAT.md §6).
func TestClientCertCausesOpenSSL(t *testing.T) {
	e := newEnv(t)
	for _, v := range tlsVersions {
		for _, tc := range clientCertCases(t) {
			t.Run(v.name+"/"+tc.name, func(t *testing.T) {
				args := []string{"-www", v.flag, "-Verify", "1", "-verify_return_error", "-CAfile", e.path("ca.pem")}
				if tc.extra != nil {
					args = append(args, tc.extra(e)...)
				}
				addr := e.startOpenSSL(t, args...)
				o := e.clientOpts("wss://" + addr + "/")
				o.Certificates = tc.certs(e)
				rep, f, err := run(t, o)
				wantCause(t, f, err, tc.id, tc.exit, "")
				if f.Stage != StageTLS {
					t.Errorf("stage %s, want tls", f.Stage)
				}
				if tc.alert != 0 {
					wantAlert(t, f, tc.alert, false)
				}
				if !strings.Contains(f.Raw, "remote error: tls: ") && tc.alert != 0 {
					t.Errorf("raw %q does not show the remote alert", f.Raw)
				}
				if got := rep.TLS.RejectedAfterHandshake; got != (v.v == tls.VersionTLS13) {
					t.Errorf("rejected after handshake = %v under %s", got, v.name)
				}
				if !rep.TLS.ClientAuth.Requested || len(rep.TLS.ClientAuth.AcceptableCAs) != 1 {
					t.Errorf("client auth %+v: want the request and openssl's one CA name", rep.TLS.ClientAuth)
				}
				if (rep.TLS.ClientAuth.Sent != nil) != (len(o.Certificates) > 0) {
					t.Errorf("sent %+v with %d configured", rep.TLS.ClientAuth.Sent, len(o.Certificates))
				}
			})
		}
	}
}

// TestClientCertCausesNode: Node's ws server with rejectUnauthorized closes
// the socket without an alert (PEERS.md); the cause comes from what we
// know: the request, what we sent and our local checks.
func TestClientCertCausesNode(t *testing.T) {
	e := newEnv(t)
	for _, v := range tlsVersions {
		for _, tc := range clientCertCases(t) {
			if tc.name == "revoked" || tc.name == "key_mismatch" {
				continue // no CRL in this Node server; key mismatch is covered by openssl
			}
			t.Run(v.name+"/"+tc.name, func(t *testing.T) {
				addr, _ := e.startNode(t, e.path("server.pem"), e.path("server.key"), e.path("ca.pem"), "require")
				o := e.clientOpts("wss://" + addr + "/")
				o.MinVersion, o.MaxVersion = v.v, v.v
				o.Certificates = tc.certs(e)
				_, f, err := run(t, o)
				wantCause(t, f, err, tc.id, tc.exit, "")
			})
		}
	}
}

// TestClientCertRejectedByPolicy: a server that lists our CA but refuses our
// certificate for its own reasons (alert 42) gets client_cert_rejected.
func TestClientCertRejectedByPolicy(t *testing.T) {
	e := newEnv(t)
	for _, v := range tlsVersions {
		t.Run(v.name, func(t *testing.T) {
			cfg := serverTLS(e.pki.Server.TLS())
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
			cfg.ClientCAs = e.pki.Pool()
			cfg.MaxVersion = v.v
			cfg.VerifyPeerCertificate = func([][]byte, [][]*x509.Certificate) error {
				return errPolicy
			}
			addr := startGoServer(t, "", cfg, echoHandler())
			_, f, err := run(t, e.clientOpts("wss://"+addr+"/"))
			wantCause(t, f, err, CauseClientCertRejected, ExitTLS, "bad certificate")
			wantAlert(t, f, 42, false)
			if !strings.Contains(f.Cause, "found nothing wrong") {
				t.Errorf("cause %q should say our checks found nothing", f.Cause)
			}
		})
	}
}

var errPolicy = errorString("policy: this client is not on the list")

type errorString string

func (e errorString) Error() string { return string(e) }

// TestClientCertNotOfferedWrongCA: a server that lists only another CA but
// does not enforce it (openssl -verify without -verify_return_error): we
// send our certificate anyway and the report notes that Java, Chromium and
// Go would have sent none.
func TestClientCertNotOfferedWrongCA(t *testing.T) {
	e := newEnv(t)
	addr := e.startOpenSSL(t, "-www", "-verify", "1", "-CAfile", e.path("other-ca.pem"))
	rep, f, err := run(t, e.clientOpts("wss://"+addr+"/"))
	// -www answers 200: the TLS part worked.
	wantCause(t, f, err, CauseHTTPNotWebSocket, ExitHTTP, "bad handshake")
	found := false
	for _, n := range rep.Notes {
		found = found || n.CauseID == CauseClientCertNotOfferedWrong
	}
	if !found {
		t.Errorf("notes %+v lack %s", rep.Notes, CauseClientCertNotOfferedWrong)
	}
	if l := rep.TLS.ClientAuth.IssuerListed; l == nil || *l {
		t.Errorf("issuer listed = %v, want false", l)
	}
	if got := rep.TLS.ClientAuth.AcceptableCAs; len(got) != 1 || got[0] != "CN=other CA" {
		t.Errorf("acceptable CAs %q", got)
	}
}
