#!/usr/bin/env bash
# bench/compare.sh: wsskit side by side with the tools it replaces, in one run,
# on the same machine and the same inputs. Prints a markdown report on stdout
# (machine, results with ratios, targets, exact commands); progress on stderr.
#
#   bench/compare.sh              full run (about 10 minutes)
#   QUICK=1 bench/compare.sh      smoke run (about 2 minutes; smaller inputs)
#   ONLY="echo pki" bench/compare.sh   only some sections:
#                                 client echo handshake idle pki rehash verify dhparam
#   WSSKIT=path/to/wsskit bench/compare.sh   measure that binary (no build)
#   DUR, WARM, HOLD, IDLE_N, PKI_RUNS, NCERTS, DH_BITS, DH_RUNS override sizes
#
# Servers compared (all wss://, TLS 1.3, ECDSA P-256 from `wsskit pki init`):
#   wsskit      `wsskit echo`
#   gorilla     bench/peers/gorilla: the bare gorilla/websocket echo handler
#   node        bench/peers/node/echo.js: Node.js + ws (testdata/node)
#   websocketpp bench/peers/websocketpp/echo.cpp: websocketpp + standalone asio
#               + OpenSSL, TCP_NODELAY, built with g++ into bench/.cache
# The load is always `wsskit load`; its own efficiency is checked against a
# plain gorilla client (bench/peers/gorillaclient) on the same server.
#
# Server cost is CPU time (utime+stime of the server process, from
# /proc/PID/stat) per message or per handshake: on a shared machine it is
# steadier than wall-clock throughput, which is reported too. Idle memory is
# VmRSS (/proc/PID/status) with N connections open minus VmRSS before, / N.
# PKI commands are timed with /usr/bin/time (user+sys CPU of the command and
# its children). Sections whose wsskit command does not exist yet print
# "skipped: command not available".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

QUICK=${QUICK:-}
ONLY=${ONLY:-client echo handshake idle pki rehash verify dhparam}
CACHE=bench/.cache
BIN=$CACHE/bin
WORK=$CACHE/run
if [ -n "$QUICK" ]; then
  DUR=${DUR:-1s} WARM=${WARM:-300ms} HOLD=${HOLD:-2s} IDLE_N=${IDLE_N:-500} PKI_RUNS=${PKI_RUNS:-1}
  NCERTS=${NCERTS:-2000} DH_BITS=${DH_BITS:-1024} DH_RUNS=${DH_RUNS:-2}
else
  DUR=${DUR:-8s} WARM=${WARM:-1s} HOLD=${HOLD:-3s} IDLE_N=${IDLE_N:-5000} PKI_RUNS=${PKI_RUNS:-5}
  NCERTS=${NCERTS:-10000} DH_BITS=${DH_BITS:-2048} DH_RUNS=${DH_RUNS:-10}
fi
CLK_TCK=$(getconf CLK_TCK)
# WSSKIT=path measures a given wsskit binary instead of building this tree.
WSSKIT=${WSSKIT:-}
BUILD_WSSKIT=1
[ -n "$WSSKIT" ] && BUILD_WSSKIT=""
WSSKIT=${WSSKIT:-$BIN/wsskit}

log() { echo "compare: $*" >&2; }

# --- bookkeeping ---------------------------------------------------------

PIDS=()
COMMANDS=()
RESULTS=()  # markdown table rows
TARGETS=()  # markdown table rows
cleanup() {
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# cmd records a command line (with the cache paths shortened) for the report.
cmd() {
  local s="$*"
  s=${s//$BIN\//}
  s=${s//$WORK\//}
  COMMANDS+=("$s")
}

# calc evaluates an awk expression, e.g. calc '3 / 4'.
calc() { awk "BEGIN { v = $1; if (v == int(v)) printf \"%d\", v; else printf \"%.${2:-2}f\", v }"; }

# json_num FILE FIELD: a top-level number of `wsskit load --json` output.
json_num() { sed -n "s/^  \"$2\": \([0-9.e+-]*\),*$/\1/p" "$1" | head -1; }
json_str() { sed -n "s/^  \"$2\": \"\(.*\)\",*$/\1/p" "$1" | head -1; }

# cpu_ticks PID: utime+stime of the process (all its threads), in clock ticks.
cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }  # fields after "pid (comm) ": field 3 is the first here
  set -- $stat
  echo $(( ${12} + ${13} ))
}

rss_kib() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null; }

free_port() {
  local p
  for _ in $(seq 200); do
    p=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

wait_port() {
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

established() { ss -Htn state established "( sport = :$1 )" 2>/dev/null | wc -l; }

# cpu_time CMD...: runs CMD under /usr/bin/time; prints "user+sys wall" seconds.
cpu_time() {
  local out=$WORK/time.$$
  if ! /usr/bin/time -f '%U %S %e' -o "$out" "$@" >/dev/null 2>"$WORK/time.err"; then
    log "failed: $* ($(tail -3 "$WORK/time.err" | tr '\n' ' '))"
    return 1
  fi
  awk '{ printf "%.3f %.3f\n", $1 + $2, $3 }' "$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

has_command() { "$WSSKIT" "$@" --help >/dev/null 2>&1; }

wants() { [[ " $ONLY " == *" $1 "* ]]; }

# --- build ----------------------------------------------------------------

build() {
  mkdir -p "$BIN" "$WORK"
  log "building wsskit and the Go peers"
  if [ -n "$BUILD_WSSKIT" ]; then
    CGO_ENABLED=0 go build -trimpath -o "$BIN/wsskit" . || return 1
  fi
  go build -trimpath -o "$BIN/" ./bench/peers/gorilla ./bench/peers/gorillaclient ./bench/tools/gencerts || return 1
  local src=bench/peers/websocketpp/echo.cpp
  if [ ! -x "$BIN/websocketpp-echo" ] || [ "$src" -nt "$BIN/websocketpp-echo" ]; then
    log "building the websocketpp peer (g++, about 30 s)"
    g++ -O2 -std=c++17 -DASIO_STANDALONE -o "$BIN/websocketpp-echo" "$src" -lssl -lcrypto -lpthread ||
      log "websocketpp peer did not build (needs libwebsocketpp-dev libasio-dev libssl-dev)"
  fi
  if [ ! -d testdata/node/node_modules/ws ] && command -v npm >/dev/null; then
    log "installing the pinned ws for the Node peer"
    (cd testdata/node && npm ci --no-audit --no-fund --loglevel=error) || log "npm ci failed: no Node peer"
  fi
  rm -rf "$WORK/pki"
  "$WSSKIT" pki init --dir "$WORK/pki" --clients 4 >/dev/null 2>&1 || return 1
  cmd wsskit pki init --dir pki --clients 4
}

# --- servers --------------------------------------------------------------

SERVER_PID=""
SERVER_PORT=""
# start_server NAME MTLS: starts a server on a free port; returns 1 when that
# server is not available here.
start_server() {
  local name=$1 mtls=$2 pki=$WORK/pki port
  port=$(free_port) || return 1
  local -a argv
  case $name in
    wsskit)
      has_command echo || return 2
      argv=("$WSSKIT" -q echo --listen "127.0.0.1:$port" --cert "$pki/server.pem" --key "$pki/server.key")
      [ "$mtls" = 1 ] && argv+=(--client-auth require --cafile "$pki/ca.pem") ;;
    gorilla)
      argv=("$BIN/gorilla" -listen "127.0.0.1:$port" -cert "$pki/server.pem" -key "$pki/server.key")
      [ "$mtls" = 1 ] && argv+=(-cafile "$pki/ca.pem") ;;
    node)
      command -v node >/dev/null && [ -d testdata/node/node_modules/ws ] || return 2
      argv=(node bench/peers/node/echo.js "$port" "$pki/server.pem" "$pki/server.key")
      [ "$mtls" = 1 ] && argv+=("$pki/ca.pem") ;;
    websocketpp)
      [ -x "$BIN/websocketpp-echo" ] || return 2
      argv=("$BIN/websocketpp-echo" "$port" "$pki/server.pem" "$pki/server.key")
      [ "$mtls" = 1 ] && argv+=("$pki/ca.pem") ;;
  esac
  "${argv[@]}" >"$WORK/$name.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  SERVER_PORT=$port
  if ! wait_port "$port"; then
    log "$name did not start: $(tail -3 "$WORK/$name.log" | tr '\n' ' ')"
    stop_server
    return 1
  fi
  local line="${argv[*]}"
  cmd "${line//$port/PORT}"
  return 0
}

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=""
}

SERVERS=(wsskit gorilla node websocketpp)
declare -A CPU_PER_OP  # "scenario/server" → µs per op
declare -A MEM_PER_CONN

# load_run SCENARIO NAME ARGS...: runs wsskit load against the running
# server and records server CPU per operation and throughput.
load_run() {
  local scenario=$1 name=$2; shift 2
  local url="wss://127.0.0.1:$SERVER_PORT/echo" out="$WORK/load.json"
  local -a creds=(--cafile "$WORK/pki/ca.pem")
  [[ $scenario == *mTLS* || $scenario == *handshake* ]] && creds+=(--certs "$WORK/pki")
  # Warm-up (JITs, TLS session state, buffers), not measured.
  "$WSSKIT" load "$url" "${creds[@]}" "$@" --duration "$WARM" >/dev/null 2>&1
  local before after
  before=$(cpu_ticks "$SERVER_PID")
  "$WSSKIT" load "$url" "${creds[@]}" "$@" --duration "$DUR" --json >"$out" 2>"$WORK/load.err"
  local rc=$?
  after=$(cpu_ticks "$SERVER_PID")
  cmd wsskit load "wss://127.0.0.1:PORT/echo" "${creds[@]//$WORK\//}" "$@" --duration "$DUR" --json
  local ops rate cipher errors
  if [[ $scenario == *handshake* ]]; then
    ops=$(json_num "$out" handshakes) rate=$(json_num "$out" handshakes_per_s)
  else
    ops=$(json_num "$out" messages) rate=$(json_num "$out" messages_per_s)
  fi
  cipher=$(json_str "$out" cipher_suite) errors=$(json_num "$out" errors_total)
  if [ "$rc" -gt 1 ] || [ -z "$ops" ] || [ "$ops" = 0 ]; then
    RESULTS+=("| $scenario | $name | failed (exit $rc): $(head -c 200 "$WORK/load.err" | tr '\n' ' ') | | | |")
    return
  fi
  local us unit=msg
  [[ $scenario == *handshake* ]] && unit=handshake
  us=$(calc "($after - $before) / $CLK_TCK * 1000000 / $ops" 1)
  CPU_PER_OP["$scenario/$name"]=$us
  RESULTS+=("| $scenario | $name | $rate $unit/s | $us µs/$unit | ${errors:-0} errors | ${cipher#TLS_} |")
}

section_echo() {
  local mtls scenario name rc
  for mtls in 0 1; do
    # TLS-only servers serve idle and echo; mTLS servers echo and handshake.
    if [ "$mtls" = 0 ] && ! wants idle && ! wants echo; then continue; fi
    if [ "$mtls" = 1 ] && ! wants echo && ! wants handshake; then continue; fi
    for name in "${SERVERS[@]}"; do
      start_server "$name" "$mtls"; rc=$?
      if [ $rc -ne 0 ]; then
        local why="did not start"
        [ $rc = 2 ] && why="skipped: command not available"
        RESULTS+=("| server scenarios$([ $mtls = 1 ] && echo ' with mTLS') | $name | $why | | | |")
        continue
      fi
      if [ "$mtls" = 0 ] && wants idle; then
        idle_run "$name"
      fi
      if wants echo; then
        scenario="echo 1 KiB × 50$([ $mtls = 1 ] && echo ', mTLS')"
        log "$scenario: $name"
        load_run "$scenario" "$name" -c 50 --size 1KiB
        scenario="echo 64 KiB × 4$([ $mtls = 1 ] && echo ', mTLS')"
        log "$scenario: $name"
        load_run "$scenario" "$name" -c 4 --size 64KiB
      fi
      if [ "$mtls" = 1 ] && wants handshake; then
        log "mTLS handshake: $name"
        load_run "mTLS handshake × 4" "$name" --mode handshake -c 4 --size 64
      fi
      stop_server
    done
  done
}

# idle_run NAME: memory per idle wss connection of a freshly started server.
idle_run() {
  local name=$1 url="wss://127.0.0.1:$SERVER_PORT/echo" base hold open i
  if [ "$(ulimit -n)" -lt $(( IDLE_N + 200 )) ]; then
    RESULTS+=("| idle × $IDLE_N | $name | skipped: ulimit -n $(ulimit -n) is below $((IDLE_N + 200)) | | | |")
    return
  fi
  log "idle × $IDLE_N: $name"
  "$WSSKIT" load "$url" --cafile "$WORK/pki/ca.pem" --mode handshake -n 20 -c 2 >/dev/null 2>&1 # warm-up
  sleep 1
  base=$(rss_kib "$SERVER_PID")
  "$WSSKIT" load "$url" --cafile "$WORK/pki/ca.pem" --mode idle -c "$IDLE_N" --duration "$HOLD" --json >"$WORK/idle.json" 2>&1 &
  local lp=$!
  PIDS+=("$lp")
  open=0
  for i in $(seq 600); do  # until every connection is open (at most 60 s)
    open=$(established "$SERVER_PORT")
    [ "$open" -ge "$IDLE_N" ] && break
    kill -0 "$lp" 2>/dev/null || break
    sleep 0.1
  done
  sleep 1  # let the server settle (GC, lazily freed handshake state)
  hold=$(rss_kib "$SERVER_PID")
  wait "$lp"
  cmd wsskit load "wss://127.0.0.1:PORT/echo" --cafile pki/ca.pem --mode idle -c "$IDLE_N" --duration "$HOLD" --json
  if [ "$open" -lt "$IDLE_N" ]; then
    RESULTS+=("| idle × $IDLE_N | $name | only $open connections opened | | | |")
    return
  fi
  local per
  per=$(calc "($hold - $base) / $IDLE_N" 1)
  MEM_PER_CONN[$name]=$per
  RESULTS+=("| idle × $IDLE_N | $name | RSS $base → $hold KiB | $per KiB/connection | | |")
}

# section_client: wsskit load against the bare gorilla server, next to a
# plain gorilla client doing the same.
section_client() {
  start_server gorilla 0 || return
  local url="wss://127.0.0.1:$SERVER_PORT/echo"
  local c size
  for c_size in "50 1024" "4 65536"; do
    read -r c size <<<"$c_size"
    log "load generator vs plain gorilla client, $c × $size bytes"
    # Both clients run under /usr/bin/time: throughput is the target, and
    # client CPU per message is the steadier figure on a shared machine.
    local ref refn refcpu ours oursn ourscpu
    /usr/bin/time -f '%U %S' -o "$WORK/ref.time" "$BIN/gorillaclient" -url "$url" -cafile "$WORK/pki/ca.pem" \
      -c "$c" -size "$size" -d "$DUR" >"$WORK/ref.out" 2>&1
    cmd gorillaclient -url "wss://127.0.0.1:PORT/echo" -cafile pki/ca.pem -c "$c" -size "$size" -d "$DUR"
    ref=$(sed -n 's/.*messages_per_s \([0-9.]*\).*/\1/p' "$WORK/ref.out")
    refn=$(sed -n 's/^messages \([0-9]*\) .*/\1/p' "$WORK/ref.out")
    refcpu=$(awk '{ print $1 + $2 }' "$WORK/ref.time")
    /usr/bin/time -f '%U %S' -o "$WORK/ours.time" "$WSSKIT" load "$url" --cafile "$WORK/pki/ca.pem" \
      -c "$c" --size "$size" --duration "$DUR" --json >"$WORK/client.json" 2>&1
    cmd wsskit load "wss://127.0.0.1:PORT/echo" --cafile pki/ca.pem -c "$c" --size "$size" --duration "$DUR" --json
    ours=$(json_num "$WORK/client.json" messages_per_s)
    oursn=$(json_num "$WORK/client.json" messages)
    ourscpu=$(awk '{ print $1 + $2 }' "$WORK/ours.time")
    if [ -z "$ref" ] || [ -z "$ours" ] || [ "${refn:-0}" = 0 ] || [ "${oursn:-0}" = 0 ]; then
      RESULTS+=("| load generator, $c × $size B | gorilla | failed: $(head -c 200 "$WORK/ref.out" "$WORK/client.json" | tr '\n' ' ') | | | |")
      continue
    fi
    local a b
    a=$(calc "$ourscpu * 1000000 / $oursn" 1) b=$(calc "$refcpu * 1000000 / $refn" 1)
    RESULTS+=("| load generator, $c × $size B | gorilla | \`wsskit load\` $ours msg/s; plain gorilla client $ref msg/s | client CPU: wsskit load $a µs/msg; plain client $b µs/msg | | |")
    TARGETS+=("| \`load\` vs a plain Go client, $c × $size B (msg/s) | $(calc "$ours / $ref") | ≥ 1.0 | $(awk "BEGIN{print ($ours >= $ref) ? \"yes\" : \"no\"}") |")
    ratio_row "\`load\` client CPU/msg ÷ a plain Go client's, $c × $size B" "$a" "$b" 1.0
  done
  stop_server
}

# --- PKI commands vs openssl ---------------------------------------------------

openssl_cheatsheet() {
  local d=$1
  cd "$d" || return 1
  cat >server.ext <<'EOF'
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
extendedKeyUsage=serverAuth
EOF
  echo "extendedKeyUsage=clientAuth" >client.ext
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "/CN=bench CA" 2>/dev/null &&
  openssl genrsa -out server.key 2048 2>/dev/null &&
  openssl req -new -key server.key -subj "/CN=127.0.0.1" -out server.csr &&
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -extfile server.ext -out server.pem 2>/dev/null &&
  openssl pkcs12 -export -in server.pem -inkey server.key -certfile ca.pem -passout pass:changeit -out server.pfx &&
  openssl genrsa -out client.key 2048 2>/dev/null &&
  openssl req -new -key client.key -subj "/CN=client" -out client.csr &&
  openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -extfile client.ext -out client.pem 2>/dev/null &&
  openssl pkcs12 -export -in client.pem -inkey client.key -certfile ca.pem -passout pass:changeit -out client.pfx &&
  mkdir ca && cp ca.pem ca/ && openssl rehash ca
}
export -f openssl_cheatsheet

# ratio_row LABEL WSSKIT_SECONDS OPENSSL_SECONDS GOAL
ratio_row() {
  local r
  r=$(calc "$2 / $3")
  TARGETS+=("| $1 | $r | ≤ $4 | $(awk "BEGIN{print ($r <= $4) ? \"yes\" : \"no\"}") |")
}

section_pki() {
  log "pki init --key-type rsa:2048 vs the openssl sequence, $PKI_RUNS runs each"
  local i ours=() theirs=() t
  for i in $(seq "$PKI_RUNS"); do
    rm -rf "$WORK/pki-w" "$WORK/pki-o"; mkdir -p "$WORK/pki-o"
    t=$(cpu_time "$WSSKIT" pki init --dir "$WORK/pki-w" --key-type rsa:2048) || return
    ours+=("${t% *}")
    t=$(cpu_time bash -c "openssl_cheatsheet $WORK/pki-o") || return
    theirs+=("${t% *}")
  done
  cmd wsskit pki init --dir pki-w --key-type rsa:2048
  cmd 'openssl req -x509 -newkey rsa:2048 ...; openssl genrsa; openssl req -new; openssl x509 -req; openssl pkcs12 -export (server, then client); openssl rehash ca  # openssl_cheatsheet in bench/compare.sh'
  local a b
  a=$(printf '%s\n' "${ours[@]}" | median) b=$(printf '%s\n' "${theirs[@]}" | median)
  RESULTS+=("| pki init, RSA 2048 (median of $PKI_RUNS) | wsskit | $a s CPU | openssl: $b s CPU | | |")
  ratio_row "\`pki init --key-type rsa:2048\` ÷ openssl sequence (CPU)" "$a" "$b" 0.3
}

make_corpus() {
  [ -f "$WORK/corpus-$NCERTS/done" ] && return 0
  log "making $NCERTS certificates"
  rm -rf "$WORK/corpus-$NCERTS"
  "$BIN/gencerts" -dir "$WORK/corpus-$NCERTS" -n "$NCERTS" || return 1
  openssl rehash "$WORK/corpus-$NCERTS/ca" || return 1
  touch "$WORK/corpus-$NCERTS/done"
}

section_rehash() {
  if ! has_command capath rehash; then
    RESULTS+=("| capath rehash × $NCERTS | wsskit | skipped: command not available | | | |"); return
  fi
  make_corpus || return
  log "capath rehash vs openssl rehash, $NCERTS certificates"
  local a b
  rm -rf "$WORK/rh"; cp -r "$WORK/corpus-$NCERTS/certs" "$WORK/rh"
  a=$(cpu_time "$WSSKIT" capath rehash "$WORK/rh") || return
  rm -rf "$WORK/rh"; cp -r "$WORK/corpus-$NCERTS/certs" "$WORK/rh"
  b=$(cpu_time openssl rehash "$WORK/rh") || return
  cmd wsskit capath rehash certs/
  cmd openssl rehash certs/
  RESULTS+=("| capath rehash × $NCERTS | wsskit | ${a% *} s CPU | openssl: ${b% *} s CPU | | |")
  ratio_row "\`capath rehash\` of $NCERTS ÷ \`openssl rehash\` (CPU)" "${a% *}" "${b% *}" 0.3
}

section_verify() {
  if ! has_command verify; then
    RESULTS+=("| verify × $NCERTS | wsskit | skipped: command not available | | | |"); return
  fi
  make_corpus || return
  log "verify vs openssl verify -CApath, $NCERTS certificates"
  local dir=$WORK/corpus-$NCERTS a b
  # xargs batches the file names as ARG_MAX allows, for both tools alike.
  a=$(cpu_time bash -c "cd $dir && ls certs/*.pem | xargs $(realpath "$WSSKIT") verify --capath ca") || return
  b=$(cpu_time bash -c "cd $dir && ls certs/*.pem | xargs openssl verify -CApath ca") || return
  cmd "ls certs/*.pem | xargs wsskit verify --capath ca"
  cmd "ls certs/*.pem | xargs openssl verify -CApath ca"
  RESULTS+=("| verify × $NCERTS | wsskit | ${a% *} s CPU | openssl: ${b% *} s CPU | | |")
  ratio_row "\`verify\` of $NCERTS ÷ \`openssl verify -CApath\` (CPU)" "${a% *}" "${b% *}" 0.3
}

section_dhparam() {
  if ! has_command dhparam; then
    RESULTS+=("| dhparam $DH_BITS | wsskit | skipped: command not available | | | |"); return
  fi
  log "dhparam $DH_BITS, $DH_RUNS runs each"
  local i ours=() theirs=() t
  for i in $(seq "$DH_RUNS"); do
    rm -f "$WORK/dh-w.pem" "$WORK/dh-o.pem"
    t=$(cpu_time "$WSSKIT" dhparam --bits "$DH_BITS" --out "$WORK/dh-w.pem") || return
    ours+=("${t% *}")
    t=$(cpu_time openssl dhparam -out "$WORK/dh-o.pem" "$DH_BITS") || return
    theirs+=("${t% *}")
  done
  cmd wsskit dhparam --bits "$DH_BITS" --out dh.pem
  cmd openssl dhparam -out dh.pem "$DH_BITS"
  local a b
  a=$(printf '%s\n' "${ours[@]}" | median) b=$(printf '%s\n' "${theirs[@]}" | median)
  RESULTS+=("| dhparam $DH_BITS (median of $DH_RUNS) | wsskit | $a s CPU | openssl: $b s CPU | | |")
  ratio_row "\`dhparam --bits $DH_BITS\` ÷ \`openssl dhparam\` (median CPU)" "$a" "$b" 0.5
}

# --- targets from the server runs -----------------------------------------------

server_targets() {
  local s best bestname v peer
  for s in "echo 1 KiB × 50" "echo 64 KiB × 4" "echo 1 KiB × 50, mTLS" "echo 64 KiB × 4, mTLS"; do
    v=${CPU_PER_OP["$s/wsskit"]:-}
    best="" bestname=""
    for peer in gorilla node websocketpp; do
      local p=${CPU_PER_OP["$s/$peer"]:-}
      [ -n "$p" ] || continue
      if [ -z "$best" ] || awk "BEGIN{exit !($p < $best)}"; then best=$p bestname=$peer; fi
    done
    if [ -n "$v" ] && [ -n "$best" ]; then
      ratio_row "echo server CPU/msg, $s ÷ best peer ($bestname)" "$v" "$best" 1.0
    else
      TARGETS+=("| echo server CPU/msg, $s ÷ best peer | not measured | ≤ 1.0 | |")
    fi
  done
  v=${CPU_PER_OP["mTLS handshake × 4/wsskit"]:-} peer=${CPU_PER_OP["mTLS handshake × 4/gorilla"]:-}
  if [ -n "$v" ] && [ -n "$peer" ]; then
    ratio_row "mTLS handshake server CPU ÷ bare gorilla" "$v" "$peer" 1.1
  else
    TARGETS+=("| mTLS handshake server CPU ÷ bare gorilla | not measured | ≤ 1.1 | |")
  fi
  v=${MEM_PER_CONN[wsskit]:-} peer=${MEM_PER_CONN[node]:-}
  if [ -n "$v" ] && [ -n "$peer" ]; then
    ratio_row "idle memory per connection at $IDLE_N ÷ Node ws" "$v" "$peer" 0.6
  else
    TARGETS+=("| idle memory per connection at $IDLE_N ÷ Node ws | not measured | ≤ 0.6 | |")
  fi
}

# --- main ------------------------------------------------------------------------

ulimit -n "$(ulimit -Hn)" 2>/dev/null
mkdir -p "$WORK"
started=$(date -u +%FT%TZ)
t0=$SECONDS
build || { log "build failed"; exit 1; }
wants client && section_client
if wants echo || wants handshake || wants idle; then section_echo; fi
wants pki && section_pki
wants rehash && section_rehash
wants verify && section_verify
wants dhparam && section_dhparam
server_targets

cat <<EOF
## wsskit side by side ($( [ -n "$QUICK" ] && echo "QUICK smoke run, not for publication" || echo "full run"))

Machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), Linux $(uname -r),
$(go version | cut -d' ' -f3), $(openssl version | cut -d' ' -f1-2), Node $(node --version 2>/dev/null || echo "none"),
websocketpp 0.8 + asio $(sed -n 's/^#define ASIO_VERSION \([0-9]*\).*/\1/p' /usr/include/asio/version.hpp 2>/dev/null || echo "?").
Run $started, $(( SECONDS - t0 )) s; measured phases $DUR each; $("$WSSKIT" --version 2>/dev/null | head -1).
Load: \`wsskit load\` on the same machine (it shares the CPUs with the server).

### Targets

| target | measured | goal | met |
| --- | --- | --- | --- |
EOF
printf '%s\n' "${TARGETS[@]}"
cat <<EOF

### Results

Server CPU is utime+stime of the server process over the measured phase divided by
the messages (or handshakes) it served; throughput is what \`wsskit load\` measured.

| scenario | server | throughput | server CPU | errors | cipher |
| --- | --- | --- | --- | --- | --- |
EOF
printf '%s\n' "${RESULTS[@]}"
echo
echo "### Commands"
echo
echo '```'
printf '%s\n' "${COMMANDS[@]}" | awk '!seen[$0]++'
echo '```'
