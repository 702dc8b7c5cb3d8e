/*
 * The pure helpers shared by every layer: path_parent (lib/pathname.h) and
 * byte_size_format (lib/byte_size.h).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "byte_size.h"
#include "pathname.h"

START_TEST(parent_of)
{
	static const char *const cases[][2] = {
		{"a/b/c", "a/b"}, {"/srv/pg/data", "/srv/pg"}, {"/data", "/"},
		{"base", "."}, {"base/1/1259", "base/1"}, {"", "."},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		char	   *p = path_parent(cases[i][0]);

		ck_assert_msg(strcmp(p, cases[i][1]) == 0, "parent of \"%s\": \"%s\"",
					  cases[i][0], p);
		free(p);
	}
}
END_TEST

START_TEST(byte_sizes)
{
	static const struct {
		uint64_t	bytes;
		const char *text;
	}			cases[] = {
		{0, "0 kB"}, {1, "1 kB"}, {4096, "4 kB"}, {4097, "5 kB"},
		{(UINT64_C(10) << 20) - 1, "10240 kB"}, {UINT64_C(10) << 20, "10.0 MB"},
		{UINT64_C(15) << 19, "7680 kB"}, {UINT64_C(31) << 19, "15.5 MB"},
		{UINT64_C(10) << 30, "10.0 GB"}, {UINT64_C(5) << 40, "5120.0 GB"},
	};
	char		buf[BYTE_SIZE_LEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		byte_size_format(buf, sizeof(buf), cases[i].bytes);
		ck_assert_str_eq(buf, cases[i].text);
	}
	byte_size_format(buf, sizeof(buf), UINT64_MAX);
	ck_assert_ptr_nonnull(strstr(buf, " GB"));
}
END_TEST

extern Suite *pathname_suite(void);

Suite *
pathname_suite(void)
{
	Suite	   *s = suite_create("pathname");
	TCase	   *tc = tcase_create("core");

	tcase_add_test(tc, parent_of);
	tcase_add_test(tc, byte_sizes);
	suite_add_tcase(s, tc);
	return s;
}
