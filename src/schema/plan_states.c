/*
 * schema/plan_states.c - the schemas a plan passes through, for
 * `strata create --from-schema`: a plan whose steps cannot all run in one
 * transaction is written as several migrations, and each needs a down that
 * returns to the state before it, not to the state before the first. The
 * states are read from one scratch database in which `from` is created and
 * the steps are run in order, as strata_schema_plan_verify runs them, so
 * that they share one origin (renames are seen by engine identity between
 * them). Each part's down needs the rename hints that apply to it, turned
 * around (strata_rename_hints_back): a hint of a rename another part made
 * would name what the part's states do not have, which is an error.
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

static int same(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* Has s an object of this kind, parent and name (in `schema`; NULL: in any)? */
static int has_obj(const struct strata_schema *s, enum strata_obj_kind kind, const char *schema, const char *parent,
		   const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->objs[i].kind == kind && same(s->objs[i].name, name) && same(s->objs[i].parent, parent) &&
		    (!schema || same(s->objs[i].schema, schema)))
			return 1;
	return 0;
}

size_t strata_rename_hints_back(const struct strata_rename_hint *h, size_t nh, const struct strata_schema *after,
				const struct strata_schema *before, struct strata_rename_hint *out)
{
	size_t i, j, n = 0;

	for (i = 0; i < nh; i++) {
		struct strata_rename_hint r = h[i];
		const char *before_parent = h[i].parent;

		/* its table renamed too, and not yet in `before`: `before` calls it by its old name */
		if (h[i].kind == STRATA_OBJ_COLUMN && !has_obj(before, STRATA_OBJ_TABLE, h[i].schema, NULL, h[i].parent))
			for (j = 0; j < nh; j++)
				if (h[j].kind == STRATA_OBJ_TABLE && same(h[j].name, h[i].parent) &&
				    same(h[j].schema, h[i].schema))
					before_parent = h[j].old_name;
		if (!has_obj(after, h[i].kind, h[i].schema, h[i].parent, h[i].name) ||
		    has_obj(before, h[i].kind, h[i].schema, before_parent, h[i].name) ||
		    !has_obj(before, h[i].kind, h[i].schema, before_parent, h[i].old_name))
			continue;
		r.name = h[i].old_name;
		r.old_name = h[i].name;
		r.parent = before_parent;
		out[n++] = r;
	}
	return n;
}
