/*
 * schema/check.c - strata_check: drift. The migrations the live database
 * records as applied, as their files read now, are run in a scratch
 * database by strata_run itself (no-transaction and own-transaction files
 * run there as they do for up), or a schema.sql is run there instead; then
 * both schemas are read and compared, expected to live.
 */
#include <stdlib.h>
#include <string.h>

#include "strata_schema.h"
#include "../db.h"
#include "../reason.h"
#include "../util.h"

/* Run the applied migrations of `live` (as recorded, taken from the files) on sdb. */
static int build_from_history(struct strata_db *live, const struct strata_source *src, struct strata_db *sdb,
			      struct strata_err *err)
{
	struct strata_status *st = NULL;
	struct strata_source sub;
	struct strata_request req = { .action = STRATA_UP };
	size_t i, n = 0;
	int rc;

	rc = strata_status_get(live, src, &st, err);
	if (rc)
		return rc;
	sub = *src;
	sub.m = calloc(st->n ? st->n : 1, sizeof(*sub.m));
	if (!sub.m) {
		strata_status_free(st);
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	}
	for (i = 0; i < st->n; i++) {
		const struct strata_status_row *r = &st->rows[i];

		if (r->state == STRATA_PENDING)
			continue;
		if (r->state == STRATA_MISSING || r->state == STRATA_PARTIAL || !r->mig) {
			rc = strata_err_setr(err, STRATA_EHISTORY, r->state == STRATA_PARTIAL ? STRATA_R_PARTIAL
											: STRATA_R_MISSING,
					     r->state == STRATA_PARTIAL
						     ? "migration %s %s stopped part way: what it made cannot be rebuilt "
						       "to compare with"
						     : "migration %s %s is recorded as applied but has no file: the "
						       "schema the migrations make cannot be rebuilt without it",
					     r->vtext, r->name);
			if (err) {
				err->version = r->version;
				err->has_version = 1;
			}
			goto out;
		}
		sub.m[n++] = *r->mig;
	}
	sub.n = n;
	if (n)
		rc = strata_run(sdb, &sub, &req, NULL, err);
out:
	free(sub.m);
	strata_status_free(st);
	return rc;
}

int strata_check(struct strata_db *live, const struct strata_source *src, struct strata_scratch *scratch,
		 const char *against_sql, size_t against_len, unsigned flags, struct strata_schema_diff **out,
		 struct strata_err *err)
{
	struct strata_db *sdb = strata_scratch_db(scratch);
	struct strata_schema *want = NULL, *have = NULL;
	int rc;

	*out = NULL;
	if (against_sql) {
		long errpos = -1;

		rc = sdb->drv->exec(sdb->conn, against_sql, against_len, &errpos, err);
		if (rc && err && errpos >= 0)
			err->line = strata_line_of(against_sql, against_len, (size_t)errpos);
	} else {
		rc = build_from_history(live, src, sdb, err);
	}
	if (rc)
		return rc;
	rc = strata_schema_read(sdb, flags, &want, err);
	if (rc == 0)
		rc = strata_schema_read(live, flags, &have, err);
	if (rc == 0)
		rc = strata_schema_compare(want, have, out, err);
	strata_schema_free(want);
	strata_schema_free(have);
	return rc;
}
