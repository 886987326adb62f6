package probe

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/wsskit/wsskit/pki"
)

//go:generate go test -run TestTroubleshootingDoc -update .

// ExampleFacts are the facts of the canonical broken setup used to render
// every cause's sentence on the troubleshooting page: a wsskit test PKI, a
// server on 127.0.0.1:8443 and a client certificate.
func ExampleFacts() Facts {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	server := &CertInfo{
		Subject: "CN=127.0.0.1,O=wsskit test", Issuer: "CN=wsskit test CA,O=wsskit test",
		SANs:      []string{"IP:127.0.0.1", "DNS:localhost"},
		NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC),
		Key: "ECDSA P-256", ExtKeyUsage: []string{"serverAuth"},
	}
	client := &CertInfo{
		Subject: "CN=client,O=wsskit test", Issuer: "CN=other CA",
		NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC),
		Key: "ECDSA P-256", ExtKeyUsage: []string{"serverAuth"},
	}
	return Facts{
		Side: "client", URL: "wss://127.0.0.1:8443/echo", Host: "127.0.0.1", Port: "8443", Path: "/echo",
		Timeout: 10 * time.Second, FirstBytes: `"HTTP/1.1 400 Bad Request"`,
		OfferedVersions: []string{"1.2", "1.3"}, ServerVersions: []string{"1.0", "1.1"},
		OfferedCiphers: []string{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
		ServerCiphers:  []string{"TLS_RSA_WITH_AES_128_CBC_SHA"},
		ServerCert:     server, BadCert: server, VerifyError: "x509: certificate signed by unknown authority",
		OpenSSL: "error 20 at 0 depth lookup: unable to get local issuer certificate", Roots: "--cafile ca.pem",
		CertRequested: true, AcceptableCAs: []string{"CN=wsskit test CA,O=wsskit test"},
		ClientCert: client, ClientCertSent: true,
		ClientProblems: []string{`its issuer "CN=other CA" is not among the CAs the server listed`},
		Now:            now, HTTPStatus: "403 Forbidden", HTTPDetail: "body: origin not allowed", Origin: "https://evil.example",
		CloseCode: 1008, CloseReason: "not allowed", Expected: "pong", Got: "ping",
		Raw: "remote error: tls: unknown certificate authority",
	}
}

// TroubleshootingMarkdown renders docs/troubleshooting.md from the cause
// table, each cause's sentence and fix shown for ExampleFacts.
func TroubleshootingMarkdown() []byte {
	var b bytes.Buffer
	b.WriteString("<!-- Generated from probe/causes.go by `go generate ./probe`. Do not edit. -->\n\n")
	b.WriteString("# Troubleshooting wss:// connections\n\n")
	b.WriteString("`wsskit client` (and `server`, `echo`, `bridge`) explain every failure with a stage, the raw\n")
	b.WriteString("error, one sentence naming both sides' facts, and a fix. Each explanation has a stable\n")
	b.WriteString("`cause_id` (the `cause_id` field of `--json` output). This page lists them all; the\n")
	b.WriteString("sentences below are rendered for an example setup (server `wss://127.0.0.1:8443/echo`,\n")
	b.WriteString("certificates from `wsskit pki init`), so the names and dates in them are examples.\n\n")
	b.WriteString("Exit codes: 1 `--expect` mismatch, 3 bad input, 4 network, 5 TLS, 6 HTTP upgrade, 7 WebSocket.\n\n")
	b.WriteString(jsonSchemaDoc)
	b.WriteString("| cause_id | stage | exit | what happened |\n| --- | --- | --- | --- |\n")
	for _, c := range causes {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %d | %s |\n", c.ID, anchor(c.ID), c.Stage, c.ExitCode, c.Title)
	}
	ex := ExampleFacts()
	for _, c := range causes {
		f := ex
		f.Stage = c.Stage
		if tweak := exampleTweaks[c.ID]; tweak != nil {
			tweak(&f)
		}
		fmt.Fprintf(&b, "\n## %s\n\n", c.ID)
		fmt.Fprintf(&b, "**%s.** Stage `%s`, exit code %d.\n\n", c.Title, c.Stage, c.ExitCode)
		fmt.Fprintf(&b, "- Seen as: %s\n", c.Seen)
		fmt.Fprintf(&b, "- Cause (example): %s.\n", c.Explain(f))
		fmt.Fprintf(&b, "- Fix (example): %s\n", mdCode(c.Fix(f)))
	}
	writeVerifyErrors(&b)
	return b.Bytes()
}

// verifyCodes are the OpenSSL verify errors wsskit users meet, in number
// order; pki's verifier knows them all (pki/verify_errors.go).
var verifyCodes = []int{2, 3, 7, 8, 9, 10, 11, 12, 18, 19, 20, 21, 22, 23, 25, 26, 32, 34, 47, 48, 62, 63, 64, 79}

// writeVerifyErrors documents OpenSSL's numbered verify errors as `wsskit
// verify` and the client's server-chain verdict report them, from the same
// table pki uses, with the cause_id the JSON output gives for each role.
func writeVerifyErrors(b *bytes.Buffer) {
	b.WriteString("\n## OpenSSL verify errors\n\n")
	b.WriteString("`wsskit verify` prints OpenSSL 3.0's numbered errors exactly as `openssl verify` does\n")
	b.WriteString("(`error N at D depth lookup: TEXT`), and `wsskit client` adds the same verdict on the\n")
	b.WriteString("server's chain when trust is given with `--capath`/`--cafile` (what an OpenSSL-based client\n")
	b.WriteString("such as websocketpp would report). Each comes with a cause sentence naming the certificate\n")
	b.WriteString("and a fix; in `--json` each has a `cause_id`: the role-specific id from the table above\n")
	b.WriteString("when the purpose (`sslclient`/`sslserver`) says which side the certificate is, otherwise\n")
	b.WriteString("`verify_` and OpenSSL's name.\n\n")
	b.WriteString("| code | OpenSSL text | cause_id as client certificate | as server certificate | fix (example) |\n| --- | --- | --- | --- | --- |\n")
	for _, code := range verifyCodes {
		ve := pki.VerifyError{Code: code, Depth: 0, Text: pki.VerifyErrorString(code), Wanted: "127.0.0.2"}
		if code == 26 {
			ve.Wanted = "sslclient"
		}
		fmt.Fprintf(b, "| %d | %s | `%s` | `%s` | %s |\n", code, ve.Text, ve.CauseID("sslclient"), ve.CauseID("sslserver"),
			strings.ReplaceAll(mdCommands(ve.Fix()), "|", "\\|"))
	}
}

// mdCommands puts every "wsskit CMD ..." command in s in backticks. A
// command runs from "wsskit" to the word before "or", "then" or "and", or
// to a word ending in ",", ";" or ")".
func mdCommands(s string) string {
	words := strings.Split(s, " ")
	var out []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		next := ""
		if i+1 < len(words) {
			next = words[i+1]
		}
		lead := ""
		if w == "(wsskit" {
			lead, w = "(", "wsskit"
		}
		if w != "wsskit" || next == "" || strings.ToLower(next) != next || strings.ContainsAny(next[:1], "-(") {
			out = append(out, lead+w)
			continue
		}
		words[i] = w
		var cmd []string
		tail := ""
		for ; i < len(words); i++ {
			w := words[i]
			if len(cmd) > 1 && (w == "or" || w == "then" || w == "and" || w == "(or") {
				i--
				break
			}
			if t := strings.TrimRight(w, ",;)"); t != w {
				cmd, tail = append(cmd, t), w[len(t):]
				break
			}
			cmd = append(cmd, w)
		}
		out = append(out, lead+"`"+strings.Join(cmd, " ")+"`"+tail)
	}
	return strings.Join(out, " ")
}

// anchor is the GitHub heading anchor of a cause id (ids are already lower snake case).
func anchor(id string) string { return id }

// mdCode puts a trailing "wsskit ..." command in backticks.
func mdCode(s string) string {
	i := strings.Index(s, "wsskit ")
	if i < 0 {
		return s
	}
	end := len(s)
	// A command ends at " (", "; " or ", or" when the sentence goes on.
	for _, stop := range []string{" (", ")", "; ", ", or "} {
		if j := strings.Index(s[i:], stop); j >= 0 && i+j < end {
			end = i + j
		}
	}
	return s[:i] + "`" + s[i:end] + "`" + mdCode(s[end:])
}

// exampleTweaks adjust ExampleFacts so each cause's example reads like the
// broken setup it describes.
var exampleTweaks = map[string]func(*Facts){
	CauseDNSFailed: func(f *Facts) {
		f.Host, f.URL = "wss.example.test", "wss://wss.example.test:8443/echo"
		f.Raw = "lookup wss.example.test: no such host"
	},
	CauseNetworkError:     func(f *Facts) { f.Raw = "read tcp 127.0.0.1:50312->127.0.0.1:8443: read: connection reset by peer" },
	CauseTLSToPlainServer: func(f *Facts) { f.URL = "wss://127.0.0.1:8080/echo"; f.Port = "8080" },
	CausePlainToTLSServer: func(f *Facts) {
		f.URL = "ws://127.0.0.1:8443/echo"
		f.FirstBytes = `"\x15\x03\x01\x00\x02\x02\x46" (a TLS alert record)`
	},
	CauseServerCertNameMismatch: func(f *Facts) {
		f.Host, f.URL = "127.0.0.2", "wss://127.0.0.2:8443/echo"
	},
	CauseServerCertCNOnly: func(f *Facts) {
		f.ServerCert = &CertInfo{Subject: "CN=127.0.0.1", Issuer: "CN=wsskit test CA"}
	},
	CauseServerCertWrongUsage: func(f *Facts) {
		c := *f.ServerCert
		c.ExtKeyUsage = []string{"clientAuth"}
		f.ServerCert = &c
	},
	CauseClientCertRequired: func(f *Facts) {
		f.ClientCert, f.ClientCertSent = nil, false
		f.Alert = &Alert{Name: "certificate_required", Code: 116}
	},
	CauseClientCertUntrusted: func(f *Facts) { f.Alert = &Alert{Name: "unknown_ca", Code: 48} },
	CauseClientCertRejected:  func(f *Facts) { f.Alert = &Alert{Name: "bad_certificate", Code: 42} },
	CauseClientCertExpired:   func(f *Facts) { f.Alert = &Alert{Name: "certificate_expired", Code: 45} },
	CauseClientCertNotYetValid: func(f *Facts) {
		c := *f.ClientCert
		c.NotBefore = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
		c.NotAfter = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
		f.ClientCert = &c
		f.Alert = &Alert{Name: "bad_certificate", Code: 42}
	},
	CauseClientCertWrongUsage: func(f *Facts) { f.Alert = &Alert{Name: "unsupported_certificate", Code: 43} },
	CauseClientCertRevoked:    func(f *Facts) { f.Alert = &Alert{Name: "certificate_revoked", Code: 44} },
	CauseClientCertKeyMismatch: func(f *Facts) {
		f.Alert = &Alert{Name: "decrypt_error", Code: 51}
	},
	CauseProtocolVersionMismatch: func(f *Facts) { f.Alert = &Alert{Name: "protocol_version", Code: 70} },
	CauseNoSharedCipher:          func(f *Facts) { f.Alert = &Alert{Name: "handshake_failure", Code: 40} },
	CauseSNIRequired: func(f *Facts) {
		f.Alert = &Alert{Name: "unrecognized_name", Code: 112}
	},
	CauseTLSAlertUnknown: func(f *Facts) { f.Alert = &Alert{Name: "internal_error", Code: 80} },
	CauseTLSUnexplained:  func(f *Facts) { f.Raw = "EOF" },
	CauseHTTPNotWebSocket: func(f *Facts) {
		f.HTTPStatus, f.Path = "200 OK", "/"
	},
	CauseHTTPNoAnswer:      func(f *Facts) { f.Raw = "EOF" },
	CauseUpgradeBadRequest: func(f *Facts) { f.HTTPStatus, f.HTTPDetail = "400 Bad Request", "body: missing Sec-WebSocket-Protocol" },
	CauseUpgradeUnauthorized: func(f *Facts) {
		f.HTTPStatus, f.HTTPDetail = "401 Unauthorized", `WWW-Authenticate: Bearer realm="api"`
	},
	CauseUpgradeNotFound: func(f *Facts) { f.HTTPStatus, f.Path = "404 Not Found", "/ws" },
	CauseUpgradeVersion: func(f *Facts) {
		f.HTTPStatus, f.HTTPDetail = "426 Upgrade Required", "Sec-WebSocket-Version: 8"
	},
	CauseUpgradeRedirect: func(f *Facts) {
		f.HTTPStatus, f.HTTPDetail = "301 Moved Permanently", "Location: https://127.0.0.1:8443/echo/"
	},
	CauseUpgradeServerError: func(f *Facts) { f.HTTPStatus, f.HTTPDetail = "502 Bad Gateway", "" },
	CauseUpgradeInvalidResponse: func(f *Facts) {
		f.HTTPStatus, f.HTTPDetail = "101 Switching Protocols", "Sec-WebSocket-Accept does not match our key"
	},
	CauseWSClosedAbnormally: func(f *Facts) { f.Raw = "unexpected EOF" },
	CauseWSClosedByPeer:     func(f *Facts) { f.CloseCode, f.CloseReason = 1011, "handler crashed" },
}

// jsonSchemaDoc documents the --json forms; field names are the json tags
// of Report, Failure and ServerEvent.
const jsonSchemaDoc = `## JSON output

` + "`wsskit client --json`" + ` prints one object (` + "`probe.Report`" + `): ` + "`url`, `scheme`, `host`, `port`, `path`" + `;
` + "`stages`" + ` (each ` + "`stage`, `ok`, `duration_ns`, `error`" + `); ` + "`resolve`" + ` (` + "`literal`, `addrs`" + `);
` + "`tcp`" + ` (` + "`local`, `remote`" + `); ` + "`tls`" + ` (` + "`offered`" + ` {` + "`versions`, `sni`, `alpn`, `cipher_suites`" + `},
` + "`version`, `cipher_suite`, `group`, `alpn`, `server_hello`, `server_chain`" + ` [certificates with
` + "`subject`, `issuer`, `sans`, `not_before`, `not_after`, `key`, `ext_key_usage`, `is_ca`, `self_signed`, `sha256`" + `],
` + "`verification`" + ` {` + "`ok`, `skipped`, `roots`, `error`, `cause_id`, `cause`, `openssl`" + ` [{` + "`code`, `depth`, `text`" + `}], ` + "`problems`" + `},
` + "`client_auth`" + ` {` + "`requested`, `acceptable_cas`, `signature_schemes`, `sent`, `sent_chain`, `configured`, `issuer_listed`, `problems`" + `},
` + "`rejected_after_handshake`" + `); ` + "`http`" + ` (` + "`request`, `status`, `status_code`, `headers`, `body`, `first_bytes`" + `);
` + "`ws`" + ` (` + "`subprotocol`, `extensions`, `messages`" + ` [{` + "`dir`, `type`, `size`, `latency_ns`, `data`" + `}], ` + "`close`" + ` {` + "`by`, `code`, `reason`, `clean`" + `});
` + "`trace`" + ` (with ` + "`--trace`" + `: ` + "`at_ns`, `dir`, `type`, `version`, `length`, `encrypted`, `messages`, `alert`, `alert_level`, `bytes`" + `);
` + "`notes`" + ` ({` + "`cause_id`, `text`" + `}); and on failure ` + "`failure`" + `:

` + "```json" + `
{"stage": "tls", "raw": "remote error: tls: unknown certificate authority",
 "alert": {"name": "unknown_ca", "code": 48, "sent": false},
 "cause_id": "client_cert_untrusted", "cause": "...", "fix": "...", "exit_code": 5}
` + "```" + `

` + "`wsskit server --json`" + ` prints one object per line (` + "`probe.ServerEvent`" + `): ` + "`time`, `conn`, `remote`, `kind`" + `
(listening, accepted, client_hello, handshake, handshake_failed, plain_http_on_tls, tls_on_plain,
raw_bytes, http_request, ws_open, ws_message, ws_close, closed, trace), ` + "`text`" + `, and as the kind needs
` + "`client_hello`, `tls`, `failure`, `request`, `message`, `close`, `bytes`, `trace`" + `.

`
