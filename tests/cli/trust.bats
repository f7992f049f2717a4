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
	[[ "${lines[1]}" =~ up\ +1\ +create_projects\ +.+@.+\ +[0-9.]+\ m?s\ +ok$ ]]
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
	printf 'CREATE TABLE tasks (id INTEGER PRIMARY KEY, note TEXT);\n' > migrations/000002_create_tasks.up.sql
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

@test "edits that change no statement are not modifications: comments, blank lines, indentation, line endings" {
	write_migration migrations 000004 seed "INSERT INTO projects (id) VALUES (1), (2);
INSERT INTO tasks (id) VALUES (10);"
	strata -d sqlite:app.db up
	cat >migrations/000004_seed.up.sql <<-'EOF'
	-- seed data for the demo
	INSERT INTO projects (id)
	    VALUES (1),
	           (2);   /* two projects */

	INSERT INTO tasks (id) VALUES (10); -- one task
	EOF
	sed -i 's/$/\r/' migrations/000001_create_projects.up.sql
	run --separate-stderr strata -d sqlite:app.db validate
	[ "$status" -eq 0 ]
	[[ "$output" == *"4 applied match their files"* ]]
	run strata -d sqlite:app.db status
	[[ "$output" == *"4 applied, 0 pending; at 000004"* ]]
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
}

@test "a statement edit is a modification, and the hint names strata accept V" {
	strata -d sqlite:app.db up
	printf -- '-- reworded comment\nCREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT);\n' >migrations/000002_create_tasks.up.sql
	run --separate-stderr strata -d sqlite:app.db validate
	[ "$status" -eq 1 ]
	[[ "$stderr" == "strata: 000002_create_tasks.up.sql: changed after it was applied (recorded sha256 "*", file "*"); if the change is deliberate, record it with \`strata accept 000002\`" ]]
	run --separate-stderr strata -d sqlite:app.db down -y
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"HINT: restore the applied file; if the change is deliberate and harmless, record it with \`strata accept 000002\`"* ]]
	# inside a literal, white space is a change
	strata -d sqlite:app.db accept 2
	write_migration migrations 000004 seed "INSERT INTO projects (id) VALUES (1); CREATE VIEW v AS SELECT 'a b' AS x;"
	strata -d sqlite:app.db up
	printf "INSERT INTO projects (id) VALUES (1);\nCREATE VIEW v AS SELECT 'a  b' AS x;\n" >migrations/000004_seed.up.sql
	run --separate-stderr strata -d sqlite:app.db validate
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000004_seed.up.sql: changed after it was applied"* ]]
	# and a directive counts: it changes how the file runs
	printf -- "-- strata:timeout 5m\nINSERT INTO projects (id) VALUES (1); CREATE VIEW v AS SELECT 'a b' AS x;\n" >migrations/000004_seed.up.sql
	run --separate-stderr strata -d sqlite:app.db validate
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000004_seed.up.sql: changed after it was applied"* ]]
}

# sum_v0 FILE: the checksum strata recorded before checksums had a tag: SHA-256 of the file, CRLF as LF.
sum_v0() {
	sed 's/\r$//' "$1" | sha256sum | cut -d' ' -f1
}

@test "checksums recorded by the previous release (untagged) still verify; accept and new applies record the tagged form" {
	strata -d sqlite:app.db up 2
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations WHERE checksum LIKE 's1:%' AND length(checksum) = 67")" = 2 ]
	# as the previous release recorded them
	for v in 1 2; do
		f=$(ls migrations/00000${v}_*.up.sql)
		sqlite_sql app.db "UPDATE strata_migrations SET checksum = '$(sum_v0 "$f")' WHERE version = $v"
	done
	run --separate-stderr strata -d sqlite:app.db validate
	[ "$status" -eq 0 ]
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   000003 create_runs"* ]]
	[ "$(sqlite_sql app.db "SELECT version || ':' || substr(checksum, 1, 3) FROM strata_migrations ORDER BY version" | tr '\n' ' ')" = "1:$(sum_v0 migrations/000001_create_projects.up.sql | cut -c1-3) 2:$(sum_v0 migrations/000002_create_tasks.up.sql | cut -c1-3) 3:s1: " ]
	# an old checksum covers the whole file, so any edit of it shows until accepted
	printf 'CREATE TABLE projects (id INTEGER PRIMARY KEY); -- note\n' >migrations/000001_create_projects.up.sql
	run --separate-stderr strata -d sqlite:app.db validate
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000001_create_projects.up.sql: changed after it was applied (recorded sha256 $(sqlite_sql app.db 'SELECT substr(checksum, 1, 12) FROM strata_migrations WHERE version = 1'), file $(sum_v0 migrations/000001_create_projects.up.sql | cut -c1-12))"* ]]
	strata -d sqlite:app.db accept 1
	[ "$(sqlite_sql app.db "SELECT substr(checksum, 1, 3) FROM strata_migrations WHERE version = 1")" = "s1:" ]
	run strata -d sqlite:app.db validate
	[ "$status" -eq 0 ]
}

@test "PostgreSQL: old checksums verify, comment edits are no modification, statement edits are" {
	require_pg
	url=$(make_pg_db)
	strata -d "$url" up
	pg_sql "$url" "UPDATE strata_migrations SET checksum = '$(sum_v0 migrations/000001_create_projects.up.sql)' WHERE version = 1"
	printf -- '-- tasks\nCREATE TABLE tasks (\n  id INTEGER PRIMARY KEY\n);\n' >migrations/000002_create_tasks.up.sql
	run --separate-stderr strata -d "$url" validate
	[ "$status" -eq 0 ]
	printf 'CREATE TABLE runs (id bigint PRIMARY KEY);\n' >migrations/000003_create_runs.up.sql
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000003_create_runs.up.sql was changed after it was applied"*"\`strata accept 000003\`"* ]]
	run strata -d "$url" accept 3
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT version || ':' || left(checksum, 3) FROM strata_migrations ORDER BY version" | tr '\n' ' ')" = "1:$(sum_v0 migrations/000001_create_projects.up.sql | cut -c1-3) 2:s1: 3:s1: " ]
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
	[[ "$output" == *"adopted golang-migrate's state from schema_migrations: 2 migrations recorded as applied, at 000002"* ]]
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
	[ "$stderr" = "strata: 1 version recorded by dbmate has no file in migrations (99999); not recorded" ]
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
	[[ "$output" == *"adopted diesel's state from __diesel_schema_migrations: 1 migration recorded as applied, at 000001"* ]]
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

# adopt_unknown_version DB: golang-migrate says 7, the files here go to 3; adopt refuses, recording nothing.
adopt_unknown_version() {
	local db=$1
	run --separate-stderr strata -d "$db" adopt
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: golang-migrate records version 7 in schema_migrations, but there is no migration 7 in migrations: is this the directory golang-migrate ran from?
  DETAIL: nothing was recorded. golang-migrate itself stops here (no migration found for version 7); adopting would record the files below it and leave what lies between to run again as new
  HINT: point --path at the directory golang-migrate used and adopt again; if the files up to 7 are gone for good and the database has them, \`strata baseline 000003\` records the files here up to 000003 as applied, running nothing" ]
	[ -z "$output" ]
}

@test "SQLite: adopt refuses a golang-migrate version that has no file, as golang-migrate does" {
	sqlite_sql app.db "CREATE TABLE schema_migrations (version uint64, dirty bool); INSERT INTO schema_migrations VALUES (7, 0);"
	adopt_unknown_version sqlite:app.db
	[ "$(sqlite_sql app.db "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'")" = schema_migrations ]
	# the way forward it names: the right directory adopts all of it
	for v in 4 5 6 7; do
		write_migration other 00000$v m$v "CREATE TABLE m$v (id INTEGER);"
	done
	cp migrations/* other/
	run --separate-stderr strata -d sqlite:app.db --path other adopt
	[ "$status" -eq 0 ]
	[ "$output" = "strata: adopted golang-migrate's state from schema_migrations: 7 migrations recorded as applied, at 000007" ]
}

@test "PostgreSQL: adopt refuses a golang-migrate version that has no file; baseline is the way when the files are gone" {
	require_pg
	url=$(make_pg_db)
	pg_sql "$url" "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
		INSERT INTO schema_migrations VALUES (7, false);"
	adopt_unknown_version "$url"
	[ "$(pg_sql "$url" "SELECT to_regclass('strata_migrations') IS NULL AND to_regclass('strata_migrations_log') IS NULL")" = t ]
	run --separate-stderr strata -d "$url" baseline 000003
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT string_agg(version::text, ',' ORDER BY version) FROM strata_migrations")" = "1,2,3" ]
}

@test "PostgreSQL: dbmate versions without a file are named" {
	require_pg
	url=$(make_pg_db)
	pg_sql "$url" "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
		INSERT INTO schema_migrations VALUES ('000001'), ('9'), ('5');"
	run --separate-stderr strata -d "$url" adopt
	[ "$status" -eq 0 ]
	[ "$output" = "strata: adopted dbmate's state from schema_migrations: 1 migration recorded as applied, at 000001" ]
	[ "$stderr" = "strata: 2 versions recorded by dbmate have no file in migrations (5, 9); not recorded" ]
}

# x_table_adopt URL: the URL's x-migrations-table names golang-migrate's table; adopt says so, then --from adopts it.
x_table_adopt() {
	local url=$1
	run --separate-stderr strata -d "$url" adopt
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: x-migrations-table=my_migrations in the URL names another tool's table, not strata's: strata would keep its own records there
  HINT: adopt from it with \`strata adopt --from my_migrations --table strata_migrations\`, and give every later command the same --table (or drop x-migrations-table from the URL strata uses)" ]
	run --separate-stderr strata -d "$url" adopt --from my_migrations --table strata_migrations
	[ "$status" -eq 0 ]
	[ "$output" = "strata: adopted golang-migrate's state from my_migrations: 2 migrations recorded as applied, at 000002" ]
	run --separate-stderr strata -d "$url" up --table strata_migrations
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   000003 create_runs"* ]]
}

@test "SQLite: adopt notices that x-migrations-table names golang-migrate's table" {
	sqlite_sql app.db "CREATE TABLE projects (id INTEGER PRIMARY KEY); CREATE TABLE tasks (id INTEGER PRIMARY KEY);
		CREATE TABLE my_migrations (version uint64, dirty bool); INSERT INTO my_migrations VALUES (2, 0);"
	x_table_adopt "sqlite:app.db?x-migrations-table=my_migrations"
	[ "$(sqlite_sql app.db 'SELECT group_concat(version) FROM strata_migrations')" = "1,2,3" ]
	[ "$(sqlite_sql app.db 'SELECT version FROM my_migrations')" = 2 ]
}

@test "PostgreSQL: adopt notices that x-migrations-table names golang-migrate's table" {
	require_pg
	url=$(make_pg_db)
	pg_sql "$url" "CREATE TABLE projects (id int PRIMARY KEY); CREATE TABLE tasks (id int PRIMARY KEY);
		CREATE TABLE my_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
		INSERT INTO my_migrations VALUES (2, false);"
	x_table_adopt "$url?x-migrations-table=my_migrations"
	[ "$(pg_sql "$url" "SELECT string_agg(version::text, ',' ORDER BY version) FROM strata_migrations")" = "1,2,3" ]
}
