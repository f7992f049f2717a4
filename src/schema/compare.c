/*
 * schema/compare.c - strata_schema_compare: the differences between two
 * schemas, object by object, and strata_schema_diff_line, each as one line a
 * person reads.
 *
 * Both object lists are sorted by identity (strata_schema_finish), so one
 * walk side by side finds what only one side has (added, removed) and pairs
 * the rest, whose attributes (sorted by key) are walked the same way: an
 * attribute one side lacks is one whose value is "none". An object's SQL is
 * not compared: it is what a dump writes, and everything it says that
 * matters is an attribute (a column's default is the column's, not also its
 * table's), so each difference is reported once, where it is.
 *
 * What goes with a parent goes with it: when a table is dropped the report
 * says "- table t", not also each of its columns, indexes and constraints.
 *
 * Column order is compared among the columns both sides have (their rank,
 * not their ordinal): a column added or dropped in the middle moves no other
 * column, and an engine that leaves gaps in its ordinals after a drop
 * compares equal to a fresh table. A difference reported only as positions
 * is flagged `order_only`.
 *
 * Kinds the model could not hold ("not handled") are never equal: whenever
 * either side has any, the diff lists them, and a diff with such lines is
 * not an equality.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "../buf.h"
#include "../util.h"

/* The longest value a diff line shows whole (bytes), and the context kept before a difference. */
#define LINE_VALUE_MAX 72
#define LINE_CONTEXT 24

static int nullcmp(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* The value with every run of white space (newlines too) made one space, trimmed; NULL stays NULL. */
static char *one_line(const char *v, int *oom)
{
	struct strata_buf b;
	int space = 0;
	char *r;

	if (!v)
		return NULL;
	strata_buf_init(&b);
	for (const char *p = v; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v') {
			space = 1;
			continue;
		}
		if (space && b.len)
			strata_buf_addc(&b, ' ');
		space = 0;
		strata_buf_addc(&b, *p);
	}
	r = strata_buf_detach(&b, NULL);
	if (!r)
		*oom = 1;
	return r;
}

static int is_public(const char *schema)
{
	/* the default schema is left out of names, for readability; other schemas are kept */
	return !schema || strcmp(schema, "public") == 0;
}

/* "t", "app.t": a name as a report shows it. */
static void add_name(struct strata_buf *b, const char *schema, const char *name)
{
	if (!is_public(schema))
		strata_buf_addf(b, "%s.", schema);
	strata_buf_adds(b, name);
}

/* How a report names o: "projects.name", "ix_runs_status ON runs", "app.f(integer)". */
char *strata_schema_obj_label(const struct strata_schema_obj *o)
{
	struct strata_buf b;

	strata_buf_init(&b);
	if (o->parent && o->kind == STRATA_OBJ_COLUMN) {
		add_name(&b, o->schema, o->parent);
		strata_buf_addf(&b, ".%s", o->name);
	} else if (o->parent) {
		strata_buf_addf(&b, "%s ON ", o->name);
		add_name(&b, o->schema, o->parent);
	} else {
		add_name(&b, o->schema, o->name);
	}
	return strata_buf_detach(&b, NULL);
}

struct diff_builder {
	struct strata_schema_diff *d;
	size_t cap;
	int oom;
};

static struct strata_schema_diff_item *item_new(struct diff_builder *db, enum strata_diff_op op,
						const struct strata_schema_obj *o)
{
	struct strata_schema_diff_item *it;

	if (db->oom)
		return NULL;
	if (db->d->n == db->cap) {
		size_t ncap = db->cap ? db->cap * 2 : 16;
		struct strata_schema_diff_item *p = realloc(db->d->items, ncap * sizeof(*p));

		if (!p) {
			db->oom = 1;
			return NULL;
		}
		db->d->items = p;
		db->cap = ncap;
	}
	it = &db->d->items[db->d->n];
	memset(it, 0, sizeof(*it));
	it->op = op;
	it->kind = o->kind;
	if (!(it->object = strata_schema_obj_label(o))) {
		db->oom = 1;
		return NULL;
	}
	db->d->n++;
	return it;
}

static void add_presence(struct diff_builder *db, enum strata_diff_op op, const struct strata_schema_obj *o)
{
	struct strata_schema_diff_item *it = item_new(db, op, o);

	if (it)
		it->sql = one_line(o->sql, &db->oom);
}

static void add_change(struct diff_builder *db, const struct strata_schema_obj *o, const char *attr,
		       const char *before, const char *after)
{
	struct strata_schema_diff_item *it = item_new(db, STRATA_DIFF_CHANGED, o);

	if (!it)
		return;
	if (!(it->attr = strata_strdup(attr)))
		db->oom = 1;
	if (before && !(it->before = strata_strdup(before)))
		db->oom = 1;
	if (after && !(it->after = strata_strdup(after)))
		db->oom = 1;
}

static void add_position(struct diff_builder *db, const struct strata_schema_obj *a, const struct strata_schema_obj *b)
{
	char pa[24], pb[24];

	snprintf(pa, sizeof(pa), "%d", a->position);
	snprintf(pb, sizeof(pb), "%d", b->position);
	add_change(db, a, STRATA_ATTR_POSITION, pa, pb);
}

/* The attributes of a matched pair, walked side by side; `moved`: report the column's position too. */
static void compare_attrs(struct diff_builder *db, const struct strata_schema_obj *a, const struct strata_schema_obj *b,
			  int moved)
{
	size_t i = 0, j = 0;

	while (i < a->nattrs || j < b->nattrs) {
		const struct strata_schema_attr *x = i < a->nattrs ? &a->attrs[i] : NULL;
		const struct strata_schema_attr *y = j < b->nattrs ? &b->attrs[j] : NULL;
		const char *key, *va = NULL, *vb = NULL;
		int c = !x ? 1 : !y ? -1 : strcmp(x->key, y->key);

		key = c <= 0 ? x->key : y->key;
		if (moved && strcmp(STRATA_ATTR_POSITION, key) < 0) {
			add_position(db, a, b);
			moved = 0;
		}
		if (c <= 0)
			va = a->attrs[i++].value;
		if (c >= 0)
			vb = b->attrs[j++].value;
		if (strcmp(key, STRATA_ATTR_POSITION) == 0)
			continue; /* the position is the object's, not an attribute's */
		if (nullcmp(va, vb) != 0)
			add_change(db, a, key, va, vb);
	}
	if (moved)
		add_position(db, a, b);
}

/* Top-level objects only one side has, as (schema, name): their sub-objects are not reported. */
struct gone {
	const struct strata_schema_obj **o;
	size_t n;
};

/* Can o own sub-objects (it is top-level, and not a schema or extension, whose objects are reported)? */
static int can_own(const struct strata_schema_obj *o)
{
	return !o->parent && o->kind != STRATA_OBJ_SCHEMA && o->kind != STRATA_OBJ_EXTENSION;
}

static int gone_has(const struct gone *g, const char *schema, const char *parent)
{
	/* the list is in identity order, which is not (schema, name) order across kinds: scan */
	for (size_t i = 0; i < g->n; i++)
		if (nullcmp(g->o[i]->schema, schema) == 0 && strcmp(g->o[i]->name, parent) == 0)
			return 1;
	return 0;
}

/* A matched pair of columns, with their ranks among the columns both sides have. */
struct col_pair {
	size_t ia, ib;
	int pa, pb; /* positions */
	size_t ra;  /* rank on side a */
	int moved;
};

static int pair_by_a(const void *x, const void *y)
{
	const struct col_pair *p = x, *q = y;

	return p->pa != q->pa ? (p->pa < q->pa ? -1 : 1) : (p->ia < q->ia ? -1 : p->ia > q->ia);
}

static int pair_by_b(const void *x, const void *y)
{
	const struct col_pair *p = x, *q = y;

	return p->pb != q->pb ? (p->pb < q->pb ? -1 : 1) : (p->ib < q->ib ? -1 : p->ib > q->ib);
}

static int pair_by_ia(const void *x, const void *y)
{
	const struct col_pair *p = x, *q = y;

	return p->ia < q->ia ? -1 : p->ia > q->ia;
}

/*
 * Mark in moved[ia] the matched columns of a whose rank among the columns
 * both sides have differs and whose position differs. pairs: the matched
 * columns, in a's identity order (so grouped by table).
 */
static void mark_moved(const struct strata_schema *a, struct col_pair *pairs, size_t np, char *moved)
{
	size_t g = 0;

	while (g < np) {
		const struct strata_schema_obj *t = &a->objs[pairs[g].ia];
		size_t e = g + 1;

		while (e < np && nullcmp(a->objs[pairs[e].ia].schema, t->schema) == 0 &&
		       nullcmp(a->objs[pairs[e].ia].parent, t->parent) == 0)
			e++;
		qsort(pairs + g, e - g, sizeof(*pairs), pair_by_a);
		for (size_t k = g; k < e; k++)
			pairs[k].ra = k - g;
		qsort(pairs + g, e - g, sizeof(*pairs), pair_by_b);
		for (size_t k = g; k < e; k++)
			if (pairs[k].ra != k - g && pairs[k].pa != pairs[k].pb)
				moved[pairs[k].ia] = 1;
		qsort(pairs + g, e - g, sizeof(*pairs), pair_by_ia);
		g = e;
	}
}

static void compare_unhandled(struct diff_builder *db, const struct strata_schema *a, const struct strata_schema *b)
{
	size_t i = 0, j = 0, n = a->nunhandled + b->nunhandled;
	struct strata_schema_diff *d = db->d;

	if (!n)
		return;
	if (!(d->unhandled = calloc(n, sizeof(*d->unhandled)))) {
		db->oom = 1;
		return;
	}
	while (i < a->nunhandled || j < b->nunhandled) {
		int c = i >= a->nunhandled ? 1 : j >= b->nunhandled ? -1 : strcmp(a->unhandled[i], b->unhandled[j]);
		struct strata_buf l;

		strata_buf_init(&l);
		if (c == 0) {
			strata_buf_adds(&l, a->unhandled[i++]);
			j++;
		} else if (c < 0) {
			strata_buf_addf(&l, "before: %s", a->unhandled[i++]);
		} else {
			strata_buf_addf(&l, "after: %s", b->unhandled[j++]);
		}
		if (!(d->unhandled[d->nunhandled] = strata_buf_detach(&l, NULL))) {
			db->oom = 1;
			return;
		}
		d->nunhandled++;
	}
}

/* The matched columns of a and b (ia, ib in identity order). */
static int collect_pairs(const struct strata_schema *a, const struct strata_schema *b, struct col_pair **out,
			 size_t *nout)
{
	struct col_pair *p = NULL;
	size_t i = 0, j = 0, n = 0, cap = 0;

	*out = NULL;
	*nout = 0;
	while (i < a->n && j < b->n) {
		int c = strata_schema_obj_cmp(&a->objs[i], &b->objs[j]);

		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			if (a->objs[i].kind == STRATA_OBJ_COLUMN) {
				if (n == cap) {
					size_t ncap = cap ? cap * 2 : 64;
					struct col_pair *q = realloc(p, ncap * sizeof(*q));

					if (!q) {
						free(p);
						return STRATA_ENOMEM;
					}
					p = q;
					cap = ncap;
				}
				p[n].ia = i;
				p[n].ib = j;
				p[n].pa = a->objs[i].position;
				p[n].pb = b->objs[j].position;
				p[n].ra = 0;
				p[n].moved = 0;
				n++;
			}
			i++;
			j++;
		}
	}
	*out = p;
	*nout = n;
	return 0;
}

int strata_schema_compare(const struct strata_schema *a, const struct strata_schema *b,
			  struct strata_schema_diff **out, struct strata_err *err)
{
	struct diff_builder db = {0};
	struct gone ga = {0}, gb = {0};
	struct col_pair *pairs = NULL;
	char *moved = NULL;
	size_t np = 0, i = 0, j = 0;
	int nonpos = 0;

	*out = NULL;
	if (!(db.d = calloc(1, sizeof(*db.d))))
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	ga.o = calloc(a->n ? a->n : 1, sizeof(*ga.o));
	gb.o = calloc(b->n ? b->n : 1, sizeof(*gb.o));
	moved = calloc(a->n ? a->n : 1, 1);
	if (!ga.o || !gb.o || !moved || collect_pairs(a, b, &pairs, &np) < 0) {
		db.oom = 1;
		goto out;
	}
	mark_moved(a, pairs, np, moved);

	/* first the top-level objects only one side has: what goes with them is not reported */
	while (i < a->n || j < b->n) {
		int c = i >= a->n ? 1 : j >= b->n ? -1 : strata_schema_obj_cmp(&a->objs[i], &b->objs[j]);

		if (c < 0 && can_own(&a->objs[i]))
			ga.o[ga.n++] = &a->objs[i];
		if (c > 0 && can_own(&b->objs[j]))
			gb.o[gb.n++] = &b->objs[j];
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}

	i = j = 0;
	while (!db.oom && (i < a->n || j < b->n)) {
		int c = i >= a->n ? 1 : j >= b->n ? -1 : strata_schema_obj_cmp(&a->objs[i], &b->objs[j]);

		if (c < 0) {
			const struct strata_schema_obj *o = &a->objs[i++];

			if (!o->parent || !gone_has(&ga, o->schema, o->parent))
				add_presence(&db, STRATA_DIFF_REMOVED, o);
			nonpos = 1;
		} else if (c > 0) {
			const struct strata_schema_obj *o = &b->objs[j++];

			if (!o->parent || !gone_has(&gb, o->schema, o->parent))
				add_presence(&db, STRATA_DIFF_ADDED, o);
			nonpos = 1;
		} else {
			size_t before = db.d->n;

			compare_attrs(&db, &a->objs[i], &b->objs[j], moved[i]);
			if (db.d->n - before > (size_t)(moved[i] ? 1 : 0))
				nonpos = 1;
			i++;
			j++;
		}
	}
	compare_unhandled(&db, a, b);
	db.d->order_only = !db.oom && db.d->n > 0 && !nonpos && db.d->nunhandled == 0;
out:
	free(ga.o);
	free(gb.o);
	free(pairs);
	free(moved);
	if (db.oom) {
		strata_schema_diff_free(db.d);
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	}
	*out = db.d;
	return 0;
}

void strata_schema_diff_free(struct strata_schema_diff *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].object);
		free(d->items[i].attr);
		free(d->items[i].before);
		free(d->items[i].after);
		free(d->items[i].sql);
	}
	free(d->items);
	for (size_t i = 0; i < d->nunhandled; i++)
		free(d->unhandled[i]);
	free(d->unhandled);
	free(d);
}

/* The length of a prefix of s of at most max bytes that ends on a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* Where to start showing a value so that a difference at byte `at` is seen (a UTF-8 boundary). */
static size_t utf8_back(const char *s, size_t at)
{
	while (at > 0 && ((unsigned char)s[at] & 0xC0) == 0x80)
		at--;
	return at;
}

/*
 * Append v on one line, at most LINE_VALUE_MAX bytes of it from `from`,
 * with "…" where something is left out; NULL is "none".
 */
static void add_value(struct strata_buf *b, const char *v, size_t from)
{
	size_t len, cut;

	if (!v) {
		strata_buf_adds(b, "none");
		return;
	}
	len = strlen(v);
	if (from > len)
		from = len;
	from = utf8_back(v, from);
	if (from)
		strata_buf_adds(b, "…");
	cut = utf8_cut(v + from, len - from, LINE_VALUE_MAX);
	strata_buf_add(b, v + from, cut);
	if (from + cut < len)
		strata_buf_adds(b, "…");
}

int strata_schema_diff_line(const struct strata_schema_diff_item *it, char **line)
{
	struct strata_buf b;
	int oom = 0;

	*line = NULL;
	strata_buf_init(&b);
	strata_buf_addf(&b, "%c %s %s", (char)it->op, strata_obj_kind_name(it->kind), it->object ? it->object : "");
	if (it->op == STRATA_DIFF_CHANGED) {
		char *x = one_line(it->before, &oom), *y = one_line(it->after, &oom);
		size_t from = 0;

		if (x && y && (strlen(x) > LINE_VALUE_MAX || strlen(y) > LINE_VALUE_MAX)) {
			/* long values: show both from a little before where they first differ */
			size_t k = 0;

			while (x[k] && x[k] == y[k])
				k++;
			from = k > LINE_CONTEXT ? k - LINE_CONTEXT : 0;
		}
		strata_buf_addf(&b, ": %s ", it->attr ? it->attr : "");
		add_value(&b, x, from);
		strata_buf_adds(&b, " → ");
		add_value(&b, y, from);
		free(x);
		free(y);
	} else if (it->op == STRATA_DIFF_ADDED && it->sql && *it->sql) {
		char *x = one_line(it->sql, &oom);

		strata_buf_adds(&b, ": ");
		add_value(&b, x, 0);
		free(x);
	}
	if (oom) {
		strata_buf_release(&b);
		return STRATA_ENOMEM;
	}
	if (!(*line = strata_buf_detach(&b, NULL)))
		return STRATA_ENOMEM;
	return 0;
}
