/*
 * The JSON writer: nesting, commas, and string escaping.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

/* Run the writer into a string; the caller frees it. */
typedef void (*json_body) (json_writer *w);

static char *
render(json_body body)
{
	char	   *buf = NULL;
	size_t		len = 0;
	FILE	   *mem = open_memstream(&buf, &len);
	json_writer w;

	ck_assert_ptr_nonnull(mem);
	json_init(&w, mem);
	body(&w);
	fclose(mem);
	return buf;
}

static const char *escape_input;

static void
one_string(json_writer *w)
{
	json_string(w, escape_input);
}

static void
assert_escaped(const char *in, const char *want)
{
	char	   *got;

	escape_input = in;
	got = render(one_string);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(escaping)
{
	assert_escaped("plain", "\"plain\"");
	assert_escaped("a\"b\\c", "\"a\\\"b\\\\c\"");
	assert_escaped("tab\there\nnl\rcr", "\"tab\\there\\nnl\\rcr\"");
	assert_escaped("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	assert_escaped("/slash", "\"/slash\"");
	/* valid UTF-8 passes through: é, €, U+1F600 */
	assert_escaped("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* invalid bytes, truncated and overlong sequences, surrogates */
	assert_escaped("a\xff" "b", "\"a\\ufffdb\"");
	assert_escaped("\xc3", "\"\\ufffd\"");
	assert_escaped("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	assert_escaped("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	assert_escaped("", "\"\"");
}
END_TEST

static void
nested(json_writer *w)
{
	json_begin_object(w);
	json_kv_string(w, "s", "x");
	json_kv_uint(w, "u", UINT64_C(18446744073709551615));
	json_key(w, "i");
	json_int(w, -5);
	json_kv_bool(w, "b", false);
	json_key(w, "n");
	json_string(w, NULL);
	json_key(w, "empty");
	json_begin_array(w);
	json_end_array(w);
	json_key(w, "a");
	json_begin_array(w);
	json_uint(w, 1);
	json_begin_object(w);
	json_end_object(w);
	json_raw(w, "{\"r\": 1}\n");
	json_raw(w, NULL);
	json_end_array(w);
	json_end_object(w);
}

START_TEST(structure)
{
	char	   *got = render(nested);

	ck_assert_str_eq(got,
					 "{\n"
					 "  \"s\": \"x\",\n"
					 "  \"u\": 18446744073709551615,\n"
					 "  \"i\": -5,\n"
					 "  \"b\": false,\n"
					 "  \"n\": null,\n"
					 "  \"empty\": [],\n"
					 "  \"a\": [\n"
					 "    1,\n"
					 "    {},\n"
					 "    {\"r\": 1},\n"
					 "    null\n"
					 "  ]\n"
					 "}\n");
	free(got);
}
END_TEST

extern Suite *json_suite(void);

Suite *json_suite(void)
{
	Suite	   *s = suite_create("json");
	TCase	   *tc = tcase_create("writer");

	tcase_add_test(tc, escaping);
	tcase_add_test(tc, structure);
	suite_add_tcase(s, tc);
	return s;
}
