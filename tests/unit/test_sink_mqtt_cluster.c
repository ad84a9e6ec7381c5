/*
 * test_sink_mqtt_cluster.c - the MQTT sink given several brokers (a cluster), against
 * two real mosquittos on free loopback ports.
 *
 * Covers: the first broker that answers is taken (a dead address ahead of it is
 * passed over); its broker SIGKILLed -> link down, then up on the other broker,
 * retained "online" there, and sending goes on; the way back once the first is
 * restarted and the second killed; every message handed over, including the
 * ones in flight at each kill, settled exactly once (the outbox's rule).
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
        for (int64_t end = clock_mono_ms() + WAIT_MS; s->ops->send(s, &m) < 0;) {
            if (clock_mono_ms() > end)
                return -1;
            ctl_drain(10);
        }
    }
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
    CHECK(ctl_wait(&ctl.reports_total, first - 1, WAIT_MS));  /* the window is empty */
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

/* Every seq handed over settled exactly once; the ones sent on a live link delivered. */
static void check_settled(int count)
{
    CHECK(ctl_wait(&ctl.reports_total, count, WAIT_MS));
    ctl_drain(QUIET_MS);
    CHECK_INT(ctl.reports_total, count);
    int once = 0, lost = 0;
    for (int seq = 1; seq <= count; seq++) {
        once += ctl.reports[seq] == 1;
        lost += ctl.delivered[seq] == 0;
    }
    CHECK_INT(once, count);
    printf("failed at a kill, for the outbox to send again: %d of %d\n", lost, count);
    CHECK(lost <= WINDOW);                  /* only those in flight at the two kills */
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
