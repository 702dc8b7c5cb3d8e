/*
 * Values stored out of line, read from the target's own TOAST relation
 * (the rows being saved are the target's, their TOAST chunks too).
 *
 * The value ids the saved rows point to are noted first (salvage_toast_want);
 * one scan of the TOAST relation then records where their chunks are
 * (salvage_toast_index), so memory grows with the values wanted, not with
 * the TOAST relation.  A value not found there (a row version taken from a
 * full-page image or the source's page) is looked for by a scan of its
 * own, then, when the target has vacuumed it away, in the source's copy of
 * the TOAST relation: a chunk there whose xmin was assigned before the
 * divergence point is one of the value the row points to (chunks are never
 * changed, and a value id is not reused while the value exists; anything
 * the source wrote since has a newer xmin).
 */
#ifndef RW_SALVAGE_TOAST_H
#define RW_SALVAGE_TOAST_H

#include "datum.h"
#include "salvage/salvage_relfile.h"
#include "source/source.h"

/* Where one chunk of a wanted value is. */
typedef struct toast_chunk_pos {
	uint32_t	valueid;
	uint32_t	seq;
	uint32_t	blkno;
	uint16_t	offset;
} toast_chunk_pos;

typedef struct salvage_toast {
	const salvage_relfile *rf;
	relfile_locator loc;		/* the table's TOAST relation; rel 0: none */
	source	   *src;			/* to ask for values the target lost; NULL: not */
	uint32_t	first_new_xid;	/* the first xid assigned after the divergence */
	uint32_t   *want;			/* value ids, sorted and distinct once indexed */
	size_t		nwant,
				capwant;
	toast_chunk_pos *chunks;	/* sorted by value id and chunk number */
	size_t		nchunks,
				capchunks;
} salvage_toast;

/* Note the TOAST pointers among a row's values (data as in the tuple). */
void		salvage_toast_want(salvage_toast *t, const uint8_t *data, size_t len);

/* Scan the TOAST relation once for the chunks of the values wanted. */
bool		salvage_toast_index(salvage_toast *t, rw_error *err);
void		salvage_toast_free(salvage_toast *t);

/* datum_env.toast_fetch over t. */
bool		salvage_toast_fetch(const salvage_toast *t, uint32_t toastrelid, uint32_t valueid,
								uint8_t *out, size_t size, rw_error *err);

#endif
