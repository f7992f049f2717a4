/*
 * test_sqlite_plan.c - the SQLite planner (src/driver_sqlite_plan.c)
 * through strata_schema_plan, on models read from in-memory databases: the
 * exact SQL of the main cases (ADD COLUMN, DROP COLUMN, RENAME, the 12-step
 * rebuild, creation and drop order), the flags (destructive, own
 * transaction), what is not handled, and for each plan the proof: the script
 * run on a database holding `from` gives a database whose model compares
 * equal to `to`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strata_schema.h"
#include "driver_sqlite.h"
#include "schema/model.h"

static struct strata_schema *model_of_db(sqlite3 *db)
{
	struct strata_schema_read_opts ro = {0};
	struct strata_schema *s = NULL;

	assert_int_equal(strata_schema_new(STRATA_ENGINE_SQLITE, &s), 0);
	assert_int_equal(strata_sqlite_schema_read_handle(db, &ro, s, NULL), 0);
	assert_int_equal(strata_schema_finish(s), 0);
	return s;
}

static sqlite3 *db_with(const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	return db;
}

static struct strata_schema *model(const char *sql)
{
	sqlite3 *db = db_with(sql);
	struct strata_schema *s = model_of_db(db);

	sqlite3_close(db);
	return s;
}

struct planned {
	struct strata_schema *from, *to;
	struct strata_schema_plan *p;
	char *sql;
};

static void plan_hinted(struct planned *pd, const char *from, const char *to, const struct strata_rename_hint *h,
			size_t nh)
{
	struct strata_plan_opts o = {.renames = h, .nrenames = nh};
	struct strata_err err;

	strata_err_clear(&err);
	pd->from = model(from);
	pd->to = model(to);
	if (strata_schema_plan(pd->from, pd->to, &o, &pd->p, &err) != 0)
		fail_msg("plan: %s", err.message);
	assert_int_equal(strata_schema_plan_sql(pd->p, &pd->sql, &err), 0);
}

static void plan(struct planned *pd, const char *from, const char *to)
{
	plan_hinted(pd, from, to, NULL, 0);
}

/* The script, run on a database holding `from` (and `rows`), gives `to`: compared as strata compares. */
static void assert_applies(const struct planned *pd, const char *from_sql, const char *rows)
{
	sqlite3 *db = db_with(from_sql);
	struct strata_schema *got;
	struct strata_schema_diff *d = NULL;
	char *msg = NULL;

	if (rows && sqlite3_exec(db, rows, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("rows: %s", msg);
	if (sqlite3_exec(db, pd->sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("the plan fails: %s\n%s", msg, pd->sql);
	got = model_of_db(db);
	assert_int_equal(strata_schema_compare(pd->to, got, &d, NULL), 0);
	if (d->n) {
		char *line = NULL;

		strata_schema_diff_line(&d->items[0], &line);
		fail_msg("%zu differences left, first: %s\n%s", d->n, line ? line : "?", pd->sql);
	}
	strata_schema_diff_free(d);
	strata_schema_free(got);
	sqlite3_close(db);
}

static void done(struct planned *pd)
{
	strata_schema_plan_free(pd->p);
	strata_schema_free(pd->from);
	strata_schema_free(pd->to);
	free(pd->sql);
}

static void assert_sql(const struct planned *pd, const char *want)
{
	if (strcmp(pd->sql, want) != 0)
		fail_msg("plan:\n%s\nwanted:\n%s", pd->sql, want);
}

static void test_equal_is_empty(void **state)
{
	struct planned pd;
	const char *s = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE INDEX ta ON t (a);"
			"CREATE VIEW v AS SELECT a FROM t;";

	(void)state;
	plan(&pd, s, s);
	assert_int_equal(pd.p->n, 0);
	assert_int_equal(pd.p->nunhandled, 0);
	assert_string_equal(pd.sql, "");
	done(&pd);
}

static void test_add_column(void **state)
{
	struct planned pd;
	const char *from = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);";

	(void)state;
	plan(&pd, from, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER NOT NULL DEFAULT 0);");
	assert_sql(&pd, "-- add column t.b\nALTER TABLE \"t\" ADD COLUMN b INTEGER NOT NULL DEFAULT 0;\n");
	assert_int_equal(pd.p->flags, 0);
	assert_applies(&pd, from, "INSERT INTO t VALUES (1, 'x');");
	done(&pd);
}

static void test_new_objects_in_dependency_order(void **state)
{
	struct planned pd;
	const char *from = "CREATE TABLE t (id INTEGER PRIMARY KEY);";

	(void)state;
	plan(&pd, from,
	     "CREATE TABLE t (id INTEGER PRIMARY KEY);"
	     "CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t (id));"
	     "CREATE INDEX u_t ON u (t_id);"
	     "CREATE VIEW w AS SELECT * FROM v;"
	     "CREATE VIEW v AS SELECT u.id FROM u JOIN t ON t.id = u.t_id;");
	assert_sql(&pd, "-- create table u\n"
			"CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t (id));\n"
			"\n-- create index u_t ON u\nCREATE INDEX u_t ON u (t_id);\n"
			"\n-- create view v\nCREATE VIEW v AS SELECT u.id FROM u JOIN t ON t.id = u.t_id;\n"
			"\n-- create view w\nCREATE VIEW w AS SELECT * FROM v;\n");
	assert_applies(&pd, from, NULL);
	done(&pd);
}

static void test_drops_are_destructive_and_ordered(void **state)
{
	struct planned pd;
	const char *from = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);"
			   "CREATE TABLE gone (id INTEGER PRIMARY KEY);"
			   "CREATE VIEW v AS SELECT a FROM t; CREATE VIEW w AS SELECT * FROM v;";

	(void)state;
	plan(&pd, from, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);");
	/* views first, the dependent one before the one it reads */
	assert_sql(&pd, "-- drop view w\nDROP VIEW \"w\";\n"
			"\n-- drop view v\nDROP VIEW \"v\";\n"
			"\n-- DESTRUCTIVE: drop column t.b\nALTER TABLE \"t\" DROP COLUMN \"b\";\n"
			"\n-- DESTRUCTIVE: drop table gone\nDROP TABLE \"gone\";\n");
	assert_true(pd.p->flags & STRATA_STEP_DESTRUCTIVE);
	assert_false(pd.p->flags & STRATA_STEP_OWN_TRANSACTION);
	assert_applies(&pd, from, "INSERT INTO t VALUES (1, 'x', 'y');");
	done(&pd);
}

static void test_rebuild(void **state)
{
	struct planned pd;
	const char *from = "CREATE TABLE p (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT);"
			   "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id) ON DELETE CASCADE);"
			   "CREATE INDEX pa ON p (a);"
			   "CREATE TRIGGER pt AFTER UPDATE ON p BEGIN SELECT 1; END;"
			   "CREATE VIEW pv AS SELECT a FROM p;";
	const char *to = "CREATE TABLE p (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT NOT NULL DEFAULT '');"
			 "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id) ON DELETE CASCADE);"
			 "CREATE INDEX pa ON p (a);"
			 "CREATE TRIGGER pt AFTER UPDATE ON p BEGIN SELECT 1; END;"
			 "CREATE VIEW pv AS SELECT a FROM p;";

	(void)state;
	plan(&pd, from, to);
	assert_sql(&pd,
		   "-- This migration manages its own transaction (a table rebuild must switch\n"
		   "-- foreign keys off outside one): run it as one file, not inside BEGIN/COMMIT.\n"
		   "\n-- drop view pv\nDROP VIEW \"pv\";\n"
		   "\n-- rebuild table p (default of a); a file-managed-transaction migration\n"
		   "-- SQLite's table rebuild (lang_altertable.html, \"Making Other Kinds Of Table Schema Changes\"):\n"
		   "-- this migration manages its own transaction.\n"
		   "PRAGMA foreign_keys=OFF;\n"
		   "BEGIN;\n"
		   "PRAGMA legacy_alter_table=ON;\n"
		   "ALTER TABLE \"p\" RENAME TO \"strata_old_p\";\n"
		   "CREATE TABLE p (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT NOT NULL DEFAULT '');\n"
		   "INSERT INTO \"p\" (\"id\", \"a\") SELECT \"id\", \"a\" FROM \"strata_old_p\";\n"
		   "UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = "
		   "'strata_old_p'), 0)) WHERE name = 'p';\n"
		   "INSERT INTO sqlite_sequence (name, seq) SELECT 'p', seq FROM sqlite_sequence WHERE name = "
		   "'strata_old_p' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'p');\n"
		   "DROP TABLE \"strata_old_p\";\n"
		   "CREATE INDEX pa ON p (a);\n"
		   "CREATE TRIGGER pt AFTER UPDATE ON p BEGIN SELECT 1; END;\n"
		   "CREATE TEMP TABLE strata_foreign_key_check (violations INTEGER CONSTRAINT \"rows violate a foreign "
		   "key (PRAGMA foreign_key_check lists them)\" CHECK (violations = 0));\n"
		   "INSERT INTO temp.strata_foreign_key_check SELECT (SELECT count(*) FROM "
		   "pragma_foreign_key_check('c'));\n"
		   "DROP TABLE temp.strata_foreign_key_check;\n"
		   "PRAGMA legacy_alter_table=OFF;\n"
		   "COMMIT;\n"
		   "PRAGMA foreign_keys=ON;\n"
		   "\n-- create view pv\nCREATE VIEW pv AS SELECT a FROM p;\n");
	assert_int_equal(pd.p->flags, STRATA_STEP_OWN_TRANSACTION);
	{
		/* rows kept, child rows too (foreign keys on: DROP TABLE would cascade), the counter kept */
		sqlite3 *db = db_with(from);
		sqlite3_stmt *st;
		char *msg = NULL;

		assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys=ON; INSERT INTO p (a) VALUES ('x'), ('y'), ('z');"
						  "DELETE FROM p WHERE id = 3; INSERT INTO c VALUES (1, 1), (2, 2);",
					      NULL, NULL, &msg),
				 SQLITE_OK);
		if (sqlite3_exec(db, pd.sql, NULL, NULL, &msg) != SQLITE_OK)
			fail_msg("%s", msg);
		assert_int_equal(sqlite3_prepare_v2(db,
						    "SELECT (SELECT count(*) FROM c), (SELECT group_concat(a) FROM p), "
						    "(SELECT seq FROM sqlite_sequence WHERE name = 'p'), "
						    "(SELECT count(*) FROM sqlite_sequence)",
						    -1, &st, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 2);
		assert_string_equal((const char *)sqlite3_column_text(st, 1), "x,y");
		assert_int_equal(sqlite3_column_int(st, 2), 3);
		assert_int_equal(sqlite3_column_int(st, 3), 1);
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	assert_applies(&pd, from, NULL);
	done(&pd);
}

static void test_rebuild_checks_foreign_keys(void **state)
{
	struct planned pd;
	const char *from = "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT);";
	sqlite3 *db;
	char *msg = NULL;

	(void)state;
	plan(&pd, from, "CREATE TABLE p (id INTEGER PRIMARY KEY);"
			"CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p (id));");
	assert_non_null(strstr(pd.sql, "-- rebuild table c ("));
	db = db_with(from);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1), (2, 7);", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, pd.sql, NULL, NULL, &msg), SQLITE_OK);
	assert_non_null(strstr(msg, "rows violate a foreign key"));
	sqlite3_free(msg);
	sqlite3_close(db);
	done(&pd);
}

static void test_add_column_rules(void **state)
{
	static const char *const rebuilt[] = {
		"b TEXT NOT NULL",                     /* NOT NULL without a default */
		"b TEXT DEFAULT CURRENT_TIMESTAMP",    /* not a constant */
		"b TEXT UNIQUE",                       /* UNIQUE */
		"b TEXT AS (upper(a)) STORED",         /* STORED generated */
		"b INTEGER DEFAULT 1 REFERENCES t (id)", /* REFERENCES with a default */
	};
	static const char *const added[] = {
		"b TEXT DEFAULT 'x'", "b INTEGER NOT NULL DEFAULT -1", "b REFERENCES t (id)",
		"b TEXT AS (upper(a)) VIRTUAL", "b TEXT CHECK (b IS NULL OR b <> '')",
	};
	const char *from = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);";

	(void)state;
	for (size_t i = 0; i < sizeof(rebuilt) / sizeof(*rebuilt) + sizeof(added) / sizeof(*added); i++) {
		int rb = i < sizeof(rebuilt) / sizeof(*rebuilt);
		const char *col = rb ? rebuilt[i] : added[i - sizeof(rebuilt) / sizeof(*rebuilt)];
		char to[256];
		struct planned pd;

		snprintf(to, sizeof(to), "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, %s);", col);
		plan(&pd, from, to);
		if (rb != (strstr(pd.sql, "-- rebuild table t (") != NULL))
			fail_msg("%s: wanted %s, got\n%s", col, rb ? "a rebuild" : "ADD COLUMN", pd.sql);
		assert_applies(&pd, from, rb && strstr(col, "NOT NULL") ? NULL : "INSERT INTO t VALUES (1, 'x');");
		done(&pd);
	}
}

static void test_renames_by_hint(void **state)
{
	struct planned pd;
	const char *from = "CREATE TABLE users (id INTEGER PRIMARY KEY, mail TEXT);"
			   "CREATE TABLE posts (id INTEGER PRIMARY KEY, uid INTEGER REFERENCES users (id));";
	/* what SQLite itself stores after the two renames: the table name quoted, the column's token as it was */
	const char *to = "CREATE TABLE \"people\" (id INTEGER PRIMARY KEY, email TEXT);"
			 "CREATE TABLE posts (id INTEGER PRIMARY KEY, uid INTEGER REFERENCES \"people\" (id));";
	struct strata_rename_hint h[] = {
		{.kind = STRATA_OBJ_TABLE, .name = "people", .old_name = "users"},
		{.kind = STRATA_OBJ_COLUMN, .parent = "people", .name = "email", .old_name = "mail"},
	};

	(void)state;
	plan_hinted(&pd, from, to, h, 2);
	assert_sql(&pd, "-- rename table users to people\nALTER TABLE \"users\" RENAME TO \"people\";\n"
			"\n-- rename column people.mail to email\nALTER TABLE \"people\" RENAME COLUMN \"mail\" TO email;\n");
	assert_int_equal(pd.p->flags, 0);
	assert_applies(&pd, from, "INSERT INTO users VALUES (1, 'a'); INSERT INTO posts VALUES (1, 1);");
	done(&pd);
	/* without the hints: a drop and a create, destructive */
	plan(&pd, from, to);
	assert_true(pd.p->flags & STRATA_STEP_DESTRUCTIVE);
	assert_non_null(strstr(pd.sql, "-- DESTRUCTIVE: drop table users"));
	done(&pd);
}

static void test_text_written_unlike_alter_is_rebuilt(void **state)
{
	struct planned pd;
	const char *from = "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  a TEXT\n);";

	(void)state;
	/* ADD COLUMN would write ", b TEXT" after "a TEXT\n": only a rebuild gives this text */
	plan(&pd, from, "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  a TEXT,\n  b TEXT\n);");
	assert_non_null(strstr(pd.sql, "-- rebuild table t ("));
	assert_non_null(strstr(pd.sql, "INSERT INTO \"t\" (\"id\", \"a\") SELECT \"id\", \"a\" FROM \"strata_old_t\";\n"));
	assert_applies(&pd, from, "INSERT INTO t VALUES (1, 'x');");
	done(&pd);
}

static void test_narrowing_is_destructive(void **state)
{
	struct planned pd;
	const char *from = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INT);";

	(void)state;
	plan(&pd, from, "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, n NUMERIC);");
	assert_non_null(strstr(pd.sql, "-- DESTRUCTIVE: rebuild table t ("));
	assert_non_null(strstr(pd.sql, "type of a TEXT \u2192 INTEGER may convert its values"));
	assert_null(strstr(pd.sql, "type of n INT"));  /* INTEGER and NUMERIC store alike */
	assert_int_equal(pd.p->flags, STRATA_STEP_DESTRUCTIVE | STRATA_STEP_OWN_TRANSACTION);
	assert_applies(&pd, from, "INSERT INTO t VALUES (1, '007', 3);");
	done(&pd);
}

static void test_gone_parent_drop_keeps_foreign_keys_off(void **state)
{
	struct planned pd;
	const char *from = "CREATE TABLE p (id INTEGER PRIMARY KEY);"
			   "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id) ON DELETE CASCADE);";

	(void)state;
	/* c still names p (SQLite allows a dangling reference): with foreign keys on, DROP TABLE p would empty c */
	plan(&pd, from, "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id) ON DELETE CASCADE);");
	assert_sql(&pd, "-- This migration manages its own transaction (a table rebuild must switch\n"
			"-- foreign keys off outside one): run it as one file, not inside BEGIN/COMMIT.\n"
			"\n-- DESTRUCTIVE: drop table p\nPRAGMA foreign_keys=OFF;\nDROP TABLE \"p\";\nPRAGMA foreign_keys=ON;\n");
	done(&pd);
}

static void test_virtual_table_change_is_not_handled(void **state)
{
	struct planned pd;

	(void)state;
	plan(&pd, "CREATE VIRTUAL TABLE f USING fts5(a);", "CREATE VIRTUAL TABLE f USING fts5(a, b);");
	assert_int_equal(pd.p->nunhandled, 1);
	assert_non_null(strstr(pd.p->unhandled[0], "virtual table f"));
	done(&pd);
}

static void test_only_order_is_left(void **state)
{
	struct planned pd;

	(void)state;
	plan(&pd, "CREATE TABLE t (id INTEGER, a TEXT, b TEXT);", "CREATE TABLE t (id INTEGER, b TEXT, a TEXT);");
	assert_int_equal(pd.p->n, 0);
	assert_int_equal(pd.p->nunhandled, 0);
	done(&pd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_is_empty),
		cmocka_unit_test(test_add_column),
		cmocka_unit_test(test_new_objects_in_dependency_order),
		cmocka_unit_test(test_drops_are_destructive_and_ordered),
		cmocka_unit_test(test_rebuild),
		cmocka_unit_test(test_rebuild_checks_foreign_keys),
		cmocka_unit_test(test_add_column_rules),
		cmocka_unit_test(test_renames_by_hint),
		cmocka_unit_test(test_text_written_unlike_alter_is_rebuilt),
		cmocka_unit_test(test_narrowing_is_destructive),
		cmocka_unit_test(test_gone_parent_drop_keeps_foreign_keys_off),
		cmocka_unit_test(test_virtual_table_change_is_not_handled),
		cmocka_unit_test(test_only_order_is_left),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
