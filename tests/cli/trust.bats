#!/usr/bin/env bats
# Trusting the history: the log, accept, baseline, and adopting a database
# another tool has been migrating.

load helpers

setup() {
	strata_setup
	write_migration migrations 000001 create_projects "CREATE TABLE projects (id INTEGER PRIMARY KEY);" "DROP TABLE projects;"
	write_migration migrations 000002 create_tasks "CREATE TABLE tasks (id INTEGER PRIMARY KEY);" "DROP TABLE tasks;"
	write_migration migrations 000003 create_runs "CREATE TABLE runs (id INTEGER PRIMARY KEY);" "DROP TABLE runs;"
}

@test "history logs every up, down, failure, force, baseline and accept with who and when" {
	strata -d sqlite:app.db up 2
	strata -d sqlite:app.db down -y
	write_migration migrations 000004 broken "SELECT nope;"
	strata -d sqlite:app.db up || true
	rm migrations/000004_*
	strata -d sqlite:app.db force 2 -y
	run strata -d sqlite:app.db history
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "at (UTC)"*"action"*"version"*"result" ]]
	[[ "${lines[1]}" =~ up\ +1\ +create_projects\ +.+@.+\ +[0-9]+\ +ok$ ]]
	[[ "${lines[3]}" =~ down\ +2\ +create_tasks ]]
	[[ "$output" =~ up\ +4\ +broken.*failed:\ 000004_broken.up.sql:1:\ no\ such\ column:\ nope ]]
	[[ "$output" =~ force\ +3\ +create_runs ]]
	run strata -d sqlite:app.db history --json
	[ "$(jq -r 'map(.action) | join(",")' <<<"$output")" = "up,up,down,up,up,up,force" ]
	[ "$(jq -r '.[0].by' <<<"$output")" != "" ]
}

@test "history on PostgreSQL, and an empty log" {
	require_pg
	url=$(make_pg_db)
	run --separate-stderr strata -d "$url" history
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"the history log is empty"* ]]
	strata -d "$url" up
	run strata -d "$url" history --json
	[ "$(jq length <<<"$output")" = 3 ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations_log WHERE result = 'ok'")" = 3 ]
}

@test "accept records an edited migration's new checksum, and is logged" {
	strata -d sqlite:app.db up
	printf 'CREATE TABLE tasks (id INTEGER PRIMARY KEY); -- reformatted\n' > migrations/000002_create_tasks.up.sql
	run strata -d sqlite:app.db validate
	[ "$status" -eq 1 ]
	run strata -d sqlite:app.db accept 2
	[ "$status" -eq 0 ]
	[[ "$output" == *"accepted 000002 create_tasks"* ]]
	run strata -d sqlite:app.db validate
	[ "$status" -eq 0 ]
	run strata -d sqlite:app.db accept 1
	[ "$status" -eq 2 ]
	[[ "$output" == *"000001 create_projects is applied, not modified"* ]]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations_log WHERE action = 'accept'")" = 1 ]
}

@test "baseline records an existing database's migrations without running them" {
	sqlite_sql app.db "CREATE TABLE projects (id INTEGER PRIMARY KEY); CREATE TABLE tasks (id INTEGER PRIMARY KEY);"
	run strata -d sqlite:app.db baseline 2
	[ "$status" -eq 0 ]
	[[ "$output" == *"recorded 000002 create_tasks"* ]]
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   000003 create_runs"* ]]
	[ "$(sqlite_sql app.db 'SELECT group_concat(version) FROM strata_migrations')" = "1,2,3" ]
}

# golang-migrate's postgres driver keeps one row: CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)
golang_migrate_state() {
	pg_sql "$1" "CREATE TABLE projects (id int PRIMARY KEY); CREATE TABLE tasks (id int PRIMARY KEY);
		CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
		INSERT INTO schema_migrations VALUES (2, $2);"
}

@test "adopt a golang-migrate database, then migrate on" {
	require_pg
	url=$(make_pg_db)
	golang_migrate_state "$url" false
	run strata -d "$url" adopt
	[ "$status" -eq 0 ]
	[[ "$output" == *"adopted golang-migrate's state from schema_migrations: 2 migrations recorded as applied, at 2"* ]]
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 to run"* ]]
	[ "$(pg_sql "$url" "SELECT string_agg(version::text, ',' ORDER BY version) FROM strata_migrations")" = "1,2,3" ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations_log WHERE action = 'adopt'")" = 2 ]
	# the other tool's table is left alone
	[ "$(pg_sql "$url" "SELECT version FROM schema_migrations")" = 2 ]
	# adopting twice is refused
	run strata -d "$url" adopt
	[ "$status" -eq 1 ]
	[[ "$output" == *"strata already records 3 migrations"* ]]
}

@test "adopting a dirty golang-migrate database is refused with golang-migrate's recovery" {
	require_pg
	url=$(make_pg_db)
	golang_migrate_state "$url" true
	run --separate-stderr strata -d "$url" adopt
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"golang-migrate left version 2 dirty"* ]]
	[[ "$stderr" == *"migrate force 2"* ]]
	# refused: strata's own tables were not created either
	[ "$(pg_sql "$url" "SELECT to_regclass('strata_migrations') IS NULL AND to_regclass('strata_migrations_log') IS NULL")" = t ]
}

@test "adopt a dbmate database (one row per version), then migrate on" {
	require_pg
	url=$(make_pg_db)
	# what dbmate creates: CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY)
	pg_sql "$url" "CREATE TABLE projects (id int PRIMARY KEY); CREATE TABLE tasks (id int PRIMARY KEY);
		CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
		INSERT INTO schema_migrations VALUES ('000001'), ('000002'), ('99999');"
	run --separate-stderr strata -d "$url" adopt
	[ "$status" -eq 0 ]
	[[ "$output" == *"adopted dbmate's state from schema_migrations: 2 migrations recorded"* ]]
	[[ "$stderr" == *"1 version recorded by dbmate has no file"* ]]
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations")" = 3 ]
}

@test "adopt a Diesel database on SQLite" {
	sqlite_sql app.db "CREATE TABLE projects (id INTEGER PRIMARY KEY);
		CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
		INSERT INTO __diesel_schema_migrations (version) VALUES ('000001');"
	run strata -d sqlite:app.db adopt
	[ "$status" -eq 0 ]
	[[ "$output" == *"adopted diesel's state from __diesel_schema_migrations: 1 migration recorded as applied, at 1"* ]]
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
}

@test "adopt with nothing to adopt says what to do" {
	run --separate-stderr strata -d sqlite:app.db adopt
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"SQLite database app.db does not exist"* ]]
	[ ! -e app.db ]
	touch app.db
	run --separate-stderr strata -d sqlite:app.db adopt
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"found no other tool's table"* ]]
	[[ "$stderr" == *"strata baseline VERSION"* ]]
	run --separate-stderr strata -d sqlite:app.db adopt --from nope
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"there is no table nope"* ]]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master")" ]
}
