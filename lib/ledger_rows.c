/*
 * Row changes of open transactions, summed per transaction and relation
 * (ledger_rows.h).  Pure: memory only.
 */

#include "ledger_rows.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

xact_rows *
rows_open_add(rows_open *o, uint32_t xid, relfile_locator loc)
{
	xact_rows  *x = xcalloc(1, sizeof(xact_rows));

	x->xid = xid;
	x->loc = loc;
	xgrow((void **) &o->items, &o->cap, o->n + 1, sizeof(xact_rows *));
	x->open_index = o->n;
	o->items[o->n++] = x;
	return x;
}

void
rows_open_drop(rows_open *o, xact_rows *x)
{
	/* the last one takes its place */
	o->items[x->open_index] = o->items[--o->n];
	o->items[x->open_index]->open_index = x->open_index;
	free(x->gone);
	free(x);
}

void
rows_open_free(rows_open *o)
{
	while (o->n > 0)
		rows_open_drop(o, o->items[o->n - 1]);
	free(o->items);
	o->items = NULL;
	o->cap = 0;
}

void
rows_write(xact_rows *x, lsn_t lsn, uint32_t block, uint16_t offset)
{
	if (x->nwritten < LEDGER_CTID_CAP)
	{
		x->written[x->nwritten].lsn = lsn;
		x->written[x->nwritten].block = block;
		x->written[x->nwritten].offset = offset;
		x->nwritten++;
	}
	else
		x->unlisted++;
}

static bool
written_remove(rows_written *w, size_t *n, uint32_t block, uint16_t offset)
{
	for (size_t i = 0; i < *n; i++)
	{
		if (w[i].block == block && w[i].offset == offset)
		{
			memmove(&w[i], &w[i + 1], (*n - i - 1) * sizeof(rows_written));
			(*n)--;
			return true;
		}
	}
	return false;
}

static bool
ctid_listed(const ledger_rel *r, uint32_t block, uint16_t offset)
{
	for (size_t i = 0; r != NULL && i < r->nctids; i++)
		if (r->ctids[i].block == block && r->ctids[i].offset == offset)
			return true;
	return false;
}

static bool
listed_by_other(const rows_open *o, const xact_rows *x, uint32_t block, uint16_t offset)
{
	for (size_t i = 0; i < o->n; i++)
	{
		const xact_rows *y = o->items[i];

		if (y == x || y->loc.rel != x->loc.rel || y->loc.db != x->loc.db ||
			y->loc.spc != x->loc.spc)
			continue;
		for (size_t j = 0; j < y->nwritten; j++)
			if (y->written[j].block == block && y->written[j].offset == offset)
				return true;
	}
	return false;
}

void
rows_remove(const rows_open *o, xact_rows *x, const ledger_rel *committed,
			uint32_t block, uint16_t offset)
{
	if (written_remove(x->written, &x->nwritten, block, offset))
		return;
	/* a row listed nowhere changes no list: it is not kept */
	if (!ctid_listed(committed, block, offset) && !listed_by_other(o, x, block, offset))
		return;
	xgrow((void **) &x->gone, &x->capgone, x->ngone + 1, sizeof(ledger_ctid));
	x->gone[x->ngone].block = block;
	x->gone[x->ngone].offset = offset;
	x->ngone++;
}

static bool
ctid_remove(ledger_rel *r, uint32_t block, uint16_t offset)
{
	for (size_t i = 0; i < r->nctids; i++)
	{
		if (r->ctids[i].block == block && r->ctids[i].offset == offset)
		{
			memmove(&r->ctids[i], &r->ctids[i + 1],
					(r->nctids - i - 1) * sizeof(ledger_ctid));
			r->nctids--;
			return true;
		}
	}
	return false;
}

static int
cmp_written(const void *a, const void *b)
{
	const rows_written *x = a, *y = b;

	if (x->lsn != y->lsn)
		return x->lsn < y->lsn ? -1 : 1;
	return (x->offset > y->offset) - (x->offset < y->offset);
}

void
rows_commit(ledger_rel *r, xact_rows *const *group, size_t n)
{
	rows_written *all = xmalloc((n * LEDGER_CTID_CAP + 1) * sizeof(rows_written));
	size_t		nall = 0;
	uint64_t	taken_back = 0;

	for (size_t i = 0; i < n; i++)
	{
		const xact_rows *x = group[i];

		r->inserted += x->inserted;
		r->updated += x->updated;
		r->hot_updated += x->hot_updated;
		r->deleted += x->deleted;
		r->ctids_unlisted += x->unlisted;
		taken_back += x->taken_back;
		memcpy(all + nall, x->written, x->nwritten * sizeof(rows_written));
		nall += x->nwritten;
	}
	r->inserted -= taken_back < r->inserted ? taken_back : r->inserted;
	/* the tree's rows in WAL order: a subtransaction's may precede its parent's */
	if (nall > 0)
		qsort(all, nall, sizeof(rows_written), cmp_written);
	/* rows listed before, or written by another member of the tree, now gone */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < group[i]->ngone; j++)
		{
			const ledger_ctid *g = &group[i]->gone[j];

			if (!ctid_remove(r, g->block, g->offset))
				written_remove(all, &nall, g->block, g->offset);
		}
	for (size_t i = 0; i < nall; i++)
	{
		if (r->nctids < LEDGER_CTID_CAP)
		{
			r->ctids[r->nctids].block = all[i].block;
			r->ctids[r->nctids].offset = all[i].offset;
			r->nctids++;
		}
		else
			r->ctids_unlisted++;
	}
	free(all);
}
