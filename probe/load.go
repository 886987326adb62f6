package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"
)

// LoadMode selects what Load does with its connections.
type LoadMode string

// The load modes.
const (
	// LoadEcho opens Connections WebSockets and, on each, sends a message of
	// Size bytes and waits for its echo, again and again: messages per
	// second, MB per second and round-trip latency.
	LoadEcho LoadMode = "echo"
	// LoadHandshake runs full cycles on Connections workers: TCP connect,
	// TLS handshake (no session resumption), WebSocket upgrade, one message
	// of Size bytes and its echo, closing handshake: cycles per second.
	LoadHandshake LoadMode = "handshake"
	// LoadIdle opens Connections WebSockets, holds them open for Duration
	// (answering pings) and closes them cleanly: for memory and keepalive
	// testing of the server.
	LoadIdle LoadMode = "idle"
)

// Hard limits of LoadOptions: a load generator is easy to point at the
// wrong thing, so every dimension is bounded.
const (
	MaxLoadConnections = 20000
	MaxLoadDuration    = time.Hour
	MaxLoadRate        = 1_000_000        // operations per second
	MaxLoadMessages    = 1_000_000_000    // -n
	MaxLoadSize        = 16 << 20         // bytes per message
	MaxLoadBuffered    = 1 << 30          // Connections × Size: each connection holds ~3 buffers of Size
	MaxLoadTimeout     = 5 * time.Minute  // per operation
	loadDialsInFlight  = 64               // concurrent connection attempts
	loadMaxDiagnoses   = 4                // follow-up probes for distinct TLS/HTTP failures
	loadDiagnoseLimit  = 5 * time.Second  // time limit of each follow-up probe
	loadCloseLimit     = 2 * time.Second  // wait for the server's close frame
	loadRetryMax       = 1 * time.Second  // longest pause between reconnect attempts
	loadDefaultConns   = 10               // Connections when zero
	loadDefaultSize    = 1024             // Size when zero
	loadDefaultRunTime = 10 * time.Second // Duration when neither it nor Messages is set
	loadProgressEvery  = 1 * time.Second  // ProgressInterval when zero
	loadLimitedErrors  = 64               // distinct error kinds kept
	loadSampleLen      = 300              // longest raw error text kept
	loadIdleAttempts   = 3                // connection attempts per idle connection
	loadMaxRetryAfter  = 100 * time.Millisecond
)

// LoadOptions configure Load. Loading files is the caller's job.
type LoadOptions struct {
	// URL is the ws:// or wss:// URL; its host must be a loopback address
	// (or a name resolving only to loopback addresses) unless AllowRemote.
	// The host is resolved once and every connection dials that address.
	URL string
	// Mode is LoadEcho (the default), LoadHandshake or LoadIdle.
	Mode LoadMode
	// Connections is the number of connections (echo, idle) or of
	// concurrent workers (handshake); 10 when zero; at most
	// MaxLoadConnections.
	Connections int
	// Messages, when positive, ends the run after that many echoes (echo
	// mode) or cycles (handshake mode) in total. Not allowed in idle mode.
	Messages int64
	// Duration ends the run (echo, handshake) or is how long the
	// connections are held (idle). When both Messages and Duration are zero
	// it is 10 s. At most MaxLoadDuration.
	Duration time.Duration
	// Size is the payload of each message in bytes (binary messages);
	// 1024 when zero.
	Size int
	// Rate, when positive, caps the operations per second across all
	// connections: messages (echo), cycles (handshake) or connection
	// attempts (idle).
	Rate float64
	// Certificates are client certificate chains with their keys; the
	// connection or cycle number i presents Certificates[i%len] whenever
	// the server asks for one (even when its issuer is not among the CAs
	// the server lists, as the probe does).
	Certificates []tls.Certificate
	// RootCAs are the CAs trusted for the server's chain; nil means the
	// system roots. RootsDescription names them in diagnoses.
	RootCAs          *x509.CertPool
	RootsDescription string
	// Insecure skips the verification of the server's chain.
	Insecure bool
	// ServerName overrides the SNI and the name verified (default: the
	// URL's host).
	ServerName string
	// MinVersion and MaxVersion bound the TLS versions offered (0: Go's
	// defaults, TLS 1.2 to 1.3).
	MinVersion, MaxVersion uint16
	// Verify, when set, gives the follow-up probes of a failed run the
	// OpenSSL error lines for the server's chain (see Options.Verify).
	Verify VerifyFunc
	// Timeout bounds every connection attempt, every echo and every close;
	// DefaultTimeout when zero; at most MaxLoadTimeout.
	Timeout time.Duration
	// AllowRemote allows a target outside loopback.
	AllowRemote bool
	// ProgressInterval is how often Load calls its progress function;
	// 1 s when zero.
	ProgressInterval time.Duration
	// Resolver resolves the URL's host (nil: net.DefaultResolver).
	Resolver *net.Resolver
}

// LimitError is returned (wrapped in nothing) when an option is out of
// range. It unwraps to ErrLoadLimit.
type LimitError struct {
	// Option names the option ("connections", "duration", ...).
	Option string
	// Value and Limit are the value given and the bound, as text.
	Value, Limit string
}

// ErrLoadLimit is the sentinel every *LimitError unwraps to.
var ErrLoadLimit = errors.New("probe: load limit")

func (e *LimitError) Error() string {
	return fmt.Sprintf("probe: load %s %s is out of range (%s)", e.Option, e.Value, e.Limit)
}

// Unwrap returns ErrLoadLimit.
func (e *LimitError) Unwrap() error { return ErrLoadLimit }

// ErrRemoteTarget is the sentinel a *RemoteTargetError unwraps to.
var ErrRemoteTarget = errors.New("probe: load target is not a loopback address")

// RemoteTargetError is returned when the URL's host is, or resolves to, an
// address outside loopback and AllowRemote is false.
type RemoteTargetError struct {
	// Host is the URL's host; Addrs what it resolved to.
	Host  string
	Addrs []string
}

func (e *RemoteTargetError) Error() string {
	return fmt.Sprintf("probe: load target %s (%v) is not a loopback address; loading other machines needs AllowRemote", e.Host, e.Addrs)
}

// Unwrap returns ErrRemoteTarget.
func (e *RemoteTargetError) Unwrap() error { return ErrRemoteTarget }

// LoadProgress is a snapshot of a running load, passed to the progress
// function every ProgressInterval.
type LoadProgress struct {
	Mode    LoadMode
	Elapsed time.Duration
	// Open is the number of connections open now.
	Open int64
	// Opened, Messages, Handshakes and Errors are totals so far.
	Opened, Messages, Handshakes, Errors uint64
	// BytesReceived is the echoed payload received so far.
	BytesReceived uint64
	// Rate is the messages (echo), cycles (handshake) or connections
	// opened (idle) per second since the previous snapshot.
	Rate float64
	// MBPerS is the echoed payload in MB (10^6 bytes) per second since the
	// previous snapshot.
	MBPerS float64
}

// LoadErrorCount is one cause of failure and how often it happened.
type LoadErrorCount struct {
	// CauseID is the stable cause id (see Causes).
	CauseID string `json:"cause_id"`
	// Stage is where it failed.
	Stage Stage `json:"stage"`
	// Count is how many connections, cycles or messages failed this way.
	Count uint64 `json:"count"`
	// Raw is the first raw error of this kind.
	Raw string `json:"raw"`
	// Alert is the TLS alert seen, if any.
	Alert *Alert `json:"alert,omitempty"`
	// Cause and Fix explain it, from the cause table.
	Cause string `json:"cause"`
	Fix   string `json:"fix"`
	// Diagnosed is true when a separate probe after the run reproduced the
	// failure and the cause comes from its full diagnosis.
	Diagnosed bool `json:"diagnosed"`
	// ExitCode is the exit code this cause maps to (DESIGN.md).
	ExitCode int `json:"exit_code"`
}

// LoadReport is the result of Load. Rates are over the measured phase: in
// echo mode from the moment the connections were open to the end of the
// last echo, in handshake mode from the start to the end of the last cycle.
type LoadReport struct {
	URL     string   `json:"url"`
	Address string   `json:"address"` // the address every connection dialled
	Mode    LoadMode `json:"mode"`
	// Connections is the connection (echo, idle) or worker (handshake) count.
	Connections int     `json:"connections"`
	Size        int     `json:"size,omitempty"`
	Rate        float64 `json:"rate_limit,omitempty"`
	// RequestedMessages and RequestedDurationS repeat what was asked.
	RequestedMessages  int64   `json:"requested_messages,omitempty"`
	RequestedDurationS float64 `json:"requested_duration_s,omitempty"`
	// ClientCertificates is how many client certificates were rotated.
	ClientCertificates int `json:"client_certificates"`
	// TLSVersion and CipherSuite are those of the first connection (wss).
	TLSVersion  string `json:"tls_version,omitempty"`
	CipherSuite string `json:"cipher_suite,omitempty"`

	Started  time.Time `json:"started"`
	ElapsedS float64   `json:"elapsed_s"` // the measured phase
	// Stopped says why the run ended: "messages" (all done), "duration",
	// "canceled" or "failed" (no connection ever succeeded).
	Stopped string `json:"stopped"`

	// ConnectionsOpened counts successful upgrades; PeakOpen the most open
	// at once.
	ConnectionsOpened uint64 `json:"connections_opened"`
	PeakOpen          int64  `json:"peak_open"`

	Messages      uint64  `json:"messages"`
	BytesSent     uint64  `json:"bytes_sent"`
	BytesReceived uint64  `json:"bytes_received"`
	MessagesPerS  float64 `json:"messages_per_s"`
	// MBPerS is echoed payload received, in MB (10^6 bytes) per second.
	MBPerS float64 `json:"mb_per_s"`

	Handshakes     uint64  `json:"handshakes"`
	HandshakesPerS float64 `json:"handshakes_per_s"`

	// Latency is the echo round trip (echo mode) or the whole cycle
	// (handshake mode); ConnectLatency is TCP + TLS + upgrade.
	Latency        *LatencySummary `json:"latency,omitempty"`
	ConnectLatency *LatencySummary `json:"connect_latency,omitempty"`

	// Idle mode: how long the connections were held, how many were still
	// open at the end, and how many closed with a close-frame exchange.
	HeldS         float64 `json:"held_s,omitempty"`
	OpenAtEnd     int64   `json:"open_at_end,omitempty"`
	ClosedCleanly uint64  `json:"closed_cleanly"`

	// Errors are the failures by cause, most frequent first.
	Errors      []LoadErrorCount `json:"errors"`
	ErrorsTotal uint64           `json:"errors_total"`
}

// normalize fills defaults and enforces the limits.
func (o *LoadOptions) normalize() error {
	if o.Mode == "" {
		o.Mode = LoadEcho
	}
	switch o.Mode {
	case LoadEcho, LoadHandshake, LoadIdle:
	default:
		return fmt.Errorf("probe: unknown load mode %q (echo, handshake or idle)", o.Mode)
	}
	if o.Connections == 0 {
		o.Connections = loadDefaultConns
	}
	if o.Size == 0 {
		o.Size = loadDefaultSize
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = loadProgressEvery
	}
	if o.Mode == LoadIdle && o.Messages != 0 {
		return fmt.Errorf("probe: idle mode holds connections for a duration; a message count does not apply")
	}
	if o.Messages == 0 && o.Duration == 0 {
		o.Duration = loadDefaultRunTime
	}
	limits := []struct {
		name       string
		bad        bool
		value, max string
	}{
		{"connections", o.Connections < 1 || o.Connections > MaxLoadConnections, fmt.Sprint(o.Connections), fmt.Sprintf("1 to %d", MaxLoadConnections)},
		{"messages", o.Messages < 0 || o.Messages > MaxLoadMessages, fmt.Sprint(o.Messages), fmt.Sprintf("at most %d", MaxLoadMessages)},
		{"duration", o.Duration < 0 || o.Duration > MaxLoadDuration, o.Duration.String(), "at most " + MaxLoadDuration.String()},
		{"size", o.Size < 1 || o.Size > MaxLoadSize, fmt.Sprint(o.Size), fmt.Sprintf("1 to %d bytes", MaxLoadSize)},
		{"rate", o.Rate < 0 || o.Rate > MaxLoadRate, fmt.Sprint(o.Rate), fmt.Sprintf("at most %d per second", MaxLoadRate)},
		{"timeout", o.Timeout < 0 || o.Timeout > MaxLoadTimeout, o.Timeout.String(), "at most " + MaxLoadTimeout.String()},
		{"connections × size", o.Mode != LoadIdle && int64(o.Connections)*int64(o.Size) > MaxLoadBuffered,
			fmt.Sprintf("%d × %d", o.Connections, o.Size), fmt.Sprintf("at most %d MiB in flight", MaxLoadBuffered>>20)},
	}
	for _, l := range limits {
		if l.bad {
			return &LimitError{Option: l.name, Value: l.value, Limit: l.max}
		}
	}
	return nil
}

// Load runs a bounded load against o.URL and returns its report. progress,
// when not nil, is called every ProgressInterval from a single goroutine.
// It stops early when ctx is canceled (the report says "canceled").
//
// Invalid options return a *LimitError, a *RemoteTargetError or an error
// wrapping ErrBadURL, with a nil report. When no connection succeeded at
// all, the report is returned with a *FailureError for the most frequent
// cause. Otherwise the error is nil and failures are counted in
// LoadReport.Errors by cause_id.
func Load(ctx context.Context, o LoadOptions, progress func(LoadProgress)) (*LoadReport, error) {
	if err := o.normalize(); err != nil {
		return nil, err
	}
	t, err := parseLoadTarget(o.URL, o.ServerName)
	if err != nil {
		return nil, err
	}
	if err := t.resolve(ctx, o.Resolver, o.AllowRemote, o.Timeout); err != nil {
		return nil, err
	}
	r := newLoadRun(ctx, &o, t)
	return r.run(progress)
}
