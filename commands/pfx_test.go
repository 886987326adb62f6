package commands

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki"
	"github.com/wsskit/wsskit/pki/pkitest"
)

// pfxInputs is a root, an intermediate and a leaf written as PEM files.
type pfxInputs struct {
	dir                         string
	root, inter, leaf           *pkitest.Cert
	leafPEM, keyPEM, chainPEM   string
	interPEM, rootPEM, fullPEM  string
	encKeyPEM, combinedPEM, pfx string
}

func newPFXInputs(t *testing.T) *pfxInputs {
	t.Helper()
	dir := t.TempDir()
	root := pkitest.Issue(t, pkitest.Template{CN: "pfx test root", CA: true}, nil)
	inter := pkitest.Issue(t, pkitest.Template{CN: "pfx test intermediate", CA: true}, root)
	leaf := pkitest.Issue(t, pkitest.Template{CN: "127.0.0.1", IPs: []net.IP{net.IPv4(127, 0, 0, 1)},
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, inter)
	in := &pfxInputs{dir: dir, root: root, inter: inter, leaf: leaf}
	in.leafPEM = pkitest.WriteFile(t, dir, "leaf.pem", leaf.CertPEM())
	in.keyPEM = pkitest.WriteFile(t, dir, "leaf.key", leaf.KeyPEM())
	in.interPEM = pkitest.WriteFile(t, dir, "inter.pem", inter.CertPEM())
	in.rootPEM = pkitest.WriteFile(t, dir, "root.pem", root.CertPEM())
	in.chainPEM = pkitest.WriteFile(t, dir, "chain.pem", append(inter.CertPEM(), root.CertPEM()...))
	in.fullPEM = pkitest.WriteFile(t, dir, "full.pem", bytes.Join([][]byte{leaf.CertPEM(), inter.CertPEM(), root.CertPEM()}, nil))
	in.combinedPEM = pkitest.WriteFile(t, dir, "combined.pem", append(leaf.CertPEM(), leaf.KeyPEM()...))
	enc, err := pki.EncodeKeyPEM(leaf.Key, []byte("keypass"), nil)
	if err != nil {
		t.Fatal(err)
	}
	in.encKeyPEM = pkitest.WriteFile(t, dir, "leaf-enc.key", enc)
	der, err := pki.EncodePFX(pki.PFXOptions{Key: leaf.Key, Cert: leaf.Cert, Chain: []*x509.Certificate{inter.Cert, root.Cert},
		FriendlyName: "server", Password: []byte("pp")})
	if err != nil {
		t.Fatal(err)
	}
	in.pfx = pkitest.WriteFile(t, dir, "in.pfx", der)
	return in
}

// readPFX parses a written PFX and checks key, leaf and chain.
func (in *pfxInputs) readPFX(t *testing.T, path, pass string) *pki.PFX {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pki.ParsePFX(data, []byte(pass))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if p.Leaf == nil || !p.Leaf.Equal(in.leaf.Cert) || !pki.KeyMatches(p.Key, in.leaf.Cert) {
		t.Errorf("%s: wrong key or leaf", path)
	}
	if len(p.Chain) != 2 || !p.Chain[0].Equal(in.inter.Cert) || !p.Chain[1].Equal(in.root.Cert) {
		t.Errorf("%s: chain has %d certificates, want intermediate then root", path, len(p.Chain))
	}
	return p
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestPFXExport(t *testing.T) {
	in := newPFXInputs(t)
	wantMAC := map[string]string{"compat": "sha1", "aes": "sha256", "rc2": "sha1"}
	for _, enc := range []string{"compat", "aes", "rc2"} {
		t.Run(enc, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "server.pfx")
			r := mustRun(t, "pfx", "export", "--cert", in.leafPEM, "--key", in.keyPEM, "--chain", in.interPEM, "--chain", in.rootPEM,
				"--passout", "pass:pp", "--encryption", enc, "--out", out)
			e, _ := pki.ParsePFXEncryption(enc)
			if !strings.Contains(r.stderr, e.Readers()) {
				t.Errorf("stderr lacks the readers note for %s:\n%s", enc, r.stderr)
			}
			if !strings.Contains(r.stdout, "wrote "+out+": PKCS#12 ("+enc+")") || !strings.Contains(r.stdout, `friendly name: "127.0.0.1"`) {
				t.Errorf("stdout:\n%s", r.stdout)
			}
			if m := fileMode(t, out); m != 0o600 {
				t.Errorf("mode %o, want 0600", m)
			}
			p := in.readPFX(t, out, "pp")
			if p.MAC.Algorithm != wantMAC[enc] || p.Safes[0].Bags[0].FriendlyName != "127.0.0.1" {
				t.Errorf("MAC %s friendly name %q", p.MAC.Algorithm, p.Safes[0].Bags[0].FriendlyName)
			}
		})
	}

	t.Run("full chain in --cert, encrypted key, name, json", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "s.p12")
		r := mustRun(t, "pfx", "export", "--cert", in.fullPEM, "--key", in.encKeyPEM, "--passin", "pass:keypass",
			"--chain", in.rootPEM, "--name", "my server", "--passout", "pass:pp", "--out", out, "--json")
		var got map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("JSON: %v\n%s", err, r.stdout)
		}
		if got["file"] != out || got["encryption"] != "compat" || got["friendly_name"] != "my server" || got["chain"] != float64(2) {
			t.Errorf("JSON %v", got)
		}
		p := in.readPFX(t, out, "pp")
		if p.Safes[1].Bags[0].FriendlyName != "my server" {
			t.Errorf("key bag friendly name %q", p.Safes[1].Bags[0].FriendlyName)
		}
	})

	t.Run("key inside --cert, default pass phrase", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "s.pfx")
		r := mustRun(t, "pfx", "export", "--cert", in.combinedPEM, "--chain", in.chainPEM, "--out", out)
		if !strings.Contains(r.stdout, `PFX pass phrase: "changeit" (the default`) {
			t.Errorf("stdout does not print the default pass phrase:\n%s", r.stdout)
		}
		in.readPFX(t, out, "changeit")
	})

	t.Run("re-export a PFX in another form", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "s.pfx")
		mustRun(t, "pfx", "export", "--cert", in.pfx, "--passin", "pass:pp", "--encryption", "aes", "--passout", "pass:new", "--out", out)
		if p := in.readPFX(t, out, "new"); p.MAC.Algorithm != "sha256" {
			t.Errorf("MAC %s, want sha256", p.MAC.Algorithm)
		}
	})

	t.Run("stdout when not a terminal", func(t *testing.T) {
		r := mustRun(t, "pfx", "export", "--cert", in.leafPEM, "--key", in.keyPEM, "--chain", in.chainPEM, "--passout", "pass:pp")
		path := pkitest.WriteFile(t, t.TempDir(), "s.pfx", []byte(r.stdout))
		in.readPFX(t, path, "pp")
	})

	t.Run("non-ASCII pass phrase warns about Java", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "s.pfx")
		r := mustRun(t, "pfx", "export", "--cert", in.leafPEM, "--key", in.keyPEM, "--chain", in.chainPEM, "--passout", "pass:pässwörd", "--out", out)
		if !strings.Contains(r.stderr, "warning: the pass phrase is not ASCII: Java") {
			t.Errorf("stderr:\n%s", r.stderr)
		}
		in.readPFX(t, out, "pässwörd")
	})
}

func TestPFXExportBadInput(t *testing.T) {
	in := newPFXInputs(t)
	other := pkitest.Issue(t, pkitest.Template{CN: "other"}, nil)
	otherKey := pkitest.WriteFile(t, in.dir, "other.key", other.KeyPEM())
	garbage := pkitest.WriteFile(t, in.dir, "garbage.pem", []byte("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"))
	existing := pkitest.WriteFile(t, in.dir, "existing.pfx", []byte("keep me"))
	tests := []struct {
		name     string
		args     []string
		code     int
		mentions []string
	}{
		{"no --cert", []string{"--key", in.keyPEM}, ExitUsage, []string{"--cert is required"}},
		{"bad encryption", []string{"--cert", in.leafPEM, "--key", in.keyPEM, "--encryption", "des"}, ExitUsage, []string{"--encryption", "des"}},
		{"extra argument", []string{"--cert", in.leafPEM, "--key", in.keyPEM, "stray"}, ExitUsage, nil},
		{"key does not match", []string{"--cert", in.leafPEM, "--key", otherKey}, ExitInput, []string{otherKey, "belongs to none"}},
		{"wrong key pass phrase", []string{"--cert", in.leafPEM, "--key", in.encKeyPEM, "--passin", "pass:nope"}, ExitInput, []string{in.encKeyPEM, "incorrect pass phrase"}},
		{"garbage certificate", []string{"--cert", garbage, "--key", in.keyPEM}, ExitInput, []string{garbage}},
		{"missing file", []string{"--cert", filepath.Join(in.dir, "nope.pem"), "--key", in.keyPEM}, ExitInput, []string{"nope.pem"}},
		{"no key anywhere", []string{"--cert", in.leafPEM}, ExitUsage, []string{"--key is required"}},
		{"chain without certificates", []string{"--cert", in.leafPEM, "--key", in.keyPEM, "--chain", in.keyPEM}, ExitInput, []string{in.keyPEM, "no certificate"}},
		{"output exists", []string{"--cert", in.leafPEM, "--key", in.keyPEM}, ExitUsage, []string{"already exists"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.pfx")
			if tt.name == "output exists" {
				out = existing
			}
			args := append([]string{"pfx", "export", "--passout", "pass:pp", "--out", out}, tt.args...)
			run(t, "", args...).wantFail(t, tt.code, tt.mentions...)
			if tt.name == "output exists" {
				if data, _ := os.ReadFile(existing); string(data) != "keep me" {
					t.Errorf("existing file was overwritten")
				}
			} else if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s was written despite the failure", out)
			}
		})
	}
}

func TestPFXUnpack(t *testing.T) {
	in := newPFXInputs(t)
	for _, enc := range []pki.PFXEncryption{pki.PFXCompat, pki.PFXAES, pki.PFXRC2} {
		t.Run(enc.String(), func(t *testing.T) {
			der, err := pki.EncodePFX(pki.PFXOptions{Key: in.leaf.Key, Cert: in.leaf.Cert, Chain: []*x509.Certificate{in.inter.Cert, in.root.Cert},
				Password: []byte("pp"), Encryption: enc})
			if err != nil {
				t.Fatal(err)
			}
			pfx := pkitest.WriteFile(t, t.TempDir(), "s.pfx", der)
			dir := filepath.Join(t.TempDir(), "new", "dir")
			r := mustRun(t, "pfx", "unpack", pfx, "--passin", "pass:pp", "--out-dir", dir)
			for _, name := range []string{"cert.pem", "chain.pem", "key.pem"} {
				if !strings.Contains(r.stdout, name) {
					t.Errorf("stdout does not list %s:\n%s", name, r.stdout)
				}
			}
			in.checkUnpacked(t, dir, nil)
		})
	}

	t.Run("openssl -legacy fixture, no legacy switch", func(t *testing.T) {
		dir := t.TempDir()
		mustRun(t, "pfx", "unpack", filepath.Join("..", "testdata", "pfx", "legacy.p12"), "--passin", "pass:test", "--out-dir", dir)
		b, err := pki.Load(mustRead(t, filepath.Join(dir, "key.pem")), nil)
		if err != nil || len(b.Keys) != 1 {
			t.Fatalf("key.pem: %v", err)
		}
		c, err := pki.Load(mustRead(t, filepath.Join(dir, "cert.pem")), nil)
		if err != nil || len(c.Certs) != 1 || !pki.KeyMatches(b.Keys[0], c.Certs[0]) {
			t.Fatalf("cert.pem does not match key.pem: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "chain.pem")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("chain.pem written for a PFX without CA certificates")
		}
	})

	t.Run("empty pass phrase needs no --passin", func(t *testing.T) {
		dir := t.TempDir()
		mustRun(t, "pfx", "unpack", filepath.Join("..", "testdata", "pfx", "empty-pass.p12"), "--out-dir", dir)
		if m := fileMode(t, filepath.Join(dir, "key.pem")); m != 0o600 {
			t.Errorf("key.pem mode %o", m)
		}
	})

	t.Run("--passout encrypts key.pem, --json", func(t *testing.T) {
		dir := t.TempDir()
		r := mustRun(t, "pfx", "unpack", in.pfx, "--passin", "pass:pp", "--out-dir", dir, "--passout", "pass:kp", "--json")
		var got struct {
			Files []struct{ Path, What, Mode string }
			PFX   map[string]string `json:"pfx"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("JSON: %v\n%s", err, r.stdout)
		}
		if len(got.Files) != 3 || got.PFX["mac"] != "sha1, 2048 iterations" || !strings.Contains(got.PFX["safes"], "pbeWithSHA1And3-KeyTripleDES-CBC") {
			t.Errorf("JSON %+v", got)
		}
		in.checkUnpacked(t, dir, []byte("kp"))
	})

	t.Run("openssl reads the unpacked files", func(t *testing.T) {
		openssl := pkitest.Tool(t, "openssl")
		dir := t.TempDir()
		mustRun(t, "pfx", "unpack", in.pfx, "--passin", "pass:pp", "--out-dir", dir)
		out, err := exec.Command(openssl, "verify", "-no-CAfile", "-no-CApath", "-no-CAstore", "-CAfile", in.rootPEM,
			"-untrusted", filepath.Join(dir, "chain.pem"), filepath.Join(dir, "cert.pem")).CombinedOutput()
		if err != nil || !strings.Contains(string(out), ": OK") {
			t.Errorf("openssl verify: %v\n%s", err, out)
		}
		out, err = exec.Command(openssl, "pkey", "-in", filepath.Join(dir, "key.pem"), "-noout").CombinedOutput()
		if err != nil {
			t.Errorf("openssl pkey: %v\n%s", err, out)
		}
	})
}

// checkUnpacked checks cert.pem, chain.pem and key.pem (decrypted with pass
// when not nil) and their modes.
func (in *pfxInputs) checkUnpacked(t *testing.T, dir string, pass []byte) {
	t.Helper()
	cert, err := pki.Load(mustRead(t, filepath.Join(dir, "cert.pem")), nil)
	if err != nil || len(cert.Certs) != 1 || !cert.Certs[0].Equal(in.leaf.Cert) {
		t.Errorf("cert.pem: %v", err)
	}
	chain, err := pki.Load(mustRead(t, filepath.Join(dir, "chain.pem")), nil)
	if err != nil || len(chain.Certs) != 2 || !chain.Certs[0].Equal(in.inter.Cert) || !chain.Certs[1].Equal(in.root.Cert) {
		t.Errorf("chain.pem: %v", err)
	}
	keyData := mustRead(t, filepath.Join(dir, "key.pem"))
	block, _ := pem.Decode(keyData)
	wantType := "PRIVATE KEY"
	if pass != nil {
		wantType = "ENCRYPTED PRIVATE KEY"
	}
	if block == nil || block.Type != wantType {
		t.Fatalf("key.pem is not %s", wantType)
	}
	key, err := pki.Load(keyData, func() ([]byte, error) { return pass, nil })
	if err != nil || len(key.Keys) != 1 || !pki.KeyMatches(key.Keys[0], in.leaf.Cert) {
		t.Errorf("key.pem: %v", err)
	}
	for name, want := range map[string]os.FileMode{"cert.pem": 0o644, "chain.pem": 0o644, "key.pem": 0o600} {
		if m := fileMode(t, filepath.Join(dir, name)); m != want {
			t.Errorf("%s mode %o, want %o", name, m, want)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestPFXUnpackBadInput(t *testing.T) {
	in := newPFXInputs(t)
	data := mustRead(t, in.pfx)
	truncated := pkitest.WriteFile(t, in.dir, "truncated.pfx", data[:len(data)/2])
	garbage := pkitest.WriteFile(t, in.dir, "garbage.pfx", []byte("this is not a PFX"))
	tests := []struct {
		name     string
		args     []string
		code     int
		mentions []string
	}{
		{"wrong pass phrase", []string{in.pfx, "--passin", "pass:wrong"}, ExitInput, []string{in.pfx, "incorrect pass phrase"}},
		{"no pass phrase", []string{in.pfx}, ExitInput, []string{in.pfx, "no pass phrase was given"}},
		{"truncated", []string{truncated, "--passin", "pass:pp"}, ExitInput, []string{truncated, "not a PKCS#12 file"}},
		{"garbage", []string{garbage, "--passin", "pass:pp"}, ExitInput, []string{garbage, "not a PKCS#12 file"}},
		{"a PEM certificate", []string{in.leafPEM}, ExitInput, []string{in.leafPEM, "not a PKCS#12 file"}},
		{"missing file", []string{filepath.Join(in.dir, "nope.pfx")}, ExitInput, []string{"nope.pfx"}},
		{"no argument", nil, ExitUsage, []string{"one PFX file"}},
		{"two arguments", []string{in.pfx, in.pfx}, ExitUsage, []string{"one PFX file"}},
		{"bad pass source", []string{in.pfx, "--passin", "bogus:x"}, ExitUsage, []string{"--passin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			r := run(t, "", append([]string{"pfx", "unpack", "--out-dir", dir}, tt.args...)...)
			r.wantFail(t, tt.code, tt.mentions...)
			if strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 {
				t.Errorf("more than an error and a hint line:\n%s", r.stderr)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("output folder created despite the failure")
			}
		})
	}

	t.Run("existing output without --force", func(t *testing.T) {
		dir := t.TempDir()
		pkitest.WriteFile(t, dir, "chain.pem", []byte("keep me"))
		run(t, "", "pfx", "unpack", in.pfx, "--passin", "pass:pp", "--out-dir", dir).wantFail(t, ExitUsage, "chain.pem", "already exists")
		for _, name := range []string{"cert.pem", "key.pem"} {
			if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s written although the command failed", name)
			}
		}
		mustRun(t, "pfx", "unpack", in.pfx, "--passin", "pass:pp", "--out-dir", dir, "--force")
		in.checkUnpacked(t, dir, nil)
	})
}

// TestShowPFX checks the PKCS#12 part of `wsskit show`, text and JSON, on
// openssl-made fixtures.
func TestShowPFX(t *testing.T) {
	fixture := func(name string) string { return filepath.Join("..", "testdata", "pfx", name) }
	r := mustRun(t, "show", fixture("chain.p12"), "--passin", "pass:test")
	for _, want := range []string{
		"  PKCS#12\n",
		"    MAC:          sha256, 2048 iterations, 8-byte salt\n",
		"    form:         " + pki.PFXAES.Readers() + "\n",
		"    safe 1:       encrypted: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256\n",
		`      certBag              CN=127.0.0.1 [matches the key], friendlyName "wsskit fixture", localKeyID `,
		"      certBag              CN=wsskit fixture intermediate\n",
		"    safe 2:       plain data\n",
		`      pkcs8ShroudedKeyBag  ec:P-256, encrypted: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256, friendlyName "wsskit fixture"`,
		"    key:          belongs to CN=127.0.0.1 (matched by public key)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = mustRun(t, "show", fixture("legacy.p12"), "--passin", "pass:test")
	if !strings.Contains(r.stdout, "    form:         "+pki.PFXRC2.Readers()) ||
		!strings.Contains(r.stdout, "encrypted: pbeWithSHA1And40BitRC2-CBC, Iteration 2048") {
		t.Errorf("legacy.p12:\n%s", r.stdout)
	}
	r = mustRun(t, "show", fixture("nomac.p12"), "--passin", "pass:test")
	if !strings.Contains(r.stdout, "    MAC:          [none] no integrity check") {
		t.Errorf("nomac.p12:\n%s", r.stdout)
	}

	r = mustRun(t, "show", "--json", fixture("compat.p12"), "--passin", "pass:test")
	var got struct {
		Files []struct {
			PFX *pki.PFXInfo `json:"pfx"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("JSON: %v\n%s", err, r.stdout)
	}
	if len(got.Files) != 1 || got.Files[0].PFX == nil {
		t.Fatalf("no pfx object in %s", r.stdout)
	}
	p := got.Files[0].PFX
	if p.MAC == nil || p.MAC.Algorithm != "sha1" || p.MAC.Iterations != 2048 || p.Form != "compat" || len(p.Safes) != 2 ||
		p.Safes[0].Bags[0].Type != "certBag" || !p.Safes[0].Bags[0].IsLeaf || p.Safes[1].Bags[0].KeyType != "ec:P-256" ||
		p.Leaf != "CN=127.0.0.1" || p.LeafMatch != "public key" {
		t.Errorf("pfx JSON: %+v", p)
	}
	for _, key := range []string{`"mac"`, `"salt_length"`, `"form"`, `"readers"`, `"safes"`, `"encrypted"`, `"bags"`, `"local_key_id"`, `"key_encryption"`, `"leaf_match"`} {
		if !strings.Contains(r.stdout, key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
	run(t, "", "show", fixture("compat.p12"), "--passin", "pass:nope").wantFail(t, ExitInput, "compat.p12", "incorrect pass phrase")
}
