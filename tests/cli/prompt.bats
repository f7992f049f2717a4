#!/usr/bin/env bats
# prompt.bats - what a person at a terminal sees and does: a [y/N] prompt
# answered no or left with Ctrl-C (exit 130 at once, nothing done), a run
# stopped by SIGINT (exit 130 after the rollback), colour and NO_COLOR, and
# the live line of the migration that is running.
# The terminal is a real pseudo-terminal (tests/cli/pty_run.py, python3's
# pty module): Ctrl-C there is the terminal's own SIGINT, as for a person.

load helpers

setup() {
	strata_setup
	write_migration migrations 000001 create_projects "CREATE TABLE projects (id integer);" "DROP TABLE projects;"
	write_migration migrations 000002 create_users "CREATE TABLE users (id integer);" "DROP TABLE users;"
	PTY="python3 $BATS_TEST_DIRNAME/pty_run.py"
}

teardown() {
	strata_teardown
}

applied() {
	sqlite_sql app.db "SELECT count(*) FROM strata_migrations"
}

@test "answering n at the prompt says nothing done, and does nothing" {
	run strata -d app.db up
	[ "$status" -eq 0 ]
	run $PTY n "$STRATA" -d app.db down
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "strata: on app.db this will roll back:" ]
	[ "${lines[1]}" = "  down 000002 create_users" ]
	[ "${lines[2]}" = "Go ahead? [y/N] n" ]
	[ "${lines[3]}" = "strata: nothing done" ]
	[ "${#lines[@]}" -eq 4 ]
	[ "$(applied)" = 2 ]
	run $PTY y "$STRATA" -d app.db down
	[ "$status" -eq 0 ]
	[ "$(applied)" = 1 ]
}

@test "Ctrl-C at the prompt exits at once with 130, nothing done" {
	run strata -d app.db up
	for cmd in "down" "goto 0" "force 1" "drop"; do
		# shellcheck disable=SC2086
		run $PTY ^C "$STRATA" -d app.db $cmd
		[ "$status" -eq 130 ]
		[[ "$output" == *"[y/N] ^C"* ]]
		[ "${lines[${#lines[@]} - 1]}" = "strata: interrupted; nothing done" ]
		[ "$(applied)" = 2 ]
	done
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name IN ('projects', 'users')")" = 2 ]
}

@test "SIGINT during a run: rolled back, exit 130; the exit codes are in --help and the man page" {
	write_migration migrations 000003 slow "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000000)
SELECT count(*) FROM c;" "SELECT 1;"
	"$STRATA" -d app.db up >run.out 2>run.err &
	pid=$!
	for i in $(seq 100); do
		[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations" 2>/dev/null)" = 2 ] && break
		sleep 0.05
	done
	sleep 0.2
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 130 ]
	grep -q '^strata: interrupted; stopping, rolling back whatever is in progress' run.err
	grep -q 'ERR  000003 slow' run.err
	[ "$(applied)" = 2 ]

	run strata --help
	[[ "$output" == *"130 interrupted (Ctrl-C; 143 for TERM): at a prompt nothing was done, during"$'\n'"  a run the migration in progress was rolled back."* ]]
	grep -q '130' "$STRATA_SOURCE_DIR/doc/strata.1"
	grep -q 'nothing done' "$STRATA_SOURCE_DIR/doc/strata.1"
}

@test "colour on a terminal; NO_COLOR=1 turns it off, NO_COLOR set empty does not" {
	run strata -d app.db up
	run env -u NO_COLOR $PTY - "$STRATA" -d bad:// status
	[[ "$output" == *$'\033['* ]]
	run env NO_COLOR= $PTY - "$STRATA" -d bad:// status
	[ "$status" -eq 2 ]
	[[ "$output" == *$'\033[31m'* ]]
	run env NO_COLOR=1 $PTY - "$STRATA" -d bad:// status
	[ "$status" -eq 2 ]
	[[ "$output" != *$'\033'* ]]
	# and never without a terminal
	run env -u NO_COLOR "$STRATA" -d bad:// status
	[[ "$output" != *$'\033'* ]]
}

@test "on a terminal the running migration is a live line with its elapsed time, replaced by its ok line" {
	write_migration migrations 000003 slow "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000)
SELECT count(*) FROM c;" "SELECT 1;"
	run env NO_COLOR=1 $PTY - "$STRATA" -d app.db up
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "strata: app.db - 3 to run" ]
	[[ "${lines[1]}" == "  run  000001 create_projects"$'\r\033[K'"  ok   000001 create_projects "*" ms" ]]
	[[ "${lines[3]}" == "  run  000003 slow"$'\r'"  run  000003 slow  1 s"$'\r'*$'\r\033[K'"  ok   000003 slow "* ]]
	[[ "$output" != *applying* ]]
	[ "$(applied)" = 3 ]
}
