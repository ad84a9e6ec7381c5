/*
 * poller_threads.h - the two kinds of poller thread, as poller.c starts and stops them.
 *
 * Both take the array of all poll_devices and pick their own: the TCP poller
 * every BUS_TCP device, an RTU bus the BUS_RTU devices naming its index. Both
 * watch stop_fd (an eventfd poller.c makes readable once, never drained) and
 * return promptly when it is: the TCP thread at once, an RTU thread after the
 * request on the line, if any, ends. Each thread pushes its devices' samples into
 * `samples`, owns the writes inbox of the devices it polls (poller_write.h) and
 * sends their writes between its reads.
 */
#ifndef RISKGW_POLLER_THREADS_H
#define RISKGW_POLLER_THREADS_H

#include <stddef.h>
#include "poller_device.h"

struct tcp_poller;
struct rtu_bus;

/* NULL + err on failure (unresolvable host, no memory, no thread). */
struct tcp_poller *tcp_poller_start(struct poll_device *devs, size_t ndevs, int stop_fd,
                                    struct queue *samples, struct queue *write_results,
                                    char *err, size_t errlen);
/* Join (stop_fd must already be readable), close the connections, free. NULL is fine. */
void tcp_poller_stop(struct tcp_poller *tp);
/* The inbox for writes to its devices (poll_writes_submit, from any thread). */
struct poll_writes *tcp_poller_writes(struct tcp_poller *tp);

struct rtu_bus *rtu_bus_start(const struct config *cfg, size_t bus, struct poll_device *devs,
                              size_t ndevs, int stop_fd, struct queue *samples,
                              struct queue *write_results, char *err, size_t errlen);
void rtu_bus_stop(struct rtu_bus *b);
struct poll_writes *rtu_bus_writes(struct rtu_bus *b);

/* Sleep until `ms` passed or stop_fd became readable; 1 when asked to stop. */
int poller_wait_stop(int stop_fd, long ms);
/* The same until the monotonic time deadline_ns (clock_mono_ns; POLL_NEVER: no
 * deadline), to well under a millisecond, and wake early (returning 0) when
 * bell_fd becomes readable (bell_fd < 0: not watched). */
int poller_wait_stop_until(int stop_fd, int bell_fd, int64_t deadline_ns);

#endif
