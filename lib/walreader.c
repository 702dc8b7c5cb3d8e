/*
 * The WAL reader (walreader.h): page validation, records reassembled
 * across pages and segments, CRC checks, block references decoded.  Pure:
 * pages come from the caller's read function; no file I/O here.
 */

#include "bytes.h"
#include "walreader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "rmgr.h"
#include "xalloc.h"

/* xlp_info bits */
#define XLP_FIRST_IS_CONTRECORD 0x0001
#define XLP_LONG_HEADER 0x0002
#define XLP_FIRST_IS_OVERWRITE_CONTRECORD 0x0008
#define XLP_ALL_FLAGS 0x000F

/* fork_flags bits of a block reference */
#define BKPBLOCK_FORK_MASK 0x0F
#define BKPBLOCK_HAS_IMAGE 0x10
#define BKPBLOCK_HAS_DATA 0x20
#define BKPBLOCK_WILL_INIT 0x40
#define BKPBLOCK_SAME_REL 0x80

/* fragment header ids that are not block ids */
#define XLR_BLOCK_ID_TOPLEVEL_XID 252
#define XLR_BLOCK_ID_ORIGIN 253
#define XLR_BLOCK_ID_DATA_LONG 254
#define XLR_BLOCK_ID_DATA_SHORT 255

#define XLOG_SWITCH 0x40

/* XLogRecordMaxSize of 16+; older versions have no smaller limit. */
#define WAL_RECORD_MAX_SIZE (1020u * 1024 * 1024)

#define MAXALIGN8(x) (((x) + 7) & ~(lsn_t) 7)

struct wal_reader {
	const pg_version_info *ver;
	uint64_t	sysid;
	uint32_t	segsize;
	uint32_t	page_size;
	wal_page_reader src;

	uint8_t    *page;			/* last page read, validated */
	lsn_t		page_lsn;
	bool		page_valid;
	lsn_t		latest_page_lsn;	/* for the timeline order check */
	uint32_t	latest_tli;

	uint8_t    *buf;			/* the record, reassembled */
	size_t		bufcap;
	wal_record	rec;
	bool		have_last;		/* a record was returned: next() follows it */
	lsn_t		last_lsn;
	lsn_t		last_next;
};




wal_reader *
walreader_new(const pg_version_info *ver, uint64_t sysid, uint32_t segsize,
			  uint32_t page_size, wal_page_reader source)
{
	wal_reader *r;

	/* pages must hold a long header and divide the segment evenly */
	if (ver == NULL || source.read_page == NULL || !wal_segsize_valid(segsize) ||
		page_size < 1024 || page_size > 65536 ||
		(page_size & (page_size - 1)) != 0)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->ver = ver;
	r->sysid = sysid;
	r->segsize = segsize;
	r->page_size = page_size;
	r->src = source;
	r->page = xmalloc(page_size);
	return r;
}

uint32_t
walreader_segsize(const wal_reader *r)
{
	return r->segsize;
}

void
walreader_free(wal_reader *r)
{
	if (r == NULL)
		return;
	free(r->page);
	free(r->buf);
	free(r);
}

/*
 * Report a bad page: the message names the segment by its log/seg number
 * (the reader does not know the timeline), the page LSN and file offset.
 */
static wal_read_status
page_error(const wal_reader *r, lsn_t page_lsn, rw_error *err,
		   const char *fmt,...)
	__attribute__((format(printf, 4, 5)));

static wal_read_status
page_error(const wal_reader *r, lsn_t page_lsn, rw_error *err,
		   const char *fmt,...)
{
	char		what[512];
	va_list		ap;
	uint64_t	segno = lsn_segno(page_lsn, r->segsize);
	uint64_t	per_id = UINT64_C(0x100000000) / r->segsize;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	rw_fail(err, RW_ECORRUPT, "%s in WAL segment %08X%08X, LSN " LSN_FMT ", offset %u",
			what, (unsigned) (segno / per_id), (unsigned) (segno % per_id),
			LSN_ARGS(page_lsn), lsn_segment_offset(page_lsn, r->segsize));
	return WAL_READ_END;
}

static wal_read_status
record_error(rw_error *err, const char *fmt,...)
	__attribute__((format(printf, 2, 3)));

static wal_read_status
record_error(rw_error *err, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->kind = RW_ECORRUPT;
	err->hint[0] = '\0';
	return WAL_READ_END;
}

static uint32_t
page_header_size(const uint8_t *page)
{
	return (get16(page + 2) & XLP_LONG_HEADER) ?
		WAL_LONG_PAGE_HEADER_SIZE : WAL_SHORT_PAGE_HEADER_SIZE;
}

static wal_read_status
validate_long_header(const wal_reader *r, lsn_t page_lsn, rw_error *err)
{
	const uint8_t *p = r->page;

	if (get64(p + 24) != r->sysid)
		return page_error(r, page_lsn, err,
						  "WAL file is from a different database system: system identifier %llu, pg_control has %llu",
						  (unsigned long long) get64(p + 24),
						  (unsigned long long) r->sysid);
	if (get32(p + 32) != r->segsize)
		return page_error(r, page_lsn, err,
						  "WAL file is from a different database system: segment size %u in page header, pg_control has %u",
						  get32(p + 32), r->segsize);
	if (get32(p + 36) != r->page_size)
		return page_error(r, page_lsn, err,
						  "WAL file is from a different database system: XLOG_BLCKSZ %u in page header, pg_control has %u",
						  get32(p + 36), r->page_size);
	return WAL_READ_OK;
}

/* Check the header of the page in r->page, read from page_lsn. */
static wal_read_status
validate_page(wal_reader *r, lsn_t page_lsn, rw_error *err)
{
	const uint8_t *p = r->page;
	uint16_t	magic = get16(p);
	uint16_t	info = get16(p + 2);
	uint32_t	tli = get32(p + 4);
	lsn_t		addr = get64(p + 8);
	bool		seg_start = lsn_segment_offset(page_lsn, r->segsize) == 0;

	if (magic != r->ver->wal_page_magic)
		return page_error(r, page_lsn, err, "invalid magic number %04X", magic);
	if ((info & ~XLP_ALL_FLAGS) != 0 ||
		seg_start != ((info & XLP_LONG_HEADER) != 0))
		return page_error(r, page_lsn, err, "invalid info bits %04X", info);
	if (addr != page_lsn)
		return page_error(r, page_lsn, err, "unexpected pageaddr " LSN_FMT,
						  LSN_ARGS(addr));
	if ((info & XLP_FIRST_IS_CONTRECORD) &&
		((info & XLP_FIRST_IS_OVERWRITE_CONTRECORD) || get32(p + 16) == 0))
		return page_error(r, page_lsn, err,
						  "invalid continuation record length %u (info bits %04X)",
						  get32(p + 16), info);
	if (seg_start && validate_long_header(r, page_lsn, err) != WAL_READ_OK)
		return WAL_READ_END;
	if (page_lsn > r->latest_page_lsn && tli < r->latest_tli)
		return page_error(r, page_lsn, err,
						  "out-of-sequence timeline ID %u (after %u)",
						  tli, r->latest_tli);
	r->latest_page_lsn = page_lsn;
	r->latest_tli = tli;
	return WAL_READ_OK;
}

/* Make r->page the validated page starting at page_lsn. */
static wal_read_status
load_page(wal_reader *r, lsn_t page_lsn, rw_error *err)
{
	wal_read_status st;

	if (r->page_valid && r->page_lsn == page_lsn)
		return WAL_READ_OK;
	r->page_valid = false;
	if (!r->src.read_page(r->src.ctx, page_lsn, r->page, err))
		return WAL_READ_ERROR;
	st = validate_page(r, page_lsn, err);
	if (st != WAL_READ_OK)
		return st;
	r->page_lsn = page_lsn;
	r->page_valid = true;
	return WAL_READ_OK;
}

static void
append(wal_reader *r, size_t have, const uint8_t *data, size_t len)
{
	xgrow((void **) &r->buf, &r->bufcap, have + len, 1);
	memcpy(r->buf + have, data, len);
}

/*
 * Header checks that need the whole 24-byte header.  With expect_prev the
 * prev-link must equal it (sequential reading); otherwise it must at least
 * point backwards.
 */
static wal_read_status
validate_record_header(const wal_reader *r, lsn_t lsn, const uint8_t *hdr,
					   const lsn_t *expect_prev, rw_error *err)
{
	lsn_t		prev = get64(hdr + 8);
	uint8_t		rmid = hdr[17];

	if (!rmgr_id_valid(r->ver, rmid))
		return record_error(err, "invalid resource manager ID %u at " LSN_FMT,
							rmid, LSN_ARGS(lsn));
	if (expect_prev ? prev != *expect_prev : prev >= lsn)
		return record_error(err, "record with incorrect prev-link " LSN_FMT " at " LSN_FMT,
							LSN_ARGS(prev), LSN_ARGS(lsn));
	return WAL_READ_OK;
}

static wal_read_status
check_length(const wal_reader *r, lsn_t lsn, uint32_t tot_len, rw_error *err)
{
	if (tot_len < WAL_RECORD_HEADER_SIZE)
		return record_error(err, "invalid record length at " LSN_FMT ": wanted %d, got %u",
							LSN_ARGS(lsn), WAL_RECORD_HEADER_SIZE, tot_len);
	if (tot_len > WAL_RECORD_MAX_SIZE)
		return record_error(err, "record length %u at " LSN_FMT " too long",
							tot_len, LSN_ARGS(lsn));
	/* the record and the page headers it spans must fit below 2^64 */
	if (lsn > UINT64_MAX - 2 * (lsn_t) tot_len - r->segsize)
		return record_error(err, "record length %u at " LSN_FMT " does not fit in the WAL address space",
							tot_len, LSN_ARGS(lsn));
	return WAL_READ_OK;
}

/*
 * Where the first record on the page in r->page may start: after the page
 * header and after the continuation of an earlier record (which may cover
 * the whole page).
 */
static uint64_t
first_record_offset(const wal_reader *r)
{
	uint64_t	off = page_header_size(r->page);

	if (get16(r->page + 2) & XLP_FIRST_IS_CONTRECORD)
		off += MAXALIGN8((uint64_t) get32(r->page + 16));
	return off;
}

/* EndRecPtr: the rest of the segment after an XLOG SWITCH holds no records */
static lsn_t
record_end_ptr(const wal_reader *r, lsn_t end, bool is_switch)
{
	return is_switch ? (end + r->segsize - 1) / r->segsize * r->segsize : MAXALIGN8(end);
}

static lsn_t
next_record_start(const wal_reader *r, lsn_t end_ptr)
{
	lsn_t		next = end_ptr;

	if (next % r->page_size == 0)
		next += lsn_segment_offset(next, r->segsize) == 0 ?
			WAL_LONG_PAGE_HEADER_SIZE : WAL_SHORT_PAGE_HEADER_SIZE;
	return next;
}

/* Sequential cursor over the fragment headers of a record. */
typedef struct frag_cursor {
	const uint8_t *p;
	uint32_t	left;
	lsn_t		lsn;
} frag_cursor;

static bool
take(frag_cursor *c, void *out, uint32_t n)
{
	if (c->left < n)
		return false;
	memcpy(out, c->p, n);
	c->p += n;
	c->left -= n;
	return true;
}

static wal_read_status
short_record(const frag_cursor *c, rw_error *err)
{
	return record_error(err, "record with invalid length at " LSN_FMT ": headers run past the end of the record",
						LSN_ARGS(c->lsn));
}

/* Image header of a block reference, and the checks on hole and length. */
static wal_read_status
decode_image(const pg_version_info *ver, frag_cursor *c, wal_blockref *b,
			 rw_error *err)
{
	bool		has_hole;

	if (!take(c, &b->image_len, 2) || !take(c, &b->hole_offset, 2) ||
		!take(c, &b->bimg_info, 1))
		return short_record(c, err);
	has_hole = (b->bimg_info & ver->bimg_has_hole) != 0;
	b->apply_image = (b->bimg_info & ver->bimg_apply) != 0;
	b->image_compressed = (b->bimg_info & ver->bimg_compressed_mask) != 0;
	b->hole_length = 0;
	if (b->image_compressed)
	{
		if (has_hole && !take(c, &b->hole_length, 2))
			return short_record(c, err);
	}
	else if (b->image_len <= BLCKSZ)
		b->hole_length = (uint16_t) (BLCKSZ - b->image_len);

	if (has_hole && (b->hole_offset == 0 || b->hole_length == 0 ||
					 b->image_len == BLCKSZ ||
					 (uint32_t) b->hole_offset + b->hole_length > BLCKSZ))
		return record_error(err, "BKPIMAGE_HAS_HOLE set, but hole offset %u length %u block image length %u at " LSN_FMT,
							b->hole_offset, b->hole_length, b->image_len,
							LSN_ARGS(c->lsn));
	if (!has_hole && (b->hole_offset != 0 || b->hole_length != 0))
		return record_error(err, "BKPIMAGE_HAS_HOLE not set, but hole offset %u length %u at " LSN_FMT,
							b->hole_offset, b->hole_length, LSN_ARGS(c->lsn));
	if (b->image_compressed && b->image_len >= BLCKSZ)
		return record_error(err, "compressed block image length %u at " LSN_FMT,
							b->image_len, LSN_ARGS(c->lsn));
	if (b->image_len == 0 || b->image_len > BLCKSZ)
		return record_error(err, "invalid block image length %u at " LSN_FMT,
							b->image_len, LSN_ARGS(c->lsn));
	return WAL_READ_OK;
}

/* One block reference header; prev is the previous block (or NULL). */
static wal_read_status
decode_block(const pg_version_info *ver, frag_cursor *c, uint8_t id,
			 const wal_blockref *prev, wal_blockref *b, rw_error *err)
{
	uint8_t		fork_flags;
	wal_read_status st;

	memset(b, 0, sizeof(*b));
	b->id = id;
	if (!take(c, &fork_flags, 1) || !take(c, &b->data_len, 2))
		return short_record(c, err);
	b->fork = fork_flags & BKPBLOCK_FORK_MASK;
	b->flags = fork_flags & ~BKPBLOCK_FORK_MASK;
	b->has_image = (fork_flags & BKPBLOCK_HAS_IMAGE) != 0;
	b->has_data = (fork_flags & BKPBLOCK_HAS_DATA) != 0;
	b->will_init = (fork_flags & BKPBLOCK_WILL_INIT) != 0;
	if (b->fork > FORK_INIT)
		return record_error(err, "invalid fork number %u in block %u at " LSN_FMT,
							b->fork, id, LSN_ARGS(c->lsn));
	if (b->has_data != (b->data_len > 0))
		return record_error(err, "BKPBLOCK_HAS_DATA %s, but data length is %u at " LSN_FMT,
							b->has_data ? "set" : "not set", b->data_len,
							LSN_ARGS(c->lsn));
	if (b->has_image && (st = decode_image(ver, c, b, err)) != WAL_READ_OK)
		return st;
	if (fork_flags & BKPBLOCK_SAME_REL)
	{
		if (prev == NULL)
			return record_error(err, "BKPBLOCK_SAME_REL set but no previous rel at " LSN_FMT,
								LSN_ARGS(c->lsn));
		b->spc = prev->spc;
		b->db = prev->db;
		b->rel = prev->rel;
	}
	else if (!take(c, &b->spc, 4) || !take(c, &b->db, 4) || !take(c, &b->rel, 4))
		return short_record(c, err);
	if (!take(c, &b->blkno, 4))
		return short_record(c, err);
	return WAL_READ_OK;
}

/*
 * Parse the fragment headers of the record in r->buf into r->rec, then point
 * images, block data and main data into the payload that follows them.
 */
static wal_read_status
decode_record(wal_reader *r, rw_error *err)
{
	wal_record *rec = &r->rec;
	frag_cursor c = {r->buf + WAL_RECORD_HEADER_SIZE,
	rec->tot_len - WAL_RECORD_HEADER_SIZE, rec->lsn};
	uint64_t	payload = 0;	/* bytes announced for after the headers */
	const uint8_t *p;
	wal_read_status st;

	while (c.left > payload)
	{
		uint8_t		id;

		take(&c, &id, 1);
		if (id == XLR_BLOCK_ID_DATA_SHORT || id == XLR_BLOCK_ID_DATA_LONG)
		{
			uint8_t		len8;

			if (id == XLR_BLOCK_ID_DATA_SHORT ? !take(&c, &len8, 1) :
				!take(&c, &rec->main_len, 4))
				return short_record(&c, err);
			if (id == XLR_BLOCK_ID_DATA_SHORT)
				rec->main_len = len8;
			payload += rec->main_len;
			break;				/* main data is always the last header */
		}
		else if (id == XLR_BLOCK_ID_ORIGIN)
		{
			if (!take(&c, &rec->origin, 2))
				return short_record(&c, err);
			rec->has_origin = true;
		}
		else if (id == XLR_BLOCK_ID_TOPLEVEL_XID)
		{
			if (!take(&c, &rec->toplevel_xid, 4))
				return short_record(&c, err);
		}
		else if (id <= WAL_MAX_BLOCK_ID)
		{
			wal_blockref *b = &rec->blocks[rec->nblocks];
			const wal_blockref *prev = rec->nblocks ? b - 1 : NULL;

			if (prev && id <= prev->id)
				return record_error(err, "out-of-order block_id %u at " LSN_FMT,
									id, LSN_ARGS(rec->lsn));
			if ((st = decode_block(r->ver, &c, id, prev, b, err)) != WAL_READ_OK)
				return st;
			rec->nblocks++;
			payload += (uint64_t) b->data_len + (b->has_image ? b->image_len : 0);
		}
		else
			return record_error(err, "invalid block_id %u at " LSN_FMT,
								id, LSN_ARGS(rec->lsn));
	}
	if (c.left != payload)
		return record_error(err, "record with invalid length at " LSN_FMT ": %llu payload bytes announced, %u present",
							LSN_ARGS(rec->lsn), (unsigned long long) payload, c.left);

	p = c.p;
	for (int i = 0; i < rec->nblocks; i++)
	{
		wal_blockref *b = &rec->blocks[i];

		if (b->has_image)
		{
			b->image = p;
			p += b->image_len;
		}
		if (b->has_data)
		{
			b->data = p;
			p += b->data_len;
		}
	}
	rec->main_data = rec->main_len ? p : NULL;
	return WAL_READ_OK;
}

static wal_read_status
check_crc(const wal_reader *r, rw_error *err)
{
	uint32_t	crc = CRC32C_INIT;

	crc = crc32c_update(crc, r->buf + WAL_RECORD_HEADER_SIZE,
						r->rec.tot_len - WAL_RECORD_HEADER_SIZE);
	crc = crc32c_final(crc32c_update(crc, r->buf, 20));
	if (crc != get32(r->buf + 20))
		return record_error(err, "incorrect resource manager data checksum in record at " LSN_FMT,
							LSN_ARGS(r->rec.lsn));
	return WAL_READ_OK;
}

/*
 * Position on the page holding lsn and check that a record may start there.
 * An lsn on a page boundary is moved past the page header.
 */
static wal_read_status
locate_record(wal_reader *r, lsn_t *lsn, rw_error *err)
{
	lsn_t		page_lsn = *lsn - *lsn % r->page_size;
	uint32_t	off = (uint32_t) (*lsn % r->page_size);
	uint32_t	hdr;
	wal_read_status st;

	if (*lsn % 8 != 0)
		return record_error(err, "invalid record offset at " LSN_FMT, LSN_ARGS(*lsn));
	if ((st = load_page(r, page_lsn, err)) != WAL_READ_OK)
		return st;
	hdr = page_header_size(r->page);
	if (off == 0)
	{
		off = hdr;
		*lsn += hdr;
	}
	if (off < hdr)
		return record_error(err, "invalid record offset at " LSN_FMT, LSN_ARGS(*lsn));
	if (off < first_record_offset(r))
		return record_error(err, "record at " LSN_FMT " lies inside the continuation of an earlier record (contrecord is requested)",
							LSN_ARGS(*lsn));
	return WAL_READ_OK;
}

/* A record being assembled from its pages. */
typedef struct rec_progress {
	lsn_t		lsn;			/* where it starts */
	uint32_t	tot_len;
	uint32_t	got;			/* bytes in r->buf so far */
	bool		header_checked;
	lsn_t		end;			/* LSN after the last byte gathered */
	lsn_t		restart_at;		/* set when the record was abandoned */
	const lsn_t *expect_prev;	/* required prev-link, or NULL */
} rec_progress;

/*
 * Gather the continuation of the record from the following pages.  When a
 * page says the record was abandoned (XLP_FIRST_IS_OVERWRITE_CONTRECORD),
 * stop with OK and restart_at set to the first record of that page.
 */
static wal_read_status
read_continuation(wal_reader *r, rec_progress *rp, rw_error *err)
{
	lsn_t		pos = rp->lsn - rp->lsn % r->page_size;

	while (rp->got < rp->tot_len)
	{
		uint16_t	info;
		uint32_t	hdr, n, rem;
		wal_read_status st;

		pos += r->page_size;
		if ((st = load_page(r, pos, err)) != WAL_READ_OK)
			return st;
		info = get16(r->page + 2);
		hdr = page_header_size(r->page);
		if (info & XLP_FIRST_IS_OVERWRITE_CONTRECORD)
		{
			rp->restart_at = pos + hdr;
			return WAL_READ_OK;
		}
		if (!(info & XLP_FIRST_IS_CONTRECORD))
			return page_error(r, pos, err, "there is no contrecord flag for record at " LSN_FMT,
							  LSN_ARGS(rp->lsn));
		rem = get32(r->page + 16);
		if (rem != rp->tot_len - rp->got)
			return page_error(r, pos, err, "invalid contrecord length %u (expected %u) for record at " LSN_FMT,
							  rem, rp->tot_len - rp->got, LSN_ARGS(rp->lsn));
		n = rem < r->page_size - hdr ? rem : r->page_size - hdr;
		append(r, rp->got, r->page + hdr, n);
		rp->got += n;
		rp->end = pos + hdr + n;
		if (!rp->header_checked && rp->got >= WAL_RECORD_HEADER_SIZE)
		{
			if ((st = validate_record_header(r, rp->lsn, r->buf, rp->expect_prev, err)) != WAL_READ_OK)
				return st;
			rp->header_checked = true;
		}
	}
	return WAL_READ_OK;
}

/* Fill r->rec from the complete record in r->buf. */
static wal_read_status
finish_record(wal_reader *r, lsn_t lsn, lsn_t end, uint32_t page_tli,
			  rw_error *err)
{
	wal_record *rec = &r->rec;
	const uint8_t *h = r->buf;
	wal_read_status st;

	memset(rec, 0, sizeof(*rec));
	rec->lsn = lsn;
	rec->end = end;
	rec->tot_len = get32(h);
	rec->xid = get32(h + 4);
	rec->prev = get64(h + 8);
	rec->info = h[16];
	rec->rmid = h[17];
	rec->page_tli = page_tli;
	rec->raw = r->buf;
	if ((st = check_crc(r, err)) != WAL_READ_OK)
		return st;
	if ((st = decode_record(r, err)) != WAL_READ_OK)
		return st;
	rec->end_ptr = record_end_ptr(r, end, rec->rmid == RM_XLOG_ID &&
								  (rec->info & XLR_RMGR_INFO_MASK) == XLOG_SWITCH);
	rec->next = next_record_start(r, rec->end_ptr);
	return WAL_READ_OK;
}

/*
 * Read, check and decode the record at lsn.  A record abandoned at a crash
 * (its continuation page carries XLP_FIRST_IS_OVERWRITE_CONTRECORD) is
 * skipped: the record at the start of that page is read instead, and its
 * prev-link still points to the record before the abandoned one.
 */
static wal_read_status
read_record(wal_reader *r, lsn_t lsn, const lsn_t *expect_prev, rw_error *err)
{
	for (;;)
	{
		rec_progress rp = {.lsn = lsn, .expect_prev = expect_prev};
		uint32_t	off, avail, page_tli;
		wal_read_status st;

		if ((st = locate_record(r, &rp.lsn, err)) != WAL_READ_OK)
			return st;
		off = (uint32_t) (rp.lsn % r->page_size);
		avail = r->page_size - off;
		page_tli = get32(r->page + 4);
		/* records are 8-aligned, so xl_tot_len is always on this page */
		rp.tot_len = get32(r->page + off);
		if ((st = check_length(r, rp.lsn, rp.tot_len, err)) != WAL_READ_OK)
			return st;
		if (avail >= WAL_RECORD_HEADER_SIZE)
		{
			if ((st = validate_record_header(r, rp.lsn, r->page + off, expect_prev, err)) != WAL_READ_OK)
				return st;
			rp.header_checked = true;
		}
		rp.got = rp.tot_len < avail ? rp.tot_len : avail;
		append(r, 0, r->page + off, rp.got);
		rp.end = rp.lsn + rp.got;
		if ((st = read_continuation(r, &rp, err)) != WAL_READ_OK)
			return st;
		if (rp.restart_at == LSN_INVALID)
		{
			if ((st = finish_record(r, rp.lsn, rp.end, page_tli, err)) != WAL_READ_OK)
				return st;
			r->have_last = true;
			r->last_lsn = r->rec.lsn;
			r->last_next = r->rec.next;
			return WAL_READ_OK;
		}
		lsn = rp.restart_at;
	}
}

/*
 * Random access re-reads pages, so that a caller may switch the file that
 * backs an LSN (another timeline) between calls.
 */
wal_read_status
walreader_read_at(wal_reader *r, lsn_t lsn, const wal_record **rec,
				  rw_error *err)
{
	wal_read_status st;

	r->page_valid = false;
	st = read_record(r, lsn, NULL, err);

	*rec = (st == WAL_READ_OK) ? &r->rec : NULL;
	return st;
}

wal_read_status
walreader_next(wal_reader *r, const wal_record **rec, rw_error *err)
{
	lsn_t		prev = r->last_lsn;
	wal_read_status st;

	*rec = NULL;
	if (!r->have_last)
	{
		rw_fail(err, RW_EINTERNAL, "walreader_next called before any record was read");
		return WAL_READ_ERROR;
	}
	/* on failure last_* stay, so a retry reads the same place again */
	st = read_record(r, r->last_next, &prev, err);
	if (st == WAL_READ_OK)
		*rec = &r->rec;
	return st;
}

wal_read_status
walreader_find_first(wal_reader *r, lsn_t lsn, lsn_t *first, rw_error *err)
{
	lsn_t		page_lsn = lsn - lsn % r->page_size;
	const wal_record *rec;
	wal_read_status st;
	uint64_t	off;

	r->page_valid = false;
	/* skip pages filled entirely by the continuation of an earlier record */
	for (;;)
	{
		if ((st = load_page(r, page_lsn, err)) != WAL_READ_OK)
			return st;
		off = first_record_offset(r);
		if (off < r->page_size)
			break;
		page_lsn += r->page_size;
	}
	st = walreader_read_at(r, page_lsn + off, &rec, err);
	while (st == WAL_READ_OK && rec->lsn < lsn)
		st = walreader_next(r, &rec, err);
	if (st == WAL_READ_OK)
		*first = rec->lsn;
	return st;
}
