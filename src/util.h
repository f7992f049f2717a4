/*
 * util.h - small helpers the library's modules share (util.c): strings,
 * the clock, who runs strata, and filling a struct strata_err (texts are
 * heap-owned: set them only through these).
 */
#ifndef STRATA_UTIL_H
#define STRATA_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "strata.h"

/*
 * Replace by "***", in every text of err, each password `conninfo` holds
 * (URL userinfo, ?password=, key=value password=) and `password` (either may
 * be NULL), in every spelling a message can carry it: as typed, decoded,
 * percent-encoded, and the pieces libpq makes of a malformed URL. Drivers
 * call it on every message of their library before it leaves them.
 */
void strata_err_scrub(struct strata_err *err, const char *conninfo, const char *password);

char *strata_strdup(const char *s);
char *strata_strndup(const char *s, size_t n);
/* 1-based line number of byte offset `off` in text (counting '\n'). */
int strata_line_of(const char *text, size_t len, size_t off);
/* Monotonic clock in milliseconds. */
double strata_now_ms(void);
/* "user@host" of this process. Caller frees. */
char *strata_whoami(void);
/* Parse a whole string of decimal digits into *v. 0 ok, -1 not digits, -2 overflow. */
int strata_parse_u64(const char *s, size_t len, uint64_t *v);

/* Fill err from a template error (copies everything, texts too: dst owns its own). */
void strata_err_copy(struct strata_err *dst, const struct strata_err *src);
void strata_err_setv(struct strata_err *err, int code, const char *fmt, va_list ap);
/* Put a printf-style prefix in front of err->message. */
void strata_err_prefix(struct strata_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Set err->hint or err->detail (printf-style; NULL fmt: empty), keeping the rest. NULL err: nothing. */
void strata_err_hint(struct strata_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strata_err_detail(struct strata_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Set one text of err to a copy of [s, s+len) (s NULL: empty). */
enum strata_err_text { STRATA_ERR_MESSAGE, STRATA_ERR_DETAIL, STRATA_ERR_HINT, STRATA_ERR_CONTEXT };
void strata_err_text(struct strata_err *err, enum strata_err_text which, const char *s, size_t len);

#endif
