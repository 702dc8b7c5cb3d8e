/*
 * The estimate of a run's reads and transfer (plan/estimate.h) on plans
 * made by hand: what each side reads and the bounds of the transfer, per
 * method, worked out from the rules the compare and the digests follow
 * (8 kB blocks, 32-byte digests; whole-file copies compared in 1 MiB
 * chunks).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "plan/estimate.h"
#include "xalloc.h"

#define MIB (UINT64_C(1024) * 1024)
#define SEG (16 * MIB)
#define D 32					/* bytes of one digest */

static plan_entry *
add(plan *p, const char *path, plan_action a, uint64_t source_size, uint64_t target_size,
	bool target_exists)
{
	plan_entry *e;

	xgrow((void **) &p->entries, &p->cap, p->n + 1, sizeof(plan_entry));
	e = &p->entries[p->n++];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(path);
	e->action = a;
	e->type = FILE_TYPE_REGULAR;
	e->source_size = source_size;
	e->target_size = target_size;
	e->target_exists = target_exists;
	return e;
}

typedef struct fixture {
	plan		p;
	file_list	src;
	file_list	tgt;
	str_list	config;
	estimate_input in;
} fixture;

static void
fixture_init(fixture *f, rewind_method m)
{
	memset(f, 0, sizeof(*f));
	file_list_add(&f->src, "postgresql.conf", FILE_TYPE_REGULAR, 500, NULL);
	file_list_add(&f->src, "pg_hba.conf", FILE_TYPE_REGULAR, 300, NULL);
	file_list_sort(&f->src);
	/* pg_ident.conf: the source has none, so a run reads none */
	str_list_add(&f->config, xstrdup("postgresql.conf"));
	str_list_add(&f->config, xstrdup("pg_hba.conf"));
	str_list_add(&f->config, xstrdup("pg_ident.conf"));
	str_list_add(&f->config, xstrdup("conf.d/"));
	f->in = (estimate_input) {
		.method = m, .plan = &f->p, .source_files = &f->src, .target_files = &f->tgt,
		.config_files = &f->config, .tsdir = "PG_15_202209061", .fetched_so_far = 1000,
		.segsize = (uint32_t) SEG,
	};
}

static void
fixture_free(fixture *f)
{
	plan_free(&f->p);
	file_list_free(&f->src);
	file_list_free(&f->tgt);
	for (size_t i = 0; i < f->config.n; i++)
		free(f->config.items[i]);
	free(f->config.items);
}

/* What a run reads of the source besides the plan, at most. */
#define LATER (CONTROL_FILE_SIZE + 500 + 300)

/* The block compare's plan: files both sides have, some only the source has, WAL. */
static void
compare_plan(plan *p)
{
	add(p, "base/5/16384", ACT_NONE, 3 * MIB, 3 * MIB, true);
	add(p, "base/5/16385", ACT_COPY_TAIL, 2 * MIB + 8192, MIB, true);
	add(p, "base/5/16386", ACT_TRUNCATE, 8192, 3 * 8192, true);
	add(p, "base/5/16387", ACT_COPY, 8192, 0, false);
	add(p, "pg_xact/0000", ACT_COPY, 8192, 8192, true);
	add(p, "pg_multixact/offsets/0000", ACT_COPY, 16384, 8192, true);
	add(p, "pg_wal/000000020000000000000005", ACT_COPY, SEG, 0, false);
	add(p, "base/5/99", ACT_REMOVE, 0, 4096, true);
}

START_TEST(compare_bounds)
{
	fixture		f;
	plan_estimate e;
	/* compared: 3 MiB + 1 MiB + 8192 + 8192 (bytes both sides share) */
	uint64_t	shared = 4 * MIB + 2 * 8192;
	/* copied in any case: the growth of 16385, 16387, pg_multixact (sizes differ) */
	uint64_t	sure = MIB + 8192 + 8192 + 16384;
	/* one digest per block both sides share */
	uint64_t	blocks = 384 + 128 + 1 + 1;

	fixture_init(&f, METHOD_COMPARE);
	compare_plan(&f.p);
	f.in.backup = true;
	plan_estimate_compute(&f.in, &e);
	ck_assert_uint_eq(e.target_read, shared);
	ck_assert_uint_eq(e.target_wal_read, 0);
	ck_assert_uint_eq(e.source_wal, SEG);
	ck_assert_uint_eq(e.source_read, shared + sure + SEG);
	/* the start's segment twice; the planned one and one more, twice */
	ck_assert_uint_eq(e.wal_min, 2 * SEG);
	ck_assert_uint_eq(e.wal_max, 4 * SEG);
	ck_assert_uint_eq(e.transfer_min, 1000 + sure + blocks * D + 2 * SEG);
	ck_assert_uint_eq(e.transfer_max, 1000 + LATER + sure + shared + blocks * D + 4 * SEG);

	/* a stopped source: no backup, its WAL copied once */
	f.in.backup = false;
	plan_estimate_compute(&f.in, &e);
	ck_assert_uint_eq(e.wal_min, SEG);
	ck_assert_uint_eq(e.wal_max, SEG);
	ck_assert_uint_eq(e.transfer_min, 1000 + sure + blocks * D + SEG);
	fixture_free(&f);
}
END_TEST

/* The WAL method's plan: blocks known, whole-file copies, WAL. */
static void
known_plan(plan *p)
{
	plan_entry *e = add(p, "base/5/16384", ACT_NONE, 3 * MIB, 3 * MIB, true);

	e->blocks = xmalloc(3 * sizeof(uint32_t));
	e->blocks[0] = 1;
	e->blocks[1] = 7;
	e->blocks[2] = 300;
	e->nblocks = 3;
	add(p, "base/5/16384_vm", ACT_COPY, 2 * MIB + 1, 2 * MIB + 1, true);
	add(p, "base/5/16390", ACT_COPY, 100, 0, false);
	add(p, "pg_wal/000000020000000000000005", ACT_COPY, SEG, 0, false);
	plan_recount(p);
}

START_TEST(wal_bounds)
{
	fixture		f;
	plan_estimate e;
	uint64_t	fetch = 3 * 8192 + 2 * MIB + 1 + 100 + SEG;

	fixture_init(&f, METHOD_WAL);
	known_plan(&f.p);
	ck_assert_uint_eq(f.p.totals.fetch_bytes, fetch);
	f.in.target_wal_read = 5000;
	plan_estimate_compute(&f.in, &e);
	/* the same-size copy is hashed on the target: 3 chunks of it */
	ck_assert_uint_eq(e.target_read, 5000 + 2 * MIB + 1);
	ck_assert_uint_eq(e.target_wal_read, 5000);
	ck_assert_uint_eq(e.target_relation_read, 0);
	ck_assert_uint_eq(e.source_read, fetch);
	ck_assert_uint_eq(e.source_wal, SEG);
	ck_assert_uint_eq(e.wal_min, SEG);
	ck_assert_uint_eq(e.wal_max, SEG);
	ck_assert_uint_eq(e.transfer_min, 1000 + fetch - (2 * MIB + 1) + 3 * D);
	ck_assert_uint_eq(e.transfer_max, 1000 + LATER + fetch + 3 * D);
	fixture_free(&f);
}
END_TEST

START_TEST(pagelsn_reads_main_forks)
{
	fixture		f;
	plan_estimate e;

	fixture_init(&f, METHOD_PAGELSN);
	known_plan(&f.p);
	file_list_add(&f.tgt, "base/5/16384", FILE_TYPE_REGULAR, 1024 * MIB, NULL);
	file_list_add(&f.tgt, "base/5/16384.1", FILE_TYPE_REGULAR, 8192, NULL);
	file_list_add(&f.tgt, "base/5/16384_fsm", FILE_TYPE_REGULAR, 24576, NULL);
	file_list_add(&f.tgt, "base/5/PG_VERSION", FILE_TYPE_REGULAR, 3, NULL);
	file_list_add(&f.tgt, "global/1262", FILE_TYPE_REGULAR, 16384, NULL);
	file_list_add(&f.tgt, "pg_tblspc/16400/PG_15_202209061/5/16401", FILE_TYPE_REGULAR, 8192,
				  NULL);
	file_list_add(&f.tgt, "base", FILE_TYPE_DIRECTORY, 0, NULL);
	file_list_sort(&f.tgt);
	f.in.target_wal_read = 5000;
	plan_estimate_compute(&f.in, &e);
	ck_assert_uint_eq(e.target_relation_read, 1024 * MIB + 8192 + 16384 + 8192);
	ck_assert_uint_eq(e.target_read, 5000 + e.target_relation_read + 2 * MIB + 1);
	fixture_free(&f);
}
END_TEST

extern Suite *estimate_suite(void);

Suite *estimate_suite(void)
{
	Suite	   *s = suite_create("estimate");
	TCase	   *tc = tcase_create("bounds");

	tcase_add_test(tc, compare_bounds);
	tcase_add_test(tc, wal_bounds);
	tcase_add_test(tc, pagelsn_reads_main_forks);
	suite_add_tcase(s, tc);
	return s;
}
