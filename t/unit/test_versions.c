/*
 * Version-specific decoding checked on real clusters of every supported
 * major.  t/fixtures/make-fixtures.sh leaves, per major M, pgM/ (a primary
 * after a workload, stopped cleanly) and pgM-promoted/ (a standby of it,
 * promoted to timeline 2, stopped), each with PG_VERSION, pg_control, wal/,
 * info.env (cluster facts read with SQL) and events.txt (what the workload
 * did: xids, relation file numbers, database OIDs, row counts).
 *
 * For each fixture present: pg_control parses with the major's layout, and
 * every WAL record from the first one of the oldest segment to the end of
 * WAL decodes without error, with the payload decoders of lib/walrec.c
 * applied to each record they cover; then the decoded records are matched
 * against events.txt.  Missing majors are skipped with a note, unless
 * REWIND_REQUIRE_MAJORS (e.g. "14 15 16 17 18") names them.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "crc32c.h"
#include "lsn.h"
#include "pgver.h"
#include "testutil.h"
#include "timeline.h"
#include "walreader.h"
#include "walrec.h"
#include "xalloc.h"

/*
 * The fixtures, two per supported major (the version table): loop index i
 * is pgM for even i, pgM-promoted for odd i.
 */
#define NFIXTURES ((int) (2 * pgver_count()))

#define XLOG_OP_CHECKPOINT_REDO 0xE0
#define XACT_HAS_INFO 0x80
#define XINFO_HAS_DBINFO 0x001
#define XINFO_HAS_SUBXACTS 0x002
#define XINFO_HAS_RELS 0x004
#define XINFO_HAS_DROPPED_STATS 0x100
#define PGSTAT_KIND_RELATION 2
#define TEMPLATE1_OID 1

/* ------------------------------------------------------------------------
 * KEY=value files
 * ------------------------------------------------------------------------ */

typedef struct kv {
	char	   *text;
	size_t		n;
	const char *keys[512];
	const char *vals[512];
} kv;

static bool
kv_load(kv *k, const char *path)
{
	size_t		len;
	char	   *p;

	memset(k, 0, sizeof(*k));
	k->text = (char *) read_whole_file(path, &len);
	if (k->text == NULL)
		return false;
	for (p = k->text; *p;)
	{
		char	   *nl = strchr(p, '\n');
		char	   *eq = strchr(p, '=');

		if (nl)
			*nl = '\0';
		if (eq && k->n < sizeof(k->keys) / sizeof(k->keys[0]))
		{
			*eq = '\0';
			k->keys[k->n] = p;
			k->vals[k->n++] = eq + 1;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return true;
}

static void
kv_free(kv *k)
{
	free(k->text);
}

/* The i-th value of key (NULL when there are fewer). */
static const char *
kv_nth(const kv *k, const char *key, size_t i)
{
	for (size_t j = 0; j < k->n; j++)
		if (strcmp(k->keys[j], key) == 0 && i-- == 0)
			return k->vals[j];
	return NULL;
}

static const char *
kv_get(const kv *k, const char *key)
{
	return kv_nth(k, key, 0);
}

static const char *
kv_need(const kv *k, const char *what, const char *key)
{
	const char *v = kv_get(k, key);

	ck_assert_msg(v != NULL, "%s has no %s", what, key);
	return v;
}

static uint32_t
kv_u32(const kv *k, const char *what, const char *key)
{
	return (uint32_t) strtoul(kv_need(k, what, key), NULL, 10);
}

static lsn_t
kv_lsn(const kv *k, const char *what, const char *key)
{
	lsn_t		l;
	const char *v = kv_need(k, what, key);

	ck_assert_msg(lsn_parse(v, &l), "%s: %s=%s is not an LSN", what, key, v);
	return l;
}

/* ------------------------------------------------------------------------
 * A page source over the fixture's wal/ directory
 * ------------------------------------------------------------------------ */

typedef struct segdir {
	char		dir[4096];
	const tl_history *hist;		/* NULL: timeline 1 only */
	uint32_t	segsize;
	uint32_t	page_size;
	int			fd;
	uint64_t	segno;
	uint32_t	tli;
} segdir;

static bool
segdir_read_page(void *ctx, lsn_t page_lsn, uint8_t *buf, rw_error *err)
{
	segdir	   *s = ctx;
	uint64_t	segno = lsn_segno(page_lsn, s->segsize);
	uint32_t	tli = s->hist ? tl_tli_for_segment(s->hist, segno, s->segsize) : 1;
	char		name[WAL_FILE_NAME_LEN + 1], path[4200];
	ssize_t		got;

	wal_file_name(name, tli, segno, s->segsize);
	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	if (s->fd < 0 || s->segno != segno || s->tli != tli)
	{
		if (s->fd >= 0)
			close(s->fd);
		s->fd = open(path, O_RDONLY);
		if (s->fd < 0)
		{
			int			e = errno;

			rw_fail_errno(err, e, "could not open WAL file \"%s\"", path);
			err->kind = e == ENOENT ? RW_EMISSING : RW_EIO;
			return false;
		}
		s->segno = segno;
		s->tli = tli;
	}
	got = pread(s->fd, buf, s->page_size, (off_t) lsn_segment_offset(page_lsn, s->segsize));
	if (got != (ssize_t) s->page_size)
		return rw_fail(err, RW_EIO, "short read in \"%s\" at offset %u", path,
					   lsn_segment_offset(page_lsn, s->segsize));
	return true;
}

/* The lowest segment number of any WAL file in dir. */
static uint64_t
segdir_first_segno(const char *dir, uint32_t segsize)
{
	DIR		   *d = opendir(dir);
	struct dirent *de;
	uint64_t	best = UINT64_MAX;

	ck_assert_msg(d != NULL, "cannot open %s", dir);
	while ((de = readdir(d)) != NULL)
	{
		uint32_t	tli;
		uint64_t	segno;

		if (strlen(de->d_name) == WAL_FILE_NAME_LEN &&
			wal_file_name_parse(de->d_name, segsize, &tli, &segno) && segno < best)
			best = segno;
	}
	closedir(d);
	ck_assert_msg(best != UINT64_MAX, "no WAL segments in %s", dir);
	return best;
}

/* ------------------------------------------------------------------------
 * Opening a fixture
 * ------------------------------------------------------------------------ */

typedef struct vfix {
	char		name[32];
	int			major;
	bool		promoted;
	const pg_version_info *ver;
	char		dir[2048];
	pg_control	control;
	kv			info;
	kv			events;
	tl_history	hist;
	bool		have_hist;
	segdir		src;
	wal_reader *reader;
} vfix;

/* Is major listed in REWIND_REQUIRE_MAJORS? */
static bool
major_required(int major)
{
	const char *req = getenv("REWIND_REQUIRE_MAJORS");
	const char *p = req;

	while (p && *p)
	{
		char	   *end;
		long		m = strtol(p, &end, 10);

		if (end == p)
		{
			p++;
			continue;
		}
		if (m == major)
			return true;
		p = end;
	}
	return false;
}

/*
 * Fill f for loop index i.  Returns false (after a note on stderr) when the
 * fixture is absent and its major is not required.
 */
static bool
vfix_open(vfix *f, int i, bool with_reader)
{
	char		path[4200];
	struct stat st;
	uint8_t    *buf;
	size_t		len;
	rw_error	err;
	int			major;

	memset(f, 0, sizeof(*f));
	f->major = pgver_at((size_t) i / 2)->major;
	f->promoted = i % 2 == 1;
	snprintf(f->name, sizeof(f->name), "pg%d%s", f->major, f->promoted ? "-promoted" : "");
	f->ver = pgver_lookup(f->major);
	ck_assert_ptr_nonnull(f->ver);
	ck_assert_msg(fixtures_dir() != NULL,
				  "REWIND_FIXTURES is not set: run the tests with \"make unit\"");
	snprintf(f->dir, sizeof(f->dir), "%s/%s", fixtures_dir(), f->name);
	if (stat(f->dir, &st) != 0)
	{
		if (major_required(f->major))
			ck_abort_msg("fixture %s is missing, but REWIND_REQUIRE_MAJORS lists %d: "
						 "install PostgreSQL %d (bash t/lib/install-pg-npm.sh /opt/rewind-pg %d) "
						 "and remake the fixtures", f->dir, f->major, f->major, f->major);
		fprintf(stderr, "versions: %s: fixture missing (PostgreSQL %d not installed?), skipped\n",
				f->name, f->major);
		return false;
	}

	snprintf(path, sizeof(path), "%s/PG_VERSION", f->dir);
	buf = read_whole_file(path, &len);
	ck_assert_msg(buf != NULL, "%s missing", path);
	ck_assert_msg(pgver_parse_pg_version((const char *) buf, len, &major), "%s: bad PG_VERSION", f->name);
	ck_assert_int_eq(major, f->major);
	free(buf);

	snprintf(path, sizeof(path), "%s/pg_control", f->dir);
	buf = read_whole_file(path, &len);
	ck_assert_msg(buf != NULL, "%s missing", path);
	ck_assert_msg(control_parse(buf, len, f->major, f->name, &f->control, &err), "%s", err.msg);
	free(buf);

	snprintf(path, sizeof(path), "%s/info.env", f->dir);
	ck_assert_msg(kv_load(&f->info, path), "%s missing", path);
	snprintf(path, sizeof(path), "%s/events.txt", f->dir);
	ck_assert_msg(kv_load(&f->events, path), "%s missing", path);

	if (f->promoted)
	{
		snprintf(path, sizeof(path), "%s/wal/00000002.history", f->dir);
		buf = read_whole_file(path, &len);
		ck_assert_msg(buf != NULL, "%s missing", path);
		ck_assert_msg(tl_parse((const char *) buf, len, 2, path, &f->hist, &err), "%s", err.msg);
		free(buf);
		f->have_hist = true;
	}
	if (with_reader)
	{
		wal_page_reader pr = {segdir_read_page, &f->src};

		snprintf(f->src.dir, sizeof(f->src.dir), "%s/wal", f->dir);
		f->src.hist = f->have_hist ? &f->hist : NULL;
		f->src.segsize = f->control.xlog_seg_size;
		f->src.page_size = f->control.xlog_blcksz;
		f->src.fd = -1;
		f->reader = walreader_new(f->ver, f->control.system_identifier,
								  f->control.xlog_seg_size, f->control.xlog_blcksz, pr);
		ck_assert_ptr_nonnull(f->reader);
	}
	return true;
}

static void
vfix_close(vfix *f)
{
	walreader_free(f->reader);
	if (f->src.fd >= 0)
		close(f->src.fd);
	if (f->have_hist)
		tl_free(&f->hist);
	kv_free(&f->info);
	kv_free(&f->events);
}

static int32_t
wal_level_number(const char *name)
{
	if (strcmp(name, "minimal") == 0)
		return 0;
	if (strcmp(name, "replica") == 0)
		return 1;
	ck_assert_str_eq(name, "logical");
	return 2;
}

/* ------------------------------------------------------------------------
 * pg_control
 * ------------------------------------------------------------------------ */

START_TEST(test_versions_control)
{
	static const uint32_t control_versions[] = {1300, 1300, 1300, 1700, 1800};
	vfix		f;
	const pg_control *c = &f.control;
	uint32_t	stored, other;
	char		sysid[32];
	rw_error	err;
	pg_control	wrong;

	if (!vfix_open(&f, _i, false))
		return;

	/* version and layout */
	ck_assert_uint_eq(c->control_version, control_versions[f.major - 14]);
	ck_assert_uint_eq(c->control_version, f.ver->control_version);
	ck_assert_uint_eq(c->catversion, f.ver->catversion);
	ck_assert_uint_eq(f.ver->control_crc_offset, f.major >= 18 ? 292 : 288);
	memcpy(&stored, c->raw + f.ver->control_crc_offset, 4);
	ck_assert_uint_eq(stored, crc32c(c->raw, f.ver->control_crc_offset));
	/* the CRC is not also valid at the other major's offset */
	other = f.major >= 18 ? 288 : 292;
	memcpy(&stored, c->raw + other, 4);
	ck_assert_uint_ne(stored, crc32c(c->raw, other));
	if (f.major >= 18)
	{
		ck_assert_msg(c->raw[256] <= 1, "default_char_signedness byte is %u", c->raw[256]);
		/* the same bytes read as 17 are refused (version), never misparsed */
		ck_assert(!control_parse(c->raw, CONTROL_FILE_SIZE, 17, "as 17", &wrong, &err));
		ck_assert_int_eq(err.kind, RW_EUNSUPPORTED);
	}
	else if (f.major == 17)
		ck_assert(!control_parse(c->raw, CONTROL_FILE_SIZE, 18, "as 18", &wrong, &err));

	/* the cluster it came from */
	snprintf(sysid, sizeof(sysid), "%llu", (unsigned long long) c->system_identifier);
	ck_assert_str_eq(sysid, kv_need(&f.info, f.name, "SYSID"));
	ck_assert_uint_eq(c->xlog_seg_size, kv_u32(&f.info, f.name, "SEGSIZE"));
	ck_assert_int_eq((int) kv_u32(&f.info, f.name, "MAJOR"), f.major);
	ck_assert_int_eq(c->state, DBSTATE_SHUTDOWNED);
	ck_assert_uint_eq(c->data_checksum_version,
					  strcmp(kv_need(&f.info, f.name, "CHECKSUMS"), "on") == 0 ? 1 : 0);
	ck_assert_int_eq(c->wal_log_hints,
					 strcmp(kv_need(&f.info, f.name, "WAL_LOG_HINTS"), "on") == 0);
	/* a rewind needs one of the two */
	ck_assert(c->data_checksum_version != 0 || c->wal_log_hints);
	ck_assert_int_eq(c->wal_level, wal_level_number(kv_need(&f.info, f.name, "WAL_LEVEL")));
	ck_assert_int_eq(c->ckpt.wal_level, f.ver->checkpoint_has_wal_level ? c->wal_level : -1);
	ck_assert_uint_eq(c->ckpt.tli, f.promoted ? 2 : 1);
	ck_assert_uint_eq(c->ckpt.prev_tli, c->ckpt.tli);
	ck_assert_uint_eq(control_timeline(c), c->ckpt.tli);
	ck_assert_uint_eq(c->ckpt.redo, c->checkpoint);
	ck_assert(c->ckpt.full_page_writes);
	ck_assert_int_ge(c->max_prepared_xacts, 1);
	vfix_close(&f);
}
END_TEST

/* ------------------------------------------------------------------------
 * Decoding all WAL
 * ------------------------------------------------------------------------ */

#define MAX_SEEN 4096

typedef struct xact_seen {
	uint32_t	xid;			/* committing/aborting xid, or the prepared one */
	wal_kind	kind;
	uint32_t	nsubxacts;
	uint32_t	subxacts[8];
	uint32_t	nrels;
	uint32_t	rels[16];		/* relation file numbers dropped */
	uint32_t	nstats;
	uint32_t	stat_kind[8];
	uint32_t	stat_db[8];
	uint64_t	stat_obj[8];
	bool		wrong_size_rejected;	/* parse with the other item size failed */
	char		gid[64];
} xact_seen;

typedef struct scan {
	size_t		records;
	size_t		rmgr_records[256];
	lsn_t		first, last, last_next;
	wal_read_status end_status;
	rw_error	end_err;

	size_t		checkpoints_online, checkpoints_shutdown, checkpoint_redo;
	size_t		opcode_e0;		/* RM_XLOG records with opcode 0xE0, any major */
	lsn_t		last_redo_record;
	size_t		end_of_recovery;
	lsn_t		eor_lsn;
	uint32_t	eor_len, eor_tli, eor_prev;
	int32_t		eor_wal_level;

	size_t		nxacts;
	size_t		xacts_cap;
	xact_seen  *xacts;
	size_t		nprepare;
	uint32_t	prepare_xids[16];
	size_t		commits_with_stats;

	size_t		nsmgr_create;
	uint32_t	smgr_create_rels[MAX_SEEN];
	size_t		smgr_truncates;

	size_t		db_copy, db_wal_log, db_drop;
	uint32_t	db_copy_oids[8], db_wal_log_oids[8], db_drop_oids[8];
	uint32_t	db_copy_src[8];
	uint8_t		db_copy_op, db_wal_log_op, db_drop_op;

	size_t		multi_inserts;
	uint64_t	copy_tuples;	/* MULTI_INSERT tuples into COPY_REL */
} scan;

static uint32_t
get_u32(const uint8_t *p)
{
	uint32_t	v;

	memcpy(&v, p, 4);
	return v;
}

/*
 * Walk a commit/abort record's main data up to the dropped stats and return
 * their count and start (independently of lib/walrec.c).
 */
static bool
find_dropped_stats(const wal_record *rec, uint32_t *n, const uint8_t **items)
{
	const uint8_t *p = rec->main_data;
	uint32_t	off = 8, xinfo = 0, cnt;

	if (!(rec->info & XACT_HAS_INFO))
		return false;
	xinfo = get_u32(p + off);
	off += 4;
	if (!(xinfo & XINFO_HAS_DROPPED_STATS))
		return false;
	if (xinfo & XINFO_HAS_DBINFO)
		off += 8;
	if (xinfo & XINFO_HAS_SUBXACTS)
		off += 4 + 4 * get_u32(p + off);
	if (xinfo & XINFO_HAS_RELS)
		off += 4 + 12 * get_u32(p + off);
	ck_assert_uint_le(off + 4, rec->main_len);
	cnt = get_u32(p + off);
	*n = cnt;
	*items = p + off + 4;
	return true;
}

static void
note_xact(const vfix *f, scan *s, const wal_record *rec, wal_kind k)
{
	wal_xact_end x;
	rw_error	err;
	xact_seen  *xs;
	uint32_t	nstats;
	const uint8_t *items;

	ck_assert_msg(walrec_xact_end(f->ver, rec, &x, &err), "%s: %s", f->name, err.msg);
	xgrow((void **) &s->xacts, &s->xacts_cap, s->nxacts + 1, sizeof(xact_seen));
	xs = &s->xacts[s->nxacts++];
	memset(xs, 0, sizeof(*xs));
	xs->kind = k;
	xs->xid = (k == WK_XACT_COMMIT_PREPARED || k == WK_XACT_ABORT_PREPARED) ?
		x.twophase_xid : rec->xid;
	if (k == WK_XACT_COMMIT_PREPARED || k == WK_XACT_ABORT_PREPARED)
		ck_assert_uint_eq(rec->xid, 0);
	if (x.gid)
		snprintf(xs->gid, sizeof(xs->gid), "%s", x.gid);
	xs->nsubxacts = x.nsubxacts;
	for (uint32_t i = 0; i < x.nsubxacts && i < 8; i++)
		xs->subxacts[i] = walrec_xact_subxact(&x, i);
	xs->nrels = x.nrels;
	for (uint32_t i = 0; i < x.nrels && i < 16; i++)
		xs->rels[i] = walrec_xact_rel(&x, i).rel;

	if (!find_dropped_stats(rec, &nstats, &items))
		return;
	/* 14 has no dropped stats; 15-17 write 12-byte items, 18 16-byte ones */
	ck_assert_msg(f->ver->dropped_stats_item_size != 0,
				  "%s: dropped stats in a %d record at " LSN_FMT, f->name, f->major,
				  LSN_ARGS(rec->lsn));
	ck_assert_uint_eq(f->ver->dropped_stats_item_size, f->major >= 18 ? 16 : 12);
	s->commits_with_stats++;
	xs->nstats = nstats;
	for (uint32_t i = 0; i < nstats && i < 8; i++)
	{
		const uint8_t *it = items + (size_t) i * f->ver->dropped_stats_item_size;

		xs->stat_kind[i] = get_u32(it);
		xs->stat_db[i] = get_u32(it + 4);
		xs->stat_obj[i] = get_u32(it + 8);
		if (f->ver->dropped_stats_item_size == 16)
			xs->stat_obj[i] |= (uint64_t) get_u32(it + 12) << 32;
	}
	if (nstats > 0)
	{
		pg_version_info other = *f->ver;
		wal_xact_end y;

		other.dropped_stats_item_size = f->ver->dropped_stats_item_size == 12 ? 16 : 12;
		xs->wrong_size_rejected = !walrec_xact_end(&other, rec, &y, &err);
	}
}

static void
note_dbase(const vfix *f, scan *s, const wal_record *rec, wal_kind k)
{
	uint32_t	db, ts, src_db, src_ts, n;
	const uint8_t *tss;
	rw_error	err;
	uint8_t		op = rec->info & XLR_RMGR_INFO_MASK;

	if (k == WK_DBASE_DROP)
	{
		ck_assert_msg(walrec_dbase_drop(f->ver, rec, &db, &n, &tss, &err), "%s", err.msg);
		ck_assert_uint_ge(n, 1);
		ck_assert_uint_eq(rec->info & XLR_SPECIAL_REL_UPDATE, XLR_SPECIAL_REL_UPDATE);
		if (s->db_drop < 8)
			s->db_drop_oids[s->db_drop] = db;
		s->db_drop++;
		s->db_drop_op = op;
		return;
	}
	ck_assert_msg(walrec_dbase_create(f->ver, rec, &db, &ts, &src_db, &src_ts, &err),
				  "%s", err.msg);
	if (k == WK_DBASE_CREATE_COPY)
	{
		ck_assert_uint_eq(rec->main_len, 16);
		ck_assert_uint_eq(rec->info & XLR_SPECIAL_REL_UPDATE, XLR_SPECIAL_REL_UPDATE);
		if (s->db_copy < 8)
		{
			s->db_copy_oids[s->db_copy] = db;
			s->db_copy_src[s->db_copy] = src_db;
		}
		s->db_copy++;
		s->db_copy_op = op;
	}
	else
	{
		ck_assert_uint_eq(rec->main_len, 8);
		ck_assert_uint_eq(rec->info & XLR_SPECIAL_REL_UPDATE, 0);
		if (s->db_wal_log < 8)
			s->db_wal_log_oids[s->db_wal_log] = db;
		s->db_wal_log++;
		s->db_wal_log_op = op;
	}
}

static void
note_xlog(const vfix *f, scan *s, const wal_record *rec, wal_kind k)
{
	rw_error	err;
	pg_checkpoint cp;
	bool		fpw;

	if ((rec->info & XLR_RMGR_INFO_MASK) == XLOG_OP_CHECKPOINT_REDO)
		s->opcode_e0++;
	switch (k)
	{
		case WK_CHECKPOINT_SHUTDOWN:
		case WK_CHECKPOINT_ONLINE:
			ck_assert_msg(walrec_checkpoint(f->ver, rec, &cp, &err), "%s", err.msg);
			/* checkpoints written during initdb may have another wal_level */
			if (f->ver->checkpoint_has_wal_level)
				ck_assert(cp.wal_level >= 0 && cp.wal_level <= 2);
			else
				ck_assert_int_eq(cp.wal_level, -1);
			ck_assert_uint_eq(cp.prev_tli, cp.tli);
			if (k == WK_CHECKPOINT_SHUTDOWN)
			{
				ck_assert_msg(cp.redo == rec->lsn, "%s: shutdown checkpoint at " LSN_FMT
							  " has redo " LSN_FMT, f->name, LSN_ARGS(rec->lsn), LSN_ARGS(cp.redo));
				s->checkpoints_shutdown++;
			}
			else
			{
				ck_assert_uint_lt(cp.redo, rec->lsn);
				/* 17+: redo is the CHECKPOINT_REDO record the checkpoint wrote */
				if (f->ver->xlog_checkpoint_redo != PGVER_NO_OPCODE)
					ck_assert_msg(cp.redo == s->last_redo_record,
								  "%s: online checkpoint at " LSN_FMT " has redo " LSN_FMT
								  ", the last CHECKPOINT_REDO is at " LSN_FMT, f->name,
								  LSN_ARGS(rec->lsn), LSN_ARGS(cp.redo),
								  LSN_ARGS(s->last_redo_record));
				s->checkpoints_online++;
			}
			break;
		case WK_CHECKPOINT_REDO:
			ck_assert_uint_eq(rec->main_len, 4);
			ck_assert_int_le(get_u32(rec->main_data), 2);
			s->last_redo_record = rec->lsn;
			s->checkpoint_redo++;
			break;
		case WK_END_OF_RECOVERY:
			ck_assert_msg(walrec_end_of_recovery(f->ver, rec, &s->eor_tli, &s->eor_prev, &err),
						  "%s", err.msg);
			s->end_of_recovery++;
			s->eor_lsn = rec->lsn;
			s->eor_len = rec->main_len;
			s->eor_wal_level = rec->main_len >= 20 ? (int32_t) get_u32(rec->main_data + 16) : -1;
			break;
		case WK_FPW_CHANGE:
			ck_assert_msg(walrec_fpw_change(rec, &fpw, &err), "%s", err.msg);
			break;
		default:
			break;
	}
}

static void
note_record(const vfix *f, scan *s, const wal_record *rec)
{
	wal_kind	k = walrec_kind(f->ver, rec);
	rw_error	err;

	ck_assert_msg(rmgr_id_valid(f->ver, rec->rmid), "%s: rmid %u at " LSN_FMT,
				  f->name, rec->rmid, LSN_ARGS(rec->lsn));
	ck_assert_ptr_nonnull(rmgr_name(rec->rmid));
	s->rmgr_records[rec->rmid]++;
	switch (k)
	{
		case WK_CHECKPOINT_SHUTDOWN:
		case WK_CHECKPOINT_ONLINE:
		case WK_CHECKPOINT_REDO:
		case WK_END_OF_RECOVERY:
		case WK_FPW_CHANGE:
			note_xlog(f, s, rec, k);
			break;
		case WK_XACT_COMMIT:
		case WK_XACT_ABORT:
		case WK_XACT_COMMIT_PREPARED:
		case WK_XACT_ABORT_PREPARED:
			note_xact(f, s, rec, k);
			break;
		case WK_XACT_PREPARE:
			if (s->nprepare < 16)
				s->prepare_xids[s->nprepare] = rec->xid;
			s->nprepare++;
			break;
		case WK_SMGR_CREATE:
			{
				relfile_locator l;
				int			fork;

				ck_assert_msg(walrec_smgr_create(rec, &l, &fork, &err), "%s", err.msg);
				if (s->nsmgr_create < MAX_SEEN)
					s->smgr_create_rels[s->nsmgr_create] = l.rel;
				s->nsmgr_create++;
			}
			break;
		case WK_SMGR_TRUNCATE:
			{
				relfile_locator l;
				uint32_t	nblocks, flags;

				ck_assert_msg(walrec_smgr_truncate(rec, &l, &nblocks, &flags, &err), "%s", err.msg);
				s->smgr_truncates++;
			}
			break;
		case WK_DBASE_CREATE_COPY:
		case WK_DBASE_CREATE_WAL_LOG:
		case WK_DBASE_DROP:
			note_dbase(f, s, rec, k);
			break;
		case WK_HEAP2_MULTI_INSERT:
			{
				uint32_t	nt;

				ck_assert_msg(walrec_multi_insert_ntuples(rec, &nt, &err), "%s: %s", f->name, err.msg);
				ck_assert_int_ge(rec->nblocks, 1);
				s->multi_inserts++;
				if (kv_get(&f->events, "COPY_REL") &&
					rec->blocks[0].rel == kv_u32(&f->events, f->name, "COPY_REL") &&
					rec->blocks[0].db == kv_u32(&f->events, f->name, "COPY_DB") &&
					rec->blocks[0].fork == FORK_MAIN)
					s->copy_tuples += nt;
			}
			break;
		default:
			if (rec->rmid == RM_XLOG_ID)
				note_xlog(f, s, rec, k);
			break;
	}
}

/* Read every record from the first of the oldest segment to the end of WAL. */
static void
scan_all(vfix *f, scan *s)
{
	const wal_record *rec;
	wal_read_status rs;
	rw_error	err;
	uint64_t	segno = segdir_first_segno(f->src.dir, f->control.xlog_seg_size);

	memset(s, 0, sizeof(*s));
	rs = walreader_find_first(f->reader, segno_start(segno, f->control.xlog_seg_size),
							  &s->first, &err);
	ck_assert_msg(rs == WAL_READ_OK, "%s: no first record: %s", f->name, err.msg);
	rs = walreader_read_at(f->reader, s->first, &rec, &err);
	while (rs == WAL_READ_OK)
	{
		s->records++;
		s->last = rec->lsn;
		s->last_next = rec->next;
		note_record(f, s, rec);
		rs = walreader_next(f->reader, &rec, &err);
	}
	s->end_status = rs;
	s->end_err = err;
}

static const xact_seen *
find_xact(const scan *s, wal_kind k, uint32_t xid)
{
	for (size_t i = 0; i < s->nxacts; i++)
		if (s->xacts[i].kind == k && s->xacts[i].xid == xid)
			return &s->xacts[i];
	return NULL;
}

static bool
xact_drops(const xact_seen *x, uint32_t rel)
{
	for (uint32_t i = 0; i < x->nrels && i < 16; i++)
		if (x->rels[i] == rel)
			return true;
	return false;
}

/* The commit of XID_<key>, or when the workload did not record it, the commit dropping rel. */
static const xact_seen *
commit_dropping(const vfix *f, const scan *s, const char *xid_key, uint32_t rel)
{
	const xact_seen *x = NULL;

	if (kv_get(&f->events, xid_key))
	{
		x = find_xact(s, WK_XACT_COMMIT, kv_u32(&f->events, f->name, xid_key));
		ck_assert_msg(x != NULL, "%s: no commit record of %s=%s", f->name, xid_key,
					  kv_get(&f->events, xid_key));
	}
	else
		for (size_t i = 0; i < s->nxacts && x == NULL; i++)
			if (s->xacts[i].kind == WK_XACT_COMMIT && xact_drops(&s->xacts[i], rel))
				x = &s->xacts[i];
	ck_assert_msg(x != NULL && xact_drops(x, rel), "%s: no commit drops relation file %u",
				  f->name, rel);
	return x;
}

static bool
smgr_created(const scan *s, uint32_t rel)
{
	for (size_t i = 0; i < s->nsmgr_create && i < MAX_SEEN; i++)
		if (s->smgr_create_rels[i] == rel)
			return true;
	return false;
}

/* The end of WAL: after the shutdown checkpoint that pg_control names. */
static void
check_end(const vfix *f, const scan *s)
{
	char		want[160];

	ck_assert_msg(s->end_status == WAL_READ_END, "%s: reading stopped with an error after "
				  LSN_FMT ": %s", f->name, LSN_ARGS(s->last), s->end_err.msg);
	ck_assert_msg(s->last == f->control.checkpoint, "%s: last record at " LSN_FMT
				  ", pg_control's checkpoint at " LSN_FMT " (end: %s)", f->name,
				  LSN_ARGS(s->last), LSN_ARGS(f->control.checkpoint), s->end_err.msg);
	snprintf(want, sizeof(want), "invalid record length at " LSN_FMT ": wanted 24, got 0",
			 LSN_ARGS(s->last_next));
	ck_assert_str_eq(s->end_err.msg, want);
}

/* pg_control's checkpoint record, and the online one recorded before the shutdown. */
static void
check_checkpoints(vfix *f, const scan *s)
{
	const wal_record *rec;
	rw_error	err;
	pg_checkpoint cp;
	const pg_checkpoint *cc = &f->control.ckpt;
	lsn_t		online = kv_lsn(&f->info, f->name, "ONLINE_CKPT_LSN");

	ck_assert_int_eq(walreader_read_at(f->reader, f->control.checkpoint, &rec, &err), WAL_READ_OK);
	ck_assert_int_eq(walrec_kind(f->ver, rec), WK_CHECKPOINT_SHUTDOWN);
	ck_assert_msg(walrec_checkpoint(f->ver, rec, &cp, &err), "%s", err.msg);
	ck_assert_uint_eq(cp.redo, rec->lsn);
	ck_assert_uint_eq(rec->main_len, CHECKPOINT_STRUCT_SIZE);
	ck_assert_msg(memcmp(rec->main_data, f->control.raw + 40, CHECKPOINT_STRUCT_SIZE) == 0,
				  "%s: checkpoint record payload differs from pg_control's checkPointCopy", f->name);
	ck_assert_uint_eq(cp.redo, cc->redo);
	ck_assert_uint_eq(cp.tli, cc->tli);
	ck_assert_uint_eq(cp.prev_tli, cc->prev_tli);
	ck_assert_int_eq(cp.wal_level, cc->wal_level);
	ck_assert_uint_eq(cp.next_xid, cc->next_xid);
	ck_assert_uint_eq(cp.next_oid, cc->next_oid);
	ck_assert_uint_eq(cp.next_multi, cc->next_multi);
	ck_assert_uint_eq(cp.oldest_xid, cc->oldest_xid);
	ck_assert_int_eq(cp.time, cc->time);
	ck_assert_uint_eq(cp.tli, f->promoted ? 2 : 1);
	ck_assert_msg(rec->lsn >= kv_lsn(&f->info, f->name, "INSERT_LSN"),
				  "%s: shutdown checkpoint at " LSN_FMT " is before INSERT_LSN", f->name,
				  LSN_ARGS(rec->lsn));
	ck_assert_uint_ge(s->checkpoints_shutdown, 1);

	ck_assert_int_eq(walreader_read_at(f->reader, online, &rec, &err), WAL_READ_OK);
	ck_assert_int_eq(walrec_kind(f->ver, rec), WK_CHECKPOINT_ONLINE);
	ck_assert_msg(walrec_checkpoint(f->ver, rec, &cp, &err), "%s", err.msg);
	ck_assert_uint_eq(cp.redo, kv_lsn(&f->info, f->name, "ONLINE_REDO_LSN"));
	ck_assert_uint_eq(cp.tli, kv_u32(&f->info, f->name, "ONLINE_TLI"));
	ck_assert_uint_lt(online, f->control.checkpoint);
	if (f->ver->xlog_checkpoint_redo != PGVER_NO_OPCODE)
	{
		ck_assert_int_eq(walreader_read_at(f->reader, cp.redo, &rec, &err), WAL_READ_OK);
		ck_assert_int_eq(walrec_kind(f->ver, rec), WK_CHECKPOINT_REDO);
	}
}

/* Database records: opcodes per major, and the databases of the workload. */
static void
check_databases(const vfix *f, const scan *s)
{
	uint32_t	file_copy, drop;
	bool		found = false;

	if (!kv_get(&f->events, "DB_FILE_COPY"))
		return;					/* pg15-promoted: the workload is before its WAL */
	file_copy = kv_u32(&f->events, f->name, "DB_FILE_COPY");
	drop = kv_u32(&f->events, f->name, "DB_DROP");

	ck_assert_uint_ge(s->db_copy, 1);
	ck_assert_uint_ge(s->db_drop, 1);
	/* 14: CREATE 0x00, DROP 0x10; 15+: CREATE_FILE_COPY 0x00, CREATE_WAL_LOG 0x10, DROP 0x20 */
	ck_assert_uint_eq(s->db_copy_op, 0x00);
	ck_assert_uint_eq(s->db_drop_op, f->major == 14 ? 0x10 : 0x20);
	for (size_t i = 0; i < s->db_copy && i < 8; i++)
		if (s->db_copy_oids[i] == file_copy)
		{
			ck_assert_uint_eq(s->db_copy_src[i], TEMPLATE1_OID);
			found = true;
		}
	ck_assert_msg(found, "%s: no database create (copy) record for database %u", f->name, file_copy);
	found = false;
	for (size_t i = 0; i < s->db_drop && i < 8; i++)
		found |= s->db_drop_oids[i] == drop;
	ck_assert_msg(found, "%s: no database drop record for database %u", f->name, drop);

	if (f->major == 14)
	{
		ck_assert_uint_eq(s->db_wal_log, 0);
		return;
	}
	ck_assert_uint_ge(s->db_wal_log, 1);
	ck_assert_uint_eq(s->db_wal_log_op, 0x10);
	found = false;
	for (size_t i = 0; i < s->db_wal_log && i < 8; i++)
		found |= s->db_wal_log_oids[i] == kv_u32(&f->events, f->name, "DB_WAL_LOG");
	ck_assert_msg(found, "%s: no CREATE_WAL_LOG record for database %s", f->name,
				  kv_get(&f->events, "DB_WAL_LOG"));
}

/* Transactions: committed and aborted xids, subtransactions, two-phase, drops. */
static void
check_transactions(const vfix *f, const scan *s)
{
	const char *v;
	const xact_seen *x;

	ck_assert_msg(kv_get(&f->events, "XID_COMMIT") != NULL, "%s: no XID_COMMIT in events.txt", f->name);
	for (size_t i = 0; (v = kv_nth(&f->events, "XID_COMMIT", i)) != NULL; i++)
		ck_assert_msg(find_xact(s, WK_XACT_COMMIT, (uint32_t) strtoul(v, NULL, 10)) != NULL,
					  "%s: no commit record of xid %s", f->name, v);
	for (size_t i = 0; (v = kv_nth(&f->events, "XID_ABORT", i)) != NULL; i++)
		ck_assert_msg(find_xact(s, WK_XACT_ABORT, (uint32_t) strtoul(v, NULL, 10)) != NULL,
					  "%s: no abort record of xid %s", f->name, v);

	if (kv_get(&f->events, "XID_SUBXACT_TOP"))
	{
		x = find_xact(s, WK_XACT_COMMIT, kv_u32(&f->events, f->name, "XID_SUBXACT_TOP"));
		ck_assert_msg(x != NULL, "%s: no commit of the transaction with subtransactions", f->name);
		ck_assert_uint_eq(x->nsubxacts, 2);
		for (size_t i = 0; (v = kv_nth(&f->events, "SUBXID", i)) != NULL; i++)
		{
			uint32_t	sub = (uint32_t) strtoul(v, NULL, 10);

			ck_assert_msg(x->subxacts[0] == sub || x->subxacts[1] == sub,
						  "%s: subxact %u missing from the commit record", f->name, sub);
		}
	}

	if (kv_get(&f->events, "XID_PREPARED"))
	{
		uint32_t	px = kv_u32(&f->events, f->name, "XID_PREPARED");
		bool		prepared = false;

		for (size_t i = 0; i < s->nprepare && i < 16; i++)
			prepared |= s->prepare_xids[i] == px;
		ck_assert_msg(prepared, "%s: no PREPARE record of xid %u", f->name, px);
		x = find_xact(s, WK_XACT_COMMIT_PREPARED, px);
		ck_assert_msg(x != NULL, "%s: no COMMIT PREPARED record of xid %u", f->name, px);
		/* the GID is logged with wal_level = logical only */
		if (f->control.wal_level == 2)
			ck_assert_str_eq(x->gid, kv_need(&f->events, f->name, "PREPARED_GID"));
		else
			ck_assert_str_eq(x->gid, "");
	}

	if (kv_get(&f->events, "TRUNC_OLD_REL"))
	{
		commit_dropping(f, s, "XID_TRUNCATE", kv_u32(&f->events, f->name, "TRUNC_OLD_REL"));
		ck_assert_msg(smgr_created(s, kv_u32(&f->events, f->name, "TRUNC_NEW_REL")),
					  "%s: no SMGR CREATE of the truncated table's new file", f->name);
	}

	if (kv_get(&f->events, "GONE_REL"))
	{
		bool		found = false;

		x = commit_dropping(f, s, "XID_DROP", kv_u32(&f->events, f->name, "GONE_REL"));
		if (f->major == 14)
		{
			ck_assert_uint_eq(x->nstats, 0);
			ck_assert_uint_eq(s->commits_with_stats, 0);
			return;
		}
		ck_assert_uint_ge(x->nstats, 1);
		ck_assert_msg(x->wrong_size_rejected, "%s: dropped stats also parse with %s-byte items",
					  f->name, f->major >= 18 ? "12" : "16");
		for (uint32_t i = 0; i < x->nstats && i < 8; i++)
			found |= x->stat_kind[i] == PGSTAT_KIND_RELATION &&
				x->stat_db[i] == kv_u32(&f->events, f->name, "COPY_DB") &&
				x->stat_obj[i] == kv_u32(&f->events, f->name, "GONE_OID");
		ck_assert_msg(found, "%s: the DROP TABLE commit has no dropped-stats item for table %s",
					  f->name, kv_get(&f->events, "GONE_OID"));
	}
}

/* Timeline 2: the history file and the END_OF_RECOVERY record. */
static void
check_promotion(const vfix *f, const scan *s)
{
	lsn_t		switch_at;

	if (!f->promoted)
	{
		ck_assert_uint_eq(s->end_of_recovery, 0);
		return;
	}
	ck_assert_uint_eq(kv_u32(&f->events, f->name, "PROMOTED_TLI"), 2);
	ck_assert_uint_eq(f->hist.n, 2);
	ck_assert_uint_eq(f->hist.entries[0].tli, 1);
	ck_assert_uint_eq(f->hist.entries[1].tli, 2);
	ck_assert_uint_eq(s->end_of_recovery, 1);
	/* a switch point on a page boundary: the record follows the page header */
	switch_at = f->hist.entries[0].end;
	if (switch_at % f->control.xlog_blcksz == 0)
		switch_at += lsn_segment_offset(switch_at, f->control.xlog_seg_size) == 0 ?
			WAL_LONG_PAGE_HEADER_SIZE : WAL_SHORT_PAGE_HEADER_SIZE;
	ck_assert_msg(s->eor_lsn == switch_at, "%s: END_OF_RECOVERY at " LSN_FMT
				  ", history switch point " LSN_FMT, f->name, LSN_ARGS(s->eor_lsn),
				  LSN_ARGS(f->hist.entries[0].end));
	ck_assert_uint_eq(s->eor_tli, 2);
	ck_assert_uint_eq(s->eor_prev, 1);
	/* 16 bytes in 14-16; 17+ appends wal_level */
	ck_assert_uint_eq(s->eor_len, f->major >= 17 ? 24 : 16);
	if (f->major >= 17)
		ck_assert_int_eq(s->eor_wal_level, f->control.wal_level);
}

START_TEST(test_versions_wal)
{
	vfix		f;
	scan		s;

	if (!vfix_open(&f, _i, true))
		return;
	scan_all(&f, &s);
	check_end(&f, &s);
	ck_assert_uint_gt(s.records, 100);

	/* CHECKPOINT_REDO exists in 17+ only, and 0xE0 means nothing before */
	if (f.major >= 17)
	{
		ck_assert_uint_ge(s.checkpoint_redo, 1);
		ck_assert_uint_eq(s.checkpoint_redo, s.opcode_e0);
		ck_assert_uint_eq(s.checkpoint_redo, s.checkpoints_online);
	}
	else
	{
		ck_assert_uint_eq(s.checkpoint_redo, 0);
		ck_assert_uint_eq(s.opcode_e0, 0);
	}
	ck_assert_uint_ge(s.checkpoints_online, 1);
	check_checkpoints(&f, &s);
	check_promotion(&f, &s);
	check_databases(&f, &s);
	check_transactions(&f, &s);

	if (kv_get(&f.events, "COPY_ROWS"))
		ck_assert_msg(s.copy_tuples == kv_u32(&f.events, f.name, "COPY_ROWS"),
					  "%s: MULTI_INSERT records hold %llu tuples of the COPY table, %s rows were copied",
					  f.name, (unsigned long long) s.copy_tuples, kv_get(&f.events, "COPY_ROWS"));

	fprintf(stderr, "versions: %s: %zu records " LSN_FMT ".." LSN_FMT ", %zu commits/aborts, "
			"%zu online + %zu shutdown checkpoints, %zu CHECKPOINT_REDO, %zu END_OF_RECOVERY, "
			"%zu multi-inserts (%llu COPY tuples), %zu with dropped stats\n",
			f.name, s.records, LSN_ARGS(s.first), LSN_ARGS(s.last), s.nxacts,
			s.checkpoints_online, s.checkpoints_shutdown, s.checkpoint_redo, s.end_of_recovery,
			s.multi_inserts, (unsigned long long) s.copy_tuples, s.commits_with_stats);
	free(s.xacts);
	vfix_close(&f);
}
END_TEST

/* Each major's WAL is refused, at its first page, by a reader of any other major. */
START_TEST(test_versions_wrong_major)
{
	vfix		f;

	if (!vfix_open(&f, _i, true))
		return;
	for (size_t v = 0; v < pgver_count(); v++)
	{
		int			m = pgver_at(v)->major;
		wal_page_reader pr = {segdir_read_page, &f.src};
		wal_reader *r;
		lsn_t		first;
		rw_error	err;
		char		want[64];

		if (m == f.major)
			continue;
		r = walreader_new(pgver_lookup(m), f.control.system_identifier,
						  f.control.xlog_seg_size, f.control.xlog_blcksz, pr);
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(walreader_find_first(r, f.control.checkpoint, &first, &err), WAL_READ_END);
		snprintf(want, sizeof(want), "invalid magic number %04X", f.ver->wal_page_magic);
		ck_assert_msg(strstr(err.msg, want) != NULL, "%s read as %d: %s", f.name, m, err.msg);
		walreader_free(r);
	}
	vfix_close(&f);
}
END_TEST

extern Suite *versions_suite(void);

Suite *versions_suite(void)
{
	Suite	   *s = suite_create("versions");
	TCase	   *tc = tcase_create("fixtures");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_versions_control, 0, NFIXTURES);
	tcase_add_loop_test(tc, test_versions_wal, 0, NFIXTURES);
	tcase_add_loop_test(tc, test_versions_wrong_major, 0, NFIXTURES);
	suite_add_tcase(s, tc);
	return s;
}
