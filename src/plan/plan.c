/*
 * The plan (plan.h): both listings joined with the block map and the file
 * rules, one action per path, WAL segments decided by the histories.
 * Pure: memory only; built before anything on the target changes.
 */

#include "plan/plan.h"

#include <stdlib.h>
#include <string.h>

#include "byte_size.h"
#include "filerules.h"
#include "pathname.h"
#include "plan/listing_safety.h"
#include "pgver.h"
#include "relpath.h"
#include "xalloc.h"

static plan_entry *
add_entry(plan *p, const char *path, plan_action action, file_type type)
{
	plan_entry *e;

	xgrow((void **) &p->entries, &p->cap, p->n + 1, sizeof(plan_entry));
	e = &p->entries[p->n++];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(path);
	e->action = action;
	e->type = type;
	return e;
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* --- WAL ---------------------------------------------------------------- */

typedef enum wal_decision {
	WAL_NOT_SPECIAL,			/* not a WAL file: general rules apply */
	WAL_KEEP_TARGET,			/* the target's copy is identical to what recovery needs */
	WAL_KEEP_MARKER,			/* the target's archiver marker of a segment it keeps */
	WAL_FROM_SOURCE,			/* take the source's file */
	WAL_DROP					/* remove from the target, do not copy */
} wal_decision;

/*
 * A segment file (tli, segno) whose whole range lies before the divergence
 * point holds, on both sides, the same shared history: keep the target's.
 * Segments reaching past the divergence point must come from the source.
 * Source segments older than the redo point of the last common checkpoint
 * are never read by recovery and are not copied, nor are those past the
 * source's end: the source recycled them ahead of its insert position, and
 * what it writes there during the rewind reaches the node by streaming, as
 * does everything after the segments copied.
 */
static wal_decision
decide_segment(const plan_input *in, uint32_t tli, uint64_t segno, bool in_source,
			   bool in_target)
{
	lsn_t		seg_end = segno_start(segno + 1, in->segsize);
	const tl_entry *te;

	if (in_target && seg_end <= in->diverge && tl_contains(in->source_history, tli, &te))
		return WAL_KEEP_TARGET;
	if (in_source && segno >= lsn_segno(in->redo, in->segsize) &&
		(in->source_end == LSN_INVALID || segno <= lsn_segno(in->source_end, in->segsize)) &&
		tl_contains(in->source_history, tli, &te) &&
		(te->end == LSN_INVALID || segno_start(segno, in->segsize) < te->end))
		return WAL_FROM_SOURCE;
	return WAL_DROP;
}

/*
 * The target's archiver marker (".ready", ".done") of a segment stays only
 * with the segment: one the target keeps.  A marker left for a segment that
 * is recycled or removed would send an archiver after a file that is gone.
 */
static wal_decision
decide_status(const plan_input *in, const char *marker)
{
	char		seg[WAL_FILE_NAME_LEN + 1];
	uint32_t	tli;
	uint64_t	segno;
	const tl_entry *te;

	if (strlen(marker) <= WAL_FILE_NAME_LEN || marker[WAL_FILE_NAME_LEN] != '.')
		return WAL_KEEP_MARKER;		/* a history file's, or not ours to judge */
	memcpy(seg, marker, WAL_FILE_NAME_LEN);
	seg[WAL_FILE_NAME_LEN] = '\0';
	if (!wal_file_name_parse(seg, in->segsize, &tli, &segno))
		return WAL_KEEP_MARKER;
	if (segno_start(segno + 1, in->segsize) <= in->diverge &&
		tl_contains(in->source_history, tli, &te))
		return WAL_KEEP_MARKER;
	return WAL_DROP;
}

static wal_decision
decide_wal(const plan_input *in, const char *path, bool in_source, bool in_target)
{
	const char *name;
	uint32_t	tli;
	uint64_t	segno;

	if (!starts_with(path, "pg_wal/"))
		return WAL_NOT_SPECIAL;
	name = path + strlen("pg_wal/");
	if (wal_file_name_parse(name, in->segsize, &tli, &segno))
		return decide_segment(in, tli, segno, in_source, in_target);
	if (wal_history_name_parse(name, &tli))
		return in_source ? WAL_FROM_SOURCE : WAL_DROP;
	/* the source's archiver markers and partial segments mean nothing here */
	if (starts_with(name, "archive_status/"))
		return in_target ? decide_status(in, name + strlen("archive_status/")) : WAL_DROP;
	if (strlen(name) > 8 && strcmp(name + strlen(name) - 8, ".partial") == 0)
		return WAL_DROP;
	return WAL_NOT_SPECIAL;
}

/* --- relation files ----------------------------------------------------- */

/*
 * The block map's blocks of the relation rp that fall inside its segment
 * file and inside both sides' sizes: their count, and when out is not
 * NULL, their numbers in the file, written to out.
 */
static size_t
blocks_in_file(const relpath_info *rp, const blockmap *map, uint64_t source_size,
			   uint64_t target_size, uint32_t *out)
{
	size_t		n, count = 0;
	const uint32_t *blocks = blockmap_blocks(map, rp->loc, &n);
	uint64_t	first = (uint64_t) rp->segno * RELSEG_BLOCKS;
	uint64_t	common = source_size < target_size ? source_size : target_size;
	uint64_t	limit = first + common / BLCKSZ;

	for (size_t i = 0; i < n; i++)
		if (blocks[i] >= first && blocks[i] < limit)
		{
			if (out)
				out[count] = (uint32_t) (blocks[i] - first);
			count++;
		}
	return count;
}

/*
 * A file both sides have.  A relation file of the same size on both sides
 * with no changed block is left out of the plan before anything is
 * allocated for it: in a cluster of many relations, that is nearly all.
 */
static void
plan_common_file(plan *p, const plan_input *in, const file_entry *s, const file_entry *t,
				 const blockmap *map)
{
	relpath_info rp;
	plan_entry *e;
	plan_action action = ACT_NONE;
	size_t		nblocks;

	bool		relation = relpath_parse(s->path, in->tsdir, &rp);

	if (!relation || rp.fork != FORK_MAIN)
	{
		/* non-relation files and other forks are copied whole */
		e = add_entry(p, s->path, ACT_COPY, FILE_TYPE_REGULAR);
		e->source_size = s->size;
		e->target_size = t->size;
		e->is_relation = relation;
		e->target_exists = true;
		return;
	}
	if (t->size > s->size)
		action = ACT_TRUNCATE;
	else if (t->size < s->size)
		action = ACT_COPY_TAIL;
	nblocks = blocks_in_file(&rp, map, s->size, t->size, NULL);
	if (action == ACT_NONE && nblocks == 0 && !in->keep_common)
		return;
	e = add_entry(p, s->path, action, FILE_TYPE_REGULAR);
	e->is_relation = true;
	e->source_size = s->size;
	e->target_size = t->size;
	if (nblocks > 0)
	{
		e->blocks = xmalloc(nblocks * sizeof(uint32_t));
		e->nblocks = blocks_in_file(&rp, map, s->size, t->size, e->blocks);
	}
}

static bool
dirlike(file_type t)
{
	return t == FILE_TYPE_DIRECTORY || t == FILE_TYPE_SYMLINK;
}

static void
plan_remove(plan *p, const file_entry *t)
{
	plan_entry *e = add_entry(p, t->path, ACT_REMOVE, t->type);

	e->target_size = t->type == FILE_TYPE_REGULAR ? t->size : 0;
}

static void
plan_create(plan *p, const plan_input *in, const file_entry *s)
{
	relpath_info rp;
	plan_entry *e;

	switch (s->type)
	{
		case FILE_TYPE_DIRECTORY:
			add_entry(p, s->path, ACT_CREATE_DIR, FILE_TYPE_DIRECTORY);
			break;
		case FILE_TYPE_SYMLINK:
			e = add_entry(p, s->path, ACT_CREATE_LINK, FILE_TYPE_SYMLINK);
			e->link_target = s->link_target;
			break;
		case FILE_TYPE_REGULAR:
			e = add_entry(p, s->path, ACT_COPY, FILE_TYPE_REGULAR);
			e->source_size = s->size;
			e->is_relation = relpath_parse(s->path, in->tsdir, &rp);
			break;
	}
}

/* Does the source have the directory that holds path (the top level always)? */
static bool
source_has_parent(const file_list *source, const char *path)
{
	char	   *parent;
	bool		found;

	if (strchr(path, '/') == NULL)
		return true;
	parent = path_parent(path);
	found = file_list_find(source, parent) != NULL;
	free(parent);
	return found;
}

/* Decide for one path: s or t may be NULL, 'any' is whichever is not. */
static bool
plan_path(plan *p, const plan_input *in, const file_list *source, const file_entry *s,
		  const file_entry *t, const file_entry *any, const blockmap *map, rw_error *err)
{
	const char *path = any->path;
	wal_decision wal = any->type == FILE_TYPE_REGULAR ?
		decide_wal(in, path, s != NULL, t != NULL) : WAL_NOT_SPECIAL;

	switch (wal)
	{
		case WAL_KEEP_TARGET:
			p->totals.wal_kept++;
			return true;
		case WAL_KEEP_MARKER:
			return true;
		case WAL_FROM_SOURCE:
			if (s->type != FILE_TYPE_REGULAR)
				break;
			plan_create(p, in, s);
			if (t && t->type == FILE_TYPE_REGULAR)
			{
				p->entries[p->n - 1].target_size = t->size;
				p->entries[p->n - 1].target_exists = true;
			}
			return true;
		case WAL_DROP:
			if (t)
				plan_remove(p, t);
			return true;
		case WAL_NOT_SPECIAL:
			break;
	}

	/* what the target's postgresql.conf includes from inside the data directory */
	if (in->keep_config && in->config_files &&
		(dirlike(any->type) ? t && config_is_kept_dir(in->config_files, path)
		 : config_is_kept(in->config_files, path)))
		return true;

	switch (filerule_for(path, in->ver, in->keep_config))
	{
		case RULE_CONTROL:
			return true;		/* rewritten at the very end */
		case RULE_EXCLUDE:
			if (t)
				plan_remove(p, t);
			return true;
		case RULE_KEEP_TARGET:
			/* unless its directory goes away (PG_VERSION of a dropped database) */
			if (t && (s || source_has_parent(source, path)))
				return true;
			break;
		case RULE_NORMAL:
			break;
	}

	if (s && t)
	{
		if (dirlike(s->type) && dirlike(t->type))
			return true;
		if (s->type != t->type)
			return rw_fail(err, RW_ESTATE,
						   "\"%s\" is a %s on the source but a %s on the target",
						   path, s->type == FILE_TYPE_REGULAR ? "file" : "directory",
						   t->type == FILE_TYPE_REGULAR ? "file" : "directory");
		plan_common_file(p, in, s, t, map);
	}
	else if (s)
		plan_create(p, in, s);
	else
		plan_remove(p, any);
	return true;
}

/* The segment number of a WAL segment file at path (under pg_wal/), if it is one. */
static bool
wal_segment_of(const plan_input *in, const char *path, uint64_t *segno)
{
	uint32_t	tli;

	return starts_with(path, "pg_wal/") &&
		wal_file_name_parse(path + strlen("pg_wal/"), in->segsize, &tli, segno);
}

static uint64_t
highest_segment(const plan_input *in, const file_list *l, uint64_t highest)
{
	uint64_t	segno;

	for (size_t i = 0; i < l->n; i++)
		if (wal_segment_of(in, l->items[i].path, &segno) && segno > highest)
			highest = segno;
	return highest;
}

/*
 * The target's WAL segments that the plan removes are recycled instead, as
 * the server recycles its own: renamed to segment names of the source's
 * timeline past every segment either side has, to be overwritten by the WAL
 * the rewound node receives.  A rename costs nothing, where removing costs
 * the file system the release of the segment's extents (a target's recycled
 * and divergent segments can be gigabytes) and the journal a copy.  A stale
 * segment under a later name is never taken for WAL: every page header
 * holds the address it was written for, which the reader checks.
 */
static void
recycle_wal(plan *p, const plan_input *in, const file_list *source, const file_list *target)
{
	uint64_t	next = highest_segment(in, target, highest_segment(in, source, 0)) + 1;
	uint32_t	tli = in->source_history->entries[in->source_history->n - 1].tli;
	char		name[WAL_FILE_NAME_LEN + 1];
	uint64_t	segno;

	for (size_t i = 0; i < p->n; i++)
	{
		plan_entry *e = &p->entries[i];

		if (e->action != ACT_REMOVE || e->type != FILE_TYPE_REGULAR ||
			e->target_size != in->segsize || !wal_segment_of(in, e->path, &segno))
			continue;
		wal_file_name(name, tli, next++, in->segsize);
		e->action = ACT_RECYCLE;
		e->recycle_to = xasprintf("pg_wal/%s", name);
	}
}

/* Bytes that plan entry e fetches from the source. */
static uint64_t
plan_entry_fetch_bytes(const plan_entry *e)
{
	uint64_t	bytes = (uint64_t) e->nblocks * BLCKSZ;

	if (e->action == ACT_COPY)
		bytes += e->source_size;
	else if (e->action == ACT_COPY_TAIL)
		bytes += e->source_size - e->target_size;
	return bytes;
}

static int
cmp_relation_loc(const void *a, const void *b)
{
	const relfile_locator *x = &((const plan_relation_bytes *) a)->loc;
	const relfile_locator *y = &((const plan_relation_bytes *) b)->loc;

	if (x->spc != y->spc)
		return x->spc < y->spc ? -1 : 1;
	if (x->db != y->db)
		return x->db < y->db ? -1 : 1;
	return (x->rel > y->rel) - (x->rel < y->rel);
}

static int
cmp_relation_bytes(const void *a, const void *b)
{
	const plan_relation_bytes *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return cmp_relation_loc(a, b);
}

size_t
plan_top_relations(const plan *p, const char *tsdir, plan_relation_bytes *out, size_t max)
{
	plan_relation_bytes *all = xmalloc((p->n + 1) * sizeof(plan_relation_bytes));
	size_t		n = 0, merged = 0;
	relpath_info rp;

	for (size_t i = 0; i < p->n; i++)
	{
		const plan_entry *e = &p->entries[i];
		uint64_t	bytes = plan_entry_fetch_bytes(e);

		if (bytes == 0 || !relpath_parse(e->path, tsdir, &rp))
			continue;
		all[n].loc = rp.loc;
		all[n].bytes = bytes;
		all[n].blocks = e->nblocks;
		n++;
	}
	/* one line per relation: forks and segment files are added up */
	qsort(all, n, sizeof(plan_relation_bytes), cmp_relation_loc);
	for (size_t i = 0; i < n; i++)
	{
		if (merged > 0 && cmp_relation_loc(&all[merged - 1], &all[i]) == 0)
		{
			all[merged - 1].bytes += all[i].bytes;
			all[merged - 1].blocks += all[i].blocks;
		}
		else
			all[merged++] = all[i];
	}
	qsort(all, merged, sizeof(plan_relation_bytes), cmp_relation_bytes);
	if (merged > max)
		merged = max;
	if (merged > 0)
		memcpy(out, all, merged * sizeof(plan_relation_bytes));
	free(all);
	return merged;
}

void
plan_recount(plan *p)
{
	plan_totals *tot = &p->totals;
	plan_totals keep = *tot;

	memset(tot, 0, sizeof(*tot));
	tot->source_bytes = keep.source_bytes;
	tot->wal_kept = keep.wal_kept;
	tot->identical_files = keep.identical_files;
	tot->identical_bytes = keep.identical_bytes;
	for (size_t i = 0; i < p->n; i++)
	{
		const plan_entry *e = &p->entries[i];
		uint64_t	bytes = 0;

		switch (e->action)
		{
			case ACT_COPY:
				bytes = e->source_size;
				tot->fetch_bytes += bytes;
				break;
			case ACT_COPY_TAIL:
				bytes = e->source_size - e->target_size;
				tot->fetch_bytes += bytes;
				break;
			case ACT_TRUNCATE:
				bytes = e->target_size - e->source_size;
				break;
			case ACT_REMOVE:
			case ACT_RECYCLE:
				bytes = e->target_size;
				break;
			default:
				break;
		}
		if (e->action != ACT_NONE)
		{
			tot->files[e->action]++;
			tot->bytes[e->action] += bytes;
		}
		if (e->nblocks)
		{
			tot->block_files++;
			tot->blocks += e->nblocks;
			tot->fetch_bytes += (uint64_t) e->nblocks * BLCKSZ;
		}
	}
}

static void
compute_totals(plan *p, const file_list *source)
{
	for (size_t i = 0; i < source->n; i++)
		if (source->items[i].type == FILE_TYPE_REGULAR)
			p->totals.source_bytes += source->items[i].size;
	plan_recount(p);
}

bool
plan_build(const plan_input *in, const file_list *source, const file_list *target,
		   const blockmap *map, plan *out, rw_error *err)
{
	size_t		i = 0, j = 0;
	bool		ok;

	memset(out, 0, sizeof(*out));
	ok = listing_source_safe(source, err);

	/* a merge of the two sorted listings */
	while (ok && i < source->n && j < target->n)
	{
		const file_entry *s = &source->items[i];
		const file_entry *t = &target->items[j];
		int			cmp = strcmp(s->path, t->path);

		if (cmp < 0)
			ok = plan_path(out, in, source, s, NULL, s, map, err);
		else if (cmp > 0)
			ok = plan_path(out, in, source, NULL, t, t, map, err);
		else
			ok = plan_path(out, in, source, s, t, s, map, err);
		i += (cmp <= 0);
		j += (cmp >= 0);
	}
	for (; ok && i < source->n; i++)
		ok = plan_path(out, in, source, &source->items[i], NULL, &source->items[i], map, err);
	for (; ok && j < target->n; j++)
		ok = plan_path(out, in, source, NULL, &target->items[j], &target->items[j], map, err);
	if (!ok)
	{
		plan_free(out);
		return false;
	}
	recycle_wal(out, in, source, target);
	compute_totals(out, source);
	return true;
}

void
plan_free(plan *p)
{
	for (size_t i = 0; i < p->n; i++)
	{
		free(p->entries[i].path);
		free(p->entries[i].blocks);
		free(p->entries[i].recycle_to);
	}
	free(p->entries);
	memset(p, 0, sizeof(*p));
}

const char *
plan_action_name(plan_action a)
{
	static const char *const names[ACT_COUNT] = {
		[ACT_NONE] = "none", [ACT_COPY] = "copy", [ACT_COPY_TAIL] = "copy tail",
		[ACT_TRUNCATE] = "truncate", [ACT_REMOVE] = "remove",
		[ACT_CREATE_DIR] = "create directory", [ACT_CREATE_LINK] = "create link",
		[ACT_RECYCLE] = "recycle WAL"
	};

	return (a < ACT_COUNT) ? names[a] : "?";
}

static void
print_size(FILE *out, uint64_t bytes)
{
	char		size[BYTE_SIZE_LEN];

	byte_size_format(size, sizeof(size), bytes);
	fputs(size, out);
}

void
plan_print_summary(const plan *p, FILE *out)
{
	const plan_totals *t = &p->totals;
	static const plan_action order[] = {ACT_COPY, ACT_COPY_TAIL, ACT_TRUNCATE, ACT_REMOVE,
	ACT_RECYCLE, ACT_CREATE_DIR, ACT_CREATE_LINK};

	fprintf(out, "Plan:\n");
	fprintf(out, "  %-22s %8llu files, %10llu blocks, ", "copy changed blocks",
			(unsigned long long) t->block_files, (unsigned long long) t->blocks);
	print_size(out, t->blocks * BLCKSZ);
	fputc('\n', out);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
	{
		plan_action a = order[i];

		fprintf(out, "  %-22s %8llu %s", plan_action_name(a),
				(unsigned long long) t->files[a],
				(a == ACT_CREATE_DIR) ? "directories" : (a == ACT_CREATE_LINK) ? "links" : "files");
		if (a == ACT_COPY || a == ACT_COPY_TAIL || a == ACT_TRUNCATE || a == ACT_REMOVE ||
			a == ACT_RECYCLE)
		{
			fprintf(out, ", ");
			print_size(out, t->bytes[a]);
		}
		fputc('\n', out);
	}
	fprintf(out, "  %-22s %8llu segments\n", "keep target WAL", (unsigned long long) t->wal_kept);
	fprintf(out, "  %-22s %8llu files, ", "identical (SHA-256)",
			(unsigned long long) t->identical_files);
	print_size(out, t->identical_bytes);
	fprintf(out, " not fetched\n");
	fprintf(out, "  total to fetch from the source: ");
	print_size(out, t->fetch_bytes);
	fprintf(out, " (source data directory: ");
	print_size(out, t->source_bytes);
	fprintf(out, ")\n");
}

void
plan_print_entries(const plan *p, FILE *out)
{
	for (size_t i = 0; i < p->n; i++)
	{
		const plan_entry *e = &p->entries[i];

		fprintf(out, "%s (%s)", e->path, plan_action_name(e->action));
		if (e->recycle_to)
			fprintf(out, " as %s", e->recycle_to);
		if (e->nblocks)
			fprintf(out, ", %zu blocks", e->nblocks);
		fputc('\n', out);
	}
}

void
plan_drop_marked(plan *p)
{
	size_t		out = 0;

	for (size_t i = 0; i < p->n; i++)
	{
		if (p->entries[i].action == ACT_COUNT)
		{
			free(p->entries[i].path);
			free(p->entries[i].blocks);
		}
		else
			p->entries[out++] = p->entries[i];
	}
	p->n = out;
}
