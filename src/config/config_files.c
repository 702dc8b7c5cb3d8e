/*
 * The target's configuration files that a rewind keeps (the top-level
 * four and what postgresql.conf includes from inside the data directory),
 * and their settings parsed (config_files.h).  Reads only.
 */

#include "config/config_files.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/fileutil.h"
#include "xalloc.h"

#define INCLUDE_DEPTH_MAX 10

void
str_list_add(str_list *l, char *owned)
{
	xgrow((void **) &l->items, &l->cap, l->n + 1, sizeof(char *));
	l->items[l->n++] = owned;
}

bool
str_list_contains(const str_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

void
str_list_free(str_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* --- parsing ------------------------------------------------------------ */

static const char *
skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/*
 * One line: name and value, or false for blank lines and comments.  The
 * value is quoted ('...' with '' or \' inside) or runs to a '#' or blank.
 */
static bool
parse_line(const char *p, const char *end, char **name, char **value)
{
	const char *start;
	char	   *v;
	size_t		n = 0;

	p = skip_space(p, end);
	start = p;
	while (p < end && (isalnum((unsigned char) *p) || *p == '_' || *p == '.' || *p == '-'))
		p++;
	if (p == start)
		return false;
	*name = xmalloc((size_t) (p - start) + 1);
	for (size_t i = 0; i < (size_t) (p - start); i++)
		(*name)[i] = (char) tolower((unsigned char) start[i]);
	(*name)[p - start] = '\0';
	p = skip_space(p, end);
	if (p < end && *p == '=')
		p = skip_space(p + 1, end);
	v = xmalloc((size_t) (end - p) + 1);
	if (p < end && *p == '\'')
	{
		for (p++; p < end; p++)
		{
			if ((*p == '\'' || *p == '\\') && p + 1 < end && p[1] == '\'')
				v[n++] = *++p;
			else if (*p == '\'')
				break;
			else
				v[n++] = *p;
		}
	}
	else
		while (p < end && *p != '#' && *p != ' ' && *p != '\t' && *p != '\r')
			v[n++] = *p++;
	v[n] = '\0';
	*value = v;
	return true;
}

static bool
is_include(const char *name)
{
	return strcmp(name, "include") == 0 || strcmp(name, "include_if_exists") == 0 ||
		strcmp(name, "include_dir") == 0;
}

/* Call fn for every line with a name; stops early when fn returns false. */
typedef bool (*line_fn) (void *ctx, char *name, char *value);

static bool
for_each_line(const char *text, size_t len, line_fn fn, void *ctx)
{
	const char *p = text, *end = text + len;

	while (p < end)
	{
		const char *nl = memchr(p, '\n', (size_t) (end - p));
		const char *eol = nl ? nl : end;
		char	   *name, *value;

		if (parse_line(p, eol, &name, &value) && !fn(ctx, name, value))
			return false;
		p = eol + 1;
	}
	return true;
}

static bool
add_setting(void *ctx, char *name, char *value)
{
	config_settings *s = ctx;

	if (is_include(name))
	{
		free(name);
		free(value);
		return true;
	}
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->items[i].name, name) == 0)
		{
			free(s->items[i].value);
			s->items[i].value = value;
			free(name);
			return true;
		}
	xgrow((void **) &s->items, &s->cap, s->n + 1, sizeof(config_setting));
	s->items[s->n].name = name;
	s->items[s->n].value = value;
	s->n++;
	return true;
}

void
config_parse_settings(const char *text, size_t len, config_settings *out)
{
	for_each_line(text, len, add_setting, out);
}

const char *
config_get(const config_settings *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->items[i].name, name) == 0)
			return s->items[i].value;
	return NULL;
}

void
config_settings_free(config_settings *s)
{
	for (size_t i = 0; i < s->n; i++)
	{
		free(s->items[i].name);
		free(s->items[i].value);
	}
	free(s->items);
	memset(s, 0, sizeof(*s));
}

/* --- the target's files --------------------------------------------------- */

typedef struct include_ctx {
	const char *pgdata;
	const char *dir;			/* of the including file, relative; "" for the top */
	str_list   *out;
	int			depth;
	rw_error   *err;
	bool		failed;
} include_ctx;

static bool scan_file(const char *pgdata, const char *rel, str_list *out, int depth,
					  bool missing_ok, rw_error *err);

/* The path relative to pgdata, malloc'd, or NULL when it is outside. */
static char *
relative_to_pgdata(const char *pgdata, const char *dir, const char *path)
{
	size_t		n = strlen(pgdata);

	if (path[0] == '/')
		return (strncmp(path, pgdata, n) == 0 && path[n] == '/' && path[n + 1] != '\0') ?
			xstrdup(path + n + 1) : NULL;
	if (strstr(path, "..") != NULL)
		return NULL;
	return dir[0] ? xasprintf("%s/%s", dir, path) : xstrdup(path);
}

static bool
scan_dir(const char *pgdata, const char *rel, str_list *out, int depth, rw_error *err)
{
	char	   *path = xasprintf("%s/%s", pgdata, rel);
	DIR		   *d = opendir(path);
	struct dirent *e;
	bool		ok = true;

	free(path);
	str_list_add(out, xasprintf("%s/", rel));
	if (d == NULL)
		return true;			/* the server reports a missing directory itself */
	while (ok && (e = readdir(d)) != NULL)
	{
		size_t		n = strlen(e->d_name);
		char	   *file;

		if (e->d_name[0] == '.' || n < 6 || strcmp(e->d_name + n - 5, ".conf") != 0)
			continue;
		file = xasprintf("%s/%s", rel, e->d_name);
		ok = scan_file(pgdata, file, out, depth + 1, true, err);
		free(file);
	}
	closedir(d);
	return ok;
}

static bool
add_include(void *ctx, char *name, char *value)
{
	include_ctx *ic = ctx;
	char	   *rel = is_include(name) ? relative_to_pgdata(ic->pgdata, ic->dir, value) : NULL;

	if (rel && !str_list_contains(ic->out, rel))
	{
		if (strcmp(name, "include_dir") == 0)
			ic->failed = !scan_dir(ic->pgdata, rel, ic->out, ic->depth, ic->err);
		else
			ic->failed = !scan_file(ic->pgdata, rel, ic->out, ic->depth + 1, true, ic->err);
	}
	free(rel);
	free(name);
	free(value);
	return !ic->failed;
}

static bool
scan_file(const char *pgdata, const char *rel, str_list *out, int depth, bool missing_ok,
		  rw_error *err)
{
	char	   *path = xasprintf("%s/%s", pgdata, rel);
	char	   *dir = xstrdup(rel);
	char	   *slash = strrchr(dir, '/');
	uint8_t    *data;
	size_t		len;
	include_ctx ic = {.pgdata = pgdata, .dir = dir, .out = out, .depth = depth, .err = err};
	bool		ok;

	if (slash)
		*slash = '\0';
	else
		dir[0] = '\0';
	if (!str_list_contains(out, rel))
		str_list_add(out, xstrdup(rel));
	if (depth > INCLUDE_DEPTH_MAX)
		ok = rw_fail(err, RW_ECORRUPT, "configuration file \"%s\": includes nested too deep", path);
	else if (!file_read_all(path, &data, &len, err))
		ok = missing_ok && err->kind == RW_EMISSING;
	else
	{
		ok = for_each_line((const char *) data, len, add_include, &ic) && !ic.failed;
		free(data);
	}
	free(dir);
	free(path);
	return ok;
}

bool
config_target_files(const char *pgdata, str_list *out, rw_error *err)
{
	static const char *const fixed[] = {"postgresql.auto.conf", "pg_hba.conf", "pg_ident.conf"};

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		str_list_add(out, xstrdup(fixed[i]));
	return scan_file(pgdata, "postgresql.conf", out, 0, true, err);
}

bool
config_is_kept(const str_list *files, const char *path)
{
	for (size_t i = 0; i < files->n; i++)
	{
		const char *f = files->items[i];
		size_t		n = strlen(f);

		if (strcmp(f, path) == 0 || (n > 0 && f[n - 1] == '/' && strncmp(f, path, n) == 0))
			return true;
	}
	return false;
}

bool
config_is_kept_dir(const str_list *files, const char *path)
{
	size_t		n = strlen(path);

	for (size_t i = 0; i < files->n; i++)
		if (strncmp(files->items[i], path, n) == 0 && files->items[i][n] == '/')
			return true;
	return false;
}
