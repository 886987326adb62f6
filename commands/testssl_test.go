package commands

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// TestTestSSL runs testdata/testssl.sh — testssl.sh (the Debian package)
// against `wsskit echo` and `wsskit server` on their defaults — and fails on
// any finding of severity LOW or above, or any check testssl.sh calls
// "NOT ok" or "VULNERABLE", outside the script's short allow-list of test-PKI
// properties (issue 8: the TLS hygiene of the servers' defaults).
func TestTestSSL(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("testssl.sh scans take about a minute each")
	}
	if runtime.GOOS == "windows" {
		t.Skip("testdata/testssl.sh is a POSIX shell script")
	}
	tool := pkitest.Tool(t, "testssl")
	bin := wsskitBinary(t)
	out := t.TempDir()
	cmd := exec.Command("sh", filepath.Join("..", "testdata", "testssl.sh"), "echo", "server")
	cmd.Env = append(os.Environ(), "WSSKIT="+bin, "TESTSSL="+tool, "OUT="+out)
	res, err := cmd.CombinedOutput()
	if err != nil {
		for _, name := range []string{"echo.txt", "server.txt"} {
			if b, rerr := os.ReadFile(filepath.Join(out, name)); rerr == nil {
				t.Logf("%s:\n%s", name, b)
			}
		}
		t.Fatalf("testdata/testssl.sh: %v\n%s", err, res)
	}
	t.Logf("%s", res)
}
