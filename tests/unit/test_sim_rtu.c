/*
 * test_sim_rtu.c - riskgw-sim on a pseudo-terminal: RTU framing, bus timing, and RTU faults.
 *
 * The framing helpers are checked against the specification's own example
 * frame. Then riskgw-sim serves a power meter on a pty (--rtu-pty) and a plain
 * client on the other end measures whole exchanges at 9600 and 115200 baud: the
 * time from writing the request to the reply's last byte must be what the wire
 * would take, (request + reply characters) x 11 bits / baud + t3.5, within
 * [0.9, 1.5] of it. At 9600 baud the client also sees a corrupted CRC, noise, a
 * late reply, silence, silence for a unit nobody serves, and exception 2, and
 * silence while it sends at another baud rate or parity than the line's.
 */
#include <termios.h>

#include "check.h"
#include "sim_fixture.h"
#include "rtu_timing.h"
#include "sim_rtu_frame.h"

#define UNIT 1
#define BIG_READ 100                /* registers: a 205-byte reply */
#define SMALL_READ 2
#define TRIES 3
#define RATIO_LO 0.9
#define RATIO_HI 1.5
#define WAIT_MS 2000
#define SILENT_MS 300
#define LATE_MS 200
#define MS_PER_NS 1e-6

static struct sim_child sim;
static char control[128];

static void test_framing(void)
{
    uint8_t spec[8] = {0x01, 0x03, 0x00, 0x00, 0x00, 0x0A};   /* Modbus over serial line, 6.2.2 */
    CHECK_INT(sim_rtu_seal(spec, 6), 8);
    CHECK(spec[6] == 0xC5 && spec[7] == 0xCD);
    CHECK_INT(sim_rtu_crc_ok(spec, 8), 1);
    spec[3] ^= 1;
    CHECK_INT(sim_rtu_crc_ok(spec, 8), 0);
    CHECK_INT(sim_rtu_request_length(spec, 1), 0);
    CHECK_INT(sim_rtu_request_length(spec, 2), 8);
    const uint8_t many[] = {1, 0x10, 0, 0, 0, 2, 4};
    CHECK_INT(sim_rtu_request_length(many, 6), 0);
    CHECK_INT(sim_rtu_request_length(many, 7), 13);
    const uint8_t odd[] = {1, 0x2B};
    CHECK_INT(sim_rtu_request_length(odd, 2), -1);
}

/* The pty's other end, raw. */
static int open_line(const char *name)
{
    struct termios t;
    int fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || tcgetattr(fd, &t) < 0)
        return -1;
    cfmakeraw(&t);
    tcsetattr(fd, TCSANOW, &t);
    return fd;
}

/* Send a read of count input registers to unit; collect up to want bytes within
 * ms. Returns the bytes got and the milliseconds until the last one. */
static size_t exchange(int fd, uint8_t unit, uint16_t start, uint16_t count, uint8_t *reply,
                       size_t want, int ms, double *took_ms)
{
    uint8_t req[8] = {unit};
    size_t got = 0;
    pdu_build_read(req + 1, AREA_INPUT, start, count);
    sim_rtu_seal(req, 6);
    tcflush(fd, TCIFLUSH);
    double t0 = fix_now_ms(), deadline = t0 + ms;
    if (write(fd, req, sizeof req) != (ssize_t)sizeof req)
        return 0;
    *took_ms = 0;
    while (got < want) {
        int left = (int)(deadline - fix_now_ms());
        ssize_t n = left > 0 ? fix_recv(fd, reply + got, want - got, left) : 0;
        if (n <= 0)
            break;
        got += (size_t)n;
        *took_ms = fix_now_ms() - t0;
    }
    return got;
}

static double theory_ms(long baud, size_t req_chars, size_t reply_chars)
{
    return ((double)(req_chars + reply_chars) * (double)rtu_char_ns(baud, RTU_BITS_PER_CHAR) +
            (double)rtu_t35_ns(baud, RTU_BITS_PER_CHAR)) * MS_PER_NS;
}

/* The fastest of TRIES exchanges of count registers, against the wire's time. */
static void check_timing(int fd, long baud, uint16_t count)
{
    uint8_t reply[SIM_RTU_ADU_MAX];
    size_t want = 5 + 2u * count;
    double best = 1e9, took;
    for (int i = 0; i < TRIES; i++) {
        size_t got = exchange(fd, UNIT, 0, count, reply, want, WAIT_MS, &took);
        CHECK_INT(got, want);
        CHECK(sim_rtu_crc_ok(reply, got));
        if (got == want && took < best)
            best = took;
    }
    double ratio = best / theory_ms(baud, 8, want);
    printf("%ld baud, %u registers: %.2f ms, theory %.2f ms, ratio %.2f\n", baud, count, best,
           theory_ms(baud, 8, want), ratio);
    CHECK(ratio >= RATIO_LO && ratio <= RATIO_HI);
}

static void say(const char *line)
{
    char answer[FIX_LINE_MAX];
    fix_control(control, line, answer, sizeof answer);
    CHECK_STR(answer, "ok");
}

static void test_faults(int fd)
{
    uint8_t reply[SIM_RTU_ADU_MAX];
    double took;
    size_t want = 5 + 2u * SMALL_READ;
    say("inject crc");
    CHECK_INT(exchange(fd, UNIT, 0, SMALL_READ, reply, want, WAIT_MS, &took), want);
    CHECK(reply[0] == UNIT && reply[1] == 0x04 && !sim_rtu_crc_ok(reply, want));
    say("inject garbage");
    CHECK_INT(exchange(fd, UNIT, 0, SMALL_READ, reply, want, WAIT_MS, &took), want);
    CHECK(!sim_rtu_crc_ok(reply, want));
    say("inject noreply");
    CHECK_INT(exchange(fd, UNIT, 0, SMALL_READ, reply, want, SILENT_MS, &took), 0);
    say("inject late 200");
    CHECK_INT(exchange(fd, UNIT, 0, SMALL_READ, reply, want, WAIT_MS, &took), want);
    CHECK(sim_rtu_crc_ok(reply, want) && took >= LATE_MS + theory_ms(9600, 8, want) * RATIO_LO);
    say("inject disconnect 0.4");
    CHECK_INT(exchange(fd, UNIT, 0, SMALL_READ, reply, want, SILENT_MS, &took), 0);
    fix_sleep_ms(150);
    CHECK_INT(exchange(fd, UNIT, 0, SMALL_READ, reply, want, WAIT_MS, &took), want);   /* back */
    say("clear");
    CHECK_INT(exchange(fd, UNIT + 1, 0, SMALL_READ, reply, want, SILENT_MS, &took), 0);  /* nobody */
    CHECK_INT(exchange(fd, UNIT, 344, 1, reply, 5, WAIT_MS, &took), 5);
    CHECK(sim_rtu_crc_ok(reply, 5) && reply[1] == 0x84 && reply[2] == 2);
}

/* Set the client's end to baud and parity (a pty's settings are shared by both ends). */
static void set_line(int fd, speed_t speed, tcflag_t parity)
{
    struct termios t;
    CHECK_INT(tcgetattr(fd, &t), 0);
    cfsetispeed(&t, speed);
    cfsetospeed(&t, speed);
    t.c_cflag = (t.c_cflag & ~(tcflag_t)(PARENB | PARODD)) | parity;
    t.c_iflag = (t.c_iflag & ~(tcflag_t)INPCK) | (parity ? INPCK : 0);    /* as libmodbus does */
    CHECK_INT(tcsetattr(fd, TCSANOW, &t), 0);
}

/* A master at the wrong speed or parity is noise to the device: no answer. */
static void test_settings(int fd)
{
    uint8_t reply[SIM_RTU_ADU_MAX];
    double took;
    size_t want = 5 + 2u * SMALL_READ;
    set_line(fd, B19200, 0);
    CHECK_INT(exchange(fd, UNIT, 0, SMALL_READ, reply, want, SILENT_MS, &took), 0);
    set_line(fd, B9600, PARENB);
    CHECK_INT(exchange(fd, UNIT, 0, SMALL_READ, reply, want, SILENT_MS, &took), 0);
    set_line(fd, B9600, 0);
    CHECK_INT(exchange(fd, UNIT, 0, SMALL_READ, reply, want, WAIT_MS, &took), want);
}

/* Start the sim at baud; returns the client's descriptor on the pty, or -1. */
static int start_at(const char *baud)
{
    char line[FIX_LINE_MAX], name[128];
    const char *args[] = {"--profile", "power_meter_3ph", "--rtu-pty", "--baud", baud,
                          "--control", control, NULL};
    if (sim_child_start(&sim, args) < 0 || sim_child_line(&sim, line, sizeof line) < 0 ||
        sscanf(line, "riskgw-sim: rtu on %127s", name) != 1)
        return -1;
    return open_line(name);
}

int main(void)
{
    test_framing();
    snprintf(sim.dir, sizeof sim.dir, "/tmp/riskgw-simrtu.XXXXXX");
    CHECK(mkdtemp(sim.dir) != NULL);
    snprintf(control, sizeof control, "%s/ctl.sock", sim.dir);
    int fd = start_at("9600");
    CHECK(fd >= 0);
    if (fd >= 0) {
        check_timing(fd, 9600, SMALL_READ);
        check_timing(fd, 9600, BIG_READ);
        test_faults(fd);
        test_settings(fd);
        close(fd);
    }
    CHECK_INT(sim_child_stop(&sim), 0);
    fd = start_at("115200");
    CHECK(fd >= 0);
    if (fd >= 0) {
        check_timing(fd, 115200, BIG_READ);
        close(fd);
    }
    if (check_failed)
        sim_child_dump_log(&sim);
    CHECK_INT(sim_child_stop(&sim), 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", sim.dir);
    CHECK_INT(system(cmd), 0);
    return check_summary();
}
