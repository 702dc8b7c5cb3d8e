/*
 * The WAL the rewound node needs from the source: which segments the
 * source no longer has (or lost during the copy), the one decision on such
 * a gap for a run and --check alike, and the --check findings about that
 * WAL, what retains it there, and the replication slot of --slot.
 */
#ifndef RW_NEEDED_WAL_H
#define RW_NEEDED_WAL_H

#include <stddef.h>
#include <stdint.h>

#include "util/check_findings.h"
#include "filelist.h"
#include "lsn.h"
#include "source/source.h"
#include "timeline.h"

typedef struct needed_wal {
	const file_list *source_files;	/* the source's listing, sorted */
	const tl_history *source_history;
	uint32_t	segsize;
	lsn_t		from;			/* first LSN the rewound node needs from the source */
	lsn_t		source_end;		/* where the source's WAL is now */
	const source_wal_retention *retention;	/* NULL: a directory source */
	const char *slot;			/* --slot, or NULL */
	const char *target_restore_command; /* the target's, NULL when unset */
} needed_wal;

/*
 * How many of the segments that the rewound node needs from the source (from
 * in->from to in->source_end, named after in->source_history) its listing
 * lacks; the first one's name into first.  The segment of in->source_end,
 * the one the source writes, is never counted: it may not exist yet.
 */
size_t		needed_wal_missing(const needed_wal *in, char first[WAL_FILE_NAME_LEN + 1]);

/*
 * The same for the segments among vanished: paths of files, sorted, that
 * were listed but gone from the source when read (execute_outcome).
 */
size_t		needed_wal_vanished(const needed_wal *in, const file_list *vanished,
							   char first[WAL_FILE_NAME_LEN + 1]);

/*
 * The one decision, for a run and --check alike, on WAL the rewound node
 * needs that the source no longer has (needed_wal_missing): CHECK_OK when
 * none is missing; CHECK_WARNING when the target has a restore_command (the
 * node can restore it from an archive); CHECK_ERROR otherwise: the node
 * could not start, so a run refuses before its first change.  The message
 * and hint (which segment, what to do) go into *msg, kind RW_ESTATE.
 */
check_severity needed_wal_gap(const needed_wal *in, rw_error *msg);

/* Finding "source_wal": are the segments there, and what keeps them. */
void		needed_wal_finding(check_findings *f, const needed_wal *in);

/* Finding "slot": the slot of --slot exists, or can be created. */
void		slot_finding(check_findings *f, const char *slot, const source_wal_retention *r);

#endif
