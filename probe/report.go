package probe

import "time"

// Report is everything the client probe saw, stage by stage. Its JSON form
// is wsskit client's --json schema; fields of stages that were not reached
// are omitted.
type Report struct {
	// URL is the URL dialled; Scheme, Host, Port and Path its parts.
	URL    string `json:"url"`
	Scheme string `json:"scheme"`
	Host   string `json:"host"`
	Port   string `json:"port"`
	Path   string `json:"path"`
	// Stages lists each stage reached, in order, with its timing.
	Stages  []StageResult `json:"stages"`
	Resolve *ResolveInfo  `json:"resolve,omitempty"`
	TCP     *TCPInfo      `json:"tcp,omitempty"`
	TLS     *TLSInfo      `json:"tls,omitempty"`
	HTTP    *HTTPInfo     `json:"http,omitempty"`
	WS      *WSInfo       `json:"ws,omitempty"`
	// Trace holds the TLS records, when Options.Trace was set.
	Trace []TraceEvent `json:"trace,omitempty"`
	// Notes are findings that did not make the connection fail.
	Notes []Note `json:"notes,omitempty"`
	// Failure is the diagnosis when the connection failed.
	Failure *Failure `json:"failure,omitempty"`
}

// StageResult is one stage's outcome.
type StageResult struct {
	Stage Stage `json:"stage"`
	OK    bool  `json:"ok"`
	// Duration is how long the stage took, in nanoseconds in JSON.
	Duration time.Duration `json:"duration_ns"`
	// Error is the raw error that ended the stage.
	Error string `json:"error,omitempty"`
}

// Note is a finding that did not make the connection fail, with the cause
// id it would have under a stricter peer.
type Note struct {
	CauseID string `json:"cause_id,omitempty"`
	Text    string `json:"text"`
}

// ResolveInfo is the resolve stage.
type ResolveInfo struct {
	// Literal is true when the host was an IP literal (nothing resolved).
	Literal bool     `json:"literal"`
	Addrs   []string `json:"addrs"`
}

// TCPInfo is the tcp stage.
type TCPInfo struct {
	Local  string `json:"local"`
	Remote string `json:"remote"`
}

// TLSOffer is what the client offered.
type TLSOffer struct {
	Versions []string `json:"versions"`
	// SNI is the server name sent, or "none: IP literal" / "none".
	SNI          string   `json:"sni"`
	ALPN         []string `json:"alpn"`
	CipherSuites []string `json:"cipher_suites"`
}

// TLSInfo is the tls stage.
type TLSInfo struct {
	Offered TLSOffer `json:"offered"`
	// Version, CipherSuite, Group and ALPN are what the server chose.
	Version     string `json:"version,omitempty"`
	CipherSuite string `json:"cipher_suite,omitempty"`
	Group       string `json:"group,omitempty"`
	ALPN        string `json:"alpn,omitempty"`
	Resumed     bool   `json:"resumed,omitempty"`
	// ServerHello is true when a ServerHello arrived.
	ServerHello bool `json:"server_hello"`
	// ServerChain is the chain the server sent, leaf first.
	ServerChain  []*CertInfo   `json:"server_chain,omitempty"`
	Verification *Verification `json:"verification,omitempty"`
	// ClientAuth describes the server's CertificateRequest and our answer.
	ClientAuth ClientAuthInfo `json:"client_auth"`
	// RejectedAfterHandshake is true when the server refused us only at the
	// first read after a completed TLS 1.3 handshake.
	RejectedAfterHandshake bool `json:"rejected_after_handshake,omitempty"`
}

// ClientAuthInfo describes client-certificate authentication.
type ClientAuthInfo struct {
	// Requested is true when the server sent a CertificateRequest.
	Requested bool `json:"requested"`
	// AcceptableCAs are the CA names it listed (RFC 4514).
	AcceptableCAs []string `json:"acceptable_cas,omitempty"`
	// SignatureSchemes are the schemes it accepts for CertificateVerify.
	SignatureSchemes []string `json:"signature_schemes,omitempty"`
	// Sent is our certificate as sent, nil when none was sent; SentChain
	// the number of certificates sent.
	Sent      *CertInfo `json:"sent,omitempty"`
	SentChain int       `json:"sent_chain,omitempty"`
	// Configured is true when a client certificate was configured.
	Configured bool `json:"configured"`
	// IssuerListed says whether our certificate's issuer is among the
	// acceptable CAs; absent when the server listed none.
	IssuerListed *bool `json:"issuer_listed,omitempty"`
	// Problems are local findings about our certificate.
	Problems []string `json:"problems,omitempty"`
}

// HTTPInfo is the http stage.
type HTTPInfo struct {
	// Request is the request line and headers as sent.
	Request []string `json:"request"`
	// Status is the answer's status line ("101 Switching Protocols").
	Status     string   `json:"status,omitempty"`
	StatusCode int      `json:"status_code,omitempty"`
	Headers    []string `json:"headers,omitempty"`
	// Body is the start of a non-101 answer's body.
	Body string `json:"body,omitempty"`
	// FirstBytes quotes the first bytes received when they were not HTTP.
	FirstBytes string `json:"first_bytes,omitempty"`
}

// WSInfo is the ws stage.
type WSInfo struct {
	Subprotocol string      `json:"subprotocol,omitempty"`
	Extensions  string      `json:"extensions,omitempty"`
	Messages    []WSMessage `json:"messages,omitempty"`
	Close       *CloseInfo  `json:"close,omitempty"`
}

// WSMessage is one message sent or received.
type WSMessage struct {
	Dir  string `json:"dir"`  // "sent" or "received"
	Type string `json:"type"` // "text" or "binary"
	Size int    `json:"size"`
	// Latency is, for a received message, the time since our last send.
	Latency time.Duration `json:"latency_ns,omitempty"`
	// Data is the message (text as is, binary quoted), cut at 1 KiB.
	Data string `json:"data"`
}

// CloseInfo is the closing handshake.
type CloseInfo struct {
	// By is "server" or "client": who closed first.
	By     string `json:"by"`
	Code   int    `json:"code"`
	Reason string `json:"reason,omitempty"`
	// Clean is true when both close frames were exchanged.
	Clean bool `json:"clean"`
}

func (r *Report) stage(s Stage, start time.Time, err error) {
	sr := StageResult{Stage: s, OK: err == nil, Duration: time.Since(start)}
	if err != nil {
		sr.Error = err.Error()
	}
	r.Stages = append(r.Stages, sr)
}
