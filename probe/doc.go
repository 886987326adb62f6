// Package probe holds the TLS and WebSocket client probe, the diagnostic
// server, the record-layer tracer, the load generator and the single
// failure→cause table that every other part of wsskit uses to explain a
// failed handshake.
//
// It returns reports (structs); it never prints.
package probe
