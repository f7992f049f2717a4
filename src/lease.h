/*
 * lease.h - the lease lock (lease.c): runners exclude each other through a
 * row of strata's own table instead of the engine's session lock, so that
 * it works on any engine (and behind poolers that move sessions around).
 */
#ifndef STRATA_LEASE_H
#define STRATA_LEASE_H

#include "driver.h"

struct strata_db;
struct strata_lease;

#define STRATA_LEASE_DEFAULT 30.0 /* seconds, when `lease` is 0 */

/*
 * Take a lease of `lease` seconds (0: the default) of db's lock key, waiting up to `wait` seconds (<0:
 * forever) and calling fn every 10 s with the holder (owner, since when,
 * last heartbeat) while another runner holds a live one; a lease whose
 * holder stopped beating (expired by the database's clock) is taken over.
 * On success a thread keeps it alive on a connection of its own, every
 * lease/3 seconds, however long a statement of the run takes.
 * STRATA_ELOCK (reason STRATA_R_LOCK_TIMEOUT) when the wait ran out.
 */
int strata_lease_take(struct strata_db *db, double lease, double wait, strata_lock_wait_fn fn, void *ud, struct strata_lease **out,
		      struct strata_err *err);
/* Still ours? 0 once a heartbeat found the row taken by another runner (ours had expired). */
int strata_lease_held(struct strata_lease *l);
/* Stop the heartbeat, delete the row, close its connection, free. NULL is fine. */
void strata_lease_release(struct strata_lease *l);
/* This process's owner id: "host:pid:random" (random per process), into buf. */
void strata_lease_owner(char *buf, size_t n);

#endif
