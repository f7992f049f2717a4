/*
 * cancel.c - cancel tokens: how a run is stopped from another thread or a
 * signal handler.
 *
 * A trip must be async-signal-safe, so it only stores to atomics and calls
 * the drivers' interrupt() (itself async-signal-safe by contract: SQLite's
 * sqlite3_interrupt, libpq's PQcancel on a prepared PGcancel). The databases
 * a token cancels are slots of fixed chunks that a trip walks without a
 * lock; attach and detach take a mutex between themselves, and detach waits
 * until no trip is walking, so that closing a database never races a trip
 * that read its slot. Chunks are only freed with the token.
 *
 * Every database gets a token of its own at open (what strata_interrupt
 * trips), and strata_interrupt_all trips one static token that nothing is
 * attached to: runs see it at their next migration boundary, fleets before
 * their next target, as before tokens existed.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "driver.h"
#include "db.h"
#include "cancel.h"

#define SLOTS 16

struct chunk {
	_Atomic(struct strata_db *) db[SLOTS];
	_Atomic(struct chunk *) next;
};

struct strata_cancel {
	atomic_int tripped;
	atomic_int walking;      /* trips going through the slots right now */
	pthread_mutex_t mu;      /* attach and detach */
	struct chunk first;
};

static struct strata_cancel everyone = { .mu = PTHREAD_MUTEX_INITIALIZER };

int strata_cancel_new(struct strata_cancel **out)
{
	struct strata_cancel *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return STRATA_ENOMEM;
	pthread_mutex_init(&c->mu, NULL);
	*out = c;
	return 0;
}

void strata_cancel_free(struct strata_cancel *c)
{
	struct chunk *k, *next;

	if (!c)
		return;
	for (k = atomic_load(&c->first.next); k; k = next) {
		next = atomic_load(&k->next);
		free(k);
	}
	pthread_mutex_destroy(&c->mu);
	free(c);
}

int strata_cancel_tripped(const struct strata_cancel *c)
{
	return c && atomic_load(&((struct strata_cancel *)c)->tripped);
}

void strata_cancel_trip(struct strata_cancel *c)
{
	struct chunk *k;
	int i;

	if (!c)
		return;
	atomic_store(&c->tripped, 1);
	atomic_fetch_add(&c->walking, 1);
	for (k = &c->first; k; k = atomic_load(&k->next))
		for (i = 0; i < SLOTS; i++) {
			struct strata_db *db = atomic_load(&k->db[i]);

			if (db && db->conn && db->drv->interrupt)
				db->drv->interrupt(db->conn);
		}
	atomic_fetch_sub(&c->walking, 1);
}

int strata_cancel_attach(struct strata_cancel *c, struct strata_db *db)
{
	struct chunk *k, *last = NULL;
	int i, rc = STRATA_ENOMEM;

	if (!c)
		return 0;
	pthread_mutex_lock(&c->mu);
	for (k = &c->first; k && rc; k = atomic_load(&k->next)) {
		last = k;
		for (i = 0; i < SLOTS && rc; i++)
			if (!atomic_load(&k->db[i])) {
				atomic_store(&k->db[i], db);
				rc = 0;
			}
	}
	if (rc && (k = calloc(1, sizeof(*k))) != NULL) {
		atomic_store(&k->db[0], db);
		atomic_store(&last->next, k); /* published whole: a trip sees it with its slot set */
		rc = 0;
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

void strata_cancel_detach(struct strata_cancel *c, struct strata_db *db)
{
	struct chunk *k;
	int i;

	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	for (k = &c->first; k; k = atomic_load(&k->next))
		for (i = 0; i < SLOTS; i++)
			if (atomic_load(&k->db[i]) == db)
				atomic_store(&k->db[i], NULL);
	pthread_mutex_unlock(&c->mu);
	/* a trip that read the slot before it was cleared may still be calling interrupt() */
	while (atomic_load(&c->walking))
		sched_yield();
}

void strata_interrupt(struct strata_db *db)
{
	if (db)
		strata_cancel_trip(db->own_cancel);
}

void strata_interrupt_all(void)
{
	strata_cancel_trip(&everyone);
}

int strata_cancel_everyone(void)
{
	return strata_cancel_tripped(&everyone);
}

int strata_db_cancelled(const struct strata_db *db)
{
	return strata_cancel_tripped(db->own_cancel) || strata_cancel_tripped(db->opts.cancel) ||
	       strata_cancel_tripped(&everyone);
}
