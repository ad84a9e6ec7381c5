/*
 * core_history_ask.c - history on request: the platform asks on .../cmd for what a
 * device recorded, and the gateway answers on .../reply in numbered chunks.
 *
 * A request is checked whole before anything is sent (device, points, range, the
 * store's retention, size): a refusal is one ordinary reply with a sentence. An
 * accepted one is read through its own read-only connection (store_history.c) in
 * bounded steps between the core's other work, so an alarm decided meanwhile waits
 * for at most one step. Chunks are bounded in rows and bytes, at most one per
 * HISTORY_CHUNK_GAP_MS, and none goes out while an event waits for the MQTT uplink:
 * alarms go first. Requests are answered one after the other (at most
 * HISTORY_ASKS_MAX held); one in progress when the gateway stops is not resumed:
 * the platform asks again from the last ts it received.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "core_internal.h"
#include "log.h"
#include "payload.h"
#include "sink_mqtt.h"
#include "store_history.h"

#define HISTORY_ASKS_MAX 4              /* requests held at once; more are refused as busy */
#define HISTORY_CHUNK_ROWS 250          /* rows per chunk (the schema's maxItems) */
#define HISTORY_CHUNK_BYTES (32 * 1024) /* payload per chunk at most */
#define HISTORY_ROW_BYTES_MAX 256       /* one row's JSON at most (ids are < 64 characters) */
#define HISTORY_CHUNK_GAP_MS 100        /* at most ten chunks a second */
#define HISTORY_SCAN_ROWS 5000          /* stored samples looked at per step: 1-3 ms CPU */
#define HISTORY_RAW_SCAN_MAX 2000000LL  /* stored samples (all points) a raw request may span */
#define HISTORY_MINUTE_ROWS_MAX 100000LL /* minute rows (points x minutes) a request may ask for */
#define HISTORY_ALARM_WAIT_MS 20        /* an event is on its way: look again this soon */
#define HISTORY_LINK_WAIT_MS 500        /* the uplink is down: look again this soon */
#define HISTORY_LINK_GIVE_UP_MS 60000   /* ... and give the request up after this long */
#define DAY_MS (24LL * 3600 * 1000)
#define MINUTE_MS 60000LL

struct history_job {
    char id[COMMAND_ID_MAX];
    char device[ID_MAX];
    char names[HISTORY_POINTS_MAX][ID_MAX];
    int64_t keys[HISTORY_POINTS_MAX];   /* store point keys, parallel to names */
    int npoints;
    int minute;
    int64_t from_ms, to_ms;             /* [from, to) */
    struct history_reader *reader;
    int64_t cursor, last;               /* raw: rowids; minute: the next minute of point `point` */
    int point;
    int exhausted;                      /* every row is in rows[] or sent */
    struct history_row rows[HISTORY_CHUNK_ROWS];
    int nrows;
    int chunks;                         /* sent so far */
    int64_t total;                      /* rows sent so far */
    int64_t link_down_ms;               /* monotonic: since when the uplink is down (0: up) */
};

struct history_asks {
    struct history_job *job[HISTORY_ASKS_MAX];     /* job[0] is being answered */
    int n;
    int64_t due_ms;                     /* monotonic: the next step */
};

/* "2026-12-06T07:15:00Z" */
static void utc(char *out, size_t cap, int64_t ms)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&s, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, cap, "%" PRId64 " ms", ms);
}

/* The device's points the request names (all of them when none), with their store keys. */
static int pick_points(struct core *c, const struct command *cmd, struct history_job *j, char *why, size_t len)
{
    const struct device_cfg *dev = NULL;
    for (size_t d = 0; d < c->cfg->ndevices && !dev; d++)
        if (strcmp(c->cfg->devices[d].id, cmd->device) == 0)
            dev = &c->cfg->devices[d];
    if (!dev) {
        snprintf(why, len, "device: no device %s on this gateway", cmd->device);
        return -1;
    }
    const struct history_ask *h = &cmd->history;
    if (h->npoints == 0 && dev->npoints > HISTORY_POINTS_MAX) {
        snprintf(why, len, "points: device %s has %zu points; name at most %d in \"points\"", dev->id,
                 dev->npoints, HISTORY_POINTS_MAX);
        return -1;
    }
    int n = h->npoints ? h->npoints : (int)dev->npoints;
    for (int i = 0; i < n; i++) {
        const char *name = h->npoints ? h->points[i] : config_point_def(c->cfg, dev->first_point + (size_t)i)->id;
        long p = config_find_point(c->cfg, dev->id, name);
        if (p < 0) {
            snprintf(why, len, "points: no point %s/%s on this gateway", dev->id, name);
            return -1;
        }
        snprintf(j->names[i], ID_MAX, "%s", name);
        j->keys[i] = c->store_key[p];
    }
    j->npoints = n;
    snprintf(j->device, sizeof j->device, "%s", dev->id);
    return 0;
}

/* The range within what the store keeps, and not more than one request may ask. */
static int check_range(struct core *c, struct history_job *j, char *why, size_t len)
{
    char oldest_text[32];
    int64_t now = clock_wall_ms();
    long days = j->minute ? c->cfg->store.aggregate_days : c->cfg->store.retention_days;
    int64_t oldest = now - days * DAY_MS;
    if (j->from_ms >= j->to_ms) {
        snprintf(why, len, "from: is not earlier than to (which is now when left out)");
        return -1;
    }
    if (j->from_ms < oldest) {
        utc(oldest_text, sizeof oldest_text, oldest);
        if (j->minute)
            snprintf(why, len, "from: outside retention: minute aggregates are kept %ld days "
                     "(store.aggregate_days), so nothing before %s is left; ask for a later from", days, oldest_text);
        else
            snprintf(why, len, "from: outside retention: raw samples are kept %ld days (store.retention_days), "
                     "so nothing before %s is left; ask for a later from, or for \"resolution\": \"minute\" "
                     "(kept %ld days)", days, oldest_text, c->cfg->store.aggregate_days);
        return -1;
    }
    if (j->minute) {
        int64_t rows = (int64_t)j->npoints * ((j->to_ms - j->from_ms + MINUTE_MS - 1) / MINUTE_MS);
        if (rows > HISTORY_MINUTE_ROWS_MAX) {
            snprintf(why, len, "too large: up to %" PRId64 " minute rows (%d points); at most %lld per request: "
                     "ask for a shorter range or fewer points", rows, j->npoints, HISTORY_MINUTE_ROWS_MAX);
            return -1;
        }
        j->cursor = j->from_ms;
        return 0;
    }
    char err[CFG_ERR_MAX];
    if (history_raw_window(j->reader, j->from_ms, j->to_ms, &j->cursor, &j->last, err, sizeof err) < 0) {
        snprintf(why, len, "%s", err);
        return -1;
    }
    if (j->last - j->cursor + 1 > HISTORY_RAW_SCAN_MAX) {
        snprintf(why, len, "too large: the range holds about %" PRId64 " stored samples of this gateway; "
                 "at most %lld are read for one raw request: ask for a shorter range or for "
                 "\"resolution\": \"minute\"", j->last - j->cursor + 1, HISTORY_RAW_SCAN_MAX);
        return -1;
    }
    j->cursor--;                        /* the scan starts after the cursor */
    return 0;
}

static void job_free(struct history_job *j)
{
    if (j)
        history_reader_close(j->reader);
    free(j);
}

int core_history_ask(struct core *c, const struct command *cmd, char *why, size_t len)
{
    if (!c->asks && !(c->asks = calloc(1, sizeof *c->asks))) {
        snprintf(why, len, "out of memory for a history request");
        return -1;
    }
    if (c->asks->n == HISTORY_ASKS_MAX) {
        snprintf(why, len, "busy: %d history requests are being answered; ask again when one has ended",
                 HISTORY_ASKS_MAX);
        return -1;
    }
    struct history_job *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(why, len, "out of memory for a history request");
        return -1;
    }
    snprintf(j->id, sizeof j->id, "%s", cmd->id);
    j->minute = cmd->history.minute;
    j->from_ms = cmd->history.from_ms;
    j->to_ms = cmd->history.to_ms ? cmd->history.to_ms : clock_wall_ms();
    if (pick_points(c, cmd, j, why, len) < 0 ||
        !(j->reader = history_reader_open(c->cfg->store.path, why, len)) || check_range(c, j, why, len) < 0) {
        job_free(j);
        return -1;
    }
    if (c->asks->n == 0)
        c->asks->due_ms = clock_mono_ms();
    c->asks->job[c->asks->n++] = j;
    return 0;
}

/* Read one bounded step into j->rows. 0, or -1 with err. */
static int fill(struct history_job *j, char *err, size_t len)
{
    int room = HISTORY_CHUNK_ROWS - j->nrows, done = 0;
    if (!j->minute) {
        int n = history_raw_step(j->reader, j->keys, j->npoints, j->from_ms, j->to_ms, &j->cursor, j->last,
                                 HISTORY_SCAN_ROWS, j->rows + j->nrows, room, &done, err, len);
        if (n < 0)
            return -1;
        j->nrows += n;
        j->exhausted = done;
        return 0;
    }
    int n = history_minute_step(j->reader, j->keys[j->point], j->cursor, j->to_ms, j->rows + j->nrows, room,
                                err, len);
    if (n < 0)
        return -1;
    j->nrows += n;
    if (n < room) {                     /* this point is done */
        j->point++;
        j->cursor = j->from_ms;
    } else {
        j->cursor = j->rows[j->nrows - 1].ts_ms + 1;
    }
    j->exhausted = j->point == j->npoints;
    return 0;
}

static const char *point_name(const struct history_job *j, int64_t key)
{
    for (int i = 0; i < j->npoints; i++)
        if (j->keys[i] == key)
            return j->names[i];
    return "?";
}

static void write_row(struct jw *w, const struct history_job *j, const struct history_row *r)
{
    jw_open(w, '{');
    jw_key(w, "point");
    jw_str(w, point_name(j, r->point_key));
    jw_key(w, "ts");
    jw_int(w, r->ts_ms);
    if (j->minute) {
        jw_key(w, "n");
        jw_int(w, r->n);
        jw_key(w, "min");
        jw_num(w, r->min);
        jw_key(w, "avg");
        jw_num(w, r->avg);
        jw_key(w, "max");
        jw_num(w, r->max);
    } else {
        jw_key(w, "v");
        jw_num(w, quality_has_value((enum quality)r->quality) ? r->value : NAN);
        jw_key(w, "q");
        jw_str(w, quality_name((enum quality)r->quality));
    }
    jw_close(w, '}');
}

/* The next chunk into out: as many rows as fit (*sent of them); error ends the answer. */
static int format_chunk(const struct history_job *j, const char *error, char *out, size_t cap, int *sent,
                        int *last)
{
    struct jw w;
    int n = 0;
    jw_init(&w, out, cap);
    jw_open(&w, '{');
    payload_reply_head(&w, j->id, "history", error == NULL);
    if (error) {
        jw_key(&w, "error");
        jw_str(&w, error);
    }
    jw_key(&w, "device");
    jw_str(&w, j->device);
    jw_key(&w, "resolution");
    jw_str(&w, j->minute ? "minute" : "raw");
    jw_key(&w, "chunk");
    jw_int(&w, j->chunks + 1);
    jw_key(&w, "rows");
    jw_open(&w, '[');
    for (; !error && n < j->nrows && w.len + HISTORY_ROW_BYTES_MAX < HISTORY_CHUNK_BYTES; n++)
        write_row(&w, j, &j->rows[n]);
    jw_close(&w, ']');
    *last = error != NULL || (j->exhausted && n == j->nrows);
    jw_key(&w, "last");
    jw_bool(&w, *last);
    if (*last) {
        jw_key(&w, "total");
        jw_int(&w, j->total + n);
    }
    jw_close(&w, '}');
    *sent = n;
    return jw_end(&w);
}

/* Send the next chunk. 1 sent, 0 not now (the uplink refused it: try again), -1 cannot. */
static int send_chunk(struct core *c, struct history_job *j, const char *error, int *last)
{
    char topic[TOPIC_MAX], out[HISTORY_CHUNK_BYTES + 1024];
    int sent;
    if (topic_gateway(topic, sizeof topic, c->cfg, "reply") < 0 ||
        format_chunk(j, error, out, sizeof out, &sent, last) < 0)
        return -1;
    if (sink_mqtt_publish(c->mqtt, topic, out, 0) < 0)
        return 0;
    j->chunks++;
    j->total += sent;
    j->nrows -= sent;
    memmove(j->rows, j->rows + sent, (size_t)j->nrows * sizeof j->rows[0]);
    return 1;
}

static void finish_first(struct core *c, const char *how)
{
    struct history_asks *q = c->asks;
    struct history_job *j = q->job[0];
    log_info("history %s of %s for \"%s\": %s after %d chunks, %" PRId64 " rows", j->minute ? "minute" : "raw",
             j->device, j->id, how, j->chunks, j->total);
    job_free(j);
    memmove(q->job, q->job + 1, (size_t)(--q->n) * sizeof q->job[0]);
}

/* An event is waiting for the MQTT uplink or on its way: it goes before any chunk. */
static int alarms_waiting(struct core *c)
{
    struct outbox_lane_status ls;
    for (int i = 0; i < c->nsinks; i++)
        if (c->sinks[i] == c->mqtt && outbox_status(c->outbox, i, OUTBOX_EVENTS, &ls) == 0)
            return ls.backlog > 0 || ls.in_flight > 0;
    return 0;
}

/* The uplink is down: wait for it, but not for ever. 1 while the request waits. */
static int link_down(struct core *c, struct history_job *j, int64_t now)
{
    if (c->mqtt->ops->connected(c->mqtt)) {
        j->link_down_ms = 0;
        return 0;
    }
    if (!j->link_down_ms)
        j->link_down_ms = now;
    if (now - j->link_down_ms >= HISTORY_LINK_GIVE_UP_MS)
        finish_first(c, "given up, the MQTT uplink stayed down");
    c->asks->due_ms = now + HISTORY_LINK_WAIT_MS;
    return 1;
}

void core_history_serve(struct core *c, int64_t now)
{
    struct history_asks *q = c->asks;
    char err[CFG_ERR_MAX];
    int last = 0;
    if (!q || q->n == 0 || now < q->due_ms || !c->mqtt)
        return;
    struct history_job *j = q->job[0];
    if (link_down(c, j, now))
        return;
    if (alarms_waiting(c)) {
        q->due_ms = now + HISTORY_ALARM_WAIT_MS;
        return;
    }
    if (!j->exhausted && j->nrows < HISTORY_CHUNK_ROWS && fill(j, err, sizeof err) < 0) {
        log_error("history for \"%s\": %s", j->id, err);
        send_chunk(c, j, err, &last);   /* ends the answer, if the uplink takes it */
        finish_first(c, "failed");
        q->due_ms = now + HISTORY_CHUNK_GAP_MS;
        return;
    }
    if (!j->exhausted && j->nrows < HISTORY_CHUNK_ROWS) {
        q->due_ms = now;                /* a chunk is not full yet: read on at the next turn */
        return;
    }
    int rc = send_chunk(c, j, NULL, &last);
    if (rc < 0)
        finish_first(c, "dropped, a chunk could not be formatted");
    else if (rc > 0 && last)
        finish_first(c, "answered");
    q->due_ms = now + (rc == 0 ? HISTORY_LINK_WAIT_MS : HISTORY_CHUNK_GAP_MS);
}

int64_t core_history_due_ms(const struct core *c)
{
    return c->asks && c->asks->n > 0 ? c->asks->due_ms : INT64_MAX;
}

void core_history_close(struct core *c)
{
    while (c->asks && c->asks->n > 0)
        finish_first(c, "not finished, the gateway stops");
    free(c->asks);
    c->asks = NULL;
}
