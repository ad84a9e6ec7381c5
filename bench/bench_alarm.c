/*
 * bench_alarm.c - how long an alarm takes from the field to a subscriber.
 *
 * It drives a riskgw-sim through its control input (a FIFO): at a random phase
 * relative to the gateway's poll it steps POINT across the alarm setpoint
 * ("set POINT HIGH", then "set POINT LOW"), stamps the wall clock as it writes
 * the line, and waits on the event topic for the RAISED (or CLEARED) message the
 * step must cause, stamping its arrival. Two latencies per alarm:
 *
 *   end to end  = arrival - step           (includes waiting for the next poll)
 *   gateway     = arrival - event "ts"     (the event's ts is the wall time of the
 *                                           sample that decided it, so this is the
 *                                           gateway's own part: decode, queue, rules,
 *                                           durable commit, publish, broker relay)
 *
 *   bench_alarm -u URI -t EVENT_TOPIC -c CTL_FIFO -n COUNT [-p POINT] [-H HIGH] [-L LOW]
 *               [-i PHASE_MS] [-q QUIET_MS] [-s SEED] [-l LOG] [-P PARTS]
 *
 * -q waits QUIET_MS more before each step: "cold" alarms, the first after a quiet
 * spell, when seconds of routine (unsynced) commits lie in the store's WAL.
 * -l writes one line per alarm to LOG: `kind step_ms ts_ms arrival_ms` (wall
 * clock, ms), to set a slow alarm beside the gateway's own log of the same event.
 *
 * -P cuts the alarms, in the order sent, into PARTS consecutive runs (default 5)
 * and reports the gateway p99 of each and their median (bench_stats.h): the
 * slow alarms of a run come in bursts of seconds, when the shared machine is
 * busy with something else, and the median stands still through one burst.
 *
 * prints `alarms N timeouts T gw_parts_p99_ms A,B,.. gw_p99_median_ms .. e2e_p50_ms ..
 * e2e_p99_ms .. e2e_max_ms .. gw_p50_ms .. gw_p99_ms .. gw_max_ms ..`.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_mqtt.h"
#include "bench_stats.h"

#define ALARM_TIMEOUT_S 5
#define ALARM_DEFAULT_PHASE_MS 100
#define ALARM_CTL_LINE_MAX 96
#define ALARM_KIND_MAX 24
#define ALARM_INFLIGHT 16
#define ALARM_DEFAULT_PARTS 5

/* The last event message, handed from Paho's thread to the main thread. */
struct arrival {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int fresh;
    char kind[ALARM_KIND_MAX];
    double ts_ms, arrival_ms;
};

static void on_event(void *ctx, const char *topic, const char *payload, size_t len, double arrival_ms)
{
    struct arrival *a = ctx;
    (void)topic;
    cJSON *root = cJSON_ParseWithLength(payload, len);
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(root, "ts");
    if (cJSON_IsString(kind) && cJSON_IsNumber(ts)) {
        pthread_mutex_lock(&a->lock);
        snprintf(a->kind, sizeof a->kind, "%s", kind->valuestring);
        a->ts_ms = ts->valuedouble;
        a->arrival_ms = arrival_ms;
        a->fresh = 1;
        pthread_cond_signal(&a->cond);
        pthread_mutex_unlock(&a->lock);
    }
    cJSON_Delete(root);
}

/* Wait for an event of `kind`; 0 with its times, -1 after ALARM_TIMEOUT_S. */
static int await_event(struct arrival *a, const char *kind, double *ts_ms, double *arrival_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += ALARM_TIMEOUT_S;
    int rc = -1;
    pthread_mutex_lock(&a->lock);
    for (;;) {
        if (a->fresh && strcmp(a->kind, kind) == 0) {
            *ts_ms = a->ts_ms;
            *arrival_ms = a->arrival_ms;
            rc = 0;
            break;
        }
        a->fresh = 0;
        if (pthread_cond_timedwait(&a->cond, &a->lock, &deadline) == ETIMEDOUT)
            break;
    }
    a->fresh = 0;
    pthread_mutex_unlock(&a->lock);
    return rc;
}

static void sleep_ms(double ms)
{
    struct timespec ts = {(time_t)(ms / BENCH_MS_PER_S), (long)(fmod(ms, BENCH_MS_PER_S) * 1e6)};
    nanosleep(&ts, NULL);
}

struct probe {
    const char *uri, *topic, *fifo, *point, *log;
    double high, low, phase_ms, quiet_ms;
    int count, parts;
    unsigned seed;
};

static int usage(void)
{
    fprintf(stderr, "usage: bench_alarm -u URI -t EVENT_TOPIC -c CTL_FIFO -n COUNT [-p POINT] "
                    "[-H HIGH] [-L LOW] [-i PHASE_MS] [-q QUIET_MS] [-s SEED] [-l LOG] [-P PARTS]\n");
    return 2;
}

static int parse(int argc, char **argv, struct probe *p)
{
    *p = (struct probe){.point = "r0", .high = 100, .low = 0, .phase_ms = ALARM_DEFAULT_PHASE_MS, .seed = 1,
                        .parts = ALARM_DEFAULT_PARTS};
    int opt;
    while ((opt = getopt(argc, argv, "u:t:c:n:p:H:L:i:q:s:l:P:")) != -1) {
        switch (opt) {
        case 'u': p->uri = optarg; break;
        case 't': p->topic = optarg; break;
        case 'c': p->fifo = optarg; break;
        case 'n': p->count = atoi(optarg); break;
        case 'p': p->point = optarg; break;
        case 'H': p->high = atof(optarg); break;
        case 'L': p->low = atof(optarg); break;
        case 'i': p->phase_ms = atof(optarg); break;
        case 'q': p->quiet_ms = atof(optarg); break;
        case 's': p->seed = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'l': p->log = optarg; break;
        case 'P': p->parts = atoi(optarg); break;
        default: return -1;
        }
    }
    return p->uri && p->topic && p->fifo && p->count > 0 && p->phase_ms > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct probe p;
    if (parse(argc, argv, &p) < 0)
        return usage();
    struct arrival a = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    char err[BENCH_ERR_MAX];
    struct bench_mqtt m;
    int ctl = open(p.fifo, O_WRONLY | O_CLOEXEC);
    if (ctl < 0) {
        fprintf(stderr, "bench_alarm: cannot open the simulator's control FIFO %s: %s\n", p.fifo, strerror(errno));
        return 1;
    }
    if (bench_mqtt_open(&m, p.uri, "bench-alarm", ALARM_INFLIGHT, on_event, &a, err, sizeof err) < 0 ||
        bench_mqtt_subscribe(&m, p.topic, err, sizeof err) < 0) {
        fprintf(stderr, "bench_alarm: %s\n", err);
        bench_mqtt_close(&m);
        close(ctl);
        return 1;
    }
    FILE *log = p.log ? fopen(p.log, "w") : NULL;
    if (p.log && !log)
        fprintf(stderr, "bench_alarm: cannot write %s: %s; no per-alarm log\n", p.log, strerror(errno));
    double *e2e = calloc((size_t)p.count, sizeof *e2e), *gw = calloc((size_t)p.count, sizeof *gw);
    int n = 0, timeouts = 0;
    for (int k = 0; e2e && gw && k < p.count; k++) {
        int up = k % 2 == 0;
        char line[ALARM_CTL_LINE_MAX];
        int len = snprintf(line, sizeof line, "set %s %g\n", p.point, up ? p.high : p.low);
        sleep_ms(p.quiet_ms + p.phase_ms * rand_r(&p.seed) / ((double)RAND_MAX + 1));
        double step_ms = bench_wall_ms(), ts_ms, arrival_ms;
        if (write(ctl, line, (size_t)len) != len) {
            fprintf(stderr, "bench_alarm: writing to %s failed: %s\n", p.fifo, strerror(errno));
            break;
        }
        if (await_event(&a, up ? "RAISED" : "CLEARED", &ts_ms, &arrival_ms) < 0) {
            timeouts++;
            continue;
        }
        e2e[n] = arrival_ms - step_ms;
        gw[n] = arrival_ms - ts_ms;
        n++;
        if (log)
            fprintf(log, "%s %.3f %.3f %.3f\n", up ? "RAISED" : "CLEARED", step_ms, ts_ms, arrival_ms);
    }
    if (log)
        fclose(log);
    bench_mqtt_close(&m);
    close(ctl);
    int rc = n > 0 ? 0 : 1;
    printf("alarms %d timeouts %d", n, timeouts);
    if (n > 0) {
        bench_report_parts_p99_ms("gw", gw, n, p.parts);    /* before the sort below */
        bench_report_ms("e2e", e2e, n);
        bench_report_ms("gw", gw, n);
    }
    printf("\n");
    free(e2e);
    free(gw);
    return rc;
}
