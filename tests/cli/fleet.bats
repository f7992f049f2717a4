#!/usr/bin/env bats
# Fleets: one command over many SQLite files, URLs or PostgreSQL schemas.

load helpers

setup() {
	strata_setup
	write_migration migrations 000001 create_projects "CREATE TABLE projects (id INTEGER PRIMARY KEY);" "DROP TABLE projects;"
	write_migration migrations 000002 create_tasks "CREATE TABLE tasks (id INTEGER PRIMARY KEY, project_id INTEGER);" "DROP TABLE tasks;"
	write_migration migrations 000003 index_tasks "CREATE INDEX tasks_project ON tasks (project_id);" "DROP INDEX tasks_project;"
	mkdir data
	for i in $(seq 1 12); do sqlite3 "data/project_$i.db" "PRAGMA user_version = 1"; done
}

@test "a glob fleet with one broken target: the others migrate, the broken one is named, exit non-zero" {
	echo "this is not a database" > data/project_7.db
	run --separate-stderr strata -d 'sqlite:data/project_*.db' up -j 2
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"FAIL sqlite:data/project_7.db: cannot read SQLite database data/project_7.db: file is not a database"* ]]
	[[ "$stderr" == *"12 targets in"*"11 changed, 0 already current, 1 failed"* ]]
	for i in 1 2 3 4 5 6 8 9 10 11 12; do
		[ "$(sqlite_sql "data/project_$i.db" 'SELECT count(*) FROM strata_migrations')" = 3 ]
	done
	[ "$(cat data/project_7.db)" = "this is not a database" ]
}

@test "--json reports one object per target and parses" {
	echo "this is not a database" > data/project_7.db
	run --separate-stderr strata -d 'sqlite:data/project_*.db' up --json
	[ "$status" -eq 1 ]
	[ "$(jq '.targets | length' <<<"$output")" = 12 ]
	[ "$(jq -r '.targets[] | select(.status == "failed") | .target' <<<"$output")" = "sqlite:data/project_7.db" ]
	[ "$(jq '[.targets[] | select(.status == "migrated")] | length' <<<"$output")" = 11 ]
	[ "$(jq -r '.targets[] | select(.status == "failed") | .error.exit_code' <<<"$output")" = 1 ]
	[ "$(jq '.summary.failed' <<<"$output")" = 1 ]
	[ "$(jq -r '.targets[] | select(.target == "sqlite:data/project_3.db") | .version' <<<"$output")" = 000003 ]
}

@test "a failing migration on one target names the file and line; healthy targets are not held back" {
	sqlite3 data/project_5.db "CREATE TABLE tasks (x INTEGER)"
	run --separate-stderr strata -d 'sqlite:data/project_*.db' up -j 1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"FAIL sqlite:data/project_5.db: 000002_create_tasks.up.sql:1: table tasks already exists"* ]]
	[ "$(sqlite_sql data/project_5.db 'SELECT count(*) FROM strata_migrations')" = 1 ]
	[ "$(sqlite_sql data/project_12.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
}

@test "--fail-fast starts no more targets after a failure" {
	echo "broken" > data/project_1.db
	run --separate-stderr strata -d 'sqlite:data/project_*.db' up -j 1 --fail-fast
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"not started (--fail-fast)"* ]]
	[ -z "$(sqlite_sql data/project_9.db "SELECT name FROM sqlite_master WHERE name = 'strata_migrations'")" ]
}

@test "--canary N migrates N targets first and stops if one fails" {
	echo "broken" > data/project_10.db
	run --separate-stderr strata -d 'sqlite:data/project_*.db' up --canary 3 -j 1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"not started (a canary failed)"* ]]
	# glob order: project_1, project_10, project_11 are the canaries
	[ "$(sqlite_sql data/project_1.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
	[ -z "$(sqlite_sql data/project_2.db "SELECT name FROM sqlite_master WHERE name = 'strata_migrations'")" ]
	rm data/project_10.db
	run strata -d 'sqlite:data/project_*.db' up --canary 3
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql data/project_9.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
}

@test "status, version and down over a fleet" {
	strata -d 'sqlite:data/project_*.db' up -q
	strata -d sqlite:data/project_4.db down -y -q
	run strata -d 'sqlite:data/project_*.db' status -j 1
	[ "$status" -eq 0 ]
	[[ "$output" == *"sqlite:data/project_4.db: at 000002, 2 applied, 1 pending"* ]]
	[[ "$output" == *"sqlite:data/project_3.db: at 000003, 3 applied, 0 pending"* ]]
	run --separate-stderr strata -d 'sqlite:data/project_*.db' version -j 1
	[[ "$output" == *"sqlite:data/project_4.db 2"* ]]
	run --separate-stderr strata -d 'sqlite:data/project_*.db' down </dev/null
	[ "$status" -eq 2 ]
	run strata -d 'sqlite:data/project_*.db' down -y -q
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql data/project_4.db 'SELECT count(*) FROM strata_migrations')" = 1 ]
	[ "$(sqlite_sql data/project_3.db 'SELECT count(*) FROM strata_migrations')" = 2 ]
}

@test "--targets FILE: one URL per line, comments and blank lines skipped" {
	printf '# tenants\nsqlite:data/project_1.db\n\n  data/project_2.db  \n# sqlite:data/project_3.db\n' > targets.txt
	run strata --targets targets.txt up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql data/project_2.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
	[ -z "$(sqlite_sql data/project_3.db "SELECT name FROM sqlite_master WHERE name = 'strata_migrations'")" ]
	printf 'sqlite:data/project_1.db\noracle://nope\n' > bad.txt
	run --separate-stderr strata --targets bad.txt up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"bad.txt:2: unknown database"* ]]
}

@test "a schema fleet on PostgreSQL: every matching schema, its own tracking table, others untouched" {
	require_pg
	url=$(make_pg_db)
	pg_sql "$url" "CREATE SCHEMA project_1; CREATE SCHEMA project_2; CREATE SCHEMA project_10; CREATE SCHEMA other;"
	run --separate-stderr strata -d "$url" --schemas 'project_*' up -j 2
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"3 targets in"*"3 changed"* ]]
	for s in project_1 project_2 project_10; do
		[ "$(pg_sql "$url" "SELECT count(*) FROM $s.strata_migrations")" = 3 ]
		[ "$(pg_sql "$url" "SELECT to_regclass('$s.tasks') IS NOT NULL")" = t ]
	done
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_tables WHERE schemaname IN ('other', 'public')")" = 0 ]
	run strata -d "$url" --schemas 'project_1*' status
	[[ "$output" == *"(schema project_10): at 000003"* ]]
	[[ "$output" != *"(schema project_2)"* ]]
	run --separate-stderr strata -d "$url" --schemas 'nomatch_*' up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"no schema matches nomatch_*"* ]]
}

@test "commands that work on one database refuse a fleet" {
	run --separate-stderr strata -d 'sqlite:data/project_*.db' redo -y
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"redo works on one database at a time"* ]]
	run --separate-stderr strata -d 'sqlite:data/none_*.db' up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"no file matches data/none_*.db"* ]]
}

@test "a glob fleet keeps the URL's query: ?x-migrations-table names every target's table" {
	run strata -d 'sqlite:data/project_1*.db?x-migrations-table=mig' up -q
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql data/project_11.db 'SELECT count(*) FROM mig')" = 3 ]
	[ -z "$(sqlite_sql data/project_11.db "SELECT name FROM sqlite_master WHERE name = 'strata_migrations'")" ]
	# a single file with a query is not a fleet
	run strata -d 'sqlite:data/project_2.db?x-migrations-table=mig' up -q
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql data/project_2.db 'SELECT count(*) FROM mig')" = 3 ]
}

@test "a bad line in a targets file is found before any target is touched" {
	printf 'sqlite:data/project_1.db\noracle://nope\nsqlite:data/project_2.db\n' > bad.txt
	run --separate-stderr strata --targets bad.txt up -j 1
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"bad.txt:2: unknown database"* ]]
	[ -z "$(sqlite_sql data/project_1.db "SELECT name FROM sqlite_master WHERE name = 'strata_migrations'")" ]
	run --separate-stderr strata --targets bad.txt -d sqlite:x.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"either with -d or with --targets"* ]]
}

@test "a schema fleet refuses a schema-qualified --table: each schema keeps its own" {
	require_pg
	url=$(make_pg_db)
	pg_sql "$url" "CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b; CREATE SCHEMA ops;"
	run --separate-stderr strata -d "$url" --schemas 'tenant_*' --table ops.migrations up -j 1
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"give the table name alone"* ]]
	[ "$(pg_sql "$url" "SELECT to_regclass('ops.migrations') IS NULL")" = t ]
	run --separate-stderr strata -d "$url" --schemas 'tenant_*' --table my_migrations up -j 1
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM tenant_b.my_migrations")" = 3 ]
}

@test "a schema fleet's backups are one pg_dump per schema, named after it" {
	require_pg
	url=$(make_pg_db)
	pg_sql "$url" "CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b;"
	run --separate-stderr strata -d "$url" --schemas 'tenant_*' up -j 1 --backup bk
	[ "$status" -eq 0 ]
	[ "$(ls bk | grep -c -- '-tenant_a-')" = 1 ]
	[ "$(ls bk | grep -c -- '-tenant_b-')" = 1 ]
}

@test "per-target lines go to stdout when it is a log, even with stderr on a terminal" {
	echo "this is not a database" > data/project_7.db
	# stderr (and stdin) on a pseudo-terminal, stdout into a file: the file gets every target's line
	run python3 "$BATS_TEST_DIRNAME/pty_run.py" - sh -c "'$STRATA_BIN' -d 'sqlite:data/project_*.db' up -j 2 > log.txt"
	[ "$status" -eq 1 ]
	[ "$(grep -c '^  ok   sqlite:data/project_[0-9]*\.db: 3 run, at 000003' log.txt)" -eq 11 ]
	[ "$(grep -c '^  FAIL sqlite:data/project_7.db: cannot read SQLite database data/project_7.db: file is not a database' log.txt)" -eq 1 ]
	# the terminal got the summary, not a progress line
	[[ "$output" == *"12 targets in"*"11 changed, 0 already current, 1 failed"* ]]
	[[ "$output" != *"targets/s"* ]]
	# both on terminals: the progress line, and no per-target ok lines
	run python3 "$BATS_TEST_DIRNAME/pty_run.py" - "$STRATA_BIN" -d 'sqlite:data/project_*.db' status
	[[ "$output" == *"targets/s"* ]]
	[[ "$output" != *"  ok   sqlite:data/project_1.db"* ]]
}

@test "fleet --json: versions as the file names write them, errors in the one error shape" {
	echo "this is not a database" > data/project_7.db
	run --separate-stderr strata -d 'sqlite:data/project_*.db' up --json
	[ "$status" -eq 1 ]
	[ "$(jq -r '.targets[] | select(.status == "migrated") | .version' <<<"$output" | sort -u)" = 000003 ]
	[ "$(jq -r '.targets[] | select(.status == "failed") | .error | [.code, .exit_code, .message] | join(",")' <<<"$output")" = \
	  "connect,1,cannot read SQLite database data/project_7.db: file is not a database" ]
	run --separate-stderr strata -d 'sqlite:data/project_[1-3].db' version --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.targets[].version' <<<"$output" | sort -u)" = 000003 ]
}
