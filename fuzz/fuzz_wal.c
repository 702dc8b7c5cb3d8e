/*
 * Fuzz target: WAL pages through the reader and record decoding
 * (lib/walreader.c, lib/walrec.c), the first byte choosing the major.
 * Memory only.
 */

#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "pgver.h"
#include "walreader.h"
#include "walrec.h"

#define PAGE 8192
#define SEGSIZE (16 * 1024 * 1024)

/* The input as WAL pages from base on; anything past its end is missing. */
typedef struct pages {
	const uint8_t *data;
	size_t		size;
	lsn_t		base;
} pages;

static bool
read_page(void *ctx, lsn_t page_lsn, uint8_t *buf, rw_error *err)
{
	const pages *p = ctx;
	uint64_t	off = page_lsn - p->base;

	if (page_lsn < p->base || off + PAGE > p->size)
		return rw_fail(err, RW_EMISSING, "page " LSN_FMT " is not in the input",
					   LSN_ARGS(page_lsn));
	memcpy(buf, p->data + off, PAGE);
	return true;
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t	v;

	memcpy(&v, p, 8);
	return v;
}

/* Decode what the scan decodes, to reach every record parser. */
static void
decode(const pg_version_info *ver, const wal_record *rec)
{
	pg_checkpoint ck;
	wal_xact_end x;
	relfile_locator rel;
	int			fork;
	uint32_t	a, b, c, d;
	const uint8_t *list;
	bool		fpw;
	rw_error	err;

	(void) rmgr_id_valid(ver, rec->rmid);
	(void) walrec_checkpoint(ver, rec, &ck, &err);
	if (walrec_xact_end(ver, rec, &x, &err))
	{
		for (uint32_t i = 0; i < x.nrels; i++)
			(void) walrec_xact_rel(&x, i);
		for (uint32_t i = 0; i < x.nsubxacts; i++)
			(void) walrec_xact_subxact(&x, i);
	}
	(void) walrec_smgr_create(rec, &rel, &fork, &err);
	(void) walrec_smgr_truncate(rec, &rel, &a, &b, &err);
	(void) walrec_dbase_create(ver, rec, &a, &b, &c, &d, &err);
	(void) walrec_dbase_drop(ver, rec, &a, &b, &list, &err);
	(void) walrec_fpw_change(rec, &fpw, &err);
	(void) walrec_end_of_recovery(ver, rec, &a, &b, &err);
	(void) walrec_multi_insert_ntuples(rec, &a, &err);
}

/*
 * First byte: the major version (14 + byte % 5).  The rest: pages, the first
 * with a long header whose system identifier and page address are taken as
 * the reader's, so the seeds (real segments) decode.
 */
int
fuzz_wal_one(const uint8_t *data, size_t size)
{
	const pg_version_info *ver;
	pages		p;
	wal_reader *r;
	const wal_record *rec;
	lsn_t		first;
	rw_error	err;
	wal_read_status st;

	if (size < 1 + PAGE)
		return 0;
	err.msg[0] = '\0';
	ver = pgver_lookup(14 + data[0] % 5);
	p.data = data + 1;
	p.size = size - 1;
	p.base = get64(p.data + 8) / SEGSIZE * SEGSIZE;
	r = walreader_new(ver, get64(p.data + 24), SEGSIZE, PAGE,
					  (wal_page_reader) {.read_page = read_page, .ctx = &p});
	if (r == NULL)
		return 0;
	st = walreader_find_first(r, p.base, &first, &err);
	if (st == WAL_READ_OK)
		st = walreader_read_at(r, first, &rec, &err);
	for (int n = 0; st == WAL_READ_OK && n < 100000; n++)
	{
		decode(ver, rec);
		st = walreader_next(r, &rec, &err);
	}
	/* the reader stops at the end of the input or at damage, and says which */
	if (st != WAL_READ_OK && err.msg[0] == '\0')
		abort();
	walreader_free(r);
	return 0;
}

FUZZ_ENTRY(fuzz_wal_one)
