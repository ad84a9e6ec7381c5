/*
 * test_status_metrics.c - the health report as Prometheus text: names, types, units,
 * labels and escaping, from a report written out here in full. What a scraper
 * sees must be what .../health says, converted to base units, and nothing else.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "status_metrics.h"

static const char *report =
    "{\"v\":1,\"enterprise\":\"ent-1\",\"gateway\":\"gw-1\",\"ts\":1700000000123,\"time_synced\":true,"
    "\"version\":\"0.1.0\",\"uptime_s\":3600,\"config_hash\":\"00112233aabbccdd\","
    "\"process\":{\"rss_kib\":2048,\"private_kib\":1024,\"threads\":7,\"cpu_pct\":12.5},"
    "\"samples\":{\"seen\":1000,\"queue_depth\":3,\"queue_overflowed\":0},"
    "\"events\":{\"recorded\":4,\"waiting_for_disk\":0,\"dropped\":0},"
    "\"store\":{\"path\":\"/var/lib/riskgw/riskgw.db\",\"bytes\":65536,\"ok\":false,\"error\":\"disk full\","
    "\"trouble\":\"full\",\"failing_s\":700,\"failing_too_long\":true,"
    "\"commits\":10,\"rollbacks\":2,\"telemetry_spilled\":37,\"syncs\":6,\"sync_recent\":6,\"sync_p50_ms\":1.5,"
    "\"sync_p99_ms\":12,\"sync_max_ms\":250,\"dropped_for_cap\":{\"samples\":5,\"telemetry\":0,\"aggregates\":0,\"events\":0}},"
    "\"alarms\":{\"standing\":2,\"silenced\":1,\"faulted\":1},"
    "\"uplinks\":[{\"name\":\"mqtt\",\"connected\":true,"
    "\"events\":{\"cursor\":4,\"backlog\":0,\"in_flight\":1},\"telemetry\":{\"cursor\":9,\"backlog\":12,\"in_flight\":3}},"
    "{\"name\":\"hook \\\"a\\\"\\\\b\",\"connected\":false,"
    "\"events\":{\"cursor\":0,\"backlog\":4,\"in_flight\":0},\"telemetry\":{\"cursor\":0,\"backlog\":0,\"in_flight\":0}}],"
    "\"devices\":[{\"id\":\"gas1\",\"polls_ok\":500,\"polls_failed\":3,\"last_ok\":1700000000000,"
    "\"backed_off\":false,\"frames_dropped\":1},"
    "{\"id\":\"meter\",\"polls_ok\":0,\"polls_failed\":9,\"last_ok\":0,\"backed_off\":true,\"frames_dropped\":0}]}";

/* A whole line of text, so "x 1" does not match "x 10". */
#define CHECK_LINE(text, line) CHECK_CONTAINS(text, "\n" line "\n")

static int count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_values_and_units(const char *m)
{
    CHECK_LINE(m, "riskgw_info{enterprise=\"ent-1\",gateway=\"gw-1\",version=\"0.1.0\","
                  "config_hash=\"00112233aabbccdd\"} 1");
    CHECK_LINE(m, "riskgw_uptime_seconds 3600");
    CHECK_LINE(m, "riskgw_report_timestamp_seconds 1700000000.123");
    CHECK_LINE(m, "riskgw_time_synced 1");
    CHECK_LINE(m, "riskgw_process_resident_memory_bytes 2097152");
    CHECK_LINE(m, "riskgw_process_cpu_ratio 0.125");
    CHECK_LINE(m, "riskgw_samples_seen_total 1000");
    CHECK_LINE(m, "riskgw_sample_queue_depth 3");
    CHECK_LINE(m, "riskgw_store_size_bytes 65536");
    CHECK_LINE(m, "riskgw_store_ok 0");
    CHECK_LINE(m, "riskgw_store_failing_seconds 700");
    CHECK_LINE(m, "riskgw_store_failing_too_long 1");
    CHECK_LINE(m, "riskgw_store_rollbacks_total 2");
    CHECK_LINE(m, "riskgw_store_telemetry_spilled_total 37");
    CHECK_LINE(m, "riskgw_store_syncs_total 6");
    CHECK_LINE(m, "riskgw_store_sync_p50_seconds 0.0015");
    CHECK_LINE(m, "riskgw_store_sync_p99_seconds 0.012");
    CHECK_LINE(m, "riskgw_store_sync_max_seconds 0.25");
    CHECK_LINE(m, "riskgw_store_dropped_for_cap_total{kind=\"samples\"} 5");
    CHECK_LINE(m, "riskgw_store_dropped_for_cap_total{kind=\"events\"} 0");
    CHECK_LINE(m, "riskgw_alarms_standing 2");
    CHECK_LINE(m, "riskgw_alarms_silenced 1");
    CHECK_LINE(m, "riskgw_points_faulted 1");
}

static void test_labelled(const char *m)
{
    CHECK_LINE(m, "riskgw_device_polls_ok_total{device=\"gas1\"} 500");
    CHECK_LINE(m, "riskgw_device_polls_failed_total{device=\"meter\"} 9");
    CHECK_LINE(m, "riskgw_device_last_ok_timestamp_seconds{device=\"gas1\"} 1700000000");
    CHECK_LINE(m, "riskgw_device_last_ok_timestamp_seconds{device=\"meter\"} 0");
    CHECK_LINE(m, "riskgw_device_backed_off{device=\"meter\"} 1");
    CHECK_LINE(m, "riskgw_uplink_connected{uplink=\"mqtt\"} 1");
    CHECK_LINE(m, "riskgw_outbox_backlog{uplink=\"mqtt\",class=\"telemetry\"} 12");
    CHECK_LINE(m, "riskgw_outbox_in_flight{uplink=\"mqtt\",class=\"events\"} 1");
    /* a quote and a backslash in a label value are escaped */
    CHECK_LINE(m, "riskgw_outbox_backlog{uplink=\"hook \\\"a\\\"\\\\b\",class=\"events\"} 4");
}

/* Every family is announced once, with HELP before TYPE, and its samples follow it. */
static void test_families(const char *m)
{
    static const char *const names[] = {"riskgw_info", "riskgw_uptime_seconds", "riskgw_store_dropped_for_cap_total",
                                        "riskgw_device_polls_ok_total", "riskgw_outbox_backlog",
                                        "riskgw_uplink_connected"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char help[96], type[96];
        snprintf(help, sizeof help, "# HELP %s ", names[i]);
        snprintf(type, sizeof type, "# TYPE %s ", names[i]);
        CHECK_INT(count(m, help), 1);
        CHECK_INT(count(m, type), 1);
        const char *h = strstr(m, help), *t = strstr(m, type);
        CHECK(h && t && h < t);
    }
    CHECK_LINE(m, "# TYPE riskgw_device_polls_ok_total counter");
    CHECK_LINE(m, "# TYPE riskgw_outbox_backlog gauge");
    /* grouped: no other family's line between two device samples */
    const char *a = strstr(m, "riskgw_device_polls_ok_total{device=\"gas1\"}");
    const char *b = strstr(m, "riskgw_device_polls_ok_total{device=\"meter\"}");
    CHECK(a && b && strchr(a, '\n') + 1 == b);
}

int main(void)
{
    char *m = status_metrics_render(report);
    CHECK(m != NULL);
    if (m) {
        test_values_and_units(m);
        test_labelled(m);
        test_families(m);
        CHECK(m[strlen(m) - 1] == '\n');
    }
    free(m);
    /* A report without a section still renders the rest; a non-report renders nothing. */
    m = status_metrics_render("{\"uptime_s\":5}");
    CHECK(m != NULL);
    if (m) {
        CHECK_LINE(m, "riskgw_uptime_seconds 5");
        CHECK(strstr(m, "\nriskgw_store_size_bytes ") == NULL);    /* its HELP line only */
    }
    free(m);
    CHECK(status_metrics_render("[1,2]") == NULL);
    CHECK(status_metrics_render("{\"uptime_s\":") == NULL);
    return check_summary();
}
