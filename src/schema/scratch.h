/*
 * schema/scratch.h - what the test module asks of scratch databases beyond
 * the public API: another one made like a given one (same server, options
 * and setup), for testing parts of a history at once.
 */
#ifndef STRATA_SCHEMA_SCRATCH_H
#define STRATA_SCHEMA_SCRATCH_H

#include "strata_schema.h"

/* A new scratch database made as `like` was (strata_scratch_close it). */
int strata_scratch_open_like(const struct strata_scratch *like, struct strata_scratch **out, struct strata_err *err);

/*
 * 1 when s was made or reset and its database not handed out since
 * (strata_scratch_db): it holds nothing but the setup, so a reset would
 * only make the same empty database again.
 */
int strata_scratch_fresh(const struct strata_scratch *s);

#endif
