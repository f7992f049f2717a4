/*
 * test_dialect.c - unit tests of each driver's dialect (src/driver.h): the
 * SQL texts history.c, apply.c, fleet.c and maintain.c ask the driver for
 * instead of naming an engine. Quoting, placeholders, the version storage
 * rule at the 10^18 boundary (and, on a real SQLite file, the order it
 * gives), timestamps, the upsert, session SQL, file names and the texts for
 * people, and the error classes a driver sets.
 *
 * The SQLite driver is built in; the PostgreSQL one comes through
 * strata_driver_load (a module found through STRATA_DRIVER_DIR, or built
 * in), so this test works either way. No PostgreSQL server is needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "split.h"
#include "driver.h"

/* the built-in SQLite driver (driver_sqlite.c) */
extern const struct strata_driver strata_driver_sqlite;

static const struct strata_driver *pg(void)
{
	struct strata_err err;
	const struct strata_driver *d;

	strata_err_clear(&err);
	d = strata_driver_load(STRATA_ENGINE_POSTGRES, &err);
	if (!d)
		fprintf(stderr, "PostgreSQL driver: %s\n", err.message);
	strata_err_release(&err);
	assert_non_null(d);
	return d;
}

static const struct strata_driver *sq(void)
{
	return strata_driver_load(STRATA_ENGINE_SQLITE, NULL);
}

/* Calls fn(b, ...) on a fresh buffer and compares what it wrote. */
#define assert_writes(expect, call)                                   \
	do {                                                          \
		struct strata_buf b_;                                 \
		strata_buf_init(&b_);                                 \
		call;                                                 \
		assert_false(b_.broken);                              \
		assert_string_equal(b_.buf, expect);                  \
		strata_buf_release(&b_);                              \
	} while (0)

static void test_identity(void **state)
{
	(void)state;
	assert_ptr_equal(sq(), &strata_driver_sqlite);
	assert_string_equal(sq()->display_name, "SQLite");
	assert_string_equal(pg()->display_name, "PostgreSQL");
	assert_non_null(sq()->sql);
	assert_non_null(pg()->sql);
	/* the dialect each lexes scripts in */
	assert_int_equal(sq()->dialect, STRATA_DIALECT_SQLITE);
	assert_int_equal(pg()->dialect, STRATA_DIALECT_POSTGRES);
}

static void test_quoting(void **state)
{
	const struct strata_driver *d[2];
	int i;

	(void)state;
	d[0] = sq();
	d[1] = pg();
	for (i = 0; i < 2; i++) {
		assert_writes("\"users\"", d[i]->sql->quote_ident(&b_, "users"));
		assert_writes("\"a\"\"b\"", d[i]->sql->quote_ident(&b_, "a\"b"));
		assert_writes("\"\"\"\"", d[i]->sql->quote_ident(&b_, "\""));
		assert_writes("'it''s'", d[i]->sql->quote_literal(&b_, "it's", 4));
		assert_writes("''''''", d[i]->sql->quote_literal(&b_, "''", 2));
		/* len counts: the rest of the string is not read */
		assert_writes("'ab'", d[i]->sql->quote_literal(&b_, "abcdef", 2));
		assert_writes("$1", d[i]->sql->placeholder(&b_, 1));
		assert_writes("$12", d[i]->sql->placeholder(&b_, 12));
	}
}

static void version(struct strata_version *v, const char *digits)
{
	assert_int_equal(strata_version_parse(digits, strlen(digits), v), 0);
}

static void test_version_storage(void **state)
{
	struct strata_version v18, v19, small, big;

	(void)state;
	version(&v18, "999999999999999999");  /* 10^18 - 1: 18 digits */
	version(&v19, "1000000000000000000"); /* 10^18: 19 digits */
	version(&small, "7");
	version(&big, "123456789012345678901234567890");
	/* SQLite: an INTEGER up to 18 digits, TEXT from 10^18 on */
	assert_writes("999999999999999999", sq()->sql->version_literal(&b_, &v18));
	assert_writes("'1000000000000000000'", sq()->sql->version_literal(&b_, &v19));
	assert_writes("7", sq()->sql->version_literal(&b_, &small));
	assert_writes("'123456789012345678901234567890'", sq()->sql->version_literal(&b_, &big));
	assert_writes("(CASE WHEN length($3) <= 18 THEN CAST($3 AS INTEGER) ELSE $3 END)",
		      sq()->sql->version_param(&b_, 3));
	assert_string_equal(sq()->sql->version_desc, "length(version) DESC, version DESC");
	assert_string_equal(sq()->sql->read_order, "");
	/* PostgreSQL: numeric holds them all; literals are quoted, parameters bare */
	assert_writes("'999999999999999999'", pg()->sql->version_literal(&b_, &v18));
	assert_writes("'1000000000000000000'", pg()->sql->version_literal(&b_, &v19));
	assert_writes("$3", pg()->sql->version_param(&b_, 3));
	assert_string_equal(pg()->sql->version_desc, "version DESC");
	assert_string_equal(pg()->sql->read_order, " ORDER BY version");
}

/* A fresh SQLite file, opened through the driver. */
static struct strata_conn *sqlite_open(char *path, size_t n, struct strata_target *t)
{
	struct strata_opts o;
	struct strata_err err;
	struct strata_conn *c = NULL;
	int fd;

	snprintf(path, n, "/tmp/strata-test-dialect-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	memset(t, 0, sizeof(*t));
	t->engine = STRATA_ENGINE_SQLITE;
	t->conninfo = path;
	t->display = path;
	strata_opts_init(&o);
	strata_err_clear(&err);
	assert_int_equal(sq()->connect(t, &o, &c, &err), 0);
	strata_err_release(&err);
	return c;
}

/* What the DDL, the literals and the parameters make of versions on a real SQLite file, and their order. */
static void test_sqlite_version_order(void **state)
{
	static const char *const in[] = { "1000000000000000000", "5", "999999999999999999",
					  "123456789012345678901234567890", "1000000000000000001", "10" };
	static const char *const out[] = { "123456789012345678901234567890", "1000000000000000001",
					   "1000000000000000000", "999999999999999999", "10", "5" };
	const struct strata_dialect_ops *d = sq()->sql;
	struct strata_target t;
	struct strata_conn *c;
	struct strata_rows *r;
	struct strata_err err;
	struct strata_buf b;
	char path[64];
	long pos;
	size_t i;

	(void)state;
	strata_err_clear(&err);
	c = sqlite_open(path, sizeof(path), &t);
	strata_buf_init(&b);
	d->tracking_ddl(&b, NULL, "trk", "\"trk\"");
	strata_buf_adds(&b, ";\n");
	assert_int_equal(sq()->exec(c, b.buf, b.len, &pos, &err), 0);
	/* half through literals, half through parameters */
	for (i = 0; i < 6; i++) {
		struct strata_version v;
		const char *params[1] = { in[i] };

		version(&v, in[i]);
		strata_buf_reset(&b);
		strata_buf_adds(&b, "INSERT INTO trk (version, name, checksum, applied_by) VALUES (");
		if (i % 2)
			d->version_param(&b, 1);
		else
			d->version_literal(&b, &v);
		strata_buf_adds(&b, ", 'n', 'c', 'me')");
		assert_int_equal(sq()->query(c, b.buf, i % 2 ? 1 : 0, i % 2 ? params : NULL, NULL, &err), 0);
	}
	strata_buf_reset(&b);
	strata_buf_addf(&b, "SELECT version, typeof(version) FROM trk ORDER BY %s", d->version_desc);
	assert_int_equal(sq()->query(c, b.buf, 0, NULL, &r, &err), 0);
	assert_int_equal(r->nrows, 6);
	for (i = 0; i < 6; i++) {
		assert_string_equal(strata_rows_get(r, i, 0), out[i]);
		/* the boundary: 10^18 and above are TEXT */
		assert_string_equal(strata_rows_get(r, i, 1), strlen(out[i]) <= 18 ? "integer" : "text");
	}
	strata_rows_free(r);
	/* the index the DDL made orders the same way */
	assert_int_equal(sq()->query(c, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'trk' "
				       "AND sql LIKE '%(length(version), version)%'",
				     0, NULL, &r, &err),
			 0);
	assert_int_equal(r->nrows, 1);
	assert_string_equal(strata_rows_get(r, 0, 0), "trk_version_order");
	strata_rows_free(r);
	/* the upsert: a second insert of a version updates the columns asked for */
	strata_buf_reset(&b);
	strata_buf_adds(&b, "INSERT INTO trk (version, name, checksum, applied_by, state) VALUES (5, 'n', 'c2', 'me', "
			    "'partial')");
	{
		static const char *const cols[] = { "state", "checksum", NULL };

		d->upsert(&b, "version", cols);
	}
	assert_int_equal(sq()->query(c, b.buf, 0, NULL, NULL, &err), 0);
	assert_int_equal(sq()->query(c, "SELECT state, checksum, count(*) FROM trk WHERE version = 5", 0, NULL, &r, &err),
			 0);
	assert_string_equal(strata_rows_get(r, 0, 0), "partial");
	assert_string_equal(strata_rows_get(r, 0, 1), "c2");
	assert_string_equal(strata_rows_get(r, 0, 2), "1");
	strata_rows_free(r);
	/* the columns query and the declared type of the untyped column */
	strata_buf_reset(&b);
	d->columns(&b, NULL, "trk");
	assert_int_equal(sq()->query(c, b.buf, 0, NULL, &r, &err), 0);
	assert_int_equal(r->nrows, 10);
	assert_string_equal(strata_rows_get(r, 0, 0), "version");
	assert_string_equal(strata_rows_get(r, 9, 0), "progress_checksum");
	strata_rows_free(r);
	strata_buf_reset(&b);
	strata_buf_adds(&b, "SELECT ");
	d->column_type(&b, NULL, "trk", "version");
	strata_buf_adds(&b, ", ");
	d->column_type(&b, NULL, "trk", "duration_ms");
	assert_int_equal(sq()->query(c, b.buf, 0, NULL, &r, &err), 0);
	assert_string_equal(strata_rows_get(r, 0, 0), "");
	assert_string_equal(strata_rows_get(r, 0, 1), "INTEGER");
	strata_rows_free(r);
	strata_buf_release(&b);
	sq()->close(c);
	strata_err_release(&err);
	unlink(path);
}


/* q on c with the lease parameters; the rows (caller frees), NULL for none asked. */
static struct strata_rows *lease_q(struct strata_conn *c, void (*fn)(struct strata_buf *, const char *), const char *owner,
				   const char *secs, int want_rows)
{
	const char *params[3] = { "strata:\"trk\"", owner, secs };
	struct strata_rows *r = NULL;
	struct strata_err err;
	struct strata_buf b;

	strata_err_clear(&err);
	strata_buf_init(&b);
	fn(&b, "\"trk_lock\"");
	assert_false(b.broken);
	if (sq()->query(c, b.buf, 3, params, want_rows ? &r : NULL, &err) != 0)
		fail_msg("%s: %s", b.buf, err.message);
	strata_buf_release(&b);
	strata_err_release(&err);
	return r;
}

/* Whose is the lease now, by lease_read (malloc'ed, NULL when no row)? */
static char *lease_owner_now(struct strata_conn *c)
{
	struct strata_rows *r = lease_q(c, sq()->sql->lease_read, NULL, NULL, 1);
	char *o = r->nrows ? strdup(strata_rows_get(r, 0, 0)) : NULL;

	assert_true(r->nrows <= 1);
	if (r->nrows)
		assert_int_equal(r->ncols, 5);
	strata_rows_free(r);
	return o;
}

/*
 * The lease statements on a real SQLite file: the first take wins; another
 * owner's take leaves a live lease alone and replaces an expired one; the
 * beat of an owner whose lease was taken over touches nothing; release
 * deletes only one's own row.
 */
static void test_sqlite_lease(void **state)
{
	const struct strata_dialect_ops *d = sq()->sql;
	struct strata_target t;
	struct strata_conn *c;
	struct strata_rows *r;
	struct strata_err err;
	struct strata_buf b;
	char path[64], *o;
	long pos;

	(void)state;
	strata_err_clear(&err);
	c = sqlite_open(path, sizeof(path), &t);
	strata_buf_init(&b);
	d->lease_ddl(&b, "\"trk_lock\"");
	assert_int_equal(sq()->exec(c, b.buf, b.len, &pos, &err), 0);
	assert_int_equal(sq()->exec(c, b.buf, b.len, &pos, &err), 0); /* IF NOT EXISTS */
	strata_buf_release(&b);
	lease_q(c, d->lease_take, "a:1:00000001", "30", 0);
	assert_string_equal(o = lease_owner_now(c), "a:1:00000001");
	free(o);
	/* b cannot take a live lease; a's own take renews it */
	lease_q(c, d->lease_take, "b:2:00000002", "30", 0);
	assert_string_equal(o = lease_owner_now(c), "a:1:00000001");
	free(o);
	assert_int_equal(sq()->query(c, "UPDATE trk_lock SET heartbeat_at = '2001-01-01 00:00:00.000'", 0, NULL, NULL, &err),
			 0);
	lease_q(c, d->lease_beat, "a:1:00000001", "30", 0);
	assert_int_equal(sq()->query(c, "SELECT heartbeat_at > '2002' FROM trk_lock", 0, NULL, &r, &err), 0);
	assert_string_equal(strata_rows_get(r, 0, 0), "1");
	strata_rows_free(r);
	/* a stops beating: once expired, b takes it over, and a's next beat finds it gone */
	assert_int_equal(sq()->query(c, "UPDATE trk_lock SET expires_at = '2000-01-01 00:00:00.000'", 0, NULL, NULL, &err),
			 0);
	lease_q(c, d->lease_take, "b:2:00000002", "30", 0);
	assert_string_equal(o = lease_owner_now(c), "b:2:00000002");
	free(o);
	lease_q(c, d->lease_beat, "a:1:00000001", "30", 0); /* touches b's row not */
	assert_string_equal(o = lease_owner_now(c), "b:2:00000002");
	free(o);
	/* expires_at is 30 s after the heartbeat, on the database's clock */
	assert_int_equal(sq()->query(c, "SELECT round((julianday(expires_at) - julianday(heartbeat_at)) * 86400) FROM trk_lock",
				     0, NULL, &r, &err),
			 0);
	assert_string_equal(strata_rows_get(r, 0, 0), "30.0");
	strata_rows_free(r);
	/* a's release leaves b's row; b's deletes it */
	lease_q(c, d->lease_release, "a:1:00000001", NULL, 0);
	assert_string_equal(o = lease_owner_now(c), "b:2:00000002");
	free(o);
	lease_q(c, d->lease_release, "b:2:00000002", NULL, 0);
	assert_null(lease_owner_now(c));
	sq()->close(c);
	strata_err_release(&err);
	unlink(path);
}

/* PostgreSQL's lease statements: the conditional upsert and the server's clock. */
static void test_pg_lease_text(void **state)
{
	const struct strata_dialect_ops *d = pg()->sql;
	struct strata_buf b;

	(void)state;
	strata_buf_init(&b);
	d->lease_take(&b, "\"s\".\"m_lock\"");
	assert_non_null(strstr(b.buf, "INSERT INTO \"s\".\"m_lock\" AS l"));
	assert_non_null(strstr(b.buf, "ON CONFLICT (lock_key) DO UPDATE"));
	assert_non_null(strstr(b.buf, "WHERE l.expires_at < clock_timestamp() OR l.owner = excluded.owner"));
	strata_buf_reset(&b);
	d->lease_beat(&b, "\"m_lock\"");
	assert_non_null(strstr(b.buf, "WHERE lock_key = $1 AND owner = $2"));
	strata_buf_release(&b);
	assert_non_null(d->lease_session);
	assert_non_null(pg()->lock_check);
}

static void test_tables(void **state)
{
	struct strata_buf b;

	(void)state;
	strata_buf_init(&b);
	/* SQLite: an untyped version column and an index naming the table without its schema */
	sq()->sql->tracking_ddl(&b, "aux", "trk", "\"aux\".\"trk\"");
	assert_non_null(strstr(b.buf, "CREATE TABLE IF NOT EXISTS \"aux\".\"trk\" (\n  version PRIMARY KEY,\n"));
	assert_non_null(strstr(b.buf, "CREATE INDEX IF NOT EXISTS \"aux\".\"trk_version_order\" ON \"trk\" "
				      "(length(version), version)"));
	strata_buf_reset(&b);
	sq()->sql->log_ddl(&b, "\"trk_log\"");
	assert_non_null(strstr(b.buf, "CREATE TABLE IF NOT EXISTS \"trk_log\" (\n  id INTEGER PRIMARY KEY,"));
	assert_non_null(strstr(b.buf, "  version,\n"));
	strata_buf_reset(&b);
	/* PostgreSQL: numeric versions, ordered by the primary key's index */
	pg()->sql->tracking_ddl(&b, "s", "trk", "\"s\".\"trk\"");
	assert_non_null(strstr(b.buf, "CREATE TABLE IF NOT EXISTS \"s\".\"trk\" (\n  version numeric PRIMARY KEY,\n"));
	assert_null(strstr(b.buf, "INDEX"));
	assert_int_equal(b.buf[b.len - 1], ')');
	strata_buf_reset(&b);
	pg()->sql->log_ddl(&b, "\"trk_log\"");
	assert_non_null(strstr(b.buf, "  id bigserial PRIMARY KEY,\n"));
	assert_non_null(strstr(b.buf, "  version numeric,\n"));
	strata_buf_reset(&b);
	{
		static const char *const cols[] = { "state", "statements_done", NULL };

		pg()->sql->upsert(&b, "version", cols);
		assert_string_equal(b.buf, " ON CONFLICT (version) DO UPDATE SET state = excluded.state, "
					   "statements_done = excluded.statements_done");
		strata_buf_reset(&b);
		sq()->sql->upsert(&b, "version", cols);
		assert_string_equal(b.buf, " ON CONFLICT (version) DO UPDATE SET state = excluded.state, "
					   "statements_done = excluded.statements_done");
	}
	strata_buf_reset(&b);
	/* 0.1's tables: PostgreSQL changes the type in place, SQLite rebuilds */
	pg()->sql->retype_version(&b, "\"trk\"");
	assert_string_equal(b.buf, "ALTER TABLE \"trk\" ALTER COLUMN version TYPE numeric USING (CASE WHEN version < 0 "
				   "THEN version::numeric + 18446744073709551616 ELSE version::numeric END);\n");
	assert_null(sq()->sql->retype_version);
	assert_string_equal(pg()->sql->legacy_version_types[0], "bigint");
	assert_null(pg()->sql->legacy_version_types[1]);
	assert_string_equal(sq()->sql->legacy_version_types[0], "INTEGER");
	strata_buf_reset(&b);
	pg()->sql->column_type(&b, "my'schema", "trk", "version");
	assert_string_equal(b.buf, "(SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
				   "to_regclass('\"my''schema\".\"trk\"') AND attname = 'version')");
	strata_buf_reset(&b);
	sq()->sql->column_type(&b, "aux", "t'rk", "version");
	assert_string_equal(b.buf, "(SELECT type FROM pragma_table_info('t''rk', 'aux') WHERE name = 'version')");
	strata_buf_release(&b);
}

static void test_time(void **state)
{
	struct tm tm = { 0 };
	char when[40];

	(void)state;
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 11;
	tm.tm_mday = 1;
	tm.tm_hour = 13;
	tm.tm_min = 4;
	tm.tm_sec = 5;
	assert_true(strftime(when, sizeof(when), sq()->sql->timestamp_format, &tm) > 0);
	assert_string_equal(when, "2026-12-01 13:04:05");
	assert_true(strftime(when, sizeof(when), pg()->sql->timestamp_format, &tm) > 0);
	assert_string_equal(when, "2026-12-01 13:04:05+00");
	assert_writes("at", sq()->sql->timestamp_text(&b_, "at"));
	assert_writes("to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')", pg()->sql->timestamp_text(&b_, "at"));
	assert_string_equal(sq()->sql->elapsed_ms, "0");
	assert_non_null(strstr(pg()->sql->elapsed_ms, "statement_timestamp()"));
}

static void test_sessions(void **state)
{
	(void)state;
	assert_string_equal(sq()->sql->begin, "BEGIN IMMEDIATE");
	assert_string_equal(pg()->sql->begin, "BEGIN");
	assert_null(sq()->sql->statement_timeout);
	assert_null(sq()->sql->statement_timeout_reset);
	assert_writes("SET LOCAL statement_timeout = 30000", pg()->sql->statement_timeout(&b_, 30000.0, 1));
	assert_writes("SET statement_timeout = 1500", pg()->sql->statement_timeout(&b_, 1500.0, 0));
	assert_string_equal(pg()->sql->statement_timeout_reset, "RESET statement_timeout");
	/* only an engine with schemas pins a tracking table to one, and lists them for fleets */
	assert_null(sq()->table_schema);
	assert_non_null(pg()->table_schema);
	assert_null(sq()->sql->schemas_query);
	assert_non_null(strstr(pg()->sql->schemas_query, "pg_namespace"));
}

static void test_files_and_people(void **state)
{
	(void)state;
	assert_string_equal(sq()->sql->backup_suffix, ".db");
	assert_string_equal(pg()->sql->backup_suffix, ".dump");
	assert_string_equal(sq()->sql->client_command, "sqlite3 -bail DB < FILE");
	assert_string_equal(pg()->sql->client_command, "psql -X -v ON_ERROR_STOP=1 -f FILE");
}

/* A file that is not a database: the driver classes it as the surroundings' fault. */
static void test_error_class(void **state)
{
	struct strata_target t;
	struct strata_opts o;
	struct strata_err err;
	struct strata_conn *c = NULL;
	char path[64];
	FILE *f;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/strata-test-dialect-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("this is not an SQLite database, and it is long enough to have a header page of its own\n", f);
	fclose(f);
	memset(&t, 0, sizeof(t));
	t.engine = STRATA_ENGINE_SQLITE;
	t.conninfo = t.display = path;
	strata_opts_init(&o);
	strata_err_clear(&err);
	assert_int_not_equal(sq()->connect(&t, &o, &c, &err), 0);
	assert_null(c);
	assert_int_equal(err.err_class, STRATA_ERRCLASS_ENVIRONMENT);
	assert_true(strata_err_environmental(&err));
	strata_err_release(&err);
	unlink(path);

	/* a statement's own error is not */
	c = sqlite_open(path, sizeof(path), &t);
	{
		long pos;

		assert_int_equal(sq()->exec(c, "SELECT * FROM no_such_table", 27, &pos, &err), STRATA_EDB);
	}
	assert_int_equal(err.err_class, STRATA_ERRCLASS_NONE);
	assert_false(strata_err_environmental(&err));
	strata_err_release(&err);
	sq()->close(c);
	unlink(path);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_version_storage),
		cmocka_unit_test(test_sqlite_version_order),
		cmocka_unit_test(test_sqlite_lease),
		cmocka_unit_test(test_pg_lease_text),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_files_and_people),
		cmocka_unit_test(test_error_class),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
