/*
 * config_measures.c - the setpoint guard: what the standards demand of a gas point's alarm.
 *
 * GB/T 50493-2019 §5.5.2 gives two alarm levels for combustible and toxic gas, each at
 * or below a limit, and a low and a high alarm for oxygen; GBZ/T 223-2009 adds the
 * toxic pre-alarm at half the exposure limit, a further level. A site may tighten a
 * setpoint, never loosen it. The guard matches the standard's levels to the alarm's by
 * setpoint alone: the k-th lowest high setpoint must sit at or below the k-th limit,
 * the k-th highest low setpoint at or above it, so at every concentration where the
 * standard wants its k-th alarm at least k levels are active. Names, severities and
 * the order the levels are written in cannot walk around it; a missing level is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "measures.h"

#define GBT50493 "GB/T 50493-2019 §5.5.2"
#define GBT50493_TOXIC "GB/T 50493-2019 §5.5.2 (OEL per GBZ 2.1-2019)"
#define MS_PER_S 1000.0

const char *const measure_names[] = {"combustible_lel", "h2s", "co", "nh3", "cl2", "o2", NULL};

/* Toxic limits in ppm at 20 C: level 1 <= 100 %OEL, level 2 <= 200 %OEL. GBZ/T 223's
 * pre-alarm at 1/2 OEL, which the profiles ship, is a further level a site may drop. */
static const struct measure measures[MEASURE_COUNT] = {
    [MEASURE_COMBUSTIBLE_LEL] = {"combustible_lel", "%LEL", GBT50493, 2, 0, {25, 50}, {0}},
    [MEASURE_H2S] = {"h2s", "ppm", GBT50493_TOXIC, 2, 0, {7.05, 14.1}, {0}},
    [MEASURE_CO] = {"co", "ppm", GBT50493_TOXIC, 2, 0, {17.16, 34.33}, {0}},
    [MEASURE_NH3] = {"nh3", "ppm", GBT50493_TOXIC, 2, 0, {28.23, 56.46}, {0}},
    [MEASURE_CL2] = {"cl2", "ppm", GBT50493_TOXIC, 2, 0, {0.339, 0.678}, {0}},
    [MEASURE_O2] = {"o2", "%VOL", GBT50493, 1, 1, {23.5}, {19.5}},
};

const struct measure *measure_of(enum measure_kind kind)
{
    return kind > MEASURE_NONE && kind < MEASURE_COUNT ? &measures[kind] : NULL;
}

static const char *const ordinal[] = {"1st", "2nd", "3rd", "4th"};

/* The levels of one direction, mildest setpoint first. */
static int levels_of(const struct rule_cfg *r, enum level_dir dir, const struct level_cfg **out)
{
    int n = 0;
    for (int i = 0; i < r->nlevels; i++) {
        if (r->levels[i].dir != dir)
            continue;
        int k = n++;
        /* insertion: high levels ascending, low levels descending */
        while (k > 0 && (dir == LEVEL_HIGH ? out[k - 1]->setpoint > r->levels[i].setpoint
                                           : out[k - 1]->setpoint < r->levels[i].setpoint)) {
            out[k] = out[k - 1];
            k--;
        }
        out[k] = &r->levels[i];
    }
    return n;
}

static void limits_text(char *out, size_t cap, const double *lim, int n, const char *unit)
{
    size_t len = 0;
    out[0] = '\0';
    for (int k = 0; k < n && len < cap; k++)
        len += (size_t)snprintf(out + len, cap - len, "%s%g", k == 0 ? "" : k == n - 1 ? " and " : ", ",
                                lim[k]);
    if (len < cap)
        snprintf(out + len, cap - len, " %s", unit);
}

/* One direction: enough levels, and each within the limit it is matched to. */
static int check_direction(const struct point_cfg *pc, const struct measure *m, enum level_dir dir,
                           const char *apath, struct cfg_err *err)
{
    const struct level_cfg *lv[RULE_MAX_LEVELS];
    int high = dir == LEVEL_HIGH, need = high ? m->nabove : m->nbelow;
    const double *lim = high ? m->above : m->below;
    int n = levels_of(&pc->rule, dir, lv);
    char want[96];
    limits_text(want, sizeof want, lim, need, m->unit);
    if (n < need)
        return cfg_fail(err, apath, "point \"%s\" measures %s: %s requires %d %s alarm level%s, "
                        "at or %s %s; this alarm has %d", pc->id, m->name, m->standard, need,
                        high ? "high (\"above\")" : "low (\"below\")", need == 1 ? "" : "s",
                        high ? "below" : "above", want, n);
    for (int k = 0; k < need; k++)
        if (high ? lv[k]->setpoint > lim[k] : lv[k]->setpoint < lim[k])
            return cfg_fail(err, apath, "point \"%s\" measures %s: its %s %s level \"%s\" at %g %s "
                            "is %s the %s limit of %g %s for that level; a site may tighten a "
                            "setpoint, never loosen it past the standard", pc->id, m->name,
                            ordinal[k], high ? "high" : "low", lv[k]->name, lv[k]->setpoint, m->unit,
                            high ? "above" : "below", m->standard, lim[k], m->unit);
    return 0;
}

/* The time the gateway adds before a steady alarm is raised. */
static int check_delay(const struct point_cfg *pc, const struct measure *m, long interval_ms,
                       const char *apath, struct cfg_err *err)
{
    int n = pc->rule.confirm_n > 1 ? pc->rule.confirm_n : 1;
    int64_t confirm_ms = (int64_t)(n - 1) * interval_ms;
    int64_t wait_ms = pc->rule.on_delay_ms + confirm_ms;
    if (wait_ms <= MEASURE_MAX_ALARM_DELAY_MS)
        return 0;
    char p[CFG_PATH_MAX];
    jf_path_key(p, sizeof p, apath, confirm_ms ? "confirm" : "on_delay_s");
    return cfg_fail(err, p, "point \"%s\" measures %s: an alarm would wait %g s (on_delay_s %g + "
                    "(confirm.n %d - 1) x poll interval %g s); GB 16808 allows an alarm delay of "
                    "at most %g s", pc->id, m->name, (double)wait_ms / MS_PER_S,
                    (double)pc->rule.on_delay_ms / MS_PER_S, n, (double)interval_ms / MS_PER_S,
                    MEASURE_MAX_ALARM_DELAY_MS / MS_PER_S);
}

int measure_check(const struct point_cfg *pc, long interval_ms, const char *path,
                  struct cfg_err *err)
{
    const struct measure *m = measure_of(pc->measures);
    char p[CFG_PATH_MAX];
    if (!m)
        return 0;
    if (strcmp(pc->unit, m->unit) != 0) {
        jf_path_key(p, sizeof p, path, "unit");
        return cfg_fail(err, p, "point \"%s\" measures %s in %s, but its unit is \"%s\"; give "
                        "\"unit\": \"%s\" (and, for a 4-20 mA input, the transmitter's \"range\" in %s)",
                        pc->id, m->name, m->unit, pc->unit, m->unit, m->unit);
    }
    jf_path_key(p, sizeof p, path, "alarm");
    if (check_direction(pc, m, LEVEL_HIGH, p, err) < 0 || check_direction(pc, m, LEVEL_LOW, p, err) < 0)
        return -1;
    return check_delay(pc, m, interval_ms, p, err);
}
