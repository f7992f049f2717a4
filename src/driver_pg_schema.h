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

#endif
