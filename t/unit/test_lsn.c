/*
 * Unit tests of LSNs, segment numbers and WAL file names (lib/lsn.c).
 * Memory only.
 */

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "lsn.h"

#define MiB (1u << 20)
#define GiB (1u << 30)

START_TEST(parse_forms)
{
	lsn_t		l;

	ck_assert(lsn_parse("0/18B1420", &l));
	ck_assert_uint_eq(l, 0x18B1420);
	ck_assert(lsn_parse("0/018B13A8", &l));	/* pg_waldump padding */
	ck_assert_uint_eq(l, 0x18B13A8);
	ck_assert(lsn_parse("00000005/abcdef12", &l));
	ck_assert_uint_eq(l, UINT64_C(0x5ABCDEF12));
	ck_assert(lsn_parse("FFFFFFFF/FFFFFFFF", &l));
	ck_assert_uint_eq(l, UINT64_MAX);
	ck_assert(lsn_parse("0/0", &l));
	ck_assert_uint_eq(l, 0);
}
END_TEST

START_TEST(parse_rejects)
{
	static const char *const bad[] = {
		"", "/", "0/", "/0", "0", "0x0/1", "1/G", "0/1 ", " 0/1", "0/1/2",
		"100000000/0", "0/100000000", "-1/0", "0/+1",
	};
	lsn_t		l = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!lsn_parse(bad[i], &l), "accepted \"%s\"", bad[i]);
	ck_assert_uint_eq(l, 42);
}
END_TEST

START_TEST(format_roundtrip)
{
	static const lsn_t vals[] = {0, 0x3E8, 0x18B1420, UINT64_C(0x5ABCDEF12),
	UINT64_MAX};
	char		buf[32];
	lsn_t		back;

	snprintf(buf, sizeof(buf), LSN_FMT, LSN_ARGS(UINT64_C(0x18B1420)));
	ck_assert_str_eq(buf, "0/18B1420");
	snprintf(buf, sizeof(buf), LSN_FMT, LSN_ARGS(UINT64_C(0xFF0000000A)));
	ck_assert_str_eq(buf, "FF/A");
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
	{
		snprintf(buf, sizeof(buf), LSN_FMT, LSN_ARGS(vals[i]));
		ck_assert(lsn_parse(buf, &back));
		ck_assert_uint_eq(back, vals[i]);
	}
}
END_TEST

START_TEST(segsize_valid)
{
	ck_assert(wal_segsize_valid(MiB));
	ck_assert(wal_segsize_valid(16 * MiB));
	ck_assert(wal_segsize_valid(64 * MiB));
	ck_assert(wal_segsize_valid(GiB));
	ck_assert(!wal_segsize_valid(0));
	ck_assert(!wal_segsize_valid(MiB / 2));
	ck_assert(!wal_segsize_valid(2 * GiB));
	ck_assert(!wal_segsize_valid(3 * MiB));
	ck_assert(!wal_segsize_valid(16 * MiB + 1));
}
END_TEST

/*
 * LSNs and the segment that holds them, worked out by hand from the naming
 * rule: timeline, then the segment number as two 8-digit hex halves (the
 * high half counts 4 GB of WAL), and the offset within the segment.
 */
typedef struct seg_example {
	uint32_t	segsize;
	lsn_t		lsn;
	const char *file;
	uint32_t	offset;
} seg_example;

static const seg_example examples[] = {
	{16 * MiB, UINT64_C(0x18B1420), "000000010000000000000001", 0x8B1420},
	{64 * MiB, UINT64_C(0x5ABCDEF12), "00000001000000050000002A", 63827730},
	{64 * MiB, UINT64_C(0xFFFFFFFFFF), "00000001000000FF0000003F", 64 * MiB - 1},
	{MiB, UINT64_C(0x12345678), "000000010000000000000123", 0x45678},
	{GiB, UINT64_C(0x2C0000000), "000000010000000200000003", 0},
};

START_TEST(segment_examples)
{
	const seg_example *e = &examples[_i];
	char		name[WAL_FILE_NAME_LEN + 1];
	uint64_t	segno = lsn_segno(e->lsn, e->segsize);
	uint32_t	tli;
	uint64_t	back;

	wal_file_name(name, 1, segno, e->segsize);
	ck_assert_str_eq(name, e->file);
	ck_assert_uint_eq(lsn_segment_offset(e->lsn, e->segsize), e->offset);
	ck_assert_uint_eq(segno_start(segno, e->segsize) + e->offset, e->lsn);
	ck_assert(wal_file_name_parse(e->file, e->segsize, &tli, &back));
	ck_assert_uint_eq(tli, 1);
	ck_assert_uint_eq(back, segno);
}
END_TEST

START_TEST(segno_end_rule)
{
	/* pg_walfile_name('0/4000000') on 64 MiB is segment 0 */
	ck_assert_uint_eq(lsn_segno_of_end(0x4000000, 64 * MiB), 0);
	ck_assert_uint_eq(lsn_segno(0x4000000, 64 * MiB), 1);
	ck_assert_uint_eq(lsn_segno_of_end(0x4000001, 64 * MiB), 1);
	ck_assert_uint_eq(lsn_segno_of_end(0x1000028, 16 * MiB), 1);
	ck_assert_uint_eq(lsn_segno_of_end(0, 16 * MiB), 0);
	ck_assert_uint_eq(segno_start(1, 16 * MiB), 0x1000000);
	ck_assert_uint_eq(lsn_segno(UINT64_C(0x100000000), 16 * MiB), 256);
}
END_TEST

START_TEST(file_name_roundtrip)
{
	static const uint32_t sizes[] = {MiB, 16 * MiB, 64 * MiB, GiB};
	static const uint64_t segnos[] = {0, 1, 3, 255, 256, 4095, 4096, 1000000};

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (size_t i = 0; i < sizeof(segnos) / sizeof(segnos[0]); i++)
		{
			char		name[WAL_FILE_NAME_LEN + 1];
			uint32_t	tli;
			uint64_t	segno;

			wal_file_name(name, 0xA, segnos[i], sizes[s]);
			ck_assert_uint_eq(strlen(name), WAL_FILE_NAME_LEN);
			ck_assert(wal_file_name_parse(name, sizes[s], &tli, &segno));
			ck_assert_uint_eq(tli, 0xA);
			ck_assert_uint_eq(segno, segnos[i]);
		}
}
END_TEST

START_TEST(file_name_rejects)
{
	uint32_t	tli;
	uint64_t	segno;

	/* seg part out of range for the size */
	ck_assert(!wal_file_name_parse("000000010000000000000100", 16 * MiB, &tli, &segno));
	ck_assert(wal_file_name_parse("0000000100000000000000FF", 16 * MiB, &tli, &segno));
	ck_assert(!wal_file_name_parse("000000010000000000000040", 64 * MiB, &tli, &segno));
	ck_assert(!wal_file_name_parse("000000010000000000000004", GiB, &tli, &segno));
	/* wrong length or characters */
	ck_assert(!wal_file_name_parse("00000001000000000000001", 16 * MiB, &tli, &segno));
	ck_assert(!wal_file_name_parse("0000000100000000000000010", 16 * MiB, &tli, &segno));
	ck_assert(!wal_file_name_parse("00000001000000000000000G", 16 * MiB, &tli, &segno));
	ck_assert(!wal_file_name_parse("000000010000000000000001.partial", 16 * MiB,
								   &tli, &segno));
	ck_assert(!wal_file_name_parse("00000002.history", 16 * MiB, &tli, &segno));
}
END_TEST

START_TEST(history_names)
{
	char		name[17];
	uint32_t	tli;

	wal_history_name(name, 2);
	ck_assert_str_eq(name, "00000002.history");
	wal_history_name(name, 0xABCDEF01);
	ck_assert_str_eq(name, "ABCDEF01.history");
	ck_assert(wal_history_name_parse("0000000A.history", &tli));
	ck_assert_uint_eq(tli, 10);
	ck_assert(wal_history_name_parse(name, &tli));
	ck_assert_uint_eq(tli, 0xABCDEF01);
	ck_assert(!wal_history_name_parse("0000000A.histor", &tli));
	ck_assert(!wal_history_name_parse("000000A.history", &tli));
	ck_assert(!wal_history_name_parse("0000000G.history", &tli));
	ck_assert(!wal_history_name_parse("0000000A.history.tmp", &tli));
	ck_assert(!wal_history_name_parse("000000010000000000000001", &tli));
}
END_TEST

extern Suite *lsn_suite(void);

Suite *lsn_suite(void)
{
	Suite	   *s = suite_create("lsn");
	TCase	   *tc = tcase_create("core");

	tcase_add_test(tc, parse_forms);
	tcase_add_test(tc, parse_rejects);
	tcase_add_test(tc, format_roundtrip);
	tcase_add_test(tc, segsize_valid);
	tcase_add_loop_test(tc, segment_examples, 0,
						(int) (sizeof(examples) / sizeof(examples[0])));
	tcase_add_test(tc, segno_end_rule);
	tcase_add_test(tc, file_name_roundtrip);
	tcase_add_test(tc, file_name_rejects);
	tcase_add_test(tc, history_names);
	suite_add_tcase(s, tc);
	return s;
}
