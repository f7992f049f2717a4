/*
 * layout_pop.c - pop's and Ory popx's file names and contents, read by
 * popx's own rules (oryx/popx match.go, migration_box.go):
 *
 * - ^(\d+)_([^.]+)(\.[a-z0-9]+)?(\.autocommit)?\.(up|down)\.(sql)$; a
 *   dialect pop does not support is skipped;
 * - per version the file for the connection's dialect beats the
 *   dialect-less one (the loader, source.c, chooses);
 * - a file holding only `--` comments and blank lines is skipped;
 * - contents go through Go's text/template. strata does not run Go
 *   templates: a file with "{{" is refused naming file:line (Ory's own
 *   files hold none), never run raw.
 *
 * A directory is pop's when one of its files has a dialect or .autocommit
 * part; without one, the same names are golang-migrate pairs.
 */
#include <string.h>

#include "layout_pop.h"

static const struct {
	const char *word;
	enum strata_pop_dialect d;
} dialects[] = {
	{ "postgres", STRATA_POP_POSTGRES },   { "mysql", STRATA_POP_MYSQL },
	{ "sqlite3", STRATA_POP_SQLITE },      { "sqlite", STRATA_POP_SQLITE },
	{ "cockroach", STRATA_POP_COCKROACH }, { NULL, STRATA_POP_ANY },
};

static int word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static enum strata_pop_dialect dialect_word(const char *s, size_t len)
{
	size_t i;

	for (i = 0; dialects[i].word; i++)
		if (strlen(dialects[i].word) == len && memcmp(dialects[i].word, s, len) == 0)
			return dialects[i].d;
	return STRATA_POP_UNKNOWN;
}

int strata_pop_parse(const char *name, size_t len, struct strata_pop_name *out)
{
	const char *dot = memchr(name, '.', len), *p, *end = name + len;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->base_len = dot ? (size_t)(dot - name) : len;
	if (!dot)
		return 0;
	/* the parts after the name: one or two words of [a-z0-9] */
	for (p = dot; p < end;) {
		const char *w = p + 1, *q = w;

		while (q < end && *q != '.')
			q++;
		if (q == w)
			return -1;
		for (i = 0; w + i < q; i++)
			if (!word_char(w[i]))
				return -1;
		if ((size_t)(q - w) == 10 && memcmp(w, "autocommit", 10) == 0) {
			if (q != end)
				return -1; /* .autocommit comes last */
			out->autocommit = 1;
		} else if (p == dot) {
			out->dialect = dialect_word(w, (size_t)(q - w));
		} else {
			return -1;
		}
		p = q;
	}
	out->marked = out->autocommit || (out->dialect != STRATA_POP_ANY && out->dialect != STRATA_POP_UNKNOWN);
	return 0;
}

enum strata_pop_dialect strata_pop_dialect_of(const char *driver_name)
{
	if (!driver_name)
		return STRATA_POP_ANY;
	if (strcmp(driver_name, "mariadb") == 0)
		return STRATA_POP_MYSQL;
	if (strcmp(driver_name, "cockroachdb") == 0)
		return STRATA_POP_COCKROACH;
	return dialect_word(driver_name, strlen(driver_name)) == STRATA_POP_UNKNOWN
		       ? STRATA_POP_ANY
		       : dialect_word(driver_name, strlen(driver_name));
}

const char *strata_pop_dialect_name(enum strata_pop_dialect d)
{
	switch (d) {
	case STRATA_POP_POSTGRES: return "postgres";
	case STRATA_POP_MYSQL: return "mysql";
	case STRATA_POP_SQLITE: return "sqlite3";
	case STRATA_POP_COCKROACH: return "cockroach";
	case STRATA_POP_UNKNOWN: return "unknown";
	case STRATA_POP_ANY: break;
	}
	return "";
}

int strata_pop_comment_only(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len) {
		while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n' ||
				   text[i] == '\f' || text[i] == '\v'))
			i++;
		if (i == len)
			return 1;
		if (i + 1 < len && text[i] == '-' && text[i + 1] == '-') {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		return 0;
	}
	return 1;
}

size_t strata_pop_template(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (text[i] == '{' && text[i + 1] == '{')
			return i;
	return len;
}
