package commands

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGoRunDemo runs the README's first command exactly as a newcomer
// would, as a subprocess: `go run . demo` from the repository root.
func TestGoRunDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", ".", "demo")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run . demo: %v\n%s", err, out)
	}
	for _, want := range []string{
		"OK the server accepted the client certificate and echoed the message",
		"refused as expected (cause_id client_cert_required)",
		"the server logged:",
		"5. the same by hand",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "UNEXPECTED") {
		t.Errorf("demo reports an unexpected result:\n%s", out)
	}
}

// TestDemoKeepsDir: with --dir the PKI stays, complete, for the user to
// play with; without it nothing is left behind.
func TestDemoKeepsDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	mustRun(t, "demo", "--dir", dir)
	for _, f := range []string{"ca.pem", "server.pfx", "client.pfx", "client.key"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("demo --dir left no %s: %v", f, err)
		}
	}
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "wsskit-demo-*"))
	mustRun(t, "demo")
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "wsskit-demo-*"))
	if len(after) > len(before) {
		t.Errorf("demo left a temporary folder behind: %v", after)
	}
}

// TestDemoDirAgain: a second demo --dir on the same folder refuses to
// overwrite and names the flag that does; that flag exists and works.
func TestDemoDirAgain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	mustRun(t, "demo", "--dir", dir)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"without --force", []string{"demo", "--dir", dir}, ExitUsage, "--force"},
		{"with --force", []string{"demo", "--dir", dir, "--force"}, 0, ""},
		{"with -f", []string{"demo", "-f", "--dir", dir}, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, "", tc.args...)
			if tc.code != 0 {
				r.wantFail(t, tc.code, tc.want)
				return
			}
			if r.code != 0 {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if r := run(t, "", "capath", "list", filepath.Join(dir, "ca")); r.code != 0 {
				t.Errorf("ca/ after demo --force: exit %d\n%s", r.code, r.stdout)
			}
		})
	}
}
