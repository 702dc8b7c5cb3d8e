/*
 * The divergence ledger: transactions, row counts and other changes the
 * target made after the divergence point, from decoded WAL records
 * (ledger.h).  Pure: memory only, file numbers only (no names, no I/O).
 */

#include "bytes.h"
#include "ledger.h"

#include <stdlib.h>
#include <string.h>

#include "ledger_rows.h"
#include "locmap.h"
#include "xalloc.h"

/* Heap opcode bits and flag bits read here (PostgreSQL's access/heapam_xlog.h) */
#define HEAP_INIT_PAGE 0x80
#define HEAP_DELETE_IS_SUPER 0x08
#define HEAP_INSERT_SIZE 3
#define HEAP_DELETE_SIZE 8
#define HEAP_UPDATE_SIZE 14
#define HEAP_TRUNCATE_HEADER 12
#define XACT_OPMASK 0x70
#define XACT_ASSIGNMENT 0x50

/* keys of the locmaps that are keyed by xid: the xid in .rel */
static relfile_locator
xid_key(uint32_t xid)
{
	relfile_locator k = {0, 0, xid};

	return k;
}

/* --- pending changes of transactions still open ------------------------- */

typedef enum ev_kind {
	EV_INSERT,
	EV_UPDATE,
	EV_HOT_UPDATE,
	EV_DELETE,
	EV_SUPER_DELETE,			/* a speculative insertion taken back */
	EV_CREATE,
	EV_SMGR_TRUNCATE,
	EV_HEAP_TRUNCATE
} ev_kind;

typedef struct pending_event {
	lsn_t		lsn;
	relfile_locator loc;
	uint32_t	block;			/* the row written, or the row deleted */
	uint32_t	old_block;		/* updates: the row replaced; truncate: new length */
	uint16_t	offset;
	uint16_t	old_offset;
	uint8_t		kind;
} pending_event;

/*
 * An open transaction (top-level or sub): its row changes summed per
 * relation as they come, and the few other changes as records.
 */
typedef struct pending {
	pending_event *ev;			/* changes that are not row changes */
	size_t		n;
	size_t		cap;
	xact_rows **rows;			/* one per relation, in rows_open */
	size_t		nrows, caprows;
	bool		prepared;
	uint32_t	xid;
} pending;

struct ledger {
	const pg_version_info *ver;
	lsn_t		diverge;
	bool		finished;

	pending    *pend;
	size_t		npend, cappend;
	locmap		pend_map;		/* xid -> pend index */
	locmap		parent;			/* subtransaction xid -> top-level xid */
	locmap		created;		/* relations created after diverge -> 0 */
	locmap		committed;		/* committed xid (top or sub) -> xacts index */
	rows_open	open;			/* the rows of every pending entry */

	ledger_xact *xacts;
	size_t		nxacts, capxacts;
	ledger_rel *rels;
	size_t		nrels, caprels;
	locmap		rel_map;
	ledger_change *changes;
	size_t		nchanges, capchanges;
	ledger_change *seqs;
	size_t		nseqs, capseqs;
	locmap		seq_map;
	uint32_t   *prepared;
	size_t		nprepared;

	ledger_result result;
	rw_error	err;			/* scratch for the payload decoders; not reported */
};

ledger *
ledger_new(const pg_version_info *ver, lsn_t diverge)
{
	ledger	   *l = xcalloc(1, sizeof(ledger));

	l->ver = ver;
	l->diverge = diverge;
	l->result.diverge = diverge;
	return l;
}

void
ledger_free(ledger *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->npend; i++)
	{
		free(l->pend[i].ev);
		free(l->pend[i].rows);
	}
	free(l->pend);
	rows_open_free(&l->open);
	locmap_free(&l->pend_map);
	locmap_free(&l->parent);
	locmap_free(&l->created);
	locmap_free(&l->committed);
	free(l->xacts);
	free(l->rels);
	locmap_free(&l->rel_map);
	free(l->changes);
	free(l->seqs);
	locmap_free(&l->seq_map);
	free(l->prepared);
	free(l);
}

static pending *
pending_for(ledger *l, uint32_t xid)
{
	size_t		i;

	if (!locmap_get(&l->pend_map, xid_key(xid), &i))
	{
		xgrow((void **) &l->pend, &l->cappend, l->npend + 1, sizeof(pending));
		i = l->npend++;
		memset(&l->pend[i], 0, sizeof(pending));
		l->pend[i].xid = xid;
		locmap_put(&l->pend_map, xid_key(xid), i);
	}
	return &l->pend[i];
}

static pending *
pending_find(ledger *l, uint32_t xid)
{
	size_t		i;

	return locmap_get(&l->pend_map, xid_key(xid), &i) ? &l->pend[i] : NULL;
}

static void
pending_clear(ledger *l, pending *p)
{
	free(p->ev);
	p->ev = NULL;
	p->n = p->cap = 0;
	for (size_t i = 0; i < p->nrows; i++)
		rows_open_drop(&l->open, p->rows[i]);
	free(p->rows);
	p->rows = NULL;
	p->nrows = p->caprows = 0;
	p->prepared = false;
}

/* --- applying committed changes ----------------------------------------- */

static ledger_change *
add_change(ledger *l, ledger_change_kind kind, relfile_locator loc, lsn_t lsn,
		   uint32_t xid)
{
	ledger_change *c;

	xgrow((void **) &l->changes, &l->capchanges, l->nchanges + 1, sizeof(ledger_change));
	c = &l->changes[l->nchanges++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->loc = loc;
	c->lsn = lsn;
	c->xid = xid;
	return c;
}

static ledger_rel *
rel_for(ledger *l, relfile_locator loc)
{
	size_t		i;

	if (!locmap_get(&l->rel_map, loc, &i))
	{
		xgrow((void **) &l->rels, &l->caprels, l->nrels + 1, sizeof(ledger_rel));
		i = l->nrels++;
		memset(&l->rels[i], 0, sizeof(ledger_rel));
		l->rels[i].loc = loc;
		locmap_put(&l->rel_map, loc, i);
	}
	return &l->rels[i];
}

static bool
same_loc(relfile_locator a, relfile_locator b)
{
	return a.spc == b.spc && a.db == b.db && a.rel == b.rel;
}

/* The relation's committed totals so far, NULL when it has none. */
static const ledger_rel *
committed_rel(const ledger *l, relfile_locator loc)
{
	size_t		i;

	return locmap_get(&l->rel_map, loc, &i) ? &l->rels[i] : NULL;
}

/* Sum one row change into x. */
static void
add_row_change(ledger *l, xact_rows *x, const pending_event *e)
{
	const ledger_rel *done = committed_rel(l, e->loc);

	switch ((ev_kind) e->kind)
	{
		case EV_INSERT:
			x->inserted++;
			rows_write(x, e->lsn, e->block, e->offset);
			break;
		case EV_UPDATE:
		case EV_HOT_UPDATE:
			if (e->kind == EV_UPDATE)
				x->updated++;
			else
				x->hot_updated++;
			rows_remove(&l->open, x, done, e->old_block, e->old_offset);
			rows_write(x, e->lsn, e->block, e->offset);
			break;
		case EV_DELETE:
			x->deleted++;
			rows_remove(&l->open, x, done, e->block, e->offset);
			break;
		default:				/* EV_SUPER_DELETE */
			if (x->inserted > 0)
				x->inserted--;
			else
				x->taken_back++;
			rows_remove(&l->open, x, done, e->block, e->offset);
			break;
	}
}

static void
apply_event(ledger *l, const pending_event *e, uint32_t top)
{
	ledger_change *c;

	switch ((ev_kind) e->kind)
	{
		case EV_CREATE:
			add_change(l, LC_REL_CREATED, e->loc, e->lsn, top);
			break;
		case EV_SMGR_TRUNCATE:
			c = add_change(l, LC_SMGR_TRUNCATE, e->loc, e->lsn, top);
			c->nblocks = e->old_block;
			break;
		case EV_HEAP_TRUNCATE:
			add_change(l, LC_HEAP_TRUNCATE, e->loc, e->lsn, top);
			break;
		default:				/* row changes are summed in xact_rows */
			break;
	}
}

static int
cmp_event(const void *a, const void *b)
{
	const pending_event *x = a, *y = b;

	if (x->lsn != y->lsn)
		return x->lsn < y->lsn ? -1 : 1;
	return (x->offset > y->offset) - (x->offset < y->offset);
}

static void
discard(ledger *l, uint32_t xid)
{
	pending    *p = pending_find(l, xid);

	if (p != NULL)
		pending_clear(l, p);
}

/*
 * Apply the changes of a committed transaction and its subtransactions: the
 * other changes in WAL order, the row changes relation by relation.
 */
static void
apply_committed(ledger *l, uint32_t top, const uint32_t *subs, size_t nsubs)
{
	pending_event *all = NULL;
	size_t		n = 0, cap = 0;
	xact_rows **rows = NULL, **group = NULL;
	size_t		nrows = 0, caprows = 0;

	for (size_t i = 0; i <= nsubs; i++)
	{
		pending    *p = pending_find(l, i == 0 ? top : subs[i - 1]);

		if (p == NULL)
			continue;
		if (p->n > 0)
		{
			xgrow((void **) &all, &cap, n + p->n, sizeof(pending_event));
			memcpy(all + n, p->ev, p->n * sizeof(pending_event));
			n += p->n;
		}
		if (p->nrows > 0)
		{
			xgrow((void **) &rows, &caprows, nrows + p->nrows, sizeof(xact_rows *));
			memcpy(rows + nrows, p->rows, p->nrows * sizeof(xact_rows *));
			nrows += p->nrows;
		}
	}
	if (n > 0)
		qsort(all, n, sizeof(pending_event), cmp_event);
	for (size_t i = 0; i < n; i++)
		apply_event(l, &all[i], top);
	free(all);

	/* one group per relation: the tree's xact_rows of it */
	group = xmalloc((nrows + 1) * sizeof(xact_rows *));
	for (size_t i = 0; i < nrows; i++)
	{
		size_t		k = 0;

		if (rows[i] == NULL)
			continue;
		for (size_t j = i; j < nrows; j++)
			if (rows[j] != NULL && same_loc(rows[j]->loc, rows[i]->loc))
			{
				group[k++] = rows[j];
				if (j > i)
					rows[j] = NULL;
			}
		rows_commit(rel_for(l, rows[i]->loc), group, k);
	}
	free(group);
	free(rows);
	for (size_t i = 0; i <= nsubs; i++)
		discard(l, i == 0 ? top : subs[i - 1]);
}

/* --- decoding ------------------------------------------------------------ */



static void
undecodable(ledger *l, const wal_record *rec)
{
	if (l->result.undecodable++ == 0)
		l->result.first_undecodable = rec->lsn;
}

static const wal_blockref *
block_by_id(const wal_record *rec, uint8_t id)
{
	for (int i = 0; i < rec->nblocks; i++)
		if (rec->blocks[i].id == id)
			return &rec->blocks[i];
	return NULL;
}

static relfile_locator
block_loc(const wal_blockref *b)
{
	relfile_locator loc = {b->spc, b->db, b->rel};

	return loc;
}

static bool
is_row_change(const pending_event *e)
{
	return e->kind == EV_INSERT || e->kind == EV_UPDATE || e->kind == EV_HOT_UPDATE ||
		e->kind == EV_DELETE || e->kind == EV_SUPER_DELETE;
}

/* The xact_rows of p for loc, new when p has none yet. */
static xact_rows *
rows_of(ledger *l, pending *p, relfile_locator loc)
{
	for (size_t i = p->nrows; i-- > 0;)
		if (same_loc(p->rows[i]->loc, loc))
			return p->rows[i];
	xgrow((void **) &p->rows, &p->caprows, p->nrows + 1, sizeof(xact_rows *));
	p->rows[p->nrows] = rows_open_add(&l->open, p->xid, loc);
	return p->rows[p->nrows++];
}

static void
add_event(ledger *l, uint32_t xid, const pending_event *e)
{
	pending    *p;

	/* without a transaction it is in effect at once */
	if (xid == 0 && is_row_change(e))
	{
		xact_rows  *x = rows_open_add(&l->open, 0, e->loc);

		add_row_change(l, x, e);
		rows_commit(rel_for(l, e->loc), &x, 1);
		rows_open_drop(&l->open, x);
		return;
	}
	if (xid == 0)
	{
		apply_event(l, e, 0);
		return;
	}
	p = pending_for(l, xid);
	if (is_row_change(e))
	{
		add_row_change(l, rows_of(l, p, e->loc), e);
		return;
	}
	xgrow((void **) &p->ev, &p->cap, p->n + 1, sizeof(pending_event));
	p->ev[p->n++] = *e;
}

/* Block reference 0 on the main fork: the page a heap record writes. */
static bool
heap_page(ledger *l, const wal_record *rec, uint32_t min_len,
		  const wal_blockref **b)
{
	*b = block_by_id(rec, 0);
	if (rec->main_len < min_len || *b == NULL || (*b)->fork != FORK_MAIN)
	{
		undecodable(l, rec);
		return false;
	}
	return true;
}

static void
observe_heap(ledger *l, const wal_record *rec, wal_kind kind)
{
	const uint8_t *d = rec->main_data;
	const wal_blockref *b, *old;
	pending_event e = {.lsn = rec->lsn};

	switch (kind)
	{
		case WK_HEAP_INSERT:
			if (!heap_page(l, rec, HEAP_INSERT_SIZE, &b))
				return;
			e.kind = EV_INSERT;
			e.offset = get16(d);
			break;
		case WK_HEAP_DELETE:
			if (!heap_page(l, rec, HEAP_DELETE_SIZE, &b))
				return;
			e.kind = (d[7] & HEAP_DELETE_IS_SUPER) ? EV_SUPER_DELETE : EV_DELETE;
			e.offset = get16(d + 4);
			break;
		default:				/* UPDATE, HOT_UPDATE */
			if (!heap_page(l, rec, HEAP_UPDATE_SIZE, &b))
				return;
			/* the old row is on block 1, or on block 0 when it is the same page */
			old = block_by_id(rec, 1);
			e.kind = kind == WK_HEAP_UPDATE ? EV_UPDATE : EV_HOT_UPDATE;
			e.old_offset = get16(d + 4);
			e.offset = get16(d + 12);
			e.old_block = old ? old->blkno : b->blkno;
			break;
	}
	e.loc = block_loc(b);
	e.block = b->blkno;
	add_event(l, rec->xid, &e);
}

static void
observe_multi_insert(ledger *l, const wal_record *rec)
{
	const wal_blockref *b;
	uint32_t	n;
	pending_event e = {.lsn = rec->lsn, .kind = EV_INSERT};
	bool		init = (rec->info & HEAP_INIT_PAGE) != 0;

	if (!walrec_multi_insert_ntuples(rec, &n, &l->err) || !heap_page(l, rec, 4, &b))
	{
		undecodable(l, rec);
		return;
	}
	e.loc = block_loc(b);
	e.block = b->blkno;
	for (uint32_t i = 0; i < n; i++)
	{
		/* an initialised page holds the tuples at offsets 1..n */
		e.offset = init ? (uint16_t) (i + 1) : get16(rec->main_data + 4 + 2 * i);
		add_event(l, rec->xid, &e);
	}
}

static void
observe_heap_truncate(ledger *l, const wal_record *rec)
{
	pending_event e = {.lsn = rec->lsn, .kind = EV_HEAP_TRUNCATE};
	uint32_t	n;

	if (rec->main_len < HEAP_TRUNCATE_HEADER)
	{
		undecodable(l, rec);
		return;
	}
	n = get32(rec->main_data + 4);
	if ((uint64_t) rec->main_len != HEAP_TRUNCATE_HEADER + 4 * (uint64_t) n)
	{
		undecodable(l, rec);
		return;
	}
	e.loc.db = get32(rec->main_data);
	for (uint32_t i = 0; i < n; i++)
	{
		e.loc.rel = get32(rec->main_data + HEAP_TRUNCATE_HEADER + 4 * i);
		add_event(l, rec->xid, &e);
	}
}

static void
observe_smgr(ledger *l, const wal_record *rec, wal_kind kind)
{
	pending_event e = {.lsn = rec->lsn};
	uint32_t	flags;
	int			fork;

	if (kind == WK_SMGR_CREATE)
	{
		if (!walrec_smgr_create(rec, &e.loc, &fork, &l->err))
		{
			undecodable(l, rec);
			return;
		}
		if (fork != FORK_MAIN)
			return;
		locmap_put(&l->created, e.loc, 0);
		e.kind = EV_CREATE;
	}
	else
	{
		if (!walrec_smgr_truncate(rec, &e.loc, &e.old_block, &flags, &l->err))
		{
			undecodable(l, rec);
			return;
		}
		e.kind = EV_SMGR_TRUNCATE;
	}
	add_event(l, rec->xid, &e);
}

static void
observe_dbase(ledger *l, const wal_record *rec, wal_kind kind)
{
	relfile_locator loc = {0, 0, 0};
	uint32_t	src_db, src_ts, nts;
	const uint8_t *ts;
	bool		ok;

	if (kind == WK_DBASE_DROP)
		ok = walrec_dbase_drop(l->ver, rec, &loc.db, &nts, &ts, &l->err);
	else
		ok = walrec_dbase_create(l->ver, rec, &loc.db, &loc.spc, &src_db, &src_ts, &l->err);
	if (!ok)
	{
		undecodable(l, rec);
		return;
	}
	/* replay creates or removes the directory whatever the transaction does */
	add_change(l, kind == WK_DBASE_DROP ? LC_DB_DROPPED : LC_DB_CREATED, loc,
			   rec->lsn, rec->xid);
}

static void
observe_sequence(ledger *l, const wal_record *rec)
{
	const wal_blockref *b = block_by_id(rec, 0);
	relfile_locator loc;
	size_t		i;

	if (b == NULL)
	{
		undecodable(l, rec);
		return;
	}
	/* not transactional: a sequence advance stays even when its caller aborts */
	loc = block_loc(b);
	if (!locmap_get(&l->seq_map, loc, &i))
	{
		ledger_change *c;

		xgrow((void **) &l->seqs, &l->capseqs, l->nseqs + 1, sizeof(ledger_change));
		i = l->nseqs++;
		c = &l->seqs[i];
		memset(c, 0, sizeof(*c));
		c->kind = LC_SEQUENCE;
		c->loc = loc;
		c->lsn = rec->lsn;
		locmap_put(&l->seq_map, loc, i);
	}
	l->seqs[i].count++;
}

/* Subtransaction ids of a commit or abort, as an array. */
static uint32_t *
subxact_array(const wal_xact_end *x)
{
	uint32_t   *subs = xmalloc((x->nsubxacts + 1) * sizeof(uint32_t));

	for (uint32_t i = 0; i < x->nsubxacts; i++)
		subs[i] = walrec_xact_subxact(x, i);
	return subs;
}

static void
observe_commit(ledger *l, const wal_record *rec, const wal_xact_end *x, uint32_t xid)
{
	uint32_t   *subs = subxact_array(x);
	ledger_xact *t;

	xgrow((void **) &l->xacts, &l->capxacts, l->nxacts + 1, sizeof(ledger_xact));
	t = &l->xacts[l->nxacts++];
	t->xid = xid;
	t->lsn = rec->lsn;
	t->time = x->xact_time;
	t->two_phase = x->twophase_xid != 0;
	locmap_put(&l->committed, xid_key(xid), l->nxacts - 1);
	for (uint32_t i = 0; i < x->nsubxacts; i++)
		locmap_put(&l->committed, xid_key(subs[i]), l->nxacts - 1);
	apply_committed(l, xid, subs, x->nsubxacts);
	for (uint32_t i = 0; i < x->nrels; i++)
		add_change(l, LC_REL_DROPPED, walrec_xact_rel(x, i), rec->lsn, xid);
	free(subs);
}

static void
observe_abort(ledger *l, const wal_xact_end *x, uint32_t xid)
{
	size_t		top;

	discard(l, xid);
	for (uint32_t i = 0; i < x->nsubxacts; i++)
		discard(l, walrec_xact_subxact(x, i));
	if (x->twophase_xid == 0 && locmap_get(&l->parent, xid_key(xid), &top))
		l->result.subxacts_aborted++;
	else
		l->result.aborted++;
}

/* XACT ASSIGNMENT: uint32 top xid, int32 n, n x uint32 subtransaction xids. */
static void
observe_assignment(ledger *l, const wal_record *rec)
{
	uint32_t	n;

	if (rec->main_len < 8)
	{
		undecodable(l, rec);
		return;
	}
	n = get32(rec->main_data + 4);
	if ((uint64_t) rec->main_len != 8 + 4 * (uint64_t) n)
	{
		undecodable(l, rec);
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		locmap_put(&l->parent, xid_key(get32(rec->main_data + 8 + 4 * i)),
				get32(rec->main_data));
}

static void
observe_xact(ledger *l, const wal_record *rec, wal_kind kind)
{
	wal_xact_end x;
	uint32_t	xid;

	if (kind == WK_XACT_PREPARE)
	{
		if (rec->xid != 0)
			pending_for(l, rec->xid)->prepared = true;
		return;
	}
	if (!walrec_xact_end(l->ver, rec, &x, &l->err))
	{
		undecodable(l, rec);
		return;
	}
	/* COMMIT/ABORT PREPARED carry the prepared xid in the payload */
	xid = x.twophase_xid ? x.twophase_xid : rec->xid;
	if (kind == WK_XACT_COMMIT || kind == WK_XACT_COMMIT_PREPARED)
		observe_commit(l, rec, &x, xid);
	else
		observe_abort(l, &x, xid);
}

void
ledger_observe(ledger *l, const wal_record *rec)
{
	wal_kind	kind;

	if (rec->lsn < l->diverge || l->finished)
		return;
	l->result.records++;
	/* with wal_level=logical a subtransaction's first record names its parent */
	if (rec->toplevel_xid != 0 && rec->xid != 0 && rec->xid != rec->toplevel_xid)
		locmap_put(&l->parent, xid_key(rec->xid), rec->toplevel_xid);
	kind = walrec_kind(l->ver, rec);
	switch (kind)
	{
		case WK_HEAP_INSERT:
		case WK_HEAP_DELETE:
		case WK_HEAP_UPDATE:
		case WK_HEAP_HOT_UPDATE:
			observe_heap(l, rec, kind);
			break;
		case WK_HEAP2_MULTI_INSERT:
			observe_multi_insert(l, rec);
			break;
		case WK_HEAP_TRUNCATE:
			observe_heap_truncate(l, rec);
			break;
		case WK_SMGR_CREATE:
		case WK_SMGR_TRUNCATE:
			observe_smgr(l, rec, kind);
			break;
		case WK_DBASE_CREATE_COPY:
		case WK_DBASE_CREATE_WAL_LOG:
		case WK_DBASE_DROP:
			observe_dbase(l, rec, kind);
			break;
		case WK_SEQ_LOG:
			observe_sequence(l, rec);
			break;
		case WK_XACT_COMMIT:
		case WK_XACT_ABORT:
		case WK_XACT_COMMIT_PREPARED:
		case WK_XACT_ABORT_PREPARED:
		case WK_XACT_PREPARE:
			observe_xact(l, rec, kind);
			break;
		default:
			if (rec->rmid == RM_XACT_ID && (rec->info & XACT_OPMASK) == XACT_ASSIGNMENT)
				observe_assignment(l, rec);
			break;
	}
}

/* --- results ------------------------------------------------------------- */

static int
cmp_loc(relfile_locator a, relfile_locator b)
{
	if (a.db != b.db)
		return a.db < b.db ? -1 : 1;
	if (a.rel != b.rel)
		return a.rel < b.rel ? -1 : 1;
	return (a.spc > b.spc) - (a.spc < b.spc);
}

static int
cmp_rel(const void *a, const void *b)
{
	return cmp_loc(((const ledger_rel *) a)->loc, ((const ledger_rel *) b)->loc);
}

static int
cmp_xid(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a, y = *(const uint32_t *) b;

	return (x > y) - (x < y);
}

void
ledger_finish(ledger *l)
{
	ledger_result *r = &l->result;
	ledger_change *all;

	if (l->finished)
		return;
	l->finished = true;
	/* prepared transactions never resolved are lost as a whole */
	l->prepared = xmalloc((l->npend + 1) * sizeof(uint32_t));
	for (size_t i = 0; i < l->npend; i++)
	{
		if (l->pend[i].prepared)
			l->prepared[l->nprepared++] = l->pend[i].xid;
		pending_clear(l, &l->pend[i]);
	}
	qsort(l->prepared, l->nprepared, sizeof(uint32_t), cmp_xid);

	/* sorting moves entries: the index map is rebuilt */
	if (l->nrels > 0)
		qsort(l->rels, l->nrels, sizeof(ledger_rel), cmp_rel);
	locmap_free(&l->rel_map);
	for (size_t i = 0; i < l->nrels; i++)
		locmap_put(&l->rel_map, l->rels[i].loc, i);

	all = xmalloc((l->nseqs + l->nchanges + 1) * sizeof(ledger_change));
	if (l->nseqs)
		memcpy(all, l->seqs, l->nseqs * sizeof(ledger_change));
	if (l->nchanges)
		memcpy(all + l->nseqs, l->changes, l->nchanges * sizeof(ledger_change));
	free(l->changes);
	l->changes = all;
	l->nchanges += l->nseqs;

	r->xacts = l->xacts;
	r->nxacts = l->nxacts;
	r->prepared = l->prepared;
	r->nprepared = l->nprepared;
	r->rels = l->rels;
	r->nrels = l->nrels;
	r->changes = l->changes;
	r->nchanges = l->nchanges;
}

const ledger_result *
ledger_get(const ledger *l)
{
	return &l->result;
}

bool
ledger_created_after(const ledger *l, relfile_locator rel)
{
	size_t		i;

	return locmap_get(&l->created, rel, &i);
}

const ledger_rel *
ledger_find_rel(const ledger *l, relfile_locator rel)
{
	size_t		i;

	return locmap_get(&l->rel_map, rel, &i) ? &l->rels[i] : NULL;
}

const ledger_xact *
ledger_committed_xact(const ledger *l, uint32_t xid)
{
	size_t		i;

	if (xid == 0 || !locmap_get(&l->committed, xid_key(xid), &i))
		return NULL;
	return &l->xacts[i];
}
