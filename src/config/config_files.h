/*
 * The target's configuration files: which ones a rewind keeps (the four
 * top-level files and what postgresql.conf includes from inside the data
 * directory), and the settings in them.
 */
#ifndef RW_CONFIG_FILES_H
#define RW_CONFIG_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* malloc'd strings, owned by the list. */
typedef struct str_list {
	char	  **items;
	size_t		n;
	size_t		cap;
} str_list;

void		str_list_add(str_list *l, char *owned);
bool		str_list_contains(const str_list *l, const char *s);
void		str_list_free(str_list *l);

/* One "name = value" of a configuration file; name in lower case. */
typedef struct config_setting {
	char	   *name;
	char	   *value;			/* quotes removed */
} config_setting;

typedef struct config_settings {
	config_setting *items;
	size_t		n;
	size_t		cap;
} config_settings;

/*
 * Parse the settings of a postgresql.conf text (a later line for a name
 * replaces an earlier one).  include directives are not settings.
 */
void		config_parse_settings(const char *text, size_t len, config_settings *out);
const char *config_get(const config_settings *s, const char *name);
void		config_settings_free(config_settings *s);

/*
 * The configuration files of the target data directory, relative to it:
 * postgresql.conf, postgresql.auto.conf, pg_hba.conf, pg_ident.conf, the
 * files included by include/include_if_exists inside the data directory,
 * and directories of include_dir inside it as "dir/" (everything in them is
 * configuration).  Appended to *out.
 */
bool		config_target_files(const char *pgdata, str_list *out, rw_error *err);

/* Is path (relative to the data directory) one of files, or inside one of its "dir/"? */
bool		config_is_kept(const str_list *files, const char *path);

/* Is directory path one that holds (or is) one of files? */
bool		config_is_kept_dir(const str_list *files, const char *path);

#endif
