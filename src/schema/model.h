/*
 * schema/model.h - building a struct strata_schema (include/strata_schema.h):
 * what a driver's schema_read method calls to add objects, attributes and
 * dependencies, and what the dump, compare and test modules share. The
 * builder never fails half-way silently: every add returns 0 or STRATA_ENOMEM
 * and leaves the schema freeable.
 */
#ifndef STRATA_SCHEMA_MODEL_H
#define STRATA_SCHEMA_MODEL_H

#include "strata_schema.h"

/* What strata_schema_read asks of a driver's schema_read method. */
struct strata_schema_read_opts {
	unsigned flags;               /* STRATA_SCHEMA_* */
	/*
	 * strata's own tables, to leave out with everything that belongs to
	 * them (indexes, sequences, triggers): schema (NULL: the default one)
	 * and name, nexclude of them.
	 */
	const char *const *exclude_schema;
	const char *const *exclude_table;
	size_t nexclude;
};

/*
 * Attribute names drivers set and the engine-neutral modules read (dump's
 * order, compare's report). Other attributes are free-form: compare reports
 * every attribute by its key, whatever it is.
 */
/* constraints: what it is, one of the STRATA_CONTYPE_* words (dump writes keys before foreign keys) */
#define STRATA_ATTR_CONTYPE "contype"
#define STRATA_CONTYPE_PRIMARY "primary key"
#define STRATA_CONTYPE_UNIQUE "unique"
#define STRATA_CONTYPE_CHECK "check"
#define STRATA_CONTYPE_EXCLUDE "exclude"
#define STRATA_CONTYPE_FOREIGN "foreign key"
#define STRATA_CONTYPE_NOT_NULL "not null"
/*
 * columns: their place is struct strata_schema_obj's `position`, not an
 * attribute; compare reports a change of order under this name (and ignores
 * an attribute of this name, should a driver set one).
 */
#define STRATA_ATTR_POSITION "position"
/* usual names, so that reports read alike across engines */
#define STRATA_ATTR_TYPE "type"
#define STRATA_ATTR_DEFAULT "default"
#define STRATA_ATTR_NOT_NULL "not null"
#define STRATA_ATTR_DEFINITION "definition"
#define STRATA_ATTR_COMMENT "comment"

/* Start an empty schema of engine e into *out (calloc'ed). */
int strata_schema_new(enum strata_engine e, struct strata_schema **out);

/*
 * Add an object; the strings are copied (NULL allowed for schema, parent,
 * sql). *obj points at it until the next add (the array may move).
 */
int strata_schema_add(struct strata_schema *s, enum strata_obj_kind kind, const char *schema, const char *parent,
		      const char *name, const char *sql, struct strata_schema_obj **obj);
/* Set (or replace) attribute key of o to value (copied; NULL: absent). */
int strata_schema_obj_attr(struct strata_schema_obj *o, const char *key, const char *value);
/* o must come after the object of this identity in a dump. */
int strata_schema_obj_dep(struct strata_schema_obj *o, enum strata_obj_kind kind, const char *schema,
			  const char *parent, const char *name);
/* Set o's engine identity (copied; NULL: none): what a rename keeps (struct strata_schema_obj's ident). */
int strata_schema_obj_ident(struct strata_schema_obj *o, const char *ident);
/* Set the schema's origin (copied; NULL: unknown): which database it was read from. */
int strata_schema_set_origin(struct strata_schema *s, const char *origin);
/* Note `count` objects of a kind the model cannot hold ("foreign table"). */
int strata_schema_unhandled(struct strata_schema *s, const char *kind, size_t count);

/*
 * Set (or replace) the schema's preamble (copied; NULL: none): statements a
 * dump must run before any object, e.g. a setting that lets function bodies
 * be created before the tables they name. Each statement ends in ";\n".
 */
int strata_schema_set_preamble(struct strata_schema *s, const char *sql);

/* Sort objects by identity and each object's attributes by key; call once after the last add. */
int strata_schema_finish(struct strata_schema *s);

/* Identity key of a (kind, schema, parent, name) as strata_schema_obj_key writes it (malloc'ed). */
char *strata_schema_key(enum strata_obj_kind kind, const char *schema, const char *parent, const char *name);

/* Order of identities: kind, schema, parent, name (NULLs first). */
int strata_schema_obj_cmp(const struct strata_schema_obj *a, const struct strata_schema_obj *b);

/* How reports name o: "projects.name", "ix_runs_status ON runs", "app.f(integer)" (malloc'ed; NULL: out of memory). */
char *strata_schema_obj_label(const struct strata_schema_obj *o);

/*
 * The objects of s in the order a dump writes them (dependencies first;
 * see dump.c): `order` gets s->n indexes into s->objs. Objects without SQL
 * (columns) have no place of their own in it: order them by their parent.
 * 0 or STRATA_ENOMEM.
 */
int strata_schema_order(const struct strata_schema *s, size_t *order);

#endif
