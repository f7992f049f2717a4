/*
 * url.h - the syntax of target strings that drivers share (target.c): URLs
 * with a userinfo and a query, libpq-style key=value words, golang-migrate's
 * x-* parameters, and the redaction of passwords in all of them. A driver's
 * url_* methods (struct strata_driver) are written with these.
 */
#ifndef STRATA_URL_H
#define STRATA_URL_H

#include <stddef.h>
#include "buf.h"

struct strata_buf;
struct strata_err;

/* Does `s` start with "scheme://"? (libpq's own test for a URI) */
int strata_url_is_url(const char *s);
/*
 * A copy of `url` that is safe to show: the password of a URL's userinfo and
 * ?password= parameters, or the password= words of a key=value string,
 * replaced. `bare_userinfo`: a string with no "scheme://" that looks like
 * user:password@host is taken for one too. *hidden says whether anything was
 * removed. NULL when out of memory.
 */
char *strata_url_redact(const char *url, int *hidden, int bare_userinfo);
/*
 * Where the password of the userinfo starting at `s` (just after "://")
 * lies: 1 with [*pw, *at), 0 when there is none.
 */
int strata_url_userinfo_password(const char *s, const char **pw, const char **at);
/*
 * Copy `url` into `keep` without its x-* query parameters (golang-migrate's
 * options, which libpq would reject); x-migrations-table's value goes into
 * *table (malloc'ed, replacing what was there).
 */
void strata_url_strip_x(const char *url, struct strata_buf *keep, char **table);
/* The value of a hex digit, or -1. */
int strata_url_hexval(char ch);
/*
 * For a target that is a database file: where its path lies in `url` (*len
 * bytes; a query may follow) and the scheme to write before another path to
 * make a target of it. NULL when `url` names no file.
 */
const char *strata_target_file(const char *url, size_t *len, const char **scheme);

#endif
