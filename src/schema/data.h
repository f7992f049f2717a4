/*
 * schema/data.h - test --data (data.c): synthetic rows in every table of a
 * scratch database, snapshots of the rows, and what an up then its down lost
 * of them. Engine-neutral: the SQL is plain INSERT/SELECT, names and values
 * quoted through the driver's dialect, the tables and columns taken from the
 * schema model.
 */
#ifndef STRATA_SCHEMA_DATA_H
#define STRATA_SCHEMA_DATA_H

#include <stddef.h>

#include "strata_schema.h"

struct strata_db;
struct strata_data_snap; /* opaque: the rows of every table */

/*
 * The text of a value for a column of SQL type `type` (as the model spells
 * it, lowercase or not), for row `row` (0-based) in value set `set` (0: the
 * first try; 1: another, further from zero, for a CHECK that refused the
 * first): written into out (n bytes), unquoted. `enum_label`, when not
 * NULL, is the type's first label and is the value. Pure.
 */
void strata_data_value(const char *type, const char *enum_label, int row, int set, char *out, size_t n);

/* The first label of "CREATE TYPE x AS ENUM ('a', 'b');" (malloc'ed), NULL when none. Pure. */
char *strata_data_enum_label(const char *definition);

/*
 * Fill every empty table of s (db's schema) with a few rows: parents before
 * children (tables whose insert fails are tried again after the others),
 * defaulted, identity and generated columns left to their default; value
 * sets tried in turn, nullable columns NULL as a last resort. A table that
 * takes no rows is named in *notes (malloc'ed lines, NULL: none). Only
 * STRATA_ENOMEM is an error: a refused insert never is.
 */
int strata_data_fill(struct strata_db *db, const struct strata_schema *s, char **notes);

/* The rows of every table of s, as text. 0 or STRATA_ENOMEM (a table that cannot be read is left out). */
int strata_data_snap(struct strata_db *db, const struct strata_schema *s, struct strata_data_snap **out);
void strata_data_snap_free(struct strata_data_snap *sn);

/*
 * What of a's rows b lost, per table present in both, on the columns both
 * have: "2 rows of runs lost", "3 rows of runs.status lost their values",
 * one per line (malloc'ed into *lost; NULL: nothing lost). 0 or STRATA_ENOMEM.
 */
int strata_data_lost(const struct strata_data_snap *a, const struct strata_data_snap *b, char **lost);

/*
 * Rename an object of a snapshot, so that it is compared with a later state
 * in which it was renamed (a diff's RENAME): with column NULL, the table
 * schema.table becomes new_name; else that table's column `column` does.
 * Nothing when the snapshot has no such table or column. 0 or STRATA_ENOMEM.
 */
int strata_data_snap_rename(struct strata_data_snap *sn, const char *schema, const char *table, const char *column,
			    const char *new_name);

#endif
