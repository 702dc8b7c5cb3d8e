/*
 * tuple_deform (datum.h): the columns of a heap tuple.
 *
 * The header (HeapTupleHeaderData) is 23 bytes and the null bitmap that
 * follows it when HEAP_HASNULL is set; t_hoff says where the data starts.
 * Columns follow in attnum order, dropped ones included, each at an offset
 * (from the tuple's start, which the page keeps 8-byte aligned) rounded up
 * to its attalign; but a varlena whose first byte is not zero there is not
 * rounded: a 1-byte header or a TOAST pointer is stored unaligned, and the
 * padding before an aligned one is zeros.
 */
#include "datum.h"

#include <string.h>

#include "bytes.h"
#include "datum_internal.h"

#define TUPLE_HEADER_SIZE 23
#define T_INFOMASK2_OFF 18
#define T_INFOMASK_OFF 20
#define T_HOFF_OFF 22
#define HEAP_NATTS_MASK 0x07FF
#define HEAP_HASNULL 0x0001

bool
tuple_deform(const uint8_t *tuple, size_t tuple_len,
			 const datum_attr *attrs, size_t natts,
			 const uint8_t **values, size_t *lens, bool *isnull,
			 rw_error *err)
{
	uint16_t	infomask2,
				infomask;
	size_t		hoff,
				stored,
				off;
	bool		hasnull;

	if (tuple_len < TUPLE_HEADER_SIZE)
		return rw_fail(err, RW_ECORRUPT, "tuple of %zu bytes is shorter than its header",
					   tuple_len);
	infomask2 = get16(tuple + T_INFOMASK2_OFF);
	infomask = get16(tuple + T_INFOMASK_OFF);
	hoff = tuple[T_HOFF_OFF];
	stored = infomask2 & HEAP_NATTS_MASK;
	hasnull = (infomask & HEAP_HASNULL) != 0;
	if (stored > natts)
		return rw_fail(err, RW_ECORRUPT,
					   "tuple holds %zu attributes, its table has %zu", stored, natts);
	if (hoff < TUPLE_HEADER_SIZE + (hasnull ? (stored + 7) / 8 : 0) || hoff > tuple_len)
		return rw_fail(err, RW_ECORRUPT, "tuple header size %zu does not fit a tuple of "
					   "%zu bytes with %zu attributes", hoff, tuple_len, stored);

	off = hoff;
	for (size_t i = 0; i < natts; i++)
	{
		const datum_attr *a = &attrs[i];
		size_t		size;

		values[i] = NULL;
		lens[i] = 0;
		if (i >= stored)
		{
			/* added after this row was written */
			isnull[i] = a->missing == NULL;
			values[i] = a->missing;
			lens[i] = a->missing ? a->missing_len : 0;
			continue;
		}
		if (hasnull && (tuple[TUPLE_HEADER_SIZE + i / 8] & (1u << (i % 8))) == 0)
		{
			isnull[i] = true;
			continue;
		}
		isnull[i] = false;
		if (a->len == -1)
		{
			if (off >= tuple_len || tuple[off] == 0)
				off = dv_align(off, a->align);
			size = off < tuple_len ? varlena_size(tuple + off, tuple_len - off) : 0;
		}
		else if (a->len == -2)
		{
			const uint8_t *nul;

			off = dv_align(off, a->align);
			nul = off < tuple_len ? memchr(tuple + off, 0, tuple_len - off) : NULL;
			size = nul ? (size_t) (nul - (tuple + off)) + 1 : 0;
		}
		else if (a->len > 0)
		{
			off = dv_align(off, a->align);
			size = (size_t) a->len;
		}
		else
			return rw_fail(err, RW_ECORRUPT, "attribute %zu (\"%s\") has length %d",
						   i + 1, a->name, a->len);
		if (size == 0 || off > tuple_len || size > tuple_len - off)
			return rw_fail(err, RW_ECORRUPT,
						   "attribute %zu (\"%s\") at offset %zu does not fit the tuple "
						   "of %zu bytes", i + 1, a->name, off, tuple_len);
		values[i] = tuple + off;
		lens[i] = size;
		off += size;
	}
	return true;
}
