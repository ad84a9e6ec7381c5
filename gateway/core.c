/*
 * core.c - start, run and stop the gateway's core thread (see core.h).
 *
 * Start order is chosen so nothing is lost: open the store first (the backlog is
 * there), then the uplinks (they may start draining it), then the pollers (new
 * samples). Stop order is the reverse: stop the field, commit what was decided,
 * then let the uplinks say offline.
 */
#include "core.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "core_internal.h"
#include "core_notify.h"
#include "core_watchdog.h"
#include "log.h"
#include "payload.h"
#include "reserve.h"
#include "sink_http.h"
#include "sink_mqtt.h"

#define CORE_BATCH 256              /* items taken from a queue per wake-up */
/* A routine commit runs once the open transaction holds this many rows (minute
 * aggregates, cursors), so an alarm's commit (and its WAL fsync) carries at most
 * this much besides itself. Samples are not in the transaction: they are staged in
 * memory and written by routine commits only, once STORE_STAGE_ROWS wait
 * (store_samples_due) or on the commit timer (store_stage.c, docs/store.md). */
#define CORE_COMMIT_ROWS 512
#define RULE_TICK_MS 100            /* how often rule delays are checked without samples */
#define STATUS_PAYLOAD_MAX 512

static int open_points(struct core *c, char *err, size_t errlen)
{
    struct point_tables t;
    if (core_tables_alloc(&t, c->cfg) < 0) {
        snprintf(err, errlen, "out of memory for %zu points", c->cfg->npoints);
        return -1;
    }
    core_tables_install(c, &t);
    return core_bind_points(c, err, errlen) < 0 || core_rules_open(c, err, errlen) < 0 ? -1
                                                    : core_outputs_open(c, err, errlen);
}

/* Take a new sink (NULL: its creation failed, err says why) into the outbox. */
static int add_sink(struct core *c, struct sink *s, char *err, size_t errlen)
{
    if (!s)
        return -1;
    c->sinks[c->nsinks++] = s;
    if (outbox_add_sink(c->outbox, s) < 0) {
        snprintf(err, errlen, "outbox: %s", outbox_last_error(c->outbox));
        return -1;
    }
    return 0;
}

static int open_mqtt(struct core *c, char *err, size_t errlen)
{
    char status[TOPIC_MAX], command[TOPIC_MAX], online[STATUS_PAYLOAD_MAX], offline[STATUS_PAYLOAD_MAX];
    if (topic_gateway(status, sizeof status, c->cfg, "status") < 0 ||
        topic_gateway(command, sizeof command, c->cfg, "cmd") < 0 ||
        payload_online(online, sizeof online, c->cfg, 1) < 0 ||
        payload_online(offline, sizeof offline, c->cfg, 0) < 0) {
        snprintf(err, errlen, "mqtt: topic prefix or ids too long for a topic");
        return -1;
    }
    struct sink_mqtt_topics t = {.status = status, .online = online, .offline = offline,
                                 .command = command};
    c->mqtt = sink_mqtt_create(&c->cfg->mqtt, &t, &c->control, c->nsinks, err, errlen);
    return add_sink(c, c->mqtt, err, errlen);
}

/* The national platform and the webhooks, each a sink with its own cursor. */
static int open_http(struct core *c, char *err, size_t errlen)
{
    if (c->cfg->national_enabled &&
        add_sink(c, sink_http_national_create(&c->cfg->national, &c->control, c->nsinks, err, errlen),
                 err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < c->cfg->nwebhooks; i++)
        if (add_sink(c, sink_http_webhook_create(&c->cfg->webhooks[i], &c->control, c->nsinks, err, errlen),
                     err, errlen) < 0)
            return -1;
    return 0;
}

static int open_signals(struct core *c)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    c->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return c->sigfd < 0 ? -1 : 0;
}

/* The metrics endpoint is a convenience: when it cannot listen, the gateway runs on without it. */
static void open_metrics(struct core *c)
{
    char why[CFG_ERR_MAX];
    if (!c->cfg->metrics.enabled)
        return;
    c->metrics = metrics_server_start(c->cfg->metrics.listen, why, sizeof why);
    if (c->metrics)
        log_info("metrics: serving http://%s/metrics", c->cfg->metrics.listen);
    else
        log_error("%s; the gateway runs without its metrics endpoint", why);
}

/* The sample ring: CORE_SAMPLE_ROUNDS readings of every point, at least CORE_SAMPLE_QUEUE. */
static size_t core_sample_queue_size(const struct config *cfg)
{
    size_t rounds = cfg->npoints * CORE_SAMPLE_ROUNDS;
    return rounds > CORE_SAMPLE_QUEUE ? rounds : CORE_SAMPLE_QUEUE;
}

struct core *core_open(struct config *cfg, char *err, size_t errlen)
{
    struct core *c = reserve_zeroed(sizeof *c);    /* 1 MiB, mostly the events kept while the */
    if (!c) {                                       /* store fails: resident only once used */
        snprintf(err, errlen, "out of memory");
        config_free(cfg);
        return NULL;
    }
    c->cfg = cfg;
    c->sigfd = -1;
    c->ctlfd = -1;
    c->bell.fd = -1;
    if (doorbell_open(&c->bell) < 0 || open_signals(c) < 0 ||
        queue_init(&c->samples, sizeof(struct sample), core_sample_queue_size(cfg), &c->bell) < 0 ||
        queue_init(&c->control, sizeof(struct ctl_msg), CORE_CONTROL_QUEUE, &c->bell) < 0 ||
        queue_init(&c->write_results, sizeof(struct write_result), CORE_WRITE_RESULTS, &c->bell) < 0) {
        snprintf(err, errlen, "cannot set up the core's queues: %s", strerror(errno));
        goto fail;
    }
    c->store = store_open(cfg->store.path, err, errlen);
    if (!c->store || open_points(c, err, errlen) < 0)
        goto fail;
    c->outbox = outbox_open(c->store, err, errlen);
    if (!c->outbox || (cfg->mqtt.enabled && open_mqtt(c, err, errlen) < 0) || open_http(c, err, errlen) < 0)
        goto fail;
    if (core_control_open(c, err, errlen) < 0)
        goto fail;
    c->pollers = pollers_start(cfg, &c->samples, &c->write_results, err, errlen);
    if (!c->pollers)
        goto fail;
    open_metrics(c);
    core_console_open(c);
    return c;
fail:
    core_close(c);
    return NULL;
}

void core_drain_samples(struct core *c)
{
    struct sample batch[CORE_BATCH];
    size_t n;
    while ((n = queue_pop(&c->samples, batch, CORE_BATCH)) > 0) {
        c->poll_progress_ms = clock_mono_ms();
        for (size_t i = 0; i < n; i++)
            core_handle_sample(c, &batch[i]);
        if (store_txn_writes(c->store) >= CORE_COMMIT_ROWS || store_samples_due(c->store))
            core_commit(c);
    }
}

static void handle_ctl(struct core *c, struct ctl_msg *m)
{
    if (m->kind == CTL_LINK_UP)
        log_info("uplink %s connected", c->sinks[m->sink]->name);
    else if (m->kind == CTL_LINK_DOWN)
        log_warn("uplink %s lost; messages not yet confirmed will be sent again", c->sinks[m->sink]->name);
    if (m->kind == CTL_COMMAND)
        command_handle(c, m->text, m->text_len);
    else
        outbox_handle_ctl(c->outbox, m, clock_mono_ms());
    free(m->text);
}

static void drain_control(struct core *c)
{
    struct ctl_msg batch[CORE_BATCH];
    size_t n;
    while ((n = queue_pop(&c->control, batch, CORE_BATCH)) > 0)
        for (size_t i = 0; i < n; i++)
            handle_ctl(c, &batch[i]);
}

/* At shutdown the outbox is gone: only free what is still queued. */
static void discard_control(struct core *c)
{
    struct ctl_msg m;
    while (queue_pop(&c->control, &m, 1) == 1)
        free(m.text);
}

static void handle_signal(struct core *c)
{
    struct signalfd_siginfo si;
    while (read(c->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGHUP) {
            char why[CFG_ERR_MAX];
            if (core_reload(c, why, sizeof why) < 0)
                log_error("reload refused, the running config stays: %s", why);
            continue;
        }
        log_info("signal %u: stopping", si.ssi_signo);
        notify_stopping();
        c->stop = 1;
    }
}

void core_pump(struct core *c)
{
    if (outbox_pump(c->outbox, clock_mono_ms()) < 0)     /* the store failing: every turn */
        log_limited("outbox", LOG_LVL_ERROR, "outbox: %s", outbox_last_error(c->outbox));
}

/*
 * Each commit interval: the telemetry round's rest, a commit, the next round; between,
 * its chunks. Telemetry is held in memory, not written (store_outbox_mem.c), so a
 * chunk needs no commit; what every uplink confirmed leaves memory with each chunk.
 */
static void run_commits(struct core *c, int64_t now)
{
    if (now < c->next_commit_ms) {
        if (core_telemetry_pace(c, now) > 0) {
            if (store_seq_due(c->store))
                core_commit(c);             /* a new block of seqs: the uplinks wait for its sync */
            core_retire_delivered(c);
        }
        return;
    }
    core_telemetry_tick(c, now);
    core_retire_delivered(c);
    core_commit(c);
    if (!c->store_failing)
        c->commit_ok_ms = now;              /* empty commits count: the store answers */
    core_store_watch(c, now);               /* a file deleted or replaced fails nothing by itself */
    c->next_commit_ms = now + c->cfg->store.commit_interval_ms;
}

static void run_timers(struct core *c, int64_t now)
{
    if (now >= c->next_tick_ms) {
        core_tick_rules(c, now, clock_wall_ms());
        c->next_tick_ms = now + RULE_TICK_MS;
    }
    run_commits(c, now);
    core_prune(c, now);
    if (now >= c->next_status_ms) {
        core_publish_status(c, now);
        c->next_status_ms = now + c->cfg->status_interval_ms;
    }
}

/*
 * Tell systemd we are alive, but only while we really are: the loop turns, the
 * field is read (samples, or poll cycles ending even in failure) and the store
 * commits (or says why not). A hung poller or core is then restarted by systemd.
 */
static void supervise(struct core *c, int64_t now)
{
    c->loop_ms = now;
    if (!c->wd_interval_ms || now < c->wd_next_ms)
        return;
    uint64_t cycles = 0;
    for (size_t d = 0; d < c->cfg->ndevices && c->pollers; d++) {
        struct device_stats ds;
        pollers_device_stats(c->pollers, d, &ds);
        cycles += ds.polls_ok + ds.polls_failed;
    }
    if (cycles != c->poll_cycles)
        c->poll_progress_ms = now;
    c->poll_cycles = cycles;
    struct watchdog_inputs in = {
        .now_ms = now, .interval_ms = c->wd_interval_ms, .loop_ms = c->loop_ms,
        .ndevices = c->cfg->ndevices, .poll_progress_ms = c->poll_progress_ms,
        .poll_period_ms = c->poll_period_ms, .commit_interval_ms = c->cfg->store.commit_interval_ms,
        .commit_ms = c->commit_ok_ms, .store_failing = c->store_failing};
    char why[CFG_ERR_MAX];
    if (watchdog_should_pet(&in))
        notify_watchdog();
    else
        log_limited("watchdog", LOG_LVL_ERROR, "watchdog not petted: %s",
                    watchdog_stall_reason(&in, why, sizeof why));
    c->wd_next_ms = now + c->wd_interval_ms / 2;
}

/* The nearest of the core's deadlines. */
static int64_t next_deadline(const struct core *c)
{
    int64_t next = c->next_tick_ms < c->next_commit_ms ? c->next_tick_ms : c->next_commit_ms;
    int64_t telemetry = core_telemetry_due_ms(c);
    next = next < telemetry ? next : telemetry;
    next = next < c->next_output_ms ? next : c->next_output_ms;
    next = next < core_history_due_ms(c) ? next : core_history_due_ms(c);
    return next < c->next_status_ms ? next : c->next_status_ms;
}

int core_run(struct core *c)
{
    struct pollfd fds[3] = {{.fd = c->bell.fd, .events = POLLIN}, {.fd = c->sigfd, .events = POLLIN},
                            {.fd = c->ctlfd, .events = POLLIN}};
    int64_t now = clock_mono_ms();
    c->started_mono = now;
    c->next_tick_ms = now + RULE_TICK_MS;
    c->next_commit_ms = now + c->cfg->store.commit_interval_ms;
    core_telemetry_tick(c, now);            /* the first round: nothing to flush yet */
    c->next_status_ms = now + c->cfg->store.commit_interval_ms;   /* a first report early */
    c->wd_interval_ms = notify_watchdog_interval_ms();
    c->poll_period_ms = watchdog_poll_period_ms(c->cfg);
    c->loop_ms = c->poll_progress_ms = c->commit_ok_ms = now;
    notify_ready();
    notify_status("polling %zu devices", c->cfg->ndevices);
    log_info("running: %zu devices, %zu points, store %s", c->cfg->ndevices, c->cfg->npoints,
             c->cfg->store.path);
    while (!c->stop) {
        fds[2].fd = c->ctlfd;               /* closed and opened again with the store (core_store.c) */
        int64_t wait = next_deadline(c) - clock_mono_ms();
        if (poll(fds, 3, wait < 0 ? 0 : (int)wait) < 0 && errno != EINTR) {
            log_error("core: poll failed: %s", strerror(errno));
            return -1;
        }
        if (fds[1].revents & POLLIN)
            handle_signal(c);
        if (fds[2].revents & POLLIN)
            core_control_serve(c);
        doorbell_drain(&c->bell);
        core_drain_samples(c);
        drain_control(c);
        run_timers(c, clock_mono_ms());
        if (core_outputs_service(c, clock_mono_ms()) > 0)
            core_send_events(c);            /* output events reach the disk before the uplinks */
        supervise(c, clock_mono_ms());
        core_pump(c);
        core_history_serve(c, clock_mono_ms());   /* after the pump: events go first */
        core_console_tick(c, clock_mono_ms());
    }
    return 0;
}

void core_close(struct core *c)
{
    if (!c)
        return;
    metrics_server_stop(c->metrics);
    core_console_close(c);
    if (c->started_mono)                    /* it ran: a last report, while the pollers' counters are there */
        core_status_final(c);
    pollers_stop(c->pollers);
    c->pollers = NULL;
    if (c->store) {
        core_drain_samples(c);
        core_flush_telemetry(c);
        core_flush_minutes(c);
        if (c->outbox)
            outbox_save_cursors(c->outbox);
        core_commit(c);
    }
    core_history_close(c);
    outbox_free(c->outbox);
    for (int i = 0; i < c->nsinks; i++)
        c->sinks[i]->ops->destroy(c->sinks[i]);
    c->nsinks = 0;
    discard_control(c);
    store_close(c->store);
    queue_destroy(&c->samples);
    queue_destroy(&c->control);
    queue_destroy(&c->write_results);
    doorbell_close(&c->bell);
    if (c->sigfd >= 0)
        close(c->sigfd);
    core_control_close(c);
    core_rules_close(c);
    core_outputs_close(c);
    struct point_tables none = {0};
    core_tables_install(c, &none);
    config_free(c->cfg);
    reserve_release(c, sizeof *c);
}
