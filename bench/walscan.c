/*
 * walscan DATADIR MAJOR: decode every WAL record of DATADIR/pg_wal (timeline
 * 1, from its first segment on) the way the rewind's scan does, and print
 * the rate.  make bench runs it on the benchmark's old primary.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control.h"
#include "util/fileutil.h"
#include "lsn.h"
#include "target/targetwal.h"
#include "timeline.h"
#include "walreader.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* The oldest timeline-1 segment in pg_wal. */
static bool
first_segment(const char *datadir, uint32_t segsize, uint64_t *segno)
{
	char	   *dir = malloc(strlen(datadir) + 8);
	DIR		   *d;
	struct dirent *e;
	bool		found = false;

	sprintf(dir, "%s/pg_wal", datadir);
	d = opendir(dir);
	free(dir);
	if (d == NULL)
		return false;
	while ((e = readdir(d)) != NULL)
	{
		uint32_t	tli;
		uint64_t	s;

		if (wal_file_name_parse(e->d_name, segsize, &tli, &s) && tli == 1 &&
			(!found || s < *segno))
		{
			*segno = s;
			found = true;
		}
	}
	closedir(d);
	return found;
}

int
main(int argc, char **argv)
{
	char		path[4096];
	uint8_t    *buf;
	size_t		len;
	pg_control	ctl;
	rw_error	err;
	tl_history	hist;
	target_wal *twal;
	wal_reader *r;
	const wal_record *rec;
	lsn_t		first;
	uint64_t	segno, records = 0, blocks = 0;
	double		t0, secs;
	wal_read_status st;

	if (argc != 3)
	{
		fprintf(stderr, "usage: walscan DATADIR MAJOR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/global/pg_control", argv[1]);
	if (!file_read_all(path, &buf, &len, &err) ||
		!control_parse(buf, len, atoi(argv[2]), path, &ctl, &err))
	{
		fprintf(stderr, "walscan: %s\n", err.msg);
		return 1;
	}
	free(buf);
	if (!first_segment(argv[1], ctl.xlog_seg_size, &segno))
	{
		fprintf(stderr, "walscan: no WAL segment of timeline 1 in %s/pg_wal\n", argv[1]);
		return 1;
	}
	tl_single(1, &hist);
	twal = target_wal_open(argv[1], &hist, ctl.xlog_seg_size, ctl.xlog_blcksz, NULL);
	r = walreader_new(pgver_lookup(atoi(argv[2])), ctl.system_identifier, ctl.xlog_seg_size,
					  ctl.xlog_blcksz, target_wal_page_reader(twal));
	t0 = now();
	st = walreader_find_first(r, segno_start(segno, ctl.xlog_seg_size), &first, &err);
	if (st == WAL_READ_OK)
		st = walreader_read_at(r, first, &rec, &err);
	while (st == WAL_READ_OK)
	{
		records++;
		blocks += (uint64_t) rec->nblocks;
		st = walreader_next(r, &rec, &err);
	}
	secs = now() - t0;
	printf("WAL scan: %.1f MB in %.2f s = %.0f MB/s (%llu records, %llu block references; "
		   "stopped at: %s)\n", (double) target_wal_bytes_read(twal) / 1048576.0, secs,
		   (double) target_wal_bytes_read(twal) / 1048576.0 / secs,
		   (unsigned long long) records, (unsigned long long) blocks,
		   st == WAL_READ_END ? "end of WAL" : err.msg);
	walreader_free(r);
	target_wal_close(twal);
	tl_free(&hist);
	return 0;
}
