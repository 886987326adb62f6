// wsskit echo test page: connect to a service, send text or binary, see
// replies, errors and close codes. No dependencies, no external requests.
"use strict";

const $ = (id) => document.getElementById(id);
const closeMeanings = {
  1000: "normal closure", 1001: "going away (server shutting down or page leaving)",
  1002: "protocol error", 1003: "unsupported data", 1005: "no status code in the close frame",
  1006: "closed without a close frame: network failure, or the TLS handshake failed " +
        "(in a browser also: no client certificate selected for this host:port, or the server refused it)",
  1007: "invalid payload (text that is not UTF-8)", 1008: "policy violation (e.g. too slow to read broadcasts)",
  1009: "message too big", 1010: "extension required", 1011: "server error (through a bridge: the upstream failed)",
  1012: "service restart", 1013: "try again later", 1014: "bad gateway",
  1015: "TLS handshake failed",
};

let ws = null;

function now() {
  const d = new Date();
  return d.toTimeString().slice(0, 8) + "." + String(d.getMilliseconds()).padStart(3, "0");
}

function log(kind, text, data) {
  const li = document.createElement("li");
  li.className = kind;
  li.dataset.kind = kind.split(" ")[0];
  for (const [k, v] of Object.entries(data || {})) li.dataset[k] = v;
  const t = document.createElement("span");
  t.className = "t";
  t.textContent = now();
  const body = document.createElement("span");
  body.className = "body";
  body.textContent = text;
  li.append(t, body);
  $("log").append(li);
  li.scrollIntoView({ block: "nearest" });
}

function setState(state, text) {
  $("state").dataset.state = state;
  $("state").textContent = text;
  const open = state === "open";
  $("send-text").disabled = !open;
  $("send-binary").disabled = !open;
  $("disconnect").disabled = !(open || state === "connecting");
  $("connect").disabled = open || state === "connecting";
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

function parseHex(s) {
  const clean = s.replace(/[\s:,]/g, "").replace(/^0x/i, "");
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new Error("not an even number of hex digits");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

function defaultURL(path) {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  return scheme + location.host + path;
}

function connect(sendOnOpen) {
  if (ws) ws.close();
  const url = $("url").value.trim();
  const protos = $("subprotocols").value.split(",").map((s) => s.trim()).filter(Boolean);
  let sock;
  try {
    sock = new WebSocket(url, protos);
  } catch (e) {
    log("error", "cannot open " + url + ": " + e.message);
    setState("error", "error: " + e.message);
    return;
  }
  ws = sock;
  sock.binaryType = "arraybuffer";
  setState("connecting", "connecting to " + url + " …");
  log("info", "connecting to " + url + (protos.length ? " (subprotocols " + protos.join(", ") + ")" : ""));
  sock.onopen = () => {
    if (ws !== sock) return;
    const ext = sock.extensions ? ", extensions " + sock.extensions : "";
    const proto = sock.protocol ? ", subprotocol " + sock.protocol : "";
    setState("open", "open: " + url + proto + ext);
    log("open", "open" + proto + ext);
    if (sendOnOpen !== undefined && sendOnOpen !== null) sendText(sendOnOpen);
  };
  sock.onmessage = (ev) => {
    if (typeof ev.data === "string") {
      log("recv text", ev.data, { type: "text" });
    } else {
      const b = new Uint8Array(ev.data);
      log("recv binary", "[" + b.length + " bytes] " + hex(b.subarray(0, 256)) + (b.length > 256 ? " …" : ""), { type: "binary" });
    }
  };
  sock.onerror = () => {
    if (ws !== sock) return;
    // Browsers hide the reason of a failed connection from JavaScript; the
    // close event below carries 1006. The server's log says why.
    log("error", "WebSocket error (the browser does not say why; see the close code below and the server log)");
  };
  sock.onclose = (ev) => {
    const meaning = closeMeanings[ev.code] || (ev.code >= 4000 ? "application code" : "");
    const text = "closed: code " + ev.code + (meaning ? " (" + meaning + ")" : "") +
      (ev.reason ? ", reason: " + ev.reason : "") + (ev.wasClean ? "" : ", not clean");
    log("close", text, { code: String(ev.code) });
    if (ws === sock) {
      ws = null;
      setState(ev.code === 1000 ? "closed" : "closed-error", text);
    }
  };
}

function sendText(text) {
  if (!ws || ws.readyState !== WebSocket.OPEN) return;
  ws.send(text);
  log("sent text", text, { type: "text" });
}

function sendBinary() {
  if (!ws || ws.readyState !== WebSocket.OPEN) return;
  let bytes;
  try {
    bytes = $("binary-hex").checked ? parseHex($("msg").value) : new TextEncoder().encode($("msg").value);
  } catch (e) {
    log("error", "cannot send: " + e.message);
    return;
  }
  ws.send(bytes);
  log("sent binary", "[" + bytes.length + " bytes] " + hex(bytes.subarray(0, 256)), { type: "binary" });
}

async function init() {
  let info = { server: "wsskit", services: [] };
  try {
    const r = await fetch("/_wsecho/services.json", { cache: "no-store" });
    if (r.ok) info = await r.json();
  } catch (e) {
    log("error", "cannot load the service list: " + e.message);
  }
  $("server-kind").textContent = info.server;
  const sel = $("service");
  for (const s of info.services) {
    const o = document.createElement("option");
    o.value = s.path;
    o.textContent = s.path + " (" + s.kind + ")";
    sel.append(o);
  }
  const q = new URLSearchParams(location.search);
  const want = q.get("service");
  if (want && !info.services.some((s) => s.path === want)) {
    const o = document.createElement("option");
    o.value = want;
    o.textContent = want;
    sel.append(o);
  }
  if (want) sel.value = want;
  $("url").value = sel.value ? defaultURL(sel.value) : defaultURL("/");
  sel.onchange = () => { $("url").value = defaultURL(sel.value); };
  if (q.get("subprotocols")) $("subprotocols").value = q.get("subprotocols");

  $("connect").onclick = () => connect();
  $("disconnect").onclick = () => {
    if (!ws) return;
    const code = parseInt($("close-code").value, 10) || 1000;
    try {
      ws.close(code, $("close-reason").value);
    } catch (e) {
      log("error", "cannot close: " + e.message);
    }
  };
  $("send-text").onclick = () => sendText($("msg").value);
  $("send-binary").onclick = sendBinary;
  $("clear").onclick = () => { $("log").textContent = ""; };
  $("msg").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) sendText($("msg").value);
  });
  document.body.dataset.ready = "1";
  // ?connect=1 connects at once; ?send=TEXT also sends TEXT when open
  // (used by wsskit's browser tests, handy for bookmarks).
  if (q.has("send") || q.get("connect") === "1") connect(q.get("send"));
}

init();
