#!/usr/bin/env bats
# Real directories as they are: several merged into one history (dbmate's
# repeated --migrations-dir), goose's Go migrations never skipped silently,
# an empty or wrong directory refused, and every refusal leaving the
# database exactly as it was (no new file, no tracking tables).

load helpers

# init/ holds the schema's start, migrations/ what came later; versions interleave.
two_dirs() {
	write_migration init 000001 create_projects "CREATE TABLE projects (id INTEGER PRIMARY KEY);" "DROP TABLE projects;"
	write_migration migrations 000002 create_tasks "CREATE TABLE tasks (id INTEGER PRIMARY KEY);" "DROP TABLE tasks;"
	printf -- '-- migrate:up\nCREATE TABLE seeds (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE seeds;\n' \
		>init/000003_seeds.sql
}

# a goose directory: SQL migrations with a Go migration between them
goose_dir() {
	mkdir -p migrations
	printf -- '-- +goose Up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n-- +goose Down\nDROP TABLE users;\n' \
		>migrations/00001_create_users.sql
	printf 'package migrations\n\nfunc init() { goose.AddMigration(up00002, down00002) }\n' \
		>migrations/00002_backfill_names.go
	printf -- '-- +goose Up\nCREATE TABLE teams (id INTEGER PRIMARY KEY);\n-- +goose Down\nDROP TABLE teams;\n' \
		>migrations/00003_create_teams.sql
	# not migrations, as for goose: a test file and a file without a version
	printf 'package migrations\n' >migrations/00002_backfill_names_test.go
	printf 'package migrations\n' >migrations/migrations.go
}

sqlite_tables() {
	sqlite_sql "$1" "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name)"
}

@test "two directories into one history: -p twice, path = a, b in strata.ini, STRATA_PATH=a,b" {
	two_dirs
	run --separate-stderr strata -d sqlite:app.db -p init -p migrations up
	[ "$status" -eq 0 ]
	[[ "$output" == *"3 to run"* ]]
	[ "$(sqlite_sql app.db "SELECT group_concat(version || ':' || name, ',') FROM strata_migrations")" = \
		"1:create_projects,2:create_tasks,3:seeds" ]
	run strata -d sqlite:app.db -p init -p migrations status
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^000001\ +create_projects\ +applied ]]
	[[ "${lines[2]}" =~ ^000002\ +create_tasks\ +applied ]]
	[[ "${lines[3]}" =~ ^000003\ +seeds\ +applied ]]
	# the file names carry their directory, in --json too
	run strata -d sqlite:app.db -p init -p migrations status --json
	[ "$(jq -r '.migrations | map(.file) | join(",")' <<<"$output")" = \
		"init/000001_create_projects.up.sql,migrations/000002_create_tasks.up.sql,init/000003_seeds.sql" ]
	# an error names the file with its directory
	write_migration migrations 000004 bad "SELECT nope FROM tasks;"
	run --separate-stderr strata -d sqlite:app.db -p init -p migrations up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"migrations/000004_bad.up.sql:1: no such column: nope"* ]]
	rm migrations/000004_bad.up.sql
	# the same list from strata.ini, then from the environment
	printf 'database = sqlite:app.db\npath = init, migrations\n' >strata.ini
	run strata down --all -y
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations")" = 0 ]
	rm strata.ini
	STRATA_PATH=init,migrations run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations")" = 3 ]
	[ "$(sqlite_tables app.db)" = "projects,seeds,strata_migrations,strata_migrations_log,tasks" ]
}

@test "two directories into one table on PostgreSQL" {
	require_pg
	url=$(make_pg_db)
	two_dirs
	run strata -d "$url" -p init -p migrations up
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT string_agg(version || ':' || name, ',' ORDER BY version) FROM strata_migrations")" = \
		"1:create_projects,2:create_tasks,3:seeds" ]
	run strata -d "$url" -p init -p migrations down 2 -y
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT to_regclass('seeds') IS NULL AND to_regclass('tasks') IS NULL AND to_regclass('projects') IS NOT NULL")" = t ]
}

@test "a version in two directories is an error naming both files, before anything is created" {
	two_dirs
	echo "CREATE TABLE other (id INTEGER);" >migrations/000003_other.sql
	run --separate-stderr strata -d sqlite:app.db -p init -p migrations up
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: init/000003_seeds.sql: duplicate version 000003 across directories: migrations/000003_other.sql has the same version" ]
	[ ! -e app.db ]
	# an up in one directory and its down in another are not one migration either
	rm migrations/000003_other.sql
	echo "DROP TABLE seeds;" >migrations/000001_create_projects.down.sql
	run --separate-stderr strata -p init -p migrations validate
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: init/000001_create_projects.up.sql: duplicate version 000001 across directories: migrations/000001_create_projects.down.sql has the same version" ]
	rm migrations/000001_create_projects.down.sql
	# one directory given twice, and one that does not exist: both said at once
	run --separate-stderr strata -p init -p migrations -p ./init/ -p migratoins validate
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"./init/: is the same directory as init: give it once"* ]]
	[[ "$stderr" == *"migratoins: cannot open the migrations directory: No such file or directory"* ]]
	# strata.ini: an empty name in the list
	printf 'path = init,,migrations\n' >strata.ini
	run --separate-stderr strata validate
	[ "$status" -eq 2 ]
	[[ "$stderr" == *'strata.ini:1: path "init,,migrations": a directory name is missing'* ]]
}

@test "create with several directories writes into the first, as dbmate's new does" {
	two_dirs
	run strata -p init -p migrations create --seq add_thing
	[ "$status" -eq 0 ]
	# the newest migration is a dbmate file: the new one is too, numbered after every directory
	[ "$output" = "init/000004_add_thing.sql" ]
	# the first directory missing: create makes it
	run strata -p fresh -p migrations create --seq more
	[ "$status" -eq 0 ]
	[ "$output" = "fresh/000003_more.up.sql
fresh/000003_more.down.sql" ]
}

@test "a goose directory with a Go migration in the middle: up stops before it, baseline records it, up goes on" {
	goose_dir
	run strata validate
	[ "$status" -eq 0 ]
	[[ "$output" == *"strata: 00002_backfill_names.go: Go migration: strata cannot run it; \`strata up\` stops before it (run it with goose, then \`strata baseline 00002\`)"* ]]
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$output" == *"ok   00001 create_users"* ]]
	[ "$stderr" = "strata: 00002 backfill_names (00002_backfill_names.go) is a goose Go migration, which strata cannot run: stopped before it; the database is at 00001
  HINT: run its Go code outside strata (goose decides what to run from its own goose_db_version table, which strata does not keep: a plain \`goose up\` would start again at the first migration), then \`strata baseline 00002\` records it, and \`strata up\` continues after it" ]
	[ "$(sqlite_sql app.db "SELECT group_concat(version) FROM strata_migrations")" = 1 ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name = 'teams'")" ]
	# --json says what ran before the stop, and why it stopped
	sqlite_sql app.db "DELETE FROM strata_migrations; DROP TABLE users;"
	run --separate-stderr strata -d sqlite:app.db up --json
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.applied, .version, .error.exit_code, .error.file] | join(",")' <<<"$output")" = "1,00001,1,00002_backfill_names.go" ]
	# again: the same stop, not "nothing to do"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"00002 backfill_names (00002_backfill_names.go) is a goose Go migration"* ]]
	run strata -d sqlite:app.db status
	[ "$status" -eq 0 ]
	[[ "${lines[2]}" =~ ^00002\ +backfill_names\ +pending\ +Go\ migration:\ strata\ cannot\ run\ it ]]
	run --separate-stderr strata -d sqlite:app.db validate
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"strata: 00002_backfill_names.go: Go migration: strata cannot run it"* ]]
	# the user runs it with goose, then records it
	run strata -d sqlite:app.db baseline 00002
	[ "$status" -eq 0 ]
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   00003 create_teams"* ]]
	[ "$(sqlite_sql app.db "SELECT group_concat(version) FROM strata_migrations")" = "1,2,3" ]
	run strata -d sqlite:app.db status
	[[ "${lines[2]}" =~ ^00002\ +backfill_names\ +baselined.*Go\ migration\ \(run\ by\ goose\)$ ]]
	# strata cannot roll it back either
	run --separate-stderr strata -d sqlite:app.db down 2 -y
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"00002 backfill_names cannot be rolled back: it is a goose Go migration, which strata cannot run"* ]]
	[ "$(sqlite_sql app.db "SELECT group_concat(version) FROM strata_migrations")" = "1,2,3" ]
}

@test "a Go migration in the middle on PostgreSQL, with --dry-run and goto" {
	require_pg
	url=$(make_pg_db)
	goose_dir
	run --separate-stderr strata -d "$url" up --dry-run
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"00002 backfill_names (00002_backfill_names.go) is a goose Go migration, which strata cannot run: \`strata up\` stops before it"* ]]
	run --separate-stderr strata -d "$url" goto 00003
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"stopped before it; the database is at 00001"* ]]
	[ "$(pg_sql "$url" "SELECT string_agg(version::text, ',' ORDER BY version) FROM strata_migrations")" = 1 ]
	[ "$(pg_sql "$url" "SELECT to_regclass('teams') IS NULL")" = t ]
	run strata -d "$url" baseline 00002
	[ "$status" -eq 0 ]
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT string_agg(version::text, ',' ORDER BY version) FROM strata_migrations")" = "1,2,3" ]
	[ "$(pg_sql "$url" "SELECT to_regclass('teams') IS NOT NULL")" = t ]
}

@test "an empty, misspelt or unrecognised directory is exit 2, never nothing to do" {
	mkdir migrations
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: migrations: no migrations found: no .sql file or migration directory in it; expected names like 000001_create_users.up.sql or 20240101120000_create_users.sql
  HINT: check the directory (-p DIR, STRATA_PATH or path = in strata.ini); \`strata create NAME\` writes a first migration" ]
	[ ! -e app.db ]
	# .sql files, none of them a migration
	echo "CREATE TABLE x (id int);" >migrations/schema.sql
	echo "INSERT INTO x VALUES (1);" >migrations/seed.sql
	run --separate-stderr strata -d sqlite:app.db status
	[ "$status" -eq 2 ]
	[[ "$stderr" == "strata: migrations: no migrations found: 2 .sql files (migrations/schema.sql, migrations/seed.sql), none named like a migration;"* ]]
	run --separate-stderr strata validate
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"none named like a migration"* ]]
	# a misspelt directory
	run --separate-stderr strata -d sqlite:app.db -p migratons up
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: migratons: cannot open the migrations directory: No such file or directory
  HINT: check the name (-p DIR, STRATA_PATH or path = in strata.ini); \`strata create NAME\` makes the directory and a first migration" ]
	[ ! -e app.db ]
	# create still works on a missing or an empty directory
	run strata -p migratons create --seq first
	[ "$status" -eq 0 ]
	[ -f migratons/000001_first.up.sql ]
	rm migrations/*.sql
	run strata create --seq first
	[ "$status" -eq 0 ]
	[ -f migrations/000001_first.up.sql ]
}

@test "an empty or unrecognised directory on PostgreSQL creates no tracking table" {
	require_pg
	url=$(make_pg_db)
	mkdir migrations
	echo "CREATE TABLE x (id int);" >migrations/schema.sql
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"no migrations found: 1 .sql file (migrations/schema.sql), none named like a migration"* ]]
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ]
}

@test "on a path that does not exist only up creates the SQLite file; every other command says so" {
	write_migration migrations 000001 create_projects "CREATE TABLE projects (id INTEGER PRIMARY KEY);" "DROP TABLE projects;"
	for cmd in down "goto 1" redo status version validate history "baseline 1" "force 1" "accept 1" adopt drop; do
		# shellcheck disable=SC2086
		run --separate-stderr strata -d sqlite:data/app.db $cmd -y
		[ "$status" -eq 1 ] || { echo "$cmd: exit $status"; false; }
		[ "$stderr" = "strata: SQLite database data/app.db does not exist (only \`strata up\` creates it): check the path" ] ||
			{ echo "$cmd: $stderr"; false; }
	done
	mkdir data
	for cmd in down "goto 1" redo status version validate history "baseline 1" "force 1" adopt drop; do
		# shellcheck disable=SC2086
		run strata -d sqlite:data/app.db $cmd -y
		[ "$status" -eq 1 ]
	done
	[ -z "$(ls -A data)" ]
	run strata -d sqlite:data/app.db up
	[ "$status" -eq 0 ]
	[ -f data/app.db ]
}

@test "a refused up --single-transaction leaves no file and no tables on SQLite" {
	write_migration migrations 000001 create_projects "CREATE TABLE projects (id INTEGER PRIMARY KEY);"
	printf -- '-- strata:no-transaction\nCREATE TABLE b (x);\n' >migrations/000002_outside.up.sql
	run --separate-stderr strata -d sqlite:app.db up --single-transaction
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"000002 outside must run outside a transaction, so it cannot be part of --single-transaction"* ]]
	[ -z "$(ls app.db* 2>/dev/null)" ]
	# an existing database stays exactly as it was
	sqlite_sql app.db "CREATE TABLE keep (x);"
	run strata -d sqlite:app.db up --single-transaction
	[ "$status" -eq 2 ]
	[ "$(sqlite_tables app.db)" = keep ]
}

@test "a refused up --single-transaction creates no tracking table on PostgreSQL" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 000001 create_projects "CREATE TABLE projects (id int PRIMARY KEY);"
	write_migration migrations 000002 index_projects "CREATE INDEX CONCURRENTLY projects_id ON projects (id);"
	run --separate-stderr strata -d "$url" up --single-transaction
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"000002 index_projects must run outside a transaction, so it cannot be part of --single-transaction"* ]]
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'")" = 0 ]
	# and goto to a version that does not exist
	run --separate-stderr strata -d "$url" goto 42
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"no migration has version 42"* ]]
	[ "$(pg_sql "$url" "SELECT to_regclass('strata_migrations') IS NULL AND to_regclass('strata_migrations_log') IS NULL")" = t ]
}
