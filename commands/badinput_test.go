package commands

import (
	"path/filepath"
	"testing"
)

// badDir is the committed bad-input corpus (testdata/bad/README.md).
var badDir = filepath.Join("..", "testdata", "bad")

func bad(name string) string { return filepath.Join(badDir, name) }

// TestNonCAIssuerIsBadInput: a leaf given as --ca is a fault of that input
// (exit 3, naming the file), not a failed check (exit 1 without a file).
func TestNonCAIssuerIsBadInput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.pem")
	for _, args := range [][]string{
		{"cert", "sign", "--csr", bad("csr.pem"), "--ca", bad("cert.pem"), "--ca-key", bad("key.pem"), "--out", out},
		{"-q", "cert", "new", "--subject", "/CN=x", "--ca", bad("cert.pem"), "--ca-key", bad("key.pem"), "--out", out},
	} {
		run(t, "", args...).wantFail(t, ExitInput, bad("cert.pem"), "not a CA")
	}
}
