/*
 * test_schema_data.c - test --data's value choice (src/schema/data.c): the
 * value of row k depends on the column's type and k only (so that a child's
 * key matches its parent's), differs between rows (UNIQUE), and a second
 * value set moves away from the first (for a CHECK that refused it); an
 * enum's first label is read from its definition. A snapshot follows a
 * rename (strata_data_snap_rename), so that a RENAME keeps the values and a
 * drop and add of the column does not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strata_schema.h"
#include "schema/data.h"
#include "tmpdb.h"

static const char *val(const char *type, int row, int set)
{
	static char b[160];

	strata_data_value(type, NULL, row, set, b, sizeof(b));
	return b;
}

static void test_values_by_type(void **state)
{
	(void)state;
	assert_string_equal(val("integer", 0, 0), "1");
	assert_string_equal(val("bigint", 2, 0), "3");
	assert_string_equal(val("INTEGER", 1, 0), "2");
	assert_string_equal(val("numeric(10,2)", 0, 0), "1");
	assert_string_equal(val("text", 0, 0), "v1");
	assert_string_equal(val("character varying(40)", 1, 0), "v2");
	assert_string_equal(val("", 0, 0), "v1"); /* SQLite: no declared type */
	assert_string_equal(val("boolean", 0, 0), "true");
	assert_string_equal(val("boolean", 1, 0), "false");
	assert_string_equal(val("uuid", 0, 0), "00000000-0000-0000-0000-000000000001");
	assert_string_equal(val("jsonb", 1, 0), "{\"k\": 2}");
	assert_string_equal(val("timestamp with time zone", 0, 0), "2021-01-01 00:00:00");
	assert_string_equal(val("date", 0, 0), "2021-01-01");
	assert_string_equal(val("time without time zone", 2, 0), "00:00:03");
	assert_string_equal(val("interval", 0, 0), "1 days");
	assert_string_equal(val("inet", 0, 0), "10.0.0.2");
	assert_string_equal(val("text[]", 0, 0), "{}");
}

static void test_sets_and_rows_differ(void **state)
{
	char a[160], b[160];
	static const char *const types[] = { "integer", "text", "uuid", "jsonb", "timestamp", "date", "inet" };
	size_t t;

	(void)state;
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		strata_data_value(types[t], NULL, 0, 0, a, sizeof(a));
		strata_data_value(types[t], NULL, 1, 0, b, sizeof(b));
		assert_string_not_equal(a, b); /* UNIQUE columns take the rows */
		strata_data_value(types[t], NULL, 0, 1, b, sizeof(b));
		assert_string_not_equal(a, b); /* the second set is another */
		strata_data_value(types[t], NULL, 0, 0, b, sizeof(b));
		assert_string_equal(a, b); /* the same for a parent's key and its child's reference */
	}
	assert_string_equal(val("integer", 0, 1), "101"); /* CHECK (n > 50) */
	assert_string_equal(val("text", 0, 1), "101");
	strata_data_value("mood", "happy", 2, 1, a, sizeof(a));
	assert_string_equal(a, "happy");
}

static void test_enum_label(void **state)
{
	char *l;

	(void)state;
	l = strata_data_enum_label("CREATE TYPE public.mood AS ENUM ('it''s', 'sad');");
	assert_non_null(l);
	assert_string_equal(l, "it's");
	free(l);
	assert_null(strata_data_enum_label("CREATE TYPE public.e AS ENUM ();"));
	assert_null(strata_data_enum_label("CREATE DOMAIN d AS integer;"));
	assert_null(strata_data_enum_label(NULL));
	assert_string_equal(strata_test_verdict_name(STRATA_TEST_DATA_LOST), "data_lost");
}

static void exec_ok(struct tmpdb *t, const char *sql)
{
	long errpos = -1;

	assert_int_equal(t->db->drv->exec(t->db->conn, sql, strlen(sql), &errpos, &t->err), 0);
}

/* A snapshot taken before a rename, renamed as the plan renamed: nothing lost; a drop and add: values lost. */
static void test_snap_follows_renames(void **state)
{
	struct tmpdb t;
	struct strata_schema *before = NULL, *after = NULL;
	struct strata_data_snap *a = NULL, *b = NULL;
	char *lost = NULL;

	(void)state;
	tmpdb_init(&t);
	tmpdb_open(&t);
	exec_ok(&t, "CREATE TABLE crates (id INTEGER PRIMARY KEY, downloads INTEGER);"
		    "INSERT INTO crates VALUES (1, 10), (2, 20);");
	assert_int_equal(strata_schema_read(t.db, 0, &before, &t.err), 0);
	assert_int_equal(strata_data_snap(t.db, before, &a), 0);
	exec_ok(&t, "ALTER TABLE crates RENAME COLUMN downloads TO total; ALTER TABLE crates RENAME TO packages;");
	assert_int_equal(strata_schema_read(t.db, 0, &after, &t.err), 0);
	assert_int_equal(strata_data_snap(t.db, after, &b), 0);
	/* not followed: the table is not compared at all, so nothing is said lost */
	assert_int_equal(strata_data_lost(a, b, &lost), 0);
	assert_null(lost);
	assert_int_equal(strata_data_snap_rename(a, NULL, "crates", "downloads", "total"), 0);
	assert_int_equal(strata_data_snap_rename(a, NULL, "crates", NULL, "packages"), 0);
	assert_int_equal(strata_data_snap_rename(a, NULL, "nosuch", NULL, "x"), 0); /* nothing to rename */
	assert_int_equal(strata_data_lost(a, b, &lost), 0);
	assert_null(lost);
	strata_data_snap_free(b);
	b = NULL;
	/* a rename done as drop and add: the column is there, its values are not */
	exec_ok(&t, "ALTER TABLE packages DROP COLUMN total; ALTER TABLE packages ADD COLUMN total INTEGER;");
	assert_int_equal(strata_data_snap(t.db, after, &b), 0);
	assert_int_equal(strata_data_lost(a, b, &lost), 0);
	assert_non_null(lost);
	assert_string_equal(lost, "2 rows of packages.total lost their values\n");
	free(lost);
	strata_data_snap_free(a);
	strata_data_snap_free(b);
	strata_schema_free(before);
	strata_schema_free(after);
	tmpdb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_by_type),
		cmocka_unit_test(test_sets_and_rows_differ),
		cmocka_unit_test(test_enum_label),
		cmocka_unit_test(test_snap_follows_renames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
