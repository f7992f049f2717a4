/*
 * strata.h - the public API of libstrata.
 *
 * The library does all the work of a migration run: it reads a directory of
 * migrations in any of the layouts users already have, opens a target
 * database through a driver, compares the applied history with the files and
 * applies or rolls back. It never prints and never exits: every function
 * returns 0 or a negative STRATA_E* code and, on failure, fills the caller's
 * struct strata_err. Progress is reported through an event callback so that
 * the CLI (or any other caller) decides what a person sees.
 *
 * Ownership, unless a function's comment says otherwise: out parameters are
 * set to NULL on failure; objects returned through them are owned by the
 * caller and released with the matching *_free(); strings returned as
 * `const char *` are static or point into an argument (said which); strings
 * and structs passed in are only read during the call (strata_db_open and
 * strata_status_get keep pointers: see there). No function keeps a pointer to
 * a struct strata_err.
 */
#ifndef STRATA_H
#define STRATA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes. The CLI maps them onto exit codes (see strata_exit_code). */
enum {
	STRATA_OK = 0,
	STRATA_ENOMEM = -1,    /* out of memory */
	STRATA_EUSAGE = -2,    /* bad arguments or options */
	STRATA_ESOURCE = -3,   /* bad migration files (nothing was touched) */
	STRATA_EDB = -4,       /* the database reported an error */
	STRATA_ECONNECT = -5,  /* could not connect */
	STRATA_ELOCK = -6,     /* the migration lock was not obtained in time */
	STRATA_EIO = -7,       /* a file could not be read or written */
	STRATA_EHISTORY = -8,  /* applied history cannot be trusted (modified, out of order, partial) */
	STRATA_EREFUSED = -9,  /* a destructive action was not confirmed, or is irreversible */
	STRATA_EINTR = -10,    /* interrupted by a signal; the current migration was rolled back */
	STRATA_ECONDITION = -11, /* a -- strata:require or -- strata:verify condition was false */
	STRATA_EUNSUPPORTED = -12, /* a migration strata cannot run (a goose Go migration): stopped before it */
};

/*
 * A migration version: decimal digits of any length (sequential numbers,
 * timestamps, 20-digit pop/Ory versions above 2^64 and longer), exact. `d`
 * holds the digits without leading zeros ("0" for zero; "" for no version).
 * Order versions with strata_version_cmp (numeric: by length, then digits),
 * never with strcmp. A file name cannot hold more than STRATA_VERSION_MAX
 * digits, so every version a file can have fits.
 */
#define STRATA_VERSION_MAX 255
struct strata_version {
	char d[STRATA_VERSION_MAX + 1]; /* digits, no leading zeros; "" when unset */
};
/* Digits (dashes skipped, as in Diesel's 2024-02-12-120203) into *v. 0 ok, -1 not
 * a version (no digits, another character), -2 more than STRATA_VERSION_MAX digits. */
int strata_version_parse(const char *s, size_t len, struct strata_version *v);
/* <0, 0, >0 as a is numerically below, equal to or above b ("" below everything). */
int strata_version_cmp(const struct strata_version *a, const struct strata_version *b);

/* What kind of error the database reported, whatever the engine (struct strata_err's err_class). */
enum strata_err_class {
	STRATA_ERRCLASS_NONE = 0,     /* the statement's own (or no database error) */
	STRATA_ERRCLASS_ENVIRONMENT,  /* the surroundings: connection, resources, server shutting down, disk
					 full, read-only or corrupt database file */
	STRATA_ERRCLASS_LOCK_TIMEOUT, /* gave up waiting for a lock on an object (lock_timeout): worth a retry */
};

/*
 * Why the library refused or stopped, for a program to act on without
 * reading the texts (which may change). STRATA_R_NONE when the code and the
 * database's own error say it all. The texts name what would change the
 * outcome by its meaning ("allowing out-of-order migrations"), never by a
 * command-line flag: a front end maps the reason to its own words.
 */
enum strata_reason {
	STRATA_R_NONE = 0,
	STRATA_R_MODIFIED,        /* an applied migration's file changed since (opts.allow_modified runs anyway) */
	STRATA_R_REPLACED,        /* another migration than the one applied has its version: wrong directory or database? */
	STRATA_R_MISSING,         /* an applied migration's file is gone, and what was asked needs it (redo, down) */
	STRATA_R_OUT_OF_ORDER,    /* a pending migration is older than the newest applied (opts.allow_out_of_order) */
	STRATA_R_PARTIAL,         /* a migration stopped part way, or the statements of it that ran were edited since */
	STRATA_R_UNRECORDED,      /* statements ran and stay, but strata's record of them could not be written */
	STRATA_R_OTHER_TOOL,      /* another tool's table says it migrates this database (opts.ignore_other_tool) */
	STRATA_R_LOCK_TIMEOUT,    /* the migration lock, or SQLite's write lock, was not had within opts.lock_wait */
	STRATA_R_NO_DOWN,         /* a migration to roll back has no down script */
	STRATA_R_IRREVERSIBLE,    /* a migration to roll back says -- strata:irreversible */
	STRATA_R_GO_MIGRATION,    /* a goose Go migration, which strata cannot run */
	STRATA_R_OWN_TRANSACTION, /* opts.single_transaction, but a migration manages its own transactions or must
				     run outside one */
	STRATA_R_SCRIPT_UP_ONLY,  /* an offline script (request.script) was asked to record (force, baseline,
				     accept) or to finish a partial migration */
	STRATA_R_TABLE,           /* the tracking table named (opts.table, the URL's x-migrations-table) cannot be
				     strata's here: another tool's, schema-qualified in a fleet over schemas, no schema */
	STRATA_R_SCHEMAS,         /* a fleet over schemas without a PostgreSQL database */
	STRATA_R_NO_VERSION,      /* no migration (file) has the version the request names */
	STRATA_R_NOTHING,         /* nothing to do that to: nothing applied to redo, not modified to accept,
				     strata records migrations already (adopt) */
	STRATA_R_ADOPT_DIRTY,     /* adopt: golang-migrate's record is dirty */
	STRATA_R_ADOPT_NO_FILE,   /* adopt: the other tool's current version has no file in the source */
	STRATA_R_ADOPT_NO_TABLE,  /* adopt: no other tool's table to adopt from */
	STRATA_R_CONDITION,       /* a -- strata:require or -- strata:verify condition was false */
	STRATA_R_INTERRUPTED,     /* the run was cancelled (strata_cancel_trip, strata_interrupt) */
};
/* "modified", "out_of_order", ... ("none"; "unknown" outside the enum): a stable name for logs. Static. */
const char *strata_reason_name(enum strata_reason r);

/*
 * Everything a caller needs to tell a person what went wrong. The texts are
 * whole, however long the server's message: they are heap copies that belong
 * to the err. So an err must be initialised, with strata_err_clear() or by
 * zeroing it, before a function fills it (filling frees what it replaces),
 * and released with strata_err_release() when done. The texts are never
 * NULL once the err was cleared or filled ("" when absent); only the library
 * writes them. Filling an err cannot fail: out of memory, a text reads
 * "out of memory".
 */
struct strata_err {
	int code;              /* STRATA_E*, 0 when no error */
	char sqlstate[6];      /* driver's SQLSTATE (PostgreSQL) or "" */
	int driver_code;       /* driver's numeric code (SQLite extended result code) or 0 */
	int err_class;         /* STRATA_ERRCLASS_*: what kind of database error, as the driver classed it */
	const char *message;   /* primary message */
	const char *detail;    /* DETAIL from the server, or "" */
	const char *hint;      /* HINT from the server or from strata, or "" */
	const char *context;   /* CONTEXT (e.g. PL/pgSQL line), or "" */
	char file[512];        /* migration file the error is in, or "" */
	int line;              /* 1-based line in that file, 0 if unknown */
	int column;            /* 1-based column in that line, 0 if unknown */
	int statement;         /* 1-based statement index in the script, 0 if unknown */
	struct strata_version version; /* migration version concerned */
	int has_version;       /* version above is meaningful */
	enum strata_reason reason; /* why, for programs (STRATA_R_NONE when the code says it all) */
};

/* Initialise err to no error (forgetting, not freeing, what it held). */
void strata_err_clear(struct strata_err *err);
/* Free the texts of an initialised err and clear it. */
void strata_err_release(struct strata_err *err);
/* Set code and a printf-style message (the reason becomes STRATA_R_NONE); returns code so callers can
 * `return strata_err_set(...)`. */
int strata_err_set(struct strata_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Is this error about the surroundings rather than the migration's SQL: the
 * connection lost or the server shutting down, a full disk, a read-only or
 * corrupt database file? (Fixing the file will not help.)
 */
int strata_err_environmental(const struct strata_err *err);
/* Exit code for a return code: 0 ok, 1 migration/database, 2 usage/files, 3 lock. */
int strata_exit_code(int rc);
/* A few words for a return code ("history cannot be trusted"): static. */
const char *strata_strerror(int rc);

/* ---------------------------------------------------------------------------
 * Migration sources
 */

enum strata_engine { STRATA_ENGINE_SQLITE = 1, STRATA_ENGINE_POSTGRES, STRATA_ENGINE_MYSQL };

enum strata_layout {
	STRATA_LAYOUT_PAIR = 1,  /* golang-migrate: V_name.up.sql + V_name.down.sql */
	STRATA_LAYOUT_MARKERS,   /* dbmate (-- migrate:up/down) or goose (-- +goose Up/Down) single file */
	STRATA_LAYOUT_PLAIN,     /* V_name.sql, up only, optional V_name.down.sql */
	STRATA_LAYOUT_DIESEL,    /* V_name/up.sql + down.sql (+ metadata.toml) */
	STRATA_LAYOUT_GO,        /* goose's V_name.go: listed and recorded, never run (up and down are "", NULL);
				    Flyway's V_x.java and pop's .fizz files too */
	STRATA_LAYOUT_PRISMA,    /* Prisma Migrate: <V_name>/migration.sql (+ down.sql), migration_lock.toml */
	STRATA_LAYOUT_DRIZZLE,   /* Drizzle Kit: NNNN_tag.sql chosen and ordered by meta/_journal.json */
	STRATA_LAYOUT_FLYWAY,    /* Flyway: V<version>__desc.sql, optional U<version>__desc.sql */
	STRATA_LAYOUT_REPEATABLE, /* Flyway's R__desc.sql: runs after the versioned ones, again when changed */
	STRATA_LAYOUT_POP,       /* pop/popx: V_name[.dialect][.autocommit].up.sql + .down.sql */
};

/* Room for a checksum with its algorithm tag ("s1:" + 64 hex digits + NUL). */
#define STRATA_CHECKSUM_SIZE 72

struct strata_migration {
	struct strata_version version; /* the version (Diesel: the digits with dashes removed) */
	char *vtext;             /* version digits as written, leading zeros kept */
	char *sortkey;           /* ordering key; compare with strcmp */
	char *name;              /* description part of the name ("create_users") */
	enum strata_layout layout;
	char *up_file;           /* path of the file holding the up script, relative to the source dir
				    (several dirs: the dir as given + "/" + the file, so that names never clash) */
	char *down_file;         /* path of the file holding the down script, or NULL */
	char *up;                /* up script (NUL-terminated; may be empty) */
	size_t up_len;
	int up_line;             /* line of up_file where the up script starts (1-based) */
	char *down;              /* down script or NULL when there is none */
	size_t down_len;
	int down_line;           /* line of down_file where the down script starts */
	char checksum[STRATA_CHECKSUM_SIZE]; /* "s1:" + hex SHA-256 of the up script's statements (see
						strata_checksum_s1); what is recorded */
	char checksum_v0[65];    /* hex SHA-256 of the whole up script, CRLF as LF: checksums recorded before s1 */
	int no_transaction;      /* run outside a transaction (metadata.toml, directive, dbmate transaction:false,
				    pop's .autocommit) */
	/* Prisma and Drizzle (layout_prisma.c, layout_drizzle.c): what their own tool knows the migration by */
	char *tool_name;         /* Prisma: the directory's name (_prisma_migrations.migration_name); Drizzle: the
				    journal entry's tag; NULL in other layouts */
	char tool_sum[65];       /* SHA-256 hex of the file as the tool hashes it (Prisma's checksum, Drizzle's
				    hash: the whole file as written), "" in other layouts */
	char tool_sum_alt[2][65]; /* Prisma: the same of the file with CRLF as LF, and with LF as CRLF (Prisma
				     accepts a file whose line endings changed), "" when that changes nothing */
	long long journal_when;  /* Drizzle: the journal entry's "when" (ms since 1970), 0 otherwise */
	int journal_idx;         /* Drizzle: the entry's idx, 0 otherwise */
	int journal_breakpoints; /* Drizzle: the entry's "breakpoints" flag (split on --> statement-breakpoint) */
	int32_t flyway_checksum; /* Flyway: its own checksum of the up file (CRC32 of the lines, as written) */
	int has_flyway_checksum; /* flyway_checksum is set (Flyway layouts only) */
};

struct strata_source {
	char *dir;                       /* directory as given (several: joined with ", ", for messages) */
	char **dirs;                     /* every directory as given, in the order given */
	size_t ndirs;
	struct strata_migration *m;      /* migrations in apply order */
	size_t n;
	char **warnings;                 /* things skipped, each a full sentence naming the file */
	size_t nwarnings;
	int width;                       /* widest sequential version in use (for create --seq), 0 if none */
	int timestamps;                  /* versions look like timestamps (>= 12 digits) */
	int ups_only;                    /* loaded with STRATA_SOURCE_UPS_ONLY: down files not read */
	char **notes;                    /* fine but worth a look (an up and a down paired by version
					    under different names), each a sentence naming the files */
	size_t nnotes;
	enum strata_layout layout;       /* a tool's own directory layout (PRISMA, DRIZZLE) that every migration
					    has, also when there are none yet; 0 otherwise */
	char *provider;                  /* the engine the directory says its SQL is written for, in the tool's
					    words ("postgresql", "sqlite", "mysql"): Prisma's migration_lock.toml,
					    Drizzle's journal "dialect"; NULL when not said */
	char *provider_file;             /* the file that says it (as shown), NULL with provider */
	const char *pop_dialect;         /* pop: whose files were chosen ("postgres", "sqlite3"; "" none known),
					    NULL for other layouts (static) */
	int placeholders;                /* Flyway: ${name} placeholders were replaced */
};

/*
 * Read every migration under `dir`. On a bad directory (duplicate version, a
 * down with no up, an unparsable versioned name, unreadable or non-UTF-8
 * file) returns STRATA_ESOURCE with err->file set; nothing
 * else is reported until the first such error is fixed... except that
 * err->message may list several problems, one per line. Every loader copies
 * what it keeps of its arguments; *out is the caller's (strata_source_free).
 */
int strata_source_load(const char *dir, struct strata_source **out, struct strata_err *err);
/*
 * The same with flags. STRATA_SOURCE_UPS_ONLY: for commands that only
 * compare the files with the history, like status. Ups are read and hashed
 * (checksum set) but no text is kept (up and down are NULL); .down.sql files
 * beside their ups are named (down_file) but not read. Such a source cannot
 * be run (strata_run refuses it).
 */
enum { STRATA_SOURCE_UPS_ONLY = 1, STRATA_SOURCE_NONEMPTY = 2 };
int strata_source_load_flags(const char *dir, unsigned flags, struct strata_source **out, struct strata_err *err);
/*
 * Several directories merged into one ordered history (dbmate's repeated
 * --migrations-dir): every directory must exist; a version found in two of
 * them is an error naming both files, as is a directory given twice. With
 * more than one directory, up_file and down_file (and every message) carry
 * the directory as given ("init/001_x.sql"); with one, this is
 * strata_source_load_flags. STRATA_SOURCE_NONEMPTY: holding no migration at
 * all is STRATA_ESOURCE too, naming the .sql files that were not recognised
 * (for every command but create: an empty or wrong directory is never
 * "nothing to do").
 */
int strata_source_load_dirs(const char *const *dirs, size_t ndirs, unsigned flags, struct strata_source **out,
			    struct strata_err *err);
/*
 * `strata create` in a tool's own layout (src->layout): Prisma Migrate's
 * `<UTC timestamp>_<slug>/migration.sql`, Drizzle Kit's `NNNN_<slug>.sql`
 * with its entry appended to meta/_journal.json. The new file's path into
 * path (cut to pathlen). STRATA_EUSAGE when src is in neither layout,
 * STRATA_EIO when a file cannot be written.
 */
int strata_source_create_in_layout(const struct strata_source *src, const char *dir, const char *slug, char *path,
				   size_t pathlen, struct strata_err *err);
/*
 * What the loader needs to know of the target for some layouts. Start from
 * strata_source_opts_init(); fields are only added at the end.
 */
struct strata_source_opts {
	int version;                  /* STRATA_SOURCE_OPTS_VERSION */
	const char *driver;           /* the target's driver name ("postgres", "sqlite"): which of pop's dialect
					 files run; NULL: not known (the dialect-less files) */
	int placeholders;             /* Flyway's ${name}: 1 replaced, 0 left as written, -1 default (replaced,
					 as Flyway does) */
	const char *const *ph_names;  /* placeholder values, borrowed (flyway:user etc. too) */
	const char *const *ph_values;
	size_t nph;
};
#define STRATA_SOURCE_OPTS_VERSION 1
void strata_source_opts_init(struct strata_source_opts *o);
/* strata_source_load_dirs with options (NULL: the defaults). */
int strata_source_load_opts(const char *const *dirs, size_t ndirs, unsigned flags, const struct strata_source_opts *o,
			    struct strata_source **out, struct strata_err *err);
/*
 * A version as a person writes it in this source (a command's argument):
 * a file's own spelling ("2.1", "R__views"), a Flyway version in any
 * spelling ("2.1.0") when the source is Flyway's, else digits. 0, or -1.
 */
int strata_source_version_arg(const struct strata_source *src, const char *s, struct strata_version *v);
/* Is m a Flyway repeatable (R__desc.sql: run again whenever its file changes)? */
int strata_migration_repeatable(const struct strata_migration *m);
/* A migration strata lists but cannot run (STRATA_LAYOUT_GO): "goose Go migration", "Flyway Java migration",
 * "pop fizz migration"; *runner (may be NULL) the tool that runs it ("goose"). Static. */
const char *strata_migration_foreign(const struct strata_migration *m, const char **runner);
/* Flyway's spelling of a stored version ("2.1") into buf, for a row whose file is gone. */
void strata_flyway_version_text(const struct strata_version *v, char *buf, size_t n);

/* Free a source (NULL: nothing); a status pointing into it (strata_status_get) must be freed first. */
void strata_source_free(struct strata_source *src);
/* Index of the migration with this version, or -1. */
long strata_source_find(const struct strata_source *src, const struct strata_version *version);

/*
 * Read every up and down script as `engine` would (statement boundaries,
 * -- strata: directives) without a database: unterminated quotes, comments
 * and dollar quotes and unknown directives are STRATA_ESOURCE, one line per
 * problem in err->message, err->file and err->line set for the first.
 */
int strata_source_check(const struct strata_source *src, enum strata_engine engine, struct strata_err *err);

/* What rolling a migration back would run. */
enum strata_down_kind {
	STRATA_DOWN_STATEMENTS = 0, /* a down script with statements */
	STRATA_DOWN_EMPTY,          /* only comments or nothing: rolling back only removes the record */
	STRATA_DOWN_IRREVERSIBLE,   /* says -- strata:irreversible: down, goto and redo refuse it */
	STRATA_DOWN_NONE,           /* no down script at all: down, goto and redo refuse it */
};
/*
 * Read m's down script as `engine` would. `why` (may be NULL) gets a phrase
 * for people: "000003_x.down.sql:2 says -- strata:irreversible (drops data)",
 * "there is no 000003_x.down.sql", "000003_x.down.sql holds no statements"
 * (cut to whylen, NUL-terminated).
 * A script that does not lex counts as STATEMENTS (strata_source_check says why).
 */
enum strata_down_kind strata_down_kind(const struct strata_migration *m, enum strata_engine engine, char *why,
				       size_t whylen);

/* SHA-256 hex of a script with CRLF normalised to LF (how checksums were recorded before s1). */
void strata_checksum(const char *text, size_t len, char hex[65]);
/*
 * The recorded checksum of an up script: "s1:" + SHA-256 hex of its
 * statements with comments and layout normalised away (`-- strata:`
 * directives kept), so that an edit which changes no statement changes no
 * checksum. Empty string when out of memory.
 */
void strata_checksum_s1(const char *text, size_t len, char sum[STRATA_CHECKSUM_SIZE]);
/* Does a recorded checksum (tagged, or plain hex from before the tag) match m's file? */
int strata_checksum_matches(const char *recorded, const struct strata_migration *m);
/* For messages: a recorded checksum's hex digits without the tag (pointing into `recorded`; "" for NULL),
 * and m's in the same algorithm (pointing into m). */
const char *strata_checksum_hex(const char *recorded);
const char *strata_checksum_file_hex(const char *recorded, const struct strata_migration *m);

/* ---------------------------------------------------------------------------
 * Targets (database URLs)
 */


struct strata_target {
	enum strata_engine engine;
	char *conninfo;      /* what the driver opens: SQLite path, or libpq URL/conninfo (x-* params removed) */
	char *display;       /* the URL with any password removed, safe to print */
	char *table;         /* tracking table from the URL (x-migrations-table), or NULL */
	char *schema;        /* schema to set as search_path (fleet), or NULL */
	int password_hidden; /* display had a password removed */
};

/* Parse a database URL or path (copied: the target owns its strings). Returns STRATA_EUSAGE for an
 * unknown scheme. Free with strata_target_free, after closing any database opened on it. */
int strata_target_parse(const char *url, struct strata_target **out, struct strata_err *err);
void strata_target_free(struct strata_target *t);
/* Copy of `url` with any password replaced, for messages. Caller frees. */
char *strata_redact(const char *url);

/*
 * What a target's engine does, for a front end that must not know engines
 * (target_caps.c). t NULL: no target known.
 */
enum strata_target_feature {
	STRATA_FEATURE_SESSION_TIMEOUTS = 1, /* strata_opts' lock_timeout and statement_timeout are honoured */
};
/* 1 when t's engine has the feature, else 0 (also when t is NULL or its driver does not load). */
int strata_target_supports(const struct strata_target *t, enum strata_target_feature f);
/* The name of the driver a URL opens with ("postgres", "sqlite"; static), NULL when none takes it. */
const char *strata_target_driver_name(const char *url);
/*
 * strata_source_check and strata_down_kind as t's engine reads scripts; t
 * NULL: no target known, the scripts read as PostgreSQL would (the strictest
 * reading: dollar quotes, E'' strings).
 */
int strata_source_check_target(const struct strata_source *src, const struct strata_target *t,
			       struct strata_err *err);
enum strata_down_kind strata_down_kind_target(const struct strata_migration *m, const struct strata_target *t,
					      char *why, size_t whylen);

/* ---------------------------------------------------------------------------
 * Runs: status, apply, roll back
 */

enum strata_state {
	STRATA_PENDING = 1,   /* file present, not applied */
	STRATA_APPLIED,       /* applied, checksum matches */
	STRATA_MODIFIED,      /* applied, file's checksum differs */
	STRATA_MISSING,       /* applied, no file */
	STRATA_PARTIAL,       /* no-transaction migration stopped part way */
};
/* "pending", "applied", ...: static. */
const char *strata_state_name(enum strata_state s);

/* One line of `status`. */
struct strata_status_row {
	struct strata_version version;
	char *vtext;
	char *name;
	enum strata_state state;
	const struct strata_migration *mig; /* the file, or NULL when missing */
	char *applied_at;     /* "YYYY-MM-DD HH:MM:SS" UTC, or NULL */
	char *applied_by;     /* user@host, or NULL */
	double duration_ms;   /* how long it took, in ms to the microsecond */
	char *checksum;       /* recorded checksum, or NULL */
	char *recorded_name;  /* the name it was applied under, when it differs from the file's; else NULL */
	char *down;           /* recorded down script (not filled by strata_status_get), or NULL */
	int stmts_done;       /* partial: statements completed */
	char *progress;       /* partial: checksum of the statements completed, or NULL */
	int out_of_order;     /* pending but older than the newest applied */
};

struct strata_status {
	struct strata_status_row *rows; /* in apply order: applied (by version order), then pending */
	size_t n;
	int have_current;
	struct strata_version current; /* highest applied version */
	const char *current_vtext;
	size_t napplied, npending, nmodified, nmissing, npartial;
};

struct strata_db; /* an open target with its driver; opaque */
struct strata_event;

/*
 * A cancel token: how a program stops runs from another thread or from a
 * signal handler. Give it to strata_db_open in opts.cancel (one token may
 * serve many databases, a fleet's too); strata_cancel_trip() then cancels
 * the statement running on each of them (the driver's cancel, as
 * strata_interrupt does), and every run stops at its next migration
 * boundary with STRATA_EINTR: the migration in progress is rolled back, the
 * ones before it stay applied, the rest stay pending. A tripped token stays
 * tripped (a run started with it stops before its first migration): make a
 * new one for the next run. Free it only after closing every database
 * opened with it.
 */
struct strata_cancel; /* opaque */
/* A new, untripped token into *out: 0, or STRATA_ENOMEM (*out NULL). */
int strata_cancel_new(struct strata_cancel **out);
/* Trip it: async-signal-safe, callable from any thread, any number of times. NULL: nothing. */
void strata_cancel_trip(struct strata_cancel *c);
/* Has it been tripped? (async-signal-safe; NULL: 0) */
int strata_cancel_tripped(const struct strata_cancel *c);
/* Free it (NULL: nothing), once every database opened with it is closed. */
void strata_cancel_free(struct strata_cancel *c);

/*
 * Options for opening a target and running migrations. Start from
 * strata_opts_init(), which sets .version = STRATA_OPTS_VERSION and the
 * defaults; new fields are only ever added at the end, and each addition
 * bumps STRATA_OPTS_VERSION, so that a program built against an older
 * strata.h (a smaller struct) is refused by strata_db_open rather than read
 * past its end. strata_db_open copies
 * the struct: the strings, the callback's `ud` and the cancel token are
 * borrowed, and must stay valid until strata_db_close (see strata_db_open).
 */
struct strata_opts {
	int version;                 /* STRATA_OPTS_VERSION */
	const char *table;           /* tracking table (default "strata_migrations"), may be schema-qualified */
	double lock_wait;            /* seconds to wait for the lock; < 0 forever */
	int single_transaction;      /* wrap the whole batch in one transaction */
	int dry_run;                 /* plan and report, change nothing */
	int allow_modified;          /* do not refuse edited applied migrations */
	int allow_out_of_order;      /* apply pending versions older than the newest applied */
	const char *applied_by;      /* recorded user@host (NULL: computed) */
	const char *application_name; /* PostgreSQL application_name (NULL: "strata") */
	int read_only;               /* status/version: never create the database or the tracking table */
	double lock_timeout;         /* PostgreSQL lock_timeout for the migration session, seconds (0: server's) */
	double statement_timeout;    /* PostgreSQL statement_timeout for the session, seconds (0: server's) */
	int lock_retries;            /* retries of a migration that hit lock_timeout (55P03); < 0: 3 when
					lock_timeout is set, else 0 */
	const char *backup_dir;      /* take a backup into this directory before changing anything */
	int must_exist;              /* the database must exist: an absent SQLite file is STRATA_ECONNECT
					("does not exist"), never created (every command but up) */
	int ignore_other_tool;       /* up/goto: run even when another tool's table says it migrates this database */
	/* Progress callback; may be NULL. Called on the thread that called into the library, during the
	   call (never from fleet workers); the event and everything it points to live only during the call. */
	void (*on_event)(void *ud, const struct strata_event *ev);
	void *ud;
	struct strata_cancel *cancel; /* trips the runs on this database (strata_cancel_trip), or NULL */
};
#define STRATA_OPTS_VERSION 2 /* 2: cancel */

/*
 * How runners exclude each other, read from the environment when the lock
 * is taken (so that it reaches every target of a fleet; the CLI sets both
 * from --lock, --lease and strata.ini): STRATA_LOCK = auto (default: the
 * engine's session lock where it works, a lease where it does not:
 * PostgreSQL behind PgBouncer's transaction pooling, CockroachDB,
 * YugabyteDB), advisory, or lease (a row in the tracking table's name +
 * "_lock", kept alive by a heartbeat); STRATA_LEASE = how long a lease
 * lasts without a heartbeat (a duration, default 30s).
 */
enum strata_lock_strategy {
	STRATA_LOCK_AUTO = 0,     /* the engine's session (advisory) lock where it works, else a lease */
	STRATA_LOCK_ADVISORY = 1, /* the engine's session lock; an error where the engine has none */
	STRATA_LOCK_LEASE = 2,    /* a lease row with a heartbeat, on any engine */
};
/* "auto", "advisory", "lease" <-> STRATA_LOCK_*; -1 for another name. */
int strata_lock_strategy_parse(const char *name);
const char *strata_lock_strategy_name(int strategy);
void strata_opts_init(struct strata_opts *o);

enum strata_event_kind {
	STRATA_EV_CONNECTED = 1,  /* target open (connected) */
	STRATA_EV_LOCK_WAIT,      /* waiting for the lock (lock_wait) */
	STRATA_EV_LOCKED,         /* lock taken (no fields) */
	STRATA_EV_PLAN,           /* migrations about to run (plan) */
	STRATA_EV_MIG_START,      /* a migration about to run (mig) */
	STRATA_EV_MIG_DONE,       /* a migration done (mig, with ms) */
	STRATA_EV_MIG_FAILED,     /* a migration failed and what stays of it (failed) */
	STRATA_EV_MIG_SKIPPED,    /* a migration applied meanwhile by another runner (mig) */
	STRATA_EV_NOTE,           /* an informational sentence (note) */
	STRATA_EV_STATEMENT,      /* dry run: a statement that would run (statement) */
	STRATA_EV_BACKUP,         /* a backup was written (backup) */
};

/* The migration an event is about. */
struct strata_ev_mig {
	struct strata_version version;
	const char *vtext;        /* the version as its file name writes it */
	const char *name;
	int down;                 /* rolling back */
	int empty;                /* a down that holds no statements: only the record is removed */
	double ms;                /* MIG_DONE, MIG_SKIPPED, MIG_FAILED: time spent on it; else 0 */
};

struct strata_ev_connected {
	const char *display;      /* the URL without its password */
};

struct strata_ev_lock_wait {
	const char *holder;       /* who holds the lock, as a sentence (NULL: unknown) */
	double waited_ms;         /* waited so far */
};

struct strata_ev_plan {
	size_t count;             /* migrations about to run (or to record: force, baseline, accept); 0: nothing to do */
};

struct strata_ev_failed {
	struct strata_ev_mig mig;
	const struct strata_err *err; /* what went wrong (file, line, statement) */
	const char *at;           /* the version the database is at now, as written; NULL: none */
	int outside_tx;           /* it ran outside a transaction: stmts_done of its statements ran and stay
				     (recorded as partial for an up) */
	size_t stmts_done;        /* outside_tx: statements of it that ran and stay */
	size_t total;             /* outside_tx: its number of statements */
	int own_tx;               /* outside_tx: the file manages its own transactions; statements
				     stmts_done+1 .. err->statement-1 were rolled back with the one that failed */
};

struct strata_ev_note {
	const char *text;         /* one sentence (or a few) for people */
};

struct strata_ev_statement {
	struct strata_ev_mig mig; /* the migration it belongs to */
	const char *sql;          /* the statement as written */
	size_t index;             /* 1-based among the script's statements */
};

struct strata_ev_backup {
	const char *path;         /* the file written */
};

/*
 * What the progress callback gets. `kind` says which member of the union
 * holds the news; reading another member is meaningless. Every pointer
 * lives only during the callback.
 */
struct strata_event {
	enum strata_event_kind kind;
	const char *target;       /* every kind: display URL of the target */
	union {
		struct strata_ev_connected connected;   /* CONNECTED */
		struct strata_ev_lock_wait lock_wait;   /* LOCK_WAIT */
		struct strata_ev_plan plan;             /* PLAN */
		struct strata_ev_mig mig;               /* MIG_START, MIG_DONE, MIG_SKIPPED */
		struct strata_ev_failed failed;         /* MIG_FAILED */
		struct strata_ev_note note;             /* NOTE */
		struct strata_ev_statement statement;   /* STATEMENT */
		struct strata_ev_backup backup;         /* BACKUP */
	};
};
/* The migration of a MIG_* or STATEMENT event (whichever member holds it), or NULL for other kinds. */
const struct strata_ev_mig *strata_event_mig(const struct strata_event *ev);

/*
 * Open a target (connects, does not lock, does not create anything; an
 * SQLite file is created only without opts.read_only and opts.must_exist).
 * `o` may be NULL (the defaults of strata_opts_init); its version must be
 * STRATA_OPTS_VERSION, else STRATA_EUSAGE. What it borrows, until
 * strata_db_close: the target `t` itself (its display URL goes into every
 * event and message), the strings of `o` (table, applied_by,
 * application_name, backup_dir), `o->ud` and `o->cancel`; the struct `o`
 * itself is copied and may go at once. A database is used by one thread at a
 * time; strata_interrupt and the cancel token are the only calls from
 * elsewhere. *out is NULL on failure.
 */
int strata_db_open(const struct strata_target *t, const struct strata_opts *o,
		   struct strata_db **out, struct strata_err *err);
/*
 * As strata_db_open, without connecting: the driver is loaded and the
 * tracking tables named, for writing an offline script (a request with
 * .script and .offline) in t's dialect; nothing is opened, created or
 * read, so t's database need not exist or be reachable. Every other use
 * of such a database fails with STRATA_EUSAGE.
 */
int strata_db_open_offline(const struct strata_target *t, const struct strata_opts *o,
			   struct strata_db **out, struct strata_err *err);
/* Disconnect and free (NULL: nothing). After it, what strata_db_open borrowed may go. */
void strata_db_close(struct strata_db *db);
/*
 * Ask a run in progress on this database to stop, as tripping a token only
 * it has: the statement running is cancelled, its migration rolled back,
 * and strata_run returns STRATA_EINTR; later runs on it stop at once. Safe
 * to call from a signal handler or another thread while db is open.
 */
void strata_interrupt(struct strata_db *db);
/* Stop every run in this process at its next migration boundary, and fleets before their next target;
 * no statement is cancelled. Signal-safe. */
void strata_interrupt_all(void);
/* The driver's name ("sqlite", "postgres"): static. */
const char *strata_db_engine(const struct strata_db *db);

/* Compare the recorded history with the files. Read only; works before the
 * tracking table exists (everything pending). The status points into `src`
 * (mig, and the vtext and name of rows with a file): free it first. */
int strata_status_get(struct strata_db *db, const struct strata_source *src,
		      struct strata_status **out, struct strata_err *err);
void strata_status_free(struct strata_status *st);
/*
 * What `version` prints, with one indexed query and no files: the highest
 * recorded version (*have = 0 when nothing is recorded), and whether that
 * migration stopped part-way (*partial).
 */
int strata_version_get(struct strata_db *db, struct strata_version *version, int *have, int *partial,
		       struct strata_err *err);

/* One entry of the append-only history log. */
struct strata_log_row {
	long long id;
	char *at;             /* "YYYY-MM-DD HH:MM:SS" UTC */
	char *action;         /* up, down, force, baseline, accept, adopt, drop */
	int has_version;
	struct strata_version version;
	char *name;           /* migration name, or "" */
	char *by;             /* user@host */
	double duration_ms;   /* in ms, to the microsecond */
	char *result;         /* "ok" or "failed: ..." */
};

/* Every log entry, oldest first; none when the log does not exist yet. *rows is the caller's
 * (strata_log_free with *n), NULL when there are none. */
int strata_log_get(struct strata_db *db, struct strata_log_row **rows, size_t *n, struct strata_err *err);
void strata_log_free(struct strata_log_row *rows, size_t n);

/* What to do. */
enum strata_action {
	STRATA_UP = 1,
	STRATA_DOWN,
	STRATA_GOTO,
	STRATA_REDO,
	STRATA_FORCE,     /* record exactly the migrations up to target as applied, running nothing */
	STRATA_BASELINE,  /* record pending migrations up to target as applied, running nothing */
	STRATA_ACCEPT,    /* record the file's new checksum for the modified migration `target` */
};

struct strata_request {
	enum strata_action action;
	long count;          /* up/down: at most this many migrations; <= 0: up all / down 1 */
	int all;             /* down: every applied migration */
	struct strata_version target; /* goto/force/baseline/accept: version; goto/force to "" (or to "0"
					 when no migration has version 0): everything down */
	int target_set;
	int dry_run;         /* plan and report only (as opts.dry_run, for this call) */
	char **script;       /* when set: build the SQL script a DBA would run instead of running
				anything (no lock, nothing written); caller frees *script */
	int offline;         /* with script: read nothing of the database (Alembic's offline mode): plan
				from the files as if every migration up to `from` were applied, none when
				!from_set (or when `from` is "0" and no migration has version 0) */
	struct strata_version from;
	int from_set;
};

/*
 * Take the lock, create the tracking table if needed, plan and run. Each
 * migration runs in its own transaction with its tracking row unless
 * opts->single_transaction. On failure the failing migration was rolled back
 * and err names its file and line; migrations before it stay applied (or
 * nothing stays, with single_transaction). `*res` (may be NULL) gets the
 * number of migrations run and the version the database is at afterwards,
 * on failure too. `src` and `req` are only read during the call; events
 * point into them while it lasts. The run stops with STRATA_EINTR, reason
 * STRATA_R_INTERRUPTED, when a cancel token of the database trips.
 */
struct strata_run_result {
	size_t applied;        /* migrations run (or recorded, for force/baseline/accept) */
	int have_current;      /* the database is at a version afterwards */
	char current[STRATA_VERSION_MAX + 1]; /* that version, as written in its file name */
};
int strata_run(struct strata_db *db, const struct strata_source *src,
	       const struct strata_request *req, struct strata_run_result *res, struct strata_err *err);

/* What `adopt` found and recorded. */
struct strata_adopt_result {
	const char *tool;     /* "golang-migrate", "dbmate", "diesel", "goose", "Prisma", "Drizzle" (static) */
	const char *table;    /* the table it read (static, or strata_adopt's `from_table`: valid while that is) */
	size_t recorded;      /* migrations recorded as applied */
	size_t unknown;       /* versions the other tool recorded that have no file here */
	char unknown_list[200]; /* those versions, "4, 5, 7" (", ..." when more), "" when none */
	int have_version;
	struct strata_version version; /* the newest version recorded */
	size_t changed;       /* Flyway: recorded with Flyway's checksum, which the file no longer has */
};

/*
 * Import what another tool recorded (golang-migrate's schema_migrations
 * (version, dirty), dbmate's schema_migrations (version), Diesel's
 * __diesel_schema_migrations, goose's goose_db_version; for a Prisma Migrate
 * or Drizzle Kit directory, _prisma_migrations or drizzle-orm's
 * __drizzle_migrations; `from_table` NULL: look for each): every matching
 * migration file is recorded as applied with
 * its current checksum, running nothing. Refused (STRATA_EUSAGE, nothing
 * recorded) when golang-migrate's version has no file here, as golang-migrate
 * itself stops, and when the URL's x-migrations-table names another tool's
 * table; refused while golang-migrate's state is dirty, and when strata
 * already records migrations here.
 */
int strata_adopt(struct strata_db *db, const struct strata_source *src, const char *from_table,
		 struct strata_adopt_result *res, struct strata_err *err);

/* Another migration tool's record of a database (strata_other_tool_find). */
struct strata_other_tool {
	const char *tool;     /* "golang-migrate", "dbmate", "goose", "diesel", "sqlx", "Flyway", "Alembic",
				 "Prisma", "Drizzle" (static) */
	const char *table;    /* its table, as messages name it ("drizzle.__drizzle_migrations") (static) */
	char version[256];    /* the newest version (Alembic: revisions) it says is applied, "" when none */
	size_t count;         /* migrations it records as applied (golang-migrate, Alembic: 0, it keeps one row) */
	int dirty;            /* golang-migrate's dirty flag; sqlx, Flyway, Prisma: a failed migration recorded */
	int adoptable;        /* `strata adopt` can import it (Prisma, Drizzle: once strata_other_tool_with_source
				 saw the migrations in that tool's layout) */
};

/*
 * Before strata records anything here: does another tool's table say it has
 * been migrating this database? 1 and *out filled when strata's tracking
 * table is absent and another tool's is present; 0 when not; < 0 on error.
 * Read only.
 */
int strata_other_tool_find(struct strata_db *db, struct strata_other_tool *out, struct strata_err *err);
/*
 * Prisma's and drizzle-orm's tables can be adopted when the migrations are
 * in that tool's layout (src->layout): then o->adoptable is set, and the
 * next step strata_other_tool_explain names is `strata adopt`.
 */
void strata_other_tool_with_source(struct strata_other_tool *o, const struct strata_source *src);
/* A sentence for people saying which tool and what it says is applied, and the next step, into the
 * caller's buffers (cut to msglen and hintlen, NUL-terminated). */
void strata_other_tool_explain(const struct strata_other_tool *o, char *msg, size_t msglen, char *hint,
			       size_t hintlen);

/*
 * Remove everything from the target, for development resets: every table,
 * view, index and trigger of an SQLite file (tracking tables too); the
 * current schema of a PostgreSQL database, dropped and created again empty.
 * `what` (may be NULL) gets a sentence saying what was dropped; caller frees.
 * Asks nothing: confirming is the caller's business.
 */
int strata_drop(struct strata_db *db, char **what, struct strata_err *err);
/* Describe what strata_drop would remove, without removing it. Caller frees *what. */
int strata_drop_preview(struct strata_db *db, char **what, struct strata_err *err);

/*
 * Back the target up into `dir` (created if needed) as a file named after
 * the database, the time and the current version, mode 0600: SQLite's online
 * backup API, or pg_dump -Fc (found on PATH, run without a shell, the
 * password passed in its environment). *path gets the file's path (malloc'ed,
 * the caller frees it; NULL on failure).
 */
int strata_backup(struct strata_db *db, const char *dir, char **path, struct strata_err *err);

/* ---------------------------------------------------------------------------
 * Fleets: the same work on many targets, in parallel.
 */

struct strata_targets; /* a stream of targets; opaque */

/* Does this configuration name a fleet rather than one database? */
int strata_is_fleet(const char *database, const char *targets_file, const char *schemas);

/*
 * Open the stream of targets: `database` with a glob (sqlite:data/project_*.db),
 * a file of URLs (`targets_file`, one per line, # comments, read as it goes),
 * or every schema of the PostgreSQL `database` whose name matches the glob
 * `schemas` (one tracking table per schema).
 */
int strata_targets_open(const char *database, const char *targets_file, const char *schemas,
			struct strata_targets **out, struct strata_err *err);
/* Next target (owned by the caller, free with strata_target_free): 1, or 0 at the end, or < 0. The
 * stream copies what it needs at open: `database`, `targets_file` and `schemas` may go after it. */
int strata_targets_next(struct strata_targets *ts, struct strata_target **out, struct strata_err *err);
/* Close the stream (NULL: nothing); targets it handed out stay the caller's. */
void strata_targets_close(struct strata_targets *ts);

/* What happened on one target of a fleet. */
struct strata_fleet_item {
	const struct strata_target *target;
	size_t index;            /* 0-based position in the stream */
	int rc;                  /* 0 or STRATA_E* */
	struct strata_err err;   /* when rc != 0 */
	double ms;               /* time spent on it */
	size_t applied;          /* migrations run (up/down/goto) */
	int have_current;
	char current[STRATA_VERSION_MAX + 1]; /* version the target is at afterwards */
	size_t npending, napplied, nproblems; /* status/validate: pending, applied, modified+missing+partial */
};

/* The work done on each target; runs on a worker thread with its own db, which the fleet owns and
 * closes (valid during the call only); item->err is for the work to fill. */
typedef int (*strata_fleet_work_fn)(struct strata_db *db, struct strata_fleet_item *item, void *ud);
/* Called once per target when it is done, one at a time (under a lock), on a worker thread; the item
 * and its target and err live only during the call. */
typedef void (*strata_fleet_done_fn)(const struct strata_fleet_item *item, void *ud);

struct strata_fleet_opts {
	int jobs;                 /* workers (<= 0: number of cores) */
	int fail_fast;            /* stop starting targets after the first failure */
	size_t canary;            /* first run this many targets; stop if one of them fails */
	const struct strata_opts *db_opts; /* for every target (on_event is not called from workers; a cancel
					      token stops the fleet before its next target and cancels every
					      target's running statement) */
};

struct strata_fleet_summary {
	size_t total;             /* targets seen */
	size_t done;              /* targets finished, failed or not */
	size_t failed;
	size_t changed;           /* targets where migrations ran */
	size_t not_started;       /* stopped by --fail-fast or a failed canary */
	int canary_failed;
	double ms;
};

int strata_fleet_run(struct strata_targets *ts, const struct strata_fleet_opts *fo, strata_fleet_work_fn work,
		     strata_fleet_done_fn done, void *ud, struct strata_fleet_summary *sum, struct strata_err *err);

/* The version to write for `create`: a UTC timestamp YYYYMMDDHHMMSS, or with
 * `seq` the next number after the source's highest, zero padded to its width
 * (default 6). Caller frees. */
char *strata_next_version(const struct strata_source *src, int seq);

/* ---------------------------------------------------------------------------
 * Configuration: flags beat the environment, which beats strata.ini.
 */

struct strata_config {
	char *database;          /* URL, or NULL when unset */
	char **paths;            /* migrations directories (-p repeated; "a, b" in strata.ini and STRATA_PATH) */
	size_t npaths;           /* 0 when unset */
	char *table;             /* tracking table, or NULL */
	double lock_wait;        /* seconds; meaningful when lock_wait_set */
	int lock_wait_set;
	int single_transaction;  /* -1 unset, 0 or 1 */
	int allow_out_of_order;  /* -1 unset, 0 or 1 */
	int allow_modified;      /* -1 unset, 0 or 1 */
	char *env_file;          /* dotenv file to load DATABASE_URL and friends from, or NULL */
	char *scratch;           /* check, test: the server to make scratch databases on (URL), or NULL */
	char *scratch_setup;     /* check, test: SQL file run in every scratch database first, or NULL */
	char *dump;              /* schema file to rewrite after every successful run (dump = FILE), or NULL */
	int placeholders;        /* Flyway's ${name} replacement: -1 unset, 0 off, 1 on */
	char **ph_names;         /* placeholder values ([placeholders] in strata.ini, --placeholder k=v) */
	char **ph_values;
	size_t nph;
	int lock_strategy;       /* STRATA_LOCK_* (lock = auto|advisory|lease, STRATA_LOCK); -1 unset */
	double lease;            /* seconds (lease = 30s, STRATA_LEASE); meaningful when lease_set */
	int lease_set;
};
/* Set placeholder `name` to `value` (a later one replaces an earlier). 0, or -1 out of memory. */
int strata_config_set_placeholder(struct strata_config *c, const char *name, const char *value);

/* Set every field unset (forgetting, not freeing, what c held). */
void strata_config_init(struct strata_config *c);
/* Free what c holds and set it unset again. */
void strata_config_release(struct strata_config *c);
/* Read an INI file: keys at top level or in [strata]. Unknown keys and bad
 * values are STRATA_EUSAGE errors naming the file and line. Every string in a
 * config is its own copy (strata_config_release frees them). */
int strata_config_read_file(const char *file, struct strata_config *c, struct strata_err *err);
/* The same from an open stream (a FILE *, read to its end, not closed); `name` is used in messages. */
int strata_config_read_stream(void *fp, const char *name, struct strata_config *c, struct strata_err *err);
/* DATABASE_URL, STRATA_PATH, STRATA_TABLE, STRATA_LOCK_WAIT through `get` (getenv when NULL). */
int strata_config_read_env(struct strata_config *c, const char *(*get)(const char *name), struct strata_err *err);
/* Append a copy of one migrations directory (-p DIR, repeatable; never split at commas). 0, or -1 out of
 * memory. */
int strata_config_add_path(struct strata_config *c, const char *dir);
/* Copy every value set in `over` onto `base` (a list of paths replaces the list); base gets its own
 * copies of the strings. 0, or -1 out of memory. */
int strata_config_overlay(struct strata_config *base, const struct strata_config *over);
/* "30", "30s", "500ms", "2m", "1h", "forever"/"-1" -> seconds (< 0 forever). 0 ok, -1 bad. */
int strata_parse_duration(const char *s, double *seconds);
/* "true/false/yes/no/on/off/1/0" -> 0/1, -1 bad. */
int strata_parse_bool(const char *s);

#ifdef __cplusplus
}
#endif
#endif
