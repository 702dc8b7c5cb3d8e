/*
 * The settings a standby must have at least the primary's values of
 * (max_connections, max_worker_processes, max_wal_senders,
 * max_prepared_transactions, max_locks_per_transaction): the rewound node's
 * own configuration against the source's, as the source's pg_control
 * records them (the rewound node gets that control file and its recovery
 * refuses to continue below those values).
 */
#ifndef RW_STANDBY_SETTINGS_H
#define RW_STANDBY_SETTINGS_H

#include <stdbool.h>

#include "config/config_files.h"
#include "control.h"
#include "error.h"
#include "target/target.h"

/*
 * One line per setting below the source's is appended to *problems
 * ("max_connections = 20 on the target, 25 on the source").  Fails when
 * the target's settings cannot be read.
 */
bool		standby_settings_check(const target *t, const char *postgres,
								   const char *config_file, const pg_control *src_control,
								   str_list *problems, rw_error *err);

#endif
