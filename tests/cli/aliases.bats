#!/usr/bin/env bats
# aliases.bats - the verbs users of Alembic and dbmate type: each does what
# the strata command it stands for does, prompts and refuses as that command
# does, and says so in its help. Alembic: upgrade, downgrade, current,
# stamp, heads; dbmate: new, migrate, rollback, status --exit-code, wait.

load helpers

setup() {
	strata_setup
	for i in 1 2 3 4; do
		write_migration migrations 00000$i "step_$i" "CREATE TABLE t$i (id integer);" "DROP TABLE t$i;"
	done
	export DATABASE_URL=sqlite:app.db
	PTY="python3 $BATS_TEST_DIRNAME/pty_run.py"
}

teardown() {
	strata_teardown
}

applied() {
	sqlite_sql app.db "SELECT group_concat(version, ' ') FROM (SELECT version FROM strata_migrations ORDER BY version)"
}

@test "Alembic's upgrade head, upgrade +N and upgrade V apply as up, up N and goto V" {
	run strata upgrade +1
	[ "$status" -eq 0 ]
	[ "$(applied)" = "1" ]
	run strata upgrade 000003
	[ "$status" -eq 0 ]
	[ "$(applied)" = "1 2 3" ]
	run strata upgrade head
	[ "$status" -eq 0 ]
	[ "$(applied)" = "1 2 3 4" ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name LIKE 't_'")" = 4 ]
	run strata upgrade heads
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
}

@test "upgrade never rolls back, and needs head, +N or a version" {
	strata up 3
	run --separate-stderr strata upgrade 000001
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata upgrade: 000001 is below the current version: an upgrade never rolls back (use strata downgrade 000001)" ]
	[ "$(applied)" = "1 2 3" ]
	run --separate-stderr strata upgrade
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata upgrade: expected one of head, +N or a version (see strata help upgrade)" ]
	run --separate-stderr strata upgrade sideways
	[ "$status" -eq 2 ]
	[ "$stderr" = 'strata upgrade: "sideways" is not a version, head or a step (see strata help upgrade)' ]
}

@test "downgrade -1 asks exactly as down does, and refuses without a terminal" {
	strata up
	run --separate-stderr strata down
	down_status=$status down_err=$stderr
	run --separate-stderr strata downgrade -1
	[ "$status" -eq "$down_status" ]
	[ "$status" -eq 2 ]
	[ "$stderr" = "$down_err" ]
	[ "${stderr_lines[0]}" = "strata: on sqlite:app.db this will roll back:" ]
	[ "${stderr_lines[1]}" = "  down 000004 step_4" ]
	[ "$(applied)" = "1 2 3 4" ]
	run $PTY n "$STRATA" downgrade -1
	[ "$status" -eq 2 ]
	[ "${lines[2]}" = "Go ahead? [y/N] n" ]
	[ "${lines[3]}" = "strata: nothing done" ]
	[ "$(applied)" = "1 2 3 4" ]
	run $PTY y "$STRATA" downgrade -1
	[ "$status" -eq 0 ]
	[ "$(applied)" = "1 2 3" ]
}

@test "downgrade -N, V and base are down N, goto V and down --all; never up" {
	strata up
	run strata downgrade -2 --yes
	[ "$status" -eq 0 ]
	[ "$(applied)" = "1 2" ]
	run --separate-stderr strata downgrade 000004 --yes
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata downgrade: 000004 is above the current version: a downgrade never applies anything (use strata upgrade 000004)" ]
	run strata downgrade 000001 --yes
	[ "$status" -eq 0 ]
	[ "$(applied)" = "1" ]
	run strata downgrade base --yes
	[ "$status" -eq 0 ]
	[ "$(applied)" = "" ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name LIKE 't_'")" = 0 ]
}

@test "current prints what version prints; heads the newest file, without a database" {
	strata up 2
	run --separate-stderr strata current
	[ "$status" -eq 0 ]
	[ "$output" = "2" ]
	[ "$output" = "$(strata version)" ]
	[ "$(strata current --json)" = "$(strata version --json)" ]
	unset DATABASE_URL
	run --separate-stderr strata heads
	[ "$status" -eq 0 ]
	[ "$output" = "000004 step_4 (head)" ]
}

@test "stamp is force: asks as force does, records exactly up to V, runs nothing" {
	strata up 1
	sqlite_sql app.db "DROP TABLE t1"
	run --separate-stderr strata force 000003
	force_err=$stderr
	run --separate-stderr strata stamp 000003
	[ "$status" -eq 2 ]
	[ "$stderr" = "$force_err" ]
	[ "${stderr_lines[0]}" = "strata: on sqlite:app.db this will change the recorded state, running nothing:" ]
	[ "${stderr_lines[1]}" = "  record   000002 step_2" ]
	[ "$(applied)" = "1" ]
	run strata stamp head --yes
	[ "$status" -eq 0 ]
	[ "$(applied)" = "1 2 3 4" ]
	# it says what force says: recorded, not run
	[[ "$output" == *" - 3 to record"* ]]
	[[ "$output" == *"recorded 000004 step_4"* ]]
	# nothing ran: the tables are not there
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name LIKE 't_'")" = 0 ]
	run strata stamp 000002 --yes
	[ "$status" -eq 0 ]
	[ "$(applied)" = "1 2" ]
	run strata stamp base --yes
	[ "$status" -eq 0 ]
	[ "$(applied)" = "" ]
	run strata history
	[[ "$output" == *"force"* ]]
}

@test "dbmate's new, migrate and rollback are create, up and down 1" {
	run strata new add_orders
	[ "$status" -eq 0 ]
	ls migrations/*_add_orders.up.sql migrations/*_add_orders.down.sql
	rm migrations/*_add_orders.*
	run strata migrate
	[ "$status" -eq 0 ]
	[ "$(applied)" = "1 2 3 4" ]
	run --separate-stderr strata migrate 2
	[ "$status" -eq 2 ]
	[ "$stderr" = 'strata migrate: unexpected argument "2" (migrate takes none; see strata --help)' ]
	run --separate-stderr strata rollback
	[ "$status" -eq 2 ]
	[ "${stderr_lines[1]}" = "  down 000004 step_4" ]
	[ "$(applied)" = "1 2 3 4" ]
	run strata rollback --yes
	[ "$status" -eq 0 ]
	[ "$(applied)" = "1 2 3" ]
}

@test "status --exit-code exits 1 while something is pending, 0 when not (dbmate's, for CI)" {
	strata up 3
	run strata status --exit-code
	[ "$status" -eq 1 ]
	[[ "$output" == *"3 applied, 1 pending; at 000003"* ]]
	run strata status --exit-code --json
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq .counts.pending)" = 1 ]
	run strata status
	[ "$status" -eq 0 ]
	strata up
	run strata status --exit-code
	[ "$status" -eq 0 ]
}

@test "wait on an SQLite file: at once when it is there, exit 1 after --wait-timeout when not" {
	strata up 1
	run --separate-stderr strata wait
	[ "$status" -eq 0 ]
	[ "$output" = "strata: sqlite:app.db accepts connections (no wait)" ]
	start=$(date +%s.%N)
	run --separate-stderr strata -d sqlite:missing.db wait --wait-timeout 1.5
	end=$(date +%s.%N)
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "strata: waiting for sqlite:missing.db to accept connections (up to 1.5 s)" ]
	[ "${stderr_lines[1]}" = "strata wait: sqlite:missing.db did not accept connections within 1.5 s (--wait-timeout); the last attempt said:" ]
	[[ "${stderr_lines[2]}" == "strata: SQLite database missing.db does not exist"* ]]
	awk -v s="$start" -v e="$end" 'BEGIN { exit !(e - s >= 1.4 && e - s < 4) }'
	[ ! -e missing.db ]
	run --separate-stderr strata wait --wait-timeout soon
	[ "$status" -eq 2 ]
	[ "$stderr" = 'strata: --wait-timeout: "soon" is not a duration (60, 60s, 500ms, 2m)' ]
	unset DATABASE_URL
	run --separate-stderr strata wait
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata wait: no database given (-d URL, DATABASE_URL, or database= in strata.ini)" ]
}

@test "wait for an SQLite file that appears while waiting" {
	(sleep 1.2 && sqlite3 later.db "CREATE TABLE x (id integer)") &
	run --separate-stderr strata -d sqlite:later.db wait --wait-timeout 10
	wait
	[ "$status" -eq 0 ]
	[ "$output" = "strata: sqlite:later.db accepts connections" ]
	[ "$stderr" = "strata: waiting for sqlite:later.db to accept connections (up to 10 s)" ]
}

@test "PostgreSQL: wait returns at once for a server that is up, times out on a closed port" {
	require_pg
	url=$(make_pg_db)
	run --separate-stderr strata -d "$url" wait
	[ "$status" -eq 0 ]
	[ "$output" = "strata: ${url} accepts connections (no wait)" ]
	# a port nobody listens on
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	run --separate-stderr strata -d "postgres://postgres@127.0.0.1:$port/x" wait --wait-timeout 2
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "strata: waiting for postgres://postgres@127.0.0.1:$port/x to accept connections (up to 2 s)" ]
	[[ "$stderr" == *"did not accept connections within 2 s (--wait-timeout)"* ]]
}

@test "PostgreSQL: upgrade head, current, downgrade base, stamp head" {
	require_pg
	url=$(make_pg_db)
	export DATABASE_URL=$url
	run strata upgrade head
	[ "$status" -eq 0 ]
	[ "$(strata current)" = "4" ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_tables WHERE tablename IN ('t1', 't2', 't3', 't4')")" = 4 ]
	run strata downgrade base --yes
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_tables WHERE tablename IN ('t1', 't2', 't3', 't4')")" = 0 ]
	run strata stamp head --yes
	[ "$status" -eq 0 ]
	[ "$(strata current)" = "4" ]
	run strata status --exit-code
	[ "$status" -eq 0 ]
}

@test "each verb is documented with its tool in the README, the man page and strata help" {
	for pair in upgrade:Alembic downgrade:Alembic current:Alembic stamp:Alembic heads:Alembic \
		new:dbmate migrate:dbmate rollback:dbmate wait:dbmate "status --exit-code:dbmate"; do
		verb=${pair%:*} tool=${pair#*:}
		grep -qE "^\| \`$verb[^|]*\` \| $tool \|" "$STRATA_SOURCE_DIR/README.md" || {
			echo "README.md: no row for $verb from $tool"
			return 1
		}
	done
	for pair in upgrade:Alembic downgrade:Alembic current:Alembic stamp:Alembic heads:Alembic \
		new:dbmate migrate:dbmate rollback:dbmate wait:dbmate; do
		verb=${pair%:*} tool=${pair#*:}
		# the man page: the verb as a tagged paragraph, followed by "<tool>'s"
		awk -v v="$verb" -v t="$tool's" '
			/^\.TP/ { tp = 1; next }
			tp && $0 ~ "^\\.B[IR]? " v "( |$)" { want = 1; tp = 0; next }
			want { if (index($0, t) == 1) found = 1; want = 0 }
			{ tp = 0 }
			END { exit !found }' "$STRATA_SOURCE_DIR/doc/strata.1" || {
			echo "doc/strata.1: $verb is not documented as $tool's"
			return 1
		}
		run strata help "$verb"
		[[ "$output" == *"From $tool: "* ]]
	done
	grep -q 'exit\\-code' "$STRATA_SOURCE_DIR/doc/strata.1"
}
