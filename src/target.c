/*
 * target.c - database targets, the part every driver shares: which driver a
 * target string is for (registry.h), the target's lifecycle, the syntax the
 * drivers' URL methods are written with (url.h: userinfo, query, key=value
 * words, x-* parameters) and the scrubbing of passwords from messages.
 *
 * Users arrive with the spellings of the tool they used before: libpq URLs
 * and "key=value" strings, golang-migrate's sqlite3://path and its x-* query
 * parameters (which libpq would reject), dbmate's sqlite:path, or a bare file
 * name. Each driver declares and reads its own (url_* in struct
 * strata_driver); whatever the spelling, the password never reaches
 * `display`, and a string no driver takes is redacted all the same.
 */
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "util.h"
#include "driver.h"
#include "registry.h"
#include "url.h"

int strata_url_is_url(const char *s)
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

/*
 * Where the password of a URL's userinfo is: between the first ':' and the
 * last '@', when a ':' comes before the first '@' (from `s`, just after
 * "://"). libpq itself ends the userinfo at the first '@' or '/', but a
 * password from a secret manager may hold both unencoded; taking the last
 * '@' hides such a password whole (and at worst hides more than it must).
 * Returns 0 when there is no password.
 */
/*
 * Where a password that runs from a userinfo's ':' ends, given the first and
 * the last '@' after it: at the last '@', unless what follows the first '@'
 * is a host list (`host`, `host:5432`, `[::1]:5432`, `a,b:5433`) ending in a
 * path or a query (`u:pw@host/db?application_name=a@b`), where the first
 * '@' ends it.
 */
static const char *password_end(const char *first_at, const char *last_at)
{
	const char *p = first_at + 1;

	for (;;) {
		if (*p == '[') {
			while (p < last_at && *p != ']')
				p++;
			if (p == last_at)
				return last_at;
			p++;
		} else {
			while (p < last_at && (isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_'))
				p++;
		}
		if (*p == ':')
			for (p++; p < last_at && *p >= '0' && *p <= '9'; p++)
				;
		if (*p != ',')
			break;
		p++;
	}
	return p < last_at && (*p == '/' || *p == '?') ? first_at : last_at;
}

int strata_url_userinfo_password(const char *s, const char **pw, const char **at)
{
	const char *colon = strchr(s, ':'), *first_at = strchr(s, '@'), *last_at;

	if (!colon || !first_at || colon > first_at)
		return 0;
	{
		const char *slash = strchr(s, '/'), *d;

		if (slash && slash < colon)
			return 0; /* the ':' is in the path or the query: no userinfo */
		for (d = colon + 1; *d >= '0' && *d <= '9'; d++)
			;
		if (d > colon + 1 && *d == '/')
			return 0; /* host:port/path: libpq looks for credentials only before the first '/' */
	}
	last_at = strrchr(s, '@');
	*pw = colon + 1;
	*at = password_end(first_at, last_at);
	return 1;
}

char *strata_url_redact(const char *url, int *hidden, int bare_userinfo)
{
	struct strata_buf b;
	const char *sep = strstr(url, "://");
	const char *q, *pw, *at;

	strata_buf_init(&b);
	*hidden = 0;
	/* a URL only when "scheme://" starts the string, as libpq decides; else key=value words */
	if (!strata_url_is_url(url))
		sep = NULL;
	if (!sep) {
		if (strchr(url, '='))
			redact_conninfo(&b, url, hidden);
		else if (bare_userinfo && strata_url_userinfo_password(url, &pw, &at) &&
			 !memchr(url, '/', (size_t)(pw - url))) {
			/* no scheme, but user:password@host all the same (not dir/a:b@c.db) */
			strata_buf_add(&b, url, (size_t)(pw - 1 - url));
			strata_buf_adds(&b, at);
			*hidden = 1;
		} else
			strata_buf_adds(&b, url);
		return strata_buf_detach(&b, NULL);
	}
	if (strata_url_userinfo_password(sep + 3, &pw, &at)) {
		strata_buf_add(&b, url, (size_t)(pw - 1 - url));
		*hidden = 1;
		strata_buf_adds(&b, at);
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

int strata_url_hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The secrets found so far: every spelling of every password, NUL-separated. */
struct secrets {
	struct strata_buf all;
};

static void add_secret(struct secrets *sc, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] == '*'; i++)
		;
	if (i == n) /* nothing, or stars alone: "***" would match it again */
		return;
	strata_buf_add(&sc->all, p, n);
	strata_buf_addc(&sc->all, '\0');
}

/* Add `p` percent-encoded: reserved bytes only and every byte, upper and lower case hex. */
static void add_encodings(struct secrets *sc, const char *p, size_t n)
{
	struct strata_buf enc[4];
	size_t i, k;

	for (k = 0; k < 4; k++)
		strata_buf_init(&enc[k]);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		int plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			    ch == '-' || ch == '.' || ch == '_' || ch == '~';

		if (plain) {
			strata_buf_addc(&enc[0], (char)ch);
			strata_buf_addc(&enc[1], (char)ch);
		} else {
			strata_buf_addf(&enc[0], "%%%02X", ch);
			strata_buf_addf(&enc[1], "%%%02x", ch);
		}
		/* every byte encoded, as some clients and logs write it */
		strata_buf_addf(&enc[2], "%%%02X", ch);
		strata_buf_addf(&enc[3], "%%%02x", ch);
	}
	for (k = 0; k < 4; k++) {
		if (!enc[k].broken)
			add_secret(sc, enc[k].buf, enc[k].len);
		strata_buf_release(&enc[k]);
	}
}

/*
 * A password and the spellings it can take in a message: as typed, with its
 * %XX decoded, both percent-encoded, and the pieces libpq may cut an
 * unencoded one into.
 */
static void add_password_forms(struct secrets *sc, const char *p, size_t n)
{
	struct strata_buf dec;
	size_t i, start;

	if (!n)
		return;
	add_secret(sc, p, n);
	add_encodings(sc, p, n);
	strata_buf_init(&dec);
	for (i = 0; i < n; i++) {
		if (p[i] == '%' && i + 2 < n && strata_url_hexval(p[i + 1]) >= 0 && strata_url_hexval(p[i + 2]) >= 0) {
			strata_buf_addc(&dec, (char)(strata_url_hexval(p[i + 1]) * 16 + strata_url_hexval(p[i + 2])));
			i += 2;
		} else {
			strata_buf_addc(&dec, p[i]);
		}
	}
	if (!dec.broken && (dec.len != n || memcmp(dec.buf, p, n) != 0)) {
		add_secret(sc, dec.buf, dec.len);
		add_encodings(sc, dec.buf, dec.len);
	}
	strata_buf_release(&dec);
	/*
	 * The pieces libpq may cut an unencoded password into (at the URL's
	 * delimiters), of at least 3 bytes: shorter ones would blank out words.
	 */
	for (i = start = 0; i <= n; i++) {
		if (i == n || strchr("@/:?#&=", p[i])) {
			if (i - start >= 3 && (start > 0 || i < n))
				add_secret(sc, p + start, i - start);
			start = i + 1;
		}
	}
}

/* The value of a key=value word starting at `v`, unquoted and unescaped, into `out`; returns its end. */
static const char *conninfo_value(const char *v, struct strata_buf *out)
{
	if (*v == '\'') {
		for (v++; *v && *v != '\''; v++) {
			if (*v == '\\' && v[1])
				v++;
			strata_buf_addc(out, *v);
		}
		return *v ? v + 1 : v;
	}
	for (; *v && *v != ' ' && *v != '\t'; v++) {
		if (*v == '\\' && v[1])
			v++;
		strata_buf_addc(out, *v);
	}
	return v;
}

/* Collect every password `conninfo` (URL or key=value string) holds. */
static void find_secrets(struct secrets *sc, const char *conninfo)
{
	const char *sep = strstr(conninfo, "://"), *pw, *at, *p;

	if (!strata_url_is_url(conninfo))
		sep = NULL;
	if (strata_url_userinfo_password(sep ? sep + 3 : conninfo, &pw, &at)) {
		add_password_forms(sc, pw, (size_t)(at - pw));
		/* and as libpq reads it: up to the first '@' or '/' */
		add_password_forms(sc, pw, strcspn(pw, "@/"));
	}
	/* password=... anywhere: a URL parameter (ends at '&' or '#') or a key=value word */
	for (p = conninfo; *p; p++) {
		const char *v = p + 8;

		if (strncasecmp(p, "password", 8) != 0)
			continue;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != '=')
			continue;
		v++;
		if (sep) {
			size_t n = strcspn(v, "&#");

			add_password_forms(sc, v, n);
		} else {
			struct strata_buf val;
			const char *end;

			while (*v == ' ' || *v == '\t')
				v++;
			strata_buf_init(&val);
			end = conninfo_value(v, &val);
			if (!val.broken && val.len)
				add_password_forms(sc, val.buf, val.len);
			strata_buf_release(&val);
			add_password_forms(sc, v, (size_t)(end - v)); /* as typed, quotes and all */
		}
	}
}

/* Text `which` of err with every occurrence of the secrets replaced by "***", longest first. */
static void scrub_field(struct strata_err *err, enum strata_err_text which, const char *text,
			const struct secrets *sc)
{
	struct strata_buf cur, next;
	int changed = 0;

	if (!text || !*text)
		return;
	strata_buf_init(&cur);
	strata_buf_adds(&cur, text);
	for (;;) {
		const char *best = NULL, *p, *at, *hit;
		size_t bestlen = 0;

		/* the longest secret still present: a piece must not spoil the whole */
		for (p = sc->all.buf; p < sc->all.buf + sc->all.len; p += strlen(p) + 1)
			if (strlen(p) > bestlen && strstr(cur.buf, p)) {
				best = p;
				bestlen = strlen(p);
			}
		if (!best || cur.broken)
			break;
		strata_buf_init(&next);
		for (at = cur.buf; (hit = strstr(at, best)) != NULL; at = hit + bestlen) {
			strata_buf_add(&next, at, (size_t)(hit - at));
			strata_buf_adds(&next, "***");
		}
		strata_buf_adds(&next, at);
		strata_buf_release(&cur);
		cur = next;
		changed = 1;
	}
	if (changed)
		strata_err_text(err, which, cur.broken ? "***" : cur.buf, cur.broken ? 3 : cur.len);
	strata_buf_release(&cur);
}

void strata_err_scrub(struct strata_err *err, const char *conninfo, const char *password)
{
	struct secrets sc;

	if (!err)
		return;
	strata_buf_init(&sc.all);
	if (conninfo)
		find_secrets(&sc, conninfo);
	if (password)
		add_password_forms(&sc, password, strlen(password));
	if (sc.all.len && !sc.all.broken) {
		scrub_field(err, STRATA_ERR_MESSAGE, err->message, &sc);
		scrub_field(err, STRATA_ERR_DETAIL, err->detail, &sc);
		scrub_field(err, STRATA_ERR_HINT, err->hint, &sc);
		scrub_field(err, STRATA_ERR_CONTEXT, err->context, &sc);
	}
	strata_buf_release(&sc.all);
}

/* A string that no driver takes is shown as any URL would be. */
char *strata_redact(const char *url)
{
	const struct strata_driver *d = NULL;
	int hidden;

	if (!url)
		return NULL;
	if (strata_driver_for_url(url, &d, NULL) == 0 && d)
		return d->url_redact(url, &hidden);
	return strata_url_redact(url, &hidden, 1);
}

/*
 * Split the query string of a URL into what libpq should see and the x-*
 * parameters golang-migrate users put there. Decodes nothing but %2F-free
 * table names, which is what real URLs carry.
 */
void strata_url_strip_x(const char *url, struct strata_buf *keep, char **table)
{
	const char *q = strchr(url, '?'), *s;
	int first = 1;

	if (!q) {
		strata_buf_adds(keep, url);
		return;
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

/* "use A, B, or C": every spelling the drivers declare, in registry order. */
static void add_forms(struct strata_buf *b)
{
	const struct strata_driver *d;
	const char *f[32];
	size_t i = 0, k, n = 0;

	while ((d = strata_driver_next(&i)) != NULL)
		for (k = 0; d->url_forms && d->url_forms[k] && n < sizeof(f) / sizeof(f[0]); k++)
			f[n++] = d->url_forms[k];
	strata_buf_adds(b, "use ");
	for (k = 0; k < n; k++)
		strata_buf_addf(b, "%s%s", k == 0 ? "" : k + 1 < n ? ", " : n > 2 ? ", or " : " or ", f[k]);
}

int strata_target_parse(const char *url, struct strata_target **out, struct strata_err *err)
{
	const struct strata_driver *d = NULL;
	struct strata_target *t;
	int rc;

	*out = NULL;
	if (!url || !*url)
		return strata_err_set(err, STRATA_EUSAGE,
				      "no database given: use -d URL, DATABASE_URL, or database= in strata.ini");
	rc = strata_driver_for_url(url, &d, err);
	if (rc)
		return rc;
	if (!d) {
		struct strata_buf forms;
		char *shown = strata_redact(url);

		strata_buf_init(&forms);
		add_forms(&forms);
		strata_err_set(err, STRATA_EUSAGE, "unknown database \"%s\": %s", shown ? shown : "?",
			       forms.broken ? "see strata help" : forms.buf);
		strata_buf_release(&forms);
		free(shown);
		return STRATA_EUSAGE;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	t->engine = d->engine;
	rc = d->url_parse(url, t, err);
	if (rc) {
		strata_target_free(t);
		return rc;
	}
	t->display = d->url_redact(url, &t->password_hidden);
	if (!t->conninfo || !t->display) {
		strata_target_free(t);
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	}
	*out = t;
	return 0;
}

const char *strata_target_file(const char *url, size_t *len, const char **scheme)
{
	const struct strata_driver *d = NULL;

	if (strata_driver_for_url(url, &d, NULL) || !d || !d->url_file)
		return NULL;
	*scheme = d->file_scheme;
	return d->url_file(url, len);
}
