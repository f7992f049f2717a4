/*
 * layout_flyway.c - Flyway's migration files, read by Flyway's own default
 * rules (prefix V, U or R, separator "__", suffix ".sql"), so that a
 * directory Flyway has been running is run by strata as it is.
 *
 * Versions: Flyway splits a version on '.' and '_' and compares the parts as
 * integers (1.10 > 1.9, 2 == 2.0). strata's versions are exact digit strings
 * ordered numerically, and are what its tracking table stores, so a Flyway
 * version becomes one number with the same order: the first part, then each
 * of up to three more parts zero-padded to nine digits (V69.3 is
 * 69 000000003 000000000 000000000). More parts, or wider ones, are refused
 * with a clear error rather than ordered wrongly. The file's own spelling
 * stays the version people see (vtext).
 *
 * Repeatables (R__desc.sql) have no version; strata records each under a
 * reserved version above every versioned one (40 nines, then a 64-bit
 * FNV-1a hash of the description as 20 digits), so that their rows live in
 * the same tracking table, keyed by description, and older tables need no
 * change.
 *
 * Flyway's checksum (ChecksumCalculator): CRC32 over each line's UTF-8
 * bytes without its line break, a BOM skipped. Since the line breaks are
 * dropped and an empty line adds nothing, that is the CRC32 of the text with
 * every '\r' and '\n' removed. It is stored as a signed 32-bit int.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "layout_flyway.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int strata_flyway_version(const char *s, size_t len, struct strata_version *v, const char **why)
{
	char d[STRATA_FLYWAY_FIRST_DIGITS + (STRATA_FLYWAY_PARTS - 1) * STRATA_FLYWAY_PART_DIGITS + 1];
	size_t i = 0, part = 0, n = 0;

	v->d[0] = '\0';
	if (len == 0) {
		*why = "has no version after its prefix";
		return -1;
	}
	while (i <= len) {
		size_t a = i, b, sig;

		while (i < len && is_digit(s[i]))
			i++;
		b = i;
		if (a == b) {
			*why = i < len ? "has a version Flyway cannot read (only digits separated by '.' or '_')"
				       : "has a version with an empty part";
			return -1;
		}
		if (i < len && s[i] != '.' && s[i] != '_') {
			*why = "has a version Flyway cannot read (only digits separated by '.' or '_')";
			return -1;
		}
		if (part >= STRATA_FLYWAY_PARTS) {
			*why = "has a version of more than 4 parts, more than strata can order as Flyway does";
			return -1;
		}
		while (a + 1 < b && s[a] == '0')
			a++;
		sig = b - a;
		if (part == 0) {
			if (sig > STRATA_FLYWAY_FIRST_DIGITS) {
				*why = "has a version whose first part has more than 30 digits";
				return -1;
			}
			memcpy(d, s + a, sig);
			n = sig;
		} else {
			if (sig > STRATA_FLYWAY_PART_DIGITS) {
				*why = "has a version part of more than 9 digits, more than strata can order as Flyway does";
				return -1;
			}
			memset(d + n, '0', STRATA_FLYWAY_PART_DIGITS - sig);
			memcpy(d + n + STRATA_FLYWAY_PART_DIGITS - sig, s + a, sig);
			n += STRATA_FLYWAY_PART_DIGITS;
		}
		part++;
		if (i == len)
			break;
		i++; /* the separator */
	}
	for (; part < STRATA_FLYWAY_PARTS; part++) {
		memset(d + n, '0', STRATA_FLYWAY_PART_DIGITS);
		n += STRATA_FLYWAY_PART_DIGITS;
	}
	if (strata_version_parse(d, n, v) != 0) {
		*why = "has a version strata cannot store";
		return -1;
	}
	return 0;
}

void strata_flyway_version_text(const struct strata_version *v, char *buf, size_t n)
{
	size_t len = strlen(v->d), tail = (STRATA_FLYWAY_PARTS - 1) * STRATA_FLYWAY_PART_DIGITS, k, used, last;
	char pad[STRATA_VERSION_MAX + 64];
	const char *p;

	if (n == 0)
		return;
	if (strata_flyway_is_repeatable_version(v) || len > STRATA_FLYWAY_FIRST_DIGITS + tail) {
		snprintf(buf, n, "%s", v->d);
		return;
	}
	/* at least one digit of the first part */
	memset(pad, '0', sizeof(pad));
	k = len < tail + 1 ? tail + 1 - len : 0;
	memcpy(pad + k, v->d, len + 1);
	len += k;
	p = pad + len - tail;
	used = (size_t)snprintf(buf, n, "%.*s", (int)(len - tail), pad);
	/* the later parts, up to the last that is not zero */
	for (last = 0, k = 0; k < STRATA_FLYWAY_PARTS - 1; k++)
		if (strspn(p + k * STRATA_FLYWAY_PART_DIGITS, "0") < STRATA_FLYWAY_PART_DIGITS)
			last = k + 1;
	for (k = 0; k < last && used < n; k++) {
		const char *q = p + k * STRATA_FLYWAY_PART_DIGITS;
		size_t z = 0;

		while (z + 1 < STRATA_FLYWAY_PART_DIGITS && q[z] == '0')
			z++;
		used += (size_t)snprintf(buf + used, n - used, ".%.*s", (int)(STRATA_FLYWAY_PART_DIGITS - z), q + z);
	}
}

#define REPEATABLE_NINES 40

void strata_flyway_repeatable_version(const char *desc, size_t len, struct strata_version *v)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)desc[i];
		h *= 0x100000001b3ull;
	}
	memset(v->d, '9', REPEATABLE_NINES);
	snprintf(v->d + REPEATABLE_NINES, sizeof(v->d) - REPEATABLE_NINES, "%020llu", (unsigned long long)h);
}

int strata_flyway_is_repeatable_version(const struct strata_version *v)
{
	return strlen(v->d) == REPEATABLE_NINES + 20 && strspn(v->d, "9") >= REPEATABLE_NINES;
}

int strata_migration_repeatable(const struct strata_migration *m)
{
	return m && m->layout == STRATA_LAYOUT_REPEATABLE;
}

int strata_flyway_parse_name(const char *name, struct strata_flyway_name *out)
{
	size_t len = strlen(name), i;
	const char *sep, *dot;
	char p = name[0];

	memset(out, 0, sizeof(*out));
	if (len < 4 || (p != 'V' && p != 'U' && p != 'R'))
		return 0;
	/* Flyway's version is what lies between the prefix and the first "__" */
	sep = strstr(name + 1, "__");
	if (!sep)
		return 0;
	for (i = 1; name + i < sep; i++)
		if (!is_digit(name[i]) && name[i] != '.' && name[i] != '_')
			return 0; /* "Vendor__x.sql": not a Flyway name */
	if (p != 'R' && sep == name + 1)
		return 0;
	if (p == 'R' && sep != name + 1)
		return 0; /* R1__x: not Flyway's repeatable (no version allowed), not a versioned one */
	out->ver_off = 1;
	out->ver_len = (size_t)(sep - name) - 1;
	out->desc_off = (size_t)(sep - name) + 2;
	dot = strrchr(sep + 2, '.');
	if (!dot) {
		out->kind = STRATA_FLYWAY_OTHER;
		out->desc_len = len - out->desc_off;
		return 0;
	}
	out->desc_len = (size_t)(dot - name) - out->desc_off;
	for (i = 0; i < out->desc_len; i++)
		if ((unsigned char)name[out->desc_off + i] < 0x20 || name[out->desc_off + i] == 0x7f) {
			out->why = "has a control character in its description";
			return -1;
		}
	if (strcmp(dot, ".sql") == 0)
		out->kind = p == 'V' ? STRATA_FLYWAY_VERSIONED : p == 'U' ? STRATA_FLYWAY_UNDO : STRATA_FLYWAY_REPEATABLE;
	else if (strcmp(dot, ".java") == 0 && p == 'V')
		out->kind = STRATA_FLYWAY_JAVA;
	else {
		out->kind = STRATA_FLYWAY_OTHER;
		return 0;
	}
	if (out->kind == STRATA_FLYWAY_REPEATABLE) {
		if (out->desc_len == 0) {
			out->why = "is a repeatable migration without a description";
			return -1;
		}
		strata_flyway_repeatable_version(name + out->desc_off, out->desc_len, &out->version);
		return 0;
	}
	if (strata_flyway_version(name + out->ver_off, out->ver_len, &out->version, &out->why) != 0)
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- checksum */

static uint32_t crc_table[256];
static int crc_ready;

static void crc_init(void)
{
	uint32_t c, k, n;

	for (n = 0; n < 256; n++) {
		c = n;
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
	crc_ready = 1;
}

int32_t strata_flyway_crc(const char *text, size_t len)
{
	uint32_t c = 0xffffffffu;
	size_t i = 0;

	if (!crc_ready)
		crc_init();
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	for (; i < len; i++) {
		unsigned char b = (unsigned char)text[i];

		if (b == '\n' || b == '\r')
			continue;
		c = crc_table[(c ^ b) & 0xff] ^ (c >> 8);
	}
	c ^= 0xffffffffu;
	return (int32_t)c;
}

/* ---------------------------------------------------------------- placeholders */

static int name_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c == '.' ||
	       c == '-';
}

static const char *lookup(const struct strata_flyway_vars *vars, const char *name, size_t len)
{
	size_t i;

	for (i = 0; vars && i < vars->n; i++)
		if (strlen(vars->names[i]) == len && memcmp(vars->names[i], name, len) == 0)
			return vars->values[i];
	return NULL;
}

int strata_flyway_replace(const char *text, size_t len, const struct strata_flyway_vars *a,
			  const struct strata_flyway_vars *b, char **out, size_t *outlen, size_t *bad_off,
			  size_t *bad_len)
{
	struct strata_buf buf;
	size_t i = 0, done = 0, k;
	int any = 0;

	*out = NULL;
	*outlen = 0;
	strata_buf_init(&buf);
	while (i + 1 < len) {
		const char *val;

		if (text[i] != '$' || text[i + 1] != '{') {
			i++;
			continue;
		}
		for (k = i + 2; k < len && name_char(text[k]); k++)
			;
		if (k == i + 2 || k >= len || text[k] != '}') {
			i++;
			continue; /* not ${name}: left as written, as Flyway's pattern does */
		}
		val = lookup(a, text + i + 2, k - i - 2);
		if (!val)
			val = lookup(b, text + i + 2, k - i - 2);
		if (!val) {
			*bad_off = i + 2;
			*bad_len = k - i - 2;
			strata_buf_release(&buf);
			return 1;
		}
		strata_buf_add(&buf, text + done, i - done);
		strata_buf_adds(&buf, val);
		done = i = k + 1;
		any = 1;
	}
	if (!any) {
		strata_buf_release(&buf);
		return 0;
	}
	strata_buf_add(&buf, text + done, len - done);
	if (buf.broken) {
		strata_buf_release(&buf);
		return -1;
	}
	*outlen = buf.len;
	*out = strata_buf_detach(&buf, NULL);
	return *out ? 0 : -1;
}

const char *strata_migration_foreign(const struct strata_migration *m, const char **runner)
{
	size_t n = m && m->up_file ? strlen(m->up_file) : 0;
	const char *kind = "goose Go migration", *who = "goose";

	if (n > 5 && strcmp(m->up_file + n - 5, ".java") == 0)
		kind = "Flyway Java migration", who = "Flyway";
	else if (n > 5 && strcmp(m->up_file + n - 5, ".fizz") == 0)
		kind = "pop fizz migration", who = "pop's soda";
	if (runner)
		*runner = who;
	return kind;
}
