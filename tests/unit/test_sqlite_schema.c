/*
 * test_sqlite_schema.c - the SQLite driver's schema reader
 * (src/driver_sqlite_schema.c) on real database files, through
 * strata_schema_read: which objects it models (and which it leaves out:
 * strata's tables, SQLite's own, automatic indexes, shadow tables), the
 * stored text as each object's SQL, the column and foreign key detail a
 * comparison reports on, and the dependencies a dump is ordered by.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "strata_schema.h"
#include "driver.h"
#include "tmpdb.h"

static void run_sql(struct tmpdb *t, const char *sql)
{
	long errpos;

	strata_err_release(&t->err);
	if (t->db->drv->exec(t->db->conn, sql, strlen(sql), &errpos, &t->err) != 0)
		fail_msg("%s: %s", sql, t->err.message);
}

static struct strata_schema *read_schema(struct tmpdb *t)
{
	struct strata_schema *s = NULL;

	strata_err_release(&t->err);
	assert_int_equal(strata_schema_read(t->db, 0, &s, &t->err), 0);
	assert_non_null(s);
	return s;
}

static const struct strata_schema_obj *must_find(const struct strata_schema *s, enum strata_obj_kind k,
						 const char *parent, const char *name)
{
	const struct strata_schema_obj *o = strata_schema_find(s, k, NULL, parent, name);

	if (!o)
		fail_msg("no %s %s%s%s in the schema", strata_obj_kind_name(k), parent ? parent : "", parent ? "." : "",
			 name);
	return o;
}

static int has_dep(const struct strata_schema_obj *o, const char *key)
{
	for (size_t i = 0; i < o->ndeps; i++)
		if (strcmp(o->deps[i], key) == 0)
			return 1;
	return 0;
}

static void assert_attr(const struct strata_schema_obj *o, const char *key, const char *value)
{
	const char *v = strata_schema_attr_get(o, key);

	if (!value) {
		if (v)
			fail_msg("%s %s: %s is '%s', expected none", strata_obj_kind_name(o->kind), o->name, key, v);
		return;
	}
	if (!v || strcmp(v, value) != 0)
		fail_msg("%s %s: %s is '%s', expected '%s'", strata_obj_kind_name(o->kind), o->name, key,
			 v ? v : "(none)", value);
}

static size_t count_kind(const struct strata_schema *s, enum strata_obj_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->objs[i].kind == k;
	return n;
}

/*
 * The dump of s, run on a new database file, gives a schema equal to s
 * (strata_schema_compare: no difference) that dumps to the same bytes.
 */
static void assert_round_trip(struct tmpdb *t, const struct strata_schema *s, const char *name)
{
	struct strata_target *target = NULL;
	struct strata_db *db = NULL;
	struct strata_schema *s2 = NULL;
	struct strata_schema_diff *d = NULL;
	char url[400], *sql = NULL, *sql2 = NULL;
	long errpos;

	snprintf(url, sizeof(url), "sqlite:%s/%s.db", t->dir, name);
	strata_err_release(&t->err);
	assert_int_equal(strata_schema_dump(s, &sql, &t->err), 0);
	assert_int_equal(strata_target_parse(url, &target, &t->err), 0);
	assert_int_equal(strata_db_open(target, &t->opts, &db, &t->err), 0);
	if (db->drv->exec(db->conn, sql, strlen(sql), &errpos, &t->err) != 0)
		fail_msg("%s: the dump does not run: %s at %ld in\n%s", name, t->err.message, errpos, sql);
	assert_int_equal(strata_schema_read(db, 0, &s2, &t->err), 0);
	assert_int_equal(strata_schema_compare(s, s2, &d, &t->err), 0);
	for (size_t i = 0; i < d->n; i++) {
		char *line = NULL;

		strata_schema_diff_line(&d->items[i], &line);
		print_error("%s: %s\n", name, line ? line : "?");
		free(line);
	}
	assert_int_equal(d->n, 0);
	assert_int_equal(d->nunhandled, 0);
	assert_int_equal(strata_schema_dump(s2, &sql2, &t->err), 0);
	assert_string_equal(sql, sql2);
	free(sql);
	free(sql2);
	strata_schema_diff_free(d);
	strata_schema_free(s2);
	strata_db_close(db);
	strata_target_free(target);
}

/*
 * Table t's text put back together from its pieces: its own part with the
 * columns' definitions, in position order, in place of the "…". The cut is
 * lossless when this is the stored text (then two tables' texts are equal
 * exactly when their pieces are).
 */
static char *rebuild_table(const struct strata_schema *s, const char *table)
{
	const struct strata_schema_obj *t = strata_schema_find(s, STRATA_OBJ_TABLE, NULL, NULL, table);
	const char *rest = t ? strata_schema_attr_get(t, "definition") : NULL, *mark;
	struct strata_buf b;

	assert_non_null(rest);
	mark = strstr(rest, "\u2026");
	assert_non_null(mark);
	strata_buf_init(&b);
	strata_buf_add(&b, rest, (size_t)(mark - rest));
	for (int pos = 1;; pos++) {
		const struct strata_schema_obj *c = NULL;

		for (size_t i = 0; i < s->n && !c; i++)
			if (s->objs[i].kind == STRATA_OBJ_COLUMN && strcmp(s->objs[i].parent, table) == 0 &&
			    s->objs[i].position == pos)
				c = &s->objs[i];
		if (!c)
			break;
		if (pos > 1)
			strata_buf_addc(&b, ',');
		assert_non_null(strata_schema_attr_get(c, "definition"));
		strata_buf_adds(&b, strata_schema_attr_get(c, "definition"));
	}
	strata_buf_adds(&b, mark + strlen("\u2026"));
	return strata_buf_detach(&b, NULL);
}

/* The differences from a to b, one line each, joined by newlines ("" when none). */
static char *diff_text(struct tmpdb *t, const struct strata_schema *a, const struct strata_schema *b)
{
	struct strata_schema_diff *d = NULL;
	struct strata_buf out;

	assert_int_equal(strata_schema_compare(a, b, &d, &t->err), 0);
	strata_buf_init(&out);
	for (size_t i = 0; i < d->n; i++) {
		char *line = NULL;

		assert_int_equal(strata_schema_diff_line(&d->items[i], &line), 0);
		strata_buf_addf(&out, "%s%s", i ? "\n" : "", line);
		free(line);
	}
	strata_schema_diff_free(d);
	return strata_buf_detach(&out, NULL);
}

/* A schema with one of each thing, applied as a migration so that strata's tables are there too. */
static void test_objects_and_detail(void **state)
{
	struct tmpdb t;
	struct strata_schema *s;
	const struct strata_schema_obj *o;

	(void)state;
	tmpdb_init(&t);
	tmpdb_file(&t, "001_init.up.sql",
		   "CREATE TABLE users (\n"
		   "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
		   "  email TEXT NOT NULL UNIQUE COLLATE NOCASE,\n"
		   "  karma INTEGER DEFAULT 0,\n"
		   "  karma2 INTEGER GENERATED ALWAYS AS (karma * 2) STORED,\n"
		   "  shout TEXT AS (upper(email))\n"
		   ") STRICT;\n"
		   "CREATE TABLE posts (uid INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE, n INTEGER,\n"
		   "  body TEXT, PRIMARY KEY (uid, n)) WITHOUT ROWID;\n"
		   "CREATE INDEX posts_body ON posts (body) WHERE body IS NOT NULL;\n"
		   "CREATE VIEW recent AS SELECT * FROM \"posts\" WHERE n > 10;\n"
		   "CREATE VIEW top AS SELECT r.uid FROM recent AS r JOIN users ON users.id = r.uid;\n"
		   "CREATE TRIGGER users_touch AFTER UPDATE ON users BEGIN UPDATE posts SET n = n WHERE uid = new.id; END;\n"
		   "INSERT INTO users (email) VALUES ('a@b');\n");
	tmpdb_load(&t);
	tmpdb_open(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, NULL), 0);
	s = read_schema(&t);

	/* users, posts: not strata's tables, not sqlite_sequence, not the autoindexes of UNIQUE and the PK */
	assert_int_equal(count_kind(s, STRATA_OBJ_TABLE), 2);
	assert_int_equal(count_kind(s, STRATA_OBJ_INDEX), 1);
	assert_int_equal(count_kind(s, STRATA_OBJ_VIEW), 2);
	assert_int_equal(count_kind(s, STRATA_OBJ_TRIGGER), 1);
	assert_int_equal(count_kind(s, STRATA_OBJ_COLUMN), 8);
	assert_int_equal(count_kind(s, STRATA_OBJ_CONSTRAINT), 1);
	assert_int_equal(s->nunhandled, 0);
	assert_null(strata_schema_find(s, STRATA_OBJ_TABLE, NULL, NULL, "sqlite_sequence"));
	assert_null(strata_schema_find(s, STRATA_OBJ_TABLE, NULL, NULL, t.db->table));

	/* the stored text, as it was written, is both the dump text and the definition */
	o = must_find(s, STRATA_OBJ_TABLE, NULL, "users");
	assert_non_null(strstr(o->sql, "  karma INTEGER DEFAULT 0,\n"));
	assert_int_equal(strncmp(o->sql, "CREATE TABLE users (\n", 21), 0);
	assert_int_equal(strcmp(o->sql + strlen(o->sql) - 10, ") STRICT;\n"), 0);
	/* ... in pieces: the table's own part, and each column's definition (white space before it included) */
	assert_attr(o, "definition", "CREATE TABLE users (\u2026) STRICT");
	assert_attr(o, "strict", "true");
	assert_attr(o, "without rowid", NULL);
	assert_int_equal(o->ndeps, 0);
	o = must_find(s, STRATA_OBJ_TABLE, NULL, "posts");
	assert_attr(o, "strict", NULL);
	assert_attr(o, "without rowid", "true");

	/* columns: position, type, not null, default, primary key, collation, generated */
	o = must_find(s, STRATA_OBJ_COLUMN, "users", "id");
	assert_int_equal(o->position, 1);
	assert_attr(o, "type", "INTEGER");
	assert_attr(o, "primary key", "1");
	assert_attr(o, "autoincrement", "true");
	assert_attr(o, "not null", NULL);
	assert_null(o->sql);
	o = must_find(s, STRATA_OBJ_COLUMN, "users", "email");
	assert_int_equal(o->position, 2);
	assert_attr(o, "not null", "true");
	assert_attr(o, "collation", "NOCASE");
	assert_attr(o, "primary key", NULL);
	o = must_find(s, STRATA_OBJ_COLUMN, "users", "karma");
	assert_attr(o, "definition", "\n  karma INTEGER DEFAULT 0");
	assert_attr(o, "default", "0");
	assert_attr(o, "collation", "BINARY");
	assert_attr(o, "generated", NULL);
	o = must_find(s, STRATA_OBJ_COLUMN, "users", "karma2");
	assert_int_equal(o->position, 4);
	assert_attr(o, "generated", "stored");
	o = must_find(s, STRATA_OBJ_COLUMN, "users", "shout");
	assert_int_equal(o->position, 5);
	assert_attr(o, "generated", "virtual");
	o = must_find(s, STRATA_OBJ_COLUMN, "posts", "n");
	assert_attr(o, "primary key", "2");

	/* the foreign key, with its actions */
	o = must_find(s, STRATA_OBJ_CONSTRAINT, "posts", "FOREIGN KEY (uid) REFERENCES users (id)");
	assert_attr(o, "on delete", "CASCADE");
	assert_attr(o, "on update", "NO ACTION");
	assert_attr(o, "references", "users");
	assert_null(o->sql);

	/* dependencies: index and trigger on their table, views on what they read */
	o = must_find(s, STRATA_OBJ_INDEX, "posts", "posts_body");
	assert_true(has_dep(o, "table:..posts"));
	assert_string_equal(o->sql, "CREATE INDEX posts_body ON posts (body) WHERE body IS NOT NULL;\n");
	o = must_find(s, STRATA_OBJ_TRIGGER, "users", "users_touch");
	assert_true(has_dep(o, "table:..users"));
	o = must_find(s, STRATA_OBJ_VIEW, NULL, "recent");
	assert_true(has_dep(o, "table:..posts")); /* named quoted */
	assert_int_equal(o->ndeps, 1);
	o = must_find(s, STRATA_OBJ_VIEW, NULL, "top");
	assert_true(has_dep(o, "view:..recent"));
	assert_true(has_dep(o, "table:..users"));
	assert_int_equal(o->ndeps, 2);
	assert_attr(o, "definition",
		    "CREATE VIEW top AS SELECT r.uid FROM recent AS r JOIN users ON users.id = r.uid");
	assert_round_trip(&t, s, "copy");
	strata_schema_free(s);
	tmpdb_free(&t);
}

/* A change of ON DELETE is an attribute of the constraint, not only a new table text. */
static void test_fk_action_is_an_attribute(void **state)
{
	struct tmpdb t;
	struct strata_schema *s;
	const struct strata_schema_obj *o;

	(void)state;
	tmpdb_init(&t);
	tmpdb_open(&t);
	run_sql(&t, "CREATE TABLE c (a INTEGER, b INTEGER, FOREIGN KEY (a, b) REFERENCES p (x, y) ON DELETE SET NULL,\n"
		    "  FOREIGN KEY (a) REFERENCES p ON UPDATE CASCADE, FOREIGN KEY (a) REFERENCES p);\n"
		    "CREATE TABLE p (x INTEGER PRIMARY KEY, y INTEGER, UNIQUE (x, y));\n");
	s = read_schema(&t);
	o = must_find(s, STRATA_OBJ_CONSTRAINT, "c", "FOREIGN KEY (a, b) REFERENCES p (x, y)");
	assert_attr(o, "on delete", "SET NULL");
	/* a REFERENCES without columns says so; two alike stay two */
	o = must_find(s, STRATA_OBJ_CONSTRAINT, "c", "FOREIGN KEY (a) REFERENCES p");
	o = must_find(s, STRATA_OBJ_CONSTRAINT, "c", "FOREIGN KEY (a) REFERENCES p #2");
	assert_int_equal(count_kind(s, STRATA_OBJ_CONSTRAINT), 3);
	/* the table referenced is defined after the one referencing it: no dependency between them */
	o = must_find(s, STRATA_OBJ_TABLE, NULL, "c");
	assert_int_equal(o->ndeps, 0);
	assert_round_trip(&t, s, "copy");
	strata_schema_free(s);
	tmpdb_free(&t);
}

/* fts5: the virtual table is modelled with its module, its shadow tables are not. */
static void test_virtual_tables(void **state)
{
	struct tmpdb t;
	struct strata_schema *s;
	const struct strata_schema_obj *o;

	(void)state;
	tmpdb_init(&t);
	tmpdb_open(&t);
	run_sql(&t, "CREATE VIRTUAL TABLE notes USING fts5(title, body);\n"
		    "CREATE TABLE notes_meta (id INTEGER PRIMARY KEY);\n");
	s = read_schema(&t);
	o = must_find(s, STRATA_OBJ_TABLE, NULL, "notes");
	assert_attr(o, "virtual", "fts5");
	assert_string_equal(o->sql, "CREATE VIRTUAL TABLE notes USING fts5(title, body);\n");
	assert_null(strata_schema_find(s, STRATA_OBJ_TABLE, NULL, NULL, "notes_data"));
	assert_null(strata_schema_find(s, STRATA_OBJ_TABLE, NULL, NULL, "notes_config"));
	/* a table that only looks like a shadow table is the user's */
	must_find(s, STRATA_OBJ_TABLE, NULL, "notes_meta");
	assert_int_equal(count_kind(s, STRATA_OBJ_TABLE), 2);
	assert_int_equal(s->nunhandled, 0);
	assert_round_trip(&t, s, "copy");
	strata_schema_free(s);
	tmpdb_free(&t);
}

/*
 * Views: one whose stored text ends in a -- comment gets its semicolon on a
 * line of its own; views naming each other (one by a column name) get no
 * cycle; a trigger on a view depends on the view.
 */
static void test_views_and_text(void **state)
{
	struct tmpdb t;
	struct strata_schema *s;
	const struct strata_schema_obj *a, *b, *o;

	(void)state;
	tmpdb_init(&t);
	tmpdb_open(&t);
	run_sql(&t, "CREATE TABLE t (x INTEGER, b INTEGER);\n"
		    "CREATE VIEW a AS SELECT x, b FROM t -- the first\n;\n"
		    "CREATE VIEW b AS SELECT x FROM a;\n"
		    "CREATE TRIGGER a_ins INSTEAD OF INSERT ON a BEGIN INSERT INTO t (x) VALUES (new.x); END;\n");
	s = read_schema(&t);
	a = must_find(s, STRATA_OBJ_VIEW, NULL, "a");
	assert_string_equal(a->sql, "CREATE VIEW a AS SELECT x, b FROM t -- the first\n;\n");
	assert_attr(a, "definition", "CREATE VIEW a AS SELECT x, b FROM t -- the first");
	b = must_find(s, STRATA_OBJ_VIEW, NULL, "b");
	assert_true(has_dep(b, "view:..a"));
	/* a names column b, which is also view b's name: b, created later, gives way */
	assert_false(has_dep(a, "view:..b"));
	assert_true(has_dep(a, "table:..t"));
	o = must_find(s, STRATA_OBJ_TRIGGER, "a", "a_ins");
	assert_true(has_dep(o, "view:..a"));
	assert_round_trip(&t, s, "copy");
	strata_schema_free(s);
	tmpdb_free(&t);
}

/*
 * vaultwarden's history, one migration at a time: after each, every row of
 * sqlite_master that is the user's (not SQLite's, not strata's, not an
 * automatic index) is an object of the model with exactly its stored text,
 * and the model has no table, index, view or trigger besides.
 */
static void test_vaultwarden_states(void **state)
{
	static const char q[] = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
				"AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND tbl_name NOT IN ($1, $2)";
	struct tmpdb t;
	size_t steps = 0;

	(void)state;
	tmpdb_init(&t);
	strata_err_release(&t.err);
	assert_int_equal(strata_source_load(STRATA_CORPUS_DIR "/sqlite-vaultwarden/migrations", &t.src, &t.err), 0);
	tmpdb_open(&t);
	for (;;) {
		struct strata_request req;
		struct strata_run_result res;
		struct strata_schema *s;
		struct strata_rows *rows;
		const char *params[2];
		size_t nobj = 0;
		char name[32];

		memset(&req, 0, sizeof(req));
		memset(&res, 0, sizeof(res));
		req.action = STRATA_UP;
		req.count = 1;
		strata_err_release(&t.err);
		assert_int_equal(strata_run(t.db, t.src, &req, &res, &t.err), 0);
		if (res.applied == 0)
			break;
		steps++;
		s = read_schema(&t);
		params[0] = t.db->table;
		params[1] = t.db->logtable;
		assert_int_equal(t.db->drv->query(t.db->conn, q, 2, params, &rows, &t.err), 0);
		for (size_t i = 0; i < rows->nrows; i++) {
			const char *type = strata_rows_get(rows, i, 0), *name = strata_rows_get(rows, i, 1);
			const char *tbl = strata_rows_get(rows, i, 2), *sql = strata_rows_get(rows, i, 3);
			enum strata_obj_kind k = strcmp(type, "table") == 0  ? STRATA_OBJ_TABLE
						 : strcmp(type, "index") == 0 ? STRATA_OBJ_INDEX
						 : strcmp(type, "view") == 0  ? STRATA_OBJ_VIEW
									      : STRATA_OBJ_TRIGGER;
			const struct strata_schema_obj *o =
				must_find(s, k, k == STRATA_OBJ_INDEX || k == STRATA_OBJ_TRIGGER ? tbl : NULL, name);

			if (k != STRATA_OBJ_TABLE) {
				assert_attr(o, "definition", sql);
			} else {
				/* a table's definition is its own part of the text, losslessly */
				char *back = rebuild_table(s, name);

				assert_string_equal(back, sql);
				free(back);
			}
			assert_int_equal(strncmp(o->sql, sql, strlen(sql)), 0);
			assert_string_equal(o->sql + strlen(sql), ";\n");
			nobj++;
		}
		assert_int_equal(count_kind(s, STRATA_OBJ_TABLE) + count_kind(s, STRATA_OBJ_INDEX) +
					 count_kind(s, STRATA_OBJ_VIEW) + count_kind(s, STRATA_OBJ_TRIGGER),
				 nobj);
		assert_int_equal(s->nunhandled, 0);
		strata_rows_free(rows);
		snprintf(name, sizeof(name), "copy%zu", steps);
		assert_round_trip(&t, s, name);
		strata_schema_free(s);
	}
	assert_int_equal(steps, 56);
	tmpdb_free(&t);
}

/*
 * A table's text in pieces: ADD COLUMN is the new column alone, a change to
 * one column's text is that column's, a table constraint is the table's,
 * ON DELETE is the foreign key's (and its column's text).
 */
static void test_table_pieces(void **state)
{
	struct tmpdb t;
	struct strata_schema *a, *b;
	const struct strata_schema_obj *o;
	char *d, *back;

	(void)state;
	tmpdb_init(&t);
	tmpdb_open(&t);
	run_sql(&t, "CREATE TABLE p (id INTEGER PRIMARY KEY);\n"
		    "CREATE TABLE t (a DECIMAL(10, 2) NOT NULL, \"we\"\"ird\" INT, [br] INT REFERENCES p (id),\n"
		    "  `bt` INT, PRIMARY KEY (a), CHECK (bt > 0));\n");
	a = read_schema(&t);
	o = must_find(a, STRATA_OBJ_TABLE, NULL, "t");
	assert_attr(o, "definition", "CREATE TABLE t (\u2026, PRIMARY KEY (a), CHECK (bt > 0))");
	assert_attr(must_find(a, STRATA_OBJ_COLUMN, "t", "a"), "definition", "a DECIMAL(10, 2) NOT NULL");
	assert_attr(must_find(a, STRATA_OBJ_COLUMN, "t", "we\"ird"), "definition", " \"we\"\"ird\" INT");
	assert_attr(must_find(a, STRATA_OBJ_COLUMN, "t", "bt"), "definition", "\n  `bt` INT");
	back = rebuild_table(a, "t");
	assert_string_equal(back, "CREATE TABLE t (a DECIMAL(10, 2) NOT NULL, \"we\"\"ird\" INT, [br] INT REFERENCES p "
				  "(id),\n  `bt` INT, PRIMARY KEY (a), CHECK (bt > 0))");
	free(back);

	run_sql(&t, "ALTER TABLE t ADD COLUMN c TEXT DEFAULT 'x';\n");
	b = read_schema(&t);
	d = diff_text(&t, a, b);
	assert_string_equal(d, "+ column t.c");
	free(d);
	strata_schema_free(b);

	/* the same table written again with one column's text changed, and ON DELETE */
	run_sql(&t, "PRAGMA legacy_alter_table = ON; DROP TABLE t;\n"
		    "CREATE TABLE t (a DECIMAL(10, 2) NOT NULL, \"we\"\"ird\" INT, [br] INT REFERENCES p (id) ON DELETE CASCADE,\n"
		    "  `bt`  INT, PRIMARY KEY (a), CHECK (bt > 0));\n");
	b = read_schema(&t);
	d = diff_text(&t, a, b);
	assert_non_null(strstr(d, "~ column t.br: definition"));
	assert_non_null(strstr(d, "~ column t.bt: definition"));
	assert_non_null(strstr(d, "~ constraint FOREIGN KEY (br) REFERENCES p (id) ON t: on delete NO ACTION \u2192 CASCADE"));
	assert_null(strstr(d, "table t"));
	free(d);
	strata_schema_free(b);

	/* a table constraint is the table's */
	run_sql(&t, "DROP TABLE t;\n"
		    "CREATE TABLE t (a DECIMAL(10, 2) NOT NULL, \"we\"\"ird\" INT, [br] INT REFERENCES p (id),\n"
		    "  `bt` INT, PRIMARY KEY (a), CHECK (bt > 1));\n");
	b = read_schema(&t);
	d = diff_text(&t, a, b);
	assert_non_null(strstr(d, "~ table t: definition"));
	assert_null(strstr(d, "column"));
	free(d);
	strata_schema_free(b);
	strata_schema_free(a);
	tmpdb_free(&t);
}

/* The cut follows SQLite's tokens: commas in strings, comments and parentheses are not separators. */
static void test_table_pieces_tokens(void **state)
{
	static const char sql[] = "CREATE TABLE \"t,1\" ( -- a, comment\n"
				  "  a TEXT DEFAULT 'x, y' CHECK (a IN ('p', 'q,r')), /* not, this */\n"
				  "  b NUMERIC(10,2) GENERATED ALWAYS AS (round(length(a), 2)) VIRTUAL,\n"
				  "  c, CONSTRAINT two UNIQUE (a, c), FOREIGN KEY (c) REFERENCES \"t,1\" (a))";
	struct tmpdb t;
	struct strata_schema *s;
	char *back, script[sizeof(sql) + 4];

	(void)state;
	tmpdb_init(&t);
	tmpdb_open(&t);
	snprintf(script, sizeof(script), "%s;\n", sql);
	run_sql(&t, script);
	s = read_schema(&t);
	assert_attr(must_find(s, STRATA_OBJ_COLUMN, "t,1", "a"), "definition",
		    " -- a, comment\n  a TEXT DEFAULT 'x, y' CHECK (a IN ('p', 'q,r'))");
	assert_attr(must_find(s, STRATA_OBJ_COLUMN, "t,1", "b"), "definition",
		    " /* not, this */\n  b NUMERIC(10,2) GENERATED ALWAYS AS (round(length(a), 2)) VIRTUAL");
	assert_attr(must_find(s, STRATA_OBJ_COLUMN, "t,1", "c"), "definition", "\n  c");
	assert_attr(must_find(s, STRATA_OBJ_TABLE, NULL, "t,1"), "definition",
		    "CREATE TABLE \"t,1\" (\u2026, CONSTRAINT two UNIQUE (a, c), FOREIGN KEY (c) REFERENCES \"t,1\" (a))");
	back = rebuild_table(s, "t,1");
	assert_string_equal(back, sql);
	free(back);
	assert_round_trip(&t, s, "copy");
	strata_schema_free(s);
	tmpdb_free(&t);
}

/* An empty database (a new path, not created yet) has an empty schema. */
static void test_empty(void **state)
{
	struct tmpdb t;
	struct strata_schema *s;

	(void)state;
	tmpdb_init(&t);
	tmpdb_open(&t);
	s = read_schema(&t);
	assert_int_equal(s->n, 0);
	assert_int_equal(s->nunhandled, 0);
	strata_schema_free(s);
	tmpdb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_objects_and_detail),
		cmocka_unit_test(test_fk_action_is_an_attribute),
		cmocka_unit_test(test_virtual_tables),
		cmocka_unit_test(test_views_and_text),
		cmocka_unit_test(test_table_pieces),
		cmocka_unit_test(test_table_pieces_tokens),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_vaultwarden_states),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
