/*
 * normalise_ref.h - strata_sql_normalise() as it was before it read the
 * lexer's tokens (checksum.c up to the token API), kept verbatim as the
 * oracle that the token-based one must match byte for byte: the s1:
 * checksums recorded in existing databases are SHA-256 of this text.
 * Included by tests/unit/test_lexer.c and fuzz/fuzz_lexer.c; not part of
 * the library.
 */
#include <string.h>

#include "buf.h"
#include "split.h"

/* sqlsplit.c K_SPACE: psqlscan {space}, tokenize.c CC_SPACE. */
static int ref_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* psqlscan {ident_start}, {ident_cont}; SQLite's IdChar() is ident_cont. */
static int ref_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int ref_ident_cont(unsigned char c)
{
	return ref_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/* psqlscan {dolq_start}, {dolq_cont}. */
static int ref_dolq_cont(unsigned char c)
{
	return ref_ident_start(c) || (c >= '0' && c <= '9');
}

/* No space is needed next to these: they never join a neighbour into another token. */
static int ref_tight(unsigned char c)
{
	return c == '(' || c == ')' || c == ',' || c == ';';
}

struct ref_norm {
	struct strata_buf *out;
	int pg;           /* PostgreSQL's rules, else SQLite's */
	int pending;      /* white space or a comment since the last byte out */
	int gap_newline;  /* ... and it held a newline */
	int gap_block;    /* ... and a block comment */
	int after_string; /* the last token out was a string literal: 1 plain, 2 with E'' escapes */
	size_t word;      /* bytes of the identifier or keyword being written, 0 when not in one */
};

/* Before a token starting with c: the separator the gap before it stands for. */
static void ref_sep(struct ref_norm *n, unsigned char c)
{
	if (n->pending && n->out->len) {
		unsigned char last = (unsigned char)n->out->buf[n->out->len - 1];

		/*
		 * 'a'\n'b' is one literal in PostgreSQL, 'a' 'b' an error: keep the
		 * newline (scan.l {quotecontinue}: white space and -- comments only)
		 */
		if (n->pg && n->after_string && c == '\'' && n->gap_newline && !n->gap_block)
			strata_buf_addc(n->out, '\n');
		else if (!ref_tight(last) && !ref_tight(c) && last != '\n')
			strata_buf_addc(n->out, ' ');
		n->word = 0;
	}
	n->pending = n->gap_newline = n->gap_block = 0;
}

/* Copy [p, e) byte for byte but CRLF as LF. */
static void ref_copy_lf(struct strata_buf *b, const unsigned char *p, const unsigned char *e)
{
	while (p < e) {
		const unsigned char *cr = memchr(p, '\r', (size_t)(e - p));

		if (!cr) {
			strata_buf_add(b, (const char *)p, (size_t)(e - p));
			return;
		}
		strata_buf_add(b, (const char *)p, (size_t)(cr - p));
		if (!(cr + 1 < e && cr[1] == '\n'))
			strata_buf_addc(b, '\r');
		p = cr + 1;
	}
}

/* One byte of an ordinary token. */
static void ref_plain(struct ref_norm *n, unsigned char c)
{
	ref_sep(n, c);
	strata_buf_addc(n->out, (char)c);
	n->word = n->word ? (ref_ident_cont(c) ? n->word + 1 : 0) : ref_ident_start(c) ? 1 : 0;
	n->after_string = 0;
}

/* A literal [p, q) (quotes included) goes out as written. */
static void ref_literal(struct ref_norm *n, const unsigned char *p, const unsigned char *q, int string)
{
	ref_sep(n, *p);
	ref_copy_lf(n->out, p, q);
	n->word = 0;
	n->after_string = string;
}

/* The end of a quoted run opened at p by q (doubled q stands for itself; `esc`: backslash escapes). */
static const unsigned char *ref_close_quote(const unsigned char *p, const unsigned char *e, unsigned char q, int esc)
{
	for (p++; p < e; p++) {
		if (esc && *p == '\\') {
			p++;
			continue;
		}
		if (*p == q) {
			if (p + 1 < e && p[1] == q) {
				p++;
				continue;
			}
			return p + 1;
		}
	}
	return NULL;
}

static int ref_normalise(const char *text, size_t len, enum strata_dialect d, struct strata_buf *out)
{
	const unsigned char *s = (const unsigned char *)text, *e = s + len, *p = s, *q;
	struct ref_norm n;

	memset(&n, 0, sizeof(n));
	n.out = out;
	n.pg = d == STRATA_DIALECT_POSTGRES;
	/* psql follows the server's setting after each statement: not worth following here */
	if (n.pg && memmem(text, len, "standard_conforming_strings", 27))
		return 1;
	if (len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		p += 3; /* a byte order mark is white space (see sqlsplit.c) */
	while (p < e) {
		unsigned char c = *p;

		if (ref_is_space(c)) {
			n.pending = 1;
			/* psqlscan {newline} is [\n\r] */
			n.gap_newline |= c == '\n' || (n.pg && c == '\r');
			p++;
		} else if (c == '-' && p + 1 < e && p[1] == '-') {
			/* psqlscan {comment} ends before [\n\r], tokenize.c's at \n */
			const unsigned char *w = p + 2, *end;

			for (q = p + 2; q < e && *q != '\n' && !(n.pg && *q == '\r'); q++)
				;
			end = q;
			while (w < end && (*w == ' ' || *w == '\t'))
				w++;
			if ((size_t)(end - w) >= 7 && memcmp(w, "strata:", 7) == 0) {
				/* a directive changes what runs: it counts, on a line of its own */
				while (end > w && ref_is_space(end[-1]))
					end--;
				if (out->len && out->buf[out->len - 1] != '\n')
					strata_buf_addc(out, '\n');
				strata_buf_adds(out, "-- ");
				strata_buf_add(out, (const char *)w, (size_t)(end - w));
				strata_buf_addc(out, '\n');
				n.pending = n.gap_newline = n.gap_block = n.after_string = 0;
				n.word = 0;
			} else {
				n.pending = 1;
			}
			p = q;
		} else if (c == '/' && p + 1 < e && p[1] == '*') {
			/* PostgreSQL nests block comments (psqlscan xc_depth), SQLite does not */
			size_t depth = 1;

			for (q = p + 2; q < e && depth; q++) {
				if (q + 1 < e && q[0] == '*' && q[1] == '/') {
					depth--;
					q++;
				} else if (n.pg && q + 1 < e && q[0] == '/' && q[1] == '*') {
					depth++;
					q++;
				}
			}
			if (depth)
				return 1; /* unterminated: the splitter says where */
			n.pending = n.gap_block = 1;
			p = q;
		} else if (c == '\'') {
			/* E'...' (a lone e or E token before the quote) has backslash escapes; so
			   has a literal that continues one */
			int esc = n.pg && ((!n.pending && n.word == 1 && (out->buf[out->len - 1] | 0x20) == 'e') ||
					   (n.after_string == 2 && n.pending && n.gap_newline && !n.gap_block));

			q = ref_close_quote(p, e, c, esc);
			if (!q)
				return 1;
			ref_literal(&n, p, q, esc ? 2 : 1);
			p = q;
		} else if (c == '"' || (!n.pg && (c == '`' || c == '['))) {
			q = c == '[' ? memchr(p, ']', (size_t)(e - p)) : ref_close_quote(p, e, c, 0);
			if (!q)
				return 1;
			if (c == '[')
				q++;
			ref_literal(&n, p, q, 0);
			p = q;
		} else if (c == '$' && n.pg && !(n.word && !n.pending) && p + 1 < e && p[1] >= '0' && p[1] <= '9') {
			/* psqlscan {param}: $1 */
			for (q = p + 1; q < e && *q >= '0' && *q <= '9'; q++)
				;
			ref_sep(&n, c);
			strata_buf_add(out, (const char *)p, (size_t)(q - p));
			n.word = 0;
			n.after_string = 0;
			p = q;
		} else if (c == '$' && n.pg && !(n.word && !n.pending) && p + 1 < e && (p[1] == '$' || ref_ident_start(p[1]))) {
			/* psqlscan {dolqdelim}: $tag$ ... $tag$ */
			const unsigned char *t = p + 1, *close = NULL, *x;
			size_t tl;

			while (t < e && ref_dolq_cont(*t))
				t++;
			if (t >= e || *t != '$') {
				ref_plain(&n, c); /* $name: not a dollar quote */
				p++;
				continue;
			}
			tl = (size_t)(t - p) + 1;
			for (x = t + 1; x + tl <= e; x++) {
				x = memchr(x, '$', (size_t)(e - x));
				if (!x || x + tl > e)
					break;
				if (memcmp(x, p, tl) == 0) {
					close = x;
					break;
				}
			}
			if (!close)
				return 1;
			ref_literal(&n, p, close + tl, 0);
			p = close + tl;
		} else if (c >= '0' && c <= '9' && !(n.word && !n.pending)) {
			/* a number, as sqlsplit.c lexes it ({integer} {decimal} {real}): a $ after it
			   opens a dollar quote, an E after it is a word of its own */
			q = p + 1;
			while (q < e && *q >= '0' && *q <= '9')
				q++;
			if (q < e && *q == '.' && !(q + 1 < e && q[1] == '.'))
				for (q++; q < e && *q >= '0' && *q <= '9'; q++)
					;
			if (q < e && (*q == 'e' || *q == 'E')) {
				const unsigned char *x = q + 1;

				if (x < e && (*x == '+' || *x == '-'))
					x++;
				if (x < e && *x >= '0' && *x <= '9')
					for (q = x + 1; q < e && *q >= '0' && *q <= '9'; q++)
						;
			}
			ref_sep(&n, c);
			strata_buf_add(out, (const char *)p, (size_t)(q - p));
			n.word = 0;
			n.after_string = 0;
			p = q;
		} else if (ref_ident_cont(c) && (ref_ident_start(c) || (n.word && !n.pending))) {
			/* a word, or the rest of one: in one piece (the common case, kept fast) */
			for (q = p + 1; q < e && ref_ident_cont(*q); q++)
				;
			ref_sep(&n, c);
			strata_buf_add(out, (const char *)p, (size_t)(q - p));
			n.word += (size_t)(q - p);
			n.after_string = 0;
			p = q;
		} else {
			ref_plain(&n, c);
			p++;
		}
	}
	return 0;
}
