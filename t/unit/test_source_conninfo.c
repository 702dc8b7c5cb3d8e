/*
 * The settings every connection to the source gets, as libpq reads them
 * back: the liveness settings by default, the connection string's own when
 * it sets them (key=value and URI), PGCONNECT_TIMEOUT over the default.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "source/source_conninfo.h"
#include "xalloc.h"

extern Suite *source_conninfo_suite(void);

/* What libpq makes of the parameters: the value of keyword, malloc'd. */
static char *
effective(const char *connstr, const char *dbname, int timeout_s, const char *keyword)
{
	conn_params cp = {0};
	PGconn	   *conn;
	PQconninfoOption *opts;
	char	   *val = NULL;

	conn_params_build(&cp, connstr, dbname, timeout_s);
	/* started, never completed: a socket directory that does not exist */
	conn = PQconnectStartParams(cp.keys, cp.vals, 1);
	ck_assert_ptr_nonnull(conn);
	opts = PQconninfo(conn);
	ck_assert_ptr_nonnull(opts);
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, keyword) == 0 && o->val)
			val = xstrdup(o->val);
	PQconninfoFree(opts);
	PQfinish(conn);
	return val ? val : xstrdup("(unset)");
}

static void
expect(const char *connstr, const char *dbname, int timeout_s, const char *keyword,
	   const char *want)
{
	char	   *got = effective(connstr, dbname, timeout_s, keyword);

	ck_assert_msg(strcmp(got, want) == 0, "%s with \"%s\": got \"%s\", want \"%s\"",
				  keyword, connstr, got, want);
	free(got);
}

#define NOWHERE "host=/nonexistent/rewind-test "

START_TEST(defaults_from_the_limit)
{
	unsetenv("PGCONNECT_TIMEOUT");
	expect(NOWHERE "user=u", NULL, 180, "connect_timeout", "180");
	expect(NOWHERE "user=u", NULL, 180, "keepalives", "1");
	expect(NOWHERE "user=u", NULL, 180, "keepalives_idle", "30");
	expect(NOWHERE "user=u", NULL, 180, "keepalives_interval", "10");
	expect(NOWHERE "user=u", NULL, 180, "keepalives_count", "3");
	expect(NOWHERE "user=u", NULL, 180, "tcp_user_timeout", "180000");
	expect(NOWHERE "user=u", NULL, 180, "application_name", "(unset)");
	expect(NOWHERE "user=u", NULL, 180, "fallback_application_name", "rewind");
	/* short limits: keepalives at least a second apart */
	expect(NOWHERE "user=u", NULL, 5, "keepalives_idle", "1");
	expect(NOWHERE "user=u", NULL, 5, "keepalives_interval", "1");
	expect(NOWHERE "user=u", NULL, 5, "tcp_user_timeout", "5000");
	/* long ones: idle at most a minute */
	expect(NOWHERE "user=u", NULL, 3600, "keepalives_idle", "60");
}
END_TEST

START_TEST(connection_string_wins)
{
	static const char cs[] = NOWHERE "connect_timeout=7 keepalives=0 keepalives_idle=99 "
		"tcp_user_timeout=1234 dbname=mine";

	unsetenv("PGCONNECT_TIMEOUT");
	expect(cs, NULL, 180, "connect_timeout", "7");
	expect(cs, NULL, 180, "keepalives", "0");
	expect(cs, NULL, 180, "keepalives_idle", "99");
	expect(cs, NULL, 180, "tcp_user_timeout", "1234");
	expect(cs, NULL, 180, "keepalives_count", "3");
	expect(cs, NULL, 180, "dbname", "mine");
	/* another database of the same source */
	expect(cs, "other", 180, "dbname", "other");
	expect(cs, "other", 180, "connect_timeout", "7");
}
END_TEST

START_TEST(uri_wins)
{
	static const char uri[] =
		"postgresql://u@%2Fnonexistent%2Frewind-test/db?connect_timeout=9&tcp_user_timeout=500";

	unsetenv("PGCONNECT_TIMEOUT");
	expect(uri, NULL, 180, "connect_timeout", "9");
	expect(uri, NULL, 180, "tcp_user_timeout", "500");
	expect(uri, NULL, 180, "keepalives_idle", "30");
	expect(uri, NULL, 180, "dbname", "db");
}
END_TEST

START_TEST(environment_connect_timeout)
{
	setenv("PGCONNECT_TIMEOUT", "11", 1);
	expect(NOWHERE "user=u", NULL, 180, "connect_timeout", "11");
	expect(NOWHERE "user=u connect_timeout=4", NULL, 180, "connect_timeout", "4");
	unsetenv("PGCONNECT_TIMEOUT");
}
END_TEST

Suite *source_conninfo_suite(void)
{
	Suite	   *s = suite_create("source_conninfo");
	TCase	   *tc = tcase_create("core");

	tcase_add_test(tc, defaults_from_the_limit);
	tcase_add_test(tc, connection_string_wins);
	tcase_add_test(tc, uri_wins);
	tcase_add_test(tc, environment_connect_timeout);
	suite_add_tcase(s, tc);
	return s;
}
