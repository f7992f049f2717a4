#!/usr/bin/env bats
# See before doing: --dry-run lists every statement and changes nothing;
# --sql prints the script a DBA would run, which reaches what strata up does.

load helpers

hard_cases_pg() {
	write_migration migrations 001 functions "CREATE TABLE projects (id int PRIMARY KEY, name text);
CREATE FUNCTION touch() RETURNS trigger AS \$body\$
BEGIN
  -- a semicolon; inside a dollar quote, and an inner \$\$ too
  NEW.name := NEW.name || ';' || \$\$x\$\$;
  RETURN NEW;
END;
\$body\$ LANGUAGE plpgsql;
CREATE TABLE \"odd;name\" (\"a\"\"b\" text DEFAULT 'it''s; here');
/* a /* nested */ comment; */
INSERT INTO projects VALUES (1, E'back\\\\slash\\'; quote');" "DROP TABLE \"odd;name\"; DROP FUNCTION touch(); DROP TABLE projects;"
	write_migration migrations 002 atomic "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT a + b;
END;
CREATE INDEX CONCURRENTLY projects_name ON projects (name);" "DROP FUNCTION add(int, int); DROP INDEX projects_name;"
}

@test "up --dry-run prints every statement and changes nothing, not even the tracking table" {
	require_pg
	url=$(make_pg_db)
	hard_cases_pg
	run --separate-stderr strata -d "$url" up --dry-run
	[ "$status" -eq 0 ]
	[[ "$output" == *"would apply 001 functions"* ]]
	[[ "$output" == *"would apply 002 atomic"* ]]
	[[ "$output" == *'CREATE TABLE "odd;name"'* ]]
	[[ "$output" == *"END;"* ]]
	[ "$(pg_sql "$url" "SELECT to_regclass('strata_migrations') IS NULL AND to_regclass('projects') IS NULL")" = t ]
}

@test "down --dry-run and goto --dry-run list what would be rolled back" {
	write_migration migrations 001 a "CREATE TABLE a (x INTEGER);" "DROP TABLE a;"
	write_migration migrations 002 b "CREATE TABLE b (x INTEGER);" "DROP TABLE b;"
	strata -d sqlite:app.db up
	run strata -d sqlite:app.db down --dry-run
	[ "$status" -eq 0 ]
	[[ "$output" == *"would roll back 002 b"* ]]
	[[ "$output" == *"DROP TABLE b;"* ]]
	run strata -d sqlite:app.db goto 0 --dry-run
	[[ "$output" == *"would roll back 001 a"* ]]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 2 ]
}

@test "the hard cases apply on PostgreSQL" {
	require_pg
	url=$(make_pg_db)
	hard_cases_pg
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT name FROM projects")" = "back\\slash'; quote" ]
	[ "$(pg_sql "$url" "SELECT add(2, 3)")" = 5 ]
	[ "$(pg_sql "$url" "INSERT INTO \"odd;name\" DEFAULT VALUES RETURNING \"a\"\"b\"")" = "it's; here" ]
}

@test "the hard cases apply on SQLite" {
	write_migration migrations 001 trigger "CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT, updated INTEGER DEFAULT 0);
CREATE TABLE [log;table] (\`msg;\` TEXT);
CREATE TRIGGER tasks_touch AFTER UPDATE ON tasks
BEGIN
  UPDATE tasks SET updated = updated + 1 WHERE id = NEW.id;
  INSERT INTO [log;table] VALUES (CASE WHEN NEW.title = 'x;y' THEN 'semi;colon' ELSE 'plain' END);
END;
INSERT INTO tasks (title) VALUES ('a;b');" "DROP TRIGGER tasks_touch; DROP TABLE [log;table]; DROP TABLE tasks;"
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	sqlite_sql app.db "UPDATE tasks SET title = 'x;y'"
	[ "$(sqlite_sql app.db 'SELECT updated FROM tasks')" = 1 ]
	[ "$(sqlite_sql app.db 'SELECT * FROM [log;table]')" = "semi;colon" ]
	run strata -d sqlite:app.db down -y
	[ "$status" -eq 0 ]
}

@test "up --sql run by psql reaches the same schema and tracking rows as strata up" {
	require_pg
	a=$(make_pg_db t_sql_a)
	b=$(make_pg_db t_sql_b)
	hard_cases_pg
	run --separate-stderr strata -d "$a" up --sql
	[ "$status" -eq 0 ]
	[[ "$output" == *"BEGIN;"* ]]
	[ "$(pg_sql "$a" "SELECT to_regclass('strata_migrations') IS NULL")" = t ]
	printf '%s\n' "$output" > script.sql
	PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -d "$a" -f script.sql
	run strata -d "$b" up
	[ "$status" -eq 0 ]
	dump() { /usr/lib/postgresql/15/bin/pg_dump -s -d "$1" | grep -v -e '^\\restrict' -e '^\\unrestrict' -e '^--'; }
	[ "$(dump "$a")" = "$(dump "$b")" ]
	rows="SELECT version, name, checksum, down_script, state FROM strata_migrations ORDER BY version"
	[ "$(pg_sql "$a" "$rows")" = "$(pg_sql "$b" "$rows")" ]
	# and strata sees it as done
	run strata -d "$a" status
	[[ "$output" == *"2 applied, 0 pending"* ]]
}

@test "up --sql run by sqlite3 reaches the same schema and tracking rows as strata up" {
	write_migration migrations 001 a "CREATE TABLE a (x TEXT DEFAULT 'semi;colon');" "DROP TABLE a;"
	write_migration migrations 002 b "CREATE TABLE b (x INTEGER);
CREATE TRIGGER b_t AFTER INSERT ON b BEGIN INSERT INTO a VALUES ('t;'); END" "DROP TABLE b;"
	strata -d sqlite:one.db up --sql > script.sql
	[ ! -e one.db ] || [ -z "$(sqlite_sql one.db "SELECT name FROM sqlite_master")" ]
	sqlite3 -bail one.db < script.sql
	strata -d sqlite:two.db up
	[ "$(sqlite3 one.db .schema)" = "$(sqlite3 two.db .schema)" ]
	rows="SELECT version, name, checksum, down_script, state FROM strata_migrations ORDER BY version"
	[ "$(sqlite_sql one.db "$rows")" = "$(sqlite_sql two.db "$rows")" ]
}
