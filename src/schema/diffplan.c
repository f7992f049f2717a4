/*
 * schema/diffplan.c - the engine-neutral part of a diff (diffplan.h): the
 * objects of two schemas paired across renames, the plan's builder, the
 * entry point that hands the pairs to the engine's driver, the plan as one
 * script, and its verification on a scratch database.
 *
 * Pairing, in this order, each object paired once:
 *   1. tables renamed by a hint of the desired schema ("-- strata:renamed-from"),
 *      or, when both schemas were read from one database (equal origin), by
 *      the engine's identity of the object (PostgreSQL: its oid);
 *   2. columns the same way, within their (possibly renamed) table;
 *   3. any other object with an engine identity, by that identity (an index
 *      or a constraint renamed in place);
 *   4. everything else by its identity (kind, schema, parent, name), the
 *      parent read through the table renames of step 1.
 * A hint that names what is not there is the user's error, with its file and
 * line: a rename guessed wrong would drop a column's data.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diffplan.h"
#include "scratch.h"
#include "../buf.h"
#include "../db.h"
#include "../driver.h"
#include "../util.h"

static int nullcmp(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static long index_of(const struct strata_schema *s, const struct strata_schema_obj *o)
{
	return o ? (long)(o - s->objs) : -1;
}

/* An engine identity and the index of its object, for lookups by ident. */
struct ident_ix {
	const char *ident;
	enum strata_obj_kind kind;
	size_t ix;
};

static int ident_cmp(const void *a, const void *b)
{
	const struct ident_ix *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->ident, y->ident);
}

/* Table renames, from-name to to-name, per schema. */
struct table_map {
	const char *schema, *from_name, *to_name;
};

struct matcher {
	struct strata_plan_match *m;
	struct ident_ix *ids; /* from's objects that have an ident, sorted */
	size_t nids;
	struct table_map *tables; /* renamed tables */
	size_t ntables;
	int same_origin;
};

static long by_ident(const struct matcher *mt, enum strata_obj_kind kind, const char *ident)
{
	struct ident_ix key = {.ident = ident, .kind = kind}, *hit;

	if (!mt->same_origin || !ident || !mt->nids)
		return -1;
	hit = bsearch(&key, mt->ids, mt->nids, sizeof(*mt->ids), ident_cmp);
	return hit ? (long)hit->ix : -1;
}

/* The name `from` gives the table `to` calls to_name (itself when not renamed). */
static const char *from_table_name(const struct matcher *mt, const char *schema, const char *to_name)
{
	if (!to_name)
		return NULL;
	for (size_t i = 0; i < mt->ntables; i++)
		if (nullcmp(mt->tables[i].schema, schema) == 0 && strcmp(mt->tables[i].to_name, to_name) == 0)
			return mt->tables[i].from_name;
	return to_name;
}

static void pair(struct strata_plan_match *m, size_t to_ix, long from_ix)
{
	const struct strata_schema_obj *a, *b;

	if (from_ix < 0 || m->from_to[from_ix] >= 0 || m->to_from[to_ix] >= 0)
		return;
	m->to_from[to_ix] = from_ix;
	m->from_to[from_ix] = (long)to_ix;
	a = &m->from->objs[from_ix];
	b = &m->to->objs[to_ix];
	m->renamed[to_ix] = strcmp(a->name, b->name) != 0;
	m->moved[to_ix] = nullcmp(a->parent, b->parent) != 0;
}

/*
 * The schema a hint means: its own, or that of the table of this name in
 * `to` (the first in identity order: schemas are written, where there are
 * several, as schema.table in the hint).
 */
const char *strata_rename_hint_schema(const struct strata_rename_hint *h, const struct strata_schema *to)
{
	const char *table = h->kind == STRATA_OBJ_COLUMN ? h->parent : h->name;

	if (h->schema || !table)
		return h->schema;
	for (size_t i = 0; i < to->n; i++)
		if (to->objs[i].kind == STRATA_OBJ_TABLE && strcmp(to->objs[i].name, table) == 0)
			return to->objs[i].schema;
	return NULL;
}

static int hint_err(struct strata_err *err, const struct strata_rename_hint *h, const char *fmt, const char *a,
		    const char *b)
{
	strata_err_set(err, STRATA_EUSAGE, fmt, a, b);
	if (err && h->file) {
		snprintf(err->file, sizeof(err->file), "%s", h->file);
		err->line = h->line;
	}
	strata_err_hint(err, "a rename hint names the object's old name in the schema diffed from: "
			     "\"-- strata:renamed-from OLD\" on the line of the new one");
	return STRATA_EUSAGE;
}

/* Step 1 and 2 for hints of one kind. */
static int apply_hints(struct matcher *mt, const struct strata_plan_opts *o, enum strata_obj_kind kind,
		       struct strata_err *err)
{
	struct strata_plan_match *m = mt->m;

	for (size_t i = 0; o && i < o->nrenames; i++) {
		const struct strata_rename_hint *h = &o->renames[i];
		const char *schema = strata_rename_hint_schema(h, m->to);
		const char *from_parent = kind == STRATA_OBJ_COLUMN ? from_table_name(mt, schema, h->parent) : NULL;
		const struct strata_schema_obj *now, *before, *clash;

		if (h->kind != kind)
			continue;
		now = strata_schema_find(m->to, kind, schema, kind == STRATA_OBJ_COLUMN ? h->parent : NULL, h->name);
		if (!now)
			return hint_err(err, h, "the desired schema has no %s \"%s\" for this rename hint",
					strata_obj_kind_name(kind), h->name);
		before = strata_schema_find(m->from, kind, schema, from_parent, h->old_name);
		if (!before)
			return hint_err(err, h, "\"%s\" is renamed from \"%s\", which the schema diffed from does not have",
					h->name, h->old_name);
		clash = strata_schema_find(m->from, kind, schema, from_parent, h->name);
		if (clash && strcmp(h->name, h->old_name) != 0)
			return hint_err(err, h, "\"%s\" is renamed from \"%s\", but the schema diffed from has both",
					h->name, h->old_name);
		pair(m, (size_t)index_of(m->to, now), index_of(m->from, before));
	}
	return 0;
}

static int add_table_map(struct matcher *mt, const struct strata_schema_obj *from, const struct strata_schema_obj *to)
{
	struct table_map *p = realloc(mt->tables, (mt->ntables + 1) * sizeof(*p));

	if (!p)
		return STRATA_ENOMEM;
	mt->tables = p;
	p[mt->ntables].schema = to->schema;
	p[mt->ntables].from_name = from->name;
	p[mt->ntables].to_name = to->name;
	mt->ntables++;
	return 0;
}

int strata_plan_match_build(const struct strata_schema *from, const struct strata_schema *to,
			    const struct strata_plan_opts *o, struct strata_plan_match *m, struct strata_err *err)
{
	struct matcher mt = {.m = m};
	size_t nf = from->n ? from->n : 1, nt = to->n ? to->n : 1;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	m->from = from;
	m->to = to;
	m->to_from = malloc(nt * sizeof(*m->to_from));
	m->from_to = malloc(nf * sizeof(*m->from_to));
	m->renamed = calloc(nt, 1);
	m->moved = calloc(nt, 1);
	mt.ids = malloc(nf * sizeof(*mt.ids));
	if (!m->to_from || !m->from_to || !m->renamed || !m->moved || !mt.ids) {
		rc = STRATA_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < to->n; i++)
		m->to_from[i] = -1;
	for (size_t j = 0; j < from->n; j++) {
		m->from_to[j] = -1;
		if (from->objs[j].ident) {
			mt.ids[mt.nids].ident = from->objs[j].ident;
			mt.ids[mt.nids].kind = from->objs[j].kind;
			mt.ids[mt.nids++].ix = j;
		}
	}
	qsort(mt.ids, mt.nids, sizeof(*mt.ids), ident_cmp);
	mt.same_origin = from->origin && to->origin && strcmp(from->origin, to->origin) == 0;

	/* 1. tables: hints, then engine identity */
	if ((rc = apply_hints(&mt, o, STRATA_OBJ_TABLE, err)))
		goto out;
	for (size_t i = 0; i < to->n; i++)
		if (to->objs[i].kind == STRATA_OBJ_TABLE)
			pair(m, i, by_ident(&mt, STRATA_OBJ_TABLE, to->objs[i].ident));
	for (size_t i = 0; i < to->n && !rc; i++)
		if (to->objs[i].kind == STRATA_OBJ_TABLE && m->renamed[i])
			rc = add_table_map(&mt, &from->objs[m->to_from[i]], &to->objs[i]);
	if (rc)
		goto out;
	/* 2. columns */
	if ((rc = apply_hints(&mt, o, STRATA_OBJ_COLUMN, err)))
		goto out;
	/* 3. anything else with an engine identity (columns included) */
	for (size_t i = 0; i < to->n; i++)
		if (to->objs[i].ident && m->to_from[i] < 0)
			pair(m, i, by_ident(&mt, to->objs[i].kind, to->objs[i].ident));
	/* 4. by identity, the parent through the renames */
	for (size_t i = 0; i < to->n; i++) {
		const struct strata_schema_obj *b = &to->objs[i];
		const char *parent = b->parent;

		if (m->to_from[i] >= 0)
			continue;
		if (parent && b->kind != STRATA_OBJ_GRANT)
			parent = from_table_name(&mt, b->schema, parent);
		pair(m, i, index_of(from, strata_schema_find(from, b->kind, b->schema, parent, b->name)));
	}
out:
	free(mt.ids);
	free(mt.tables);
	if (rc == STRATA_ENOMEM)
		strata_err_set(err, STRATA_ENOMEM, "out of memory");
	if (rc)
		strata_plan_match_release(m);
	return rc;
}

void strata_plan_match_release(struct strata_plan_match *m)
{
	if (!m)
		return;
	free(m->to_from);
	free(m->from_to);
	free(m->renamed);
	free(m->moved);
	m->to_from = m->from_to = NULL;
	m->renamed = m->moved = NULL;
}

const struct strata_schema_obj *strata_plan_match_from(const struct strata_plan_match *m, size_t to_ix)
{
	long j = m->to_from[to_ix];

	return j < 0 ? NULL : &m->from->objs[j];
}

const struct strata_schema_obj *strata_plan_match_to(const struct strata_plan_match *m, size_t from_ix)
{
	long i = m->from_to[from_ix];

	return i < 0 ? NULL : &m->to->objs[i];
}

const char *strata_plan_match_parent(const struct strata_plan_match *m, const char *schema, const char *from_parent)
{
	const struct strata_schema_obj *t = strata_schema_find(m->from, STRATA_OBJ_TABLE, schema, NULL, from_parent);
	const struct strata_schema_obj *now;

	if (!t)
		return NULL;
	now = strata_plan_match_to(m, (size_t)(t - m->from->objs));
	return now ? now->name : NULL;
}

int strata_plan_obj_differs(const struct strata_schema_obj *a, const struct strata_schema_obj *b, const char *key)
{
	size_t i = 0, j = 0;

	if (key)
		return nullcmp(strata_schema_attr_get(a, key), strata_schema_attr_get(b, key)) != 0;
	while (i < a->nattrs || j < b->nattrs) {
		const struct strata_schema_attr *x = i < a->nattrs ? &a->attrs[i] : NULL;
		const struct strata_schema_attr *y = j < b->nattrs ? &b->attrs[j] : NULL;
		int c = !x ? 1 : !y ? -1 : strcmp(x->key, y->key);
		const char *k = c <= 0 ? x->key : y->key, *va = NULL, *vb = NULL;

		if (c <= 0)
			va = a->attrs[i++].value;
		if (c >= 0)
			vb = b->attrs[j++].value;
		if (strcmp(k, STRATA_ATTR_POSITION) != 0 && nullcmp(va, vb) != 0)
			return 1;
	}
	return 0;
}

/* ---- the builder */

int strata_plan_add(struct strata_schema_plan *p, enum strata_obj_kind kind, unsigned flags, const char *sql,
		    const char *what_fmt, ...)
{
	struct strata_plan_step *st;
	struct strata_buf b;
	va_list ap;

	st = realloc(p->steps, (p->n + 1) * sizeof(*st));
	if (!st)
		return STRATA_ENOMEM;
	p->steps = st;
	st = &p->steps[p->n];
	memset(st, 0, sizeof(*st));
	strata_buf_init(&b);
	va_start(ap, what_fmt);
	strata_buf_vaddf(&b, what_fmt, ap);
	va_end(ap);
	st->what = strata_buf_detach(&b, NULL);
	st->sql = strata_strdup(sql ? sql : "");
	if (!st->what || !st->sql) {
		free(st->what);
		free(st->sql);
		return STRATA_ENOMEM;
	}
	st->kind = kind;
	st->flags = flags;
	p->flags |= flags;
	p->n++;
	return 0;
}

void strata_plan_add_buf(struct strata_schema_plan *p, int *rc, enum strata_obj_kind kind, unsigned flags,
			 const struct strata_buf *sql, const char *what)
{
	if (*rc)
		return;
	if (sql->broken) {
		*rc = STRATA_ENOMEM;
		return;
	}
	*rc = strata_plan_add(p, kind, flags, sql->buf ? sql->buf : "", "%s", what);
}

static int add_line(char ***list, size_t *n, char *line)
{
	char **l;

	if (!line)
		return STRATA_ENOMEM;
	l = realloc(*list, (*n + 1) * sizeof(*l));
	if (!l) {
		free(line);
		return STRATA_ENOMEM;
	}
	*list = l;
	l[(*n)++] = line;
	return 0;
}

int strata_plan_unhandled(struct strata_schema_plan *p, const char *fmt, ...)
{
	struct strata_buf b;
	va_list ap;

	strata_buf_init(&b);
	va_start(ap, fmt);
	strata_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return add_line(&p->unhandled, &p->nunhandled, strata_buf_detach(&b, NULL));
}

void strata_schema_plan_free(struct strata_schema_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->steps[i].what);
		free(p->steps[i].sql);
	}
	free(p->steps);
	for (size_t i = 0; i < p->nunhandled; i++)
		free(p->unhandled[i]);
	free(p->unhandled);
	free(p);
}

/* What the models themselves could not hold: a plan cannot say whether it covers them. */
static int add_model_unhandled(struct strata_schema_plan *p, const struct strata_schema *from,
			       const struct strata_schema *to)
{
	int rc = 0;

	for (size_t i = 0; i < from->nunhandled && !rc; i++)
		rc = strata_plan_unhandled(p, "%s (in the schema diffed from: strata does not model them)",
					   from->unhandled[i]);
	for (size_t i = 0; i < to->nunhandled && !rc; i++)
		rc = strata_plan_unhandled(p, "%s (in the desired schema: strata does not model them)", to->unhandled[i]);
	return rc;
}

int strata_schema_plan(const struct strata_schema *from, const struct strata_schema *to,
		       const struct strata_plan_opts *o, struct strata_schema_plan **out, struct strata_err *err)
{
	static const struct strata_plan_opts none = {0};
	const struct strata_driver *drv;
	struct strata_plan_match m;
	struct strata_schema_plan *p;
	int rc;

	*out = NULL;
	if (!o)
		o = &none;
	drv = strata_driver_load(from->engine, err);
	if (drv) {
		const struct strata_driver *d2 = strata_driver_load(to->engine, err);

		if (d2 != drv)
			return strata_err_set(err, STRATA_EUSAGE, "cannot diff a %s schema against a %s one",
					      drv->display_name, d2 ? d2->display_name : "different");
	}
	if (!drv)
		return err && err->code ? err->code : STRATA_EUNSUPPORTED;
	if (!drv->schema_plan)
		return strata_err_set(err, STRATA_EUNSUPPORTED, "strata cannot diff %s schemas yet",
				      drv->display_name);
	rc = strata_plan_match_build(from, to, o, &m, err);
	if (rc)
		return rc;
	p = calloc(1, sizeof(*p));
	if (!p) {
		strata_plan_match_release(&m);
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	}
	rc = drv->schema_plan(&m, o, p, err);
	if (rc == 0)
		rc = add_model_unhandled(p, from, to);
	strata_plan_match_release(&m);
	if (rc) {
		if (rc == STRATA_ENOMEM && err && !err->code)
			strata_err_set(err, STRATA_ENOMEM, "out of memory");
		strata_schema_plan_free(p);
		return rc;
	}
	p->flags = 0;
	for (size_t i = 0; i < p->n; i++)
		p->flags |= p->steps[i].flags;
	*out = p;
	return 0;
}

/* ---- the script */

/* Each line of `what` after the first commented too (a reason may span lines). */
static void add_comment(struct strata_buf *b, const char *prefix, const char *what)
{
	strata_buf_adds(b, prefix);
	for (const char *c = what; *c; c++) {
		strata_buf_addc(b, *c);
		if (*c == '\n' && c[1])
			strata_buf_adds(b, "--   ");
	}
	strata_buf_addc(b, '\n');
}

/* The script into b; line_of_step (p->n entries, may be NULL) gets the 1-based line each step's SQL starts on. */
static void plan_script(const struct strata_schema_plan *p, struct strata_buf *b, int *line_of_step)
{
	int line = 1;

	if (p->flags & STRATA_STEP_OWN_TRANSACTION) {
		strata_buf_adds(b, "-- This migration manages its own transaction (a table rebuild must switch\n"
				   "-- foreign keys off outside one): run it as one file, not inside BEGIN/COMMIT.\n");
		line += 2;
	} else if (p->flags & STRATA_STEP_NO_TRANSACTION) {
		strata_buf_adds(b, "-- strata:no-transaction\n"
				   "-- Some statements below cannot run inside a transaction.\n");
		line += 2;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct strata_plan_step *st = &p->steps[i];

		if (i || line > 1) {
			strata_buf_addc(b, '\n');
			line++;
		}
		add_comment(b, st->flags & STRATA_STEP_DESTRUCTIVE ? "-- DESTRUCTIVE: " : "-- ", st->what);
		for (const char *c = st->what; *c; c++)
			line += *c == '\n' && c[1];
		line++;
		if (line_of_step)
			line_of_step[i] = line;
		strata_buf_adds(b, st->sql);
		if (*st->sql && st->sql[strlen(st->sql) - 1] != '\n')
			strata_buf_addc(b, '\n');
		for (const char *c = st->sql; *c; c++)
			line += *c == '\n';
		if (*st->sql && st->sql[strlen(st->sql) - 1] != '\n')
			line++;
	}
}

int strata_schema_plan_sql(const struct strata_schema_plan *p, char **sql, struct strata_err *err)
{
	struct strata_buf b;

	strata_buf_init(&b);
	plan_script(p, &b, NULL);
	strata_buf_addc(&b, '\0');
	b.len--;
	if (b.broken || !(*sql = strata_buf_detach(&b, NULL)))
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	return 0;
}

/* ---- verification */

/* Run one script on the scratch; a failure names the step and its line in the plan's script. */
static int run_sql(struct strata_db *sdb, const char *sql, const char *what, int line, struct strata_err *err)
{
	long errpos = -1;
	int rc = sdb->drv->exec(sdb->conn, sql, strlen(sql), &errpos, err);

	if (rc == 0)
		return 0;
	if (err) {
		if (what) {
			strata_err_prefix(err, "the plan's step \"%s\" (line %d of the migration) failed on a copy of the "
					       "schema diffed from: ",
					  what, line + (errpos >= 0 ? strata_line_of(sql, strlen(sql), (size_t)errpos) - 1 : 0));
			err->line = line + (errpos >= 0 ? strata_line_of(sql, strlen(sql), (size_t)errpos) - 1 : 0);
		} else {
			strata_err_prefix(err, "the schema diffed from could not be recreated to verify the plan on: ");
		}
	}
	return rc;
}

int strata_schema_plan_verify(struct strata_scratch *scratch, const struct strata_schema *from,
			      const struct strata_schema_plan *p, const struct strata_schema *to, unsigned read_flags,
			      struct strata_schema_diff **left, struct strata_err *err)
{
	struct strata_schema *got = NULL;
	struct strata_db *sdb;
	struct strata_buf dummy;
	char *dump = NULL;
	int *lines = NULL, rc;

	*left = NULL;
	rc = strata_scratch_fresh(scratch) ? 0 : strata_scratch_reset(scratch, err); /* a new one is empty */
	if (rc)
		return rc;
	sdb = strata_scratch_db(scratch);
	rc = strata_schema_dump(from, &dump, err);
	if (rc == 0)
		rc = run_sql(sdb, dump, NULL, 0, err);
	free(dump);
	if (rc)
		return rc;
	lines = calloc(p->n ? p->n : 1, sizeof(*lines));
	if (!lines)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	strata_buf_init(&dummy);
	plan_script(p, &dummy, lines);
	strata_buf_release(&dummy);
	for (size_t i = 0; i < p->n && rc == 0; i++)
		rc = run_sql(sdb, p->steps[i].sql, p->steps[i].what, lines[i], err);
	free(lines);
	if (rc == 0)
		rc = strata_schema_read(sdb, read_flags, &got, err);
	if (rc == 0)
		rc = strata_schema_compare(to, got, left, err);
	strata_schema_free(got);
	return rc;
}
