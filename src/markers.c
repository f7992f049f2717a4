/*
 * markers.c - single-file migrations with up/down markers: dbmate's
 * `-- migrate:up` / `-- migrate:down` (with `transaction:false`) and goose's
 * `-- +goose Up` / `-- +goose Down` annotations (StatementBegin/End, NO
 * TRANSACTION). A V_name.sql file is split here into its up and down
 * scripts; a file without markers is a plain up script, left to the loader
 * (source.c), which reports the problems found here with the others.
 */
#include <string.h>

#include "util.h"
#include "source_int.h"

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

enum mark {
	MARK_NONE = 0,
	MARK_DBMATE_UP,
	MARK_DBMATE_DOWN,
	MARK_GOOSE_UP,
	MARK_GOOSE_DOWN,
	MARK_GOOSE_NOTX,    /* -- +goose NO TRANSACTION */
	MARK_GOOSE_COMMENT, /* StatementBegin/End, ENVSUB OFF: nothing for us */
	MARK_GOOSE_ENVSUB,  /* ENVSUB ON: not supported */
	MARK_GOOSE_UNKNOWN, /* -- +goose something else */
	MARK_DBMATE_CASE,   /* -- migrate:UP: dbmate would not see it, we refuse it */
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\r';
}

static int word_ci(const char *p, size_t n, const char *w)
{
	size_t i;

	if (strlen(w) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower(p[i]) != w[i])
			return 0;
	return 1;
}

/* Goose's annotation after "+goose ": case-insensitive, runs of blanks as one space. */
static enum mark goose_mark(const char *p, size_t n)
{
	static const struct {
		const char *w1, *w2;
		enum mark m;
	} words[] = {
		{ "up", NULL, MARK_GOOSE_UP },
		{ "down", NULL, MARK_GOOSE_DOWN },
		{ "statementbegin", NULL, MARK_GOOSE_COMMENT },
		{ "statementend", NULL, MARK_GOOSE_COMMENT },
		{ "no", "transaction", MARK_GOOSE_NOTX },
		{ "envsub", "off", MARK_GOOSE_COMMENT },
		{ "envsub", "on", MARK_GOOSE_ENVSUB },
	};
	size_t a = 0, b, c, d, i;

	/* split into at most two words */
	for (b = a; b < n && !is_space(p[b]); b++)
		;
	for (c = b; c < n && is_space(p[c]); c++)
		;
	for (d = c; d < n && !is_space(p[d]); d++)
		;
	for (i = d; i < n && is_space(p[i]); i++)
		;
	if (i < n)
		return MARK_GOOSE_UNKNOWN; /* three words or more */
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!word_ci(p + a, b - a, words[i].w1))
			continue;
		if (words[i].w2 ? word_ci(p + c, d - c, words[i].w2) : c == d)
			return words[i].m;
	}
	return MARK_GOOSE_UNKNOWN;
}

/*
 * What a line says, following dbmate (`^--\s*migrate:(up|down)(\s+options)?`)
 * and goose (`-- +goose Up`, case-insensitive), both allowing leading blanks.
 * `opts`/`optslen` get dbmate's options after the marker.
 */
static enum mark line_mark(const char *p, size_t n, const char **opts, size_t *optslen)
{
	size_t i = 0, kw;

	while (n && is_space(p[n - 1]))
		n--;
	while (i < n && is_space(p[i]))
		i++;
	if (n - i < 2 || p[i] != '-' || p[i + 1] != '-')
		return MARK_NONE;
	for (i += 2; i < n && is_space(p[i]); i++)
		;
	if (n - i >= 6 && p[i] == '+' && word_ci(p + i + 1, 5, "goose") &&
	    (i + 6 == n || is_space(p[i + 6]))) {
		for (i += 6; i < n && is_space(p[i]); i++)
			;
		return goose_mark(p + i, n - i);
	}
	if (n - i < 8 || !word_ci(p + i, 8, "migrate:"))
		return MARK_NONE;
	kw = i + 8;
	for (i = kw; i < n && !is_space(p[i]); i++)
		;
	if (!word_ci(p + kw, i - kw, "up") && !word_ci(p + kw, i - kw, "down"))
		return MARK_NONE;
	if (memcmp(p + kw - 8, "migrate:", 8) != 0 ||
	    memcmp(p + kw, i - kw == 2 ? "up" : "down", i - kw) != 0)
		return MARK_DBMATE_CASE;
	*opts = p + i;
	*optslen = n - i;
	return i - kw == 2 ? MARK_DBMATE_UP : MARK_DBMATE_DOWN;
}

/* dbmate's options: blank-separated key:value pairs; transaction:false is the one we honour. */
static int dbmate_no_transaction(const char *p, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		while (i < n && is_space(p[i]))
			i++;
		for (j = i; j < n && !is_space(p[j]); j++)
			;
		if (j - i == 17 && memcmp(p + i, "transaction:false", 17) == 0)
			return 1;
		i = j;
	}
	return 0;
}

static int is_goose(enum mark k)
{
	return k >= MARK_GOOSE_UP && k <= MARK_GOOSE_UNKNOWN;
}

/*
 * Split a V_name.sql file on dbmate or goose markers. Returns 0 when the file
 * has no markers (a plain up script; nothing changed), 1 when m->up/down,
 * up_line/down_line and no_transaction were filled (copies; `text` is left to
 * the caller), -1 after recording a problem. Like dbmate and goose, only
 * blank lines and -- comments may come before the up marker: anything else
 * there would silently never run.
 */
int strata_source_split_markers(struct loader *L, const char *rel, struct strata_migration *m,
				const char *text, size_t len)
{
	size_t pos = 0, eol, next, up_start = 0, up_end = len, down_start = 0;
	int line = 0, up_at = 0, down_at = 0, first_mark = 0, first_sql = 0, family = 0, notx = 0;
	const char *opts = NULL;
	size_t optslen = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		enum mark k;
		int fam;

		eol = nl ? (size_t)(nl - text) : len;
		next = nl ? eol + 1 : len;
		line++;
		k = line_mark(text + pos, eol - pos, &opts, &optslen);
		if (k == MARK_NONE) {
			if (!up_at && !first_sql) {
				size_t i = pos;

				while (i < eol && (is_space(text[i])))
					i++;
				if (i < eol && !(eol - i >= 2 && text[i] == '-' && text[i + 1] == '-'))
					first_sql = line;
			}
			pos = next;
			continue;
		}
		switch (k) {
		case MARK_DBMATE_CASE:
			strata_source_problem(L, rel, line,
				"a dbmate marker must be written in lower case "
				"(\"-- migrate:up\", \"-- migrate:down\")");
			return -1;
		case MARK_GOOSE_ENVSUB:
			strata_source_problem(L, rel, line,
				"\"-- +goose ENVSUB ON\" is not supported: strata does not "
				"substitute environment variables");
			return -1;
		case MARK_GOOSE_UNKNOWN:
			strata_source_problem(L, rel, line,
				"unknown goose annotation (expected Up, Down, StatementBegin, "
				"StatementEnd or NO TRANSACTION)");
			return -1;
		default:
			break;
		}
		fam = is_goose(k) ? 'g' : 'd';
		if (family && fam != family) {
			strata_source_problem(L, rel, line,
				"a %s marker in a file that uses %s markers (line %d)",
				fam == 'g' ? "goose" : "dbmate", family == 'g' ? "goose" : "dbmate",
				first_mark);
			return -1;
		}
		if (!family) {
			family = fam;
			first_mark = line;
		}
		switch (k) {
		case MARK_DBMATE_UP:
		case MARK_GOOSE_UP:
			if (up_at) {
				strata_source_problem(L, rel, line, "a second up marker (the first is on line %d)",
					up_at);
				return -1;
			}
			up_at = line;
			up_start = next;
			if (k == MARK_DBMATE_UP && dbmate_no_transaction(opts, optslen))
				notx = 1;
			break;
		case MARK_DBMATE_DOWN:
		case MARK_GOOSE_DOWN:
			if (down_at) {
				strata_source_problem(L, rel, line, "a second down marker (the first is on line %d)",
					down_at);
				return -1;
			}
			if (!up_at) {
				strata_source_problem(L, rel, line, "a down marker before any up marker");
				return -1;
			}
			down_at = line;
			up_end = pos;
			down_start = next;
			break;
		case MARK_GOOSE_NOTX:
			notx = 1;
			break;
		default:
			break;
		}
		pos = next;
	}
	if (!family)
		return 0;
	if (!up_at) {
		strata_source_problem(L, rel, first_mark, "has %s annotations but no up marker (%s)",
			family == 'g' ? "goose" : "dbmate", family == 'g' ? "-- +goose Up" : "-- migrate:up");
		return -1;
	}
	if (first_sql) {
		strata_source_problem(L, rel, first_sql, "SQL before the up marker (line %d) would never run",
			up_at);
		return -1;
	}
	m->up = strata_strndup(text + up_start, up_end - up_start);
	m->up_len = up_end - up_start;
	m->up_line = up_at + 1;
	if (down_at) {
		m->down = strata_strndup(text + down_start, len - down_start);
		m->down_len = len - down_start;
		m->down_line = down_at + 1;
	}
	m->no_transaction = notx;
	if (!m->up || (down_at && !m->down))
		strata_source_oom(L);
	return 1;
}
