/*
 * test_tool_output.c - what the technician tools write: escaped HTML and the results file.
 *
 * Every character that could open markup or leave an attribute is escaped, text
 * is otherwise kept byte for byte (UTF-8 units included). The results file
 * round-trips through a real file in a mkdtemp directory, a later result of the
 * same point replaces the earlier one, a missing file reads as no results, and a
 * file of another gateway or of broken JSON is refused with a sentence.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "tool_html.h"
#include "tool_results.h"

static char dir[64];

/* What fn writes to a stream, as a string (the caller frees). */
static char *html_of(const char *text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    html_text(f, text);
    html_elem(f, "td", "fail", "%s=%d", "<b>", 5);
    fclose(f);
    return buf;
}

static void test_escaping(void)
{
    char *s = html_of("Tank <A> & \"west\" 'x' \xc2\xb0" "C");
    CHECK_STR(s, "Tank &lt;A&gt; &amp; &quot;west&quot; &#39;x&#39; \xc2\xb0" "C<td class=\"fail\">&lt;b&gt;=5</td>");
    free(s);
    s = html_of("");
    CHECK_STR(s, "<td class=\"fail\">&lt;b&gt;=5</td>");
    free(s);
}

static struct tool_point_result point(const char *device, const char *pt, int pass, int64_t id)
{
    struct tool_point_result p;
    memset(&p, 0, sizeof p);
    snprintf(p.device, sizeof p.device, "%s", device);
    snprintf(p.point, sizeof p.point, "%s", pt);
    snprintf(p.mode, sizeof p.mode, "simulator");
    snprintf(p.actor, sizeof p.actor, "li.wei");
    p.pass = pass;
    p.tested_ms = 1795420812345LL;
    p.nsteps = 1;
    snprintf(p.steps[0].expect, sizeof p.steps[0].expect, "RAISED level1");
    snprintf(p.steps[0].step, sizeof p.steps[0].step, "to 37.5 %%LEL (level1 >= 25)");
    p.steps[0].pass = pass;
    p.steps[0].event_id = id;
    p.steps[0].seq = id + 1;
    p.steps[0].event_ts_ms = 1795420810100LL;
    if (!pass)
        snprintf(p.why, sizeof p.why, "RAISED level1: no such event within 12 s");
    return p;
}

static void test_results_file(void)
{
    struct config cfg;
    struct tool_results r, back;
    char path[128], err[TOOL_WHY_MAX + PATH_MAX_LEN];
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.enterprise_id, sizeof cfg.enterprise_id, "ent");
    snprintf(cfg.gateway_id, sizeof cfg.gateway_id, "gw-1");
    snprintf(cfg.store.path, sizeof cfg.store.path, "%s/riskgw.db", dir);
    tool_results_path(&cfg, path, sizeof path);
    CHECK_CONTAINS(path, "/riskgw.db.test-alarm.json");

    CHECK_INT(tool_results_load(path, &cfg, &r, err, sizeof err), 0);        /* no file yet */
    CHECK_INT(r.n, 0);
    struct tool_point_result a = point("gas1", "lel", 0, 7), b = point("h2s1", "h2s", 1, 9);
    CHECK_INT(tool_results_put(&r, &a), 0);
    CHECK_INT(tool_results_put(&r, &b), 0);
    a = point("gas1", "lel", 1, 12);                                          /* tested again */
    CHECK_INT(tool_results_put(&r, &a), 0);
    CHECK_INT(r.n, 2);
    CHECK_INT(tool_results_save(path, &r, err, sizeof err), 0);
    tool_results_free(&r);

    CHECK_INT(tool_results_load(path, &cfg, &back, err, sizeof err), 0);
    CHECK_INT(back.n, 2);
    const struct tool_point_result *got = tool_results_find(&back, "gas1", "lel");
    CHECK(got != NULL);
    if (got) {
        CHECK_INT(got->pass, 1);
        CHECK_INT(got->nsteps, 1);
        CHECK_INT(got->steps[0].event_id, 12);
        CHECK_INT(got->steps[0].seq, 13);
        CHECK_INT(got->steps[0].event_ts_ms, 1795420810100LL);
        CHECK_INT(got->tested_ms, 1795420812345LL);
        CHECK_STR(got->steps[0].step, "to 37.5 %LEL (level1 >= 25)");
        CHECK_STR(got->actor, "li.wei");
    }
    CHECK(tool_results_find(&back, "gas1", "status") == NULL);
    tool_results_free(&back);

    snprintf(cfg.gateway_id, sizeof cfg.gateway_id, "gw-2");                  /* another gateway's file */
    CHECK_INT(tool_results_load(path, &cfg, &back, err, sizeof err), -1);
    CHECK_CONTAINS(err, "gateway \"gw-1\"'s, not \"gw-2\"'s");
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("{\"gateway\": ", f);                                           /* cut short */
        fclose(f);
    }
    CHECK_INT(tool_results_load(path, &cfg, &back, err, sizeof err), -1);
    CHECK_CONTAINS(err, "cannot read the test results");
    snprintf(path, sizeof path, "%s/no-such-dir/results.json", dir);
    CHECK_INT(tool_results_save(path, &back, err, sizeof err), -1);
    CHECK_CONTAINS(err, "cannot write the test results");
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/riskgw-tools.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_escaping();
    test_results_file();
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
    return check_summary();
}
