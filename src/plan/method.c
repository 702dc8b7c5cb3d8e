/*
 * The resynchronization methods: their names, which ones this build can
 * carry out, and the sentence that says why a run used one.  Memory only.
 */
#include "plan/method.h"

#include <stdio.h>
#include <string.h>

static const char *const names[] = {
	[METHOD_AUTO] = "auto",
	[METHOD_WAL] = "wal",
	[METHOD_PAGELSN] = "pagelsn",
	[METHOD_COMPARE] = "compare",
};

const char *
method_name(rewind_method m)
{
	return names[m];
}

bool
method_parse(const char *s, rewind_method *out)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		if (strcmp(s, names[i]) == 0)
		{
			*out = (rewind_method) i;
			return true;
		}
	}
	return false;
}

bool
method_available(rewind_method m)
{
	return m == METHOD_AUTO || m == METHOD_WAL || m == METHOD_COMPARE;
}

void
method_reason(const method_choice *m, char *buf, size_t len)
{
	int			n;

	if (m->used == METHOD_COMPARE)
	{
		snprintf(buf, len, "%s; every file of both sides compared by SHA-256 digests within a "
				 "base backup of the source, the target's WAL not read",
				 m->requested == METHOD_AUTO ? "no other method could be proven" :
				 "asked for with --method");
		return;
	}
	n = snprintf(buf, len, "%s; the target's WAL from the last common checkpoint's redo point "
				 "to its end could be read",
				 m->requested == METHOD_AUTO ? "the first method that can be proven" :
				 "asked for with --method");
	if (n < 0 || (size_t) n >= len)
		return;
	if (m->segments_from_source > 0 || m->segments_restored > 0)
		snprintf(buf + n, len - (size_t) n, " (segments not in its pg_wal: %u restored with "
				 "restore_command, %u of the history shared before the divergence point read "
				 "from the source)", m->segments_restored, m->segments_from_source);
}
