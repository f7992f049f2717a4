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
 *   MySQL       client/mysql.cc (the mysql client's add_line(): statements
 *               end at the delimiter, which DELIMITER changes; no BEGIN ...
 *               END tracking), MySQL 8.0; see split_mysql() and lexer_scan.h.
 *               Statements that commit implicitly are flagged
 *               (STRATA_STMT_IMPLICIT_COMMIT, strata_stmt_implicit_commit()).
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
 * Shape: one forward pass over the tokens of lexer.c (the token shapes, and
 * the upstream rules they follow, live there; this file decides what the
 * tokens mean for statement boundaries and classification). The tokenizer
 * is inlined into the two loops below (lexer_scan.h), white space and
 * comments only counted unless the caller keeps the tokens
 * (strata_sql_split_tokens, strata_lex). Nothing is allocated except the
 * pieces array (and the tokens array when kept), which grow geometrically. Line numbers are worked out
 * lazily with memchr, only for the offsets that need one. The first few
 * tokens of each statement are remembered (offsets only) to recognise the
 * statements PostgreSQL refuses inside a transaction block, and top-level
 * transaction control (BEGIN, COMMIT, ...; SQLite's PRAGMA foreign_keys),
 * which marks a file that manages its own transactions.
 */
#include <stdlib.h>
#include <string.h>

#include "split.h"
#include "lexer_scan.h"

/* ---------------------------------------------------------------- words */

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

/* ---------------------------------------------------------------- splitter state */

#define NO_BODY ((size_t)-1)
#define NTOKS 8 /* leading tokens kept per statement for NO_TX / SET detection */

enum { T_WORD = 1, T_PAREN, T_OTHER };

struct tok {
	size_t off;     /* first byte */
	size_t len;     /* bytes */
	int kind;       /* T_* */
};

struct splitter {
	const unsigned char *s;      /* the script */
	size_t len;                  /* its length */
	struct strata_lexer tk;      /* the dialect's tokenizer (lexer.c) */
	struct strata_split *out;    /* pieces produced so far */
	struct strata_tokens *keep;  /* every token, when the caller wants them; else NULL */
	int keep_line;               /* line of the next token kept */
	struct strata_err *err;      /* filled on failure */
	size_t start;                /* first byte of the current piece */
	size_t start_tok;            /* index of the current piece's first token */
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
	/* PostgreSQL statement classification */
	struct tok toks[NTOKS];      /* leading tokens at paren depth 0, a (...) group counting as one */
	int ntoks;
	struct tok last;             /* last token at paren depth 0 */
	int saw_concurrently;        /* the word CONCURRENTLY appeared anywhere */
	/* SQLite (complete.c) */
	int state;                   /* sqlite3_complete state, 0..7 */
	/* MySQL */
	size_t carry;                /* tokens at the end that lead the next piece (a delimiter other than ";") */
	size_t body_depth;           /* BEGIN ... END (and CASE ... END) nesting in a CREATE statement */
	int after_end;               /* the last word was END: END IF|LOOP|WHILE|REPEAT close no BEGIN */
};

/* Newlines in [a, b), remembering where the last line starts. */
static void advance_lines(struct splitter *lx, size_t to)
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
static int line_at(struct splitter *lx, size_t off)
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
static int emit(struct splitter *lx, size_t end, unsigned flags)
{
	struct strata_split *out = lx->out;
	struct strata_stmt *st;

	if (out->n == out->cap && grow_pieces(out))
		return strata_err_set(lx->err, STRATA_ENOMEM, "out of memory splitting SQL");
	st = &out->s[out->n++];
	st->start = lx->start;
	st->end = end;
	st->tok = lx->start_tok;
	st->ntok = lx->tk.count - lx->carry - lx->start_tok;
	lx->start_tok = lx->tk.count - lx->carry;
	lx->carry = 0;
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
static int unterminated(struct splitter *lx, size_t off, const char *what, const unsigned char *tag,
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


static int grow_tokens(struct strata_tokens *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct strata_token *n;

	if (cap < t->cap || cap > SIZE_MAX / sizeof(*n))
		return -1;
	n = realloc(t->t, cap * sizeof(*n));
	if (!n)
		return -1;
	t->t = n;
	t->cap = cap;
	return 0;
}

/* Keep token t (and its line) for the caller. */
static int keep_token(struct splitter *lx, struct strata_token *t)
{
	struct strata_tokens *k = lx->keep;
	const unsigned char *p = lx->s + t->off, *e = p + t->len;

	if (k->n == k->cap && grow_tokens(k))
		return strata_err_set(lx->err, STRATA_ENOMEM, "out of memory splitting SQL");
	t->line = lx->keep_line;
	k->t[k->n++] = *t;
	if (t->kind != STRATA_TOK_WORD && t->kind != STRATA_TOK_OP && t->kind != STRATA_TOK_SEMI)
		while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
			lx->keep_line++;
			p++;
		}
	return 0;
}

/* next_token() when the caller keeps the tokens: every token stored, the next significant one returned. */
static __attribute__((noinline)) int next_kept(struct splitter *lx, struct strata_token *t)
{
	int rc;

	for (;;) {
		rc = strata_lexer_next(&lx->tk, t);
		if (rc <= 0)
			return rc;
		if (keep_token(lx, t))
			return STRATA_ENOMEM;
		if (t->kind != STRATA_TOK_SPACE && t->kind != STRATA_TOK_COMMENT)
			return 1;
	}
}

/*
 * The next token the splitter looks at (white space and comments are only
 * counted, or kept for the caller): 1, 0 at the end, or a negative code
 * with err filled. `dl` is a constant at each call site (see lexer_scan()).
 */
static inline __attribute__((always_inline)) int next_token(struct splitter *lx, struct strata_token *t, const int dl)
{
	int rc;

	if (__builtin_expect(lx->keep != NULL, 0)) {
		struct strata_token k;

		rc = next_kept(lx, &k);
		*t = k;
	} else {
		rc = lexer_scan(&lx->tk, t, dl, 1);
	}
	if (rc == -1)
		return unterminated(lx, lx->tk.err_off, lx->tk.err_what,
				    lx->tk.err_taglen ? lx->s + lx->tk.err_off : NULL, lx->tk.err_taglen);
	return rc;
}

/* ---------------------------------------------------------------- PostgreSQL */

/* A token of the current statement: the body starts here; keep the leading ones. */
static inline void pg_token(struct splitter *lx, size_t off, size_t len, int kind)
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

/* A later part of a literal continued over a newline (lexer.h STRATA_TOKF_CONTINUES) ends at `end`. */
static inline void pg_continue(struct splitter *lx, size_t end)
{
	if (lx->paren_depth != 0)
		return;
	if (lx->ntoks > 0 && lx->toks[lx->ntoks - 1].off == lx->last.off)
		lx->toks[lx->ntoks - 1].len = end - lx->last.off;
	lx->last.len = end - lx->last.off;
}

/* psqlscan {identifier}: the CREATE FUNCTION ... BEGIN ATOMIC ... END tracking. */
static inline void pg_word(struct splitter *lx, const unsigned char *w, size_t n)
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

static int tok_is(const struct splitter *lx, int i, const char *kw)
{
	return i < lx->ntoks && lx->toks[i].kind == T_WORD && word_eq(lx->s + lx->toks[i].off, lx->toks[i].len, kw);
}

static int tok_is_any(const struct splitter *lx, int i, const char *const *kws)
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
static int pg_no_tx(const struct splitter *lx)
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
static unsigned pg_tx(const struct splitter *lx)
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
static int pg_bool_value(const struct splitter *lx, const struct tok *t)
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
static void pg_track_settings(struct splitter *lx)
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
			lx->tk.std_strings = 1;
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
		lx->tk.std_strings = v;
}

/* End of a PostgreSQL statement at `end`: classify it, emit it, reset the per-statement state. */
static int pg_end_statement(struct splitter *lx, size_t end)
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

static int split_postgres(struct splitter *lx)
{
	struct strata_token t;
	int rc;

	while ((rc = next_token(lx, &t, LX_PG)) > 0) {
		switch (t.kind) {
		case STRATA_TOK_WORD:
			if (t.flags & STRATA_TOKF_UFAILED) { /* {xufailed}: not counted as an identifier */
				pg_token(lx, t.off, t.len, T_OTHER);
				continue;
			}
			pg_token(lx, t.off, t.len, T_WORD);
			pg_word(lx, lx->s + t.off, t.len);
			continue;
		case STRATA_TOK_STRING:
			if (t.flags & STRATA_TOKF_CONTINUES) { /* the parts of a literal are one token */
				pg_continue(lx, t.off + t.len);
				continue;
			}
			break;
		case STRATA_TOK_OP:
			if (lx->s[t.off] == '(') { /* psqlscan "(": paren_depth++; a group is one token at depth 0 */
				if (lx->paren_depth == 0)
					pg_token(lx, t.off, 1, T_PAREN);
				lx->paren_depth++;
				continue;
			}
			if (lx->s[t.off] == ')' && lx->paren_depth > 0) { /* psqlscan ")": never below 0 */
				if (--lx->paren_depth == 0)
					lx->last.kind = T_PAREN;
				continue;
			}
			break;
		case STRATA_TOK_SEMI:
			if (lx->paren_depth == 0 && lx->begin_depth == 0) {
				rc = pg_end_statement(lx, t.off + 1);
				if (rc)
					return rc;
				continue;
			}
			break;
		}
		pg_token(lx, t.off, t.len, T_OTHER);
	}
	if (rc)
		return rc;
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

static inline void sqlite_token(struct splitter *lx, size_t off, int token)
{
	if (lx->body == NO_BODY)
		lx->body = off;
	lx->state = sqlite_trans[lx->state][token];
}

/* Keep the statement's leading tokens (for sqlite_tx()). */
static inline void sqlite_keep(struct splitter *lx, size_t off, size_t len, int kind)
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
static unsigned sqlite_tx(const struct splitter *lx)
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
static int sqlite_end_statement(struct splitter *lx, size_t end)
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


static int split_sqlite(struct splitter *lx)
{
	struct strata_token t;
	int rc;

	while ((rc = next_token(lx, &t, LX_SQLITE)) > 0) {
		switch (t.kind) {
		case STRATA_TOK_WORD:
		case STRATA_TOK_NUMBER:
		case STRATA_TOK_PARAM:
			/* only states 0, 1, 3, 4 and 6 tell keywords from other words */
			sqlite_token(lx, t.off,
				     lx->state == 2 || lx->state == 5 ? tkOTHER : sqlite_keyword(lx->s + t.off, t.len));
			sqlite_keep(lx, t.off, t.len, t.kind == STRATA_TOK_WORD ? T_WORD : T_OTHER);
			continue;
		case STRATA_TOK_SEMI:
			if (sqlite_trans[lx->state][tkSEMI] == 1) {
				lx->state = 1;
				rc = sqlite_end_statement(lx, t.off + 1);
				if (rc)
					return rc;
				continue;
			}
			sqlite_token(lx, t.off, tkSEMI);
			sqlite_keep(lx, t.off, 1, T_OTHER);
			continue;
		}
		sqlite_token(lx, t.off, tkOTHER);
		sqlite_keep(lx, t.off, t.len, T_OTHER);
	}
	if (rc)
		return rc;
	if (lx->start < lx->len)
		return sqlite_end_statement(lx, lx->len);
	return 0;
}

/* ---------------------------------------------------------------- MySQL */

/*
 * The statement's leading words at paren depth 0, version comment markers
 * skipped (their content is code): the first NTOKS, for my_tx() and
 * my_implicit_commit().
 */
static inline void my_token(struct splitter *lx, size_t off, size_t len, int kind)
{
	if (lx->body == NO_BODY)
		lx->body = off;
	if (lx->paren_depth == 0 && lx->ntoks < NTOKS) {
		lx->toks[lx->ntoks].off = off;
		lx->toks[lx->ntoks].len = len;
		lx->toks[lx->ntoks].kind = kind;
		lx->ntoks++;
	}
}

static int tok_op(const struct splitter *lx, int i, char c)
{
	return i < lx->ntoks && lx->toks[i].kind == T_OTHER && lx->toks[i].len == 1 && lx->s[lx->toks[i].off] == c;
}

/*
 * SET [SESSION|LOCAL|@@[session.|local.]]autocommit {=|:=} v: 1 for on, 0
 * for off, -1 when the statement is not that (or v is not a constant).
 */
static int my_set_autocommit(const struct splitter *lx)
{
	static const char *const scope[] = { "session", "local", NULL };
	static const char *const on[] = { "1", "on", "true", NULL };
	static const char *const off[] = { "0", "off", "false", NULL };
	int i = 1;

	if (!tok_is(lx, 0, "set"))
		return -1;
	if (tok_is_any(lx, 1, scope)) {
		i = 2;
	} else if (tok_op(lx, 1, '@') && tok_op(lx, 2, '@')) {
		i = 3;
		if (tok_is_any(lx, 3, scope) && tok_op(lx, 4, '.'))
			i = 5;
	}
	if (!tok_is(lx, i, "autocommit"))
		return -1;
	i++;
	if (tok_op(lx, i, ':'))
		i++;
	if (!tok_op(lx, i, '='))
		return -1;
	i++;
	if (i >= lx->ntoks)
		return -1;
	if (tok_is_any(lx, i, on) || (lx->toks[i].kind == T_OTHER && word_eq(lx->s + lx->toks[i].off, lx->toks[i].len, "1")))
		return 1;
	if (tok_is_any(lx, i, off) || (lx->toks[i].kind == T_OTHER && word_eq(lx->s + lx->toks[i].off, lx->toks[i].len, "0")))
		return 0;
	return -1;
}

/*
 * Transaction control (sql_yacc.yy): START TRANSACTION, BEGIN [WORK] (not
 * MariaDB's BEGIN NOT ATOMIC compound statement), XA START|BEGIN begin one;
 * COMMIT|ROLLBACK [WORK] (not ROLLBACK ... TO [SAVEPOINT]), XA COMMIT|
 * ROLLBACK end one, AND CHAIN starting the next; SET autocommit = 0 leaves
 * every later statement in a transaction until COMMIT (a begin), SET
 * autocommit = 1 commits (an end). SAVEPOINT and RELEASE SAVEPOINT are not
 * flagged, as elsewhere.
 */
static unsigned my_tx(const struct splitter *lx)
{
	static const char *const xa_begin[] = { "start", "begin", NULL };
	static const char *const xa_end[] = { "commit", "rollback", NULL };
	int i, v;

	if (lx->ntoks == 0 || lx->toks[0].kind != T_WORD)
		return 0;
	switch (lower(lx->s[lx->toks[0].off])) {
	case 'b': case 'c': case 'r': case 's': case 'x':
		break;
	default:
		return 0;
	}
	if (tok_is(lx, 0, "begin"))
		return tok_is(lx, 1, "not") ? 0 : STRATA_STMT_TX_BEGIN;
	if (tok_is(lx, 0, "start"))
		return tok_is(lx, 1, "transaction") ? STRATA_STMT_TX_BEGIN : 0;
	if (tok_is(lx, 0, "xa"))
		return tok_is_any(lx, 1, xa_begin) ? STRATA_STMT_TX_BEGIN : tok_is_any(lx, 1, xa_end) ? STRATA_STMT_TX_END : 0;
	if (tok_is(lx, 0, "set")) {
		v = my_set_autocommit(lx);
		return v == 0 ? STRATA_STMT_TX_BEGIN : v == 1 ? STRATA_STMT_TX_END : 0;
	}
	if (!tok_is(lx, 0, "commit") && !tok_is(lx, 0, "rollback"))
		return 0;
	i = tok_is(lx, 1, "work") ? 2 : 1;
	if (tok_is(lx, i, "to"))
		return 0;
	if (tok_is(lx, i, "and") && tok_is(lx, i + 1, "chain"))
		return STRATA_STMT_TX_END | STRATA_STMT_TX_BEGIN;
	return STRATA_STMT_TX_END;
}

/* See strata_stmt_implicit_commit() in lexer.h. */
static int my_implicit_commit(const struct splitter *lx)
{
	static const char *const ddl[] = { "create", "alter", "drop", "rename", "truncate", NULL };
	static const char *const admin[] = { "analyze", "cache", "check", "optimize", "repair", "flush", "grant",
					      "revoke", "install", "uninstall", "shutdown", "change", "lock", "unlock",
					      NULL };
	static const char *const repl[] = { "slave", "replica", "group_replication", "all", NULL };
	int i;

	if (lx->ntoks == 0 || lx->toks[0].kind != T_WORD)
		return 0;
	if (tok_is_any(lx, 0, ddl)) {
		if (tok_is(lx, 0, "drop") && (tok_is(lx, 1, "prepare") || tok_is(lx, 1, "temporary")))
			return 0;
		if (tok_is(lx, 0, "create")) {
			i = tok_is(lx, 1, "or") && tok_is(lx, 2, "replace") ? 3 : 1;
			if (tok_is(lx, i, "temporary"))
				return 0;
		}
		return 1;
	}
	if (tok_is_any(lx, 0, admin))
		return 1;
	if (tok_is(lx, 0, "load"))
		return tok_is(lx, 1, "index");
	if (tok_is(lx, 0, "reset"))
		return !tok_is(lx, 1, "persist");
	if (tok_is(lx, 0, "start"))
		return tok_is(lx, 1, "transaction") || tok_is_any(lx, 1, repl);
	if (tok_is(lx, 0, "stop"))
		return tok_is_any(lx, 1, repl);
	if (tok_is(lx, 0, "begin"))
		return !tok_is(lx, 1, "not");
	if (tok_is(lx, 0, "set"))
		return tok_is(lx, 1, "password") || my_set_autocommit(lx) == 1;
	return 0;
}

/*
 * The compound-statement nesting of a CREATE (for STRATA_STMT_OPEN_BODY):
 * BEGIN opens, and CASE inside a body (a CASE statement or expression, both
 * closed by END [CASE]); END closes one, unless IF, LOOP, WHILE or REPEAT
 * follows it (those open nothing here). Only words at the top of a CREATE
 * statement are looked at; strings and comments are tokens of their own.
 */
static inline void my_word(struct splitter *lx, const unsigned char *w, size_t n)
{
	if (lx->ntoks == 0 || !tok_is(lx, 0, "create"))
		return;
	if (lx->after_end) {
		lx->after_end = 0;
		if (word_eq(w, n, "if") || word_eq(w, n, "loop") || word_eq(w, n, "while") || word_eq(w, n, "repeat"))
			return;
		lx->body_depth -= lx->body_depth > 0;
	}
	if (word_eq(w, n, "begin"))
		lx->body_depth++;
	else if (word_eq(w, n, "case"))
		lx->body_depth += lx->body_depth > 0;
	else if (word_eq(w, n, "end"))
		lx->after_end = 1;
}

/* End of a MySQL statement at `end`; `semi`: a ";" delimiter ended it. */
static int my_end_statement(struct splitter *lx, size_t end, int semi)
{
	unsigned flags = 0;

	if (lx->body != NO_BODY) {
		flags |= my_tx(lx);
		if (my_implicit_commit(lx))
			flags |= STRATA_STMT_IMPLICIT_COMMIT;
		if (lx->after_end)
			lx->body_depth -= lx->body_depth > 0;
		if (semi && lx->body_depth > 0)
			flags |= STRATA_STMT_OPEN_BODY;
	}
	lx->ntoks = 0;
	lx->paren_depth = 0;
	lx->body_depth = 0;
	lx->after_end = 0;
	return emit(lx, end, flags);
}

/*
 * As the mysql client: a statement ends at the delimiter and nowhere else
 * (the lexer finds it: lexer_scan.h). The client does not track BEGIN ...
 * END, so neither does this: a CREATE PROCEDURE|FUNCTION|TRIGGER|EVENT
 * whose body holds ";" needs DELIMITER around it, as with `mysql < file`
 * (without it the server rejects the first part). A ";" delimiter is part
 * of its statement; any other is not (the client does not send it).
 */
static int split_mysql(struct splitter *lx)
{
	struct strata_token t;
	int rc;

	while ((rc = next_token(lx, &t, LX_MYSQL)) > 0) {
		switch (t.kind) {
		case STRATA_TOK_SEMI:
			if (t.flags & STRATA_TOKF_DELIM) {
				lx->carry = 1;
				rc = my_end_statement(lx, t.off, 0);
			} else {
				rc = my_end_statement(lx, t.off + 1, 1);
			}
			if (rc)
				return rc;
			continue;
		case STRATA_TOK_DELIMITER:
			continue;
		case STRATA_TOK_COND_OPEN:
		case STRATA_TOK_COND_CLOSE:
			if (lx->body == NO_BODY)
				lx->body = t.off;
			continue;
		case STRATA_TOK_WORD:
			my_word(lx, lx->s + t.off, t.len);
			my_token(lx, t.off, t.len, T_WORD);
			continue;
		case STRATA_TOK_OP:
			if (lx->s[t.off] == '(') {
				my_token(lx, t.off, 1, T_PAREN);
				lx->paren_depth++;
				continue;
			}
			if (lx->s[t.off] == ')' && lx->paren_depth > 0) {
				lx->paren_depth--;
				continue;
			}
			break;
		}
		if (lx->after_end) { /* END followed by no word: it closed one */
			lx->body_depth -= lx->body_depth > 0;
			lx->after_end = 0;
		}
		my_token(lx, t.off, t.len, T_OTHER);
	}
	if (rc)
		return rc;
	if (lx->start < lx->len)
		return my_end_statement(lx, lx->len, 0);
	return 0;
}

/* ---------------------------------------------------------------- API */

/*
 * See split.h and lexer.h. Zero-length input gives zero pieces; any other
 * input gives pieces covering it exactly, the last one STRATA_STMT_EMPTY
 * when only white space and comments follow the last terminator. On failure
 * out->n is 0 and out keeps its memory for strata_split_release(); toks
 * holds the tokens before the error.
 */
int strata_sql_split_tokens(const char *sql, size_t len, enum strata_dialect d, struct strata_split *out,
			    struct strata_tokens *toks, struct strata_err *err)
{
	struct splitter lx;
	int rc;

	out->n = 0;
	if (toks)
		toks->n = 0;
	if (len == 0)
		return 0;
	if (!sql)
		return strata_err_set(err, STRATA_EUSAGE, "no SQL text");
	if (d != STRATA_DIALECT_POSTGRES && d != STRATA_DIALECT_SQLITE && d != STRATA_DIALECT_MYSQL)
		return strata_err_set(err, STRATA_EUSAGE, "unknown SQL dialect %d", (int)d);
	memset(&lx, 0, sizeof(lx));
	lx.s = (const unsigned char *)sql;
	lx.len = len;
	lx.out = out;
	lx.keep = toks;
	lx.keep_line = 1;
	lx.err = err;
	lx.body = NO_BODY;
	lx.line_no = 1;
	strata_lexer_init(&lx.tk, sql, len, d);
	lx.tk.skip_trivia = toks == NULL;
	rc = d == STRATA_DIALECT_POSTGRES ? split_postgres(&lx)
	     : d == STRATA_DIALECT_MYSQL  ? split_mysql(&lx)
					  : split_sqlite(&lx);
	if (rc) {
		out->n = 0;
		return rc;
	}
	return 0;
}

int strata_sql_split(const char *sql, size_t len, enum strata_dialect d, struct strata_split *out,
		     struct strata_err *err)
{
	return strata_sql_split_tokens(sql, len, d, out, NULL, err);
}

int strata_lex(const char *sql, size_t len, enum strata_dialect d, struct strata_tokens *out, struct strata_err *err)
{
	struct strata_split sp = { 0 };
	int rc;

	rc = strata_sql_split_tokens(sql, len, d, &sp, out, err);
	strata_split_release(&sp);
	return rc;
}

void strata_tokens_release(struct strata_tokens *t)
{
	if (!t)
		return;
	free(t->t);
	t->t = NULL;
	t->n = 0;
	t->cap = 0;
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

/*
 * MySQL: a transaction that BEGIN or START TRANSACTION opened (themselves
 * flagged as committing implicitly) also ends at the next statement that
 * commits implicitly (DDL, LOCK TABLES...); one that SET autocommit = 0
 * opened does not, as every statement after it runs in a transaction again.
 */
int strata_split_open_tx(const struct strata_split *s)
{
	size_t i;
	int open = 0, closes_implicitly = 0;

	for (i = 0; i < s->n; i++) {
		unsigned f = s->s[i].flags;

		if ((f & STRATA_STMT_TX_END) ||
		    (closes_implicitly && (f & STRATA_STMT_IMPLICIT_COMMIT) && !(f & STRATA_STMT_TX_BEGIN)))
			open = 0;
		if (f & STRATA_STMT_TX_BEGIN) {
			open = s->s[i].line;
			closes_implicitly = !!(f & STRATA_STMT_IMPLICIT_COMMIT);
		}
	}
	return open;
}


/* ---------------------------------------------------------------- looking inside one statement */

/*
 * The next token of a PostgreSQL statement other than white space and
 * comments; 0 at the end of the input or on an unterminated construct.
 */
static int pg_next_sig(struct strata_lexer *tk, struct strata_token *t)
{
	return strata_lexer_next(tk, t) > 0;
}

long strata_sql_dollar_body(const char *sql, size_t len)
{
	struct strata_lexer tk;
	struct strata_token t;

	strata_lexer_init(&tk, sql, len, STRATA_DIALECT_POSTGRES);
	tk.skip_trivia = 1;
	while (pg_next_sig(&tk, &t))
		if (t.kind == STRATA_TOK_DOLLAR)
			return (long)(t.off + (size_t)((const unsigned char *)memchr(sql + t.off + 1, '$', t.len - 1) -
						       (const unsigned char *)sql - t.off) + 1);
	return -1;
}

int strata_sql_defines_routine(const char *sql, size_t len, const char *name, size_t namelen)
{
	const unsigned char *s = (const unsigned char *)sql, *tok, *last = NULL;
	struct strata_lexer tk;
	struct strata_token t;
	size_t lastlen = 0, n;
	int i;

	strata_lexer_init(&tk, sql, len, STRATA_DIALECT_POSTGRES);
	tk.skip_trivia = 1;
	/* CREATE [OR REPLACE] FUNCTION|PROCEDURE */
	for (i = 0; i < 3; i++) {
		if (!pg_next_sig(&tk, &t) || t.kind != STRATA_TOK_WORD)
			return 0;
		tok = s + t.off;
		n = t.len;
		if (i == 0 && !word_eq(tok, n, "create"))
			return 0;
		if (i == 1 && word_eq(tok, n, "or")) {
			if (!pg_next_sig(&tk, &t) || t.kind != STRATA_TOK_WORD || !word_eq(s + t.off, t.len, "replace"))
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
	while (pg_next_sig(&tk, &t)) {
		tok = s + t.off;
		n = t.len;
		if (n == 1 && *tok == '(')
			break;
		if (t.kind == STRATA_TOK_QIDENT && *tok != '"') { /* U&"name": compared as "name" */
			tok += 2;
			n -= 2;
		}
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

int strata_stmt_implicit_commit(enum strata_dialect d, const char *sql, size_t len)
{
	struct splitter lx;
	struct strata_token t;

	if (d != STRATA_DIALECT_MYSQL || !sql)
		return 0;
	memset(&lx, 0, sizeof(lx));
	lx.s = (const unsigned char *)sql;
	lx.len = len;
	lx.body = NO_BODY;
	strata_lexer_init(&lx.tk, sql, len, d);
	while (lx.ntoks < NTOKS && lexer_scan(&lx.tk, &t, LX_MYSQL, 1) > 0) {
		switch (t.kind) {
		case STRATA_TOK_SEMI:
			return my_implicit_commit(&lx);
		case STRATA_TOK_DELIMITER:
		case STRATA_TOK_COND_OPEN:
		case STRATA_TOK_COND_CLOSE:
			continue;
		case STRATA_TOK_WORD:
			my_token(&lx, t.off, t.len, T_WORD);
			continue;
		case STRATA_TOK_OP:
			if (sql[t.off] == '(') {
				my_token(&lx, t.off, 1, T_PAREN);
				lx.paren_depth++;
				continue;
			}
			if (sql[t.off] == ')' && lx.paren_depth > 0) {
				lx.paren_depth--;
				continue;
			}
			break;
		}
		my_token(&lx, t.off, t.len, T_OTHER);
	}
	return my_implicit_commit(&lx);
}
