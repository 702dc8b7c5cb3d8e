/*
 * How the target's configuration files differ from the source's copies,
 * in words that never show a secret value (config_compare.h).  Reads the
 * target's files and asks the source for its own; changes nothing.
 */

#include "config/config_compare.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/fileutil.h"
#include "xalloc.h"

/* --- comparison ----------------------------------------------------------- */

static void
append(char **buf, size_t *n, size_t *cap, const char *s)
{
	size_t		len = strlen(s);

	xgrow((void **) buf, cap, *n + len + 1, 1);
	memcpy(*buf + *n, s, len + 1);
	*n += len;
}

/*
 * Is the value of this setting kept out of every output (text, JSON,
 * --debug)?  Commands that may embed credentials (restore_command,
 * archive_command, archive_cleanup_command, recovery_end_command,
 * ssl_passphrase_command) and any *conninfo* or *pass* setting.
 */
static bool
config_value_is_secret(const char *name)
{
	static const char *const commands[] = {"restore_command", "archive_command",
		"archive_cleanup_command", "recovery_end_command", "ssl_passphrase_command"};

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcasecmp(name, commands[i]) == 0)
			return true;
	return strcasestr(name, "conninfo") != NULL || strcasestr(name, "pass") != NULL;
}

/* "name (target X, source Y)" for every setting whose value differs. */
static char *
settings_diff(const char *target_text, size_t tlen, const char *source_text, size_t slen)
{
	config_settings t = {0}, s = {0};
	char	   *buf = NULL;
	size_t		n = 0, cap = 0;

	config_parse_settings(target_text, tlen, &t);
	config_parse_settings(source_text, slen, &s);
	append(&buf, &n, &cap, "");
	for (int side = 0; side < 2; side++)
	{
		const config_settings *a = side ? &s : &t, *b = side ? &t : &s;

		for (size_t i = 0; i < a->n; i++)
		{
			const char *other = config_get(b, a->items[i].name);
			char	   *item;

			if (side == 1 && other != NULL)
				continue;		/* reported from the target's side */
			if (other && strcmp(other, a->items[i].value) == 0)
				continue;
			if (config_value_is_secret(a->items[i].name))
				item = xasprintf("%s%s (differs; values not shown)", n ? ", " : "",
								 a->items[i].name);
			else if (side == 0)
				item = xasprintf("%s%s (target '%s', source %s%s%s)", n ? ", " : "",
								 a->items[i].name, a->items[i].value, other ? "'" : "",
								 other ? other : "not set", other ? "'" : "");
			else
				item = xasprintf("%s%s (target not set, source '%s')", n ? ", " : "",
								 a->items[i].name, a->items[i].value);
			append(&buf, &n, &cap, item);
			free(item);
		}
	}
	config_settings_free(&t);
	config_settings_free(&s);
	return buf;
}

static bool
compare_one(source *src, const char *pgdata, const char *rel, str_list *out, rw_error *err)
{
	char	   *path = xasprintf("%s/%s", pgdata, rel);
	uint8_t    *tdata = NULL, *sdata = NULL;
	size_t		tlen = 0, slen = 0;
	bool		tmissing = false, smissing = false, ok = true;
	size_t		n = strlen(rel);

	if (!file_read_all(path, &tdata, &tlen, err))
	{
		ok = err->kind == RW_EMISSING;
		tmissing = true;
	}
	free(path);
	if (ok && !src->ops->read_file(src, rel, true, &sdata, &slen, &smissing, err))
		ok = false;
	if (ok && tmissing != smissing)
		str_list_add(out, xasprintf("%s exists only on the %s", rel, tmissing ? "source" : "target"));
	else if (ok && !tmissing && (tlen != slen || memcmp(tdata, sdata, tlen) != 0))
	{
		char	   *diff = (n > 5 && strcmp(rel + n - 5, ".conf") == 0 &&
							strcmp(rel, "pg_hba.conf") != 0 && strcmp(rel, "pg_ident.conf") != 0) ?
			settings_diff((const char *) tdata, tlen, (const char *) sdata, slen) : xstrdup("");

		str_list_add(out, xasprintf("%s differs from the source's%s%s", rel, diff[0] ? ": " : "",
									diff));
		free(diff);
	}
	free(tdata);
	free(sdata);
	return ok;
}

bool
config_compare(source *src, const char *pgdata, const str_list *files,
			   const file_list *source_files, str_list *out, rw_error *err)
{
	for (size_t i = 0; i < files->n; i++)
	{
		const char *f = files->items[i];

		if (f[strlen(f) - 1] != '/' && !compare_one(src, pgdata, f, out, err))
			return false;
	}
	/* files of a kept include_dir that only the source has */
	for (size_t i = 0; source_files && i < source_files->n; i++)
	{
		const file_entry *e = &source_files->items[i];

		if (e->type == FILE_TYPE_REGULAR && config_is_kept(files, e->path) &&
			!str_list_contains(files, e->path))
			str_list_add(out, xasprintf("%s exists only on the source", e->path));
	}
	return true;
}
