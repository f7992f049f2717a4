/*
 * test_reason.c - the reason codes of refusals, through the public API on a
 * real SQLite file: an edited applied migration, an applied one whose file
 * is gone, an out-of-order pending one, and downs that cannot run. Their
 * texts name what would change the outcome by its meaning, never a CLI
 * flag; the CLI's table (src/cli/hints.c, compiled in here) turns them back
 * into exactly the words the command line has always printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util.h"
#include "reason.h"
#include "tmpdb.h"
#include "../../src/cli/hints.c"

static void two_applied(struct tmpdb *t)
{
	tmpdb_init(t);
	tmpdb_file(t, "001_a.up.sql", "CREATE TABLE a (x int);\n");
	tmpdb_file(t, "001_a.down.sql", "DROP TABLE a;\n");
	tmpdb_file(t, "002_b.up.sql", "CREATE TABLE b (x int);\n");
	tmpdb_file(t, "002_b.down.sql", "DROP TABLE b;\n");
	tmpdb_load(t);
	tmpdb_open(t);
	assert_int_equal(tmpdb_run(t, STRATA_UP, NULL), 0);
}

static void test_modified(void **state)
{
	struct tmpdb t;
	struct cli_words w;

	(void)state;
	two_applied(&t);
	tmpdb_file(&t, "001_a.up.sql", "CREATE TABLE a (x int, y int);\n");
	tmpdb_file(&t, "003_c.up.sql", "CREATE TABLE c (x int);\n");
	tmpdb_load(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, NULL), STRATA_EHISTORY);
	assert_int_equal(t.err.reason, STRATA_R_MODIFIED);
	assert_string_equal(strata_reason_name(t.err.reason), "modified");
	assert_string_equal(t.err.file, "001_a.up.sql");
	assert_true(t.err.has_version);
	assert_string_equal(t.err.version.d, "1");
	/* the option by its meaning, for any program ... */
	assert_non_null(strstr(t.err.hint, "allowing modified migrations"));
	assert_null(strstr(t.err.hint, "--"));
	/* ... and by its flag for the command line, as it always read */
	cli_words(&t.err, &w);
	assert_string_equal(w.hint, "restore the applied file; if the change is deliberate and harmless, record it "
				    "with `strata accept 001` (or run once with --allow-modified)");
	assert_string_equal(w.message, t.err.message);
	cli_words_release(&w);
	/* what the option does: the run goes on */
	t.opts.allow_modified = 1;
	tmpdb_open(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, NULL), 0);
	assert_int_equal(t.err.reason, STRATA_R_NONE);
	tmpdb_free(&t);
}

static void test_replaced(void **state)
{
	struct tmpdb t;
	struct cli_words w;

	(void)state;
	two_applied(&t);
	tmpdb_file(&t, "002_b.up.sql", NULL);
	tmpdb_file(&t, "002_b.down.sql", NULL);
	tmpdb_file(&t, "002_other.up.sql", "CREATE TABLE other (x int);\n");
	tmpdb_load(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, NULL), STRATA_EHISTORY);
	assert_int_equal(t.err.reason, STRATA_R_REPLACED);
	assert_null(strstr(t.err.hint, "--"));
	cli_words(&t.err, &w);
	assert_string_equal(w.hint, "check -p/--path and -d/--database; if 002 `other` really replaces `b`, record it "
				    "with `strata accept 002`");
	cli_words_release(&w);
	tmpdb_free(&t);
}

static void test_missing(void **state)
{
	struct tmpdb t;
	size_t applied, pending;

	(void)state;
	two_applied(&t);
	tmpdb_file(&t, "002_b.up.sql", NULL);
	tmpdb_file(&t, "002_b.down.sql", NULL);
	tmpdb_load(&t);
	/* redo needs the file to apply it again */
	assert_int_equal(tmpdb_run(&t, STRATA_REDO, NULL), STRATA_ESOURCE);
	assert_int_equal(t.err.reason, STRATA_R_MISSING);
	assert_non_null(strstr(t.err.message, "its file is gone"));
	tmpdb_counts(&t, &applied, &pending);
	assert_int_equal(applied, 2);
	assert_int_equal(pending, 0);
	tmpdb_free(&t);
}

static void test_missing_down(void **state)
{
	struct tmpdb t;

	(void)state;
	tmpdb_init(&t);
	tmpdb_file(&t, "001_a.up.sql", "CREATE TABLE a (x int);\n");
	tmpdb_load(&t);
	tmpdb_open(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, NULL), 0);
	tmpdb_file(&t, "001_a.up.sql", NULL);
	tmpdb_file(&t, "002_b.up.sql", "CREATE TABLE b (x int);\n");
	tmpdb_load(&t);
	/* its file is gone and no down script was recorded: nothing can roll it back */
	assert_int_equal(tmpdb_run(&t, STRATA_DOWN, NULL), STRATA_EREFUSED);
	assert_int_equal(t.err.reason, STRATA_R_MISSING);
	tmpdb_free(&t);
}

static void test_out_of_order(void **state)
{
	struct tmpdb t;
	struct cli_words w;
	struct strata_run_result res;

	(void)state;
	tmpdb_init(&t);
	tmpdb_file(&t, "001_a.up.sql", "CREATE TABLE a (x int);\n");
	tmpdb_file(&t, "003_c.up.sql", "CREATE TABLE c (x int);\n");
	tmpdb_load(&t);
	tmpdb_open(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, NULL), 0);
	tmpdb_file(&t, "002_b.up.sql", "CREATE TABLE b (x int);\n");
	tmpdb_load(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, NULL), STRATA_EHISTORY);
	assert_int_equal(t.err.reason, STRATA_R_OUT_OF_ORDER);
	assert_string_equal(t.err.file, "002_b.up.sql");
	assert_string_equal(t.err.hint, "two branches added migrations; apply it anyway by allowing out-of-order "
					"migrations");
	cli_words(&t.err, &w);
	assert_string_equal(w.hint, "two branches added migrations; apply it anyway with --allow-out-of-order");
	cli_words_release(&w);
	t.opts.allow_out_of_order = 1;
	tmpdb_open(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, &res), 0);
	assert_int_equal(res.applied, 1);
	tmpdb_free(&t);
}

static void test_no_down_and_irreversible(void **state)
{
	struct tmpdb t;

	(void)state;
	tmpdb_init(&t);
	tmpdb_file(&t, "001_a.up.sql", "CREATE TABLE a (x int);\n");
	tmpdb_file(&t, "002_b.up.sql", "CREATE TABLE b (x int);\n");
	tmpdb_file(&t, "002_b.down.sql", "-- strata:irreversible drops data\nDROP TABLE b;\n");
	tmpdb_load(&t);
	tmpdb_open(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, NULL), 0);
	assert_int_equal(tmpdb_run(&t, STRATA_DOWN, NULL), STRATA_EREFUSED);
	assert_int_equal(t.err.reason, STRATA_R_IRREVERSIBLE);
	tmpdb_file(&t, "002_b.down.sql", "DROP TABLE b;\n");
	tmpdb_load(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_DOWN, NULL), 0);
	assert_int_equal(tmpdb_run(&t, STRATA_DOWN, NULL), STRATA_EREFUSED);
	assert_int_equal(t.err.reason, STRATA_R_NO_DOWN);
	tmpdb_free(&t);
}

static void test_unknown_version(void **state)
{
	struct tmpdb t;
	struct strata_request req;

	(void)state;
	two_applied(&t);
	memset(&req, 0, sizeof(req));
	req.action = STRATA_GOTO;
	assert_int_equal(strata_version_parse("7", 1, &req.target), 0);
	req.target_set = 1;
	strata_err_release(&t.err);
	assert_int_equal(strata_run(t.db, t.src, &req, NULL, &t.err), STRATA_EUSAGE);
	assert_int_equal(t.err.reason, STRATA_R_NO_VERSION);
	tmpdb_free(&t);
}

/* A new message forgets the reason of the one it replaces; a copy keeps it. */
static void test_set_resets(void **state)
{
	struct strata_err err, copy;

	(void)state;
	strata_err_clear(&err);
	strata_err_clear(&copy);
	assert_int_equal(err.reason, STRATA_R_NONE);
	strata_err_setr(&err, STRATA_EHISTORY, STRATA_R_PARTIAL, "x");
	assert_int_equal(err.reason, STRATA_R_PARTIAL);
	strata_err_copy(&copy, &err);
	assert_int_equal(copy.reason, STRATA_R_PARTIAL);
	strata_err_set(&err, STRATA_EDB, "y");
	assert_int_equal(err.reason, STRATA_R_NONE);
	assert_string_equal(strata_reason_name(STRATA_R_OUT_OF_ORDER), "out_of_order");
	assert_string_equal(strata_reason_name((enum strata_reason)999), "unknown");
	strata_err_release(&err);
	strata_err_release(&copy);
}

/* The CLI's table: a phrase with %s carries what it matched; a text without the phrase stays as it is. */
static void test_cli_words(void **state)
{
	struct strata_err err;
	struct cli_words w;

	(void)state;
	strata_err_clear(&err);
	strata_err_setr(&err, STRATA_EUSAGE, STRATA_R_TABLE,
			"the tracking table a.b names a schema, but each schema of a fleet over schemas keeps its own "
			"tracking table: give the table name alone");
	strata_err_hint(&err, "adopt from it, naming my migrations as the table to adopt from and strata_migrations "
			      "as the tracking table, and give every later run the same tracking table (or drop "
			      "x-migrations-table from the URL strata uses)");
	cli_words(&err, &w);
	assert_string_equal(w.message, "--table a.b names a schema, but each schema of a --schemas fleet keeps its own "
				       "tracking table: give the table name alone");
	assert_string_equal(w.hint, "adopt from it with `strata adopt --from my migrations --table strata_migrations`, "
				    "and give every later command the same --table (or drop x-migrations-table from the "
				    "URL strata uses)");
	assert_ptr_equal(w.detail, err.detail);
	cli_words_release(&w);
	/* the same words under another reason are not ours to change */
	err.reason = STRATA_R_MODIFIED;
	cli_words(&err, &w);
	assert_ptr_equal(w.message, err.message);
	assert_ptr_equal(w.hint, err.hint);
	cli_words_release(&w);
	strata_err_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modified),
		cmocka_unit_test(test_replaced),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_missing_down),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_no_down_and_irreversible),
		cmocka_unit_test(test_unknown_version),
		cmocka_unit_test(test_set_resets),
		cmocka_unit_test(test_cli_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
