/*
 * status.h - where a database stands (status.c): the recorded rows merged
 * with the files.
 */
#ifndef STRATA_STATUS_H
#define STRATA_STATUS_H

#include <stddef.h>

#include "strata.h"
#include "db.h"
#include "history.h"

/* Merge recorded rows with the files (pure: no database). The rows' strings move into the status. */
int strata_status_build(const struct strata_source *src, struct strata_applied *rows, size_t n,
			struct strata_status **out, struct strata_err *err);
/*
 * Where the database of an offline script stands (pure): the files alone,
 * every migration up to and including `from` taken as applied with the
 * file's checksum, none when `from` is NULL (or "0" with no migration 0).
 * A `from` no migration has: STRATA_EUSAGE, reason STRATA_R_NO_VERSION.
 */
int strata_status_assume(const struct strata_source *src, const struct strata_version *from,
			 struct strata_status **out, struct strata_err *err);
/* strata_status_get, with the recorded down scripts when `with_down` (what a run needs). */
int strata_status_read(struct strata_db *db, const struct strata_source *src, int with_down,
		       struct strata_status **out, struct strata_err *err);

#endif
