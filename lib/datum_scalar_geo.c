/*
 * Geometric types, their coordinates as float8out prints them: point
 * "(x,y)", lseg "[(x1,y1),(x2,y2)]", box "(x1,y1),(x2,y2)" (upper right
 * corner first), path "[...]" open or "(...)" closed, polygon "(...)",
 * line "{A,B,C}", circle "<(x,y),r>".
 *
 * Stored as float8 in order: point x, y; lseg and box two points; line A,
 * B, C; circle the center and the radius.  path: int32 number of points,
 * int32 closed, 4 bytes of padding, the points; polygon: int32 number of
 * points, its bounding box, the points.
 */
#include <inttypes.h>
#include <string.h>

#include "bytes.h"
#include "datum_scalar_family.h"

#define POINT_SIZE 16

static void
append_coord(text_buf *out, const uint8_t *p)
{
	uint64_t	bits = get64(p);
	double		v;

	memcpy(&v, &bits, sizeof(v));
	scalar_append_float8(out, v);
}

static void
append_point(text_buf *out, const uint8_t *p)
{
	text_buf_append(out, "(", 1);
	append_coord(out, p);
	text_buf_append(out, ",", 1);
	append_coord(out, p + 8);
	text_buf_append(out, ")", 1);
}

/* npoints points, comma separated, between open and close. */
static void
append_points(text_buf *out, const uint8_t *p, size_t npoints, char open, char close)
{
	text_buf_append(out, &open, 1);
	for (size_t i = 0; i < npoints; i++)
	{
		if (i > 0)
			text_buf_append(out, ",", 1);
		append_point(out, p + i * POINT_SIZE);
	}
	text_buf_append(out, &close, 1);
}

/* The number of points of a path or polygon whose points start at offset
 * head, or false when the length does not fit it. */
static bool
point_count(const char *type, const uint8_t *p, size_t len, size_t head, size_t *npoints,
			char *why, size_t why_len)
{
	uint32_t	n;

	if (len < head)
	{
		scalar_malformed(why, why_len, "%s value of %zu bytes", type, len);
		return false;
	}
	n = get32(p);
	if ((len - head) / POINT_SIZE != n || (len - head) % POINT_SIZE != 0)
	{
		scalar_malformed(why, why_len, "%s of %" PRIu32 " points in %zu bytes", type, n, len);
		return false;
	}
	*npoints = n;
	return true;
}

scalar_status
datum_scalar_geo(uint32_t typid, const uint8_t *p, size_t len, text_buf *out,
				 char *why, size_t why_len)
{
	size_t		n;

	switch (typid)
	{
		case SCALAR_POINT:
			if (!scalar_len_ok("point", len, POINT_SIZE, why, why_len))
				return SCALAR_MALFORMED;
			append_point(out, p);
			return SCALAR_OK;
		case SCALAR_LSEG:
			if (!scalar_len_ok("lseg", len, 2 * POINT_SIZE, why, why_len))
				return SCALAR_MALFORMED;
			append_points(out, p, 2, '[', ']');
			return SCALAR_OK;
		case SCALAR_BOX:
			if (!scalar_len_ok("box", len, 2 * POINT_SIZE, why, why_len))
				return SCALAR_MALFORMED;
			append_point(out, p);
			text_buf_append(out, ",", 1);
			append_point(out, p + POINT_SIZE);
			return SCALAR_OK;
		case SCALAR_PATH:
			if (!point_count("path", p, len, 12, &n, why, why_len))
				return SCALAR_MALFORMED;
			if (get32(p + 4) > 1)
				return scalar_malformed(why, why_len, "path with closed flag %" PRIu32,
										get32(p + 4));
			if (get32(p + 4))
				append_points(out, p + 12, n, '(', ')');
			else
				append_points(out, p + 12, n, '[', ']');
			return SCALAR_OK;
		case SCALAR_POLYGON:
			if (!point_count("polygon", p, len, 4 + 2 * POINT_SIZE, &n, why, why_len))
				return SCALAR_MALFORMED;
			append_points(out, p + 4 + 2 * POINT_SIZE, n, '(', ')');
			return SCALAR_OK;
		case SCALAR_LINE:
			if (!scalar_len_ok("line", len, 24, why, why_len))
				return SCALAR_MALFORMED;
			text_buf_append(out, "{", 1);
			for (int i = 0; i < 3; i++)
			{
				if (i > 0)
					text_buf_append(out, ",", 1);
				append_coord(out, p + 8 * i);
			}
			text_buf_append(out, "}", 1);
			return SCALAR_OK;
		case SCALAR_CIRCLE:
			if (!scalar_len_ok("circle", len, 24, why, why_len))
				return SCALAR_MALFORMED;
			text_buf_append(out, "<", 1);
			append_point(out, p);
			text_buf_append(out, ",", 1);
			append_coord(out, p + POINT_SIZE);
			text_buf_append(out, ">", 1);
			return SCALAR_OK;
		default:
			return SCALAR_UNKNOWN;
	}
}
