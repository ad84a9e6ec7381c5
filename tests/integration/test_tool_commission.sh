#!/usr/bin/env bash
# A whole site commissioned end to end, all real: riskgw-sim plays one device of
# every profile kind (gas LEL, H2S and a 4-20 mA module behind one TCP-to-RTU
# converter port, a dust collector, a casting PLC and a power meter on ports of
# their own, an O2 detector on a serial line at 19200 8E1 on a pty), riskgw polls it
# and publishes to a real mosquitto. Then the technician's tools run as on site:
#   check       every device answers, every point plausible (exit 0);
#   test-alarm  every point with alarm levels (21) driven through each level and
#               back through the simulator's control socket, each event proved on
#               MQTT and in the store; nothing left latched;
#   report      one self-contained HTML page with every device and point, escaped,
#               rendered by headless Chromium to a PNG and a PDF that are checked.
# The event ids test-alarm reports are checked independently: in the SQLite file
# and in what a plain mosquitto_sub received.
set -euo pipefail
BUILD=${1:?usage: test_tool_commission.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

ALARM_POINTS=21                     # gas 1, h2s 1, o2 1, ai 1 (site-given), dust 6, casting 7, meter 4
mq_port=$(free_port)
start_mosquitto "$mq_port"
start_sub sub mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -v -t 'riskgw/v1/ent-test/gw-test/event/#'

conv=$(free_port); dust=$(free_port); cast=$(free_port); meter=$(free_port)
cat > "$WORK/sim-site.json" <<JSON
{"description": "commissioning test site",
 "devices": [
  {"id": "gas1",   "profile": "gas_lel",         "port": $conv,  "unit": 1, "scenario": "normal_day.json"},
  {"id": "h2s1",   "profile": "gas_toxic_h2s",   "port": $conv,  "unit": 2, "scenario": "normal_day.json"},
  {"id": "ai1",    "profile": "ai_4_20ma",       "port": $conv,  "unit": 4, "scenario": "normal_day.json"},
  {"id": "dust1",  "profile": "dust_collector",  "port": $dust,  "unit": 1, "scenario": "normal_day.json"},
  {"id": "cast1",  "profile": "casting_plc",     "port": $cast,  "unit": 1, "scenario": "normal_day.json"},
  {"id": "meter7", "profile": "power_meter_3ph", "port": $meter, "unit": 7, "scenario": "normal_day.json"},
  {"id": "o2-1",   "profile": "gas_o2",          "rtu": true,    "unit": 3, "scenario": "normal_day.json"}],
 "rtu": {"pty": true, "baud": 19200, "parity": "E"}}
JSON
start_bg sim "$BUILD/riskgw-sim" --site "$WORK/sim-site.json" --control "$WORK/sim.ctl"
wait_for_line "$WORK/sim.log" "rtu on /dev/pts/" 10 || fail "the simulator did not start; see $WORK/sim.log"
pts=$(sed -n 's/^riskgw-sim: rtu on \(\/dev\/pts\/[0-9]*\).*/\1/p' "$WORK/sim.log")

# The site config: the profiles' on-delays shortened so that 21 points prove in seconds,
# a setpoint pair given to one 4-20 mA channel, and a point name that must be escaped.
fast() { echo "{\"id\": \"$1\", \"alarm\": {\"levels\": $2, \"hysteresis\": ${3:-0}, \"on_delay_s\": 0.5}}"; }
cat > "$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test",
 "mqtt": {"uri": "tcp://127.0.0.1:$mq_port"}, "store": {"path": "$WORK/riskgw.db"},
 "buses": [{"id": "line1", "device": "$pts", "baud": 19200, "parity": "E"}],
 "devices": [
  {"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $conv, "unit": 1, "interval_ms": 200},
  {"id": "h2s1", "profile": "gas_toxic_h2s", "host": "127.0.0.1", "port": $conv, "unit": 2, "interval_ms": 200},
  {"id": "ai1", "profile": "ai_4_20ma", "host": "127.0.0.1", "port": $conv, "unit": 4, "interval_ms": 200,
   "points": [{"id": "ch1", "name": "Tank <A> level & \"west\"", "alarm": {"levels": [{"name": "H", "above": 80}, {"name": "HH", "above": 90}], "hysteresis": 1}}]},
  {"id": "dust1", "profile": "dust_collector", "host": "127.0.0.1", "port": $dust, "interval_ms": 200,
   "points": [$(fast dp '[{"name": "L", "below": 300}, {"name": "H", "above": 1800}, {"name": "HH", "above": 2500}]' 50),
              $(fast hopper_temp '[{"name": "H", "above": 70}, {"name": "HH", "above": 90}]' 2),
              $(fast rotary_valve_fault '[{"name": "H", "above": 1}]')]},
  {"id": "cast1", "profile": "casting_plc", "host": "127.0.0.1", "port": $cast, "interval_ms": 200,
   "points": [$(fast cw_in_temp '[{"name": "H", "above": 35}]' 1),
              $(fast cw_out_temp '[{"name": "H", "above": 40}, {"name": "HH", "above": 45}]' 1),
              $(fast metal_temp '[{"name": "H", "above": 750}, {"name": "HH", "above": 780}]' 5),
              $(fast em_water_pressure '[{"name": "L", "below": 0.15}, {"name": "LL", "below": 0.1}]' 0.01),
              $(fast sensor_fault '[{"name": "H", "above": 1}]'),
              $(fast valve_fault '[{"name": "H", "above": 1}]')]},
  {"id": "meter7", "profile": "power_meter_3ph", "host": "127.0.0.1", "port": $meter, "unit": 7, "interval_ms": 200,
   "points": [$(fast va '[{"name": "L", "below": 198}, {"name": "H", "above": 242}]' 2),
              $(fast vb '[{"name": "L", "below": 198}, {"name": "H", "above": 242}]' 2),
              $(fast vc '[{"name": "L", "below": 198}, {"name": "H", "above": 242}]' 2),
              $(fast freq '[{"name": "L", "below": 49.5}, {"name": "H", "above": 50.5}]' 0.1)]},
  {"id": "o2-1", "profile": "gas_o2", "bus": "line1", "unit": 3, "interval_ms": 200}]}
JSON
"$BUILD/riskgw" -n -c "$WORK/site.json" >/dev/null || fail "the site config was refused"

# ---- check: before the service starts (it would share the serial line) ----
"$BUILD/riskgw" check -c "$WORK/site.json" > "$WORK/check.out" || { cat "$WORK/check.out"; fail "check failed on a healthy site"; }
grep -q "^result: PASS: 7 of 7 devices answer; .* 0 failed" "$WORK/check.out" || { cat "$WORK/check.out"; fail "check summary"; }
grep -q "^o2-1 (gas_o2) at $pts 19200 8E1 unit 3: answers" "$WORK/check.out" || fail "check did not read the O2 detector on the serial line"
grep -Eq "^  lel +holding 0 +[0-9]+ +[0-9.]+ %LEL +good +ok" "$WORK/check.out" || fail "check's line for gas1/lel"
echo "check: $(grep '^result:' "$WORK/check.out")"

# ---- the gateway runs; test-alarm proves every alarm ----
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
wait_for_line "$WORK/gw.log" "Connected to MQTT broker" 10 || fail "the gateway did not connect; see $WORK/gw.log"
"$BUILD/riskgw" check -c "$WORK/site.json" > "$WORK/check2.out" 2>&1 && fail "check ran beside the gateway on a serial line"
grep -q "stop it first" "$WORK/check2.out" || fail "check's refusal does not say why: $(cat "$WORK/check2.out")"
# test-alarm reads every point through the gateway first: wait for its first polls.
for dp in "gas1 lel" "h2s1 h2s" "ai1 ch1" "dust1 dp" "cast1 metal_temp" "meter7 freq" "o2-1 o2"; do
    for _ in $(seq 100); do
        "$BUILD/riskgw" read -c "$WORK/site.json" $dp 2>/dev/null | grep -q "quality good" && break
        sleep "$HARNESS_POLL_S"
    done
done
"$BUILD/riskgw" test-alarm -c "$WORK/site.json" --sim "$WORK/sim.ctl" --results "$WORK/results.json" \
    --actor tester > "$WORK/alarm.out" 2>&1 || { cat "$WORK/alarm.out"; tail -20 "$WORK/gw.log"; fail "test-alarm failed"; }
grep -q "^result: PASS: $ALARM_POINTS of $ALARM_POINTS points passed" "$WORK/alarm.out" || { cat "$WORK/alarm.out"; fail "test-alarm summary"; }
echo "test-alarm: $(grep '^result:' "$WORK/alarm.out")"

# The results file: every point passed, each with its plan's steps.
[ "$(jq '[.points[] | select(.pass)] | length' "$WORK/results.json")" = "$ALARM_POINTS" ] || fail "results.json: not every point passed"
[ "$(jq -r '.points[] | select(.device == "dust1" and .point == "dp") | [.steps[].expect] | join(",")' "$WORK/results.json")" = \
  "RAISED H,ESCALATED HH,CLEARED HH,RAISED L,CLEARED L" ] || fail "dust1/dp's steps: $(jq -c '.points[] | select(.point == "dp")' "$WORK/results.json")"
[ "$(jq -r '.points[] | select(.device == "o2-1") | [.steps[].expect] | join(",")' "$WORK/results.json")" = \
  "RAISED high,RETURNED high,RESET high,RAISED low,RETURNED low,RESET low" ] || fail "o2-1's steps (latching, both directions)"

# Every event id it reported: in the store with that kind, and received by a plain subscriber.
jq -r '.points[] | .device as $d | .point as $p | .steps[] | "\(.event_id) \($d) \($p) \(.expect | split(" ")[0])"' \
    "$WORK/results.json" | sort > "$WORK/events.txt"
[ "$(wc -l < "$WORK/events.txt")" -ge 70 ] || fail "too few proved events: $(wc -l < "$WORK/events.txt")"
last=$(sort -n "$WORK/events.txt" | tail -1 | cut -d' ' -f1)
wait_for_line "$WORK/sub.log" "\"id\":$last," 5 || fail "the last event ($last) never reached the plain subscriber"
sqlite3 "$WORK/riskgw.db" "SELECT e.id || ' ' || p.device || ' ' || p.point || ' ' || e.kind
                           FROM events e JOIN points p USING (point_key)" | sort > "$WORK/stored.txt"
sed 's/^[^ ]* //' "$WORK/sub.log" | jq -r '"\(.id) \(.device) \(.point) \(.kind)"' | sort -u > "$WORK/received.txt"
missing=$(comm -23 "$WORK/events.txt" "$WORK/stored.txt")
[ -z "$missing" ] || fail "events test-alarm proved are not so in the store: $missing"
missing=$(comm -23 "$WORK/events.txt" "$WORK/received.txt")
[ -z "$missing" ] || fail "events test-alarm proved never reached the plain subscriber: $missing"

# Nothing is left in alarm or latched: each point's last event ends its alarm.
left=$(sqlite3 "$WORK/riskgw.db" "SELECT p.device || '/' || p.point || ' ' || e.kind FROM events e JOIN points p USING (point_key)
        WHERE e.id IN (SELECT max(id) FROM events GROUP BY point_key) AND e.kind NOT IN ('CLEARED', 'RESET')")
[ -z "$left" ] || fail "left in alarm after test-alarm: $left"

# ---- by hand: test-alarm prompts, a stand-in technician acts on each prompt ----
# (here through the simulator; on site with test gas). The result replaces gas1/lel's.
mkfifo "$WORK/prompts"
"$BUILD/riskgw" test-alarm -c "$WORK/site.json" --wait 5 --results "$WORK/results.json" --actor tester \
    gas1/lel > "$WORK/prompts" 2>&1 &
manual=$!
HARNESS_PIDS+=("$manual")
while IFS= read -r line; do
    echo "$line" >> "$WORK/manual.out"
    case "$line" in
        "gas1/lel: bring the reading to "*) v=${line#*reading to }; sim_ctl "$WORK/sim.ctl" gas1 set lel "${v%% *}" ;;
        "gas1/lel: bring the reading back to normal"*) sim_ctl "$WORK/sim.ctl" gas1 recover lel ;;
    esac
done < "$WORK/prompts"
wait "$manual" || { cat "$WORK/manual.out"; fail "test-alarm by hand failed"; }
[ "$(grep -c '^gas1/lel  .* PASS  event' "$WORK/manual.out")" = 4 ] || { cat "$WORK/manual.out"; fail "the prompted steps"; }   # gas_lel latches: raise, escalate, return, reset
[ "$(jq '.points | length' "$WORK/results.json")" = "$ALARM_POINTS" ] || fail "a second run added results instead of replacing them"
[ "$(jq -r '.points[] | select(.point == "lel") | .mode + " " + (.pass | tostring)' "$WORK/results.json")" = "instrument true" ] ||
    fail "gas1/lel's result was not replaced by the run by hand"

# ---- report: one page, escaped, self-contained; Chromium renders it ----
"$BUILD/riskgw" report -c "$WORK/site.json" --results "$WORK/results.json" -o "$WORK/report.html" --lang en \
    --technician "Li Wei" --site "Test park <North> & \"East\"" > "$WORK/report.out" || { cat "$WORK/report.out"; fail "report found open items"; }
html="$WORK/report.html"
grep -q "ALL CHECKS PASSED" "$html" || fail "the report's verdict"
grep -q "gw-test" "$html" && grep -q "as the running gateway sees them" "$html" || fail "the report's header"
for dev in gas1 h2s1 ai1 dust1 cast1 meter7 o2-1; do grep -q "<h2>$dev<span" "$html" || fail "the report lacks $dev"; done
[ "$(grep -o 'class="pass">PASS<' "$html" | wc -l)" = "$ALARM_POINTS" ] || fail "the report's alarm tests"
grep -q 'Tank &lt;A&gt; level &amp; &quot;west&quot;' "$html" && grep -q 'Test park &lt;North&gt; &amp; &quot;East&quot;' "$html" || fail "names are not escaped"
! grep -q 'Tank <A>\|<North>' "$html" || fail "a name reached the page as markup"
! grep -Eiq '<script|<link|<img|<iframe|url\(|@import|https?://' "$html" || fail "the report is not self-contained"
grep -q '@media print' "$html" && grep -q '@page' "$html" || fail "the report has no print stylesheet"
# The default language is zh-CN (headings with English beside them); an unknown one is refused.
"$BUILD/riskgw" report -c "$WORK/site.json" --results "$WORK/results.json" -o "$WORK/report-zh.html" \
    --technician "李伟" > "$WORK/report-zh.out" || { cat "$WORK/report-zh.out"; fail "the zh-CN report found open items"; }
zh="$WORK/report-zh.html"
grep -q '<html lang="zh-CN">' "$zh" && grep -q '<h1>调试验收报告 Commissioning report</h1>' "$zh" ||
  fail "the default report is not in zh-CN"
grep -q '全部检查通过 ALL CHECKS PASSED' "$zh" && grep -q '7 台设备中 7 台应答' "$zh" && grep -q '运行中网关的读数' "$zh" ||
  fail "the zh-CN report's verdict, summary or header"
[ "$(grep -o 'class="pass">通过<' "$zh" | wc -l)" = "$ALARM_POINTS" ] || fail "the zh-CN report's alarm tests"
if grep -q '调试\|测点\|通过' "$html"; then fail "the --lang en report holds Chinese words"; fi
if "$BUILD/riskgw" report -c "$WORK/site.json" --lang fr -o "$WORK/fr.html" 2> "$WORK/fr.err"; then fail "--lang fr was taken"; fi
grep -q 'no report language "fr" (there are: en, zh-CN)' "$WORK/fr.err" || fail "--lang fr refused without the languages: $(cat "$WORK/fr.err")"

# chromium_shot NAME FLAGS...: headless Chromium on the report, a profile of its own per NAME.
# --no-sandbox: Chromium refuses to run as root with its sandbox; tests only.
chromium_shot() {
    local name=$1
    shift
    timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$WORK/chromium-$name" \
        "$@" "file://$html" > "$WORK/chromium-$name.log" 2>&1
}
chromium_shot pdf --print-to-pdf="$WORK/report.pdf" --no-pdf-header-footer &      # both at once: each takes seconds
printing=$!
HARNESS_PIDS+=("$printing")
chromium_shot png --window-size=1280,1800 --screenshot="$WORK/report.png" || fail "chromium could not render the report; see $WORK/chromium-png.log"
wait "$printing" || fail "chromium could not print the report; see $WORK/chromium-pdf.log"
/usr/bin/python3 "$SRC/tests/lib/png_check.py" "$WORK/report.png" 1280 1800 || fail "the screenshot does not look like the report"
head -c 5 "$WORK/report.pdf" | grep -q '%PDF-' || fail "the printed report is no PDF"
[ "${KEEP_REPORT:-}" = "" ] || cp "$WORK/report.png" "$WORK/report.pdf" "$html" "$KEEP_REPORT"
echo "PASS: check, test-alarm ($ALARM_POINTS points, $(wc -l < "$WORK/events.txt") events proved) and report on a whole simulated site"
