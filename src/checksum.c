/*
 * checksum.c - the recorded checksum of an up script: what its statements
 * say, not how the file is laid out.
 *
 * A migration is `modified` when its statements changed since it was
 * applied. Re-indenting a file, rewording a comment, adding blank lines or
 * converting line endings changes no statement, so the checksum ("s1:" and
 * the SHA-256 hex of the normalised text) covers the script as a lexer sees
 * it: comments dropped, each run of white space outside literals made one
 * space (none next to "(", ")", "," and ";", where no space can join or
 * split a token), string literals, quoted identifiers and dollar quotes kept
 * byte for byte (CRLF as LF, as before). `-- strata:` directive comments
 * change what a run does, so they stay in, one per line.
 *
 * The checksum is computed when the directory is read, before the engine is
 * known, so the normaliser follows the token shapes that sqlsplit.c's two
 * lexers (psqlscan.l, SQLite's tokenize.c) agree on. Where they disagree it
 * does not guess: a block comment nested inside another (PostgreSQL nests,
 * SQLite does not), a backslash in a string literal (E'' strings and
 * standard_conforming_strings = off), a bracket [...] holding quotes or
 * comment marks (an SQLite identifier, or a PostgreSQL subscript), or an
 * unterminated literal make the whole script hash as written instead (CRLF
 * as LF). Such a script is `modified` by any edit, as every script was
 * before; never is a real change hidden.
 *
 * Checksums recorded before the tag existed (plain hex of the CRLF->LF text)
 * are compared the old way (strata_checksum_matches); accept and new applies
 * record the tagged form.
 */
#include <string.h>

#include "internal.h"

#define TAG "s1:"

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* psqlscan {ident_cont}; SQLite's IdChar() is the same set. */
static int ident_cont(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
	       c >= 0x80;
}

/* psqlscan {dolq_start}, {dolq_cont}. */
static int dolq_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int dolq_cont(unsigned char c)
{
	return dolq_start(c) || (c >= '0' && c <= '9');
}

/* No space is needed next to these: they never join a neighbour into another token. */
static int tight(unsigned char c)
{
	return c == '(' || c == ')' || c == ',' || c == ';';
}

struct norm {
	struct strata_buf *out;
	int pending;      /* white space or a comment since the last byte out */
	int gap_newline;  /* ... and it held a newline */
	int after_string; /* the last thing out was a string literal */
};

/* Before a token starting with c: the separator the gap before it stands for. */
static void sep(struct norm *n, unsigned char c)
{
	if (n->pending && n->out->len) {
		unsigned char last = (unsigned char)n->out->buf[n->out->len - 1];

		/* 'a'\n'b' is one literal in PostgreSQL, 'a' 'b' an error: keep the newline */
		if (n->after_string && c == '\'' && n->gap_newline)
			strata_buf_addc(n->out, '\n');
		else if (!tight(last) && !tight(c) && last != '\n')
			strata_buf_addc(n->out, ' ');
	}
	n->pending = n->gap_newline = n->after_string = 0;
}

/* Copy [p, e) byte for byte but CRLF as LF. */
static void copy_lf(struct strata_buf *b, const unsigned char *p, const unsigned char *e)
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

int strata_sql_normalise(const char *text, size_t len, struct strata_buf *out)
{
	const unsigned char *s = (const unsigned char *)text, *e = s + len, *p = s;
	struct norm n = { out, 0, 0, 0 };

	if (len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		p += 3; /* a byte order mark is white space (see sqlsplit.c) */
	while (p < e) {
		unsigned char c = *p;
		const unsigned char *q;

		if (is_space(c)) {
			n.pending = 1;
			n.gap_newline |= c == '\n';
			p++;
		} else if (c == '-' && p + 1 < e && p[1] == '-') {
			q = memchr(p, '\n', (size_t)(e - p));
			q = q ? q : e;
			{
				const unsigned char *w = p + 2, *end = q;

				while (w < end && (*w == ' ' || *w == '\t'))
					w++;
				if ((size_t)(end - w) >= 7 && memcmp(w, "strata:", 7) == 0) {
					/* a directive changes what runs: it counts, on a line of its own */
					while (end > w && is_space(end[-1]))
						end--;
					if (out->len && out->buf[out->len - 1] != '\n')
						strata_buf_addc(out, '\n');
					strata_buf_adds(out, "-- ");
					strata_buf_add(out, (const char *)w, (size_t)(end - w));
					strata_buf_addc(out, '\n');
					n.pending = n.gap_newline = n.after_string = 0;
					p = q;
					continue;
				}
			}
			n.pending = n.gap_newline = 1;
			p = q;
		} else if (c == '/' && p + 1 < e && p[1] == '*') {
			for (q = p + 2; q + 1 < e && !(q[0] == '*' && q[1] == '/'); q++)
				if (q[0] == '/' && q[1] == '*')
					return 1; /* nested: PostgreSQL and SQLite end it in different places */
			if (q + 1 >= e)
				return 1;
			n.pending = 1;
			n.gap_newline |= memchr(p, '\n', (size_t)(q - p)) != NULL;
			p = q + 2;
		} else if (c == '\'' || c == '"' || c == '`') {
			for (q = p + 1;; q += 2) {
				q = memchr(q, c, (size_t)(e - q));
				if (!q)
					return 1; /* unterminated: the splitter says where */
				if (!(q + 1 < e && q[1] == c))
					break;
			}
			if (c == '\'' && memchr(p, '\\', (size_t)(q - p)))
				return 1; /* E'\'' or standard_conforming_strings = off: an escape may hide the end */
			sep(&n, c);
			copy_lf(out, p, q + 1);
			n.after_string = c == '\'';
			p = q + 1;
		} else if (c == '[') {
			q = memchr(p, ']', (size_t)(e - p));
			if (!q)
				return 1;
			{
				const unsigned char *w;

				for (w = p + 1; w < q; w++)
					if (*w == '\'' || *w == '"' || *w == '`' || *w == '$' || *w == '[' ||
					    (w + 1 < q && ((w[0] == '-' && w[1] == '-') || (w[0] == '/' && w[1] == '*'))))
						return 1; /* an SQLite identifier or a PostgreSQL subscript: they lex apart */
			}
			sep(&n, c);
			copy_lf(out, p, q + 1);
			p = q + 1;
		} else if (c == '$' && !(out->len && !n.pending && ident_cont((unsigned char)out->buf[out->len - 1])) &&
			   p + 1 < e && (p[1] == '$' || dolq_start(p[1]))) {
			const unsigned char *t = p + 1, *close;
			size_t tl;

			while (t < e && *t != '$' && dolq_cont(*t))
				t++;
			if (t >= e || *t != '$') {
				/* $1, $name: not a dollar quote */
				sep(&n, c);
				strata_buf_addc(out, (char)c);
				p++;
				continue;
			}
			tl = (size_t)(t - p) + 1; /* the tag with both dollars */
			for (close = t + 1; close < e; close++) {
				close = memchr(close, '$', (size_t)(e - close));
				if (!close || (size_t)(e - close) < tl) {
					close = NULL;
					break;
				}
				if (memcmp(close, p, tl) == 0)
					break;
			}
			if (!close || close >= e)
				return 1;
			sep(&n, c);
			copy_lf(out, p, close + tl);
			p = close + tl;
		} else {
			sep(&n, c);
			strata_buf_addc(out, (char)c);
			p++;
		}
	}
	return 0;
}

void strata_checksum_s1(const char *text, size_t len, char sum[STRATA_CHECKSUM_SIZE])
{
	struct strata_buf b;
	char hex[65];

	strata_buf_init(&b);
	if (strata_sql_normalise(text, len, &b) != 0 || b.broken) {
		/* as written: a leading byte no normalised text starts with keeps the two apart */
		strata_buf_reset(&b);
		strata_buf_addc(&b, '\001');
		strata_buf_add(&b, text, len);
	}
	if (b.broken) {
		sum[0] = '\0';
	} else {
		strata_checksum(b.buf, b.len, hex);
		memcpy(sum, TAG, 3);
		memcpy(sum + 3, hex, 65);
	}
	strata_buf_release(&b);
}

int strata_checksum_matches(const char *recorded, const struct strata_migration *m)
{
	if (!recorded)
		return 0;
	if (strncmp(recorded, TAG, 3) == 0)
		return strcmp(recorded, m->checksum) == 0;
	/* recorded before checksums had a tag: the SHA-256 of the whole file, CRLF as LF */
	return strcmp(recorded, m->checksum_v0) == 0;
}

const char *strata_checksum_hex(const char *recorded)
{
	if (recorded && strncmp(recorded, TAG, 3) == 0)
		return recorded + 3;
	return recorded ? recorded : "";
}

const char *strata_checksum_file_hex(const char *recorded, const struct strata_migration *m)
{
	if (recorded && strncmp(recorded, TAG, 3) != 0)
		return m->checksum_v0;
	return m->checksum + 3;
}
