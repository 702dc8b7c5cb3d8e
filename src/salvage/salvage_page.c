/*
 * A heap page's line pointers and tuple headers, judged against the lost
 * transactions (salvage_page.h).  Pure: a page in, verdicts out.
 */
#include "salvage/salvage_page.h"

#include <stdlib.h>

/* t_infomask bits */
#define XMAX_KEYSHR_LOCK	0x0010
#define XMAX_EXCL_LOCK		0x0040
#define XMAX_LOCK_ONLY		0x0080
#define XMAX_INVALID		0x0800
#define XMAX_IS_MULTI		0x1000

#define PAGE_HEADER_SIZE 24
#define LP_NORMAL 1

bool
page_tuple_at(const uint8_t *page, size_t blcksz, uint16_t offset, page_tuple *out)
{
	uint16_t	lower = get16(page + 12);
	uint32_t	lp,
				off,
				len;

	if (offset == 0 || lower < PAGE_HEADER_SIZE || lower > blcksz ||
		PAGE_HEADER_SIZE + 4 * (size_t) offset > lower)
		return false;
	lp = get32(page + PAGE_HEADER_SIZE + 4 * (size_t) (offset - 1));
	off = lp & 0x7fff;
	len = lp >> 17;
	if (((lp >> 15) & 3) != LP_NORMAL || len < TUPLE_HEADER_MIN || off < lower ||
		(size_t) off + len > blcksz)
		return false;
	out->offset = offset;
	out->data = page + off;
	out->len = len;
	return true;
}

size_t
page_tuples(const uint8_t *page, size_t blcksz, page_tuple *out, size_t cap)
{
	size_t		n = 0;

	for (uint32_t i = 1; i <= blcksz / 4 && n < cap; i++)
		if (page_tuple_at(page, blcksz, (uint16_t) i, &out[n]))
			n++;
	return n;
}

/*
 * An xmax that only locks the row: flagged lock-only, or (from before
 * PostgreSQL 9.3) an exclusive lock without the multixact bit.
 */
static bool
xmax_lock_only(uint16_t infomask)
{
	return (infomask & XMAX_LOCK_ONLY) != 0 ||
		(infomask & (XMAX_IS_MULTI | XMAX_EXCL_LOCK | XMAX_KEYSHR_LOCK)) == XMAX_EXCL_LOCK;
}

static int
cmp_multi(const void *key, const void *elem)
{
	uint32_t	a = *(const uint32_t *) key,
				b = ((const multi_updater *) elem)->multi;

	return a < b ? -1 : a > b;
}

uint32_t
tuple_remover(const multi_updaters *m, const uint8_t *tuple, size_t len, bool *unknown_multi)
{
	uint16_t	infomask;
	uint32_t	xmax;
	const multi_updater *u;

	*unknown_multi = false;
	if (len < TUPLE_HEADER_MIN)
		return 0;
	infomask = TUPLE_INFOMASK(tuple);
	xmax = TUPLE_XMAX(tuple);
	if ((infomask & XMAX_INVALID) != 0 || xmax == 0 || xmax_lock_only(infomask))
		return 0;
	if ((infomask & XMAX_IS_MULTI) == 0)
		return xmax;
	u = m != NULL && m->n > 0 ? bsearch(&xmax, m->v, m->n, sizeof(multi_updater), cmp_multi) :
		NULL;
	*unknown_multi = u == NULL;
	return u != NULL ? u->updater : 0;
}

tuple_verdict
tuple_judge(const ledger *l, const multi_updaters *m, const uint8_t *tuple, size_t len,
			const ledger_xact **xmin_x, const ledger_xact **xmax_x)
{
	bool		unknown_multi;
	uint32_t	remover;

	*xmin_x = *xmax_x = NULL;
	if (len < TUPLE_HEADER_MIN)
		return TV_NONE;
	*xmin_x = ledger_committed_xact(l, TUPLE_XMIN(tuple));
	remover = tuple_remover(m, tuple, len, &unknown_multi);
	if (unknown_multi)
		/* the updater hides in a multixact created before the WAL read
		 * (pg_multixact is not read): a lost version is not decided, one
		 * from before is left to the removals the WAL shows */
		return *xmin_x != NULL ? TV_UNCERTAIN : TV_NONE;
	if (remover != 0)
		*xmax_x = ledger_committed_xact(l, remover);
	if (*xmin_x != NULL && *xmax_x == NULL)
		return TV_WRITTEN;
	if (*xmin_x == NULL && *xmax_x != NULL)
		return TV_REMOVED;
	return TV_NONE;
}
