/*
 * Reading the target's WAL: which file holds a page (by the target's
 * timeline history), from pg_wal or, with --restore-target-wal, from the
 * archive through the target's restore_command.
 */
#ifndef RW_TARGETWAL_H
#define RW_TARGETWAL_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "lsn.h"
#include "timeline.h"
#include "walreader.h"

typedef struct target_wal target_wal;

/*
 * restore_command may be NULL (segments must then be in pg_wal).  Restored
 * segments go to a private temporary directory, never into the target.
 */
target_wal *target_wal_open(const char *pgdata, const tl_history *history,
							uint32_t segsize, uint32_t page_size,
							const char *restore_command);
void		target_wal_close(target_wal *w);

/* The page source to hand to walreader_new(). */
wal_page_reader target_wal_page_reader(target_wal *w);

/* Number of segments fetched with restore_command so far. */
uint32_t	target_wal_restored_count(const target_wal *w);

/* Bytes of WAL read from files so far. */
uint64_t	target_wal_bytes_read(const target_wal *w);

#endif
