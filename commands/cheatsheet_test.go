package commands

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// sheetBlock is one fenced block of docs/cheatsheet.md.
type sheetBlock struct {
	kind    string // "openssl", "wsskit" or "check"
	heading string
	line    int
	text    string
}

var fenceRe = regexp.MustCompile("^```sh (openssl|wsskit|check)\\s*$")

func parseCheatSheet(t *testing.T) []sheetBlock {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "docs", "cheatsheet.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []sheetBlock
	var cur *sheetBlock
	heading := ""
	for i, l := range strings.Split(string(data), "\n") {
		switch {
		case cur != nil && l == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += l + "\n"
		case strings.HasPrefix(l, "## "):
			heading = strings.TrimPrefix(l, "## ")
		default:
			if m := fenceRe.FindStringSubmatch(l); m != nil {
				cur = &sheetBlock{kind: m[1], heading: heading, line: i + 1}
			}
		}
	}
	if cur != nil {
		t.Fatalf("docs/cheatsheet.md: block at line %d is not closed", cur.line)
	}
	return blocks
}

// sheetRunner runs the blocks of one column in one folder.
type sheetRunner struct {
	t    *testing.T
	bash string
	dir  string
	env  []string
	port string
}

func (r *sheetRunner) run(b sheetBlock) int {
	r.t.Helper()
	text := strings.ReplaceAll(b.text, "8443", r.port)
	var kept []string
	wsskitLines := 0
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if strings.Contains(l, "# slow") {
			continue // documented as not run by this test
		}
		if strings.HasPrefix(l, "wsskit ") {
			wsskitLines++
		}
		if strings.HasSuffix(strings.TrimSpace(l), "&") {
			r.background(b, strings.TrimSuffix(strings.TrimSpace(l), "&"))
			continue
		}
		kept = append(kept, l)
	}
	if len(kept) == 0 {
		return wsskitLines
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.bash, "-e", "-o", "pipefail", "-c", strings.Join(kept, "\n"))
	cmd.Dir, cmd.Env = r.dir, r.env
	if out, err := cmd.CombinedOutput(); err != nil {
		r.t.Fatalf("docs/cheatsheet.md:%d (%s, %s block) failed: %v\n%s\n--- output:\n%s", b.line, b.heading, b.kind, err, strings.Join(kept, "\n"), out)
	}
	return wsskitLines
}

// background starts a server line and waits until its port accepts.
func (r *sheetRunner) background(b sheetBlock, line string) {
	r.t.Helper()
	cmd := exec.Command(r.bash, "-c", "exec "+line)
	cmd.Dir, cmd.Env = r.dir, r.env
	pkitest.SetProcessGroup(cmd)
	log := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() {
		pkitest.KillProcessGroup(cmd) // the group started above
		cmd.Wait()                    // reaps it; its status is the kill's
	})
	addr := "127.0.0.1:" + r.port
	for deadline := time.Now().Add(20 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("docs/cheatsheet.md:%d (%s): %q never listened on %s\n%s", b.line, b.heading, line, addr, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freeLoopbackPort returns a loopback TCP port that was free a moment ago.
func freeLoopbackPort(t *testing.T) string {
	_, port, _ := net.SplitHostPort(freePort(t))
	return port
}

// TestCheatSheet runs docs/cheatsheet.md: every wsskit block in order in one
// folder, each followed by its check block (openssl verifying the result),
// and every openssl block in another folder, so both columns stay true.
func TestCheatSheet(t *testing.T) {
	bash := pkitest.Tool(t, "bash")
	openssl := pkitest.Tool(t, "openssl")
	bin := wsskitBinary(t)
	blocks := parseCheatSheet(t)
	path := filepath.Dir(bin) + string(os.PathListSeparator) + filepath.Dir(openssl) + string(os.PathListSeparator) + os.Getenv("PATH")
	env := append(os.Environ(), "PATH="+path, "NO_COLOR=1")

	t.Run("wsskit", func(t *testing.T) {
		r := &sheetRunner{t: t, bash: bash, dir: t.TempDir(), env: env, port: freeLoopbackPort(t)}
		lines, checks := 0, 0
		for _, b := range blocks {
			switch b.kind {
			case "wsskit":
				lines += r.run(b)
			case "check":
				checks++
				r.run(b)
			}
		}
		if lines < 20 || checks < 10 {
			t.Fatalf("ran only %d wsskit lines and %d checks: is the page's format broken?", lines, checks)
		}
	})
	t.Run("openssl", func(t *testing.T) {
		r := &sheetRunner{t: t, bash: bash, dir: t.TempDir(), env: env, port: freeLoopbackPort(t)}
		n := 0
		for _, b := range blocks {
			if b.kind == "openssl" {
				r.run(b)
				n++
			}
		}
		if n < 10 {
			t.Fatalf("ran only %d openssl blocks", n)
		}
	})
}
