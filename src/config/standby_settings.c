/*
 * The settings a standby must have at least the primary's values of,
 * checked against the source's pg_control (standby_settings.h).  Reads the
 * target's settings through postgres -C; changes nothing.
 */

#include "config/standby_settings.h"

#include <stdlib.h>

#include "xalloc.h"

bool
standby_settings_check(const target *t, const char *postgres, const char *config_file,
					   const pg_control *src_control, str_list *problems, rw_error *err)
{
	static const char *const names[] = {
		"max_connections", "max_worker_processes", "max_wal_senders",
		"max_prepared_transactions", "max_locks_per_transaction",
	};
	const int32_t source_values[] = {
		src_control->max_connections, src_control->max_worker_processes,
		src_control->max_wal_senders, src_control->max_prepared_xacts,
		src_control->max_locks_per_xact,
	};
	char	   *values[sizeof(names) / sizeof(names[0])];
	bool		ok = true;

	if (!target_settings(t, postgres, config_file, names, sizeof(names) / sizeof(names[0]),
						 values, err))
		return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		char	   *end;
		long		v = strtol(values[i], &end, 10);

		if (ok && (end == values[i] || *end != '\0'))
			ok = rw_fail(err, RW_ESTATE, "unexpected value \"%s\" of %s on the target",
						 values[i], names[i]);
		else if (ok && v < source_values[i])
			str_list_add(problems, xasprintf("%s = %ld on the target, %d on the source",
											 names[i], v, (int) source_values[i]));
		free(values[i]);
	}
	return ok;
}
