/*
 * payload.h - the MQTT topics and JSON payloads riskgw sends (docs/interface.md, v1).
 *
 * One place builds every topic and message the platform sees, so the interface
 * document has exactly one implementation. Builders write into a caller's buffer
 * (no allocation on the hot path) and return the length, or -1 when it did not fit.
 */
#ifndef RISKGW_PAYLOAD_H
#define RISKGW_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "sample.h"

#define INTERFACE_VERSION 1
#define TOPIC_MAX 256
#define PAYLOAD_EVENT_MAX 1024

/* A growing-in-place JSON text in a fixed buffer; overflow is sticky. */
struct jw {
    char *buf;
    size_t cap, len;
    int overflow;
    int need_comma;
};

void jw_init(struct jw *w, char *buf, size_t cap);
void jw_open(struct jw *w, char brace);         /* '{' or '[' */
void jw_close(struct jw *w, char brace);        /* '}' or ']' */
void jw_key(struct jw *w, const char *key);     /* "key": (then a value) */
void jw_str(struct jw *w, const char *s);       /* escaped string value */
void jw_num(struct jw *w, double v);            /* null when not finite */
void jw_int(struct jw *w, int64_t v);
void jw_bool(struct jw *w, int v);
/* Finish; returns the length, or -1 on overflow. */
int jw_end(struct jw *w);

/* What every reply on .../reply starts with: "v", the command's "id" and "cmd", "ok".
 * Call it inside the open object; the caller adds the rest and closes it. */
void payload_reply_head(struct jw *w, const char *id, const char *cmd, int ok);

/* {prefix}/{enterprise}/{gateway}/{leaf} */
int topic_gateway(char *out, size_t cap, const struct config *cfg, const char *leaf);
/* {prefix}/{enterprise}/{gateway}/event/{device}/{point} */
int topic_event(char *out, size_t cap, const struct config *cfg, uint32_t point);
/* {prefix}/{enterprise}/{gateway}/telemetry/{device} */
int topic_telemetry(char *out, size_t cap, const struct config *cfg, size_t device);

/* What every outbox message carries besides its body (docs/interface.md). */
struct msg_meta {
    int64_t seq;            /* per-class sequence from 1 (docs/interface.md); 0: not stored yet */
    int64_t epoch;          /* the store's creation time: a new seq space */
    int time_synced;        /* 0: the wall clock is not believable */
};

/* The event message, carrying its outbox seq and stable id. */
int payload_event(char *out, size_t cap, const struct config *cfg, const struct event *ev,
                  const struct msg_meta *meta);

/*
 * One telemetry message for a device: latest[] holds its points' last samples in
 * config order (ts_ms 0: never read, left out). Faults carry "v": null.
 */
int payload_telemetry(char *out, size_t cap, const struct config *cfg, size_t device,
                      const struct reading *latest, const struct msg_meta *meta);

/* Status payloads for the retained status topic: online (birth) and offline (will). */
int payload_online(char *out, size_t cap, const struct config *cfg, int online);

#endif
