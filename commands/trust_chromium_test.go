//go:build linux

package commands

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsskit/wsskit/pki/pkitest"
)

// The page Chromium loads: it opens a wss:// WebSocket to the same server,
// sends a message and records the echo in window.wsResult.
const trustTestPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>wsskit trust test</title></head>
<body><p id="status">page loaded over https</p>
<script>
window.wsResult = new Promise((resolve) => {
  const ws = new WebSocket("wss://" + location.host + "/echo");
  const timer = setTimeout(() => resolve("timeout"), 10000);
  ws.onopen = () => ws.send("hello from chromium");
  ws.onmessage = (ev) => { clearTimeout(timer); resolve("echo: " + ev.data); ws.close(); };
  ws.onerror = () => { clearTimeout(timer); resolve("websocket error"); };
});
</script></body></html>
`

// TestTrustChromium is the acceptance test of `trust install --store nss`:
// headless Chromium, with a home folder of its own, refuses an https://
// page served with a certificate from a fresh wsskit CA
// (net::ERR_CERT_AUTHORITY_INVALID); after `wsskit trust install --ca
// ca.pem --store nss` puts the CA into that home's ~/.pki/nssdb, the same
// page loads and its JavaScript gets a wss:// echo back. No
// --ignore-certificate-errors anywhere.
func TestTrustChromium(t *testing.T) {
	chromium := pkitest.Tool(t, "chromium")
	pkitest.Tool(t, "certutil")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	mustRun(t, "pki", "init", "--dir", pkiDir)

	cert, err := tls.LoadX509KeyPair(filepath.Join(pkiDir, "server.pem"), filepath.Join(pkiDir, "server.key"))
	if err != nil {
		t.Fatal(err)
	}
	echoed := make(chan string, 4)
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		up := websocket.Upgrader{HandshakeTimeout: 5 * time.Second} // same-origin check: the page's own host
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return // Upgrade has answered the client
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		typ, msg, err := c.ReadMessage()
		if err != nil {
			t.Errorf("echo handler: %v", err)
			return
		}
		echoed <- string(msg)
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if err := c.WriteMessage(typ, msg); err != nil {
			t.Errorf("echo handler: %v", err)
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, trustTestPage)
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes of the first run are expected
	srv.StartTLS()
	defer srv.Close()
	url := srv.URL + "/"
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("server URL %s is not on loopback", url)
	}

	// 1. Without the CA: a certificate error, no page.
	b := pkitest.StartBrowser(ctx, t, chromium, home)
	nav := b.Call(ctx, t, "Page.navigate", map[string]any{"url": url})
	if got := nav["errorText"]; got != "net::ERR_CERT_AUTHORITY_INVALID" {
		t.Fatalf("before trust install: navigation errorText %v, want net::ERR_CERT_AUTHORITY_INVALID", got)
	}
	b.Close()

	// 2. wsskit trust install, in-process, into this HOME's NSS database.
	r := mustRun(t, "trust", "install", "--ca", filepath.Join(pkiDir, "ca.pem"), "--store", "nss")
	db := filepath.Join(home, ".pki", "nssdb")
	if !strings.Contains(r.stdout, "[added] added to NSS db sql:"+db+" (Chromium) as 'wsskit test CA ") {
		t.Fatalf("trust install output:\n%s%s", r.stdout, r.stderr)
	}

	// 3. With the CA: the page loads and its wss:// echo comes back.
	b = pkitest.StartBrowser(ctx, t, chromium, home)
	defer b.Close()
	nav = b.Call(ctx, t, "Page.navigate", map[string]any{"url": url})
	if e, ok := nav["errorText"]; ok && e != "" {
		t.Fatalf("after trust install: navigation failed: %v", e)
	}
	res := b.Call(ctx, t, "Runtime.evaluate", map[string]any{
		"expression": `new Promise((resolve) => {
			const start = Date.now();
			const wait = () => {
				if (window.wsResult) { window.wsResult.then((v) => resolve(document.getElementById("status").textContent + " | " + v)); return; }
				if (Date.now() - start > 10000) { resolve("no page script: " + document.body.innerText); return; }
				setTimeout(wait, 50);
			};
			wait();
		})`,
		"awaitPromise": true, "returnByValue": true,
	})
	val, _ := res["result"].(map[string]any)
	if got, want := fmt.Sprint(val["value"]), "page loaded over https | echo: hello from chromium"; got != want {
		t.Fatalf("page reported %q, want %q (evaluate result %v)", got, want, res)
	}
	select {
	case msg := <-echoed:
		if msg != "hello from chromium" {
			t.Errorf("server got %q", msg)
		}
	case <-ctx.Done():
		t.Fatal("the server never saw the WebSocket message")
	}

	// 4. Idempotent, and gone again after uninstall.
	r = mustRun(t, "trust", "install", "--ca", filepath.Join(pkiDir, "ca.pem"), "--store", "nss")
	if !strings.Contains(r.stdout, "[unchanged] already in NSS db") {
		t.Errorf("second install:\n%s", r.stdout)
	}
	mustRun(t, "trust", "uninstall", "--ca", filepath.Join(pkiDir, "ca.pem"), "--store", "nss")
	r = mustRun(t, "trust", "list", "--ca", filepath.Join(pkiDir, "ca.pem"), "--store", "nss")
	if !strings.Contains(r.stdout, "[absent] not in NSS db sql:"+db) {
		t.Errorf("list after uninstall:\n%s", r.stdout)
	}
}
