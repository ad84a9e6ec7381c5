/*
 * sim_control.h - the simulator's control lines: a technician or a test script drives points.
 *
 * Lines arrive on stdin (typed, piped, or written by a test through a FIFO):
 *   set POINT VALUE    hold POINT at VALUE, in engineering units
 *   fault POINT        serve POINT's sensor-fault signal
 *   recover POINT      hand POINT back to its scenario
 *   show               print every point's state
 *   help, quit
 * A bad line is refused with a sentence on stderr and changes nothing. End of
 * input only stops the reading; the simulator goes on serving.
 */
#ifndef RISKGW_SIM_CONTROL_H
#define RISKGW_SIM_CONTROL_H

#include <stdio.h>
#include "json_field.h"
#include "sim_device.h"

#define SIM_LINE_MAX 256

enum sim_ctl_result { SIM_CTL_ERROR = -1, SIM_CTL_OK = 0, SIM_CTL_QUIT = 1 };

/* Run one line against dev; show and help write to out. SIM_CTL_ERROR with err. */
enum sim_ctl_result sim_control_exec(struct sim_device *dev, const char *line, FILE *out,
                                     struct cfg_err *err);

/* Lines read from a descriptor, split and executed as they complete. */
struct sim_input {
    int fd;
    int open;                   /* 0 after end of input or a read error */
    int overlong;               /* discarding the rest of a line that did not fit */
    size_t len;
    char buf[SIM_LINE_MAX];
};

void sim_input_init(struct sim_input *in, int fd);

/* Read what is waiting on in->fd and execute every complete line (errors are
 * logged). Returns SIM_CTL_QUIT when a line said quit, else SIM_CTL_OK. */
enum sim_ctl_result sim_input_read(struct sim_input *in, struct sim_device *dev, FILE *out);

#endif
