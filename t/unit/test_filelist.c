/*
 * Unit tests of the listing container and the local directory walk
 * (src/source/filelist.c).  Writes files and links in a mkdtemp directory
 * only.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/filelist_local.h"
#include "xalloc.h"

/* A new scratch directory, malloc'd; scratch_remove deletes and frees it. */
static char *
scratch_new(void)
{
	char	   *dir = xstrdup("/tmp/rw-filelist-XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static void
scratch_remove(char *dir)
{
	char	   *cmd = xasprintf("rm -rf '%s'", dir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(dir);
}

/* Create scratch/rel as a file of size bytes. */
static void
make_file(const char *scratch, const char *rel, size_t size)
{
	char	   *path = xasprintf("%s/%s", scratch, rel);
	FILE	   *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < size; i++)
		fputc('x', f);
	fclose(f);
	free(path);
}

static void
make_dir(const char *scratch, const char *rel)
{
	char	   *path = xasprintf("%s/%s", scratch, rel);

	ck_assert_int_eq(mkdir(path, 0700), 0);
	free(path);
}

static void
make_link(const char *scratch, const char *target, const char *rel)
{
	char	   *path = xasprintf("%s/%s", scratch, rel);

	ck_assert_int_eq(symlink(target, path), 0);
	free(path);
}

static const file_entry *
expect(const file_list *l, const char *path, file_type type)
{
	const file_entry *e = file_list_find(l, path);

	ck_assert_msg(e != NULL, "\"%s\" not listed", path);
	ck_assert_int_eq(e->type, type);
	return e;
}

START_TEST(test_add_sort_find)
{
	file_list	l = {0};
	const file_entry *e;

	ck_assert_ptr_null(file_list_find(&l, "base"));
	file_list_add(&l, "global", FILE_TYPE_DIRECTORY, 99, NULL);
	file_list_add(&l, "base/1/1259", FILE_TYPE_REGULAR, 8192, NULL);
	file_list_add(&l, "pg_tblspc/16384", FILE_TYPE_SYMLINK, 0, "/srv/ts");
	file_list_add(&l, "base", FILE_TYPE_DIRECTORY, 0, NULL);
	file_list_add(&l, "base/1", FILE_TYPE_DIRECTORY, 0, NULL);
	file_list_sort(&l);

	ck_assert_uint_eq(l.n, 5);
	for (size_t i = 1; i < l.n; i++)
		ck_assert_int_lt(strcmp(l.items[i - 1].path, l.items[i].path), 0);
	e = file_list_find(&l, "base/1/1259");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->size, 8192);
	ck_assert_uint_eq(file_list_find(&l, "global")->size, 0);
	ck_assert_str_eq(file_list_find(&l, "pg_tblspc/16384")->link_target, "/srv/ts");
	ck_assert_ptr_null(file_list_find(&l, "base/1/1249"));
	ck_assert_ptr_null(file_list_find(&l, "zzz"));

	file_list_free(&l);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_ptr_null(l.items);
}
END_TEST

/* The last pair out of order: the sortedness check must look at every pair. */
START_TEST(test_sort_last_pair)
{
	file_list	l = {0};

	file_list_add(&l, "a", FILE_TYPE_REGULAR, 1, NULL);
	file_list_add(&l, "b", FILE_TYPE_REGULAR, 2, NULL);
	file_list_add(&l, "d", FILE_TYPE_REGULAR, 4, NULL);
	file_list_add(&l, "c", FILE_TYPE_REGULAR, 3, NULL);
	file_list_sort(&l);
	for (size_t i = 0; i < l.n; i++)
		ck_assert_uint_eq(l.items[i].size, i + 1);
	/* sorted already: sorting again changes nothing */
	file_list_sort(&l);
	ck_assert_str_eq(l.items[2].path, "c");
	ck_assert_str_eq(l.items[3].path, "d");
	file_list_free(&l);
}
END_TEST

/*
 * A listing taken in parts (the libpq source's shares) can list the files
 * of a directory made meanwhile without the directory: they are dropped,
 * and so is what lies below them; everything with its parent listed, as a
 * directory or a tablespace link, stays in order.
 */
START_TEST(test_drop_orphans)
{
	static const char *const kept[] = {
		"base", "base/1", "base/1-x", "base/1/100", "base/1/100_fsm", "global",
		"global/1262", "pg_tblspc", "pg_tblspc/16384", "pg_tblspc/16384/PG_15",
		"pg_tblspc/16384/PG_15/5", "pg_tblspc/16384/PG_15/5/200", "top_file",
	};
	file_list	l = {0};

	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		file_list_add(&l, kept[i], FILE_TYPE_DIRECTORY, 0, NULL);
	l.items[3].type = l.items[4].type = l.items[6].type = FILE_TYPE_REGULAR;
	l.items[8].type = FILE_TYPE_SYMLINK;
	l.items[11].type = l.items[12].type = FILE_TYPE_REGULAR;
	/* a database directory made while listing: its files, one nested */
	file_list_add(&l, "base/2/300", FILE_TYPE_REGULAR, 8192, NULL);
	file_list_add(&l, "base/2/sub", FILE_TYPE_DIRECTORY, 0, NULL);
	file_list_add(&l, "base/2/sub/x", FILE_TYPE_REGULAR, 1, NULL);
	/* below a regular file, below a missing tablespace directory */
	file_list_add(&l, "global/1262/x", FILE_TYPE_REGULAR, 1, NULL);
	file_list_add(&l, "pg_tblspc/16384/PG_15/6/400", FILE_TYPE_REGULAR, 1, NULL);
	file_list_sort(&l);
	ck_assert_uint_eq(file_list_drop_orphans(&l), 5);
	ck_assert_uint_eq(l.n, sizeof(kept) / sizeof(kept[0]));
	for (size_t i = 0; i < l.n; i++)
		ck_assert_str_eq(l.items[i].path, kept[i]);
	ck_assert_ptr_nonnull(file_list_find(&l, "base/1/100_fsm"));
	ck_assert_ptr_null(file_list_find(&l, "base/2/300"));
	/* a whole listing loses nothing */
	ck_assert_uint_eq(file_list_drop_orphans(&l), 0);
	ck_assert_uint_eq(l.n, sizeof(kept) / sizeof(kept[0]));
	file_list_free(&l);
}
END_TEST

/*
 * Paths and link targets are kept in blocks of the list: many of them, and
 * one longer than a block, keep their contents while more are added.
 */
START_TEST(test_many_and_long_strings)
{
	file_list	l = {0};
	char		path[64];
	char	   *longest = xmalloc(100 * 1024 + 1);
	const file_entry *e;

	memset(longest, 'x', 100 * 1024);
	longest[100 * 1024] = '\0';
	for (unsigned i = 0; i < 20000; i++)
	{
		snprintf(path, sizeof(path), "base/16384/%u", 100000 - i);
		file_list_add(&l, path, FILE_TYPE_REGULAR, i, NULL);
		if (i == 10000)
			file_list_add(&l, "pg_tblspc/16500", FILE_TYPE_SYMLINK, 0, longest);
	}
	file_list_sort(&l);
	ck_assert_uint_eq(l.n, 20001);
	ck_assert_uint_eq(l.cap, l.n);	/* complete: no room kept for more */
	for (unsigned i = 0; i < 20000; i += 997)
	{
		snprintf(path, sizeof(path), "base/16384/%u", 100000 - i);
		e = file_list_find(&l, path);
		ck_assert_ptr_nonnull(e);
		ck_assert_str_eq(e->path, path);
		ck_assert_uint_eq(e->size, i);
	}
	e = file_list_find(&l, "pg_tblspc/16500");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->link_target, longest);
	file_list_free(&l);
	ck_assert_ptr_null(l.strings);
	free(longest);
}
END_TEST

START_TEST(test_local_listing)
{
	char	   *scratch = scratch_new();
	file_list	l = {0};
	rw_error	err;
	char	   *datadir;
	char	   *ts_target;
	char	   *wal_target;
	char	   *other_target;
	const file_entry *e;

	/* the data directory, plus a tablespace, a WAL directory and another
	 * directory outside it */
	make_dir(scratch, "data");
	make_dir(scratch, "ts");
	make_dir(scratch, "ts/PG_15_202209061");
	make_dir(scratch, "ts/PG_15_202209061/5");
	make_file(scratch, "ts/PG_15_202209061/5/16400", 16384);
	make_dir(scratch, "wal");
	make_file(scratch, "wal/000000010000000000000001", 100);
	make_dir(scratch, "other");
	make_file(scratch, "other/secret", 10);

	make_file(scratch, "data/PG_VERSION", 3);
	make_dir(scratch, "data/base");
	make_dir(scratch, "data/base/5");
	make_file(scratch, "data/base/5/1259", 8192);
	make_file(scratch, "data/base/5/empty", 0);
	make_dir(scratch, "data/pg_tblspc");
	ts_target = xasprintf("%s/ts", scratch);
	wal_target = xasprintf("%s/wal", scratch);
	other_target = xasprintf("%s/other", scratch);
	make_link(scratch, ts_target, "data/pg_tblspc/16384");
	make_link(scratch, "/nonexistent/rw-test", "data/pg_tblspc/16385");
	make_link(scratch, wal_target, "data/pg_wal");
	make_link(scratch, other_target, "data/base/5/link");
	make_link(scratch, "/nonexistent/rw-dangling", "data/dangling");

	datadir = xasprintf("%s/data", scratch);
	ck_assert_msg(file_list_local(datadir, &l, &err), "%s", err.msg);
	free(datadir);

	expect(&l, "PG_VERSION", FILE_TYPE_REGULAR);
	ck_assert_uint_eq(file_list_find(&l, "PG_VERSION")->size, 3);
	expect(&l, "base", FILE_TYPE_DIRECTORY);
	expect(&l, "base/5", FILE_TYPE_DIRECTORY);
	ck_assert_uint_eq(expect(&l, "base/5/1259", FILE_TYPE_REGULAR)->size, 8192);
	ck_assert_uint_eq(expect(&l, "base/5/empty", FILE_TYPE_REGULAR)->size, 0);

	/* the tablespace link is followed once */
	e = expect(&l, "pg_tblspc/16384", FILE_TYPE_SYMLINK);
	ck_assert_str_eq(e->link_target, ts_target);
	expect(&l, "pg_tblspc/16384/PG_15_202209061", FILE_TYPE_DIRECTORY);
	expect(&l, "pg_tblspc/16384/PG_15_202209061/5", FILE_TYPE_DIRECTORY);
	ck_assert_uint_eq(expect(&l, "pg_tblspc/16384/PG_15_202209061/5/16400",
							 FILE_TYPE_REGULAR)->size, 16384);

	/* a dangling tablespace link is listed alone */
	e = expect(&l, "pg_tblspc/16385", FILE_TYPE_SYMLINK);
	ck_assert_str_eq(e->link_target, "/nonexistent/rw-test");

	/* pg_wal as a link is followed */
	ck_assert_str_eq(expect(&l, "pg_wal", FILE_TYPE_SYMLINK)->link_target, wal_target);
	ck_assert_uint_eq(expect(&l, "pg_wal/000000010000000000000001",
							 FILE_TYPE_REGULAR)->size, 100);

	/* other links are listed, not followed */
	ck_assert_str_eq(expect(&l, "base/5/link", FILE_TYPE_SYMLINK)->link_target,
					 other_target);
	ck_assert_ptr_null(file_list_find(&l, "base/5/link/secret"));
	ck_assert_str_eq(expect(&l, "dangling", FILE_TYPE_SYMLINK)->link_target,
					 "/nonexistent/rw-dangling");

	/* exactly these, sorted, relative */
	ck_assert_uint_eq(l.n, 15);
	for (size_t i = 0; i < l.n; i++)
	{
		ck_assert_int_ne(l.items[i].path[0], '/');
		ck_assert_int_ne(strncmp(l.items[i].path, "./", 2), 0);
		if (i > 0)
			ck_assert_int_lt(strcmp(l.items[i - 1].path, l.items[i].path), 0);
	}

	file_list_free(&l);
	free(ts_target);
	free(wal_target);
	free(other_target);
	scratch_remove(scratch);
}
END_TEST

START_TEST(test_local_nested_link_not_followed)
{
	char	   *scratch = scratch_new();
	file_list	l = {0};
	rw_error	err;
	char	   *datadir = xasprintf("%s/data", scratch);
	char	   *ts_target = xasprintf("%s/ts", scratch);
	char	   *other_target = xasprintf("%s/other", scratch);

	make_dir(scratch, "data");
	make_dir(scratch, "data/pg_tblspc");
	make_dir(scratch, "ts");
	make_dir(scratch, "other");
	make_file(scratch, "other/f", 1);
	make_link(scratch, ts_target, "data/pg_tblspc/1");
	/* a link inside a followed tablespace is not followed again */
	make_link(scratch, other_target, "ts/nested");
	/* pg_wal below the top level is an ordinary link */
	make_dir(scratch, "data/base");
	make_link(scratch, other_target, "data/base/pg_wal");

	ck_assert_msg(file_list_local(datadir, &l, &err), "%s", err.msg);
	expect(&l, "pg_tblspc/1/nested", FILE_TYPE_SYMLINK);
	ck_assert_ptr_null(file_list_find(&l, "pg_tblspc/1/nested/f"));
	expect(&l, "base/pg_wal", FILE_TYPE_SYMLINK);
	ck_assert_uint_eq(l.n, 5);	/* pg_tblspc, 1, nested, base, pg_wal */
	file_list_free(&l);
	free(datadir);
	free(ts_target);
	free(other_target);
	scratch_remove(scratch);
}
END_TEST

START_TEST(test_local_missing_root)
{
	char	   *scratch = scratch_new();
	file_list	l = {0};
	rw_error	err;
	char	   *datadir = xasprintf("%s/nope", scratch);

	ck_assert(!file_list_local(datadir, &l, &err));
	ck_assert_int_eq(err.kind, RW_EMISSING);
	ck_assert_ptr_nonnull(strstr(err.msg, datadir));
	ck_assert_uint_eq(l.n, 0);
	file_list_free(&l);
	free(datadir);
	scratch_remove(scratch);
}
END_TEST

START_TEST(test_local_root_is_file)
{
	char	   *scratch = scratch_new();
	file_list	l = {0};
	rw_error	err;
	char	   *datadir = xasprintf("%s/file", scratch);

	make_file(scratch, "file", 1);
	ck_assert(!file_list_local(datadir, &l, &err));
	ck_assert_int_eq(err.kind, RW_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, datadir));
	file_list_free(&l);
	free(datadir);
	scratch_remove(scratch);
}
END_TEST

extern Suite *filelist_suite(void);

Suite *filelist_suite(void)
{
	Suite	   *s = suite_create("filelist");
	TCase	   *tc = tcase_create("filelist");

	tcase_add_test(tc, test_add_sort_find);
	tcase_add_test(tc, test_sort_last_pair);
	tcase_add_test(tc, test_drop_orphans);
	tcase_add_test(tc, test_many_and_long_strings);
	tcase_add_test(tc, test_local_listing);
	tcase_add_test(tc, test_local_nested_link_not_followed);
	tcase_add_test(tc, test_local_missing_root);
	tcase_add_test(tc, test_local_root_is_file);
	suite_add_tcase(s, tc);
	return s;
}
