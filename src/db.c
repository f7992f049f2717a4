/*
 * db.c - an open target's lifecycle: strata_db_open() loads the driver,
 * connects, and names the tracking and log tables and the lock key
 * (strata_db_open_offline() the same without connecting, for --sql --from);
 * strata_db_retarget() moves the connection to another schema of the same
 * database; strata_db_close(); the migration lock and the events sent to
 * the caller.
 *
 * On PostgreSQL a tracking table named without a schema is pinned at open to
 * the session's current_schema() (pin_schema), since migrations may change
 * search_path.
 *
 * The lock strategy (STRATA_LOCK, see strata.h) is chosen in strata_lock(): the
 * driver's session lock where its lock_check() says it excludes runners, a
 * lease (lease.c) where it says it does not, or when asked for.
 */
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"
#include "driver.h"
#include "db.h"
#include "reason.h"
#include "cancel.h"
#include "lease.h"

void strata_opts_init(struct strata_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->version = STRATA_OPTS_VERSION;
	o->lock_wait = -1;
}

void strata_emit(struct strata_db *db, struct strata_event *ev)
{
	if (!db->opts.on_event)
		return;
	ev->target = db->target->display;
	db->opts.on_event(db->opts.ud, ev);
}

void strata_note(struct strata_db *db, const char *fmt, ...)
{
	struct strata_event ev = { 0 };
	struct strata_buf b;
	va_list ap;

	strata_buf_init(&b);
	va_start(ap, fmt);
	strata_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ev.kind = STRATA_EV_NOTE;
	ev.note.text = b.buf;
	if (!b.broken)
		strata_emit(db, &ev);
	strata_buf_release(&b);
}

const char *strata_db_engine(const struct strata_db *db)
{
	return db->drv->name;
}

void strata_db_close(struct strata_db *db)
{
	if (!db)
		return;
	/* no trip may reach the connection once it closes */
	strata_cancel_detach(db->opts.cancel, db);
	strata_cancel_detach(db->own_cancel, db);
	strata_lease_release(db->lease); /* a run that stopped without unlocking */
	db->lease = NULL;
	if (db->conn)
		db->drv->close(db->conn);
	strata_cancel_free(db->own_cancel);
	strata_db_forget_formats(db);
	free(db->schema);
	free(db->table);
	free(db->qtable);
	free(db->logtable);
	free(db->qlog);
	free(db->lockkey);
	free(db->applied_by);
	free(db);
}

void strata_db_forget_formats(struct strata_db *db)
{
	size_t i;

	for (i = 0; i < STRATA_DB_STMT_FORMATS; i++) {
		free(db->stmt_fmt[i].fmt);
		db->stmt_fmt[i].fmt = NULL;
		db->stmt_fmt[i].tmpl = NULL;
	}
}

void strata_db_quote_table(const struct strata_db *db, struct strata_buf *b, const char *schema, const char *name)
{
	if (schema) {
		db->drv->sql->quote_ident(b, schema);
		strata_buf_addc(b, '.');
	}
	db->drv->sql->quote_ident(b, name);
}

/* (Re)compute the tracking and log table names and the lock key for db->target. */
static int set_names(struct strata_db *db, struct strata_err *err)
{
	const struct strata_target *t = db->target;
	struct strata_buf b;
	const char *name, *dot;

	free(db->schema);
	free(db->table);
	free(db->qtable);
	free(db->logtable);
	free(db->qlog);
	free(db->lockkey);
	db->schema = db->table = db->qtable = db->logtable = db->qlog = db->lockkey = NULL;
	name = db->opts.table && *db->opts.table ? db->opts.table : t->table && *t->table ? t->table
											    : "strata_migrations";
	dot = strchr(name, '.');
	if (dot && dot != name && dot[1] && t->schema)
		return strata_err_setr(err, STRATA_EUSAGE, STRATA_R_TABLE,
				       "the tracking table %s names a schema, but each schema of a fleet over schemas "
				       "keeps its own tracking table: give the table name alone",
				       name);
	if (dot && dot != name && dot[1]) {
		db->schema = strata_strndup(name, (size_t)(dot - name));
		db->table = strata_strdup(dot + 1);
	} else {
		db->table = strata_strdup(name);
		if (t->schema)
			db->schema = strata_strdup(t->schema);
	}
	strata_buf_init(&b);
	if (db->table) {
		strata_db_quote_table(db, &b, db->schema, db->table);
		db->qtable = strata_buf_detach(&b, NULL);
		strata_buf_addf(&b, "%s_log", db->table);
		db->logtable = strata_buf_detach(&b, NULL);
	}
	if (db->logtable) {
		strata_db_quote_table(db, &b, db->schema, db->logtable);
		db->qlog = strata_buf_detach(&b, NULL);
	}
	strata_buf_addf(&b, "strata:%s", db->qtable ? db->qtable : "");
	db->lockkey = strata_buf_detach(&b, NULL);
	if (!db->table || !db->qtable || !db->logtable || !db->qlog || !db->lockkey ||
	    (dot && dot != name && dot[1] && !db->schema))
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	return 0;
}

/*
 * A tracking table named without a schema is pinned, once connected, to the
 * schema the session starts in (current_schema(), as golang-migrate does):
 * a migration may change search_path (every pg_dump -s file begins by
 * emptying it), and the bookkeeping after it must still find its tables.
 * A table the bare name already finds through search_path stays where it is
 * (a schema named like the user, created later, would otherwise hide it).
 * The lock key stays the one set_names() made from the bare name, so runners
 * from before this and after it still exclude each other.
 */
static int pin_schema(struct strata_db *db, struct strata_err *err)
{
	struct strata_buf b;
	int rc;

	if (db->schema || !db->drv->table_schema)
		return 0;
	/* a table the bare name already finds stays where it is (found through search_path, as before) */
	rc = db->drv->table_schema(db->conn, db->table, &db->schema, err);
	if (rc)
		return rc;
	if (!db->schema)
		return strata_err_setr(err, STRATA_EUSAGE, STRATA_R_TABLE,
				       "no schema to keep %s in: set search_path or name the tracking table with its "
				       "schema (schema.name)",
				       db->table);
	free(db->qtable);
	free(db->qlog);
	strata_buf_init(&b);
	strata_db_quote_table(db, &b, db->schema, db->table);
	db->qtable = strata_buf_detach(&b, NULL);
	strata_db_quote_table(db, &b, db->schema, db->logtable);
	db->qlog = strata_buf_detach(&b, NULL);
	if (!db->qtable || !db->qlog)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	return 0;
}

static int db_open(const struct strata_target *t, const struct strata_opts *o, int connect, struct strata_db **out,
		   struct strata_err *err)
{
	struct strata_db *db;
	int rc;

	*out = NULL;
	if (o && o->version != STRATA_OPTS_VERSION)
		return strata_err_set(err, STRATA_EUSAGE,
				      "strata_opts version %d is not supported (this libstrata has version %d): rebuild the "
				      "program against this strata.h, starting from strata_opts_init()",
				      o->version, STRATA_OPTS_VERSION);
	db = calloc(1, sizeof(*db));
	if (!db)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	if (o)
		db->opts = *o;
	else
		strata_opts_init(&db->opts);
	db->target = t;
	db->drv = strata_driver_load(t->engine, err);
	if (!db->drv) {
		strata_db_close(db);
		return err ? err->code : STRATA_EUSAGE;
	}
	db->applied_by = db->opts.applied_by ? strata_strdup(db->opts.applied_by) : strata_whoami();
	rc = set_names(db, err);
	if (!rc && !db->applied_by)
		rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
	if (!rc && connect)
		rc = db->drv->connect(t, &db->opts, &db->conn, err);
	if (!rc && connect)
		rc = pin_schema(db, err);
	if (!rc && (strata_cancel_new(&db->own_cancel) || strata_cancel_attach(db->own_cancel, db) ||
		    strata_cancel_attach(db->opts.cancel, db)))
		rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
	if (rc) {
		strata_db_close(db);
		return rc;
	}
	*out = db;
	return 0;
}

int strata_db_open(const struct strata_target *t, const struct strata_opts *o, struct strata_db **out,
		   struct strata_err *err)
{
	return db_open(t, o, 1, out, err);
}

/* An offline script's database: its dialect and table names, no connection (db->conn stays NULL). */
int strata_db_open_offline(const struct strata_target *t, const struct strata_opts *o, struct strata_db **out,
			   struct strata_err *err)
{
	return db_open(t, o, 0, out, err);
}

int strata_db_offline_err(const struct strata_db *db, struct strata_err *err)
{
	return strata_err_set(err, STRATA_EUSAGE, "%s was opened offline (not connected): it can only write an "
						  "offline script", db->target->display);
}

int strata_db_retarget(struct strata_db *db, const struct strata_target *t, struct strata_err *err)
{
	int rc;

	if (!db->conn || strata_driver_load(t->engine, NULL) != db->drv || strcmp(t->conninfo, db->target->conninfo) != 0 ||
	    !db->drv->set_schema)
		return strata_err_set(err, STRATA_EUSAGE, "cannot move this connection to %s", t->display);
	db->target = t;
	rc = set_names(db, err);
	if (!rc)
		rc = db->drv->set_schema(db->conn, t->schema, err);
	if (!rc)
		rc = pin_schema(db, err);
	return rc;
}

static void lock_waiting(void *ud, const char *holder, double waited_ms)
{
	struct strata_db *db = ud;
	struct strata_event ev = { 0 };

	ev.kind = STRATA_EV_LOCK_WAIT;
	ev.lock_wait.holder = holder;
	ev.lock_wait.waited_ms = waited_ms;
	strata_emit(db, &ev);
}

enum { LOCKED_SESSION = 1, LOCKED_LEASE = 2 };

void strata_unlock(struct strata_db *db, int locked)
{
	if (locked == LOCKED_SESSION)
		db->drv->unlock(db->conn, db->lockkey, NULL);
	if (locked == LOCKED_LEASE) {
		strata_lease_release(db->lease);
		db->lease = NULL;
	}
}

int strata_lock(struct strata_db *db, int *locked, struct strata_err *err)
{
	struct strata_event ev = { 0 };
	const char *env = getenv("STRATA_LOCK");
	int strategy = env && *env ? strata_lock_strategy_parse(env) : STRATA_LOCK_AUTO, rc;
	double lease = 0;
	char *why = NULL;

	*locked = 0;
	if (!db->conn)
		return strata_db_offline_err(db, err);
	if (strategy < 0)
		return strata_err_set(err, STRATA_EUSAGE, "STRATA_LOCK=%s: expected auto, advisory or lease", env);
	env = getenv("STRATA_LEASE");
	if (env && *env && (strata_parse_duration(env, &lease) || lease <= 0))
		return strata_err_set(err, STRATA_EUSAGE, "STRATA_LEASE=%s is not a duration", env);
	if (strategy == STRATA_LOCK_AUTO) {
		if (!db->drv->lock)
			return 0; /* no session lock: the database's write lock and a re-read under it order the runners */
		strategy = STRATA_LOCK_ADVISORY;
		if (db->drv->lock_check) {
			rc = db->drv->lock_check(db->conn, &why, err);
			if (rc < 0)
				return rc;
			if (rc == 0)
				strategy = STRATA_LOCK_LEASE;
		}
		if (strategy == STRATA_LOCK_LEASE && !db->drv->sql->lease_ddl) {
			rc = strata_err_set(err, STRATA_EUSAGE, "the migration lock cannot work on %s: %s",
					    db->target->display, why ? why : "its session lock excludes no one");
			free(why);
			return rc;
		}
		free(why);
	}
	if (strategy == STRATA_LOCK_LEASE) {
		rc = strata_lease_take(db, lease, db->opts.lock_wait, lock_waiting, db, &db->lease, err);
		if (rc)
			return rc;
		*locked = LOCKED_LEASE;
	} else if (strategy == STRATA_LOCK_ADVISORY) {
		if (!db->drv->lock)
			return strata_err_set(err, STRATA_EUSAGE,
					      "%s has no session lock: use --lock=lease (or auto, which lets %s's own "
					      "write lock order the runners)",
					      db->drv->display_name, db->drv->display_name);
		rc = db->drv->lock(db->conn, db->lockkey, db->opts.lock_wait, lock_waiting, db, err);
		if (rc)
			return rc;
		*locked = LOCKED_SESSION;
	} else {
		return strata_err_set(err, STRATA_EUSAGE, "unknown lock strategy %d", strategy);
	}
	ev.kind = STRATA_EV_LOCKED;
	strata_emit(db, &ev);
	return 0;
}

int strata_lock_held(struct strata_db *db, int locked, struct strata_err *err)
{
	if (locked != LOCKED_LEASE || strata_lease_held(db->lease))
		return 0;
	return strata_err_setr(err, STRATA_ELOCK, STRATA_R_LOCK_TIMEOUT,
			       "the migration lease on %s expired without a heartbeat and another runner took it over: "
			       "stopped before the next migration",
			       db->target->display);
}
