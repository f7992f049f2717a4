/*
 * util.c - small helpers shared by the modules: strings, clocks, numbers,
 * and the error struct every library function fills.
 */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"

char *strata_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *strata_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int strata_line_of(const char *text, size_t len, size_t off)
{
	const char *p = text, *end;
	int line = 1;

	if (off > len)
		off = len;
	end = text + off;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		line++;
		p++;
	}
	return line;
}

double strata_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

char *strata_whoami(void)
{
	struct strata_buf b;
	const char *user = getenv("USER");
	char host[256];
	struct passwd *pw;

	if (!user || !*user) {
		pw = getpwuid(geteuid());
		user = pw ? pw->pw_name : "unknown";
	}
	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	strata_buf_init(&b);
	strata_buf_addf(&b, "%s@%s", user, host);
	return strata_buf_detach(&b, NULL);
}

int strata_parse_u64(const char *s, size_t len, uint64_t *v)
{
	uint64_t n = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			return -2;
		n = n * 10 + d;
	}
	*v = n;
	return 0;
}

/* The texts of an err are heap copies or one of these, which are never freed. */
static const char text_none[] = "";
static const char text_nomem[] = "out of memory";

static const char **text_slot(struct strata_err *err, enum strata_err_text which)
{
	switch (which) {
	case STRATA_ERR_DETAIL: return &err->detail;
	case STRATA_ERR_HINT: return &err->hint;
	case STRATA_ERR_CONTEXT: return &err->context;
	default: return &err->message;
	}
}

static void text_free(const char *t)
{
	if (t && t != text_none && t != text_nomem)
		free((char *)t);
}

/* A zeroed err has NULL texts: they read "". */
static void own(struct strata_err *err)
{
	if (!err->message)
		err->message = text_none;
	if (!err->detail)
		err->detail = text_none;
	if (!err->hint)
		err->hint = text_none;
	if (!err->context)
		err->context = text_none;
}

/* Replace one text with `t` (malloc'ed, taken over; NULL: out of memory). */
static void text_put(struct strata_err *err, enum strata_err_text which, char *t)
{
	const char **slot;

	own(err);
	slot = text_slot(err, which);
	text_free(*slot);
	*slot = t ? t : text_nomem;
}

void strata_err_clear(struct strata_err *err)
{
	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	own(err);
}

void strata_err_release(struct strata_err *err)
{
	if (!err)
		return;
	text_free(err->message);
	text_free(err->detail);
	text_free(err->hint);
	text_free(err->context);
	strata_err_clear(err);
}

void strata_err_text(struct strata_err *err, enum strata_err_text which, const char *s, size_t len)
{
	if (!err)
		return;
	if (!s || !len) {
		own(err);
		text_free(*text_slot(err, which));
		*text_slot(err, which) = text_none;
		return;
	}
	text_put(err, which, strata_strndup(s, len));
}

static void text_vset(struct strata_err *err, enum strata_err_text which, const char *fmt, va_list ap)
{
	struct strata_buf b;

	if (!fmt) {
		strata_err_text(err, which, NULL, 0);
		return;
	}
	strata_buf_init(&b);
	strata_buf_vaddf(&b, fmt, ap);
	text_put(err, which, strata_buf_detach(&b, NULL));
}

void strata_err_setv(struct strata_err *err, int code, const char *fmt, va_list ap)
{
	if (!err)
		return;
	err->code = code;
	err->reason = STRATA_R_NONE;
	text_vset(err, STRATA_ERR_MESSAGE, fmt, ap);
}

int strata_err_set(struct strata_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strata_err_setv(err, code, fmt, ap);
	va_end(ap);
	return code;
}

void strata_err_hint(struct strata_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	text_vset(err, STRATA_ERR_HINT, fmt, ap);
	va_end(ap);
}

void strata_err_detail(struct strata_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	text_vset(err, STRATA_ERR_DETAIL, fmt, ap);
	va_end(ap);
}

void strata_err_copy(struct strata_err *dst, const struct strata_err *src)
{
	const char *t[4];
	int i;

	if (!dst || !src || dst == src)
		return;
	strata_err_release(dst);
	t[0] = src->message;
	t[1] = src->detail;
	t[2] = src->hint;
	t[3] = src->context;
	memcpy(dst, src, sizeof(*dst));
	dst->message = dst->detail = dst->hint = dst->context = NULL;
	own(dst);
	for (i = 0; i < 4; i++)
		if (t[i] && *t[i])
			text_put(dst, (enum strata_err_text)i, strata_strdup(t[i]));
}

int strata_exit_code(int rc)
{
	switch (rc) {
	case STRATA_OK:
		return 0;
	case STRATA_EUSAGE:
	case STRATA_ESOURCE:
	case STRATA_EREFUSED:
		return 2;
	case STRATA_ELOCK:
		return 3;
	default:
		return 1;
	}
}

const char *strata_strerror(int rc)
{
	switch (rc) {
	case STRATA_OK: return "success";
	case STRATA_ENOMEM: return "out of memory";
	case STRATA_EUSAGE: return "bad usage";
	case STRATA_ESOURCE: return "bad migration files";
	case STRATA_EUNSUPPORTED: return "a migration strata cannot run";
	case STRATA_EDB: return "database error";
	case STRATA_ECONNECT: return "cannot connect";
	case STRATA_ELOCK: return "lock not obtained";
	case STRATA_EIO: return "input/output error";
	case STRATA_EHISTORY: return "history cannot be trusted";
	case STRATA_EREFUSED: return "refused";
	case STRATA_EINTR: return "interrupted";
	case STRATA_ECONDITION: return "condition not met";
	default: return "unknown error";
	}
}

void strata_err_prefix(struct strata_err *err, const char *fmt, ...)
{
	struct strata_buf b;
	va_list ap;

	if (!err)
		return;
	own(err);
	strata_buf_init(&b);
	va_start(ap, fmt);
	strata_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	strata_buf_adds(&b, err->message);
	if (b.broken)
		strata_buf_release(&b);
	else
		text_put(err, STRATA_ERR_MESSAGE, strata_buf_detach(&b, NULL));
}

int strata_err_environmental(const struct strata_err *err)
{
	if (err->code == STRATA_ECONNECT || err->code == STRATA_EINTR || err->code == STRATA_ELOCK)
		return 1;
	/* the driver classed its engine's codes (a statement timeout or a cancel belongs to the migration) */
	return err->err_class == STRATA_ERRCLASS_ENVIRONMENT;
}
