/*
 * checksum.c - the recorded checksum of an up script: what its statements
 * say, not how the file is laid out.
 *
 * A migration is `modified` when its statements changed since it was
 * applied. Re-indenting a file, rewording a comment, adding blank lines or
 * converting line endings changes no statement, so the checksum covers the
 * script as the lexer sees it: comments dropped, each run of white space
 * outside literals made one space (none next to "(", ")", "," and ";", where
 * no space can join or split a token), string literals, quoted identifiers
 * and dollar quotes kept byte for byte (CRLF as LF, as before). `-- strata:`
 * directive comments change what a run does, so they stay in, one per line.
 *
 * Token shapes follow sqlsplit.c's two lexers (PostgreSQL's psqlscan.l,
 * SQLite's tokenize.c); keep them in sync. The directory is read before the
 * engine is known, so the checksum ("s1:" + SHA-256 hex) covers the script
 * normalised for both dialects: two scripts have the same checksum only when
 * each dialect sees the same statements in both. Where a dialect's rules are
 * not followed here exactly (standard_conforming_strings set by the script,
 * an unterminated literal or comment), that dialect's part is the text as
 * written instead, so any edit counts: never is a real change hidden.
 *
 * Checksums recorded before the tag existed (plain hex of the CRLF->LF text)
 * are compared the old way (strata_checksum_matches); accept and new applies
 * record the tagged form. Both are SHA-256 hex digests, by OpenSSL's EVP
 * (strata_checksum: the hash of a text with CRLF as LF).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <pthread.h>

#include "buf.h"
#include "split.h"

#define TAG "s1:"

/* sqlsplit.c K_SPACE: psqlscan {space}, tokenize.c CC_SPACE. */
static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* psqlscan {ident_start}, {ident_cont}; SQLite's IdChar() is ident_cont. */
static int ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int ident_cont(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/* psqlscan {dolq_start}, {dolq_cont}. */
static int dolq_cont(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

/* No space is needed next to these: they never join a neighbour into another token. */
static int tight(unsigned char c)
{
	return c == '(' || c == ')' || c == ',' || c == ';';
}

struct norm {
	struct strata_buf *out;
	int pg;           /* PostgreSQL's rules, else SQLite's */
	int pending;      /* white space or a comment since the last byte out */
	int gap_newline;  /* ... and it held a newline */
	int gap_block;    /* ... and a block comment */
	int after_string; /* the last token out was a string literal: 1 plain, 2 with E'' escapes */
	size_t word;      /* bytes of the identifier or keyword being written, 0 when not in one */
};

/* Before a token starting with c: the separator the gap before it stands for. */
static void sep(struct norm *n, unsigned char c)
{
	if (n->pending && n->out->len) {
		unsigned char last = (unsigned char)n->out->buf[n->out->len - 1];

		/*
		 * 'a'\n'b' is one literal in PostgreSQL, 'a' 'b' an error: keep the
		 * newline (scan.l {quotecontinue}: white space and -- comments only)
		 */
		if (n->pg && n->after_string && c == '\'' && n->gap_newline && !n->gap_block)
			strata_buf_addc(n->out, '\n');
		else if (!tight(last) && !tight(c) && last != '\n')
			strata_buf_addc(n->out, ' ');
		n->word = 0;
	}
	n->pending = n->gap_newline = n->gap_block = 0;
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

/* One byte of an ordinary token. */
static void plain(struct norm *n, unsigned char c)
{
	sep(n, c);
	strata_buf_addc(n->out, (char)c);
	n->word = n->word ? (ident_cont(c) ? n->word + 1 : 0) : ident_start(c) ? 1 : 0;
	n->after_string = 0;
}

/* A literal [p, q) (quotes included) goes out as written. */
static void literal(struct norm *n, const unsigned char *p, const unsigned char *q, int string)
{
	sep(n, *p);
	copy_lf(n->out, p, q);
	n->word = 0;
	n->after_string = string;
}

/* The end of a quoted run opened at p by q (doubled q stands for itself; `esc`: backslash escapes). */
static const unsigned char *close_quote(const unsigned char *p, const unsigned char *e, unsigned char q, int esc)
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

int strata_sql_normalise(const char *text, size_t len, enum strata_dialect d, struct strata_buf *out)
{
	const unsigned char *s = (const unsigned char *)text, *e = s + len, *p = s, *q;
	struct norm n;

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

		if (is_space(c)) {
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
				while (end > w && is_space(end[-1]))
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

			q = close_quote(p, e, c, esc);
			if (!q)
				return 1;
			literal(&n, p, q, esc ? 2 : 1);
			p = q;
		} else if (c == '"' || (!n.pg && (c == '`' || c == '['))) {
			q = c == '[' ? memchr(p, ']', (size_t)(e - p)) : close_quote(p, e, c, 0);
			if (!q)
				return 1;
			if (c == '[')
				q++;
			literal(&n, p, q, 0);
			p = q;
		} else if (c == '$' && n.pg && !(n.word && !n.pending) && p + 1 < e && p[1] >= '0' && p[1] <= '9') {
			/* psqlscan {param}: $1 */
			for (q = p + 1; q < e && *q >= '0' && *q <= '9'; q++)
				;
			sep(&n, c);
			strata_buf_add(out, (const char *)p, (size_t)(q - p));
			n.word = 0;
			n.after_string = 0;
			p = q;
		} else if (c == '$' && n.pg && !(n.word && !n.pending) && p + 1 < e && (p[1] == '$' || ident_start(p[1]))) {
			/* psqlscan {dolqdelim}: $tag$ ... $tag$ */
			const unsigned char *t = p + 1, *close = NULL, *x;
			size_t tl;

			while (t < e && dolq_cont(*t))
				t++;
			if (t >= e || *t != '$') {
				plain(&n, c); /* $name: not a dollar quote */
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
			literal(&n, p, close + tl, 0);
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
			sep(&n, c);
			strata_buf_add(out, (const char *)p, (size_t)(q - p));
			n.word = 0;
			n.after_string = 0;
			p = q;
		} else if (ident_cont(c) && (ident_start(c) || (n.word && !n.pending))) {
			/* a word, or the rest of one: in one piece (the common case, kept fast) */
			for (q = p + 1; q < e && ident_cont(*q); q++)
				;
			sep(&n, c);
			strata_buf_add(out, (const char *)p, (size_t)(q - p));
			n.word += (size_t)(q - p);
			n.after_string = 0;
			p = q;
		} else {
			plain(&n, c);
			p++;
		}
	}
	return 0;
}

static const char hexdigits[] = "0123456789abcdef";

/*
 * SHA-256 fetched from OpenSSL's providers once: EVP_sha256() makes every
 * EVP_DigestInit_ex look the algorithm up again, which was a third of the
 * hashing cost of 10,000 small files.
 */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void strata_checksum(const char *text, size_t len, char hex[65])
{
	const char *p = text, *end = text + len, *cr;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	pthread_once(&sha256_once, sha256_fetch);
	ok = ctx && EVP_DigestInit_ex(ctx, sha256_md ? sha256_md : EVP_sha256(), NULL);
	while (ok && len && (cr = memchr(p, '\r', (size_t)(end - p))) != NULL) {
		/* Hash up to the CR; a CR before LF is dropped, a lone CR kept. */
		size_t n = (size_t)(cr - p) + (cr + 1 < end && cr[1] == '\n' ? 0 : 1);

		ok = EVP_DigestUpdate(ctx, p, n);
		p = cr + 1;
	}
	if (ok && len)
		ok = EVP_DigestUpdate(ctx, p, (size_t)(end - p));
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		hex[0] = '\0';
		return;
	}
	for (i = 0; i < mdlen; i++) {
		hex[2 * i] = hexdigits[md[i] >> 4];
		hex[2 * i + 1] = hexdigits[md[i] & 15];
	}
	hex[64] = '\0';
}

/* One dialect's part of the checksum's input: its length, then the normalised text (or the text as written). */
static void add_part(struct strata_buf *all, const char *text, size_t len, enum strata_dialect d)
{
	struct strata_buf b;

	strata_buf_init(&b);
	if (strata_sql_normalise(text, len, d, &b) != 0) {
		strata_buf_reset(&b);
		strata_buf_addc(&b, '\001'); /* no normalised text starts so: the two stay apart */
		copy_lf(&b, (const unsigned char *)text, (const unsigned char *)text + len);
	}
	strata_buf_addf(all, "%zu:", b.len);
	strata_buf_add(all, b.buf, b.len);
	if (b.broken)
		all->broken = 1;
	strata_buf_release(&b);
}

void strata_checksum_s1(const char *text, size_t len, char sum[STRATA_CHECKSUM_SIZE])
{
	struct strata_buf all;
	char hex[65];

	strata_buf_init(&all);
	add_part(&all, text, len, STRATA_DIALECT_POSTGRES);
	add_part(&all, text, len, STRATA_DIALECT_SQLITE);
	sum[0] = '\0';
	if (!all.broken) {
		strata_checksum(all.buf, all.len, hex);
		if (hex[0]) {
			memcpy(sum, TAG, 3);
			memcpy(sum + 3, hex, 65);
		}
	}
	strata_buf_release(&all);
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
