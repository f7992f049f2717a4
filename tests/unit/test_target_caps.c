/*
 * test_target_caps.c - asking what a target's engine does without naming
 * engines (src/target_caps.c): features, and reading scripts as the target
 * would, or as the strictest engine would when no target is known.
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


static char dir[64];

static void write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct strata_source *load(void)
{
	const char *dirs[] = { dir };
	struct strata_source *src = NULL;
	struct strata_err err;

	strata_err_clear(&err);
	assert_int_equal(strata_source_load_dirs(dirs, 1, 0, &src, &err), 0);
	return src;
}

static struct strata_target *target(const char *url)
{
	struct strata_target *t = NULL;
	struct strata_err err;

	strata_err_clear(&err);
	assert_int_equal(strata_target_parse(url, &t, &err), 0);
	return t;
}

static void test_features(void **state)
{
	struct strata_target *t = target("sqlite:x.db");

	(void)state;
	assert_int_equal(strata_target_supports(NULL, STRATA_FEATURE_SESSION_TIMEOUTS), 0);
	/* SQLite has no session lock_timeout / statement_timeout (--lock-wait bounds its waits) */
	assert_int_equal(strata_target_supports(t, STRATA_FEATURE_SESSION_TIMEOUTS), 0);
	strata_target_free(t);
}

static void test_check_as_the_target_reads(void **state)
{
	struct strata_target *t = target("sqlite:x.db");
	struct strata_source *src;
	struct strata_err err;
	char why[256];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/strata-caps-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	/* a dollar quote that never ends: PostgreSQL's reading refuses it, SQLite's does not know $$ */
	write_file("000001_a.up.sql", "SELECT $$abc;\n");
	write_file("000001_a.down.sql", "-- nothing to undo\n");
	src = load();
	strata_err_clear(&err);
	assert_int_equal(strata_source_check_target(src, t, &err), 0);
	strata_err_clear(&err);
	assert_int_equal(strata_source_check_target(src, NULL, &err), STRATA_ESOURCE);
	assert_non_null(strstr(err.message, "dollar"));
	strata_err_release(&err);
	assert_int_equal(strata_down_kind_target(&src->m[0], t, why, sizeof(why)), STRATA_DOWN_EMPTY);
	assert_int_equal(strata_down_kind_target(&src->m[0], NULL, why, sizeof(why)), STRATA_DOWN_EMPTY);
	strata_source_free(src);
	strata_target_free(t);
	assert_int_equal(remove(strcat(strcpy(why, dir), "/000001_a.up.sql")), 0);
	assert_int_equal(remove(strcat(strcpy(why, dir), "/000001_a.down.sql")), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_check_as_the_target_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
