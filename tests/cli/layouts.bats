#!/usr/bin/env bats
# Migration directories as users already have them, and every bad one
# refused before the database is touched.

load helpers

@test "dbmate single files with -- migrate:up / -- migrate:down" {
	mkdir migrations
	printf -- '-- migrate:up\nCREATE TABLE projects (id INTEGER PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE projects;\n' \
		> migrations/20240101120000_create_projects.sql
	printf -- '-- migrate:up\nALTER TABLE projects ADD COLUMN name TEXT;\nSELECT nope FROM projects;\n-- migrate:down\nALTER TABLE projects DROP COLUMN name;\n' \
		> migrations/20240102120000_add_name.sql
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	# the line is the file's, not the section's
	[[ "$stderr" == *"20240102120000_add_name.sql:3: no such column: nope"* ]]
	sed -i '/nope/d' migrations/20240102120000_add_name.sql
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	run strata -d sqlite:app.db down --all -y
	[ "$status" -eq 0 ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name='projects'")" ]
}

@test "goose files with -- +goose Up / Down" {
	mkdir migrations
	printf -- '-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE t (id INTEGER);\n-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE t;\n' \
		> migrations/00001_create_t.sql
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ -n "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name='t'")" ]
	run strata -d sqlite:app.db down -y
	[ "$status" -eq 0 ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name='t'")" ]
}

@test "plain numbered files, with an optional .down.sql" {
	mkdir migrations
	echo "CREATE TABLE permissions (id INTEGER PRIMARY KEY);" > migrations/001_add_permissions.sql
	echo "CREATE TABLE session_permissions (id INTEGER PRIMARY KEY);" > migrations/002_add_session_permissions.sql
	echo "DROP TABLE session_permissions;" > migrations/002_add_session_permissions.down.sql
	echo "SELECT 1;" > migrations/seed_data.sql
	echo "# notes" > migrations/README.md
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"seed_data.sql"* ]]
	[[ "$stderr" != *"README.md"* ]]
	[ "$(sqlite_sql app.db 'SELECT group_concat(version) FROM strata_migrations')" = "1,2" ]
	run strata -d sqlite:app.db down -y
	[ "$status" -eq 0 ]
	run --separate-stderr strata -d sqlite:app.db down -y
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"001 add_permissions cannot be rolled back: its down script is missing (there is no 001_add_permissions.down.sql)"* ]]
}

@test "Diesel directories, with metadata.toml's run_in_transaction = false, on PostgreSQL" {
	require_pg
	url=$(make_pg_db)
	mkdir -p migrations/2024-02-12-120203_create_users migrations/2024-02-13-090000_index_users "migrations/2024-02-14-100000-0000_add email"
	echo "CREATE TABLE users (id int PRIMARY KEY, name text);" > migrations/2024-02-12-120203_create_users/up.sql
	echo "DROP TABLE users;" > migrations/2024-02-12-120203_create_users/down.sql
	echo "CREATE INDEX CONCURRENTLY users_name ON users (name);" > migrations/2024-02-13-090000_index_users/up.sql
	echo "DROP INDEX CONCURRENTLY users_name;" > migrations/2024-02-13-090000_index_users/down.sql
	printf 'run_in_transaction = false\n' > migrations/2024-02-13-090000_index_users/metadata.toml
	echo "ALTER TABLE users ADD COLUMN email text;" > "migrations/2024-02-14-100000-0000_add email/up.sql"
	echo "ALTER TABLE users DROP COLUMN email;" > "migrations/2024-02-14-100000-0000_add email/down.sql"
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   20240213090000 index_users"* ]]
	[ "$(pg_sql "$url" "SELECT to_regclass('users_name') IS NOT NULL")" = t ]
	[ "$(pg_sql "$url" "SELECT string_agg(version::text, ',' ORDER BY version) FROM strata_migrations")" = "20240212120203,20240213090000,202402141000000000" ]
	run strata -d "$url" down --all -y
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT to_regclass('users') IS NULL")" = t ]
}

files_are_refused() {
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 2 ]
	[ ! -e app.db ]
}

@test "duplicate versions are refused naming both files" {
	write_migration migrations 000001 a "SELECT 1;"
	write_migration migrations 1 b "SELECT 1;"
	files_are_refused
	[[ "$stderr" == *"000001_a.up.sql"* ]]
	[[ "$stderr" == *"1_b.up.sql"* ]]
}

@test "a down without its up is refused" {
	mkdir migrations
	echo "DROP TABLE x;" > migrations/000001_x.down.sql
	files_are_refused
	[[ "$stderr" == *"000001_x.down.sql"* ]]
}

@test "a name that starts with a version but does not parse is refused" {
	mkdir migrations
	echo "SELECT 1;" > migrations/2024-02-12-120203_add_things.sql
	files_are_refused
	[[ "$stderr" == *"2024-02-12-120203_add_things.sql: starts with a digit but is not VERSION_NAME.sql"* ]]
}

@test "a non-UTF-8 file is refused naming its line" {
	mkdir migrations
	printf 'SELECT 1;\nSELECT 2;\nSELECT \xff\xfe;\n' > migrations/000001_latin1.up.sql
	files_are_refused
	[[ "$stderr" == *"000001_latin1.up.sql"* ]]
	[[ "$stderr" == *"UTF-8"* ]]
	[[ "$stderr" == *"3"* ]]
}

@test "an unreadable file (a dangling link) is refused" {
	mkdir migrations
	ln -s /nonexistent/file.sql migrations/1_a.up.sql
	files_are_refused
	[[ "$stderr" == *"1_a.up.sql"* ]]
}

@test "a directory named like a migration file is refused" {
	mkdir -p migrations/000001_x.up.sql
	files_are_refused
	[[ "$stderr" == *"000001_x.up.sql"* ]]
}
