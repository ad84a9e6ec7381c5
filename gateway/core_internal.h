/*
 * core_internal.h - the state the core's files share (core.c, core_events.c, command.c).
 *
 * Nothing outside the core thread touches this struct.
 */
#ifndef RISKGW_CORE_INTERNAL_H
#define RISKGW_CORE_INTERNAL_H

#include <stdint.h>
#include "command_parse.h"
#include "config.h"
#include "console.h"
#include "expr.h"
#include "metrics_http.h"
#include "outbox.h"
#include "outputs.h"
#include "poller.h"
#include "queue.h"
#include "rules.h"
#include "sample.h"
#include "sink.h"
#include "store.h"

/* Samples: 2,000 devices x 30 points a second is 60,000/s; 16 Ki entries (512 KiB)
 * ride out a quarter-second stall of the core (a slow fsync). Overflow is counted. */
#define CORE_SAMPLE_QUEUE 16384
/* ... and at least this many readings of every point of the site: with every device
 * polled at the same instant (phase_ms 0, the default) a round of 2,000 devices is
 * 60,000 samples within milliseconds, faster than the core takes them, and a ring of
 * 16,384 refused a fifth of them. The ring is a mapping of its own, resident only as
 * deep as a burst really went (queue.c). */
#define CORE_SAMPLE_ROUNDS 2
/* Acks and commands: at most the sinks' windows (64 + 2 x 256) in flight, plus commands. */
#define CORE_CONTROL_QUEUE 4096
#define CORE_MAX_SINKS (2 + CONFIG_MAX_WEBHOOKS)   /* mqtt, national, webhooks */
#define CORE_PENDING_EVENTS 4096    /* events kept in memory while the store cannot write */
/* Write results: one write per writable point is in flight at most (OUTPUTS_MAX). */
#define CORE_WRITE_RESULTS 4096

/* Why a local output holds a value, for the event that records the write. */
struct output_note {
    int severity;                   /* of the alarm that needs it, 0 none */
    char actor[EVENT_ACTOR_MAX];    /* "rule:gas1/lel", or the operator who wrote it */
    char detail[EVENT_DETAIL_MAX];  /* "RAISED gas1/lel; 2 alarms need it" */
};

struct output_why {
    struct output_note wanted;      /* why it wants its value now */
    struct output_note sent;        /* why the write on its way was sent (the want may move on) */
};

/* One episode of store trouble (core_store.c); all zero while the store writes. */
struct store_episode {
    enum store_trouble cause;       /* the latest failure's, for the health report */
    int64_t since_mono, since_wall; /* when the episode began */
    int64_t retry_at_ms;            /* monotonic: the next attempt */
    int64_t backoff_ms;
    uint64_t attempts;
};

struct core {
    struct config *cfg;
    struct doorbell bell;
    struct queue samples;           /* struct sample, from pollers */
    struct queue control;           /* struct ctl_msg, from sinks */
    struct queue write_results;     /* struct write_result, from pollers */
    struct store *store;
    struct outbox *outbox;
    struct sink *sinks[CORE_MAX_SINKS];
    int nsinks;
    struct sink *mqtt;              /* also in sinks[]; replies and status go here */
    struct pollers *pollers;
    struct metrics_server *metrics; /* the Prometheus endpoint, NULL when off */
    struct console *console;        /* the site console, NULL when off (console/core_console.c) */
    int console_dirty;              /* an event since the last snapshot */
    int64_t console_next_ms;        /* monotonic: the next snapshot while a page looks */
    uint64_t console_layout_hash;   /* the config whose layout the console has, 0 none */
    int console_looking;            /* a page looked lately: the console holds the texts it shows */
    /* Parallel to cfg->points: what the core knows of each point now. */
    struct reading *latest;         /* last reading (ts_ms 0: none yet) */
    struct rule_state *rule_state;  /* by alarm slot (cfg->points[p].alarm_slot) */
    uint32_t *store_key;            /* store_point_key of device/point (rowids: 32 bits, core_state.c) */
    struct point_history *hist;
    int32_t *device_minute;         /* per device: the minute hist[] gathers (core_history.c) */
    uint8_t *unsent;
    uint8_t *device_dirty;          /* telemetry pending per device */
    int64_t *telemetry_sent_ms;     /* per device: monotonic time of its last message */
    struct history *history;        /* windows the combined rules read */
    struct history_asks *asks;      /* history requests being answered (core_history_ask.c) */
    struct expr_env env;
    uint8_t *in_rules;              /* per point: read by some combined rule */
    /* Local outputs (core_outputs.c): one slot per writable point. */
    struct output_slot *outputs;
    struct output_why *output_why;
    size_t noutputs;
    uint32_t *output_of;            /* per point: its slot + 1, 0 when not writable */
    uint8_t *drives;                /* per point: its alarm names outputs */
    uint32_t next_write_id;
    int64_t next_output_ms;         /* monotonic: the next retry or result deadline */
    int outputs_dirty;              /* a want changed: look for writes to send */
    int sigfd;
    int ctlfd;                      /* listening local control socket, -1 none */
    int stop;
    /*
     * Events recorded since the last good commit. A failed write loses the whole
     * open transaction, so these are staged again (replay) until a commit holds.
     */
    struct event pending[CORE_PENDING_EVENTS];
    size_t npending;
    size_t announced;               /* pending events already sent as "stored": false */
    int replay;                     /* the open transaction was lost; stage pending again */
    int store_failing;              /* an episode of store trouble is on (store_ep) */
    struct store_episode store_ep;
    uint64_t events_dropped;
    size_t telemetry_next;          /* the next device of the telemetry round */
    int64_t telemetry_start_ms;     /* monotonic: when the round began */
    int64_t next_commit_ms;         /* monotonic deadlines */
    int64_t next_tick_ms;
    int64_t next_status_ms;
    int64_t next_status_on_card_ms; /* the health report's next copy beside the store */
    int64_t next_prune_ms;
    /* systemd's watchdog: petted only while the field, the rules and the store progress */
    int64_t wd_interval_ms, wd_next_ms, loop_ms, poll_progress_ms, commit_ok_ms, poll_period_ms;
    uint64_t poll_cycles;
    int64_t started_mono;
    uint64_t status_prev_ticks;     /* CPU ticks and time at the previous report */
    int64_t status_prev_mono;
    uint64_t events_recorded, samples_seen;
    struct durations alarm_path;    /* each alarm from its reply read to its hand-off (core_events.c) */
};

/* A point's alarm state, or NULL when it has no rule (and so keeps none). */
static inline struct rule_state *core_alarm_state(struct core *c, size_t point)
{
    uint32_t k = c->cfg->points[point].alarm_slot;
    return k == ALARM_SLOT_NONE ? NULL : &c->rule_state[k];
}

/* core_events.c: samples in, events recorded, telemetry queued. */
void core_handle_sample(struct core *c, const struct sample *s);

/* core_fault_flag.c: a detector's own fault flag (a point's "fault_flag"). */
void core_fault_flag_apply(const struct core *c, struct sample *s);
int core_fault_flag_standing(const struct core *c, uint32_t point);
void core_fault_flag_spread(struct core *c, const struct sample *flag);
/* Record one event: store it, queue it for the uplinks, log it. */
void core_record_event(struct core *c, struct event *ev);
/* Let rule delays expire for every point. */
void core_tick_rules(struct core *c, int64_t now_mono, int64_t now_wall);
/* The envelope (seq, epoch, clock state) of the next message of a class. */
struct msg_meta core_msg_meta(struct core *c, enum outbox_class cls);
/* Commit the store's open transaction; on failure keep events for a replay. */
void core_commit(struct core *c);
/* Commit the events just recorded and hand them to the uplinks now. */
void core_send_events(struct core *c);

/*
 * core_telemetry.c: one message per device with new readings per commit interval,
 * the devices spread across it. At the tick: flush the round's rest and start the
 * next (the caller commits). Between ticks: pace flushes the devices due by now
 * (0 when fewer than a chunk; the caller commits when it flushed any), due_ms says
 * when the next chunk is due. core_flush_telemetry flushes every device now (before
 * a reload, at shutdown); flush_device one (a reading about to be overwritten).
 * note_sample marks a sample's device for the round, as the "telemetry" section
 * says: every sample, or (on_change) one that is news or comes after the heartbeat.
 */
void core_telemetry_note_sample(struct core *c, uint32_t point, int news, int64_t now);
void core_telemetry_tick(struct core *c, int64_t now);
int core_telemetry_pace(struct core *c, int64_t now);
int64_t core_telemetry_due_ms(const struct core *c);
void core_flush_telemetry(struct core *c);
void core_telemetry_flush_device(struct core *c, size_t d);

/* core.c: let the outbox hand committed messages to the sinks. */
void core_pump(struct core *c);

/*
 * What history knows of a point (core_history.c): the last reading written to it,
 * which the next one must differ from to be written, and the aggregate of the minute
 * so far, whose minute is its device's (device_minute: a device's points are read
 * together). 40 bytes a point, where a struct reading and an aggregate with its own
 * minute took 48: 480 KB less for the 60,000 points of 2,000 devices (issue 17).
 * A minute of more than HISTORY_MINUTE_MAX readings is written in parts, which the
 * store adds up.
 */
struct point_history {
    double last_value;              /* meaningful when last_quality has a value */
    uint64_t last_ts_ms : 44;       /* wall clock (44 bits last until 2527); 0: none stored */
    uint64_t last_quality : 8;      /* enum quality */
    uint64_t n : 12;                /* good readings this minute */
    double min, sum, max;           /* of this minute's good readings */
};
#define HISTORY_MINUTE_MAX 4095
_Static_assert(sizeof(struct point_history) == 40, "what history knows of a point is 40 bytes");

/* core_state.c: the per-point tables, and alarm state that survives a restart. */
struct point_tables {
    struct reading *latest;
    struct rule_state *rule_state;  /* cfg->nalarm_points of them */
    uint32_t *store_key;
    uint8_t *device_dirty;
    struct point_history *hist;     /* the last reading written to history, this minute's so far */
    int32_t *device_minute;         /* per device: the minute its points' aggregates are of */
    uint8_t *unsent;                /* latest[] holds a reading not yet in telemetry */
    int64_t *telemetry_sent_ms;     /* per device */
};
int core_tables_alloc(struct point_tables *t, const struct config *cfg);
void core_tables_free(struct point_tables *t);
/* Free the core's tables and take t's. */
void core_tables_install(struct core *c, const struct point_tables *t);
/* Register store keys, start every rule state fresh, restore the saved ones. */
int core_bind_points(struct core *c, char *err, size_t errlen);
/* Only the store keys (committed), e.g. in a database that replaced the old one. */
int core_register_points(struct core *c, char *err, size_t errlen);
int core_save_rule_state(struct core *c, uint32_t point);

/* core_rules.c: combined rules. sample/tick return the events they recorded. */
int core_rules_open(struct core *c, char *err, size_t errlen);
void core_rules_close(struct core *c);
int core_rules_sample(struct core *c, const struct sample *s);
int core_rules_tick(struct core *c, int64_t now_mono, int64_t now_wall);

/* core_outputs.c: local outputs follow the alarms; writes go to the pollers. */
int core_outputs_open(struct core *c, char *err, size_t errlen);
void core_outputs_close(struct core *c);
/* An event was recorded: the outputs its point drives may want another value. */
void core_outputs_event(struct core *c, const struct event *ev);
/* A reading of a writable point: written again if it lost its value. */
void core_outputs_readback(struct core *c, const struct sample *s);
/* Take the pollers' results, send due writes; returns the events recorded. */
int core_outputs_service(struct core *c, int64_t now);
/* An operator's write: 0, or -1 with why (not writable, driven by rules, value out of range). */
int core_outputs_write(struct core *c, uint32_t point, double value, const char *actor, char *why,
                       size_t whylen);

/* core_store.c: an episode of store trouble. failed: a commit failed (begins the
 * episode: logged, STORE_FAILED; else backs off); attempt_due: may core_commit try
 * the store now; heal: before an attempt, reopen the store when the failure needs it;
 * recovered: the attempt's commit held (kept: events it stored; STORE_RECOVERED);
 * watch: after good commits, notice the file deleted or replaced. */
void core_store_failed(struct core *c, int64_t now);
int core_store_attempt_due(struct core *c, int64_t now);
void core_store_heal(struct core *c);
void core_store_recovered(struct core *c, size_t kept);
void core_store_watch(struct core *c, int64_t now);
int64_t core_store_failing_s(const struct core *c, int64_t now);

/* core_history.c: samples worth keeping, minute aggregates, retention. */
/* 1 when the sample said something new and went into history, else 0. */
int core_record_sample(struct core *c, const struct sample *s);
/* Every point's minute so far, before a stop or reload drops the accumulators. */
void core_flush_minutes(struct core *c);
void core_prune(struct core *c, int64_t now_mono);
/* Outbox rows every uplink confirmed leave the store (a bounded batch; each commit tick). */
void core_retire_delivered(struct core *c);

/* core.c */
void core_drain_samples(struct core *c);

/* core_status.c: the health report, on .../health (retained) and in a file (RAM, and the card now and then). */
void core_publish_status(struct core *c, int64_t now_mono);
/* The last report, at a clean stop: beside the store, and none left in RAM. */
void core_status_final(struct core *c);
/* A report for the console alone, when a page starts looking (the next report's CPU window is kept). */
void core_status_to_console(struct core *c, int64_t now_mono);

/* console/core_console.c: start the console (when configured; it failing is logged, not
 * fatal), publish its snapshot while a page looks, stop it. */
void core_console_open(struct core *c);
void core_console_tick(struct core *c, int64_t now_mono);
void core_console_close(struct core *c);

/* core_reload.c: SIGHUP and the reload command. 0, or -1 with why (the old config runs on). */
int core_reload(struct core *c, char *why, size_t whylen);

/* command.c: run one command and write its reply JSON into out (length, or -1). */
int command_run(struct core *c, const char *text, size_t len, enum command_origin origin, char *out,
                size_t cap);
/* The platform's command: run it and publish the reply on .../reply. */
void command_handle(struct core *c, const char *text, size_t len);

/*
 * core_history_ask.c: history on request. ask checks a request whole: 0 when accepted
 * (the answer follows in chunks on .../reply), -1 with why. serve sends the next chunk
 * when due_ms has come (INT64_MAX: nothing to answer); close drops what is left.
 */
int core_history_ask(struct core *c, const struct command *cmd, char *why, size_t whylen);
void core_history_serve(struct core *c, int64_t now_mono);
int64_t core_history_due_ms(const struct core *c);
void core_history_close(struct core *c);

/* core_control.c: the local control socket for `riskgw silence|reset|read|reload`. */
int core_control_open(struct core *c, char *err, size_t errlen);
void core_control_serve(struct core *c);
void core_control_close(struct core *c);

#endif
