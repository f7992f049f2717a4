#!/usr/bin/env bats
# A database another tool has been migrating: before strata records anything
# there, status, validate and up say which tool, what it says is applied, and
# what to do (adopt, or the tool's own step), and up refuses rather than run
# migration 1 again on a database that has it. Also: a recorded migration
# whose name is not the file's is another migration, not an edit.

load helpers

setup() {
	strata_setup
	write_migration migrations 000001 create_projects "CREATE TABLE projects (id INTEGER PRIMARY KEY);" "DROP TABLE projects;"
	write_migration migrations 000002 create_tasks "CREATE TABLE tasks (id INTEGER PRIMARY KEY);" "DROP TABLE tasks;"
	write_migration migrations 000003 create_runs "CREATE TABLE runs (id INTEGER PRIMARY KEY);" "DROP TABLE runs;"
}

ADOPT_HINT='  HINT: `strata adopt` records TOOL'"'"'s state in strata'"'"'s table, running nothing; then `strata up` goes on from there'
BASELINE_HINT='  HINT: strata cannot import TOOL'"'"'s records: when the files here are what TOOL applied, record them with `strata baseline VERSION` (running nothing); then `strata up` goes on from there'

# expect_refusal DB MESSAGE HINT: status, validate, up, goto and up --dry-run say MESSAGE and HINT; nothing is touched.
expect_refusal() {
	local db=$1 msg=$2 hint=$3 before
	before=$(tables "$db")
	run --separate-stderr strata -d "$db" status
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 applied, 3 pending; nothing applied" ]]
	[ "$stderr" = "strata: $msg; strata records nothing here yet, so \`strata up\` refuses to run
$hint" ]
	run --separate-stderr strata -d "$db" validate
	[ "$status" -eq 1 ]
	[ "$stderr" = "strata: $msg; strata records nothing here yet, so \`strata up\` refuses to run
$hint" ]
	for cmd in up "up --dry-run" "goto 2" "up --sql"; do
		run --separate-stderr strata -d "$db" $cmd
		[ "$status" -eq 2 ]
		[ "$stderr" = "strata: $msg; nothing was run
  DETAIL: strata keeps no record here yet, so it would run every migration from the first; --ignore-other-tool does that anyway
$hint" ]
	done
	[ "$(tables "$db")" = "$before" ]
}

# tables DB: its tables, one line.
tables() {
	if [[ "$1" == sqlite:* ]]; then
		sqlite_sql "$1" "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name)"
	else
		pg_sql "$1" "SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY 1) FROM information_schema.tables
			WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
	fi
}

golang_migrate_state() {
	local db=$1 dirty=$2
	if [[ "$db" == sqlite:* ]]; then
		sqlite_sql "$db" "CREATE TABLE projects (id INTEGER PRIMARY KEY); CREATE TABLE tasks (id INTEGER PRIMARY KEY);
			CREATE TABLE schema_migrations (version uint64, dirty bool); CREATE UNIQUE INDEX version_unique ON schema_migrations (version);
			INSERT INTO schema_migrations VALUES (2, $dirty);"
	else
		pg_sql "$db" "CREATE TABLE projects (id int PRIMARY KEY); CREATE TABLE tasks (id int PRIMARY KEY);
			CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
			INSERT INTO schema_migrations VALUES (2, $dirty);"
	fi
}

@test "golang-migrate (PostgreSQL, clean): up refuses, naming it and adopt; adopt, then up goes on" {
	require_pg
	url=$(make_pg_db)
	golang_migrate_state "$url" false
	expect_refusal "$url" "this database is managed by golang-migrate (table schema_migrations), which says version 2 is applied" "${ADOPT_HINT//TOOL/golang-migrate}"
	run strata -d "$url" adopt
	[ "$status" -eq 0 ]
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   000003 create_runs"* ]]
	[ -z "$stderr" ]
	run --separate-stderr strata -d "$url" status
	[ -z "$stderr" ]
}

@test "golang-migrate (SQLite, dirty): the dirty state and golang-migrate's own recovery" {
	golang_migrate_state sqlite:app.db 1
	expect_refusal sqlite:app.db "this database is managed by golang-migrate (table schema_migrations), which says version 2 is applied and dirty (it failed part way)" \
		'  HINT: check the database by hand and finish or undo migration 2, clear the flag with `migrate force 2` (or the version before it), then `strata adopt` records its state for strata'
	run strata -d sqlite:app.db status --json
	[ "$(jq -c .other_tool <<<"$output")" = '{"tool":"golang-migrate","table":"schema_migrations","version":"2","dirty":true,"adoptable":true}' ]
}

@test "--ignore-other-tool runs every migration anyway (and here fails as golang-migrate's database already has them)" {
	golang_migrate_state sqlite:app.db 0
	run --separate-stderr strata -d sqlite:app.db up --ignore-other-tool
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000001_create_projects.up.sql:1: table projects already exists"* ]]
	rm app.db
	sqlite_sql app.db "CREATE TABLE schema_migrations (version uint64, dirty bool); INSERT INTO schema_migrations VALUES (-1, 0);"
	run --separate-stderr strata -d sqlite:app.db up --ignore-other-tool
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
}

@test "dbmate on SQLite and PostgreSQL, goose, Diesel" {
	sqlite_sql app.db "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('000001'), ('000002');"
	expect_refusal sqlite:app.db "this database is managed by dbmate (table schema_migrations), which records 2 migrations as applied, the newest 000002" "${ADOPT_HINT//TOOL/dbmate}"
	rm app.db
	sqlite_sql app.db "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')));
		INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1), (1, 1), (2, 1), (2, 0);"
	expect_refusal sqlite:app.db "this database is managed by goose (table goose_db_version), which records 1 migration as applied, the newest 1" "${ADOPT_HINT//TOOL/goose}"
	rm app.db
	sqlite_sql app.db "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
		INSERT INTO __diesel_schema_migrations (version) VALUES ('00000000000000'), ('20240212120203');"
	expect_refusal sqlite:app.db "this database is managed by diesel (table __diesel_schema_migrations), which records 2 migrations as applied, the newest 20240212120203" "${ADOPT_HINT//TOOL/diesel}"
	require_pg
	url=$(make_pg_db)
	pg_sql "$url" "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101000000'), ('20231231000000');"
	expect_refusal "$url" "this database is managed by dbmate (table schema_migrations), which records 2 migrations as applied, the newest 20240101000000" "${ADOPT_HINT//TOOL/dbmate}"
}

@test "PostgreSQL: sqlx, Flyway, Alembic, Prisma and Drizzle, which adopt cannot read: baseline" {
	require_pg
	url=$(make_pg_db)
	pg_sql "$url" "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
		success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL);
		INSERT INTO _sqlx_migrations VALUES (20240101000000, 'a', now(), true, '\\x00', 1), (20240102000000, 'b', now(), true, '\\x00', 1);"
	expect_refusal "$url" "this database is managed by sqlx (table _sqlx_migrations), which records 2 migrations as applied, the newest 20240102000000" "${BASELINE_HINT//TOOL/sqlx}"
	pg_sql "$url" "INSERT INTO _sqlx_migrations VALUES (20240103000000, 'c', now(), false, '\\x00', 1)"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"which records 2 migrations as applied, the newest 20240102000000; one failed; nothing was run"*"strata cannot import sqlx's records (and sqlx records a failed migration: see \`sqlx migrate info\`)"* ]]

	url=$(make_pg_db)
	pg_sql "$url" "CREATE TABLE flyway_schema_history (installed_rank INT PRIMARY KEY, version VARCHAR(50), description VARCHAR(200) NOT NULL,
		type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT, installed_by VARCHAR(100) NOT NULL,
		installed_on TIMESTAMP NOT NULL DEFAULT now(), execution_time INT NOT NULL, success BOOLEAN NOT NULL);
		INSERT INTO flyway_schema_history VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', 1, 'me', now(), 1, true),
			(2, '2.1', 'more', 'SQL', 'V2.1__more.sql', 1, 'me', now(), 1, true),
			(3, NULL, 'views', 'SQL', 'R__views.sql', 1, 'me', now(), 1, true);"
	expect_refusal "$url" "this database is managed by Flyway (table flyway_schema_history), which records 2 migrations as applied, the newest 2.1" "${ADOPT_HINT//TOOL/Flyway}"

	url=$(make_pg_db)
	pg_sql "$url" "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY); INSERT INTO alembic_version VALUES ('ae1027a6acf');"
	expect_refusal "$url" "this database is managed by Alembic (table alembic_version), which says revision ae1027a6acf is applied" "${BASELINE_HINT//TOOL/Alembic}"

	url=$(make_pg_db)
	pg_sql "$url" "CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY, checksum VARCHAR(64) NOT NULL, finished_at TIMESTAMPTZ,
		migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
		applied_steps_count INTEGER NOT NULL DEFAULT 0);
		INSERT INTO _prisma_migrations VALUES ('a', 'x', now(), '20230404095503_initial_migration', NULL, NULL, now() - interval '2 days', 1),
			('b', 'x', now(), '20230411134605_doc_208', NULL, NULL, now() - interval '1 day', 1);"
	expect_refusal "$url" "this database is managed by Prisma (table _prisma_migrations), which records 2 migrations as applied, the newest 20230411134605_doc_208" "${BASELINE_HINT//TOOL/Prisma}"

	# drizzle-orm keeps its table in the schema "drizzle"
	url=$(make_pg_db)
	pg_sql "$url" "CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint);
		INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('h1', 1715000000000), ('h2', 1716000000000);"
	expect_refusal "$url" "this database is managed by Drizzle (table drizzle.__drizzle_migrations), which records 2 migrations, the newest created_at 1716000000000" "${BASELINE_HINT//TOOL/Drizzle}"
	# baseline is the way on
	run strata -d "$url" baseline 2
	[ "$status" -eq 0 ]
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   000003 create_runs"* ]]
}

@test "Drizzle on SQLite; a table of another tool's name that is not its table is no tool" {
	sqlite_sql app.db "CREATE TABLE __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric);
		INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('h1', 1715000000000);"
	expect_refusal sqlite:app.db "this database is managed by Drizzle (table __drizzle_migrations), which records 1 migration, the newest created_at 1715000000000" "${BASELINE_HINT//TOOL/Drizzle}"
	rm app.db
	sqlite_sql app.db "CREATE TABLE alembic_version (rev TEXT);"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
}

@test "once strata records the database, another tool's table beside it is not mentioned" {
	strata -d sqlite:app.db up 1
	sqlite_sql app.db "CREATE TABLE schema_migrations (version uint64, dirty bool); INSERT INTO schema_migrations VALUES (1, 0);"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run --separate-stderr strata -d sqlite:app.db validate
	[ "$status" -eq 0 ]
}

@test "a recorded migration under another name is not an edit: is this the right directory and database?" {
	rm migrations/*
	write_migration migrations 000001 slow "CREATE TABLE slow (id INTEGER PRIMARY KEY);" "DROP TABLE slow;"
	strata -d sqlite:app.db up
	rm migrations/*
	write_migration migrations 000001 create_codes "CREATE TABLE codes (id INTEGER PRIMARY KEY);" "DROP TABLE codes;"
	write_migration migrations 000002 create_tasks "CREATE TABLE tasks (id INTEGER PRIMARY KEY);" "DROP TABLE tasks;"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[ "$stderr" = 'strata: 000001_create_codes.up.sql: 000001 was applied as `slow`, the file is `create_codes`: is this the right directory and database?
  HINT: check -p/--path and -d/--database; if 000001 `create_codes` really replaces `slow`, record it with `strata accept 000001`' ]
	[[ "$stderr" != *"--allow-modified"* ]]
	run --separate-stderr strata -d sqlite:app.db validate
	[ "$status" -eq 1 ]
	[ "$stderr" = 'strata: 000001 was applied as `slow`, the file is `create_codes`: is this the right directory and database?' ]
	run strata -d sqlite:app.db status
	[[ "$output" =~ 000001\ +create_codes\ +modified\ .*applied\ as\ \`slow\`:\ another\ migration\? ]]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 1 ]
}

@test "down and redo on a database another tool manages refuse too, rather than say nothing to do" {
	sqlite_sql g.db "CREATE TABLE schema_migrations (version bigint, dirty boolean); INSERT INTO schema_migrations VALUES (2, false); CREATE TABLE projects (id INTEGER PRIMARY KEY); CREATE TABLE tasks (id INTEGER PRIMARY KEY);"
	for cmd in "down -y" "down --all -y" "redo -y"; do
		run --separate-stderr strata -d sqlite:g.db $cmd
		[ "$status" -eq 2 ]
		[[ "$stderr" == "strata: this database is managed by golang-migrate (table schema_migrations), which says version 2 is applied; nothing was run"* ]]
		[[ "$stderr" == *"DETAIL: strata keeps no record here yet, so it has nothing to roll back"* ]]
		[[ "$output" != *"nothing to do"* ]]
	done
	[ "$(sqlite_sql g.db "SELECT count(*) FROM sqlite_master WHERE name LIKE 'strata%'")" = 0 ]
}
