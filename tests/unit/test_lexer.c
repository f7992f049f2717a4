/*
 * test_lexer.c - unit tests of the token API (src/lexer.c, strata_lex and
 * strata_sql_split_tokens in src/sqlsplit.c).
 *
 * Tokens are shown as kind[text] (see render()), so each case reads like the
 * script it lexes. Every data case of tests/data/lexer and every migration
 * of the corpora is also lexed to check that tokens cover the input exactly
 * and in order, that each statement's token range covers its piece, and
 * that strata_sql_normalise() (which reads tokens) writes byte for byte what
 * the byte scanner before it wrote (tests/unit/normalise_ref.h): recorded
 * checksums depend on it.
 */
#define _GNU_SOURCE
#include <ftw.h>

#define SQLSPLIT_CASES_ONLY
#include "test_sqlsplit.c"

#include "lexer.h"
#include "normalise_ref.h"

#define PG STRATA_DIALECT_POSTGRES
#define LITE STRATA_DIALECT_SQLITE
#define MY STRATA_DIALECT_MYSQL

/* ---------------------------------------------------------------- helpers */

/* "kind[text]" for each token, space-separated; with_lines adds ":line". Caller frees. */
static char *render(const char *sql, const struct strata_tokens *tk, int with_lines)
{
	struct strata_buf b;
	size_t i;

	strata_buf_init(&b);
	for (i = 0; i < tk->n; i++) {
		const struct strata_token *t = &tk->t[i];

		strata_buf_addf(&b, "%s%s[%.*s]", i ? " " : "", strata_tok_kind_name(t->kind), (int)t->len, sql + t->off);
		if (with_lines)
			strata_buf_addf(&b, ":%d", t->line);
	}
	assert_false(b.broken);
	return strata_buf_detach(&b, NULL);
}

/* Tokens cover [0, len) in order, each non-empty, lines agree with strata_line_of(). NULL when fine. */
static const char *check_cover(const char *sql, size_t len, const struct strata_tokens *tk)
{
	size_t i, at = 0;

	for (i = 0; i < tk->n; i++) {
		if (tk->t[i].off != at)
			return "a gap or an overlap between tokens";
		if (tk->t[i].len == 0)
			return "an empty token";
		if (tk->t[i].line != strata_line_of(sql, len, tk->t[i].off))
			return "a token's line is wrong";
		at += tk->t[i].len;
	}
	return at == len ? NULL : "the tokens stop before the end";
}

/*
 * Each piece's token range covers exactly [start, end), and its first
 * significant token is at body (MySQL: a DELIMITER line and a delimiter
 * other than ";" that lead a piece are not significant).
 */
static const char *check_ranges(const struct strata_split *sp, const struct strata_tokens *tk)
{
	size_t k, next = 0;

	for (k = 0; k < sp->n; k++) {
		const struct strata_stmt *st = &sp->s[k];
		size_t j;
		int seen = 0;

		if (st->tok != next || st->tok + st->ntok > tk->n || st->ntok == 0)
			return "token ranges do not follow each other";
		if (tk->t[st->tok].off != st->start)
			return "a piece's first token is not at its start";
		if (tk->t[st->tok + st->ntok - 1].off + tk->t[st->tok + st->ntok - 1].len != st->end)
			return "a piece's last token does not end at its end";
		for (j = st->tok; j < st->tok + st->ntok && !seen; j++)
			if (tk->t[j].kind != STRATA_TOK_SPACE && tk->t[j].kind != STRATA_TOK_COMMENT &&
			    tk->t[j].kind != STRATA_TOK_DELIMITER && !(tk->t[j].flags & STRATA_TOKF_DELIM) &&
			    !(st->flags & STRATA_STMT_EMPTY && tk->t[j].kind == STRATA_TOK_SEMI)) {
				if (tk->t[j].off != st->body)
					return "a piece's first significant token is not at its body";
				seen = 1;
			}
		if (!seen != !!(st->flags & STRATA_STMT_EMPTY))
			return "an empty piece has a significant token, or the reverse";
		next = st->tok + st->ntok;
	}
	return next == tk->n ? NULL : "tokens left after the last piece";
}

static void expect_tokens(const char *sql, enum strata_dialect d, const char *want)
{
	struct strata_tokens tk = { 0 };
	struct strata_err err = { 0 };
	char *got;

	assert_int_equal(strata_lex(sql, strlen(sql), d, &tk, &err), 0);
	assert_null(check_cover(sql, strlen(sql), &tk));
	got = render(sql, &tk, 0);
	assert_string_equal(got, want);
	free(got);
	strata_tokens_release(&tk);
	strata_err_release(&err);
}

/* strata_lex fails with STRATA_ESOURCE at `line`, the message holding `what`. */
static void expect_error(const char *sql, enum strata_dialect d, int line, const char *what)
{
	struct strata_tokens tk = { 0 };
	struct strata_split sp = { 0 };
	struct strata_err err = { 0 }, err2 = { 0 };

	assert_int_equal(strata_lex(sql, strlen(sql), d, &tk, &err), STRATA_ESOURCE);
	assert_int_equal(err.line, line);
	assert_non_null(strstr(err.message, what));
	/* the splitter says the same */
	assert_int_equal(strata_sql_split(sql, strlen(sql), d, &sp, &err2), STRATA_ESOURCE);
	assert_int_equal(err2.line, line);
	assert_string_equal(err2.message, err.message);
	strata_tokens_release(&tk);
	strata_split_release(&sp);
	strata_err_release(&err);
	strata_err_release(&err2);
}

/* strata_sql_normalise() and the old byte scanner agree on text in dialect d. */
static int same_normalised(const char *text, size_t len, enum strata_dialect d)
{
	struct strata_buf a, b;
	int ra, rb, same;

	strata_buf_init(&a);
	strata_buf_init(&b);
	ra = strata_sql_normalise(text, len, d, &a);
	rb = ref_normalise(text, len, d, &b);
	same = ra == rb && (ra != 0 || (a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0));
	strata_buf_release(&a);
	strata_buf_release(&b);
	return same;
}

/* Lex, split with tokens, and compare normalisers: the checks every input gets. NULL when fine. */
static const char *check_all(const char *text, size_t len, enum strata_dialect d)
{
	struct strata_tokens tk = { 0 };
	struct strata_split sp = { 0 }, plain = { 0 };
	const char *bad = NULL;
	int rc, rc2;

	rc = strata_sql_split_tokens(text, len, d, &sp, &tk, NULL);
	rc2 = strata_sql_split(text, len, d, &plain, NULL);
	if (rc != rc2)
		bad = "split with and without tokens disagree";
	else if (rc == 0 && (bad = check_cover(text, len, &tk)) == NULL && (bad = check_ranges(&sp, &tk)) == NULL) {
		if (sp.n != plain.n)
			bad = "split with tokens has other pieces";
		else
			for (size_t k = 0; k < sp.n && !bad; k++)
				if (memcmp(&sp.s[k], &plain.s[k], sizeof(sp.s[k])) != 0)
					bad = "split with tokens has other pieces";
	}
	if (!bad && d != MY && !same_normalised(text, len, d)) /* the old scanner knew no MySQL */
		bad = "strata_sql_normalise differs from the byte scanner it replaced";
	strata_tokens_release(&tk);
	strata_split_release(&sp);
	strata_split_release(&plain);
	return bad;
}

/* ---------------------------------------------------------------- kinds and spans */

static void test_postgres_kinds(void **state)
{
	(void)state;
	expect_tokens("SELECT a1$, \"Q\"\"x\", 'it''s', 1.5e3, $1 FROM t;",
		      PG, "word[SELECT] space[ ] word[a1$] op[,] space[ ] qident[\"Q\"\"x\"] op[,] space[ ] "
			  "string['it''s'] op[,] space[ ] number[1.5e3] op[,] space[ ] param[$1] space[ ] word[FROM] "
			  "space[ ] word[t] semi[;]");
	expect_tokens("x::int >= 2 -- c\n/* a /* nested */ b */;",
		      PG, "word[x] op[:] op[:] word[int] space[ ] op[>] op[=] space[ ] number[2] space[ ] comment[-- c] "
			  "space[\n] comment[/* a /* nested */ b */] semi[;]");
	expect_tokens("1..2", PG, "number[1] op[.] op[.] number[2]");
}

static void test_postgres_strings(void **state)
{
	struct strata_tokens tk = { 0 };
	const char *sql = "E'a\\'b' N'n' B'01' X'ff' U&'d\\0061' U&\"i\" u&x 'c'\n-- between\n  'd';";

	(void)state;
	expect_tokens(sql, PG,
		      "string[E'a\\'b'] space[ ] string[N'n'] space[ ] string[B'01'] space[ ] string[X'ff'] space[ ] "
		      "string[U&'d\\0061'] space[ ] qident[U&\"i\"] space[ ] word[u] op[&] word[x] space[ ] "
		      "string['c'] space[\n] comment[-- between] space[\n  ] string['d'] semi[;]");
	assert_int_equal(strata_lex(sql, strlen(sql), PG, &tk, NULL), 0);
	assert_true(tk.t[0].flags & STRATA_TOKF_ESCAPES);
	assert_false(tk.t[2].flags & STRATA_TOKF_ESCAPES);
	assert_true(tk.t[12].flags & STRATA_TOKF_UFAILED);
	assert_false(tk.t[16].flags & STRATA_TOKF_CONTINUES); /* 'c' */
	assert_true(tk.t[20].flags & STRATA_TOKF_CONTINUES);  /* 'd' continues 'c' */
	strata_tokens_release(&tk);
	/* on one line, or after a block comment, the next quote starts a new literal */
	assert_int_equal(strata_lex("'a' 'b'", 7, PG, &tk, NULL), 0);
	assert_int_equal(tk.n, 3);
	assert_false(tk.t[2].flags & STRATA_TOKF_CONTINUES);
	strata_tokens_release(&tk);
	/* a continued E'' keeps its escapes: \' does not close 'b\'' */
	assert_int_equal(strata_lex("E'a'\n'b\\''", 10, PG, &tk, NULL), 0);
	assert_int_equal(tk.n, 3);
	assert_int_equal(tk.t[2].flags, STRATA_TOKF_CONTINUES | STRATA_TOKF_ESCAPES);
	strata_tokens_release(&tk);
}

static void test_postgres_dollar(void **state)
{
	(void)state;
	expect_tokens("DO $body$ BEGIN PERFORM '$$'; END $body$;", PG,
		      "word[DO] space[ ] dollar[$body$ BEGIN PERFORM '$$'; END $body$] semi[;]");
	expect_tokens("$$a$b$$ $x 1$$z$$", PG, "dollar[$$a$b$$] space[ ] op[$] word[x] space[ ] number[1] dollar[$$z$$]");
}

static void test_standard_conforming_strings(void **state)
{
	struct strata_tokens tk = { 0 };
	const char *sql = "SELECT 'a\\';\nSET standard_conforming_strings = off;\nSELECT 'b\\';';\n";

	(void)state;
	/* 'a\' is a whole literal while the setting is on; after the SET, \' is an escaped quote */
	assert_int_equal(strata_lex(sql, strlen(sql), PG, &tk, NULL), 0);
	assert_null(check_cover(sql, strlen(sql), &tk));
	assert_int_equal(tk.t[2].kind, STRATA_TOK_STRING);
	assert_int_equal(tk.t[2].len, 4); /* 'a\' */
	assert_false(tk.t[2].flags & STRATA_TOKF_ESCAPES);
	assert_int_equal(tk.t[tk.n - 3].kind, STRATA_TOK_STRING);
	assert_int_equal(tk.t[tk.n - 3].len, 6); /* 'b\';' */
	assert_true(tk.t[tk.n - 3].flags & STRATA_TOKF_ESCAPES);
	strata_tokens_release(&tk);
}

static void test_sqlite_kinds(void **state)
{
	(void)state;
	expect_tokens("SELECT [a b], `c``d`, \"e\", 'f', 1.5, $v, ?1 FROM t;", LITE,
		      "word[SELECT] space[ ] qident[[a b]] op[,] space[ ] qident[`c``d`] op[,] space[ ] qident[\"e\"] "
		      "op[,] space[ ] string['f'] op[,] space[ ] number[1] op[.] number[5] op[,] space[ ] param[$v] "
		      "op[,] space[ ] op[?] number[1] space[ ] word[FROM] space[ ] word[t] semi[;]");
	/* block comments do not nest; -- ends at \n only; E'' is a word and a string */
	expect_tokens("/* a /* b */ c -- x\ry\nE'z'", LITE,
		      "comment[/* a /* b */] space[ ] word[c] space[ ] comment[-- x\ry] space[\n] word[E] string['z']");
	expect_tokens("$$x$$", LITE, "param[$$x$$]");
}

static void test_sqlite_trigger(void **state)
{
	struct strata_tokens tk = { 0 };
	struct strata_split sp = { 0 };
	const char *sql = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE u SET n = n + 1;\n  DELETE FROM v;\nEND;\n"
			  "SELECT 1;";
	size_t j, semis = 0;

	(void)state;
	assert_int_equal(strata_sql_split_tokens(sql, strlen(sql), LITE, &sp, &tk, NULL), 0);
	assert_null(check_ranges(&sp, &tk));
	assert_int_equal(strata_split_count(&sp), 2);
	/* the trigger's three semicolons are tokens of its first statement */
	for (j = sp.s[0].tok; j < sp.s[0].tok + sp.s[0].ntok; j++)
		semis += tk.t[j].kind == STRATA_TOK_SEMI;
	assert_int_equal(semis, 3);
	assert_int_equal(tk.t[sp.s[1].tok + 1].kind, STRATA_TOK_WORD); /* "\n" then SELECT */
	assert_int_equal(tk.t[sp.s[1].tok + 1].line, 5);
	strata_tokens_release(&tk);
	strata_split_release(&sp);
}

static void test_bom_and_lines(void **state)
{
	struct strata_tokens tk = { 0 };
	const char *sql = "\xef\xbb\xbf\nSELECT 'a\nb'\r\n, $$\n$$;";
	char *got;

	(void)state;
	assert_int_equal(strata_lex(sql, strlen(sql), PG, &tk, NULL), 0);
	assert_null(check_cover(sql, strlen(sql), &tk));
	assert_int_equal(tk.t[0].flags, STRATA_TOKF_BOM);
	got = render(sql, &tk, 1);
	assert_string_equal(got, "space[\xef\xbb\xbf]:1 space[\n]:1 word[SELECT]:2 space[ ]:2 string['a\nb']:2 "
				 "space[\r\n]:3 op[,]:4 space[ ]:4 dollar[$$\n$$]:4 semi[;]:5");
	free(got);
	strata_tokens_release(&tk);
	assert_int_equal(strata_lex("", 0, PG, &tk, NULL), 0);
	assert_int_equal(tk.n, 0);
	strata_tokens_release(&tk);
}

static void test_statement_ranges(void **state)
{
	struct strata_tokens tk = { 0 };
	struct strata_split sp = { 0 };
	const char *sql = "-- lead\nCREATE TABLE t (a int);\n\n;  SELECT (1;2);  -- tail\n";

	(void)state;
	assert_int_equal(strata_sql_split_tokens(sql, strlen(sql), PG, &sp, &tk, NULL), 0);
	assert_null(check_ranges(&sp, &tk));
	assert_int_equal(sp.n, 4); /* CREATE, the empty ";", SELECT, the trailing comment */
	assert_int_equal(sp.s[0].tok, 0);
	assert_int_equal(tk.t[sp.s[0].tok].kind, STRATA_TOK_COMMENT);
	assert_int_equal(tk.t[sp.s[0].tok + sp.s[0].ntok - 1].kind, STRATA_TOK_SEMI);
	assert_true(sp.s[1].flags & STRATA_STMT_EMPTY);
	assert_int_equal(sp.s[1].ntok, 2); /* "\n\n" and ";" */
	assert_true(sp.s[3].flags & STRATA_STMT_EMPTY);
	/* without tokens kept, the same pieces and ranges */
	{
		struct strata_split plain = { 0 };
		size_t k;

		assert_int_equal(strata_sql_split(sql, strlen(sql), PG, &plain, NULL), 0);
		assert_int_equal(plain.n, sp.n);
		for (k = 0; k < sp.n; k++) {
			assert_int_equal(plain.s[k].tok, sp.s[k].tok);
			assert_int_equal(plain.s[k].ntok, sp.s[k].ntok);
		}
		strata_split_release(&plain);
	}
	strata_tokens_release(&tk);
	strata_split_release(&sp);
}

/* ---------------------------------------------------------------- errors */

static void test_unterminated(void **state)
{
	(void)state;
	expect_error("SELECT 1;\nSELECT 'abc\n\n", PG, 2, "unterminated quoted string");
	expect_error("SELECT 1;\n\nSELECT E'a\\'", PG, 3, "unterminated quoted string");
	expect_error("SELECT 'a'\n-- c\n'b", PG, 1, "unterminated quoted string"); /* where the literal opened */
	expect_error("\n\"x", PG, 2, "unterminated quoted identifier");
	expect_error("\nU&\"x", PG, 2, "unterminated quoted identifier");
	expect_error("SELECT\n$f$ a $g$", PG, 2, "unterminated dollar-quoted string $f$");
	expect_error("/* a /* b */\n", PG, 1, "unterminated /* comment");
	expect_error("SELECT 1;\n/* a", LITE, 2, "unterminated /* comment");
	expect_error("\n\n[x", LITE, 3, "unterminated quoted identifier");
	expect_error("`x", LITE, 1, "unterminated quoted identifier");
	expect_error("\n'x", LITE, 2, "unterminated quoted string");
}

static void test_lexer_iterator(void **state)
{
	struct strata_lexer lx;
	struct strata_token t;
	int n = 0;

	(void)state;
	strata_lexer_init(&lx, "a /* c */ 'x", 12, PG);
	lx.skip_trivia = 1;
	assert_int_equal(strata_lexer_next(&lx, &t), 1);
	assert_int_equal(t.kind, STRATA_TOK_WORD);
	assert_int_equal(strata_lexer_next(&lx, &t), -1);
	assert_int_equal(lx.err_off, 10);
	assert_string_equal(lx.err_what, "unterminated quoted string");
	assert_int_equal(lx.count, 4); /* a, space, comment, space */
	assert_int_equal(strata_lexer_next(&lx, &t), 0);
	strata_lexer_init(&lx, "x;y", 3, LITE);
	while (strata_lexer_next(&lx, &t) > 0)
		n++;
	assert_int_equal(n, 3);
	assert_string_equal(strata_tok_kind_name(STRATA_TOK_DOLLAR), "dollar");
	assert_string_equal(strata_tok_kind_name(99), "?");
}


/* ---------------------------------------------------------------- MySQL */

static void test_mysql_kinds(void **state)
{
	struct strata_tokens tk = { 0 };
	const char *sql = "SELECT `a``b`, 'c\\'', \"d\"\"\", $x, 1e5 # c;\n-- d\n--e;";

	(void)state;
	expect_tokens(sql, MY,
		      "word[SELECT] space[ ] qident[`a``b`] op[,] space[ ] string['c\\''] op[,] space[ ] "
		      "string[\"d\"\"\"] op[,] space[ ] word[$x] op[,] space[ ] number[1e5] space[ ] comment[# c;] "
		      "space[\n] comment[-- d] space[\n] op[-] op[-] word[e] semi[;]");
	assert_int_equal(strata_lex(sql, strlen(sql), MY, &tk, NULL), 0);
	assert_true(tk.t[5].flags & STRATA_TOKF_ESCAPES);
	assert_true(tk.t[8].flags & STRATA_TOKF_ESCAPES);
	strata_tokens_release(&tk);
	expect_tokens("/*!50001 CREATE */ /*M!100 x*/ /*+ h */ /* c */;", MY,
		      "cond-open[/*!50001] space[ ] word[CREATE] space[ ] cond-close[*/] space[ ] cond-open[/*M!100] "
		      "space[ ] word[x] cond-close[*/] space[ ] comment[/*+ h */] space[ ] comment[/* c */] semi[;]");
	assert_int_equal(strata_lex("/*+ h */", 8, MY, &tk, NULL), 0);
	assert_int_equal(tk.t[0].flags, STRATA_TOKF_BLOCK | STRATA_TOKF_HINT);
	strata_tokens_release(&tk);
	/* outside a version comment, star-slash is two operators */
	expect_tokens("a*/b", MY, "word[a] op[*] op[/] word[b]");
}

static void test_mysql_delimiter(void **state)
{
	struct strata_tokens tk = { 0 };
	struct strata_split sp = { 0 };
	const char *sql = "DELIMITER //\nSELECT 1;//\n  delimiter ';'\nEND$$;";
	struct strata_lexer lx;
	struct strata_token t;

	(void)state;
	expect_tokens(sql, MY,
		      "delimiter[DELIMITER //] space[\n] word[SELECT] space[ ] number[1] op[;] semi[//] space[\n  ] "
		      "delimiter[delimiter ';'] space[\n] word[END$$] semi[;]");
	assert_int_equal(strata_lex(sql, strlen(sql), MY, &tk, NULL), 0);
	assert_int_equal(tk.t[6].flags, STRATA_TOKF_DELIM);
	assert_int_equal(tk.t[tk.n - 1].flags, 0);
	strata_tokens_release(&tk);
	/* the pieces: the delimiter and the next DELIMITER line lead the next one */
	assert_int_equal(strata_sql_split_tokens(sql, strlen(sql), MY, &sp, &tk, NULL), 0);
	assert_null(check_ranges(&sp, &tk));
	assert_int_equal(sp.n, 2);
	assert_int_equal(sp.s[0].start, 0);
	assert_int_equal(sp.s[0].body, strlen("DELIMITER //\n"));
	assert_int_equal(sp.s[0].end - sp.s[0].body, strlen("SELECT 1;"));
	assert_memory_equal(sql + sp.s[1].start, "//", 2);
	assert_memory_equal(sql + sp.s[1].body, "END$$;", 6);
	strata_split_release(&sp);
	strata_tokens_release(&tk);
	/* the bare iterator follows DELIMITER too */
	strata_lexer_init(&lx, sql, strlen(sql), MY);
	lx.skip_trivia = 1;
	while (strata_lexer_next(&lx, &t) > 0 && t.kind != STRATA_TOK_SEMI)
		;
	assert_int_equal(t.kind, STRATA_TOK_SEMI);
	assert_int_equal(t.len, 2);
	assert_string_equal(lx.delim, "//");
	/* errors name the line of the DELIMITER command */
	expect_error("SELECT 1;\nDELIMITER\n", MY, 2, "DELIMITER without a delimiter");
	expect_error("SELECT 1;\n/*!5 SELECT 2;\n", MY, 2, "unterminated /*! version comment");
	expect_error("-- atlas:delimiter  \n", MY, 1, "atlas:delimiter without a delimiter");
}

static void test_mysql_normalise(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "SELECT  a ,b # c\n FROM t ;", "SELECT a,b FROM t;" },
		/* a built-in function name and its "(" keep their gap */
		{ "SELECT COUNT (*), COUNT(*) FROM t;", "SELECT COUNT (*),COUNT(*)FROM t;" },
		/* DELIMITER lines stay, each on its own line; so do the delimiter and version comments */
		{ "DELIMITER //\nCREATE  PROCEDURE p() BEGIN SELECT 1; END //\nDELIMITER ;\n",
		  "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END //\nDELIMITER ;\n" },
		{ "/*!40101   SET a = 1 */ ;", "/*!40101 SET a = 1 */;" },
		{ "SELECT /*+ BKA(t) */ 1 /* plain */ ;", "SELECT /*+ BKA(t) */ 1;" },
		/* two minus signs before a dropped comment are not made a -- comment */
		{ "SELECT 1--#x\n1;", "SELECT 1--/**/1;" },
		{ "SELECT 1--#x", "SELECT 1--/**/" },
		/* a "# strata:" comment is no directive */
		{ "# strata:no-transaction\n-- strata:no-transaction\nSELECT 1;", "-- strata:no-transaction\nSELECT 1;" },
	};
	struct strata_buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strata_buf_init(&b);
		assert_int_equal(strata_sql_normalise(cases[i].in, strlen(cases[i].in), MY, &b), 0);
		if (b.len != strlen(cases[i].out) || memcmp(b.buf, cases[i].out, b.len) != 0)
			fail_msg("case %zu: want [%s], got [%.*s]", i, cases[i].out, (int)b.len, b.buf);
		strata_buf_release(&b);
	}
	/* not followed exactly: unterminated, or a delimiter made of white space */
	strata_buf_init(&b);
	assert_int_equal(strata_sql_normalise("SELECT 'a", 9, MY, &b), 1);
	strata_buf_reset(&b);
	assert_int_equal(strata_sql_normalise("-- atlas:delimiter \\n\\n\n\nSELECT 1\n\nSELECT 2", 42, MY, &b), 1);
	strata_buf_release(&b);
}

/* strata_split_open_tx() of a MySQL script: the line of a transaction left open, or 0. */
static int my_open_tx(const char *sql)
{
	struct strata_split sp = { 0 };
	int line;

	assert_int_equal(strata_sql_split(sql, strlen(sql), MY, &sp, NULL), 0);
	line = strata_split_open_tx(&sp);
	strata_split_release(&sp);
	return line;
}

static void test_mysql_implicit_commit(void **state)
{
	(void)state;
	/* DDL ends what START TRANSACTION began; not what SET autocommit = 0 began */
	assert_int_equal(my_open_tx("START TRANSACTION;\nINSERT INTO t VALUES (1);\n"), 1);
	assert_int_equal(my_open_tx("START TRANSACTION;\nINSERT INTO t VALUES (1);\nCREATE TABLE u (a int);\n"), 0);
	assert_int_equal(my_open_tx("BEGIN;\nINSERT INTO t VALUES (1);\nCOMMIT;\n"), 0);
	assert_int_equal(my_open_tx("SET autocommit = 0;\nCREATE TABLE u (a int);\nINSERT INTO u VALUES (1);\n"), 1);
	assert_int_equal(my_open_tx("SET autocommit = 0;\nINSERT INTO t VALUES (1);\nSET autocommit = 1;\n"), 0);
	assert_int_equal(my_open_tx("CREATE TABLE u (a int);\nBEGIN;\nLOCK TABLES u WRITE;\nBEGIN;\n"), 4);
	assert_true(strata_stmt_implicit_commit(MY, "CREATE TABLE t (a int)", 22));
	assert_true(strata_stmt_implicit_commit(MY, " /*!40000 ALTER TABLE t DISABLE KEYS */", 39));
	assert_false(strata_stmt_implicit_commit(MY, "CREATE TEMPORARY TABLE t (a int)", 32));
	assert_false(strata_stmt_implicit_commit(MY, "INSERT INTO t VALUES (1)", 24));
	assert_true(strata_stmt_implicit_commit(MY, "set autocommit=1", 16));
	assert_false(strata_stmt_implicit_commit(MY, "set autocommit=0", 16));
	assert_false(strata_stmt_implicit_commit(PG, "CREATE TABLE t (a int)", 22));
	assert_false(strata_stmt_implicit_commit(MY, NULL, 0));
	assert_false(strata_stmt_implicit_commit(MY, "", 0));
}


/* Repeat `unit` n times into a new buffer (caller frees). */
static char *repeat(const char *unit, size_t n, size_t *len)
{
	size_t u = strlen(unit), i;
	char *b = malloc(u * n + 1);

	assert_non_null(b);
	for (i = 0; i < n; i++)
		memcpy(b + i * u, unit, u);
	b[u * n] = '\0';
	*len = u * n;
	return b;
}

/* Split in MySQL: rc, and the statement count when it succeeds. */
static int my_split(const char *sql, size_t len, size_t *count)
{
	struct strata_split sp = { 0 };
	struct strata_err err = { 0 };
	struct strata_buf b;
	int rc = strata_sql_split(sql, len, MY, &sp, &err);

	*count = strata_split_count(&sp);
	strata_buf_init(&b);
	(void)strata_sql_normalise(sql, len, MY, &b); /* must not crash or take long either */
	strata_buf_release(&b);
	strata_split_release(&sp);
	strata_err_release(&err);
	return rc;
}

/*
 * Hostile MySQL scripts, megabytes each: linear time (ctest's timeout is the
 * judge), no crash, and the answer the client would give.
 */
static void test_mysql_hostile(void **state)
{
	static const struct {
		const char *unit;
		size_t n;
		int rc;          /* expected from the split */
		size_t stmts;    /* expected statements when rc is 0, (size_t)-1 not checked */
	} cases[] = {
		{ "DELIMITER $$\nSELECT 1$$\nDELIMITER ;\n", 50000, 0, 50000 },
		{ "/*!", 300000, STRATA_ESOURCE, 0 },
		{ "/*!50001 SELECT 1; */;", 50000, 0, 100000 },
		{ "#", 1000000, 0, 0 },
		{ "--", 500000, 0, 1 },
		{ "`", 999999, STRATA_ESOURCE, 0 },
		{ "'\\", 500000, STRATA_ESOURCE, 0 },
		{ "\t\t\t\t", 250000, 0, 0 },
		{ "d delimiter", 100000, 0, 1 },
		{ ";", 1000000, 0, 0 },
		{ "\"\\\"\";", 200000, 0, 200000 },
		{ "/*+ ; */", 125000, 0, 0 }, /* comments only */
		{ "$", 1000000, 0, 1 },
		{ "\n  DELIMITER 0123456789abcde\n", 30000, 0, 0 },
	};
	size_t i, len, n;
	char *sql;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sql = repeat(cases[i].unit, cases[i].n, &len);
		if (my_split(sql, len, &n) != cases[i].rc || (cases[i].rc == 0 && n != cases[i].stmts))
			fail_msg("hostile case %zu (%.20s x %zu): rc/statements %zu", i, cases[i].unit, cases[i].n, n);
		free(sql);
	}
	/* a delimiter at every byte: DELIMITER x, then x... */
	sql = repeat("x", 1000000, &len);
	memcpy(sql, "DELIMITER x\n", 12);
	assert_int_equal(my_split(sql, len, &n), 0);
	assert_int_equal(n, 0);
	/* NUL bytes: in strings, identifiers and between tokens */
	memcpy(sql, "SELECT '\0', `\0`, \0;", 19);
	assert_int_equal(my_split(sql, 19, &n), 0);
	assert_int_equal(n, 1);
	free(sql);
	/* a megabyte DELIMITER argument is refused, not truncated */
	sql = repeat("x", 1000000, &len);
	memcpy(sql, "DELIMITER ", 10);
	assert_int_equal(my_split(sql, len, &n), STRATA_ESOURCE);
	memcpy(sql, "-- atlas:delimiter ", 19);
	assert_int_equal(my_split(sql, len, &n), STRATA_ESOURCE);
	free(sql);
}

/* ---------------------------------------------------------------- the normaliser */

static void test_normalise_edges(void **state)
{
	static const char *const cases[] = {
		"SELECT E'a'\n'b\\'c';",
		/* a directive line between the parts: the old scanner read 'b\' without escapes */
		"SELECT E'a'\n-- strata:verify SELECT 1\n'b\\'c' ' ';",
		"SELECT E'a'\n-- strata:verify SELECT 1\n'b\\'\n'c';",
		"SELECT E'a'\n-- strata:verify SELECT 1\n'b\\'c';",
		"SELECT E'a'\n-- strata:ver{. S]\n'b\\';\n", /* unterminated with escapes, not without */
		"SELECT E'a'\n-- strata:x\r'b\\'\n'c\\';",
		"SELECT 'a'\n-- strata:timeout 5s\n'b';",
		"SELECT E'a' /* x */\n'b\\'';",
		"\xef\xbb\xbf SELECT 1;",
		"SELECT u&'x' U&\"y\" e'\\''\r\n'z';",
		"SELECT $a$x$a$e'q' 1e'r' $1e's';",
		"SELECT 'a'\r'b';\n-- strata:\r\n",
		"x--y\n/*/**/*/z",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!same_normalised(cases[i], strlen(cases[i]), PG) || !same_normalised(cases[i], strlen(cases[i]), LITE))
			fail_msg("normalise differs on case %zu: %s", i, cases[i]);
	}
}

static int data_fails;

static void test_data_cases(void **state)
{
	char dir[4096];
	char **names;
	size_t n = 0, i, j, runs = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/data/lexer", STRATA_SOURCE_DIR);
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
		for (j = 0; j < tf.n; j++) {
			const struct tcase *tc = &tf.cases[j];
			const char *bad;

			if ((bad = check_all(tc->input, tc->input_len, PG)) != NULL ||
			    (bad = check_all(tc->input, tc->input_len, LITE)) != NULL ||
			    (bad = check_all(tc->input, tc->input_len, MY)) != NULL) {
				print_error("%s:%d: %s: %s\n", path, tc->line, tc->name, bad);
				data_fails++;
			}
			runs += 3;
		}
		free_tfile(&tf);
		free(text);
	}
	free_names(names);
	print_message("lexer: %zu data-case runs\n", runs);
	assert_int_equal(data_fails, 0);
}

static size_t corpus_files;
static int corpus_fails;

static int corpus_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	size_t n = strlen(path), len;
	const char *bad;
	char *text;

	(void)st;
	(void)ftw;
	if (flag != FTW_F || n < 4 || strcmp(path + n - 4, ".sql") != 0)
		return 0;
	text = read_file(path, &len);
	if (!text)
		return 0;
	if ((bad = check_all(text, len, PG)) != NULL || (bad = check_all(text, len, LITE)) != NULL) {
		print_error("%s: %s\n", path, bad);
		corpus_fails++;
	}
	corpus_files++;
	free(text);
	return 0;
}

static void test_corpus(void **state)
{
	struct stat st;

	(void)state;
	if (stat(STRATA_CORPUS_DIR, &st) != 0) {
		print_message("corpus %s not found, skipping\n", STRATA_CORPUS_DIR);
		skip();
	}
	assert_int_equal(nftw(STRATA_CORPUS_DIR, corpus_file, 16, FTW_PHYS), 0);
	print_message("lexer: %zu corpus files\n", corpus_files);
	assert_true(corpus_files > 0);
	assert_int_equal(corpus_fails, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postgres_kinds),
		cmocka_unit_test(test_postgres_strings),
		cmocka_unit_test(test_postgres_dollar),
		cmocka_unit_test(test_standard_conforming_strings),
		cmocka_unit_test(test_sqlite_kinds),
		cmocka_unit_test(test_sqlite_trigger),
		cmocka_unit_test(test_mysql_kinds),
		cmocka_unit_test(test_mysql_delimiter),
		cmocka_unit_test(test_mysql_normalise),
		cmocka_unit_test(test_mysql_implicit_commit),
		cmocka_unit_test(test_mysql_hostile),
		cmocka_unit_test(test_bom_and_lines),
		cmocka_unit_test(test_statement_ranges),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_lexer_iterator),
		cmocka_unit_test(test_normalise_edges),
		cmocka_unit_test(test_data_cases),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
