#!/usr/bin/env bats
# Offline scripts (Alembic's offline mode): up, down and goto --sql --from V
# plan from the files alone, taking every migration up to V as applied
# (--from 0: none), and never connect: the database URL names the dialect.
# The script, run by psql or sqlite3, leaves the database as strata would,
# and its log rows say "ok (offline script)".

load helpers

three() {
	write_migration migrations 000001 users "CREATE TABLE users (id int PRIMARY KEY, name text);" "DROP TABLE users;"
	write_migration migrations 000002 posts "CREATE TABLE posts (id int PRIMARY KEY, body text DEFAULT 'a;b');
CREATE INDEX posts_body ON posts (body);" "DROP INDEX posts_body;
DROP TABLE posts;"
	write_migration migrations 000003 tags "CREATE TABLE tags (name text);" "DROP TABLE tags;"
}

# A PostgreSQL URL nothing listens on: connecting to it fails at once.
closed_pg_url() {
	local port
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
	printf 'postgres://app:secret@127.0.0.1:%s/app\n' "$port"
}

psql_run() {
	PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$2"
}

pg_dump_s() {
	/usr/lib/postgresql/15/bin/pg_dump -s -d "$1" | grep -v -e '^\\restrict' -e '^\\unrestrict' -e '^--'
}

ROWS="SELECT version, name, checksum, down_script, state FROM strata_migrations ORDER BY version"

@test "--sql --from never connects: a PostgreSQL URL names the dialect only (a closed port works, a listening one sees nothing)" {
	three
	url=$(closed_pg_url)
	run --separate-stderr strata -d "$url" up --sql --from 0
	[ "$status" -eq 0 ]
	[[ "$output" == *"-- offline: the database was not read; it is taken to have nothing applied"* ]]
	[[ "$output" == *"numeric PRIMARY KEY"* ]] # PostgreSQL's tracking table, not SQLite's
	[[ "$output" == *"CREATE TABLE users"* && "$output" == *"CREATE TABLE tags"* ]]
	[[ "$output" != *secret* ]]
	# a port that listens and notes any connection: an offline script makes none
	python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5); s.settimeout(8)
open("port", "w").write(str(s.getsockname()[1]))
try:
    c, _ = s.accept(); open("connected", "w").write("yes")
except socket.timeout:
    pass' &
	listener=$!
	while [ ! -s port ]; do sleep 0.1; done
	run --separate-stderr strata -d "postgres://app@127.0.0.1:$(cat port)/app" down --sql --from 000003
	[ "$status" -eq 0 ]
	[[ "$output" == *"DROP TABLE tags;"* ]]
	run --separate-stderr strata -d "postgres://app@127.0.0.1:$(cat port)/app" goto 000001 --sql --from 000002
	[ "$status" -eq 0 ]
	sleep 0.5
	[ ! -e connected ]
	kill "$listener" 2>/dev/null || true
	wait "$listener" 2>/dev/null || true
	# without --from, --sql reads where the database stands: it connects, and fails here
	run --separate-stderr strata -d "$url" up --sql
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"127.0.0.1"* ]]
}

@test "PostgreSQL: up --sql --from V run by psql reaches what strata up reaches" {
	require_pg
	three
	a=$(make_pg_db t_off_up_a)
	b=$(make_pg_db t_off_up_b)
	strata -d "$a" up 1
	strata -d "$b" up 1
	run --separate-stderr strata -d "$(closed_pg_url)" up --sql --from 000001
	[ "$status" -eq 0 ]
	[[ "$output" == *"it is taken to be at 000001"* ]]
	[[ "$output" != *"CREATE TABLE users"* ]]
	printf '%s\n' "$output" > up.sql
	psql_run "$a" up.sql
	strata -d "$b" up
	[ "$(pg_dump_s "$a")" = "$(pg_dump_s "$b")" ]
	[ "$(pg_sql "$a" "$ROWS")" = "$(pg_sql "$b" "$ROWS")" ]
	run strata -d "$a" status
	[[ "$output" == *"3 applied, 0 pending"* ]]
	[ "$(pg_sql "$a" "SELECT version || ' ' || action || ' ' || result FROM strata_migrations_log ORDER BY id")" = "1 up ok
2 up ok (offline script)
3 up ok (offline script)" ]
}

@test "PostgreSQL: down --sql --from V run by psql reaches what strata down reaches" {
	require_pg
	three
	a=$(make_pg_db t_off_down_a)
	b=$(make_pg_db t_off_down_b)
	strata -d "$a" up
	strata -d "$b" up
	run --separate-stderr strata -d "$(closed_pg_url)" down 2 --sql --from 000003
	[ "$status" -eq 0 ]
	# newest first, each with its tracking DELETE and log row
	[[ "$output" == *"-- 000003 tags (roll back: 000003_tags.down.sql)"*"-- 000002 posts (roll back: 000002_posts.down.sql)"* ]]
	[[ "$output" == *"DELETE FROM \"strata_migrations\" WHERE version = '3';"* ]]
	printf '%s\n' "$output" > down.sql
	psql_run "$a" down.sql
	strata -d "$b" down 2 --yes
	[ "$(pg_dump_s "$a")" = "$(pg_dump_s "$b")" ]
	[ "$(pg_sql "$a" "$ROWS")" = "$(pg_sql "$b" "$ROWS")" ]
	run strata -d "$a" status
	[[ "$output" == *"1 applied, 2 pending"* ]]
	[ "$(pg_sql "$a" "SELECT count(*) FROM strata_migrations_log WHERE action = 'down' AND result = 'ok (offline script)'")" = 2 ]
	# and strata goes on from there
	run strata -d "$a" up
	[ "$status" -eq 0 ]
}

@test "SQLite: up --sql --from 0 leaves a missing file missing; sqlite3 runs the script to what strata up does" {
	three
	run --separate-stderr strata -d sqlite:nowhere/app.db up --sql --from 0
	[ "$status" -eq 0 ]
	[ ! -e nowhere ]
	run --separate-stderr strata -d sqlite:one.db up --sql --from base
	[ "$status" -eq 0 ]
	[ ! -e one.db ]
	printf '%s\n' "$output" > up.sql
	sqlite3 -bail one.db < up.sql
	strata -d sqlite:two.db up
	[ "$(sqlite3 one.db .schema)" = "$(sqlite3 two.db .schema)" ]
	[ "$(sqlite_sql one.db "$ROWS")" = "$(sqlite_sql two.db "$ROWS")" ]
	run strata -d sqlite:one.db status
	[[ "$output" == *"3 applied, 0 pending"* ]]
	[ "$(sqlite_sql one.db "SELECT group_concat(result, '|') FROM strata_migrations_log")" = \
		"ok (offline script)|ok (offline script)|ok (offline script)" ]
}

@test "SQLite: down --sql and goto --sql --from V, run by sqlite3, reach what strata down and goto reach" {
	three
	strata -d sqlite:one.db up
	strata -d sqlite:two.db up
	# the file given is not read: --from says where it stands
	run --separate-stderr strata -d sqlite:one.db down --sql --from 000003
	[ "$status" -eq 0 ]
	[[ "$output" == *"-- strata: 1 migration to roll back for sqlite:one.db"* ]]
	printf '%s\n' "$output" > down.sql
	sqlite3 -bail one.db < down.sql
	strata -d sqlite:two.db down --yes
	[ "$(sqlite3 one.db .schema)" = "$(sqlite3 two.db .schema)" ]
	[ "$(sqlite_sql one.db "$ROWS")" = "$(sqlite_sql two.db "$ROWS")" ]
	# goto down, then goto up, both offline
	run --separate-stderr strata -d sqlite:one.db goto 000001 --sql --from 000002
	[ "$status" -eq 0 ]
	[[ "$output" == *"DROP TABLE posts;"* && "$output" != *"DROP TABLE users"* ]]
	printf '%s\n' "$output" > goto1.sql
	sqlite3 -bail one.db < goto1.sql
	strata -d sqlite:two.db goto 000001 --yes
	[ "$(sqlite3 one.db .schema)" = "$(sqlite3 two.db .schema)" ]
	[ "$(sqlite_sql one.db "$ROWS")" = "$(sqlite_sql two.db "$ROWS")" ]
	run --separate-stderr strata -d sqlite:one.db goto 000003 --sql --from 000001
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > goto3.sql
	sqlite3 -bail one.db < goto3.sql
	strata -d sqlite:two.db goto 000003
	[ "$(sqlite3 one.db .schema)" = "$(sqlite3 two.db .schema)" ]
	[ "$(sqlite_sql one.db "$ROWS")" = "$(sqlite_sql two.db "$ROWS")" ]
	run strata -d sqlite:one.db status
	[[ "$output" == *"3 applied, 0 pending"* ]]
	[ "$(sqlite_sql one.db "SELECT count(*) FROM strata_migrations_log WHERE result = 'ok (offline script)'")" = 4 ]
}

@test "down --sql without --from reads the database, and writes the roll-back" {
	three
	strata -d sqlite:app.db up
	run --separate-stderr strata -d sqlite:app.db down --sql
	[ "$status" -eq 0 ]
	[[ "$output" == *"DROP TABLE tags;"* ]]
	[[ "$output" != *"-- offline:"* ]]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
}

@test "offline errors: --from no migration has, a bad --from, --from without --sql, --sql without a database" {
	three
	run --separate-stderr strata -d sqlite:app.db up --sql --from 000009
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: no migration has version 9, given to --from (the version the database is at)" ]
	[ ! -e app.db ]
	run --separate-stderr strata -d sqlite:app.db up --sql --from next
	[ "$status" -eq 2 ]
	[[ "$stderr" == *'--from "next" is not a version'* ]]
	run --separate-stderr strata -d sqlite:app.db up --from 000001
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--from V says where the database stands for an offline script: use it with --sql"* ]]
	[ ! -e app.db ]
	run --separate-stderr strata -d "$(closed_pg_url)" goto 000001 --from 000003
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"use it with --sql"* ]]
	run --separate-stderr strata up --sql --from 0
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--sql writes SQL in the database's dialect: give the database with -d URL"* ]]
	[ ! -e app.db ]
}

@test "an offline roll-back of a migration without a down script, or an irreversible one, is refused" {
	write_migration migrations 000001 a "CREATE TABLE a (x INTEGER);" "DROP TABLE a;"
	write_migration migrations 000002 b "CREATE TABLE b (x INTEGER);"
	run --separate-stderr strata -d sqlite:app.db down --sql --from 000002
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"000002 b cannot be rolled back"* ]]
	[ -z "$output" ]
	write_migration migrations 000002 b "CREATE TABLE b (x INTEGER);" "-- strata:irreversible"
	run --separate-stderr strata -d sqlite:app.db goto 0 --sql --from 000002
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"000002 b cannot be rolled back"* ]]
	[ -z "$output" ]
	[ ! -e app.db ]
}

@test "up --help and the man page say what --from does" {
	run strata up --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--from V|TABLE"* ]]
	[[ "$output" == *"never connected"* ]]
	grep -q -- 'offline' "$STRATA_SOURCE_DIR/doc/strata.1"
}
