/*
 * schema/model.c - the schema model's core: objects with identities,
 * attributes and dependencies, built by a driver's schema_read method
 * (model.h), sorted once, then only read. Identity order is the model's one
 * order: compare walks two sorted lists side by side and dump breaks its
 * dependency ties with it, so both are deterministic without extra sorting.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "../buf.h"
#include "../util.h"

static const char *const kind_names[STRATA_OBJ__COUNT] = {
	[STRATA_OBJ_SCHEMA] = "schema",
	[STRATA_OBJ_EXTENSION] = "extension",
	[STRATA_OBJ_TYPE] = "type",
	[STRATA_OBJ_SEQUENCE] = "sequence",
	[STRATA_OBJ_TABLE] = "table",
	[STRATA_OBJ_COLUMN] = "column",
	[STRATA_OBJ_CONSTRAINT] = "constraint",
	[STRATA_OBJ_INDEX] = "index",
	[STRATA_OBJ_VIEW] = "view",
	[STRATA_OBJ_MATVIEW] = "materialized view",
	[STRATA_OBJ_FUNCTION] = "function",
	[STRATA_OBJ_PROCEDURE] = "procedure",
	[STRATA_OBJ_AGGREGATE] = "aggregate",
	[STRATA_OBJ_TRIGGER] = "trigger",
	[STRATA_OBJ_POLICY] = "policy",
	[STRATA_OBJ_RULE] = "rule",
	[STRATA_OBJ_GRANT] = "grant",
};

const char *strata_obj_kind_name(enum strata_obj_kind k)
{
	if ((int)k <= 0 || k >= STRATA_OBJ__COUNT || !kind_names[k])
		return "?";
	return kind_names[k];
}

int strata_schema_new(enum strata_engine e, struct strata_schema **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return STRATA_ENOMEM;
	(*out)->engine = e;
	return 0;
}

static void obj_release(struct strata_schema_obj *o)
{
	free(o->schema);
	free(o->parent);
	free(o->name);
	free(o->sql);
	for (size_t i = 0; i < o->nattrs; i++) {
		free(o->attrs[i].key);
		free(o->attrs[i].value);
	}
	free(o->attrs);
	for (size_t i = 0; i < o->ndeps; i++)
		free(o->deps[i]);
	free(o->deps);
	free(o->ident);
}

void strata_schema_free(struct strata_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		obj_release(&s->objs[i]);
	free(s->objs);
	for (size_t i = 0; i < s->nunhandled; i++)
		free(s->unhandled[i]);
	free(s->unhandled);
	free(s->preamble);
	free(s->origin);
	free(s);
}

static char *dup_or_null(const char *s, int *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strata_strdup(s);
	if (!d)
		*oom = 1;
	return d;
}

int strata_schema_add(struct strata_schema *s, enum strata_obj_kind kind, const char *schema, const char *parent,
		      const char *name, const char *sql, struct strata_schema_obj **obj)
{
	struct strata_schema_obj *o;
	int oom = 0;

	if (obj)
		*obj = NULL;
	/* grow by doubling: the array's capacity is the next power of two above n */
	if ((s->n & (s->n - 1)) == 0) {
		size_t cap = s->n ? s->n * 2 : 16;
		struct strata_schema_obj *p;

		if (s->n < 16 && s->n)
			cap = 16;
		p = realloc(s->objs, cap * sizeof(*p));
		if (!p)
			return STRATA_ENOMEM;
		s->objs = p;
	}
	o = &s->objs[s->n];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->schema = dup_or_null(schema, &oom);
	o->parent = dup_or_null(parent, &oom);
	o->name = dup_or_null(name ? name : "", &oom);
	o->sql = dup_or_null(sql, &oom);
	if (oom) {
		obj_release(o);
		return STRATA_ENOMEM;
	}
	s->n++;
	if (obj)
		*obj = o;
	return 0;
}

int strata_schema_obj_attr(struct strata_schema_obj *o, const char *key, const char *value)
{
	struct strata_schema_attr *p;
	char *v = NULL;
	int oom = 0;

	if (value) {
		v = dup_or_null(value, &oom);
		if (oom)
			return STRATA_ENOMEM;
	}
	for (size_t i = 0; i < o->nattrs; i++)
		if (strcmp(o->attrs[i].key, key) == 0) {
			free(o->attrs[i].value);
			o->attrs[i].value = v;
			return 0;
		}
	p = realloc(o->attrs, (o->nattrs + 1) * sizeof(*p));
	if (!p) {
		free(v);
		return STRATA_ENOMEM;
	}
	o->attrs = p;
	p[o->nattrs].key = strata_strdup(key);
	if (!p[o->nattrs].key) {
		free(v);
		return STRATA_ENOMEM;
	}
	p[o->nattrs].value = v;
	o->nattrs++;
	return 0;
}

char *strata_schema_key(enum strata_obj_kind kind, const char *schema, const char *parent, const char *name)
{
	struct strata_buf b;

	strata_buf_init(&b);
	strata_buf_addf(&b, "%s:%s.%s.%s", strata_obj_kind_name(kind), schema ? schema : "", parent ? parent : "",
			name ? name : "");
	return strata_buf_detach(&b, NULL);
}

char *strata_schema_obj_key(const struct strata_schema_obj *o)
{
	return strata_schema_key(o->kind, o->schema, o->parent, o->name);
}

int strata_schema_obj_dep(struct strata_schema_obj *o, enum strata_obj_kind kind, const char *schema,
			  const char *parent, const char *name)
{
	char **p;
	char *k = strata_schema_key(kind, schema, parent, name);

	if (!k)
		return STRATA_ENOMEM;
	for (size_t i = 0; i < o->ndeps; i++)
		if (strcmp(o->deps[i], k) == 0) {
			free(k);
			return 0;
		}
	p = realloc(o->deps, (o->ndeps + 1) * sizeof(*p));
	if (!p) {
		free(k);
		return STRATA_ENOMEM;
	}
	o->deps = p;
	p[o->ndeps++] = k;
	return 0;
}

int strata_schema_unhandled(struct strata_schema *s, const char *kind, size_t count)
{
	struct strata_buf b;
	char **p;

	if (!count)
		return 0;
	p = realloc(s->unhandled, (s->nunhandled + 1) * sizeof(*p));
	if (!p)
		return STRATA_ENOMEM;
	s->unhandled = p;
	strata_buf_init(&b);
	strata_buf_addf(&b, "%zu %s", count, kind);
	p[s->nunhandled] = strata_buf_detach(&b, NULL);
	if (!p[s->nunhandled])
		return STRATA_ENOMEM;
	s->nunhandled++;
	return 0;
}

int strata_schema_set_preamble(struct strata_schema *s, const char *sql)
{
	char *p = NULL;

	if (sql && !(p = strata_strdup(sql)))
		return STRATA_ENOMEM;
	free(s->preamble);
	s->preamble = p;
	return 0;
}

int strata_schema_obj_ident(struct strata_schema_obj *o, const char *ident)
{
	char *p = NULL;

	if (ident && !(p = strata_strdup(ident)))
		return STRATA_ENOMEM;
	free(o->ident);
	o->ident = p;
	return 0;
}

int strata_schema_set_origin(struct strata_schema *s, const char *origin)
{
	char *p = NULL;

	if (origin && !(p = strata_strdup(origin)))
		return STRATA_ENOMEM;
	free(s->origin);
	s->origin = p;
	return 0;
}

static int nullcmp(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

int strata_schema_obj_cmp(const struct strata_schema_obj *a, const struct strata_schema_obj *b)
{
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((c = nullcmp(a->schema, b->schema)))
		return c;
	if ((c = nullcmp(a->parent, b->parent)))
		return c;
	return nullcmp(a->name, b->name);
}

static int obj_qcmp(const void *a, const void *b)
{
	return strata_schema_obj_cmp(a, b);
}

static int attr_qcmp(const void *a, const void *b)
{
	return strcmp(((const struct strata_schema_attr *)a)->key, ((const struct strata_schema_attr *)b)->key);
}

static int str_qcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int strata_schema_finish(struct strata_schema *s)
{
	if (s->n)
		qsort(s->objs, s->n, sizeof(*s->objs), obj_qcmp);
	for (size_t i = 0; i < s->n; i++) {
		if (s->objs[i].nattrs > 1)
			qsort(s->objs[i].attrs, s->objs[i].nattrs, sizeof(*s->objs[i].attrs), attr_qcmp);
		if (s->objs[i].ndeps > 1)
			qsort(s->objs[i].deps, s->objs[i].ndeps, sizeof(*s->objs[i].deps), str_qcmp);
	}
	if (s->nunhandled > 1)
		qsort(s->unhandled, s->nunhandled, sizeof(*s->unhandled), str_qcmp);
	return 0;
}

const struct strata_schema_obj *strata_schema_find(const struct strata_schema *s, enum strata_obj_kind kind,
						   const char *schema, const char *parent, const char *name)
{
	struct strata_schema_obj key = {.kind = kind};
	size_t lo = 0, hi = s->n;

	key.schema = (char *)schema;
	key.parent = (char *)parent;
	key.name = (char *)name;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strata_schema_obj_cmp(&s->objs[mid], &key);

		if (c == 0)
			return &s->objs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *strata_schema_attr_get(const struct strata_schema_obj *o, const char *key)
{
	for (size_t i = 0; i < o->nattrs; i++)
		if (strcmp(o->attrs[i].key, key) == 0)
			return o->attrs[i].value;
	return NULL;
}
