/*
 * The divergence ledger on hand-built WAL records: transaction attribution
 * (subtransactions, two-phase commit, aborts), heap payload decoding and the
 * changes that are not row changes.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "ledger.h"
#include "pgver.h"
#include "walrec.h"

#define DIVERGE 0x5000000
#define T_XINFO 0x80
#define T_HAS_SUBXACTS 0x002
#define T_HAS_TWOPHASE 0x010

static const relfile_locator REL_A = {1663, 5, 16384};
static const relfile_locator REL_B = {1663, 5, 16390};

/* A record with room for main data built by the test. */
typedef struct test_rec {
	wal_record	r;
	uint8_t		data[512];
} test_rec;

static lsn_t next_lsn = DIVERGE;

static test_rec *
make(uint8_t rmid, uint8_t info, uint32_t xid)
{
	static test_rec t;

	memset(&t, 0, sizeof(t));
	t.r.lsn = next_lsn;
	next_lsn += 0x100;
	t.r.rmid = rmid;
	t.r.info = info;
	t.r.xid = xid;
	t.r.main_data = t.data;
	return &t;
}

static void
put16(test_rec *t, uint16_t v)
{
	memcpy(t->data + t->r.main_len, &v, 2);
	t->r.main_len += 2;
}

static void
put32(test_rec *t, uint32_t v)
{
	memcpy(t->data + t->r.main_len, &v, 4);
	t->r.main_len += 4;
}

static void
put8(test_rec *t, uint8_t v)
{
	t->data[t->r.main_len++] = v;
}

static void
block(test_rec *t, uint8_t id, relfile_locator loc, uint32_t blkno)
{
	wal_blockref *b = &t->r.blocks[t->r.nblocks++];

	b->id = id;
	b->fork = FORK_MAIN;
	b->spc = loc.spc;
	b->db = loc.db;
	b->rel = loc.rel;
	b->blkno = blkno;
}

static ledger *
new_ledger(void)
{
	next_lsn = DIVERGE;
	return ledger_new(pgver_lookup(15), DIVERGE);
}

static void
insert(ledger *l, uint32_t xid, relfile_locator loc, uint32_t blk, uint16_t off)
{
	test_rec   *t = make(RM_HEAP_ID, 0x00, xid);

	put16(t, off);
	put8(t, 0);
	block(t, 0, loc, blk);
	ledger_observe(l, &t->r);
}

static void
update(ledger *l, uint32_t xid, bool hot, relfile_locator loc, uint32_t old_blk,
	   uint16_t old_off, uint32_t new_blk, uint16_t new_off)
{
	test_rec   *t = make(RM_HEAP_ID, hot ? 0x40 : 0x20, xid);

	put32(t, xid);				/* old_xmax */
	put16(t, old_off);
	put8(t, 0);
	put8(t, 0);
	put32(t, 0);				/* new_xmax */
	put16(t, new_off);
	block(t, 0, loc, new_blk);
	if (old_blk != new_blk)
		block(t, 1, loc, old_blk);
	ledger_observe(l, &t->r);
}

static void
delete(ledger *l, uint32_t xid, relfile_locator loc, uint32_t blk, uint16_t off,
	   uint8_t flags)
{
	test_rec   *t = make(RM_HEAP_ID, 0x10, xid);

	put32(t, xid);
	put16(t, off);
	put8(t, 0);
	put8(t, flags);
	block(t, 0, loc, blk);
	ledger_observe(l, &t->r);
}

/* COMMIT / ABORT (op 0x00 / 0x20) or the *_PREPARED forms with twophase_xid. */
static void
xact_end(ledger *l, uint8_t op, uint32_t xid, const uint32_t *subs, int nsubs,
		 uint32_t twophase_xid)
{
	uint32_t	xinfo = (nsubs ? T_HAS_SUBXACTS : 0) | (twophase_xid ? T_HAS_TWOPHASE : 0);
	test_rec   *t = make(RM_XACT_ID, (uint8_t) (op | (xinfo ? T_XINFO : 0)), xid);
	int64_t		when = INT64_C(770000000) * 1000000;	/* 2024-05-26 */

	memcpy(t->data, &when, 8);
	t->r.main_len = 8;
	if (xinfo)
		put32(t, xinfo);
	if (nsubs)
	{
		put32(t, (uint32_t) nsubs);
		for (int i = 0; i < nsubs; i++)
			put32(t, subs[i]);
	}
	if (twophase_xid)
		put32(t, twophase_xid);
	ledger_observe(l, &t->r);
}

static void
commit(ledger *l, uint32_t xid, const uint32_t *subs, int nsubs)
{
	xact_end(l, 0x00, xid, subs, nsubs, 0);
}

static void
abort_xact(ledger *l, uint32_t xid)
{
	xact_end(l, 0x20, xid, NULL, 0, 0);
}

static void
assert_ctids(const ledger_rel *r, const char *want)
{
	char		got[2048] = "";

	for (size_t i = 0; i < r->nctids; i++)
	{
		char		one[32];

		snprintf(one, sizeof(one), "%s(%u,%u)", i ? " " : "",
				 (unsigned) r->ctids[i].block, (unsigned) r->ctids[i].offset);
		strcat(got, one);
	}
	ck_assert_str_eq(got, want);
}

START_TEST(before_divergence_ignored)
{
	ledger	   *l = new_ledger();
	const ledger_result *r;

	next_lsn = DIVERGE - 0x1000;
	insert(l, 90, REL_A, 0, 1);
	commit(l, 90, NULL, 0);
	next_lsn = DIVERGE;
	ledger_finish(l);
	r = ledger_get(l);
	ck_assert_uint_eq(r->nxacts, 0);
	ck_assert_uint_eq(r->nrels, 0);
	ck_assert_uint_eq(r->records, 0);
	ledger_free(l);
}
END_TEST

START_TEST(commit_and_abort)
{
	ledger	   *l = new_ledger();
	const ledger_result *r;
	const ledger_rel *a;

	insert(l, 100, REL_A, 0, 1);
	insert(l, 100, REL_A, 0, 2);
	insert(l, 101, REL_A, 0, 3);	/* aborted */
	commit(l, 100, NULL, 0);
	abort_xact(l, 101);
	insert(l, 102, REL_B, 4, 9);	/* never ends: in progress */
	ledger_finish(l);
	r = ledger_get(l);
	ck_assert_uint_eq(r->nxacts, 1);
	ck_assert_uint_eq(r->xacts[0].xid, 100);
	ck_assert_int_eq(r->xacts[0].time, INT64_C(770000000) * 1000000);
	ck_assert(!r->xacts[0].two_phase);
	ck_assert_uint_eq(r->aborted, 1);
	ck_assert_uint_eq(r->nrels, 1);
	a = ledger_find_rel(l, REL_A);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->inserted, 2);
	assert_ctids(a, "(0,1) (0,2)");
	ck_assert_ptr_null(ledger_find_rel(l, REL_B));
	ledger_free(l);
}
END_TEST

START_TEST(subtransactions)
{
	ledger	   *l = new_ledger();
	const ledger_result *r;
	uint32_t	subs[] = {201, 202};
	test_rec   *t;

	insert(l, 200, REL_A, 1, 1);
	insert(l, 201, REL_A, 1, 2);	/* committed subtransaction */
	insert(l, 203, REL_A, 1, 3);	/* rolled back: not in the commit's list */
	abort_xact(l, 203);
	insert(l, 202, REL_B, 0, 1);
	update(l, 200, true, REL_A, 1, 2, 1, 4);	/* parent updates the sub's row */
	commit(l, 200, subs, 2);

	/* a subtransaction named by the top-level-xid header, then rolled back */
	t = make(RM_HEAP_ID, 0x00, 211);
	put16(t, 5);
	put8(t, 0);
	block(t, 0, REL_B, 0);
	t->r.toplevel_xid = 210;
	ledger_observe(l, &t->r);
	abort_xact(l, 211);
	insert(l, 210, REL_B, 0, 6);
	commit(l, 210, NULL, 0);

	ledger_finish(l);
	r = ledger_get(l);
	ck_assert_uint_eq(r->nxacts, 2);
	ck_assert_uint_eq(r->xacts[0].xid, 200);
	ck_assert_uint_eq(r->xacts[1].xid, 210);
	/* without WAL naming its parent a rolled-back subtransaction looks like an abort */
	ck_assert_uint_eq(r->aborted, 1);
	ck_assert_uint_eq(r->subxacts_aborted, 1);
	ck_assert_uint_eq(ledger_find_rel(l, REL_A)->inserted, 2);
	ck_assert_uint_eq(ledger_find_rel(l, REL_A)->hot_updated, 1);
	assert_ctids(ledger_find_rel(l, REL_A), "(1,1) (1,4)");
	ck_assert_uint_eq(ledger_find_rel(l, REL_B)->inserted, 2);
	assert_ctids(ledger_find_rel(l, REL_B), "(0,1) (0,6)");
	/* the salvage's question: which transaction committed an xid */
	ck_assert_uint_eq(ledger_committed_xact(l, 200)->xid, 200);
	ck_assert_uint_eq(ledger_committed_xact(l, 201)->xid, 200);
	ck_assert_uint_eq(ledger_committed_xact(l, 202)->xid, 200);
	ck_assert_uint_eq(ledger_committed_xact(l, 210)->xid, 210);
	ck_assert_ptr_null(ledger_committed_xact(l, 203));	/* rolled back */
	ck_assert_ptr_null(ledger_committed_xact(l, 211));
	ck_assert_ptr_null(ledger_committed_xact(l, 0));
	ck_assert_ptr_null(ledger_committed_xact(l, 199));
	ledger_free(l);
}
END_TEST

START_TEST(two_phase)
{
	ledger	   *l = new_ledger();
	const ledger_result *r;
	uint32_t	subs[] = {301};

	insert(l, 300, REL_A, 0, 1);
	insert(l, 301, REL_A, 0, 2);
	ledger_observe(l, &make(RM_XACT_ID, 0x10, 300)->r);	/* PREPARE */
	insert(l, 310, REL_A, 0, 3);
	ledger_observe(l, &make(RM_XACT_ID, 0x10, 310)->r);
	insert(l, 320, REL_B, 0, 1);
	ledger_observe(l, &make(RM_XACT_ID, 0x10, 320)->r);	/* left prepared */
	xact_end(l, 0x30, 0, subs, 1, 300);	/* COMMIT PREPARED, xl_xid 0 */
	xact_end(l, 0x40, 0, NULL, 0, 310);	/* ABORT PREPARED */
	ledger_finish(l);
	r = ledger_get(l);
	ck_assert_uint_eq(r->nxacts, 1);
	ck_assert_uint_eq(r->xacts[0].xid, 300);
	ck_assert(r->xacts[0].two_phase);
	ck_assert_uint_eq(r->aborted, 1);
	ck_assert_uint_eq(r->nprepared, 1);
	ck_assert_uint_eq(r->prepared[0], 320);
	assert_ctids(ledger_find_rel(l, REL_A), "(0,1) (0,2)");
	ck_assert_ptr_null(ledger_find_rel(l, REL_B));
	ck_assert(ledger_committed_xact(l, 300)->two_phase);
	ck_assert_uint_eq(ledger_committed_xact(l, 301)->xid, 300);
	ck_assert_ptr_null(ledger_committed_xact(l, 310));	/* ABORT PREPARED */
	ck_assert_ptr_null(ledger_committed_xact(l, 320));	/* still prepared */
	ledger_free(l);
}
END_TEST

START_TEST(updates_and_deletes)
{
	ledger	   *l = new_ledger();
	const ledger_rel *a;

	insert(l, 400, REL_A, 0, 1);
	commit(l, 400, NULL, 0);
	update(l, 401, true, REL_A, 0, 1, 0, 2);	/* HOT: same page */
	update(l, 401, false, REL_A, 0, 2, 3, 1);	/* not HOT: old row on block 1 ref */
	update(l, 401, false, REL_A, 7, 7, 7, 8);	/* a row from before: nothing to drop */
	delete(l, 401, REL_A, 5, 5, 0);
	delete(l, 401, REL_A, 7, 8, 0);			/* deletes the row it wrote */
	insert(l, 401, REL_A, 9, 1);
	delete(l, 401, REL_A, 9, 1, 0x08);		/* IS_SUPER: insertion taken back */
	commit(l, 401, NULL, 0);
	ledger_finish(l);
	a = ledger_find_rel(l, REL_A);
	ck_assert_uint_eq(a->inserted, 1);
	ck_assert_uint_eq(a->hot_updated, 1);
	ck_assert_uint_eq(a->updated, 2);
	ck_assert_uint_eq(a->deleted, 2);
	assert_ctids(a, "(3,1)");
	ledger_free(l);
}
END_TEST

static void
multi_insert(ledger *l, uint32_t xid, bool init, const uint16_t *offs, uint16_t n)
{
	test_rec   *t = make(RM_HEAP2_ID, (uint8_t) (0x50 | (init ? 0x80 : 0)), xid);

	put8(t, 0);
	put8(t, 0);
	put16(t, n);
	for (uint16_t i = 0; !init && i < n; i++)
		put16(t, offs[i]);
	block(t, 0, REL_B, 2);
	ledger_observe(l, &t->r);
}

START_TEST(multi_inserts)
{
	ledger	   *l = new_ledger();
	uint16_t	offs[] = {5, 7};
	const ledger_rel *b;

	multi_insert(l, 500, true, NULL, 3);
	multi_insert(l, 500, false, offs, 2);
	commit(l, 500, NULL, 0);
	ledger_finish(l);
	b = ledger_find_rel(l, REL_B);
	ck_assert_uint_eq(b->inserted, 5);
	assert_ctids(b, "(2,1) (2,2) (2,3) (2,5) (2,7)");
	ck_assert_uint_eq(ledger_get(l)->undecodable, 0);
	ledger_free(l);
}
END_TEST

START_TEST(ctid_cap_and_bad_records)
{
	ledger	   *l = new_ledger();
	const ledger_rel *a;
	test_rec   *t;

	for (uint16_t i = 1; i <= LEDGER_CTID_CAP + 50; i++)
		insert(l, 600, REL_A, i / 100, i);
	t = make(RM_HEAP_ID, 0x00, 600);	/* insert without its block reference */
	put16(t, 1);
	put8(t, 0);
	ledger_observe(l, &t->r);
	t = make(RM_HEAP_ID, 0x20, 600);	/* update with 3 bytes of main data */
	put16(t, 1);
	put8(t, 0);
	block(t, 0, REL_A, 0);
	ledger_observe(l, &t->r);
	commit(l, 600, NULL, 0);
	ledger_finish(l);
	a = ledger_find_rel(l, REL_A);
	ck_assert_uint_eq(a->inserted, LEDGER_CTID_CAP + 50);
	ck_assert_uint_eq(a->nctids, LEDGER_CTID_CAP);
	ck_assert_uint_eq(a->ctids_unlisted, 50);
	ck_assert_uint_eq(ledger_get(l)->undecodable, 2);
	ledger_free(l);
}
END_TEST

START_TEST(other_changes)
{
	ledger	   *l = new_ledger();
	const ledger_result *r;
	relfile_locator seq = {1663, 5, 16400}, created = {1663, 5, 16500};
	test_rec   *t;

	for (int i = 0; i < 2; i++)
	{
		t = make(RM_SEQ_ID, 0x00, 700);
		block(t, 0, seq, 0);
		ledger_observe(l, &t->r);
	}
	abort_xact(l, 700);			/* sequences do not roll back */
	t = make(RM_SMGR_ID, 0x11, 701);
	put32(t, created.spc);
	put32(t, created.db);
	put32(t, created.rel);
	put32(t, FORK_MAIN);
	ledger_observe(l, &t->r);
	commit(l, 701, NULL, 0);
	t = make(RM_SMGR_ID, 0x21, 0);	/* VACUUM truncation: no transaction */
	put32(t, 3);
	put32(t, REL_A.spc);
	put32(t, REL_A.db);
	put32(t, REL_A.rel);
	put32(t, 7);
	ledger_observe(l, &t->r);
	t = make(RM_DBASE_ID, 0x10, 702);	/* 15: CREATE_WAL_LOG */
	put32(t, 16600);
	put32(t, 1663);
	ledger_observe(l, &t->r);
	ledger_finish(l);
	r = ledger_get(l);
	ck_assert_uint_eq(r->nchanges, 4);
	ck_assert_int_eq(r->changes[0].kind, LC_SEQUENCE);
	ck_assert_uint_eq(r->changes[0].count, 2);
	ck_assert_int_eq(r->changes[1].kind, LC_REL_CREATED);
	ck_assert_uint_eq(r->changes[1].xid, 701);
	ck_assert_int_eq(r->changes[2].kind, LC_SMGR_TRUNCATE);
	ck_assert_uint_eq(r->changes[2].nblocks, 3);
	ck_assert_int_eq(r->changes[3].kind, LC_DB_CREATED);
	ck_assert_uint_eq(r->changes[3].loc.db, 16600);
	ck_assert(ledger_created_after(l, created));
	ck_assert(!ledger_created_after(l, REL_A));
	ledger_free(l);
}
END_TEST

/*
 * Row changes are summed per transaction and relation as they come; what a
 * commit adds must be what applying every change in WAL order would give.
 */
START_TEST(subtransaction_rolled_back_keeps_rows)
{
	ledger	   *l = new_ledger();
	const ledger_rel *a;
	uint32_t	subs[] = {802};

	insert(l, 800, REL_A, 0, 1);
	insert(l, 800, REL_A, 0, 2);
	delete(l, 801, REL_A, 0, 1, 0);	/* a subtransaction deletes the parent's row */
	update(l, 801, true, REL_A, 0, 2, 0, 3);
	abort_xact(l, 801);				/* ... and is rolled back */
	insert(l, 802, REL_A, 0, 4);
	delete(l, 800, REL_A, 0, 4, 0);	/* the parent deletes a subtransaction's row */
	commit(l, 800, subs, 1);
	ledger_finish(l);
	a = ledger_find_rel(l, REL_A);
	ck_assert_uint_eq(a->inserted, 3);
	ck_assert_uint_eq(a->deleted, 1);
	ck_assert_uint_eq(a->hot_updated, 0);
	assert_ctids(a, "(0,1) (0,2)");
	ck_assert_uint_eq(a->ctids_unlisted, 0);
	ck_assert_ptr_null(ledger_committed_xact(l, 801));
	ck_assert_uint_eq(ledger_committed_xact(l, 802)->xid, 800);
	ledger_free(l);
}
END_TEST

START_TEST(update_of_own_rows)
{
	ledger	   *l = new_ledger();
	const ledger_rel *a;

	insert(l, 810, REL_A, 1, 1);
	insert(l, 810, REL_A, 1, 2);
	insert(l, 810, REL_A, 1, 3);
	update(l, 810, false, REL_A, 1, 1, 2, 4);
	update(l, 810, true, REL_A, 2, 4, 2, 5);	/* the version it just wrote */
	delete(l, 810, REL_A, 1, 2, 0);
	commit(l, 810, NULL, 0);
	ledger_finish(l);
	a = ledger_find_rel(l, REL_A);
	ck_assert_uint_eq(a->inserted, 3);
	ck_assert_uint_eq(a->updated, 1);
	ck_assert_uint_eq(a->hot_updated, 1);
	ck_assert_uint_eq(a->deleted, 1);
	assert_ctids(a, "(1,3) (2,5)");
	ledger_free(l);
}
END_TEST

START_TEST(delete_of_listed_row)
{
	ledger	   *l = new_ledger();
	const ledger_rel *a;

	insert(l, 820, REL_A, 2, 1);
	insert(l, 820, REL_A, 2, 2);
	insert(l, 820, REL_A, 2, 3);
	commit(l, 820, NULL, 0);
	delete(l, 821, REL_A, 2, 2, 0);	/* listed by a committed transaction */
	delete(l, 822, REL_A, 2, 3, 0);
	insert(l, 823, REL_A, 2, 4);		/* concurrent, commits last */
	abort_xact(l, 822);				/* its delete has no effect */
	commit(l, 821, NULL, 0);
	commit(l, 823, NULL, 0);
	ledger_finish(l);
	a = ledger_find_rel(l, REL_A);
	ck_assert_uint_eq(a->inserted, 4);
	ck_assert_uint_eq(a->deleted, 1);
	assert_ctids(a, "(2,1) (2,3) (2,4)");
	ledger_free(l);
}
END_TEST

START_TEST(cap_across_transactions)
{
	ledger	   *l = new_ledger();
	const ledger_rel *a;

	for (uint16_t i = 1; i <= LEDGER_CTID_CAP + 10; i++)
		insert(l, 830, REL_A, 3, i);
	commit(l, 830, NULL, 0);
	for (uint16_t i = 1; i <= 5; i++)
		delete(l, 831, REL_A, 3, i, 0);	/* listed: 5 places free */
	delete(l, 831, REL_A, 3, LEDGER_CTID_CAP + 1, 0);	/* written beyond the cap */
	for (uint16_t i = 1; i <= 9; i++)
		insert(l, 831, REL_A, 4, i);
	delete(l, 831, REL_A, 4, 9, 0);	/* one of its own */
	commit(l, 831, NULL, 0);
	ledger_finish(l);
	a = ledger_find_rel(l, REL_A);
	ck_assert_uint_eq(a->inserted, LEDGER_CTID_CAP + 10 + 9);
	ck_assert_uint_eq(a->deleted, 7);
	ck_assert_uint_eq(a->nctids, LEDGER_CTID_CAP);
	ck_assert_uint_eq(a->ctids[0].block, 3);
	ck_assert_uint_eq(a->ctids[0].offset, 6);
	ck_assert_uint_eq(a->ctids[LEDGER_CTID_CAP - 1].block, 4);
	ck_assert_uint_eq(a->ctids[LEDGER_CTID_CAP - 1].offset, 5);
	/*
	 * 10 beyond the cap at the first commit, (4,6) to (4,8) at the second:
	 * (4,9), deleted by the transaction that wrote it, is not counted
	 */
	ck_assert_uint_eq(a->ctids_unlisted, 13);
	ledger_free(l);
}
END_TEST

START_TEST(large_transaction)
{
	ledger	   *l = new_ledger();
	const ledger_rel *a;
	const uint32_t n = 50000;

	for (uint32_t i = 0; i < n; i++)
		insert(l, 840, REL_B, i / 100, (uint16_t) (i % 100 + 1));
	for (uint32_t i = 0; i < n; i++)
		update(l, 840, false, REL_B, i / 100, (uint16_t) (i % 100 + 1),
			   1000 + i / 100, (uint16_t) (i % 100 + 1));
	commit(l, 840, NULL, 0);
	ledger_finish(l);
	a = ledger_find_rel(l, REL_B);
	ck_assert_uint_eq(a->inserted, n);
	ck_assert_uint_eq(a->updated, n);
	/* the first rows' new versions took the places of the versions replaced */
	ck_assert_uint_eq(a->nctids, LEDGER_CTID_CAP);
	ck_assert_uint_eq(a->ctids[0].block, 1000);
	ck_assert_uint_eq(a->ctids[LEDGER_CTID_CAP - 1].offset, 100);
	ck_assert_uint_eq(a->ctids_unlisted, 2 * (uint64_t) (n - LEDGER_CTID_CAP));
	ledger_free(l);
}
END_TEST

extern Suite *ledger_suite(void);

Suite *ledger_suite(void)
{
	Suite	   *s = suite_create("ledger");
	TCase	   *tc = tcase_create("records");

	tcase_add_test(tc, before_divergence_ignored);
	tcase_add_test(tc, commit_and_abort);
	tcase_add_test(tc, subtransactions);
	tcase_add_test(tc, two_phase);
	tcase_add_test(tc, updates_and_deletes);
	tcase_add_test(tc, multi_inserts);
	tcase_add_test(tc, ctid_cap_and_bad_records);
	tcase_add_test(tc, other_changes);
	suite_add_tcase(s, tc);
	tc = tcase_create("aggregation");
	tcase_add_test(tc, subtransaction_rolled_back_keeps_rows);
	tcase_add_test(tc, update_of_own_rows);
	tcase_add_test(tc, delete_of_listed_row);
	tcase_add_test(tc, cap_across_transactions);
	tcase_add_test(tc, large_transaction);
	suite_add_tcase(s, tc);
	return s;
}
