#!/usr/bin/env bats
# down, goto, redo, force: moving backwards, with the down script of the file
# or, when the file is gone or changed, the one recorded at apply time.

load helpers

setup() {
	strata_setup
	write_migration migrations 000001 create_projects \
		"CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL);" "DROP TABLE projects;"
	write_migration migrations 000002 create_tasks \
		"CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT);" "DROP TABLE tasks;"
	write_migration migrations 000003 create_runs \
		"CREATE TABLE runs (id INTEGER PRIMARY KEY);" "DROP TABLE runs;"
}

versions() {
	sqlite_sql app.db 'SELECT group_concat(version) FROM (SELECT version FROM strata_migrations ORDER BY version)'
}

@test "down rolls back exactly one migration by default" {
	strata -d sqlite:app.db up
	run strata -d sqlite:app.db down -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"down 000003 create_runs"* ]]
	[ "$(versions)" = "1,2" ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name='runs'")" ]
}

@test "down N and down --all" {
	strata -d sqlite:app.db up
	run strata -d sqlite:app.db down 2 -y
	[ "$status" -eq 0 ]
	[ "$(versions)" = "1" ]
	strata -d sqlite:app.db up
	run strata -d sqlite:app.db down --all -y
	[ "$status" -eq 0 ]
	[ -z "$(versions)" ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name IN ('projects','tasks','runs')")" ]
	run strata -d sqlite:app.db -all down -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
}

@test "down without a terminal refuses without --yes, exit 2, nothing touched" {
	strata -d sqlite:app.db up
	run --separate-stderr strata -d sqlite:app.db down </dev/null
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"this will roll back:"* ]]
	[[ "$stderr" == *"down 000003 create_runs"* ]]
	[[ "$stderr" == *"pass --yes"* ]]
	[ "$(versions)" = "1,2,3" ]
}

@test "goto moves up or down to a version" {
	# only up creates a database: goto on a path that does not exist says so
	run strata -d sqlite:app.db goto 2
	[ "$status" -eq 1 ]
	[[ "$output" == *"SQLite database app.db does not exist"* ]]
	[ ! -e app.db ]
	touch app.db
	run strata -d sqlite:app.db goto 2
	[ "$status" -eq 0 ]
	[ "$(versions)" = "1,2" ]
	run strata -d sqlite:app.db goto 3
	[ "$status" -eq 0 ]
	[ "$(versions)" = "1,2,3" ]
	run strata -d sqlite:app.db goto 1 -y
	[ "$status" -eq 0 ]
	[ "$(versions)" = "1" ]
	run strata -d sqlite:app.db goto 0 -y
	[ "$status" -eq 0 ]
	[ -z "$(versions)" ]
	run strata -d sqlite:app.db goto 42
	[ "$status" -eq 2 ]
	[[ "$output" == *"no migration has version 42"* ]]
}

@test "redo rolls back and re-applies the last migration" {
	strata -d sqlite:app.db up
	sqlite_sql app.db "INSERT INTO runs VALUES (7)"
	run strata -d sqlite:app.db redo -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"down 000003"* ]]
	[[ "$output" == *"ok   000003"* ]]
	[ "$(versions)" = "1,2,3" ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM runs')" = 0 ]
}

@test "down after the files are gone runs the recorded down script" {
	strata -d sqlite:app.db up
	rm migrations/000003_*
	run --separate-stderr strata -d sqlite:app.db down -y
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"running the down script recorded when it was applied (its file is gone)"* ]]
	[ "$(versions)" = "1,2" ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name='runs'")" ]
}

@test "down after the files are gone on PostgreSQL" {
	require_pg
	url=$(make_pg_db)
	strata -d "$url" up
	# every file gone (an empty directory is refused: one newer migration stays pending)
	rm -r migrations
	write_migration migrations 000009 later "CREATE TABLE later (x int);"
	run strata -d "$url" down --all -y
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" = 0 ]
	[ "$(pg_sql "$url" "SELECT to_regclass('projects') IS NULL")" = t ]
}

@test "a migration without a down cannot be rolled back: exit 2, nothing touched" {
	write_migration migrations 000004 seed "INSERT INTO projects (name) VALUES ('a');"
	write_migration migrations 000005 irreversible "DELETE FROM projects;" "-- not reversible
/* really not */"
	strata -d sqlite:app.db up
	run --separate-stderr strata -d sqlite:app.db down -y
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"000005_irreversible.down.sql: 000005 irreversible cannot be rolled back: its down script holds no statements"* ]]
	run --separate-stderr strata -d sqlite:app.db goto 3 -y
	[ "$status" -eq 2 ]
	[ "$(versions)" = "1,2,3,4,5" ]
}

@test "a failing down rolls back and names the down file and line" {
	write_migration migrations 000004 bad_down "CREATE TABLE t4 (x INTEGER);" "DROP TABLE t4;
DROP TABLE no_such_table;"
	strata -d sqlite:app.db up
	run --separate-stderr strata -d sqlite:app.db down -y
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000004_bad_down.down.sql:2: no such table: no_such_table"* ]]
	[ "$(versions)" = "1,2,3,4" ]
	[ -n "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name='t4'")" ]
}

@test "force records a version without running anything" {
	run --separate-stderr strata -d sqlite:app.db force 2 -y
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"SQLite database app.db does not exist"* ]]
	[ ! -e app.db ]
	touch app.db
	run --separate-stderr strata -d sqlite:app.db force 2 </dev/null
	[ "$status" -eq 2 ]
	run strata -d sqlite:app.db force 2 -y
	[ "$status" -eq 0 ]
	[ "$(versions)" = "1,2" ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name='projects'")" ]
	run strata -d sqlite:app.db force -1 -y
	[ "$status" -eq 0 ]
	[ -z "$(versions)" ]
}
