/*
 * The resynchronization methods: their names, which ones this build can
 * carry out, whether the page-LSN scan can be trusted on a target, and the
 * sentence that says why a run used one.  Memory only.
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
method_pagelsn_provable(const pg_control *ctl, bool unclean, const char **basis, rw_error *err)
{
	/* a crash may have left torn pages whose header is older than their contents */
	if (unclean || (ctl->state != DBSTATE_SHUTDOWNED &&
					ctl->state != DBSTATE_SHUTDOWNED_IN_RECOVERY))
	{
		rw_fail(err, RW_ESTATE, "the page-LSN scan needs a target that was shut down cleanly "
				"(pg_control says \"%s\")", control_state_name(ctl->state));
		rw_hint(err, "Nothing was changed. Let rewind run crash recovery first (without "
				"--no-ensure-shutdown), or start the target and stop it cleanly.");
		return false;
	}
	if (ctl->wal_level == 0)
	{
		rw_fail(err, RW_ESTATE, "the page-LSN scan cannot be used: the target runs with "
				"wal_level = minimal (pg_control), under which new relation files are written "
				"without page LSNs");
		rw_hint(err, "Nothing was changed. Use --method=compare, which compares every file "
				"with the source's instead.");
		return false;
	}
	if (ctl->data_checksum_version != 0)
		*basis = "the target has data checksums (pg_control)";
	else if (ctl->wal_log_hints)
		*basis = "the target runs with wal_log_hints = on (pg_control)";
	else
	{
		rw_fail(err, RW_ESTATE, "the page-LSN scan cannot be used: the target has neither data "
				"checksums nor wal_log_hints = on (pg_control), so a page whose hint bits it "
				"set after the divergence point keeps its older page LSN");
		rw_hint(err, "Nothing was changed. Use --method=compare (or --method=auto, which takes "
				"it here), and turn on wal_log_hints (or data checksums) on every node.");
		return false;
	}
	return true;
}

static void
pagelsn_reason(const method_choice *m, char *buf, size_t len)
{
	const pagelsn_stats *s = &m->pagelsn;

	snprintf(buf, len, "%s; %s%s%s, and %s, so every block it changed since then carries a "
			 "page LSN at or after that point: %llu of %llu blocks taken (%llu by page LSN, %llu "
			 "never written, %llu invalid, %llu failing their checksum)",
			 m->requested == METHOD_AUTO ? "the first method that can be proven" :
			 "asked for with --method",
			 m->wal_failure[0] ? "the target's WAL after the divergence point cannot be read (" :
			 "the target's WAL was not used",
			 m->wal_failure, m->wal_failure[0] ? ")" : "", m->pagelsn_basis,
			 (unsigned long long) (s->by_lsn + s->all_zero + s->invalid + s->bad_checksum),
			 (unsigned long long) s->blocks, (unsigned long long) s->by_lsn,
			 (unsigned long long) s->all_zero, (unsigned long long) s->invalid,
			 (unsigned long long) s->bad_checksum);
}

void
method_reason(const method_choice *m, char *buf, size_t len)
{
	int			n;

	if (m->used == METHOD_PAGELSN)
	{
		pagelsn_reason(m, buf, len);
		return;
	}
	if (m->used == METHOD_COMPARE)
	{
		snprintf(buf, len, "%s%s; every file of both sides compared by SHA-256 digests within a "
				 "base backup of the source, the target's WAL not read",
				 m->requested == METHOD_AUTO ? "no other method could be proven: " :
				 "asked for with --method", m->requested == METHOD_AUTO ? m->refused : "");
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
