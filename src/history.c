/*
 * history.c - the tracking table: one row per applied migration.
 *
 * A row holds what is needed to trust and to undo the past without the
 * files: the up script's checksum, the down script's text, who applied it,
 * when and for how long; statements_done and progress_checksum say how far
 * a partial up got, or, on an applied row, how far a failed down got.
 * Versions are exact digit strings of any length
 * (version.c), stored as the driver's dialect says (driver.h: numeric on
 * PostgreSQL; INTEGER below 10^18 and TEXT above, in an untyped column, on
 * SQLite). Every version going into a table passes through version_param or
 * version_literal, and every ORDER BY of versions is the dialect's.
 *
 * Tables made by strata 0.1 hold versions in a signed 64-bit column (bigint,
 * INTEGER), those above 2^63 negative by bit pattern. Reading understands
 * both; the first command that takes the lock to write upgrades them in place
 * (upgrade_tables), in one transaction, so such a database keeps working.
 *
 * Durations are ms to the microsecond (strata_history_ms), the figure a run
 * reports, so that status and history show what up printed. Tables made
 * before kept whole ms in an integer column: read as they are, and retyped
 * by the same upgrade where the dialect says so (retype_duration).
 *
 * This file names no engine: the tables' DDL, types, timestamps, quoting and
 * placeholders come from db->drv->sql. Statements are written here with
 * $1..$n parameters, which add_stmt spells as the driver does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "util.h"
#include "version_int.h"
#include "driver.h"
#include "db.h"
#include "history.h"
#include "reason.h"

static void now_text(struct strata_db *db, char when[40]);
static int bookkeep(struct strata_db *db, const char *fmt, int n, const char *const *params, struct strata_err *err);

double strata_history_ms(double ms)
{
	if (!(ms > 0)) /* and NaN */
		return 0;
	if (ms > 1e15)
		ms = 1e15;
	return (double)(long long)(ms * 1000.0 + 0.5) / 1000.0;
}

/* A duration as recorded: milliseconds to the microsecond ("0.412"). */
static void ms_text(char dur[32], double ms)
{
	snprintf(dur, 32, "%.3f", strata_history_ms(ms));
}

/* A recorded duration read back (an integer from older tables, a fraction from these). */
static double ms_from_text(const char *s)
{
	return s ? strtod(s, NULL) : 0;
}

/* A version read from a tracking table (either format); "" when the cell is not one. */
static struct strata_version version_from_text(const char *s)
{
	struct strata_version v;

	if (strata_version_from_stored(s, &v) != 0)
		v.d[0] = '\0';
	return v;
}

/*
 * The printf format of a statement template `tmpl` whose parameters are
 * written $1..$n, each spelled as the driver's placeholder. Templates are
 * this file's string literals: each is translated once per connection and
 * kept (db->stmt_fmt), as the bookkeeping runs them once per migration.
 * NULL when out of memory.
 */
static const char *stmt_format(struct strata_db *db, const char *tmpl)
{
	struct strata_buf f, ph;
	const char *p, *q;
	size_t i, slot = STRATA_DB_STMT_FORMATS;

	for (i = 0; i < STRATA_DB_STMT_FORMATS; i++) {
		if (db->stmt_fmt[i].tmpl == tmpl)
			return db->stmt_fmt[i].fmt;
		if (!db->stmt_fmt[i].tmpl && slot == STRATA_DB_STMT_FORMATS)
			slot = i;
	}
	strata_buf_init(&f);
	strata_buf_init(&ph);
	for (p = tmpl; *p; p = q) {
		int n = 0;

		if (*p != '$' || p[1] < '1' || p[1] > '9') {
			for (q = p + 1; *q && *q != '$'; q++)
				;
			strata_buf_add(&f, p, (size_t)(q - p));
			continue;
		}
		for (q = p + 1; *q >= '0' && *q <= '9'; q++)
			n = n * 10 + (*q - '0');
		strata_buf_reset(&ph);
		db->drv->sql->placeholder(&ph, n);
		for (i = 0; i < ph.len; i++) {
			if (ph.buf[i] == '%')
				strata_buf_addc(&f, '%');
			strata_buf_addc(&f, ph.buf[i]);
		}
	}
	if (ph.broken)
		f.broken = 1;
	strata_buf_release(&ph);
	if (slot == STRATA_DB_STMT_FORMATS) { /* full (never, with this file's templates): start over */
		strata_db_forget_formats(db);
		slot = 0;
	}
	db->stmt_fmt[slot].fmt = strata_buf_detach(&f, NULL);
	if (db->stmt_fmt[slot].fmt)
		db->stmt_fmt[slot].tmpl = tmpl;
	return db->stmt_fmt[slot].fmt;
}

/* Append a statement to b: `tmpl` is a printf format with $1..$n parameters (names enter through %s). */
static void add_stmt(struct strata_db *db, struct strata_buf *b, const char *tmpl, ...)
	__attribute__((format(printf, 3, 4)));
static void add_stmt(struct strata_db *db, struct strata_buf *b, const char *tmpl, ...)
{
	const char *fmt = stmt_format(db, tmpl);
	va_list ap;

	if (!fmt) {
		b->broken = 1;
		return;
	}
	va_start(ap, tmpl);
	strata_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

/* Quoting as the driver's dialect does it. */
static void add_ident(struct strata_db *db, struct strata_buf *b, const char *s)
{
	db->drv->sql->quote_ident(b, s);
}

static void add_literal(struct strata_db *db, struct strata_buf *b, const char *s, size_t len)
{
	db->drv->sql->quote_literal(b, s, len);
}

/* schema.name (just name when schema is NULL), quoted. */
static void add_qualified(struct strata_db *db, struct strata_buf *b, const char *schema, const char *name)
{
	if (schema) {
		add_ident(db, b, schema);
		strata_buf_addc(b, '.');
	}
	add_ident(db, b, name);
}

/* Parameter $n as a version, as the dialect stores one ("" when it does not fit: the statement fails). */
static void version_param(struct strata_db *db, int n, char out[96])
{
	struct strata_buf b;

	strata_buf_init(&b);
	db->drv->sql->version_param(&b, n);
	snprintf(out, 96, "%s", b.broken || b.len >= 96 ? "" : b.buf);
	strata_buf_release(&b);
}

/* A version as an SQL literal of the same type. */
static void version_literal(struct strata_db *db, struct strata_buf *b, const struct strata_version *v)
{
	db->drv->sql->version_literal(b, v);
}

void strata_applied_free(struct strata_applied *a, size_t n)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < n; i++) {
		free(a[i].name);
		free(a[i].checksum);
		free(a[i].down);
		free(a[i].applied_at);
		free(a[i].applied_by);
		free(a[i].state);
		free(a[i].progress);
	}
	free(a);
}

int strata_history_exists(struct strata_db *db, struct strata_err *err)
{
	return db->drv->table_exists(db->conn, db->schema, db->table, err);
}

static void tracking_create_sql(struct strata_db *db, struct strata_buf *b)
{
	db->drv->sql->tracking_ddl(b, db->schema, db->table, db->qtable);
}

static void log_create_sql(struct strata_db *db, struct strata_buf *b)
{
	db->drv->sql->log_ddl(b, db->qlog);
}

static int create_if_missing(struct strata_db *db, const char *table, void (*sql)(struct strata_db *, struct strata_buf *),
			     const char *what, const char *qname, struct strata_err *err)
{
	struct strata_buf b;
	long pos;
	int rc;

	rc = db->drv->table_exists(db->conn, db->schema, table, err);
	if (rc < 0 || rc == 1)
		return rc < 0 ? rc : 0;
	strata_buf_init(&b);
	sql(db, &b);
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = db->drv->exec(db->conn, b.buf, b.len, &pos, err);
	strata_buf_release(&b);
	if (rc)
		strata_err_prefix(err, "cannot create the %s %s: ", what, qname);
	return rc;
}

void strata_history_create_sql(struct strata_db *db, struct strata_buf *b)
{
	tracking_create_sql(db, b);
	strata_buf_adds(b, ";\n");
	log_create_sql(db, b);
	strata_buf_adds(b, ";\n");
}

/* Is `type` one of `types` (NULL-ended)? */
static int legacy_type(const char *const *types, const char *type)
{
	const char *const *t;

	for (t = types; type && *t; t++)
		if (strcmp(type, *t) == 0)
			return 1;
	return 0;
}

/* What of the two tables is older than this strata: one flag per table and column. */
struct old_tables {
	int t_version, l_version;   /* strata 0.1's signed 64-bit version column */
	int t_duration, l_duration; /* an integer duration_ms (before sub-millisecond durations) */
};

/* One catalog query for both tables. */
static int old_format(struct strata_db *db, struct old_tables *o, struct strata_err *err)
{
	const struct strata_dialect_ops *d = db->drv->sql;
	struct strata_rows *r;
	struct strata_buf q;
	int rc;

	memset(o, 0, sizeof(*o));
	strata_buf_init(&q);
	strata_buf_adds(&q, "SELECT ");
	d->column_type(&q, db->schema, db->table, "version");
	strata_buf_adds(&q, ", ");
	d->column_type(&q, db->schema, db->logtable, "version");
	strata_buf_adds(&q, ", ");
	d->column_type(&q, db->schema, db->table, "duration_ms");
	strata_buf_adds(&q, ", ");
	d->column_type(&q, db->schema, db->logtable, "duration_ms");
	rc = q.broken ? strata_err_set(err, STRATA_ENOMEM, "out of memory")
		      : db->drv->query(db->conn, q.buf, 0, NULL, &r, err);
	strata_buf_release(&q);
	if (rc)
		return rc;
	if (r->nrows == 1) {
		o->t_version = legacy_type(d->legacy_version_types, strata_rows_get(r, 0, 0));
		o->l_version = legacy_type(d->legacy_version_types, strata_rows_get(r, 0, 1));
		o->t_duration = d->retype_duration && legacy_type(d->legacy_duration_types, strata_rows_get(r, 0, 2));
		o->l_duration = d->retype_duration && legacy_type(d->legacy_duration_types, strata_rows_get(r, 0, 3));
	}
	strata_rows_free(r);
	return 0;
}

/* Quoted names of the columns of a table, "a", "b", ... into b. */
static int table_columns(struct strata_db *db, const char *table, struct strata_buf *b, struct strata_err *err)
{
	struct strata_rows *r;
	struct strata_buf q;
	size_t i;
	int rc;

	strata_buf_init(&q);
	db->drv->sql->columns(&q, db->schema, table);
	rc = q.broken ? strata_err_set(err, STRATA_ENOMEM, "out of memory")
		      : db->drv->query(db->conn, q.buf, 0, NULL, &r, err);
	strata_buf_release(&q);
	if (rc)
		return rc;
	for (i = 0; i < r->nrows; i++) {
		if (i)
			strata_buf_adds(b, ", ");
		add_ident(db, b, strata_rows_get(r, i, 0));
	}
	strata_rows_free(r);
	return 0;
}

/*
 * An engine that cannot change a column's type (SQLite): the old table is
 * renamed, made again with the dialect's version column and copied over (its
 * integers stay integers). Every column of the old table is copied, so
 * columns added since 0.1 survive too.
 */
static int rebuild(struct strata_db *db, const char *table, const char *qname,
		   void (*create)(struct strata_db *, struct strata_buf *), struct strata_err *err)
{
	struct strata_buf b, cols, old;
	long pos;
	int rc;

	strata_buf_init(&b);
	strata_buf_init(&cols);
	strata_buf_init(&old);
	strata_buf_addf(&old, "%s_strata_0_1", table);
	rc = table_columns(db, table, &cols, err);
	if (rc)
		goto out;
	strata_buf_addf(&b, "ALTER TABLE %s RENAME TO ", qname);
	add_ident(db, &b, old.buf);
	strata_buf_adds(&b, ";\n");
	create(db, &b);
	strata_buf_addf(&b, ";\nINSERT INTO %s (%s) SELECT %s FROM ", qname, cols.buf, cols.buf);
	add_qualified(db, &b, db->schema, old.buf);
	strata_buf_adds(&b, ";\nDROP TABLE ");
	add_qualified(db, &b, db->schema, old.buf);
	strata_buf_adds(&b, ";");
	if (b.broken || cols.broken || old.broken) {
		rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	rc = db->drv->exec(db->conn, b.buf, b.len, &pos, err);
out:
	strata_buf_release(&b);
	strata_buf_release(&cols);
	strata_buf_release(&old);
	return rc;
}

/* Versions above 2^63, stored negative by 0.1, written as their digits (after a rebuild; retype_version does it). */
static int fix_negative(struct strata_db *db, const char *qname, struct strata_err *err)
{
	struct strata_buf b;
	struct strata_rows *r;
	size_t i;
	int rc;

	strata_buf_init(&b);
	strata_buf_addf(&b, "SELECT DISTINCT version FROM %s WHERE substr(version, 1, 1) = '-'", qname);
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = db->drv->query(db->conn, b.buf, 0, NULL, &r, err);
	strata_buf_reset(&b);
	{
		char v1[96];

		version_param(db, 1, v1);
		add_stmt(db, &b, "UPDATE %s SET version = %s WHERE version = CAST($2 AS INTEGER)", qname, v1);
	}
	for (i = 0; !rc && i < r->nrows; i++) {
		struct strata_version v = version_from_text(strata_rows_get(r, i, 0));
		const char *params[2] = { v.d, strata_rows_get(r, i, 0) };

		rc = b.broken ? strata_err_set(err, STRATA_ENOMEM, "out of memory")
			      : db->drv->query(db->conn, b.buf, 2, params, NULL, err);
	}
	if (r)
		strata_rows_free(r);
	strata_buf_release(&b);
	return rc;
}

/*
 * Bring tables made by an older strata to this one's columns, in place and
 * in one transaction (the caller holds the migration lock): strata 0.1's
 * signed 64-bit versions become exact (the columns change type where the
 * engine can, PostgreSQL's bigint becoming numeric, else the tables are
 * rebuilt: SQLite's, with untyped versions; versions stored negative become
 * the digits they stood for), and integer durations take fractions of a
 * millisecond (where the engine's column does not already: retype_duration).
 */
static int upgrade_tables(struct strata_db *db, struct strata_err *err)
{
	struct strata_buf b;
	struct old_tables o;
	int rc;
	long pos;

	rc = old_format(db, &o, err);
	if (rc || (!o.t_version && !o.l_version && !o.t_duration && !o.l_duration))
		return rc;
	rc = db->drv->begin(db->conn, err);
	if (rc)
		return rc;
	strata_buf_init(&b);
	if (db->drv->sql->retype_version) {
		if (o.t_version)
			db->drv->sql->retype_version(&b, db->qtable);
		if (o.l_version)
			db->drv->sql->retype_version(&b, db->qlog);
	} else {
		if (o.t_version)
			rc = rebuild(db, db->table, db->qtable, tracking_create_sql, err);
		if (!rc && o.t_version)
			rc = fix_negative(db, db->qtable, err);
		if (!rc && o.l_version)
			rc = rebuild(db, db->logtable, db->qlog, log_create_sql, err);
		if (!rc && o.l_version)
			rc = fix_negative(db, db->qlog, err);
	}
	/* a rebuilt table has the dialect's duration column already */
	if (o.t_duration && (db->drv->sql->retype_version || !o.t_version))
		db->drv->sql->retype_duration(&b, db->qtable);
	if (o.l_duration && (db->drv->sql->retype_version || !o.l_version))
		db->drv->sql->retype_duration(&b, db->qlog);
	if (!rc && b.len)
		rc = b.broken ? strata_err_set(err, STRATA_ENOMEM, "out of memory")
			      : db->drv->exec(db->conn, b.buf, b.len, &pos, err);
	strata_buf_release(&b);
	if (!rc)
		rc = db->drv->commit(db->conn, err);
	if (rc) {
		db->drv->rollback(db->conn, NULL);
		strata_err_prefix(err, "cannot upgrade the tracking tables %s and %s to %s: ", db->qtable, db->qlog,
				  o.t_version || o.l_version ? "exact versions" : "sub-millisecond durations");
		if (err && !err->hint[0])
			strata_err_hint(err,
				 "both tables were left as they were (status, version and history still read them); "
				 "fix the cause and run the command again");
	}
	return rc;
}

int strata_history_ensure(struct strata_db *db, struct strata_err *err)
{
	struct strata_buf b;
	long pos;
	int rc, have_t, have_l;

	have_t = db->drv->table_exists(db->conn, db->schema, db->table, err);
	if (have_t < 0)
		return have_t;
	have_l = db->drv->table_exists(db->conn, db->schema, db->logtable, err);
	if (have_l < 0)
		return have_l;
	if (have_t && have_l)
		return upgrade_tables(db, err);
	if (have_t || have_l) { /* one of them: create the other alone, naming it in any error */
		rc = have_t ? create_if_missing(db, db->logtable, log_create_sql, "history log table", db->qlog, err)
			    : create_if_missing(db, db->table, tracking_create_sql, "tracking table", db->qtable, err);
		return rc ? rc : upgrade_tables(db, err);
	}
	/* both, in one transaction: one commit (one fsync on SQLite) instead of two */
	strata_buf_init(&b);
	strata_buf_addf(&b, "%s;\n", db->drv->sql->begin);
	strata_history_create_sql(db, &b);
	strata_buf_adds(&b, "COMMIT;");
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = db->drv->exec(db->conn, b.buf, b.len, &pos, err);
	strata_buf_release(&b);
	if (rc) {
		db->drv->rollback(db->conn, NULL);
		strata_err_prefix(err, "cannot create the tracking tables %s and %s: ", db->qtable, db->qlog);
	}
	return rc;
}

int strata_history_log(struct strata_db *db, const char *action, const struct strata_status_row *row, double ms,
		       const char *result, struct strata_err *err)
{
	char dur[32], when[40];
	const char *params[7];
	struct strata_buf b;
	int rc;

	ms_text(dur, ms);
	now_text(db, when);
	params[0] = when;
	params[1] = action;
	params[2] = row && row->version.d[0] ? row->version.d : NULL;
	params[3] = row ? row->name : NULL;
	params[4] = db->applied_by;
	params[5] = dur;
	params[6] = result;
	strata_buf_init(&b);
	{
		char v3[96];

		version_param(db, 3, v3);
		add_stmt(db, &b, "INSERT INTO %s (at, action, version, name, applied_by, duration_ms, result) "
				 "VALUES ($1, $2, %s, $4, $5, $6, $7)", db->qlog, v3);
	}
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = db->drv->query(db->conn, b.buf, 7, params, NULL, err);
	strata_buf_release(&b);
	return rc;
}

int strata_history_accept(struct strata_db *db, const struct strata_migration *m, struct strata_err *err)
{
	const char *params[4];

	params[0] = m->version.d;
	params[1] = m->checksum;
	params[2] = m->down;
	params[3] = m->name;
	return bookkeep(db, "UPDATE %s SET checksum = $2, down_script = $3, name = $4 WHERE version = %s", 4, params,
			err);
}

void strata_log_free(struct strata_log_row *rows, size_t n)
{
	size_t i;

	if (!rows)
		return;
	for (i = 0; i < n; i++) {
		free(rows[i].at);
		free(rows[i].action);
		free(rows[i].name);
		free(rows[i].by);
		free(rows[i].result);
	}
	free(rows);
}

int strata_log_get(struct strata_db *db, struct strata_log_row **out, size_t *n, struct strata_err *err)
{
	struct strata_buf b;
	struct strata_rows *r;
	struct strata_log_row *rows;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	if (!db->conn)
		return strata_db_offline_err(db, err);
	rc = db->drv->table_exists(db->conn, db->schema, db->logtable, err);
	if (rc <= 0)
		return rc;
	strata_buf_init(&b);
	strata_buf_adds(&b, "SELECT id, ");
	db->drv->sql->timestamp_text(&b, "at");
	strata_buf_adds(&b, ", ");
	strata_buf_addf(&b, "action, version, name, applied_by, duration_ms, result FROM %s ORDER BY id", db->qlog);
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = db->drv->query(db->conn, b.buf, 0, NULL, &r, err);
	strata_buf_release(&b);
	if (rc)
		return rc;
	rows = calloc(r->nrows ? r->nrows : 1, sizeof(*rows));
	if (!rows) {
		strata_rows_free(r);
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	}
	for (i = 0; i < r->nrows; i++) {
		const char *v = strata_rows_get(r, i, 3), *d = strata_rows_get(r, i, 6), *id = strata_rows_get(r, i, 0);

		rows[i].id = id ? atoll(id) : 0;
		rows[i].at = strata_strdup(strata_rows_get(r, i, 1) ? strata_rows_get(r, i, 1) : "");
		rows[i].action = strata_strdup(strata_rows_get(r, i, 2) ? strata_rows_get(r, i, 2) : "");
		rows[i].version = version_from_text(v);
		rows[i].has_version = rows[i].version.d[0] != '\0';
		rows[i].name = strata_strdup(strata_rows_get(r, i, 4) ? strata_rows_get(r, i, 4) : "");
		rows[i].by = strata_strdup(strata_rows_get(r, i, 5) ? strata_rows_get(r, i, 5) : "");
		rows[i].duration_ms = ms_from_text(d);
		rows[i].result = strata_strdup(strata_rows_get(r, i, 7) ? strata_rows_get(r, i, 7) : "");
		if (!rows[i].at || !rows[i].action || !rows[i].name || !rows[i].by || !rows[i].result) {
			strata_log_free(rows, i + 1);
			strata_rows_free(r);
			return strata_err_set(err, STRATA_ENOMEM, "out of memory");
		}
	}
	*out = rows;
	*n = r->nrows;
	strata_rows_free(r);
	return 0;
}

/* Run a query of the tracking table built in `b` (released here); errors say which table, and why it may be. */
static int read_tracking(struct strata_db *db, struct strata_buf *b, struct strata_rows **r, struct strata_err *err)
{
	int rc;

	if (b->broken) {
		strata_buf_release(b);
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	}
	rc = db->drv->query(db->conn, b->buf, 0, NULL, r, err);
	strata_buf_release(b);
	if (rc) {
		strata_err_prefix(err, "cannot read the tracking table %s: ", db->qtable);
		strata_err_reason(err, STRATA_R_TABLE);
		if (err)
			strata_err_hint(err,
				 "is %s another tool's table? choose strata's by naming its tracking table", db->table);
	}
	return rc;
}

static int applied_cmp(const void *x, const void *y)
{
	return strata_version_cmp(&((const struct strata_applied *)x)->version,
				  &((const struct strata_applied *)y)->version);
}

/* A result cell, now the caller's (the result keeps NULL); `dflt` copied when the cell is NULL. */
static char *take_cell(struct strata_rows *r, size_t row, size_t col, const char *dflt)
{
	char **cell = &r->cells[row * r->ncols + col], *v = *cell;

	*cell = NULL;
	return v ? v : dflt ? strata_strdup(dflt) : NULL;
}

int strata_history_read(struct strata_db *db, int with_down, struct strata_applied **rows, size_t *n,
			struct strata_err *err)
{
	struct strata_buf b;
	struct strata_rows *r;
	struct strata_applied *a;
	size_t i;
	int rc;

	*rows = NULL;
	*n = 0;
	if (!db->conn)
		return strata_db_offline_err(db, err);
	rc = strata_history_exists(db, err);
	if (rc <= 0)
		return rc;
	strata_buf_init(&b);
	strata_buf_adds(&b, with_down ? "SELECT version, name, checksum, down_script, " : "SELECT version, name, checksum, NULL, ");
	db->drv->sql->timestamp_text(&b, "applied_at");
	/* in the dialect's order, or the table's own (sorted below when it is not by version) */
	strata_buf_addf(&b, ", duration_ms, applied_by, state, statements_done, progress_checksum FROM %s%s", db->qtable,
			db->drv->sql->read_order);
	rc = read_tracking(db, &b, &r, err);
	if (rc)
		return rc;
	a = calloc(r->nrows ? r->nrows : 1, sizeof(*a));
	if (!a) {
		strata_rows_free(r);
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	}
	for (i = 0; i < r->nrows; i++) {
		const char *d = strata_rows_get(r, i, 5), *s = strata_rows_get(r, i, 8);

		/* the cells are taken over, not copied: at 10,000 rows the copies were megabytes */
		a[i].version = version_from_text(strata_rows_get(r, i, 0));
		a[i].name = take_cell(r, i, 1, "");
		a[i].checksum = take_cell(r, i, 2, "");
		a[i].down = take_cell(r, i, 3, NULL);
		a[i].applied_at = take_cell(r, i, 4, "");
		a[i].duration_ms = ms_from_text(d);
		a[i].applied_by = take_cell(r, i, 6, "");
		a[i].state = take_cell(r, i, 7, "applied");
		a[i].stmts_done = s ? atoi(s) : 0;
		a[i].progress = take_cell(r, i, 9, NULL);
		if (!a[i].name || !a[i].checksum || !a[i].applied_at || !a[i].applied_by || !a[i].state) {
			strata_applied_free(a, i + 1);
			strata_rows_free(r);
			return strata_err_set(err, STRATA_ENOMEM, "out of memory");
		}
	}
	/* sort only when the rows did not come in version order (0.1's negative versions, SQLite) */
	for (i = 1; i < r->nrows; i++)
		if (applied_cmp(&a[i - 1], &a[i]) > 0)
			break;
	if (i < r->nrows)
		qsort(a, r->nrows, sizeof(*a), applied_cmp);
	*n = r->nrows;
	*rows = a;
	strata_rows_free(r);
	return 0;
}

/* Now, as the engine's timestamp column wants it. */
static void now_text(struct strata_db *db, char when[40])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	if (!strftime(when, 40, db->drv->sql->timestamp_format, &tm))
		when[0] = '\0';
}

/* Run one bookkeeping statement with text parameters: fmt's %s are the table, then the version ($1). */
static int bookkeep(struct strata_db *db, const char *fmt, int n, const char *const *params, struct strata_err *err)
{
	struct strata_buf b;
	char v1[96];
	int rc;

	version_param(db, 1, v1);
	strata_buf_init(&b);
	add_stmt(db, &b, fmt, db->qtable, v1);
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = db->drv->query(db->conn, b.buf, n, params, NULL, err);
	strata_buf_release(&b);
	return rc;
}

int strata_history_progress(struct strata_db *db, const struct strata_migration *m, int done, const char *progress,
			    struct strata_err *err)
{
	/* on a row already partial (a resumed run), the new count and checksum */
	static const char *const update[] = { "state", "statements_done", "progress_checksum", NULL };
	char n[16], when[40], v1[96];
	const char *params[8];
	struct strata_buf b;
	int rc;

	snprintf(n, sizeof(n), "%d", done);
	now_text(db, when);
	params[0] = m->version.d;
	params[1] = m->name;
	params[2] = m->checksum;
	params[3] = m->down;
	params[4] = when;
	params[5] = db->applied_by;
	params[6] = n;
	params[7] = progress;
	version_param(db, 1, v1);
	strata_buf_init(&b);
	add_stmt(db, &b,
		 "INSERT INTO %s (version, name, checksum, down_script, applied_at, applied_by, state, "
		 "statements_done, progress_checksum) VALUES (%s, $2, $3, $4, $5, $6, 'partial', $7, $8)",
		 db->qtable, v1);
	db->drv->sql->upsert(&b, "version", update);
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = db->drv->query(db->conn, b.buf, 8, params, NULL, err);
	strata_buf_release(&b);
	return rc;
}

int strata_history_complete(struct strata_db *db, const struct strata_migration *m, double ms,
			    struct strata_err *err)
{
	char dur[32], when[40];
	const char *params[7];

	ms_text(dur, ms);
	now_text(db, when);
	params[0] = m->version.d;
	params[1] = m->checksum;
	params[2] = m->down;
	params[3] = when;
	params[4] = dur;
	params[5] = db->applied_by;
	params[6] = m->name;
	return bookkeep(db,
			"UPDATE %s SET state = 'applied', checksum = $2, down_script = $3, applied_at = $4, "
			"duration_ms = $5, applied_by = $6, name = $7, statements_done = 0, progress_checksum = NULL "
			"WHERE version = %s",
			7, params, err);
}

static void batch_sql(struct strata_db *db, const struct strata_migration *m, const struct strata_version *version,
		      const char *name, const char *action, int down, int returning, const char *result,
		      struct strata_buf *b)
{
	/*
	 * PostgreSQL times the message carrying BEGIN, the script and this (its
	 * statement_timestamp() is when the message arrived); an offline SQLite
	 * script records 0. The log row takes the tracking row's duration, so
	 * that the two agree to the microsecond.
	 */
	const char *elapsed = db->drv->sql->elapsed_ms;
	struct strata_buf ver;

	/* a long version is no SQL integer literal (SQLite would read it as a REAL): version_literal */
	strata_buf_init(&ver);
	version_literal(db, &ver, version);
	if (down) {
		strata_buf_addf(b, "DELETE FROM %s WHERE version = %s;\n", db->qtable, ver.buf);
	} else {
		strata_buf_addf(b, "INSERT INTO %s (version, name, checksum, down_script, duration_ms, applied_by) VALUES (%s, ",
				db->qtable, ver.buf);
		add_literal(db, b, m->name, strlen(m->name));
		strata_buf_adds(b, ", ");
		add_literal(db, b, m->checksum, strlen(m->checksum));
		strata_buf_adds(b, ", ");
		if (m->down)
			add_literal(db, b, m->down, m->down_len);
		else
			strata_buf_adds(b, "NULL");
		strata_buf_addf(b, ", %s, ", elapsed);
		add_literal(db, b, db->applied_by, strlen(db->applied_by));
		strata_buf_adds(b, ");\n");
	}
	strata_buf_addf(b, "INSERT INTO %s (action, version, name, applied_by, duration_ms, result) ", db->qlog);
	strata_buf_adds(b, down ? "VALUES (" : "SELECT ");
	add_literal(db, b, action, strlen(action));
	strata_buf_addf(b, ", %s, ", ver.buf);
	add_literal(db, b, name, strlen(name));
	strata_buf_adds(b, ", ");
	add_literal(db, b, db->applied_by, strlen(db->applied_by));
	if (down) {
		strata_buf_addf(b, ", %s, ", elapsed);
		add_literal(db, b, result, strlen(result));
		strata_buf_adds(b, ")");
	} else {
		strata_buf_adds(b, ", duration_ms, ");
		add_literal(db, b, result, strlen(result));
		strata_buf_addf(b, " FROM %s WHERE version = %s", db->qtable, ver.buf);
	}
	strata_buf_adds(b, returning ? " RETURNING duration_ms;\n" : ";\n");
	if (ver.broken)
		b->broken = 1;
	strata_buf_release(&ver);
}

void strata_history_batch_sql(struct strata_db *db, const struct strata_migration *m, const struct strata_version *version,
			      const char *name, const char *action, int down, int returning, struct strata_buf *b)
{
	batch_sql(db, m, version, name, action, down, returning, "ok", b);
}

void strata_history_script_sql(struct strata_db *db, const struct strata_migration *m,
			       const struct strata_version *version, const char *name, const char *action, int down,
			       struct strata_buf *b)
{
	/* run by a DBA's client, not by strata: the log says so */
	batch_sql(db, m, version, name, action, down, 0, "ok (offline script)", b);
}

void strata_deferred_init(struct strata_deferred *d)
{
	memset(d, 0, sizeof(*d));
	strata_buf_init(&d->track);
	strata_buf_init(&d->del);
	strata_buf_init(&d->log);
}

void strata_deferred_release(struct strata_deferred *d)
{
	strata_buf_release(&d->track);
	strata_buf_release(&d->del);
	strata_buf_release(&d->log);
	strata_deferred_init(d);
}

void strata_history_defer(struct strata_db *db, struct strata_deferred *d, const struct strata_migration *m,
			  const struct strata_version *version, const char *name, const char *action, int down, double ms)
{
	char dur[32];

	ms_text(dur, ms);
	if (down) {
		strata_buf_adds(&d->del, d->del.len ? ", " : "");
		version_literal(db, &d->del, version);
	} else {
		strata_buf_adds(&d->track, d->track.len ? ",\n(" : "(");
		version_literal(db, &d->track, version);
		strata_buf_adds(&d->track, ", ");
		add_literal(db, &d->track, m->name, strlen(m->name));
		strata_buf_adds(&d->track, ", ");
		add_literal(db, &d->track, m->checksum, strlen(m->checksum));
		strata_buf_adds(&d->track, ", ");
		if (m->down)
			add_literal(db, &d->track, m->down, m->down_len);
		else
			strata_buf_adds(&d->track, "NULL");
		strata_buf_addf(&d->track, ", %s, ", dur);
		add_literal(db, &d->track, db->applied_by, strlen(db->applied_by));
		strata_buf_adds(&d->track, ")");
	}
	strata_buf_addf(&d->log, "%s(", d->log.len ? ",\n" : "");
	add_literal(db, &d->log, action, strlen(action));
	strata_buf_adds(&d->log, ", ");
	version_literal(db, &d->log, version);
	strata_buf_adds(&d->log, ", ");
	add_literal(db, &d->log, name, strlen(name));
	strata_buf_adds(&d->log, ", ");
	add_literal(db, &d->log, db->applied_by, strlen(db->applied_by));
	strata_buf_addf(&d->log, ", %s, 'ok')", dur);
	d->down = down;
	d->n++;
}

int strata_history_flush(struct strata_db *db, struct strata_deferred *d, struct strata_err *err)
{
	struct strata_buf b;
	long pos;
	int rc;

	if (!d->n)
		return 0;
	strata_buf_init(&b);
	if (d->del.len) {
		strata_buf_addf(&b, "DELETE FROM %s WHERE version IN (", db->qtable);
		strata_buf_add(&b, d->del.buf, d->del.len);
		strata_buf_adds(&b, ");\n");
	}
	if (d->track.len) {
		strata_buf_addf(&b, "INSERT INTO %s (version, name, checksum, down_script, duration_ms, applied_by) VALUES\n",
				db->qtable);
		strata_buf_add(&b, d->track.buf, d->track.len);
		strata_buf_adds(&b, ";\n");
	}
	strata_buf_addf(&b, "INSERT INTO %s (action, version, name, applied_by, duration_ms, result) VALUES\n", db->qlog);
	strata_buf_add(&b, d->log.buf, d->log.len);
	strata_buf_adds(&b, ";");
	if (b.broken || d->track.broken || d->del.broken || d->log.broken) {
		strata_buf_release(&b);
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	}
	rc = db->drv->exec(db->conn, b.buf, b.len, &pos, err);
	strata_buf_release(&b);
	if (rc)
		strata_err_prefix(err, "recording %zu migrations in %s failed: ", d->n, db->qtable);
	strata_deferred_release(d);
	return rc;
}

int strata_history_insert(struct strata_db *db, const struct strata_migration *m, double ms,
			  struct strata_err *err)
{
	struct strata_buf b;
	char dur[32], when[40];
	const char *params[7];
	int rc;

	ms_text(dur, ms);
	now_text(db, when);
	params[0] = m->version.d;
	params[1] = m->name;
	params[2] = m->checksum;
	params[3] = m->down;
	params[4] = when;
	params[5] = dur;
	params[6] = db->applied_by;
	strata_buf_init(&b);
	{
		char v1[96];

		version_param(db, 1, v1);
		add_stmt(db, &b,
			 "INSERT INTO %s (version, name, checksum, down_script, applied_at, duration_ms, applied_by) "
			 "VALUES (%s, $2, $3, $4, $5, $6, $7)",
			 db->qtable, v1);
	}
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = db->drv->query(db->conn, b.buf, 7, params, NULL, err);
	strata_buf_release(&b);
	return rc;
}

int strata_history_down_progress(struct strata_db *db, const struct strata_version *version, int done,
				 const char *progress, struct strata_err *err)
{
	char n[16];
	const char *params[3];

	snprintf(n, sizeof(n), "%d", done);
	params[0] = version->d;
	params[1] = n;
	params[2] = progress;
	return bookkeep(db, "UPDATE %s SET statements_done = $2, progress_checksum = $3 WHERE version = %s", 3, params,
			err);
}

int strata_history_delete(struct strata_db *db, const struct strata_version *version, struct strata_err *err)
{
	struct strata_buf b;
	const char *params[1] = { version->d };
	int rc;

	strata_buf_init(&b);
	{
		char v1[96];

		version_param(db, 1, v1);
		strata_buf_addf(&b, "DELETE FROM %s WHERE version = %s", db->qtable, v1);
	}
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = db->drv->query(db->conn, b.buf, 1, params, NULL, err);
	strata_buf_release(&b);
	return rc;
}

int strata_history_has(struct strata_db *db, const struct strata_version *version, struct strata_err *err)
{
	struct strata_buf b;
	struct strata_rows *r;
	const char *params[1] = { version->d };
	int rc;

	strata_buf_init(&b);
	{
		char v1[96];

		version_param(db, 1, v1);
		strata_buf_addf(&b, "SELECT 1 FROM %s WHERE version = %s", db->qtable, v1);
	}
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = db->drv->query(db->conn, b.buf, 1, params, &r, err);
	strata_buf_release(&b);
	if (rc)
		return rc;
	rc = r->nrows > 0;
	strata_rows_free(r);
	return rc;
}

int strata_version_get(struct strata_db *db, struct strata_version *version, int *have, int *partial,
		       struct strata_err *err)
{
	struct strata_buf b;
	struct strata_rows *r;
	size_t i, pick = 0;
	int rc;

	version->d[0] = '\0';
	*have = *partial = 0;
	if (!db->conn)
		return strata_db_offline_err(db, err);
	rc = strata_history_exists(db, err);
	if (rc <= 0)
		return rc;
	/*
	 * One indexed query for both formats. PostgreSQL's numeric and 0.1's
	 * bigint order by value; SQLite's versions (integers, then longer TEXT)
	 * by (length, value), as its index does. In 0.1's tables versions above 2^63 are negative and then
	 * the highest: the first branch finds those (none in exact tables).
	 */
	strata_buf_init(&b);
	strata_buf_addf(&b,
			"SELECT version, state FROM (SELECT version, state FROM %s WHERE version < 0 "
			"ORDER BY version DESC LIMIT 1) AS high UNION ALL "
			"SELECT version, state FROM (SELECT version, state FROM %s ORDER BY %s LIMIT 1) AS low",
			db->qtable, db->qtable,
			db->drv->sql->version_desc);
	rc = read_tracking(db, &b, &r, err);
	if (rc)
		return rc;
	for (i = 0; i < r->nrows; i++) {
		const char *v = strata_rows_get(r, i, 0);

		if (v && v[0] == '-')
			pick = i;
	}
	if (r->nrows) {
		const char *state = strata_rows_get(r, pick, 1);

		*have = 1;
		*version = version_from_text(strata_rows_get(r, pick, 0));
		*partial = state && strcmp(state, "partial") == 0;
	}
	strata_rows_free(r);
	return 0;
}
