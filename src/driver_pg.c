/*
 * driver_pg.c - the PostgreSQL driver, on libpq.
 *
 * Scripts go to the server in one simple-protocol query, as psql -f would send
 * a file's statements, so the server's error position can be mapped back to a
 * line of the file. The migration lock is a session advisory lock held on a
 * second, dedicated connection that never has a transaction open: it is taken
 * by polling pg_try_advisory_lock rather than blocking in pg_advisory_lock,
 * because a runner blocked inside pg_advisory_lock holds a snapshot, and a
 * CREATE INDEX CONCURRENTLY run by the lock holder would wait for it forever.
 * Where that lock excludes no one, pg_lock_check() says so and strata takes
 * a lease instead (lease.c, with this dialect's lease_* statements):
 * CockroachDB and YugabyteDB (from version()), and a pooler in transaction
 * mode such as PgBouncer's, seen when two of our sessions share one server
 * process or one session moves between them. STRATA_TEST_NO_ADVISORY=1 (any
 * value but "" and "0") switches the advisory lock off, for tests: lock_check
 * says no and pg_lock refuses.
 *
 * libpq is called through a table (driver_pg_libpq.h) that is filled the
 * first time a PostgreSQL target is opened, so that strata starts without it.
 *
 * Its targets: postgres:// and postgresql:// URLs (golang-migrate's x-*
 * parameters removed before libpq sees them) and libpq "key=value" strings.
 */
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "util.h"
#include "split.h"
#include "driver.h"
#include "registry.h"
#include "url.h"
#include "driver_pg_libpq.h"
#include "driver_pg_schema.h"
#include "driver_pg_plan.h"

struct strata_conn {
	PGconn *pg;                /* the migration session */
	PGconn *lockpg;            /* dedicated lock session, NULL when not locked */
	PGcancel *cancel;          /* prepared at connect, so that a signal handler can cancel */
	char sessionkey[32];       /* the advisory lock the migration session holds, or "" */
	char lockkey[32];          /* the advisory lock the dedicated session holds, or "" */
	char *conninfo;            /* to open the lock session */
	char *display;             /* redacted URL for messages */
	const char *appname;
	unsigned long schema_used;     /* driver_pg_schema.c's queries run once on this session (bit per slot) */
	unsigned long schema_prepared; /* ... and those prepared on it */
	int schema_unprepared;         /* prepared statements got lost (a pooler): plain queries from then on */
	void (*on_event)(void *ud, const struct strata_event *ev);
	void *ud;
};

/*
 * No password leaves this driver: every message of libpq or the server is
 * scrubbed of the passwords of the conninfo, the one libpq used (URL,
 * key=value, PGPASSWORD or ~/.pgpass) and PGPASSWORD, in all their spellings.
 */
static void scrub(const char *conninfo, PGconn *pg, struct strata_err *err)
{
	strata_err_scrub(err, conninfo, pg ? PQpass(pg) : NULL);
	strata_err_scrub(err, NULL, getenv("PGPASSWORD"));
}

/* Turn libpq's multi-line connection error into one line for people. */
static void connect_error(PGconn *pg, const char *conninfo, const char *display, struct strata_err *err)
{
	char msg[1024];
	const char *m = pg ? PQerrorMessage(pg) : "out of memory";
	size_t i, n = 0;

	for (i = 0; m[i] && n < sizeof(msg) - 1; i++) {
		char ch = m[i] == '\n' || m[i] == '\t' ? ' ' : m[i];

		if (ch == ' ' && (n == 0 || msg[n - 1] == ' '))
			continue;
		msg[n++] = ch;
	}
	while (n && msg[n - 1] == ' ')
		n--;
	msg[n] = '\0';
	strata_err_set(err, STRATA_ECONNECT, "cannot connect to %s: %s", display, msg);
	scrub(conninfo, pg, err);
}

static void notice_receiver(void *arg, const PGresult *res)
{
	struct strata_conn *c = arg;
	struct strata_event ev = { 0 };
	struct strata_err note;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);

	/* NOTICEs such as "table does not exist, skipping" are noise; warnings are not */
	if (!c->on_event || !sev || strcmp(sev, "WARNING") != 0)
		return;
	ev.kind = STRATA_EV_NOTE;
	ev.target = c->display;
	strata_err_clear(&note);
	strata_err_text(&note, STRATA_ERR_MESSAGE, PQresultErrorMessage(res), strlen(PQresultErrorMessage(res)));
	scrub(c->conninfo, c->pg, &note);
	ev.note.text = note.message;
	c->on_event(c->ud, &ev);
	strata_err_release(&note);
}

static int pg_set_schema(struct strata_conn *c, const char *schema, struct strata_err *err)
{
	struct strata_buf b;
	PGresult *r;
	int ok;

	strata_buf_init(&b);
	if (schema) {
		strata_buf_adds(&b, "SET search_path TO ");
		strata_buf_add_ident(&b, schema);
	} else {
		strata_buf_adds(&b, "RESET search_path");
	}
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	r = PQexec(c->pg, b.buf);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	strata_buf_release(&b);
	PQclear(r);
	if (!ok) {
		strata_err_set(err, STRATA_EDB, "cannot set search_path to %s: %s", schema ? schema : "default",
			       PQerrorMessage(c->pg));
		scrub(c->conninfo, c->pg, err);
		return STRATA_EDB;
	}
	return 0;
}

static PGconn *open_pg(const char *conninfo, const char *appname)
{
	const char *keys[] = { "dbname", "fallback_application_name", NULL };
	const char *vals[] = { conninfo, appname, NULL };

	return PQconnectdbParams(keys, vals, 1);
}

static int pg_connect(const struct strata_target *t, const struct strata_opts *o, struct strata_conn **out,
		      struct strata_err *err)
{
	struct strata_conn *c;

	*out = NULL;
	if (strata_libpq_load(err))
		return err ? err->code : STRATA_EUSAGE;
	c = calloc(1, sizeof(*c));
	if (!c)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	c->conninfo = strata_strdup(t->conninfo);
	c->display = strata_strdup(t->display);
	c->appname = o && o->application_name ? o->application_name : "strata";
	c->on_event = o ? o->on_event : NULL;
	c->ud = o ? o->ud : NULL;
	c->pg = open_pg(t->conninfo, c->appname);
	if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
		connect_error(c->pg, t->conninfo, t->display, err);
		PQfinish(c->pg);
		free(c->conninfo);
		free(c->display);
		free(c);
		return STRATA_ECONNECT;
	}
	PQsetNoticeReceiver(c->pg, notice_receiver, c);
	c->cancel = PQgetCancel(c->pg);
	if (o && (o->lock_timeout > 0 || o->statement_timeout > 0)) {
		char sql[160];
		PGresult *r;
		int ok;

		snprintf(sql, sizeof(sql), "SET lock_timeout = %.0f; SET statement_timeout = %.0f",
			 o->lock_timeout > 0 ? o->lock_timeout * 1000.0 : 0.0,
			 o->statement_timeout > 0 ? o->statement_timeout * 1000.0 : 0.0);
		if (o->lock_timeout <= 0 || o->statement_timeout <= 0) {
			/* only the one asked for: the other keeps the server's setting */
			snprintf(sql, sizeof(sql), "SET %s = %.0f", o->lock_timeout > 0 ? "lock_timeout" : "statement_timeout",
				 (o->lock_timeout > 0 ? o->lock_timeout : o->statement_timeout) * 1000.0);
		}
		r = PQexec(c->pg, sql);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
		if (!ok) {
			strata_err_set(err, STRATA_EDB, "cannot set timeouts: %s", PQerrorMessage(c->pg));
			scrub(c->conninfo, c->pg, err);
			PQfreeCancel(c->cancel);
			PQfinish(c->pg);
			free(c->conninfo);
			free(c->display);
			free(c);
			return STRATA_EDB;
		}
	}
	if (t->schema && pg_set_schema(c, t->schema, err)) {
		PQfreeCancel(c->cancel);
		PQfinish(c->pg);
		free(c->conninfo);
		free(c->display);
		free(c);
		return STRATA_EDB;
	}
	*out = c;
	return 0;
}

static void pg_close(struct strata_conn *c)
{
	if (!c)
		return;
	PQfreeCancel(c->cancel);
	PQfinish(c->lockpg);
	PQfinish(c->pg);
	free(c->conninfo);
	free(c->display);
	free(c);
}

static void copy_field(char *dst, size_t n, const PGresult *r, int field)
{
	const char *v = r ? PQresultErrorField(r, field) : NULL;

	snprintf(dst, n, "%s", v ? v : "");
}

/* One of the server's texts into err, whole. */
static void copy_text(struct strata_err *err, enum strata_err_text which, const PGresult *r, int field)
{
	const char *v = r ? PQresultErrorField(r, field) : NULL;

	strata_err_text(err, which, v, v ? strlen(v) : 0);
}

/* Byte offset of the 1-based character position `pos` in UTF-8 text. */
static long char_to_byte(const char *s, size_t len, long pos)
{
	size_t i;
	long chars = 0;

	if (pos <= 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			chars++;
			if (chars == pos)
				return (long)i;
		}
	}
	return (long)len;
}

/* Fill err from a failed result (or the connection when r is NULL). */
/*
 * The class of an SQLSTATE: connection (08), resources (53), operator
 * intervention (57) and system (58) errors are the surroundings' doing, but
 * 57014 (a statement timeout, a cancel) belongs to the migration; 55P03 is
 * lock_timeout giving up.
 */
static int sqlstate_class(const char *st)
{
	if (!strcmp(st, "57014"))
		return STRATA_ERRCLASS_NONE;
	if (!strcmp(st, "55P03"))
		return STRATA_ERRCLASS_LOCK_TIMEOUT;
	if (!strncmp(st, "08", 2) || !strncmp(st, "53", 2) || !strncmp(st, "57", 2) || !strncmp(st, "58", 2))
		return STRATA_ERRCLASS_ENVIRONMENT;
	return STRATA_ERRCLASS_NONE;
}

static int result_error(struct strata_conn *c, const PGresult *r, struct strata_err *err)
{
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	int code = STRATA_EDB;

	if (!msg) {
		const char *m = PQerrorMessage(c->pg);
		size_t n = strlen(m);

		while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
			n--;
		strata_err_set(err, PQstatus(c->pg) == CONNECTION_BAD ? STRATA_ECONNECT : STRATA_EDB, "%.*s",
			       (int)n, m);
		if (PQstatus(c->pg) == CONNECTION_BAD)
			code = STRATA_ECONNECT;
		if (err && code == STRATA_ECONNECT)
			strata_err_hint(err, "the connection to the server was lost");
		scrub(c->conninfo, c->pg, err);
		return code;
	}
	strata_err_set(err, code, "%s", msg);
	if (err) {
		copy_field(err->sqlstate, sizeof(err->sqlstate), r, PG_DIAG_SQLSTATE);
		err->err_class = sqlstate_class(err->sqlstate);
		copy_text(err, STRATA_ERR_DETAIL, r, PG_DIAG_MESSAGE_DETAIL);
		copy_text(err, STRATA_ERR_HINT, r, PG_DIAG_MESSAGE_HINT);
		copy_text(err, STRATA_ERR_CONTEXT, r, PG_DIAG_CONTEXT);
	}
	scrub(c->conninfo, c->pg, err);
	return code;
}

static int pg_exec_value(struct strata_conn *c, const char *sql, size_t len, long *errpos, char **value,
			 struct strata_err *err)
{
	PGresult *r;
	ExecStatusType st;
	int rc = 0, done = 0;

	if (errpos)
		*errpos = -1;
	if (value)
		*value = NULL;
	if (sql[len] != '\0') {
		char *copy = strata_strndup(sql, len);

		if (!copy)
			return strata_err_set(err, STRATA_ENOMEM, "out of memory");
		rc = pg_exec_value(c, copy, len, errpos, value, err);
		free(copy);
		return rc;
	}
	/*
	 * Send the whole script at once (simple protocol, as psql -f would for a
	 * file) and read one result per statement, so that when the server gives
	 * no error position we still know which statement failed.
	 */
	if (!PQsendQuery(c->pg, sql))
		return result_error(c, NULL, err);
	while ((r = PQgetResult(c->pg)) != NULL) {
		st = PQresultStatus(r);
		if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT) {
			if (st == PGRES_COPY_IN)
				PQputCopyEnd(c->pg, "COPY FROM STDIN is not supported in a migration");
			if (!rc)
				rc = strata_err_set(err, STRATA_EDB,
						    "COPY ... FROM STDIN / TO STDOUT is not supported in a migration");
		} else if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
			done++;
			if (value && st == PGRES_TUPLES_OK && PQntuples(r) > 0 && PQnfields(r) > 0 && !rc) {
				free(*value);
				*value = strata_strdup(PQgetvalue(r, 0, 0));
			}
		} else if (!rc) {
			const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);

			rc = result_error(c, r, err);
			if (err)
				err->statement = done + 1;
			if (pos && errpos)
				*errpos = char_to_byte(sql, len, atol(pos));
		}
		PQclear(r);
		if (PQstatus(c->pg) == CONNECTION_BAD)
			break;
	}
	if (!rc && PQstatus(c->pg) == CONNECTION_BAD)
		rc = result_error(c, NULL, err);
	if (rc && value) {
		free(*value);
		*value = NULL;
	}
	return rc;
}

static int pg_exec(struct strata_conn *c, const char *sql, size_t len, long *errpos, struct strata_err *err)
{
	return pg_exec_value(c, sql, len, errpos, NULL, err);
}

/*
 * Rows are fetched one at a time (single-row mode) and copied as they come,
 * so that a large history is held once, not twice (libpq's whole result and
 * our copy): at 10,000 tracking rows that was 3 MB more at the peak.
 */
static int pg_query_on(struct strata_conn *c, const char *stmt, const char *sql, int nparams,
		       const char *const *params, struct strata_rows **rows, struct strata_err *err)
{
	PGresult *r;
	struct strata_rows *out = NULL;
	size_t j, cap = 0;
	int rc = 0, failed = 0;

	if (rows)
		*rows = NULL;
	if (!rows) {
		ExecStatusType st;

		r = PQexecParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0);
		st = PQresultStatus(r);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
			rc = result_error(c, r, err);
		PQclear(r);
		return rc;
	}
	if (stmt ? !PQsendQueryPrepared(c->pg, stmt, nparams, params, NULL, NULL, 0)
		 : !PQsendQueryParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0))
		return result_error(c, NULL, err);
	PQsetSingleRowMode(c->pg);
	out = calloc(1, sizeof(*out));
	if (!out)
		failed = 1;
	while ((r = PQgetResult(c->pg)) != NULL) {
		ExecStatusType st = PQresultStatus(r);

		if (st == PGRES_SINGLE_TUPLE && !failed && !rc) {
			out->ncols = (size_t)PQnfields(r);
			if ((out->nrows + 1) * out->ncols > cap) {
				size_t ncap = cap ? cap * 2 : 64 * (out->ncols ? out->ncols : 1);
				char **nc = realloc(out->cells, ncap * sizeof(*nc));

				if (!nc) {
					failed = 1;
					PQclear(r);
					continue;
				}
				out->cells = nc;
				cap = ncap;
			}
			for (j = 0; j < out->ncols; j++)
				out->cells[out->nrows * out->ncols + j] =
					PQgetisnull(r, 0, (int)j) ? NULL : strata_strdup(PQgetvalue(r, 0, (int)j));
			out->nrows++;
		} else if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
			if (out && !out->nrows)
				out->ncols = (size_t)PQnfields(r);
		} else if (st != PGRES_SINGLE_TUPLE && !rc) {
			rc = result_error(c, r, err);
		}
		PQclear(r);
	}
	if (!rc && PQstatus(c->pg) == CONNECTION_BAD)
		rc = result_error(c, NULL, err);
	if (!rc && failed)
		rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
	if (rc) {
		strata_rows_free(out);
		return rc;
	}
	*rows = out;
	return 0;
}

static int pg_query(struct strata_conn *c, const char *sql, int nparams, const char *const *params,
		    struct strata_rows **rows, struct strata_err *err)
{
	return pg_query_on(c, NULL, sql, nparams, params, rows, err);
}

int strata_pg_schema_query(struct strata_conn *c, unsigned slot, const char *sql, int nparams,
			   const char *const *params, struct strata_rows **rows, struct strata_err *err)
{
	unsigned long bit = 1UL << (slot % (sizeof(bit) * 8));
	char name[32];
	int rc;

	if (c->schema_unprepared || !(c->schema_used & bit)) {
		c->schema_used |= bit;
		return pg_query_on(c, NULL, sql, nparams, params, rows, err);
	}
	snprintf(name, sizeof(name), "strata_schema_%u", slot);
	if (!(c->schema_prepared & bit)) {
		PGresult *r = PQprepare(c->pg, name, sql, nparams, NULL);
		const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);

		/* 42P05: a statement of that name is there already (ours, on a pooled server session) */
		rc = PQresultStatus(r) == PGRES_COMMAND_OK || (st && !strcmp(st, "42P05")) ? 0 : result_error(c, r, err);
		PQclear(r);
		if (rc)
			return rc;
		c->schema_prepared |= bit;
	}
	rc = pg_query_on(c, name, sql, nparams, params, rows, err);
	if (rc && err && !strcmp(err->sqlstate, "26000") && PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
		/* the statement is gone (DISCARD ALL, a pooler's other session): plain queries from now on */
		strata_err_release(err);
		strata_err_clear(err);
		c->schema_unprepared = 1;
		rc = pg_query_on(c, NULL, sql, nparams, params, rows, err);
	}
	return rc;
}

static int simple(struct strata_conn *c, const char *sql, struct strata_err *err)
{
	PGresult *r = PQexec(c->pg, sql);
	int rc = 0;

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = result_error(c, r, err);
	PQclear(r);
	return rc;
}

static int pg_begin(struct strata_conn *c, struct strata_err *err)
{
	return simple(c, "BEGIN", err);
}

static int pg_commit(struct strata_conn *c, struct strata_err *err)
{
	PGresult *r = PQexec(c->pg, "COMMIT");
	int rc = 0;

	/* COMMIT of an aborted transaction answers ROLLBACK without an error */
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = result_error(c, r, err);
	else if (strcmp(PQcmdStatus(r), "ROLLBACK") == 0)
		rc = strata_err_set(err, STRATA_EDB, "the transaction was rolled back by the server at COMMIT");
	PQclear(r);
	return rc;
}

static int pg_rollback(struct strata_conn *c, struct strata_err *err)
{
	if (PQstatus(c->pg) != CONNECTION_OK || PQtransactionStatus(c->pg) == PQTRANS_IDLE)
		return 0;
	return simple(c, "ROLLBACK", err);
}

/* FNV-1a: a stable 64-bit advisory lock key from the tracking table's identity. */
static long long lock_key(const char *key)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *key; key++) {
		h ^= (unsigned char)*key;
		h *= 1099511628211ULL;
	}
	return (long long)h;
}

/* One sentence naming who holds the advisory lock, or NULL. */
static char *lock_holder(struct strata_conn *c, const char *keytext)
{
	const char *sql =
		"SELECT a.pid, coalesce(nullif(a.application_name, ''), '?'), coalesce(a.usename, '?'), "
		"coalesce(host(a.client_addr), 'local'), "
		"to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
		"coalesce(a.state, '?') "
		"FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
		"WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
		"AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
		"AND l.classid::bigint = (($1::bigint >> 32) & 4294967295) "
		"AND l.objid::bigint = ($1::bigint & 4294967295) LIMIT 1";
	const char *params[1] = { keytext };
	PGresult *r = PQexecParams(c->lockpg, sql, 1, NULL, params, NULL, NULL, 0);
	struct strata_buf b;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1) {
		PQclear(r);
		return NULL;
	}
	strata_buf_init(&b);
	strata_buf_addf(&b, "held by pid %s (%s, user %s from %s) since %s UTC", PQgetvalue(r, 0, 0),
			PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4));
	PQclear(r);
	return strata_buf_detach(&b, NULL);
}

/* Poll pg_try_advisory_lock(keytext) on `on` until it is ours, or `wait` seconds from `start` ran out. */
static int poll_lock(struct strata_conn *c, PGconn *on, const char *keytext, double start, double wait,
		     strata_lock_wait_fn fn, void *ud, struct strata_err *err)
{
	const char *params[1] = { keytext };
	double last = 0;
	long sleep_ms = 25;

	for (;;) {
		PGresult *r = PQexecParams(on, "SELECT pg_try_advisory_lock($1::bigint)", 1, NULL, params, NULL, NULL, 0);
		double now;
		int got;

		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			strata_err_set(err, STRATA_EDB, "cannot take the migration lock: %s", PQerrorMessage(on));
			scrub(c->conninfo, on, err);
			PQclear(r);
			return STRATA_EDB;
		}
		got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
		if (got)
			return 0;
		now = strata_now_ms();
		if (fn && (last == 0 || now - last >= 10000.0)) {
			char *who = lock_holder(c, keytext);

			fn(ud, who ? who : "held by another session", now - start);
			free(who);
			last = now;
		}
		if (wait >= 0 && now - start >= wait * 1000.0) {
			char *who = lock_holder(c, keytext);

			strata_err_set(err, STRATA_ELOCK,
				       "another runner holds the migration lock on %s (%s); gave up after %.0f s",
				       c->display, who ? who : "holder unknown", wait);
			if (err) {
				err->reason = STRATA_R_LOCK_TIMEOUT;
				strata_err_hint(err, "wait longer for the lock, or stop the other runner");
			}
			free(who);
			return STRATA_ELOCK;
		}
		{
			struct timespec ts;
			long ms = sleep_ms;

			if (wait >= 0 && ms > wait * 1000.0 - (now - start))
				ms = (long)(wait * 1000.0 - (now - start)) + 1;
			ts.tv_sec = ms / 1000;
			ts.tv_nsec = (ms % 1000) * 1000000L;
			nanosleep(&ts, NULL);
		}
		if (sleep_ms < 500)
			sleep_ms *= 2;
	}
}


/* STRATA_TEST_NO_ADVISORY: the test hook that makes advisory locks unusable (see the file comment). */
static int no_advisory(void)
{
	const char *v = getenv("STRATA_TEST_NO_ADVISORY");

	return v && *v && strcmp(v, "0") != 0;
}

/* One value of a one-row query on `on`, malloc'ed, or NULL. */
static char *pg_value(PGconn *on, const char *sql, int col)
{
	PGresult *r = PQexec(on, sql);
	char *v = NULL;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && PQnfields(r) > col)
		v = strata_strdup(PQgetvalue(r, 0, col));
	PQclear(r);
	return v;
}

/*
 * Does pg_lock exclude other runners here? Not on CockroachDB (advisory
 * lock functions that lock nothing) nor YugabyteDB (none before 2.25, and
 * not across its nodes), told by version(); nor behind a pooler that hands
 * each transaction whatever server process is free (PgBouncer's
 * pool_mode=transaction or statement), where a session lock stays with a
 * server process the next transaction may not get. That is seen with the
 * two sessions a lock uses: the migration session's server pid (p1) is
 * read in a transaction of its own; the lock session then holds a
 * transaction open and reads its pid (p2), and the migration session reads
 * its pid again (p3). Direct, or through a pooler in session mode, p2 is
 * always another process and p3 always p1. A pooler in transaction mode
 * gives the lock session p1 (PgBouncer reuses the last released server
 * first) or the migration session another one: either says so. A pool
 * with other clients busy may hide it for one run, never the reverse.
 */
static int pg_lock_check(struct strata_conn *c, char **why, struct strata_err *err)
{
	char *ver, *p1, *p2 = NULL, *p3 = NULL, appname[64];
	struct strata_buf b;
	int ok = 1;

	*why = NULL;
	if (no_advisory()) {
		*why = strata_strdup("advisory locks are switched off (STRATA_TEST_NO_ADVISORY)");
		return 0;
	}
	ver = pg_value(c->pg, "SELECT version()", 0);
	p1 = pg_value(c->pg, "SELECT pg_backend_pid()", 0);
	if (!ver || !p1) {
		free(ver);
		free(p1);
		return result_error(c, NULL, err);
	}
	strata_buf_init(&b);
	if (strstr(ver, "CockroachDB")) {
		strata_buf_adds(&b, "CockroachDB's advisory lock functions lock nothing");
		ok = 0;
	} else if (strstr(ver, "-YB-")) {
		strata_buf_adds(&b, "YugabyteDB's advisory locks do not exclude sessions on other nodes");
		ok = 0;
	}
	snprintf(appname, sizeof(appname), "%s (lock)", c->appname);
	if (ok && !c->lockpg) {
		c->lockpg = open_pg(c->conninfo, appname);
		if (!c->lockpg || PQstatus(c->lockpg) != CONNECTION_OK) {
			connect_error(c->lockpg, c->conninfo, c->display, err);
			PQfinish(c->lockpg);
			c->lockpg = NULL;
			free(ver);
			free(p1);
			return STRATA_ECONNECT;
		}
	}
	if (ok) {
		PQclear(PQexec(c->lockpg, "BEGIN"));
		p2 = pg_value(c->lockpg, "SELECT pg_backend_pid()", 0);
		p3 = pg_value(c->pg, "SELECT pg_backend_pid()", 0);
		PQclear(PQexec(c->lockpg, "ROLLBACK"));
		if (p2 && strcmp(p2, p1) == 0) {
			strata_buf_addf(&b, "two sessions share server process %s: a pooler in transaction mode "
					    "(PgBouncer?) is in between, and a session lock would not last", p1);
			ok = 0;
		} else if (p3 && strcmp(p3, p1) != 0) {
			strata_buf_addf(&b, "the session moved from server process %s to %s between transactions: a "
					    "pooler in transaction mode (PgBouncer?) is in between, and a session lock "
					    "would not last", p1, p3);
			ok = 0;
		}
	}
	if (!ok && c->lockpg && !c->lockkey[0]) {
		PQfinish(c->lockpg); /* the lease has its own connection */
		c->lockpg = NULL;
	}
	free(ver);
	free(p1);
	free(p2);
	free(p3);
	if (ok) {
		strata_buf_release(&b);
		return 1;
	}
	*why = strata_buf_detach(&b, NULL);
	return 0;
}

/*
 * Two locks. The runner's lock is held by the dedicated session, which
 * never has a transaction open. The second is held by the migration session
 * itself: when a runner is killed while the server is still working on its
 * migration, that backend keeps the second lock until it has committed or
 * rolled back, so the next runner waits for it instead of reading a
 * tracking table that is about to change. Both are taken by polling
 * pg_try_advisory_lock, so a waiter never sits in a lock wait holding a
 * snapshot.
 */
static int pg_lock(struct strata_conn *c, const char *key, double wait, strata_lock_wait_fn fn, void *ud,
		   struct strata_err *err)
{
	char keytext[32], sessionkey[32], appname[64];
	double start = strata_now_ms();
	long long k = lock_key(key);
	int rc;

	if (no_advisory())
		return strata_err_set(err, STRATA_EUSAGE,
				      "advisory locks are switched off (STRATA_TEST_NO_ADVISORY): use --lock=lease");
	snprintf(keytext, sizeof(keytext), "%lld", k);
	snprintf(sessionkey, sizeof(sessionkey), "%lld", k ^ 1);
	snprintf(appname, sizeof(appname), "%s (lock)", c->appname);
	if (!c->lockpg) {
		c->lockpg = open_pg(c->conninfo, appname);
		if (!c->lockpg || PQstatus(c->lockpg) != CONNECTION_OK) {
			connect_error(c->lockpg, c->conninfo, c->display, err);
			PQfinish(c->lockpg);
			c->lockpg = NULL;
			return STRATA_ECONNECT;
		}
	}
	rc = poll_lock(c, c->lockpg, keytext, start, wait, fn, ud, err);
	if (!rc)
		snprintf(c->lockkey, sizeof(c->lockkey), "%s", keytext);
	if (!rc) {
		rc = poll_lock(c, c->pg, sessionkey, start, wait, fn, ud, err);
		if (rc) {
			c->lockkey[0] = '\0';
			PQfinish(c->lockpg);
			c->lockpg = NULL;
		} else {
			snprintf(c->sessionkey, sizeof(c->sessionkey), "%s", sessionkey);
		}
	}
	return rc;
}

static int pg_unlock(struct strata_conn *c, const char *key, struct strata_err *err)
{
	(void)key;
	(void)err;
	if (c->sessionkey[0] && PQstatus(c->pg) == CONNECTION_OK) {
		const char *params[1] = { c->sessionkey };

		PQclear(PQexecParams(c->pg, "SELECT pg_advisory_unlock($1::bigint)", 1, NULL, params, NULL, NULL, 0));
	}
	c->sessionkey[0] = '\0';
	/*
	 * The dedicated session stays open for the next target of a fleet (a new
	 * connection costs more than a migration); when unlocking fails, closing
	 * it releases the lock all the same.
	 */
	if (c->lockkey[0] && c->lockpg && PQstatus(c->lockpg) == CONNECTION_OK) {
		const char *params[1] = { c->lockkey };
		PGresult *r = PQexecParams(c->lockpg, "SELECT pg_advisory_unlock($1::bigint)", 1, NULL, params, NULL, NULL, 0);
		int ok = PQresultStatus(r) == PGRES_TUPLES_OK;

		PQclear(r);
		if (ok) {
			c->lockkey[0] = '\0';
			return 0;
		}
	}
	c->lockkey[0] = '\0';
	PQfinish(c->lockpg);
	c->lockpg = NULL;
	return 0;
}

static int pg_table_exists(struct strata_conn *c, const char *schema, const char *table,
			   struct strata_err *err)
{
	struct strata_buf b;
	struct strata_rows *r;
	const char *params[1];
	int rc;

	strata_buf_init(&b);
	strata_buf_add_qualified(&b, schema, table);
	params[0] = b.buf;
	rc = pg_query(c, "SELECT to_regclass($1) IS NOT NULL", 1, params, &r, err);
	strata_buf_release(&b);
	if (rc)
		return rc;
	rc = r->nrows == 1 && strata_rows_get(r, 0, 0) && strcmp(strata_rows_get(r, 0, 0), "t") == 0;
	strata_rows_free(r);
	return rc;
}

static int pg_drop(struct strata_conn *c, int preview, char **what, struct strata_err *err)
{
	struct strata_rows *r;
	struct strata_buf b;
	const char *schema, *ntab, *nother;
	int rc;

	if (what)
		*what = NULL;
	rc = pg_query(c,
		      "SELECT current_schema(), "
		      "(SELECT count(*) FROM pg_class WHERE relnamespace = n.oid AND relkind IN ('r', 'p')), "
		      "(SELECT count(*) FROM pg_class WHERE relnamespace = n.oid AND relkind IN ('v', 'm', 'S', 'f')) "
		      "+ (SELECT count(*) FROM pg_proc WHERE pronamespace = n.oid) "
		      "+ (SELECT count(*) FROM pg_type t WHERE typnamespace = n.oid AND typtype IN ('e', 'd', 'c') "
		      "   AND NOT EXISTS (SELECT 1 FROM pg_class WHERE reltype = t.oid)), "
		      "current_setting('server_version_num')::int >= 150000 "
		      "FROM pg_namespace n WHERE n.nspname = current_schema()",
		      0, NULL, &r, err);
	if (rc)
		return rc;
	if (r->nrows != 1 || !strata_rows_get(r, 0, 0)) {
		strata_rows_free(r);
		return strata_err_set(err, STRATA_EDB, "no current schema to drop (check search_path)");
	}
	schema = strata_rows_get(r, 0, 0);
	ntab = strata_rows_get(r, 0, 1);
	nother = strata_rows_get(r, 0, 2);
	strata_buf_init(&b);
	if (!preview) {
		strata_buf_adds(&b, "BEGIN; DROP SCHEMA ");
		strata_buf_add_ident(&b, schema);
		strata_buf_adds(&b, " CASCADE; CREATE SCHEMA ");
		strata_buf_add_ident(&b, schema);
		strata_buf_adds(&b, ";");
		if (strcmp(schema, "public") == 0) {
			/* as initdb leaves it */
			if (strcmp(strata_rows_get(r, 0, 3), "t") == 0)
				strata_buf_adds(&b, " ALTER SCHEMA public OWNER TO pg_database_owner;"
						    " GRANT USAGE ON SCHEMA public TO PUBLIC;");
			else
				strata_buf_adds(&b, " GRANT ALL ON SCHEMA public TO PUBLIC;");
		}
		strata_buf_adds(&b, " COMMIT;");
		rc = b.broken ? strata_err_set(err, STRATA_ENOMEM, "out of memory") : simple(c, b.buf, err);
		if (rc)
			pg_rollback(c, NULL);
		strata_buf_reset(&b);
	}
	if (!rc && what) {
		strata_buf_addf(&b, "schema %s of database %s (%s tables and %s other objects)", schema, PQdb(c->pg), ntab,
				nother);
		*what = strata_buf_detach(&b, NULL);
	}
	strata_buf_release(&b);
	strata_rows_free(r);
	return rc;
}

/*
 * pg_dump -Fc into `path`, started with execvp (no shell). The connection
 * parameters in use are passed as a conninfo string without the password,
 * which travels in PGPASSWORD, never in argv where ps would show it.
 */
static int pg_backup(struct strata_conn *c, const char *path, const char *schema, struct strata_err *err)
{
	PQconninfoOption *opts = PQconninfo(c->pg), *o;
	struct strata_buf ci, out;
	char *password = NULL;
	int pipefd[2], status, fd;
	pid_t pid;
	ssize_t n;
	char buf[512];

	if (!opts)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	strata_buf_init(&ci);
	strata_buf_init(&out);
	for (o = opts; o->keyword; o++) {
		if (!o->val || !*o->val)
			continue;
		if (strcmp(o->keyword, "password") == 0) {
			password = strata_strdup(o->val);
			continue;
		}
		if (strcmp(o->keyword, "fallback_application_name") == 0 || strcmp(o->keyword, "application_name") == 0)
			continue;
		strata_buf_addf(&ci, "%s%s=", ci.len ? " " : "", o->keyword);
		strata_buf_addc(&ci, '\'');
		for (const char *p = o->val; *p; p++) {
			if (*p == '\'' || *p == '\\')
				strata_buf_addc(&ci, '\\');
			strata_buf_addc(&ci, *p);
		}
		strata_buf_addc(&ci, '\'');
	}
	PQconninfoFree(opts);
	strata_buf_adds(&ci, " application_name='strata backup'");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		strata_err_set(err, STRATA_EIO, "cannot create backup %s: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	if (ci.broken || pipe(pipefd) != 0) {
		strata_err_set(err, STRATA_EIO, "cannot start pg_dump: %s", strerror(errno));
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		strata_err_set(err, STRATA_EIO, "cannot start pg_dump: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		goto fail;
	}
	if (pid == 0) {
		char *argv[] = { "pg_dump", "-Fc", "-f", (char *)path, "-d", ci.buf, NULL, NULL, NULL };

		if (schema) { /* a fleet's schema: that tenant alone */
			argv[6] = "-n";
			argv[7] = (char *)schema;
		}

		umask(077);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		if (password)
			setenv("PGPASSWORD", password, 1);
		execvp("pg_dump", argv);
		fprintf(stderr, "cannot run pg_dump: %s (install the PostgreSQL client, e.g. postgresql-client-15)",
			strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], buf, sizeof(buf))) > 0)
		strata_buf_add(&out, buf, (size_t)n);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		while (out.len && (out.buf[out.len - 1] == '\n' || out.buf[out.len - 1] == ' '))
			out.buf[--out.len] = '\0';
		strata_err_set(err, STRATA_EIO, "backup with pg_dump failed (%s %d)%s%s",
			       WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			       out.len ? ": " : "", out.len ? out.buf : "");
		scrub(c->conninfo, c->pg, err);
		strata_err_scrub(err, NULL, password);
		unlink(path);
		goto fail;
	}
	strata_buf_release(&ci);
	strata_buf_release(&out);
	if (password) {
		memset(password, 0, strlen(password));
		free(password);
	}
	return 0;
fail:
	strata_buf_release(&ci);
	strata_buf_release(&out);
	if (password) {
		memset(password, 0, strlen(password));
		free(password);
	}
	return err ? err->code : STRATA_EIO;
}

static void pg_interrupt(struct strata_conn *c)
{
	char buf[64];

	/* PQcancel is documented as safe to call from a signal handler */
	if (c->cancel)
		PQcancel(c->cancel, buf, sizeof(buf));
}

static char *pg_dbname(struct strata_conn *c)
{
	return strata_strdup(PQdb(c->pg));
}

/*
 * Scratch databases (check, test): CREATE DATABASE name TEMPLATE template0 on
 * the server c is on; the new database's conninfo is c's own parameters as
 * libpq resolved them (host, port, user, password, sslmode...) with dbname
 * replaced, so that it opens with the very credentials c used. The display
 * names no password.
 */
static void conninfo_value(struct strata_buf *b, const char *key, const char *val)
{
	strata_buf_addf(b, "%s%s='", b->len ? " " : "", key);
	for (const char *p = val; *p; p++) {
		if (*p == '\'' || *p == '\\')
			strata_buf_addc(b, '\\');
		strata_buf_addc(b, *p);
	}
	strata_buf_addc(b, '\'');
}

static int pg_scratch_create(struct strata_conn *c, const char *name, struct strata_target *t, struct strata_err *err)
{
	PQconninfoOption *opts, *o;
	struct strata_buf sql, ci, disp;
	const char *host = NULL, *port = NULL, *user = NULL;
	int rc;

	strata_buf_init(&sql);
	strata_buf_adds(&sql, "CREATE DATABASE ");
	strata_buf_add_ident(&sql, name);
	strata_buf_adds(&sql, " TEMPLATE template0");
	if (sql.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = simple(c, sql.buf, err);
	strata_buf_release(&sql);
	if (rc) {
		if (err && strcmp(err->sqlstate, "42501") == 0) {
			strata_err_set(err, STRATA_EDB,
				       "cannot create a scratch database on %s: the role may not create databases",
				       c->display);
			strcpy(err->sqlstate, "42501");
			strata_err_hint(err, "check and test build the schema the migrations make in a scratch database "
					     "of their own: let the role create databases (ALTER ROLE ... CREATEDB) or "
					     "make them on another server, where it may");
		}
		return rc;
	}
	opts = PQconninfo(c->pg);
	if (!opts)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	strata_buf_init(&ci);
	strata_buf_init(&disp);
	for (o = opts; o->keyword; o++) {
		if (!o->val || !*o->val || strcmp(o->keyword, "dbname") == 0)
			continue;
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "user") == 0)
			user = o->val;
		conninfo_value(&ci, o->keyword, o->val);
	}
	conninfo_value(&ci, "dbname", name);
	strata_buf_addf(&disp, "postgres://%s%s%s%s%s/%s", user ? user : "", user ? "@" : "",
			host && *host != '/' ? host : "localhost", port ? ":" : "", port ? port : "", name);
	PQconninfoFree(opts);
	t->engine = STRATA_ENGINE_POSTGRES;
	t->conninfo = strata_buf_detach(&ci, NULL);
	t->display = strata_buf_detach(&disp, NULL);
	if (!t->conninfo || !t->display)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	return 0;
}

static int pg_scratch_drop(struct strata_conn *c, const char *name, struct strata_err *err)
{
	struct strata_buf sql;
	int rc;

	strata_buf_init(&sql);
	strata_buf_adds(&sql, "DROP DATABASE IF EXISTS ");
	strata_buf_add_ident(&sql, name);
	strata_buf_adds(&sql, " WITH (FORCE)");
	if (sql.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = simple(c, sql.buf, err);
	strata_buf_release(&sql);
	return rc;
}

/* ---------------------------------------------------------------- targets */

extern const struct strata_driver strata_driver_postgres;

static const char *const pg_schemes[] = { "postgresql://", "postgres://", NULL };
static const char *const pg_forms[] = { "postgres://...", "a libpq \"key=value\" string", NULL };

/* A libpq key=value string: no scheme, a '='. */
static int pg_url_guess(const char *url)
{
	return !strata_url_is_url(url) && strchr(url, '=') != NULL;
}

/*
 * A password libpq would misread: an unencoded '@' or '/' ends libpq's
 * userinfo early (the rest becomes the host, and its error would show it),
 * and a '%' not followed by two hex digits is an error that quotes the
 * password. Refused here, before libpq sees it, naming the redacted URL.
 * Where the password ends: see strata_url_userinfo_password(). A '?' or '#' alone is read
 * correctly by libpq and is not refused.
 */
static int check_password(const char *url, struct strata_err *err)
{
	const char *pw, *at, *p, *end, *bad = NULL;
	char *shown;

	if (!strata_url_userinfo_password(strstr(url, "://") + 3, &pw, &at))
		return 0;
	end = at;
	for (p = pw; p < end; p++) {
		if (!bad && (*p == '@' || *p == '/'))
			bad = *p == '@' ? "'@' (write %40)" : "'/' (write %2F)";
		if (!bad && *p == '%' && (p + 2 >= end || strata_url_hexval(p[1]) < 0 || strata_url_hexval(p[2]) < 0))
			bad = "a '%' that starts no %XX code (write %25)";
	}
	if (!bad)
		return 0;
	shown = strata_redact(url);
	strata_err_set(err, STRATA_EUSAGE, "the password in database URL %s holds %s, which libpq would misread",
		       shown ? shown : "postgres://...", bad);
	free(shown);
	if (err)
		strata_err_hint(err,
			 "percent-encode the password in the URL, or leave it out and set PGPASSWORD");
	return STRATA_EUSAGE;
}

static int pg_url_parse(const char *url, struct strata_target *t, struct strata_err *err)
{
	struct strata_buf b;

	if (!strata_driver_scheme(&strata_driver_postgres, url)) {
		t->conninfo = strata_strdup(url);
		return 0;
	}
	if (check_password(url, err))
		return STRATA_EUSAGE;
	strata_buf_init(&b);
	strata_url_strip_x(url, &b, &t->table);
	t->conninfo = strata_buf_detach(&b, NULL);
	return 0;
}

static char *pg_url_redact(const char *url, int *hidden)
{
	return strata_url_redact(url, hidden, 1);
}

/*
 * The schema a bare table name belongs to: the one search_path finds it in
 * (a table found there stays where it is), else current_schema().
 */
static int pg_table_schema(struct strata_conn *c, const char *table, char **schema, struct strata_err *err)
{
	struct strata_rows *r;
	struct strata_buf b;
	const char *cur, *params[1];
	int rc;

	*schema = NULL;
	strata_buf_init(&b);
	strata_buf_add_ident(&b, table);
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	params[0] = b.buf;
	rc = pg_query(c,
		      "SELECT coalesce((SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = "
		      "c.relnamespace WHERE c.oid = to_regclass($1)), current_schema())",
		      1, params, &r, err);
	strata_buf_release(&b);
	if (rc)
		return rc;
	cur = r->nrows == 1 ? strata_rows_get(r, 0, 0) : NULL;
	if (cur && *cur) {
		*schema = strata_strdup(cur);
		if (!*schema)
			rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
	}
	strata_rows_free(r);
	return rc;
}

/* ------------------------------------------------------------------ dialect */

static void pg_placeholder(struct strata_buf *b, int n)
{
	strata_buf_addf(b, "$%d", n);
}

/* numeric holds every version exactly: parameters and literals go in as they are. */
static void pg_version_param(struct strata_buf *b, int n)
{
	strata_buf_addf(b, "$%d", n);
}

static void pg_version_literal(struct strata_buf *b, const struct strata_version *v)
{
	strata_buf_addf(b, "'%s'", v->d); /* digits only: nothing to escape */
}

static void pg_timestamp_text(struct strata_buf *b, const char *column)
{
	strata_buf_addf(b, "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')", column);
}

static void pg_tracking_ddl(struct strata_buf *b, const char *schema, const char *table, const char *qtable)
{
	(void)schema; /* the primary key's index orders numeric versions */
	(void)table;
	strata_buf_addf(b, "CREATE TABLE IF NOT EXISTS %s (\n", qtable);
	strata_buf_adds(b, "  version numeric PRIMARY KEY,\n"
			   "  name text NOT NULL,\n"
			   "  checksum text NOT NULL,\n"
			   "  down_script text,\n"
			   "  applied_at timestamptz NOT NULL DEFAULT now(),\n"
			   "  duration_ms numeric NOT NULL DEFAULT 0,\n"
			   "  applied_by text NOT NULL,\n"
			   "  state text NOT NULL DEFAULT 'applied',\n"
			   "  statements_done integer NOT NULL DEFAULT 0,\n"
			   "  progress_checksum text\n)");
}

static void pg_log_ddl(struct strata_buf *b, const char *qlog)
{
	strata_buf_addf(b, "CREATE TABLE IF NOT EXISTS %s (\n", qlog);
	strata_buf_adds(b, "  id bigserial PRIMARY KEY,\n"
			   "  at timestamptz NOT NULL DEFAULT now(),\n"
			   "  action text NOT NULL,\n"
			   "  version numeric,\n"
			   "  name text,\n"
			   "  applied_by text NOT NULL,\n"
			   "  duration_ms numeric NOT NULL DEFAULT 0,\n"
			   "  result text NOT NULL\n)");
}

static void pg_column_type(struct strata_buf *b, const char *schema, const char *table, const char *column)
{
	struct strata_buf q;

	strata_buf_init(&q);
	strata_buf_add_qualified(&q, schema, table);
	strata_buf_adds(b, "(SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = to_regclass(");
	strata_buf_add_literal(b, q.buf, q.len);
	strata_buf_adds(b, ") AND attname = ");
	strata_buf_add_literal(b, column, strlen(column));
	strata_buf_adds(b, ")");
	if (q.broken)
		b->broken = 1;
	strata_buf_release(&q);
}

/* bigint to numeric in place; 0.1 stored versions above 2^63 negative by bit pattern. */
static void pg_retype_version(struct strata_buf *b, const char *qname)
{
	strata_buf_addf(b,
			"ALTER TABLE %s ALTER COLUMN version TYPE numeric USING "
			"(CASE WHEN version < 0 THEN version::numeric + 18446744073709551616 ELSE version::numeric END);\n",
			qname);
}

/* bigint to numeric: every integer converts exactly, the rows stay as they were. */
static void pg_retype_duration(struct strata_buf *b, const char *qname)
{
	strata_buf_addf(b, "ALTER TABLE %s ALTER COLUMN duration_ms TYPE numeric;\n", qname);
}

static void pg_columns(struct strata_buf *b, const char *schema, const char *table)
{
	strata_buf_adds(b, "SELECT column_name FROM information_schema.columns WHERE table_schema = ");
	if (schema)
		strata_buf_add_literal(b, schema, strlen(schema));
	else
		strata_buf_adds(b, "current_schema()");
	strata_buf_adds(b, " AND table_name = ");
	strata_buf_add_literal(b, table, strlen(table));
	strata_buf_adds(b, " ORDER BY ordinal_position");
}

static void pg_statement_timeout(struct strata_buf *b, double ms, int local)
{
	strata_buf_addf(b, "SET %sstatement_timeout = %.0f", local ? "LOCAL " : "", ms);
}

/* ---- the lease lock (lease.c): times as timestamptz on the server's clock */

static void pg_lease_ddl(struct strata_buf *b, const char *qlease)
{
	strata_buf_addf(b,
			"CREATE TABLE IF NOT EXISTS %s (lock_key text PRIMARY KEY, owner text NOT NULL, "
			"acquired_at timestamptz NOT NULL, heartbeat_at timestamptz NOT NULL, "
			"expires_at timestamptz NOT NULL)",
			qlease);
}

static void pg_lease_take(struct strata_buf *b, const char *qlease)
{
	strata_buf_addf(b,
			"INSERT INTO %s AS l (lock_key, owner, acquired_at, heartbeat_at, expires_at) "
			"VALUES ($1, $2, clock_timestamp(), clock_timestamp(), "
			"clock_timestamp() + $3::float8 * interval '1 second') "
			"ON CONFLICT (lock_key) DO UPDATE SET owner = excluded.owner, "
			"acquired_at = CASE WHEN l.owner = excluded.owner THEN l.acquired_at ELSE excluded.acquired_at END, "
			"heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at "
			"WHERE l.expires_at < clock_timestamp() OR l.owner = excluded.owner",
			qlease);
}

static void pg_lease_beat(struct strata_buf *b, const char *qlease)
{
	strata_buf_addf(b,
			"UPDATE %s SET heartbeat_at = clock_timestamp(), "
			"expires_at = clock_timestamp() + $3::float8 * interval '1 second' "
			"WHERE lock_key = $1 AND owner = $2",
			qlease);
}

static void pg_lease_read(struct strata_buf *b, const char *qlease)
{
	strata_buf_addf(b,
			"SELECT owner, to_char(acquired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
			"to_char(heartbeat_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
			"to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
			"round(extract(epoch FROM clock_timestamp() - heartbeat_at)::numeric, 1) "
			"FROM %s WHERE lock_key = $1",
			qlease);
}

static void pg_lease_release(struct strata_buf *b, const char *qlease)
{
	strata_buf_addf(b, "DELETE FROM %s WHERE lock_key = $1 AND owner = $2", qlease);
}

static const struct strata_dialect_ops pg_sql = {
	.quote_ident = strata_buf_add_ident,
	.quote_literal = strata_buf_add_literal,
	.placeholder = pg_placeholder,
	.version_param = pg_version_param,
	.version_literal = pg_version_literal,
	.version_desc = "version DESC",
	.read_order = " ORDER BY version",
	.timestamp_format = "%Y-%m-%d %H:%M:%S+00",
	.timestamp_text = pg_timestamp_text,
	/* statement_timestamp() is when the message carrying BEGIN, the script and the bookkeeping arrived */
	.elapsed_ms = "round((extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::numeric, 3)",
	.tracking_ddl = pg_tracking_ddl,
	.log_ddl = pg_log_ddl,
	.upsert = strata_dialect_on_conflict,
	.legacy_version_types = { "bigint", NULL },
	.column_type = pg_column_type,
	.retype_version = pg_retype_version,
	.columns = pg_columns,
	.legacy_duration_types = { "bigint", NULL },
	.retype_duration = pg_retype_duration,
	.begin = "BEGIN",
	.statement_timeout = pg_statement_timeout,
	.statement_timeout_reset = "RESET statement_timeout",
	.client_command = "psql -X -v ON_ERROR_STOP=1 -f FILE",
	.backup_suffix = ".dump",
	.schemas_query = "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
			 "AND nspname <> 'information_schema' ORDER BY length(nspname), nspname",
	.lease_ddl = pg_lease_ddl,
	.lease_take = pg_lease_take,
	.lease_beat = pg_lease_beat,
	.lease_read = pg_lease_read,
	.lease_release = pg_lease_release,
	/* PostgreSQL 14+: a backend whose client is gone (kill -9) stops its statement within a second */
	.lease_session = "SELECT set_config('client_connection_check_interval', '1000', false) "
			 "WHERE current_setting('server_version_num')::int >= 140000",
};

const struct strata_driver strata_driver_postgres = {
	.abi = STRATA_DRIVER_ABI,
	.name = "postgres",
	.url_schemes = pg_schemes,
	.url_forms = pg_forms,
	.url_guess = pg_url_guess,
	.url_parse = pg_url_parse,
	.url_redact = pg_url_redact,
	.engine = STRATA_ENGINE_POSTGRES,
	.dialect = STRATA_DIALECT_POSTGRES,
	.caps = STRATA_CAP_TRANSACTIONAL_DDL | STRATA_CAP_ADVISORY_LOCK | STRATA_CAP_BATCH |
		STRATA_CAP_SESSION_TIMEOUTS,
	.connect = pg_connect,
	.close = pg_close,
	.exec = pg_exec,
	.query = pg_query,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.lock = pg_lock,
	.unlock = pg_unlock,
	.drop = pg_drop,
	.backup = pg_backup,
	.dbname = pg_dbname,
	.interrupt = pg_interrupt,
	.set_schema = pg_set_schema,
	.table_exists = pg_table_exists,
	.scratch_create = pg_scratch_create,
	.scratch_drop = pg_scratch_drop,
	/* dialect */
	.display_name = "PostgreSQL",
	.sql = &pg_sql,
	.table_schema = pg_table_schema,
	.exec_value = pg_exec_value,
	/* schema */
	.schema_read = strata_pg_schema_read,
	.schema_plan = strata_pg_schema_plan,
	.lock_check = pg_lock_check,
};
