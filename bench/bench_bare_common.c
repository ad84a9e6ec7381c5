/*
 * bench_bare_common.c - the payload and the pacing both bare loops share.
 */
#include "bench_bare_common.h"

#include <stdio.h>
#include <time.h>

#include "bench_mqtt.h"

int bare_payload(char *out, size_t cap, int device, const uint16_t *regs, int nregs, long long ts)
{
    int len = snprintf(out, cap, "{\"v\":1,\"device\":\"d%04d\",\"ts\":%lld,\"points\":{", device, ts);
    for (int i = 0; i < nregs && len > 0 && (size_t)len < cap; i++)
        len += snprintf(out + len, cap - (size_t)len, "%s\"r%d\":{\"v\":%u,\"q\":\"good\",\"ts\":%lld}",
                        i ? "," : "", i, regs[i], ts);
    if (len > 0 && (size_t)len < cap)
        len += snprintf(out + len, cap - (size_t)len, "}}");
    return len > 0 && (size_t)len < cap ? len : -1;
}

void bare_sleep_until(double mono_s)
{
    double left = mono_s - bench_mono_s();
    if (left <= 0)
        return;
    struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
    nanosleep(&ts, NULL);
}
