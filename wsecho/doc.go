// Package wsecho is the echo/broadcast/info WebSocket server with its
// embedded browser test page, and the ws→wss bridge.
//
// Server (New, Start or Serve, Shutdown) serves on one port: the WebSocket
// services of Options.Services (Echo, Broadcast, Info; by default /echo,
// /broadcast and /info), the test page at "/" (page/, embedded, no external
// assets) and "/healthz". Over TLS the same port answers plain HTTPS, which
// is what lets a browser choose a client certificate for that host:port
// before its WebSocket needs one. Refusals happen before the upgrade: 404
// naming the served paths, 403 for an Origin not allowed, 503 when shutting
// down or full. After it, close codes say why: 1007 (text that is not UTF-8),
// 1008 (a broadcast client too slow for its bounded queue), 1009 (over
// ReadLimit, counted after decompression), 1001 (Shutdown).
//
// TLS handshakes run in the server's listener, one goroutine each, so that
// every failure is logged with what the client offered (captured by
// GetConfigForClient) and explained by probe.ExplainServerHandshake, the
// single failure→cause table: cause, fix and the likely client-side reason
// (PEERS.md). Reload swaps the certificate for new handshakes; open
// connections stay up. CRLs are checked in VerifyConnection.
//
// Logs are structured (log/slog); every line about a connection carries the
// client certificate subject ("none" when the client sent none, "-" on
// ws://). The library never prints otherwise.
//
// Bridge (NewBridge, Start or Serve, Shutdown) accepts local ws://
// connections and relays each to a wss:// URL with a client certificate,
// dialling through probe.Dial so that an upstream failure is diagnosed;
// messages and close codes are relayed both ways.
//
// Performance: echo reads each message into a pooled buffer and writes it
// back without further allocation; broadcast prepares a message once
// (websocket.PreparedMessage) for all recipients; an idle connection holds
// one goroutine, a 1 KiB read buffer and no write buffer. Go keeps
// TCP_NODELAY on, which matters for 64 KiB messages (PEERS.md).
package wsecho
