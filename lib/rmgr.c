/*
 * Resource manager names and id validity (lib/rmgr.h); pure, no I/O.
 */
#include "rmgr.h"

static const char *const rmgr_names[] = {
	"XLOG", "Transaction", "Storage", "CLOG", "Database", "Tablespace",
	"MultiXact", "RelMap", "Standby", "Heap2", "Heap", "Btree", "Hash",
	"Gin", "Gist", "Sequence", "SPGist", "BRIN", "CommitTs",
	"ReplicationOrigin", "Generic", "LogicalMessage"
};

const char *
rmgr_name(uint8_t rmid)
{
	if (rmid < sizeof(rmgr_names) / sizeof(rmgr_names[0]))
		return rmgr_names[rmid];
	if (rmid >= 128)
		return "custom";
	return NULL;
}

bool
rmgr_id_valid(const pg_version_info *ver, uint8_t rmid)
{
	return rmid <= ver->max_builtin_rmid || (ver->custom_rmgrs && rmid >= 128);
}
