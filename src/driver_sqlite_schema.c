/*
 * driver_sqlite_schema.c - the SQLite driver's schema_read: the schema model
 * (src/schema/model.h) of a SQLite database, as sqlite_master holds it.
 *
 * SQLite keeps each object's CREATE statement as it was written (ALTER
 * TABLE edits that text in place), and it is that text that makes two
 * databases the same: every table, index, view and trigger is modelled with
 * its sqlite_master.sql, unchanged, as its dump text. No reformatting is
 * undone: a migration that only re-indents a CREATE TABLE does change what
 * the database holds, and comparison sees it.
 *
 * Indexes, views and triggers have that text as their "definition". A
 * table's text is cut into pieces (split_table) so that a change is
 * reported where it is: each column's definition is its column's, and the
 * table's "definition" is the rest (the text around the column list and the
 * table constraints, UNIQUE and CHECK, of which SQLite keeps no other
 * record). The cut is lossless, so texts are equal exactly when pieces and
 * column order are, and ADD COLUMN is the new column alone. On top, the
 * detail a comparison reports by name: per column (pragma table_xinfo) type,
 * not null, default, primary key position, generated, hidden, and collation
 * (sqlite3_table_column_metadata); the foreign keys as constraint objects
 * with their actions (pragma foreign_key_list), so that a changed ON DELETE
 * is reported as such; STRICT and WITHOUT ROWID (pragma table_list).
 *
 * Left out: SQLite's own tables (sqlite_sequence, sqlite_stat*), the
 * automatic indexes behind UNIQUE and PRIMARY KEY (no sql), strata's own
 * tables with their indexes and triggers, and the shadow tables of virtual
 * tables (the virtual table's CREATE makes them again). An sqlite_master row
 * of a type the model does not know is counted as unhandled.
 *
 * Dependencies, for the order of a dump: an index or a trigger comes after
 * its table (or view), a view after the tables and views its SQL names
 * (every identifier of its text that is the name of one, by the SQLite
 * lexer). SQLite checks neither a view's tables nor a foreign key's target
 * when it creates them, so these are all a dump needs; a dependency between
 * views that would close a cycle (a name that is a column, not a view) is
 * dropped: a view's dependencies on views created before it (sqlite_master's
 * rowid order is creation order) are added first and win.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "util.h"
#include "split.h"
#include "lexer.h"
#include "driver.h"
#include "driver_sqlite.h"
#include "schema/model.h"

/* An object of sqlite_master by name: index i into the list. */
struct name_ix {
	const char *name;
	size_t i;
};

/* One row of sqlite_master, in creation (rowid) order. */
struct sq_obj {
	char *type;      /* "table", "index", "view", "trigger" */
	char *name;
	char *tbl;       /* tbl_name */
	char *sql;       /* NULL for automatic indexes */
	char *list_type; /* pragma table_list's: "table", "view", "virtual", "shadow"; NULL when unknown */
	int strict;      /* STRICT (pragma table_list) */
	int wr;          /* WITHOUT ROWID (pragma table_list) */
	int skip;        /* left out of the model */
	size_t *refs;    /* views: the views its SQL names (indexes into the list) */
	size_t nrefs;
};

struct sq_read {
	sqlite3 *db;
	struct sq_obj *o;
	size_t n;
	struct strata_err *err;
	sqlite3_stmt *xinfo; /* pragma table_xinfo(?1), prepared once for every table (preparing was most of the time) */
	sqlite3_stmt *fks;   /* pragma foreign_key_list(?1), the same */
	struct name_ix *rel; /* the tables and views by name without case (find_any), nrel of them */
	size_t nrel;
};

/* One column, as pragma table_xinfo gives it. */
struct sq_col {
	int cid, notnull, pk, hidden;
	char *name, *type, *dflt;
};

static int db_err(struct sq_read *r, int rc, const char *what)
{
	strata_err_set(r->err, STRATA_EDB, "cannot read the schema (%s): %s", what, sqlite3_errmsg(r->db));
	if (r->err)
		r->err->driver_code = rc;
	return STRATA_EDB;
}

static char *col_dup(sqlite3_stmt *st, int i, int *oom)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	char *d;

	if (!v)
		return NULL;
	d = strata_strndup((const char *)v, (size_t)sqlite3_column_bytes(st, i));
	if (!d)
		*oom = 1;
	return d;
}

static void objs_free(struct sq_read *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->o[i].type);
		free(r->o[i].name);
		free(r->o[i].tbl);
		free(r->o[i].sql);
		free(r->o[i].list_type);
		free(r->o[i].refs);
	}
	free(r->o);
	free(r->rel);
}

static int by_name(const void *x, const void *y)
{
	return strcmp(((const struct name_ix *)x)->name, ((const struct name_ix *)y)->name);
}

/* The rows of sqlite_master, in creation (rowid) order. */
static int read_master(struct sq_read *r)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int rc, oom = 0;

	rc = sqlite3_prepare_v2(r->db, "SELECT type, name, tbl_name, sql FROM main.sqlite_master ORDER BY rowid", -1,
				&st, NULL);
	if (rc != SQLITE_OK)
		return db_err(r, rc, "sqlite_master");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sq_obj *o;

		if (r->n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct sq_obj *p = realloc(r->o, ncap * sizeof(*p));

			if (!p) {
				oom = 1;
				break;
			}
			r->o = p;
			cap = ncap;
		}
		o = &r->o[r->n++];
		memset(o, 0, sizeof(*o));
		o->type = col_dup(st, 0, &oom);
		o->name = col_dup(st, 1, &oom);
		o->tbl = col_dup(st, 2, &oom);
		o->sql = col_dup(st, 3, &oom);
		if (oom)
			break;
		if (!o->type || !o->name || !o->tbl)
			o->skip = 1; /* cannot happen in a sound database; nothing to model */
	}
	sqlite3_finalize(st);
	if (oom)
		return STRATA_ENOMEM;
	if (rc != SQLITE_DONE)
		return db_err(r, rc, "sqlite_master");
	return 0;
}

/*
 * pragma table_list's view of each table and view (SQLite 3.37 and later):
 * virtual, shadow, STRICT, WITHOUT ROWID. *have_list 0 on an older SQLite,
 * whose shadow tables are then told by their names. Read once and matched
 * by name: joined to sqlite_master, SQLite would list every table again for
 * each row.
 */
static int read_table_list(struct sq_read *r, int *have_list)
{
	sqlite3_stmt *st = NULL;
	struct name_ix *ix;
	size_t m = 0;
	int rc, oom = 0;

	*have_list = 0;
	if (sqlite3_prepare_v2(r->db, "SELECT name, type, strict, wr FROM pragma_table_list WHERE schema = 'main'", -1,
			       &st, NULL) != SQLITE_OK)
		return 0;
	*have_list = 1;
	ix = malloc((r->n ? r->n : 1) * sizeof(*ix));
	if (!ix) {
		sqlite3_finalize(st);
		return STRATA_ENOMEM;
	}
	for (size_t i = 0; i < r->n; i++)
		if (!r->o[i].skip && (strcmp(r->o[i].type, "table") == 0 || strcmp(r->o[i].type, "view") == 0))
			ix[m++] = (struct name_ix){r->o[i].name, i};
	qsort(ix, m, sizeof(*ix), by_name);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && !oom) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		size_t lo = 0, hi = m;

		if (!name)
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcmp(ix[mid].name, name);

			if (c == 0) {
				struct sq_obj *o = &r->o[ix[mid].i];

				free(o->list_type);
				o->list_type = col_dup(st, 1, &oom);
				o->strict = sqlite3_column_int(st, 2);
				o->wr = sqlite3_column_int(st, 3);
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	free(ix);
	sqlite3_finalize(st);
	if (oom)
		return STRATA_ENOMEM;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_err(r, rc, "pragma table_list");
	return 0;
}

static int is_virtual(const struct sq_obj *o)
{
	if (o->list_type)
		return strcmp(o->list_type, "virtual") == 0;
	return o->sql && strncasecmp(o->sql, "CREATE VIRTUAL TABLE", 20) == 0;
}

/* Is `name` a shadow table of a virtual table (by name alone, when pragma table_list is not there)? */
static int shadow_by_name(const struct sq_read *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++) {
		size_t len;

		if (r->o[i].skip || strcmp(r->o[i].type, "table") != 0 || !is_virtual(&r->o[i]))
			continue;
		len = strlen(r->o[i].name);
		if (strncasecmp(name, r->o[i].name, len) == 0 && name[len] == '_')
			return 1;
	}
	return 0;
}

static int excluded_table(const struct strata_schema_read_opts *opts, const char *name)
{
	if (strncasecmp(name, "sqlite_", 7) == 0)
		return 1;
	for (size_t i = 0; i < opts->nexclude; i++) {
		const char *sch = opts->exclude_schema ? opts->exclude_schema[i] : NULL;

		if (sch && strcasecmp(sch, "main") != 0)
			continue;
		if (opts->exclude_table[i] && strcasecmp(opts->exclude_table[i], name) == 0)
			return 1;
	}
	return 0;
}

static int by_name_nocase(const void *x, const void *y)
{
	return strcasecmp(((const struct name_ix *)x)->name, ((const struct name_ix *)y)->name);
}

/* Index the tables and views by name without case, for find_any (names are unique so, as SQLite keeps them). */
static int index_relations(struct sq_read *r)
{
	r->rel = malloc((r->n ? r->n : 1) * sizeof(*r->rel));
	if (!r->rel)
		return STRATA_ENOMEM;
	for (size_t i = 0; i < r->n; i++)
		if (r->o[i].type && r->o[i].name && (strcmp(r->o[i].type, "table") == 0 || strcmp(r->o[i].type, "view") == 0))
			r->rel[r->nrel++] = (struct name_ix){r->o[i].name, i};
	qsort(r->rel, r->nrel, sizeof(*r->rel), by_name_nocase);
	return 0;
}

/* The table or view of sqlite_master named `name` (len bytes, without case, as SQLite names are), left out or not. */
static struct sq_obj *find_any(struct sq_read *r, const char *name, size_t len)
{
	size_t lo = 0, hi = r->nrel;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *m = r->rel[mid].name;
		int c = strncasecmp(name, m, len);

		if (c == 0 && m[len] != '\0')
			c = -1; /* name is a prefix of m: it sorts first */
		if (c == 0)
			return &r->o[r->rel[mid].i];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* The same, NULL when it is left out of the model. */
static struct sq_obj *find_relation(struct sq_read *r, const char *name, size_t len)
{
	struct sq_obj *o = find_any(r, name, len);

	return o && !o->skip ? o : NULL;
}

/* Mark what the model leaves out: SQLite's and strata's tables and what hangs on them, shadow tables, autoindexes. */
static void mark_skipped(struct sq_read *r, const struct strata_schema_read_opts *opts, int have_list)
{
	for (size_t i = 0; i < r->n; i++) {
		struct sq_obj *o = &r->o[i];

		if (o->skip)
			continue;
		if (strcmp(o->type, "table") == 0) {
			if (excluded_table(opts, o->name))
				o->skip = 1;
			else if (o->list_type && strcmp(o->list_type, "shadow") == 0)
				o->skip = 1;
		} else if (strcmp(o->type, "index") == 0 || strcmp(o->type, "trigger") == 0) {
			if (!o->sql || excluded_table(opts, o->tbl))
				o->skip = 1;
		}
	}
	if (!have_list)
		for (size_t i = 0; i < r->n; i++) {
			struct sq_obj *o = &r->o[i];

			if (!o->skip && strcmp(o->type, "table") == 0 && !is_virtual(o) && shadow_by_name(r, o->name))
				o->skip = 1;
		}
	/* indexes and triggers of a left-out table go with it */
	for (size_t i = 0; i < r->n; i++) {
		struct sq_obj *o = &r->o[i], *t;

		if (!o->skip && (strcmp(o->type, "index") == 0 || strcmp(o->type, "trigger") == 0)) {
			t = find_any(r, o->tbl, strlen(o->tbl));
			if (t && t->skip)
				o->skip = 1;
		}
	}
}

/*
 * The text a dump writes for a stored statement: it and ";\n". A statement
 * whose stored text ends in a -- comment (a view's SELECT keeps what came
 * before its semicolon) gets the semicolon on a line of its own, where the
 * comment cannot swallow it; SQLite stores the same text again from that.
 */
static char *dump_text(const char *sql)
{
	struct strata_lexer lx;
	struct strata_token t;
	struct strata_buf b;
	int line_comment = 0, rc;

	strata_lexer_init(&lx, sql, strlen(sql), STRATA_DIALECT_SQLITE);
	while ((rc = strata_lexer_next(&lx, &t)) == 1)
		if (t.kind != STRATA_TOK_SPACE)
			line_comment = t.kind == STRATA_TOK_COMMENT && !(t.flags & STRATA_TOKF_BLOCK);
	strata_buf_init(&b);
	strata_buf_adds(&b, sql);
	strata_buf_adds(&b, line_comment ? "\n;\n" : ";\n");
	return strata_buf_detach(&b, NULL);
}

/* Add an object with its stored text as sql and "definition". */
static int add_stored(struct strata_schema *s, enum strata_obj_kind kind, const char *parent, const struct sq_obj *so,
		      struct strata_schema_obj **out)
{
	char *text = dump_text(so->sql);
	int rc;

	if (!text)
		return STRATA_ENOMEM;
	rc = strata_schema_add(s, kind, NULL, parent, so->name, text, out);
	free(text);
	if (rc == 0)
		rc = strata_schema_obj_attr(*out, STRATA_ATTR_DEFINITION, so->sql);
	return rc;
}

/* The module a CREATE VIRTUAL TABLE uses: the word after USING (lower case), NULL when none is found. */
static char *vtab_module(const char *sql)
{
	struct strata_lexer lx;
	struct strata_token t;
	int after_using = 0;

	strata_lexer_init(&lx, sql, strlen(sql), STRATA_DIALECT_SQLITE);
	lx.skip_trivia = 1;
	while (strata_lexer_next(&lx, &t) == 1) {
		if (after_using && (t.kind == STRATA_TOK_WORD || t.kind == STRATA_TOK_QIDENT)) {
			char *m = t.kind == STRATA_TOK_QIDENT && t.len >= 2 ? strata_strndup(sql + t.off + 1, t.len - 2)
									   : strata_strndup(sql + t.off, t.len);

			for (char *p = m; p && *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
			return m;
		}
		after_using = t.kind == STRATA_TOK_WORD && t.len == 5 && strncasecmp(sql + t.off, "USING", 5) == 0;
	}
	return NULL;
}

/*
 * A CREATE TABLE's text cut at its top-level commas: the column
 * definitions (each from after the comma or parenthesis before it to the
 * next, white space and comments included), and the rest, the table's own
 * part: what comes before the list and after it, and the table constraints.
 * Every byte of the text is in exactly one piece, so two texts are equal
 * exactly when their pieces are, column by column in the same order; a
 * column's change is then its column's, and a list that is only in another
 * order differs only in positions.
 */
struct sq_split {
	size_t *off, *len; /* the column definitions, in order */
	size_t ncols;
	char *rest;        /* the text with "…" in place of the column definitions */
};

static void split_release(struct sq_split *sp)
{
	free(sp->off);
	free(sp->len);
	free(sp->rest);
	memset(sp, 0, sizeof(*sp));
}

/* Does the element at [p, p+len) open with a table constraint's keyword? */
static int starts_constraint(const char *sql, const struct strata_token *t)
{
	static const char *const kw[] = {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", NULL};

	if (t->kind != STRATA_TOK_WORD)
		return 0;
	for (size_t i = 0; kw[i]; i++)
		if (strlen(kw[i]) == t->len && strncasecmp(sql + t->off, kw[i], t->len) == 0)
			return 1;
	return 0;
}

/* The identifier token t dequoted ("a""b", `a`, [a], 'a') into a new string. */
static char *dequote(const char *sql, const struct strata_token *t)
{
	const char *p = sql + t->off;
	char q = p[0], close = q == '[' ? ']' : q;
	struct strata_buf b;

	strata_buf_init(&b);
	if (t->kind == STRATA_TOK_WORD || t->len < 2 || (q != '"' && q != '`' && q != '[' && q != '\'')) {
		strata_buf_add(&b, p, t->len);
	} else {
		for (size_t i = 1; i + 1 < t->len; i++) {
			strata_buf_addc(&b, p[i]);
			if (p[i] == close && close != ']' && i + 2 < t->len && p[i + 1] == close)
				i++;
		}
	}
	return strata_buf_detach(&b, NULL);
}

/*
 * Cut `sql` into *sp, checking that its column definitions are the table's
 * columns `cols` (ncols, in order). 0 when it is cut; 1 when the text is not
 * one this cut understands (then *sp is empty and the table keeps its whole
 * text); STRATA_ENOMEM.
 */
static int split_table(const char *sql, const struct sq_col *cols, size_t ncols, struct sq_split *sp)
{
	struct strata_lexer lx;
	struct strata_token t;
	struct strata_buf rest;
	size_t start = 0, open = 0, close = 0, k = 0, first_con = 0;
	int depth = 0, in_cons = 0, want_first = 0, rc = 1, n;

	memset(sp, 0, sizeof(*sp));
	sp->off = calloc(ncols ? ncols : 1, sizeof(*sp->off));
	sp->len = calloc(ncols ? ncols : 1, sizeof(*sp->len));
	if (!sp->off || !sp->len) {
		split_release(sp);
		return STRATA_ENOMEM;
	}
	strata_lexer_init(&lx, sql, strlen(sql), STRATA_DIALECT_SQLITE);
	while ((n = strata_lexer_next(&lx, &t)) == 1) {
		int is_open = t.kind == STRATA_TOK_OP && sql[t.off] == '(';
		int is_close = t.kind == STRATA_TOK_OP && sql[t.off] == ')';
		int is_comma = t.kind == STRATA_TOK_OP && sql[t.off] == ',';

		if (want_first && t.kind != STRATA_TOK_SPACE && t.kind != STRATA_TOK_COMMENT) {
			/* the first token of an element: a table constraint, or the name of column k */
			want_first = 0;
			if (in_cons || starts_constraint(sql, &t)) {
				if (!in_cons)
					first_con = start;
				in_cons = 1;
			} else {
				char *name;

				if (k >= ncols || (t.kind != STRATA_TOK_WORD && t.kind != STRATA_TOK_QIDENT &&
						   t.kind != STRATA_TOK_STRING))
					goto out;
				if (!(name = dequote(sql, &t))) {
					rc = STRATA_ENOMEM;
					goto out;
				}
				n = strcasecmp(name, cols[k].name) != 0;
				free(name);
				if (n)
					goto out;
				sp->off[k] = start;
			}
		}
		if (depth == 0) {
			if (is_open) {
				depth = 1;
				open = t.off;
				start = t.off + 1;
				want_first = 1;
			}
			continue;
		}
		if (depth == 1 && (is_comma || is_close)) {
			if (want_first)
				goto out; /* an empty element */
			if (!in_cons) {
				sp->len[k] = t.off - sp->off[k];
				k++;
			}
			if (is_close) {
				close = t.off;
				break;
			}
			start = t.off + 1;
			want_first = 1;
			continue;
		}
		depth += is_open - is_close;
	}
	if (n != 1 || k != ncols || !close)
		goto out;
	/* the rest: before the list, "…", then the constraints (from the comma after the last column) and after */
	strata_buf_init(&rest);
	strata_buf_add(&rest, sql, open + 1);
	strata_buf_adds(&rest, "\u2026");
	if (in_cons)
		strata_buf_add(&rest, sql + first_con - 1, close - (first_con - 1));
	strata_buf_adds(&rest, sql + close);
	sp->ncols = ncols;
	if (!(sp->rest = strata_buf_detach(&rest, NULL))) {
		rc = STRATA_ENOMEM;
		goto out;
	}
	return 0;
out:
	split_release(sp);
	return rc;
}

static void cols_free(struct sq_col *cols, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(cols[i].name);
		free(cols[i].type);
		free(cols[i].dflt);
	}
	free(cols);
}

/* A statement of r's, prepared on first use, reset for this use and `table` bound to ?1. */
static int stmt_for(struct sq_read *r, sqlite3_stmt **st, const char *sql, const char *table, const char *what)
{
	int rc;

	if (!*st && (rc = sqlite3_prepare_v2(r->db, sql, -1, st, NULL)) != SQLITE_OK)
		return db_err(r, rc, what);
	sqlite3_reset(*st);
	sqlite3_bind_text(*st, 1, table, -1, SQLITE_TRANSIENT);
	return 0;
}

/* The table's columns, in order (pragma table_xinfo). */
static int read_columns(struct sq_read *r, const char *table, struct sq_col **out, size_t *n)
{
	struct sq_col *cols = NULL;
	size_t cap = 0;
	int rc, oom = 0;

	*out = NULL;
	*n = 0;
	rc = stmt_for(r, &r->xinfo,
		      "SELECT cid, name, type, \"notnull\", dflt_value, pk, hidden "
		      "FROM pragma_table_xinfo(?1, 'main') ORDER BY cid",
		      table, "columns");
	if (rc)
		return rc;
	while ((rc = sqlite3_step(r->xinfo)) == SQLITE_ROW) {
		struct sq_col *c;

		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct sq_col *p = realloc(cols, ncap * sizeof(*p));

			if (!p) {
				oom = 1;
				break;
			}
			cols = p;
			cap = ncap;
		}
		c = &cols[(*n)++];
		memset(c, 0, sizeof(*c));
		c->cid = sqlite3_column_int(r->xinfo, 0);
		c->name = col_dup(r->xinfo, 1, &oom);
		c->type = col_dup(r->xinfo, 2, &oom);
		c->notnull = sqlite3_column_int(r->xinfo, 3);
		c->dflt = col_dup(r->xinfo, 4, &oom);
		c->pk = sqlite3_column_int(r->xinfo, 5);
		c->hidden = sqlite3_column_int(r->xinfo, 6);
		if (!c->name)
			oom = 1;
		if (oom)
			break;
	}
	if (!oom && rc != SQLITE_DONE)
		rc = db_err(r, rc, "columns");
	else
		rc = oom ? STRATA_ENOMEM : 0;
	sqlite3_reset(r->xinfo);
	if (rc) {
		cols_free(cols, *n);
		*n = 0;
		return rc;
	}
	*out = cols;
	return 0;
}

/* The table's columns; sp (may be NULL): their definitions' text, by position. */
static int add_columns(struct sq_read *r, struct strata_schema *s, const struct sq_obj *so, const struct sq_col *cols,
		       size_t ncols, const struct sq_split *sp)
{
	for (size_t i = 0; i < ncols; i++) {
		const struct sq_col *c = &cols[i];
		struct strata_schema_obj *col;
		const char *coll = NULL, *ctype = NULL;
		int nn = 0, cpk = 0, autoinc = 0, e;
		char num[24];

		e = strata_schema_add(s, STRATA_OBJ_COLUMN, NULL, so->name, c->name, NULL, &col);
		if (e)
			return e;
		col->position = c->cid + 1;
		e = strata_schema_obj_attr(col, STRATA_ATTR_TYPE, c->type && *c->type ? c->type : NULL);
		if (!e && sp && i < sp->ncols) {
			char *def = strata_strndup(so->sql + sp->off[i], sp->len[i]);

			e = def ? strata_schema_obj_attr(col, STRATA_ATTR_DEFINITION, def) : STRATA_ENOMEM;
			free(def);
		}
		if (!e)
			e = strata_schema_obj_attr(col, STRATA_ATTR_NOT_NULL, c->notnull ? "true" : NULL);
		if (!e)
			e = strata_schema_obj_attr(col, STRATA_ATTR_DEFAULT, c->dflt);
		snprintf(num, sizeof(num), "%d", c->pk);
		if (!e)
			e = strata_schema_obj_attr(col, "primary key", c->pk ? num : NULL);
		if (!e)
			e = strata_schema_obj_attr(col, "generated",
						   c->hidden == 3 ? "stored" : c->hidden == 2 ? "virtual" : NULL);
		if (!e)
			e = strata_schema_obj_attr(col, "hidden", c->hidden == 1 ? "true" : NULL);
		/* the collation is known to SQLite's parser alone: ask it */
		if (!e && sqlite3_table_column_metadata(r->db, "main", so->name, c->name, &ctype, &coll, &nn, &cpk,
							&autoinc) == SQLITE_OK) {
			e = strata_schema_obj_attr(col, "collation", coll);
			if (!e)
				e = strata_schema_obj_attr(col, "autoincrement", autoinc ? "true" : NULL);
		}
		if (e)
			return e;
	}
	return 0;
}

static void add_col_list(struct strata_buf *b, char **cols, size_t n)
{
	strata_buf_adds(b, "(");
	for (size_t i = 0; i < n; i++) {
		if (i)
			strata_buf_adds(b, ", ");
		strata_buf_adds(b, cols[i] ? cols[i] : "?");
	}
	strata_buf_adds(b, ")");
}

/* One foreign key: its identity, as people read it, and its attributes. */
struct sq_fk {
	int id;
	char *table;
	char **from, **to;
	size_t ncols;
	int to_given; /* the REFERENCES names its columns */
	char *on_update, *on_delete, *match;
};

static void fk_release(struct sq_fk *f)
{
	for (size_t i = 0; i < f->ncols; i++) {
		free(f->from[i]);
		free(f->to[i]);
	}
	free(f->from);
	free(f->to);
	free(f->table);
	free(f->on_update);
	free(f->on_delete);
	free(f->match);
	memset(f, 0, sizeof(*f));
}

/* Is there a constraint `name` of `table` in s yet (s is not sorted while it is built)? */
static int constraint_exists(const struct strata_schema *s, const char *table, const char *name)
{
	for (size_t i = s->n; i-- > 0;) {
		const struct strata_schema_obj *o = &s->objs[i];

		if (o->kind == STRATA_OBJ_CONSTRAINT && o->parent && strcmp(o->parent, table) == 0 &&
		    strcmp(o->name, name) == 0)
			return 1;
	}
	return 0;
}

static int fk_emit(struct strata_schema *s, const char *table, struct sq_fk *f)
{
	struct strata_schema_obj *c;
	struct strata_buf b;
	char *name;
	int rc;

	strata_buf_init(&b);
	strata_buf_adds(&b, "FOREIGN KEY ");
	add_col_list(&b, f->from, f->ncols);
	strata_buf_addf(&b, " REFERENCES %s", f->table ? f->table : "?");
	if (f->to_given) {
		strata_buf_adds(&b, " ");
		add_col_list(&b, f->to, f->ncols);
	}
	/* two identical foreign keys of one table stay two objects: "... #2" */
	if (!b.broken && constraint_exists(s, table, b.buf)) {
		size_t base = b.len;

		for (int k = 2; !b.broken; k++) {
			b.len = base;
			b.buf[base] = '\0';
			strata_buf_addf(&b, " #%d", k);
			if (!b.broken && !constraint_exists(s, table, b.buf))
				break;
		}
	}
	name = strata_buf_detach(&b, NULL);
	if (!name)
		return STRATA_ENOMEM;
	rc = strata_schema_add(s, STRATA_OBJ_CONSTRAINT, NULL, table, name, NULL, &c);
	free(name);
	if (!rc)
		rc = strata_schema_obj_attr(c, STRATA_ATTR_CONTYPE, STRATA_CONTYPE_FOREIGN);
	if (!rc)
		rc = strata_schema_obj_attr(c, "references", f->table);
	if (!rc)
		rc = strata_schema_obj_attr(c, "on update", f->on_update);
	if (!rc)
		rc = strata_schema_obj_attr(c, "on delete", f->on_delete);
	if (!rc)
		rc = strata_schema_obj_attr(c, "match", f->match);
	if (!rc)
		rc = strata_schema_obj_dep(c, STRATA_OBJ_TABLE, NULL, NULL, table);
	return rc;
}

static int add_fks(struct sq_read *r, struct strata_schema *s, const struct sq_obj *so)
{
	sqlite3_stmt *st;
	struct sq_fk f;
	int rc, e = 0, oom = 0;

	memset(&f, 0, sizeof(f));
	f.id = -1;
	rc = stmt_for(r, &r->fks,
		      "SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete, \"match\" "
		      "FROM pragma_foreign_key_list(?1, 'main') ORDER BY id, seq",
		      so->name, "foreign keys");
	if (rc)
		return rc;
	st = r->fks;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int id = sqlite3_column_int(st, 0);
		char **nf, **nt;

		if (id != f.id) {
			if (f.id >= 0 && (e = fk_emit(s, so->name, &f)))
				break;
			fk_release(&f);
			f.id = id;
			f.table = col_dup(st, 2, &oom);
			f.on_update = col_dup(st, 5, &oom);
			f.on_delete = col_dup(st, 6, &oom);
			f.match = col_dup(st, 7, &oom);
		}
		nf = realloc(f.from, (f.ncols + 1) * sizeof(*nf));
		if (nf)
			f.from = nf;
		nt = realloc(f.to, (f.ncols + 1) * sizeof(*nt));
		if (nt)
			f.to = nt;
		if (!nf || !nt) {
			oom = 1;
			break;
		}
		f.from[f.ncols] = col_dup(st, 3, &oom);
		f.to[f.ncols] = col_dup(st, 4, &oom);
		if (f.to[f.ncols])
			f.to_given = 1;
		f.ncols++;
		if (oom)
			break;
	}
	if (!e && !oom && rc == SQLITE_DONE && f.id >= 0)
		e = fk_emit(s, so->name, &f);
	fk_release(&f);
	if (!e && !oom && rc != SQLITE_DONE && rc != SQLITE_ROW)
		e = db_err(r, rc, "foreign keys");
	sqlite3_reset(st);
	return oom ? STRATA_ENOMEM : e;
}

static int add_table(struct sq_read *r, struct strata_schema *s, const struct sq_obj *so)
{
	struct strata_schema_obj *t;
	struct sq_split sp = {0};
	struct sq_col *cols = NULL;
	size_t ncols = 0;
	int rc = add_stored(s, STRATA_OBJ_TABLE, NULL, so, &t), cut = 1;

	if (rc)
		return rc;
	if (is_virtual(so)) {
		/* its columns are its module's: the definition says all there is */
		char *m = vtab_module(so->sql);

		rc = strata_schema_obj_attr(t, "virtual", m ? m : "true");
		free(m);
		return rc;
	}
	rc = strata_schema_obj_attr(t, "strict", so->strict ? "true" : NULL);
	if (!rc)
		rc = strata_schema_obj_attr(t, "without rowid", so->wr ? "true" : NULL);
	if (!rc)
		rc = read_columns(r, so->name, &cols, &ncols);
	if (!rc) {
		/* the text in pieces: the table's definition is then its own part, each column's is the column's */
		cut = split_table(so->sql, cols, ncols, &sp);
		if (cut == 0)
			rc = strata_schema_obj_attr(t, STRATA_ATTR_DEFINITION, sp.rest);
		else if (cut < 0)
			rc = cut;
	}
	if (!rc)
		rc = add_columns(r, s, so, cols, ncols, cut == 0 ? &sp : NULL);
	if (!rc)
		rc = add_fks(r, s, so);
	cols_free(cols, ncols);
	split_release(&sp);
	return rc;
}

/* Does view `from` reach view `to` through the references found so far? */
static int reaches(const struct sq_read *r, size_t from, size_t to, unsigned char *seen)
{
	if (from == to)
		return 1;
	if (seen[from])
		return 0;
	seen[from] = 1;
	for (size_t i = 0; i < r->o[from].nrefs; i++)
		if (reaches(r, r->o[from].refs[i], to, seen))
			return 1;
	return 0;
}

/* The view object named `name` in s (not sorted yet). */
static struct strata_schema_obj *view_obj(struct strata_schema *s, const char *name)
{
	for (size_t i = s->n; i-- > 0;)
		if (s->objs[i].kind == STRATA_OBJ_VIEW && strcmp(s->objs[i].name, name) == 0)
			return &s->objs[i];
	return NULL;
}

/*
 * The tables and views view `vi`'s SQL names, as its dependencies. Pass 0
 * adds the tables and the views created before it (which can close no
 * cycle), pass 1 the views created after it that do not reach it.
 */
static int view_deps(struct sq_read *r, struct strata_schema *s, size_t vi, int pass, unsigned char *seen)
{
	const char *sql = r->o[vi].sql;
	struct strata_lexer lx;
	struct strata_token t;
	int rc = 0;

	strata_lexer_init(&lx, sql, strlen(sql), STRATA_DIALECT_SQLITE);
	lx.skip_trivia = 1;
	while (rc == 0 && strata_lexer_next(&lx, &t) == 1) {
		struct strata_schema_obj *v;
		const char *p = sql + t.off;
		size_t len = t.len, oi;
		struct sq_obj *o;
		int is_view;

		if (t.kind == STRATA_TOK_QIDENT && len >= 2) {
			p++;
			len -= 2;
		} else if (t.kind != STRATA_TOK_WORD) {
			continue;
		}
		o = find_relation(r, p, len);
		if (!o || o == &r->o[vi])
			continue;
		oi = (size_t)(o - r->o);
		is_view = strcmp(o->type, "view") == 0;
		if (pass != (is_view && oi > vi))
			continue;
		if (is_view) {
			size_t *nr;

			memset(seen, 0, r->n);
			if (reaches(r, oi, vi, seen))
				continue; /* a name that is not that view's here (a column): the view made first stays first */
			nr = realloc(r->o[vi].refs, (r->o[vi].nrefs + 1) * sizeof(*nr));
			if (!nr)
				return STRATA_ENOMEM;
			r->o[vi].refs = nr;
			nr[r->o[vi].nrefs++] = oi;
		}
		v = view_obj(s, r->o[vi].name);
		if (v)
			rc = strata_schema_obj_dep(v, is_view ? STRATA_OBJ_VIEW : STRATA_OBJ_TABLE, NULL, NULL, o->name);
	}
	return rc;
}

int strata_sqlite_schema_read(struct strata_conn *c, const struct strata_schema_read_opts *opts,
			      struct strata_schema *s, struct strata_err *err)
{
	return strata_sqlite_schema_read_handle(strata_sqlite_handle(c), opts, s, err);
}

int strata_sqlite_schema_read_handle(sqlite3 *db, const struct strata_schema_read_opts *opts, struct strata_schema *s,
				     struct strata_err *err)
{
	struct sq_read r = {.db = db, .err = err};
	int rc, have_list, own_tx = 0;

	/* one read transaction: one snapshot, and one lock for every statement rather than one each */
	if (sqlite3_get_autocommit(r.db)) {
		rc = sqlite3_exec(r.db, "BEGIN", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return db_err(&r, rc, "begin");
		own_tx = 1;
	}
	rc = read_master(&r);
	if (!rc)
		rc = read_table_list(&r, &have_list);
	if (rc)
		goto out;
	rc = index_relations(&r);
	if (rc)
		goto out;
	mark_skipped(&r, opts, have_list);
	for (size_t i = 0; i < r.n && !rc; i++) {
		struct sq_obj *so = &r.o[i];
		struct strata_schema_obj *o;

		if (so->skip) /* left out, or an unknown kind counted already */
			continue;
		if (!so->sql) {
			/* only automatic indexes have no text; anything else cannot be written back */
			rc = strata_schema_unhandled(s, so->type, 1);
		} else if (strcmp(so->type, "table") == 0) {
			rc = add_table(&r, s, so);
		} else if (strcmp(so->type, "index") == 0) {
			struct sq_obj *t = find_relation(&r, so->tbl, strlen(so->tbl));

			rc = add_stored(s, STRATA_OBJ_INDEX, t ? t->name : so->tbl, so, &o);
			if (!rc)
				rc = strata_schema_obj_dep(o, STRATA_OBJ_TABLE, NULL, NULL, t ? t->name : so->tbl);
		} else if (strcmp(so->type, "view") == 0) {
			rc = add_stored(s, STRATA_OBJ_VIEW, NULL, so, &o);
		} else if (strcmp(so->type, "trigger") == 0) {
			struct sq_obj *t = find_relation(&r, so->tbl, strlen(so->tbl));
			const char *tname = t ? t->name : so->tbl;

			rc = add_stored(s, STRATA_OBJ_TRIGGER, tname, so, &o);
			if (!rc)
				rc = strata_schema_obj_dep(o, t && strcmp(t->type, "view") == 0 ? STRATA_OBJ_VIEW
											 : STRATA_OBJ_TABLE,
							   NULL, NULL, tname);
		} else {
			/* a kind of sqlite_master row this model has no place for: counted, never dropped */
			size_t count = 0;

			for (size_t j = i; j < r.n; j++)
				if (!r.o[j].skip && strcmp(r.o[j].type, so->type) == 0) {
					r.o[j].skip = 2;
					count++;
				}
			rc = strata_schema_unhandled(s, so->type, count);
		}
	}
	if (!rc) {
		unsigned char *seen = malloc(r.n ? r.n : 1);

		if (!seen)
			rc = STRATA_ENOMEM;
		for (int pass = 0; pass < 2 && !rc; pass++)
			for (size_t i = 0; i < r.n && !rc; i++)
				if (!r.o[i].skip && r.o[i].sql && strcmp(r.o[i].type, "view") == 0)
					rc = view_deps(&r, s, i, pass, seen);
		free(seen);
	}
out:
	sqlite3_finalize(r.xinfo);
	sqlite3_finalize(r.fks);
	if (own_tx)
		sqlite3_exec(r.db, "COMMIT", NULL, NULL, NULL); /* it only read: nothing to keep or lose */
	if (rc == STRATA_ENOMEM && err && !err->code)
		strata_err_set(err, STRATA_ENOMEM, "out of memory");
	objs_free(&r);
	return rc;
}
