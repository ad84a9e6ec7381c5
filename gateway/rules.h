/*
 * rules.h - the alarm decisions for one point: pure functions of (rule, state, sample, now).
 *
 * A rule never reads a clock, a socket or a file. The core loop passes the sample
 * and the monotonic "now"; the rule updates its state and writes the events it
 * decided. That makes every rule deterministic and testable with an injected clock.
 *
 * Lifecycle (GB 16808): a level raises after its on-delay (and N-of-M confirmation),
 * escalates or de-escalates between levels, and clears with hysteresis and off-delay.
 * With `latch`, the cleared condition becomes RETURNED and the alarm stays until an
 * operator resets it. Silence acknowledges without clearing; a new or higher alarm
 * after silence sounds again. A fault quality raises FAULT and never clears an alarm
 * or counts as a reading. A stale rule reports STALE (a fault-class event) when a
 * good value has not moved past its band for its time, and STALE_CLEARED when it does.
 */
#ifndef RISKGW_RULES_H
#define RISKGW_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "json_field.h"
#include "sample.h"

#define RULE_MAX_LEVELS 4
#define RULE_MAX_EVENTS 4       /* most events one evaluation can produce */
#define RULE_CONFIRM_MAX 32     /* N-of-M window: confirm_bits holds the last M samples */

enum level_dir { LEVEL_HIGH, LEVEL_LOW };

struct level_cfg {
    char name[EVENT_LEVEL_NAME_MAX];   /* "level1", "level2", "H", "HH", "L", "LL" */
    enum level_dir dir;
    double setpoint;                   /* active when value >= (HIGH) or <= (LOW) it */
    int severity;                      /* 1 = least severe */
};

struct rule_cfg {
    int nlevels;                       /* 0: the point has no threshold rule */
    struct level_cfg levels[RULE_MAX_LEVELS];
    double hysteresis;                 /* a level clears only past setpoint -/+ this */
    int64_t on_delay_ms;               /* condition must hold this long before raising */
    int64_t off_delay_ms;              /* and be gone this long before clearing */
    int latch;                         /* 1: alarms wait for an operator reset */
    int confirm_n, confirm_m;          /* N of the last M samples must agree; 0 = off */
    int64_t stale_ms;                  /* STALE when the value stays within stale_band this long; 0 = off */
    double stale_band;
};

struct rule_state {
    int severity;                      /* the level in force (reported), 0 none */
    int latched_severity;              /* latching: highest level since last reset */
    int silenced;
    int faulted;
    int candidate;                     /* severity the samples now point at */
    int64_t candidate_since_ms;        /* monotonic time candidate first seen */
    uint32_t confirm_bits;             /* last M samples: bit set = in alarm */
    int confirm_count;
    double last_value;
    enum quality last_quality;
    int candidate_level;               /* index of the level the samples point at, -1 none */
    int level;                         /* index of the level in force, -1 none */
    int latched_level;                 /* index of the level latched_severity names */
    uint32_t active_levels;            /* bit i: levels[i] holds (hysteresis memory) */
    int stale;                         /* STALE reported, not yet cleared */
    int stale_armed;                   /* stale_ref and stale_since_ms hold a quiet period */
    double stale_ref;                  /* the value the quiet period started with */
    int64_t stale_since_ms;            /* monotonic start of the quiet period */
};

/* Parse a point's "alarm" object into cfg. path names it for errors. */
int rules_parse(const cJSON *alarm, const char *path, struct rule_cfg *cfg, struct cfg_err *err);

/* The same over a rule already read (a site's alarm over its profile's): the keys the
 * object states replace theirs ("levels" as a whole), the others are kept. */
int rules_parse_over(const cJSON *alarm, const char *path, struct rule_cfg *cfg, struct cfg_err *err);

/* 1 when the rule decides anything (levels or a stale check), 0 for an empty rule. */
int rules_enabled(const struct rule_cfg *cfg);

/* Normal, no fault, nothing latched. Required before first use: a zeroed state is
 * not a normal one (level indices use -1 for none). A state belongs to one rule_cfg:
 * after a reload that changes the rule, start the point's state afresh. */
void rules_state_init(struct rule_state *st);

/*
 * Evaluate one sample. now_ms is monotonic. Writes at most RULE_MAX_EVENTS events
 * (point, kind, severity, level, value, quality, ts_ms set; id and actor left 0/"")
 * and returns how many.
 */
int rules_eval(const struct rule_cfg *cfg, struct rule_state *st, const struct sample *s,
               int64_t now_ms, struct event *out);

/* Let delays expire without a new sample (called by the core's timer). Events get
 * point and wall_ms; a faulted point decides nothing until a good sample arrives. */
int rules_tick(const struct rule_cfg *cfg, struct rule_state *st, uint32_t point,
               int64_t now_ms, int64_t wall_ms, struct event *out);

/* Operator acts. Return the number of events (1: SILENCED / RESET, carrying actor);
 * -1 with *why (a static sentence) when refused, the state untouched. Reset is refused
 * while the condition holds, while the point is in fault, on a non-latching rule and
 * when nothing is latched. See docs/rules.md. */
int rules_silence(const struct rule_cfg *cfg, struct rule_state *st, uint32_t point,
                  int64_t wall_ms, const char *actor, struct event *out, const char **why);
int rules_reset(const struct rule_cfg *cfg, struct rule_state *st, uint32_t point,
                int64_t wall_ms, const char *actor, struct event *out, const char **why);

#endif
