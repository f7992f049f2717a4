/*
 * test_sqlsplit_oracle.c - compare src/sqlsplit.c's statement boundaries
 * with the databases' own parsers.
 *
 * The data-file cases say what we believe; this says what the databases do.
 *   SQLite: (1) every vaultwarden migration is run in order in one :memory:
 *   database with sqlite3_prepare_v2() + sqlite3_step(), following the tail
 *   pointer, so each statement is parsed by SQLite itself against the
 *   schema the earlier ones built (downs afterwards, newest first); (2) every
 *   file and every SQLite data case is cut with sqlite3_complete(), which is
 *   what the sqlite3 shell splits with; (3) the data cases are also prepared
 *   in a fresh database where their own statements allow it.
 *   PostgreSQL: pg_query_split_with_parser() from libpg_query, the server's
 *   own grammar, on every crates.io migration: RawStmt stmt_location and
 *   stmt_len must equal our piece start and the offset of its ';'. Files the
 *   server cannot parse (crates.io 0132's down lacks a ';') are compared
 *   with libpg_query's scanner split instead. The PostgreSQL data cases the
 *   parser accepts are compared too, except those where psql (which strata
 *   follows) and the server disagree, listed in psql_differs[].
 *
 * Links with sqlite3 and pg_query; it is the only file of strata besides
 * driver_sqlite.c that includes sqlite3.h, because here SQLite is the oracle.
 */
#define SQLSPLIT_CASES_ONLY
#include "test_sqlsplit.c"

#include <pg_query.h>
#include <sqlite3.h>

/* ---------------------------------------------------------------- boundary sets */

struct bounds {
	size_t *v;
	size_t n;
};

static void bounds_add(struct bounds *b, size_t off)
{
	b->v = realloc(b->v, (b->n + 1) * sizeof(*b->v));
	assert_non_null(b->v);
	b->v[b->n++] = off;
}

/* Print the first difference; returns 0 when equal. */
static int bounds_diff(const char *what, const char *sql, const struct bounds *ours, const struct bounds *theirs)
{
	size_t i;

	for (i = 0; i < ours->n && i < theirs->n; i++)
		if (ours->v[i] != theirs->v[i])
			break;
	if (i == ours->n && i == theirs->n)
		return 0;
	print_error("%s: boundary %zu differs: strata %zd, oracle %zd (%zu vs %zu boundaries)\n", what, i + 1,
		    i < ours->n ? (ssize_t)ours->v[i] : (ssize_t)-1, i < theirs->n ? (ssize_t)theirs->v[i] : (ssize_t)-1,
		    ours->n, theirs->n);
	if (i < ours->n)
		print_error("  strata's statement ends: ...%.40s\n",
			    sql + (ours->v[i] > 40 ? ours->v[i] - 40 : 0));
	if (i < theirs->n)
		print_error("  oracle's statement ends: ...%.40s\n",
			    sql + (theirs->v[i] > 40 ? theirs->v[i] - 40 : 0));
	return 1;
}

/* Ends of our non-empty pieces. */
static void our_ends(const struct strata_split *sp, struct bounds *b)
{
	size_t i;

	for (i = 0; i < sp->n; i++)
		if (!(sp->s[i].flags & STRATA_STMT_EMPTY))
			bounds_add(b, sp->s[i].end);
}

/* ---------------------------------------------------------------- SQLite */

/*
 * Boundaries by sqlite3_complete(): from each piece start, the first ';'
 * that makes the text so far complete ends a piece (empty ones included).
 * Returns 1 if the text after the last boundary is incomplete only because
 * of an open quote or comment (complete() is also 0 for a missing ';').
 */
static void complete_ends(const char *sql, size_t len, struct bounds *b)
{
	char *buf = malloc(len + 1);
	size_t a = 0, j;

	assert_non_null(buf);
	for (j = 0; j < len; j++) {
		if (sql[j] != ';')
			continue;
		memcpy(buf, sql + a, j + 1 - a);
		buf[j + 1 - a] = '\0';
		if (sqlite3_complete(buf)) {
			bounds_add(b, j + 1);
			a = j + 1;
		}
	}
	free(buf);
}

/* Our ends of all pieces closed by a ';' (empty ones included), for complete_ends(). */
static void our_semi_ends(const char *sql, const struct strata_split *sp, struct bounds *b)
{
	size_t i;

	for (i = 0; i < sp->n; i++)
		if (sql[sp->s[i].end - 1] == ';')
			bounds_add(b, sp->s[i].end);
}

/*
 * Prepare and run every statement of `sql` in db, following the tail; the
 * tails of real statements go to b. Returns 0, or -1 (printing why) when
 * SQLite refuses a statement.
 */
static int prepare_ends(sqlite3 *db, const char *what, const char *sql, struct bounds *b, int quiet)
{
	const char *tail = sql;

	while (*tail) {
		sqlite3_stmt *st = NULL;
		const char *next = NULL;
		int rc = sqlite3_prepare_v2(db, tail, -1, &st, &next);

		if (rc != SQLITE_OK) {
			if (!quiet)
				print_error("%s: sqlite3_prepare_v2: %s\n", what, sqlite3_errmsg(db));
			return -1;
		}
		if (!st)
			break; /* only white space and comments were left */
		bounds_add(b, (size_t)(next - sql));
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			if (!quiet)
				print_error("%s: sqlite3_step: %s\n", what, sqlite3_errmsg(db));
			return -1;
		}
		tail = next;
	}
	return 0;
}

static int split_or_fail(const char *what, const char *sql, size_t len, enum strata_dialect d,
			 struct strata_split *sp)
{
	struct strata_err err = { 0 };

	strata_err_clear(&err);
	if (strata_sql_split(sql, len, d, sp, &err) != 0) {
		print_error("%s:%d: strata: %s\n", what, err.line, err.message);
		return -1;
	}
	return 0;
}

static void test_sqlite_vaultwarden(void **state)
{
	char dir[4096];
	char **ups, **downs;
	size_t nup, ndown, i, prepared = 0, completed = 0, stmts = 0;
	sqlite3 *db;
	int fails = 0, pass;

	snprintf(dir, sizeof(dir), "%s/sqlite-vaultwarden/migrations", STRATA_CORPUS_DIR);
	ups = list_dir(dir, ".up.sql", &nup);
	downs = list_dir(dir, ".down.sql", &ndown);
	if (!ups || !downs) {
		print_message("corpus %s not found, skipping\n", dir);
		skip();
	}
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	/* pass 0: ups, oldest first; pass 1: downs, newest first (a full rollback) */
	for (pass = 0; pass < 2; pass++) {
		size_t n = pass ? ndown : nup;

		for (i = 0; i < n; i++) {
			const char *name = pass ? downs[n - 1 - i] : ups[i];
			char path[8192];
			struct strata_split sp = { 0 };
			struct bounds ours = { 0 }, theirs = { 0 }, ours_semi = { 0 }, compl = { 0 };
			size_t len;
			char *sql;

			snprintf(path, sizeof(path), "%s/%s", dir, name);
			sql = read_file(path, &len);
			assert_non_null(sql);
			if (split_or_fail(path, sql, len, STRATA_DIALECT_SQLITE, &sp) == 0) {
				our_ends(&sp, &ours);
				if (prepare_ends(db, path, sql, &theirs, 0) == 0) {
					fails += bounds_diff(path, sql, &ours, &theirs);
					prepared++;
				} else {
					fails++;
				}
				our_semi_ends(sql, &sp, &ours_semi);
				complete_ends(sql, len, &compl);
				fails += bounds_diff(path, sql, &ours_semi, &compl);
				completed++;
				stmts += strata_split_count(&sp);
			} else {
				fails++;
			}
			strata_split_release(&sp);
			free(ours.v);
			free(theirs.v);
			free(ours_semi.v);
			free(compl.v);
			free(sql);
		}
	}
	sqlite3_close(db);
	print_message("sqlite oracle: %zu vaultwarden files (%zu statements): %zu agree with "
		      "sqlite3_prepare_v2, %zu with sqlite3_complete\n",
		      nup + ndown, stmts, prepared, completed);
	free_names(ups);
	free_names(downs);
	if (fails)
		fail_msg("%d disagreements with SQLite", fails);
}

/* Run every case of every data file for dialect d through check(). */
static void for_each_case(enum strata_dialect d,
			  int (*check)(const struct tfile *tf, const struct tcase *tc, size_t *compared, size_t *skipped),
			  size_t *compared, size_t *skipped, int *fails)
{
	const char *dir = STRATA_SOURCE_DIR "/tests/data/lexer";
	char **names;
	size_t n, i, j;

	names = list_dir(dir, ".test", &n);
	assert_non_null(names);
	for (i = 0; i < n; i++) {
		char path[8192];
		struct tfile tf = { 0 };
		size_t len;
		char *text;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		text = read_file(path, &len);
		assert_non_null(text);
		tf.path = strdup(path);
		parse_cases(&tf, text, len);
		for (j = 0; j < tf.n; j++)
			if (d == STRATA_DIALECT_SQLITE ? tf.cases[j].sqlite : tf.cases[j].postgres)
				*fails += check(&tf, &tf.cases[j], compared, skipped);
		free_tfile(&tf);
		free(text);
	}
	free_names(names);
}

static size_t sqlite_prepared_cases; /* data cases also compared with sqlite3_prepare_v2 */

static int check_sqlite_case(const struct tfile *tf, const struct tcase *tc, size_t *compared, size_t *skipped)
{
	struct strata_split sp = { 0 };
	struct bounds ours = { 0 }, compl = { 0 }, theirs = { 0 }, ours_all = { 0 };
	char what[1024];
	int fails = 0;

	snprintf(what, sizeof(what), "%s:%d: %s", tf->path, tc->line, tc->name);
	if (memchr(tc->input, '\0', tc->input_len) || tc->err_line) {
		/* C strings cannot hold NUL; an error case has no boundaries past the error */
		(*skipped)++;
		return 0;
	}
	if (split_or_fail(what, tc->input, tc->input_len, STRATA_DIALECT_SQLITE, &sp))
		return 1;
	our_semi_ends(tc->input, &sp, &ours);
	complete_ends(tc->input, tc->input_len, &compl);
	fails += bounds_diff(what, tc->input, &ours, &compl);
	(*compared)++;
	{
		/* prepare too, when the case's own statements give SQLite the schema it needs */
		sqlite3 *db;

		assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
		if (prepare_ends(db, what, tc->input, &theirs, 1) == 0) {
			our_ends(&sp, &ours_all);
			fails += bounds_diff(what, tc->input, &ours_all, &theirs);
			sqlite_prepared_cases++;
		}
		sqlite3_close(db);
	}
	strata_split_release(&sp);
	free(ours.v);
	free(compl.v);
	free(theirs.v);
	free(ours_all.v);
	return fails;
}

static void test_sqlite_data_cases(void **state)
{
	size_t compared = 0, skipped = 0;
	int fails = 0;

	for_each_case(STRATA_DIALECT_SQLITE, check_sqlite_case, &compared, &skipped, &fails);
	print_message("sqlite oracle: %zu data cases agree with sqlite3_complete, %zu of them also with "
		      "sqlite3_prepare_v2 (self-contained ones); %zu skipped (errors, NUL bytes)\n",
		      compared, sqlite_prepared_cases, skipped);
	if (fails)
		fail_msg("%d disagreements with SQLite", fails);
}

/* ---------------------------------------------------------------- PostgreSQL */

/*
 * libpg_query's RawStmt boundaries as our pieces would carry them: a
 * statement located at L with length N ends at L + N, where its ';' is (we
 * end one past it), or at the end of input. Returns -1 on a parse error.
 */
static int pg_ends(const char *sql, size_t len, int scanner, struct bounds *b, char *why, size_t whylen)
{
	PgQuerySplitResult r = scanner ? pg_query_split_with_scanner(sql) : pg_query_split_with_parser(sql);
	int i;

	if (r.error) {
		snprintf(why, whylen, "%s at %d", r.error->message, r.error->cursorpos);
		pg_query_free_split_result(r);
		return -1;
	}
	for (i = 0; i < r.n_stmts; i++) {
		size_t end = (size_t)r.stmts[i]->stmt_location + (size_t)r.stmts[i]->stmt_len;

		bounds_add(b, end < len && sql[end] == ';' ? end + 1 : end);
	}
	pg_query_free_split_result(r);
	return 0;
}

/* Our starts of non-empty pieces must be libpg_query's stmt_location too. */
static int pg_starts_diff(const char *what, const char *sql, const struct strata_split *sp, int scanner)
{
	PgQuerySplitResult r = scanner ? pg_query_split_with_scanner(sql) : pg_query_split_with_parser(sql);
	size_t i, k = 0;
	int bad = 0;

	for (i = 0; i < sp->n && !r.error; i++) {
		if (sp->s[i].flags & STRATA_STMT_EMPTY)
			continue;
		if ((int)k < r.n_stmts && (size_t)r.stmts[k]->stmt_location != sp->s[i].start) {
			print_error("%s: statement %zu starts at %zu, libpg_query says %d\n", what, k + 1,
				    sp->s[i].start, r.stmts[k]->stmt_location);
			bad = 1;
			break;
		}
		k++;
	}
	pg_query_free_split_result(r);
	return bad;
}

static void test_postgres_cratesio(void **state)
{
	char dir[4096];
	char **names;
	size_t n, i, parsed = 0, scanned = 0, stmts = 0;
	int fails = 0;

	snprintf(dir, sizeof(dir), "%s/pg-cratesio/migrations", STRATA_CORPUS_DIR);
	names = list_dir(dir, ".sql", &n);
	if (!names) {
		print_message("corpus %s not found, skipping\n", dir);
		skip();
	}
	for (i = 0; i < n; i++) {
		char path[8192], why[512];
		struct strata_split sp = { 0 };
		struct bounds ours = { 0 }, theirs = { 0 };
		int scanner = 0;
		size_t len;
		char *sql;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		sql = read_file(path, &len);
		assert_non_null(sql);
		if (split_or_fail(path, sql, len, STRATA_DIALECT_POSTGRES, &sp) == 0) {
			our_ends(&sp, &ours);
			if (pg_ends(sql, len, 0, &theirs, why, sizeof(why)) != 0) {
				print_message("note: %s: the PostgreSQL grammar refuses it (%s); comparing with "
					      "libpg_query's scanner split\n",
					      names[i], why);
				scanner = 1;
				free(theirs.v);
				theirs.v = NULL;
				theirs.n = 0;
				if (pg_ends(sql, len, 1, &theirs, why, sizeof(why)) != 0) {
					print_error("%s: libpg_query scanner: %s\n", path, why);
					fails++;
				}
			}
			fails += bounds_diff(path, sql, &ours, &theirs);
			fails += pg_starts_diff(path, sql, &sp, scanner);
			if (scanner)
				scanned++;
			else
				parsed++;
			stmts += strata_split_count(&sp);
		} else {
			fails++;
		}
		strata_split_release(&sp);
		free(ours.v);
		free(theirs.v);
		free(sql);
	}
	print_message("postgres oracle: %zu crates.io files (%zu statements): %zu compared with "
		      "pg_query_split_with_parser, %zu with pg_query_split_with_scanner\n",
		      n, stmts, parsed, scanned);
	free_names(names);
	if (fails)
		fail_msg("%d disagreements with libpg_query", fails);
}

/*
 * Data cases where psql, which strata follows, and the server's grammar
 * cut differently, on purpose (the case names say why).
 */
static const char *const psql_differs[] = {
	/* psql counts BEGIN/END words in any CREATE FUNCTION header */
	"psql's heuristic, kept as is: an unquoted word \"begin\" in a function header opens a block",
	/* psql learns standard_conforming_strings from the server after each statement */
	"SET standard_conforming_strings = off makes plain strings take escapes, RESET undoes it",
	NULL,
};

static int check_postgres_case(const struct tfile *tf, const struct tcase *tc, size_t *compared, size_t *skipped)
{
	struct strata_split sp = { 0 };
	struct bounds ours = { 0 }, theirs = { 0 };
	char what[1024], why[512];
	int fails = 0, i;

	snprintf(what, sizeof(what), "%s:%d: %s", tf->path, tc->line, tc->name);
	for (i = 0; psql_differs[i]; i++)
		if (!strcmp(tc->name, psql_differs[i])) {
			(*skipped)++;
			return 0;
		}
	if (memchr(tc->input, '\0', tc->input_len) || tc->err_line) {
		(*skipped)++;
		return 0;
	}
	if (split_or_fail(what, tc->input, tc->input_len, STRATA_DIALECT_POSTGRES, &sp))
		return 1;
	if (pg_ends(tc->input, tc->input_len, 0, &theirs, why, sizeof(why)) == 0) {
		our_ends(&sp, &ours);
		fails += bounds_diff(what, tc->input, &ours, &theirs);
		fails += pg_starts_diff(what, tc->input, &sp, 0);
		(*compared)++;
	} else {
		(*skipped)++; /* not valid PostgreSQL (MySQL-isms, deliberate nonsense) */
	}
	strata_split_release(&sp);
	free(ours.v);
	free(theirs.v);
	return fails;
}

static void test_postgres_data_cases(void **state)
{
	size_t compared = 0, skipped = 0;
	int fails = 0;

	for_each_case(STRATA_DIALECT_POSTGRES, check_postgres_case, &compared, &skipped, &fails);
	print_message("postgres oracle: %zu data cases agree with pg_query_split_with_parser, %zu skipped "
		      "(errors, NUL bytes, not accepted by the grammar, or psql_differs[])\n",
		      compared, skipped);
	if (fails)
		fail_msg("%d disagreements with libpg_query", fails);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlite_vaultwarden),
		cmocka_unit_test(test_sqlite_data_cases),
		cmocka_unit_test(test_postgres_cratesio),
		cmocka_unit_test(test_postgres_data_cases),
	};

	return cmocka_run_group_tests_name("sqlsplit_oracle", tests, NULL, NULL);
}
