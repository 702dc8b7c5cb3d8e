/*
 * The plan: both directory listings joined with the block map, one action
 * per path.  Built before anything on the target changes; a dry run prints
 * it and stops.
 */
#ifndef RW_PLAN_H
#define RW_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "blockmap.h"
#include "config/config_files.h"
#include "error.h"
#include "filelist.h"
#include "lsn.h"
#include "pgver.h"
#include "timeline.h"

typedef enum plan_action {
	ACT_NONE = 0,				/* keep as it is (possibly with blocks to copy) */
	ACT_COPY,					/* copy the whole file from the source */
	ACT_COPY_TAIL,				/* copy from the target's size to the source's */
	ACT_TRUNCATE,				/* cut to the source's size */
	ACT_REMOVE,					/* remove from the target */
	ACT_CREATE_DIR,
	ACT_CREATE_LINK,
	ACT_RECYCLE,				/* rename a target WAL segment to recycle_to */
	ACT_COUNT
} plan_action;

typedef struct plan_entry {
	char	   *path;
	plan_action action;
	file_type	type;			/* of the entry being created / kept / removed */
	uint64_t	source_size;
	uint64_t	target_size;
	const char *link_target;	/* ACT_CREATE_LINK: borrowed from the source listing */
	char	   *recycle_to;		/* ACT_RECYCLE: a future segment's path, owned */
	uint32_t   *blocks;			/* blocks (within this file) to copy from the source */
	size_t		nblocks;
	bool		is_relation;	/* a relation file (any fork and segment): WAL
								 * replay repairs its changes */
	bool		target_exists;	/* the target has a regular file at path */
} plan_entry;

typedef struct plan_totals {
	uint64_t	files[ACT_COUNT];
	uint64_t	bytes[ACT_COUNT];	/* bytes to fetch (copy actions) or to drop */
	uint64_t	block_files;		/* files with blocks to copy */
	uint64_t	blocks;
	uint64_t	fetch_bytes;		/* everything read from the source */
	uint64_t	source_bytes;		/* size of the source data directory */
	uint64_t	wal_kept;			/* target WAL segments kept */
	uint64_t	identical_files;	/* not copied: same SHA-256 on both sides */
	uint64_t	identical_bytes;	/* not fetched thanks to hashes (whole files and
									 * chunks of files copied in part) */
} plan_totals;

typedef struct plan {
	plan_entry *entries;		/* sorted by path */
	size_t		n;
	size_t		cap;
	plan_totals totals;
} plan;

typedef struct plan_input {
	const pg_version_info *ver;
	const char *tsdir;			/* "PG_15_202209061" */
	uint32_t	segsize;
	lsn_t		diverge;		/* where the histories part */
	lsn_t		redo;			/* redo of the last common checkpoint */
	lsn_t		source_end;		/* where the source's WAL ends now (insert or replay
								 * position); LSN_INVALID: not known */
	const tl_history *source_history;
	bool		keep_config;
	/* with keep_config: the target's configuration files and directories
	 * (config_target_files), kept as they are; NULL: the four top-level ones */
	const str_list *config_files;
	/* the block compare: keep the relation files both sides have at the same
	 * size without blocks to copy (ACT_NONE), for plan_block_compare */
	bool		keep_common;
} plan_input;

bool		plan_build(const plan_input *in, const file_list *source,
					   const file_list *target, const blockmap *map, plan *out,
					   rw_error *err);
void		plan_free(plan *p);

/*
 * Recount the totals after entries changed (plan_skip_identical); the
 * counts that only plan_build knows are kept.
 */
void		plan_recount(plan *p);

const char *plan_action_name(plan_action a);

/* Summary for people: files, blocks and bytes per action. */
void		plan_print_summary(const plan *p, FILE *out);

/* Bytes to fetch for one relation, over all its forks and segment files. */
typedef struct plan_relation_bytes {
	relfile_locator loc;
	uint64_t	bytes;
	uint64_t	blocks;			/* changed blocks among them */
} plan_relation_bytes;

/*
 * The relations with the most bytes to fetch, largest first, at most max
 * of them into out; returns how many.  tsdir as in plan_input.
 */
size_t		plan_top_relations(const plan *p, const char *tsdir,
							   plan_relation_bytes *out, size_t max);

/* Every entry with its action (--debug). */
void		plan_print_entries(const plan *p, FILE *out);

/* Remove (and free) the entries a content comparison marked ACT_COUNT. */
void		plan_drop_marked(plan *p);

#endif
