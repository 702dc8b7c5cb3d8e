/*
 * Record classification and payload decoding, on hand-built main data for
 * every supported major.  The same decoders are run over real PostgreSQL 15
 * WAL in test_walreader.c (walreader_fixture suite).
 */
#include <check.h>
#include <string.h>

#include "pgver.h"
#include "walrec.h"

static wal_record
make_rec(uint8_t rmid, uint8_t info, const uint8_t *main, uint32_t len)
{
	wal_record	r;

	memset(&r, 0, sizeof(r));
	r.lsn = 0x3000060;
	r.rmid = rmid;
	r.info = info;
	r.main_data = len ? main : NULL;
	r.main_len = len;
	return r;
}

static wal_kind
kind_of(int major, uint8_t rmid, uint8_t info)
{
	wal_record	r = make_rec(rmid, info, NULL, 0);

	return walrec_kind(pgver_lookup(major), &r);
}

START_TEST(test_kinds)
{
	for (int v = 14; v <= 18; v++)
	{
		ck_assert_int_eq(kind_of(v, RM_XLOG_ID, 0x00), WK_CHECKPOINT_SHUTDOWN);
		ck_assert_int_eq(kind_of(v, RM_XLOG_ID, 0x10), WK_CHECKPOINT_ONLINE);
		ck_assert_int_eq(kind_of(v, RM_XLOG_ID, 0x40), WK_SWITCH);
		ck_assert_int_eq(kind_of(v, RM_XLOG_ID, 0x90), WK_END_OF_RECOVERY);
		ck_assert_int_eq(kind_of(v, RM_XLOG_ID, 0xB0), WK_FPI);
		ck_assert_int_eq(kind_of(v, RM_XLOG_ID, 0xA0), WK_FPI_FOR_HINT);
		ck_assert_int_eq(kind_of(v, RM_XLOG_ID, 0x80), WK_FPW_CHANGE);
		ck_assert_int_eq(kind_of(v, RM_XLOG_ID, 0x60), WK_PARAMETER_CHANGE);
		ck_assert_int_eq(kind_of(v, RM_XLOG_ID, 0xE0),
						 v >= 17 ? WK_CHECKPOINT_REDO : WK_OTHER);
		/* xact: opcode in 0x70, 0x80 = xinfo present, low bits are flags */
		ck_assert_int_eq(kind_of(v, RM_XACT_ID, 0x00), WK_XACT_COMMIT);
		ck_assert_int_eq(kind_of(v, RM_XACT_ID, 0x80), WK_XACT_COMMIT);
		ck_assert_int_eq(kind_of(v, RM_XACT_ID, 0xA1), WK_XACT_ABORT);
		ck_assert_int_eq(kind_of(v, RM_XACT_ID, 0x10), WK_XACT_PREPARE);
		ck_assert_int_eq(kind_of(v, RM_XACT_ID, 0xB0), WK_XACT_COMMIT_PREPARED);
		ck_assert_int_eq(kind_of(v, RM_XACT_ID, 0xC1), WK_XACT_ABORT_PREPARED);
		ck_assert_int_eq(kind_of(v, RM_XACT_ID, 0x50), WK_OTHER);
		ck_assert_int_eq(kind_of(v, RM_SMGR_ID, 0x11), WK_SMGR_CREATE);
		ck_assert_int_eq(kind_of(v, RM_SMGR_ID, 0x21), WK_SMGR_TRUNCATE);
		ck_assert_int_eq(kind_of(v, RM_TBLSPC_ID, 0x00), WK_TBLSPC_CREATE);
		ck_assert_int_eq(kind_of(v, RM_TBLSPC_ID, 0x10), WK_TBLSPC_DROP);
		ck_assert_int_eq(kind_of(v, RM_RELMAP_ID, 0x00), WK_RELMAP_UPDATE);
		ck_assert_int_eq(kind_of(v, RM_HEAP_ID, 0x80), WK_HEAP_INSERT);
		ck_assert_int_eq(kind_of(v, RM_HEAP_ID, 0x10), WK_HEAP_DELETE);
		ck_assert_int_eq(kind_of(v, RM_HEAP_ID, 0x20), WK_HEAP_UPDATE);
		ck_assert_int_eq(kind_of(v, RM_HEAP_ID, 0xC0), WK_HEAP_HOT_UPDATE);
		ck_assert_int_eq(kind_of(v, RM_HEAP_ID, 0x30), WK_HEAP_TRUNCATE);
		ck_assert_int_eq(kind_of(v, RM_HEAP_ID, 0x70), WK_OTHER);
		ck_assert_int_eq(kind_of(v, RM_HEAP2_ID, 0xD0), WK_HEAP2_MULTI_INSERT);
		ck_assert_int_eq(kind_of(v, RM_HEAP2_ID, 0x10), WK_OTHER);
		ck_assert_int_eq(kind_of(v, RM_SEQ_ID, 0x00), WK_SEQ_LOG);
		ck_assert_int_eq(kind_of(v, RM_MULTIXACT_ID, 0x20), WK_MULTIXACT_CREATE);
		ck_assert_int_eq(kind_of(v, RM_MULTIXACT_ID, 0x00), WK_OTHER);
		ck_assert_int_eq(kind_of(v, RM_BTREE_ID, 0x00), WK_OTHER);
		ck_assert_int_eq(kind_of(v, 200, 0x00), WK_OTHER);
		/* database: the one place where opcodes moved */
		ck_assert_int_eq(kind_of(v, RM_DBASE_ID, 0x00), WK_DBASE_CREATE_COPY);
		ck_assert_int_eq(kind_of(v, RM_DBASE_ID, 0x10),
						 v == 14 ? WK_DBASE_DROP : WK_DBASE_CREATE_WAL_LOG);
		ck_assert_int_eq(kind_of(v, RM_DBASE_ID, 0x20),
						 v == 14 ? WK_OTHER : WK_DBASE_DROP);
	}
}
END_TEST

START_TEST(test_rmgr_names_and_ids)
{
	const pg_version_info *v14 = pgver_lookup(14), *v15 = pgver_lookup(15);

	ck_assert_str_eq(rmgr_name(RM_XLOG_ID), "XLOG");
	ck_assert_str_eq(rmgr_name(RM_XACT_ID), "Transaction");
	ck_assert_str_eq(rmgr_name(RM_SMGR_ID), "Storage");
	ck_assert_str_eq(rmgr_name(RM_HEAP2_ID), "Heap2");
	ck_assert_str_eq(rmgr_name(RM_SPGIST_ID), "SPGist");
	ck_assert_str_eq(rmgr_name(RM_REPLORIGIN_ID), "ReplicationOrigin");
	ck_assert_str_eq(rmgr_name(RM_LOGICALMSG_ID), "LogicalMessage");
	ck_assert_ptr_null(rmgr_name(22));
	ck_assert_ptr_null(rmgr_name(127));
	ck_assert_str_eq(rmgr_name(128), "custom");
	ck_assert_str_eq(rmgr_name(255), "custom");

	ck_assert(rmgr_id_valid(v14, 0));
	ck_assert(rmgr_id_valid(v14, 21));
	ck_assert(!rmgr_id_valid(v14, 22));
	ck_assert(!rmgr_id_valid(v14, 128));
	ck_assert(rmgr_id_valid(v15, 21));
	ck_assert(!rmgr_id_valid(v15, 22));
	ck_assert(!rmgr_id_valid(v15, 127));
	ck_assert(rmgr_id_valid(v15, 128));
	ck_assert(rmgr_id_valid(v15, 255));
}
END_TEST

/* A little writer for main data. */
typedef struct buf {
	uint8_t		b[512];
	uint32_t	n;
} buf;

static void
put(buf *w, const void *p, uint32_t len)
{
	ck_assert_uint_le(w->n + len, sizeof(w->b));
	memcpy(w->b + w->n, p, len);
	w->n += len;
}

static void
put32(buf *w, uint32_t v)
{
	put(w, &v, 4);
}

/*
 * A commit with every part: dbinfo, 2 subxacts, 2 dropped rels, 1 dropped
 * stats item, 2 invalidations, two-phase xid, GID and origin.
 */
static void
full_commit(buf *w, const pg_version_info *ver, uint32_t xinfo)
{
	int64_t		t = INT64_C(837403200000000);	/* 2026-07-16 */

	w->n = 0;
	put(w, &t, 8);
	put32(w, xinfo);
	if (xinfo & 0x001)
	{
		put32(w, 5);			/* db */
		put32(w, 1663);			/* ts */
	}
	if (xinfo & 0x002)
	{
		put32(w, 2);
		put32(w, 901);
		put32(w, 902);
	}
	if (xinfo & 0x004)
	{
		put32(w, 2);
		put32(w, 1663);
		put32(w, 5);
		put32(w, 16384);
		put32(w, 1663);
		put32(w, 5);
		put32(w, 16390);
	}
	if (xinfo & 0x100)
	{
		put32(w, 1);
		for (size_t i = 0; i < ver->dropped_stats_item_size / 4; i++)
			put32(w, 2 + (uint32_t) i);
	}
	if (xinfo & 0x008)
	{
		put32(w, 2);
		for (int i = 0; i < 8; i++)
			put32(w, (uint32_t) i);
	}
	if (xinfo & 0x010)
		put32(w, 745);
	if (xinfo & 0x080)
		put(w, "gid one", 8);
	if (xinfo & 0x020)
		put(w, "0123456789abcdef", 16);	/* origin, unaligned */
}

START_TEST(test_xact_commit_all_parts)
{
	for (int v = 15; v <= 18; v++)
	{
		const pg_version_info *ver = pgver_lookup(v);
		uint32_t	xinfo = 0x001 | 0x002 | 0x004 | 0x008 | 0x010 | 0x020 | 0x080 | 0x100;
		buf			w;
		wal_record	r;
		wal_xact_end x;
		rw_error	err;
		relfile_locator l;

		full_commit(&w, ver, xinfo);
		r = make_rec(RM_XACT_ID, 0xB1, w.b, w.n);	/* COMMIT_PREPARED | HAS_INFO | SPECIAL */
		ck_assert_msg(walrec_xact_end(ver, &r, &x, &err), "%d: %s", v, err.msg);
		ck_assert_int_eq(x.xact_time, INT64_C(837403200000000));
		ck_assert_uint_eq(x.xinfo, xinfo);
		ck_assert_uint_eq(x.db, 5);
		ck_assert_uint_eq(x.ts, 1663);
		ck_assert_uint_eq(x.nsubxacts, 2);
		ck_assert_uint_eq(walrec_xact_subxact(&x, 0), 901);
		ck_assert_uint_eq(walrec_xact_subxact(&x, 1), 902);
		ck_assert_uint_eq(walrec_xact_subxact(&x, 2), 0);
		ck_assert_uint_eq(x.nrels, 2);
		l = walrec_xact_rel(&x, 1);
		ck_assert_uint_eq(l.spc, 1663);
		ck_assert_uint_eq(l.db, 5);
		ck_assert_uint_eq(l.rel, 16390);
		ck_assert_uint_eq(x.twophase_xid, 745);
		ck_assert_str_eq(x.gid, "gid one");

		/* every shorter length fails cleanly */
		for (uint32_t n = 0; n < w.n; n++)
		{
			r = make_rec(RM_XACT_ID, 0xB1, w.b, n);
			ck_assert_msg(!walrec_xact_end(ver, &r, &x, &err), "%d: length %u accepted", v, n);
		}
		/* and so does a longer one */
		r = make_rec(RM_XACT_ID, 0xB1, w.b, w.n + 1);
		ck_assert(!walrec_xact_end(ver, &r, &x, &err));
		ck_assert_int_eq(err.kind, RW_ECORRUPT);
	}
}
END_TEST

START_TEST(test_xact_dropped_stats_per_version)
{
	buf			w;
	wal_record	r;
	wal_xact_end x;
	rw_error	err;

	/* 15's 12-byte items do not parse as 18's 16-byte items */
	full_commit(&w, pgver_lookup(15), 0x004 | 0x100);
	r = make_rec(RM_XACT_ID, 0x81, w.b, w.n);
	ck_assert_msg(walrec_xact_end(pgver_lookup(15), &r, &x, &err), "%s", err.msg);
	ck_assert_uint_eq(x.nrels, 2);
	ck_assert(!walrec_xact_end(pgver_lookup(18), &r, &x, &err));
	/* 14 has no dropped stats at all */
	ck_assert(!walrec_xact_end(pgver_lookup(14), &r, &x, &err));
	ck_assert_msg(strstr(err.msg, "PostgreSQL 14") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(test_xact_simple_and_abort)
{
	const pg_version_info *ver = pgver_lookup(14);
	int64_t		t = 12345;
	uint8_t		b[64];
	uint32_t	xinfo, n;
	wal_record	r;
	wal_xact_end x;
	rw_error	err;

	/* COMMIT without xinfo: just the time */
	memcpy(b, &t, 8);
	r = make_rec(RM_XACT_ID, 0x00, b, 8);
	ck_assert(walrec_xact_end(ver, &r, &x, &err));
	ck_assert_int_eq(x.xact_time, 12345);
	ck_assert_uint_eq(x.xinfo, 0);
	ck_assert_ptr_null(x.gid);

	/* ABORT with a dropped rel; the INVALS bit is ignored in aborts */
	xinfo = 0x004 | 0x008;
	memcpy(b + 8, &xinfo, 4);
	n = 1;
	memcpy(b + 12, &n, 4);
	memcpy(b + 16, "\x7f\x06\0\0\x05\0\0\0\x01\x40\0\0", 12);
	r = make_rec(RM_XACT_ID, 0xA1, b, 28);
	ck_assert_msg(walrec_xact_end(ver, &r, &x, &err), "%s", err.msg);
	ck_assert_uint_eq(x.nrels, 1);
	ck_assert_uint_eq(walrec_xact_rel(&x, 0).rel, 16385);
	ck_assert_uint_eq(walrec_xact_rel(&x, 0).spc, 1663);

	/* negative and oversized counts */
	n = (uint32_t) -1;
	memcpy(b + 12, &n, 4);
	ck_assert(!walrec_xact_end(ver, &r, &x, &err));
	n = 0x20000000;
	memcpy(b + 12, &n, 4);
	ck_assert(!walrec_xact_end(ver, &r, &x, &err));

	/* ABORT_PREPARED without a two-phase xid is malformed */
	xinfo = 0;
	memcpy(b + 8, &xinfo, 4);
	r = make_rec(RM_XACT_ID, 0xC0, b, 12);
	ck_assert(!walrec_xact_end(ver, &r, &x, &err));

	/* GID without its NUL */
	xinfo = 0x010 | 0x080;
	memcpy(b + 8, &xinfo, 4);
	memcpy(b + 12, "\x01\0\0\0abc", 7);
	r = make_rec(RM_XACT_ID, 0xC0, b, 19);
	ck_assert(!walrec_xact_end(ver, &r, &x, &err));

	/* not a transaction end at all */
	r = make_rec(RM_XACT_ID, 0x10, b, 19);
	ck_assert(!walrec_xact_end(ver, &r, &x, &err));
	r = make_rec(RM_HEAP_ID, 0x00, b, 19);
	ck_assert(!walrec_xact_end(ver, &r, &x, &err));
}
END_TEST

START_TEST(test_smgr)
{
	uint8_t		b[24];
	uint32_t	v[5] = {1663, 5, 16384, 2, 0};
	wal_record	r;
	relfile_locator l;
	int			fork;
	uint32_t	nblocks, flags;
	rw_error	err;

	memcpy(b, v, 16);
	r = make_rec(RM_SMGR_ID, 0x11, b, 16);
	ck_assert(walrec_smgr_create(&r, &l, &fork, &err));
	ck_assert_uint_eq(l.rel, 16384);
	ck_assert_int_eq(fork, FORK_VM);
	r.main_len = 15;
	ck_assert(!walrec_smgr_create(&r, &l, &fork, &err));
	v[3] = 9;
	memcpy(b, v, 16);
	r = make_rec(RM_SMGR_ID, 0x11, b, 16);
	ck_assert(!walrec_smgr_create(&r, &l, &fork, &err));

	v[0] = 7;					/* blocks */
	v[1] = 1663;
	v[2] = 5;
	v[3] = 16384;
	v[4] = 7;					/* flags */
	memcpy(b, v, 20);
	r = make_rec(RM_SMGR_ID, 0x21, b, 20);
	ck_assert(walrec_smgr_truncate(&r, &l, &nblocks, &flags, &err));
	ck_assert_uint_eq(nblocks, 7);
	ck_assert_uint_eq(l.spc, 1663);
	ck_assert_uint_eq(l.rel, 16384);
	ck_assert_uint_eq(flags, 7);
	r.main_len = 16;
	ck_assert(!walrec_smgr_truncate(&r, &l, &nblocks, &flags, &err));
	r = make_rec(RM_SMGR_ID, 0x11, b, 20);
	ck_assert(!walrec_smgr_truncate(&r, &l, &nblocks, &flags, &err));
}
END_TEST

START_TEST(test_dbase)
{
	uint32_t	v[4] = {16400, 1663, 1, 1663};
	uint32_t	db, ts, sdb, sts, n;
	const uint8_t *tss;
	wal_record	r;
	rw_error	err;
	const pg_version_info *v14 = pgver_lookup(14), *v15 = pgver_lookup(15);

	r = make_rec(RM_DBASE_ID, 0x01, (const uint8_t *) v, 16);
	for (int major = 14; major <= 15; major++)
	{
		ck_assert(walrec_dbase_create(pgver_lookup(major), &r, &db, &ts, &sdb, &sts, &err));
		ck_assert_uint_eq(db, 16400);
		ck_assert_uint_eq(sdb, 1);
	}
	/* 0x10: CREATE_WAL_LOG (8 bytes) in 15, DROP in 14 */
	r = make_rec(RM_DBASE_ID, 0x10, (const uint8_t *) v, 8);
	ck_assert(walrec_dbase_create(v15, &r, &db, &ts, &sdb, &sts, &err));
	ck_assert_uint_eq(ts, 1663);
	ck_assert_uint_eq(sdb, 0);
	ck_assert(!walrec_dbase_create(v14, &r, &db, &ts, &sdb, &sts, &err));
	v[1] = 1;
	r = make_rec(RM_DBASE_ID, 0x10, (const uint8_t *) v, 12);
	ck_assert(walrec_dbase_drop(v14, &r, &db, &n, &tss, &err));
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(tss, &v[2], 4);
	ck_assert(!walrec_dbase_drop(v15, &r, &db, &n, &tss, &err));
	r.info = 0x20;
	ck_assert(walrec_dbase_drop(v15, &r, &db, &n, &tss, &err));
	r.main_len = 16;
	ck_assert(!walrec_dbase_drop(v15, &r, &db, &n, &tss, &err));
	r.main_len = 4;
	ck_assert(!walrec_dbase_drop(v15, &r, &db, &n, &tss, &err));
	v[1] = 0x80000000;
	r.main_len = 12;
	ck_assert(!walrec_dbase_drop(v15, &r, &db, &n, &tss, &err));
}
END_TEST

START_TEST(test_xlog_payloads)
{
	uint8_t		b[88];
	uint32_t	tli = 3, prev = 2;
	bool		fpw;
	wal_record	r;
	rw_error	err;
	pg_checkpoint cp;
	lsn_t		redo = 0x5000028;

	memset(b, 0, sizeof(b));
	memcpy(b + 8, &tli, 4);
	memcpy(b + 12, &prev, 4);
	for (int v = 14; v <= 18; v++)
	{
		const pg_version_info *ver = pgver_lookup(v);
		uint32_t	size = v >= 17 ? 24 : 16;

		r = make_rec(RM_XLOG_ID, 0x90, b, size);
		ck_assert(walrec_end_of_recovery(ver, &r, &tli, &prev, &err));
		ck_assert_uint_eq(tli, 3);
		ck_assert_uint_eq(prev, 2);
		r.main_len = v >= 17 ? 16 : 24;
		ck_assert(!walrec_end_of_recovery(ver, &r, &tli, &prev, &err));
	}

	b[0] = 1;
	r = make_rec(RM_XLOG_ID, 0x80, b, 1);
	ck_assert(walrec_fpw_change(&r, &fpw, &err));
	ck_assert(fpw);
	r.main_len = 0;
	r.main_data = NULL;
	ck_assert(!walrec_fpw_change(&r, &fpw, &err));

	/* PARAMETER_CHANGE: 6 x int32, wal_level last, then wal_log_hints and track_commit_timestamp */
	{
		wal_parameters par;
		int32_t		ints[6] = {100, 8, 10, 0, 64, 0};

		memset(b, 0, sizeof(b));
		memcpy(b, ints, sizeof(ints));
		b[24] = 1;
		r = make_rec(RM_XLOG_ID, 0x60, b, 28);
		ck_assert(walrec_parameter_change(&r, &par, &err));
		ck_assert_int_eq(par.wal_level, 0);
		ck_assert(par.wal_log_hints);
		ints[5] = 1;
		memcpy(b, ints, sizeof(ints));
		b[24] = 0;
		b[25] = 1;				/* track_commit_timestamp is not wal_log_hints */
		ck_assert(walrec_parameter_change(&r, &par, &err));
		ck_assert_int_eq(par.wal_level, 1);
		ck_assert(!par.wal_log_hints);
		r.main_len = 27;
		ck_assert(!walrec_parameter_change(&r, &par, &err));
		r = make_rec(RM_XLOG_ID, 0x80, b, 28);
		ck_assert(!walrec_parameter_change(&r, &par, &err));
	}

	memset(b, 0, sizeof(b));
	memcpy(b, &redo, 8);
	memcpy(b + 8, &tli, 4);
	memcpy(b + 12, &tli, 4);
	b[16] = 1;
	r = make_rec(RM_XLOG_ID, 0x10, b, 88);
	ck_assert_msg(walrec_checkpoint(pgver_lookup(15), &r, &cp, &err), "%s", err.msg);
	ck_assert_uint_eq(cp.redo, redo);
	ck_assert_uint_eq(cp.tli, 3);
	ck_assert(cp.full_page_writes);
	r.main_len = 87;
	ck_assert(!walrec_checkpoint(pgver_lookup(15), &r, &cp, &err));
	r = make_rec(RM_XLOG_ID, 0x20, b, 88);	/* NOOP */
	ck_assert(!walrec_checkpoint(pgver_lookup(15), &r, &cp, &err));
}
END_TEST

START_TEST(test_multi_insert)
{
	uint8_t		b[4 + 2 * 3] = {0x02, 0, 3, 0, 1, 0, 2, 0, 3, 0};
	uint32_t	n;
	wal_record	r;
	rw_error	err;

	r = make_rec(RM_HEAP2_ID, 0x50, b, sizeof(b));
	ck_assert(walrec_multi_insert_ntuples(&r, &n, &err));
	ck_assert_uint_eq(n, 3);
	/* INIT_PAGE: no offsets array */
	r = make_rec(RM_HEAP2_ID, 0xD0, b, 4);
	ck_assert(walrec_multi_insert_ntuples(&r, &n, &err));
	ck_assert_uint_eq(n, 3);
	r = make_rec(RM_HEAP2_ID, 0x50, b, 8);
	ck_assert(!walrec_multi_insert_ntuples(&r, &n, &err));
	r = make_rec(RM_HEAP2_ID, 0x50, b, 3);
	ck_assert(!walrec_multi_insert_ntuples(&r, &n, &err));
	r = make_rec(RM_HEAP_ID, 0x50, b, sizeof(b));
	ck_assert(!walrec_multi_insert_ntuples(&r, &n, &err));
}
END_TEST

START_TEST(test_multixact_create)
{
	/* multixact 7, offset 9, 3 members: 100 key share, 101 no-key update,
	 * 102 share */
	uint8_t		b[12 + 3 * 8] = {7, 0, 0, 0, 9, 0, 0, 0, 3, 0, 0, 0,
		100, 0, 0, 0, 0, 0, 0, 0, 101, 0, 0, 0, 4, 0, 0, 0, 102, 0, 0, 0, 1, 0, 0, 0};
	uint32_t	multi,
				updater;
	wal_record	r;
	rw_error	err;

	r = make_rec(RM_MULTIXACT_ID, 0x20, b, sizeof(b));
	ck_assert(walrec_multixact_create(&r, &multi, &updater, &err));
	ck_assert_uint_eq(multi, 7);
	ck_assert_uint_eq(updater, 101);
	b[20 + 4] = 3;				/* FOR UPDATE: a lock, no updater */
	ck_assert(walrec_multixact_create(&r, &multi, &updater, &err));
	ck_assert_uint_eq(updater, 0);
	b[20 + 4] = 5;				/* UPDATE */
	ck_assert(walrec_multixact_create(&r, &multi, &updater, &err));
	ck_assert_uint_eq(updater, 101);
	r = make_rec(RM_MULTIXACT_ID, 0x20, b, sizeof(b) - 1);
	ck_assert(!walrec_multixact_create(&r, &multi, &updater, &err));
	b[8] = 200;					/* more members than bytes */
	r = make_rec(RM_MULTIXACT_ID, 0x20, b, sizeof(b));
	ck_assert(!walrec_multixact_create(&r, &multi, &updater, &err));
	r = make_rec(RM_MULTIXACT_ID, 0x20, b, 11);
	ck_assert(!walrec_multixact_create(&r, &multi, &updater, &err));
	r = make_rec(RM_HEAP_ID, 0x20, b, sizeof(b));
	ck_assert(!walrec_multixact_create(&r, &multi, &updater, &err));
}
END_TEST

extern Suite *walrec_suite(void);

Suite *walrec_suite(void)
{
	Suite	   *s = suite_create("walrec");
	TCase	   *tc = tcase_create("walrec");

	tcase_add_test(tc, test_kinds);
	tcase_add_test(tc, test_rmgr_names_and_ids);
	tcase_add_test(tc, test_xact_commit_all_parts);
	tcase_add_test(tc, test_xact_dropped_stats_per_version);
	tcase_add_test(tc, test_xact_simple_and_abort);
	tcase_add_test(tc, test_smgr);
	tcase_add_test(tc, test_dbase);
	tcase_add_test(tc, test_xlog_payloads);
	tcase_add_test(tc, test_multi_insert);
	tcase_add_test(tc, test_multixact_create);
	suite_add_tcase(s, tc);
	return s;
}
