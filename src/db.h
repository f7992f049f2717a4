/*
 * db.h - an open target (db.c): its driver and connection, the tracking and
 * log tables' names, the migration lock and the events sent to the caller.
 */
#ifndef STRATA_DB_H
#define STRATA_DB_H

#include "strata.h"
#include "driver.h"

struct strata_buf;

/* Statement templates whose formats an open target keeps (history.c has about a dozen). */
#define STRATA_DB_STMT_FORMATS 32

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
	struct strata_cancel *own_cancel;   /* what strata_interrupt() trips (cancel.c); opts.cancel is the caller's */
	struct {                            /* statement formats history.c built from its templates */
		const char *tmpl;
		char *fmt;
	} stmt_fmt[STRATA_DB_STMT_FORMATS];
	struct strata_lease *lease;         /* the lease lock while held (lease.c), else NULL */
};

/* Append schema.name (or name alone when schema is NULL) quoted as db's engine quotes identifiers. */
void strata_db_quote_table(const struct strata_db *db, struct strata_buf *b, const char *schema, const char *name);

/* Free the formats history.c kept (the driver's placeholders they spell stay valid for db's life). */
void strata_db_forget_formats(struct strata_db *db);

/* Point an open connection at another target of the same database (another schema). */
int strata_db_retarget(struct strata_db *db, const struct strata_target *t, struct strata_err *err);

/*
 * Take the migration lock as opts.lock_strategy says: the driver's session
 * lock, or a lease (lease.h); AUTO without a driver lock (SQLite) takes
 * none, as the database's own write lock orders the runners. *locked says
 * whether (and what) to unlock.
 */
int strata_lock(struct strata_db *db, int *locked, struct strata_err *err);
void strata_unlock(struct strata_db *db, int locked);
/* Is the lock strata_lock() took still ours? 0 yes; STRATA_ELOCK when a lease was lost (taken over). */
int strata_lock_held(struct strata_db *db, int locked, struct strata_err *err);

/* A database opened offline (strata_db_open_offline: db->conn NULL) was asked to be read: STRATA_EUSAGE. */
int strata_db_offline_err(const struct strata_db *db, struct strata_err *err);

/* Send an event to the caller's callback, if any. */
void strata_emit(struct strata_db *db, struct strata_event *ev);
/* Send a STRATA_EV_NOTE with this sentence (nothing when out of memory). */
void strata_note(struct strata_db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
