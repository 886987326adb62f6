// node_client.js: a Node.js `ws` client for wsskit's echo server tests.
// usage: node node_client.js URL CAFILE CERT|- KEY|- TEXT [SERVERNAME]
// SERVERNAME, when given, is sent as SNI and checked against the server's
// certificate instead of the URL's host.
// Prints one JSON object per event (open, message, error, close) and exits 0
// after the close, 3 on its own 10 s timeout.
"use strict";
const fs = require("fs");
const WebSocket = require("ws");

const [url, caFile, certFile, keyFile, text, serverName] = process.argv.slice(2);
const opts = { ca: fs.readFileSync(caFile), handshakeTimeout: 5000 };
if (serverName) {
  opts.servername = serverName;
}
if (certFile !== "-") {
  opts.cert = fs.readFileSync(certFile);
  opts.key = fs.readFileSync(keyFile);
}
const out = (o) => console.log(JSON.stringify(o));
const timer = setTimeout(() => { out({ event: "timeout" }); process.exit(3); }, 10000);
const ws = new WebSocket(url, opts);
ws.on("open", () => { out({ event: "open" }); ws.send(text); });
ws.on("message", (data, isBinary) => {
  out({ event: "message", data: data.toString(), binary: isBinary });
  ws.close(1000, "done");
});
ws.on("error", (err) => out({ event: "error", code: err.code || "", message: err.message }));
ws.on("close", (code, reason) => {
  out({ event: "close", code, reason: reason.toString() });
  clearTimeout(timer);
  process.exit(0);
});
