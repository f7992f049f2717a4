/*
 * test_sqlsplit.c - unit tests of the SQL splitter (src/sqlsplit.c).
 *
 * Most cases live in data files, tests/data/lexer/NAME.test, so that anyone can
 * add one without writing C (like jq's tests/jq.test); the format is
 * described at the top of each file and parsed by parse_cases() below. Every
 * case, and every migration of the real corpora in ../shared/corpus, is also
 * checked against the invariants the rest of strata relies on (pieces cover
 * the input in order, body inside its piece, lines right). A few API details
 * that data files cannot express are plain cmocka tests at the end.
 *
 * STRATA_SOURCE_DIR (the repository root) and STRATA_CORPUS_DIR come from
 * the build; the corpus tests are skipped, saying so, when it is missing.
 * test_sqlsplit_oracle.c includes this file with SQLSPLIT_CASES_ONLY defined
 * to reuse the data-file reader without the tests.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "util.h"
#include "split.h"
#include "lexer.h"

#ifndef STRATA_SOURCE_DIR
#define STRATA_SOURCE_DIR "."
#endif
#ifndef STRATA_CORPUS_DIR
#define STRATA_CORPUS_DIR STRATA_SOURCE_DIR "/../shared/corpus"
#endif

#define MAYBE_UNUSED __attribute__((unused))

/* ---------------------------------------------------------------- helpers */

MAYBE_UNUSED static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in `dir` ending with `suffix`, NULL-terminated; NULL if the directory is missing. */
MAYBE_UNUSED static char **list_dir(const char *dir, const char *suffix, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, sl = strlen(suffix);

	if (!d)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l < sl || strcmp(de->d_name + l - sl, suffix) != 0)
			continue;
		names = realloc(names, (n + 2) * sizeof(*names));
		assert_non_null(names);
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	if (!names)
		names = calloc(1, sizeof(*names));
	qsort(names, n, sizeof(*names), cmp_names);
	names[n] = NULL;
	*count = n;
	return names;
}

MAYBE_UNUSED static void free_names(char **names)
{
	size_t i;

	for (i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

/*
 * The invariants every split must satisfy. Returns NULL or a static message
 * naming the first violation.
 */
/* MySQL: a piece may also end where a DELIMITER's delimiter starts (the next piece holds it). */
static int invariants_mysql;

MAYBE_UNUSED static const char *check_invariants(const char *sql, size_t len, const struct strata_split *sp)
{
	static char msg[256];
	size_t i, at = 0;

	if (len == 0)
		return sp->n == 0 ? NULL : "pieces for empty input";
	if (sp->n == 0)
		return "no pieces for non-empty input";
	for (i = 0; i < sp->n; i++) {
		const struct strata_stmt *st = &sp->s[i];
		size_t lo = (st->flags & STRATA_STMT_EMPTY) ? st->start : st->body;

		if (st->start != at) {
			snprintf(msg, sizeof(msg), "piece %zu starts at %zu, previous ended at %zu", i, st->start, at);
			return msg;
		}
		if (st->end <= st->start || st->end > len) {
			snprintf(msg, sizeof(msg), "piece %zu has bad end %zu (start %zu, len %zu)", i, st->end,
				 st->start, len);
			return msg;
		}
		if (st->body < st->start || st->body > st->end) {
			snprintf(msg, sizeof(msg), "piece %zu body %zu outside [%zu,%zu]", i, st->body, st->start,
				 st->end);
			return msg;
		}
		if ((st->flags & STRATA_STMT_EMPTY) && st->body != st->end) {
			snprintf(msg, sizeof(msg), "empty piece %zu has body != end", i);
			return msg;
		}
		if (!(st->flags & STRATA_STMT_EMPTY) && st->body == st->end) {
			snprintf(msg, sizeof(msg), "non-empty piece %zu has an empty body", i);
			return msg;
		}
		if (!(st->flags & STRATA_STMT_EMPTY) && (sql[st->body] == ' ' || sql[st->body] == '\n')) {
			snprintf(msg, sizeof(msg), "piece %zu body starts with white space", i);
			return msg;
		}
		if (st->line != strata_line_of(sql, len, lo)) {
			snprintf(msg, sizeof(msg), "piece %zu line %d, strata_line_of says %d", i, st->line,
				 strata_line_of(sql, len, lo));
			return msg;
		}
		at = st->end;
	}
	if (at != len)
		return "pieces do not reach the end of input";
	for (i = 0; i + 1 < sp->n && !invariants_mysql; i++)
		if (sql[sp->s[i].end - 1] != ';')
			return "a piece before the last one does not end with ';'";
	return NULL;
}

/* ---------------------------------------------------------------- data files */

/*
 * One case of a .test file. See tests/data/lexer/postgres.test for the
 * format; in short:
 *
 *   === name [postgres|sqlite|both|mysql] [noeol] [esc]
 *   input lines
 *   --- [no-tx] [tx=K] [commit] [open-body] [line=N] one per expected statement (trimmed body),
 *   statement lines             or "--- [none]" when there are none,
 *   --- error N: substring      or the expected error instead.
 */
struct expect {
	char *text;     /* expected trimmed body */
	size_t len;     /* its length (it may hold NUL bytes) */
	int no_tx;      /* STRATA_STMT_NO_TX expected */
	unsigned tx;    /* STRATA_STMT_TX_* bits expected (tx=begin|end|chain|pragma) */
	int commit;     /* MySQL: STRATA_STMT_IMPLICIT_COMMIT expected ("commit"); clear without it */
	int open_body;  /* MySQL: STRATA_STMT_OPEN_BODY expected ("open-body"); clear without it */
	int line;       /* expected line, 0 = not checked */
};

struct tcase {
	char *name;
	int line;               /* line of the === header in the data file */
	int postgres, sqlite;   /* dialects to run */
	int mysql;
	char *input;
	size_t input_len;
	struct expect *ex;
	size_t nex;
	int none;               /* "--- [none]": no statements expected */
	int err_line;           /* > 0: an error is expected at this line */
	char *err_text;         /* substring of the expected message */
};

struct tfile {
	char *path;
	struct tcase *cases;
	size_t n;
};

static void sb_add(char **s, size_t *len, const char *p, size_t n)
{
	*s = realloc(*s, *len + n + 1);
	assert_non_null(*s);
	memcpy(*s + *len, p, n);
	*len += n;
	(*s)[*len] = '\0';
}

/* Decode \n \r \t \f \0 \\ \xHH in place; returns the new length. */
static size_t unescape(char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (s[i] != '\\' || i + 1 >= len) {
			s[o++] = s[i];
			continue;
		}
		switch (s[++i]) {
		case 'n': s[o++] = '\n'; break;
		case 'r': s[o++] = '\r'; break;
		case 't': s[o++] = '\t'; break;
		case 'f': s[o++] = '\f'; break;
		case '0': s[o++] = '\0'; break;
		case 'x': {
			char hex[3] = { 0 };

			if (i + 2 < len) {
				hex[0] = s[i + 1];
				hex[1] = s[i + 2];
				i += 2;
			}
			s[o++] = (char)strtol(hex, NULL, 16);
			break;
		}
		default: s[o++] = s[i]; break;
		}
	}
	s[o] = '\0';
	return o;
}

static int is_separator(const char *l, size_t n)
{
	if (n == 3 && memcmp(l, "---", 3) == 0)
		return 1;
	if (n > 5 && memcmp(l, "--- [", 5) == 0 && l[n - 1] == ']')
		return 1;
	return n > 10 && memcmp(l, "--- error ", 10) == 0;
}

/* Trim white space at both ends of [*p, *p+*n). */
MAYBE_UNUSED static void trim(const char **p, size_t *n)
{
	while (*n && strchr(" \t\r\n\f", (*p)[0]))
		(*p)++, (*n)--;
	while (*n && strchr(" \t\r\n\f", (*p)[*n - 1]))
		(*n)--;
}

MAYBE_UNUSED static void parse_cases(struct tfile *tf, const char *text, size_t len)
{
	const char *p = text, *e = text + len;
	struct tcase *tc = NULL;
	int lineno = 0, in_input = 0, esc = 0, noeol = 0;
	char *block = NULL;
	size_t blen = 0;
	struct expect *cur = NULL;

#define FINISH_BLOCK()                                                                                        \
	do {                                                                                                  \
		if (tc && in_input) {                                                                         \
			tc->input = block ? block : strdup("");                                              \
			tc->input_len = blen;                                                                 \
			if (!noeol && block)                                                                  \
				sb_add(&tc->input, &tc->input_len, "\n", 1);                                 \
			if (esc)                                                                              \
				tc->input_len = unescape(tc->input, tc->input_len);                          \
		} else if (cur) {                                                                             \
			cur->text = block ? block : strdup("");                                              \
			cur->len = esc ? unescape(cur->text, blen) : blen;                                   \
		} else {                                                                                      \
			free(block);                                                                          \
		}                                                                                             \
		block = NULL;                                                                                 \
		blen = 0;                                                                                     \
		cur = NULL;                                                                                   \
		in_input = 0;                                                                                 \
	} while (0)

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
		const char *l = p;

		p = nl ? nl + 1 : e;
		lineno++;
		if (n >= 4 && memcmp(l, "=== ", 4) == 0) {
			const char *br = NULL, *q;

			FINISH_BLOCK();
			tf->cases = realloc(tf->cases, (tf->n + 1) * sizeof(*tf->cases));
			assert_non_null(tf->cases);
			tc = &tf->cases[tf->n++];
			memset(tc, 0, sizeof(*tc));
			tc->line = lineno;
			for (q = l + n; q > l; q--)
				if (*(q - 1) == '[') {
					br = q - 1;
					break;
				}
			if (!br || l[n - 1] != ']')
				fail_msg("%s:%d: header without [dialect]", tf->path, lineno);
			q = br;
			while (q > l + 4 && q[-1] == ' ')
				q--;
			tc->name = strndup(l + 4, (size_t)(q - l - 4));
			{
				char opts[128];
				char *tok, *save;

				snprintf(opts, sizeof(opts), "%.*s", (int)(l + n - 1 - br - 1), br + 1);
				esc = noeol = 0;
				for (tok = strtok_r(opts, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
					if (!strcmp(tok, "postgres"))
						tc->postgres = 1;
					else if (!strcmp(tok, "sqlite"))
						tc->sqlite = 1;
					else if (!strcmp(tok, "both"))
						tc->postgres = tc->sqlite = 1;
					else if (!strcmp(tok, "mysql"))
						tc->mysql = 1;
					else if (!strcmp(tok, "noeol"))
						noeol = 1;
					else if (!strcmp(tok, "esc"))
						esc = 1;
					else
						fail_msg("%s:%d: unknown option %s", tf->path, lineno, tok);
				}
			}
			in_input = 1;
			continue;
		}
		if (!tc)
			continue; /* the file's preamble */
		if (is_separator(l, n)) {
			FINISH_BLOCK();
			if (n > 10 && memcmp(l, "--- error ", 10) == 0) {
				char *colon;

				tc->err_line = atoi(l + 10);
				colon = memchr(l, ':', n);
				if (tc->err_line <= 0 || !colon)
					fail_msg("%s:%d: want '--- error LINE: text'", tf->path, lineno);
				colon++;
				while (*colon == ' ')
					colon++;
				tc->err_text = strndup(colon, (size_t)(l + n - colon));
				continue;
			}
			if (n == 10 && memcmp(l, "--- [none]", 10) == 0) {
				tc->none = 1;
				continue;
			}
			tc->ex = realloc(tc->ex, (tc->nex + 1) * sizeof(*tc->ex));
			assert_non_null(tc->ex);
			cur = &tc->ex[tc->nex++];
			memset(cur, 0, sizeof(*cur));
			if (n > 3) {
				char attrs[128];
				char *tok, *save;

				snprintf(attrs, sizeof(attrs), "%.*s", (int)(n - 6), l + 5);
				for (tok = strtok_r(attrs, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
					if (!strcmp(tok, "no-tx"))
						cur->no_tx = 1;
					else if (!strcmp(tok, "tx=begin"))
						cur->tx = STRATA_STMT_TX_BEGIN;
					else if (!strcmp(tok, "tx=end"))
						cur->tx = STRATA_STMT_TX_END;
					else if (!strcmp(tok, "tx=chain"))
						cur->tx = STRATA_STMT_TX_END | STRATA_STMT_TX_BEGIN;
					else if (!strcmp(tok, "tx=pragma"))
						cur->tx = STRATA_STMT_TX_PRAGMA;
					else if (!strcmp(tok, "commit"))
						cur->commit = 1;
					else if (!strcmp(tok, "open-body"))
						cur->open_body = 1;
					else if (!strncmp(tok, "line=", 5))
						cur->line = atoi(tok + 5);
					else
						fail_msg("%s:%d: unknown attribute %s", tf->path, lineno, tok);
				}
			}
			continue;
		}
		if (!in_input && !cur) {
			if (n)
				fail_msg("%s:%d: text after an error expectation", tf->path, lineno);
			continue;
		}
		if (block)
			sb_add(&block, &blen, "\n", 1);
		else
			block = strdup(""), blen = 0;
		sb_add(&block, &blen, l, n);
	}
	FINISH_BLOCK();
#undef FINISH_BLOCK
}

MAYBE_UNUSED static void free_tfile(struct tfile *tf)
{
	size_t i, j;

	for (i = 0; i < tf->n; i++) {
		struct tcase *tc = &tf->cases[i];

		free(tc->name);
		free(tc->input);
		free(tc->err_text);
		for (j = 0; j < tc->nex; j++)
			free(tc->ex[j].text);
		free(tc->ex);
	}
	free(tf->cases);
	free(tf->path);
}

#ifndef SQLSPLIT_CASES_ONLY /* test_sqlsplit_oracle.c reuses what is above */

/* Run one case in one dialect; returns the number of failures, printing each. */
static int run_case(const struct tfile *tf, const struct tcase *tc, enum strata_dialect d)
{
	const char *dn = d == STRATA_DIALECT_POSTGRES ? "postgres" : d == STRATA_DIALECT_MYSQL ? "mysql" : "sqlite";
	struct strata_split sp = { 0 };
	struct strata_err err = { 0 };
	const char *bad;
	size_t i, k = 0;
	int rc, fails = 0;

	strata_err_release(&err);
	rc = strata_sql_split(tc->input, tc->input_len, d, &sp, &err);
	if (tc->err_line) {
		if (rc != STRATA_ESOURCE || err.code != STRATA_ESOURCE) {
			print_error("%s:%d: %s [%s]: want error, got rc %d\n", tf->path, tc->line, tc->name, dn, rc);
			fails++;
		} else if (err.line != tc->err_line || !strstr(err.message, tc->err_text)) {
			print_error("%s:%d: %s [%s]: want error %d: %s, got %d: %s\n", tf->path, tc->line, tc->name,
				    dn, tc->err_line, tc->err_text, err.line, err.message);
			fails++;
		} else if (sp.n != 0) {
			print_error("%s:%d: %s [%s]: pieces left after an error\n", tf->path, tc->line, tc->name, dn);
			fails++;
		}
		strata_split_release(&sp);
		strata_err_release(&err);
		return fails;
	}
	if (rc != 0) {
		print_error("%s:%d: %s [%s]: unexpected error line %d: %s\n", tf->path, tc->line, tc->name, dn,
			    err.line, err.message);
		strata_split_release(&sp);
		strata_err_release(&err);
		return 1;
	}
	invariants_mysql = d == STRATA_DIALECT_MYSQL;
	bad = check_invariants(tc->input, tc->input_len, &sp);
	invariants_mysql = 0;
	if (bad) {
		print_error("%s:%d: %s [%s]: %s\n", tf->path, tc->line, tc->name, dn, bad);
		fails++;
	}
	for (i = 0; i < sp.n; i++) {
		const struct strata_stmt *st = &sp.s[i];
		const char *got = tc->input + st->body, *want;
		size_t glen = st->end - st->body, wlen;
		const struct expect *ex;

		if (st->flags & STRATA_STMT_EMPTY)
			continue;
		if (k >= tc->nex) {
			print_error("%s:%d: %s [%s]: extra statement %zu: %.*s\n", tf->path, tc->line, tc->name, dn,
				    k + 1, (int)glen, got);
			fails++;
			k++;
			continue;
		}
		ex = &tc->ex[k++];
		want = ex->text;
		wlen = ex->len;
		trim(&got, &glen);
		trim(&want, &wlen);
		if (glen != wlen || memcmp(got, want, glen) != 0) {
			print_error("%s:%d: %s [%s]: statement %zu\n  want: %.*s\n  got:  %.*s\n", tf->path, tc->line,
				    tc->name, dn, k, (int)wlen, want, (int)glen, got);
			fails++;
		}
		if (!!(st->flags & STRATA_STMT_NO_TX) != (d == STRATA_DIALECT_POSTGRES && ex->no_tx)) {
			print_error("%s:%d: %s [%s]: statement %zu: no-tx flag %s\n", tf->path, tc->line, tc->name, dn,
				    k, st->flags & STRATA_STMT_NO_TX ? "set" : "not set");
			fails++;
		}
		if (!!(st->flags & STRATA_STMT_OPEN_BODY) != ex->open_body) {
			print_error("%s:%d: %s [%s]: statement %zu: open-body flag %s\n", tf->path, tc->line, tc->name, dn,
				    k, ex->open_body ? "not set" : "set");
			fails++;
		}
		if (!!(st->flags & STRATA_STMT_IMPLICIT_COMMIT) != ex->commit) {
			print_error("%s:%d: %s [%s]: statement %zu: implicit-commit flag %s\n", tf->path, tc->line,
				    tc->name, dn, k, ex->commit ? "not set" : "set");
			fails++;
		}
		if (!!(st->flags & STRATA_STMT_IMPLICIT_COMMIT) !=
		    strata_stmt_implicit_commit(d, tc->input + st->body, st->end - st->body)) {
			print_error("%s:%d: %s [%s]: statement %zu: strata_stmt_implicit_commit disagrees with the flag\n",
				    tf->path, tc->line, tc->name, dn, k);
			fails++;
		}
		if ((st->flags & STRATA_STMT_TX) != ex->tx) {
			print_error("%s:%d: %s [%s]: statement %zu: transaction control flags %#x, want %#x\n",
				    tf->path, tc->line, tc->name, dn, k, st->flags & STRATA_STMT_TX, ex->tx);
			fails++;
		}
		if (ex->line && ex->line != st->line) {
			print_error("%s:%d: %s [%s]: statement %zu: line %d, want %d\n", tf->path, tc->line, tc->name,
				    dn, k, st->line, ex->line);
			fails++;
		}
	}
	if (k < tc->nex) {
		print_error("%s:%d: %s [%s]: %zu statements, want %zu\n", tf->path, tc->line, tc->name, dn, k,
			    tc->nex);
		fails++;
	}
	if (tc->nex == 0 && !tc->none) {
		print_error("%s:%d: %s: no expectation (use --- [none])\n", tf->path, tc->line, tc->name);
		fails++;
	}
	if (strata_split_count(&sp) != k) {
		print_error("%s:%d: %s [%s]: strata_split_count %zu, want %zu\n", tf->path, tc->line, tc->name, dn,
			    strata_split_count(&sp), k);
		fails++;
	}
	strata_split_release(&sp);
	return fails;
}

static size_t total_cases, total_runs;

static void test_data_file(void **state)
{
	const char *path = *state;
	struct tfile tf = { 0 };
	size_t len, i;
	char *text = read_file(path, &len);
	int fails = 0;

	if (!text)
		fail_msg("cannot read %s: %s", path, strerror(errno));
	tf.path = strdup(path);
	parse_cases(&tf, text, len);
	if (tf.n == 0)
		fail_msg("%s: no cases", path);
	for (i = 0; i < tf.n; i++) {
		if (tf.cases[i].postgres) {
			fails += run_case(&tf, &tf.cases[i], STRATA_DIALECT_POSTGRES);
			total_runs++;
		}
		if (tf.cases[i].sqlite) {
			fails += run_case(&tf, &tf.cases[i], STRATA_DIALECT_SQLITE);
			total_runs++;
		}
		if (tf.cases[i].mysql) {
			fails += run_case(&tf, &tf.cases[i], STRATA_DIALECT_MYSQL);
			total_runs++;
		}
	}
	total_cases += tf.n;
	print_message("%s: %zu cases\n", path, tf.n);
	free_tfile(&tf);
	free(text);
	if (fails)
		fail_msg("%d failures in %s", fails, path);
}

/* ---------------------------------------------------------------- corpora */

/* Does NAME's metadata.toml (beside the .sql files) say run_in_transaction = false? */
static int diesel_no_tx(const char *dir, const char *sqlname)
{
	char path[4096], *text;
	const char *dot = strstr(sqlname, ".up.sql");
	size_t len;
	int r;

	if (!dot)
		dot = strstr(sqlname, ".down.sql");
	r = snprintf(path, sizeof(path), "%s/%.*s.metadata.toml", dir, (int)(dot - sqlname), sqlname);
	if (r < 0 || (size_t)r >= sizeof(path))
		return 0;
	text = read_file(path, &len);
	if (!text)
		return 0;
	r = strstr(text, "run_in_transaction = false") != NULL;
	free(text);
	return r;
}

static void split_corpus(const char *sub, enum strata_dialect d, int check_diesel)
{
	char dir[4096];
	char **names;
	size_t n, i, stmts = 0, bytes = 0, notx_files = 0;
	int fails = 0;

	snprintf(dir, sizeof(dir), "%s/%s/migrations", STRATA_CORPUS_DIR, sub);
	names = list_dir(dir, ".sql", &n);
	if (!names) {
		print_message("corpus %s not found, skipping\n", dir);
		skip();
	}
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		char path[8192];
		struct strata_split sp = { 0 };
		struct strata_err err = { 0 };
		size_t len, j, notx = 0;
		char *text;
		const char *bad;
		int rc;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		text = read_file(path, &len);
		assert_non_null(text);
		strata_err_release(&err);
		rc = strata_sql_split(text, len, d, &sp, &err);
		if (rc) {
			print_error("%s:%d: %s\n", path, err.line, err.message);
			fails++;
		} else if ((bad = check_invariants(text, len, &sp)) != NULL) {
			print_error("%s: %s\n", path, bad);
			fails++;
		}
		for (j = 0; j < sp.n; j++) {
			notx += !!(sp.s[j].flags & STRATA_STMT_NO_TX);
			/*
			 * No file of these corpora manages its own transactions
			 * (Diesel wraps each one): every BEGIN and COMMIT in them
			 * is in a function body, a DO block or a comment.
			 */
			if (sp.s[j].flags & STRATA_STMT_TX) {
				print_error("%s:%d: taken for transaction control: %.*s\n", path, sp.s[j].line,
					    (int)(sp.s[j].end - sp.s[j].body), text + sp.s[j].body);
				fails++;
			}
		}
		stmts += strata_split_count(&sp);
		bytes += len;
		if (check_diesel) {
			int meta = diesel_no_tx(dir, names[i]);

			/*
			 * Diesel runs a migration in a transaction unless its
			 * metadata.toml says not to, so a statement PostgreSQL
			 * refuses there must come with that file; and crates.io
			 * adds the file only for such statements (ups).
			 */
			if (notx && !meta && strstr(names[i], ".up.sql")) {
				print_error("%s: NO_TX statement but no run_in_transaction = false\n", path);
				fails++;
			} else if (notx && !meta) {
				/* a real bug of the corpus: Diesel would fail this down */
				print_message("note: %s refuses a transaction but has no metadata.toml\n", names[i]);
			}
			if (meta && !notx && strstr(names[i], ".up.sql")) {
				print_error("%s: run_in_transaction = false but no NO_TX statement\n", path);
				fails++;
			}
			notx_files += notx > 0;
		}
		strata_split_release(&sp);
		free(text);
		strata_err_release(&err);
	}
	print_message("%s: %zu files, %zu bytes, %zu statements, %zu files with NO_TX statements\n", dir, n, bytes,
		      stmts, notx_files);
	free_names(names);
	if (fails)
		fail_msg("%d corpus failures", fails);
}

static void test_corpus_postgres(void **state)
{
	split_corpus("pg-cratesio", STRATA_DIALECT_POSTGRES, 1);
}

static void test_corpus_sqlite(void **state)
{
	split_corpus("sqlite-vaultwarden", STRATA_DIALECT_SQLITE, 0);
}


/*
 * Atlas's splitter cases (ariga/atlas a5e0aecc sql/migrate/testdata/lex*,
 * in STRATA_CORPUS_DIR/splitter/atlas): each NAME.sql, split as MySQL,
 * gives the statements of NAME.sql.golden (separated there by "-- end --"
 * lines), trimmed. The cases that are not MySQL are listed and skipped;
 * where the mysql client (which strata follows) and Atlas disagree, the
 * client's answer is asserted instead (see the reasons).
 */
struct atlas_case {
	const char *name;
	const char *skip; /* why it is not compared with its golden file, or NULL */
};

static const struct atlas_case atlas_cases[] = {
	{ "lex/1.sql", NULL },
	{ "lex/2_mysql.sql", NULL },
	{ "lex/3_delimiter.sql", NULL },
	{ "lex/4_delimiter.sql", NULL },
	{ "lex/5_delimiter.sql", NULL },
	{ "lex/6_skip_comment.sql", NULL },
	{ "lex/7_delimiter_2n.sql", "PostgreSQL only (a plpgsql function)" },
	{ "lex/8_delimiter_3n.sql", "PostgreSQL only (a plpgsql function)" },
	{ "lex/9_delimiter_3n.sql", NULL },
	{ "lex/10_delimiter_comment.sql", NULL },
	{ "lex/11_delimiter_mysql_command.sql", NULL },
	{ "lex/12_delimiter_mysql_command.sql", NULL },
	{ "lex/13_delimiter_mysql_command.sql", "DELIMITER \\n\\n: Atlas reads two newlines, the mysql client \"nn\"; "
						"strata refuses it (checked: the statements before it match)" },
	{ "lex/14_delimiter_mysql_command.sql", NULL },
	{ "lex/15_dollar_quote.sql", "PostgreSQL only (dollar quotes)" },
	{ "lex/16_begin_atomic.sql", "PostgreSQL only (BEGIN ATOMIC)" },
	{ "lex/17_paren.sql", "PostgreSQL only (EXCLUDE USING gist)" },
	{ "lex/18_pg_expr.sql", "PostgreSQL only (#>> and :: operators)" },
	{ "lex/19_ms_gocmd.sql", "SQL Server GO" },
	{ "lex/20_ms_go-delim.sql", "SQL Server GO" },
	{ "lexgroup/1_trigger.sql", "SQLite only (RAISE(IGNORE) triggers; atlas.test runs it as SQLite)" },
	{ "lexgroup/2_function.sql", "MySQL procedures without DELIMITER: Atlas keeps BEGIN ... END whole, the mysql "
				     "client cuts at each \";\" (mysql.test asserts the client's cut)" },
	{ "lexgroup/3_delimiter.sql", NULL },
	{ "lexescaped/1.my.sql", NULL },
	{ "lexescaped/2.pg.sql", "PostgreSQL only (E'' strings)" },
	{ "lexbegintry/1.sql", "SQL Server (BEGIN TRY, [ident])" },
};

/* Compare the first `max` statements of sql (MySQL) with golden's; returns failures. */
static int atlas_compare(const char *name, const char *sql, size_t len, const char *golden, size_t glen, size_t max,
			 size_t *compared)
{
	struct strata_split sp = { 0 };
	struct strata_err err = { 0 };
	const char *g = golden, *ge = golden + glen;
	size_t i, k = 0;
	int fails = 0;

	if (strata_sql_split(sql, len, STRATA_DIALECT_MYSQL, &sp, &err) != 0) {
		print_error("atlas %s: %d: %s\n", name, err.line, err.message);
		strata_err_release(&err);
		return 1;
	}
	for (i = 0; i < sp.n && k < max; i++) {
		const char *got = sql + sp.s[i].body, *want = g, *sep;
		size_t gotn = sp.s[i].end - sp.s[i].body, wantn;

		if (sp.s[i].flags & STRATA_STMT_EMPTY)
			continue;
		if (g >= ge) {
			print_error("atlas %s: extra statement %zu: %.*s\n", name, k + 1, (int)gotn, got);
			fails++;
			break;
		}
		sep = memmem(g, (size_t)(ge - g), "\n-- end --\n", 11);
		wantn = sep ? (size_t)(sep - g) : (size_t)(ge - g);
		g = sep ? sep + 11 : ge;
		trim(&got, &gotn);
		trim(&want, &wantn);
		k++;
		if (gotn != wantn || memcmp(got, want, gotn) != 0) {
			print_error("atlas %s: statement %zu\n  want: %.*s\n  got:  %.*s\n", name, k, (int)wantn, want,
				    (int)gotn, got);
			fails++;
		}
	}
	if (max == (size_t)-1 && g < ge) {
		print_error("atlas %s: %zu statements, the golden file has more\n", name, k);
		fails++;
	}
	*compared = k;
	strata_split_release(&sp);
	return fails;
}

static void test_corpus_atlas_mysql(void **state)
{
	char dir[4096], path[8192];
	size_t i, len, glen, k, total = 0, skipped = 0;
	int fails = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/splitter/atlas", STRATA_CORPUS_DIR);
	for (i = 0; i < sizeof(atlas_cases) / sizeof(atlas_cases[0]); i++) {
		const struct atlas_case *c = &atlas_cases[i];
		char *sql, *golden;

		snprintf(path, sizeof(path), "%s/%s", dir, c->name);
		sql = read_file(path, &len);
		if (!sql) {
			print_message("corpus %s not found, skipping\n", path);
			skip();
		}
		snprintf(path, sizeof(path), "%s/%s.golden", dir, c->name);
		golden = read_file(path, &glen);
		assert_non_null(golden);
		if (c->skip && strncmp(c->name, "lex/13_", 7) == 0) {
			/* up to the DELIMITER \n\n line: as the golden file; the whole file: refused there */
			const char *cut = strstr(sql, "\ndelimiter \\n\\n\n");
			struct strata_split sp = { 0 };
			struct strata_err err = { 0 };

			assert_non_null(cut);
			cut++;
			fails += atlas_compare(c->name, sql, (size_t)(cut - sql), golden, glen, (size_t)-2, &k);
			if (k != 21) { /* all but the last three of the golden file */
				print_error("atlas %s: %zu statements before DELIMITER \\n\\n, want 21\n", c->name, k);
				fails++;
			}
			assert_int_equal(strata_sql_split(sql, len, STRATA_DIALECT_MYSQL, &sp, &err), STRATA_ESOURCE);
			assert_int_equal(err.line, strata_line_of(sql, len, (size_t)(cut - sql)));
			assert_non_null(strstr(err.message, "backslash"));
			strata_split_release(&sp);
			strata_err_release(&err);
			total += k;
		} else if (c->skip) {
			print_message("atlas %s: skipped: %s\n", c->name, c->skip);
			skipped++;
		} else {
			fails += atlas_compare(c->name, sql, len, golden, glen, (size_t)-1, &k);
			total += k;
		}
		free(sql);
		free(golden);
	}
	print_message("atlas (MySQL): %zu statements compared, %zu cases skipped\n", total, skipped);
	if (fails)
		fail_msg("%d Atlas failures", fails);
}

/* ---------------------------------------------------------------- API details */

static void test_empty_input(void **state)
{
	struct strata_split sp = { 0 };
	struct strata_err err = { 0 };

	assert_int_equal(strata_sql_split("", 0, STRATA_DIALECT_POSTGRES, &sp, &err), 0);
	assert_int_equal(sp.n, 0);
	assert_int_equal(strata_split_count(&sp), 0);
	assert_int_equal(strata_sql_split(NULL, 0, STRATA_DIALECT_SQLITE, &sp, &err), 0);
	assert_int_equal(sp.n, 0);
	/* white space only: one empty piece covering it */
	assert_int_equal(strata_sql_split(" \n-- x\n", 7, STRATA_DIALECT_POSTGRES, &sp, &err), 0);
	assert_int_equal(sp.n, 1);
	assert_true(sp.s[0].flags & STRATA_STMT_EMPTY);
	assert_int_equal(sp.s[0].start, 0);
	assert_int_equal(sp.s[0].body, 7);
	assert_int_equal(sp.s[0].end, 7);
	assert_int_equal(sp.s[0].line, 1);
	assert_int_equal(strata_split_count(&sp), 0);
	strata_split_release(&sp);
	assert_null(sp.s);
	strata_split_release(&sp);
	strata_err_release(&err);
}

static void test_reuse_and_growth(void **state)
{
	struct strata_split sp = { 0 };
	struct strata_err err = { 0 };
	char *big = malloc(10 * 1000 + 1);
	size_t i;

	for (i = 0; i < 1000; i++)
		memcpy(big + i * 10, "SELECT 1;\n", 10);
	assert_int_equal(strata_sql_split(big, 10000, STRATA_DIALECT_POSTGRES, &sp, &err), 0);
	assert_int_equal(sp.n, 1001); /* the final "\n" is an empty piece */
	assert_int_equal(strata_split_count(&sp), 1000);
	assert_int_equal(sp.s[999].line, 1000);
	assert_int_equal(sp.s[999].end, 10000 - 1);
	assert_true(sp.s[1000].flags & STRATA_STMT_EMPTY);
	assert_int_equal(sp.s[1000].line, 1000);
	assert_true(sp.cap >= 1000);
	/* reused without freeing: the old pieces are forgotten */
	assert_int_equal(strata_sql_split("SELECT 2", 8, STRATA_DIALECT_SQLITE, &sp, &err), 0);
	assert_int_equal(sp.n, 1);
	assert_int_equal(sp.s[0].end, 8);
	assert_null(check_invariants("SELECT 2", 8, &sp));
	strata_split_release(&sp);
	free(big);
	strata_err_release(&err);
}

static void test_error_fields(void **state)
{
	static const char sql[] = "SELECT 1;\nSELECT 2;\nSELECT $fn$ body;\n\n";
	struct strata_split sp = { 0 };
	struct strata_err err = { 0 };

	strata_err_release(&err);
	assert_int_equal(strata_sql_split(sql, sizeof(sql) - 1, STRATA_DIALECT_POSTGRES, &sp, &err), STRATA_ESOURCE);
	assert_int_equal(err.code, STRATA_ESOURCE);
	assert_string_equal(err.message, "unterminated dollar-quoted string $fn$");
	assert_int_equal(err.line, 3);
	assert_int_equal(err.column, 8);
	assert_int_equal(err.statement, 3);
	assert_string_equal(err.file, "");
	assert_int_equal(sp.n, 0);
	/* a NULL err is allowed */
	assert_int_equal(strata_sql_split("'x", 2, STRATA_DIALECT_SQLITE, &sp, NULL), STRATA_ESOURCE);
	strata_split_release(&sp);
	strata_err_release(&err);
}

static void test_bom(void **state)
{
	static const char sql[] = "\xef\xbb\xbf"
				  "CREATE TABLE t (a int);\nSELECT 1;";
	struct strata_split sp = { 0 };
	struct strata_err err = { 0 };

	assert_int_equal(strata_sql_split(sql, sizeof(sql) - 1, STRATA_DIALECT_POSTGRES, &sp, &err), 0);
	assert_int_equal(strata_split_count(&sp), 2);
	assert_int_equal(sp.s[0].start, 0);
	assert_int_equal(sp.s[0].body, 3);
	assert_null(check_invariants(sql, sizeof(sql) - 1, &sp));
	assert_int_equal(strata_sql_split(sql, sizeof(sql) - 1, STRATA_DIALECT_SQLITE, &sp, &err), 0);
	assert_int_equal(sp.s[0].body, 3);
	strata_split_release(&sp);
	strata_err_release(&err);
}

static void test_bad_dialect(void **state)
{
	struct strata_split sp = { 0 };
	struct strata_err err = { 0 };

	strata_err_release(&err);
	assert_int_equal(strata_sql_split("SELECT 1", 8, (enum strata_dialect)42, &sp, &err), STRATA_EUSAGE);
	assert_int_equal(sp.n, 0);
	strata_split_release(&sp);
	strata_err_release(&err);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_reuse_and_growth),
		cmocka_unit_test(test_error_fields),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_bad_dialect),
		cmocka_unit_test(test_corpus_postgres),
		cmocka_unit_test(test_corpus_sqlite),
		cmocka_unit_test(test_corpus_atlas_mysql),
	};
	const char *dir = STRATA_SOURCE_DIR "/tests/data/lexer";
	struct CMUnitTest *tests;
	char **names, **paths;
	size_t n = 0, i, nfixed = sizeof(fixed) / sizeof(fixed[0]);
	int rc;

	names = list_dir(dir, ".test", &n);
	if (!names) {
		fprintf(stderr, "test_sqlsplit: cannot open %s\n", dir);
		return 1;
	}
	tests = calloc(n + nfixed, sizeof(*tests));
	paths = calloc(n + 1, sizeof(*paths));
	for (i = 0; i < n; i++) {
		paths[i] = malloc(strlen(dir) + strlen(names[i]) + 2);
		sprintf(paths[i], "%s/%s", dir, names[i]);
		tests[i].name = names[i];
		tests[i].test_func = test_data_file;
		tests[i].initial_state = paths[i];
	}
	memcpy(tests + n, fixed, sizeof(fixed));
	rc = _cmocka_run_group_tests("sqlsplit", tests, n + nfixed, NULL, NULL);
	printf("sqlsplit: %zu data cases (%zu dialect runs) in %zu files\n", total_cases, total_runs, n);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(tests);
	free_names(names);
	return rc;
}
#endif /* SQLSPLIT_CASES_ONLY */
