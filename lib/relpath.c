/*
 * Relation file paths of a data directory: parsed into a relation, fork
 * and segment, and formatted back.  Pure: strings only.
 */

#include "relpath.h"

#include <stdio.h>
#include <string.h>

#define RELPATH_MAX 1024

/* Fork suffixes, indexed by FORK_*. */
static const char *const fork_suffix[] = {
	[FORK_MAIN] = "",
	[FORK_FSM] = "_fsm",
	[FORK_VM] = "_vm",
	[FORK_INIT] = "_init",
};

#define NFORKS ((int) (sizeof(fork_suffix) / sizeof(fork_suffix[0])))

/*
 * Read a decimal uint32 at *p, advancing past it.  Leading zeros and other
 * non-canonical spellings are caught later by formatting the result back.
 */
static bool
take_number(const char **p, uint32_t *out)
{
	uint64_t	v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
	{
		v = v * 10 + (uint64_t) (*s++ - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*p = s;
	*out = (uint32_t) v;
	return true;
}

static bool
take_prefix(const char **p, const char *prefix)
{
	size_t		n = strlen(prefix);

	if (strncmp(*p, prefix, n) != 0)
		return false;
	*p += n;
	return true;
}

/* "<rel>[_<fork>][.<seg>]", the last path component. */
static bool
parse_relfile(const char *p, relpath_info *out)
{
	if (!take_number(&p, &out->loc.rel))
		return false;
	out->fork = FORK_MAIN;
	for (int f = 1; f < NFORKS; f++)
	{
		if (take_prefix(&p, fork_suffix[f]))
		{
			out->fork = f;
			break;
		}
	}
	out->segno = 0;
	if (*p == '.')
	{
		p++;
		if (!take_number(&p, &out->segno))
			return false;
	}
	return *p == '\0';
}

/* Split the path into locator parts; the result is checked by the caller. */
static bool
parse_parts(const char *p, const char *tsdir, relpath_info *out)
{
	if (take_prefix(&p, "global/"))
	{
		out->loc.spc = GLOBALTABLESPACE_OID;
		out->loc.db = 0;
		return parse_relfile(p, out);
	}
	if (take_prefix(&p, "base/"))
		out->loc.spc = DEFAULTTABLESPACE_OID;
	else if (!take_prefix(&p, "pg_tblspc/") || !take_number(&p, &out->loc.spc) ||
			 !take_prefix(&p, "/") || !take_prefix(&p, tsdir) ||
			 !take_prefix(&p, "/"))
		return false;
	return take_number(&p, &out->loc.db) && take_prefix(&p, "/") &&
		parse_relfile(p, out);
}

bool
relpath_parse(const char *path, const char *tsdir, relpath_info *out)
{
	relpath_info info;
	char		again[RELPATH_MAX];

	if (strlen(path) >= sizeof(again) || !parse_parts(path, tsdir, &info))
		return false;
	if (info.loc.rel == 0 || info.loc.spc == 0 ||
		(info.loc.db == 0 && info.loc.spc != GLOBALTABLESPACE_OID))
		return false;
	/* the canonical spelling only: no leading zeros, no ".0", tablespace forms */
	relpath_format(again, sizeof(again), tsdir, info.loc, info.fork, info.segno);
	if (strcmp(again, path) != 0)
		return false;
	*out = info;
	return true;
}

void
relpath_format(char *out, size_t outlen, const char *tsdir,
			   relfile_locator rel, int fork, uint32_t segno)
{
	const char *suffix = (fork >= 0 && fork < NFORKS) ? fork_suffix[fork] : "";
	int			n;

	if (rel.spc == GLOBALTABLESPACE_OID)
		n = snprintf(out, outlen, "global/%u%s", rel.rel, suffix);
	else if (rel.spc == DEFAULTTABLESPACE_OID)
		n = snprintf(out, outlen, "base/%u/%u%s", rel.db, rel.rel, suffix);
	else
		n = snprintf(out, outlen, "pg_tblspc/%u/%s/%u/%u%s",
					 rel.spc, tsdir, rel.db, rel.rel, suffix);
	if (segno > 0 && n >= 0 && (size_t) n < outlen)
		snprintf(out + n, outlen - (size_t) n, ".%u", segno);
}
