/*
 * bench_modbus_open.c - connect a libmodbus TCP context, refusing descriptors select() cannot take.
 */
#include "bench_modbus_open.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/select.h>
#include <unistd.h>

/* The descriptor the next socket will get: the lowest free one. -1 if none is free. */
static int next_descriptor(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0)
        close(fd);
    return fd;
}

enum bench_modbus_rc bench_modbus_open(const char *host, int port, int unit, modbus_t **out,
                                       char *err, size_t errlen)
{
    *out = NULL;
    int fd = next_descriptor();
    if (fd >= FD_SETSIZE) {         /* libmodbus's connect already waits with select() */
        snprintf(err, errlen, "the connection to %s:%d would get descriptor %d, beyond FD_SETSIZE (%d): "
                 "libmodbus's select() would abort the process", host, port, fd, FD_SETSIZE);
        return BENCH_MODBUS_FD_LIMIT;
    }
    modbus_t *ctx = modbus_new_tcp(host, port);
    if (!ctx) {
        snprintf(err, errlen, "libmodbus refused %s:%d: %s", host, port, modbus_strerror(errno));
        return BENCH_MODBUS_FAILED;
    }
    modbus_set_slave(ctx, unit);
    modbus_set_response_timeout(ctx, BENCH_MODBUS_TIMEOUT_S, 0);
    if (modbus_connect(ctx) < 0) {
        snprintf(err, errlen, "cannot connect to the Modbus slave at %s:%d: %s; is the simulator up?",
                 host, port, modbus_strerror(errno));
        modbus_free(ctx);
        return BENCH_MODBUS_FAILED;
    }
    *out = ctx;
    return BENCH_MODBUS_OK;
}
