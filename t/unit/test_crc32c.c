/*
 * CRC-32C: published check values, a bit-at-a-time reference on many
 * lengths and alignments (covers whichever path the CPU selects), and the
 * CRC of a real pg_control file.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "testutil.h"

static uint32_t
crc_reference(const uint8_t *p, size_t len)
{
	uint32_t	c = 0xFFFFFFFFu;

	while (len-- > 0)
	{
		c ^= *p++;
		for (int i = 0; i < 8; i++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
	}
	return c ^ 0xFFFFFFFFu;
}

START_TEST(test_check_values)
{
	uint8_t		buf[32];

	ck_assert_uint_eq(crc32c("123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(crc32c("", 0), 0);
	/* RFC 3720 (iSCSI) test vectors */
	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(crc32c(buf, 32), 0x8A9136AAu);
	memset(buf, 0xFF, sizeof(buf));
	ck_assert_uint_eq(crc32c(buf, 32), 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t) i;
	ck_assert_uint_eq(crc32c(buf, 32), 0x46DD794Eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t) (31 - i);
	ck_assert_uint_eq(crc32c(buf, 32), 0x113FDB5Cu);
}
END_TEST

START_TEST(test_against_reference)
{
	uint8_t    *buf = malloc(4096 + 16);
	unsigned	seed = 7;

	for (int i = 0; i < 4096 + 16; i++)
		buf[i] = (uint8_t) rand_r(&seed);
	for (size_t off = 0; off < 9; off++)
		for (size_t len = 0; len < 300; len++)
			ck_assert_uint_eq(crc32c(buf + off, len), crc_reference(buf + off, len));
	ck_assert_uint_eq(crc32c(buf + 3, 4096), crc_reference(buf + 3, 4096));
	free(buf);
}
END_TEST

/*
 * Lengths around the three-stream path's rounds (768 bytes each): one
 * round and a tail, several rounds, a WAL page and a full-page image.
 */
START_TEST(test_long_against_reference)
{
	size_t		max = 3 * 8192 + 16;
	uint8_t    *buf = malloc(max);
	unsigned	seed = 11;

	for (size_t i = 0; i < max; i++)
		buf[i] = (uint8_t) rand_r(&seed);
	for (size_t off = 0; off < 3; off++)
		for (size_t len = 700; len < 2400; len++)
			ck_assert_uint_eq(crc32c(buf + off, len), crc_reference(buf + off, len));
	ck_assert_uint_eq(crc32c(buf + 5, 8192), crc_reference(buf + 5, 8192));
	ck_assert_uint_eq(crc32c(buf + 1, 3 * 8192 + 7), crc_reference(buf + 1, 3 * 8192 + 7));
	free(buf);
}
END_TEST

/* Feeding pieces gives the same CRC as one call, whatever the split. */
START_TEST(test_incremental)
{
	uint8_t		buf[1000];
	uint32_t	whole;

	for (int i = 0; i < 1000; i++)
		buf[i] = (uint8_t) (i * 31 + 5);
	whole = crc32c(buf, sizeof(buf));
	for (size_t cut = 0; cut <= sizeof(buf); cut += 37)
	{
		uint32_t	c = CRC32C_INIT;

		c = crc32c_update(c, buf, cut);
		c = crc32c_update(c, buf + cut, sizeof(buf) - cut);
		ck_assert_uint_eq(crc32c_final(c), whole);
	}
}
END_TEST

/* pg_control of the PostgreSQL 15 fixture: CRC of bytes 0..287 stored at 288. */
START_TEST(test_real_pg_control)
{
	size_t		len;
	uint8_t    *buf;
	uint32_t	stored;

	ck_assert_msg(fixtures_dir() != NULL,
				  "REWIND_FIXTURES is not set: run the tests with \"make unit\"");
	buf = fixture_read("pg15/pg_control", &len);
	ck_assert_msg(buf != NULL, "fixture pg15/pg_control missing");
	ck_assert_uint_eq(len, 8192);
	memcpy(&stored, buf + 288, 4);
	ck_assert_uint_eq(crc32c(buf, 288), stored);
	free(buf);
}
END_TEST

extern Suite *crc32c_suite(void);

Suite *crc32c_suite(void)
{
	Suite	   *s = suite_create("crc32c");
	TCase	   *tc = tcase_create("crc32c");

	tcase_add_test(tc, test_check_values);
	tcase_add_test(tc, test_against_reference);
	tcase_add_test(tc, test_long_against_reference);
	tcase_add_test(tc, test_incremental);
	tcase_add_test(tc, test_real_pg_control);
	suite_add_tcase(s, tc);
	return s;
}
