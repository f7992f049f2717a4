/*
 * directives.c - the `-- strata:...` comment lines of a migration.
 *
 * A directive is an SQL comment, so every other tool (and the database)
 * ignores it. Only comments that stand between statements count: the lexer
 * says where statements begin, so a "-- strata:" inside a string or a
 * function body is never mistaken for one. A caller that has split the
 * script already passes its split (strata_directives_read), so the script
 * is lexed once. Known directives:
 *
 *   -- strata:no-transaction        run statement by statement, outside a transaction
 *   -- strata:require <SQL>         must yield true before the migration starts
 *   -- strata:verify <SQL>          must yield true after its statements, inside its transaction
 *   -- strata:timeout <duration>    statement timeout for this migration
 *   -- strata:irreversible [why]    (in a down script) this migration cannot be rolled back:
 *                                   down, goto and redo refuse it instead of running the rest
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"
#include "split.h"
#include "directives.h"
#include "layout.h"

void strata_directives_release(struct strata_directives *dv)
{
	size_t i;

	for (i = 0; i < dv->nrequire; i++)
		free(dv->require[i]);
	for (i = 0; i < dv->nverify; i++)
		free(dv->verify[i]);
	free(dv->require);
	free(dv->require_line);
	free(dv->verify);
	free(dv->verify_line);
	free(dv->irreversible_why);
	memset(dv, 0, sizeof(*dv));
}

static int push(char ***list, int **lines, size_t *n, const char *text, size_t len, int line)
{
	char **l = realloc(*list, (*n + 1) * sizeof(char *));
	int *ln;

	if (!l)
		return -1;
	*list = l;
	ln = realloc(*lines, (*n + 1) * sizeof(int));
	if (!ln)
		return -1;
	*lines = ln;
	l[*n] = strata_strndup(text, len);
	if (!l[*n])
		return -1;
	ln[*n] = line;
	(*n)++;
	return 0;
}

/* One comment line "-- strata:..." starting at p (after the dashes' leading blanks). */
static int directive(struct strata_directives *dv, const char *p, size_t n, int line, struct strata_err *err)
{
	const char *name = p, *arg;
	size_t nlen, alen;

	for (nlen = 0; nlen < n && name[nlen] != ' ' && name[nlen] != '\t' && name[nlen] != '\r'; nlen++)
		;
	arg = name + nlen;
	alen = n - nlen;
	while (alen && (*arg == ' ' || *arg == '\t')) {
		arg++;
		alen--;
	}
	while (alen && (arg[alen - 1] == ' ' || arg[alen - 1] == '\t' || arg[alen - 1] == '\r'))
		alen--;
	if (alen && arg[alen - 1] == ';')
		alen--;
#define IS(s) (nlen == strlen(s) && strncmp(name, s, nlen) == 0)
	if (IS("no-transaction") || IS("no_transaction")) {
		dv->no_transaction = 1;
	} else if (IS("require") || IS("verify")) {
		if (!alen) {
			strata_err_set(err, STRATA_ESOURCE, "-- strata:%.*s needs an SQL condition, e.g. "
				       "-- strata:%.*s SELECT count(*) = 0 FROM t", (int)nlen, name, (int)nlen, name);
			goto fail;
		}
		if (IS("require") ? push(&dv->require, &dv->require_line, &dv->nrequire, arg, alen, line)
				  : push(&dv->verify, &dv->verify_line, &dv->nverify, arg, alen, line))
			return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	} else if (IS("irreversible")) {
		dv->irreversible = line;
		if (alen && !dv->irreversible_why && !(dv->irreversible_why = strata_strndup(arg, alen)))
			return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	} else if (IS("timeout")) {
		char buf[32];

		if (alen == 0 || alen >= sizeof(buf))
			goto bad_timeout;
		memcpy(buf, arg, alen);
		buf[alen] = '\0';
		if (strata_parse_duration(buf, &dv->timeout) || dv->timeout <= 0)
			goto bad_timeout;
	} else {
		strata_err_set(err, STRATA_ESOURCE,
			       "unknown directive -- strata:%.*s (known: no-transaction, require, verify, timeout, irreversible)",
			       (int)nlen, name);
		goto fail;
	}
#undef IS
	return 0;
bad_timeout:
	strata_err_set(err, STRATA_ESOURCE, "-- strata:timeout needs a duration such as 30s, 500ms or 2m");
fail:
	if (err)
		err->line = line;
	return STRATA_ESOURCE;
}

/* Scan the comment region [from, to) for directive lines. */
static int scan(struct strata_directives *dv, const char *s, size_t from, size_t to, int line,
		struct strata_err *err)
{
	size_t i = from;

	while (i < to) {
		size_t eol = i, j = i;

		while (eol < to && s[eol] != '\n')
			eol++;
		while (j < eol && (s[j] == ' ' || s[j] == '\t'))
			j++;
		if (eol - j > 9 && strncmp(s + j, "--", 2) == 0) {
			size_t k = j + 2;

			while (k < eol && (s[k] == ' ' || s[k] == '\t'))
				k++;
			if (eol - k > 7 && strncmp(s + k, "strata:", 7) == 0) {
				int rc = directive(dv, s + k + 7, eol - k - 7, line, err);

				if (rc)
					return rc;
			}
		}
		i = eol + 1;
		line++;
	}
	return 0;
}

int strata_directives_read(const char *script, size_t len, const struct strata_split *sp,
			   struct strata_directives *out, struct strata_err *err)
{
	size_t i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!script || !len || !memmem(script, len, "strata:", 7))
		return 0;
	/* the white space and comments before each statement's first token */
	for (i = 0; i < sp->n && !rc; i++) {
		size_t to = sp->s[i].flags & STRATA_STMT_EMPTY ? sp->s[i].end : sp->s[i].body;

		rc = scan(out, script, sp->s[i].start, to, strata_line_of(script, len, sp->s[i].start), err);
	}
	if (rc)
		strata_directives_release(out);
	return rc;
}

int strata_directives_parse(const char *script, size_t len, enum strata_dialect d, struct strata_directives *out,
			    struct strata_err *err)
{
	struct strata_split sp = { 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	if (!script || !len || !memmem(script, len, "strata:", 7))
		return 0;
	rc = strata_sql_split(script, len, d, &sp, err);
	if (!rc)
		rc = strata_directives_read(script, len, &sp, out, err);
	strata_split_release(&sp);
	return rc;
}

/* Check one script; append a problem line to b. Returns 1 when there was one. */
static int check_script(const char *file, const char *script, size_t len, int first_line, enum strata_dialect d,
			struct strata_buf *b, struct strata_err *first, const struct strata_migration *up_of)
{
	struct strata_split sp = { 0 };
	struct strata_directives dv;
	struct strata_err e;
	int rc, open;

	strata_err_clear(&e);
	rc = strata_sql_split(script, len, d, &sp, &e);
	/* a Drizzle file that leaves drizzle-orm's transaction and enters it again runs inside strata's (apply.c) */
	if (!rc && (open = strata_split_open_tx(&sp)) > 0 && !strata_drizzle_wrapped(up_of, &sp)) {
		/* the same refusal as the run's (apply.c), before the database is touched */
		rc = strata_err_set(&e, STRATA_ESOURCE,
				    "the transaction started here is never committed: the script ends inside it");
		strata_err_hint(&e, "end it with COMMIT; strata records the migration after its last statement, "
				    "outside the script's own transactions");
		e.line = open;
	}
	if (!rc)
		rc = strata_directives_read(script, len, &sp, &dv, &e);
	strata_split_release(&sp);
	if (!rc) {
		strata_directives_release(&dv);
		return 0;
	}
	if (e.line)
		e.line += first_line - 1;
	snprintf(e.file, sizeof(e.file), "%s", file);
	if (!first->code)
		strata_err_copy(first, &e);
	if (e.line)
		strata_buf_addf(b, "%s%s:%d: %s", b->len ? "\n" : "", file, e.line, e.message);
	else
		strata_buf_addf(b, "%s%s: %s", b->len ? "\n" : "", file, e.message);
	strata_err_release(&e);
	return 1;
}

int strata_source_check_dialect(const struct strata_source *src, enum strata_dialect d, struct strata_err *err)
{
	struct strata_err first;
	struct strata_buf b;
	size_t i, bad = 0;

	strata_err_clear(&first);
	strata_buf_init(&b);
	for (i = 0; i < src->n; i++) {
		const struct strata_migration *m = &src->m[i];

		bad += check_script(m->up_file, m->up, m->up_len, m->up_line, d, &b, &first, m);
		if (m->down)
			bad += check_script(m->down_file ? m->down_file : m->up_file, m->down, m->down_len, m->down_line,
					    d, &b, &first, NULL);
	}
	if (!bad) {
		strata_buf_release(&b);
		return 0;
	}
	strata_err_copy(err, &first);
	strata_err_release(&first);
	if (bad > 1 && err && !b.broken) {
		strata_err_set(err, err->code, "%s", b.buf);
		err->line = 0;
	}
	strata_buf_release(&b);
	if (err)
		err->code = STRATA_ESOURCE;
	return STRATA_ESOURCE;
}

void strata_down_absent(const struct strata_migration *m, char *why, size_t whylen)
{
	const char *f = m->up_file;
	size_t n = strlen(f);

	if (!why || !whylen)
		return;
	if (m->layout == STRATA_LAYOUT_MARKERS)
		snprintf(why, whylen, "%s has no down section", f);
	else if (m->layout == STRATA_LAYOUT_PRISMA && n >= 13 && strcmp(f + n - 13, "migration.sql") == 0)
		snprintf(why, whylen, "there is no %.*sdown.sql: Prisma Migrate has no down migrations", (int)(n - 13), f);
	else if (m->layout == STRATA_LAYOUT_DRIZZLE)
		snprintf(why, whylen, "Drizzle Kit has no down migrations");
	else if (m->layout == STRATA_LAYOUT_REPEATABLE)
		snprintf(why, whylen, "%s is a repeatable migration, which Flyway never undoes", f);
	else if (m->layout == STRATA_LAYOUT_FLYWAY) {
		const char *base = strrchr(f, '/') ? strrchr(f, '/') + 1 : f;

		snprintf(why, whylen, "there is no %.*sU%s", (int)(base - f), f, base + 1);
	} else if (m->layout == STRATA_LAYOUT_POP) {
		const char *base = strrchr(f, '/') ? strrchr(f, '/') + 1 : f;

		/* popx's down for any dialect: the name without its dialect and .autocommit parts */
		snprintf(why, whylen, "there is no %.*s.down.sql", (int)(base - f + strcspn(base, ".")), f);
	}
	else if (m->layout == STRATA_LAYOUT_DIESEL && n >= 6 && strcmp(f + n - 6, "up.sql") == 0)
		snprintf(why, whylen, "there is no %.*sdown.sql", (int)(n - 6), f);
	else if (m->layout == STRATA_LAYOUT_PAIR && n >= 7 && strcmp(f + n - 7, ".up.sql") == 0)
		snprintf(why, whylen, "there is no %.*s.down.sql", (int)(n - 7), f);
	else if (n >= 4 && strcmp(f + n - 4, ".sql") == 0)
		snprintf(why, whylen, "there is no %.*s.down.sql", (int)(n - 4), f);
	else
		snprintf(why, whylen, "there is no down file for %s", f);
}

enum strata_down_kind strata_down_kind_dialect(const struct strata_migration *m, enum strata_dialect d, char *why,
					       size_t whylen)
{
	const char *file = m->down_file ? m->down_file : m->up_file;
	struct strata_directives dv;
	struct strata_split sp = { 0 };
	enum strata_down_kind k = STRATA_DOWN_STATEMENTS;
	int split;

	if (why && whylen)
		why[0] = '\0';
	if (!m->down) {
		if (m->down_file) /* loaded without its downs (STRATA_SOURCE_UPS_ONLY): there is one */
			return STRATA_DOWN_STATEMENTS;
		strata_down_absent(m, why, whylen);
		return STRATA_DOWN_NONE;
	}
	/* one split for both questions */
	split = strata_sql_split(m->down, m->down_len, d, &sp, NULL);
	if (split == 0 && strata_directives_read(m->down, m->down_len, &sp, &dv, NULL) == 0) {
		if (dv.irreversible) {
			k = STRATA_DOWN_IRREVERSIBLE;
			if (why)
				snprintf(why, whylen, "%s:%d says -- strata:irreversible%s%s%s", file,
					 m->down_line + dv.irreversible - 1, dv.irreversible_why ? " (" : "",
					 dv.irreversible_why ? dv.irreversible_why : "", dv.irreversible_why ? ")" : "");
		}
		strata_directives_release(&dv);
	}
	if (k == STRATA_DOWN_STATEMENTS && split == 0 && strata_split_count(&sp) == 0) {
		k = STRATA_DOWN_EMPTY;
		if (why)
			snprintf(why, whylen, "%s%s holds no statements", file,
				 m->layout == STRATA_LAYOUT_MARKERS ? "'s down section" : "");
	}
	strata_split_release(&sp);
	return k;
}
