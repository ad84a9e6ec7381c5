/*
 * bench_modbus.c - the fastest a bare libmodbus master gets through one TCP connection.
 *
 * The reference for modbus_tcp_poll_ratio: one connection, one request in flight,
 * modbus_read_registers() back to back for SECONDS, against the same simulator the
 * gateway's poller then saturates. Both then pay the same round trip on loopback;
 * what differs is the cost each master adds to it.
 *
 *   bench_modbus -p PORT -s SECONDS [-H HOST] [-r REGS] [-a ADDRESS]
 *
 * prints `requests_per_s X requests N errors E cpu_us_per_request U`.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "bench_modbus_open.h"
#include "bench_mqtt.h"

#define LOOP_DEFAULT_REGS 1
#define US_PER_S 1e6

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / US_PER_S;
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_modbus -p PORT -s SECONDS [-H HOST] [-r REGS] [-a ADDRESS]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1";
    int port = 0, regs = LOOP_DEFAULT_REGS, address = 0, opt;
    double seconds = 0;
    while ((opt = getopt(argc, argv, "H:p:s:r:a:")) != -1) {
        switch (opt) {
        case 'H': host = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 's': seconds = atof(optarg); break;
        case 'r': regs = atoi(optarg); break;
        case 'a': address = atoi(optarg); break;
        default: return usage();
        }
    }
    if (port <= 0 || seconds <= 0 || regs <= 0 || regs > MODBUS_MAX_READ_REGISTERS)
        return usage();
    char err[BENCH_ERR_MAX];
    modbus_t *ctx;
    if (bench_modbus_open(host, port, 1, &ctx, err, sizeof err) != BENCH_MODBUS_OK) {
        fprintf(stderr, "bench_modbus: %s\n", err);
        return 1;
    }
    uint16_t buf[MODBUS_MAX_READ_REGISTERS];
    long long requests = 0, errors = 0;
    double cpu0 = cpu_s(), t0 = bench_mono_s(), end = t0 + seconds, now = t0;
    while (now < end) {
        if (modbus_read_registers(ctx, address, regs, buf) != regs && errors++ == 0)
            fprintf(stderr, "bench_modbus: a read failed: %s\n", modbus_strerror(errno));
        requests++;
        now = bench_mono_s();
    }
    double cpu = cpu_s() - cpu0, elapsed = now - t0;
    modbus_close(ctx);
    modbus_free(ctx);
    printf("requests_per_s %.0f requests %lld errors %lld cpu_us_per_request %.2f\n",
           (double)(requests - errors) / elapsed, requests, errors, cpu * US_PER_S / (double)requests);
    return errors == requests ? 1 : 0;
}
