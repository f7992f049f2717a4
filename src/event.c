/*
 * event.c - helpers for the progress events of strata.h, whose fields are
 * grouped per kind: the migration an event is about, whichever kind holds it.
 */
#include <stddef.h>
#include "strata.h"


const struct strata_ev_mig *strata_event_mig(const struct strata_event *ev)
{
	if (!ev)
		return NULL;
	switch (ev->kind) {
	case STRATA_EV_MIG_START:
	case STRATA_EV_MIG_DONE:
	case STRATA_EV_MIG_SKIPPED:
		return &ev->mig;
	case STRATA_EV_MIG_FAILED:
		return &ev->failed.mig;
	case STRATA_EV_STATEMENT:
		return &ev->statement.mig;
	default:
		return NULL;
	}
}
