/*
 * Does the source still have the WAL the rewound node needs, and what
 * retains it there (needed_wal.h)?  Findings for --check, and the gap a run
 * refuses.  Pure: decisions over listings and settings already read.
 */

#include "plan/needed_wal.h"

#include <stdio.h>
#include <string.h>

/*
 * The segments from in->from to last, named after the source's history, that
 * are in l (listed) or not (!listed).  Returns how many; the first one's name
 * into first.
 */
static size_t
count_segments(const needed_wal *in, uint64_t last, const file_list *l, bool listed,
			   char first[WAL_FILE_NAME_LEN + 1])
{
	char		name[WAL_FILE_NAME_LEN + 1];
	char		path[8 + WAL_FILE_NAME_LEN + 1];
	size_t		n = 0;

	for (uint64_t seg = lsn_segno(in->from, in->segsize); seg <= last; seg++)
	{
		wal_file_name(name, tl_tli_for_segment(in->source_history, seg, in->segsize), seg,
					  in->segsize);
		snprintf(path, sizeof(path), "pg_wal/%s", name);
		if ((file_list_find(l, path) != NULL) != listed)
			continue;
		if (n++ == 0)
			memcpy(first, name, sizeof(name));
	}
	return n;
}

/*
 * The segment of the source's end is the one it writes: never recycled, and
 * only created once WAL is written into it (right after a segment switch the
 * insert position is already there), so its absence is no gap.
 */
size_t
needed_wal_missing(const needed_wal *in, char first[WAL_FILE_NAME_LEN + 1])
{
	uint64_t	last = lsn_segno_of_end(in->source_end, in->segsize);

	if (last == 0 || last <= lsn_segno(in->from, in->segsize))
		return 0;
	return count_segments(in, last - 1, in->source_files, false, first);
}

size_t
needed_wal_vanished(const needed_wal *in, const file_list *vanished,
				   char first[WAL_FILE_NAME_LEN + 1])
{
	return count_segments(in, lsn_segno_of_end(in->source_end, in->segsize), vanished, true,
						  first);
}

/* "slot \"a\" (restart_lsn 0/3000000), wal_keep_size = 128MB, archiving"; "" if nothing. */
static void
describe_retention(const needed_wal *in, char *out, size_t size)
{
	const source_wal_retention *r = in->retention;
	size_t		n = 0;

	out[0] = '\0';
	if (in->slot && r->slot_exists && r->slot_restart_lsn != LSN_INVALID &&
		r->slot_restart_lsn <= segno_start(lsn_segno(in->from, in->segsize), in->segsize))
		n += (size_t) snprintf(out + n, size - n, "replication slot \"%s\" (restart_lsn " LSN_FMT ")",
							   in->slot, LSN_ARGS(r->slot_restart_lsn));
	if (n < size && strcmp(r->wal_keep_size, "0") != 0 && r->wal_keep_size[0] != '\0')
		n += (size_t) snprintf(out + n, size - n, "%swal_keep_size = %s", n ? ", " : "",
							   r->wal_keep_size);
	if (n < size && strcmp(r->archive_mode, "off") != 0 && r->archive_set)
		snprintf(out + n, size - n, "%sarchiving (archive_mode = %s)", n ? ", " : "",
				 r->archive_mode);
}

check_severity
needed_wal_gap(const needed_wal *in, rw_error *msg)
{
	char		first[WAL_FILE_NAME_LEN + 1];
	char		more[48] = "";
	size_t		n = needed_wal_missing(in, first);

	rw_error_clear(msg);
	if (n == 0)
		return CHECK_OK;
	if (n > 1)
		snprintf(more, sizeof(more), " (and %zu more)", n - 1);
	rw_fail(msg, RW_ESTATE, "the source no longer has WAL segment %s%s, which the rewound node "
			"needs (from " LSN_FMT " on)", first, more, LSN_ARGS(in->from));
	if (in->target_restore_command)
	{
		/* its value may hold credentials: never printed (README, man page) */
		rw_hint(msg, "The target's restore_command must be able to restore it from the "
				"source's WAL archive, or the rewound node will not start. To prevent this, use "
				"--slot or wal_keep_size on the source.");
		return CHECK_WARNING;
	}
	rw_hint(msg, "Nothing was changed. Without that WAL the rewound node could not start. Either "
			"set restore_command in the target's configuration to fetch it from the source's WAL "
			"archive and run again, or run with --method=compare, which needs the source's WAL only "
			"from the start of its own base backup on. To prevent this, "
			"use --slot or wal_keep_size on the source.");
	return CHECK_ERROR;
}

void
needed_wal_finding(check_findings *f, const needed_wal *in)
{
	char		kept[512];
	rw_error	gap;
	check_severity sev = needed_wal_gap(in, &gap);

	if (sev != CHECK_OK)
	{
		check_add_error(f, "source_wal", sev, &gap);
		return;
	}
	if (in->retention == NULL)
	{
		check_add(f, "source_wal", CHECK_OK, NULL, "the source data directory has the WAL the "
				  "rewound node needs, from " LSN_FMT " on", LSN_ARGS(in->from));
		return;
	}
	describe_retention(in, kept, sizeof(kept));
	if (kept[0] == '\0')
		check_add(f, "source_wal", CHECK_WARNING,
				  "Use a replication slot (--slot NAME), wal_keep_size or WAL archiving on the "
				  "source.",
				  "the source still has the WAL the rewound node needs, from " LSN_FMT
				  " on, but nothing keeps it from being recycled before the node catches up",
				  LSN_ARGS(in->from));
	else
		check_add(f, "source_wal", CHECK_OK, NULL, "the source still has the WAL the rewound "
				  "node needs, from " LSN_FMT " on; retained by: %s", LSN_ARGS(in->from), kept);
}

void
slot_finding(check_findings *f, const char *slot, const source_wal_retention *r)
{
	if (r->slot_exists && !r->slot_physical)
		check_add(f, "slot", CHECK_ERROR, "Choose another name for --slot.",
				  "replication slot \"%s\" exists on the source but is not a physical slot", slot);
	else if (r->slot_exists)
		check_add(f, "slot", CHECK_OK, NULL,
				  "replication slot \"%s\" exists on the source (restart_lsn " LSN_FMT ")",
				  slot, LSN_ARGS(r->slot_restart_lsn));
	else if (r->can_create_slot)
		check_add(f, "slot", CHECK_OK, NULL,
				  "replication slot \"%s\" does not exist on the source; a rewind creates it", slot);
	else
		check_add(f, "slot", CHECK_ERROR,
				  "Create the slot on the source (pg_create_physical_replication_slot), or grant "
				  "the role REPLICATION.",
				  "replication slot \"%s\" does not exist on the source and the source role cannot "
				  "create it (it needs the REPLICATION attribute)", slot);
}
