#!/usr/bin/env bats
# Crash consistency: whatever stops a run (SIGKILL at a random moment,
# SIGINT/SIGTERM, a terminated backend, a crashed server, other runners on
# the same fleet), the tracking table and the schema agree afterwards and a
# re-run finishes the job.
#
# The migrations: k = 1..NMIG, each creates t_k, fills it with ROWS rows,
# indexes it and appends k to a ledger table without a key (migration 1
# creates the ledger). After any stop, on a database that only ever went up:
#   recorded versions == the t_* tables that exist == the ledger's rows
#   (a duplicate in the ledger would be a migration applied twice),
#   every t_k holds ROWS rows, nothing is partial, the history log has one
#   "up ok" per recorded version, and (SQLite) PRAGMA integrity_check is ok.
#
# Trials per engine: TRIALS SIGKILL trials (1 to 3 kills each, then a run
# that must finish) and TRIALS/2 each of SIGINT and SIGTERM. TRIALS is 30 by
# default, 200 with STRATA_LONG_TESTS=1, or STRATA_CRASH_TRIALS. The moments
# are uniform over the length of a run, which is measured and kept up to date
# as the machine's load changes; STRATA_CRASH_SEED repeats the same delays
# (the runs' own timing still varies). The figures (trials, kills, where the
# kills landed) go to bats' fd 3, shown in the TAP output.

load helpers

NMIG=25
ROWS=300

if [ -n "${STRATA_CRASH_TRIALS:-}" ]; then
	TRIALS=$STRATA_CRASH_TRIALS
elif [ "${STRATA_LONG_TESTS:-}" = 1 ]; then
	TRIALS=200
else
	TRIALS=30
fi

setup() {
	strata_setup
	OWN_PG=
	RANDOM=${STRATA_CRASH_SEED:-$$}
	SEED=${STRATA_CRASH_SEED:-$$}
}

teardown() {
	local p
	# background runners this test started and has not waited for (a failed
	# test): bash's own job table, so only our children, by pid
	for p in $(jobs -p); do
		kill -KILL "$p" 2>/dev/null || true
	done
	if [ -n "${OWN_PG:-}" ]; then
		"$STRATA_SOURCE_DIR/tests/pg.sh" stop "$OWN_PG" >/dev/null 2>&1 || true
	fi
	strata_teardown
}

# ------------------------------------------------------------------ helpers

# crash_migrations DIR: NMIG migrations in DIR, in SQL both engines run.
crash_migrations() {
	local dir=$1 k up
	for k in $(seq 1 "$NMIG"); do
		up="CREATE TABLE t_$k (id integer PRIMARY KEY, v text);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $ROWS)
INSERT INTO t_$k (id, v) SELECT x, 'row ' || x FROM c;
CREATE INDEX t_${k}_v ON t_$k (v);
INSERT INTO ledger (k) VALUES ($k);"
		if [ "$k" -eq 1 ]; then
			up="CREATE TABLE ledger (k integer NOT NULL);
$up"
		fi
		write_migration "$dir" "$(printf '%06d' "$k")" "step_$k" "$up" "DROP TABLE t_$k;"
	done
}

# db_sql ENGINE DB SQL: SQL on an SQLite file or a PostgreSQL URL.
db_sql() {
	if [ "$1" = sqlite ]; then
		sqlite_sql "$2" "$3"
	else
		pg_sql "$2" "$3"
	fi
}

# db_has_table ENGINE DB TABLE: prints 1 or 0.
db_has_table() {
	if [ "$1" = sqlite ]; then
		sqlite_sql "$2" "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '$3'"
	else
		pg_sql "$2" "SELECT (to_regclass('$3') IS NOT NULL)::int"
	fi
}

# db_url ENGINE DB: what to give strata -d.
db_url() {
	if [ "$1" = sqlite ]; then
		printf 'sqlite:%s\n' "$2"
	else
		printf '%s\n' "$2"
	fi
}

# db_reset ENGINE DB: an empty database.
db_reset() {
	if [ "$1" = sqlite ]; then
		rm -f "$2" "$2-journal" "$2-wal" "$2-shm"
	else
		pg_wait_idle "$2" || return 1
		pg_sql "$2" "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
	fi
}

# pg_wait_idle URL: wait (up to 20 s) until no strata session is connected to
# URL's database. The backend of a killed runner finishes what it was sent
# (and commits it, when the COMMIT was in the same round trip) before it
# notices its client is gone; only then is the state final.
pg_wait_idle() {
	local i n
	for i in $(seq 400); do
		n=$(pg_sql "$1" "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND application_name = 'strata'")
		[ "$n" = 0 ] && return 0
		sleep 0.05
	done
	echo "strata sessions still connected to $1 after 20 s:" >&2
	pg_sql "$1" "SELECT pid, state, left(query, 60) FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'strata'" >&2
	return 1
}

# check_consistent ENGINE DB WHAT: the invariants above; sets APPLIED to the
# number of recorded versions. WHAT says when (for the message on failure).
check_consistent() {
	local engine=$1 db=$2 what=$3 rec="" tabs led="" partial=0 logok=0 counts t q="" integrity
	if [ "$engine" = postgres ]; then
		pg_wait_idle "$db" || return 1
	fi
	if [ "$(db_has_table "$engine" "$db" strata_migrations)" = 1 ]; then
		rec=$(db_sql "$engine" "$db" "SELECT version FROM strata_migrations ORDER BY version")
		partial=$(db_sql "$engine" "$db" "SELECT count(*) FROM strata_migrations WHERE state <> 'applied'")
		if [ "$(db_has_table "$engine" "$db" strata_migrations_log)" = 1 ]; then
			logok=$(db_sql "$engine" "$db" "SELECT count(*) FROM strata_migrations_log
				WHERE action = 'up' AND result = 'ok'")
		fi
	fi
	if [ "$engine" = sqlite ]; then
		tabs=$(sqlite_sql "$db" "SELECT substr(name, 3) FROM sqlite_master WHERE type = 'table'
			AND name LIKE 't\_%' ESCAPE '\'" | sort -n)
		integrity=$(sqlite_sql "$db" "PRAGMA integrity_check")
	else
		tabs=$(pg_sql "$db" "SELECT substr(tablename, 3) FROM pg_tables WHERE schemaname = 'public'
			AND tablename LIKE 't\_%' ESCAPE '\'" | sort -n)
		integrity=ok
	fi
	if [ "$(db_has_table "$engine" "$db" ledger)" = 1 ]; then
		led=$(db_sql "$engine" "$db" "SELECT k FROM ledger ORDER BY k")
	fi
	for t in $tabs; do
		q="${q:+$q UNION ALL }SELECT count(*) FROM t_$t"
	done
	counts=""
	if [ -n "$q" ]; then
		counts=$(db_sql "$engine" "$db" "$q" | sort -u)
	fi
	APPLIED=$(printf '%s' "$rec" | grep -c . || true)
	if [ "$rec" != "$tabs" ] || [ "$rec" != "$led" ] || [ "$partial" != 0 ] || [ "$logok" != "$APPLIED" ] ||
		{ [ -n "$counts" ] && [ "$counts" != "$ROWS" ]; } || [ "$integrity" != ok ]; then
		{
			echo "INCONSISTENT ($engine, $what, seed $SEED):"
			echo "  recorded: $(echo $rec)"
			echo "  tables:   $(echo $tabs)"
			echo "  ledger:   $(echo $led)"
			echo "  partial rows: $partial; log 'up ok' rows: $logok; row counts: $(echo $counts)"
			echo "  integrity: $integrity"
		} >&2
		return 1
	fi
}

# ms_rand MAX: a random number of milliseconds in [0, MAX].
ms_rand() {
	echo $(((RANDOM * 32768 + RANDOM) % ($1 + 1)))
}

# sleep_ms MS
sleep_ms() {
	sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"
}

# start_up ENGINE DB: start `strata up` in the background; PID is its pid.
start_up() {
	local comm i
	"$STRATA" -d "$(db_url "$1" "$2")" -p migrations up >run.out 2>run.err 3>&- &
	PID=$!
	# until the child has exec'd strata it is a copy of this shell, with bats'
	# signal traps: a signal sent then would land in bats, not in strata
	for i in $(seq 2000); do
		comm=
		read -r comm <"/proc/$PID/comm" 2>/dev/null || break
		[ "$comm" = "${STRATA##*/}" ] && break
	done
}

# wait_exit SECONDS: wait for $PID to end, at most SECONDS; RC gets its exit
# code, ELAPSED_MS the time waited. A runner still there is killed (RC 999).
wait_exit() {
	local t0 i
	t0=$(date +%s%N)
	for i in $(seq $(($1 * 20))); do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$PID" 2>/dev/null; then
		kill -KILL "$PID"
		wait "$PID" || true
		RC=999
	else
		wait "$PID" && RC=0 || RC=$?
	fi
	ELAPSED_MS=$((($(date +%s%N) - t0) / 1000000))
}

# calibrate ENGINE DB: FULL_MS, the time a whole run takes here (the
# quickest of three, so that a moment of load elsewhere does not stretch it).
calibrate() {
	local t0 ms i
	FULL_MS=
	for i in 1 2 3; do
		db_reset "$1" "$2" || return 1
		t0=$(date +%s%N)
		"$STRATA" -d "$(db_url "$1" "$2")" -p migrations up >/dev/null 2>&1 || {
			echo "calibration run failed" >&2
			return 1
		}
		ms=$((($(date +%s%N) - t0) / 1000000))
		if [ -z "$FULL_MS" ] || [ "$ms" -lt "$FULL_MS" ]; then
			FULL_MS=$ms
		fi
		check_consistent "$1" "$2" "after calibration run $i" || return 1
		[ "$APPLIED" -eq "$NMIG" ] || return 1
	done
}

# adapt RC APPLIED: keep FULL_MS near the real length of a run (the machine's
# load changes): a run that finished first, or was killed after its last
# migration, says runs are shorter; a kill before the first commit says longer.
adapt() {
	if [ "$1" -eq 0 ] || [ "$2" -eq "$NMIG" ]; then
		FULL_MS=$((FULL_MS * 3 / 4))
		[ "$FULL_MS" -ge 20 ] || FULL_MS=20
	elif [ "$2" -eq 0 ] && [ "$FULL_MS" -lt 20000 ]; then
		FULL_MS=$((FULL_MS * 5 / 4))
	fi
}

# rerun_finishes ENGINE DB TRIAL: after an interrupted run, one more `up`
# succeeds, leaves the database consistent and every migration applied.
rerun_finishes() {
	local engine=$1 db=$2 trial=$3
	"$STRATA" -d "$(db_url "$engine" "$db")" -p migrations up >run.out 2>run.err || {
		echo "trial $trial: the re-run failed (seed $SEED):" >&2
		cat run.out run.err >&2
		return 1
	}
	check_consistent "$engine" "$db" "trial $trial, after the re-run" || return 1
	if [ "$APPLIED" -ne "$NMIG" ]; then
		echo "trial $trial: the re-run left $APPLIED of $NMIG applied" >&2
		return 1
	fi
}

# kill_trials ENGINE DB: TRIALS trials of 1 to 3 SIGKILLs at random moments
# of `strata up` (each followed by the check), then a run that must finish.
kill_trials() {
	local engine=$1 db=$2 trial nkill j delay rc
	local kills=0 before=0 mid=0 after=0 missed=0 runs=0
	crash_migrations migrations
	calibrate "$engine" "$db" || return 1
	for trial in $(seq 1 "$TRIALS"); do
		db_reset "$engine" "$db" || return 1
		nkill=$((1 + RANDOM % 3))
		APPLIED=0
		for j in $(seq 1 "$nkill"); do
			# a moment within the time the rest of the work takes
			delay=$(ms_rand $((FULL_MS * (NMIG - APPLIED + 3) / NMIG)))
			start_up "$engine" "$db"
			runs=$((runs + 1))
			sleep_ms "$delay"
			if kill -KILL "$PID" 2>/dev/null; then
				wait "$PID" && rc=0 || rc=$?
				# 137: killed; 0: it finished between the check and the kill
				if [ "$rc" -ne 137 ] && [ "$rc" -ne 0 ]; then
					echo "trial $trial kill $j: strata exited $rc (seed $SEED)" >&2
					cat run.err >&2
					return 1
				fi
				[ "$rc" -eq 137 ] && kills=$((kills + 1))
			else
				wait "$PID" && rc=0 || rc=$?
				missed=$((missed + 1))
				if [ "$rc" -ne 0 ]; then
					echo "trial $trial run $j failed on its own: exit $rc (seed $SEED)" >&2
					cat run.err >&2
					return 1
				fi
			fi
			check_consistent "$engine" "$db" "trial $trial, after kill $j at ${delay} ms" || return 1
			if [ "$rc" -eq 137 ]; then
				if [ "$APPLIED" -eq 0 ]; then
					before=$((before + 1))
				elif [ "$APPLIED" -eq "$NMIG" ]; then
					after=$((after + 1))
				else
					mid=$((mid + 1))
				fi
			fi
			adapt "$rc" "$APPLIED"
		done
		rerun_finishes "$engine" "$db" "$trial" || return 1
		runs=$((runs + 1))
	done
	echo "# $engine SIGKILL: $TRIALS trials, $runs runs, $kills kills ($mid with 0 < applied < $NMIG, $before before the first commit, $after after the last), $missed runs finished before their kill; a run took ${FULL_MS} ms at the end; seed $SEED" >&3
	# a run that was killed should have happened mid-way often enough to mean something
	[ "$mid" -ge $((TRIALS / 4)) ] || {
		echo "only $mid of $kills kills landed mid-run" >&2
		return 1
	}
}

# signal_trials ENGINE DB SIG: TRIALS/2 runs stopped by SIG at a random
# moment (so TRIALS per engine for SIGINT and SIGTERM together).
# A run that got the signal stops within 10 s with exit 130 (143 for TERM), says it was
# interrupted and rolled back, and does not record the migration it stopped;
# a run the signal missed finished (exit 0). Then a re-run finishes the job.
signal_trials() {
	local engine=$1 db=$2 sig=$3 trial delay rc i stopped=0 missed=0 early=0 setup=0 v n=$(((TRIALS + 1) / 2))
	crash_migrations migrations
	calibrate "$engine" "$db" || return 1
	for trial in $(seq 1 "$n"); do
		db_reset "$engine" "$db" || return 1
		delay=$(ms_rand "$FULL_MS")
		start_up "$engine" "$db"
		sleep_ms "$delay"
		kill -"$sig" "$PID" 2>/dev/null || true
		for i in $(seq 200); do
			kill -0 "$PID" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$PID" 2>/dev/null; then
			echo "trial $trial: still running 10 s after SIG$sig (seed $SEED)" >&2
			kill -KILL "$PID"
			return 1
		fi
		wait "$PID" && rc=0 || rc=$?
		check_consistent "$engine" "$db" "trial $trial, after SIG$sig at ${delay} ms, exit $rc" || return 1
		case $rc in
		0)
			missed=$((missed + 1))
			[ "$APPLIED" -eq "$NMIG" ]
			;;
		130 | 143)
			if ! grep -q '^strata: interrupted; stopping, rolling back whatever is in progress' run.err; then
				# the signal came before strata set its handler: nothing had started
				early=$((early + 1))
				[ "$APPLIED" -eq 0 ]
				rc=early
			elif ! grep -Eq 'interrupted by a signal|interrupted before' run.err; then
				# stopped while it set up (tracking tables), before any migration: the
				# wording of that error is checked by its own test below
				setup=$((setup + 1))
				[ "$APPLIED" -eq 0 ]
				if grep -q '^  ok ' run.out; then
					echo "trial $trial: migrations ran, but no interruption of one was reported" >&2
					cat run.out run.err >&2
					return 1
				fi
			else
				stopped=$((stopped + 1))
			fi
			if grep -q 'interrupted by a signal' run.err; then
				# the migration it stopped is named on the ERR line, and was not recorded
				v=$(sed -n 's/^  ERR  \([0-9]*\) .*/\1/p' run.err)
				[ -n "$v" ] || {
					cat run.err >&2
					return 1
				}
				if [ "$(db_sql "$engine" "$db" "SELECT count(*) FROM strata_migrations WHERE version = $((10#$v))")" != 0 ]; then
					echo "trial $trial: $v was interrupted but is recorded" >&2
					return 1
				fi
			fi
			;;
		*)
			echo "trial $trial: exit $rc after SIG$sig (seed $SEED)" >&2
			cat run.err >&2
			return 1
			;;
		esac
		case $rc in
		0) adapt 0 "$NMIG" ;;
		early) adapt 1 0 ;;
		esac
		rerun_finishes "$engine" "$db" "$trial" || return 1
	done
	echo "# $engine SIG$sig: $n trials, $stopped stopped mid-run (exit 130/143, rolled back), $setup while setting up (before any migration), $missed finished first, $early before the handler; seed $SEED" >&3
	[ "$stopped" -ge $((n / 4)) ] || {
		echo "only $stopped of $n signals landed mid-run" >&2
		return 1
	}
}

# pg_active_strata URL PATTERN: pid of the strata session running a query
# matching PATTERN (waits up to 10 s).
pg_active_strata() {
	local i pid
	for i in $(seq 200); do
		pid=$(pg_sql "$1" "SELECT pid FROM pg_stat_activity WHERE datname = current_database()
			AND application_name = 'strata' AND state = 'active' AND query LIKE '%$2%' LIMIT 1")
		if [ -n "$pid" ]; then
			echo "$pid"
			return 0
		fi
		sleep 0.05
	done
	echo "no strata session running $2 on $1" >&2
	return 1
}

# slow_second DIR: migration 1 (ledger, t_1), migration 2 that does its work
# and then sleeps for a minute, migration 3 (t_3).
slow_second() {
	write_migration "$1" 000001 one "CREATE TABLE ledger (k integer NOT NULL); CREATE TABLE t_1 (id integer);
INSERT INTO ledger VALUES (1);" "DROP TABLE t_1; DROP TABLE ledger;"
	write_migration "$1" 000002 two "CREATE TABLE t_2 (id integer);
INSERT INTO ledger VALUES (2);
SELECT pg_sleep(60);" "DROP TABLE t_2;"
	write_migration "$1" 000003 three "CREATE TABLE t_3 (id integer); INSERT INTO ledger VALUES (3);" "DROP TABLE t_3;"
}

# fast_second DIR: migration 2 without the sleep (it was never applied, so it may change).
fast_second() {
	write_migration "$1" 000002 two "CREATE TABLE t_2 (id integer);
INSERT INTO ledger VALUES (2);" "DROP TABLE t_2;"
}

# db_list ENGINE DB COL TABLE: the values of COL in TABLE, ordered, comma-separated.
db_list() {
	db_sql "$1" "$2" "SELECT $3 FROM $4 ORDER BY $3" | paste -sd, -
}

# only_first_applied ENGINE DB: 1 recorded, t_1 there, no t_2, ledger = 1.
only_first_applied() {
	[ "$(db_list "$1" "$2" version strata_migrations)" = 1 ]
	[ "$(db_list "$1" "$2" k ledger)" = 1 ]
	[ "$(db_has_table "$1" "$2" t_2)" = 0 ]
}

all_three_applied() {
	[ "$(db_list "$1" "$2" version strata_migrations)" = 1,2,3 ]
	[ "$(db_list "$1" "$2" k ledger)" = 1,2,3 ]
}

# ------------------------------------------------------------------ SIGKILL

@test "SQLite: SIGKILL at random moments of up: tracking table and schema agree after every kill, a re-run finishes" {
	kill_trials sqlite crash.db
}

@test "PostgreSQL: SIGKILL at random moments of up: tracking table and schema agree after every kill, a re-run finishes" {
	require_pg
	url=$(make_pg_db)
	kill_trials postgres "$url"
}

@test "PostgreSQL: SIGKILL in a long migration, then an immediate re-run: applied once, and the re-run succeeds" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 000001 one "CREATE TABLE ledger (k integer NOT NULL); INSERT INTO ledger VALUES (1);" "DROP TABLE ledger;"
	# the migration is still running on the server when its client dies
	write_migration migrations 000002 two "CREATE TABLE t_2 (id integer);
INSERT INTO ledger VALUES (2);
SELECT pg_sleep(2);" "DROP TABLE t_2;"
	write_migration migrations 000003 three "CREATE TABLE t_3 (id integer); INSERT INTO ledger VALUES (3);" "DROP TABLE t_3;"
	start_up postgres "$url"
	pg_active_strata "$url" pg_sleep >/dev/null
	kill -KILL "$PID"
	wait "$PID" || true
	# what a person (or a CI retry) does next: run it again at once
	run --separate-stderr "$STRATA" -d "$url" -p migrations up
	[ "$status" -eq 0 ]
	pg_wait_idle "$url"
	all_three_applied postgres "$url"
	[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations_log WHERE result <> 'ok'")" = 0 ]
}

# ------------------------------------------------------------------ SIGINT / SIGTERM

@test "SQLite: SIGINT at random moments: stops with a message, exit 130, the migration in progress rolled back" {
	signal_trials sqlite crash.db INT
}

@test "SQLite: SIGTERM at random moments: the same" {
	signal_trials sqlite crash.db TERM
}

@test "PostgreSQL: SIGINT at random moments: stops with a message, exit 130, the migration in progress rolled back" {
	require_pg
	url=$(make_pg_db)
	signal_trials postgres "$url" INT
}

@test "PostgreSQL: SIGTERM at random moments: the same" {
	require_pg
	url=$(make_pg_db)
	signal_trials postgres "$url" TERM
}

@test "SQLite: SIGINT in a long statement cancels it at once, rolls back, says so; a re-run goes on" {
	write_migration migrations 000001 one "CREATE TABLE ledger (k integer NOT NULL); INSERT INTO ledger VALUES (1);" "DROP TABLE ledger;"
	write_migration migrations 000002 two "CREATE TABLE t_2 (id integer); INSERT INTO ledger VALUES (2);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) INSERT INTO t_2 SELECT x FROM c;" "DROP TABLE t_2;"
	write_migration migrations 000003 three "CREATE TABLE t_3 (id integer); INSERT INTO ledger VALUES (3);" "DROP TABLE t_3;"
	start_up sqlite app.db
	for i in $(seq 100); do
		grep -q 'ok   000001' run.out 2>/dev/null && break
		sleep 0.05
	done
	sleep 0.3
	kill -INT "$PID"
	wait_exit 10
	[ "$RC" -eq 130 ]
	[ "$ELAPSED_MS" -lt 3000 ]
	grep -q '^strata: interrupted; stopping, rolling back whatever is in progress' run.err
	grep -q 'ERR  000002 two' run.out run.err
	grep -q 'interrupted by a signal' run.out run.err
	grep -q 'the database is at 000001' run.out run.err
	only_first_applied sqlite app.db
	[ "$(sqlite_sql app.db "SELECT result FROM strata_migrations_log WHERE version = 2")" != ok ]
	[ "$(sqlite_sql app.db "PRAGMA integrity_check")" = ok ]
	fast_second migrations
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	all_three_applied sqlite app.db
}

@test "PostgreSQL: SIGTERM in pg_sleep cancels the statement, rolls back, says so; a re-run goes on" {
	require_pg
	url=$(make_pg_db)
	slow_second migrations
	start_up postgres "$url"
	pg_active_strata "$url" pg_sleep >/dev/null
	kill -TERM "$PID"
	wait_exit 10
	[ "$RC" -eq 143 ]
	[ "$ELAPSED_MS" -lt 5000 ]
	grep -q '^strata: interrupted; stopping, rolling back whatever is in progress' run.err
	grep -q 'interrupted by a signal' run.out run.err
	grep -q 'the database is at 000001' run.out run.err
	pg_wait_idle "$url"
	only_first_applied postgres "$url"
	fast_second migrations
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	all_three_applied postgres "$url"
}

@test "PostgreSQL: a second SIGINT quits at once; the server rolls the migration back" {
	require_pg
	url=$(make_pg_db)
	slow_second migrations
	start_up postgres "$url"
	pg_active_strata "$url" pg_sleep >/dev/null
	kill -INT "$PID"
	kill -INT "$PID" 2>/dev/null || true
	wait_exit 10
	[ "$ELAPSED_MS" -lt 5000 ]
	# stopped cleanly after the first, or ended at once by the second: 130 either way
	[ "$RC" -eq 130 ]
	pg_wait_idle "$url"
	only_first_applied postgres "$url"
	fast_second migrations
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	all_three_applied postgres "$url"
}

@test "PostgreSQL: SIGINT while strata creates its tracking tables says it was interrupted, and applies nothing" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 000001 one "CREATE TABLE one (id int);" "DROP TABLE one;"
	# another session creates the log table and does not commit: strata's
	# CREATE TABLE IF NOT EXISTS waits for it
	(
		psql -X -q -d "$url" -c "BEGIN" -c "CREATE TABLE strata_migrations_log (x int)" -c "SELECT pg_sleep(30)" \
			>/dev/null 2>&1
	) 3>&- &
	blocker=$!
	for i in $(seq 100); do
		[ "$(pg_sql "$url" "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND query LIKE '%pg_sleep(30)%' AND application_name = 'psql'")" = 1 ] && break
		sleep 0.05
	done
	start_up postgres "$url"
	for i in $(seq 200); do
		[ -n "$(pg_sql "$url" "SELECT pid FROM pg_stat_activity WHERE datname = current_database()
			AND application_name = 'strata' AND wait_event_type = 'Lock'")" ] && break
		sleep 0.05
	done
	kill -INT "$PID"
	wait_exit 10
	pg_sql "$url" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'psql' AND pid <> pg_backend_pid()" >/dev/null
	wait "$blocker" || true
	[ "$RC" -eq 130 ]
	grep -q '^strata: interrupted; stopping, rolling back whatever is in progress' run.err
	grep -Eq 'interrupted (by a signal|before)' run.err
	if grep -q 'canceling statement due to user request' run.err; then
		cat run.err
		false
	fi
	[ "$(pg_sql "$url" "SELECT to_regclass('one') IS NULL")" = t ]
}

# ------------------------------------------------------------------ lost server

@test "PostgreSQL: strata's backends terminated mid-migration: exit 1, a clear error, nothing recorded, a re-run works" {
	require_pg
	url=$(make_pg_db)
	slow_second migrations
	start_up postgres "$url"
	pg_active_strata "$url" pg_sleep >/dev/null
	# what a DBA does: terminate every strata session (the migration's and the lock's)
	pg_sql "$url" "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'strata'" >/dev/null
	wait_exit 10
	[ "$RC" -eq 1 ]
	grep -q 'ERR  000002 two' run.out run.err
	grep -q 'terminating connection due to administrator command' run.err
	pg_wait_idle "$url"
	only_first_applied postgres "$url"
	[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations_log WHERE version = 2 AND result = 'ok'")" = 0 ]
	fast_second migrations
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	all_three_applied postgres "$url"
}

@test "PostgreSQL: a lost connection is not blamed on the migration file" {
	require_pg
	url=$(make_pg_db)
	slow_second migrations
	start_up postgres "$url"
	pid=$(pg_active_strata "$url" pg_sleep)
	pg_sql "$url" "SELECT pg_terminate_backend($pid)" >/dev/null
	wait_exit 10
	[ "$RC" -eq 1 ]
	grep -q 'terminating connection due to administrator command' run.err
	# the file is fine: the advice must be to run again, not to fix it
	if grep -q 'Fix the file' run.out run.err; then
		cat run.out run.err
		false
	fi
	if grep -q '000002_two.up.sql:[0-9]' run.err; then
		cat run.err
		false
	fi
}

# start_own_pg: a cluster of this test's own (it gets restarted), in
# $BATS_TEST_TMPDIR/pg; sets OWN_PG, OWN_URL, OWN_DATA, PG_BIN.
start_own_pg() {
	OWN_PG=$BATS_TEST_TMPDIR/pg
	STRATA_TEST_PG_FIRST_PORT=$((56000 + RANDOM % 2000)) \
		"$STRATA_SOURCE_DIR/tests/pg.sh" start "$OWN_PG" >own.env 2>own.log || {
		cat own.log >&2
		return 1
	}
	OWN_URL=$(sed -n 's/^export STRATA_TEST_PG_URL=//p' own.env)
	OWN_DATA=$(readlink -m "$OWN_PG")/data
	PG_BIN=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
	[ -x "$PG_BIN/pg_ctl" ] || PG_BIN=/usr/lib/postgresql/15/bin
	# pg.sh turns synchronous_commit off for speed, and a crash then loses the
	# last commits; a crash test needs commits to be durable
	pg_sql "$OWN_URL" "ALTER SYSTEM SET synchronous_commit = on" >/dev/null
	pg_sql "$OWN_URL" "SELECT pg_reload_conf()" >/dev/null
}

# own_pg_ctl ARGS...: pg_ctl on the own cluster, as its owner.
own_pg_ctl() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$OWN_DATA" "$@")
	else
		"$PG_BIN/pg_ctl" -D "$OWN_DATA" "$@"
	fi
}

@test "PostgreSQL: the server crashes and restarts mid-migration: exit 1, nothing recorded for it, a re-run works" {
	require_pg
	start_own_pg
	url="${OWN_URL%/*}/postgres"
	slow_second migrations
	start_up postgres "$url"
	pg_active_strata "$url" pg_sleep >/dev/null
	# a crash: no shutdown checkpoint, the server recovers from WAL when it starts
	own_pg_ctl stop -m immediate -w >/dev/null
	wait_exit 10
	[ "$RC" -eq 1 ]
	grep -q 'ERR  000002 two' run.out run.err
	grep -Eq 'server closed the connection|terminating connection|connection to server' run.err
	[[ "$(cat run.out run.err)" != *"ok   000002"* ]]
	own_pg_ctl start -l "$(readlink -m "$OWN_PG")/postgres.log" -w -t 60 >/dev/null
	only_first_applied postgres "$url"
	[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations_log WHERE version = 2 AND result = 'ok'")" = 0 ]
	# while the server is down: one clear line, exit 1
	own_pg_ctl stop -m fast -w >/dev/null
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
	[[ "$stderr" == *"cannot connect to"*"Connection refused"* ]]
	own_pg_ctl start -l "$(readlink -m "$OWN_PG")/postgres.log" -w -t 60 >/dev/null
	fast_second migrations
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	all_three_applied postgres "$url"
}

@test "PostgreSQL: a fast restart mid-migration (administrator shutdown): exit 1, rolled back, a re-run works" {
	require_pg
	start_own_pg
	url="${OWN_URL%/*}/postgres"
	slow_second migrations
	start_up postgres "$url"
	pg_active_strata "$url" pg_sleep >/dev/null
	own_pg_ctl restart -m fast -w -l "$(readlink -m "$OWN_PG")/postgres.log" >/dev/null
	wait_exit 10
	[ "$RC" -eq 1 ]
	grep -q 'ERR  000002 two' run.out run.err
	only_first_applied postgres "$url"
	fast_second migrations
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	all_three_applied postgres "$url"
}

# ------------------------------------------------------------------ fleets

# fleet_runners N CMD...: N copies of CMD at once (each bounded by timeout);
# exit codes in frc.J, output in fout.J / ferr.J.
fleet_runners() {
	local n=$1 j pids=()
	shift
	for j in $(seq 1 "$n"); do
		(
			timeout 300 "$@" >"fout.$j" 2>"ferr.$j"
			echo $? >"frc.$j"
		) 3>&- &
		pids+=($!)
	done
	wait "${pids[@]}"
}

# fleet_all_ok N: every runner exited 0 (124: timeout, a deadlock).
fleet_all_ok() {
	local j
	for j in $(seq 1 "$1"); do
		if [ "$(cat "frc.$j")" -ne 0 ]; then
			echo "runner $j exited $(cat "frc.$j"):" >&2
			cat "fout.$j" "ferr.$j" >&2
			return 1
		fi
	done
}

@test "SQLite fleet: 5 runners at once on the same glob of 8 files apply each migration once per file" {
	crash_migrations migrations
	mkdir data
	for i in $(seq 1 8); do
		sqlite3 "data/tenant_$i.db" "PRAGMA user_version = 1"
	done
	fleet_runners 5 "$STRATA" -d 'sqlite:data/tenant_*.db' -p migrations up -j 3
	fleet_all_ok 5
	for i in $(seq 1 8); do
		check_consistent sqlite "data/tenant_$i.db" "file $i after 5 fleet runners"
		[ "$APPLIED" -eq "$NMIG" ]
		[ "$(sqlite_sql "data/tenant_$i.db" "SELECT count(*), count(DISTINCT k) FROM ledger")" = "$NMIG|$NMIG" ]
	done
	# each (file, migration) reported "ok" by exactly one runner
	[ "$(cat fout.* ferr.* | grep -c 'FAIL')" -eq 0 ]
}

@test "PostgreSQL schema fleet: 5 runners at once on the same 6 schemas apply each migration once per schema" {
	require_pg
	url=$(make_pg_db)
	for i in $(seq 1 6); do
		pg_sql "$url" "CREATE SCHEMA tenant_$i" >/dev/null
	done
	crash_migrations migrations
	fleet_runners 5 "$STRATA" -d "$url" --schemas 'tenant_*' -p migrations up -j 3
	fleet_all_ok 5
	for i in $(seq 1 6); do
		s=tenant_$i
		[ "$(pg_sql "$url" "SELECT count(*), count(DISTINCT version) FROM $s.strata_migrations")" = "$NMIG|$NMIG" ]
		[ "$(pg_sql "$url" "SELECT count(*), count(DISTINCT k) FROM $s.ledger")" = "$NMIG|$NMIG" ]
		[ "$(pg_sql "$url" "SELECT count(*) FROM pg_tables WHERE schemaname = '$s' AND tablename LIKE 't\_%'")" = "$NMIG" ]
		[ "$(pg_sql "$url" "SELECT count(*) FROM $s.strata_migrations_log WHERE action = 'up' AND result = 'ok'")" = "$NMIG" ]
	done
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ]
	# no lock left behind
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")" -eq 0 ]
}

@test "PostgreSQL --targets fleet: 4 runners at once on the same 4 databases, each migration once per database" {
	require_pg
	: >targets.txt
	for i in 1 2 3 4; do
		make_pg_db "t_crash_fleet_$i" >>targets.txt
	done
	crash_migrations migrations
	fleet_runners 4 "$STRATA" --targets targets.txt -p migrations up -j 2
	fleet_all_ok 4
	while read -r u; do
		check_consistent postgres "$u" "$u after 4 fleet runners"
		[ "$APPLIED" -eq "$NMIG" ]
	done <targets.txt
}
