#!/usr/bin/env bash
# Least privilege: started as root with --user, the daemon opens its store, control
# socket and connections, then becomes that user for good: every uid and gid in
# /proc/PID/status is the user's, its groups are the user's own (no root group),
# and it still stores and publishes (an alarm reaches the subscriber and the
# store), and the console still reaches it. The store's files are handed to the
# user, so the same store opens when the daemon is started as that user directly
# (systemd's User=). An unknown user, or a non-root start that asks for another
# user, is refused at start with a sentence. The test uses the system's `nobody`.
# Needs root (to start as root and to chown); fails, never skips, without it.
set -euo pipefail
BUILD=${1:?usage: test_privilege_drop.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

[ "$(id -u)" = 0 ] || fail "the privilege-drop test must start the daemon as root (CI runs as root); run it as root"
user=nobody
uid=$(id -u "$user") || fail "this system has no user $user"
gid=$(id -g "$user")
# The data directory belongs to the service user, as the package makes /var/lib/riskgw.
mkdir -m 0750 "$WORK/data"
chown "$user:$(id -gn "$user")" "$WORK/data"
# What the user reads itself (the started-as-user runs) lives in the work directory,
# since the build and the source tree may sit under a home closed to others.
chmod 0755 "$WORK"
mkdir -m 0755 "$WORK/bin" "$WORK/profiles"
cp "$BUILD/riskgw" "$WORK/bin/riskgw"
cp "$SRC/drivers/profiles/gas_lel.json" "$WORK/profiles/"
chmod -R a+rX "$WORK/bin" "$WORK/profiles"
riskgw=$WORK/bin/riskgw

mq_port=$(free_port)
start_mosquitto "$mq_port"
base=riskgw/v1/ent-test/gw-test
start_sub events mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/event/#"
start_gas_sim
cat >"$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test", "status_interval_s": 1, "profile_dir": "$WORK/profiles",
 "mqtt": {"uri": "tcp://127.0.0.1:$mq_port"},
 "store": {"path": "$WORK/data/riskgw.db"},
 "devices": [{"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT, "interval_ms": 100}]}
JSON
chmod 0644 "$WORK/site.json"

start_bg gw "$riskgw" --user "$user" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw.log" "running as user $user \\(uid $uid, gid $gid\\)" 10 ||
    fail "the daemon did not say it dropped to $user; see $WORK/gw.log"
wait_for_line "$WORK/gw.log" "uplink mqtt connected" 10 || fail "the daemon did not connect"
ids() { awk -v k="$1:" '$1 == k { $1 = ""; print substr($0, 2) }' "/proc/$gw/status"; }
[ "$(ids Uid)" = "$uid $uid $uid $uid" ] || fail "Uid (real, effective, saved, fs) is '$(ids Uid)', want $uid"
[ "$(ids Gid)" = "$gid $gid $gid $gid" ] || fail "Gid (real, effective, saved, fs) is '$(ids Gid)', want $gid"
groups=$(ids Groups)
[ "$groups" = "$(id -G "$user")" ] || fail "supplementary groups are '$groups', want $user's own: $(id -G "$user")"
[ "$(ids CapEff)" = 0000000000000000 ] || fail "the daemon kept capabilities: CapEff $(ids CapEff)"
for task in /proc/"$gw"/task/*; do               # every thread, Paho's and the pollers' included
    awk -v u="$uid" '$1 == "Uid:" && ($2 != u || $3 != u) { exit 1 }' "$task/status" ||
        fail "thread $(basename "$task") still runs as $(awk '$1 == "Uid:"' "$task/status")"
done

# It still stores and publishes, and the console still reaches it.
sim_say "set lel 60"
wait_for_line "$WORK/events.log" '"kind":"RAISED"' 10 || fail "no alarm published after the drop"
[ "$(sqlite3 "$WORK/data/riskgw.db" "SELECT count(*) FROM events WHERE kind = 'RAISED';")" = 1 ] ||
    fail "the alarm was not stored after the drop"
wait_for_report "$WORK/site.json" '"ok": ?true' 5 || fail "the health report was not written as $user"
out=$("$riskgw" read -c "$WORK/site.json" gas1 lel 2>&1) || fail "the console could not reach the daemon: $out"
owned_by_user() {
    local f
    for f in "$@"; do
        [ "$(stat -c %U "$WORK/data/$f")" = "$user" ] || fail "$f belongs to $(stat -c %U "$WORK/data/$f"), not $user"
    done
}
owned_by_user riskgw.db riskgw.db-wal riskgw.db-shm
# /run/riskgw was handed over with the store: the reports go to RAM, written as the user.
in_ram=$(ram_reports "$WORK/data/riskgw.db\"") || fail "no health report of this gateway in /run/riskgw"
[ "$(stat -c %U "$in_ram")" = "$user" ] || fail "$in_ram belongs to $(stat -c %U "$in_ram"), not $user"
kill -TERM "$gw"
wait "$gw" || fail "the daemon did not stop cleanly as $user"
owned_by_user riskgw.db.status.json      # the last report, beside the store at a clean stop

# The same store opens when started as the user directly (systemd's User=): --user is then a no-op.
start_bg gw2 setpriv --reuid "$uid" --regid "$gid" --init-groups "$riskgw" --user "$user" -c "$WORK/site.json"
wait_for_line "$WORK/gw2.log" "running:" 10 || fail "started as $user, the daemon could not open its store: $(cat "$WORK/gw2.log")"
kill -TERM "$BG_PID"
wait "$BG_PID" || fail "the daemon started as $user did not stop cleanly"

# Refusals: an unknown user; a start without root that asks for another user (config key "user").
rc=0; out=$("$riskgw" --user no-such-riskgw-user -c "$WORK/site.json" 2>&1) || rc=$?
[ "$rc" = 1 ] && grep -q 'there is no user "no-such-riskgw-user"' <<<"$out" ||
    fail "an unknown user was not refused ($rc): $out"
jq '.user = "daemon"' "$WORK/site.json" >"$WORK/site-daemon.json"
chmod 0644 "$WORK/site-daemon.json"
rc=0; out=$(setpriv --reuid "$uid" --regid "$gid" --init-groups "$riskgw" -c "$WORK/site-daemon.json" 2>&1) || rc=$?
[ "$rc" = 1 ] && grep -q "asked to run as \"daemon\", but started as uid $uid, which cannot switch user" <<<"$out" ||
    fail "a start as $user asking for user daemon was not refused ($rc): $out"
echo "PASS: dropped from root to $user (uid $uid, gid $gid, groups $groups, no capabilities, every thread);" \
     "stored and published after the drop; the store reopened as $user; bad users refused"
