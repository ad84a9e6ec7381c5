/*
 * sim_control.c - parse and run control lines, and cut a byte stream into them.
 *
 * The grammar is tiny on purpose: a verb and its words, separated by blanks.
 * Empty lines and lines starting with '#' are ignored, so a test can feed a
 * commented script. Lines longer than SIM_LINE_MAX are refused whole rather than
 * cut, because half a "set" line could set the wrong value.
 */
#include "sim_control.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sim_text.h"

#define MAX_WORDS 4                 /* the longest command, plus one to catch extra words */
#define READ_CHUNK 512

static const char help_text[] =
    "set POINT VALUE   hold POINT at VALUE (engineering units) until 'recover POINT'\n"
    "fault POINT       serve POINT's sensor-fault signal (2 mA loop current, or out of range)\n"
    "recover POINT     hand POINT back to its scenario\n"
    "show              print every point's value and what drives it\n"
    "quit              stop the simulator\n";

typedef enum sim_ctl_result verb_fn(struct sim_device *dev, char **words, FILE *out,
                                    struct cfg_err *err);

static enum sim_ctl_result result_of(int rc) { return rc < 0 ? SIM_CTL_ERROR : SIM_CTL_OK; }

static enum sim_ctl_result do_set(struct sim_device *dev, char **words, FILE *out, struct cfg_err *err)
{
    double value;
    (void)out;
    if (sim_text_double(words[2], &value) < 0)
        return cfg_fail(err, NULL, "set %.64s: \"%.32s\" is not a number", words[1], words[2]);
    return result_of(sim_device_set(dev, words[1], value, err));
}

static enum sim_ctl_result do_fault(struct sim_device *dev, char **words, FILE *out, struct cfg_err *err)
{
    (void)out;
    return result_of(sim_device_fault(dev, words[1], err));
}

static enum sim_ctl_result do_recover(struct sim_device *dev, char **words, FILE *out,
                                      struct cfg_err *err)
{
    (void)out;
    return result_of(sim_device_recover(dev, words[1], err));
}

static enum sim_ctl_result do_show(struct sim_device *dev, char **words, FILE *out, struct cfg_err *err)
{
    (void)words, (void)err;
    sim_device_show(dev, out);
    return SIM_CTL_OK;
}

static enum sim_ctl_result do_help(struct sim_device *dev, char **words, FILE *out, struct cfg_err *err)
{
    (void)dev, (void)words, (void)err;
    fputs(help_text, out);
    return SIM_CTL_OK;
}

static enum sim_ctl_result do_quit(struct sim_device *dev, char **words, FILE *out, struct cfg_err *err)
{
    (void)dev, (void)words, (void)out, (void)err;
    return SIM_CTL_QUIT;
}

struct verb {
    const char *name;
    int nwords;                     /* including the verb */
    const char *usage;
    verb_fn *run;
};

static const struct verb verbs[] = {
    {"set", 3, "set POINT VALUE", do_set},   {"fault", 2, "fault POINT", do_fault},
    {"recover", 2, "recover POINT", do_recover}, {"show", 1, "show", do_show},
    {"help", 1, "help", do_help},            {"quit", 1, "quit", do_quit},
};
#define VERB_COUNT (sizeof verbs / sizeof verbs[0])

static int split_words(char *line, char **words)
{
    int n = 0;
    char *save = NULL;
    for (char *w = strtok_r(line, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
        if (n == MAX_WORDS)
            return n + 1;
        words[n++] = w;
    }
    return n;
}

enum sim_ctl_result sim_control_exec(struct sim_device *dev, const char *line, FILE *out,
                                     struct cfg_err *err)
{
    char copy[SIM_LINE_MAX], *words[MAX_WORDS];
    if (strlen(line) >= sizeof copy)
        return cfg_fail(err, NULL, "a control line has at most %d characters", SIM_LINE_MAX - 1);
    strcpy(copy, line);
    int n = split_words(copy, words);
    if (n == 0 || words[0][0] == '#')
        return SIM_CTL_OK;
    size_t v = 0;
    while (v < VERB_COUNT && strcmp(verbs[v].name, words[0]) != 0)
        v++;
    if (v == VERB_COUNT)
        return cfg_fail(err, NULL, "unknown command \"%.32s\"; the commands are set POINT VALUE, "
                        "fault POINT, recover POINT, show, help and quit", words[0]);
    if (n != verbs[v].nwords)
        return cfg_fail(err, NULL, "\"%s\" takes %d word(s) after it; usage: %s", verbs[v].name,
                        verbs[v].nwords - 1, verbs[v].usage);
    return verbs[v].run(dev, words, out, err);
}

void sim_input_init(struct sim_input *in, int fd)
{
    memset(in, 0, sizeof *in);
    in->fd = fd;
    in->open = 1;
}

/* Execute one complete line, logging a refusal. */
static enum sim_ctl_result run_line(struct sim_input *in, struct sim_device *dev, FILE *out)
{
    struct cfg_err err;
    in->buf[in->len] = '\0';
    in->len = 0;
    if (in->overlong) {
        in->overlong = 0;
        log_error("control line ignored: longer than %d characters", SIM_LINE_MAX - 1);
        return SIM_CTL_OK;
    }
    enum sim_ctl_result r = sim_control_exec(dev, in->buf, out, &err);
    if (r == SIM_CTL_ERROR)
        log_error("control line \"%s\" refused, nothing changed: %s", in->buf, err.msg);
    fflush(out);
    return r;
}

enum sim_ctl_result sim_input_read(struct sim_input *in, struct sim_device *dev, FILE *out)
{
    char chunk[READ_CHUNK];
    ssize_t got = read(in->fd, chunk, sizeof chunk);
    if (got < 0 && (errno == EAGAIN || errno == EINTR))
        return SIM_CTL_OK;
    if (got <= 0) {
        if (got < 0)
            log_warn("control input: read failed (%s); no longer reading control lines", strerror(errno));
        in->open = 0;
        if (in->len > 0 || in->overlong)        /* a last line without its newline */
            return run_line(in, dev, out) == SIM_CTL_QUIT ? SIM_CTL_QUIT : SIM_CTL_OK;
        return SIM_CTL_OK;
    }
    for (ssize_t i = 0; i < got; i++) {
        if (chunk[i] == '\n') {
            if (run_line(in, dev, out) == SIM_CTL_QUIT)
                return SIM_CTL_QUIT;
        } else if (in->len + 1 < sizeof in->buf) {
            in->buf[in->len++] = chunk[i];
        } else {
            in->overlong = 1;
        }
    }
    return SIM_CTL_OK;
}
