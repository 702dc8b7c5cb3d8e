/*
 * WAL reader: validates pages, reassembles records that span pages and
 * segments, checks each record's CRC and decodes its block references.
 *
 * The reader does no file I/O itself.  The caller supplies a function that
 * reads one WAL page given its LSN; it decides which file (timeline,
 * pg_wal or archive) holds it.
 */
#ifndef RW_WALREADER_H
#define RW_WALREADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "lsn.h"
#include "pgver.h"
#include "relfile_locator.h"	/* FORK_* */

#define WAL_RECORD_HEADER_SIZE 24
#define WAL_SHORT_PAGE_HEADER_SIZE 24
#define WAL_LONG_PAGE_HEADER_SIZE 40
#define WAL_MAX_BLOCK_ID 32

/* xl_info generic flags */
#define XLR_INFO_MASK 0x0F
#define XLR_RMGR_INFO_MASK 0xF0
#define XLR_SPECIAL_REL_UPDATE 0x01
#define XLR_CHECK_CONSISTENCY 0x02

typedef struct wal_blockref {
	uint8_t		id;				/* block id 0..32 */
	uint8_t		fork;			/* FORK_* */
	uint8_t		flags;			/* BKPBLOCK_* bits (high nibble of fork_flags) */
	bool		has_image;
	bool		apply_image;	/* image restored at replay (not only for checking) */
	bool		image_compressed;
	bool		will_init;
	bool		has_data;
	uint32_t	spc;			/* tablespace OID */
	uint32_t	db;				/* database OID (0 for shared relations) */
	uint32_t	rel;			/* relation file number */
	uint32_t	blkno;			/* block number within the fork */
	const uint8_t *image;		/* stored image bytes (hole removed, maybe compressed) */
	uint16_t	image_len;
	uint16_t	hole_offset;
	uint16_t	hole_length;
	uint8_t		bimg_info;
	const uint8_t *data;		/* per-block data */
	uint16_t	data_len;
} wal_blockref;

typedef struct wal_record {
	lsn_t		lsn;			/* start of the record */
	lsn_t		end;			/* first byte after the record (not aligned) */
	/*
	 * Where PostgreSQL says the record ends (its EndRecPtr): end rounded up
	 * to 8 bytes, or the next segment's start after an XLOG SWITCH, but not
	 * past the next page header.  minRecoveryPoint, a replay position and a
	 * timeline's switch point are such positions.
	 */
	lsn_t		end_ptr;
	lsn_t		next;			/* where the next record starts (aligned, past page headers) */
	uint32_t	tot_len;
	uint32_t	xid;
	lsn_t		prev;
	uint8_t		info;			/* xl_info */
	uint8_t		rmid;
	uint32_t	page_tli;		/* xlp_tli of the page the record starts on */
	uint32_t	toplevel_xid;	/* 0 if absent */
	bool		has_origin;
	uint16_t	origin;
	const uint8_t *main_data;	/* NULL if none */
	uint32_t	main_len;
	int			nblocks;		/* block references, in block id order */
	wal_blockref blocks[WAL_MAX_BLOCK_ID + 1];
	const uint8_t *raw;			/* the whole record, header included */
} wal_record;

typedef struct wal_page_reader {
	/*
	 * Read the WAL page (page_size bytes) that starts at page_lsn into buf.
	 * On failure fill err (RW_EMISSING when the segment does not exist) and
	 * return false; the message should name the file.
	 */
	bool		(*read_page) (void *ctx, lsn_t page_lsn, uint8_t *buf, rw_error *err);
	void	   *ctx;
} wal_page_reader;

typedef enum wal_read_status {
	WAL_READ_OK,				/* *rec is valid until the next call */
	WAL_READ_END,				/* no valid record here: end of WAL (err says why) */
	WAL_READ_ERROR				/* the page source failed (err set) */
} wal_read_status;

typedef struct wal_reader wal_reader;

/*
 * sysid, segsize and page_size come from pg_control; every long page header
 * must agree with them.
 */
wal_reader *walreader_new(const pg_version_info *ver, uint64_t sysid,
						  uint32_t segsize, uint32_t page_size,
						  wal_page_reader source);
void		walreader_free(wal_reader *r);

/* The segment size the reader was made for (to name segment files). */
uint32_t	walreader_segsize(const wal_reader *r);

/*
 * Read the record that starts at lsn.  An lsn exactly on a page boundary
 * means the first record after that page's header.  A record whose header is
 * invalid, whose CRC does not match, or whose bytes are not all present is
 * reported as WAL_READ_END with err describing what was found and where
 * (LSN and file offset); callers decide whether that is the expected end of
 * WAL or corruption.
 */
wal_read_status walreader_read_at(wal_reader *r, lsn_t lsn, const wal_record **rec,
								  rw_error *err);

/* Read the record following the last one returned. */
wal_read_status walreader_next(wal_reader *r, const wal_record **rec, rw_error *err);

/*
 * The first record start at or after lsn when lsn is a segment or page
 * start: skips the page header and any continuation data of a record that
 * began on an earlier page.  Used to start scanning at a segment boundary.
 */
wal_read_status walreader_find_first(wal_reader *r, lsn_t lsn, lsn_t *first,
									 rw_error *err);

#endif
