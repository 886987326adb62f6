package commands

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
)

// FuzzReorderArgs feeds arbitrary argument vectors (NUL-separated) to
// reorderArgs. It may only move arguments and add one "--": nothing is
// lost, duplicated or invented, and the program name stays first.
func FuzzReorderArgs(f *testing.F) {
	for _, s := range []string{
		"verify\x00client.pem\x00--capath\x00ca/",
		"-q\x00client\x00wss://127.0.0.1:8443\x00--cafile\x00ca.pem\x00-v",
		"pfx\x00unpack\x00a.p12\x00--passin=pass:x\x00--\x00--out-dir",
		"cert\x00new\x00--san\x00IP:127.0.0.1\x00--san",
		"--bogus\x00show",
		"show\x00--generate-bash-completion",
	} {
		f.Add(s)
	}
	app := NewApp(strings.NewReader(""), nil, nil)
	f.Fuzz(func(t *testing.T, s string) {
		args := append([]string{"wsskit"}, strings.Split(s, "\x00")...)
		out := reorderArgs(app, append([]string(nil), args...))
		if len(out) == 0 || out[0] != "wsskit" {
			t.Fatalf("reorderArgs(%q) = %q: program name moved", args, out)
		}
		// "--" ends the flags: what follows it stays positional, in order,
		// at the end. A "--" with nothing after it may go, and one right
		// after a flag may be that flag's value ("-H --"), as Go's flag
		// package reads it.
		if i := indexOf(args, "--"); i >= 0 && i+1 < len(args) && !(isFlagToken(args[i-1]) && !strings.Contains(args[i-1], "=")) {
			tail := args[i+1:]
			if len(out) < len(tail)+1 || strings.Join(out[len(out)-len(tail):], "\x00") != strings.Join(tail, "\x00") ||
				indexOf(out[:len(out)-len(tail)], "--") < 0 {
				t.Fatalf("reorderArgs(%q) = %q: the arguments after -- moved", args, out)
			}
		}
		in, got := without(args, "--"), without(out, "--")
		sort.Strings(in)
		sort.Strings(got)
		if strings.Join(in, "\x00") != strings.Join(got, "\x00") {
			t.Fatalf("reorderArgs(%q) = %q: not a rearrangement", args, out)
		}
	})
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func without(list []string, s string) []string {
	var out []string
	for _, v := range list {
		if v != s {
			out = append(out, v)
		}
	}
	return out
}

// FuzzFlagValues runs the flag-value parsers on arbitrary text: each
// either accepts or returns a usage error (exit 2) or an input error, and
// a refused pass-phrase source never echoes what follows "pass:".
func FuzzFlagValues(f *testing.F) {
	for _, s := range []string{"1.2", "tlsv1.3", "TLS_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
		"2030-01-02T15:04:05Z", "1700000000", "/C=SG/CN=x", "IP:127.0.0.1,DNS:a", "pass:secret", "env:NOPE", "fd:x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}
		if _, err := parseTLSVersion("min-tls", s); err != nil && exitCode(err) != ExitUsage {
			t.Fatalf("parseTLSVersion(%q): exit %d", s, exitCode(err))
		}
		if _, err := parseCiphers(s); err != nil && exitCode(err) != ExitUsage {
			t.Fatalf("parseCiphers(%q): exit %d", s, exitCode(err))
		}
		_, _ = parseAtTime(s)
		if _, err := parseSANFlags([]string{s}); err != nil && exitCode(err) != ExitUsage {
			t.Fatalf("parseSANFlags(%q): exit %d", s, exitCode(err))
		}
		if _, err := parseSubjectFlag(e, s); err != nil && exitCode(err) != ExitUsage {
			t.Fatalf("parseSubjectFlag(%q): exit %d", s, exitCode(err))
		}
		if r := redactPass(s); strings.HasPrefix(s, "pass:") && len(s) > len("pass:") && r != "pass:…" {
			t.Fatalf("redactPass(%q) = %q shows the pass phrase", s, r)
		}
		// Only sources that read nothing from the machine.
		if kind, _, _ := strings.Cut(s, ":"); kind != "file" && kind != "fd" && kind != "env" {
			_, err := e.readPassSource(s)
			if kind != "pass" && kind != "stdin" {
				// An unknown source is quoted only as redactPass shows it.
				want := fmt.Sprintf("unknown pass phrase source %q (", redactPass(s))
				if err == nil || !strings.HasPrefix(err.Error(), want) {
					t.Fatalf("readPassSource(%q) = %v, want an error starting %q", s, err, want)
				}
			}
		}
	})
}

// TestRedactPassHidesBareSecret: a pass phrase typed without its "pass:"
// prefix is an unknown source, and the error must not echo it.
func TestRedactPassHidesBareSecret(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"hunter2-secret", "…"},
		{"pass:hunter2", "pass:…"},
		{"Pass:hunter2", "Pass:…"},
		{"stdin", "stdin"},
		{"env:", "env:"},
	} {
		if got := redactPass(tt.in); got != tt.want {
			t.Errorf("redactPass(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	r := run(t, "", "key", "new", "--passout", "hunter2-secret")
	r.wantFail(t, ExitUsage, "unknown pass phrase source")
	if strings.Contains(r.stdout+r.stderr, "hunter2") {
		t.Errorf("the pass phrase was printed:\n%s%s", r.stdout, r.stderr)
	}
}
