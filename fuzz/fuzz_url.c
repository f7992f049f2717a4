/*
 * fuzz_url.c - libFuzzer target for database URLs: strata_target_parse()
 * (which engine, what the driver opens, what may be shown) and
 * strata_redact() (the copy of a URL that is safe to print).
 *
 * Each input is used twice:
 *
 * 1. as a URL of its own (up to the first NUL): parsing and redacting must
 *    not crash or leak; a parsed target has a conninfo and a display, the
 *    display is what strata_redact() gives, the engine is one we know, and
 *    an input with neither an '@' nor "password" in it is shown unchanged
 *    (redaction only ever removes secrets);
 *
 * 2. as the pieces of a URL that certainly holds a password, in one of the
 *    three ways libpq reads one (see libpq's conninfo_uri_parse_options and
 *    conninfo_parse in fe-connect.c):
 *      postgres[ql]://USER:PASSWORD@REST       userinfo: ends at the first '@'
 *                                              or '/' after "://"
 *      postgres[ql]://REST?A&password=PASSWORD&B
 *      K=V password=PASSWORD K=V               libpq key=value string
 *    The password always holds a marker byte (0x01) that appears nowhere
 *    else in the input, so any occurrence of the password in the display is
 *    the password itself and not a coincidence: the display must not
 *    contain it, neither from strata_redact() nor from strata_target_parse()
 *    (nor in a parse error message), and password_hidden must be set; and
 *    strata_err_scrub(), given the URL, must remove the password (as typed
 *    and percent-encoded) from a message that quotes it.
 *
 * Violations print what went wrong and trap, which libFuzzer records.
 * Seeds: fuzz/corpus/url/ (one URL per file).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

#define MARK '\x01'

static const char *current;

#define CHECK(cond, ...)                                                                         \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "fuzz_url: %s failed on \"%s\": ", #cond, current);      \
			fprintf(stderr, __VA_ARGS__);                                            \
			fputc('\n', stderr);                                                     \
			__builtin_trap();                                                        \
		}                                                                                \
	} while (0)

/* Parse and redact `url`; check what holds for every input. Returns the target (or NULL). */
static struct strata_target *parse_checked(const char *url, struct strata_err *err)
{
	struct strata_target *t = (struct strata_target *)0x1;
	char *red = strata_redact(url);
	int rc;

	current = url;
	CHECK(red != NULL, "strata_redact returned NULL");
	strata_err_release(err);
	rc = strata_target_parse(url, &t, err);
	if (rc) {
		CHECK(rc == STRATA_EUSAGE, "rc %d", rc);
		CHECK(t == NULL, "out parameter not NULL after an error");
		CHECK(err->code == rc && err->message[0], "error not filled");
		free(red);
		return NULL;
	}
	CHECK(t != NULL && t->conninfo != NULL && t->display != NULL, "incomplete target");
	CHECK(t->engine == STRATA_ENGINE_SQLITE || t->engine == STRATA_ENGINE_POSTGRES || t->engine == STRATA_ENGINE_MYSQL,
	      "engine %d", t->engine);
	CHECK(strcmp(t->display, red) == 0, "display \"%s\" vs redact \"%s\"", t->display, red);
	CHECK(t->engine != STRATA_ENGINE_SQLITE || t->conninfo[0] != '\0', "SQLite target names no file");
	free(red);
	return t;
}

/* Append bytes of `p` to `b`, dropping the marker and the bytes in `drop`. */
static void add_filtered(struct strata_buf *b, const char *p, size_t n, const char *drop)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != MARK && p[i] != '\0' && !strchr(drop, p[i]))
			strata_buf_addc(b, p[i]);
}

/* The password: its bytes minus `drop`, with the marker put in (never empty). */
static void add_password(struct strata_buf *b, const char *p, size_t n, const char *drop)
{
	size_t at = n ? (unsigned char)p[0] % (n + 1) : 0, i;

	for (i = 0; i <= n; i++) {
		if (i == at)
			strata_buf_addc(b, MARK);
		if (i < n && p[i] != MARK && p[i] != '\0' && !strchr(drop, p[i]))
			strata_buf_addc(b, p[i]);
	}
}

/*
 * A driver's message quoting the password, as typed and percent-encoded (as
 * libpq's errors and a server echoing it do), comes out of strata_err_scrub()
 * without it, and without the URL's password when given only the URL.
 */
static void check_scrub(const char *url, const char *pw)
{
	struct strata_err err;
	struct strata_buf enc;
	const char *p;

	if (strlen(pw) > 200)
		return;
	strata_buf_init(&enc);
	for (p = pw; *p; p++)
		strata_buf_addf(&enc, "%%%02X", (unsigned char)*p);
	if (enc.broken) {
		strata_buf_release(&enc);
		return;
	}
	strata_err_clear(&err);
	strata_err_set(&err, STRATA_EDB, "x \"%s\" y", pw);
	strata_err_detail(&err, "%s", enc.buf);
	strata_err_hint(&err, "%s and %s", pw, pw);
	strata_err_scrub(&err, url, NULL);
	CHECK(strstr(err.message, pw) == NULL, "scrubbed message shows the password: %s", err.message);
	CHECK(strstr(err.hint, pw) == NULL, "scrubbed hint shows the password: %s", err.hint);
	CHECK(strstr(err.detail, "%01") == NULL, "scrubbed detail shows the encoded password: %s", err.detail);
	strata_err_release(&err);
	strata_buf_release(&enc);
}

static void check_secret(const char *url, const char *pw)
{
	struct strata_err err = { 0 };
	struct strata_target *t;
	char *red = strata_redact(url);

	current = url;
	CHECK(red != NULL, "strata_redact returned NULL");
	{
		/* a password that also stands elsewhere in the URL (host, other parameters) proves nothing */
		const char *first = strstr(url, pw);

		if (!*pw || (first && strstr(first + 1, pw))) {
			free(red);
			return;
		}
	}
	CHECK(strstr(red, pw) == NULL, "strata_redact shows the password: \"%s\"", red);
	free(red);
	t = parse_checked(url, &err);
	if (!t) {
		CHECK(strstr(err.message, pw) == NULL, "error shows the password: %s", err.message);
		strata_err_release(&err);
		return;
	}
	CHECK(strstr(t->display, pw) == NULL, "display shows the password: \"%s\"", t->display);
	CHECK(t->password_hidden, "password_hidden not set for \"%s\"", t->display);
	strata_target_free(t);
	check_scrub(url, pw);
}

/* Cut the input into `n` pieces at '\n' (the last piece takes the rest). */
static size_t pieces(const char *s, size_t len, const char **p, size_t *plen, size_t n)
{
	size_t k = 0, i, start = 0;

	for (i = 0; i <= len && k < n; i++) {
		if (i == len || (s[i] == '\n' && k + 1 < n)) {
			p[k] = s + start;
			plen[k] = i - start;
			k++;
			start = i + 1;
		}
	}
	for (; k < n; k++) {
		p[k] = s + len;
		plen[k] = 0;
	}
	return n;
}

static void constructed(const char *s, size_t len, unsigned form)
{
	const char *p[4];
	size_t n[4];
	struct strata_buf url, pw;
	size_t i;

	pieces(s, len, p, n, 4);
	strata_buf_init(&url);
	strata_buf_init(&pw);
	switch (form % 3) {
	case 0:
		/* postgres://USER:PASSWORD@REST: the user has no ':' '@' '/', the password no '@' '/' */
		add_password(&pw, p[1], n[1], "@/");
		/* and the same with MySQL's schemes, golang-migrate's tcp(host:port) among them */
		strata_buf_adds(&url, form & 32 ? (form & 4 ? "mysql://" : "mariadb://")
					 : form & 4 ? "postgresql://" : "postgres://");
		add_filtered(&url, p[0], n[0], ":@/");
		strata_buf_addc(&url, ':');
		strata_buf_adds(&url, pw.buf);
		strata_buf_addc(&url, '@');
		if ((form & 96) == 96)
			strata_buf_adds(&url, "tcp(");
		add_filtered(&url, p[2], n[2], "");
		add_filtered(&url, p[3], n[3], "");
		break;
	case 1:
		/*
		 * postgres://REST?A&password=PASSWORD&B: values end at '&'. No '@' in
		 * it: libpq takes everything before the first '/' and up to an '@'
		 * for user:password, so an '@' anywhere makes the text before it userinfo.
		 */
		add_password(&pw, p[1], n[1], "&#@");
		strata_buf_adds(&url, form & 4 ? "postgresql://" : "postgres://");
		add_filtered(&url, p[0], n[0], "?@");
		strata_buf_addc(&url, '?');
		add_filtered(&url, p[2], n[2], "#@");
		if (n[2])
			strata_buf_addc(&url, '&');
		strata_buf_adds(&url, form & 8 ? "PASSWORD=" : "password=");
		strata_buf_adds(&url, pw.buf);
		if (n[3]) {
			strata_buf_addc(&url, '&');
			add_filtered(&url, p[3], n[3], "#@");
		}
		break;
	default:
		/* K=V password=PASSWORD K=V: words of key=value with unquoted values */
		add_password(&pw, p[1], n[1], " \t\n\r\f\v'\\");
		for (i = 0; i < 2; i++) {
			/* a word "key=value" before (i = 0) and after (i = 1) the password */
			const char *w = p[i == 0 ? 0 : 2];
			size_t wn = n[i == 0 ? 0 : 2], k;

			if (i == 1)
				strata_buf_adds(&url, form & 16 ? "\t" : " ");
			strata_buf_adds(&url, "host=h");
			for (k = 0; k < wn; k++)
				if (w[k] != MARK && w[k] && !strchr(" \t\n\r\f\v'\\=", w[k]))
					strata_buf_addc(&url, w[k]);
			if (i == 0) {
				strata_buf_adds(&url, form & 8 ? "  password = " : " password=");
				strata_buf_adds(&url, pw.buf);
			}
		}
		break;
	}
	if (!url.broken && !pw.broken)
		check_secret(url.buf, pw.buf);
	strata_buf_release(&url);
	strata_buf_release(&pw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strata_err err = { 0 };
	struct strata_target *t;
	char *s;
	size_t len;

	if (size > 4096)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	len = strlen(s);

	/* 1: the input as it is */
	t = parse_checked(s, &err);
	if (!memchr(s, '@', len) && !strcasestr(s, "password")) {
		char *red = strata_redact(s);

		CHECK(red && strcmp(red, s) == 0, "changed without a secret: \"%s\"", red ? red : "(null)");
		CHECK(!t || !t->password_hidden, "password_hidden without a password");
		free(red);
	}
	strata_target_free(t);

	/* 2: a URL built from the input around a password */
	if (size > 0)
		constructed(s + 1, len ? len - 1 : 0, (unsigned char)data[0]);
	free(s);
	strata_err_release(&err);
	return 0;
}
