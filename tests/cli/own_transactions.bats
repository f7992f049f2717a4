#!/usr/bin/env bats
# Migrations that manage their own transactions (BEGIN ... COMMIT in the file,
# SQLite's PRAGMA foreign_keys): run as written, outside strata's transaction,
# statement by statement with the progress journal, recorded only after the
# last statement; a failure says what its own COMMITs made durable.

load helpers

two_blocks() {
	write_migration migrations 001 base "CREATE TABLE base (id int);"
	write_migration migrations 002 two_blocks "BEGIN;
CREATE TABLE a (id int);
COMMIT;
BEGIN;
CREATE TABLE b (id int);
INSERT INTO b SELECT id FROM nope;
COMMIT;" "BEGIN;
DROP TABLE b;
DROP TABLE a;
COMMIT;"
}

@test "sqlite: a BEGIN/COMMIT file applies as written and says so once" {
	write_migration migrations 001 base "CREATE TABLE base (id int);"
	write_migration migrations 002 own "BEGIN IMMEDIATE;
CREATE TABLE a (id int);
INSERT INTO a VALUES (1);
COMMIT TRANSACTION;"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(grep -c 'manages its own transactions' <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"strata: 002 own manages its own transactions (002_own.up.sql:1): running it as written, statement by statement, outside a transaction of strata's"* ]]
	[[ "$output" =~ ok\ +002\ own ]]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM a")" = 1 ]
	[ "$(sqlite_sql app.db "SELECT state FROM strata_migrations WHERE version = 2")" = applied ]
}

@test "postgres: a BEGIN/COMMIT file applies without 'already a transaction in progress'" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 001 own "-- golang-migrate never wraps: the file brings its own transaction
BEGIN;
CREATE TABLE a (id int);
INSERT INTO a VALUES (1);
COMMIT;" "BEGIN;
DROP TABLE a;
COMMIT;"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"already a transaction in progress"* ]]
	[[ "$stderr" != *"no transaction in progress"* ]]
	[[ "$stderr" == *"001 own manages its own transactions (001_own.up.sql:2)"* ]]
	[ "$(pg_sql "$url" "SELECT count(*) FROM a")" = 1 ]
	[ "$(pg_sql "$url" "SELECT state FROM strata_migrations")" = applied ]
	# its down carries BEGIN/COMMIT too
	run --separate-stderr strata -d "$url" down -y
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"transaction in progress"* ]]
	[[ "$stderr" == *"001 own manages its own transactions (001_own.down.sql:1)"* ]]
	[ "$(pg_sql "$url" "SELECT to_regclass('a') IS NULL")" = t ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations")" = 0 ]
}

@test "postgres: a failure in the second transaction keeps the first, says so, and up resumes after the fix" {
	require_pg
	url=$(make_pg_db)
	two_blocks
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"002_two_blocks.up.sql:6: relation \"nope\" does not exist"* ]]
	[[ "$stderr" == *"statement 6 of 7 failed and the file's transaction (statements 4-6) was rolled back;"* ]]
	[[ "$stderr" == *"statements 1-3 ran and stay, committed: 002 is partial."* ]]
	[[ "$stderr" == *"Fix the file and run \`strata up\` to resume at statement 4."* ]]
	[[ "$stderr" != *"rolled back; the database is at"* ]]
	[[ "$stderr" != *"transaction in progress"* ]]
	[ "$(pg_sql "$url" "SELECT to_regclass('a') IS NOT NULL, to_regclass('b') IS NULL")" = "t|t" ]
	[ "$(pg_sql "$url" "SELECT state || ':' || statements_done FROM strata_migrations WHERE version = 2")" = "partial:3" ]
	run strata -d "$url" status
	[[ "$output" =~ 002\ +two_blocks\ +partial ]]
	# the fix: statements 1-3 do not run again (CREATE TABLE a would fail)
	sed -i 's/FROM nope/FROM base/' migrations/002_two_blocks.up.sql
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT state FROM strata_migrations WHERE version = 2")" = applied ]
	[ "$(pg_sql "$url" "SELECT to_regclass('b') IS NOT NULL")" = t ]
	run --separate-stderr strata -d "$url" down -y
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT to_regclass('a') IS NULL AND to_regclass('b') IS NULL")" = t ]
}

@test "sqlite: a failure in the second transaction keeps the first, says so, and up resumes after the fix" {
	two_blocks
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"002_two_blocks.up.sql:6: no such table: nope"* ]]
	[[ "$stderr" == *"statement 6 of 7 failed and the file's transaction (statements 4-6) was rolled back;"* ]]
	[[ "$stderr" == *"statements 1-3 ran and stay, committed: 002 is partial."* ]]
	[[ "$stderr" != *"rolled back; the database is at"* ]]
	[ "$(sqlite_sql app.db "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE name IN ('a', 'b') ORDER BY name)")" = a ]
	[ "$(sqlite_sql app.db "SELECT state || ':' || statements_done FROM strata_migrations WHERE version = 2")" = "partial:3" ]
	sed -i 's/FROM nope/FROM base/' migrations/002_two_blocks.up.sql
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT state FROM strata_migrations WHERE version = 2")" = applied ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name IN ('a', 'b')")" = 2 ]
}

@test "a failure inside the first transaction leaves nothing and says so" {
	write_migration migrations 001 own "BEGIN;
CREATE TABLE a (id int);
INSERT INTO a SELECT id FROM nope;
COMMIT;"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"001_own.up.sql:3: no such table: nope"* ]]
	[[ "$stderr" == *"statement 3 of 4 failed and the file's transaction was rolled back: nothing of it stays, the database is at no version."* ]]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'a'")" = 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations")" = 0 ]
}

rebuild_migrations() {
	write_migration migrations 001 tables "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, nick TEXT);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE);
INSERT INTO users VALUES (1, 'a@x', 'a'), (2, 'b@x', 'b');
INSERT INTO posts VALUES (10, 1), (11, 1), (12, 2);"
	# an application that enforces foreign keys on its connections
	write_migration migrations 002 enforce_foreign_keys "PRAGMA foreign_keys = ON;"
	write_migration migrations 003 drop_nick "PRAGMA foreign_keys=OFF;
BEGIN;
CREATE TABLE new_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
INSERT INTO new_users SELECT id, email FROM users;
DROP TABLE users;
ALTER TABLE new_users RENAME TO users;
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys=ON;"
}

@test "sqlite: the table rebuild idiom keeps the child rows (ON DELETE CASCADE does not fire)" {
	rebuild_migrations
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"003 drop_nick manages its own transactions (003_drop_nick.up.sql:1)"* ]]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM posts")" = 3 ]
	[ "$(sqlite_sql app.db "SELECT group_concat(name) FROM pragma_table_info('users')")" = "id,email" ]
	[ -z "$(sqlite_sql app.db "PRAGMA foreign_key_check")" ]
	[ "$(sqlite_sql app.db "SELECT group_concat(state) FROM strata_migrations")" = "applied,applied,applied" ]
}

@test "sqlite: a rebuild that fails inside its transaction rolls back whole and resumes after the fix" {
	rebuild_migrations
	sed -i 's/SELECT id, email FROM users/SELECT id, mail FROM users/' migrations/003_drop_nick.up.sql
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"003_drop_nick.up.sql:4: no such column: mail"* ]]
	[[ "$stderr" == *"statement 4 of 9 failed and the file's transaction (statements 2-4) was rolled back;"* ]]
	[[ "$stderr" == *"statements 1-1 ran and stay, committed: 003 is partial."* ]]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM posts")" = 3 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'new_users'")" = 0 ]
	sed -i 's/SELECT id, mail FROM users/SELECT id, email FROM users/' migrations/003_drop_nick.up.sql
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM posts")" = 3 ]
	[ "$(sqlite_sql app.db "SELECT group_concat(name) FROM pragma_table_info('users')")" = "id,email" ]
	[ "$(sqlite_sql app.db "SELECT state FROM strata_migrations WHERE version = 3")" = applied ]
}

@test "--single-transaction refuses such a file up front, naming it" {
	two_blocks
	run --separate-stderr strata -d sqlite:app.db up --single-transaction
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"strata: 002_two_blocks.up.sql:1: 002 two_blocks manages its own transactions (BEGIN/COMMIT), so it cannot be part of --single-transaction; nothing was run"* ]]
	[[ "$stderr" == *"HINT: run \`strata up\` without --single-transaction"* ]]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name IN ('base', 'a', 'b')")" = 0 ]
}

@test "postgres: --single-transaction refuses such a file up front" {
	require_pg
	url=$(make_pg_db)
	two_blocks
	run --separate-stderr strata -d "$url" up --single-transaction
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"002_two_blocks.up.sql:1: 002 two_blocks manages its own transactions"* ]]
	[ "$(pg_sql "$url" "SELECT to_regclass('base') IS NULL")" = t ]
}

@test "--dry-run says the file would run as written; --sql prints it unwrapped and sqlite3 runs it" {
	write_migration migrations 001 own "PRAGMA foreign_keys=OFF;
BEGIN;
CREATE TABLE a (id int);
COMMIT;
PRAGMA foreign_keys=ON;"
	run --separate-stderr strata -d sqlite:app.db up --dry-run
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"001 own manages its own transactions (001_own.up.sql:1): it would run as written"* ]]
	[[ "$output" == *"would apply 001 own"* ]]
	[[ "$output" == *"BEGIN;"* ]]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'a'")" = 0 ]
	run --separate-stderr strata -d sqlite:app.db up --sql
	[ "$status" -eq 0 ]
	[[ "$output" == *"-- runs outside a transaction"*"PRAGMA foreign_keys=OFF;"*"BEGIN;"*"COMMIT;"*"PRAGMA foreign_keys=ON;"* ]]
	printf '%s\n' "$output" >script.sql
	sqlite3 -bail app.db <script.sql
	run strata -d sqlite:app.db status
	[[ "$output" =~ 001\ +own\ +applied ]]
}

@test "a file whose transaction is never committed is refused before anything runs" {
	write_migration migrations 001 base "CREATE TABLE base (id int);"
	write_migration migrations 002 open "CREATE TABLE x (id int);
BEGIN;
CREATE TABLE a (id int);"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"strata: 002_open.up.sql:2: the transaction started here is never committed: the script ends inside it"* ]]
	[[ "$stderr" == *"HINT: end it with COMMIT"* ]]
	# nothing touched: the database file is not even created
	[ ! -e app.db ]
	run --separate-stderr strata validate
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"002_open.up.sql:2: the transaction started here is never committed"* ]]
}

@test "postgres: BEGIN in a DO block or function body is not the file's transaction control" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 001 plpgsql "CREATE TABLE t (id int);
DO \$\$
BEGIN
  INSERT INTO t VALUES (1);
END
\$\$;
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS \$fn\$
BEGIN
  RETURN 1;
END;
\$fn\$;"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"manages its own transactions"* ]]
	[ "$(pg_sql "$url" "SELECT count(*) FROM t")" = 1 ]
}

@test "statements its own COMMIT made durable may not be edited before the resume" {
	two_blocks
	run strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	sed -i 's/CREATE TABLE a (id int)/CREATE TABLE a (id int, v int)/; s/FROM nope/FROM base/' migrations/002_two_blocks.up.sql
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"002_two_blocks.up.sql: statements 1-3 already ran, and have been edited since"* ]]
	[[ "$stderr" == *"only statement 4 onwards may change"* ]]
	[ "$(sqlite_sql app.db "SELECT state || ':' || statements_done FROM strata_migrations WHERE version = 2")" = "partial:3" ]
}

# down_part_way DB: a down that drops b, then fails inside its own transaction.
down_part_way() {
	local db=$1 missing=$2
	write_migration migrations 1 a "CREATE TABLE a (x int);" "DROP TABLE a;"
	write_migration migrations 2 b "CREATE TABLE b (x int);" "DROP TABLE b;
BEGIN;
DROP TABLE nope;
COMMIT;"
	strata -d "$db" up
	run --separate-stderr strata -d "$db" down -y
	[ "$status" -eq 1 ]
	[ "${stderr##*ERR  2 b$'\n'}" = "       2_b.down.sql:3: $missing
       statement 3 of 4 of the down script failed and the file's transaction was rolled back; statement 1 of it ran and stays, recorded: 2 stays applied, rolled back part way.
       Fix the down script and run \`strata down\` to resume at statement 2; if you undo the rest by hand instead, record that with \`strata force\` and the version before 2." ]
	run --separate-stderr strata -d "$db" status
	[ "$status" -eq 0 ]
	[[ "$output" =~ 2\ +b\ +applied\ +.*\ \ down\ stopped\ after\ statement\ 1\ \(\`strata\ down\`\ resumes\ at\ 2\) ]]
	run --separate-stderr strata -d "$db" status --json
	[ "$(jq -c '.migrations[1] | [.state, .down_statements_done]' <<<"$output")" = '["applied",1]' ]
	# editing a statement that ran is refused
	sed -i '1s/DROP TABLE b;/DROP TABLE IF EXISTS b;/' migrations/2_b.down.sql
	run --separate-stderr strata -d "$db" down -y
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"2_b.down.sql: statements 1-1 of the down script already ran, and have been edited since"* ]]
	sed -i '1s/DROP TABLE IF EXISTS b;/DROP TABLE b;/' migrations/2_b.down.sql
	# the fix: the next down goes on at statement 2, not again at DROP TABLE b
	sed -i 's/DROP TABLE nope;/DROP TABLE IF EXISTS nope;/' migrations/2_b.down.sql
	run --separate-stderr strata -d "$db" down -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"down 2 b"* ]]
	run --separate-stderr strata -d "$db" version
	[ "$output" = 1 ]
}

@test "sqlite: a BEGIN/COMMIT down failing part way records how far it got, and the next down resumes there" {
	down_part_way sqlite:app.db "no such table: nope"
	[ "$(sqlite_sql app.db "SELECT group_concat(action || ':' || substr(result, 1, 6), ',') FROM strata_migrations_log WHERE version = 2")" = "up:ok,down:failed,down:ok" ]
	[ "$(sqlite_sql app.db "SELECT group_concat(version) FROM strata_migrations")" = 1 ]
}

@test "postgres: a BEGIN/COMMIT down failing part way records how far it got, and the next down resumes there" {
	require_pg
	url=$(make_pg_db)
	down_part_way "$url" 'table "nope" does not exist'
	[ "$(pg_sql "$url" "SELECT string_agg(action || ':' || substr(result, 1, 6), ',' ORDER BY id) FROM strata_migrations_log WHERE version = 2")" = "up:ok,down:failed,down:ok" ]
	[ "$(pg_sql "$url" "SELECT string_agg(version::text, ',') FROM strata_migrations")" = 1 ]
}

@test "postgres: a no-transaction down failing part way resumes after the statements that ran" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 1 idx "CREATE TABLE t (x int);
CREATE INDEX t_x ON t (x);" "-- strata:no-transaction
DROP INDEX CONCURRENTLY t_x;
DROP TABLE nope;
DROP TABLE t;"
	strata -d "$url" up
	run --separate-stderr strata -d "$url" down -y
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"statement 2 of 3 of the down script failed; statement 1 of it ran and stays, recorded: 1 stays applied, rolled back part way."* ]]
	[ "$(pg_sql "$url" "SELECT to_regclass('t_x') IS NULL, statements_done FROM strata_migrations")" = "t|1" ]
	sed -i 's/DROP TABLE nope;/DROP TABLE IF EXISTS nope;/' migrations/1_idx.down.sql
	run --separate-stderr strata -d "$url" down -y
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations")" = 0 ]
	[ "$(pg_sql "$url" "SELECT to_regclass('t') IS NULL")" = t ]
}

@test "sqlite: force at the version of a down stopped part way records it whole again, and down starts over" {
	write_migration migrations 1 a "CREATE TABLE a (x int);" "DROP TABLE a;"
	write_migration migrations 2 b "CREATE TABLE b (x int);" "DROP TABLE b;
BEGIN;
DROP TABLE nope;
COMMIT;"
	strata -d sqlite:app.db up
	run strata -d sqlite:app.db down -y
	[ "$status" -eq 1 ]
	# redone by hand, and said so
	sqlite_sql app.db "CREATE TABLE b (x int)"
	run --separate-stderr strata -d sqlite:app.db force 2 -y
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT version || ':' || state || ':' || statements_done FROM strata_migrations WHERE version = 2")" = "2:applied:0" ]
	run --separate-stderr strata -d sqlite:app.db status
	[[ "$output" != *"down stopped"* ]]
	# the next down runs from its first statement again
	sed -i 's/DROP TABLE nope;/DROP TABLE IF EXISTS nope;/' migrations/2_b.down.sql
	run --separate-stderr strata -d sqlite:app.db down -y
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'b'")" = 0 ]
}
