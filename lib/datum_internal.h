/*
 * What the value decoder's files (datum*.c) share: one value to text,
 * recursively, with a status that tells a damaged or unknown value (saved
 * as hex) from a failure of the environment (the run stops).
 */
#ifndef RW_DATUM_INTERNAL_H
#define RW_DATUM_INTERNAL_H

#include "datum.h"
#include "varlena.h"

typedef enum dv_status {
	DV_OK,						/* text appended */
	DV_BAD,						/* no decoder or damaged: why says which */
	DV_FAIL						/* the environment failed: err set */
} dv_status;

/* One value's decoding: the environment and where to say what went wrong. */
typedef struct dv_ctx {
	const datum_env *env;
	char	   *why;
	size_t		why_len;
	rw_error   *err;
	int			depth;			/* nesting of arrays, composites, domains */
} dv_ctx;

/* Sets ctx->why (printf-style) and returns DV_BAD. */
dv_status	dv_bad(dv_ctx *ctx, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* The text of a value of type typid stored as data[0..len) (as in a tuple
 * or an array), appended to out; the core of datum_to_text. */
dv_status	dv_value(dv_ctx *ctx, uint32_t typid, const uint8_t *data, size_t len,
					 text_buf *out);

/* The types decoded here, from the data after their varlena header. */
dv_status	dv_numeric(dv_ctx *ctx, const uint8_t *p, size_t len, text_buf *out);
dv_status	dv_jsonb(dv_ctx *ctx, const uint8_t *p, size_t len, text_buf *out);
dv_status	dv_array(dv_ctx *ctx, const datum_type *t, const uint8_t *p, size_t len,
					 text_buf *out);
dv_status	dv_vector(dv_ctx *ctx, const datum_type *t, const uint8_t *p, size_t len,
					  text_buf *out);
dv_status	dv_record(dv_ctx *ctx, const datum_type *t, const uint8_t *p, size_t len,
					  text_buf *out);
dv_status	dv_range(dv_ctx *ctx, const datum_type *t, const uint8_t *p, size_t len,
					 text_buf *out);
dv_status	dv_multirange(dv_ctx *ctx, const datum_type *t, const uint8_t *p, size_t len,
						  text_buf *out);

/* The element type of a built-in range or multirange type, 0 for any
 * other type. */
uint32_t	dv_range_subtype(uint32_t range);

/* Offset off (counted from a maximally aligned start) rounded up to align. */
static inline size_t
dv_align(size_t off, char align)
{
	size_t		a = align == 'd' ? 8 : align == 'i' ? 4 : align == 's' ? 2 : 1;

	return (off + a - 1) & ~(a - 1);
}

#define DV_MAX_DEPTH 64

#endif
