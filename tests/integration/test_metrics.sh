#!/usr/bin/env bash
# The metrics endpoint, all real: riskgw polls a simulated gas detector in alarm,
# delivers to a real mosquitto, and serves /metrics on a loopback port. curl
# scrapes it; Prometheus' own Python parser must read the text, and the values
# must be those of the health report written at the same time (same timestamp):
# polls, last good poll, samples, alarms standing, uplink state, store size.
# Also: only GET/HEAD of /metrics is answered; a bad listen address is refused at
# load; a port already taken leaves the gateway running without the endpoint; a
# reload that changes the section is refused; SIGTERM stops the server cleanly.
set -euo pipefail
BUILD=${1:?usage: test_metrics.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init
METRICS_WAIT_S=15

mq_port=$(free_port)
start_mosquitto "$mq_port"
start_gas_sim
sim_say "set lel 60"                  # past both levels: one alarm standing

# site FILE STORE LISTEN: a one-detector site whose endpoint listens on LISTEN.
site() {
  cat > "$1" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test", "status_interval_s": 1,
 "mqtt": {"uri": "tcp://127.0.0.1:$mq_port"}, "store": {"path": "$2", "commit_interval_ms": 200},
 "metrics": {"listen": "$3"},
 "devices": [{"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT, "interval_ms": 100}]}
JSON
}

# ---- a bad address is refused at load, with the reason ----
site "$WORK/bad.json" "$WORK/bad.db" "localhost:9105"
if out=$("$BUILD/riskgw" -n -c "$WORK/bad.json" 2>&1); then fail "riskgw -n accepted metrics.listen localhost:9105"; fi
grep -q 'metrics.listen: "localhost" is not an IPv4 address (names are not looked up)' <<<"$out" ||
  fail "bad listen address refused without its reason: $out"

# ---- the endpoint on a running gateway ----
port=$(free_port)
url="http://127.0.0.1:$port/metrics"
site "$WORK/site.json" "$WORK/riskgw.db" "127.0.0.1:$port"
"$BUILD/riskgw" -n -c "$WORK/site.json" >/dev/null || fail "riskgw -n refused the metrics config"
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw.log" "metrics: serving http://127.0.0.1:$port/metrics" 10 || fail "no metrics endpoint: $(cat "$WORK/gw.log")"

# A scrape and the report file agree when both come from the same report; the
# report is rewritten every second, so try until a scrape falls within one.
compare() {
  health_report "$WORK/site.json" >"$WORK/report.json" || return 3
  /usr/bin/python3 - "$WORK/scrape.txt" "$WORK/report.json" <<'PY'
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
m = {}
for fam in text_string_to_metric_families(text):     # raises on malformed text
    for s in fam.samples:
        m[(s.name, tuple(sorted(s.labels.items())))] = s.value
h = json.load(open(sys.argv[2]))
if m[("riskgw_report_timestamp_seconds", ())] != h["ts"] / 1000:
    sys.exit(3)                                       # another report: try again
dev = h["devices"][0]
want = {
    ("riskgw_uptime_seconds", ()): h["uptime_s"],
    ("riskgw_time_synced", ()): 1 if h["time_synced"] else 0,
    ("riskgw_samples_seen_total", ()): h["samples"]["seen"],
    ("riskgw_alarms_standing", ()): h["alarms"]["standing"],
    ("riskgw_store_size_bytes", ()): h["store"]["bytes"],
    ("riskgw_process_resident_memory_bytes", ()): h["process"]["rss_kib"] * 1024,
    ("riskgw_device_polls_ok_total", (("device", "gas1"),)): dev["polls_ok"],
    ("riskgw_device_polls_failed_total", (("device", "gas1"),)): dev["polls_failed"],
    ("riskgw_device_last_ok_timestamp_seconds", (("device", "gas1"),)): dev["last_ok"] / 1000,
    ("riskgw_uplink_connected", (("uplink", "mqtt"),)): 1 if h["uplinks"][0]["connected"] else 0,
    ("riskgw_outbox_backlog", (("class", "events"), ("uplink", "mqtt"))): h["uplinks"][0]["events"]["backlog"],
    ("riskgw_event_latency_p99_seconds", ()): h["events"]["latency_p99_ms"] / 1000,
}
# The same number, once scaled by the gateway and once here (ms to s): equal to 1e-12,
# absolute (a relative tolerance would let a whole ms of last_ok, ~1.8e9 s, pass).
bad = [f"{k}: metrics {m.get(k)} != health {v}" for k, v in want.items()
       if m.get(k) is None or not math.isclose(m[k], v, rel_tol=0, abs_tol=1e-12)]
if bad:
    print("\n".join(bad))
    sys.exit(1)
if h["alarms"]["standing"] != 1 or dev["polls_ok"] == 0 or not h["uplinks"][0]["connected"] \
        or h["events"]["latency_recent"] == 0:
    sys.exit(3)                                       # not there yet: the alarm, a poll, the broker
# The alarm's way through the gateway was timed, and in earnest: a sync and a hand-off
# on loopback take more than nothing and far less than the poll interval's 10 times.
ev = h["events"]
if not 0 < ev["latency_p50_ms"] <= ev["latency_p99_ms"] <= ev["latency_max_ms"] < 1000:
    print(f"alarm latency in the gateway not plausible: {ev}")
    sys.exit(1)
print(f"metrics match health report ts={h['ts']}: polls_ok={dev['polls_ok']} "
      f"samples={h['samples']['seen']} alarms_standing={h['alarms']['standing']} "
      f"alarm_latency_p99={ev['latency_p99_ms']} ms over {ev['latency_recent']}")
PY
}
deadline=$((SECONDS + METRICS_WAIT_S))
while :; do
  code=$(curl -s -o "$WORK/scrape.txt" -w '%{http_code}' "$url") || fail "curl could not reach $url"
  if [ "$code" = 200 ]; then
    rc=0
    compare || rc=$?
    [ "$rc" = 0 ] && break
    [ "$rc" = 3 ] || fail "metrics differ from the health report (see above)"
  fi
  [ "$SECONDS" -lt "$deadline" ] || fail "no matching scrape within ${METRICS_WAIT_S} s (last HTTP $code): $(head -c 600 "$WORK/scrape.txt")"
  sleep 0.2
done
type=$(curl -s -o /dev/null -w '%{content_type}' "$url")
[ "$type" = "text/plain; version=0.0.4; charset=utf-8" ] || fail "content type is '$type'"

# ---- only GET and HEAD of /metrics ----
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" = 404 ] || fail "/ is not 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x=1 "$url")" = 405 ] || fail "POST is not 405"
[ "$(curl -s -o /dev/null -w '%{http_code}' -I "$url")" = 200 ] || fail "HEAD is not 200"

# ---- the port taken: a second gateway runs on without the endpoint ----
site "$WORK/second.json" "$WORK/second.db" "127.0.0.1:$port"
start_bg gw2 "$BUILD/riskgw" -c "$WORK/second.json"
gw2=$BG_PID
wait_for_line "$WORK/gw2.log" "the gateway runs without its metrics endpoint" 10 ||
  fail "a taken port was not reported: $(cat "$WORK/gw2.log")"
wait_for_report "$WORK/second.json" '"polls_ok":[1-9]' 10 || fail "the second gateway stopped polling"
kill -0 "$gw2" || fail "the second gateway died because its metrics port was taken"

# ---- a reload that changes the section is refused; the endpoint stays ----
site "$WORK/site.json" "$WORK/riskgw.db" "127.0.0.1:$(free_port)"
kill -HUP "$gw"
wait_for_line "$WORK/gw.log" "reload refused, the running config stays: the metrics section changed" 10 ||
  fail "a changed metrics section was not refused: $(tail -3 "$WORK/gw.log")"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 200 ] || fail "the endpoint went away after a refused reload"

# ---- SIGTERM: the server thread stops with the daemon, which exits 0 ----
kill -TERM "$gw"
wait "$gw" || fail "riskgw did not exit cleanly on SIGTERM with the endpoint running"
if curl -s -o /dev/null "$url"; then fail "$url still answers after the daemon stopped"; fi
echo "PASS: metrics endpoint"
