/*
 * test_pg_plan.c - unit tests of the PostgreSQL planner (driver_pg_plan.c)
 * through strata_schema_plan: two schema models built by hand as the
 * PostgreSQL driver reads them (objects, attributes, dependencies, engine
 * identities), and the exact plan script and step flags they give. What a
 * plan does on a real server is tested by tests/cli/diff_pg.bats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema/model.h"

static struct strata_schema *new_schema(void)
{
	struct strata_schema *s;

	assert_int_equal(strata_schema_new(STRATA_ENGINE_POSTGRES, &s), 0);
	return s;
}

static struct strata_schema_obj *add(struct strata_schema *s, enum strata_obj_kind k, const char *parent,
				     const char *name, const char *sql)
{
	struct strata_schema_obj *o;

	assert_int_equal(strata_schema_add(s, k, k == STRATA_OBJ_SCHEMA ? NULL : "public", parent, name, sql, &o), 0);
	return o;
}

static void attr(struct strata_schema_obj *o, const char *k, const char *v)
{
	assert_int_equal(strata_schema_obj_attr(o, k, v), 0);
}

static void dep(struct strata_schema_obj *o, enum strata_obj_kind k, const char *parent, const char *name)
{
	assert_int_equal(strata_schema_obj_dep(o, k, "public", parent, name), 0);
}

/* A table t with columns "name type" ... (NULL-terminated), position in order, each with its ident "oid.n". */
static void table(struct strata_schema *s, const char *name, const char *oid, const char *const *cols)
{
	struct strata_schema_obj *o = add(s, STRATA_OBJ_TABLE, NULL, name, "CREATE TABLE ...;\n");
	char buf[64];

	if (oid)
		assert_int_equal(strata_schema_obj_ident(o, oid), 0);
	for (int i = 0; cols[i]; i += 2) {
		o = add(s, STRATA_OBJ_COLUMN, name, cols[i], NULL);
		o->position = i / 2 + 1;
		attr(o, "type", cols[i + 1]);
		if (oid) {
			snprintf(buf, sizeof(buf), "%s.%d", oid, i / 2 + 1);
			assert_int_equal(strata_schema_obj_ident(o, buf), 0);
		}
	}
}

/* An object of a schema being built (not sorted yet: a scan). */
static struct strata_schema_obj *obj(struct strata_schema *s, enum strata_obj_kind k, const char *parent,
				     const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->objs[i].kind == k && !strcmp(s->objs[i].name, name) &&
		    (!parent || (s->objs[i].parent && !strcmp(s->objs[i].parent, parent))))
			return &s->objs[i];
	fail_msg("no %s", name);
	return NULL;
}

static struct strata_schema_obj *col(struct strata_schema *s, const char *table, const char *name)
{
	return obj(s, STRATA_OBJ_COLUMN, table, name);
}

static void finish(struct strata_schema *s)
{
	assert_int_equal(strata_schema_finish(s), 0);
}

/* The plan from a to b as its script; the plan itself into *out when asked for. */
static char *plan_sql(const struct strata_schema *a, const struct strata_schema *b, const struct strata_plan_opts *o,
		      struct strata_schema_plan **out)
{
	struct strata_schema_plan *p = NULL;
	struct strata_err err;
	char *sql = NULL;

	strata_err_clear(&err);
	assert_int_equal(strata_schema_plan(a, b, o, &p, &err), 0);
	assert_non_null(p);
	assert_int_equal(strata_schema_plan_sql(p, &sql, &err), 0);
	if (out)
		*out = p;
	else
		strata_schema_plan_free(p);
	strata_err_release(&err);
	return sql;
}

static void expect_plan(const struct strata_schema *a, const struct strata_schema *b,
			const struct strata_plan_opts *o, const char *want)
{
	char *sql = plan_sql(a, b, o, NULL);

	if (strcmp(sql, want) != 0)
		fprintf(stderr, "got:\n%s\nwant:\n%s\n", sql, want);
	assert_string_equal(sql, want);
	free(sql);
}

static const char *const t_id[] = { "id", "integer", NULL };
static const char *const t_id_x[] = { "id", "integer", "x", "text", NULL };

static void test_equal_is_empty(void **state)
{
	struct strata_schema *a = new_schema(), *b = new_schema();
	struct strata_schema_plan *p;
	char *sql;

	(void)state;
	table(a, "t", NULL, t_id_x);
	table(b, "t", NULL, t_id_x);
	finish(a);
	finish(b);
	sql = plan_sql(a, b, NULL, &p);
	assert_int_equal(p->n, 0);
	assert_int_equal(p->nunhandled, 0);
	assert_string_equal(sql, "");
	free(sql);
	strata_schema_plan_free(p);
	strata_schema_free(a);
	strata_schema_free(b);
}

static void test_new_column(void **state)
{
	struct strata_schema *a = new_schema(), *b = new_schema();
	struct strata_schema_obj *c;

	(void)state;
	table(a, "t", NULL, t_id);
	table(b, "t", NULL, t_id_x);
	c = col(b, "t", "x");
	attr(c, "default", "'n'::text");
	attr(c, "not null", "true");
	attr(c, "comment", "it's x");
	finish(a);
	finish(b);
	expect_plan(a, b, NULL,
		    "-- add column t.x\n"
		    "ALTER TABLE public.t ADD COLUMN x text DEFAULT 'n'::text NOT NULL;\n"
		    "COMMENT ON COLUMN public.t.x IS 'it''s x';\n");
	strata_schema_free(a);
	strata_schema_free(b);
}

/* A view on a column whose type changes: dropped before, created again after (ALTER TYPE refuses it). */
static void build_view_schema(struct strata_schema *s, const char *type)
{
	static const char *const cols[] = { "id", "integer", "name", "x", NULL };
	const char *const c2[] = { cols[0], cols[1], cols[2], type, NULL };
	struct strata_schema_obj *v;

	table(s, "t", NULL, c2);
	v = add(s, STRATA_OBJ_VIEW, NULL, "v", "CREATE VIEW public.v AS\n SELECT t.name\n   FROM public.t;\n");
	attr(v, "definition", " SELECT t.name\n   FROM public.t;");
	dep(v, STRATA_OBJ_TABLE, NULL, "t");
	dep(v, STRATA_OBJ_COLUMN, "t", "name");
	v = add(s, STRATA_OBJ_COLUMN, "v", "name", NULL);
	v->position = 1;
	attr(v, "type", type);
	finish(s);
}

static void test_type_change_with_view(void **state)
{
	struct strata_schema *a = new_schema(), *b = new_schema();

	(void)state;
	build_view_schema(a, "character varying(20)");
	build_view_schema(b, "text");
	expect_plan(a, b, NULL,
		    "-- drop (to create it again below) view v\n"
		    "DROP VIEW public.v;\n"
		    "\n"
		    "-- alter column t.name: type character varying(20) to text\n"
		    "ALTER TABLE public.t ALTER COLUMN name TYPE text USING name::text;\n"
		    "\n"
		    "-- create view v\n"
		    "CREATE VIEW public.v AS\n SELECT t.name\n   FROM public.t;\n");
	strata_schema_free(a);
	strata_schema_free(b);
}

static void enum_schema(struct strata_schema *s, const char *labels)
{
	struct strata_schema_obj *o;
	char def[256];

	snprintf(def, sizeof(def), "CREATE TYPE public.mood AS ENUM (%s);", labels);
	o = add(s, STRATA_OBJ_TYPE, NULL, "mood", def);
	attr(o, "kind", "enum");
	attr(o, "definition", def);
	table(s, "t", NULL, (const char *const[]){ "m", "public.mood", NULL });
	dep(col(s, "t", "m"), STRATA_OBJ_TYPE, NULL, "mood");
	dep(obj(s, STRATA_OBJ_TABLE, NULL, "t"), STRATA_OBJ_TYPE, NULL, "mood");
	finish(s);
}

static void test_enum_value_in_the_middle(void **state)
{
	struct strata_schema *a = new_schema(), *b = new_schema();

	(void)state;
	enum_schema(a, "'a', 'c'");
	enum_schema(b, "'z', 'a', 'b', 'c', 'd'");
	expect_plan(a, b, NULL,
		    "-- add values to type mood\n"
		    "ALTER TYPE public.mood ADD VALUE 'z' BEFORE 'a';\n"
		    "ALTER TYPE public.mood ADD VALUE 'b' AFTER 'a';\n"
		    "ALTER TYPE public.mood ADD VALUE 'd';\n");
	strata_schema_free(a);
	strata_schema_free(b);
}

static void test_enum_value_removed_rebuilds(void **state)
{
	struct strata_schema *a = new_schema(), *b = new_schema();
	struct strata_schema_plan *p;
	char *sql;

	(void)state;
	enum_schema(a, "'a', 'b'");
	enum_schema(b, "'b'");
	sql = plan_sql(a, b, NULL, &p);
	assert_string_equal(sql, "-- DESTRUCTIVE: rebuild type mood: value 'a' removed\n"
				 "ALTER TYPE public.mood RENAME TO mood__strata_old;\n"
				 "CREATE TYPE public.mood AS ENUM ('b');\n"
				 "ALTER TABLE public.t ALTER COLUMN m TYPE public.mood USING m::text::public.mood;\n"
				 "DROP TYPE public.mood__strata_old;\n");
	assert_int_equal(p->n, 1);
	assert_true(p->steps[0].flags & STRATA_STEP_DESTRUCTIVE);
	free(sql);
	strata_schema_plan_free(p);
	strata_schema_free(a);
	strata_schema_free(b);
}

static void test_rename_by_hint(void **state)
{
	struct strata_schema *a = new_schema(), *b = new_schema();
	struct strata_rename_hint h[2] = {
		{ .kind = STRATA_OBJ_TABLE, .name = "people", .old_name = "users" },
		{ .kind = STRATA_OBJ_COLUMN, .parent = "people", .name = "full_name", .old_name = "name" },
	};
	struct strata_plan_opts o = { .renames = h, .nrenames = 2 };

	(void)state;
	table(a, "users", NULL, (const char *const[]){ "id", "integer", "name", "text", NULL });
	table(b, "people", NULL, (const char *const[]){ "id", "integer", "full_name", "text", NULL });
	finish(a);
	finish(b);
	expect_plan(a, b, &o,
		    "-- rename table people\n"
		    "ALTER TABLE public.users RENAME TO people;\n"
		    "\n"
		    "-- rename column people.full_name\n"
		    "ALTER TABLE public.people RENAME COLUMN name TO full_name;\n");
	strata_schema_free(a);
	strata_schema_free(b);
}

/* Two states of one database: the oids say what was renamed, an index and a column too. */
static void test_rename_by_identity(void **state)
{
	struct strata_schema *a = new_schema(), *b = new_schema();
	struct strata_schema_obj *o;

	(void)state;
	table(a, "t", "16390", (const char *const[]){ "id", "integer", "old", "text", NULL });
	table(b, "t", "16390", (const char *const[]){ "id", "integer", "new", "text", NULL });
	o = add(a, STRATA_OBJ_INDEX, "t", "ix_old", "CREATE INDEX ix_old ON public.t USING btree (old);\n");
	attr(o, "definition", "CREATE INDEX ix_old ON public.t USING btree (old)");
	strata_schema_obj_ident(o, "16400");
	o = add(b, STRATA_OBJ_INDEX, "t", "ix_new", "CREATE INDEX ix_new ON public.t USING btree (new);\n");
	attr(o, "definition", "CREATE INDEX ix_new ON public.t USING btree (new)");
	strata_schema_obj_ident(o, "16400");
	assert_int_equal(strata_schema_set_origin(a, "7301:16384"), 0);
	assert_int_equal(strata_schema_set_origin(b, "7301:16384"), 0);
	finish(a);
	finish(b);
	/* the index's definition differs only by the renames: no drop+create */
	expect_plan(a, b, NULL,
		    "-- rename column t.new\n"
		    "ALTER TABLE public.t RENAME COLUMN old TO new;\n"
		    "\n"
		    "-- rename index ix_new ON t\n"
		    "ALTER INDEX public.ix_old RENAME TO ix_new;\n");
	strata_schema_free(a);
	strata_schema_free(b);
}

static void test_destructive_flags(void **state)
{
	struct strata_schema *a = new_schema(), *b = new_schema();
	struct strata_schema_plan *p;
	char *sql;

	(void)state;
	table(a, "gone", NULL, t_id);
	table(a, "t", NULL, (const char *const[]){ "id", "bigint", "x", "text", "g", "integer", "v", "character varying(20)",
						   "ts", "timestamp with time zone", NULL });
	attr(col(a, "t", "g"), "generated", "(id * 2)");
	table(b, "t", NULL, (const char *const[]){ "id", "integer", "v", "character varying(30)", "ts",
						   "timestamp without time zone", NULL });
	finish(a);
	finish(b);
	sql = plan_sql(a, b, NULL, &p);
	/* drops in the reverse of the dump's order (gone, then t) */
	assert_string_equal(sql, "-- DESTRUCTIVE: drop column t.x\n"
				 "ALTER TABLE public.t DROP COLUMN x;\n"
				 "\n"
				 "-- drop column t.g\n"
				 "ALTER TABLE public.t DROP COLUMN g;\n"
				 "\n"
				 "-- DESTRUCTIVE: drop table gone\n"
				 "DROP TABLE public.gone;\n"
				 "\n"
				 "-- DESTRUCTIVE: alter column t.id: narrowing bigint to integer\n"
				 "ALTER TABLE public.t ALTER COLUMN id TYPE integer USING id::integer;\n"
				 "\n"
				 "-- alter column t.v: type character varying(20) to character varying(30)\n"
				 "ALTER TABLE public.t ALTER COLUMN v TYPE character varying(30) USING v::character varying(30);\n"
				 "\n"
				 "-- alter column t.ts: type timestamp with time zone to timestamp without time zone (values are "
				 "reinterpreted in the session's time zone)\n"
				 "ALTER TABLE public.t ALTER COLUMN ts TYPE timestamp without time zone USING ts::timestamp "
				 "without time zone;\n");
	assert_int_equal(p->n, 6);
	assert_true(p->steps[0].flags & STRATA_STEP_DESTRUCTIVE);
	assert_false(p->steps[1].flags & STRATA_STEP_DESTRUCTIVE);
	assert_true(p->steps[2].flags & STRATA_STEP_DESTRUCTIVE);
	assert_true(p->steps[3].flags & STRATA_STEP_DESTRUCTIVE);
	assert_false(p->steps[4].flags & STRATA_STEP_DESTRUCTIVE);
	assert_false(p->steps[5].flags & STRATA_STEP_DESTRUCTIVE);
	free(sql);
	strata_schema_plan_free(p);
	strata_schema_free(a);
	strata_schema_free(b);
}

static void online_schema(struct strata_schema *s, int after)
{
	struct strata_schema_obj *o;

	table(s, "p", NULL, t_id);
	table(s, "t", NULL, (const char *const[]){ "id", "integer", "p_id", "integer", NULL });
	if (!after)
		goto done;
	attr(col(s, "t", "p_id"), "not null", "true");
	o = add(s, STRATA_OBJ_INDEX, "t", "ix_p", "CREATE INDEX ix_p ON public.t USING btree (p_id);\n");
	attr(o, "definition", "CREATE INDEX ix_p ON public.t USING btree (p_id)");
	o = add(s, STRATA_OBJ_CONSTRAINT, "t", "t_p_fk",
		"ALTER TABLE ONLY public.t ADD CONSTRAINT t_p_fk FOREIGN KEY (p_id) REFERENCES public.p(id);\n");
	attr(o, "contype", "foreign key");
	attr(o, "definition", "FOREIGN KEY (p_id) REFERENCES public.p(id)");
	attr(o, "valid", "true");
	dep(o, STRATA_OBJ_TABLE, NULL, "p");
done:
	finish(s);
}

static void test_online_forms(void **state)
{
	struct strata_schema *a = new_schema(), *b = new_schema();
	struct strata_plan_opts on = { .flags = STRATA_PLAN_ONLINE };
	struct strata_schema_plan *p;
	char *sql;

	(void)state;
	online_schema(a, 0);
	online_schema(b, 1);
	expect_plan(a, b, NULL,
		    "-- alter column t.p_id (SET NOT NULL: fails if a row holds NULL)\n"
		    "ALTER TABLE public.t ALTER COLUMN p_id SET NOT NULL;\n"
		    "\n"
		    "-- create constraint t_p_fk ON t\n"
		    "ALTER TABLE ONLY public.t ADD CONSTRAINT t_p_fk FOREIGN KEY (p_id) REFERENCES public.p(id);\n"
		    "\n"
		    "-- create index ix_p ON t\n"
		    "CREATE INDEX ix_p ON public.t USING btree (p_id);\n");
	sql = plan_sql(a, b, &on, &p);
	assert_string_equal(sql, "-- strata:no-transaction\n"
				 "-- Some statements below cannot run inside a transaction.\n"
				 "\n"
				 "-- alter column t.p_id (SET NOT NULL: fails if a row holds NULL)\n"
				 "ALTER TABLE public.t ADD CONSTRAINT p_id_not_null CHECK (p_id IS NOT NULL) NOT VALID;\n"
				 "\n"
				 "-- create (NOT VALID, validated below) constraint t_p_fk ON t\n"
				 "ALTER TABLE ONLY public.t ADD CONSTRAINT t_p_fk FOREIGN KEY (p_id) REFERENCES public.p(id) "
				 "NOT VALID;\n"
				 "\n"
				 "-- create (concurrently) index ix_p ON t\n"
				 "CREATE INDEX CONCURRENTLY ix_p ON public.t USING btree (p_id);\n"
				 "\n"
				 "-- validate what was added NOT VALID\n"
				 "ALTER TABLE public.t VALIDATE CONSTRAINT p_id_not_null;\n"
				 "ALTER TABLE public.t ALTER COLUMN p_id SET NOT NULL;\n"
				 "ALTER TABLE public.t DROP CONSTRAINT p_id_not_null;\n"
				 "ALTER TABLE public.t VALIDATE CONSTRAINT t_p_fk;\n");
	assert_int_equal(p->n, 4);
	assert_int_equal(p->steps[2].flags, STRATA_STEP_NO_TRANSACTION);
	assert_int_equal(p->steps[3].flags, 0);
	free(sql);
	strata_schema_plan_free(p);
	strata_schema_free(a);
	strata_schema_free(b);
}

/* Two new tables whose foreign keys point at each other: both tables first, then the keys. */
static void test_fk_cycle(void **state)
{
	struct strata_schema *a = new_schema(), *b = new_schema();
	struct strata_schema_obj *o;

	(void)state;
	finish(a);
	table(b, "x", NULL, (const char *const[]){ "y_id", "integer", NULL });
	table(b, "y", NULL, (const char *const[]){ "x_id", "integer", NULL });
	o = add(b, STRATA_OBJ_CONSTRAINT, "x", "x_fk", "ALTER TABLE ONLY public.x ADD CONSTRAINT x_fk FK y;\n");
	attr(o, "contype", "foreign key");
	dep(o, STRATA_OBJ_TABLE, NULL, "y");
	o = add(b, STRATA_OBJ_CONSTRAINT, "y", "y_fk", "ALTER TABLE ONLY public.y ADD CONSTRAINT y_fk FK x;\n");
	attr(o, "contype", "foreign key");
	dep(o, STRATA_OBJ_TABLE, NULL, "x");
	finish(b);
	expect_plan(a, b, NULL,
		    "-- create table x\nCREATE TABLE ...;\n\n"
		    "-- create table y\nCREATE TABLE ...;\n\n"
		    "-- create constraint x_fk ON x\nALTER TABLE ONLY public.x ADD CONSTRAINT x_fk FK y;\n\n"
		    "-- create constraint y_fk ON y\nALTER TABLE ONLY public.y ADD CONSTRAINT y_fk FK x;\n");
	strata_schema_free(a);
	strata_schema_free(b);
}

/* A function whose result type changes cannot be replaced: dropped with its trigger, both created again. */
static void fn_schema(struct strata_schema *s, const char *returns)
{
	struct strata_schema_obj *o;
	char def[256];

	table(s, "t", NULL, t_id);
	snprintf(def, sizeof(def), "CREATE OR REPLACE FUNCTION public.f()\n RETURNS %s\n LANGUAGE plpgsql\nAS $$x$$;",
		 returns);
	o = add(s, STRATA_OBJ_FUNCTION, NULL, "f()", def);
	attr(o, "definition", def);
	o = add(s, STRATA_OBJ_TRIGGER, "t", "tr", "CREATE TRIGGER tr ... public.f();\n");
	attr(o, "definition", "CREATE TRIGGER tr ... public.f()");
	dep(o, STRATA_OBJ_FUNCTION, NULL, "f()");
	dep(o, STRATA_OBJ_TABLE, NULL, "t");
	finish(s);
}

static void test_function_recreated_with_trigger(void **state)
{
	struct strata_schema *a = new_schema(), *b = new_schema(), *c = new_schema();

	(void)state;
	fn_schema(a, "trigger");
	fn_schema(b, "integer");
	fn_schema(c, "trigger");
	expect_plan(a, b, NULL,
		    "-- drop (to create it again below) trigger tr ON t\n"
		    "DROP TRIGGER tr ON public.t;\n"
		    "\n"
		    "-- drop (to create it again below) function f()\n"
		    "DROP FUNCTION public.f();\n"
		    "\n"
		    "-- create function f()\n"
		    "SET check_function_bodies = false;\n"
		    "CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE plpgsql\nAS $$x$$;\n\n"
		    "-- create trigger tr ON t\n"
		    "CREATE TRIGGER tr ... public.f();\n");
	strata_schema_free(a);
	strata_schema_free(b);
	strata_schema_free(c);
}

/* A quoted name, a keyword and a comment removed. */
static void test_quoting_and_comments(void **state)
{
	struct strata_schema *a = new_schema(), *b = new_schema();

	(void)state;
	table(a, "Order", NULL, (const char *const[]){ "user", "text", NULL });
	attr(obj(a, STRATA_OBJ_TABLE, NULL, "Order"), "comment", "old");
	table(b, "Order", NULL, (const char *const[]){ "user", "text", NULL });
	attr(col(b, "Order", "user"), "default", "CURRENT_USER");
	finish(a);
	finish(b);
	expect_plan(a, b, NULL,
		    "-- alter column Order.user\n"
		    "ALTER TABLE public.\"Order\" ALTER COLUMN \"user\" SET DEFAULT CURRENT_USER;\n"
		    "\n"
		    "-- alter table Order\n"
		    "COMMENT ON TABLE public.\"Order\" IS NULL;\n");
	strata_schema_free(a);
	strata_schema_free(b);
}

static void grant(struct strata_schema *s, const char *on, const char *what, const char *sql)
{
	add(s, STRATA_OBJ_GRANT, on, what, sql);
}

/* Grants: revoked and given; a view created again gets its grants again. */
static void test_grants(void **state)
{
	struct strata_schema *a = new_schema(), *b = new_schema();
	struct strata_schema_obj *v;

	(void)state;
	table(a, "t", NULL, t_id);
	table(b, "t", NULL, t_id);
	grant(a, "TABLE t", "SELECT to app", "GRANT SELECT ON TABLE public.t TO app;\n");
	grant(a, "TABLE t", "INSERT to bob with grant option", "GRANT INSERT ON TABLE public.t TO bob WITH GRANT OPTION;\n");
	grant(b, "TABLE t", "SELECT to app", "GRANT SELECT ON TABLE public.t TO app;\n");
	grant(b, "TABLE t", "UPDATE to app", "GRANT UPDATE ON TABLE public.t TO app;\n");
	v = add(a, STRATA_OBJ_VIEW, NULL, "v", "CREATE VIEW public.v AS SELECT 1;\n");
	attr(v, "definition", "SELECT 1;");
	v = add(b, STRATA_OBJ_VIEW, NULL, "v", "CREATE VIEW public.v AS SELECT 2;\n");
	attr(v, "definition", "SELECT 2;");
	v = add(a, STRATA_OBJ_COLUMN, "v", "x", NULL);
	v->position = 1;
	attr(v, "type", "integer");
	v = add(b, STRATA_OBJ_COLUMN, "v", "y", NULL);
	v->position = 1;
	attr(v, "type", "integer");
	grant(a, "TABLE v", "SELECT to app", "GRANT SELECT ON TABLE public.v TO app;\n");
	grant(b, "TABLE v", "SELECT to app", "GRANT SELECT ON TABLE public.v TO app;\n");
	finish(a);
	finish(b);
	expect_plan(a, b, NULL,
		    "-- drop grant INSERT to bob with grant option ON TABLE t\n"
		    "REVOKE INSERT ON TABLE public.t FROM bob;\n"
		    "\n"
		    "-- drop (to create it again below) view v\n"
		    "DROP VIEW public.v;\n"
		    "\n"
		    "-- create view v\n"
		    "CREATE VIEW public.v AS SELECT 2;\n"
		    "\n"
		    "-- create grant UPDATE to app ON TABLE t\n"
		    "GRANT UPDATE ON TABLE public.t TO app;\n"
		    "\n"
		    "-- create grant SELECT to app ON TABLE v\n"
		    "GRANT SELECT ON TABLE public.v TO app;\n");
	strata_schema_free(a);
	strata_schema_free(b);
}

/* A grant on a renamed table stays as it is: renamed with it, neither revoked nor given. */
static void test_grant_on_renamed_table(void **state)
{
	struct strata_schema *a = new_schema(), *b = new_schema();
	struct strata_rename_hint h = { .kind = STRATA_OBJ_TABLE, .name = "people", .old_name = "users" };
	struct strata_plan_opts o = { .renames = &h, .nrenames = 1 };

	(void)state;
	table(a, "users", NULL, t_id);
	table(b, "people", NULL, t_id);
	grant(a, "TABLE users", "SELECT to app", "GRANT SELECT ON TABLE public.users TO app;\n");
	grant(b, "TABLE people", "SELECT to app", "GRANT SELECT ON TABLE public.people TO app;\n");
	finish(a);
	finish(b);
	expect_plan(a, b, &o, "-- rename table people\nALTER TABLE public.users RENAME TO people;\n");
	strata_schema_free(a);
	strata_schema_free(b);
}

/* A new enum value that what the plan adds uses is committed first: a step of its own, outside a transaction. */
static void test_enum_value_used_at_once(void **state)
{
	struct strata_schema *a = new_schema(), *b = new_schema();
	struct strata_schema_plan *p;
	char *sql;

	(void)state;
	enum_schema(a, "'a'");
	enum_schema(b, "'a', 'b'");
	attr(col(b, "t", "m"), "default", "'b'::public.mood");
	sql = plan_sql(a, b, NULL, &p);
	assert_string_equal(sql, "-- strata:no-transaction\n"
				 "-- Some statements below cannot run inside a transaction.\n"
				 "\n"
				 "-- add a value (committed before it is used) to type mood\n"
				 "ALTER TYPE public.mood ADD VALUE 'b';\n"
				 "\n"
				 "-- alter column t.m\n"
				 "ALTER TABLE public.t ALTER COLUMN m SET DEFAULT 'b'::public.mood;\n");
	assert_int_equal(p->steps[0].flags, STRATA_STEP_NO_TRANSACTION);
	free(sql);
	strata_schema_plan_free(p);
	strata_schema_free(a);
	strata_schema_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_is_empty),
		cmocka_unit_test(test_new_column),
		cmocka_unit_test(test_type_change_with_view),
		cmocka_unit_test(test_enum_value_in_the_middle),
		cmocka_unit_test(test_enum_value_removed_rebuilds),
		cmocka_unit_test(test_rename_by_hint),
		cmocka_unit_test(test_rename_by_identity),
		cmocka_unit_test(test_destructive_flags),
		cmocka_unit_test(test_online_forms),
		cmocka_unit_test(test_fk_cycle),
		cmocka_unit_test(test_function_recreated_with_trigger),
		cmocka_unit_test(test_quoting_and_comments),
		cmocka_unit_test(test_grants),
		cmocka_unit_test(test_grant_on_renamed_table),
		cmocka_unit_test(test_enum_value_used_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
