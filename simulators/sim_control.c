/*
 * sim_control.c - parse and run control lines, for one device or for a whole site.
 *
 * The grammar is tiny on purpose: a verb and its words, separated by blanks,
 * with the device id in front when a site has several devices. Empty lines and
 * lines starting with '#' are ignored, so a test can feed a commented script.
 * Lines longer than SIM_LINE_MAX are refused whole rather than cut, because half
 * a "set" line could set the wrong value.
 */
#include "sim_control.h"

#include <string.h>

#include "sim_site.h"
#include "sim_text.h"

#define MAX_WORDS 8                 /* the longest line ("inject gap holding 18 34"), plus room */
#define SHOW_IDS_MAX 8              /* device ids listed in a refusal */

static const char help_text[] =
    "[DEVICE] set POINT VALUE   hold POINT at VALUE (engineering units) until 'recover POINT'\n"
    "[DEVICE] fault POINT       serve POINT's sensor-fault signal (2 mA loop current, or out of range)\n"
    "[DEVICE] recover POINT     hand POINT back to its scenario\n"
    "[DEVICE] inject FAULT      noreply | late MS | exception CODE | crc | garbage |\n"
    "                           disconnect [S] | reset [S] | gap AREA START [COUNT]\n"
    "[DEVICE] clear             end every injected fault and gap\n"
    "[DEVICE] show              print points and faults (every device without DEVICE)\n"
    "quit                       stop the simulator\n"
    "DEVICE is the device id; it may be left out when there is one device.\n";

typedef enum sim_ctl_result verb_fn(struct sim_device *dev, char **words, int n, FILE *out,
                                    struct cfg_err *err);

static enum sim_ctl_result result_of(int rc) { return rc < 0 ? SIM_CTL_ERROR : SIM_CTL_OK; }

static enum sim_ctl_result do_set(struct sim_device *dev, char **words, int n, FILE *out,
                                  struct cfg_err *err)
{
    double value;
    (void)n, (void)out;
    if (sim_text_double(words[2], &value) < 0)
        return cfg_fail(err, NULL, "set %.64s: \"%.32s\" is not a number", words[1], words[2]);
    return result_of(sim_device_set(dev, words[1], value, err));
}

static enum sim_ctl_result do_fault(struct sim_device *dev, char **words, int n, FILE *out,
                                    struct cfg_err *err)
{
    (void)n, (void)out;
    return result_of(sim_device_fault(dev, words[1], err));
}

static enum sim_ctl_result do_recover(struct sim_device *dev, char **words, int n, FILE *out,
                                      struct cfg_err *err)
{
    (void)n, (void)out;
    return result_of(sim_device_recover(dev, words[1], err));
}

/* inject FAULT... and clear: both a struct sim_inject for the device. */
static enum sim_ctl_result do_inject(struct sim_device *dev, char **words, int n, FILE *out,
                                     struct cfg_err *err)
{
    struct sim_inject inj;
    (void)out;
    int is_clear = strcmp(words[0], "clear") == 0;
    if (sim_inject_parse_words(words + !is_clear, n - !is_clear, &inj, err) < 0)
        return SIM_CTL_ERROR;
    return result_of(sim_device_inject(dev, &inj, err));
}

static enum sim_ctl_result do_show(struct sim_device *dev, char **words, int n, FILE *out,
                                   struct cfg_err *err)
{
    (void)words, (void)n, (void)err;
    sim_device_show(dev, out);
    return SIM_CTL_OK;
}

static enum sim_ctl_result do_help(struct sim_device *dev, char **words, int n, FILE *out,
                                   struct cfg_err *err)
{
    (void)dev, (void)words, (void)n, (void)err;
    fputs(help_text, out);
    return SIM_CTL_OK;
}

static enum sim_ctl_result do_quit(struct sim_device *dev, char **words, int n, FILE *out,
                                   struct cfg_err *err)
{
    (void)dev, (void)words, (void)n, (void)out, (void)err;
    return SIM_CTL_QUIT;
}

struct verb {
    const char *name;
    int min_words, max_words;       /* including the verb */
    const char *usage;
    verb_fn *run;
};

static const struct verb verbs[] = {
    {"set", 3, 3, "set POINT VALUE", do_set},
    {"fault", 2, 2, "fault POINT", do_fault},
    {"recover", 2, 2, "recover POINT", do_recover},
    {"inject", 2, MAX_WORDS - 1, "inject FAULT (see 'help')", do_inject},
    {"clear", 1, 1, "clear", do_inject},
    {"show", 1, 1, "show", do_show},
    {"help", 1, 1, "help", do_help},
    {"quit", 1, 1, "quit", do_quit},
};
#define VERB_COUNT (sizeof verbs / sizeof verbs[0])

static const struct verb *find_verb(const char *word)
{
    for (size_t v = 0; v < VERB_COUNT; v++)
        if (strcmp(verbs[v].name, word) == 0)
            return &verbs[v];
    return NULL;
}

int sim_control_is_verb(const char *word) { return find_verb(word) != NULL; }

/* Copy line and split it; 0 words for a blank line or a comment. -1 when too long. */
static int words_of(const char *line, char *copy, char **words, struct cfg_err *err)
{
    if (strlen(line) >= SIM_LINE_MAX) {
        cfg_fail(err, NULL, "a control line has at most %d characters", SIM_LINE_MAX - 1);
        return -1;              /* plain -1, so the analyzer sees words[] is never read */
    }
    strcpy(copy, line);
    int n = sim_text_split(copy, words, MAX_WORDS);
    return n > 0 && words[0][0] == '#' ? 0 : n;
}

enum sim_ctl_result sim_control_exec(struct sim_device *dev, const char *line, FILE *out,
                                     struct cfg_err *err)
{
    char copy[SIM_LINE_MAX], *words[MAX_WORDS];
    int n = words_of(line, copy, words, err);
    if (n <= 0)
        return n < 0 ? SIM_CTL_ERROR : SIM_CTL_OK;
    const struct verb *v = find_verb(words[0]);
    if (!v)
        return cfg_fail(err, NULL, "unknown command \"%.32s\"; the commands are set POINT VALUE, "
                        "fault POINT, recover POINT, inject FAULT, clear, show, help and quit", words[0]);
    if (n < v->min_words || n > v->max_words)
        return cfg_fail(err, NULL, "\"%s\" takes %d word(s) after it; usage: %s", v->name,
                        v->min_words - 1, v->usage);
    return v->run(dev, words, n, out, err);
}

enum sim_ctl_result sim_control_device_line(void *dev, const char *line, FILE *out, struct cfg_err *err)
{
    return sim_control_exec(dev, line, out, err);
}

/* "name the device: ... (its devices: a, b, c and 97 more)". */
static enum sim_ctl_result fail_which_device(const struct sim_site *s, const char *first,
                                             struct cfg_err *err)
{
    char ids[CFG_ERR_MAX / 2] = "";
    size_t used = 0;
    for (size_t i = 0; i < s->ndevs && i < SHOW_IDS_MAX && used < sizeof ids; i++)
        used += (size_t)snprintf(ids + used, sizeof ids - used, "%s%s", i ? ", " : "", s->devs[i].id);
    if (s->ndevs > SHOW_IDS_MAX && used < sizeof ids)
        snprintf(ids + used, sizeof ids - used, " and %zu more", s->ndevs - SHOW_IDS_MAX);
    return cfg_fail(err, NULL, "\"%.32s\" is neither a device nor a command for every device; start "
                    "the line with the device id (the devices: %s)", first, ids);
}

enum sim_ctl_result sim_control_site_line(void *site, const char *line, FILE *out, struct cfg_err *err)
{
    struct sim_site *s = site;
    char copy[SIM_LINE_MAX], *words[MAX_WORDS];
    int n = words_of(line, copy, words, err);
    if (n <= 0)
        return n < 0 ? SIM_CTL_ERROR : SIM_CTL_OK;
    struct sim_site_dev *d = sim_site_find(s, words[0]);
    if (d) {
        const char *rest = strstr(line, words[0]) + strlen(words[0]);
        if (n == 1)
            return cfg_fail(err, NULL, "%s: what should it do? e.g. \"%s show\" (see 'help')", d->id, d->id);
        return sim_control_exec(d->dev, rest, out, err);
    }
    if (s->ndevs == 1)
        return sim_control_exec(s->devs[0].dev, line, out, err);
    if (n == 1 && strcmp(words[0], "show") == 0) {
        for (size_t i = 0; i < s->ndevs; i++)
            sim_device_show(s->devs[i].dev, out);
        return SIM_CTL_OK;
    }
    if (n == 1 && (strcmp(words[0], "help") == 0 || strcmp(words[0], "quit") == 0))
        return sim_control_exec(NULL, line, out, err);
    return fail_which_device(s, words[0], err);
}
