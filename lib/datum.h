/*
 * Values of a heap tuple to their text form, as PostgreSQL's output
 * functions write them (what COPY ... (FORMAT csv) prints for each column),
 * for the salvage of rows the old primary is about to lose.
 *
 * Pure: the catalog facts (types, enum labels, composite attributes) and the
 * TOAST chunks come in through the callbacks of datum_env; nothing here
 * reads a file or talks to a server.
 */
#ifndef RW_DATUM_H
#define RW_DATUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define DATUM_NAME_LEN 64		/* NAMEDATALEN */

/* A growing text buffer; data is NUL terminated, owned by the buffer. */
typedef struct text_buf {
	char	   *data;
	size_t		len;
	size_t		cap;
} text_buf;

void		text_buf_append(text_buf *b, const char *s, size_t n);
void		text_buf_appendf(text_buf *b, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
void		text_buf_reset(text_buf *b);	/* len 0, keeps the memory */
void		text_buf_free(text_buf *b);

/* What the decoder needs of a type (pg_type). */
typedef struct datum_type {
	uint32_t	oid;
	char		name[DATUM_NAME_LEN];	/* typname, for the manifest */
	int16_t		len;			/* typlen: > 0 fixed, -1 varlena, -2 cstring */
	bool		byval;
	char		align;			/* typalign: 'c', 's', 'i', 'd' */
	char		kind;			/* typtype: 'b' base, 'c' composite, 'd' domain,
								 * 'e' enum, 'r' range, 'm' multirange, 'p' */
	char		category;		/* typcategory ('A' array, ...) */
	char		delim;			/* typdelim, between array elements */
	uint32_t	elem;			/* typelem: element type of an array, else 0 */
	uint32_t	basetype;		/* typbasetype of a domain, else 0 */
	uint32_t	relid;			/* typrelid of a composite, else 0 */
} datum_type;

/* One column of a row type (pg_attribute, attnum > 0, in attnum order). */
typedef struct datum_attr {
	char		name[DATUM_NAME_LEN];
	uint32_t	typid;
	int16_t		len;			/* attlen */
	bool		byval;			/* attbyval */
	char		align;			/* attalign */
	bool		dropped;		/* attisdropped: still takes its place in the
								 * tuple, never printed */
	int32_t		typmod;
	/* the value of a column added after the row was written (attmissingval,
	 * as the raw datum bytes), NULL when absent: such rows read NULL */
	const uint8_t *missing;
	size_t		missing_len;
} datum_attr;

/*
 * The catalog and the TOAST table, as the caller knows them.  type() returns
 * NULL for an unknown oid; enum_label() NULL for an unknown label oid;
 * composite_attrs() NULL when the relation is unknown.  toast_fetch() fills
 * out[0..size) with the value valueid of TOAST relation toastrelid, its
 * chunks concatenated (still compressed if the pointer says so); it fails
 * with RW_ECORRUPT when the value is not (wholly) there, which makes that
 * value DATUM_HEX (e.g. a removed row whose chunks were vacuumed since),
 * and with any other kind when the TOAST table cannot be read, which fails
 * datum_to_text.
 */
typedef struct datum_env {
	void	   *ctx;
	const datum_type *(*type) (void *ctx, uint32_t typid);
	const char *(*enum_label) (void *ctx, uint32_t enum_oid);
	const datum_attr *(*composite_attrs) (void *ctx, uint32_t relid, size_t *n);
	bool		(*toast_fetch) (void *ctx, uint32_t toastrelid, uint32_t valueid,
								uint8_t *out, size_t size, rw_error *err);
} datum_env;

/* How one value came out. */
typedef enum datum_outcome {
	DATUM_TEXT,					/* out holds the text form */
	DATUM_NULL,					/* SQL NULL: out is empty */
	DATUM_HEX,					/* no decoder for the type, or a damaged value:
								 * out holds the bytes as \x hex and why says
								 * which */
} datum_outcome;

typedef struct datum_result {
	datum_outcome outcome;
	char		why[256];		/* DATUM_HEX: the reason, for the manifest */
} datum_result;

/*
 * The text form of one stored value of type typid: data[0..len) is the
 * datum as it sits in the tuple (a varlena with its header, possibly
 * compressed or a TOAST pointer; a fixed-length value in its bytes).
 * Appends to out.  Returns false only when the environment fails (err set,
 * e.g. TOAST chunks that cannot be read); a value that cannot be decoded is
 * DATUM_HEX, not a failure.
 */
bool		datum_to_text(const datum_env *env, uint32_t typid,
						  const uint8_t *data, size_t len, text_buf *out,
						  datum_result *res, rw_error *err);

/*
 * The columns of a heap tuple: tuple points at its header (HeapTupleHeader,
 * t_hoff from its byte 22), tuple_len is lp_len.  For each of the natts
 * attributes, values[i]/lens[i] point into the tuple (or at attrs[i].missing)
 * and isnull[i] is set.  Fails with RW_ECORRUPT when the tuple does not fit
 * its length or the layout.
 */
bool		tuple_deform(const uint8_t *tuple, size_t tuple_len,
						 const datum_attr *attrs, size_t natts,
						 const uint8_t **values, size_t *lens, bool *isnull,
						 rw_error *err);

/*
 * Append field to out as PostgreSQL's CSV format writes it (quote ",",
 * delimiter ',', NULL as an empty unquoted field): quoted when it contains
 * the delimiter, a quote, CR or LF, is empty, or is exactly "\.".
 */
void		csv_append_field(text_buf *out, const char *field, size_t len, bool isnull);

/*
 * Append a whole row of n fields as COPY ... (FORMAT csv) writes it, LF
 * included: byte for byte the same, also for "\." which COPY quotes only
 * as the single column of a row (csv_append_field always quotes it, which
 * reads back the same).  isnull[i] true: fields[i] is not read.
 */
void		csv_append_row(text_buf *out, const char *const *fields, const size_t *lens,
						   const bool *isnull, size_t n);

/*
 * Decompress a compressed varlena's payload: method 0 pglz, 1 lz4, into
 * out[0..rawsize).  RW_ECORRUPT when the data does not decompress to
 * exactly rawsize bytes.
 */
bool		varlena_decompress(int method, const uint8_t *in, size_t in_len,
							   uint8_t *out, size_t rawsize, rw_error *err);

#endif
