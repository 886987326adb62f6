package probe

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Cause is one row of the failure→cause table: a stable id, the stage it
// belongs to, the exit code, a title, and functions that turn the facts of a
// connection into one plain sentence and a fix.
type Cause struct {
	// ID is the stable snake_case cause_id (never renamed).
	ID string
	// Stage is the stage this cause is reported at.
	Stage Stage
	// ExitCode is the process exit code (DESIGN.md).
	ExitCode int
	// Title is a short description for the troubleshooting page.
	Title string
	// Seen lists the raw errors and alerts that typically lead here, for
	// the troubleshooting page.
	Seen string
	// Explain says in one sentence who rejected whom and why, naming both
	// sides' facts. It copes with any zero field of Facts.
	Explain func(f Facts) string
	// Fix says what to do, as a wsskit command where one exists.
	Fix func(f Facts) string
}

// The cause ids. They are part of wsskit's contract (DESIGN.md): JSON output
// and scripts depend on them, so they are never renamed.
const (
	CauseDNSFailed                 = "dns_failed"
	CauseConnectionRefused         = "connection_refused"
	CauseTimeout                   = "timeout"
	CauseNetworkError              = "network_error"
	CauseTLSToPlainServer          = "tls_to_plain_server"
	CausePlainToTLSServer          = "plain_to_tls_server"
	CauseServerCertUntrusted       = "server_cert_untrusted"
	CauseServerCertSelfSignedLeaf  = "server_cert_self_signed_leaf"
	CauseServerCertNameMismatch    = "server_cert_name_mismatch"
	CauseServerCertCNOnly          = "server_cert_cn_only"
	CauseServerCertExpired         = "server_cert_expired"
	CauseServerCertNotYetValid     = "server_cert_not_yet_valid"
	CauseServerCertWrongUsage      = "server_cert_wrong_usage"
	CauseServerChainPathLen        = "server_chain_path_len_exceeded"
	CauseClientCertRequired        = "client_cert_required"
	CauseClientCertNotOfferedWrong = "client_cert_not_offered_wrong_ca"
	CauseClientCertUntrusted       = "client_cert_untrusted"
	CauseClientCertRejected        = "client_cert_rejected"
	CauseClientCertExpired         = "client_cert_expired"
	CauseClientCertNotYetValid     = "client_cert_not_yet_valid"
	CauseClientCertWrongUsage      = "client_cert_wrong_usage"
	CauseClientCertRevoked         = "client_cert_revoked"
	CauseClientCertKeyMismatch     = "client_cert_key_mismatch"
	CauseProtocolVersionMismatch   = "protocol_version_mismatch"
	CauseNoSharedCipher            = "no_shared_cipher"
	CauseSNIRequired               = "sni_required"
	CauseClientClosedHandshake     = "client_closed_during_handshake"
	CauseTLSAlertUnknown           = "tls_alert_unknown"
	CauseTLSUnexplained            = "tls_handshake_failed"
	CauseHTTPNotWebSocket          = "http_not_websocket"
	CauseHTTPNoAnswer              = "http_no_answer"
	CauseUpgradeBadRequest         = "upgrade_bad_request"
	CauseUpgradeUnauthorized       = "upgrade_unauthorized"
	CauseUpgradeForbidden          = "upgrade_forbidden"
	CauseUpgradeNotFound           = "upgrade_not_found"
	CauseUpgradeVersion            = "upgrade_version"
	CauseUpgradeRedirect           = "upgrade_redirect"
	CauseUpgradeServerError        = "upgrade_server_error"
	CauseUpgradeInvalidResponse    = "upgrade_invalid_response"
	CauseWSPolicyViolation         = "ws_policy_violation"
	CauseWSClosedAbnormally        = "ws_closed_abnormally"
	CauseWSClosedByPeer            = "ws_closed_by_peer"
	CauseWSNoReply                 = "ws_no_reply"
	CauseExpectMismatch            = "expect_mismatch"
)

// Causes returns the whole table, in the order of the troubleshooting page.
func Causes() []*Cause { return causes }

// LookupCause returns the cause with the given id, or nil.
func LookupCause(id string) *Cause {
	for _, c := range causes {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// --- helpers for the sentences ---------------------------------------------

func (f Facts) hostPort() string {
	if f.Host == "" {
		return "the server"
	}
	if f.Port == "" {
		return f.Host
	}
	return net.JoinHostPort(f.Host, f.Port)
}

func (f Facts) url() string {
	if f.URL != "" {
		return f.URL
	}
	return "wss://" + f.hostPortOr("HOST:PORT") + f.pathOr("/")
}

func (f Facts) hostPortOr(def string) string {
	if f.Host == "" {
		return def
	}
	return f.hostPort()
}

func (f Facts) pathOr(def string) string {
	if f.Path == "" {
		return def
	}
	return f.Path
}

// withScheme returns the URL with its scheme replaced.
func (f Facts) withScheme(scheme string) string {
	u, err := url.Parse(f.url())
	if err != nil || u.Host == "" {
		return scheme + "://" + f.hostPortOr("HOST:PORT") + f.pathOr("/")
	}
	u.Scheme = scheme
	return u.String()
}

func (f Facts) hostIsIP() bool { return net.ParseIP(f.Host) != nil }

func (f Facts) hostKind() string {
	if f.hostIsIP() {
		return "IP " + f.Host
	}
	if f.Host == "" {
		return "the host you dialled"
	}
	return "DNS name " + f.Host
}

func certSANs(c *CertInfo) string {
	if c == nil {
		return "(unknown names)"
	}
	if len(c.SANs) == 0 {
		return "no subjectAltName at all"
	}
	var parts []string
	for _, s := range c.SANs {
		k, v, _ := strings.Cut(s, ":")
		switch k {
		case "DNS":
			parts = append(parts, "DNS "+v)
		case "IP":
			parts = append(parts, "IP "+v)
		default:
			parts = append(parts, k+" "+v)
		}
	}
	return joinOr(parts, "and")
}

func certSubject(c *CertInfo, def string) string {
	if c == nil || c.Subject == "" {
		return def
	}
	return `"` + c.Subject + `"`
}

func certIssuer(c *CertInfo, def string) string {
	if c == nil || c.Issuer == "" {
		return def
	}
	return `"` + c.Issuer + `"`
}

func ts(t time.Time) string {
	if t.IsZero() {
		return "(unknown)"
	}
	return t.UTC().Format(time.RFC3339)
}

func (f Facts) now() time.Time {
	if f.Now.IsZero() {
		return time.Now()
	}
	return f.Now
}

func (f Facts) alertText() string {
	if f.Alert == nil {
		return "no alert, it just closed the connection"
	}
	return fmt.Sprintf("alert %s (%d)", f.Alert.Name, f.Alert.Code)
}

func (f Facts) serverSide() bool { return f.Side == "server" }

// leafOnlyNote adds, on the server side, that this server sends no
// intermediate.
func (f Facts) leafOnlyNote() string {
	if !f.leafOnly() {
		return ""
	}
	return fmt.Sprintf("; this server sends only its own certificate: if %s is an intermediate CA, a client that trusts only the root above it cannot build the chain (put the intermediate after the leaf in the certificate file)", certIssuer(f.ServerCert, "its issuer"))
}

// leafOnly reports whether the server sent (or sends) just its leaf, and
// that leaf is not self-signed: a missing intermediate looks exactly like
// an unknown issuer.
func (f Facts) leafOnly() bool {
	return f.ServerChainLen == 1 && f.ServerCert != nil && !f.ServerCert.SelfSigned
}

// plainAlertNote explains Go's "bad record MAC" next to a received alert:
// a TLS 1.3 client that fails on the server's encrypted flight (an OpenSSL
// client checking the certificate) sends its alert before it has switched
// to handshake keys, and Go, trying to decrypt it, reports bad record MAC.
func (f Facts) plainAlertNote() string {
	if f.Alert == nil || f.Alert.Sent || !strings.Contains(f.Raw, "bad record MAC") {
		return ""
	}
	return "; it sent the alert unencrypted (TLS 1.3, before its own handshake keys), which Go's TLS reports as \"bad record MAC\""
}

func (f Facts) acceptable() string {
	if len(f.AcceptableCAs) == 0 {
		return "no CA names (any issuer)"
	}
	q := make([]string, len(f.AcceptableCAs))
	for i, n := range f.AcceptableCAs {
		q[i] = `"` + n + `"`
	}
	return joinOr(q, "and")
}

func (f Facts) timeoutText() string {
	if f.Timeout == 0 {
		return "the time limit"
	}
	return f.Timeout.String()
}

func (f Facts) versions(v []string) string {
	if len(v) == 0 {
		return "(unknown)"
	}
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = "TLS " + s
	}
	return joinOr(out, "and")
}

func (f Facts) certFlags() string {
	return "--cert client.pem --key client.key"
}

func (f Facts) caFile() string { return "--cafile ca.pem" }

func (f Facts) sniText() string {
	if f.ServerName == "" {
		if f.hostIsIP() {
			return "no SNI (an IP literal cannot be sent as SNI)"
		}
		return "no SNI"
	}
	return "SNI " + f.ServerName
}

// causes is THE table. Order: by stage, then most common first.
var causes = []*Cause{
	{
		ID: CauseDNSFailed, Stage: StageResolve, ExitCode: ExitNetwork,
		Title: "The host name does not resolve",
		Seen:  "`dial tcp: lookup NAME: no such host` (*net.DNSError)",
		Explain: func(f Facts) string {
			return fmt.Sprintf("the name %s could not be resolved to an address (%s), so no connection was attempted", orDefault(f.Host, "in the URL"), orDefault(f.Raw, "no such host"))
		},
		Fix: func(f Facts) string {
			return fmt.Sprintf("check the spelling, or dial the IP and keep the name for TLS: wsskit client wss://IP:%s%s --servername %s", orDefault(f.Port, "PORT"), f.pathOr("/"), orDefault(f.Host, "NAME"))
		},
	},
	{
		ID: CauseConnectionRefused, Stage: StageTCP, ExitCode: ExitNetwork,
		Title: "Nothing listens on that port",
		Seen:  "`connect: connection refused` (ECONNREFUSED)",
		Explain: func(f Facts) string {
			return fmt.Sprintf("%s refused the TCP connection: no server listens on port %s there (or a firewall rejects it)", orDefault(f.Host, "the host"), orDefault(f.Port, "(unknown)"))
		},
		Fix: func(f Facts) string {
			return fmt.Sprintf("start the server or fix the port; to test the client side alone run a server there: wsskit echo --listen %s --cert server.pem --key server.key", f.hostPortOr("127.0.0.1:8443"))
		},
	},
	{
		ID: CauseTimeout, Stage: StageTCP, ExitCode: ExitNetwork,
		Title: "A stage did not finish in time",
		Seen:  "`i/o timeout`, `context deadline exceeded`; openssl s_client just hangs",
		Explain: func(f Facts) string {
			switch f.Stage {
			case StageResolve:
				return fmt.Sprintf("resolving %s took longer than %s", orDefault(f.Host, "the name"), f.timeoutText())
			case StageTLS:
				return fmt.Sprintf("%s accepted the TCP connection but sent no TLS answer to our ClientHello within %s: it is not a TLS server, or it waits for the client to speak a different protocol first", f.hostPort(), f.timeoutText())
			case StageHTTP:
				return fmt.Sprintf("the connection to %s is up but the server sent no answer to the WebSocket upgrade request within %s", f.hostPort(), f.timeoutText())
			case StageWS:
				return fmt.Sprintf("the WebSocket to %s is open but the closing handshake did not finish within %s", f.hostPort(), f.timeoutText())
			}
			return fmt.Sprintf("the TCP connection to %s was not answered within %s: a firewall drops the packets or the host is down", f.hostPort(), f.timeoutText())
		},
		Fix: func(f Facts) string {
			if f.Stage == StageTLS {
				return fmt.Sprintf("check what that port speaks: wsskit client %s --trace --timeout 3s (if it is a plain server use %s)", f.url(), f.withScheme("ws"))
			}
			return fmt.Sprintf("check the server is running and reachable, then retry with a longer limit: wsskit client %s --timeout 30s --trace", f.url())
		},
	},
	{
		ID: CauseNetworkError, Stage: StageTCP, ExitCode: ExitNetwork,
		Title: "Another network error",
		Seen:  "`connection reset by peer`, `network is unreachable`, `broken pipe`",
		Explain: func(f Facts) string {
			return fmt.Sprintf("the connection to %s failed at the %s stage with a network error (%s), not with anything either side said", f.hostPort(), orDefault(string(f.Stage), "tcp"), orDefault(f.Raw, "unknown error"))
		},
		Fix: func(f Facts) string {
			return fmt.Sprintf("look at the server's log for that moment, and retry with the record trace: wsskit client %s --trace", f.url())
		},
	},
	{
		ID: CauseTLSToPlainServer, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "wss:// to a port that does not speak TLS",
		Seen:  "`tls: first record does not look like a TLS handshake` (tls.RecordHeaderError); openssl: `wrong version number`",
		Explain: func(f Facts) string {
			if f.serverSide() {
				return "the client started a TLS handshake on this plain ws:// port: it dialled wss:// or https://, but this server speaks plain ws:// and http://"
			}
			return fmt.Sprintf("we sent a TLS ClientHello to %s but it answered in plain text (%s): that port serves plain HTTP or another protocol, not TLS", f.hostPort(), orDefault(f.FirstBytes, "not a TLS record"))
		},
		Fix: func(f Facts) string {
			return fmt.Sprintf("use ws:// for a plain server: wsskit client %s; or give the server a certificate: wsskit echo --listen %s --cert server.pem --key server.key", f.withScheme("ws"), f.hostPortOr("127.0.0.1:8443"))
		},
	},
	{
		ID: CausePlainToTLSServer, Stage: StageHTTP, ExitCode: ExitHTTP,
		Title: "ws:// to a port that speaks TLS",
		Seen:  "`malformed HTTP response \"\\x15\\x03\\x01...\"`, `400 Client sent an HTTP request to an HTTPS server`",
		Explain: func(f Facts) string {
			if f.serverSide() {
				return fmt.Sprintf("the client sent plain HTTP (%s) to this TLS port: it dialled ws:// or http://, but this server needs wss:// or https://", orDefault(f.FirstBytes, "a request"))
			}
			return fmt.Sprintf("we sent a plain HTTP upgrade request to %s but it answered as a TLS server (%s): that port needs wss://", f.hostPort(), orDefault(f.FirstBytes, "a TLS alert record"))
		},
		Fix: func(f Facts) string {
			return fmt.Sprintf("use wss://: wsskit client %s %s", f.withScheme("wss"), f.caFile())
		},
	},
	{
		ID: CauseServerCertUntrusted, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The server's chain does not lead to a CA you trust",
		Seen:  "`x509: certificate signed by unknown authority`; OpenSSL errors 19, 20, 2; the server sees alert 48, or 42, which clients also send for a name mismatch (the server can tell only from the SNI); from a TLS 1.3 OpenSSL client the server's Go reports `bad record MAC`",
		Explain: func(f Facts) string {
			if f.serverSide() && f.Alert != nil && f.Alert.Code == 48 {
				return fmt.Sprintf("the client rejected this server's certificate %s (%s): it does not trust its issuer %s; clients trust only the CAs they were given (--cafile, a browser's or Java's store)%s%s", certSubject(f.ServerCert, ""), f.alertText(), certIssuer(f.ServerCert, "(unknown)"), f.leafOnlyNote(), f.plainAlertNote())
			}
			if f.serverSide() {
				// bad_certificate and certificate_unknown say only "no":
				// Go, OpenSSL and Java send them for a name mismatch too,
				// and a client dialling an IP sends no SNI to check.
				return fmt.Sprintf("the client rejected this server's certificate %s (%s): either it does not trust its issuer %s (clients trust only the CAs they were given: --cafile, a browser's or Java's store), or the host it connected to is not among the certificate's names (%s); Go, OpenSSL and Java clients send this same alert for both%s%s", certSubject(f.ServerCert, ""), f.alertText(), certIssuer(f.ServerCert, "(unknown)"), certSANs(f.ServerCert), f.leafOnlyNote(), f.plainAlertNote())
			}
			s := fmt.Sprintf("the server's certificate %s was issued by %s, which is not among the CAs we trust (%s)", certSubject(f.ServerCert, "(unknown)"), certIssuer(f.ServerCert, "(unknown)"), orDefault(f.Roots, "system roots"))
			if f.leafOnly() {
				s += fmt.Sprintf("; the server sent only its own certificate, so if %s is an intermediate CA under a root we trust, the server must send it too", certIssuer(f.ServerCert, "its issuer"))
			}
			return s
		},
		Fix: func(f Facts) string {
			if f.serverSide() && f.Alert != nil && f.Alert.Code == 48 {
				return "give the client the CA that issued this server certificate (e.g. wsskit trust install --ca ca.pem, or the client's --cafile ca.pem)"
			}
			if f.serverSide() {
				return "give the client the CA that issued this server certificate (e.g. wsskit trust install --ca ca.pem, or the client's --cafile ca.pem), and have it connect to a name the certificate holds (or reissue it: wsskit cert new --profile server --san IP:ADDR --san DNS:HOST --ca ca.pem --ca-key ca.key --out server.pem --key-out server.key); wsskit client wss://HOST:PORT/ --cafile ca.pem shows which of the two it is"
			}
			if f.leafOnly() {
				return fmt.Sprintf("trust the CA that issued it: wsskit client %s %s (check first with: wsskit verify --cafile ca.pem --purpose sslserver server.pem); if that issuer is an intermediate CA, have the server send it after its own certificate (one PEM file: leaf then intermediate; openssl s_server -cert_chain; Node: cert: leaf + intermediate)", f.url(), f.caFile())
			}
			return fmt.Sprintf("trust the CA that issued it: wsskit client %s %s (check first with: wsskit verify --cafile ca.pem --purpose sslserver server.pem)", f.url(), f.caFile())
		},
	},
	{
		ID: CauseServerCertSelfSignedLeaf, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The server uses a self-signed certificate you do not trust",
		Seen:  "`x509: certificate signed by unknown authority`; OpenSSL error 18 `self-signed certificate`; the server sees alert 48 (OpenSSL) or 42 (Go, GnuTLS)",
		Explain: func(f Facts) string {
			if f.serverSide() {
				return fmt.Sprintf("the client rejected this server's certificate %s (%s): it is self-signed (its own issuer), so a client accepts it only when given this very certificate as a CA%s", certSubject(f.ServerCert, "(unknown)"), f.alertText(), f.plainAlertNote())
			}
			return fmt.Sprintf("the server's certificate %s is self-signed (it is its own issuer) and is not in the CAs we trust (%s)", certSubject(f.ServerCert, "(unknown)"), orDefault(f.Roots, "system roots"))
		},
		Fix: func(f Facts) string {
			if f.serverSide() {
				return "give the client this certificate as its CA (its --cafile server.pem, or wsskit trust install --ca server.pem), or better serve a CA-signed one: wsskit pki init --ip 127.0.0.1"
			}
			return fmt.Sprintf("trust that very certificate (wsskit client %s --cafile server.pem), or better give the server a CA-signed one: wsskit pki init --ip %s", f.url(), orDefault(ipOr(f.Host), "127.0.0.1"))
		},
	},
	{
		ID: CauseServerCertNameMismatch, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The host or IP dialled is not in the server certificate",
		Seen:  "`x509: certificate is valid for X, not Y`; OpenSSL errors 62/64",
		Explain: func(f Facts) string {
			if f.serverSide() {
				return fmt.Sprintf("the client rejected this server's certificate (%s) and asked for %s, which is not among the certificate's names (%s)", f.alertText(), f.sniText(), certSANs(f.ServerCert))
			}
			return fmt.Sprintf("the server's certificate is valid for %s, but you connected to %s", certSANs(f.ServerCert), f.hostKind())
		},
		Fix: func(f Facts) string {
			san := "IP:" + orDefault(f.Host, "ADDR")
			if !f.hostIsIP() && f.Host != "" {
				san = "DNS:" + f.Host
			}
			return fmt.Sprintf("dial a name the certificate holds, or reissue it with that name: wsskit cert new --profile server --subject /CN=%s --san %s --ca ca.pem --ca-key ca.key --out server.pem --key-out server.key", orDefault(f.Host, "HOST"), san)
		},
	},
	{
		ID: CauseServerCertCNOnly, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The server certificate names the host only in its CN",
		Seen:  "`x509: certificate relies on legacy Common Name field, use SANs instead`; the server sees alert 42 or, from Node.js, none",
		Explain: func(f Facts) string {
			if f.serverSide() {
				return fmt.Sprintf("the client rejected this server's certificate %s (%s): it has no subjectAltName, only a Common Name, which Go, Node.js, Chrome and other modern clients ignore%s", certSubject(f.ServerCert, ""), f.alertText(), f.plainAlertNote())
			}
			return fmt.Sprintf("the server's certificate %s names %s only in its Common Name and has no subjectAltName; Go, Chrome and modern clients ignore the CN", certSubject(f.ServerCert, "(unknown)"), f.hostKind())
		},
		Fix: func(f Facts) string {
			san := "IP:" + orDefault(f.Host, "ADDR")
			if !f.hostIsIP() && f.Host != "" {
				san = "DNS:" + f.Host
			}
			return fmt.Sprintf("reissue it with a SAN: wsskit cert new --profile server --subject /CN=%s --san %s --ca ca.pem --ca-key ca.key --out server.pem --key-out server.key", orDefault(f.Host, "HOST"), san)
		},
	},
	{
		ID: CauseServerCertExpired, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The server's certificate (or its CA) has expired",
		Seen:  "`x509: certificate has expired or is not yet valid: current time ... is after ...`; OpenSSL error 10; the server sees alert 45 or 42, or, from Node.js, none",
		Explain: func(f Facts) string {
			c := f.BadCert
			if c == nil {
				c = f.ServerCert
			}
			which := "server's certificate"
			if f.BadDepth > 0 {
				which = fmt.Sprintf("CA certificate at depth %d of the server's chain", f.BadDepth)
			}
			if f.serverSide() {
				return fmt.Sprintf("the client rejected this server's certificate (%s): the %s %s expired on %s", f.alertText(), which, certSubject(c, ""), ts(notAfter(c)))
			}
			return fmt.Sprintf("the %s %s expired on %s; it is now %s", which, certSubject(c, "(unknown)"), ts(notAfter(c)), ts(f.now()))
		},
		Fix: func(f Facts) string {
			return "issue a new server certificate: wsskit cert new --profile server --san IP:127.0.0.1 --ca ca.pem --ca-key ca.key --days 365 --out server.pem --key-out server.key (if the clock is wrong, fix the clock)"
		},
	},
	{
		ID: CauseServerCertNotYetValid, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The server's certificate (or its CA) is not valid yet",
		Seen:  "`x509: certificate has expired or is not yet valid: current time ... is before ...`; OpenSSL error 9; the server sees alert 42 (OpenSSL, GnuTLS, Go) or, from Node.js, none",
		Explain: func(f Facts) string {
			c := f.BadCert
			if c == nil {
				c = f.ServerCert
			}
			which := "server's certificate"
			if f.BadDepth > 0 {
				which = fmt.Sprintf("CA certificate at depth %d of the server's chain", f.BadDepth)
			}
			if f.serverSide() {
				return fmt.Sprintf("the client rejected this server's certificate (%s): the %s %s is valid only from %s, and even this server's clock says %s: it was issued with a future start date%s", f.alertText(), which, certSubject(c, ""), ts(notBefore(c)), ts(f.now()), f.plainAlertNote())
			}
			return fmt.Sprintf("the %s %s is valid only from %s, but this side's clock says %s: the clocks differ or it was issued with a future start date", which, certSubject(c, "(unknown)"), ts(notBefore(c)), ts(f.now()))
		},
		Fix: func(f Facts) string {
			return "fix the clock on the client or the machine that issued it, or reissue: wsskit cert new --profile server --ca ca.pem --ca-key ca.key (it starts now)"
		},
	},
	{
		ID: CauseServerCertWrongUsage, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The server certificate is not for TLS servers",
		Seen:  "`x509: certificate specifies an incompatible key usage`; OpenSSL error 26; the server sees alert 43 (OpenSSL), 42 (GnuTLS, Go) or, from Node.js, none",
		Explain: func(f Facts) string {
			eku := "(none)"
			if f.ServerCert != nil && len(f.ServerCert.ExtKeyUsage) > 0 {
				eku = strings.Join(f.ServerCert.ExtKeyUsage, ", ")
			}
			if f.serverSide() {
				return fmt.Sprintf("the client rejected this server's certificate %s (%s): its extended key usage is only %s, without serverAuth, so verifying clients refuse it for a TLS server%s", certSubject(f.ServerCert, ""), f.alertText(), eku, f.plainAlertNote())
			}
			return fmt.Sprintf("the server's certificate %s allows only the extended key usage %s, which lacks serverAuth, so clients may not accept it for a TLS server", certSubject(f.ServerCert, "(unknown)"), eku)
		},
		Fix: func(f Facts) string {
			return "reissue it with the server profile: wsskit cert new --profile server --san IP:127.0.0.1 --ca ca.pem --ca-key ca.key --out server.pem --key-out server.key"
		},
	},
	{
		ID: CauseServerChainPathLen, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "A CA's path length limit forbids the server's chain",
		Seen:  "`x509: too many intermediates for path length constraint`; OpenSSL error 25 `path length constraint exceeded`",
		Explain: func(f Facts) string {
			ca := "a CA of the chain"
			if f.BadCert != nil {
				ca = "the CA " + certSubject(f.BadCert, "")
			}
			limit := "a path length limit"
			if f.BadCert != nil && f.BadCert.PathLen != nil {
				limit = fmt.Sprintf("pathlen:%d", *f.BadCert.PathLen)
			}
			return fmt.Sprintf("the server's chain leads to a CA we trust, but %s has %s, which allows fewer intermediate CAs below it than the chain has (%s is issued by %s)", ca, limit, certSubject(f.ServerCert, "the server's certificate"), certIssuer(f.ServerCert, "an intermediate"))
		},
		Fix: func(f Facts) string {
			return "sign the server certificate directly with that CA (wsskit cert new --profile server --ca ca.pem --ca-key ca.key ...), or reissue the CA without the limit: wsskit cert new --profile ca --path-len -1 (wsskit pki init makes its CA with pathlen:0)"
		},
	},
	{
		ID: CauseClientCertRequired, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The server demanded a client certificate and none was sent",
		Seen:  "TLS 1.3: alert 116 `certificate_required` at the first read; TLS 1.2: alert 40 `handshake_failure`; server: `tls: client didn't provide a certificate`",
		Explain: func(f Facts) string {
			if f.serverSide() {
				s := fmt.Sprintf("this server requires a client certificate and listed %s as acceptable issuers, but the client sent none", f.acceptable())
				if len(f.PeerHints) > 0 {
					s += "; " + strings.Join(f.PeerHints, "; ")
				}
				return s
			}
			return fmt.Sprintf("the server asked for a client certificate (acceptable issuers: %s) and we sent none, so it ended the handshake (%s)", f.acceptable(), f.alertText())
		},
		Fix: func(f Facts) string {
			if f.serverSide() {
				return "give the client a certificate issued by one of the listed CAs (wsskit pki init makes client.pem/client.pfx), or lower the requirement: wsskit echo --client-auth request"
			}
			return fmt.Sprintf("send one: wsskit client %s %s (or --pfx client.pfx); make one with wsskit pki init", f.url(), f.certFlags())
		},
	},
	{
		ID: CauseClientCertNotOfferedWrong, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The client certificate's issuer is not one the server lists",
		Seen:  "Java, Chromium and Go clients silently send no certificate; the server then says `didn't provide a certificate`",
		Explain: func(f Facts) string {
			return fmt.Sprintf("the server lists %s as acceptable issuers, but the client certificate %s was issued by %s; Java, Chromium and Go clients then send no certificate at all (wsskit sends it anyway)", f.acceptable(), certSubject(f.ClientCert, "(unknown)"), certIssuer(f.ClientCert, "(unknown)"))
		},
		Fix: func(f Facts) string {
			return "add the client certificate's CA to the server's trust (wsskit capath add ca/ client-ca.pem), or issue the client certificate from a CA the server lists: wsskit cert new --profile client --ca ca.pem --ca-key ca.key"
		},
	},
	{
		ID: CauseClientCertUntrusted, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The server does not accept the CA that issued our client certificate",
		Seen:  "alert 48 `unknown_ca` (OpenSSL, Go) or 42; Node closes without an alert; server: `x509: certificate signed by unknown authority`",
		Explain: func(f Facts) string {
			if f.serverSide() {
				return fmt.Sprintf("the client sent the certificate %s issued by %s, which is not among the CAs this server trusts for clients (%s)", certSubject(f.ClientCert, "(unknown)"), certIssuer(f.ClientCert, "(unknown)"), f.acceptable())
			}
			return fmt.Sprintf("the server rejected our client certificate %s (%s): its issuer %s is not among the CAs the server accepts (%s)", certSubject(f.ClientCert, "(unknown)"), f.alertText(), certIssuer(f.ClientCert, "(unknown)"), f.acceptable())
		},
		Fix: func(f Facts) string {
			return "use a client certificate from a CA the server trusts, or add our CA to the server: wsskit capath add ca/ client-ca.pem (OpenSSL-based servers), or the server's --cafile"
		},
	},
	{
		ID: CauseClientCertRejected, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The server rejected our client certificate without saying why",
		Seen:  "alert 42 `bad_certificate`, 46 `certificate_unknown`, or a closed connection right after our Certificate",
		Explain: func(f Facts) string {
			s := fmt.Sprintf("the server ended the handshake (%s) right after we sent our client certificate %s issued by %s", f.alertText(), certSubject(f.ClientCert, "(unknown)"), certIssuer(f.ClientCert, "(unknown)"))
			if len(f.ClientProblems) == 0 {
				return s + "; our local checks found nothing wrong with it, so look at the server's log (CRL, policy, or key usage rules)"
			}
			return s + "; " + strings.Join(f.ClientProblems, "; ")
		},
		Fix: func(f Facts) string {
			return "check it the way an OpenSSL server does: wsskit verify --cafile ca.pem --purpose sslclient client.pem; and read the server's log"
		},
	},
	{
		ID: CauseClientCertExpired, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "Our client certificate has expired",
		Seen:  "alert 45 `certificate_expired`, or just 42 `bad_certificate`; server: `x509: certificate has expired`",
		Explain: func(f Facts) string {
			who := "the server rejected our client certificate"
			if f.serverSide() {
				who = "the client sent a certificate that this server rejected"
			}
			return fmt.Sprintf("%s %s (%s): it expired on %s and it is now %s", who, certSubject(f.ClientCert, "(unknown)"), f.alertText(), ts(notAfter(f.ClientCert)), ts(f.now()))
		},
		Fix: func(f Facts) string {
			return "issue a new client certificate: wsskit cert new --profile client --subject /CN=client --ca ca.pem --ca-key ca.key --days 365 --out client.pem --key-out client.key"
		},
	},
	{
		ID: CauseClientCertNotYetValid, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "Our client certificate is not valid yet",
		Seen:  "alert 42 `bad_certificate` (OpenSSL error 9 on the server)",
		Explain: func(f Facts) string {
			who := "the server rejected our client certificate"
			if f.serverSide() {
				who = "the client sent a certificate that this server rejected"
			}
			return fmt.Sprintf("%s %s (%s): it is valid only from %s, but the clock says %s", who, certSubject(f.ClientCert, "(unknown)"), f.alertText(), ts(notBefore(f.ClientCert)), ts(f.now()))
		},
		Fix: func(f Facts) string {
			return "fix the clock of the machine that issued it, or reissue it (it starts now): wsskit cert new --profile client --ca ca.pem --ca-key ca.key --out client.pem --key-out client.key"
		},
	},
	{
		ID: CauseClientCertWrongUsage, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "Our client certificate lacks clientAuth",
		Seen:  "alert 43 `unsupported_certificate` (OpenSSL error 26) or 42; server: `x509: certificate specifies an incompatible key usage`",
		Explain: func(f Facts) string {
			eku := "(none)"
			if f.ClientCert != nil && len(f.ClientCert.ExtKeyUsage) > 0 {
				eku = strings.Join(f.ClientCert.ExtKeyUsage, ", ")
			}
			return fmt.Sprintf("the client certificate %s allows only the extended key usage %s, without clientAuth, so the server refused it (%s)", certSubject(f.ClientCert, "(unknown)"), eku, f.alertText())
		},
		Fix: func(f Facts) string {
			return "reissue it with the client profile: wsskit cert new --profile client --subject /CN=client --ca ca.pem --ca-key ca.key --out client.pem --key-out client.key"
		},
	},
	{
		ID: CauseClientCertRevoked, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "Our client certificate is on the server's CRL",
		Seen:  "alert 44 `certificate_revoked` (OpenSSL error 23)",
		Explain: func(f Facts) string {
			if f.serverSide() {
				return fmt.Sprintf("the client sent the certificate %s, which this server's CRL lists as revoked", certSubject(f.ClientCert, "(unknown)"))
			}
			return fmt.Sprintf("the server rejected our client certificate %s (%s): its CA revoked it and the server checks that CRL", certSubject(f.ClientCert, "(unknown)"), f.alertText())
		},
		Fix: func(f Facts) string {
			return "issue a new client certificate: wsskit cert new --profile client --ca ca.pem --ca-key ca.key --out client.pem --key-out client.key (see the CRL with wsskit show ca.crl)"
		},
	},
	{
		ID: CauseClientCertKeyMismatch, Stage: StageTLS, ExitCode: ExitBadInput,
		Title: "Our client key does not belong to our client certificate",
		Seen:  "alert 51 `decrypt_error` or 42 from the server; `tls: private key does not match public key` when loading",
		Explain: func(f Facts) string {
			return fmt.Sprintf("the private key we were given does not belong to the client certificate %s, so our CertificateVerify signature cannot be checked by the server (%s)", certSubject(f.ClientCert, "(unknown)"), f.alertText())
		},
		Fix: func(f Facts) string {
			return "pass the key made with that certificate (wsskit show client.pem client.key prints both public keys), or make a new pair: wsskit cert new --profile client --ca ca.pem --ca-key ca.key"
		},
	},
	{
		ID: CauseProtocolVersionMismatch, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The two sides have no TLS version in common",
		Seen:  "alert 70 `protocol_version`; `tls: server selected unsupported protocol version`; server: `tls: client offered only unsupported versions`",
		Explain: func(f Facts) string {
			if f.serverSide() {
				return fmt.Sprintf("the client offered %s but this server accepts only %s", f.versions(f.OfferedVersions), f.versions(f.ServerVersions))
			}
			if f.VersionsProbed && len(f.ServerVersions) > 0 {
				s := fmt.Sprintf("we offered %s and the server accepts none of them (%s); a second handshake offering only older versions got %s", f.versions(f.OfferedVersions), f.alertText(), f.versions(f.ServerVersions))
				if f.ServerVersions[0] < "1.2" {
					s += ": the server is limited to versions that today's clients (Go, browsers, OpenSSL 3 at its default security level) refuse"
				}
				return s
			}
			if len(f.ServerVersions) == 0 || f.ServerVersions[0] == "" {
				return fmt.Sprintf("we offered %s and the server accepts none of them (%s)", f.versions(f.OfferedVersions), f.alertText())
			}
			return fmt.Sprintf("we offered %s but the server chose %s (%s)", f.versions(f.OfferedVersions), f.versions(f.ServerVersions), f.alertText())
		},
		Fix: func(f Facts) string {
			if f.serverSide() {
				if len(f.OfferedVersions) > 0 && len(f.ServerVersions) > 0 && f.OfferedVersions[len(f.OfferedVersions)-1] < f.ServerVersions[0] {
					return fmt.Sprintf("update the client or its TLS settings to offer TLS 1.2 or newer; to serve it as it is, start this server with --min-tls %s (wsskit warns: legacy versions are for reproducing old peers)", f.OfferedVersions[0])
				}
				return "allow the client's versions on this server: --min-tls/--max-tls (e.g. --max-tls 1.3)"
			}
			switch {
			case len(f.OfferedVersions) > 0 && f.OfferedVersions[len(f.OfferedVersions)-1] < "1.3":
				return fmt.Sprintf("allow a version both sides support: wsskit client %s --max-tls 1.3 (a wsskit server takes --min-tls/--max-tls too)", f.url())
			case len(f.OfferedVersions) > 0 && f.OfferedVersions[0] >= "1.3":
				return fmt.Sprintf("allow a version both sides support: wsskit client %s --min-tls 1.2 (a wsskit server takes --min-tls/--max-tls too)", f.url())
			case len(f.ServerVersions) > 0 && f.ServerVersions[0] < "1.2":
				return fmt.Sprintf("enable TLS 1.2 or 1.3 on the server; to reach it as it is: wsskit client %s --min-tls %s (other clients need the same, and browsers cannot)", f.url(), f.ServerVersions[0])
			}
			return fmt.Sprintf("find what the server accepts with wsskit client %s --min-tls 1.0, then enable TLS 1.2 or 1.3 on it (a wsskit server takes --min-tls/--max-tls)", f.url())
		},
	},
	{
		ID: CauseNoSharedCipher, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The two sides have no cipher suite (or key exchange group) in common",
		Seen:  "alert 40 `handshake_failure` before any ServerHello; openssl server: `no shared cipher`; Go server: `tls: no cipher suite supported by both client and server`",
		Explain: func(f Facts) string {
			if f.serverSide() {
				return fmt.Sprintf("the client offered the cipher suites %s and none is enabled on this server (%s)", joinOr(f.OfferedCiphers, "and"), joinOr(f.ServerCiphers, "and"))
			}
			offered := joinOr(f.OfferedCiphers, "and")
			if len(f.OfferedCiphers) > 4 {
				offered = fmt.Sprintf("%d suites: ECDHE key exchange with AES-GCM, ChaCha20-Poly1305 or AES-CBC; no RSA key exchange, no DHE, no CCM", len(f.OfferedCiphers))
			}
			return fmt.Sprintf("the server refused our ClientHello (%s) before choosing anything: none of the cipher suites we offered for %s (%s) nor our key exchange groups are enabled on it", f.alertText(), f.versions(f.OfferedVersions), offered)
		},
		Fix: func(f Facts) string {
			if f.serverSide() && f.OfferedGoSuites == 0 {
				return "the client offers only suites Go's TLS does not implement (DHE, CCM, CAMELLIA, ARIA, PSK...), so no wsskit setting can meet it: have the client offer ECDHE with AES-GCM or ChaCha20 (OpenSSL: -cipher 'ECDHE+AESGCM'), or test it against an OpenSSL server (openssl s_server -cipher LIST)"
			}
			if f.serverSide() {
				return "widen this server's --ciphers list to one of the client's suites (without --ciphers, Go's defaults), or have the client offer ECDHE with AES-GCM or ChaCha20"
			}
			return "enable an ECDHE suite with AES-GCM or ChaCha20 on the server (OpenSSL: -cipher 'ECDHE+AESGCM'); reproduce its set with wsskit server --ciphers LIST"
		},
	},
	{
		ID: CauseSNIRequired, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The server needs a server name (SNI) it knows",
		Seen:  "alert 112 `unrecognized_name`; an IP literal is never sent as SNI",
		Explain: func(f Facts) string {
			if f.ServerName == "" {
				return fmt.Sprintf("we sent %s and the server has no certificate for a connection without a name (%s): it picks its certificate by the name the client sends", f.sniText(), f.alertText())
			}
			return fmt.Sprintf("we sent %s and the server has no certificate for that name (%s): it picks its certificate by the name the client sends", f.sniText(), f.alertText())
		},
		Fix: func(f Facts) string {
			return fmt.Sprintf("send the name the server expects: wsskit client %s --servername NAME", f.url())
		},
	},
	{
		ID: CauseClientClosedHandshake, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The client hung up during the handshake without an alert",
		Seen:  "server: `EOF` or `connection reset by peer` after its ServerHello",
		Explain: func(f Facts) string {
			s := fmt.Sprintf("the client closed the connection during the handshake without sending an alert, after it received this server's certificate %s (%s)", certSubject(f.ServerCert, ""), certSANs(f.ServerCert))
			if len(f.PeerHints) > 0 {
				s += "; " + strings.Join(f.PeerHints, "; ")
			}
			return s
		},
		Fix: func(f Facts) string {
			return "look at the client's own error; for a quick cross-check run wsskit client against this server with the client's CA: wsskit client wss://HOST:PORT/ --cafile ca.pem"
		},
	},
	{
		ID: CauseTLSAlertUnknown, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The peer sent a TLS alert that nothing here explains",
		Seen:  "`remote error: tls: ...` with an unusual alert; a server sees internal_error (80) from an OpenSSL client whose own verify callback refused the certificate (asio's host_name_verification in websocketpp and Beast)",
		Explain: func(f Facts) string {
			if f.serverSide() && f.Alert != nil && f.Alert.Code == 80 {
				// OpenSSL maps a verify callback's plain "no" (X509_V_OK
				// left as the error) to internal_error: asio's
				// host_name_verification does exactly that.
				return fmt.Sprintf("the client ended the handshake with %s after this server's hello; OpenSSL-based clients (websocketpp, Boost.Beast and other asio users) send exactly this when their own verify callback rejects the certificate, most often asio's host_name_verification/rfc2818_verification given a host that is not among the certificate's names (%s)%s", f.alertText(), certSANs(f.ServerCert), f.plainAlertNote())
			}
			return fmt.Sprintf("the peer ended the handshake with %s, and nothing it or we sent explains it further", f.alertText())
		},
		Fix: func(f Facts) string {
			if f.serverSide() && f.Alert != nil && f.Alert.Code == 80 {
				return "give the client's host_name_verification(HOST) a name the certificate holds (or reissue it with that name: wsskit cert new --profile server --san IP:ADDR --san DNS:HOST ...); if the names match, print the client's SSL_get_verify_result and its verify callback's decision"
			}
			return fmt.Sprintf("compare both sides' settings with the record trace: wsskit client %s --trace, and read the server's log", f.url())
		},
	},
	{
		ID: CauseTLSUnexplained, Stage: StageTLS, ExitCode: ExitTLS,
		Title: "The TLS handshake failed for another reason",
		Seen:  "`EOF` during the handshake, `tls: ...` local errors; a server sees `EOF` before any ClientHello from port checks and health probes",
		Explain: func(f Facts) string {
			switch {
			case f.serverSide() && f.ServerName == "" && len(f.OfferedVersions) == 0:
				return fmt.Sprintf("the connection ended before the client sent its ClientHello (%s): a TCP port check, a load balancer's health probe, or a client that gave up or expected another protocol", orDefault(f.Raw, "unknown error"))
			case f.serverSide():
				return fmt.Sprintf("the handshake with the client failed (%s) without an alert or certificate problem that explains it", orDefault(f.Raw, "unknown error"))
			case f.ClosedOnHello:
				return fmt.Sprintf("%s closed the connection on our ClientHello without sending a byte or an alert (%s): it may not speak TLS on this port (a plain service waiting for its own protocol), it may be a TLS server that drops offers it cannot serve instead of answering with an alert (we offered %s), or a proxy with no backend", f.hostPort(), orDefault(f.Raw, "EOF"), f.versions(f.OfferedVersions))
			}
			return fmt.Sprintf("the TLS handshake with %s failed (%s) without an alert or certificate problem that explains it", f.hostPort(), orDefault(f.Raw, "unknown error"))
		},
		Fix: func(f Facts) string {
			switch {
			case f.serverSide() && f.ServerName == "" && len(f.OfferedVersions) == 0:
				return "nothing to fix if it was a port check; if a real client reports a failure, run it against this server and read its own error (wsskit client wss://HOST:PORT/ --trace shows what a working client sends)"
			case f.serverSide():
				return "read the client's own error; wsskit client wss://HOST:PORT/ --trace shows what a working client sends"
			case f.ClosedOnHello:
				return fmt.Sprintf("check the port and the scheme (plain: wsskit client %s), try older versions (--min-tls 1.0), and read the server's log; --trace shows what we sent", strings.Replace(f.url(), "wss://", "ws://", 1))
			}
			return fmt.Sprintf("look at the record trace and the server's log: wsskit client %s --trace", f.url())
		},
	},
	{
		ID: CauseHTTPNotWebSocket, Stage: StageHTTP, ExitCode: ExitHTTP,
		Title: "The server answered HTTP but did not upgrade",
		Seen:  "`websocket: bad handshake` with status 200 (e.g. openssl s_server -www, a web server)",
		Explain: func(f Facts) string {
			return fmt.Sprintf("%s answered our upgrade request for %s with %s instead of 101 Switching Protocols: nothing at that path speaks WebSocket", f.hostPort(), f.pathOr("/"), orDefault(f.HTTPStatus, "a plain HTTP response"))
		},
		Fix: func(f Facts) string {
			return "check the path and that the server is a WebSocket server (wsskit echo serves /echo); the first bytes of the answer are shown above"
		},
	},
	{
		ID: CauseHTTPNoAnswer, Stage: StageHTTP, ExitCode: ExitHTTP,
		Title: "The server closed the connection instead of answering the upgrade",
		Seen:  "`EOF` or `unexpected EOF` while reading the HTTP response",
		Explain: func(f Facts) string {
			return fmt.Sprintf("%s closed the connection without answering our upgrade request for %s (%s)", f.hostPort(), f.pathOr("/"), orDefault(f.Raw, "EOF"))
		},
		Fix: func(f Facts) string {
			return fmt.Sprintf("read the server's log; check with the record trace what it sent: wsskit client %s --trace", f.url())
		},
	},
	{
		ID: CauseUpgradeBadRequest, Stage: StageHTTP, ExitCode: ExitHTTP,
		Title: "The upgrade got 400 Bad Request",
		Seen:  "`websocket: bad handshake`, status 400",
		Explain: func(f Facts) string {
			return fmt.Sprintf("the server refused our upgrade request with %s%s: it found a header missing or wrong", orDefault(f.HTTPStatus, "400 Bad Request"), detail(f.HTTPDetail))
		},
		Fix: func(f Facts) string {
			return fmt.Sprintf("compare the request headers shown above with what the server expects, and add them: wsskit client %s --header 'Name: value' --subprotocol P", f.url())
		},
	},
	{
		ID: CauseUpgradeUnauthorized, Stage: StageHTTP, ExitCode: ExitHTTP,
		Title: "The upgrade got 401 Unauthorized",
		Seen:  "`websocket: bad handshake`, status 401",
		Explain: func(f Facts) string {
			return fmt.Sprintf("the server wants credentials before it upgrades (%s%s)", orDefault(f.HTTPStatus, "401 Unauthorized"), detail(f.HTTPDetail))
		},
		Fix: func(f Facts) string {
			return fmt.Sprintf("send them: wsskit client %s --header 'Authorization: Bearer TOKEN'", f.url())
		},
	},
	{
		ID: CauseUpgradeForbidden, Stage: StageHTTP, ExitCode: ExitHTTP,
		Title: "The upgrade got 403 Forbidden (often the Origin)",
		Seen:  "`websocket: bad handshake`, status 403",
		Explain: func(f Facts) string {
			origin := "no Origin header"
			if f.Origin != "" {
				origin = "Origin " + f.Origin
			}
			return fmt.Sprintf("the server refused the upgrade with %s; we sent %s, and WebSocket servers usually answer 403 to an Origin they do not allow%s", orDefault(f.HTTPStatus, "403 Forbidden"), origin, detail(f.HTTPDetail))
		},
		Fix: func(f Facts) string {
			return fmt.Sprintf("send an allowed Origin: wsskit client %s --origin https://allowed.example (wsskit echo: origins: in its config)", f.url())
		},
	},
	{
		ID: CauseUpgradeNotFound, Stage: StageHTTP, ExitCode: ExitHTTP,
		Title: "The upgrade got 404 Not Found",
		Seen:  "`websocket: bad handshake`, status 404",
		Explain: func(f Facts) string {
			return fmt.Sprintf("the server has nothing at the path %s (%s)", f.pathOr("/"), orDefault(f.HTTPStatus, "404 Not Found"))
		},
		Fix: func(f Facts) string {
			return "dial the path the server serves (wsskit echo: /echo, /broadcast, /info): wsskit client " + f.withPath("/echo")
		},
	},
	{
		ID: CauseUpgradeVersion, Stage: StageHTTP, ExitCode: ExitHTTP,
		Title: "The upgrade got 426 Upgrade Required",
		Seen:  "`websocket: bad handshake`, status 426",
		Explain: func(f Facts) string {
			return fmt.Sprintf("the server answered %s: it wants another protocol or WebSocket version than our Sec-WebSocket-Version 13%s", orDefault(f.HTTPStatus, "426 Upgrade Required"), detail(f.HTTPDetail))
		},
		Fix: func(f Facts) string {
			return "check the Upgrade and Sec-WebSocket-Version headers of the answer shown above, and whether that URL is really a WebSocket endpoint"
		},
	},
	{
		ID: CauseUpgradeRedirect, Stage: StageHTTP, ExitCode: ExitHTTP,
		Title: "The upgrade got a redirect",
		Seen:  "`websocket: bad handshake`, status 301/302/307/308",
		Explain: func(f Facts) string {
			return fmt.Sprintf("the server answered %s%s; WebSocket clients do not follow redirects", orDefault(f.HTTPStatus, "a redirect"), detail(f.HTTPDetail))
		},
		Fix: func(f Facts) string {
			return "dial the URL it redirects to (shown as Location above), with ws/wss instead of http/https"
		},
	},
	{
		ID: CauseUpgradeServerError, Stage: StageHTTP, ExitCode: ExitHTTP,
		Title: "The upgrade got a server error",
		Seen:  "`websocket: bad handshake`, status 5xx (e.g. 502 from a proxy)",
		Explain: func(f Facts) string {
			return fmt.Sprintf("the server (or a proxy in front of it) failed with %s%s", orDefault(f.HTTPStatus, "a 5xx status"), detail(f.HTTPDetail))
		},
		Fix: func(f Facts) string {
			return "read the server's or proxy's log; a proxy needs WebSocket support (Upgrade and Connection headers passed on)"
		},
	},
	{
		ID: CauseUpgradeInvalidResponse, Stage: StageHTTP, ExitCode: ExitHTTP,
		Title: "The server said 101 but the upgrade answer is invalid",
		Seen:  "`websocket: bad handshake` with status 101 (wrong Sec-WebSocket-Accept, missing Upgrade/Connection), `malformed HTTP response`",
		Explain: func(f Facts) string {
			return fmt.Sprintf("the answer to our upgrade is not a valid WebSocket handshake (%s%s)", orDefault(f.HTTPStatus, orDefault(f.Raw, "malformed")), detail(f.HTTPDetail))
		},
		Fix: func(f Facts) string {
			return fmt.Sprintf("a proxy or a broken server rewrote the answer; compare with wsskit client %s --trace", f.url())
		},
	},
	{
		ID: CauseWSPolicyViolation, Stage: StageWS, ExitCode: ExitWebSocket,
		Title: "The server closed the WebSocket with 1008 policy violation",
		Seen:  "`websocket: close 1008 (policy violation)`",
		Explain: func(f Facts) string {
			return fmt.Sprintf("the server closed the WebSocket with code 1008 (policy violation)%s: it refused something we sent or who we are", reason(f.CloseReason))
		},
		Fix: func(f Facts) string {
			return "the reason above names the policy; check the message format, the Origin and the credentials the server expects"
		},
	},
	{
		ID: CauseWSClosedAbnormally, Stage: StageWS, ExitCode: ExitWebSocket,
		Title: "The WebSocket ended without a close frame (1006)",
		Seen:  "`websocket: close 1006 (abnormal closure): unexpected EOF`; browsers show 1006",
		Explain: func(f Facts) string {
			return fmt.Sprintf("the connection to %s ended without a WebSocket close frame (1006 abnormal closure: %s): the server process or a proxy dropped it", f.hostPort(), orDefault(f.Raw, "EOF"))
		},
		Fix: func(f Facts) string {
			return "read the server's log at that moment; a proxy idle timeout or a crashed handler are the usual reasons"
		},
	},
	{
		ID: CauseWSClosedByPeer, Stage: StageWS, ExitCode: ExitWebSocket,
		Title: "The server closed the WebSocket with an error code",
		Seen:  "`websocket: close 1002/1003/1009/1011/...`",
		Explain: func(f Facts) string {
			return fmt.Sprintf("the server closed the WebSocket with code %d (%s)%s", f.CloseCode, closeCodeName(f.CloseCode), reason(f.CloseReason))
		},
		Fix: func(f Facts) string {
			return "the close code names the problem (1003: message type refused, 1009: message too big, 1011: server error); read the server's log"
		},
	},
	{
		ID: CauseWSNoReply, Stage: StageWS, ExitCode: ExitWebSocket,
		Title: "No reply arrived",
		Seen:  "`i/o timeout` while waiting for a message",
		Explain: func(f Facts) string {
			return fmt.Sprintf("the WebSocket is open but the server sent no message within %s after ours", f.timeoutText())
		},
		Fix: func(f Facts) string {
			return fmt.Sprintf("check that the endpoint answers (an echo service does): wsskit client %s --send ping --timeout 30s", f.url())
		},
	},
	{
		ID: CauseExpectMismatch, Stage: StageWS, ExitCode: ExitCheckFailed,
		Title: "The reply differed from --expect",
		Seen:  "`--expect` given and the reply differs",
		Explain: func(f Facts) string {
			return fmt.Sprintf("we expected the reply %q but received %q", f.Expected, f.Got)
		},
		Fix: func(f Facts) string {
			return "check what the server sends (run without --expect to see every message)"
		},
	},
}

func (f Facts) withPath(p string) string {
	u, err := url.Parse(f.url())
	if err != nil || u.Host == "" {
		return "wss://" + f.hostPortOr("HOST:PORT") + p
	}
	u.Path = p
	return u.String()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func ipOr(h string) string {
	if net.ParseIP(h) != nil {
		return h
	}
	return ""
}

func detail(d string) string {
	if d == "" {
		return ""
	}
	return " (" + d + ")"
}

func reason(r string) string {
	if r == "" {
		return " and no reason"
	}
	return fmt.Sprintf(" and the reason %q", r)
}

func notAfter(c *CertInfo) time.Time {
	if c == nil {
		return time.Time{}
	}
	return c.NotAfter
}

func notBefore(c *CertInfo) time.Time {
	if c == nil {
		return time.Time{}
	}
	return c.NotBefore
}

var closeCodeNames = map[int]string{
	1000: "normal closure", 1001: "going away", 1002: "protocol error", 1003: "unsupported data",
	1005: "no status", 1006: "abnormal closure", 1007: "invalid payload data", 1008: "policy violation",
	1009: "message too big", 1010: "mandatory extension", 1011: "internal server error",
	1012: "service restart", 1013: "try again later", 1014: "bad gateway", 1015: "TLS handshake failure",
}

func closeCodeName(c int) string {
	if n, ok := closeCodeNames[c]; ok {
		return n
	}
	if c >= 3000 && c < 5000 {
		return "application-defined"
	}
	return "unknown code"
}

// causeIDs returns all ids, sorted, for tests.
func causeIDs() []string {
	ids := make([]string, 0, len(causes))
	for _, c := range causes {
		ids = append(ids, c.ID)
	}
	sort.Strings(ids)
	return ids
}
