/*
 * driver.h - a database driver: its vtable (struct strata_driver: ABI,
 * URLs, connection, statements, locks, capabilities) and the SQL its engine
 * speaks (struct strata_dialect_ops), as it tells them to the modules that
 * write SQL (history.c, apply.c, fleet.c, maintain.c) so that none of them
 * names an engine.
 *
 * Each driver points its struct strata_driver's `sql` at one of these
 * (driver_sqlite.c, driver_pg.c, driver_mysql.c). The methods only write
 * text into a buffer: they need no connection, so they are tested without a
 * database (tests/unit/test_dialect.c, test_driver_mysql.c). What needs a connection (the schema a table
 * is pinned to) is a method of the driver itself, in its dialect block.
 *
 * Versions: the tracking tables hold exact digit strings of any length. How
 * an engine stores them is its own: PostgreSQL as numeric, SQLite in an
 * untyped column as INTEGER below 10^18 and TEXT above, ordered by
 * (length(version), version), MySQL as DECIMAL(65,0). history.c only ever writes a version through
 * version_param/version_literal and orders by version_desc/read_order.
 */
#ifndef STRATA_DRIVER_H
#define STRATA_DRIVER_H

#include <stddef.h>

#include "strata.h"
#include "split.h"
#include "buf.h"

struct strata_buf;
struct strata_version;
struct strata_schema;
struct strata_schema_read_opts;
struct strata_plan_match;
struct strata_plan_opts;
struct strata_schema_plan;

enum {
	STRATA_CAP_TRANSACTIONAL_DDL = 1 << 0, /* DDL rolls back with the transaction */
	STRATA_CAP_ADVISORY_LOCK = 1 << 1,     /* lock() holds a lock for the whole session */
	STRATA_CAP_BATCH = 1 << 2,             /* exec() of BEGIN; script; bookkeeping; COMMIT in one round trip
						  pays: the server reports per statement, and stops at an error */
	STRATA_CAP_SESSION_TIMEOUTS = 1 << 3,  /* connect() applies the options' lock and statement timeouts */
	/* without TRANSACTIONAL_DDL: its dialect's lexer flags the statements that commit implicitly
	   (STRATA_STMT_IMPLICIT_COMMIT), so a script of the others runs in one transaction with its record */
	STRATA_CAP_IMPLICIT_COMMITS_KNOWN = 1 << 4,
};

struct strata_conn; /* a driver's connection, opaque outside the driver */

/* Rows of a query result, all values as text (NULL for SQL NULL). */
struct strata_rows {
	size_t nrows;
	size_t ncols;
	char **cells;   /* nrows * ncols, row-major; each malloc'ed or NULL */
};
void strata_rows_free(struct strata_rows *r);
static inline const char *strata_rows_get(const struct strata_rows *r, size_t row, size_t col)
{
	return r->cells[row * r->ncols + col];
}

/* Called while lock() waits: who holds the lock, as one sentence. */
typedef void (*strata_lock_wait_fn)(void *ud, const char *holder, double waited_ms);

/*
 * A database driver. Contracts:
 * - every method fills err on failure (code STRATA_EDB, sqlstate, message,
 *   detail, hint) and returns its negative code;
 * - exec() runs a script of one or more statements as the database's own
 *   client would; on error *errpos is the byte offset in `sql` of the error
 *   (or of the failing statement), -1 when unknown;
 * - query() runs one statement with $1..$n text parameters;
 * - begin() starts a write transaction (SQLite: BEGIN IMMEDIATE, waiting up
 *   to the lock wait for other writers);
 * - lock()/unlock() are optional (NULL): a session-long lock that never
 *   holds a transaction open, polling until `wait` seconds (<0: forever).
 */
/*
 * The version of struct strata_driver. `abi` and `name` come first and never
 * move, so that the registry can refuse (by name) a driver built against
 * another layout before it reads anything else; change the number whenever
 * the struct changes.
 */
#define STRATA_DRIVER_ABI 7 /* 3: schema_read; 4: scratch databases; 5: lock_check; 6: statement_landed; 7: schema_plan */

struct strata_driver {
	unsigned abi;               /* STRATA_DRIVER_ABI it was built for */
	const char *name;           /* "sqlite", "postgres" */
	/*
	 * The target strings it opens (target.c finds the driver, the driver
	 * reads the string):
	 * - url_schemes: prefixes that name it, compared without case, longest
	 *   first ("postgresql://");
	 * - url_forms: how a person writes them, for messages ("sqlite:PATH");
	 * - url_guess(): optional; does a string with none of the schemes look
	 *   like one of its targets (a file name, a key=value string)?
	 * - url_parse(): check `url` and fill t->conninfo (and t->table from
	 *   x-migrations-table); STRATA_EUSAGE with a message that shows no
	 *   password when it is not a target it can open;
	 * - url_redact(): a copy that is safe to print (*hidden: a password was
	 *   removed), also for strings url_parse() refuses;
	 * - url_file(): optional, for databases that are files: where in `url`
	 *   the file's path lies (*len bytes, what follows is its query), NULL
	 *   when there is none; file_scheme is what to write before a path to
	 *   make a target of it (fleet globs).
	 */
	const char *const *url_schemes;
	const char *const *url_forms;
	int (*url_guess)(const char *url);
	int (*url_parse)(const char *url, struct strata_target *t, struct strata_err *err);
	char *(*url_redact)(const char *url, int *hidden);
	const char *(*url_file)(const char *url, size_t *len);
	const char *file_scheme;
	enum strata_engine engine;
	enum strata_dialect dialect;
	unsigned caps;              /* STRATA_CAP_* */
	int (*connect)(const struct strata_target *t, const struct strata_opts *o, struct strata_conn **out,
		       struct strata_err *err);
	void (*close)(struct strata_conn *c);
	int (*exec)(struct strata_conn *c, const char *sql, size_t len, long *errpos, struct strata_err *err);
	int (*query)(struct strata_conn *c, const char *sql, int nparams, const char *const *params,
		     struct strata_rows **rows, struct strata_err *err);
	int (*begin)(struct strata_conn *c, struct strata_err *err);
	int (*commit)(struct strata_conn *c, struct strata_err *err);
	int (*rollback)(struct strata_conn *c, struct strata_err *err);
	int (*lock)(struct strata_conn *c, const char *key, double wait, strata_lock_wait_fn fn, void *ud,
		    struct strata_err *err);
	int (*unlock)(struct strata_conn *c, const char *key, struct strata_err *err);
	/* Remove every object (see strata_drop); what: sentence for people. Optional. */
	int (*drop)(struct strata_conn *c, int preview, char **what, struct strata_err *err);
	/* Write a backup to `path` (a new file, mode 0600): of `schema` alone when not NULL. Optional. */
	int (*backup)(struct strata_conn *c, const char *path, const char *schema, struct strata_err *err);
	/* Cancel the statement running on c; must be async-signal-safe. Optional. */
	void (*interrupt)(struct strata_conn *c);
	/* Make `schema` the session's search_path (NULL: the server's default). Optional. */
	int (*set_schema)(struct strata_conn *c, const char *schema, struct strata_err *err);
	/* A short name for the database for file names ("app" for app.db), malloc'ed. */
	char *(*dbname)(struct strata_conn *c);
	/* Does this table exist? (schema-qualified names allowed). 1 yes, 0 no, <0 error. */
	int (*table_exists)(struct strata_conn *c, const char *schema, const char *table, struct strata_err *err);
	/* dialect */
	const char *display_name;              /* the engine as people name it: "SQLite", "PostgreSQL" */
	const struct strata_dialect_ops *sql;  /* the SQL it speaks (driver.h) */
	/*
	 * The schema a bare table name belongs to on this connection (the one
	 * its search path finds it in, else the session's current one) into
	 * *schema (malloc'ed; NULL when there is none). Optional: NULL when the
	 * engine has no schemas to pin a table to.
	 */
	int (*table_schema)(struct strata_conn *c, const char *table, char **schema, struct strata_err *err);
	/*
	 * exec(), also giving *value (malloc'ed; NULL when none) the first cell
	 * of the last statement of the script that returned rows: a batch's
	 * bookkeeping says what it recorded (the server-timed duration) in the
	 * same round trip. Optional: NULL when the driver has no such batches.
	 */
	int (*exec_value)(struct strata_conn *c, const char *sql, size_t len, long *errpos, char **value,
			  struct strata_err *err);
	/* schema */
	/*
	 * Fill s (empty, from strata_schema_new) with the schema of the database
	 * c is on, through the builder of src/schema/model.h, leaving out o's
	 * excluded tables and what belongs to extensions; kinds it cannot model
	 * go to strata_schema_unhandled. The caller finishes s. Optional: NULL
	 * when the engine cannot introspect.
	 */
	int (*schema_read)(struct strata_conn *c, const struct strata_schema_read_opts *o, struct strata_schema *s,
			   struct strata_err *err);
	/* scratch databases (schema/scratch.c) */
	/*
	 * Make a new, empty database called `name` beside the one c is on (on
	 * the same server, with the same credentials) and fill t (engine,
	 * conninfo, display: malloc'ed) so that connect() opens it. c may be
	 * NULL for an engine whose scratch databases need no server (SQLite: in
	 * memory, living as long as the one connection that opens it). A role
	 * that may not create databases gets a message saying what to do.
	 * Optional: NULL when the engine has no scratch databases.
	 */
	int (*scratch_create)(struct strata_conn *c, const char *name, struct strata_target *t, struct strata_err *err);
	/*
	 * Remove the scratch database `name` that scratch_create made through c,
	 * ending any connection still on it. Optional: NULL when closing its
	 * connection is enough (in memory).
	 */
	int (*scratch_drop)(struct strata_conn *c, const char *name, struct strata_err *err);
	/* locks */
	/*
	 * Does lock() really exclude other runners on this connection? 1 yes;
	 * 0 no, with *why (malloc'ed) saying why (a pooler that moves the
	 * session between server connections, an engine whose advisory locks are
	 * no-ops), so that STRATA_LOCK_AUTO takes a lease instead; <0 an error.
	 * Optional: NULL means yes wherever lock() is set.
	 */
	int (*lock_check)(struct strata_conn *c, char **why, struct strata_err *err);
	/* ---- engines whose DDL commits implicitly */
	/*
	 * After a run stopped between a statement and the journal's record of it
	 * (a crash after a DDL's implicit commit): did statement [sql, sql+len)
	 * run? Read from the catalog. 1 it did, 0 it did not (or running it again
	 * does no harm), 2 the catalog cannot tell (*what, malloc'ed: a phrase
	 * saying what to check), <0 an error. Optional: NULL where a statement
	 * and its record commit together.
	 */
	int (*statement_landed)(struct strata_conn *c, const char *sql, size_t len, char **what,
				struct strata_err *err);
	/* ---- diff */
	/*
	 * Fill p (empty) with the steps from `from` to `to` (two schemas of this
	 * engine) through the builder of src/schema/diffplan.h, using m (the
	 * objects matched across renames); what it cannot express goes to
	 * strata_plan_unhandled. No connection: the models alone. Optional:
	 * NULL when the engine cannot plan.
	 */
	int (*schema_plan)(const struct strata_plan_match *m, const struct strata_plan_opts *o,
			   struct strata_schema_plan *p, struct strata_err *err);
};

/* The driver for an engine; NULL with err filled. Thread-safe. */
const struct strata_driver *strata_driver_load(enum strata_engine e, struct strata_err *err);


struct strata_dialect_ops {
	/* ---- quoting and parameters */
	void (*quote_ident)(struct strata_buf *b, const char *s);               /* "a""b" */
	void (*quote_literal)(struct strata_buf *b, const char *s, size_t len); /* 'it''s' */
	void (*placeholder)(struct strata_buf *b, int n);                       /* parameter n (1-based): $n */

	/* ---- versions in the tracking and log tables */
	/* Parameter n, bound as digits, as the version column stores it. */
	void (*version_param)(struct strata_buf *b, int n);
	/* A version as an SQL literal of that same type. */
	void (*version_literal)(struct strata_buf *b, const struct strata_version *v);
	const char *version_desc;  /* ORDER BY putting the highest version first (the index's order) */
	const char *read_order;    /* appended to the SELECT of all tracking rows: " ORDER BY ..." or "" (sorted after) */

	/* ---- time */
	const char *timestamp_format;                                   /* strftime format of a UTC timestamp parameter */
	void (*timestamp_text)(struct strata_buf *b, const char *column); /* column read as "YYYY-MM-DD HH:MM:SS" UTC */
	/*
	 * expression: ms since the message carrying the statement arrived, to
	 * the microsecond ("0": unknown)
	 */
	const char *elapsed_ms;

	/* ---- the tables strata keeps (CREATE TABLE IF NOT EXISTS, without the last ';') */
	/* The tracking table `qtable` (quoted, qualified) named `table` in `schema` (NULL: none), with its indexes. */
	void (*tracking_ddl)(struct strata_buf *b, const char *schema, const char *table, const char *qtable);
	void (*log_ddl)(struct strata_buf *b, const char *qlog);
	/* After an INSERT: on a row with the same `key`, set each of `cols` (NULL-terminated) to the new row's. */
	void (*upsert)(struct strata_buf *b, const char *key, const char *const *cols);

	/* ---- strata 0.1's tables (signed 64-bit version columns) */
	const char *legacy_version_types[3]; /* the type names column_type reads for such a column (NULL-ended) */
	/* A scalar subquery: the declared type of `column` of `table` in `schema` (NULL: default), NULL when none. */
	void (*column_type)(struct strata_buf *b, const char *schema, const char *table, const char *column);
	/*
	 * Statements turning `qname`'s legacy version column into this dialect's
	 * (values above 2^63, stored negative, becoming their digits). NULL when
	 * the engine cannot change a column's type: the table is then rebuilt,
	 * with the column names `columns` queries.
	 */
	void (*retype_version)(struct strata_buf *b, const char *qname);
	void (*columns)(struct strata_buf *b, const char *schema, const char *table); /* query: names, in order */

	/*
	 * ---- durations: tables before sub-millisecond durations kept
	 * duration_ms as an integer column. legacy_duration_types are the type
	 * names column_type reads for such a column (NULL-ended; empty when the
	 * engine's integer column already keeps fractions, as SQLite's INTEGER
	 * affinity keeps a non-integral value as REAL); retype_duration writes
	 * the statements that turn `qname`'s into this dialect's exactly.
	 */
	const char *legacy_duration_types[3];
	void (*retype_duration)(struct strata_buf *b, const char *qname);

	/* ---- sessions */
	const char *begin; /* the statement that starts a write transaction in a script */
	/* Limit each statement of the session (of the transaction when `local`) to `ms`. NULL: the engine cannot. */
	void (*statement_timeout)(struct strata_buf *b, double ms, int local);
	const char *statement_timeout_reset; /* back to the session's default */

	/* ---- files and people */
	const char *client_command; /* runs an offline script ("psql ... -f FILE") */
	const char *backup_suffix;  /* of a backup file (".db", ".dump") */
	const char *schemas_query;  /* lists the schemas a fleet may run on, in order; NULL: the engine has none */

	/*
	 * ---- the lease lock (lease.c): a row per lock key in `qlease` (the
	 * tracking table's name + "_lock"), its times on the database's clock.
	 * Parameters: $1 the lock key, $2 the owner, $3 the lease in seconds
	 * (as text). NULL lease_ddl: the engine offers no lease.
	 */
	/* CREATE TABLE IF NOT EXISTS: lock_key (primary key), owner, acquired_at, heartbeat_at, expires_at */
	void (*lease_ddl)(struct strata_buf *b, const char *qlease);
	/*
	 * One atomic statement: insert the row ($1, $2, now, now, now + $3), or
	 * on the same key replace it when it has expired (expires_at < now) or
	 * is $2's; leave another owner's live row alone. Whether it was taken
	 * is read back with lease_read.
	 */
	void (*lease_take)(struct strata_buf *b, const char *qlease);
	/* Heartbeat: heartbeat_at = now, expires_at = now + $3 where key $1 and owner $2 (lease_read then tells whose it is) */
	void (*lease_beat)(struct strata_buf *b, const char *qlease);
	/*
	 * The row of key $1: owner, acquired_at, heartbeat_at, expires_at as
	 * "YYYY-MM-DD HH:MM:SS" UTC, and the seconds since heartbeat_at by the
	 * database's clock
	 */
	void (*lease_read)(struct strata_buf *b, const char *qlease);
	/* Release: delete the row of key $1 and owner $2 */
	void (*lease_release)(struct strata_buf *b, const char *qlease);
	/*
	 * Run on the migration session once the lease is taken, errors ignored
	 * (NULL: nothing): what makes the server stop a killed runner's statement
	 * soon, which a session lock would have made the next runner wait for.
	 */
	const char *lease_session;
};

/* INSERT ... ON CONFLICT (key) DO UPDATE SET col = excluded.col, ...: the upsert PostgreSQL and SQLite share (driver.c). */
void strata_dialect_on_conflict(struct strata_buf *b, const char *key, const char *const *cols);

#endif
