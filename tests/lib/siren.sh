# siren.sh - drive and watch a riskgw-sim siren_beacon module (bash; source it after harness.sh).
#
# The module is started with --control "$WORK/siren.ctl"; these helpers send it
# control lines and read back what a master wrote, as `show` prints it:
#   siren "set beacon 0"      a control line (the module drops its beacon coil)
#   coil horn                 what the horn coil reads now: 0 or 1
#   wait_coil horn 1 10       until it reads 1, failing the test after 10 s
# and siren_plant TOPIC starts what both outputs tests stand on: a broker (mq_port),
# a subscriber to the gateway's events and one to its TOPIC ($base/TOPIC, log
# TOPIC.log), and the gas detector the alarm comes from.

siren() {
    echo "$1" | socat -t 2 - "UNIX-CONNECT:$WORK/siren.ctl"
}

# `show` prints "siren_beacon unit 1 horn  rest  1": the 4th word is the point, the 6th its value.
coil() {
    siren show | awk -v p="$1" '$4 == p {print $6}'
}

wait_coil() {
    local deadline=$((SECONDS + $3))
    until [ "$(coil "$1")" = "$2" ]; do
        [ "$SECONDS" -le "$deadline" ] || fail "siren $1 is $(coil "$1"), not $2: $(siren show)"
        sleep "$HARNESS_POLL_S"
    done
}

siren_plant() {
    mq_port=$(free_port)
    start_mosquitto "$mq_port"
    base=riskgw/v1/ent-test/gw-test
    start_bg events mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/event/#"
    start_bg "$1" mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/$1"
    start_gas_sim
}
