/*
 * The keywords a connection to the source is opened with: the connection
 * string as given, plus settings that make a dead or unreachable source
 * fail the connection instead of hanging it.
 */
#ifndef RW_SOURCE_CONNINFO_H
#define RW_SOURCE_CONNINFO_H

#define CONN_PARAMS_MAX 10

typedef struct conn_params {
	const char *keys[CONN_PARAMS_MAX];	/* NULL-terminated, for PQconnectdbParams */
	const char *vals[CONN_PARAMS_MAX];	/* with expand_dbname = 1 */
	char		buf[4][16];		/* the numbers vals point to */
} conn_params;

/*
 * connect_timeout (timeout_s), keepalives (idle timeout_s / 6 between 1 and
 * 60 s, interval a third of that, 3 probes) and tcp_user_timeout (timeout_s)
 * come before connstr, so that whatever connstr sets itself wins;
 * PGCONNECT_TIMEOUT in the environment wins over connect_timeout.  A later
 * dbname (unless NULL) overrides the one inside connstr.  The values point
 * into cp and into the arguments.
 */
void		conn_params_build(conn_params *cp, const char *connstr, const char *dbname,
							  int timeout_s);

#endif
