package probe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// loadTarget is the parsed URL of a load run and the one address every
// connection dials.
type loadTarget struct {
	u      *url.URL // scheme ws or wss
	wsURL  string   // u with scheme ws: the TLS layer is ours, not gorilla's
	secure bool
	host   string // u.Hostname()
	port   string
	path   string
	sni    string
	addr   string // pinned "ip:port"
}

// parseLoadTarget checks the URL the way the probe does (ws, wss, and
// http/https as users paste them).
func parseLoadTarget(raw, serverName string) (*loadTarget, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrBadURL, raw, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http", "https":
		u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	default:
		return nil, fmt.Errorf("%w %q: scheme must be ws:// or wss://", ErrBadURL, raw)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%w %q: no host", ErrBadURL, raw)
	}
	t := &loadTarget{u: u, secure: u.Scheme == "wss", host: u.Hostname(), port: u.Port(), path: u.EscapedPath()}
	if t.port == "" {
		t.port = "80"
		if t.secure {
			t.port = "443"
		}
	}
	if t.path == "" {
		t.path = "/"
	}
	t.sni = serverName
	if t.sni == "" {
		t.sni = t.host
	}
	// gorilla dials ws:// through our NetDialContext, which returns a
	// connection that already did TLS; the Host header stays u.Host, as a
	// wss:// client sends it.
	plain := *u
	plain.Scheme = "ws"
	t.wsURL = plain.String()
	return t, nil
}

// isLoopback reports whether a is in 127.0.0.0/8 or is ::1 (IPv4-mapped
// forms included).
func isLoopback(a netip.Addr) bool { return a.Unmap().IsLoopback() }

// resolve looks the host up once and pins the address every connection
// dials, so a name cannot move to another machine during the run. Unless
// allowRemote, every address the name has must be a loopback address.
func (t *loadTarget) resolve(ctx context.Context, r *net.Resolver, allowRemote bool, timeout time.Duration) error {
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(strings.Trim(t.host, "[]")); err == nil {
		addrs = []netip.Addr{a.WithZone("")}
	} else {
		if r == nil {
			r = net.DefaultResolver
		}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		addrs, err = r.LookupNetIP(ctx, "ip", t.host)
		if err == nil && len(addrs) == 0 {
			err = &net.DNSError{Err: "no addresses", Name: t.host, IsNotFound: true}
		}
		if err != nil {
			f := Facts{Side: "client", URL: t.u.String(), Host: t.host, Port: t.port, Path: t.path, Timeout: timeout}
			return &FailureError{Failure: newFailure(CauseDNSFailed, StageResolve, err.Error(), nil, f), Err: err}
		}
	}
	if !allowRemote {
		var bad []string
		for _, a := range addrs {
			if !isLoopback(a) {
				bad = append(bad, a.String())
			}
		}
		if len(bad) > 0 {
			return &RemoteTargetError{Host: t.host, Addrs: bad}
		}
	}
	// Prefer IPv4, as net.Dial's fallback order would for localhost.
	pick := addrs[0]
	for _, a := range addrs {
		if a.Unmap().Is4() {
			pick = a
			break
		}
	}
	t.addr = net.JoinHostPort(pick.Unmap().String(), t.port)
	return nil
}
