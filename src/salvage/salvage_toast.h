/*
 * Values stored out of line, read from the target's own TOAST relation
 * (the rows being saved are the target's, their TOAST chunks too).
 */
#ifndef RW_SALVAGE_TOAST_H
#define RW_SALVAGE_TOAST_H

#include "datum.h"
#include "salvage/salvage_relfile.h"

typedef struct salvage_toast {
	const salvage_relfile *rf;
	relfile_locator loc;		/* the table's TOAST relation; rel 0: none */
} salvage_toast;

/*
 * datum_env.toast_fetch over t's TOAST relation.  Each value is a
 * scan of the TOAST relation's blocks; memory holds one value's chunks.
 */
bool		salvage_toast_fetch(const salvage_toast *t, uint32_t toastrelid, uint32_t valueid,
								uint8_t *out, size_t size, rw_error *err);

#endif
