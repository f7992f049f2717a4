/*
 * test_plan_states.c - strata_schema_plan_states (src/schema/plan_states.c)
 * on a real SQLite scratch database: the schema before a plan, after each
 * cut of its steps and after all of them, each read from the one database
 * the steps ran in; a step that fails is named and leaves no state behind.
 * The plans are written by hand: what is tested is the walk, not a planner.
 * And strata_rename_hints_back: which hints apply to a down between two
 * states, turned around.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "strata_schema.h"
#include "tmpdb.h"

static struct strata_plan_step steps[] = {
	{ STRATA_OBJ_TABLE, "add table a", "CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT);\n", 0 },
	{ STRATA_OBJ_INDEX, "add index a_x", "CREATE INDEX a_x ON a (x);\n", STRATA_STEP_NO_TRANSACTION },
	{ STRATA_OBJ_TABLE, "add table b", "CREATE TABLE b (id INTEGER);\nCREATE TABLE c (id INTEGER);\n", 0 },
};

static struct strata_scratch *scratch(struct tmpdb *t)
{
	struct strata_scratch_opts so = { 0 };
	struct strata_scratch *s = NULL;

	assert_int_equal(strata_scratch_open(t->target, &so, &t->opts, &s, &t->err), 0);
	return s;
}

static int has(const struct strata_schema *s, enum strata_obj_kind k, const char *parent, const char *name)
{
	return strata_schema_find(s, k, NULL, parent, name) != NULL;
}

/* from (one table) -> after step 1 -> after step 2 -> after all three */
static void test_states_at_cuts(void **state)
{
	struct tmpdb t;
	struct strata_scratch *s;
	struct strata_schema *from = NULL, *st[4];
	struct strata_schema_plan p = { .steps = steps, .n = 3 };
	struct strata_schema_diff *d = NULL;
	size_t cuts[] = { 1, 2, 3 };
	long errpos = -1;

	(void)state;
	tmpdb_init(&t);
	tmpdb_open(&t);
	s = scratch(&t);
	assert_int_equal(strata_scratch_db(s)->drv->exec(strata_scratch_db(s)->conn, "CREATE TABLE base (id INTEGER);",
							  31, &errpos, &t.err),
			 0);
	assert_int_equal(strata_schema_read(strata_scratch_db(s), 0, &from, &t.err), 0);
	assert_int_equal(strata_schema_plan_states(s, from, &p, cuts, 3, 0, st, &t.err), 0);
	/* states[0] is `from` as the scratch reads it back */
	assert_int_equal(strata_schema_compare(from, st[0], &d, &t.err), 0);
	assert_int_equal(d->n, 0);
	strata_schema_diff_free(d);
	assert_true(has(st[0], STRATA_OBJ_TABLE, NULL, "base"));
	assert_false(has(st[0], STRATA_OBJ_TABLE, NULL, "a"));
	assert_true(has(st[1], STRATA_OBJ_TABLE, NULL, "a"));
	assert_false(has(st[1], STRATA_OBJ_INDEX, "a", "a_x"));
	assert_true(has(st[2], STRATA_OBJ_INDEX, "a", "a_x"));
	assert_false(has(st[2], STRATA_OBJ_TABLE, NULL, "b"));
	/* a step of several statements runs whole */
	assert_true(has(st[3], STRATA_OBJ_TABLE, NULL, "b"));
	assert_true(has(st[3], STRATA_OBJ_TABLE, NULL, "c"));
	assert_true(has(st[3], STRATA_OBJ_TABLE, NULL, "base"));
	for (int i = 0; i < 4; i++)
		strata_schema_free(st[i]);
	/* two cuts at the same place: two equal states; no cut at all: `from` alone */
	cuts[1] = 1;
	assert_int_equal(strata_schema_plan_states(s, from, &p, cuts, 2, 0, st, &t.err), 0);
	assert_int_equal(strata_schema_compare(st[1], st[2], &d, &t.err), 0);
	assert_int_equal(d->n, 0);
	strata_schema_diff_free(d);
	for (int i = 0; i < 3; i++)
		strata_schema_free(st[i]);
	assert_int_equal(strata_schema_plan_states(s, from, &p, NULL, 0, 0, st, &t.err), 0);
	assert_true(has(st[0], STRATA_OBJ_TABLE, NULL, "base"));
	strata_schema_free(st[0]);
	strata_schema_free(from);
	assert_int_equal(strata_scratch_close(s, &t.err), 0);
	tmpdb_free(&t);
}

/* A step that fails: its `what` in the error, every state NULL; cuts that do not ascend: a usage error. */
static void test_step_fails(void **state)
{
	struct tmpdb t;
	struct strata_scratch *s;
	struct strata_schema *from = NULL, *st[3] = { (void *)1, (void *)1, (void *)1 };
	struct strata_plan_step bad[] = {
		{ STRATA_OBJ_TABLE, "add table a", "CREATE TABLE a (id INTEGER);\n", 0 },
		{ STRATA_OBJ_COLUMN, "add column nosuch.x", "ALTER TABLE nosuch ADD COLUMN x TEXT;\n", 0 },
	};
	struct strata_schema_plan p = { .steps = bad, .n = 2 };
	size_t cuts[] = { 1, 2 }, back[] = { 2, 1 };

	(void)state;
	tmpdb_init(&t);
	tmpdb_open(&t);
	s = scratch(&t);
	assert_int_equal(strata_schema_read(strata_scratch_db(s), 0, &from, &t.err), 0);
	assert_int_not_equal(strata_schema_plan_states(s, from, &p, cuts, 2, 0, st, &t.err), 0);
	assert_non_null(strstr(t.err.message, "add column nosuch.x"));
	assert_null(st[0]);
	assert_null(st[1]);
	assert_null(st[2]);
	strata_err_release(&t.err);
	assert_int_equal(strata_schema_plan_states(s, from, &p, back, 2, 0, st, &t.err), STRATA_EUSAGE);
	strata_err_release(&t.err);
	strata_schema_free(from);
	assert_int_equal(strata_scratch_close(s, &t.err), 0);
	tmpdb_free(&t);
}

/* The schema an SQL script makes, read from a scratch (reset first). */
static struct strata_schema *schema_of(struct tmpdb *t, struct strata_scratch *s, const char *sql)
{
	struct strata_schema *out = NULL;
	long errpos = -1;

	assert_int_equal(strata_scratch_reset(s, &t->err), 0);
	assert_int_equal(strata_scratch_db(s)->drv->exec(strata_scratch_db(s)->conn, sql, strlen(sql), &errpos, &t->err),
			 0);
	assert_int_equal(strata_schema_read(strata_scratch_db(s), 0, &out, &t->err), 0);
	return out;
}

/* users -> people (table), people.name -> full_name (column); a hint another part already applied is left out */
static void test_hints_back(void **state)
{
	struct tmpdb t;
	struct strata_scratch *s;
	struct strata_schema *before, *after, *mid;
	struct strata_rename_hint h[] = {
		{ STRATA_OBJ_TABLE, NULL, NULL, "people", "users", "schema.sql", 1 },
		{ STRATA_OBJ_COLUMN, NULL, "people", "full_name", "name", "schema.sql", 3 },
		{ STRATA_OBJ_COLUMN, NULL, "people", "nosuch", "gone", "schema.sql", 4 },
	};
	struct strata_rename_hint out[3];

	(void)state;
	tmpdb_init(&t);
	tmpdb_open(&t);
	s = scratch(&t);
	before = schema_of(&t, s, "CREATE TABLE users (id INTEGER, name TEXT);");
	after = schema_of(&t, s, "CREATE TABLE people (id INTEGER, full_name TEXT);");
	/* the whole way back: both apply, names swapped; the column's table as `before` names it */
	assert_int_equal(strata_rename_hints_back(h, 3, after, before, out), 2);
	assert_int_equal(out[0].kind, STRATA_OBJ_TABLE);
	assert_string_equal(out[0].name, "users");
	assert_string_equal(out[0].old_name, "people");
	assert_null(out[0].parent);
	assert_int_equal(out[1].kind, STRATA_OBJ_COLUMN);
	assert_string_equal(out[1].name, "name");
	assert_string_equal(out[1].old_name, "full_name");
	assert_string_equal(out[1].parent, "users");
	assert_int_equal(out[1].line, 3);
	/* a part after the table's rename: only the column's hint is its own */
	mid = schema_of(&t, s, "CREATE TABLE people (id INTEGER, name TEXT);");
	assert_int_equal(strata_rename_hints_back(h, 3, after, mid, out), 1);
	assert_string_equal(out[0].name, "name");
	assert_string_equal(out[0].parent, "people");
	/* nothing renamed between two equal states */
	assert_int_equal(strata_rename_hints_back(h, 3, after, after, out), 0);
	assert_int_equal(strata_rename_hints_back(NULL, 0, after, before, out), 0);
	strata_schema_free(before);
	strata_schema_free(after);
	strata_schema_free(mid);
	assert_int_equal(strata_scratch_close(s, &t.err), 0);
	tmpdb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_states_at_cuts),
		cmocka_unit_test(test_step_fails),
		cmocka_unit_test(test_hints_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
