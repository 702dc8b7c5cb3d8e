/*
 * A removed row version the target has pruned from its page and no
 * full-page image holds, taken from the source's copy of the page where
 * that version is still unchanged.
 *
 * The source's file is trusted only when its page's LSN is at or after the
 * divergence point: that page then has every change up to the divergence,
 * when the slot held the very version the lost transaction removed.  A
 * version cannot move to another slot, and anything written into the slot
 * since has an xmin assigned after the divergence; so a tuple whose xmin
 * was assigned before it (it precedes first_new_xid) is that version,
 * whatever hint bits or xmax the source set on it since.  A page the source
 * has not written since the divergence may lag its server's buffers and is
 * not used.
 */
#ifndef RW_SALVAGE_SOURCE_H
#define RW_SALVAGE_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "lsn.h"
#include "salvage/salvage_page.h"
#include "salvage/salvage_relfile.h"
#include "source/source.h"

/*
 * Read block blkno of loc from the source into page (blcksz bytes, read
 * twice: a page being written meanwhile is not used); *usable is false (no
 * error) when the source has no such block, it changed between the reads,
 * or its LSN is before diverge.
 */
bool		salvage_source_block(source *src, const salvage_relfile *rf, relfile_locator loc,
								 uint32_t blkno, lsn_t diverge, uint8_t *page, bool *usable,
								 rw_error *err);

/*
 * Blocks first, first + 1, ... of loc from the source, up to n, into buf
 * (n x blcksz bytes): *got whole ones from first on (fewer than n: the
 * relation ends there).  No check of their LSN: for what they hold that
 * cannot change (salvage_toast.h), not for row versions.
 */
bool		salvage_source_blocks(source *src, const salvage_relfile *rf, relfile_locator loc,
								  uint32_t first, uint32_t n, uint8_t *buf, uint32_t *got,
								  rw_error *err);

/*
 * The version at offset of a usable source page, when it is the one from
 * before the divergence: a normal line pointer and an xmin assigned before
 * first_new_xid (the first xid assigned after the divergence, on either
 * side).
 */
bool		salvage_source_version(const uint8_t *page, uint32_t blcksz, uint16_t offset,
								   uint32_t first_new_xid, page_tuple *out);

#endif
