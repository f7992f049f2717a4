/*
 * test_checksum.c - unit tests of the checksum normaliser (src/checksum.c):
 * edits that change no statement give the same text, edits inside literals
 * and directives do not, each dialect's token shapes are followed (dollar
 * quotes and nested comments in PostgreSQL, brackets and backticks in
 * SQLite), and what is not followed falls back to the text as written. The
 * corpus check at the end runs every up script of the real corpora through
 * it (when ../shared/corpus is there).
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

#include "buf.h"
#include "split.h"

#define PG STRATA_DIALECT_POSTGRES
#define SQ STRATA_DIALECT_SQLITE

static void expect_d(enum strata_dialect d, const char *in, const char *want)
{
	struct strata_buf b;

	strata_buf_init(&b);
	assert_int_equal(strata_sql_normalise(in, strlen(in), d, &b), 0);
	assert_false(b.broken);
	assert_string_equal(b.buf, want);
	strata_buf_release(&b);
}

/* Both dialects read it alike. */
static void expect(const char *in, const char *want)
{
	expect_d(PG, in, want);
	expect_d(SQ, in, want);
}

static int falls_back(enum strata_dialect d, const char *s)
{
	struct strata_buf b;
	int rc;

	strata_buf_init(&b);
	rc = strata_sql_normalise(s, strlen(s), d, &b);
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
	same_sum("CREATE TABLE t (id int);", "\r\n  CREATE TABLE t (\r\n\tid int\r\n) ;\r\n");
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
	expect("-- c\r\nSELECT 1;\r\n", "SELECT 1;");
	/* but tokens stay apart: joining them would be another statement */
	other_sum("SELECT a b;", "SELECT ab;");
	other_sum("SELECT 1 - -1;", "SELECT 1 --1;");
	other_sum("SELECT 1 < = 2;", "SELECT 1 <= 2;");
	/* PostgreSQL nests block comments, SQLite ends them at the first */
	expect_d(PG, "/* a /* b */ c */ SELECT 1;", "SELECT 1;");
	expect_d(SQ, "/* a /* b */ c */ SELECT 1;", "c */ SELECT 1;");
	/* PostgreSQL ends a -- comment at a lone CR too */
	expect_d(PG, "-- c;\rSELECT 1;\n", "SELECT 1;");
	expect_d(SQ, "-- c;\rSELECT 1;\n", "");
	other_sum("-- c;\rSELECT 1;\n", "-- c;\rSELECT 2;\n");
}

static void test_literals_kept(void **state)
{
	(void)state;
	expect("INSERT INTO t VALUES ('a  b', 'it''s', '-- not a comment', '/* nor this */');",
	       "INSERT INTO t VALUES('a  b','it''s','-- not a comment','/* nor this */');");
	expect("SELECT \"my  col\", \"a\"\"b\" FROM \"t -- x\";", "SELECT \"my  col\",\"a\"\"b\" FROM \"t -- x\";");
	expect_d(SQ, "SELECT `a  b`, [c  d] FROM t;", "SELECT `a  b`,[c  d] FROM t;");
	expect_d(PG, "CREATE FUNCTION f() RETURNS int AS $$\n  SELECT 1;  -- one\n$$ LANGUAGE sql;",
		 "CREATE FUNCTION f()RETURNS int AS $$\n  SELECT 1;  -- one\n$$ LANGUAGE sql;");
	expect_d(PG, "DO $body$ BEGIN\r\n  PERFORM 1; END $body$;", "DO $body$ BEGIN\n  PERFORM 1; END $body$;");
	/* $1 and a$b are no dollar quotes; 1$$ is a number and one */
	expect_d(PG, "PREPARE p AS SELECT $1 ,  a$b$c FROM t;", "PREPARE p AS SELECT $1,a$b$c FROM t;");
	expect_d(PG, "SELECT 1$$ x  y $$;", "SELECT 1$$ x  y $$;");
	expect_d(PG, "SELECT 6E7$$ x  y $$, 1.5e-3$$ z  z $$, x6E7$$y;", "SELECT 6E7$$ x  y $$,1.5e-3$$ z  z $$,x6E7$$y;");
	/* $4 is a parameter, E7$$ a word after it */
	expect_d(PG, "SELECT $4E7$$  x;", "SELECT $4E7$$ x;");
	/* SQLite has no dollar quotes: $ is part of a variable */
	expect_d(SQ, "SELECT $$ x  y $$;", "SELECT $$ x y $$;");
	/* white space inside a literal matters */
	other_sum("INSERT INTO t VALUES ('a b');", "INSERT INTO t VALUES ('a  b');");
	other_sum("SELECT $$a b$$;", "SELECT $$a  b$$;");
	other_sum("SELECT \"a b\" FROM t;", "SELECT \"a  b\" FROM t;");
	/* 'a'<newline>'b' is one literal in PostgreSQL, 'a' 'b' an error */
	expect_d(PG, "SELECT 'a'\n  'b';", "SELECT 'a'\n'b';");
	expect_d(PG, "SELECT 'a' -- c\n 'b';", "SELECT 'a'\n'b';");
	expect_d(PG, "SELECT 'a' /* c */\n'b';", "SELECT 'a' 'b';");
	expect_d(SQ, "SELECT 'a'\n  'b';", "SELECT 'a' 'b';");
	other_sum("SELECT 'a'\n'b';", "SELECT 'a' 'b';");
	same_sum("SELECT 'a'\n'b';", "SELECT 'a'\n\n   'b';");
}

static void test_escapes(void **state)
{
	(void)state;
	/* E'' strings: a backslash escapes the quote in PostgreSQL */
	expect_d(PG, "SELECT E'it\\'s -- x'  ;", "SELECT E'it\\'s -- x';");
	other_sum("SELECT E'it\\'s -- x';", "SELECT E'it\\'s -- y';");
	/* ... and not in a plain literal, nor after a longer word */
	expect_d(PG, "SELECT 'a\\'   ;", "SELECT 'a\\';");
	expect_d(PG, "SELECT some'a\\'   ;", "SELECT some'a\\';");
	/* a literal continuing an E'' one keeps its escapes */
	expect_d(PG, "SELECT E'a'\n'\\'';", "SELECT E'a'\n'\\'';");
	/* a script that sets standard_conforming_strings is hashed as written */
	assert_int_equal(falls_back(PG, "SET standard_conforming_strings = off; SELECT 'a\\'';"), 1);
	assert_int_equal(falls_back(SQ, "SET standard_conforming_strings = off; SELECT 'a\\';"), 0);
}

static void test_directives_count(void **state)
{
	(void)state;
	expect("-- strata:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);",
	       "-- strata:no-transaction\nCREATE INDEX CONCURRENTLY i ON t(x);");
	expect("--strata:timeout 5m   \r\nSELECT 1;", "-- strata:timeout 5m\nSELECT 1;");
	other_sum("CREATE INDEX CONCURRENTLY i ON t (x);", "-- strata:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);");
	other_sum("-- strata:timeout 5m\nSELECT 1;", "-- strata:timeout 6m\nSELECT 1;");
	other_sum("-- strata:irreversible\nSELECT 1;", "SELECT 1;");
	same_sum("-- strata:timeout 5m\nSELECT 1;", "  -- strata:timeout 5m  \n\n\nSELECT   1;\n-- done\n");
}

static void test_unterminated_falls_back(void **state)
{
	char x[STRATA_CHECKSUM_SIZE];

	(void)state;
	assert_int_equal(falls_back(PG, "SELECT 'open"), 1);
	assert_int_equal(falls_back(PG, "SELECT $$open"), 1);
	assert_int_equal(falls_back(SQ, "SELECT $$open"), 0);
	assert_int_equal(falls_back(PG, "/* open"), 1);
	assert_int_equal(falls_back(PG, "/* a /* b */"), 1);
	assert_int_equal(falls_back(SQ, "/* a /* b */"), 0);
	assert_int_equal(falls_back(SQ, "SELECT \"open"), 1);
	assert_int_equal(falls_back(SQ, "SELECT [open"), 1);
	assert_int_equal(falls_back(PG, "SELECT a[1"), 0);
	/* hashed as written: any edit counts */
	other_sum("SELECT 'open  ", "SELECT 'open ");
	strata_checksum_s1("SELECT 'open", 12, x);
	assert_memory_equal(x, "s1:", 3);
	assert_int_equal(strlen(x), 67);
	/* PostgreSQL arrays are ordinary tokens */
	expect_d(PG, "CREATE TABLE t (tags text [] , m int[2]);", "CREATE TABLE t(tags text [],m int[2]);");
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
	/* what the previous release recorded: the plain hex of the file, CRLF as LF */
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

static char *slurp(const char *file, size_t *len)
{
	FILE *fp = fopen(file, "rb");
	char *text;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	text = malloc((size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return text;
}

/* Normalising twice changes nothing more, and the lexer cuts the result into as many statements. */
static int check_text(const char *text, size_t len, enum strata_dialect d)
{
	struct strata_buf a, b;
	struct strata_split s1 = { 0 }, s2 = { 0 };
	int rc;

	strata_buf_init(&a);
	strata_buf_init(&b);
	rc = strata_sql_normalise(text, len, d, &a);
	if (rc == 0) {
		assert_int_equal(strata_sql_normalise(a.buf, a.len, d, &b), 0);
		assert_string_equal(a.buf, b.buf);
		if (strata_sql_split(text, len, d, &s1, NULL) == 0) {
			assert_int_equal(strata_sql_split(a.buf, a.len, d, &s2, NULL), 0);
			assert_int_equal(strata_split_count(&s1), strata_split_count(&s2));
		}
	}
	strata_split_release(&s1);
	strata_split_release(&s2);
	strata_buf_release(&a);
	strata_buf_release(&b);
	return rc;
}

/* Every up of the real corpora, in its own dialect: almost none needs the fallback. */
static void test_corpus(void **state)
{
	static const struct {
		const char *dir;
		enum strata_dialect d;
	} dirs[] = {
		{ "pg-cratesio/migrations", PG },
		{ "pg-hydra-pop/migrations", PG },
		{ "sqlite-vaultwarden/migrations", SQ },
		{ NULL, 0 },
	};
	size_t i, files = 0, fallbacks = 0;

	(void)state;
	for (i = 0; dirs[i].dir; i++) {
		char path[1024];
		DIR *d;
		struct dirent *de;

		snprintf(path, sizeof(path), "%s/%s", STRATA_CORPUS_DIR, dirs[i].dir);
		d = opendir(path);
		if (!d) {
			fprintf(stderr, "# skipped: no corpus at %s\n", path);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			char file[1400], *text;
			size_t len;

			if (!strstr(de->d_name, ".up.sql"))
				continue;
			snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
			text = slurp(file, &len);
			files++;
			fallbacks += (size_t)check_text(text, len, dirs[i].d);
			check_text(text, len, dirs[i].d == PG ? SQ : PG);
			free(text);
		}
		closedir(d);
	}
	if (files)
		fprintf(stderr, "# %zu corpus ups, %zu hashed as written in their dialect\n", files, fallbacks);
	assert_true(fallbacks * 20 <= files);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_goes),
		cmocka_unit_test(test_comments_go),
		cmocka_unit_test(test_literals_kept),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_directives_count),
		cmocka_unit_test(test_unterminated_falls_back),
		cmocka_unit_test(test_tag_and_old_form),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
