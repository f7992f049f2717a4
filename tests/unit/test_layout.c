/*
 * test_layout.c - unit tests of the tools' own layouts (src/layout*.c):
 * Prisma Migrate and Drizzle Kit directories loaded as their tools read
 * them, Prisma's checksum rules, Drizzle's wrapped files, the provider
 * check, and create's journal entry. Each test builds its directory under
 * $TMPDIR; the last ones load the real corpora in STRATA_CORPUS_DIR.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"
#include "split.h"
#include "driver.h"
#include "layout.h"

#ifndef STRATA_SOURCE_DIR
#error "the build must define STRATA_SOURCE_DIR (the repository root)"
#endif
#ifndef STRATA_CORPUS_DIR
#define STRATA_CORPUS_DIR STRATA_SOURCE_DIR "/../shared/corpus"
#endif

#define assert_contains(hay, needle)                                                 \
	do {                                                                         \
		const char *h_ = (hay), *n_ = (needle);                              \
		if (!h_ || !strstr(h_, n_))                                          \
			fail_msg("expected \"%s\" in:\n%s", n_, h_ ? h_ : "(null)"); \
	} while (0)

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup_dir(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char *d;

	if (asprintf(&d, "%s/strata-layout-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0 || !mkdtemp(d))
		return -1;
	*state = d;
	return 0;
}

static int teardown_dir(void **state)
{
	nftw(*state, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(*state);
	return 0;
}

static void put(const char *dir, const char *rel, const char *text)
{
	char p[4096], *slash;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	for (slash = strchr(p + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(p, 0777);
		*slash = '/';
	}
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char journal2[] = "{\n  \"version\": \"7\",\n  \"dialect\": \"postgresql\",\n  \"entries\": [\n"
			       "    {\n      \"idx\": 0,\n      \"version\": \"7\",\n      \"when\": 1700000000000,\n"
			       "      \"tag\": \"0000_init\",\n      \"breakpoints\": true\n    },\n"
			       "    {\n      \"idx\": 1,\n      \"version\": \"7\",\n      \"when\": 1700000000001,\n"
			       "      \"tag\": \"0001_more\",\n      \"breakpoints\": true\n    }\n  ]\n}\n";

static void test_drizzle_load(void **state)
{
	const char *d = *state;
	struct strata_source *src = NULL;
	struct strata_err err = { 0 };
	char hex[65];

	put(d, "meta/_journal.json", journal2);
	put(d, "0000_init.sql", "CREATE TABLE a (id int)\n--> statement-breakpoint\nCREATE TABLE b (id int);");
	put(d, "0001_more.sql", "ALTER TABLE a ADD x int;");
	put(d, "0002_stray.sql", "DROP TABLE a;");
	put(d, "meta/0000_snapshot.json", "{}");
	assert_int_equal(strata_source_load(d, &src, &err), 0);
	assert_int_equal(src->layout, STRATA_LAYOUT_DRIZZLE);
	assert_string_equal(src->provider, "postgresql");
	assert_int_equal(src->n, 2);
	assert_string_equal(src->m[0].vtext, "0000");
	assert_string_equal(src->m[0].name, "init");
	assert_string_equal(src->m[0].tool_name, "0000_init");
	assert_int_equal(src->m[1].journal_idx, 1);
	assert_true(src->m[1].journal_when == 1700000000001LL);
	assert_true(src->m[0].journal_breakpoints);
	/* the piece without its ';' gets one just before the marker, so that no line moves */
	assert_string_equal(src->m[0].up, "CREATE TABLE a (id int)\n;--> statement-breakpoint\nCREATE TABLE b (id int);");
	/* the hash is of the file as written */
	{
		static const char f0[] = "CREATE TABLE a (id int)\n--> statement-breakpoint\nCREATE TABLE b (id int);";

		strata_sha256_hex(f0, sizeof(f0) - 1, hex);
	}
	assert_string_equal(src->m[0].tool_sum, hex);
	assert_int_equal(src->nwarnings, 1);
	assert_contains(src->warnings[0], "0002_stray.sql: meta/_journal.json has no entry for it");
	strata_source_free(src);
}

static void test_drizzle_entry_without_file(void **state)
{
	const char *d = *state;
	struct strata_source *src = NULL;
	struct strata_err err = { 0 };

	put(d, "meta/_journal.json", journal2);
	put(d, "0000_init.sql", "CREATE TABLE a (id int);");
	assert_int_equal(strata_source_load(d, &src, &err), STRATA_ESOURCE);
	assert_contains(err.message, "meta/_journal.json: entry 1 (tag 0001_more) has no file");
	strata_err_release(&err);
	put(d, "meta/_journal.json", "{ \"entries\": [ ");
	assert_int_equal(strata_source_load(d, &src, &err), STRATA_ESOURCE);
	assert_contains(err.message, "meta/_journal.json:1: is not valid JSON");
	strata_err_release(&err);
}

static void test_prisma_load(void **state)
{
	const char *d = *state;
	struct strata_source *src = NULL;
	struct strata_err err = { 0 };

	put(d, "migration_lock.toml", "# Please do not edit\n# comment\nprovider = \"postgresql\"\n");
	put(d, "20240102000000_b/migration.sql", "SELECT 2;\r\n");
	put(d, "20240101000000_a/migration.sql", "SELECT 1;\n");
	put(d, "20240101000000_a/down.sql", "SELECT -1;\n");
	put(d, "README.md", "# notes\n");
	assert_int_equal(strata_source_load(d, &src, &err), 0);
	assert_int_equal(src->layout, STRATA_LAYOUT_PRISMA);
	assert_string_equal(src->provider, "postgresql");
	assert_contains(src->provider_file, "migration_lock.toml");
	assert_int_equal(src->n, 2);
	assert_string_equal(src->m[0].tool_name, "20240101000000_a");
	assert_string_equal(src->m[0].name, "a");
	assert_string_equal(src->m[0].up_file, "20240101000000_a/migration.sql");
	assert_string_equal(src->m[0].down, "SELECT -1;\n");
	assert_null(src->m[1].down);
	/* Prisma's checksum: as written, with the line endings turned, and unpadded */
	assert_true(strata_prisma_checksum_matches(src->m[1].tool_sum, &src->m[1]));
	{
		char lf[65], crlf[65];

		strata_sha256_hex("SELECT 2;\n", 10, lf);
		assert_true(strata_prisma_checksum_matches(lf, &src->m[1]));
		strata_sha256_hex("SELECT 1;\r\n", 11, crlf);
		assert_true(strata_prisma_checksum_matches(crlf, &src->m[0]));
		assert_false(strata_prisma_checksum_matches(lf, &src->m[0]));
	}
	strata_source_free(src);
}

static void test_prisma_unpadded_checksum(void **state)
{
	struct strata_migration m;
	char hex[65], old[65];
	size_t i, k = 0;
	int found = 0;
	char text[32];

	(void)state;
	/* a text whose digest has a byte below 0x10, which old Prisma wrote as one hex digit */
	for (i = 0; i < 1000 && !found; i++) {
		snprintf(text, sizeof(text), "SELECT %zu;", i);
		strata_sha256_hex(text, strlen(text), hex);
		for (k = 0; k < 64; k += 2)
			found |= hex[k] == '0';
	}
	assert_true(found);
	memset(&m, 0, sizeof(m));
	memcpy(m.tool_sum, hex, 65);
	for (i = 0, k = 0; i < 64; i += 2) {
		if (hex[i] != '0')
			old[k++] = hex[i];
		old[k++] = hex[i + 1];
	}
	old[k] = '\0';
	assert_true(strlen(old) < 64);
	assert_true(strata_prisma_checksum_matches(old, &m));
	old[0] = old[0] == 'a' ? 'b' : 'a';
	assert_false(strata_prisma_checksum_matches(old, &m));
}

static void test_prisma_mixed_and_unversioned(void **state)
{
	const char *d = *state;
	struct strata_source *src = NULL;
	struct strata_err err = { 0 };

	put(d, "migration_lock.toml", "provider = \"sqlite\"\n");
	put(d, "20240101000000_a/migration.sql", "SELECT 1;\n");
	put(d, "init/migration.sql", "SELECT 0;\n");
	put(d, "20240101000000_b/migration.sql", "SELECT 2;\n");
	put(d, "001_stray.sql", "SELECT 3;\n");
	assert_int_equal(strata_source_load(d, &src, &err), STRATA_ESOURCE);
	assert_contains(err.message, "001_stray.sql: is a .sql file beside Prisma Migrate's migration directories");
	assert_contains(err.message, "init: is a Prisma migration directory whose name does not start with digits");
	assert_contains(err.message, "20240101000000_b: duplicate version 20240101000000");
	strata_err_release(&err);
}

static void test_wrapped(void **state)
{
	static const char wrapped[] = "COMMIT TRANSACTION;\nPRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
				      "CREATE TABLE t (id int);\nCOMMIT TRANSACTION;\nPRAGMA foreign_keys=ON;\n"
				      "BEGIN TRANSACTION;\n";
	static const char open_only[] = "CREATE TABLE t (id int);\nBEGIN TRANSACTION;\n";
	struct strata_split sp = { 0 };
	struct strata_migration m;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.layout = STRATA_LAYOUT_DRIZZLE;
	assert_int_equal(strata_sql_split(wrapped, strlen(wrapped), STRATA_DIALECT_SQLITE, &sp, NULL), 0);
	assert_int_equal(strata_drizzle_wrapped(&m, &sp), 1);
	m.layout = STRATA_LAYOUT_PLAIN; /* only Drizzle's files are written for a runner's transaction */
	assert_int_equal(strata_drizzle_wrapped(&m, &sp), 0);
	m.layout = STRATA_LAYOUT_DRIZZLE;
	assert_int_equal(strata_sql_split(open_only, strlen(open_only), STRATA_DIALECT_SQLITE, &sp, NULL), 0);
	assert_int_equal(strata_drizzle_wrapped(&m, &sp), 0);
	strata_split_release(&sp);
}

static void test_provider(void **state)
{
	struct strata_source src;
	struct strata_err err = { 0 };
	const struct strata_driver *drv = strata_driver_load(STRATA_ENGINE_SQLITE, NULL);

	(void)state;
	assert_non_null(drv);
	memset(&src, 0, sizeof(src));
	assert_int_equal(strata_layout_check_provider(&src, drv, &err), 0);
	src.provider = "sqlite";
	src.provider_file = "migrations/migration_lock.toml";
	assert_int_equal(strata_layout_check_provider(&src, drv, &err), 0);
	src.provider = "postgresql";
	assert_int_equal(strata_layout_check_provider(&src, drv, &err), STRATA_EUSAGE);
	assert_contains(err.message, "migrations/migration_lock.toml says these migrations are written for postgresql, "
				     "but the database is sqlite");
	strata_err_release(&err);
}

static void test_drizzle_create(void **state)
{
	const char *d = *state;
	struct strata_source *src = NULL;
	struct strata_err err = { 0 };
	char path[4096], want[4096];

	put(d, "meta/_journal.json", journal2);
	put(d, "0000_init.sql", "CREATE TABLE a (id int);");
	put(d, "0001_more.sql", "ALTER TABLE a ADD x int;");
	/* a clock behind the last entry: the new one is still newer, or drizzle-orm would skip it */
	assert_int_equal(strata_drizzle_create(d, "add_posts", 5, path, sizeof(path), &err), 0);
	snprintf(want, sizeof(want), "%s/0002_add_posts.sql", d);
	assert_string_equal(path, want);
	assert_int_equal(strata_source_load(d, &src, &err), 0);
	assert_int_equal(src->n, 3);
	assert_string_equal(src->m[2].tool_name, "0002_add_posts");
	assert_int_equal(src->m[2].journal_idx, 2);
	assert_true(src->m[2].journal_when == 1700000000002LL);
	assert_int_equal(src->nwarnings, 0);
	strata_source_free(src);
}

static void test_corpora(void **state)
{
	struct strata_source *src = NULL;
	struct strata_err err = { 0 };
	size_t i, wrapped = 0;

	(void)state;
	if (access(STRATA_CORPUS_DIR "/pg-documenso-prisma/migrations", R_OK) != 0)
		skip();
	assert_int_equal(strata_source_load(STRATA_CORPUS_DIR "/pg-documenso-prisma/migrations", &src, &err), 0);
	assert_int_equal(src->n, 163);
	assert_int_equal(src->layout, STRATA_LAYOUT_PRISMA);
	assert_string_equal(src->m[0].tool_name, "20230404095503_initial_migration");
	assert_string_equal(src->m[162].vtext, "20260622120000");
	strata_source_free(src);
	assert_int_equal(strata_source_load(STRATA_CORPUS_DIR "/sqlite-homarr-drizzle/migrations", &src, &err), 0);
	assert_int_equal(src->n, 42);
	assert_string_equal(src->provider, "sqlite");
	for (i = 0; i < src->n; i++) {
		struct strata_split sp = { 0 };

		assert_int_equal(strata_sql_split(src->m[i].up, src->m[i].up_len, STRATA_DIALECT_SQLITE, &sp, NULL), 0);
		wrapped += strata_drizzle_wrapped(&src->m[i], &sp) > 0;
		strata_split_release(&sp);
	}
	assert_int_equal(wrapped, 5); /* 0001, 0006, 0023, 0025, 0030 */
	strata_source_free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_drizzle_load, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_drizzle_entry_without_file, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_prisma_load, setup_dir, teardown_dir),
		cmocka_unit_test(test_prisma_unpadded_checksum),
		cmocka_unit_test_setup_teardown(test_prisma_mixed_and_unversioned, setup_dir, teardown_dir),
		cmocka_unit_test(test_wrapped),
		cmocka_unit_test(test_provider),
		cmocka_unit_test_setup_teardown(test_drizzle_create, setup_dir, teardown_dir),
		cmocka_unit_test(test_corpora),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
