/*
 * sim_input.c - cut a byte stream into control lines, run them, and answer a socket client.
 *
 * stdin and a control-socket client are the same thing to the simulator: bytes
 * that arrive in pieces and make lines. A socket client also gets an answer per
 * line - whatever the line printed, then "ok" or "error: why" - so a test knows
 * a line took effect before it looks at the registers.
 */
#include "sim_control.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

#define READ_CHUNK 512

void sim_input_init(struct sim_input *in, int fd, int reply)
{
    memset(in, 0, sizeof *in);
    in->fd = fd;
    in->open = 1;
    in->reply = reply;
}

/* Send the line's output and its verdict back to a socket client. */
static void answer(struct sim_input *in, const char *printed, size_t len, enum sim_ctl_result r,
                   const char *why)
{
    char verdict[CFG_ERR_MAX + sizeof "error: \n"];
    int n = r == SIM_CTL_ERROR ? snprintf(verdict, sizeof verdict, "error: %s\n", why)
                               : snprintf(verdict, sizeof verdict, "ok\n");
    if ((len && send(in->fd, printed, len, MSG_NOSIGNAL) < 0) ||
        send(in->fd, verdict, (size_t)n, MSG_NOSIGNAL) < 0)
        in->open = 0;               /* the client left; its next read says so */
}

/* Execute one complete line, logging (and answering) a refusal. */
static enum sim_ctl_result run_line(struct sim_input *in, sim_line_fn *fn, void *target, FILE *out)
{
    struct cfg_err err = {{0}};
    char *printed = NULL;
    size_t printed_len = 0;
    enum sim_ctl_result r;
    in->buf[in->len] = '\0';
    in->len = 0;
    FILE *sink = in->reply ? open_memstream(&printed, &printed_len) : out;
    if (!sink)
        sink = out;
    if (in->overlong) {
        in->overlong = 0;
        r = cfg_fail(&err, NULL, "control line ignored: longer than %d characters", SIM_LINE_MAX - 1);
    } else {
        r = fn(target, in->buf, sink, &err);
    }
    if (r == SIM_CTL_ERROR)
        log_error("control line \"%.*s\" refused, nothing changed: %s", SIM_LINE_MAX, in->buf, err.msg);
    if (sink != out) {
        fclose(sink);
        answer(in, printed ? printed : "", printed_len, r, err.msg);
        free(printed);
    }
    fflush(out);
    return r;
}

enum sim_ctl_result sim_input_read(struct sim_input *in, sim_line_fn *fn, void *target, FILE *out)
{
    char chunk[READ_CHUNK];
    ssize_t got = read(in->fd, chunk, sizeof chunk);
    if (got < 0 && (errno == EAGAIN || errno == EINTR))
        return SIM_CTL_OK;
    if (got <= 0) {
        if (got < 0 && errno != ECONNRESET)
            log_warn("control input: read failed (%s); no longer reading control lines", strerror(errno));
        in->open = 0;
        if (in->len > 0 || in->overlong)        /* a last line without its newline */
            return run_line(in, fn, target, out) == SIM_CTL_QUIT ? SIM_CTL_QUIT : SIM_CTL_OK;
        return SIM_CTL_OK;
    }
    for (ssize_t i = 0; i < got; i++) {
        if (chunk[i] == '\n') {
            if (run_line(in, fn, target, out) == SIM_CTL_QUIT)
                return SIM_CTL_QUIT;
        } else if (in->len + 1 < sizeof in->buf) {
            in->buf[in->len++] = chunk[i];
        } else {
            in->overlong = 1;
        }
    }
    return SIM_CTL_OK;
}
