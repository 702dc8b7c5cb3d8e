/*
 * Reading the target's WAL: which file holds a page (by the target's
 * timeline history), from pg_wal or, with --restore-target-wal, from the
 * archive through the target's restore_command; for the history it shares
 * with the source, from the source's pg_wal as a last resort.
 */
#ifndef RW_TARGETWAL_H
#define RW_TARGETWAL_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "lsn.h"
#include "source/source.h"
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

/*
 * Let segments that lie wholly before diverge (the history both sides
 * share) be read from the source's pg_wal when neither pg_wal nor
 * restore_command has them; of the segment holding diverge, only its bytes
 * before diverge (also from the copy source_tli, the source's timeline
 * that begins there, starts with), so that WAL read from it ends at
 * diverge.  The source must outlive w.
 */
void		target_wal_share_source(target_wal *w, source *src, lsn_t diverge,
									uint32_t source_tli);

/* Whether the segment holding the divergence point came from the source. */
bool		target_wal_prefix_from_source(const target_wal *w);

/* The page source to hand to walreader_new(). */
wal_page_reader target_wal_page_reader(target_wal *w);

/* Number of segments fetched with restore_command so far. */
uint32_t	target_wal_restored_count(const target_wal *w);

/* Number of segments read from the source so far (target_wal_share_source). */
uint32_t	target_wal_from_source_count(const target_wal *w);

/* Bytes of WAL read from files so far. */
uint64_t	target_wal_bytes_read(const target_wal *w);

#endif
