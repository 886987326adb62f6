package commands

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestJSONOnWritingCommands: DESIGN.md puts --json on every command that
// reports; the commands that write a certificate, CSR or CRL report what
// they wrote, as one JSON object on stdout, with the file written as usual
// (or the PEM inside the object when there is no --out).
func TestJSONOnWritingCommands(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	mustRun(t, "-q", "pki", "init", "--dir", p("pki"))
	mustRun(t, "-q", "key", "new", "--out", p("k.pem"))
	mustRun(t, "-q", "csr", "new", "--key", p("k.pem"), "--subject", "/CN=client9", "--san", "DNS:c9.test", "--out", p("c9.csr"))
	ca, caKey := p("pki/ca.pem"), p("pki/ca.key")

	cases := []struct {
		name string
		args []string
		file string            // written file, "" when none
		want map[string]string // string fields and their values ("*": present)
	}{
		{"cert new to file", []string{"cert", "new", "--subject", "/CN=127.0.0.1", "--ca", ca, "--ca-key", caKey, "--out", p("s.pem")}, p("s.pem"),
			map[string]string{"file": p("s.pem"), "subject": "CN=127.0.0.1", "key_file": p("s.key"), "key_type": "ec:P-256", "serial": "*", "not_after": "*"}},
		{"cert new to stdout", []string{"cert", "new", "--subject", "/CN=self", "--profile", "client"}, "",
			map[string]string{"subject": "CN=self", "issuer": "CN=self", "pem": "*", "key_pem": "*"}},
		{"cert sign to file", []string{"cert", "sign", "--csr", p("c9.csr"), "--ca", ca, "--ca-key", caKey, "--copy-sans", "--out", p("c9.pem")}, p("c9.pem"),
			map[string]string{"file": p("c9.pem"), "subject": "CN=client9", "serial": "*"}},
		{"cert sign to stdout", []string{"cert", "sign", "--csr", p("c9.csr"), "--ca", ca, "--ca-key", caKey}, "",
			map[string]string{"subject": "CN=client9", "pem": "*"}},
		{"csr new to file", []string{"csr", "new", "--key", p("k.pem"), "--subject", "/CN=x", "--out", p("x.csr")}, p("x.csr"),
			map[string]string{"file": p("x.csr"), "subject": "CN=x"}},
		{"csr new to stdout", []string{"csr", "new", "--key", p("k.pem"), "--subject", "/CN=x"}, "",
			map[string]string{"subject": "CN=x", "pem": "*"}},
		{"crl new to file", []string{"crl", "new", "--ca", ca, "--ca-key", caKey, "--out", p("ca.crl")}, p("ca.crl"),
			map[string]string{"file": p("ca.crl"), "number": "1", "next_update": "*"}},
		{"crl new to stdout", []string{"crl", "new", "--ca", ca, "--ca-key", caKey, "--number", "7"}, "",
			map[string]string{"number": "7", "pem": "*"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, "", append(tc.args, "--json")...)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, r.stdout)
			}
			for k, want := range tc.want {
				v, ok := got[k].(string)
				if !ok || v == "" || want != "*" && v != want {
					t.Errorf("%s = %v, want %q", k, got[k], want)
				}
			}
			if tc.file != "" {
				if _, err := os.Stat(tc.file); err != nil {
					t.Errorf("--json wrote no %s: %v", tc.file, err)
				}
			}
		})
	}
}
