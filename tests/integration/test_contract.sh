#!/usr/bin/env bash
# The contract check itself (docs/asyncapi.yaml, tests/lib/contract/). The document:
# every schema is valid JSON Schema and every example matches its message. The
# subscriber every test uses: a message that keeps the contract passes, and one that
# drifts from it is caught - a renamed field, a value of the wrong type, a topic
# that is no channel, a retained event (seen retained by a late subscriber: the
# broker clears the flag for live ones), an event sent with QoS 0, a history row
# without its value - so no other test can pass on a payload that breaks it.
set -euo pipefail
BUILD=${1:?usage: test_contract.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

/usr/bin/python3 "$SRC/tests/lib/contract/contract.py" --check-doc "$SRC/docs/asyncapi.yaml" ||
    fail "docs/asyncapi.yaml does not hold together"
[ "$(command -v mosquitto_sub)" = "$SRC/tests/lib/contract/mosquitto_sub" ] ||
    fail "harness_init did not put the contract-checking mosquitto_sub first in PATH"

mq_port=$(free_port)
start_mosquitto "$mq_port"
base=riskgw/v1/ent-test/gw-test
start_bg sub mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -v -t "$base/#" -t 'elsewhere/#'
wait_subscribed "$BG_PID" || fail "the subscriber did not subscribe; see $WORK/sub.log"
violations="$WORK/contract-violations.log"
event='{"v":1,"enterprise":"ent-test","gateway":"gw-test","epoch":1,"seq":1,"id":1,"ts":2,"device":"gas1",'
event+='"point":"lel","name":"LEL","unit":"%LEL","kind":"RAISED","level":"level1","severity":1,"value":30,"quality":"good"}'

# publish LABEL TOPIC PAYLOAD [mosquitto_pub options]: sent, and seen by the subscriber.
publish() {
    local label=$1 topic=$2 payload=$3
    shift 3
    mosquitto_pub -h 127.0.0.1 -p "$mq_port" -q 1 "$@" -t "$topic" -m "$payload"
    wait_for_line "$WORK/sub.log" "^$topic .*\"$label\"" 5 || fail "the subscriber did not pass on $label"
}
# expect_violation LABEL REGEX: the last message was caught, with a sentence matching REGEX.
expect_violation() {
    [ -s "$violations" ] && grep -Eq -- "$2" "$violations" ||
        fail "$1 was not caught: $(cat "$violations" 2>/dev/null)"
    rm -f "$violations"
}

publish RAISED "$base/event/gas1/lel" "$event"
[ ! -e "$violations" ] || fail "a message that keeps the contract was refused: $(cat "$violations")"
misspelt=${event/\"quality\"/\"qualty\"}
publish drift1 "$base/event/gas1/lel" "${misspelt%\}},\"actor\":\"drift1\"}"
expect_violation "a misspelt field" "does not match pointEvent"
publish drift2 "$base/event/gas1/lel" "${event/\"severity\":1/\"severity\":\"drift2\"}"
expect_violation "a severity that is a string" "'drift2' is not of type 'integer'"
publish drift3 "elsewhere/x" '{"drift3":1}'
expect_violation "a topic that is no channel" "is not a channel of the contract"
publish drift4 "$base/event/gas1/lel" "${event/\"level1\"/\"drift4\"}" -r
[ ! -e "$violations" ] || fail "a live message was refused: $(cat "$violations")"
mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/event/gas1/lel" -C 1 -W 5 >/dev/null   # a late subscriber sees it retained
expect_violation "a retained event" "arrived retained"
mosquitto_pub -h 127.0.0.1 -p "$mq_port" -t "$base/event/gas1/lel" -r -n   # clear it again
publish drift5 "$base/event/gas1/lel" "${event/\"level1\"/\"drift5\"}" -q 0
expect_violation "an event sent with QoS 0" "arrived with QoS 0 on a QoS 1 subscription"
publish history "$base/reply" '{"v":1,"id":"h","cmd":"history","ok":true,"device":"gas1","resolution":"raw","chunk":1,"last":true,"total":1,"rows":[{"point":"lel","ts":1,"v":null,"q":"good"}]}'
expect_violation "a history row without its value" "does not match historyChunk at rows/0/v"
echo "PASS: the document holds together; a message that keeps the contract passes, and each drift is caught"
