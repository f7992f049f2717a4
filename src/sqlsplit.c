/*
 * sqlsplit.c - cut a migration script into the statements its database will
 * execute, without asking the database.
 *
 * strata needs statement boundaries to run a file statement by statement
 * outside a transaction (CREATE INDEX CONCURRENTLY) and resume it part way,
 * for `up --dry-run`, and to map a server error back to a line of the file.
 * A boundary that differs from the database's own is a silent bug, so this is
 * not a home-grown heuristic: each dialect transcribes the lexer that the
 * database's own client uses, reduced to what decides where a statement ends.
 * Keep it in sync with these upstream files; the comments below name the
 * upstream rule each branch mirrors:
 *
 *   PostgreSQL  src/fe_utils/psqlscan.l (psql's lexer: the flex patterns of
 *               src/backend/parser/scan.l plus paren_depth and the
 *               BEGIN ... END tracking for SQL-standard function bodies),
 *               at postgres/postgres 029c5ac0 (2021), and checked against
 *               the PostgreSQL 15 grammar by tests/unit/test_sqlsplit_oracle.c.
 *   SQLite      src/tokenize.c (sqlite3GetToken: token shapes) and
 *               src/complete.c (sqlite3_complete: the CREATE TRIGGER state
 *               machine), as of SQLite 3.40.
 *
 * Deliberate differences from the upstream clients, all about input that
 * psql or sqlite3 would send anyway and let the server reject:
 *   - an unterminated quote, dollar quote, quoted identifier or block comment
 *     is an error here (STRATA_ESOURCE, line where it opened), also in
 *     SQLite where tokenize.c lets a final open comment run to the end;
 *   - psql meta-commands (\i, \set, :var) are not recognised: a backslash
 *     outside a string is an ordinary character, as the server sees it;
 *   - a UTF-8 byte order mark at offset 0 is white space, so it never
 *     reaches the database as part of the first statement.
 * Like psql, standard_conforming_strings starts on and follows
 * `SET [SESSION|LOCAL] standard_conforming_strings ...` / `RESET` statements
 * of the script itself (psql learns it from the server after each
 * statement; here it changes after the statement that sets it), so the
 * boundaries are right for running the pieces one by one. Also like psql,
 * and unlike the server's grammar, any unquoted word BEGIN at paren depth 0
 * in a CREATE [OR REPLACE] FUNCTION|PROCEDURE statement opens a block that
 * only END closes (see pg_word()). Numbers are lexed as at 029c5ac0;
 * PostgreSQL 15 made a number glued to a letter (123abc, 1e'x') a junk token
 * that the server rejects, so only such broken statements could be cut
 * differently.
 *
 * Shape: one forward pass over the bytes; a 256-entry class table says what a
 * byte can start, and tight loops (memchr inside strings, quoted identifiers
 * and dollar quotes) consume each token. Nothing is allocated except the
 * pieces array, which grows geometrically. Line numbers are worked out
 * lazily with memchr, only for the offsets that need one. The first few
 * tokens of each statement are remembered (offsets only) to recognise the
 * statements PostgreSQL refuses inside a transaction block, and top-level
 * transaction control (BEGIN, COMMIT, ...; SQLite's PRAGMA foreign_keys),
 * which marks a file that manages its own transactions.
 */
#include <stdlib.h>
#include <string.h>

#include "split.h"

/* ---------------------------------------------------------------- byte classes */

enum {
	K_OTHER = 0, /* a one-byte token (operators, punctuation, NUL, ...) */
	K_SPACE,     /* [ \t\n\r\f]: psqlscan {space}, tokenize.c CC_SPACE */
	K_IDENT,     /* [A-Za-z_\200-\377]: psqlscan {ident_start} */
	K_DIGIT,     /* [0-9] */
	K_DOLLAR,    /* $ */
	K_QUOTE,     /* ' */
	K_DQUOTE,    /* " */
	K_BACKTICK,  /* ` (SQLite identifier quote) */
	K_LBRACKET,  /* [ (SQLite identifier quote) */
	K_DASH,      /* - (maybe a -- comment) */
	K_SLASH,     /* / (maybe a block comment) */
	K_LPAREN,
	K_RPAREN,
	K_SEMI,
};

static const unsigned char byte_class[256] = {
	[' '] = K_SPACE, ['\t'] = K_SPACE, ['\n'] = K_SPACE, ['\r'] = K_SPACE, ['\f'] = K_SPACE,
	['A' ... 'Z'] = K_IDENT, ['a' ... 'z'] = K_IDENT, ['_'] = K_IDENT, [0x80 ... 0xff] = K_IDENT,
	['0' ... '9'] = K_DIGIT,
	['$'] = K_DOLLAR, ['\''] = K_QUOTE, ['"'] = K_DQUOTE, ['`'] = K_BACKTICK, ['['] = K_LBRACKET,
	['-'] = K_DASH, ['/'] = K_SLASH, ['('] = K_LPAREN, [')'] = K_RPAREN, [';'] = K_SEMI,
};

/*
 * Identifier continuation: psqlscan {ident_cont} = [A-Za-z\200-\377_0-9\$];
 * SQLite's IdChar() is the same set.
 */
static const unsigned char ident_cont[256] = {
	['A' ... 'Z'] = 1, ['a' ... 'z'] = 1, ['_'] = 1, [0x80 ... 0xff] = 1, ['0' ... '9'] = 1, ['$'] = 1,
};

/* psqlscan {dolq_cont} = [A-Za-z\200-\377_0-9]: a dollar-quote tag has no '$'. */
static const unsigned char dolq_cont[256] = {
	['A' ... 'Z'] = 1, ['a' ... 'z'] = 1, ['_'] = 1, [0x80 ... 0xff] = 1, ['0' ... '9'] = 1,
};

static inline unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Is [p, p+n) the lower-case keyword kw, ignoring case? */
static inline int word_eq(const unsigned char *p, size_t n, const char *kw)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!kw[i] || lower(p[i]) != (unsigned char)kw[i])
			return 0;
	return kw[n] == '\0';
}

/* ---------------------------------------------------------------- lexer state */

#define NO_BODY ((size_t)-1)
#define NTOKS 8 /* leading tokens kept per statement for NO_TX / SET detection */

enum { T_WORD = 1, T_PAREN, T_OTHER };

struct tok {
	size_t off;     /* first byte */
	size_t len;     /* bytes */
	int kind;       /* T_* */
};

struct lexer {
	const unsigned char *s;      /* the script */
	size_t len;                  /* its length */
	struct strata_split *out;    /* pieces produced so far */
	struct strata_err *err;      /* filled on failure */
	size_t start;                /* first byte of the current piece */
	size_t body;                 /* first token of the current piece, NO_BODY while none */
	size_t nstmts;               /* non-empty pieces emitted */
	/* lazy line numbers: line `line_no` starts at `line_start` and contains `line_off` */
	size_t line_off;
	size_t line_start;
	int line_no;
	/* PostgreSQL (psqlscan.l PsqlScanStateData) */
	size_t paren_depth;          /* paren_depth */
	size_t begin_depth;          /* begin_depth: BEGIN ... END nesting in a function body */
	unsigned ident_count;        /* identifier_count: identifiers since the statement began */
	char idents[4];              /* identifiers[]: first letters of create/or/replace/function/procedure */
	int in_routine;              /* idents say CREATE [OR REPLACE] FUNCTION|PROCEDURE */
	int std_strings;             /* std_strings: standard_conforming_strings is on */
	/* PostgreSQL statement classification */
	struct tok toks[NTOKS];      /* leading tokens at paren depth 0, a (...) group counting as one */
	int ntoks;
	struct tok last;             /* last token at paren depth 0 */
	int saw_concurrently;        /* the word CONCURRENTLY appeared anywhere */
	/* SQLite (complete.c) */
	int state;                   /* sqlite3_complete state, 0..7 */
	size_t first;                /* where lexing starts: 3 after a byte order mark, else 0 */
};

/* Newlines in [a, b), remembering where the last line starts. */
static void advance_lines(struct lexer *lx, size_t to)
{
	const unsigned char *p = lx->s + lx->line_off, *e = lx->s + to, *q;

	while ((q = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		lx->line_no++;
		p = q + 1;
		lx->line_start = (size_t)(p - lx->s);
	}
	lx->line_off = to;
}

/* 1-based line of byte `off`; offsets asked for only grow, except after an error. */
static int line_at(struct lexer *lx, size_t off)
{
	if (off < lx->line_off) {
		lx->line_off = 0;
		lx->line_start = 0;
		lx->line_no = 1;
	}
	advance_lines(lx, off);
	return lx->line_no;
}

static int grow_pieces(struct strata_split *out)
{
	/* small first: a run keeps one array per migration, and most hold a few statements */
	size_t cap = out->cap ? out->cap * 2 : 2;
	struct strata_stmt *s;

	if (cap < out->cap || cap > SIZE_MAX / sizeof(*s))
		return -1;
	s = realloc(out->s, cap * sizeof(*s));
	if (!s)
		return -1;
	out->s = s;
	out->cap = cap;
	return 0;
}

/* Close the current piece at `end` (one past its ';', or the end of input). */
static int emit(struct lexer *lx, size_t end, unsigned flags)
{
	struct strata_split *out = lx->out;
	struct strata_stmt *st;

	if (out->n == out->cap && grow_pieces(out))
		return strata_err_set(lx->err, STRATA_ENOMEM, "out of memory splitting SQL");
	st = &out->s[out->n++];
	st->start = lx->start;
	st->end = end;
	if (lx->body == NO_BODY) {
		st->body = end;
		st->line = line_at(lx, lx->start);
		st->flags = STRATA_STMT_EMPTY;
	} else {
		st->body = lx->body;
		st->line = line_at(lx, lx->body);
		st->flags = flags;
		lx->nstmts++;
	}
	lx->start = end;
	lx->body = NO_BODY;
	return 0;
}

/* Report an unterminated construct that opened at `off`. */
static int unterminated(struct lexer *lx, size_t off, const char *what, const unsigned char *tag,
			size_t taglen)
{
	int line = line_at(lx, off);

	if (tag)
		strata_err_set(lx->err, STRATA_ESOURCE, "%s %.*s%s", what, taglen > 64 ? 64 : (int)taglen,
			       (const char *)tag, taglen > 64 ? "..." : "");
	else
		strata_err_set(lx->err, STRATA_ESOURCE, "%s", what);
	if (lx->err) {
		lx->err->line = line;
		lx->err->column = (int)(off - lx->line_start) + 1;
		lx->err->statement = (int)lx->nstmts + 1;
	}
	return STRATA_ESOURCE;
}

/* ---------------------------------------------------------------- PostgreSQL */

/*
 * After the closing quote of a string: psqlscan <xqs>{quotecontinue}, i.e.
 * white space and -- comments holding at least one newline, then another
 * quote, continue the same literal ('foo'\n'bar' is one string, and an
 * E'' string keeps its escapes). Returns the continuing quote or NULL.
 */
static const unsigned char *pg_quote_continues(const unsigned char *p, const unsigned char *e)
{
	int newline = 0;

	while (p < e) {
		unsigned char c = *p;

		if (c == ' ' || c == '\t' || c == '\f') {
			p++;
		} else if (c == '\n' || c == '\r') {
			newline = 1;
			p++;
		} else if (c == '-' && p + 1 < e && p[1] == '-') {
			p += 2;
			while (p < e && *p != '\n' && *p != '\r')
				p++;
		} else {
			break;
		}
	}
	return newline && p < e && *p == '\'' ? p : NULL;
}

/*
 * The rest of a quoted string whose opening quote is at p[-1]: <xq>/<xus>/
 * <xb>/<xh> (no escapes) or, with `escapes`, <xe> (backslash takes the next
 * byte). '' is a quote inside every kind. Returns one past the closing quote
 * or NULL when the input ends first.
 */
static const unsigned char *pg_string(const unsigned char *p, const unsigned char *e, int escapes)
{
	for (;;) {
		if (escapes) {
			while (p < e && *p != '\'' && *p != '\\')
				p++;
			if (p < e && *p == '\\') {
				p += 2; /* xeescape, xeoctesc, ...: never a quote right after the backslash */
				if (p > e)
					return NULL;
				continue;
			}
		} else {
			p = memchr(p, '\'', (size_t)(e - p));
		}
		if (!p || p >= e)
			return NULL;
		if (p + 1 < e && p[1] == '\'') { /* xqdouble */
			p += 2;
			continue;
		}
		p++;
		{
			const unsigned char *q = pg_quote_continues(p, e);

			if (!q)
				return p;
			p = q + 1;
		}
	}
}

/* "..." or U&"...": <xd>/<xui>, "" inside. Returns one past the closing quote or NULL. */
static const unsigned char *quoted_ident(const unsigned char *p, const unsigned char *e, unsigned char q)
{
	for (;;) {
		p = memchr(p, q, (size_t)(e - p));
		if (!p)
			return NULL;
		if (p + 1 < e && p[1] == q) {
			p += 2;
			continue;
		}
		return p + 1;
	}
}

/* <xc>: nested block comment opened at p ("/x"). Returns one past its end or NULL. */
static const unsigned char *pg_block_comment(const unsigned char *p, const unsigned char *e)
{
	int depth = 0;

	p += 2;
	while (p < e) {
		unsigned char c = *p;

		if (c == '*' && p + 1 < e && p[1] == '/') { /* xcstop */
			p += 2;
			if (depth == 0)
				return p;
			depth--;
		} else if (c == '/' && p + 1 < e && p[1] == '*') { /* xcstart */
			depth++;
			p += 2;
		} else {
			p++;
		}
	}
	return NULL;
}

/* A token of the current statement: the body starts here; keep the leading ones. */
static inline void pg_token(struct lexer *lx, size_t off, size_t len, int kind)
{
	if (lx->body == NO_BODY)
		lx->body = off;
	if (lx->paren_depth == 0) {
		lx->last.off = off;
		lx->last.len = len;
		lx->last.kind = kind;
		if (lx->ntoks < NTOKS)
			lx->toks[lx->ntoks++] = lx->last;
	}
}

/* psqlscan {identifier}: the CREATE FUNCTION ... BEGIN ATOMIC ... END tracking. */
static inline void pg_word(struct lexer *lx, const unsigned char *w, size_t n)
{
	if (lx->ident_count < sizeof(lx->idents)) {
		if (lx->ident_count == 0)
			memset(lx->idents, 0, sizeof(lx->idents));
		if (word_eq(w, n, "create") || word_eq(w, n, "function") || word_eq(w, n, "procedure") ||
		    word_eq(w, n, "or") || word_eq(w, n, "replace"))
			lx->idents[lx->ident_count] = (char)lower(w[0]);
		lx->in_routine = lx->idents[0] == 'c' &&
				 (lx->idents[1] == 'f' || lx->idents[1] == 'p' ||
				  (lx->idents[1] == 'o' && lx->idents[2] == 'r' &&
				   (lx->idents[3] == 'f' || lx->idents[3] == 'p')));
	}
	lx->ident_count++;
	if (lx->in_routine && lx->paren_depth == 0 && n >= 3 && n <= 5) {
		if (word_eq(w, n, "begin"))
			lx->begin_depth++;
		else if (word_eq(w, n, "case")) /* CASE also ends with END: only inside a BEGIN */
			lx->begin_depth += lx->begin_depth >= 1;
		else if (word_eq(w, n, "end"))
			lx->begin_depth -= lx->begin_depth > 0;
	}
	if (n == 12 && word_eq(w, n, "concurrently"))
		lx->saw_concurrently = 1;
}

static int tok_is(const struct lexer *lx, int i, const char *kw)
{
	return i < lx->ntoks && lx->toks[i].kind == T_WORD && word_eq(lx->s + lx->toks[i].off, lx->toks[i].len, kw);
}

static int tok_is_any(const struct lexer *lx, int i, const char *const *kws)
{
	for (; *kws; kws++)
		if (tok_is(lx, i, *kws))
			return 1;
	return 0;
}

/*
 * Does PostgreSQL refuse this statement inside a transaction block? Mirrors
 * the PreventInTransactionBlock() callers of PostgreSQL 15-17:
 * CREATE [UNIQUE] INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX ...
 * CONCURRENTLY and REINDEX SCHEMA|DATABASE|SYSTEM, VACUUM (not ANALYZE),
 * CLUSTER without a table, CREATE|DROP DATABASE, CREATE|DROP TABLESPACE,
 * ALTER SYSTEM, ALTER DATABASE ... SET TABLESPACE, CREATE|DROP SUBSCRIPTION,
 * ALTER SUBSCRIPTION ... REFRESH / SET|ADD|DROP PUBLICATION (refresh is on
 * by default), ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY,
 * DISCARD ALL, COMMIT PREPARED, ROLLBACK PREPARED. ALTER TYPE ... ADD VALUE
 * is allowed in a transaction since PostgreSQL 12. Options that would make
 * the statement acceptable (create_slot = false, refresh = false) are not
 * looked at: running such a statement outside a transaction is harmless.
 */
static int pg_no_tx(const struct lexer *lx)
{
	static const char *const db_ts_sub[] = { "database", "tablespace", "subscription", NULL };
	static const char *const reindex_many[] = { "schema", "database", "system", NULL };
	static const char *const pub_verbs[] = { "set", "add", "drop", NULL };
	int i;

	/* most statements start with a word none of these start with */
	if (lx->ntoks == 0 || lx->toks[0].kind != T_WORD)
		return 0;
	switch (lower(lx->s[lx->toks[0].off])) {
	case 'a': case 'c': case 'd': case 'r': case 'v':
		break;
	default:
		return 0;
	}
	if (tok_is(lx, 0, "create")) {
		i = tok_is(lx, 1, "unique") ? 2 : 1;
		if (tok_is(lx, i, "index") && tok_is(lx, i + 1, "concurrently"))
			return 1;
		return i == 1 && tok_is_any(lx, 1, db_ts_sub);
	}
	if (tok_is(lx, 0, "drop"))
		return (tok_is(lx, 1, "index") && tok_is(lx, 2, "concurrently")) || tok_is_any(lx, 1, db_ts_sub);
	if (tok_is(lx, 0, "reindex")) {
		i = lx->ntoks > 1 && lx->toks[1].kind == T_PAREN ? 2 : 1;
		return lx->saw_concurrently || tok_is_any(lx, i, reindex_many);
	}
	if (tok_is(lx, 0, "vacuum"))
		return 1;
	if (tok_is(lx, 0, "cluster"))
		return lx->ntoks == 1 ||
		       (lx->ntoks == 2 && (tok_is(lx, 1, "verbose") || lx->toks[1].kind == T_PAREN));
	if (tok_is(lx, 0, "alter")) {
		if (tok_is(lx, 1, "system"))
			return 1;
		if (tok_is(lx, 1, "database"))
			return tok_is(lx, 3, "set") && tok_is(lx, 4, "tablespace");
		if (tok_is(lx, 1, "subscription"))
			return tok_is(lx, 3, "refresh") ||
			       (tok_is_any(lx, 3, pub_verbs) && tok_is(lx, 4, "publication"));
		if (tok_is(lx, 1, "table"))
			return lx->last.kind == T_WORD && word_eq(lx->s + lx->last.off, lx->last.len, "concurrently");
		return 0;
	}
	if (tok_is(lx, 0, "discard"))
		return tok_is(lx, 1, "all");
	if (tok_is(lx, 0, "commit") || tok_is(lx, 0, "rollback"))
		return tok_is(lx, 1, "prepared");
	return 0;
}

/*
 * Transaction control at the top level (gram.y TransactionStmt): BEGIN,
 * START TRANSACTION, COMMIT, END, ROLLBACK, ABORT, each with an optional
 * WORK|TRANSACTION, and PREPARE TRANSACTION. COMMIT|ROLLBACK AND CHAIN end
 * one and start the next. Not flagged, because they neither start nor end a
 * transaction and need one to be open (the server refuses them outside a
 * block): SAVEPOINT, RELEASE [SAVEPOINT], ROLLBACK [WORK|TRANSACTION] TO;
 * nor COMMIT|ROLLBACK PREPARED, which are NO_TX. A BEGIN in a DO block or a
 * function body is inside a dollar quote, or not the statement's first word
 * (BEGIN ATOMIC), so it is never seen here.
 */
static unsigned pg_tx(const struct lexer *lx)
{
	static const char *const work[] = { "work", "transaction", NULL };
	int i;

	if (lx->ntoks == 0 || lx->toks[0].kind != T_WORD)
		return 0;
	switch (lower(lx->s[lx->toks[0].off])) {
	case 'a': case 'b': case 'c': case 'e': case 'p': case 'r': case 's':
		break;
	default:
		return 0;
	}
	if (tok_is(lx, 0, "begin"))
		return STRATA_STMT_TX_BEGIN;
	if (tok_is(lx, 0, "start"))
		return tok_is(lx, 1, "transaction") ? STRATA_STMT_TX_BEGIN : 0;
	if (tok_is(lx, 0, "prepare"))
		return tok_is(lx, 1, "transaction") ? STRATA_STMT_TX_END : 0;
	if (!tok_is(lx, 0, "commit") && !tok_is(lx, 0, "end") && !tok_is(lx, 0, "rollback") &&
	    !tok_is(lx, 0, "abort"))
		return 0;
	i = tok_is_any(lx, 1, work) ? 2 : 1;
	if (tok_is(lx, i, "to") || tok_is(lx, 1, "prepared"))
		return 0;
	if (tok_is(lx, i, "and") && tok_is(lx, i + 1, "chain"))
		return STRATA_STMT_TX_END | STRATA_STMT_TX_BEGIN;
	return STRATA_STMT_TX_END;
}

/* Value of a SET for a boolean setting: 1 on, 0 off, -1 not understood. */
static int pg_bool_value(const struct lexer *lx, const struct tok *t)
{
	static const char *const on[] = { "on", "true", "yes", "1", "default", NULL };
	static const char *const off[] = { "off", "false", "no", "0", NULL };
	const unsigned char *p = lx->s + t->off;
	size_t n = t->len;
	int i;

	if (n >= 2 && p[0] == '\'' && p[n - 1] == '\'') {
		p++;
		n -= 2;
	}
	for (i = 0; on[i]; i++)
		if (word_eq(p, n, on[i]))
			return 1;
	for (i = 0; off[i]; i++)
		if (word_eq(p, n, off[i]))
			return 0;
	return -1;
}

/* SET [SESSION|LOCAL] standard_conforming_strings {TO|=} v; RESET standard_conforming_strings|ALL. */
static void pg_track_settings(struct lexer *lx)
{
	unsigned char c0;
	int i, v;

	if (lx->ntoks < 2 || lx->toks[0].kind != T_WORD)
		return;
	c0 = lower(lx->s[lx->toks[0].off]);
	if (c0 != 's' && c0 != 'r')
		return;
	if (tok_is(lx, 0, "reset")) {
		if (tok_is(lx, 1, "standard_conforming_strings") || tok_is(lx, 1, "all"))
			lx->std_strings = 1;
		return;
	}
	if (!tok_is(lx, 0, "set"))
		return;
	i = tok_is(lx, 1, "session") || tok_is(lx, 1, "local") ? 2 : 1;
	if (!tok_is(lx, i, "standard_conforming_strings") || i + 2 >= lx->ntoks)
		return;
	i++;
	if (!tok_is(lx, i, "to") && !(lx->toks[i].len == 1 && lx->s[lx->toks[i].off] == '='))
		return;
	v = pg_bool_value(lx, &lx->toks[i + 1]);
	if (v >= 0)
		lx->std_strings = v;
}

/* End of a PostgreSQL statement at `end`: classify it, emit it, reset the per-statement state. */
static int pg_end_statement(struct lexer *lx, size_t end)
{
	unsigned flags = 0;

	if (lx->body != NO_BODY) {
		if (pg_no_tx(lx))
			flags |= STRATA_STMT_NO_TX;
		flags |= pg_tx(lx);
		pg_track_settings(lx);
	}
	lx->ident_count = 0;
	lx->in_routine = 0;
	lx->ntoks = 0;
	lx->last.kind = 0;
	lx->saw_concurrently = 0;
	return emit(lx, end, flags);
}

static int split_postgres(struct lexer *lx)
{
	const unsigned char *s = lx->s, *p = s + lx->first, *e = s + lx->len, *q;
	int rc;

	while (p < e) {
		unsigned char c = *p;

		switch (byte_class[c]) {
		case K_SPACE: /* {whitespace} */
			p++;
			while (p < e && byte_class[*p] == K_SPACE)
				p++;
			continue;
		case K_DASH:
			if (p + 1 < e && p[1] == '-') { /* {comment}: to \n or \r */
				p += 2;
				while (p < e && *p != '\n' && *p != '\r')
					p++;
				continue;
			}
			break;
		case K_SLASH:
			if (p + 1 < e && p[1] == '*') { /* {xcstart} */
				q = pg_block_comment(p, e);
				if (!q)
					return unterminated(lx, (size_t)(p - s), "unterminated /* comment", NULL, 0);
				p = q;
				continue;
			}
			break;
		case K_IDENT: {
			int esc = -1, dq = 0;
			size_t skip = 1;

			/*
			 * {xestart} {xbstart} {xhstart} {xnstart} {xusstart}
			 * {xuistart} {xufailed}: a one-letter prefix glued to a
			 * quote is part of the literal, not an identifier.
			 */
			if (p + 1 < e && p[1] == '\'') {
				switch (c) {
				case 'e': case 'E':
					esc = 1;
					break;
				case 'n': case 'N':
					esc = !lx->std_strings;
					break;
				case 'b': case 'B': case 'x': case 'X':
					esc = 0;
					break;
				}
			} else if ((c == 'u' || c == 'U') && p + 1 < e && p[1] == '&') {
				if (p + 2 < e && p[2] == '\'') {
					esc = 0;
					skip = 2;
				} else if (p + 2 < e && p[2] == '"') {
					dq = 1;
				} else { /* {xufailed}: "u" alone, not counted as an identifier */
					pg_token(lx, (size_t)(p - s), 1, T_OTHER);
					p++;
					continue;
				}
			}
			if (esc >= 0) {
				q = pg_string(p + skip + 1, e, esc);
				if (!q)
					return unterminated(lx, (size_t)(p - s), "unterminated quoted string", NULL, 0);
				pg_token(lx, (size_t)(p - s), (size_t)(q - p), T_OTHER);
				p = q;
				continue;
			}
			if (dq) {
				q = quoted_ident(p + 3, e, '"');
				if (!q)
					return unterminated(lx, (size_t)(p - s), "unterminated quoted identifier", NULL,
							    0);
				pg_token(lx, (size_t)(p - s), (size_t)(q - p), T_OTHER);
				p = q;
				continue;
			}
			q = p + 1;
			while (q < e && ident_cont[*q])
				q++;
			pg_token(lx, (size_t)(p - s), (size_t)(q - p), T_WORD);
			pg_word(lx, p, (size_t)(q - p));
			p = q;
			continue;
		}
		case K_DIGIT: /* {integer} {decimal} {real}, and the *fail rules putting back what does not fit */
			q = p + 1;
			while (q < e && byte_class[*q] == K_DIGIT)
				q++;
			if (q < e && *q == '.' && !(q + 1 < e && q[1] == '.')) {
				q++;
				while (q < e && byte_class[*q] == K_DIGIT)
					q++;
			}
			if (q < e && (*q == 'e' || *q == 'E')) {
				const unsigned char *x = q + 1;

				if (x < e && (*x == '+' || *x == '-'))
					x++;
				if (x < e && byte_class[*x] == K_DIGIT) {
					q = x + 1;
					while (q < e && byte_class[*q] == K_DIGIT)
						q++;
				}
			}
			pg_token(lx, (size_t)(p - s), (size_t)(q - p), T_OTHER);
			p = q;
			continue;
		case K_DOLLAR:
			q = p + 1;
			if (q < e && byte_class[*q] == K_DIGIT) { /* {param} */
				while (q < e && byte_class[*q] == K_DIGIT)
					q++;
			} else {
				/* {dolqdelim} = \$({dolq_start}{dolq_cont}*)?\$ */
				if (q < e && byte_class[*q] == K_IDENT)
					while (q < e && dolq_cont[*q])
						q++;
				if (q < e && *q == '$') {
					const unsigned char *tag = p, *b = q + 1;
					size_t taglen = (size_t)(q + 1 - p);

					/* <xdolq>: opaque up to the identical delimiter */
					for (;;) {
						b = memchr(b, '$', (size_t)(e - b));
						if (!b || (size_t)(e - b) < taglen) {
							return unterminated(lx, (size_t)(p - s),
									    "unterminated dollar-quoted string", tag,
									    taglen);
						}
						if (memcmp(b, tag, taglen) == 0)
							break;
						b++;
					}
					q = b + taglen;
				} else {
					q = p + 1; /* {dolqfailed} or a lone $: only the $ */
				}
			}
			pg_token(lx, (size_t)(p - s), (size_t)(q - p), T_OTHER);
			p = q;
			continue;
		case K_QUOTE: /* {xqstart}: <xq>, or <xe> when standard_conforming_strings is off */
			q = pg_string(p + 1, e, !lx->std_strings);
			if (!q)
				return unterminated(lx, (size_t)(p - s), "unterminated quoted string", NULL, 0);
			pg_token(lx, (size_t)(p - s), (size_t)(q - p), T_OTHER);
			p = q;
			continue;
		case K_DQUOTE: /* {xdstart} */
			q = quoted_ident(p + 1, e, '"');
			if (!q)
				return unterminated(lx, (size_t)(p - s), "unterminated quoted identifier", NULL, 0);
			pg_token(lx, (size_t)(p - s), (size_t)(q - p), T_OTHER);
			p = q;
			continue;
		case K_LPAREN: /* psqlscan "(": paren_depth++; a group is one token at depth 0 */
			if (lx->paren_depth == 0)
				pg_token(lx, (size_t)(p - s), 1, T_PAREN);
			lx->paren_depth++;
			p++;
			continue;
		case K_RPAREN: /* psqlscan ")": never below 0 */
			if (lx->paren_depth > 0) {
				if (--lx->paren_depth == 0)
					lx->last.kind = T_PAREN;
				p++;
				continue;
			}
			break;
		case K_SEMI:
			if (lx->paren_depth == 0 && lx->begin_depth == 0) {
				p++;
				rc = pg_end_statement(lx, (size_t)(p - s));
				if (rc)
					return rc;
				continue;
			}
			break;
		}
		/* {self}, {operator}, {other}: one byte is enough to know nothing starts here */
		pg_token(lx, (size_t)(p - s), 1, T_OTHER);
		p++;
	}
	if (lx->start < lx->len)
		return pg_end_statement(lx, lx->len);
	return 0;
}

/* ---------------------------------------------------------------- SQLite */

/* complete.c's tokens and its transition table, verbatim. */
enum { tkSEMI, tkWS, tkOTHER, tkEXPLAIN, tkCREATE, tkTEMP, tkTRIGGER, tkEND };

static const unsigned char sqlite_trans[8][8] = {
	/* Token:           SEMI  WS  OTHER  EXPLAIN  CREATE  TEMP  TRIGGER  END */
	/* 0 INVALID: */ {    1,  0,     2,       3,      4,    2,       2,   2, },
	/* 1   START: */ {    1,  1,     2,       3,      4,    2,       2,   2, },
	/* 2  NORMAL: */ {    1,  2,     2,       2,      2,    2,       2,   2, },
	/* 3 EXPLAIN: */ {    1,  3,     3,       2,      4,    2,       2,   2, },
	/* 4  CREATE: */ {    1,  4,     2,       2,      2,    4,       5,   2, },
	/* 5 TRIGGER: */ {    6,  5,     5,       5,      5,    5,       5,   5, },
	/* 6    SEMI: */ {    6,  6,     5,       5,      5,    5,       5,   7, },
	/* 7     END: */ {    1,  7,     5,       5,      5,    5,       5,   5, },
};

static inline void sqlite_token(struct lexer *lx, size_t off, int token)
{
	if (lx->body == NO_BODY)
		lx->body = off;
	lx->state = sqlite_trans[lx->state][token];
}

/* Keep the statement's leading tokens (for sqlite_tx()). */
static inline void sqlite_keep(struct lexer *lx, size_t off, size_t len, int kind)
{
	if (lx->ntoks < NTOKS) {
		lx->toks[lx->ntoks].off = off;
		lx->toks[lx->ntoks].len = len;
		lx->toks[lx->ntoks].kind = kind;
		lx->ntoks++;
	}
}

/*
 * Transaction control at the top level (parse.y cmd): BEGIN [DEFERRED|
 * IMMEDIATE|EXCLUSIVE] [TRANSACTION [name]], COMMIT|END [TRANSACTION],
 * ROLLBACK [TRANSACTION] without TO; and PRAGMA [schema.]foreign_keys = v,
 * which SQLite ignores inside a transaction (pragma.c: "this pragma is a
 * no-op within a transaction"), so a file that sets it means to run outside
 * one. SAVEPOINT and RELEASE work inside strata's transaction as nested
 * savepoints and are not flagged. BEGIN and END of a CREATE TRIGGER body are
 * never a statement's first word.
 */
static unsigned sqlite_tx(const struct lexer *lx)
{
	int i;

	if (lx->ntoks == 0 || lx->toks[0].kind != T_WORD)
		return 0;
	switch (lower(lx->s[lx->toks[0].off])) {
	case 'b': case 'c': case 'e': case 'p': case 'r':
		break;
	default:
		return 0;
	}
	if (tok_is(lx, 0, "begin"))
		return STRATA_STMT_TX_BEGIN;
	if (tok_is(lx, 0, "commit") || tok_is(lx, 0, "end"))
		return STRATA_STMT_TX_END;
	if (tok_is(lx, 0, "rollback")) {
		i = tok_is(lx, 1, "transaction") ? 2 : 1;
		return tok_is(lx, i, "to") ? 0 : STRATA_STMT_TX_END;
	}
	if (tok_is(lx, 0, "pragma")) {
		i = lx->ntoks > 2 && lx->toks[2].len == 1 && lx->s[lx->toks[2].off] == '.' ? 3 : 1;
		if (tok_is(lx, i, "foreign_keys") && i + 1 < lx->ntoks && lx->toks[i + 1].len == 1 &&
		    (lx->s[lx->toks[i + 1].off] == '=' || lx->s[lx->toks[i + 1].off] == '('))
			return STRATA_STMT_TX_PRAGMA;
	}
	return 0;
}

/* End of an SQLite statement at `end`. */
static int sqlite_end_statement(struct lexer *lx, size_t end)
{
	unsigned flags = lx->body != NO_BODY ? sqlite_tx(lx) : 0;

	lx->ntoks = 0;
	return emit(lx, end, flags);
}

/* complete.c's keyword test for an identifier, in the states where one matters. */
static int sqlite_keyword(const unsigned char *w, size_t n)
{
	switch (n) {
	case 3:
		return word_eq(w, n, "end") ? tkEND : tkOTHER;
	case 4:
		return word_eq(w, n, "temp") ? tkTEMP : tkOTHER;
	case 6:
		return word_eq(w, n, "create") ? tkCREATE : tkOTHER;
	case 7:
		return word_eq(w, n, "trigger") ? tkTRIGGER : word_eq(w, n, "explain") ? tkEXPLAIN : tkOTHER;
	case 9:
		return word_eq(w, n, "temporary") ? tkTEMP : tkOTHER;
	}
	return tkOTHER;
}

static int split_sqlite(struct lexer *lx)
{
	const unsigned char *s = lx->s, *p = s + lx->first, *e = s + lx->len, *q;
	int rc;

	while (p < e) {
		unsigned char c = *p;

		switch (byte_class[c]) {
		case K_SPACE:
			p++;
			while (p < e && byte_class[*p] == K_SPACE)
				p++;
			continue;
		case K_DASH:
			if (p + 1 < e && p[1] == '-') { /* TK_COMMENT: to \n only */
				q = memchr(p + 2, '\n', (size_t)(e - p - 2));
				p = q ? q : e;
				continue;
			}
			break;
		case K_SLASH:
			if (p + 1 < e && p[1] == '*') { /* not nested; "*" "/" searched from p+2 */
				q = p + 2;
				for (;;) {
					q = memchr(q, '*', (size_t)(e - q));
					if (!q || q + 1 >= e)
						return unterminated(lx, (size_t)(p - s), "unterminated /* comment", NULL,
								    0);
					if (q[1] == '/')
						break;
					q++;
				}
				p = q + 2;
				continue;
			}
			break;
		case K_QUOTE:
		case K_DQUOTE:
		case K_BACKTICK:
			q = quoted_ident(p + 1, e, c);
			if (!q)
				return unterminated(lx, (size_t)(p - s),
						    c == '\'' ? "unterminated quoted string" : "unterminated quoted identifier",
						    NULL, 0);
			sqlite_token(lx, (size_t)(p - s), tkOTHER);
			sqlite_keep(lx, (size_t)(p - s), (size_t)(q - p), T_OTHER);
			p = q;
			continue;
		case K_LBRACKET:
			q = memchr(p + 1, ']', (size_t)(e - p - 1));
			if (!q)
				return unterminated(lx, (size_t)(p - s), "unterminated quoted identifier", NULL, 0);
			sqlite_token(lx, (size_t)(p - s), tkOTHER);
			sqlite_keep(lx, (size_t)(p - s), (size_t)(q + 1 - p), T_OTHER);
			p = q + 1;
			continue;
		case K_IDENT:
		case K_DIGIT:
		case K_DOLLAR: /* IdChar(): keywords, identifiers, numbers, $params alike */
			q = p + 1;
			while (q < e && ident_cont[*q])
				q++;
			/* only states 0, 1, 3, 4 and 6 tell keywords from other words */
			sqlite_token(lx, (size_t)(p - s),
				     lx->state == 2 || lx->state == 5 ? tkOTHER : sqlite_keyword(p, (size_t)(q - p)));
			sqlite_keep(lx, (size_t)(p - s), (size_t)(q - p), byte_class[c] == K_IDENT ? T_WORD : T_OTHER);
			p = q;
			continue;
		case K_SEMI:
			if (sqlite_trans[lx->state][tkSEMI] == 1) {
				lx->state = 1;
				p++;
				rc = sqlite_end_statement(lx, (size_t)(p - s));
				if (rc)
					return rc;
				continue;
			}
			sqlite_token(lx, (size_t)(p - s), tkSEMI);
			sqlite_keep(lx, (size_t)(p - s), 1, T_OTHER);
			p++;
			continue;
		}
		sqlite_token(lx, (size_t)(p - s), tkOTHER);
		sqlite_keep(lx, (size_t)(p - s), 1, T_OTHER);
		p++;
	}
	if (lx->start < lx->len)
		return sqlite_end_statement(lx, lx->len);
	return 0;
}

/* ---------------------------------------------------------------- API */

/*
 * See split.h. Zero-length input gives zero pieces; any other input gives
 * pieces covering it exactly, the last one STRATA_STMT_EMPTY when only white
 * space and comments follow the last terminator. On failure out->n is 0 and
 * out keeps its memory for strata_split_release().
 */
int strata_sql_split(const char *sql, size_t len, enum strata_dialect d, struct strata_split *out,
		     struct strata_err *err)
{
	struct lexer lx;
	int rc;

	memset(&lx, 0, sizeof(lx));
	lx.s = (const unsigned char *)sql;
	lx.len = len;
	lx.out = out;
	lx.err = err;
	lx.body = NO_BODY;
	lx.line_no = 1;
	lx.std_strings = 1;
	out->n = 0;
	if (len == 0)
		return 0;
	if (!sql)
		return strata_err_set(err, STRATA_EUSAGE, "no SQL text");
	/* A UTF-8 byte order mark is white space before the first piece. */
	if (len >= 3 && memcmp(sql, "\xef\xbb\xbf", 3) == 0)
		lx.first = 3;
	switch (d) {
	case STRATA_DIALECT_POSTGRES:
		rc = split_postgres(&lx);
		break;
	case STRATA_DIALECT_SQLITE:
		rc = split_sqlite(&lx);
		break;
	default:
		return strata_err_set(err, STRATA_EUSAGE, "unknown SQL dialect %d", (int)d);
	}
	if (rc) {
		out->n = 0;
		return rc;
	}
	return 0;
}

void strata_split_release(struct strata_split *s)
{
	if (!s)
		return;
	free(s->s);
	s->s = NULL;
	s->n = 0;
	s->cap = 0;
}

size_t strata_split_count(const struct strata_split *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		n += !(s->s[i].flags & STRATA_STMT_EMPTY);
	return n;
}

int strata_split_open_tx(const struct strata_split *s)
{
	size_t i;
	int open = 0;

	for (i = 0; i < s->n; i++) {
		if (s->s[i].flags & STRATA_STMT_TX_END)
			open = 0;
		if (s->s[i].flags & STRATA_STMT_TX_BEGIN)
			open = s->s[i].line;
	}
	return open;
}

/* ---------------------------------------------------------------- looking inside one statement */

/*
 * The next token of a PostgreSQL statement from p: white space and comments
 * skipped, *kind T_WORD for an identifier or keyword, T_OTHER for a quoted
 * identifier (its quotes included), a string, a dollar-quoted string or one
 * byte. Returns its end, or NULL at the end of input or on an unterminated
 * construct; *tok gets its start.
 */
static const unsigned char *pg_next(const unsigned char *p, const unsigned char *e, const unsigned char **tok,
				    int *kind, const unsigned char **dollar_body)
{
	const unsigned char *q;

	*dollar_body = NULL;
	for (;;) {
		while (p < e && byte_class[*p] == K_SPACE)
			p++;
		if (p + 1 < e && p[0] == '-' && p[1] == '-') {
			while (p < e && *p != '\n' && *p != '\r')
				p++;
		} else if (p + 1 < e && p[0] == '/' && p[1] == '*') {
			p = pg_block_comment(p, e);
			if (!p)
				return NULL;
		} else {
			break;
		}
	}
	if (p >= e)
		return NULL;
	*tok = p;
	*kind = T_OTHER;
	switch (byte_class[*p]) {
	case K_IDENT:
		if (p + 1 < e && p[1] == '\'')
			return pg_string(p + 2, e, *p == 'e' || *p == 'E');
		for (q = p + 1; q < e && ident_cont[*q]; q++)
			;
		*kind = T_WORD;
		return q;
	case K_QUOTE:
		return pg_string(p + 1, e, 0);
	case K_DQUOTE:
		return quoted_ident(p + 1, e, '"');
	case K_DOLLAR:
		q = p + 1;
		if (q < e && byte_class[*q] == K_IDENT)
			while (q < e && dolq_cont[*q])
				q++;
		if (q < e && *q == '$') {
			size_t taglen = (size_t)(q + 1 - p);
			const unsigned char *b = q + 1;

			*dollar_body = b;
			for (;;) {
				b = memchr(b, '$', (size_t)(e - b));
				if (!b || (size_t)(e - b) < taglen)
					return NULL;
				if (memcmp(b, p, taglen) == 0)
					return b + taglen;
				b++;
			}
		}
		while (q < e && byte_class[*q] == K_DIGIT) /* $1, or a lone $ */
			q++;
		return q > p + 1 ? q : p + 1;
	}
	return p + 1;
}

long strata_sql_dollar_body(const char *sql, size_t len)
{
	const unsigned char *s = (const unsigned char *)sql, *p = s, *e = s + len, *tok, *body;
	int kind;

	while ((p = pg_next(p, e, &tok, &kind, &body)) != NULL)
		if (body)
			return (long)(body - s);
	return -1;
}

int strata_sql_defines_routine(const char *sql, size_t len, const char *name, size_t namelen)
{
	const unsigned char *s = (const unsigned char *)sql, *p = s, *e = s + len, *tok, *body, *last = NULL;
	size_t lastlen = 0, n;
	int kind, i;

	/* CREATE [OR REPLACE] FUNCTION|PROCEDURE */
	for (i = 0; i < 3; i++) {
		p = pg_next(p, e, &tok, &kind, &body);
		if (!p || kind != T_WORD)
			return 0;
		n = (size_t)(p - tok);
		if (i == 0 && !word_eq(tok, n, "create"))
			return 0;
		if (i == 1 && word_eq(tok, n, "or")) {
			p = pg_next(p, e, &tok, &kind, &body);
			if (!p || kind != T_WORD || !word_eq(tok, (size_t)(p - tok), "replace"))
				return 0;
			i = 0; /* FUNCTION|PROCEDURE comes next */
			continue;
		}
		if (i == 1 && !word_eq(tok, n, "function") && !word_eq(tok, n, "procedure"))
			return 0;
		if (i == 1)
			break;
	}
	/* the name: the last part of [schema.]name, up to its "(" */
	while ((p = pg_next(p, e, &tok, &kind, &body)) != NULL) {
		n = (size_t)(p - tok);
		if (n == 1 && *tok == '(')
			break;
		if (!(n == 1 && *tok == '.')) {
			last = tok;
			lastlen = n;
		}
	}
	if (!last)
		return 0;
	if (*last == '"')
		return lastlen == namelen + 2 && memcmp(last + 1, name, namelen) == 0;
	if (lastlen != namelen)
		return 0;
	for (i = 0; i < (int)namelen; i++)
		if (lower(last[i]) != lower((unsigned char)name[i]))
			return 0;
	return 1;
}
