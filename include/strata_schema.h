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
	/*
	 * The engine's own identity of the object, which a rename keeps
	 * (PostgreSQL: a relation's oid "16390", a column's "16390.3"); NULL
	 * where the engine has none. Never compared: two schemas read from one
	 * database (equal `origin`) are matched by it, so that a diff of a
	 * database against a later state of itself sees renames as renames.
	 */
	char *ident;
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
	/*
	 * Which database it was read from (PostgreSQL: the cluster's system
	 * identifier and the database's oid), NULL when unknown: objects of two
	 * schemas of one origin with equal `ident` are one object, renamed or not.
	 */
	char *origin;
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

/* ---------------------------------------------------------------------------
 * Scratch databases (schema/scratch.c): a new, empty database of the same
 * engine, for building the schema the migrations make (check, test). On
 * PostgreSQL a database created from template0 on the target's server (or on
 * another, `server`), dropped by strata_scratch_close; on SQLite an
 * in-memory database. Every way out of a program that opened one must pass
 * through strata_scratch_close: an error, and a run stopped by a cancel token
 * (a signal), return normally and then close it.
 */
struct strata_scratch; /* opaque */

struct strata_scratch_opts {
	const char *server;     /* a URL of the server to create it on (--scratch); NULL: the target's own */
	const char *setup;      /* SQL run in every new scratch database before anything else, or NULL */
	size_t setup_len;
	const char *setup_file; /* where `setup` comes from, for messages ("" or NULL: none) */
};

/*
 * Create a scratch database beside `like` (its engine, its server), run the
 * setup SQL in it, and open it with the options `o` (the tracking table,
 * single_transaction, the cancel token, the event callback; what would touch
 * anything else, a backup, read_only, dry_run, is left out). o and so are
 * borrowed, as strata_db_open borrows o, until strata_scratch_close.
 */
int strata_scratch_open(const struct strata_target *like, const struct strata_scratch_opts *so,
			const struct strata_opts *o, struct strata_scratch **out, struct strata_err *err);
/* The open database on it (owned by the scratch: never strata_db_close it) and its target. */
struct strata_db *strata_scratch_db(struct strata_scratch *s);
const struct strata_target *strata_scratch_target(const struct strata_scratch *s);
/* Throw its database away and make a new, empty one in its place (the setup run again). */
int strata_scratch_reset(struct strata_scratch *s, struct strata_err *err);
/* Close and drop it and free s (NULL: 0); the drop's error, if any, in err (s is freed all the same). */
int strata_scratch_close(struct strata_scratch *s, struct strata_err *err);

/* ---------------------------------------------------------------------------
 * check (schema/check.c): is the live database what its recorded migrations
 * make?
 */

/*
 * Build the expected schema in `scratch`: the migrations `live` records as
 * applied, as their files now read, run with strata_run (so no-transaction
 * and own-transaction files run as they do for up); or, with against_sql,
 * that script (a schema.sql) run as one. Then read both and compare them,
 * expected (a) to live (b): *out lists what the live database has that the
 * migrations do not make as ADDED. A recorded migration without a file, or
 * one that stopped part way, cannot be rebuilt: STRATA_EHISTORY.
 */
int strata_check(struct strata_db *live, const struct strata_source *src, struct strata_scratch *scratch,
		 const char *against_sql, size_t against_len, unsigned flags, struct strata_schema_diff **out,
		 struct strata_err *err);

/* ---------------------------------------------------------------------------
 * test (schema/test.c): does each down undo its up, and each up redo?
 */

enum strata_test_verdict {
	STRATA_TEST_OK = 0,
	STRATA_TEST_UP_FAILED,    /* the up failed: the migrations after it are not tested */
	STRATA_TEST_DOWN_FAILED,  /* the down failed */
	STRATA_TEST_NOT_RESTORED, /* the down ran, the schema differs from the one before the up */
	STRATA_TEST_ORDER_ONLY,   /* ... only in the order of columns */
	STRATA_TEST_REDO_FAILED,  /* up, down, then up again failed */
	STRATA_TEST_REDO_DIFFERS, /* up again ran, the schema differs from the one after the first up */
	STRATA_TEST_IRREVERSIBLE, /* no down, an empty down or -- strata:irreversible: the up alone was tested */
	STRATA_TEST_DATA_LOST,    /* (--data) the schemas are restored, but up then down lost rows or values */
	STRATA_TEST_DATA_UP_FAILED, /* (--data) the up fails on tables with rows, runs on empty ones (note: why) */
};
/* "ok", "up_failed", ... (stable names, for JSON and JUnit): static. */
const char *strata_test_verdict_name(enum strata_test_verdict v);

/* What was found for one migration, given to the callback (lives during the call only). */
struct strata_test_result {
	const struct strata_migration *mig;
	size_t index;                    /* in the source */
	enum strata_test_verdict verdict;
	const struct strata_schema_diff *diff; /* NOT_RESTORED, ORDER_ONLY, REDO_DIFFERS: the differences; else NULL */
	const struct strata_err *err;    /* UP_FAILED, DOWN_FAILED, REDO_FAILED: what the database said; else NULL */
	const char *note;                /* IRREVERSIBLE: why; DATA_UP_FAILED: the error; tables --data could not
					    fill; a rebuild of the scratch after it: said; else NULL */
	int rebuilt;                     /* the scratch was rebuilt (1..index applied again) to go on */
	double ms;                       /* time spent on it */
	const char *lost;                /* DATA_LOST: what was lost, one line each ("3 rows of runs.status lost
					    their values"); else NULL */
};
/* Called once per migration tested, in order; a nonzero return stops the test (STRATA_EINTR). */
typedef int (*strata_test_fn)(void *ud, const struct strata_test_result *r);

struct strata_test_opts {
	const struct strata_version *from; /* the first migration to test (NULL: the first) */
	const struct strata_version *to;   /* the last (NULL: the last); inclusive */
	unsigned flags;                    /* STRATA_SCHEMA_* read flags */
	strata_test_fn on_result;
	void *ud;
	/*
	 * Scratch databases to test on at once (<= 1: the one given): the range
	 * is cut into parts, each after the first on a scratch database like the
	 * given one, with the migrations before it applied; results still come
	 * in order, on the calling thread. At most STRATA_TEST_MAX_JOBS.
	 */
	int jobs;
	/*
	 * Fill every empty table with a few synthetic, FK-consistent rows
	 * before each migration and compare the rows of S(i-1) then with those
	 * its down leaves (on the tables and columns both have: what the up
	 * made and the down drops is not compared): rows or values lost are
	 * DATA_LOST.
	 */
	int data;
};
#define STRATA_TEST_MAX_JOBS 8

struct strata_test_summary {
	size_t tested;    /* migrations the callback was given */
	size_t reported;  /* of them, with a verdict other than ok */
	size_t rebuilds;  /* times the scratch was rebuilt to go on from a consistent state */
	size_t untested;  /* in the range, after an up that failed */
	double read_ms;   /* time spent reading schemas (and comparing them) */
	double run_ms;    /* time spent running migrations (ups, downs, rebuilds) */
};

/*
 * On `scratch` (empty): apply the migrations before the range, then for each
 * migration i of it: read S(i-1); up; read S(i); down, compare with S(i-1); up
 * again, compare with S(i). A finding never stops the test: when the state
 * after a migration's steps is not S(i) (a down that failed part way, a
 * redo that failed or differs), the scratch is rebuilt and 1..i applied
 * again. Only an up that fails stops it (what follows needs it). 0 when every
 * migration was tested (findings or not), < 0 on an error of strata's own or
 * of the scratch itself.
 */
int strata_test(struct strata_scratch *scratch, const struct strata_source *src, const struct strata_test_opts *o,
		struct strata_test_summary *sum, struct strata_err *err);

/* ---------------------------------------------------------------------------
 * diff (schema/diffplan.c, and each driver's schema_plan): the statements
 * that turn the schema `from` into the schema `to`, in the order their
 * dependencies need, computed from the two models alone (no connection).
 *
 * A plan is exact, complete or loud: every difference compare would report
 * is either covered by a step or listed in `unhandled` (the caller exits
 * non-zero); nothing is omitted. Steps that lose data (dropping a table, a
 * column, a type something still uses; narrowing a type) carry
 * STRATA_STEP_DESTRUCTIVE: the CLI refuses such a plan without
 * --allow-destructive and names each of them.
 */

/* A rename the desired schema declares ("-- strata:renamed-from OLD" on a table or column line). */
struct strata_rename_hint {
	enum strata_obj_kind kind; /* STRATA_OBJ_TABLE or STRATA_OBJ_COLUMN */
	const char *schema;        /* NULL: the engine's default one (public; SQLite: none) */
	const char *parent;        /* a column's table, as `to` names it; NULL for a table */
	const char *name;          /* the name in `to` */
	const char *old_name;      /* the name in `from` */
	const char *file;          /* where the hint is written, for messages (NULL: unknown) */
	int line;
};

enum {
	/* PostgreSQL: lock-aware forms where they change nothing in the result: CREATE INDEX CONCURRENTLY
	   (a step of its own, outside a transaction), FKs and CHECKs NOT VALID then VALIDATE, SET NOT NULL
	   through a validated CHECK */
	STRATA_PLAN_ONLINE = 1 << 0,
};

/*
 * The schema a hint means: its own, or, when it names none, that of the
 * table of its name (a column's: its table's) in `to`, the first in identity
 * order; NULL when `to` has no such table.
 */
const char *strata_rename_hint_schema(const struct strata_rename_hint *h, const struct strata_schema *to);

struct strata_plan_opts {
	unsigned flags; /* STRATA_PLAN_* */
	const struct strata_rename_hint *renames;
	size_t nrenames;
};

enum {
	STRATA_STEP_DESTRUCTIVE = 1 << 0,    /* loses data: refused unless the user allows it */
	STRATA_STEP_NO_TRANSACTION = 1 << 1, /* cannot run inside a transaction (CREATE INDEX CONCURRENTLY) */
	/*
	 * Manages its own transaction (SQLite's table rebuild: PRAGMA
	 * foreign_keys=OFF before BEGIN, foreign_key_check before COMMIT): a
	 * migration holding it is a file-managed-transaction migration.
	 */
	STRATA_STEP_OWN_TRANSACTION = 1 << 2,
};

struct strata_plan_step {
	enum strata_obj_kind kind; /* of the object it is about */
	char *what;  /* one line for people: "add column public.crates.x", "rebuild table users (type of a)" */
	char *sql;   /* its statements, each ending ";\n" */
	unsigned flags; /* STRATA_STEP_* */
};

struct strata_schema_plan {
	struct strata_plan_step *steps; /* in the order they must run */
	size_t n;
	/*
	 * What it cannot express, one phrase each ("change of the subtype of
	 * range type public.r"): a plan with any is not a migration to run.
	 */
	char **unhandled;
	size_t nunhandled;
	unsigned flags; /* the STRATA_STEP_* flags of all steps, or'ed */
};

/*
 * The plan from `from` to `to` (both finished, of one engine) into *out
 * (never NULL on success; n == 0 and nunhandled == 0 when they are equal).
 * A rename hint naming what `from` does not have, or naming a table `to`
 * does not have, is an error (STRATA_EUSAGE, its file and line in err).
 * STRATA_EUNSUPPORTED when the engine's driver cannot plan.
 */
int strata_schema_plan(const struct strata_schema *from, const struct strata_schema *to,
		       const struct strata_plan_opts *o, struct strata_schema_plan **out, struct strata_err *err);
void strata_schema_plan_free(struct strata_schema_plan *p);

/*
 * The plan as one migration's SQL (malloc'ed into *sql, "" when empty):
 * each step's statements under a comment line "-- <what>", destructive ones
 * marked "-- DESTRUCTIVE: <what>". With NO_TRANSACTION steps it starts with
 * "-- strata:no-transaction"; with OWN_TRANSACTION ones, a comment saying
 * the file manages its own transaction (its BEGIN/COMMIT tell strata so). A
 * NO_TRANSACTION step holds a single statement.
 */
int strata_schema_plan_sql(const struct strata_schema_plan *p, char **sql, struct strata_err *err);

/*
 * Verify a plan: in `scratch` (reset first, unless it is new and unused), create `from` (its dump), run
 * the plan's steps (each as its own script, outside any transaction when its
 * flags say so), read the schema and compare it with `to`. *left (never NULL
 * on success) is empty when the plan is exact; a step that fails is an error
 * naming the step (err->line: the line in strata_schema_plan_sql's script).
 */
int strata_schema_plan_verify(struct strata_scratch *scratch, const struct strata_schema *from,
			      const struct strata_schema_plan *p, const struct strata_schema *to, unsigned read_flags,
			      struct strata_schema_diff **left, struct strata_err *err);

/*
 * Run a schema file (a schema.sql, `pg_dump -s` output as users keep it) in
 * the scratch database (schema/sqlfile.c): psql meta-commands (lines
 * starting with a backslash: \restrict, \connect, \set ...) are skipped, not
 * sent. When it does not run, the error names the statement that failed
 * (err->file = file, err->line its line) with the server's message; the
 * scratch may then have been reset.
 */
int strata_schema_run_file(struct strata_scratch *scratch, const char *sql, size_t len, const char *file,
			   struct strata_err *err);

/*
 * The rename hints of a desired schema file (schema/hints.c): a
 * "-- strata:renamed-from OLD" comment on the line of a CREATE TABLE (the
 * table was OLD) or on a column's line inside one (the column was OLD), in
 * the SQL of `engine` (its quoting, its schema-qualified names). *out is
 * malloc'ed (NULL when none; free with strata_rename_hints_free); `file` is
 * copied into each hint. A hint that names nothing (not on a CREATE TABLE's
 * line or a column's) is STRATA_ESOURCE with its file and line.
 */
int strata_rename_hints_parse(const char *sql, size_t len, const char *file, enum strata_engine engine,
			      struct strata_rename_hint **out, size_t *n, struct strata_err *err);
void strata_rename_hints_free(struct strata_rename_hint *h, size_t n);

/*
 * The schemas a plan passes through (schema/plan_states.c): in `scratch`
 * (reset first) `from` is created (its dump) and read into states[0]; then
 * the steps are run in order and, after the first cuts[k] of them, the
 * schema is read into states[k + 1] (cuts ascending, each at most p->n;
 * `states` has ncuts + 1 entries, each freed by the caller; all NULL on
 * failure). All are read from one database (one origin). A step that fails
 * is an error naming it.
 */
int strata_schema_plan_states(struct strata_scratch *scratch, const struct strata_schema *from,
			      const struct strata_schema_plan *p, const size_t *cuts, size_t ncuts, unsigned read_flags,
			      struct strata_schema **states, struct strata_err *err);

/*
 * The rename hints of a desired schema turned around for a down from
 * `after` back to `before` (schema/plan_states.c): those whose new name
 * `after` has and `before` has not, while `before` has the old one (a
 * column's table named as `before` names it, when a hint renames it too),
 * each with its names swapped. Shallow copies into out (nh entries at
 * most; the strings stay h's); returns how many. A hint's NULL schema
 * matches any.
 */
size_t strata_rename_hints_back(const struct strata_rename_hint *h, size_t nh, const struct strata_schema *after,
				const struct strata_schema *before, struct strata_rename_hint *out);

#endif
