/*
 * target.c - database URLs: which engine, what the driver opens, and what
 * may be shown to a person.
 *
 * Users arrive with the spellings of the tool they used before: libpq URLs
 * and "key=value" strings, golang-migrate's sqlite3://path and its x-* query
 * parameters (which libpq would reject), dbmate's sqlite:path, or a bare file
 * name. Whatever the spelling, the password never reaches `display`.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

static int has_prefix(const char *s, const char *p)
{
	return strncasecmp(s, p, strlen(p)) == 0;
}

static int has_suffix(const char *s, size_t len, const char *suf)
{
	size_t n = strlen(suf);

	return len >= n && strcasecmp(s + len - n, suf) == 0;
}

/* Does `s` start with "scheme://"? (libpq's own test for a URI) */
static int is_url(const char *s)
{
	const char *p = s;

	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '+' ||
	       *p == '-' || *p == '.')
		p++;
	return p > s && strncmp(p, "://", 3) == 0;
}

/* Remove "password=..." words from a libpq key=value string. */
static void redact_conninfo(struct strata_buf *b, const char *s, int *hidden)
{
	const char *p = s;

	while (*p) {
		const char *w = p, *eq;
		size_t klen;

		while (*p == ' ' || *p == '\t')
			p++;
		if (p > w)
			strata_buf_add(b, w, (size_t)(p - w));
		w = p;
		eq = strchr(p, '=');
		klen = eq ? (size_t)(eq - p) : strlen(p);
		while (klen && (p[klen - 1] == ' ' || p[klen - 1] == '\t'))
			klen--;
		/* find the end of the value (quoted with '' and \ escapes, or up to blank) */
		if (eq) {
			p = eq + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '\'') {
				for (p++; *p && *p != '\''; p++)
					if (*p == '\\' && p[1])
						p++;
				if (*p)
					p++;
			} else {
				/* unquoted values may hold backslash-escaped blanks too */
				while (*p && *p != ' ' && *p != '\t')
					p += (*p == '\\' && p[1]) ? 2 : 1;
			}
		} else {
			p += strlen(p);
		}
		if (klen == 8 && strncasecmp(w, "password", 8) == 0) {
			strata_buf_adds(b, "password=***");
			*hidden = 1;
		} else {
			strata_buf_add(b, w, (size_t)(p - w));
		}
	}
}

/* Redact a URL: drop the password of the userinfo and any password= parameter. */
static char *redact_url(const char *url, int *hidden)
{
	struct strata_buf b;
	const char *sep = strstr(url, "://");
	const char *q, *at = NULL, *p, *colon;

	strata_buf_init(&b);
	*hidden = 0;
	/* a URL only when "scheme://" starts the string, as libpq decides; else key=value words */
	if (!is_url(url))
		sep = NULL;
	if (!sep) {
		if (strchr(url, '='))
			redact_conninfo(&b, url, hidden);
		else
			strata_buf_adds(&b, url);
		return strata_buf_detach(&b, NULL);
	}
	/*
	 * The userinfo ends at the last '@' before the first '/': libpq looks
	 * that far (a '?' does not stop it), so a password holding '?' or '@'
	 * is still hidden whole.
	 */
	q = strchr(sep + 3, '/');
	for (p = sep + 3; *p && (!q || p < q); p++)
		if (*p == '@')
			at = p;
	if (at) {
		colon = memchr(sep + 3, ':', (size_t)(at - (sep + 3)));
		if (colon) {
			strata_buf_add(&b, url, (size_t)(colon - url));
			*hidden = 1;
			strata_buf_adds(&b, at);
		} else {
			strata_buf_adds(&b, url);
		}
	} else {
		strata_buf_adds(&b, url);
	}
	/* query parameters */
	q = strchr(b.buf, '?');
	if (q) {
		struct strata_buf o;
		const char *s = q + 1;

		strata_buf_init(&o);
		strata_buf_add(&o, b.buf, (size_t)(q - b.buf) + 1);
		while (*s) {
			const char *e = strchr(s, '&');
			size_t n = e ? (size_t)(e - s) : strlen(s);

			if (n >= 9 && strncasecmp(s, "password=", 9) == 0) {
				strata_buf_adds(&o, "password=***");
				*hidden = 1;
			} else {
				strata_buf_add(&o, s, n);
			}
			s += n;
			if (*s == '&')
				strata_buf_addc(&o, *s++);
		}
		strata_buf_release(&b);
		b = o;
	}
	return strata_buf_detach(&b, NULL);
}

char *strata_redact(const char *url)
{
	int hidden;

	return url ? redact_url(url, &hidden) : NULL;
}

/*
 * Split the query string of a URL into what libpq should see and the x-*
 * parameters golang-migrate users put there. Decodes nothing but %2F-free
 * table names, which is what real URLs carry.
 */
static int strip_x_params(const char *url, struct strata_buf *keep, char **table)
{
	const char *q = strchr(url, '?'), *s;
	int first = 1;

	if (!q) {
		strata_buf_adds(keep, url);
		return 0;
	}
	strata_buf_add(keep, url, (size_t)(q - url));
	for (s = q + 1; *s;) {
		const char *e = strchr(s, '&');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (n >= 19 && strncmp(s, "x-migrations-table=", 19) == 0) {
			free(*table);
			*table = strata_strndup(s + 19, n - 19);
		} else if (n >= 2 && strncmp(s, "x-", 2) == 0) {
			/* golang-migrate options with no meaning here */
		} else if (n) {
			strata_buf_addc(keep, first ? '?' : '&');
			strata_buf_add(keep, s, n);
			first = 0;
		}
		s += n;
		if (*s == '&')
			s++;
	}
	return 0;
}

void strata_target_free(struct strata_target *t)
{
	if (!t)
		return;
	free(t->conninfo);
	free(t->display);
	free(t->table);
	free(t->schema);
	free(t);
}

static const char *const sqlite_prefixes[] = { "sqlite3://", "sqlite://", "sqlite3:", "sqlite:", NULL };

int strata_target_parse(const char *url, struct strata_target **out, struct strata_err *err)
{
	struct strata_target *t;
	struct strata_buf b;
	size_t len;
	int i;

	*out = NULL;
	if (!url || !*url)
		return strata_err_set(err, STRATA_EUSAGE,
				      "no database given: use -d URL, DATABASE_URL, or database= in strata.ini");
	t = calloc(1, sizeof(*t));
	if (!t)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	strata_buf_init(&b);
	len = strlen(url);
	if (has_prefix(url, "postgres://") || has_prefix(url, "postgresql://")) {
		t->engine = STRATA_ENGINE_POSTGRES;
		strip_x_params(url, &b, &t->table);
		t->conninfo = strata_buf_detach(&b, NULL);
	} else {
		for (i = 0; sqlite_prefixes[i]; i++)
			if (has_prefix(url, sqlite_prefixes[i]))
				break;
		if (sqlite_prefixes[i] || (!is_url(url) && !strchr(url, '=') &&
					   (has_suffix(url, len, ".db") || has_suffix(url, len, ".sqlite") ||
					    has_suffix(url, len, ".sqlite3")))) {
			const char *path = sqlite_prefixes[i] ? url + strlen(sqlite_prefixes[i]) : url;
			char *q;

			t->engine = STRATA_ENGINE_SQLITE;
			strip_x_params(path, &b, &t->table);
			t->conninfo = strata_buf_detach(&b, NULL);
			/* other query parameters (_journal, cache=...) are not ours to interpret */
			if (t->conninfo && (q = strchr(t->conninfo, '?')) != NULL)
				*q = '\0';
			if (t->conninfo && !*t->conninfo) {
				strata_target_free(t);
				return strata_err_set(err, STRATA_EUSAGE,
						      "database URL \"%s\" names no file: write sqlite:PATH", url);
			}
		} else if (!is_url(url) && strchr(url, '=')) {
			t->engine = STRATA_ENGINE_POSTGRES;
			t->conninfo = strata_strdup(url);
		} else {
			char *shown = strata_redact(url);

			strata_target_free(t);
			strata_err_set(err, STRATA_EUSAGE,
				       "unknown database \"%s\": use postgres://..., a libpq \"key=value\" string, "
				       "sqlite:PATH, or a file ending in .db, .sqlite or .sqlite3",
				       shown ? shown : "?");
			free(shown);
			return STRATA_EUSAGE;
		}
	}
	t->display = redact_url(url, &t->password_hidden);
	if (!t->conninfo || !t->display) {
		strata_target_free(t);
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	}
	*out = t;
	return 0;
}
