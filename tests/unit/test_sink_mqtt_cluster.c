/*
 * test_sink_mqtt_cluster.c - the MQTT sink given several brokers (a cluster), against
 * two real mosquittos on free loopback ports.
 *
 * Covers: the first broker that answers is taken (a dead address ahead of it is
 * passed over); its broker SIGKILLed -> link down, then up on the other broker,
 * retained "online" there, and sending goes on; the way back once the first is
 * restarted and the second killed; every message sent on a live link delivered
 * exactly once, the ones in flight at each kill settled at most once, and never
 * failed after the link-down report that already settled them (sink_mqtt.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "control.h"
#include "ctl_drain.h"
#include "log.h"
#include "mosquitto.h"
#include "queue.h"
#include "sink_mqtt.h"

#define POLL_STEP_MS 50
#define CTL_CAPACITY 4096
#define SINK_INDEX 3
#define WINDOW 16
#define BATCH 100               /* messages per phase */
#define PHASES 3                /* on A, on B after A's death, on A after B's death */
#define SEQ_MAX (BATCH * PHASES + 1)
#define WAIT_MS 8000
#define QUIET_MS 300

static const struct sink_mqtt_topics topics = {
    .status = "riskgw/cluster/status",
    .online = "{\"online\":true}",
    .offline = "{\"online\":false}",
    .command = "riskgw/cluster/cmd",
};

static struct {
    struct queue q;
    struct doorbell bell;
    int link_up, link_down, reports_total;
    int reports[SEQ_MAX];       /* delivered or failed, per seq (events class only) */
    int delivered[SEQ_MAX];
    int sent_at_downs[SEQ_MAX]; /* link_down when the seq was handed over */
    int stale_failures;         /* failed after a link-down that followed its send */
} ctl;

static void ctl_take(const struct ctl_msg *m)
{
    if (m->kind == CTL_LINK_UP)
        ctl.link_up++;
    else if (m->kind == CTL_LINK_DOWN)
        ctl.link_down++;
    else if ((m->kind == CTL_DELIVERED || m->kind == CTL_FAILED) && m->seq > 0 && m->seq < SEQ_MAX) {
        ctl.reports[m->seq]++;
        ctl.delivered[m->seq] += m->kind == CTL_DELIVERED;
        ctl.stale_failures += m->kind == CTL_FAILED && ctl.link_down > ctl.sent_at_downs[m->seq];
        ctl.reports_total++;
    }
    free(m->text);
}

static void ctl_drain(int ms) { ctl_queue_drain(&ctl.q, &ctl.bell, ms, ctl_take); }

static int ctl_wait(const int *counter, int want, int ms)
{
    return ctl_queue_wait(&ctl.q, &ctl.bell, ctl_take, counter, want, ms, POLL_STEP_MS);
}

/* Hand over seqs [first, first + count) as the outbox would, waiting out a full window. */
static int send_seqs(struct sink *s, int first, int count)
{
    char payload[64];
    for (int seq = first; seq < first + count; seq++) {
        struct outbox_msg m = { .cls = OUTBOX_EVENTS, .seq = seq, .topic = "riskgw/cluster/data",
                                .payload = payload };
        m.payload_len = (size_t)snprintf(payload, sizeof payload, "{\"seq\":%d}", seq);
        ctl.sent_at_downs[seq] = ctl.link_down;
        for (int64_t end = clock_mono_ms() + WAIT_MS; s->ops->send(s, &m) < 0;) {
            if (clock_mono_ms() > end)
                return -1;
            ctl_drain(10);
        }
    }
    return 0;
}

/* 1 once every seq in [from, to] has been delivered. */
static int wait_delivered(int from, int to)
{
    for (int64_t end = clock_mono_ms() + WAIT_MS; clock_mono_ms() < end; ctl_drain(POLL_STEP_MS)) {
        int seq = from;
        while (seq <= to && ctl.delivered[seq])
            seq++;
        if (seq > to)
            return 1;
    }
    for (int seq = from; seq <= to; seq++)
        if (!ctl.delivered[seq])
            printf("seq %d not delivered (%d reports)\n", seq, ctl.reports[seq]);
    return 0;
}

static void check_online(const struct test_broker *b)
{
    char got[128] = "";
    for (int64_t end = clock_mono_ms() + WAIT_MS; clock_mono_ms() < end; usleep(50000))
        if (test_broker_retained(b, topics.status, got, sizeof got, 1000) == 0 &&
            strcmp(got, topics.online) == 0)
            break;
    CHECK_STR(got, topics.online);
}

/* Kill the broker the sink is on while messages are in flight; it must come up on next. */
static void switch_over(struct sink *s, struct test_broker *dying, const struct test_broker *next,
                        int first)
{
    int ups = ctl.link_up, downs = ctl.link_down;
    CHECK(wait_delivered(first - BATCH + WINDOW / 2 + 1, first - 1));    /* the window is empty */
    kill(dying->pid, SIGSTOP);              /* these stay unconfirmed: in flight at the kill */
    CHECK_INT(send_seqs(s, first, WINDOW / 2), 0);
    int64_t t0 = clock_mono_ms();
    test_broker_kill(dying);
    CHECK(ctl_wait(&ctl.link_down, downs + 1, WAIT_MS));
    CHECK(ctl_wait(&ctl.link_up, ups + 1, WAIT_MS));
    printf("switched from port %d to port %d in %lld ms\n", dying->port, next->port,
           (long long)(clock_mono_ms() - t0));
    CHECK_INT(s->ops->connected(s), 1);
    check_online(next);
    CHECK_INT(send_seqs(s, first + WINDOW / 2, BATCH - WINDOW / 2), 0);
}

/* Seqs sent on a live link delivered once; the ones in flight at a kill at most once. */
static void check_settled(int count)
{
    int in_flight = 2 * (WINDOW / 2), live = count - in_flight;
    CHECK(wait_delivered(count - BATCH + WINDOW / 2 + 1, count));
    ctl_drain(QUIET_MS);
    int once = 0, at_most_once = 0, unsettled = 0;
    for (int seq = 1; seq <= count; seq++) {
        int kill_batch = (seq > BATCH && seq <= BATCH + WINDOW / 2) ||
                         (seq > 2 * BATCH && seq <= 2 * BATCH + WINDOW / 2);
        if (!kill_batch)
            once += ctl.delivered[seq] == 1 && ctl.reports[seq] == 1;
        at_most_once += ctl.reports[seq] <= 1;
        unsettled += ctl.reports[seq] == 0;
    }
    CHECK_INT(once, live);
    CHECK_INT(at_most_once, count);
    printf("in flight at the kills, settled by the link-down report: %d of %d\n", unsettled,
           in_flight);
    CHECK(unsettled <= in_flight);
    /* The outbox took them as failed at the link-down and sent them again: a failure
     * of the old copy reported now would fail the new one (sink_mqtt_recv.c). */
    CHECK_INT(ctl.stale_failures, 0);
}

static void test_failover(struct test_broker *a, struct test_broker *b)
{
    struct mqtt_cfg cfg;
    char err[512] = "";
    memset(&cfg, 0, sizeof cfg);
    int dead = test_free_port();            /* nobody listens: refused at once */
    snprintf(cfg.uris[0], sizeof cfg.uris[0], "tcp://127.0.0.1:%d", dead);
    snprintf(cfg.uris[1], sizeof cfg.uris[1], "tcp://127.0.0.1:%d", a->port);
    snprintf(cfg.uris[2], sizeof cfg.uris[2], "tcp://127.0.0.1:%d", b->port);
    cfg.nuris = 3;
    cfg.enabled = 1;
    snprintf(cfg.client_id, sizeof cfg.client_id, "t-cluster");
    cfg.keepalive_s = 5;
    cfg.window = WINDOW;
    cfg.reconnect_min_ms = 100;
    cfg.reconnect_max_ms = 400;
    struct sink *s = sink_mqtt_create(&cfg, &topics, &ctl.q, SINK_INDEX, err, sizeof err);
    CHECK(s != NULL);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK(ctl_wait(&ctl.link_up, 1, WAIT_MS));
    check_online(a);                        /* the first that answered */
    char got[128] = "";
    CHECK(test_broker_retained(b, topics.status, got, sizeof got, 300) < 0);   /* not on B */
    CHECK_INT(send_seqs(s, 1, BATCH), 0);

    switch_over(s, a, b, BATCH + 1);
    CHECK_INT(test_broker_restart(a), 0);
    switch_over(s, b, a, 2 * BATCH + 1);
    check_settled(PHASES * BATCH);
    s->ops->destroy(s);
}

static char workdir[] = "/tmp/test_sink_mqtt_cluster.XXXXXX";

static void remove_workdir(void)
{
    char *argv[] = { "rm", "-rf", workdir, NULL };
    if (!getenv("KEEP"))
        test_run(argv, NULL, 0, WAIT_MS);
}

int main(void)
{
    if (doorbell_open(&ctl.bell) < 0 ||
        queue_init(&ctl.q, sizeof(struct ctl_msg), CTL_CAPACITY, &ctl.bell) < 0) {
        perror("control queue");
        return 1;
    }
    if (!mkdtemp(workdir)) {
        perror("mkdtemp");
        return 1;
    }
    atexit(remove_workdir);
    log_set_level(LOG_LVL_WARN);
    char dir_a[sizeof workdir + 4], dir_b[sizeof workdir + 4];
    snprintf(dir_a, sizeof dir_a, "%s/a", workdir);
    snprintf(dir_b, sizeof dir_b, "%s/b", workdir);
    struct test_broker a, b;
    if (mkdir(dir_a, 0700) < 0 || mkdir(dir_b, 0700) < 0 ||
        test_broker_start(&a, dir_a, NULL) < 0 || test_broker_start(&b, dir_b, NULL) < 0) {
        CHECK(!"two mosquittos start");
        return check_summary();
    }
    test_failover(&a, &b);
    test_broker_stop(&a);
    test_broker_stop(&b);
    queue_destroy(&ctl.q);
    doorbell_close(&ctl.bell);
    return check_summary();
}
