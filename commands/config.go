package commands

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
	"go.yaml.in/yaml/v3"

	"github.com/wsskit/wsskit/wsecho"
)

// The config file (--config F on client, server, echo, bridge and load) is
// the small YAML schema of DESIGN.md, read strictly: unknown keys, wrong
// types, duplicate keys and several documents are errors naming the key and
// its line. Anchors, aliases, merge keys and JSON syntax are fine; top-level
// keys starting with "x-" are ignored (they hold anchors, as in Compose
// files). The URL's scheme alone decides plain or TLS: a tls: block with a
// ws:// URL is an error, never silently ignored. Relative paths (and
// file: pass phrase sources) are relative to the config file.

// maxConfigSize bounds the file read: a config is a few hundred bytes.
const maxConfigSize = 1 << 20

// maxConfigNodes bounds the nodes visited while reading, so that aliases
// and merge keys cannot make a small file expensive.
const maxConfigNodes = 10000

// Config is a parsed config file. Paths in it are already resolved against
// the file's folder. Zero values mean "not given".
type Config struct {
	// File is the path the config was read from.
	File string
	// URL is the url: key. Servers (echo, server) listen on its host:port
	// and serve its path; clients (client, load, bridge upstream) dial it.
	URL *url.URL
	// Listen is the listen: key, the local address of bridge.
	Listen string
	// TLS is the tls: block; nil when absent. Only with a wss:// URL.
	TLS *ConfigTLS
	// Services are the services: of the echo server, in file order.
	Services []ConfigService
	// Origins are the Origin values the echo server accepts.
	Origins []string
	// Subprotocols are the subprotocols offered (clients) or supported
	// (echo).
	Subprotocols []string
	// Compression is the compression: key (permessage-deflate); nil when
	// absent.
	Compression *bool

	lines map[string]int // dotted key → line, for later errors
}

// ConfigTLS is the tls: block.
type ConfigTLS struct {
	// Cert and Key are the certificate chain and its key (PEM/DER); PFX is
	// a PKCS#12 file instead. KeyPass and PFXPass are pass phrase sources
	// (pass:, env:, file:, fd:, stdin).
	Cert, Key, PFX   string
	KeyPass, PFXPass string
	// ClientAuth is none, request or require (servers).
	ClientAuth string
	// CAPath, CAFile and CRLs are the trust: a hashed CA folder, a CA file,
	// revocation lists.
	CAPath, CAFile string
	CRLs           []string
	// MinVersion and MaxVersion are TLS versions (tls.VersionTLS12...),
	// zero when not given.
	MinVersion, MaxVersion uint16
	// ServerName is the SNI and name to verify (clients).
	ServerName string
	// Insecure goes on when the server's chain does not verify (clients).
	Insecure bool
}

// ConfigService is one entry of services:.
type ConfigService struct {
	Path string
	Kind wsecho.Kind
}

// ConfigError is an error in a config file, at a line, about a key.
type ConfigError struct {
	File string
	Line int    // 0 when the error is about the whole file
	Key  string // dotted key ("tls.client_auth"), "" for the file
	Msg  string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrConfig is wrapped by every error about a config file's content (the
// file could be read but is not a valid config).
var ErrConfig = errors.New("invalid config")

// Is makes errors.Is(err, ErrConfig) true for a *ConfigError.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

// LoadConfig reads and checks the config file at path.
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading config %s: %w", path, err)
	}
	if len(data) > maxConfigSize {
		return nil, &ConfigError{File: path, Msg: fmt.Sprintf("larger than %d bytes; this is not a wsskit config", maxConfigSize)}
	}
	return ParseConfig(data, path)
}

// ParseConfig checks a config file's content; path names it in errors and
// is the base for relative paths.
func ParseConfig(data []byte, path string) (*Config, error) {
	p := &cfgParser{file: path, dir: filepath.Dir(path), cfg: &Config{File: path, lines: map[string]int{}}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ConfigError{File: path, Msg: "empty file: want at least url: ws://HOST:PORT/ or wss://HOST:PORT/"}
		}
		return nil, p.yamlErr(err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, &ConfigError{File: path, Line: max(next.Line, 1), Msg: "a second YAML document (---): a config holds one"}
	case !errors.Is(err, io.EOF):
		return nil, p.yamlErr(err)
	}
	if err := p.root(&doc); err != nil {
		return nil, err
	}
	return p.cfg, nil
}

// At returns "FILE:LINE" for a dotted key of the file, or FILE when the key
// was not in it: for errors found after loading (an unreadable cert).
func (c *Config) At(key string) string {
	if l := c.lines[key]; l > 0 {
		return fmt.Sprintf("%s:%d", c.File, l)
	}
	return c.File
}

type cfgParser struct {
	file, dir string
	cfg       *Config
	nodes     int
}

func (p *cfgParser) errAt(n *yaml.Node, key, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	key = shorten(key)
	return &ConfigError{File: p.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// shorten cuts what errors quote of keys and tags to 64 characters: when
// --config names the wrong file, a "key" can be a long line of something
// else, a pass phrase or key material included.
func shorten(s string) string {
	if r := []rune(s); len(r) > 64 {
		return string(r[:63]) + "…"
	}
	return s
}

// yamlErr turns a YAML syntax error ("yaml: line 3: ...") into a
// ConfigError.
func (p *cfgParser) yamlErr(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if _, err := fmt.Sscanf(n, "%d", &line); err == nil {
				msg = after
			}
		}
	}
	return &ConfigError{File: p.file, Line: line, Msg: "not valid YAML: " + shortenQuoted(msg)}
}

// yamlQuoted matches what the YAML parser's messages quote ('name',
// `value`, "text").
var yamlQuoted = regexp.MustCompile("'[^']*'|`[^`]*`|\"[^\"]*\"")

// shortenQuoted cuts every quoted part of a YAML parser message to 64
// characters ("unknown anchor 'NAME' referenced" quotes the file's text).
// The whole message is kept under 160 characters, in case a quote is not
// closed.
func shortenQuoted(msg string) string {
	msg = yamlQuoted.ReplaceAllStringFunc(msg, func(q string) string {
		return q[:1] + shorten(q[1:len(q)-1]) + q[len(q)-1:]
	})
	if r := []rune(msg); len(r) > 160 {
		return string(r[:159]) + "…"
	}
	return msg
}

// kindName names a node's kind for "want X, got Y" messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing (null)"
		case "!!bool":
			return "a boolean (" + shorten(n.Value) + ")"
		case "!!int":
			return "a number (" + shorten(n.Value) + ")"
		case "!!float":
			return "a number (" + shorten(n.Value) + ")"
		case "!!str":
			// Never echo key material, and not much of anything else:
			// --config may be pointed at the wrong file.
			if strings.Contains(n.Value, "-----BEGIN ") {
				return "a PEM block (a certificate or key file, not a config)"
			}
			if len(n.Value) > 64 {
				return fmt.Sprintf("a %d-character string", len(n.Value))
			}
			return fmt.Sprintf("the string %q", n.Value)
		}
		return "a " + shorten(n.ShortTag()) + " value"
	}
	return "an unexpected node"
}

// kindNoValue is kindName without the value, for the document root (a
// file that is not a config may be a pass phrase file) and pass phrases.
func kindNoValue(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!str":
			if strings.Contains(n.Value, "-----BEGIN ") {
				return "a PEM block (a certificate or key file, not a config)"
			}
			return "text"
		case "!!null":
			return "nothing (null)"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		}
		return "a " + shorten(strings.TrimPrefix(n.ShortTag(), "!!")) + " value"
	}
	return kindName(n)
}

// resolve follows aliases and counts nodes.
func (p *cfgParser) resolve(n *yaml.Node) (*yaml.Node, error) {
	for i := 0; n.Kind == yaml.AliasNode; i++ {
		if n.Alias == nil || i > 100 {
			return nil, p.errAt(n, "", "alias *%s leads nowhere", n.Value)
		}
		n = n.Alias
	}
	p.nodes++
	if p.nodes > maxConfigNodes {
		return nil, p.errAt(n, "", "more than %d YAML nodes (through aliases): this is not a wsskit config", maxConfigNodes)
	}
	if n.Tag != "" && !strings.HasPrefix(n.Tag, "!!") && n.Tag != "!" {
		return nil, p.errAt(n, "", "unsupported YAML tag %s", shorten(n.Tag))
	}
	return n, nil
}

// pair is one key: value of a mapping.
type pair struct {
	key  string
	kn   *yaml.Node
	val  *yaml.Node
	path string // dotted key
}

// mapping returns the pairs of a mapping in order, with merge keys (<<)
// applied and duplicate keys refused.
func (p *cfgParser) mapping(n *yaml.Node, key string) ([]pair, error) {
	n, err := p.resolve(n)
	if err != nil {
		return nil, err
	}
	if n.Kind != yaml.MappingNode {
		kind := kindName(n)
		if key == "" {
			kind = kindNoValue(n)
		}
		return nil, p.errAt(n, key, "want a mapping (key: value lines), got %s", kind)
	}
	var explicit, merged []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		kn, err := p.resolve(kn)
		if err != nil {
			return nil, err
		}
		if kn.Kind == yaml.ScalarNode && kn.ShortTag() == "!!merge" {
			m, err := p.merge(vn, key)
			if err != nil {
				return nil, err
			}
			merged = append(merged, m...)
			continue
		}
		if kn.Kind != yaml.ScalarNode || kn.ShortTag() != "!!str" {
			return nil, p.errAt(kn, key, "keys must be plain words, got %s", kindName(kn))
		}
		full := joinKey(key, kn.Value)
		if prev, dup := seen[kn.Value]; dup {
			return nil, p.errAt(kn, full, "duplicate key (first at line %d)", prev.Line)
		}
		seen[kn.Value] = kn
		explicit = append(explicit, pair{key: kn.Value, kn: kn, val: vn, path: full})
	}
	// Explicit keys win over merged ones; among merges the first wins.
	out := explicit
	for _, m := range merged {
		if _, ok := seen[m.key]; ok {
			continue
		}
		seen[m.key] = m.kn
		out = append(out, m)
	}
	return out, nil
}

// merge reads the value of a << key: a mapping or a list of mappings.
func (p *cfgParser) merge(vn *yaml.Node, key string) ([]pair, error) {
	v, err := p.resolve(vn)
	if err != nil {
		return nil, err
	}
	switch v.Kind {
	case yaml.MappingNode:
		return p.mapping(v, key)
	case yaml.SequenceNode:
		var out []pair
		for _, item := range v.Content {
			m, err := p.mapping(item, key)
			if err != nil {
				return nil, err
			}
			out = append(out, m...)
		}
		return out, nil
	}
	return nil, p.errAt(v, joinKey(key, "<<"), "a merge key takes a mapping or a list of mappings, got %s", kindName(v))
}

func joinKey(parent, k string) string {
	if parent == "" {
		return k
	}
	return parent + "." + k
}

// unknownKey reports a key that is not in the schema, suggesting the
// closest known one.
func (p *cfgParser) unknownKey(pr pair, known []string) error {
	best, score := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(pr.key), k); d < score {
			best, score = k, d
		}
	}
	msg := "unknown key (known: " + strings.Join(known, ", ") + ")"
	if best != "" {
		msg = fmt.Sprintf("unknown key; did you mean %s? (known: %s)", best, strings.Join(known, ", "))
	}
	return p.errAt(pr.kn, pr.path, "%s", msg)
}

func (p *cfgParser) str(pr pair) (string, error) {
	n, err := p.resolve(pr.val)
	if err != nil {
		return "", err
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		kind := kindName(n)
		if strings.HasSuffix(pr.key, "_pass") {
			kind = kindNoValue(n)
		}
		return "", p.errAt(pr.kn, pr.path, "want a string, got %s", kind)
	}
	p.cfg.lines[pr.path] = pr.kn.Line
	return n.Value, nil
}

func (p *cfgParser) boolean(pr pair) (bool, error) {
	n, err := p.resolve(pr.val)
	if err != nil {
		return false, err
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		return false, p.errAt(pr.kn, pr.path, "want true or false, got %s", kindName(n))
	}
	p.cfg.lines[pr.path] = pr.kn.Line
	var b bool
	if err := n.Decode(&b); err != nil {
		return false, p.errAt(pr.kn, pr.path, "want true or false: %v", err)
	}
	return b, nil
}

// strings reads a list of strings; a single string is a list of one.
func (p *cfgParser) strings(pr pair) ([]string, error) {
	n, err := p.resolve(pr.val)
	if err != nil {
		return nil, err
	}
	p.cfg.lines[pr.path] = pr.kn.Line
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		return []string{n.Value}, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.errAt(pr.kn, pr.path, "want a list of strings, got %s", kindName(n))
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		v, err := p.resolve(item)
		if err != nil {
			return nil, err
		}
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
			return nil, p.errAt(item, fmt.Sprintf("%s[%d]", pr.path, i), "want a string, got %s", kindName(v))
		}
		out = append(out, v.Value)
	}
	return out, nil
}

// path resolves a file name against the config's folder.
func (p *cfgParser) path(s string) string {
	if s == "" || filepath.IsAbs(s) {
		return s
	}
	return filepath.Join(p.dir, s)
}

// passSource checks a pass phrase source and resolves a file: path.
func (p *cfgParser) passSource(pr pair) (string, error) {
	s, err := p.str(pr)
	if err != nil {
		return "", err
	}
	kind, arg, _ := strings.Cut(s, ":")
	switch kind {
	case "file":
		return "file:" + p.path(arg), nil
	case "pass", "env", "fd", "stdin":
		return s, nil
	}
	return "", p.errAt(pr.kn, pr.path, "want a pass phrase source: pass:TEXT, env:VAR, file:PATH, fd:N or stdin (env:VAR keeps it out of the file)")
}

// version reads "1.2" or 1.2 (or "TLS 1.2").
func (p *cfgParser) version(pr pair) (uint16, error) {
	n, err := p.resolve(pr.val)
	if err != nil {
		return 0, err
	}
	p.cfg.lines[pr.path] = pr.kn.Line
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!str" || n.ShortTag() == "!!float") {
		if v, ok := tlsVersionOf(n.Value); ok {
			return v, nil
		}
	}
	return 0, p.errAt(pr.kn, pr.path, `want a TLS version "1.0", "1.1", "1.2" or "1.3", got %s`, kindName(n))
}

var (
	topKeys = []string{"url", "listen", "tls", "services", "origins", "subprotocols", "compression"}
	tlsKeys = []string{"cert", "key", "pfx", "pfx_pass", "key_pass", "client_auth", "capath", "cafile", "crl",
		"min_version", "max_version", "servername", "insecure"}
)

func (p *cfgParser) root(doc *yaml.Node) error {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return &ConfigError{File: p.file, Msg: "not a YAML document"}
	}
	top, err := p.resolve(doc.Content[0])
	if err != nil {
		return err
	}
	if top.Kind == yaml.ScalarNode && top.ShortTag() == "!!null" {
		return &ConfigError{File: p.file, Line: top.Line, Msg: "empty file: want at least url: ws://HOST:PORT/ or wss://HOST:PORT/"}
	}
	pairs, err := p.mapping(top, "")
	if err != nil {
		return err
	}
	cfg := p.cfg
	var tlsPair *pair
	for _, pr := range pairs {
		if strings.HasPrefix(pr.key, "x-") {
			continue // extension fields hold anchors (as in Compose files)
		}
		switch pr.key {
		case "url":
			s, err := p.str(pr)
			if err != nil {
				return err
			}
			u, err := url.Parse(s)
			switch {
			case err != nil:
				return p.errAt(pr.kn, "url", "not a URL: %v", err)
			case u.Scheme != "ws" && u.Scheme != "wss":
				return p.errAt(pr.kn, "url", "want ws://HOST:PORT/PATH or wss://HOST:PORT/PATH, got scheme %q", u.Scheme)
			case u.Host == "":
				return p.errAt(pr.kn, "url", "no host in %q", s)
			case u.Fragment != "":
				return p.errAt(pr.kn, "url", "a WebSocket URL has no #fragment")
			}
			cfg.URL = u
		case "listen":
			s, err := p.str(pr)
			if err != nil {
				return err
			}
			if _, _, err := net.SplitHostPort(s); err != nil {
				return p.errAt(pr.kn, "listen", "want HOST:PORT (e.g. 127.0.0.1:8081): %v", err)
			}
			cfg.Listen = s
		case "tls":
			pr := pr
			tlsPair = &pr
			if err := p.tls(pr); err != nil {
				return err
			}
		case "services":
			if err := p.services(pr); err != nil {
				return err
			}
		case "origins":
			list, err := p.strings(pr)
			if err != nil {
				return err
			}
			for i, o := range list {
				if o == "*" {
					continue
				}
				u, err := url.Parse(o)
				if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
					return p.errAt(pr.kn, fmt.Sprintf("origins[%d]", i), "want scheme://host[:port] as a browser sends it (or *), got %q", o)
				}
			}
			cfg.Origins = list
		case "subprotocols":
			list, err := p.strings(pr)
			if err != nil {
				return err
			}
			cfg.Subprotocols = list
		case "compression":
			b, err := p.boolean(pr)
			if err != nil {
				return err
			}
			cfg.Compression = &b
		default:
			return p.unknownKey(pr, topKeys)
		}
	}
	if tlsPair != nil && cfg.URL != nil && cfg.URL.Scheme == "ws" {
		return p.errAt(tlsPair.kn, "tls", "a tls: block needs a wss:// url; this one is %s (the scheme alone decides: change it to wss://)", cfg.URL)
	}
	return nil
}

func (p *cfgParser) tls(tp pair) error {
	pairs, err := p.mapping(tp.val, "tls")
	if err != nil {
		return err
	}
	p.cfg.lines["tls"] = tp.kn.Line
	t := &ConfigTLS{}
	byKey := map[string]pair{}
	for _, pr := range pairs {
		byKey[pr.key] = pr
		var s string
		switch pr.key {
		case "cert", "key", "pfx", "capath", "cafile", "client_auth", "servername":
			if s, err = p.str(pr); err != nil {
				return err
			}
			if s == "" {
				return p.errAt(pr.kn, pr.path, "empty")
			}
		}
		switch pr.key {
		case "cert":
			t.Cert = p.path(s)
		case "key":
			t.Key = p.path(s)
		case "pfx":
			t.PFX = p.path(s)
		case "capath":
			t.CAPath = p.path(s)
		case "cafile":
			t.CAFile = p.path(s)
		case "servername":
			t.ServerName = s
		case "client_auth":
			if !slices.Contains([]string{"none", "request", "require"}, s) {
				return p.errAt(pr.kn, pr.path, "want none, request or require, got %q", s)
			}
			t.ClientAuth = s
		case "pfx_pass":
			if t.PFXPass, err = p.passSource(pr); err != nil {
				return err
			}
		case "key_pass":
			if t.KeyPass, err = p.passSource(pr); err != nil {
				return err
			}
		case "crl":
			list, err := p.strings(pr)
			if err != nil {
				return err
			}
			for _, f := range list {
				t.CRLs = append(t.CRLs, p.path(f))
			}
		case "min_version":
			if t.MinVersion, err = p.version(pr); err != nil {
				return err
			}
		case "max_version":
			if t.MaxVersion, err = p.version(pr); err != nil {
				return err
			}
		case "insecure":
			if t.Insecure, err = p.boolean(pr); err != nil {
				return err
			}
		default:
			return p.unknownKey(pr, tlsKeys)
		}
	}
	conflict := func(a, b string) error {
		pa, okA := byKey[a]
		_, okB := byKey[b]
		if okA && okB {
			return p.errAt(pa.kn, "tls."+a, "give either tls.%s or tls.%s, not both", a, b)
		}
		return nil
	}
	for _, c := range [][2]string{{"pfx", "cert"}, {"pfx", "key"}, {"pfx", "key_pass"}} {
		if err := conflict(c[0], c[1]); err != nil {
			return err
		}
	}
	needs := func(a, b string) error {
		if pa, ok := byKey[a]; ok {
			if _, ok := byKey[b]; !ok {
				return p.errAt(pa.kn, "tls."+a, "needs tls.%s", b)
			}
		}
		return nil
	}
	for _, c := range [][2]string{{"key", "cert"}, {"pfx_pass", "pfx"}, {"key_pass", "cert"}} {
		if err := needs(c[0], c[1]); err != nil {
			return err
		}
	}
	if _, ok := byKey["crl"]; ok && t.CAPath == "" && t.CAFile == "" {
		return p.errAt(byKey["crl"].kn, "tls.crl", "needs tls.capath or tls.cafile (the CA that signed the CRL)")
	}
	if t.MinVersion != 0 && t.MaxVersion != 0 && t.MinVersion > t.MaxVersion {
		return p.errAt(byKey["min_version"].kn, "tls.min_version", "is above tls.max_version")
	}
	p.cfg.TLS = t
	return nil
}

func (p *cfgParser) services(sp pair) error {
	pairs, err := p.mapping(sp.val, "services")
	if err != nil {
		return err
	}
	p.cfg.lines["services"] = sp.kn.Line
	if len(pairs) == 0 {
		return p.errAt(sp.kn, "services", "empty: leave it out for the default /echo, /broadcast and /info")
	}
	for _, pr := range pairs {
		if !strings.HasPrefix(pr.key, "/") {
			return p.errAt(pr.kn, "services", "path %q must start with /", pr.key)
		}
		s, err := p.str(pr)
		if err != nil {
			return err
		}
		k, err := wsecho.ParseKind(s)
		if err != nil {
			return p.errAt(pr.kn, pr.path, "want echo, broadcast or info, got %q", s)
		}
		p.cfg.Services = append(p.cfg.Services, ConfigService{Path: pr.key, Kind: k})
	}
	return nil
}

// configFlag is --config on client, server, echo, bridge and load.
func configFlag() cli.Flag {
	return &cli.StringFlag{Name: "config", Usage: "YAML config file (url, tls, services...; see docs/config.md); flags override it", TakesFile: true}
}

// loadConfigFlag reads --config when given (nil, nil otherwise). A config
// that cannot be read or is invalid is bad input (exit 3).
func (e *Env) loadConfigFlag(c *cli.Context) (*Config, error) {
	path := c.String("config")
	if path == "" {
		return nil, nil
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		return nil, withCode(ExitInput, err)
	}
	return cfg, nil
}

// setFromConfig gives flag name the value v unless the command line set
// it: flags override the file. A list flag gets every value.
func setFromConfig(c *cli.Context, name string, values ...string) error {
	if c.IsSet(name) || len(values) == 0 {
		return nil
	}
	for _, v := range values {
		if err := c.Set(name, v); err != nil {
			return fmt.Errorf("applying config value %q to --%s: %w", v, name, err)
		}
	}
	return nil
}

// applyTLS copies the tls: block into the credential, trust and version
// flags the command has (the ones it lacks are skipped).
func (cfg *Config) applyTLS(c *cli.Context) error {
	t := cfg.TLS
	if t == nil {
		return nil
	}
	has := map[string]bool{}
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			has[n] = true
		}
	}
	set := func(name string, v string) error {
		if !has[name] || v == "" {
			return nil
		}
		return setFromConfig(c, name, v)
	}
	// --cert/--key and --pfx exclude each other: a file's credentials
	// give way to any given on the command line.
	if !c.IsSet("cert") && !c.IsSet("pfx") {
		for _, kv := range [][2]string{{"cert", t.Cert}, {"key", t.Key}, {"pfx", t.PFX}} {
			if err := set(kv[0], kv[1]); err != nil {
				return err
			}
		}
	}
	pass := t.PFXPass
	if pass == "" {
		pass = t.KeyPass
	}
	versions := map[uint16]string{tls.VersionTLS10: "1.0", tls.VersionTLS11: "1.1", tls.VersionTLS12: "1.2", tls.VersionTLS13: "1.3"}
	for _, kv := range [][2]string{{"passin", pass}, {"client-auth", t.ClientAuth}, {"capath", t.CAPath}, {"cafile", t.CAFile},
		{"servername", t.ServerName}, {"min-tls", versions[t.MinVersion]}, {"max-tls", versions[t.MaxVersion]}} {
		if err := set(kv[0], kv[1]); err != nil {
			return err
		}
	}
	if has["crl"] && !c.IsSet("crl") {
		if err := setFromConfig(c, "crl", t.CRLs...); err != nil {
			return err
		}
	}
	if has["insecure"] && t.Insecure {
		if err := setFromConfig(c, "insecure", "true"); err != nil {
			return err
		}
	}
	return nil
}

// serviceFlags renders services: as --service values (PATH=KIND).
func (cfg *Config) serviceFlags() []string {
	out := make([]string, len(cfg.Services))
	for i, s := range cfg.Services {
		out[i] = s.Path + "=" + s.Kind.String()
	}
	return out
}

// dialURL applies --config to a command that dials (client, load) and
// returns the URL to dial: the positional argument when given, else the
// file's url:. The file's subprotocols and tls: block fill the flags the
// command line did not set.
func (e *Env) dialURL(c *cli.Context) (string, error) {
	cfg, err := e.loadConfigFlag(c)
	if err != nil {
		return "", err
	}
	if cfg != nil {
		if cfg.Listen != "" {
			return "", usageErr("%s: listen: is for bridge", cfg.At("listen"))
		}
		if len(cfg.Services) > 0 {
			return "", usageErr("%s: services: is for the echo server", cfg.At("services"))
		}
		if len(cfg.Subprotocols) > 0 {
			if !commandHasFlag(c, "subprotocol") {
				return "", usageErr("%s: subprotocols: is not used by this command", cfg.At("subprotocols"))
			}
			if err := setFromConfig(c, "subprotocol", cfg.Subprotocols...); err != nil {
				return "", err
			}
		}
		if err := cfg.applyTLS(c); err != nil {
			return "", err
		}
	}
	switch {
	case c.NArg() == 1:
		return c.Args().First(), nil
	case c.NArg() == 0 && cfg != nil && cfg.URL != nil:
		return cfg.URL.String(), nil
	case c.NArg() == 0:
		return "", usageErr("want one URL to dial (ws://HOST:PORT/PATH or wss://...), or a --config with url:")
	}
	return "", usageErr("want one URL, got %d arguments", c.NArg())
}

// listenConfig applies --config to the diagnostic server: the url's
// host:port becomes --listen and the tls: block the TLS flags. It returns
// the config (nil without --config) for checkListenScheme.
func (e *Env) listenConfig(c *cli.Context) (*Config, error) {
	cfg, err := e.loadConfigFlag(c)
	if err != nil || cfg == nil {
		return nil, err
	}
	if cfg.Listen != "" {
		return nil, usageErr("%s: listen: is for bridge; the server listens on the url's host:port", cfg.At("listen"))
	}
	if cfg.URL != nil {
		if cfg.URL.Port() == "" {
			return nil, usageErr("%s: url %s has no port", cfg.At("url"), cfg.URL)
		}
		if err := setFromConfig(c, "listen", cfg.URL.Host); err != nil {
			return nil, err
		}
	}
	if cfg.TLS != nil && cfg.TLS.Insecure {
		return nil, usageErr("%s: tls.insecure is for clients", cfg.At("tls.insecure"))
	}
	return cfg, cfg.applyTLS(c)
}

// checkListenScheme holds a server to its config's url: wss:// needs a
// certificate (from tls: or the command line) and ws:// must not get one
// from the command line, so the scheme alone decides plain or TLS. A nil
// config or one without url passes.
func (cfg *Config) checkListenScheme(haveCert bool) error {
	if cfg == nil || cfg.URL == nil {
		return nil
	}
	switch {
	case cfg.URL.Scheme == "wss" && !haveCert:
		return usageErr("%s: url is wss:// but no certificate was given: add tls.cert and tls.key (or tls.pfx), or use --cert/--key or --pfx", cfg.At("url"))
	case cfg.URL.Scheme == "ws" && haveCert:
		return usageErr("%s: url is ws:// but a certificate was given on the command line: the url's scheme decides, make it wss://", cfg.At("url"))
	}
	return nil
}

// commandHasFlag reports whether the running command defines flag name.
func commandHasFlag(c *cli.Context, name string) bool {
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}
