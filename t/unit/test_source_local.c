/*
 * Unit tests of the local directory source (src/source/source_local.c):
 * listing, reading and fetching, with their errors.  Writes in a mkdtemp
 * directory only.
 */

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/source.h"
#include "xalloc.h"

#define BIG_SIZE 20000

/*
 * A scratch data directory with PG_VERSION, global/big (BIG_SIZE bytes,
 * byte i is i % 251) and global/empty.  malloc'd; remove_datadir frees it.
 */
static char *
make_datadir(void)
{
	char	   *dir = xstrdup("/tmp/rw-srclocal-XXXXXX");
	char	   *path;
	FILE	   *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = xasprintf("%s/global", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	free(path);

	path = xasprintf("%s/PG_VERSION", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("15\n", f);
	fclose(f);
	free(path);

	path = xasprintf("%s/global/big", dir);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < BIG_SIZE; i++)
		fputc(i % 251, f);
	fclose(f);
	free(path);

	path = xasprintf("%s/global/empty", dir);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	free(path);
	return dir;
}

static void
remove_datadir(char *dir)
{
	char	   *cmd = xasprintf("rm -rf '%s'", dir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(dir);
}

/* What a fetch delivered, per range index. */
typedef struct got_range {
	int			calls;
	bool		missing;
	size_t		len;
	bool		content_ok;		/* bytes match global/big at the offset */
} got_range;

typedef struct fetch_ctx {
	const fetch_range *ranges;
	got_range	got[8];
	size_t		fail_at;		/* sink fails for this index; SIZE_MAX: never */
} fetch_ctx;

static bool
record_sink(void *vctx, size_t index, const uint8_t *data, size_t len,
			bool missing, rw_error *err)
{
	fetch_ctx  *ctx = vctx;
	got_range  *g = &ctx->got[index];

	if (index == ctx->fail_at)
		return rw_fail(err, RW_EIO, "sink refused range %zu", index);
	g->calls++;
	g->missing = missing;
	g->len = len;
	g->content_ok = true;
	for (size_t i = 0; i < len; i++)
		if (data[i] != (ctx->ranges[index].offset + i) % 251)
			g->content_ok = false;
	return true;
}

START_TEST(test_open_and_trivia)
{
	char	   *dir = make_datadir();
	rw_error	err;
	source_spec spec = {.datadir = dir, .connstr = NULL, .jobs = 4, .timeout_s = 60};
	source	   *s = source_open(&spec, &err);
	source_wal_position pos;
	char	   *expected = xasprintf("directory %s", dir);

	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_str_eq(s->description, expected);
	ck_assert_uint_eq(s->bytes_fetched, 0);
	/* what a directory is: stopped, and it offers nothing optional */
	ck_assert(s->stopped);
	ck_assert(!source_offers(s, SOURCE_GIVES_CONNINFO));
	ck_assert(!source_offers(s, SOURCE_NAMES_RELATIONS));
	ck_assert(!source_offers(s, SOURCE_RETAINS_WAL));
	ck_assert(s->ops->check_server(s, true, &err));
	pos.in_recovery = true;
	pos.lsn = 1;
	pos.tli = 1;
	ck_assert(s->ops->wal_position(s, &pos, &err));
	ck_assert(!pos.in_recovery);
	ck_assert_uint_eq(pos.lsn, LSN_INVALID);
	ck_assert_uint_eq(pos.tli, 0);
	s->ops->close(s);
	free(expected);
	remove_datadir(dir);
}
END_TEST

/* A connection string opens a server source: here one that cannot connect. */
START_TEST(test_open_server_kind)
{
	source_spec spec = {
		.datadir = NULL,
		.connstr = "host=/nonexistent/rewind-test port=1 connect_timeout=2",
		.jobs = 2,
		.timeout_s = 5,
	};
	rw_error	err;

	ck_assert_ptr_null(source_open(&spec, &err));
	ck_assert_int_eq(err.kind, RW_ESOURCE);
	ck_assert_msg(strstr(err.msg, "could not connect to the source server") != NULL, "%s",
				  err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/rewind-test"));
}
END_TEST

START_TEST(test_open_missing_dir)
{
	rw_error	err;

	ck_assert_ptr_null(source_local_open("/nonexistent/rw-datadir", &err));
	ck_assert_int_eq(err.kind, RW_EMISSING);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/rw-datadir"));
}
END_TEST

START_TEST(test_read_file)
{
	char	   *dir = make_datadir();
	rw_error	err;
	source	   *s = source_local_open(dir, &err);
	uint8_t    *data;
	size_t		len;
	bool		missing;

	ck_assert_ptr_nonnull(s);
	ck_assert_msg(s->ops->read_file(s, "PG_VERSION", false, &data, &len, &missing, &err),
				  "%s", err.msg);
	ck_assert(!missing);
	ck_assert_uint_eq(len, 3);
	ck_assert_str_eq((char *) data, "15\n");	/* NUL terminated */
	free(data);

	ck_assert(s->ops->read_file(s, "global/big", false, &data, &len, &missing, &err));
	ck_assert_uint_eq(len, BIG_SIZE);
	ck_assert_uint_eq(data[BIG_SIZE - 1], (BIG_SIZE - 1) % 251);
	ck_assert_uint_eq(data[BIG_SIZE], 0);
	free(data);

	ck_assert(s->ops->read_file(s, "global/empty", false, &data, &len, &missing, &err));
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_nonnull(data);
	free(data);
	ck_assert_uint_eq(s->bytes_fetched, 3 + BIG_SIZE);

	/* missing, allowed */
	ck_assert(s->ops->read_file(s, "global/nope", true, &data, &len, &missing, &err));
	ck_assert(missing);
	ck_assert_ptr_null(data);
	ck_assert_uint_eq(len, 0);

	/* missing, not allowed */
	ck_assert(!s->ops->read_file(s, "global/nope", false, &data, &len, &missing, &err));
	ck_assert_int_eq(err.kind, RW_EMISSING);
	ck_assert_ptr_nonnull(strstr(err.msg, "global/nope"));

	/* a directory is no file */
	ck_assert(!s->ops->read_file(s, "global", true, &data, &len, &missing, &err));
	ck_assert_int_eq(err.kind, RW_EIO);

	s->ops->close(s);
	remove_datadir(dir);
}
END_TEST

START_TEST(test_fetch)
{
	char	   *dir = make_datadir();
	rw_error	err;
	source	   *s = source_local_open(dir, &err);
	const fetch_range ranges[] = {
		{"global/big", 0, 8192},
		{"global/big", 8192, 100},
		{"global/big", BIG_SIZE - 10, 8192},	/* short read at EOF */
		{"global/nope", 0, 8192},	/* missing */
		{"global/big", BIG_SIZE + 5, 10},	/* past EOF */
		{"global/nope", 10, 10},	/* missing again */
		{"PG_VERSION", 0, 0},	/* empty range */
	};
	fetch_ctx	ctx = {.ranges = ranges, .fail_at = SIZE_MAX};

	ck_assert_ptr_nonnull(s);
	ck_assert_msg(s->ops->fetch(s, ranges, 7, record_sink, &ctx, &err), "%s", err.msg);
	for (int i = 0; i < 7; i++)
		ck_assert_int_eq(ctx.got[i].calls, 1);
	ck_assert(!ctx.got[0].missing);
	ck_assert_uint_eq(ctx.got[0].len, 8192);
	ck_assert(ctx.got[0].content_ok);
	ck_assert_uint_eq(ctx.got[1].len, 100);
	ck_assert(ctx.got[1].content_ok);
	ck_assert_uint_eq(ctx.got[2].len, 10);
	ck_assert(ctx.got[2].content_ok);
	ck_assert(ctx.got[3].missing);
	ck_assert(!ctx.got[4].missing);
	ck_assert_uint_eq(ctx.got[4].len, 0);
	ck_assert(ctx.got[5].missing);
	ck_assert(!ctx.got[6].missing);
	ck_assert_uint_eq(ctx.got[6].len, 0);
	ck_assert_uint_eq(s->bytes_fetched, 8192 + 100 + 10);

	s->ops->close(s);
	remove_datadir(dir);
}
END_TEST

START_TEST(test_fetch_errors)
{
	char	   *dir = make_datadir();
	rw_error	err;
	source	   *s = source_local_open(dir, &err);
	const fetch_range too_long[] = {
		{"global/big", 0, 100},
		{"global/big", 0, FETCH_RANGE_MAX + 1},
	};
	const fetch_range max_range[] = {{"global/big", 0, FETCH_RANGE_MAX}};
	const fetch_range ok_ranges[] = {
		{"global/big", 0, 10},
		{"global/big", 10, 10},
		{"global/big", 20, 10},
	};
	fetch_ctx	ctx = {.ranges = too_long, .fail_at = SIZE_MAX};

	ck_assert_ptr_nonnull(s);
	/* an over-long range is refused before anything is read */
	ck_assert(!s->ops->fetch(s, too_long, 2, record_sink, &ctx, &err));
	ck_assert_int_eq(err.kind, RW_EINTERNAL);
	ck_assert_int_eq(ctx.got[0].calls, 0);

	/* the largest range is fine */
	ctx.ranges = max_range;
	ck_assert(s->ops->fetch(s, max_range, 1, record_sink, &ctx, &err));
	ck_assert_uint_eq(ctx.got[0].len, BIG_SIZE);
	ck_assert(ctx.got[0].content_ok);

	/* a sink that fails stops the fetch with its error */
	memset(ctx.got, 0, sizeof(ctx.got));
	ctx.ranges = ok_ranges;
	ctx.fail_at = 1;
	ck_assert(!s->ops->fetch(s, ok_ranges, 3, record_sink, &ctx, &err));
	ck_assert_int_eq(err.kind, RW_EIO);
	ck_assert_str_eq(err.msg, "sink refused range 1");
	ck_assert_int_eq(ctx.got[0].calls, 1);
	ck_assert_int_eq(ctx.got[2].calls, 0);

	s->ops->close(s);
	remove_datadir(dir);
}
END_TEST

START_TEST(test_list_files)
{
	char	   *dir = make_datadir();
	rw_error	err;
	source	   *s = source_local_open(dir, &err);
	file_list	l = {0};

	ck_assert_ptr_nonnull(s);
	ck_assert_msg(s->ops->list_files(s, &l, &err), "%s", err.msg);
	ck_assert_uint_eq(l.n, 4);
	ck_assert_str_eq(l.items[0].path, "PG_VERSION");
	ck_assert_str_eq(l.items[1].path, "global");
	ck_assert_str_eq(l.items[2].path, "global/big");
	ck_assert_uint_eq(l.items[2].size, BIG_SIZE);
	ck_assert_str_eq(l.items[3].path, "global/empty");
	file_list_free(&l);
	s->ops->close(s);
	remove_datadir(dir);
}
END_TEST

extern Suite *source_local_suite(void);

Suite *source_local_suite(void)
{
	Suite	   *s = suite_create("source_local");
	TCase	   *tc = tcase_create("source_local");

	tcase_add_test(tc, test_open_and_trivia);
	tcase_add_test(tc, test_open_server_kind);
	tcase_add_test(tc, test_open_missing_dir);
	tcase_add_test(tc, test_read_file);
	tcase_add_test(tc, test_fetch);
	tcase_add_test(tc, test_fetch_errors);
	tcase_add_test(tc, test_list_files);
	suite_add_tcase(s, tc);
	return s;
}
