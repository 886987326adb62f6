// Package probe holds the TLS and WebSocket client probe, the diagnostic
// server, the record-layer tracer, the load generator and the single
// failure→cause table that every other part of wsskit uses to explain a
// failed handshake.
//
// It returns reports (structs); it never prints.
//
// Client: Run (scripted: send, expect, close) and Dial (returns a Session for
// interactive use or for forwarding frames, as the bridge does) walk the
// stages resolve → tcp → tls → http → ws, each bounded by Options.Timeout,
// and fill a Report. On failure they return a *FailureError whose Failure
// names the stage, the raw error, the TLS alert, a cause_id from Causes,
// one sentence and a fix. The probe verifies the server's chain itself, so
// the verdict is reported even with Insecure, and it always sends the
// configured client certificate when asked, noting when Go, Java or Chromium
// would have sent none.
//
// Diagnosis is inference from what the handshake saw (did a ServerHello
// arrive, did a CertificateRequest come and what did it list, what did we
// send) plus local checks of our own certificate, not string matching:
// crypto/tls returns a received alert as a *net.OpError "remote error" over
// TCP (AlertFromError reads its code), and under TLS 1.3 a rejected client
// certificate surfaces only at the first read after the handshake, which is
// the HTTP upgrade's answer.
//
// Server: NewServer/Start/Shutdown run the diagnostic server (wsskit server),
// reporting ServerEvents. ExplainServerHandshake gives any Go TLS server the
// server-side view of a failed handshake and the likely client-side reason.
//
// Causes and TroubleshootingMarkdown generate docs/troubleshooting.md
// (go generate ./probe); a test fails when the page is stale.
package probe
