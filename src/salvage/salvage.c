/*
 * --salvage=DIR end to end (salvage.h): for each relation with lost row
 * changes, the target's changed blocks read and judged, the rows decoded
 * with the source's catalog (or kept raw) and streamed into CSV files, the
 * counts kept for the report.  Reads the target's files and WAL and asks
 * the source's catalog; writes only inside DIR.
 */
#include "salvage/salvage.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "salvage/salvage_catalog.h"
#include "salvage/salvage_dir.h"
#include "salvage/salvage_wal.h"
#include "salvage/salvage_page.h"
#include "salvage/salvage_source.h"
#include "salvage/salvage_toast.h"
#include "util/log.h"
#include "xalloc.h"

/* Relations numbered below this are the system's own (FirstNormalObjectId). */
#define FIRST_NORMAL_OID 16384

static const char *const kind_word[2] = {"written", "removed"};

/* What is known of one database. */
typedef struct db_info {
	uint32_t	db;
	salvage_catalog *cat;		/* NULL: no catalog (directory source, or the
								 * database cannot be reached) */
	uint32_t   *altered;		/* tables whose pg_attribute rows a lost
								 * transaction changed */
	size_t		naltered;
} db_info;

/* A removed row version of the current block, as saved once. */
typedef struct version_key {
	uint16_t	offset;
	uint32_t	remover;		/* the (sub)transaction that removed it */
} version_key;

/* The source's copy of the current block, read when first needed. */
typedef enum source_block_state {
	SOURCE_BLOCK_UNREAD,
	SOURCE_BLOCK_USABLE,
	SOURCE_BLOCK_UNUSABLE
} source_block_state;

/* The salvage of one run. */
typedef struct salvage_ctx {
	const salvage_input *in;
	salvage_result *res;
	db_info    *dbs;
	size_t		ndbs,
				capdbs;
	salvage_wal wal;
	uint8_t    *page;
	uint8_t    *image;			/* a full-page image of the block */
	lsn_t		image_lsn;
	uint8_t    *src_page;		/* the source's copy of the block */
	source_block_state src_state;
	page_tuple *tuples;
	size_t		maxtuples;
	version_key *seen;			/* removed versions saved from the current block */
	size_t		nseen,
				capseen;
	text_buf	line;
	text_buf	value;
} salvage_ctx;

/* The output of one table: files opened on their first row. */
typedef struct table_out {
	salvage_ctx *s;
	salvage_table *t;
	const salvage_table_def *def;	/* NULL: raw */
	salvage_catalog *cat;
	datum_env	env;				/* ctx: this table_out */
	salvage_toast toast;
	const uint8_t **values;
	size_t	   *lens;
	bool	   *isnull;
	FILE	   *f[2];
	char		path[2][PATH_MAX];
} table_out;

bool
salvage_check_dir(const char *dir, const char *target_pgdata, rw_error *err)
{
	return salvage_dir_check(dir, target_pgdata, err);
}

void
salvage_file_name(const salvage_table *t, salvage_kind kind, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%s.%s.csv", t->dirpart, t->base, kind_word[kind]);
}

/* --- the catalog of each database ----------------------------------------- */

static void
add_altered(db_info *d, uint32_t relid)
{
	for (size_t i = 0; i < d->naltered; i++)
		if (d->altered[i] == relid)
			return;
	d->altered = xrealloc(d->altered, (d->naltered + 1) * sizeof(uint32_t));
	d->altered[d->naltered++] = relid;
}

/*
 * Tables whose definition a lost transaction changed: pg_attribute rows it
 * wrote or removed, on the target's pages (attrelid is their first column).
 */
static bool
find_altered(salvage_ctx *s, db_info *d, rw_error *err)
{
	uint32_t	attfile;
	const ledger_result *lr = ledger_get(s->in->ledger);

	if (!salvage_pg_attribute_file(d->cat, &attfile, err))
		return false;
	for (size_t r = 0; r < lr->nrels; r++)
	{
		relfile_locator loc = lr->rels[r].loc;
		const uint32_t *blocks;
		size_t		nb;

		if (loc.db != d->db || loc.rel != attfile)
			continue;
		blocks = blockmap_blocks(s->in->map, loc, &nb);
		for (size_t b = 0; b < nb; b++)
		{
			bool		present;
			size_t		nt;

			if (!salvage_read_block(&s->in->rf, loc, blocks[b], s->page, &present, err))
				return false;
			nt = present ? page_tuples(s->page, s->in->rf.blcksz, s->tuples, s->maxtuples) : 0;
			for (size_t i = 0; i < nt; i++)
			{
				const ledger_xact *xmin_x,
						   *xmax_x;
				const page_tuple *t = &s->tuples[i];
				tuple_verdict v = tuple_judge(s->in->ledger, &s->wal.multis, t->data, t->len,
											  &xmin_x, &xmax_x);

				if ((v != TV_NONE || xmin_x || xmax_x) &&
					(size_t) TUPLE_HOFF(t->data) + 4 <= t->len)
					add_altered(d, get32(t->data + TUPLE_HOFF(t->data)));
			}
		}
	}
	return true;
}

static bool
db_for(salvage_ctx *s, uint32_t db, db_info **out, rw_error *err)
{
	db_info    *d;

	for (size_t i = 0; i < s->ndbs; i++)
		if (s->dbs[i].db == db)
		{
			*out = &s->dbs[i];
			return true;
		}
	xgrow((void **) &s->dbs, &s->capdbs, s->ndbs + 1, sizeof(db_info));
	d = &s->dbs[s->ndbs++];
	memset(d, 0, sizeof(*d));
	d->db = db;
	*out = d;
	return salvage_catalog_load(s->in->src, db, &d->cat, err) &&
		(d->cat == NULL || find_altered(s, d, err));
}

/* --- one table -------------------------------------------------------- */

static void
add_xid(salvage_table *t, salvage_kind kind, const ledger_xact *x)
{
	for (size_t i = 0; i < t->nxids[kind]; i++)
		if (t->xids[kind][i] == x->xid)
			return;
	xgrow((void **) &t->xids[kind], &t->capxids[kind], t->nxids[kind] + 1, sizeof(uint32_t));
	t->xids[kind][t->nxids[kind]++] = x->xid;
}

static void
add_ctid(salvage_ctids *c, uint32_t block, uint16_t offset)
{
	if (c->n < SALVAGE_CTID_CAP)
	{
		c->ctids[c->n].block = block;
		c->ctids[c->n].offset = offset;
		c->n++;
	}
	c->count++;
}

static void
add_note(salvage_table *t, const char *column, const char *why)
{
	salvage_note *n;

	for (size_t i = 0; i < t->nnotes; i++)
		if (strcmp(t->notes[i].column, column) == 0 && strcmp(t->notes[i].why, why) == 0)
		{
			t->notes[i].rows++;
			return;
		}
	xgrow((void **) &t->notes, &t->capnotes, t->nnotes + 1, sizeof(salvage_note));
	n = &t->notes[t->nnotes++];
	snprintf(n->column, sizeof(n->column), "%s", column);
	snprintf(n->why, sizeof(n->why), "%s", why);
	n->rows = 1;
}

static void
set_columns(salvage_table *t, const salvage_table_def *def)
{
	static const char *const raw_cols[] = {"row_ctid", "row_xmin", "row_xmax", "tuple"};
	static const char *const raw_types[] = {"tid", "xid", "xid", "bytea"};
	size_t		n = 0;

	t->columns = xcalloc(def ? def->natts + 1 : 4, sizeof(char *));
	t->types = xcalloc(def ? def->natts + 1 : 4, sizeof(char *));
	if (def == NULL)
	{
		for (; n < 4; n++)
		{
			t->columns[n] = xstrdup(raw_cols[n]);
			t->types[n] = xstrdup(raw_types[n]);
		}
	}
	else
		for (size_t i = 0; i < def->natts; i++)
			if (!def->attrs[i].dropped)
			{
				t->columns[n] = xstrdup(def->attrs[i].name);
				t->types[n] = xstrdup(def->type_names[i]);
				n++;
			}
	t->ncolumns = n;
}

static const datum_type *
env_type(void *ctx, uint32_t typid)
{
	return salvage_catalog_type(((table_out *) ctx)->cat, typid);
}

static const char *
env_enum_label(void *ctx, uint32_t enum_oid)
{
	return salvage_catalog_enum_label(((table_out *) ctx)->cat, enum_oid);
}

static const datum_attr *
env_composite_attrs(void *ctx, uint32_t relid, size_t *n)
{
	return salvage_catalog_composite(((table_out *) ctx)->cat, relid, n);
}

static bool
env_toast_fetch(void *ctx, uint32_t toastrelid, uint32_t valueid, uint8_t *out, size_t size,
				rw_error *err)
{
	return salvage_toast_fetch(&((table_out *) ctx)->toast, toastrelid, valueid, out, size, err);
}

/* The decoder's view of the source's catalog and the target's TOAST table. */
static void
out_env(table_out *o)
{
	o->env.ctx = o;
	o->env.type = env_type;
	o->env.enum_label = env_enum_label;
	o->env.composite_attrs = env_composite_attrs;
	o->env.toast_fetch = env_toast_fetch;
}

/* The file of kind, created with its header line on the first row. */
static bool
out_file(table_out *o, salvage_kind kind, FILE **f, rw_error *err)
{
	char		rel[PATH_MAX];
	char		dbdir[PATH_MAX];
	text_buf	header = {0};
	bool		ok;

	if (o->f[kind] != NULL)
	{
		*f = o->f[kind];
		return true;
	}
	if (!salvage_path(dbdir, sizeof(dbdir), o->s->in->dir, o->t->dirpart, err))
		return false;
	if (mkdir(dbdir, 0700) != 0 && errno != EEXIST)
		return rw_fail_errno(err, errno, "could not create salvage directory \"%s\"", dbdir);
	salvage_file_name(o->t, kind, rel, sizeof(rel));
	if (!salvage_path(o->path[kind], sizeof(o->path[kind]), o->s->in->dir, rel, err))
		return false;
	if ((o->f[kind] = salvage_file_create(o->path[kind], err)) == NULL)
		return false;
	for (size_t i = 0; i < o->t->ncolumns; i++)
	{
		if (i > 0)
			text_buf_append(&header, ",", 1);
		csv_append_field(&header, o->t->columns[i], strlen(o->t->columns[i]), false);
	}
	text_buf_append(&header, "\n", 1);
	ok = fwrite(header.data, 1, header.len, o->f[kind]) == header.len;
	text_buf_free(&header);
	if (!ok)
		return rw_fail_errno(err, errno, "could not write salvage file \"%s\"", o->path[kind]);
	*f = o->f[kind];
	return true;
}

static void
append_hex(text_buf *b, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	text_buf_append(b, "\\x", 2);
	for (size_t i = 0; i < n; i++)
	{
		char		two[2] = {digits[p[i] >> 4], digits[p[i] & 15]};

		text_buf_append(b, two, 2);
	}
}

/* Its ctid, xmin, xmax and the whole tuple as hex. */
static void
raw_line(table_out *o, uint32_t block, const page_tuple *tup)
{
	text_buf   *line = &o->s->line;

	text_buf_appendf(line, "\"(%u,%u)\",%u,%u,", (unsigned) block, (unsigned) tup->offset,
					 (unsigned) TUPLE_XMIN(tup->data), (unsigned) TUPLE_XMAX(tup->data));
	append_hex(line, tup->data, tup->len);
}

/* The decoded columns; false only when the environment failed. */
static bool
decoded_line(table_out *o, uint32_t block, const page_tuple *tup, bool *readable,
			 rw_error *err)
{
	const salvage_table_def *def = o->def;
	text_buf   *line = &o->s->line;
	text_buf   *val = &o->s->value;
	rw_error	bad;
	bool		first = true;
	size_t		stored;

	rw_error_clear(&bad);
	*readable = tuple_deform(tup->data, tup->len, def->attrs, def->natts, o->values, o->lens,
							 o->isnull, &bad);
	if (!*readable)
	{
		log_debug("salvage: tuple (%u,%u) of %s.%s: %s", (unsigned) block,
				  (unsigned) tup->offset, o->t->schema, o->t->name, bad.msg);
		return true;
	}
	stored = TUPLE_NATTS(tup->data);
	for (size_t i = 0; i < def->natts; i++)
	{
		datum_result r;

		if (def->attrs[i].dropped)
			continue;
		if (!first)
			text_buf_append(line, ",", 1);
		first = false;
		if (i >= stored && def->missing_text[i] != NULL)
		{
			/* added after the row was written: the catalog's value, as text */
			csv_append_field(line, def->missing_text[i], strlen(def->missing_text[i]), false);
			continue;
		}
		if (o->isnull[i])
		{
			csv_append_field(line, "", 0, true);
			continue;
		}
		text_buf_reset(val);
		memset(&r, 0, sizeof(r));
		if (!datum_to_text(&o->env, def->attrs[i].typid, o->values[i], o->lens[i], val, &r, err))
		{
			rw_context(err, "salvage of %s.%s, row (%u,%u), column \"%s\"", o->t->schema,
					   o->t->name, (unsigned) block, (unsigned) tup->offset,
					   def->attrs[i].name);
			return false;
		}
		if (r.outcome == DATUM_HEX)
			add_note(o->t, def->attrs[i].name, r.why);
		csv_append_field(line, val->data ? val->data : "", val->len, r.outcome == DATUM_NULL);
	}
	return true;
}

static bool
save_tuple(table_out *o, uint32_t block, const page_tuple *tup, salvage_kind kind,
		   rw_error *err)
{
	text_buf   *line = &o->s->line;
	bool		readable = true;
	FILE	   *f;

	text_buf_reset(line);
	if (o->def == NULL)
		raw_line(o, block, tup);
	else if (!decoded_line(o, block, tup, &readable, err))
		return false;
	if (!readable)
	{
		add_ctid(&o->t->unreadable, block, tup->offset);
		return true;
	}
	text_buf_append(line, "\n", 1);
	if (!out_file(o, kind, &f, err))
		return false;
	if (fwrite(line->data, 1, line->len, f) != line->len)
		return rw_fail_errno(err, errno, "could not write salvage file \"%s\"", o->path[kind]);
	o->t->rows[kind]++;
	return true;
}

static bool
seen(const salvage_ctx *s, uint16_t offset, uint32_t remover)
{
	for (size_t i = 0; i < s->nseen; i++)
		if (s->seen[i].offset == offset && s->seen[i].remover == remover)
			return true;
	return false;
}

static void
mark_seen(salvage_ctx *s, uint16_t offset, uint32_t remover)
{
	xgrow((void **) &s->seen, &s->capseen, s->nseen + 1, sizeof(version_key));
	s->seen[s->nseen].offset = offset;
	s->seen[s->nseen].remover = remover;
	s->nseen++;
}

/* The row versions of the target's block as it is now. */
static bool
scan_current(table_out *o, uint32_t blkno, rw_error *err)
{
	salvage_ctx *s = o->s;
	size_t		nt = page_tuples(s->page, s->in->rf.blcksz, s->tuples, s->maxtuples);

	for (size_t i = 0; i < nt; i++)
	{
		const ledger_xact *xmin_x,
				   *xmax_x;
		const page_tuple *t = &s->tuples[i];
		bool		unknown_multi;

		switch (tuple_judge(s->in->ledger, &s->wal.multis, t->data, t->len, &xmin_x, &xmax_x))
		{
			case TV_NONE:
				break;
			case TV_UNCERTAIN:
				add_ctid(&o->t->uncertain, blkno, t->offset);
				break;
			case TV_WRITTEN:
				add_xid(o->t, SALVAGE_WRITTEN, xmin_x);
				if (!save_tuple(o, blkno, t, SALVAGE_WRITTEN, err))
					return false;
				break;
			case TV_REMOVED:
				mark_seen(s, t->offset,
						  tuple_remover(&s->wal.multis, t->data, t->len, &unknown_multi));
				add_xid(o->t, SALVAGE_REMOVED, xmax_x);
				if (!save_tuple(o, blkno, t, SALVAGE_REMOVED, err))
					return false;
				break;
		}
	}
	return true;
}

/*
 * The version at slot offset of the block from the source's copy of the
 * page, when it is unchanged there (salvage_source.h).
 */
static bool
source_version(salvage_ctx *s, relfile_locator loc, uint32_t blkno, uint16_t offset,
			   page_tuple *t, bool *found, rw_error *err)
{
	*found = false;
	if (s->src_state == SOURCE_BLOCK_UNREAD)
	{
		bool		usable;

		if (!salvage_source_block(s->in->src, &s->in->rf, loc, blkno,
								  ledger_get(s->in->ledger)->diverge, s->src_page, &usable,
								  err))
			return false;
		s->src_state = usable ? SOURCE_BLOCK_USABLE : SOURCE_BLOCK_UNUSABLE;
		if (!usable)
			log_debug("salvage: block %u of relation file %u: the source's copy is not "
					  "known to be from after the divergence point", (unsigned) blkno,
					  (unsigned) loc.rel);
	}
	*found = s->src_state == SOURCE_BLOCK_USABLE &&
		salvage_source_version(s->src_page, s->in->rf.blcksz, offset, s->wal.first_new_xid, t);
	return true;
}

/*
 * A row from before the divergence that a lost committed transaction
 * removed, and that the page no longer shows (pruned since): from the
 * newest full-page image of the block (number g) up to the removal, else
 * from the source's copy of the page, else named in the manifest as not
 * saved.
 */
static bool
save_pruned(table_out *o, uint32_t blkno, uint32_t g, const removal *rm, rw_error *err)
{
	salvage_ctx *s = o->s;
	bool		found,
				zstd;
	page_tuple	t;

	if (!salvage_wal_image(s->in->wal, s->in->ver, &s->wal.images, o->t->loc, blkno, rm->lsn,
						   s->image, s->in->rf.blcksz, &s->image_lsn, &found, &zstd, err))
		return false;
	/*
	 * The slot holds the row from before the divergence (none written there
	 * after it), as the image shows it unless a row was written into the
	 * block after the image and before the divergence (the slot may have
	 * been pruned and taken again since), or a lost transaction wrote it.
	 */
	if (!found || s->image_lsn < salvage_wal_last_write(&s->wal, g) ||
		!page_tuple_at(s->image, s->in->rf.blcksz, rm->offset, &t) ||
		ledger_committed_xact(s->in->ledger, TUPLE_XMIN(t.data)) != NULL)
	{
		if (!source_version(s, o->t->loc, blkno, rm->offset, &t, &found, err))
			return false;
		if (!found)
		{
			/* an image compressed with zstd has it: say so, it is why */
			add_ctid(zstd ? &o->t->zstd_image : &o->t->pruned, blkno, rm->offset);
			return true;
		}
	}
	mark_seen(s, rm->offset, rm->xid);
	add_xid(o->t, SALVAGE_REMOVED, ledger_committed_xact(s->in->ledger, rm->xid));
	return save_tuple(o, blkno, &t, SALVAGE_REMOVED, err);
}

/* The TOAST pointers of a row version to be saved. */
static void
want_toast(table_out *o, const page_tuple *t)
{
	const salvage_table_def *def = o->def;
	rw_error	bad;

	if (!tuple_deform(t->data, t->len, def->attrs, def->natts, o->values, o->lens, o->isnull,
					  &bad))
		return;					/* named as unreadable when saved */
	for (size_t i = 0; i < def->natts; i++)
		if (!o->isnull[i] && !def->attrs[i].dropped && def->attrs[i].len == -1)
			salvage_toast_want(&o->toast, o->values[i], o->lens[i]);
}

/*
 * Where the chunks of the values stored out of line that the table's lost
 * rows point to are: the rows first, then one scan of the TOAST relation.
 */
static bool
index_toast(table_out *o, rw_error *err)
{
	salvage_ctx *s = o->s;
	const uint32_t *blocks;
	size_t		nb;

	if (o->def == NULL || o->toast.loc.rel == 0)
		return true;
	blocks = blockmap_blocks(s->in->map, o->t->loc, &nb);
	for (size_t b = 0; b < nb; b++)
	{
		bool		present;
		size_t		nt;

		if (!salvage_read_block(&s->in->rf, o->t->loc, blocks[b], s->page, &present, err))
			return false;
		nt = present ? page_tuples(s->page, s->in->rf.blcksz, s->tuples, s->maxtuples) : 0;
		for (size_t i = 0; i < nt; i++)
		{
			const ledger_xact *xmin_x,
					   *xmax_x;
			tuple_verdict v = tuple_judge(s->in->ledger, &s->wal.multis, s->tuples[i].data,
										  s->tuples[i].len, &xmin_x, &xmax_x);

			if (v == TV_WRITTEN || v == TV_REMOVED)
				want_toast(o, &s->tuples[i]);
		}
	}
	return salvage_toast_index(&o->toast, err);
}

/* The blocks of the table (relation ri of the ledger), in order. */
static bool
scan_table(table_out *o, size_t ri, rw_error *err)
{
	salvage_ctx *s = o->s;
	const uint32_t *blocks;
	size_t		nb;

	blocks = blockmap_blocks(s->in->map, o->t->loc, &nb);
	for (size_t b = 0; b < nb; b++)
	{
		bool		present;
		size_t		nr;
		const removal *rm;
		uint32_t	g = salvage_wal_block_number(&s->wal, ri, b);

		s->nseen = 0;
		s->image_lsn = LSN_INVALID;
		s->src_state = SOURCE_BLOCK_UNREAD;
		if (!salvage_read_block(&s->in->rf, o->t->loc, blocks[b], s->page, &present, err) ||
			(present && !scan_current(o, blocks[b], err)) ||
			!removal_block(&s->wal.removed, g, &rm, &nr, err))
			return false;
		for (size_t i = 0; i < nr; i++)
			if (!seen(s, rm[i].offset, rm[i].xid) && !save_pruned(o, blocks[b], g, &rm[i], err))
				return false;
	}
	return true;
}

static bool
finish_files(table_out *o, bool ok, rw_error *err)
{
	for (int k = 0; k < 2; k++)
		if (o->f[k] != NULL)
		{
			rw_error	e2;

			rw_error_clear(&e2);
			if (!salvage_file_finish(o->f[k], o->path[k], ok ? err : &e2))
				ok = false;
			o->f[k] = NULL;
		}
	return ok;
}

/* Names for the files: the catalog's, else numbers. */
static void
name_table(salvage_table *t, const db_info *d, const salvage_table_def *def)
{
	if (d->cat != NULL)
	{
		snprintf(t->datname, sizeof(t->datname), "%s", salvage_catalog_datname(d->cat));
		salvage_name_part(t->datname, t->dirpart, sizeof(t->dirpart));
	}
	else
		snprintf(t->dirpart, sizeof(t->dirpart), "database_%u", (unsigned) t->loc.db);
	if (def != NULL && def->found)
	{
		char		a[3 * DATUM_NAME_LEN + 1],
					b[3 * DATUM_NAME_LEN + 1];

		snprintf(t->schema, sizeof(t->schema), "%s", def->schema);
		snprintf(t->name, sizeof(t->name), "%s", def->name);
		salvage_name_part(t->schema, a, sizeof(a));
		salvage_name_part(t->name, b, sizeof(b));
		snprintf(t->base, sizeof(t->base), "%s.%s", a, b);
	}
	else
		snprintf(t->base, sizeof(t->base), "relfile_%u_%u", (unsigned) t->loc.spc,
				 (unsigned) t->loc.rel);
}

/* A table with nothing to say (its changes were all undone or written and
 * removed again): not listed. */
static void
salvage_table_free(salvage_table *t)
{
	for (size_t c = 0; c < t->ncolumns; c++)
	{
		free(t->columns[c]);
		free(t->types[c]);
	}
	free(t->columns);
	free(t->types);
	free(t->xids[0]);
	free(t->xids[1]);
	free(t->notes);
}

static void
drop_last_table(salvage_result *res)
{
	salvage_table_free(&res->tables[--res->n]);
}

/* The row versions of t counted but not saved. */
static uint64_t
not_saved(const salvage_table *t)
{
	return t->uncertain.count + t->unreadable.count + t->pruned.count + t->zstd_image.count;
}

/* Why the catalog's layout cannot be used for rel, or NULL when it can. */
static const char *
raw_reason(const salvage_ctx *s, const db_info *d, const salvage_table_def *def,
		   relfile_locator loc)
{
	if (d->cat == NULL)
		return "no catalog to decode with (a directory source, or the database cannot "
			"be connected to on the source)";
	if (ledger_created_after(s->in->ledger, loc))
		return "the relation file was created after the divergence point (a new table, "
			"or one rewritten by TRUNCATE, VACUUM FULL, CLUSTER or ALTER TABLE)";
	if (!def->found)
		return "the source's catalog has no table with this file";
	for (size_t i = 0; i < d->naltered; i++)
		if (d->altered[i] == def->oid)
			return "the table's columns were changed after the divergence point";
	if (def->missing_unknown)
		return "a column was added with a default value the rows may lack, and the "
			"catalog's value for them (attmissingval) could not be read";
	return NULL;
}

/* Relation ri of the ledger. */
static bool
salvage_rel(salvage_ctx *s, size_t ri, rw_error *err)
{
	relfile_locator loc = ledger_get(s->in->ledger)->rels[ri].loc;
	db_info    *d;
	salvage_table_def def = {0};
	salvage_table *t;
	table_out	o = {.s = s};
	bool		ok;

	if (loc.db == 0 || loc.rel < FIRST_NORMAL_OID)
		return true;			/* shared or system catalogs: not user rows */
	if (!db_for(s, loc.db, &d, err))
		return false;
	if (d->cat != NULL && !ledger_created_after(s->in->ledger, loc) &&
		!salvage_table_describe(d->cat, loc.rel, &def, err))
		return false;
	if (def.found && def.kind != 'r')
	{
		salvage_table_def_free(&def);
		return true;			/* a TOAST table (its values go with the table's
								 * rows), a sequence or a materialized view */
	}
	xgrow((void **) &s->res->tables, &s->res->cap, s->res->n + 1, sizeof(salvage_table));
	t = &s->res->tables[s->res->n++];
	memset(t, 0, sizeof(*t));
	t->loc = loc;
	name_table(t, d, &def);
	t->raw_reason = raw_reason(s, d, &def, loc);
	o.t = t;
	o.def = t->raw_reason ? NULL : &def;
	set_columns(t, o.def);
	if (o.def)
	{
		o.cat = d->cat;
		o.toast.rf = &s->in->rf;
		o.toast.loc = loc;
		o.toast.loc.rel = def.toast_relfilenode;
		o.toast.src = s->in->src;
		o.toast.first_new_xid = s->wal.first_new_xid;
		out_env(&o);
		o.values = xcalloc(def.natts + 1, sizeof(*o.values));
		o.lens = xcalloc(def.natts + 1, sizeof(*o.lens));
		o.isnull = xcalloc(def.natts + 1, sizeof(*o.isnull));
	}
	ok = index_toast(&o, err) && scan_table(&o, ri, err);
	ok = finish_files(&o, ok, err);
	salvage_toast_free(&o.toast);
	if (ok && t->rows[0] + t->rows[1] + not_saved(t) == 0)
		drop_last_table(s->res);
	free(o.values);
	free(o.lens);
	free(o.isnull);
	salvage_table_def_free(&def);
	return ok;
}

/* --- the run ------------------------------------------------------------ */

static void
ctx_free(salvage_ctx *s)
{
	for (size_t i = 0; i < s->ndbs; i++)
	{
		salvage_catalog_free(s->dbs[i].cat);
		free(s->dbs[i].altered);
	}
	free(s->dbs);
	salvage_wal_free(&s->wal);
	free(s->seen);
	free(s->image);
	free(s->src_page);
	free(s->page);
	free(s->tuples);
	text_buf_free(&s->line);
	text_buf_free(&s->value);
}

/* DIR, the databases' directories and DIR's parent, after their files. */
static bool
sync_dirs(const salvage_input *in, const salvage_result *res, rw_error *err)
{
	char		path[PATH_MAX];
	char	   *parent;
	bool		ok = true;

	for (size_t i = 0; ok && i < res->n; i++)
	{
		if (res->tables[i].rows[0] + res->tables[i].rows[1] > 0)
			ok = salvage_path(path, sizeof(path), in->dir, res->tables[i].dirpart, err) &&
				salvage_dir_sync(path, err);
	}
	snprintf(path, sizeof(path), "%s", in->dir);
	parent = strrchr(path, '/');
	if (parent == path)
		parent[1] = '\0';
	else if (parent != NULL)
		*parent = '\0';
	else
		snprintf(path, sizeof(path), ".");
	return ok && salvage_dir_sync(in->dir, err) && salvage_dir_sync(path, err);
}

bool
salvage_run(const salvage_input *in, salvage_result *res, rw_error *err)
{
	salvage_ctx s = {.in = in, .res = res};
	const ledger_result *lr = ledger_get(in->ledger);
	bool		ok;

	memset(res, 0, sizeof(*res));
	res->dir = in->dir;
	if (!salvage_dir_make(in->dir, in->rf.pgdata, err))
		return false;
	s.page = xmalloc(in->rf.blcksz);
	s.image = xmalloc(in->rf.blcksz);
	s.src_page = xmalloc(in->rf.blcksz);
	s.maxtuples = in->rf.blcksz / 4;
	s.tuples = xmalloc(s.maxtuples * sizeof(page_tuple));
	ok = salvage_wal_collect(in->wal, in->ver, in->wal_redo, in->wal_end, in->wal_next_xid,
							 in->ledger, in->map, in->rf.blcksz, in->dir, &s.wal, err);
	if (ok)
		log_debug("salvage: %zu blocks, %zu full-page images, removed rows %s",
				  s.wal.nblocks, s.wal.images.n,
				  s.wal.removed.spilled ? "spilled to a temporary directory" : "in memory");
	for (size_t r = 0; ok && r < lr->nrels; r++)
		ok = salvage_rel(&s, r, err);
	ctx_free(&s);
	ok = ok && salvage_write_manifest(in, res, err) && salvage_write_restore(in, res, err) &&
		sync_dirs(in, res, err);
	if (!ok)
	{
		char		old[sizeof(err->hint)];

		snprintf(old, sizeof(old), "%s", err->hint);
		rw_hint(err, "%s%sThe target was not changed.", old, old[0] ? " " : "");
	}
	res->ran = ok;
	return ok;
}

void
salvage_result_free(salvage_result *res)
{
	for (size_t i = 0; i < res->n; i++)
		salvage_table_free(&res->tables[i]);
	free(res->tables);
	memset(res, 0, sizeof(*res));
}

/* --- counts for the dry run and the report ---------------------------------- */

static void
label(const salvage_table *t, char *out, size_t outlen)
{
	if (t->schema[0])
		snprintf(out, outlen, "%s.%s.%s", t->datname, t->schema, t->name);
	else
		snprintf(out, outlen, "relation file %u in database %u", (unsigned) t->loc.rel,
				 (unsigned) t->loc.db);
}

void
salvage_print_text(const salvage_result *res, FILE *out)
{
	char		name[4 * DATUM_NAME_LEN];

	if (!res->ran)
		return;
	fprintf(out, "\nSalvage: lost rows saved in \"%s\" (manifest.json, restore.sql)\n", res->dir);
	if (res->n == 0)
		fprintf(out, "  no table had rows changed by a lost transaction\n");
	for (size_t i = 0; i < res->n; i++)
	{
		const salvage_table *t = &res->tables[i];

		label(t, name, sizeof(name));
		fprintf(out, "  %s: %llu written, %llu removed%s", name,
				(unsigned long long) t->rows[SALVAGE_WRITTEN],
				(unsigned long long) t->rows[SALVAGE_REMOVED], t->raw_reason ? " (raw)" : "");
		if (not_saved(t) > 0)
			fprintf(out, "; %llu not saved (see manifest.json)",
					(unsigned long long) (not_saved(t)));
		fputc('\n', out);
	}
}

void
salvage_json(const salvage_result *res, json_writer *w)
{
	json_begin_object(w);
	json_kv_string(w, "directory", res->dir);
	json_key(w, "tables");
	json_begin_array(w);
	for (size_t i = 0; i < res->n; i++)
	{
		const salvage_table *t = &res->tables[i];

		json_begin_object(w);
		json_kv_string(w, "database", t->datname[0] ? t->datname : NULL);
		json_kv_string(w, "schema", t->schema[0] ? t->schema : NULL);
		json_kv_string(w, "table", t->name[0] ? t->name : NULL);
		json_kv_uint(w, "relfilenode", t->loc.rel);
		json_kv_uint(w, "written", t->rows[SALVAGE_WRITTEN]);
		json_kv_uint(w, "removed", t->rows[SALVAGE_REMOVED]);
		json_kv_uint(w, "not_saved", not_saved(t));
		json_kv_bool(w, "raw", t->raw_reason != NULL);
		json_end_object(w);
	}
	json_end_array(w);
	json_end_object(w);
}
