/*
 * datum_to_text (datum.h): a stored value to its text form.
 *
 * First the varlena header is undone: a 1-byte (short) or 4-byte header,
 * data compressed in line (4-byte header whose low bits are 10, then the
 * raw size and the method in the top two bits of the next word), or a TOAST
 * pointer (a 0x01 byte, tag 18, then the raw size with its header, the
 * stored size with the method in its top two bits, the value id and the
 * TOAST relation), whose chunks the environment fetches; the value is
 * compressed there when it is stored smaller than its raw size.  Then the
 * value goes by its type: domains to their base type, enums, arrays (and
 * int2vector, oidvector), composites, the built-in ranges and multiranges,
 * numeric and jsonb here, every other type to datum_scalar_out().
 *
 * A value that cannot be decoded is kept as hex: for a varlena, its data
 * after the header (decompressed and fetched when that worked), otherwise
 * the bytes as stored.
 */
#include "datum.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "datum_internal.h"
#include "datum_scalar.h"
#include "xalloc.h"

#define NUMERICOID 1700
#define JSONBOID 3802
#define INT2VECTOROID 22
#define OIDVECTOROID 30
#define RAWSIZE_MASK 0x3FFFFFFFu
#define MAX_VALUE_SIZE 0x3FFFFFFFu	/* 1 GB - 1: no value is larger */

dv_status
dv_bad(dv_ctx *ctx, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(ctx->why, ctx->why_len, fmt, ap);
	va_end(ap);
	return DV_BAD;
}

/* Decompress in[0..in_len) into a new buffer of rawsize bytes. */
static dv_status
decompress(dv_ctx *ctx, int method, const uint8_t *in, size_t in_len, size_t rawsize,
		   uint8_t **owned)
{
	rw_error	derr;
	uint8_t    *buf;

	/* neither method expands data more than about 256 times: a larger
	 * claim is damage, not worth the memory */
	if (rawsize > MAX_VALUE_SIZE || rawsize / 256 > in_len + 1)
		return dv_bad(ctx, "%zu bytes of compressed data cannot hold the %zu bytes "
					  "claimed", in_len, rawsize);
	buf = xmalloc(rawsize ? rawsize : 1);
	if (!varlena_decompress(method, in, in_len, buf, rawsize, &derr))
	{
		free(buf);
		return dv_bad(ctx, "%s", derr.msg);
	}
	*owned = buf;
	return DV_OK;
}

/* A TOAST pointer's value, fetched (and decompressed) into *owned. */
static dv_status
detoast(dv_ctx *ctx, const uint8_t *ptr, uint8_t **owned, size_t *plen)
{
	uint32_t	rawsize = get32(ptr + 2);
	uint32_t	extinfo = get32(ptr + 6);
	uint32_t	valueid = get32(ptr + 10);
	uint32_t	toastrelid = get32(ptr + 14);
	size_t		extsize = extinfo & RAWSIZE_MASK;
	uint8_t    *stored;
	dv_status	st;

	if (rawsize < VARHDRSZ || rawsize > MAX_VALUE_SIZE || extsize > rawsize - VARHDRSZ)
		return dv_bad(ctx, "TOAST pointer to value %u of relation %u: sizes %u and %zu "
					  "do not fit", valueid, toastrelid, rawsize, extsize);
	if (ctx->env->toast_fetch == NULL)
		return dv_bad(ctx, "value %u is stored in TOAST relation %u, which is not available",
					  valueid, toastrelid);
	stored = xmalloc(extsize ? extsize : 1);
	if (!ctx->env->toast_fetch(ctx->env->ctx, toastrelid, valueid, stored, extsize, ctx->err))
	{
		free(stored);
		if (ctx->err->kind != RW_ECORRUPT)
			return DV_FAIL;
		/* the value is not (wholly) there: this value, not the run */
		st = dv_bad(ctx, "%s", ctx->err->msg);
		rw_error_clear(ctx->err);
		return st;
	}
	if (extsize == rawsize - VARHDRSZ)
	{
		*owned = stored;
		*plen = extsize;
		return DV_OK;
	}
	/* compressed: the stored data starts with the raw size and method word */
	if (extsize < 4 || (get32(stored) & RAWSIZE_MASK) != rawsize - VARHDRSZ)
		st = dv_bad(ctx, "TOAST value %u of relation %u: compressed data does not match "
					"its pointer", valueid, toastrelid);
	else
		st = decompress(ctx, (int) (get32(stored) >> 30), stored + 4, extsize - 4,
						rawsize - VARHDRSZ, owned);
	*plen = rawsize - VARHDRSZ;
	free(stored);
	return st;
}

/*
 * The data of the varlena data[0..len), in line or in *owned (the caller
 * frees it).
 */
static dv_status
varlena_payload(dv_ctx *ctx, const uint8_t *data, size_t len,
				const uint8_t **payload, size_t *plen, uint8_t **owned)
{
	size_t		size = varlena_size(data, len);

	*owned = NULL;
	if (size == 0 || size != len)
		return dv_bad(ctx, "damaged varlena header (%zu bytes stored)", len);
	if (data[0] == 0x01)
	{
		dv_status	st = detoast(ctx, data, owned, plen);

		*payload = *owned;
		return st;
	}
	if ((data[0] & 0x03) == 0x02)
	{
		uint32_t	tcinfo;
		dv_status	st;

		if (size < 8)
			return dv_bad(ctx, "compressed value of %zu bytes is too short", size);
		tcinfo = get32(data + 4);
		st = decompress(ctx, (int) (tcinfo >> 30), data + 8, size - 8,
						tcinfo & RAWSIZE_MASK, owned);
		*payload = *owned;
		*plen = tcinfo & RAWSIZE_MASK;
		return st;
	}
	if (!varlena_inline(data, len, payload, plen))
		return dv_bad(ctx, "damaged varlena header");
	return DV_OK;
}

/* An enum's label by the pg_enum oid stored in the value. */
static dv_status
enum_out(dv_ctx *ctx, const datum_type *t, const uint8_t *data, size_t len, text_buf *out)
{
	const char *label;

	if (len != 4)
		return dv_bad(ctx, "enum value of %zu bytes", len);
	label = ctx->env->enum_label ? ctx->env->enum_label(ctx->env->ctx, get32(data)) : NULL;
	if (label == NULL)
		return dv_bad(ctx, "label %u of enum %s is unknown", get32(data), t->name);
	text_buf_append(out, label, strlen(label));
	return DV_OK;
}

static dv_status
scalar_out(dv_ctx *ctx, const datum_type *t, const uint8_t *p, size_t len, text_buf *out)
{
	switch (datum_scalar_out(t->oid, p, len, out, ctx->why, ctx->why_len))
	{
		case SCALAR_OK:
			return DV_OK;
		case SCALAR_MALFORMED:
			return DV_BAD;
		case SCALAR_UNKNOWN:
		default:
			return dv_bad(ctx, "no decoder for type %s (oid %u)", t->name, t->oid);
	}
}

/* A type by oid, domains followed to their base type. */
static const datum_type *
base_type(dv_ctx *ctx, uint32_t typid, dv_status *st)
{
	const datum_type *t = ctx->env->type(ctx->env->ctx, typid);

	for (int hops = 0; t != NULL && t->kind == 'd'; hops++)
	{
		if (hops >= DV_MAX_DEPTH)
		{
			*st = dv_bad(ctx, "domain %s nests too deep", t->name);
			return NULL;
		}
		t = ctx->env->type(ctx->env->ctx, t->basetype);
	}
	if (t == NULL)
		*st = dv_bad(ctx, "type oid %u is unknown", typid);
	return t;
}

static dv_status
typed_out(dv_ctx *ctx, const datum_type *t, const uint8_t *p, size_t len, text_buf *out)
{
	if (t->kind == 'e')
		return enum_out(ctx, t, p, len, out);
	if (t->kind == 'c')
		return dv_record(ctx, t, p, len, out);
	if (t->oid == INT2VECTOROID || t->oid == OIDVECTOROID)
		return dv_vector(ctx, t, p, len, out);
	if (t->len == -1 && t->elem != 0 && t->category == 'A')
		return dv_array(ctx, t, p, len, out);
	if (t->kind == 'r' && dv_range_subtype(t->oid) != 0)
		return dv_range(ctx, t, p, len, out);
	if (t->kind == 'm' && dv_range_subtype(t->oid) != 0)
		return dv_multirange(ctx, t, p, len, out);
	if (t->oid == NUMERICOID)
		return dv_numeric(ctx, p, len, out);
	if (t->oid == JSONBOID)
		return dv_jsonb(ctx, p, len, out);
	return scalar_out(ctx, t, p, len, out);
}

/*
 * The type of a value (domains followed) and its data: after the varlena
 * header, decompressed and fetched, in *owned (the caller frees it) when
 * it was not in line.
 */
static dv_status
value_data(dv_ctx *ctx, uint32_t typid, const uint8_t *data, size_t len,
		   const datum_type **t, const uint8_t **p, size_t *plen, uint8_t **owned)
{
	dv_status	st = DV_OK;

	*owned = NULL;
	*t = base_type(ctx, typid, &st);
	if (*t == NULL)
		return st;
	if ((*t)->len > 0 && len != (size_t) (*t)->len)
		return dv_bad(ctx, "value of type %s has %zu bytes, not %d", (*t)->name, len,
					  (*t)->len);
	if ((*t)->len == -1)
		return varlena_payload(ctx, data, len, p, plen, owned);
	*p = data;
	*plen = len;
	return DV_OK;
}

dv_status
dv_value(dv_ctx *ctx, uint32_t typid, const uint8_t *data, size_t len, text_buf *out)
{
	const datum_type *t;
	const uint8_t *p;
	size_t		plen;
	uint8_t    *owned;
	dv_status	st;

	if (ctx->depth >= DV_MAX_DEPTH)
		return dv_bad(ctx, "value of type %u nests too deep", typid);
	st = value_data(ctx, typid, data, len, &t, &p, &plen, &owned);
	if (st == DV_OK)
	{
		ctx->depth++;
		st = typed_out(ctx, t, p, plen, out);
		ctx->depth--;
	}
	free(owned);
	return st;
}

static void
append_hex(text_buf *out, const uint8_t *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char		pair[2];

	text_buf_append(out, "\\x", 2);
	for (size_t i = 0; i < len; i++)
	{
		pair[0] = digits[p[i] >> 4];
		pair[1] = digits[p[i] & 0x0f];
		text_buf_append(out, pair, 2);
	}
}

bool
datum_to_text(const datum_env *env, uint32_t typid,
			  const uint8_t *data, size_t len, text_buf *out,
			  datum_result *res, rw_error *err)
{
	size_t		start = out->len;
	dv_ctx		ctx = {env, res->why, sizeof(res->why), err, 0};
	const datum_type *t;
	const uint8_t *p;
	size_t		plen;
	uint8_t    *owned;
	dv_status	st;
	bool		have_data;

	res->why[0] = '\0';
	if (data == NULL)
	{
		res->outcome = DATUM_NULL;
		return true;
	}
	st = value_data(&ctx, typid, data, len, &t, &p, &plen, &owned);
	have_data = st == DV_OK;
	if (st == DV_OK)
	{
		ctx.depth++;
		st = typed_out(&ctx, t, p, plen, out);
	}
	if (st != DV_OK)
	{
		/* nothing of a value half written */
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	if (st == DV_BAD)
	{
		/* the data when it could be read, else the bytes as stored */
		if (have_data)
			append_hex(out, p, plen);
		else
			append_hex(out, data, len);
	}
	free(owned);
	res->outcome = st == DV_OK ? DATUM_TEXT : DATUM_HEX;
	return st != DV_FAIL;
}
