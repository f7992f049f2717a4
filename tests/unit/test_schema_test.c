/*
 * test_schema_test.c - scratch databases, strata_check and strata_test
 * (src/schema/scratch.c, check.c, test.c) on real SQLite databases: a
 * scratch database is new and empty each time and goes with its close; the
 * verdict of each migration, the differences that come with it, the range,
 * the rebuild after a migration that leaves the scratch elsewhere; check
 * finding exactly the object changed by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "strata_schema.h"
#include "driver.h"
#include "tmpdb.h"

struct seen {
	enum strata_test_verdict v[32];
	char vtext[32][16];
	size_t ndiff[32];
	int rebuilt[32];
	size_t n;
};

static int collect(void *ud, const struct strata_test_result *r)
{
	struct seen *s = ud;

	assert_true(s->n < 32);
	s->v[s->n] = r->verdict;
	snprintf(s->vtext[s->n], sizeof(s->vtext[0]), "%s", r->mig->vtext);
	s->ndiff[s->n] = r->diff ? r->diff->n : 0;
	s->rebuilt[s->n] = r->rebuilt;
	if (r->verdict == STRATA_TEST_DOWN_FAILED || r->verdict == STRATA_TEST_UP_FAILED ||
	    r->verdict == STRATA_TEST_REDO_FAILED)
		assert_non_null(r->err);
	if (r->verdict == STRATA_TEST_NOT_RESTORED || r->verdict == STRATA_TEST_REDO_DIFFERS)
		assert_non_null(r->diff);
	s->n++;
	return 0;
}

static struct strata_scratch *open_scratch(struct tmpdb *t, const char *setup)
{
	struct strata_scratch_opts so = { .setup = setup, .setup_len = setup ? strlen(setup) : 0, .setup_file = "setup.sql" };
	struct strata_scratch *s = NULL;

	strata_err_release(&t->err);
	assert_int_equal(strata_scratch_open(t->target, &so, &t->opts, &s, &t->err), 0);
	assert_non_null(s);
	assert_non_null(strata_scratch_db(s));
	return s;
}

static void test_verdict_names(void **state)
{
	(void)state;
	assert_string_equal(strata_test_verdict_name(STRATA_TEST_OK), "ok");
	assert_string_equal(strata_test_verdict_name(STRATA_TEST_UP_FAILED), "up_failed");
	assert_string_equal(strata_test_verdict_name(STRATA_TEST_DOWN_FAILED), "down_failed");
	assert_string_equal(strata_test_verdict_name(STRATA_TEST_NOT_RESTORED), "not_restored");
	assert_string_equal(strata_test_verdict_name(STRATA_TEST_ORDER_ONLY), "order_only");
	assert_string_equal(strata_test_verdict_name(STRATA_TEST_REDO_FAILED), "redo_failed");
	assert_string_equal(strata_test_verdict_name(STRATA_TEST_REDO_DIFFERS), "redo_differs");
	assert_string_equal(strata_test_verdict_name(STRATA_TEST_IRREVERSIBLE), "irreversible");
}

/* Each scratch is new and empty; the setup runs in it; reset empties it again. */
static void test_scratch_fresh(void **state)
{
	struct tmpdb t;
	struct strata_scratch *a, *b;
	struct strata_schema *s = NULL;
	long errpos;

	(void)state;
	tmpdb_init(&t);
	tmpdb_open(&t);
	a = open_scratch(&t, "CREATE TABLE base (id INTEGER);");
	b = open_scratch(&t, NULL);
	assert_int_equal(strata_schema_read(strata_scratch_db(a), 0, &s, &t.err), 0);
	assert_int_equal(s->n, 2); /* the table and its column */
	assert_non_null(strata_schema_find(s, STRATA_OBJ_TABLE, NULL, NULL, "base"));
	strata_schema_free(s);
	assert_int_equal(strata_schema_read(strata_scratch_db(b), 0, &s, &t.err), 0);
	assert_int_equal(s->n, 0);
	strata_schema_free(s);
	/* what is made after the setup goes with a reset; the setup comes back */
	assert_int_equal(strata_scratch_db(a)->drv->exec(strata_scratch_db(a)->conn, "CREATE TABLE x (a INT)", 22,
							  &errpos, &t.err),
			 0);
	assert_int_equal(strata_scratch_reset(a, &t.err), 0);
	assert_int_equal(strata_schema_read(strata_scratch_db(a), 0, &s, &t.err), 0);
	assert_null(strata_schema_find(s, STRATA_OBJ_TABLE, NULL, NULL, "x"));
	assert_non_null(strata_schema_find(s, STRATA_OBJ_TABLE, NULL, NULL, "base"));
	strata_schema_free(s);
	assert_int_equal(strata_scratch_close(a, &t.err), 0);
	assert_int_equal(strata_scratch_close(b, &t.err), 0);
	assert_int_equal(strata_scratch_close(NULL, &t.err), 0);
	tmpdb_free(&t);
}

/* A setup that fails: the open fails, naming the file and line. */
static void test_scratch_setup_fails(void **state)
{
	struct tmpdb t;
	struct strata_scratch_opts so = { .setup = "CREATE TABLE a (id INT);\nSELECT nosuch();\n", .setup_file = "setup.sql" };
	struct strata_scratch *s = NULL;

	(void)state;
	so.setup_len = strlen(so.setup);
	tmpdb_init(&t);
	tmpdb_open(&t);
	assert_int_equal(strata_scratch_open(t.target, &so, &t.opts, &s, &t.err), STRATA_EDB);
	assert_null(s);
	assert_string_equal(t.err.file, "setup.sql");
	assert_int_equal(t.err.line, 2);
	tmpdb_free(&t);
}

static void test_verdicts(void **state)
{
	struct tmpdb t;
	struct strata_scratch *s;
	struct strata_test_opts o = { .on_result = collect };
	struct strata_test_summary sum;
	struct seen seen = { 0 };

	(void)state;
	tmpdb_init(&t);
	tmpdb_file(&t, "001_a.up.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT DEFAULT 'x');");
	tmpdb_file(&t, "001_a.down.sql", "DROP TABLE a;");
	tmpdb_file(&t, "002_b.up.sql", "ALTER TABLE a DROP COLUMN v;");
	tmpdb_file(&t, "002_b.down.sql", "ALTER TABLE a ADD COLUMN v TEXT;");
	tmpdb_file(&t, "003_c.up.sql", "CREATE TABLE c (id INT);");
	tmpdb_file(&t, "003_c.down.sql", "DROP TABLE nosuch;");
	tmpdb_file(&t, "004_d.up.sql", "CREATE TABLE d (id INT);");
	tmpdb_file(&t, "004_d.down.sql", "-- strata:irreversible");
	tmpdb_file(&t, "005_e.up.sql", "INSERT INTO a (id) VALUES (1);");
	tmpdb_file(&t, "005_e.down.sql", "SELECT 1;");
	/* a down that leaves a table the redo then cannot create: not restored, and the scratch rebuilt */
	tmpdb_file(&t, "006_f.up.sql", "CREATE TABLE f (id INT);");
	tmpdb_file(&t, "006_f.down.sql", "ALTER TABLE f RENAME TO g;");
	tmpdb_file(&t, "007_g.up.sql", "CREATE INDEX ix_c ON c (id);");
	tmpdb_file(&t, "007_g.down.sql", "DROP INDEX ix_c;");
	tmpdb_load(&t);
	tmpdb_open(&t);
	s = open_scratch(&t, NULL);
	o.ud = &seen;
	assert_int_equal(strata_test(s, t.src, &o, &sum, &t.err), 0);
	assert_int_equal(seen.n, 7);
	assert_int_equal(seen.v[0], STRATA_TEST_OK);
	assert_int_equal(seen.v[1], STRATA_TEST_NOT_RESTORED);
	assert_true(seen.ndiff[1] >= 1);
	assert_int_equal(seen.v[2], STRATA_TEST_DOWN_FAILED);
	assert_int_equal(seen.v[3], STRATA_TEST_IRREVERSIBLE);
	assert_int_equal(seen.v[4], STRATA_TEST_REDO_FAILED);
	assert_int_equal(seen.v[5], STRATA_TEST_NOT_RESTORED);
	assert_true(seen.rebuilt[5]);
	assert_int_equal(seen.v[6], STRATA_TEST_OK);
	assert_int_equal(sum.tested, 7);
	assert_int_equal(sum.reported, 5);
	assert_int_equal(sum.untested, 0);
	/* 005's redo failed (the row stays) and 006 left g behind: both rebuilt */
	assert_int_equal(sum.rebuilds, 2);

	/* a range: 003..004 alone, 001 and 002 applied first */
	{
		struct strata_version from, to;
		struct seen r = { 0 };

		assert_int_equal(strata_version_parse("3", 1, &from), 0);
		assert_int_equal(strata_version_parse("4", 1, &to), 0);
		o.from = &from;
		o.to = &to;
		o.ud = &r;
		assert_int_equal(strata_scratch_reset(s, &t.err), 0);
		assert_int_equal(strata_test(s, t.src, &o, &sum, &t.err), 0);
		assert_int_equal(r.n, 2);
		assert_string_equal(r.vtext[0], "003");
		assert_int_equal(r.v[0], STRATA_TEST_DOWN_FAILED);
		assert_int_equal(r.v[1], STRATA_TEST_IRREVERSIBLE);
		/* a range holding no migration */
		assert_int_equal(strata_version_parse("8", 1, &from), 0);
		o.to = NULL;
		assert_int_equal(strata_test(s, t.src, &o, &sum, &t.err), STRATA_EUSAGE);
	}
	assert_int_equal(strata_scratch_close(s, &t.err), 0);
	tmpdb_free(&t);
}

/* check: equal as migrated; then exactly the index made by hand, as ADDED (in the live database only). */
static void test_check(void **state)
{
	struct tmpdb t;
	struct strata_scratch *s;
	struct strata_schema_diff *d = NULL;
	long errpos;

	(void)state;
	tmpdb_init(&t);
	tmpdb_file(&t, "001_a.up.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT DEFAULT 'x');");
	tmpdb_file(&t, "002_b.up.sql", "CREATE TABLE b (id INT);");
	tmpdb_load(&t);
	tmpdb_open(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, NULL), 0);
	s = open_scratch(&t, NULL);
	assert_int_equal(strata_check(t.db, t.src, s, NULL, 0, 0, &d, &t.err), 0);
	assert_int_equal(d->n, 0);
	assert_int_equal(d->nunhandled, 0);
	strata_schema_diff_free(d);
	assert_int_equal(strata_scratch_close(s, &t.err), 0);

	assert_int_equal(t.db->drv->exec(t.db->conn, "CREATE INDEX ix_b ON b (id)", 27, &errpos, &t.err), 0);
	s = open_scratch(&t, NULL);
	assert_int_equal(strata_check(t.db, t.src, s, NULL, 0, 0, &d, &t.err), 0);
	assert_int_equal(d->n, 1);
	assert_int_equal(d->items[0].op, STRATA_DIFF_ADDED);
	assert_int_equal(d->items[0].kind, STRATA_OBJ_INDEX);
	strata_schema_diff_free(d);
	assert_int_equal(strata_scratch_close(s, &t.err), 0);

	/* --against a script that makes the same */
	s = open_scratch(&t, NULL);
	{
		const char *sql = "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT DEFAULT 'x');\nCREATE TABLE b (id INT);\n"
				  "CREATE INDEX ix_b ON b (id);\n";

		assert_int_equal(strata_check(t.db, t.src, s, sql, strlen(sql), 0, &d, &t.err), 0);
		assert_int_equal(d->n, 0);
		strata_schema_diff_free(d);
	}
	assert_int_equal(strata_scratch_close(s, &t.err), 0);
	tmpdb_free(&t);
}


/* Two scratch databases at once: the same verdicts, in the same order, as one. */
static void test_parallel(void **state)
{
	struct tmpdb t;
	struct strata_scratch *s;
	struct strata_test_opts o = { .on_result = collect };
	struct strata_test_summary one, two;
	struct seen a = { 0 }, b = { 0 };
	char name[64], up[200], down[200];
	int i;

	(void)state;
	tmpdb_init(&t);
	for (i = 1; i <= 24; i++) {
		snprintf(name, sizeof(name), "%03d_m%d.up.sql", i, i);
		snprintf(up, sizeof(up), "CREATE TABLE t%d (id INTEGER PRIMARY KEY, v TEXT DEFAULT 'x');", i);
		tmpdb_file(&t, name, up);
		snprintf(name, sizeof(name), "%03d_m%d.down.sql", i, i);
		/* every fifth down forgets to drop its table, every seventh fails, the others are good */
		if (i % 5 == 0)
			snprintf(down, sizeof(down), "SELECT 1;");
		else if (i % 7 == 0)
			snprintf(down, sizeof(down), "DROP TABLE nosuch;");
		else
			snprintf(down, sizeof(down), "DROP TABLE t%d;", i);
		tmpdb_file(&t, name, down);
	}
	tmpdb_load(&t);
	tmpdb_open(&t);
	s = open_scratch(&t, NULL);
	o.ud = &a;
	o.jobs = 1;
	assert_int_equal(strata_test(s, t.src, &o, &one, &t.err), 0);
	assert_int_equal(strata_scratch_reset(s, &t.err), 0);
	o.ud = &b;
	o.jobs = 2;
	assert_int_equal(strata_test(s, t.src, &o, &two, &t.err), 0);
	assert_int_equal(a.n, 24);
	assert_int_equal(b.n, 24);
	for (i = 0; i < 24; i++) {
		assert_string_equal(a.vtext[i], b.vtext[i]);
		assert_int_equal(a.v[i], b.v[i]);
		assert_int_equal(a.v[i], (i + 1) % 5 == 0 ? STRATA_TEST_NOT_RESTORED
					 : (i + 1) % 7 == 0 ? STRATA_TEST_DOWN_FAILED
							    : STRATA_TEST_OK);
	}
	assert_int_equal(one.tested, two.tested);
	assert_int_equal(one.reported, two.reported);
	assert_int_equal(one.reported, 4 + 3);
	assert_int_equal(strata_scratch_close(s, &t.err), 0);
	tmpdb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_names),
		cmocka_unit_test(test_scratch_fresh),
		cmocka_unit_test(test_scratch_setup_fails),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_parallel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
