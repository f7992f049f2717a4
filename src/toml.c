/*
 * toml.c - Diesel's metadata.toml, read by hand: only the top-level
 * boolean run_in_transaction matters (false makes the migration a
 * no-transaction one); every other key, table and array of tables is
 * skipped, but must be well-formed enough to be skipped (strings of the four
 * kinds, arrays and inline tables nested, bare numbers, dates and
 * booleans). Problems are reported through the loader (source.c) with the
 * file's line.
 */
#include <string.h>

#include "source_int.h"
#include "strata.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

struct toml {
	struct loader *L;
	const char *rel;
	const char *s;
	size_t len, i;
	int line;
};

static int toml_fail(struct toml *t, const char *what)
{
	strata_source_problem(t->L, t->rel, t->line, "%s", what);
	return -1;
}

static void toml_blank(struct toml *t)
{
	while (t->i < t->len && (t->s[t->i] == ' ' || t->s[t->i] == '\t'))
		t->i++;
}

/* Blanks, then a comment, then the end of the line (or input). */
static int toml_eol(struct toml *t)
{
	toml_blank(t);
	if (t->i < t->len && t->s[t->i] == '#')
		while (t->i < t->len && t->s[t->i] != '\n')
			t->i++;
	if (t->i < t->len && t->s[t->i] == '\r' && t->i + 1 < t->len && t->s[t->i + 1] == '\n')
		t->i++;
	if (t->i < t->len && t->s[t->i] != '\n')
		return toml_fail(t, "cannot parse (expected the end of the line)");
	return 0;
}

/* A quoted string at t->i (", ', """ or '''); leaves t->i after it. */
static int toml_string(struct toml *t)
{
	char q = t->s[t->i];
	int multi = t->len - t->i >= 3 && t->s[t->i + 1] == q && t->s[t->i + 2] == q;

	t->i += multi ? 3 : 1;
	while (t->i < t->len) {
		char c = t->s[t->i];

		if (c == '\\' && q == '"') {
			if (t->i + 1 < t->len && t->s[t->i + 1] == '\n')
				t->line++;
			t->i += 2;
			continue;
		}
		if (c == '\n') {
			if (!multi)
				return toml_fail(t, "cannot parse (unterminated string)");
			t->line++;
		}
		if (c == q &&
		    (!multi || (t->len - t->i >= 3 && t->s[t->i + 1] == q && t->s[t->i + 2] == q))) {
			t->i += multi ? 3 : 1;
			/* a closing """ may be followed by up to two more quotes that belong to the text */
			while (multi && t->i < t->len && t->s[t->i] == q)
				t->i++;
			return 0;
		}
		t->i++;
	}
	return toml_fail(t, "cannot parse (unterminated string)");
}

/* Skip any value: string, array or inline table (nested), or a bare word (number, date, bool). */
static int toml_skip_value(struct toml *t)
{
	int depth = 0;

	do {
		char c;

		if (t->i >= t->len)
			return toml_fail(t, "cannot parse (a value is missing)");
		c = t->s[t->i];
		if (c == '"' || c == '\'') {
			if (toml_string(t))
				return -1;
		} else if (c == '[' || c == '{') {
			depth++;
			t->i++;
		} else if (c == ']' || c == '}') {
			if (!depth)
				return toml_fail(t, "cannot parse (unbalanced brackets)");
			depth--;
			t->i++;
		} else if (depth && (c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '=')) {
			t->i++;
		} else if (depth && (c == '\n' || c == '#')) {
			while (c == '#' && t->i < t->len && t->s[t->i] != '\n')
				t->i++;
			if (t->i < t->len) {
				t->i++;
				t->line++;
			}
		} else {
			size_t from = t->i;

			while (t->i < t->len && !strchr(" \t\r\n#,]}=", t->s[t->i]))
				t->i++;
			if (t->i == from)
				return toml_fail(t, "cannot parse (a value is missing)");
			/* a date and a time may be separated by a space: 1979-05-27 07:32:00Z */
			if (t->i - from == 10 && t->s[from + 4] == '-' && t->s[from + 7] == '-' &&
			    t->len - t->i >= 2 && t->s[t->i] == ' ' && is_digit(t->s[t->i + 1])) {
				t->i++;
				while (t->i < t->len && !strchr(" \t\r\n#,]}=", t->s[t->i]))
					t->i++;
			}
		}
	} while (depth);
	return 0;
}

/*
 * Diesel's metadata.toml. Only the top-level key run_in_transaction matters
 * (a boolean, default true); other keys and tables are skipped but must be
 * well-formed enough to be skipped.
 */
int strata_source_parse_metadata(struct loader *L, const char *rel, const char *s, size_t len, int *notx)
{
	struct toml t = { L, rel, s, len, 0, 1 };
	int root = 1, seen = 0;

	*notx = 0;
	for (;;) {
		size_t k0, k1;
		int parts = 0, ours;

		/* blank lines and comments */
		toml_blank(&t);
		if (t.i < t.len && (t.s[t.i] == '#' || t.s[t.i] == '\r' || t.s[t.i] == '\n')) {
			if (toml_eol(&t))
				return -1;
		}
		if (t.i >= t.len)
			break;
		if (t.s[t.i] == '\n') {
			t.i++;
			t.line++;
			continue;
		}
		if (t.s[t.i] == '[') {
			/* [table] or [[array of tables]]: keys after it are not top-level */
			while (t.i < t.len && t.s[t.i] != ']' && t.s[t.i] != '\n')
				t.i++;
			if (t.i >= t.len || t.s[t.i] != ']')
				return toml_fail(&t, "cannot parse (unterminated table header)");
			while (t.i < t.len && t.s[t.i] == ']')
				t.i++;
			root = 0;
			if (toml_eol(&t))
				return -1;
			continue;
		}
		/* key, possibly dotted or quoted */
		k0 = k1 = t.i;
		for (;;) {
			size_t from = t.i;

			toml_blank(&t);
			if (t.i < t.len && (t.s[t.i] == '"' || t.s[t.i] == '\'')) {
				from = t.i;
				if (toml_string(&t))
					return -1;
				k0 = from + 1;
				k1 = t.i - 1;
			} else {
				from = t.i;
				while (t.i < t.len && (is_digit(t.s[t.i]) ||
						       (lower(t.s[t.i]) >= 'a' && lower(t.s[t.i]) <= 'z') ||
						       t.s[t.i] == '_' || t.s[t.i] == '-'))
					t.i++;
				if (t.i == from)
					return toml_fail(&t, "cannot parse (expected key = value)");
				k0 = from;
				k1 = t.i;
			}
			parts++;
			toml_blank(&t);
			if (t.i < t.len && t.s[t.i] == '.') {
				t.i++;
				continue;
			}
			break;
		}
		if (t.i >= t.len || t.s[t.i] != '=')
			return toml_fail(&t, "cannot parse (expected key = value)");
		t.i++;
		toml_blank(&t);
		ours = root && parts == 1 && k1 - k0 == 18 && memcmp(t.s + k0, "run_in_transaction", 18) == 0;
		if (!ours) {
			if (toml_skip_value(&t) || toml_eol(&t))
				return -1;
			continue;
		}
		if (seen)
			return toml_fail(&t, "run_in_transaction is set twice");
		seen = 1;
		if (t.len - t.i >= 4 && memcmp(t.s + t.i, "true", 4) == 0) {
			t.i += 4;
			*notx = 0;
		} else if (t.len - t.i >= 5 && memcmp(t.s + t.i, "false", 5) == 0) {
			t.i += 5;
			*notx = 1;
		} else {
			return toml_fail(&t, "run_in_transaction must be true or false");
		}
		if (t.i < t.len && !strchr(" \t\r\n#", t.s[t.i]))
			return toml_fail(&t, "run_in_transaction must be true or false");
		if (toml_eol(&t))
			return -1;
	}
	return 0;
}
