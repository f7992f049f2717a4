#!/usr/bin/env bats
# up: apply pending migrations, each in its own transaction with its tracking
# row; a failure rolls back that migration completely and names file:line.

load helpers

three_migrations() {
	write_migration migrations 000001 create_projects \
		"CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL);" \
		"DROP TABLE projects;"
	write_migration migrations 000002 create_tasks \
		"CREATE TABLE tasks (id INTEGER PRIMARY KEY, project_id INTEGER REFERENCES projects(id), title TEXT);" \
		"DROP TABLE tasks;"
	write_migration migrations 000003 add_task_state \
		"ALTER TABLE tasks ADD COLUMN state TEXT DEFAULT 'open';" \
		"ALTER TABLE tasks DROP COLUMN state;"
}

@test "up on SQLite applies every pending migration and records each" {
	three_migrations
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[[ "$output" == *"3 to run"* ]]
	[[ "$output" == *"ok   000001 create_projects"* ]]
	[[ "$output" == *"ok   000003 add_task_state"* ]]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
	[ "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name='tasks'")" = tasks ]
	# checksum, down script, who and when are recorded
	run sqlite_sql app.db "SELECT version, name, length(checksum), substr(checksum, 1, 3), down_script, applied_by <> '', applied_at <> '' FROM strata_migrations WHERE version = 2"
	[ "$output" = "2|create_tasks|67|s1:|DROP TABLE tasks;
|1|1" ]
}

@test "up when nothing is pending says so and exits 0" {
	three_migrations
	strata -d sqlite:app.db up
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
}

@test "up N applies only the next N" {
	three_migrations
	run strata -d sqlite:app.db up 2
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT group_concat(version) FROM strata_migrations')" = "1,2" ]
	run strata -d sqlite:app.db up 0
	[ "$status" -eq 2 ]
	[[ "$output" == *"not a positive number"* ]]
}

@test "a failing migration on SQLite rolls back entirely and names file:line" {
	three_migrations
	write_migration migrations 000004 add_runs \
		"CREATE TABLE runs (id INTEGER PRIMARY KEY);
INSERT INTO runs (id) VALUES (1);

INSERT INTO runs (id, nope) VALUES (2, 3);" "DROP TABLE runs;"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"ERR  000004 add_runs"* ]]
	[[ "$stderr" == *"000004_add_runs.up.sql:4: table runs has no column named nope"* ]]
	[[ "$stderr" == *"rolled back; the database is at 000003"* ]]
	# the first three stay applied, nothing of the fourth is left behind
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name='runs'")" ]
	# fixed, it applies
	write_migration migrations 000004 add_runs "CREATE TABLE runs (id INTEGER PRIMARY KEY);" "DROP TABLE runs;"
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 4 ]
}

@test "up on PostgreSQL applies, and a failure maps the server's position to file:line with the hint" {
	require_pg
	url=$(make_pg_db)
	three_migrations
	write_migration migrations 000004 add_fk \
		"CREATE TABLE runs (id integer PRIMARY KEY, task_id integer);
-- the next statement refers to a column that does not exist
ALTER TABLE runs
  ADD CONSTRAINT runs_task_fk FOREIGN KEY (task) REFERENCES tasks(id);" "DROP TABLE runs;"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[[ "$output" == *"ok   000003 add_task_state"* ]]
	[[ "$stderr" == *"000004_add_fk.up.sql:3: column \"task\" referenced in foreign key constraint does not exist"* ]]
	[[ "$stderr" == *"rolled back; the database is at 000003"* ]]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" = 3 ]
	[ "$(pg_sql "$url" "SELECT to_regclass('runs') IS NULL")" = t ]
}

@test "PostgreSQL DETAIL and HINT reach the user" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 1 t "CREATE TABLE t (id int PRIMARY KEY, user_git_credential_id int);" "DROP TABLE t;"
	write_migration migrations 2 bad "SELECT user_git_credential FROM t;"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"2_bad.up.sql:1: column \"user_git_credential\" does not exist"* ]]
	[[ "$stderr" == *"HINT: Perhaps you meant to reference the column \"t.user_git_credential_id\"."* ]]
}

@test "a multi-byte file maps the PostgreSQL position to the right line" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 1 utf8 "-- Überprüfung: ünïcödé 日本語
CREATE TABLE ü (x int);
INSERT INTO ü VALUES ('日本');" "DROP TABLE ü;"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"1_utf8.up.sql:3: invalid input syntax for type integer"* ]]
}

@test "--single-transaction applies all or nothing" {
	three_migrations
	write_migration migrations 000004 broken "CREATE TABLE x (id INTEGER); SELECT * FROM nope;"
	run --separate-stderr strata -d sqlite:app.db --single-transaction up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000004_broken.up.sql:1: no such table: nope"* ]]
	[[ "$stderr" == *"rolled back the whole batch"* ]]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name IN ('projects','x')")" ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 0 ]
	rm migrations/000004_broken.up.sql
	run strata -d sqlite:app.db up --single-transaction
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
}

@test "--single-transaction on PostgreSQL rolls back every migration of the batch" {
	require_pg
	url=$(make_pg_db)
	three_migrations
	write_migration migrations 000004 broken "SELECT * FROM nope;"
	run --separate-stderr strata -d "$url" --single-transaction up
	[ "$status" -eq 1 ]
	[ "$(pg_sql "$url" "SELECT to_regclass('projects') IS NULL")" = t ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" = 0 ]
}

@test "--single-transaction on PostgreSQL records every row, down script and log entry, both ways" {
	require_pg
	url=$(make_pg_db)
	three_migrations
	write_migration migrations 000004 "it's_quoted" "CREATE TABLE q (s text DEFAULT 'a''b');" "DROP TABLE q; -- it's gone"
	run --separate-stderr strata -d "$url" --single-transaction up
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" = 4 ]
	[ "$(pg_sql "$url" "SELECT down_script FROM strata_migrations WHERE version = 4")" = "DROP TABLE q; -- it's gone" ]
	[ "$(pg_sql "$url" "SELECT name FROM strata_migrations WHERE version = 4")" = "it's_quoted" ]
	[ "$(pg_sql "$url" "SELECT string_agg(action || version, ',' ORDER BY id) FROM strata_migrations_log")" = "up1,up2,up3,up4" ]
	# redo in one transaction: the down's DELETE must reach the table before the up's INSERT
	run --separate-stderr strata -d "$url" --single-transaction -y redo
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" = 4 ]
	run --separate-stderr strata -d "$url" --single-transaction -y down --all
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" = 0 ]
	[ "$(pg_sql "$url" "SELECT to_regclass('projects') IS NULL")" = t ]
	[ "$(pg_sql "$url" "SELECT string_agg(action || version, ',' ORDER BY id) FROM strata_migrations_log")" = "up1,up2,up3,up4,down4,up4,down4,down3,down2,down1" ]
}

@test "options may stand before or after the command, and golang-migrate spellings work" {
	three_migrations
	run strata up -d sqlite:a.db -p migrations 1
	[ "$status" -eq 0 ]
	run strata -path migrations -database sqlite3://a.db up 1
	[ "$status" -eq 0 ]
	run strata -source file://migrations -database sqlite3://a.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql a.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
	run strata --database=sqlite:a.db --path=migrations status
	[ "$status" -eq 0 ]
}

@test "--table renames the tracking table, quoted as an identifier" {
	three_migrations
	run strata -d sqlite:app.db --table 'x; DROP TABLE y' up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM \"x; DROP TABLE y\"")" = 3 ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name='strata_migrations'")" ]
}

@test "--table with a schema on PostgreSQL" {
	require_pg
	url=$(make_pg_db)
	pg_sql "$url" "CREATE SCHEMA ops"
	three_migrations
	run strata -d "$url" --table ops.migrations up
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM ops.migrations')" = 3 ]
}

@test "usage errors exit 2" {
	run strata frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown command \"frobnicate\""* ]]
	run strata up --bogus
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown option --bogus"* ]]
	run strata
	[ "$status" -eq 2 ]
	run strata --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Exit status"* ]]
	[[ "$output" == *"up [N]"* ]]
}

@test "a missing migrations directory is a clear error, exit 2" {
	run --separate-stderr strata -d sqlite:app.db -p nowhere up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"nowhere"* ]]
	[ ! -e app.db ]
}

@test "up --json on one database says what ran, where it stands, and the error" {
	three_migrations
	run --separate-stderr strata -d sqlite:app.db up 2 --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.migrations | map(.version + ":" + .result) | join(",")' <<<"$output")" = "000001:ok,000002:ok" ]
	[ "$(jq -r .version <<<"$output")" = 000002 ]
	write_migration migrations 000004 bad "SELECT nope FROM projects;"
	run --separate-stderr strata -d sqlite:app.db up --json
	[ "$status" -eq 1 ]
	[ "$(jq -r .error.file <<<"$output")" = 000004_bad.up.sql ]
	[ "$(jq -r .error.line <<<"$output")" = 1 ]
	[ "$(jq -r '.migrations[-1].result' <<<"$output")" = failed ]
}

@test "--dry-run and --sql never create the database file" {
	three_migrations
	run strata -d sqlite:new.db up --dry-run
	[ "$status" -eq 0 ]
	[ ! -e new.db ]
	run strata -d sqlite:new.db up --sql
	[ "$status" -eq 0 ]
	[ ! -e new.db ]
	[[ "$output" == *"CREATE TABLE projects"* ]]
}

@test "short options take attached values: -j2, -dapp.db" {
	three_migrations
	run strata -dapp.db -pmigrations up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
	run strata --lock-wait=soon -d app.db up
	[ "$status" -eq 2 ]
	[[ "$output" == *"lock-wait: \"soon\" is not a duration"* ]]
}

@test "in a log (no terminal) each migration says when it starts and when it ends" {
	three_migrations
	run --separate-stderr strata -d app.db up
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "  applying 000001 create_projects" ]
	[[ "${lines[2]}" == "  ok   000001 create_projects "*" ms" ]]
	[ "${lines[3]}" = "  applying 000002 create_tasks" ]
	[[ "${lines[4]}" == "  ok   000002 create_tasks "*" ms" ]]
	run --separate-stderr strata -d app.db down --yes
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "  rolling back 000003 add_task_state" ]
	[[ "${lines[2]}" == "  down 000003 add_task_state "*" ms" ]]
	# quiet, JSON and dry runs stay as they were
	run --separate-stderr strata -d app.db up -q
	[ -z "$output" ]
	run --separate-stderr strata -d app.db down --yes --dry-run
	[[ "$output" != *"rolling back"* ]]
}
