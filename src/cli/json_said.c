/*
 * json_said.c - with --json, what the command said on stderr, kept for the
 * error object on stdout. A refusal the CLI prints itself (a usage error, a
 * missing database URL, --sql with --json) reaches no strata_err; stderr is
 * replaced by a stream that writes through to fd 2 unchanged and keeps the
 * last line the CLI said as "strata: ..." or "strata CMD: ..." (notes,
 * warnings, prompts and HINT lines aside), so that the object's message is
 * the same sentence a person reads.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fopencookie */
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static char line[1024];   /* the line being written */
static size_t nline;      /* its length (a longer line is cut, still ended by its newline) */
static char said[1024];   /* the last line that was a message, its "strata: " cut off */
static char hint[1024];   /* the HINT line after it, if any */

/* Copy s without colour escapes (ESC [ ... letter) into out. */
static void plain(char *out, size_t n, const char *s)
{
	size_t k = 0;

	while (*s && k + 1 < n) {
		if (*s == '\033' && s[1] == '[') {
			s += 2;
			while (*s && !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
				s++;
			if (*s)
				s++;
			continue;
		}
		out[k++] = *s++;
	}
	out[k] = '\0';
}

/* One whole line said: is it the message of a refusal? */
static void keep(const char *l)
{
	char p[sizeof(line)];
	const char *m;

	plain(p, sizeof(p), l);
	if (!strncmp(p, "  HINT: ", 8)) {
		if (said[0])
			snprintf(hint, sizeof(hint), "%s", p + 8);
		return;
	}
	if (strncmp(p, "strata", 6) != 0)
		return;
	m = p + 6;
	if (*m == ' ') { /* "strata CMD: ..." */
		m++;
		while (*m && *m != ' ' && *m != ':')
			m++;
	}
	if (strncmp(m, ": ", 2) != 0)
		return;
	m += 2;
	if (!strncmp(m, "note: ", 6) || !strncmp(m, "warning: ", 9) || !m[0] || m[strlen(m) - 1] == '?')
		return; /* notes, warnings and questions are not why it stopped */
	snprintf(said, sizeof(said), "%s", m);
	hint[0] = '\0';
}

static ssize_t tee_write(void *cookie, const char *buf, size_t n)
{
	size_t i, off = 0;

	(void)cookie;
	while (off < n) {
		ssize_t w = write(STDERR_FILENO, buf + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* stderr closed: nothing more to show, still kept below */
		off += (size_t)w;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			line[nline] = '\0';
			keep(line);
			nline = 0;
		} else if (nline + 1 < sizeof(line)) {
			line[nline++] = buf[i];
		}
	}
	return (ssize_t)n;
}

void json_said_start(void)
{
	static cookie_io_functions_t io = { .write = tee_write };
	FILE *f = fopencookie(NULL, "w", io);

	if (!f)
		return; /* stderr as it was: the object then says only that it stopped */
	setvbuf(f, NULL, _IONBF, 0); /* as stderr is: a prompt shows before its answer */
	fflush(stderr);
	stderr = f;
}

const char *json_said(const char **hint_out)
{
	fflush(stderr);
	if (hint_out)
		*hint_out = hint[0] ? hint : NULL;
	return said[0] ? said : NULL;
}
