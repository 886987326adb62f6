package commands

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedDocsAreFresh fails when docs/wsskit.1 or docs/reference.md
// no longer match the command tree: run `make docs`.
func TestGeneratedDocsAreFresh(t *testing.T) {
	man, md, err := renderDocs(NewApp(nil, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"wsskit.1": man, "reference.md": md} {
		got, err := os.ReadFile(filepath.Join("..", "docs", name))
		if err != nil {
			t.Fatalf("%v (run make docs)", err)
		}
		if string(got) != want {
			t.Errorf("docs/%s is stale: run make docs", name)
		}
	}
}

// completeArgs runs a completion request. urfave/cli reads os.Args (not
// the arguments given to Run) to see what is being completed, so set them.
func completeArgs(t *testing.T, args ...string) result {
	t.Helper()
	saved := os.Args
	os.Args = append([]string{"wsskit"}, args...)
	defer func() { os.Args = saved }()
	return mustRun(t, args...)
}

func TestCompletion(t *testing.T) {
	r := completeArgs(t, "cert", "--generate-bash-completion")
	if r.stdout != "new\nsign\n" {
		t.Errorf("completion of 'cert': %q", r.stdout)
	}
	r = completeArgs(t, "pki", "init", "-", "--generate-bash-completion")
	if !strings.Contains(r.stdout, "--pfx-pass") {
		t.Errorf("flag completion of 'pki init': %q", r.stdout)
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := mustRun(t, "completion", shell)
		if !strings.Contains(r.stdout, "wsskit") {
			t.Errorf("completion %s: %q", shell, r.stdout)
		}
	}
	run(t, "", "completion", "tcsh").wantFail(t, ExitUsage, "tcsh")
	// The bash script is valid bash and registers the completion.
	if bash, err := exec.LookPath("bash"); err == nil {
		script := mustRun(t, "completion", "bash").stdout
		out, err := exec.Command(bash, "-c", script+"\ncomplete -p wsskit").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "_wsskit_complete") {
			t.Errorf("bash could not load the completion script: %v\n%s", err, out)
		}
	}
}
