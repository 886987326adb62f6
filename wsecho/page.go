package wsecho

import (
	"embed"
	"encoding/json"
	"net/http"
	"strings"
)

// page holds the browser test page: index.html, app.js and style.css. It
// loads nothing from elsewhere.
//
//go:embed page/index.html page/app.js page/style.css
var page embed.FS

// pageInfo is what /_wsecho/services.json returns to the page.
type pageInfo struct {
	Server   string        `json:"server"`
	Services []pageService `json:"services"`
}

// servePage serves "/" and the assets under reservedPrefix.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, svcs []pageService) {
	servePageFor(w, r, pageInfo{Server: "wsskit echo", Services: svcs})
}

func servePageFor(w http.ResponseWriter, r *http.Request, info pageInfo) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	// Scripts and styles only from this server; WebSocket to anywhere the
	// user types.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; img-src 'self'; base-uri 'none'; form-action 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	var name, ctype string
	switch strings.TrimPrefix(r.URL.Path, reservedPrefix) {
	case "/":
		name, ctype = "page/index.html", "text/html; charset=utf-8"
	case "app.js":
		name, ctype = "page/app.js", "text/javascript; charset=utf-8"
	case "style.css":
		name, ctype = "page/style.css", "text/css; charset=utf-8"
	case "services.json":
		h.Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(info)
		return
	default:
		http.NotFound(w, r)
		return
	}
	b, err := page.ReadFile(name)
	if err != nil { // cannot happen: the files are embedded
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h.Set("Content-Type", ctype)
	w.Write(b)
}
