/*
 * core_privilege.c - after opening what needs root, run as the gateway's own user.
 *
 * Started as root (by hand, or an init system without User=), riskgw opens its
 * store, control socket and first connections, then becomes `user`: its groups
 * (initgroups: dialout, for serial ports reopened later by the pollers), its
 * gid, its uid, in that order, and checks that root cannot be taken back. The
 * files it keeps writing beside the store are handed to that user first, so a
 * later start as that user (systemd's User=riskgw) can open them, and so is
 * /run/riskgw, where its health reports go (status_file.c). Any step that
 * fails stops the start: a gateway that meant to drop root must not carry on as
 * root. glibc applies set*id to every thread, so the threads already running
 * change with the process.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "core.h"
#include "core_internal.h"
#include "log.h"
#include "status_file.h"

#define OWN_PATH_MAX (PATH_MAX_LEN + 32)

/* The files beside the store that the gateway writes while it runs. */
static int hand_over(const struct config *cfg, uid_t uid, gid_t gid, char *err, size_t errlen)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    char path[OWN_PATH_MAX];
    for (size_t i = 0; i <= sizeof suffixes / sizeof *suffixes; i++) {
        if (i < sizeof suffixes / sizeof *suffixes)
            snprintf(path, sizeof path, "%s%s", cfg->store.path, suffixes[i]);
        else
            core_control_socket(cfg, path, sizeof path);
        if (chown(path, uid, gid) < 0 && errno != ENOENT) {
            snprintf(err, errlen, "cannot hand %s to the service user: %s", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* 0 when the process is uid/gid through and through and cannot become root again. */
static int check_dropped(uid_t uid, gid_t gid, char *err, size_t errlen)
{
    uid_t ruid = (uid_t)-1, euid = (uid_t)-1, suid = (uid_t)-1;
    gid_t rgid = (gid_t)-1, egid = (gid_t)-1, sgid = (gid_t)-1;
    if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0 ||
        ruid != uid || euid != uid || suid != uid || rgid != gid || egid != gid || sgid != gid) {
        snprintf(err, errlen, "the switch of user did not take: uid %u/%u/%u gid %u/%u/%u", (unsigned)ruid,
                 (unsigned)euid, (unsigned)suid, (unsigned)rgid, (unsigned)egid, (unsigned)sgid);
        return -1;
    }
    if (uid != 0 && setuid(0) == 0) {
        snprintf(err, errlen, "root could be taken back after switching user; refusing to run");
        return -1;
    }
    return 0;
}

int core_drop_privileges(struct core *c, const char *user, char *err, size_t errlen)
{
    errno = 0;
    const struct passwd *pw = getpwnam(user);
    if (!pw) {
        snprintf(err, errlen, "there is no user \"%s\" on this system%s%s; create it (useradd --system %s) "
                 "or name another", user, errno ? ": " : "", errno ? strerror(errno) : "", user);
        return -1;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (geteuid() == uid && getuid() == uid)
        return 0;                               /* started as that user already (systemd User=) */
    if (geteuid() != 0) {
        snprintf(err, errlen, "asked to run as \"%s\", but started as uid %u, which cannot switch user; "
                 "start it as root or as %s", user, (unsigned)geteuid(), user);
        return -1;
    }
    if (hand_over(c->cfg, uid, gid, err, errlen) < 0)
        return -1;
    status_file_hand_over(uid, gid);
    if (initgroups(user, gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
        snprintf(err, errlen, "cannot switch to user \"%s\" (uid %u, gid %u): %s", user, (unsigned)uid,
                 (unsigned)gid, strerror(errno));
        return -1;
    }
    if (check_dropped(uid, gid, err, errlen) < 0)
        return -1;
    log_info("running as user %s (uid %u, gid %u) from now on", user, (unsigned)uid, (unsigned)gid);
    return 0;
}
