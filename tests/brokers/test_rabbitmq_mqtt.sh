#!/usr/bin/env bash
# The gateway's MQTT behaviours against RabbitMQ's MQTT plugin (make test-brokers):
# a second broker implementation, one a park can cluster. The busy plant of the
# fault tests runs against a private RabbitMQ node (tests/lib/rabbitmq.sh) and
# this checks: connect; the retained "online" status; a command answered on the
# reply topic; QoS 1 delivery of every stored event and telemetry message to a
# persistent subscriber; and, after kill -9 of the gateway, the last will
# leaving the retained status "offline". Where RabbitMQ differs from mosquitto it
# says so (docs/operations.md, "The broker side of a park"): retained messages
# reach only subscriptions without wildcards. Prints how long each step took.
set -euo pipefail
BUILD=${1:?usage: test_rabbitmq_mqtt.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
. "$SRC/tests/lib/faults.sh"
. "$SRC/tests/lib/rabbitmq.sh"
harness_init

now_ms() { date +%s%3N; }
step() { echo "$1: $(($(now_ms) - T0)) ms"; T0=$(now_ms); }
retained() {                            # retained TOPIC: the retained payload, or nothing
    mosquitto_sub -h 127.0.0.1 -p "$RABBIT_MQTT_PORT" -t "$1" -C 1 -W 3 2>/dev/null || true
}

T0=$(now_ms)
start_rabbitmq
port=$RABBIT_MQTT_PORT
step "RabbitMQ node started, MQTT on port $port"
start_bg sub mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -c -i riskgw-rabbit-sub -v \
    -t "$FAULTS_BASE/event/#" -t "$FAULTS_BASE/telemetry/#"
faults_subscribed "$port" "$WORK/sub.log" sub || fail "the subscriber receives nothing; see $WORK/sub.log"
faults_plant "$port" "$WORK/riskgw.db"
jq '.mqtt.keepalive_s = 5' "$WORK/site.json" >"$WORK/site2.json" && mv "$WORK/site2.json" "$WORK/site.json"
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw.log" "uplink mqtt connected" 20 || fail "the gateway did not connect to RabbitMQ; see $WORK/gw.log"
step "gateway connected"

status=$(retained "$FAULTS_BASE/status")
jq -e '.online == true' <<<"$status" >/dev/null 2>&1 || fail "the retained status on RabbitMQ is \"$status\", not online"
wild=$(retained "riskgw/v1/+/+/status")
step "retained status online (exact topic)"
if [ -n "$wild" ]; then
    echo "note: this RabbitMQ delivers retained messages to wildcard subscriptions too"
else
    echo "note: this RabbitMQ gives retained messages only to subscriptions without wildcards (riskgw/v1/+/+/status got nothing)"
fi

start_bg reply mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -t "$FAULTS_BASE/reply" -C 1 -W 20
sleep 1
mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -t "$FAULTS_BASE/cmd" -m '{"id":"rabbit-1","cmd":"status"}'
wait_for_line "$WORK/reply.log" '"id":"rabbit-1"' 20 || fail "no reply to a command through RabbitMQ; see $WORK/reply.log"
jq -e '.ok == true' "$WORK/reply.log" >/dev/null || fail "the command failed: $(cat "$WORK/reply.log")"
step "command answered on the reply topic"

sleep 8                                 # the plant raises alarms and sends telemetry
faults_check_delivered "$WORK/sub.log" "$WORK/riskgw.db" 30
step "QoS 1: $FAULTS_EVENTS events and $FAULTS_TELEMETRY telemetry messages delivered"

kill -9 "$gw"
wait "$gw" 2>/dev/null || true
for _ in $(seq 30); do
    status=$(retained "$FAULTS_BASE/status")
    jq -e '.online == false' <<<"$status" >/dev/null 2>&1 && break
done
jq -e '.online == false' <<<"$status" >/dev/null 2>&1 ||
    fail "RabbitMQ did not publish the gateway's last will as the retained status: \"$status\""
step "last will: retained status offline after kill -9"
stop_rabbitmq
echo "PASS: connect, retained online status, command and reply, QoS 1 delivery, last will, on RabbitMQ $(ls -d /usr/lib/rabbitmq/lib/rabbitmq_server-* | sed 's/.*-//')"
