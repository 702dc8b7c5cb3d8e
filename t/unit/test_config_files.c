/*
 * Unit tests of the configuration files a rewind keeps and their settings
 * (src/config/config_files.c).  Writes files in a mkdtemp directory only.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_files.h"
#include "xalloc.h"

START_TEST(settings_parsed)
{
	const char *text = "# comment\n"
		"Max_Connections = 30   # trailing\n"
		"work_mem '8MB'\n"
		"restore_command = 'cp ''a b''/%f %p'\n"
		"include 'x.conf'\n"
		"max_connections=40\n"
		"\n";
	config_settings s = {0};

	config_parse_settings(text, strlen(text), &s);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_str_eq(config_get(&s, "max_connections"), "40");
	ck_assert_str_eq(config_get(&s, "work_mem"), "8MB");
	ck_assert_str_eq(config_get(&s, "restore_command"), "cp 'a b'/%f %p");
	ck_assert_ptr_null(config_get(&s, "include"));
	config_settings_free(&s);
}
END_TEST

static void
write_file(const char *dir, const char *name, const char *text)
{
	char	   *path = xasprintf("%s/%s", dir, name);
	FILE	   *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

START_TEST(included_files_inside_pgdata)
{
	char		dir[] = "/tmp/rewind-conf-XXXXXX";
	char	   *sub;
	char	   *conf;
	str_list	files = {0};
	rw_error	err;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	sub = xasprintf("%s/conf.d", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	conf = xasprintf("include 'a.conf'\ninclude_if_exists = 'missing.conf'\n"
					 "include_dir 'conf.d'\ninclude '/etc/outside.conf'\n"
					 "include '%s/abs.conf'\n", dir);
	write_file(dir, "postgresql.conf", conf);
	write_file(dir, "a.conf", "include 'nested.conf'\n");
	write_file(dir, "nested.conf", "work_mem = 1MB\n");
	write_file(dir, "abs.conf", "");
	write_file(sub, "10-x.conf", "");
	write_file(sub, "ignored.txt", "");
	ck_assert(config_target_files(dir, &files, &err));
	ck_assert(str_list_contains(&files, "postgresql.conf"));
	ck_assert(str_list_contains(&files, "pg_hba.conf"));
	ck_assert(str_list_contains(&files, "a.conf"));
	ck_assert(str_list_contains(&files, "nested.conf"));
	ck_assert(str_list_contains(&files, "missing.conf"));
	ck_assert(str_list_contains(&files, "abs.conf"));
	ck_assert(str_list_contains(&files, "conf.d/"));
	ck_assert(str_list_contains(&files, "conf.d/10-x.conf"));
	ck_assert(!str_list_contains(&files, "conf.d/ignored.txt"));
	ck_assert(config_is_kept(&files, "conf.d/from-source.conf"));
	ck_assert(config_is_kept_dir(&files, "conf.d"));
	ck_assert(!config_is_kept(&files, "base/1/1259"));
	ck_assert(!config_is_kept_dir(&files, "base"));
	for (size_t i = 0; i < files.n; i++)
		ck_assert_ptr_null(strstr(files.items[i], "outside"));
	str_list_free(&files);
	free(conf);
	free(sub);
	ck_assert_int_eq(system("rm -rf /tmp/rewind-conf-??????"), 0);
}
END_TEST

extern Suite *config_files_suite(void);

Suite *config_files_suite(void)
{
	Suite	   *s = suite_create("config_files");
	TCase	   *tc = tcase_create("parse");

	tcase_add_test(tc, settings_parsed);
	tcase_add_test(tc, included_files_inside_pgdata);
	suite_add_tcase(s, tc);
	return s;
}
