/*
 * test_schema_data.c - test --data's value choice (src/schema/data.c): the
 * value of row k depends on the column's type and k only (so that a child's
 * key matches its parent's), differs between rows (UNIQUE), and a second
 * value set moves away from the first (for a CHECK that refused it); an
 * enum's first label is read from its definition.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_by_type),
		cmocka_unit_test(test_sets_and_rows_differ),
		cmocka_unit_test(test_enum_label),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
