/*
 * The salvage's judgement of a row version by its header, on hand-built
 * pages: written and still live, removed, locked only, multixacts, aborted
 * and committed subtransactions; and the line pointers it reads.
 */
#include <check.h>
#include <string.h>

#include "ledger.h"
#include "pgver.h"
#include "salvage/salvage_page.h"
#include "walrec.h"

#define DIVERGE 0x5000000
#define BLCKSZ 8192

/* t_infomask bits */
#define XMIN_COMMITTED 0x0100
#define XMAX_KEYSHR_LOCK 0x0010
#define XMAX_EXCL_LOCK 0x0040
#define XMAX_LOCK_ONLY 0x0080
#define XMAX_INVALID 0x0800
#define XMAX_IS_MULTI 0x1000

typedef struct test_rec {
	wal_record	r;
	uint8_t		data[64];
} test_rec;

/* A COMMIT of xid with its committed subtransactions (xl_xact_commit). */
static void
commit(ledger *l, lsn_t lsn, uint32_t xid, const uint32_t *subs, uint32_t nsubs)
{
	test_rec	t;
	int64_t		when = INT64_C(770000000) * 1000000;
	uint32_t	xinfo = 0x002;	/* XACT_XINFO_HAS_SUBXACTS */

	memset(&t, 0, sizeof(t));
	t.r.lsn = lsn;
	t.r.rmid = RM_XACT_ID;
	t.r.info = nsubs ? 0x80 : 0x00;
	t.r.xid = xid;
	t.r.main_data = t.data;
	memcpy(t.data, &when, 8);
	t.r.main_len = 8;
	if (nsubs)
	{
		memcpy(t.data + 8, &xinfo, 4);
		memcpy(t.data + 12, &nsubs, 4);
		memcpy(t.data + 16, subs, 4 * nsubs);
		t.r.main_len = 16 + 4 * nsubs;
	}
	ledger_observe(l, &t.r);
}

/* Lost: 500 (with committed subtransaction 501), 510.  502 rolled back. */
static ledger *
lost(void)
{
	ledger	   *l = ledger_new(pgver_lookup(15), DIVERGE);
	uint32_t	subs[] = {501};

	commit(l, DIVERGE + 0x100, 500, subs, 1);
	commit(l, DIVERGE + 0x200, 510, NULL, 0);
	ledger_finish(l);
	return l;
}

static void
header(uint8_t *t, uint32_t xmin, uint32_t xmax, uint16_t infomask)
{
	memset(t, 0, 24);
	memcpy(t, &xmin, 4);
	memcpy(t + 4, &xmax, 4);
	memcpy(t + 20, &infomask, 2);
	t[22] = 24;
}

/* Multixacts 8 (updater 510, lost), 9 (updater 502, aborted), 11 (only
 * lockers); 7 is not known. */
static multi_updater multis_v[] = {{8, 510}, {9, 502}, {11, 0}};
static const multi_updaters multis = {multis_v, 3, 3};

static tuple_verdict
judge(const ledger *l, uint32_t xmin, uint32_t xmax, uint16_t infomask)
{
	uint8_t		t[32];
	const ledger_xact *a,
			   *b;

	header(t, xmin, xmax, infomask);
	return tuple_judge(l, &multis, t, sizeof(t), &a, &b);
}

START_TEST(verdicts)
{
	ledger	   *l = lost();
	uint8_t		t[32];
	const ledger_xact *xmin_x,
			   *xmax_x;

	/* written by a lost transaction or its committed subtransaction */
	ck_assert_int_eq(judge(l, 500, 0, XMAX_INVALID), TV_WRITTEN);
	ck_assert_int_eq(judge(l, 501, 0, 0), TV_WRITTEN);
	/* then removed by a rolled-back subtransaction: still written */
	ck_assert_int_eq(judge(l, 500, 502, 0), TV_WRITTEN);
	/* locked only (FOR UPDATE, FOR SHARE, a pre-9.3 exclusive lock) */
	ck_assert_int_eq(judge(l, 500, 510, XMAX_LOCK_ONLY | XMAX_EXCL_LOCK), TV_WRITTEN);
	ck_assert_int_eq(judge(l, 400, 510, XMAX_EXCL_LOCK), TV_NONE);
	/* written and removed by lost transactions: neither */
	ck_assert_int_eq(judge(l, 500, 510, 0), TV_NONE);
	ck_assert_int_eq(judge(l, 500, 500, 0), TV_NONE);
	/* from before the divergence, removed by a lost one */
	ck_assert_int_eq(judge(l, 400, 510, XMIN_COMMITTED), TV_REMOVED);
	ck_assert_int_eq(judge(l, 400, 501, 0), TV_REMOVED);
	/* a hint says the xmax aborted */
	ck_assert_int_eq(judge(l, 400, 510, XMAX_INVALID), TV_NONE);
	/* untouched, or changed by an aborted transaction */
	ck_assert_int_eq(judge(l, 400, 0, XMAX_INVALID), TV_NONE);
	ck_assert_int_eq(judge(l, 400, 502, 0), TV_NONE);
	ck_assert_int_eq(judge(l, 502, 0, 0), TV_NONE);
	/* a multixact xmax whose members are not known (7) */
	ck_assert_int_eq(judge(l, 500, 7, XMAX_IS_MULTI), TV_UNCERTAIN);
	ck_assert_int_eq(judge(l, 400, 7, XMAX_IS_MULTI), TV_NONE);
	/* known: its updater is the remover */
	ck_assert_int_eq(judge(l, 400, 8, XMAX_IS_MULTI), TV_REMOVED);
	ck_assert_int_eq(judge(l, 500, 8, XMAX_IS_MULTI), TV_NONE);
	ck_assert_int_eq(judge(l, 500, 9, XMAX_IS_MULTI), TV_WRITTEN);
	ck_assert_int_eq(judge(l, 400, 9, XMAX_IS_MULTI), TV_NONE);
	ck_assert_int_eq(judge(l, 500, 11, XMAX_IS_MULTI), TV_WRITTEN);
	ck_assert_int_eq(judge(l, 500, 7, XMAX_IS_MULTI | XMAX_LOCK_ONLY | XMAX_KEYSHR_LOCK),
					 TV_WRITTEN);
	/* the transactions involved */
	header(t, 400, 501, 0);
	ck_assert_int_eq(tuple_judge(l, &multis, t, sizeof(t), &xmin_x, &xmax_x), TV_REMOVED);
	ck_assert_ptr_null(xmin_x);
	ck_assert_uint_eq(xmax_x->xid, 500);
	/* too short for a header */
	ck_assert_int_eq(tuple_judge(l, &multis, t, 22, &xmin_x, &xmax_x), TV_NONE);
	header(t, 400, 8, XMAX_IS_MULTI);
	ck_assert_int_eq(tuple_judge(l, &multis, t, sizeof(t), &xmin_x, &xmax_x), TV_REMOVED);
	ck_assert_uint_eq(xmax_x->xid, 510);
	ledger_free(l);
}
END_TEST

/* A line pointer: offset, flags, length. */
static void
line_pointer(uint8_t *page, uint16_t n, uint32_t off, uint32_t flags, uint32_t len)
{
	uint32_t	lp = off | flags << 15 | len << 17;

	memcpy(page + 24 + 4 * (n - 1), &lp, 4);
}

START_TEST(line_pointers)
{
	static uint8_t page[BLCKSZ];
	page_tuple	t[8];
	uint16_t	lower = 24 + 4 * 4,
				upper = 8000;

	memset(page, 0, sizeof(page));
	memcpy(page + 12, &lower, 2);
	memcpy(page + 14, &upper, 2);
	line_pointer(page, 1, 8100, 1, 40);	/* normal */
	line_pointer(page, 2, 3, 2, 0);		/* redirect */
	line_pointer(page, 3, 8170, 1, 40);	/* runs past the page */
	line_pointer(page, 4, 8000, 1, 30);	/* normal */
	ck_assert_uint_eq(page_tuples(page, BLCKSZ, t, 8), 2);
	ck_assert_uint_eq(t[0].offset, 1);
	ck_assert_ptr_eq(t[0].data, page + 8100);
	ck_assert_uint_eq(t[0].len, 40);
	ck_assert_uint_eq(t[1].offset, 4);
	ck_assert(!page_tuple_at(page, BLCKSZ, 2, &t[0]));
	ck_assert(!page_tuple_at(page, BLCKSZ, 5, &t[0]));	/* beyond pd_lower */
	ck_assert(!page_tuple_at(page, BLCKSZ, 0, &t[0]));
	ck_assert(page_tuple_at(page, BLCKSZ, 4, &t[0]) && t[0].len == 30);
	/* a page of zeros (never written) has none */
	memset(page, 0, sizeof(page));
	ck_assert_uint_eq(page_tuples(page, BLCKSZ, t, 8), 0);
}
END_TEST

extern Suite *salvage_page_suite(void);

Suite *
salvage_page_suite(void)
{
	Suite	   *s = suite_create("salvage_page");
	TCase	   *tc = tcase_create("headers");

	tcase_add_test(tc, verdicts);
	tcase_add_test(tc, line_pointers);
	suite_add_tcase(s, tc);
	return s;
}
