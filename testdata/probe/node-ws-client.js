// A Node.js `ws` client for wsskit's server tests.
// Usage: node node-ws-client.js URL CA [CERT KEY]
// Sends "hello from node", prints the reply as "REPLY <text>" and exits 0;
// on error prints "ERROR <message>" and exits 1.
'use strict';
const fs = require('fs');
const WebSocket = require('ws');

const [url, ca, cert, key] = process.argv.slice(2);
const opts = { ca: fs.readFileSync(ca), handshakeTimeout: 5000 };
if (cert) { opts.cert = fs.readFileSync(cert); opts.key = fs.readFileSync(key); }
const ws = new WebSocket(url, opts);
const timer = setTimeout(() => { console.log('ERROR timeout'); process.exit(1); }, 8000);
ws.on('open', () => ws.send('hello from node'));
ws.on('message', (data) => { console.log('REPLY ' + data.toString()); clearTimeout(timer); ws.close(1000); });
ws.on('close', () => process.exit(0));
ws.on('error', (err) => { console.log('ERROR ' + err.message); clearTimeout(timer); process.exit(1); });
