/*
 * config_telemetry.c - the optional "telemetry" section: when a device's readings are sent.
 *
 *   "telemetry": {"send": "on_change", "heartbeat_s": 60}
 *
 * "every_interval" (the default) sends each polled device once per commit
 * interval. "on_change" sends a device only when one of its readings says
 * something new - the same test that stores a reading as history: its quality
 * changed, or it moved past the point's deadband - or when heartbeat_s have
 * passed since its last message, so a quiet device is still heard from. Each
 * message carries all of the device's latest readings either way. On a steady
 * plant that is far fewer messages for the platform; flash is spared either way,
 * since telemetry is held in memory (store_outbox_mem.c, docs/configuration.md).
 */
#include "config.h"
#include "json_field.h"

#define DEFAULT_TELEMETRY_HEARTBEAT_S 60
#define MAX_TELEMETRY_HEARTBEAT_S 86400

static const char *const telemetry_keys[] = {"send", "heartbeat_s", NULL};
static const char *const send_modes[] = {[TELEMETRY_EVERY_INTERVAL] = "every_interval",
                                         [TELEMETRY_ON_CHANGE] = "on_change"};

int config_parse_telemetry(const cJSON *root, struct config *cfg, struct cfg_err *err)
{
    const cJSON *obj;
    struct telemetry_cfg *t = &cfg->telemetry;
    int send = TELEMETRY_EVERY_INTERVAL;
    t->heartbeat_s = DEFAULT_TELEMETRY_HEARTBEAT_S;
    if (jf_object(root, "telemetry", "", JF_OPTIONAL, &obj, err) < 0)
        return -1;
    if (obj && (jf_known_keys(obj, "telemetry", telemetry_keys, err) < 0 ||
                jf_enum(obj, "send", "telemetry", JF_OPTIONAL, send_modes, 2, &send, err) < 0 ||
                jf_int(obj, "heartbeat_s", "telemetry", JF_OPTIONAL, 1, MAX_TELEMETRY_HEARTBEAT_S,
                       &t->heartbeat_s, err) < 0))
        return -1;
    t->send = (enum telemetry_send)send;
    return 0;
}
