package pkitest

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// ChromiumFlags are the flags every headless Chromium started by a test
// needs: this machine has no network beyond loopback and the package
// registries, so background networking, component updates and sync must be
// off or Chromium keeps dialling out (and failing) while it runs.
var ChromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-dev-shm-usage", "--password-store=basic",
}

// ChromiumCommand returns a command running Chromium with ChromiumFlags, a
// fresh profile and args. home, when not empty, becomes HOME (Chromium on
// Linux reads the NSS database $HOME/.pki/nssdb). Chromium starts helper
// processes that outlive its main one; the command runs in its own process
// group and the whole group is killed and reaped when the test ends, before
// the profile folder is removed.
func ChromiumCommand(ctx context.Context, t testing.TB, chromium, home string, args ...string) *exec.Cmd {
	t.Helper()
	profile := t.TempDir()
	all := append(append([]string{}, ChromiumFlags...), "--user-data-dir="+profile)
	cmd := exec.CommandContext(ctx, chromium, append(all, args...)...)
	if home != "" {
		cmd.Env = append(os.Environ(), "HOME="+home)
	}
	SetProcessGroup(cmd)
	cmd.Cancel = func() error { return KillProcessGroup(cmd) }
	t.Cleanup(func() {
		if cmd.Process != nil {
			_ = KillProcessGroup(cmd) // it may have exited already
			_ = cmd.Wait()            // reaps it if the test did not
		}
	})
	return cmd
}

// DumpDOM loads url in headless Chromium (--dump-dom) and returns what it
// printed, stdout and stderr together, so that a page or its net::ERR_ code
// can be looked for.
func DumpDOM(t testing.TB, chromium, home, url string, timeout time.Duration) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := ChromiumCommand(ctx, t, chromium, home, "--dump-dom", url).CombinedOutput()
	return string(out), err
}

// Browser is a headless Chromium driven over the DevTools protocol.
type Browser struct {
	cmd  *exec.Cmd
	conn *websocket.Conn
	id   int
	once sync.Once
}

// Close stops the browser now (it is also stopped when the test ends).
func (b *Browser) Close() {
	b.once.Do(func() {
		if b.conn != nil {
			b.conn.Close()
		}
		_ = KillProcessGroup(b.cmd) // it may have exited already
		_ = b.cmd.Wait()            // reaps it; its exit status is the kill's
	})
}

var devtoolsRe = regexp.MustCompile(`DevTools listening on (ws://127\.0\.0\.1:\d+/\S+)`)

// StartBrowser starts headless Chromium with a fresh profile and attaches to
// its blank page. It is stopped when the test ends.
func StartBrowser(ctx context.Context, t testing.TB, chromium, home string) *Browser {
	t.Helper()
	cmd := ChromiumCommand(context.Background(), t, chromium, home,
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	var mu sync.Mutex
	var lines []string
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			lines = append(lines, sc.Text())
			mu.Unlock()
			if m := devtoolsRe.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	var browserURL string
	select {
	case browserURL = <-found:
	case <-ctx.Done():
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("chromium did not start its DevTools endpoint: %v\n%s", ctx.Err(), strings.Join(lines, "\n"))
	}
	hostPort := strings.TrimPrefix(browserURL, "ws://")
	hostPort = hostPort[:strings.Index(hostPort, "/")]
	var pageURL string
	var lastErr error
	for i := 0; i < 50 && pageURL == ""; i++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+hostPort+"/json/list", nil)
		resp, err := http.DefaultClient.Do(req)
		lastErr = err
		if err == nil {
			var targets []struct{ Type, WebSocketDebuggerURL string }
			lastErr = json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
			for _, tg := range targets {
				if tg.Type == "page" {
					pageURL = tg.WebSocketDebuggerURL
				}
			}
		}
		if pageURL == "" {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if pageURL == "" {
		t.Fatalf("chromium has no page target (last error: %v)", lastErr)
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, _, err := d.DialContext(ctx, pageURL, nil)
	if err != nil {
		t.Fatalf("attaching to %s: %v", pageURL, err)
	}
	b := &Browser{cmd: cmd, conn: conn}
	t.Cleanup(b.Close)
	return b
}

// Call sends one DevTools command and returns its result, skipping the
// events that arrive meanwhile.
func (b *Browser) Call(ctx context.Context, t testing.TB, method string, params map[string]any) map[string]any {
	t.Helper()
	b.id++
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(30 * time.Second)
	}
	b.conn.SetWriteDeadline(deadline)
	b.conn.SetReadDeadline(deadline)
	if err := b.conn.WriteJSON(map[string]any{"id": b.id, "method": method, "params": params}); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	for i := 0; i < 10000; i++ {
		var msg struct {
			ID     int             `json:"id"`
			Result map[string]any  `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if err := b.conn.ReadJSON(&msg); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if msg.ID != b.id {
			continue
		}
		if len(msg.Error) > 0 {
			t.Fatalf("%s: %s", method, msg.Error)
		}
		return msg.Result
	}
	t.Fatalf("%s: no answer", method)
	return nil
}
