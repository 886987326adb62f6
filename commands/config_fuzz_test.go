package commands

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// FuzzParseConfig feeds arbitrary bytes to the strict YAML config loader,
// seeded with the examples of docs/config.md. It must answer quickly with
// a config or a *ConfigError, and an error about the document, a key or a
// pass phrase never quotes 100 bytes of the input: a config pointed at
// the wrong file (a key, a pass phrase file) must not have it printed.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"url: wss://127.0.0.1:8443/hello\ntls:\n  cert: server.pem\n  key: server.key\n  client_auth: require\n  capath: ca/\n",
		"url: ws://127.0.0.1:8080/\nservices:\n  /hello: echo\n  /all: broadcast\norigins: [https://app.example]\n",
		"x-tls: &t {pfx: server.pfx, pfx_pass: \"env:PFX_PASS\"}\nurl: wss://127.0.0.1:8443/\ntls: *t\n",
		"url: wss://h:1/\ntls: {min_version: 1.2, max_version: \"1.3\", insecure: true}\n",
		"---\nurl: ws://a:1/\n---\nurl: ws://b:2/\n",
		"url: wss://h:1/\ntls:\n  pfx_pass: 123456\n",
		"a: &a [*a, *a]\n",
		"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgQI1bOiHPtVrU+BKg\n-----END PRIVATE KEY-----\n",
		// Keys and tags used to be quoted whole in errors.
		strings.Repeat("MIGHAgEAMBMGByqGSM49AgEGCCqGSM49", 5) + ": x\n",
		"url: ws://a:1/\ntls:\n  " + strings.Repeat("k", 150) + ": x\n",
		"!" + strings.Repeat("Q", 150) + " x\n",
	} {
		f.Add([]byte(s))
	}
	if doc, err := os.ReadFile(filepath.Join("..", "docs", "config.md")); err == nil {
		for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(doc, -1) {
			f.Add(m[1])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data, "fuzz.yaml")
		if err == nil {
			if cfg == nil {
				t.Fatal("nil config without error")
			}
			return
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) {
			t.Fatalf("error %T %v is not a *ConfigError", err, err)
		}
		// Values the user typed on purpose (a URL, a version) may be
		// quoted whole; what a wrong file holds at the root, in keys or in
		// pass phrases may not.
		if ce.Key != "" && !strings.Contains(ce.Msg, "key") && !strings.HasSuffix(ce.Key, "_pass") {
			return
		}
		msg := err.Error()
		const window = 100 // shorten keeps 64 characters; the rest is slack for the text around them
		for i := 0; i+window <= len(data); i++ {
			if containsBytes(msg, data[i:i+window]) {
				t.Fatalf("the error quotes %d bytes of the input: %q", window, msg)
			}
		}
	})
}

func containsBytes(s string, b []byte) bool { return len(b) > 0 && strings.Contains(s, string(b)) }
