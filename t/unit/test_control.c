/*
 * Unit tests of pg_control parsing and serialising (lib/control.c) on
 * hand-laid files of each major and the real fixture files.  Reads the
 * fixtures; writes nothing.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "crc32c.h"
#include "testutil.h"

static void
put_u32(uint8_t *buf, size_t off, uint32_t v)
{
	memcpy(buf + off, &v, sizeof(v));
}

static void
put_u64(uint8_t *buf, size_t off, uint64_t v)
{
	memcpy(buf + off, &v, sizeof(v));
}

static void
set_crc(uint8_t *buf, const pg_version_info *ver)
{
	put_u32(buf, ver->control_crc_offset, crc32c(buf, ver->control_crc_offset));
}

/*
 * A control file with distinct known values at the offsets of that major's
 * ControlFileData (catalog/pg_control.h), as initdb of it would lay it out.
 */
static void
build_control(int major, uint8_t buf[CONTROL_FILE_SIZE])
{
	const pg_version_info *ver = pgver_lookup(major);
	double		float_format = 1234567.0;

	memset(buf, 0, CONTROL_FILE_SIZE);
	put_u64(buf, 0, UINT64_C(7710831490954245289));
	put_u32(buf, 8, ver->control_version);
	put_u32(buf, 12, ver->catversion);
	put_u32(buf, 16, DBSTATE_SHUTDOWNED);
	put_u64(buf, 24, 1795000000);
	put_u64(buf, 32, UINT64_C(0x3000060));
	/* checkPointCopy */
	put_u64(buf, 40, UINT64_C(0x3000028));
	put_u32(buf, 48, 3);
	put_u32(buf, 52, 2);
	buf[56] = 1;
	if (ver->checkpoint_has_wal_level)
		put_u32(buf, 60, 2);
	put_u64(buf, 64, (UINT64_C(1) << 32) | 745);
	put_u32(buf, 72, 16390);
	put_u32(buf, 76, 7);
	put_u32(buf, 80, 11);
	put_u32(buf, 84, 716);
	put_u32(buf, 88, 5);
	put_u32(buf, 92, 3);
	put_u32(buf, 96, 4);
	put_u64(buf, 104, 1795000001);
	put_u32(buf, 112, 600);
	put_u32(buf, 116, 700);
	put_u32(buf, 120, 740);
	/* the rest */
	put_u64(buf, 128, 1000);
	put_u64(buf, 136, UINT64_C(0x2FFFF00));
	put_u32(buf, 144, 2);
	put_u64(buf, 152, UINT64_C(0x1000028));
	put_u64(buf, 160, UINT64_C(0x1000100));
	buf[168] = 1;
	put_u32(buf, 172, 1);
	buf[176] = 1;
	put_u32(buf, 180, 100);
	put_u32(buf, 184, 8);
	put_u32(buf, 188, 10);
	put_u32(buf, 192, 5);
	put_u32(buf, 196, 64);
	buf[200] = 1;
	put_u32(buf, 204, 8);
	memcpy(buf + 208, &float_format, sizeof(float_format));
	put_u32(buf, 216, 8192);
	put_u32(buf, 220, 131072);
	put_u32(buf, 224, 8192);
	put_u32(buf, 228, 16u << 20);
	put_u32(buf, 232, 64);
	put_u32(buf, 236, 32);
	put_u32(buf, 240, 1996);
	put_u32(buf, 244, 2048);
	buf[248] = 1;
	put_u32(buf, 252, 1);
	if (ver->control_has_char_signedness)
		buf[256] = 1;
	memset(buf + ver->control_nonce_offset, 0xA5, 32);
	set_crc(buf, ver);
}

static void
check_built_fields(const pg_control *c, int major)
{
	const pg_version_info *ver = pgver_lookup(major);

	ck_assert_ptr_eq(c->ver, ver);
	ck_assert_uint_eq(c->system_identifier, UINT64_C(7710831490954245289));
	ck_assert_uint_eq(c->control_version, ver->control_version);
	ck_assert_uint_eq(c->catversion, ver->catversion);
	ck_assert_int_eq(c->state, DBSTATE_SHUTDOWNED);
	ck_assert_int_eq(c->time, 1795000000);
	ck_assert_uint_eq(c->checkpoint, 0x3000060);
	ck_assert_uint_eq(c->ckpt.redo, 0x3000028);
	ck_assert_uint_eq(c->ckpt.tli, 3);
	ck_assert_uint_eq(c->ckpt.prev_tli, 2);
	ck_assert(c->ckpt.full_page_writes);
	ck_assert_int_eq(c->ckpt.wal_level, ver->checkpoint_has_wal_level ? 2 : -1);
	ck_assert_uint_eq(c->ckpt.next_xid, (UINT64_C(1) << 32) | 745);
	ck_assert_uint_eq(c->ckpt.next_oid, 16390);
	ck_assert_uint_eq(c->ckpt.next_multi, 7);
	ck_assert_uint_eq(c->ckpt.next_multi_offset, 11);
	ck_assert_uint_eq(c->ckpt.oldest_xid, 716);
	ck_assert_uint_eq(c->ckpt.oldest_xid_db, 5);
	ck_assert_uint_eq(c->ckpt.oldest_multi, 3);
	ck_assert_uint_eq(c->ckpt.oldest_multi_db, 4);
	ck_assert_int_eq(c->ckpt.time, 1795000001);
	ck_assert_uint_eq(c->ckpt.oldest_commit_ts_xid, 600);
	ck_assert_uint_eq(c->ckpt.newest_commit_ts_xid, 700);
	ck_assert_uint_eq(c->ckpt.oldest_active_xid, 740);
	ck_assert_uint_eq(c->unlogged_lsn, 1000);
	ck_assert_uint_eq(c->min_recovery_point, 0x2FFFF00);
	ck_assert_uint_eq(c->min_recovery_tli, 2);
	ck_assert_uint_eq(c->backup_start_point, 0x1000028);
	ck_assert_uint_eq(c->backup_end_point, 0x1000100);
	ck_assert(c->backup_end_required);
	ck_assert_int_eq(c->wal_level, 1);
	ck_assert(c->wal_log_hints);
	ck_assert_int_eq(c->max_connections, 100);
	ck_assert_int_eq(c->max_worker_processes, 8);
	ck_assert_int_eq(c->max_wal_senders, 10);
	ck_assert_int_eq(c->max_prepared_xacts, 5);
	ck_assert_int_eq(c->max_locks_per_xact, 64);
	ck_assert(c->track_commit_timestamp);
	ck_assert_uint_eq(c->max_align, 8);
	ck_assert_uint_eq(c->blcksz, 8192);
	ck_assert_uint_eq(c->relseg_size, 131072);
	ck_assert_uint_eq(c->xlog_blcksz, 8192);
	ck_assert_uint_eq(c->xlog_seg_size, 16u << 20);
	ck_assert_uint_eq(c->data_checksum_version, 1);
}

/* Loop tests run once per supported major: _i indexes the version table. */
#define LOOP_MAJOR (pgver_at((size_t) _i)->major)

START_TEST(parse_built)
{
	uint8_t		buf[CONTROL_FILE_SIZE];
	pg_control	c;
	rw_error	err;

	build_control(LOOP_MAJOR, buf);
	ck_assert_msg(control_parse(buf, sizeof(buf), LOOP_MAJOR, "test pg_control",
								&c, &err), "%s", err.msg);
	check_built_fields(&c, LOOP_MAJOR);
	ck_assert_mem_eq(c.raw, buf, CONTROL_FILE_SIZE);
	ck_assert_uint_eq(control_timeline(&c), 3);
}
END_TEST

START_TEST(serialize_roundtrip)
{
	uint8_t		buf[CONTROL_FILE_SIZE];
	uint8_t		out[CONTROL_FILE_SIZE];
	pg_control	c, again;
	rw_error	err;
	const pg_version_info *ver = pgver_lookup(LOOP_MAJOR);

	build_control(LOOP_MAJOR, buf);
	ck_assert(control_parse(buf, sizeof(buf), LOOP_MAJOR, "t", &c, &err));

	/* unchanged: byte for byte the input */
	control_serialize(&c, out);
	ck_assert_mem_eq(out, buf, CONTROL_FILE_SIZE);

	c.state = DBSTATE_IN_ARCHIVE_RECOVERY;
	c.min_recovery_point = UINT64_C(0x1234ABCD5678);
	c.min_recovery_tli = 7;
	control_serialize(&c, out);
	ck_assert_msg(control_parse(out, sizeof(out), LOOP_MAJOR, "t", &again, &err),
				  "%s", err.msg);
	ck_assert_int_eq(again.state, DBSTATE_IN_ARCHIVE_RECOVERY);
	ck_assert_uint_eq(again.min_recovery_point, UINT64_C(0x1234ABCD5678));
	ck_assert_uint_eq(again.min_recovery_tli, 7);
	ck_assert_uint_eq(control_timeline(&again), 7);

	/* nothing else moved: only state, minRecoveryPoint(TLI) and the CRC */
	for (size_t i = 0; i < CONTROL_FILE_SIZE; i++)
	{
		bool		may_change = (i >= 16 && i < 20) || (i >= 136 && i < 148) ||
			(i >= ver->control_crc_offset && i < ver->control_crc_offset + 4);

		if (!may_change)
			ck_assert_msg(out[i] == buf[i], "byte %zu changed", i);
	}
}
END_TEST

START_TEST(crc_mismatch)
{
	uint8_t		buf[CONTROL_FILE_SIZE];
	pg_control	c;
	rw_error	err;

	build_control(LOOP_MAJOR, buf);
	buf[100] ^= 0x01;
	ck_assert(!control_parse(buf, sizeof(buf), LOOP_MAJOR, "target pg_control",
							 &c, &err));
	ck_assert_int_eq(err.kind, RW_ECORRUPT);
	ck_assert_msg(strstr(err.msg, "target pg_control: CRC mismatch (stored 0x") != NULL,
				  "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "damaged"));
}
END_TEST

START_TEST(crc_covers_prefix_only)
{
	uint8_t		buf[CONTROL_FILE_SIZE];
	pg_control	c;
	rw_error	err;
	const pg_version_info *ver = pgver_lookup(LOOP_MAJOR);

	/* bytes after the CRC are not covered (the file is zero-padded) */
	build_control(LOOP_MAJOR, buf);
	buf[ver->control_crc_offset + 4] = 0x77;
	buf[CONTROL_FILE_SIZE - 1] = 0x77;
	ck_assert_msg(control_parse(buf, sizeof(buf), LOOP_MAJOR, "t", &c, &err),
				  "%s", err.msg);
	/* the byte just before the CRC is */
	build_control(LOOP_MAJOR, buf);
	buf[ver->control_crc_offset - 1] ^= 0x80;
	ck_assert(!control_parse(buf, sizeof(buf), LOOP_MAJOR, "t", &c, &err));
	ck_assert_int_eq(err.kind, RW_ECORRUPT);
}
END_TEST

START_TEST(wrong_size)
{
	uint8_t		buf[CONTROL_FILE_SIZE + 1];
	pg_control	c;
	rw_error	err;

	build_control(LOOP_MAJOR, buf);
	ck_assert(!control_parse(buf, CONTROL_FILE_SIZE - 1, LOOP_MAJOR, "t", &c, &err));
	ck_assert_int_eq(err.kind, RW_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "8191 bytes"));
	ck_assert(!control_parse(buf, CONTROL_FILE_SIZE + 1, LOOP_MAJOR, "t", &c, &err));
	ck_assert(!control_parse(buf, CONTROL_STRUCT_SIZE, LOOP_MAJOR, "t", &c, &err));
	ck_assert(!control_parse(buf, 0, LOOP_MAJOR, "t", &c, &err));
}
END_TEST

START_TEST(wrong_version_for_major)
{
	static const struct {
		int			file_major;
		int			parse_as;
	}			cases[] = {{15, 17}, {17, 15}, {18, 17}, {17, 18}, {14, 18}, {18, 14}};
	uint8_t		buf[CONTROL_FILE_SIZE];
	pg_control	c;
	rw_error	err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		char		want[64];

		build_control(cases[i].file_major, buf);
		ck_assert(!control_parse(buf, sizeof(buf), cases[i].parse_as, "target pg_control",
								 &c, &err));
		ck_assert_int_eq(err.kind, RW_EUNSUPPORTED);
		snprintf(want, sizeof(want), "does not match major %d", cases[i].parse_as);
		ck_assert_msg(strstr(err.msg, want) != NULL, "%s", err.msg);
		ck_assert_ptr_nonnull(strstr(err.msg, "target pg_control: "));
	}
}
END_TEST

START_TEST(unsupported_major)
{
	uint8_t		buf[CONTROL_FILE_SIZE];
	pg_control	c;
	rw_error	err;

	build_control(15, buf);
	ck_assert(!control_parse(buf, sizeof(buf), 13, "t", &c, &err));
	ck_assert_int_eq(err.kind, RW_EUNSUPPORTED);
	ck_assert(!control_parse(buf, sizeof(buf), 19, "t", &c, &err));
	ck_assert_int_eq(err.kind, RW_EUNSUPPORTED);
}
END_TEST

/* One recorded size changed to a value this program refuses. */
typedef struct bad_size {
	size_t		offset;
	uint32_t	value;
	const char *needle;
} bad_size;

static const bad_size bad_sizes[] = {
	{216, 16384, "block size 16384"},
	{216, 0, "block size 0"},
	{224, 4096, "WAL block size 4096"},
	{220, 65536, "65536 blocks per relation segment"},
	{228, 3u << 20, "invalid WAL segment size 3145728"},
	{228, 0, "invalid WAL segment size 0"},
	{228, 2u << 30, "invalid WAL segment size"},
	{204, 4, "alignment 4"},
};

START_TEST(sizes_checked)
{
	const bad_size *b = &bad_sizes[_i];
	uint8_t		buf[CONTROL_FILE_SIZE];
	pg_control	c;
	rw_error	err;

	build_control(16, buf);
	put_u32(buf, b->offset, b->value);
	set_crc(buf, pgver_lookup(16));
	ck_assert(!control_parse(buf, sizeof(buf), 16, "source pg_control", &c, &err));
	ck_assert_msg(strstr(err.msg, b->needle) != NULL, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "source pg_control: "));
}
END_TEST

START_TEST(other_segment_sizes)
{
	static const uint32_t sizes[] = {1u << 20, 64u << 20, 1u << 30};
	uint8_t		buf[CONTROL_FILE_SIZE];
	pg_control	c;
	rw_error	err;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
	{
		build_control(17, buf);
		put_u32(buf, 228, sizes[i]);
		set_crc(buf, pgver_lookup(17));
		ck_assert_msg(control_parse(buf, sizeof(buf), 17, "t", &c, &err), "%s", err.msg);
		ck_assert_uint_eq(c.xlog_seg_size, sizes[i]);
	}
}
END_TEST

START_TEST(checkpoint_struct)
{
	uint8_t		buf[CONTROL_FILE_SIZE];
	pg_checkpoint ck;
	rw_error	err;

	build_control(17, buf);
	ck_assert(checkpoint_parse(buf + 40, CHECKPOINT_STRUCT_SIZE, pgver_lookup(17),
							   &ck, &err));
	ck_assert_int_eq(ck.wal_level, 2);
	ck_assert_uint_eq(ck.redo, 0x3000028);
	ck_assert_uint_eq(ck.oldest_active_xid, 740);
	/* 14-16: the same bytes are padding */
	ck_assert(checkpoint_parse(buf + 40, CHECKPOINT_STRUCT_SIZE, pgver_lookup(16),
							   &ck, &err));
	ck_assert_int_eq(ck.wal_level, -1);
	ck_assert(!checkpoint_parse(buf + 40, CHECKPOINT_STRUCT_SIZE - 1,
								pgver_lookup(16), &ck, &err));
	ck_assert_int_eq(err.kind, RW_ECORRUPT);
	ck_assert(!checkpoint_parse(buf + 40, CHECKPOINT_STRUCT_SIZE + 8,
								pgver_lookup(16), &ck, &err));
}
END_TEST

START_TEST(state_names)
{
	ck_assert_str_eq(control_state_name(DBSTATE_STARTUP), "starting up");
	ck_assert_str_eq(control_state_name(DBSTATE_SHUTDOWNED), "shut down");
	ck_assert_str_eq(control_state_name(DBSTATE_SHUTDOWNED_IN_RECOVERY),
					 "shut down in recovery");
	ck_assert_str_eq(control_state_name(DBSTATE_SHUTDOWNING), "shutting down");
	ck_assert_str_eq(control_state_name(DBSTATE_IN_CRASH_RECOVERY), "in crash recovery");
	ck_assert_str_eq(control_state_name(DBSTATE_IN_ARCHIVE_RECOVERY),
					 "in archive recovery");
	ck_assert_str_eq(control_state_name(DBSTATE_IN_PRODUCTION), "in production");
	ck_assert_str_eq(control_state_name(7), "unrecognized status code");
	ck_assert_str_eq(control_state_name(-1), "unrecognized status code");
}
END_TEST

START_TEST(timeline_is_max)
{
	uint8_t		buf[CONTROL_FILE_SIZE];
	pg_control	c;
	rw_error	err;

	build_control(15, buf);
	ck_assert(control_parse(buf, sizeof(buf), 15, "t", &c, &err));
	c.min_recovery_tli = 0;
	ck_assert_uint_eq(control_timeline(&c), 3);
	c.min_recovery_tli = 4;
	ck_assert_uint_eq(control_timeline(&c), 4);
}
END_TEST

static const char *
next_line(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? nl + 1 : p + strlen(p);
}

/*
 * The value of "label:" in pg_controldata output (run with LC_ALL=C), or of
 * "KEY=" in info.env.  Returns false when absent.
 */
static bool
text_value(const char *text, const char *label, char *out, size_t outlen)
{
	size_t		n = strlen(label);

	for (const char *p = text; *p; p = next_line(p))
	{
		const char *v, *e;

		if (strncmp(p, label, n) != 0)
			continue;
		v = p + n;
		while (*v == ' ')
			v++;
		e = strchr(v, '\n');
		if (e == NULL)
			e = v + strlen(v);
		if ((size_t) (e - v) >= outlen)
			return false;
		memcpy(out, v, (size_t) (e - v));
		out[e - v] = '\0';
		return true;
	}
	return false;
}

static void
expect_u64(const char *text, const char *label, uint64_t got)
{
	char		v[128];

	ck_assert_msg(text_value(text, label, v, sizeof(v)), "no \"%s\"", label);
	ck_assert_msg(strtoull(v, NULL, 10) == got, "%s %s, parsed %llu", label, v,
				  (unsigned long long) got);
}

static void
expect_str(const char *text, const char *label, const char *got)
{
	char		v[128];

	ck_assert_msg(text_value(text, label, v, sizeof(v)), "no \"%s\"", label);
	ck_assert_msg(strcmp(v, got) == 0, "%s \"%s\", parsed \"%s\"", label, v, got);
}

static void
expect_lsn(const char *text, const char *label, lsn_t got)
{
	char		s[32];

	snprintf(s, sizeof(s), LSN_FMT, LSN_ARGS(got));
	expect_str(text, label, s);
}

static void
compare_controldata(const pg_control *c, const char *t)
{
	static const char *const wal_levels[] = {"minimal", "replica", "logical"};
	char		xid[48];

	expect_u64(t, "pg_control version number:", c->control_version);
	expect_u64(t, "Catalog version number:", c->catversion);
	expect_u64(t, "Database system identifier:", c->system_identifier);
	expect_str(t, "Database cluster state:", control_state_name(c->state));
	expect_lsn(t, "Latest checkpoint location:", c->checkpoint);
	expect_lsn(t, "Latest checkpoint's REDO location:", c->ckpt.redo);
	expect_u64(t, "Latest checkpoint's TimeLineID:", c->ckpt.tli);
	expect_u64(t, "Latest checkpoint's PrevTimeLineID:", c->ckpt.prev_tli);
	expect_str(t, "Latest checkpoint's full_page_writes:",
			   c->ckpt.full_page_writes ? "on" : "off");
	snprintf(xid, sizeof(xid), "%u:%u", (unsigned) (c->ckpt.next_xid >> 32),
			 (unsigned) c->ckpt.next_xid);
	expect_str(t, "Latest checkpoint's NextXID:", xid);
	expect_u64(t, "Latest checkpoint's NextOID:", c->ckpt.next_oid);
	expect_u64(t, "Latest checkpoint's NextMultiXactId:", c->ckpt.next_multi);
	expect_u64(t, "Latest checkpoint's NextMultiOffset:", c->ckpt.next_multi_offset);
	expect_u64(t, "Latest checkpoint's oldestXID:", c->ckpt.oldest_xid);
	expect_u64(t, "Latest checkpoint's oldestXID's DB:", c->ckpt.oldest_xid_db);
	expect_u64(t, "Latest checkpoint's oldestActiveXID:", c->ckpt.oldest_active_xid);
	expect_u64(t, "Latest checkpoint's oldestMultiXid:", c->ckpt.oldest_multi);
	expect_u64(t, "Latest checkpoint's oldestMulti's DB:", c->ckpt.oldest_multi_db);
	expect_u64(t, "Latest checkpoint's oldestCommitTsXid:", c->ckpt.oldest_commit_ts_xid);
	expect_u64(t, "Latest checkpoint's newestCommitTsXid:", c->ckpt.newest_commit_ts_xid);
	expect_lsn(t, "Fake LSN counter for unlogged rels:", c->unlogged_lsn);
	expect_lsn(t, "Minimum recovery ending location:", c->min_recovery_point);
	expect_u64(t, "Min recovery ending loc's timeline:", c->min_recovery_tli);
	expect_lsn(t, "Backup start location:", c->backup_start_point);
	expect_lsn(t, "Backup end location:", c->backup_end_point);
	expect_str(t, "End-of-backup record required:", c->backup_end_required ? "yes" : "no");
	ck_assert(c->wal_level >= 0 && c->wal_level <= 2);
	expect_str(t, "wal_level setting:", wal_levels[c->wal_level]);
	expect_str(t, "wal_log_hints setting:", c->wal_log_hints ? "on" : "off");
	expect_u64(t, "max_connections setting:", (uint64_t) c->max_connections);
	expect_u64(t, "max_worker_processes setting:", (uint64_t) c->max_worker_processes);
	expect_u64(t, "max_wal_senders setting:", (uint64_t) c->max_wal_senders);
	expect_u64(t, "max_prepared_xacts setting:", (uint64_t) c->max_prepared_xacts);
	expect_u64(t, "max_locks_per_xact setting:", (uint64_t) c->max_locks_per_xact);
	expect_str(t, "track_commit_timestamp setting:",
			   c->track_commit_timestamp ? "on" : "off");
	expect_u64(t, "Maximum data alignment:", c->max_align);
	expect_u64(t, "Database block size:", c->blcksz);
	expect_u64(t, "Blocks per segment of large relation:", c->relseg_size);
	expect_u64(t, "WAL block size:", c->xlog_blcksz);
	expect_u64(t, "Bytes per WAL segment:", c->xlog_seg_size);
	expect_u64(t, "Data page checksum version:", c->data_checksum_version);
}

static void
compare_info_env(const pg_control *c, const char *t)
{
	expect_u64(t, "SYSID=", c->system_identifier);
	expect_u64(t, "SEGSIZE=", c->xlog_seg_size);
	expect_lsn(t, "CHECKPOINT_LSN=", c->checkpoint);
	expect_lsn(t, "REDO_LSN=", c->ckpt.redo);
	expect_u64(t, "CHECKPOINT_TLI=", c->ckpt.tli);
	expect_u64(t, "CHECKPOINT_PREV_TLI=", c->ckpt.prev_tli);
	expect_u64(t, "NEXT_OID=", c->ckpt.next_oid);
}

/*
 * Real PostgreSQL 15 control files from t/fixtures/make-fixtures.sh, checked
 * against what pg_controldata said about them.  Skipped without fixtures.
 */
static const char *const real_clusters[] = {"pg15", "pg15-promoted"};

START_TEST(real_pg15)
{
	char		path[256];
	uint8_t    *file, *text;
	uint8_t		out[CONTROL_FILE_SIZE];
	size_t		len, tlen;
	pg_control	c;
	rw_error	err;

	snprintf(path, sizeof(path), "%s/pg_control", real_clusters[_i]);
	file = fixture_read(path, &len);
	if (file == NULL)
	{
		fprintf(stderr, "test_control: no fixture %s, skipped\n", path);
		return;
	}
	ck_assert_msg(control_parse(file, len, 15, path, &c, &err), "%s", err.msg);
	ck_assert_int_eq(c.state, DBSTATE_SHUTDOWNED);
	ck_assert_uint_eq(control_timeline(&c), c.ckpt.tli);
	control_serialize(&c, out);
	ck_assert_mem_eq(out, file, CONTROL_FILE_SIZE);
	/* 1300 is also 14's and 16's version: same layout, accepted */
	ck_assert(control_parse(file, len, 16, path, &c, &err));
	ck_assert(!control_parse(file, len, 17, path, &c, &err));
	ck_assert(!control_parse(file, len, 18, path, &c, &err));
	ck_assert(control_parse(file, len, 15, path, &c, &err));

	snprintf(path, sizeof(path), "%s/info.env", real_clusters[_i]);
	text = fixture_read(path, &tlen);
	ck_assert_msg(text != NULL, "fixture %s missing", path);
	compare_info_env(&c, (const char *) text);
	free(text);

	snprintf(path, sizeof(path), "%s/controldata.txt", real_clusters[_i]);
	text = fixture_read(path, &tlen);
	if (text != NULL)
		compare_controldata(&c, (const char *) text);
	else
		fprintf(stderr, "test_control: no %s, full comparison skipped\n", path);
	free(text);
	free(file);
}
END_TEST

extern Suite *control_suite(void);

Suite *control_suite(void)
{
	Suite	   *s = suite_create("control");
	TCase	   *tc = tcase_create("built");
	TCase	   *real = tcase_create("real");
	int			nmajors = (int) pgver_count();

	tcase_add_loop_test(tc, parse_built, 0, nmajors);
	tcase_add_loop_test(tc, serialize_roundtrip, 0, nmajors);
	tcase_add_loop_test(tc, crc_mismatch, 0, nmajors);
	tcase_add_loop_test(tc, crc_covers_prefix_only, 0, nmajors);
	tcase_add_loop_test(tc, wrong_size, 0, nmajors);
	tcase_add_test(tc, wrong_version_for_major);
	tcase_add_test(tc, unsupported_major);
	tcase_add_loop_test(tc, sizes_checked, 0,
						(int) (sizeof(bad_sizes) / sizeof(bad_sizes[0])));
	tcase_add_test(tc, other_segment_sizes);
	tcase_add_test(tc, checkpoint_struct);
	tcase_add_test(tc, state_names);
	tcase_add_test(tc, timeline_is_max);
	suite_add_tcase(s, tc);
	tcase_add_loop_test(real, real_pg15, 0,
						(int) (sizeof(real_clusters) / sizeof(real_clusters[0])));
	suite_add_tcase(s, real);
	return s;
}
