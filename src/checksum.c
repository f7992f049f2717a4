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
 * The tokens are the lexer's (lexer.c: PostgreSQL's psqlscan.l, SQLite's
 * tokenize.c), the same the splitter reads. The directory is read before the
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
#include "lexer_scan.h"

#define TAG "s1:"

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* No space is needed next to these: they never join a neighbour into another token. */
static int tight(unsigned char c)
{
	return c == '(' || c == ')' || c == ',' || c == ';';
}

struct norm {
	struct strata_buf *out;
	int pg;           /* PostgreSQL's rules, else SQLite's or ... */
	int mysql;        /* ... MySQL's */
	const struct strata_lexer *tk; /* MySQL: the lexer, whose delimiter DELIMITER changes */
	int pending;      /* white space or a comment since the last byte out */
	int gap_newline;  /* ... and it held a newline */
	int gap_block;    /* ... and a block comment */
	int after_string; /* the last token out was a string literal: 1 plain, 2 with E'' escapes */
};

/*
 * MySQL: a built-in function name followed by a space is not a function call
 * (COUNT (*) fails unless sql_mode has IGNORE_SPACE): the gap before "(" stays.
 * Under a DELIMITER other than ";" every gap stays one space, so that no
 * delimiter can appear where there was none (DELIMITER ,( and "a , (").
 */
static int gap_droppable(const struct norm *n, unsigned char last, unsigned char c)
{
	if (!n->mysql)
		return tight(last) || tight(c);
	if (n->tk->delim_len != 1 || n->tk->delim[0] != ';')
		return 0;
	return tight(last) || (tight(c) && c != '(');
}

/*
 * MySQL: "--" then a blank is a comment, so two "-" operators before a gap
 * (one that was a comment: "a--#x" is a - -) keep it as an empty comment.
 */
static int mysql_dashes(const struct norm *n)
{
	return n->mysql && n->out->len >= 2 && n->out->buf[n->out->len - 1] == '-' && n->out->buf[n->out->len - 2] == '-';
}

/*
 * Start a line of its own (a directive, a DELIMITER command). MySQL: "--"
 * then a newline is a comment, so two "-" operators (or ones a dropped
 * comment left at the end) keep an empty block comment before it: the
 * normalised text must read as the same tokens again.
 */
static void own_line(struct norm *n)
{
	struct strata_buf *out = n->out;

	if (!out->len || out->buf[out->len - 1] == '\n')
		return;
	if (mysql_dashes(n))
		strata_buf_adds(out, "/**/");
	strata_buf_addc(out, '\n');
}

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
		else if (!gap_droppable(n, last, c) && last != '\n' && mysql_dashes(n))
			strata_buf_adds(n->out, "/**/");
		else if (!gap_droppable(n, last, c) && last != '\n')
			strata_buf_addc(n->out, ' ');
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

/* A literal [p, q) (quotes included) goes out as written; `string`: after_string's value. */
static void literal(struct norm *n, const unsigned char *p, const unsigned char *q, int string)
{
	sep(n, *p);
	copy_lf(n->out, p, q);
	n->after_string = string;
}

/* A -- comment [p, e): a `-- strata:` directive goes out on a line of its own; others are a gap. */
static void line_comment(struct norm *n, const unsigned char *p, const unsigned char *e)
{
	struct strata_buf *out = n->out;
	const unsigned char *w = p + 2;

	while (w < e && (*w == ' ' || *w == '\t'))
		w++;
	if ((size_t)(e - w) < 7 || memcmp(w, "strata:", 7) != 0) {
		n->pending = 1;
		return;
	}
	while (e > w && is_space(e[-1]))
		e--;
	own_line(n);
	strata_buf_adds(out, "-- ");
	strata_buf_add(out, (const char *)w, (size_t)(e - w));
	strata_buf_addc(out, '\n');
	n->pending = n->gap_newline = n->gap_block = n->after_string = 0;
}

/*
 * The normalised text, from the lexer's tokens (lexer.c). It must stay byte
 * for byte what the byte scanner before the token API wrote (kept as
 * tests/unit/normalise_ref.h, which test_lexer.c and fuzz_lexer.c compare
 * with): recorded checksums depend on it. That scanner decided E''
 * escapes of a continued literal ('a'<newline>'b') from the text it had
 * written, which a `-- strata:` line in between resets: after such a line
 * the rest of the literal is read without escapes, as it was then.
 */
/*
 * The loop of strata_sql_normalise(), once per dialect (`dl`, lexer_scan.h's
 * LX_*, is a constant where it is called). MySQL's own tokens: a DELIMITER
 * command goes out on a line of its own (it changes where statements end),
 * version comment markers, hints and delimiters as written.
 */
static inline __attribute__((always_inline)) int normalise_tokens(struct norm *n, struct strata_lexer *tk,
								  const int dl)
{
	const int pg = dl == LX_PG;
	const unsigned char *s = tk->s, *p, *q;
	struct strata_buf *out = n->out;
	struct strata_token t;
	size_t i;
	int rc;

	while ((rc = lexer_scan(tk, &t, dl, 0)) > 0) {
		p = s + t.off;
		q = p + t.len;
		switch (t.kind) {
		case STRATA_TOK_SPACE:
			if (t.flags & STRATA_TOKF_BOM)
				break; /* a byte order mark is nothing (see sqlsplit.c) */
			n->pending = 1;
			/* psqlscan {newline} is [\n\r] */
			for (i = 0; i < t.len && !n->gap_newline; i++)
				n->gap_newline = p[i] == '\n' || (pg && p[i] == '\r');
			break;
		case STRATA_TOK_COMMENT:
			if (dl == LX_MYSQL && (t.flags & STRATA_TOKF_HINT)) {
				literal(n, p, q, 0);
			} else if (t.flags & STRATA_TOKF_BLOCK) {
				n->pending = n->gap_block = 1;
			} else if (dl == LX_MYSQL && *p == '#') {
				n->pending = 1; /* only -- comments hold directives */
			} else {
				line_comment(n, p, q);
				if (pg && !n->after_string && tk->cont)
					tk->cont_esc = 0; /* see above: a directive line ends the E'' reading */
			}
			break;
		case STRATA_TOK_STRING:
			literal(n, p, q, t.flags & STRATA_TOKF_ESCAPES ? 2 : 1);
			break;
		case STRATA_TOK_QIDENT:
		case STRATA_TOK_DOLLAR:
		case STRATA_TOK_COND_OPEN:
		case STRATA_TOK_COND_CLOSE:
			literal(n, p, q, 0);
			break;
		case STRATA_TOK_DELIMITER:
			/* a delimiter holding white space ("\n\n" of -- atlas:delimiter) would see gaps made canonical */
			for (i = 0; i < tk->delim_len; i++)
				if (byte_class[(unsigned char)tk->delim[i]] == K_SPACE || tk->delim[i] == '\v')
					return 1;
			own_line(n);
			copy_lf(out, p, q);
			strata_buf_addc(out, '\n');
			n->pending = n->gap_newline = n->gap_block = n->after_string = 0;
			break;
		case STRATA_TOK_OP:
		case STRATA_TOK_SEMI:
			sep(n, *p);
			if (dl == LX_MYSQL && t.len > 1) /* a DELIMITER's delimiter */
				copy_lf(out, p, q);
			else
				strata_buf_addc(out, (char)*p);
			n->after_string = 0;
			break;
		default: /* words, numbers, parameters: no \r inside */
			sep(n, *p);
			strata_buf_add(out, (const char *)p, t.len);
			n->after_string = 0;
			break;
		}
	}
	if (rc >= 0 && n->pending && mysql_dashes(n))
		strata_buf_adds(out, "/**/"); /* "a--#x" at the end: not a final "--" comment */
	return rc < 0 ? 1 : 0;
}

int strata_sql_normalise(const char *text, size_t len, enum strata_dialect d, struct strata_buf *out)
{
	struct strata_lexer tk;
	struct norm n;

	memset(&n, 0, sizeof(n));
	n.out = out;
	n.pg = d == STRATA_DIALECT_POSTGRES;
	n.mysql = d == STRATA_DIALECT_MYSQL;
	n.tk = &tk;
	/* psql follows the server's setting after each statement: not worth following here */
	if (n.pg && memmem(text, len, "standard_conforming_strings", 27))
		return 1;
	strata_lexer_init(&tk, text, len, d);
	if (n.mysql)
		return normalise_tokens(&n, &tk, LX_MYSQL);
	return n.pg ? normalise_tokens(&n, &tk, LX_PG) : normalise_tokens(&n, &tk, LX_SQLITE);
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
