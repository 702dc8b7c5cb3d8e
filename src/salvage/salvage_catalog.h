/*
 * What the salvage needs of the source's catalog, read by libpq: the
 * database's name, a table's name and columns, and the types and enum
 * labels the value decoder asks for.  The source's catalog is the old
 * primary's as of the divergence point.
 */
#ifndef RW_SALVAGE_CATALOG_H
#define RW_SALVAGE_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datum.h"
#include "error.h"
#include "source/source.h"

/* The types and enum labels of one database. */
typedef struct salvage_catalog salvage_catalog;

/*
 * Load the catalog of database db_oid; *out NULL (not an error) when the
 * source has no catalog (a directory) or the database cannot be reached.
 */
bool		salvage_catalog_load(source *src, uint32_t db_oid, salvage_catalog **out,
								 rw_error *err);
void		salvage_catalog_free(salvage_catalog *cat);
const char *salvage_catalog_datname(const salvage_catalog *cat);

/* What datum_env asks of the catalog (see datum.h); NULL when unknown. */
const datum_type *salvage_catalog_type(salvage_catalog *cat, uint32_t typid);
const char *salvage_catalog_enum_label(salvage_catalog *cat, uint32_t enum_oid);
const datum_attr *salvage_catalog_composite(salvage_catalog *cat, uint32_t relid, size_t *n);

/* A table as the catalog describes it. */
typedef struct salvage_table_def {
	bool		found;			/* false: no table has this file in the catalog */
	uint32_t	oid;
	char		kind;			/* relkind */
	char		schema[DATUM_NAME_LEN];
	char		name[DATUM_NAME_LEN];
	uint32_t	toast_relfilenode;	/* 0: none */
	datum_attr *attrs;			/* attnum order, dropped ones included */
	char	  **type_names;		/* format_type of each, malloc'd */
	/* a column added with a default after rows were written (atthasmissing):
	 * the value those rows read, as its output function writes it (from
	 * attmissingval), malloc'd; NULL for the others */
	char	  **missing_text;
	size_t		natts;
	bool		missing_unknown;	/* such a value could not be read */
} salvage_table_def;

bool		salvage_table_describe(salvage_catalog *cat, uint32_t relfilenode,
								   salvage_table_def *out, rw_error *err);
void		salvage_table_def_free(salvage_table_def *def);

/* The relation file number of pg_attribute in cat's database. */
bool		salvage_pg_attribute_file(salvage_catalog *cat, uint32_t *relfilenode,
									  rw_error *err);

#endif
