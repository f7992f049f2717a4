/*
 * driver_pg_plan.c - the PostgreSQL driver's schema_plan: the statements
 * that turn one schema model into another (include/strata_schema.h's diff),
 * from the two models alone, on the pairs of src/schema/diffplan.h.
 *
 * The plan runs in four phases, each in the order the dependency graph
 * gives (strata_schema_order: a dump's order):
 *   1. renames (tables, columns, and every other kind paired across a
 *      rename), and moves to another schema: never a drop and an add;
 *   2. drops, in the reverse order of `from`: what is gone, and what must be
 *      dropped to be recreated (a view whose text cannot be replaced, an
 *      index that changed) together with everything that depends on it,
 *      transitively; a table's dropped columns at the table's place, after
 *      what uses them and before what they use;
 *   3. creates and alters, in the order of `to`: what is new or recreated
 *      (its SQL as the model renders it), and what changes in place (ALTER
 *      TABLE ... ALTER COLUMN, ALTER SEQUENCE, ALTER DOMAIN, ALTER TYPE ...
 *      ADD VALUE, CREATE OR REPLACE for views and functions, COMMENT ON...);
 *      foreign keys are constraint objects of their own, so that cycles
 *      between tables are broken by adding them after the tables;
 *   4. what must wait for all of it: OWNED BY of sequences, the types that
 *      go (their columns changed type in 3), and with STRATA_PLAN_ONLINE the
 *      VALIDATE CONSTRAINT of what was added NOT VALID.
 * Pairs the caller's match does not make are added here when the objects
 * are the same but for their names (a key named after a renamed table, a
 * grant on a renamed table); texts are compared across the renames.
 * What cannot be expressed goes to strata_plan_unhandled, never omitted.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"
#include "driver_pg_plan.h"
#include "schema/diffplan.h"

/* Words quote_ident quotes: every keyword that is not unreserved (pg_get_keywords, catcode <> 'U'). */
static const char *const reserved[] = {
	"all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "between",
	"bigint", "binary", "bit", "boolean", "both", "case", "cast", "char", "character", "check", "coalesce",
	"collate", "collation", "column", "concurrently", "constraint", "create", "cross", "current_catalog",
	"current_date", "current_role", "current_schema", "current_time", "current_timestamp", "current_user", "dec",
	"decimal", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "exists", "extract",
	"false", "fetch", "float", "for", "foreign", "freeze", "from", "full", "grant", "greatest", "group",
	"grouping", "having", "ilike", "in", "initially", "inner", "inout", "int", "integer", "intersect", "interval",
	"into", "is", "isnull", "join", "lateral", "leading", "least", "left", "like", "limit", "localtime",
	"localtimestamp", "national", "natural", "nchar", "none", "normalize", "not", "notnull", "null", "nullif",
	"numeric", "offset", "on", "only", "or", "order", "out", "outer", "overlaps", "overlay", "placing", "position",
	"precision", "primary", "real", "references", "returning", "right", "row", "select", "session_user", "setof",
	"similar", "smallint", "some", "substring", "symmetric", "table", "tablesample", "then", "time", "timestamp",
	"to", "trailing", "treat", "trim", "true", "union", "unique", "user", "using", "values", "varchar", "variadic",
	"verbose", "when", "where", "window", "with", "xmlattributes", "xmlconcat", "xmlelement", "xmlexists",
	"xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable",
};

static int cmp_word(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* An identifier as the server's quote_ident writes it. */
static void qi(struct strata_buf *b, const char *s)
{
	int plain = s && (islower((unsigned char)*s) || *s == '_');

	for (const char *c = s; plain && *c; c++)
		plain = islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_';
	if (plain && bsearch(&s, reserved, sizeof(reserved) / sizeof(reserved[0]), sizeof(reserved[0]), cmp_word))
		plain = 0;
	if (plain)
		strata_buf_adds(b, s);
	else
		strata_buf_add_ident(b, s ? s : "");
}

/* schema.name (name alone without a schema). */
static void qn(struct strata_buf *b, const char *schema, const char *name)
{
	if (schema) {
		qi(b, schema);
		strata_buf_addc(b, '.');
	}
	qi(b, name);
}

static void lit(struct strata_buf *b, const char *s)
{
	if (!s)
		strata_buf_adds(b, "NULL");
	else
		strata_buf_add_literal(b, s, strlen(s));
}

static int nullcmp(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- the state of one plan */

struct key_ix {
	char *key;
	size_t ix;
};

struct side {
	const struct strata_schema *s;
	struct key_ix *keys; /* sorted */
	size_t *order;       /* dump order */
	size_t **users;      /* users[j]: the objects whose deps name j */
	size_t *nusers;
};

struct plan {
	struct strata_plan_match *m; /* the caller's pairs, copied, and more (pair_by_definition) */
	const struct strata_plan_opts *o;
	struct strata_schema_plan *p;
	struct side f, t;
	unsigned char *fdrop;    /* from object j is dropped (gone, or to be recreated) */
	unsigned char *frecreate; /* ... and created again (its counterpart in `to`) */
	unsigned char *fretype;  /* from column j changes type (what uses it must be recreated) */
	unsigned char *fnodefault; /* from column j loses its default before the drops (set again later) */
	unsigned char *tcreate;  /* to object i is created (new or recreated) */
	unsigned char *tdone;    /* to column i is handled already (a type rebuild changed it) */
	int fn_setting;          /* check_function_bodies = off said */
	const char **ren_old, **ren_new; /* names renamed (functions: without arguments) */
	char **ren_own;          /* what of them is allocated */
	size_t nren;
	struct strata_buf validate; /* phase 4, VALIDATE CONSTRAINT (online) */
	int rc;
};

static int key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct key_ix *)a)->key, ((const struct key_ix *)b)->key);
}

static long key_find(const struct side *sd, const char *key)
{
	struct key_ix k = {.key = (char *)key}, *hit;

	if (!sd->s->n)
		return -1;
	hit = bsearch(&k, sd->keys, sd->s->n, sizeof(*sd->keys), key_cmp);
	return hit ? (long)hit->ix : -1;
}

static void side_release(struct side *sd)
{
	if (sd->keys)
		for (size_t i = 0; i < sd->s->n; i++)
			free(sd->keys[i].key);
	free(sd->keys);
	free(sd->order);
	if (sd->users)
		for (size_t i = 0; i < sd->s->n; i++)
			free(sd->users[i]);
	free(sd->users);
	free(sd->nusers);
}

static int side_init(struct side *sd, const struct strata_schema *s)
{
	size_t n = s->n ? s->n : 1;

	sd->s = s;
	sd->keys = calloc(n, sizeof(*sd->keys));
	sd->order = calloc(n, sizeof(*sd->order));
	sd->users = calloc(n, sizeof(*sd->users));
	sd->nusers = calloc(n, sizeof(*sd->nusers));
	if (!sd->keys || !sd->order || !sd->users || !sd->nusers)
		return STRATA_ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		sd->keys[i].ix = i;
		if (!(sd->keys[i].key = strata_schema_obj_key(&s->objs[i])))
			return STRATA_ENOMEM;
	}
	qsort(sd->keys, s->n, sizeof(*sd->keys), key_cmp);
	if (strata_schema_order(s, sd->order) < 0)
		return STRATA_ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		const struct strata_schema_obj *o = &s->objs[i];

		for (size_t d = 0; d < o->ndeps; d++) {
			long j = key_find(sd, o->deps[d]);
			size_t *u;

			if (j < 0 || (size_t)j == i)
				continue;
			u = realloc(sd->users[j], (sd->nusers[j] + 1) * sizeof(*u));
			if (!u)
				return STRATA_ENOMEM;
			sd->users[j] = u;
			u[sd->nusers[j]++] = i;
		}
	}
	return 0;
}

static const struct strata_schema_obj *fobj(const struct plan *pl, size_t j)
{
	return &pl->f.s->objs[j];
}

static const struct strata_schema_obj *tobj(const struct plan *pl, size_t i)
{
	return &pl->t.s->objs[i];
}

static long to_of(const struct plan *pl, size_t j)
{
	return pl->m->from_to[j];
}

static long from_of(const struct plan *pl, size_t i)
{
	return pl->m->to_from[i];
}

static const char *attr(const struct strata_schema_obj *o, const char *k)
{
	return strata_schema_attr_get(o, k);
}

static void add_step(struct plan *pl, enum strata_obj_kind kind, unsigned flags, struct strata_buf *sql,
		     const char *what)
{
	strata_plan_add_buf(pl->p, &pl->rc, kind, flags, sql, what);
}

static void unhandled(struct plan *pl, const char *what, const struct strata_schema_obj *o)
{
	char *label = strata_schema_obj_label(o);

	if (!pl->rc)
		pl->rc = label ? strata_plan_unhandled(pl->p, "%s %s %s", what, strata_obj_kind_name(o->kind), label)
			       : STRATA_ENOMEM;
	free(label);
}

/* The owner of a sub-object (its table, view, materialized view or domain) in a side, or -1. */
static long parent_of(const struct side *sd, const struct strata_schema_obj *o)
{
	static const enum strata_obj_kind kinds[] = { STRATA_OBJ_TABLE, STRATA_OBJ_VIEW, STRATA_OBJ_MATVIEW,
						      STRATA_OBJ_TYPE };

	if (!o->parent || o->kind == STRATA_OBJ_GRANT)
		return -1;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		const struct strata_schema_obj *p = strata_schema_find(sd->s, kinds[k], o->schema, NULL, o->parent);

		if (p)
			return (long)(p - sd->s->objs);
	}
	return -1;
}

/* The name a from object's parent has once the renames ran. */
static const char *parent_now(const struct plan *pl, const struct strata_schema_obj *o)
{
	long j = parent_of(&pl->f, o), i;

	if (j < 0)
		return o->parent;
	i = to_of(pl, (size_t)j);
	return i < 0 ? o->parent : tobj(pl, (size_t)i)->name;
}

/* The schema a from object's parent is in once the renames ran. */
static const char *schema_now(const struct plan *pl, const struct strata_schema_obj *o)
{
	long j = o->parent ? parent_of(&pl->f, o) : (long)(o - pl->f.s->objs), i;

	if (j < 0)
		return o->schema;
	i = to_of(pl, (size_t)j);
	return i < 0 ? o->schema : tobj(pl, (size_t)i)->schema;
}

static int is_domain(const struct side *sd, const char *schema, const char *name)
{
	const struct strata_schema_obj *t = strata_schema_find(sd->s, STRATA_OBJ_TYPE, schema, NULL, name);

	return t && nullcmp(attr(t, "kind"), "domain") == 0;
}

/* The keyword of an object's kind in DROP, ALTER and COMMENT ON. */
static const char *kw(const struct side *sd, const struct strata_schema_obj *o)
{
	switch (o->kind) {
	case STRATA_OBJ_SCHEMA: return "SCHEMA";
	case STRATA_OBJ_EXTENSION: return "EXTENSION";
	case STRATA_OBJ_TYPE: return nullcmp(attr(o, "kind"), "domain") == 0 ? "DOMAIN" : "TYPE";
	case STRATA_OBJ_SEQUENCE: return "SEQUENCE";
	case STRATA_OBJ_TABLE: return "TABLE";
	case STRATA_OBJ_COLUMN: return "COLUMN";
	case STRATA_OBJ_CONSTRAINT: return "CONSTRAINT";
	case STRATA_OBJ_INDEX: return "INDEX";
	case STRATA_OBJ_VIEW: return "VIEW";
	case STRATA_OBJ_MATVIEW: return "MATERIALIZED VIEW";
	case STRATA_OBJ_FUNCTION: return "FUNCTION";
	case STRATA_OBJ_PROCEDURE: return "PROCEDURE";
	case STRATA_OBJ_AGGREGATE: return "AGGREGATE";
	case STRATA_OBJ_TRIGGER: return "TRIGGER";
	case STRATA_OBJ_POLICY: return "POLICY";
	case STRATA_OBJ_RULE: return "RULE";
	default: (void)sd; return "";
	}
}

/* A function's name without its arguments (malloc'ed). */
static char *proname(const char *name)
{
	const char *paren = strchr(name, '(');

	return strata_strndup(name, paren ? (size_t)(paren - name) : strlen(name));
}

/*
 * What follows the keyword to name o: "s.t", "s.f(integer)", "c ON s.t",
 * "c ON DOMAIN s.d", "s.t.c"; with `schema` and `parent` as given (the
 * names in force when the statement runs).
 */
static void target(struct strata_buf *b, const struct side *sd, const struct strata_schema_obj *o,
		   const char *schema, const char *parent)
{
	char *pn;
	const char *args;

	switch (o->kind) {
	case STRATA_OBJ_SCHEMA:
	case STRATA_OBJ_EXTENSION: qi(b, o->name); break;
	case STRATA_OBJ_COLUMN:
		qn(b, schema, parent);
		strata_buf_addc(b, '.');
		qi(b, o->name);
		break;
	case STRATA_OBJ_CONSTRAINT:
		qi(b, o->name);
		strata_buf_adds(b, is_domain(sd, o->schema, o->parent) ? " ON DOMAIN " : " ON ");
		qn(b, schema, parent);
		break;
	case STRATA_OBJ_TRIGGER:
	case STRATA_OBJ_POLICY:
	case STRATA_OBJ_RULE:
		qi(b, o->name);
		strata_buf_adds(b, " ON ");
		qn(b, schema, parent);
		break;
	case STRATA_OBJ_FUNCTION:
	case STRATA_OBJ_PROCEDURE:
	case STRATA_OBJ_AGGREGATE:
		pn = proname(o->name);
		if (!pn) {
			b->broken = 1;
			break;
		}
		qn(b, schema, pn);
		free(pn);
		args = strchr(o->name, '(');
		if (o->kind == STRATA_OBJ_AGGREGATE && args && strcmp(args, "()") == 0)
			strata_buf_adds(b, "(*)");
		else
			strata_buf_adds(b, args ? args : "()");
		break;
	default: qn(b, schema, o->name); break;
	}
}

/* "kind schema.name" for a step's `what` (malloc'ed into a buffer the caller releases). */
static void label(struct strata_buf *b, const char *verb, const struct strata_schema_obj *o)
{
	char *l = strata_schema_obj_label(o);

	strata_buf_addf(b, "%s %s %s", verb, strata_obj_kind_name(o->kind), l ? l : o->name);
	if (!l)
		b->broken = 1;
	free(l);
}

static void step_for(struct plan *pl, const struct strata_schema_obj *o, unsigned flags, struct strata_buf *sql,
		     const char *verb)
{
	struct strata_buf w;

	strata_buf_init(&w);
	label(&w, verb, o);
	strata_buf_addc(&w, '\0');
	if (w.broken)
		pl->rc = pl->rc ? pl->rc : STRATA_ENOMEM;
	else
		add_step(pl, o->kind, flags, sql, w.buf);
	strata_buf_release(&w);
	strata_buf_reset(sql);
}

static void comment_sql(struct strata_buf *b, const struct side *sd, const struct strata_schema_obj *o,
			const char *value)
{
	strata_buf_addf(b, "COMMENT ON %s ", kw(sd, o));
	target(b, sd, o, o->schema, o->parent);
	strata_buf_adds(b, " IS ");
	lit(b, value);
	strata_buf_adds(b, ";\n");
}

/* A changed comment of an object changed in place (to's names). */
static void comment_step(struct plan *pl, const struct strata_schema_obj *a, const struct strata_schema_obj *b)
{
	struct strata_buf sql;

	if (!nullcmp(attr(a, STRATA_ATTR_COMMENT), attr(b, STRATA_ATTR_COMMENT)))
		return;
	strata_buf_init(&sql);
	comment_sql(&sql, &pl->t, b, attr(b, STRATA_ATTR_COMMENT));
	step_for(pl, b, 0, &sql, "comment on");
	strata_buf_release(&sql);
}

/* The name an identifier token (quoted or not, len bytes at p) gets through the renames, or NULL. */
static const char *renamed_token(const struct plan *pl, const char *p, size_t len)
{
	char name[256];
	size_t n = 0;

	if (*p == '"') {
		for (size_t k = 1; k + 1 < len && n + 1 < sizeof(name); k++) {
			name[n++] = p[k];
			if (p[k] == '"')
				k++;
		}
	} else {
		if (len >= sizeof(name))
			return NULL;
		memcpy(name, p, len);
		n = len;
	}
	name[n] = '\0';
	for (size_t r = 0; r < pl->nren; r++)
		if (!strcmp(pl->ren_old[r], name))
			return pl->ren_new[r];
	return NULL;
}

/*
 * Whether text a reads as text b once the renames of the plan are applied
 * to its identifiers (an index's definition after a rename of its column):
 * what the server will show by itself after the renames ran.
 */
static int same_after_renames(const struct plan *pl, const char *a, const char *b)
{
	struct strata_buf out;
	int same;

	if (!a || !b)
		return a == b;
	if (!strcmp(a, b))
		return 1;
	if (!pl->nren)
		return 0;
	strata_buf_init(&out);
	for (const char *p = a; *p;) {
		size_t len = 0;

		if (*p == '\'') { /* a literal, as is */
			len = 1;
			while (p[len] && !(p[len] == '\'' && p[len + 1] != '\''))
				len += p[len] == '\'' ? 2 : 1;
			len += p[len] ? 1 : 0;
			strata_buf_add(&out, p, len);
		} else if (*p == '"' || isalpha((unsigned char)*p) || *p == '_') {
			const char *now;

			if (*p == '"') {
				len = 1;
				while (p[len] && !(p[len] == '"' && p[len + 1] != '"'))
					len += p[len] == '"' ? 2 : 1;
				len += p[len] ? 1 : 0;
			} else {
				while (isalnum((unsigned char)p[len]) || p[len] == '_' || p[len] == '$')
					len++;
			}
			if ((now = renamed_token(pl, p, len)))
				qi(&out, now);
			else
				strata_buf_add(&out, p, len);
		} else {
			len = 1;
			strata_buf_addc(&out, *p);
		}
		p += len;
	}
	strata_buf_addc(&out, '\0');
	same = !out.broken && !strcmp(out.buf, b);
	strata_buf_release(&out);
	return same;
}

/* Whether a and b differ in attribute key, the renames aside. */
static int adiff(const struct plan *pl, const struct strata_schema_obj *a, const struct strata_schema_obj *b,
		 const char *key)
{
	return !same_after_renames(pl, attr(a, key), attr(b, key));
}

/* Whether a and b differ in anything but the attributes listed (NULL-terminated), the renames aside. */
static int differs_beyond(const struct plan *pl, const struct strata_schema_obj *a, const struct strata_schema_obj *b,
			  const char *const *keys)
{
	size_t i = 0, j = 0;

	while (i < a->nattrs || j < b->nattrs) {
		const struct strata_schema_attr *x = i < a->nattrs ? &a->attrs[i] : NULL;
		const struct strata_schema_attr *y = j < b->nattrs ? &b->attrs[j] : NULL;
		int c = !x ? 1 : !y ? -1 : strcmp(x->key, y->key), skip = 0;
		const char *k = c <= 0 ? x->key : y->key, *va = NULL, *vb = NULL;

		if (c <= 0)
			va = a->attrs[i++].value;
		if (c >= 0)
			vb = b->attrs[j++].value;
		for (size_t n = 0; keys[n]; n++)
			skip |= strcmp(keys[n], k) == 0;
		if (!skip && strcmp(k, STRATA_ATTR_POSITION) != 0 && !same_after_renames(pl, va, vb))
			return 1;
	}
	return 0;
}

/* An object's statements, ending in a newline. */
static void add_sql(struct strata_buf *b, const char *sql)
{
	if (!sql || !*sql)
		return;
	strata_buf_adds(b, sql);
	if (sql[strlen(sql) - 1] != '\n')
		strata_buf_addc(b, '\n');
}

/* Put SET check_function_bodies = false before the first function a plan creates. */
static void fn_setting(struct plan *pl, struct strata_buf *sql)
{
	if (pl->fn_setting)
		return;
	pl->fn_setting = 1;
	strata_buf_adds(sql, "SET check_function_bodies = false;\n");
}


/* ---- columns */

/* The columns of table (schema, name) of a side, in position order, into *out (malloc'ed). */
static size_t columns_of(const struct side *sd, const char *schema, const char *table, size_t **out)
{
	size_t n = 0, *v = NULL;

	*out = NULL;
	for (size_t i = 0; i < sd->s->n; i++) {
		const struct strata_schema_obj *c = &sd->s->objs[i];

		if (c->kind != STRATA_OBJ_COLUMN || nullcmp(c->schema, schema) || nullcmp(c->parent, table))
			continue;
		size_t *nv = realloc(v, (n + 1) * sizeof(*v));

		if (!nv) {
			free(v);
			return (size_t)-1;
		}
		v = nv;
		v[n++] = i;
	}
	for (size_t a = 1; a < n; a++) /* insertion sort by position: a table has few columns */
		for (size_t b = a; b > 0 && sd->s->objs[v[b]].position < sd->s->objs[v[b - 1]].position; b--) {
			size_t t = v[b];

			v[b] = v[b - 1];
			v[b - 1] = t;
		}
	*out = v;
	return n;
}

/* A column's definition as ADD COLUMN takes it. */
static void column_def(struct strata_buf *b, const struct strata_schema_obj *c)
{
	const char *v;

	qi(b, c->name);
	strata_buf_addc(b, ' ');
	strata_buf_adds(b, attr(c, STRATA_ATTR_TYPE) ? attr(c, STRATA_ATTR_TYPE) : "text");
	if ((v = attr(c, "collation")))
		strata_buf_addf(b, " COLLATE %s", v);
	if ((v = attr(c, "generated")))
		strata_buf_addf(b, " GENERATED ALWAYS AS (%s) STORED", v);
	else if ((v = attr(c, STRATA_ATTR_DEFAULT)))
		strata_buf_addf(b, " DEFAULT %s", v);
	if ((v = attr(c, "identity"))) {
		if (starts(v, "always "))
			strata_buf_addf(b, " GENERATED ALWAYS AS IDENTITY %s", v + 7);
		else if (starts(v, "by default "))
			strata_buf_addf(b, " GENERATED BY DEFAULT AS IDENTITY %s", v + 11);
	}
	if (attr(c, STRATA_ATTR_NOT_NULL))
		strata_buf_adds(b, " NOT NULL");
}

static void alter_col(struct strata_buf *b, const char *schema, const char *table, const char *col)
{
	strata_buf_adds(b, "ALTER TABLE ");
	qn(b, schema, table);
	strata_buf_adds(b, " ALTER COLUMN ");
	qi(b, col);
	strata_buf_addc(b, ' ');
}

/* The storage a type has when a column says nothing (NULL: not known from the model). */
static const char *default_storage(const char *type)
{
	static const char *const plain[] = { "smallint", "integer", "bigint", "real", "double precision", "boolean",
					     "date", "uuid", "oid", "money", "\"char\"", NULL };
	static const char *const ext[] = { "text", "bytea", "json", "jsonb", "xml", "character varying",
					   "character", "tsvector", "bit varying", "bit", "inet", "cidr", NULL };

	if (!type)
		return NULL;
	if (strstr(type, "[]"))
		return "extended";
	if (starts(type, "numeric"))
		return "main";
	if (starts(type, "timestamp") || starts(type, "time") || starts(type, "interval"))
		return "plain";
	for (size_t i = 0; plain[i]; i++)
		if (strcmp(type, plain[i]) == 0)
			return "plain";
	for (size_t i = 0; ext[i]; i++)
		if (starts(type, ext[i]))
			return "extended";
	return NULL;
}

/* Parse "numeric(10,2)" / "character varying(20)" into base and modifiers (-1: none). */
static void type_parts(const char *t, char *base, size_t cap, long *m1, long *m2)
{
	const char *paren = strchr(t, '(');
	size_t n = paren ? (size_t)(paren - t) : strlen(t);

	*m1 = *m2 = -1;
	if (n >= cap)
		n = cap - 1;
	memcpy(base, t, n);
	base[n] = '\0';
	if (paren) {
		char *end;

		*m1 = strtol(paren + 1, &end, 10);
		if (*end == ',')
			*m2 = strtol(end + 1, NULL, 10);
		/* "timestamp(3) with time zone": the rest of the name after the modifier */
		end = strchr(paren, ')');
		if (end && end[1] && n + strlen(end + 1) < cap)
			strcat(base, end + 1);
	}
}

static int int_rank(const char *b)
{
	return !strcmp(b, "smallint") ? 1 : !strcmp(b, "integer") ? 2 : !strcmp(b, "bigint") ? 3 : 0;
}

/*
 * Whether a change of type from a to b can lose data (1), with a note for
 * the step's what (static) when it changes how values read.
 */
static int narrowing(const char *a, const char *b, const char **note)
{
	char ba[128], bb[128];
	long a1, a2, b1, b2;
	int textual_a, textual_b;

	*note = NULL;
	if (!a || !b)
		return 0;
	type_parts(a, ba, sizeof(ba), &a1, &a2);
	type_parts(b, bb, sizeof(bb), &b1, &b2);
	if ((!strcmp(ba, "timestamp with time zone") && !strcmp(bb, "timestamp without time zone")) ||
	    (!strcmp(bb, "timestamp with time zone") && !strcmp(ba, "timestamp without time zone"))) {
		*note = "values are reinterpreted in the session's time zone";
		return a1 >= 0 && (b1 < 0 ? 0 : b1 < a1);
	}
	if (int_rank(ba) && int_rank(bb))
		return int_rank(bb) < int_rank(ba);
	if (!strcmp(ba, "double precision") && !strcmp(bb, "real"))
		return 1;
	if ((int_rank(ba) || !strcmp(ba, "numeric")) && (!strcmp(bb, "real") || !strcmp(bb, "double precision")))
		return !strcmp(ba, "numeric") || !strcmp(ba, "bigint");
	if (!strcmp(ba, "numeric") && int_rank(bb))
		return 1;
	if (!strcmp(ba, "numeric") && !strcmp(bb, "numeric")) {
		if (b1 < 0)
			return 0;
		if (a1 < 0)
			return 1;
		return b1 < a1 || (b2 < 0 ? 0 : b2) < (a2 < 0 ? 0 : a2) || b1 - (b2 < 0 ? 0 : b2) < a1 - (a2 < 0 ? 0 : a2);
	}
	textual_a = !strcmp(ba, "text") || !strcmp(ba, "character varying") || !strcmp(ba, "character");
	textual_b = !strcmp(bb, "text") || !strcmp(bb, "character varying") || !strcmp(bb, "character");
	if (textual_a && textual_b) {
		if (!strcmp(bb, "text") || (!strcmp(bb, "character varying") && b1 < 0))
			return 0;
		if (!strcmp(ba, "text") || a1 < 0)
			return 1;
		return b1 < a1;
	}
	if ((!strcmp(ba, "bit varying") || !strcmp(ba, "bit")) && !strcmp(ba, bb))
		return b1 >= 0 && (a1 < 0 || b1 < a1);
	if (starts(ba, "timestamp") || starts(ba, "time") || starts(ba, "interval"))
		return !strcmp(ba, bb) && b1 >= 0 && (a1 < 0 || b1 < a1);
	return 0;
}

/* The identity's options after its sequence's name: "START WITH 1 INCREMENT BY 1 ..." as SET clauses. */
static void identity_sets(struct strata_buf *b, const char *v)
{
	static const char *const opts[] = { "START WITH ", "INCREMENT BY ", "MINVALUE ", "MAXVALUE ", "CACHE ", NULL };
	const char *p = strchr(v, '(');

	if (!p)
		return;
	for (size_t i = 0; opts[i]; i++) {
		const char *at = strstr(p, opts[i]);
		size_t n;

		if (!at)
			continue;
		at += strlen(opts[i]);
		n = strcspn(at, " )");
		strata_buf_addf(b, " SET %s%.*s", opts[i], (int)n, at);
	}
	strata_buf_adds(b, strstr(p, " CYCLE)") ? " SET CYCLE" : " SET NO CYCLE");
}

/* The identity sequence's qualified name in an identity attribute ("always (SEQUENCE NAME s.x START ...") */
static char *identity_seq(const char *v)
{
	const char *p = v ? strstr(v, "SEQUENCE NAME ") : NULL;

	if (!p)
		return NULL;
	p += 14;
	return strata_strndup(p, strcspn(p, " )"));
}

static int in_list(const char *list, const char *item, size_t len);

/*
 * Whether a parent the table keeps (in "partition of"/"inherits" of both
 * sides: a partition attached or a child that inherits in both) does the
 * change to column `col` itself, which reaches the table through it: "+"
 * adds it, "-" drops it, an attribute key changes it the same way. `sd` is
 * the side the column is looked up in (`to`, or `from` for "-").
 */
static int parent_does_it(const struct plan *pl, const struct side *sd, const struct strata_schema_obj *table,
			  const char *col, const char *key)
{
	const struct strata_schema_obj *ft = NULL, *tt = NULL;
	long ix = (long)(table - sd->s->objs), other = sd == &pl->t ? from_of(pl, (size_t)ix) : to_of(pl, (size_t)ix);
	static const char *const keys[2] = { "partition of", "inherits" };

	if (other < 0)
		return 0;
	ft = sd == &pl->t ? fobj(pl, (size_t)other) : table;
	tt = sd == &pl->t ? table : tobj(pl, (size_t)other);
	for (int l = 0; l < 2; l++) {
		const char *p = attr(tt, keys[l]), *fl = attr(ft, keys[l]);

		while (p && *p) {
			size_t n = strcspn(p, ",");
			char name[256];
			const char *dot;
			char *schema;
			const struct strata_schema_obj *pc;

			if (n >= sizeof(name) || !in_list(fl, p, n)) {
				p += n;
				while (*p == ',' || *p == ' ')
					p++;
				continue;
			}
			memcpy(name, p, n);
			name[n] = '\0';
			dot = strchr(name, '.');
			schema = dot ? strata_strndup(name, (size_t)(dot - name)) : NULL;
			pc = strata_schema_find(sd->s, STRATA_OBJ_COLUMN, schema, dot ? dot + 1 : name, col);
			free(schema);
			if (pc) {
				size_t cix = (size_t)(pc - sd->s->objs);
				long oc_ix = sd == &pl->t ? from_of(pl, cix) : to_of(pl, cix);
				const struct strata_schema_obj *oc =
					oc_ix < 0 ? NULL : sd == &pl->t ? fobj(pl, (size_t)oc_ix) : tobj(pl, (size_t)oc_ix);

				if (!strcmp(key, "+") && (oc_ix < 0 || pl->tcreate[cix]))
					return 1;
				if (!strcmp(key, "-") && pl->fdrop[cix])
					return 1;
				if (oc && key[0] != '+' && key[0] != '-' && nullcmp(attr(pc, key), attr(oc, key)))
					return 1;
			}
			p += n;
			while (*p == ',' || *p == ' ')
				p++;
		}
	}
	return 0;
}

/* ---- deciding what is dropped and recreated */

/* The first line of a text, and its " RETURNS ..." line: what CREATE OR REPLACE FUNCTION may not change. */
static int same_line(const char *a, const char *b, const char *prefix)
{
	const char *la = a, *lb = b;

	if (prefix) {
		la = a ? strstr(a, prefix) : NULL;
		lb = b ? strstr(b, prefix) : NULL;
		if (!la || !lb)
			return !la && !lb;
		la++; /* past the newline */
		lb++;
	}
	if (!la || !lb)
		return la == lb;
	return strcspn(la, "\n") == strcspn(lb, "\n") && strncmp(la, lb, strcspn(la, "\n")) == 0;
}

static int function_replaceable(const struct strata_schema_obj *a, const struct strata_schema_obj *b)
{
	const char *da = attr(a, STRATA_ATTR_DEFINITION), *db = attr(b, STRATA_ATTR_DEFINITION);

	if (a->kind == STRATA_OBJ_AGGREGATE)
		return 0;
	return da && db && same_line(da, db, NULL) && same_line(da, db, "\n RETURNS ");
}

/* CREATE OR REPLACE VIEW keeps the columns it has (names, types, collations) and may add more at the end. */
static int view_replaceable(const struct plan *pl, const struct strata_schema_obj *a, const struct strata_schema_obj *b)
{
	size_t *ca, *cb, na = columns_of(&pl->f, a->schema, a->name, &ca), nb;
	int ok = 1;

	if (na == (size_t)-1)
		return 0;
	nb = columns_of(&pl->t, b->schema, b->name, &cb);
	if (nb == (size_t)-1) {
		free(ca);
		return 0;
	}
	if (nb < na)
		ok = 0;
	for (size_t k = 0; ok && k < na; k++) {
		const struct strata_schema_obj *x = fobj(pl, ca[k]), *y = tobj(pl, cb[k]);

		ok = !strcmp(x->name, y->name) && !nullcmp(attr(x, STRATA_ATTR_TYPE), attr(y, STRATA_ATTR_TYPE)) &&
		     !nullcmp(attr(x, "collation"), attr(y, "collation"));
	}
	free(ca);
	free(cb);
	return ok;
}

/* An enum's labels from its definition ("CREATE TYPE s.t AS ENUM ('a', 'b');"), malloc'ed. */
static size_t enum_labels(const char *def, char ***out)
{
	const char *p = def ? strstr(def, " AS ENUM (") : NULL;
	char **v = NULL;
	size_t n = 0;

	*out = NULL;
	if (!p)
		return 0;
	p += 10;
	while (*p == '\'') {
		struct strata_buf b;
		char **nv;

		strata_buf_init(&b);
		for (p++; *p; p++) {
			if (*p == '\'' && p[1] == '\'') {
				strata_buf_addc(&b, '\'');
				p++;
			} else if (*p == '\'') {
				p++;
				break;
			} else {
				strata_buf_addc(&b, *p);
			}
		}
		strata_buf_addc(&b, '\0');
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv || b.broken) {
			strata_buf_release(&b);
			free(nv ? nv : v);
			return (size_t)-1;
		}
		v = nv;
		v[n++] = strata_buf_detach(&b, NULL);
		while (*p == ',' || *p == ' ')
			p++;
	}
	*out = v;
	return n;
}

static void free_labels(char **v, size_t n)
{
	if (n == (size_t)-1)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Whether enum a can become b by ADD VALUE alone (a's labels a subsequence of b's, in order). */
static int enum_extends(char **a, size_t na, char **b, size_t nb)
{
	size_t i = 0;

	for (size_t j = 0; j < nb && i < na; j++)
		if (!strcmp(a[i], b[j]))
			i++;
	return i == na;
}

enum change { SAME, IN_PLACE, RECREATE, ENUM_REBUILD };

/* Whether two constraints' definitions are one but for the " NOT VALID" that pg_get_constraintdef adds. */
static int same_but_not_valid(const struct plan *pl, const struct strata_schema_obj *a, const struct strata_schema_obj *b)
{
	const char *da = attr(a, STRATA_ATTR_DEFINITION), *db = attr(b, STRATA_ATTR_DEFINITION);
	char *x, *y;
	int same;

	if (same_after_renames(pl, da, db))
		return 1;
	if (!da || !db)
		return 0;
	x = strata_strdup(da);
	y = strata_strdup(db);
	if (x && strlen(x) > 10 && !strcmp(x + strlen(x) - 10, " NOT VALID"))
		x[strlen(x) - 10] = '\0';
	if (y && strlen(y) > 10 && !strcmp(y + strlen(y) - 10, " NOT VALID"))
		y[strlen(y) - 10] = '\0';
	same = x && y && same_after_renames(pl, x, y);
	free(x);
	free(y);
	return same;
}

static enum change classify(struct plan *pl, size_t j, size_t i)
{
	const struct strata_schema_obj *a = fobj(pl, j), *b = tobj(pl, i);
	static const char *const cmt[] = { STRATA_ATTR_COMMENT, NULL };
	static const char *const idx_inplace[] = { STRATA_ATTR_COMMENT, "clustered", "replica identity", "valid", NULL };
	static const char *const con_inplace[] = { STRATA_ATTR_COMMENT, "clustered", "replica identity", "valid",
						   STRATA_ATTR_DEFINITION, NULL };
	static const char *const trg_inplace[] = { STRATA_ATTR_COMMENT, "enabled", NULL };
	const char *k;

	static const char *const none[] = { NULL };

	if (!differs_beyond(pl, a, b, none))
		return SAME;
	switch (a->kind) {
	case STRATA_OBJ_CONSTRAINT:
		if (differs_beyond(pl, a, b, con_inplace) || !same_but_not_valid(pl, a, b))
			return RECREATE;
		/* NOT VALID again cannot be said to a constraint: drop it and add it NOT VALID */
		return nullcmp(attr(a, "valid"), "true") == 0 && nullcmp(attr(b, "valid"), "false") == 0 ? RECREATE
													: IN_PLACE;
	case STRATA_OBJ_INDEX: return differs_beyond(pl, a, b, idx_inplace) || strata_plan_obj_differs(a, b, "valid")
				   ? RECREATE : IN_PLACE;
	case STRATA_OBJ_VIEW:
		if (!differs_beyond(pl, a, b, cmt))
			return IN_PLACE;
		return view_replaceable(pl, a, b) ? IN_PLACE : RECREATE;
	case STRATA_OBJ_MATVIEW: return differs_beyond(pl, a, b, cmt) ? RECREATE : IN_PLACE;
	case STRATA_OBJ_FUNCTION:
	case STRATA_OBJ_PROCEDURE:
	case STRATA_OBJ_AGGREGATE:
		if (!differs_beyond(pl, a, b, cmt) || function_replaceable(a, b))
			return IN_PLACE;
		return RECREATE;
	case STRATA_OBJ_TRIGGER:
	case STRATA_OBJ_RULE: return differs_beyond(pl, a, b, trg_inplace) ? RECREATE : IN_PLACE;
	case STRATA_OBJ_POLICY: return differs_beyond(pl, a, b, cmt) ? RECREATE : IN_PLACE;
	case STRATA_OBJ_TYPE:
		k = attr(b, "kind");
		if (!differs_beyond(pl, a, b, cmt) || nullcmp(k, "domain") == 0)
			return IN_PLACE;
		if (nullcmp(k, "enum") == 0 && nullcmp(attr(a, "kind"), "enum") == 0) {
			char **la, **lb;
			size_t na = enum_labels(attr(a, STRATA_ATTR_DEFINITION), &la);
			size_t nb = enum_labels(attr(b, STRATA_ATTR_DEFINITION), &lb);
			int ext = na != (size_t)-1 && nb != (size_t)-1 && enum_extends(la, na, lb, nb);

			free_labels(la, na);
			free_labels(lb, nb);
			if (na == (size_t)-1 || nb == (size_t)-1)
				pl->rc = STRATA_ENOMEM;
			return ext ? IN_PLACE : ENUM_REBUILD;
		}
		return RECREATE;
	case STRATA_OBJ_COLUMN:
		if (nullcmp(attr(a, "generated"), attr(b, "generated")) && attr(b, "generated"))
			return RECREATE; /* a new expression (or a column made generated): dropped and added */
		return IN_PLACE;
	default: return IN_PLACE;
	}
}

/* Mark from object j (and its counterpart) to be dropped and, when `to` has it, created again. */
static void recreate(struct plan *pl, size_t j, size_t **queue, size_t *nq)
{
	long i = to_of(pl, j);
	size_t *q;

	if (pl->fdrop[j])
		return;
	pl->fdrop[j] = 1;
	if (i >= 0) {
		pl->frecreate[j] = 1;
		pl->tcreate[i] = 1;
	}
	q = realloc(*queue, (*nq + 1) * sizeof(*q));
	if (!q) {
		pl->rc = STRATA_ENOMEM;
		return;
	}
	*queue = q;
	q[(*nq)++] = j;
}

/* Whether a from column belongs to a table (not a view's or a materialized view's). */
static int table_column(const struct plan *pl, const struct strata_schema_obj *c)
{
	return c->kind == STRATA_OBJ_COLUMN && strata_schema_find(pl->f.s, STRATA_OBJ_TABLE, c->schema, NULL, c->parent);
}

static int column_retyped(const struct plan *pl, size_t j)
{
	long i = to_of(pl, j);

	return i >= 0 && (nullcmp(attr(fobj(pl, j), STRATA_ATTR_TYPE), attr(tobj(pl, (size_t)i), STRATA_ATTR_TYPE)) ||
			  nullcmp(attr(fobj(pl, j), "collation"), attr(tobj(pl, (size_t)i), "collation")));
}

/*
 * What uses something dropped, recreated or retyped must go first and come
 * back after: walk the users of each, transitively.
 */
static void propagate(struct plan *pl, size_t *queue, size_t nq, unsigned char *rebuilt)
{
	for (size_t q = 0; q < nq && !pl->rc; q++) {
		size_t j = queue[q];
		const struct strata_schema_obj *seed = fobj(pl, j);
		int retype = seed->kind == STRATA_OBJ_COLUMN && !pl->fdrop[j];

		for (size_t u = 0; u < pl->f.nusers[j] && !pl->rc; u++) {
			size_t k = pl->f.users[j][u];
			const struct strata_schema_obj *o = fobj(pl, k);

			if (pl->fdrop[k])
				continue;
			switch (o->kind) {
			case STRATA_OBJ_COLUMN:
				if (!table_column(pl, o))
					break;
				if (attr(o, "generated")) {
					recreate(pl, k, &queue, &nq);
				} else if (seed->kind == STRATA_OBJ_TYPE && rebuilt[j]) {
					/* the rebuild turns it over to the new type: what uses it is recreated */
					if (attr(o, STRATA_ATTR_DEFAULT))
						pl->fnodefault[k] = 1;
					if (!pl->fretype[k]) {
						pl->fretype[k] = 1;
						recreate(pl, k, &queue, &nq);
						pl->fdrop[k] = pl->frecreate[k] = 0; /* a retype, not a drop */
						if (to_of(pl, k) >= 0)
							pl->tcreate[to_of(pl, k)] = 0;
					}
				} else if (seed->kind == STRATA_OBJ_TYPE && !column_retyped(pl, k) &&
					   !(to_of(pl, k) >= 0 && pl->tcreate[to_of(pl, k)])) {
					unhandled(pl, "a column that keeps a type strata must recreate:", o);
				} else if (attr(o, STRATA_ATTR_DEFAULT) && seed->kind != STRATA_OBJ_COLUMN) {
					pl->fnodefault[k] = 1;
				}
				break;
			case STRATA_OBJ_TABLE:
			case STRATA_OBJ_SEQUENCE:
			case STRATA_OBJ_SCHEMA:
			case STRATA_OBJ_EXTENSION:
			case STRATA_OBJ_TYPE:
				break;
			case STRATA_OBJ_CONSTRAINT:
			case STRATA_OBJ_INDEX:
				/*
				 * ALTER COLUMN ... TYPE rebuilds them itself, but for a
				 * foreign key whose other side changes type too
				 */
				if (!retype || !nullcmp(attr(o, STRATA_ATTR_CONTYPE), STRATA_CONTYPE_FOREIGN))
					recreate(pl, k, &queue, &nq);
				break;
			default: recreate(pl, k, &queue, &nq); break;
			}
		}
	}
	free(queue);
}

static void decide(struct plan *pl)
{
	const struct strata_schema *F = pl->f.s, *T = pl->t.s;
	unsigned char *rebuilt = calloc(F->n ? F->n : 1, 1);
	size_t *queue = NULL, nq = 0;

	if (!rebuilt) {
		pl->rc = STRATA_ENOMEM;
		return;
	}
	for (size_t i = 0; i < T->n; i++)
		if (from_of(pl, i) < 0)
			pl->tcreate[i] = 1;
	for (size_t j = 0; j < F->n && !pl->rc; j++) {
		long i = to_of(pl, j);
		enum change c;

		if (i < 0) {
			recreate(pl, j, &queue, &nq);
			continue;
		}
		c = classify(pl, j, (size_t)i);
		if (c == RECREATE) {
			recreate(pl, j, &queue, &nq);
		} else if (c == ENUM_REBUILD) {
			rebuilt[j] = 1;
			recreate(pl, j, &queue, &nq);
			pl->fdrop[j] = pl->frecreate[j] = 0;
			pl->tcreate[i] = 0;
		} else if (fobj(pl, j)->kind == STRATA_OBJ_COLUMN && table_column(pl, fobj(pl, j)) && column_retyped(pl, j)) {
			pl->fretype[j] = 1;
			recreate(pl, j, &queue, &nq);
			pl->fdrop[j] = pl->frecreate[j] = 0;
			pl->tcreate[i] = 0;
			if (attr(fobj(pl, j), STRATA_ATTR_DEFAULT))
				pl->fnodefault[j] = 1;
		}
	}
	if (!pl->rc)
		propagate(pl, queue, nq, rebuilt);
	else
		free(queue);
	/* the types rebuilt: kept in `rebuilt` as frecreate = 2 on the type */
	for (size_t j = 0; j < F->n; j++)
		if (rebuilt[j])
			pl->frecreate[j] = 2;
	free(rebuilt);
}

/* ---- phase 1: renames and moves */

static const char *schema_to_name(const struct plan *pl, const char *schema)
{
	const struct strata_schema_obj *s;
	long i;

	if (!schema || !(s = strata_schema_find(pl->f.s, STRATA_OBJ_SCHEMA, NULL, NULL, schema)))
		return schema;
	i = to_of(pl, (size_t)(s - pl->f.s->objs));
	return i < 0 ? schema : tobj(pl, (size_t)i)->name;
}

static void rename_one(struct plan *pl, size_t i, struct strata_buf *sql)
{
	long j = from_of(pl, i);
	const struct strata_schema_obj *a, *b = tobj(pl, i);
	const char *sch;
	char *pn;

	if (j < 0 || pl->frecreate[j] == 1 || pl->fdrop[j])
		return;
	a = fobj(pl, (size_t)j);
	sch = schema_to_name(pl, a->schema);
	if (a->kind == STRATA_OBJ_SCHEMA) {
		if (!pl->m->renamed[i])
			return;
		strata_buf_adds(sql, "ALTER SCHEMA ");
		qi(sql, a->name);
		strata_buf_adds(sql, " RENAME TO ");
		qi(sql, b->name);
		strata_buf_adds(sql, ";\n");
		step_for(pl, b, 0, sql, "rename");
		return;
	}
	if (!a->parent && nullcmp(sch, b->schema) && a->kind != STRATA_OBJ_EXTENSION) {
		/* moved to another schema */
		strata_buf_addf(sql, "ALTER %s ", kw(&pl->f, a));
		target(sql, &pl->f, a, sch, NULL);
		strata_buf_adds(sql, " SET SCHEMA ");
		qi(sql, b->schema);
		strata_buf_adds(sql, ";\n");
		step_for(pl, b, 0, sql, "move");
		sch = b->schema;
	}
	if (!pl->m->renamed[i])
		return;
	switch (a->kind) {
	case STRATA_OBJ_COLUMN:
		if (!table_column(pl, a))
			return;
		strata_buf_adds(sql, "ALTER TABLE ");
		qn(sql, b->schema, b->parent);
		strata_buf_adds(sql, " RENAME COLUMN ");
		qi(sql, a->name);
		strata_buf_adds(sql, " TO ");
		qi(sql, b->name);
		break;
	case STRATA_OBJ_CONSTRAINT:
		strata_buf_addf(sql, "ALTER %s ", is_domain(&pl->f, a->schema, a->parent) ? "DOMAIN" : "TABLE");
		qn(sql, b->schema, b->parent);
		strata_buf_adds(sql, " RENAME CONSTRAINT ");
		qi(sql, a->name);
		strata_buf_adds(sql, " TO ");
		qi(sql, b->name);
		break;
	case STRATA_OBJ_FUNCTION:
	case STRATA_OBJ_PROCEDURE:
	case STRATA_OBJ_AGGREGATE:
		strata_buf_addf(sql, "ALTER %s ", kw(&pl->f, a));
		target(sql, &pl->f, a, sch, NULL);
		strata_buf_adds(sql, " RENAME TO ");
		if (!(pn = proname(b->name))) {
			pl->rc = STRATA_ENOMEM;
			return;
		}
		qi(sql, pn);
		free(pn);
		break;
	case STRATA_OBJ_TRIGGER:
	case STRATA_OBJ_POLICY:
	case STRATA_OBJ_RULE:
		strata_buf_addf(sql, "ALTER %s ", kw(&pl->f, a));
		target(sql, &pl->f, a, b->schema, b->parent);
		strata_buf_adds(sql, " RENAME TO ");
		qi(sql, b->name);
		break;
	case STRATA_OBJ_EXTENSION:
	case STRATA_OBJ_GRANT: return;
	default:
		strata_buf_addf(sql, "ALTER %s ", kw(&pl->f, a));
		qn(sql, sch, a->name);
		strata_buf_adds(sql, " RENAME TO ");
		qi(sql, b->name);
		break;
	}
	strata_buf_adds(sql, ";\n");
	step_for(pl, b, 0, sql, "rename");
}

static void phase_renames(struct plan *pl)
{
	static const enum strata_obj_kind kinds[][8] = {
		{ STRATA_OBJ_SCHEMA },
		{ STRATA_OBJ_EXTENSION, STRATA_OBJ_TYPE, STRATA_OBJ_SEQUENCE, STRATA_OBJ_TABLE, STRATA_OBJ_VIEW,
		  STRATA_OBJ_MATVIEW, STRATA_OBJ_FUNCTION, STRATA_OBJ_PROCEDURE },
		{ STRATA_OBJ_AGGREGATE },
		{ STRATA_OBJ_COLUMN, STRATA_OBJ_CONSTRAINT, STRATA_OBJ_INDEX, STRATA_OBJ_TRIGGER, STRATA_OBJ_POLICY,
		  STRATA_OBJ_RULE },
	};
	struct strata_buf sql;

	strata_buf_init(&sql);
	for (size_t g = 0; g < sizeof(kinds) / sizeof(kinds[0]); g++)
		for (size_t n = 0; n < pl->t.s->n && !pl->rc; n++) {
			size_t i = pl->t.order[n];
			int in = 0;

			for (size_t k = 0; k < 8 && kinds[g][k]; k++)
				in |= tobj(pl, i)->kind == kinds[g][k];
			if (in)
				rename_one(pl, i, &sql);
		}
	strata_buf_release(&sql);
}

/* ---- phase 2: drops, in the reverse order of `from` */

/* The object a grant is on, in side sd ("TABLE t" of schema s), or -1. */
static long grant_target(const struct side *sd, const struct strata_schema_obj *g)
{
	static const struct {
		const char *prefix;
		enum strata_obj_kind kinds[3];
	} map[] = {
		{ "TABLE ", { STRATA_OBJ_TABLE, STRATA_OBJ_VIEW, STRATA_OBJ_MATVIEW } },
		{ "SEQUENCE ", { STRATA_OBJ_SEQUENCE } },
		{ "FUNCTION ", { STRATA_OBJ_FUNCTION, STRATA_OBJ_PROCEDURE } },
		{ "SCHEMA ", { STRATA_OBJ_SCHEMA } },
	};

	for (size_t m = 0; g->parent && m < sizeof(map) / sizeof(map[0]); m++) {
		if (!starts(g->parent, map[m].prefix))
			continue;
		for (size_t k = 0; k < 3 && map[m].kinds[k]; k++) {
			const struct strata_schema_obj *o =
				strata_schema_find(sd->s, map[m].kinds[k], map[m].kinds[k] == STRATA_OBJ_SCHEMA ? NULL : g->schema,
						   NULL, g->parent + strlen(map[m].prefix));

			if (o)
				return (long)(o - sd->s->objs);
		}
	}
	return -1;
}

static void revoke_sql(struct strata_buf *b, const char *grant)
{
	const char *to = grant ? strstr(grant, " TO ") : NULL, *end;

	if (!starts(grant, "GRANT ") || !to)
		return;
	for (const char *n; (n = strstr(to + 1, " TO ")) != NULL;)
		to = n;
	end = strstr(to, " WITH GRANT OPTION");
	if (!end)
		end = strchr(to, ';');
	strata_buf_adds(b, "REVOKE ");
	strata_buf_add(b, grant + 6, (size_t)(to - grant - 6));
	strata_buf_adds(b, " FROM ");
	strata_buf_add(b, to + 4, end ? (size_t)(end - to - 4) : strlen(to + 4));
	strata_buf_adds(b, ";\n");
}

/* Before a table's columns change: DETACH PARTITION and NO INHERIT of the parents it leaves. */
static void table_detach(struct plan *pl, const struct strata_schema_obj *a, const struct strata_schema_obj *b,
			 const char *schema, const char *name, struct strata_buf *sql)
{
	const char *va = attr(a, "partition of"), *vb = attr(b, "partition of");

	if (va && (nullcmp(va, vb) || strata_plan_obj_differs(a, b, "partition bound"))) {
		strata_buf_addf(sql, "ALTER TABLE %s DETACH PARTITION ", va);
		qn(sql, schema, name);
		strata_buf_adds(sql, ";\n");
	}
	va = attr(a, "inherits");
	vb = attr(b, "inherits");
	for (const char *q = va; q && *q && nullcmp(va, vb);) {
		size_t l = strcspn(q, ",");

		if (!in_list(vb, q, l)) {
			strata_buf_adds(sql, "ALTER TABLE ");
			qn(sql, schema, name);
			strata_buf_addf(sql, " NO INHERIT %.*s;\n", (int)l, q);
		}
		q += l;
		while (*q == ',' || *q == ' ')
			q++;
	}
	if (sql->len)
		step_for(pl, b, 0, sql, "detach");
}

/* A table's columns in the drop phase: what goes, and defaults that must let go of what is dropped. */
static void table_drops(struct plan *pl, size_t j, struct strata_buf *sql)
{
	const struct strata_schema_obj *t = fobj(pl, j);
	long ti = to_of(pl, j);
	const char *tname = ti >= 0 ? tobj(pl, (size_t)ti)->name : t->name;
	const char *tschema = schema_to_name(pl, t->schema);
	size_t *cols, n = columns_of(&pl->f, t->schema, t->name, &cols);

	if (ti >= 0) {
		tschema = tobj(pl, (size_t)ti)->schema;
		table_detach(pl, t, tobj(pl, (size_t)ti), tschema, tname, sql);
	}
	if (n == (size_t)-1) {
		pl->rc = STRATA_ENOMEM;
		return;
	}
	for (size_t k = 0; k < n && !pl->rc; k++) {
		const struct strata_schema_obj *c = fobj(pl, cols[k]);

		if (pl->fnodefault[cols[k]] && !pl->fdrop[cols[k]]) {
			long i = to_of(pl, cols[k]);

			alter_col(sql, tschema, tname, i >= 0 ? tobj(pl, (size_t)i)->name : c->name);
			strata_buf_adds(sql, "DROP DEFAULT;\n");
			step_for(pl, c, 0, sql, "drop the default (set again below) of");
		}
	}
	for (size_t k = 0; k < n && !pl->rc; k++) {
		const struct strata_schema_obj *c = fobj(pl, cols[k]);
		unsigned fl = attr(c, "generated") ? 0 : STRATA_STEP_DESTRUCTIVE;

		if (!pl->fdrop[cols[k]] || parent_does_it(pl, &pl->f, t, c->name, "-"))
			continue;
		strata_buf_adds(sql, "ALTER TABLE ");
		qn(sql, tschema, tname);
		strata_buf_adds(sql, " DROP COLUMN ");
		qi(sql, c->name);
		strata_buf_adds(sql, ";\n");
		step_for(pl, c, pl->frecreate[cols[k]] ? 0 : fl, sql,
			 pl->frecreate[cols[k]] ? "drop (to add it again below)" : "drop");
	}
	free(cols);
}

/* Whether from object j depends on nothing but its parent and the parent's columns. */
static int only_parent_deps(const struct plan *pl, size_t j, size_t par)
{
	const struct strata_schema_obj *o = fobj(pl, j), *p = fobj(pl, par);

	for (size_t d = 0; d < o->ndeps; d++) {
		long k = key_find(&pl->f, o->deps[d]);
		const struct strata_schema_obj *x;

		if (k < 0 || (size_t)k == par)
			continue;
		x = fobj(pl, (size_t)k);
		if (x->kind == STRATA_OBJ_COLUMN && !nullcmp(x->schema, p->schema) && !nullcmp(x->parent, p->name))
			continue;
		if (x->kind == STRATA_OBJ_SCHEMA || x->kind == STRATA_OBJ_EXTENSION)
			continue;
		return 0;
	}
	return 1;
}

/*
 * The drop of from object j (in phase 2); with `late`, only the types that
 * go (in phase 4: the columns that used them changed type in phase 3).
 */
static void drop_one(struct plan *pl, size_t j, struct strata_buf *sql, int late)
{
	const struct strata_schema_obj *o = fobj(pl, j);
	long par = parent_of(&pl->f, o);
	const char *sch = schema_now(pl, o), *parent = parent_now(pl, o), *v;
	unsigned fl = 0;

	if (late && o->kind != STRATA_OBJ_TYPE)
		return;
	if (o->kind == STRATA_OBJ_TABLE && !pl->fdrop[j]) {
		table_drops(pl, j, sql);
		return;
	}
	if (!pl->fdrop[j] || o->kind == STRATA_OBJ_COLUMN || pl->frecreate[j] == 2)
		return;
	if ((o->kind == STRATA_OBJ_TYPE && !pl->frecreate[j]) != (late != 0))
		return;
	if (par >= 0 && pl->fdrop[par] && only_parent_deps(pl, j, (size_t)par))
		return; /* goes with its table, view or domain (what it uses besides may go first) */
	switch (o->kind) {
	case STRATA_OBJ_GRANT:
		if ((par = grant_target(&pl->f, o)) >= 0 && pl->fdrop[par])
			return;
		revoke_sql(sql, o->sql);
		break;
	case STRATA_OBJ_CONSTRAINT:
		strata_buf_addf(sql, "ALTER %s ", is_domain(&pl->f, o->schema, o->parent) ? "DOMAIN" : "TABLE");
		qn(sql, sch, parent);
		strata_buf_adds(sql, " DROP CONSTRAINT ");
		qi(sql, o->name);
		strata_buf_adds(sql, ";\n");
		break;
	case STRATA_OBJ_SEQUENCE:
		/* a sequence owned by a column goes with its table or column: IF EXISTS */
		v = attr(o, "owned by");
		strata_buf_addf(sql, "DROP SEQUENCE %s", v ? "IF EXISTS " : "");
		target(sql, &pl->f, o, sch, parent);
		strata_buf_adds(sql, ";\n");
		fl = pl->frecreate[j] ? 0 : STRATA_STEP_DESTRUCTIVE;
		break;
	default:
		strata_buf_addf(sql, "DROP %s ", kw(&pl->f, o));
		target(sql, &pl->f, o, sch, parent);
		strata_buf_adds(sql, ";\n");
		if (o->kind == STRATA_OBJ_TABLE)
			fl = STRATA_STEP_DESTRUCTIVE;
		if (o->kind == STRATA_OBJ_TYPE && !pl->frecreate[j]) {
			/* a type still used by a column that stays: its values are lost with the column's type */
			for (size_t u = 0; u < pl->f.nusers[j]; u++) {
				size_t k = pl->f.users[j][u];

				if (fobj(pl, k)->kind == STRATA_OBJ_COLUMN && to_of(pl, k) >= 0 && !pl->fdrop[k])
					fl = STRATA_STEP_DESTRUCTIVE;
			}
		}
		break;
	}
	step_for(pl, o, fl, sql, pl->frecreate[j] ? "drop (to create it again below)" : "drop");
}

static void phase_drops(struct plan *pl)
{
	struct strata_buf sql;

	strata_buf_init(&sql);
	/* sequences that stop being owned by a column: before the column goes, or they go with it */
	for (size_t j = 0; j < pl->f.s->n && !pl->rc; j++) {
		const struct strata_schema_obj *o = fobj(pl, j);
		long i = to_of(pl, j);

		if (o->kind != STRATA_OBJ_SEQUENCE || pl->fdrop[j] || !attr(o, "owned by") ||
		    !nullcmp(attr(o, "owned by"), attr(tobj(pl, (size_t)i), "owned by")))
			continue;
		strata_buf_adds(&sql, "ALTER SEQUENCE ");
		qn(&sql, tobj(pl, (size_t)i)->schema, tobj(pl, (size_t)i)->name);
		strata_buf_adds(&sql, " OWNED BY NONE;\n");
		step_for(pl, tobj(pl, (size_t)i), 0, &sql, "disown");
	}
	for (size_t n = pl->f.s->n; n-- > 0 && !pl->rc;)
		drop_one(pl, pl->f.order[n], &sql, 0);
	strata_buf_release(&sql);
}

/* ---- phase 3: creates and changes in place, in the order of `to` */

/* The first statement of sql (up to ";\n") and the rest. */
static size_t first_statement(const char *sql)
{
	const char *e = sql ? strstr(sql, ";\n") : NULL;

	return e ? (size_t)(e - sql) + 2 : (sql ? strlen(sql) : 0);
}

/* A table of `to` that `from` has too (so that lock-aware forms matter) and that is not partitioned. */
static int existing_plain_table(const struct plan *pl, const struct strata_schema_obj *o)
{
	long t = parent_of(&pl->t, o);

	if (t < 0 || from_of(pl, (size_t)t) < 0)
		return 0;
	return !attr(tobj(pl, (size_t)t), "partition key");
}

static void create_index(struct plan *pl, const struct strata_schema_obj *o, struct strata_buf *sql)
{
	size_t first = first_statement(o->sql);
	const char *p = o->sql;

	if (!(pl->o->flags & STRATA_PLAN_ONLINE) || !existing_plain_table(pl, o) ||
	    !(starts(p, "CREATE INDEX ") || starts(p, "CREATE UNIQUE INDEX "))) {
		strata_buf_adds(sql, o->sql);
		step_for(pl, o, 0, sql, "create");
		return;
	}
	p = strstr(o->sql, "INDEX ") + 6;
	strata_buf_add(sql, o->sql, (size_t)(p - o->sql));
	strata_buf_adds(sql, "CONCURRENTLY ");
	strata_buf_add(sql, p, first - (size_t)(p - o->sql));
	step_for(pl, o, STRATA_STEP_NO_TRANSACTION, sql, "create (concurrently)");
	if (o->sql[first]) {
		strata_buf_adds(sql, o->sql + first);
		step_for(pl, o, 0, sql, "set up");
	}
}

static void create_constraint(struct plan *pl, const struct strata_schema_obj *o, struct strata_buf *sql)
{
	const char *ct = attr(o, STRATA_ATTR_CONTYPE);
	size_t first = first_statement(o->sql);

	if (!(pl->o->flags & STRATA_PLAN_ONLINE) || !existing_plain_table(pl, o) ||
	    !(nullcmp(ct, STRATA_CONTYPE_FOREIGN) == 0 || nullcmp(ct, STRATA_CONTYPE_CHECK) == 0) ||
	    nullcmp(attr(o, "valid"), "false") == 0 || first < 2) {
		strata_buf_adds(sql, o->sql);
		step_for(pl, o, 0, sql, "create");
		return;
	}
	strata_buf_add(sql, o->sql, first - 2);
	strata_buf_adds(sql, " NOT VALID;\n");
	strata_buf_adds(sql, o->sql + first);
	step_for(pl, o, 0, sql, "create (NOT VALID, validated below)");
	strata_buf_adds(&pl->validate, "ALTER TABLE ");
	qn(&pl->validate, o->schema, o->parent);
	strata_buf_adds(&pl->validate, " VALIDATE CONSTRAINT ");
	qi(&pl->validate, o->name);
	strata_buf_adds(&pl->validate, ";\n");
}

static void create_one(struct plan *pl, const struct strata_schema_obj *o, struct strata_buf *sql)
{
	const char *p;

	switch (o->kind) {
	case STRATA_OBJ_FUNCTION:
	case STRATA_OBJ_PROCEDURE:
	case STRATA_OBJ_AGGREGATE:
		fn_setting(pl, sql);
		add_sql(sql, o->sql);
		break;
	case STRATA_OBJ_INDEX: create_index(pl, o, sql); return;
	case STRATA_OBJ_CONSTRAINT: create_constraint(pl, o, sql); return;
	case STRATA_OBJ_MATVIEW:
		/* populated, as a migration leaves it (a dump's WITH NO DATA is for an empty database) */
		p = o->sql ? strstr(o->sql, "\n  WITH NO DATA;") : NULL;
		if (p) {
			strata_buf_add(sql, o->sql, (size_t)(p - o->sql));
			strata_buf_adds(sql, "\n  WITH DATA;");
			strata_buf_adds(sql, p + 16);
		} else {
			strata_buf_adds(sql, o->sql ? o->sql : "");
		}
		break;
	default: add_sql(sql, o->sql); break;
	}
	step_for(pl, o, 0, sql, "create");
}

/* ALTER TABLE s.t <what> as its own statement, appended to sql. */
static void alter_table(struct strata_buf *sql, const struct strata_schema_obj *t, const char *what)
{
	strata_buf_adds(sql, "ALTER TABLE ");
	qn(sql, t->schema, t->name);
	strata_buf_addf(sql, " %s;\n", what);
}

/* Option names of "a=1, toast.b=2" not in `keep` as "a, toast.b" (appended). */
static void reset_options(struct strata_buf *b, const char *from, const char *keep)
{
	int n = 0;

	for (const char *p = from; p && *p;) {
		size_t len = strcspn(p, "="), tot = strcspn(p, ",");
		int kept = 0;

		for (const char *q = keep; q && *q;) {
			size_t kl = strcspn(q, "=");

			kept |= kl == len && !strncmp(p, q, len);
			q += strcspn(q, ",");
			while (*q == ',' || *q == ' ')
				q++;
		}
		if (!kept) {
			strata_buf_adds(b, n++ ? ", " : "");
			strata_buf_add(b, p, len);
		}
		p += tot;
		while (*p == ',' || *p == ' ')
			p++;
	}
}

static int in_list(const char *list, const char *item, size_t len)
{
	for (const char *q = list; q && *q;) {
		size_t l = strcspn(q, ",");

		if (l == len && !strncmp(q, item, len))
			return 1;
		q += l;
		while (*q == ',' || *q == ' ')
			q++;
	}
	return 0;
}

static void table_attrs(struct plan *pl, const struct strata_schema_obj *a, const struct strata_schema_obj *b,
			struct strata_buf *sql)
{
	const char *va, *vb;
	struct strata_buf w;

	strata_buf_init(&w);
	if (strata_plan_obj_differs(a, b, "partition key"))
		unhandled(pl, "a change of the partition key of", b);
	if (strata_plan_obj_differs(a, b, "partition of") || strata_plan_obj_differs(a, b, "partition bound")) {
		if ((vb = attr(b, "partition of"))) {
			strata_buf_addf(sql, "ALTER TABLE %s ATTACH PARTITION ", vb);
			qn(sql, b->schema, b->name);
			strata_buf_addf(sql, " %s;\n", attr(b, "partition bound") ? attr(b, "partition bound") : "DEFAULT");
		}
	}
	va = attr(a, "inherits");
	vb = attr(b, "inherits");
	for (int side = 1; side < 2 && nullcmp(va, vb); side++) {
		const char *list = side ? vb : va, *other = side ? va : vb;

		for (const char *q = list; q && *q;) {
			size_t l = strcspn(q, ",");

			if (!in_list(other, q, l)) {
				strata_buf_reset(&w);
				strata_buf_addf(&w, "%s %.*s", side ? "INHERIT" : "NO INHERIT", (int)l, q);
				strata_buf_addc(&w, '\0');
				alter_table(sql, b, w.buf);
			}
			q += l;
			while (*q == ',' || *q == ' ')
				q++;
		}
	}
	if (strata_plan_obj_differs(a, b, "options")) {
		strata_buf_reset(&w);
		reset_options(&w, attr(a, "options"), attr(b, "options"));
		if (w.len) {
			strata_buf_addc(&w, '\0');
			strata_buf_adds(sql, "ALTER TABLE ");
			qn(sql, b->schema, b->name);
			strata_buf_addf(sql, " RESET (%s);\n", w.buf);
		}
		if ((vb = attr(b, "options"))) {
			strata_buf_adds(sql, "ALTER TABLE ");
			qn(sql, b->schema, b->name);
			strata_buf_addf(sql, " SET (%s);\n", vb);
		}
	}
	if (strata_plan_obj_differs(a, b, "rls")) {
		va = attr(a, "rls") ? attr(a, "rls") : "";
		vb = attr(b, "rls") ? attr(b, "rls") : "";
		if ((strstr(va, "enabled") != NULL) != (strstr(vb, "enabled") != NULL))
			alter_table(sql, b, strstr(vb, "enabled") ? "ENABLE ROW LEVEL SECURITY" : "DISABLE ROW LEVEL SECURITY");
		if ((strstr(va, "forced") != NULL) != (strstr(vb, "forced") != NULL))
			alter_table(sql, b, strstr(vb, "forced") ? "FORCE ROW LEVEL SECURITY" : "NO FORCE ROW LEVEL SECURITY");
	}
	if (strata_plan_obj_differs(a, b, "persistence"))
		alter_table(sql, b, attr(b, "persistence") ? "SET UNLOGGED" : "SET LOGGED");
	if (strata_plan_obj_differs(a, b, "access method")) {
		strata_buf_reset(&w);
		strata_buf_adds(&w, "SET ACCESS METHOD ");
		qi(&w, attr(b, "access method") ? attr(b, "access method") : "heap");
		strata_buf_addc(&w, '\0');
		alter_table(sql, b, w.buf);
	}
	if (strata_plan_obj_differs(a, b, "replica identity") && nullcmp(attr(b, "replica identity"), "index")) {
		vb = attr(b, "replica identity");
		alter_table(sql, b, !vb ? "REPLICA IDENTITY DEFAULT" : !strcmp(vb, "full") ? "REPLICA IDENTITY FULL"
											 : "REPLICA IDENTITY NOTHING");
	}
	if (strata_plan_obj_differs(a, b, STRATA_ATTR_COMMENT))
		comment_sql(sql, &pl->t, b, attr(b, STRATA_ATTR_COMMENT));
	if (w.broken)
		sql->broken = 1;
	strata_buf_release(&w);
	if (sql->len)
		step_for(pl, b, 0, sql, "alter");
}

/* What follows a column's definition: storage, statistics, compression, options, comment (a new column's). */
static void column_extras(struct plan *pl, const struct strata_schema_obj *a, const struct strata_schema_obj *c,
			  const char *schema, const char *table, struct strata_buf *sql)
{
	const char *v;

	if ((!a && attr(c, "storage")) || (a && strata_plan_obj_differs(a, c, "storage"))) {
		v = attr(c, "storage") ? attr(c, "storage") : default_storage(attr(c, STRATA_ATTR_TYPE));
		if (!v) {
			unhandled(pl, "a storage back to its type's default (not known to strata) of", c);
		} else {
			alter_col(sql, schema, table, c->name);
			strata_buf_adds(sql, "SET STORAGE ");
			for (const char *u = v; *u; u++)
				strata_buf_addc(sql, (char)toupper((unsigned char)*u));
			strata_buf_adds(sql, ";\n");
		}
	}
	if ((!a && attr(c, "statistics")) || (a && strata_plan_obj_differs(a, c, "statistics"))) {
		alter_col(sql, schema, table, c->name);
		strata_buf_addf(sql, "SET STATISTICS %s;\n", attr(c, "statistics") ? attr(c, "statistics") : "-1");
	}
	if ((!a && attr(c, "compression")) || (a && strata_plan_obj_differs(a, c, "compression"))) {
		alter_col(sql, schema, table, c->name);
		strata_buf_addf(sql, "SET COMPRESSION %s;\n", attr(c, "compression") ? attr(c, "compression") : "default");
	}
	if ((!a && attr(c, "options")) || (a && strata_plan_obj_differs(a, c, "options"))) {
		struct strata_buf r;

		strata_buf_init(&r);
		reset_options(&r, a ? attr(a, "options") : NULL, attr(c, "options"));
		if (r.len) {
			strata_buf_addc(&r, '\0');
			alter_col(sql, schema, table, c->name);
			strata_buf_addf(sql, "RESET (%s);\n", r.buf);
		}
		strata_buf_release(&r);
		if (attr(c, "options")) {
			alter_col(sql, schema, table, c->name);
			strata_buf_addf(sql, "SET (%s);\n", attr(c, "options"));
		}
	}
	if ((!a && attr(c, STRATA_ATTR_COMMENT)) || (a && strata_plan_obj_differs(a, c, STRATA_ATTR_COMMENT)))
		comment_sql(sql, &pl->t, c, attr(c, STRATA_ATTR_COMMENT));
}

/* Whether a column type ("public.mood", "public.mood[]") is an enum of side sd. */
static int is_enum(const struct side *sd, const char *type)
{
	struct strata_buf b;
	int yes = 0;

	if (!type)
		return 0;
	for (size_t i = 0; i < sd->s->n && !yes; i++) {
		const struct strata_schema_obj *t = &sd->s->objs[i];

		if (t->kind != STRATA_OBJ_TYPE || nullcmp(attr(t, "kind"), "enum"))
			continue;
		strata_buf_init(&b);
		qn(&b, t->schema, t->name);
		yes = b.buf && !strncmp(type, b.buf, b.len) && (!type[b.len] || !strcmp(type + b.len, "[]"));
		strata_buf_release(&b);
	}
	return yes;
}

static void column_change(struct plan *pl, const struct strata_schema_obj *t, size_t fj, size_t ti,
			  struct strata_buf *sql)
{
	const struct strata_schema_obj *a = fobj(pl, fj), *c = tobj(pl, ti);
	const char *s = t->schema, *tn = t->name, *note = NULL, *ia = attr(a, "identity"), *ib = attr(c, "identity");
	struct strata_buf what;
	unsigned fl = 0;
	int nn_change = strata_plan_obj_differs(a, c, STRATA_ATTR_NOT_NULL);

	strata_buf_init(&what);
	label(&what, "alter", c);
	if (pl->fretype[fj] && !pl->tdone[ti] && !parent_does_it(pl, &pl->t, t, c->name, STRATA_ATTR_TYPE)) {
		const char *ty = attr(c, STRATA_ATTR_TYPE) ? attr(c, STRATA_ATTR_TYPE) : "text";

		alter_col(sql, s, tn, c->name);
		strata_buf_addf(sql, "TYPE %s", ty);
		if (attr(c, "collation"))
			strata_buf_addf(sql, " COLLATE %s", attr(c, "collation"));
		strata_buf_adds(sql, " USING ");
		qi(sql, c->name);
		/* an enum casts to and from text only */
		if ((is_enum(&pl->f, attr(a, STRATA_ATTR_TYPE)) || is_enum(&pl->t, ty)) && strcmp(ty, "text"))
			strata_buf_adds(sql, strstr(ty, "[]") ? "::text[]" : "::text");
		strata_buf_adds(sql, "::");
		strata_buf_adds(sql, ty);
		strata_buf_adds(sql, ";\n");
		if (!nullcmp(attr(a, STRATA_ATTR_TYPE), ty)) {
			strata_buf_addf(&what, ": collation %s to %s", attr(a, "collation") ? attr(a, "collation") : "default",
					attr(c, "collation") ? attr(c, "collation") : "default");
		} else if (narrowing(attr(a, STRATA_ATTR_TYPE), ty, &note)) {
			fl |= STRATA_STEP_DESTRUCTIVE;
			strata_buf_addf(&what, ": narrowing %s to %s", attr(a, STRATA_ATTR_TYPE), ty);
		} else {
			strata_buf_addf(&what, ": type %s to %s", attr(a, STRATA_ATTR_TYPE), ty);
		}
		if (note)
			strata_buf_addf(&what, " (%s)", note);
	}
	if (attr(a, "generated") && !attr(c, "generated")) {
		alter_col(sql, s, tn, c->name);
		strata_buf_adds(sql, "DROP EXPRESSION;\n");
	}
	if (ia && !ib) {
		alter_col(sql, s, tn, c->name);
		strata_buf_adds(sql, "DROP IDENTITY;\n");
	}
	if ((strata_plan_obj_differs(a, c, STRATA_ATTR_DEFAULT) || pl->fnodefault[fj]) && !attr(c, "generated") &&
	    !(pl->fnodefault[fj] && !attr(c, STRATA_ATTR_DEFAULT))) {
		alter_col(sql, s, tn, c->name);
		if (attr(c, STRATA_ATTR_DEFAULT))
			strata_buf_addf(sql, "SET DEFAULT %s;\n", attr(c, STRATA_ATTR_DEFAULT));
		else
			strata_buf_adds(sql, "DROP DEFAULT;\n");
	}
	if (nn_change && !parent_does_it(pl, &pl->t, t, c->name, STRATA_ATTR_NOT_NULL)) {
		if (attr(c, STRATA_ATTR_NOT_NULL) && !ib)
			strata_buf_adds(&what, " (SET NOT NULL: fails if a row holds NULL)");
		if (!attr(c, STRATA_ATTR_NOT_NULL)) {
			alter_col(sql, s, tn, c->name);
			strata_buf_adds(sql, "DROP NOT NULL;\n");
		} else if ((pl->o->flags & STRATA_PLAN_ONLINE) && !attr(t, "partition key")) {
			struct strata_buf cn;

			strata_buf_init(&cn);
			strata_buf_addf(&cn, "%.40s_not_null", c->name);
			strata_buf_addc(&cn, '\0');
			strata_buf_adds(sql, "ALTER TABLE ");
			qn(sql, s, tn);
			strata_buf_adds(sql, " ADD CONSTRAINT ");
			qi(sql, cn.buf ? cn.buf : "");
			strata_buf_adds(sql, " CHECK (");
			qi(sql, c->name);
			strata_buf_adds(sql, " IS NOT NULL) NOT VALID;\n");
			strata_buf_adds(&pl->validate, "ALTER TABLE ");
			qn(&pl->validate, s, tn);
			strata_buf_adds(&pl->validate, " VALIDATE CONSTRAINT ");
			qi(&pl->validate, cn.buf ? cn.buf : "");
			strata_buf_adds(&pl->validate, ";\n");
			alter_col(&pl->validate, s, tn, c->name);
			strata_buf_adds(&pl->validate, "SET NOT NULL;\n");
			strata_buf_adds(&pl->validate, "ALTER TABLE ");
			qn(&pl->validate, s, tn);
			strata_buf_adds(&pl->validate, " DROP CONSTRAINT ");
			qi(&pl->validate, cn.buf ? cn.buf : "");
			strata_buf_adds(&pl->validate, ";\n");
			strata_buf_release(&cn);
		} else {
			alter_col(sql, s, tn, c->name);
			strata_buf_adds(sql, "SET NOT NULL;\n");
		}
	}
	if (ib && !ia) {
		alter_col(sql, s, tn, c->name);
		strata_buf_addf(sql, "ADD GENERATED %s AS IDENTITY %s;\n", starts(ib, "always ") ? "ALWAYS" : "BY DEFAULT",
				strchr(ib, '(') ? strchr(ib, '(') : "");
	} else if (ia && ib && strcmp(ia, ib)) {
		char *sa = identity_seq(ia), *sb = identity_seq(ib);

		if (sa && sb && strcmp(sa, sb)) {
			const char *dot = strchr(sb, '.');

			strata_buf_addf(sql, "ALTER SEQUENCE %s RENAME TO %s;\n", sa, dot ? dot + 1 : sb);
		}
		free(sa);
		free(sb);
		alter_col(sql, s, tn, c->name);
		strata_buf_addf(sql, "SET GENERATED %s", starts(ib, "always ") ? "ALWAYS" : "BY DEFAULT");
		identity_sets(sql, ib);
		strata_buf_adds(sql, ";\n");
	}
	column_extras(pl, a, c, s, tn, sql);
	strata_buf_addc(&what, '\0');
	if (sql->len && !what.broken)
		add_step(pl, STRATA_OBJ_COLUMN, fl, sql, what.buf);
	else if (what.broken)
		pl->rc = pl->rc ? pl->rc : STRATA_ENOMEM;
	strata_buf_reset(sql);
	strata_buf_release(&what);
}

static void table_change(struct plan *pl, size_t fj, size_t ti, struct strata_buf *sql)
{
	const struct strata_schema_obj *a = fobj(pl, fj), *t = tobj(pl, ti);
	size_t *cols, n = columns_of(&pl->t, t->schema, t->name, &cols);

	if (n == (size_t)-1) {
		pl->rc = STRATA_ENOMEM;
		return;
	}
	for (size_t k = 0; k < n && !pl->rc; k++) {
		const struct strata_schema_obj *c = tobj(pl, cols[k]);
		long j = from_of(pl, cols[k]);

		if (j >= 0 && !pl->tcreate[cols[k]]) {
			column_change(pl, t, (size_t)j, cols[k], sql);
			continue;
		}
		if (parent_does_it(pl, &pl->t, t, c->name, "+"))
			continue; /* the parent's ADD COLUMN adds it here too */
		strata_buf_adds(sql, "ALTER TABLE ");
		qn(sql, t->schema, t->name);
		strata_buf_adds(sql, " ADD COLUMN ");
		column_def(sql, c);
		strata_buf_adds(sql, ";\n");
		column_extras(pl, NULL, c, t->schema, t->name, sql);
		if (attr(c, STRATA_ATTR_NOT_NULL) && !attr(c, STRATA_ATTR_DEFAULT) && !attr(c, "identity") &&
		    !attr(c, "generated")) {
			struct strata_buf w;

			strata_buf_init(&w);
			label(&w, "add", c);
			strata_buf_adds(&w, " (NOT NULL without a default: fails on a table with rows; fill it in a "
					    "migration of your own)");
			strata_buf_addc(&w, '\0');
			if (w.broken)
				pl->rc = pl->rc ? pl->rc : STRATA_ENOMEM;
			else
				add_step(pl, STRATA_OBJ_COLUMN, 0, sql, w.buf);
			strata_buf_release(&w);
			strata_buf_reset(sql);
			continue;
		}
		step_for(pl, c, 0, sql, "add");
	}
	/* after the columns: ATTACH PARTITION needs them */
	table_attrs(pl, a, t, sql);
	free(cols);
}

/* Appending to an enum, or inserting in the middle: ADD VALUE, in order. */
static void enum_add(struct plan *pl, const struct strata_schema_obj *a, const struct strata_schema_obj *b,
		     struct strata_buf *sql)
{
	char **la, **lb;
	size_t na = enum_labels(attr(a, STRATA_ATTR_DEFINITION), &la), nb = enum_labels(attr(b, STRATA_ATTR_DEFINITION), &lb);

	if (na == (size_t)-1 || nb == (size_t)-1) {
		free_labels(la, na);
		free_labels(lb, nb);
		pl->rc = STRATA_ENOMEM;
		return;
	}
	/*
	 * A new value cannot be used in the transaction that adds it ("unsafe use
	 * of new value"): when what the plan creates or changes uses the type,
	 * each ADD VALUE is a step of its own, committed before the rest.
	 */
	int own = 0;
	size_t ti = (size_t)(b - pl->t.s->objs);

	for (size_t u = 0; u < pl->t.nusers[ti] && !own; u++) {
		size_t k = pl->t.users[ti][u];
		long j = from_of(pl, k);

		own = pl->tcreate[k] || j < 0 || (tobj(pl, k)->kind == STRATA_OBJ_COLUMN &&
						  strata_plan_obj_differs(fobj(pl, (size_t)j), tobj(pl, k), NULL));
	}
	for (size_t k = 0; k < nb; k++) {
		int old = 0, later_old = 0;

		for (size_t q = 0; q < na; q++)
			old |= !strcmp(la[q], lb[k]);
		if (old)
			continue;
		for (size_t r = k + 1; r < nb && !later_old; r++)
			for (size_t q = 0; q < na; q++)
				later_old |= !strcmp(la[q], lb[r]);
		strata_buf_adds(sql, "ALTER TYPE ");
		qn(sql, b->schema, b->name);
		strata_buf_adds(sql, " ADD VALUE ");
		lit(sql, lb[k]);
		if (later_old && k > 0) {
			strata_buf_adds(sql, " AFTER ");
			lit(sql, lb[k - 1]);
		} else if (later_old) {
			strata_buf_adds(sql, " BEFORE ");
			lit(sql, lb[k + 1]);
		}
		strata_buf_adds(sql, ";\n");
		if (own)
			step_for(pl, b, STRATA_STEP_NO_TRANSACTION, sql, "add a value (committed before it is used) to");
	}
	free_labels(la, na);
	free_labels(lb, nb);
	if (sql->len)
		step_for(pl, b, 0, sql, "add values to");
}

/*
 * An enum whose values are removed or reordered: the old one renamed, the
 * new one created, every column turned over through text, the old one dropped.
 */
static void enum_rebuild(struct plan *pl, size_t fj, size_t ti, struct strata_buf *sql)
{
	const struct strata_schema_obj *a = fobj(pl, fj), *b = tobj(pl, ti);
	char **la, **lb, old[80];
	size_t na = enum_labels(attr(a, STRATA_ATTR_DEFINITION), &la), nb = enum_labels(attr(b, STRATA_ATTR_DEFINITION), &lb);
	unsigned fl = 0;
	struct strata_buf what;

	if (na == (size_t)-1 || nb == (size_t)-1) {
		free_labels(la, na);
		free_labels(lb, nb);
		pl->rc = STRATA_ENOMEM;
		return;
	}
	strata_buf_init(&what);
	label(&what, "rebuild", b);
	for (size_t q = 0; q < na; q++) {
		int kept = 0;

		for (size_t k = 0; k < nb; k++)
			kept |= !strcmp(la[q], lb[k]);
		if (!kept) {
			strata_buf_addf(&what, "%s value '%s' removed", fl ? "," : ":", la[q]);
			fl = STRATA_STEP_DESTRUCTIVE;
		}
	}
	if (!fl)
		strata_buf_adds(&what, ": values reordered");
	free_labels(la, na);
	free_labels(lb, nb);
	snprintf(old, sizeof(old), "%.48s__strata_old", b->name);
	strata_buf_adds(sql, "ALTER TYPE ");
	qn(sql, b->schema, b->name);
	strata_buf_adds(sql, " RENAME TO ");
	qi(sql, old);
	strata_buf_adds(sql, ";\n");
	add_sql(sql, b->sql);
	for (size_t u = 0; u < pl->f.nusers[fj]; u++) {
		size_t k = pl->f.users[fj][u];
		long ci = to_of(pl, k);
		const struct strata_schema_obj *c;
		const char *ty;

		if (!table_column(pl, fobj(pl, k)) || ci < 0 || pl->fdrop[k])
			continue;
		c = tobj(pl, (size_t)ci);
		ty = attr(c, STRATA_ATTR_TYPE);
		alter_col(sql, c->schema, c->parent, c->name);
		strata_buf_addf(sql, "TYPE %s USING ", ty);
		qi(sql, c->name);
		strata_buf_addf(sql, "::text%s::%s;\n", ty && strstr(ty, "[]") ? "[]" : "", ty);
		pl->tdone[ci] = 1;
	}
	strata_buf_adds(sql, "DROP TYPE ");
	qn(sql, b->schema, old);
	strata_buf_adds(sql, ";\n");
	strata_buf_addc(&what, '\0');
	if (what.broken)
		pl->rc = pl->rc ? pl->rc : STRATA_ENOMEM;
	else
		add_step(pl, STRATA_OBJ_TYPE, fl, sql, what.buf);
	strata_buf_reset(sql);
	strata_buf_release(&what);
}

/* "CREATE DOMAIN s.d AS base[ COLLATE c][ DEFAULT x][ NOT NULL];" into its parts (pointers into def). */
static void domain_parts(const char *def, const char **base, size_t *nbase, const char **dflt, size_t *ndflt,
			 int *notnull)
{
	const char *as = def ? strstr(def, " AS ") : NULL, *end, *d;

	*base = *dflt = NULL;
	*nbase = *ndflt = 0;
	*notnull = 0;
	if (!as)
		return;
	as += 4;
	end = def + strlen(def);
	while (end > as && (end[-1] == '\n' || end[-1] == ';'))
		end--;
	if (end - as >= 9 && !strncmp(end - 9, " NOT NULL", 9)) {
		*notnull = 1;
		end -= 9;
	}
	d = strstr(as, " DEFAULT ");
	if (d && d < end) {
		*dflt = d + 9;
		*ndflt = (size_t)(end - d - 9);
		end = d;
	}
	*base = as;
	*nbase = (size_t)(end - as);
}

static void domain_change(struct plan *pl, const struct strata_schema_obj *a, const struct strata_schema_obj *b,
			  struct strata_buf *sql)
{
	const char *ba, *bb, *da, *db;
	size_t nba, nbb, nda, ndb;
	int nna, nnb;

	domain_parts(attr(a, STRATA_ATTR_DEFINITION), &ba, &nba, &da, &nda, &nna);
	domain_parts(attr(b, STRATA_ATTR_DEFINITION), &bb, &nbb, &db, &ndb, &nnb);
	if (nba != nbb || (ba && bb && strncmp(ba, bb, nba))) {
		unhandled(pl, "a change of the base type or collation of", b);
		return;
	}
	if (nda != ndb || (da && db && strncmp(da, db, nda)) || (!da) != (!db)) {
		strata_buf_adds(sql, "ALTER DOMAIN ");
		qn(sql, b->schema, b->name);
		if (db)
			strata_buf_addf(sql, " SET DEFAULT %.*s;\n", (int)ndb, db);
		else
			strata_buf_adds(sql, " DROP DEFAULT;\n");
	}
	if (nna != nnb) {
		strata_buf_adds(sql, "ALTER DOMAIN ");
		qn(sql, b->schema, b->name);
		strata_buf_addf(sql, " %s NOT NULL;\n", nnb ? "SET" : "DROP");
	}
	if (strata_plan_obj_differs(a, b, STRATA_ATTR_COMMENT))
		comment_sql(sql, &pl->t, b, attr(b, STRATA_ATTR_COMMENT));
	if (sql->len)
		step_for(pl, b, 0, sql, "alter");
}

static void sequence_change(struct plan *pl, const struct strata_schema_obj *a, const struct strata_schema_obj *b,
			    struct strata_buf *sql)
{
	static const char *const opts[] = { "type", "start", "increment", "min", "max", "cache", "cycle", NULL };
	int any = 0;

	for (size_t k = 0; opts[k]; k++)
		any |= strata_plan_obj_differs(a, b, opts[k]);
	if (any) {
		strata_buf_adds(sql, "ALTER SEQUENCE ");
		qn(sql, b->schema, b->name);
		if (strata_plan_obj_differs(a, b, "type"))
			strata_buf_addf(sql, " AS %s", attr(b, "type"));
		strata_buf_addf(sql, " INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s %s;\n",
				attr(b, "increment"), attr(b, "min"), attr(b, "max"), attr(b, "start"), attr(b, "cache"),
				attr(b, "cycle") ? "CYCLE" : "NO CYCLE");
	}
	if (strata_plan_obj_differs(a, b, "persistence")) {
		strata_buf_adds(sql, "ALTER SEQUENCE ");
		qn(sql, b->schema, b->name);
		strata_buf_addf(sql, " SET %s;\n", attr(b, "persistence") ? "UNLOGGED" : "LOGGED");
	}
	if (strata_plan_obj_differs(a, b, STRATA_ATTR_COMMENT))
		comment_sql(sql, &pl->t, b, attr(b, STRATA_ATTR_COMMENT));
	if (sql->len)
		step_for(pl, b, 0, sql, "alter");
}

/* Enabling or disabling a trigger or rule: ENABLE [REPLICA | ALWAYS] / DISABLE. */
static void enable_sql(struct strata_buf *sql, const struct strata_schema_obj *b, const char *what)
{
	const char *e = attr(b, "enabled");

	strata_buf_adds(sql, "ALTER TABLE ");
	qn(sql, b->schema, b->parent);
	strata_buf_addf(sql, " %s %s ", !e ? "ENABLE" : !strcmp(e, "disabled") ? "DISABLE"
						: !strcmp(e, "replica") ? "ENABLE REPLICA" : "ENABLE ALWAYS", what);
	qi(sql, b->name);
	strata_buf_adds(sql, ";\n");
}

/* Comments of the columns of a view or materialized view that stays. */
static void relation_column_comments(struct plan *pl, const struct strata_schema_obj *b, int only_removed,
				     struct strata_buf *sql)
{
	size_t *cols, n = columns_of(&pl->t, b->schema, b->name, &cols);

	if (n == (size_t)-1) {
		pl->rc = STRATA_ENOMEM;
		return;
	}
	for (size_t k = 0; k < n; k++) {
		const struct strata_schema_obj *c = tobj(pl, cols[k]);
		long j = from_of(pl, cols[k]);
		const char *ca = j >= 0 ? attr(fobj(pl, (size_t)j), STRATA_ATTR_COMMENT) : NULL, *cb = attr(c, STRATA_ATTR_COMMENT);

		if (nullcmp(ca, cb) && (!only_removed || !cb))
			comment_sql(sql, &pl->t, c, cb);
		if (!only_removed && j >= 0 && strata_plan_obj_differs(fobj(pl, (size_t)j), c, STRATA_ATTR_DEFAULT)) {
			strata_buf_adds(sql, "ALTER VIEW ");
			qn(sql, b->schema, b->name);
			strata_buf_adds(sql, " ALTER COLUMN ");
			qi(sql, c->name);
			if (attr(c, STRATA_ATTR_DEFAULT))
				strata_buf_addf(sql, " SET DEFAULT %s;\n", attr(c, STRATA_ATTR_DEFAULT));
			else
				strata_buf_adds(sql, " DROP DEFAULT;\n");
		}
	}
	free(cols);
}

/* A pair that stays: what changes in place. */
static void change_one(struct plan *pl, size_t fj, size_t ti, struct strata_buf *sql)
{
	const struct strata_schema_obj *a = fobj(pl, fj), *b = tobj(pl, ti);
	const char *p;

	if (b->kind == STRATA_OBJ_TABLE) {
		table_change(pl, fj, ti, sql);
		return;
	}
	if (pl->frecreate[fj] == 2) {
		enum_rebuild(pl, fj, ti, sql);
		return;
	}
	if (b->kind == STRATA_OBJ_COLUMN || !differs_beyond(pl, a, b, (const char *const[]){ NULL }))
		return;
	switch (b->kind) {
	case STRATA_OBJ_SCHEMA: comment_step(pl, a, b); return;
	case STRATA_OBJ_EXTENSION:
		if (strata_plan_obj_differs(a, b, "schema")) {
			strata_buf_adds(sql, "ALTER EXTENSION ");
			qi(sql, b->name);
			strata_buf_adds(sql, " SET SCHEMA ");
			qi(sql, attr(b, "schema"));
			strata_buf_adds(sql, ";\n");
		}
		if (strata_plan_obj_differs(a, b, "version")) {
			strata_buf_adds(sql, "ALTER EXTENSION ");
			qi(sql, b->name);
			strata_buf_adds(sql, " UPDATE TO ");
			lit(sql, attr(b, "version"));
			strata_buf_adds(sql, ";\n");
		}
		if (strata_plan_obj_differs(a, b, STRATA_ATTR_COMMENT))
			comment_sql(sql, &pl->t, b, attr(b, STRATA_ATTR_COMMENT));
		step_for(pl, b, 0, sql, "alter");
		return;
	case STRATA_OBJ_TYPE:
		if (nullcmp(attr(b, "kind"), "domain") == 0) {
			domain_change(pl, a, b, sql);
		} else if (adiff(pl, a, b, STRATA_ATTR_DEFINITION)) {
			enum_add(pl, a, b, sql);
			comment_step(pl, a, b);
		} else {
			comment_step(pl, a, b);
		}
		return;
	case STRATA_OBJ_SEQUENCE: sequence_change(pl, a, b, sql); return;
	case STRATA_OBJ_CONSTRAINT:
	case STRATA_OBJ_INDEX:
		if (b->kind == STRATA_OBJ_CONSTRAINT && strata_plan_obj_differs(a, b, "valid")) {
			strata_buf_addf(sql, "ALTER %s ", is_domain(&pl->t, b->schema, b->parent) ? "DOMAIN" : "TABLE");
			qn(sql, b->schema, b->parent);
			strata_buf_adds(sql, " VALIDATE CONSTRAINT ");
			qi(sql, b->name);
			strata_buf_adds(sql, ";\n");
		}
		if (strata_plan_obj_differs(a, b, "clustered")) {
			strata_buf_adds(sql, "ALTER TABLE ");
			qn(sql, b->schema, b->parent);
			if (attr(b, "clustered")) {
				strata_buf_adds(sql, " CLUSTER ON ");
				qi(sql, b->name);
				strata_buf_adds(sql, ";\n");
			} else {
				strata_buf_adds(sql, " SET WITHOUT CLUSTER;\n");
			}
		}
		if (strata_plan_obj_differs(a, b, "replica identity") && attr(b, "replica identity")) {
			strata_buf_adds(sql, "ALTER TABLE ");
			qn(sql, b->schema, b->parent);
			strata_buf_adds(sql, " REPLICA IDENTITY USING INDEX ");
			qi(sql, b->name);
			strata_buf_adds(sql, ";\n");
		}
		if (strata_plan_obj_differs(a, b, STRATA_ATTR_COMMENT))
			comment_sql(sql, &pl->t, b, attr(b, STRATA_ATTR_COMMENT));
		step_for(pl, b, 0, sql, "alter");
		return;
	case STRATA_OBJ_VIEW:
		if (differs_beyond(pl, a, b, (const char *const[]){ STRATA_ATTR_COMMENT, NULL })) {
			p = b->sql && starts(b->sql, "CREATE VIEW ") ? b->sql + 12 : NULL;
			strata_buf_adds(sql, "CREATE OR REPLACE VIEW ");
			strata_buf_adds(sql, p ? p : "");
			if (attr(a, STRATA_ATTR_COMMENT) && !attr(b, STRATA_ATTR_COMMENT))
				comment_sql(sql, &pl->t, b, NULL);
			relation_column_comments(pl, b, 1, sql);
			step_for(pl, b, 0, sql, "replace");
			return;
		}
		/* fallthrough */
	case STRATA_OBJ_MATVIEW:
		if (strata_plan_obj_differs(a, b, STRATA_ATTR_COMMENT))
			comment_sql(sql, &pl->t, b, attr(b, STRATA_ATTR_COMMENT));
		relation_column_comments(pl, b, 0, sql);
		if (sql->len)
			step_for(pl, b, 0, sql, "alter");
		return;
	case STRATA_OBJ_FUNCTION:
	case STRATA_OBJ_PROCEDURE:
	case STRATA_OBJ_AGGREGATE:
		if (adiff(pl, a, b, STRATA_ATTR_DEFINITION)) {
			fn_setting(pl, sql);
			strata_buf_adds(sql, attr(b, STRATA_ATTR_DEFINITION));
			strata_buf_addc(sql, '\n');
			if (strata_plan_obj_differs(a, b, STRATA_ATTR_COMMENT))
				comment_sql(sql, &pl->t, b, attr(b, STRATA_ATTR_COMMENT));
			step_for(pl, b, 0, sql, "replace");
		} else {
			comment_step(pl, a, b);
		}
		return;
	case STRATA_OBJ_TRIGGER:
	case STRATA_OBJ_RULE:
		if (strata_plan_obj_differs(a, b, "enabled"))
			enable_sql(sql, b, b->kind == STRATA_OBJ_RULE ? "RULE" : "TRIGGER");
		if (strata_plan_obj_differs(a, b, STRATA_ATTR_COMMENT))
			comment_sql(sql, &pl->t, b, attr(b, STRATA_ATTR_COMMENT));
		step_for(pl, b, 0, sql, "alter");
		return;
	default: comment_step(pl, a, b); return;
	}
}

static void phase_creates(struct plan *pl)
{
	struct strata_buf sql;

	strata_buf_init(&sql);
	for (size_t n = 0; n < pl->t.s->n && !pl->rc; n++) {
		size_t i = pl->t.order[n];
		const struct strata_schema_obj *o = tobj(pl, i);
		long j = from_of(pl, i), par;

		if (o->kind == STRATA_OBJ_COLUMN)
			continue;
		if (pl->tcreate[i]) {
			if (o->kind != STRATA_OBJ_GRANT && (par = parent_of(&pl->t, o)) >= 0 && o->kind != STRATA_OBJ_CONSTRAINT &&
			    !o->sql)
				continue;
			create_one(pl, o, &sql);
		} else if (o->kind == STRATA_OBJ_GRANT) {
			/* a grant on what was recreated is given again */
			if ((par = grant_target(&pl->t, o)) >= 0 && pl->tcreate[par] && from_of(pl, (size_t)par) >= 0)
				create_one(pl, o, &sql);
		} else if (j >= 0) {
			change_one(pl, (size_t)j, i, &sql);
		}
	}
	strata_buf_release(&sql);
}

/* Whether a table the plan creates says "OWNED BY <ob>;" itself. */
static int said_by_new_table(const struct plan *pl, const char *ob)
{
	for (size_t i = 0; i < pl->t.s->n; i++) {
		const struct strata_schema_obj *t = tobj(pl, i);
		const char *at;

		if (t->kind != STRATA_OBJ_TABLE || !pl->tcreate[i] || !t->sql)
			continue;
		for (at = strstr(t->sql, " OWNED BY "); at; at = strstr(at + 1, " OWNED BY "))
			if (!strncmp(at + 10, ob, strlen(ob)) && at[10 + strlen(ob)] == ';')
				return 1;
	}
	return 0;
}

/* Phase 4: OWNED BY once the columns are there; VALIDATE once everything is added. */
static void phase_late(struct plan *pl)
{
	struct strata_buf sql;

	strata_buf_init(&sql);
	for (size_t n = 0; n < pl->t.s->n && !pl->rc; n++) {
		size_t i = pl->t.order[n];
		const struct strata_schema_obj *o = tobj(pl, i);
		long j = from_of(pl, i);
		const char *ob = attr(o, "owned by");

		if (o->kind != STRATA_OBJ_SEQUENCE || !ob)
			continue;
		if (j >= 0 && !pl->tcreate[i] && !nullcmp(ob, attr(fobj(pl, (size_t)j), "owned by")))
			continue;
		if (said_by_new_table(pl, ob))
			continue; /* a new table's statements say it */
		strata_buf_adds(&sql, "ALTER SEQUENCE ");
		qn(&sql, o->schema, o->name);
		strata_buf_addf(&sql, " OWNED BY %s;\n", ob);
		step_for(pl, o, 0, &sql, "set the owner of");
	}
	/* types that go, once no column has them */
	for (size_t n = pl->f.s->n; n-- > 0 && !pl->rc;)
		drop_one(pl, pl->f.order[n], &sql, 1);
	strata_buf_release(&sql);
	if (pl->validate.len)
		add_step(pl, STRATA_OBJ_CONSTRAINT, 0, &pl->validate, "validate what was added NOT VALID");
}

/* The names the renames change, for comparing texts across them. */
static int rename_list(struct plan *pl)
{
	size_t n = pl->t.s->n + 1;

	pl->ren_old = calloc(n, sizeof(*pl->ren_old));
	pl->ren_new = calloc(n, sizeof(*pl->ren_new));
	pl->ren_own = calloc(n, sizeof(*pl->ren_own));
	if (!pl->ren_old || !pl->ren_new || !pl->ren_own)
		return STRATA_ENOMEM;
	for (size_t i = 0; i < pl->t.s->n; i++) {
		long j = from_of(pl, i);
		const struct strata_schema_obj *a, *b = tobj(pl, i);

		if (j < 0 || !pl->m->renamed[i] || b->kind == STRATA_OBJ_GRANT)
			continue;
		a = fobj(pl, (size_t)j);
		if (b->kind >= STRATA_OBJ_FUNCTION && b->kind <= STRATA_OBJ_AGGREGATE) {
			/* "old\0new" in one allocation: the names without their arguments */
			size_t la = strcspn(a->name, "("), lb = strcspn(b->name, "(");
			char *both = malloc(la + lb + 2);

			if (!both)
				return STRATA_ENOMEM;
			memcpy(both, a->name, la);
			both[la] = '\0';
			memcpy(both + la + 1, b->name, lb);
			both[la + 1 + lb] = '\0';
			pl->ren_own[pl->nren] = both;
			pl->ren_old[pl->nren] = both;
			pl->ren_new[pl->nren] = both + la + 1;
		} else {
			pl->ren_old[pl->nren] = a->name;
			pl->ren_new[pl->nren] = b->name;
		}
		pl->nren++;
	}
	return 0;
}

/*
 * Constraints and indexes that `to` names otherwise but that are the same
 * (a key named after a table that was renamed, an index renamed in the
 * schema file): paired as renames, so that they are renamed, not dropped and
 * added. Same table (paired), same kind, same definition once every rename
 * (and their own) is applied; each paired once.
 */
static void pair_by_definition(struct plan *pl)
{
	for (size_t i = 0; i < pl->t.s->n; i++) {
		const struct strata_schema_obj *b = tobj(pl, i);
		long tp;

		if (b->kind == STRATA_OBJ_GRANT && from_of(pl, i) < 0 && (tp = grant_target(&pl->t, b)) >= 0 &&
		    from_of(pl, (size_t)tp) >= 0) {
			/* a grant on a renamed object stays: the same privilege on its old name */
			for (size_t j = 0; j < pl->f.s->n; j++) {
				const struct strata_schema_obj *a = fobj(pl, j);

				if (a->kind != STRATA_OBJ_GRANT || to_of(pl, j) >= 0 || strcmp(a->name, b->name) ||
				    grant_target(&pl->f, a) != from_of(pl, (size_t)tp))
					continue;
				pl->m->to_from[i] = (long)j;
				pl->m->from_to[j] = (long)i;
				pl->m->renamed[i] = 0;
				pl->m->moved[i] = 1;
				break;
			}
			continue;
		}
		if ((b->kind != STRATA_OBJ_CONSTRAINT && b->kind != STRATA_OBJ_INDEX) || from_of(pl, i) >= 0 ||
		    (tp = parent_of(&pl->t, b)) < 0 || from_of(pl, (size_t)tp) < 0)
			continue;
		for (size_t j = 0; j < pl->f.s->n; j++) {
			const struct strata_schema_obj *a = fobj(pl, j);
			int same;

			if (a->kind != b->kind || to_of(pl, j) >= 0 || parent_of(&pl->f, a) != from_of(pl, (size_t)tp) ||
			    nullcmp(attr(a, STRATA_ATTR_CONTYPE), attr(b, STRATA_ATTR_CONTYPE)))
				continue;
			pl->ren_old[pl->nren] = a->name;
			pl->ren_new[pl->nren] = b->name;
			pl->ren_own[pl->nren] = NULL;
			pl->nren++;
			same = same_after_renames(pl, attr(a, STRATA_ATTR_DEFINITION), attr(b, STRATA_ATTR_DEFINITION));
			pl->nren--;
			if (!same)
				continue;
			pl->m->to_from[i] = (long)j;
			pl->m->from_to[j] = (long)i;
			pl->m->renamed[i] = 1;
			pl->m->moved[i] = nullcmp(a->parent, b->parent) != 0;
			break;
		}
	}
}

/* A copy of the caller's pairs that pair_by_definition may add to. */
static int copy_match(const struct strata_plan_match *m, struct strata_plan_match *c)
{
	size_t nf = m->from->n ? m->from->n : 1, nt = m->to->n ? m->to->n : 1;

	*c = *m;
	c->to_from = malloc(nt * sizeof(*c->to_from));
	c->from_to = malloc(nf * sizeof(*c->from_to));
	c->renamed = malloc(nt);
	c->moved = malloc(nt);
	if (!c->to_from || !c->from_to || !c->renamed || !c->moved)
		return STRATA_ENOMEM;
	memcpy(c->to_from, m->to_from, m->to->n * sizeof(*c->to_from));
	memcpy(c->from_to, m->from_to, m->from->n * sizeof(*c->from_to));
	memcpy(c->renamed, m->renamed, m->to->n);
	memcpy(c->moved, m->moved, m->to->n);
	return 0;
}

int strata_pg_schema_plan(const struct strata_plan_match *m, const struct strata_plan_opts *o,
			  struct strata_schema_plan *p, struct strata_err *err)
{
	struct strata_plan_match mc;
	struct plan pl = {.m = &mc, .o = o, .p = p};
	size_t nf = m->from->n ? m->from->n : 1, nt = m->to->n ? m->to->n : 1;

	strata_buf_init(&pl.validate);
	pl.fdrop = calloc(nf, 1);
	pl.frecreate = calloc(nf, 1);
	pl.fretype = calloc(nf, 1);
	pl.fnodefault = calloc(nf, 1);
	pl.tcreate = calloc(nt, 1);
	pl.tdone = calloc(nt, 1);
	if (copy_match(m, &mc) || !pl.fdrop || !pl.frecreate || !pl.fretype || !pl.fnodefault || !pl.tcreate || !pl.tdone)
		pl.rc = STRATA_ENOMEM;
	if (!pl.rc)
		pl.rc = side_init(&pl.f, m->from);
	if (!pl.rc)
		pl.rc = side_init(&pl.t, m->to);
	if (!pl.rc)
		pl.rc = rename_list(&pl);
	if (!pl.rc) {
		/* names made from a renamed table's or column's: the same objects */
		pair_by_definition(&pl);
		for (size_t r = 0; r < pl.nren; r++)
			free(pl.ren_own[r]);
		free(pl.ren_own);
		free(pl.ren_old);
		free(pl.ren_new);
		pl.nren = 0;
		pl.rc = rename_list(&pl);
	}
	if (!pl.rc)
		decide(&pl);
	if (!pl.rc)
		phase_renames(&pl);
	if (!pl.rc)
		phase_drops(&pl);
	if (!pl.rc)
		phase_creates(&pl);
	if (!pl.rc)
		phase_late(&pl);
	side_release(&pl.f);
	side_release(&pl.t);
	free(pl.fdrop);
	free(pl.frecreate);
	free(pl.fretype);
	free(pl.fnodefault);
	free(pl.tcreate);
	free(pl.tdone);
	strata_buf_release(&pl.validate);
	for (size_t r = 0; pl.ren_own && r < pl.nren; r++)
		free(pl.ren_own[r]);
	free(pl.ren_own);
	free(pl.ren_old);
	free(pl.ren_new);
	free(mc.to_from);
	free(mc.from_to);
	free(mc.renamed);
	free(mc.moved);
	if (pl.rc == STRATA_ENOMEM)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	return pl.rc;
}
