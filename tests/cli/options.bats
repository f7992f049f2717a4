#!/usr/bin/env bats
# options.bats - each command's options come from the tables its row names
# (src/cli/cmd_*.c): strata CMD --help lists exactly those, strata help lists
# every table's, an option of another command is accepted and means nothing
# (golang-migrate's spellings before or after any command), and a strict one
# (drop's -f) is refused by the others.

load helpers

# The long options a help text lists, sorted, one a line.
long_options() {
	printf '%s\n' "$1" | sed -n 's/^  \(-[a-z], \|    \)--\([a-z-]*\).*/\2/p' | sort
}

@test "strata history --help lists exactly history's options" {
	run strata history --help
	[ "$status" -eq 0 ]
	[ "$(long_options "$output" | tr '\n' ' ')" = "config database env-file help json limit no-color quiet table verbose " ]
}

@test "strata create --help and strata new --help list exactly create's options, and the same" {
	run strata create --help
	[ "$status" -eq 0 ]
	[ "$(long_options "$output" | tr '\n' ' ')" = "allow-destructive config digits env-file format from-schema help no-color online path quiet scratch scratch-setup seq tz verbose " ]
	create=$(long_options "$output")
	run strata new --help
	[ "$(long_options "$output")" = "$create" ]
}

@test "strata wait --help and strata drop --help list exactly their options" {
	run strata wait --help
	[ "$(long_options "$output" | tr '\n' ' ')" = "config database env-file help no-color quiet verbose wait-timeout " ]
	run strata drop --help
	[ "$(long_options "$output" | tr '\n' ' ')" = "backup config database dry-run env-file help json lease lock lock-wait no-color quiet table verbose yes " ]
}

@test "every option of a command's help is in strata help, and every one of strata help is some command's" {
	run strata help
	all=$(long_options "$output")
	seen=""
	for c in $(printf '%s\n' "$output" | awk '/^Commands:/ { on = 1; next } /^Options/ { on = 0 } on && /^  [a-z]/ { print $1 }'); do
		run strata "$c" --help
		for o in $(long_options "$output"); do
			printf '%s\n' "$all" | grep -qx -- "$o"
			seen="$seen$o"$'\n'
		done
	done
	[ "$(printf '%s' "$seen" | sort -u)" = "$all" ]
}

@test "an option of another command is accepted before or after any command; drop's -f is drop's alone" {
	write_migration migrations 000001 a "CREATE TABLE a (x);" "DROP TABLE a;"
	strata -d sqlite:app.db up
	run --separate-stderr strata -d sqlite:app.db --seq status --limit 3 --all
	[ "$status" -eq 0 ]
	run --separate-stderr strata -d sqlite:app.db status -f
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: unknown option -f for status (golang-migrate's -f is drop's alone; to confirm, use --yes)" ]
	run --separate-stderr strata -d sqlite:app.db --lock-retrys 2 status
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: unknown option --lock-retrys; did you mean --lock-retries? (see strata --help)" ]
}
