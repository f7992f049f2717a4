/*
 * lexer_scan.h - the bodies of the three tokenizers (see lexer.c for what they
 * follow upstream and where they differ), as static inline functions.
 *
 * They live in a header only so that the hot loops that read tokens (the
 * splitter in sqlsplit.c, the normaliser in checksum.c) inline them and cost
 * what the fused byte loops before the token API cost; lexer.c wraps the
 * same functions as strata_lexer_next() for everyone else. Include after
 * internal.h, from those three files only.
 */
#ifndef STRATA_LEXER_SCAN_H
#define STRATA_LEXER_SCAN_H

#include <string.h>

#include "split.h"
#include "lexer.h"

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
	K_SEMI,      /* ; */
	K_HASH,      /* # (a MySQL comment; an operator elsewhere) */
};

static const unsigned char byte_class[256] = {
	[' '] = K_SPACE, ['\t'] = K_SPACE, ['\n'] = K_SPACE, ['\r'] = K_SPACE, ['\f'] = K_SPACE,
	['A' ... 'Z'] = K_IDENT, ['a' ... 'z'] = K_IDENT, ['_'] = K_IDENT, [0x80 ... 0xff] = K_IDENT,
	['0' ... '9'] = K_DIGIT,
	['$'] = K_DOLLAR, ['\''] = K_QUOTE, ['"'] = K_DQUOTE, ['`'] = K_BACKTICK, ['['] = K_LBRACKET,
	['-'] = K_DASH, ['/'] = K_SLASH, [';'] = K_SEMI, ['#'] = K_HASH,
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

/* ---------------------------------------------------------------- shared shapes */

/* "..." (or `...` in SQLite, '...' there too): `q` doubled inside. One past the closing quote, or NULL. */
static inline const unsigned char *quoted(const unsigned char *p, const unsigned char *e, unsigned char q)
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

/* ---------------------------------------------------------------- PostgreSQL */

/*
 * After the closing quote of a string: psqlscan <xqs>{quotecontinue}, i.e.
 * white space and -- comments holding at least one newline, then another
 * quote, continue the same literal. Is that what follows p?
 */
static inline int pg_quote_continues(const unsigned char *p, const unsigned char *e)
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
	return newline && p < e && *p == '\'';
}

/*
 * The rest of one quoted part whose opening quote is at p[-1]: <xq>/<xus>/
 * <xb>/<xh> (no escapes) or, with `escapes`, <xe> (backslash takes the next
 * byte). '' is a quote inside every kind. One past the closing quote, or
 * NULL when the input ends first.
 */
static inline const unsigned char *pg_string(const unsigned char *p, const unsigned char *e, int escapes)
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
		return p + 1;
	}
}

/* <xc>: nested block comment opened at p ("/" "*"). One past its end, or NULL. */
static inline const unsigned char *pg_block_comment(const unsigned char *p, const unsigned char *e)
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

static inline int fail(struct strata_lexer *lx, size_t off, const char *what, size_t taglen)
{
	lx->err_off = off;
	lx->err_what = what;
	lx->err_taglen = taglen;
	lx->pos = lx->len;
	return -1;
}

/* A UTF-8 byte order mark at offset 0 (its first byte is an ident_start byte): white space before the first statement. */
static inline int bom_at(const struct strata_lexer *lx, const unsigned char *p)
{
	return p == lx->s && lx->len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0;
}

static inline int bom_token(struct strata_token *t)
{
	t->len = 3;
	t->kind = STRATA_TOK_SPACE;
	t->flags = STRATA_TOKF_BOM;
	return 1;
}

/* A string part from its opening quote at q (p: the token's first byte, a prefix or the quote). */
static inline int pg_string_token(struct strata_lexer *lx, const unsigned char *p, const unsigned char *q, int esc,
			   struct strata_token *t)
{
	const unsigned char *s = lx->s, *e = s + lx->len, *end;
	size_t from = (size_t)(p - s);

	t->flags = esc ? STRATA_TOKF_ESCAPES : 0;
	if (lx->cont) { /* the next part of a literal: its escapes, and errors where it opened */
		t->flags |= STRATA_TOKF_CONTINUES;
		from = lx->cont_from;
		lx->cont = 0;
	}
	end = pg_string(q + 1, e, esc);
	if (!end)
		return fail(lx, from, "unterminated quoted string", 0);
	if (pg_quote_continues(end, e)) {
		lx->cont = 1;
		lx->cont_esc = esc;
		lx->cont_from = from;
	}
	t->kind = STRATA_TOK_STRING;
	t->len = (size_t)(end - p);
	return 1;
}

static inline __attribute__((always_inline)) int pg_next(struct strata_lexer *lx, struct strata_token *t)
{
	const unsigned char *s = lx->s, *p = s + lx->pos, *e = s + lx->len, *q;
	unsigned char c = *p;

	t->off = lx->pos;
	t->flags = 0;
	switch (byte_class[c]) {
	case K_SPACE: /* {whitespace} */
		q = p + 1;
		while (q < e && byte_class[*q] == K_SPACE)
			q++;
		t->kind = STRATA_TOK_SPACE;
		t->len = (size_t)(q - p);
		return 1;
	case K_DASH:
		if (p + 1 < e && p[1] == '-') { /* {comment}: to \n or \r */
			q = p + 2;
			while (q < e && *q != '\n' && *q != '\r')
				q++;
			t->kind = STRATA_TOK_COMMENT;
			t->len = (size_t)(q - p);
			return 1;
		}
		break;
	case K_SLASH:
		if (p + 1 < e && p[1] == '*') { /* {xcstart} */
			q = pg_block_comment(p, e);
			if (!q)
				return fail(lx, t->off, "unterminated /* comment", 0);
			t->kind = STRATA_TOK_COMMENT;
			t->flags = STRATA_TOKF_BLOCK;
			t->len = (size_t)(q - p);
			return 1;
		}
		break;
	case K_IDENT:
		if (__builtin_expect(c == 0xef, 0) && bom_at(lx, p))
			return bom_token(t);
		/*
		 * {xestart} {xbstart} {xhstart} {xnstart} {xusstart} {xuistart}
		 * {xufailed}: a one-letter prefix glued to a quote is part of the
		 * literal, not an identifier.
		 */
		if (p + 1 < e && p[1] == '\'') {
			switch (c) {
			case 'e': case 'E':
				return pg_string_token(lx, p, p + 1, 1, t);
			case 'n': case 'N':
				return pg_string_token(lx, p, p + 1, !lx->std_strings, t);
			case 'b': case 'B': case 'x': case 'X':
				return pg_string_token(lx, p, p + 1, 0, t);
			}
		} else if ((c == 'u' || c == 'U') && p + 1 < e && p[1] == '&') {
			if (p + 2 < e && p[2] == '\'')
				return pg_string_token(lx, p, p + 2, 0, t);
			if (p + 2 < e && p[2] == '"') {
				q = quoted(p + 3, e, '"');
				if (!q)
					return fail(lx, t->off, "unterminated quoted identifier", 0);
				t->kind = STRATA_TOK_QIDENT;
				t->len = (size_t)(q - p);
				return 1;
			}
			t->kind = STRATA_TOK_WORD; /* {xufailed}: "u" alone, not counted as an identifier */
			t->flags = STRATA_TOKF_UFAILED;
			t->len = 1;
			return 1;
		}
		q = p + 1; /* {identifier} */
		while (q < e && ident_cont[*q])
			q++;
		t->kind = STRATA_TOK_WORD;
		t->len = (size_t)(q - p);
		return 1;
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
		t->kind = STRATA_TOK_NUMBER;
		t->len = (size_t)(q - p);
		return 1;
	case K_DOLLAR:
		q = p + 1;
		if (q < e && byte_class[*q] == K_DIGIT) { /* {param} */
			while (q < e && byte_class[*q] == K_DIGIT)
				q++;
			t->kind = STRATA_TOK_PARAM;
			t->len = (size_t)(q - p);
			return 1;
		}
		/* {dolqdelim} = \$({dolq_start}{dolq_cont}*)?\$ */
		if (q < e && byte_class[*q] == K_IDENT)
			while (q < e && dolq_cont[*q])
				q++;
		if (q < e && *q == '$') {
			const unsigned char *b = q + 1;
			size_t taglen = (size_t)(q + 1 - p);

			/* <xdolq>: opaque up to the identical delimiter */
			for (;;) {
				b = memchr(b, '$', (size_t)(e - b));
				if (!b || (size_t)(e - b) < taglen)
					return fail(lx, t->off, "unterminated dollar-quoted string", taglen);
				if (memcmp(b, p, taglen) == 0)
					break;
				b++;
			}
			t->kind = STRATA_TOK_DOLLAR;
			t->len = (size_t)(b + taglen - p);
			return 1;
		}
		break; /* {dolqfailed} or a lone $: only the $ */
	case K_QUOTE: /* {xqstart}: <xq>, or <xe> when standard_conforming_strings is off */
		return pg_string_token(lx, p, p, lx->cont ? lx->cont_esc : !lx->std_strings, t);
	case K_DQUOTE: /* {xdstart} */
		q = quoted(p + 1, e, '"');
		if (!q)
			return fail(lx, t->off, "unterminated quoted identifier", 0);
		t->kind = STRATA_TOK_QIDENT;
		t->len = (size_t)(q - p);
		return 1;
	case K_SEMI:
		t->kind = STRATA_TOK_SEMI;
		t->len = 1;
		return 1;
	}
	/* {self}, {operator}, {other}: one byte is enough to know nothing starts here */
	t->kind = STRATA_TOK_OP;
	t->len = 1;
	return 1;
}

/* ---------------------------------------------------------------- SQLite */

static inline __attribute__((always_inline)) int sqlite_next(struct strata_lexer *lx, struct strata_token *t)
{
	const unsigned char *s = lx->s, *p = s + lx->pos, *e = s + lx->len, *q;
	unsigned char c = *p;

	t->off = lx->pos;
	t->flags = 0;
	switch (byte_class[c]) {
	case K_SPACE: /* TK_SPACE */
		q = p + 1;
		while (q < e && byte_class[*q] == K_SPACE)
			q++;
		t->kind = STRATA_TOK_SPACE;
		t->len = (size_t)(q - p);
		return 1;
	case K_DASH:
		if (p + 1 < e && p[1] == '-') { /* TK_COMMENT: to \n only */
			q = memchr(p + 2, '\n', (size_t)(e - p - 2));
			t->kind = STRATA_TOK_COMMENT;
			t->len = (size_t)((q ? q : e) - p);
			return 1;
		}
		break;
	case K_SLASH:
		if (p + 1 < e && p[1] == '*') { /* not nested; "*" "/" searched from p+2 */
			q = p + 2;
			for (;;) {
				q = memchr(q, '*', (size_t)(e - q));
				if (!q || q + 1 >= e)
					return fail(lx, t->off, "unterminated /* comment", 0);
				if (q[1] == '/')
					break;
				q++;
			}
			t->kind = STRATA_TOK_COMMENT;
			t->flags = STRATA_TOKF_BLOCK;
			t->len = (size_t)(q + 2 - p);
			return 1;
		}
		break;
	case K_QUOTE: /* TK_STRING, TK_ID: the quote doubled inside */
	case K_DQUOTE:
	case K_BACKTICK:
		q = quoted(p + 1, e, c);
		if (!q)
			return fail(lx, t->off, c == '\'' ? "unterminated quoted string" : "unterminated quoted identifier",
				    0);
		t->kind = c == '\'' ? STRATA_TOK_STRING : STRATA_TOK_QIDENT;
		t->len = (size_t)(q - p);
		return 1;
	case K_LBRACKET: /* [ident]: to the first ] */
		q = memchr(p + 1, ']', (size_t)(e - p - 1));
		if (!q)
			return fail(lx, t->off, "unterminated quoted identifier", 0);
		t->kind = STRATA_TOK_QIDENT;
		t->len = (size_t)(q + 1 - p);
		return 1;
	case K_IDENT:
	case K_DIGIT:
	case K_DOLLAR: /* IdChar(): keywords, identifiers, numbers, $params alike */
		if (__builtin_expect(c == 0xef, 0) && bom_at(lx, p))
			return bom_token(t);
		q = p + 1;
		while (q < e && ident_cont[*q])
			q++;
		t->kind = byte_class[c] == K_IDENT ? STRATA_TOK_WORD
			  : byte_class[c] == K_DIGIT ? STRATA_TOK_NUMBER
						     : STRATA_TOK_PARAM;
		t->len = (size_t)(q - p);
		return 1;
	case K_SEMI:
		t->kind = STRATA_TOK_SEMI;
		t->len = 1;
		return 1;
	}
	t->kind = STRATA_TOK_OP;
	t->len = 1;
	return 1;
}

/* ---------------------------------------------------------------- MySQL */

/*
 * What the mysql client (client/mysql.cc add_line(), read_and_execute(),
 * com_delimiter(), get_arg(): MySQL 8.0) and the server's lexer
 * (sql/sql_lex.cc) agree on, reduced to token shapes:
 *   - the delimiter (";" until a DELIMITER command changes it) is looked for
 *     at every byte outside strings, quoted identifiers and comments, also
 *     inside a word (`END$$` under DELIMITER $$ is END and the delimiter),
 *     and case-sensitively;
 *   - '...' and "..." are strings with backslash escapes and the quote
 *     doubled; `...` identifiers have the backtick doubled and no escapes;
 *   - # and "-- " (two dashes and a space or control byte, or the end) run
 *     to the end of the line; slash-star comments do not nest;
 *   - slash-star-! (MariaDB also slash-star-M!) and its version digits open
 *     a version comment whose content is code: the delimiter ends a statement
 *     inside one, as in the client (mysqldump writes such triggers under
 *     DELIMITER ;;), and its star-slash is a token of its own;
 *   - slash-star-+ is an optimizer hint: a comment in which the client looks
 *     for no delimiter;
 *   - DELIMITER xx is a client command when it starts a line (after blanks)
 *     and no statement text is pending since the last delimiter: the word
 *     "delimiter" in any case, blanks, then the new delimiter, quoted with
 *     ' " or ` or up to the next blank; the rest of the line is ignored.
 * Refused here where the client accepts or mangles: a DELIMITER without an
 * argument, longer than 15 bytes, or holding a backslash (get_arg() drops
 * backslashes: "DELIMITER \n\n" is "nn" there).
 * Added for Atlas's migration directories (ariga/atlas sql/migrate, which
 * has no DELIMITER of its own): a comment line "-- atlas:delimiter X"
 * before the first statement sets the delimiter to X, where \n \r \t and
 * \\ stand for a newline, a carriage return, a tab and a backslash (so
 * "\n\n" ends statements at a blank line). It is a DELIMITER token.
 */

/* '...' or "..." from the byte after the opening quote q: backslash takes the next byte, qq is a quote. */
static inline const unsigned char *mysql_string(const unsigned char *p, const unsigned char *e, unsigned char q)
{
	for (;;) {
		while (p < e && *p != q && *p != '\\')
			p++;
		if (p >= e)
			return NULL;
		if (*p == '\\') {
			p += 2;
			if (p > e)
				return NULL;
			continue;
		}
		if (p + 1 < e && p[1] == q) {
			p += 2;
			continue;
		}
		return p + 1;
	}
}

static inline int mysql_custom_delim(const struct strata_lexer *lx)
{
	return lx->delim_len != 1 || lx->delim[0] != ';';
}

/* Does the current delimiter start at p? */
static inline int mysql_delim_at(const struct strata_lexer *lx, const unsigned char *p, const unsigned char *e)
{
	return (size_t)(e - p) >= lx->delim_len && *p == (unsigned char)lx->delim[0] &&
	       memcmp(p, lx->delim, lx->delim_len) == 0;
}

/* Only blanks between the start of p's line and p (the client skips them before a command)? */
static inline int mysql_line_start(const struct strata_lexer *lx, const unsigned char *p)
{
	const unsigned char *s = lx->s;

	while (p > s && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\r' || p[-1] == '\f' || p[-1] == '\v'))
		p--;
	return p == s || p[-1] == '\n' || (p == s + 3 && bom_at(lx, s));
}

/* A DELIMITER command at p (its word checked by the caller): the new delimiter, or -1 with the error set. */
static inline int mysql_delimiter_command(struct strata_lexer *lx, const unsigned char *p, struct strata_token *t)
{
	const unsigned char *e = lx->s + lx->len, *le, *a, *b;

	le = memchr(p, '\n', (size_t)(e - p));
	if (!le)
		le = e;
	a = p + 9;
	while (a < le && (*a == ' ' || *a == '\t' || *a == '\r' || *a == '\f' || *a == '\v'))
		a++;
	if (a < le && (*a == '\'' || *a == '"' || *a == '`')) {
		b = memchr(a + 1, *a, (size_t)(le - a - 1));
		a++;
		if (!b)
			b = le;
	} else {
		b = a;
		while (b < le && *b != ' ' && *b != '\t' && *b != '\r' && *b != '\f' && *b != '\v')
			b++;
	}
	if (b == a)
		return fail(lx, t->off, "DELIMITER without a delimiter", 0);
	if (memchr(a, '\\', (size_t)(b - a)))
		return fail(lx, t->off, "DELIMITER with a backslash (the mysql client drops it)", 0);
	if ((size_t)(b - a) >= sizeof(lx->delim))
		return fail(lx, t->off, "DELIMITER longer than 15 bytes", 0);
	memcpy(lx->delim, a, (size_t)(b - a));
	lx->delim[b - a] = '\0';
	lx->delim_len = (size_t)(b - a);
	t->kind = STRATA_TOK_DELIMITER;
	t->len = (size_t)(le - p);
	return 1;
}

/* "-- atlas:delimiter X" at p, X to the end of the line (trailing blanks dropped) and unescaped. */
static inline int mysql_atlas_directive(struct strata_lexer *lx, const unsigned char *p, const unsigned char *le,
					struct strata_token *t)
{
	const unsigned char *a = p + 18, *b = le;
	size_t n = 0;

	while (a < b && (*a == ' ' || *a == '\t'))
		a++;
	while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
		b--;
	for (; a < b; a++) {
		unsigned char c = *a;

		if (c == '\\' && a + 1 < b) {
			a++;
			c = *a == 'n' ? '\n' : *a == 'r' ? '\r' : *a == 't' ? '\t' : *a;
		}
		if (n + 1 >= sizeof(lx->delim))
			return fail(lx, t->off, "atlas:delimiter longer than 15 bytes", 0);
		lx->delim[n++] = (char)c;
	}
	if (n == 0)
		return fail(lx, t->off, "atlas:delimiter without a delimiter", 0);
	lx->delim[n] = '\0';
	lx->delim_len = n;
	t->kind = STRATA_TOK_DELIMITER;
	t->len = (size_t)(le - p);
	return 1;
}

static inline int mysql_is_delimiter_word(const unsigned char *p, const unsigned char *e)
{
	static const char w[] = "delimiter";
	size_t i;

	if ((size_t)(e - p) < 9)
		return 0;
	for (i = 0; i < 9; i++)
		if ((p[i] | 0x20) != (unsigned char)w[i])
			return 0;
	return p + 9 == e || p[9] == ' ' || p[9] == '\t' || p[9] == '\n' || p[9] == '\r' || p[9] == '\f' ||
	       p[9] == '\v';
}

/* A run of bytes in `set` from q, stopping before the delimiter when it is not ";". */
static inline const unsigned char *mysql_run(const struct strata_lexer *lx, const unsigned char *q,
					     const unsigned char *e, const unsigned char *set, int space)
{
	if (!mysql_custom_delim(lx)) {
		if (space)
			while (q < e && byte_class[*q] == K_SPACE)
				q++;
		else
			while (q < e && set[*q])
				q++;
		return q;
	}
	while (q < e && (space ? byte_class[*q] == K_SPACE : set[*q] != 0) && !mysql_delim_at(lx, q, e))
		q++;
	return q;
}

static inline __attribute__((always_inline)) int mysql_next(struct strata_lexer *lx, struct strata_token *t)
{
	const unsigned char *s = lx->s, *p = s + lx->pos, *e = s + lx->len, *q;
	unsigned char c = *p;

	t->off = lx->pos;
	t->flags = 0;
	/* read_and_execute() looks for a command line before add_line() for the delimiter */
	if ((c | 0x20) == 'd' && !lx->pending && mysql_is_delimiter_word(p, e) && mysql_line_start(lx, p))
		return mysql_delimiter_command(lx, p, t);
	if (mysql_custom_delim(lx) && mysql_delim_at(lx, p, e)) { /* add_line(): is_prefix(pos, delimiter) */
		t->kind = STRATA_TOK_SEMI;
		t->flags = STRATA_TOKF_DELIM;
		t->len = lx->delim_len;
		return 1;
	}
	switch (byte_class[c]) {
	case K_SPACE:
		q = mysql_run(lx, p + 1, e, NULL, 1);
		t->kind = STRATA_TOK_SPACE;
		t->len = (size_t)(q - p);
		return 1;
	case K_DASH: /* "-- ": the second dash followed by a space or control byte, or the end */
		if (!(p + 1 < e && p[1] == '-' && (p + 2 == e || p[2] <= ' ' || p[2] == 0x7f)))
			break;
		/* fall through */
	case K_HASH:
		q = memchr(p + 1, '\n', (size_t)(e - p - 1));
		if (!q)
			q = e;
		if (!lx->started && c == '-' && q - p > 18 && memcmp(p, "-- atlas:delimiter", 18) == 0 &&
		    (p[18] == ' ' || p[18] == '\t'))
			return mysql_atlas_directive(lx, p, q, t);
		t->kind = STRATA_TOK_COMMENT;
		t->len = (size_t)(q - p);
		return 1;
	case K_SLASH:
		if (p + 1 < e && p[1] == '*') {
			q = p + 2;
			if ((q < e && *q == '!') || (q + 1 < e && q[0] == 'M' && q[1] == '!')) {
				q += *q == '!' ? 1 : 2;
				while (q < e && byte_class[*q] == K_DIGIT)
					q++;
				if (!lx->in_cond)
					lx->cond_from = t->off;
				lx->in_cond = 1;
				t->kind = STRATA_TOK_COND_OPEN;
				t->len = (size_t)(q - p);
				return 1;
			}
			t->flags = STRATA_TOKF_BLOCK | (q < e && *q == '+' ? STRATA_TOKF_HINT : 0);
			for (;;) {
				q = memchr(q, '*', (size_t)(e - q));
				if (!q || q + 1 >= e)
					return fail(lx, t->off, "unterminated /* comment", 0);
				if (q[1] == '/')
					break;
				q++;
			}
			t->kind = STRATA_TOK_COMMENT;
			t->len = (size_t)(q + 2 - p);
			return 1;
		}
		break;
	case K_QUOTE:
	case K_DQUOTE:
		q = mysql_string(p + 1, e, c);
		if (!q)
			return fail(lx, t->off, "unterminated quoted string", 0);
		t->kind = STRATA_TOK_STRING;
		t->flags = STRATA_TOKF_ESCAPES;
		t->len = (size_t)(q - p);
		return 1;
	case K_BACKTICK:
		q = quoted(p + 1, e, '`');
		if (!q)
			return fail(lx, t->off, "unterminated quoted identifier", 0);
		t->kind = STRATA_TOK_QIDENT;
		t->len = (size_t)(q - p);
		return 1;
	case K_IDENT:
		if (__builtin_expect(c == 0xef, 0) && bom_at(lx, p))
			return bom_token(t);
		/* fall through */
	case K_DOLLAR: /* $ is an identifier byte in MySQL */
		q = mysql_run(lx, p + 1, e, ident_cont, 0);
		t->kind = STRATA_TOK_WORD;
		t->len = (size_t)(q - p);
		return 1;
	case K_DIGIT: /* digits, and identifiers that start with one (1e5, 0x1F, 123abc): one run */
		q = mysql_run(lx, p + 1, e, ident_cont, 0);
		t->kind = STRATA_TOK_NUMBER;
		t->len = (size_t)(q - p);
		return 1;
	case K_SEMI:
		if (!mysql_custom_delim(lx)) {
			t->kind = STRATA_TOK_SEMI;
			t->len = 1;
			return 1;
		}
		break;
	}
	if (c == '*' && lx->in_cond && p + 1 < e && p[1] == '/') {
		lx->in_cond = 0;
		t->kind = STRATA_TOK_COND_CLOSE;
		t->len = 2;
		return 1;
	}
	t->kind = STRATA_TOK_OP;
	t->len = 1;
	return 1;
}

/* ---------------------------------------------------------------- one token */

enum { LX_SQLITE = 0, LX_PG = 1, LX_MYSQL = 2 };

/*
 * strata_lexer_next(), with the dialect (`dl`, LX_*) and trivia skipping
 * (`skip`) fixed at the call site so that the compiler drops the other
 * branches.
 */
static inline __attribute__((always_inline)) int lexer_scan(struct strata_lexer *lx, struct strata_token *t, const int dl, const int skip)
{
	for (;;) {
		if (lx->pos >= lx->len) {
			if (dl == LX_MYSQL && lx->in_cond) {
				lx->in_cond = 0;
				return fail(lx, lx->cond_from, "unterminated /*! version comment", 0);
			}
			return 0;
		}
		if ((dl == LX_PG ? pg_next(lx, t) : dl == LX_MYSQL ? mysql_next(lx, t) : sqlite_next(lx, t)) < 0)
			return -1;
		lx->pos = t->off + t->len;
		lx->count++;
		if (dl == LX_MYSQL && t->kind != STRATA_TOK_SPACE && t->kind != STRATA_TOK_COMMENT &&
		    t->kind != STRATA_TOK_DELIMITER)
		{
			lx->pending = t->kind != STRATA_TOK_SEMI;
			lx->started |= lx->pending;
		}
		if (!skip || (t->kind != STRATA_TOK_SPACE && t->kind != STRATA_TOK_COMMENT))
			return 1;
	}
}

#endif
