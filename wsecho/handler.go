package wsecho

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/websocket"
)

// ServeHTTP routes one request: WebSocket upgrades to their service,
// "/healthz", the test page at "/" and its assets, and 404 (naming the
// served paths) for everything else. Upgrades are refused before the 101
// with 404 (unknown path), 403 (Origin not allowed) or 503 (shutting down or
// MaxConns reached).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if websocket.IsWebSocketUpgrade(r) {
		svc, ok := s.services[p]
		if !ok {
			s.notFound(w, r, true)
			return
		}
		s.serveWS(w, r, svc)
		return
	}
	switch {
	case p == "/healthz":
		s.serveHealth(w, r)
	case p == "/" || strings.HasPrefix(p, reservedPrefix):
		s.servePage(w, r, s.pageServices())
	default:
		if svc, ok := s.services[p]; ok {
			// A browser or curl opening the WebSocket URL as a page.
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Upgrade", "websocket")
			w.WriteHeader(http.StatusUpgradeRequired)
			fmt.Fprintf(w, "%s is a WebSocket endpoint (%s): connect with %s%s, or open %s/ for the test page.\n",
				p, svc.kind, s.wsBase(r), p, s.httpBase(r))
			return
		}
		s.notFound(w, r, false)
	}
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, upgrade bool) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, "wsecho: no WebSocket service at %s; served paths: %s\n", r.URL.Path, s.serviceList())
	if upgrade {
		c := connFrom(r.Context())
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "upgrade refused: unknown path",
			append(requestAttrs(c, r), slog.Int("status", http.StatusNotFound), slog.String("served", s.serviceList()),
				slog.String("cause_id", "upgrade_not_found"))...)
	}
}

// serviceList names the served paths with their kinds, sorted by path:
// "/broadcast (broadcast), /echo (echo), /info (info)".
func (s *Server) serviceList() string {
	parts := make([]string, len(s.set.paths))
	for i, p := range s.set.paths {
		parts[i] = p + " (" + s.services[p].kind.String() + ")"
	}
	return strings.Join(parts, ", ")
}

type pageService struct {
	Path string `json:"path"`
	Kind string `json:"kind"`
}

func (s *Server) pageServices() []pageService {
	out := make([]pageService, len(s.set.paths))
	for i, p := range s.set.paths {
		out[i] = pageService{Path: p, Kind: s.services[p].kind.String()}
	}
	return out
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n, closing := len(s.clients), s.closing
	s.mu.Unlock()
	status, code := "ok", http.StatusOK
	if closing {
		status, code = "shutting down", http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(struct {
		Status      string        `json:"status"`
		Connections int           `json:"connections"`
		Services    []pageService `json:"services"`
	}{status, n, s.pageServices()})
}

// checkOrigin accepts no Origin, the request's own host:port, and the
// configured allow-list.
func (s *Server) checkOrigin(r *http.Request) bool {
	return originAllowed(r, s.set.Origins, false)
}

// originAllowed implements the Origin rules of Options.Origins; with
// anyLoopback it also accepts every origin whose host is a loopback
// address or localhost (the bridge's rule).
func originAllowed(r *http.Request, allowed []string, anyLoopback bool) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	if anyLoopback && isLoopbackHost(u.Hostname()) {
		return true
	}
	for _, a := range allowed {
		if a == "*" || strings.EqualFold(strings.TrimSuffix(a, "/"), origin) {
			return true
		}
	}
	return false
}

// upgradeError answers refused upgrades and logs why.
func (s *Server) upgradeError(w http.ResponseWriter, r *http.Request, status int, reason error) {
	attrs := append(requestAttrs(connFrom(r.Context()), r), slog.Int("status", status), slog.String("error", reason.Error()))
	switch status {
	case http.StatusForbidden:
		attrs = append(attrs, slog.String("origin", r.Header.Get("Origin")), slog.String("cause_id", "upgrade_forbidden"),
			slog.String("fix", "add the origin to the server's allowed origins (--origin or origins: in the config)"))
	case http.StatusBadRequest:
		attrs = append(attrs, slog.String("cause_id", "upgrade_bad_request"))
	}
	s.log.LogAttrs(r.Context(), slog.LevelWarn, "upgrade refused", attrs...)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Sec-Websocket-Version", "13")
	w.WriteHeader(status)
	msg := reason.Error()
	if status == http.StatusForbidden {
		msg = fmt.Sprintf("wsecho: origin %q is not allowed (allowed: same host as %q%s)", r.Header.Get("Origin"), r.Host, listSuffix(s.set.Origins))
	}
	fmt.Fprintln(w, msg)
}

func listSuffix(l []string) string {
	if len(l) == 0 {
		return ", or no Origin"
	}
	return ", " + strings.Join(l, ", ") + ", or no Origin"
}

func (s *Server) wsBase(r *http.Request) string {
	if r.TLS != nil {
		return "wss://" + r.Host
	}
	return "ws://" + r.Host
}

func (s *Server) httpBase(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// requestAttrs are the attributes of every connection log line: the
// connection id, remote address, path and the client certificate subject.
func requestAttrs(c *conn, r *http.Request) []slog.Attr {
	a := make([]slog.Attr, 0, 10)
	if c != nil {
		a = append(a, slog.Uint64("conn", c.id))
	}
	a = append(a, slog.String("remote", r.RemoteAddr), slog.String("path", r.URL.Path))
	a = append(a, slog.String("client_cert", clientSubject(r)))
	return a
}

// clientSubject is the client certificate's subject, "none" when the client
// sent none and "-" on plain ws://.
func clientSubject(r *http.Request) string {
	switch {
	case r.TLS == nil:
		return "-"
	case len(r.TLS.PeerCertificates) == 0:
		return "none"
	}
	return r.TLS.PeerCertificates[0].Subject.String()
}
