/*
 * driver_sqlite.h - what the SQLite driver's own files share: the sqlite3
 * handle of a connection (struct strata_conn stays private to
 * driver_sqlite.c), the schema reader of driver_sqlite_schema.c and the
 * planner of driver_sqlite_plan.c, which the driver's struct points its
 * schema_read and schema_plan slots at.
 */
#ifndef STRATA_DRIVER_SQLITE_H
#define STRATA_DRIVER_SQLITE_H

#include <sqlite3.h>

struct strata_conn;
struct strata_err;
struct strata_schema;
struct strata_schema_read_opts;

/* The connection's database handle (an empty in-memory stand-in before a new file's first write). */
sqlite3 *strata_sqlite_handle(struct strata_conn *c);

/* struct strata_driver's schema_read for SQLite (driver.h). */
int strata_sqlite_schema_read(struct strata_conn *c, const struct strata_schema_read_opts *o,
			      struct strata_schema *s, struct strata_err *err);

/* The same on a handle of its own (the planner's in-memory model of ALTER TABLE's effect). */
int strata_sqlite_schema_read_handle(sqlite3 *db, const struct strata_schema_read_opts *o, struct strata_schema *s,
				     struct strata_err *err);

struct strata_plan_match;
struct strata_plan_opts;
struct strata_schema_plan;

/* struct strata_driver's schema_plan for SQLite (driver_sqlite_plan.c). */
int strata_sqlite_schema_plan(const struct strata_plan_match *m, const struct strata_plan_opts *o,
			      struct strata_schema_plan *p, struct strata_err *err);

#endif
