#!/usr/bin/env bats
# help.bats - help where people look for it: strata help, strata help CMD and
# strata CMD --help give the synopsis, the options that apply to that command
# and examples, all generated from the command table, and every help text
# fits an 80-column terminal.

load helpers

# Every command of the table, as `strata help` lists them.
all_commands() {
	strata help | awk '/^Commands:/ { on = 1; next } /^Options/ { on = 0 } on && /^  [a-z]/ { print $1 }'
}

@test "strata help lists every command and the other tools' verbs, on stdout, exit 0" {
	run --separate-stderr strata help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: strata [options] <command> [args]" ]
	[ -z "$stderr" ]
	for c in up down goto redo status version validate create force baseline accept adopt drop history help \
		upgrade downgrade current stamp heads new migrate rollback wait; do
		[[ "$output" == *$'\n'"  $c "* ]]
	done
	[[ "$output" == *"The verbs of other tools (strata help NAME says what each one does):"* ]]
	[[ "$output" == *"  upgrade head|+N|V       Alembic: up, up N, or up to V"* ]]
	[[ "$output" == *"  wait                    dbmate: wait until the database accepts connections"* ]]
	# --help and -h say the same
	[ "$(strata --help)" = "$output" ]
	[ "$(strata -h)" = "$output" ]
}

@test "every help text fits 80 columns, and strata CMD --help is strata help CMD" {
	n=0
	for c in "" $(all_commands); do
		# shellcheck disable=SC2086
		run strata help $c
		[ "$status" -eq 0 ]
		long=$(printf '%s\n' "$output" | awk 'length($0) > 80 { print length($0) ": " $0 }')
		if [ -n "$long" ]; then
			echo "strata help $c: lines over 80 columns:"
			echo "$long"
			return 1
		fi
		if [ -n "$c" ]; then
			[[ "${lines[0]}" == "usage: strata [options] $c" || "${lines[0]}" == "usage: strata [options] $c "* ]]
			[[ "$output" == *$'\nOptions:\n'* ]]
			[[ "$output" == *$'\nExamples:\n  strata '* ]]
			# two or three examples, each a strata command line
			ex=$(printf '%s\n' "$output" | sed -n '/^Examples:/,$p' | tail -n +2)
			[ "$(printf '%s\n' "$ex" | wc -l)" -ge 2 ]
			[ "$(printf '%s\n' "$ex" | grep -vc '^  strata ')" -eq 0 ]
			[ "$(strata "$c" --help)" = "$output" ]
			[ "$(strata "$c" -h)" = "$output" ]
		fi
		n=$((n + 1))
	done
	[ "$n" -ge 25 ]
}

@test "strata help up: synopsis, what it does, the options of up and not those of create" {
	run strata help up
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: strata [options] up [N]" ]
	[ "${lines[1]}" = "Apply all pending migrations, or the next N." ]
	[[ "$output" == *"  -d, --database URL          database URL (or DATABASE_URL, or database= in"* ]]
	[[ "$output" == *"      --dry-run "* ]]
	[[ "$output" == *"      --single-transaction "* ]]
	[[ "$output" == *"      --targets FILE "* ]]
	[[ "$output" != *"--seq"* ]]
	[[ "$output" != *"--limit"* ]]
	[[ "$output" != *"--exit-code"* ]]
	[[ "$output" == *$'\nExamples:\n  strata -d sqlite:app.db up\n'* ]]
}

@test "strata help create lists create's options, not the database's" {
	run strata help create
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: strata [options] create NAME" ]
	[[ "$output" == *"      --seq "* ]]
	[[ "$output" == *"      --digits N "* ]]
	[[ "$output" == *"      --tz ZONE "* ]]
	[[ "$output" == *"  -p, --path DIR "* ]]
	[[ "$output" != *"--database"* ]]
	[[ "$output" != *"--single-transaction"* ]]
	[[ "$output" != *"--yes"* ]]
}

@test "help of status, history and down: their own options" {
	run strata help status
	[[ "$output" =~ $'\n'"      --exit-code "+"with status: exit 1 when a migration is pending" ]]
	[[ "$output" != *"--yes"* ]]
	run strata help history
	[[ "$output" =~ $'\n'"      --limit N "+"with history: only the last N entries"$'\n' ]]
	[[ "$output" != *"--path"* ]]
	run strata help down
	[[ "$output" == *"      --all "* ]]
	[[ "$output" == *"  -y, --yes "* ]]
	run strata help wait
	[[ "$output" == *"      --wait-timeout SECONDS  with wait: give up after this long (default 60s)"* ]]
	[[ "$output" == *"  -d, --database URL "* ]]
	[[ "$output" != *"--path"* ]]
}

@test "an alias's help says which tool it comes from and what it does in strata" {
	run strata help stamp
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: strata [options] stamp head|base|V" ]
	[[ "$output" == *"From Alembic: stamp V is strata force V:"* ]]
	[[ "$output" == *"  -y, --yes "* ]]
	run strata rollback --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: strata [options] rollback" ]
	[[ "$output" == *"From dbmate: rollback is strata down:"* ]]
	[[ "$output" == *"  -y, --yes "* ]]
}

@test "strata help with a mistyped or extra command is refused, with a suggestion" {
	run --separate-stderr strata help stauts
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = 'strata help: unknown command "stauts"; did you mean "status"? (see strata help)' ]
	run --separate-stderr strata help nosuchthing
	[ "$status" -eq 2 ]
	[ "$stderr" = 'strata help: unknown command "nosuchthing" (see strata help)' ]
	run --separate-stderr strata help up down
	[ "$status" -eq 2 ]
	[ "$stderr" = 'strata help: unexpected argument "down" (help takes one: [COMMAND])' ]
}

@test "help needs no database, no migrations and no readable strata.ini" {
	printf 'this is [ not an ini\n' >strata.ini
	run strata help up
	[ "$status" -eq 0 ]
	run strata up --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: strata [options] up [N]" ]
}
