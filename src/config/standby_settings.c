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
	const struct {
		const char *name;
		int32_t		source_value;
	}			needed[] = {
		{"max_connections", src_control->max_connections},
		{"max_worker_processes", src_control->max_worker_processes},
		{"max_wal_senders", src_control->max_wal_senders},
		{"max_prepared_transactions", src_control->max_prepared_xacts},
		{"max_locks_per_transaction", src_control->max_locks_per_xact},
	};

	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
	{
		char	   *value, *end;
		long		v;

		if (!target_setting(t, postgres, config_file, needed[i].name, &value, err))
			return false;
		v = strtol(value, &end, 10);
		if (end == value || *end != '\0')
		{
			rw_fail(err, RW_ESTATE, "unexpected value \"%s\" of %s on the target", value,
					needed[i].name);
			free(value);
			return false;
		}
		if (v < needed[i].source_value)
			str_list_add(problems, xasprintf("%s = %ld on the target, %d on the source",
											 needed[i].name, v, (int) needed[i].source_value));
		free(value);
	}
	return true;
}
