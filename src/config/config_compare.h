/*
 * How the target's configuration files differ from the source's copies.
 */
#ifndef RW_CONFIG_COMPARE_H
#define RW_CONFIG_COMPARE_H

#include <stdbool.h>

#include "config/config_files.h"
#include "error.h"
#include "filelist.h"
#include "source/source.h"

/*
 * Compare the target's configuration files (files, regular ones only) with
 * the source's copies; one line per difference is appended to *out:
 * "postgresql.conf differs from the source's: max_connections (target '30',
 * source '25'), ...".  Values of secret settings (commands that may embed
 * credentials, any *conninfo* or *pass* setting) are not shown, only that
 * they differ.  source_files (may be NULL): the source's listing,
 * to name files only the source has in a kept include_dir.
 */
bool		config_compare(source *src, const char *pgdata, const str_list *files,
						   const file_list *source_files, str_list *out, rw_error *err);

#endif
