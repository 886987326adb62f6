// Node.js `ws` echo server for bench/compare.sh, with the ws version pinned in
// testdata/node (npm ci there first).
//
//   node echo.js PORT [CERT KEY [CA]]
//
// Without CERT it serves plain ws://; with CA it requires client certificates
// issued by it. TLS 1.3 only, as the comparison is run. Prints
// "listening 127.0.0.1:PORT" once it accepts connections.
'use strict';
const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');
const { WebSocketServer } = require(path.join(__dirname, '..', '..', '..', 'testdata', 'node', 'node_modules', 'ws'));

const [port, cert, key, ca] = process.argv.slice(2);
if (!port) {
  console.error('usage: node echo.js PORT [CERT KEY [CA]]');
  process.exit(2);
}
const server = cert
  ? https.createServer({
      cert: fs.readFileSync(cert),
      key: fs.readFileSync(key),
      ca: ca ? fs.readFileSync(ca) : undefined,
      requestCert: Boolean(ca),
      rejectUnauthorized: Boolean(ca),
      minVersion: 'TLSv1.3',
    })
  : http.createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('error', () => ws.terminate());
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
server.on('tlsClientError', () => {}); // a refused client is the client's failure, not ours
server.listen(Number(port), '127.0.0.1', () => console.log(`listening 127.0.0.1:${port}`));
