/*
 * Unit tests of the journal and the writer's rollback
 * (src/target/journal.c, apply.c) and of the space estimate: torn and
 * damaged journals, byte-for-byte rollback.  Writes in a mkdtemp directory
 * only.
 */

#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target/rollback.h"
#include "target/writer.h"
#include "run/execute.h"
#include "target/journal.h"
#include "util/io_trace.h"
#include "testutil.h"
#include "xalloc.h"

extern Suite *journal_suite(void);

/* A scratch "data directory" with a few files, a directory and a symlink. */
static char *
make_pgdata(void)
{
	char		tmpl[] = "/tmp/rewind-journal-XXXXXX";
	char	   *dir = xstrdup(mkdtemp(tmpl));
	char	   *p;
	FILE	   *f;
	uint8_t		block[8192];

	p = xasprintf("%s/global", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
	p = xasprintf("%s/base", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
	for (int i = 0; i < 3; i++)
	{
		p = xasprintf("%s/base/%d", dir, 100 + i);
		f = fopen(p, "wb");
		for (int b = 0; b < 4; b++)
		{
			memset(block, 'a' + i + b, sizeof(block));
			fwrite(block, 1, sizeof(block), f);
		}
		fclose(f);
		chmod(p, i == 1 ? 0640 : 0600);
		free(p);
	}
	p = xasprintf("%s/link", dir);
	ck_assert_int_eq(symlink("/nowhere/target", p), 0);
	free(p);
	return dir;
}

/* Every file's bytes, mode and every link's target, as one string. */
static char *
fingerprint(const char *dir)
{
	char	   *cmd = xasprintf("cd '%s' && (find . -printf '%%y %%p %%m %%l\\n' | grep -v '^d' | "
								"LC_ALL=C sort; find . -type f | LC_ALL=C sort | xargs sha256sum)",
								dir);
	FILE	   *p = popen(cmd, "r");
	char	   *buf = xcalloc(1, 65536);
	size_t		n = fread(buf, 1, 65535, p);

	buf[n] = '\0';
	pclose(p);
	free(cmd);
	return buf;
}

static void
remove_tree(const char *dir)
{
	char	   *cmd = xasprintf("rm -rf '%s' '%s%s'", dir, dir, JOURNAL_DIR_SUFFIX);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static bool
load_control(pg_control *c)
{
	size_t		len;
	uint8_t    *raw = fixture_read("pg15/pg_control", &len);
	rw_error	err;
	bool		ok;

	if (raw == NULL)
		return false;
	ok = control_parse(raw, len, 15, "fixture", c, &err);
	free(raw);
	return ok;
}

/*
 * The fixture's pg_control written into dir and named as the journal's
 * original: false (dir removed and freed) when there are no fixtures.
 */
static bool
install_control(char *dir, pg_control *ctl, journal_identity *id)
{
	char	   *p;
	FILE	   *f;

	if (!load_control(ctl))
	{
		remove_tree(dir);
		free(dir);
		return false;
	}
	p = xasprintf("%s/global/pg_control", dir);
	f = fopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	fwrite(ctl->raw, 1, CONTROL_FILE_SIZE, f);
	fclose(f);
	free(p);
	memcpy(id->control, ctl->raw, CONTROL_FILE_SIZE);
	return true;
}

/* The journal in dir, whole, rolled back: dir is as its fingerprint before. */
static void
assert_rollback_restores(const char *dir, const char *before)
{
	journal_reader *jr;
	bool		incomplete;
	rw_error	err;
	char	   *after;

	ck_assert(journal_read(dir, &jr, &incomplete, &err));
	ck_assert(!incomplete);
	ck_assert(target_rollback(dir, jr, false, &err));
	journal_reader_close(jr);
	after = fingerprint(dir);
	ck_assert_str_eq(before, after);
	free(after);
}

/* Every kind of change, then a rollback: the directory is as before. */
START_TEST(rollback_restores_everything)
{
	char	   *dir = make_pgdata(), *before, *after, *p;
	pg_control	ctl;
	journal_identity id = {.major = 15, .diverge = 0x3000000, .checkpoint = 0x2000060,
	.source_sysid = 42};
	target_writer *w;
	rw_error	err;
	uint8_t		data[8192 * 2];
	journal_reader *jr;
	bool		incomplete;
	struct stat st;

	if (!install_control(dir, &ctl, &id))
		return;					/* no fixtures */
	before = fingerprint(dir);

	memset(data, 'Z', sizeof(data));
	w = target_writer_open(dir, false, &err);
	ck_assert_ptr_nonnull(w);
	ck_assert(target_writer_begin(w, &id, &ctl, false, &err));
	/* a batch of protected block writes, one past the end */
	ck_assert(target_writer_protect(w, "base/100", 8192, 8192, &err));
	ck_assert(target_writer_protect(w, "base/100", 8192 * 4, 8192 * 2, &err));
	ck_assert(target_writer_seal(w, &err));
	ck_assert(target_writer_write(w, "base/100", 8192, data, 8192, &err));
	ck_assert(target_writer_write(w, "base/100", 8192 * 4, data, sizeof(data), &err));
	/* an unprotected write saves itself */
	ck_assert(target_writer_write(w, "base/101", 0, data, 100, &err));
	ck_assert(target_writer_truncate(w, "base/101", 8192, &err));
	{
		const char *emptied[] = {"base/102"};

		ck_assert(target_writer_create_empty(w, emptied, 1, &err));
	}
	ck_assert(target_writer_write(w, "base/102", 0, data, 10, &err));
	ck_assert(target_writer_create_dir(w, "base/200", &err));
	ck_assert(target_writer_write(w, "base/200/1", 0, data, sizeof(data), &err));
	ck_assert(target_writer_create_symlink(w, "newlink", "/somewhere", &err));
	{
		const char *from[] = {"base/100", "base/102"}, *to[] = {"base/300", "base/301"};
		const char *taken[] = {"base/300"};

		ck_assert(target_writer_rename_files(w, from, to, 2, &err));
		ck_assert(!target_writer_rename_files(w, from + 1, taken, 1, &err));
	}
	ck_assert(target_writer_remove_file(w, "link", &err));
	ck_assert(target_writer_remove_file(w, "base/101", &err));
	/* a removed file's path written again, as backup_label can be */
	ck_assert(target_writer_replace_file(w, "base/101", data, 100, &err));
	ck_assert(target_writer_replace_file(w, "global/pg_control", data, 8192, &err));
	ck_assert(target_writer_step(w, JSTEP_FINALIZING, &err));
	target_writer_close(w);				/* as if killed: the journal stays */
	/* the removed file was moved into the stash, not copied into the journal */
	p = journal_stash_path(dir, "00000000");
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_size, 8192);
	free(p);

	after = fingerprint(dir);
	ck_assert_str_ne(before, after);
	ck_assert(journal_read(dir, &jr, &incomplete, &err));
	ck_assert(!incomplete);
	ck_assert_ptr_nonnull(jr);
	ck_assert_int_eq(journal_reader_last_step(jr), JSTEP_FINALIZING);
	ck_assert_int_eq(journal_reader_identity(jr)->diverge, 0x3000000);
	ck_assert_int_eq(memcmp(journal_reader_identity(jr)->control, ctl.raw, CONTROL_FILE_SIZE), 0);
	ck_assert(target_rollback(dir, jr, false, &err));
	journal_reader_close(jr);
	free(after);
	after = fingerprint(dir);
	ck_assert_str_eq(before, after);
	/* a second rollback (as if the first was interrupted) changes nothing */
	assert_rollback_restores(dir, before);
	ck_assert(journal_remove(dir, false, &err));
	p = journal_dir(dir);
	ck_assert_int_ne(stat(p, &st), 0);
	free(p);
	free(before);
	free(after);
	remove_tree(dir);
	free(dir);
}
END_TEST

/* The next batch, protected by another thread while the changes below run. */
typedef struct next_batch {
	target_writer *w;
	bool		ok;
	rw_error	err;
} next_batch;

static void *
protect_next(void *arg)
{
	next_batch *nb = arg;

	nb->ok = true;
	/* base/101 is removed meanwhile: saved before that, or found gone */
	for (int b = 0; nb->ok && b < 4; b++)
		nb->ok = target_writer_protect(nb->w, "base/101", (uint64_t) b * 8192, 8192, &nb->err) &&
			target_writer_protect(nb->w, "base/102", (uint64_t) b * 8192, 8192, &nb->err);
	nb->ok = nb->ok && target_writer_protect(nb->w, "base/100", 8192 * 2, 8192 * 2, &nb->err);
	return NULL;
}

/*
 * A batch is protected in another thread while the sealed one is written
 * and a file is removed and another truncated; then that batch is sealed
 * and written.  The rollback gives back every byte.
 */
START_TEST(protect_beside_changes)
{
	char	   *dir = make_pgdata(), *before, *after;
	pg_control	ctl;
	journal_identity id = {.major = 15, .checkpoint = 0x2000060, .source_sysid = 42};
	target_writer *w;
	rw_error	err;
	uint8_t		data[8192 * 2];
	next_batch	nb;
	pthread_t	th;

	if (!install_control(dir, &ctl, &id))
		return;					/* no fixtures */
	before = fingerprint(dir);
	memset(data, 'Z', sizeof(data));

	w = target_writer_open(dir, false, &err);
	ck_assert(target_writer_begin(w, &id, &ctl, false, &err));
	ck_assert(target_writer_protect(w, "base/100", 0, sizeof(data), &err));
	ck_assert(target_writer_seal(w, &err));
	nb.w = w;
	ck_assert_int_eq(pthread_create(&th, NULL, protect_next, &nb), 0);
	ck_assert(target_writer_write(w, "base/100", 0, data, sizeof(data), &err));
	ck_assert(target_writer_remove_file(w, "base/101", &err));
	ck_assert(target_writer_truncate(w, "base/102", 8192 * 3, &err));
	ck_assert(target_writer_create_dir(w, "base/200", &err));
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_msg(nb.ok, "%s", nb.err.msg);
	ck_assert(target_writer_seal(w, &err));
	ck_assert(target_writer_write(w, "base/100", 8192 * 2, data, sizeof(data), &err));
	ck_assert(target_writer_write(w, "base/102", 8192, data, 8192, &err));
	ck_assert(target_writer_write(w, "base/102", 8192 * 3, data, sizeof(data), &err));
	target_writer_close(w);		/* as if killed: the journal stays */

	after = fingerprint(dir);
	ck_assert_str_ne(before, after);
	assert_rollback_restores(dir, before);
	ck_assert(journal_remove(dir, false, &err));
	free(before);
	free(after);
	remove_tree(dir);
	free(dir);
}
END_TEST

/* The journal fsyncs recorded in the trace at path so far. */
static unsigned
traced_syncs(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	io_trace_rec r;
	unsigned	n = 0;

	ck_assert_ptr_nonnull(f);
	while (fread(&r, sizeof(r), 1, f) == 1)
	{
		ck_assert_uint_eq(r.magic, IO_TRACE_MAGIC);
		n += r.op == IOT_FSYNC;
		ck_assert_int_eq(fseek(f, (long) (r.path_len + r.path2_len + r.data_len), SEEK_CUR), 0);
	}
	fclose(f);
	return n;
}

/*
 * Files emptied together share one fsync of the journal (execute.c empties
 * every file it copies whole before the first fetch), and the rollback
 * still gives back what they held and removes the one created.
 */
START_TEST(create_empty_one_sync)
{
	char	   *dir = make_pgdata(), *before, *trace;
	pg_control	ctl;
	journal_identity id = {.major = 15, .checkpoint = 0x2000060, .source_sysid = 42};
	target_writer *w;
	rw_error	err;
	const char *paths[] = {"base/100", "base/101", "base/105"};
	unsigned	syncs;
	struct stat st;

	if (!install_control(dir, &ctl, &id))
		return;					/* no fixtures */
	before = fingerprint(dir);
	trace = xasprintf("%s.trace", dir);
	ck_assert_int_eq(setenv(IO_TRACE_ENV, trace, 1), 0);
	w = target_writer_open(dir, false, &err);
	/* synced, and traced: the journal's calls too */
	ck_assert(target_writer_begin(w, &id, &ctl, true, &err));
	ck_assert_int_eq(unsetenv(IO_TRACE_ENV), 0);
	syncs = traced_syncs(trace);
	ck_assert(target_writer_create_empty(w, paths, 3, &err));
	ck_assert_uint_eq(traced_syncs(trace) - syncs, 1);
	for (size_t i = 0; i < 3; i++)
	{
		char	   *full = xasprintf("%s/%s", dir, paths[i]);

		ck_assert_int_eq(stat(full, &st), 0);
		ck_assert_int_eq(st.st_size, 0);
		free(full);
	}
	target_writer_close(w);		/* as if killed: the journal stays */
	assert_rollback_restores(dir, before);
	ck_assert(journal_remove(dir, false, &err));
	unlink(trace);
	free(trace);
	free(before);
	remove_tree(dir);
	free(dir);
}
END_TEST

/*
 * A dry run cannot change the target: it gets no writer, so no change can
 * be made through one; no journal appears beside the directory, no byte
 * changes inside it.  The same directory, opened for a run, is written:
 * the fingerprint sees a change.
 */
START_TEST(dry_run_cannot_write)
{
	char	   *dir = make_pgdata(), *before = fingerprint(dir), *after;
	char	   *jdir = journal_dir(dir);
	target_writer *w;
	rw_error	err;
	struct stat st;

	memset(&err, 0, sizeof(err));
	ck_assert_ptr_null(target_writer_open(dir, true, &err));
	ck_assert_int_eq(err.kind, RW_EINTERNAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "dry run"));
	after = fingerprint(dir);
	ck_assert_str_eq(before, after);
	ck_assert_int_ne(lstat(jdir, &st), 0);
	free(after);

	w = target_writer_open(dir, false, &err);
	ck_assert_ptr_nonnull(w);
	ck_assert(target_writer_write(w, "base/100", 0, (const uint8_t *) "x", 1, &err));
	target_writer_close(w);
	after = fingerprint(dir);
	ck_assert_str_ne(before, after);

	free(after);
	free(before);
	free(jdir);
	remove_tree(dir);
	free(dir);
}
END_TEST

static char *
journal_file_of(const char *dir)
{
	return xasprintf("%s%s/journal", dir, JOURNAL_DIR_SUFFIX);
}

/*
 * The first record that is not whole ends the journal: a power loss may
 * leave whatever followed the last fsync torn, zeroed or in pieces.
 */
START_TEST(torn_tail_and_damage)
{
	char	   *dir = make_pgdata(), *jf;
	journal_identity id = {.major = 15};
	journal    *j;
	rw_error	err;
	uint8_t		data[4000], zeroes[64] = {0};
	jrec		r = {.type = JR_DATA, .path = "base/100", .data = data, .len = sizeof(data)};
	journal_reader *jr;
	bool		incomplete;
	struct stat st;
	int			fd;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t) (i * 7);
	j = journal_create(dir, &id, false, &err);
	ck_assert_ptr_nonnull(j);
	ck_assert(journal_append(j, &r, &err));
	ck_assert(journal_append(j, &r, &err));
	ck_assert(journal_barrier(j, &err));
	journal_close(j);
	jf = journal_file_of(dir);
	ck_assert_int_eq(stat(jf, &st), 0);

	/* cut the last record in half */
	ck_assert_int_eq(truncate(jf, st.st_size - 100), 0);
	ck_assert(journal_read(dir, &jr, &incomplete, &err));
	ck_assert_int_eq(journal_reader_count(jr), 1);
	journal_reader_close(jr);

	/* a byte of the first record's data flipped: the journal ends before it */
	fd = open(jf, O_RDWR);
	ck_assert(pwrite(fd, "\xff\xff\xff\xff", 4, 8264 + 64 + 8 + 20) == 4);
	ck_assert(journal_read(dir, &jr, &incomplete, &err));
	ck_assert_int_eq(journal_reader_count(jr), 0);
	journal_reader_close(jr);

	/* its fixed part zeroed, bytes after it kept (pages of a power loss): the same */
	ck_assert(pwrite(fd, zeroes, 64, 8264) == 64);
	close(fd);
	ck_assert(journal_read(dir, &jr, &incomplete, &err));
	ck_assert_int_eq(journal_reader_count(jr), 0);
	ck_assert_uint_eq(journal_reader_ignored(jr), (uint64_t) st.st_size - 100 - 8264);
	journal_reader_close(jr);

	/* a header cut short: killed while creating the journal */
	ck_assert_int_eq(truncate(jf, 100), 0);
	ck_assert(journal_read(dir, &jr, &incomplete, &err));
	ck_assert(incomplete);
	ck_assert_ptr_null(jr);
	free(jf);
	remove_tree(dir);
	free(dir);
}
END_TEST

/* Records in the journal file now, as journal_read finds them. */
static size_t
records_on_disk(const char *dir)
{
	journal_reader *jr;
	bool		incomplete;
	rw_error	err;
	size_t		n;

	ck_assert(journal_read(dir, &jr, &incomplete, &err));
	n = journal_reader_count(jr);
	journal_reader_close(jr);
	return n;
}

/*
 * Old bytes (JR_DATA) are written together, at the latest by the barrier
 * before the change they protect; any other record is written at once, and
 * so are the old bytes before it.  A journal closed without a barrier (a
 * failed run) still holds every record appended.
 */
START_TEST(data_written_by_barrier)
{
	char	   *dir = make_pgdata();
	journal_identity id = {.major = 15};
	journal    *j;
	rw_error	err;
	uint8_t		data[4000];
	jrec		r = {.type = JR_DATA, .path = "base/100", .data = data, .len = sizeof(data)};
	jrec		step = {.type = JR_STEP, .path = ".", .offset = JSTEP_COPIED};
	size_t		n = 0;

	/* bytes that do not compress: 300 records take more than 1 MB */
	srand(7);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t) rand();
	j = journal_create(dir, &id, false, &err);
	ck_assert_ptr_nonnull(j);
	for (int i = 0; i < 3; i++)
		ck_assert(journal_append(j, &r, &err));
	ck_assert_uint_eq(records_on_disk(dir), 0);
	ck_assert(journal_barrier(j, &err));
	ck_assert_uint_eq(records_on_disk(dir), 3);

	ck_assert(journal_append(j, &r, &err));
	ck_assert(journal_append(j, &step, &err));
	ck_assert_uint_eq(records_on_disk(dir), 5);

	/* more than the buffer takes: the first ones are written without a barrier */
	for (int i = 0; i < 300; i++)
		ck_assert(journal_append(j, &r, &err));
	n = records_on_disk(dir);
	ck_assert_uint_gt(n, 5);
	ck_assert_uint_lt(n, 305);
	ck_assert(journal_barrier(j, &err));
	ck_assert_uint_eq(records_on_disk(dir), 305);

	ck_assert(journal_append(j, &r, &err));
	journal_close(j);
	ck_assert_uint_eq(records_on_disk(dir), 306);
	remove_tree(dir);
	free(dir);
}
END_TEST

START_TEST(journal_dir_beside)
{
	char	   *d = journal_dir("/srv/pg/data//");

	ck_assert_str_eq(d, "/srv/pg/data.rewind-journal");
	free(d);
}
END_TEST

/* The estimate: old data overwritten or removed, plus new data. */
START_TEST(space_estimate_counts)
{
	uint32_t	blocks[] = {0, 1, 2};
	plan_entry	e[] = {
		{.path = "a", .action = ACT_NONE, .blocks = blocks, .nblocks = 3,
		.source_size = 81920, .target_size = 81920},
		{.path = "b", .action = ACT_COPY, .source_size = 1000, .target_size = 300},
		{.path = "c", .action = ACT_TRUNCATE, .source_size = 8192, .target_size = 40960},
		{.path = "d", .action = ACT_COPY_TAIL, .source_size = 16384, .target_size = 8192},
		{.path = "e", .action = ACT_REMOVE, .target_size = 5000},
	};
	plan		p = {.entries = e, .n = 5};
	space_estimate est;
	uint64_t	overhead;

	execute_estimate(&p, &est);
	overhead = est.journal_bytes - (3 * 8192 + 300 + 32768);
	ck_assert(overhead >= 1024 * 1024 && overhead < 2 * 1024 * 1024);
	ck_assert_uint_eq(est.new_bytes - 1024 * 1024, 1000 + 8192);
	/* removed files are moved into the stash where they can be */
	ck_assert_uint_eq(est.removed_bytes, 5000);
	ck_assert_uint_eq(est.removed_wal_bytes + est.removed_tblspc_bytes, 0);
}
END_TEST

/* REWIND_TEST_FREE_BYTES stands in for a full disk. */
START_TEST(space_check_refuses)
{
	space_estimate est = {.journal_bytes = 5 << 20, .new_bytes = 7 << 20};
	rw_error	err;
	char	   *dir = make_pgdata();

	setenv("REWIND_TEST_FREE_BYTES", "1048576", 1);
	ck_assert(!execute_has_space(dir, &est, &err));
	unsetenv("REWIND_TEST_FREE_BYTES");
	ck_assert_int_eq(err.kind, RW_ENOSPACE);
	ck_assert_ptr_nonnull(strstr(err.msg, "need 12.0 MB"));
	ck_assert_ptr_nonnull(strstr(err.msg, "have 1024 kB"));
	ck_assert_ptr_nonnull(strstr(err.msg, dir));
	ck_assert(execute_has_space(dir, &est, &err));
	remove_tree(dir);
	free(dir);
}
END_TEST

/* What the free-space check asks of the journal before it exists. */
START_TEST(journal_space_facts)
{
	journal_removals removed = {.data_bytes = 100, .wal_bytes = 20, .tblspc_bytes = 3};
	char	   *dir = make_pgdata();
	char	   *parent = journal_parent_dir(dir);
	char	   *slash = strrchr(dir, '/');
	char	   *wal;
	struct stat st;

	/* the journal goes beside the data directory: into its parent */
	ck_assert_ptr_nonnull(slash);
	ck_assert_int_eq(strlen(parent), (size_t) (slash - dir));
	ck_assert(strncmp(parent, dir, strlen(parent)) == 0);
	free(parent);
	parent = journal_parent_dir("/srv/pgdata//");
	ck_assert_str_eq(parent, "/srv");
	free(parent);
	parent = journal_parent_dir("/pgdata");
	ck_assert_str_eq(parent, "/");
	free(parent);
	/* one record per piece of data on top of those asked for */
	ck_assert_uint_eq(journal_space(0, 1), 256);
	ck_assert_uint_eq(journal_space(2 * JOURNAL_PIECE_MAX, 3), 2 * JOURNAL_PIECE_MAX + 5 * 256);
	/*
	 * the stash is on the journal's file system: files elsewhere are saved
	 * (without a pg_wal to look at, its files count as elsewhere)
	 */
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(journal_removals_saved(dir, st.st_dev, st.st_dev, &removed), 23);
	wal = xasprintf("%s/pg_wal", dir);
	ck_assert_int_eq(mkdir(wal, 0700), 0);
	free(wal);
	ck_assert_uint_eq(journal_removals_saved(dir, st.st_dev, st.st_dev, &removed), 3);
	/* counted conservatively: pg_wal's files too when the data directory is elsewhere */
	ck_assert_uint_eq(journal_removals_saved(dir, st.st_dev + 1, st.st_dev, &removed), 123);
	ck_assert_uint_eq(journal_removals_saved(dir, st.st_dev, st.st_dev + 1, &removed), 123);
	remove_tree(dir);
	free(dir);
}
END_TEST

Suite *
journal_suite(void)
{
	Suite	   *s = suite_create("journal");
	TCase	   *tc = tcase_create("core");

	tcase_add_test(tc, rollback_restores_everything);
	tcase_add_test(tc, protect_beside_changes);
	tcase_add_test(tc, create_empty_one_sync);
	tcase_add_test(tc, dry_run_cannot_write);
	tcase_add_test(tc, torn_tail_and_damage);
	tcase_add_test(tc, data_written_by_barrier);
	tcase_add_test(tc, journal_dir_beside);
	tcase_add_test(tc, space_estimate_counts);
	tcase_add_test(tc, space_check_refuses);
	tcase_add_test(tc, journal_space_facts);
	suite_add_tcase(s, tc);
	return s;
}
