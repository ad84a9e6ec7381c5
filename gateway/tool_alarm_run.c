/*
 * tool_alarm_run.c - the alarm test loop (see tool_alarm_run.h).
 *
 * One loop: act for every point whose next step is due, wait for the next event
 * message until the earliest step deadline, give the event to the point it names,
 * fail the steps whose time ran out. A step's time is the session's allowance plus
 * what the gateway itself must take: two poll intervals and a commit, the rule's
 * on-delay (and N-of-M confirmation) to raise, its off-delay to clear.
 */
#include "tool_alarm_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "command_client.h"
#include "store.h"
#include "tool_sim_link.h"

#define MS_PER_S 1000.0
#define POLLS_ALLOWED 2             /* a reading may just have missed a poll */
#define LINE_MAX_LEN 256

struct alarm_point {
    size_t p;                       /* config point index */
    struct alarm_plan plan;
    size_t step;
    int waiting;                    /* the step's action is done; its event is awaited */
    int done;
    int64_t deadline;               /* monotonic */
    struct tool_point_result *res;
};

/* A latched alarm the test set off on a point it does not test (a combined rule). */
struct side_effect {
    long p;
    int returned;
};

struct alarm_loop {
    const struct alarm_session *s;
    struct alarm_point *pts;
    size_t n;
    struct side_effect *side;       /* room for every point of the config */
    size_t nside;
};

/* ---- steps ---- */

static const struct plan_step *cur_step(const struct alarm_point *a)
{
    return &a->plan.steps[a->step];
}

static const char *level_name(const struct config *cfg, const struct alarm_point *a,
                              const struct plan_step *st)
{
    return config_point_def(cfg, a->p)->rule.levels[st->level].name;
}

static long step_wait_ms(const struct alarm_session *s, const struct alarm_point *a)
{
    const struct point_cfg *pc = config_point_def(s->cfg, a->p);
    const struct device_cfg *dc = config_device_of(s->cfg, a->p);
    const struct plan_step *st = cur_step(a);
    long w = s->wait_ms + POLLS_ALLOWED * dc->interval_ms + s->cfg->store.commit_interval_ms;
    if (st->action == PLAN_DRIVE)
        w += (long)pc->rule.on_delay_ms + (long)pc->rule.confirm_m * dc->interval_ms;
    else if (st->action == PLAN_RELEASE)
        w += (long)pc->rule.off_delay_ms;
    return w;
}

static void step_print(const struct alarm_loop *l, const struct alarm_point *a,
                       const struct tool_step_result *sr)
{
    const struct point_cfg *pc = config_point_def(l->s->cfg, a->p);
    char name[2 * ID_MAX + 2], when[TOOL_ADDR_MAX];
    snprintf(name, sizeof name, "%s/%s", config_device_of(l->s->cfg, a->p)->id, pc->id);
    if (!sr->pass) {
        printf("%-24s %-34s %-20s FAIL  %s\n", name, sr->step, sr->expect, sr->why);
    } else {
        tool_format_time(sr->event_ts_ms, 0, when, sizeof when);
        printf("%-24s %-34s %-20s PASS  event %lld seq %lld at %s, %.1f s after the step; stored\n",
               name, sr->step, sr->expect, (long long)sr->event_id, (long long)sr->seq, when,
               (double)(sr->received_ms - sr->acted_ms) / MS_PER_S);
    }
    fflush(stdout);
}

static void point_fail(const struct alarm_loop *l, struct alarm_point *a, const char *why)
{
    struct tool_step_result *sr = &a->res->steps[a->step];
    snprintf(sr->why, sizeof sr->why, "%s", why);
    sr->pass = 0;
    a->res->nsteps = a->step + 1;
    /* the point's why leaves room for the step it failed at (a why fills at most half) */
    snprintf(a->res->why, sizeof a->res->why, "%s: %.*s", sr->expect, TOOL_WHY_MAX / 2, why);
    a->done = 1;
    a->waiting = 0;
    a->res->tested_ms = clock_wall_ms();
    step_print(l, a, sr);
}

static void point_pass_step(const struct alarm_loop *l, struct alarm_point *a)
{
    struct tool_step_result *sr = &a->res->steps[a->step];
    sr->pass = 1;
    step_print(l, a, sr);
    a->waiting = 0;
    a->step++;
    a->res->nsteps = a->step;
    if (a->step == a->plan.nsteps) {
        a->done = 1;
        a->res->pass = 1;
        a->res->tested_ms = clock_wall_ms();
    }
}

/* Do the step's action: 0, or -1 with why. */
static int step_act(const struct alarm_session *s, const struct alarm_point *a, char *why, size_t cap)
{
    const struct point_cfg *pc = config_point_def(s->cfg, a->p);
    const char *dev = config_device_of(s->cfg, a->p)->id;
    const struct plan_step *st = cur_step(a);
    char line[LINE_MAX_LEN], what[TOOL_WHY_MAX];
    if (st->action == PLAN_RESET)
        return command_client_do(s->cfg, "reset", dev, pc->id, s->actor, why, cap);
    if (s->sim) {
        if (st->action == PLAN_DRIVE)
            snprintf(line, sizeof line, "%s set %s %.10g", dev, pc->id, st->value);
        else
            snprintf(line, sizeof line, "%s recover %s", dev, pc->id);
        return tool_sim_say(s->sim, line, why, cap);
    }
    tool_plan_describe(pc, st, what, sizeof what);
    printf("%s/%s: bring the reading %s%s; waiting up to %.0f s for %s %s\n", dev, pc->id, what,
           st->action == PLAN_DRIVE ? " and hold it there (test gas, or a loop calibrator)"
                                    : " (remove the test gas or the calibrator)",
           (double)step_wait_ms(s, a) / MS_PER_S, event_kind_name(st->expect), level_name(s->cfg, a, st));
    fflush(stdout);
    return 0;
}

static void point_start_step(const struct alarm_loop *l, struct alarm_point *a)
{
    const struct alarm_session *s = l->s;
    const struct plan_step *st = cur_step(a);
    struct tool_step_result *sr = &a->res->steps[a->step];
    char why[TOOL_WHY_MAX];
    memset(sr, 0, sizeof *sr);
    tool_plan_describe(config_point_def(s->cfg, a->p), st, sr->step, sizeof sr->step);
    snprintf(sr->expect, sizeof sr->expect, "%s %s", event_kind_name(st->expect), level_name(s->cfg, a, st));
    sr->acted_ms = clock_wall_ms();
    if (step_act(s, a, why, sizeof why) < 0) {
        point_fail(l, a, why);
        return;
    }
    a->waiting = 1;
    a->deadline = clock_mono_ms() + step_wait_ms(s, a);
}

/* ---- events ---- */

static int same_event(const struct stored_event *se, const struct tool_event *ev)
{
    return strcmp(se->kind, ev->kind) == 0 && strcmp(se->level, ev->level) == 0 &&
           strcmp(se->device, ev->device) == 0 && strcmp(se->point, ev->point) == 0;
}

/* The event proves the step: is it also in the store, as the same event? */
static void step_confirm(const struct alarm_loop *l, struct alarm_point *a, const struct tool_event *ev)
{
    const struct config *cfg = l->s->cfg;
    struct tool_step_result *sr = &a->res->steps[a->step];
    struct stored_event se;
    char err[TOOL_WHY_MAX];
    sr->event_id = ev->id;
    sr->seq = ev->seq;
    sr->event_ts_ms = ev->ts_ms;
    sr->received_ms = ev->received_ms;
    if (!ev->stored) {
        point_fail(l, a, "sent on MQTT but not stored: the gateway's store cannot write (see riskgw status)");
        return;
    }
    int rc = store_lookup_event(cfg->store.path, ev->id, &se, err, sizeof err);
    if (rc == 0)
        snprintf(err, sizeof err, "sent on MQTT as event %lld, but the store %s has no such event",
                 (long long)ev->id, cfg->store.path);
    else if (rc > 0 && !same_event(&se, ev))
        snprintf(err, sizeof err, "the store holds event %lld as %s %s of %s/%s, not as sent on MQTT",
                 (long long)ev->id, se.kind, se.level, se.device, se.point);
    else if (rc > 0)
        err[0] = '\0';
    if (err[0])
        point_fail(l, a, err);
    else
        point_pass_step(l, a);
}

/* An event that says the step went wrong: another alarm decision, or the reading going
 * bad. Acknowledgements, outputs and a reading coming back do not concern the step. */
static int contradicts(const struct plan_step *st, const char *kind)
{
    static const enum event_kind wrong[] = {EV_RAISED, EV_ESCALATED, EV_CLEARED, EV_RETURNED,
                                            EV_RESET, EV_FAULT, EV_STALE};
    if (strcmp(kind, event_kind_name(EV_DEESCALATED)) == 0)
        return st->action != PLAN_RELEASE;     /* a reading that falls slowly passes the levels */
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++)
        if (strcmp(kind, event_kind_name(wrong[i])) == 0)
            return 1;
    return 0;
}

static void note_side_effect(struct alarm_loop *l, long p, const struct tool_event *ev)
{
    const struct point_cfg *pc = config_point_def(l->s->cfg, p);
    for (size_t i = 0; i < l->nside; i++)
        if (l->side[i].p == p) {
            l->side[i].returned |= strcmp(ev->kind, "RETURNED") == 0;
            return;
        }
    if (!pc->rule.latch || strcmp(ev->kind, "RAISED") != 0)
        return;
    printf("%s/%s %s %s: set off by the test; it latches and will be reset at the end\n",
           ev->device, ev->point, ev->kind, ev->level);
    l->side[l->nside++] = (struct side_effect){p, 0};
}

static void on_event(struct alarm_loop *l, const struct tool_event *ev)
{
    long p = config_find_point(l->s->cfg, ev->device, ev->point);
    char why[TOOL_WHY_MAX];
    if (p < 0)
        return;
    for (size_t i = 0; i < l->n; i++) {
        struct alarm_point *a = &l->pts[i];
        if (a->p != (size_t)p)
            continue;
        if (!a->waiting)
            return;
        const struct plan_step *st = cur_step(a);
        if (strcmp(ev->kind, event_kind_name(st->expect)) == 0 &&
            strcmp(ev->level, level_name(l->s->cfg, a, st)) == 0) {
            step_confirm(l, a, ev);
        } else if (contradicts(st, ev->kind)) {
            snprintf(why, sizeof why, "got %s %s (event %lld) instead", ev->kind, ev->level, (long long)ev->id);
            point_fail(l, a, why);
        }
        return;
    }
    note_side_effect(l, p, ev);
}

/* ---- the loop ---- */

static int loop_busy(const struct alarm_loop *l, int64_t *earliest)
{
    int busy = 0;
    *earliest = INT64_MAX;
    for (size_t i = 0; i < l->n; i++) {
        const struct alarm_point *a = &l->pts[i];
        busy |= !a->done;
        if (a->waiting && a->deadline < *earliest)
            *earliest = a->deadline;
    }
    return busy;
}

static void loop_start_due(struct alarm_loop *l)
{
    for (size_t i = 0; i < l->n; i++) {
        struct alarm_point *a = &l->pts[i];
        if (a->done)
            continue;
        if (!a->waiting)
            point_start_step(l, a);
        if (!l->s->sim && !a->done)
            return;                 /* by hand: one point at a time */
    }
}

static void loop_expire(struct alarm_loop *l)
{
    char why[TOOL_WHY_MAX];
    int64_t now = clock_mono_ms();
    for (size_t i = 0; i < l->n; i++) {
        struct alarm_point *a = &l->pts[i];
        if (!a->waiting || now < a->deadline)
            continue;
        snprintf(why, sizeof why, "no such event within %.0f s", (double)step_wait_ms(l->s, a) / MS_PER_S);
        point_fail(l, a, why);
    }
}

/* Leave nothing latched: bring failed points back, then reset what latched. */
static void loop_clean_up(struct alarm_loop *l)
{
    const struct alarm_session *s = l->s;
    char why[TOOL_WHY_MAX], line[LINE_MAX_LEN];
    struct tool_event ev;
    long wait = s->wait_ms;
    for (size_t i = 0; i < l->n; i++) {
        struct alarm_point *a = &l->pts[i];
        const struct point_cfg *pc = config_point_def(s->cfg, a->p);
        if (a->res->pass)
            continue;
        if (s->sim) {
            snprintf(line, sizeof line, "%s recover %s", config_device_of(s->cfg, a->p)->id, pc->id);
            tool_sim_say(s->sim, line, why, sizeof why);
        }
        if (pc->rule.latch && l->nside < s->cfg->npoints)
            l->side[l->nside++] = (struct side_effect){(long)a->p, 0};
        wait = wait > step_wait_ms(s, a) ? wait : step_wait_ms(s, a);
    }
    int64_t deadline = clock_mono_ms() + wait;
    for (int pending = 1; pending;) {
        pending = 0;
        for (size_t i = 0; i < l->nside; i++)
            pending |= !l->side[i].returned;
        if (pending && !tool_watch_next(s->watch, deadline, &ev))
            break;
        long p = pending ? config_find_point(s->cfg, ev.device, ev.point) : -1;
        if (p >= 0)
            note_side_effect(l, p, &ev);
    }
    for (size_t i = 0; i < l->nside; i++) {
        const struct point_cfg *pc = config_point_def(s->cfg, l->side[i].p);
        if (command_client_do(s->cfg, "reset", config_device_of(s->cfg, l->side[i].p)->id, pc->id, s->actor,
                              why, sizeof why) == 0)
            printf("%s/%s: reset\n", config_device_of(s->cfg, l->side[i].p)->id, pc->id);
    }
}

size_t tool_alarm_run(const struct alarm_session *s, const size_t *points, size_t n,
                      struct tool_point_result *results)
{
    struct alarm_loop l = {.s = s, .n = n};
    struct tool_event ev;
    char why[TOOL_WHY_MAX];
    size_t passed = 0;
    int64_t earliest;
    l.pts = calloc(n ? n : 1, sizeof *l.pts);
    l.side = calloc(s->cfg->npoints ? s->cfg->npoints : 1, sizeof *l.side);
    if (!l.pts || !l.side) {
        fprintf(stderr, "riskgw test-alarm: out of memory for %zu points\n", n);
        free(l.pts);
        free(l.side);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        struct alarm_point *a = &l.pts[i];
        a->p = points[i];
        a->res = &results[i];
        if (tool_plan_build(config_point_def(s->cfg, a->p), &a->plan, why, sizeof why) < 0) {
            snprintf(a->res->why, sizeof a->res->why, "%s", why);
            a->done = 1;
        }
    }
    for (loop_start_due(&l); loop_busy(&l, &earliest); loop_start_due(&l)) {
        if (earliest != INT64_MAX && tool_watch_next(s->watch, earliest, &ev))
            on_event(&l, &ev);
        loop_expire(&l);
    }
    loop_clean_up(&l);
    for (size_t i = 0; i < n; i++)
        passed += results[i].pass != 0;
    free(l.pts);
    free(l.side);
    return passed;
}
