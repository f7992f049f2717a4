/*
 * test_driver_mysql.c - what the MySQL driver decides without a server: the
 * targets it takes (its URL forms, golang-migrate's tcp(host:port), x-*
 * parameters, refusals that show no password), the SQL of its dialect
 * (backtick quoting, literals whatever NO_BACKSLASH_ESCAPES says, exact
 * versions, the upsert, timeouts) and the planner's choice on an engine whose
 * DDL commits implicitly: DML alone in one transaction, DDL through the
 * journal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "util.h"
#include "driver.h"
#include "registry.h"
#include "split.h"
#include "plan.h"
#include "version_int.h"

static const struct strata_driver *mysql(void)
{
	const struct strata_driver *d;
	size_t i = 0;

	while ((d = strata_driver_next(&i)) != NULL)
		if (strcmp(d->name, "mysql") == 0)
			return d;
	fail_msg("no mysql driver");
	return NULL;
}

static void test_targets(void **state)
{
	static const char *const good[] = {
		"mysql://u:pw@h:3306/app",
		"mariadb://u@h/app",
		"mysql://u:pw@tcp(127.0.0.1:3307)/app?x-migrations-table=gm",
		"mysql://u:p%40w@[::1]:3306/app?tls=skip-verify&foreign_key_checks=0",
		"MYSQL://u@/app?socket=/run/mysqld/mysqld.sock",
		"mysql://u@unix(/run/mysqld/mysqld.sock)/app",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct strata_target *t = NULL;
		struct strata_err err = {0};

		strata_err_release(&err);
		assert_int_equal(strata_target_parse(good[i], &t, &err), 0);
		assert_ptr_equal(strata_driver_load(t->engine, NULL), mysql());
		assert_null(strstr(t->display, "pw"));
		assert_null(strstr(t->conninfo, "x-migrations-table"));
		if (i == 2)
			assert_string_equal(t->table, "gm");
		strata_target_free(t);
		strata_err_release(&err);
	}
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"mysql://u:pw@h:99999/app",        /* port */
		"mysql://u:pw@h/app/more",         /* a '/' in the database */
		"mysql://u:pw@tcp(h:1/app",        /* no ')' */
		"mysql://u:p%zzw@h/app",           /* %zz */
		"mysql://u:pw@h/app?ssl-mode=maybe",
		"mysql://u:pw@h/app?connect_timeout=soon",
		"mysql://u:pw@h/app?a%20b=1",      /* no variable's name */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct strata_target *t = (struct strata_target *)1;
		struct strata_err err = {0};

		strata_err_release(&err);
		assert_int_equal(strata_target_parse(bad[i], &t, &err), STRATA_EUSAGE);
		assert_null(t);
		assert_non_null(strstr(err.message, "database URL mysql://u@"));
		assert_null(strstr(err.message, ":pw"));
		assert_null(strstr(err.message, "zz"));
		strata_err_release(&err);
	}
}

static void test_dialect(void **state)
{
	const struct strata_dialect_ops *sql = mysql()->sql;
	static const char *const cols[] = {"state", "statements_done", NULL};
	struct strata_version v;
	struct strata_buf b;

	(void)state;
	strata_buf_init(&b);
	sql->quote_ident(&b, "we`ird");
	assert_string_equal(b.buf, "`we``ird`");
	strata_buf_reset(&b);
	sql->quote_literal(&b, "it's", 4);
	assert_string_equal(b.buf, "'it''s'");
	strata_buf_reset(&b);
	/* a backslash means one thing or another as sql_mode says: written as CHAR(92) */
	sql->quote_literal(&b, "a\\b", 3);
	assert_string_equal(b.buf, "CONCAT('a', CHAR(92 USING utf8mb4), 'b')");
	strata_buf_reset(&b);
	sql->version_param(&b, 2);
	assert_string_equal(b.buf, "CAST($2 AS DECIMAL(65,0))");
	strata_buf_reset(&b);
	assert_int_equal(strata_version_parse("20261201120000123456789", 23, &v), 0);
	sql->version_literal(&b, &v);
	assert_string_equal(b.buf, "CAST('20261201120000123456789' AS DECIMAL(65,0))");
	strata_buf_reset(&b);
	sql->upsert(&b, "version", cols);
	assert_string_equal(b.buf, " ON DUPLICATE KEY UPDATE state = VALUES(state), statements_done = VALUES(statements_done)");
	strata_buf_reset(&b);
	sql->statement_timeout(&b, 1500, 1);
	assert_string_equal(b.buf, "SET @strata_timeout = 1500 /*M!, max_statement_time = 1.500 */");
	strata_buf_reset(&b);
	sql->tracking_ddl(&b, NULL, "strata_migrations", "`strata_migrations`");
	assert_non_null(strstr(b.buf, "version DECIMAL(65,0) NOT NULL PRIMARY KEY"));
	assert_non_null(strstr(b.buf, "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));
	strata_buf_release(&b);
	assert_int_equal(mysql()->caps & STRATA_CAP_TRANSACTIONAL_DDL, 0);
	assert_true(mysql()->caps & STRATA_CAP_ADVISORY_LOCK);
	assert_non_null(mysql()->statement_landed);
}

/* Does the planner journal this script on MySQL? */
static int journaled(const char *script, unsigned caps)
{
	struct strata_status_row row;
	struct strata_directives dv;
	struct strata_step s;
	struct strata_err err = {0};
	enum strata_strategy st;

	memset(&row, 0, sizeof(row));
	memset(&dv, 0, sizeof(dv));
	memset(&s, 0, sizeof(s));
	s.row = &row;
	s.dv = &dv;
	s.script = script;
	s.len = strlen(script);
	strata_err_release(&err);
	assert_int_equal(strata_sql_split(script, s.len, STRATA_DIALECT_MYSQL, &s.sp, &err), 0);
	st = strata_strategy_choose(&s, 0, caps);
	strata_split_release(&s.sp);
	strata_err_release(&err);
	return st == STRATA_STRATEGY_JOURNAL;
}

static void test_strategy(void **state)
{
	unsigned caps = mysql()->caps;

	(void)state;
	assert_false(journaled("INSERT INTO a VALUES (1);\nUPDATE a SET b = 2;\nDELETE FROM c;", caps));
	assert_true(journaled("INSERT INTO a VALUES (1);\nCREATE TABLE b (id INT);", caps));
	assert_true(journaled("ALTER TABLE a ADD COLUMN b INT;", caps));
	/* where DDL is transactional, nothing commits implicitly */
	assert_false(journaled("CREATE TABLE b (id INT);", caps | STRATA_CAP_TRANSACTIONAL_DDL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_dialect),
		cmocka_unit_test(test_strategy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
