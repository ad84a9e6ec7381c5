#!/usr/bin/env bash
# test_demo_view.sh - the demo's live view (simulators/demo/view.jq) shows every
# device/point and every combined rule's id whole, in one column when it fits.
#
# It feeds view.jq, through jq as `make demo` does, one event message per alarm
# source of the demo site (simulators/demo/site.json.in): each device with its
# first configured point (or "value"), and each combined rule as the gateway
# names it, "_rules/<rule id>".
# A cut id ("_rules/load_in_shu") or a level column out of line fails the test.
set -euo pipefail
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init
VIEW="$SRC/simulators/demo/view.jq"
ID_COLUMN=24                            # view.jq's device/point width

# The demo site as JSON: its placeholders become numbers and a path.
sed -e 's|@MQTT_PORT@|1883|' -e 's|@P[0-9]@|15020|g' -e "s|@WORK@|$WORK|" \
    "$SRC/simulators/demo/site.json.in" > "$WORK/site.json"
jq -r '(.devices[] | .id + "/" + (.points[0].id // "value")), (.rules[] | "_rules/" + .id)' \
    "$WORK/site.json" > "$WORK/ids"
[ "$(grep -c '^_rules/' "$WORK/ids")" -ge 3 ] || fail "the demo site has no combined rules: $(cat "$WORK/ids")"

while IFS=/ read -r device point; do
    jq -cn --arg d "$device" --arg p "$point" \
       '"riskgw/v1/demo/gw/event/alarm " + ({kind: "RAISED", device: $d, point: $p, level: "alarm",
         value: 1, unit: "", name: "a test message", seq: 1, ts: 1700000000000} | tojson)' -r
done < "$WORK/ids" > "$WORK/messages"
jq -R -r -f "$VIEW" < "$WORK/messages" > "$WORK/view.txt"
[ "$(wc -l < "$WORK/view.txt")" = "$(wc -l < "$WORK/ids")" ] ||
    fail "one line per message expected: $(cat "$WORK/view.txt")"

n=0
while IFS= read -r id && IFS= read -r line <&3; do
    n=$((n + 1))
    case "$line" in
        *"  RAISED      $id "*) ;;
        *) fail "line $n does not show '$id' whole: '$line'" ;;
    esac
    # The level column starts at the same place whenever the id fits its column.
    if [ "${#id}" -le "$ID_COLUMN" ]; then
        prefix=${line%%"$id"*}
        level_at=$(( ${#prefix} + ID_COLUMN + 1 ))
        [ "${line:$level_at:5}" = alarm ] || fail "the level column is out of line for '$id': '$line'"
    fi
done < "$WORK/ids" 3< "$WORK/view.txt"
echo "PASS: $n ids shown whole ($(grep -c '^_rules/' "$WORK/ids") combined rules)"
