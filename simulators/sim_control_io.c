/*
 * sim_control_io.c - stdin and the control socket on the loop (see sim_control_io.h).
 *
 * epoll cannot watch a regular file or /dev/null (EPERM): such a stdin holds
 * everything it will ever hold, so it is read to its end at once instead. A
 * closed stdin simply gives no control lines.
 */
#include "sim_control_io.h"
#include "unix_addr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "sim_control.h"

#define CONTROL_BACKLOG 4

struct sim_control_io {
    struct sim_loop *loop;
    struct sim_site *site;
    struct sim_watch stdin_w, listen_w, client_w;
    struct sim_input stdin_in, client_in;
    char path[sizeof ((struct sockaddr_un *)0)->sun_path];
    int quit;
};

static void on_stdin(struct sim_watch *w, uint32_t events)
{
    struct sim_control_io *io = SIM_CONTAINER_OF(w, struct sim_control_io, stdin_w);
    (void)events;
    if (sim_input_read(&io->stdin_in, sim_control_site_line, io->site, stderr) == SIM_CTL_QUIT) {
        log_info("stopping: 'quit' on the control input");
        io->quit = 1;
    }
    if (!io->stdin_in.open)
        sim_loop_remove(io->loop, w);       /* stdin stays open: end of input is not an error */
}

static void on_client(struct sim_watch *w, uint32_t events)
{
    struct sim_control_io *io = SIM_CONTAINER_OF(w, struct sim_control_io, client_w);
    (void)events;
    if (sim_input_read(&io->client_in, sim_control_site_line, io->site, stderr) == SIM_CTL_QUIT) {
        log_info("stopping: 'quit' on the control socket");
        io->quit = 1;
    }
    if (!io->client_in.open) {
        sim_loop_drop(io->loop, w);
        sim_loop_modify(io->loop, &io->listen_w, EPOLLIN);     /* the next client may come */
    }
}

static void on_listen(struct sim_watch *w, uint32_t events)
{
    struct sim_control_io *io = SIM_CONTAINER_OF(w, struct sim_control_io, listen_w);
    (void)events;
    int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (sim_loop_add(io->loop, &io->client_w, fd, EPOLLIN, on_client) < 0) {
        log_warn("control socket %s: cannot watch a client: %s", io->path, strerror(errno));
        close(fd);
        return;
    }
    sim_input_init(&io->client_in, fd, 1);
    sim_loop_modify(io->loop, &io->listen_w, 0);   /* one client at a time */
}

static int watch_stdin(struct sim_control_io *io)
{
    sim_input_init(&io->stdin_in, STDIN_FILENO, 0);
    if (sim_loop_add(io->loop, &io->stdin_w, STDIN_FILENO, EPOLLIN, on_stdin) == 0)
        return 0;
    if (errno == EBADF)
        return 0;                                   /* no stdin at all: no control lines there */
    if (errno != EPERM)
        return -1;
    while (io->stdin_in.open && !io->quit)          /* a file: read it all now */
        on_stdin(&io->stdin_w, EPOLLIN);
    io->stdin_w.fd = -1;
    return 0;
}

static int listen_control(struct sim_control_io *io, const char *path, struct cfg_err *err)
{
    struct sockaddr_un sa;
    struct stat st;
    if (unix_addr_set(&sa, path) < 0)
        return cfg_fail(err, NULL, "--control %s: a socket path has at most %zu characters",
                        path, sizeof sa.sun_path - 1);
    if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
        return cfg_fail(err, NULL, "--control %s: a file that is not a socket is there; choose "
                        "another path", path);
    unlink(path);                                   /* a stale socket from an earlier run */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, CONTROL_BACKLOG) < 0 ||
        sim_loop_add(io->loop, &io->listen_w, fd, EPOLLIN, on_listen) < 0) {
        cfg_fail(err, NULL, "--control %s: cannot listen: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    snprintf(io->path, sizeof io->path, "%s", path);
    return 0;
}

struct sim_control_io *sim_control_io_open(struct sim_loop *l, struct sim_site *site,
                                           const char *sock_path, struct cfg_err *err)
{
    struct sim_control_io *io = calloc(1, sizeof *io);
    if (!io) {
        cfg_fail(err, NULL, "out of memory for the control input");
        return NULL;
    }
    io->loop = l;
    io->site = site;
    io->stdin_w.fd = io->listen_w.fd = io->client_w.fd = -1;
    if (watch_stdin(io) < 0) {
        cfg_fail(err, NULL, "cannot watch stdin for control lines: %s", strerror(errno));
        free(io);
        return NULL;
    }
    if (sock_path && listen_control(io, sock_path, err) < 0) {
        sim_loop_remove(l, &io->stdin_w);
        free(io);
        return NULL;
    }
    return io;
}

void sim_control_io_close(struct sim_control_io *io)
{
    if (!io)
        return;
    sim_loop_remove(io->loop, &io->stdin_w);
    sim_loop_drop(io->loop, &io->client_w);
    sim_loop_drop(io->loop, &io->listen_w);
    if (io->path[0])
        unlink(io->path);
    sim_loop_release(io->loop, io);
}

int sim_control_io_quit(const struct sim_control_io *io) { return io->quit; }
