/*
 * test_diffplan.c - unit tests of the engine-neutral part of a diff
 * (src/schema/diffplan.c): objects paired across renames (hints, engine
 * identity, tables renamed under their columns), hint errors that name
 * their file and line, the step builder and the plan's script. Schemas are
 * built by hand as a driver builds them; the engines' planners are tested
 * with their drivers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema/diffplan.h"
#include "util.h"

static struct strata_schema *new_schema(const char *origin)
{
	struct strata_schema *s;

	assert_int_equal(strata_schema_new(STRATA_ENGINE_POSTGRES, &s), 0);
	assert_int_equal(strata_schema_set_origin(s, origin), 0);
	return s;
}

static void add(struct strata_schema *s, enum strata_obj_kind k, const char *parent, const char *name,
		const char *ident)
{
	struct strata_schema_obj *o;

	assert_int_equal(strata_schema_add(s, k, "public", parent, name, NULL, &o), 0);
	assert_int_equal(strata_schema_obj_ident(o, ident), 0);
}

static long ix(const struct strata_schema *s, enum strata_obj_kind k, const char *parent, const char *name)
{
	const struct strata_schema_obj *o = strata_schema_find(s, k, "public", parent, name);

	assert_non_null(o);
	return (long)(o - s->objs);
}

/* from: users(id, mail) with index users_mail; to: accounts(id, email), same index */
static void two_states(const char *origin_a, const char *origin_b, struct strata_schema **a, struct strata_schema **b)
{
	*a = new_schema(origin_a);
	add(*a, STRATA_OBJ_TABLE, NULL, "users", "100");
	add(*a, STRATA_OBJ_COLUMN, "users", "id", "100.1");
	add(*a, STRATA_OBJ_COLUMN, "users", "mail", "100.2");
	add(*a, STRATA_OBJ_INDEX, "users", "users_mail", "101");
	add(*a, STRATA_OBJ_TABLE, NULL, "old_only", "102");
	assert_int_equal(strata_schema_finish(*a), 0);
	*b = new_schema(origin_b);
	add(*b, STRATA_OBJ_TABLE, NULL, "accounts", "100");
	add(*b, STRATA_OBJ_COLUMN, "accounts", "id", "100.1");
	add(*b, STRATA_OBJ_COLUMN, "accounts", "email", "100.2");
	add(*b, STRATA_OBJ_INDEX, "accounts", "users_mail", "101");
	add(*b, STRATA_OBJ_TABLE, NULL, "new_only", "103");
	assert_int_equal(strata_schema_finish(*b), 0);
}

static void renames_by_identity_in_one_database(void **state)
{
	struct strata_schema *a, *b;
	struct strata_plan_match m;
	struct strata_err err;
	long t, c, id, i;

	(void)state;
	strata_err_clear(&err);
	two_states("sys:1", "sys:1", &a, &b);
	assert_int_equal(strata_plan_match_build(a, b, NULL, &m, &err), 0);
	t = ix(b, STRATA_OBJ_TABLE, NULL, "accounts");
	c = ix(b, STRATA_OBJ_COLUMN, "accounts", "email");
	id = ix(b, STRATA_OBJ_COLUMN, "accounts", "id");
	i = ix(b, STRATA_OBJ_INDEX, "accounts", "users_mail");
	assert_int_equal(m.to_from[t], ix(a, STRATA_OBJ_TABLE, NULL, "users"));
	assert_true(m.renamed[t]);
	assert_int_equal(m.to_from[c], ix(a, STRATA_OBJ_COLUMN, "users", "mail"));
	assert_true(m.renamed[c]);
	assert_true(m.moved[c]);
	/* a column of a renamed table keeps its name: moved, not renamed */
	assert_int_equal(m.to_from[id], ix(a, STRATA_OBJ_COLUMN, "users", "id"));
	assert_false(m.renamed[id]);
	assert_true(m.moved[id]);
	assert_int_equal(m.to_from[i], ix(a, STRATA_OBJ_INDEX, "users", "users_mail"));
	assert_false(m.renamed[i]);
	/* new and gone objects stay unpaired */
	assert_int_equal(m.to_from[ix(b, STRATA_OBJ_TABLE, NULL, "new_only")], -1);
	assert_int_equal(m.from_to[ix(a, STRATA_OBJ_TABLE, NULL, "old_only")], -1);
	assert_string_equal(strata_plan_match_parent(&m, "public", "users"), "accounts");
	assert_null(strata_plan_match_parent(&m, "public", "old_only"));
	strata_plan_match_release(&m);
	strata_schema_free(a);
	strata_schema_free(b);
}

static void no_identity_across_databases_without_hints(void **state)
{
	struct strata_schema *a, *b;
	struct strata_plan_match m;
	struct strata_err err;

	(void)state;
	strata_err_clear(&err);
	two_states("sys:1", "sys:2", &a, &b); /* equal oids of two databases mean nothing */
	assert_int_equal(strata_plan_match_build(a, b, NULL, &m, &err), 0);
	assert_int_equal(m.to_from[ix(b, STRATA_OBJ_TABLE, NULL, "accounts")], -1);
	assert_int_equal(m.to_from[ix(b, STRATA_OBJ_COLUMN, "accounts", "email")], -1);
	assert_int_equal(m.from_to[ix(a, STRATA_OBJ_TABLE, NULL, "users")], -1);
	strata_plan_match_release(&m);
	strata_schema_free(a);
	strata_schema_free(b);
}

static void renames_by_hint(void **state)
{
	const struct strata_rename_hint hints[] = {
		{ .kind = STRATA_OBJ_TABLE, .name = "accounts", .old_name = "users", .file = "schema.sql", .line = 3 },
		{ .kind = STRATA_OBJ_COLUMN, .parent = "accounts", .name = "email", .old_name = "mail",
		  .file = "schema.sql", .line = 5 },
	};
	struct strata_plan_opts o = {.renames = hints, .nrenames = 2};
	struct strata_schema *a, *b;
	struct strata_plan_match m;
	struct strata_err err;
	long c;

	(void)state;
	strata_err_clear(&err);
	two_states("sys:1", NULL, &a, &b);
	assert_int_equal(strata_plan_match_build(a, b, &o, &m, &err), 0);
	assert_int_equal(m.to_from[ix(b, STRATA_OBJ_TABLE, NULL, "accounts")], ix(a, STRATA_OBJ_TABLE, NULL, "users"));
	c = ix(b, STRATA_OBJ_COLUMN, "accounts", "email");
	assert_int_equal(m.to_from[c], ix(a, STRATA_OBJ_COLUMN, "users", "mail"));
	assert_true(m.renamed[c]);
	/* the index follows its renamed table by name */
	assert_int_equal(m.to_from[ix(b, STRATA_OBJ_INDEX, "accounts", "users_mail")],
			 ix(a, STRATA_OBJ_INDEX, "users", "users_mail"));
	strata_plan_match_release(&m);
	strata_schema_free(a);
	strata_schema_free(b);
}

static void hint_naming_nothing_is_an_error_with_its_line(void **state)
{
	const struct strata_rename_hint hints[] = {
		{ .kind = STRATA_OBJ_COLUMN, .parent = "accounts", .name = "email", .old_name = "e_mail",
		  .file = "schema.sql", .line = 7 },
	};
	const struct strata_rename_hint table_hint[] = {
		{ .kind = STRATA_OBJ_TABLE, .name = "accounts", .old_name = "users", .file = "schema.sql", .line = 2 },
	};
	struct strata_plan_opts o = {.renames = hints, .nrenames = 1};
	struct strata_plan_opts o2 = {.renames = table_hint, .nrenames = 1};
	struct strata_schema *a, *b;
	struct strata_plan_match m;
	struct strata_err err;

	(void)state;
	strata_err_clear(&err);
	two_states(NULL, NULL, &a, &b);
	/* the column hint's table is not renamed, so accounts.e_mail is looked up in from: not there */
	assert_int_equal(strata_plan_match_build(a, b, &o, &m, &err), STRATA_EUSAGE);
	assert_int_equal(err.line, 7);
	assert_string_equal(err.file, "schema.sql");
	assert_non_null(strstr(err.message, "e_mail"));
	strata_err_release(&err);
	strata_err_clear(&err);
	assert_int_equal(strata_plan_match_build(a, b, &o2, &m, &err), 0);
	strata_plan_match_release(&m);
	strata_schema_free(a);
	strata_schema_free(b);
}

static void script_marks_destructive_and_no_transaction(void **state)
{
	struct strata_schema_plan *p = calloc(1, sizeof(*p));
	char *sql = NULL;
	struct strata_err err;

	(void)state;
	strata_err_clear(&err);
	assert_non_null(p);
	assert_int_equal(strata_plan_add(p, STRATA_OBJ_COLUMN, STRATA_STEP_DESTRUCTIVE,
					 "ALTER TABLE public.t DROP COLUMN c;\n", "drop column %s", "t.c"),
			 0);
	assert_int_equal(strata_plan_add(p, STRATA_OBJ_INDEX, STRATA_STEP_NO_TRANSACTION,
					 "CREATE INDEX CONCURRENTLY i ON public.t (a);", "add index %s", "i ON t"),
			 0);
	assert_int_equal(p->flags, STRATA_STEP_DESTRUCTIVE | STRATA_STEP_NO_TRANSACTION);
	assert_int_equal(strata_schema_plan_sql(p, &sql, &err), 0);
	assert_string_equal(sql, "-- strata:no-transaction\n"
				 "-- Some statements below cannot run inside a transaction.\n"
				 "\n"
				 "-- DESTRUCTIVE: drop column t.c\n"
				 "ALTER TABLE public.t DROP COLUMN c;\n"
				 "\n"
				 "-- add index i ON t\n"
				 "CREATE INDEX CONCURRENTLY i ON public.t (a);\n");
	free(sql);
	strata_schema_plan_free(p);
}

static void differs_ignores_position_and_reads_attributes(void **state)
{
	struct strata_schema *s = new_schema(NULL);
	struct strata_schema_obj *o;

	(void)state;
	assert_int_equal(strata_schema_add(s, STRATA_OBJ_COLUMN, "public", "t", "a", NULL, &o), 0);
	assert_int_equal(strata_schema_obj_attr(o, "type", "integer"), 0);
	assert_int_equal(strata_schema_add(s, STRATA_OBJ_COLUMN, "public", "t", "b", NULL, &o), 0);
	assert_int_equal(strata_schema_obj_attr(o, "type", "integer"), 0);
	assert_int_equal(strata_schema_obj_attr(o, STRATA_ATTR_POSITION, "7"), 0);
	assert_int_equal(strata_schema_add(s, STRATA_OBJ_COLUMN, "public", "t", "c", NULL, &o), 0);
	assert_int_equal(strata_schema_obj_attr(o, "type", "bigint"), 0);
	assert_int_equal(strata_schema_finish(s), 0);
	assert_false(strata_plan_obj_differs(&s->objs[0], &s->objs[1], NULL));
	assert_true(strata_plan_obj_differs(&s->objs[0], &s->objs[2], NULL));
	assert_true(strata_plan_obj_differs(&s->objs[0], &s->objs[2], "type"));
	assert_false(strata_plan_obj_differs(&s->objs[0], &s->objs[2], "default"));
	strata_schema_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(renames_by_identity_in_one_database),
		cmocka_unit_test(no_identity_across_databases_without_hints),
		cmocka_unit_test(renames_by_hint),
		cmocka_unit_test(hint_naming_nothing_is_an_error_with_its_line),
		cmocka_unit_test(script_marks_destructive_and_no_transaction),
		cmocka_unit_test(differs_ignores_position_and_reads_attributes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
