/*
 * test_rename_hints.c - unit tests of schema/hints.c: the
 * "-- strata:renamed-from OLD" comments of a desired schema file, found on
 * CREATE TABLE lines and column lines with strata's own lexer, in
 * PostgreSQL's and SQLite's syntax (quoted identifiers, schema-qualified
 * names, folding of unquoted names), and the errors for hints that name
 * nothing or are misspelt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strata_schema.h"

struct parsed {
	struct strata_rename_hint *h;
	size_t n;
	int rc;
	struct strata_err err;
};

static void parse(struct parsed *p, enum strata_engine e, const char *sql)
{
	memset(p, 0, sizeof(*p));
	strata_err_clear(&p->err);
	p->rc = strata_rename_hints_parse(sql, strlen(sql), "schema.sql", e, &p->h, &p->n, &p->err);
}

static void done(struct parsed *p)
{
	strata_rename_hints_free(p->h, p->n);
	strata_err_release(&p->err);
}

static void assert_str_or_null(const char *got, const char *want)
{
	if (!want)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

static void assert_hint(const struct strata_rename_hint *h, enum strata_obj_kind kind, const char *schema,
			const char *parent, const char *name, const char *old, int line)
{
	assert_int_equal(h->kind, kind);
	assert_str_or_null(h->schema, schema);
	assert_str_or_null(h->parent, parent);
	assert_string_equal(h->name, name);
	assert_string_equal(h->old_name, old);
	assert_string_equal(h->file, "schema.sql");
	assert_int_equal(h->line, line);
}

static void test_none(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, STRATA_ENGINE_POSTGRES, "CREATE TABLE t (a int, b text);\n-- just a comment\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.n, 0);
	done(&p);
}

static void test_pg_table_and_columns(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, STRATA_ENGINE_POSTGRES,
	      "SET search_path = '';\n"
	      "CREATE TABLE public.Crates ( -- strata:renamed-from packages\n"
	      "    id integer NOT NULL,\n"
	      "    Title text DEFAULT 'a,b' NOT NULL, -- strata:renamed-from name\n"
	      "    \"Mixed Case\" numeric(10, 2) -- strata:renamed-from \"Old Col\"\n"
	      "    , CONSTRAINT c CHECK (id > 0)\n"
	      ");\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.n, 3);
	/* in the order of the comments; unquoted names folded as PostgreSQL folds them */
	assert_hint(&p.h[0], STRATA_OBJ_TABLE, "public", NULL, "crates", "packages", 2);
	assert_hint(&p.h[1], STRATA_OBJ_COLUMN, "public", "crates", "title", "name", 4);
	assert_hint(&p.h[2], STRATA_OBJ_COLUMN, "public", "crates", "Mixed Case", "Old Col", 5);
	done(&p);
}

static void test_pg_unqualified_if_not_exists(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, STRATA_ENGINE_POSTGRES,
	      "CREATE UNLOGGED TABLE IF NOT EXISTS \"Users\" (\n"
	      "  \"id\" bigint, -- strata:renamed-from uid\n"
	      "  email text\n"
	      ");\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.n, 1);
	assert_hint(&p.h[0], STRATA_OBJ_COLUMN, NULL, "Users", "id", "uid", 2);
	done(&p);
}

static void test_sqlite_quoting(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, STRATA_ENGINE_SQLITE,
	      "CREATE TABLE main.[Order Items] ( -- strata:renamed-from order_lines\n"
	      "  `Qty` INTEGER NOT NULL, -- strata:renamed-from Amount\n"
	      "  price REAL\n"
	      ") STRICT;\n"
	      "CREATE TABLE t2 (x); -- strata:renamed-from t1\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.n, 3);
	/* SQLite keeps names as written; main. is the one schema its model has */
	assert_hint(&p.h[0], STRATA_OBJ_TABLE, NULL, NULL, "Order Items", "order_lines", 1);
	assert_hint(&p.h[1], STRATA_OBJ_COLUMN, NULL, "Order Items", "Qty", "Amount", 2);
	/* a one-line CREATE TABLE: the hint after its ';' still names the table */
	assert_hint(&p.h[2], STRATA_OBJ_TABLE, NULL, NULL, "t2", "t1", 5);
	done(&p);
}

static void test_not_in_strings_or_bodies(void **state)
{
	struct parsed p;

	(void)state;
	/* a hint inside a string or a function body is text, not a hint */
	parse(&p, STRATA_ENGINE_POSTGRES,
	      "CREATE TABLE t (a text DEFAULT '-- strata:renamed-from b');\n"
	      "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$\n"
	      "  SELECT 1 -- strata:renamed-from g\n"
	      "$$;\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.n, 0);
	done(&p);
}

static void test_hint_on_no_line(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, STRATA_ENGINE_POSTGRES,
	      "CREATE TABLE t (\n"
	      "  a int\n"
	      ");\n"
	      "-- strata:renamed-from old\n"
	      "CREATE INDEX i ON t (a);\n");
	assert_int_equal(p.rc, STRATA_ESOURCE);
	assert_int_equal(p.err.line, 4);
	assert_string_equal(p.err.file, "schema.sql");
	assert_non_null(strstr(p.err.message, "on no table's or column's line"));
	assert_int_equal(p.n, 0);
	done(&p);
	/* a constraint line is not a column's */
	parse(&p, STRATA_ENGINE_POSTGRES,
	      "CREATE TABLE t (\n"
	      "  a int,\n"
	      "  PRIMARY KEY (a) -- strata:renamed-from pk\n"
	      ");\n");
	assert_int_equal(p.rc, STRATA_ESOURCE);
	assert_int_equal(p.err.line, 3);
	done(&p);
}

static void test_misspelt(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, STRATA_ENGINE_SQLITE, "CREATE TABLE t (\n  a int -- strata:renamed_from b\n);\n");
	assert_int_equal(p.rc, STRATA_ESOURCE);
	assert_int_equal(p.err.line, 2);
	assert_non_null(strstr(p.err.message, "renamed-from OLD"));
	done(&p);
	/* two names: which one? */
	parse(&p, STRATA_ENGINE_SQLITE, "CREATE TABLE t (\n  a int -- strata:renamed-from b c\n);\n");
	assert_int_equal(p.rc, STRATA_ESOURCE);
	assert_int_equal(p.err.line, 2);
	done(&p);
	/* no name */
	parse(&p, STRATA_ENGINE_POSTGRES, "CREATE TABLE t ( -- strata:renamed-from\n  a int\n);\n");
	assert_int_equal(p.rc, STRATA_ESOURCE);
	assert_int_equal(p.err.line, 1);
	done(&p);
}

static void test_multiline_column(void **state)
{
	struct parsed p;

	(void)state;
	/* the column's line is the one its name starts on; its nested parentheses and commas do not start columns */
	parse(&p, STRATA_ENGINE_POSTGRES,
	      "CREATE TABLE s.t (\n"
	      "  a numeric(10,\n"
	      "            2), b int CHECK (b IN (1, 2)), -- strata:renamed-from c\n"
	      "  d int\n"
	      ");\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.n, 1);
	assert_hint(&p.h[0], STRATA_OBJ_COLUMN, "s", "t", "b", "c", 3);
	done(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_pg_table_and_columns),
		cmocka_unit_test(test_pg_unqualified_if_not_exists),
		cmocka_unit_test(test_sqlite_quoting),
		cmocka_unit_test(test_not_in_strings_or_bodies),
		cmocka_unit_test(test_hint_on_no_line),
		cmocka_unit_test(test_misspelt),
		cmocka_unit_test(test_multiline_column),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
