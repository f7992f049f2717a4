/*
 * test_source.c - unit tests of src/source.c: reading a migration directory.
 *
 * Each test builds its own directory under $TMPDIR (mkdtemp) with the files
 * of one layout or one mistake, loads it and asserts on what a user would
 * see: versions, names, order, scripts and their lines, checksums, warnings
 * and the error text. The last tests load the real corpora in
 * STRATA_CORPUS_DIR (crates.io as Diesel left it and renamed into pairs,
 * vaultwarden) and time 10,000 generated migrations.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"
#include "names.h"

#ifndef STRATA_SOURCE_DIR
#error "the build must define STRATA_SOURCE_DIR (the repository root)"
#endif
#ifndef STRATA_CORPUS_DIR
#define STRATA_CORPUS_DIR STRATA_SOURCE_DIR "/../shared/corpus"
#endif

/* ---------------------------------------------------------------- helpers */

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
	chmod(path, 0700);
	return remove(path);
}

static int setup_dir(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char *d;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (asprintf(&d, "%s/strata_source_XXXXXX", tmp) < 0)
		return -1;
	if (!mkdtemp(d)) {
		free(d);
		return -1;
	}
	*state = d;
	return 0;
}

static int teardown_dir(void **state)
{
	char *d = *state;

	nftw(d, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(d);
	return 0;
}

static char *path_of(const char *dir, const char *rel)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
	return p;
}

static void put_n(const char *dir, const char *rel, const char *data, size_t len)
{
	char *p = path_of(dir, rel);
	FILE *f = fopen(p, "wb");

	if (!f)
		fail_msg("cannot create %s: %s", p, strerror(errno));
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(p);
}

static void put(const char *dir, const char *rel, const char *text)
{
	put_n(dir, rel, text, strlen(text));
}

static void mkd(const char *dir, const char *rel)
{
	char *p = path_of(dir, rel);

	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
}

static struct strata_source *load_ok(const char *dir)
{
	struct strata_source *src = (void *)1;
	struct strata_err err = { 0 };
	int rc;

	memset(&err, 0, sizeof(err));
	rc = strata_source_load(dir, &src, &err);
	if (rc != 0)
		fail_msg("loading %s failed (%d): %s", dir, rc, err.message);
	assert_non_null(src);
	return src;
}

static void load_fail(const char *dir, struct strata_err *err)
{
	struct strata_source *src = (void *)1;
	int rc;

	strata_err_release(err); /* the caller's err is zeroed or holds an earlier error */
	rc = strata_source_load(dir, &src, err);
	if (rc == 0)
		fail_msg("loading %s succeeded, expected an error", dir);
	assert_int_equal(rc, STRATA_ESOURCE);
	assert_int_equal(err->code, STRATA_ESOURCE);
	assert_null(src);
}

/* err->file must be dir/rel. */
static void assert_err_file(const struct strata_err *err, const char *dir, const char *rel)
{
	char *p = path_of(dir, rel);

	assert_string_equal(err->file, p);
	free(p);
}

static size_t count_lines(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* strata_source_find by a number. */
static long find(const struct strata_source *src, unsigned long long n)
{
	struct strata_version v;
	char digits[24];

	snprintf(digits, sizeof(digits), "%llu", n);
	assert_int_equal(strata_version_parse(digits, strlen(digits), &v), 0);
	return strata_source_find(src, &v);
}

/* ---------------------------------------------------------------- names */

struct name_case {
	const char *name;
	int is_dir;
	int rc;
	enum strata_name_kind kind;
	const char *version; /* expected version, no leading zeros */
	const char *title; /* expected name part (NULL: do not check) */
	const char *vtext; /* expected version as written (NULL: do not check) */
};

static const struct name_case name_cases[] = {
	{ "000001_create_users.up.sql", 0, 0, STRATA_NAME_UP, "1", "create_users", "000001" },
	{ "000001_create_users.down.sql", 0, 0, STRATA_NAME_DOWN, "1", "create_users", "000001" },
	{ "1.up.sql", 0, 0, STRATA_NAME_UP, "1", "", "1" },
	{ "1.down.sql", 0, 0, STRATA_NAME_DOWN, "1", "", "1" },
	{ "001.sql", 0, 0, STRATA_NAME_SINGLE, "1", "", "001" },
	{ "001_.up.sql", 0, 0, STRATA_NAME_UP, "1", "", "001" },
	{ "20240101120000_add users.sql", 0, 0, STRATA_NAME_SINGLE, "20240101120000", "add users",
	  "20240101120000" },
	{ "0001_2018-01-14-171611_create_tables.up.sql", 0, 0, STRATA_NAME_UP, "1",
	  "2018-01-14-171611_create_tables", "0001" },
	{ "001_x.v2.sql", 0, 0, STRATA_NAME_SINGLE, "1", "x.v2", "001" },
	{ "001_x.up.down.sql", 0, 0, STRATA_NAME_DOWN, "1", "x.up", "001" },
	{ "18446744073709551615_max.sql", 0, 0, STRATA_NAME_SINGLE, "18446744073709551615", "max",
	  "18446744073709551615" },
	{ "000000000000000000000001_x.up.sql", 0, 0, STRATA_NAME_UP, "1", "x", "000000000000000000000001" },
	{ "18446744073709551616_x.sql", 0, 0, STRATA_NAME_SINGLE, "18446744073709551616", "x", NULL },
	{ "20210410175418000001_pop.up.sql", 0, 0, STRATA_NAME_UP, "20210410175418000001", "pop", NULL },
	{ "000123456789012345678901234567890_long.sql", 0, 0, STRATA_NAME_SINGLE, "123456789012345678901234567890",
	  "long", "000123456789012345678901234567890" },
	{ "0003-add.sql", 0, 0, STRATA_NAME_SINGLE, "3", "add", "0003" },
	{ "00000000000000-initial-schema.sql", 0, 0, STRATA_NAME_SINGLE, "0", "initial-schema", "00000000000000" },
	{ "0003-add-things.up.sql", 0, 0, STRATA_NAME_UP, "3", "add-things", "0003" },
	{ "0003-drop_things.down.sql", 0, 0, STRATA_NAME_DOWN, "3", "drop_things", "0003" },
	{ "30_x..up.sql", 0, 0, STRATA_NAME_UP, "30", "x.", "30" },
	{ "30_..up.sql", 0, 0, STRATA_NAME_UP, "30", ".", "30" },
	{ "2024-02-12_x.sql", 0, STRATA_NAME_EBAD, 0, NULL, NULL, NULL },
	{ "00001_create_users.go", 0, 0, STRATA_NAME_GO, "1", "create_users", "00001" },
	{ "20240101120000_seed.go", 0, 0, STRATA_NAME_GO, "20240101120000", "seed", "20240101120000" },
	{ "00001-create_users.go", 0, 0, STRATA_NAME_IGNORE, "0", NULL, NULL },
	{ "00001.go", 0, 0, STRATA_NAME_IGNORE, "0", NULL, NULL },
	{ "main.go", 0, 0, STRATA_NAME_IGNORE, "0", NULL, NULL },
	{ "00001_x.GO", 0, 0, STRATA_NAME_IGNORE, "0", NULL, NULL },
	{ "12abc.sql", 0, STRATA_NAME_EBAD, 0, NULL, NULL, NULL },
	{ "1.x.sql", 0, STRATA_NAME_EBAD, 0, NULL, NULL, NULL },
	{ "001up.sql", 0, STRATA_NAME_EBAD, 0, NULL, NULL, NULL },
	{ "001_x.UP.sql", 0, STRATA_NAME_EBAD, 0, NULL, NULL, NULL },
	{ "001_x.Down.sql", 0, STRATA_NAME_EBAD, 0, NULL, NULL, NULL },
	{ "001_x.SQL", 0, STRATA_NAME_EBAD, 0, NULL, NULL, NULL },
	{ "001_x\n.sql", 0, STRATA_NAME_EBAD, 0, NULL, NULL, NULL },
	{ "2024-02-12-120203_x.sql", 0, STRATA_NAME_EBAD, 0, NULL, NULL, NULL },
	{ "README.md", 0, 0, STRATA_NAME_IGNORE, "0", NULL, NULL },
	{ "README.SQL", 0, 0, STRATA_NAME_UNVERSIONED, "0", NULL, NULL },
	{ "data_oauth_github.sql", 0, 0, STRATA_NAME_UNVERSIONED, "0", NULL, NULL },
	{ "up.sql", 0, 0, STRATA_NAME_UNVERSIONED, "0", NULL, NULL },
	{ "-1_x.sql", 0, 0, STRATA_NAME_UNVERSIONED, "0", NULL, NULL },
	{ ".hidden.sql", 0, 0, STRATA_NAME_IGNORE, "0", NULL, NULL },
	{ ".gitkeep", 0, 0, STRATA_NAME_IGNORE, "0", NULL, NULL },
	{ "001_x.sql.bak", 0, 0, STRATA_NAME_IGNORE, "0", NULL, NULL },
	{ "0001_x.metadata.toml", 0, 0, STRATA_NAME_IGNORE, "0", NULL, NULL },
	{ "", 0, 0, STRATA_NAME_IGNORE, "0", NULL, NULL },
	{ "..", 1, 0, STRATA_NAME_IGNORE, "0", NULL, NULL },
	{ "2024-02-12-120203_x", 1, 0, STRATA_NAME_DIESEL, "20240212120203", "x", "20240212120203" },
	{ "2025-11-19-091444-0000_y", 1, 0, STRATA_NAME_DIESEL, "202511190914440000", "y",
	  "202511190914440000" },
	{ "00000000000000_diesel_initial_setup", 1, 0, STRATA_NAME_DIESEL, "0", "diesel_initial_setup",
	  "00000000000000" },
	{ "2019-11-15-182353_Add email notifications to crate owners", 1, 0, STRATA_NAME_DIESEL,
	  "20191115182353", "Add email notifications to crate owners", "20191115182353" },
	{ "001", 1, 0, STRATA_NAME_DIESEL, "1", "", "001" },
	{ "notes", 1, 0, STRATA_NAME_IGNORE, "0", NULL, NULL },
	{ ".git", 1, 0, STRATA_NAME_IGNORE, "0", NULL, NULL },
	{ "001_x.up.sql", 1, STRATA_NAME_EBAD, 0, NULL, NULL, NULL },
	{ "2024--02_x", 1, STRATA_NAME_EBAD, 0, NULL, NULL, NULL },
	{ "2024-_x", 1, STRATA_NAME_EBAD, 0, NULL, NULL, NULL },
	{ "12abc", 1, STRATA_NAME_EBAD, 0, NULL, NULL, NULL },
	{ "99999999999999999999_x", 1, 0, STRATA_NAME_DIESEL, "99999999999999999999", "x", NULL },
	{ "9999-9999-9999-9999-9999_y", 1, 0, STRATA_NAME_DIESEL, "99999999999999999999", "y", NULL },
	/* goose's Go migrations: ^(\d+)_.*\.go$, test files aside */
	{ "00002_backfill_names.go", 0, 0, STRATA_NAME_GO, "2", "backfill_names", "00002" },
	{ "20240101120000_x.y.go", 0, 0, STRATA_NAME_GO, "20240101120000", "x.y", "20240101120000" },
	{ "00002_backfill_names_test.go", 0, 0, STRATA_NAME_IGNORE, "0", NULL, NULL },
	{ "migrations.go", 0, 0, STRATA_NAME_IGNORE, "0", NULL, NULL },
	{ "001_x.GO", 0, 0, STRATA_NAME_IGNORE, "0", NULL, NULL },
};

static void test_parse_name(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct name_case *c = &name_cases[i];
		struct strata_name pn;
		int rc = strata_source_parse_name(c->name, c->is_dir, &pn);
		char digits[64];
		size_t k, n = 0;

		if (rc != c->rc)
			fail_msg("%s (dir %d): rc %d, expected %d (%s)", c->name, c->is_dir, rc, c->rc,
				 pn.why ? pn.why : "");
		if (rc < 0) {
			assert_non_null(pn.why);
			continue;
		}
		if (pn.kind != c->kind)
			fail_msg("%s: kind %d, expected %d", c->name, pn.kind, c->kind);
		if (c->kind < STRATA_NAME_UP)
			continue;
		assert_string_equal(pn.version.d, c->version);
		if (c->title) {
			assert_int_equal(pn.name_len, strlen(c->title));
			assert_memory_equal(c->name + pn.name_off, c->title, pn.name_len);
		}
		for (k = 0; k < pn.ver_len; k++)
			if (c->name[pn.ver_off + k] != '-')
				digits[n++] = c->name[pn.ver_off + k];
		digits[n] = '\0';
		assert_int_equal(n, pn.ndigits);
		if (c->vtext)
			assert_string_equal(digits, c->vtext);
	}
}

/* ---------------------------------------------------------------- layouts */

static void test_pairs(void **state)
{
	const char *d = *state;
	struct strata_source *src;
	struct strata_migration *m;

	put(d, "000001_create_users.up.sql", "CREATE TABLE users (id int);\n");
	put(d, "000001_create_users.down.sql", "DROP TABLE users;\n");
	put(d, "000002_add_email.up.sql", "ALTER TABLE users ADD email text;\n");
	put(d, "10_ten.up.sql", "SELECT 10;\n");
	put(d, "000003.up.sql", "SELECT 3;\n");
	put(d, "000003.down.sql", "SELECT -3;\n");
	src = load_ok(d);
	assert_int_equal(src->n, 4);
	assert_int_equal(src->nwarnings, 0);
	assert_string_equal(src->dir, d);

	m = &src->m[0];
	assert_string_equal(m->version.d, "1");
	assert_string_equal(m->vtext, "000001");
	assert_string_equal(m->name, "create_users");
	assert_int_equal(m->layout, STRATA_LAYOUT_PAIR);
	assert_string_equal(m->up_file, "000001_create_users.up.sql");
	assert_string_equal(m->down_file, "000001_create_users.down.sql");
	assert_string_equal(m->up, "CREATE TABLE users (id int);\n");
	assert_int_equal(m->up_len, strlen(m->up));
	assert_string_equal(m->down, "DROP TABLE users;\n");
	assert_int_equal(m->up_line, 1);
	assert_int_equal(m->down_line, 1);
	assert_int_equal(m->no_transaction, 0);
	assert_string_equal(m->sortkey, "00000000000000000001");

	m = &src->m[1];
	assert_string_equal(m->version.d, "2");
	assert_null(m->down);
	assert_null(m->down_file);
	assert_int_equal(m->down_line, 0);

	m = &src->m[2];
	assert_string_equal(m->version.d, "3");
	assert_string_equal(m->name, "");
	assert_string_equal(m->down, "SELECT -3;\n");

	m = &src->m[3]; /* 10 after 3: numeric, not by name */
	assert_string_equal(m->version.d, "10");
	assert_string_equal(m->vtext, "10");

	assert_int_equal(src->width, 6);
	assert_int_equal(src->timestamps, 0);
	strata_source_free(src);
}

static void test_timestamps_and_widths(void **state)
{
	const char *d = *state;
	struct strata_source *src;

	put(d, "20240101120000_b.up.sql", "b");
	put(d, "3_a.up.sql", "a");
	put(d, "20231231235959_c.up.sql", "c");
	put(d, "0042_d.up.sql", "d");
	src = load_ok(d);
	assert_int_equal(src->n, 4);
	assert_string_equal(src->m[0].version.d, "3");
	assert_string_equal(src->m[1].version.d, "42");
	assert_string_equal(src->m[2].version.d, "20231231235959");
	assert_string_equal(src->m[3].version.d, "20240101120000");
	assert_int_equal(src->width, 4); /* widest non-timestamp version */
	assert_int_equal(src->timestamps, 1);
	strata_source_free(src);
}

static void test_dbmate(void **state)
{
	const char *d = *state;
	struct strata_source *src;
	struct strata_migration *m;

	put(d, "20240101120000_add_users.sql",
	    "-- a comment before the marker\n"
	    "\n"
	    "-- migrate:up\n"
	    "CREATE TABLE users (id int);\n"
	    "\n"
	    "-- migrate:down\n"
	    "DROP TABLE users;\n");
	put(d, "20240102120000_concurrently.sql",
	    "  -- migrate:up transaction:false\n"
	    "CREATE INDEX CONCURRENTLY i ON users (id);\n"
	    "--migrate:down   transaction:false\n"
	    "DROP INDEX CONCURRENTLY i;\n");
	put(d, "20240103120000_up_only.sql", "-- migrate:up\nSELECT 1;\n");
	put(d, "20240104120000_other_option.sql",
	    "-- migrate:up foo:bar transaction:true\nSELECT 1;\n-- migrate:down\n");
	put(d, "20240105120000_upgrade_comment.sql", "-- migrate:upgrade is not a marker\nSELECT 5;\n");
	src = load_ok(d);
	assert_int_equal(src->n, 5);

	m = &src->m[0];
	assert_int_equal(m->layout, STRATA_LAYOUT_MARKERS);
	assert_string_equal(m->name, "add_users");
	assert_string_equal(m->up, "CREATE TABLE users (id int);\n\n");
	assert_int_equal(m->up_line, 4);
	assert_string_equal(m->down, "DROP TABLE users;\n");
	assert_int_equal(m->down_line, 7);
	assert_string_equal(m->up_file, "20240101120000_add_users.sql");
	assert_null(m->down_file);
	assert_int_equal(m->no_transaction, 0);

	m = &src->m[1];
	assert_int_equal(m->no_transaction, 1);
	assert_string_equal(m->up, "CREATE INDEX CONCURRENTLY i ON users (id);\n");
	assert_int_equal(m->up_line, 2);
	assert_string_equal(m->down, "DROP INDEX CONCURRENTLY i;\n");
	assert_int_equal(m->down_line, 4);

	m = &src->m[2];
	assert_string_equal(m->up, "SELECT 1;\n");
	assert_null(m->down);
	assert_int_equal(m->down_line, 0);

	m = &src->m[3];
	assert_int_equal(m->no_transaction, 0);
	assert_non_null(m->down);
	assert_string_equal(m->down, "");
	assert_int_equal(m->down_line, 4);

	m = &src->m[4]; /* no marker at all: a plain file */
	assert_int_equal(m->layout, STRATA_LAYOUT_PLAIN);
	assert_string_equal(m->up, "-- migrate:upgrade is not a marker\nSELECT 5;\n");
	strata_source_free(src);
}

static void test_goose(void **state)
{
	const char *d = *state;
	struct strata_source *src;
	struct strata_migration *m;

	put(d, "00001_basics.sql",
	    "-- +goose Up\n"
	    "-- +goose StatementBegin\n"
	    "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;\n"
	    "-- +goose StatementEnd\n"
	    "-- +goose Down\n"
	    "DROP FUNCTION f();\n");
	put(d, "00002_notx.sql",
	    "-- +goose NO TRANSACTION\n"
	    "\n"
	    "--  +GOOSE up\n"
	    "CREATE INDEX CONCURRENTLY i ON t (x);\n"
	    "  -- +goose dOWN  \n"
	    "DROP INDEX CONCURRENTLY i;\n");
	put(d, "00003_up_only.sql", "-- +goose Up\nSELECT 3;");
	src = load_ok(d);
	assert_int_equal(src->n, 3);

	m = &src->m[0];
	assert_int_equal(m->layout, STRATA_LAYOUT_MARKERS);
	assert_string_equal(m->up,
			    "-- +goose StatementBegin\n"
			    "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;\n"
			    "-- +goose StatementEnd\n");
	assert_int_equal(m->up_line, 2);
	assert_string_equal(m->down, "DROP FUNCTION f();\n");
	assert_int_equal(m->down_line, 6);
	assert_int_equal(m->no_transaction, 0);

	m = &src->m[1];
	assert_int_equal(m->no_transaction, 1);
	assert_int_equal(m->up_line, 4);
	assert_string_equal(m->up, "CREATE INDEX CONCURRENTLY i ON t (x);\n");
	assert_int_equal(m->down_line, 6);

	m = &src->m[2];
	assert_string_equal(m->up, "SELECT 3;");
	assert_null(m->down);
	strata_source_free(src);
}

struct marker_error {
	const char *text;
	int line;
	const char *msg;
};

static const struct marker_error marker_errors[] = {
	{ "-- migrate:up\nSELECT 1;\n-- migrate:up\n", 3, "a second up marker (the first is on line 1)" },
	{ "-- migrate:down\nSELECT 1;\n-- migrate:up\n", 1, "a down marker before any up marker" },
	{ "-- migrate:up\n-- migrate:down\n-- migrate:down\n", 3, "a second down marker" },
	{ "-- migrate:up\nSELECT 1;\n-- +goose Down\n", 3,
	  "a goose marker in a file that uses dbmate markers" },
	{ "-- +goose Up\nSELECT 1;\n-- migrate:down\n", 3,
	  "a dbmate marker in a file that uses goose markers" },
	{ "SELECT 1;\n-- +goose Down\nSELECT 2;\n", 2, "a down marker before any up marker" },
	{ "-- +goose NO TRANSACTION\nSELECT 1;\n", 1, "has goose annotations but no up marker" },
	{ "SELECT 0;\n-- migrate:up\nSELECT 1;\n", 1, "SQL before the up marker (line 2) would never run" },
	{ "-- +goose Upp\nSELECT 1;\n", 1, "unknown goose annotation" },
	{ "-- +goose Up\n-- +goose ENVSUB ON\nSELECT '${X}';\n", 2, "ENVSUB ON\" is not supported" },
	{ "-- migrate:UP\nSELECT 1;\n-- migrate:Down\n", 1, "must be written in lower case" },
	{ "-- +goose up\r\nSELECT 1;\r\n-- +goose up\r\n", 3, "a second up marker" },
};

static void test_marker_errors(void **state)
{
	const char *d = *state;
	size_t i;

	for (i = 0; i < sizeof(marker_errors) / sizeof(marker_errors[0]); i++) {
		struct strata_err err = { 0 };
		char sub[32], *dir, *expect;

		snprintf(sub, sizeof(sub), "case%zu", i);
		mkd(d, sub);
		dir = path_of(d, sub);
		put(dir, "001_x.sql", marker_errors[i].text);
		load_fail(dir, &err);
		assert_contains(err.message, marker_errors[i].msg);
		assert_err_file(&err, dir, "001_x.sql");
		assert_int_equal(err.line, marker_errors[i].line);
		assert_true(asprintf(&expect, "%s/001_x.sql:%d: ", dir, marker_errors[i].line) > 0);
		assert_contains(err.message, expect);
		free(expect);
		free(dir);
		strata_err_release(&err);
	}
}

static void test_plain(void **state)
{
	const char *d = *state;
	struct strata_source *src;
	struct strata_migration *m;

	put(d, "001_add_session_permissions.sql", "ALTER TABLE s ADD p int;\n");
	put(d, "001_add_session_permissions.down.sql", "ALTER TABLE s DROP p;\n");
	put(d, "002_empty.sql", "");
	put(d, "003_comments_only.sql", "-- nothing to do\n");
	src = load_ok(d);
	assert_int_equal(src->n, 3);
	m = &src->m[0];
	assert_int_equal(m->layout, STRATA_LAYOUT_PLAIN);
	assert_string_equal(m->name, "add_session_permissions");
	assert_string_equal(m->up, "ALTER TABLE s ADD p int;\n");
	assert_string_equal(m->down, "ALTER TABLE s DROP p;\n");
	assert_string_equal(m->down_file, "001_add_session_permissions.down.sql");
	assert_int_equal(m->up_line, 1);
	m = &src->m[1];
	assert_int_equal(m->up_len, 0);
	assert_string_equal(m->up, "");
	assert_null(m->down);
	/* SHA-256 of the empty string (the old form); the tagged form of nothing */
	assert_string_equal(m->checksum_v0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	{
		char empty[STRATA_CHECKSUM_SIZE];

		strata_checksum_s1("", 0, empty);
		assert_string_equal(m->checksum, empty);
		assert_memory_equal(empty, "s1:", 3);
	}
	assert_int_equal(src->m[2].layout, STRATA_LAYOUT_PLAIN);
	strata_source_free(src);
}

static void test_diesel(void **state)
{
	const char *d = *state;
	struct strata_source *src;
	struct strata_migration *m;

	mkd(d, "00000000000000_diesel_initial_setup");
	put(d, "00000000000000_diesel_initial_setup/up.sql", "-- setup\n");
	put(d, "00000000000000_diesel_initial_setup/down.sql", "-- teardown\n");
	mkd(d, "2024-02-12-120203_remove_unused_index");
	put(d, "2024-02-12-120203_remove_unused_index/up.sql", "DROP INDEX CONCURRENTLY i;\n");
	put(d, "2024-02-12-120203_remove_unused_index/metadata.toml", "run_in_transaction = false\n");
	/* the crates.io ordering case: 14- and 18-digit versions compared as strings */
	mkd(d, "2026-05-27-120000-0000_semver_ord_v2_not_null");
	put(d, "2026-05-27-120000-0000_semver_ord_v2_not_null/up.sql", "SELECT 3;\n");
	mkd(d, "2026-05-27-120000_add_username_to_users");
	put(d, "2026-05-27-120000_add_username_to_users/up.sql", "SELECT 2;\n");
	mkd(d, "2026-05-26-120000-0000_semver_ord_v2");
	put(d, "2026-05-26-120000-0000_semver_ord_v2/up.sql", "SELECT 1;\n");
	mkd(d, "2019-11-15-182353_Add email notifications");
	put(d, "2019-11-15-182353_Add email notifications/up.sql", "SELECT 0;\n");
	put(d, "2019-11-15-182353_Add email notifications/metadata.toml",
	    "# Diesel metadata\n\n  run_in_transaction   =   true   # explicit\n");
	mkd(d, "2020-01-01-000000_quoted_key");
	put(d, "2020-01-01-000000_quoted_key/up.sql", "SELECT 0;\n");
	put(d, "2020-01-01-000000_quoted_key/metadata.toml",
	    "other = [1, 2,\n  3] # multi-line array\ntext = \"\"\"\nrun_in_transaction = true\n\"\"\"\n"
	    "when = 1979-05-27 07:32:00Z\n\"run_in_transaction\" = false\r\n");
	mkd(d, "2020-01-02-000000_in_a_table");
	put(d, "2020-01-02-000000_in_a_table/up.sql", "SELECT 0;\n");
	put(d, "2020-01-02-000000_in_a_table/metadata.toml", "[other]\nrun_in_transaction = false\n");
	put(d, "README.md", "# migrations\n");
	src = load_ok(d);
	assert_int_equal(src->n, 8);

	m = &src->m[0];
	assert_string_equal(m->version.d, "0");
	assert_string_equal(m->vtext, "00000000000000");
	assert_string_equal(m->sortkey, "00000000000000");
	assert_string_equal(m->name, "diesel_initial_setup");
	assert_int_equal(m->layout, STRATA_LAYOUT_DIESEL);
	assert_string_equal(m->up_file, "00000000000000_diesel_initial_setup/up.sql");
	assert_string_equal(m->down_file, "00000000000000_diesel_initial_setup/down.sql");
	assert_string_equal(m->up, "-- setup\n");
	assert_string_equal(m->down, "-- teardown\n");
	assert_int_equal(m->up_line, 1);
	assert_int_equal(m->down_line, 1);

	m = &src->m[1];
	assert_string_equal(m->name, "Add email notifications");
	assert_string_equal(m->version.d, "20191115182353");
	assert_int_equal(m->no_transaction, 0);

	m = &src->m[2];
	assert_string_equal(m->name, "quoted_key");
	assert_int_equal(m->no_transaction, 1);
	assert_string_equal(src->m[3].name, "in_a_table");
	assert_int_equal(src->m[3].no_transaction, 0); /* not a top-level key */

	m = &src->m[4];
	assert_string_equal(m->name, "remove_unused_index");
	assert_string_equal(m->version.d, "20240212120203");
	assert_string_equal(m->vtext, "20240212120203");
	assert_int_equal(m->no_transaction, 1);
	assert_null(m->down);
	assert_null(m->down_file);

	assert_string_equal(src->m[5].name, "semver_ord_v2");
	assert_string_equal(src->m[5].version.d, "202605261200000000");
	assert_string_equal(src->m[5].sortkey, "202605261200000000");
	assert_string_equal(src->m[6].name, "add_username_to_users");
	assert_string_equal(src->m[7].name, "semver_ord_v2_not_null");

	/* find works although sortkey order is not version order here */
	assert_int_equal(find(src, 202605261200000000ull), 5);
	assert_int_equal(find(src, 20260527120000ull), 6);
	assert_int_equal(find(src, 202605271200000000ull), 7);
	assert_int_equal(find(src, 0), 0);
	assert_int_equal(find(src, 12345), -1);
	assert_int_equal(src->nwarnings, 0);
	assert_int_equal(src->timestamps, 1);
	assert_int_equal(src->width, 0);
	strata_source_free(src);
}

static void test_metadata_errors(void **state)
{
	static const struct {
		const char *toml;
		int line;
		const char *msg;
	} cases[] = {
		{ "run_in_transaction = \"false\"\n", 1, "run_in_transaction must be true or false" },
		{ "run_in_transaction = False\n", 1, "run_in_transaction must be true or false" },
		{ "run_in_transaction = falsey\n", 1, "run_in_transaction must be true or false" },
		{ "run_in_transaction = false\n\nrun_in_transaction = false\n", 3,
		  "run_in_transaction is set twice" },
		{ "# ok\nrun_in_transaction false\n", 2, "expected key = value" },
		{ "run_in_transaction = false extra\n", 1, "expected the end of the line" },
		{ "x = \"unterminated\n", 1, "unterminated string" },
		{ "x = [1, 2\n", 2, "value is missing" },
		{ "[table\n", 1, "unterminated table header" },
	};
	const char *d = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strata_err err = { 0 };
		char sub[32], *dir, *expect;

		snprintf(sub, sizeof(sub), "case%zu", i);
		mkd(d, sub);
		dir = path_of(d, sub);
		mkd(dir, "2024-01-01-000000_x");
		put(dir, "2024-01-01-000000_x/up.sql", "SELECT 1;\n");
		put(dir, "2024-01-01-000000_x/metadata.toml", cases[i].toml);
		load_fail(dir, &err);
		assert_contains(err.message, cases[i].msg);
		assert_err_file(&err, dir, "2024-01-01-000000_x/metadata.toml");
		assert_true(asprintf(&expect, "metadata.toml:%d: ", cases[i].line) > 0);
		assert_contains(err.message, expect);
		free(expect);
		free(dir);
		strata_err_release(&err);
	}
}

static void test_ignored_and_warnings(void **state)
{
	const char *d = *state;
	struct strata_source *src;
	char *expect;

	put(d, "001_a.up.sql", "SELECT 1;\n");
	put(d, "README.md", "read me\n");
	put(d, ".gitkeep", "");
	put(d, ".001_hidden.up.sql", "SELECT 'hidden';\n");
	put(d, "sqlc.toml", "x = 1\n");
	put(d, "001_a.up.sql~", "editor backup\n");
	put(d, "data_oauth_github.sql", "INSERT INTO x VALUES (1);\n");
	put(d, "seed.sql", "INSERT INTO y VALUES (1);\n");
	mkd(d, "fixtures");
	put(d, "fixtures/001_not_here.up.sql", "SELECT 'nested';\n");
	mkd(d, ".git");
	src = load_ok(d);
	assert_int_equal(src->n, 1);
	assert_int_equal(src->nwarnings, 2);
	/* sorted by name, each a sentence naming the file */
	assert_true(asprintf(&expect, "%s/data_oauth_github.sql", d) > 0);
	assert_contains(src->warnings[0], expect);
	free(expect);
	assert_contains(src->warnings[1], "seed.sql");
	assert_contains(src->warnings[0], "is not a migration.");
	strata_source_free(src);
}

/*
 * Many problems at once: each named, one per line, sorted by file; err->file
 * is the first. Loaded as "." from inside the directory so that the report
 * fits in err->message whatever $TMPDIR is.
 */
static void test_all_problems_reported(void **state)
{
	const char *d = *state;
	struct strata_err err = { 0 };
	char cwd[4096];

	put(d, "001_a.up.sql", "SELECT 1;\n");
	put(d, "001_b.up.sql", "SELECT 1;\n");                               /* duplicate version */
	put(d, "002_orphan.down.sql", "SELECT 2;\n");                        /* down without up */
	put(d, "1.x.sql", "SELECT 3;\n");                                    /* unparsable */
	put(d, "12abc.sql", "SELECT 12;\n");                                 /* unparsable */
	put(d, "004_x.UP.sql", "SELECT 4;\n");                               /* upper case suffix */
	put_n(d, "006_latin1.up.sql", "SELECT 1;\nSELECT 'caf\xe9';\n", 22); /* not UTF-8, line 2 */
	mkd(d, "2024-01-01-000000_no_up");                                   /* Diesel dir without up.sql */
	put(d, "2024-01-01-000000_no_up/down.sql", "SELECT 0;\n");
	mkd(d, "007_dir.up.sql"); /* a directory named like a file */
	put(d, "008_one.up.sql", "SELECT 8;\n");
	put(d, "008_other.down.sql", "SELECT -8;\n"); /* names differ: paired by version, no problem */
	put(d, "009_fine.up.sql", "SELECT 9;\n");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(d), 0);
	load_fail(".", &err);
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(err.file, "./001_a.up.sql");
	assert_int_equal(err.line, 0);
	assert_int_equal(count_lines(err.message), 8);
	assert_contains(err.message, "\n./1.x.sql: starts with a digit but is not VERSION_NAME.sql");
	assert_contains(err.message, "./001_a.up.sql: duplicate version 1: ./001_b.up.sql has the same version\n");
	assert_contains(err.message, "\n./002_orphan.down.sql: is a down file with no up file "
				     "(expected 002_orphan.up.sql or 002_orphan.sql)\n");
	assert_contains(err.message,
			"\n./004_x.UP.sql: must end in \".up.sql\" or \".down.sql\" in lower case\n");
	assert_contains(err.message, "\n./006_latin1.up.sql:2: is not valid UTF-8 (byte 0xe9)\n");
	assert_contains(err.message,
			"\n./007_dir.up.sql: is a directory, but is named like a migration file\n");
	assert_null(strstr(err.message, "008_"));
	assert_contains(err.message, "\n./12abc.sql: starts with a digit");
	assert_contains(err.message,
			"\n./2024-01-01-000000_no_up: is a migration directory without an up.sql");
	assert_null(strstr(err.message, "009_fine"));
	assert_null(strstr(err.message, "./001_b.up.sql: ")); /* the pair is reported once */
	strata_err_release(&err);
}

/*
 * golang-migrate pairs by version alone (the up names the migration, a note
 * says so); dbmate's hyphenated names; goose's .go files are Go migrations.
 */
static void test_names_as_other_tools_read_them(void **state)
{
	const char *d = *state;
	struct strata_source *src;

	put(d, "00000000000000-initial-schema.sql", "-- migrate:up\nCREATE TABLE a (x int);\n-- migrate:down\nDROP TABLE a;\n");
	put(d, "30_add_magic_metadata.up.sql", "ALTER TABLE a ADD COLUMN m text;\n");
	put(d, "30_drop_magic_metadata.down.sql", "ALTER TABLE a DROP COLUMN m;\n");
	put(d, "31_add_index..up.sql", "CREATE INDEX a_m ON a (m);\n");
	put(d, "31_add_index.down.sql", "DROP INDEX a_m;\n");
	put(d, "32_same.up.sql", "SELECT 1;\n");
	put(d, "32_same.down.sql", "SELECT 2;\n");
	put(d, "33_seed.go", "package migrations\n");
	src = load_ok(d);
	assert_int_equal(src->n, 5);
	assert_int_equal(src->m[4].layout, STRATA_LAYOUT_GO);
	assert_string_equal(src->m[0].version.d, "0");
	assert_string_equal(src->m[0].vtext, "00000000000000");
	assert_string_equal(src->m[0].name, "initial-schema");
	assert_int_equal(src->m[0].layout, STRATA_LAYOUT_MARKERS);
	assert_string_equal(src->m[1].name, "add_magic_metadata");
	assert_string_equal(src->m[1].up_file, "30_add_magic_metadata.up.sql");
	assert_string_equal(src->m[1].down_file, "30_drop_magic_metadata.down.sql");
	assert_string_equal(src->m[1].down, "ALTER TABLE a DROP COLUMN m;\n");
	assert_string_equal(src->m[2].name, "add_index.");
	assert_string_equal(src->m[2].down_file, "31_add_index.down.sql");
	assert_string_equal(src->m[3].name, "same");
	assert_int_equal(src->nwarnings, 0);
	assert_int_equal(src->nnotes, 2);
	assert_contains(src->notes[0], "30_drop_magic_metadata.down.sql is the down of ");
	assert_contains(src->notes[0], "30_add_magic_metadata.up.sql: same version, different names");
	assert_contains(src->notes[1], "31_add_index.down.sql is the down of ");
	strata_source_free(src);
}

static void test_problem_list_is_cut(void **state)
{
	const char *d = *state;
	struct strata_err err = { 0 };
	char name[64];
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "%03d_orphan_with_a_long_name.down.sql", i);
		put(d, name, "");
	}
	load_fail(d, &err);
	assert_true(strlen(err.message) < 1024 + 64); /* listed up to 1024 bytes, then counted */
	assert_contains(err.message, "more problems)");
	assert_err_file(&err, d, "000_orphan_with_a_long_name.down.sql");
	strata_err_release(&err);
}

static void test_markers_and_down_file(void **state)
{
	const char *d = *state;
	struct strata_err err = { 0 };
	char *p;

	put(d, "001_x.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n");
	put(d, "001_x.down.sql", "SELECT 2;\n");
	load_fail(d, &err);
	assert_err_file(&err, d, "001_x.down.sql");
	p = path_of(d, "001_x.sql, which has up/down markers already");
	assert_contains(err.message, p);
	free(p);
	strata_err_release(&err);
}

static void test_duplicates_across_layouts(void **state)
{
	const char *d = *state;
	struct strata_err err = { 0 };
	char *p;

	put(d, "20240101000000_pair.up.sql", "SELECT 1;\n");
	mkd(d, "2024-01-01-000000_diesel");
	put(d, "2024-01-01-000000_diesel/up.sql", "SELECT 1;\n");
	put(d, "1_one.sql", "SELECT 1;\n");
	put(d, "0001_one.up.sql", "SELECT 1;\n");
	put(d, "5_a.down.sql", "");
	put(d, "5_b.down.sql", "");
	put(d, "5_a.sql", "");
	load_fail(d, &err);
	assert_int_equal(count_lines(err.message), 3);
	p = path_of(d, "2024-01-01-000000_diesel: duplicate version 20240101000000: ");
	assert_contains(err.message, p);
	free(p);
	p = path_of(d, "0001_one.up.sql: duplicate version 1: ");
	assert_contains(err.message, p);
	free(p);
	p = path_of(d, "5_a.down.sql: duplicate down file for version 5: ");
	assert_contains(err.message, p);
	free(p);
	strata_err_release(&err);
}

static void test_diesel_dir_with_top_level_down(void **state)
{
	const char *d = *state;
	struct strata_err err = { 0 };

	mkd(d, "2024-01-01-000000_x");
	put(d, "2024-01-01-000000_x/up.sql", "SELECT 1;\n");
	put(d, "20240101000000_x.down.sql", "SELECT 1;\n");
	load_fail(d, &err);
	assert_err_file(&err, d, "20240101000000_x.down.sql");
	assert_contains(err.message, "is the Diesel directory");
	strata_err_release(&err);
}

static void test_unreadable_and_links(void **state)
{
	const char *d = *state;
	struct strata_err err = { 0 };
	char *p, *q;

	put(d, "001_ok.up.sql", "SELECT 1;\n");
	/* a symlink loop named like a migration */
	p = path_of(d, "002_loop.up.sql");
	assert_int_equal(symlink("002_loop.up.sql", p), 0);
	free(p);
	/* a dangling symlink named like a Diesel directory */
	p = path_of(d, "2024-01-01-000000_gone");
	assert_int_equal(symlink("/nonexistent/strata", p), 0);
	free(p);
	/* a dangling symlink with a name that is not a migration's: ignored */
	p = path_of(d, "notes.txt");
	assert_int_equal(symlink("/nonexistent/strata", p), 0);
	free(p);
	/* a Diesel directory that links back to the source directory: no recursion, no up.sql */
	p = path_of(d, "2024-01-02-000000_self");
	assert_int_equal(symlink(".", p), 0);
	free(p);
	/* a fifo must not block the load */
	p = path_of(d, "003_fifo.up.sql");
	assert_int_equal(mkfifo(p, 0644), 0);
	free(p);
	/* unreadable: only meaningful when not root */
	if (geteuid() != 0) {
		put(d, "004_secret.up.sql", "SELECT 4;\n");
		p = path_of(d, "004_secret.up.sql");
		assert_int_equal(chmod(p, 0), 0);
		free(p);
	}
	load_fail(d, &err);
	assert_err_file(&err, d, "002_loop.up.sql");
	q = path_of(d, "002_loop.up.sql: cannot read: ");
	assert_contains(err.message, q);
	free(q);
	assert_contains(err.message, strerror(ELOOP));
	q = path_of(d, "2024-01-01-000000_gone: cannot read: ");
	assert_contains(err.message, q);
	free(q);
	q = path_of(d, "2024-01-02-000000_self: is a migration directory without an up.sql");
	assert_contains(err.message, q);
	free(q);
	q = path_of(d, "003_fifo.up.sql: is not a regular file");
	assert_contains(err.message, q);
	free(q);
	if (geteuid() != 0) {
		q = path_of(d, "004_secret.up.sql: cannot read: ");
		assert_contains(err.message, q);
		free(q);
		assert_contains(err.message, strerror(EACCES));
	}
	assert_null(strstr(err.message, "notes.txt"));
	assert_null(strstr(err.message, "001_ok"));
	strata_err_release(&err);
}

static void test_missing_directory(void **state)
{
	const char *d = *state;
	struct strata_source *src = (void *)1;
	struct strata_err err = { 0 };
	char *p = path_of(d, "nope");
	int rc;

	rc = strata_source_load(p, &src, &err);
	assert_int_equal(rc, STRATA_ESOURCE);
	assert_null(src);
	assert_string_equal(err.file, p);
	assert_contains(err.message, "cannot open the migrations directory");
	assert_contains(err.message, strerror(ENOENT));
	free(p);

	put(d, "file", "");
	p = path_of(d, "file");
	rc = strata_source_load(p, &src, &err);
	assert_int_equal(rc, STRATA_ESOURCE);
	assert_contains(err.message, strerror(ENOTDIR));
	free(p);
	strata_err_release(&err);
}

static void test_empty_directory(void **state)
{
	struct strata_source *src = load_ok(*state);
	char *v;

	assert_int_equal(src->n, 0);
	assert_int_equal(src->width, 0);
	assert_int_equal(src->timestamps, 0);
	v = strata_next_version(src, 1);
	assert_string_equal(v, "000001");
	free(v);
	strata_source_free(src);
}

/* Several directories: one history, names carry their directory, a version in two is an error. */
static void test_several_directories(void **state)
{
	const char *d = *state;
	struct strata_source *src = (void *)1;
	struct strata_err err = { 0 };
	char *a = path_of(d, "init"), *b = path_of(d, "migrations"), *b2 = path_of(d, "migrations/"), *p, *q;
	const char *dirs[3];
	int rc;
	strata_err_clear(&err);

	mkd(d, "init");
	mkd(d, "migrations");
	put(d, "init/001_projects.up.sql", "CREATE TABLE p (x int);\n");
	put(d, "init/001_projects.down.sql", "DROP TABLE p;\n");
	put(d, "init/003_seeds.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n");
	put(d, "migrations/002_tasks.up.sql", "CREATE TABLE t (x int);\n");
	put(d, "migrations/00004_backfill.go", "package migrations\n");
	mkd(d, "migrations/2024-01-01-000000_diesel");
	put(d, "migrations/2024-01-01-000000_diesel/up.sql", "SELECT 3;\n");
	dirs[0] = a;
	dirs[1] = b;
	rc = strata_source_load_dirs(dirs, 2, STRATA_SOURCE_NONEMPTY, &src, &err);
	if (rc)
		fail_msg("%s", err.message);
	assert_int_equal(src->n, 5);
	assert_int_equal(src->ndirs, 2);
	assert_string_equal(src->dirs[1], b);
	assert_true(strstr(src->dir, ", ") != NULL);
	p = path_of(a, "001_projects.up.sql");
	assert_string_equal(src->m[0].up_file, p);
	free(p);
	p = path_of(a, "001_projects.down.sql");
	assert_string_equal(src->m[0].down_file, p);
	assert_string_equal(src->m[0].down, "DROP TABLE p;\n");
	free(p);
	p = path_of(b, "002_tasks.up.sql");
	assert_string_equal(src->m[1].up_file, p);
	free(p);
	assert_string_equal(src->m[2].name, "seeds");
	assert_int_equal(src->m[2].layout, STRATA_LAYOUT_MARKERS);
	assert_string_equal(src->m[3].vtext, "00004");
	assert_string_equal(src->m[3].name, "backfill");
	assert_int_equal(src->m[3].layout, STRATA_LAYOUT_GO);
	assert_string_equal(src->m[3].up, "");
	assert_null(src->m[3].down);
	p = path_of(b, "2024-01-01-000000_diesel/up.sql");
	assert_string_equal(src->m[4].up_file, p);
	assert_string_equal(src->m[4].up, "SELECT 3;\n");
	free(p);
	strata_source_free(src);

	/* the same version in both: one problem naming both files */
	put(d, "migrations/003_other.up.sql", "SELECT 4;\n");
	rc = strata_source_load_dirs(dirs, 2, 0, &src, &err);
	assert_int_equal(rc, STRATA_ESOURCE);
	assert_null(src);
	p = path_of(a, "003_seeds.sql");
	q = path_of(b, "003_other.up.sql");
	assert_contains(err.message, p);
	assert_contains(err.message, "duplicate version 003 across directories: ");
	assert_contains(err.message, q);
	assert_string_equal(err.file, p);
	free(p);
	free(q);

	/* one directory twice (another spelling) */
	dirs[1] = b;
	dirs[2] = b2;
	rc = strata_source_load_dirs(dirs + 1, 2, 0, &src, &err);
	assert_int_equal(rc, STRATA_ESOURCE);
	assert_contains(err.message, "is the same directory as");
	free(a);
	free(b);
	free(b2);
	strata_err_release(&err);
}

/* STRATA_SOURCE_NONEMPTY: no migration at all is an error saying what was there instead. */
static void test_nonempty(void **state)
{
	const char *d = *state;
	struct strata_source *src = (void *)1;
	struct strata_err err = { 0 };
	int rc;
	strata_err_clear(&err);

	rc = strata_source_load_flags(d, STRATA_SOURCE_NONEMPTY, &src, &err);
	assert_int_equal(rc, STRATA_ESOURCE);
	assert_null(src);
	assert_contains(err.message, "no migrations found: no .sql file or migration directory in it");
	assert_string_equal(err.file, d);
	put(d, "schema.sql", "SELECT 1;\n");
	put(d, "b.sql", "SELECT 1;\n");
	put(d, "c.sql", "SELECT 1;\n");
	put(d, "a.sql", "SELECT 1;\n");
	put(d, "main.go", "package x\n");
	rc = strata_source_load_flags(d, STRATA_SOURCE_NONEMPTY, &src, &err);
	assert_int_equal(rc, STRATA_ESOURCE);
	assert_contains(err.message, "no migrations found: 4 .sql files (");
	assert_contains(err.message, "/a.sql, ");
	assert_contains(err.message, "/c.sql, ...), none named like a migration");
	/* without the flag an empty directory loads (create uses it) */
	src = load_ok(d);
	assert_int_equal(src->n, 0);
	assert_int_equal(src->nwarnings, 4);
	strata_source_free(src);
	/* a Go migration is a migration: listed, not "nothing here" */
	put(d, "001_go.go", "package x\n");
	src = load_ok(d);
	assert_int_equal(src->n, 1);
	strata_source_free(src);
	put(d, "001_go.down.sql", "SELECT 1;\n");
	load_fail(d, &err);
	assert_contains(err.message, "001_go.down.sql: is a down file for ");
	assert_contains(err.message, "001_go.go, a goose Go migration");
	strata_err_release(&err);
}

/* ---------------------------------------------------------------- contents */

static void test_bom_crlf_checksum(void **state)
{
	const char *d = *state;
	struct strata_source *src;
	char hex[65];

	put(d, "001_lf.up.sql", "CREATE TABLE t (x int);\nINSERT INTO t VALUES (1);\n");
	put(d, "002_crlf.up.sql", "CREATE TABLE t (x int);\r\nINSERT INTO t VALUES (1);\r\n");
	put(d, "003_bom.up.sql",
	    "\xef\xbb\xbf"
	    "CREATE TABLE t (x int);\nINSERT INTO t VALUES (1);\n");
	put(d, "004_lone_cr.up.sql", "CREATE TABLE t (x int);\rINSERT INTO t VALUES (1);\n");
	put(d, "005_bom_markers.sql",
	    "\xef\xbb\xbf-- migrate:up\r\nSELECT 1;\r\n-- migrate:down\r\nSELECT 2;\r\n");
	src = load_ok(d);
	assert_int_equal(src->n, 5);
	assert_string_equal(src->m[0].checksum, src->m[1].checksum);
	assert_string_equal(src->m[0].checksum, src->m[2].checksum);
	/* a lone CR is white space between statements: no change; the old form saw one */
	assert_string_equal(src->m[0].checksum, src->m[3].checksum);
	assert_string_equal(src->m[0].checksum_v0, src->m[1].checksum_v0);
	assert_string_equal(src->m[0].checksum_v0, src->m[2].checksum_v0);
	assert_string_not_equal(src->m[0].checksum_v0, src->m[3].checksum_v0);
	/* the text keeps its CRLF; only the checksum normalises */
	assert_string_equal(src->m[1].up, "CREATE TABLE t (x int);\r\nINSERT INTO t VALUES (1);\r\n");
	assert_string_equal(src->m[2].up, "CREATE TABLE t (x int);\nINSERT INTO t VALUES (1);\n");
	assert_int_equal(strlen(src->m[0].checksum), 67);
	strata_checksum(src->m[0].up, src->m[0].up_len, hex);
	assert_string_equal(hex, src->m[0].checksum_v0);

	assert_int_equal(src->m[4].layout, STRATA_LAYOUT_MARKERS);
	assert_string_equal(src->m[4].up, "SELECT 1;\r\n");
	assert_int_equal(src->m[4].up_line, 2);
	assert_string_equal(src->m[4].down, "SELECT 2;\r\n");
	assert_int_equal(src->m[4].down_line, 4);
	strata_source_free(src);

	/* known vectors */
	strata_checksum("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	strata_checksum("a\r\nb\r\n", 6, hex);
	{
		char hex2[65];

		strata_checksum("a\nb\n", 4, hex2);
		assert_string_equal(hex, hex2);
		strata_checksum("\r", 1, hex);
		strata_checksum("", 0, hex2);
		assert_string_not_equal(hex, hex2);
		strata_checksum("x\r", 2, hex);
		strata_checksum("x", 1, hex2);
		assert_string_not_equal(hex, hex2);
	}
}

static void test_utf8(void **state)
{
	static const struct {
		const char *data;
		size_t len;
		int line;
	} bad[] = {
		{ "SELECT 1;\n\xc0\x80\n", 13, 2 },       /* overlong NUL */
		{ "SELECT '\xed\xa0\x80';\n", 13, 1 },    /* surrogate */
		{ "a\nb\nc\n\xf5\x80\x80\x80", 10, 4 },   /* beyond U+10FFFF */
		{ "SELECT '\xe2\x82';", 12, 1 },          /* truncated */
		{ "a\nb\xe0\x80\xaf", 6, 2 },             /* overlong 3 bytes */
		{ "\n\n\nx\x80", 5, 4 },                  /* lone continuation */
		{ "SELECT 1;\n\xf4\x90\x80\x80", 14, 2 }, /* > U+10FFFF in F4 */
	};
	const char *d = *state;
	struct strata_source *src;
	struct strata_err err = { 0 };
	size_t i;

	put(d, "001_ok.up.sql", "SELECT 'café', '日本', '😀';\n");
	src = load_ok(d);
	assert_string_equal(src->m[0].up, "SELECT 'café', '日本', '😀';\n");
	strata_source_free(src);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char sub[32], *dir, *expect;

		snprintf(sub, sizeof(sub), "case%zu", i);
		mkd(d, sub);
		dir = path_of(d, sub);
		put_n(dir, "001_x.up.sql", bad[i].data, bad[i].len);
		load_fail(dir, &err);
		assert_true(asprintf(&expect, "001_x.up.sql:%d: is not valid UTF-8", bad[i].line) > 0);
		assert_contains(err.message, expect);
		assert_int_equal(err.line, bad[i].line);
		free(expect);
		free(dir);
	}

	mkd(d, "nul");
	{
		char *dir = path_of(d, "nul");

		put_n(dir, "001_x.sql", "SELECT 1;\nSELECT 2;\0\n", 21);
		load_fail(dir, &err);
		assert_contains(err.message, "001_x.sql:2: contains a NUL byte");
		free(dir);
	}
	strata_err_release(&err);
}

static void test_overflow(void **state)
{
	const char *d = *state;
	struct strata_source *src;
	struct strata_err err = { 0 };
	char *dir;

	char *v, name[300];

	/* no overflow at 2^64: versions of any length are numbers, in numeric order */
	put(d, "18446744073709551615_max.up.sql", "SELECT 1;\n");
	put(d, "18446744073709551616_x.up.sql", "SELECT 2;\n");
	put(d, "20210410175418000001_pop.up.sql", "SELECT 3;\n");
	put(d, "0000999999999999999999999_wide.up.sql", "SELECT 4;\n");
	src = load_ok(d);
	assert_int_equal(src->n, 4);
	assert_string_equal(src->m[0].version.d, "18446744073709551615");
	assert_string_equal(src->m[1].version.d, "18446744073709551616");
	assert_string_equal(src->m[2].version.d, "20210410175418000001");
	assert_string_equal(src->m[3].version.d, "999999999999999999999");
	assert_string_equal(src->m[3].vtext, "0000999999999999999999999");
	assert_int_equal(strata_source_find(src, &src->m[2].version), 2);
	v = strata_next_version(src, 1);
	assert_string_equal(v, "1000000000000000000000");
	free(v);
	v = strata_next_version(src, 0); /* the clock is behind: the next number */
	assert_string_equal(v, "1000000000000000000000");
	free(v);
	strata_source_free(src);

	/* as long as a file name can be: 245 digits */
	mkd(d, "sub");
	dir = path_of(d, "sub");
	memset(name, '9', 245);
	snprintf(name + 245, sizeof(name) - 245, "_ok.up.sql");
	put(dir, name, "");
	src = load_ok(dir);
	assert_int_equal(strlen(src->m[0].version.d), 245);
	strata_source_free(src);
	free(dir);
	(void)err;
	strata_err_release(&err);
}

static void test_large_files(void **state)
{
	static const size_t sizes[] = { 65535, 65536, 65537, 300000 };
	const char *d = *state;
	struct strata_source *src;
	size_t i, k;
	char name[32], hex[65];

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *text = malloc(sizes[i]);

		assert_non_null(text);
		for (k = 0; k < sizes[i]; k++)
			text[k] = k % 64 == 63 ? '\n' : (char)('a' + k % 26);
		snprintf(name, sizeof(name), "%03zu_big.up.sql", i + 1);
		put_n(d, name, text, sizes[i]);
		snprintf(name, sizeof(name), "%03zu_big.down.sql", i + 1);
		put_n(d, name, text, sizes[i]);
		free(text);
	}
	src = load_ok(d);
	assert_int_equal(src->n, 4);
	for (i = 0; i < src->n; i++) {
		assert_int_equal(src->m[i].up_len, sizes[i]);
		assert_int_equal(strlen(src->m[i].up), sizes[i]);
		assert_int_equal(src->m[i].down_len, sizes[i]);
		assert_memory_equal(src->m[i].up, src->m[i].down, sizes[i]);
		strata_checksum(src->m[i].up, src->m[i].up_len, hex);
		assert_string_equal(hex, src->m[i].checksum_v0);
	}
	strata_source_free(src);
}

static void test_symlinked_files(void **state)
{
	const char *d = *state;
	struct strata_source *src;
	char *p;

	mkd(d, "real");
	put(d, "real/a.sql", "SELECT 'through a link';\n");
	mkd(d, "m");
	p = path_of(d, "m/001_linked.up.sql");
	assert_int_equal(symlink("../real/a.sql", p), 0);
	free(p);
	p = path_of(d, "m/2024-01-01-000000_linked_dir");
	mkd(d, "real/diesel");
	put(d, "real/diesel/up.sql", "SELECT 2;\n");
	assert_int_equal(symlink("../real/diesel", p), 0);
	free(p);
	p = path_of(d, "m");
	src = load_ok(p);
	free(p);
	assert_int_equal(src->n, 2);
	assert_string_equal(src->m[0].up, "SELECT 'through a link';\n");
	assert_int_equal(src->m[1].layout, STRATA_LAYOUT_DIESEL);
	assert_string_equal(src->m[1].up, "SELECT 2;\n");
	strata_source_free(src);
}

/* ---------------------------------------------------------------- versions */

static void test_find(void **state)
{
	const char *d = *state;
	struct strata_source *src;
	uint64_t v;

	for (v = 1; v <= 50; v++) {
		char name[32];

		snprintf(name, sizeof(name), "%03" PRIu64 "_m.up.sql", v * 2);
		put(d, name, "SELECT 1;\n");
	}
	src = load_ok(d);
	assert_int_equal(src->n, 50);
	for (v = 1; v <= 50; v++) {
		assert_int_equal(find(src, v * 2), (long)(v - 1));
		assert_int_equal(find(src, v * 2 + 1), -1);
	}
	assert_int_equal(find(src, 0), -1);
	assert_int_equal(find(NULL, 2), -1);
	strata_source_free(src);
}

static uint64_t utc_stamp(void)
{
	time_t t = time(NULL);
	struct tm tm;
	char buf[32];
	uint64_t v = 0;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y%m%d%H%M%S", &tm);
	assert_int_equal(strata_parse_u64(buf, strlen(buf), &v), 0);
	return v;
}

static void test_next_version(void **state)
{
	const char *d = *state;
	struct strata_source *src;
	char *v, *dir;
	uint64_t before, after, got;

	v = strata_next_version(NULL, 1);
	assert_string_equal(v, "000001");
	free(v);

	before = utc_stamp();
	v = strata_next_version(NULL, 0);
	after = utc_stamp();
	assert_int_equal(strlen(v), 14);
	assert_int_equal(strata_parse_u64(v, strlen(v), &got), 0);
	assert_true(got >= before && got <= after);
	free(v);

	put(d, "0001_a.up.sql", "");
	put(d, "0009_b.up.sql", "");
	src = load_ok(d);
	assert_int_equal(src->width, 4);
	v = strata_next_version(src, 1);
	assert_string_equal(v, "0010");
	free(v);
	before = utc_stamp();
	v = strata_next_version(src, 0);
	assert_int_equal(strata_parse_u64(v, strlen(v), &got), 0);
	assert_true(got >= before);
	free(v);
	strata_source_free(src);

	/* a version from the future: the new one must still sort last */
	mkd(d, "future");
	dir = path_of(d, "future");
	put(dir, "29990101000000_later.up.sql", "");
	src = load_ok(dir);
	v = strata_next_version(src, 0);
	assert_string_equal(v, "29990101000001");
	free(v);
	v = strata_next_version(src, 1); /* only timestamps: width 0, padded to 6 */
	assert_string_equal(v, "29990101000001");
	free(v);
	strata_source_free(src);
	free(dir);

	mkd(d, "wide");
	dir = path_of(d, "wide");
	put(dir, "999_a.up.sql", "");
	src = load_ok(dir);
	v = strata_next_version(src, 1);
	assert_string_equal(v, "1000");
	free(v);
	strata_source_free(src);
	free(dir);
}

/* ---------------------------------------------------------------- corpora */

static char *corpus(const char *rel)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", STRATA_CORPUS_DIR, rel) > 0);
	return p;
}

/* Column 2 of MANIFEST.tsv (the Diesel directory names in apply order). */
static char **read_manifest(size_t *n)
{
	char *p = corpus("pg-cratesio/MANIFEST.tsv"), line[1024], **names = NULL;
	FILE *f = fopen(p, "r");
	size_t cap = 0;

	if (!f)
		fail_msg("cannot open %s: %s", p, strerror(errno));
	*n = 0;
	assert_non_null(fgets(line, sizeof(line), f)); /* header */
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t');

		assert_non_null(tab);
		tab[1 + strcspn(tab + 1, "\r\n")] = '\0';
		if (*n == cap) {
			cap = cap ? cap * 2 : 512;
			names = realloc(names, cap * sizeof(*names));
			assert_non_null(names);
		}
		names[(*n)++] = strdup(tab + 1);
	}
	fclose(f);
	free(p);
	return names;
}

static void test_corpus_cratesio(void **state)
{
	char *dd = corpus("pg-cratesio-diesel/migrations"), *pd = corpus("pg-cratesio/migrations");
	struct strata_source *diesel, *pairs;
	size_t i, n, notx = 0;
	char **names = read_manifest(&n);

	(void)state;
	diesel = load_ok(dd);
	assert_int_equal(n, 285);
	assert_int_equal(diesel->n, 285);
	for (i = 0; i < n; i++) {
		const struct strata_migration *m = &diesel->m[i];
		size_t dl = strlen(names[i]);

		if (strncmp(m->up_file, names[i], dl) != 0 || strcmp(m->up_file + dl, "/up.sql") != 0)
			fail_msg("migration %zu is %s, MANIFEST.tsv says %s", i + 1, m->up_file, names[i]);
		assert_int_equal(m->layout, STRATA_LAYOUT_DIESEL);
		notx += (size_t)m->no_transaction;
	}
	assert_int_equal(notx, 7);
	assert_int_equal(diesel->nwarnings, 1);
	assert_contains(diesel->warnings[0], "data_oauth_github.sql");
	assert_string_equal(diesel->m[0].version.d, "0");
	assert_string_equal(diesel->m[0].name, "diesel_initial_setup");
	assert_int_equal(diesel->timestamps, 1);

	pairs = load_ok(pd);
	assert_int_equal(pairs->n, 285);
	assert_int_equal(pairs->nwarnings, 0);
	assert_int_equal(pairs->width, 4);
	for (i = 0; i < pairs->n; i++) {
		const struct strata_migration *m = &pairs->m[i];

		assert_int_equal(atoi(m->version.d), i + 1);
		assert_int_equal(m->layout, STRATA_LAYOUT_PAIR);
		assert_non_null(m->down);
		/* the same up scripts, renamed: same checksums, same order */
		assert_string_equal(m->checksum, diesel->m[i].checksum);
	}
	assert_string_equal(pairs->m[0].name, "00000000000000_diesel_initial_setup");
	assert_string_equal(pairs->m[0].vtext, "0001");
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	strata_source_free(diesel);
	strata_source_free(pairs);
	free(dd);
	free(pd);
}

static void test_corpus_vaultwarden(void **state)
{
	char *d = corpus("sqlite-vaultwarden/migrations");
	struct strata_source *src;
	size_t i;

	(void)state;
	src = load_ok(d);
	assert_int_equal(src->n, 56);
	assert_int_equal(src->nwarnings, 0);
	assert_string_equal(src->m[0].version.d, "1");
	assert_string_equal(src->m[0].name, "2018-01-14-171611_create_tables");
	assert_string_equal(src->m[0].up_file, "0001_2018-01-14-171611_create_tables.up.sql");
	assert_string_equal(src->m[0].down_file, "0001_2018-01-14-171611_create_tables.down.sql");
	for (i = 0; i < src->n; i++) {
		assert_int_equal(atoi(src->m[i].version.d), i + 1);
		assert_non_null(src->m[i].down);
	}
	strata_source_free(src);
	free(d);
}

/* ---------------------------------------------------------------- performance */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void test_10000_migrations(void **state)
{
	const char *d = *state;
	struct strata_source *src;
	char name[64], body[128];
	double t0, cold, warm;
	int i;

	for (i = 10000; i >= 1; i--) {
		snprintf(name, sizeof(name), "%06d_migration_number_%d.up.sql", i, i);
		snprintf(body, sizeof(body), "CREATE TABLE t%d (id bigint PRIMARY KEY, v text);\n", i);
		put(d, name, body);
		snprintf(name, sizeof(name), "%06d_migration_number_%d.down.sql", i, i);
		snprintf(body, sizeof(body), "DROP TABLE t%d;\n", i);
		put(d, name, body);
	}
	t0 = now_ms();
	src = load_ok(d);
	cold = now_ms() - t0;
	assert_int_equal(src->n, 10000);
	for (i = 0; i < 10000; i++)
		assert_int_equal(atoi(src->m[i].version.d), i + 1);
	assert_int_equal(find(src, 7777), 7776);
	strata_source_free(src);
	t0 = now_ms();
	src = load_ok(d);
	warm = now_ms() - t0;
	strata_source_free(src);
	print_message("10,000 migrations (20,000 files): %.1f ms, again %.1f ms\n", cold, warm);
	/* generous: sanitizer builds and busy CI machines */
	assert_true(warm < 3000.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_name),
		cmocka_unit_test_setup_teardown(test_pairs, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_timestamps_and_widths, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_dbmate, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_goose, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_marker_errors, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_plain, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_diesel, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_metadata_errors, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_ignored_and_warnings, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_all_problems_reported, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_problem_list_is_cut, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_markers_and_down_file, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_duplicates_across_layouts, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_diesel_dir_with_top_level_down, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_unreadable_and_links, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_missing_directory, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_empty_directory, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_several_directories, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_nonempty, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_bom_crlf_checksum, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_utf8, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_overflow, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_names_as_other_tools_read_them, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_large_files, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_symlinked_files, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_find, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_next_version, setup_dir, teardown_dir),
		cmocka_unit_test(test_corpus_cratesio),
		cmocka_unit_test(test_corpus_vaultwarden),
		cmocka_unit_test_setup_teardown(test_10000_migrations, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests_name("source", tests, NULL, NULL);
}
