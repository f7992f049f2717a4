#!/usr/bin/env bats
# create: new migration files in the layout and numbering already in use.

load helpers

@test "create writes a timestamped pair, creating the directory" {
	run strata create add_users
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" =~ ^migrations/[0-9]{14}_add_users\.up\.sql$ ]]
	[[ "${lines[1]}" =~ ^migrations/[0-9]{14}_add_users\.down\.sql$ ]]
	[ -f "${lines[0]}" ] && [ -f "${lines[1]}" ]
	now=$(date -u +%Y%m%d)
	[[ "${lines[0]}" == "migrations/${now}"* ]]
}

@test "create --seq continues the numbering at the width in use" {
	write_migration migrations 0007 a "SELECT 1;" "SELECT 1;"
	write_migration migrations 0009 b "SELECT 1;" "SELECT 1;"
	run strata create --seq add_index
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "migrations/0010_add_index.up.sql" ]
	[ "${lines[1]}" = "migrations/0010_add_index.down.sql" ]
}

@test "create --seq in an empty directory starts at 000001" {
	run strata -p db/migrations create --seq first
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "db/migrations/000001_first.up.sql" ]
}

@test "golang-migrate's spelling: create -ext sql -dir DIR -seq NAME" {
	run strata create -ext sql -dir db/migrations -seq create_users_table
	[ "$status" -eq 0 ]
	[ -f db/migrations/000001_create_users_table.up.sql ]
	[ -f db/migrations/000001_create_users_table.down.sql ]
	run strata create -ext sql -dir db/migrations -seq second
	[ -f db/migrations/000002_second.up.sql ]
	run strata create -ext go -dir db/migrations -seq nope
	[ "$status" -eq 2 ]
}

@test "create follows a dbmate directory's single-file layout" {
	mkdir -p migrations
	printf -- '-- migrate:up\nCREATE TABLE a (x int);\n\n-- migrate:down\nDROP TABLE a;\n' > migrations/20240101120000_a.sql
	run strata create add_b
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" =~ ^migrations/[0-9]{14}_add_b\.sql$ ]]
	grep -q -- '-- migrate:up' "${lines[0]}"
	grep -q -- '-- migrate:down' "${lines[0]}"
	run strata -p migrations validate
	[ "$status" -eq 0 ]
}

@test "create never overwrites and needs a name" {
	run strata create
	[ "$status" -eq 2 ]
	run strata create a/b
	[ "$status" -eq 2 ]
	write_migration migrations 000001 a "SELECT 1;" "SELECT 1;"
	run strata create --seq a
	[ "$status" -eq 0 ]
	[ -f migrations/000002_a.up.sql ]
}

@test "create in a Diesel directory writes a dated directory that sorts last" {
	mkdir -p migrations/2026-07-30-140000-0000_newest migrations/2024-02-12-120203_older
	echo "SELECT 1;" > migrations/2026-07-30-140000-0000_newest/up.sql
	echo "SELECT 1;" > migrations/2024-02-12-120203_older/up.sql
	run strata create add_thing
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^migrations/[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{6}_add_thing/up\.sql$ ]]
	[[ "${lines[1]}" =~ /down\.sql$ ]]
	touch app.db
	run strata -d sqlite:app.db status
	[[ "${lines[3]}" == *"add_thing"*"pending"* ]]
}

@test "create follows a goose directory with goose annotations" {
	mkdir migrations
	printf -- '-- +goose Up\nCREATE TABLE t (x INTEGER);\n-- +goose Down\nDROP TABLE t;\n' > migrations/00001_t.sql
	run strata create --seq second
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "migrations/00002_second.sql" ]
	grep -q -- '-- +goose Up' migrations/00002_second.sql
	grep -q -- '-- +goose Down' migrations/00002_second.sql
}
