/*
 * sim_fault.h - misbehaviour on purpose: the communication faults a simulated device can show.
 *
 * The gateway's fault handling (timeouts, retries, line flushing, reconnects,
 * back-off, block splitting) is only proven against a slave that fails the way
 * field devices fail. An injection is one line of text, the same wherever it
 * comes from (site file "inject", a control line "DEV inject ...", a scenario's
 * "faults" timeline):
 *
 *   noreply              read requests, never answer (the master times out)
 *   late MS              answer MS milliseconds late
 *   exception CODE       answer every request with exception CODE (1-255)
 *   crc                  RTU: corrupt the reply's CRC (TCP: no reply, as a converter drops it)
 *   garbage              send random bytes instead of the reply
 *   disconnect [S]       for S seconds (default 3): TCP closes the connection on
 *                        each request, RTU stays silent
 *   reset [S]            the device's port or line drops every connection and
 *                        refuses new ones for S seconds (default 3)
 *   gap AREA START [N]   a hole of N (default 1) items at START in AREA (coil,
 *                        discrete, holding, input): a request touching it gets exception 2
 *   clear                back to normal: no fault, no gaps
 *
 * One communication fault stands at a time (the latest wins); gaps add up.
 */
#ifndef RISKGW_SIM_FAULT_H
#define RISKGW_SIM_FAULT_H

#include <stddef.h>
#include <stdint.h>
#include "json_field.h"
#include "sim_respond.h"

#define SIM_FAULT_DEFAULT_S 3.0     /* disconnect and reset last this long unless told */
#define SIM_INJECT_TEXT_MAX 96

enum sim_inject_kind {
    SIM_INJ_CLEAR, SIM_INJ_NOREPLY, SIM_INJ_LATE, SIM_INJ_EXCEPTION, SIM_INJ_CRC,
    SIM_INJ_GARBAGE, SIM_INJ_DISCONNECT, SIM_INJ_RESET, SIM_INJ_GAP,
};

struct sim_inject {
    enum sim_inject_kind kind;
    long ms;                    /* LATE: the delay; DISCONNECT, RESET: the length */
    uint8_t code;               /* EXCEPTION */
    struct sim_gap gap;         /* GAP */
};

/* Parse words[0..n-1] ("late", "200") or a whole text ("late 200"). -1 with err. */
int sim_inject_parse_words(char **words, int n, struct sim_inject *inj, struct cfg_err *err);
int sim_inject_parse(const char *text, struct sim_inject *inj, struct cfg_err *err);

/* The injection as its own text, "late 200" (for logs and 'show'). */
void sim_inject_describe(const struct sim_inject *inj, char *out, size_t outlen);

/* A device's standing faults. Zero-initialised means "behaves". */
struct sim_faults {
    struct sim_inject comm;     /* kind CLEAR: answers normally */
    int64_t until_ms;           /* DISCONNECT: monotonic end */
    struct sim_gap gaps[SIM_GAPS_MAX];
    size_t ngaps;
};

/* Make inj stand (RESET is the transport's business and changes nothing here).
 * -1 with err when a gap would be one too many. */
int sim_faults_apply(struct sim_faults *f, const struct sim_inject *inj, int64_t now_ms,
                     struct cfg_err *err);

/* What a transport does with one request. */
enum sim_action {
    SIM_ACT_REPLY,              /* send pdu (after delay_ms) */
    SIM_ACT_SILENT,             /* send nothing */
    SIM_ACT_GARBAGE,            /* send random bytes as long as the reply would be */
    SIM_ACT_BAD_CRC,            /* RTU: send the reply with a wrong CRC */
    SIM_ACT_DROP,               /* TCP: close the connection; RTU: silent */
};

struct sim_answer {
    enum sim_action action;
    long delay_ms;
    size_t len;
    uint8_t pdu[PDU_MAX_BYTES];
};

/* Decide the answer to req[0..len-1] from tables under the standing faults. */
void sim_faults_answer(struct sim_faults *f, modbus_mapping_t *tables, const uint8_t *req,
                       size_t len, int64_t now_ms, struct sim_answer *a);

/* Fill buf with n bytes of noise from *state (a counter, advanced). */
void sim_fault_noise(uint8_t *buf, size_t n, uint64_t *state);

#endif
