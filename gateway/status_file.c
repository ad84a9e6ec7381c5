/*
 * status_file.c - where the health report lives, so `riskgw status` finds it
 * without a broker.
 *
 * Each report goes to RAM (/run/riskgw, the unit's RuntimeDirectory): beside the
 * store it was 40 % of what a steady plant wrote to the card (a 54 KB file every
 * 30 s at 500 devices, docs/store.md). The card gets a copy at start, every
 * STATUS_ON_CARD_EVERY_MS and the last one at a clean stop, so what the box was
 * doing before a crash outlives the reboot. Where RAM refuses (no /run/riskgw this
 * user may write), every report goes beside the store. `riskgw status` reads the
 * newer of the two.
 */
#include "status_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"

#define STATUS_RUN_DIR "/run/riskgw"
#define STATUS_RUN_DIR_MODE 0755
#define STATUS_ON_CARD_EVERY_MS (10 * 60 * 1000)

/* Write path atomically (temp file, then rename), so a reader never sees half. */
static int write_atomic(const char *path, const char *text)
{
    char tmp[PATH_MAX_LEN + 32];          /* path (PATH_MAX_LEN + 16) plus ".tmp" */
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    ok = (fclose(f) == 0) && ok;
    return ok && rename(tmp, path) == 0 ? 0 : -1;
}

/* Beside the store: the copy that outlives a reboot. */
static void status_beside_store(const struct config *cfg, char *out, size_t cap)
{
    snprintf(out, cap, "%s.status.json", cfg->store.path);
}

/* In RAM, one file per store path: where each report goes while the gateway runs. */
static void status_in_run_dir(const struct config *cfg, char *out, size_t cap)
{
    snprintf(out, cap, "%s/status-%016llx.json", STATUS_RUN_DIR,
             (unsigned long long)hash_fnv1a(cfg->store.path, strlen(cfg->store.path)));
}

static int64_t mtime_ns(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec : -1;
}

void status_file_path(const struct config *cfg, char *out, size_t cap)
{
    char spare[PATH_MAX_LEN + 16];
    status_beside_store(cfg, out, cap);
    status_in_run_dir(cfg, spare, sizeof spare);
    int64_t spare_ns = mtime_ns(spare);
    if (spare_ns >= 0 && spare_ns > mtime_ns(out))
        snprintf(out, cap, "%s", spare);
}

/* /run/riskgw, made when the service manager has not (0: it is there). */
static int run_dir_made(void)
{
    return mkdir(STATUS_RUN_DIR, STATUS_RUN_DIR_MODE) == 0 || errno == EEXIST ? 0 : -1;
}

/* The report in RAM (0: written). */
static int write_in_run_dir(const struct config *cfg, const char *report)
{
    char path[PATH_MAX_LEN + 16];
    status_in_run_dir(cfg, path, sizeof path);
    return run_dir_made() == 0 ? write_atomic(path, report) : -1;
}

void status_file_write(const struct config *cfg, const char *report, int64_t now_mono, int64_t *next_on_card)
{
    char path[PATH_MAX_LEN + 16];
    int in_ram = write_in_run_dir(cfg, report) == 0;
    if (in_ram && now_mono < *next_on_card)
        return;
    status_beside_store(cfg, path, sizeof path);
    if (write_atomic(path, report) == 0)
        *next_on_card = now_mono + STATUS_ON_CARD_EVERY_MS;
    else if (!in_ram)
        log_limited("status", LOG_LVL_WARN, "status: cannot write the report to %s nor beside the store; "
                    "`riskgw status` will show an old report", STATUS_RUN_DIR);
}

void status_file_final(const struct config *cfg, const char *report)
{
    char path[PATH_MAX_LEN + 16];
    status_beside_store(cfg, path, sizeof path);
    if (write_atomic(path, report) == 0) {
        status_in_run_dir(cfg, path, sizeof path);
        unlink(path);                 /* nothing left in RAM of a gateway that stopped */
    } else {
        write_in_run_dir(cfg, report);
    }
}

void status_file_hand_over(unsigned uid, unsigned gid)
{
    if (run_dir_made() != 0 || chown(STATUS_RUN_DIR, (uid_t)uid, (gid_t)gid) != 0)
        log_warn("status: cannot hand %s to the service user (%s); its health reports go beside "
                 "the store instead", STATUS_RUN_DIR, strerror(errno));
}
