/*
 * driver.h - the SQL an engine speaks, as its driver tells it to the modules
 * that write SQL (history.c, apply.c, fleet.c, maintain.c) so that none of
 * them names an engine.
 *
 * Each driver points its struct strata_driver's `sql` at one of these
 * (driver_sqlite.c, driver_pg.c). The methods only write text into a buffer:
 * they need no connection, so they are tested without a database
 * (tests/unit/test_dialect.c). What needs a connection (the schema a table
 * is pinned to) is a method of the driver itself, in its dialect block.
 *
 * Versions: the tracking tables hold exact digit strings of any length. How
 * an engine stores them is its own: PostgreSQL as numeric, SQLite in an
 * untyped column as INTEGER below 10^18 and TEXT above, ordered by
 * (length(version), version). history.c only ever writes a version through
 * version_param/version_literal and orders by version_desc/read_order.
 */
#ifndef STRATA_DRIVER_H
#define STRATA_DRIVER_H

#include <stddef.h>

struct strata_buf;
struct strata_version;

struct strata_dialect_ops {
	/* ---- quoting and parameters */
	void (*quote_ident)(struct strata_buf *b, const char *s);               /* "a""b" */
	void (*quote_literal)(struct strata_buf *b, const char *s, size_t len); /* 'it''s' */
	void (*placeholder)(struct strata_buf *b, int n);                       /* parameter n (1-based): $n */

	/* ---- versions in the tracking and log tables */
	/* Parameter n, bound as digits, as the version column stores it. */
	void (*version_param)(struct strata_buf *b, int n);
	/* A version as an SQL literal of that same type. */
	void (*version_literal)(struct strata_buf *b, const struct strata_version *v);
	const char *version_desc;  /* ORDER BY putting the highest version first (the index's order) */
	const char *read_order;    /* appended to the SELECT of all tracking rows: " ORDER BY ..." or "" (sorted after) */

	/* ---- time */
	const char *timestamp_format;                                   /* strftime format of a UTC timestamp parameter */
	void (*timestamp_text)(struct strata_buf *b, const char *column); /* column read as "YYYY-MM-DD HH:MM:SS" UTC */
	const char *elapsed_ms; /* expression: ms since the message carrying the statement arrived ("0": unknown) */

	/* ---- the tables strata keeps (CREATE TABLE IF NOT EXISTS, without the last ';') */
	/* The tracking table `qtable` (quoted, qualified) named `table` in `schema` (NULL: none), with its indexes. */
	void (*tracking_ddl)(struct strata_buf *b, const char *schema, const char *table, const char *qtable);
	void (*log_ddl)(struct strata_buf *b, const char *qlog);
	/* After an INSERT: on a row with the same `key`, set each of `cols` (NULL-terminated) to the new row's. */
	void (*upsert)(struct strata_buf *b, const char *key, const char *const *cols);

	/* ---- strata 0.1's tables (signed 64-bit version columns) */
	const char *legacy_version_types[3]; /* the type names column_type reads for such a column (NULL-ended) */
	/* A scalar subquery: the declared type of `column` of `table` in `schema` (NULL: default), NULL when none. */
	void (*column_type)(struct strata_buf *b, const char *schema, const char *table, const char *column);
	/*
	 * Statements turning `qname`'s legacy version column into this dialect's
	 * (values above 2^63, stored negative, becoming their digits). NULL when
	 * the engine cannot change a column's type: the table is then rebuilt,
	 * with the column names `columns` queries.
	 */
	void (*retype_version)(struct strata_buf *b, const char *qname);
	void (*columns)(struct strata_buf *b, const char *schema, const char *table); /* query: names, in order */

	/* ---- sessions */
	const char *begin; /* the statement that starts a write transaction in a script */
	/* Limit each statement of the session (of the transaction when `local`) to `ms`. NULL: the engine cannot. */
	void (*statement_timeout)(struct strata_buf *b, double ms, int local);
	const char *statement_timeout_reset; /* back to the session's default */

	/* ---- files and people */
	const char *client_command; /* runs an offline script ("psql ... -f FILE") */
	const char *backup_suffix;  /* of a backup file (".db", ".dump") */
	const char *schemas_query;  /* lists the schemas a fleet may run on, in order; NULL: the engine has none */
};

#endif
