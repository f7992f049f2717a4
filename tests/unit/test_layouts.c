/*
 * test_layouts.c - unit tests of src/layout_flyway.c and src/layout_pop.c:
 * Flyway's names and part-wise versions mapped onto strata's digits (order
 * and equality as Flyway has them), the reserved repeatable versions, the
 * way back to Flyway's spelling, Flyway's CRC32 checksum against values
 * Flyway itself stored (flyway/flyway issues #1560 and #2474), ${name}
 * placeholders, and pop's name parts, comment-only files and templates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "layout_flyway.h"
#include "layout_pop.h"

static struct strata_version fv(const char *s)
{
	struct strata_version v;
	const char *why = NULL;

	if (strata_flyway_version(s, strlen(s), &v, &why) != 0)
		fail_msg("\"%s\": %s", s, why ? why : "?");
	return v;
}

static int cmp(const char *a, const char *b)
{
	struct strata_version x = fv(a), y = fv(b);
	int c = strata_version_cmp(&x, &y);

	return c < 0 ? -1 : c > 0;
}

static void test_flyway_order(void **state)
{
	(void)state;
	assert_int_equal(cmp("1.9", "1.10"), -1);  /* parts as integers, not text */
	assert_int_equal(cmp("1_10", "1.10"), 0);  /* '_' separates parts too */
	assert_int_equal(cmp("2", "2.0"), 0);      /* trailing zero parts change nothing */
	assert_int_equal(cmp("2", "2.1"), -1);
	assert_int_equal(cmp("2.1", "3"), -1);
	assert_int_equal(cmp("10", "2.1"), 1);     /* name order (V10 before V2) is wrong */
	assert_int_equal(cmp("69.3", "69.10"), -1);
	assert_int_equal(cmp("01.002", "1.2"), 0); /* leading zeros of a part are nothing */
	assert_int_equal(cmp("20240101120000", "99.99"), 1);
	assert_string_equal(fv("69.3").d, "69000000003000000000000000000");
	assert_string_equal(fv("0").d, "0");
	assert_string_equal(fv("0.0.0.1").d, "1");
}

static void test_flyway_refusals(void **state)
{
	struct strata_version v;
	const char *why = NULL;

	(void)state;
	assert_int_equal(strata_flyway_version("1.2.3.4.5", 9, &v, &why), -1);
	assert_non_null(strstr(why, "more than 4 parts"));
	assert_int_equal(strata_flyway_version("1.1234567890", 12, &v, &why), -1);
	assert_non_null(strstr(why, "more than 9 digits"));
	assert_int_equal(strata_flyway_version("1..2", 4, &v, &why), -1);
	assert_int_equal(strata_flyway_version("1.", 2, &v, &why), -1);
	assert_int_equal(strata_flyway_version("1.a", 3, &v, &why), -1);
}

static void text_of(const char *s, const char *want)
{
	struct strata_version v = fv(s);
	char buf[128];

	strata_flyway_version_text(&v, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_flyway_text(void **state)
{
	(void)state;
	text_of("2.1", "2.1");
	text_of("1_10", "1.10");
	text_of("74", "74");
	text_of("0.5", "0.5");
	text_of("1.0.0.7", "1.0.0.7");
	text_of("007.0", "7");
}

static void test_flyway_names(void **state)
{
	struct strata_flyway_name n;
	struct strata_version r;

	(void)state;
	assert_int_equal(strata_flyway_parse_name("V2.1__add_x.sql", &n), 0);
	assert_int_equal(n.kind, STRATA_FLYWAY_VERSIONED);
	assert_int_equal(n.ver_off, 1);
	assert_int_equal(n.ver_len, 3);
	assert_int_equal(n.desc_len, 5);
	assert_string_equal(n.version.d, fv("2.1").d);
	assert_int_equal(strata_flyway_parse_name("V1_10__x__y.sql", &n), 0); /* the first "__" ends the version */
	assert_int_equal(n.ver_len, 4);
	assert_memory_equal("x__y", "V1_10__x__y.sql" + n.desc_off, 4);
	assert_int_equal(strata_flyway_parse_name("U3__x.sql", &n), 0);
	assert_int_equal(n.kind, STRATA_FLYWAY_UNDO);
	assert_int_equal(strata_flyway_parse_name("V3__backfill.java", &n), 0);
	assert_int_equal(n.kind, STRATA_FLYWAY_JAVA);
	assert_int_equal(strata_flyway_parse_name("V57__readme.md", &n), 0);
	assert_int_equal(n.kind, STRATA_FLYWAY_OTHER);
	assert_int_equal(strata_flyway_parse_name("R__Runs_view.sql", &n), 0);
	assert_int_equal(n.kind, STRATA_FLYWAY_REPEATABLE);
	strata_flyway_repeatable_version("Runs_view", 9, &r);
	assert_string_equal(n.version.d, r.d);
	assert_true(strata_flyway_is_repeatable_version(&n.version));
	assert_false(strata_flyway_is_repeatable_version(&(struct strata_version){ "69000000003000000000000000000" }));
	/* repeatables sort above every versioned one */
	{
		struct strata_version big = fv("999999999999999999999999999999.999999999.999999999.999999999");

		assert_true(strata_version_cmp(&big, &n.version) < 0);
	}
	/* not Flyway's */
	assert_int_equal(strata_flyway_parse_name("Vendor__x.sql", &n), 0);
	assert_int_equal(n.kind, STRATA_FLYWAY_NONE);
	assert_int_equal(strata_flyway_parse_name("V__x.sql", &n), 0);
	assert_int_equal(n.kind, STRATA_FLYWAY_NONE);
	assert_int_equal(strata_flyway_parse_name("001_init.sql", &n), 0);
	assert_int_equal(n.kind, STRATA_FLYWAY_NONE);
	assert_int_equal(strata_flyway_parse_name("V1.2.3.4.5__x.sql", &n), -1);
	assert_non_null(n.why);
}

static void test_flyway_crc(void **state)
{
	/* flyway/flyway#1560: V1_2__Create_table_settings.sql, stored by Flyway 4.1.2 as -723451720 */
	static const char f1560[] = "DROP TABLE IF EXISTS settings;\nCREATE TABLE IF NOT EXISTS settings (\n"
				    "    id INTEGER PRIMARY KEY\n);\n";
	/* flyway/flyway#2474: V1_1__...sql, "Resolved locally : -1039259818" (Flyway 6.0.0) */
	static const char f2474[] = "alter table location_history add column valid_until timestamp with time zone;\n";
	static const char crlf[] = "DROP TABLE IF EXISTS settings;\r\nCREATE TABLE IF NOT EXISTS settings (\r\n"
				   "    id INTEGER PRIMARY KEY\r\n);\r\n";
	static const char bom[] = "\xef\xbb\xbf"
				  "DROP TABLE IF EXISTS settings;\nCREATE TABLE IF NOT EXISTS settings (\n"
				  "    id INTEGER PRIMARY KEY\n);";

	(void)state;
	assert_int_equal(strata_flyway_crc(f1560, strlen(f1560)), -723451720);
	assert_int_equal(strata_flyway_crc(f2474, strlen(f2474)), -1039259818);
	/* line breaks of any kind and a BOM are not part of it */
	assert_int_equal(strata_flyway_crc(crlf, strlen(crlf)), -723451720);
	assert_int_equal(strata_flyway_crc(bom, strlen(bom)), -723451720);
}

static void test_flyway_placeholders(void **state)
{
	static const char *const names[] = { "schema", "flyway:user" };
	static const char *const values[] = { "app", "alice" };
	struct strata_flyway_vars vars = { names, values, 2 };
	const char *text = "create table ${schema}.t(); -- by ${flyway:user}\nselect '${not closed';\n";
	char *out = NULL;
	size_t outlen = 0, off = 0, blen = 0;

	(void)state;
	assert_int_equal(strata_flyway_replace(text, strlen(text), &vars, NULL, &out, &outlen, &off, &blen), 0);
	assert_non_null(out);
	assert_string_equal(out, "create table app.t(); -- by alice\nselect '${not closed';\n");
	assert_int_equal(outlen, strlen(out));
	free(out);
	/* nothing to replace: no copy */
	assert_int_equal(strata_flyway_replace("select 1;", 9, &vars, NULL, &out, &outlen, &off, &blen), 0);
	assert_null(out);
	/* unresolved: where its name is */
	text = "select 1;\nselect ${missing};\n";
	assert_int_equal(strata_flyway_replace(text, strlen(text), &vars, NULL, &out, &outlen, &off, &blen), 1);
	assert_int_equal(off, 19);
	assert_int_equal(blen, 7);
}

static void test_pop_names(void **state)
{
	struct strata_pop_name p;

	(void)state;
	assert_int_equal(strata_pop_parse("networks", 8, &p), 0);
	assert_int_equal(p.dialect, STRATA_POP_ANY);
	assert_false(p.marked);
	assert_int_equal(strata_pop_parse("networks.postgres", 17, &p), 0);
	assert_int_equal(p.dialect, STRATA_POP_POSTGRES);
	assert_int_equal(p.base_len, 8);
	assert_true(p.marked);
	assert_int_equal(strata_pop_parse("x.sqlite3", 9, &p), 0);
	assert_int_equal(p.dialect, STRATA_POP_SQLITE);
	assert_int_equal(strata_pop_parse("x.sqlite", 8, &p), 0);
	assert_int_equal(p.dialect, STRATA_POP_SQLITE);
	assert_int_equal(strata_pop_parse("x.cockroach.autocommit", 22, &p), 0);
	assert_int_equal(p.dialect, STRATA_POP_COCKROACH);
	assert_true(p.autocommit);
	assert_int_equal(strata_pop_parse("x.autocommit", 12, &p), 0);
	assert_int_equal(p.dialect, STRATA_POP_ANY);
	assert_true(p.autocommit);
	assert_true(p.marked);
	assert_int_equal(strata_pop_parse("x.oracle", 8, &p), 0);
	assert_int_equal(p.dialect, STRATA_POP_UNKNOWN);
	assert_false(p.marked);
	assert_int_equal(strata_pop_parse("x.autocommit.postgres", 21, &p), -1);
	assert_int_equal(strata_pop_parse("a.b.c.d", 7, &p), -1);
	assert_int_equal(strata_pop_dialect_of("postgres"), STRATA_POP_POSTGRES);
	assert_int_equal(strata_pop_dialect_of("sqlite"), STRATA_POP_SQLITE);
	assert_int_equal(strata_pop_dialect_of("mariadb"), STRATA_POP_MYSQL);
	assert_int_equal(strata_pop_dialect_of(NULL), STRATA_POP_ANY);
}

static void test_pop_contents(void **state)
{
	const char *t = "-- nothing here\n\n  -- really\n";

	(void)state;
	assert_true(strata_pop_comment_only(t, strlen(t)));
	assert_true(strata_pop_comment_only("", 0));
	t = "-- a comment\nCREATE TABLE x (id int);\n";
	assert_false(strata_pop_comment_only(t, strlen(t)));
	t = "/* block */";
	assert_false(strata_pop_comment_only(t, strlen(t))); /* popx strips only -- lines */
	t = "select 1;\n{{ if .IsSQLite }}x{{ end }}\n";
	assert_int_equal(strata_pop_template(t, strlen(t)), 10);
	t = "select '{';";
	assert_int_equal(strata_pop_template(t, strlen(t)), strlen(t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flyway_order),	    cmocka_unit_test(test_flyway_refusals),
		cmocka_unit_test(test_flyway_text),	    cmocka_unit_test(test_flyway_names),
		cmocka_unit_test(test_flyway_crc),	    cmocka_unit_test(test_flyway_placeholders),
		cmocka_unit_test(test_pop_names),	    cmocka_unit_test(test_pop_contents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
