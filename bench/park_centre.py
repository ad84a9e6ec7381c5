#!/usr/bin/python3
"""park_centre.py - the park's monitoring centre in bench/park.sh: one MQTT subscriber
for every gateway's events, deduplicating and looking for gaps as docs/interface.md
asks a platform to.

It keeps a persistent QoS 1 session (fixed client id, clean_session off), so what
the broker queued for it while it was away (the broker's own restart included)
still arrives. Every event message with a seq is keyed by (gateway, epoch, seq): the
first copy counts, later ones are duplicates dropped. A gap is a seq below the
highest one of its (gateway, epoch) that never arrived. Latency is the arrival time
minus the event's "ts" (the sample that decided it). It also follows the broker's
$SYS counter of PUBLISH packets received, across restarts (the counter starts
again at 0), for the messages per second into the broker.

  park_centre.py PORT PROGRESS_JSON SUMMARY_JSON [RUN_JSON]
writes PROGRESS_JSON ("gateway/epoch": n, with seqs 1..n all received) twice a
second, SUMMARY_JSON at SIGTERM, and exits. RUN_JSON, read at SIGTERM, holds what
the bench knows by then: {"last_seq": {"gateway/epoch": seq stored at the end of
the run}, "restart": [from_ms, to_ms]}; alarms and gaps are counted up to those
seqs (later ones may still be in a gateway's outbox when it is stopped), and the
latency is given with and without the alarms raised near the broker restart.
"""
import json
import os
import signal
import sys
import threading
import time

import paho.mqtt.client as mqtt

EVENTS = "riskgw/v1/+/+/event/#"
SYS_RECEIVED = "$SYS/broker/publish/messages/received"

port, progress_path, summary_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
run_path = sys.argv[4] if len(sys.argv) > 4 else None
lock = threading.Lock()
seen = {}           # (gateway, epoch) -> set of seqs
first_order_breaks = 0
last_first = {}     # (gateway, epoch) -> seq of the last first arrival
kinds = {}
duplicates = 0
latencies = []     # (ts, latency ms)
sys_lives = [0]     # PUBLISH received per broker life; a drop starts a new life
connects = 0


def on_connect(client, userdata, flags, rc):
    global connects
    if rc == 0:
        connects += 1
        client.subscribe([(EVENTS, 1), (SYS_RECEIVED, 0)])


def on_message(client, userdata, msg):
    global duplicates, first_order_breaks
    now_ms = time.time() * 1000.0
    if msg.topic == SYS_RECEIVED:
        value = int(msg.payload)
        with lock:
            if value < sys_lives[-1]:
                sys_lives.append(0)
            sys_lives[-1] = value
        return
    try:
        m = json.loads(msg.payload)
    except ValueError:
        return
    if m.get("seq") is None:
        return
    key = (m["gateway"], m["epoch"])
    with lock:
        seqs = seen.setdefault(key, set())
        if m["seq"] in seqs:
            duplicates += 1
            return
        seqs.add(m["seq"])
        if m["seq"] < last_first.get(key, 0):
            first_order_breaks += 1
        last_first[key] = m["seq"]
        kinds[m.get("kind", "?")] = kinds.get(m.get("kind", "?"), 0) + 1
        latencies.append((m["ts"], now_ms - m["ts"]))


def percentile(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def prefix(seqs):
    n = 0
    while n + 1 in seqs:
        n += 1
    return n


def write_progress():
    with lock:
        progress = {"%s/%d" % k: prefix(v) for k, v in seen.items()}
    with open(progress_path + ".tmp", "w") as f:
        json.dump(progress, f)
    os.replace(progress_path + ".tmp", progress_path)


RESTART_BEFORE_MS = 1000    # raised this close before the restart, or
RESTART_AFTER_MS = 10000    # this long after the broker was back: "near the restart"


def summary(run):
    last = run.get("last_seq", {})
    restart = run.get("restart")
    with lock:
        per = {"%s/%d" % k: v for k, v in seen.items()}
        within = {k: sorted(s for s in v if s <= last.get(k, 0)) for k, v in per.items()}
        gaps = {k: sorted(set(range(1, last[k] + 1)) - per.get(k, set())) for k in last}
        quiet = [l for ts, l in latencies
                 if not restart or not restart[0] - RESTART_BEFORE_MS <= ts <= restart[1] + RESTART_AFTER_MS]
        every = [l for _, l in latencies]
        return {
            "received_once": sum(len(v) for v in within.values()),
            "received_once_after_run": sum(len(v) for v in per.values()) - sum(len(v) for v in within.values()),
            "gateways_heard": len(per),
            "duplicates_dropped": duplicates,
            "gaps": sum(len(g) for g in gaps.values()),
            "gap_seqs": {k: g[:10] for k, g in gaps.items() if g},
            "first_arrivals_out_of_order": first_order_breaks,
            "kinds": kinds,
            "latency_ms_p50": percentile(every, 50),
            "latency_ms_p99": percentile(every, 99),
            "latency_ms_max": max(every) if every else None,
            "latency_ms_p50_away_from_restart": percentile(quiet, 50),
            "latency_ms_p99_away_from_restart": percentile(quiet, 99),
            "broker_publish_received": sum(sys_lives),
            "broker_lives": len(sys_lives),
            "centre_connects": connects,
        }


stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
client = mqtt.Client(client_id="park-centre", clean_session=False)
client.on_connect = on_connect
client.on_message = on_message
client.reconnect_delay_set(min_delay=1, max_delay=2)
client.connect_async("127.0.0.1", port, keepalive=30)
client.loop_start()
while not stop.wait(0.5):
    write_progress()
client.loop_stop()
write_progress()
run_info = {}
if run_path and os.path.exists(run_path):
    with open(run_path) as f:
        run_info = json.load(f)
with open(summary_path, "w") as f:
    json.dump(summary(run_info), f, indent=1)
