/*
 * test_config.c - strata.ini parsing and the precedence flags > environment
 * > file, as the CLI layers them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include "strata.h"


static char *write_ini(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	strcpy(path, "/tmp/strata-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static const char *fake_env(const char *name)
{
	if (strcmp(name, "DATABASE_URL") == 0)
		return "postgres://env@h/db";
	if (strcmp(name, "STRATA_PATH") == 0)
		return "env_migrations";
	return NULL;
}

static const char *list_env(const char *name)
{
	return strcmp(name, "STRATA_PATH") == 0 ? "init,migrations" : NULL;
}

static const char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

static void test_file_keys(void **state)
{
	struct strata_config c;
	struct strata_err err = { 0 };
	char *p = write_ini("; comment\n# comment\ndatabase = sqlite:file.db\npath=db/migrations\n"
			    "[strata]\ntable = my_table\nlock_wait = 2m\nsingle_transaction = yes\n"
			    "[other_tool]\nanything = goes\n");

	(void)state;
	strata_config_init(&c);
	strata_err_release(&err);
	assert_int_equal(strata_config_read_file(p, &c, &err), 0);
	assert_string_equal(c.database, "sqlite:file.db");
	assert_int_equal(c.npaths, 1);
	assert_string_equal(c.paths[0], "db/migrations");
	assert_string_equal(c.table, "my_table");
	assert_true(c.lock_wait_set);
	assert_true(c.lock_wait == 120.0);
	assert_int_equal(c.single_transaction, 1);
	assert_int_equal(c.allow_out_of_order, -1);
	strata_config_release(&c);
	unlink(p);
	strata_err_release(&err);
}


static const char *lock_env(const char *name)
{
	if (strcmp(name, "STRATA_LOCK") == 0)
		return "advisory";
	if (strcmp(name, "STRATA_LEASE") == 0)
		return "1m";
	return NULL;
}

/* lock = and lease = in the file, STRATA_LOCK and STRATA_LEASE over them, and the strategy names. */
static void test_lock_and_lease(void **state)
{
	struct strata_config file, env;
	struct strata_err err = { 0 };
	char *p = write_ini("lock = lease\nlease = 5s\n");

	(void)state;
	strata_config_init(&file);
	assert_int_equal(file.lock_strategy, -1);
	assert_int_equal(strata_config_read_file(p, &file, &err), 0);
	assert_int_equal(file.lock_strategy, STRATA_LOCK_LEASE);
	assert_true(file.lease_set && file.lease == 5.0);
	strata_config_init(&env);
	assert_int_equal(strata_config_read_env(&env, lock_env, &err), 0);
	assert_int_equal(env.lock_strategy, STRATA_LOCK_ADVISORY);
	assert_true(env.lease_set && env.lease == 60.0);
	assert_int_equal(strata_config_overlay(&file, &env), 0);
	assert_int_equal(file.lock_strategy, STRATA_LOCK_ADVISORY);
	assert_true(file.lease == 60.0);
	strata_config_release(&file);
	strata_config_release(&env);
	unlink(p);
	p = write_ini("lease = 0\n");
	strata_config_init(&file);
	assert_int_equal(strata_config_read_file(p, &file, &err), STRATA_EUSAGE);
	assert_non_null(strstr(err.message, "bad value \"0\" for lease"));
	strata_config_release(&file);
	strata_err_release(&err);
	unlink(p);
	assert_int_equal(strata_lock_strategy_parse("auto"), STRATA_LOCK_AUTO);
	assert_int_equal(strata_lock_strategy_parse("lease"), STRATA_LOCK_LEASE);
	assert_int_equal(strata_lock_strategy_parse("Lease"), -1);
	assert_int_equal(strata_lock_strategy_parse(NULL), -1);
	assert_string_equal(strata_lock_strategy_name(STRATA_LOCK_ADVISORY), "advisory");
	assert_string_equal(strata_lock_strategy_name(strata_lock_strategy_parse("lease")), "lease");
}

static void test_file_errors(void **state)
{
	struct strata_config c;
	struct strata_err err = { 0 };
	char *p;

	(void)state;
	p = write_ini("database = x.db\n\ntabel = oops\n");
	strata_config_init(&c);
	strata_err_release(&err);
	assert_int_equal(strata_config_read_file(p, &c, &err), STRATA_EUSAGE);
	assert_non_null(strstr(err.message, ":3: unknown setting \"tabel\""));
	assert_int_equal(err.line, 3);
	strata_config_release(&c);
	unlink(p);

	p = write_ini("lock_wait = soon\n");
	strata_config_init(&c);
	assert_int_equal(strata_config_read_file(p, &c, &err), STRATA_EUSAGE);
	assert_non_null(strstr(err.message, ":1: bad value \"soon\" for lock_wait"));
	strata_config_release(&c);
	unlink(p);

	p = write_ini("this is not ini\n");
	strata_config_init(&c);
	assert_int_equal(strata_config_read_file(p, &c, &err), STRATA_EUSAGE);
	assert_non_null(strstr(err.message, ":1:"));
	strata_config_release(&c);
	unlink(p);

	strata_config_init(&c);
	assert_int_equal(strata_config_read_file("/nonexistent/strata.ini", &c, &err), STRATA_EUSAGE);
	assert_non_null(strstr(err.message, "/nonexistent/strata.ini"));
	strata_config_release(&c);
	strata_err_release(&err);
}

/*
 * Several directories: "a, b" in the file and STRATA_PATH, -p repeated; a
 * later layer's list replaces the earlier one whole; an empty name is an error.
 */
static void test_paths(void **state)
{
	struct strata_config c, flags;
	struct strata_err err;
	char *p = write_ini("path = init ,\tdb/migrations\n");

	(void)state;
	strata_config_init(&c);
	strata_err_clear(&err);
	assert_int_equal(strata_config_read_file(p, &c, &err), 0);
	assert_int_equal(c.npaths, 2);
	assert_string_equal(c.paths[0], "init");
	assert_string_equal(c.paths[1], "db/migrations");
	unlink(p);

	/* -p keeps a comma: one directory per flag */
	strata_config_init(&flags);
	assert_int_equal(strata_config_add_path(&flags, "odd,name"), 0);
	assert_int_equal(strata_config_add_path(&flags, "more"), 0);
	assert_int_equal(strata_config_overlay(&c, &flags), 0);
	assert_int_equal(c.npaths, 2);
	assert_string_equal(c.paths[0], "odd,name");
	assert_string_equal(c.paths[1], "more");
	strata_config_release(&flags);
	strata_config_release(&c);

	strata_config_init(&c);
	assert_int_equal(strata_config_read_env(&c, list_env, &err), 0);
	assert_int_equal(c.npaths, 2);
	assert_string_equal(c.paths[0], "init");
	assert_string_equal(c.paths[1], "migrations");
	strata_config_release(&c);

	p = write_ini("database = x.db\npath = a,,b\n");
	strata_config_init(&c);
	assert_int_equal(strata_config_read_file(p, &c, &err), STRATA_EUSAGE);
	assert_non_null(strstr(err.message, ":2: path \"a,,b\": a directory name is missing"));
	assert_int_equal(err.line, 2);
	assert_int_equal(c.npaths, 0);
	strata_config_release(&c);
	unlink(p);
	strata_err_release(&err);
}

/* flags > environment > file, each layer only overriding what it sets */
static void test_precedence(void **state)
{
	struct strata_config merged, env, flags;
	struct strata_err err = { 0 };
	char *p = write_ini("database = sqlite:file.db\npath = file_migrations\ntable = file_table\n");

	(void)state;
	strata_config_init(&merged);
	strata_config_init(&env);
	strata_config_init(&flags);
	assert_int_equal(strata_config_read_file(p, &merged, &err), 0);
	assert_int_equal(strata_config_read_env(&env, fake_env, &err), 0);
	assert_int_equal(strata_config_add_path(&flags, "flag_migrations"), 0);
	flags.allow_out_of_order = 1;
	assert_int_equal(strata_config_overlay(&merged, &env), 0);
	assert_int_equal(strata_config_overlay(&merged, &flags), 0);
	assert_string_equal(merged.database, "postgres://env@h/db"); /* env beats file */
	assert_int_equal(merged.npaths, 1);
	assert_string_equal(merged.paths[0], "flag_migrations");     /* flag beats env */
	assert_string_equal(merged.table, "file_table");             /* only the file set it */
	assert_int_equal(merged.allow_out_of_order, 1);
	assert_int_equal(merged.single_transaction, -1);
	strata_config_release(&merged);
	strata_config_release(&env);
	strata_config_release(&flags);

	/* no environment: the file stands */
	strata_config_init(&merged);
	strata_config_init(&env);
	assert_int_equal(strata_config_read_file(p, &merged, &err), 0);
	assert_int_equal(strata_config_read_env(&env, no_env, &err), 0);
	assert_int_equal(strata_config_overlay(&merged, &env), 0);
	assert_string_equal(merged.database, "sqlite:file.db");
	strata_config_release(&merged);
	strata_config_release(&env);
	unlink(p);
	strata_err_release(&err);
}

static void test_durations(void **state)
{
	double s;

	(void)state;
	assert_int_equal(strata_parse_duration("30", &s), 0);
	assert_true(s == 30);
	assert_int_equal(strata_parse_duration("1.5s", &s), 0);
	assert_true(s == 1.5);
	assert_int_equal(strata_parse_duration("500ms", &s), 0);
	assert_true(s == 0.5);
	assert_int_equal(strata_parse_duration("2m", &s), 0);
	assert_true(s == 120);
	assert_int_equal(strata_parse_duration("1h", &s), 0);
	assert_true(s == 3600);
	assert_int_equal(strata_parse_duration("forever", &s), 0);
	assert_true(s < 0);
	assert_int_equal(strata_parse_duration("-5", &s), -1);
	assert_int_equal(strata_parse_duration("abc", &s), -1);
	assert_int_equal(strata_parse_duration("5 days", &s), -1);
	assert_int_equal(strata_parse_duration("nan", &s), -1);
	assert_int_equal(strata_parse_duration("inf", &s), -1);
	assert_int_equal(strata_parse_duration("1e999", &s), -1);
	assert_int_equal(strata_parse_duration("0x10", &s), -1);
	assert_int_equal(strata_parse_bool("Yes"), 1);
	assert_int_equal(strata_parse_bool("off"), 0);
	assert_int_equal(strata_parse_bool("maybe"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_keys),
		cmocka_unit_test(test_lock_and_lease),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_durations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
