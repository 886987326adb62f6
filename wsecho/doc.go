// Package wsecho is the echo/broadcast/info WebSocket server with its
// embedded browser test page, and the ws→wss bridge.
package wsecho
