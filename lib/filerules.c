/*
 * The table of data directory entries a rewind treats specially (never
 * copied, removed, kept, rewritten at the end), and the lookup that gives a
 * path its rule.  Pure: no I/O.
 */

#include "filerules.h"

#include <string.h>

typedef enum match_kind {
	MATCH_EXACT,				/* the whole path */
	MATCH_CONTENTS,				/* anything below the directory, not the directory */
	MATCH_BASENAME,				/* last component, anywhere */
	MATCH_BASENAME_PREFIX,		/* last component starts with the pattern */
	MATCH_COMPONENT_PREFIX		/* some component starts with the pattern */
} match_kind;

/* When an entry applies. */
typedef enum rule_cond {
	COND_ALWAYS,
	COND_KEEP_CONFIG,			/* only with keep_config */
	COND_WAL_SUMMARIES			/* only where pg_wal/summaries exists (17+) */
} rule_cond;

typedef struct file_rule_entry {
	match_kind	kind;
	const char *pattern;
	file_rule	rule;
	rule_cond	cond;
} file_rule_entry;

/*
 * The first matching entry decides.  The comment above each group says why
 * it is there: what PostgreSQL itself does with those entries (recreates
 * them at startup, leaves them out of a base backup, or they are the
 * target's own); doc/data-flow.md, "Plan", says how the rules are used.
 */
static const file_rule_entry rules[] = {
	{MATCH_EXACT, "global/pg_control", RULE_CONTROL, COND_ALWAYS},

	/* runtime state that means nothing on another server */
	{MATCH_CONTENTS, "pg_stat_tmp", RULE_EXCLUDE, COND_ALWAYS},
	{MATCH_CONTENTS, "pg_replslot", RULE_EXCLUDE, COND_ALWAYS},
	{MATCH_CONTENTS, "pg_dynshmem", RULE_EXCLUDE, COND_ALWAYS},
	{MATCH_CONTENTS, "pg_notify", RULE_EXCLUDE, COND_ALWAYS},
	{MATCH_CONTENTS, "pg_serial", RULE_EXCLUDE, COND_ALWAYS},
	{MATCH_CONTENTS, "pg_snapshots", RULE_EXCLUDE, COND_ALWAYS},
	{MATCH_CONTENTS, "pg_subtrans", RULE_EXCLUDE, COND_ALWAYS},
	/* the source's archiver markers and WAL summaries are not the target's */
	{MATCH_CONTENTS, "pg_wal/archive_status", RULE_EXCLUDE, COND_ALWAYS},
	{MATCH_CONTENTS, "pg_wal/summaries", RULE_EXCLUDE, COND_WAL_SUMMARIES},

	{MATCH_BASENAME, "postgresql.auto.conf.tmp", RULE_EXCLUDE, COND_ALWAYS},
	{MATCH_BASENAME, "current_logfiles.tmp", RULE_EXCLUDE, COND_ALWAYS},
	{MATCH_BASENAME, "backup_label", RULE_EXCLUDE, COND_ALWAYS},
	{MATCH_BASENAME, "tablespace_map", RULE_EXCLUDE, COND_ALWAYS},
	{MATCH_BASENAME, "backup_manifest", RULE_EXCLUDE, COND_ALWAYS},
	{MATCH_BASENAME, "postmaster.pid", RULE_EXCLUDE, COND_ALWAYS},
	{MATCH_BASENAME, "postmaster.opts", RULE_EXCLUDE, COND_ALWAYS},
	/* finalize writes the target's own signal file */
	{MATCH_BASENAME, "standby.signal", RULE_EXCLUDE, COND_ALWAYS},
	{MATCH_BASENAME, "recovery.signal", RULE_EXCLUDE, COND_ALWAYS},
	{MATCH_BASENAME, ".DS_Store", RULE_EXCLUDE, COND_ALWAYS},
	/* relation cache init files, also their temporary variants */
	{MATCH_BASENAME_PREFIX, "pg_internal.init", RULE_EXCLUDE, COND_ALWAYS},
	/* temporary files and directories */
	{MATCH_COMPONENT_PREFIX, "pgsql_tmp", RULE_EXCLUDE, COND_ALWAYS},

	{MATCH_BASENAME, "PG_VERSION", RULE_KEEP_TARGET, COND_ALWAYS},

	{MATCH_EXACT, "postgresql.conf", RULE_KEEP_TARGET, COND_KEEP_CONFIG},
	{MATCH_EXACT, "postgresql.auto.conf", RULE_KEEP_TARGET, COND_KEEP_CONFIG},
	{MATCH_EXACT, "pg_hba.conf", RULE_KEEP_TARGET, COND_KEEP_CONFIG},
	{MATCH_EXACT, "pg_ident.conf", RULE_KEEP_TARGET, COND_KEEP_CONFIG},
};

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *
basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool
any_component_starts_with(const char *path, const char *prefix)
{
	for (const char *p = path; p != NULL; p = strchr(p, '/'))
	{
		if (*p == '/')
			p++;
		if (starts_with(p, prefix))
			return true;
	}
	return false;
}

/* Does rule e match path, whose last component is base? */
static bool
matches(const file_rule_entry *e, const char *path, const char *base)
{
	size_t		n;

	switch (e->kind)
	{
		case MATCH_EXACT:
			return strcmp(path, e->pattern) == 0;
		case MATCH_CONTENTS:
			n = strlen(e->pattern);
			return strncmp(path, e->pattern, n) == 0 && path[n] == '/' &&
				path[n + 1] != '\0';
		case MATCH_BASENAME:
			return strcmp(base, e->pattern) == 0;
		case MATCH_BASENAME_PREFIX:
			return starts_with(base, e->pattern);
		case MATCH_COMPONENT_PREFIX:
			return any_component_starts_with(path, e->pattern);
	}
	return false;
}

static bool
applies(rule_cond cond, const pg_version_info *ver, bool keep_config)
{
	switch (cond)
	{
		case COND_ALWAYS:
			return true;
		case COND_KEEP_CONFIG:
			return keep_config;
		case COND_WAL_SUMMARIES:
			return ver->has_wal_summaries;
	}
	return false;
}

file_rule
filerule_for(const char *path, const pg_version_info *ver, bool keep_config)
{
	/* found once: the plan asks for every file of the cluster */
	const char *base = basename_of(path);

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (applies(rules[i].cond, ver, keep_config) && matches(&rules[i], path, base))
			return rules[i].rule;
	return RULE_NORMAL;
}
