/*
 * driver_pg_plan.h - the PostgreSQL driver's schema_plan method
 * (driver_pg_plan.c), which driver_pg.c puts into its struct strata_driver:
 * the dependency-ordered statements from one schema model to another.
 */
#ifndef STRATA_DRIVER_PG_PLAN_H
#define STRATA_DRIVER_PG_PLAN_H

#include "driver.h"

/* struct strata_driver's schema_plan, for PostgreSQL (see driver.h). */
int strata_pg_schema_plan(const struct strata_plan_match *m, const struct strata_plan_opts *o,
			  struct strata_schema_plan *p, struct strata_err *err);

#endif
