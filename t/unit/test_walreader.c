/*
 * WAL reader tests.  walreader_suite uses WAL built here (synthetic pages and
 * records, then damaged on purpose); walreader_fixture_suite reads the real
 * PostgreSQL 15 WAL made by t/fixtures/make-fixtures.sh and compares every
 * record with what pg_waldump printed for it.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "crc32c.h"
#include "lsn.h"
#include "pgver.h"
#include "testutil.h"
#include "walreader.h"
#include "walrec.h"
#include "xalloc.h"

#define PAGE 8192u

/* ---------------------------------------------------------------------- */
/* page sources */

/* Pages from a memory buffer; one page can be made to look missing. */
typedef struct mem_source {
	uint8_t    *data;
	size_t		len;
	lsn_t		base;
	lsn_t		missing;		/* page that "does not exist", or 0 */
	int			reads;
} mem_source;

static bool
mem_read_page(void *ctx, lsn_t page_lsn, uint8_t *buf, rw_error *err)
{
	mem_source *m = ctx;

	m->reads++;
	if (page_lsn < m->base || page_lsn - m->base + PAGE > m->len ||
		(m->missing != 0 && page_lsn == m->missing))
		return rw_fail(err, RW_EMISSING,
					   "could not open file \"pg_wal/page-%X-%X\": No such file or directory",
					   LSN_ARGS(page_lsn));
	memcpy(buf, m->data + (page_lsn - m->base), PAGE);
	return true;
}

/* Pages from segment files in a directory, newest timeline first. */
typedef struct dir_source {
	char		dir[2048];
	uint32_t	segsize;
	uint32_t	tlis[2];
	int			ntlis;
} dir_source;

static bool
dir_read_page(void *ctx, lsn_t page_lsn, uint8_t *buf, rw_error *err)
{
	dir_source *s = ctx;
	char		name[WAL_FILE_NAME_LEN + 1];
	char		path[2100];

	for (int i = 0; i < s->ntlis; i++)
	{
		int			fd;
		ssize_t		n;

		wal_file_name(name, s->tlis[i], lsn_segno(page_lsn, s->segsize), s->segsize);
		snprintf(path, sizeof(path), "%s/%s", s->dir, name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = pread(fd, buf, PAGE, lsn_segment_offset(page_lsn, s->segsize));
		close(fd);
		if (n != (ssize_t) PAGE)
			return rw_fail(err, RW_EIO, "could not read file \"%s\"", path);
		return true;
	}
	wal_file_name(name, s->tlis[0], lsn_segno(page_lsn, s->segsize), s->segsize);
	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	return rw_fail_errno(err, ENOENT, "could not open file \"%s\"", path);
}

/* ---------------------------------------------------------------------- */
/* synthetic WAL: two 1 MiB segments (segno 1 and 2), laid out as the server does */

#define SYN_SEGSIZE (1024u * 1024u)
#define SYN_SYSID UINT64_C(7000000000000000042)
#define SYN_BASE ((lsn_t) SYN_SEGSIZE)

typedef struct synth {
	uint8_t    *buf;			/* 2 segments */
	lsn_t		pos;			/* next insert position */
	lsn_t		prev;			/* last record's start */
	mem_source	src;
	const pg_version_info *ver;
} synth;

static uint8_t *
syn_at(synth *s, lsn_t lsn)
{
	return s->buf + (lsn - SYN_BASE);
}

static void
syn_init(synth *s, int major)
{
	memset(s, 0, sizeof(*s));
	s->ver = pgver_lookup(major);
	s->buf = xcalloc(2, SYN_SEGSIZE);
	for (lsn_t p = SYN_BASE; p < SYN_BASE + 2 * SYN_SEGSIZE; p += PAGE)
	{
		uint8_t    *h = syn_at(s, p);
		uint16_t	info = (p % SYN_SEGSIZE == 0) ? 0x0002 : 0x0004;
		uint32_t	tli = 1;
		uint64_t	sysid = SYN_SYSID;
		uint32_t	segsize = SYN_SEGSIZE, blcksz = PAGE;

		memcpy(h, &s->ver->wal_page_magic, 2);
		memcpy(h + 2, &info, 2);
		memcpy(h + 4, &tli, 4);
		memcpy(h + 8, &p, 8);
		if (info & 0x0002)
		{
			memcpy(h + 24, &sysid, 8);
			memcpy(h + 32, &segsize, 4);
			memcpy(h + 36, &blcksz, 4);
		}
	}
	s->pos = SYN_BASE + WAL_LONG_PAGE_HEADER_SIZE;
	s->src.data = s->buf;
	s->src.len = 2 * SYN_SEGSIZE;
	s->src.base = SYN_BASE;
}

static void
syn_free(synth *s)
{
	free(s->buf);
}

static uint32_t
hdr_size(lsn_t lsn)
{
	return lsn % SYN_SEGSIZE == 0 ? WAL_LONG_PAGE_HEADER_SIZE : WAL_SHORT_PAGE_HEADER_SIZE;
}

/* Write the bytes of a record at s->pos, across pages. */
static void
syn_write(synth *s, const uint8_t *rec, uint32_t tot)
{
	uint32_t	done = 0;

	while (done < tot)
	{
		uint32_t	n;

		if (s->pos % PAGE == 0)
		{
			uint8_t    *h = syn_at(s, s->pos);
			uint32_t	rem = tot - done;

			h[2] |= 0x01;		/* XLP_FIRST_IS_CONTRECORD */
			memcpy(h + 16, &rem, 4);
			s->pos += hdr_size(s->pos);
		}
		n = PAGE - (uint32_t) (s->pos % PAGE);
		if (n > tot - done)
			n = tot - done;
		memcpy(syn_at(s, s->pos), rec + done, n);
		s->pos += n;
		done += n;
	}
}

/*
 * Append a record with the given body (fragment headers and payload) and
 * return its LSN.  prev_override, when nonzero, replaces the prev-link.
 */
static lsn_t
syn_add_prev(synth *s, uint8_t rmid, uint8_t info, const uint8_t *body,
			 uint32_t len, lsn_t prev)
{
	uint32_t	tot = WAL_RECORD_HEADER_SIZE + len;
	uint8_t    *rec = xcalloc(1, tot);
	uint32_t	xid = 777, crc;
	lsn_t		lsn;

	if (s->pos % PAGE == 0)
		s->pos += hdr_size(s->pos);
	lsn = s->pos;
	memcpy(rec, &tot, 4);
	memcpy(rec + 4, &xid, 4);
	memcpy(rec + 8, &prev, 8);
	rec[16] = info;
	rec[17] = rmid;
	if (len > 0)
		memcpy(rec + 24, body, len);
	crc = crc32c_update(CRC32C_INIT, rec + 24, len);
	crc = crc32c_final(crc32c_update(crc, rec, 20));
	memcpy(rec + 20, &crc, 4);
	syn_write(s, rec, tot);
	free(rec);
	s->pos = (s->pos + 7) & ~(lsn_t) 7;
	s->prev = lsn;
	return lsn;
}

static lsn_t
syn_add(synth *s, uint8_t rmid, uint8_t info, const uint8_t *body, uint32_t len)
{
	return syn_add_prev(s, rmid, info, body, len, s->prev);
}

/* A record whose body is a short main data of n bytes (XLOG NOOP). */
static lsn_t
syn_noop(synth *s, uint32_t n)
{
	uint8_t    *body = xcalloc(1, n + 5);
	uint32_t	hlen;
	lsn_t		lsn;

	if (n < 256)
	{
		body[0] = 255;
		body[1] = (uint8_t) n;
		hlen = 2;
	}
	else
	{
		body[0] = 254;
		memcpy(body + 1, &n, 4);
		hlen = 5;
	}
	for (uint32_t i = 0; i < n; i++)
		body[hlen + i] = (uint8_t) (i * 7 + 1);
	lsn = syn_add(s, RM_XLOG_ID, 0x20, body, hlen + n);
	free(body);
	return lsn;
}

/* Fill with small records until the insert position is at page offset off. */
static void
syn_pad_to(synth *s, uint32_t off)
{
	while (s->pos % PAGE != off)
	{
		uint32_t	cur = (uint32_t) (s->pos % PAGE);
		uint32_t	gap = (off - cur + PAGE) % PAGE;

		/* a record of tot bytes moves pos by align8(tot) */
		if (gap >= 32 && gap <= 200)
			syn_noop(s, gap - 24 - 2);
		else
			syn_noop(s, 100);
	}
}

static wal_reader *
syn_reader(synth *s)
{
	wal_page_reader pr = {mem_read_page, &s->src};

	return walreader_new(s->ver, SYN_SYSID, SYN_SEGSIZE, PAGE, pr);
}

/* A block reference header: id, fork_flags, data_len, rel, blkno. */
static uint32_t
put_block(uint8_t *p, uint8_t id, uint8_t fork_flags, uint16_t data_len,
		  uint32_t rel, uint32_t blkno)
{
	uint32_t	n = 0;
	uint32_t	spc = 1663, db = 5;

	p[n++] = id;
	p[n++] = fork_flags;
	memcpy(p + n, &data_len, 2);
	n += 2;
	if (!(fork_flags & 0x80))
	{
		memcpy(p + n, &spc, 4);
		memcpy(p + n + 4, &db, 4);
		memcpy(p + n + 8, &rel, 4);
		n += 12;
	}
	memcpy(p + n, &blkno, 4);
	return n + 4;
}

static wal_read_status
read_at(wal_reader *r, lsn_t lsn, const wal_record **rec, rw_error *err)
{
	rw_error_clear(err);
	return walreader_read_at(r, lsn, rec, err);
}

#define ck_assert_msg_has(err, s) \
	ck_assert_msg(strstr((err)->msg, (s)) != NULL, "message \"%s\" lacks \"%s\"", \
				  (err)->msg, (s))

/* ---------------------------------------------------------------------- */
/* synthetic tests */

START_TEST(test_syn_records_and_blocks)
{
	synth		s;
	uint8_t		body[256];
	uint32_t	n = 0;
	lsn_t		a, b, c;
	const wal_record *rec;
	rw_error	err;
	wal_reader *r;

	syn_init(&s, 15);
	a = syn_noop(&s, 10);
	/* two blocks (second SAME_REL, with data), origin, toplevel xid, main data */
	n += put_block(body + n, 0, 0x40, 0, 16384, 7);
	n += put_block(body + n, 3, 0x80 | 0x20 | FORK_VM, 4, 0, 9);
	body[n++] = 253;
	body[n++] = 0x34;
	body[n++] = 0x12;
	body[n++] = 252;
	body[n++] = 0x44;
	body[n++] = 0x33;
	body[n++] = 0x22;
	body[n++] = 0x11;
	body[n++] = 255;
	body[n++] = 3;
	memcpy(body + n, "\x01\x02\x03\x04", 4);	/* block 3 data */
	n += 4;
	memcpy(body + n, "xyz", 3);
	n += 3;
	b = syn_add(&s, RM_HEAP_ID, 0x00, body, n);
	c = syn_noop(&s, 0);

	r = syn_reader(&s);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_OK);
	ck_assert_uint_eq(rec->lsn, a);
	ck_assert_uint_eq(rec->main_len, 10);
	ck_assert_uint_eq(rec->next, b);
	/* 24 + 2 + 10 bytes: PostgreSQL's end of it is the aligned one */
	ck_assert_uint_eq(rec->end, a + 36);
	ck_assert_uint_eq(rec->end_ptr, b);
	ck_assert_int_eq(walreader_next(r, &rec, &err), WAL_READ_OK);
	ck_assert_uint_eq(rec->lsn, b);
	ck_assert_uint_eq(rec->prev, a);
	ck_assert_uint_eq(rec->xid, 777);
	ck_assert_int_eq(rec->nblocks, 2);
	ck_assert_uint_eq(rec->blocks[0].id, 0);
	ck_assert(rec->blocks[0].will_init);
	ck_assert(!rec->blocks[0].has_data);
	ck_assert_uint_eq(rec->blocks[0].rel, 16384);
	ck_assert_uint_eq(rec->blocks[0].blkno, 7);
	ck_assert_uint_eq(rec->blocks[1].id, 3);
	ck_assert_uint_eq(rec->blocks[1].fork, FORK_VM);
	ck_assert_uint_eq(rec->blocks[1].spc, 1663);
	ck_assert_uint_eq(rec->blocks[1].db, 5);
	ck_assert_uint_eq(rec->blocks[1].rel, 16384);
	ck_assert_uint_eq(rec->blocks[1].blkno, 9);
	ck_assert_uint_eq(rec->blocks[1].data_len, 4);
	ck_assert_mem_eq(rec->blocks[1].data, "\x01\x02\x03\x04", 4);
	ck_assert(rec->has_origin);
	ck_assert_uint_eq(rec->origin, 0x1234);
	ck_assert_uint_eq(rec->toplevel_xid, 0x11223344);
	ck_assert_uint_eq(rec->main_len, 3);
	ck_assert_mem_eq(rec->main_data, "xyz", 3);
	ck_assert_ptr_eq(rec->raw + rec->tot_len, rec->main_data + 3);
	ck_assert_int_eq(walreader_next(r, &rec, &err), WAL_READ_OK);
	ck_assert_uint_eq(rec->lsn, c);
	ck_assert_ptr_null(rec->main_data);
	/* the end of WAL: zeros where the next record would be */
	ck_assert_int_eq(walreader_next(r, &rec, &err), WAL_READ_END);
	ck_assert_ptr_null(rec);
	ck_assert_msg_has(&err, "invalid record length at ");
	ck_assert_msg_has(&err, ": wanted 24, got 0");
	/* a retry reads the same place again */
	ck_assert_int_eq(walreader_next(r, &rec, &err), WAL_READ_END);
	walreader_free(r);
	syn_free(&s);
}
END_TEST

START_TEST(test_syn_images)
{
	synth		s;
	uint8_t		body[64];
	uint8_t    *img;
	uint32_t	n = 0, spc = 1663, db = 1, rel = 1259, blk = 0;
	uint16_t	len = 8192 - 1000, hole_off = 100, dlen = 0;
	const wal_record *rec;
	rw_error	err;
	wal_reader *r;
	lsn_t		a;

	syn_init(&s, 15);
	syn_noop(&s, 2000);			/* so that the image runs into page 2 */
	body[n++] = 0;
	body[n++] = 0x10;			/* HAS_IMAGE, main fork */
	memcpy(body + n, &dlen, 2);
	n += 2;
	memcpy(body + n, &len, 2);
	memcpy(body + n + 2, &hole_off, 2);
	body[n + 4] = 0x03;			/* HAS_HOLE | APPLY (15) */
	n += 5;
	memcpy(body + n, &spc, 4);
	memcpy(body + n + 4, &db, 4);
	memcpy(body + n + 8, &rel, 4);
	memcpy(body + n + 12, &blk, 4);
	n += 16;
	img = xcalloc(1, n + len);
	memcpy(img, body, n);
	memset(img + n, 0xAB, len);
	a = syn_add(&s, RM_XLOG_ID, 0xB0, img, n + len);
	free(img);

	r = syn_reader(&s);
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_OK);
	ck_assert_int_eq(rec->nblocks, 1);
	ck_assert(rec->blocks[0].has_image);
	ck_assert(rec->blocks[0].apply_image);
	ck_assert(!rec->blocks[0].image_compressed);
	ck_assert_uint_eq(rec->blocks[0].image_len, len);
	ck_assert_uint_eq(rec->blocks[0].hole_offset, 100);
	ck_assert_uint_eq(rec->blocks[0].hole_length, 1000);
	ck_assert_uint_eq(rec->blocks[0].image[0], 0xAB);
	/* the record spans pages */
	ck_assert_uint_ne(rec->lsn / PAGE, (rec->end - 1) / PAGE);
	walreader_free(r);
	syn_free(&s);
}
END_TEST

/* A record whose 24-byte header is split over two pages, and one over 3 pages. */
START_TEST(test_syn_split_header_and_long_record)
{
	synth		s;
	lsn_t		a, b, c;
	const wal_record *rec;
	rw_error	err;
	wal_reader *r;

	syn_init(&s, 15);
	syn_pad_to(&s, PAGE - 16);
	a = syn_noop(&s, 40);
	b = syn_noop(&s, 3 * PAGE);
	c = syn_noop(&s, 1);
	ck_assert_uint_eq(a % PAGE, PAGE - 16);

	r = syn_reader(&s);
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_OK);
	ck_assert_uint_eq(rec->main_len, 40);
	ck_assert_uint_eq(rec->main_data[39], (uint8_t) (39 * 7 + 1));
	ck_assert_int_eq(walreader_next(r, &rec, &err), WAL_READ_OK);
	ck_assert_uint_eq(rec->lsn, b);
	ck_assert_uint_eq(rec->main_len, 3 * PAGE);
	for (uint32_t i = 0; i < rec->main_len; i++)
		if (rec->main_data[i] != (uint8_t) (i * 7 + 1))
			ck_abort_msg("main data byte %u differs", i);
	ck_assert_int_eq(walreader_next(r, &rec, &err), WAL_READ_OK);
	ck_assert_uint_eq(rec->lsn, c);

	/* find_first over pages filled by the continuation of b */
	{
		lsn_t		first;
		lsn_t		page = b - b % PAGE + 2 * PAGE;

		ck_assert_int_eq(walreader_find_first(r, page, &first, &err), WAL_READ_OK);
		ck_assert_uint_eq(first, c);
		ck_assert_int_eq(walreader_find_first(r, b - b % PAGE, &first, &err), WAL_READ_OK);
		ck_assert_uint_eq(first, b - b % PAGE < a ? a : b);
	}
	/* reading inside the continuation is refused */
	ck_assert_int_eq(read_at(r, b - b % PAGE + PAGE, &rec, &err), WAL_READ_END);
	ck_assert_msg_has(&err, "continuation");
	walreader_free(r);
	syn_free(&s);
}
END_TEST

/* A record running from the end of segment 1 into segment 2, then SWITCH. */
START_TEST(test_syn_segment_crossing_and_switch)
{
	synth		s;
	lsn_t		a, sw, first;
	const wal_record *rec;
	rw_error	err;
	wal_reader *r;

	syn_init(&s, 15);
	while (s.pos < 2 * SYN_SEGSIZE - 3 * PAGE)
		syn_noop(&s, 4000);
	a = syn_noop(&s, 5 * PAGE);
	ck_assert_uint_eq(lsn_segno(a, SYN_SEGSIZE), 1);
	ck_assert_uint_eq(lsn_segno(s.pos, SYN_SEGSIZE), 2);
	sw = syn_add(&s, RM_XLOG_ID, 0x40, NULL, 0);

	r = syn_reader(&s);
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_OK);
	ck_assert_uint_eq(lsn_segno(rec->end, SYN_SEGSIZE), 2);
	ck_assert_int_eq(walreader_next(r, &rec, &err), WAL_READ_OK);
	ck_assert_uint_eq(rec->lsn, sw);
	ck_assert_uint_eq(rec->next, 3 * (lsn_t) SYN_SEGSIZE + WAL_LONG_PAGE_HEADER_SIZE);
	ck_assert_uint_eq(rec->end_ptr, 3 * (lsn_t) SYN_SEGSIZE);
	/* segment 3 is not there: the page source's error comes through untouched */
	ck_assert_int_eq(walreader_next(r, &rec, &err), WAL_READ_ERROR);
	ck_assert_int_eq(err.kind, RW_EMISSING);
	ck_assert_msg_has(&err, "could not open file \"pg_wal/page-0-300000\"");

	/* find_first at segment 2 skips the continuation of a */
	ck_assert_int_eq(walreader_find_first(r, 2 * (lsn_t) SYN_SEGSIZE, &first, &err), WAL_READ_OK);
	ck_assert_uint_eq(first, sw);
	walreader_free(r);
	syn_free(&s);
}
END_TEST

START_TEST(test_syn_page_header_errors)
{
	synth		s;
	lsn_t		a, b;
	const wal_record *rec;
	rw_error	err;
	wal_reader *r;
	uint8_t    *h;
	uint16_t	v16;

	syn_init(&s, 15);
	syn_pad_to(&s, PAGE - 64);
	a = syn_noop(&s, 200);		/* continues onto page 2 */
	b = syn_noop(&s, 8);
	h = syn_at(&s, a - a % PAGE + PAGE);
	r = syn_reader(&s);
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_OK);

	/* wrong magic */
	v16 = 0x1234;
	memcpy(h, &v16, 2);
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_END);
	ck_assert_msg_has(&err, "invalid magic number 1234 in WAL segment 0000000000000001, LSN 0/102000, offset 8192");
	memcpy(h, &s.ver->wal_page_magic, 2);

	/* unknown info bit */
	h[2] |= 0x40;
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_END);
	ck_assert_msg_has(&err, "invalid info bits 0045");
	h[2] &= ~0x40;

	/* stale page (recycled segment) */
	h[9] ^= 0x01;
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_END);
	ck_assert_msg_has(&err, "unexpected pageaddr 0/102100 in WAL segment");
	h[9] ^= 0x01;

	/* continuation flag missing */
	h[2] &= ~0x01;
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_END);
	ck_assert_msg_has(&err, "no contrecord flag");
	h[2] |= 0x01;

	/* wrong remaining length */
	h[16]++;
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_END);
	ck_assert_msg_has(&err, "invalid contrecord length");
	h[16]--;

	/* zeroed continuation page: a torn record */
	{
		uint8_t		save[PAGE];

		memcpy(save, h, PAGE);
		memset(h, 0, PAGE);
		ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_END);
		ck_assert_msg_has(&err, "invalid magic number 0000");
		memcpy(h, save, PAGE);
	}

	/* timeline going backwards while reading forward */
	{
		uint32_t	tli = 2;

		memcpy(syn_at(&s, a - a % PAGE) + 4, &tli, 4);
		ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_END);
		ck_assert_msg_has(&err, "out-of-sequence timeline ID 1 (after 2)");
		/* the page TLI need not match anything else: 2 then 2 is fine */
		memcpy(h + 4, &tli, 4);
		ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_OK);
		ck_assert_uint_eq(rec->page_tli, 2);
	}

	/* the continuation page missing altogether */
	s.src.missing = a - a % PAGE + PAGE;
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_ERROR);
	ck_assert_int_eq(err.kind, RW_EMISSING);
	ck_assert_msg_has(&err, "could not open file");
	s.src.missing = 0;
	ck_assert_int_eq(read_at(r, b, &rec, &err), WAL_READ_OK);
	walreader_free(r);
	syn_free(&s);
}
END_TEST

START_TEST(test_syn_long_header_mismatch)
{
	synth		s;
	const wal_record *rec;
	rw_error	err;
	wal_reader *r;
	wal_page_reader pr;
	lsn_t		a;

	syn_init(&s, 15);
	a = syn_noop(&s, 8);
	pr.read_page = mem_read_page;
	pr.ctx = &s.src;

	r = walreader_new(s.ver, SYN_SYSID + 1, SYN_SEGSIZE, PAGE, pr);
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_END);
	ck_assert_msg_has(&err, "different database system");
	walreader_free(r);

	r = walreader_new(s.ver, SYN_SYSID, SYN_SEGSIZE, PAGE, pr);
	syn_at(&s, SYN_BASE)[34] ^= 0x01;
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_END);
	ck_assert_msg_has(&err, "segment size 1114112 in page header, pg_control has 1048576");
	syn_at(&s, SYN_BASE)[34] ^= 0x01;
	syn_at(&s, SYN_BASE)[37] ^= 0x01;
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_END);
	ck_assert_msg_has(&err, "XLOG_BLCKSZ 8448 in page header");
	syn_at(&s, SYN_BASE)[37] ^= 0x01;
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_OK);
	/* a segment's first page must have the long header, and only it */
	syn_at(&s, SYN_BASE)[2] &= ~0x02;
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_END);
	ck_assert_msg_has(&err, "invalid info bits 0000");
	syn_at(&s, SYN_BASE)[2] |= 0x02;
	walreader_free(r);

	/* another major's magic */
	r = walreader_new(pgver_lookup(16), SYN_SYSID, SYN_SEGSIZE, PAGE, pr);
	ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_END);
	ck_assert_msg_has(&err, "invalid magic number D110");
	walreader_free(r);

	/* bad arguments */
	ck_assert_ptr_null(walreader_new(s.ver, SYN_SYSID, 12345, PAGE, pr));
	ck_assert_ptr_null(walreader_new(s.ver, SYN_SYSID, SYN_SEGSIZE, 100, pr));
	syn_free(&s);
}
END_TEST

START_TEST(test_syn_record_header_errors)
{
	synth		s;
	lsn_t		a, b, c;
	const wal_record *rec;
	rw_error	err;
	wal_reader *r;
	uint32_t	v;
	char		want[128];

	syn_init(&s, 15);
	a = syn_noop(&s, 16);
	b = syn_noop(&s, 16);
	c = syn_add_prev(&s, RM_XLOG_ID, 0x20, (const uint8_t *) "\xff\x00", 2, a);	/* wrong prev */
	r = syn_reader(&s);

	/* sequential reading checks the prev-link exactly */
	ck_assert_int_eq(read_at(r, b, &rec, &err), WAL_READ_OK);
	ck_assert_int_eq(walreader_next(r, &rec, &err), WAL_READ_END);
	snprintf(want, sizeof(want), "record with incorrect prev-link " LSN_FMT " at " LSN_FMT,
			 LSN_ARGS(a), LSN_ARGS(c));
	ck_assert_msg_has(&err, want);
	/* random access only requires it to point back */
	ck_assert_int_eq(read_at(r, c, &rec, &err), WAL_READ_OK);

	/* flipped byte: CRC mismatch */
	syn_at(&s, b)[30] ^= 0x10;
	ck_assert_int_eq(read_at(r, b, &rec, &err), WAL_READ_END);
	snprintf(want, sizeof(want), "incorrect resource manager data checksum in record at " LSN_FMT,
			 LSN_ARGS(b));
	ck_assert_msg_has(&err, want);
	syn_at(&s, b)[30] ^= 0x10;

	/* tot_len 0, too small, huge, and large but not on the pages */
	memcpy(&v, syn_at(&s, b), 4);
	memset(syn_at(&s, b), 0, 4);
	ck_assert_int_eq(read_at(r, b, &rec, &err), WAL_READ_END);
	snprintf(want, sizeof(want), "invalid record length at " LSN_FMT ": wanted 24, got 0",
			 LSN_ARGS(b));
	ck_assert_str_eq(err.msg, want);
	syn_at(&s, b)[0] = 23;
	ck_assert_int_eq(read_at(r, b, &rec, &err), WAL_READ_END);
	ck_assert_msg_has(&err, "wanted 24, got 23");
	memset(syn_at(&s, b), 0xFF, 4);
	ck_assert_int_eq(read_at(r, b, &rec, &err), WAL_READ_END);
	ck_assert_msg_has(&err, "too long");
	{
		uint32_t	big = 1000u * 1024 * 1024;

		memcpy(syn_at(&s, b), &big, 4);
		s.src.reads = 0;
		ck_assert_int_eq(read_at(r, b, &rec, &err), WAL_READ_END);
		ck_assert_msg_has(&err, "no contrecord flag");
		ck_assert_int_le(s.src.reads, 3);
	}
	memcpy(syn_at(&s, b), &v, 4);

	/* resource manager ids */
	syn_at(&s, b)[17] = 60;
	ck_assert_int_eq(read_at(r, b, &rec, &err), WAL_READ_END);
	ck_assert_msg_has(&err, "invalid resource manager ID 60");
	syn_at(&s, b)[17] = RM_XLOG_ID;

	/* misaligned and in-header positions */
	ck_assert_int_eq(read_at(r, b + 4, &rec, &err), WAL_READ_END);
	ck_assert_msg_has(&err, "invalid record offset");
	ck_assert_int_eq(read_at(r, SYN_BASE + 24, &rec, &err), WAL_READ_END);
	ck_assert_msg_has(&err, "invalid record offset");
	/* a segment start means its first record */
	ck_assert_int_eq(read_at(r, SYN_BASE, &rec, &err), WAL_READ_OK);
	ck_assert_uint_eq(rec->lsn, a);
	walreader_free(r);
	syn_free(&s);
}
END_TEST

START_TEST(test_syn_custom_rmgr)
{
	for (int major = 14; major <= 15; major++)
	{
		synth		s;
		const wal_record *rec;
		rw_error	err;
		wal_reader *r;
		lsn_t		a;

		syn_init(&s, major);
		a = syn_add(&s, 130, 0x00, (const uint8_t *) "\xff\x01x", 3);
		r = syn_reader(&s);
		ck_assert_int_eq(read_at(r, a, &rec, &err), major == 14 ? WAL_READ_END : WAL_READ_OK);
		walreader_free(r);
		syn_free(&s);
	}
}
END_TEST

/* Fragment headers that do not add up: each must be refused cleanly. */
typedef struct bad_body {
	const char *name;
	uint8_t		bytes[48];
	uint32_t	len;
	const char *msg;
} bad_body;

static const bad_body bad_bodies[] = {
	{"block ids out of order", {1, 0x00, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
	0, 0x80, 0, 0, 0, 0, 0, 0}, 28, "out-of-order block_id 0"},
	{"repeated block id", {2, 0x00, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
	2, 0x80, 0, 0, 0, 0, 0, 0}, 28, "out-of-order block_id 2"},
	{"invalid block id", {40, 0, 0, 0}, 4, "invalid block_id 40"},
	{"invalid fork", {0, 0x05, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0}, 20,
	"invalid fork number 5 in block 0"},
	{"HAS_DATA without data", {0, 0x20, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0},
	20, "BKPBLOCK_HAS_DATA set, but data length is 0"},
	{"data without HAS_DATA", {0, 0x00, 4, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
	1, 2, 3, 4}, 24, "BKPBLOCK_HAS_DATA not set, but data length is 4"},
	{"SAME_REL first", {0, 0x80, 0, 0, 0, 0, 0, 0}, 8, "BKPBLOCK_SAME_REL set but no previous rel"},
	{"truncated block header", {0, 0x00, 0, 0, 1, 0, 0, 0, 2, 0}, 10, "headers run past"},
	{"payload longer than announced", {255, 2, 'a', 'b', 'c', 'd'}, 6, "2 payload bytes announced, 4 present"},
	{"truncated main data", {255, 20, 'a', 'b', 'c'}, 5, "20 payload bytes announced, 3 present"},
	{"truncated long main data header", {254, 1, 0}, 3, "headers run past"},
	{"block data missing", {0, 0x20, 16, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
	1, 2, 3}, 23, "record with invalid length"},
	{"image hole flag with zero hole", {0, 0x10, 0, 0, 0x00, 0x20, 0, 0, 0x03, 1, 0, 0, 0, 2, 0,
	0, 0, 3, 0, 0, 0, 0, 0, 0, 0}, 25, "BKPIMAGE_HAS_HOLE set"},
	{"image without hole, short", {0, 0x10, 0, 0, 0x10, 0x00, 0, 0, 0x02, 1, 0, 0, 0, 2, 0,
	0, 0, 3, 0, 0, 0, 0, 0, 0, 0}, 25, "BKPIMAGE_HAS_HOLE not set"},
	{"image too long", {0, 0x10, 0, 0, 0x01, 0x20, 0, 0, 0x02, 1, 0, 0, 0, 2, 0,
	0, 0, 3, 0, 0, 0, 0, 0, 0, 0}, 25, "invalid block image length 8193"},
	{"compressed full-size image", {0, 0x10, 0, 0, 0x00, 0x20, 0, 0, 0x06, 1, 0, 0, 0, 2, 0,
	0, 0, 3, 0, 0, 0, 0, 0, 0, 0}, 25, "compressed block image length 8192"},
	{"truncated image header", {0, 0x10, 0, 0, 0x00, 0x20}, 6, "headers run past"},
};

START_TEST(test_syn_bad_fragments)
{
	const bad_body *bb = &bad_bodies[_i];
	synth		s;
	lsn_t		a;
	const wal_record *rec;
	rw_error	err;
	wal_reader *r;

	syn_init(&s, 15);
	a = syn_add(&s, RM_HEAP_ID, 0, bb->bytes, bb->len);
	r = syn_reader(&s);
	ck_assert_msg(read_at(r, a, &rec, &err) == WAL_READ_END, "%s: accepted", bb->name);
	ck_assert_msg(strstr(err.msg, bb->msg) != NULL, "%s: message \"%s\" lacks \"%s\"",
				  bb->name, err.msg, bb->msg);
	ck_assert_int_eq(err.kind, RW_ECORRUPT);
	walreader_free(r);
	syn_free(&s);
}
END_TEST

/* Compressed image with hole: the hole length comes from the extra field (14 and 15 bits). */
START_TEST(test_syn_compressed_image_per_version)
{
	for (int major = 14; major <= 15; major++)
	{
		synth		s;
		uint8_t		body[64 + 100];
		uint32_t	n = 0, z = 0, rel = 42;
		uint16_t	len = 100, hole_off = 40, hole_len = 3000;
		const wal_record *rec;
		rw_error	err;
		wal_reader *r;
		lsn_t		a;

		syn_init(&s, major);
		body[n++] = 0;
		body[n++] = 0x10;
		memcpy(body + n, &z, 2);
		n += 2;
		memcpy(body + n, &len, 2);
		memcpy(body + n + 2, &hole_off, 2);
		/* 14: HAS_HOLE | IS_COMPRESSED | APPLY; 15: HAS_HOLE | APPLY | PGLZ */
		body[n + 4] = 0x07;
		n += 5;
		memcpy(body + n, &hole_len, 2);
		n += 2;
		memcpy(body + n, &z, 4);
		memcpy(body + n + 4, &z, 4);
		memcpy(body + n + 8, &rel, 4);
		memcpy(body + n + 12, &z, 4);
		n += 16;
		memset(body + n, 0x5A, len);
		a = syn_add(&s, RM_XLOG_ID, 0xB0, body, n + len);
		r = syn_reader(&s);
		ck_assert_int_eq(read_at(r, a, &rec, &err), WAL_READ_OK);
		ck_assert(rec->blocks[0].image_compressed);
		ck_assert(rec->blocks[0].apply_image);
		ck_assert_uint_eq(rec->blocks[0].hole_length, 3000);
		ck_assert_uint_eq(rec->blocks[0].rel, 42);
		walreader_free(r);
		syn_free(&s);
	}
}
END_TEST

/*
 * A record abandoned at a crash: its continuation page is marked
 * XLP_FIRST_IS_OVERWRITE_CONTRECORD and starts with an OVERWRITE_CONTRECORD
 * record whose prev-link is the record before the abandoned one.
 */
START_TEST(test_syn_overwrite_contrecord)
{
	synth		s;
	lsn_t		last, aborted, page2, ow, after;
	const wal_record *rec;
	rw_error	err;
	wal_reader *r;
	uint8_t		body[18];

	syn_init(&s, 15);
	syn_pad_to(&s, PAGE - 200);
	last = syn_noop(&s, 8);
	aborted = syn_noop(&s, 400);	/* spans into the next page */
	page2 = aborted - aborted % PAGE + PAGE;
	/* rewrite the next page as the server does after crash recovery */
	memset(syn_at(&s, page2) + 16, 0, PAGE - 16);
	syn_at(&s, page2)[2] = 0x04 | 0x08;
	s.pos = page2 + WAL_SHORT_PAGE_HEADER_SIZE;
	body[0] = 255;
	body[1] = 16;
	memcpy(body + 2, &aborted, 8);
	memset(body + 10, 0, 8);
	ow = syn_add_prev(&s, RM_XLOG_ID, 0xD0, body, 18, last);
	after = syn_noop(&s, 8);

	r = syn_reader(&s);
	ck_assert_int_eq(read_at(r, last, &rec, &err), WAL_READ_OK);
	ck_assert_uint_eq(rec->next, aborted);
	ck_assert_int_eq(walreader_next(r, &rec, &err), WAL_READ_OK);
	ck_assert_uint_eq(rec->lsn, ow);
	ck_assert_uint_eq(rec->prev, last);
	ck_assert_int_eq(walreader_next(r, &rec, &err), WAL_READ_OK);
	ck_assert_uint_eq(rec->lsn, after);
	/* asking for the abandoned record directly also lands on its replacement */
	ck_assert_int_eq(read_at(r, aborted, &rec, &err), WAL_READ_OK);
	ck_assert_uint_eq(rec->lsn, ow);
	walreader_free(r);
	syn_free(&s);
}
END_TEST

/* Random damage must never crash the reader or make it loop. */
START_TEST(test_syn_random_damage)
{
	synth		s;
	uint8_t    *orig;
	unsigned	seed = 12345;
	lsn_t		end;

	syn_init(&s, 15);
	while (s.pos < SYN_BASE + 6 * PAGE)
	{
		uint8_t		body[200];
		uint32_t	n = 0;

		n += put_block(body + n, 0, 0x20, 3, 16384, s.pos % 97);
		n += put_block(body + n, 1, 0x80, 0, 0, 1);
		body[n++] = 255;
		body[n++] = (uint8_t) (s.pos % 50);
		memset(body + n, 1, 3 + s.pos % 50);
		n += 3 + (uint32_t) (s.pos % 50);
		syn_add(&s, RM_HEAP_ID, 0, body, n);
		syn_noop(&s, (uint32_t) (s.pos % 3000));
	}
	end = s.pos;
	orig = xmalloc(2 * SYN_SEGSIZE);
	memcpy(orig, s.buf, 2 * SYN_SEGSIZE);
	for (int iter = 0; iter < 3000; iter++)
	{
		wal_reader *r = syn_reader(&s);
		const wal_record *rec;
		rw_error	err;
		wal_read_status st;
		int			flips = 1 + rand_r(&seed) % 4;
		int			count = 0;

		for (int f = 0; f < flips; f++)
		{
			size_t		at = (size_t) (rand_r(&seed) % (end - SYN_BASE));

			s.buf[at] ^= (uint8_t) (1 + rand_r(&seed) % 255);
		}
		st = read_at(r, SYN_BASE + WAL_LONG_PAGE_HEADER_SIZE, &rec, &err);
		while (st == WAL_READ_OK && count++ < 10000)
			st = walreader_next(r, &rec, &err);
		ck_assert_int_lt(count, 10000);
		ck_assert(st == WAL_READ_END || st == WAL_READ_ERROR);
		ck_assert(err.msg[0] != '\0');
		walreader_free(r);
		memcpy(s.buf, orig, 2 * SYN_SEGSIZE);
	}
	free(orig);
	syn_free(&s);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* real WAL from PostgreSQL 15, compared with pg_waldump */

typedef struct dump_block {
	int			id;
	uint32_t	spc, db, rel, blkno;
	char		fork[8];
	bool		fpw;
	bool		compressed;
	uint32_t	hole_offset, hole_length;
} dump_block;

typedef struct dump_rec {
	lsn_t		lsn, prev;
	uint32_t	tot_len, xid;
	char		rmgr[24];
	const char *desc;
	size_t		first_block;
	int			nblocks;
} dump_rec;

typedef struct waldump {
	uint8_t    *text;
	dump_rec   *recs;
	size_t		nrecs, caprecs;
	dump_block *blocks;
	size_t		nblocks, capblocks;
} waldump;

static void
parse_blkref(waldump *d, const char *line)
{
	dump_block *b;
	const char *h;

	xgrow((void **) &d->blocks, &d->capblocks, d->nblocks + 1, sizeof(dump_block));
	b = &d->blocks[d->nblocks++];
	memset(b, 0, sizeof(*b));
	ck_assert_msg(sscanf(line, "\tblkref #%d: rel %u/%u/%u fork %7s blk %u", &b->id,
						 &b->spc, &b->db, &b->rel, b->fork, &b->blkno) == 6,
				  "cannot parse \"%s\"", line);
	b->fpw = strstr(line, "(FPW") != NULL;
	b->compressed = strstr(line, "method:") != NULL;
	if ((h = strstr(line, "hole: offset: ")) != NULL)
		ck_assert(sscanf(h, "hole: offset: %u, length: %u", &b->hole_offset,
						 &b->hole_length) == 2);
	d->recs[d->nrecs - 1].nblocks++;
}

static void
parse_record_line(waldump *d, const char *line)
{
	dump_rec   *r;
	unsigned	hi, lo, phi, plo, rec_len;
	const char *desc;

	xgrow((void **) &d->recs, &d->caprecs, d->nrecs + 1, sizeof(dump_rec));
	r = &d->recs[d->nrecs++];
	memset(r, 0, sizeof(*r));
	ck_assert_msg(sscanf(line, "rmgr: %23s len (rec/tot): %u/ %u, tx: %u, lsn: %X/%X, prev %X/%X",
						 r->rmgr, &rec_len, &r->tot_len, &r->xid, &hi, &lo, &phi, &plo) == 8,
				  "cannot parse \"%s\"", line);
	r->lsn = (lsn_t) hi << 32 | lo;
	r->prev = (lsn_t) phi << 32 | plo;
	desc = strstr(line, ", desc: ");
	r->desc = desc ? desc + 8 : "";
	r->first_block = d->nblocks;
}

static void
waldump_load(waldump *d, const char *name, size_t min_records)
{
	char		path[256];
	size_t		len;
	char	   *line;

	memset(d, 0, sizeof(*d));
	snprintf(path, sizeof(path), "%s/waldump.txt", name);
	d->text = fixture_read(path, &len);
	ck_assert_msg(d->text != NULL, "fixture %s missing", path);
	for (line = (char *) d->text; line && *line;)
	{
		char	   *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		if (strncmp(line, "rmgr: ", 6) == 0)
			parse_record_line(d, line);
		else if (strncmp(line, "\tblkref #", 9) == 0 && d->nrecs > 0)
			parse_blkref(d, line);
		line = nl ? nl + 1 : NULL;
	}
	ck_assert_msg(d->nrecs >= min_records, "%s has only %zu records", path, d->nrecs);
}

static void
waldump_free(waldump *d)
{
	free(d->text);
	free(d->recs);
	free(d->blocks);
}

/* A value from info.env ("KEY=value"), copied into out. */
static void
info_get(const char *name, const char *key, char *out, size_t outlen)
{
	char		path[256];
	size_t		len, klen = strlen(key);
	uint8_t    *text;
	const char *p;

	snprintf(path, sizeof(path), "%s/info.env", name);
	text = fixture_read(path, &len);
	ck_assert_msg(text != NULL, "fixture %s missing", path);
	for (p = (const char *) text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
	{
		if (strncmp(p, key, klen) == 0 && p[klen] == '=')
		{
			size_t		n = strcspn(p + klen + 1, "\n");

			ck_assert_uint_lt(n, outlen);
			memcpy(out, p + klen + 1, n);
			out[n] = '\0';
			free(text);
			return;
		}
	}
	free(text);
	ck_abort_msg("%s has no %s", path, key);
}

static lsn_t
info_lsn(const char *name, const char *key)
{
	char		v[64];
	lsn_t		l;

	info_get(name, key, v, sizeof(v));
	ck_assert_msg(lsn_parse(v, &l), "bad LSN %s", v);
	return l;
}

typedef struct fixture {
	const pg_version_info *ver;
	pg_control	control;
	dir_source	src;
	wal_reader *reader;
} fixture;

static void
fixture_open(fixture *f, const char *name)
{
	char		path[256], seg[64];
	size_t		len;
	uint8_t    *buf;
	rw_error	err;
	uint64_t	segno;
	wal_page_reader pr;

	ck_assert_msg(fixtures_dir() != NULL,
				  "REWIND_FIXTURES is not set: run the tests with \"make unit\"");
	memset(f, 0, sizeof(*f));
	f->ver = pgver_lookup(15);
	snprintf(path, sizeof(path), "%s/pg_control", name);
	buf = fixture_read(path, &len);
	ck_assert_msg(buf != NULL, "fixture %s missing", path);
	ck_assert_msg(control_parse(buf, len, 15, "fixture pg_control", &f->control, &err),
				  "%s", err.msg);
	free(buf);
	snprintf(f->src.dir, sizeof(f->src.dir), "%s/%s/wal", fixtures_dir(), name);
	f->src.segsize = f->control.xlog_seg_size;
	info_get(name, "FIRST_SEGMENT", seg, sizeof(seg));
	ck_assert(wal_file_name_parse(seg, f->src.segsize, &f->src.tlis[0], &segno));
	f->src.ntlis = 1;
	if (f->src.tlis[0] > 1)
		f->src.tlis[f->src.ntlis++] = f->src.tlis[0] - 1;
	pr.read_page = dir_read_page;
	pr.ctx = &f->src;
	f->reader = walreader_new(f->ver, f->control.system_identifier,
							  f->control.xlog_seg_size, f->control.xlog_blcksz, pr);
	ck_assert_ptr_nonnull(f->reader);
}

static const char *
fork_name(int fork)
{
	static const char *const names[] = {"main", "fsm", "vm", "init"};

	return fork >= 0 && fork <= 3 ? names[fork] : "?";
}

static void
compare_record(const wal_record *rec, const dump_rec *d, const dump_block *blocks)
{
	ck_assert_msg(rec->lsn == d->lsn, "record at " LSN_FMT ", pg_waldump has " LSN_FMT,
				  LSN_ARGS(rec->lsn), LSN_ARGS(d->lsn));
	ck_assert_str_eq(rmgr_name(rec->rmid), d->rmgr);
	ck_assert_uint_eq(rec->tot_len, d->tot_len);
	ck_assert_uint_eq(rec->xid, d->xid);
	ck_assert_msg(rec->prev == d->prev, "prev at " LSN_FMT, LSN_ARGS(rec->lsn));
	ck_assert_msg(rec->nblocks == d->nblocks, "blocks at " LSN_FMT ": %d vs %d",
				  LSN_ARGS(rec->lsn), rec->nblocks, d->nblocks);
	for (int i = 0; i < rec->nblocks; i++)
	{
		const wal_blockref *b = &rec->blocks[i];
		const dump_block *db = &blocks[i];

		ck_assert_int_eq(b->id, db->id);
		ck_assert_uint_eq(b->spc, db->spc);
		ck_assert_uint_eq(b->db, db->db);
		ck_assert_uint_eq(b->rel, db->rel);
		ck_assert_uint_eq(b->blkno, db->blkno);
		ck_assert_str_eq(fork_name(b->fork), db->fork);
		ck_assert_msg(b->has_image == db->fpw, "image at " LSN_FMT, LSN_ARGS(rec->lsn));
		if (b->has_image)
		{
			ck_assert_int_eq(b->image_compressed, db->compressed);
			ck_assert_uint_eq(b->hole_offset, db->hole_offset);
			ck_assert_uint_eq(b->hole_length, db->hole_length);
		}
	}
}

/* What the scan met, for checks that the fixture covers the hard cases. */
typedef struct scan_stats {
	size_t		records;
	size_t		span_pages;
	size_t		span_segments;
	size_t		split_headers;
	size_t		bigger_than_segment;
	size_t		images, compressed_images, toplevel_xids, max_blocks;
	wal_read_status end_status;
	rw_error	end_err;
	lsn_t		last_lsn;
} scan_stats;

static void
scan_compare(fixture *f, const waldump *d, lsn_t start, scan_stats *st)
{
	const wal_record *rec;
	wal_read_status rs;
	rw_error	err;
	size_t		i = 0;
	uint32_t	page = f->control.xlog_blcksz, seg = f->control.xlog_seg_size;

	memset(st, 0, sizeof(*st));
	while (i < d->nrecs && d->recs[i].lsn < start)
		i++;
	rs = read_at(f->reader, start, &rec, &err);
	while (rs == WAL_READ_OK)
	{
		ck_assert_msg(i < d->nrecs, "reader found a record at " LSN_FMT " after pg_waldump's last",
					  LSN_ARGS(rec->lsn));
		compare_record(rec, &d->recs[i], &d->blocks[d->recs[i].first_block]);
		st->records++;
		st->span_pages += rec->lsn / page != (rec->end - 1) / page;
		st->span_segments += rec->lsn / seg != (rec->end - 1) / seg;
		st->split_headers += rec->lsn % page > page - WAL_RECORD_HEADER_SIZE;
		st->bigger_than_segment += rec->tot_len > seg;
		st->toplevel_xids += rec->toplevel_xid != 0;
		if ((size_t) rec->nblocks > st->max_blocks)
			st->max_blocks = (size_t) rec->nblocks;
		for (int b = 0; b < rec->nblocks; b++)
		{
			st->images += rec->blocks[b].has_image;
			st->compressed_images += rec->blocks[b].image_compressed;
		}
		st->last_lsn = rec->lsn;
		i++;
		rs = walreader_next(f->reader, &rec, &err);
	}
	st->end_status = rs;
	st->end_err = err;
	ck_assert_msg(i == d->nrecs, "reader stopped after %zu of %zu records: %s",
				  i, d->nrecs, err.msg);
}

START_TEST(test_fixture_pg15_every_record)
{
	fixture		f;
	waldump		d;
	scan_stats	st;
	size_t		len;
	uint8_t    *dump_err;
	const char *m;

	fixture_open(&f, "pg15");
	waldump_load(&d, "pg15", 10000);
	scan_compare(&f, &d, info_lsn("pg15", "FIRST_LSN"), &st);
	ck_assert_uint_eq(st.records, d.nrecs);
	ck_assert_uint_gt(st.span_pages, 100);
	ck_assert_uint_gt(st.span_segments, 0);
	ck_assert_uint_gt(st.split_headers, 0);
	ck_assert_uint_gt(st.bigger_than_segment, 0);
	ck_assert_uint_gt(st.images, 0);
	ck_assert_uint_gt(st.compressed_images, 0);
	ck_assert_uint_gt(st.toplevel_xids, 0);
	ck_assert_uint_ge(st.max_blocks, 2);

	/* the end of WAL is where pg_waldump stopped, for the same reason */
	ck_assert_int_eq(st.end_status, WAL_READ_END);
	dump_err = fixture_read("pg15/waldump.err", &len);
	ck_assert_ptr_nonnull(dump_err);
	if ((m = strstr((const char *) dump_err, "invalid record length at ")) != NULL)
	{
		char		want[128];

		snprintf(want, sizeof(want), "%.*s", (int) strcspn(m, "\n"), m);
		ck_assert_str_eq(st.end_err.msg, want);
	}
	free(dump_err);
	waldump_free(&d);
	walreader_free(f.reader);
}
END_TEST

/* find_first at every segment start gives pg_waldump's first record there. */
START_TEST(test_fixture_pg15_find_first)
{
	fixture		f;
	waldump		d;
	uint32_t	seg;
	size_t		i = 0;
	int			checked = 0;

	fixture_open(&f, "pg15");
	waldump_load(&d, "pg15", 10000);
	seg = f.control.xlog_seg_size;
	for (lsn_t s = d.recs[0].lsn - d.recs[0].lsn % seg; s <= d.recs[d.nrecs - 1].lsn; s += seg)
	{
		lsn_t		first;
		rw_error	err;
		wal_read_status rs;

		while (i < d.nrecs && d.recs[i].lsn < s)
			i++;
		rs = walreader_find_first(f.reader, s, &first, &err);
		ck_assert_msg(rs == WAL_READ_OK, "find_first " LSN_FMT ": %s", LSN_ARGS(s), err.msg);
		ck_assert_msg(first == d.recs[i].lsn, "find_first " LSN_FMT " gave " LSN_FMT ", expected " LSN_FMT,
					  LSN_ARGS(s), LSN_ARGS(first), LSN_ARGS(d.recs[i].lsn));
		checked++;
	}
	ck_assert_int_ge(checked, 3);
	waldump_free(&d);
	walreader_free(f.reader);
}
END_TEST

static void
time_text(int64_t pg_usec, char *out, size_t outlen)
{
	time_t		t = (time_t) (pg_usec / 1000000 + 946684800);
	struct tm	tm;
	size_t		n;

	gmtime_r(&t, &tm);
	n = strftime(out, outlen, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(out + n, outlen - n, ".%06d UTC", (int) (pg_usec % 1000000));
}

static void
rel_text(uint32_t spc, uint32_t db, uint32_t rel, int fork, char *out, size_t outlen)
{
	static const char *const suffix[] = {"", "_fsm", "_vm", "_init"};

	if (spc == 1664)
		snprintf(out, outlen, "global/%u%s", rel, suffix[fork]);
	else
		snprintf(out, outlen, "base/%u/%u%s", db, rel, suffix[fork]);
}

#define ck_desc_has(d, s) \
	ck_assert_msg(strstr((d)->desc, (s)) != NULL, "at " LSN_FMT ": \"%s\" lacks \"%s\"", \
				  LSN_ARGS((d)->lsn), (d)->desc, (s))

typedef struct payload_counts {
	int			checkpoints, commits, aborts, commit_prepared, abort_prepared;
	int			with_subxacts, with_rels, with_gid;
	int			smgr_create, smgr_truncate, db_copy, db_wal_log, db_drop;
	int			multi_insert, end_of_recovery;
} payload_counts;

static void
check_xact(const pg_version_info *ver, const wal_record *rec, const dump_rec *d,
		   wal_kind k, payload_counts *c)
{
	wal_xact_end x;
	rw_error	err;
	char		want[4096];
	size_t		n;

	ck_assert_msg(walrec_xact_end(ver, rec, &x, &err), "%s", err.msg);
	time_text(x.xact_time, want, sizeof(want));
	ck_desc_has(d, want);
	if (x.nsubxacts)
	{
		n = (size_t) snprintf(want, sizeof(want), "subxacts:");
		for (uint32_t i = 0; i < x.nsubxacts; i++)
			n += (size_t) snprintf(want + n, sizeof(want) - n, " %u", walrec_xact_subxact(&x, i));
		ck_desc_has(d, want);
		c->with_subxacts++;
	}
	if (x.nrels)
	{
		n = (size_t) snprintf(want, sizeof(want), "rels:");
		for (uint32_t i = 0; i < x.nrels; i++)
		{
			relfile_locator l = walrec_xact_rel(&x, i);

			want[n++] = ' ';
			rel_text(l.spc, l.db, l.rel, 0, want + n, sizeof(want) - n);
			n += strlen(want + n);
		}
		ck_desc_has(d, want);
		c->with_rels++;
	}
	if (k == WK_XACT_COMMIT_PREPARED || k == WK_XACT_ABORT_PREPARED)
	{
		snprintf(want, sizeof(want), "PREPARED %u: ", x.twophase_xid);
		ck_desc_has(d, want);
		ck_assert_ptr_nonnull(x.gid);
		ck_assert_str_eq(x.gid, k == WK_XACT_COMMIT_PREPARED ? "fixture_commit" : "fixture_abort");
		c->with_gid++;
	}
	c->commits += k == WK_XACT_COMMIT;
	c->aborts += k == WK_XACT_ABORT;
	c->commit_prepared += k == WK_XACT_COMMIT_PREPARED;
	c->abort_prepared += k == WK_XACT_ABORT_PREPARED;
}

static void
check_storage(const wal_record *rec, const dump_rec *d, wal_kind k, payload_counts *c)
{
	relfile_locator l;
	rw_error	err;
	char		path[128], want[256];

	if (k == WK_SMGR_CREATE)
	{
		int			fork;

		ck_assert_msg(walrec_smgr_create(rec, &l, &fork, &err), "%s", err.msg);
		rel_text(l.spc, l.db, l.rel, fork, path, sizeof(path));
		snprintf(want, sizeof(want), "CREATE %s", path);
		c->smgr_create++;
	}
	else
	{
		uint32_t	nblocks, flags;

		ck_assert_msg(walrec_smgr_truncate(rec, &l, &nblocks, &flags, &err), "%s", err.msg);
		rel_text(l.spc, l.db, l.rel, 0, path, sizeof(path));
		snprintf(want, sizeof(want), "TRUNCATE %s to %u blocks flags %u", path, nblocks, flags);
		c->smgr_truncate++;
	}
	ck_desc_has(d, want);
}

static void
check_dbase(const pg_version_info *ver, const wal_record *rec, const dump_rec *d,
			wal_kind k, payload_counts *c)
{
	uint32_t	db, ts, src_db, src_ts, n;
	const uint8_t *tss;
	rw_error	err;
	char		want[256];

	if (k == WK_DBASE_DROP)
	{
		uint32_t	t;

		ck_assert_msg(walrec_dbase_drop(ver, rec, &db, &n, &tss, &err), "%s", err.msg);
		ck_assert_uint_ge(n, 1);
		memcpy(&t, tss, 4);
		snprintf(want, sizeof(want), "DROP dir %u/%u", t, db);
		c->db_drop++;
	}
	else
	{
		ck_assert_msg(walrec_dbase_create(ver, rec, &db, &ts, &src_db, &src_ts, &err), "%s", err.msg);
		if (k == WK_DBASE_CREATE_COPY)
			snprintf(want, sizeof(want), "copy dir %u/%u to %u/%u", src_ts, src_db, ts, db);
		else
			snprintf(want, sizeof(want), "create dir %u/%u", ts, db);
		c->db_copy += k == WK_DBASE_CREATE_COPY;
		c->db_wal_log += k == WK_DBASE_CREATE_WAL_LOG;
	}
	ck_desc_has(d, want);
}

static void
check_xlog(const pg_version_info *ver, const wal_record *rec, const dump_rec *d,
		   wal_kind k, payload_counts *c)
{
	rw_error	err;
	char		want[256];

	if (k == WK_END_OF_RECOVERY)
	{
		uint32_t	tli, prev;

		ck_assert_msg(walrec_end_of_recovery(ver, rec, &tli, &prev, &err), "%s", err.msg);
		snprintf(want, sizeof(want), "END_OF_RECOVERY tli %u; prev tli %u;", tli, prev);
		c->end_of_recovery++;
	}
	else
	{
		pg_checkpoint cp;

		ck_assert_msg(walrec_checkpoint(ver, rec, &cp, &err), "%s", err.msg);
		snprintf(want, sizeof(want), "redo " LSN_FMT "; tli %u; prev tli %u; fpw %s; xid %u:%u; oid %u; multi %u; offset %u; oldest xid %u in DB %u;",
				 LSN_ARGS(cp.redo), cp.tli, cp.prev_tli, cp.full_page_writes ? "true" : "false",
				 (unsigned) (cp.next_xid >> 32), (unsigned) cp.next_xid, cp.next_oid,
				 cp.next_multi, cp.next_multi_offset, cp.oldest_xid, cp.oldest_xid_db);
		c->checkpoints++;
	}
	ck_desc_has(d, want);
}

/* Decode the payload of every record a rewind interprets; compare with the desc text. */
static void
check_payloads(fixture *f, const waldump *d, payload_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < d->nrecs; i++)
	{
		const wal_record *rec;
		rw_error	err;
		wal_kind	k;

		if (strcmp(d->recs[i].rmgr, "Heap") == 0 || strcmp(d->recs[i].rmgr, "Btree") == 0)
			continue;			/* nothing to decode; keeps the test fast */
		ck_assert_int_eq(read_at(f->reader, d->recs[i].lsn, &rec, &err), WAL_READ_OK);
		k = walrec_kind(f->ver, rec);
		switch (k)
		{
			case WK_XACT_COMMIT:
			case WK_XACT_ABORT:
			case WK_XACT_COMMIT_PREPARED:
			case WK_XACT_ABORT_PREPARED:
				check_xact(f->ver, rec, &d->recs[i], k, c);
				break;
			case WK_SMGR_CREATE:
			case WK_SMGR_TRUNCATE:
				check_storage(rec, &d->recs[i], k, c);
				break;
			case WK_DBASE_CREATE_COPY:
			case WK_DBASE_CREATE_WAL_LOG:
			case WK_DBASE_DROP:
				check_dbase(f->ver, rec, &d->recs[i], k, c);
				break;
			case WK_CHECKPOINT_SHUTDOWN:
			case WK_CHECKPOINT_ONLINE:
			case WK_END_OF_RECOVERY:
				check_xlog(f->ver, rec, &d->recs[i], k, c);
				break;
			case WK_HEAP2_MULTI_INSERT:
				{
					uint32_t	nt;
					char		want[64];

					ck_assert_msg(walrec_multi_insert_ntuples(rec, &nt, &err), "%s", err.msg);
					snprintf(want, sizeof(want), " %u tuples", nt);
					ck_desc_has(&d->recs[i], want);
					c->multi_insert++;
				}
				break;
			default:
				break;
		}
	}
}

START_TEST(test_fixture_pg15_payloads)
{
	fixture		f;
	waldump		d;
	payload_counts c;

	fixture_open(&f, "pg15");
	waldump_load(&d, "pg15", 10000);
	check_payloads(&f, &d, &c);
	ck_assert_int_gt(c.checkpoints, 2);
	ck_assert_int_gt(c.commits, 10);
	ck_assert_int_gt(c.aborts, 0);
	ck_assert_int_eq(c.commit_prepared, 1);
	ck_assert_int_eq(c.abort_prepared, 1);
	ck_assert_int_eq(c.with_gid, 2);
	ck_assert_int_gt(c.with_subxacts, 0);
	ck_assert_int_gt(c.with_rels, 1);
	ck_assert_int_gt(c.smgr_create, 10);
	ck_assert_int_gt(c.smgr_truncate, 0);
	ck_assert_int_gt(c.db_copy, 0);
	ck_assert_int_gt(c.db_wal_log, 0);
	ck_assert_int_gt(c.db_drop, 0);
	ck_assert_int_gt(c.multi_insert, 0);
	waldump_free(&d);
	walreader_free(f.reader);
}
END_TEST

/* The last checkpoint in pg_control decodes to the same values from WAL. */
static void
check_control_checkpoint(fixture *f, const char *name)
{
	const wal_record *rec;
	rw_error	err;
	pg_checkpoint cp;
	const pg_checkpoint *cc = &f->control.ckpt;
	char		v[32];

	ck_assert_uint_eq(f->control.checkpoint, info_lsn(name, "CHECKPOINT_LSN"));
	ck_assert_int_eq(read_at(f->reader, f->control.checkpoint, &rec, &err), WAL_READ_OK);
	ck_assert_int_eq(walrec_kind(f->ver, rec), WK_CHECKPOINT_SHUTDOWN);
	ck_assert_msg(walrec_checkpoint(f->ver, rec, &cp, &err), "%s", err.msg);
	ck_assert_uint_eq(cp.redo, info_lsn(name, "REDO_LSN"));
	ck_assert_uint_eq(cp.redo, f->control.checkpoint);	/* shutdown checkpoint */
	info_get(name, "CHECKPOINT_TLI", v, sizeof(v));
	ck_assert_uint_eq(cp.tli, (uint32_t) strtoul(v, NULL, 10));
	info_get(name, "NEXT_OID", v, sizeof(v));
	ck_assert_uint_eq(cp.next_oid, (uint32_t) strtoul(v, NULL, 10));
	ck_assert_uint_eq(cp.redo, cc->redo);
	ck_assert_uint_eq(cp.tli, cc->tli);
	ck_assert_uint_eq(cp.prev_tli, cc->prev_tli);
	ck_assert_int_eq(cp.full_page_writes, cc->full_page_writes);
	ck_assert_uint_eq(cp.next_xid, cc->next_xid);
	ck_assert_uint_eq(cp.next_multi, cc->next_multi);
	ck_assert_uint_eq(cp.oldest_xid, cc->oldest_xid);
	ck_assert_int_eq(cp.time, cc->time);
	ck_assert_uint_eq(cp.oldest_active_xid, cc->oldest_active_xid);
	ck_assert_int_eq(rec->page_tli, cp.tli);
}

START_TEST(test_fixture_pg15_checkpoint)
{
	fixture		f;

	fixture_open(&f, "pg15");
	check_control_checkpoint(&f, "pg15");
	walreader_free(f.reader);
}
END_TEST

/* Damage copies of real pages and check each is reported, never crashes. */
START_TEST(test_fixture_pg15_damaged)
{
	fixture		f;
	waldump		d;
	mem_source	m;
	wal_reader *r;
	wal_page_reader pr = {mem_read_page, &m};
	const wal_record *rec;
	rw_error	err;
	const dump_rec *small = NULL, *spanning = NULL;
	char		path[64], name[WAL_FILE_NAME_LEN + 1], want[160];
	size_t		len;
	uint64_t	segno;
	uint8_t    *orig;

	fixture_open(&f, "pg15");
	waldump_load(&d, "pg15", 10000);
	/* a segment from the middle, and records in it */
	segno = lsn_segno(d.recs[d.nrecs / 2].lsn, f.src.segsize);
	for (size_t i = d.nrecs / 2; i < d.nrecs && (!small || !spanning); i++)
	{
		const dump_rec *x = &d.recs[i];
		lsn_t		last = x->lsn + x->tot_len - 1;

		/* both wholly inside this segment; spanning crosses one page boundary */
		if (lsn_segno(x->lsn, f.src.segsize) != segno ||
			lsn_segno(last + PAGE, f.src.segsize) != segno)
			continue;
		if (!small && x->tot_len > 40 && x->lsn / PAGE == last / PAGE)
			small = x;
		if (!spanning && x->tot_len < 4000 && x->lsn / PAGE != last / PAGE)
			spanning = x;
	}
	ck_assert(small && spanning);
	wal_file_name(name, 1, segno, f.src.segsize);
	snprintf(path, sizeof(path), "pg15/wal/%s", name);
	memset(&m, 0, sizeof(m));
	m.data = fixture_read(path, &len);
	m.len = len;
	m.base = segno_start(segno, f.src.segsize);
	orig = xmalloc(len);
	memcpy(orig, m.data, len);
	r = walreader_new(f.ver, f.control.system_identifier, f.src.segsize, PAGE, pr);

	ck_assert_int_eq(read_at(r, small->lsn, &rec, &err), WAL_READ_OK);
	ck_assert_int_eq(read_at(r, spanning->lsn, &rec, &err), WAL_READ_OK);

	/* one flipped payload byte */
	m.data[small->lsn - m.base + small->tot_len - 1] ^= 0x01;
	ck_assert_int_eq(read_at(r, small->lsn, &rec, &err), WAL_READ_END);
	snprintf(want, sizeof(want), "incorrect resource manager data checksum in record at " LSN_FMT,
			 LSN_ARGS(small->lsn));
	ck_assert_str_eq(err.msg, want);
	memcpy(m.data, orig, len);

	/* xl_tot_len 0 */
	memset(m.data + (small->lsn - m.base), 0, 4);
	ck_assert_int_eq(read_at(r, small->lsn, &rec, &err), WAL_READ_END);
	snprintf(want, sizeof(want), "invalid record length at " LSN_FMT ": wanted 24, got 0",
			 LSN_ARGS(small->lsn));
	ck_assert_str_eq(err.msg, want);
	memcpy(m.data, orig, len);

	/* the continuation page zeroed, then missing */
	{
		lsn_t		cont = spanning->lsn - spanning->lsn % PAGE + PAGE;

		memset(m.data + (cont - m.base), 0, PAGE);
		ck_assert_int_eq(read_at(r, spanning->lsn, &rec, &err), WAL_READ_END);
		snprintf(want, sizeof(want), "invalid magic number 0000 in WAL segment %.16s, LSN " LSN_FMT ", offset %u",
				 name + 8, LSN_ARGS(cont), lsn_segment_offset(cont, f.src.segsize));
		ck_assert_str_eq(err.msg, want);
		memcpy(m.data, orig, len);
		m.missing = cont;
		ck_assert_int_eq(read_at(r, spanning->lsn, &rec, &err), WAL_READ_ERROR);
		ck_assert_int_eq(err.kind, RW_EMISSING);
		m.missing = 0;

		/* a stale page: pageaddr from an older use of the segment */
		m.data[cont - m.base + 11] ^= 0x01;
		ck_assert_int_eq(read_at(r, spanning->lsn, &rec, &err), WAL_READ_END);
		ck_assert_msg_has(&err, "unexpected pageaddr ");
		memcpy(m.data, orig, len);
	}
	ck_assert_int_eq(read_at(r, spanning->lsn, &rec, &err), WAL_READ_OK);
	walreader_free(r);
	free(orig);
	free(m.data);
	waldump_free(&d);
	walreader_free(f.reader);
}
END_TEST

START_TEST(test_fixture_promoted)
{
	fixture		f;
	waldump		d;
	scan_stats	st;
	payload_counts c;
	const wal_record *rec;
	rw_error	err;
	size_t		len;
	uint8_t    *hist;
	lsn_t		first;

	fixture_open(&f, "pg15-promoted");
	ck_assert_uint_eq(f.src.tlis[0], 2);
	hist = fixture_read("pg15-promoted/wal/00000002.history", &len);
	ck_assert_ptr_nonnull(hist);
	free(hist);
	waldump_load(&d, "pg15-promoted", 100);
	first = info_lsn("pg15-promoted", "FIRST_LSN");
	scan_compare(&f, &d, first, &st);
	ck_assert_int_eq(st.end_status, WAL_READ_END);
	check_payloads(&f, &d, &c);
	ck_assert_int_eq(c.end_of_recovery, 1);
	check_control_checkpoint(&f, "pg15-promoted");

	/* from the last record of timeline 1 into the first of timeline 2 */
	ck_assert_int_eq(read_at(f.reader, d.recs[0].prev, &rec, &err), WAL_READ_OK);
	ck_assert_int_eq(walreader_next(f.reader, &rec, &err), WAL_READ_OK);
	ck_assert_uint_eq(rec->lsn, d.recs[0].lsn);
	ck_assert_int_eq(walrec_kind(f.ver, rec), WK_END_OF_RECOVERY);
	waldump_free(&d);
	walreader_free(f.reader);
}
END_TEST

extern Suite *walreader_suite(void);

Suite *walreader_suite(void)
{
	Suite	   *s = suite_create("walreader");
	TCase	   *tc = tcase_create("synthetic");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_syn_records_and_blocks);
	tcase_add_test(tc, test_syn_images);
	tcase_add_test(tc, test_syn_split_header_and_long_record);
	tcase_add_test(tc, test_syn_segment_crossing_and_switch);
	tcase_add_test(tc, test_syn_page_header_errors);
	tcase_add_test(tc, test_syn_long_header_mismatch);
	tcase_add_test(tc, test_syn_record_header_errors);
	tcase_add_test(tc, test_syn_custom_rmgr);
	tcase_add_loop_test(tc, test_syn_bad_fragments, 0,
						(int) (sizeof(bad_bodies) / sizeof(bad_bodies[0])));
	tcase_add_test(tc, test_syn_compressed_image_per_version);
	tcase_add_test(tc, test_syn_overwrite_contrecord);
	tcase_add_test(tc, test_syn_random_damage);
	suite_add_tcase(s, tc);
	return s;
}

extern Suite *walreader_fixture_suite(void);

Suite *walreader_fixture_suite(void)
{
	Suite	   *s = suite_create("walreader_fixture");
	TCase	   *tc = tcase_create("pg15");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_fixture_pg15_every_record);
	tcase_add_test(tc, test_fixture_pg15_find_first);
	tcase_add_test(tc, test_fixture_pg15_payloads);
	tcase_add_test(tc, test_fixture_pg15_checkpoint);
	tcase_add_test(tc, test_fixture_pg15_damaged);
	tcase_add_test(tc, test_fixture_promoted);
	suite_add_tcase(s, tc);
	return s;
}
