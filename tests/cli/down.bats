#!/usr/bin/env bats
# down, goto, redo, force: moving backwards, with the down script of the file
# or, when the file is gone or changed, the one recorded at apply time.

load helpers

setup() {
	strata_setup
	write_migration migrations 000001 create_projects \
		"CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL);" "DROP TABLE projects;"
	write_migration migrations 000002 create_tasks \
		"CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT);" "DROP TABLE tasks;"
	write_migration migrations 000003 create_runs \
		"CREATE TABLE runs (id INTEGER PRIMARY KEY);" "DROP TABLE runs;"
}

versions() {
	sqlite_sql app.db 'SELECT group_concat(version) FROM (SELECT version FROM strata_migrations ORDER BY version)'
}

@test "down rolls back exactly one migration by default" {
	strata -d sqlite:app.db up
	run strata -d sqlite:app.db down -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"down 000003 create_runs"* ]]
	[ "$(versions)" = "1,2" ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name='runs'")" ]
}

@test "down N and down --all" {
	strata -d sqlite:app.db up
	run strata -d sqlite:app.db down 2 -y
	[ "$status" -eq 0 ]
	[ "$(versions)" = "1" ]
	strata -d sqlite:app.db up
	run strata -d sqlite:app.db down --all -y
	[ "$status" -eq 0 ]
	[ -z "$(versions)" ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name IN ('projects','tasks','runs')")" ]
	run strata -d sqlite:app.db -all down -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
}

@test "down without a terminal refuses without --yes, exit 2, nothing touched" {
	strata -d sqlite:app.db up
	run --separate-stderr strata -d sqlite:app.db down </dev/null
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"this will roll back:"* ]]
	[[ "$stderr" == *"down 000003 create_runs"* ]]
	[[ "$stderr" == *"pass --yes"* ]]
	[ "$(versions)" = "1,2,3" ]
}

@test "goto moves up or down to a version" {
	# only up creates a database: goto on a path that does not exist says so
	run strata -d sqlite:app.db goto 2
	[ "$status" -eq 1 ]
	[[ "$output" == *"SQLite database app.db does not exist"* ]]
	[ ! -e app.db ]
	touch app.db
	run strata -d sqlite:app.db goto 2
	[ "$status" -eq 0 ]
	[ "$(versions)" = "1,2" ]
	run strata -d sqlite:app.db goto 3
	[ "$status" -eq 0 ]
	[ "$(versions)" = "1,2,3" ]
	run strata -d sqlite:app.db goto 1 -y
	[ "$status" -eq 0 ]
	[ "$(versions)" = "1" ]
	run strata -d sqlite:app.db goto 0 -y
	[ "$status" -eq 0 ]
	[ -z "$(versions)" ]
	run strata -d sqlite:app.db goto 42
	[ "$status" -eq 2 ]
	[[ "$output" == *"no migration has version 42"* ]]
}

@test "redo rolls back and re-applies the last migration" {
	strata -d sqlite:app.db up
	sqlite_sql app.db "INSERT INTO runs VALUES (7)"
	run strata -d sqlite:app.db redo -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"down 000003"* ]]
	[[ "$output" == *"ok   000003"* ]]
	[ "$(versions)" = "1,2,3" ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM runs')" = 0 ]
}

@test "down after the files are gone runs the recorded down script" {
	strata -d sqlite:app.db up
	rm migrations/000003_*
	run --separate-stderr strata -d sqlite:app.db down -y
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"running the down script recorded when it was applied (its file is gone)"* ]]
	[ "$(versions)" = "1,2" ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name='runs'")" ]
}

@test "down after the files are gone on PostgreSQL" {
	require_pg
	url=$(make_pg_db)
	strata -d "$url" up
	# every file gone (an empty directory is refused: one newer migration stays pending)
	rm -r migrations
	write_migration migrations 000009 later "CREATE TABLE later (x int);"
	run strata -d "$url" down --all -y
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" = 0 ]
	[ "$(pg_sql "$url" "SELECT to_regclass('projects') IS NULL")" = t ]
}

@test "a down that holds only comments rolls back as a no-op: the plan, the prompt and the output say so" {
	write_migration migrations 000004 add_enum_value "CREATE TABLE t4 (x INTEGER);" "-- noop since we can't remove a value from an enum
/* really nothing */"
	strata -d sqlite:app.db up
	run --separate-stderr strata -d sqlite:app.db down 2 --dry-run
	[ "$status" -eq 0 ]
	[[ "$output" == *"would roll back 000004 add_enum_value (no statements: only the record is removed)"* ]]
	[[ "$output" == *"would roll back 000003 create_runs"$'\n'* ]]
	run --separate-stderr strata -d sqlite:app.db down 2 </dev/null
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"  down 000004 add_enum_value (no statements: only the record is removed)"$'\n'"  down 000003 create_runs"$'\n'* ]]
	[ "$(versions)" = "1,2,3,4" ]
	run --separate-stderr strata -d sqlite:app.db down -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"down 000004 add_enum_value"*"ms  (no statements: only the record is removed)"* ]]
	[ "$(versions)" = "1,2,3" ]
	# nothing ran: the table stays, as golang-migrate, dbmate, goose and Diesel leave it
	[ -n "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name='t4'")" ]
	[ "$(sqlite_sql app.db "SELECT action || ' ' || result FROM strata_migrations_log WHERE version = 4 ORDER BY id DESC LIMIT 1")" = "down ok" ]
	# and up applies it again
	run strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$output" == *"table t4 already exists"* ]]
}

@test "an empty down file, an empty dbmate down section and an empty goose Down section are no-ops too" {
	: >migrations/000004_empty.down.sql
	echo "CREATE TABLE t4 (x INTEGER);" >migrations/000004_empty.up.sql
	printf -- '-- migrate:up\nCREATE TABLE t5 (x INTEGER);\n-- migrate:down\n\n' >migrations/000005_dbmate.sql
	printf -- '-- +goose Up\nCREATE TABLE t6 (x INTEGER);\n-- +goose Down\n-- +goose StatementBegin\n-- +goose StatementEnd\n' >migrations/000006_goose.sql
	strata -d sqlite:app.db up
	run --separate-stderr strata -d sqlite:app.db down 4 -y
	[ "$status" -eq 0 ]
	[ "$(grep -c 'no statements: only the record is removed' <<<"$output")" -eq 3 ]
	[[ "$output" == *"down 000006 goose"*"(no statements: only the record is removed)"* ]]
	[ "$(versions)" = "1,2" ]
}

@test "-- strata:irreversible and missing downs: every one in the range named in one refusal, exit 2, nothing touched" {
	write_migration migrations 000004 drop_column "ALTER TABLE runs ADD COLUMN x INTEGER;" "-- strata:irreversible the data of x is gone
ALTER TABLE runs DROP COLUMN x;"
	echo "CREATE TABLE t5 (x INTEGER);" >migrations/000005_no_down.up.sql
	write_migration migrations 000006 fine "CREATE TABLE t6 (x INTEGER);" "DROP TABLE t6;"
	echo "CREATE TABLE t7 (x INTEGER);" >migrations/000007_plain.sql
	strata -d sqlite:app.db up
	cp app.db before.db
	for cmd in "down --all" "goto 1" "down 4"; do
		run --separate-stderr strata -d sqlite:app.db $cmd -y
		[ "$status" -eq 2 ]
		[ "$output" = "" ]
		[[ "$stderr" == "strata: refused"$'\n'"  000007 plain cannot be rolled back: its down script is missing (there is no 000007_plain.down.sql)"$'\n'"  000005 no_down cannot be rolled back: its down script is missing (there is no 000005_no_down.down.sql)"$'\n'"  000004 drop_column cannot be rolled back: 000004_drop_column.down.sql:1 says -- strata:irreversible (the data of x is gone)"$'\n'"  HINT: nothing was changed. "* ]]
		cmp app.db before.db
	done
	# one of them
	run --separate-stderr strata -d sqlite:app.db redo -y
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: 000007 plain cannot be rolled back: its down script is missing (there is no 000007_plain.down.sql)
  HINT: nothing was changed. Write the missing down script, or roll back less (\`strata down N\`, \`strata goto V\`); if the database was undone by hand, record that with \`strata force VERSION\`" ]
	# a range without them runs
	strata -d sqlite:app.db force 6 -y
	run --separate-stderr strata -d sqlite:app.db down -y
	[ "$status" -eq 0 ]
	[ "$(versions)" = "1,2,3,4,5" ]
	run --separate-stderr strata -d sqlite:app.db down -y
	[ "$status" -eq 2 ]
	[[ "$stderr" == "strata: 000005 no_down cannot be rolled back"* ]]
	[ "$(versions)" = "1,2,3,4,5" ]
}

@test "validate notes empty, irreversible and missing downs, and still passes" {
	write_migration migrations 000004 noop "SELECT 1;" "-- No-op"
	write_migration migrations 000005 drop "SELECT 1;" "-- strata:irreversible"
	echo "SELECT 1;" >migrations/000006_plain.sql
	touch app.db # only up creates a database; validate reads an existing one
	run --separate-stderr strata -d sqlite:app.db validate
	[ "$status" -eq 0 ]
	[ "$stderr" = "strata: note: 000004 noop: 000004_noop.down.sql holds no statements; rolling it back only removes the record
strata: note: 000005 drop is irreversible: 000005_drop.down.sql:1 says -- strata:irreversible; down, goto and redo refuse it
strata: note: 000006 plain has no down script (there is no 000006_plain.down.sql); down, goto and redo refuse it" ]
	[[ "$output" == "strata: 6 migrations valid;"* ]]
	run --separate-stderr strata -p migrations validate
	[ "$status" -eq 0 ]
	[ "$(grep -c '^strata: note:' <<<"$stderr")" -eq 3 ]
	run --separate-stderr strata -d sqlite:app.db -q validate
	[ -z "$stderr" ]
}

@test "stored down scripts: an empty one rolls back as a no-op, an irreversible one and none at all are refused" {
	write_migration migrations 000004 noop "CREATE TABLE t4 (x INTEGER);" "-- No-op"
	write_migration migrations 000005 irrev "CREATE TABLE t5 (x INTEGER);" "-- strata:irreversible"
	echo "CREATE TABLE t6 (x INTEGER);" >migrations/000006_plain.sql
	strata -d sqlite:app.db up
	rm migrations/00000[456]*
	run --separate-stderr strata -d sqlite:app.db down 3 -y
	[ "$status" -eq 2 ]
	[[ "$stderr" == *" plain cannot be rolled back: its down script is missing (its file is gone, and no down script was recorded when it was applied)"* ]]
	[[ "$stderr" == *" irrev cannot be rolled back: the down script recorded when it was applied says -- strata:irreversible"* ]]
	[ "$(versions)" = "1,2,3,4,5,6" ]
	# as if 5 and 6 had been undone by hand
	sqlite_sql app.db "DELETE FROM strata_migrations WHERE version > 4"
	run --separate-stderr strata -d sqlite:app.db down -y
	[ "$status" -eq 0 ]
	[[ "$stderr" == *" noop: running the down script recorded when it was applied (its file is gone)"* ]]
	[[ "$output" == *" noop"*"(no statements: only the record is removed)"* ]]
	[ "$(versions)" = "1,2,3" ]
}

@test "PostgreSQL: comment-only downs are no-ops, irreversible ones refused all at once" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 000004 noop "CREATE TABLE t4 (x int);" "-- No-op"
	write_migration migrations 000005 irrev "CREATE TABLE t5 (x int);" "-- strata:irreversible"
	write_migration migrations 000006 irrev2 "CREATE TABLE t6 (x int);" "-- strata:irreversible
DROP TABLE t6;"
	strata -d "$url" up
	run --separate-stderr strata -d "$url" down --all -y
	[ "$status" -eq 2 ]
	[[ "$stderr" == "strata: refused"$'\n'"  000006 irrev2 cannot be rolled back: 000006_irrev2.down.sql:1 says -- strata:irreversible"$'\n'"  000005 irrev cannot be rolled back: 000005_irrev.down.sql:1 says -- strata:irreversible"$'\n'* ]]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" = 6 ]
	strata -d "$url" force 4 -y
	run --separate-stderr strata -d "$url" down -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"down 000004 noop"*"(no statements: only the record is removed)"* ]]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" = 3 ]
	[ "$(pg_sql "$url" "SELECT to_regclass('t4') IS NOT NULL")" = t ]
	# --single-transaction too
	strata -d "$url" force 4 -y
	run --separate-stderr strata -d "$url" --single-transaction down 2 -y
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" = 2 ]
}

@test "a failing down rolls back and names the down file and line" {
	write_migration migrations 000004 bad_down "CREATE TABLE t4 (x INTEGER);" "DROP TABLE t4;
DROP TABLE no_such_table;"
	strata -d sqlite:app.db up
	run --separate-stderr strata -d sqlite:app.db down -y
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000004_bad_down.down.sql:2: no such table: no_such_table"* ]]
	[ "$(versions)" = "1,2,3,4" ]
	[ -n "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name='t4'")" ]
}

@test "force records a version without running anything" {
	run --separate-stderr strata -d sqlite:app.db force 2 -y
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"SQLite database app.db does not exist"* ]]
	[ ! -e app.db ]
	touch app.db
	run --separate-stderr strata -d sqlite:app.db force 2 </dev/null
	[ "$status" -eq 2 ]
	run strata -d sqlite:app.db force 2 -y
	[ "$status" -eq 0 ]
	[ "$(versions)" = "1,2" ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name='projects'")" ]
	run strata -d sqlite:app.db force -1 -y
	[ "$status" -eq 0 ]
	[ -z "$(versions)" ]
}

@test "a redo whose up fails says to run up, not redo (which would roll back the one before)" {
	write_migration m2 000001 a "CREATE TABLE a (x int);" "DROP TABLE a;"
	write_migration m2 000002 b "CREATE TABLE b (x int);" "-- No-op"
	strata -p m2 -d sqlite:r.db up
	run --separate-stderr strata -p m2 -d sqlite:r.db redo -y
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"rolled back; the database is at 000001. Fix the file and run \`strata up\` again."* ]]
	[ "$(sqlite_sql r.db "SELECT group_concat(version) FROM strata_migrations")" = 1 ]
}
