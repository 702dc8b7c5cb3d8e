/*
 * Varlena headers (varlena.h).
 */
#include "varlena.h"

#include "bytes.h"

size_t
varlena_size(const uint8_t *p, size_t avail)
{
	if (avail < 1)
		return 0;
	if (p[0] == 0x01)
		return (avail >= 2 && p[1] == VARTAG_ONDISK) ? TOAST_POINTER_SIZE : 0;
	if (p[0] & 0x01)
		return p[0] >> 1;
	if (avail < 4 || (get32(p) >> 2) < VARHDRSZ)
		return 0;
	return get32(p) >> 2;
}

bool
varlena_inline(const uint8_t *data, size_t len, const uint8_t **payload, size_t *plen)
{
	size_t		size = varlena_size(data, len);

	if (size == 0 || size > len || data[0] == 0x01)
		return false;
	if (data[0] & 0x01)
	{
		*payload = data + 1;
		*plen = size - 1;
		return true;
	}
	if ((data[0] & 0x03) != 0)
		return false;			/* compressed */
	*payload = data + VARHDRSZ;
	*plen = size - VARHDRSZ;
	return true;
}

bool
varlena_toast_valueid(const uint8_t *data, size_t len, uint32_t *valueid)
{
	/* 0x01, the tag, then varatt_external: rawsize, extinfo, valueid,
	 * toastrelid */
	if (len < TOAST_POINTER_SIZE || data[0] != 0x01 || data[1] != VARTAG_ONDISK)
		return false;
	*valueid = get32(data + 10);
	return true;
}
