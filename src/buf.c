/*
 * buf.c - the one growable string type of libstrata (see buf.h).
 *
 * Shaped like git's strbuf: a buffer is usable right after init (it points at
 * a shared empty string), appends never fail loudly but mark the buffer
 * broken, so a caller building a long SQL text checks once at the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static char empty_string[1];

void strata_buf_init(struct strata_buf *b)
{
	b->buf = empty_string;
	b->len = 0;
	b->alloc = 0;
	b->broken = 0;
}

void strata_buf_release(struct strata_buf *b)
{
	if (b->alloc)
		free(b->buf);
	strata_buf_init(b);
}

void strata_buf_reset(struct strata_buf *b)
{
	b->len = 0;
	if (b->alloc)
		b->buf[0] = '\0';
	b->broken = 0;
}

int strata_buf_grow(struct strata_buf *b, size_t extra)
{
	size_t want, n;
	char *p;

	if (b->broken)
		return -1;
	if (extra > SIZE_MAX - b->len - 1)
		goto fail;
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 64;
	while (n < want)
		n = n > SIZE_MAX / 2 ? want : n * 2;
	p = b->alloc ? realloc(b->buf, n) : malloc(n);
	if (!p)
		goto fail;
	if (!b->alloc)
		p[0] = '\0';
	b->buf = p;
	b->alloc = n;
	return 0;
fail:
	b->broken = 1;
	return -1;
}

void strata_buf_add(struct strata_buf *b, const char *p, size_t len)
{
	if (strata_buf_grow(b, len))
		return;
	memcpy(b->buf + b->len, p, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

void strata_buf_adds(struct strata_buf *b, const char *s)
{
	strata_buf_add(b, s, strlen(s));
}

void strata_buf_addc(struct strata_buf *b, char c)
{
	strata_buf_add(b, &c, 1);
}

void strata_buf_vaddf(struct strata_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (b->broken)
		return;
	va_copy(cp, ap);
	n = vsnprintf(b->buf + b->len, b->alloc ? b->alloc - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		b->broken = 1;
		return;
	}
	if (!b->alloc || (size_t)n >= b->alloc - b->len) {
		if (strata_buf_grow(b, (size_t)n))
			return;
		vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void strata_buf_addf(struct strata_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strata_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void strata_buf_add_ident(struct strata_buf *b, const char *s)
{
	strata_buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			strata_buf_addc(b, '"');
		strata_buf_addc(b, *s);
	}
	strata_buf_addc(b, '"');
}

void strata_buf_add_qualified(struct strata_buf *b, const char *schema, const char *name)
{
	if (schema) {
		strata_buf_add_ident(b, schema);
		strata_buf_addc(b, '.');
	}
	strata_buf_add_ident(b, name);
}

void strata_buf_add_literal(struct strata_buf *b, const char *s, size_t len)
{
	size_t i, from = 0;

	strata_buf_addc(b, '\'');
	for (i = 0; i < len; i++) {
		if (s[i] == '\'') {
			strata_buf_add(b, s + from, i - from + 1);
			strata_buf_addc(b, '\'');
			from = i + 1;
		}
	}
	strata_buf_add(b, s + from, len - from);
	strata_buf_addc(b, '\'');
}

char *strata_buf_detach(struct strata_buf *b, size_t *len)
{
	char *p;

	if (b->broken) {
		strata_buf_release(b);
		if (len)
			*len = 0;
		return NULL;
	}
	p = b->alloc ? b->buf : calloc(1, 1);
	if (len)
		*len = p ? b->len : 0;
	strata_buf_init(b);
	return p;
}
