# rabbitmq.sh - a private RabbitMQ with its MQTT plugin for the broker tests
# (bash; source it after harness.sh). Debian's rabbitmq-server, started by hand as a
# foreground node: its own epmd on a free port, node name, data and logs in $WORK,
# MQTT and AMQP on free loopback ports, anonymous MQTT as the guest user (loopback
# only), the plugin enabled offline. The system's RabbitMQ service, if any, is not
# touched. A node takes 10-30 s to start (more on a busy machine).
#
#   start_rabbitmq                # sets RABBIT_MQTT_PORT, RABBIT_PID (the Erlang VM)
#   stop_rabbitmq [KILL]          # TERM by default; KILL makes it vanish

RABBIT_SBIN=${RABBIT_SBIN:-$(ls -d /usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin 2>/dev/null | tail -1)}
RABBIT_MQTT_PORT=
RABBIT_PID=
RABBIT_START_S=${RABBIT_START_S:-180}

rabbit_env() {
    local d=$WORK/rabbit
    export HOME=$d ERL_EPMD_PORT=$RABBIT_EPMD_PORT ERL_EPMD_ADDRESS=127.0.0.1
    export RABBITMQ_MNESIA_BASE=$d/mnesia RABBITMQ_LOG_BASE=$d/log
    export RABBITMQ_NODENAME=riskgw$RABBIT_MQTT_PORT@localhost
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$RABBIT_AMQP_PORT
    export RABBITMQ_DIST_PORT=$RABBIT_DIST_PORT
    export RABBITMQ_ENABLED_PLUGINS_FILE=$d/enabled_plugins RABBITMQ_CONFIG_FILE=$d/rabbitmq
    export RABBITMQ_ADVANCED_CONFIG_FILE=$d/advanced.config RABBITMQ_CONF_ENV_FILE=$d/env.conf
    export RABBITMQ_PID_FILE=$d/beam.pid
}

# start_rabbitmq: the first call makes the node; later calls start it again (same ports, data).
start_rabbitmq() {
    [ -x "$RABBIT_SBIN/rabbitmq-server" ] ||
        fail "rabbitmq-server is not installed (make deps BROKER_TEST=1, or apt-get install rabbitmq-server)"
    if [ -z "$RABBIT_MQTT_PORT" ]; then
        RABBIT_MQTT_PORT=$(free_port) RABBIT_AMQP_PORT=$(free_port)
        RABBIT_DIST_PORT=$(free_port) RABBIT_EPMD_PORT=$(free_port)
        mkdir -p "$WORK/rabbit"
        printf '%s\n' "listeners.tcp.default = 127.0.0.1:$RABBIT_AMQP_PORT" \
            "mqtt.listeners.tcp.default = 127.0.0.1:$RABBIT_MQTT_PORT" "mqtt.allow_anonymous = true" \
            >"$WORK/rabbit/rabbitmq.conf"
        : >"$WORK/rabbit/env.conf"
        start_bg epmd epmd -port "$RABBIT_EPMD_PORT" -address 127.0.0.1
        local tries=100                 # the node must find this one, not start a daemon of its own
        until port_open "$RABBIT_EPMD_PORT"; do
            tries=$((tries - 1))
            [ "$tries" -gt 0 ] || fail "epmd did not listen on port $RABBIT_EPMD_PORT; see $WORK/epmd.log"
            sleep 0.05
        done
        (rabbit_env && "$RABBIT_SBIN/rabbitmq-plugins" enable --offline rabbitmq_mqtt >"$WORK/rabbit/plugins.log" 2>&1) ||
            fail "cannot enable rabbitmq_mqtt; see $WORK/rabbit/plugins.log"
    fi
    rm -f "$WORK/rabbit/beam.pid"
    (rabbit_env && exec "$RABBIT_SBIN/rabbitmq-server") >"$WORK/rabbit.log" 2>&1 &
    HARNESS_PIDS+=("$!")
    local deadline=$((SECONDS + RABBIT_START_S))
    until [ -s "$WORK/rabbit/beam.pid" ] && port_open "$RABBIT_MQTT_PORT"; do
        [ "$SECONDS" -lt "$deadline" ] || fail "RabbitMQ did not open MQTT port $RABBIT_MQTT_PORT in $RABBIT_START_S s; see $WORK/rabbit.log"
        sleep 0.2
    done
    RABBIT_PID=$(cat "$WORK/rabbit/beam.pid")
    HARNESS_PIDS+=("$RABBIT_PID")
}

stop_rabbitmq() {
    [ -n "$RABBIT_PID" ] || return 0
    kill "-${1:-TERM}" "$RABBIT_PID" 2>/dev/null
    while kill -0 "$RABBIT_PID" 2>/dev/null; do sleep 0.1; done
    RABBIT_PID=
}
