/*
 * store_setup.c - SQLite's process-wide settings, made once before any connection opens.
 *
 * SQLite keeps memory statistics by default (SQLITE_CONFIG_MEMSTATUS), and to keep
 * them it takes a global mutex around every allocation it makes: several per
 * inserted sample row, from the core, the checkpoint thread and the history
 * reader alike. Nothing in riskgw reads those statistics (the store's footprint
 * is reported from the page counts), so they are switched off. This must run
 * before SQLite initialises itself (the first open); later it is refused, which is
 * harmless: the statistics simply stay on.
 */
#include <sqlite3.h>

#include "store.h"

void store_setup_process(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
