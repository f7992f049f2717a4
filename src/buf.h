/*
 * buf.h - the growable buffer every module writes text into.
 *
 * It follows git's strbuf / PostgreSQL's PQExpBuffer: never NULL after init,
 * out-of-memory marks it broken (callers check once at the end), detach
 * hands the memory to the caller.
 */
#ifndef STRATA_BUF_H
#define STRATA_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct strata_buf {
	char *buf;      /* NUL-terminated contents; points at a static "" until first growth */
	size_t len;     /* bytes used, not counting the NUL */
	size_t alloc;   /* bytes allocated, 0 while buf is the static "" */
	int broken;     /* an allocation failed; contents are incomplete */
};

void strata_buf_init(struct strata_buf *b);
void strata_buf_release(struct strata_buf *b);
void strata_buf_reset(struct strata_buf *b);
int strata_buf_grow(struct strata_buf *b, size_t extra);
void strata_buf_add(struct strata_buf *b, const char *p, size_t len);
void strata_buf_adds(struct strata_buf *b, const char *s);
void strata_buf_addc(struct strata_buf *b, char c);
void strata_buf_addf(struct strata_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strata_buf_vaddf(struct strata_buf *b, const char *fmt, va_list ap);
/* Append `s` as a quoted SQL identifier ("a""b") or literal ('it''s'). */
void strata_buf_add_ident(struct strata_buf *b, const char *s);
void strata_buf_add_literal(struct strata_buf *b, const char *s, size_t len);
/* "schema"."name", or just "name" when schema is NULL. */
void strata_buf_add_qualified(struct strata_buf *b, const char *schema, const char *name);
/* Hand the contents to the caller (malloc'ed, NULL if broken) and re-init. */
char *strata_buf_detach(struct strata_buf *b, size_t *len);

#endif
