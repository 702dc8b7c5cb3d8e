/*
 * The keywords a connection to the source is opened with: the connection
 * string as given, plus timeouts and keepalives unless it sets its own.
 * Pure: strings only; opens no connection.
 */

#include "source/source_conninfo.h"

#include <stdio.h>
#include <stdlib.h>

void
conn_params_build(conn_params *cp, const char *connstr, const char *dbname, int timeout_s)
{
	int			idle = timeout_s / 6 < 1 ? 1 : timeout_s / 6 > 60 ? 60 : timeout_s / 6;
	int			interval = idle / 3 < 1 ? 1 : idle / 3;
	const char *env_connect = getenv("PGCONNECT_TIMEOUT");
	int			n = 0;

	snprintf(cp->buf[0], sizeof(cp->buf[0]), "%d", timeout_s);
	snprintf(cp->buf[1], sizeof(cp->buf[1]), "%d", idle);
	snprintf(cp->buf[2], sizeof(cp->buf[2]), "%d", interval);
	snprintf(cp->buf[3], sizeof(cp->buf[3]), "%d", timeout_s * 1000);
	cp->keys[n] = "connect_timeout";
	cp->vals[n++] = env_connect != NULL && env_connect[0] != '\0' ? env_connect : cp->buf[0];
	cp->keys[n] = "keepalives";
	cp->vals[n++] = "1";
	cp->keys[n] = "keepalives_idle";
	cp->vals[n++] = cp->buf[1];
	cp->keys[n] = "keepalives_interval";
	cp->vals[n++] = cp->buf[2];
	cp->keys[n] = "keepalives_count";
	cp->vals[n++] = "3";
	cp->keys[n] = "tcp_user_timeout";
	cp->vals[n++] = cp->buf[3];
	/* expanded: its own settings replace the ones above */
	cp->keys[n] = "dbname";
	cp->vals[n++] = connstr;
	cp->keys[n] = "fallback_application_name";
	cp->vals[n++] = "rewind";
	if (dbname != NULL)
	{
		cp->keys[n] = "dbname";
		cp->vals[n++] = dbname;
	}
	cp->keys[n] = NULL;
	cp->vals[n] = NULL;
}
