/*
 * Unit tests of the page-LSN scan (src/plan/pagelsn_scan.c), the page
 * header checks it uses (lib/datapage.c) and when the method may be used
 * (method_pagelsn_provable, src/plan/method.c), and the reason given when
 * auto ends on the block compare (method_reason).  Pages are laid by hand
 * after the header layout of the format notes (section 7); the data
 * checksum itself is checked against PostgreSQL's pages by
 * t/integration/field-pagelsn.t.  Writes files under /tmp.
 */

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datapage.h"
#include "plan/method.h"
#include "plan/pagelsn_scan.h"
#include "pgver.h"
#include "xalloc.h"

#define D ((lsn_t) 0x3000000)	/* the divergence point of these tests */

static void
put16(uint8_t *page, int off, uint16_t v)
{
	memcpy(page + off, &v, sizeof(v));
}

/* A valid heap page header with page LSN lsn. */
static void
lay_page(uint8_t *page, lsn_t lsn)
{
	uint32_t	hi = (uint32_t) (lsn >> 32), lo = (uint32_t) lsn;

	memset(page, 0, BLCKSZ);
	memcpy(page, &hi, 4);
	memcpy(page + 4, &lo, 4);
	put16(page, 12, 28);		/* pd_lower: one line pointer */
	put16(page, 14, 8000);		/* pd_upper */
	put16(page, 16, BLCKSZ);	/* pd_special */
	put16(page, 18, 0x2004);	/* 8 kB, layout version 4 */
	memset(page + 8000, 'x', BLCKSZ - 8000);
}

START_TEST(header)
{
	uint8_t    *p = xmalloc(BLCKSZ);

	memset(p, 0, BLCKSZ);
	ck_assert(datapage_all_zero(p));
	ck_assert(!datapage_header_valid(p));
	p[BLCKSZ - 1] = 1;
	ck_assert(!datapage_all_zero(p));

	lay_page(p, UINT64_C(0x100000028));
	ck_assert(datapage_header_valid(p));
	ck_assert_uint_eq(datapage_lsn(p), UINT64_C(0x100000028));
	ck_assert(!datapage_all_zero(p));
	put16(p, 12, 8001);			/* pd_lower > pd_upper */
	ck_assert(!datapage_header_valid(p));
	lay_page(p, 1);
	put16(p, 18, 0x2003);		/* another layout version */
	ck_assert(!datapage_header_valid(p));
	lay_page(p, 1);
	put16(p, 10, 0x8);			/* a flag PostgreSQL does not set */
	ck_assert(!datapage_header_valid(p));
	lay_page(p, 1);
	put16(p, 16, 8200);			/* special space past the page */
	ck_assert(!datapage_header_valid(p));
	lay_page(p, 1);
	put16(p, 12, 20);			/* pd_lower inside the header */
	ck_assert(!datapage_header_valid(p));
	/* a checksum is 1..65535: never the 0 of a page written without one */
	lay_page(p, 1);
	for (uint32_t b = 0; b < 64; b++)
		ck_assert_uint_ne(datapage_checksum(p, b), 0);
	free(p);
}
END_TEST

static void
write_blocks(const char *path, const uint8_t *pages, size_t nbytes)
{
	int			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, pages, nbytes), (ssize_t) nbytes);
	close(fd);
}

START_TEST(scan)
{
	char		dir[] = "/tmp/rw-pagelsn-XXXXXX";
	char	   *path;
	uint8_t    *pages = xmalloc(6 * BLCKSZ);
	file_list	files = {0};
	relfile_locator loc = {.spc = 1663, .db = 5, .rel = 16384};
	blockmap   *map = blockmap_new();
	pagelsn_stats st;
	rw_error	err;
	const uint32_t *blocks;
	size_t		n;
	static const uint32_t want[] = {1, 2, 3, 5, 131072};

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = xasprintf("mkdir -p %s/base/5", dir);
	ck_assert_int_eq(system(path), 0);
	free(path);
	lay_page(pages, 0x1000);	/* 0: before D: kept */
	lay_page(pages + BLCKSZ, D);	/* 1: at D: taken */
	memset(pages + 2 * BLCKSZ, 0, BLCKSZ);	/* 2: all zero: taken */
	lay_page(pages + 3 * BLCKSZ, 0x1000);	/* 3: bad header: taken */
	put16(pages + 3 * BLCKSZ, 14, 0);
	lay_page(pages + 4 * BLCKSZ, D - 1);	/* 4: just before D: kept */
	/* and 100 bytes of a block 5 (partial: taken) */
	path = xasprintf("%s/base/5/16384", dir);
	write_blocks(path, pages, 5 * BLCKSZ + 100);
	free(path);
	/* the second segment file: its first block is block 131072 of the fork */
	lay_page(pages, UINT64_C(0x100000000));
	path = xasprintf("%s/base/5/16384.1", dir);
	write_blocks(path, pages, BLCKSZ);
	free(path);
	/* other forks are copied whole by the plan: not read */
	memset(pages, 0, BLCKSZ);
	path = xasprintf("%s/base/5/16384_fsm", dir);
	write_blocks(path, pages, BLCKSZ);
	free(path);
	file_list_add(&files, "base/5/16384", FILE_TYPE_REGULAR, 5 * BLCKSZ + 100, NULL);
	file_list_add(&files, "base/5/16384.1", FILE_TYPE_REGULAR, BLCKSZ, NULL);
	file_list_add(&files, "base/5/16384_fsm", FILE_TYPE_REGULAR, BLCKSZ, NULL);
	file_list_add(&files, "base/5", FILE_TYPE_DIRECTORY, 0, NULL);

	ck_assert(pagelsn_scan(dir, "PG_15_202209061", &files, D, false, map, &st, &err));
	blockmap_finish(map);
	blocks = blockmap_blocks(map, loc, &n);
	ck_assert_uint_eq(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(blocks[i], want[i]);
	ck_assert_uint_eq(st.files, 2);
	ck_assert_uint_eq(st.blocks, 6);
	ck_assert_uint_eq(st.by_lsn, 2);
	ck_assert_uint_eq(st.all_zero, 1);
	ck_assert_uint_eq(st.invalid, 2);
	ck_assert_uint_eq(st.bad_checksum, 0);
	blockmap_free(map);

	/*
	 * with checksums: no page laid here carries one (0), so the four with a
	 * valid header fail it; the zero, invalid and partial blocks as before
	 */
	map = blockmap_new();
	ck_assert(pagelsn_scan(dir, "PG_15_202209061", &files, D, true, map, &st, &err));
	blockmap_finish(map);
	blockmap_blocks(map, loc, &n);
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(st.bad_checksum, 4);
	ck_assert_uint_eq(st.all_zero + st.invalid, 3);
	blockmap_free(map);

	/* a file listed but gone: an error naming it */
	map = blockmap_new();
	path = xasprintf("%s/base/5/16384.1", dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert(!pagelsn_scan(dir, "PG_15_202209061", &files, D, false, map, &st, &err));
	ck_assert_int_eq(err.kind, RW_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	free(path);
	blockmap_free(map);

	file_list_free(&files);
	free(pages);
	path = xasprintf("rm -rf %s", dir);
	ck_assert_int_eq(system(path), 0);
	free(path);
}
END_TEST

START_TEST(provable)
{
	pg_control	ctl;
	const char *basis = NULL;
	rw_error	err;

	memset(&ctl, 0, sizeof(ctl));
	ctl.state = DBSTATE_SHUTDOWNED;
	ctl.wal_level = 1;
	ctl.data_checksum_version = 1;
	ck_assert(method_pagelsn_provable(&ctl, false, &basis, &err));
	ck_assert_ptr_nonnull(strstr(basis, "data checksums"));
	ctl.data_checksum_version = 0;
	ctl.wal_log_hints = true;
	ctl.state = DBSTATE_SHUTDOWNED_IN_RECOVERY;
	ck_assert(method_pagelsn_provable(&ctl, false, &basis, &err));
	ck_assert_ptr_nonnull(strstr(basis, "wal_log_hints"));

	/* neither */
	ctl.wal_log_hints = false;
	ck_assert(!method_pagelsn_provable(&ctl, false, &basis, &err));
	ck_assert_int_eq(err.kind, RW_ESTATE);
	ck_assert_ptr_nonnull(strstr(err.msg, "neither data checksums nor wal_log_hints"));
	ck_assert_ptr_nonnull(strstr(err.hint, "Nothing was changed"));
	ctl.wal_log_hints = true;
	/* not shut down cleanly, or taken as it is */
	ctl.state = DBSTATE_IN_PRODUCTION;
	ck_assert(!method_pagelsn_provable(&ctl, false, &basis, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "in production"));
	ctl.state = DBSTATE_IN_ARCHIVE_RECOVERY;
	ck_assert(!method_pagelsn_provable(&ctl, false, &basis, &err));
	ctl.state = DBSTATE_SHUTDOWNED;
	ck_assert(!method_pagelsn_provable(&ctl, true, &basis, &err));
	/* wal_level = minimal */
	ctl.wal_level = 0;
	ck_assert(!method_pagelsn_provable(&ctl, false, &basis, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "wal_level = minimal"));
}
END_TEST

/* auto's last rung names why the others were refused; a forced compare does not */
START_TEST(compare_reason)
{
	method_choice m;
	char		buf[METHOD_REASON_MAX];

	memset(&m, 0, sizeof(m));
	m.requested = METHOD_AUTO;
	m.used = METHOD_COMPARE;
	snprintf(m.refused, sizeof(m.refused), "the target has neither");
	method_reason(&m, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "no other method could be proven: the target has neither; "));
	m.requested = METHOD_COMPARE;
	method_reason(&m, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "asked for with --method; "));
	ck_assert_ptr_null(strstr(buf, "neither"));
}
END_TEST

extern Suite *pagelsn_suite(void);

Suite *
pagelsn_suite(void)
{
	Suite	   *s = suite_create("pagelsn");
	TCase	   *tc = tcase_create("scan");

	tcase_add_test(tc, header);
	tcase_add_test(tc, scan);
	tcase_add_test(tc, provable);
	tcase_add_test(tc, compare_reason);
	suite_add_tcase(s, tc);
	return s;
}
