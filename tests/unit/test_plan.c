/*
 * test_plan.c - the merge of recorded rows with files (status.c): states,
 * order (including Diesel's string order across version widths), the
 * current version and out-of-order detection; and the planner (plan.c),
 * from in-memory files and histories, no database: each request kind, each
 * refusal with its code and message, and each step's strategy for a
 * driver's capabilities; the offline status (--sql --from) taken from the
 * files alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "version_int.h"
#include "split.h"
#include "driver.h"
#include "history.h"
#include "status.h"
#include "directives.h"
#include "plan.h"

/* the built-in SQLite driver (driver_sqlite.c): its real capability table */
extern const struct strata_driver strata_driver_sqlite;

#define MAXM 16

struct fixture {
	struct strata_source src;
	struct strata_migration m[MAXM];
	char keys[MAXM][STRATA_VERSION_KEY];
	struct strata_applied a[MAXM];
	size_t na;
};

/* A version from its digits (any length). */
static struct strata_version ver(const char *digits)
{
	struct strata_version v;

	assert_int_equal(strata_version_parse(digits, strlen(digits), &v), 0);
	return v;
}

/* A file of version `vtext` (sortkey NULL: the numeric one every layout but Diesel's has). */
static void add_file_v(struct fixture *f, const char *vtext, const char *sortkey, const char *up)
{
	struct strata_migration *m = &f->m[f->src.n];

	memset(m, 0, sizeof(*m));
	m->version = ver(vtext);
	m->vtext = (char *)vtext;
	if (sortkey) {
		m->sortkey = (char *)sortkey;
	} else {
		strata_version_sortkey(&m->version, f->keys[f->src.n]);
		m->sortkey = f->keys[f->src.n];
	}
	m->name = (char *)"m";
	m->up = (char *)up;
	m->up_len = strlen(up);
	m->up_file = (char *)"file.up.sql";
	strata_checksum_s1(up, strlen(up), m->checksum);
	strata_checksum(up, strlen(up), m->checksum_v0);
	f->src.n++;
	f->src.m = f->m;
}

static void add_file(struct fixture *f, uint64_t v, const char *vtext, const char *sortkey, const char *up)
{
	char digits[24];

	snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	add_file_v(f, vtext, sortkey, up);
	assert_string_equal(f->m[f->src.n - 1].version.d, digits);
}

static void add_row_v(struct fixture *f, const char *v, const char *up, const char *state)
{
	struct strata_applied *a = &f->a[f->na++];
	char sum[65];

	strata_checksum(up, strlen(up), sum);
	memset(a, 0, sizeof(*a));
	a->version = ver(v);
	a->name = strdup("m");
	a->checksum = strdup(sum);
	a->applied_at = strdup("2026-01-01 00:00:00");
	a->applied_by = strdup("me@here");
	a->state = strdup(state);
}

static void add_row(struct fixture *f, uint64_t v, const char *up, const char *state)
{
	char digits[24];

	snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	add_row_v(f, digits, up, state);
}

/* A row recorded with today's tagged checksum, under `name`. */
static void add_row_s1(struct fixture *f, uint64_t v, const char *name, const char *up)
{
	char sum[STRATA_CHECKSUM_SIZE];

	add_row(f, v, up, "applied");
	strata_checksum_s1(up, strlen(up), sum);
	free(f->a[f->na - 1].checksum);
	f->a[f->na - 1].checksum = strdup(sum);
	free(f->a[f->na - 1].name);
	f->a[f->na - 1].name = strdup(name);
}

static void release(struct fixture *f)
{
	size_t i;

	for (i = 0; i < f->na; i++) {
		free(f->a[i].name);
		free(f->a[i].checksum);
		free(f->a[i].applied_at);
		free(f->a[i].applied_by);
		free(f->a[i].state);
	}
}

static struct strata_status *build(struct fixture *f)
{
	struct strata_status *st = NULL;
	struct strata_err err = { 0 };

	strata_err_clear(&err);
	assert_int_equal(strata_status_build(&f->src, f->a, f->na, &st, &err), 0);
	assert_non_null(st);
	return st;
}

static void test_states(void **state)
{
	struct fixture f = { 0 };
	struct strata_status *st;

	(void)state;
	add_file(&f, 1, "000001", NULL, "create table a(x int);");
	add_file(&f, 2, "000002", NULL, "create table b(x int);");
	add_file(&f, 3, "000003", NULL, "create table c(x int);");
	add_file(&f, 5, "000005", NULL, "create table e(x int);");
	add_row(&f, 1, "create table a(x int);", "applied");
	add_row(&f, 2, "create table b(x int); -- edited", "applied"); /* file changed since */
	add_row(&f, 4, "create table d(x int);", "applied");          /* file gone */
	st = build(&f);
	assert_int_equal(st->n, 5);
	assert_int_equal(st->rows[0].state, STRATA_APPLIED);
	assert_int_equal(st->rows[1].state, STRATA_MODIFIED);
	assert_int_equal(st->rows[2].state, STRATA_PENDING);
	assert_int_equal(st->rows[2].out_of_order, 1); /* 3 pending below applied 4 */
	assert_string_equal(st->rows[3].version.d, "4");
	assert_int_equal(st->rows[3].state, STRATA_MISSING);
	assert_null(st->rows[3].mig);
	assert_string_equal(st->rows[3].vtext, "4");
	assert_int_equal(st->rows[4].state, STRATA_PENDING);
	assert_int_equal(st->rows[4].out_of_order, 0);
	assert_int_equal(st->have_current, 1);
	assert_string_equal(st->current.d, "4");
	assert_int_equal(st->napplied, 3);
	assert_int_equal(st->npending, 2);
	assert_int_equal(st->nmodified, 1);
	assert_int_equal(st->nmissing, 1);
	strata_status_free(st);
	release(&f);
}

static void test_empty_and_partial(void **state)
{
	struct fixture f = { 0 };
	struct strata_status *st;

	(void)state;
	st = build(&f);
	assert_int_equal(st->n, 0);
	assert_int_equal(st->have_current, 0);
	strata_status_free(st);

	add_file(&f, 10, "10", NULL, "select 1;");
	add_file(&f, 20, "20", NULL, "select 2;");
	add_row(&f, 10, "select 1;", "applied");
	add_row(&f, 20, "select 2;", "partial");
	st = build(&f);
	assert_int_equal(st->rows[1].state, STRATA_PARTIAL);
	assert_int_equal(st->npartial, 1);
	assert_string_equal(st->current.d, "20");
	strata_status_free(st);
	release(&f);
}

/* Diesel orders dash-less versions as strings: 18-digit and 14-digit versions interleave. */
static void test_diesel_order(void **state)
{
	struct fixture f = { 0 };
	struct strata_status *st;

	(void)state;
	add_file(&f, 202605261200000000ULL, "202605261200000000", "202605261200000000", "select 1;");
	add_file(&f, 20260527120000ULL, "20260527120000", "20260527120000", "select 2;");
	add_file(&f, 202605271200000000ULL, "202605271200000000", "202605271200000000", "select 3;");
	add_row(&f, 20260527120000ULL, "select 2;", "applied");
	add_row(&f, 202605261200000000ULL, "select 1;", "applied");
	/* rows come ordered by version from the database */
	{
		struct strata_applied t = f.a[0];

		f.a[0] = f.a[1];
		f.a[1] = t;
		t = f.a[0];
		f.a[0] = f.a[1];
		f.a[1] = t;
	}
	st = build(&f);
	assert_int_equal(st->rows[0].state, STRATA_APPLIED);
	assert_int_equal(st->rows[1].state, STRATA_APPLIED);
	assert_int_equal(st->rows[2].state, STRATA_PENDING);
	assert_int_equal(st->rows[2].out_of_order, 0);
	assert_string_equal(st->current.d, "20260527120000");
	strata_status_free(st);
	release(&f);
}

/* Versions beyond 64 bits order numerically; a missing one slots in by length, then digits. */
static void test_long_versions(void **state)
{
	struct fixture f = { 0 };
	struct strata_status *st;

	(void)state;
	add_file_v(&f, "000009", NULL, "select 9;");
	add_file_v(&f, "18446744073709551616", NULL, "select 1;");
	add_file_v(&f, "20210410175418000001", NULL, "select 2;");
	add_file_v(&f, "123456789012345678901234567890", NULL, "select 3;");
	/* rows ordered by version, as strata_history_read returns them */
	add_row_v(&f, "18446744073709551616", "select 1;", "applied");
	add_row_v(&f, "20210410175418000001", "select 2;", "applied");
	add_row_v(&f, "99999999999999999999999", "select 4;", "applied");
	st = build(&f);
	assert_int_equal(st->n, 5);
	assert_string_equal(st->rows[0].vtext, "000009");
	assert_int_equal(st->rows[0].state, STRATA_PENDING);
	assert_int_equal(st->rows[0].out_of_order, 1);
	assert_int_equal(st->rows[1].state, STRATA_APPLIED);
	assert_int_equal(st->rows[2].state, STRATA_APPLIED);
	assert_string_equal(st->rows[3].vtext, "99999999999999999999999");
	assert_int_equal(st->rows[3].state, STRATA_MISSING);
	assert_string_equal(st->rows[4].version.d, "123456789012345678901234567890");
	assert_int_equal(st->rows[4].state, STRATA_PENDING);
	assert_int_equal(st->rows[4].out_of_order, 0);
	assert_string_equal(st->current.d, "99999999999999999999999");
	strata_status_free(st);
	release(&f);
}

/*
 * Tagged checksums cover the statements: a comment or layout edit leaves a
 * migration applied, a statement edit makes it modified; a plain-hex checksum
 * from before the tag is compared with the whole file, as it was recorded.
 */
static void test_checksum_forms(void **state)
{
	struct fixture f;
	struct strata_status *st;

	(void)state;
	memset(&f, 0, sizeof(f));
	add_file(&f, 1, "000001", NULL, "create table a(x int);");
	add_file(&f, 2, "000002", NULL, "create table b(x int);");
	add_file(&f, 3, "000003", NULL, "create table c(x int);");
	add_file(&f, 4, "000004", NULL, "create table d(x int);");
	add_file(&f, 5, "000005", NULL, "create table e(x int);");
	add_row_s1(&f, 1, "m", "-- makes a\ncreate table a (\n  x int\n);\n");
	add_row_s1(&f, 2, "m", "create table b(x bigint);");
	add_row(&f, 3, "create table c(x int);", "applied");            /* old form, same file */
	add_row(&f, 4, "create table d(x int); -- said", "applied");    /* old form, comment edited */
	add_row_s1(&f, 5, "slow", "create table e(x text);");          /* another migration's record */
	st = build(&f);
	assert_int_equal(st->rows[0].state, STRATA_APPLIED);
	assert_int_equal(st->rows[1].state, STRATA_MODIFIED);
	assert_null(st->rows[1].recorded_name);
	assert_int_equal(st->rows[2].state, STRATA_APPLIED);
	assert_int_equal(st->rows[3].state, STRATA_MODIFIED);
	assert_int_equal(st->rows[4].state, STRATA_MODIFIED);
	assert_string_equal(st->rows[4].recorded_name, "slow");
	assert_string_equal(st->rows[4].name, "m");
	strata_status_free(st);
	release(&f);
}

static void test_checksum_line_endings(void **state)
{
	char a[65], b[65], c[65];

	(void)state;
	strata_checksum("create table a(x int);\nselect 1;\n", 33, a);
	strata_checksum("create table a(x int);\r\nselect 1;\r\n", 35, b);
	strata_checksum("create table a(x int);\nselect 2;\n", 33, c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), 64);
}

/* ------------------------------------------------------------------ the planner */

/*
 * Capability tables as drivers declare them: the planner reads a driver's
 * dialect, engine and caps, and calls nothing. SQLite's is the real one.
 */
static const struct strata_driver pg_caps = {
	.name = "postgres",
	.engine = STRATA_ENGINE_POSTGRES,
	.dialect = STRATA_DIALECT_POSTGRES,
	.caps = STRATA_CAP_TRANSACTIONAL_DDL | STRATA_CAP_ADVISORY_LOCK | STRATA_CAP_BATCH,
};
/* An engine whose DDL commits by itself (as MySQL's does): no STRATA_CAP_TRANSACTIONAL_DDL. */
static const struct strata_driver no_txddl = {
	.name = "no-txddl",
	.dialect = STRATA_DIALECT_SQLITE,
	.caps = STRATA_CAP_ADVISORY_LOCK,
};

/* Files, recorded rows, and what the planner made of them. */
struct world {
	struct strata_source src;
	struct strata_migration m[MAXM];
	char keys[MAXM][STRATA_VERSION_KEY];
	char upf[MAXM][48];
	char downf[MAXM][48];
	struct strata_applied a[MAXM];
	size_t na;
	struct strata_status *st;
	struct strata_plan plan;
	struct strata_plan_opts po;
	struct strata_request req;
	struct strata_err err;
};

static void w_init(struct world *w, const struct strata_driver *drv)
{
	memset(w, 0, sizeof(*w));
	w->po.drv = drv;
	strata_err_clear(&w->err);
}

/* A golang-migrate pair VTEXT_m.up.sql and VTEXT_m.down.sql (down NULL: no down file). */
static struct strata_migration *w_file(struct world *w, const char *vtext, const char *up, const char *down)
{
	size_t i = w->src.n++;
	struct strata_migration *m = &w->m[i];

	assert_true(i < MAXM);
	memset(m, 0, sizeof(*m));
	m->version = ver(vtext);
	m->vtext = (char *)vtext;
	strata_version_sortkey(&m->version, w->keys[i]);
	m->sortkey = w->keys[i];
	m->name = (char *)"m";
	m->layout = STRATA_LAYOUT_PAIR;
	snprintf(w->upf[i], sizeof(w->upf[i]), "%s_m.up.sql", vtext);
	m->up_file = w->upf[i];
	m->up = (char *)up;
	m->up_len = strlen(up);
	m->up_line = 1;
	if (down) {
		snprintf(w->downf[i], sizeof(w->downf[i]), "%s_m.down.sql", vtext);
		m->down_file = w->downf[i];
		m->down = (char *)down;
		m->down_len = strlen(down);
		m->down_line = 1;
	}
	strata_checksum_s1(up, strlen(up), m->checksum);
	strata_checksum(up, strlen(up), m->checksum_v0);
	w->src.m = w->m;
	return m;
}

/* A recorded row (in version order) of what `up` was when applied; state "applied" or "partial". */
static struct strata_applied *w_row(struct world *w, const char *v, const char *up, const char *state)
{
	struct strata_applied *a = &w->a[w->na++];
	char sum[STRATA_CHECKSUM_SIZE];

	assert_true(w->na <= MAXM);
	memset(a, 0, sizeof(*a));
	a->version = ver(v);
	strata_checksum_s1(up, strlen(up), sum);
	a->name = strdup("m");
	a->checksum = strdup(sum);
	a->applied_at = strdup("2026-01-01 00:00:00");
	a->applied_by = strdup("me@here");
	a->state = strdup(state);
	return a;
}

/* A row's journal: `done` statements ran, `ran` being their text as the runner checksums it. */
static void w_progress(struct strata_applied *a, int done, const char *ran)
{
	char sum[65];

	strata_checksum(ran, strlen(ran), sum);
	a->stmts_done = done;
	free(a->progress);
	a->progress = strdup(sum);
}

/* Plan w->req (the status is built once, on the first call). */
static int w_plan_req(struct world *w)
{
	if (!w->st)
		assert_int_equal(strata_status_build(&w->src, w->a, w->na, &w->st, &w->err), 0);
	strata_plan_release(&w->plan);
	strata_err_release(&w->err);
	return strata_plan_build(&w->src, w->st, &w->req, &w->po, &w->plan, &w->err);
}

/* Plan one request; target NULL: none, "": no version. */
static int w_plan(struct world *w, enum strata_action action, long count, const char *target)
{
	memset(&w->req, 0, sizeof(w->req));
	w->req.action = action;
	w->req.count = count;
	if (target) {
		w->req.target_set = 1;
		if (*target)
			w->req.target = ver(target);
	}
	return w_plan_req(w);
}

static void w_done(struct world *w)
{
	size_t i;

	strata_plan_release(&w->plan);
	strata_status_free(w->st);
	strata_err_release(&w->err);
	for (i = 0; i < w->na; i++) {
		free(w->a[i].name);
		free(w->a[i].checksum);
		free(w->a[i].down);
		free(w->a[i].applied_at);
		free(w->a[i].applied_by);
		free(w->a[i].state);
		free(w->a[i].progress);
	}
}

static const struct strata_step *step_is(const struct world *w, size_t i, const char *vtext, int down,
					 const char *action)
{
	const struct strata_step *s;

	assert_true(i < w->plan.nsteps);
	s = &w->plan.steps[i];
	assert_string_equal(s->row->vtext, vtext);
	assert_int_equal(s->down, down);
	assert_string_equal(s->action, action);
	return s;
}

static void refused(const struct world *w, int rc, int code, const char *message)
{
	assert_int_equal(rc, code);
	assert_int_equal(w->err.code, code);
	assert_string_equal(w->err.message, message);
}

/* Three applied-or-not pairs: create table a, b, c and their drops. */
static void abc(struct world *w)
{
	w_file(w, "000001", "create table a(x int);", "drop table a;");
	w_file(w, "000002", "create table b(x int);", "drop table b;");
	w_file(w, "000003", "create table c(x int);", "drop table c;");
}

static void test_plan_up(void **state)
{
	struct world w;
	const struct strata_step *s;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	abc(&w);
	w_row(&w, "1", "create table a(x int);", "applied");
	assert_int_equal(w_plan(&w, STRATA_UP, 0, NULL), 0);
	assert_int_equal(w.plan.nsteps, 2);
	assert_int_equal(w.plan.nprepared, 2);
	assert_int_equal(w.plan.single_tx, 0);
	assert_null(w.plan.go_stop);
	s = step_is(&w, 0, "000002", 0, "up");
	assert_ptr_equal(s->script, w.m[1].up);
	assert_string_equal(s->file, "000002_m.up.sql");
	assert_int_equal(s->line, 1);
	assert_int_equal(s->record_only, 0);
	assert_int_equal(strata_split_count(&s->sp), 1);
	assert_int_equal(s->notx, 0);
	assert_int_equal(s->strategy, STRATA_STRATEGY_TX);
	step_is(&w, 1, "000003", 0, "up");

	/* up N: the next N */
	assert_int_equal(w_plan(&w, STRATA_UP, 1, NULL), 0);
	assert_int_equal(w.plan.nsteps, 1);
	step_is(&w, 0, "000002", 0, "up");
	w_done(&w);

	/* nothing pending: an empty plan */
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x int);", "drop table a;");
	w_row(&w, "1", "create table a(x int);", "applied");
	assert_int_equal(w_plan(&w, STRATA_UP, 0, NULL), 0);
	assert_int_equal(w.plan.nsteps, 0);
	w_done(&w);
}

/* up stops before a goose Go migration, which strata lists and records but cannot run. */
static void test_plan_up_stops_before_go(void **state)
{
	struct world w;
	struct strata_migration *go;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x int);", "drop table a;");
	go = w_file(&w, "000002", "", NULL);
	go->layout = STRATA_LAYOUT_GO;
	w_file(&w, "000003", "create table c(x int);", "drop table c;");
	assert_int_equal(w_plan(&w, STRATA_UP, 0, NULL), 0);
	assert_int_equal(w.plan.nsteps, 1);
	step_is(&w, 0, "000001", 0, "up");
	assert_ptr_equal(w.plan.go_stop, &w.st->rows[1]);
	/* goto past it stops there too */
	assert_int_equal(w_plan(&w, STRATA_GOTO, 0, "000003"), 0);
	assert_int_equal(w.plan.nsteps, 1);
	assert_ptr_equal(w.plan.go_stop, &w.st->rows[1]);
	w_done(&w);
}

static void test_plan_down(void **state)
{
	struct world w;
	const struct strata_step *s;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	abc(&w);
	w_row(&w, "1", "create table a(x int);", "applied");
	w_row(&w, "2", "create table b(x int);", "applied");
	w_row(&w, "3", "create table c(x int);", "applied");
	/* down: the last one */
	assert_int_equal(w_plan(&w, STRATA_DOWN, 0, NULL), 0);
	assert_int_equal(w.plan.nsteps, 1);
	s = step_is(&w, 0, "000003", 1, "down");
	assert_ptr_equal(s->script, w.m[2].down);
	assert_string_equal(s->file, "000003_m.down.sql");
	assert_int_equal(s->recorded_down, 0);
	assert_int_equal(s->empty, 0);
	/* down N */
	assert_int_equal(w_plan(&w, STRATA_DOWN, 2, NULL), 0);
	assert_int_equal(w.plan.nsteps, 2);
	step_is(&w, 0, "000003", 1, "down");
	step_is(&w, 1, "000002", 1, "down");
	/* down --all */
	memset(&w.req, 0, sizeof(w.req));
	w.req.action = STRATA_DOWN;
	w.req.all = 1;
	assert_int_equal(w_plan_req(&w), 0);
	assert_int_equal(w.plan.nsteps, 3);
	step_is(&w, 2, "000001", 1, "down");
	w_done(&w);

	/* a down with no statements runs nothing: only the record goes */
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x int);", "-- No-op\n");
	w_row(&w, "1", "create table a(x int);", "applied");
	assert_int_equal(w_plan(&w, STRATA_DOWN, 0, NULL), 0);
	assert_int_equal(w.plan.steps[0].empty, 1);
	w_done(&w);
}

/* When the up file changed or is gone, down runs the down script recorded at apply time. */
static void test_plan_down_recorded_script(void **state)
{
	struct world w;
	const struct strata_step *s;
	struct strata_applied *a;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	w.po.allow_modified = 1;
	w_file(&w, "000001", "create table a(x bigint);", "drop table a;");
	a = w_row(&w, "1", "create table a(x int);", "applied");
	a->down = strdup("drop table a; -- as applied");
	a = w_row(&w, "2", "create table b(x int);", "applied"); /* its file is gone */
	a->down = strdup("drop table b;");
	memset(&w.req, 0, sizeof(w.req));
	w.req.action = STRATA_DOWN;
	w.req.all = 1;
	assert_int_equal(w_plan_req(&w), 0);
	assert_int_equal(w.plan.nsteps, 2);
	s = step_is(&w, 0, "2", 1, "down");
	assert_int_equal(s->recorded_down, 1);
	assert_string_equal(s->script, "drop table b;");
	assert_string_equal(s->file, "(recorded down script)");
	s = step_is(&w, 1, "000001", 1, "down");
	assert_int_equal(s->recorded_down, 1);
	assert_string_equal(s->script, "drop table a; -- as applied");
	w_done(&w);
}

static void test_plan_goto(void **state)
{
	struct world w;
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	abc(&w);
	w_file(&w, "000004", "create table d(x int);", "drop table d;");
	w_row(&w, "1", "create table a(x int);", "applied");
	w_row(&w, "2", "create table b(x int);", "applied");
	assert_int_equal(w_plan(&w, STRATA_GOTO, 0, "000004"), 0);
	assert_int_equal(w.plan.nsteps, 2);
	step_is(&w, 0, "000003", 0, "up");
	step_is(&w, 1, "000004", 0, "up");
	assert_int_equal(w_plan(&w, STRATA_GOTO, 0, "000002"), 0);
	assert_int_equal(w.plan.nsteps, 0);
	assert_int_equal(w_plan(&w, STRATA_GOTO, 0, "1"), 0);
	assert_int_equal(w.plan.nsteps, 1);
	step_is(&w, 0, "000002", 1, "down");
	/* to no version: "" (golang-migrate's -1), or 0 when no migration has version 0 */
	assert_int_equal(w_plan(&w, STRATA_GOTO, 0, ""), 0);
	assert_int_equal(w.plan.nsteps, 2);
	step_is(&w, 0, "000002", 1, "down");
	step_is(&w, 1, "000001", 1, "down");
	assert_int_equal(w_plan(&w, STRATA_GOTO, 0, "0"), 0);
	assert_int_equal(w.plan.nsteps, 2);
	rc = w_plan(&w, STRATA_GOTO, 0, "9");
	refused(&w, rc, STRATA_EUSAGE, "no migration has version 9; `strata status` lists them");
	w_done(&w);
}

static void test_plan_redo(void **state)
{
	struct world w;
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	abc(&w);
	rc = w_plan(&w, STRATA_REDO, 0, NULL);
	refused(&w, rc, STRATA_EUSAGE, "nothing is applied: there is nothing to redo");
	w_done(&w);

	w_init(&w, &strata_driver_sqlite);
	abc(&w);
	w_row(&w, "1", "create table a(x int);", "applied");
	w_row(&w, "2", "create table b(x int);", "applied");
	assert_int_equal(w_plan(&w, STRATA_REDO, 0, NULL), 0);
	assert_int_equal(w.plan.nsteps, 2);
	step_is(&w, 0, "000002", 1, "down");
	step_is(&w, 1, "000002", 0, "up");
	assert_ptr_equal(w.plan.steps[0].row, w.plan.steps[1].row);
	w_done(&w);

	/* the last applied one's file is gone */
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x int);", "drop table a;");
	w_row(&w, "1", "create table a(x int);", "applied");
	w_row(&w, "2", "create table b(x int);", "applied");
	rc = w_plan(&w, STRATA_REDO, 0, NULL);
	refused(&w, rc, STRATA_ESOURCE, "2 m is applied but its file is gone: it cannot be applied again");
	w_done(&w);
}

static void test_plan_force(void **state)
{
	struct world w;
	const struct strata_step *s;
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	abc(&w);
	w_row(&w, "1", "create table a(x int);", "applied");
	assert_int_equal(w_plan(&w, STRATA_FORCE, 0, "000003"), 0);
	assert_int_equal(w.plan.single_tx, 1);
	assert_int_equal(w.plan.nsteps, 2);
	s = step_is(&w, 0, "000002", 0, "force");
	assert_int_equal(s->record_only, 1);
	assert_string_equal(s->result, "ok (force 000003)");
	assert_int_equal(s->strategy, STRATA_STRATEGY_BATCH);
	s = step_is(&w, 1, "000003", 0, "force");
	assert_int_equal(s->record_only, 1);
	/* to no version */
	assert_int_equal(w_plan(&w, STRATA_FORCE, 0, "0"), 0);
	assert_int_equal(w.plan.nsteps, 1);
	s = step_is(&w, 0, "000001", 1, "force");
	assert_string_equal(s->result, "ok (force 0: to no version)");
	assert_int_equal(w_plan(&w, STRATA_FORCE, 0, ""), 0);
	assert_string_equal(w.plan.steps[0].result, "ok (force -1: to no version)");
	rc = w_plan(&w, STRATA_FORCE, 0, "7");
	refused(&w, rc, STRATA_EUSAGE, "no migration file has version 7; `strata status` lists them");
	w_done(&w);

	/* force is how an untrusted history is mended: a modified row does not stop it */
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x bigint);", "drop table a;");
	w_file(&w, "000002", "create table b(x int);", "drop table b;");
	w_row(&w, "1", "create table a(x int);", "applied");
	w_row(&w, "2", "create table b(x int);", "applied");
	assert_int_equal(w_plan(&w, STRATA_FORCE, 0, "000001"), 0);
	assert_int_equal(w.plan.nsteps, 1);
	step_is(&w, 0, "000002", 1, "force");
	w_done(&w);
}

/* force over a partial row records it again whole, and says what of it stays. */
static void test_plan_force_partial(void **state)
{
	struct world w;
	const struct strata_step *s;
	struct strata_applied *a;
	static const char up[] = "create table b(x int);\ncreate table c(x int);\ncreate table d(x int);";

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x int);", "drop table a;");
	w_file(&w, "000002", up, "drop table b;");
	w_row(&w, "1", "create table a(x int);", "applied");
	a = w_row(&w, "2", up, "partial");
	w_progress(a, 1, "create table b(x int);\n");
	assert_int_equal(w_plan(&w, STRATA_FORCE, 0, "000002"), 0);
	assert_int_equal(w.plan.nsteps, 2);
	s = step_is(&w, 0, "000002", 1, "force");
	assert_int_equal(s->partial_total, 3);
	assert_int_equal(s->closes_partial, 0);
	assert_string_equal(s->result, "ok (force 000002; unrecorded the partial: statement 1 of 3 ran and stays in "
				       "the database, statements 2-3 never ran)");
	s = step_is(&w, 1, "000002", 0, "force");
	assert_int_equal(s->closes_partial, 1);
	assert_string_equal(s->result, "ok (force 000002; recorded as applied the partial: statement 1 of 3 ran and "
				       "stays in the database, statements 2-3 never ran)");
	w_done(&w);
}

static void test_plan_baseline(void **state)
{
	struct world w;
	const struct strata_step *s;
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	abc(&w);
	w_row(&w, "5", "create table e(x int);", "applied"); /* its file is gone */
	assert_int_equal(w_plan(&w, STRATA_BASELINE, 0, "000002"), 0);
	assert_int_equal(w.plan.single_tx, 1);
	assert_int_equal(w.plan.nsteps, 2);
	s = step_is(&w, 0, "000001", 0, "baseline");
	assert_int_equal(s->record_only, 1);
	assert_null(s->result);
	step_is(&w, 1, "000002", 0, "baseline");
	rc = w_plan(&w, STRATA_BASELINE, 0, "9");
	refused(&w, rc, STRATA_EUSAGE, "no migration file has version 9; `strata status` lists them");
	rc = w_plan(&w, STRATA_BASELINE, 0, "5");
	refused(&w, rc, STRATA_EUSAGE, "no migration file has version 5; `strata status` lists them");
	w_done(&w);
}

static void test_plan_accept(void **state)
{
	struct world w;
	const struct strata_step *s;
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x int);", "drop table a;");
	w_file(&w, "000002", "create table b(x bigint);", "drop table b;");
	w_row(&w, "1", "create table a(x int);", "applied");
	w_row(&w, "2", "create table b(x int);", "applied");
	assert_int_equal(w_plan(&w, STRATA_ACCEPT, 0, "000002"), 0);
	assert_int_equal(w.plan.nsteps, 1);
	s = step_is(&w, 0, "000002", 0, "accept");
	assert_int_equal(s->accept, 1);
	assert_int_equal(s->record_only, 1);
	assert_int_equal(s->strategy, STRATA_STRATEGY_BATCH);
	rc = w_plan(&w, STRATA_ACCEPT, 0, "000001");
	refused(&w, rc, STRATA_EUSAGE, "000001 m is applied, not modified: there is nothing to accept");
	rc = w_plan(&w, STRATA_ACCEPT, 0, "9");
	refused(&w, rc, STRATA_EUSAGE, "no migration has version 9; `strata status` lists them");
	w_done(&w);
}

static void test_refuse_ups_only(void **state)
{
	struct world w;
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	abc(&w);
	w.src.ups_only = 1;
	rc = w_plan(&w, STRATA_UP, 0, NULL);
	refused(&w, rc, STRATA_EUSAGE, "this source was loaded without its down scripts (STRATA_SOURCE_UPS_ONLY) and "
				       "cannot be run");
	assert_int_equal(w.plan.nsteps, 0);
	w_done(&w);
}

static void test_refuse_modified(void **state)
{
	struct world w;
	char msg[256];
	int rc;
	enum strata_action a;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x bigint);", "drop table a;");
	w_file(&w, "000002", "create table b(x int);", "drop table b;");
	w_row(&w, "1", "create table a(x int);", "applied");
	for (a = STRATA_UP; a <= STRATA_REDO; a++) {
		rc = w_plan(&w, a, 0, a == STRATA_GOTO ? "000002" : NULL);
		snprintf(msg, sizeof(msg), "000001_m.up.sql was changed after it was applied (recorded sha256 %.12s, file %.12s)",
			 strata_checksum_hex(w.st->rows[0].checksum),
			 strata_checksum_file_hex(w.st->rows[0].checksum, &w.m[0]));
		refused(&w, rc, STRATA_EHISTORY, msg);
		assert_string_equal(w.err.file, "000001_m.up.sql");
		assert_int_equal(w.err.has_version, 1);
		assert_string_equal(w.err.version.d, w.m[0].version.d);
		assert_non_null(strstr(w.err.hint, "record it with `strata accept 000001`"));
		assert_int_equal(w.plan.nsteps, 0);
	}
	/* the hex digits differ: the message names both sums */
	assert_string_not_equal(strata_checksum_hex(w.st->rows[0].checksum),
				strata_checksum_file_hex(w.st->rows[0].checksum, &w.m[0]));
	w.po.allow_modified = 1;
	assert_int_equal(w_plan(&w, STRATA_UP, 0, NULL), 0);
	assert_int_equal(w.plan.nsteps, 1);
	step_is(&w, 0, "000002", 0, "up");
	w_done(&w);
}

/* Not an edit: another migration recorded under the same version. */
static void test_refuse_renamed(void **state)
{
	struct world w;
	struct strata_applied *a;
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x bigint);", "drop table a;");
	a = w_row(&w, "1", "create table other(x int);", "applied");
	free(a->name);
	a->name = strdup("other");
	rc = w_plan(&w, STRATA_UP, 0, NULL);
	refused(&w, rc, STRATA_EHISTORY,
		"000001 was applied as `other`, the file is `m`: is this the right directory and database?");
	assert_non_null(strstr(w.err.hint, "if 000001 `m` really replaces `other`, record it with `strata accept 000001`"));
	w_done(&w);
}

/* A partial migration stops everything but up (which resumes it) and goto; all problems at once. */
static void test_refuse_partial(void **state)
{
	struct world w;
	struct strata_applied *a;
	char msg[300];
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x int);", "drop table a;");
	w_file(&w, "000002", "-- strata:no-transaction\ncreate table b(x int);\ncreate table c(x int);",
	       "drop table c;\ndrop table b;");
	w_file(&w, "000003", "create table d(x bigint);", "drop table d;");
	w_row(&w, "1", "create table a(x int);", "applied");
	a = w_row(&w, "2", "create table b(x int);\ncreate table c(x int);", "partial");
	w_progress(a, 1, "create table b(x int);\n");
	w_row(&w, "3", "create table d(x int);", "applied");
	rc = w_plan(&w, STRATA_DOWN, 0, NULL);
	snprintf(msg, sizeof(msg),
		 "000002 m stopped part way (1 statement done)\n000003_m.up.sql was changed after it was applied "
		 "(recorded sha256 %.12s, file %.12s)",
		 strata_checksum_hex(w.st->rows[2].checksum), strata_checksum_file_hex(w.st->rows[2].checksum, &w.m[2]));
	refused(&w, rc, STRATA_EHISTORY, msg);
	assert_string_equal(w.err.file, "000002_m.up.sql");
	assert_string_equal(w.err.hint, "fix the migration and record its state by hand with `strata force VERSION`");
	rc = w_plan(&w, STRATA_REDO, 0, NULL);
	assert_int_equal(rc, STRATA_EHISTORY);
	w_done(&w);

	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x int);\ncreate table b(x int);\ncreate table c(x int);", "drop table a;");
	a = w_row(&w, "1", "create table a(x int);\ncreate table b(x int);\ncreate table c(x int);", "partial");
	w_progress(a, 2, "create table a(x int);\ncreate table b(x int);\n");
	rc = w_plan(&w, STRATA_DOWN, 0, NULL);
	refused(&w, rc, STRATA_EHISTORY, "000001 m stopped part way (2 statements done)");
	/* goto does not refuse it: it may resume it */
	assert_int_equal(w_plan(&w, STRATA_GOTO, 0, "000001"), 0);
	assert_int_equal(w.plan.nsteps, 1);
	assert_int_equal(w.plan.steps[0].resume, 2);
	w_done(&w);
}

static void test_refuse_out_of_order(void **state)
{
	struct world w;
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	abc(&w);
	w_row(&w, "1", "create table a(x int);", "applied");
	w_row(&w, "3", "create table c(x int);", "applied");
	rc = w_plan(&w, STRATA_UP, 0, NULL);
	refused(&w, rc, STRATA_EHISTORY, "000002 m is pending but is older than 000003 m, which is already applied");
	assert_string_equal(w.err.file, "000002_m.up.sql");
	assert_int_equal(w.err.has_version, 1);
	assert_int_equal(w.st->rows[1].out_of_order, 1);
	rc = w_plan(&w, STRATA_GOTO, 0, "000003");
	refused(&w, rc, STRATA_EHISTORY, "000002 m is pending but is older than 000003 m, which is already applied");
	/* down does not apply it: no refusal */
	assert_int_equal(w_plan(&w, STRATA_DOWN, 0, NULL), 0);
	step_is(&w, 0, "000003", 1, "down");
	w.po.allow_out_of_order = 1;
	assert_int_equal(w_plan(&w, STRATA_UP, 0, NULL), 0);
	assert_int_equal(w.plan.nsteps, 1);
	step_is(&w, 0, "000002", 0, "up");
	w_done(&w);
}

/* A recorded row whose file is gone: runs go on (the runner notes it); it cannot be rolled back unrecorded. */
static void test_missing_file(void **state)
{
	struct world w;
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x int);", "drop table a;");
	w_row(&w, "1", "create table a(x int);", "applied");
	w_row(&w, "2", "create table b(x int);", "applied");
	assert_int_equal(w_plan(&w, STRATA_UP, 0, NULL), 0);
	assert_int_equal(w.plan.nsteps, 0);
	assert_int_equal(w.st->rows[1].state, STRATA_MISSING);
	rc = w_plan(&w, STRATA_DOWN, 0, NULL);
	refused(&w, rc, STRATA_EREFUSED,
		"2 m cannot be rolled back: its down script is missing (its file is gone, and no down script was "
		"recorded when it was applied)");
	assert_string_equal(w.err.file, "");
	assert_string_equal(w.err.hint, "nothing was changed. Write the missing down script, or roll back less "
					"(`strata down N`, `strata goto V`); if the database was undone by hand, record "
					"that with `strata force VERSION`");
	/* force records it, running nothing */
	assert_int_equal(w_plan(&w, STRATA_FORCE, 0, "000001"), 0);
	step_is(&w, 0, "2", 1, "force");
	w_done(&w);
}

static void test_refuse_irreversible(void **state)
{
	struct world w;
	struct strata_migration *go;
	struct strata_applied *a;
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x int);", NULL);
	w_file(&w, "000002", "create table b(x int);", "-- strata:irreversible drops data\ndrop table b;");
	w_file(&w, "000003", "create table c(x int);", "drop table c;");
	w_row(&w, "1", "create table a(x int);", "applied");
	w_row(&w, "2", "create table b(x int);", "applied");
	w_row(&w, "3", "create table c(x int);", "applied");
	assert_int_equal(w_plan(&w, STRATA_DOWN, 1, NULL), 0);
	/* every one of them named at once */
	rc = w_plan(&w, STRATA_GOTO, 0, "");
	refused(&w, rc, STRATA_EREFUSED,
		"000002 m cannot be rolled back: 000002_m.down.sql:1 says -- strata:irreversible (drops data)\n"
		"000001 m cannot be rolled back: its down script is missing (there is no 000001_m.down.sql)");
	assert_string_equal(w.err.file, "000002_m.down.sql");
	assert_string_equal(w.err.version.d, w.m[1].version.d);
	assert_string_equal(w.err.hint, "nothing was changed. Write the missing down script, or roll back less "
					"(`strata down N`, `strata goto V`); if the database was undone by hand, record "
					"that with `strata force VERSION`");
	rc = w_plan(&w, STRATA_DOWN, 2, NULL);
	refused(&w, rc, STRATA_EREFUSED,
		"000002 m cannot be rolled back: 000002_m.down.sql:1 says -- strata:irreversible (drops data)");
	assert_string_equal(w.err.hint, "nothing was changed. Roll back less (`strata down N`, `strata goto V`); if "
					"the database was undone by hand, record that with `strata force VERSION`");
	w_done(&w);

	/* the recorded down says so; a changed file without a recorded down; a goose Go migration */
	w_init(&w, &strata_driver_sqlite);
	w.po.allow_modified = 1;
	w_file(&w, "000001", "create table a(x bigint);", "drop table a;");
	w_file(&w, "000002", "create table b(x bigint);", "drop table b;");
	go = w_file(&w, "000003", "", NULL);
	go->layout = STRATA_LAYOUT_GO;
	a = w_row(&w, "1", "create table a(x int);", "applied");
	a->down = strdup("-- strata:irreversible\ndrop table a;");
	w_row(&w, "2", "create table b(x int);", "applied");
	w_row(&w, "3", "", "applied");
	rc = w_plan(&w, STRATA_DOWN, 1, NULL);
	refused(&w, rc, STRATA_EREFUSED,
		"000003 m cannot be rolled back: it is a goose Go migration, which strata cannot run (roll it back "
		"with goose, then record that with `strata force VERSION`, the version before it)");
	rc = w_plan(&w, STRATA_GOTO, 0, "");
	refused(&w, rc, STRATA_EREFUSED,
		"000003 m cannot be rolled back: it is a goose Go migration, which strata cannot run (roll it back "
		"with goose, then record that with `strata force VERSION`, the version before it)\n"
		"000002 m cannot be rolled back: its down script is missing (the file changed since it was applied, "
		"and no down script was recorded then)\n"
		"000001 m cannot be rolled back: the down script recorded when it was applied says "
		"-- strata:irreversible");
	w_done(&w);
}

/* One file, planned up: for the refusals of a script read before anything runs. */
static int plan_one(struct world *w, const struct strata_driver *drv, const char *up)
{
	w_init(w, drv);
	w_file(w, "000001", up, "select 1;");
	return w_plan(w, STRATA_UP, 0, NULL);
}

static void test_refuse_bad_scripts(void **state)
{
	struct world w;
	int rc;

	(void)state;
	rc = plan_one(&w, &strata_driver_sqlite, "create table a(x int);\nselect 'oops;");
	refused(&w, rc, STRATA_ESOURCE, "unterminated quoted string");
	assert_string_equal(w.err.file, "000001_m.up.sql");
	assert_int_equal(w.err.line, 2);
	assert_int_equal(w.plan.nprepared, 1);
	w_done(&w);

	rc = plan_one(&w, &strata_driver_sqlite, "select 1;\n-- strata:frobnicate\nselect 2;");
	refused(&w, rc, STRATA_ESOURCE,
		"unknown directive -- strata:frobnicate (known: no-transaction, require, verify, timeout, irreversible)");
	assert_string_equal(w.err.file, "000001_m.up.sql");
	assert_int_equal(w.err.line, 2);
	w_done(&w);

	rc = plan_one(&w, &strata_driver_sqlite, "create table a(x int);\nBEGIN;\ncreate table b(x int);");
	refused(&w, rc, STRATA_ESOURCE, "the transaction started here is never committed: the script ends inside it");
	assert_string_equal(w.err.file, "000001_m.up.sql");
	assert_int_equal(w.err.line, 2);
	assert_string_equal(w.err.hint, "end it with COMMIT; strata records the migration after its last statement, "
					"outside the script's own transactions");
	w_done(&w);

	rc = plan_one(&w, &strata_driver_sqlite, "-- strata:no-transaction\n-- strata:verify select 1\nselect 1;");
	refused(&w, rc, STRATA_ESOURCE,
		"000001_m.up.sql: -- strata:verify needs a transaction to roll back, but this migration runs outside "
		"one");
	w_done(&w);

	/* a file that manages its own transactions runs as written, outside strata's */
	rc = plan_one(&w, &strata_driver_sqlite, "create table a(x int);\nBEGIN;\ncreate table b(x int);\nCOMMIT;");
	assert_int_equal(rc, 0);
	assert_int_equal(w.plan.steps[0].own_tx, 1);
	assert_int_equal(w.plan.steps[0].own_tx_line, 2);
	assert_int_equal(w.plan.steps[0].strategy, STRATA_STRATEGY_JOURNAL);
	w_done(&w);
}

/* up resumes a partial migration after the statements that ran, unless they were edited since. */
static void test_resume_partial_up(void **state)
{
	struct world w;
	struct strata_applied *a;
	static const char up[] = "-- strata:no-transaction\ncreate table b(x int);\ncreate table c(x int);";
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000002", up, "drop table c;\ndrop table b;");
	a = w_row(&w, "2", up, "partial");
	w_progress(a, 1, "create table b(x int);\n");
	assert_int_equal(w_plan(&w, STRATA_UP, 0, NULL), 0);
	assert_int_equal(w.plan.nsteps, 1);
	assert_int_equal(w.plan.steps[0].resume, 1);
	assert_int_equal(w.plan.steps[0].strategy, STRATA_STRATEGY_JOURNAL);
	w_done(&w);

	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000002", up, "drop table c;\ndrop table b;");
	a = w_row(&w, "2", up, "partial");
	w_progress(a, 1, "create table b(x bigint);\n");
	rc = w_plan(&w, STRATA_UP, 0, NULL);
	refused(&w, rc, STRATA_EHISTORY, "000002_m.up.sql: statements 1-1 already ran, and have been edited since");
	assert_string_equal(w.err.file, "000002_m.up.sql");
	assert_string_equal(w.err.hint, "restore them as they ran (only statement 2 onwards may change), or, after "
					"fixing the database by hand, record the migration with `strata force 000002`");
	w_done(&w);

	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000002", up, "drop table c;\ndrop table b;");
	a = w_row(&w, "2", up, "partial");
	w_progress(a, 3, "x");
	rc = w_plan(&w, STRATA_UP, 0, NULL);
	refused(&w, rc, STRATA_EHISTORY, "000002_m.up.sql: 3 statements of it already ran, but the file now has only 2");
	w_done(&w);
}

/* A down that stopped part way resumes after the statements that ran, unless they changed. */
static void test_resume_down(void **state)
{
	struct world w;
	struct strata_applied *a;
	static const char down[] = "-- strata:no-transaction\ndrop table c;\ndrop table b;";
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000002", "create table b(x int);", down);
	a = w_row(&w, "2", "create table b(x int);", "applied");
	w_progress(a, 1, "drop table c;\n");
	assert_int_equal(w_plan(&w, STRATA_DOWN, 0, NULL), 0);
	assert_int_equal(w.plan.steps[0].resume, 1);
	assert_int_equal(w.plan.steps[0].notx, 1);
	assert_int_equal(w.plan.steps[0].strategy, STRATA_STRATEGY_JOURNAL);
	w_done(&w);

	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000002", "create table b(x int);", down);
	a = w_row(&w, "2", "create table b(x int);", "applied");
	w_progress(a, 1, "drop table c cascade;\n");
	rc = w_plan(&w, STRATA_DOWN, 0, NULL);
	refused(&w, rc, STRATA_EHISTORY,
		"000002_m.down.sql: statements 1-1 of the down script already ran, and have been edited since");
	assert_string_equal(w.err.file, "000002_m.down.sql");
	assert_string_equal(w.err.hint, "restore them as they ran (only statement 2 onwards may change); if the "
					"database was undone by hand, record that with `strata force VERSION`");
	w_done(&w);

	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000002", "create table b(x int);", down);
	a = w_row(&w, "2", "create table b(x int);", "applied");
	w_progress(a, 2, "drop table c;\ndrop table b;\n");
	rc = w_plan(&w, STRATA_DOWN, 0, NULL);
	refused(&w, rc, STRATA_EHISTORY,
		"000002_m.down.sql: 2 statements of the down script already ran, but it now has only 2");
	assert_string_equal(w.err.hint, "restore the statements that ran; if the database was undone by hand, record "
					"that with `strata force VERSION`");
	w_done(&w);
}

static void test_refuse_single_transaction(void **state)
{
	struct world w;
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	w.po.single_transaction = 1;
	w_file(&w, "000001", "create table a(x int);", "drop table a;");
	w_file(&w, "000002", "BEGIN;\ncreate table b(x int);\nCOMMIT;", "drop table b;");
	rc = w_plan(&w, STRATA_UP, 0, NULL);
	refused(&w, rc, STRATA_EUSAGE,
		"000002 m manages its own transactions (BEGIN/COMMIT), so it cannot be part of a single transaction "
		"for the whole batch; nothing was run");
	assert_int_equal(w.err.reason, STRATA_R_OWN_TRANSACTION);
	assert_string_equal(w.err.file, "000002_m.up.sql");
	assert_int_equal(w.err.line, 1);
	assert_int_equal(w.plan.nprepared, 2);
	assert_int_equal(w_plan(&w, STRATA_UP, 1, NULL), 0);
	assert_int_equal(w.plan.single_tx, 1);
	assert_int_equal(w.plan.steps[0].strategy, STRATA_STRATEGY_BATCH);
	w_done(&w);

	w_init(&w, &strata_driver_sqlite);
	w.po.single_transaction = 1;
	w_file(&w, "000001", "-- strata:no-transaction\ncreate table a(x int);", "drop table a;");
	rc = w_plan(&w, STRATA_UP, 0, NULL);
	refused(&w, rc, STRATA_EUSAGE,
		"000001 m must run outside a transaction, so it cannot be part of a single transaction for the "
		"whole batch");
	assert_int_equal(w.err.reason, STRATA_R_OWN_TRANSACTION);
	assert_string_equal(w.err.file, "000001_m.up.sql");
	w_done(&w);

	/* on a server, the bookkeeping of the batch is held and sent together */
	w_init(&w, &pg_caps);
	w.po.single_transaction = 1;
	abc(&w);
	assert_int_equal(w_plan(&w, STRATA_UP, 0, NULL), 0);
	assert_int_equal(w.plan.nsteps, 3);
	assert_int_equal(w.plan.steps[2].strategy, STRATA_STRATEGY_BATCH_HELD);
	w_done(&w);
}

/* The offline script applies and rolls back migrations: a record, a resume are refused. */
static void test_refuse_offline_script(void **state)
{
	struct world w;
	struct strata_applied *a;
	char *script = NULL;
	static const char up[] = "-- strata:no-transaction\ncreate table b(x int);\ncreate table c(x int);";
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x int);", "drop table a;");
	w_file(&w, "000002", up, "drop table c;\ndrop table b;");
	w_file(&w, "000003", "create table d(x int);", "drop table d;");
	w_row(&w, "1", "create table a(x int);", "applied");
	memset(&w.req, 0, sizeof(w.req));
	w.req.action = STRATA_UP;
	w.req.script = &script;
	assert_int_equal(w_plan_req(&w), 0);
	assert_int_equal(w.plan.nsteps, 2);
	/* a roll-back goes into the script too, its down statements read */
	w.req.action = STRATA_DOWN;
	assert_int_equal(w_plan_req(&w), 0);
	assert_int_equal(w.plan.nsteps, 1);
	assert_int_equal(strata_split_count(&step_is(&w, 0, "000001", 1, "down")->sp), 1);
	w.req.action = STRATA_BASELINE;
	w.req.target = ver("000003");
	rc = w_plan_req(&w);
	refused(&w, rc, STRATA_EUSAGE,
		"an offline script can only apply or roll back migrations; 000002 m would only have its record changed");
	assert_int_equal(w.err.reason, STRATA_R_SCRIPT_UP_ONLY);
	assert_null(script);
	w_done(&w);

	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000002", up, "drop table c;\ndrop table b;");
	a = w_row(&w, "2", up, "partial");
	w_progress(a, 1, "create table b(x int);\n");
	memset(&w.req, 0, sizeof(w.req));
	w.req.action = STRATA_UP;
	w.req.script = &script;
	rc = w_plan_req(&w);
	refused(&w, rc, STRATA_EUSAGE,
		"an offline script can only apply or roll back migrations; 000002 m stopped part way, and only a run "
		"on the database finishes it");
	w_done(&w);
}

/* Offline (--sql --from V): the status is the files alone, those up to V taken as applied. */
static void test_offline_status(void **state)
{
	struct world w;
	struct strata_version from;
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x int);", "drop table a;");
	w_file(&w, "000002", "create table b(x int);", "drop table b;");
	w_file(&w, "000003", "create table c(x int);", "drop table c;");

	/* nothing applied */
	assert_int_equal(strata_status_assume(&w.src, NULL, &w.st, &w.err), 0);
	assert_int_equal(w.st->n, 3);
	assert_int_equal(w.st->npending, 3);
	assert_int_equal(w.st->have_current, 0);
	strata_status_free(w.st);
	w.st = NULL;
	/* "0" with no migration 0 is nothing applied too, as goto 0 is everything down */
	from = ver("0");
	assert_int_equal(strata_status_assume(&w.src, &from, &w.st, &w.err), 0);
	assert_int_equal(w.st->napplied, 0);
	strata_status_free(w.st);
	w.st = NULL;

	/* up to and including 000002, with the file's checksum: applied, not modified */
	from = ver("2");
	assert_int_equal(strata_status_assume(&w.src, &from, &w.st, &w.err), 0);
	assert_int_equal(w.st->rows[0].state, STRATA_APPLIED);
	assert_int_equal(w.st->rows[1].state, STRATA_APPLIED);
	assert_int_equal(w.st->rows[2].state, STRATA_PENDING);
	assert_int_equal(w.st->nmodified, 0);
	assert_string_equal(w.st->current_vtext, "000002");
	/* and the planner takes it as it takes a database's: up applies 000003, down 2 rolls back newest first */
	memset(&w.req, 0, sizeof(w.req));
	w.req.action = STRATA_UP;
	assert_int_equal(w_plan_req(&w), 0);
	assert_int_equal(w.plan.nsteps, 1);
	step_is(&w, 0, "000003", 0, "up");
	assert_int_equal(w_plan(&w, STRATA_DOWN, 2, NULL), 0);
	assert_int_equal(w.plan.nsteps, 2);
	step_is(&w, 0, "000002", 1, "down");
	step_is(&w, 1, "000001", 1, "down");
	assert_int_equal(w_plan(&w, STRATA_GOTO, 0, "000001"), 0);
	assert_int_equal(w.plan.nsteps, 1);
	step_is(&w, 0, "000002", 1, "down");
	strata_status_free(w.st);
	w.st = NULL;

	/* a version no migration has */
	from = ver("7");
	rc = strata_status_assume(&w.src, &from, &w.st, &w.err);
	assert_int_equal(rc, STRATA_EUSAGE);
	assert_null(w.st);
	assert_int_equal(w.err.reason, STRATA_R_NO_VERSION);
	assert_string_equal(w.err.message, "no migration has version 7, where the offline script starts from");
	w_done(&w);
}

/* An offline roll-back of a migration without a down script is refused as a run's is. */
static void test_offline_down_refusals(void **state)
{
	struct world w;
	struct strata_version from;
	char *script = NULL;
	int rc;

	(void)state;
	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x int);", "drop table a;");
	w_file(&w, "000002", "create table b(x int);", NULL);
	w_file(&w, "000003", "create table c(x int);", "-- strata:irreversible\n");
	from = ver("3");
	assert_int_equal(strata_status_assume(&w.src, &from, &w.st, &w.err), 0);
	memset(&w.req, 0, sizeof(w.req));
	w.req.action = STRATA_DOWN;
	w.req.script = &script;
	rc = w_plan_req(&w);
	assert_int_equal(rc, STRATA_EREFUSED);
	assert_int_equal(w.err.reason, STRATA_R_IRREVERSIBLE);
	w_done(&w);

	w_init(&w, &strata_driver_sqlite);
	w_file(&w, "000001", "create table a(x int);", "drop table a;");
	w_file(&w, "000002", "create table b(x int);", NULL);
	from = ver("2");
	assert_int_equal(strata_status_assume(&w.src, &from, &w.st, &w.err), 0);
	memset(&w.req, 0, sizeof(w.req));
	w.req.action = STRATA_DOWN;
	w.req.script = &script;
	rc = w_plan_req(&w);
	assert_int_equal(rc, STRATA_EREFUSED);
	assert_int_equal(w.err.reason, STRATA_R_NO_DOWN);
	assert_null(script);
	w_done(&w);
}

/* PostgreSQL refuses some statements inside a transaction: such a migration runs outside one. */
static void test_no_tx_statement(void **state)
{
	struct world w;
	static const char up[] = "create table t(x int);\ncreate index concurrently i on t (x);";

	(void)state;
	assert_int_equal(plan_one(&w, &pg_caps, up), 0);
	assert_int_equal(w.plan.steps[0].notx, 1);
	assert_int_equal(w.plan.steps[0].notx_line, 2);
	assert_int_equal(w.plan.steps[0].strategy, STRATA_STRATEGY_JOURNAL);
	w_done(&w);

	assert_int_equal(plan_one(&w, &pg_caps, "create table t(x int);"), 0);
	assert_int_equal(w.plan.steps[0].notx, 0);
	assert_int_equal(w.plan.steps[0].notx_line, 0);
	assert_int_equal(w.plan.steps[0].strategy, STRATA_STRATEGY_ONE_TRIP);
	w_done(&w);

	/* marked so: no note needed */
	assert_int_equal(plan_one(&w, &pg_caps, "-- strata:no-transaction\ncreate index concurrently i on t (x);"), 0);
	assert_int_equal(w.plan.steps[0].notx, 1);
	assert_int_equal(w.plan.steps[0].notx_line, 0);
	w_done(&w);
}

/* The strategy table: what a step is, whether the run is one transaction, the driver's capabilities. */
static void test_strategy_choice(void **state)
{
	struct strata_directives dv;
	struct strata_migration m;
	struct strata_status_row row;
	struct strata_step s;
	unsigned lite = strata_driver_sqlite.caps, pg = pg_caps.caps;

	(void)state;
	memset(&dv, 0, sizeof(dv));
	memset(&m, 0, sizeof(m));
	memset(&row, 0, sizeof(row));
	memset(&s, 0, sizeof(s));
	row.mig = &m;
	s.row = &row;
	s.dv = &dv;
	s.script = "create table a(x int);";
	s.len = strlen(s.script);
	assert_true(lite & STRATA_CAP_TRANSACTIONAL_DDL);
	assert_int_equal(strata_strategy_choose(&s, 0, lite), STRATA_STRATEGY_TX);
	assert_int_equal(strata_strategy_choose(&s, 1, lite), STRATA_STRATEGY_BATCH);
	assert_int_equal(strata_strategy_choose(&s, 0, pg), STRATA_STRATEGY_ONE_TRIP);
	assert_int_equal(strata_strategy_choose(&s, 1, pg), STRATA_STRATEGY_BATCH_HELD);
	/* verify and timeout need statements of their own inside the transaction */
	dv.nverify = 1;
	assert_int_equal(strata_strategy_choose(&s, 0, pg), STRATA_STRATEGY_TX);
	dv.nverify = 0;
	dv.timeout = 30;
	assert_int_equal(strata_strategy_choose(&s, 0, pg), STRATA_STRATEGY_TX);
	dv.timeout = 0;
	/* outside a transaction, whatever the run */
	s.notx = 1;
	assert_int_equal(strata_strategy_choose(&s, 0, lite), STRATA_STRATEGY_JOURNAL);
	assert_int_equal(strata_strategy_choose(&s, 1, lite), STRATA_STRATEGY_JOURNAL);
	assert_int_equal(strata_strategy_choose(&s, 0, pg), STRATA_STRATEGY_JOURNAL);
	s.notx = 0;
	/* a down whose file is gone runs its recorded script: no one-trip form without the file */
	row.mig = NULL;
	s.down = 1;
	assert_int_equal(strata_strategy_choose(&s, 0, pg), STRATA_STRATEGY_TX);
	assert_int_equal(strata_strategy_choose(&s, 1, pg), STRATA_STRATEGY_BATCH_HELD);
	s.down = 0;
	row.mig = &m;
	/* records only: a transaction; its record is not held */
	s.record_only = 1;
	assert_int_equal(strata_strategy_choose(&s, 0, pg), STRATA_STRATEGY_TX);
	assert_int_equal(strata_strategy_choose(&s, 1, pg), STRATA_STRATEGY_BATCH);
	s.accept = 1;
	assert_int_equal(strata_strategy_choose(&s, 1, pg), STRATA_STRATEGY_BATCH);
	s.notx = 1; /* never set on record-only steps, and harmless if it were */
	assert_int_equal(strata_strategy_choose(&s, 0, 0), STRATA_STRATEGY_TX);
}

/* Without transactional DDL a step with statements goes through the journal; records stay transactional. */
static void test_strategy_without_transactional_ddl(void **state)
{
	struct world w;
	int rc;

	(void)state;
	w_init(&w, &no_txddl);
	w_file(&w, "000001", "create table a(x int);", "-- No-op\n");
	w_file(&w, "000002", "create table b(x int);\ncreate table c(x int);", "drop table c;\ndrop table b;");
	w_row(&w, "1", "create table a(x int);", "applied");
	assert_int_equal(w_plan(&w, STRATA_UP, 0, NULL), 0);
	assert_int_equal(w.plan.steps[0].notx, 0);
	assert_int_equal(w.plan.steps[0].strategy, STRATA_STRATEGY_JOURNAL);
	/* an empty down runs nothing: removing the record is one transaction */
	assert_int_equal(w_plan(&w, STRATA_DOWN, 0, NULL), 0);
	assert_int_equal(w.plan.steps[0].empty, 1);
	assert_int_equal(w.plan.steps[0].strategy, STRATA_STRATEGY_TX);
	assert_int_equal(w_plan(&w, STRATA_BASELINE, 0, "000002"), 0);
	assert_int_equal(w.plan.steps[0].strategy, STRATA_STRATEGY_BATCH);
	/* so no step with statements can be part of one transaction */
	w.po.single_transaction = 1;
	rc = w_plan(&w, STRATA_UP, 0, NULL);
	refused(&w, rc, STRATA_EUSAGE,
		"000002 m must run outside a transaction, so it cannot be part of a single transaction for the "
		"whole batch");
	w_done(&w);

	/* and -- strata:verify has no transaction to roll back */
	rc = plan_one(&w, &no_txddl, "-- strata:verify select 1\ncreate table a(x int);");
	refused(&w, rc, STRATA_ESOURCE,
		"000001_m.up.sql: -- strata:verify needs a transaction to roll back, but this migration runs outside "
		"one");
	w_done(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_empty_and_partial),
		cmocka_unit_test(test_diesel_order),
		cmocka_unit_test(test_long_versions),
		cmocka_unit_test(test_checksum_forms),
		cmocka_unit_test(test_checksum_line_endings),
		cmocka_unit_test(test_plan_up),
		cmocka_unit_test(test_plan_up_stops_before_go),
		cmocka_unit_test(test_plan_down),
		cmocka_unit_test(test_plan_down_recorded_script),
		cmocka_unit_test(test_plan_goto),
		cmocka_unit_test(test_plan_redo),
		cmocka_unit_test(test_plan_force),
		cmocka_unit_test(test_plan_force_partial),
		cmocka_unit_test(test_plan_baseline),
		cmocka_unit_test(test_plan_accept),
		cmocka_unit_test(test_refuse_ups_only),
		cmocka_unit_test(test_refuse_modified),
		cmocka_unit_test(test_refuse_renamed),
		cmocka_unit_test(test_refuse_partial),
		cmocka_unit_test(test_refuse_out_of_order),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_refuse_irreversible),
		cmocka_unit_test(test_refuse_bad_scripts),
		cmocka_unit_test(test_resume_partial_up),
		cmocka_unit_test(test_resume_down),
		cmocka_unit_test(test_refuse_single_transaction),
		cmocka_unit_test(test_refuse_offline_script),
		cmocka_unit_test(test_offline_status),
		cmocka_unit_test(test_offline_down_refusals),
		cmocka_unit_test(test_no_tx_statement),
		cmocka_unit_test(test_strategy_choice),
		cmocka_unit_test(test_strategy_without_transactional_ddl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
