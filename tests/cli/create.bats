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
	run --separate-stderr strata create ' / '
	[ "$status" -eq 2 ]
	[ "$stderr" = 'strata create: NAME " / " has no letters or digits to name a file with' ]
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

@test "create turns the name into a file-name slug" {
	run strata create --seq "Add Code Owner"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "migrations/000001_add_code_owner.up.sql" ]
	[ "${lines[1]}" = "migrations/000001_add_code_owner.down.sql" ]
	run strata create --seq "  users: add e-mail (NOT NULL)! "
	[ "${lines[0]}" = "migrations/000002_users_add_e-mail_not_null.up.sql" ]
	run strata create --seq "a/b.c"
	[ "${lines[0]}" = "migrations/000003_a_b_c.up.sql" ]
}

@test "create writes templates that say where the SQL goes; up and validate warn while the up script is empty" {
	run strata create --seq add_code_owner
	[ "$status" -eq 0 ]
	[ "$(cat migrations/000001_add_code_owner.up.sql)" = "-- the SQL that applies this migration goes here (one transaction with its record)" ]
	[ "$(cat migrations/000001_add_code_owner.down.sql)" = "-- the SQL that undoes the up script goes here" ]
	run --separate-stderr strata validate
	[ "$status" -eq 0 ]
	# the untouched down template is a no-op down, which validate notes too
	[ "$stderr" = "strata: note: 000001 add_code_owner: 000001_add_code_owner.down.sql holds no statements; rolling it back only removes the record
strata: warning: 000001_add_code_owner.up.sql holds no SQL, only comments: applying 000001 add_code_owner changes nothing but its record" ]
	run --separate-stderr strata -d app.db up
	[ "$status" -eq 0 ]
	[ "$stderr" = "strata: warning: 000001_add_code_owner.up.sql holds no SQL, only comments: applying 000001 add_code_owner changes nothing but its record" ]
	[ "${lines[1]}" = "  applying 000001 add_code_owner" ]
	[[ "${lines[2]}" == "  ok   000001 add_code_owner "*" ms" ]]
	# with SQL in it, no warning
	printf -- '-- the SQL goes here\n/* a note */\nCREATE TABLE code_owners (id integer);\n' >migrations/000002_more.up.sql
	run --separate-stderr strata -d app.db up
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run --separate-stderr strata -q validate
	[ -z "$stderr" ]
}

@test "dbmate and Diesel layouts get their own templates" {
	mkdir migrations
	printf -- '-- migrate:up\nCREATE TABLE a (id integer);\n-- migrate:down\nDROP TABLE a;\n' >migrations/20240101120000_a.sql
	run strata create b
	[ "$status" -eq 0 ]
	grep -qx -- '-- the SQL that applies this migration goes here' "${lines[0]}"
	grep -qx -- '-- migrate:down' "${lines[0]}"
	rm -r migrations
	mkdir -p migrations/2024-02-12-120203_a
	echo "CREATE TABLE a (id integer);" >migrations/2024-02-12-120203_a/up.sql
	echo "DROP TABLE a;" >migrations/2024-02-12-120203_a/down.sql
	run strata create b
	[ "$status" -eq 0 ]
	[ "$(cat "${lines[0]}")" = "-- Your SQL goes here" ]
	[ "$(cat "${lines[1]}")" = '-- This file should undo anything in `up.sql`' ]
}

@test "golang-migrate's create -digits N, -format LAYOUT, -tz ZONE" {
	run strata create -ext sql -dir db -seq -digits 3 first
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "db/001_first.up.sql" ]
	run strata create -dir db -seq -digits 5 second
	[ "${lines[0]}" = "db/00002_second.up.sql" ]

	before=$(date -u +%Y%m%d)
	run strata create -dir f -format 20060102 daily
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^f/([0-9]{8})_daily\.up\.sql$ ]]
	[ "${BASH_REMATCH[1]}" -ge "$before" ] && [ "${BASH_REMATCH[1]}" -le "$(date -u +%Y%m%d)" ]

	t0=$(date +%s)
	run strata create -dir u -format unix epoch
	[[ "${lines[0]}" =~ ^u/([0-9]+)_epoch\.up\.sql$ ]]
	[ "${BASH_REMATCH[1]}" -ge "$t0" ] && [ "${BASH_REMATCH[1]}" -le "$(date +%s)" ]
	run strata create -dir n -format unixNano nano
	[[ "${lines[0]}" =~ ^n/([0-9]{19})_nano\.up\.sql$ ]]

	# -tz: the timestamp in that zone (Kiritimati is UTC+14, never the same hour as UTC)
	run strata create -dir z -format 2006010215 -tz Pacific/Kiritimati zoned
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^z/([0-9]{10})_zoned\.up\.sql$ ]]
	v=${BASH_REMATCH[1]}
	[ "$v" = "$(TZ=Pacific/Kiritimati date +%Y%m%d%H)" ] || [ "$v" = "$(TZ=Pacific/Kiritimati date -d '-1 min' +%Y%m%d%H)" ]
	[ "$v" != "$(date -u +%Y%m%d%H)" ]
}

@test "create refuses -format, -tz and -digits it cannot honour, exit 2" {
	run --separate-stderr strata create -format 2006-01-02 x
	[ "$status" -eq 2 ]
	[[ "$stderr" == 'strata create: -format 2006-01-02 gives the version "'*'": a version must be digits alone (e.g. -format 20060102150405, unix, unixNano)' ]]
	run --separate-stderr strata create -tz Mars/Olympus x
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata create: -tz Mars/Olympus: unknown time zone (an IANA name such as Europe/Berlin, or UTC)" ]
	run --separate-stderr strata create -digits 4 x
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata create: -digits sets the width of -seq versions: add -seq" ]
	run --separate-stderr strata create -digits four -seq x
	[ "$status" -eq 2 ]
	[ "$stderr" = 'strata: --digits: "four" is not a positive number (up to 30)' ]
	[ ! -e migrations ]
}
