/*
 * Hostile listings: what a lying or impersonated source could list to make
 * the copy write outside the target's data directory, and tablespace
 * locations on this host that belong to another cluster.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blockmap.h"
#include "plan/listing_safety.h"
#include "plan/plan.h"
#include "timeline.h"
#include "xalloc.h"

#define TSDIR "PG_15_202209061"

extern Suite *listing_safety_suite(void);

/* One entry of a hand-made listing; link is set for symlinks. */
typedef struct listed {
	const char *path;
	file_type	type;
	const char *link;
} listed;

/* A plan and the source listing its links borrow from. */
typedef struct planned {
	plan		p;
	file_list	src;
} planned;

static void
planned_free(planned *pl)
{
	plan_free(&pl->p);
	file_list_free(&pl->src);
}

/*
 * Plan the source listing against a small target; returns whether the plan
 * was built, with the error in *err (pl is freed by the caller either way).
 */
static bool
plan_listing(const listed *entries, size_t n, planned *pl, rw_error *err)
{
	file_list  *src = &pl->src;
	file_list	tgt = {0};
	tl_history	h;
	blockmap   *map = blockmap_new();
	plan_input	in = {.ver = pgver_lookup(15), .tsdir = TSDIR, .segsize = 16u * 1024 * 1024,
	.diverge = 0x3000100, .redo = 0x2000028, .source_history = &h, .keep_config = true};
	bool		ok;

	tl_single(1, &h);
	blockmap_finish(map);
	file_list_add(&tgt, "base", FILE_TYPE_DIRECTORY, 0, NULL);
	file_list_add(&tgt, "base/5", FILE_TYPE_DIRECTORY, 0, NULL);
	file_list_add(&tgt, "pg_tblspc", FILE_TYPE_DIRECTORY, 0, NULL);
	memset(pl, 0, sizeof(*pl));
	file_list_add(src, "base", FILE_TYPE_DIRECTORY, 0, NULL);
	file_list_add(src, "base/5", FILE_TYPE_DIRECTORY, 0, NULL);
	file_list_add(src, "pg_tblspc", FILE_TYPE_DIRECTORY, 0, NULL);
	for (size_t i = 0; i < n; i++)
		file_list_add(src, entries[i].path, entries[i].type,
					  entries[i].type == FILE_TYPE_REGULAR ? 100 : 0, entries[i].link);
	file_list_sort(src);
	file_list_sort(&tgt);
	ok = plan_build(&in, src, &tgt, map, &pl->p, err);
	blockmap_free(map);
	file_list_free(&tgt);
	tl_free(&h);
	return ok;
}

/* The listing is refused with a message that holds needle. */
static void
expect_refused(const listed *entries, size_t n, const char *needle)
{
	planned		pl;
	rw_error	err;

	ck_assert_msg(!plan_listing(entries, n, &pl, &err), "listing with \"%s\" was accepted",
				  entries[n - 1].path);
	planned_free(&pl);
	ck_assert_int_eq(err.kind, RW_ESOURCE);
	ck_assert_msg(strstr(err.msg, needle) != NULL, "\"%s\" not in \"%s\"", needle, err.msg);
}

START_TEST(link_outside_tablespaces)
{
	static const listed l[] = {
		{"base/5/evil", FILE_TYPE_SYMLINK, "/tmp/x"},
		{"base/5/evil/file", FILE_TYPE_REGULAR, NULL},
	};

	expect_refused(l, 2, "symbolic link \"base/5/evil\" -> \"/tmp/x\"");
}
END_TEST

START_TEST(link_at_top_level)
{
	static const listed l[] = {{"global", FILE_TYPE_SYMLINK, "/etc"}};

	expect_refused(l, 1, "symbolic link \"global\"");
}
END_TEST

START_TEST(dotdot_path)
{
	static const listed l[] = {{"base/../../etc/passwd", FILE_TYPE_REGULAR, NULL}};

	expect_refused(l, 1, "\"base/../../etc/passwd\"");
}
END_TEST

START_TEST(leading_dotdot_path)
{
	static const listed l[] = {{"../../etc/cron.d/x", FILE_TYPE_REGULAR, NULL}};

	expect_refused(l, 1, "\"../../etc/cron.d/x\"");
}
END_TEST

START_TEST(absolute_path)
{
	static const listed l[] = {{"/etc/passwd", FILE_TYPE_REGULAR, NULL}};

	expect_refused(l, 1, "\"/etc/passwd\"");
}
END_TEST

START_TEST(empty_and_dot_components)
{
	static const listed a[] = {{"base//5", FILE_TYPE_REGULAR, NULL}};
	static const listed b[] = {{"base/./x", FILE_TYPE_REGULAR, NULL}};
	static const listed c[] = {{"base/x/", FILE_TYPE_REGULAR, NULL}};

	expect_refused(a, 1, "\"base//5\"");
	expect_refused(b, 1, "\"base/./x\"");
	expect_refused(c, 1, "\"base/x/\"");
}
END_TEST

START_TEST(control_characters)
{
	static const listed l[] = {{"base/5/x\ny", FILE_TYPE_REGULAR, NULL}};

	expect_refused(l, 1, "not a plain relative path");
}
END_TEST

START_TEST(tablespace_link_with_dotdot_target)
{
	static const listed l[] = {{"pg_tblspc/16384", FILE_TYPE_SYMLINK, "/srv/../etc"}};

	expect_refused(l, 1, "tablespace link \"pg_tblspc/16384\" to \"/srv/../etc\"");
}
END_TEST

START_TEST(tablespace_link_relative_target)
{
	static const listed l[] = {{"pg_tblspc/16384", FILE_TYPE_SYMLINK, "../../x"}};

	expect_refused(l, 1, "not a plain absolute path");
}
END_TEST

START_TEST(tablespace_link_to_root)
{
	static const listed l[] = {{"pg_tblspc/16384", FILE_TYPE_SYMLINK, "/"}};

	expect_refused(l, 1, "tablespace link \"pg_tblspc/16384\" to \"/\"");
}
END_TEST

START_TEST(tablespace_link_bad_oid)
{
	static const listed a[] = {{"pg_tblspc/016384", FILE_TYPE_SYMLINK, "/srv/ts"}};
	static const listed b[] = {{"pg_tblspc/4294967296", FILE_TYPE_SYMLINK, "/srv/ts"}};
	static const listed c[] = {{"pg_tblspc/1x", FILE_TYPE_SYMLINK, "/srv/ts"}};

	expect_refused(a, 1, "only tablespace links");
	expect_refused(b, 1, "only tablespace links");
	expect_refused(c, 1, "only tablespace links");
}
END_TEST

START_TEST(listed_twice)
{
	static const listed l[] = {
		{"base/5/1", FILE_TYPE_REGULAR, NULL},
		{"base/5/1", FILE_TYPE_SYMLINK, "/srv/x"},
	};

	expect_refused(l, 2, "symbolic link \"base/5/1\"");
}
END_TEST

START_TEST(duplicate_plain_paths)
{
	static const listed l[] = {
		{"base/5/1", FILE_TYPE_REGULAR, NULL},
		{"base/5/1", FILE_TYPE_REGULAR, NULL},
	};

	expect_refused(l, 2, "lists \"base/5/1\" twice");
}
END_TEST

START_TEST(tablespace_link_accepted)
{
	static const listed l[] = {
		{"pg_tblspc/16384", FILE_TYPE_SYMLINK, "/srv/ts"},
		{"pg_tblspc/16384/" TSDIR, FILE_TYPE_DIRECTORY, NULL},
	};
	planned		pl;
	rw_error	err;
	bool		found = false;

	ck_assert_msg(plan_listing(l, 2, &pl, &err), "%s", err.msg);
	for (size_t i = 0; i < pl.p.n; i++)
		if (strcmp(pl.p.entries[i].path, "pg_tblspc/16384") == 0)
		{
			ck_assert_int_eq(pl.p.entries[i].action, ACT_CREATE_LINK);
			ck_assert_str_eq(pl.p.entries[i].link_target, "/srv/ts");
			found = true;
		}
	ck_assert(found);
	planned_free(&pl);
}
END_TEST

/* A source's pg_wal link is listed, but never made in a target without pg_wal. */
START_TEST(pg_wal_link_never_made)
{
	static const listed l[] = {{"pg_wal", FILE_TYPE_SYMLINK, "/etc"}};
	planned		pl;
	rw_error	err;

	ck_assert_msg(plan_listing(l, 1, &pl, &err), "%s", err.msg);
	ck_assert(!listing_tablespaces_free(&pl.p, TSDIR, &err));
	ck_assert_int_eq(err.kind, RW_ESOURCE);
	ck_assert_msg(strstr(err.msg, "\"pg_wal\" -> \"/etc\"") != NULL, "%s", err.msg);
	planned_free(&pl);
}
END_TEST

/* --- tablespace locations on this host ----------------------------------- */

static char *
scratch(void)
{
	char		tmpl[] = "/tmp/rewind-listing-XXXXXX";

	return xstrdup(mkdtemp(tmpl));
}

static void
remove_tree(const char *dir)
{
	char	   *cmd = xasprintf("rm -rf '%s'", dir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* A plan that creates pg_tblspc/16384 -> location. */
static void
link_plan(planned *pl, const char *location)
{
	listed		l[] = {{"pg_tblspc/16384", FILE_TYPE_SYMLINK, location}};
	rw_error	err;

	ck_assert_msg(plan_listing(l, 1, pl, &err), "%s", err.msg);
}

START_TEST(location_absent)
{
	char	   *dir = scratch();
	char	   *loc = xasprintf("%s/not-there", dir);
	planned		pl;
	rw_error	err;

	link_plan(&pl, loc);
	ck_assert_msg(listing_tablespaces_free(&pl.p, TSDIR, &err), "%s", err.msg);
	planned_free(&pl);
	free(loc);
	remove_tree(dir);
	free(dir);
}
END_TEST

START_TEST(location_without_tsdir_or_empty)
{
	char	   *dir = scratch();
	char	   *sub = xasprintf("%s/" TSDIR, dir);
	planned		pl;
	rw_error	err;

	link_plan(&pl, dir);
	ck_assert_msg(listing_tablespaces_free(&pl.p, TSDIR, &err), "%s", err.msg);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_msg(listing_tablespaces_free(&pl.p, TSDIR, &err), "%s", err.msg);
	planned_free(&pl);
	free(sub);
	remove_tree(dir);
	free(dir);
}
END_TEST

/* The source's own tablespace on a shared host: its tsdir holds a database. */
START_TEST(location_of_another_cluster)
{
	char	   *dir = scratch();
	char	   *db = xasprintf("%s/" TSDIR "/5", dir);
	char	   *sub = xasprintf("%s/" TSDIR, dir);
	planned		pl;
	rw_error	err;

	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_int_eq(mkdir(db, 0700), 0);
	link_plan(&pl, dir);
	ck_assert(!listing_tablespaces_free(&pl.p, TSDIR, &err));
	ck_assert_int_eq(err.kind, RW_ESTATE);
	ck_assert_msg(strstr(err.msg, sub) != NULL && strstr(err.msg, "pg_tblspc/16384") != NULL,
				  "%s", err.msg);
	ck_assert_msg(strstr(err.hint, "not changed") != NULL, "%s", err.hint);
	planned_free(&pl);
	free(db);
	free(sub);
	remove_tree(dir);
	free(dir);
}
END_TEST

/* A tsdir that is a link would lead the writes elsewhere again. */
START_TEST(location_tsdir_is_a_link)
{
	char	   *dir = scratch();
	char	   *sub = xasprintf("%s/" TSDIR, dir);
	planned		pl;
	rw_error	err;

	ck_assert_int_eq(symlink("/tmp", sub), 0);
	link_plan(&pl, dir);
	ck_assert(!listing_tablespaces_free(&pl.p, TSDIR, &err));
	ck_assert_int_eq(err.kind, RW_ESTATE);
	planned_free(&pl);
	free(sub);
	remove_tree(dir);
	free(dir);
}
END_TEST

Suite *listing_safety_suite(void)
{
	Suite	   *s = suite_create("listing_safety");
	TCase	   *tc = tcase_create("core");

	tcase_add_test(tc, link_outside_tablespaces);
	tcase_add_test(tc, link_at_top_level);
	tcase_add_test(tc, dotdot_path);
	tcase_add_test(tc, leading_dotdot_path);
	tcase_add_test(tc, absolute_path);
	tcase_add_test(tc, empty_and_dot_components);
	tcase_add_test(tc, control_characters);
	tcase_add_test(tc, tablespace_link_with_dotdot_target);
	tcase_add_test(tc, tablespace_link_relative_target);
	tcase_add_test(tc, tablespace_link_to_root);
	tcase_add_test(tc, tablespace_link_bad_oid);
	tcase_add_test(tc, listed_twice);
	tcase_add_test(tc, duplicate_plain_paths);
	tcase_add_test(tc, tablespace_link_accepted);
	tcase_add_test(tc, pg_wal_link_never_made);
	tcase_add_test(tc, location_absent);
	tcase_add_test(tc, location_without_tsdir_or_empty);
	tcase_add_test(tc, location_of_another_cluster);
	tcase_add_test(tc, location_tsdir_is_a_link);
	suite_add_tcase(s, tc);
	return s;
}
