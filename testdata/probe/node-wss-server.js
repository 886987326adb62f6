// A Node.js `ws` wss:// echo server for wsskit's probe tests.
// Usage: node node-wss-server.js CERT KEY [CA] [request|require] [minVersion] [maxVersion]
// It listens on 127.0.0.1 (ephemeral port), prints "LISTEN <port>" and echoes
// every message. With "require" it sets requestCert and rejectUnauthorized,
// so an untrusted client certificate makes Node close the socket (no alert).
'use strict';
const fs = require('fs');
const https = require('https');
const { WebSocketServer } = require('ws');

const [cert, key, ca, auth, minVersion, maxVersion] = process.argv.slice(2);
const opts = { cert: fs.readFileSync(cert), key: fs.readFileSync(key) };
if (ca) opts.ca = fs.readFileSync(ca);
if (auth === 'request' || auth === 'require') opts.requestCert = true;
opts.rejectUnauthorized = auth === 'require';
if (minVersion) opts.minVersion = minVersion;
if (maxVersion) opts.maxVersion = maxVersion;

const server = https.createServer(opts, (req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('not a websocket request\n');
});
server.on('tlsClientError', (err) => console.error('tlsClientError', err.code || '', err.message));
const wss = new WebSocketServer({ server });
wss.on('connection', (ws, req) => {
  const peer = req.socket.getPeerCertificate();
  console.error('connection', peer && peer.subject ? JSON.stringify(peer.subject) : 'no client certificate');
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
server.listen(0, '127.0.0.1', () => console.log('LISTEN ' + server.address().port));
// Exit when the test closes our stdin, so no server outlives its test.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
