/*
 * test_target.c - database URLs: engine detection, what the driver gets,
 * golang-migrate's x-* parameters, and password redaction; each driver's own
 * schemes, forms and redaction, the registry's ABI check, and where a file
 * database's path lies (fleet globs).
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
#include "driver.h"
#include "registry.h"
#include "url.h"

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
	static const char *const bad[] = { "oracle://u:pw@h/db", "mysql://u:pw@h/a/b", "u:pw@h/db", "app.txt", "", "sqlite:", "http://x" };
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

/* The registered driver called `name`. */
static const struct strata_driver *driver_named(const char *name)
{
	const struct strata_driver *d;
	size_t i = 0;

	while ((d = strata_driver_next(&i)) != NULL)
		if (strcmp(d->name, name) == 0)
			return d;
	fail_msg("no driver %s", name);
	return NULL;
}

/* Every scheme a driver declares leads to it, and to no other; each has the URL methods. */
static void test_driver_schemes(void **state)
{
	const struct strata_driver *d, *got;
	size_t i = 0, k, n = 0;

	(void)state;
	while ((d = strata_driver_next(&i)) != NULL) {
		n++;
		assert_int_equal(d->abi, STRATA_DRIVER_ABI);
		assert_non_null(d->url_schemes);
		assert_non_null(d->url_forms);
		assert_non_null(d->url_forms[0]);
		assert_non_null(d->url_parse);
		assert_non_null(d->url_redact);
		for (k = 0; d->url_schemes[k]; k++) {
			char url[128], upper[128];
			size_t j;

			snprintf(url, sizeof(url), "%sh/x.db", d->url_schemes[k]);
			assert_int_equal(strata_driver_for_url(url, &got, NULL), 0);
			assert_ptr_equal(got, d);
			assert_string_equal(strata_driver_scheme(d, url), d->url_schemes[k]);
			/* schemes are compared without case */
			for (j = 0; url[j]; j++)
				upper[j] = (char)(url[j] >= 'a' && url[j] <= 'z' ? url[j] - 32 : url[j]);
			upper[j] = '\0';
			assert_int_equal(strata_driver_for_url(upper, &got, NULL), 0);
			assert_ptr_equal(got, d);
		}
	}
	assert_int_equal(n, 3);
	/* strings without a scheme go to the driver that guesses them */
	assert_int_equal(strata_driver_for_url("data/app.sqlite3", &got, NULL), 0);
	assert_ptr_equal(got, driver_named("sqlite"));
	assert_int_equal(strata_driver_for_url("host=h dbname=app.db", &got, NULL), 0);
	assert_ptr_equal(got, driver_named("postgres"));
	assert_int_equal(strata_driver_for_url("sqlite:a=b", &got, NULL), 0);
	assert_ptr_equal(got, driver_named("sqlite"));
	assert_int_equal(strata_driver_for_url("postgres:app.db", &got, NULL), 0);
	assert_ptr_equal(got, driver_named("sqlite"));
	assert_int_equal(strata_driver_for_url("mysql://u@h/db", &got, NULL), 0);
	assert_ptr_equal(got, driver_named("mysql"));
	assert_int_equal(strata_driver_for_url("oracle://u@h/db", &got, NULL), 0);
	assert_null(got);
	assert_int_equal(strata_driver_for_url("app.txt", &got, NULL), 0);
	assert_null(got);
}

/* Each driver's redaction: its own spellings, and what it leaves alone. */
static void test_driver_redaction(void **state)
{
	const struct strata_driver *pg = driver_named("postgres"), *sq = driver_named("sqlite");
	char *r;
	int hidden;

	(void)state;
	r = pg->url_redact("postgresql://u:s3cr%2Ft@h:5432/db?password=x&sslmode=require", &hidden);
	assert_string_equal(r, "postgresql://u@h:5432/db?password=***&sslmode=require");
	assert_true(hidden);
	free(r);
	r = pg->url_redact("host=h password='a b\\'c' dbname=d", &hidden);
	assert_string_equal(r, "host=h password=*** dbname=d");
	assert_true(hidden);
	free(r);
	r = pg->url_redact("postgres://u@h/db", &hidden);
	assert_string_equal(r, "postgres://u@h/db");
	assert_false(hidden);
	free(r);
	/* sqlite:PATH: an '@' and a ':' in a file name are not credentials */
	r = sq->url_redact("sqlite:data/user:x@host.db", &hidden);
	assert_string_equal(r, "sqlite:data/user:x@host.db");
	assert_false(hidden);
	free(r);
	r = sq->url_redact("sqlite3://u:pw@h/x.db", &hidden);
	assert_string_equal(r, "sqlite3://u@h/x.db");
	assert_true(hidden);
	free(r);
	/* the driver's redaction is what a target shows */
	{
		struct strata_target *t = parse_ok("postgres://u:pw@h/db?x-migrations-table=m");

		assert_string_equal(t->display, "postgres://u@h/db?x-migrations-table=m");
		assert_int_equal(t->engine, pg->engine);
		strata_target_free(t);
	}
}

/* A driver built for another struct strata_driver is refused, by name. */
static void test_driver_abi(void **state)
{
	struct strata_driver other;
	struct strata_err err = { 0 };

	(void)state;
	memset(&other, 0, sizeof(other));
	other.abi = STRATA_DRIVER_ABI + 1;
	other.name = "mysql";
	strata_err_release(&err);
	assert_int_equal(strata_driver_check(&other, &err), STRATA_EUSAGE);
	assert_non_null(strstr(err.message, "the mysql driver was built for driver interface"));
	assert_non_null(strstr(err.hint, "rebuild"));
	strata_err_release(&err);
	assert_int_equal(strata_driver_check(driver_named("sqlite"), NULL), 0);
	/* the engines of the registered drivers are all found */
	assert_ptr_equal(strata_driver_load(driver_named("sqlite")->engine, NULL), driver_named("sqlite"));
	assert_ptr_equal(strata_driver_load(driver_named("postgres")->engine, NULL), driver_named("postgres"));
}

/* The unknown-database message lists every driver's forms. */
static void test_unknown_lists_forms(void **state)
{
	struct strata_target *t = NULL;
	struct strata_err err = { 0 };

	(void)state;
	strata_err_release(&err);
	assert_int_equal(strata_target_parse("oracle://u:pw@h/db", &t, &err), STRATA_EUSAGE);
	assert_string_equal(err.message, "unknown database \"oracle://u@h/db\": use postgres://..., a libpq "
					 "\"key=value\" string, sqlite:PATH, a file ending in .db, .sqlite or .sqlite3, "
					 "mysql://user:pass@host:port/db, or mariadb://...");
	strata_err_release(&err);
}

/* Where a file database's path lies in its URL, and the scheme that makes a target of another path. */
static void test_target_file(void **state)
{
	const char *p, *scheme = NULL;
	size_t n = 0;

	(void)state;
	p = strata_target_file("sqlite:dir/*.db?x-migrations-table=t", &n, &scheme);
	assert_non_null(p);
	assert_int_equal(n, strlen("dir/*.db"));
	assert_memory_equal(p, "dir/*.db", n);
	assert_string_equal(p + n, "?x-migrations-table=t");
	assert_string_equal(scheme, "sqlite:");
	/* a '?' followed by no key=value is a glob's */
	p = strata_target_file("sqlite3://t?.db", &n, &scheme);
	assert_non_null(p);
	assert_string_equal(p, "t?.db");
	assert_int_equal(n, 5);
	p = strata_target_file("tenants/*.sqlite", &n, &scheme);
	assert_non_null(p);
	assert_int_equal(n, strlen("tenants/*.sqlite"));
	assert_null(strata_target_file("postgres://u@h/db", &n, &scheme));
	assert_null(strata_target_file("host=h dbname=d", &n, &scheme));
	assert_null(strata_target_file("app.txt", &n, &scheme));
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
		cmocka_unit_test(test_driver_schemes),
		cmocka_unit_test(test_driver_redaction),
		cmocka_unit_test(test_driver_abi),
		cmocka_unit_test(test_unknown_lists_forms),
		cmocka_unit_test(test_target_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
