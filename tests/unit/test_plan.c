/*
 * test_plan.c - the merge of recorded rows with files: states, order
 * (including Diesel's string order across version widths), the current
 * version and out-of-order detection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_empty_and_partial),
		cmocka_unit_test(test_diesel_order),
		cmocka_unit_test(test_long_versions),
		cmocka_unit_test(test_checksum_forms),
		cmocka_unit_test(test_checksum_line_endings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
