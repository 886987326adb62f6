package commands

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/fatih/color"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/golden")

func init() { color.NoColor = true }

// result is what one in-process run of wsskit printed.
type result struct {
	stdout, stderr string
	code           int
}

// run runs wsskit in-process with args (without the program name).
func run(t testing.TB, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(append([]string{"wsskit"}, args...), strings.NewReader(stdin), &out, &errOut)
	return result{out.String(), errOut.String(), code}
}

// mustRun runs wsskit and fails the test unless it exits 0.
func mustRun(t testing.TB, args ...string) result {
	t.Helper()
	r := run(t, "", args...)
	if r.code != 0 {
		t.Fatalf("wsskit %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// wantFail checks the exit code and that stderr's first line names what it
// should, in one line starting "error: ".
func (r result) wantFail(t testing.TB, code int, mentions ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	first, _, _ := strings.Cut(r.stderr, "\n")
	if !strings.HasPrefix(first, "error: ") {
		t.Errorf("stderr does not start with one error line: %q", r.stderr)
	}
	for _, m := range mentions {
		if !strings.Contains(first, m) {
			t.Errorf("error line %q does not mention %q", first, m)
		}
	}
	if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine ") {
		t.Errorf("stderr shows a panic:\n%s", r.stderr)
	}
}

// golden compares got with testdata/golden/name.golden (rewritten with -update).
func golden(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./commands -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (-update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

var maskRe = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`[0-9a-f]{8}\.0\b`), "HASH.0"},
	{regexp.MustCompile(`wsskit test CA [0-9a-f]{8}`), "wsskit test CA XXXXXXXX"},
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}`), "YYYY-MM-DD"},
	{regexp.MustCompile(`[0-9a-f]{16}…`), "FINGERPRINT…"},
}

// mask replaces values that change from run to run.
func mask(s, dir string) string {
	if dir != "" {
		s = strings.ReplaceAll(s, dir, "DIR")
	}
	for _, m := range maskRe {
		s = m.re.ReplaceAllString(s, m.repl)
	}
	return s
}

// buildWsskit builds the wsskit binary once per test run, into the
// git-ignored testdata/.cache (go build is incremental: a rebuild of
// unchanged sources only relinks).
var buildWsskit = sync.OnceValues(func() (string, error) {
	dir, err := filepath.Abs(filepath.Join("..", "testdata", ".cache", "bin"))
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "wsskit")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// wsskitBinary returns the path of a freshly built wsskit binary.
func wsskitBinary(t testing.TB) string {
	t.Helper()
	bin, err := buildWsskit()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// freePort returns a loopback address (127.0.0.1:PORT) that was free a
// moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
