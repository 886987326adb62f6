package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

// FuzzAddSAN feeds arbitrary --san values to SANs.AddSAN. A refused value
// must be a *SANError; an accepted one must go into a certificate that Go
// itself parses back with the same values, because a SAN that breaks
// signing or parsing later is a worse failure than a refusal now.
func FuzzAddSAN(f *testing.F) {
	for _, s := range []string{
		"IP:127.0.0.1", "DNS:localhost", "IP Address:::1", "email:a@example.com",
		"URI:spiffe://example.org/ns/a", "127.0.0.1,DNS:localhost", "*.example.com",
		"[::1]", "https://x.example/a,b", "a@b", "dns:-bad-", "IP:999.1.1.1",
		"URI:http://[::1]:8080/p?q=1", "uri:urn:isbn:0451450523", "DNS:xn--bcher-kva.example",
	} {
		f.Add(s)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, value string) {
		var s SANs
		if err := s.AddSAN(value); err != nil {
			var se *SANError
			if !errors.As(err, &se) {
				t.Fatalf("AddSAN(%q) error %T %v is not a *SANError", value, err, err)
			}
			return
		}
		if n := len(s.DNS) + len(s.IP) + len(s.Email) + len(s.URI); n != len(s.Quoted) || n == 0 {
			t.Fatalf("AddSAN(%q): %d values, %d quoted", value, n, len(s.Quoted))
		}
		_ = s.String()
		c, err := Issue(CertRequest{Subject: mustSubject(t, "/CN=fuzz"), SANs: &s, Profile: ProfileServer,
			PublicKey: key.Public(), SelfKey: key})
		if err != nil {
			t.Fatalf("AddSAN(%q) accepted %s, but a certificate with it cannot be made: %v", value, s.String(), err)
		}
		got := SANsOf(c)
		if got.String() != s.String() {
			t.Fatalf("AddSAN(%q): certificate holds %q, want %q", value, got.String(), s.String())
		}
	})
}

// TestAddSANRefusesWhatCertificatesCannotHold keeps the values FuzzAddSAN
// found accepted by AddSAN but refused by crypto/x509 when signing or
// parsing (the corpus under testdata/fuzz/FuzzAddSAN replays them too).
func TestAddSANRefusesWhatCertificatesCannotHold(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"\xf7@0", "must be ASCII"},
		{"email:jos\u00e9@example.com", "must be ASCII"},
		{"A:\x8e://0", "must be ASCII"},
		{"A://0.", "empty label"},
		{"URI:https://a..example/", "empty label"},
		{"URI:https://.example/", "empty label"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var s SANs
			err := s.AddSAN(tt.in)
			var se *SANError
			if !errors.As(err, &se) || !strings.Contains(se.Reason, tt.reason) {
				t.Fatalf("AddSAN(%q) = %v, want a *SANError mentioning %q", tt.in, err, tt.reason)
			}
		})
	}
	// Still accepted: percent-encoded and bracketed forms.
	for _, ok := range []string{"URI:https://example.org/caf%C3%A9", "URI:http://[::1]:8080/x", "email:a@example.com"} {
		var s SANs
		if err := s.AddSAN(ok); err != nil {
			t.Errorf("AddSAN(%q) = %v, want nil", ok, err)
		}
	}
}
