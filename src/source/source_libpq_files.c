/*
 * The libpq source's files: whole files, and ranges fetched or hashed
 * over up to --jobs connections (the listing is source_libpq_list.c).
 *
 * Everything is read with the server's file access functions (pg_ls_dir,
 * pg_stat_file, pg_read_binary_file), which a non-superuser role can be
 * granted.  search_path is emptied at connect and every function and type
 * is schema-qualified, so no object of another schema can interfere.  Each
 * row is checked by lib/source_reply.c before it is used.
 */
#include "source/source_libpq_private.h"

#include <stdio.h>
#include <stdlib.h>

#include "pgver.h"
#include "source_reply.h"

bool
pq_read_file(source *s, const char *path, bool missing_ok, uint8_t **data,
			 size_t *len, bool *missing, rw_error *err)
{
	static const char sql[] =
		"SELECT pg_catalog.pg_read_binary_file($1::pg_catalog.text, 0, st.size, true) "
		"FROM pg_catalog.pg_stat_file($1::pg_catalog.text, true) AS st";
	pq_source  *ps = (pq_source *) s;
	char		what[1200];
	PGresult   *res;
	size_t		n;

	*data = NULL;
	*len = 0;
	*missing = false;
	snprintf(what, sizeof(what), "could not read \"%s\" from the source", path);
	res = pq_run(ps, sql, 1, &path, true, what, err);
	if (res == NULL)
		return false;
	if (!pq_expect_shape(res, 1, 1, what, err))
	{
		PQclear(res);
		return false;
	}
	if (PQgetisnull(res, 0, 0))
	{
		PQclear(res);
		*missing = true;
		if (missing_ok)
			return true;
		return rw_fail(err, RW_EMISSING, "file \"%s\" does not exist on the source", path);
	}
	n = (size_t) PQgetlength(res, 0, 0);
	*data = xmalloc(n + 1);
	memcpy(*data, PQgetvalue(res, 0, 0), n);
	(*data)[n] = '\0';
	*len = n;
	s->bytes_fetched += n;
	PQclear(res);
	return true;
}

/* --- reading ranges over several connections ---------------------------- */

/*
 * A fetch round trip carries at most this many ranges and bytes; when there
 * is less than that per connection, batches shrink so that every connection
 * gets some, down to FETCH_BATCH_MIN_BYTES.
 */
#define FETCH_BATCH_RANGES 1024
#define FETCH_BATCH_BYTES (8 * 1024 * 1024)
#define FETCH_BATCH_MIN_BYTES (256 * 1024)
/*
 * All connections' round trips in flight together carry at most this much:
 * rows are taken one at a time from the connection whose turn it is, but
 * libpq buffers what the others send meanwhile (they are read so that no
 * server waits on a full socket), so memory stays bounded whatever --jobs is.
 */
#define FETCH_INFLIGHT_BYTES (16 * 1024 * 1024)
/*
 * Hashing returns 32 bytes a range; the limit is what the server reads for
 * one round trip.
 */
#define HASH_BATCH_RANGES 256
#define HASH_BATCH_BYTES (64 * 1024 * 1024)

/* Split ranges into consecutive batches: starts[b] .. starts[b + 1]. */
typedef struct batch_plan {
	size_t	   *starts;			/* nbatches + 1 entries, malloc'd */
	size_t		nbatches;
} batch_plan;

static void
plan_batches(const fetch_range *ranges, size_t n, size_t max_ranges, uint64_t max_bytes,
			 batch_plan *bp)
{
	size_t		cap = 0;
	size_t		i = 0;

	bp->starts = NULL;
	bp->nbatches = 0;
	do
	{
		size_t		count = 0;
		uint64_t	bytes = 0;

		while (i + count < n && count < max_ranges &&
			   (count == 0 || bytes + ranges[i + count].len <= max_bytes))
			bytes += ranges[i + count++].len;
		xgrow((void **) &bp->starts, &cap, bp->nbatches + 2, sizeof(size_t));
		bp->starts[bp->nbatches++] = i;
		i += count;
	} while (i < n);
	bp->starts[bp->nbatches] = n;
}

/* The three array parameters of a range query, as array literals. */
static void
build_batch_params(const fetch_range *ranges, size_t count, strbuf *paths,
				   strbuf *offsets, strbuf *lens)
{
	char		num[32];

	sb_puts(paths, "{");
	sb_puts(offsets, "{");
	sb_puts(lens, "{");
	for (size_t i = 0; i < count; i++)
	{
		const char *sep = (i > 0) ? "," : "";

		/* quoting every element keeps commas, braces and spaces literal */
		sb_puts(paths, sep);
		sb_puts(paths, "\"");
		sb_escaped(paths, ranges[i].path, "\\\"");
		sb_puts(paths, "\"");
		snprintf(num, sizeof(num), "%s%llu", sep, (unsigned long long) ranges[i].offset);
		sb_puts(offsets, num);
		snprintf(num, sizeof(num), "%s%u", sep, (unsigned) ranges[i].len);
		sb_puts(lens, num);
	}
	sb_puts(paths, "}");
	sb_puts(offsets, "}");
	sb_puts(lens, "}");
}

/*
 * One query per batch of ranges, answered with one row per range in order:
 * column 0 the 1-based position (int8), column 1 the value (bytea).  Rows
 * are taken one at a time as they arrive (libpq's single-row mode), so the
 * server reads and sends the next ranges while this one is written, and no
 * batch is held whole in memory.  row() is called for range 0, 1, 2, ... in
 * that order, from this thread; what is in flight meanwhile on the other
 * connections is only buffered by libpq.
 */
typedef struct range_query {
	const char *sql;			/* $1 text[] paths, $2 int8[] offsets, $3 int8[] lengths */
	const char *verb;			/* "fetch", "hash": for messages */
	const fetch_range *ranges;
	batch_plan	batches;
	/* row 0 of res (two columns) is the answer for ranges[index] */
	bool		(*row) (void *ctx, pq_source *ps, const PGresult *res, size_t index,
						rw_error *err);
	void	   *ctx;
} range_query;

/* The connections a range query runs on, and which have a query in flight. */
typedef struct conn_set {
	PGconn	   *conns[SOURCE_MAX_JOBS];
	bool		busy[SOURCE_MAX_JOBS];
	int			n;
} conn_set;

static void
describe_batch(const range_query *q, size_t b, char *what, size_t size)
{
	size_t		first = q->batches.starts[b];
	size_t		count = q->batches.starts[b + 1] - first;

	if (count == 1)
		snprintf(what, size, "could not %s \"%s\" from the source", q->verb, q->ranges[first].path);
	else
		snprintf(what, size, "could not %s \"%s\" and %zu more ranges from the source",
				 q->verb, q->ranges[first].path, count - 1);
}

static bool
send_batch(pq_source *ps, PGconn *conn, const range_query *q, size_t b, rw_error *err)
{
	size_t		first = q->batches.starts[b];
	strbuf		paths = {0}, offsets = {0}, lens = {0};
	const char *params[3];
	uint64_t	bytes = 0;
	bool		ok;

	for (size_t i = first; i < q->batches.starts[b + 1]; i++)
		bytes += q->ranges[i].len;
	pq_pace(ps, bytes);

	build_batch_params(q->ranges + first, q->batches.starts[b + 1] - first, &paths, &offsets,
					   &lens);
	params[0] = paths.data;
	params[1] = offsets.data;
	params[2] = lens.data;
	/* binary results: bytea arrives as raw bytes, not hex text */
	ok = PQsendQueryParams(conn, q->sql, 3, NULL, params, NULL, NULL, 1) == 1 &&
		PQsetSingleRowMode(conn) == 1;
	free(paths.data);
	free(offsets.data);
	free(lens.data);
	if (!ok)
	{
		char		what[1200];

		describe_batch(q, b, what, sizeof(what));
		return pq_fail(err, conn, NULL, what);
	}
	return true;
}

/* The row for r must be at (0-based) position in its batch. */
static bool
check_row_order(const PGresult *res, size_t position, const fetch_range *r, rw_error *err)
{
	return reply_range_position(PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0),
								PQgetisnull(res, 0, 0), position, r->path, err);
}

/*
 * One result of batch b (got rows taken so far): a row handed to q->row,
 * the end of the rows, or an error.  *done is set at the end.
 */
static bool
take_result(pq_source *ps, PGconn *conn, const range_query *q, size_t b, PGresult *res,
			size_t *got, bool *done, rw_error *err)
{
	size_t		first = q->batches.starts[b];
	size_t		count = q->batches.starts[b + 1] - first;
	ExecStatusType st = PQresultStatus(res);
	char		what[1200];

	if (st == PGRES_SINGLE_TUPLE && *got < count && PQnfields(res) == 2)
	{
		size_t		index = first + (*got)++;

		return check_row_order(res, *got - 1, &q->ranges[index], err) &&
			q->row(q->ctx, ps, res, index, err);
	}
	describe_batch(q, b, what, sizeof(what));
	if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK)
		return pq_fail(err, conn, res, what);
	if (st == PGRES_TUPLES_OK && *got == count)
	{
		*done = true;
		return true;
	}
	/* too many rows, too few, or not two columns */
	return rw_fail(err, RW_ESOURCE, "%s: unexpected result with %zu rows and %d columns",
				   what, *got + (st == PGRES_SINGLE_TUPLE), PQnfields(res));
}

/*
 * Take batch b's rows from conns->conns[c] as they arrive and hand them to
 * q->row; reading the other busy connections meanwhile.  Afterwards the
 * connection is idle, unless the source went silent.
 */
static bool
finish_batch(pq_source *ps, conn_set *cs, int c, const range_query *q, size_t b,
			 rw_error *err)
{
	PGconn	   *conn = cs->conns[c];
	size_t		got = 0;
	bool		done = false;
	bool		ok = true;

	while (ok)
	{
		PGresult   *res;

		if (!pq_wait_conns(ps, cs->conns, cs->busy, cs->n, c, err))
			return false;		/* busy[c] stays set: unusable, or drained later */
		if ((res = PQgetResult(conn)) == NULL)
			break;
		if (!done)
			ok = take_result(ps, conn, q, b, res, &got, &done, err);
		PQclear(res);
	}
	if (ok && !done)
		ok = pq_fail(err, conn, NULL, "no result from the source server");
	if (!ok && !ps->stalled)
	{
		rw_error	drain_err;

		/* the rest of the answer is read and dropped: conn takes the next query */
		PQclear(pq_collect_result(ps, conn, &drain_err));
	}
	cs->busy[c] = false;
	return ok;
}

/*
 * Run q's batches, batch b on connection b % n, at most one query in
 * flight per connection: up to n round trips overlap, and rows are still
 * handed over in order.
 */
static bool
run_range_query(pq_source *ps, range_query *q, rw_error *err)
{
	conn_set	cs = {{NULL}, {false}, 0};
	size_t		nb = q->batches.nbatches;
	bool		ok = true;

	cs.n = pq_open_jobs(ps, nb < SOURCE_MAX_JOBS ? (int) nb : SOURCE_MAX_JOBS, cs.conns);
	for (int c = 0; ok && c < cs.n; c++)
		cs.busy[c] = ok = send_batch(ps, cs.conns[c], q, (size_t) c, err);
	for (size_t b = 0; ok && b < nb; b++)
	{
		int			c = (int) (b % (size_t) cs.n);

		ok = finish_batch(ps, &cs, c, q, b, err);
		if (ok && b + (size_t) cs.n < nb)
			cs.busy[c] = ok = send_batch(ps, cs.conns[c], q, b + (size_t) cs.n, err);
	}
	/*
	 * After a failure the other connections must be idle for the next query;
	 * a silent source would only make that wait again.
	 */
	for (int c = 0; c < cs.n && !ps->stalled; c++)
	{
		rw_error	drain_err;

		if (cs.busy[c])
			PQclear(pq_collect_result(ps, cs.conns[c], &drain_err));
	}
	return ok;
}

/*
 * The fetch query.  (Multi-argument unnest is parser sugar for ROWS FROM
 * that works only unqualified, hence the explicit form.)
 */
static const char fetch_sql[] =
	"SELECT r.i, pg_catalog.pg_read_binary_file(r.p, r.o, r.l, true)"
	"  FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]),"
	"                  pg_catalog.unnest($2::pg_catalog.int8[]),"
	"                  pg_catalog.unnest($3::pg_catalog.int8[]))"
	"       WITH ORDINALITY AS r(p, o, l, i)"
	" ORDER BY r.i";

typedef struct fetch_ctx {
	const fetch_range *ranges;
	fetch_sink	sink;
	void	   *sink_ctx;
} fetch_ctx;

static bool
fetch_row(void *ctx, pq_source *ps, const PGresult *res, size_t index, rw_error *err)
{
	fetch_ctx  *fc = ctx;
	const fetch_range *r = &fc->ranges[index];
	const uint8_t *data;
	size_t		len;
	bool		missing;

	if (!reply_fetch_value(PQgetvalue(res, 0, 1), PQgetlength(res, 0, 1),
						   PQgetisnull(res, 0, 1), r->len, r->path, &data, &len, &missing, err))
		return false;
	ps->base.bytes_fetched += len;
	return fc->sink(fc->sink_ctx, index, data, len, missing, err);
}

bool
pq_fetch(source *s, const fetch_range *ranges, size_t n, fetch_sink sink,
		 void *ctx, rw_error *err)
{
	pq_source  *ps = (pq_source *) s;
	fetch_ctx	fc = {ranges, sink, ctx};
	range_query q = {fetch_sql, "fetch", ranges, {NULL, 0}, fetch_row, &fc};
	uint64_t	total = 0, per_batch;
	bool		ok;

	if (n == 0)
		return true;
	if (!source_ranges_fit(ranges, n, err))
		return false;
	for (size_t i = 0; i < n; i++)
		total += ranges[i].len;
	/* enough batches for every connection, none smaller than needed */
	per_batch = total / (uint64_t) ps->jobs;
	if (per_batch > FETCH_BATCH_BYTES)
		per_batch = FETCH_BATCH_BYTES;
	if (per_batch > FETCH_INFLIGHT_BYTES / (uint64_t) ps->jobs)
		per_batch = FETCH_INFLIGHT_BYTES / (uint64_t) ps->jobs;
	if (per_batch < FETCH_BATCH_MIN_BYTES)
		per_batch = FETCH_BATCH_MIN_BYTES;
	plan_batches(ranges, n, FETCH_BATCH_RANGES, per_batch, &q.batches);
	ok = run_range_query(ps, &q, err);
	free(q.batches.starts);
	return ok;
}

static const char hash_sql[] =
	"SELECT r.i, pg_catalog.sha256(pg_catalog.pg_read_binary_file(r.p, r.o, r.l, true))"
	"  FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]),"
	"                  pg_catalog.unnest($2::pg_catalog.int8[]),"
	"                  pg_catalog.unnest($3::pg_catalog.int8[]))"
	"       WITH ORDINALITY AS r(p, o, l, i)"
	" ORDER BY r.i";

static bool
hash_row(void *ctx, pq_source *ps, const PGresult *res, size_t index, rw_error *err)
{
	source_digest *d = (source_digest *) ctx + index;

	if (!reply_digest_value(PQgetvalue(res, 0, 1), PQgetlength(res, 0, 1),
							PQgetisnull(res, 0, 1), d->sha256, &d->missing, err))
		return false;
	if (!d->missing)
		ps->base.bytes_fetched += sizeof(d->sha256);
	return true;
}

/* q's n ranges hashed in batches of HASH_BATCH_RANGES / HASH_BATCH_BYTES. */
static bool
run_hash_query(pq_source *ps, range_query *q, size_t n, rw_error *err)
{
	bool		ok;

	if (n == 0)
		return true;
	if (!source_ranges_fit(q->ranges, n, err))
		return false;
	plan_batches(q->ranges, n, HASH_BATCH_RANGES, HASH_BATCH_BYTES, &q->batches);
	ok = run_range_query(ps, q, err);
	free(q->batches.starts);
	return ok;
}

bool
pq_hash_ranges(source *s, const fetch_range *ranges, size_t n, source_digest *out,
			   rw_error *err)
{
	pq_source  *ps = (pq_source *) s;
	range_query q = {hash_sql, "hash", ranges, {NULL, 0}, hash_row, out};

	return run_hash_query(ps, &q, n, err);
}

/*
 * The block-hash query: each range read once (OFFSET 0 keeps the planner
 * from copying the read into every use of d), then the SHA-256 of each of
 * its 8192-byte blocks concatenated in order; an empty range has none, a
 * missing file NULL.
 */
_Static_assert(BLCKSZ == 8192, "hash_blocks_sql's block size is BLCKSZ");
static const char hash_blocks_sql[] =
	"SELECT r.i, CASE WHEN r.d IS NOT NULL THEN COALESCE(("
	"         SELECT pg_catalog.string_agg("
	"                  pg_catalog.sha256(pg_catalog.substr(r.d, k * 8192 + 1, 8192)),"
	"                  ''::pg_catalog.bytea ORDER BY k)"
	"           FROM pg_catalog.generate_series(0, (pg_catalog.length(r.d) + 8191) / 8192 - 1)"
	"                AS k),"
	"         ''::pg_catalog.bytea) END"
	"  FROM (SELECT f.i, pg_catalog.pg_read_binary_file(f.p, f.o, f.l, true) AS d"
	"          FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]),"
	"                          pg_catalog.unnest($2::pg_catalog.int8[]),"
	"                          pg_catalog.unnest($3::pg_catalog.int8[]))"
	"               WITH ORDINALITY AS f(p, o, l, i)"
	"        OFFSET 0) AS r"
	" ORDER BY r.i";

typedef struct hash_blocks_ctx {
	const fetch_range *ranges;
	source_block_digests *out;
} hash_blocks_ctx;

static bool
hash_blocks_row(void *ctx, pq_source *ps, const PGresult *res, size_t index, rw_error *err)
{
	hash_blocks_ctx *hc = ctx;
	source_block_digests *d = &hc->out[index];
	uint32_t	max_blocks = (hc->ranges[index].len + BLCKSZ - 1) / BLCKSZ;

	if (!reply_block_digests(PQgetvalue(res, 0, 1), PQgetlength(res, 0, 1),
							 PQgetisnull(res, 0, 1), max_blocks, d->sha256, &d->nblocks,
							 &d->missing, err))
		return false;
	ps->base.bytes_fetched += (uint64_t) d->nblocks * REPLY_DIGEST_LEN;
	return true;
}

bool
pq_hash_blocks(source *s, const fetch_range *ranges, size_t n, source_block_digests *out,
			   rw_error *err)
{
	pq_source  *ps = (pq_source *) s;
	hash_blocks_ctx hc = {ranges, out};
	range_query q = {hash_blocks_sql, "hash", ranges, {NULL, 0}, hash_blocks_row, &hc};

	return run_hash_query(ps, &q, n, err);
}
