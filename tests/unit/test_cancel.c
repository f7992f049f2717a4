/*
 * test_cancel.c - cancel tokens (src/cancel.c) on a real SQLite file: a
 * token tripped from another thread in the middle of a run of many
 * migrations stops it at the next migration boundary with STRATA_EINTR, the
 * ones before applied and the rest pending; a trip while a long statement
 * runs cancels the statement (the driver's interrupt) and rolls its
 * migration back; a fleet given a token stops starting targets; and
 * strata_interrupt and strata_interrupt_all still stop runs.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "tmpdb.h"

#define MANY 60
#define STOP_AFTER 7

/* The run's callback and the tripping thread meet here. */
struct meet {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stage;                 /* 1: the callback says "now"; 2: the thread has tripped */
	size_t done;               /* MIG_DONE events seen */
	size_t wait_for;           /* MIG_DONE count at which to ask for the trip (0: at MIG_START of `start_of`) */
	const char *start_of;      /* vtext whose MIG_START asks for the trip without waiting for it */
	struct strata_cancel *token;
	struct strata_db *db;      /* when set, the thread calls strata_interrupt(db) instead */
	double sleep_ms;           /* the thread waits this long before tripping */
};

static void on_event(void *ud, const struct strata_event *ev)
{
	struct meet *m = ud;

	if (ev->kind == STRATA_EV_MIG_DONE && m->wait_for && ++m->done == m->wait_for) {
		/* trip from the other thread now, and come back only once it has */
		pthread_mutex_lock(&m->mu);
		m->stage = 1;
		pthread_cond_broadcast(&m->cv);
		while (m->stage < 2)
			pthread_cond_wait(&m->cv, &m->mu);
		pthread_mutex_unlock(&m->mu);
	}
	if (ev->kind == STRATA_EV_MIG_START && m->start_of && strcmp(ev->mig.vtext, m->start_of) == 0) {
		pthread_mutex_lock(&m->mu);
		m->stage = 1;
		pthread_cond_broadcast(&m->cv);
		pthread_mutex_unlock(&m->mu);
	}
}

static void *tripper(void *arg)
{
	struct meet *m = arg;

	pthread_mutex_lock(&m->mu);
	while (m->stage < 1)
		pthread_cond_wait(&m->cv, &m->mu);
	pthread_mutex_unlock(&m->mu);
	if (m->sleep_ms > 0) {
		struct timespec ts = { 0, (long)(m->sleep_ms * 1e6) };

		nanosleep(&ts, NULL);
	}
	if (m->db)
		strata_interrupt(m->db);
	else
		strata_cancel_trip(m->token);
	pthread_mutex_lock(&m->mu);
	m->stage = 2;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

static void meet_init(struct meet *m)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
}

static void meet_release(struct meet *m)
{
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->cv);
}

static void many_migrations(struct tmpdb *t)
{
	int i;

	for (i = 1; i <= MANY; i++) {
		char name[64], sql[256];

		snprintf(name, sizeof(name), "%03d_t%d.up.sql", i, i);
		snprintf(sql, sizeof(sql), "CREATE TABLE t%d (x int);\nINSERT INTO t%d VALUES (%d);\n", i, i, i);
		tmpdb_file(t, name, sql);
	}
}

static void test_token_basics(void **state)
{
	struct strata_cancel *c;

	(void)state;
	assert_int_equal(strata_cancel_new(&c), 0);
	assert_non_null(c);
	assert_false(strata_cancel_tripped(c));
	strata_cancel_trip(c);
	strata_cancel_trip(c);
	assert_true(strata_cancel_tripped(c));
	strata_cancel_trip(NULL);
	assert_false(strata_cancel_tripped(NULL));
	strata_cancel_free(c);
	strata_cancel_free(NULL);
}

static void test_trip_between_migrations(void **state)
{
	struct tmpdb t;
	struct meet m;
	pthread_t th;
	struct strata_run_result res;
	size_t applied, pending;

	(void)state;
	tmpdb_init(&t);
	many_migrations(&t);
	tmpdb_load(&t);
	meet_init(&m);
	assert_int_equal(strata_cancel_new(&m.token), 0);
	m.wait_for = STOP_AFTER;
	t.opts.cancel = m.token;
	t.opts.on_event = on_event;
	t.opts.ud = &m;
	tmpdb_open(&t);
	assert_int_equal(pthread_create(&th, NULL, tripper, &m), 0);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, &res), STRATA_EINTR);
	pthread_join(th, NULL);
	assert_int_equal(t.err.reason, STRATA_R_INTERRUPTED);
	assert_string_equal(t.err.message, "interrupted before 008 t8; the database is at 007");
	assert_int_equal(res.applied, STOP_AFTER);
	assert_string_equal(res.current, "007");
	tmpdb_counts(&t, &applied, &pending);
	assert_int_equal(applied, STOP_AFTER);
	assert_int_equal(pending, MANY - STOP_AFTER);
	/* a tripped token stays tripped: the next run with it stops before its first migration */
	m.wait_for = 0;
	assert_int_equal(tmpdb_run(&t, STRATA_UP, &res), STRATA_EINTR);
	assert_int_equal(res.applied, 0);
	/* a new token, and the run goes on where it stopped */
	strata_db_close(t.db);
	t.db = NULL;
	strata_cancel_free(m.token);
	assert_int_equal(strata_cancel_new(&m.token), 0);
	t.opts.cancel = m.token;
	tmpdb_open(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, &res), 0);
	assert_int_equal(res.applied, MANY - STOP_AFTER);
	tmpdb_free(&t);
	strata_cancel_free(m.token);
	meet_release(&m);
}

/* A statement that runs for seconds unless cancelled. */
#define SLOW "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000)\n" \
	     "SELECT count(*) FROM c;\n"

static void slow_run(struct meet *m, int by_db)
{
	struct tmpdb t;
	pthread_t th;
	struct strata_run_result res;
	size_t applied, pending;
	struct timespec t0, t1;
	double secs;

	tmpdb_init(&t);
	tmpdb_file(&t, "001_a.up.sql", "CREATE TABLE a (x int);\n");
	tmpdb_file(&t, "002_slow.up.sql", "CREATE TABLE b (x int);\n" SLOW);
	tmpdb_file(&t, "003_c.up.sql", "CREATE TABLE c (x int);\n");
	tmpdb_load(&t);
	m->start_of = "002";
	m->sleep_ms = 200;
	t.opts.cancel = m->token;
	t.opts.on_event = on_event;
	t.opts.ud = m;
	tmpdb_open(&t);
	if (by_db)
		m->db = t.db;
	assert_int_equal(pthread_create(&th, NULL, tripper, m), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, &res), STRATA_EINTR);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_join(th, NULL);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* the statement was cancelled, not waited for */
	assert_true(secs < 5.0);
	assert_int_equal(t.err.reason, STRATA_R_INTERRUPTED);
	assert_string_equal(t.err.message, "interrupted by a signal");
	assert_int_equal(res.applied, 1);
	tmpdb_counts(&t, &applied, &pending);
	assert_int_equal(applied, 1);
	assert_int_equal(pending, 2);
	tmpdb_free(&t);
}

static void test_trip_cancels_statement(void **state)
{
	struct meet m;

	(void)state;
	meet_init(&m);
	assert_int_equal(strata_cancel_new(&m.token), 0);
	slow_run(&m, 0);
	strata_cancel_free(m.token);
	meet_release(&m);
}

/* strata_interrupt(db) is a token of the database's own: the same, without the caller's token. */
static void test_interrupt_db(void **state)
{
	struct meet m;

	(void)state;
	meet_init(&m);
	slow_run(&m, 1);
	meet_release(&m);
}

/* A program built against the strata.h before opts.cancel (version 1) is refused, not read past its struct's end. */
static void test_old_opts_refused(void **state)
{
	struct tmpdb t;
	char url[400];

	(void)state;
	tmpdb_init(&t);
	snprintf(url, sizeof(url), "sqlite:%s/app.db", t.dir);
	assert_int_equal(strata_target_parse(url, &t.target, &t.err), 0);
	t.opts.version = 1;
	assert_int_equal(strata_db_open(t.target, &t.opts, &t.db, &t.err), STRATA_EUSAGE);
	assert_null(t.db);
	assert_string_equal(t.err.message, "strata_opts version 1 is not supported (this libstrata has version 2): "
					   "rebuild the program against this strata.h, starting from strata_opts_init()");
	tmpdb_free(&t);
}

/* A fleet given a token stops starting targets once it trips (here when the first one is done). */
struct fleet_ud {
	const struct strata_source *src;
	struct strata_cancel *c;
};

static int fleet_work(struct strata_db *db, struct strata_fleet_item *item, void *ud)
{
	struct fleet_ud *f = ud;
	struct strata_request req = { .action = STRATA_UP };
	struct strata_run_result res;
	int rc = strata_run(db, f->src, &req, &res, &item->err);

	item->applied = res.applied;
	return rc;
}

static void fleet_done(const struct strata_fleet_item *item, void *ud)
{
	(void)item;
	strata_cancel_trip(((struct fleet_ud *)ud)->c);
}

static void test_fleet_stops(void **state)
{
	struct tmpdb t;
	struct strata_cancel *c;
	struct strata_targets *ts;
	struct strata_fleet_opts fo;
	struct strata_fleet_summary sum;
	struct fleet_ud f;
	char pattern[400];
	int i;

	(void)state;
	tmpdb_init(&t);
	tmpdb_file(&t, "001_a.up.sql", "CREATE TABLE a (x int);\n");
	tmpdb_load(&t);
	for (i = 0; i < 4; i++) {
		char path[400];
		FILE *f;

		snprintf(path, sizeof(path), "%s/db_%d.db", t.dir, i);
		f = fopen(path, "w");
		assert_non_null(f);
		fclose(f);
	}
	snprintf(pattern, sizeof(pattern), "sqlite:%s/db_*.db", t.dir);
	assert_int_equal(strata_cancel_new(&c), 0);
	t.opts.cancel = c;
	memset(&fo, 0, sizeof(fo));
	fo.jobs = 1;
	fo.db_opts = &t.opts;
	assert_int_equal(strata_targets_open(pattern, NULL, NULL, &ts, &t.err), 0);
	f.src = t.src;
	f.c = c;
	assert_int_equal(strata_fleet_run(ts, &fo, fleet_work, fleet_done, &f, &sum, &t.err), 0);
	strata_targets_close(ts);
	assert_int_equal(sum.done, 1);
	assert_int_equal(sum.changed, 1);
	assert_int_equal(sum.failed, 0);
	assert_int_equal(sum.not_started, 3);
	assert_int_equal(sum.total, 4);
	strata_cancel_free(c);
	tmpdb_free(&t);
}

/* Last: it stops every run in the process from now on. */
static void test_interrupt_all(void **state)
{
	struct tmpdb t;
	struct strata_run_result res;

	(void)state;
	tmpdb_init(&t);
	many_migrations(&t);
	tmpdb_load(&t);
	tmpdb_open(&t);
	strata_interrupt_all();
	assert_int_equal(tmpdb_run(&t, STRATA_UP, &res), STRATA_EINTR);
	assert_int_equal(res.applied, 0);
	assert_int_equal(t.err.reason, STRATA_R_INTERRUPTED);
	tmpdb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_basics),
		cmocka_unit_test(test_trip_between_migrations),
		cmocka_unit_test(test_trip_cancels_statement),
		cmocka_unit_test(test_interrupt_db),
		cmocka_unit_test(test_old_opts_refused),
		cmocka_unit_test(test_fleet_stops),
		cmocka_unit_test(test_interrupt_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
