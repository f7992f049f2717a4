/*
 * cancel.h - what the run and the fleet ask of cancel tokens (the public
 * half is in strata.h): attaching an open database, so that a trip cancels
 * its running statement, and the question "should this run stop?".
 */
#ifndef STRATA_CANCEL_H
#define STRATA_CANCEL_H

#include "strata.h"
#include "db.h"

/*
 * Register db with c (NULL c: nothing) so that strata_cancel_trip() calls its
 * driver's interrupt(); until strata_cancel_detach. 0, or STRATA_ENOMEM (db
 * then still sees the trip at its migration boundaries).
 */
int strata_cancel_attach(struct strata_cancel *c, struct strata_db *db);
/* Unregister db; on return no trip touches it any more (waits for one in progress). */
void strata_cancel_detach(struct strata_cancel *c, struct strata_db *db);
/* Tripped by strata_interrupt_all(): every run and fleet in the process stops. */
int strata_cancel_everyone(void);
/* Should the run on db stop: its own token (strata_interrupt), its opts' token, or everyone's? */
int strata_db_cancelled(const struct strata_db *db);

#endif
