package commands

import (
	"crypto/tls"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestMaxTLSAlone: --max-tls 1.0 or 1.1 without --min-tls means "be that
// old peer": servers accept that version and clients offer it (Go's own
// minimum, TLS 1.2, would otherwise leave no version at all). A minimum
// above the maximum is a usage error on every command that takes both.
func TestMaxTLSAlone(t *testing.T) {
	h := newHygienePKI(t)
	legacy := func(v uint16) *tls.Config {
		return &tls.Config{RootCAs: h.p.Pool(), ServerName: "127.0.0.1", MinVersion: v, MaxVersion: v, CipherSuites: cbcSuites}
	}
	servers := []struct {
		name string
		args []string
		v    uint16
	}{
		{"server --max-tls 1.1", []string{"server", "--cert", h.serverPEM, "--key", h.serverKey, "--max-tls", "1.1"}, tls.VersionTLS11},
		{"echo --max-tls 1.1", []string{"echo", "--no-stdin", "--cert", h.serverPEM, "--key", h.serverKey, "--max-tls", "1.1"}, tls.VersionTLS11},
		{"echo --max-tls 1.0", []string{"echo", "--no-stdin", "--cert", h.serverPEM, "--key", h.serverKey, "--max-tls", "1.0"}, tls.VersionTLS10},
	}
	for _, tc := range servers {
		t.Run(tc.name, func(t *testing.T) {
			addr, wait := serveFor(t, time.Second, tc.args...)
			if err := handshake(addr, legacy(tc.v)); err != nil {
				t.Errorf("%s client: %v", tls.VersionName(tc.v), err)
			}
			if r := wait(); r.code != 0 {
				t.Errorf("exit %d\n%s", r.code, r.stderr)
			}
		})
	}

	t.Run("client --max-tls 1.1 against a TLS 1.2+ server", func(t *testing.T) {
		addr, wait := serveFor(t, 2*time.Second, "echo", "--no-stdin", "--cert", h.serverPEM, "--key", h.serverKey)
		r := run(t, "", "client", "wss://"+addr+"/echo", "--cafile", h.caPEM, "--max-tls", "1.1", "--timeout", "3s", "--json")
		var rep struct {
			Failure struct {
				CauseID string `json:"cause_id"`
			} `json:"failure"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("not JSON: %v\n%s%s", err, r.stdout, r.stderr)
		}
		if r.code != ExitTLS || rep.Failure.CauseID != "protocol_version_mismatch" {
			t.Errorf("exit %d, cause_id %q; want %d, protocol_version_mismatch\n%s", r.code, rep.Failure.CauseID, ExitTLS, r.stdout)
		}
		wait()
	})

	conflicts := [][]string{
		{"client", "wss://127.0.0.1:1/"},
		{"load", "wss://127.0.0.1:1/", "-n", "1"},
		{"server", "--listen", "127.0.0.1:0", "--cert", h.serverPEM, "--key", h.serverKey, "--duration", "1s"},
		{"echo", "--listen", "127.0.0.1:0", "--no-stdin", "--cert", h.serverPEM, "--key", h.serverKey, "--duration", "1s"},
		{"bridge", "--listen", "127.0.0.1:0", "--to", "wss://127.0.0.1:1/"},
	}
	for _, args := range conflicts {
		t.Run(args[0]+" --min-tls 1.3 --max-tls 1.2", func(t *testing.T) {
			r := run(t, "", append([]string{"-q"}, append(args, "--min-tls", "1.3", "--max-tls", "1.2")...)...)
			r.wantFail(t, ExitUsage, "--min-tls 1.3 is above --max-tls 1.2")
			if strings.Contains(r.stdout+r.stderr, "listening") {
				t.Errorf("%s listened despite the conflict", args[0])
			}
		})
	}
}
