/*
 * The target data directory (target.h): its major, pg_control and state,
 * whether it may be touched, crash recovery (postgres --single), and the
 * local postgres program that serves it.  Reads the target; the only
 * change it makes is through PostgreSQL's own crash recovery.
 */

#include "target/target.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/fileutil.h"
#include "util/log.h"
#include "target/postmaster.h"
#include "util/proc.h"
#include "xalloc.h"

static bool
read_pg_version(const char *pgdata, int *major, rw_error *err)
{
	char	   *path = xasprintf("%s/PG_VERSION", pgdata);
	uint8_t    *data;
	size_t		len;
	bool		ok;

	ok = file_read_all(path, &data, &len, err);
	if (!ok)
	{
		if (err->kind == RW_EMISSING)
			rw_hint(err, "\"%s\" does not look like a PostgreSQL data directory.", pgdata);
		free(path);
		return false;
	}
	if (!pgver_parse_pg_version((const char *) data, len, major))
		ok = rw_fail(err, RW_ECORRUPT, "file \"%s\" does not contain a version number", path);
	free(data);
	free(path);
	return ok;
}

static bool
load_control(target *t, rw_error *err)
{
	char	   *path = xasprintf("%s/global/pg_control", t->pgdata);
	uint8_t    *data;
	size_t		len;
	bool		ok;

	ok = file_read_all(path, &data, &len, err) &&
		control_parse(data, len, t->major, "target pg_control", &t->control, err);
	if (ok)
		free(data);
	else if (err->kind == RW_EMISSING)
		rw_hint(err, "\"%s\" does not look like a PostgreSQL data directory.", t->pgdata);
	free(path);
	return ok;
}

bool
target_open(const char *pgdata, bool may_run, int wait_secs, target *t, rw_error *err)
{
	struct stat st;

	memset(t, 0, sizeof(*t));
	t->pgdata = pgdata;
	if (stat(pgdata, &st) != 0)
		return rw_fail_errno(err, errno, "could not access target data directory \"%s\"", pgdata);
	if (!S_ISDIR(st.st_mode))
		return rw_fail(err, RW_EUSAGE, "target data directory \"%s\" is not a directory", pgdata);
	if (!read_pg_version(pgdata, &t->major, err))
		return false;
	t->ver = pgver_lookup(t->major);
	if (t->ver == NULL)
	{
		char		list[PGVER_LIST_LEN];

		pgver_supported_list(list, sizeof(list));
		rw_fail(err, RW_EUNSUPPORTED, "target data directory \"%s\" is of PostgreSQL %d, which is not supported",
				pgdata, t->major);
		rw_hint(err, "Supported major versions: %s.", list);
		return false;
	}
	if (may_run)
		t->postmaster_pid = postmaster_live_pid(pgdata);
	else if (!postmaster_wait_gone(pgdata, t->major, wait_secs, err))
		return false;
	if (!load_control(t, err))
		return false;
	pgver_tablespace_dir(t->tsdir, sizeof(t->tsdir), t->major, t->control.catversion);
	return true;
}

bool
target_peek_control(const char *pgdata, pg_control *out, rw_error *err)
{
	target		t;

	memset(&t, 0, sizeof(t));
	t.pgdata = pgdata;
	if (!read_pg_version(pgdata, &t.major, err) || !load_control(&t, err))
		return false;
	*out = t.control;
	return true;
}

/* Read and parse pg_control again (after crash recovery). */
static bool
target_reload_control(target *t, rw_error *err)
{
	return load_control(t, err);
}

bool
target_check_not_running(const char *pgdata, rw_error *err)
{
	long		pid = postmaster_live_pid(pgdata);

	if (pid > 0)
	{
		char	   *path = xasprintf("%s/postmaster.pid", pgdata);

		rw_fail(err, RW_ESTATE, "target server is running (postmaster PID %ld, \"%s\")",
				pid, path);
		rw_hint(err, "Stop it first, e.g. pg_ctl stop -D \"%s\" -m fast.", pgdata);
		free(path);
		return false;
	}
	return true;
}

bool
target_check_rewindable(const target *t, bool need_hints, bool require_clean,
						rw_error *err)
{
	const pg_control *c = &t->control;

	if (need_hints && c->data_checksum_version == 0 && !c->wal_log_hints)
	{
		rw_fail(err, RW_ESTATE,
				"target server needs to use either data checksums or \"wal_log_hints = on\"");
		rw_hint(err, "Without them, changes to hint bits are not in the WAL and a rewind could "
				"silently miss changed pages. Set wal_log_hints = on (restart needed) on every node "
				"before the next failover; until then, rewind this target with --method=compare.");
		return false;
	}
	if (require_clean && c->state != DBSTATE_SHUTDOWNED &&
		c->state != DBSTATE_SHUTDOWNED_IN_RECOVERY)
	{
		rw_fail(err, RW_ESTATE, "target server must be shut down cleanly (pg_control says \"%s\")",
				control_state_name(c->state));
		rw_hint(err, "Run without --no-ensure-shutdown to let %s run crash recovery, or start and "
				"stop the server once.", log_progname());
		return false;
	}
	return true;
}

/* Run "<postgres> -V" and check it is of the wanted major. */
static bool
postgres_is_major(const char *path, int major)
{
	char	   *argv[] = {(char *) path, "-V", NULL};
	char	   *out = NULL;
	int			status;
	rw_error	ignored;
	const char *p;
	bool		ok = false;

	if (access(path, X_OK) != 0)
		return false;
	if (!proc_run(argv, &out, &status, &ignored))
		return false;
	/* "postgres (PostgreSQL) 15.18 (Debian ...)" */
	p = strstr(out, "(PostgreSQL) ");
	if (status == 0 && p != NULL)
		ok = atoi(p + strlen("(PostgreSQL) ")) == major;
	free(out);
	return ok;
}

static bool
try_dir(const char *dir, int major, char **path)
{
	char	   *candidate = xasprintf("%s/postgres", dir);

	if (postgres_is_major(candidate, major))
	{
		*path = candidate;
		return true;
	}
	free(candidate);
	return false;
}

static bool
try_own_dir(int major, char **path)
{
	char		self[PATH_MAX];
	ssize_t		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char	   *slash;

	if (n <= 0)
		return false;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash == NULL)
		return false;
	*slash = '\0';
	return try_dir(self, major, path);
}

static bool
try_path_env(int major, char **path)
{
	const char *env = getenv("PATH");
	char	   *copy, *save = NULL;
	bool		found = false;

	if (env == NULL)
		return false;
	copy = xstrdup(env);
	for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save))
		found = try_dir(dir, major, path);
	free(copy);
	return found;
}

/*
 * The program postmaster.opts names, the one that last ran the target
 * ("/path/postgres" "-D" ...): malloc'd, or NULL when the file is missing or
 * names none.
 */
static char *
postmaster_opts_program(const char *pgdata)
{
	char	   *path = xasprintf("%s/postmaster.opts", pgdata);
	uint8_t    *data;
	size_t		len;
	rw_error	ignored;
	char	   *program = NULL;

	if (file_read_all(path, &data, &len, &ignored))
	{
		/* the program is written unquoted, each argument after it quoted */
		const char *text = (const char *) data;
		const char *quoted = strstr(text, " \"");
		size_t		n = strcspn(text, "\n");

		if (quoted && (size_t) (quoted - text) < n)
			n = (size_t) (quoted - text);
		if (n > 0 && text[0] == '/')
			program = xasprintf("%.*s", (int) n, text);
		free(data);
	}
	free(path);
	return program;
}

/*
 * The program that last ran the target, if it is of the target's major; why
 * not into *why (empty when postmaster.opts names none).
 */
static bool
try_postmaster_opts(const char *pgdata, int major, char **path, char *why, size_t whylen)
{
	char	   *program = postmaster_opts_program(pgdata);

	why[0] = '\0';
	if (program == NULL)
		return false;
	if (postgres_is_major(program, major))
	{
		*path = program;
		return true;
	}
	snprintf(why, whylen, "The target's postmaster.opts names \"%s\", which is not a runnable "
			 "\"postgres\" of PostgreSQL %d. ", program, major);
	free(program);
	return false;
}

bool
target_find_postgres(const char *pgdata, const char *bindir, int major, char **path,
					 rw_error *err)
{
	char		dir[256];
	char		why[PATH_MAX + 128];
	const char *patterns[] = {"/usr/lib/postgresql/%d/bin", "/usr/pgsql-%d/bin",
	"/usr/local/pgsql-%d/bin", "/opt/postgresql/%d/bin", "/usr/local/pgsql/bin"};

	if (bindir)
	{
		if (try_dir(bindir, major, path))
			return true;
		return rw_fail(err, RW_EUSAGE, "no \"postgres\" program of PostgreSQL %d in \"%s\"",
					   major, bindir);
	}
	if (try_postmaster_opts(pgdata, major, path, why, sizeof(why)))
	{
		log_debug("using \"%s\", named by the target's postmaster.opts", *path);
		return true;
	}
	if (try_own_dir(major, path) || try_path_env(major, path))
		return true;
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
	{
		snprintf(dir, sizeof(dir), patterns[i], major);
		if (try_dir(dir, major, path))
			return true;
	}
	rw_fail(err, RW_EMISSING, "could not find the \"postgres\" program of PostgreSQL %d", major);
	rw_hint(err, "%sPass the directory of the target's \"postgres\" with --postgres-bindir.", why);
	return false;
}

bool
target_crash_recovery(target *t, const char *postgres, const char *config_file,
					  rw_error *err)
{
	char	   *config_arg = config_file ? xasprintf("config_file=%s", config_file) : NULL;
	char	   *argv[10];
	int			argc = 0;
	int			status;
	bool		ok;

	argv[argc++] = (char *) postgres;
	argv[argc++] = "--single";
	argv[argc++] = "-F";
	argv[argc++] = "-D";
	argv[argc++] = (char *) t->pgdata;
	if (config_arg)
	{
		argv[argc++] = "-c";
		argv[argc++] = config_arg;
	}
	argv[argc++] = "template1";
	argv[argc] = NULL;

	log_info("executing \"%s\" for target server to complete crash recovery", postgres);
	ok = proc_run(argv, NULL, &status, err);
	free(config_arg);
	if (!ok)
		return false;
	if (status != 0)
	{
		rw_fail(err, RW_ESTATE, "postgres single-user mode in target cluster failed (exit status %d)",
				status);
		rw_hint(err, "Its messages are above. Start the target server once and stop it cleanly, "
				"then run %s again.", log_progname());
		return false;
	}
	return target_reload_control(t, err);
}

bool
target_settings(const target *t, const char *postgres, const char *config_file,
				const char *const *names, size_t n, char **values, rw_error *err)
{
	char	   *config_arg = config_file ? xasprintf("config_file=%s", config_file) : NULL;
	char	  **argvs[TARGET_SETTINGS_MAX];
	char	   *args[TARGET_SETTINGS_MAX][8];
	int			status[TARGET_SETTINGS_MAX];
	struct timespec started, ended;
	bool		ok;

	if (n > TARGET_SETTINGS_MAX)
		return rw_fail(err, RW_EINTERNAL, "%zu settings asked of the target, at most %d",
					   n, TARGET_SETTINGS_MAX);
	for (size_t i = 0; i < n; i++)
	{
		char	  **argv = args[i];
		int			argc = 0;

		argv[argc++] = (char *) postgres;
		argv[argc++] = "-D";
		argv[argc++] = (char *) t->pgdata;
		if (config_arg)
		{
			argv[argc++] = "-c";
			argv[argc++] = config_arg;
		}
		argv[argc++] = "-C";
		argv[argc++] = (char *) names[i];
		argv[argc] = NULL;
		argvs[i] = argv;
	}
	/* together: each run reads the whole configuration, about 15 ms */
	clock_gettime(CLOCK_MONOTONIC, &started);
	ok = proc_run_all(argvs, n, values, status, err);
	clock_gettime(CLOCK_MONOTONIC, &ended);
	log_debug("ran postgres -C for %zu settings of the target in %ld ms", n,
			  (long) (ended.tv_sec - started.tv_sec) * 1000 +
			  (ended.tv_nsec - started.tv_nsec) / 1000000);
	free(config_arg);
	for (size_t i = 0; ok && i < n; i++)
	{
		size_t		len = strlen(values[i]);

		if (status[i] != 0)
		{
			rw_fail(err, RW_ESTATE, "could not read %s of the target (\"%s -C %s\" failed)",
					names[i], postgres, names[i]);
			ok = false;
			break;
		}
		while (len > 0 && (values[i][len - 1] == '\n' || values[i][len - 1] == '\r'))
			values[i][--len] = '\0';
	}
	if (!ok)
		for (size_t i = 0; i < n; i++)
		{
			free(values[i]);
			values[i] = NULL;
		}
	return ok;
}

bool
target_setting(const target *t, const char *postgres, const char *config_file,
			   const char *name, char **value, rw_error *err)
{
	return target_settings(t, postgres, config_file, &name, 1, value, err);
}

bool
target_restore_command(const target *t, const char *postgres, const char *config_file,
					   char **command, rw_error *err)
{
	char	   *value;

	if (!target_setting(t, postgres, config_file, "restore_command", &value, err))
		return false;
	if (value[0] == '\0')
	{
		free(value);
		rw_fail(err, RW_EUSAGE, "restore_command is not set for the target cluster");
		rw_hint(err, "Set restore_command in the target's postgresql.conf (or pass --config-file) "
				"to use --restore-target-wal.");
		return false;
	}
	*command = value;
	return true;
}
