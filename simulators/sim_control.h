/*
 * sim_control.h - the simulator's control lines: a technician or a test script drives devices.
 *
 * Lines arrive on stdin (typed, piped, or written by a test through a FIFO) or
 * on the control socket (--control PATH). With several devices a line starts
 * with the device id; with one device the id may be left out:
 *   [DEVICE] set POINT VALUE    hold POINT at VALUE, in engineering units
 *   [DEVICE] fault POINT        serve POINT's sensor-fault signal
 *   [DEVICE] recover POINT      hand POINT back to its scenario
 *   [DEVICE] inject FAULT ...   show a communication fault (sim_fault.h)
 *   [DEVICE] clear              end every injected fault and gap
 *   [DEVICE] show               print points and faults (all devices without an id)
 *   help, quit
 * A bad line is refused with a sentence and changes nothing. End of input only
 * stops the reading; the simulator goes on serving.
 */
#ifndef RISKGW_SIM_CONTROL_H
#define RISKGW_SIM_CONTROL_H

#include <stdio.h>
#include "json_field.h"
#include "sim_device.h"

#define SIM_LINE_MAX 256

enum sim_ctl_result { SIM_CTL_ERROR = -1, SIM_CTL_OK = 0, SIM_CTL_QUIT = 1 };

/* Something that runs one line: show and help write to out; SIM_CTL_ERROR with err. */
typedef enum sim_ctl_result sim_line_fn(void *target, const char *line, FILE *out, struct cfg_err *err);

/* Run one line (no device id) against dev. */
enum sim_ctl_result sim_control_exec(struct sim_device *dev, const char *line, FILE *out,
                                     struct cfg_err *err);
/* sim_control_exec as a sim_line_fn: target is a struct sim_device. */
enum sim_ctl_result sim_control_device_line(void *dev, const char *line, FILE *out, struct cfg_err *err);
/* A line for a whole site (target: struct sim_site): "DEVICE VERB ...", or a
 * line without an id when the site has one device, or show/help/quit. */
enum sim_ctl_result sim_control_site_line(void *site, const char *line, FILE *out, struct cfg_err *err);

/* 1 when word is a control verb (a device may not be named so). */
int sim_control_is_verb(const char *word);

/* Lines read from a descriptor, split and executed as they complete. */
struct sim_input {
    int fd;
    int open;                   /* 0 after end of input or a read error */
    int reply;                  /* 1: answer each line on fd ("ok", or "error: why") */
    int overlong;               /* discarding the rest of a line that did not fit */
    size_t len;
    char buf[SIM_LINE_MAX];
};

void sim_input_init(struct sim_input *in, int fd, int reply);

/* Read what is waiting on in->fd and run every complete line with fn(target).
 * Refusals are logged, and also answered when in->reply. Returns SIM_CTL_QUIT
 * when a line said quit, else SIM_CTL_OK. */
enum sim_ctl_result sim_input_read(struct sim_input *in, sim_line_fn *fn, void *target, FILE *out);

#endif
