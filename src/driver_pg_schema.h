/*
 * driver_pg_schema.h - the PostgreSQL driver's schema_read method
 * (driver_pg_schema.c), which driver_pg.c puts into its struct
 * strata_driver. Its own file because it is the driver's catalog SQL, not
 * its connection handling.
 */
#ifndef STRATA_DRIVER_PG_SCHEMA_H
#define STRATA_DRIVER_PG_SCHEMA_H

#include "driver.h"

/* struct strata_driver's schema_read, for PostgreSQL (see driver.h). */
int strata_pg_schema_read(struct strata_conn *c, const struct strata_schema_read_opts *o, struct strata_schema *s,
			  struct strata_err *err);

/*
 * driver_pg.c: query() for the fixed queries of driver_pg_schema.c, each
 * with its own `slot` (0..63). The first run of a slot on a session is a
 * plain query; from the second on (strata test reads a schema four times per
 * migration) it is prepared once and executed, so the server plans it once.
 * When prepared statements get lost (DISCARD ALL, a pooler handing the
 * session's statements to another server session), plain queries again.
 */
int strata_pg_schema_query(struct strata_conn *c, unsigned slot, const char *sql, int nparams,
			   const char *const *params, struct strata_rows **rows, struct strata_err *err);

#endif
