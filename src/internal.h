/*
 * internal.h - what the modules of libstrata share and the CLI does not see
 * through strata.h: the growable buffer, small helpers, the SQL splitter and
 * the driver vtable.
 *
 * The buffer follows git's strbuf / PostgreSQL's PQExpBuffer: never NULL
 * after init, out-of-memory marks it broken (callers check once at the end),
 * detach hands the memory to the caller.
 */
#ifndef STRATA_INTERNAL_H
#define STRATA_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "strata.h"

/* ---------------------------------------------------------------- buffer */

struct strata_buf {
	char *buf;      /* NUL-terminated contents; points at a static "" until first growth */
	size_t len;     /* bytes used, not counting the NUL */
	size_t alloc;   /* bytes allocated, 0 while buf is the static "" */
	int broken;     /* an allocation failed; contents are incomplete */
};

void strata_buf_init(struct strata_buf *b);
void strata_buf_release(struct strata_buf *b);
void strata_buf_reset(struct strata_buf *b);
int strata_buf_grow(struct strata_buf *b, size_t extra);
void strata_buf_add(struct strata_buf *b, const char *p, size_t len);
void strata_buf_adds(struct strata_buf *b, const char *s);
void strata_buf_addc(struct strata_buf *b, char c);
void strata_buf_addf(struct strata_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strata_buf_vaddf(struct strata_buf *b, const char *fmt, va_list ap);
/* Append `s` as a quoted SQL identifier ("a""b") or literal ('it''s'). */
void strata_buf_add_ident(struct strata_buf *b, const char *s);
void strata_buf_add_literal(struct strata_buf *b, const char *s, size_t len);
/* "schema"."name", or just "name" when schema is NULL. */
void strata_buf_add_qualified(struct strata_buf *b, const char *schema, const char *name);
/* Hand the contents to the caller (malloc'ed, NULL if broken) and re-init. */
char *strata_buf_detach(struct strata_buf *b, size_t *len);

/* ---------------------------------------------------------------- helpers */

/*
 * Replace by "***", in every text of err, each password `conninfo` holds
 * (URL userinfo, ?password=, key=value password=) and `password` (either may
 * be NULL), in every spelling a message can carry it: as typed, decoded,
 * percent-encoded, and the pieces libpq makes of a malformed URL. Drivers
 * call it on every message of their library before it leaves them.
 */
void strata_err_scrub(struct strata_err *err, const char *conninfo, const char *password);

char *strata_strdup(const char *s);
char *strata_strndup(const char *s, size_t n);
/* 1-based line number of byte offset `off` in text (counting '\n'). */
int strata_line_of(const char *text, size_t len, size_t off);
/* Monotonic clock in milliseconds. */
double strata_now_ms(void);
/* "user@host" of this process. Caller frees. */
char *strata_whoami(void);
/* Parse a whole string of decimal digits into *v. 0 ok, -1 not digits, -2 overflow. */
int strata_parse_u64(const char *s, size_t len, uint64_t *v);

/* ---------------------------------------------------------------- versions (version.c) */

/* Room for a sort key of a version (strata_version_sortkey). */
#define STRATA_VERSION_KEY (STRATA_VERSION_MAX + 5)
/*
 * A key that orders versions numerically under strcmp: up to 20 digits
 * zero-padded to 20 (comparable with Diesel's digit strings as before), longer
 * ones after those, by length.
 */
void strata_version_sortkey(const struct strata_version *v, char key[STRATA_VERSION_KEY]);
/* v + 1 into *out (an unset v gives 1). 0 ok, -2 too long. */
int strata_version_next(const struct strata_version *v, struct strata_version *out);
/*
 * A version as a tracking table holds it: digits, or (tables made before
 * versions were exact) a negative signed 64-bit number standing for a version
 * above 2^63. 0 ok, -1 not a version.
 */
int strata_version_from_stored(const char *s, struct strata_version *v);
/* Fill err from a template error (copies everything, texts too: dst owns its own). */
void strata_err_copy(struct strata_err *dst, const struct strata_err *src);
void strata_err_setv(struct strata_err *err, int code, const char *fmt, va_list ap);
/* Put a printf-style prefix in front of err->message. */
void strata_err_prefix(struct strata_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Set err->hint or err->detail (printf-style; NULL fmt: empty), keeping the rest. NULL err: nothing. */
void strata_err_hint(struct strata_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strata_err_detail(struct strata_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Set one text of err to a copy of [s, s+len) (s NULL: empty). */
enum strata_err_text { STRATA_ERR_MESSAGE, STRATA_ERR_DETAIL, STRATA_ERR_HINT, STRATA_ERR_CONTEXT };
void strata_err_text(struct strata_err *err, enum strata_err_text which, const char *s, size_t len);

/* ---------------------------------------------------------------- SQL splitting */

enum strata_dialect {
	STRATA_DIALECT_POSTGRES = 1,
	STRATA_DIALECT_SQLITE,
};

enum {
	STRATA_STMT_EMPTY = 1 << 0, /* only white space and comments (trailing piece, or ";;") */
	STRATA_STMT_NO_TX = 1 << 1, /* PostgreSQL refuses it inside a transaction block */
	/* transaction control at the top level of the script: the file manages its own transactions */
	STRATA_STMT_TX_BEGIN = 1 << 2,  /* starts one: BEGIN, START TRANSACTION (COMMIT AND CHAIN too) */
	STRATA_STMT_TX_END = 1 << 3,    /* ends one: COMMIT, END, ROLLBACK, ABORT, PREPARE TRANSACTION */
	STRATA_STMT_TX_PRAGMA = 1 << 4, /* SQLite's PRAGMA foreign_keys = ..., which a transaction ignores */
};
#define STRATA_STMT_TX (STRATA_STMT_TX_BEGIN | STRATA_STMT_TX_END | STRATA_STMT_TX_PRAGMA)

/*
 * One piece of a script. Pieces are in order and cover the input exactly:
 * piece k+1 starts at piece k's `end`. Leading white space and comments
 * belong to the piece that follows them.
 */
struct strata_stmt {
	size_t start;    /* first byte of the piece (may be white space or a comment) */
	size_t body;     /* first byte of the statement's first token (== end for EMPTY pieces) */
	size_t end;      /* one past the terminating ';', or the end of input */
	int line;        /* 1-based line of `body` */
	unsigned flags;  /* STRATA_STMT_* */
	size_t tok;      /* index of the piece's first token (lexer.h), white space and comments counted */
	size_t ntok;     /* tokens in the piece, its leading white space and comments and its ';' included */
};

struct strata_split {
	struct strata_stmt *s; /* pieces */
	size_t n;              /* pieces used */
	size_t cap;            /* pieces allocated */
};

/*
 * Split `sql` into statements as the database would see them. On an
 * unterminated quote, dollar quote or comment returns STRATA_ESOURCE with
 * err->line set to the line where it opened and err->message saying what is
 * unterminated (err->file is left for the caller). `out` must be zeroed or
 * previously used; it is reused without freeing. Release with
 * strata_split_release().
 */
int strata_sql_split(const char *sql, size_t len, enum strata_dialect d, struct strata_split *out,
		     struct strata_err *err);
void strata_split_release(struct strata_split *s);
/* Number of non-empty statements. */
size_t strata_split_count(const struct strata_split *s);
/*
 * A script that manages its own transactions must not end inside one: the
 * line (1-based, in the script) of a BEGIN that nothing after it ends, or 0.
 */
int strata_split_open_tx(const struct strata_split *s);
/*
 * In one PostgreSQL statement's text: the offset of the byte after the
 * opening tag of its first dollar-quoted string (where PL/pgSQL counts line
 * 1 of a DO block or a function body), or -1 when it has none.
 */
long strata_sql_dollar_body(const char *sql, size_t len);
/*
 * Is this PostgreSQL statement CREATE [OR REPLACE] FUNCTION|PROCEDURE of a
 * routine named `name` (unqualified; compared without case unless quoted)?
 */
int strata_sql_defines_routine(const char *sql, size_t len, const char *name, size_t namelen);
/*
 * The text a checksum covers (checksum.c): `text` as dialect `d` lexes it,
 * without comments, white space made canonical outside literals, `-- strata:`
 * directives kept. Appends to out; returns 1 when the text is not followed
 * exactly (then out is to be ignored and the text hashed as written).
 */
int strata_sql_normalise(const char *text, size_t len, enum strata_dialect d, struct strata_buf *out);

/* ---------------------------------------------------------------- drivers */

enum {
	STRATA_CAP_TRANSACTIONAL_DDL = 1 << 0, /* DDL rolls back with the transaction */
	STRATA_CAP_ADVISORY_LOCK = 1 << 1,     /* lock() holds a lock for the whole session */
	STRATA_CAP_BATCH = 1 << 2,             /* exec() of BEGIN; script; bookkeeping; COMMIT in one round trip
						  pays: the server reports per statement, and stops at an error */
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
struct strata_driver {
	const char *name;           /* "sqlite", "postgres" */
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
};

extern const struct strata_driver strata_driver_sqlite;
/* The driver for an engine, loading its module the first time; NULL with err filled. Thread-safe. */
const struct strata_driver *strata_driver_load(enum strata_engine e, struct strata_err *err);

/* ---------------------------------------------------------------- source */

/* What a directory entry's name says it is (strata_source_parse_name). */
enum strata_name_kind {
	STRATA_NAME_IGNORE = 0,  /* not a migration (not .sql, hidden, dir without a leading digit): skip */
	STRATA_NAME_UNVERSIONED, /* a .sql file whose name has no version: skip with a warning */
	STRATA_NAME_UP,          /* V[_name].up.sql ('-' as well as '_' before the name) */
	STRATA_NAME_DOWN,        /* V[_name].down.sql */
	STRATA_NAME_SINGLE,      /* V[_name].sql: markers or plain, decided by the contents */
	STRATA_NAME_DIESEL,      /* directory V[_name], V = digits and dashes */
	STRATA_NAME_GO,          /* goose's Go migration V_name.go (strata cannot run it) */
};

/* Errors of strata_source_parse_name(); out->why says what is wrong. */
enum {
	STRATA_NAME_EBAD = -1,      /* starts with a digit but is no layout's name */
	STRATA_NAME_EOVERFLOW = -2, /* the version has more digits than STRATA_VERSION_MAX */
};

/* A parsed name: offsets into the name that was parsed, nothing allocated. */
struct strata_name {
	enum strata_name_kind kind;
	struct strata_version version; /* the version (Diesel: digits with the dashes removed) */
	size_t ver_off;     /* the version as written: name + ver_off, ver_len bytes (Diesel: with dashes) */
	size_t ver_len;
	size_t ndigits;     /* digits in the version (ver_len minus the dashes) */
	size_t name_off;    /* the title ("create_users"), possibly empty */
	size_t name_len;
	const char *why;    /* on error: a static phrase saying what is wrong, else NULL */
};

/*
 * Classify one directory entry by its name alone (`is_dir`: it is a
 * directory, after following symlinks). Returns 0 and fills `out` (kind may
 * be IGNORE or UNVERSIONED), or STRATA_NAME_EBAD / STRATA_NAME_EOVERFLOW with
 * out->why set. Never allocates; safe on any NUL-terminated input.
 */
int strata_source_parse_name(const char *name, int is_dir, struct strata_name *out);


/* ---------------------------------------------------------------- an open target */

struct strata_db {
	const struct strata_driver *drv;
	struct strata_conn *conn;
	const struct strata_target *target; /* borrowed from the caller */
	struct strata_opts opts;            /* copy of the caller's options */
	char *schema;                       /* schema part of the tracking table, or NULL */
	char *table;                        /* tracking table name */
	char *qtable;                       /* quoted, schema-qualified tracking table */
	char *logtable;                     /* history log table name (tracking table + "_log") */
	char *qlog;                         /* quoted, schema-qualified history log table */
	char *lockkey;                      /* identity of the migration lock */
	char *applied_by;                   /* recorded user@host */
	volatile int interrupted;           /* strata_interrupt() was called */
};

/* Set by strata_interrupt_all(). */
extern volatile int strata_interrupted_all;

/* Point an open connection at another target of the same database (another schema). */
int strata_db_retarget(struct strata_db *db, const struct strata_target *t, struct strata_err *err);

/* Take the migration lock (no-op for drivers without one); *locked says whether to unlock. */
int strata_lock(struct strata_db *db, int *locked, struct strata_err *err);
void strata_unlock(struct strata_db *db, int locked);

/* Send an event to the caller's callback, if any. */
void strata_emit(struct strata_db *db, struct strata_event *ev);

/* ---------------------------------------------------------------- tracking table */

/* One row of the tracking table. */
struct strata_applied {
	struct strata_version version;
	char *name;
	char *checksum;
	char *down;         /* recorded down script, or NULL */
	char *applied_at;   /* "YYYY-MM-DD HH:MM:SS" UTC */
	char *applied_by;
	char *state;        /* "applied" or "partial" */
	long long duration_ms;
	int stmts_done;     /* partial: statements completed */
	char *progress;     /* partial: checksum of the statements completed */
};

void strata_applied_free(struct strata_applied *a, size_t n);
/* 1 when the tracking table exists, 0 when not, <0 on error. */
int strata_history_exists(struct strata_db *db, struct strata_err *err);
/* Create the tracking table when missing. */
int strata_history_ensure(struct strata_db *db, struct strata_err *err);
/* Every row, ordered by version. *rows is NULL and *n 0 when the table does not exist. */
int strata_history_read(struct strata_db *db, int with_down, struct strata_applied **rows, size_t *n,
			struct strata_err *err);
/* Record a migration as applied (inside the caller's transaction, if any). */
int strata_history_insert(struct strata_db *db, const struct strata_migration *m, double ms,
			  struct strata_err *err);
int strata_history_delete(struct strata_db *db, const struct strata_version *version, struct strata_err *err);
/* A no-transaction migration ran `done` statements (whose checksum is `progress`): record it partial. */
int strata_history_progress(struct strata_db *db, const struct strata_migration *m, int done, const char *progress,
			    struct strata_err *err);
/*
 * A down that runs outside strata's transaction stopped after `done` of its
 * statements (whose checksum is `progress`): the row stays 'applied' (what
 * runners before this read), with statements_done > 0 saying how far its
 * down got, so that the next down resumes after them.
 */
int strata_history_down_progress(struct strata_db *db, const struct strata_version *version, int done,
				 const char *progress, struct strata_err *err);
/* A partial migration finished: record it applied. */
int strata_history_complete(struct strata_db *db, const struct strata_migration *m, double ms,
			    struct strata_err *err);
/* The statements that create the tracking table (for the offline script). */
void strata_history_create_sql(struct strata_db *db, struct strata_buf *b);
/*
 * The bookkeeping of one migration as literal SQL, to travel in the same
 * round trip as its script (or into the offline script): the tracking INSERT
 * (or DELETE when `down`) and the log entry, timed by PostgreSQL from the
 * arrival of the message that carries them.
 */
void strata_history_batch_sql(struct strata_db *db, const struct strata_migration *m, const struct strata_version *version,
			      const char *name, const char *action, int down, struct strata_buf *b);
/*
 * Bookkeeping held back inside one batch transaction (--single-transaction on
 * a server) and sent as a few multi-row statements: the rows become visible
 * at COMMIT either way, and N migrations cost N round trips, not 3N.
 */
struct strata_deferred {
	struct strata_buf track; /* "(...), (...)" tuples for the tracking INSERT */
	struct strata_buf del;   /* "v, v" versions to DELETE from it */
	struct strata_buf log;   /* tuples for the log INSERT, in order */
	size_t n;                /* migrations held */
	int down;                /* the direction of those held */
};
void strata_deferred_init(struct strata_deferred *d);
void strata_deferred_release(struct strata_deferred *d);
/* Hold one migration's bookkeeping (`ms`: how long its script took). */
void strata_history_defer(struct strata_db *db, struct strata_deferred *d, const struct strata_migration *m,
			  const struct strata_version *version, const char *name, const char *action, int down, double ms);
/* Send what is held (nothing to do when empty) and empty it. */
int strata_history_flush(struct strata_db *db, struct strata_deferred *d, struct strata_err *err);
/* Append to the history log (inside the caller's transaction, if any). */
int strata_history_log(struct strata_db *db, const char *action, const struct strata_status_row *row, double ms,
		       const char *result, struct strata_err *err);
/* Record the new checksum (and down script) of a modified migration's file. */
int strata_history_accept(struct strata_db *db, const struct strata_migration *m, struct strata_err *err);
/* Is this version recorded? 1 yes, 0 no, <0 error. */
int strata_history_has(struct strata_db *db, const struct strata_version *version, struct strata_err *err);

/* ---------------------------------------------------------------- status */

/* Merge recorded rows with the files (pure: no database). The rows' strings move into the status. */
int strata_status_build(const struct strata_source *src, struct strata_applied *rows, size_t n,
			struct strata_status **out, struct strata_err *err);
/* strata_status_get, with the recorded down scripts when `with_down` (what a run needs). */
int strata_status_read(struct strata_db *db, const struct strata_source *src, int with_down,
		       struct strata_status **out, struct strata_err *err);

/* ---------------------------------------------------------------- directives */

/* What the -- strata:... comment lines of a script ask for. */
struct strata_directives {
	int no_transaction;      /* -- strata:no-transaction */
	char **require;          /* -- strata:require <SQL>: each must yield true before the migration */
	size_t nrequire;
	int *require_line;       /* line of each, in the script */
	char **verify;           /* -- strata:verify <SQL>: each must yield true inside its transaction */
	size_t nverify;
	int *verify_line;
	double timeout;          /* -- strata:timeout 30s: seconds, 0 when unset */
	int irreversible;        /* line of -- strata:irreversible in the script, 0 when absent */
	char *irreversible_why;  /* its argument ("drops data"), or NULL */
};

/*
 * Read the directives of a script: comment lines of the form
 * `-- strata:NAME [ARGUMENT]` standing outside any statement. An unknown
 * name or a bad argument is STRATA_ESOURCE with err->line set (relative to
 * the script). Release with strata_directives_release().
 */
int strata_directives_parse(const char *script, size_t len, enum strata_dialect d, struct strata_directives *out,
			    struct strata_err *err);
void strata_directives_release(struct strata_directives *dv);
/* "there is no 000003_x.down.sql" (or the layout's equivalent): where m's absent down would be. */
void strata_down_absent(const struct strata_migration *m, char *why, size_t whylen);

#include "lexer.h"

#endif
