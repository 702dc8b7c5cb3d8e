/*
 * The divergence ledger: what the target committed after the divergence
 * point, and therefore loses when it is rewound.
 *
 * Fed every record the WAL scan decodes (records before the divergence
 * point are ignored here).  Row changes are summed per transaction id and
 * relation as they come (lib/ledger_rows.h: counts and at most
 * LEDGER_CTID_CAP row positions, so memory does not grow with the rows a
 * transaction changes) until the transaction ends: a commit (directly or as
 * COMMIT PREPARED) adds its own sums and those of its committed
 * subtransactions to per-relation totals; an abort drops them.  Pure: no
 * I/O, no names, only file numbers.
 */
#ifndef RW_LEDGER_H
#define RW_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lsn.h"
#include "pgver.h"
#include "walreader.h"
#include "walrec.h"

/* Row positions kept per relation; further ones are only counted. */
#define LEDGER_CTID_CAP 100

typedef struct ledger_xact {
	uint32_t	xid;			/* top-level transaction */
	lsn_t		lsn;			/* its commit (or COMMIT PREPARED) record */
	int64_t		time;			/* commit time, µs since 2000-01-01 00:00 UTC */
	bool		two_phase;
} ledger_xact;

typedef struct ledger_ctid {
	uint32_t	block;
	uint16_t	offset;
} ledger_ctid;

typedef struct ledger_rel {
	relfile_locator loc;
	uint64_t	inserted;
	uint64_t	updated;		/* non-HOT updates */
	uint64_t	hot_updated;
	uint64_t	deleted;
	/* newest row versions written (inserts, new versions of updates) that
	 * no later committed change replaced or deleted, in WAL order */
	ledger_ctid ctids[LEDGER_CTID_CAP];
	size_t		nctids;
	uint64_t	ctids_unlisted; /* written beyond the cap and not removed by the
								 * transaction that wrote them; some may since be
								 * gone */
} ledger_rel;

typedef enum ledger_change_kind {
	LC_SEQUENCE,				/* loc, count = sequence records */
	LC_SMGR_TRUNCATE,			/* loc, nblocks = new length of the main fork */
	LC_HEAP_TRUNCATE,			/* loc.db, loc.rel = relation OID (not a file) */
	LC_REL_CREATED,				/* loc (main fork created) */
	LC_REL_DROPPED,				/* loc */
	LC_DB_CREATED,				/* loc.spc, loc.db */
	LC_DB_DROPPED				/* loc.db */
} ledger_change_kind;

/* A lost change that is not a row change. */
typedef struct ledger_change {
	ledger_change_kind kind;
	relfile_locator loc;
	lsn_t		lsn;			/* the record (the first one for sequences) */
	uint32_t	xid;			/* 0 when not transactional */
	uint32_t	nblocks;
	uint64_t	count;
} ledger_change;

/* Valid after ledger_finish, until ledger_free. */
typedef struct ledger_result {
	lsn_t		diverge;
	uint64_t	records;		/* records observed at or after diverge */
	const ledger_xact *xacts;	/* committed, in commit order */
	size_t		nxacts;
	uint64_t	aborted;		/* abort records not known to end a subtransaction */
	uint64_t	subxacts_aborted;	/* known (from WAL) to be subtransactions */
	const uint32_t *prepared;	/* prepared and never committed nor aborted */
	size_t		nprepared;
	const ledger_rel *rels;		/* relations with committed row changes, by locator */
	size_t		nrels;
	const ledger_change *changes;	/* in WAL order, sequences first */
	size_t		nchanges;
	uint64_t	undecodable;	/* records whose payload did not parse */
	lsn_t		first_undecodable;
} ledger_result;

typedef struct ledger ledger;

ledger	   *ledger_new(const pg_version_info *ver, lsn_t diverge);
void		ledger_free(ledger *l);

/* Every decoded record, in WAL order. */
void		ledger_observe(ledger *l, const wal_record *rec);

/* After the last record: settle totals.  Observing afterwards is a bug. */
void		ledger_finish(ledger *l);
const ledger_result *ledger_get(const ledger *l);

/* Did a storage-create record after the divergence create rel? */
bool		ledger_created_after(const ledger *l, relfile_locator rel);

/*
 * The lost committed transaction xid belongs to: xid itself or one of its
 * committed subtransactions (aborted and unfinished ones are not committed);
 * NULL when none.  The pointer is valid until ledger_free.
 */
const ledger_xact *ledger_committed_xact(const ledger *l, uint32_t xid);

/* A relation's totals, NULL when it has none. */
const ledger_rel *ledger_find_rel(const ledger *l, relfile_locator rel);

#endif
