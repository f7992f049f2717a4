/*
 * test_durations.c - unit tests of recorded durations: strata_history_ms
 * (ms to the microsecond, as the tables keep them), what each dialect says
 * about the duration column (PostgreSQL's retype of an integer column,
 * SQLite's INTEGER column keeping fractions as they are), and end to end on
 * an SQLite file that the duration an up reports in its event is exactly the
 * one strata_status_get and strata_log_get read back.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "split.h"
#include "driver.h"
#include "history.h"
#include "tmpdb.h"

extern const struct strata_driver strata_driver_sqlite;

static void test_rounding(void **state)
{
	(void)state;
	assert_true(strata_history_ms(0.4124) == 0.412);
	assert_true(strata_history_ms(0.4126) == 0.413);
	assert_true(strata_history_ms(0.0004) == 0.0);
	assert_true(strata_history_ms(12.0) == 12.0);
	assert_true(strata_history_ms(12345.6789) == 12345.679);
	assert_true(strata_history_ms(-3) == 0.0);
	assert_true(strata_history_ms(NAN) == 0.0);
	/* what is recorded reads back as the same double (the text is "%.3f") */
	{
		char t[32];
		double ms = strata_history_ms(0.44951);

		snprintf(t, sizeof(t), "%.3f", ms);
		assert_string_equal(t, "0.450");
		assert_true(strtod(t, NULL) == ms);
	}
}

static void test_dialects(void **state)
{
	const struct strata_driver *pg;
	struct strata_err err;
	struct strata_buf b;

	(void)state;
	/* SQLite: nothing to retype */
	assert_null(strata_driver_sqlite.sql->retype_duration);
	assert_null(strata_driver_sqlite.sql->legacy_duration_types[0]);
	strata_err_clear(&err);
	pg = strata_driver_load(STRATA_ENGINE_POSTGRES, &err);
	if (!pg) {
		strata_err_release(&err);
		skip();
	}
	assert_string_equal(pg->sql->legacy_duration_types[0], "bigint");
	assert_null(pg->sql->legacy_duration_types[1]);
	strata_buf_init(&b);
	pg->sql->retype_duration(&b, "\"s\".\"t\"");
	assert_string_equal(b.buf, "ALTER TABLE \"s\".\"t\" ALTER COLUMN duration_ms TYPE numeric;\n");
	strata_buf_reset(&b);
	pg->sql->tracking_ddl(&b, NULL, "t", "\"t\"");
	assert_non_null(strstr(b.buf, "duration_ms numeric NOT NULL"));
	strata_buf_reset(&b);
	pg->sql->log_ddl(&b, "\"l\"");
	assert_non_null(strstr(b.buf, "duration_ms numeric NOT NULL"));
	strata_buf_release(&b);
	/* the server's timing, to the microsecond */
	assert_non_null(strstr(pg->sql->elapsed_ms, "::numeric, 3)"));
	/* the one-round-trip batch says what it recorded */
	assert_non_null(pg->exec_value);
}

struct seen {
	double ms[8];
	int n;
};

static void on_event(void *ud, const struct strata_event *ev)
{
	struct seen *s = ud;

	if (ev->kind == STRATA_EV_MIG_DONE && s->n < 8)
		s->ms[s->n++] = ev->mig.ms;
}

static void test_reported_is_recorded(void **state)
{
	struct strata_status *st;
	struct strata_log_row *log;
	struct strata_rows *r;
	struct seen seen = { { 0 }, 0 };
	struct tmpdb t;
	size_t n, i;
	int fractions = 0;

	(void)state;
	tmpdb_init(&t);
	tmpdb_file(&t, "1_a.up.sql", "CREATE TABLE a (x int);\n");
	tmpdb_file(&t, "2_b.up.sql", "CREATE TABLE b (x int);\n");
	tmpdb_file(&t, "3_c.up.sql", "CREATE TABLE c (x int);\n");
	tmpdb_load(&t);
	t.opts.on_event = on_event;
	t.opts.ud = &seen;
	tmpdb_open(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, NULL), 0);
	assert_int_equal(seen.n, 3);
	assert_int_equal(strata_status_get(t.db, t.src, &st, &t.err), 0);
	assert_int_equal(st->n, 3);
	for (i = 0; i < 3; i++) {
		assert_true(st->rows[i].duration_ms == seen.ms[i]);
		assert_true(seen.ms[i] == strata_history_ms(seen.ms[i]));
		fractions += seen.ms[i] != floor(seen.ms[i]);
	}
	strata_status_free(st);
	assert_true(fractions >= 1);
	assert_int_equal(strata_log_get(t.db, &log, &n, &t.err), 0);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++)
		assert_true(log[i].duration_ms == seen.ms[i]);
	strata_log_free(log, n);
	strata_db_close(t.db);
	t.db = NULL;
	/* on the file: fractions kept as REAL in the INTEGER column */
	{
		struct strata_target tg;
		struct strata_conn *c;
		char path[600];

		memset(&tg, 0, sizeof(tg));
		snprintf(path, sizeof(path), "%s/app.db", t.dir);
		tg.engine = STRATA_ENGINE_SQLITE;
		tg.conninfo = path;
		tg.display = path;
		assert_int_equal(strata_driver_sqlite.connect(&tg, &t.opts, &c, &t.err), 0);
		assert_int_equal(strata_driver_sqlite.query(c, "SELECT count(*) FROM strata_migrations WHERE "
							       "typeof(duration_ms) = 'real'", 0, NULL, &r, &t.err), 0);
		assert_true(atoi(strata_rows_get(r, 0, 0)) >= 1);
		strata_rows_free(r);
		strata_driver_sqlite.close(c);
	}
	tmpdb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_dialects),
		cmocka_unit_test(test_reported_is_recorded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
