package wsecho

// Headless Chromium loads the embedded test page and talks WebSocket:
// trusting the test CA through a fresh NSS database (no
// --ignore-certificate-errors), presenting a client certificate chosen by a
// managed AutoSelectCertificateForUrls policy, and through the bridge with
// no browser setup at all. The browser is driven over the DevTools protocol
// (pkitest.StartBrowser); nothing is downloaded.

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki"
	"github.com/wsskit/wsskit/pki/pkitest"
)

// browserHome is a HOME for Chromium with its own NSS database.
type browserHome struct {
	dir, nssdb string
}

func newBrowserHome(t *testing.T) *browserHome {
	t.Helper()
	certutil := pkitest.Tool(t, "certutil")
	h := &browserHome{dir: t.TempDir()}
	h.nssdb = filepath.Join(h.dir, ".pki", "nssdb")
	if err := os.MkdirAll(h.nssdb, 0o700); err != nil {
		t.Fatal(err)
	}
	pkitest.Run(t, certutil, "-d", "sql:"+h.nssdb, "-N", "--empty-password")
	return h
}

// trustCA adds ca as a trusted TLS CA ("C,,") to the NSS database.
func (h *browserHome) trustCA(t *testing.T, ca *pkitest.Cert) {
	t.Helper()
	certutil := pkitest.Tool(t, "certutil")
	f := pkitest.WriteFile(t, h.dir, "ca.pem", ca.CertPEM())
	pkitest.Run(t, certutil, "-d", "sql:"+h.nssdb, "-A", "-t", "C,,", "-n", "wsecho test CA", "-i", f)
}

// importPFX imports the client certificate and key as a PFX made by pki
// (the compat form every reader opens).
func (h *browserHome) importPFX(t *testing.T, c *pkitest.Cert) {
	t.Helper()
	pk12util := pkitest.Tool(t, "pk12util")
	der, err := pki.EncodePFX(pki.PFXOptions{Key: c.Key, Cert: c.Cert, Password: []byte("test")})
	if err != nil {
		t.Fatal(err)
	}
	f := pkitest.WriteFile(t, h.dir, "client.pfx", der)
	pkitest.Run(t, pk12util, "-d", "sql:"+h.nssdb, "-i", f, "-W", "test")
}

// managedPolicy writes a Chromium managed policy file for the test's run
// and removes it at cleanup. Debian's chromium reads
// /etc/chromium/policies/managed/*.json at start. Writing there needs root,
// which only CI runs are expected to have.
func managedPolicy(t *testing.T, policy map[string]any) {
	t.Helper()
	if !pkitest.InCI() || os.Geteuid() != 0 {
		if pkitest.InCI() {
			t.Fatal("the Chromium client-certificate test needs root under CI to write a managed policy")
		}
		t.Skip("writing a Chromium managed policy needs CI and root")
	}
	dir := "/etc/chromium/policies/managed"
	var made []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		made = append(made, d)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(policy)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, fmt.Sprintf("wsskit-test-%d.json", os.Getpid()))
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Remove(f)
		for _, d := range made { // innermost first
			os.Remove(d) // only when empty
		}
	})
}

// browser is a headless Chromium showing one page.
type browser struct {
	*pkitest.Browser
}

// startChromium starts Chromium with HOME=home (nil: a fresh empty HOME)
// and opens pageURL; the browser stops when the test ends.
func startChromium(t *testing.T, home *browserHome, pageURL string) *browser {
	t.Helper()
	chromium := pkitest.Tool(t, "chromium")
	homeDir := t.TempDir()
	if home != nil {
		homeDir = home.dir
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := &browser{pkitest.StartBrowser(ctx, t, chromium, homeDir)}
	// The navigation's own result is not waited for: the page is polled.
	b.Call(ctx, t, "Page.navigate", map[string]any{"url": pageURL})
	return b
}

// pageState is what the test page shows.
type pageState struct {
	URL   string   `json:"url"`
	State string   `json:"state"`
	Text  string   `json:"text"`
	Log   []string `json:"log"`
	Ready bool     `json:"ready"`
}

const pageStateJS = `JSON.stringify({
  url: location.href,
  ready: document.body && document.body.dataset.ready === "1",
  state: (document.getElementById("state") || {dataset: {}}).dataset.state || "",
  text: (document.getElementById("state") || {}).textContent || "",
  log: Array.from(document.querySelectorAll("#log li")).map(li => li.className + ": " + li.querySelector(".body").textContent),
})`

// waitPage polls the page's DOM over DevTools until done(state) holds or
// the deadline passes, and returns the last state.
func (b *browser) waitPage(t *testing.T, prefix string, timeout time.Duration, done func(pageState) bool) pageState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last pageState
	for ctx.Err() == nil {
		res := b.Call(ctx, t, "Runtime.evaluate", map[string]any{"expression": pageStateJS, "returnByValue": true})
		if v, ok := res["result"].(map[string]any); ok {
			if js, ok := v["value"].(string); ok {
				json.Unmarshal([]byte(js), &last) // a page still loading gives no JSON yet
			}
		}
		if strings.HasPrefix(last.URL, prefix) && last.Ready && done(last) {
			return last
		}
		if strings.HasPrefix(last.URL, "chrome-error:") {
			t.Fatalf("chromium could not load the page (a TLS or network error page)")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("page never got there; last state %+v", last)
	return last
}

// received reports whether the page's log shows msg received as text.
func received(msg string) func(pageState) bool {
	return func(s pageState) bool {
		for _, l := range s.Log {
			if l == "recv text: "+msg {
				return true
			}
		}
		return false
	}
}

func pageURL(base, service, send string) string {
	return base + "/?service=" + url.QueryEscape(service) + "&send=" + url.QueryEscape(send)
}

func TestChromiumPageOverWSS(t *testing.T) {
	p := pkitest.NewPKI(t, "wsecho chromium CA")
	home := newBrowserHome(t)
	home.trustCA(t, p.CA)
	s, lb := start(t, Options{TLS: serverTLS(p, tls.NoClientCert)})
	base := "https://" + hostPort(s)
	b := startChromium(t, home, pageURL(base, "/echo", "hello chromium"))
	st := b.waitPage(t, base, 30*time.Second, received("hello chromium"))
	if st.State != "open" {
		t.Errorf("got state %q", st.Text)
	}
	rec := lb.waitRecord(t, "connected")
	if rec["origin"] != base || rec["tls"] != "TLS 1.3" {
		t.Errorf("server logged %v", rec)
	}
}

func TestChromiumClientCertificate(t *testing.T) {
	p := pkitest.NewPKI(t, "wsecho chromium mTLS CA")
	s, lb := start(t, Options{TLS: serverTLS(p, tls.RequireAndVerifyClientCert)})
	base := "https://" + hostPort(s)
	managedPolicy(t, map[string]any{"AutoSelectCertificateForUrls": []string{`{"pattern":"` + base + `","filter":{}}`}})
	home := newBrowserHome(t)
	home.trustCA(t, p.CA)
	home.importPFX(t, p.Client)
	// Loading the page from the wss port is the ordinary HTTPS request
	// that makes Chromium select (by policy) and cache the certificate;
	// its WebSocket then reuses it (PEERS.md).
	b := startChromium(t, home, pageURL(base, "/info", "who am I"))
	st := b.waitPage(t, base, 30*time.Second, func(s pageState) bool {
		for _, l := range s.Log {
			if strings.HasPrefix(l, "recv text: ") && strings.Contains(l, `"subject": "CN=client"`) {
				return true
			}
		}
		return false
	})
	if st.State != "open" {
		t.Errorf("got state %q", st.Text)
	}
	rec := lb.waitRecord(t, "connected")
	if rec["client_cert"] != "CN=client" {
		t.Errorf("server logged %v", rec)
	}
}

func TestChromiumThroughBridge(t *testing.T) {
	p := pkitest.NewPKI(t, "wsecho chromium bridge CA")
	up, upLog := start(t, Options{TLS: serverTLS(p, tls.RequireAndVerifyClientCert)})
	br, _ := startBridge(t, BridgeOptions{To: up.URL() + "/echo", Certificates: []tls.Certificate{p.Client.TLS()}, RootCAs: p.Pool()})
	base := "http://" + br.Addr().String()
	// A fresh HOME: no trusted CA, no certificate, no policy.
	b := startChromium(t, nil, pageURL(base, "/", "plain ws:// to an mTLS server"))
	b.waitPage(t, base, 30*time.Second, received("plain ws:// to an mTLS server"))
	rec := upLog.waitRecord(t, "connected")
	if rec["client_cert"] != "CN=client" || rec["path"] != "/echo" {
		t.Errorf("upstream logged %v", rec)
	}
}

// Chromium, like Java, offers only a certificate whose issuer the server
// lists in its CertificateRequest: with another CA listed it sends none,
// and the server's log says so with the likely reason.
func TestChromiumOffersOnlyListedCAs(t *testing.T) {
	p := pkitest.NewPKI(t, "wsecho chromium client CA")
	other := pkitest.NewPKI(t, "another client CA")
	cfg := serverTLS(p, tls.RequireAndVerifyClientCert)
	cfg.ClientCAs = other.Pool()
	s, lb := start(t, Options{TLS: cfg})
	base := "https://" + hostPort(s)
	managedPolicy(t, map[string]any{"AutoSelectCertificateForUrls": []string{`{"pattern":"` + base + `","filter":{}}`}})
	home := newBrowserHome(t)
	home.trustCA(t, p.CA)
	home.importPFX(t, p.Client)
	startChromium(t, home, pageURL(base, "/echo", "never sent"))
	// Chromium first hangs up when the CertificateRequest arrives (to pick
	// a certificate), then connects again and sends none.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, rec := range lb.records("tls handshake failed") {
			if rec["cause_id"] != "client_cert_required" {
				continue
			}
			if !strings.Contains(fmt.Sprint(rec["cause"]), "Chromium") || !strings.Contains(fmt.Sprint(rec["cause"]), "another client CA") {
				t.Errorf("cause lacks the Chromium hint and the listed CA: %v", rec["cause"])
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no client_cert_required logged:\n%s", lb.String())
}
