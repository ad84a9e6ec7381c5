#!/usr/bin/env bash
# The site console (docs/console.md), all real: riskgw polls a simulated gas detector,
# delivers to a real mosquitto and serves the console on a loopback port.
# console_browser.py drives headless Chromium through it: lock-out, sign-in, a gas
# leak RAISED -> ESCALATED on the page within 2 s of its MQTT event, silence with the
# operator as actor, the language switch, a trend, the uplink down. Then, with curl:
# an act without the CSRF token is refused (with a valid session), as is an act
# without a session, a path that is not the console's, a wrong method, a body too
# long; nothing but the console's page and API is served; the store's event log
# holds the act as console:<operator>; no password reaches the log; a reload that
# changes the section is refused; SIGTERM stops the server with the daemon.
# SHOTS=DIR saves the screenshots (docs/console-*.png are made so).
set -euo pipefail
BUILD=${1:?usage: test_console.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init
ITERATIONS=100000                     # the least riskgw accepts: the test signs in often

mq_port=$(free_port)
start_mosquitto "$mq_port"
start_gas_sim

# Operators: wang signs in; li is locked out. Hashes as `riskgw passwd` writes them.
wang=$(echo "gas-leak-drill" | "$BUILD/riskgw" passwd wang --iterations $ITERATIONS) || fail "riskgw passwd failed"
li=$(echo "li-right-password" | "$BUILD/riskgw" passwd li --iterations $ITERATIONS)
grep -Eq '^\{"name": "wang", "hash": "pbkdf2-sha256\$100000\$[0-9a-f]{32}\$[0-9a-f]{64}"\}$' <<<"$wang" ||
  fail "riskgw passwd wrote: $wang"
if echo "short" | "$BUILD/riskgw" passwd wang >/dev/null 2>&1; then fail "riskgw passwd took a 5-character password"; fi

port=$(free_port)
url="http://127.0.0.1:$port"
site() {
  cat > "$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test", "status_interval_s": 1,
 "mqtt": {"uri": "tcp://127.0.0.1:$mq_port"}, "store": {"path": "$WORK/riskgw.db", "commit_interval_ms": 200},
 "console": {"listen": "127.0.0.1:$1", "lockout_after": 3, "lockout_s": 600, "operators": [$wang, $li]},
 "devices": [{"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT, "interval_ms": 100}]}
JSON
  chmod 0640 "$WORK/site.json"
}
site "$port"
"$BUILD/riskgw" -n -c "$WORK/site.json" >/dev/null || fail "riskgw -n refused the console config"
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw.log" "console: serving $url/" 10 || fail "no console: $(cat "$WORK/gw.log")"

# ---- the browser ----
SHOTS=${SHOTS:-} timeout 240 /usr/bin/python3 "$SRC/tests/integration/console_browser.py" "$url/" "$WORK/sim.in" \
  "$mq_port" "$MOSQUITTO_PID" "$WORK/chromium-profile" || fail "the browser test failed; see $WORK/gw.log"
MOSQUITTO_PID=                        # the browser test stopped it

# ---- the act is in the store's event log, with the operator ----
actor=$(sqlite3 "$WORK/riskgw.db" "SELECT actor FROM events WHERE kind = 'SILENCED'")
[ "$actor" = "console:wang" ] || fail "the store's SILENCED event has actor '$actor'"

# ---- curl: what is refused ----
code() { curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }
[ "$(code "$url/api/now")" = 401 ] || fail "/api/now without a session is not 401"
[ "$(code -d '{"device":"gas1","point":"lel"}' "$url/api/silence")" = 401 ] || fail "an act without a session is not 401"
[ "$(code -c "$WORK/cookies" -d '{"name":"wang","password":"gas-leak-drill"}' "$url/api/signin")" = 200 ] ||
  fail "curl could not sign in: $(cat "$WORK/body")"
csrf=$(jq -r .csrf "$WORK/body")
grep -q 'HttpOnly_127.0.0.1' "$WORK/cookies" || fail "the session cookie is not HttpOnly"
curl -s -D "$WORK/headers" -o /dev/null -d '{"name":"wang","password":"gas-leak-drill"}' "$url/api/signin"
grep -qi '^Set-Cookie: rgw_session=[0-9a-f]\{64\}; Path=/; HttpOnly; SameSite=Strict' "$WORK/headers" ||
  fail "the session cookie lacks HttpOnly or SameSite=Strict: $(grep -i set-cookie "$WORK/headers")"
grep -qi "^Content-Security-Policy: default-src 'self'" "$WORK/headers" || fail "no Content-Security-Policy"
[ "$(code -b "$WORK/cookies" -d '{"device":"gas1","point":"lel"}' "$url/api/reset")" = 403 ] ||
  fail "an act with a session but without the CSRF token is not 403"
grep -q '"error":"csrf"' "$WORK/body" || fail "the CSRF refusal does not say so: $(cat "$WORK/body")"
wrong=${csrf%?}$([ "${csrf: -1}" = 0 ] && echo 1 || echo 0)     # the token with its last digit changed
[ "$(code -b "$WORK/cookies" -H "X-CSRF-Token: $wrong" -d '{"device":"gas1","point":"lel"}' "$url/api/reset")" = 403 ] ||
  fail "an act with a wrong CSRF token is not 403"
[ "$(code -b "$WORK/cookies" -H "X-CSRF-Token: $csrf" -d '{"device":"gas1","point":"nope"}' "$url/api/silence")" = 409 ] ||
  fail "an act on an unknown point is not refused by the gateway (409): $(cat "$WORK/body")"
[ "$(code -b "$WORK/cookies" "$url/api/now")" = 200 ] || fail "/api/now with the session is not 200"
v=$(jq -r .v "$WORK/body")
jq -e '.now.devices[0].points[0] | (.q != "good" and .q != "uncertain" and has("v") == false)' "$WORK/body" >/dev/null ||
  fail "the faulted point's snapshot is not a fault without a value: $(jq -c '.now.devices[0].points[0]' "$WORK/body")"
[ "$(code -b "$WORK/cookies" "$url/api/now?v=$v")" = 204 ] || [ "$(code -b "$WORK/cookies" "$url/api/now?v=$((v + 1))")" = 204 ] ||
  fail "a page that has the snapshot is not answered 204"
[ "$(code -b "$WORK/cookies" "$url/api/layout")" = 200 ] && jq -e '.devices[0].points[0].name == "Combustible gas concentration"' "$WORK/body" >/dev/null ||
  fail "/api/layout lacks the point's name: $(head -c 300 "$WORK/body")"
[ "$(code -b "$WORK/cookies" "$url/api/health")" = 200 ] && jq -e '.uplinks[0].connected == false' "$WORK/body" >/dev/null ||
  fail "/api/health does not show the uplink down: $(head -c 300 "$WORK/body")"
[ "$(code "$url/api/layout")" = 401 ] || fail "/api/layout without a session is not 401"
for path in /etc/passwd /../../etc/passwd /index.html/.. /api /api/nothing /metrics /app.js/ /APP.JS /i18n/../app.js /i18n/fr.json; do
  [ "$(code --path-as-is -b "$WORK/cookies" "$url$path")" = 404 ] || fail "$path is not 404 but $(cat "$WORK/body")"
done
[ "$(code -X DELETE "$url/api/now")" = 405 ] || fail "DELETE /api/now is not 405"
[ "$(code -X POST "$url/")" = 405 ] || fail "POST / is not 405"
[ "$(code -b "$WORK/cookies" -H "X-CSRF-Token: $csrf" --data-binary @<(head -c 5000 /dev/zero | tr '\0' x) "$url/api/silence")" = 413 ] ||
  fail "a 5000-byte body is not refused (413)"

# ---- the log: acts and sign-ins, never a password ----
grep -q 'console: sign-in as li failed; the name is locked out' "$WORK/gw.log" || fail "the lock-out is not logged"
grep -q 'command silence gas1/lel from console:wang done' "$WORK/gw.log" || fail "the silence is not logged"
if grep -Eq 'gas-leak-drill|li-right-password|wrong-[0-9]' "$WORK/gw.log"; then fail "a password reached the log"; fi
if grep -q "$csrf" "$WORK/gw.log"; then fail "a CSRF token reached the log"; fi

# ---- a reload that changes the section is refused; the console stays ----
site "$(free_port)"
kill -HUP "$gw"
wait_for_line "$WORK/gw.log" "reload refused, the running config stays: the console section changed" 10 ||
  fail "a changed console section was not refused: $(tail -3 "$WORK/gw.log")"
[ "$(code "$url/")" = 200 ] || fail "the console went away after a refused reload"

kill -TERM "$gw"
wait "$gw" || fail "riskgw did not exit cleanly on SIGTERM with the console running"
if curl -s -o /dev/null "$url/"; then fail "$url still answers after the daemon stopped"; fi

# ---- HTTPS with a certificate: TLS only, and the cookie is Secure ----
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -keyout "$WORK/console.key" \
  -out "$WORK/console.crt" 2>/dev/null || fail "openssl could not make a test certificate"
port=$(free_port)
site "$port"
jq --arg c "$WORK/console.crt" --arg k "$WORK/console.key" '.console.cert = $c | .console.key = $k' \
  "$WORK/site.json" > "$WORK/tls.json"
start_bg gw-tls "$BUILD/riskgw" -c "$WORK/tls.json"
wait_for_line "$WORK/gw-tls.log" "console: serving https://127.0.0.1:$port/" 10 || fail "no HTTPS console: $(cat "$WORK/gw-tls.log")"
[ "$(code --cacert "$WORK/console.crt" "https://127.0.0.1:$port/")" = 200 ] || fail "the HTTPS console does not serve the page"
curl -s --cacert "$WORK/console.crt" -D "$WORK/tls-headers" -o /dev/null -d '{"name":"wang","password":"gas-leak-drill"}' \
  "https://127.0.0.1:$port/api/signin"
grep -qi '^Set-Cookie: rgw_session=.*; HttpOnly; SameSite=Strict; .*; Secure' "$WORK/tls-headers" ||
  fail "the cookie under HTTPS is not Secure: $(grep -i set-cookie "$WORK/tls-headers")"
if curl -s -m 5 -o /dev/null "http://127.0.0.1:$port/"; then fail "the HTTPS console answers plain HTTP"; fi
echo "PASS: site console"
