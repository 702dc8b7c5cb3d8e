/*
 * What a run reads on each side and transfers from the source, estimated
 * from a plan built from the listings, before any file content is compared
 * (issue 15: a dry run says it for every method).  Each figure says what
 * it counts; a range of the transfer is given where only the comparison
 * itself can tell.
 */
#ifndef RW_ESTIMATE_H
#define RW_ESTIMATE_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config_files.h"
#include "filelist.h"
#include "plan/method.h"
#include "plan/plan.h"

typedef struct estimate_input {
	rewind_method method;		/* the method the plan is for (not auto) */
	const plan *plan;			/* built, file contents not yet compared */
	const file_list *source_files;
	const file_list *target_files;
	const str_list *config_files;	/* compared with the source's by a run */
	const char *tsdir;			/* "PG_15_202209061" */
	uint64_t	target_wal_read;	/* bytes of the target's WAL the scans read */
	uint64_t	fetched_so_far; /* read from the source while planning */
	uint32_t	segsize;
	bool		backup;			/* compare: a base backup on a running source,
								 * whose WAL is fetched again after its stop */
} estimate_input;

typedef struct plan_estimate {
	/* read on the target to find what differs (not the journal's copies) */
	uint64_t	target_read;
	uint64_t	target_wal_read;	/* of target_read: its WAL */
	uint64_t	target_relation_read;	/* of target_read: the page-LSN scan */
	/* read on the source, each byte counted once: what it sends or hashes */
	uint64_t	source_read;
	uint64_t	source_wal;		/* of source_read: WAL segments */
	/* transferred from the source: file contents, digests, small files */
	uint64_t	transfer_min;
	uint64_t	transfer_max;
	/* of both: the WAL (compare: from the backup start, fetched twice) */
	uint64_t	wal_min;
	uint64_t	wal_max;
} plan_estimate;

void		plan_estimate_compute(const estimate_input *in, plan_estimate *out);

#endif
