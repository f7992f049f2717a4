#!/usr/bin/env bats
# Migrations that cannot run inside a transaction: statement by statement,
# progress recorded, resumed after a fix.

load helpers

@test "a no-transaction migration failing at statement 2 of 3 resumes at 2 after the fix" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 001 create_t "CREATE TABLE t (id int, v int);"
	write_migration migrations 002 indexes "-- strata:no-transaction
CREATE INDEX CONCURRENTLY t_id ON t (id);
CREATE INDEX CONCURRENTLY t_v ON t (nope);
CREATE INDEX CONCURRENTLY t_idv ON t (id, v);"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"002_indexes.up.sql:3: column \"nope\" does not exist"* ]]
	[[ "$stderr" == *"statement 2 of 3 failed"* ]]
	[[ "$stderr" == *"002 is partial"* ]]
	[ "$(pg_sql "$url" "SELECT state || ':' || statements_done FROM strata_migrations WHERE version = 2")" = "partial:1" ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_indexes WHERE tablename = 't'")" = 1 ]
	run strata -d "$url" status
	[[ "$output" =~ 002\ +indexes\ +partial ]]
	[[ "$output" == *"1 statement done"* ]]
	run --separate-stderr strata -d "$url" version
	[ "$output" = "2 (partial)" ]
	# up does not pass it while it still fails
	write_migration migrations 003 later "CREATE TABLE later (id int);"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[ "$(pg_sql "$url" "SELECT to_regclass('later') IS NULL")" = t ]
	# fixed: statement 1 is not run again (it would fail: t_id exists), 2 and 3 are
	sed -i 's/(nope)/(v)/' migrations/002_indexes.up.sql
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT state FROM strata_migrations WHERE version = 2")" = applied ]
	[ "$(pg_sql "$url" "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 't'")" = "t_id,t_idv,t_v" ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations")" = 3 ]
}

@test "editing statements that already ran is refused" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 001 create_t "CREATE TABLE t (id int, v int);"
	write_migration migrations 002 indexes "-- strata:no-transaction
CREATE INDEX CONCURRENTLY t_id ON t (id);
CREATE INDEX CONCURRENTLY t_v ON t (nope);"
	run strata -d "$url" up
	[ "$status" -eq 1 ]
	sed -i 's/t_id ON t (id)/t_id ON t (id, v)/; s/(nope)/(v)/' migrations/002_indexes.up.sql
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"002_indexes.up.sql: statements 1-1 already ran, and have been edited since"* ]]
	[ "$(pg_sql "$url" "SELECT state FROM strata_migrations WHERE version = 2")" = partial ]
	# force closes a partial migration by hand
	run strata -d "$url" force 2 -y
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT state FROM strata_migrations WHERE version = 2")" = applied ]
}

@test "CREATE INDEX CONCURRENTLY without the directive runs outside a transaction, with a note" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 001 create_t "CREATE TABLE t (id int);"
	write_migration migrations 002 index "CREATE INDEX CONCURRENTLY t_id ON t (id);
VACUUM t;" "DROP INDEX CONCURRENTLY t_id;"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"002 index: runs outside a transaction, statement by statement, because 002_index.up.sql:1 cannot run inside one"* ]]
	[ "$(pg_sql "$url" "SELECT indexname FROM pg_indexes WHERE tablename = 't'")" = t_id ]
	run strata -d "$url" down -y
	[ "$status" -eq 0 ]
	[ -z "$(pg_sql "$url" "SELECT indexname FROM pg_indexes WHERE tablename = 't'")" ]
}

@test "a no-transaction migration cannot be part of --single-transaction" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 001 create_t "CREATE TABLE t (id int);"
	write_migration migrations 002 index "CREATE INDEX CONCURRENTLY t_id ON t (id);"
	run --separate-stderr strata -d "$url" up --single-transaction
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"002 index must run outside a transaction"* ]]
	[ "$(pg_sql "$url" "SELECT to_regclass('t') IS NULL")" = t ]
}

@test "an unterminated quote stops the run before anything, naming where it opened" {
	write_migration migrations 001 a "CREATE TABLE a (x TEXT);"
	write_migration migrations 002 b "INSERT INTO a VALUES ('ok');
INSERT INTO a VALUES ('oops);
SELECT 1;"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"002_b.up.sql:2:"* ]]
	[[ "$stderr" == *"unterminated"* ]]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name = 'a'")" ]
}

# record_lost DB: a no-transaction migration whose second statement takes strata's table away.
record_lost() {
	local db=$1
	write_migration migrations 001 lost "-- strata:no-transaction
CREATE TABLE x (id int);
DROP TABLE strata_migrations;
CREATE TABLE y (id int);"
	run --separate-stderr strata -d "$db" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"ERR  001 lost
       recording 001 lost failed: "* ]]
	[[ "$stderr" == *"
       HINT: statements 1-2 of its script ran and stay, but strata's record does not say so: check the database, then record where it stands with \`strata force VERSION\`" ]]
	[[ "$stderr" != *"nothing of it ran"* ]]
	[[ "$stderr" != *"is partial"* ]]
}

@test "sqlite: when the progress of a no-transaction migration cannot be recorded, the error says what ran" {
	record_lost sqlite:app.db
	[ "$(sqlite_sql app.db "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE name IN ('x', 'y') ORDER BY name)")" = x ]
}

@test "postgres: when the progress of a no-transaction migration cannot be recorded, the error says what ran" {
	require_pg
	url=$(make_pg_db)
	record_lost "$url"
	[ "$(pg_sql "$url" "SELECT to_regclass('x') IS NOT NULL, to_regclass('y') IS NULL")" = "t|t" ]
}

# force over a partial migration: run as a user would, on each engine
force_partial_session() {
	url=$1
	write_migration migrations 001 create_t "CREATE TABLE t (id int, v int);"
	write_migration migrations 002 indexes "-- strata:no-transaction
CREATE INDEX t_id ON t (id);
CREATE INDEX t_v ON t (nope);
CREATE INDEX t_idv ON t (id, v);"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	run --separate-stderr strata -d "$url" force 2 -y
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"  record   002 indexes (partial: 1 statement of it ran and stays in the database)"* ]]
	[[ "$stderr" == *"strata: 002 indexes was partial: statement 1 of 3 ran and stays in the database, statements 2-3 never ran; force recorded it as applied without running or undoing anything (run what is missing by hand if the schema needs it)"* ]]
	run --separate-stderr strata -d "$url" history --json
	[ "$(jq -r 'map(select(.action == "force") | .result) | .[-1]' <<<"$output")" = \
	  "ok (force 002; recorded as applied the partial: statement 1 of 3 ran and stays in the database, statements 2-3 never ran)" ]
	run --separate-stderr strata -d "$url" status
	[[ "${lines[2]}" =~ ^002\ +indexes\ +forced\ +20 ]]
	# a plain force logs what was asked
	run --separate-stderr strata -d "$url" force 1 -y
	[ "$status" -eq 0 ]
	run --separate-stderr strata -d "$url" history
	[[ "${lines[-1]}" =~ force\ +2\ +indexes\ .*\ ok\ \(force\ 001\)$ ]]
}

@test "force over a partial migration says which statements stay, and history logs what was asked (SQLite)" {
	force_partial_session sqlite:app.db
	[ "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 't'")" = t_id ]
}

@test "force over a partial migration says which statements stay, and history logs what was asked (PostgreSQL)" {
	require_pg
	url=$(make_pg_db)
	force_partial_session "$url"
	[ "$(pg_sql "$url" "SELECT string_agg(indexname, ',') FROM pg_indexes WHERE tablename = 't'")" = t_id ]
}
