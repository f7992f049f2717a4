#!/usr/bin/env bats
# One runner at a time: several `strata up` started together apply each
# migration once; a runner that cannot get the lock in --lock-wait seconds
# says who holds it and exits 3; and a waiting runner never holds a snapshot
# that the holder's CREATE INDEX CONCURRENTLY would wait on.

load helpers

# twenty migrations that fail if run twice (CREATE TABLE without IF NOT EXISTS)
twenty_migrations() {
	local i
	for i in $(seq -w 1 20); do
		write_migration migrations "0000$i" "create_t$i" \
			"CREATE TABLE t$i (id integer PRIMARY KEY);
INSERT INTO t$i VALUES ($((10#$i)));" "DROP TABLE t$i;"
	done
}

# run_six DB: start six `strata -d DB up` at once, wait for all; their
# exit codes go to rc.N, their output to out.N and err.N.
run_six() {
	local j pids=()
	for j in 1 2 3 4 5 6; do
		# 3>&-: a background process must not hold bats' own descriptor
		(
			strata -d "$1" up >"out.$j" 2>"err.$j"
			echo $? >"rc.$j"
		) 3>&- &
		pids+=($!)
	done
	wait "${pids[@]}"
}

# ms_since START: milliseconds since START (from date +%s%N).
ms_since() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

# advisory_holder URL: "pid|application_name|key" of the session holding an
# advisory lock on URL's database, waiting up to 10 s for one to appear.
# advisory_holder URL [APP]: pid|application|key of an advisory lock holder whose
# application_name is LIKE APP (default: strata's dedicated lock session)
advisory_holder() {
	local i out
	for i in $(seq 100); do
		out=$(pg_sql "$1" "SELECT a.pid, a.application_name, (l.classid::bigint << 32) | l.objid::bigint
			FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE l.locktype = 'advisory' AND l.granted AND l.database =
			(SELECT oid FROM pg_database WHERE datname = current_database())
			AND a.application_name LIKE '${2:-% (lock)}'")
		if [ -n "$out" ]; then
			printf '%s\n' "$out"
			return 0
		fi
		sleep 0.1
	done
	echo "no advisory lock appeared on $1" >&2
	return 1
}

@test "six runners at once on one SQLite file apply each of 20 migrations exactly once" {
	twenty_migrations
	run_six sqlite:app.db
	for j in 1 2 3 4 5 6; do
		[ "$(cat "rc.$j")" -eq 0 ]
		# nothing on stderr: not an error, not a warning
		[ ! -s "err.$j" ] || { cat "err.$j"; false; }
	done
	[ "$(sqlite_sql app.db 'SELECT count(*), count(DISTINCT version) FROM strata_migrations')" = "20|20" ]
	# each migration reported as applied by exactly one of the six
	[ "$(cat out.* | grep -c '^  ok ')" -eq 20 ]
	for i in $(seq -w 1 20); do
		[ "$(sqlite_sql app.db "SELECT group_concat(id) FROM t$i")" = "$((10#$i))" ]
	done
}

@test "six runners at once on one PostgreSQL database apply each of 20 migrations exactly once" {
	require_pg
	url=$(make_pg_db)
	twenty_migrations
	run_six "$url"
	for j in 1 2 3 4 5 6; do
		[ "$(cat "rc.$j")" -eq 0 ]
		# a waiting runner may say it waits, and nothing else
		if grep -v '^strata: waiting for the migration lock on ' "err.$j"; then
			false
		fi
	done
	[ "$(pg_sql "$url" 'SELECT count(*), count(DISTINCT version) FROM strata_migrations')" = "20|20" ]
	[ "$(cat out.* | grep -c '^  ok ')" -eq 20 ]
	[ "$(grep -c 'nothing to do' out.*  | awk -F: '{ s += $2 } END { print s }')" -ge 1 ]
	for i in $(seq -w 1 20); do
		[ "$(pg_sql "$url" "SELECT string_agg(id::text, ',') FROM t$i")" = "$((10#$i))" ]
	done
	# every lock session is gone
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")" -eq 0 ]
}

@test "PostgreSQL: a runner behind another strata gives up after --lock-wait, exit 3, naming the holder" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 000001 slow "SELECT pg_sleep(3);" "SELECT 1;"
	(strata -d "$url" up >first.out 2>first.err; echo $? >first.rc) 3>&- &
	first=$!
	holder=$(advisory_holder "$url")
	holder_pid=${holder%%|*}

	start=$(date +%s%N)
	run --separate-stderr strata -d "$url" up --lock-wait 1
	elapsed=$(ms_since "$start")
	[ "$status" -eq 3 ]
	[ "$elapsed" -ge 900 ]
	[ "$elapsed" -lt 2900 ]
	[[ "$stderr" == *"another runner holds the migration lock on $url"* ]]
	[[ "$stderr" == *"pid $holder_pid (strata"* ]]
	[[ "$stderr" == *"gave up after 1 s"* ]]
	[[ "$stderr" == *"--lock-wait"* ]]
	[[ "$output" != *" ok "* ]]

	wait "$first"
	[ "$(cat first.rc)" -eq 0 ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" -eq 1 ]
	# once the holder is done, the same command goes through
	run strata -d "$url" up --lock-wait 1
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
}

@test "PostgreSQL: any session holding strata's advisory lock is named by pid and application" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 000001 pause "SELECT pg_sleep(1);" "SELECT 1;"
	write_migration migrations 000002 create_t "CREATE TABLE t (id int);" "DROP TABLE t;"
	# learn the key from strata itself while it holds the lock
	(strata -d "$url" up 1 >/dev/null 2>&1) 3>&- &
	first=$!
	holder=$(advisory_holder "$url")
	key=${holder##*|}
	wait "$first"

	(PGAPPNAME=someone-else psql -X -q -d "$url" -c "SELECT pg_advisory_lock($key)" -c "SELECT pg_sleep(60)" \
		>/dev/null 2>&1) 3>&- &
	psql_job=$!
	holder=$(advisory_holder "$url" someone-else)
	holder_pid=${holder%%|*}
	[ "$(cut -d'|' -f2 <<<"$holder")" = someone-else ]

	run --separate-stderr strata -d "$url" up --lock-wait 1
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"held by pid $holder_pid (someone-else, user postgres"* ]]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" -eq 1 ]

	pg_sql "$url" "SELECT pg_terminate_backend($holder_pid)" >/dev/null
	wait "$psql_job" || true
	run strata -d "$url" up --lock-wait 5
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" -eq 2 ]
}

@test "PostgreSQL: CREATE INDEX CONCURRENTLY finishes while a second runner waits for the lock" {
	require_pg
	url=$(make_pg_db)
	mkdir -p migrations/2024-01-01-000001_create_items migrations/2024-01-01-000002_pause \
		migrations/2024-01-01-000003_index_items
	echo "CREATE TABLE items (id int PRIMARY KEY, name text);
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20000) g;" >migrations/2024-01-01-000001_create_items/up.sql
	echo "DROP TABLE items;" >migrations/2024-01-01-000001_create_items/down.sql
	# time for the second runner to start waiting before the index is built
	echo "SELECT pg_sleep(1.5);" >migrations/2024-01-01-000002_pause/up.sql
	echo "SELECT 1;" >migrations/2024-01-01-000002_pause/down.sql
	echo "CREATE INDEX CONCURRENTLY items_name_idx ON items (name);" >migrations/2024-01-01-000003_index_items/up.sql
	echo "DROP INDEX CONCURRENTLY items_name_idx;" >migrations/2024-01-01-000003_index_items/down.sql
	echo "run_in_transaction = false" >migrations/2024-01-01-000003_index_items/metadata.toml

	(timeout 60 "$STRATA" -d "$url" up >first.out 2>first.err; echo $? >first.rc) 3>&- &
	first=$!
	advisory_holder "$url" >/dev/null
	run --separate-stderr timeout 60 "$STRATA" -d "$url" up
	wait "$first"
	# 124 would be timeout's: the two runners waited on each other
	[ "$(cat first.rc)" -eq 0 ]
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"waiting for the migration lock"* ]]
	[[ "$output" == *"nothing to do"* ]]
	grep -q 'ok   20240101000003 index_items' first.out
	[ "$(pg_sql "$url" "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_name_idx'::regclass")" = t ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" -eq 3 ]
}

@test "PostgreSQL: a pair whose up is just CREATE INDEX CONCURRENTLY, while a second runner waits" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 000001 create_items "CREATE TABLE items (id int PRIMARY KEY, name text);
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20000) g;" "DROP TABLE items;"
	write_migration migrations 000002 pause "SELECT pg_sleep(1.5);" "SELECT 1;"
	write_migration migrations 000003 index_items "CREATE INDEX CONCURRENTLY items_name_idx ON items (name);" \
		"DROP INDEX CONCURRENTLY items_name_idx;"
	(timeout 60 "$STRATA" -d "$url" up >first.out 2>first.err; echo $? >first.rc) 3>&- &
	first=$!
	advisory_holder "$url" >/dev/null
	run --separate-stderr timeout 60 "$STRATA" -d "$url" up
	wait "$first"
	[ "$(cat first.rc)" -eq 0 ]
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
	[ "$(pg_sql "$url" "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_name_idx'::regclass")" = t ]
	run strata -d "$url" down -y
	[ "$status" -eq 0 ]
	[ -z "$(pg_sql "$url" "SELECT relname FROM pg_class WHERE relname = 'items_name_idx'")" ]
}

@test "SQLite: --lock-wait gives up with exit 3 while another process holds a write transaction" {
	twenty_migrations
	run strata -d sqlite:app.db up 3
	[ "$status" -eq 0 ]
	hold_sqlite app.db 4

	start=$(date +%s%N)
	run --separate-stderr strata -d sqlite:app.db up --lock-wait 1
	elapsed=$(ms_since "$start")
	[ "$status" -eq 3 ]
	[ "$elapsed" -ge 900 ]
	[ "$elapsed" -lt 2900 ]
	[[ "$stderr" == *"database is locked"* ]]
	[[ "$stderr" == *"another process is writing to app.db; waited 1 s (--lock-wait)"* ]]
	[[ "$stderr" == *"which is at 000003"* ]]
	wait "$holder"
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" -eq 3 ]

	run strata -d sqlite:app.db up --lock-wait 1
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" -eq 20 ]
}

@test "SQLite: --lock-wait on a new database: the tracking table cannot be created, exit 3" {
	twenty_migrations
	sqlite_sql app.db "CREATE TABLE other (x)"
	hold_sqlite app.db 3
	run --separate-stderr strata -d sqlite:app.db up --lock-wait 1
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"database is locked"* ]]
	[[ "$stderr" == *"--lock-wait"* ]]
	wait "$holder"
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name = 'strata_migrations'")" ]
}

@test "SQLite: a lock timeout does not tell the user to fix the migration file" {
	twenty_migrations
	strata -d sqlite:app.db up 3 >/dev/null
	hold_sqlite app.db 3
	run --separate-stderr strata -d sqlite:app.db up --lock-wait 1
	[ "$status" -eq 3 ]
	[[ "$stderr" != *"Fix the file"* ]]
	wait "$holder"
}
