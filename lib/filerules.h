/*
 * The one table of data directory entries that a rewind treats specially:
 * never copied, removed, kept as the target has them, rewritten at the end.
 */
#ifndef RW_FILERULES_H
#define RW_FILERULES_H

#include <stdbool.h>

#include "pgver.h"

typedef enum file_rule {
	RULE_NORMAL = 0,			/* compare and copy as usual */
	RULE_EXCLUDE,				/* never copied from the source; removed from the target */
	RULE_KEEP_TARGET,			/* left as the target has it (PG_VERSION, configuration) */
	RULE_CONTROL				/* global/pg_control: rewritten at the very end */
} file_rule;

/*
 * The rule for a path relative to the data directory ("pg_wal/000...",
 * "base/5/1259").  Contents of excluded directories (pg_stat_tmp/...) are
 * RULE_EXCLUDE while the directory itself is RULE_NORMAL.  'keep_config'
 * makes the configuration files RULE_KEEP_TARGET.
 */
file_rule	filerule_for(const char *path, const pg_version_info *ver, bool keep_config);

#endif
