/*
 * test_target.c - database URLs: engine detection, what the driver gets,
 * golang-migrate's x-* parameters, and password redaction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

static struct strata_target *parse_ok(const char *url)
{
	struct strata_target *t = NULL;
	struct strata_err err = { 0 };

	strata_err_release(&err);
	assert_int_equal(strata_target_parse(url, &t, &err), 0);
	assert_non_null(t);
	return t;
}

static void test_sqlite_spellings(void **state)
{
	static const struct {
		const char *url, *path;
	} cases[] = {
		{ "sqlite:data/app.db", "data/app.db" },
		{ "sqlite3://data/app.db", "data/app.db" },
		{ "sqlite3:///abs/app.db", "/abs/app.db" },
		{ "sqlite://x.sqlite", "x.sqlite" },
		{ "sqlite3:rel.db", "rel.db" },
		{ "app.db", "app.db" },
		{ "/var/lib/x.sqlite", "/var/lib/x.sqlite" },
		{ "y.sqlite3", "y.sqlite3" },
		{ "sqlite:app.db?_journal=WAL", "app.db" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strata_target *t = parse_ok(cases[i].url);

		assert_int_equal(t->engine, STRATA_ENGINE_SQLITE);
		assert_string_equal(t->conninfo, cases[i].path);
		assert_string_equal(t->display, cases[i].url);
		assert_int_equal(t->password_hidden, 0);
		strata_target_free(t);
	}
}

static void test_postgres_spellings(void **state)
{
	struct strata_target *t;

	(void)state;
	t = parse_ok("postgres://app@db:5432/app?sslmode=disable");
	assert_int_equal(t->engine, STRATA_ENGINE_POSTGRES);
	assert_string_equal(t->conninfo, "postgres://app@db:5432/app?sslmode=disable");
	strata_target_free(t);

	t = parse_ok("postgresql:///app");
	assert_int_equal(t->engine, STRATA_ENGINE_POSTGRES);
	strata_target_free(t);

	t = parse_ok("host=localhost dbname=app user=me");
	assert_int_equal(t->engine, STRATA_ENGINE_POSTGRES);
	assert_string_equal(t->conninfo, "host=localhost dbname=app user=me");
	strata_target_free(t);
}

static void test_x_params(void **state)
{
	struct strata_target *t;

	(void)state;
	t = parse_ok("postgres://u@h/db?sslmode=disable&x-migrations-table=my_migrations&x-multi-statement=true");
	assert_string_equal(t->conninfo, "postgres://u@h/db?sslmode=disable");
	assert_string_equal(t->table, "my_migrations");
	strata_target_free(t);

	t = parse_ok("postgres://u@h/db?x-migrations-table=m");
	assert_string_equal(t->conninfo, "postgres://u@h/db");
	assert_string_equal(t->table, "m");
	strata_target_free(t);

	t = parse_ok("sqlite3://a.db?x-migrations-table=t");
	assert_string_equal(t->conninfo, "a.db");
	assert_string_equal(t->table, "t");
	strata_target_free(t);
}

static void test_redaction(void **state)
{
	static const struct {
		const char *url, *shown;
	} cases[] = {
		{ "postgres://app:s3cret@db/app", "postgres://app@db/app" },
		{ "postgresql://app:p%40ss@db:5432/app?sslmode=require", "postgresql://app@db:5432/app?sslmode=require" },
		{ "postgres://app@db/app?password=s3cret&sslmode=disable",
		  "postgres://app@db/app?password=***&sslmode=disable" },
		{ "host=db password=s3cret dbname=app", "host=db password=*** dbname=app" },
		{ "host=db password='s3 cret' dbname=app", "host=db password=*** dbname=app" },
		{ "postgres://app@db/app", "postgres://app@db/app" },
		{ "postgres://app:p?ss@db/app", "postgres://app@db/app" },
		{ "host=db password=s3cret options=x://y", "host=db password=*** options=x://y" },
		{ "postgres://app:s3cret+tb?e4=@db/app", "postgres://app@db/app" },
		{ "postgres://app:s3cret@[::1/app", "postgres://app@[::1/app" },
		{ "postgres://app@db:5432/app?application_name=a@b", "postgres://app@db:5432/app?application_name=a@b" },
		{ "sqlite:data/user:x@host.db", "sqlite:data/user:x@host.db" },
		{ "data/a:b@c.db", "data/a:b@c.db" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strata_target *t = parse_ok(cases[i].url);
		char *r = strata_redact(cases[i].url);

		assert_string_equal(t->display, cases[i].shown);
		assert_string_equal(r, cases[i].shown);
		assert_null(strstr(t->display, "s3cret"));
		assert_int_equal(t->password_hidden, strcmp(cases[i].url, cases[i].shown) != 0);
		free(r);
		strata_target_free(t);
	}
}

/* Passwords libpq would misread are refused before it sees them, and the message hides them. */
static void test_misread_passwords(void **state)
{
	static const struct {
		const char *url, *why;
	} cases[] = {
		{ "postgres://u:otS33+tb/e4=@h/db", "'/' (write %2F)" },
		{ "postgres://u:s3cret@pw@h/db", "'@' (write %40)" },
		{ "postgresql://u:s3cret%zz@h/db", "a '%' that starts no %XX code (write %25)" },
		{ "postgres://u:s3cret%4@h/db", "a '%' that starts no %XX code (write %25)" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strata_target *t = (struct strata_target *)1;
		struct strata_err err;
		char want[300];

		strata_err_clear(&err);
		assert_int_equal(strata_target_parse(cases[i].url, &t, &err), STRATA_EUSAGE);
		assert_null(t);
		snprintf(want, sizeof(want), "the password in database URL %s holds %s, which libpq would misread",
			 strncmp(cases[i].url, "postgresql", 10) == 0 ? "postgresql://u@h/db" : "postgres://u@h/db",
			 cases[i].why);
		assert_string_equal(err.message, want);
		assert_string_equal(err.hint, "percent-encode the password in the URL, or leave it out and set PGPASSWORD");
		strata_err_release(&err);
	}
}

/* Every spelling of a password is scrubbed from a message, and nothing else. */
static void test_scrub(void **state)
{
	static const struct {
		const char *conninfo, *password, *message, *scrubbed;
	} cases[] = {
		{ "postgres://u:a%2Bb%2Fc%40d@h/db", NULL,
		  "bad a+b/c@d, a%2Bb%2Fc%40d, a%2bb%2fc%40d here", "bad ***, ***, *** here" },
		{ "postgres://u@h/db?sslmode=disable&password=p%3Fw#x", NULL, "x p?w y p%3Fw", "x *** y ***" },
		{ "host=h password='it\\'s secret' dbname=d", NULL, "no: it's secret", "no: ***" },
		{ "host=h password=plain\\ pw dbname=d", NULL, "plain pw or plain\\ pw", "*** or ***" },
		{ NULL, "+/%@:?#=&", "password +/%@:?#=& and %2B%2F%25%40%3A%3F%23%3D%26", "password *** and ***" },
		{ "postgres://u:otS33+tb/e4=@[::1/db", NULL,
		  "end of string reached when looking for matching \"]\" in \"postgres://u:otS33+tb/e4=@[::1/db\"; host otS33+tb",
		  "end of string reached when looking for matching \"]\" in \"postgres://u:***@[::1/db\"; host ***" },
		{ "postgres://u@h/db", NULL, "nothing to hide", "nothing to hide" },
		{ NULL, "***", "a *** b", "a *** b" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strata_err err;

		strata_err_clear(&err);
		strata_err_set(&err, STRATA_EDB, "%s", cases[i].message);
		strata_err_detail(&err, "DETAIL %s", cases[i].message);
		strata_err_scrub(&err, cases[i].conninfo, cases[i].password);
		assert_string_equal(err.message, cases[i].scrubbed);
		assert_string_equal(err.detail + 7, cases[i].scrubbed);
		strata_err_release(&err);
	}
}

static void test_bad_urls(void **state)
{
	static const char *const bad[] = { "mysql://u:pw@h/db", "u:pw@h/db", "app.txt", "", "sqlite:", "http://x" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct strata_target *t = (struct strata_target *)1;
		struct strata_err err = { 0 };

		strata_err_release(&err);
		assert_int_equal(strata_target_parse(bad[i], &t, &err), STRATA_EUSAGE);
		assert_null(t);
		assert_true(err.message[0] != '\0');
		assert_null(strstr(err.message, ":pw@"));
		strata_err_release(&err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlite_spellings),
		cmocka_unit_test(test_postgres_spellings),
		cmocka_unit_test(test_x_params),
		cmocka_unit_test(test_redaction),
		cmocka_unit_test(test_misread_passwords),
		cmocka_unit_test(test_scrub),
		cmocka_unit_test(test_bad_urls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
