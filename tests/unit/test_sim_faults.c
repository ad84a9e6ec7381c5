/*
 * test_sim_faults.c - riskgw-sim misbehaving on purpose, as a plain Modbus TCP client sees it.
 *
 * One riskgw-sim process serves a small site file: a gas detector and a power
 * meter behind one port (a converter), and a detector on a port of its own
 * whose scenario injects a fault on cue. Faults are injected through the unix
 * control socket, which answers "ok" once a line took effect, and observed with
 * a client built on the gateway's MBAP and PDU code: timeout, late reply,
 * exception code, garbage, disconnect, reset (refused connections), a gap that
 * splits the meter's map, a unit nobody serves, and refused control lines.
 */
#include "check.h"
#include "sim_fixture.h"

#define UNIT_GAS 1
#define UNIT_METER 7
#define UNIT_NOBODY 9
#define SHORT_MS 300                /* "no reply" means none within this */
#define LATE_MS 400
#define REPLY_MS 2000

static struct sim_child sim;
static char control[128];
static unsigned shared_port, cue_port;

static void say(const char *line, const char *expect)
{
    char answer[FIX_LINE_MAX];
    fix_control(control, line, answer, sizeof answer);
    CHECK_CONTAINS(answer, expect);
}

static int read_gas(int fd, uint16_t *words, uint8_t *exc, int ms)
{
    return fix_read(fd, UNIT_GAS, AREA_HOLDING, 0, 2, words, exc, ms);
}

static void test_plain_and_converter(int fd)
{
    uint16_t w[64];
    uint8_t exc = 0;
    say("gas set lel 42.5", "ok");
    CHECK_INT(read_gas(fd, w, &exc, REPLY_MS), FIX_VALUES);
    CHECK_INT(w[0], 425);
    CHECK_INT(fix_read(fd, UNIT_METER, AREA_INPUT, 0, 18, w, &exc, REPLY_MS), FIX_VALUES);
    CHECK_INT(fix_read(fd, UNIT_NOBODY, AREA_HOLDING, 0, 1, w, &exc, REPLY_MS), FIX_EXCEPTION);
    CHECK_INT(exc, 0x0B);
    CHECK_INT(fix_read(fd, UNIT_GAS, AREA_HOLDING, 0, 3, w, &exc, REPLY_MS), FIX_EXCEPTION);
    CHECK_INT(exc, 2);                                  /* past the gas map */
}

static void test_timeout_late_exception(int fd)
{
    uint16_t w[4];
    uint8_t exc = 0;
    say("gas inject noreply", "ok");
    CHECK_INT(read_gas(fd, w, &exc, SHORT_MS), FIX_TIMEOUT);
    say("gas clear", "ok");
    CHECK_INT(read_gas(fd, w, &exc, REPLY_MS), FIX_VALUES);

    say("gas inject late 400", "ok");
    double t0 = fix_now_ms();
    CHECK_INT(read_gas(fd, w, &exc, REPLY_MS), FIX_VALUES);
    double took = fix_now_ms() - t0;
    CHECK(took >= LATE_MS - 5 && took < LATE_MS + 300);
    CHECK_INT(w[0], 425);
    say("gas inject exception 6", "ok");                /* the latest fault replaces 'late' */
    CHECK_INT(read_gas(fd, w, &exc, REPLY_MS), FIX_EXCEPTION);
    CHECK_INT(exc, 6);
    CHECK_INT(fix_read(fd, UNIT_METER, AREA_INPUT, 0, 2, w, &exc, REPLY_MS), FIX_VALUES);  /* others unharmed */
    say("gas inject garbage", "ok");
    CHECK_INT(read_gas(fd, w, &exc, REPLY_MS), FIX_GARBAGE);
    say("gas inject crc", "ok");                        /* on TCP: dropped, as by a converter */
    CHECK_INT(read_gas(fd, w, &exc, SHORT_MS), FIX_TIMEOUT);
    say("gas clear", "ok");
}

static void test_gap(void)
{
    uint16_t w[64];
    uint8_t exc = 0;
    int fd = fix_connect(shared_port);
    CHECK(fd >= 0);
    say("meter inject gap input 18 34", "ok");
    CHECK_INT(fix_read(fd, UNIT_METER, AREA_INPUT, 0, 54, w, &exc, REPLY_MS), FIX_EXCEPTION);
    CHECK_INT(exc, 2);                                  /* the block spans the hole */
    CHECK_INT(fix_read(fd, UNIT_METER, AREA_INPUT, 0, 18, w, &exc, REPLY_MS), FIX_VALUES);
    CHECK_INT(fix_read(fd, UNIT_METER, AREA_INPUT, 52, 2, w, &exc, REPLY_MS), FIX_VALUES);
    say("meter clear", "ok");
    CHECK_INT(fix_read(fd, UNIT_METER, AREA_INPUT, 0, 54, w, &exc, REPLY_MS), FIX_VALUES);
    close(fd);
}

static void test_disconnect_and_reset(void)
{
    uint16_t w[4];
    uint8_t exc = 0;
    int fd = fix_connect(shared_port);
    say("gas inject disconnect 0.5", "ok");
    CHECK_INT(read_gas(fd, w, &exc, REPLY_MS), FIX_CLOSED);
    close(fd);
    fd = fix_connect(shared_port);                      /* connections are still accepted */
    CHECK(fd >= 0);
    CHECK_INT(fix_read(fd, UNIT_METER, AREA_INPUT, 0, 2, w, &exc, REPLY_MS), FIX_VALUES);
    fix_sleep_ms(600);
    CHECK_INT(read_gas(fd, w, &exc, REPLY_MS), FIX_VALUES);     /* back after its seconds */

    say("meter inject reset 0.5", "ok");
    char probe;
    CHECK_INT(fix_recv(fd, (uint8_t *)&probe, 1, REPLY_MS), -1);  /* every client dropped */
    close(fd);
    CHECK_INT(fix_connect(shared_port), -1);
    CHECK_INT(errno, ECONNREFUSED);
    fix_sleep_ms(700);
    fd = fix_connect(shared_port);
    CHECK(fd >= 0);
    CHECK_INT(read_gas(fd, w, &exc, REPLY_MS), FIX_VALUES);
    close(fd);
}

static void test_scenario_cue(void)
{
    uint16_t w[4];
    uint8_t exc = 0;
    int fd = fix_connect(cue_port);
    CHECK(fd >= 0);
    fix_sleep_ms(1100);                                 /* the cue is at 1 s */
    CHECK_INT(fix_read(fd, UNIT_GAS, AREA_HOLDING, 0, 1, w, &exc, REPLY_MS), FIX_EXCEPTION);
    CHECK_INT(exc, 4);
    close(fd);
}

static void test_refusals(void)
{
    say("nosuch inject noreply", "error: \"nosuch\" is neither a device nor a command");
    say("gas inject late soon", "error: late: \"soon\" is not a delay");
    say("gas inject", "error: \"inject\" takes");
    say("set lel 3", "error:");                         /* several devices: the id is needed */
    say("gas", "error: gas: what should it do?");
}

/* Parse "riskgw-sim: listening on 127.0.0.1:P units ..." lines into the two ports. */
static int read_ports(void)
{
    char line[FIX_LINE_MAX];
    unsigned port;
    for (int i = 0; i < 2; i++) {
        if (sim_child_line(&sim, line, sizeof line) < 0 ||
            sscanf(line, "riskgw-sim: listening on 127.0.0.1:%u", &port) != 1)
            return -1;
        if (strstr(line, "1=cue"))
            cue_port = port;
    }
    return cue_port && cue_port != shared_port ? 0 : -1;
}

static int write_site(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/cue.json", sim.dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "{\"points\":{\"lel\":[{\"at_s\":0,\"value\":5}]},"
               "\"faults\":[{\"at_s\":0,\"inject\":\"clear\"},{\"at_s\":1,\"inject\":\"exception 4\"}]}");
    fclose(f);
    snprintf(path, sizeof path, "%s/site.json", sim.dir);
    if (!(f = fopen(path, "w")))
        return -1;
    shared_port = fix_free_port();
    fprintf(f, "{\"devices\":["
               "{\"id\":\"gas\",\"profile\":\"gas_lel\",\"port\":%u,\"unit\":%d},"
               "{\"id\":\"meter\",\"profile\":\"power_meter_3ph\",\"port\":%u,\"unit\":%d},"
               "{\"id\":\"cue\",\"profile\":\"gas_lel\",\"port\":0,\"scenario\":\"cue.json\"}]}",
            shared_port, UNIT_GAS, shared_port, UNIT_METER);
    fclose(f);
    return 0;
}

int main(void)
{
    char site[256];
    snprintf(sim.dir, sizeof sim.dir, "/tmp/riskgw-simfault.XXXXXX");
    CHECK(mkdtemp(sim.dir) != NULL);
    snprintf(site, sizeof site, "%s/site.json", sim.dir);
    snprintf(control, sizeof control, "%s/ctl.sock", sim.dir);
    const char *args[] = {"--site", site, "--control", control, NULL};
    CHECK_INT(write_site(), 0);
    CHECK_INT(sim_child_start(&sim, args), 0);
    int started = read_ports() == 0;
    CHECK(started);
    int fd = started ? fix_connect(shared_port) : -1;
    if (fd >= 0) {
        test_plain_and_converter(fd);
        test_timeout_late_exception(fd);
        close(fd);
        test_gap();
        test_disconnect_and_reset();
        test_scenario_cue();
        test_refusals();
        int status = -1;
        say("quit", "ok");
        CHECK_INT(waitpid(sim.pid, &status, 0), sim.pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        sim.pid = 0;
    }
    if (check_failed)
        sim_child_dump_log(&sim);
    sim_child_stop(&sim);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", sim.dir);
    CHECK_INT(system(cmd), 0);
    return check_summary();
}
