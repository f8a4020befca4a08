#!/usr/bin/env bash
# tls_cli_test.sh - `opensslp connect` and `opensslp serve` over real TCP on loopback, against
# OpenSSL's own command-line peers (s_server, s_client), plus their one-line failures.
#   tests/cli/tls_cli_test.sh path/to/opensslp
# Linux only (the Windows build's CLI is covered by `opensslp demo` under Wine).
set -uo pipefail
cli=$(realpath "${1:?usage: tls_cli_test.sh path/to/opensslp}")
source "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/lib.sh"

# A CA, and a server certificate for localhost signed by it; a second, unrelated CA.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
  -subj "/CN=opensslp cli test CA" -days 2 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
  -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost\n' > ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf \
  -out server.pem 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key -out other.pem \
  -subj "/CN=unrelated CA" -days 2 2>/dev/null

wait_accepting() {  # wait_accepting FILE: s_server prints ACCEPT once it listens (a probe
  for _ in $(seq 100); do  # connection would use up its -naccept 1)
    grep -q "^ACCEPT" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# A client certificate for mutual authentication, signed by the same CA.
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client.key -out client.csr \
  -subj "/CN=opensslp cli test client" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' > client_ext.cnf
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile client_ext.cnf \
  -out client.pem 2>/dev/null

# 1. opensslp serve --echo, with s_client as the peer: the line comes back, close_notify both ways.
#    TLS 1.3 by default.
"$cli" serve 0 --bind 127.0.0.1 --cert server.pem --key server.key --echo --once > serve.out 2> serve.err &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 100); do grep -q "listening on port" serve.err && break; sleep 0.1; done
port=$(sed -n 's/^listening on port //p' serve.err)
(echo "ping through opensslp serve"; sleep 1) | timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile ca.pem \
  -verify_return_error -servername localhost > s_client.out 2>&1
wait "$serve_pid"
serve_rc=$?
if grep -q "^ping through opensslp serve" s_client.out && grep -q "Verify return code: 0" s_client.out && [[ $serve_rc == 0 ]] &&
   grep -q "version      : TLS 1.3" serve.err && grep -q "cipher suite : TLS_AES_256_GCM_SHA384" serve.err &&
   grep -q "closed" serve.err; then
  pass "serve: s_client TLS 1.3 handshake, echo, close_notify"
else
  fail "serve (rc $serve_rc)"; cat serve.err; tail -5 s_client.out
fi

# 2. opensslp connect against s_server: summary, verification, data arrives.
port=$(free_port)
(sleep 8 | openssl s_server -accept "$port" -cert server.pem -key server.key -naccept 1 > s_server.out 2>&1) &
pids+=($!)
wait_accepting s_server.out
echo "hello through opensslp connect" | timeout 20 "$cli" connect "localhost:$port" --cafile ca.pem > connect.out 2> connect.err
rc=$?
sleep 0.3
if [[ $rc == 0 ]] && grep -q "peer         : CN=localhost (verified)" connect.err && grep -q "version      : TLS 1.3" connect.err &&
   grep -q "hello through opensslp connect" s_server.out; then
  pass "connect: s_server TLS 1.3 handshake, verified, data delivered"
else
  fail "connect (rc $rc)"; cat connect.err
fi

# 3. connect with --max/--suites/--groups/--no-ems reaches exactly what was asked. (P-256 stays in
#    the group list: in TLS <= 1.2 it also names the curves the server certificate may use,
#    RFC 8422 §5.1, and this server has a P-256 certificate.)
port=$(free_port)
# (Debian's openssl.cnf allows only TLS 1.2+ at security level 2; TLS 1.1 needs both lowered.)
(sleep 8 | openssl s_server -accept "$port" -cert server.pem -key server.key -naccept 1 \
   -cipher 'ALL:@SECLEVEL=0' -min_protocol TLSv1 > s_server2.out 2>&1) &
pids+=($!)
wait_accepting s_server2.out
echo x | timeout 20 "$cli" connect "localhost:$port" --cafile ca.pem --max 1.1 \
  --suites TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA --groups P-384,P-256 --no-ems > /dev/null 2> connect2.err
rc=$?
if [[ $rc == 0 ]] && grep -q "version      : TLS 1.1" connect2.err && grep -q "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" connect2.err &&
   grep -q "group        : secp384r1" connect2.err && grep -q "extended master secret : no" connect2.err; then
  pass "connect: options honoured (TLS 1.1, CBC suite, P-384, no EMS)"
else
  fail "connect options (rc $rc)"; cat connect2.err
fi

# 3b. --tls1.2 pins TLS 1.2 in both commands (extended master secret reported).
port=$(free_port)
(sleep 8 | openssl s_server -accept "$port" -cert server.pem -key server.key -naccept 1 > s_server12.out 2>&1) &
pids+=($!)
wait_accepting s_server12.out
echo "over TLS 1.2" | timeout 20 "$cli" connect "localhost:$port" --cafile ca.pem --tls1.2 > /dev/null 2> connect12.err
rc=$?
sleep 0.3
if [[ $rc == 0 ]] && grep -q "version      : TLS 1.2" connect12.err && grep -q "extended master secret : yes" connect12.err &&
   grep -q "over TLS 1.2" s_server12.out; then
  pass "connect --tls1.2: TLS 1.2 with extended master secret"
else
  fail "connect --tls1.2 (rc $rc)"; cat connect12.err
fi
"$cli" serve 0 --bind 127.0.0.1 --cert server.pem --key server.key --echo --once --tls1.2 > /dev/null 2> serve12.err &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 100); do grep -q "listening on port" serve12.err && break; sleep 0.1; done
port=$(sed -n 's/^listening on port //p' serve12.err)
(echo "ping 1.2"; sleep 1) | timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile ca.pem -servername localhost \
  > s_client12.out 2>&1
wait "$serve_pid"
if grep -q "^ping 1.2" s_client12.out && grep -q "Protocol  *: TLSv1.2" s_client12.out &&
   grep -q "cipher suite : TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" serve12.err; then
  pass "serve --tls1.2: s_client speaks TLS 1.2"
else
  fail "serve --tls1.2"; cat serve12.err; tail -5 s_client12.out
fi

# 3c. Resumption and 0-RTT against s_server: the second connection resumes with the ticket of the
#     first and s_server receives the early data.
port=$(free_port)
(sleep 8 | openssl s_server -accept "$port" -cert server.pem -key server.key -naccept 2 -early_data > s_server_r.out 2>&1) &
pids+=($!)
wait_accepting s_server_r.out
echo "after resumption" | timeout 20 "$cli" connect "localhost:$port" --cafile ca.pem --resume --early-data "EARLY-DATA-0RTT" \
  > /dev/null 2> connect_r.err
rc=$?
sleep 0.5
if [[ $rc == 0 ]] && grep -q "resumed      : yes (session ticket)" connect_r.err && grep -q "early data   : accepted" connect_r.err &&
   grep -q "EARLY-DATA-0RTT" s_server_r.out && grep -q "Reused session-id" s_server_r.out &&
   grep -q "after resumption" s_server_r.out; then
  pass "connect --resume --early-data: resumed, 0-RTT accepted by s_server"
else
  fail "connect --resume (rc $rc)"; cat connect_r.err; tail -20 s_server_r.out
fi

# 3d. opensslp serve: s_client resumes with the ticket it saved and sends 0-RTT; a replay of the same
#     ticket is refused (single-use tickets).
"$cli" serve 0 --bind 127.0.0.1 --cert server.pem --key server.key --echo --max-early-data 1024 > /dev/null 2> serve_r.err &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 100); do grep -q "listening on port" serve_r.err && break; sleep 0.1; done
port=$(sed -n 's/^listening on port //p' serve_r.err)
printf 'early from s_client' > early.txt
(echo "first"; sleep 1) | timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile ca.pem -servername localhost \
  -sess_out sess.pem > s_client_r1.out 2>&1
(echo "second"; sleep 1) | timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile ca.pem -servername localhost \
  -sess_in sess.pem -early_data early.txt > s_client_r2.out 2>&1
(echo "third"; sleep 1) | timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile ca.pem -servername localhost \
  -sess_in sess.pem -early_data early.txt > s_client_r3.out 2>&1
kill "$serve_pid" 2>/dev/null
if grep -q "^Reused, TLSv1.3" s_client_r2.out && grep -q "Early data was accepted" s_client_r2.out &&
   grep -q "early data   : early from s_client" serve_r.err && grep -q "^New, TLSv1.3" s_client_r3.out &&
   grep -q "Early data was rejected" s_client_r3.out; then
  pass "serve: s_client resumed with 0-RTT; the replayed ticket was refused"
else
  fail "serve resumption"; cat serve_r.err; grep -E "Reused|New,|Early data" s_client_r2.out s_client_r3.out
fi

# 3e. Client certificates, TLS 1.3 and TLS 1.2, both directions.
port=$(free_port)
(sleep 8 | openssl s_server -accept "$port" -cert server.pem -key server.key -naccept 2 -Verify 1 -CAfile ca.pem \
   > s_server_ca.out 2>&1) &
pids+=($!)
wait_accepting s_server_ca.out
echo "mutual 1.3" | timeout 20 "$cli" connect "localhost:$port" --cafile ca.pem --cert client.pem --key client.key \
  > /dev/null 2> connect_ca.err
rc13=$?
echo "mutual 1.2" | timeout 20 "$cli" connect "localhost:$port" --cafile ca.pem --cert client.pem --key client.key --tls1.2 \
  > /dev/null 2> connect_ca12.err
rc12=$?
sleep 0.3
if [[ $rc13 == 0 && $rc12 == 0 ]] && grep -q "client cert  : sent" connect_ca.err && grep -q "client cert  : sent" connect_ca12.err &&
   grep -q "mutual 1.3" s_server_ca.out && grep -q "mutual 1.2" s_server_ca.out &&
   [[ $(grep -c "subject=CN = opensslp cli test client" s_server_ca.out) == 2 ]]; then
  pass "connect --cert: s_server verified our client certificate (TLS 1.3 and 1.2)"
else
  fail "connect --cert ($rc13/$rc12)"; cat connect_ca.err connect_ca12.err; tail -20 s_server_ca.out
fi
for v in 1.3 1.2; do
  "$cli" serve 0 --bind 127.0.0.1 --cert server.pem --key server.key --echo --once --verify-client ca.pem \
    --require-client-cert --tls$v > /dev/null 2> "serve_ca$v.err" &
  serve_pid=$!
  pids+=("$serve_pid")
  for _ in $(seq 100); do grep -q "listening on port" "serve_ca$v.err" && break; sleep 0.1; done
  port=$(sed -n 's/^listening on port //p' "serve_ca$v.err")
  (echo "mutual"; sleep 1) | timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile ca.pem -servername localhost \
    -cert client.pem -key client.key > s_client_ca.out 2>&1
  wait "$serve_pid"
  serve_rc=$?
  if [[ $serve_rc == 0 ]] && grep -q "client cert  : CN=opensslp cli test client (verified)" "serve_ca$v.err" &&
     grep -q "^mutual" s_client_ca.out && grep -q "version      : TLS $v" "serve_ca$v.err"; then
    pass "serve --require-client-cert: s_client's certificate verified (TLS $v)"
  else
    fail "serve --require-client-cert TLS $v (rc $serve_rc)"; cat "serve_ca$v.err"; tail -5 s_client_ca.out
  fi
done
# ... and without one the server refuses (TLS 1.3: certificate_required).
"$cli" serve 0 --bind 127.0.0.1 --cert server.pem --key server.key --echo --once --verify-client ca.pem \
  --require-client-cert > /dev/null 2> serve_nc.err &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 100); do grep -q "listening on port" serve_nc.err && break; sleep 0.1; done
port=$(sed -n 's/^listening on port //p' serve_nc.err)
(echo "no cert"; sleep 1) | timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile ca.pem -servername localhost \
  > s_client_nc.out 2>&1
wait "$serve_pid"
if grep -q "certificate_required" serve_nc.err && ! grep -q "^no cert" s_client_nc.out; then
  pass "serve --require-client-cert: a client without a certificate is refused: $(grep certificate_required serve_nc.err)"
else
  fail "serve refuses a client without a certificate"; cat serve_nc.err
fi

# 4. A server whose certificate the CA file does not vouch for: one line, exit 1.
port=$(free_port)
(sleep 8 | openssl s_server -accept "$port" -cert server.pem -key server.key -naccept 1 > s_server3.out 2>&1) &
pids+=($!)
wait_accepting s_server3.out
timeout 20 "$cli" connect "localhost:$port" --cafile other.pem < /dev/null > /dev/null 2> connect3.err
rc=$?
if [[ $rc == 1 ]] && [[ $(wc -l < connect3.err) == 1 ]] && grep -q "unknown_ca" connect3.err; then
  pass "connect: untrusted server refused in one line: $(cat connect3.err)"
else
  fail "connect untrusted (rc $rc)"; cat connect3.err
fi

# 4b. Connecting by IP address checks the certificate against that address: this certificate
#     names only DNS:localhost, so 127.0.0.1 must be refused although the CA is trusted.
port=$(free_port)
(sleep 8 | openssl s_server -accept "$port" -cert server.pem -key server.key -naccept 1 > s_server4.out 2>&1) &
pids+=($!)
wait_accepting s_server4.out
timeout 20 "$cli" connect "127.0.0.1:$port" --cafile ca.pem < /dev/null > /dev/null 2> connect5.err
rc=$?
if [[ $rc == 1 ]] && [[ $(wc -l < connect5.err) == 1 ]] && grep -q "bad_certificate" connect5.err; then
  pass "connect: certificate checked against an IP address: $(cat connect5.err)"
else
  fail "connect by IP (rc $rc)"; cat connect5.err
fi

# 5. Nothing listening: one line, exit 1.
port=$(free_port)
timeout 20 "$cli" connect "127.0.0.1:$port" --insecure < /dev/null > /dev/null 2> connect4.err
rc=$?
if [[ $rc == 1 ]] && [[ $(wc -l < connect4.err) == 1 ]] && grep -qi "cannot connect" connect4.err; then
  pass "connect: unreachable port in one line: $(cat connect4.err)"
else
  fail "connect unreachable (rc $rc)"; cat connect4.err
fi

# 5b. The administrator's configuration (docs/operations.md) decides what the provider offers, and
#     so what a handshake through it can reach: the environment restricts suites, groups and the
#     version range, and the CLI's driver offers only what SslEnumCipherSuites / SslEnumEccCurves give.
port=$(free_port)
(sleep 8 | openssl s_server -accept "$port" -cert server.pem -key server.key -naccept 1 > s_server5.out 2>&1) &
pids+=($!)
wait_accepting s_server5.out
echo "configured" | OPENSSLP_CIPHER_SUITES=TLS_CHACHA20_POLY1305_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 \
  OPENSSLP_GROUPS=secp384r1 timeout 20 "$cli" connect "localhost:$port" --cafile ca.pem > /dev/null 2> connect5.err
rc=$?
if [[ $rc == 0 ]] && grep -q "version      : TLS 1.3" connect5.err && grep -q "cipher suite : TLS_CHACHA20_POLY1305_SHA256" connect5.err &&
   grep -q "group        : secp384r1" connect5.err; then
  pass "configuration: connect reaches only the configured TLS 1.3 suite and group"
else
  fail "configuration connect (rc $rc)"; cat connect5.err
fi
OPENSSLP_MAX_VERSION=TLS1.2 OPENSSLP_CIPHER_SUITES=TLS_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 \
  "$cli" serve 0 --bind 127.0.0.1 --cert server.pem --key server.key --echo --once > serve6.out 2> serve6.err &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 100); do grep -q "listening on port" serve6.err && break; sleep 0.1; done
port=$(sed -n 's/^listening on port //p' serve6.err)
(echo "ping"; sleep 1) | timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile ca.pem -servername localhost \
  > s_client6.out 2>&1
wait "$serve_pid"
if grep -q "version      : TLS 1.2" serve6.err && grep -q "cipher suite : TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" serve6.err &&
   grep -q "Protocol  *: TLSv1.2" s_client6.out; then
  pass "configuration: serve with MaximumVersion TLS1.2 gives s_client TLS 1.2 and the one configured suite"
else
  fail "configuration serve"; cat serve6.err; grep -i "protocol\|cipher" s_client6.out
fi
OPENSSLP_CIPHER_SUITES=TLS_NOPE "$cli" status > status_bad.out 2>&1
rc=$?
if [[ $rc == 1 ]] && grep -q 'unknown cipher suite "TLS_NOPE" in CipherSuites (environment OPENSSLP_CIPHER_SUITES)' status_bad.out &&
   grep -q "cipher suites: *34 " status_bad.out; then
  pass "configuration: status exits 1 and names the bad value; the defaults stay in force"
else
  fail "configuration status (rc $rc)"; cat status_bad.out
fi

# 6. Bad arguments: usage exit code 2, one line.
for args in "connect" "connect nohostport" "connect host:99999" "connect host:1 --suites NOPE --insecure" \
            "serve" "serve 443" "serve notaport --cert x" "serve 0 --cert server.pem --key server.key --bind nowhere" "serve 0 --cert /nonexistent.pem --key /nonexistent.key"; do
  # shellcheck disable=SC2086
  timeout 20 "$cli" $args < /dev/null > /dev/null 2> bad.err
  rc=$?
  if [[ $rc == 1 || $rc == 2 ]] && [[ $(wc -l < bad.err) -le 4 ]] && ! grep -q "terminate\|Aborted" bad.err; then
    pass "bad arguments '$args' -> exit $rc: $(head -1 bad.err)"
  else
    fail "bad arguments '$args' (rc $rc)"; cat bad.err
  fi
done

timeout 20 "$cli" connect localhost:1 --servername "" < /dev/null > /dev/null 2> bad.err
rc=$?
if [[ $rc == 2 ]] && grep -q "servername must not be empty" bad.err; then
  pass "an empty --servername is refused while verifying"
else
  fail "empty --servername (rc $rc)"; cat bad.err
fi

echo "$failures failed"
[[ $failures == 0 ]]
