/*
 * The table of supported PostgreSQL majors and what differs between them
 * (pgver.h), the lookup by major, and PG_VERSION parsing.  Pure: no I/O.
 * The one place a new major is added.
 */

#include "pgver.h"

#include <stdio.h>
#include <string.h>

/*
 * One row per supported major.  Each value is a fact of that major's own
 * headers (access/xlog_internal.h, catalog/pg_control.h,
 * catalog/catversion.h, the resource managers' WAL headers), checked
 * against files written by real servers of that major in the unit tests
 * (t/unit/test_versions.c on the fixtures).
 */
static const pg_version_info versions[] = {
	{
		.major = 14, .wal_page_magic = 0xD10D, .control_version = 1300,
		.catversion = 202107181,
		.control_crc_offset = 288, .control_nonce_offset = 256,
		.control_has_char_signedness = false, .checkpoint_has_wal_level = false,
		.bimg_has_hole = 0x01, .bimg_apply = 0x04, .bimg_compressed_mask = 0x02,
		.bimg_pglz = 0x02, .bimg_lz4 = 0,
		.xlog_checkpoint_redo = PGVER_NO_OPCODE,
		.dbase_create_copy = 0x00, .dbase_create_wal_log = PGVER_NO_OPCODE,
		.dbase_drop = 0x10,
		.dropped_stats_item_size = 0,
		.max_builtin_rmid = 21, .custom_rmgrs = false,
		.has_wal_summaries = false,
		.has_transaction_timeout = false,
		.backup_start_sql = "SELECT pg_catalog.pg_start_backup($1, true, false)",
		.backup_stop_sql = "SELECT lsn, labelfile, spcmapfile FROM pg_catalog.pg_stop_backup(false, false)",
		.backup_start_fn = "pg_catalog.pg_start_backup(text, boolean, boolean)",
		.backup_stop_fn = "pg_catalog.pg_stop_backup(boolean, boolean)",
	},
	{
		.major = 15, .wal_page_magic = 0xD110, .control_version = 1300,
		.catversion = 202209061,
		.control_crc_offset = 288, .control_nonce_offset = 256,
		.control_has_char_signedness = false, .checkpoint_has_wal_level = false,
		.bimg_has_hole = 0x01, .bimg_apply = 0x02, .bimg_compressed_mask = 0x1C,
		.bimg_pglz = 0x04, .bimg_lz4 = 0x08,
		.xlog_checkpoint_redo = PGVER_NO_OPCODE,
		.dbase_create_copy = 0x00, .dbase_create_wal_log = 0x10,
		.dbase_drop = 0x20,
		.dropped_stats_item_size = 12,
		.max_builtin_rmid = 21, .custom_rmgrs = true,
		.has_wal_summaries = false,
		.has_transaction_timeout = false,
		.backup_start_sql = "SELECT pg_catalog.pg_backup_start($1, true)",
		.backup_stop_sql = "SELECT lsn, labelfile, spcmapfile FROM pg_catalog.pg_backup_stop(false)",
		.backup_start_fn = "pg_catalog.pg_backup_start(text, boolean)",
		.backup_stop_fn = "pg_catalog.pg_backup_stop(boolean)",
	},
	{
		.major = 16, .wal_page_magic = 0xD113, .control_version = 1300,
		.catversion = 202307071,
		.control_crc_offset = 288, .control_nonce_offset = 256,
		.control_has_char_signedness = false, .checkpoint_has_wal_level = false,
		.bimg_has_hole = 0x01, .bimg_apply = 0x02, .bimg_compressed_mask = 0x1C,
		.bimg_pglz = 0x04, .bimg_lz4 = 0x08,
		.xlog_checkpoint_redo = PGVER_NO_OPCODE,
		.dbase_create_copy = 0x00, .dbase_create_wal_log = 0x10,
		.dbase_drop = 0x20,
		.dropped_stats_item_size = 12,
		.max_builtin_rmid = 21, .custom_rmgrs = true,
		.has_wal_summaries = false,
		.has_transaction_timeout = false,
		.backup_start_sql = "SELECT pg_catalog.pg_backup_start($1, true)",
		.backup_stop_sql = "SELECT lsn, labelfile, spcmapfile FROM pg_catalog.pg_backup_stop(false)",
		.backup_start_fn = "pg_catalog.pg_backup_start(text, boolean)",
		.backup_stop_fn = "pg_catalog.pg_backup_stop(boolean)",
	},
	{
		.major = 17, .wal_page_magic = 0xD116, .control_version = 1700,
		.catversion = 202406281,
		.control_crc_offset = 288, .control_nonce_offset = 256,
		.control_has_char_signedness = false, .checkpoint_has_wal_level = true,
		.bimg_has_hole = 0x01, .bimg_apply = 0x02, .bimg_compressed_mask = 0x1C,
		.bimg_pglz = 0x04, .bimg_lz4 = 0x08,
		.xlog_checkpoint_redo = 0xE0,
		.dbase_create_copy = 0x00, .dbase_create_wal_log = 0x10,
		.dbase_drop = 0x20,
		.dropped_stats_item_size = 12,
		.max_builtin_rmid = 21, .custom_rmgrs = true,
		.has_wal_summaries = true,
		.has_transaction_timeout = true,
		.backup_start_sql = "SELECT pg_catalog.pg_backup_start($1, true)",
		.backup_stop_sql = "SELECT lsn, labelfile, spcmapfile FROM pg_catalog.pg_backup_stop(false)",
		.backup_start_fn = "pg_catalog.pg_backup_start(text, boolean)",
		.backup_stop_fn = "pg_catalog.pg_backup_stop(boolean)",
	},
	{
		.major = 18, .wal_page_magic = 0xD118, .control_version = 1800,
		.catversion = 202506291,
		.control_crc_offset = 292, .control_nonce_offset = 257,
		.control_has_char_signedness = true, .checkpoint_has_wal_level = true,
		.bimg_has_hole = 0x01, .bimg_apply = 0x02, .bimg_compressed_mask = 0x1C,
		.bimg_pglz = 0x04, .bimg_lz4 = 0x08,
		.xlog_checkpoint_redo = 0xE0,
		.dbase_create_copy = 0x00, .dbase_create_wal_log = 0x10,
		.dbase_drop = 0x20,
		.dropped_stats_item_size = 16,
		.max_builtin_rmid = 21, .custom_rmgrs = true,
		.has_wal_summaries = true,
		.has_transaction_timeout = true,
		.backup_start_sql = "SELECT pg_catalog.pg_backup_start($1, true)",
		.backup_stop_sql = "SELECT lsn, labelfile, spcmapfile FROM pg_catalog.pg_backup_stop(false)",
		.backup_start_fn = "pg_catalog.pg_backup_start(text, boolean)",
		.backup_stop_fn = "pg_catalog.pg_backup_stop(boolean)",
	},
};

#define NVERSIONS (sizeof(versions) / sizeof(versions[0]))

const pg_version_info *
pgver_lookup(int major)
{
	for (size_t i = 0; i < NVERSIONS; i++)
		if (versions[i].major == major)
			return &versions[i];
	return NULL;
}

size_t
pgver_count(void)
{
	return NVERSIONS;
}

const pg_version_info *
pgver_at(size_t i)
{
	return i < NVERSIONS ? &versions[i] : NULL;
}

bool
pgver_parse_pg_version(const char *text, size_t len, int *major)
{
	int			v = 0;
	size_t		i = 0;

	while (i < len && text[i] >= '0' && text[i] <= '9' && v < 100000)
		v = v * 10 + (text[i++] - '0');
	if (i == 0)
		return false;
	/* allow one trailing newline (and a CR before it) */
	if (i < len && text[i] == '\r')
		i++;
	if (i < len && text[i] == '\n')
		i++;
	if (i != len)
		return false;
	*major = v;
	return true;
}

void
pgver_tablespace_dir(char *out, size_t outlen, int major, uint32_t catversion)
{
	snprintf(out, outlen, "PG_%d_%u", major, catversion);
}

void
pgver_supported_list(char *out, size_t outlen)
{
	size_t		used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < NVERSIONS && used < outlen; i++)
		used += (size_t) snprintf(out + used, outlen - used, "%s%d", i ? ", " : "",
								  versions[i].major);
}
