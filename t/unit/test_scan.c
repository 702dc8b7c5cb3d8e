/*
 * The block map of a scan over real WAL (the pg15 fixture): with full-page
 * writes proven on, only blocks of records after the divergence point are
 * kept, and the blocks left out are exactly those changed only before it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blockmap.h"
#include "control.h"
#include "lsn.h"
#include "scan.h"
#include "targetwal.h"
#include "testutil.h"
#include "timeline.h"
#include "walreader.h"
#include "walrec.h"

typedef struct scan_fixture {
	char		pgdata[64];		/* a directory whose pg_wal is the fixture's wal */
	const pg_version_info *ver;
	pg_control	control;
	tl_history	hist;
	target_wal *twal;
	wal_reader *reader;
	lsn_t		first;			/* first record */
	lsn_t		mid;			/* an online checkpoint in the middle */
	lsn_t		last;			/* the final shutdown checkpoint */
} scan_fixture;

static lsn_t
info_lsn(const char *key)
{
	size_t		len, klen = strlen(key);
	uint8_t    *text = fixture_read("pg15/info.env", &len);
	lsn_t		l = LSN_INVALID;

	ck_assert_ptr_nonnull(text);
	for (const char *p = (const char *) text; p; p = strchr(p, '\n'))
	{
		p += (*p == '\n');
		if (strncmp(p, key, klen) == 0 && p[klen] == '=')
		{
			char		v[64];

			snprintf(v, sizeof(v), "%.*s", (int) strcspn(p + klen + 1, "\n"), p + klen + 1);
			ck_assert(lsn_parse(v, &l));
			break;
		}
	}
	free(text);
	ck_assert_msg(l != LSN_INVALID, "info.env has no %s", key);
	return l;
}

static void
open_fixture(scan_fixture *f)
{
	char		wal[2048], link[128];
	size_t		len;
	uint8_t    *buf;
	rw_error	err;

	ck_assert_msg(fixtures_dir() != NULL,
				  "REWIND_FIXTURES is not set: run the tests with \"make unit\"");
	memset(f, 0, sizeof(*f));
	f->ver = pgver_lookup(15);
	buf = fixture_read("pg15/pg_control", &len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_msg(control_parse(buf, len, 15, "fixture pg_control", &f->control, &err), "%s",
				  err.msg);
	free(buf);
	snprintf(f->pgdata, sizeof(f->pgdata), "/tmp/rewind-scan-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->pgdata));
	snprintf(wal, sizeof(wal), "%s/pg15/wal", fixtures_dir());
	snprintf(link, sizeof(link), "%s/pg_wal", f->pgdata);
	ck_assert_int_eq(symlink(wal, link), 0);
	tl_single(1, &f->hist);
	f->twal = target_wal_open(f->pgdata, &f->hist, f->control.xlog_seg_size,
							  f->control.xlog_blcksz, NULL);
	f->reader = walreader_new(f->ver, f->control.system_identifier, f->control.xlog_seg_size,
							  f->control.xlog_blcksz, target_wal_page_reader(f->twal));
	ck_assert_ptr_nonnull(f->reader);
	f->first = info_lsn("FIRST_LSN");
	f->mid = info_lsn("ONLINE_CKPT_LSN");
	f->last = info_lsn("CHECKPOINT_LSN");
}

static void
close_fixture(scan_fixture *f)
{
	char		link[128];

	walreader_free(f->reader);
	target_wal_close(f->twal);
	tl_free(&f->hist);
	snprintf(link, sizeof(link), "%s/pg_wal", f->pgdata);
	unlink(link);
	rmdir(f->pgdata);
}

/* Scan [first, last] as if the histories parted at diverge. */
static blockmap *
scan(scan_fixture *f, lsn_t diverge, bool start_fpw, scan_stats *st)
{
	blockmap   *map = blockmap_new();
	rw_error	err;

	memset(st, 0, sizeof(*st));
	rw_error_clear(&err);
	ck_assert_msg(scan_changed_blocks(f->ver, f->reader, f->first, f->last + 1, diverge,
									  start_fpw, map, NULL, st, &err), "%s", err.msg);
	return map;
}

START_TEST(test_scan_since_divergence)
{
	scan_fixture f;
	scan_stats	all, part, fallback;
	blockmap   *m_all, *m_part, *m_fallback;

	open_fixture(&f);
	/* diverging at the first record: every block is the target's own */
	m_all = scan(&f, f.first, true, &all);
	ck_assert(all.since_divergence);
	ck_assert_uint_eq(all.replayed_blocks, 0);
	ck_assert_uint_gt(blockmap_total_blocks(m_all), 100);

	/* diverging in the middle, full-page writes on at the redo point */
	m_part = scan(&f, f.mid, true, &part);
	ck_assert(part.since_divergence);
	ck_assert_ptr_null(part.since_redo_reason);
	ck_assert_uint_gt(part.replayed_blocks, 0);
	ck_assert_uint_lt(blockmap_total_blocks(m_part), blockmap_total_blocks(m_all));
	/* nothing is lost: copied + left to replay = everything since redo */
	ck_assert_uint_eq(blockmap_total_blocks(m_part) + part.replayed_blocks,
					  blockmap_total_blocks(m_all));
	ck_assert_uint_eq(blockmap_count_missing(m_part, m_all), 0);

	/* the checkpoint says full-page writes were off: everything since redo */
	m_fallback = scan(&f, f.mid, false, &fallback);
	ck_assert(!fallback.since_divergence);
	ck_assert_ptr_nonnull(fallback.since_redo_reason);
	ck_assert_uint_eq(blockmap_total_blocks(m_fallback), blockmap_total_blocks(m_all));
	ck_assert_uint_eq(blockmap_count_missing(m_all, m_fallback), 0);
	ck_assert_uint_eq(part.records, all.records);

	blockmap_free(m_all);
	blockmap_free(m_part);
	blockmap_free(m_fallback);
	close_fixture(&f);
}
END_TEST

/*
 * The last common checkpoint, searched segment by segment from the
 * divergence point back: for divergence points all over the fixture's WAL
 * (record ends, in every segment), it is the newest checkpoint record that
 * starts before the point, as a plain forward pass finds it.
 */
START_TEST(test_last_common_checkpoint)
{
	scan_fixture f;
	rw_error	err;
	const wal_record *rec;
	lsn_t		ckpts[256], ends[4096];
	size_t		nckpts = 0, nends = 0, nrec = 0, checked = 0;

	open_fixture(&f);
	ck_assert_int_eq(walreader_read_at(f.reader, f.first, &rec, &err), WAL_READ_OK);
	while (rec->lsn <= f.last)
	{
		wal_kind	k = walrec_kind(f.ver, rec);

		if ((k == WK_CHECKPOINT_ONLINE || k == WK_CHECKPOINT_SHUTDOWN) && nckpts < 256)
			ckpts[nckpts++] = rec->lsn;
		/* every 211th record's end, and the end of each checkpoint record */
		if ((nrec++ % 211 == 0 || k == WK_CHECKPOINT_ONLINE) && nends < 4096)
			ends[nends++] = rec->end;
		if (rec->lsn == f.last || walreader_next(f.reader, &rec, &err) != WAL_READ_OK)
			break;
	}
	ck_assert_uint_ge(nckpts, 4);
	for (size_t i = 0; i < nends; i++)
	{
		lsn_t		want = LSN_INVALID, got = LSN_INVALID;
		pg_checkpoint ckpt;
		bool		ok;

		for (size_t c = 0; c < nckpts; c++)
			if (ckpts[c] < ends[i])
				want = ckpts[c];
		rw_error_clear(&err);
		ok = scan_last_common_checkpoint(f.ver, f.reader, ends[i], &got, &ckpt, &err);
		if (want == LSN_INVALID)
			ck_assert_msg(!ok, "a checkpoint was found before " LSN_FMT, LSN_ARGS(ends[i]));
		else
		{
			ck_assert_msg(ok, "before " LSN_FMT ": %s", LSN_ARGS(ends[i]), err.msg);
			ck_assert_msg(got == want, "before " LSN_FMT ": found " LSN_FMT ", expected " LSN_FMT,
						  LSN_ARGS(ends[i]), LSN_ARGS(got), LSN_ARGS(want));
			checked++;
		}
	}
	ck_assert_uint_ge(checked, 20);
	close_fixture(&f);
}
END_TEST

extern Suite *scan_suite(void);

Suite *scan_suite(void)
{
	Suite	   *s = suite_create("scan");
	TCase	   *tc = tcase_create("blocks");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_scan_since_divergence);
	tcase_add_test(tc, test_last_common_checkpoint);
	suite_add_tcase(s, tc);
	return s;
}
