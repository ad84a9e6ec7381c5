/*
 * test_payload.c - interface v1 on the wire: topics and the exact JSON of an event,
 * telemetry with a fault (value null, never a number), escaping of names, and the
 * refusal to emit a truncated message; numbers printed without printf exactly as
 * printf prints them.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "payload.h"

static const char *site =
    "{\"enterprise\":\"ent-1\",\"gateway\":\"gw-1\",\"mqtt\":{\"uri\":\"tcp://127.0.0.1:1\"},"
    " \"devices\":[{\"id\":\"gas1\",\"host\":\"127.0.0.1\",\"points\":["
    "   {\"id\":\"lel\",\"name\":\"Gas \\\"A\\\"\",\"unit\":\"%LEL\"},{\"id\":\"st\"}]}]}";

/* jw_num and jw_int format without printf; they must print exactly what
 * "%.10g" and "%lld" do, for every kind of number a reading or a stamp can be. */
static void test_numbers_as_printf(void)
{
    static const double fixed[] = {0, -0.0, 1, -1, 7, 51.5, 3.1, -2.25, 1e-7, 123456789, 999999999,
                                   9999999999.0, 1e10, -1e10, 12345678901.0, 1e15, 65535, -32768,
                                   4294967295.0, 0.1 + 0.2, 1795420812345.0, 1e300, -1e-300};
    char got[64], want[64];
    unsigned seed = 17;
    for (int i = 0; i < 20000; i++) {
        double v;
        if (i < (int)(sizeof fixed / sizeof fixed[0])) {
            v = fixed[i];
        } else {
            seed = seed * 1103515245u + 12345u;
            int kind = (int)(seed >> 28) % 4;
            long long r = (long long)(seed >> 4) - (1LL << 27);
            v = kind == 0 ? (double)r : kind == 1 ? (double)r / 1000 : kind == 2 ? (double)r * 1000 : r * 1e-9;
        }
        struct jw w;
        jw_init(&w, got, sizeof got);
        jw_num(&w, v);
        snprintf(want, sizeof want, "%.10g", v);
        if (strcmp(got, want) != 0) {
            CHECK_STR(got, want);
            break;
        }
    }
    static const int64_t ints[] = {0, 1, -1, 9, 10, -10, 1795420812345LL, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        struct jw w;
        jw_init(&w, got, sizeof got);
        jw_int(&w, ints[i]);
        snprintf(want, sizeof want, "%lld", (long long)ints[i]);
        CHECK_STR(got, want);
    }
}

int main(void)
{
    test_numbers_as_printf();
    struct cfg_err err;
    struct config *cfg = config_parse(site, "site", RISKGW_SOURCE_DIR "/drivers/profiles", &err);
    CHECK(cfg != NULL);
    if (!cfg)
        return check_summary();
    char buf[1024];
    CHECK(topic_event(buf, sizeof buf, cfg, 0) > 0);
    CHECK_STR(buf, "riskgw/v1/ent-1/gw-1/event/gas1/lel");
    CHECK(topic_telemetry(buf, sizeof buf, cfg, 0) > 0);
    CHECK_STR(buf, "riskgw/v1/ent-1/gw-1/telemetry/gas1");
    CHECK(topic_gateway(buf, sizeof buf, cfg, "status") > 0);
    CHECK_STR(buf, "riskgw/v1/ent-1/gw-1/status");

    struct event ev = {.id = 7, .point = 0, .kind = EV_ESCALATED, .severity = 2, .level = "level2",
                       .value = 51.5, .quality = QUALITY_GOOD, .ts_ms = 1795420812345LL};
    struct msg_meta meta = {.seq = 3, .epoch = 1795400000000LL, .time_synced = 1};
    CHECK(payload_event(buf, sizeof buf, cfg, &ev, &meta) > 0);
    CHECK_STR(buf, "{\"v\":1,\"enterprise\":\"ent-1\",\"gateway\":\"gw-1\",\"epoch\":1795400000000,"
                   "\"seq\":3,\"id\":7,"
                   "\"ts\":1795420812345,\"device\":\"gas1\",\"point\":\"lel\",\"name\":\"Gas \\\"A\\\"\","
                   "\"unit\":\"%LEL\",\"kind\":\"ESCALATED\",\"level\":\"level2\",\"severity\":2,"
                   "\"value\":51.5,\"quality\":\"good\"}");
    ev.kind = EV_FAULT;
    ev.quality = QUALITY_COMM_FAIL;
    snprintf(ev.actor, sizeof ev.actor, "mqtt:duty");
    meta.seq = 4;
    meta.time_synced = 0;
    CHECK(payload_event(buf, sizeof buf, cfg, &ev, &meta) > 0);
    CHECK_CONTAINS(buf, "\"time_synced\":false");
    CHECK_CONTAINS(buf, "\"value\":null,\"quality\":\"comm_fail\",\"actor\":\"mqtt:duty\"");
    CHECK_INT(payload_event(buf, 40, cfg, &ev, &meta), -1);          /* never truncated */

    struct reading latest[2] = {
        {.quality = QUALITY_SENSOR_FAULT, .value = 0.0, .ts_ms = 1000},
        {.quality = QUALITY_GOOD, .value = 1, .ts_ms = 0},   /* never read: left out */
    };
    meta.seq = 9;
    meta.time_synced = 1;
    CHECK(payload_telemetry(buf, sizeof buf, cfg, 0, latest, &meta) > 0);
    CHECK_CONTAINS(buf, "\"epoch\":1795400000000,\"seq\":9,\"ts\":");
    CHECK_CONTAINS(buf, "\"points\":{\"lel\":{\"v\":null,\"q\":\"sensor_fault\",\"ts\":1000}}}");

    CHECK(payload_online(buf, sizeof buf, cfg, 0) > 0);
    CHECK_STR(buf, "{\"v\":1,\"enterprise\":\"ent-1\",\"gateway\":\"gw-1\",\"online\":false,\"version\":\"" RISKGW_VERSION "\"}");
    config_free(cfg);
    return check_summary();
}
