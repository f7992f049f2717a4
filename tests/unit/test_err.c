/*
 * test_err.c - unit tests of struct strata_err (src/util.c): texts of any
 * length kept whole, owned by the err, copied deep, released; and the
 * lexer's helpers that place a PL/pgSQL error (src/sqlsplit.c), which the
 * runner feeds with the server's CONTEXT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"
#include "split.h"

static void test_long_texts_whole(void **state)
{
	struct strata_err err;
	char *big = malloc(5001);

	(void)state;
	memset(big, 'm', 5000);
	big[5000] = '\0';
	strata_err_clear(&err);
	assert_string_equal(err.message, "");
	assert_string_equal(err.detail, "");
	assert_string_equal(err.hint, "");
	assert_string_equal(err.context, "");
	assert_int_equal(strata_err_set(&err, STRATA_EDB, "%s", big), STRATA_EDB);
	assert_int_equal(strlen(err.message), 5000);
	strata_err_detail(&err, "%s-detail", big);
	strata_err_hint(&err, "%.3000s", big);
	strata_err_text(&err, STRATA_ERR_CONTEXT, big, 4000);
	assert_int_equal(strlen(err.detail), 5007);
	assert_int_equal(strlen(err.hint), 3000);
	assert_int_equal(strlen(err.context), 4000);
	/* replacing frees what was there (ASan and valgrind would see a leak) */
	strata_err_set(&err, STRATA_ESOURCE, "short");
	strata_err_hint(&err, NULL);
	assert_string_equal(err.message, "short");
	assert_string_equal(err.hint, "");
	assert_int_equal(strlen(err.detail), 5007);
	strata_err_prefix(&err, "%s: ", big);
	assert_int_equal(strlen(err.message), 5000 + 2 + 5);
	assert_string_equal(err.message + 5002, "short");
	strata_err_release(&err);
	assert_int_equal(err.code, 0);
	assert_string_equal(err.message, "");
	free(big);
}

static void test_zeroed_and_null(void **state)
{
	struct strata_err err = { 0 };

	(void)state;
	/* a zeroed err can be filled; the texts not set read "" */
	strata_err_set(&err, STRATA_EUSAGE, "bad %d", 42);
	assert_string_equal(err.message, "bad 42");
	assert_string_equal(err.detail, "");
	assert_string_equal(err.context, "");
	strata_err_release(&err);
	/* a NULL err is allowed everywhere */
	assert_int_equal(strata_err_set(NULL, STRATA_EDB, "x"), STRATA_EDB);
	strata_err_hint(NULL, "x");
	strata_err_detail(NULL, "x");
	strata_err_text(NULL, STRATA_ERR_CONTEXT, "x", 1);
	strata_err_prefix(NULL, "x");
	strata_err_release(NULL);
	strata_err_clear(NULL);
}

static void test_copy_is_deep(void **state)
{
	struct strata_err a, b;

	(void)state;
	strata_err_clear(&a);
	strata_err_clear(&b);
	strata_err_set(&b, STRATA_EIO, "old message of b");
	strata_err_set(&a, STRATA_EDB, "boom");
	strata_err_detail(&a, "the detail");
	snprintf(a.file, sizeof(a.file), "001_x.up.sql");
	a.line = 7;
	memcpy(a.sqlstate, "23505", 6);
	strata_err_copy(&b, &a);
	assert_ptr_not_equal(a.message, b.message);
	assert_ptr_not_equal(a.detail, b.detail);
	strata_err_release(&a);
	assert_string_equal(b.message, "boom");
	assert_string_equal(b.detail, "the detail");
	assert_string_equal(b.hint, "");
	assert_string_equal(b.file, "001_x.up.sql");
	assert_string_equal(b.sqlstate, "23505");
	assert_int_equal(b.line, 7);
	assert_int_equal(b.code, STRATA_EDB);
	strata_err_release(&b);
}

static void test_dollar_body(void **state)
{
	static const char do_block[] = "DO $$\nBEGIN\n  RAISE EXCEPTION 'x';\nEND\n$$";
	static const char tagged[] = "CREATE FUNCTION f() RETURNS int -- $$ not here\n"
				     "  LANGUAGE plpgsql AS /* $x$ nor here */ 'a$$b' || $fn$BEGIN RETURN 1; END$fn$";
	static const char none[] = "SELECT $1, a$b$c FROM t WHERE x = '$$'";

	(void)state;
	assert_int_equal(strata_sql_dollar_body(do_block, sizeof(do_block) - 1), 5);
	assert_int_equal(strata_sql_dollar_body(tagged, sizeof(tagged) - 1), strstr(tagged, "BEGIN") - tagged);
	assert_int_equal(strata_sql_dollar_body(none, sizeof(none) - 1), -1);
	assert_int_equal(strata_sql_dollar_body("DO $$ unterminated", 18), -1);
	assert_int_equal(strata_sql_dollar_body("", 0), -1);
}

static void test_defines_routine(void **state)
{
	static const char f1[] = "CREATE OR REPLACE FUNCTION public.check_rows(x int) RETURNS int AS $$ $$";
	static const char f2[] = "create /* c */ procedure \"Move\" () language sql as $$ $$";
	static const char f3[] = "CREATE TRIGGER check_rows AFTER INSERT ON t EXECUTE FUNCTION check_rows()";
	static const char view[] = "CREATE OR REPLACE VIEW v AS SELECT count(*) FROM t";

	(void)state;
	assert_true(strata_sql_defines_routine(f1, sizeof(f1) - 1, "check_rows", 10));
	assert_true(strata_sql_defines_routine(f1, sizeof(f1) - 1, "CHECK_ROWS", 10));
	assert_false(strata_sql_defines_routine(f1, sizeof(f1) - 1, "check_row", 9));
	assert_false(strata_sql_defines_routine(f1, sizeof(f1) - 1, "public", 6));
	assert_true(strata_sql_defines_routine(f2, sizeof(f2) - 1, "Move", 4));
	assert_false(strata_sql_defines_routine(f2, sizeof(f2) - 1, "move", 4));
	assert_false(strata_sql_defines_routine(f3, sizeof(f3) - 1, "check_rows", 10));
	assert_false(strata_sql_defines_routine("SELECT 1", 8, "f", 1));
	assert_false(strata_sql_defines_routine(view, sizeof(view) - 1, "count", 5));
	assert_false(strata_sql_defines_routine(view, sizeof(view) - 1, "v", 1));
}

static void test_open_tx(void **state)
{
	static const char closed[] = "PRAGMA foreign_keys=OFF;\nBEGIN;\nCREATE TABLE t (a);\nCOMMIT;\nPRAGMA foreign_keys=ON;\n";
	static const char open[] = "BEGIN;\nCOMMIT;\n\nBEGIN IMMEDIATE;\nCREATE TABLE t (a);\n";
	static const char chain[] = "BEGIN;\nCOMMIT AND CHAIN;\nSELECT 1;\n";
	struct strata_split sp = { 0 };
	struct strata_err err = { 0 };

	(void)state;
	assert_int_equal(strata_sql_split(closed, sizeof(closed) - 1, STRATA_DIALECT_SQLITE, &sp, &err), 0);
	assert_int_equal(strata_split_open_tx(&sp), 0);
	assert_int_equal(strata_sql_split(open, sizeof(open) - 1, STRATA_DIALECT_SQLITE, &sp, &err), 0);
	assert_int_equal(strata_split_open_tx(&sp), 4);
	/* COMMIT AND CHAIN ends one transaction and starts the next */
	assert_int_equal(strata_sql_split(chain, sizeof(chain) - 1, STRATA_DIALECT_POSTGRES, &sp, &err), 0);
	assert_int_equal(strata_split_open_tx(&sp), 2);
	strata_split_release(&sp);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_texts_whole),
		cmocka_unit_test(test_zeroed_and_null),
		cmocka_unit_test(test_copy_is_deep),
		cmocka_unit_test(test_dollar_body),
		cmocka_unit_test(test_defines_routine),
		cmocka_unit_test(test_open_tx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
