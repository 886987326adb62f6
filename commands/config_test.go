package commands

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/wsecho"
)

// The table's error strings are the golden messages: what a user sees.
func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"empty", "", "conf/c.yaml: empty file: want at least url: ws://HOST:PORT/ or wss://HOST:PORT/"},
		{"only comments", "# nothing\n", "conf/c.yaml: empty file: want at least url: ws://HOST:PORT/ or wss://HOST:PORT/"},
		{"not a mapping", "- url\n", "conf/c.yaml:1: want a mapping (key: value lines), got a list"},
		{"syntax", "url: [\n", "conf/c.yaml:1: not valid YAML: did not find expected node content"},
		{"tab indent", "tls:\n\tcert: a\n", "conf/c.yaml:2: not valid YAML: found character that cannot start any token"},
		{"unknown key", "url: ws://127.0.0.1:1/\nurls: x\n", "conf/c.yaml:2: urls: unknown key; did you mean url? (known: url, listen, tls, services, origins, subprotocols, compression)"},
		{"unknown far key", "colour: red\n", "conf/c.yaml:1: colour: unknown key (known: url, listen, tls, services, origins, subprotocols, compression)"},
		{"unknown tls key", "url: wss://h:1/\ntls:\n  cert: a\n  clientauth: require\n", "conf/c.yaml:4: tls.clientauth: unknown key; did you mean client_auth? (known: cert, key, pfx, pfx_pass, key_pass, client_auth, capath, cafile, crl, min_version, max_version, servername, insecure)"},
		{"duplicate key", "url: ws://a:1/\nurl: ws://b:1/\n", "conf/c.yaml:2: url: duplicate key (first at line 1)"},
		{"duplicate tls key", "url: wss://a:1/\ntls:\n  cert: a\n  cert: b\n", "conf/c.yaml:4: tls.cert: duplicate key (first at line 3)"},
		{"second document", "url: ws://a:1/\n---\nurl: ws://b:1/\n", "conf/c.yaml:2: a second YAML document (---): a config holds one"},
		{"url number", "url: 8080\n", "conf/c.yaml:1: url: want a string, got a number (8080)"},
		{"url mapping", "url:\n  host: a\n", "conf/c.yaml:1: url: want a string, got a mapping"},
		{"url scheme", "url: https://127.0.0.1:8443/\n", `conf/c.yaml:1: url: want ws://HOST:PORT/PATH or wss://HOST:PORT/PATH, got scheme "https"`},
		{"url no host", "url: wss:///x\n", `conf/c.yaml:1: url: no host in "wss:///x"`},
		{"tls with ws", "url: ws://127.0.0.1:8080/\ntls:\n  cert: s.pem\n", "conf/c.yaml:2: tls: a tls: block needs a wss:// url; this one is ws://127.0.0.1:8080/ (the scheme alone decides: change it to wss://)"},
		{"tls null", "url: wss://a:1/\ntls:\n", "conf/c.yaml:2: tls: want a mapping (key: value lines), got nothing (null)"},
		{"client auth yes", "url: wss://a:1/\ntls:\n  client_auth: yes\n", `conf/c.yaml:3: tls.client_auth: want none, request or require, got "yes"`},
		{"client auth word", "url: wss://a:1/\ntls:\n  client_auth: optional\n", `conf/c.yaml:3: tls.client_auth: want none, request or require, got "optional"`},
		{"version", "url: wss://a:1/\ntls:\n  min_version: 1.4\n", `conf/c.yaml:3: tls.min_version: want a TLS version "1.0", "1.1", "1.2" or "1.3", got a number (1.4)`},
		{"version order", "url: wss://a:1/\ntls:\n  min_version: 1.3\n  max_version: \"1.2\"\n", "conf/c.yaml:3: tls.min_version: is above tls.max_version"},
		{"pfx and cert", "url: wss://a:1/\ntls:\n  pfx: c.pfx\n  cert: c.pem\n", "conf/c.yaml:3: tls.pfx: give either tls.pfx or tls.cert, not both"},
		{"key without cert", "url: wss://a:1/\ntls:\n  key: c.key\n", "conf/c.yaml:3: tls.key: needs tls.cert"},
		{"pass source", "url: wss://a:1/\ntls:\n  pfx: c.pfx\n  pfx_pass: secret\n", "conf/c.yaml:4: tls.pfx_pass: want a pass phrase source: pass:TEXT, env:VAR, file:PATH, fd:N or stdin (env:VAR keeps it out of the file)"},
		{"crl without ca", "url: wss://a:1/\ntls:\n  crl: ca.crl\n", "conf/c.yaml:3: tls.crl: needs tls.capath or tls.cafile (the CA that signed the CRL)"},
		{"crl list item", "url: wss://a:1/\ntls:\n  cafile: ca.pem\n  crl: [a.crl, 3]\n", "conf/c.yaml:4: tls.crl[1]: want a string, got a number (3)"},
		{"client auth bool", "url: wss://a:1/\ntls:\n  client_auth: true\n", "conf/c.yaml:3: tls.client_auth: want a string, got a boolean (true)"},
		{"insecure string", "url: wss://a:1/\ntls:\n  insecure: \"yes\"\n", `conf/c.yaml:3: tls.insecure: want true or false, got the string "yes"`},
		{"service path", "url: ws://a:1/\nservices:\n  hello: echo\n", `conf/c.yaml:3: services: path "hello" must start with /`},
		{"service kind", "url: ws://a:1/\nservices:\n  /hello: mirror\n", `conf/c.yaml:3: services./hello: want echo, broadcast or info, got "mirror"`},
		{"services list", "url: ws://a:1/\nservices: [/echo]\n", "conf/c.yaml:2: services: want a mapping (key: value lines), got a list"},
		{"services empty", "url: ws://a:1/\nservices: {}\n", "conf/c.yaml:2: services: empty: leave it out for the default /echo, /broadcast and /info"},
		{"origin", "url: ws://a:1/\norigins: [app.example]\n", `conf/c.yaml:2: origins[0]: want scheme://host[:port] as a browser sends it (or *), got "app.example"`},
		{"listen", "listen: 8081\n", "conf/c.yaml:1: listen: want a string, got a number (8081)"},
		{"listen form", "listen: localhost\n", "conf/c.yaml:1: listen: want HOST:PORT (e.g. 127.0.0.1:8081): address localhost: missing port in address"},
		{"compression", "url: ws://a:1/\ncompression: on\n", `conf/c.yaml:2: compression: want true or false, got the string "on"`},
		{"custom tag", "url: !secret ws://a:1/\n", "conf/c.yaml:1: unsupported YAML tag !secret"},
		{"bad merge", "url: ws://a:1/\ntls:\n  <<: 3\n", "conf/c.yaml:3: tls.<<: a merge key takes a mapping or a list of mappings, got a number (3)"},
		{"unknown key in merged anchor", "x-base: &b\n  cert: a\n  colour: red\nurl: wss://a:1/\ntls:\n  <<: *b\n", "conf/c.yaml:3: tls.colour: unknown key (known: cert, key, pfx, pfx_pass, key_pass, client_auth, capath, cafile, crl, min_version, max_version, servername, insecure)"},
		{"non-string key", "url: ws://a:1/\n1: x\n", "conf/c.yaml:2: keys must be plain words, got a number (1)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tc.yaml), "conf/c.yaml")
			if err == nil {
				t.Fatalf("got %+v, want error %q", cfg, tc.want)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) {
				t.Errorf("got %T, want *ConfigError", err)
			}
			if err.Error() != tc.want {
				t.Errorf("got  %q\nwant %q", err.Error(), tc.want)
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	dir := filepath.Join("some", "where")
	tests := []struct {
		name, yaml string
		want       *Config
	}{
		{"design example", `url: wss://127.0.0.1:8443/hello   # comment
tls:
  cert: server.pem
  key: server.key
  key_pass: file:../pass.txt
  client_auth: require
  capath: ca/
  cafile: ca.pem
  crl: ca.crl
  min_version: "1.2"
  max_version: 1.3
services:
  /hello: echo
  /all: broadcast
origins: [https://app.example]
`, &Config{
			TLS: &ConfigTLS{Cert: filepath.Join(dir, "server.pem"), Key: filepath.Join(dir, "server.key"), KeyPass: "file:" + filepath.Join("some", "pass.txt"),
				ClientAuth: "require", CAPath: filepath.Join(dir, "ca"), CAFile: filepath.Join(dir, "ca.pem"), CRLs: []string{filepath.Join(dir, "ca.crl")},
				MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS13},
			Services: []ConfigService{{"/hello", wsecho.Echo}, {"/all", wsecho.Broadcast}},
			Origins:  []string{"https://app.example"},
		}},
		{"json syntax", `{"url": "wss://localhost:9000/", "tls": {"pfx": "/abs/c.pfx", "pfx_pass": "env:P", "cafile": "ca.pem", "insecure": false}, "compression": true}`,
			&Config{TLS: &ConfigTLS{PFX: "/abs/c.pfx", PFXPass: "env:P", CAFile: filepath.Join(dir, "ca.pem")}, Compression: ptr(true)}},
		{"anchors, merge and x- keys", `x-trust: &trust
  cafile: ca.pem
  min_version: "1.3"
x-ignored: {anything: [1, 2]}
url: wss://127.0.0.1:1/
tls:
  <<: *trust
  min_version: "1.2"   # explicit keys win over merged ones
  cert: c.pem
subprotocols: chat
`, &Config{TLS: &ConfigTLS{CAFile: filepath.Join(dir, "ca.pem"), MinVersion: tls.VersionTLS12, Cert: filepath.Join(dir, "c.pem")},
			Subprotocols: []string{"chat"}}},
		{"versions spelled as for --min-tls", "url: wss://127.0.0.1:1/\ntls: {min_version: TLSv1.2, max_version: TLS 1.3}\n",
			&Config{TLS: &ConfigTLS{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS13}}},
		{"bridge", "listen: 127.0.0.1:8081\nurl: wss://127.0.0.1:8443/echo\ntls: {pfx: c.pfx}\n",
			&Config{Listen: "127.0.0.1:8081", TLS: &ConfigTLS{PFX: filepath.Join(dir, "c.pfx")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseConfig([]byte(tc.yaml), filepath.Join(dir, "c.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if got.URL == nil {
				t.Fatal("no URL")
			}
			got.File, got.URL, got.lines = "", nil, nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v %+v\nwant %+v %+v", got, got.TLS, tc.want, tc.want.TLS)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestConfigAt(t *testing.T) {
	cfg, err := ParseConfig([]byte("url: wss://a:1/\ntls:\n  cafile: ca.pem\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"tls.cafile": "c.yaml:3", "url": "c.yaml:1", "tls.cert": "c.yaml"} {
		if got := cfg.At(key); got != want {
			t.Errorf("At(%q) = %q, want %q", key, got, want)
		}
	}
}

// The examples in docs/ parse, and the ws:// and wss:// echo configs
// differ only in the url's scheme and the tls: block (DESIGN.md: switch by
// editing the config alone).
func TestConfigExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "docs", "examples", "*.yaml"))
	if err != nil || len(files) < 3 {
		t.Fatalf("examples: %v %v", files, err)
	}
	cfgs := map[string]*Config{}
	for _, f := range files {
		cfg, err := LoadConfig(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cfgs[filepath.Base(f)] = cfg
	}
	ws, wss := cfgs["echo-ws.yaml"], cfgs["echo-wss-mtls.yaml"]
	if ws == nil || wss == nil {
		t.Fatal("echo-ws.yaml or echo-wss-mtls.yaml missing")
	}
	if ws.URL.Scheme != "ws" || wss.URL.Scheme != "wss" || ws.URL.Host != wss.URL.Host || ws.URL.Path != wss.URL.Path {
		t.Errorf("urls: %s vs %s", ws.URL, wss.URL)
	}
	if !reflect.DeepEqual(ws.Services, wss.Services) || !reflect.DeepEqual(ws.Origins, wss.Origins) || ws.TLS != nil || wss.TLS == nil {
		t.Errorf("the two echo configs differ beyond url and tls")
	}
	if c := cfgs["client-wss.yaml"]; c == nil || c.TLS == nil || c.TLS.PFXPass != "env:PFX_PASS" {
		t.Errorf("client-wss.yaml: %+v", c)
	}
}

func TestLoadConfigFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadConfig(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	os.WriteFile(big, []byte("x-pad: \""+strings.Repeat("a", maxConfigSize)+"\"\n"), 0o644)
	if _, err := LoadConfig(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: got %v", err)
	}
	// A billion-laughs file stays cheap: nodes reached through aliases
	// and merge keys are counted.
	var b strings.Builder
	b.WriteString("x-a0: &a0 {cafile: ca.pem}\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "x-a%d: &a%d {<<: [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]}\n")
	}
	b.WriteString("url: wss://a:1/\ntls:\n  <<: *a9\n")
	start := time.Now()
	_, err := ParseConfig([]byte(b.String()), "laughs.yaml")
	if err == nil || !strings.Contains(err.Error(), "more than 10000 YAML nodes") {
		t.Errorf("billion laughs: got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("billion laughs took %v", d)
	}
}

func FuzzLoadConfig(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "docs", "examples", "*.yaml"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("x-a: &a {cafile: ca.pem}\nurl: wss://h:1/\ntls: {<<: *a, cert: c.pem}\n"))
	f.Add([]byte("url: ws://a:1/\n---\nurl: ws://b:1/\n"))
	f.Add([]byte("{\"url\": \"wss://a:1/\", \"services\": {\"/x\": \"info\"}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data, "fuzz.yaml")
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if cfg.TLS != nil && cfg.URL != nil && cfg.URL.Scheme == "ws" {
			t.Fatalf("tls with ws:// accepted")
		}
		for _, s := range cfg.Services {
			if !strings.HasPrefix(s.Path, "/") {
				t.Fatalf("service path %q accepted", s.Path)
			}
		}
	})
}
