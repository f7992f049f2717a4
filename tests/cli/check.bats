#!/usr/bin/env bats
# strata check: drift between a live database and what its applied
# migrations make (rebuilt in a scratch database), or what a schema.sql
# makes (--against); on SQLite and on the real PostgreSQL. Exit 0 when
# equal, 1 with exactly the objects that differ; scratch databases never
# stay behind.

load helpers

# sqlite_fixture DIR: three migrations: a table with a default, an index, a table with a trigger.
sqlite_fixture() {
	write_migration "$1" 001 users "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x');" \
		"DROP TABLE users;"
	write_migration "$1" 002 runs "CREATE TABLE runs (id INTEGER PRIMARY KEY, status TEXT);
CREATE INDEX ix_runs_id ON runs (id);" "DROP TABLE runs;"
	write_migration "$1" 003 audit "CREATE TABLE audit (a INT);
CREATE TRIGGER t_audit AFTER INSERT ON runs BEGIN INSERT INTO audit VALUES (1); END;" "DROP TABLE audit;"
}

# pg_fixture DIR: the same on PostgreSQL, with a no-transaction file and a function.
pg_fixture() {
	write_migration "$1" 001 users "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL DEFAULT 'x');" \
		"DROP TABLE users;"
	write_migration "$1" 002 runs "CREATE TABLE runs (id serial PRIMARY KEY, status text);" "DROP TABLE runs;"
	write_migration "$1" 003 runs_index "-- strata:no-transaction
CREATE INDEX CONCURRENTLY ix_runs_id ON runs (id);" "DROP INDEX ix_runs_id;"
	write_migration "$1" 004 audit "CREATE TABLE audit (a int);
CREATE FUNCTION audit_fn() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN INSERT INTO audit VALUES (1); RETURN NEW; END \$\$;
CREATE TRIGGER t_audit AFTER INSERT ON runs FOR EACH ROW EXECUTE FUNCTION audit_fn();" \
		"DROP TABLE audit; DROP FUNCTION audit_fn();"
}

# strata, with the pid of each run kept: its scratch databases are named
# strata_scratch_<pid>_<n>, so that what it left behind is told apart from
# the scratch databases of strata runs of other test files at the same time.
strata() {
	"$STRATA" "$@" &
	local pid=$!
	echo "$pid" >>"$BATS_TEST_TMPDIR/strata.pids"
	wait "$pid"
}

# no_scratch_left [PID...]: no scratch database of this test's strata runs (or of these pids) remains.
no_scratch_left() {
	local pids="$* $(cat "$BATS_TEST_TMPDIR/strata.pids" 2>/dev/null)" p cond=""
	for p in $pids; do
		cond="$cond OR datname LIKE 'strata\\_scratch\\_${p}\\_%'"
	done
	[ -n "$cond" ] || return 0
	run pg_sql postgres "SELECT datname FROM pg_database WHERE false $cond"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "sqlite: check on a database as migrated: exit 0" {
	sqlite_fixture m
	strata -d sqlite:app.db -p m up -q
	run --separate-stderr strata -d sqlite:app.db -p m check
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ "$stderr" == *"is what its applied migrations make"* ]]
}

@test "sqlite: check names exactly the index added and the trigger dropped by hand" {
	sqlite_fixture m
	strata -d sqlite:app.db -p m up -q
	sqlite_sql app.db "CREATE INDEX ix_runs_status ON runs (status); DROP TRIGGER t_audit;"
	run --separate-stderr strata -d sqlite:app.db -p m check
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == "+ index ix_runs_status ON runs"* ]]
	[[ "${lines[1]}" == "- trigger t_audit ON runs"* ]]
}

@test "sqlite: check rebuilds only the applied migrations, not the pending ones" {
	sqlite_fixture m
	strata -d sqlite:app.db -p m up -q 2
	run strata -d sqlite:app.db -p m check
	[ "$status" -eq 0 ]
}

@test "sqlite: check --json: equal, then the difference as an object" {
	sqlite_fixture m
	strata -d sqlite:app.db -p m up -q
	run --separate-stderr strata -d sqlite:app.db -p m check --json
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["equal"], len(d["differences"]))')" = "True 0" ]
	sqlite_sql app.db "CREATE INDEX ix_runs_status ON runs (status);"
	run --separate-stderr strata -d sqlite:app.db -p m check --json
	[ "$status" -eq 1 ]
	[ "$(printf '%s' "$output" | python3 -c 'import json,sys; d=json.load(sys.stdin); x=d["differences"]; print(d["equal"], len(x), x[0]["op"], x[0]["kind"], x[0]["object"])')" = "False 1 added index ix_runs_status ON runs" ]
}

@test "sqlite: check --against a schema.sql" {
	sqlite_fixture m
	strata -d sqlite:app.db -p m up -q
	sqlite_sql app.db "SELECT sql || ';' FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'strata_%'" >schema.sql
	run strata -d sqlite:app.db -p m check --against schema.sql
	[ "$status" -eq 0 ]
	grep -v ix_runs_id schema.sql >less.sql
	run --separate-stderr strata -d sqlite:app.db -p m check --against less.sql
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "+ index ix_runs_id ON runs"* ]]
}

@test "sqlite: --scratch-setup and scratch_setup in strata.ini run first in the scratch database" {
	write_migration m 001 alter "ALTER TABLE base ADD COLUMN extra TEXT;" "ALTER TABLE base DROP COLUMN extra;"
	sqlite_sql app.db "CREATE TABLE base (id INTEGER PRIMARY KEY);"
	strata -d sqlite:app.db -p m up -q
	run strata -d sqlite:app.db -p m check
	[ "$status" -ne 0 ]
	echo "CREATE TABLE base (id INTEGER PRIMARY KEY);" >setup.sql
	run strata -d sqlite:app.db -p m check --scratch-setup setup.sql
	[ "$status" -eq 0 ]
	printf 'scratch_setup = setup.sql\n' >strata.ini
	run strata -d sqlite:app.db -p m check
	[ "$status" -eq 0 ]
}

@test "sqlite: a migration recorded without its file cannot be rebuilt: said, exit non-zero" {
	sqlite_fixture m
	strata -d sqlite:app.db -p m up -q
	rm m/003_audit.*
	run --separate-stderr strata -d sqlite:app.db -p m check
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"migration 3 audit"*"has no file"* ]]
}

@test "postgres: check equal, then exactly the index, default and trigger changed by hand" {
	require_pg
	url=$(make_pg_db)
	pg_fixture m
	strata -d "$url" -p m up -q
	run --separate-stderr strata -d "$url" -p m check
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	pg_sql "$url" "CREATE INDEX ix_runs_status ON runs (status)"
	run --separate-stderr strata -d "$url" -p m check
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "+ index ix_runs_status ON runs"* ]]
	pg_sql "$url" "DROP INDEX ix_runs_status; ALTER TABLE users ALTER COLUMN name SET DEFAULT 'y'"
	run --separate-stderr strata -d "$url" -p m check
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "~ column "*"users.name: default 'x'"*"'y'"* ]]
	pg_sql "$url" "ALTER TABLE users ALTER COLUMN name SET DEFAULT 'x'; DROP TRIGGER t_audit ON runs"
	run --separate-stderr strata -d "$url" -p m check
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "- trigger "*"t_audit"* ]]
	no_scratch_left
}

@test "postgres: check --json and --against" {
	require_pg
	url=$(make_pg_db)
	pg_fixture m
	strata -d "$url" -p m up -q
	/usr/lib/postgresql/15/bin/pg_dump -s --exclude-table='public.strata_migrations*' -d "$url" |
		grep -v -e '^\\restrict ' -e '^\\unrestrict ' -e '^--' -e '^SET ' -e "^SELECT pg_catalog.set_config" >schema.sql
	run --separate-stderr strata -d "$url" -p m check --against schema.sql
	[ "$status" -eq 0 ]
	pg_sql "$url" "ALTER TABLE users ALTER COLUMN name DROP DEFAULT"
	run --separate-stderr strata -d "$url" -p m check --json
	[ "$status" -eq 1 ]
	[ "$(printf '%s' "$output" | python3 -c 'import json,sys; d=json.load(sys.stdin); x=d["differences"]; print(d["equal"], len(x), x[0]["op"], x[0]["attribute"], x[0]["after"])')" = "False 1 changed default None" ]
	no_scratch_left
}

@test "postgres: a role that may not create databases is told what to do; --scratch names another server" {
	require_pg
	url=$(make_pg_db t_check_nocreate)
	pg_sql postgres "DO \$\$ BEGIN CREATE ROLE strata_nocreate LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$"
	pg_sql "$url" "GRANT ALL ON SCHEMA public TO strata_nocreate"
	pg_fixture m
	rm m/004_*
	nourl=$(printf '%s' "$url" | sed 's|://postgres@|://strata_nocreate@|')
	strata -d "$nourl" -p m up -q
	run --separate-stderr strata -d "$nourl" -p m check
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"may not create databases"* ]]
	[[ "$stderr" == *"CREATEDB"*"another server"*"--scratch URL"* ]]
	run --separate-stderr strata -d "$nourl" -p m check --scratch "$STRATA_TEST_PG_URL"
	[ "$status" -eq 0 ]
	no_scratch_left
}

@test "postgres: an error in the migrations leaves no scratch database behind" {
	require_pg
	url=$(make_pg_db)
	pg_fixture m
	strata -d "$url" -p m up -q
	echo "SELECT nosuch();" >bad.sql
	run --separate-stderr strata -d "$url" -p m check --scratch-setup bad.sql
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"bad.sql"* ]]
	no_scratch_left
}

@test "postgres: an object of a kind strata does not model is a difference: not handled, exit 1" {
	require_pg
	url=$(make_pg_db)
	pg_fixture m
	strata -d "$url" -p m up -q
	pg_sql "$url" "CREATE COLLATION my_c (locale = 'C')"
	run --separate-stderr strata -d "$url" -p m check
	[ "$status" -eq 1 ]
	[[ "$output" == *"not handled: "*"collation"* ]]
	run --separate-stderr strata -d "$url" -p m check --json
	[ "$status" -eq 1 ]
	[ "$(printf '%s' "$output" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["equal"], d["not_handled"])')" = "False ['after: 1 collation']" ]
	no_scratch_left
}

@test "postgres: --scratch must name a server of the target's engine" {
	require_pg
	url=$(make_pg_db)
	pg_fixture m
	strata -d "$url" -p m up -q
	run --separate-stderr strata -d "$url" -p m check --scratch sqlite:other.db
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"not of the target's engine"* ]]
}
