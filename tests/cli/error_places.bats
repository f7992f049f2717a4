#!/usr/bin/env bats
# Errors point at the right place: the file of a single-file layout's down
# section, the failing statement's line on SQLite, the file line of a
# PL/pgSQL error (through CONTEXT), and server texts of any length, whole.

load helpers

@test "an error in a dbmate down section names the file and the line" {
	mkdir migrations
	printf -- '-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\nDROP TABLE nope;\n' \
		>migrations/20240101120000_a.sql
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	run --separate-stderr strata -d sqlite:app.db down -y
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"       20240101120000_a.sql:6: no such table: nope"* ]]
	[[ "$stderr" != *"(null)"* ]]
}

@test "an unterminated quote in a goose Down section names the file before anything runs" {
	mkdir migrations
	printf -- "-- +goose Up\nCREATE TABLE b (id int);\n\n-- +goose Down\nDROP TABLE b;\nSELECT 'oops;\n" \
		>migrations/00001_b.sql
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"strata: 00001_b.sql:6: unterminated quoted string"* ]]
	[[ "$stderr" != *"(null)"* ]]
	[ ! -e app.db ] || [ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'b'")" = 0 ]
}

@test "sqlite: a run-time error names the failing statement's line, past comments" {
	write_migration migrations 001 dup "CREATE TABLE a (id int UNIQUE);
INSERT INTO a VALUES (1);

-- the same row again
/* on purpose */ INSERT INTO a VALUES (1);"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"001_dup.up.sql:5: UNIQUE constraint failed: a.id"* ]]
	write_migration migrations 001 dup "-- first a comment
SELECT abs(-9223372036854775807 - 1);"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"001_dup.up.sql:2: integer overflow"* ]]
}

@test "postgres: the same run-time error names the same line" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 001 dup "CREATE TABLE a (id int UNIQUE);
INSERT INTO a VALUES (1);

-- the same row again
/* on purpose */ INSERT INTO a VALUES (1);"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"001_dup.up.sql:5: duplicate key value violates unique constraint \"a_id_key\""* ]]
	[[ "$stderr" == *"DETAIL: Key (id)=(1) already exists."* ]]
}

@test "postgres: an error raised in a DO block names its line in the file" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 001 base "CREATE TABLE t (id int);"
	# the body starts after \$\$ on line 3: PL/pgSQL's line 1 is the rest of that line,
	# so its line 6 (the RAISE) is file line 3 + 6 - 1 = 8
	write_migration migrations 002 check "SELECT 1;

DO \$\$
DECLARE
  n int;
BEGIN
  SELECT count(*) INTO n FROM t;
  RAISE EXCEPTION 'table t has % rows', n;
END
\$\$;"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"002_check.up.sql:8: table t has 0 rows"* ]]
	# the body on the DO line itself: line 1 is that line
	write_migration migrations 002 check "SELECT 1;
DO \$body\$ BEGIN
    INSERT INTO nope VALUES (1);
END \$body\$;"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"002_check.up.sql:3: relation \"nope\" does not exist"* ]]
}

@test "postgres: an error inside a function the file creates names the line of its body" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 001 fn "CREATE TABLE t (id int);
CREATE OR REPLACE FUNCTION public.\"Half\"(x integer) RETURNS int LANGUAGE plpgsql AS \$fn\$
BEGIN
  IF x > 1 THEN
    RETURN x / 0;
  END IF;
  RETURN x;
END
\$fn\$;
-- called by a later statement
SELECT \"Half\"(5);"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"001_fn.up.sql:5: division by zero"* ]]
}

@test "postgres: PL/pgSQL lines are mapped in a migration that runs outside a transaction too" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 001 base "CREATE TABLE t (id int);"
	write_migration migrations 002 own "BEGIN;
INSERT INTO t VALUES (1);
COMMIT;
DO \$\$
BEGIN
  RAISE EXCEPTION 'stop here';
END \$\$;"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"002_own.up.sql:6: stop here"* ]]
	[[ "$stderr" == *"statement 4 of 4 failed; statements 1-3 ran and stay, committed: 002 is partial."* ]]
}

@test "postgres: a message, DETAIL and HINT longer than 1024 bytes arrive whole" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 001 long "DO \$\$
BEGIN
  RAISE EXCEPTION '%', repeat('m', 2990) || 'END-OF-MESSAGE'
    USING DETAIL = repeat('d', 2000) || 'END-OF-DETAIL', HINT = repeat('h', 1500) || 'END-OF-HINT';
END
\$\$;"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"001_long.up.sql:3: $(printf 'm%.0s' $(seq 2990))END-OF-MESSAGE"* ]]
	[[ "$stderr" == *"DETAIL: $(printf 'd%.0s' $(seq 2000))END-OF-DETAIL"* ]]
	[[ "$stderr" == *"HINT: $(printf 'h%.0s' $(seq 1500))END-OF-HINT"* ]]
	run --separate-stderr strata -d "$url" up --json
	[ "$status" -eq 1 ]
	[ "$(jq -r '.error.message | length' <<<"$output")" -eq 3004 ]
	[ "$(jq -r '.error.detail | length' <<<"$output")" -eq 2013 ]
	[ "$(jq -r '.error.hint | length' <<<"$output")" -eq 1511 ]
	# the history log keeps the whole message too
	[ "$(pg_sql "$url" "SELECT length(result) > 3000 FROM strata_migrations_log WHERE action = 'up' ORDER BY id DESC LIMIT 1")" = t ]
}

@test "sqlite: a message longer than 1024 bytes arrives whole" {
	long=$(printf 'x%.0s' $(seq 3000))
	write_migration migrations 001 long "CREATE TABLE t (id int);
CREATE TRIGGER t_no BEFORE INSERT ON t BEGIN SELECT RAISE(ABORT, '${long}END'); END;
INSERT INTO t VALUES (1);"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"001_long.up.sql:3: ${long}END"* ]]
}

@test "a fleet's FAIL line and --json keep a long message whole" {
	long=$(printf 'y%.0s' $(seq 3000))
	mkdir data
	write_migration migrations 001 t "CREATE TABLE t (id int);"
	write_migration migrations 002 long "CREATE TRIGGER t_no BEFORE INSERT ON t BEGIN SELECT RAISE(ABORT, '${long}END'); END;
INSERT INTO t VALUES (1);"
	sqlite3 data/a.db "CREATE TABLE x (id int);"
	run --separate-stderr strata -d 'sqlite:data/*.db' up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"FAIL sqlite:data/a.db: 002_long.up.sql:2: ${long}END"* ]]
	run --separate-stderr strata -d 'sqlite:data/*.db' up --json
	[ "$status" -eq 1 ]
	[ "$(jq -r '.targets[0].error.message | length' <<<"$output")" -eq 3003 ]
}
