/*
 * Facts about each supported PostgreSQL major version, kept as data.
 *
 * Everything that differs between majors (WAL page magic, control file
 * layout, record codes, block image flags, file names) is a field here, so
 * the rest of the program asks the table instead of testing version numbers.
 * Where the values come from: pgver.c.
 *
 * The table in pgver.c is the one list of supported majors: messages and
 * --help print pgver_supported_list(), the unit tests loop over
 * pgver_at(), the build and test scripts read it with t/lib/majors.sh, and
 * t/lint/majors.sh fails when README, the manual or a script names others.
 *
 * A new field: declare it below, give it a value in every row of pgver.c
 * (a row that leaves it out silently gets 0 or false), add its expected
 * value per major to the facts of t/unit/test_pgver.c, and read it where
 * the behaviour differs.  A new major: a row in pgver.c, its facts in
 * t/unit/test_pgver.c, then whatever t/lint/majors.sh and the unit tests
 * (its fixtures) name.
 */
#ifndef RW_PGVER_H
#define RW_PGVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The data block size: PostgreSQL's default, the same in every supported
 * major.  Clusters built with another are refused (control.c).
 */
#define BLCKSZ 8192

/* Opcode value meaning "this version has no such record". */
#define PGVER_NO_OPCODE 0xFFu

typedef struct pg_version_info {
	int			major;
	uint16_t	wal_page_magic;		/* XLOG_PAGE_MAGIC */
	uint32_t	control_version;	/* PG_CONTROL_VERSION */
	uint32_t	catversion;			/* CATALOG_VERSION_NO of the release */

	/* pg_control layout */
	size_t		control_crc_offset;	/* 288, or 292 in 18 */
	size_t		control_nonce_offset;	/* 256, or 257 in 18 */
	bool		control_has_char_signedness;	/* byte 256 in 18 */
	bool		checkpoint_has_wal_level;	/* CheckPoint.wal_level at 20 (17+) */

	/* block image (bimg_info) flags */
	uint8_t		bimg_has_hole;
	uint8_t		bimg_apply;
	uint8_t		bimg_compressed_mask;	/* any of these bits = compressed */
	uint8_t		bimg_pglz;		/* compressed with pglz */
	uint8_t		bimg_lz4;		/* compressed with lz4 (0: no such method) */

	/* RM_XLOG opcodes that not every version has */
	uint8_t		xlog_checkpoint_redo;	/* 0xE0 in 17+, else PGVER_NO_OPCODE */

	/* RM_DBASE opcodes */
	uint8_t		dbase_create_copy;	/* CREATE (14) / CREATE_FILE_COPY */
	uint8_t		dbase_create_wal_log;	/* CREATE_WAL_LOG (15+) */
	uint8_t		dbase_drop;

	/* commit/abort records */
	size_t		dropped_stats_item_size;	/* 0 = no such part (14), 12, 16 (18) */

	/* resource managers */
	uint8_t		max_builtin_rmid;	/* 21 */
	bool		custom_rmgrs;		/* ids 128..255 allowed (15+) */

	/* files */
	bool		has_wal_summaries;	/* pg_wal/summaries (17+) */

	/* server settings */
	bool		has_transaction_timeout;	/* the setting exists (17+) */

	/*
	 * The base backup functions, renamed in 15: the statement that starts
	 * one ($1: the label; fast checkpoint, non-exclusive) and the one that
	 * stops it (lsn, labelfile, spcmapfile; not waiting for the archive),
	 * with the signatures whose EXECUTE privilege they need.
	 */
	const char *backup_start_sql;
	const char *backup_stop_sql;
	const char *backup_start_fn;
	const char *backup_stop_fn;
} pg_version_info;

/* The facts for a major version, or NULL when it is not supported. */
const pg_version_info *pgver_lookup(int major);

/*
 * Parse the contents of a PG_VERSION file ("15\n") into a major number.
 * Returns false for anything that is not a plain number line.
 */
bool		pgver_parse_pg_version(const char *text, size_t len, int *major);

/* "PG_15_202209061": the per-version directory inside a tablespace. */
void		pgver_tablespace_dir(char *out, size_t outlen, int major,
								 uint32_t catversion);

/* The supported majors: pgver_at(0) .. pgver_at(pgver_count() - 1), ascending. */
size_t		pgver_count(void);
const pg_version_info *pgver_at(size_t i);

/* Room for the list below. */
#define PGVER_LIST_LEN 128

/* The supported majors for messages and --help: "14, 15, 16, 17, 18". */
void		pgver_supported_list(char *out, size_t outlen);

#endif
