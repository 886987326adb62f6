#!/bin/sh
# The files here are hand-written peers, not generated fixtures. This checks
# that they still parse with the installed Node.js.
set -e
cd "$(dirname "$0")"
node --check node-wss-server.js
node --check node-ws-client.js
