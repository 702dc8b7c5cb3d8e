/*
 * The real rw_io (src/util/io.c) never follows a symbolic link below the data
 * directory or the journal's directory, except pg_wal and pg_tblspc/<oid>.
 * A scratch tree: data/ with base/5 a link to outside/, and outside/ with
 * a file that no call may change.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/io.h"
#include "util/io_trace.h"
#include "xalloc.h"

extern Suite *io_suite(void);

typedef struct tree {
	char	   *top;			/* the scratch directory */
	char	   *data;			/* top/data: the data directory */
	char	   *journal;		/* top/data.rewind-journal */
	char	   *outside;		/* top/outside: nothing may change there */
} tree;

static char *
at(const char *dir, const char *rel)
{
	return xasprintf("%s/%s", dir, rel);
}

static void
make_dir(const char *dir, const char *rel)
{
	char	   *p = at(dir, rel);

	ck_assert_msg(mkdir(p, 0700) == 0, "mkdir %s: %s", p, strerror(errno));
	free(p);
}

static void
make_link(const char *target, const char *dir, const char *rel)
{
	char	   *p = at(dir, rel);

	ck_assert_msg(symlink(target, p) == 0, "symlink %s: %s", p, strerror(errno));
	free(p);
}

static void
make_file(const char *dir, const char *rel, const char *content)
{
	char	   *p = at(dir, rel);
	FILE	   *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
	free(p);
}

static tree
make_tree(void)
{
	char		tmpl[] = "/tmp/rewind-io-XXXXXX";
	tree		t;

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	t.top = xstrdup(tmpl);
	t.data = at(t.top, "data");
	t.journal = at(t.top, "data.rewind-journal");
	t.outside = at(t.top, "outside");
	make_dir(t.top, "data");
	make_dir(t.top, "outside");
	make_dir(t.top, "outside/sub");
	make_file(t.outside, "1234", "outside file\n");
	make_file(t.outside, "sub/1", "outside, one level down\n");
	make_dir(t.data, "base");
	make_dir(t.data, "global");
	make_file(t.data, "global/mine", "a file of the data directory\n");
	/* the directories the test writes through, replaced by links */
	make_link(t.outside, t.data, "base/5");
	make_link(t.outside, t.data, "pg_tblspc");	/* only pg_tblspc/<oid> may be one */
	make_link("../outside/1234", t.data, "global/pg_control");
	make_dir(t.top, "data.rewind-journal");
	make_link(t.outside, t.journal, "moved");
	return t;
}

static void
free_tree(tree *t)
{
	char	   *cmd = xasprintf("rm -rf '%s'", t->top);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(t->top);
	free(t->data);
	free(t->journal);
	free(t->outside);
}

/* Every entry of dir with its type, mode, link target and content. */
static char *
fingerprint(const char *dir)
{
	char	   *cmd = xasprintf("cd '%s' && find . -printf '%%y %%p %%m %%s %%l\\n' | LC_ALL=C sort "
								"&& find . -type f | LC_ALL=C sort | xargs -r sha256sum", dir);
	FILE	   *p = popen(cmd, "r");
	char	   *buf = xcalloc(1, 65536);
	size_t		n = fread(buf, 1, 65535, p);

	buf[n] = '\0';
	pclose(p);
	free(cmd);
	return buf;
}

/* Call returned -1 with ELOOP for path (a full path built from the tree). */
#define REFUSED(call, what) \
	do { \
		errno = 0; \
		ck_assert_msg((call) == -1 && errno == ELOOP, "%s: want -1 with ELOOP, got errno %d (%s)", \
					  what, errno, strerror(errno)); \
	} while (0)

static void
check_refusals(const tree *t)
{
	rw_io	   *io = io_open(t->data, t->journal);
	char	   *in_link = at(t->data, "base/5/1234");
	char	   *new_in_link = at(t->data, "base/5/new");
	char	   *deeper = at(t->data, "base/5/sub/1");
	char	   *dir_in_link = at(t->data, "base/5/newdir");
	char	   *mine = at(t->data, "global/mine");
	char	   *control = at(t->data, "global/pg_control");
	char	   *tblspc = at(t->data, "pg_tblspc/16384/f");
	char	   *stash = at(t->journal, "moved/00000000");
	char	   *dotted = xasprintf("%s//./base/5/1234", t->data);
	struct stat st;

	REFUSED(io->ops->open(io, in_link, O_WRONLY, 0), "open for writing through base/5");
	REFUSED(io->ops->open(io, new_in_link, O_WRONLY | O_CREAT | O_EXCL, 0600), "create through base/5");
	REFUSED(io->ops->open(io, deeper, O_WRONLY | O_TRUNC, 0), "truncate-open two levels through");
	REFUSED(io->ops->open(io, dotted, O_WRONLY, 0), "open through base/5 spelled with // and .");
	REFUSED(io->ops->open(io, control, O_WRONLY | O_TRUNC, 0), "open a file that is a link");
	REFUSED(io->ops->mkdir(io, dir_in_link, 0700), "mkdir through base/5");
	REFUSED(io->ops->rmdir(io, deeper), "rmdir through base/5");
	REFUSED(io->ops->unlink(io, in_link), "unlink through base/5");
	REFUSED(io->ops->symlink(io, "/etc", new_in_link), "symlink through base/5");
	REFUSED(io->ops->rename(io, mine, new_in_link), "rename into base/5");
	REFUSED(io->ops->rename(io, in_link, mine), "rename out of base/5");
	REFUSED(io->ops->open(io, tblspc, O_WRONLY | O_CREAT, 0600), "create through a linked pg_tblspc");
	REFUSED(io->ops->rename(io, mine, stash), "rename into a journal stash that is a link");
	REFUSED(io_truncate(io, in_link, 0), "truncate through base/5");
	REFUSED(io_chmod(io, in_link, 0666), "chmod through base/5");
	REFUSED(io_lstat(io, in_link, &st), "lstat through base/5");
	REFUSED(io_open_read(io, in_link), "open for reading through base/5");
	io_close(io);
	free(in_link);
	free(new_in_link);
	free(deeper);
	free(dir_in_link);
	free(mine);
	free(control);
	free(tblspc);
	free(stash);
	free(dotted);
}

START_TEST(links_on_the_way_refused)
{
	tree		t = make_tree();
	char	   *before = fingerprint(t.outside);
	char	   *after;

	check_refusals(&t);
	/* the tracing implementation makes the same calls, so refuses the same */
	{
		char	   *trace = at(t.top, "trace");

		ck_assert_int_eq(setenv(IO_TRACE_ENV, trace, 1), 0);
		check_refusals(&t);
		ck_assert_int_eq(unsetenv(IO_TRACE_ENV), 0);
		free(trace);
	}
	after = fingerprint(t.outside);
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
	free_tree(&t);
}
END_TEST

START_TEST(pg_wal_and_tablespaces_followed)
{
	tree		t = make_tree();
	char	   *wal_dir = at(t.top, "waldir");
	char	   *ts_dir = at(t.top, "ts");
	char	   *seg = at(t.data, "pg_wal/000000010000000000000001");
	char	   *seg2 = at(t.data, "pg_wal/000000010000000000000002");
	char	   *ts_sub, *ts_file, *wal, *real_seg, *real_ts_file;
	rw_io	   *io;
	int			fd;
	struct stat st;

	/* here pg_tblspc is a real directory, as it must be */
	{
		char	   *from = at(t.data, "pg_tblspc");

		ck_assert_int_eq(unlink(from), 0);
		free(from);
	}
	make_dir(t.top, "waldir");
	make_dir(t.top, "ts");
	make_link(wal_dir, t.data, "pg_wal");
	make_dir(t.data, "pg_tblspc");
	make_link(ts_dir, t.data, "pg_tblspc/16384");
	ts_sub = at(t.data, "pg_tblspc/16384/PG_15_202209061");
	ts_file = at(t.data, "pg_tblspc/16384/PG_15_202209061/5");
	wal = at(t.data, "pg_wal");
	real_seg = at(wal_dir, "000000010000000000000002");
	real_ts_file = at(ts_dir, "PG_15_202209061/5");

	io = io_open(t.data, t.journal);
	fd = io->ops->open(io, seg, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_msg(fd >= 0, "create in pg_wal: %s", strerror(errno));
	ck_assert_int_eq(io_pwrite_all(io, fd, "wal", 3, 0), 0);
	ck_assert_int_eq(io->ops->close(io, fd), 0);
	ck_assert_int_eq(io->ops->rename(io, seg, seg2), 0);
	ck_assert_int_eq(io_fsync_path(io, wal), 0);	/* pg_wal itself: its directory */
	ck_assert_int_eq(stat(real_seg, &st), 0);
	ck_assert_int_eq(st.st_size, 3);
	ck_assert_int_eq(io->ops->mkdir(io, ts_sub, 0700), 0);
	fd = io->ops->open(io, ts_file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_msg(fd >= 0, "create in a tablespace: %s", strerror(errno));
	ck_assert_int_eq(io->ops->close(io, fd), 0);
	ck_assert_int_eq(stat(real_ts_file, &st), 0);
	ck_assert_int_eq(io_lstat(io, ts_file, &st), 0);
	ck_assert_int_eq(io->ops->unlink(io, ts_file), 0);
	ck_assert_int_ne(stat(real_ts_file, &st), 0);
	ck_assert_int_eq(io->ops->rmdir(io, ts_sub), 0);
	ck_assert_int_eq(io->ops->unlink(io, seg2), 0);
	/* the links as such: lstat sees a link, unlink removes the link, not its target */
	{
		char	   *link = at(t.data, "pg_tblspc/16384");

		ck_assert_int_eq(io_lstat(io, link, &st), 0);
		ck_assert(S_ISLNK(st.st_mode));
		ck_assert_int_eq(io_fsync_path(io, link), 0);
		ck_assert_int_eq(io->ops->unlink(io, link), 0);
		ck_assert_int_eq(stat(ts_dir, &st), 0);
		ck_assert_int_eq(io->ops->symlink(io, ts_dir, link), 0);
		ck_assert_int_eq(lstat(link, &st), 0);
		ck_assert(S_ISLNK(st.st_mode));
		free(link);
	}
	/* a tablespace link is read through, never written through as such */
	{
		char	   *dangling = at(t.data, "pg_tblspc/99999");
		char	   *where = at(t.outside, "created");

		ck_assert_int_eq(symlink(where, dangling), 0);
		REFUSED(io->ops->open(io, dangling, O_WRONLY | O_CREAT, 0600),
				"create through a dangling tablespace link");
		ck_assert_int_ne(lstat(where, &st), 0);
		free(dangling);
		free(where);
	}
	/* ".." is no name rewind writes: refused wherever it is */
	{
		char	   *up = at(t.data, "base/../global/mine");
		char	   *up_last = at(t.data, "global/..");

		errno = 0;
		ck_assert(io->ops->open(io, up, O_RDONLY, 0) == -1 && errno == EINVAL);
		errno = 0;
		ck_assert(io->ops->rmdir(io, up_last) == -1 && errno == EINVAL);
		free(up);
		free(up_last);
	}
	/* a link below a tablespace is no tablespace */
	{
		char	   *in_ts = at(ts_dir, "PG_15_202209061");
		char	   *through = at(t.data, "pg_tblspc/16384/PG_15_202209061/5");

		ck_assert_int_eq(symlink(t.outside, in_ts), 0);
		REFUSED(io->ops->open(io, through, O_WRONLY | O_CREAT, 0600), "create below a link in a tablespace");
		free(in_ts);
		free(through);
	}
	io_close(io);
	free(wal_dir);
	free(ts_dir);
	free(seg);
	free(seg2);
	free(ts_sub);
	free(ts_file);
	free(wal);
	free(real_seg);
	free(real_ts_file);
	free_tree(&t);
}
END_TEST

Suite *
io_suite(void)
{
	Suite	   *s = suite_create("io");
	TCase	   *tc = tcase_create("core");

	tcase_add_test(tc, links_on_the_way_refused);
	tcase_add_test(tc, pg_wal_and_tablespaces_followed);
	suite_add_tcase(s, tc);
	return s;
}
