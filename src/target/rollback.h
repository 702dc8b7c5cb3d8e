/*
 * Undoing an interrupted rewind: its journal (journal.h) replayed newest
 * first, each record putting back what its change destroyed.
 */
#ifndef RW_TARGET_ROLLBACK_H
#define RW_TARGET_ROLLBACK_H

#include <stdbool.h>

#include "error.h"
#include "target/journal.h"

/*
 * Undo every change recorded in a journal, newest first, then fsync what
 * changed (unless !sync) and put the original pg_control back last.  Safe
 * to run again if interrupted.  The journal is left on disk.
 */
bool		target_rollback(const char *pgdata, journal_reader *jr, bool sync, rw_error *err);

#endif
