#!/usr/bin/env bash
# keylog_test.sh - the key log as a user checks it (docs/key-log.md): real TCP on loopback between
# `opensslp connect` / `opensslp serve` and OpenSSL's s_server / s_client, captured with dumpcap;
# then
#   1. tshark decrypts the capture with opensslp's key log alone and shows the application data of
#      both directions (and, as a control, cannot without it);
#   2. the key log libssl wrote for the same connection (-keylogfile) agrees line for line;
#   3. the verbose per-call trace of the same run (docs/diagnostics.md) holds none of those secrets.
#   tests/cli/keylog_test.sh path/to/opensslp
# Needs tshark and dumpcap (Debian: tshark) and permission to capture on lo (root, as in CI).
# Linux only.
set -uo pipefail
cli=$(realpath "${1:?usage: keylog_test.sh path/to/opensslp}")
for tool in tshark dumpcap openssl; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (tools/install-deps.sh)"; exit 1; }
done
source "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/lib.sh"
cases=0

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key -out ec.pem \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" -days 2 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.pem \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" -days 2 2>/dev/null

start_capture() {  # start_capture NAME PORT: dumpcap on lo for the port, into NAME.pcapng
  dumpcap -q -i lo -f "tcp port $2" -w "$work/$1.pcapng" > "$1.dumpcap.log" 2>&1 &
  capture_pid=$!
  pids+=("$capture_pid")
  wait_for "$1.dumpcap.log" "Capturing on" || { echo "dumpcap did not start:"; cat "$1.dumpcap.log"; }
}

stop_capture() {
  sleep 0.5
  kill -INT "$capture_pid" 2>/dev/null
  wait "$capture_pid" 2>/dev/null
}

# check NAME OURS LIBSSL CLIENT_TEXT SERVER_TEXT [EXPECTED_LABELS...]; $stream (default 0) is the
# TCP stream whose decrypted data is looked at.
check() {
  local name=$1 ours=$2 libssl=$3 client_text=$4 server_text=$5 stream=${stream:-0}
  shift 5
  cases=$((cases + 1))
  local ok=1
  if [[ ! -s "$ours" ]]; then
    fail "$name: opensslp wrote no key log"; return
  fi
  for label in "$@"; do
    grep -q "^$label " "$ours" || { echo "  $name: no $label line"; ok=0; }
  done
  # libssl 3.0 also logs each KeyUpdate's next secret as *_TRAFFIC_SECRET_N, a label Wireshark
  # does not read (it derives those secrets itself): opensslp writes none (docs/key-log.md).
  if ! diff <(sort "$ours") <(grep -v -e '^#' -e '_TRAFFIC_SECRET_N ' "$libssl" | sort) > "$name.keylog.diff"; then
    echo "  $name: opensslp's key log differs from libssl's:"; cat "$name.keylog.diff"; ok=0
  fi
  # 3. The per-call trace of the same run (verbose: every call, docs/diagnostics.md) holds none of
  #    the secrets the key log holds, in any case of hex.
  local trace="$name.trace" secret leaked=0
  if ! grep -q " SslEncryptPacket(" "$trace" 2>/dev/null || ! grep -q " SslDecryptPacket(" "$trace"; then
    echo "  $name: the verbose trace has no record calls"; ok=0
  fi
  while read -r _ _ secret; do
    if grep -qiF "$secret" "$trace" 2>/dev/null; then leaked=1; fi
    # Also any 16-byte piece of it (a secret printed in parts).
    for ((i = 0; i + 32 <= ${#secret}; i += 16)); do
      grep -qiF "${secret:i:32}" "$trace" 2>/dev/null && leaked=1
    done
  done < "$ours"
  if [[ $leaked == 1 ]]; then echo "  $name: the trace holds a secret of the key log"; ok=0; fi
  local follow="$name.follow.txt" control="$name.control.txt"
  tshark -r "$name.pcapng" -o "tls.keylog_file:$ours" -q -z "follow,tls,ascii,$stream" > "$follow" 2>/dev/null
  tshark -r "$name.pcapng" -q -z "follow,tls,ascii,$stream" > "$control" 2>/dev/null
  grep -qF "$client_text" "$follow" || { echo "  $name: tshark did not decrypt the client's data"; ok=0; }
  grep -qF "$server_text" "$follow" || { echo "  $name: tshark did not decrypt the server's data"; ok=0; }
  if [[ -n "${extra_text:-}" ]]; then
    grep -qF "$extra_text" "$follow" || { echo "  $name: tshark did not decrypt '$extra_text'"; ok=0; }
  fi
  if grep -qF "$client_text" "$control" || grep -qF "$server_text" "$control"; then
    echo "  $name: the data is readable without the key log (control)"; ok=0
  fi
  if [[ $ok == 1 ]]; then
    pass "$name: tshark decrypts both directions with opensslp's key log; $(wc -l < "$ours") lines = libssl's; no secret in $(wc -l < "$trace") trace lines"
  else
    fail "$name"; sed -n '1,40p' "$follow"
  fi
}

# connect_case NAME "S_SERVER ARGS" "CONNECT ARGS" LABELS...: opensslp connect -> openssl s_server.
# $server_input: what s_server reads from stdin after the handshake (default: one line of text;
# a line "k" makes it send a KeyUpdate, s_server's own command). $client_text: what connect sends.
connect_case() {
  local name=$1 server_args=$2 connect_args=$3
  shift 3
  local port
  port=$(free_port)
  start_capture "$name" "$port"
  local input=${server_input:-"reply from s_server for $name"}
  # One line at a time: s_server takes a read of exactly "k\n" as its KeyUpdate command.
  (sleep 1.5; while IFS= read -r line; do printf '%s\n' "$line"; sleep 0.5; done <<< "$input"; sleep 3) |
    openssl s_server -accept "$port" $server_args -keylogfile "$name.libssl.log" > "$name.s_server.out" 2>&1 &
  pids+=($!)
  wait_for "$name.s_server.out" "^ACCEPT"
  local client_text=${client_text:-"hello from opensslp connect for $name"}
  (echo "$client_text"; sleep 3) |
    OPENSSLP_KEYLOGFILE="$work/$name.ours.log" OPENSSLP_TRACE=verbose OPENSSLP_TRACE_FILE="$work/$name.trace" \
    timeout 20 "$cli" connect "localhost:$port" --insecure $connect_args \
    > "$name.connect.out" 2> "$name.connect.err"
  stop_capture
  check "$name" "$name.ours.log" "$name.libssl.log" "$client_text" "${server_text:-"reply from s_server for $name"}" "$@"
  grep -E "version|cipher suite|extended master|group" "$name.connect.err" | sed 's/^/    /'
}

# serve_case NAME "SERVE ARGS" "S_CLIENT ARGS" LABELS...: openssl s_client -> opensslp serve --echo.
serve_case() {
  local name=$1 serve_args=$2 client_args=$3
  shift 3
  local port
  port=$(free_port)
  start_capture "$name" "$port"
  OPENSSLP_KEYLOGFILE="$work/$name.ours.log" OPENSSLP_TRACE=verbose OPENSSLP_TRACE_FILE="$work/$name.trace" \
    "$cli" serve "$port" --bind 127.0.0.1 $serve_args --echo --once \
    > "$name.serve.out" 2> "$name.serve.err" &
  local serve_pid=$!
  pids+=("$serve_pid")
  wait_for "$name.serve.err" "listening on port"
  (echo "hello from s_client for $name"; sleep 2) |
    timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost $client_args \
    -keylogfile "$name.libssl.log" > "$name.s_client.out" 2>&1
  wait "$serve_pid"
  stop_capture
  # serve --echo sends the client's line back: the server's direction carries the same text.
  check "$name" "$name.ours.log" "$name.libssl.log" "hello from s_client for $name" "hello from s_client for $name" "$@"
  grep -E "version|cipher suite|extended master|group" "$name.serve.err" | sed 's/^/    /'
}

tls13=(CLIENT_HANDSHAKE_TRAFFIC_SECRET SERVER_HANDSHAKE_TRAFFIC_SECRET CLIENT_TRAFFIC_SECRET_0 SERVER_TRAFFIC_SECRET_0
       EXPORTER_SECRET)

one="-naccept 1"
connect_case tls13-connect "-cert ec.pem -key ec.key $one" "" "${tls13[@]}"
connect_case tls13-connect-hrr "-cert ec.pem -key ec.key -groups P-384 $one" "--groups x25519,P-384" "${tls13[@]}"
# s_server's "k" command sends a KeyUpdate; its reply then travels under the next generation of
# traffic secrets, which Wireshark derives from SERVER_TRAFFIC_SECRET_0 itself.
server_input=$'k\nreply after the KeyUpdate' server_text="reply after the KeyUpdate" \
  connect_case tls13-keyupdate "-cert ec.pem -key ec.key $one" "" "${tls13[@]}"
# Resumption with 0-RTT: connect --resume makes a first connection for a ticket, then a second,
# resumed one that sends its line as early data (TCP stream 1).
extra_text="early-data-from-opensslp-connect" stream=1 \
  connect_case tls13-resumed-0rtt "-cert ec.pem -key ec.key -early_data -naccept 2" \
  "--resume --early-data early-data-from-opensslp-connect" "${tls13[@]}" CLIENT_EARLY_TRAFFIC_SECRET EARLY_EXPORTER_SECRET
connect_case tls12-ecdhe-ems "-cert ec.pem -key ec.key $one" "--tls1.2" CLIENT_RANDOM
connect_case tls12-ecdhe-no-ems "-cert ec.pem -key ec.key $one" "--tls1.2 --no-ems" CLIENT_RANDOM
connect_case tls12-rsa-kx "-cert rsa.pem -key rsa.key -cipher AES128-GCM-SHA256 $one" "--tls1.2" CLIENT_RANDOM
serve_case tls13-serve "--cert ec.pem --key ec.key" "" "${tls13[@]}"
serve_case tls12-serve-ems "--cert rsa.pem --key rsa.key" "-tls1_2" CLIENT_RANDOM

echo "keylog_test: $cases cases, $failures failed"
[[ $failures == 0 ]]
