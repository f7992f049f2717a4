/*
 * version.c - migration versions of any length, exact.
 *
 * Versions are decimal digit strings of any width: sequential numbers,
 * 14-digit timestamps, pop's and Ory's 20-digit ones (above 2^64) and longer.
 * No integer type holds them all, so a version is kept as its digits without
 * leading zeros ("0" for zero) and two versions compare by length, then byte
 * by byte: numeric order, exactly, with no overflow to report.
 *
 * The version as the file writes it (leading zeros kept) lives beside it as
 * the migration's vtext; this module only knows numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version_int.h"

int strata_version_parse(const char *s, size_t len, struct strata_version *v)
{
	size_t i, n = 0, digits = 0;

	v->d[0] = '\0';
	for (i = 0; i < len; i++) {
		if (s[i] == '-')
			continue;
		if (s[i] < '0' || s[i] > '9')
			return -1;
		digits++;
		if (n == 0 && s[i] == '0')
			continue; /* leading zero */
		if (n >= STRATA_VERSION_MAX)
			return -2;
		v->d[n++] = s[i];
	}
	if (!digits)
		return -1;
	if (n == 0)
		v->d[n++] = '0';
	v->d[n] = '\0';
	return 0;
}

int strata_version_cmp(const struct strata_version *a, const struct strata_version *b)
{
	size_t la = strlen(a->d), lb = strlen(b->d);
	int c;

	if (la != lb)
		return la < lb ? -1 : 1;
	c = memcmp(a->d, b->d, la);
	return c < 0 ? -1 : c > 0;
}

int strata_version_next(const struct strata_version *v, struct strata_version *out)
{
	size_t n = strlen(v->d), i;

	if (n == 0) {
		strcpy(out->d, "1");
		return 0;
	}
	*out = *v;
	for (i = n; i > 0; i--) {
		if (out->d[i - 1] != '9') {
			out->d[i - 1]++;
			return 0;
		}
		out->d[i - 1] = '0';
	}
	/* all nines: one digit more */
	if (n >= STRATA_VERSION_MAX)
		return -2;
	memmove(out->d + 1, out->d, n + 1);
	out->d[0] = '1';
	return 0;
}

void strata_version_sortkey(const struct strata_version *v, char key[STRATA_VERSION_KEY])
{
	size_t n = strlen(v->d);

	/*
	 * Zero-padded to 20 digits, as every version had before they could be
	 * longer (the order against Diesel's digit strings stays as it was);
	 * longer ones after all of those, by length then digits.
	 */
	if (n <= 20) {
		memset(key, '0', 20 - n);
		memcpy(key + 20 - n, v->d, n + 1);
	} else {
		snprintf(key, STRATA_VERSION_KEY, ":%03zu%s", n, v->d);
	}
}

int strata_version_from_stored(const char *s, struct strata_version *v)
{
	v->d[0] = '\0';
	if (!s)
		return -1;
	if (s[0] == '-') {
		/* strata 0.1 kept versions above 2^63 in a signed 64-bit column, by bit pattern */
		char *end;
		long long x = strtoll(s, &end, 10);
		char buf[24];

		if (*end || end == s + 1)
			return -1;
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)x);
		return strata_version_parse(buf, strlen(buf), v);
	}
	{
		size_t i, n = strlen(s);

		for (i = 0; i < n; i++)
			if (s[i] < '0' || s[i] > '9')
				return -1;
		return strata_version_parse(s, n, v);
	}
}
