/*
 * schema/read.c - strata_schema_read: the schema of an open target, read by
 * its driver's schema_read method with strata's own tables left out, then
 * sorted so that every later step (dump, compare) can rely on one order.
 */
#include <stdlib.h>

#include "model.h"
#include "../db.h"
#include "../util.h"

int strata_schema_read(struct strata_db *db, unsigned flags, struct strata_schema **out, struct strata_err *err)
{
	const char *ex_schema[2], *ex_table[2];
	struct strata_schema_read_opts o = {0};
	struct strata_schema *s;
	int rc;

	*out = NULL;
	if (!db->conn)
		return strata_db_offline_err(db, err);
	if (!db->drv->schema_read)
		return strata_err_set(err, STRATA_EUNSUPPORTED, "strata cannot read the schema of a %s database yet",
				      db->drv->display_name);
	ex_schema[0] = ex_schema[1] = db->schema;
	ex_table[0] = db->table;
	ex_table[1] = db->logtable;
	o.flags = flags;
	o.exclude_schema = ex_schema;
	o.exclude_table = ex_table;
	o.nexclude = 2;
	if (strata_schema_new(db->drv->engine, &s) < 0)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = db->drv->schema_read(db->conn, &o, s, err);
	if (rc == 0)
		rc = strata_schema_finish(s);
	if (rc < 0) {
		if (rc == STRATA_ENOMEM && !err->code)
			strata_err_set(err, STRATA_ENOMEM, "out of memory");
		strata_schema_free(s);
		return rc;
	}
	*out = s;
	return 0;
}
