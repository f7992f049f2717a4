/*
 * driver_sqlite.h - what the SQLite driver's own files share: the sqlite3
 * handle of a connection (struct strata_conn stays private to
 * driver_sqlite.c) and the schema reader of driver_sqlite_schema.c, which
 * the driver's struct points its schema_read slot at.
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

#endif
