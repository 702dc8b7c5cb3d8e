/*
 * Row changes of one open transaction (top-level or sub) to one relation,
 * summed as the records come (internal to lib/ledger.c).  Kept: the counts,
 * the row versions it wrote and has not replaced or deleted since (the first
 * LEDGER_CTID_CAP of them; later ones are only counted), and the rows listed
 * elsewhere (in the relation's committed totals, or by another open
 * transaction: one of the same tree, as row locks allow no other) that it
 * replaced or deleted.  What one transaction costs is bounded by the cap
 * and the rows listed, never by the rows it changes.  Pure: memory only.
 */
#ifndef RW_LEDGER_ROWS_H
#define RW_LEDGER_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "ledger.h"

typedef struct rows_written {
	lsn_t		lsn;			/* the record that wrote it: WAL order on commit */
	uint32_t	block;
	uint16_t	offset;
} rows_written;

typedef struct xact_rows {
	uint32_t	xid;
	relfile_locator loc;
	uint64_t	inserted;
	uint64_t	updated;
	uint64_t	hot_updated;
	uint64_t	deleted;
	uint64_t	taken_back;		/* speculative insertions taken back beyond inserted */
	rows_written written[LEDGER_CTID_CAP];
	size_t		nwritten;
	uint64_t	unlisted;		/* written beyond the cap */
	ledger_ctid *gone;			/* listed elsewhere, replaced or deleted here */
	size_t		ngone, capgone;
	size_t		open_index;		/* position in the open set */
} xact_rows;

/* Every xact_rows of a transaction that has not ended yet. */
typedef struct rows_open {
	xact_rows **items;
	size_t		n, cap;
} rows_open;

xact_rows  *rows_open_add(rows_open *o, uint32_t xid, relfile_locator loc);
/* Forget x (committed or rolled back) and free it. */
void		rows_open_drop(rows_open *o, xact_rows *x);
void		rows_open_free(rows_open *o);

/* x wrote a row version (insert, or the new version of an update). */
void		rows_write(xact_rows *x, lsn_t lsn, uint32_t block, uint16_t offset);

/*
 * x replaced or deleted the row at (block, offset); committed is the
 * relation's committed totals, NULL when it has none.
 */
void		rows_remove(const rows_open *o, xact_rows *x, const ledger_rel *committed,
						uint32_t block, uint16_t offset);

/*
 * A transaction committed: add its changes and those of its committed
 * subtransactions to one relation (group: their xact_rows of r->loc).
 */
void		rows_commit(ledger_rel *r, xact_rows *const *group, size_t n);

#endif
