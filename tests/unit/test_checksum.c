/*
 * test_checksum.c - unit tests of the checksum normaliser (src/checksum.c):
 * edits that change no statement give the same text, edits inside literals
 * and directives do not, and constructs the dialects lex apart fall back to
 * the text as written. The corpus check at the end runs every up script of
 * the real corpora through it (when ../shared/corpus is there).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

/* The normalised text of s (the test fails on a fallback). */
static char *norm(const char *s)
{
	struct strata_buf b;
	char *out;

	strata_buf_init(&b);
	assert_int_equal(strata_sql_normalise(s, strlen(s), &b), 0);
	out = strata_buf_detach(&b, NULL);
	assert_non_null(out);
	return out;
}

static void expect(const char *in, const char *want)
{
	char *got = norm(in);

	assert_string_equal(got, want);
	free(got);
}

static int falls_back(const char *s)
{
	struct strata_buf b;
	int rc;

	strata_buf_init(&b);
	rc = strata_sql_normalise(s, strlen(s), &b);
	strata_buf_release(&b);
	return rc;
}

static void same_sum(const char *a, const char *b)
{
	char x[STRATA_CHECKSUM_SIZE], y[STRATA_CHECKSUM_SIZE];

	strata_checksum_s1(a, strlen(a), x);
	strata_checksum_s1(b, strlen(b), y);
	assert_string_equal(x, y);
}

static void other_sum(const char *a, const char *b)
{
	char x[STRATA_CHECKSUM_SIZE], y[STRATA_CHECKSUM_SIZE];

	strata_checksum_s1(a, strlen(a), x);
	strata_checksum_s1(b, strlen(b), y);
	assert_string_not_equal(x, y);
}

static void test_layout_goes(void **state)
{
	(void)state;
	expect("CREATE TABLE t (\n  id int,\n  name text\n);\n", "CREATE TABLE t(id int,name text);");
	expect("CREATE   TABLE t(id int , name text) ;", "CREATE TABLE t(id int,name text);");
	expect("\r\n\r\nSELECT 1;\r\n\r\nSELECT 2;\r\n", "SELECT 1;SELECT 2;");
	expect("\xef\xbb\xbfSELECT 1;", "SELECT 1;");
	expect("", "");
	expect("  \n\t\n", "");
}

static void test_comments_go(void **state)
{
	(void)state;
	expect("-- create the table\nCREATE TABLE t (x int); -- trailing\n/* block\n comment */\n",
	       "CREATE TABLE t(x int);");
	/* a comment separates tokens as white space does */
	expect("SELECT a/**/b;", "SELECT a b;");
	expect("SELECT a--x\nFROM t;", "SELECT a FROM t;");
	expect("-- No-op\n", "");
	/* but tokens stay apart: joining them would be another statement */
	other_sum("SELECT a b;", "SELECT ab;");
	other_sum("SELECT 1 - -1;", "SELECT 1 --1;");
	other_sum("SELECT 1 < = 2;", "SELECT 1 <= 2;");
}

static void test_literals_kept(void **state)
{
	(void)state;
	expect("INSERT INTO t VALUES ('a  b', 'it''s', '-- not a comment', '/* nor this */');",
	       "INSERT INTO t VALUES('a  b','it''s','-- not a comment','/* nor this */');");
	expect("SELECT \"my  col\", \"a\"\"b\" FROM \"t -- x\";", "SELECT \"my  col\",\"a\"\"b\" FROM \"t -- x\";");
	expect("SELECT `a  b`, [c  d] FROM t;", "SELECT `a  b`,[c  d] FROM t;");
	expect("CREATE FUNCTION f() RETURNS int AS $$\n  SELECT 1;  -- one\n$$ LANGUAGE sql;",
	       "CREATE FUNCTION f()RETURNS int AS $$\n  SELECT 1;  -- one\n$$ LANGUAGE sql;");
	expect("DO $body$ BEGIN\r\n  PERFORM 1; END $body$;", "DO $body$ BEGIN\n  PERFORM 1; END $body$;");
	/* $1 and a$b are no dollar quotes */
	expect("PREPARE p AS SELECT $1 ,  a$b$c FROM t;", "PREPARE p AS SELECT $1,a$b$c FROM t;");
	/* white space inside a literal matters */
	other_sum("INSERT INTO t VALUES ('a b');", "INSERT INTO t VALUES ('a  b');");
	other_sum("SELECT $$a b$$;", "SELECT $$a  b$$;");
	other_sum("SELECT \"a b\" FROM t;", "SELECT \"a  b\" FROM t;");
	/* 'a'<newline>'b' is one literal in PostgreSQL, 'a' 'b' an error */
	expect("SELECT 'a'\n  'b';", "SELECT 'a'\n'b';");
	expect("SELECT 'a' -- c\n 'b';", "SELECT 'a'\n'b';");
	other_sum("SELECT 'a'\n'b';", "SELECT 'a' 'b';");
	same_sum("SELECT 'a'\n'b';", "SELECT 'a'\n\n   'b';");
}

static void test_directives_count(void **state)
{
	(void)state;
	expect("-- strata:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);",
	       "-- strata:no-transaction\nCREATE INDEX CONCURRENTLY i ON t(x);");
	expect("--strata:timeout 5m   \r\nSELECT 1;", "-- strata:timeout 5m\nSELECT 1;");
	other_sum("CREATE INDEX CONCURRENTLY i ON t (x);", "-- strata:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);");
	other_sum("-- strata:timeout 5m\nSELECT 1;", "-- strata:timeout 6m\nSELECT 1;");
	same_sum("-- strata:timeout 5m\nSELECT 1;", "  -- strata:timeout 5m  \n\n\nSELECT   1;\n-- done\n");
}

static void test_ambiguous_falls_back(void **state)
{
	char x[STRATA_CHECKSUM_SIZE], y[STRATA_CHECKSUM_SIZE];
	const char *a = "SELECT E'it\\'s -- x';", *b = "SELECT E'it\\'s -- y';";

	(void)state;
	assert_int_equal(falls_back(a), 1);
	assert_int_equal(falls_back("/* a /* nested */ SELECT 1; */"), 1);
	assert_int_equal(falls_back("SELECT col['a]b -- c'];"), 1);
	assert_int_equal(falls_back("SELECT 'open"), 1);
	assert_int_equal(falls_back("SELECT $$open"), 1);
	assert_int_equal(falls_back("/* open"), 1);
	assert_int_equal(falls_back("SELECT \"open"), 1);
	/* hashed as written: any edit counts, never a hidden one */
	strata_checksum_s1(a, strlen(a), x);
	strata_checksum_s1(b, strlen(b), y);
	assert_string_not_equal(x, y);
	assert_memory_equal(x, "s1:", 3);
	other_sum("SELECT E'\\\\';  ", "SELECT E'\\\\';");
	/* arrays are fine */
	expect("CREATE TABLE t (tags text [] , m int[2]);", "CREATE TABLE t(tags text [],m int[2]);");
}

static void test_tag_and_old_form(void **state)
{
	struct strata_migration m;
	const char *up = "CREATE TABLE t (x int);\r\n";
	char old[65];

	(void)state;
	memset(&m, 0, sizeof(m));
	strata_checksum_s1(up, strlen(up), m.checksum);
	strata_checksum(up, strlen(up), m.checksum_v0);
	assert_int_equal(strlen(m.checksum), 67);
	assert_memory_equal(m.checksum, "s1:", 3);
	/* what today's release recorded: the plain hex of the file, CRLF as LF */
	strata_checksum("CREATE TABLE t (x int);\n", 24, old);
	assert_true(strata_checksum_matches(old, &m));
	assert_true(strata_checksum_matches(m.checksum, &m));
	strata_checksum("CREATE TABLE t (x int); -- edited\n", 34, old);
	assert_false(strata_checksum_matches(old, &m));
	assert_false(strata_checksum_matches("s1:00", &m));
	assert_false(strata_checksum_matches(NULL, &m));
	assert_string_equal(strata_checksum_hex(m.checksum), m.checksum + 3);
	assert_string_equal(strata_checksum_file_hex(old, &m), m.checksum_v0);
	assert_string_equal(strata_checksum_file_hex(m.checksum, &m), m.checksum + 3);
}

/*
 * Every up of the real corpora: normalising twice changes nothing more, the
 * lexer cuts the normalised text into as many statements, and most need no
 * fallback.
 */
static void test_corpus(void **state)
{
	static const char *const dirs[] = { "pg-cratesio/migrations", "sqlite-vaultwarden/migrations", "pg-hydra-pop/migrations",
					    NULL };
	size_t i, files = 0, fallbacks = 0;

	(void)state;
	for (i = 0; dirs[i]; i++) {
		char path[1024];
		DIR *d;
		struct dirent *de;

		snprintf(path, sizeof(path), "%s/%s", STRATA_CORPUS_DIR, dirs[i]);
		d = opendir(path);
		if (!d) {
			fprintf(stderr, "# skipped: no corpus at %s\n", path);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			char file[1400], *text;
			struct strata_buf a, b;
			FILE *fp;
			long n;

			if (!strstr(de->d_name, ".up.sql"))
				continue;
			snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
			fp = fopen(file, "rb");
			assert_non_null(fp);
			fseek(fp, 0, SEEK_END);
			n = ftell(fp);
			fseek(fp, 0, SEEK_SET);
			text = malloc((size_t)n + 1);
			assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
			fclose(fp);
			strata_buf_init(&a);
			strata_buf_init(&b);
			files++;
			if (strata_sql_normalise(text, (size_t)n, &a) == 0) {
				struct strata_split s1 = { 0 }, s2 = { 0 };
				enum strata_dialect dl = strstr(dirs[i], "sqlite") ? STRATA_DIALECT_SQLITE
										    : STRATA_DIALECT_POSTGRES;

				assert_int_equal(strata_sql_normalise(a.buf, a.len, &b), 0);
				assert_string_equal(a.buf, b.buf);
				/* the same statements, as the real lexer cuts them */
				if (strata_sql_split(text, (size_t)n, dl, &s1, NULL) == 0) {
					assert_int_equal(strata_sql_split(a.buf, a.len, dl, &s2, NULL), 0);
					assert_int_equal(strata_split_count(&s1), strata_split_count(&s2));
				}
				strata_split_release(&s1);
				strata_split_release(&s2);
			} else {
				fallbacks++;
			}
			strata_buf_release(&a);
			strata_buf_release(&b);
			free(text);
		}
		closedir(d);
	}
	if (files)
		fprintf(stderr, "# %zu corpus ups, %zu hashed as written\n", files, fallbacks);
	assert_true(fallbacks * 20 <= files);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_goes),
		cmocka_unit_test(test_comments_go),
		cmocka_unit_test(test_literals_kept),
		cmocka_unit_test(test_directives_count),
		cmocka_unit_test(test_ambiguous_falls_back),
		cmocka_unit_test(test_tag_and_old_form),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
