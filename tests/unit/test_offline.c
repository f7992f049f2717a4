/*
 * test_offline.c - offline scripts through the public API: a database
 * opened with strata_db_open_offline() is never created or read, writes the
 * script of up, down and goto from request.from alone (log rows "ok (offline
 * script)"), and refuses every other use with STRATA_EUSAGE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tmpdb.h"

/* Three migrations, and app.db's target opened offline (the file is not created). */
static void setup_offline(struct tmpdb *t)
{
	char url[400];

	tmpdb_init(t);
	tmpdb_file(t, "000001_a.up.sql", "CREATE TABLE a (x INTEGER);\n");
	tmpdb_file(t, "000001_a.down.sql", "DROP TABLE a;\n");
	tmpdb_file(t, "000002_b.up.sql", "CREATE TABLE b (x INTEGER);\n");
	tmpdb_file(t, "000002_b.down.sql", "DROP TABLE b;\n");
	tmpdb_file(t, "000003_c.up.sql", "CREATE TABLE c (x INTEGER);\n");
	tmpdb_file(t, "000003_c.down.sql", "DROP TABLE c;\n");
	tmpdb_load(t);
	snprintf(url, sizeof(url), "sqlite:%s/app.db", t->dir);
	assert_int_equal(strata_target_parse(url, &t->target, &t->err), 0);
	assert_int_equal(strata_db_open_offline(t->target, &t->opts, &t->db, &t->err), 0);
}

static int app_db_exists(const struct tmpdb *t)
{
	char path[400];
	struct stat st;

	snprintf(path, sizeof(path), "%s/app.db", t->dir);
	return stat(path, &st) == 0;
}

static int script_of(struct tmpdb *t, enum strata_action action, long count, const char *from, const char *target,
		     char **script)
{
	struct strata_request req;

	memset(&req, 0, sizeof(req));
	req.action = action;
	req.count = count;
	req.script = script;
	req.offline = 1;
	if (from) {
		assert_int_equal(strata_version_parse(from, strlen(from), &req.from), 0);
		req.from_set = 1;
	}
	if (target) {
		assert_int_equal(strata_version_parse(target, strlen(target), &req.target), 0);
		req.target_set = 1;
	}
	strata_err_release(&t->err);
	return strata_run(t->db, t->src, &req, NULL, &t->err);
}

static void test_offline_up_and_down(void **state)
{
	struct tmpdb t;
	char *script = NULL;
	const char *b, *c;

	(void)state;
	setup_offline(&t);
	/* nothing applied: every migration, each recorded with the offline result */
	assert_int_equal(script_of(&t, STRATA_UP, 0, NULL, NULL, &script), 0);
	assert_non_null(strstr(script, "CREATE TABLE a (x INTEGER);"));
	assert_non_null(strstr(script, "CREATE TABLE c (x INTEGER);"));
	assert_non_null(strstr(script, "'ok (offline script)'"));
	assert_null(strstr(script, "'ok')"));
	free(script);
	/* from 000001: only the rest */
	assert_int_equal(script_of(&t, STRATA_UP, 0, "000001", NULL, &script), 0);
	assert_null(strstr(script, "CREATE TABLE a"));
	assert_non_null(strstr(script, "CREATE TABLE b"));
	assert_non_null(strstr(script, "taken to be at 000001"));
	free(script);
	/* down 2 from 000003: c's down, then b's, each with its DELETE */
	assert_int_equal(script_of(&t, STRATA_DOWN, 2, "000003", NULL, &script), 0);
	c = strstr(script, "DROP TABLE c;");
	b = strstr(script, "DROP TABLE b;");
	assert_non_null(c);
	assert_non_null(b);
	assert_true(c < b);
	assert_null(strstr(script, "DROP TABLE a;"));
	assert_non_null(strstr(script, "DELETE FROM \"strata_migrations\" WHERE version = 3;"));
	free(script);
	/* goto 000001 from 000003 rolls back two as well */
	assert_int_equal(script_of(&t, STRATA_GOTO, 0, "000003", "000001", &script), 0);
	assert_non_null(strstr(script, "DROP TABLE b;"));
	assert_null(strstr(script, "DROP TABLE a;"));
	free(script);
	assert_int_equal(app_db_exists(&t), 0);
	tmpdb_free(&t);
}

static void test_offline_refusals(void **state)
{
	struct tmpdb t;
	struct strata_status *st = NULL;
	struct strata_request req;
	char *script = NULL;

	(void)state;
	setup_offline(&t);
	/* a version no migration has */
	assert_int_equal(script_of(&t, STRATA_UP, 0, "000009", NULL, &script), STRATA_EUSAGE);
	assert_int_equal(t.err.reason, STRATA_R_NO_VERSION);
	assert_null(script);
	/* an offline database is not read, nor run on */
	assert_int_equal(strata_status_get(t.db, t.src, &st, &t.err), STRATA_EUSAGE);
	assert_null(st);
	assert_non_null(strstr(t.err.message, "was opened offline"));
	strata_err_release(&t.err);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, NULL), STRATA_EUSAGE);
	assert_non_null(strstr(t.err.message, "was opened offline"));
	/* offline asks for a script */
	memset(&req, 0, sizeof(req));
	req.action = STRATA_UP;
	req.offline = 1;
	strata_err_release(&t.err);
	assert_int_equal(strata_run(t.db, t.src, &req, NULL, &t.err), STRATA_EUSAGE);
	assert_int_equal(app_db_exists(&t), 0);
	tmpdb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offline_up_and_down),
		cmocka_unit_test(test_offline_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
