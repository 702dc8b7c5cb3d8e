/*
 * The parser of the source server's rows (lib/source_reply.c): what it
 * takes from a listing row, a range position, a fetched value and a digest,
 * and what it refuses.  The values are laid out as libpq hands them over
 * (text columns NUL-terminated; binary int8 big-endian; bytea raw), and a
 * refused row adds nothing to the list.
 */
#include <check.h>
#include <string.h>

#include "filelist.h"
#include "source_reply.h"

extern Suite *source_reply_suite(void);

/* One listing row; NULL values are SQL NULLs. */
static bool
list_row(file_list *l, const char *path, const char *size, const char *isdir,
		 const char *location, rw_error *err)
{
	const char *values[4] = {path, size, isdir, location};
	bool		isnull[4];

	for (int i = 0; i < 4; i++)
	{
		isnull[i] = values[i] == NULL;
		if (isnull[i])
			values[i] = "";		/* what libpq returns for a NULL */
	}
	return reply_list_row(values, isnull, l, err);
}

START_TEST(path_ok)
{
	static const char *const good[] = {
		"PG_VERSION", "base/5/1259", "pg_tblspc/16384", ".hidden", "a..b", "base/5/..x",
	};
	static const char *const bad[] = {
		"", "/etc/passwd", "..", ".", "../x", "a/../b", "a/..", "./a", "a/./b",
		"a//b", "a/", "/",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(reply_path_ok(good[i]), "\"%s\" refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!reply_path_ok(bad[i]), "\"%s\" accepted", bad[i]);
}
END_TEST

START_TEST(list_rows_taken)
{
	file_list	l = {0};
	rw_error	err;
	const file_entry *e;

	ck_assert(list_row(&l, "base/5/1259", "8192", "f", NULL, &err));
	ck_assert(list_row(&l, "base", NULL, "t", NULL, &err));
	ck_assert(list_row(&l, "pg_tblspc/16384", "4096", "t", "/srv/ts", &err));
	/* an in-place tablespace: the location is relative, a plain directory */
	ck_assert(list_row(&l, "pg_tblspc/16385", "4096", "t", "pg_tblspc/16385", &err));
	ck_assert(list_row(&l, "big", "9223372036854775807", "f", NULL, &err));
	ck_assert(list_row(&l, "empty", "0", "f", NULL, &err));
	file_list_sort(&l);
	ck_assert_uint_eq(l.n, 6);

	e = file_list_find(&l, "base/5/1259");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->type, FILE_TYPE_REGULAR);
	ck_assert_uint_eq(e->size, 8192);
	ck_assert_int_eq(file_list_find(&l, "base")->type, FILE_TYPE_DIRECTORY);
	e = file_list_find(&l, "pg_tblspc/16384");
	ck_assert_int_eq(e->type, FILE_TYPE_SYMLINK);
	ck_assert_str_eq(e->link_target, "/srv/ts");
	e = file_list_find(&l, "pg_tblspc/16385");
	ck_assert_int_eq(e->type, FILE_TYPE_DIRECTORY);
	ck_assert_ptr_null(e->link_target);
	ck_assert_uint_eq(file_list_find(&l, "big")->size, 9223372036854775807ULL);
	ck_assert_uint_eq(file_list_find(&l, "empty")->size, 0);
	file_list_free(&l);
}
END_TEST

START_TEST(list_rows_refused)
{
	static const struct {
		const char *path, *size, *isdir, *location, *in_msg;
	}			rows[] = {
		{NULL, "1", "f", NULL, "bad path \"(null)\""},
		{"../postgresql.conf", "1", "f", NULL, "bad path \"../postgresql.conf\""},
		{"/etc/passwd", "1", "f", NULL, "bad path"},
		{"base//1", "1", "f", NULL, "bad path"},
		{"f", NULL, "f", NULL, "bad size \"(null)\" for \"f\""},
		{"f", NULL, NULL, NULL, "bad size"},
		{"f", "-1", "f", NULL, "bad size \"-1\""},
		{"f", "+1", "f", NULL, "bad size"},
		{"f", " 1", "f", NULL, "bad size"},
		{"f", "12a", "f", NULL, "bad size \"12a\""},
		{"f", "", "f", NULL, "bad size"},
		{"f", "9223372036854775808", "f", NULL, "bad size"},
		{"f", "99999999999999999999", "f", NULL, "bad size"},
	};
	file_list	l = {0};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		rw_error	err;

		ck_assert_msg(!list_row(&l, rows[i].path, rows[i].size, rows[i].isdir,
								rows[i].location, &err), "row %zu taken", i);
		ck_assert_int_eq(err.kind, RW_ESOURCE);
		ck_assert_msg(strstr(err.msg, rows[i].in_msg) != NULL, "row %zu: \"%s\"", i, err.msg);
		ck_assert_uint_eq(l.n, 0);
	}
	file_list_free(&l);
}
END_TEST

/* row + 1 as a binary int8: eight bytes, most significant first. */
static void
be64_put(char out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (char) (v & 0xff);
}

START_TEST(range_position)
{
	char		v[9] = {0};
	rw_error	err;

	be64_put(v, 1);
	ck_assert(reply_range_position(v, 8, false, 0, "base/5/1", &err));
	be64_put(v, 0x0102030405060708ULL);
	ck_assert(reply_range_position(v, 8, false, 0x0102030405060707ULL, "base/5/1", &err));
	be64_put(v, 3);
	ck_assert(!reply_range_position(v, 8, false, 3, "base/5/1", &err));
	ck_assert_int_eq(err.kind, RW_ESOURCE);
	ck_assert_ptr_nonnull(strstr(err.msg, "\"base/5/1\""));
	ck_assert_ptr_nonnull(strstr(err.msg, "out of order"));
	be64_put(v, 1);
	ck_assert(!reply_range_position(v, 7, false, 0, "p", &err));
	ck_assert(!reply_range_position(v, 4, false, 0, "p", &err));
	ck_assert(!reply_range_position("", 0, true, 0, "p", &err));
}
END_TEST

START_TEST(fetch_value)
{
	const char	value[] = "abcdefgh";
	const uint8_t *data;
	size_t		n;
	bool		missing;
	rw_error	err;

	ck_assert(reply_fetch_value(value, 8, false, 8, "p", &data, &n, &missing, &err));
	ck_assert(!missing);
	ck_assert_uint_eq(n, 8);
	ck_assert_ptr_eq(data, (const uint8_t *) value);
	/* shorter than asked: the file is shorter now */
	ck_assert(reply_fetch_value(value, 3, false, 8, "p", &data, &n, &missing, &err));
	ck_assert_uint_eq(n, 3);
	ck_assert(reply_fetch_value(value, 0, false, 8, "p", &data, &n, &missing, &err));
	ck_assert_uint_eq(n, 0);
	ck_assert(!missing);
	/* NULL: the file is gone */
	ck_assert(reply_fetch_value("", 0, true, 8, "p", &data, &n, &missing, &err));
	ck_assert(missing);
	ck_assert_ptr_null(data);
	ck_assert_uint_eq(n, 0);
	/* more than asked, or a negative length */
	ck_assert(!reply_fetch_value(value, 8, false, 7, "base/5/1", &data, &n, &missing, &err));
	ck_assert_int_eq(err.kind, RW_ESOURCE);
	ck_assert_ptr_nonnull(strstr(err.msg, "got 8 bytes, asked for 7"));
	ck_assert_ptr_nonnull(strstr(err.msg, "\"base/5/1\""));
	ck_assert(!reply_fetch_value(value, -1, false, 8, "p", &data, &n, &missing, &err));
}
END_TEST

START_TEST(digest_value)
{
	char		value[REPLY_DIGEST_LEN + 1];
	uint8_t		out[REPLY_DIGEST_LEN];
	bool		missing;
	rw_error	err;

	for (int i = 0; i < REPLY_DIGEST_LEN; i++)
		value[i] = (char) (0xe0 + i);
	value[REPLY_DIGEST_LEN] = '\0';
	ck_assert(reply_digest_value(value, REPLY_DIGEST_LEN, false, out, &missing, &err));
	ck_assert(!missing);
	ck_assert_mem_eq(out, value, REPLY_DIGEST_LEN);
	ck_assert(reply_digest_value("", 0, true, out, &missing, &err));
	ck_assert(missing);
	ck_assert(!reply_digest_value(value, REPLY_DIGEST_LEN - 1, false, out, &missing, &err));
	ck_assert_int_eq(err.kind, RW_ESOURCE);
	ck_assert_ptr_nonnull(strstr(err.msg, "a digest of 31 bytes"));
	ck_assert(!reply_digest_value(value, 0, false, out, &missing, &err));
}
END_TEST

START_TEST(block_digests)
{
	char		value[3 * REPLY_DIGEST_LEN + 1];
	uint8_t		out[2][REPLY_DIGEST_LEN];
	uint32_t	n = 99;
	bool		missing = true;
	rw_error	err;

	for (int i = 0; i < 3 * REPLY_DIGEST_LEN; i++)
		value[i] = (char) i;
	value[3 * REPLY_DIGEST_LEN] = '\0';
	ck_assert(reply_block_digests(value, 2 * REPLY_DIGEST_LEN, false, 2, out, &n, &missing,
								  &err));
	ck_assert(!missing);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(out, value, 2 * REPLY_DIGEST_LEN);
	/* a file shorter now: fewer blocks, none at all for an empty range */
	ck_assert(reply_block_digests(value, REPLY_DIGEST_LEN, false, 2, out, &n, &missing, &err));
	ck_assert_uint_eq(n, 1);
	ck_assert(reply_block_digests("", 0, false, 2, out, &n, &missing, &err));
	ck_assert_uint_eq(n, 0);
	ck_assert(!missing);
	ck_assert(reply_block_digests("", 0, true, 2, out, &n, &missing, &err));
	ck_assert(missing);
	ck_assert_uint_eq(n, 0);
	/* more blocks than asked for, or a partial digest */
	ck_assert(!reply_block_digests(value, 3 * REPLY_DIGEST_LEN, false, 2, out, &n, &missing,
								   &err));
	ck_assert_int_eq(err.kind, RW_ESOURCE);
	ck_assert_ptr_nonnull(strstr(err.msg, "96 bytes of digests for at most 2 blocks"));
	ck_assert(!reply_block_digests(value, REPLY_DIGEST_LEN + 1, false, 2, out, &n, &missing,
								   &err));
}
END_TEST

Suite *
source_reply_suite(void)
{
	Suite	   *s = suite_create("source_reply");
	TCase	   *tc = tcase_create("source_reply");

	tcase_add_test(tc, path_ok);
	tcase_add_test(tc, list_rows_taken);
	tcase_add_test(tc, list_rows_refused);
	tcase_add_test(tc, range_position);
	tcase_add_test(tc, fetch_value);
	tcase_add_test(tc, digest_value);
	tcase_add_test(tc, block_digests);
	suite_add_tcase(s, tc);
	return s;
}
