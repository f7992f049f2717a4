#!/usr/bin/env bats
# Safety on a production database: backups first, drop only when asked,
# timeouts that give up on locks and retry, conditions before and after.

load helpers

setup() {
	strata_setup
	write_migration migrations 000001 create_projects "CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT);" "DROP TABLE projects;"
	write_migration migrations 000002 create_tasks "CREATE TABLE tasks (id INTEGER PRIMARY KEY);" "DROP TABLE tasks;"
	write_migration migrations 000003 create_runs "CREATE TABLE runs (id INTEGER PRIMARY KEY);" "DROP TABLE runs;"
}

@test "--backup on SQLite writes a 0600 copy named after database, time and version, that restores" {
	strata -d sqlite:app.db up 2
	sqlite_sql app.db "INSERT INTO projects (name) VALUES ('keep me')"
	run --separate-stderr strata -d sqlite:app.db up --backup backups
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"backup written to backups/app-"*"-v2.db"* ]]
	file=$(ls backups/*.db)
	[[ "$file" =~ ^backups/app-[0-9]{8}T[0-9]{6}Z-v2\.db$ ]]
	[ "$(stat -c %a "$file")" = 600 ]
	[ "$(stat -c %a backups)" = 700 ]
	# the backup is the database before the change
	[ "$(sqlite_sql "$file" 'SELECT count(*) FROM strata_migrations')" = 2 ]
	[ "$(sqlite_sql "$file" 'SELECT name FROM projects')" = "keep me" ]
	cp "$file" app.db
	run strata -d sqlite:app.db status
	[[ "$output" == *"2 applied, 1 pending"* ]]
}

@test "--backup with nothing to do writes nothing; a failed backup stops everything" {
	strata -d sqlite:app.db up
	run strata -d sqlite:app.db up --backup backups
	[ "$status" -eq 0 ]
	[ ! -e backups ]
	run --separate-stderr strata -d sqlite:app.db down -y --backup /proc/no/such/dir
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"nothing was changed"* ]]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
}

@test "--backup on PostgreSQL uses pg_dump with the password kept out of argv and output" {
	require_pg
	url=$(make_pg_db t_backup_pw strata_pw)
	pwurl="postgresql://strata_pw:s3cret-pw@127.0.0.1:${PGPORT}/t_backup_pw"
	strata -d "$pwurl" up 2
	pg_sql "$url" "INSERT INTO projects VALUES (1, 'keep me')"
	run --separate-stderr strata -d "$pwurl" up --backup backups
	[ "$status" -eq 0 ]
	[[ "$output$stderr" != *"s3cret-pw"* ]]
	file=$(ls backups/*.dump)
	[[ "$file" =~ ^backups/t_backup_pw-[0-9]{8}T[0-9]{6}Z-v2\.dump$ ]]
	[ "$(stat -c %a "$file")" = 600 ]
	restored=$(make_pg_db t_backup_restored)
	pg_restore -d "$restored" --no-owner "$file"
	[ "$(pg_sql "$restored" 'SELECT count(*) FROM strata_migrations')" = 2 ]
	[ "$(pg_sql "$restored" 'SELECT name FROM projects')" = "keep me" ]
	[ "$(pg_sql "$restored" "SELECT to_regclass('runs') IS NULL")" = t ]
}

@test "drop asks, refuses without a terminal, and empties an SQLite database" {
	strata -d sqlite:app.db up
	run --separate-stderr strata -d sqlite:app.db drop </dev/null
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"Drop everything on sqlite:app.db: 5 tables, 0 views and 0 triggers of app.db?"* ]]
	[[ "$stderr" == *"pass --yes"* ]]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
	run strata -d sqlite:app.db drop --yes
	[ "$status" -eq 0 ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master")" ]
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
}

@test "drop on PostgreSQL recreates the current schema and leaves the others alone" {
	require_pg
	url=$(make_pg_db)
	pg_sql "$url" "CREATE SCHEMA keep; CREATE TABLE keep.t (x int)"
	strata -d "$url" up
	run strata -d "$url" drop -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"dropped schema public of database"* ]]
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ]
	[ "$(pg_sql "$url" "SELECT to_regclass('keep.t') IS NOT NULL")" = t ]
	run strata -d "$url" up
	[ "$status" -eq 0 ]
}

# busy_projects: on a fresh PostgreSQL database migrated to 000003, a pending
# 000004 alters projects while another session holds that table for ~2 s
# ($holder is that session's psql, $url the database).
busy_projects() {
	url=$(make_pg_db)
	strata -d "$url" up
	write_migration migrations 000004 alter_projects "ALTER TABLE projects ADD COLUMN path text;"
	psql -X -q -d "$url" -c "BEGIN; LOCK TABLE projects IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(2); COMMIT;" &
	holder=$!
	sleep 0.5
}

@test "--lock-timeout gives up on a busy table and retries with backoff until it is free" {
	require_pg
	busy_projects
	run --separate-stderr strata -d "$url" up --lock-timeout 200ms --lock-retries 6
	wait "$holder"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"000004 alter_projects: canceling statement due to lock timeout; retrying in 0.5 s (retry 1 of 6)"* ]]
	[ "$(pg_sql "$url" "SELECT count(*) FROM information_schema.columns WHERE table_name = 'projects' AND column_name = 'path'")" = 1 ]
}

@test "--lock-timeout without retries fails at once, rolled back, exit 1" {
	require_pg
	busy_projects
	run --separate-stderr strata -d "$url" up --lock-timeout 200ms --lock-retries 0
	wait "$holder"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000004_alter_projects.up.sql:1: canceling statement due to lock timeout"* ]]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" = 3 ]
}

@test "--statement-timeout and -- strata:timeout stop a migration that runs too long" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 000004 slow "SELECT pg_sleep(3);"
	run --separate-stderr strata -d "$url" up --statement-timeout 300ms
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000004_slow.up.sql:1: canceling statement due to statement timeout"* ]]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" = 3 ]
	write_migration migrations 000004 slow "-- strata:timeout 300ms
SELECT pg_sleep(3);"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000004_slow.up.sql:2: canceling statement due to statement timeout"* ]]
}

@test "-- strata:require is checked before, -- strata:verify inside the transaction" {
	write_migration migrations 000004 backfill "-- strata:require SELECT count(*) = 0 FROM runs
-- strata:verify SELECT count(*) = 2 FROM projects WHERE name IS NOT NULL
INSERT INTO projects (name) VALUES ('a'), (NULL);"
	strata -d sqlite:app.db up 3
	sqlite_sql app.db "INSERT INTO runs VALUES (1)"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000004_backfill.up.sql:1: -- strata:require is not true: SELECT count(*) = 0 FROM runs"* ]]
	sqlite_sql app.db "DELETE FROM runs"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000004_backfill.up.sql:2: -- strata:verify is not true"* ]]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM projects')" = 0 ]
	sed -i "s/(NULL)/('b')/" migrations/000004_backfill.up.sql
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM projects')" = 2 ]
}

@test "an unknown directive is refused before anything runs" {
	write_migration migrations 000004 typo "-- strata:no-transation
SELECT 1;"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"000004_typo.up.sql:1: unknown directive -- strata:no-transation"* ]]
	[ ! -e app.db ] || [ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 0 ]
}
