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

#include "internal.h"

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

void strata_err_clear(struct strata_err *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

void strata_err_setv(struct strata_err *err, int code, const char *fmt, va_list ap)
{
	if (!err)
		return;
	err->code = code;
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
}

int strata_err_set(struct strata_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strata_err_setv(err, code, fmt, ap);
	va_end(ap);
	return code;
}

void strata_err_copy(struct strata_err *dst, const struct strata_err *src)
{
	if (dst && src && dst != src)
		memcpy(dst, src, sizeof(*dst));
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
	size_t n;

	if (!err)
		return;
	strata_buf_init(&b);
	va_start(ap, fmt);
	strata_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	strata_buf_adds(&b, err->message);
	if (!b.broken) {
		n = b.len < sizeof(err->message) - 1 ? b.len : sizeof(err->message) - 1;
		memcpy(err->message, b.buf, n);
		err->message[n] = '\0';
	}
	strata_buf_release(&b);
}

int strata_err_environmental(const struct strata_err *err)
{
	int primary = err->driver_code & 0xff;

	if (err->code == STRATA_ECONNECT || err->code == STRATA_EINTR || err->code == STRATA_ELOCK)
		return 1;
	/* PostgreSQL classes: 08 connection, 53 resources, 57 operator intervention, 58 system;
	 * but 57014 (a statement timeout, a cancel) belongs to the migration */
	if (!strcmp(err->sqlstate, "57014"))
		return 0;
	if (err->sqlstate[0] && (!strncmp(err->sqlstate, "08", 2) || !strncmp(err->sqlstate, "53", 2) ||
				 !strncmp(err->sqlstate, "57", 2) || !strncmp(err->sqlstate, "58", 2)))
		return 1;
	/* SQLite: SQLITE_READONLY 8, SQLITE_IOERR 10, SQLITE_CORRUPT 11, SQLITE_FULL 13, SQLITE_CANTOPEN 14, SQLITE_NOTADB 26 */
	return !err->sqlstate[0] && (primary == 8 || primary == 10 || primary == 11 || primary == 13 || primary == 14 ||
				     primary == 26);
}
