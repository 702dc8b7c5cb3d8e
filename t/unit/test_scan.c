/*
 * The block map of a scan over real WAL (the pg15 fixture): blocks of
 * records after the divergence point are kept, and of those changed only
 * before it exactly the ones whose first reference does not rewrite the
 * whole page, as worked out here from the decoded records.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blockmap.h"
#include "control.h"
#include "lsn.h"
#include "plan/scan.h"
#include "target/targetwal.h"
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
scan_from(scan_fixture *f, lsn_t start, lsn_t diverge, scan_stats *st)
{
	blockmap   *map = blockmap_new();
	rw_error	err;

	memset(st, 0, sizeof(*st));
	rw_error_clear(&err);
	ck_assert_msg(scan_changed_blocks(f->ver, f->reader, start, f->last + 1, diverge,
									  f->control.data_checksum_version != 0, map, NULL, NULL, st,
									  &err), "%s", err.msg);
	return map;
}

static blockmap *
scan(scan_fixture *f, lsn_t diverge, scan_stats *st)
{
	return scan_from(f, f->first, diverge, st);
}

/* The start of the n-th record from first. */
static lsn_t
nth_record(scan_fixture *f, int n)
{
	const wal_record *rec;
	rw_error	err;

	ck_assert_int_eq(walreader_read_at(f->reader, f->first, &rec, &err), WAL_READ_OK);
	while (n-- > 0)
		ck_assert_int_eq(walreader_next(f->reader, &rec, &err), WAL_READ_OK);
	return rec->lsn;
}

/*
 * The fixture's cluster has data checksums and ran with wal_log_hints = off
 * (its PARAMETER_CHANGE record, as pg_waldump decodes it): without the
 * checksums, a scan that diverges before that record is refused, naming it.
 */
START_TEST(test_scan_hints_off)
{
	scan_fixture f;
	size_t		len;
	char	   *dump = (char *) fixture_read("pg15/waldump.txt", &len), *line, *at;
	char		want[64];
	blockmap   *map = blockmap_new();
	scan_stats	st;
	rw_error	err;

	ck_assert_ptr_nonnull(dump);
	dump = realloc(dump, len + 1);
	dump[len] = '\0';
	line = strstr(dump, "desc: PARAMETER_CHANGE");
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(strstr(line, "wal_log_hints=off"));
	while (line > dump && line[-1] != '\n')
		line--;
	at = strstr(line, "lsn: ");
	ck_assert_ptr_nonnull(at);
	{
		char		text[32];
		lsn_t		l;

		snprintf(text, sizeof(text), "%.*s", (int) strcspn(at + 5, ","), at + 5);
		ck_assert(lsn_parse(text, &l));
		snprintf(want, sizeof(want), "record at " LSN_FMT, LSN_ARGS(l));
	}
	open_fixture(&f);
	ck_assert_uint_ne(f.control.data_checksum_version, 0);
	memset(&st, 0, sizeof(st));
	rw_error_clear(&err);
	ck_assert(!scan_changed_blocks(f.ver, f.reader, f.first, f.last + 1, f.first, false, map,
								   NULL, NULL, &st, &err));
	ck_assert_int_eq(err.kind, RW_ESTATE);
	ck_assert_msg(strstr(err.msg, want) != NULL, "\"%s\" does not name %s", err.msg, want);
	blockmap_free(map);
	free(dump);
	close_fixture(&f);
}
END_TEST

/* One main-fork block reference, in WAL order. */
typedef struct ref {
	relfile_locator loc;
	uint32_t	blkno;
	size_t		seq;
	bool		whole;
	bool		after;			/* its record ends after the divergence point */
} ref;

static int
ref_cmp(const void *a, const void *b)
{
	const ref  *x = a, *y = b;

#define CMP(f) if (x->f != y->f) return x->f < y->f ? -1 : 1
	CMP(loc.spc);
	CMP(loc.db);
	CMP(loc.rel);
	CMP(blkno);
	CMP(seq);
#undef CMP
	return 0;
}

static bool
same_block(const ref *a, const ref *b)
{
	return a->blkno == b->blkno && a->loc.rel == b->loc.rel && a->loc.db == b->loc.db &&
		a->loc.spc == b->loc.spc;
}

/*
 * What the scan must copy, worked out here from the decoded records alone:
 * blocks referenced after diverge, and blocks whose first reference since
 * first does not apply an image nor re-initialise the page.  *left: blocks
 * left to replay.
 */
static blockmap *
expected_copy(scan_fixture *f, lsn_t start, lsn_t diverge, uint64_t *left, uint64_t *partial)
{
	const wal_record *rec;
	rw_error	err;
	ref		   *refs = NULL;
	size_t		n = 0, cap = 0;
	blockmap   *want = blockmap_new(), *whole = blockmap_new();

	ck_assert_int_eq(walreader_read_at(f->reader, start, &rec, &err), WAL_READ_OK);
	for (;;)
	{
		for (int i = 0; i < rec->nblocks; i++)
		{
			const wal_blockref *b = &rec->blocks[i];

			if (b->fork != FORK_MAIN)
				continue;
			if (n == cap)
			{
				cap = cap ? cap * 2 : 4096;
				refs = realloc(refs, cap * sizeof(ref));
				ck_assert_ptr_nonnull(refs);
			}
			refs[n] = (ref) {{b->spc, b->db, b->rel}, b->blkno, n,
				(b->has_image && b->apply_image) || b->will_init, rec->end > diverge};
			n++;
		}
		if (rec->lsn >= f->last || walreader_next(f->reader, &rec, &err) != WAL_READ_OK)
			break;
	}
	qsort(refs, n, sizeof(ref), ref_cmp);
	*partial = 0;
	for (size_t i = 0; i < n; i++)
	{
		bool		first_of_block = i == 0 || !same_block(&refs[i - 1], &refs[i]);

		if (refs[i].after)
			blockmap_add(want, refs[i].loc, refs[i].blkno);
		else if (first_of_block && !refs[i].whole)
		{
			blockmap_add(want, refs[i].loc, refs[i].blkno);
			(*partial)++;
		}
		else if (first_of_block)
			blockmap_add(whole, refs[i].loc, refs[i].blkno);
	}
	free(refs);
	blockmap_finish(want);
	blockmap_finish(whole);
	*left = blockmap_count_missing(whole, want);
	blockmap_free(whole);
	return want;
}

START_TEST(test_scan_since_divergence)
{
	scan_fixture f;
	scan_stats	all, part, from_mid;
	blockmap   *m_all, *m_part, *m_mid, *want;
	uint64_t	left, partial;
	lsn_t		start;

	open_fixture(&f);
	/* diverging at the first record: every block is the target's own */
	m_all = scan(&f, f.first, &all);
	ck_assert(all.blocks.since_divergence);
	ck_assert_uint_eq(all.blocks.replayed_blocks, 0);
	ck_assert_uint_gt(blockmap_total_blocks(m_all), 100);

	/* diverging in the middle */
	m_part = scan(&f, f.mid, &part);
	ck_assert(part.blocks.since_divergence);
	ck_assert_ptr_null(part.blocks.since_redo_reason);
	ck_assert_uint_gt(part.blocks.replayed_blocks, 0);
	ck_assert_uint_lt(blockmap_total_blocks(m_part), blockmap_total_blocks(m_all));
	/* nothing is lost: copied + left to replay = everything since the start */
	ck_assert_uint_eq(blockmap_total_blocks(m_part) + part.blocks.replayed_blocks,
					  blockmap_total_blocks(m_all));
	ck_assert_uint_eq(blockmap_count_missing(m_part, m_all), 0);
	ck_assert_uint_eq(part.records, all.records);

	/*
	 * Per block, exactly what the records say.  From a redo point every first
	 * reference rewrites the whole page; from a record in the middle of a
	 * checkpoint cycle some do not (their image came before): both occur.
	 */
	want = expected_copy(&f, f.first, f.mid, &left, &partial);
	ck_assert_uint_eq(partial, 0);
	ck_assert_uint_eq(part.blocks.partial_first_blocks, 0);
	ck_assert_uint_eq(part.blocks.replayed_blocks, left);
	ck_assert_uint_eq(blockmap_count_missing(m_part, want), 0);
	ck_assert_uint_eq(blockmap_count_missing(want, m_part), 0);
	blockmap_free(want);
	start = nth_record(&f, 20000);
	ck_assert_uint_lt(start, f.mid);
	m_mid = scan_from(&f, start, f.mid, &from_mid);
	want = expected_copy(&f, start, f.mid, &left, &partial);
	ck_assert_uint_gt(partial, 0);
	ck_assert_uint_gt(left, 0);
	ck_assert_uint_eq(from_mid.blocks.replayed_blocks, left);
	ck_assert_uint_eq(from_mid.blocks.partial_first_blocks, partial);
	ck_assert_uint_eq(blockmap_total_blocks(m_mid), blockmap_total_blocks(want));
	ck_assert_uint_eq(blockmap_count_missing(m_mid, want), 0);
	ck_assert_uint_eq(blockmap_count_missing(want, m_mid), 0);
	blockmap_free(m_mid);

	blockmap_free(want);
	blockmap_free(m_all);
	blockmap_free(m_part);
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
	tcase_add_test(tc, test_scan_hints_off);
	tcase_add_test(tc, test_last_common_checkpoint);
	suite_add_tcase(s, tc);
	return s;
}
