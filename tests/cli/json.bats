#!/usr/bin/env bats
# json.bats - --json is one schema across commands (issue 13): every command
# that reports prints one JSON document on stdout, on SQLite and on
# PostgreSQL; versions are the strings the file names write, times ISO 8601
# UTC with Z, durations duration_ms; a failing command prints exactly one
# error object {"error": {code, exit_code, message, ...}} on stdout too (its
# words on stderr as always); validate's document lists its problems and
# warnings with file, line and message; a command without JSON output
# refuses --json, in the same error shape.

load helpers

setup() {
	strata_setup
	write_migration migrations 000001 create_projects "CREATE TABLE projects (id INTEGER PRIMARY KEY);" "DROP TABLE projects;"
	write_migration migrations 000002 create_tasks "CREATE TABLE tasks (id INTEGER PRIMARY KEY);" "DROP TABLE tasks;"
	write_migration migrations 000003 create_runs "CREATE TABLE runs (id INTEGER PRIMARY KEY);" "DROP TABLE runs;"
}

# one_doc: $output holds exactly one JSON document
one_doc() {
	[ "$(jq -s length <<<"$output")" = 1 ]
}

# is_error CODE EXIT: one document, whose error object has the shared fields, and the exit status matches
is_error() {
	one_doc
	jq -e --arg code "$1" --argjson exit "$2" \
		'.error | (.code == $code) and (.exit_code == $exit) and (.message | type == "string" and length > 0)' \
		<<<"$output" >/dev/null
	[ "$status" -eq "$2" ]
}

ISO='^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

# The run document (up, down, goto, redo, force, baseline, accept, stamp, ...).
run_doc_ok() {
	one_doc
	jq -e --arg cmd "$1" '(.command == $cmd) and (.database | type == "string")
		and (.migrations | type == "array") and (.applied | type == "number")
		and ((.version | type) as $t | $t == "string" or $t == "null")
		and all(.migrations[]; (.version | type == "string") and (.name | type == "string")
			and (.direction == "up" or .direction == "down") and (.result | type == "string")
			and (.duration_ms | type == "number"))
		and (has("error") | not)' <<<"$output" >/dev/null
}

# Every command on one database, successful, on the URL in $1.
every_command() {
	local url=$1
	[ "${url#sqlite:}" = "$url" ] || touch "${url#sqlite:}" # status never creates an SQLite file
	run --separate-stderr strata -d "$url" status --json
	[ "$status" -eq 0 ]
	one_doc
	jq -e '(.version == null) and (.counts | keys == ["applied","missing","modified","partial","pending"])
		and (.migrations | map(.version) == ["000001","000002","000003"])
		and all(.migrations[]; .state == "pending" and (.file | type == "string"))' <<<"$output" >/dev/null

	run --separate-stderr strata -d "$url" up 1 --json
	[ "$status" -eq 0 ]
	run_doc_ok up
	[ "$(jq -c '[.applied, .version, .migrations[0].result]' <<<"$output")" = '[1,"000001","ok"]' ]

	run --separate-stderr strata -d "$url" up --dry-run --json
	[ "$status" -eq 0 ]
	run_doc_ok up
	[ "$(jq -r '.migrations | map(.result) | unique | join(",")' <<<"$output")" = "would run" ]

	run --separate-stderr strata -d "$url" baseline 2 --json
	[ "$status" -eq 0 ]
	run_doc_ok baseline
	[ "$(jq -r .version <<<"$output")" = 000002 ]

	run --separate-stderr strata -d "$url" force 1 -y --json
	[ "$status" -eq 0 ]
	run_doc_ok force

	run --separate-stderr strata -d "$url" up --json
	[ "$status" -eq 0 ]
	run_doc_ok up

	run --separate-stderr strata -d "$url" redo -y --json
	[ "$status" -eq 0 ]
	run_doc_ok redo
	[ "$(jq -r '.migrations | map(.direction) | join(",")' <<<"$output")" = "down,up" ]

	run --separate-stderr strata -d "$url" goto 1 -y --json
	[ "$status" -eq 0 ]
	run_doc_ok goto
	[ "$(jq -r .version <<<"$output")" = 000001 ]

	run --separate-stderr strata -d "$url" down -y --json
	[ "$status" -eq 0 ]
	run_doc_ok down
	[ "$(jq -c .version <<<"$output")" = null ]

	run --separate-stderr strata -d "$url" upgrade head --json
	[ "$status" -eq 0 ]
	run_doc_ok upgrade
	run --separate-stderr strata -d "$url" stamp head -y --json
	[ "$status" -eq 0 ]
	run_doc_ok stamp

	# status after the runs: times ISO 8601 UTC, durations numbers, how each row got there
	run --separate-stderr strata -d "$url" status --json
	[ "$status" -eq 0 ]
	one_doc
	jq -e --arg iso "$ISO" '(.version == "000003") and (.current == .version)
		and all(.migrations[]; (.applied_at | test($iso)) and (.duration_ms | type == "number")
			and (.applied_by | type == "string") and (.recorded_by == "up"))' <<<"$output" >/dev/null

	# version and its alias current: the same document
	run --separate-stderr strata -d "$url" version --json
	[ "$status" -eq 0 ]
	one_doc
	[ "$(jq -c . <<<"$output")" = '{"version":"000003","partial":false}' ]
	[ "$(strata -d "$url" current --json)" = "$output" ]

	# history: an array of entries, versions as strings, times ISO 8601 UTC
	run --separate-stderr strata -d "$url" history --json
	[ "$status" -eq 0 ]
	one_doc
	jq -e --arg iso "$ISO" 'type == "array" and length > 5 and all(.[];
		(.id | type == "number") and (.at | test($iso)) and (.action | type == "string")
		and ((.version | type) as $t | $t == "string" or $t == "null") and (.name | type == "string")
		and (.by | type == "string") and (.duration_ms | type == "number") and (.result | type == "string"))
		and (map(.action) | index("baseline") != null and index("force") != null)' <<<"$output" >/dev/null
	run --separate-stderr strata -d "$url" history --limit 2 --json
	[ "$(jq length <<<"$output")" = 2 ]

	run --separate-stderr strata -d "$url" validate --json
	[ "$status" -eq 0 ]
	one_doc
	jq -e '(.command == "validate") and .valid and (.problems == []) and (.warnings == [])
		and (.counts.migrations == 3) and (.counts.applied == 3) and (has("error") | not)' <<<"$output" >/dev/null

	run --separate-stderr strata -d "$url" drop --dry-run --json
	[ "$status" -eq 0 ]
	one_doc
	jq -e '(.command == "drop") and .dry_run and (.dropped | type == "string" and length > 0)' <<<"$output" >/dev/null
	run --separate-stderr strata -d "$url" drop -y --json
	[ "$status" -eq 0 ]
	jq -e '(.command == "drop") and (.dry_run | not)' <<<"$output" >/dev/null
}

@test "SQLite: every command that reports prints one document in the shared schema" {
	every_command sqlite:app.db
}

@test "PostgreSQL: every command that reports prints one document in the shared schema" {
	require_pg
	every_command "$(make_pg_db)"
}

# Failing commands, on the URL in $1: one error object each.
failing() {
	local url=$1
	strata -d "$url" up 1 >/dev/null
	# refused on the command line
	run --separate-stderr strata -d "$url" up 1 2 --json
	is_error usage 2
	# a refusal the CLI says itself: the object carries the same sentence as stderr
	run --separate-stderr strata -d "$url" history --json --limit 0
	is_error usage 2
	[ "$(jq -r .error.message <<<"$output")" = "${stderr#strata: }" ]
	# a question not answered
	run --separate-stderr strata -d "$url" down --json </dev/null
	is_error refused 2
	# the library's refusals
	run --separate-stderr strata -d "$url" goto 7 -y --json
	is_error usage 2
	run --separate-stderr strata -d "$url" accept 1 --json
	[ "$status" -eq 2 ]
	one_doc
	[ "$(jq -r .error.code <<<"$output")" = usage ]
	run --separate-stderr strata -d "$url" adopt --json
	is_error usage 2
	jq -e '.error.hint | type == "string"' <<<"$output" >/dev/null
	# --sql writes a script, not JSON: refused
	run --separate-stderr strata -d "$url" up --sql --json
	is_error usage 2
	[[ "$(jq -r .error.message <<<"$output")" == *"--sql or --json"* ]]
	# a migration that fails: the run document, with what ran before it and the error where it stopped
	write_migration migrations 000004 broken "CREATE TABLE b (id INTEGER);
SELECT nope;" "DROP TABLE b;"
	run --separate-stderr strata -d "$url" up --json
	[ "$status" -eq 1 ]
	one_doc
	jq -e '(.command == "up") and (.applied == 2) and (.version == "000003")
		and (.migrations[-1] | .version == "000004" and .result == "failed")
		and (.error | .code == "db" and .exit_code == 1 and .file == "000004_broken.up.sql" and .line == 2
			and .version == "000004" and (.message | length > 0))' <<<"$output" >/dev/null
}

@test "SQLite: a failing command prints exactly one error object on stdout" {
	failing sqlite:app.db
	run --separate-stderr strata -d sqlite:nope.db status --json
	is_error connect 1
	run --separate-stderr strata -d sqlite:nope.db version --json
	is_error connect 1
	# refused while the command line is read, --json given after the mistake or before the command
	run --separate-stderr strata -d sqlite:app.db status --bogus --json
	is_error usage 2
	[ "$(jq -r .error.message <<<"$output")" = "unknown option --bogus (see strata --help)" ]
	run --separate-stderr strata --json stauts
	is_error usage 2
	[[ "$(jq -r .error.message <<<"$output")" == *'did you mean "status"'* ]]
	# no database at all: the CLI's own words, in the object
	run --separate-stderr strata history --json
	is_error usage 2
	[ "$(jq -r .error.message <<<"$output")" = "$(sed -n '1s/^strata[^:]*: //p' <<<"$stderr")" ]
}

@test "PostgreSQL: a failing command prints exactly one error object on stdout, no password in it" {
	require_pg
	url=$(make_pg_db)
	failing "$url"
	[ "$(jq -r .error.sqlstate <<<"$output")" = 42703 ]
	bad="postgresql://nobody:s3cr+t%2Fx@${STRATA_TEST_PG_URL#*@}"
	for cmd in status version history validate up; do
		run --separate-stderr strata -d "$bad" $cmd --json
		[ "$status" -eq 1 ]
		one_doc
		[ "$(jq -r .error.code <<<"$output")" = connect ]
		[[ "$output" != *s3cr* && "$stderr" != *s3cr* ]]
	done
}

# validate's document on the URL in $1: problems and warnings with file, line, message.
validate_doc() {
	local url=$1
	# no database: the files alone
	run --separate-stderr strata validate --json
	[ "$status" -eq 0 ]
	one_doc
	jq -e '(.database == null) and .valid and (.directory == "migrations") and (.counts.migrations == 3)' \
		<<<"$output" >/dev/null
	strata -d "$url" up 2 >/dev/null
	# warnings: an empty up, a migration without down, a skipped file
	printf -- '-- nothing yet\n' >migrations/000004_later.up.sql
	echo 'SELECT 1;' >migrations/notes.sql
	printf 'CREATE TABLE projects (id INTEGER PRIMARY KEY, x INTEGER);\n' >migrations/000001_create_projects.up.sql
	run --separate-stderr strata -d "$url" validate --json
	[ "$status" -eq 1 ]
	one_doc
	jq -e 'all((.problems + .warnings)[]; (.kind | type == "string") and has("file") and has("line")
		and has("version") and (.message | type == "string" and length > 0)
		and ((.line | type) as $t | $t == "number" or $t == "null"))' <<<"$output" >/dev/null
	jq -e '(.valid | not) and (.problems | length == 1) and (.problems[0] | .kind == "modified"
		and .file == "000001_create_projects.up.sql" and .version == "000001")' <<<"$output" >/dev/null
	[ "$(jq -r '.warnings | map(.kind) | sort | join(",")' <<<"$output")" = "down,empty_up,skipped" ]
	jq -e '.warnings[] | select(.kind == "empty_up") | .file == "000004_later.up.sql" and .line == 1
		and .version == "000004"' <<<"$output" >/dev/null
	jq -e '.warnings[] | select(.kind == "skipped") | .file == "migrations/notes.sql"' <<<"$output" >/dev/null
	jq -e '(.error.code == "history") and (.error.exit_code == 1) and (.error.message | test("^1 problem: "))
		and (.counts | .applied == 1 and .modified == 1 and .pending == 2)' <<<"$output" >/dev/null
	# the same words on stderr as without --json, and -q keeps the warnings in the document
	[[ "$stderr" == *"000001_create_projects.up.sql: changed after it was applied"* ]]
	run --separate-stderr strata -d "$url" validate --json -q
	[ "$(jq '.warnings | length' <<<"$output")" = 3 ]
	# a file the loader refuses: the document with that error as its one problem
	cp migrations/000002_create_tasks.up.sql migrations/000002_again.up.sql
	run --separate-stderr strata -d "$url" validate --json
	[ "$status" -eq 2 ]
	one_doc
	jq -e '(.valid | not) and (.problems | length == 1) and (.problems[0].kind == "source")
		and (.problems[0].file | test("000002_")) and (.error.code == "source")' <<<"$output" >/dev/null
}

@test "SQLite: validate --json is a document listing problems and warnings with file, line and message" {
	validate_doc sqlite:app.db
}

@test "PostgreSQL: validate --json is a document listing problems and warnings with file, line and message" {
	require_pg
	validate_doc "$(make_pg_db)"
}

@test "a fleet (a glob of SQLite files): one document, per-target items in the shared fields, one error on failure" {
	mkdir data
	for i in 1 2 3; do strata -d "sqlite:data/p$i.db" up 1 >/dev/null; done
	run --separate-stderr strata -d 'sqlite:data/p*.db' status --json
	[ "$status" -eq 0 ]
	one_doc
	jq -e '(.targets | length == 3) and all(.targets[]; (.target | type == "string") and .status == "pending"
		and .version == "000001" and .pending == 2 and (.duration_ms | type == "number"))
		and (.summary | .targets == 3 and .pending == 3 and .current == 0 and (.duration_ms | type == "number"))
		and (has("error") | not)' <<<"$output" >/dev/null
	run --separate-stderr strata -d 'sqlite:data/p*.db' validate --json
	[ "$status" -eq 0 ]
	one_doc
	echo 'not a database' >data/p4.db
	for cmd in "up" "version" "down -y"; do
		run --separate-stderr strata -d 'sqlite:data/p*.db' $cmd --json
		[ "$status" -eq 1 ]
		one_doc
		jq -e '(.targets | length == 4) and (.summary.failed == 1)
			and ([.targets[] | select(.status == "failed") | .error.code] == ["connect"])
			and (.error | .code == "connect" and .exit_code == 1 and .message == "1 of 4 targets failed")' \
			<<<"$output" >/dev/null
	done
	# a command that works on one database at a time: refused, in the one error shape
	run --separate-stderr strata -d 'sqlite:data/p*.db' history --json
	is_error usage 2
}

@test "heads --json; the commands without JSON output refuse --json in the same error shape" {
	run --separate-stderr strata heads --json
	[ "$status" -eq 0 ]
	[ "$(jq -c . <<<"$output")" = '{"version":"000003","name":"create_runs","file":"000003_create_runs.up.sql"}' ]
	for cmd in "create x" "new x" "wait" "help"; do
		run --separate-stderr strata -d sqlite:app.db $cmd --json
		is_error usage 2
		[[ "$(jq -r .error.message <<<"$output")" == "--json: strata ${cmd% *} has no JSON output"* ]]
		[ "$(jq -r .error.message <<<"$output")" = "${stderr#strata: }" ]
	done
	[ ! -e migrations/*_x.up.sql ]
	# drop's -f after --json is still refused by status, and the other way round
	run --separate-stderr strata -d sqlite:app.db status --json -f
	is_error usage 2
	run --separate-stderr strata -d sqlite:app.db status -f --json
	is_error usage 2
}
