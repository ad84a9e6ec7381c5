/*
 * core_store.c - an episode of store trouble, from the first failed commit to the
 * next good one: what it is called, how often the store is tried again, and the
 * one STORE_FAILED / STORE_RECOVERED pair the platform hears of it.
 *
 * core_commit() (core_events.c) keeps the events decided meanwhile in memory and
 * announces them at once with "stored": false; this file decides when the next
 * attempt runs (a back-off, so a dead card costs no CPU and fills no log), lets go
 * of a medium that failed so the card can be mounted afresh, and reopens the store
 * at the next attempt. A deleted or replaced database file raises no error by
 * itself, so it is looked for after good commits (store_file_check, one stat()).
 */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "clock.h"
#include "core_internal.h"
#include "log.h"

#define STORE_RETRY_MIN_MS 500      /* the first attempt after a failure */
#define STORE_RETRY_MAX_MS 5000     /* the back-off's ceiling: a card back is found within this */
#define MS_PER_S 1000

/* Failures a reopen can cure: the file's medium went away or changed under it. */
static int needs_reopen(enum store_trouble t)
{
    return t != STORE_TROUBLE_FULL && t != STORE_TROUBLE_LOCKED;
}

/* The gateway's own event about its store; detail is what happened, up to the advice. */
static void store_event(struct core *c, enum event_kind kind, const char *detail)
{
    struct event ev = {.point = POINT_NONE, .kind = kind, .level = "store", .value = NAN,
                       .quality = QUALITY_GOOD, .ts_ms = clock_wall_ms()};
    int n = 0;
    while (detail[n] && detail[n] != ';' && n < EVENT_DETAIL_MAX - 1)
        n++;
    snprintf(ev.detail, sizeof ev.detail, "%.*s", n, detail);
    core_record_event(c, &ev);
}

static void begin(struct core *c, enum store_trouble cause, int64_t now)
{
    struct store_episode *ep = &c->store_ep;
    *ep = (struct store_episode){.cause = cause, .since_mono = now, .since_wall = clock_wall_ms(),
                                 .backoff_ms = STORE_RETRY_MIN_MS, .retry_at_ms = now + STORE_RETRY_MIN_MS};
    c->store_failing = 1;
    c->replay = 1;                  /* before the event below: it must not enter the old file */
    int file_gone = cause == STORE_TROUBLE_DELETED || cause == STORE_TROUBLE_REPLACED;
    log_error("store: %s; %zu events are kept in memory until the store writes again%s%s%s",
              store_trouble_words(cause), c->npending, file_gone ? "" : " (",
              file_gone ? "" : store_last_error(c->store), file_gone ? "" : ")");
    store_event(c, EV_STORE_FAILED, store_trouble_words(cause));
}

void core_store_failed(struct core *c, int64_t now)
{
    struct store_episode *ep = &c->store_ep;
    enum store_trouble moved = store_file_check(c->store);
    enum store_trouble cause = moved != STORE_TROUBLE_NONE ? moved : store_trouble(c->store);
    c->replay = 1;                  /* the transaction was lost: every kept event goes again */
    if (!c->store_failing) {
        begin(c, cause, now);
    } else {
        ep->cause = cause;
        ep->attempts++;
        ep->backoff_ms = ep->backoff_ms * 2 < STORE_RETRY_MAX_MS ? ep->backoff_ms * 2 : STORE_RETRY_MAX_MS;
        ep->retry_at_ms = now + ep->backoff_ms;
        log_limited("store", LOG_LVL_WARN, "store: still not writing after %lld s (%llu attempts; the next "
                    "in %lld ms): %s", (long long)((now - ep->since_mono) / MS_PER_S),
                    (unsigned long long)ep->attempts, (long long)ep->backoff_ms, store_last_error(c->store));
    }
    if (moved == STORE_TROUBLE_NONE && needs_reopen(cause) && store_is_open(c->store)) {
        store_release(c->store);    /* let go of the dead medium; the next attempt reopens */
        core_control_close(c);      /* its socket, beside the store, holds the mount too */
    }
}

/* The console's socket lives beside the store: it comes back with it. */
static void control_back(struct core *c)
{
    char err[CFG_ERR_MAX];
    if (c->ctlfd >= 0)
        return;
    if (core_control_open(c, err, sizeof err) == 0)
        return;
    if (c->ctlfd >= 0)
        close(c->ctlfd);
    c->ctlfd = -1;
    log_warn("%s; the console commands (riskgw silence, reset, read) are off until the next restart", err);
}

int core_store_attempt_due(struct core *c, int64_t now)
{
    return !c->store_failing || now >= c->store_ep.retry_at_ms;
}

void core_store_heal(struct core *c)
{
    if (store_is_open(c->store) && store_file_check(c->store) == STORE_TROUBLE_NONE)
        return;                     /* a full disk: the replayed commit is the test */
    int other = store_reopen(c->store);
    if (other < 0)
        return;
    log_info("store %s: reopened", c->cfg->store.path);
    control_back(c);
    if (other == 0)
        return;
    char err[CFG_ERR_MAX] = "";
    /* Another database: its own point keys, seqs and cursors from now on. */
    if (core_register_points(c, err, sizeof err) < 0 || outbox_restart(c->outbox) < 0) {
        log_error("store: the new database cannot be used yet: %s%s", err, outbox_last_error(c->outbox));
        store_release(c->store);
        return;
    }
    log_warn("store %s: it holds another database than before (epoch %lld); seqs go on from it",
             c->cfg->store.path, (long long)store_epoch(c->store));
}

void core_store_recovered(struct core *c, size_t kept)
{
    char detail[EVENT_DETAIL_MAX];
    int64_t secs = (clock_mono_ms() - c->store_ep.since_mono) / MS_PER_S;
    log_info("store: writing again after %lld s; %zu events kept in memory are now on disk", (long long)secs,
             kept);
    snprintf(detail, sizeof detail, "the store writes again after %lld s; %zu events kept meanwhile are stored",
             (long long)secs, kept);
    c->store_ep = (struct store_episode){0};
    store_event(c, EV_STORE_RECOVERED, detail);   /* committed by the next commit, like any event */
}

void core_store_watch(struct core *c, int64_t now)
{
    if (c->store_failing)
        return;
    enum store_trouble moved = store_file_check(c->store);
    if (moved == STORE_TROUBLE_NONE)
        return;
    begin(c, moved, now);
    c->store_ep.retry_at_ms = now;  /* the open copy is rescued at once */
    core_commit(c);
}

int64_t core_store_failing_s(const struct core *c, int64_t now)
{
    return c->store_failing ? (now - c->store_ep.since_mono) / MS_PER_S : 0;
}
