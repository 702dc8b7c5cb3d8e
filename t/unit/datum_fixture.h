/*
 * The fixtures of test_datum.c (t/fixtures/datum/pgM.txt, made by
 * t/fixtures/make-datum-fixtures.sh from real PostgreSQL 14 to 18): the
 * catalog rows, the tuples with their attributes' bytes and text as
 * PostgreSQL gives them, the TOAST chunks; and a datum_env serving them.
 */
#ifndef RW_DATUM_FIXTURE_H
#define RW_DATUM_FIXTURE_H

#include "datum.h"

typedef enum fx_text_kind { FX_TEXT, FX_NULL, FX_DROPPED } fx_text_kind;

typedef struct fx_bytes {
	uint8_t    *data;			/* NULL for SQL NULL */
	size_t		len;
} fx_bytes;

typedef struct fx_row {
	char		ctid[32];
	fx_bytes	tuple;
	fx_bytes   *split;			/* tuple_data_split, the attributes the tuple holds */
	size_t		nsplit;
	fx_bytes   *text;			/* per attribute of the table */
	fx_text_kind *kind;
	size_t		ntext;
	fx_bytes	csv;			/* the row as COPY (FORMAT csv) writes it */
} fx_row;

typedef struct fx_table {
	char		name[64];
	datum_attr *attrs;
	size_t		natts;
	fx_row	   *rows;
	size_t		nrows;
} fx_table;

typedef struct fx_enum {
	uint32_t	oid;
	char	   *label;
} fx_enum;

typedef struct fx_chunk {
	uint32_t	relid,
				valueid;
	fx_bytes	data;
} fx_chunk;

typedef struct datum_fixture {
	bool		lz4;			/* the server had lz4: the lz4 columns are lz4 */
	datum_type *types;
	size_t		ntypes;
	fx_enum    *enums;
	size_t		nenums;
	/* attributes of composite types, each type's in a run, in attnum order */
	datum_attr *cattrs;
	uint32_t   *cattr_relids;
	size_t		ncattrs;
	fx_table   *tables;
	size_t		ntables;
	fx_chunk   *chunks;
	size_t		nchunks;
	size_t		toast_fetches;	/* calls of toast_fetch */
	bool		toast_fail;		/* make toast_fetch fail */
	bool		toast_missing;	/* make toast_fetch find no chunk */
} datum_fixture;

/* Load the fixture file at path; NULL (with a message on stderr) if absent
 * or malformed. */
datum_fixture *datum_fixture_load(const char *path);
void		datum_fixture_free(datum_fixture *f);

/* A datum_env over the fixture's catalog and TOAST chunks. */
datum_env	datum_fixture_env(datum_fixture *f);

const fx_table *datum_fixture_table(const datum_fixture *f, const char *name);

#endif
