/*
 * driver_sqlite_plan.c - the SQLite driver's schema_plan: the statements
 * that turn one SQLite schema model (driver_sqlite_schema.c) into another.
 *
 * SQLite keeps each object as the text that created it, and that text is
 * what two databases are compared by, so a plan is exact only when the text
 * SQLite ends up storing is the desired one. ALTER TABLE edits the stored
 * text in ways of its own (RENAME TO quotes the new name, ADD COLUMN appends
 * ", <column>" after the last column, RENAME COLUMN keeps the old token's
 * quoting, RENAME repoints other tables' REFERENCES): rather than copy those
 * rules, the planner asks SQLite. It creates the tables of `from` in an
 * in-memory database, runs the ALTER TABLE statements it would emit there,
 * reads that database back with the driver's own reader and compares each
 * table with the desired one (column order aside: SQLite changes that only
 * by a rebuild, which is done only when something else needs one). A table
 * whose ALTERs do not give its desired text, or fail, is rebuilt instead.
 *
 * The rebuild is SQLite's documented procedure for "other kinds of table
 * schema changes" (lang_altertable.html), as one step that manages its own
 * transaction: PRAGMA foreign_keys=OFF before BEGIN (inside a transaction it
 * does nothing, and DROP TABLE would then delete child rows through ON
 * DELETE CASCADE), PRAGMA legacy_alter_table=ON so that renaming the old
 * table out of the way does not repoint other tables' foreign keys at it,
 * the new table created with its desired text (created under its own name,
 * not renamed into place, which would quote the name), rows copied with
 * their rowids, the AUTOINCREMENT counter carried over, the table's indexes
 * and triggers created again, and foreign keys checked before COMMIT: a
 * violation fails the migration (an INSERT into a temporary table whose
 * CHECK constraint says so), the transaction rolls back whole.
 *
 * Order of a plan: views, triggers and indexes that go or change are
 * dropped first (views that name a rebuilt table too: they are created again
 * at the end, outside the rebuild's transaction); tables renamed (a change
 * of case through another name), then columns; new tables; per table its
 * ALTERs or its rebuild, a parent before a child whose new foreign key needs
 * the parent's new key; gone tables dropped (children first, foreign keys
 * off around a parent that a table still references: with them on, DROP
 * TABLE deletes child rows); then indexes, views and triggers created in the
 * desired schema's dependency order.
 *
 * The rebuild ends with PRAGMA foreign_keys=ON, as SQLite's procedure does
 * for a connection that had them on: SQL cannot ask what the setting was.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "util.h"
#include "lexer.h"
#include "driver.h"
#include "driver_sqlite.h"
#include "schema/diffplan.h"
#include "schema/model.h"

/* One table of either side and what the plan does with it. */
struct tb {
	const struct strata_schema_obj *f, *t; /* in from, in to (NULL: new or gone) */
	int rebuild;           /* rebuilt (its ALTERs, save the renames, are dropped) */
	int nosim;             /* could not be created in the model database */
	int renamed;           /* its RENAME TO is emitted */
	int col_renames;       /* its RENAME COLUMNs are emitted */
	int dropped_early;     /* gone, and dropped before the renames (its name is taken) */
	int virt;              /* a virtual table */
	struct strata_buf alters; /* ADD/DROP COLUMN statements, each ";\n" */
	struct strata_buf alter_what; /* their steps' lines, each "\n"; D or A first: destructive or not */
	struct strata_buf why;    /* why it is rebuilt, "; "-separated */
	unsigned flags;           /* of its ALTERs or rebuild */
	struct strata_buf destr;  /* what of its rebuild loses data */
};

struct planner {
	const struct strata_plan_match *m;
	const struct strata_schema *from, *to;
	struct strata_schema_plan *p;
	struct strata_err *err;
	sqlite3 *sim;           /* the model database (NULL: none could be opened) */
	struct tb *tb;
	size_t ntb;
	size_t *ofrom, *oto;    /* dependency orders */
	unsigned char *drop;    /* per from object: dropped in the first phase */
	unsigned char *create;  /* per to object: created in the last phase */
	int rc;
};

static int nocase_eq(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

static int oom(struct planner *pl, struct strata_buf *b)
{
	if (b->broken && !pl->rc)
		pl->rc = STRATA_ENOMEM;
	return pl->rc;
}

static void add_step(struct planner *pl, enum strata_obj_kind kind, unsigned flags, struct strata_buf *sql,
		     const char *what)
{
	strata_plan_add_buf(pl->p, &pl->rc, kind, flags, sql, what);
}

static int sim_exec(struct planner *pl, const char *sql)
{
	return pl->sim && sqlite3_exec(pl->sim, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* The table's (from or to) entry by object. */
static struct tb *tb_of(struct planner *pl, const struct strata_schema_obj *o, int in_to)
{
	if (!o)
		return NULL;
	for (size_t i = 0; i < pl->ntb; i++)
		if ((in_to ? pl->tb[i].t : pl->tb[i].f) == o)
			return &pl->tb[i];
	return NULL;
}

static struct tb *tb_by_from_name(struct planner *pl, const char *name)
{
	for (size_t i = 0; i < pl->ntb; i++)
		if (pl->tb[i].f && nocase_eq(pl->tb[i].f->name, name))
			return &pl->tb[i];
	return NULL;
}

/* The columns of table `name` of s, in position order, into *out (malloc'ed; n of them). */
static int table_cols(const struct strata_schema *s, const char *name, const struct strata_schema_obj ***out,
		      size_t *n)
{
	const struct strata_schema_obj **c = NULL;
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct strata_schema_obj *o = &s->objs[i];
		const struct strata_schema_obj **g;

		if (o->kind != STRATA_OBJ_COLUMN || !o->parent || strcmp(o->parent, name) != 0)
			continue;
		g = realloc(c, (k + 1) * sizeof(*g));
		if (!g) {
			free(c);
			return STRATA_ENOMEM;
		}
		c = g;
		c[k++] = o;
	}
	/* few columns: insertion sort by position */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && c[j - 1]->position > c[j]->position; j--) {
			const struct strata_schema_obj *x = c[j];

			c[j] = c[j - 1];
			c[j - 1] = x;
		}
	*out = c;
	*n = k;
	return 0;
}

static size_t obj_ix(const struct strata_schema *s, const struct strata_schema_obj *o)
{
	return (size_t)(o - s->objs);
}

/* The counterpart in to of from's object o, or NULL. */
static const struct strata_schema_obj *to_of(struct planner *pl, const struct strata_schema_obj *o)
{
	return strata_plan_match_to(pl->m, obj_ix(pl->from, o));
}

static const struct strata_schema_obj *from_of(struct planner *pl, const struct strata_schema_obj *o)
{
	return strata_plan_match_from(pl->m, obj_ix(pl->to, o));
}

/* SQLite's affinity of a declared type (datatype3.html, 3.1). */
static char affinity(const char *type)
{
	char up[256];
	size_t i;

	if (!type || !*type)
		return 'B';
	for (i = 0; type[i] && i + 1 < sizeof(up); i++)
		up[i] = (char)(type[i] >= 'a' && type[i] <= 'z' ? type[i] - 'a' + 'A' : type[i]);
	up[i] = '\0';
	if (strstr(up, "INT"))
		return 'I';
	if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT"))
		return 'T';
	if (strstr(up, "BLOB"))
		return 'B';
	if (strstr(up, "REAL") || strstr(up, "FLOA") || strstr(up, "DOUB"))
		return 'R';
	return 'N';
}

/* Does a value stored under type a keep itself under type b? (INTEGER and NUMERIC store alike; BLOB converts nothing.) */
static int affinity_keeps(const char *a, const char *b)
{
	char x = affinity(a), y = affinity(b);

	return x == y || y == 'B' || ((x == 'I' || x == 'N') && (y == 'I' || y == 'N'));
}

static int is_alias(const struct strata_schema_obj *t, const struct strata_schema_obj *const *cols, size_t n)
{
	const struct strata_schema_obj *pk = NULL;

	if (strata_schema_attr_get(t, "without rowid"))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strata_schema_attr_get(cols[i], "primary key")) {
			if (pk)
				return 0;
			pk = cols[i];
		}
	return pk && strata_schema_attr_get(pk, STRATA_ATTR_TYPE) &&
	       strcasecmp(strata_schema_attr_get(pk, STRATA_ATTR_TYPE), "INTEGER") == 0;
}

static int has_autoinc(const struct strata_schema_obj *const *cols, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strata_schema_attr_get(cols[i], "autoincrement"))
			return 1;
	return 0;
}

static void add_why(struct tb *t, const char *fmt, const char *a, const char *b)
{
	if (t->why.len > 160)
		return;
	if (t->why.len)
		strata_buf_adds(&t->why, "; ");
	strata_buf_addf(&t->why, fmt, a, b ? b : "");
	if (t->why.len > 160)
		strata_buf_adds(&t->why, "; ...");
}

/* A column's definition text without the white space around it (what ADD COLUMN is given). */
static char *coldef(const struct strata_schema_obj *c)
{
	const char *d = strata_schema_attr_get(c, STRATA_ATTR_DEFINITION);
	size_t len;

	if (!d)
		return NULL;
	while (*d == ' ' || *d == '\t' || *d == '\n' || *d == '\r')
		d++;
	len = strlen(d);
	while (len && (d[len - 1] == ' ' || d[len - 1] == '\t' || d[len - 1] == '\n' || d[len - 1] == '\r'))
		len--;
	return len ? strata_strndup(d, len) : NULL;
}

/* Is a default one ADD COLUMN takes on a table with rows: a literal (not CURRENT_TIME, not an expression)? */
static int constant_default(const char *d)
{
	size_t n = strlen(d);

	if (strcasecmp(d, "NULL") == 0 || strcasecmp(d, "TRUE") == 0 || strcasecmp(d, "FALSE") == 0)
		return 1;
	if (n >= 2 && d[0] == '\'' && d[n - 1] == '\'')
		return 1;
	if (n >= 3 && (d[0] == 'x' || d[0] == 'X') && d[1] == '\'' && d[n - 1] == '\'')
		return 1;
	if (*d == '-' || *d == '+')
		d++;
	if (!*d)
		return 0;
	for (; *d; d++)
		if (!((*d >= '0' && *d <= '9') || *d == '.' || *d == 'e' || *d == 'E' || *d == '-' || *d == '+'))
			return 0;
	return 1;
}

/* Is column `col` of table t (to) in one of t's foreign keys (to)? */
static int in_fk(const struct strata_schema *s, const char *table, const char *col)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct strata_schema_obj *o = &s->objs[i];
		const char *ct = strata_schema_attr_get(o, STRATA_ATTR_CONTYPE);
		const char *open, *close;
		size_t len = strlen(col);

		if (o->kind != STRATA_OBJ_CONSTRAINT || !o->parent || strcmp(o->parent, table) != 0 || !ct ||
		    strcmp(ct, STRATA_CONTYPE_FOREIGN) != 0)
			continue;
		/* "FOREIGN KEY (a, b) REFERENCES ..." */
		open = strchr(o->name, '(');
		close = open ? strchr(open, ')') : NULL;
		for (const char *p = open ? open + 1 : NULL; p && p < close;) {
			while (*p == ' ' || *p == ',')
				p++;
			if ((size_t)(close - p) >= len && strncasecmp(p, col, len) == 0 &&
			    (p[len] == ',' || p[len] == ')'))
				return 1;
			while (p < close && *p != ',')
				p++;
		}
	}
	return 0;
}

/* ---- phase 0: what each table needs */

static int build_tables(struct planner *pl)
{
	const struct strata_schema *from = pl->from, *to = pl->to;

	for (size_t i = 0; i < to->n; i++)
		if (to->objs[i].kind == STRATA_OBJ_TABLE)
			pl->ntb++;
	for (size_t j = 0; j < from->n; j++)
		if (from->objs[j].kind == STRATA_OBJ_TABLE && !to_of(pl, &from->objs[j]))
			pl->ntb++;
	pl->tb = calloc(pl->ntb ? pl->ntb : 1, sizeof(*pl->tb));
	if (!pl->tb)
		return STRATA_ENOMEM;
	pl->ntb = 0;
	for (size_t i = 0; i < to->n; i++)
		if (to->objs[i].kind == STRATA_OBJ_TABLE) {
			struct tb *t = &pl->tb[pl->ntb++];

			t->t = &to->objs[i];
			t->f = from_of(pl, t->t);
			t->virt = strata_schema_attr_get(t->t, "virtual") != NULL ||
				  (t->f && strata_schema_attr_get(t->f, "virtual") != NULL);
		}
	for (size_t j = 0; j < from->n; j++)
		if (from->objs[j].kind == STRATA_OBJ_TABLE && !to_of(pl, &from->objs[j])) {
			struct tb *t = &pl->tb[pl->ntb++];

			t->f = &from->objs[j];
			t->virt = strata_schema_attr_get(t->f, "virtual") != NULL;
		}
	for (size_t i = 0; i < pl->ntb; i++) {
		strata_buf_init(&pl->tb[i].alters);
		strata_buf_init(&pl->tb[i].alter_what);
		strata_buf_init(&pl->tb[i].why);
		strata_buf_init(&pl->tb[i].destr);
	}
	return 0;
}

/* The model database: every table of from (virtual ones aside: their modules may be missing). */
static void sim_open(struct planner *pl)
{
	if (sqlite3_open_v2(":memory:", &pl->sim, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		sqlite3_close(pl->sim);
		pl->sim = NULL;
	}
	for (size_t i = 0; i < pl->ntb; i++) {
		struct tb *t = &pl->tb[i];

		if (!t->f || t->virt || !t->f->sql)
			continue;
		if (sim_exec(pl, t->f->sql) != 0)
			t->nosim = 1;
	}
}

/* ---- dropping what goes or changes first */

static const char *drop_word(enum strata_obj_kind k)
{
	return k == STRATA_OBJ_INDEX ? "INDEX" : k == STRATA_OBJ_TRIGGER ? "TRIGGER" : k == STRATA_OBJ_VIEW ? "VIEW"
													    : "TABLE";
}

/* Does from's view v name a table that is rebuilt or gone, or a view dropped here? */
static int view_hit(struct planner *pl, const struct strata_schema_obj *v)
{
	for (size_t d = 0; d < v->ndeps; d++)
		for (size_t i = 0; i < pl->ntb; i++) {
			struct tb *t = &pl->tb[i];
			char *key;
			int hit;

			if (!t->f || !(t->rebuild || !t->t))
				continue;
			key = strata_schema_key(STRATA_OBJ_TABLE, NULL, NULL, t->f->name);
			hit = key && strcmp(key, v->deps[d]) == 0;
			free(key);
			if (hit)
				return 1;
		}
	for (size_t d = 0; d < v->ndeps; d++)
		for (size_t j = 0; j < pl->from->n; j++) {
			const struct strata_schema_obj *o = &pl->from->objs[j];
			char *key;
			int hit;

			if (o->kind != STRATA_OBJ_VIEW || !pl->drop[j])
				continue;
			key = strata_schema_obj_key(o);
			hit = key && strcmp(key, v->deps[d]) == 0;
			free(key);
			if (hit)
				return 1;
		}
	return 0;
}

/* Mark what the first phase drops and the last one creates. */
static void mark_dependents(struct planner *pl)
{
	const struct strata_schema *from = pl->from, *to = pl->to;
	int more = 1;

	for (size_t j = 0; j < from->n; j++) {
		const struct strata_schema_obj *o = &from->objs[j], *now = to_of(pl, o);
		struct tb *pt;

		if (o->kind != STRATA_OBJ_INDEX && o->kind != STRATA_OBJ_TRIGGER && o->kind != STRATA_OBJ_VIEW)
			continue;
		if (o->kind != STRATA_OBJ_VIEW) {
			pt = tb_by_from_name(pl, o->parent);
			if (pt && (!pt->t || pt->rebuild))
				continue; /* goes with its table */
		}
		if (!now || strata_plan_obj_differs(o, now, NULL) || strcmp(o->name, now->name) != 0)
			pl->drop[j] = 1;
	}
	/* views that name a rebuilt or gone table, or a view dropped here, and so on */
	while (more) {
		more = 0;
		for (size_t j = 0; j < from->n; j++)
			if (from->objs[j].kind == STRATA_OBJ_VIEW && !pl->drop[j] && view_hit(pl, &from->objs[j]))
				pl->drop[j] = more = 1;
	}
	/* triggers on a view dropped here go with it */
	for (size_t j = 0; j < from->n; j++) {
		const struct strata_schema_obj *o = &from->objs[j];
		const struct strata_schema_obj *v;

		if (o->kind != STRATA_OBJ_TRIGGER || pl->drop[j])
			continue;
		v = strata_schema_find(from, STRATA_OBJ_VIEW, NULL, NULL, o->parent);
		if (v && pl->drop[obj_ix(from, v)])
			pl->drop[j] = 2; /* no statement: DROP VIEW takes it */
	}
	for (size_t i = 0; i < to->n; i++) {
		const struct strata_schema_obj *o = &to->objs[i], *was = from_of(pl, o);
		struct tb *pt;

		if (o->kind != STRATA_OBJ_INDEX && o->kind != STRATA_OBJ_TRIGGER && o->kind != STRATA_OBJ_VIEW)
			continue;
		if (o->kind != STRATA_OBJ_VIEW) {
			pt = tb_of(pl, strata_schema_find(to, STRATA_OBJ_TABLE, NULL, NULL, o->parent), 1);
			if (pt && pt->rebuild && pt->f)
				continue; /* the rebuild creates it */
		}
		if (!was || pl->drop[obj_ix(from, was)])
			pl->create[i] = 1;
	}
}

static void emit_drops(struct planner *pl)
{
	const struct strata_schema *from = pl->from;

	for (size_t k = from->n; k-- > 0 && !pl->rc;) {
		const struct strata_schema_obj *o = &from->objs[pl->ofrom[k]];
		struct strata_buf b;
		char *label;

		if (pl->drop[pl->ofrom[k]] != 1)
			continue;
		strata_buf_init(&b);
		strata_buf_addf(&b, "DROP %s ", drop_word(o->kind));
		strata_buf_add_ident(&b, o->name);
		strata_buf_adds(&b, ";\n");
		label = strata_schema_obj_label(o);
		if (!label)
			pl->rc = STRATA_ENOMEM;
		else {
			struct strata_buf w;

			strata_buf_init(&w);
			strata_buf_addf(&w, "drop %s %s", strata_obj_kind_name(o->kind), label);
			add_step(pl, o->kind, 0, &b, w.buf ? w.buf : "");
			oom(pl, &w);
			strata_buf_release(&w);
		}
		free(label);
		strata_buf_release(&b);
	}
}

/* ---- tables */

static int referenced_by_to(struct planner *pl, const char *name)
{
	for (size_t i = 0; i < pl->to->n; i++) {
		const struct strata_schema_obj *o = &pl->to->objs[i];

		if (o->kind == STRATA_OBJ_CONSTRAINT && nocase_eq(strata_schema_attr_get(o, "references"), name))
			return 1;
	}
	return 0;
}

static void drop_table(struct planner *pl, struct tb *t)
{
	struct strata_buf b, w;
	int guard = referenced_by_to(pl, t->f->name);

	strata_buf_init(&b);
	strata_buf_init(&w);
	/* a table the desired schema still references: with foreign keys on, DROP TABLE deletes its child rows */
	if (guard)
		strata_buf_adds(&b, "PRAGMA foreign_keys=OFF;\n");
	strata_buf_adds(&b, "DROP TABLE ");
	strata_buf_add_ident(&b, t->f->name);
	strata_buf_adds(&b, ";\n");
	if (guard)
		strata_buf_adds(&b, "PRAGMA foreign_keys=ON;\n");
	strata_buf_addf(&w, "drop table %s", t->f->name);
	add_step(pl, STRATA_OBJ_TABLE, STRATA_STEP_DESTRUCTIVE | (guard ? STRATA_STEP_OWN_TRANSACTION : 0), &b,
		 w.buf ? w.buf : "");
	oom(pl, &w);
	strata_buf_release(&b);
	strata_buf_release(&w);
	if (t->dropped_early) {
		struct strata_buf s;

		strata_buf_init(&s);
		strata_buf_adds(&s, "DROP TABLE ");
		strata_buf_add_ident(&s, t->f->name);
		if (!s.broken)
			sim_exec(pl, s.buf);
		strata_buf_release(&s);
	}
}

/* Is name (of a table, without case) held by a table of the database at this point of the renames? */
static int name_taken(struct planner *pl, const char *name, const struct tb *self, const unsigned char *done)
{
	for (size_t i = 0; i < pl->ntb; i++) {
		const struct tb *t = &pl->tb[i];
		const char *cur;

		if (!t->f || t == self || t->dropped_early)
			continue;
		cur = done[i] && t->t ? t->t->name : t->f->name;
		if (nocase_eq(cur, name))
			return 1;
	}
	return 0;
}

static void rename_tables(struct planner *pl)
{
	unsigned char *done = calloc(pl->ntb ? pl->ntb : 1, 1);
	int progress = 1;

	if (!done) {
		pl->rc = STRATA_ENOMEM;
		return;
	}
	/* a gone table whose name a desired table takes goes first */
	for (size_t i = 0; i < pl->ntb && !pl->rc; i++) {
		struct tb *t = &pl->tb[i];

		if (t->f && !t->t)
			for (size_t k = 0; k < pl->ntb; k++)
				if (pl->tb[k].t && pl->tb[k].f != t->f && nocase_eq(pl->tb[k].t->name, t->f->name)) {
					t->dropped_early = 1;
					drop_table(pl, t);
					break;
				}
	}
	while (progress && !pl->rc) {
		progress = 0;
		for (size_t i = 0; i < pl->ntb && !pl->rc; i++) {
			struct tb *t = &pl->tb[i];
			struct strata_buf b, w;

			if (!t->f || !t->t || done[i] || strcmp(t->f->name, t->t->name) == 0)
				continue;
			if (name_taken(pl, t->t->name, t, done) && !nocase_eq(t->f->name, t->t->name))
				continue;
			done[i] = 1;
			progress = 1;
			t->renamed = 1;
			strata_buf_init(&b);
			strata_buf_init(&w);
			strata_buf_adds(&b, "ALTER TABLE ");
			strata_buf_add_ident(&b, t->f->name);
			if (nocase_eq(t->f->name, t->t->name)) {
				/* SQLite's names have no case: "users" to "Users" goes through another name */
				struct strata_buf tmp;

				strata_buf_init(&tmp);
				strata_buf_addf(&tmp, "strata_rename_%s", t->t->name);
				strata_buf_adds(&b, " RENAME TO ");
				strata_buf_add_ident(&b, tmp.buf ? tmp.buf : "");
				strata_buf_adds(&b, ";\nALTER TABLE ");
				strata_buf_add_ident(&b, tmp.buf ? tmp.buf : "");
				oom(pl, &tmp);
				strata_buf_release(&tmp);
			}
			strata_buf_adds(&b, " RENAME TO ");
			strata_buf_add_ident(&b, t->t->name);
			strata_buf_adds(&b, ";\n");
			if (!b.broken && !t->virt && !t->nosim && sim_exec(pl, b.buf) != 0)
				t->nosim = 1;
			strata_buf_addf(&w, "rename table %s to %s", t->f->name, t->t->name);
			add_step(pl, STRATA_OBJ_TABLE, 0, &b, w.buf ? w.buf : "");
			oom(pl, &w);
			strata_buf_release(&b);
			strata_buf_release(&w);
		}
	}
	for (size_t i = 0; i < pl->ntb && !pl->rc; i++) {
		struct tb *t = &pl->tb[i];

		if (t->f && t->t && !done[i] && strcmp(t->f->name, t->t->name) != 0)
			pl->rc = strata_plan_unhandled(pl->p, "rename of table %s to %s: the names are swapped in a cycle",
						       t->f->name, t->t->name);
	}
	free(done);
}

/* A name as RENAME COLUMN should be given it: bare when the desired text has it bare, else quoted. */
static void add_col_name(struct strata_buf *b, const struct strata_schema_obj *c)
{
	const char *d = strata_schema_attr_get(c, STRATA_ATTR_DEFINITION);
	int bare = 1;

	while (d && (*d == ' ' || *d == '\t' || *d == '\n' || *d == '\r'))
		d++;
	if (d && (*d == '"' || *d == '`' || *d == '[' || *d == '\''))
		bare = 0;
	for (const char *p = c->name; bare && *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
		      (p != c->name && *p >= '0' && *p <= '9')))
			bare = 0;
	if (bare && sqlite3_keyword_check(c->name, (int)strlen(c->name)))
		bare = 0;
	if (bare)
		strata_buf_adds(b, c->name);
	else
		strata_buf_add_ident(b, c->name);
}

/* The table's RENAME COLUMNs, when no name is in the way; else none (a rebuild maps the columns). */
static void rename_columns(struct planner *pl, struct tb *t, const struct strata_schema_obj *const *fc, size_t nf,
			   const struct strata_schema_obj *const *tc, size_t nt)
{
	int any = 0;

	for (size_t i = 0; i < nt; i++) {
		const struct strata_schema_obj *was = from_of(pl, tc[i]);

		if (!was || strcmp(was->name, tc[i]->name) == 0)
			continue;
		any = 1;
		for (size_t k = 0; k < nf; k++)
			if (fc[k] != was && nocase_eq(fc[k]->name, tc[i]->name)) {
				add_why(t, "column %s is renamed to the name of another column%s", was->name, NULL);
				t->rebuild = 1;
				return;
			}
	}
	if (!any || t->virt)
		return;
	for (size_t i = 0; i < nt && !pl->rc; i++) {
		const struct strata_schema_obj *was = from_of(pl, tc[i]);
		struct strata_buf s, w;

		if (!was || strcmp(was->name, tc[i]->name) == 0)
			continue;
		strata_buf_init(&s);
		strata_buf_init(&w);
		strata_buf_adds(&s, "ALTER TABLE ");
		strata_buf_add_ident(&s, t->t->name);
		strata_buf_adds(&s, " RENAME COLUMN ");
		strata_buf_add_ident(&s, was->name);
		strata_buf_adds(&s, " TO ");
		add_col_name(&s, tc[i]);
		strata_buf_adds(&s, ";\n");
		if (!s.broken && !t->nosim && sim_exec(pl, s.buf) != 0)
			t->nosim = 1;
		strata_buf_addf(&w, "rename column %s.%s to %s", t->t->name, was->name, tc[i]->name);
		add_step(pl, STRATA_OBJ_COLUMN, 0, &s, w.buf ? w.buf : "");
		oom(pl, &w);
		strata_buf_release(&s);
		strata_buf_release(&w);
	}
	t->col_renames = 1;
}

/*
 * The ADD COLUMN and DROP COLUMN statements a paired table would take,
 * run in the model database; any that SQLite refuses there, or a change
 * they cannot make, makes it a rebuild. Whether they give the desired text
 * is compared afterwards (check_tables).
 */
static void plan_alters(struct planner *pl, struct tb *t, const struct strata_schema_obj *const *fc, size_t nf,
			const struct strata_schema_obj *const *tc, size_t nt)
{
	for (size_t k = 0; k < nf; k++) {
		const struct strata_schema_obj *now = to_of(pl, fc[k]);

		if (!now) {
			/* DROP COLUMN: SQLite refuses where the column is a key, indexed, or in a constraint */
			if (strata_schema_attr_get(fc[k], "primary key")) {
				add_why(t, "drop of primary key column %s%s", fc[k]->name, NULL);
				t->rebuild = 1;
			}
			strata_buf_adds(&t->alters, "ALTER TABLE ");
			strata_buf_add_ident(&t->alters, t->t->name);
			strata_buf_adds(&t->alters, " DROP COLUMN ");
			strata_buf_add_ident(&t->alters, fc[k]->name);
			strata_buf_adds(&t->alters, ";\n");
			strata_buf_addf(&t->alter_what, "Ddrop column %s.%s\n", t->t->name, fc[k]->name);
			if (t->destr.len)
				strata_buf_adds(&t->destr, ", ");
			strata_buf_addf(&t->destr, "drops column %s", fc[k]->name);
		}
	}
	for (size_t i = 0; i < nt; i++) {
		const struct strata_schema_obj *was = from_of(pl, tc[i]);
		const char *gen = strata_schema_attr_get(tc[i], "generated");
		const char *dflt = strata_schema_attr_get(tc[i], STRATA_ATTR_DEFAULT);
		char *def;

		if (was) {
			const char *ta = strata_schema_attr_get(was, STRATA_ATTR_TYPE);
			const char *tb = strata_schema_attr_get(tc[i], STRATA_ATTR_TYPE);

			if (!affinity_keeps(ta, tb)) {
				if (t->destr.len)
					strata_buf_adds(&t->destr, ", ");
				strata_buf_addf(&t->destr, "type of %s %s \u2192 %s may convert its values", tc[i]->name,
						ta ? ta : "(none)", tb ? tb : "(none)");
			}
			continue;
		}
		def = coldef(tc[i]);
		if (!def) {
			add_why(t, "new column %s%s", tc[i]->name, NULL);
			t->rebuild = 1;
			continue;
		}
		if (gen && strcmp(gen, "stored") == 0) {
			add_why(t, "new stored generated column %s%s", tc[i]->name, NULL);
			t->rebuild = 1;
		} else if (!gen && strata_schema_attr_get(tc[i], STRATA_ATTR_NOT_NULL) && (!dflt || strcasecmp(dflt, "NULL") == 0)) {
			/* SQLite refuses it on a table with rows only: the model database has none */
			add_why(t, "new NOT NULL column %s without a default%s", tc[i]->name, NULL);
			t->rebuild = 1;
		} else if (!gen && dflt && !constant_default(dflt)) {
			add_why(t, "new column %s with a default that is not a constant%s", tc[i]->name, NULL);
			t->rebuild = 1;
		} else if (in_fk(pl->to, t->t->name, tc[i]->name) && dflt && strcasecmp(dflt, "NULL") != 0) {
			add_why(t, "new column %s references another table and has a default%s", tc[i]->name, NULL);
			t->rebuild = 1;
		}
		strata_buf_adds(&t->alters, "ALTER TABLE ");
		strata_buf_add_ident(&t->alters, t->t->name);
		strata_buf_addf(&t->alters, " ADD COLUMN %s;\n", def);
		strata_buf_addf(&t->alter_what, "Aadd column %s.%s\n", t->t->name, tc[i]->name);
		free(def);
	}
	if (oom(pl, &t->alters) || t->rebuild || !t->alters.len || t->virt)
		return;
	if (t->nosim) {
		add_why(t, "SQLite could not model its ALTER TABLE%s%s", "", NULL);
		t->rebuild = 1;
		return;
	}
	sim_exec(pl, "SAVEPOINT strata_plan");
	if (sim_exec(pl, t->alters.buf) != 0) {
		add_why(t, "ALTER TABLE cannot make the change: %s%s", sqlite3_errmsg(pl->sim), NULL);
		t->rebuild = 1;
		sim_exec(pl, "ROLLBACK TO strata_plan");
	}
	sim_exec(pl, "RELEASE strata_plan");
}

/* Why a table that ALTER TABLE cannot turn into its desired text is rebuilt, from the two models. */
static void explain(struct planner *pl, struct tb *t, const struct strata_schema_obj *const *tc, size_t nt)
{
	if (t->why.len)
		return;
	for (size_t i = 0; i < nt; i++) {
		const struct strata_schema_obj *was = from_of(pl, tc[i]);

		if (!was)
			add_why(t, "new column %s%s", tc[i]->name, " not at the end, or not as ADD COLUMN writes it");
		else
			for (size_t a = 0; a < tc[i]->nattrs; a++) {
				const char *k = tc[i]->attrs[a].key;

				if (strcmp(k, STRATA_ATTR_DEFINITION) != 0 && strata_plan_obj_differs(was, tc[i], k)) {
					add_why(t, "%s of %s", k, tc[i]->name);
					break;
				}
			}
	}
	for (size_t i = 0; i < pl->to->n && !t->why.len; i++) {
		const struct strata_schema_obj *o = &pl->to->objs[i], *was;

		if (o->kind != STRATA_OBJ_CONSTRAINT || !o->parent || strcmp(o->parent, t->t->name) != 0)
			continue;
		was = from_of(pl, o);
		if (!was || strata_plan_obj_differs(was, o, NULL))
			add_why(t, "%s%s", o->name, NULL);
	}
	if (!t->why.len)
		add_why(t, "its definition%s%s", "", NULL);
}

/* Does the model database's table give the desired one (attributes, columns and foreign keys; order aside)? */
static int sim_matches(const struct strata_schema *sim, const struct strata_schema *to, const struct strata_schema_obj *t)
{
	const struct strata_schema_obj *s = strata_schema_find(sim, STRATA_OBJ_TABLE, NULL, NULL, t->name);
	size_t nsim = 0, nto = 0;

	if (!s || strata_plan_obj_differs(s, t, NULL))
		return 0;
	for (size_t i = 0; i < to->n; i++) {
		const struct strata_schema_obj *o = &to->objs[i], *x;

		if ((o->kind != STRATA_OBJ_COLUMN && o->kind != STRATA_OBJ_CONSTRAINT) || !o->parent ||
		    strcmp(o->parent, t->name) != 0)
			continue;
		nto++;
		x = strata_schema_find(sim, o->kind, NULL, t->name, o->name);
		if (!x || strata_plan_obj_differs(x, o, NULL))
			return 0;
	}
	for (size_t i = 0; i < sim->n; i++) {
		const struct strata_schema_obj *o = &sim->objs[i];

		if ((o->kind == STRATA_OBJ_COLUMN || o->kind == STRATA_OBJ_CONSTRAINT) && o->parent &&
		    strcmp(o->parent, t->name) == 0)
			nsim++;
	}
	return nsim == nto;
}

static void check_tables(struct planner *pl)
{
	struct strata_schema *sim = NULL;
	struct strata_schema_read_opts ro = {0};
	int ok = 0;

	if (pl->sim && strata_schema_new(STRATA_ENGINE_SQLITE, &sim) == 0) {
		if (strata_sqlite_schema_read_handle(pl->sim, &ro, sim, NULL) == 0 && strata_schema_finish(sim) == 0)
			ok = 1;
	}
	for (size_t i = 0; i < pl->ntb && !pl->rc; i++) {
		struct tb *t = &pl->tb[i];
		const struct strata_schema_obj **tc = NULL;
		size_t nt = 0;

		if (!t->f || !t->t || t->virt)
			continue;
		if (t->rebuild || !ok || t->nosim || !sim_matches(sim, pl->to, t->t)) {
			if (!t->rebuild && (!ok || t->nosim))
				add_why(t, "SQLite could not model its ALTER TABLE%s%s", "", NULL);
			t->rebuild = 1;
			if ((pl->rc = table_cols(pl->to, t->t->name, &tc, &nt)) == 0)
				explain(pl, t, tc, nt);
			free(tc);
		}
	}
	strata_schema_free(sim);
}

/* The rebuild of one table, as SQLite documents it, in a transaction of its own. */
static void rebuild(struct planner *pl, struct tb *t)
{
	const struct strata_schema *to = pl->to;
	const struct strata_schema_obj **fc = NULL, **tc = NULL;
	const char *name = t->t->name;
	struct strata_buf b, old, cols, sel, w, chk;
	size_t nf = 0, nt = 0, nmapped = 0, nchk = 0;
	const char *checked[64]; /* the tables whose foreign keys are checked (more: the first 64) */
	int rowid, autoinc;
	unsigned flags = STRATA_STEP_OWN_TRANSACTION;

	if ((pl->rc = table_cols(pl->from, t->f->name, &fc, &nf)) || (pl->rc = table_cols(to, name, &tc, &nt))) {
		free(fc);
		return;
	}
	strata_buf_init(&b);
	strata_buf_init(&old);
	strata_buf_init(&cols);
	strata_buf_init(&sel);
	strata_buf_init(&w);
	strata_buf_init(&chk);
	strata_buf_addf(&old, "strata_old_%s", name);
	rowid = !strata_schema_attr_get(t->f, "without rowid") && !strata_schema_attr_get(t->t, "without rowid") &&
		!is_alias(t->t, tc, nt);
	for (size_t i = 0; i < nt; i++) {
		const struct strata_schema_obj *was = from_of(pl, tc[i]);

		if (nocase_eq(tc[i]->name, "rowid"))
			rowid = 0;
		if (!was || strata_schema_attr_get(tc[i], "generated"))
			continue;
		if (nmapped++) {
			strata_buf_adds(&cols, ", ");
			strata_buf_adds(&sel, ", ");
		}
		strata_buf_add_ident(&cols, tc[i]->name);
		strata_buf_add_ident(&sel, t->col_renames ? tc[i]->name : was->name);
	}
	autoinc = has_autoinc(fc, nf) && has_autoinc(tc, nt);

	strata_buf_adds(&b, "-- SQLite's table rebuild (lang_altertable.html, \"Making Other Kinds Of Table Schema "
			    "Changes\"):\n-- this migration manages its own transaction.\n");
	strata_buf_adds(&b, "PRAGMA foreign_keys=OFF;\nBEGIN;\nPRAGMA legacy_alter_table=ON;\n");
	strata_buf_adds(&b, "ALTER TABLE ");
	strata_buf_add_ident(&b, name);
	strata_buf_adds(&b, " RENAME TO ");
	strata_buf_add_ident(&b, old.buf ? old.buf : "");
	strata_buf_adds(&b, ";\n");
	strata_buf_adds(&b, t->t->sql);
	if (nmapped || rowid) {
		strata_buf_adds(&b, "INSERT INTO ");
		strata_buf_add_ident(&b, name);
		strata_buf_adds(&b, " (");
		if (rowid)
			strata_buf_adds(&b, nmapped ? "rowid, " : "rowid");
		strata_buf_add(&b, cols.buf ? cols.buf : "", cols.len);
		strata_buf_adds(&b, ") SELECT ");
		if (rowid)
			strata_buf_adds(&b, nmapped ? "rowid, " : "rowid");
		strata_buf_add(&b, sel.buf ? sel.buf : "", sel.len);
		strata_buf_adds(&b, " FROM ");
		strata_buf_add_ident(&b, old.buf ? old.buf : "");
		strata_buf_adds(&b, ";\n");
	} else {
		if (t->destr.len)
			strata_buf_adds(&t->destr, ", ");
		strata_buf_adds(&t->destr, "no column is kept: its rows are not carried over");
	}
	if (autoinc) {
		/* the counter, not the largest rowid copied: ids of deleted rows are not given out again */
		strata_buf_adds(&b, "UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence "
				    "WHERE name = ");
		strata_buf_add_literal(&b, old.buf ? old.buf : "", old.len);
		strata_buf_adds(&b, "), 0)) WHERE name = ");
		strata_buf_add_literal(&b, name, strlen(name));
		strata_buf_adds(&b, ";\nINSERT INTO sqlite_sequence (name, seq) SELECT ");
		strata_buf_add_literal(&b, name, strlen(name));
		strata_buf_adds(&b, ", seq FROM sqlite_sequence WHERE name = ");
		strata_buf_add_literal(&b, old.buf ? old.buf : "", old.len);
		strata_buf_adds(&b, " AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ");
		strata_buf_add_literal(&b, name, strlen(name));
		strata_buf_adds(&b, ");\n");
	}
	strata_buf_adds(&b, "DROP TABLE ");
	strata_buf_add_ident(&b, old.buf ? old.buf : "");
	strata_buf_adds(&b, ";\n");
	/* its indexes and triggers, in the desired schema's order */
	for (size_t k = 0; k < to->n; k++) {
		const struct strata_schema_obj *o = &to->objs[pl->oto[k]];

		if ((o->kind == STRATA_OBJ_INDEX || o->kind == STRATA_OBJ_TRIGGER) && o->parent &&
		    strcmp(o->parent, name) == 0 && o->sql)
			strata_buf_adds(&b, o->sql);
	}
	/* foreign keys of the table and of the tables that reference it, each table once */
	for (size_t i = 0; i < to->n; i++) {
		const struct strata_schema_obj *o = &to->objs[i];
		const char *ref = strata_schema_attr_get(o, "references");
		int seen = 0;

		if (o->kind != STRATA_OBJ_CONSTRAINT || !o->parent || !ref)
			continue;
		if (strcmp(o->parent, name) != 0 && !nocase_eq(ref, name))
			continue;
		for (size_t k = 0; k < nchk && !seen; k++)
			seen = strcmp(checked[k], o->parent) == 0;
		if (seen || nchk == sizeof(checked) / sizeof(*checked))
			continue;
		checked[nchk] = o->parent;
		strata_buf_adds(&chk, nchk++ ? " + " : "");
		strata_buf_adds(&chk, "(SELECT count(*) FROM pragma_foreign_key_check(");
		strata_buf_add_literal(&chk, o->parent, strlen(o->parent));
		strata_buf_adds(&chk, "))");
	}
	if (nchk) {
		strata_buf_adds(&b, "CREATE TEMP TABLE strata_foreign_key_check (violations INTEGER CONSTRAINT "
				    "\"rows violate a foreign key (PRAGMA foreign_key_check lists them)\" CHECK "
				    "(violations = 0));\n");
		strata_buf_adds(&b, "INSERT INTO temp.strata_foreign_key_check SELECT ");
		strata_buf_add(&b, chk.buf ? chk.buf : "", chk.len);
		strata_buf_adds(&b, ";\nDROP TABLE temp.strata_foreign_key_check;\n");
	}
	strata_buf_adds(&b, "PRAGMA legacy_alter_table=OFF;\nCOMMIT;\nPRAGMA foreign_keys=ON;\n");

	if (t->destr.len)
		flags |= STRATA_STEP_DESTRUCTIVE;
	strata_buf_addf(&w, "rebuild table %s (%s)", name, t->why.len ? t->why.buf : "its definition");
	if (t->destr.len)
		strata_buf_addf(&w, ": %s", t->destr.buf);
	strata_buf_adds(&w, "; a file-managed-transaction migration");
	oom(pl, &w);
	oom(pl, &old);
	oom(pl, &cols);
	oom(pl, &sel);
	oom(pl, &chk);
	add_step(pl, STRATA_OBJ_TABLE, flags, &b, w.buf ? w.buf : "");
	strata_buf_release(&b);
	strata_buf_release(&old);
	strata_buf_release(&cols);
	strata_buf_release(&sel);
	strata_buf_release(&w);
	strata_buf_release(&chk);
	free(fc);
	free(tc);
}

/* Each ALTER of the table as a step of its own. */
static void emit_alters(struct planner *pl, struct tb *t)
{
	const char *p = t->alters.buf, *w = t->alter_what.buf;

	oom(pl, &t->alter_what);
	while (p && *p && w && *w && !pl->rc) {
		const char *e = strstr(p, ";\n"), *we = strchr(w, '\n');
		struct strata_buf s;
		char *what;

		if (!e || !we)
			break;
		strata_buf_init(&s);
		strata_buf_add(&s, p, (size_t)(e - p) + 2);
		what = strata_strndup(w + 1, (size_t)(we - w - 1));
		if (!what)
			pl->rc = STRATA_ENOMEM;
		else
			add_step(pl, STRATA_OBJ_COLUMN, *w == 'D' ? STRATA_STEP_DESTRUCTIVE : 0, &s, what);
		free(what);
		strata_buf_release(&s);
		p = e + 2;
		w = we + 1;
	}
}

static void create_obj(struct planner *pl, const struct strata_schema_obj *o)
{
	struct strata_buf b;
	char *label = strata_schema_obj_label(o);

	if (!label) {
		pl->rc = STRATA_ENOMEM;
		return;
	}
	strata_buf_init(&b);
	strata_buf_adds(&b, o->sql ? o->sql : "");
	{
		struct strata_buf w;

		strata_buf_init(&w);
		strata_buf_addf(&w, "create %s %s", strata_obj_kind_name(o->kind), label);
		add_step(pl, o->kind, 0, &b, w.buf ? w.buf : "");
		oom(pl, &w);
		strata_buf_release(&w);
	}
	strata_buf_release(&b);
	free(label);
}

/* Gone tables, children before the parents they reference. */
static void drop_gone_tables(struct planner *pl)
{
	unsigned char *done = calloc(pl->ntb ? pl->ntb : 1, 1);
	int progress = 1;

	if (!done) {
		pl->rc = STRATA_ENOMEM;
		return;
	}
	while (progress && !pl->rc) {
		progress = 0;
		for (size_t i = 0; i < pl->ntb && !pl->rc; i++) {
			struct tb *t = &pl->tb[i];
			int blocked = 0;

			if (!t->f || t->t || t->dropped_early || done[i])
				continue;
			/* a gone table still to drop that references this one goes first */
			for (size_t k = 0; k < pl->ntb && !blocked; k++) {
				struct tb *c = &pl->tb[k];

				if (k == i || !c->f || c->t || c->dropped_early || done[k])
					continue;
				for (size_t j = 0; j < pl->from->n && !blocked; j++) {
					const struct strata_schema_obj *o = &pl->from->objs[j];

					blocked = o->kind == STRATA_OBJ_CONSTRAINT && o->parent &&
						  strcmp(o->parent, c->f->name) == 0 &&
						  nocase_eq(strata_schema_attr_get(o, "references"), t->f->name);
				}
			}
			if (blocked)
				continue;
			done[i] = 1;
			progress = 1;
			drop_table(pl, t);
		}
	}
	/* a cycle of foreign keys among them: in any order (foreign keys are checked by no DROP of theirs) */
	for (size_t i = 0; i < pl->ntb && !pl->rc; i++) {
		struct tb *t = &pl->tb[i];

		if (t->f && !t->t && !t->dropped_early && !done[i])
			drop_table(pl, t);
	}
	free(done);
}

/* Does table t's desired form reference `other` (a pending table) through a foreign key? */
static int waits_for(struct planner *pl, const struct tb *t, const struct tb *other)
{
	for (size_t i = 0; i < pl->to->n; i++) {
		const struct strata_schema_obj *o = &pl->to->objs[i];

		if (o->kind == STRATA_OBJ_CONSTRAINT && o->parent && strcmp(o->parent, t->t->name) == 0 &&
		    nocase_eq(strata_schema_attr_get(o, "references"), other->t->name))
			return 1;
	}
	return 0;
}

/* The ALTERs or rebuild of each paired table, in the desired order, parents first where a foreign key asks. */
static void change_tables(struct planner *pl)
{
	const struct strata_schema *to = pl->to;
	struct tb **pending = calloc(pl->ntb ? pl->ntb : 1, sizeof(*pending));
	size_t n = 0;
	int progress = 1;

	if (!pending) {
		pl->rc = STRATA_ENOMEM;
		return;
	}
	for (size_t k = 0; k < to->n; k++) {
		struct tb *t;

		if (to->objs[pl->oto[k]].kind != STRATA_OBJ_TABLE)
			continue;
		t = tb_of(pl, &to->objs[pl->oto[k]], 1);
		if (t && t->f && !t->virt && (t->rebuild || t->alters.len))
			pending[n++] = t;
	}
	while (n && progress && !pl->rc) {
		progress = 0;
		for (size_t i = 0; i < n && !pl->rc; i++) {
			int blocked = 0;

			for (size_t j = 0; j < n && !blocked; j++)
				blocked = j != i && waits_for(pl, pending[i], pending[j]);
			if (blocked)
				continue;
			if (pending[i]->rebuild)
				rebuild(pl, pending[i]);
			else
				emit_alters(pl, pending[i]);
			memmove(&pending[i], &pending[i + 1], (n - i - 1) * sizeof(*pending));
			n--;
			i--;
			progress = 1;
		}
	}
	/* a cycle: in the desired order (each rebuild checks what it can) */
	for (size_t i = 0; i < n && !pl->rc; i++) {
		if (pending[i]->rebuild)
			rebuild(pl, pending[i]);
		else
			emit_alters(pl, pending[i]);
	}
	free(pending);
}

static void plan(struct planner *pl)
{
	const struct strata_schema *from = pl->from, *to = pl->to;

	if ((pl->rc = build_tables(pl)))
		return;
	sim_open(pl);
	/* renames and ALTERs, run in the model database as they are planned (the steps are emitted later) */
	{
		struct strata_schema_plan *real = pl->p, scratch = {0};

		/* table renames come first in the plan, but after the drops: plan them into a side plan */
		pl->p = &scratch;
		rename_tables(pl);
		for (size_t i = 0; i < pl->ntb && !pl->rc; i++) {
			struct tb *t = &pl->tb[i];
			const struct strata_schema_obj **fc = NULL, **tc = NULL;
			size_t nf = 0, nt = 0;

			if (!t->f || !t->t)
				continue;
			if (t->virt) {
				if (strata_plan_obj_differs(t->f, t->t, NULL))
					pl->rc = strata_plan_unhandled(
						real, "change of virtual table %s: its rows live in its module's own tables",
						t->t->name);
				continue;
			}
			if ((pl->rc = table_cols(from, t->f->name, &fc, &nf)) == 0 &&
			    (pl->rc = table_cols(to, t->t->name, &tc, &nt)) == 0) {
				rename_columns(pl, t, fc, nf, tc, nt);
				plan_alters(pl, t, fc, nf, tc, nt);
			}
			free(fc);
			free(tc);
		}
		if (!pl->rc)
			check_tables(pl);
		pl->p = real;
		if (!pl->rc) {
			for (size_t i = 0; i < scratch.nunhandled && !pl->rc; i++)
				pl->rc = strata_plan_unhandled(real, "%s", scratch.unhandled[i]);
		}
		if (!pl->rc)
			mark_dependents(pl);
		/* 1. drops of views, triggers and indexes */
		if (!pl->rc)
			emit_drops(pl);
		/* 2. early table drops, table renames and column renames, as planned */
		for (size_t i = 0; i < scratch.n && !pl->rc; i++)
			pl->rc = strata_plan_add(real, scratch.steps[i].kind, scratch.steps[i].flags, scratch.steps[i].sql,
						 "%s", scratch.steps[i].what);
		for (size_t i = 0; i < scratch.n; i++) {
			free(scratch.steps[i].what);
			free(scratch.steps[i].sql);
		}
		free(scratch.steps);
		for (size_t i = 0; i < scratch.nunhandled; i++)
			free(scratch.unhandled[i]);
		free(scratch.unhandled);
	}
	/* 3. new tables */
	for (size_t k = 0; k < to->n && !pl->rc; k++) {
		const struct strata_schema_obj *o = &to->objs[pl->oto[k]];

		if (o->kind == STRATA_OBJ_TABLE && !from_of(pl, o))
			create_obj(pl, o);
	}
	/* 4. changed tables, parents before the children whose new foreign keys need their new keys */
	change_tables(pl);
	/* 5. gone tables */
	if (!pl->rc)
		drop_gone_tables(pl);
	/* 6. indexes, views and triggers */
	for (size_t k = 0; k < to->n && !pl->rc; k++)
		if (pl->create[pl->oto[k]])
			create_obj(pl, &to->objs[pl->oto[k]]);
}

int strata_sqlite_schema_plan(const struct strata_plan_match *m, const struct strata_plan_opts *o,
			      struct strata_schema_plan *p, struct strata_err *err)
{
	struct planner pl = {.m = m, .from = m->from, .to = m->to, .p = p, .err = err};

	(void)o;
	pl.ofrom = malloc((m->from->n ? m->from->n : 1) * sizeof(*pl.ofrom));
	pl.oto = malloc((m->to->n ? m->to->n : 1) * sizeof(*pl.oto));
	pl.drop = calloc(m->from->n ? m->from->n : 1, 1);
	pl.create = calloc(m->to->n ? m->to->n : 1, 1);
	if (!pl.ofrom || !pl.oto || !pl.drop || !pl.create)
		pl.rc = STRATA_ENOMEM;
	if (!pl.rc)
		pl.rc = strata_schema_order(m->from, pl.ofrom);
	if (!pl.rc)
		pl.rc = strata_schema_order(m->to, pl.oto);
	if (!pl.rc)
		plan(&pl);
	for (size_t i = 0; i < pl.ntb; i++) {
		strata_buf_release(&pl.tb[i].alters);
		strata_buf_release(&pl.tb[i].alter_what);
		strata_buf_release(&pl.tb[i].why);
		strata_buf_release(&pl.tb[i].destr);
	}
	free(pl.tb);
	free(pl.ofrom);
	free(pl.oto);
	free(pl.drop);
	free(pl.create);
	if (pl.sim)
		sqlite3_close(pl.sim);
	if (pl.rc == STRATA_ENOMEM)
		strata_err_set(err, STRATA_ENOMEM, "out of memory");
	return pl.rc;
}
