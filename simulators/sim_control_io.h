/*
 * sim_control_io.h - where control lines come from: stdin, and a unix control socket.
 *
 * Both feed the same site dispatcher (sim_control_site_line). stdin is read
 * whether it is a terminal, a pipe, a FIFO or a file; its end only stops the
 * reading. The socket (--control PATH) serves one client at a time (others wait
 * in the backlog) and answers each line with "ok" or "error: why".
 */
#ifndef RISKGW_SIM_CONTROL_IO_H
#define RISKGW_SIM_CONTROL_IO_H

#include "json_field.h"
#include "sim_loop.h"
#include "sim_site.h"

struct sim_control_io;

/* Watch stdin, and listen on sock_path when not NULL. NULL with err. */
struct sim_control_io *sim_control_io_open(struct sim_loop *l, struct sim_site *site,
                                           const char *sock_path, struct cfg_err *err);
/* Stop listening, remove the socket file. */
void sim_control_io_close(struct sim_control_io *io);

/* 1 once a line said quit. */
int sim_control_io_quit(const struct sim_control_io *io);

#endif
