#!/usr/bin/env bats
# typing.bats - what a user coming from golang-migrate or dbmate types by
# habit or by mistake: did-you-mean for commands and options (exit 2),
# golang-migrate's one-dash long options never read as clusters of short
# ones, -f only where golang-migrate has it (drop -f), and extra arguments
# refused by every command (history 3 -> --limit 3).

load helpers

setup() {
	strata_setup
	write_migration migrations 000001 create_projects "CREATE TABLE projects (id integer);" "DROP TABLE projects;"
	write_migration migrations 000002 create_users "CREATE TABLE users (id integer);" "DROP TABLE users;"
}

teardown() {
	strata_teardown
}

@test "a mistyped command gets did-you-mean, exit 2" {
	run --separate-stderr strata -d app.db stauts
	[ "$status" -eq 2 ]
	[ "$stderr" = 'strata: unknown command "stauts"; did you mean "status"? (see strata --help)' ]
	run --separate-stderr strata -d app.db histroy
	[ "$status" -eq 2 ]
	[ "$stderr" = 'strata: unknown command "histroy"; did you mean "history"? (see strata --help)' ]
	run --separate-stderr strata -d app.db vaildate
	[ "$stderr" = 'strata: unknown command "vaildate"; did you mean "validate"? (see strata --help)' ]
	# nothing close: no guess
	run --separate-stderr strata -d app.db frobnicate
	[ "$status" -eq 2 ]
	[ "$stderr" = 'strata: unknown command "frobnicate" (see strata --help)' ]
	[ ! -e app.db ]
}

@test "a mistyped option gets did-you-mean, exit 2, with one dash or two" {
	run --separate-stderr strata -d app.db up --dry-rn
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: unknown option --dry-rn; did you mean --dry-run? (see strata --help)" ]
	run --separate-stderr strata -databse app.db up
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: unknown option -databse; did you mean --database? (see strata --help)" ]
	run --separate-stderr strata create -digitz 4 -seq x
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: unknown option -digitz; did you mean --digits? (see strata --help)" ]
	run --separate-stderr strata -d app.db up --bogus
	[ "$stderr" = "strata: unknown option --bogus (see strata --help)" ]
	[ ! -e app.db ]
}

@test "golang-migrate's -digits N is an option of its own, never -d igits" {
	run strata create -ext sql -dir db -seq -digits 4 create_users
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "db/0001_create_users.up.sql" ]
	[ "${lines[1]}" = "db/0001_create_users.down.sql" ]
	[ ! -e igits ]
	# short options still take attached values
	run strata -dapp.db -pmigrations up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 2 ]
}

@test "-f is golang-migrate's drop -f and nothing else" {
	run strata -d app.db up
	[ "$status" -eq 0 ]
	for cmd in down "goto 0" "force 1" up redo; do
		# shellcheck disable=SC2086
		run --separate-stderr strata -d app.db $cmd -f
		[ "$status" -eq 2 ]
		[ "$stderr" = "strata: unknown option -f for ${cmd%% *} (golang-migrate's -f is drop's alone; to confirm, use --yes)" ]
	done
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 2 ]
	run strata -d app.db drop -f
	[ "$status" -eq 0 ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE type = 'table'")" ]
}

@test "extra arguments are refused by every command, exit 2; history 3 suggests --limit 3" {
	run strata -d app.db up
	run --separate-stderr strata -d app.db history 3
	[ "$status" -eq 2 ]
	[ "$stderr" = 'strata history: unexpected argument "3"; did you mean --limit 3?' ]
	for cmd in status version validate redo adopt drop history; do
		run --separate-stderr strata -d app.db $cmd extra
		[ "$status" -eq 2 ]
		[ "$stderr" = "strata $cmd: unexpected argument \"extra\" ($cmd takes none; see strata --help)" ]
	done
	run --separate-stderr strata -d app.db up 1 2
	[ "$status" -eq 2 ]
	[ "$stderr" = 'strata up: unexpected argument "2" (up takes one: [N])' ]
	run --separate-stderr strata -d app.db create a b
	[ "$status" -eq 2 ]
	[ "$stderr" = 'strata create: unexpected argument "b" (create takes one: NAME)' ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 2 ]
}

@test "history --limit N shows the last N entries" {
	run strata -d app.db up
	run strata -d app.db down --yes
	run strata -d app.db history
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	all=("${lines[@]}")
	run strata -d app.db history --limit 2
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "${all[0]}" ]
	[ "${lines[1]}" = "${all[2]}" ]
	[ "${lines[2]}" = "${all[3]}" ]
	[[ "${lines[2]}" == *" down "*" create_users "*" ok" ]]
	run strata -d app.db history --json -limit 1
	[ "$(printf '%s' "$output" | jq -r 'length, .[0].action')" = "$(printf '1\ndown')" ]
	run --separate-stderr strata -d app.db history --limit 0
	[ "$status" -eq 2 ]
	[ "$stderr" = 'strata: --limit: "0" is not a positive number' ]
}
