/*
 * store_checkpoint.c - the WAL copied back into the database on a thread of its own.
 *
 * A checkpoint copies the WAL's pages into the database file and fsyncs it. At
 * 500 devices that is about 4 MB every 1.3 s, 8 to 18 ms each on the bench
 * machine's disk and more on flash. On the core thread it stalled every sample
 * and alarm behind it: the alarms that met one (about 1 in 100) waited 10 to
 * 15 ms. So commits only ask, and this thread runs a PASSIVE checkpoint on its
 * own connection. PASSIVE takes SQLite's checkpoint lock, never the writer's, so
 * the core commits on while the pages are copied (when the WAL restarts: see
 * store_wal.c). One thread, whatever the number of devices; when it cannot start,
 * checkpoints run inline.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_internal.h"

#define CHECKPOINT_STACK_BYTES (512 * 1024)
#define CHECKPOINT_CACHE_KIB 64     /* a checkpoint reads the WAL through the OS, not this cache */

struct store_checkpointer {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    sqlite3 *db;
    const char *path;               /* the store's, which outlives this */
    int db_fd;                      /* the store's own fd on path, for fallocate (store_grow.c) */
    int room_refused;               /* fallocate failed once (said once): SQLite grows the file itself then */
    int wanted, stop;
    int last_rc;                    /* of the last checkpoint: a failure is logged once */
    uint64_t done;
};

/* One PASSIVE checkpoint; a failure is logged when it starts, and the recovery. */
static void checkpoint_once(struct store_checkpointer *ck)
{
    int refused = store_db_make_room(ck->db, ck->db_fd);
    if (refused && !ck->room_refused)
        log_info("store %s: growing the database file with fallocate failed (%s); SQLite grows "
                 "it by writing zeros first, which writes the card more", ck->path, strerror(refused));
    ck->room_refused |= refused != 0;
    int rc = sqlite3_wal_checkpoint_v2(ck->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc != SQLITE_OK && rc != ck->last_rc)
        log_warn("store %s: copying the WAL into the database failed: %s; the WAL grows until "
                 "a later attempt succeeds", ck->path, sqlite3_errstr(rc));
    else if (rc == SQLITE_OK && ck->last_rc != SQLITE_OK)
        log_info("store %s: the WAL is copied into the database again", ck->path);
    pthread_mutex_lock(&ck->lock);
    ck->last_rc = rc;
    ck->done += rc == SQLITE_OK;
    pthread_mutex_unlock(&ck->lock);
}

static void *checkpointer_main(void *arg)
{
    struct store_checkpointer *ck = arg;
    pthread_mutex_lock(&ck->lock);
    while (!ck->stop) {
        if (!ck->wanted) {
            pthread_cond_wait(&ck->wake, &ck->lock);
            continue;
        }
        ck->wanted = 0;
        pthread_mutex_unlock(&ck->lock);
        checkpoint_once(ck);
        pthread_mutex_lock(&ck->lock);
    }
    pthread_mutex_unlock(&ck->lock);
    return NULL;
}

static int checkpointer_open_db(struct store_checkpointer *ck)
{
    int rc = sqlite3_open_v2(ck->path, &ck->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        store_db_grow_in_chunks(ck->db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(ck->db, "PRAGMA cache_size = -" STORE_STR(CHECKPOINT_CACHE_KIB), NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        log_warn("store %s: cannot open a connection for checkpoints (%s); they run on the "
                 "core thread, and an alarm may wait for one", ck->path, sqlite3_errstr(rc));
    return rc == SQLITE_OK ? 0 : -1;
}

struct store_checkpointer *store_checkpointer_start(const char *path, int db_fd)
{
    struct store_checkpointer *ck = calloc(1, sizeof *ck);
    if (!ck)
        return NULL;
    ck->path = path;
    ck->db_fd = db_fd;
    pthread_mutex_init(&ck->lock, NULL);
    pthread_cond_init(&ck->wake, NULL);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, CHECKPOINT_STACK_BYTES);
    int started = checkpointer_open_db(ck) == 0 && pthread_create(&ck->thread, &attr, checkpointer_main, ck) == 0;
    pthread_attr_destroy(&attr);
    if (started)
        return ck;
    if (ck->db)
        log_warn("store %s: cannot start the checkpoint thread; checkpoints run on the core thread", path);
    sqlite3_close_v2(ck->db);
    pthread_cond_destroy(&ck->wake);
    pthread_mutex_destroy(&ck->lock);
    free(ck);
    return NULL;
}

void store_checkpointer_ask(struct store_checkpointer *ck)
{
    pthread_mutex_lock(&ck->lock);
    ck->wanted = 1;
    pthread_cond_signal(&ck->wake);
    pthread_mutex_unlock(&ck->lock);
}

uint64_t store_checkpointer_done(struct store_checkpointer *ck)
{
    pthread_mutex_lock(&ck->lock);
    uint64_t n = ck->done;
    pthread_mutex_unlock(&ck->lock);
    return n;
}

void store_checkpointer_stop(struct store_checkpointer *ck)
{
    if (!ck)
        return;
    pthread_mutex_lock(&ck->lock);
    ck->stop = 1;
    pthread_cond_signal(&ck->wake);
    pthread_mutex_unlock(&ck->lock);
    pthread_join(ck->thread, NULL);
    sqlite3_close_v2(ck->db);
    pthread_cond_destroy(&ck->wake);
    pthread_mutex_destroy(&ck->lock);
    free(ck);
}
