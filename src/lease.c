/*
 * lease.c - the lease lock, usable on any engine whose dialect ops write
 * the lease statements (driver.h lease_*): one row per lock key in the
 * table next to the tracking table (strata_migrations_lock), holding the
 * owner (host:pid:random), acquired_at, heartbeat_at and expires_at, all
 * on the database's clock so that runners on hosts whose clocks disagree
 * still agree on expiry.
 *
 * Taking it is one atomic conditional upsert (insert the row; on the same
 * key, replace it only when it has expired or is ours), then a read of the
 * row says whose it is. A thread then beats every lease/3 seconds on a
 * connection of its own, so that a migration statement running longer than
 * the lease never loses it; a holder killed with kill -9 stops beating and
 * its row expires, after which the next runner takes it over. A live holder
 * whose statement takes long is never taken over: its heartbeats go on.
 * Releasing deletes the row.
 *
 * What the lease cannot do that PostgreSQL's session lock does: a runner
 * killed while the server still executes its last statement (or a batch
 * ending in COMMIT) keeps running there after its lease expires; the next
 * holder re-reads the tracking table under the lease, and a migration both
 * would apply fails on the objects the first one made (or waits for its
 * locks), it is not applied twice. The dialect's lease_session narrows that
 * window (PostgreSQL 14+: client_connection_check_interval, so that the
 * server stops a gone client's statement within a second). On SQLite the database's write lock
 * orders the transactions anyway (each step re-reads the tracking table
 * under it); a heartbeat waits for a writer's transaction like anyone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"
#include "driver.h"
#include "db.h"
#include "reason.h"
#include "lease.h"

struct strata_lease {
	const struct strata_driver *drv;
	const struct strata_target *target;
	struct strata_opts opts;     /* for the lease connection: no events, no cancel token, no timeouts */
	struct strata_conn *conn;    /* the lease's own connection (the heartbeat thread's once taken) */
	char *take, *beat, *read, *release; /* the dialect's statements */
	char *key;
	char owner[160];
	char secs[32];               /* the lease in seconds, as the statements' $3 */
	double lease;                /* seconds */
	pthread_t thread;
	int thread_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;                    /* under mu: release asked the thread to end */
	int lost;                    /* under mu: a heartbeat found the row another runner's */
};

static pthread_once_t owner_once = PTHREAD_ONCE_INIT;
static unsigned long long owner_random;

static void owner_init(void)
{
	if (getrandom(&owner_random, sizeof(owner_random), 0) != (ssize_t)sizeof(owner_random))
		owner_random = (unsigned long long)strata_now_ms() * 2654435761ULL ^ (unsigned long long)getpid();
}

void strata_lease_owner(char *buf, size_t n)
{
	unsigned long long rnd;
	char host[128];

	pthread_once(&owner_once, owner_init);
	rnd = owner_random;
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "?");
	host[sizeof(host) - 1] = '\0';
	snprintf(buf, n, "%s:%ld:%08llx", host, (long)getpid(), rnd & 0xffffffffULL);
}

static void sleep_ms(double ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000.0);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000.0) * 1e6);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int run(struct strata_lease *l, const char *sql, int nparams, struct strata_rows **rows, struct strata_err *err)
{
	const char *params[3] = { l->key, l->owner, l->secs };

	return l->drv->query(l->conn, sql, nparams, params, rows, err);
}

static void lease_free(struct strata_lease *l)
{
	if (!l)
		return;
	if (l->conn)
		l->drv->close(l->conn);
	free(l->take);
	free(l->beat);
	free(l->read);
	free(l->release);
	free(l->key);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	free(l);
}

static int lease_connect(struct strata_lease *l, struct strata_err *err)
{
	if (l->conn)
		l->drv->close(l->conn);
	l->conn = NULL;
	return l->drv->connect(l->target, &l->opts, &l->conn, err);
}

/* Create the lease table once; concurrent runners may race to it (PostgreSQL then says the type exists). */
static int ensure_table(struct strata_lease *l, struct strata_db *db, const char *table, const char *qlease,
			struct strata_err *err)
{
	struct strata_buf b;
	char *ddl;
	int rc, tries;

	for (tries = 0; tries < 5; tries++) {
		rc = l->drv->table_exists(l->conn, db->schema, table, err);
		if (rc < 0)
			return rc;
		if (rc == 1)
			return 0;
		strata_buf_init(&b);
		db->drv->sql->lease_ddl(&b, qlease);
		ddl = strata_buf_detach(&b, NULL);
		if (!ddl)
			return strata_err_set(err, STRATA_ENOMEM, "out of memory");
		rc = l->drv->exec(l->conn, ddl, strlen(ddl), NULL, err);
		free(ddl);
		if (!rc)
			return 0;
		if (tries < 4)
			strata_err_release(err);
		sleep_ms(50.0 * (tries + 1));
	}
	return rc;
}

/* The statements of the dialect, for qlease. */
static int build(struct strata_lease *l, const struct strata_dialect_ops *d, const char *qlease)
{
	struct strata_buf b;

	strata_buf_init(&b);
	d->lease_take(&b, qlease);
	l->take = strata_buf_detach(&b, NULL);
	d->lease_beat(&b, qlease);
	l->beat = strata_buf_detach(&b, NULL);
	d->lease_read(&b, qlease);
	l->read = strata_buf_detach(&b, NULL);
	d->lease_release(&b, qlease);
	l->release = strata_buf_detach(&b, NULL);
	return l->take && l->beat && l->read && l->release ? 0 : -1;
}

static void *heartbeat(void *arg)
{
	struct strata_lease *l = arg;
	double every = l->lease * 1000.0 / 3.0;

	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		struct timespec until;
		double ms = every;
		struct strata_rows *rows = NULL;
		struct strata_err err = { 0 };
		int rc;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)(ms / 1000.0);
		until.tv_nsec += (long)((ms - (double)(time_t)(ms / 1000.0) * 1000.0) * 1e6);
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!l->stop && pthread_cond_timedwait(&l->cv, &l->mu, &until) != ETIMEDOUT)
			;
		if (l->stop)
			break;
		pthread_mutex_unlock(&l->mu);
		/* a connection that broke is opened again; a failed beat is tried at the next tick */
		rc = l->conn ? run(l, l->beat, 3, NULL, &err) : STRATA_ECONNECT;
		if (rc && rc != STRATA_ELOCK) {
			strata_err_release(&err);
			if (lease_connect(l, &err) == 0)
				rc = run(l, l->beat, 3, NULL, &err);
		}
		if (!rc) /* still ours? (the beat touched no row if not) */
			rc = run(l, l->read, 1, &rows, &err);
		pthread_mutex_lock(&l->mu);
		if (!rc && rows && (rows->nrows == 0 || !strata_rows_get(rows, 0, 0) ||
				    strcmp(strata_rows_get(rows, 0, 0), l->owner) != 0))
			l->lost = 1; /* another runner has it: ours had expired */
		strata_rows_free(rows);
		strata_err_release(&err);
		if (l->lost)
			break;
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

/* "held by OWNER since T UTC, last heartbeat T UTC (N s ago)" from the lease row, or NULL. */
static char *holder_text(const struct strata_rows *r)
{
	struct strata_buf b;
	const char *age;

	if (!r || r->nrows < 1 || r->ncols < 5)
		return NULL;
	age = strata_rows_get(r, 0, 4);
	strata_buf_init(&b);
	strata_buf_addf(&b, "lease held by %s since %s UTC, last heartbeat %s UTC (%s s ago), expires %s UTC",
			strata_rows_get(r, 0, 0) ? strata_rows_get(r, 0, 0) : "?",
			strata_rows_get(r, 0, 1) ? strata_rows_get(r, 0, 1) : "?",
			strata_rows_get(r, 0, 2) ? strata_rows_get(r, 0, 2) : "?", age ? age : "?",
			strata_rows_get(r, 0, 3) ? strata_rows_get(r, 0, 3) : "?");
	return strata_buf_detach(&b, NULL);
}

int strata_lease_take(struct strata_db *db, double lease, double wait, strata_lock_wait_fn fn, void *ud, struct strata_lease **out,
		      struct strata_err *err)
{
	const struct strata_dialect_ops *d = db->drv->sql;
	struct strata_lease *l;
	struct strata_buf b;
	char *table = NULL, *qlease = NULL;
	double start = strata_now_ms(), last = 0, pause = 100.0;
	int rc;

	*out = NULL;
	if (!d->lease_ddl || !d->lease_take || !d->lease_beat || !d->lease_read || !d->lease_release)
		return strata_err_set(err, STRATA_EUSAGE, "%s has no lease lock", db->drv->display_name);
	l = calloc(1, sizeof(*l));
	if (!l)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	l->drv = db->drv;
	l->target = db->target;
	l->lease = lease > 0 ? lease : STRATA_LEASE_DEFAULT;
	snprintf(l->secs, sizeof(l->secs), "%.3f", l->lease);
	strata_lease_owner(l->owner, sizeof(l->owner));
	l->opts = db->opts;
	l->opts.on_event = NULL; /* events go to the caller's thread only */
	l->opts.ud = NULL;
	l->opts.cancel = NULL;
	l->opts.statement_timeout = 0;
	l->opts.lock_timeout = 0;
	l->opts.backup_dir = NULL;
	l->opts.application_name = "strata (lease)";
	/* a beat that waits for SQLite's write lock gives up in time for the next one */
	l->opts.lock_wait = l->lease / 3.0 < 5.0 ? l->lease / 3.0 : 5.0;
	l->key = strata_strdup(db->lockkey);
	strata_buf_init(&b);
	strata_buf_addf(&b, "%s_lock", db->table);
	table = strata_buf_detach(&b, NULL);
	if (table) {
		strata_db_quote_table(db, &b, db->schema, table);
		qlease = strata_buf_detach(&b, NULL);
	}
	if (!l->key || !table || !qlease || build(l, d, qlease)) {
		rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
		goto fail;
	}
	rc = lease_connect(l, err);
	if (!rc)
		rc = ensure_table(l, db, table, qlease, err);
	if (rc)
		goto fail;
	for (;;) {
		struct strata_rows *rows = NULL;
		double now;
		int mine;

		rc = run(l, l->take, 3, NULL, err);
		if (!rc)
			rc = run(l, l->read, 1, &rows, err);
		if (rc == STRATA_ELOCK) { /* SQLite: a writer's transaction is in the way; wait as for a holder */
			strata_err_release(err);
			rc = 0;
		} else if (rc) {
			goto fail;
		}
		mine = rows && rows->nrows == 1 && strata_rows_get(rows, 0, 0) &&
		       strcmp(strata_rows_get(rows, 0, 0), l->owner) == 0;
		if (mine) {
			strata_rows_free(rows);
			break;
		}
		now = strata_now_ms();
		if (fn && (last == 0 || now - last >= 10000.0)) {
			char *who = holder_text(rows);

			fn(ud, who ? who : "a lease held by another runner", now - start);
			free(who);
			last = now;
		}
		if (wait >= 0 && now - start >= wait * 1000.0) {
			char *who = holder_text(rows);

			strata_rows_free(rows);
			rc = strata_err_set(err, STRATA_ELOCK,
					    "another runner holds the migration lock on %s (%s); gave up after %.0f s",
					    db->target->display, who ? who : "holder unknown", wait);
			if (err) {
				err->reason = STRATA_R_LOCK_TIMEOUT;
				strata_err_hint(err, "wait longer for the lock, or stop the other runner");
			}
			free(who);
			goto fail;
		}
		strata_rows_free(rows);
		if (wait >= 0 && pause > wait * 1000.0 - (now - start))
			pause = wait * 1000.0 - (now - start) + 1;
		sleep_ms(pause);
		if (pause < 1000.0 && pause < l->lease * 1000.0 / 4.0)
			pause *= 1.5;
	}
	if (pthread_create(&l->thread, NULL, heartbeat, l) != 0) {
		run(l, l->release, 2, NULL, NULL);
		rc = strata_err_set(err, STRATA_ENOMEM, "cannot start the lease's heartbeat thread");
		goto fail;
	}
	l->thread_started = 1;
	if (d->lease_session) {
		struct strata_err ignored = { 0 };

		db->drv->exec(db->conn, d->lease_session, strlen(d->lease_session), NULL, &ignored);
		strata_err_release(&ignored);
	}
	free(table);
	free(qlease);
	*out = l;
	return 0;
fail:
	free(table);
	free(qlease);
	lease_free(l);
	return rc;
}

int strata_lease_held(struct strata_lease *l)
{
	int held;

	if (!l)
		return 0;
	pthread_mutex_lock(&l->mu);
	held = !l->lost;
	pthread_mutex_unlock(&l->mu);
	return held;
}

void strata_lease_release(struct strata_lease *l)
{
	struct strata_err err = { 0 };

	if (!l)
		return;
	if (l->thread_started) {
		pthread_mutex_lock(&l->mu);
		l->stop = 1;
		pthread_cond_signal(&l->cv);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->thread, NULL);
	}
	if (!l->lost && (!l->conn || run(l, l->release, 2, NULL, &err) != 0)) {
		/* once more on a fresh connection: a row left behind blocks others until it expires */
		strata_err_release(&err);
		if (lease_connect(l, &err) == 0)
			run(l, l->release, 2, NULL, &err);
	}
	strata_err_release(&err);
	lease_free(l);
}
