/*
 * bench_modbus_open.h - a libmodbus TCP connection for the benchmark's reference loops.
 *
 * bench_bare (the yardstick's bare loop) and bench_modbus (the tight request loop
 * that the poller is compared with) connect the same way: plain libmodbus, one
 * response timeout. libmodbus waits with select(), which aborts the process for a
 * descriptor >= FD_SETSIZE (glibc's "bit out of range" check), already inside
 * modbus_connect(); the open refuses a connection that would get one instead, so a benchmark can report the limit as a finding
 * rather than crash on it.
 */
#ifndef RISKGW_BENCH_MODBUS_OPEN_H
#define RISKGW_BENCH_MODBUS_OPEN_H

#include <stddef.h>
#include <modbus.h>

#define BENCH_MODBUS_TIMEOUT_S 1

enum bench_modbus_rc {
    BENCH_MODBUS_OK = 0,
    BENCH_MODBUS_FAILED = -1,       /* could not connect; err says why */
    BENCH_MODBUS_FD_LIMIT = -2,     /* its descriptor would be one select() cannot wait on */
};

/* Connect to host:port as slave unit. The context in *out, or an error code and a sentence. */
enum bench_modbus_rc bench_modbus_open(const char *host, int port, int unit, modbus_t **out,
                                       char *err, size_t errlen);

#endif
