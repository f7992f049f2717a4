/*
 * test_names.c - unit tests of src/names.c: what a directory entry's name
 * says it is (strata_source_parse_name), layout by layout, with the exact
 * phrase (`why`) each refused name is reported with, since the loader puts
 * it verbatim after the file name ("12abc.sql: starts with a digit but ...").
 *
 * test_source.c's table covers kinds and versions of many names; this file
 * goes rule by rule: each layout's accepted names with every offset the
 * loader relies on, each refusal with its return code and phrase, and the
 * names of tools strata does not read (Flyway, sqitch, Alembic, Rails...)
 * with what strata does with them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "names.h"

/* The phrases of names.c, as users read them after the file's name. */
#define WHY_DIR_LIKE_FILE "is a directory, but is named like a migration file"
#define WHY_TWO_DASHES "has two dashes in a row in its version"
#define WHY_DASH_END "has a version ending in a dash"
#define WHY_NOT_DIESEL "starts with a digit but is not VERSION_NAME (a Diesel migration directory)"
#define WHY_CONTROL "has a control character in its name"
#define WHY_TOO_LONG "has a version of more than 255 digits"
#define WHY_EXT_CASE "has a version but its extension is not \".sql\" in lower case"
#define WHY_UPDOWN_CASE "must end in \".up.sql\" or \".down.sql\" in lower case"
#define WHY_NOT_FILE                                                                        \
	"starts with a digit but is not VERSION_NAME.sql, VERSION_NAME.up.sql or VERSION_NAME." \
	"down.sql"

/* Parse `name` into a struct that is not zeroed first (the parser must not rely on it). */
static int parse(const char *name, int is_dir, struct strata_name *pn)
{
	memset(pn, 0xa5, sizeof(*pn));
	return strata_source_parse_name(name, is_dir, pn);
}

/*
 * `name` is a migration of `kind`: version `version` (digits as parsed),
 * written as the first `ver_len` bytes with `ndigits` digits, titled `title`.
 */
static void expect_migration(const char *name, int is_dir, enum strata_name_kind kind, const char *version,
			     size_t ver_len, size_t ndigits, const char *title)
{
	struct strata_name pn;
	int rc = parse(name, is_dir, &pn);

	if (rc != 0)
		fail_msg("\"%s\" (dir %d): rc %d (%s), expected a migration", name, is_dir, rc,
			 pn.why ? pn.why : "no why");
	if (pn.kind != kind)
		fail_msg("\"%s\" (dir %d): kind %d, expected %d", name, is_dir, pn.kind, kind);
	assert_null(pn.why);
	assert_string_equal(pn.version.d, version);
	assert_int_equal(pn.ver_off, 0);
	assert_int_equal(pn.ver_len, ver_len);
	assert_int_equal(pn.ndigits, ndigits);
	if (pn.name_len != strlen(title) || memcmp(name + pn.name_off, title, pn.name_len) != 0)
		fail_msg("\"%s\": title \"%.*s\", expected \"%s\"", name, (int)pn.name_len, name + pn.name_off,
			 title);
}

/* `name` is no migration: kind IGNORE or UNVERSIONED, rc 0, no why. */
static void expect_kind(const char *name, int is_dir, enum strata_name_kind kind)
{
	struct strata_name pn;
	int rc = parse(name, is_dir, &pn);

	if (rc != 0 || pn.kind != kind)
		fail_msg("\"%s\" (dir %d): rc %d kind %d (%s), expected rc 0 kind %d", name, is_dir, rc, pn.kind,
			 pn.why ? pn.why : "no why", kind);
	assert_null(pn.why);
}

/* `name` is refused with `rc` and exactly `why`. */
static void expect_bad(const char *name, int is_dir, int rc_want, const char *why)
{
	struct strata_name pn;
	int rc = parse(name, is_dir, &pn);

	if (rc != rc_want)
		fail_msg("\"%s\" (dir %d): rc %d (%s), expected %d", name, is_dir, rc, rc < 0 ? pn.why : "",
			 rc_want);
	assert_non_null(pn.why);
	if (strcmp(pn.why, why) != 0)
		fail_msg("\"%s\" (dir %d): why \"%s\", expected \"%s\"", name, is_dir, pn.why, why);
}

/* ---------------------------------------------------------------- golang-migrate and plain files */

static void test_golang_migrate_pairs(void **state)
{
	(void)state;
	expect_migration("000001_create_users.up.sql", 0, STRATA_NAME_UP, "1", 6, 6, "create_users");
	expect_migration("000001_create_users.down.sql", 0, STRATA_NAME_DOWN, "1", 6, 6, "create_users");
	/* golang-migrate's (.*) title: anything, dots and spaces included */
	expect_migration("30_add x.v2.up.sql", 0, STRATA_NAME_UP, "30", 2, 2, "add x.v2");
	expect_migration("1_x.up.down.sql", 0, STRATA_NAME_DOWN, "1", 1, 1, "x.up");
	/* no title */
	expect_migration("7.up.sql", 0, STRATA_NAME_UP, "7", 1, 1, "");
	expect_migration("7_.down.sql", 0, STRATA_NAME_DOWN, "7", 1, 1, "");
	/* leading zeros are not part of the version; all zeros is version 0 */
	expect_migration("0000_zero.up.sql", 0, STRATA_NAME_UP, "0", 4, 4, "zero");
	/* versions beyond 64 bits are exact */
	expect_migration("123456789012345678901234567890_big.up.sql", 0, STRATA_NAME_UP,
			 "123456789012345678901234567890", 30, 30, "big");
}

static void test_golang_migrate_refusals(void **state)
{
	(void)state;
	/* the suffix must be lower case: else the down would load as a plain up named "x.UP" */
	expect_bad("001_x.UP.sql", 0, STRATA_NAME_EBAD, WHY_UPDOWN_CASE);
	expect_bad("001_x.Down.sql", 0, STRATA_NAME_EBAD, WHY_UPDOWN_CASE);
	expect_bad("001_x.up.SQL", 0, STRATA_NAME_EBAD, WHY_EXT_CASE);
	expect_bad("001_x.down.Sql", 0, STRATA_NAME_EBAD, WHY_EXT_CASE);
	/* the version must be followed by '_' (or dbmate's '-') or the suffix */
	expect_bad("001up.sql", 0, STRATA_NAME_EBAD, WHY_NOT_FILE);
	expect_bad("1.x.up.sql", 0, STRATA_NAME_EBAD, WHY_NOT_FILE);
	expect_bad("001_x\t.up.sql", 0, STRATA_NAME_EBAD, WHY_CONTROL);
	expect_bad("001_x\x7f.down.sql", 0, STRATA_NAME_EBAD, WHY_CONTROL);
}

static void test_plain_files(void **state)
{
	(void)state;
	expect_migration("001_add_session_permissions.sql", 0, STRATA_NAME_SINGLE, "1", 3, 3,
			 "add_session_permissions");
	expect_migration("001.sql", 0, STRATA_NAME_SINGLE, "1", 3, 3, "");
	expect_migration("001_x.v2.sql", 0, STRATA_NAME_SINGLE, "1", 3, 3, "x.v2");
	/* sqlx's files are plain files or pairs by these rules */
	expect_migration("20240101120000_create_users.sql", 0, STRATA_NAME_SINGLE, "20240101120000", 14, 14,
			 "create_users");
	expect_bad("12abc.sql", 0, STRATA_NAME_EBAD, WHY_NOT_FILE);
	expect_bad("1.x.sql", 0, STRATA_NAME_EBAD, WHY_NOT_FILE);
	expect_bad("001_x.SQL", 0, STRATA_NAME_EBAD, WHY_EXT_CASE);
	expect_bad("001_x.Sql", 0, STRATA_NAME_EBAD, WHY_EXT_CASE);
	expect_bad("001_x\n.sql", 0, STRATA_NAME_EBAD, WHY_CONTROL);
	/* Diesel's version on a file is no layout's name */
	expect_bad("2024-02-12-120203_x.sql", 0, STRATA_NAME_EBAD, WHY_NOT_FILE);
	expect_bad("2024-02-12_x.sql", 0, STRATA_NAME_EBAD, WHY_NOT_FILE);
	/* not a version first: skipped with a warning, or ignored when not .sql */
	expect_kind("data_oauth_github.sql", 0, STRATA_NAME_UNVERSIONED);
	expect_kind("README.SQL", 0, STRATA_NAME_UNVERSIONED);
	expect_kind("-1_x.sql", 0, STRATA_NAME_UNVERSIONED);
	expect_kind("README.md", 0, STRATA_NAME_IGNORE);
	expect_kind("001_x.sql.bak", 0, STRATA_NAME_IGNORE);
	expect_kind("001_x.sqlite", 0, STRATA_NAME_IGNORE);
	expect_kind(".001_x.sql", 0, STRATA_NAME_IGNORE);
	expect_kind("", 0, STRATA_NAME_IGNORE);
}

/* ---------------------------------------------------------------- dbmate and goose */

static void test_dbmate_names(void **state)
{
	(void)state;
	/* dbmate's names may be hyphenated, after the version as well */
	expect_migration("00000000000000-initial-schema.sql", 0, STRATA_NAME_SINGLE, "0", 14, 14,
			 "initial-schema");
	expect_migration("20240101120000_create_users.sql", 0, STRATA_NAME_SINGLE, "20240101120000", 14, 14,
			 "create_users");
	expect_migration("0003-add-things.up.sql", 0, STRATA_NAME_UP, "3", 4, 4, "add-things");
	expect_migration("0003-.sql", 0, STRATA_NAME_SINGLE, "3", 4, 4, "");
	/* a digit after the dash looks like a Diesel version: refused, not read as a title */
	expect_bad("0003-2_x.sql", 0, STRATA_NAME_EBAD, WHY_NOT_FILE);
	expect_bad("0003-2.up.sql", 0, STRATA_NAME_EBAD, WHY_NOT_FILE);
}

static void test_goose_names(void **state)
{
	(void)state;
	/* goose's SQL files are single files; their markers are read from the contents */
	expect_migration("00001_create_users.sql", 0, STRATA_NAME_SINGLE, "1", 5, 5, "create_users");
	/* goose's Go files: ^(\d+)_.*\.go$, named for the loader, which lists them and never runs them */
	expect_migration("00002_backfill_names.go", 0, STRATA_NAME_GO, "2", 5, 5, "backfill_names");
	expect_migration("20240101120000_x.y.go", 0, STRATA_NAME_GO, "20240101120000", 14, 14, "x.y");
	expect_migration("3_.go", 0, STRATA_NAME_GO, "3", 1, 1, "");
	/* goose skips its tests, and so does strata; other .go files are not migrations */
	expect_kind("00002_backfill_names_test.go", 0, STRATA_NAME_IGNORE);
	expect_kind("1_test.go", 0, STRATA_NAME_IGNORE);
	expect_kind("00001-create_users.go", 0, STRATA_NAME_IGNORE);
	expect_kind("00001.go", 0, STRATA_NAME_IGNORE);
	expect_kind("main.go", 0, STRATA_NAME_IGNORE);
	expect_kind("00001_x.GO", 0, STRATA_NAME_IGNORE);
	/* a Go file strata could not name is ignored rather than refused */
	expect_kind("00001_a\tb.go", 0, STRATA_NAME_IGNORE);
}

/* ---------------------------------------------------------------- Diesel */

static void test_diesel_dirs(void **state)
{
	(void)state;
	expect_migration("2024-02-12-120203_add_x", 1, STRATA_NAME_DIESEL, "20240212120203", 17, 14, "add_x");
	/* crates.io's 18-digit versions with a fourth group */
	expect_migration("2025-11-19-091444-0000_y", 1, STRATA_NAME_DIESEL, "202511190914440000", 22, 18, "y");
	expect_migration("00000000000000_diesel_initial_setup", 1, STRATA_NAME_DIESEL, "0", 14, 14,
			 "diesel_initial_setup");
	expect_migration("2019-11-15-182353_Add email notifications", 1, STRATA_NAME_DIESEL, "20191115182353", 17,
			 14, "Add email notifications");
	expect_migration("001", 1, STRATA_NAME_DIESEL, "1", 3, 3, "");
	expect_migration("2024-02-12", 1, STRATA_NAME_DIESEL, "20240212", 10, 8, "");
	/* Prisma's directories have Diesel's names (the loader then wants their up.sql) */
	expect_migration("20240101120000_init", 1, STRATA_NAME_DIESEL, "20240101120000", 14, 14, "init");
	/* directories that do not start with a digit are not migrations */
	expect_kind("notes", 1, STRATA_NAME_IGNORE);
	expect_kind(".git", 1, STRATA_NAME_IGNORE);
	expect_kind("..", 1, STRATA_NAME_IGNORE);
	expect_kind("-1_x", 1, STRATA_NAME_IGNORE);
}

static void test_diesel_refusals(void **state)
{
	(void)state;
	expect_bad("001_x.up.sql", 1, STRATA_NAME_EBAD, WHY_DIR_LIKE_FILE);
	expect_bad("001_x.SQL", 1, STRATA_NAME_EBAD, WHY_DIR_LIKE_FILE);
	expect_bad("001.sql", 1, STRATA_NAME_EBAD, WHY_DIR_LIKE_FILE);
	expect_bad("2024--02_x", 1, STRATA_NAME_EBAD, WHY_TWO_DASHES);
	expect_bad("2024-02--12", 1, STRATA_NAME_EBAD, WHY_TWO_DASHES);
	expect_bad("2024-_x", 1, STRATA_NAME_EBAD, WHY_DASH_END);
	expect_bad("2024-", 1, STRATA_NAME_EBAD, WHY_DASH_END);
	expect_bad("12abc", 1, STRATA_NAME_EBAD, WHY_NOT_DIESEL);
	expect_bad("2024-02-12-120203.x", 1, STRATA_NAME_EBAD, WHY_NOT_DIESEL);
	expect_bad("2024-02-12-120203 x", 1, STRATA_NAME_EBAD, WHY_NOT_DIESEL);
	expect_bad("2024-02-12-120203_a\nb", 1, STRATA_NAME_EBAD, WHY_CONTROL);
	expect_bad("001_\x1b[31m", 1, STRATA_NAME_EBAD, WHY_CONTROL);
}

/* ---------------------------------------------------------------- every layout */

/* A version of `n` digits (the first a 1) before `rest`, in buf. */
static const char *long_name(char *buf, size_t n, const char *rest)
{
	memset(buf, '9', n);
	buf[0] = '1';
	strcpy(buf + n, rest);
	return buf;
}

static void test_version_length(void **state)
{
	char buf[STRATA_VERSION_MAX + 32];
	struct strata_name pn;

	(void)state;
	/* 255 digits is the longest version: every file name can hold it */
	assert_int_equal(parse(long_name(buf, STRATA_VERSION_MAX, "_x.sql"), 0, &pn), 0);
	assert_int_equal(pn.kind, STRATA_NAME_SINGLE);
	assert_int_equal(strlen(pn.version.d), STRATA_VERSION_MAX);
	assert_int_equal(pn.ndigits, STRATA_VERSION_MAX);
	assert_int_equal(parse(long_name(buf, STRATA_VERSION_MAX, ""), 1, &pn), 0);
	assert_int_equal(pn.kind, STRATA_NAME_DIESEL);
	/* one more is refused in every layout but goose's Go files, which are ignored */
	expect_bad(long_name(buf, STRATA_VERSION_MAX + 1, "_x.sql"), 0, STRATA_NAME_EOVERFLOW, WHY_TOO_LONG);
	expect_bad(long_name(buf, STRATA_VERSION_MAX + 1, "_x.up.sql"), 0, STRATA_NAME_EOVERFLOW, WHY_TOO_LONG);
	expect_bad(long_name(buf, STRATA_VERSION_MAX + 1, ".down.sql"), 0, STRATA_NAME_EOVERFLOW, WHY_TOO_LONG);
	expect_bad(long_name(buf, STRATA_VERSION_MAX + 1, "_x"), 1, STRATA_NAME_EOVERFLOW, WHY_TOO_LONG);
	expect_kind(long_name(buf, STRATA_VERSION_MAX + 1, "_x.go"), 0, STRATA_NAME_IGNORE);
	/* leading zeros do not count: the digits after them do */
	memset(buf, '0', 200);
	strcpy(buf + 200, "42_x.sql");
	assert_int_equal(parse(buf, 0, &pn), 0);
	assert_string_equal(pn.version.d, "42");
	assert_int_equal(pn.ndigits, 202);
}

static void test_why_only_on_errors(void **state)
{
	static const struct {
		const char *name;
		int is_dir;
	} names[] = {
		{ "001_x.up.sql", 0 }, { "001_x.sql", 0 }, { "x.sql", 0 }, { "x.txt", 0 },
		{ "001_x.go", 0 },     { "001_x", 1 },     { "x", 1 },     { "12abc.sql", 0 },
		{ "12abc", 1 },        { "001_x.SQL", 0 },
	};
	struct strata_name pn;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		rc = parse(names[i].name, names[i].is_dir, &pn);
		if (rc == 0 && pn.why != NULL)
			fail_msg("\"%s\": accepted with a why (\"%s\")", names[i].name, pn.why);
		if (rc < 0 && (pn.why == NULL || pn.why[0] == '\0'))
			fail_msg("\"%s\": refused (%d) without a why", names[i].name, rc);
	}
	/* a refused name says it was not a migration: the loader never builds one from it */
	rc = parse("12abc.sql", 0, &pn);
	assert_int_equal(rc, STRATA_NAME_EBAD);
	rc = parse("12abc", 1, &pn);
	assert_int_equal(rc, STRATA_NAME_EBAD);
}

/* ---------------------------------------------------------------- other tools' names */

static void test_other_tools(void **state)
{
	(void)state;
	/* Flyway: V1__init.sql, R__views.sql, U1__undo.sql start with a letter: skipped with a warning */
	expect_kind("V1__init.sql", 0, STRATA_NAME_UNVERSIONED);
	expect_kind("V2.1__add_users.sql", 0, STRATA_NAME_UNVERSIONED);
	expect_kind("R__views.sql", 0, STRATA_NAME_UNVERSIONED);
	expect_kind("U1__undo.sql", 0, STRATA_NAME_UNVERSIONED);
	/* sqitch: deploy/, revert/ and verify/ directories of unnumbered scripts, and sqitch.plan */
	expect_kind("deploy", 1, STRATA_NAME_IGNORE);
	expect_kind("revert", 1, STRATA_NAME_IGNORE);
	expect_kind("sqitch.plan", 0, STRATA_NAME_IGNORE);
	expect_kind("add_users.sql", 0, STRATA_NAME_UNVERSIONED);
	/* Alembic, Rails, Knex: code, not SQL */
	expect_kind("1975ea83b712_add_account.py", 0, STRATA_NAME_IGNORE);
	expect_kind("20240101120000_create_users.rb", 0, STRATA_NAME_IGNORE);
	expect_kind("20240101120000_create_users.js", 0, STRATA_NAME_IGNORE);
	/* Diesel's metadata.toml next to its scripts is no migration by itself */
	expect_kind("metadata.toml", 0, STRATA_NAME_IGNORE);
	expect_kind("0001_x.metadata.toml", 0, STRATA_NAME_IGNORE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golang_migrate_pairs),
		cmocka_unit_test(test_golang_migrate_refusals),
		cmocka_unit_test(test_plain_files),
		cmocka_unit_test(test_dbmate_names),
		cmocka_unit_test(test_goose_names),
		cmocka_unit_test(test_diesel_dirs),
		cmocka_unit_test(test_diesel_refusals),
		cmocka_unit_test(test_version_length),
		cmocka_unit_test(test_why_only_on_errors),
		cmocka_unit_test(test_other_tools),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
