/*
 * strata_schema.h - the schema a database holds, as libstrata models it:
 * read from a live database through its driver (strata_schema_read), written
 * out as a deterministic SQL script (strata_schema_dump) and compared object
 * by object (strata_schema_compare). dump, check, test and later diff are
 * built on these three.
 *
 * The model is deliberately flat and engine-neutral: a schema is a list of
 * objects, each with a kind, an identity (schema, parent, name), the SQL that
 * creates it as the server itself renders it (pg_get_*def, format_type,
 * sqlite_master.sql), a sorted list of named attributes that comparison
 * reports on ("default", "type", "not null", "definition"...), and the
 * identities of the objects it depends on (for the order of a dump). A new
 * engine adds one introspection function in its driver and nothing else.
 *
 * Objects the model does not handle are never skipped silently: they are
 * listed in `unhandled` ("2 foreign table") and every command that compares
 * treats a non-empty list as a difference.
 */
#ifndef STRATA_SCHEMA_H
#define STRATA_SCHEMA_H

#include <stddef.h>

#include "strata.h"

enum strata_obj_kind {
	STRATA_OBJ_SCHEMA = 1,
	STRATA_OBJ_EXTENSION,
	STRATA_OBJ_TYPE,        /* enum, domain, composite, range */
	STRATA_OBJ_SEQUENCE,
	STRATA_OBJ_TABLE,
	STRATA_OBJ_COLUMN,      /* parent: its table (or view's column comment) */
	STRATA_OBJ_CONSTRAINT,  /* parent: its table (or domain) */
	STRATA_OBJ_INDEX,       /* parent: its table or materialized view */
	STRATA_OBJ_VIEW,
	STRATA_OBJ_MATVIEW,
	STRATA_OBJ_FUNCTION,    /* name: name(identity argument types) */
	STRATA_OBJ_PROCEDURE,
	STRATA_OBJ_AGGREGATE,
	STRATA_OBJ_TRIGGER,     /* parent: its table or view */
	STRATA_OBJ_POLICY,      /* parent: its table */
	STRATA_OBJ_RULE,        /* parent: its table or view */
	STRATA_OBJ_GRANT,       /* opt-in (STRATA_SCHEMA_GRANTS); name: "privilege to role" on parent */
	STRATA_OBJ__COUNT
};

/* "table", "column", "index"... as people write it; "?" for an unknown kind. */
const char *strata_obj_kind_name(enum strata_obj_kind k);

/* A named property of an object, compared and reported by name. */
struct strata_schema_attr {
	char *key;   /* "type", "default", "not null", "definition", "comment", "position"... */
	char *value; /* NULL: absent (reported as "none") */
};

struct strata_schema_obj {
	enum strata_obj_kind kind;
	char *schema;  /* namespace; NULL where the engine has none (SQLite) */
	char *parent;  /* owning table/view/domain for sub-objects, NULL otherwise */
	char *name;    /* unqualified name (functions: name(argtypes)) */
	/*
	 * The statement(s) that create it, each ending in ";\n", deterministic:
	 * what a dump writes. NULL for objects written as part of another
	 * (a column inside its table's CREATE TABLE).
	 */
	char *sql;
	struct strata_schema_attr *attrs; /* sorted by key (strata_schema_finish) */
	size_t nattrs;
	/*
	 * The objects it must come after in a dump, as identity keys
	 * (strata_schema_obj_key); entries naming no object of the schema are
	 * ignored.
	 */
	char **deps;
	size_t ndeps;
	int position; /* columns: 1-based ordinal in the table; else 0 */
};

struct strata_schema {
	enum strata_engine engine;
	struct strata_schema_obj *objs; /* sorted by identity (strata_schema_finish) */
	size_t n;
	char **unhandled;  /* "2 foreign table", "1 event trigger": kinds the model cannot hold */
	size_t nunhandled;
	/*
	 * What a dump writes before any object (set by the driver, NULL:
	 * nothing): settings the script needs, each statement ending in ";\n".
	 */
	char *preamble;
};

void strata_schema_free(struct strata_schema *s);

/*
 * The identity of an object as one string: "kind:schema.parent.name" with
 * absent parts empty (malloc'ed; NULL when out of memory). Two objects of two
 * schemas are the same object when their keys are equal.
 */
char *strata_schema_obj_key(const struct strata_schema_obj *o);

/* The object with this identity, or NULL. s must be finished. */
const struct strata_schema_obj *strata_schema_find(const struct strata_schema *s, enum strata_obj_kind kind,
						   const char *schema, const char *parent, const char *name);
/* The value of attribute `key` of o, NULL when it has none. */
const char *strata_schema_attr_get(const struct strata_schema_obj *o, const char *key);

enum {
	STRATA_SCHEMA_GRANTS = 1 << 0, /* read grants too */
};

/*
 * Read the schema of the database db is open on. strata's own tables (the
 * tracking table, its log and journal) are left out, and so are objects that
 * belong to extensions. STRATA_EUNSUPPORTED when the engine's driver cannot
 * introspect.
 */
int strata_schema_read(struct strata_db *db, unsigned flags, struct strata_schema **out, struct strata_err *err);

/*
 * The schema as an SQL script (malloc'ed into *sql): objects in dependency
 * order, ties broken by kind and identity, so the same schema gives the same
 * bytes every time; running it on an empty database and reading that
 * database's schema again gives an equal schema.
 */
int strata_schema_dump(const struct strata_schema *s, char **sql, struct strata_err *err);

/* One difference between two schemas, from `a` (before, or expected) to `b` (after, or live). */
enum strata_diff_op {
	STRATA_DIFF_ADDED = '+',   /* in b only */
	STRATA_DIFF_REMOVED = '-', /* in a only */
	STRATA_DIFF_CHANGED = '~', /* in both, attribute `attr` differs */
};

struct strata_schema_diff_item {
	enum strata_diff_op op;
	enum strata_obj_kind kind;
	char *object;  /* as people read it: "projects.name", "ix_runs_status ON runs" */
	char *attr;    /* CHANGED: the attribute; else NULL */
	char *before;  /* CHANGED: a's value (NULL: none) */
	char *after;   /* CHANGED: b's value (NULL: none) */
	char *sql;     /* ADDED/REMOVED: the object's definition, one line, for the report; may be NULL */
};

struct strata_schema_diff {
	struct strata_schema_diff_item *items; /* in a stable order: kind, then identity */
	size_t n;
	int order_only;  /* the only differences are column positions (items list them as "position") */
	char **unhandled; /* a's and b's unhandled lines, prefixed "before: "/"after: " when they differ */
	size_t nunhandled;
};

/* Compare a with b; *out (never NULL on success) has n == 0 and nunhandled == 0 when they are equal. */
int strata_schema_compare(const struct strata_schema *a, const struct strata_schema *b,
			  struct strata_schema_diff **out, struct strata_err *err);
void strata_schema_diff_free(struct strata_schema_diff *d);

/* One line per item: "+ index ix_runs_status ON runs (status)", "~ column projects.name: default 'x' → none". */
int strata_schema_diff_line(const struct strata_schema_diff_item *it, char **line);

/*
 * The diff as one JSON object (malloc'ed into *json, free() it):
 *   {"equal": bool, "order_only": bool,
 *    "differences": [{"op": "added"|"removed"|"changed", "kind": "index",
 *                     "object": "ix ON runs", "sql": ... (added/removed, or null)
 *                     | "attribute": "default", "before": ..., "after": ... (changed, null: none),
 *                     "line": the strata_schema_diff_line text}],
 *    "not_handled": ["2 foreign table", "before: 1 event trigger"]}
 * "equal" is true only with no difference and nothing not handled.
 * Returns 0 or STRATA_ENOMEM.
 */
int strata_schema_diff_json(const struct strata_schema_diff *d, char **json);

#endif
