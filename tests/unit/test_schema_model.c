/*
 * test_schema_model.c - unit tests of the engine-neutral schema modules
 * (src/schema/): the builder (model.c), the dump order (dump.c) and the
 * comparison with its report lines (compare.c), on schemas built by hand as
 * a driver would build them. No database: what a driver reads is tested
 * with the drivers, on real engines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "schema/model.h"

/* ---- building ------------------------------------------------------------ */

static struct strata_schema *new_schema(void)
{
	struct strata_schema *s;

	assert_int_equal(strata_schema_new(STRATA_ENGINE_SQLITE, &s), 0);
	return s;
}

static struct strata_schema_obj *add(struct strata_schema *s, enum strata_obj_kind k, const char *schema,
				     const char *parent, const char *name, const char *sql)
{
	struct strata_schema_obj *o;

	assert_int_equal(strata_schema_add(s, k, schema, parent, name, sql, &o), 0);
	assert_non_null(o);
	return o;
}

static void attr(struct strata_schema_obj *o, const char *k, const char *v)
{
	assert_int_equal(strata_schema_obj_attr(o, k, v), 0);
}

static void dep(struct strata_schema_obj *o, enum strata_obj_kind k, const char *schema, const char *parent,
		const char *name)
{
	assert_int_equal(strata_schema_obj_dep(o, k, schema, parent, name), 0);
}

static void finish(struct strata_schema *s)
{
	assert_int_equal(strata_schema_finish(s), 0);
}

static void test_attr_replace(void **state)
{
	struct strata_schema *s = new_schema();
	struct strata_schema_obj *o = add(s, STRATA_OBJ_COLUMN, "public", "t", "c", NULL);

	(void)state;
	attr(o, "default", "1");
	attr(o, "type", "integer");
	attr(o, "default", "2");
	attr(o, "comment", NULL);
	assert_int_equal(o->nattrs, 3);
	finish(s);
	o = &s->objs[0];
	/* sorted by key */
	assert_string_equal(o->attrs[0].key, "comment");
	assert_null(o->attrs[0].value);
	assert_string_equal(o->attrs[1].key, "default");
	assert_string_equal(o->attrs[1].value, "2");
	assert_string_equal(o->attrs[2].key, "type");
	assert_string_equal(strata_schema_attr_get(o, "default"), "2");
	assert_null(strata_schema_attr_get(o, "comment"));
	assert_null(strata_schema_attr_get(o, "collation"));
	strata_schema_free(s);
}

static void test_dep_dedup(void **state)
{
	struct strata_schema *s = new_schema();
	struct strata_schema_obj *o = add(s, STRATA_OBJ_VIEW, "public", NULL, "v", "CREATE VIEW v;\n");

	(void)state;
	dep(o, STRATA_OBJ_TABLE, "public", NULL, "t");
	dep(o, STRATA_OBJ_TABLE, "public", NULL, "b");
	dep(o, STRATA_OBJ_TABLE, "public", NULL, "t");
	assert_int_equal(o->ndeps, 2);
	finish(s);
	assert_string_equal(s->objs[0].deps[0], "table:public..b");
	assert_string_equal(s->objs[0].deps[1], "table:public..t");
	strata_schema_free(s);
}

static void test_finish_sort_find(void **state)
{
	struct strata_schema *s = new_schema();
	const struct strata_schema_obj *f;
	char *k;

	(void)state;
	add(s, STRATA_OBJ_INDEX, NULL, "t", "ix_b", "CREATE INDEX ix_b;\n");
	add(s, STRATA_OBJ_TABLE, NULL, NULL, "t", "CREATE TABLE t;\n");
	add(s, STRATA_OBJ_INDEX, NULL, "t", "ix_a", "CREATE INDEX ix_a;\n");
	add(s, STRATA_OBJ_TABLE, NULL, NULL, "a", "CREATE TABLE a;\n");
	assert_int_equal(strata_schema_unhandled(s, "virtual table", 2), 0);
	assert_int_equal(strata_schema_unhandled(s, "nothing", 0), 0);
	assert_int_equal(strata_schema_unhandled(s, "foreign table", 1), 0);
	finish(s);
	assert_int_equal(s->n, 4);
	assert_string_equal(s->objs[0].name, "a");
	assert_string_equal(s->objs[1].name, "t");
	assert_string_equal(s->objs[2].name, "ix_a");
	assert_string_equal(s->objs[3].name, "ix_b");
	assert_int_equal(s->nunhandled, 2);
	assert_string_equal(s->unhandled[0], "1 foreign table");
	assert_string_equal(s->unhandled[1], "2 virtual table");
	f = strata_schema_find(s, STRATA_OBJ_INDEX, NULL, "t", "ix_b");
	assert_ptr_equal(f, &s->objs[3]);
	assert_null(strata_schema_find(s, STRATA_OBJ_INDEX, NULL, "a", "ix_b"));
	assert_null(strata_schema_find(s, STRATA_OBJ_TABLE, "main", NULL, "t"));
	k = strata_schema_obj_key(f);
	assert_string_equal(k, "index:.t.ix_b");
	free(k);
	strata_schema_free(s);
}

static void test_preamble(void **state)
{
	struct strata_schema *s = new_schema();

	(void)state;
	assert_null(s->preamble);
	assert_int_equal(strata_schema_set_preamble(s, "SET a = 1;\n"), 0);
	assert_int_equal(strata_schema_set_preamble(s, "SET b = 2;\n"), 0);
	assert_string_equal(s->preamble, "SET b = 2;\n");
	assert_int_equal(strata_schema_set_preamble(s, NULL), 0);
	assert_null(s->preamble);
	assert_int_equal(strata_schema_set_preamble(s, "SET c = 3;\n"), 0);
	strata_schema_free(s); /* frees the preamble (ASan/valgrind) */
}

/* ---- dump ---------------------------------------------------------------- */

static char *dump(const struct strata_schema *s)
{
	struct strata_err err = {0};
	char *sql = NULL;

	assert_int_equal(strata_schema_dump(s, &sql, &err), 0);
	assert_non_null(sql);
	return sql;
}

/* The statements of a dump after its header, one per object, joined by "|" (newlines dropped). */
static char *body(const char *sql)
{
	const char *p = strstr(sql, "\n\n");
	char *r, *w;

	assert_non_null(p);
	r = strdup(p + 2);
	assert_non_null(r);
	for (w = r; *w; w++)
		if (*w == '\n')
			*w = '|';
	return r;
}

static void expect_body(const struct strata_schema *s, const char *want)
{
	char *sql = dump(s), *b = body(sql);

	if (strcmp(b, want) != 0)
		fail_msg("dump body\n  got  %s\n  want %s", b, want);
	free(b);
	free(sql);
}

static void test_dump_rank(void **state)
{
	struct strata_schema *s = new_schema();
	struct strata_schema_obj *o;

	(void)state;
	add(s, STRATA_OBJ_TRIGGER, NULL, "t", "tr", "CREATE TRIGGER tr;\n");
	add(s, STRATA_OBJ_VIEW, NULL, NULL, "v", "CREATE VIEW v;\n");
	add(s, STRATA_OBJ_INDEX, NULL, "t", "ix", "CREATE INDEX ix;\n");
	o = add(s, STRATA_OBJ_CONSTRAINT, NULL, "t", "a_fk", "ALTER TABLE t ADD a_fk;\n");
	attr(o, STRATA_ATTR_CONTYPE, STRATA_CONTYPE_FOREIGN);
	o = add(s, STRATA_OBJ_CONSTRAINT, NULL, "t", "z_pk", "ALTER TABLE t ADD z_pk;\n");
	attr(o, STRATA_ATTR_CONTYPE, STRATA_CONTYPE_PRIMARY);
	add(s, STRATA_OBJ_COLUMN, NULL, "t", "c", NULL); /* written by its table */
	add(s, STRATA_OBJ_TABLE, NULL, NULL, "t", "CREATE TABLE t (c int);\n");
	add(s, STRATA_OBJ_FUNCTION, NULL, NULL, "f()", "CREATE FUNCTION f();\n");
	add(s, STRATA_OBJ_SEQUENCE, NULL, NULL, "sq", "CREATE SEQUENCE sq;\n");
	add(s, STRATA_OBJ_TYPE, NULL, NULL, "ty", "CREATE TYPE ty;\n");
	add(s, STRATA_OBJ_EXTENSION, NULL, NULL, "ext", "CREATE EXTENSION ext;\n");
	add(s, STRATA_OBJ_SCHEMA, NULL, NULL, "app", "CREATE SCHEMA app;\n");
	add(s, STRATA_OBJ_GRANT, NULL, "t", "SELECT to r", "GRANT SELECT ON t TO r;\n");
	add(s, STRATA_OBJ_POLICY, NULL, "t", "p", "CREATE POLICY p;\n");
	finish(s);
	/* no dependency at all: rank alone, keys (z_pk) before foreign keys (a_fk) */
	expect_body(s, "CREATE SCHEMA app;||CREATE EXTENSION ext;||CREATE TYPE ty;||CREATE SEQUENCE sq;||"
		       "CREATE FUNCTION f();||CREATE TABLE t (c int);||ALTER TABLE t ADD z_pk;||"
		       "ALTER TABLE t ADD a_fk;||CREATE INDEX ix;||CREATE VIEW v;||CREATE TRIGGER tr;||"
		       "CREATE POLICY p;||GRANT SELECT ON t TO r;|");
	strata_schema_free(s);
}

static void test_dump_header(void **state)
{
	struct strata_schema *s = new_schema();
	char *sql;

	(void)state;
	add(s, STRATA_OBJ_TABLE, NULL, NULL, "t", "CREATE TABLE t (c int);"); /* no final newline: one is added */
	assert_int_equal(strata_schema_unhandled(s, "virtual table", 1), 0);
	assert_int_equal(strata_schema_set_preamble(s, "SET x = off;\n"), 0);
	finish(s);
	sql = dump(s);
	assert_string_equal(sql, "-- Schema written by strata dump: every object in dependency order.\n"
				 "-- Run it on an empty database to recreate this schema.\n"
				 "-- not handled (left out): 1 virtual table\n"
				 "\n"
				 "SET x = off;\n"
				 "\n"
				 "CREATE TABLE t (c int);\n");
	free(sql);
	strata_schema_free(s);

	/* an empty schema is the header alone */
	s = new_schema();
	finish(s);
	sql = dump(s);
	assert_string_equal(sql, "-- Schema written by strata dump: every object in dependency order.\n"
				 "-- Run it on an empty database to recreate this schema.\n");
	free(sql);
	strata_schema_free(s);
}

static void test_dump_deps_beat_rank(void **state)
{
	struct strata_schema *s = new_schema();
	struct strata_schema_obj *o;

	(void)state;
	/* a view on a view: v_a depends on v_b; a table whose default calls a function defined after a table */
	o = add(s, STRATA_OBJ_VIEW, NULL, NULL, "v_a", "CREATE VIEW v_a;\n");
	dep(o, STRATA_OBJ_VIEW, NULL, NULL, "v_b");
	o = add(s, STRATA_OBJ_VIEW, NULL, NULL, "v_b", "CREATE VIEW v_b;\n");
	dep(o, STRATA_OBJ_TABLE, NULL, NULL, "t");
	/* a function whose argument is t's row type: after t although functions rank first */
	o = add(s, STRATA_OBJ_FUNCTION, NULL, NULL, "f(t)", "CREATE FUNCTION f(t);\n");
	dep(o, STRATA_OBJ_TABLE, NULL, NULL, "t");
	/* a column's dependency is its table's: t's column uses sequence "sq" through a default */
	o = add(s, STRATA_OBJ_COLUMN, NULL, "t", "id", NULL);
	dep(o, STRATA_OBJ_TABLE, NULL, NULL, "u");
	add(s, STRATA_OBJ_TABLE, NULL, NULL, "t", "CREATE TABLE t;\n");
	add(s, STRATA_OBJ_TABLE, NULL, NULL, "u", "CREATE TABLE u;\n");
	/* an index that depends on a column of a table: after the table */
	o = add(s, STRATA_OBJ_INDEX, NULL, "u", "ix", "CREATE INDEX ix;\n");
	dep(o, STRATA_OBJ_COLUMN, NULL, "u", "x");
	add(s, STRATA_OBJ_COLUMN, NULL, "u", "x", NULL);
	/* a dependency on nothing in the schema is ignored */
	o = add(s, STRATA_OBJ_TABLE, NULL, NULL, "a", "CREATE TABLE a;\n");
	dep(o, STRATA_OBJ_TABLE, "elsewhere", NULL, "zz");
	finish(s);
	expect_body(s, "CREATE TABLE a;||CREATE TABLE u;||CREATE TABLE t;||CREATE FUNCTION f(t);||"
		       "CREATE INDEX ix;||CREATE VIEW v_b;||CREATE VIEW v_a;|");
	strata_schema_free(s);
}

static void test_dump_rank_ties_identity(void **state)
{
	struct strata_schema *s = new_schema();

	(void)state;
	add(s, STRATA_OBJ_TABLE, "b", NULL, "t", "CREATE TABLE b.t;\n");
	add(s, STRATA_OBJ_TABLE, "a", NULL, "z", "CREATE TABLE a.z;\n");
	add(s, STRATA_OBJ_TABLE, "a", NULL, "t", "CREATE TABLE a.t;\n");
	add(s, STRATA_OBJ_TABLE, NULL, NULL, "y", "CREATE TABLE y;\n");
	finish(s);
	/* identity order: no schema first, then by schema, then name */
	expect_body(s, "CREATE TABLE y;||CREATE TABLE a.t;||CREATE TABLE a.z;||CREATE TABLE b.t;|");
	strata_schema_free(s);
}

static void test_dump_cycle(void **state)
{
	struct strata_schema *s = new_schema();
	struct strata_schema_obj *o;

	(void)state;
	/* two views that depend on each other, and a third that waits for one of them */
	o = add(s, STRATA_OBJ_VIEW, NULL, NULL, "v1", "CREATE VIEW v1;\n");
	dep(o, STRATA_OBJ_VIEW, NULL, NULL, "v2");
	o = add(s, STRATA_OBJ_VIEW, NULL, NULL, "v2", "CREATE VIEW v2;\n");
	dep(o, STRATA_OBJ_VIEW, NULL, NULL, "v1");
	o = add(s, STRATA_OBJ_VIEW, NULL, NULL, "v0", "CREATE VIEW v0;\n");
	dep(o, STRATA_OBJ_VIEW, NULL, NULL, "v2");
	/* a self-dependency is no dependency */
	o = add(s, STRATA_OBJ_TABLE, NULL, NULL, "t", "CREATE TABLE t;\n");
	dep(o, STRATA_OBJ_TABLE, NULL, NULL, "t");
	/* a table and its own foreign key to itself, and two tables referencing each other */
	o = add(s, STRATA_OBJ_CONSTRAINT, NULL, "p", "p_q_fk", "ALTER TABLE p ADD p_q_fk;\n");
	attr(o, STRATA_ATTR_CONTYPE, STRATA_CONTYPE_FOREIGN);
	dep(o, STRATA_OBJ_TABLE, NULL, NULL, "p");
	dep(o, STRATA_OBJ_TABLE, NULL, NULL, "q");
	o = add(s, STRATA_OBJ_CONSTRAINT, NULL, "q", "q_p_fk", "ALTER TABLE q ADD q_p_fk;\n");
	attr(o, STRATA_ATTR_CONTYPE, STRATA_CONTYPE_FOREIGN);
	dep(o, STRATA_OBJ_TABLE, NULL, NULL, "p");
	dep(o, STRATA_OBJ_TABLE, NULL, NULL, "q");
	add(s, STRATA_OBJ_TABLE, NULL, NULL, "p", "CREATE TABLE p;\n");
	add(s, STRATA_OBJ_TABLE, NULL, NULL, "q", "CREATE TABLE q;\n");
	finish(s);
	/* v0 is not on the cycle: the cycle's smallest (v1) goes first, then v2, then v0 */
	expect_body(s, "CREATE TABLE p;||CREATE TABLE q;||CREATE TABLE t;||ALTER TABLE p ADD p_q_fk;||"
		       "ALTER TABLE q ADD q_p_fk;||CREATE VIEW v1;||CREATE VIEW v2;||CREATE VIEW v0;|");
	strata_schema_free(s);
}

/* A schema of n objects added in the order perm gives, with dependencies among them. */
static struct strata_schema *shuffled(const int *perm, int n)
{
	struct strata_schema *s = new_schema();

	for (int k = 0; k < n; k++) {
		int i = perm[k];
		char name[32], sql[64];
		struct strata_schema_obj *o;

		snprintf(name, sizeof(name), "o%02d", i);
		switch (i % 4) {
		case 0:
			snprintf(sql, sizeof(sql), "CREATE TABLE %s;\n", name);
			o = add(s, STRATA_OBJ_TABLE, i % 3 ? "app" : NULL, NULL, name, sql);
			break;
		case 1:
			snprintf(sql, sizeof(sql), "CREATE VIEW %s;\n", name);
			o = add(s, STRATA_OBJ_VIEW, NULL, NULL, name, sql);
			/* each view on the table before it and on a view three further */
			snprintf(name, sizeof(name), "o%02d", i - 1);
			dep(o, STRATA_OBJ_TABLE, (i - 1) % 3 ? "app" : NULL, NULL, name);
			snprintf(name, sizeof(name), "o%02d", (i + 4) % n);
			dep(o, STRATA_OBJ_VIEW, NULL, NULL, name);
			break;
		case 2:
			snprintf(sql, sizeof(sql), "CREATE INDEX %s;\n", name);
			o = add(s, STRATA_OBJ_INDEX, NULL, "o00", name, sql);
			break;
		default:
			snprintf(sql, sizeof(sql), "CREATE FUNCTION %s();\n", name);
			o = add(s, STRATA_OBJ_FUNCTION, NULL, NULL, name, sql);
			snprintf(name, sizeof(name), "o%02d", i - 1);
			dep(o, STRATA_OBJ_INDEX, NULL, "o00", name);
			break;
		}
		attr(o, "b", "1");
		attr(o, "a", "2");
	}
	finish(s);
	return s;
}

static void test_dump_same_bytes_any_order(void **state)
{
	enum { N = 40 };
	int perm[N];
	char *first = NULL;
	unsigned seed = 12345;

	(void)state;
	for (int i = 0; i < N; i++)
		perm[i] = i;
	for (int round = 0; round < 25; round++) {
		struct strata_schema *s;
		char *sql;

		if (round > 0)
			for (int i = N - 1; i > 0; i--) {
				int j, t;

				seed = seed * 1103515245u + 12345u;
				j = (int)((seed >> 16) % (unsigned)(i + 1));
				t = perm[i];
				perm[i] = perm[j];
				perm[j] = t;
			}
		s = shuffled(perm, N);
		sql = dump(s);
		if (!first) {
			first = sql;
		} else {
			assert_string_equal(sql, first);
			free(sql);
		}
		strata_schema_free(s);
	}
	/* every object once */
	for (int i = 0; i < N; i++) {
		char name[16];

		snprintf(name, sizeof(name), " o%02d", i);
		assert_non_null(strstr(first, name));
	}
	free(first);
}

/* ---- compare ------------------------------------------------------------- */

static struct strata_schema_diff *compare(const struct strata_schema *a, const struct strata_schema *b)
{
	struct strata_err err = {0};
	struct strata_schema_diff *d = NULL;

	assert_int_equal(strata_schema_compare(a, b, &d, &err), 0);
	assert_non_null(d);
	return d;
}

static char *line_of(const struct strata_schema_diff_item *it)
{
	char *l = NULL;

	assert_int_equal(strata_schema_diff_line(it, &l), 0);
	assert_non_null(l);
	return l;
}

/* The diff's lines joined by "\n". */
static void expect_lines(const struct strata_schema_diff *d, const char *want)
{
	char all[8192] = "";

	for (size_t i = 0; i < d->n; i++) {
		char *l = line_of(&d->items[i]);

		if (i)
			strcat(all, "\n");
		strncat(all, l, sizeof(all) - strlen(all) - 2);
		free(l);
	}
	if (strcmp(all, want) != 0)
		fail_msg("diff lines\n--- got\n%s\n--- want\n%s", all, want);
}

/* A table "projects" (id, name, owner) in `schema`, an index on it, a trigger, a function. */
static struct strata_schema *base_schema(const char *schema)
{
	struct strata_schema *s = new_schema();
	struct strata_schema_obj *o;

	add(s, STRATA_OBJ_TABLE, schema, NULL, "projects", "CREATE TABLE projects (...);\n");
	o = add(s, STRATA_OBJ_COLUMN, schema, "projects", "id", NULL);
	o->position = 1;
	attr(o, "type", "integer");
	attr(o, "not null", "true");
	o = add(s, STRATA_OBJ_COLUMN, schema, "projects", "name", NULL);
	o->position = 2;
	attr(o, "type", "text");
	attr(o, "default", "'x'");
	o = add(s, STRATA_OBJ_COLUMN, schema, "projects", "owner", NULL);
	o->position = 3;
	attr(o, "type", "text");
	o = add(s, STRATA_OBJ_INDEX, schema, "projects", "ix_name", "CREATE INDEX ix_name ON projects (name);\n");
	attr(o, "definition", "CREATE INDEX ix_name ON projects (name)");
	o = add(s, STRATA_OBJ_CONSTRAINT, schema, "projects", "projects_pkey", "ALTER TABLE ...;\n");
	attr(o, STRATA_ATTR_CONTYPE, STRATA_CONTYPE_PRIMARY);
	attr(o, "definition", "PRIMARY KEY (id)");
	o = add(s, STRATA_OBJ_TRIGGER, schema, "projects", "t_audit", "CREATE TRIGGER t_audit ...;\n");
	attr(o, "definition", "CREATE TRIGGER t_audit AFTER INSERT ON projects");
	o = add(s, STRATA_OBJ_FUNCTION, schema, NULL, "audit()", "CREATE FUNCTION audit() ...;\n");
	attr(o, "definition", "BEGIN\n  RETURN NEW;\nEND");
	finish(s);
	return s;
}

static void test_compare_identical(void **state)
{
	struct strata_schema *a = base_schema("public"), *b = base_schema("public");
	struct strata_schema_diff *d = compare(a, b);

	(void)state;
	assert_int_equal(d->n, 0);
	assert_int_equal(d->nunhandled, 0);
	assert_false(d->order_only);
	strata_schema_diff_free(d);
	/* and with itself */
	d = compare(a, a);
	assert_int_equal(d->n, 0);
	strata_schema_diff_free(d);
	strata_schema_free(a);
	strata_schema_free(b);
}

static void test_compare_added_removed(void **state)
{
	struct strata_schema *a = base_schema("public"), *b = base_schema("public");
	struct strata_schema_diff *d;
	struct strata_schema_obj *o;

	(void)state;
	/* b: an index more, a trigger less (rebuild b without it) */
	strata_schema_free(b);
	b = new_schema();
	for (size_t i = 0; i < a->n; i++) {
		const struct strata_schema_obj *x = &a->objs[i];

		if (x->kind == STRATA_OBJ_TRIGGER)
			continue;
		o = add(b, x->kind, x->schema, x->parent, x->name, x->sql);
		o->position = x->position;
		for (size_t k = 0; k < x->nattrs; k++)
			attr(o, x->attrs[k].key, x->attrs[k].value);
	}
	add(b, STRATA_OBJ_INDEX, "public", "runs", "ix_runs_status",
	    "CREATE INDEX ix_runs_status ON public.runs\n  USING btree (status);\n");
	finish(b);
	d = compare(a, b);
	assert_int_equal(d->n, 2);
	assert_int_equal(d->items[0].op, STRATA_DIFF_ADDED);
	assert_int_equal(d->items[0].kind, STRATA_OBJ_INDEX);
	assert_string_equal(d->items[0].object, "ix_runs_status ON runs");
	assert_string_equal(d->items[0].sql, "CREATE INDEX ix_runs_status ON public.runs USING btree (status);");
	assert_null(d->items[0].attr);
	assert_int_equal(d->items[1].op, STRATA_DIFF_REMOVED);
	assert_string_equal(d->items[1].object, "t_audit ON projects");
	assert_false(d->order_only);
	expect_lines(d, "+ index ix_runs_status ON runs: CREATE INDEX ix_runs_status ON public.runs USING btree "
			"(status);\n"
			"- trigger t_audit ON projects");
	strata_schema_diff_free(d);
	/* the other way round */
	d = compare(b, a);
	expect_lines(d, "- index ix_runs_status ON runs\n"
			"+ trigger t_audit ON projects: CREATE TRIGGER t_audit ...;");
	strata_schema_diff_free(d);
	strata_schema_free(a);
	strata_schema_free(b);
}

static void test_compare_changed(void **state)
{
	struct strata_schema *a = base_schema("public"), *b = base_schema("public");
	struct strata_schema_obj *o;
	struct strata_schema_diff *d;

	(void)state;
	o = (struct strata_schema_obj *)strata_schema_find(b, STRATA_OBJ_COLUMN, "public", "projects", "name");
	attr(o, "default", NULL);                    /* absent value */
	attr(o, "type", "character varying(40)");
	o = (struct strata_schema_obj *)strata_schema_find(b, STRATA_OBJ_COLUMN, "public", "projects", "owner");
	attr(o, "collation", "C");                   /* an attribute a lacks */
	o = (struct strata_schema_obj *)strata_schema_find(b, STRATA_OBJ_COLUMN, "public", "projects", "id");
	/* b's column id lacks "not null": rebuild its attributes without it */
	for (size_t k = 0; k < o->nattrs; k++)
		if (strcmp(o->attrs[k].key, "not null") == 0) {
			free(o->attrs[k].key);
			free(o->attrs[k].value);
			o->attrs[k] = o->attrs[--o->nattrs];
		}
	o = (struct strata_schema_obj *)strata_schema_find(b, STRATA_OBJ_FUNCTION, "public", NULL, "audit()");
	attr(o, "definition", "BEGIN\n  RETURN OLD;\nEND");
	/* a different SQL alone is no difference: the attributes say what matters */
	o = (struct strata_schema_obj *)strata_schema_find(b, STRATA_OBJ_TABLE, "public", NULL, "projects");
	free(o->sql);
	o->sql = strdup("CREATE TABLE projects (other);\n");
	finish(b);
	d = compare(a, b);
	expect_lines(d, "~ column projects.id: not null true → none\n"
			"~ column projects.name: default 'x' → none\n"
			"~ column projects.name: type text → character varying(40)\n"
			"~ column projects.owner: collation none → C\n"
			"~ function audit(): definition BEGIN RETURN NEW; END → BEGIN RETURN OLD; END");
	assert_int_equal(d->items[1].op, STRATA_DIFF_CHANGED);
	assert_string_equal(d->items[1].attr, "default");
	assert_string_equal(d->items[1].before, "'x'");
	assert_null(d->items[1].after);
	assert_null(d->items[1].sql);
	/* the item keeps the value as it is; the line collapses it */
	assert_string_equal(d->items[4].before, "BEGIN\n  RETURN NEW;\nEND");
	assert_false(d->order_only);
	strata_schema_diff_free(d);
	strata_schema_free(a);
	strata_schema_free(b);
}

static void test_compare_dropped_parent(void **state)
{
	struct strata_schema *a = base_schema("public"), *b = new_schema();
	struct strata_schema_diff *d;
	struct strata_schema_obj *o;

	(void)state;
	/* b: only the function; a view of the same name as a column's table elsewhere keeps its columns */
	o = add(b, STRATA_OBJ_FUNCTION, "public", NULL, "audit()", "CREATE FUNCTION audit() ...;\n");
	attr(o, "definition", "BEGIN\n  RETURN NEW;\nEND");
	add(b, STRATA_OBJ_TABLE, "app", NULL, "projects", "CREATE TABLE app.projects ();\n");
	o = add(b, STRATA_OBJ_COLUMN, "app", "projects", "id", NULL);
	o->position = 1;
	finish(b);
	d = compare(a, b);
	/* a's projects went with everything on it; b's app.projects came with its column */
	expect_lines(d, "+ table app.projects: CREATE TABLE app.projects ();\n"
			"- table projects");
	strata_schema_diff_free(d);
	d = compare(b, a);
	expect_lines(d, "- table app.projects\n"
			"+ table projects: CREATE TABLE projects (...);");
	strata_schema_diff_free(d);
	strata_schema_free(a);
	strata_schema_free(b);
}

static void set_position(struct strata_schema *s, const char *table, const char *col, int pos)
{
	struct strata_schema_obj *o =
		(struct strata_schema_obj *)strata_schema_find(s, STRATA_OBJ_COLUMN, "public", table, col);

	assert_non_null(o);
	o->position = pos;
}

static void test_compare_order_only(void **state)
{
	struct strata_schema *a = base_schema("public"), *b = base_schema("public");
	struct strata_schema_diff *d;
	struct strata_schema_obj *o;

	(void)state;
	/* name moved to the end: (id, owner, name) */
	set_position(b, "projects", "owner", 2);
	set_position(b, "projects", "name", 3);
	d = compare(a, b);
	assert_true(d->order_only);
	expect_lines(d, "~ column projects.name: position 2 → 3\n"
			"~ column projects.owner: position 3 → 2");
	assert_string_equal(d->items[0].attr, "position");
	assert_string_equal(d->items[0].before, "2");
	assert_string_equal(d->items[0].after, "3");
	strata_schema_diff_free(d);

	/* gaps in the ordinals (a column dropped long ago) are no difference */
	set_position(b, "projects", "owner", 3);
	set_position(b, "projects", "name", 2);
	set_position(b, "projects", "id", 1);
	set_position(b, "projects", "owner", 7);
	d = compare(a, b);
	assert_int_equal(d->n, 0);
	assert_false(d->order_only);
	strata_schema_diff_free(d);

	/* position and something else: not order only; the position sits in key order among attributes */
	set_position(b, "projects", "owner", 2);
	set_position(b, "projects", "name", 3);
	o = (struct strata_schema_obj *)strata_schema_find(b, STRATA_OBJ_COLUMN, "public", "projects", "name");
	attr(o, "type", "varchar");
	attr(o, "position", "99"); /* an attribute of that name is not compared */
	finish(b);
	d = compare(a, b);
	assert_false(d->order_only);
	expect_lines(d, "~ column projects.name: position 2 → 3\n"
			"~ column projects.name: type text → varchar\n"
			"~ column projects.owner: position 3 → 2");
	strata_schema_diff_free(d);
	strata_schema_free(a);
	strata_schema_free(b);

	/* a column added in the middle moves no other column */
	a = base_schema("public");
	b = base_schema("public");
	o = add(b, STRATA_OBJ_COLUMN, "public", "projects", "extra", NULL);
	o->position = 2;
	set_position(b, "projects", "name", 3);
	set_position(b, "projects", "owner", 4);
	finish(b);
	d = compare(a, b);
	assert_false(d->order_only);
	expect_lines(d, "+ column projects.extra");
	strata_schema_diff_free(d);
	strata_schema_free(a);
	strata_schema_free(b);
}

static void test_compare_unhandled(void **state)
{
	struct strata_schema *a = base_schema("public"), *b = base_schema("public");
	struct strata_schema_diff *d;

	(void)state;
	/* the same kinds on both sides: still listed, never an equality */
	assert_int_equal(strata_schema_unhandled(a, "foreign table", 2), 0);
	assert_int_equal(strata_schema_unhandled(b, "foreign table", 2), 0);
	assert_int_equal(strata_schema_unhandled(b, "event trigger", 1), 0);
	assert_int_equal(strata_schema_unhandled(a, "virtual table", 3), 0);
	finish(a);
	finish(b);
	d = compare(a, b);
	assert_int_equal(d->n, 0);
	assert_false(d->order_only);
	assert_int_equal(d->nunhandled, 3);
	assert_string_equal(d->unhandled[0], "after: 1 event trigger");
	assert_string_equal(d->unhandled[1], "2 foreign table");
	assert_string_equal(d->unhandled[2], "before: 3 virtual table");
	strata_schema_diff_free(d);
	/* one side only */
	strata_schema_free(b);
	b = base_schema("public");
	d = compare(b, a);
	assert_int_equal(d->nunhandled, 2);
	assert_string_equal(d->unhandled[0], "after: 2 foreign table");
	strata_schema_diff_free(d);
	/* identical on both sides, even with itself */
	d = compare(a, a);
	assert_int_equal(d->nunhandled, 2);
	assert_string_equal(d->unhandled[0], "2 foreign table");
	strata_schema_diff_free(d);
	strata_schema_free(a);
	strata_schema_free(b);
}

/* ---- report lines -------------------------------------------------------- */

static void expect_line(enum strata_diff_op op, enum strata_obj_kind k, const char *object, const char *attr,
			const char *before, const char *after, const char *sql, const char *want)
{
	struct strata_schema_diff_item it = {op, k, (char *)object, (char *)attr, (char *)before, (char *)after,
					     (char *)sql};
	char *l = line_of(&it);

	assert_string_equal(l, want);
	free(l);
}

static void test_diff_line(void **state)
{
	char longa[400], longb[400];

	(void)state;
	expect_line(STRATA_DIFF_ADDED, STRATA_OBJ_INDEX, "ix_runs_status ON runs", NULL, NULL, NULL,
		    "CREATE INDEX ix_runs_status ON runs (status);", "+ index ix_runs_status ON runs: CREATE INDEX "
								    "ix_runs_status ON runs (status);");
	expect_line(STRATA_DIFF_CHANGED, STRATA_OBJ_COLUMN, "projects.name", "default", "'x'", NULL, NULL,
		    "~ column projects.name: default 'x' → none");
	expect_line(STRATA_DIFF_REMOVED, STRATA_OBJ_TRIGGER, "t_audit ON audit", NULL, NULL, NULL,
		    "CREATE TRIGGER t_audit ...;", "- trigger t_audit ON audit");
	expect_line(STRATA_DIFF_ADDED, STRATA_OBJ_COLUMN, "projects.extra", NULL, NULL, NULL, NULL,
		    "+ column projects.extra");
	expect_line(STRATA_DIFF_CHANGED, STRATA_OBJ_TABLE, "app.t", "comment", NULL, "line one\n\n  line two",
		    NULL, "~ table app.t: comment none → line one line two");
	/* a long value is cut, on a UTF-8 boundary: "é" is two bytes */
	memset(longa, 'a', sizeof(longa));
	memcpy(longa + 71, "é", 2);
	longa[300] = 0;
	expect_line(STRATA_DIFF_CHANGED, STRATA_OBJ_VIEW, "v", "definition", NULL, longa, NULL,
		    "~ view v: definition none → "
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…");
	/* two long values that differ far in: both shown from a little before the difference */
	memset(longa, 'a', sizeof(longa));
	memset(longb, 'a', sizeof(longb));
	memcpy(longa + 200, "OLD", 3);
	memcpy(longb + 200, "NEW", 3);
	longa[210] = longb[210] = 0;
	expect_line(STRATA_DIFF_CHANGED, STRATA_OBJ_FUNCTION, "f()", "definition", longa, longb, NULL,
		    "~ function f(): definition …aaaaaaaaaaaaaaaaaaaaaaaaOLDaaaaaaa → "
		    "…aaaaaaaaaaaaaaaaaaaaaaaaNEWaaaaaaa");
}

static void test_object_names(void **state)
{
	struct strata_schema *a = new_schema(), *b = new_schema();
	struct strata_schema_diff *d;

	(void)state;
	add(b, STRATA_OBJ_COLUMN, "app", "t", "c", NULL);
	add(b, STRATA_OBJ_COLUMN, NULL, "t", "c", NULL);
	add(b, STRATA_OBJ_INDEX, "app", "t", "ix", NULL);
	add(b, STRATA_OBJ_FUNCTION, "public", NULL, "f(integer)", NULL);
	add(b, STRATA_OBJ_FUNCTION, "app", NULL, "f(integer)", NULL);
	add(b, STRATA_OBJ_SCHEMA, NULL, NULL, "app", NULL);
	add(b, STRATA_OBJ_GRANT, "public", "t", "SELECT to reader", NULL);
	finish(a);
	finish(b);
	d = compare(a, b);
	expect_lines(d, "+ schema app\n"
			"+ column t.c\n"
			"+ column app.t.c\n"
			"+ index ix ON app.t\n"
			"+ function app.f(integer)\n"
			"+ function f(integer)\n"
			"+ grant SELECT to reader ON t");
	strata_schema_diff_free(d);
	strata_schema_free(a);
	strata_schema_free(b);
}

/* ---- JSON ---------------------------------------------------------------- */

static cJSON *diff_json(const struct strata_schema_diff *d)
{
	char *text = NULL;
	cJSON *j;

	assert_int_equal(strata_schema_diff_json(d, &text), 0);
	assert_non_null(text);
	j = cJSON_Parse(text);
	free(text);
	assert_non_null(j);
	return j;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_non_null(v);
	return cJSON_IsNull(v) ? NULL : cJSON_GetStringValue(v);
}

static void test_diff_json(void **state)
{
	struct strata_schema *a = base_schema("public"), *b = base_schema("public");
	struct strata_schema_diff *d;
	struct strata_schema_obj *o;
	const cJSON *items, *it;
	cJSON *j;

	(void)state;
	d = compare(a, b);
	j = diff_json(d);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "equal")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "order_only")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "differences")), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "not_handled")), 0);
	cJSON_Delete(j);
	strata_schema_diff_free(d);

	o = (struct strata_schema_obj *)strata_schema_find(b, STRATA_OBJ_COLUMN, "public", "projects", "name");
	attr(o, "default", NULL);
	add(b, STRATA_OBJ_INDEX, "public", "runs", "ix_runs_status", "CREATE INDEX ix_runs_status\nON runs (status);\n");
	assert_int_equal(strata_schema_unhandled(b, "foreign table", 1), 0);
	finish(b);
	d = compare(a, b);
	j = diff_json(d);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "equal")));
	items = cJSON_GetObjectItem(j, "differences");
	assert_int_equal(cJSON_GetArraySize(items), 2);
	it = cJSON_GetArrayItem(items, 0);
	assert_string_equal(jstr(it, "op"), "changed");
	assert_string_equal(jstr(it, "kind"), "column");
	assert_string_equal(jstr(it, "object"), "projects.name");
	assert_string_equal(jstr(it, "attribute"), "default");
	assert_string_equal(jstr(it, "before"), "'x'");
	assert_null(jstr(it, "after"));
	assert_string_equal(jstr(it, "line"), "~ column projects.name: default 'x' → none");
	assert_null(cJSON_GetObjectItem(it, "sql"));
	it = cJSON_GetArrayItem(items, 1);
	assert_string_equal(jstr(it, "op"), "added");
	assert_string_equal(jstr(it, "kind"), "index");
	assert_string_equal(jstr(it, "object"), "ix_runs_status ON runs");
	assert_string_equal(jstr(it, "sql"), "CREATE INDEX ix_runs_status ON runs (status);");
	assert_null(cJSON_GetObjectItem(it, "attribute"));
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "not_handled"), 0)->valuestring,
			    "after: 1 foreign table");
	cJSON_Delete(j);
	strata_schema_diff_free(d);
	strata_schema_free(a);
	strata_schema_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attr_replace),
		cmocka_unit_test(test_dep_dedup),
		cmocka_unit_test(test_finish_sort_find),
		cmocka_unit_test(test_preamble),
		cmocka_unit_test(test_dump_rank),
		cmocka_unit_test(test_dump_header),
		cmocka_unit_test(test_dump_deps_beat_rank),
		cmocka_unit_test(test_dump_rank_ties_identity),
		cmocka_unit_test(test_dump_cycle),
		cmocka_unit_test(test_dump_same_bytes_any_order),
		cmocka_unit_test(test_compare_identical),
		cmocka_unit_test(test_compare_added_removed),
		cmocka_unit_test(test_compare_changed),
		cmocka_unit_test(test_compare_dropped_parent),
		cmocka_unit_test(test_compare_order_only),
		cmocka_unit_test(test_compare_unhandled),
		cmocka_unit_test(test_diff_line),
		cmocka_unit_test(test_object_names),
		cmocka_unit_test(test_diff_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
