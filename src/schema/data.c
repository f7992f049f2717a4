/*
 * schema/data.c - test --data: a few synthetic, FK-consistent rows in every
 * table of a scratch database, snapshots of every table's rows, and the
 * rows and values an up then its down lost (data.h).
 *
 * The values of row k depend on the column's type and k only, so that a
 * child's foreign key column gets the values its parent's key got (ids 1, 2,
 * 3; texts 'v1', 'v2', 'v3'...) and UNIQUE columns get distinct ones. Every
 * value is written as a quoted literal, which both engines coerce to the
 * column's type on INSERT. Tables are filled in passes: one whose insert
 * fails (a parent not filled yet) is tried again after the others.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "model.h"
#include "../buf.h"
#include "../db.h"
#include "../util.h"

#define DATA_ROWS 3
#define DATA_SETS 4 /* 0, 1: all columns with value sets 0, 1; 2, 3: the same, nullable columns NULL */

static int has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

void strata_data_value(const char *type, const char *enum_label, int row, int set, char *out, size_t n)
{
	char t[128];
	size_t i;
	int k = row + 1 + (set ? 100 : 0);

	if (enum_label) {
		snprintf(out, n, "%s", enum_label);
		return;
	}
	for (i = 0; type && type[i] && i + 1 < sizeof(t); i++)
		t[i] = (char)tolower((unsigned char)type[i]);
	t[i] = '\0';
	if (has(t, "[]"))
		snprintf(out, n, "{}");
	else if (has(t, "bool"))
		snprintf(out, n, "%s", row % 2 ? "false" : "true");
	else if (has(t, "uuid"))
		snprintf(out, n, "00000000-0000-0000-0000-%012d", k);
	else if (has(t, "json"))
		snprintf(out, n, "{\"k\": %d}", k);
	else if (has(t, "timestamp") || has(t, "datetime"))
		snprintf(out, n, "20%02d-01-01 00:00:00", 20 + k % 80);
	else if (has(t, "date"))
		snprintf(out, n, "20%02d-01-01", 20 + k % 80);
	else if (has(t, "interval"))
		snprintf(out, n, "%d days", k);
	else if (has(t, "time"))
		snprintf(out, n, "00:00:%02d", k % 60);
	else if (has(t, "inet") || has(t, "cidr"))
		snprintf(out, n, "10.0.%d.%d", k / 250, k % 250 + 1);
	else if (has(t, "int") || has(t, "serial") || has(t, "numeric") || has(t, "decimal") || has(t, "real") ||
		 has(t, "double") || has(t, "float") || has(t, "money") || has(t, "oid"))
		snprintf(out, n, "%d", k);
	else if (set)
		snprintf(out, n, "%d", k); /* text: digits for a CHECK that refused letters */
	else
		snprintf(out, n, "v%d", k);
}

char *strata_data_enum_label(const char *definition)
{
	const char *p = definition ? strstr(definition, "ENUM (") : NULL;
	struct strata_buf b;

	if (!p || !(p = strchr(p, '\'')))
		return NULL;
	strata_buf_init(&b);
	for (p++; *p; p++) {
		if (*p == '\'') {
			if (p[1] != '\'')
				break;
			p++;
		}
		strata_buf_addc(&b, *p);
	}
	if (!*p) {
		strata_buf_release(&b);
		return NULL;
	}
	return strata_buf_detach(&b, NULL);
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The columns of table t in s: indices into s->objs, by position. */
static size_t columns_of(const struct strata_schema *s, const struct strata_schema_obj *t, size_t *idx, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < s->n && n < cap; i++) {
		const struct strata_schema_obj *c = &s->objs[i];

		if (c->kind == STRATA_OBJ_COLUMN && c->parent && strcmp(c->parent, t->name) == 0 &&
		    same(c->schema, t->schema))
			idx[n++] = i;
	}
	/* by position (insertion sort: tables are small) */
	for (i = 1; i < n; i++) {
		size_t j = i, v = idx[i];

		while (j > 0 && s->objs[idx[j - 1]].position > s->objs[v].position) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
	return n;
}

static int filled_by_default(const struct strata_schema_obj *c)
{
	return strata_schema_attr_get(c, STRATA_ATTR_DEFAULT) || strata_schema_attr_get(c, "identity") ||
	       strata_schema_attr_get(c, "generated") || strata_schema_attr_get(c, "hidden");
}

/* The type of column c, seen through a domain to its base type, and an enum's first label (malloc'ed). */
static const char *column_type(const struct strata_schema *s, const struct strata_schema_obj *c, char **label)
{
	const char *type = strata_schema_attr_get(c, STRATA_ATTR_TYPE);
	const char *bare;
	size_t i;

	*label = NULL;
	if (!type)
		return "";
	bare = strrchr(type, '.');
	bare = bare ? bare + 1 : type;
	for (i = 0; i < s->n; i++) {
		const struct strata_schema_obj *o = &s->objs[i];
		const char *kind, *def, *as;

		if (o->kind != STRATA_OBJ_TYPE || !o->name)
			continue;
		if (strcmp(o->name, bare) != 0 && !(bare[0] == '"' && strncmp(o->name, bare + 1, strlen(o->name)) == 0))
			continue;
		kind = strata_schema_attr_get(o, "kind");
		def = strata_schema_attr_get(o, STRATA_ATTR_DEFINITION);
		if (kind && strcmp(kind, "enum") == 0) {
			*label = strata_data_enum_label(def);
		} else if (kind && strcmp(kind, "domain") == 0 && def && (as = strstr(def, " AS ")) != NULL) {
			return as + 4;
		}
		break;
	}
	return type;
}

/* The INSERT of DATA_ROWS rows into t with value set `set`; 0 when it has no column to give (then: DEFAULT VALUES). */
static void build_insert(struct strata_db *db, const struct strata_schema *s, const struct strata_schema_obj *t,
			 const size_t *cols, size_t ncols, int set, struct strata_buf *b)
{
	const struct strata_dialect_ops *q = db->drv->sql;
	size_t j, given = 0;
	int row;

	strata_buf_adds(b, "INSERT INTO ");
	strata_db_quote_table(db, b, t->schema, t->name);
	for (j = 0; j < ncols; j++) {
		const struct strata_schema_obj *c = &s->objs[cols[j]];

		if (filled_by_default(c))
			continue;
		strata_buf_adds(b, given++ ? ", " : " (");
		q->quote_ident(b, c->name);
	}
	if (!given) {
		strata_buf_adds(b, " DEFAULT VALUES");
		return;
	}
	strata_buf_adds(b, ") VALUES ");
	for (row = 0; row < DATA_ROWS; row++) {
		size_t k = 0;

		strata_buf_adds(b, row ? ", (" : "(");
		for (j = 0; j < ncols; j++) {
			const struct strata_schema_obj *c = &s->objs[cols[j]];
			char v[160], *label = NULL;
			const char *type;

			if (filled_by_default(c))
				continue;
			if (k++)
				strata_buf_adds(b, ", ");
			if (set >= 2 && !strata_schema_attr_get(c, STRATA_ATTR_NOT_NULL)) {
				strata_buf_adds(b, "NULL");
				continue;
			}
			type = column_type(s, c, &label);
			strata_data_value(type, label, row, set % 2, v, sizeof(v));
			free(label);
			q->quote_literal(b, v, strlen(v));
		}
		strata_buf_adds(b, ")");
	}
}

/* The number of rows of t, -1 when it cannot be read. */
static long count_rows(struct strata_db *db, const struct strata_schema_obj *t)
{
	struct strata_buf b;
	struct strata_rows *r = NULL;
	struct strata_err e;
	long n = -1;

	strata_err_clear(&e);
	strata_buf_init(&b);
	strata_buf_adds(&b, "SELECT count(*) FROM ");
	strata_db_quote_table(db, &b, t->schema, t->name);
	if (!b.broken && db->drv->query(db->conn, b.buf, 0, NULL, &r, &e) == 0) {
		if (r->nrows == 1 && r->ncols >= 1 && strata_rows_get(r, 0, 0))
			n = atol(strata_rows_get(r, 0, 0));
	}
	strata_rows_free(r);
	strata_err_release(&e);
	strata_buf_release(&b);
	return n;
}

#define DATA_MAX_COLS 1024

/* The bare name of the table a foreign key constraint references (into out), 0 when none is found. */
static int referenced(const struct strata_schema_obj *k, char *out, size_t n)
{
	const char *ref = strata_schema_attr_get(k, "references"), *def, *dot;
	size_t len = 0;

	if (!ref && (def = strata_schema_attr_get(k, STRATA_ATTR_DEFINITION)) != NULL &&
	    (ref = strstr(def, "REFERENCES ")) != NULL)
		ref += strlen("REFERENCES ");
	if (!ref)
		return 0;
	while (ref[len] && ref[len] != '(' && ref[len] != ' ')
		len++;
	if (len >= n)
		return 0;
	memcpy(out, ref, len);
	out[len] = '\0';
	if ((dot = strrchr(out, '.')) != NULL)
		memmove(out, dot + 1, strlen(dot + 1) + 1);
	if (out[0] == '"' && (len = strlen(out)) > 1 && out[len - 1] == '"') {
		memmove(out, out + 1, len - 2);
		out[len - 2] = '\0';
	}
	return out[0] != '\0';
}

/* Does table i reference another table still to fill (its parents come first)? */
static int parent_pending(const struct strata_schema *s, size_t i, const unsigned char *todo)
{
	const struct strata_schema_obj *t = &s->objs[i];
	size_t j, k;
	char ref[256];

	for (j = 0; j < s->n; j++) {
		const struct strata_schema_obj *c = &s->objs[j];
		const char *ct = strata_schema_attr_get(c, STRATA_ATTR_CONTYPE);

		if (c->kind != STRATA_OBJ_CONSTRAINT || !c->parent || strcmp(c->parent, t->name) != 0 ||
		    !same(c->schema, t->schema) || !ct || strcmp(ct, STRATA_CONTYPE_FOREIGN) != 0 ||
		    !referenced(c, ref, sizeof(ref)))
			continue;
		for (k = 0; k < s->n; k++)
			if (k != i && todo[k] && s->objs[k].kind == STRATA_OBJ_TABLE && strcmp(s->objs[k].name, ref) == 0)
				return 1;
	}
	return 0;
}

int strata_data_fill(struct strata_db *db, const struct strata_schema *s, char **notes)
{
	size_t i, ntab = 0, left, *cols = NULL;
	unsigned char *todo = NULL;
	char **why = NULL;
	struct strata_buf nb;
	int progress = 1, strict = 1, rc = 0;

	*notes = NULL;
	strata_buf_init(&nb);
	todo = calloc(s->n ? s->n : 1, 1);
	why = calloc(s->n ? s->n : 1, sizeof(*why));
	cols = malloc(DATA_MAX_COLS * sizeof(*cols));
	if (!todo || !why || !cols) {
		rc = STRATA_ENOMEM;
		goto out;
	}
	for (i = 0; i < s->n; i++)
		if (s->objs[i].kind == STRATA_OBJ_TABLE && !strata_schema_attr_get(&s->objs[i], "virtual") &&
		    count_rows(db, &s->objs[i]) == 0) {
			todo[i] = 1;
			ntab++;
		}
	left = ntab;
	/* parents first (strict); when only tables waiting for one another are left, every one is tried */
	while (left && (progress || strict)) {
		if (!progress)
			strict = 0;
		else
			strict = 1;
		progress = 0;
		for (i = 0; i < s->n; i++) {
			const struct strata_schema_obj *t = &s->objs[i];
			size_t ncols;
			int set;

			if (!todo[i] || (strict && parent_pending(s, i, todo)))
				continue;
			ncols = columns_of(s, t, cols, DATA_MAX_COLS);
			for (set = 0; set < DATA_SETS; set++) {
				struct strata_buf b;
				struct strata_err e;
				long pos = -1;
				int erc;

				strata_buf_init(&b);
				strata_err_clear(&e);
				build_insert(db, s, t, cols, ncols, set, &b);
				if (b.broken) {
					strata_buf_release(&b);
					rc = STRATA_ENOMEM;
					goto out;
				}
				erc = db->drv->exec(db->conn, b.buf, b.len, &pos, &e);
				strata_buf_release(&b);
				if (erc == 0) {
					strata_err_release(&e);
					todo[i] = 0;
					left--;
					progress = 1;
					break;
				}
				if (set == 0 && e.message) {
					free(why[i]);
					why[i] = strata_strdup(e.message);
				}
				strata_err_release(&e);
			}
		}
	}
	for (i = 0; i < s->n; i++) {
		if (!todo[i])
			continue;
		strata_buf_adds(&nb, "data: no rows could be inserted into ");
		if (s->objs[i].schema)
			strata_buf_addf(&nb, "%s.", s->objs[i].schema);
		strata_buf_addf(&nb, "%s (%s); its rows are not tested\n", s->objs[i].name,
				why[i] ? why[i] : "every value set was refused");
	}
	if (nb.broken) {
		rc = STRATA_ENOMEM;
		goto out;
	}
	if (nb.len)
		*notes = strata_buf_detach(&nb, NULL);
out:
	strata_buf_release(&nb);
	for (i = 0; why && i < s->n; i++)
		free(why[i]);
	free(why);
	free(todo);
	free(cols);
	return rc;
}

/* ---------------------------------------------------------------- snapshots */

struct snap_table {
	char *schema, *name;
	char **cols;   /* names */
	size_t ncols;
	struct strata_rows *rows;
};

struct strata_data_snap {
	struct snap_table *t;
	size_t n;
};

void strata_data_snap_free(struct strata_data_snap *sn)
{
	size_t i, j;

	if (!sn)
		return;
	for (i = 0; i < sn->n; i++) {
		free(sn->t[i].schema);
		free(sn->t[i].name);
		for (j = 0; j < sn->t[i].ncols; j++)
			free(sn->t[i].cols[j]);
		free(sn->t[i].cols);
		strata_rows_free(sn->t[i].rows);
	}
	free(sn->t);
	free(sn);
}

int strata_data_snap(struct strata_db *db, const struct strata_schema *s, struct strata_data_snap **out)
{
	struct strata_data_snap *sn = calloc(1, sizeof(*sn));
	size_t i, j, ntab = 0, *cols = malloc(DATA_MAX_COLS * sizeof(*cols));

	*out = NULL;
	for (i = 0; i < s->n; i++)
		ntab += s->objs[i].kind == STRATA_OBJ_TABLE;
	if (!sn || !cols || !(sn->t = calloc(ntab ? ntab : 1, sizeof(*sn->t)))) {
		free(cols);
		strata_data_snap_free(sn);
		return STRATA_ENOMEM;
	}
	for (i = 0; i < s->n; i++) {
		const struct strata_schema_obj *t = &s->objs[i];
		struct snap_table *st = &sn->t[sn->n];
		size_t ncols;
		struct strata_buf b;
		struct strata_err e;

		if (t->kind != STRATA_OBJ_TABLE)
			continue;
		ncols = columns_of(s, t, cols, DATA_MAX_COLS);
		if (!ncols)
			continue;
		strata_buf_init(&b);
		strata_buf_adds(&b, "SELECT ");
		for (j = 0; j < ncols; j++) {
			if (j)
				strata_buf_adds(&b, ", ");
			db->drv->sql->quote_ident(&b, s->objs[cols[j]].name);
		}
		strata_buf_adds(&b, " FROM ");
		strata_db_quote_table(db, &b, t->schema, t->name);
		strata_err_clear(&e);
		if (b.broken || db->drv->query(db->conn, b.buf, 0, NULL, &st->rows, &e) != 0 ||
		    st->rows->ncols != ncols) {
			strata_rows_free(st->rows);
			st->rows = NULL;
			strata_err_release(&e);
			strata_buf_release(&b);
			continue;
		}
		strata_buf_release(&b);
		st->schema = t->schema ? strata_strdup(t->schema) : NULL;
		st->name = strata_strdup(t->name);
		st->cols = calloc(ncols, sizeof(*st->cols));
		sn->n++;
		if (!st->name || (t->schema && !st->schema) || !st->cols)
			goto oom;
		st->ncols = ncols;
		for (j = 0; j < ncols; j++)
			if (!(st->cols[j] = strata_strdup(s->objs[cols[j]].name)))
				goto oom;
	}
	free(cols);
	*out = sn;
	return 0;
oom:
	free(cols);
	strata_data_snap_free(sn);
	return STRATA_ENOMEM;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The rows of t projected onto the columns map[0..n) (indices into t's
 * columns), each as one string (NULL as \x01, cells split by \x1f), sorted.
 */
static char **project(const struct snap_table *t, const size_t *map, size_t n)
{
	char **v = calloc(t->rows->nrows ? t->rows->nrows : 1, sizeof(*v));
	size_t r, j;

	if (!v)
		return NULL;
	for (r = 0; r < t->rows->nrows; r++) {
		struct strata_buf b;

		strata_buf_init(&b);
		for (j = 0; j < n; j++) {
			const char *cell = strata_rows_get(t->rows, r, map[j]);

			strata_buf_adds(&b, cell ? cell : "\x01");
			strata_buf_addc(&b, '\x1f');
		}
		if (b.broken || !(v[r] = strata_buf_detach(&b, NULL))) {
			strata_buf_release(&b);
			while (r > 0)
				free(v[--r]);
			free(v);
			return NULL;
		}
	}
	qsort(v, t->rows->nrows, sizeof(*v), cmp_str);
	return v;
}

/* How many of sorted a[0..na) have no match in sorted b[0..nb) (as multisets). */
static size_t missing(char **a, size_t na, char **b, size_t nb)
{
	size_t i = 0, j = 0, m = 0;

	while (i < na) {
		int c = j < nb ? strcmp(a[i], b[j]) : -1;

		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			m++;
			i++;
		} else {
			j++;
		}
	}
	return m;
}

static void free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int strata_data_lost(const struct strata_data_snap *a, const struct strata_data_snap *b, char **lost)
{
	struct strata_buf out;
	size_t i, j, k;

	*lost = NULL;
	strata_buf_init(&out);
	for (i = 0; a && b && i < a->n; i++) {
		const struct snap_table *ta = &a->t[i], *tb = NULL;
		size_t *ma, *mb, n = 0, rowsgone;
		char **pa, **pb;
		char label[600];

		for (j = 0; j < b->n; j++)
			if (same(a->t[i].schema, b->t[j].schema) && strcmp(ta->name, b->t[j].name) == 0)
				tb = &b->t[j];
		if (!tb || !ta->rows->nrows)
			continue;
		ma = malloc(ta->ncols * sizeof(*ma));
		mb = malloc(ta->ncols * sizeof(*mb));
		if (!ma || !mb) {
			free(ma);
			free(mb);
			goto oom;
		}
		for (j = 0; j < ta->ncols; j++)
			for (k = 0; k < tb->ncols; k++)
				if (strcmp(ta->cols[j], tb->cols[k]) == 0) {
					ma[n] = j;
					mb[n++] = k;
					break;
				}
		snprintf(label, sizeof(label), "%s%s%s", ta->schema ? ta->schema : "", ta->schema ? "." : "", ta->name);
		rowsgone = ta->rows->nrows > tb->rows->nrows ? ta->rows->nrows - tb->rows->nrows : 0;
		if (rowsgone)
			strata_buf_addf(&out, "%zu row%s of %s lost\n", rowsgone, rowsgone == 1 ? "" : "s", label);
		pa = n ? project(ta, ma, n) : NULL;
		pb = n ? project(tb, mb, n) : NULL;
		if (n && (!pa || !pb)) {
			free_list(pa, ta->rows->nrows);
			free_list(pb, tb->rows->nrows);
			free(ma);
			free(mb);
			goto oom;
		}
		if (n && missing(pa, ta->rows->nrows, pb, tb->rows->nrows) > rowsgone) {
			/* rows that survive changed: name the columns whose values went */
			for (j = 0; j < n; j++) {
				char **ca = project(ta, &ma[j], 1), **cb = project(tb, &mb[j], 1);
				size_t m;

				if (!ca || !cb) {
					free_list(ca, ta->rows->nrows);
					free_list(cb, tb->rows->nrows);
					free_list(pa, ta->rows->nrows);
					free_list(pb, tb->rows->nrows);
					free(ma);
					free(mb);
					goto oom;
				}
				m = missing(ca, ta->rows->nrows, cb, tb->rows->nrows);
				if (m > rowsgone)
					strata_buf_addf(&out, "%zu %s of %s.%s lost %s\n", m - rowsgone,
							m - rowsgone == 1 ? "row" : "rows", label, ta->cols[ma[j]],
							m - rowsgone == 1 ? "its value" : "their values");
				free_list(ca, ta->rows->nrows);
				free_list(cb, tb->rows->nrows);
			}
		}
		free_list(pa, ta->rows->nrows);
		free_list(pb, tb->rows->nrows);
		free(ma);
		free(mb);
	}
	if (out.broken)
		goto oom;
	if (out.len)
		*lost = strata_buf_detach(&out, NULL);
	strata_buf_release(&out);
	return 0;
oom:
	strata_buf_release(&out);
	return STRATA_ENOMEM;
}

int strata_data_snap_rename(struct strata_data_snap *sn, const char *schema, const char *table, const char *column,
			    const char *new_name)
{
	size_t i, j;

	for (i = 0; sn && i < sn->n; i++) {
		struct snap_table *t = &sn->t[i];
		char **slot = NULL, *v;

		if (!same(t->schema, schema) || strcmp(t->name, table) != 0)
			continue;
		if (!column)
			slot = &t->name;
		for (j = 0; column && j < t->ncols; j++)
			if (strcmp(t->cols[j], column) == 0)
				slot = &t->cols[j];
		if (!slot)
			return 0;
		if (!(v = strata_strdup(new_name)))
			return STRATA_ENOMEM;
		free(*slot);
		*slot = v;
		return 0;
	}
	return 0;
}
