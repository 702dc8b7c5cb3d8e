/*
 * The page-LSN scan (pagelsn_scan.h): each main-fork segment file of the
 * target read in large sequential chunks, each block judged by its header.
 * Reads the target only.
 */
#include "plan/pagelsn_scan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datapage.h"
#include "pgver.h"
#include "relpath.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "xalloc.h"

#define CHUNK_BLOCKS 128		/* 1 MiB per read */

/* Is block blkno of its fork (page holds it) one to take from the source? */
static bool
take_block(const uint8_t *page, uint32_t blkno, lsn_t diverge, bool checksums,
		   pagelsn_stats *st)
{
	if (datapage_all_zero(page))
	{
		st->all_zero++;
		return true;
	}
	if (!datapage_header_valid(page))
	{
		st->invalid++;
		return true;
	}
	if (checksums && datapage_checksum(page, blkno) != datapage_stored_checksum(page))
	{
		st->bad_checksum++;
		return true;
	}
	if (datapage_lsn(page) >= diverge)
	{
		st->by_lsn++;
		return true;
	}
	return false;
}

static bool
scan_file(const char *pgdata, const file_entry *f, const relpath_info *rp, lsn_t diverge,
		  bool checksums, uint8_t *buf, blockmap *map, pagelsn_stats *st, rw_error *err)
{
	char	   *path = xasprintf("%s/%s", pgdata, f->path);
	uint64_t	first = (uint64_t) rp->segno * RELSEG_BLOCKS;
	uint64_t	whole = f->size / BLCKSZ;
	bool		ok = true;
	int			fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
	{
		rw_fail(err, RW_EIO, "could not open file \"%s\": %s", path, strerror(errno));
		free(path);
		return false;
	}
	for (uint64_t b = 0, n; ok && b < whole; b += n)
	{
		n = whole - b;
		if (n > CHUNK_BLOCKS)
			n = CHUNK_BLOCKS;
		ok = file_pread_exact(fd, path, buf, n * BLCKSZ, b * BLCKSZ, err);
		for (uint64_t i = 0; ok && i < n; i++)
		{
			uint32_t	blkno = (uint32_t) (first + b + i);

			st->blocks++;
			if (take_block(buf + i * BLCKSZ, blkno, diverge, checksums, st))
				blockmap_add(map, rp->loc, blkno);
		}
	}
	/* a partial block PostgreSQL never leaves: the source's version is the truth */
	if (ok && f->size % BLCKSZ != 0)
	{
		st->invalid++;
		blockmap_add(map, rp->loc, (uint32_t) (first + whole));
	}
	close(fd);
	free(path);
	st->files++;
	return ok;
}

bool
pagelsn_scan(const char *pgdata, const char *tsdir, const file_list *tgt_files, lsn_t diverge,
			 bool checksums, blockmap *map, pagelsn_stats *stats, rw_error *err)
{
	uint8_t    *buf = xmalloc((size_t) CHUNK_BLOCKS * BLCKSZ);
	bool		ok = true;

	memset(stats, 0, sizeof(*stats));
	for (size_t i = 0; ok && i < tgt_files->n; i++)
	{
		const file_entry *f = &tgt_files->items[i];
		relpath_info rp;

		if (f->type != FILE_TYPE_REGULAR || !relpath_parse(f->path, tsdir, &rp) ||
			rp.fork != FORK_MAIN)
			continue;
		ok = scan_file(pgdata, f, &rp, diverge, checksums, buf, map, stats, err);
	}
	free(buf);
	if (!ok)
		rw_context(err, "reading the target's relation files for the page-LSN scan");
	else
		log_debug("page-LSN scan: %llu blocks in %llu files; taken: %llu by LSN, %llu all-zero, "
				  "%llu invalid, %llu checksum failures", (unsigned long long) stats->blocks,
				  (unsigned long long) stats->files, (unsigned long long) stats->by_lsn,
				  (unsigned long long) stats->all_zero, (unsigned long long) stats->invalid,
				  (unsigned long long) stats->bad_checksum);
	return ok;
}
