/*
 * test_sink_mqtt.c - the MQTT sink against a real mosquitto on a free loopback port.
 *
 * Covers: settings refused with a sentence; link up and the retained online
 * status; 1,000 outbox messages confirmed exactly once each with their (cls, seq);
 * commands in (text, binary) and garbage dropped (empty, oversize); side-channel
 * publish; broker killed -> link down, no CPU burnt while it is away, broker back ->
 * link up, online again and sending again; destroy -> status offline and silence;
 * the last will, by SIGKILLing a child process that runs a sink; and TLS with a
 * client certificate (right CA links, wrong CA does not).
 *
 * Paho is opened at run time, in the build the first broker URI needs
 * (sink_mqtt_paho.h): this process, plain from the start, must map neither the
 * TLS build nor OpenSSL, and must refuse a TLS broker with a sentence; TLS runs
 * in a fresh child process, which binds the TLS build and serves tcp:// with it too.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "control.h"
#include "ctl_drain.h"
#include "log.h"
#include "mosquitto.h"
#include "queue.h"
#include "sink_mqtt.h"

#define POLL_STEP_MS 50        /* how long one wait for a report may block */
#define CTL_CAPACITY 4096
#define SINK_INDEX 7            /* any index: every report must carry it back */
#define WINDOW 64
#define MESSAGES 1000
#define PER_CLASS (MESSAGES / OUTBOX_CLASS_COUNT)
#define AFTER_RESTART 10
#define LOST 10                 /* per class, sent while the broker is frozen, then killed */
#define LOST_FIRST (PER_CLASS + AFTER_RESTART + 1)
#define WAIT_MS 5000
#define QUIET_MS 300
#define DOWN_MS 3000
#define DOWN_CPU_MAX_MS 150     /* 5 % of one core while the broker is away */
#define RETAINED_WAIT_MS 2000
#define RETAINED_POLL_MS 50
#define TLS_CHILD_WAIT_MS (4 * WAIT_MS)
#define CHILD_OUTPUT_MAX 8192

static const struct sink_mqtt_topics topics = {
    .status = "riskgw/test/status",
    .online = "{\"online\":true}",
    .offline = "{\"online\":false}",
    .command = "riskgw/test/cmd",
};

/* Everything the sink reported, tallied the way the core would see it. */
static struct {
    struct queue q;
    struct doorbell bell;
    int link_up, link_down, failed, commands, wrong_sink;
    int delivered[OUTBOX_CLASS_COUNT][LOST_FIRST + LOST];
    int reports[OUTBOX_CLASS_COUNT][LOST_FIRST + LOST];    /* delivered or failed */
    int delivered_total, reports_total;
    char *command;
    size_t command_len;
} ctl;

static void ctl_take(const struct ctl_msg *m)
{
    if (m->sink != SINK_INDEX)
        ctl.wrong_sink++;
    switch (m->kind) {
    case CTL_LINK_UP: ctl.link_up++; break;
    case CTL_LINK_DOWN: ctl.link_down++; break;
    case CTL_FAILED:
    case CTL_DELIVERED:
        if (m->seq >= 1 && m->seq < LOST_FIRST + LOST && (int)m->cls < OUTBOX_CLASS_COUNT) {
            ctl.reports[m->cls][m->seq]++;
            ctl.delivered[m->cls][m->seq] += m->kind == CTL_DELIVERED;
        }
        ctl.reports_total++;
        ctl.delivered_total += m->kind == CTL_DELIVERED;
        ctl.failed += m->kind == CTL_FAILED;
        break;
    case CTL_COMMAND:
        free(ctl.command);
        ctl.command = m->text;
        ctl.command_len = m->text_len;
        ctl.commands++;
        break;
    }
}

static void ctl_drain(int ms)
{
    ctl_queue_drain(&ctl.q, &ctl.bell, ms, ctl_take);
}

static int ctl_wait(const int *counter, int want, int ms)
{
    return ctl_queue_wait(&ctl.q, &ctl.bell, ctl_take, counter, want, ms, POLL_STEP_MS);
}

static void cfg_for(struct mqtt_cfg *cfg, const char *uri, const char *client_id)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->enabled = 1;
    snprintf(cfg->uris[0], sizeof cfg->uris[0], "%s", uri);
    cfg->nuris = 1;
    snprintf(cfg->client_id, sizeof cfg->client_id, "%s", client_id);
    cfg->keepalive_s = 5;
    cfg->verify_server = 1;
    cfg->window = WINDOW;
    cfg->reconnect_min_ms = 100;
    cfg->reconnect_max_ms = 400;
}

static void check_retained(const struct test_broker *b, const char *topic, const char *want)
{
    char got[256] = "";
    for (int64_t end = clock_mono_ms() + RETAINED_WAIT_MS; clock_mono_ms() < end;) {
        if (test_broker_retained(b, topic, got, sizeof got, 1000) == 0 && strcmp(got, want) == 0)
            break;
        usleep(RETAINED_POLL_MS * 1000);
    }
    CHECK_STR(got, want);
}

static void test_refused_settings(void)
{
    struct mqtt_cfg cfg;
    char err[512] = "";
    cfg_for(&cfg, "foo://127.0.0.1:1", "t-bad");
    CHECK(sink_mqtt_create(&cfg, &topics, &ctl.q, SINK_INDEX, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "foo://127.0.0.1:1");

    cfg_for(&cfg, "ssl://127.0.0.1:1", "t-bad");
    snprintf(cfg.ca_file, sizeof cfg.ca_file, "/nonexistent/ca.pem");
    CHECK(sink_mqtt_create(&cfg, &topics, &ctl.q, SINK_INDEX, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "mqtt.ca_file");
    CHECK_CONTAINS(err, "/nonexistent/ca.pem");

    struct sink_mqtt_topics none = { 0 };
    cfg_for(&cfg, "tcp://127.0.0.1:1", "t-bad");
    CHECK(sink_mqtt_create(&cfg, &none, &ctl.q, SINK_INDEX, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "status topic");
}

/* Hand over count messages per class starting at seq first, as the outbox would. */
static int send_batch(struct sink *s, int first, int count)
{
    char payload[64];
    for (int i = 0; i < count * OUTBOX_CLASS_COUNT; i++) {
        struct outbox_msg m = { .cls = (enum outbox_class)(i % OUTBOX_CLASS_COUNT),
                                .seq = first + i / OUTBOX_CLASS_COUNT,
                                .topic = "riskgw/test/data", .payload = payload };
        m.payload_len = (size_t)snprintf(payload, sizeof payload, "{\"cls\":%d,\"seq\":%lld}",
                                         (int)m.cls, (long long)m.seq);
        int64_t end = clock_mono_ms() + WAIT_MS;
        while (s->ops->send(s, &m) < 0) {       /* window full: wait for PUBACKs */
            if (clock_mono_ms() > end)
                return -1;
            ctl_drain(10);
        }
    }
    return 0;
}

/* How many (cls, seq) with seq in [first, first + count) have exactly n in table. */
static int count_exactly(int (*table)[LOST_FIRST + LOST], int first, int count, int n)
{
    int ok = 0;
    for (int c = 0; c < OUTBOX_CLASS_COUNT; c++)
        for (int seq = first; seq < first + count; seq++)
            ok += table[c][seq] == n;
    return ok;
}

static void test_commands(const struct test_broker *b, const char *dir)
{
    const char *json = "{\"cmd\":\"status\",\"id\":\"c1\"}";
    CHECK_INT(test_broker_publish(b, dir, topics.command, json, strlen(json), 0), 0);
    CHECK(ctl_wait(&ctl.commands, 1, WAIT_MS));
    CHECK_STR(ctl.command, json);
    CHECK_INT(ctl.command_len, strlen(json));

    unsigned char binary[300];
    for (size_t i = 0; i < sizeof binary; i++)
        binary[i] = (unsigned char)(i * 7);         /* NULs and high bytes */
    CHECK_INT(test_broker_publish(b, dir, topics.command, binary, sizeof binary, 0), 0);
    CHECK(ctl_wait(&ctl.commands, 2, WAIT_MS));
    CHECK_INT(ctl.command_len, sizeof binary);
    CHECK(ctl.command && memcmp(ctl.command, binary, sizeof binary) == 0);
    CHECK(ctl.command && ctl.command[sizeof binary] == '\0');

    /* Empty and oversize are dropped; the marker after them proves the sink survived. */
    size_t big_len = SINK_MQTT_COMMAND_MAX + 1;
    char *big = malloc(big_len);
    memset(big, '{', big_len);
    CHECK_INT(test_broker_publish(b, dir, topics.command, big, big_len, 0), 0);
    CHECK_INT(test_broker_publish(b, dir, topics.command, "", 0, 0), 0);
    free(big);
    const char *marker = "{\"cmd\":\"marker\"}";
    CHECK_INT(test_broker_publish(b, dir, topics.command, marker, strlen(marker), 0), 0);
    CHECK(ctl_wait(&ctl.commands, 3, WAIT_MS));
    ctl_drain(QUIET_MS);
    CHECK_INT(ctl.commands, 3);
    CHECK_STR(ctl.command, marker);
}

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void test_broker_outage(struct test_broker *b, struct sink *s)
{
    /* Messages in flight when the broker dies (it is frozen first, so none is confirmed):
     * checked below, once the broker is back. */
    kill(b->pid, SIGSTOP);
    CHECK_INT(send_batch(s, LOST_FIRST, LOST), 0);
    test_broker_kill(b);
    CHECK(ctl_wait(&ctl.link_down, 1, WAIT_MS));
    CHECK_INT(s->ops->connected(s), 0);
    struct outbox_msg m = { .cls = OUTBOX_EVENTS, .seq = 1, .topic = "riskgw/test/data",
                            .payload = "{}", .payload_len = 2 };
    CHECK_INT(s->ops->send(s, &m), -1);
    CHECK_INT(sink_mqtt_publish(s, "riskgw/test/reply", "{}", 0), -1);

    double before = cpu_ms();
    for (int64_t end = clock_mono_ms() + DOWN_MS; clock_mono_ms() < end;)
        ctl_drain(100);
    double used = cpu_ms() - before;
    printf("CPU while the broker was down for %d ms: %.1f ms\n", DOWN_MS, used);
    CHECK(used < DOWN_CPU_MAX_MS);
    CHECK_INT(ctl.link_up, 1);

    CHECK_INT(test_broker_restart(b), 0);       /* persistence off: retained status is gone */
    CHECK(ctl_wait(&ctl.link_up, 2, WAIT_MS));
    CHECK_INT(s->ops->connected(s), 1);
    check_retained(b, topics.status, topics.online);
    CHECK_INT(send_batch(s, PER_CLASS + 1, AFTER_RESTART), 0);
    int live = MESSAGES + AFTER_RESTART * OUTBOX_CLASS_COUNT;     /* sent on a live link */
    int all = live + LOST * OUTBOX_CLASS_COUNT;
    for (int64_t end = clock_mono_ms() + WAIT_MS;
         count_exactly(ctl.delivered, 1, PER_CLASS + AFTER_RESTART, 1) < live && clock_mono_ms() < end;)
        ctl_drain(POLL_STEP_MS);
    ctl_drain(QUIET_MS);
    CHECK(ctl.reports_total >= live && ctl.reports_total <= all);
    CHECK_INT(count_exactly(ctl.delivered, PER_CLASS + 1, AFTER_RESTART, 1),
              AFTER_RESTART * OUTBOX_CLASS_COUNT);
    /* Each one lost in flight was settled at most once: failed before the link-down
     * report, settled by it (no report), or sent after the reconnect by the client
     * that still held it. */
    printf("in flight at the kill: %d failed, %d delivered after the reconnect\n", ctl.failed,
           LOST * OUTBOX_CLASS_COUNT - count_exactly(ctl.delivered, LOST_FIRST, LOST, 0));
    CHECK_INT(count_exactly(ctl.reports, LOST_FIRST, LOST, 0) +
              count_exactly(ctl.reports, LOST_FIRST, LOST, 1), LOST * OUTBOX_CLASS_COUNT);
    CHECK_INT(count_exactly(ctl.delivered, 1, PER_CLASS + AFTER_RESTART, 1),
              (PER_CLASS + AFTER_RESTART) * OUTBOX_CLASS_COUNT);
}

static void test_sink_life(struct test_broker *b, const char *dir)
{
    struct mqtt_cfg cfg;
    char uri[64], err[512] = "";
    snprintf(uri, sizeof uri, "tcp://127.0.0.1:%d", b->port);
    cfg_for(&cfg, uri, "t-life");
    struct sink *s = sink_mqtt_create(&cfg, &topics, &ctl.q, SINK_INDEX, err, sizeof err);
    CHECK(s != NULL);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK_STR(s->name, "mqtt");
    CHECK_INT(s->window, WINDOW);
    CHECK(ctl_wait(&ctl.link_up, 1, WAIT_MS));
    CHECK_INT(s->ops->connected(s), 1);
    check_retained(b, topics.status, topics.online);

    CHECK_INT(send_batch(s, 1, PER_CLASS), 0);
    CHECK(ctl_wait(&ctl.delivered_total, MESSAGES, WAIT_MS));
    ctl_drain(QUIET_MS);
    CHECK_INT(ctl.delivered_total, MESSAGES);
    CHECK_INT(count_exactly(ctl.delivered, 1, PER_CLASS, 1), MESSAGES);
    CHECK_INT(ctl.failed, 0);

    test_commands(b, dir);
    CHECK_INT(sink_mqtt_publish(s, "riskgw/test/reply", "{\"ok\":true}", 1), 0);
    check_retained(b, "riskgw/test/reply", "{\"ok\":true}");

    test_broker_outage(b, s);

    s->ops->destroy(s);
    check_retained(b, topics.status, topics.offline);
    ctl_drain(0);
    struct queue_stats before, after;
    queue_stats(&ctl.q, &before);
    usleep(QUIET_MS * 1000);
    queue_stats(&ctl.q, &after);
    CHECK_INT(after.pushed, before.pushed);     /* silence after destroy */
    CHECK_INT(ctl.wrong_sink, 0);
}

/* Child mode: run a sink on argv[2]'s port, say "up" on stdout once linked, then wait to die. */
static int will_child(const char *port)
{
    struct mqtt_cfg cfg;
    char uri[64], err[512];
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    snprintf(uri, sizeof uri, "tcp://127.0.0.1:%s", port);
    cfg_for(&cfg, uri, "t-will");
    struct sink_mqtt_topics t = topics;
    t.status = "riskgw/test/will";
    if (!sink_mqtt_create(&cfg, &t, &ctl.q, SINK_INDEX, err, sizeof err) ||
        !ctl_wait(&ctl.link_up, 1, WAIT_MS))
        return 1;
    printf("up\n");
    fflush(stdout);
    for (;;)
        pause();
}

static void test_last_will(const struct test_broker *b)
{
    char port[16], up[16] = "";
    snprintf(port, sizeof port, "%d", b->port);
    int fds[2];
    CHECK_INT(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        execl("/proc/self/exe", "test_sink_mqtt", "--will-child", port, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    struct pollfd p = { .fd = fds[0], .events = POLLIN };
    if (poll(&p, 1, WAIT_MS) > 0 && read(fds[0], up, sizeof up - 1) < 0)
        up[0] = '\0';
    close(fds[0]);
    CHECK_STR(up, "up\n");
    check_retained(b, "riskgw/test/will", topics.online);
    kill(pid, SIGKILL);                 /* no DISCONNECT: the broker must publish the will */
    waitpid(pid, NULL, 0);
    check_retained(b, "riskgw/test/will", topics.offline);
}

/* A CA, a server certificate for 127.0.0.1 and a client certificate, all under dir. */
static int make_certs(const char *dir)
{
    static const char *const names[] = { "server", "client" };
    char path[4][TEST_PATH_MAX];
    snprintf(path[0], sizeof path[0], "%s/san.ext", dir);
    FILE *f = fopen(path[0], "w");
    if (!f)
        return -1;
    fputs("subjectAltName=IP:127.0.0.1\n", f);
    fclose(f);
    for (int ca = 0; ca < 2; ca++) {    /* ca.pem signs everything; other-ca.pem nothing */
        snprintf(path[1], sizeof path[1], "%s/%s.key", dir, ca ? "other-ca" : "ca");
        snprintf(path[2], sizeof path[2], "%s/%s.pem", dir, ca ? "other-ca" : "ca");
        char *argv[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", path[1], "-out",
                         path[2], "-days", "1", "-subj", "/CN=riskgw test CA", NULL };
        if (test_run(argv, NULL, 0, WAIT_MS) != 0)
            return -1;
    }
    for (int i = 0; i < 2; i++) {
        char key[TEST_PATH_MAX], csr[TEST_PATH_MAX], pem[TEST_PATH_MAX];
        snprintf(key, sizeof key, "%s/%s.key", dir, names[i]);
        snprintf(csr, sizeof csr, "%s/%s.csr", dir, names[i]);
        snprintf(pem, sizeof pem, "%s/%s.pem", dir, names[i]);
        snprintf(path[1], sizeof path[1], "%s/ca.key", dir);
        snprintf(path[2], sizeof path[2], "%s/ca.pem", dir);
        char *req[] = { "openssl", "req", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", csr,
                        "-subj", "/CN=127.0.0.1", NULL };
        char *sign[] = { "openssl", "x509", "-req", "-in", csr, "-CA", path[2], "-CAkey",
                         path[1], "-CAcreateserial", "-out", pem, "-days", "1", "-extfile",
                         path[0], NULL };
        if (test_run(req, NULL, 0, WAIT_MS) != 0 || test_run(sign, NULL, 0, WAIT_MS) != 0)
            return -1;
    }
    return 0;
}

/* 1 when this process has mapped a file whose name contains name. */
static int maps_has(const char *name)
{
    char line[1024];
    int found = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, name) != NULL;
    fclose(f);
    return found;
}

/* The settings of a sink on the TLS broker at uri, with the CA that signed it or another. */
static void cfg_for_tls(struct mqtt_cfg *cfg, const char *dir, const char *uri, int wrong_ca)
{
    cfg_for(cfg, uri, wrong_ca ? "t-tls-wrong" : "t-tls");
    snprintf(cfg->ca_file, sizeof cfg->ca_file, "%s/%s.pem", dir, wrong_ca ? "other-ca" : "ca");
    snprintf(cfg->cert_file, sizeof cfg->cert_file, "%s/client.pem", dir);
    snprintf(cfg->key_file, sizeof cfg->key_file, "%s/client.key", dir);
}

/* A sink on uri links within WAIT_MS, or (expect_up 0) does not within a while. */
static void check_links(const struct mqtt_cfg *cfg, int expect_up)
{
    char err[512] = "";
    int ups = ctl.link_up;
    struct sink *s = sink_mqtt_create(cfg, &topics, &ctl.q, SINK_INDEX, err, sizeof err);
    CHECK(s != NULL);
    if (!s) {
        fprintf(stderr, "sink for %s refused: %s\n", cfg->uris[0], err);
        return;
    }
    CHECK_INT(ctl_wait(&ctl.link_up, ups + 1, expect_up ? WAIT_MS : QUIET_MS * 3), expect_up);
    CHECK_INT(s->ops->connected(s), expect_up);
    s->ops->destroy(s);
}

/* Child mode (a fresh process, TLS first): argv dir, TLS port, plain port. */
static int tls_child(char **argv)
{
    char uri[64];
    struct mqtt_cfg cfg;
    dup2(STDOUT_FILENO, STDERR_FILENO);     /* the parent shows what went wrong */
    snprintf(uri, sizeof uri, "ssl://127.0.0.1:%s", argv[3]);
    for (int wrong_ca = 0; wrong_ca < 2; wrong_ca++) {
        cfg_for_tls(&cfg, argv[2], uri, wrong_ca);
        check_links(&cfg, !wrong_ca);
    }
    CHECK_INT(maps_has("/libpaho-mqtt3as.so"), 1);
    CHECK_INT(maps_has("/libpaho-mqtt3a.so"), 0);
    snprintf(uri, sizeof uri, "tcp://127.0.0.1:%s", argv[4]);
    cfg_for(&cfg, uri, "t-plain-on-tls-build");
    check_links(&cfg, 1);                   /* the TLS build serves a plain broker too */
    return check_summary();
}

/* This process bound the plain build: no TLS library is mapped, and a TLS sink is refused. */
static void test_plain_only(const char *tls_uri, const char *dir)
{
    char err[512] = "";
    struct mqtt_cfg cfg;
    CHECK_INT(maps_has("/libpaho-mqtt3a.so"), 1);
    CHECK_INT(maps_has("/libpaho-mqtt3as.so"), 0);
    CHECK_INT(maps_has("/libssl.so"), 0);
    CHECK_INT(maps_has("/libcrypto.so"), 0);
    cfg_for_tls(&cfg, dir, tls_uri, 0);
    CHECK(sink_mqtt_create(&cfg, &topics, &ctl.q, SINK_INDEX, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, tls_uri);
    CHECK_CONTAINS(err, "libpaho-mqtt3as.so.1");
    CHECK_CONTAINS(err, "restart");
    CHECK_INT(maps_has("/libssl.so"), 0);
}

/* A TLS broker that wants client certificates: the right CA links, a wrong CA does not. */
static void test_tls(const char *dir, const struct test_broker *plain)
{
    char conf[4 * TEST_PATH_MAX], uri[64], tls_port[16], plain_port[16];
    char out[CHILD_OUTPUT_MAX] = "";
    if (make_certs(dir) < 0) {
        CHECK(!"openssl makes the test certificates");
        return;
    }
    snprintf(conf, sizeof conf, "cafile %s/ca.pem\ncertfile %s/server.pem\nkeyfile %s/server.key\n"
             "require_certificate true", dir, dir, dir);
    struct test_broker tls;
    if (test_broker_start(&tls, dir, conf) < 0) {
        CHECK(!"mosquitto starts with TLS");
        return;
    }
    snprintf(uri, sizeof uri, "ssl://127.0.0.1:%d", tls.port);
    test_plain_only(uri, dir);
    snprintf(tls_port, sizeof tls_port, "%d", tls.port);
    snprintf(plain_port, sizeof plain_port, "%d", plain->port);
    char *argv[] = { "/proc/self/exe", "--tls-child", (char *)dir, tls_port, plain_port, NULL };
    int rc = test_run(argv, out, sizeof out, TLS_CHILD_WAIT_MS);
    CHECK_INT(rc, 0);
    if (rc != 0)
        fprintf(stderr, "the TLS child process said:\n%s", out);
    test_broker_stop(&tls);
}

static char workdir[] = "/tmp/test_sink_mqtt.XXXXXX";

static void remove_workdir(void)
{
    char *argv[] = { "rm", "-rf", workdir, NULL };
    if (!getenv("KEEP"))
        test_run(argv, NULL, 0, WAIT_MS);
}

int main(int argc, char **argv)
{
    if (doorbell_open(&ctl.bell) < 0 ||
        queue_init(&ctl.q, sizeof(struct ctl_msg), CTL_CAPACITY, &ctl.bell) < 0) {
        perror("control queue");
        return 1;
    }
    if (argc == 3 && strcmp(argv[1], "--will-child") == 0)
        return will_child(argv[2]);
    if (argc == 5 && strcmp(argv[1], "--tls-child") == 0)
        return tls_child(argv);
    if (!mkdtemp(workdir)) {
        perror("mkdtemp");
        return 1;
    }
    atexit(remove_workdir);
    log_set_level(LOG_LVL_WARN);

    struct test_broker b;
    if (test_broker_start(&b, workdir, NULL) < 0) {
        CHECK(!"mosquitto starts");
        return check_summary();
    }
    test_refused_settings();
    test_sink_life(&b, workdir);
    test_last_will(&b);
    test_tls(workdir, &b);
    test_broker_stop(&b);
    free(ctl.command);
    queue_destroy(&ctl.q);
    doorbell_close(&ctl.bell);
    return check_summary();
}
