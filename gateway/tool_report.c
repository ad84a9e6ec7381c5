/*
 * tool_report.c - `riskgw report`: the commissioning report the technician signs and leaves on site.
 *
 * One self-contained HTML page (inline CSS, a print stylesheet, no scripts, no
 * external resources): the gateway and the time; every device with its address
 * and whether it answers; every point with its register, live value, quality,
 * alarm setpoints and the result of its alarm test (from the results file
 * `riskgw test-alarm` keeps); the combined rules; and a signature block. Every
 * piece of text goes through tool_html.c, so no name in a config can become markup.
 * Its words are zh-CN by default, English with --lang en (tool_report_words.h).
 * Exit status 1 when the report lists open items (it is written all the same).
 */
#include "tool.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "tool_html.h"
#include "tool_report_live.h"
#include "tool_report_style.h"
#include "tool_report_words.h"
#include "tool_results.h"

#define REPORT_DEFAULT_PREFIX "riskgw-report-"
#define MS_PER_S 1000.0
#define TEXT_SMALL 64
#define SENTENCE_MAX 512

struct report_opts {
    const char *config, *profile_dir, *results, *output, *technician, *site, *lang;
};

struct report_counts {
    size_t devices, answering, points, good, alarms, passed, open;
};

struct report {
    const struct config *cfg;
    const struct report_live *live;
    const struct tool_results *results;
    const struct report_words *w;
    struct report_counts n;
    FILE *f;
};

static void report_usage(FILE *out, const struct tool_env *env)
{
    fprintf(out,
            "usage: riskgw report [-c FILE] [-o FILE.html] [options]\n"
            "Write the commissioning report: one printable HTML page listing every device and point\n"
            "with its address, live value, quality, alarm setpoints and alarm test result.\n\n"
            "  -c, --config FILE      site config (default %s)\n"
            "  -p, --profile-dir DIR  device profiles, unless the config names \"profile_dir\"\n"
            "  -o, --output FILE      where to write it (default %sGATEWAY.html; - for stdout)\n"
            "  -r, --results FILE     alarm test results (default {store.path}.test-alarm.json)\n"
            "  -t, --technician NAME  printed in the signature block\n"
            "  -s, --site TEXT        the site's name and place, printed in the header\n"
            "  -l, --lang LANG        zh-CN (default: headings with English beside them) or en\n"
            "Live values come from the running gateway, or from the bus when it is not running.\n"
            "Exit status: 0 written with no open items, 1 written with open items (or not written), 2 usage.\n",
            env->config_default, REPORT_DEFAULT_PREFIX);
}

/* ---- cells ---- */

static void report_setpoints(const struct report *rp, const struct point_cfg *pc)
{
    const struct rule_cfg *r = &pc->rule;
    FILE *f = rp->f;
    char v[TEXT_SMALL];
    if (r->nlevels == 0) {
        html_elem(f, "span", "small", "%s", report_word(rp->w, "no_alarm"));
        return;
    }
    for (int i = 0; i < r->nlevels; i++) {
        tool_format_value(r->levels[i].setpoint, v, sizeof v);
        html_printf(f, "%s%s %s %s %s", i ? ", " : "", r->levels[i].name,
                    r->levels[i].dir == LEVEL_HIGH ? "\xe2\x89\xa5" : "\xe2\x89\xa4", v, pc->unit);
    }
    tool_format_value(r->hysteresis, v, sizeof v);
    fputs("<div class=\"small\">", f);
    html_printf(f, "%s %s", report_word(rp->w, "hysteresis"), v);
    if (r->on_delay_ms)
        html_printf(f, "; %s %g s", report_word(rp->w, "on_delay"), (double)r->on_delay_ms / MS_PER_S);
    if (r->off_delay_ms)
        html_printf(f, "; %s %g s", report_word(rp->w, "off_delay"), (double)r->off_delay_ms / MS_PER_S);
    if (r->latch)
        html_printf(f, "; %s", report_word(rp->w, "latching"));
    if (measure_of(pc->measures))
        html_printf(f, "; %s %s", report_word(rp->w, "within"), measure_of(pc->measures)->standard);
    fputs("</div>", f);
}

static void report_test(struct report *rp, const struct point_cfg *pc, const char *device)
{
    FILE *f = rp->f;
    const struct tool_point_result *t = tool_results_find(rp->results, device, pc->id);
    char when[TOOL_ADDR_MAX];
    if (pc->rule.nlevels == 0) {
        fputs("<span class=\"small\">-</span>", f);
        return;
    }
    rp->n.alarms++;
    if (!t) {
        html_elem(f, "span", "warn", "%s", report_word(rp->w, "not_tested"));
        rp->n.open++;
        return;
    }
    rp->n.passed += t->pass != 0;
    rp->n.open += !t->pass;
    html_elem(f, "span", t->pass ? "pass" : "fail", "%s", report_word(rp->w, t->pass ? "pass" : "fail"));
    if (!t->pass)
        html_printf(f, " %s", t->why);
    fputs("<div class=\"small\">", f);
    for (size_t i = 0; i < t->nsteps; i++)
        if (t->steps[i].pass)
            html_printf(f, "%s%s #%lld", i ? "; " : "", t->steps[i].expect, (long long)t->steps[i].event_id);
    if (t->nsteps)
        fputs("<br>", f);
    tool_format_time(t->tested_ms, 1, when, sizeof when);
    const char *by[] = {t->mode, t->actor, when};
    char line[SENTENCE_MAX];
    report_fill(rp->w, "tested_by", by, 3, line, sizeof line);
    html_text(f, line);
    fputs("</div>", f);
}

static void report_point(struct report *rp, size_t p)
{
    const struct point_cfg *pc = config_point_def(rp->cfg, p);
    const struct report_reading *r = &rp->live->points[p];
    const char *device = config_device_of(rp->cfg, p)->id;
    FILE *f = rp->f;
    char addr[TOOL_ADDR_MAX], v[TEXT_SMALL], when[TOOL_ADDR_MAX], qkey[TEXT_SMALL];
    int good = r->have && (strcmp(r->quality, "good") == 0 || strcmp(r->quality, "uncertain") == 0);
    rp->n.points++;
    rp->n.good += good;
    rp->n.open += !good;
    tool_point_address(&pc->map, addr, sizeof addr);
    tool_format_value(r->value, v, sizeof v);
    fputs("<tr><td>", f);
    html_elem(f, "b", NULL, "%s", pc->id);
    html_elem(f, "div", "small", "%s", pc->name);
    fputs("</td>", f);
    html_elem(f, "td", NULL, "%s", addr);
    fputs("<td class=\"num\">", f);
    html_printf(f, "%s%s%s", isnan(r->value) ? "-" : v, isnan(r->value) || !pc->unit[0] ? "" : " ",
                isnan(r->value) ? "" : pc->unit);
    if (r->ts_ms) {
        tool_format_time(r->ts_ms, 0, when, sizeof when);
        html_elem(f, "div", "small", "%s", when);
    }
    fputs("</td>", f);
    fputs("<td>", f);
    snprintf(qkey, sizeof qkey, "q.%s", r->quality);
    html_elem(f, "span", good ? NULL : "fail", "%s", report_word(rp->w, qkey));
    if (r->note[0])
        html_elem(f, "div", good ? "note warn" : "note fail", "%s", r->note);
    fputs("</td><td>", f);
    report_setpoints(rp, pc);
    fputs("</td><td>", f);
    report_test(rp, pc, device);
    fputs("</td></tr>\n", f);
}

/* ---- sections ---- */

static void report_device(struct report *rp, size_t d)
{
    const struct device_cfg *dc = &rp->cfg->devices[d];
    const struct report_device *rd = &rp->live->devices[d];
    FILE *f = rp->f;
    char addr[TOOL_ADDR_MAX], every[TEXT_SMALL], period[TEXT_SMALL];
    tool_device_address(rp->cfg, dc, addr, sizeof addr);
    snprintf(period, sizeof period, "%g", (double)dc->interval_ms / MS_PER_S);
    const char *args[] = {period};
    report_fill(rp->w, "every_s", args, 1, every, sizeof every);
    rp->n.devices++;
    rp->n.answering += rd->answering != 0;
    rp->n.open += !rd->answering;
    fputs("<section class=\"device\"><h2>", f);
    html_text(f, dc->id);
    html_elem(f, "span", "kind", "%s", dc->profile);
    fputs("</h2><p>", f);
    html_printf(f, "%s, %s: ", addr, every);
    if (rd->answering)
        html_elem(f, "span", "pass", "%s", report_word(rp->w, "answers"));
    else
        html_elem(f, "span", "fail", "%s: %s", report_word(rp->w, "no_answer"), rd->why);
    fputs("</p>\n<table class=\"points\"><thead><tr>", f);
    static const char *const heads[] = {"th.point", "th.register", "th.live", "th.quality", "th.setpoints", "th.test"};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        html_elem(f, "th", NULL, "%s", report_word(rp->w, heads[i]));
    fputs("</tr></thead><tbody>\n", f);
    for (size_t i = 0; i < dc->npoints; i++)
        report_point(rp, dc->first_point + i);
    fputs("</tbody></table></section>\n", f);
}

static void report_rules(struct report *rp)
{
    const struct config *cfg = rp->cfg;
    FILE *f = rp->f;
    if (!cfg->ncrules)
        return;
    fputs("<section class=\"device\"><h2>", f);
    html_text(f, report_word(rp->w, "rules"));
    html_elem(f, "span", "kind", "%s", report_word(rp->w, "rules.note"));
    fputs("</h2>\n<table><thead><tr>", f);
    static const char *const heads[] = {"th.rule", "th.name", "th.level", "th.now"};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        html_elem(f, "th", NULL, "%s", report_word(rp->w, heads[i]));
    fputs("</tr></thead><tbody>\n", f);
    for (size_t i = 0; i < cfg->ncrules; i++) {
        const struct expr_rule *r = &cfg->crules[i];
        const struct report_reading *live = &rp->live->points[cfg->rules_first_point + i];
        fputs("<tr>", f);
        html_elem(f, "td", NULL, "%s", r->id);
        html_elem(f, "td", NULL, "%s", r->name);
        html_elem(f, "td", NULL, "%s, %s %d%s%s", r->rule.levels[0].name, report_word(rp->w, "severity"),
                  r->rule.levels[0].severity, r->rule.latch ? ", " : "",
                  r->rule.latch ? report_word(rp->w, "latching") : "");
        html_elem(f, "td", NULL, "%s", report_word(rp->w, !live->have || isnan(live->value) ? "rule.unknown"
                                                          : live->value >= 1 ? "rule.in_alarm" : "rule.normal"));
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></section>\n", f);
}

static void report_header(struct report *rp, const struct report_opts *o)
{
    const struct config *cfg = rp->cfg;
    FILE *f = rp->f;
    char now[TOOL_ADDR_MAX], read_at[TOOL_ADDR_MAX];
    tool_format_time(clock_wall_ms(), 1, now, sizeof now);
    tool_format_time(rp->live->ts_ms, 1, read_at, sizeof read_at);
    const struct report_words *w = rp->w;
    fputs("<header><h1>", f);
    html_text(f, report_word(w, "title"));
    fputs("</h1>\n", f);
    if (o->site)
        html_elem(f, "p", NULL, "%s", o->site);
    fputs("<table class=\"facts\"><tr>", f);
    html_elem(f, "th", NULL, "%s", report_word(w, "enterprise"));
    html_elem(f, "td", NULL, "%s", cfg->enterprise_id);
    html_elem(f, "th", NULL, "%s", report_word(w, "gateway"));
    html_elem(f, "td", NULL, "%s", cfg->gateway_id);
    fputs("</tr><tr>", f);
    html_elem(f, "th", NULL, "%s", report_word(w, "report_time"));
    html_elem(f, "td", NULL, "%s", now);
    html_elem(f, "th", NULL, "%s", report_word(w, "live_values"));
    html_elem(f, "td", NULL, "%s, %s", report_word(w, rp->live->from_gateway ? "live.gateway" : "live.bus"), read_at);
    fputs("</tr><tr>", f);
    html_elem(f, "th", NULL, "%s", report_word(w, "site_config"));
    html_elem(f, "td", NULL, "%s (%s %016llx)", cfg->source, report_word(w, "fingerprint"),
              (unsigned long long)cfg->hash);
    html_elem(f, "th", NULL, "%s", report_word(w, "software"));
    html_elem(f, "td", NULL, "riskgw %s", RISKGW_VERSION);
    fputs("</tr></table></header>\n", f);
}

static void report_summary(struct report *rp)
{
    const struct report_counts *n = &rp->n;
    FILE *f = rp->f;
    char num[6][24], line[SENTENCE_MAX];
    const size_t counts[6] = {n->answering, n->devices, n->good, n->points, n->passed, n->alarms};
    const char *args[6];
    for (int i = 0; i < 6; i++) {
        snprintf(num[i], sizeof num[i], "%zu", counts[i]);
        args[i] = num[i];
    }
    fputs("<section><h2>", f);
    html_text(f, report_word(rp->w, "summary"));
    fputs("</h2>", f);
    if (n->open)
        html_elem(f, "div", "verdict fail", "%s: %zu", report_word(rp->w, "open_items"), n->open);
    else
        html_elem(f, "div", "verdict pass", "%s", report_word(rp->w, "all_passed"));
    report_fill(rp->w, "summary.text", args, 6, line, sizeof line);
    html_elem(f, "p", NULL, "%s", line);
    fputs("</section>\n", f);
}

static void report_signatures(const struct report_words *w, FILE *f, const struct report_opts *o)
{
    static const char *const who[] = {"sig.technician", "sig.site"};
    fputs("<section class=\"signatures\">", f);
    for (size_t i = 0; i < sizeof who / sizeof who[0]; i++) {
        fputs("<div class=\"sig\">", f);
        html_elem(f, "h3", NULL, "%s", report_word(w, who[i]));
        html_elem(f, "div", "line", "%s", i == 0 && o->technician ? o->technician : "");
        html_elem(f, "div", "label", "%s", report_word(w, "sig.name"));
        fputs("<div class=\"line\"></div>", f);
        html_elem(f, "div", "label", "%s", report_word(w, "sig.signature"));
        fputs("<div class=\"line\"></div>", f);
        html_elem(f, "div", "label", "%s", report_word(w, "sig.date"));
        fputs("</div>", f);
    }
    fputs("</section>\n", f);
}

/* The page: the device sections are written first into memory, because the summary
 * above them counts what they found. 0, or -1 when out of memory. */
static int report_write(struct report *rp, const struct report_opts *o, const char *results_path)
{
    FILE *out = rp->f;
    char *body = NULL;
    size_t body_len = 0;
    rp->f = open_memstream(&body, &body_len);
    if (!rp->f) {
        fprintf(stderr, "riskgw report: out of memory for the page\n");
        return -1;
    }
    for (size_t d = 0; d < rp->cfg->ndevices; d++)
        if (rp->live->devices[d].polled)
            report_device(rp, d);
    report_rules(rp);
    fclose(rp->f);
    rp->f = out;
    fputs("<!DOCTYPE html>\n<html lang=\"", out);
    html_text(out, report_word(rp->w, "lang"));
    fputs("\"><head><meta charset=\"utf-8\">\n<title>", out);
    html_printf(out, "%s - %s/%s", report_word(rp->w, "title"), rp->cfg->enterprise_id, rp->cfg->gateway_id);
    fprintf(out, "</title>\n<style>\n%s</style></head>\n<body>\n", report_style);
    report_header(rp, o);
    report_summary(rp);
    fwrite(body, 1, body_len, out);
    free(body);
    report_signatures(rp->w, out, o);
    fputs("<footer>", out);
    const char *sources[] = {results_path, rp->cfg->source};
    char line[SENTENCE_MAX + 2 * PATH_MAX_LEN];
    report_fill(rp->w, "footer", sources, 2, line, sizeof line);
    html_text(out, line);
    fputs("</footer>\n</body></html>\n", out);
    return 0;
}

/* ---- command ---- */

static int report_options(int argc, char **argv, struct report_opts *o, const struct tool_env *env)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"profile-dir", required_argument, NULL, 'p'},
        {"output", required_argument, NULL, 'o'}, {"results", required_argument, NULL, 'r'},
        {"technician", required_argument, NULL, 't'}, {"site", required_argument, NULL, 's'},
        {"lang", required_argument, NULL, 'l'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt;
    memset(o, 0, sizeof *o);
    o->lang = REPORT_LANG_DEFAULT;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:p:o:r:t:s:l:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': o->config = optarg; break;
        case 'p': o->profile_dir = optarg; break;
        case 'o': o->output = optarg; break;
        case 'r': o->results = optarg; break;
        case 't': o->technician = optarg; break;
        case 's': o->site = optarg; break;
        case 'l': o->lang = optarg; break;
        case 'h': report_usage(stdout, env); exit(TOOL_OK);
        default: report_usage(stderr, env); return TOOL_USAGE;
        }
    }
    if (optind != argc) {
        report_usage(stderr, env);
        return TOOL_USAGE;
    }
    return TOOL_OK;
}

/* Write the page to out ("-": stdout) through a temporary file. 0, or -1 (said). */
static int report_emit(struct report *rp, const struct report_opts *o, const char *out,
                       const char *results_path)
{
    char tmp[PATH_MAX_LEN + 16];
    int to_stdout = strcmp(out, "-") == 0;
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    rp->f = to_stdout ? stdout : fopen(tmp, "w");
    if (!rp->f) {
        perror(tmp);
        return -1;
    }
    int bad = report_write(rp, o, results_path) < 0 || ferror(rp->f);
    if (to_stdout)
        return fflush(stdout) == 0 && !bad ? 0 : -1;
    if (fclose(rp->f) != 0 || bad || rename(tmp, out) < 0) {
        fprintf(stderr, "riskgw report: cannot write %s; choose another file with -o\n", out);
        unlink(tmp);
        return -1;
    }
    return 0;
}

int tool_report_main(int argc, char **argv, const struct tool_env *env)
{
    struct report_opts o;
    struct tool_results results = {0};
    struct report_live live;
    char results_path[PATH_MAX_LEN + 32], out[PATH_MAX_LEN], err[TOOL_WHY_MAX + PATH_MAX_LEN];
    int rc = report_options(argc, argv, &o, env);
    if (rc != TOOL_OK)
        return rc;
    struct report_words *words = report_words_load(o.lang, err, sizeof err);
    if (!words) {
        fprintf(stderr, "riskgw report: --lang: %s\n", err);
        return TOOL_USAGE;
    }
    struct config *cfg = tool_config_load("report", o.config, o.profile_dir, env);
    if (!cfg) {
        report_words_free(words);
        return TOOL_FAILED;
    }
    if (o.results)
        snprintf(results_path, sizeof results_path, "%s", o.results);
    else
        tool_results_path(cfg, results_path, sizeof results_path);
    snprintf(out, sizeof out, "%s", o.output ? o.output : "");
    if (!o.output)
        snprintf(out, sizeof out, "%s%s.html", REPORT_DEFAULT_PREFIX, cfg->gateway_id);
    rc = TOOL_FAILED;
    if (tool_results_load(results_path, cfg, &results, err, sizeof err) < 0)
        fprintf(stderr, "riskgw report: %s\n", err);
    else if (report_live_gather(cfg, &live) == 0) {
        struct report rp = {.cfg = cfg, .live = &live, .results = &results, .w = words};
        if (report_emit(&rp, &o, out, results_path) == 0) {
            if (strcmp(out, "-") != 0)
                printf("riskgw report: wrote %s: %s\n", out, rp.n.open ? "open items remain" : "all checks passed");
            rc = rp.n.open ? TOOL_FAILED : TOOL_OK;
        }
        report_live_free(&live);
    }
    tool_results_free(&results);
    config_free(cfg);
    report_words_free(words);
    return rc;
}
