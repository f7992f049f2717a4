/*
 * history.h - strata's own tables (history.c): the tracking table's rows,
 * their reading, recording and upgrade, the history log, and bookkeeping
 * held back for a batch.
 */
#ifndef STRATA_HISTORY_H
#define STRATA_HISTORY_H

#include <stddef.h>

#include "strata.h"
#include "buf.h"
#include "db.h"

/* One row of the tracking table. */
struct strata_applied {
	struct strata_version version;
	char *name;
	char *checksum;
	char *down;         /* recorded down script, or NULL */
	char *applied_at;   /* "YYYY-MM-DD HH:MM:SS" UTC */
	char *applied_by;
	char *state;        /* "applied" or "partial" */
	double duration_ms; /* as recorded: to the microsecond (strata_history_ms) */
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
 * arrival of the message that carries them. `returning`: the log INSERT
 * returns the duration it recorded (for the driver's exec_value).
 */
void strata_history_batch_sql(struct strata_db *db, const struct strata_migration *m, const struct strata_version *version,
			      const char *name, const char *action, int down, int returning, struct strata_buf *b);
/*
 * A duration in ms as the tables record it: rounded to the microsecond, so
 * that what a run reports is what status and history read back.
 */
double strata_history_ms(double ms);
/* The same for the offline script (--sql): its log row's result is "ok (offline script)". */
void strata_history_script_sql(struct strata_db *db, const struct strata_migration *m,
			       const struct strata_version *version, const char *name, const char *action, int down,
			       struct strata_buf *b);
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

#endif
