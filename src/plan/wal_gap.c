/*
 * What the WAL gap decision (check_wal_gap) needs to know of the target,
 * gathered the same way for a run and --check.  Reads the target's
 * settings; changes nothing.
 */

#include "plan/wal_gap.h"

#include <stdlib.h>

#include "target/target.h"

bool
wal_gap_prepare(rewind_ctx *c, check_wal_input *in, rw_error *err)
{
	char		first[WAL_FILE_NAME_LEN + 1];
	char	   *value;

	in->target_restore_command = NULL;
	if (check_wal_missing(in, first) == 0)
		return true;
	if (c->restore_command == NULL)
	{
		if ((c->postgres == NULL &&
			 !target_find_postgres(c->tgt.pgdata, c->opts->postgres_bindir, c->tgt.major,
								   &c->postgres, err)) ||
			!target_setting(&c->tgt, c->postgres, c->opts->config_file, "restore_command",
							&value, err))
		{
			rw_context(err, "the source no longer has WAL segment %s; whether the target can "
					   "restore it (its restore_command) is unknown", first);
			return false;
		}
		if (value[0] == '\0')
			free(value);
		else
			c->restore_command = value;
	}
	in->target_restore_command = c->restore_command;
	return true;
}
