#!/usr/bin/env bats
# status, version, validate: where a database stands, without changing it.

load helpers

setup() {
	strata_setup
	write_migration migrations 000001 create_projects "CREATE TABLE projects (id INTEGER PRIMARY KEY);" "DROP TABLE projects;"
	write_migration migrations 000002 create_tasks "CREATE TABLE tasks (id INTEGER PRIMARY KEY);" "DROP TABLE tasks;"
	write_migration migrations 000003 create_runs "CREATE TABLE runs (id INTEGER PRIMARY KEY);" "DROP TABLE runs;"
}

@test "status lists applied and pending migrations with when, who and how long" {
	strata -d sqlite:app.db up 2
	run strata -d sqlite:app.db status
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "version"*"name"*"state"*"applied" ]]
	[[ "${lines[1]}" =~ ^000001\ +create_projects\ +applied\ +20[0-9-]+\ [0-9:]+\ \([0-9]+\ ms,\ .+@.+\)$ ]]
	[[ "${lines[3]}" =~ ^000003\ +create_runs\ +pending ]]
	[[ "$output" == *"2 applied, 1 pending; at 000002"* ]]
}

@test "status never creates the database or the tracking table" {
	# a path that does not exist is a mistake to report, not an empty database
	run strata -d sqlite:new.db status
	[ "$status" -eq 1 ]
	[ "$output" = "strata: SQLite database new.db does not exist (only \`strata up\` creates it): check the path" ]
	[ ! -e new.db ]
	touch empty.db
	run strata -d sqlite:empty.db status
	[ "$status" -eq 0 ]
	[ -z "$(sqlite_sql empty.db "SELECT name FROM sqlite_master")" ]
}

@test "status shows modified and missing migrations" {
	strata -d sqlite:app.db up
	echo "INSERT INTO tasks DEFAULT VALUES;" >> migrations/000002_create_tasks.up.sql
	rm migrations/000003_create_runs.*
	run strata -d sqlite:app.db status
	[ "$status" -eq 0 ]
	[[ "$output" =~ 000002\ +create_tasks\ +modified\ .*file\ changed\ since\ applied\ \(\`strata\ accept\ 000002\`\ records\ it\) ]]
	[[ "$output" =~ 3\ +create_runs\ +missing ]]
	[[ "$output" == *"3 applied, 0 pending, 1 modified, 1 missing"* ]]
}

@test "status --json parses and says the same" {
	strata -d sqlite:app.db up 1
	run --separate-stderr strata -d sqlite:app.db status --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.current' <<<"$output")" = 000001 ]
	[ "$(jq -r '.migrations | map(.state) | join(",")' <<<"$output")" = "applied,pending,pending" ]
	[ "$(jq -r '.counts.pending' <<<"$output")" = 2 ]
	[ "$(jq -r '.migrations[0].file' <<<"$output")" = "000001_create_projects.up.sql" ]
}

@test "version prints the number alone on stdout" {
	run --separate-stderr strata -d sqlite:app.db version
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"SQLite database app.db does not exist"* ]]
	[ ! -e app.db ]
	touch app.db
	run --separate-stderr strata -d sqlite:app.db version
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ "$stderr" == *"no migration applied"* ]]
	strata -d sqlite:app.db up 2
	run --separate-stderr strata -d sqlite:app.db version
	[ "$status" -eq 0 ]
	[ "$output" = 2 ]
	run strata -d sqlite:app.db version --json
	[ "$(jq -r .version <<<"$output")" = 000002 ]  # as the file name writes it (issue 13: one JSON schema)
	# works without the migrations directory
	rm -r migrations
	run --separate-stderr strata -d sqlite:app.db version
	[ "$status" -eq 0 ]
	[ "$output" = 2 ]
}

@test "status and version on PostgreSQL" {
	require_pg
	url=$(make_pg_db)
	run strata -d "$url" status
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT to_regclass('strata_migrations') IS NULL")" = t ]
	strata -d "$url" up
	run strata -d "$url" status
	[[ "$output" == *"3 applied, 0 pending; at 000003"* ]]
	run --separate-stderr strata -d "$url" version
	[ "$output" = 3 ]
}

@test "version: versions above 2^63 are the highest, a partial one says so" {
	mkdir big
	write_migration big 5 small "CREATE TABLE a (x INTEGER);" "DROP TABLE a;"
	write_migration big 9223372036854775808 huge "CREATE TABLE b (x INTEGER);" "DROP TABLE b;"
	run --separate-stderr strata -d sqlite:big.db -p big up
	[ "$status" -eq 0 ]
	run --separate-stderr strata -d sqlite:big.db version
	[ "$output" = 9223372036854775808 ]
	sqlite_sql big.db "UPDATE strata_migrations SET state = 'partial' WHERE name = 'huge'"
	run --separate-stderr strata -d sqlite:big.db version
	[ "$output" = "9223372036854775808 (partial)" ]
	run strata -d sqlite:big.db version --json
	[ "$(jq -r .partial <<<"$output")" = true ]
}

@test "validate checks files without a database and checksums with one" {
	run strata -p migrations validate
	[ "$status" -eq 0 ]
	[[ "$output" == *"3 migrations"* ]]
	strata -d sqlite:app.db up
	run strata -d sqlite:app.db validate
	[ "$status" -eq 0 ]
	printf 'CREATE TABLE tasks (id INTEGER PRIMARY KEY, x TEXT);\n' > migrations/000002_create_tasks.up.sql
	run --separate-stderr strata -d sqlite:app.db validate
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000002_create_tasks.up.sql: changed after it was applied (recorded sha256 "*"); if the change is deliberate, record it with \`strata accept 000002\`"* ]]
}

@test "an edited applied migration stops up until restored or allowed" {
	strata -d sqlite:app.db up 2
	printf 'CREATE TABLE projects (id INTEGER PRIMARY KEY, extra TEXT);\n' > migrations/000001_create_projects.up.sql
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000001_create_projects.up.sql was changed after it was applied"* ]]
	[[ "$stderr" == *"HINT: restore the applied file; if the change is deliberate and harmless, record it with \`strata accept 000001\` (or run once with --allow-modified)"* ]]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 2 ]
	run strata -d sqlite:app.db up --allow-modified
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
}

@test "line endings alone are not a modification" {
	strata -d sqlite:app.db up
	printf 'CREATE TABLE tasks (id INTEGER PRIMARY KEY);\r\n' > migrations/000002_create_tasks.up.sql
	run strata -d sqlite:app.db validate
	[ "$status" -eq 0 ]
}

@test "a pending migration older than the newest applied is refused unless allowed" {
	# a branch added 000002 while main applied 000003
	mkdir branch
	mv migrations/000002_* branch/
	strata -d sqlite:app.db up
	mv branch/* migrations/
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000002 create_tasks is pending but is older than 000003 create_runs, which is already applied"* ]]
	[[ "$stderr" == *"--allow-out-of-order"* ]]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 2 ]
	run strata -d sqlite:app.db status
	[[ "$output" == *"(older than the newest applied)"* ]]
	run strata -d sqlite:app.db up --allow-out-of-order
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
}

@test "validate reads the scripts as up would: unterminated quotes and unknown directives fail it" {
	write_migration migrations 000004 typo "-- strata:no-transation
SELECT 1;"
	write_migration migrations 000005 quote "SELECT 'oops;"
	run --separate-stderr strata -p migrations validate
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"000004_typo.up.sql:1: unknown directive -- strata:no-transation"* ]]
	[[ "$stderr" == *"000005_quote.up.sql:1: unterminated quoted string"* ]]
}
