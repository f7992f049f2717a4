/*
 * schema/plan_states.c - the schemas a plan passes through, for
 * `strata create --from-schema`: a plan whose steps cannot all run in one
 * transaction is written as several migrations, and each needs a down that
 * returns to the state before it, not to the state before the first. The
 * states are read from one scratch database in which `from` is created and
 * the steps are run in order, as strata_schema_plan_verify runs them, so
 * that they share one origin (renames are seen by engine identity between
 * them).
 */
#include <stdlib.h>
#include <string.h>

#include "strata_schema.h"
#include "../db.h"
#include "../driver.h"
#include "../util.h"

/* Run one script on the scratch; a failure says which step (its `what`, or the recreation of `from`). */
static int run(struct strata_db *sdb, const char *sql, const char *what, struct strata_err *err)
{
	long errpos = -1;
	int rc = sdb->drv->exec(sdb->conn, sql, strlen(sql), &errpos, err);

	if (rc && err) {
		if (what)
			strata_err_prefix(err, "the plan's step \"%s\" failed on a copy of the schema diffed from: ", what);
		else
			strata_err_prefix(err, "the schema diffed from could not be recreated on a scratch database: ");
	}
	return rc;
}

int strata_schema_plan_states(struct strata_scratch *scratch, const struct strata_schema *from,
			      const struct strata_schema_plan *p, const size_t *cuts, size_t ncuts, unsigned read_flags,
			      struct strata_schema **states, struct strata_err *err)
{
	struct strata_db *sdb;
	char *dump = NULL;
	size_t i, k, step = 0;
	int rc;

	for (k = 0; k <= ncuts; k++)
		states[k] = NULL;
	for (k = 0; k < ncuts; k++)
		if (cuts[k] > p->n || (k && cuts[k] < cuts[k - 1]))
			return strata_err_set(err, STRATA_EUSAGE, "the cuts of a plan must ascend within its steps");
	rc = strata_scratch_reset(scratch, err);
	if (rc)
		return rc;
	sdb = strata_scratch_db(scratch);
	rc = strata_schema_dump(from, &dump, err);
	if (rc == 0)
		rc = run(sdb, dump, NULL, err);
	free(dump);
	if (rc == 0)
		rc = strata_schema_read(sdb, read_flags, &states[0], err);
	for (k = 0; k < ncuts && rc == 0; k++) {
		for (i = step; i < cuts[k] && rc == 0; i++)
			rc = run(sdb, p->steps[i].sql, p->steps[i].what, err);
		step = cuts[k];
		if (rc == 0)
			rc = strata_schema_read(sdb, read_flags, &states[k + 1], err);
	}
	if (rc) {
		for (k = 0; k <= ncuts; k++) {
			strata_schema_free(states[k]);
			states[k] = NULL;
		}
	}
	return rc;
}
