#!/usr/bin/env bats
# The lease lock (--lock=lease, src/lease.c): runners exclude each other with a
# row of strata_migrations_lock kept alive by a heartbeat, on any engine. On
# PostgreSQL the tests switch advisory locks off (STRATA_TEST_NO_ADVISORY=1,
# which makes the driver refuse them and --lock=auto pick the lease), so that
# nothing but the lease can keep the runners apart: six at once apply each
# migration once; a holder killed with kill -9 is taken over once its lease
# expires; a live holder whose statement outlasts the lease is never taken
# over; a waiting runner names the holder (owner, since when, last heartbeat).

load helpers

setup() {
	strata_setup
}

teardown() {
	strata_teardown
}

# twenty migrations that fail if run twice (CREATE TABLE without IF NOT EXISTS)
twenty_migrations() {
	local i
	for i in $(seq -w 1 20); do
		write_migration migrations "0000$i" "create_t$i" \
			"CREATE TABLE t$i (id integer PRIMARY KEY);
INSERT INTO t$i VALUES ($((10#$i)));" "DROP TABLE t$i;"
	done
}

# run_six DB ARGS...: six `strata -d DB up ARGS` at once; exit codes to rc.N, output to out.N, err.N.
run_six() {
	local j pids=() db=$1
	shift
	for j in 1 2 3 4 5 6; do
		(
			strata -d "$db" up "$@" >"out.$j" 2>"err.$j"
			echo $? >"rc.$j"
		) 3>&- &
		pids+=($!)
	done
	wait "${pids[@]}"
}

# lease_owner URL: the owner of the lease row, waiting up to 10 s for one to appear.
lease_owner() {
	local i out
	for i in $(seq 100); do
		out=$(pg_sql "$1" "SELECT owner FROM strata_migrations_lock" 2>/dev/null || true)
		if [ -n "$out" ]; then
			printf '%s\n' "$out"
			return 0
		fi
		sleep 0.1
	done
	echo "no lease row appeared on $1" >&2
	return 1
}

no_advisory_locks() {
	[ "$(pg_sql "$1" "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")" -eq 0 ]
}

@test "PostgreSQL without advisory locks: six runners with --lock=lease apply each of 20 migrations exactly once" {
	require_pg
	url=$(make_pg_db)
	twenty_migrations
	export STRATA_TEST_NO_ADVISORY=1
	run_six "$url" --lock=lease
	for j in 1 2 3 4 5 6; do
		[ "$(cat "rc.$j")" -eq 0 ] || { cat "err.$j"; false; }
		# a waiting runner may say it waits, and nothing else (who holds it, or, when the
		# holder's row is gone by the time it is read, "a lease held by another runner")
		if grep -Ev '^strata: waiting for the migration lock on .*: (a )?lease held by ' "err.$j"; then
			false
		fi
	done
	[ "$(pg_sql "$url" 'SELECT count(*), count(DISTINCT version) FROM strata_migrations')" = "20|20" ]
	[ "$(cat out.* | grep -c '^  ok ')" -eq 20 ]
	for i in $(seq -w 1 20); do
		[ "$(pg_sql "$url" "SELECT string_agg(id::text, ',') FROM t$i")" = "$((10#$i))" ]
	done
	# every lease released, no advisory lock left (none was taken)
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations_lock')" -eq 0 ]
	no_advisory_locks "$url"
}

@test "PostgreSQL: --lock=auto takes the lease where advisory locks do not work, and advisory refuses" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 000001 slow "SELECT pg_sleep(1.5);" "SELECT 1;"
	export STRATA_TEST_NO_ADVISORY=1
	(strata -d "$url" up >first.out 2>first.err; echo $? >first.rc) 3>&- &
	first=$!
	owner=$(lease_owner "$url")
	run --separate-stderr strata -d "$url" up --lock=advisory
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"advisory locks are switched off (STRATA_TEST_NO_ADVISORY)"* ]]
	wait "$first"
	[ "$(cat first.rc)" -eq 0 ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" -eq 1 ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations_lock')" -eq 0 ]
	# the owner is host:pid:random
	[[ "$owner" =~ ^[^:]+:[0-9]+:[0-9a-f]{8}$ ]]
	# without the hook, auto on a direct connection takes the advisory lock and no lease
	unset STRATA_TEST_NO_ADVISORY
	pg_sql "$url" 'DROP TABLE strata_migrations_lock'
	write_migration migrations 000002 more "SELECT 2;" "SELECT 1;"
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	[ -z "$(pg_sql "$url" "SELECT to_regclass('strata_migrations_lock')")" ]
}

@test "PostgreSQL: a holder killed with kill -9 is taken over once its lease expires, and named meanwhile" {
	require_pg
	url=$(make_pg_db)
	export STRATA_TEST_NO_ADVISORY=1
	# the first migration sleeps as long as the gate says: long for the holder that gets killed, not after
	pg_sql "$url" "CREATE TABLE gate (s float8); INSERT INTO gate VALUES (60)"
	write_migration migrations 000001 gated "SELECT pg_sleep((SELECT s FROM gate));" "SELECT 1;"
	write_migration migrations 000002 after "CREATE TABLE after_gate (id int);" "DROP TABLE after_gate;"
	"$STRATA" -d "$url" up --lock=lease --lease 2s >holder.out 2>holder.err 3>&- &
	holder=$!
	owner=$(lease_owner "$url")
	[[ "$owner" == *":$holder:"* ]]
	kill -9 "$holder"
	wait "$holder" || true
	pg_sql "$url" "UPDATE gate SET s = 0"

	start=$(date +%s%N)
	run --separate-stderr strata -d "$url" up --lock=lease --lease 2s --lock-wait 30
	elapsed=$((($(date +%s%N) - start) / 1000000))
	[ "$status" -eq 0 ]
	# it waited for the dead holder's lease to run out, naming it, then took over
	[[ "$stderr" == *"waiting for the migration lock on $url: lease held by $owner since "*" UTC, last heartbeat "* ]]
	[ "$elapsed" -lt 20000 ]
	[[ "$output" == *"ok   000001 gated"* ]]
	[[ "$output" == *"ok   000002 after"* ]]
	[ "$(pg_sql "$url" 'SELECT count(*), count(DISTINCT version) FROM strata_migrations')" = "2|2" ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations_lock')" -eq 0 ]
	no_advisory_locks "$url"
}

@test "PostgreSQL: a live holder whose statement outlasts its lease is never taken over" {
	require_pg
	url=$(make_pg_db)
	export STRATA_TEST_NO_ADVISORY=1
	# one statement of 4 s under a lease of 1 s: only the heartbeat keeps it
	write_migration migrations 000001 slow "SELECT pg_sleep(4);" "SELECT 1;"
	write_migration migrations 000002 once "CREATE TABLE once (id int);" "DROP TABLE once;"
	(strata -d "$url" up --lock=lease --lease 1s >first.out 2>first.err; echo $? >first.rc) 3>&- &
	first=$!
	owner=$(lease_owner "$url")
	beat1=$(pg_sql "$url" "SELECT heartbeat_at FROM strata_migrations_lock")

	# one gives up after --lock-wait, exit 3, naming the holder
	run --separate-stderr strata -d "$url" up --lock=lease --lease 1s --lock-wait 1.5
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"another runner holds the migration lock on $url (lease held by $owner since "* ]]
	[[ "$stderr" == *"gave up after 2 s"* || "$stderr" == *"gave up after 1 s"* ]]
	# the holder kept beating meanwhile, far past its first lease
	[ "$(pg_sql "$url" "SELECT heartbeat_at > '$beat1' AND expires_at > clock_timestamp() FROM strata_migrations_lock")" = t ]

	# another waits as long as it takes, and finds nothing to do
	run --separate-stderr strata -d "$url" up --lock=lease --lease 1s --lock-wait 30
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
	[[ "$stderr" == *"lease held by $owner"* ]]
	wait "$first"
	[ "$(cat first.rc)" -eq 0 ]
	grep -q 'ok   000001 slow' first.out
	grep -q 'ok   000002 once' first.out
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" -eq 2 ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations_lock')" -eq 0 ]
}

@test "SQLite: six runners with --lock=lease apply each of 20 migrations exactly once" {
	twenty_migrations
	run_six sqlite:app.db --lock=lease
	for j in 1 2 3 4 5 6; do
		[ "$(cat "rc.$j")" -eq 0 ] || { cat "err.$j"; false; }
		if grep -v '^strata: waiting for the migration lock on ' "err.$j"; then
			false
		fi
	done
	[ "$(sqlite_sql app.db 'SELECT count(*), count(DISTINCT version) FROM strata_migrations')" = "20|20" ]
	[ "$(cat out.* | grep -c '^  ok ')" -eq 20 ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations_lock')" -eq 0 ]
}

@test "SQLite: a dead holder's expired lease is taken over; a live one is waited for and named" {
	write_migration migrations 000001 t "CREATE TABLE t (id int);" "DROP TABLE t;"
	write_migration migrations 000002 u "CREATE TABLE u (id int);" "DROP TABLE u;"
	run strata -d sqlite:app.db up 1 --lock=lease
	[ "$status" -eq 0 ]
	# a row left by a runner that died long ago
	sqlite_sql app.db "INSERT INTO strata_migrations_lock VALUES ('strata:\"strata_migrations\"', 'deadhost:1:00000000',
		'2000-01-01 00:00:00.000', '2000-01-01 00:00:00.000', '2000-01-01 00:00:30.000')"
	run strata -d sqlite:app.db up 1 --lock=lease --lock-wait 2
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   000002 u"* ]]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations_lock')" -eq 0 ]
	# a live one (it expires in an hour): waited for, named, given up on
	sqlite_sql app.db "INSERT INTO strata_migrations_lock VALUES ('strata:\"strata_migrations\"', 'livehost:2:0000abcd',
		strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now'),
		strftime('%Y-%m-%d %H:%M:%f', 'now', '+3600 seconds'))"
	run --separate-stderr strata -d sqlite:app.db down --yes --lock=lease --lock-wait 1
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"lease held by livehost:2:0000abcd since "*" UTC, last heartbeat "* ]]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" -eq 2 ]
	# --lock=advisory: SQLite has none
	run --separate-stderr strata -d sqlite:app.db up --lock=advisory
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"SQLite has no session lock"* ]]
}

@test "lock and lease from strata.ini and the environment; bad values are refused" {
	write_migration migrations 000001 t "CREATE TABLE t (id int);" "DROP TABLE t;"
	printf 'database = sqlite:app.db\nlock = lease\nlease = 5s\n' >strata.ini
	run strata up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'strata_migrations_lock'")" -eq 1 ]
	printf 'database = sqlite:app.db\nlock = sometimes\n' >strata.ini
	run --separate-stderr strata up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"strata.ini:2: bad value \"sometimes\" for lock"* ]]
	rm strata.ini
	STRATA_LOCK=never run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"STRATA_LOCK=never"* ]]
	run --separate-stderr strata -d sqlite:app.db up --lock=maybe
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"expected auto, advisory or lease"* ]]
	run --separate-stderr strata -d sqlite:app.db up --lease 0
	[ "$status" -eq 2 ]
}
