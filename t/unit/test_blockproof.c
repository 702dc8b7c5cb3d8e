/*
 * The full-page-write proof per block, on hand-built decoded records: a
 * block changed only before the divergence point is left to replay exactly
 * when its first reference since the redo point applies a full-page image
 * or re-initialises the page; the settings logged in the WAL that break the
 * proof (wal_level minimal, wal_log_hints off without checksums after the
 * divergence point, a promotion before it) are noticed.
 */
#include <check.h>
#include <string.h>

#include "blockfirst.h"
#include "blockmap.h"
#include "plan/blockproof.h"
#include "walrec.h"

#define DIVERGE UINT64_C(0x5000000)

enum ref_kind {
	REF_PLAIN,					/* data only: replay needs the page as it was */
	REF_IMAGE,					/* full-page image applied at replay */
	REF_IMAGE_CHECK_ONLY,		/* image for wal_consistency_checking, not applied */
	REF_INIT					/* WILL_INIT: the page is re-initialised */
};

static const relfile_locator REL = {1663, 5, 16384};

typedef struct rec_buf {
	wal_record	rec;
	uint8_t		main[32];
} rec_buf;

/* A heap record at lsn (ending 64 bytes later) referring to block blkno of REL. */
static const wal_record *
heap_rec(rec_buf *b, lsn_t lsn, uint32_t blkno, enum ref_kind kind, uint8_t fork)
{
	wal_blockref *ref = &b->rec.blocks[0];

	memset(b, 0, sizeof(*b));
	b->rec.lsn = lsn;
	b->rec.end = b->rec.end_ptr = lsn + 64;
	b->rec.rmid = RM_HEAP_ID;
	b->rec.info = 0x00;			/* INSERT */
	b->rec.nblocks = 1;
	ref->fork = fork;
	ref->spc = REL.spc;
	ref->db = REL.db;
	ref->rel = REL.rel;
	ref->blkno = blkno;
	ref->has_image = kind == REF_IMAGE || kind == REF_IMAGE_CHECK_ONLY;
	ref->apply_image = kind == REF_IMAGE;
	ref->will_init = kind == REF_INIT;
	ref->has_data = kind != REF_IMAGE;
	return &b->rec;
}

/* An XLOG record of opcode op with main data. */
static const wal_record *
xlog_rec(rec_buf *b, lsn_t lsn, uint8_t op, const void *data, uint32_t len)
{
	memset(b, 0, sizeof(*b));
	b->rec.lsn = lsn;
	b->rec.end = b->rec.end_ptr = lsn + 64;
	b->rec.rmid = RM_XLOG_ID;
	b->rec.info = op;
	memcpy(b->main, data, len);
	b->rec.main_data = b->main;
	b->rec.main_len = len;
	return &b->rec;
}

/* PARAMETER_CHANGE: wal_level (0 minimal, 1 replica) and wal_log_hints. */
static const wal_record *
param_rec(rec_buf *b, lsn_t lsn, int32_t wal_level, bool hints)
{
	uint8_t		d[28] = {0};

	memcpy(d + 20, &wal_level, 4);
	d[24] = hints;
	return xlog_rec(b, lsn, 0x60, d, sizeof(d));
}

static bool
map_has(const blockmap *m, uint32_t blkno)
{
	size_t		n;
	const uint32_t *blocks = blockmap_blocks(m, REL, &n);

	for (size_t i = 0; i < n; i++)
		if (blocks[i] == blkno)
			return true;
	return false;
}

static void
feed(block_proof *p, blockmap *map, const wal_record *rec)
{
	rw_error	err;

	rw_error_clear(&err);
	ck_assert_msg(block_proof_record(p, pgver_lookup(15), rec, map, &err), "%s", err.msg);
}

START_TEST(test_first_reference_decides)
{
	block_proof *p = block_proof_new(DIVERGE, false);
	blockmap   *map = blockmap_new();
	blockmap   *replayed = blockmap_new();
	block_proof_summary sum;
	rw_error	err;
	rec_buf		b;
	lsn_t		l = 0x4000000;
	uint8_t		fpw_off = 0;

	/* before the divergence point */
	feed(p, map, heap_rec(&b, l += 64, 1, REF_IMAGE, FORK_MAIN));	/* image first */
	feed(p, map, heap_rec(&b, l += 64, 1, REF_PLAIN, FORK_MAIN));
	feed(p, map, heap_rec(&b, l += 64, 2, REF_PLAIN, FORK_MAIN));	/* plain first */
	feed(p, map, heap_rec(&b, l += 64, 2, REF_IMAGE, FORK_MAIN));
	feed(p, map, heap_rec(&b, l += 64, 3, REF_INIT, FORK_MAIN));	/* re-initialised */
	feed(p, map, heap_rec(&b, l += 64, 4, REF_IMAGE_CHECK_ONLY, FORK_MAIN));
	/* full_page_writes off: the proof is per block, it still holds for images */
	feed(p, map, xlog_rec(&b, l += 64, 0x80, &fpw_off, 1));
	feed(p, map, heap_rec(&b, l += 64, 5, REF_PLAIN, FORK_MAIN));
	feed(p, map, heap_rec(&b, l += 64, 6, REF_IMAGE, FORK_MAIN));	/* e.g. an index build */
	feed(p, map, heap_rec(&b, l += 64, 7, REF_PLAIN, 1));			/* free space map: not here */
	feed(p, map, heap_rec(&b, l += 64, 8, REF_IMAGE, FORK_MAIN));	/* also changed after */
	/* a record that ends after the divergence point is the target's own */
	feed(p, map, heap_rec(&b, DIVERGE - 32, 9, REF_IMAGE, FORK_MAIN));
	feed(p, map, heap_rec(&b, DIVERGE + 64, 8, REF_IMAGE, FORK_MAIN));
	feed(p, map, heap_rec(&b, DIVERGE + 128, 10, REF_INIT, FORK_MAIN));

	rw_error_clear(&err);
	ck_assert_msg(block_proof_finish(p, map, replayed, &sum, &err), "%s", err.msg);
	ck_assert(sum.since_divergence);
	ck_assert_ptr_null(sum.since_redo_reason);
	ck_assert(!map_has(map, 1));
	ck_assert(map_has(map, 2));
	ck_assert(!map_has(map, 3));
	ck_assert(map_has(map, 4));
	ck_assert(map_has(map, 5));
	ck_assert(!map_has(map, 6));
	ck_assert(!map_has(map, 7));
	ck_assert(map_has(map, 8));
	ck_assert(map_has(map, 9));
	ck_assert(map_has(map, 10));
	ck_assert_uint_eq(blockmap_total_blocks(map), 6);
	ck_assert_uint_eq(sum.replayed_blocks, 3);		/* 1, 3, 6 */
	ck_assert_uint_eq(sum.partial_first_blocks, 3);	/* 2, 4, 5 */
	/* what a later recovery start must copy as well: the blocks left to replay */
	blockmap_finish(replayed);
	ck_assert_uint_eq(blockmap_count_missing(replayed, map), 3);
	ck_assert(map_has(replayed, 1) && map_has(replayed, 3) && map_has(replayed, 6));
	blockmap_free(replayed);
	blockmap_free(map);
	block_proof_free(p);
}
END_TEST

/* A promotion between the redo point and the divergence point: every block since the redo point. */
START_TEST(test_promotion_before_divergence)
{
	static const int majors[] = {14, 17};

	for (size_t v = 0; v < 2; v++)
	{
		block_proof *p = block_proof_new(DIVERGE, true);
		blockmap   *map = blockmap_new();
		block_proof_summary sum;
		rw_error	err;
		rec_buf		b;
		uint8_t		eor[24] = {0};
		uint32_t	tli = 2, prev = 1;

		memcpy(eor + 8, &tli, 4);
		memcpy(eor + 12, &prev, 4);
		feed(p, map, heap_rec(&b, 0x4000100, 1, REF_IMAGE, FORK_MAIN));
		rw_error_clear(&err);
		ck_assert(block_proof_record(p, pgver_lookup(majors[v]),
									 xlog_rec(&b, 0x4000200, 0x90, eor, majors[v] >= 17 ? 24 : 16),
									 map, &err));
		feed(p, map, heap_rec(&b, 0x4000300, 2, REF_INIT, FORK_MAIN));
		ck_assert_msg(block_proof_finish(p, map, NULL, &sum, &err), "%s", err.msg);
		ck_assert(!sum.since_divergence);
		ck_assert_ptr_nonnull(sum.since_redo_reason);
		ck_assert(strstr(sum.since_redo_reason, "promotion") != NULL);
		ck_assert(map_has(map, 1) && map_has(map, 2));
		ck_assert_uint_eq(sum.replayed_blocks, 0);
		blockmap_free(map);
		block_proof_free(p);
	}
}
END_TEST

/* Run the records through a proof; the result of block_proof_finish (or the first failure). */
static bool
run_params(bool checksums, const lsn_t *at, const int32_t *level, const bool *hints, int n,
		   rw_error *err)
{
	block_proof *p = block_proof_new(DIVERGE, checksums);
	blockmap   *map = blockmap_new();
	block_proof_summary sum;
	rec_buf		b;
	bool		ok = true;

	rw_error_clear(err);
	for (int i = 0; i < n && ok; i++)
		ok = block_proof_record(p, pgver_lookup(16), param_rec(&b, at[i], level[i], hints[i]),
								map, err);
	ok = ok && block_proof_finish(p, map, NULL, &sum, err);
	blockmap_free(map);
	block_proof_free(p);
	return ok;
}

START_TEST(test_parameter_changes)
{
	rw_error	err;
	const lsn_t before = DIVERGE - 0x1000, before2 = DIVERGE - 0x800, after = DIVERGE + 0x1000,
				after2 = DIVERGE + 0x2000;

	/* wal_level minimal, before or after the divergence point, with or without checksums */
	{
		lsn_t		at[] = {before};
		int32_t		lv[] = {0};
		bool		h[] = {true};

		ck_assert(!run_params(true, at, lv, h, 1, &err));
		ck_assert_int_eq(err.kind, RW_EUNSUPPORTED);
		ck_assert(strstr(err.msg, "wal_level = minimal") != NULL);
		at[0] = after;
		ck_assert(!run_params(false, at, lv, h, 1, &err));
	}
	/* wal_log_hints off before the divergence point and on again before it: fine */
	{
		lsn_t		at[] = {before, before2};
		int32_t		lv[] = {1, 1};
		bool		h[] = {false, true};

		ck_assert_msg(run_params(false, at, lv, h, 2, &err), "%s", err.msg);
	}
	/* off before the divergence point, on only after it: refused, unless checksums */
	{
		lsn_t		at[] = {before, after};
		int32_t		lv[] = {1, 1};
		bool		h[] = {false, true};

		ck_assert(!run_params(false, at, lv, h, 2, &err));
		ck_assert_int_eq(err.kind, RW_ESTATE);
		ck_assert(strstr(err.msg, "wal_log_hints = off") != NULL);
		ck_assert_msg(run_params(true, at, lv, h, 2, &err), "%s", err.msg);
	}
	/* off after the divergence point and on again: refused (pg_control says on) */
	{
		lsn_t		at[] = {after, after2};
		int32_t		lv[] = {1, 1};
		bool		h[] = {false, true};

		ck_assert(!run_params(false, at, lv, h, 2, &err));
		ck_assert_int_eq(err.kind, RW_ESTATE);
		ck_assert_msg(run_params(true, at, lv, h, 2, &err), "%s", err.msg);
	}
	/* other settings changed, wal_log_hints on throughout */
	{
		lsn_t		at[] = {before, after};
		int32_t		lv[] = {2, 1};
		bool		h[] = {true, true};

		ck_assert_msg(run_params(false, at, lv, h, 2, &err), "%s", err.msg);
	}
}
END_TEST

/* blockfirst: the first note of a block wins, whatever follows; it grows past its start size. */
START_TEST(test_blockfirst)
{
	blockfirst *f = blockfirst_new();
	blockmap   *whole = blockmap_new(), *partial = blockmap_new();

	for (uint32_t i = 0; i < 5000; i++)
		blockfirst_note(f, REL, i, i % 3 == 0);
	for (uint32_t i = 0; i < 5000; i++)
		blockfirst_note(f, REL, i, i % 3 != 0);
	ck_assert_uint_eq(blockfirst_count(f, true), 1667);
	ck_assert_uint_eq(blockfirst_count(f, false), 3333);
	blockfirst_add_to(f, whole, true);
	blockfirst_add_to(f, partial, false);
	blockmap_finish(whole);
	blockmap_finish(partial);
	ck_assert(map_has(whole, 0) && map_has(whole, 4998) && !map_has(whole, 1));
	ck_assert(map_has(partial, 1) && !map_has(partial, 3));
	ck_assert_uint_eq(blockmap_count_missing(whole, partial), 1667);
	blockmap_free(whole);
	blockmap_free(partial);
	blockfirst_free(f);
}
END_TEST

extern Suite *blockproof_suite(void);

Suite *blockproof_suite(void)
{
	Suite	   *s = suite_create("blockproof");
	TCase	   *tc = tcase_create("per block");

	tcase_add_test(tc, test_first_reference_decides);
	tcase_add_test(tc, test_promotion_before_divergence);
	tcase_add_test(tc, test_parameter_changes);
	tcase_add_test(tc, test_blockfirst);
	suite_add_tcase(s, tc);
	return s;
}
