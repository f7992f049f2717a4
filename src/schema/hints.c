/*
 * schema/hints.c - strata_rename_hints_parse: the "-- strata:renamed-from
 * OLD" comments of a desired schema file, each on the line of a CREATE
 * TABLE (the table was OLD) or on the line a column of one starts on (the
 * column was OLD), into struct strata_rename_hint for strata_schema_plan.
 * The script is read with strata's lexer and splitter in the engine's
 * dialect, so quoted identifiers, schema-qualified names, strings and
 * comments are what the database would see; a hint-like comment that sits
 * on no table or column line is an error naming its line, never ignored.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata_schema.h"
#include "../driver.h"
#include "../lexer.h"
#include "../split.h"
#include "../util.h"

#define HINT_WORD "strata:renamed-from"

/* A hint comment found in the script, before it is given its object. */
struct hint_comment {
	int line;
	char *old_name;
	int used;
};

/* A table or column line of a CREATE TABLE. */
struct hint_site {
	int line;
	enum strata_obj_kind kind;
	char *schema, *table, *column;
};

struct hint_scan {
	const char *sql;
	enum strata_dialect d;
	struct hint_comment *c;
	size_t nc, capc;
	struct hint_site *s;
	size_t ns, caps;
};

static int word_is(const char *sql, const struct strata_token *t, const char *w)
{
	size_t n = strlen(w);

	if (t->kind != STRATA_TOK_WORD || t->len != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = sql[t->off + i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (ch != w[i])
			return 0;
	}
	return 1;
}

/*
 * An identifier as the catalog stores it (malloc'ed): quotes removed (a
 * doubled closing quote is one), an unquoted PostgreSQL name folded to
 * lower case as the server folds it; SQLite keeps names as written.
 */
static char *ident_text(const char *p, size_t n, enum strata_dialect d)
{
	char *out = malloc(n + 1), close = 0;
	size_t i, k = 0;

	if (!out)
		return NULL;
	if (n >= 2 && (p[0] == '"' || p[0] == '`' || p[0] == '['))
		close = p[0] == '[' ? ']' : p[0];
	if (close) {
		for (i = 1; i + 1 < n; i++) {
			out[k++] = p[i];
			if (p[i] == close && close != ']' && i + 2 < n && p[i + 1] == close)
				i++;
		}
	} else {
		for (i = 0; i < n; i++) {
			char ch = p[i];

			if (d == STRATA_DIALECT_POSTGRES && ch >= 'A' && ch <= 'Z')
				ch = (char)(ch - 'A' + 'a');
			out[k++] = ch;
		}
	}
	out[k] = '\0';
	return out;
}

static int is_name(const struct strata_token *t)
{
	return t->kind == STRATA_TOK_WORD || t->kind == STRATA_TOK_QIDENT || t->kind == STRATA_TOK_STRING;
}

static int add_site(struct hint_scan *hs, int line, enum strata_obj_kind kind, const char *schema,
		    const char *table, const struct strata_token *col)
{
	struct hint_site *s;

	if (hs->ns == hs->caps) {
		size_t cap = hs->caps ? hs->caps * 2 : 16;
		struct hint_site *n = realloc(hs->s, cap * sizeof(*n));

		if (!n)
			return STRATA_ENOMEM;
		hs->s = n;
		hs->caps = cap;
	}
	s = &hs->s[hs->ns];
	memset(s, 0, sizeof(*s));
	s->line = line;
	s->kind = kind;
	s->schema = schema ? strata_strdup(schema) : NULL;
	s->table = strata_strdup(table);
	s->column = col ? ident_text(hs->sql + col->off, col->len, hs->d) : NULL;
	hs->ns++;
	if ((schema && !s->schema) || !s->table || (col && !s->column))
		return STRATA_ENOMEM;
	return 0;
}

/* Where a column element of CREATE TABLE (...) does not start with a column's name. */
static int is_table_constraint(const char *sql, const struct strata_token *t)
{
	static const char *const w[] = { "constraint", "primary", "unique", "check", "foreign", "exclude", "like",
					 NULL };

	for (int i = 0; w[i]; i++)
		if (word_is(sql, t, w[i]))
			return 1;
	return 0;
}

/* One statement's tokens (trivia left out): a CREATE TABLE's table and column lines into hs. */
static int scan_create_table(struct hint_scan *hs, const struct strata_token *t, size_t n)
{
	const char *sql = hs->sql;
	char *schema = NULL, *table = NULL;
	size_t i = 0, name_at;
	int rc = 0, depth;

	if (n < 4 || !word_is(sql, &t[0], "create"))
		return 0;
	for (i = 1; i < n && (word_is(sql, &t[i], "temp") || word_is(sql, &t[i], "temporary") ||
			      word_is(sql, &t[i], "unlogged") || word_is(sql, &t[i], "global") ||
			      word_is(sql, &t[i], "local") || word_is(sql, &t[i], "virtual"));
	     i++)
		;
	if (i >= n || !word_is(sql, &t[i], "table"))
		return 0;
	i++;
	if (i + 2 < n && word_is(sql, &t[i], "if") && word_is(sql, &t[i + 1], "not") &&
	    word_is(sql, &t[i + 2], "exists"))
		i += 3;
	if (i >= n || !is_name(&t[i]))
		return 0;
	name_at = i;
	if (i + 2 < n && t[i + 1].kind == STRATA_TOK_OP && sql[t[i + 1].off] == '.' && is_name(&t[i + 2])) {
		/* SQLite's main.t and temp.t are the one schema its model knows */
		if (hs->d != STRATA_DIALECT_SQLITE)
			schema = ident_text(sql + t[i].off, t[i].len, hs->d);
		i += 2;
	}
	table = ident_text(sql + t[i].off, t[i].len, hs->d);
	if (!table || (name_at != i && hs->d != STRATA_DIALECT_SQLITE && !schema)) {
		rc = STRATA_ENOMEM;
		goto out;
	}
	/* the table's line: CREATE's, and its name's when that is on another */
	rc = add_site(hs, t[0].line, STRATA_OBJ_TABLE, schema, table, NULL);
	if (rc == 0 && t[i].line != t[0].line)
		rc = add_site(hs, t[i].line, STRATA_OBJ_TABLE, schema, table, NULL);
	i++;
	if (rc || i >= n || t[i].kind != STRATA_TOK_OP || sql[t[i].off] != '(')
		goto out; /* CREATE TABLE ... AS, PARTITION OF ...: no column lines */
	depth = 1;
	i++;
	for (int start = 1; i < n && depth > 0 && rc == 0; i++) {
		if (start && depth == 1 && is_name(&t[i]) && !is_table_constraint(sql, &t[i]))
			rc = add_site(hs, t[i].line, STRATA_OBJ_COLUMN, schema, table, &t[i]);
		start = 0;
		if (t[i].kind != STRATA_TOK_OP)
			continue;
		if (sql[t[i].off] == '(')
			depth++;
		else if (sql[t[i].off] == ')')
			depth--;
		else if (sql[t[i].off] == ',' && depth == 1)
			start = 1;
	}
out:
	free(schema);
	free(table);
	return rc;
}

/* A comment token: a hint's old name into hs (0), not a hint (0, nothing added), or a malformed one. */
static int scan_comment(struct hint_scan *hs, const struct strata_token *t, const char *file, struct strata_err *err)
{
	const char *p = hs->sql + t->off, *end = p + t->len, *q;
	struct hint_comment *c;
	struct strata_lexer lx;
	struct strata_token nt;
	size_t wl = strlen(HINT_WORD);

	if (t->flags & STRATA_TOKF_BLOCK || t->len < 2 || p[0] != '-')
		return 0;
	p += 2;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(end - p) < 14 || strncmp(p, "strata:renamed", 14) != 0)
		return 0;
	if ((size_t)(end - p) < wl || strncmp(p, HINT_WORD, wl) != 0 || (p + wl < end && p[wl] != ' ' && p[wl] != '\t'))
		goto bad;
	p += wl;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	/* the old name: one identifier token of the dialect, nothing after it */
	strata_lexer_init(&lx, p, (size_t)(end - p), hs->d);
	if (strata_lexer_next(&lx, &nt) != 1 || !(nt.kind == STRATA_TOK_WORD || nt.kind == STRATA_TOK_QIDENT))
		goto bad;
	for (q = p + nt.off + nt.len; q < end; q++)
		if (*q != ' ' && *q != '\t' && *q != '\r')
			goto bad;
	if (hs->nc == hs->capc) {
		size_t cap = hs->capc ? hs->capc * 2 : 8;
		struct hint_comment *n = realloc(hs->c, cap * sizeof(*n));

		if (!n)
			return strata_err_set(err, STRATA_ENOMEM, "out of memory");
		hs->c = n;
		hs->capc = cap;
	}
	c = &hs->c[hs->nc];
	c->line = t->line;
	c->used = 0;
	c->old_name = ident_text(p + nt.off, nt.len, hs->d);
	if (!c->old_name)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	hs->nc++;
	return 0;
bad:
	strata_err_set(err, STRATA_ESOURCE,
		       "%.*s: a rename hint is written \"-- " HINT_WORD " OLD\" (OLD one name, quoted as the SQL "
		       "quotes it), on the line of the table's CREATE TABLE or of the column",
		       (int)(t->len > 120 ? 120 : t->len), hs->sql + t->off);
	if (err) {
		if (file)
			snprintf(err->file, sizeof(err->file), "%s", file);
		err->line = t->line;
	}
	return STRATA_ESOURCE;
}

void strata_rename_hints_free(struct strata_rename_hint *h, size_t n)
{
	for (size_t i = 0; h && i < n; i++) {
		free((char *)h[i].schema);
		free((char *)h[i].parent);
		free((char *)h[i].name);
		free((char *)h[i].old_name);
		free((char *)h[i].file);
	}
	free(h);
}

static int hint_from(struct strata_rename_hint *h, const struct hint_site *s, const struct hint_comment *c,
		     const char *file)
{
	memset(h, 0, sizeof(*h));
	h->kind = s->kind;
	h->schema = s->schema ? strata_strdup(s->schema) : NULL;
	h->parent = s->kind == STRATA_OBJ_COLUMN ? strata_strdup(s->table) : NULL;
	h->name = strata_strdup(s->kind == STRATA_OBJ_COLUMN ? s->column : s->table);
	h->old_name = strata_strdup(c->old_name);
	h->file = file ? strata_strdup(file) : NULL;
	h->line = c->line;
	if ((s->schema && !h->schema) || (s->kind == STRATA_OBJ_COLUMN && !h->parent) || !h->name || !h->old_name ||
	    (file && !h->file))
		return STRATA_ENOMEM;
	return 0;
}

int strata_rename_hints_parse(const char *sql, size_t len, const char *file, enum strata_engine engine,
			      struct strata_rename_hint **out, size_t *nout, struct strata_err *err)
{
	const struct strata_driver *drv;
	struct strata_split sp = { 0 };
	struct strata_tokens toks = { 0 };
	struct hint_scan hs = { 0 };
	struct strata_token *nt = NULL;
	struct strata_rename_hint *h = NULL;
	size_t nh = 0, i, k;
	int rc;

	*out = NULL;
	*nout = 0;
	if (!sql || !len || !memmem(sql, len, "strata:renamed", 14))
		return 0; /* no hints: nothing to read */
	drv = strata_driver_load(engine, err);
	if (!drv)
		return err && err->code ? err->code : STRATA_EUNSUPPORTED;
	hs.sql = sql;
	hs.d = drv->dialect;
	rc = strata_sql_split_tokens(sql, len, hs.d, &sp, &toks, err);
	if (rc) {
		if (err && file && !err->file[0])
			snprintf(err->file, sizeof(err->file), "%s", file);
		goto out;
	}
	nt = malloc((toks.n ? toks.n : 1) * sizeof(*nt));
	if (!nt) {
		rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < toks.n && rc == 0; i++)
		if (toks.t[i].kind == STRATA_TOK_COMMENT)
			rc = scan_comment(&hs, &toks.t[i], file, err);
	for (k = 0; k < sp.n && rc == 0; k++) {
		size_t m = 0;

		for (i = sp.s[k].tok; i < sp.s[k].tok + sp.s[k].ntok; i++)
			if (toks.t[i].kind != STRATA_TOK_SPACE && toks.t[i].kind != STRATA_TOK_COMMENT)
				nt[m++] = toks.t[i];
		if (scan_create_table(&hs, nt, m))
			rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
	}
	if (rc)
		goto out;
	h = calloc(hs.nc ? hs.nc : 1, sizeof(*h));
	if (!h) {
		rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < hs.nc; i++) {
		const struct hint_site *table = NULL, *col = NULL;

		for (k = 0; k < hs.ns; k++) {
			if (hs.s[k].line != hs.c[i].line)
				continue;
			if (hs.s[k].kind == STRATA_OBJ_TABLE && !table)
				table = &hs.s[k];
			else if (hs.s[k].kind == STRATA_OBJ_COLUMN && !col)
				col = &hs.s[k];
		}
		/* a CREATE TABLE line names the table, even when a column starts on it too */
		if (!table && !col) {
			rc = strata_err_set(err, STRATA_ESOURCE,
					    "-- " HINT_WORD " %s is on no table's or column's line: write it on the line "
					    "of the CREATE TABLE (the table was %s) or on the line of the column",
					    hs.c[i].old_name, hs.c[i].old_name);
			if (err) {
				if (file)
					snprintf(err->file, sizeof(err->file), "%s", file);
				err->line = hs.c[i].line;
			}
			goto out;
		}
		rc = hint_from(&h[nh++], table ? table : col, &hs.c[i], file);
		if (rc) {
			rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
			goto out;
		}
	}
	*out = h;
	*nout = nh;
	h = NULL;
	nh = 0;
out:
	strata_rename_hints_free(h, nh);
	for (i = 0; i < hs.nc; i++)
		free(hs.c[i].old_name);
	free(hs.c);
	for (i = 0; i < hs.ns; i++) {
		free(hs.s[i].schema);
		free(hs.s[i].table);
		free(hs.s[i].column);
	}
	free(hs.s);
	free(nt);
	strata_split_release(&sp);
	strata_tokens_release(&toks);
	return rc;
}
