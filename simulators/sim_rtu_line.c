/*
 * sim_rtu_line.c - open the simulator's serial line: a pseudo-terminal pair or a serial device.
 *
 * A pty has one end with a name (/dev/pts/N, the slave side) and one without
 * (the master, from /dev/ptmx). The gateway can only open a name, so the
 * simulator serves the master side and prints the slave's name. It keeps the
 * slave open too: without that, reading the master fails with EIO whenever the
 * gateway has closed the line (between runs, during a reload). A serial device
 * is opened and configured by libmodbus (baud, parity, stop bits: two stop bits
 * without parity, as Modbus asks for 11-bit characters).
 */
#include "sim_rtu_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define DATA_BITS 8
#define STOP_BITS_PARITY 1
#define STOP_BITS_NO_PARITY 2
#define PTS_PREFIX "/dev/pts/"

struct baud_speed {
    long baud;
    speed_t speed;
};

static const struct baud_speed speeds[] = {
    {1200, B1200},   {2400, B2400},   {4800, B4800},   {9600, B9600},     {19200, B19200},
    {38400, B38400}, {57600, B57600}, {115200, B115200}, {230400, B230400},
};
#define SPEED_COUNT (sizeof speeds / sizeof speeds[0])

int sim_rtu_baud_known(long baud)
{
    for (size_t i = 0; i < SPEED_COUNT; i++)
        if (speeds[i].baud == baud)
            return 1;
    return 0;
}

static speed_t speed_of(long baud)
{
    for (size_t i = 0; i < SPEED_COUNT; i++)
        if (speeds[i].baud == baud)
            return speeds[i].speed;
    return B9600;
}

/* Raw 8-bit characters at the line's speed and parity, on the pty's slave side. */
static int set_raw(int fd, const struct sim_rtu_cfg *cfg)
{
    struct termios t;
    speed_t speed = speed_of(cfg->baud);
    if (tcgetattr(fd, &t) < 0)
        return -1;
    cfmakeraw(&t);
    cfsetispeed(&t, speed);
    cfsetospeed(&t, speed);
    t.c_cflag &= ~(tcflag_t)(PARENB | PARODD | CSTOPB);
    t.c_iflag &= ~(tcflag_t)INPCK;
    if (cfg->parity != 'N') {
        t.c_cflag |= PARENB | (cfg->parity == 'O' ? PARODD : 0);
        t.c_iflag |= INPCK;             /* what a pty keeps of parity (see sim_rtu_line_agrees) */
    } else {
        t.c_cflag |= CSTOPB;
    }
    return tcsetattr(fd, TCSANOW, &t);
}

static int open_pty(struct sim_rtu *r, const struct sim_rtu_cfg *cfg, struct cfg_err *err)
{
    int master;
    if (openpty(&master, &r->slave_fd, r->name, NULL, NULL) < 0)
        return cfg_fail(err, NULL, "cannot create a pseudo-terminal for --rtu-pty: %s", strerror(errno));
    if (set_raw(r->slave_fd, cfg) < 0 || fcntl(master, F_SETFL, O_NONBLOCK) < 0) {
        close(master);
        return cfg_fail(err, NULL, "cannot set up the pseudo-terminal %s: %s", r->name, strerror(errno));
    }
    r->wire = 1;                /* a pty moves bytes instantly: act out the wire time */
    r->speed = speed_of(cfg->baud);
    r->parity = cfg->parity;
    return master;
}

static int open_serial(struct sim_rtu *r, const struct sim_rtu_cfg *cfg, struct cfg_err *err)
{
    snprintf(r->name, sizeof r->name, "%s", cfg->path);
    r->ctx = modbus_new_rtu(cfg->path, (int)cfg->baud, cfg->parity, DATA_BITS,
                            cfg->parity == 'N' ? STOP_BITS_NO_PARITY : STOP_BITS_PARITY);
    if (!r->ctx || modbus_connect(r->ctx) < 0)
        return cfg_fail(err, NULL, "--rtu %s: cannot open the serial line at %ld baud: %s; check the "
                        "path and that no other program holds it", cfg->path, cfg->baud,
                        modbus_strerror(errno));
    int fd = modbus_get_socket(r->ctx);
    if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
        return cfg_fail(err, NULL, "--rtu %s: %s", cfg->path, strerror(errno));
    const char *tty = ttyname(fd);
    r->wire = tty && strncmp(tty, PTS_PREFIX, strlen(PTS_PREFIX)) == 0;    /* socat's ptys */
    return fd;
}

int sim_rtu_open_line(struct sim_rtu *r, const struct sim_rtu_cfg *cfg, struct cfg_err *err)
{
    r->slave_fd = -1;
    if (!sim_rtu_baud_known(cfg->baud))
        return cfg_fail(err, NULL, "--baud %ld: expected one of 1200, 2400, 4800, 9600, 19200, 38400, "
                        "57600, 115200, 230400", cfg->baud);
    return cfg->pty ? open_pty(r, cfg, err) : open_serial(r, cfg, err);
}

/* A pty's settings are one record shared by both ends: what the master (the gateway,
 * riskgw scan) last set with tcsetattr is what the slave side reads back. Linux
 * clears PARENB on a pty, so parity is read from INPCK (input parity checking,
 * which libmodbus and stty turn on with parity) and PARODD. Stop bits are not
 * compared: a receiver checks only the first. */
int sim_rtu_line_agrees(const struct sim_rtu *r)
{
    struct termios t;
    if (r->slave_fd < 0 || tcgetattr(r->slave_fd, &t) < 0)
        return 1;
    int parity_on = (t.c_cflag & PARENB) || (t.c_iflag & INPCK);
    char parity = !parity_on ? 'N' : (t.c_cflag & PARODD) ? 'O' : 'E';
    return cfgetispeed(&t) == r->speed && parity == r->parity;
}

void sim_rtu_close_line(struct sim_rtu *r)
{
    if (r->ctx) {
        modbus_close(r->ctx);           /* restores the line's settings, closes the descriptor */
        modbus_free(r->ctx);
        r->ctx = NULL;
    }
    if (r->slave_fd >= 0)
        close(r->slave_fd);
    r->slave_fd = -1;
}
