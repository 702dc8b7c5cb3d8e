/*
 * The relation-keyed hash map (lib/locmap.h): open addressing, linear
 * probing, kept at most 70% full; pure, no I/O.
 */
#include "locmap.h"

#include <stdint.h>
#include <stdlib.h>

#include "xalloc.h"

static size_t
loc_hash(relfile_locator k)
{
	uint64_t	h = ((uint64_t) k.spc * 0x9E3779B97F4A7C15u) ^
		((uint64_t) k.db * 0xC2B2AE3D27D4EB4Fu) ^
		((uint64_t) k.rel * 0x165667B19E3779F9u);

	return (size_t) (h ^ (h >> 29));
}

static size_t
slot_of(const locmap *m, relfile_locator k)
{
	size_t		i = loc_hash(k) & (m->cap - 1);

	while (m->vals[i] != 0 && !relfile_locator_equal(m->keys[i], k))
		i = (i + 1) & (m->cap - 1);
	return i;
}

bool
locmap_get(const locmap *m, relfile_locator k, size_t *val)
{
	size_t		i;

	if (m->cap == 0)
		return false;
	i = slot_of(m, k);
	if (m->vals[i] == 0)
		return false;
	*val = m->vals[i] - 1;
	return true;
}

static void
grow(locmap *m)
{
	locmap		bigger = {0};

	bigger.cap = m->cap ? m->cap * 2 : 64;
	bigger.keys = xcalloc(bigger.cap, sizeof(relfile_locator));
	bigger.vals = xcalloc(bigger.cap, sizeof(size_t));
	for (size_t i = 0; i < m->cap; i++)
		if (m->vals[i] != 0)
			locmap_put(&bigger, m->keys[i], m->vals[i] - 1);
	free(m->keys);
	free(m->vals);
	*m = bigger;
}

void
locmap_put(locmap *m, relfile_locator k, size_t val)
{
	size_t		i;

	if ((m->n + 1) * 10 > m->cap * 7)
		grow(m);
	i = slot_of(m, k);
	if (m->vals[i] == 0)
		m->n++;
	m->keys[i] = k;
	m->vals[i] = val + 1;
}

void
locmap_free(locmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->n = 0;
}
