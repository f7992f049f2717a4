/*
 * names.c - what a directory entry's name says it is: the file-name rules of
 * every layout strata reads (golang-migrate and plain pairs, dbmate and goose
 * single files, goose's Go files, Diesel directories), from the name alone,
 * without allocating, so that it can be fuzzed (fuzz/fuzz_filename.c) and
 * linked without the rest of the library. The loader (source.c) decides the
 * rest from the contents.
 *
 * Names follow the other tools' own rules: golang-migrate pairs an up and a
 * down by version alone (^([0-9]+)_(.*)\.(down|up)\.(.*)$), so
 * 30_add_x.up.sql and 30_drop_x.down.sql are one migration named after the
 * up (a note says so, for validate); dbmate's names may be hyphenated
 * (00000000000000-initial-schema.sql); goose's V_name.go files are named
 * (STRATA_NAME_GO) for the loader to decide about.
 *
 * Decisions on names that no tool defines (see strata_source_parse_name):
 * - V.sql, V.up.sql, V.down.sql (no title) are accepted, with an empty name;
 * - a name starting with a digit that is no layout's name (12abc.sql,
 *   1.x.sql, 2024-02-12-120203_x.sql, Diesel's version on a file) is an
 *   error, never silently skipped;
 * - .up/.down/.sql must be lower case: 001_x.UP.sql or 001_x.SQL is an error
 *   rather than a plain file named "x.UP" whose down would run as an up;
 * - control characters in a migration's name are an error (they would break
 *   the one-problem-per-line report and the status table).
 */
#include <string.h>

#include "names.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int has_suffix(const char *s, size_t len, const char *suf)
{
	size_t n = strlen(suf);

	return len >= n && memcmp(s + len - n, suf, n) == 0;
}

static int has_suffix_ci(const char *s, size_t len, const char *suf)
{
	size_t n = strlen(suf), i;

	if (len < n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower(s[len - n + i]) != suf[i])
			return 0;
	return 1;
}

static int name_bad(struct strata_name *out, int rc, const char *why)
{
	out->why = why;
	return rc;
}

static int has_control(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/* Diesel directory: digits and single dashes between digits, then '_' + name or the end. */
static int parse_dir_name(const char *name, size_t len, struct strata_name *out)
{
	size_t i;

	if (has_suffix_ci(name, len, ".sql"))
		return name_bad(out, STRATA_NAME_EBAD, "is a directory, but is named like a migration file");
	for (i = 0; i < len && (is_digit(name[i]) || name[i] == '-'); i++) {
		if (name[i] == '-') {
			if (name[i - 1] == '-')
				return name_bad(out, STRATA_NAME_EBAD,
						"has two dashes in a row in its version");
			continue;
		}
		out->ndigits++;
	}
	if (name[i - 1] == '-')
		return name_bad(out, STRATA_NAME_EBAD, "has a version ending in a dash");
	if (i < len && name[i] != '_')
		return name_bad(out, STRATA_NAME_EBAD,
				"starts with a digit but is not VERSION_NAME (a Diesel migration directory)");
	out->ver_off = 0;
	out->ver_len = i;
	out->name_off = i < len ? i + 1 : len;
	out->name_len = len - out->name_off;
	if (has_control(name + out->name_off, out->name_len))
		return name_bad(out, STRATA_NAME_EBAD, "has a control character in its name");
	if (strata_version_parse(name, i, &out->version) != 0)
		return name_bad(out, STRATA_NAME_EOVERFLOW, "has a version of more than 255 digits");
	out->kind = STRATA_NAME_DIESEL;
	return 0;
}

int strata_source_parse_name(const char *name, int is_dir, struct strata_name *out)
{
	size_t len = strlen(name), stem, end, i;
	enum strata_name_kind kind = STRATA_NAME_SINGLE;
	int rc;

	memset(out, 0, sizeof(*out));
	out->kind = STRATA_NAME_IGNORE;
	if (len == 0 || name[0] == '.')
		return 0; /* hidden, "." and ".." */
	if (is_dir)
		return is_digit(name[0]) ? parse_dir_name(name, len, out) : 0;
	if (has_suffix(name, len, ".go") && is_digit(name[0])) {
		/* goose: ^(\d+)_.*\.go$ */
		for (i = 0; i < len && is_digit(name[i]); i++)
			;
		if (name[i] != '_' || has_suffix(name, len, "_test.go") || has_control(name, len) || strata_version_parse(name, i, &out->version) != 0)
			return 0;
		out->ver_len = out->ndigits = i;
		out->name_off = i + 1;
		out->name_len = len - 3 - out->name_off;
		out->kind = STRATA_NAME_GO;
		return 0;
	}
	if (!has_suffix_ci(name, len, ".sql"))
		return 0;
	if (!is_digit(name[0])) {
		out->kind = STRATA_NAME_UNVERSIONED;
		return 0;
	}
	if (!has_suffix(name, len, ".sql"))
		return name_bad(out, STRATA_NAME_EBAD,
				"has a version but its extension is not \".sql\" in lower case");
	stem = len - 4;
	for (i = 0; i < stem && is_digit(name[i]); i++)
		;
	end = stem;
	if (has_suffix(name, stem, ".up")) {
		kind = STRATA_NAME_UP;
		end -= 3;
	} else if (has_suffix(name, stem, ".down")) {
		kind = STRATA_NAME_DOWN;
		end -= 5;
	} else if (has_suffix_ci(name, stem, ".up") || has_suffix_ci(name, stem, ".down")) {
		return name_bad(out, STRATA_NAME_EBAD,
				"must end in \".up.sql\" or \".down.sql\" in lower case");
	}
	/* the digits stop at the '.' of a suffix, so end >= i */
	if (i == end) {
		out->name_off = end;
		out->name_len = 0;
	} else if (name[i] == '_' || (name[i] == '-' && !is_digit(name[i + 1]))) {
		/* '-': dbmate's 00000000000000-initial-schema.sql (digits after it look like a Diesel version) */
		out->name_off = i + 1;
		out->name_len = end - i - 1;
	} else {
		return name_bad(out, STRATA_NAME_EBAD,
				"starts with a digit but is not VERSION_NAME.sql, VERSION_NAME.up.sql or "
				"VERSION_NAME.down.sql");
	}
	if (has_control(name + out->name_off, out->name_len))
		return name_bad(out, STRATA_NAME_EBAD, "has a control character in its name");
	out->ver_off = 0;
	out->ver_len = i;
	out->ndigits = i;
	rc = strata_version_parse(name, i, &out->version);
	if (rc != 0)
		return name_bad(out, STRATA_NAME_EOVERFLOW, "has a version of more than 255 digits");
	out->kind = kind;
	return 0;
}
