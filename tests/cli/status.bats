#!/usr/bin/env bats
# status, version, validate: where a database stands, without changing it.

load helpers

setup() {
	strata_setup
	write_migration migrations 000001 create_projects "CREATE TABLE projects (id INTEGER PRIMARY KEY);" "DROP TABLE projects;"
	write_migration migrations 000002 create_tasks "CREATE TABLE tasks (id INTEGER PRIMARY KEY);" "DROP TABLE tasks;"
	write_migration migrations 000003 create_runs "CREATE TABLE runs (id INTEGER PRIMARY KEY);" "DROP TABLE runs;"
}

@test "status lists applied and pending migrations with when, who and how long" {
	strata -d sqlite:app.db up 2
	run strata -d sqlite:app.db status
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "version"*"name"*"state"*"applied (UTC)" ]]
	[[ "${lines[1]}" =~ ^000001\ +create_projects\ +applied\ +20[0-9-]+\ [0-9:]+\ \([0-9.]+\ ms,\ .+@.+\)$ ]]
	[[ "${lines[3]}" =~ ^000003\ +create_runs\ +pending ]]
	[[ "$output" == *"2 applied, 1 pending; at 000002"* ]]
}

@test "status never creates the database or the tracking table" {
	# a path that does not exist is a mistake to report, not an empty database
	run strata -d sqlite:new.db status
	[ "$status" -eq 1 ]
	[ "$output" = "strata: SQLite database new.db does not exist (only \`strata up\` creates it): check the path" ]
	[ ! -e new.db ]
	touch empty.db
	run strata -d sqlite:empty.db status
	[ "$status" -eq 0 ]
	[ -z "$(sqlite_sql empty.db "SELECT name FROM sqlite_master")" ]
}

@test "status shows modified and missing migrations" {
	strata -d sqlite:app.db up
	echo "INSERT INTO tasks DEFAULT VALUES;" >> migrations/000002_create_tasks.up.sql
	rm migrations/000003_create_runs.*
	run strata -d sqlite:app.db status
	[ "$status" -eq 0 ]
	[[ "$output" =~ 000002\ +create_tasks\ +modified\ .*file\ changed\ since\ applied\ \(\`strata\ accept\ 000002\`\ records\ it\) ]]
	[[ "$output" =~ 3\ +create_runs\ +missing ]]
	# each row counted once (issue 13): 1 applied as its file says, 1 modified, 1 missing
	[[ "$output" == *"1 applied, 0 pending, 1 modified, 1 missing"* ]]
}

@test "status --json parses and says the same" {
	strata -d sqlite:app.db up 1
	run --separate-stderr strata -d sqlite:app.db status --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.current' <<<"$output")" = 000001 ]
	[ "$(jq -r '.migrations | map(.state) | join(",")' <<<"$output")" = "applied,pending,pending" ]
	[ "$(jq -r '.counts.pending' <<<"$output")" = 2 ]
	[ "$(jq -r '.migrations[0].file' <<<"$output")" = "000001_create_projects.up.sql" ]
}

@test "version prints the number alone on stdout" {
	run --separate-stderr strata -d sqlite:app.db version
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"SQLite database app.db does not exist"* ]]
	[ ! -e app.db ]
	touch app.db
	run --separate-stderr strata -d sqlite:app.db version
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ "$stderr" == *"no migration applied"* ]]
	strata -d sqlite:app.db up 2
	run --separate-stderr strata -d sqlite:app.db version
	[ "$status" -eq 0 ]
	[ "$output" = 2 ]
	run strata -d sqlite:app.db version --json
	[ "$(jq -r .version <<<"$output")" = 000002 ]  # as the file name writes it (issue 13: one JSON schema)
	# works without the migrations directory
	rm -r migrations
	run --separate-stderr strata -d sqlite:app.db version
	[ "$status" -eq 0 ]
	[ "$output" = 2 ]
}

@test "status and version on PostgreSQL" {
	require_pg
	url=$(make_pg_db)
	run strata -d "$url" status
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT to_regclass('strata_migrations') IS NULL")" = t ]
	strata -d "$url" up
	run strata -d "$url" status
	[[ "$output" == *"3 applied, 0 pending; at 000003"* ]]
	run --separate-stderr strata -d "$url" version
	[ "$output" = 3 ]
}

@test "version: versions above 2^63 are the highest, a partial one says so" {
	mkdir big
	write_migration big 5 small "CREATE TABLE a (x INTEGER);" "DROP TABLE a;"
	write_migration big 9223372036854775808 huge "CREATE TABLE b (x INTEGER);" "DROP TABLE b;"
	run --separate-stderr strata -d sqlite:big.db -p big up
	[ "$status" -eq 0 ]
	run --separate-stderr strata -d sqlite:big.db version
	[ "$output" = 9223372036854775808 ]
	sqlite_sql big.db "UPDATE strata_migrations SET state = 'partial' WHERE name = 'huge'"
	run --separate-stderr strata -d sqlite:big.db version
	[ "$output" = "9223372036854775808 (partial)" ]
	run strata -d sqlite:big.db version --json
	[ "$(jq -r .partial <<<"$output")" = true ]
}

@test "validate checks files without a database and checksums with one" {
	run strata -p migrations validate
	[ "$status" -eq 0 ]
	[[ "$output" == *"3 migrations"* ]]
	strata -d sqlite:app.db up
	run strata -d sqlite:app.db validate
	[ "$status" -eq 0 ]
	printf 'CREATE TABLE tasks (id INTEGER PRIMARY KEY, x TEXT);\n' > migrations/000002_create_tasks.up.sql
	run --separate-stderr strata -d sqlite:app.db validate
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000002_create_tasks.up.sql: changed after it was applied (recorded sha256 "*"); if the change is deliberate, record it with \`strata accept 000002\`"* ]]
}

@test "an edited applied migration stops up until restored or allowed" {
	strata -d sqlite:app.db up 2
	printf 'CREATE TABLE projects (id INTEGER PRIMARY KEY, extra TEXT);\n' > migrations/000001_create_projects.up.sql
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000001_create_projects.up.sql was changed after it was applied"* ]]
	[[ "$stderr" == *"HINT: restore the applied file; if the change is deliberate and harmless, record it with \`strata accept 000001\` (or run once with --allow-modified)"* ]]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 2 ]
	run strata -d sqlite:app.db up --allow-modified
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
}

@test "line endings alone are not a modification" {
	strata -d sqlite:app.db up
	printf 'CREATE TABLE tasks (id INTEGER PRIMARY KEY);\r\n' > migrations/000002_create_tasks.up.sql
	run strata -d sqlite:app.db validate
	[ "$status" -eq 0 ]
}

@test "a pending migration older than the newest applied is refused unless allowed" {
	# a branch added 000002 while main applied 000003
	mkdir branch
	mv migrations/000002_* branch/
	strata -d sqlite:app.db up
	mv branch/* migrations/
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000002 create_tasks is pending but is older than 000003 create_runs, which is already applied"* ]]
	[[ "$stderr" == *"--allow-out-of-order"* ]]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 2 ]
	run strata -d sqlite:app.db status
	[[ "$output" == *"(older than the newest applied)"* ]]
	run strata -d sqlite:app.db up --allow-out-of-order
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 3 ]
}

@test "validate reads the scripts as up would: unterminated quotes and unknown directives fail it" {
	write_migration migrations 000004 typo "-- strata:no-transation
SELECT 1;"
	write_migration migrations 000005 quote "SELECT 'oops;"
	run --separate-stderr strata -p migrations validate
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"000004_typo.up.sql:1: unknown directive -- strata:no-transation"* ]]
	[[ "$stderr" == *"000005_quote.up.sql:1: unterminated quoted string"* ]]
}

@test "status shows baselined and forced rows as such, aligns any name and missing file, counts each row once" {
	long=a_migration_name_much_longer_than_forty_characters_for_the_column
	write_migration migrations 000004 "$long" "CREATE TABLE l (id INTEGER PRIMARY KEY);" "DROP TABLE l;"
	touch app.db
	strata -d sqlite:app.db baseline 1
	strata -d sqlite:app.db up 1
	strata -d sqlite:app.db force 3 -y
	rm migrations/000003_create_runs.*
	write_migration migrations 000003 create_runs "CREATE TABLE runs (id INTEGER PRIMARY KEY, x INTEGER);" "DROP TABLE runs;"
	sqlite_sql app.db "UPDATE strata_migrations SET name = 'gone_away_with_a_long_name_of_its_own' WHERE version = 2"
	rm migrations/000002_create_tasks.*
	run --separate-stderr strata -d sqlite:app.db status
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "version  name$(printf '%*s' $((${#long} - 4)) '')  state      applied (UTC)" ]
	[[ "${lines[1]}" =~ ^000001\ {3}create_projects\ +baselined\ \ 20[0-9-]+\ [0-9:]+\ \(recorded\ by\ \`strata\ baseline\`,\ not\ run\ by\ strata\;\ .+@.+\)$ ]]
	[[ "${lines[2]}" =~ ^2\ {8}gone_away_with_a_long_name_of_its_own\ +missing\ {4}20[0-9-]+\ [0-9:]+\ \([0-9.]+\ ms,\ .+@.+\)$ ]]
	[[ "${lines[3]}" =~ ^000003\ {3}create_runs\ +modified\ {3}20[0-9-]+\ [0-9:]+\ \(recorded\ by\ \`strata\ force\`.*file\ changed ]]
	[ "${lines[4]}" = "000004   $long  pending" ]
	# the state column starts at the same place on every line
	for i in 1 2 3 4; do [ "${lines[$i]:$((9 + ${#long} + 2)):1}" != " " ]; done
	[ "${lines[5]}" = "1 applied (1 baselined), 1 pending, 1 modified, 1 missing; at 000003" ]
	run --separate-stderr strata -d sqlite:app.db status --json
	[ "$(jq -c '.counts' <<<"$output")" = '{"applied":1,"pending":1,"modified":1,"missing":1,"partial":0}' ]
	[ "$(jq -r '.migrations | map(.recorded_by // "-") | join(",")' <<<"$output")" = "baseline,up,force,-" ]
	[[ "$(jq -r '.migrations[0].applied_at' <<<"$output")" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
	# accepting the edit does not change how it got there; an up after a force ran it: applied again
	strata -d sqlite:app.db accept 3
	run --separate-stderr strata -d sqlite:app.db status
	[[ "${lines[3]}" =~ ^000003\ +create_runs\ +forced\ +20 ]]
	sqlite_sql app.db "CREATE TABLE runs (id INTEGER PRIMARY KEY, x INTEGER)" # what the force stood for
	strata -d sqlite:app.db down -y
	strata -d sqlite:app.db up 1
	run --separate-stderr strata -d sqlite:app.db status
	[[ "${lines[3]}" =~ ^000003\ +create_runs\ +applied\ +20[0-9-]+\ [0-9:]+\ \([0-9.]+\ ms ]]
}

@test "PostgreSQL: forced and baselined rows in status and in --json" {
	require_pg
	url=$(make_pg_db)
	strata -d "$url" baseline 1
	strata -d "$url" force 2 -y
	strata -d "$url" up
	run --separate-stderr strata -d "$url" status
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^000001\ +create_projects\ +baselined\ +20 ]]
	[[ "${lines[2]}" =~ ^000002\ +create_tasks\ +forced\ +20 ]]
	[[ "${lines[3]}" =~ ^000003\ +create_runs\ +applied\ +20[0-9-]+\ [0-9:]+\ \([0-9.]+\ ms ]]
	[ "${lines[4]}" = "3 applied (1 baselined, 1 forced), 0 pending; at 000003" ]
	run --separate-stderr strata -d "$url" status --json
	[ "$(jq -r '.migrations | map(.recorded_by) | join(",")' <<<"$output")" = "baseline,force,up" ]
	[[ "$(jq -r '.migrations[2].applied_at' <<<"$output")" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
	run --separate-stderr strata -d "$url" history --json
	[ "$(jq -r 'map(.version) | join(",")' <<<"$output")" = "000001,000002,000003" ]
	[[ "$(jq -r '.[0].at' <<<"$output")" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
}

@test "--json: a failing command prints its error as one object on stdout too, on SQLite and PostgreSQL" {
	run --separate-stderr strata -d sqlite:nope.db status --json
	[ "$status" -eq 1 ]
	[ "$(jq -c '.error | [.code, .exit_code]' <<<"$output")" = '["connect",1]' ]
	[ "$(jq -r '.error.message' <<<"$output")" = "SQLite database nope.db does not exist (only \`strata up\` creates it): check the path" ]
	[[ "$stderr" == "strata: SQLite database nope.db does not exist"* ]]
	write_migration migrations 000004 broken "CREATE TABLE b (id INTEGER);
SELECT nope;" "DROP TABLE b;"
	run --separate-stderr strata -d sqlite:app.db up --json
	[ "$status" -eq 1 ]
	[ "$(jq -c '.error | [.code, .exit_code, .file, .line, .version]' <<<"$output")" = '["db",1,"000004_broken.up.sql",2,"000004"]' ]
	[ "$(jq -r '.migrations | map(.version) | join(",")' <<<"$output")" = "000001,000002,000003,000004" ]
	# what ran before the failure stays, and the object says so
	[ "$(jq -c '[.applied, .version]' <<<"$output")" = '[3,"000003"]' ]
	[[ "$stderr" == *"000004_broken.up.sql:2: no such column: nope"* ]]
	# refused on the command line: still an object, the reason on stderr
	run --separate-stderr strata -d sqlite:app.db up 1 2 --json
	[ "$status" -eq 2 ]
	[ "$(jq -c '.error | [.code, .exit_code]' <<<"$output")" = '["usage",2]' ]
	[[ "$stderr" == *'unexpected argument "2"'* ]]
	# history: versions as the file names write them, times in ISO 8601 UTC
	run --separate-stderr strata -d sqlite:app.db history --json
	[ "$(jq -r 'map(.version) | join(",")' <<<"$output")" = "000001,000002,000003,000004" ]
	[[ "$(jq -r '.[0].at' <<<"$output")" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
	require_pg
	url=$(make_pg_db)
	run --separate-stderr strata -d "$url" up --json
	[ "$status" -eq 1 ]
	[ "$(jq -c '.error | [.code, .exit_code, .file, .line, .sqlstate, .version]' <<<"$output")" = '["db",1,"000004_broken.up.sql",2,"42703","000004"]' ]
	run --separate-stderr strata -d "$url" version --json
	[ "$(jq -r .version <<<"$output")" = 000003 ]
}

@test "down and goto --json: the same object, and a refusal in the same error shape" {
	strata -d sqlite:app.db up
	run --separate-stderr strata -d sqlite:app.db down --json </dev/null
	[ "$status" -eq 2 ]
	[ "$(jq -c '.error | [.code, .exit_code, .message]' <<<"$output")" = '["refused",2,"refusing without a terminal to ask on; pass --yes to confirm"]' ]
	[[ "$stderr" == *"refusing without a terminal to ask on; pass --yes to confirm"* ]]
	run --separate-stderr strata -d sqlite:app.db down -y --json
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.command, .applied, .version, (.migrations | map(.version + ":" + .direction) | join(","))]' <<<"$output")" = '["down",1,"000002","000003:down"]' ]
	run --separate-stderr strata -d sqlite:app.db goto 1 -y --json
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.command, .version]' <<<"$output")" = '["goto","000001"]' ]
	run --separate-stderr strata -d sqlite:app.db goto 7 -y --json
	[ "$status" -eq 2 ]
	[ "$(jq -r '.error.code' <<<"$output")" = usage ]
	[ "$(jq -r '.error.message' <<<"$output")" = "$(sed 's/^strata: //' <<<"$stderr")" ]
}
