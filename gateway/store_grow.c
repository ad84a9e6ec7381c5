/*
 * store_grow.c - how the database file grows: a chunk at a time, given by fallocate.
 *
 * Each checkpoint ends by setting the database file's size to the pages it holds.
 * While the database grows, that is a new size every checkpoint, and the fsync after
 * it must commit the filesystem's journal as well as the data: a second flush of the
 * disk, several times a second, beside the alarm's own fsync of the WAL. Grown in
 * chunks (SQLITE_FCNTL_CHUNK_SIZE), the file changes size once per chunk.
 *
 * But an SQLite built without posix_fallocate (Debian's) grows a file by writing
 * one byte into every 4 KiB block of the new chunk: every page of the chunk is
 * written to the medium as zeros at the checkpoint's fsync, and again when the
 * checkpoint fills it. At 500 busy devices that was about a third of everything
 * the gateway wrote (issue 17). So before each checkpoint the store gives the file
 * its next chunk itself, with fallocate(2), which writes no data (ext4 and f2fs
 * record the blocks as unwritten); SQLite then finds the file large enough and
 * writes nothing. Where fallocate is refused, SQLite's own way stays.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "store_internal.h"

/* Grow early, this close to the end of the file: a commit between the look at the
 * size and the checkpoint's copy may add this much. */
#define STORE_DB_ROOM_MARGIN (STORE_DB_CHUNK_BYTES / 4)

void store_db_grow_in_chunks(sqlite3 *db)
{
    int chunk = STORE_DB_CHUNK_BYTES;
    sqlite3_file_control(db, "main", SQLITE_FCNTL_CHUNK_SIZE, &chunk);     /* a hint: no failure */
}

void store_grow_open(struct store *st)
{
    st->db_fd = open(st->path, O_RDWR | O_CLOEXEC);
}

/* Closing any fd of a file drops every POSIX lock this process holds on it,
 * SQLite's included: only after SQLite's connections are closed. */
void store_grow_close(struct store *st)
{
    if (st->db_fd >= 0)
        close(st->db_fd);
    st->db_fd = -1;
}

static int64_t db_bytes_used(sqlite3 *db)
{
    sqlite3_stmt *s = NULL;
    int64_t bytes = -1;
    if (sqlite3_prepare_v2(db, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                           -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        bytes = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return bytes;
}

int store_db_make_room(sqlite3 *db, int fd)
{
    struct stat sb;
    int64_t used = fd >= 0 ? db_bytes_used(db) : -1;
    if (used < 0 || fstat(fd, &sb) != 0)
        return 0;
    int64_t chunk = STORE_DB_CHUNK_BYTES;
    int64_t want = (used + STORE_DB_ROOM_MARGIN + chunk - 1) / chunk * chunk;
    if (sb.st_size >= want)
        return 0;
    if (fallocate(fd, 0, sb.st_size, want - sb.st_size) != 0)
        return errno;
    return 0;
}
